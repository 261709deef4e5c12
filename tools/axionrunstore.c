/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's writer: camera status, events and metrics into PostgreSQL
 * and Redis from one worker thread, so a server that hangs never stops the
 * main loop. A store that does not answer within its deadline is asked
 * again 10 s later; what it did not take meanwhile is kept (records: see
 * axionrunstorepg.c and axionrunstoreredis.c), metrics are not. Writes
 * that need a new id take it here too, so that a lost id node lease never
 * stops the main loop. Refused credentials are a configuration error
 * (reported to the main loop), not an outage.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunstore-private.h"

#include <gst/axion/axion.h>

#define MAX_JOBS 10000

void
axion_run_store_job_free (Job *j)
{
  if (j->row)
    gst_axion_row_free (j->row);
  g_free (j->camera_id);
  g_free (j->data);
  g_free (j->why);
  if (j->build_free)
    j->build_free (j->build_data);
  g_free (j);
}

/* ---- reporting a refused configuration ------------------------------------
 */

typedef struct
{
  AxionRunStoreFatal fn;
  gpointer data;
  gchar *what;
} Fatal;

static gboolean
fatal_idle (gpointer p)
{
  Fatal *f = p;

  f->fn (f->what, f->data);
  g_free (f->what);
  g_free (f);
  return G_SOURCE_REMOVE;
}

void
axion_run_store_report_fatal (AxionRunStore *s, gchar *what)
{
  Fatal *f = g_new0 (Fatal, 1);

  f->fn = s->fatal;
  f->data = s->fatal_data;
  f->what = what;
  g_idle_add (fatal_idle, f);
}

/* ---- the worker ------------------------------------------------------------
 */

static void
run_with_id (AxionRunStore *s, Job *j)
{
  GstAxionRow *row = j->build (j->event_id, j->build_data);

  if (row == NULL)
    return;
#ifdef HAVE_PQ
  axion_run_store_pg_insert_row (s, row);
#endif
  gst_axion_row_free (row);
}

static void
run_job (AxionRunStore *s, Job *j)
{
  switch (j->kind) {
  case JOB_ROW:
#ifdef HAVE_PQ
    axion_run_store_pg_insert_row (s, j->row);
#endif
    break;
  case JOB_STATUS:
#ifdef HAVE_PQ
    axion_run_store_pg_status (s, j);
#endif
#ifdef HAVE_HIREDIS
    if (!j->redis_done)
      axion_run_store_redis_status (s, j);
#endif
    break;
  case JOB_STARTED:
#ifdef HAVE_PQ
    axion_run_store_pg_camera (s, j);
#endif
#ifdef HAVE_HIREDIS
    axion_run_store_redis_status (s, j);
#endif
    break;
  case JOB_CONNECT:
    /* what an earlier run left, ahead of everything else */
    axion_run_store_spool_load (s);
    /* at start-up: refused credentials are reported at once */
#ifdef HAVE_PQ
    if (*s->conninfo)
      axion_run_store_pg_ready (s);
#endif
#ifdef HAVE_HIREDIS
    axion_run_store_redis_ready (s);
#endif
    break;
  case JOB_QUEUE:
#ifdef HAVE_HIREDIS
    axion_run_store_redis_queue (s, j);
#endif
    break;
  case JOB_ROLLUP:
#ifdef HAVE_PQ
    axion_run_store_pg_exec (
        s, "SELECT rollup_system_metrics()", 0, NULL, FALSE);
#endif
    break;
  case JOB_WITH_ID:
    run_with_id (s, j);
    break;
  default:
    break;
  }
}

/* A write that needs a new id (a camera status event, an alert, a metric)
 * takes it here, never where it was queued: without a valid node lease
 * (its store away for longer than the lease) making an id waits, and the
 * main loop must not (it answers HTTP and signals, and notices stalled
 * cameras; test runner_lease_lost). Stamped now, not when queued: the
 * pipelines' ids since then are later, and an earlier time would read as
 * the wall clock going back. FALSE: no lease now. */
static gboolean
take_id (Job *j)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_get_default ();

  if (j->kind != JOB_STATUS && j->kind != JOB_WITH_ID)
    return TRUE;
  return gst_axion_id_generator_try_next_at (
      gen, g_get_real_time () / 1000, &j->event_id);
}

/* the writes held for an id, in their order, as far as ids can be had */
static void
run_held (AxionRunStore *s, GQueue *held)
{
  gboolean first = TRUE;
  Job *j;

  while ((j = g_queue_peek_head (held)) && take_id (j)) {
    if (first) {
      /* the lease is back, so its store most likely answers again: the
       * others are asked at once, not when their retry time comes */
      s->pg_retry_us = s->rds_retry_us = 0;
      first = FALSE;
    }
    g_queue_pop_head (held);
    g_atomic_int_add (&s->n_held, -1);
    run_job (s, j);
    axion_run_store_job_free (j);
  }
}

