/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/axion/gstaxionrows.h>

G_BEGIN_DECLS

/* The runner's writes to PostgreSQL and Redis (camera status, events,
 * metrics) on a worker thread with a bounded queue: the caller never waits
 * on a server. Every statement and command has a deadline; a server that
 * does not answer is retried later. */
typedef struct _AxionRunStore AxionRunStore;

/* Called on the main context when a store refuses the configuration
 * (credentials, database, schema): @what says what to fix. */
typedef void (*AxionRunStoreFatal) (const gchar *what, gpointer data);

/* @spool_dir: where writes the stores did not take by exit are kept for
 * the next run with the same stores (NULL: not kept) */
AxionRunStore *axion_run_store_new (const gchar *conninfo,
    const gchar *redis_url, const gchar *key_prefix, const gchar *spool_dir,
    AxionRunStoreFatal fatal, gpointer data);

/* The conninfo and the Redis URL can be parsed (nothing is connected).
 * FALSE with @error saying which and how to write it (never quoting
 * them: they may hold passwords). */
gboolean axion_run_store_check_settings (
    const gchar *conninfo, const gchar *redis_url, GError **error);

/* INSERT of @row (taken) ON CONFLICT DO NOTHING */
void axion_run_store_insert (AxionRunStore *s, GstAxionRow *row);

/* A camera_online / camera_offline event with @data_json as event_data,
 * the cameras row's status and the Redis state hash and active set. */
void axion_run_store_camera_status (AxionRunStore *s, const gchar *camera_id,
    gboolean online, guint64 frame, const gchar *data_json, const gchar *why);

/* Builds a row that needs a new id (an alert, a metric), called on the
 * store's worker with that id; returns the row to insert, or NULL. */
typedef GstAxionRow *(*AxionRunStoreRowFn) (gint64 id, gpointer data);

/* A camera's first start: cameras.status and the Redis state hash and
 * active set say online (no event: camera_online marks a return). */
void axion_run_store_camera_started (AxionRunStore *s, const gchar *camera_id);

/* Inserts the row @build makes with a new id; @time_us (wall clock, µs)
 * is when it happened. The id is taken on the worker: without a valid
 * node lease a record waits there, in order, for the lease to come back
 * (a @sample, a metric, is dropped), and the caller never waits
 * (docs/scaling.md). @data is freed with @free_data. */
void axion_run_store_insert_with_id (AxionRunStore *s, gint64 time_us,
    gboolean sample, AxionRunStoreRowFn build, gpointer data,
    GDestroyNotify free_data);

/* SELECT rollup_system_metrics() */
/* an entry of the delivery sinks' §2.6 failed list of @channel ("mqtt",
 * "webhook"): {"id","topic","payload",...}; any running sink of the
 * channel delivers it */
void axion_run_store_queue_message (
    AxionRunStore *s, const gchar *channel, const gchar *entry_json);
void axion_run_store_rollup (AxionRunStore *s);

/* Finishes the queued writes within @timeout_ms. FALSE when the worker is
 * still busy then: it is left running (and @s not freed). */
gboolean axion_run_store_close (AxionRunStore *s, guint timeout_ms);

G_END_DECLS
