/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The PostgreSQL side of axionpgsink: connecting (and checking the
 * schema), writing a batch in one transaction, and what a failure means
 * (classify ()): retry later, refused data, or a fatal configuration
 * problem. No session state survives a transaction (staging tables die at
 * commit, no prepared statements): works through PgBouncer in
 * transaction pooling. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionpgwriter.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define W_DEBUG(w, ...)                                                        \
  GST_CAT_DEBUG_OBJECT ((w)->cat, (w)->log_obj, __VA_ARGS__)

void
axion_pg_writer_init (AxionPgWriter *w, GstDebugCategory *cat, GObject *log_obj)
{
  memset (w, 0, sizeof (*w));
  w->cat = cat;
  w->log_obj = log_obj;
}

void
axion_pg_writer_clear (AxionPgWriter *w)
{
  axion_pg_writer_disconnect (w);
  g_clear_pointer (&w->last_error, g_free);
  g_clear_pointer (&w->fatal_detail, g_free);
  g_clear_pointer (&w->collided, axion_pg_batch_free);
  w->fatal_what = NULL;
}

/* ---- conninfo and messages without secrets ------------------------------ */

gchar *
axion_pg_redact_conninfo (const gchar *conninfo)
{
  PQconninfoOption *opts;
  GString *s;

  if (conninfo == NULL || *conninfo == '\0')
    return g_strdup ("");
  opts = PQconninfoParse (conninfo, NULL);
  if (opts == NULL)
    return g_strdup ("(unparsable conninfo)");
  s = g_string_new (NULL);
  for (PQconninfoOption *o = opts; o->keyword; o++) {
    if (o->val == NULL || *o->val == '\0')
      continue;
    g_string_append_printf (s, "%s%s=%s", s->len ? " " : "", o->keyword,
        g_str_equal (o->keyword, "password") ? "***" : o->val);
  }
  PQconninfoFree (opts);
  return g_string_free (s, FALSE);
}

/* Can libpq parse @conninfo (NULL or empty: the environment)? When not,
 * @error (owned) says why, without the quoted parts of the conninfo that
 * may hold a URI's password. */
gboolean
axion_pg_conninfo_check (const gchar *conninfo, gchar **error)
{
  PQconninfoOption *opts;
  gchar *msg = NULL;
  GString *s;

  if (conninfo == NULL || *conninfo == '\0')
    return TRUE;
  opts = PQconninfoParse (conninfo, &msg);
  if (opts) {
    PQconninfoFree (opts);
    return TRUE;
  }
  s = g_string_new (NULL);
  for (const gchar *p = msg ? msg : "out of memory"; *p; p++) {
    const gchar *q = *p == '"' ? strchr (p + 1, '"') : NULL;
    gchar *part = q ? g_strndup (p + 1, q - p - 1) : NULL;
    if (part &&
        (strchr (part, '@') || strchr (part, ':') ||
            strstr (part, "password") || strlen (part) > 40)) {
      g_string_append (s, "\"...\"");
      p = q;
    } else if (part) {
      g_string_append_printf (s, "\"%s\"", part);
      p = q;
    } else {
      g_string_append_c (s, *p);
    }
    g_free (part);
  }
  PQfreemem (msg);
  *error = axion_pg_clean_error (s->str);
  g_string_free (s, TRUE);
  return FALSE;
}

/* libpq messages never contain the password; strip a conninfo echo anyway */
gchar *
axion_pg_clean_error (const gchar *msg)
{
  gchar *s = g_strstrip (g_strdup (msg ? msg : "unknown error"));
  gchar *p = strstr (s, "password=");
  if (p)
    strcpy (p, "password=***");
  return s;
}

static void
set_last_error (AxionPgWriter *w, const gchar *msg)
{
  g_free (w->last_error);
  w->last_error = axion_pg_clean_error (msg);
}

static void
set_fatal (AxionPgWriter *w, const gchar *what, const gchar *detail)
{
  w->fatal_what = what;
  g_free (w->fatal_detail);
  w->fatal_detail = g_strdup (detail);
}

/* ---- connection ---------------------------------------------------------- */

gboolean
axion_pg_writer_connected (AxionPgWriter *w)
{
  return w->conn && PQstatus (w->conn) == CONNECTION_OK;
}

void
axion_pg_writer_disconnect (AxionPgWriter *w)
{
  if (w->conn) {
    /* (nonblocking: PQfinish's goodbye never waits on the server) */
    PQfinish (w->conn);
    w->conn = NULL;
  }
}

/* The server did not answer in time, or the element gave up: the
 * connection goes without waiting on the server. PQcancel would block on
 * a stopped postmaster, and PQfinish on a full socket buffer: the socket
 * is shut down first, so nothing more is sent nor awaited. */
static void
abandon (AxionPgWriter *w, const gchar *why)
{
  gint fd = w->conn ? PQsocket (w->conn) : -1;
  gchar *msg = g_strdup (why); /* (may be last_error itself) */

  g_free (w->last_error);
  w->last_error = msg;
  GST_CAT_WARNING_OBJECT (w->cat, w->log_obj, "%s", msg);
  if (fd >= 0)
    shutdown (fd, SHUT_RDWR);
  axion_pg_writer_disconnect (w);
}

