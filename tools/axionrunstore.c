/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's writer: camera status, events and metrics into PostgreSQL
 * and Redis from one worker thread, so a server that hangs never stops the
 * main loop. Best effort: the stores may be the reason of an outage; a
 * store that does not answer within its deadline is dropped and retried
 * 10 s later. Refused credentials are a configuration error (reported to
 * the main loop), not an outage.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunstore.h"
#include "axionrun.h"

#include <gst/axion/axion.h>
#include <errno.h>
#include <poll.h>
#include <string.h>

#ifdef HAVE_PQ
#include <libpq-fe.h>
#endif
#ifdef HAVE_HIREDIS
#include <gst/axion/axionredisconn.h>
#endif

#define MAX_JOBS 10000
/* records kept while PostgreSQL is away (pg_keep ()) */
#define MAX_BACKLOG 10000
#define RETRY_US (10 * G_USEC_PER_SEC)
#define STATEMENT_US (5 * G_USEC_PER_SEC)

typedef enum
{
  JOB_ROW,
  JOB_STATUS,
  JOB_ROLLUP,
  JOB_QUEUE,
  JOB_WITH_ID,
  JOB_CONNECT,
  JOB_STOP,
} JobKind;

typedef struct
{
  JobKind kind;
  GstAxionRow *row;
  gchar *camera_id;
  gboolean online;
  guint64 frame;
  gchar *data;
  gchar *why; /* a status change's reason (§2.2 last_error when offline) */
  gint64 time_us;
  gint64 event_id; /* taken on the worker (take_id ()) */
  AxionRunStoreRowFn build;
  gpointer build_data;
  GDestroyNotify build_free;
} Job;

struct _AxionRunStore
{
  GThread *thread;
  GAsyncQueue *queue;
  gchar *conninfo, *redis_url, *prefix;
  AxionRunStoreFatal fatal;
  gpointer fatal_data;
  GMutex lock;
  GCond cond;
  gboolean done;
  gboolean drop_warned;
  gint n_held; /* jobs waiting for an id (atomic: bounds the queue) */
  /* the worker's own */
#ifdef HAVE_PQ
  PGconn *pg;
#endif
#ifdef HAVE_HIREDIS
  redisContext *rds;
#endif
  gint64 pg_retry_us, rds_retry_us;
  gboolean pg_warned, pg_off, rds_off;
  GQueue backlog; /* PgWrite: records PostgreSQL did not take yet */
  guint64 backlog_dropped;
};

/* a record written while PostgreSQL was away: a statement and its
 * parameters, sent again in order once it answers */
typedef struct
{
  gchar *sql;
  gint n;
  gchar **p; /* n values, NULL for SQL NULL */
} PgWrite;

static void
pg_write_free (PgWrite *w)
{
  for (gint i = 0; i < w->n; i++)
    g_free (w->p[i]);
  g_free (w->p);
  g_free (w->sql);
  g_free (w);
}

static void
job_free (Job *j)
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

static void
report_fatal (AxionRunStore *s, gchar *what)
{
  Fatal *f = g_new0 (Fatal, 1);

  f->fn = s->fatal;
  f->data = s->fatal_data;
  f->what = what;
  g_idle_add (fatal_idle, f);
}

/* ---- PostgreSQL ---------------------------------------------------------- */

#ifdef HAVE_PQ
static gboolean
pg_refused (PGconn *c)
{
  const gchar *msg = PQerrorMessage (c);

  return PQconnectionNeedsPassword (c) ||
      strstr (msg, "authentication failed") ||
      strstr (msg, "no password supplied") || strstr (msg, "does not exist") ||
      strstr (msg, "pg_hba.conf rejects") || strstr (msg, "invalid ");
}

/* connect_timeout bounds the connection; a refusal stops the run when
 * the conninfo was given (an empty one only tried the PG* defaults) */
