/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's writer, PostgreSQL: one connection of the worker thread,
 * every statement with a deadline (connect 3 s, statement 5 s). Records
 * (camera status events, cameras.status, the runner's alerts, audit rows)
 * that the database does not take are kept in order and written when it
 * answers again; metrics are samples and are not kept. A refused
 * configuration is reported to the main loop, not retried.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunstore-private.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#ifdef HAVE_PQ

#define STATEMENT_US (5 * G_USEC_PER_SEC)

void
axion_run_store_pg_write_free (PgWrite *w)
{
  for (gint i = 0; i < w->n; i++)
    g_free (w->p[i]);
  g_free (w->p);
  g_free (w->sql);
  g_free (w);
}

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
gboolean
axion_run_store_pg_ready (AxionRunStore *s)
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
      axion_run_store_report_fatal (s,
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
  s->pg_retry_us = g_get_monotonic_time () + AXION_RUN_STORE_RETRY_US;
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

/* An error that a later attempt can get past: the connection (08), the
 * server out of resources (53) or shutting down (57), or a standby that
 * cannot write yet (25006, read-only transaction, after a failover).
 * Anything else (a constraint, a missing column) would fail again. */
static gboolean
pg_transient (const PGresult *r)
{
  const gchar *st = PQresultErrorField (r, PG_DIAG_SQLSTATE);

  return st &&
      (g_str_has_prefix (st, "08") || g_str_has_prefix (st, "53") ||
          g_str_has_prefix (st, "57") || g_str_equal (st, "25006"));
}

/* sends and waits for every result until the deadline; FALSE: no answer
 * in time, or an error a later attempt can get past (@transient) */
static gboolean
pg_roundtrip (PGconn *c, gint64 deadline, gboolean *transient)
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
      return !*transient;
    if (PQresultStatus (r) != PGRES_COMMAND_OK &&
        PQresultStatus (r) != PGRES_TUPLES_OK) {
      *transient |= pg_transient (r);
      g_printerr (
          "%s: camera status: %s", AXION_RUN_PROG, PQresultErrorMessage (r));
    }
    PQclear (r);
  }
}

static gboolean
pg_send (AxionRunStore *s, const gchar *sql, gint n, const gchar *const *p,
    gboolean *transient)
{
  *transient = FALSE;
  return PQsendQueryParams (s->pg, sql, n, NULL, p, NULL, NULL, 0) &&
      pg_roundtrip (s->pg, g_get_monotonic_time () + STATEMENT_US, transient);
}

/* TRUE: done (written, or refused for good by the database, which was
 * said); FALSE: not taken (away, closed, hung, or a transient error) */
static gboolean
pg_try (AxionRunStore *s, const gchar *sql, gint n, const gchar *const *p)
{
  gboolean transient;

  if (!axion_run_store_pg_ready (s))
    return FALSE;
  if (pg_send (s, sql, n, p, &transient))
    return TRUE;
  if (PQstatus (s->pg) == CONNECTION_BAD) {
    /* closed, not hung: the server restarted since our last write (its
     * first write after an outage). A new connection at once, not in
     * 10 s */
    g_clear_pointer (&s->pg, PQfinish);
    if (!axion_run_store_pg_ready (s)) /* it said why; retries in 10 s */
      return FALSE;
    if (pg_send (s, sql, n, p, &transient))
      return TRUE;
  }
  if (transient)
    g_printerr ("%s: PostgreSQL cannot take the write now; trying again "
                "in 10 s\n",
        AXION_RUN_PROG);
  else
    g_printerr ("%s: PostgreSQL did not answer within %d s (camera status); "
                "reconnecting in 10 s\n",
        AXION_RUN_PROG, (gint) (STATEMENT_US / G_USEC_PER_SEC));
  g_clear_pointer (&s->pg, PQfinish);
  s->pg_warned = TRUE;
  s->pg_retry_us = g_get_monotonic_time () + AXION_RUN_STORE_RETRY_US;
  return FALSE;
}

/* A record PostgreSQL did not take is kept, in order, and sent again when
 * it answers (ids make a second write of a row a no-op). Bounded: past
 * AXION_RUN_STORE_MAX_BACKLOG the oldest go, said once an outage. */