static gint64
give_up_time (AxionPgWriter *w)
{
  return w->give_up ? w->give_up (w->give_up_data) : G_MAXINT64;
}

/* Waits until @fd is ready for @events, at most until @deadline (or the
 * element's give-up time). Returns 1 when ready, 0 when the time is up
 * (then *@why says which), -1 on a poll error. Wakes every 50 ms to see
 * whether the element gave up. */
#define POLL_SLICE_US (50 * 1000)
static gint
wait_fd (AxionPgWriter *w, gint fd, gshort events, gint64 deadline,
    const gchar **why)
{
  while (TRUE) {
    gint64 now = g_get_monotonic_time (), give_up = give_up_time (w), until;
    struct pollfd pfd = { fd, events, 0 };
    gint r;

    if (now >= give_up) {
      *why = "the element stopped waiting (stop, or eos-timeout-ms ran out)";
      return 0;
    }
    if (now >= deadline) {
      *why = NULL;
      return 0;
    }
    until = MIN (MIN (deadline, give_up), now + POLL_SLICE_US);
    r = poll (&pfd, 1, (gint) ((until - now + 999) / 1000));
    if (r > 0)
      return 1;
    if (r < 0 && errno != EINTR)
      return -1;
  }
}

static gint64
statement_deadline (AxionPgWriter *w)
{
  return g_get_monotonic_time () +
      (gint64) MAX (w->statement_timeout_ms, 1) * 1000;
}

/* Sends what libpq holds and reads until a result can be taken without
 * blocking, at most until @deadline: FALSE when the connection was
 * abandoned (no answer in time). A broken connection returns TRUE: the
 * next PQgetResult reports it. */
static gboolean
pump (AxionPgWriter *w, gint64 deadline)
{
  while (w->conn) {
    gint f = PQflush (w->conn);
    const gchar *why = NULL;
    gint r;

    if (f < 0 || (f == 0 && !PQisBusy (w->conn)))
      return TRUE;
    r = wait_fd (
        w, PQsocket (w->conn), POLLIN | (f ? POLLOUT : 0), deadline, &why);
    if (r == 0) {
      gchar *msg = why
          ? g_strdup_printf ("PostgreSQL did not answer before "
                             "%s: connection abandoned",
                why)
          : g_strdup_printf ("PostgreSQL did not answer within "
                             "statement-timeout-ms (%u ms): connection "
                             "abandoned",
                w->statement_timeout_ms);
      abandon (w, msg);
      g_free (msg);
      return FALSE;
    }
    if (r < 0 || !PQconsumeInput (w->conn))
      return TRUE; /* broken: PQgetResult says why */
  }
  return FALSE;
}

/* The next result of the command in progress (NULL: no more, or the
 * connection was abandoned). */
static PGresult *
get_result (AxionPgWriter *w, gint64 deadline)
{
  if (w->conn == NULL || !pump (w, deadline))
    return NULL;
  return PQgetResult (w->conn);
}

/* PQexec, bounded: sends @sql and returns its last result (the first
 * error; stops at COPY), or NULL when the connection is gone or was
 * abandoned. */
static PGresult *
exec (AxionPgWriter *w, const gchar *sql)
{
  gint64 deadline = statement_deadline (w);
  PGresult *last = NULL, *r;

  if (w->conn == NULL || !PQsendQuery (w->conn, sql))
    return NULL;
  while ((r = get_result (w, deadline))) {
    ExecStatusType st = PQresultStatus (r);
    if (last && PQresultStatus (last) == PGRES_FATAL_ERROR) {
      PQclear (r); /* the first error is the one that counts */
      continue;
    }
    PQclear (last);
    last = r;
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
      break;
  }
  return last;
}

/* A statement with text parameters, bounded as every other
 * (statement-timeout-ms, the element's give-up time): its last result
 * (the first error), or NULL when the connection is gone or was
 * abandoned (then last_error says why). */
PGresult *
axion_pg_writer_exec_params (
    AxionPgWriter *w, const gchar *sql, gint n, const gchar *const *values)
{
  gint64 deadline = statement_deadline (w);
  PGresult *last = NULL, *r;

  if (w->conn == NULL ||
      !PQsendQueryParams (w->conn, sql, n, NULL, values, NULL, NULL, 0))
    return NULL;
  while ((r = get_result (w, deadline))) {
    if (last && PQresultStatus (last) == PGRES_FATAL_ERROR) {
      PQclear (r);
      continue;
    }
    PQclear (last);
    last = r;
  }
  return last;
}

/* The connection's message, or why it was abandoned (libpq's message of a
 * NULL connection says nothing useful). */
static const gchar *
conn_error (AxionPgWriter *w)
{
  if (w->conn == NULL)
    return w->last_error ? w->last_error : "connection closed";
  return PQerrorMessage (w->conn);
}

/* A failed attempt: the message, then the connection goes. */
static AxionPgConnectResult
connect_failed (AxionPgWriter *w, const gchar *msg, AxionPgConnectResult res)
{
  gchar *m = g_strdup (msg); /* (may be last_error itself) */

  set_last_error (w, m);
  g_free (m);
  axion_pg_writer_disconnect (w);
  return res;
}