static gboolean
pg_ready (AxionRunStore *s)
{
  const gchar *kw[] = { "connect_timeout", "application_name", "dbname", NULL };
  const gchar *val[] = { "3", "axion-run", s->conninfo, NULL };

  if (s->pg && PQstatus (s->pg) == CONNECTION_OK)
    return TRUE;
  if (s->pg_off || g_get_monotonic_time () < s->pg_retry_us)
    return FALSE;
  g_clear_pointer (&s->pg, PQfinish);
  s->pg = PQconnectdbParams (kw, val, 1);
  if (PQstatus (s->pg) == CONNECTION_OK && PQsetnonblocking (s->pg, 1) == 0) {
    s->pg_warned = FALSE;
    return TRUE;
  }
  if (pg_refused (s->pg)) {
    s->pg_off = TRUE;
    if (*s->conninfo)
      report_fatal (s,
          g_strdup ("PostgreSQL refused the connection: check "
                    "the user, password and database of the "
                    "database conninfo"));
    else
      g_printerr ("%s: PostgreSQL refused the connection of the PG* "
                  "defaults (no database given): camera status and "
                  "metrics are not recorded\n",
          AXION_RUN_PROG);
  } else if (!s->pg_warned) {
    g_printerr ("%s: PostgreSQL unreachable for camera status; retrying "
                "every 10 s\n",
        AXION_RUN_PROG);
  }
  s->pg_warned = TRUE;
  g_clear_pointer (&s->pg, PQfinish);
  s->pg_retry_us = g_get_monotonic_time () + RETRY_US;
  return FALSE;
}