static void
pg_keep (AxionRunStore *s, const gchar *sql, gint n, const gchar *const *p)
{
  PgWrite *w = g_new0 (PgWrite, 1);

  if (g_queue_get_length (&s->pg_backlog) >= AXION_RUN_STORE_MAX_BACKLOG) {
    axion_run_store_pg_write_free (g_queue_pop_head (&s->pg_backlog));
    if (s->pg_dropped++ == 0)
      g_printerr ("%s: PostgreSQL away: %d camera status, alert and audit "
                  "writes wait; the oldest are dropped from now on\n",
          AXION_RUN_PROG, AXION_RUN_STORE_MAX_BACKLOG);
  }
  w->sql = g_strdup (sql);
  w->n = n;
  w->p = g_new0 (gchar *, MAX (n, 1));
  for (gint i = 0; i < n; i++)
    w->p[i] = g_strdup (p[i]);
  g_queue_push_tail (&s->pg_backlog, w);
}

/* the kept records, in order, as far as PostgreSQL takes them */
void
axion_run_store_pg_flush (AxionRunStore *s)
{
  PgWrite *w;

  while ((w = g_queue_peek_head (&s->pg_backlog)) &&
      pg_try (s, w->sql, w->n, (const gchar *const *) w->p)) {
    axion_run_store_pg_write_free (g_queue_pop_head (&s->pg_backlog));
    s->pg_written++;
  }
  if (s->pg_written && g_queue_is_empty (&s->pg_backlog)) {
    g_print ("%s: PostgreSQL answers again: %" G_GUINT64_FORMAT " camera "
             "status, alert and audit writes of the outage written "
             "(%" G_GUINT64_FORMAT " dropped)\n",
        AXION_RUN_PROG, s->pg_written, s->pg_dropped);
    s->pg_written = s->pg_dropped = 0;
  }
}

/* @keep: a record, kept while PostgreSQL is away (not a metric: a
 * sample, the next one comes in 10 s) */
void
axion_run_store_pg_exec (AxionRunStore *s, const gchar *sql, gint n,
    const gchar *const *p, gboolean keep)
{
  axion_run_store_pg_flush (s);
  if (!g_queue_is_empty (&s->pg_backlog) || !pg_try (s, sql, n, p)) {
    /* an empty conninfo only tried the PG* defaults; a refused one
     * never writes */
    if (keep && *s->conninfo && !s->pg_off)
      pg_keep (s, sql, n, p);
  }
}

guint
axion_run_store_pg_finish (AxionRunStore *s)
{
  guint left;

  s->pg_retry_us = 0; /* one more attempt, whatever the retry time */
  axion_run_store_pg_flush (s);
  left = g_queue_get_length (&s->pg_backlog);
  g_clear_pointer (&s->pg, PQfinish);
  return left;
}

/* the columns the row has, in the table's order */
void
axion_run_store_pg_insert_row (AxionRunStore *s, GstAxionRow *row)
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
  axion_run_store_pg_exec (s, sql->str, params->len,
      (const gchar *const *) params->pdata,
      t != GST_AXION_TABLE_SYSTEM_METRICS);
  g_ptr_array_unref (params);
  g_string_free (sql, TRUE);
  g_string_free (vals, TRUE);
}

/* cameras.status */
void
axion_run_store_pg_camera (AxionRunStore *s, Job *j)
{
  const gchar *u[2] = { j->camera_id, j->online ? "online" : "offline" };

  axion_run_store_pg_exec (
      s, "UPDATE cameras SET status = $2 WHERE camera_id = $1", 2, u, TRUE);
}

void
axion_run_store_pg_status (AxionRunStore *s, Job *j)
{
  gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, j->event_id);
  gchar *frame = g_strdup_printf ("%" G_GUINT64_FORMAT, j->frame);
  gchar *ts = g_strdup_printf ("%.6f", j->time_us / 1e6);
  const gchar *p[6] = { id, j->camera_id,
    j->online ? "camera_online" : "camera_offline", ts, frame, j->data };

  axion_run_store_pg_exec (s,
      "INSERT INTO camera_events (event_id, camera_id, event_type, "
      "event_timestamp, frame_number, event_data) VALUES ($1, $2, $3, "
      "to_timestamp($4::float8), $5, $6::jsonb) ON CONFLICT DO NOTHING",
      6, p, TRUE);
  axion_run_store_pg_camera (s, j);
  g_free (id);
  g_free (frame);
  g_free (ts);
}

#endif /* HAVE_PQ */