/* Does the database have the Axion schema? */
static AxionPgConnectResult
check_schema (AxionPgWriter *w)
{
  PGresult *r = exec (w,
      "SELECT to_regclass('camera_events') IS NOT NULL AND "
      "to_regclass('frame_metadata') IS NOT NULL");
  AxionPgConnectResult res = AXION_PG_CONNECT_OK;

  if (PQresultStatus (r) != PGRES_TUPLES_OK || PQntuples (r) != 1) {
    /* the check itself failed (the server going down right after it let
     * us in, a timeout): transient, not "no schema" (that was a fatal
     * error that ended the drain at EOS with rows still to write) */
    res = connect_failed (w,
        PQresultErrorMessage (r)[0] ? PQresultErrorMessage (r) : conn_error (w),
        AXION_PG_CONNECT_CHECK_FAILED);
  } else if (PQgetvalue (r, 0, 0)[0] != 't') {
    res = connect_failed (
        w, "the database has no Axion schema", AXION_PG_CONNECT_NO_SCHEMA);
  }
  PQclear (r);
  return res;
}

/* The connect_timeout the connection uses (the user's, from the conninfo
 * or PGCONNECT_TIMEOUT, else @dflt): libpq applies it only in its blocking
 * connect, so the asynchronous one applies it here. 0 or less (libpq:
 * wait for ever) is @dflt: nothing waits for ever. Never logged with the
 * rest of the conninfo. */
static gint
effective_connect_timeout (PGconn *conn, gint dflt)
{
  PQconninfoOption *opts = PQconninfo (conn);
  gint t = 0;

  for (PQconninfoOption *o = opts; o && o->keyword; o++)
    if (g_str_equal (o->keyword, "connect_timeout") && o->val)
      t = atoi (o->val);
  PQconninfoFree (opts);
  if (t <= 0)
    t = dflt;
  return MAX (t, 2); /* libpq's minimum too */
}

/* Connects with @conninfo (NULL or empty: the PG* environment) and checks
 * the schema. On failure the connection is closed and last_error says
 * why. */
AxionPgConnectResult
axion_pg_writer_connect (
    AxionPgWriter *w, const gchar *conninfo, gint timeout_s)
{
  /* the default unless PGCONNECT_TIMEOUT says otherwise (an explicit
   * keyword hides the environment); the conninfo's own wins over both */
  const gchar *env = g_getenv ("PGCONNECT_TIMEOUT");
  gchar *timeout = env && *env ? g_strdup (env)
                               : g_strdup_printf ("%d", timeout_s);
  /* A server that vanishes mid-write (power lost, network split) must
   * not hold the worker in libpq for the kernel's defaults (~15 min for
   * unacknowledged data, ~2 h idle keepalive): TCP keepalives after 10 s
   * idle, 3 probes 5 s apart, and unacknowledged data given up after
   * 30 s. Before the user's conninfo, which overrides them. (No effect
   * on unix sockets.) */
  const gchar *kw[] = { "connect_timeout", "application_name", "keepalives",
    "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout", NULL, NULL };
  const gchar *val[] = { timeout, "axionpgsink", "1", "10", "5", "3", "30000",
    NULL, NULL };

  axion_pg_writer_disconnect (w);
  if (conninfo && *conninfo) {
    kw[7] = "dbname";
    val[7] = conninfo;
  }
  /* asynchronous, so that the wait is bounded and abandoned when the
   * element gives up (PQconnectdb waits connect_timeout per host and
   * cannot be interrupted) */
  w->conn = PQconnectStartParams (kw, val, 1);
  g_free (timeout);
  if (w->conn == NULL)
    return connect_failed (w, "out of memory", AXION_PG_CONNECT_UNREACHABLE);
  if (PQstatus (w->conn) != CONNECTION_BAD) {
    gint64 per_attempt = (gint64) effective_connect_timeout (
                             w->conn, timeout_s) *
        G_USEC_PER_SEC;
    gint64 deadline = g_get_monotonic_time () + per_attempt;
    gint sock = PQsocket (w->conn);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;

    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
      const gchar *why = NULL;
      gint r;

      /* a new socket is the next host or address: libpq's connect_timeout
       * is per attempt too */
      if (PQsocket (w->conn) != sock) {
        sock = PQsocket (w->conn);
        deadline = g_get_monotonic_time () + per_attempt;
      }
      r = wait_fd (w, sock, st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
          deadline, &why);
      if (r == 0) {
        gchar *msg = why
            ? g_strdup_printf ("connection attempt abandoned: %s", why)
            : g_strdup_printf ("timeout expired: no answer "
                               "within connect_timeout (%d s)",
                  (gint) (per_attempt / G_USEC_PER_SEC));
        abandon (w, msg);
        g_free (msg);
        return connect_failed (w, w->last_error, AXION_PG_CONNECT_UNREACHABLE);
      }
      st = PQconnectPoll (w->conn);
    }
  }
  if (PQstatus (w->conn) != CONNECTION_OK) {
    const gchar *msg = PQerrorMessage (w->conn);
    gboolean auth = strstr (msg, "authentication failed") ||
        strstr (msg, "no password supplied") || strstr (msg, "does not exist");
    return connect_failed (
        w, msg, auth ? AXION_PG_CONNECT_REFUSED : AXION_PG_CONNECT_UNREACHABLE);
  }
  /* nothing may block on the server from now on: writes go through
   * pump() (and PQfinish's goodbye never waits) */
  PQsetnonblocking (w->conn, 1);
  return check_schema (w);
}