/* A job that cannot have its id now: held, behind the others (the order
 * of a camera's status changes); its Redis part (the live state) needs
 * no id and runs now. A metric is a sample: dropped, said once a loss. */
static void
hold (AxionRunStore *s, GQueue *held, Job *j)
{
  if (j->kind == JOB_WITH_ID && j->sample) {
    if (s->samples_dropped++ == 0)
      g_printerr ("%s: no id node lease: metrics are not written until "
                  "there is one again\n",
          AXION_RUN_PROG);
    axion_run_store_job_free (j);
    return;
  }
#ifdef HAVE_HIREDIS
  if (j->kind == JOB_STATUS && !j->redis_done) {
    axion_run_store_redis_status (s, j);
    j->redis_done = TRUE;
  }
#endif
  g_queue_push_tail (held, j);
  g_atomic_int_inc (&s->n_held);
}

static void
run_or_hold (AxionRunStore *s, GQueue *held, Job *j)
{
  gboolean needs_id = j->kind == JOB_STATUS || j->kind == JOB_WITH_ID;

  if (needs_id && (!g_queue_is_empty (held) || !take_id (j))) {
    hold (s, held, j);
    return;
  }
  if (needs_id)
    s->samples_dropped = 0;
  run_job (s, j);
  axion_run_store_job_free (j);
}

/* while writes wait for an id: how often the lease is looked at again (a
 * renewal on the lease's thread gives it back); else how often the stores'
 * kept writes and the live state are looked at */
#define HELD_POLL_US (200 * 1000)
#define IDLE_POLL_US (1000 * 1000)

/* the stores' own: kept writes, the live state's refresh */
static void
tick (AxionRunStore *s)
{
#ifdef HAVE_PQ
  axion_run_store_pg_flush (s);
#endif
#ifdef HAVE_HIREDIS
  axion_run_store_redis_tick (s);
#endif
}

/* at exit: what is still queued (an alert's delivery entries come after
 * the stop when the alert got its id late), one more attempt whatever the
 * retry times; what is left is said (never lost in silence) */
static void
finish_writes (AxionRunStore *s, GQueue *held)
{
  guint pg_left = 0, rds_left = 0, held_left, kept;
  Job *j;

  run_held (s, held);
  while ((j = g_async_queue_try_pop (s->queue)))
    run_or_hold (s, held, j);
#ifdef HAVE_PQ
  pg_left = axion_run_store_pg_finish (s);
#endif
#ifdef HAVE_HIREDIS
  rds_left = axion_run_store_redis_finish (s);
#endif
  kept = axion_run_store_spool_save (s);
  held_left = g_queue_get_length (held);
  if (kept)
    g_printerr ("%s: %u writes for PostgreSQL and %u alert messages for "
                "Redis kept in %s for the next run\n",
        AXION_RUN_PROG, pg_left, rds_left, s->spool_dir);
  if (held_left || (!kept && pg_left + rds_left))
    g_printerr ("%s: writes not written at exit: %u waited for an id node "
                "lease, %u for PostgreSQL, %u alert messages for Redis "
                "(docs/running.md)\n",
        AXION_RUN_PROG, held_left, kept ? 0 : pg_left, kept ? 0 : rds_left);
  g_queue_clear_full (held, (GDestroyNotify) axion_run_store_job_free);
  g_queue_clear_full (
      &s->pg_backlog, (GDestroyNotify) axion_run_store_pg_write_free);
  g_queue_clear_full (&s->rds_backlog, (GDestroyNotify) g_strfreev);
}

static gpointer
worker (gpointer data)
{
  AxionRunStore *s = data;
  GQueue held = G_QUEUE_INIT;
  Job *j;

  for (;;) {
    run_held (s, &held);
    j = g_async_queue_timeout_pop (
        s->queue, g_queue_is_empty (&held) ? IDLE_POLL_US : HELD_POLL_US);
    tick (s);
    if (j == NULL)
      continue;
    if (j->kind == JOB_STOP)
      break;
    run_or_hold (s, &held, j);
  }
  axion_run_store_job_free (j);
  finish_writes (s, &held);
  g_mutex_lock (&s->lock);
  s->done = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);
  return NULL;
}

static void
push (AxionRunStore *s, Job *j)
{
  if (j->kind != JOB_STOP &&
      g_async_queue_length (s->queue) + g_atomic_int_get (&s->n_held) >=
          MAX_JOBS) {
    if (g_atomic_int_compare_and_exchange (&s->drop_warned, FALSE, TRUE))
      g_printerr ("%s: the database and Redis are behind by %d writes; "
                  "dropping camera status and metrics until they catch up\n",
          AXION_RUN_PROG, MAX_JOBS);
    axion_run_store_job_free (j);
    return;
  }
  g_async_queue_push (s->queue, j);
}

