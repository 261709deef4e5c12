/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The runner's writer, shared by its three files: axionrunstore.c (the
 * queue, the worker thread, ids), axionrunstorepg.c (PostgreSQL: the
 * records and metrics, kept while the database is away) and
 * axionrunstoreredis.c (Redis: the live camera state and the delivery
 * queue entries). Everything below the "worker's own" line is touched by
 * the worker thread only.
 */
#pragma once

#include "axionrun.h"
#include "axionrunstore.h"

#ifdef HAVE_PQ
#include <libpq-fe.h>
#endif
#ifdef HAVE_HIREDIS
#include <gst/axion/axionredisconn.h>
#endif

G_BEGIN_DECLS

/* an unanswered store is asked again after this */
#define AXION_RUN_STORE_RETRY_US (10 * G_USEC_PER_SEC)
/* writes kept while a store is away, each store (the oldest go first) */
#define AXION_RUN_STORE_MAX_BACKLOG 10000

typedef enum
{
  JOB_ROW,
  JOB_STATUS,
  JOB_STARTED, /* a camera's first start: its state, no event */
  JOB_ROLLUP,
  JOB_QUEUE,
  JOB_WITH_ID,
  JOB_CONNECT,
  JOB_STOP,
} JobKind;

/* a write a store did not take yet: a PostgreSQL statement and its
 * parameters, sent again in order once the database answers */
typedef struct
{
  gchar *sql;
  gint n;
  gchar **p; /* n values, NULL for SQL NULL */
} PgWrite;

void axion_run_store_pg_write_free (PgWrite *w);

typedef struct
{
  JobKind kind;
  GstAxionRow *row;
  gchar *camera_id; /* JOB_QUEUE: the channel */
  gboolean online;
  guint64 frame;
  gchar *data;
  gchar *why; /* a status change's reason (§2.2 last_error when offline) */
  gint64 time_us;
  gint64 event_id;     /* taken on the worker */
  gboolean redis_done; /* JOB_STATUS: its Redis part ran (waiting for id) */
  gboolean sample;     /* JOB_WITH_ID: a metric (dropped, never kept) */
  AxionRunStoreRowFn build;
  gpointer build_data;
  GDestroyNotify build_free;
} Job;

struct _AxionRunStore
{
  GThread *thread;
  GAsyncQueue *queue;
  gchar *conninfo, *redis_url, *prefix;
  gchar *spool_dir; /* NULL: nothing kept across restarts */
  gchar *spool_key; /* which stores a spool file is for */
  AxionRunStoreFatal fatal;
  gpointer fatal_data;
  GMutex lock;
  GCond cond;
  gboolean done;
  gint drop_warned; /* atomic: the queue is pushed from two threads */
  gint n_held;      /* atomic: jobs waiting for an id (bounds the queue) */
  /* the worker's own */
#ifdef HAVE_PQ
  PGconn *pg;
#endif
#ifdef HAVE_HIREDIS
  redisContext *rds;
#endif
  gint64 pg_retry_us, rds_retry_us;
  gboolean pg_warned, pg_off, rds_off;
  GQueue pg_backlog;  /* records PostgreSQL did not take yet */
  GQueue rds_backlog; /* delivery queue entries Redis did not take yet */
  guint64 pg_dropped, pg_written, rds_dropped, samples_dropped;
  GHashTable *last_status; /* camera id -> its last JOB_STATUS (Redis) */
  gint64 refresh_us;       /* the live state's next refresh (monotonic) */
};

void axion_run_store_job_free (Job *j);
void axion_run_store_report_fatal (AxionRunStore *s, gchar *what);

/* PostgreSQL (axionrunstorepg.c) */
gboolean axion_run_store_pg_ready (AxionRunStore *s);
void axion_run_store_pg_exec (AxionRunStore *s, const gchar *sql, gint n,
    const gchar *const *p, gboolean keep);
void axion_run_store_pg_insert_row (AxionRunStore *s, GstAxionRow *row);
void axion_run_store_pg_status (AxionRunStore *s, Job *j);
void axion_run_store_pg_camera (AxionRunStore *s, Job *j);
void axion_run_store_pg_flush (AxionRunStore *s);
/* the last attempt at exit: how many records are left */
guint axion_run_store_pg_finish (AxionRunStore *s);

/* Redis (axionrunstoreredis.c) */
gboolean axion_run_store_redis_ready (AxionRunStore *s);
void axion_run_store_redis_queue (AxionRunStore *s, Job *j);
void axion_run_store_redis_status (AxionRunStore *s, Job *j);
/* the kept entries, and the live state written again every 10 s (a
 * Redis restarted without its data has it back within that) */
void axion_run_store_redis_tick (AxionRunStore *s);
guint axion_run_store_redis_finish (AxionRunStore *s);

/* Across restarts (axionrunstorespool.c): what was left at exit, into the
 * spool directory; and back, at start, ahead of everything else. */
void axion_run_store_spool_load (AxionRunStore *s);
guint axion_run_store_spool_save (AxionRunStore *s);

G_END_DECLS