/* The coming days' partitions. FALSE with the server's message in
 * @error (owned) when it failed. */
gboolean
axion_pg_writer_create_partitions (AxionPgWriter *w, gchar **error)
{
  PGresult *r = exec (w, "SELECT axion_create_partitions_ahead()");
  gboolean ok = PQresultStatus (r) == PGRES_TUPLES_OK;

  if (!ok)
    *error = g_strdup (PQresultErrorMessage (r));
  PQclear (r);
  return ok;
}

/* ---- what a failure means ------------------------------------------------ */

static AxionPgWriteResult
classify (AxionPgWriter *w, PGresult *r)
{
  const gchar *state = r ? PQresultErrorField (r, PG_DIAG_SQLSTATE) : NULL;
  gchar *msg = g_strdup (r && PQresultErrorMessage (r)[0]
          ? PQresultErrorMessage (r)
          : conn_error (w));

  set_last_error (w, msg);
  g_free (msg);
  if (!axion_pg_writer_connected (w) || state == NULL)
    return AXION_PG_WRITE_RETRY;
  if (g_str_has_prefix (state, "42P01") || g_str_has_prefix (state, "42703") ||
      g_str_has_prefix (state, "42883")) {
    set_fatal (w, "The Axion schema is missing or outdated",
        "run: tools/axion-db -d '<conninfo>' migrate");
    return AXION_PG_WRITE_FATAL;
  }
  if (g_str_has_prefix (state, "42501")) {
    set_fatal (w,
        "Permission denied on the Axion tables: grant INSERT "
        "and SELECT to the sink's user",
        w->last_error);
    return AXION_PG_WRITE_FATAL;
  }
  if (g_str_has_prefix (state, "22") || g_str_has_prefix (state, "23"))
    return AXION_PG_WRITE_REJECTED;
  /* read-only standby, shutdown, serialization, timeouts...: transient */
  return AXION_PG_WRITE_RETRY;
}

/* unique_violation: rows that are already there */
static gboolean
is_conflict (PGresult *r)
{
  const gchar *state = r ? PQresultErrorField (r, PG_DIAG_SQLSTATE) : NULL;
  return state && strcmp (state, "23505") == 0;
}

static gchar *
column_list (GstAxionTable t)
{
  guint n;
  const GstAxionColumn *cols = gst_axion_table_columns (t, &n);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", cols[i].name);
  return g_string_free (s, FALSE);
}

static void
add_duplicates (AxionPgWriter *w, guint64 duplicates)
{
  if (duplicates == 0)
    return;
  w->rows_duplicate += duplicates;
  W_DEBUG (w, "%" G_GUINT64_FORMAT " rows were already written: skipped",
      duplicates);
}

/* Committed without @collided's rows (taken): the caller keeps them
 * aside; @b counts the rows written. */
static void
add_collided (AxionPgWriter *w, AxionPgBatch *b, AxionPgBatch *collided)
{
  GST_CAT_WARNING_OBJECT (w->cat, w->log_obj,
      "%u rows have ids already taken by different rows: not written",
      collided->total);
  b->total -= MIN (b->total, collided->total);
  if (w->collided == NULL) {
    w->collided = collided;
    return;
  }
  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    axion_pg_batch_add_lines (w->collided, t, collided->data[t]->str,
        collided->data[t]->len, collided->rows[t]);
  axion_pg_batch_free (collided);
}

/* rows of @rows an INSERT's @r did not add */
static guint64
not_inserted (PGresult *r, guint rows)
{
  return rows - MIN (rows, g_ascii_strtoull (PQcmdTuples (r), NULL, 10));
}

/* ---- the COPY way -------------------------------------------------------- */

/* the cameras registry: an upsert that keeps known URLs and the newest
 * time */
#define CAMERAS_UPSERT                                                         \
  "ON CONFLICT (camera_id) DO UPDATE SET "                                     \
  "rtsp_url = COALESCE (EXCLUDED.rtsp_url, cameras.rtsp_url), "                \
  "ip_address = COALESCE (EXCLUDED.ip_address, cameras.ip_address), "          \
  "active_resolution_width = EXCLUDED.active_resolution_width, "               \
  "active_resolution_height = EXCLUDED.active_resolution_height, "             \
  "active_fps = EXCLUDED.active_fps, status = EXCLUDED.status, "               \
  "last_seen_at = GREATEST (EXCLUDED.last_seen_at, cameras.last_seen_at)"

