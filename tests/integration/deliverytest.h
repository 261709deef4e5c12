/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Helpers the delivery sinks' tests (test_mqtt.c, test_webhook.c) share:
 * the servers of tests/fixtures/with-servers, the sinks' stats, and what a
 * secrets test reads (the debug log, bus messages). */
#ifndef __AXION_DELIVERY_TEST_H__
#define __AXION_DELIVERY_TEST_H__

#include <gst/gst.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* Redis of the fixtures (AXION_TEST_REDIS_SOCKET); fails the test if away */
redisContext *redis (void);
/* an integer reply of "CMD KEY", -1 if none */
long long redis_int (redisContext *c, const gchar *cmd, const gchar *key);
/* first column of the first row, or NULL */
gchar *pg_scalar (PGconn *c, const gchar *sql);

guint64 stat_u64 (GstElement *sink, const gchar *field);
/* waits up to @seconds for a stats counter to reach @n */
gboolean
wait_stat (GstElement *sink, const gchar *field, guint64 n, guint seconds);
void stop_pipeline (GstElement *p);

/* every error and warning (text and debug) and structure posted so far */
gchar *bus_texts (GstElement *p);
/* all debug output from now at LOG level, until log_capture_end() returns
 * it */
void log_capture_begin (void);
gchar *log_capture_end (void);

G_END_DECLS

#endif
