/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The node lease holder: one thread that acquires a node in
 * axion_node_leases, renews it every third of its length, and tells the id
 * generator how long it may make ids on it. Timing needs no agreement
 * between clocks: the lease ends on the server ttl after the server ran
 * the statement, and here 0.9 ttl after the statement was sent (earlier,
 * whatever the network delay); the cap on the ids' time part is this
 * host's clock at sending + ttl, kept in the row for the node's next
 * holder.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionnodelease.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (lease_debug);
#define GST_CAT_DEFAULT lease_debug

/* a statement's answer; a connection attempt (libpq's connect_timeout) */
#define STATEMENT_US (5 * G_USEC_PER_SEC)
#define CONNECT_TIMEOUT_S "5"

struct _AxionNodeLease
{
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean stopping;
  gint node;      /* -1: none */
  gboolean local; /* no lease table: the generator uses its local node */
  AxionNodeLeaseCounts counts;
  /* the thread's own */
  gchar *conninfo;
  gchar *holder;
  GstAxionIdGenerator *gen;
  guint ttl_ms;
  PGconn *conn;
  gint64 floor_ms;  /* the previous holder's cap: our ids are later */
  gboolean refused; /* the last connect was refused */
};

static void
disconnect (AxionNodeLease *l)
{
  g_clear_pointer (&l->conn, PQfinish);
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
connect_db (AxionNodeLease *l)
{
  const gchar *kw[] = { "connect_timeout", "application_name", NULL, NULL };
  const gchar *val[] = { CONNECT_TIMEOUT_S, "axion-node-lease", NULL, NULL };

  if (l->conn && PQstatus (l->conn) == CONNECTION_OK)
    return TRUE;
  disconnect (l);
  if (l->conninfo && *l->conninfo) {
    kw[2] = "dbname";
    val[2] = l->conninfo;
  }
  l->conn = PQconnectdbParams (kw, val, 1);
  if (PQstatus (l->conn) == CONNECTION_OK)
    return TRUE;
  /* (libpq's messages never hold the password) */
  GST_WARNING ("node lease: cannot connect to PostgreSQL: %s",
      l->conn ? PQerrorMessage (l->conn) : "out of memory");
  l->refused = l->conn && refused (PQerrorMessage (l->conn));
  disconnect (l);
  return FALSE;
}

/* One parameterised statement, answered within STATEMENT_US (else the
 * connection goes). NULL when there is no answer. */
static PGresult *
query (AxionNodeLease *l, const gchar *sql, gint n, const gchar *const *params)
{
  gint64 deadline = g_get_monotonic_time () + STATEMENT_US;
  PGresult *res = NULL, *r;

  if (!PQsendQueryParams (l->conn, sql, n, NULL, params, NULL, NULL, 0)) {
    disconnect (l);
    return NULL;
  }
  while (PQisBusy (l->conn)) {
    struct pollfd pfd = { PQsocket (l->conn), POLLIN, 0 };
    gint64 left = deadline - g_get_monotonic_time ();

    if (left <= 0 ||
        (poll (&pfd, 1, (gint) (left / 1000) + 1) < 0 && errno != EINTR)) {
      GST_WARNING ("node lease: PostgreSQL did not answer within %d s",
          (gint) (STATEMENT_US / G_USEC_PER_SEC));
      disconnect (l);
      return NULL;
    }
    if (!PQconsumeInput (l->conn))
      break;
  }
  while ((r = PQgetResult (l->conn))) {
    if (res == NULL)
      res = r;
    else
      PQclear (r);
  }
  if (res == NULL || PQstatus (l->conn) != CONNECTION_OK) {
    g_clear_pointer (&res, PQclear);
    disconnect (l);
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

static void
set_node (AxionNodeLease *l, gint node)
{
  g_mutex_lock (&l->lock);
  l->node = node;
  g_cond_broadcast (&l->cond);
  g_mutex_unlock (&l->lock);
}

static void
count (AxionNodeLease *l, guint64 *counter)
{
  g_mutex_lock (&l->lock);
  (*counter)++;
  g_mutex_unlock (&l->lock);
}

typedef enum
{
  STEP_OK,
  STEP_RETRY,     /* no answer, or all nodes held: again soon */
  STEP_NO_SCHEMA, /* the database has no lease table */
} Step;

/* Acquires a node, or renews ours; grants it to the generator. */
static Step
acquire_or_renew (AxionNodeLease *l)
{
  gint64 sent_us = g_get_monotonic_time ();
  gint64 cap_ms = g_get_real_time () / 1000 + l->ttl_ms;
  gchar *ttl = g_strdup_printf ("%u", l->ttl_ms);
  gchar *cap = g_strdup_printf ("%" G_GINT64_FORMAT, cap_ms);
  gchar *node = g_strdup_printf ("%d", l->node);
  gint held = l->node;
  PGresult *r;
  Step step = STEP_RETRY;

  if (held < 0) {
    const gchar *p[] = { l->holder, ttl, cap };
    r = query (l,
        "SELECT node_id, floor_ms FROM axion_node_lease_acquire($1, $2, $3)", 3,
        p);
  } else {
    const gchar *p[] = { node, l->holder, ttl, cap };
    r = query (l, "SELECT axion_node_lease_renew($1, $2, $3, $4)", 4, p);
  }
  g_free (ttl);
  g_free (cap);
  g_free (node);
  if (r && PQresultStatus (r) == PGRES_TUPLES_OK) {
    /* the server ends the lease ttl after it ran the statement; we stop a
     * tenth earlier than ttl after sending it */
    gint64 valid_until = sent_us + (gint64) l->ttl_ms * 900;

    if (held < 0 && PQntuples (r) == 1) {
      gint n = atoi (PQgetvalue (r, 0, 0));
      l->floor_ms = g_ascii_strtoll (PQgetvalue (r, 0, 1), NULL, 10);
      gst_axion_id_generator_set_lease (
          l->gen, n, l->floor_ms, cap_ms, valid_until);
      set_node (l, n);
      count (l, &l->counts.acquired);
      GST_INFO ("node lease: node %d acquired (ids after %" G_GINT64_FORMAT
                " ms, lease %u ms)",
          n, l->floor_ms, l->ttl_ms);
      step = STEP_OK;
    } else if (held < 0) {
      GST_WARNING ("node lease: all 4096 nodes are held; retrying");
    } else if (PQgetvalue (r, 0, 0)[0] == 't') {
      gst_axion_id_generator_set_lease (
          l->gen, held, l->floor_ms, cap_ms, valid_until);
      count (l, &l->counts.renewed);
      step = STEP_OK;
    } else {
      /* our lease had run out and another process took the node: the
       * generator stopped making ids on it already (its lease time is
       * shorter than the server's); a new node now */
      gst_axion_id_generator_revoke_lease (l->gen);
      set_node (l, -1);
      count (l, &l->counts.lost);
      GST_WARNING ("node lease: node %d was taken by another process after "
                   "our lease ran out; acquiring another",
          held);
      step = STEP_OK; /* acquire at once */
    }
  } else if (r && missing_schema (r)) {
    step = STEP_NO_SCHEMA;
  } else if (r) {
    GST_WARNING ("node lease: %s", PQresultErrorMessage (r));
  }
  if (r)
    PQclear (r);
  return step;
}

static gpointer
lease_thread (AxionNodeLease *l)
{
  gint64 renew_us = (gint64) l->ttl_ms * 1000 / 3;
  gint64 retry_us = CLAMP ((gint64) l->ttl_ms * 1000 / 10, 50000, 1000000);

  g_mutex_lock (&l->lock);
  while (!l->stopping) {
    gint64 next;
    Step step = STEP_RETRY;

    g_mutex_unlock (&l->lock);
    if (connect_db (l))
      step = acquire_or_renew (l);
    else if (l->refused && l->node < 0)
      step = STEP_NO_SCHEMA; /* (the owner reports the refusal) */
    if (step == STEP_RETRY)
      count (l, &l->counts.failures);
    g_mutex_lock (&l->lock);
    if (step == STEP_NO_SCHEMA) {
      g_message ("axion: %s: event ids use this host's local node rule, "
                 "which is unsafe when several hosts write to one database "
                 "(docs/scaling.md)",
          l->refused ? "the database refused the connection"
                     : "the database has no axion_node_leases table (run: "
                       "tools/axion-db migrate)");
      gst_axion_id_generator_use_local_node (l->gen);
      l->local = TRUE;
      g_cond_broadcast (&l->cond);
      break;
    }
    next = g_get_monotonic_time () +
        (step != STEP_OK      ? retry_us
                : l->node < 0 ? 0
                              : renew_us);
    while (!l->stopping && g_get_monotonic_time () < next)
      g_cond_wait_until (&l->cond, &l->lock, next);
  }
  g_mutex_unlock (&l->lock);

  /* stopping: no more ids on the node, then give it back */
  if (l->node >= 0) {
    gint64 last = MAX (
        gst_axion_id_generator_revoke_lease (l->gen), l->floor_ms);
    gchar *node = g_strdup_printf ("%d", l->node);
    gchar *last_s = g_strdup_printf ("%" G_GINT64_FORMAT, last);
    const gchar *p[] = { node, l->holder, last_s };

    if (connect_db (l)) {
      PGresult *r = query (
          l, "SELECT axion_node_lease_release($1, $2, $3)", 3, p);
      if (r)
        PQclear (r);
    }
    g_free (node);
    g_free (last_s);
  }
  /* given up (perhaps while a lease was on its way: given back above) */
  if (l->local)
    gst_axion_id_generator_use_local_node (l->gen);
  disconnect (l);
  return NULL;
}

AxionNodeLease *
axion_node_lease_start (
    const gchar *conninfo, GstAxionIdGenerator *gen, guint ttl_ms)
{
  AxionNodeLease *l = g_new0 (AxionNodeLease, 1);
  gchar *uuid = g_uuid_string_random ();

  GST_DEBUG_CATEGORY_INIT (
      lease_debug, "axionnodelease", 0, "Axion id node lease (PostgreSQL)");
  g_mutex_init (&l->lock);
  g_cond_init (&l->cond);
  l->node = -1;
  l->conninfo = g_strdup (conninfo);
  /* who holds it, for people reading the table; unique by the uuid */
  l->holder = g_strdup_printf (
      "%s/%d/%s", g_get_host_name (), (gint) getpid (), uuid);
  g_free (uuid);
  l->gen = gen;
  l->ttl_ms = MAX (ttl_ms, 300);
  gst_axion_id_generator_require_lease (gen);
  l->thread = g_thread_new ("axion-lease", (GThreadFunc) lease_thread, l);
  return l;
}

gint
axion_node_lease_wait (AxionNodeLease *l, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gint node;

  g_mutex_lock (&l->lock);
  while (l->node < 0 && !l->stopping && !l->local &&
      g_cond_wait_until (&l->cond, &l->lock, until))
    ;
  node = l->node;
  g_mutex_unlock (&l->lock);
  return node;
}

/* No lease yet (the database is unreachable): the generator goes back to
 * its local node, and the holder stops. */
void
axion_node_lease_give_up (AxionNodeLease *l)
{
  g_mutex_lock (&l->lock);
  if (l->node < 0 && !l->local) {
    l->local = TRUE;
    l->stopping = TRUE;
    g_cond_broadcast (&l->cond);
  }
  g_mutex_unlock (&l->lock);
}

void
axion_node_lease_get_counts (AxionNodeLease *l, AxionNodeLeaseCounts *c)
{
  g_mutex_lock (&l->lock);
  *c = l->counts;
  g_mutex_unlock (&l->lock);
}

void
axion_node_lease_stop (AxionNodeLease *l)
{
  if (l == NULL)
    return;
  g_mutex_lock (&l->lock);
  l->stopping = TRUE;
  g_cond_broadcast (&l->cond);
  g_mutex_unlock (&l->lock);
  g_thread_join (l->thread);
  g_mutex_clear (&l->lock);
  g_cond_clear (&l->cond);
  g_free (l->conninfo);
  g_free (l->holder);
  g_free (l);
}