/* A command that must answer PGRES_COMMAND_OK. */
static AxionPgWriteResult
command (AxionPgWriter *w, const gchar *sql)
{
  PGresult *r = exec (w, sql);
  AxionPgWriteResult res = PQresultStatus (r) == PGRES_COMMAND_OK
      ? AXION_PG_WRITE_OK
      : classify (w, r);
  PQclear (r);
  return res;
}

/* The COPY data, in pieces the socket takes (the connection is
 * nonblocking): bounded by statement-timeout-ms; FALSE when it failed or
 * was abandoned. */
static gboolean
put_copy (AxionPgWriter *w, const GString *data)
{
  gint64 deadline = statement_deadline (w);
  gsize off = 0;

  while (w->conn && off < data->len) {
    gsize n = MIN (data->len - off, 64 * 1024);
    gint r = PQputCopyData (w->conn, data->str + off, (gint) n);

    if (r < 0)
      return FALSE;
    if (r == 1) {
      off += n;
      continue;
    }
    /* libpq's buffer is full: let it drain */
    if (!pump (w, deadline))
      return FALSE;
  }
  return w->conn != NULL;
}

/* The end of the COPY data, queued (0 from libpq: its buffer is full,
 * let it drain and try again) */
static gboolean
put_copy_end (AxionPgWriter *w)
{
  gint64 deadline = statement_deadline (w);

  while (w->conn) {
    gint r = PQputCopyEnd (w->conn, NULL);
    if (r != 0)
      return r == 1;
    if (!pump (w, deadline))
      return FALSE;
  }
  return FALSE;
}

/* COPY @data into @target (@cols). A unique_violation is
 * AXION_PG_WRITE_CONFLICT when @conflict_ok. */
static AxionPgWriteResult
copy_in (AxionPgWriter *w, const gchar *target, const gchar *cols,
    const GString *data, gboolean conflict_ok)
{
  gchar *sql = g_strdup_printf ("COPY %s (%s) FROM STDIN", target, cols);
  PGresult *r = exec (w, sql);
  AxionPgWriteResult res = AXION_PG_WRITE_OK;
  gint64 deadline;

  g_free (sql);
  if (PQresultStatus (r) != PGRES_COPY_IN) {
    res = classify (w, r);
    PQclear (r);
    return res;
  }
  PQclear (r);
  if (!put_copy (w, data) || !put_copy_end (w)) {
    /* the connection is unusable in the middle of a COPY (and libpq
     * would hand out COPY_IN results for ever): it goes */
    if (w->conn) {
      set_last_error (w, PQerrorMessage (w->conn));
      abandon (w, w->last_error);
    }
    return AXION_PG_WRITE_RETRY;
  }
  deadline = statement_deadline (w);
  while ((r = get_result (w, deadline))) {
    if (res == AXION_PG_WRITE_OK && PQresultStatus (r) != PGRES_COMMAND_OK)
      res = conflict_ok && is_conflict (r) ? AXION_PG_WRITE_CONFLICT
                                           : classify (w, r);
    PQclear (r);
  }
  if (w->conn == NULL) /* abandoned */
    res = AXION_PG_WRITE_RETRY;
  return res;
}

/* The lines (1-based numbers in @lines, ascending) of @data into @out as
 * table @t's rows. */
static void
take_lines (AxionPgBatch *out, GstAxionTable t, const GString *data,
    const gint64 *lines, guint n)
{
  const gchar *p = data->str, *end = data->str + data->len;
  gint64 line = 1;

  for (guint i = 0; i < n && p < end; line++) {
    const gchar *nl = memchr (p, '\n', end - p);
    gsize len = nl ? (gsize) (nl - p) + 1 : (gsize) (end - p);

    if (line == lines[i]) {
      axion_pg_batch_add_lines (out, t, p, len, 1);
      i++;
    }
    p += len;
  }
}

/* Columns a replay of the same row may legitimately hold differently:
 * what the sink measures as it writes (the same buffer written by a
 * second sink, or again after a restart, arrives at another time:
 * total_processing_ms, fps_actual), and what the database keeps up to
 * date after the insert (alert_generated and sent_to_claude, set by
 * sql/004's triggers when an alert or an analysis follows). A collision is told
 * by the rest. */
static gboolean
is_volatile (const gchar *column)
{
  static const gchar *const names[] = { "total_processing_ms", "fps_actual",
    "alert_generated", "sent_to_claude" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (column, names[i]))
      return TRUE;
  return FALSE;
}

/* Rows of table @t's staging table that were not inserted: which of
 * them meet a row with their id that is not them (a collision: two
 * writers made one id) rather than a replay of it? Compared column by
 * column (IS NOT DISTINCT FROM: NULLs equal); the id index finds the
 * row. A row skipped for another unique key while its id is nowhere
 * (frame_metadata's (camera_id, frame_number, frame_timestamp): the same
 * frame converted again, with a new id) is a replay too. Their lines go to
 * *@collided. Returns how many, or -1 when the query failed (classify () has
 * the reason). */
