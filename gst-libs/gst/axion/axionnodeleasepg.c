/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The node lease store in PostgreSQL: the functions of
 * sql/005_node_leases.sql, one statement per transaction (PgBouncer
 * transaction pooling is fine), each answered within STATEMENT_US.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionnodelease-private.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define GST_CAT_DEFAULT axion_node_lease_debug

/* a statement's answer; a connection attempt (libpq's connect_timeout) */
#define STATEMENT_US (5 * G_USEC_PER_SEC)
#define CONNECT_TIMEOUT_S "5"

typedef struct
{
  gchar *conninfo;
  PGconn *conn;
  gboolean refused;     /* the last connect was refused */
  gboolean told_rights; /* the missing rights were said */
} PgStore;

static void
disconnect (PgStore *s)
{
  g_clear_pointer (&s->conn, PQfinish);
}

/* connect_db (): the server refused us (credentials, database): no retry
 * helps */
static gboolean
refused (const gchar *msg)
{
  return strstr (msg, "authentication failed") ||
      strstr (msg, "no password supplied") || strstr (msg, "does not exist");
}

static gboolean
connect_db (PgStore *s)
{
  const gchar *kw[] = { "connect_timeout", "application_name", NULL, NULL };
  const gchar *val[] = { CONNECT_TIMEOUT_S, "axion-node-lease", NULL, NULL };

  if (s->conn && PQstatus (s->conn) == CONNECTION_OK)
    return TRUE;
  disconnect (s);
  if (s->conninfo && *s->conninfo) {
    kw[2] = "dbname";
    val[2] = s->conninfo;
  }
  s->conn = PQconnectdbParams (kw, val, 1);
  if (PQstatus (s->conn) == CONNECTION_OK)
    return TRUE;
  /* (libpq's messages never hold the password) */
  GST_WARNING ("node lease: cannot connect to PostgreSQL: %s",
      s->conn ? PQerrorMessage (s->conn) : "out of memory");
  s->refused = s->conn && refused (PQerrorMessage (s->conn));
  disconnect (s);
  return FALSE;
}

/* One parameterised statement, answered within STATEMENT_US (else the
 * connection goes). NULL when there is no answer. */
static PGresult *
query (PgStore *s, const gchar *sql, gint n, const gchar *const *params)
{
  gint64 deadline = g_get_monotonic_time () + STATEMENT_US;
  PGresult *res = NULL, *r;

  if (!connect_db (s))
    return NULL;
  if (!PQsendQueryParams (s->conn, sql, n, NULL, params, NULL, NULL, 0)) {
    disconnect (s);
    return NULL;
  }
  while (PQisBusy (s->conn)) {
    struct pollfd pfd = { PQsocket (s->conn), POLLIN, 0 };
    gint64 left = deadline - g_get_monotonic_time ();

    if (left <= 0 ||
        (poll (&pfd, 1, (gint) (left / 1000) + 1) < 0 && errno != EINTR)) {
      GST_WARNING ("node lease: PostgreSQL did not answer within %d s",
          (gint) (STATEMENT_US / G_USEC_PER_SEC));
      disconnect (s);
      return NULL;
    }
    if (!PQconsumeInput (s->conn))
      break;
  }
  while ((r = PQgetResult (s->conn))) {
    if (res == NULL)
      res = r;
    else
      PQclear (r);
  }
  if (res == NULL || PQstatus (s->conn) != CONNECTION_OK) {
    g_clear_pointer (&res, PQclear);
    disconnect (s);
  }
  return res;
}

static gboolean
missing_schema (PGresult *r)
{
  const gchar *state = PQresultErrorField (r, PG_DIAG_SQLSTATE);
  return state &&
      (g_str_equal (state, "42883") || g_str_equal (state, "42P01"));
}