static gboolean
pg_wait (PGconn *c, gshort events, gint64 deadline)
{
  struct pollfd p = { PQsocket (c), events, 0 };
  gint left, r;

  do {
    left = (gint) ((deadline - g_get_monotonic_time ()) / 1000);
    if (left <= 0)
      return FALSE;
    r = poll (&p, 1, left);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

/* sends and waits for every result until the deadline */
static gboolean
pg_roundtrip (PGconn *c, gint64 deadline, gboolean *ok)
{
  PGresult *r;
  gint f;

  while ((f = PQflush (c)) == 1)
    if (!pg_wait (c, POLLOUT | POLLIN, deadline) || !PQconsumeInput (c))
      return FALSE;
  if (f < 0)
    return FALSE;
  for (;;) {
    while (PQisBusy (c))
      if (!pg_wait (c, POLLIN, deadline) || !PQconsumeInput (c))
        return FALSE;
    if ((r = PQgetResult (c)) == NULL)
      return TRUE;
    if (PQresultStatus (r) != PGRES_COMMAND_OK &&
        PQresultStatus (r) != PGRES_TUPLES_OK) {
      *ok = FALSE;
      g_printerr (
          "%s: camera status: %s", AXION_RUN_PROG, PQresultErrorMessage (r));
    }
    PQclear (r);
  }
}

static gboolean
pg_send (AxionRunStore *s, const gchar *sql, gint n, const gchar *const *p)
{
  gboolean ok = TRUE;

  return PQsendQueryParams (s->pg, sql, n, NULL, p, NULL, NULL, 0) &&
      pg_roundtrip (s->pg, g_get_monotonic_time () + STATEMENT_US, &ok);
}

/* TRUE: done (written, or refused by the database, which was said);
 * FALSE: not taken (the database away, or it did not answer in time) */
static gboolean
pg_try (AxionRunStore *s, const gchar *sql, gint n, const gchar *const *p)
{
  if (!pg_ready (s))
    return FALSE;
  if (pg_send (s, sql, n, p))
    return TRUE;
  if (PQstatus (s->pg) == CONNECTION_BAD) {
    /* closed, not hung: the server restarted since our last write (its
     * first write after an outage). A new connection at once, not in
     * 10 s */
    g_clear_pointer (&s->pg, PQfinish);
    if (!pg_ready (s)) /* it said why, and retries in 10 s */
      return FALSE;
    if (pg_send (s, sql, n, p))
      return TRUE;
  }
  g_printerr ("%s: PostgreSQL did not answer within %d s (camera status); "
              "reconnecting in 10 s\n",
      AXION_RUN_PROG, (gint) (STATEMENT_US / G_USEC_PER_SEC));
  g_clear_pointer (&s->pg, PQfinish);
  s->pg_warned = TRUE;
  s->pg_retry_us = g_get_monotonic_time () + RETRY_US;
  return FALSE;
}

/* A record (camera status, alert, audit row) PostgreSQL did not take is
 * kept, in order, and sent again when it answers (ids make a second
 * write of a row a no-op). Bounded: past MAX_BACKLOG the oldest go, said
 * once an outage. */
static void
pg_keep (AxionRunStore *s, const gchar *sql, gint n, const gchar *const *p)
{
  PgWrite *w = g_new0 (PgWrite, 1);

  if (g_queue_get_length (&s->backlog) >= MAX_BACKLOG) {
    pg_write_free (g_queue_pop_head (&s->backlog));
    if (s->backlog_dropped++ == 0)
      g_printerr ("%s: PostgreSQL away: %d camera status, alert and audit "
                  "writes wait; the oldest are dropped from now on\n",
          AXION_RUN_PROG, MAX_BACKLOG);
  }
  w->sql = g_strdup (sql);
  w->n = n;
  w->p = g_new0 (gchar *, MAX (n, 1));
  for (gint i = 0; i < n; i++)
    w->p[i] = g_strdup (p[i]);
  g_queue_push_tail (&s->backlog, w);
}

/* the kept records, in order, as far as PostgreSQL takes them */
static void
pg_flush (AxionRunStore *s)
{
  guint n = 0;
  PgWrite *w;

  while ((w = g_queue_peek_head (&s->backlog)) &&
      pg_try (s, w->sql, w->n, (const gchar *const *) w->p)) {
    pg_write_free (g_queue_pop_head (&s->backlog));
    n++;
  }
  if (n && g_queue_is_empty (&s->backlog)) {
    g_print ("%s: PostgreSQL answers again: %u camera status, alert and "
             "audit writes of the outage written (%" G_GUINT64_FORMAT
             " dropped)\n",
        AXION_RUN_PROG, n, s->backlog_dropped);
    s->backlog_dropped = 0;
  }
}

/* @keep: a record, kept while PostgreSQL is away (not a metric: a
 * sample, the next one comes in 10 s) */
static void
pg_exec (AxionRunStore *s, const gchar *sql, gint n, const gchar *const *p,
    gboolean keep)
{
  pg_flush (s);
  if (!g_queue_is_empty (&s->backlog) || !pg_try (s, sql, n, p)) {
    /* an empty conninfo only tried the PG* defaults; a refused one
     * never writes */
    if (keep && *s->conninfo && !s->pg_off)
      pg_keep (s, sql, n, p);
  }
}

/* the columns the row has, in the table's order */
static void
pg_insert_row (AxionRunStore *s, GstAxionRow *row)
{
  GstAxionTable t = gst_axion_row_get_table (row);
  guint n;
  const GstAxionColumn *cols = gst_axion_table_columns (t, &n);
  GString *sql = g_string_new (NULL), *vals = g_string_new (NULL);
  GPtrArray *params = g_ptr_array_new ();

  g_string_printf (sql, "INSERT INTO %s (", gst_axion_table_name (t));
  for (guint i = 0; i < n; i++) {
    const gchar *v = gst_axion_row_get_text (row, cols[i].name);
    if (v == NULL)
      continue;
    g_ptr_array_add (params, (gpointer) v);
    g_string_append_printf (
        sql, "%s%s", params->len > 1 ? ", " : "", cols[i].name);
    g_string_append_printf (
        vals, "%s$%u", params->len > 1 ? ", " : "", params->len);
  }
  g_string_append_printf (
      sql, ") VALUES (%s) ON CONFLICT DO NOTHING", vals->str);
  pg_exec (s, sql->str, params->len, (const gchar *const *) params->pdata,
      t != GST_AXION_TABLE_SYSTEM_METRICS);
  g_ptr_array_unref (params);
  g_string_free (sql, TRUE);
  g_string_free (vals, TRUE);
}

static void
pg_status (AxionRunStore *s, Job *j)
{
  gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, j->event_id);
  gchar *frame = g_strdup_printf ("%" G_GUINT64_FORMAT, j->frame);
  gchar *ts = g_strdup_printf ("%.6f", j->time_us / 1e6);
  const gchar *p[6] = { id, j->camera_id,
    j->online ? "camera_online" : "camera_offline", ts, frame, j->data };
  const gchar *u[2] = { j->camera_id, j->online ? "online" : "offline" };

  pg_exec (s,
      "INSERT INTO camera_events (event_id, camera_id, event_type, "
      "event_timestamp, frame_number, event_data) VALUES ($1, $2, $3, "
      "to_timestamp($4::float8), $5, $6::jsonb) ON CONFLICT DO NOTHING",
      6, p, TRUE);
  pg_exec (
      s, "UPDATE cameras SET status = $2 WHERE camera_id = $1", 2, u, TRUE);
  g_free (id);
  g_free (frame);
  g_free (ts);
}
#endif

/* ---- Redis ----------------------------------------------------------------
 */

#ifdef HAVE_HIREDIS
/* 1 s to connect and per command (hiredis timeouts) */
static gboolean
redis_ready (AxionRunStore *s)
{
  GstAxionRedisUrl u;
  AxionRedisFailure failure;
  gchar *err = NULL;

  if (s->rds)
    return TRUE;
  if (s->rds_off || g_get_monotonic_time () < s->rds_retry_us)
    return FALSE;
  if (!gst_axion_redis_url_parse (s->redis_url, &u, NULL)) {
    s->rds_off = TRUE;
    report_fatal (s,
        g_strdup ("the Redis URL cannot be parsed: give "
                  "redis://[user:password@]host[:port][/db] or "
                  "unix:///path/to/socket"));
    return FALSE;
  }
  s->rds = axion_redis_connect (&u, 1000, 1000, &failure, &err);
  gst_axion_redis_url_clear (&u);
  if (s->rds == NULL && failure != AXION_REDIS_UNREACHABLE) {
    s->rds_off = TRUE;
    report_fatal (s,
        g_strdup ("Redis refused the credentials or database "
                  "of the Redis URL"));
  }
  g_free (err);
  if (s->rds == NULL)
    s->rds_retry_us = g_get_monotonic_time () + RETRY_US;
  return s->rds != NULL;
}

static void
redis_cmd (AxionRunStore *s, gint argc, const gchar **argv)
{
  redisReply *r;

  if (!redis_ready (s))
    return;
  r = redisCommandArgv (s->rds, argc, argv, NULL);
  if (r == NULL) {
    g_clear_pointer (&s->rds, redisFree);
    s->rds_retry_us = g_get_monotonic_time () + RETRY_US;
  } else {
    freeReplyObject (r);
  }
}

/* a message for the delivery sinks: the §2.6 failed list of its channel,
 * which every running sink of the channel empties (docs/alerts.md) */
static void
redis_queue (AxionRunStore *s, Job *j)
{
  gchar *key = g_strdup_printf ("%s:queue:%s:failed", s->prefix, j->camera_id);
  const gchar *push[] = { "LPUSH", key, j->data };

  redis_cmd (s, G_N_ELEMENTS (push), push);
  g_free (key);
}

static void
redis_status (AxionRunStore *s, Job *j)
{
  gchar *key = g_strdup_printf ("%s:camera:%s:state", s->prefix, j->camera_id);
  gchar *set = g_strdup_printf ("%s:cameras:active", s->prefix);
  gchar *ts = g_strdup_printf ("%.3f", j->time_us / 1e6);
  const gchar *hset[] = { "HSET", key, "status",
    j->online ? "online" : "offline", "last_status_change", ts, "last_error",
    j->why };
  const gchar *member[] = { j->online ? "SADD" : "SREM", set, j->camera_id };

  /* an outage's reason is the camera's §2.2 last_error (kept once it is
   * back online: the last error there was) */
  redis_cmd (s, G_N_ELEMENTS (hset) - (!j->online && j->why ? 0 : 2), hset);
  redis_cmd (s, G_N_ELEMENTS (member), member);
  g_free (key);
  g_free (set);
  g_free (ts);
}
#endif

/* ---- the worker ------------------------------------------------------------
 */

static void
run_job (AxionRunStore *s, Job *j)
{
  switch (j->kind) {
  case JOB_ROW:
#ifdef HAVE_PQ
    pg_insert_row (s, j->row);
#endif
    break;
  case JOB_STATUS:
#ifdef HAVE_PQ
    pg_status (s, j);
#endif
#ifdef HAVE_HIREDIS
    redis_status (s, j);
#endif
    break;
  case JOB_CONNECT:
    /* at start-up: refused credentials are reported at once */
#ifdef HAVE_PQ
    if (*s->conninfo)
      pg_ready (s);
#endif
#ifdef HAVE_HIREDIS
    redis_ready (s);
#endif
    break;
  case JOB_QUEUE:
#ifdef HAVE_HIREDIS
    redis_queue (s, j);
#endif
    break;
  case JOB_ROLLUP:
#ifdef HAVE_PQ
    pg_exec (s, "SELECT rollup_system_metrics()", 0, NULL, FALSE);
#endif
    break;
  case JOB_WITH_ID: {
    GstAxionRow *row = j->build (j->event_id, j->build_data);
#ifdef HAVE_PQ
    if (row)
      pg_insert_row (s, row);
#endif
    if (row)
      gst_axion_row_free (row);
    break;
  }
  default:
    break;
  }
}

/* A write that needs a new id (a camera status event, an alert, a metric)
 * takes it here, never where it was queued: without a valid node lease
 * (its store away for longer than the lease) making an id waits, and the
 * main loop must not (it answers HTTP and signals, and notices stalled
 * cameras; test runner_lease_lost). FALSE: no lease now. */
static gboolean
take_id (Job *j)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_get_default ();

  if (j->kind != JOB_STATUS && j->kind != JOB_WITH_ID)
    return TRUE;
  return gst_axion_id_generator_try_next_at (
      gen, j->time_us / 1000, &j->event_id);
}