static gint64
find_collisions (AxionPgWriter *w, const AxionPgBatch *b, GstAxionTable t,
    AxionPgBatch **collided, AxionPgWriteResult *res)
{
  guint n;
  const GstAxionColumn *cols = gst_axion_table_columns (t, &n);
  const gchar *table = gst_axion_table_name (t);
  GString *sl = g_string_new (NULL), *tl = g_string_new (NULL);
  gchar *sql;
  PGresult *r;
  gint64 *lines, found;

  for (guint i = 0; i < n; i++) {
    if (is_volatile (cols[i].name))
      continue;
    g_string_append_printf (sl, "%ss.%s", sl->len ? ", " : "", cols[i].name);
    g_string_append_printf (tl, "%sx.%s", tl->len ? ", " : "", cols[i].name);
  }
  sql = g_strdup_printf ("SELECT s.axion_line FROM axion_stage_%s s WHERE "
                         "EXISTS (SELECT 1 FROM %s x WHERE x.%s = s.%s) AND "
                         "NOT EXISTS (SELECT 1 FROM %s x WHERE x.%s = s.%s "
                         "AND ROW (%s) IS NOT DISTINCT FROM ROW (%s)) "
                         "ORDER BY 1",
      table, table, cols[0].name, cols[0].name, table, cols[0].name,
      cols[0].name, tl->str, sl->str);
  g_string_free (sl, TRUE);
  g_string_free (tl, TRUE);
  r = exec (w, sql);
  g_free (sql);
  if (PQresultStatus (r) != PGRES_TUPLES_OK) {
    *res = classify (w, r);
    PQclear (r);
    return -1;
  }
  found = PQntuples (r);
  if (found > 0) {
    lines = g_new (gint64, found);
    for (gint64 i = 0; i < found; i++)
      lines[i] = g_ascii_strtoll (PQgetvalue (r, (gint) i, 0), NULL, 10);
    if (*collided == NULL)
      *collided = axion_pg_batch_new ();
    take_lines (*collided, t, b->data[t], lines, (guint) found);
    g_free (lines);
  }
  PQclear (r);
  return found;
}

/* INSERT ... SELECT from table @t's staging table; counts duplicates and
 * sets collisions aside */
static AxionPgWriteResult
insert_staged (AxionPgWriter *w, const AxionPgBatch *b, GstAxionTable t,
    const gchar *cols, guint64 *duplicates, AxionPgBatch **collided)
{
  const gchar *table = gst_axion_table_name (t);
  AxionPgWriteResult res = AXION_PG_WRITE_OK;
  guint64 skipped = 0;
  gchar *sql;
  PGresult *r;

  if (t == GST_AXION_TABLE_CAMERAS)
    sql = g_strdup_printf (
        "INSERT INTO cameras (%s) SELECT DISTINCT ON (camera_id) %s "
        "FROM axion_stage_cameras ORDER BY camera_id, last_seen_at "
        "DESC " CAMERAS_UPSERT,
        cols, cols);
  else
    sql = g_strdup_printf ("INSERT INTO %s (%s) SELECT %s FROM "
                           "axion_stage_%s ON CONFLICT DO NOTHING",
        table, cols, cols, table);
  r = exec (w, sql);
  g_free (sql);
  if (PQresultStatus (r) != PGRES_COMMAND_OK)
    res = classify (w, r);
  else if (t != GST_AXION_TABLE_CAMERAS)
    skipped = not_inserted (r, b->rows[t]);
  PQclear (r);
  if (skipped > 0) {
    /* (only when something was skipped: the check costs a query) */
    gint64 c = find_collisions (w, b, t, collided, &res);
    if (c >= 0)
      *duplicates += skipped - MIN (skipped, (guint64) c);
  }
  return res;
}

/* Table @t of @b, direct (COPY into the table) or staged (COPY into a
 * temporary table that dies with the transaction, then INSERT ...
 * SELECT ... ON CONFLICT DO NOTHING). */
static AxionPgWriteResult
write_table (AxionPgWriter *w, const AxionPgBatch *b, GstAxionTable t,
    gboolean staged, guint64 *duplicates, AxionPgBatch **collided)
{
  const gchar *table = gst_axion_table_name (t);
  gchar *cols = column_list (t), *sql, *target;
  AxionPgWriteResult res = AXION_PG_WRITE_OK;

  if (staged) {
    /* no session state, so PgBouncer transaction pooling works; each
     * staged row numbered in COPY order (axion_line: which line of the
     * batch collided, see find_collisions ()) */
    sql = g_strdup_printf ("CREATE TEMP TABLE axion_stage_%s ON COMMIT "
                           "DROP AS SELECT %s FROM %s WITH NO DATA%s%s%s",
        table, cols, table,
        t == GST_AXION_TABLE_CAMERAS ? "" : "; ALTER TABLE axion_stage_",
        t == GST_AXION_TABLE_CAMERAS ? "" : table,
        t == GST_AXION_TABLE_CAMERAS
            ? ""
            : " ADD COLUMN axion_line bigint GENERATED ALWAYS AS IDENTITY");
    res = command (w, sql);
    g_free (sql);
  }
  if (res == AXION_PG_WRITE_OK) {
    target = g_strdup_printf ("%s%s", staged ? "axion_stage_" : "", table);
    res = copy_in (w, target, cols, b->data[t], !staged);
    g_free (target);
  }
  if (res == AXION_PG_WRITE_OK && staged)
    res = insert_staged (w, b, t, cols, duplicates, collided);
  g_free (cols);
  return res;
}