/* the step for a statement that did not return rows */
static AxionLeaseStep
failed (PgStore *s, PGresult *r, const gchar **why)
{
  if (r == NULL && s->refused) {
    *why = "the database refused the connection";
    return AXION_LEASE_LOCAL;
  }
  if (r && missing_schema (r)) {
    *why = "the database has no axion_node_leases table (run: "
           "tools/axion-db migrate)";
    return AXION_LEASE_LOCAL;
  }
  if (r && g_strcmp0 (PQresultErrorField (r, PG_DIAG_SQLSTATE), "42501") == 0) {
    /* an administrator can grant it while we wait: said once, retried */
    if (!s->told_rights)
      g_message ("axion: node lease: the database user may not use the "
                 "lease table (%s): grant it SELECT, INSERT, UPDATE, DELETE "
                 "ON axion_node_leases (docs/scaling.md); the cameras start "
                 "once it can",
          PQresultErrorField (r, PG_DIAG_MESSAGE_PRIMARY)
              ? PQresultErrorField (r, PG_DIAG_MESSAGE_PRIMARY)
              : "permission denied");
    s->told_rights = TRUE;
    return AXION_LEASE_RETRY;
  }
  if (r)
    GST_WARNING ("node lease: %s", PQresultErrorMessage (r));
  return AXION_LEASE_RETRY;
}

static AxionLeaseStep
pg_acquire (gpointer store, const gchar *holder, guint ttl_ms, gint64 cap_ms,
    gint *node, gint64 *floor_ms, const gchar **why)
{
  PgStore *s = store;
  gchar *ttl = g_strdup_printf ("%u", ttl_ms);
  gchar *cap = g_strdup_printf ("%" G_GINT64_FORMAT, cap_ms);
  const gchar *p[] = { holder, ttl, cap };
  AxionLeaseStep step = AXION_LEASE_RETRY;
  PGresult *r;

  s->refused = FALSE;
  r = query (s,
      "SELECT node_id, floor_ms FROM axion_node_lease_acquire($1, $2, $3)", 3,
      p);
  if (r && PQresultStatus (r) == PGRES_TUPLES_OK && PQntuples (r) == 1) {
    *node = atoi (PQgetvalue (r, 0, 0));
    *floor_ms = g_ascii_strtoll (PQgetvalue (r, 0, 1), NULL, 10);
    step = AXION_LEASE_OK;
  } else if (r && PQresultStatus (r) == PGRES_TUPLES_OK) {
    GST_WARNING ("node lease: all 4096 nodes are held; retrying");
  } else {
    step = failed (s, r, why);
  }
  if (r)
    PQclear (r);
  g_free (ttl);
  g_free (cap);
  return step;
}

static AxionLeaseStep
pg_renew (gpointer store, gint node, const gchar *holder, guint ttl_ms,
    gint64 cap_ms, gboolean *held)
{
  PgStore *s = store;
  gchar *node_s = g_strdup_printf ("%d", node);
  gchar *ttl = g_strdup_printf ("%u", ttl_ms);
  gchar *cap = g_strdup_printf ("%" G_GINT64_FORMAT, cap_ms);
  const gchar *p[] = { node_s, holder, ttl, cap };
  AxionLeaseStep step = AXION_LEASE_RETRY;
  PGresult *r = query (
      s, "SELECT axion_node_lease_renew($1, $2, $3, $4)", 4, p);

  if (r && PQresultStatus (r) == PGRES_TUPLES_OK && PQntuples (r) == 1) {
    *held = PQgetvalue (r, 0, 0)[0] == 't';
    step = AXION_LEASE_OK;
  } else if (r) {
    GST_WARNING ("node lease: %s", PQresultErrorMessage (r));
  }
  if (r)
    PQclear (r);
  g_free (node_s);
  g_free (ttl);
  g_free (cap);
  return step;
}

static void
pg_release (gpointer store, gint node, const gchar *holder, gint64 last_ms)
{
  PgStore *s = store;
  gchar *node_s = g_strdup_printf ("%d", node);
  gchar *last = g_strdup_printf ("%" G_GINT64_FORMAT, last_ms);
  const gchar *p[] = { node_s, holder, last };
  PGresult *r = query (s, "SELECT axion_node_lease_release($1, $2, $3)", 3, p);

  if (r)
    PQclear (r);
  g_free (node_s);
  g_free (last);
}

static void
pg_free (gpointer store)
{
  PgStore *s = store;

  disconnect (s);
  g_free (s->conninfo);
  g_free (s);
}

static const AxionNodeLeaseStore pg_ops = {
  "PostgreSQL",
  pg_acquire,
  pg_renew,
  pg_release,
  pg_free,
};

AxionNodeLease *
axion_node_lease_start (
    const gchar *conninfo, GstAxionIdGenerator *gen, guint ttl_ms)
{
  PgStore *s = g_new0 (PgStore, 1);

  s->conninfo = g_strdup (conninfo);
  return axion_node_lease_start_store (&pg_ops, s, gen, ttl_ms);
}