/* the writes held for an id, in their order, as far as ids can be had */
static void
run_held (AxionRunStore *s, GQueue *held)
{
  Job *j;

  while ((j = g_queue_peek_head (held)) && take_id (j)) {
    /* the lease is back, so its store answers again: the others are
     * tried at once too, not when their retry time comes */
    s->pg_retry_us = s->rds_retry_us = 0;
    g_queue_pop_head (held);
    g_atomic_int_add (&s->n_held, -1);
    run_job (s, j);
    job_free (j);
  }
}

/* while writes wait for an id: how often the lease is looked at again (a
 * renewal on the lease's thread gives it back); and for PostgreSQL (which
 * is asked again at the pace of its retry time) */
#define HELD_POLL_US (200 * 1000)

static gboolean
waiting (AxionRunStore *s, GQueue *held)
{
  return !g_queue_is_empty (held) || !g_queue_is_empty (&s->backlog);
}

/* at exit: one more attempt, whatever the retry time; what is left is
 * said (never lost in silence) */
static void
finish_writes (AxionRunStore *s, GQueue *held)
{
  run_held (s, held);
#ifdef HAVE_PQ
  s->pg_retry_us = 0;
  pg_flush (s);
#endif
  if (waiting (s, held))
    g_printerr ("%s: %u camera status, alert, audit and metrics writes not "
                "written at exit: %u waited for an id node lease, %u for "
                "PostgreSQL (docs/running.md)\n",
        AXION_RUN_PROG,
        g_queue_get_length (held) + g_queue_get_length (&s->backlog),
        g_queue_get_length (held), g_queue_get_length (&s->backlog));
  g_queue_clear_full (held, (GDestroyNotify) job_free);
  g_queue_clear_full (&s->backlog, (GDestroyNotify) pg_write_free);
}