/* One transaction for the whole batch. direct: COPY straight into the
 * tables (half the server's work); a row that is already there fails the
 * COPY with unique_violation and the caller writes the batch again through
 * the staging tables. The cameras registry is always staged (an upsert). */
static AxionPgWriteResult
write_batch_mode (AxionPgWriter *w, AxionPgBatch *b, gboolean direct)
{
  AxionPgWriteResult res;
  guint64 duplicates = 0;
  AxionPgBatch *collided = NULL;

  /* Durable whatever the server's default: with synchronous_commit=off
   * (the schema document recommends it) a server crash can lose commits
   * that were already acknowledged, and the sink would never resend them.
   * SET LOCAL ends with the transaction (PgBouncer-safe). */
  res = command (w, "BEGIN; SET LOCAL synchronous_commit TO on");
  if (res != AXION_PG_WRITE_OK) {
    if (res == AXION_PG_WRITE_RETRY)
      axion_pg_writer_disconnect (w);
    return res;
  }
  for (gint t = 0; t < GST_AXION_N_TABLES && res == AXION_PG_WRITE_OK; t++)
    if (b->rows[t] > 0)
      res = write_table (w, b, t, !direct || t == GST_AXION_TABLE_CAMERAS,
          &duplicates, &collided);
  if (res == AXION_PG_WRITE_OK) {
    res = command (w, "COMMIT");
    if (res == AXION_PG_WRITE_OK)
      add_duplicates (w, duplicates);
    if (res == AXION_PG_WRITE_OK && collided)
      add_collided (w, b, collided);
    else
      axion_pg_batch_free (collided);
  } else if (axion_pg_writer_connected (w)) {
    axion_pg_batch_free (collided);
    PQclear (exec (w, "ROLLBACK"));
  }
  if (res == AXION_PG_WRITE_RETRY)
    axion_pg_writer_disconnect (w);
  return res;
}

/* the COPY way: direct for fresh batches, staged for replays (which may
 * hold rows that were committed before the acknowledgement was lost) and
 * batches that meet rows already written */
AxionPgWriteResult
axion_pg_writer_write_copy (AxionPgWriter *w, AxionPgBatch *b, gboolean replay)
{
  if (!replay) {
    AxionPgWriteResult res = write_batch_mode (w, b, TRUE);
    if (res != AXION_PG_WRITE_CONFLICT)
      return res;
    W_DEBUG (w, "batch meets rows already written: staging it");
  }
  return write_batch_mode (w, b, FALSE);
}

/* ---- the one-round-trip way ---------------------------------------------- */

/* Appends the COPY text lines of @data as SQL row constructors
 * "(E'..',NULL,..)," (E'' literals: the same whatever
 * standard_conforming_strings says). */
static void
append_values (GString *sql, const GString *data)
{
  const gchar *p = data->str, *end = data->str + data->len;

  while (p < end) {
    g_string_append_c (sql, '(');
    while (TRUE) {
      if (p[0] == '\\' && p[1] == 'N' && (p[2] == '\t' || p[2] == '\n')) {
        g_string_append (sql, "NULL");
        p += 2;
      } else {
        g_string_append (sql, "E'");
        for (; *p != '\t' && *p != '\n'; p++) {
          gchar c = *p;
          if (c == '\\') {
            c = *++p;
            c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
          }
          if (c == '\\' || c == '\'')
            g_string_append_c (sql, c);
          g_string_append_c (sql, c);
        }
        g_string_append_c (sql, '\'');
      }
      if (*p++ == '\n')
        break;
      g_string_append_c (sql, ',');
    }
    g_string_append (sql, "),");
  }
  g_string_truncate (sql, sql->len - 1);
}

/* Small fresh batches (camera rates: a few rows per flush) in one round
 * trip: BEGIN, an INSERT ... VALUES per table (the cameras registry's an
 * upsert) and COMMIT in one query string. COPY needs two round trips per table
 * plus BEGIN and COMMIT, and each round trip costs the worker two system
 * calls and a sleep; large batches still go through COPY, which the server
 * loads faster. Any failure is rolled back and the batch written again
 * the COPY way (with its error handling); AXION_PG_WRITE_RETRY only when
 * the connection is gone. */
#define VALUES_MAX_ROWS 100

gboolean
axion_pg_writer_values_eligible (const AxionPgBatch *b)
{
  return b->total <= VALUES_MAX_ROWS;
}

/* Sends the batch as one query string (BEGIN, an INSERT per table,
 * COMMIT); axion_pg_writer_values_finish () reads the results. Returns
 * FALSE when it could not be sent. */
