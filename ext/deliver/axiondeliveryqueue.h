/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The delivery sinks' messages that could not be delivered: the schema
 * document's §2.6 queues in Redis (shared by every process), or a local
 * spool file without Redis.
 */
#pragma once

#include <gst/axion/axiondeliverymsg.h>

G_BEGIN_DECLS

typedef struct _AxionDeliveryQueue AxionDeliveryQueue;

typedef struct
{
  const gchar *channel;    /* "mqtt", "webhook" */
  const gchar *prefix;     /* key prefix, "axion" */
  const gchar *redis_url;  /* NULL or "": the spool file */
  const gchar *spool_path; /* NULL: memory only (lost at exit) */
  guint max_attempts;
  guint backoff_base_ms, backoff_max_ms;
} AxionDeliveryQueueConfig;

AxionDeliveryQueue *axion_delivery_queue_new (
    const AxionDeliveryQueueConfig *config, GError **error);
void axion_delivery_queue_free (AxionDeliveryQueue *q);

/* A delivery failed (or was not tried: the endpoint is away). The message
 * goes to the failed list; with @attempted its attempts count up and
 * after max-attempts it goes to the dead-letter list instead. FALSE: Redis
 * is away too; the message is kept in memory (and the spool) and handed
 * over later. Takes @msg. */
gboolean axion_delivery_queue_fail (AxionDeliveryQueue *q,
    AxionDeliveryMsg *msg, gboolean attempted, const gchar *error);

/* A permanent failure (the endpoint refused the message: retrying cannot
 * help): @msg goes straight to the dead-letter list with @final_error.
 * FALSE: Redis is away; it is handed over later. Takes @msg. */
gboolean axion_delivery_queue_dead_letter (
    AxionDeliveryQueue *q, AxionDeliveryMsg *msg, const gchar *final_error);

/* Moves failed messages to the retry schedule (score: next attempt, with
 * exponential backoff and jitter, not before the message's not_before) and
 * claims up to @max messages that are due (removed from the schedule: no other
 * process takes them). */
GPtrArray *axion_delivery_queue_take_due (AxionDeliveryQueue *q, guint max);

/* depth: failed + scheduled (+ held in memory); dead: dead-letter list */
void axion_delivery_queue_depth (
    AxionDeliveryQueue *q, guint64 *depth, guint64 *dead);

/* writes what is held in memory to the spool file (at stop) */
void axion_delivery_queue_save (AxionDeliveryQueue *q);

const gchar *axion_delivery_queue_last_error (AxionDeliveryQueue *q);

G_END_DECLS
