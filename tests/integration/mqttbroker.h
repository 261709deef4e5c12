/* A mosquitto broker of a test's own, on a free port of 127.0.0.1, in a
 * fresh directory under $AXION_TEST_TMPDIR (tests and benchmarks). */
#pragma once

#include <glib.h>

typedef struct
{
  gchar *dir, *conf;
  gint port;
  GPid pid;
} Broker;

/* @extra: more configuration lines (NULL: anonymous access) */
Broker *broker_new (const gchar *extra);
void broker_start (Broker *b);
/* SIGTERM (the broker saves its persistent state), and waits */
void broker_stop (Broker *b);
void broker_free (Broker *b);