gboolean
axion_pg_writer_values_send (AxionPgWriter *w, AxionPgBatch *b)
{
  GString *sql = g_string_new ("BEGIN; SET LOCAL synchronous_commit TO on");
  gboolean ok;

  for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
    gchar *cols;
    if (b->rows[t] == 0)
      continue;
    cols = column_list (t);
    g_string_append_printf (
        sql, "; INSERT INTO %s (%s) VALUES ", gst_axion_table_name (t), cols);
    append_values (sql, b->data[t]);
    /* (two rows of one camera in a batch make the upsert fail: COPY then,
     * through staging). No ON CONFLICT for the other tables: a fresh row
     * whose id is taken is either a replay or a collision, and only the
     * staged way tells them apart (it fails here, then goes that way) */
    if (t == GST_AXION_TABLE_CAMERAS)
      g_string_append (sql, " " CAMERAS_UPSERT);
    g_free (cols);
  }
  g_string_append (sql, "; COMMIT");
  /* (nonblocking: what the socket does not take now is sent by the
   * pump that reads the results) */
  ok = w->conn && PQsendQuery (w->conn, sql->str) == 1;
  if (ok)
    PQflush (w->conn);
  g_string_free (sql, TRUE);
  return ok;
}

/* The results of axion_pg_writer_values_send () for @b; @ok: it was sent.
 * AXION_PG_WRITE_REJECTED (rolled back) sends the caller to the COPY
 * way. */
AxionPgWriteResult
axion_pg_writer_values_finish (AxionPgWriter *w, AxionPgBatch *b, gboolean ok)
{
  PGresult *r;
  guint64 duplicates = 0;
  gint tables[GST_AXION_N_TABLES], n_tables = 0, k = -2;
  gint64 deadline;

  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    if (b->rows[t] > 0)
      tables[n_tables++] = t;
  /* results in order: BEGIN, SET, one per INSERT, COMMIT */
  deadline = statement_deadline (w);
  while (ok && (r = get_result (w, deadline))) {
    if (PQresultStatus (r) != PGRES_COMMAND_OK) {
      W_DEBUG (w, "one-round-trip write failed (%s): COPY instead",
          PQresultErrorMessage (r));
      ok = FALSE;
    } else if (k >= 0 && k < n_tables && tables[k] != GST_AXION_TABLE_CAMERAS) {
      duplicates += not_inserted (r, b->rows[tables[k]]);
    }
    k++;
    PQclear (r);
  }
  if (ok && w->conn == NULL) { /* abandoned: no answer in time */
    return AXION_PG_WRITE_RETRY;
  }
  if (!ok) {
    while ((r = get_result (w, deadline)))
      PQclear (r);
    if (!axion_pg_writer_connected (w))
      return AXION_PG_WRITE_RETRY;
    if (PQtransactionStatus (w->conn) != PQTRANS_IDLE)
      PQclear (exec (w, "ROLLBACK"));
    return AXION_PG_WRITE_REJECTED;
  }
  add_duplicates (w, duplicates);
  return AXION_PG_WRITE_OK;
}

/* Fresh batches go direct (small ones in one round trip); replays and
 * batches that meet rows already written go through staging. */
AxionPgWriteResult
axion_pg_writer_write (AxionPgWriter *w, AxionPgBatch *b, gboolean replay)
{
  if (!replay && axion_pg_writer_values_eligible (b)) {
    AxionPgWriteResult res = axion_pg_writer_values_finish (
        w, b, axion_pg_writer_values_send (w, b));
    if (res != AXION_PG_WRITE_REJECTED)
      return res;
  }
  return axion_pg_writer_write_copy (w, b, replay);
}

/* ---- refused data -------------------------------------------------------- */

/* A batch was refused as data: write it row by row so that only the bad
 * rows are set aside, into *@refused (a new batch, or NULL when none).
 * Returns AXION_PG_WRITE_OK when every row was either written or
 * refused, else the first connection/fatal result (the caller keeps the
 * whole batch; rows already written are not duplicated on replay). */
AxionPgWriteResult
axion_pg_writer_write_row_by_row (
    AxionPgWriter *w, AxionPgBatch *b, AxionPgBatch **refused)
{
  AxionPgBatch *bad = axion_pg_batch_new ();
  AxionPgWriteResult res = AXION_PG_WRITE_OK;

  *refused = NULL;
  for (gint t = 0; t < GST_AXION_N_TABLES && res == AXION_PG_WRITE_OK; t++) {
    const gchar *p = b->data[t]->str, *end = p + b->data[t]->len;
    while (p < end && res == AXION_PG_WRITE_OK) {
      const gchar *nl = memchr (p, '\n', end - p);
      gsize len = nl ? (gsize) (nl - p) + 1 : (gsize) (end - p);
      AxionPgBatch *one = axion_pg_batch_new ();
      AxionPgWriteResult wr;

      axion_pg_batch_add_lines (one, t, p, len, 1);
      one->first_us = b->first_us;
      wr = axion_pg_writer_write (w, one, TRUE);
      if (wr == AXION_PG_WRITE_REJECTED)
        axion_pg_batch_add_lines (bad, t, p, len, 1);
      else if (wr != AXION_PG_WRITE_OK)
        res = wr;
      axion_pg_batch_free (one);
      p += len;
    }
  }
  if (res == AXION_PG_WRITE_OK && bad->total > 0)
    *refused = bad;
  else
    axion_pg_batch_free (bad);
  return res;
}