static gpointer
worker (gpointer data)
{
  AxionRunStore *s = data;
  GQueue held = G_QUEUE_INIT;
  Job *j;

  for (;;) {
    run_held (s, &held);
    j = waiting (s, &held) ? g_async_queue_timeout_pop (s->queue, HELD_POLL_US)
                           : g_async_queue_pop (s->queue);
    if (j == NULL) {
#ifdef HAVE_PQ
      pg_flush (s);
#endif
      continue;
    }
    if (j->kind == JOB_STOP)
      break;
    if (!g_queue_is_empty (&held) || !take_id (j)) {
      /* behind the held ones (the order of a camera's status changes);
       * writes that need no id go on */
      if (j->kind == JOB_STATUS || j->kind == JOB_WITH_ID) {
        g_queue_push_tail (&held, j);
        g_atomic_int_inc (&s->n_held);
        continue;
      }
    }
    run_job (s, j);
    job_free (j);
  }
  job_free (j);
  finish_writes (s, &held);
#ifdef HAVE_PQ
  g_clear_pointer (&s->pg, PQfinish);
#endif
#ifdef HAVE_HIREDIS
  g_clear_pointer (&s->rds, redisFree);
#endif
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
    if (!s->drop_warned)
      g_printerr ("%s: the database and Redis are behind by %d writes; "
                  "dropping camera status and metrics until they catch up\n",
          AXION_RUN_PROG, MAX_JOBS);
    s->drop_warned = TRUE;
    job_free (j);
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
    const gchar *key_prefix, AxionRunStoreFatal fatal, gpointer data)
{
  AxionRunStore *s = g_new0 (AxionRunStore, 1);
  Job *connect_job;

  s->conninfo = g_strdup (conninfo ? conninfo : "");
  s->redis_url = g_strdup (redis_url ? redis_url : "");
  s->prefix = g_strdup (key_prefix);
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
axion_run_store_insert_with_id (AxionRunStore *s, gint64 time_us,
    AxionRunStoreRowFn build, gpointer data, GDestroyNotify free_data)
{
  Job *j = g_new0 (Job, 1);

  j->kind = JOB_WITH_ID;
  j->time_us = time_us;
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
  g_free (s);
  return TRUE;
}