gboolean
axion_run_store_check_settings (
    const gchar *conninfo, const gchar *redis_url, GError **error)
{
#ifdef HAVE_PQ
  gchar *msg = NULL;
  PQconninfoOption *o = conninfo && *conninfo ? PQconninfoParse (conninfo, &msg)
                                              : NULL;

  if (conninfo && *conninfo && o == NULL) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "the database conninfo cannot be parsed (%s): give a libpq URI "
        "(postgresql://user@host/db) or key=value pairs separated by "
        "spaces, a value with spaces in single quotes",
        msg ? g_strstrip (msg) : "invalid");
    PQfreemem (msg);
    return FALSE;
  }
  if (o)
    PQconninfoFree (o);
#endif
#ifdef HAVE_HIREDIS
  {
    GstAxionRedisUrl u;
    if (redis_url && *redis_url &&
        !gst_axion_redis_url_parse (redis_url, &u, NULL)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "the Redis URL cannot be parsed: give "
          "redis://[user:password@]host[:port][/db] or "
          "unix:///path/to/socket");
      return FALSE;
    }
    if (redis_url && *redis_url)
      gst_axion_redis_url_clear (&u);
  }
#endif
  return TRUE;
}

AxionRunStore *
axion_run_store_new (const gchar *conninfo, const gchar *redis_url,
    const gchar *key_prefix, const gchar *spool_dir, AxionRunStoreFatal fatal,
    gpointer data)
{
  AxionRunStore *s = g_new0 (AxionRunStore, 1);
  Job *connect_job;

  s->conninfo = g_strdup (conninfo ? conninfo : "");
  s->redis_url = g_strdup (redis_url ? redis_url : "");
  s->prefix = g_strdup (key_prefix);
  s->spool_dir = spool_dir && *spool_dir ? g_strdup (spool_dir) : NULL;
  s->fatal = fatal;
  s->fatal_data = data;
  s->queue = g_async_queue_new ();
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->thread = g_thread_new ("axion-run-store", worker, s);
  connect_job = g_new0 (Job, 1);
  connect_job->kind = JOB_CONNECT;
  push (s, connect_job);
  return s;
}

void
axion_run_store_insert (AxionRunStore *s, GstAxionRow *row)
{
  Job *j = g_new0 (Job, 1);

  j->kind = JOB_ROW;
  j->row = row;
  push (s, j);
}

void
axion_run_store_camera_status (AxionRunStore *s, const gchar *camera_id,
    gboolean online, guint64 frame, const gchar *data_json, const gchar *why)
{
  Job *j = g_new0 (Job, 1);

  j->kind = JOB_STATUS;
  j->camera_id = g_strdup (camera_id);
  j->online = online;
  j->frame = frame;
  j->data = g_strdup (data_json);
  j->why = g_strdup (why);
  j->time_us = g_get_real_time ();
  push (s, j);
}

void
axion_run_store_camera_started (AxionRunStore *s, const gchar *camera_id)
{
  Job *j = g_new0 (Job, 1);

  j->kind = JOB_STARTED;
  j->camera_id = g_strdup (camera_id);
  j->online = TRUE;
  j->time_us = g_get_real_time ();
  push (s, j);
}

void
axion_run_store_insert_with_id (AxionRunStore *s, gint64 time_us,
    gboolean sample, AxionRunStoreRowFn build, gpointer data,
    GDestroyNotify free_data)
{
  Job *j = g_new0 (Job, 1);

  j->kind = JOB_WITH_ID;
  j->time_us = time_us;
  j->sample = sample;
  j->build = build;
  j->build_data = data;
  j->build_free = free_data;
  push (s, j);
}

void
axion_run_store_queue_message (
    AxionRunStore *s, const gchar *channel, const gchar *entry_json)
{
  Job *j = g_new0 (Job, 1);

  j->kind = JOB_QUEUE;
  j->camera_id = g_strdup (channel);
  j->data = g_strdup (entry_json);
  if (g_thread_self () == s->thread) {
    /* from a job on the worker (an alert that got its id): now, in its
     * place, not behind a stop queued meanwhile */
    run_job (s, j);
    axion_run_store_job_free (j);
    return;
  }
  push (s, j);
}

void
axion_run_store_rollup (AxionRunStore *s)
{
  Job *j = g_new0 (Job, 1);

  j->kind = JOB_ROLLUP;
  push (s, j);
}

gboolean
axion_run_store_close (AxionRunStore *s, guint timeout_ms)
{
  Job *stop = g_new0 (Job, 1);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  gboolean done;

  stop->kind = JOB_STOP;
  push (s, stop);
  g_mutex_lock (&s->lock);
  while (!s->done && g_cond_wait_until (&s->cond, &s->lock, deadline))
    ;
  done = s->done;
  g_mutex_unlock (&s->lock);
  if (!done)
    return FALSE;
  g_thread_join (s->thread);
  g_async_queue_unref (s->queue);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->conninfo);
  g_free (s->redis_url);
  g_free (s->prefix);
  g_free (s->spool_dir);
  g_free (s->spool_key);
  g_free (s);
  return TRUE;
}
