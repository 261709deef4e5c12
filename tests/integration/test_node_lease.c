/* Integration tests: id node leases in a real PostgreSQL 15
 * (gst-libs/gst/axion/axionnodelease.c, sql/005_node_leases.sql), run
 * through tests/fixtures/with-servers --pg, and --pgbouncer (then every
 * lease statement goes through PgBouncer in transaction pooling), and in
 * a real Redis 7 (axionnodeleaseredis.c) with --redis and
 * AXION_TEST_LEASE_STORE=redis.
 *
 * Holders in other processes run this binary again as
 *   test_node_lease --hold TTL_MS OUTFILE
 * which leases a node for the default generator, writes "node id..." to
 * OUTFILE (native int64s: the node, then 1000 ids) and waits for its stdin
 * to close before giving the node back. */
#include <gst/check/gstcheck.h>
#include <gst/axion/axion.h>
#include <gst/axion/axionnodelease.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>
#include "pgtest.h"

#define N_HOLDERS 4
#define N_IDS 1000

static PGconn *conn;          /* direct: to look and to meddle */
static const gchar *lease_ci; /* what the holders use */
static gchar *self_exe;
/* the Redis store instead (AXION_TEST_LEASE_STORE=redis) */
static gboolean use_redis;
static const gchar *redis_url;
static redisContext *rctx;
#define RKEY "axion:node-lease:"

static gchar *
sql1 (const gchar *sql)
{
  PGresult *r = PQexec (conn, sql);
  gchar *v;

  fail_unless (PQresultStatus (r) == PGRES_TUPLES_OK ||
          PQresultStatus (r) == PGRES_COMMAND_OK,
      "%s: %s", sql, PQresultErrorMessage (r));
  v = PQntuples (r) > 0 ? g_strdup (PQgetvalue (r, 0, 0)) : NULL;
  PQclear (r);
  return v;
}

static gint64
sql_int (const gchar *sql)
{
  gchar *v = sql1 (sql);
  gint64 n = v ? g_ascii_strtoll (v, NULL, 10) : -1;
  g_free (v);
  return n;
}

/* a Redis command's integer (or number in a string) answer; -1: nil */
static gint64
redis_int (const gchar *fmt, ...)
{
  va_list ap;
  redisReply *r;
  gint64 v = -1;

  if (rctx == NULL || rctx->err) {
    g_clear_pointer (&rctx, redisFree);
    rctx = redisConnectUnix (g_getenv ("AXION_TEST_REDIS_SOCKET"));
    fail_unless (rctx && !rctx->err, "cannot connect to the test Redis");
  }
  va_start (ap, fmt);
  r = redisvCommand (rctx, fmt, ap);
  va_end (ap);
  fail_unless (r && r->type != REDIS_REPLY_ERROR, "%s: %s", fmt,
      r ? r->str : rctx->errstr);
  if (r->type == REDIS_REPLY_INTEGER)
    v = r->integer;
  else if (r->type == REDIS_REPLY_STRING)
    v = g_ascii_strtoll (r->str, NULL, 10);
  freeReplyObject (r);
  return v;
}

static AxionNodeLease *
lease_start (GstAxionIdGenerator *gen, guint ttl_ms)
{
  if (use_redis)
    return axion_node_lease_start_redis (redis_url, NULL, gen, ttl_ms);
  return axion_node_lease_start (lease_ci, gen, ttl_ms);
}

static void
reset_leases (void)
{
  if (use_redis) {
    /* (a Redis that never held leases waits a lease length: trusted at
     * once here; test_redis_without_lease_data_waits tests the wait) */
    redis_int ("FLUSHDB");
    redis_int ("SET " RKEY "trusted 0");
  } else
    g_free (sql1 ("UPDATE axion_node_leases SET holder = '', expires_at = "
                  "'-infinity', id_ms_cap = 0, renewals = 0, takeovers = 0"));
}

/* leases live in the store now */
static gint64
live_leases (void)
{
  if (use_redis)
    return redis_int ("EVAL %s 1 %s",
        "local n = 0 for i = 0, 4095 do "
        "n = n + redis.call('EXISTS', KEYS[1] .. i) end return n",
        RKEY);
  return sql_int ("SELECT count(*) FROM axion_node_leases WHERE expires_at > "
                  "clock_timestamp()");
}

/* every node but @node held by 'other' for good */
static void
hold_all_but (gint node)
{
  gchar *sql;

  if (use_redis) {
    redis_int ("EVAL %s 1 %s %d",
        "for i = 0, 4095 do if i ~= tonumber(ARGV[1]) then "
        "redis.call('SET', KEYS[1] .. i, 'other') end end return 1",
        RKEY, node);
    return;
  }
  sql = g_strdup_printf ("UPDATE axion_node_leases SET holder = 'other', "
                         "expires_at = 'infinity' WHERE node_id <> %d",
      node);
  g_free (sql1 (sql));
  g_free (sql);
}

/* another process takes @node (as after an expiry of ours) */
static void
steal (gint node)
{
  gchar *sql;

  if (use_redis) {
    redis_int ("SET " RKEY "%d thief", node);
    redis_int ("HSET " RKEY "holders %d thief", node);
    return;
  }
  sql = g_strdup_printf ("UPDATE axion_node_leases SET holder = 'thief', "
                         "expires_at = 'infinity' WHERE node_id = %d",
      node);
  g_free (sql1 (sql));
  g_free (sql);
}

/* @node is free again */
static void
free_node (gint node)
{
  gchar *sql;

  if (use_redis) {
    redis_int ("DEL " RKEY "%d", node);
    redis_int ("HDEL " RKEY "holders %d", node);
    return;
  }
  sql = g_strdup_printf ("UPDATE axion_node_leases SET holder = '', "
                         "expires_at = '-infinity' WHERE node_id = %d",
      node);
  g_free (sql1 (sql));
  g_free (sql);
}

/* the thief of steal () still holds @node, live */
static gboolean
still_thief (gint node)
{
  gchar *sql;
  gint64 n;

  if (use_redis)
    return redis_int ("EVAL %s 1 " RKEY "%d",
               "return redis.call('GET', KEYS[1]) == 'thief' and 1 or 0",
               node) == 1;
  sql = g_strdup_printf ("SELECT count(*) FROM axion_node_leases WHERE "
                         "node_id = %d AND holder = 'thief' AND expires_at > "
                         "clock_timestamp()",
      node);
  n = sql_int (sql);
  g_free (sql);
  return n == 1;
}

/* the node's "renewals" or "takeovers" counter */
static gint64
node_counter (const gchar *what, gint node)
{
  gchar *sql;
  gint64 n;

  if (use_redis)
    return redis_int ("HGET " RKEY "%s %d", what, node);
  sql = g_strdup_printf (
      "SELECT %s FROM axion_node_leases WHERE node_id = %d", what, node);
  n = sql_int (sql);
  g_free (sql);
  return n;
}

/* ---- the holder process ---------------------------------------------- */

static int
hold (guint ttl_ms, const gchar *path)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_get_default ();
  AxionNodeLease *l = lease_start (gen, ttl_ms);
  gint64 out[1 + N_IDS];
  gchar buf[16];
  gint node = axion_node_lease_wait (l, 60000);

  if (node < 0)
    return 2;
  out[0] = node;
  for (gint i = 0; i < N_IDS; i++)
    out[1 + i] = gst_axion_id_next ();
  if (!g_file_set_contents (path, (const gchar *) out, sizeof (out), NULL))
    return 3;
  /* alive (and renewing) until the parent closes our stdin */
  while (fread (buf, 1, sizeof (buf), stdin) > 0)
    ;
  axion_node_lease_stop (l);
  return 0;
}

static GSubprocess *
spawn_holder (guint ttl_ms, const gchar *path)
{
  GError *err = NULL;
  gchar *ttl = g_strdup_printf ("%u", ttl_ms);
  GSubprocess *p = g_subprocess_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE, &err, self_exe, "--hold", ttl, path, NULL);

  fail_unless (p != NULL, "spawn: %s", err ? err->message : "?");
  g_free (ttl);
  return p;
}

/* the holder's node and ids, once it wrote them */
static gint64 *
wait_output (const gchar *path, GSubprocess *p)
{
  gchar *data = NULL;
  gsize len = 0;

  while (!g_file_get_contents (path, &data, &len, NULL) ||
      len != (1 + N_IDS) * sizeof (gint64)) {
    g_free (data);
    data = NULL;
    fail_if (g_subprocess_get_identifier (p) == NULL, "holder exited early");
    g_usleep (20000);
  }
  return (gint64 *) data;
}

static gint
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

GST_START_TEST (test_live_processes_never_share_a_node)
{
  gchar *dir = g_dir_make_tmp ("axion-lease-XXXXXX", NULL);
  GSubprocess *p[N_HOLDERS];
  gchar *paths[N_HOLDERS];
  gint64 *out[N_HOLDERS], *all = g_new (gint64, N_HOLDERS * N_IDS);

  reset_leases ();
  /* all start at once: they race for the same free node */
  for (gint i = 0; i < N_HOLDERS; i++) {
    paths[i] = g_strdup_printf ("%s/holder-%d", dir, i);
    p[i] = spawn_holder (60000, paths[i]);
  }
  for (gint i = 0; i < N_HOLDERS; i++)
    out[i] = wait_output (paths[i], p[i]);
  /* all alive now: distinct nodes, and the table says so */
  for (gint i = 0; i < N_HOLDERS; i++) {
    for (gint j = i + 1; j < N_HOLDERS; j++)
      fail_unless (out[i][0] != out[j][0], "holders %d and %d share node %d", i,
          j, (gint) out[i][0]);
    for (gint k = 1; k <= N_IDS; k++)
      fail_unless_equals_int (gst_axion_id_get_node (out[i][k]), out[i][0]);
    memcpy (all + i * N_IDS, out[i] + 1, N_IDS * sizeof (gint64));
  }
  fail_unless_equals_int64 (live_leases (), N_HOLDERS);
  qsort (all, N_HOLDERS * N_IDS, sizeof (gint64), cmp_i64);
  for (gint k = 1; k < N_HOLDERS * N_IDS; k++)
    fail_unless (all[k] != all[k - 1]);

  /* graceful stop gives the nodes back */
  for (gint i = 0; i < N_HOLDERS; i++) {
    g_output_stream_close (g_subprocess_get_stdin_pipe (p[i]), NULL, NULL);
    fail_unless (g_subprocess_wait (p[i], NULL, NULL));
    fail_unless (g_subprocess_get_successful (p[i]));
    g_object_unref (p[i]);
    g_unlink (paths[i]);
    g_free (paths[i]);
    g_free (out[i]);
  }
  fail_unless_equals_int64 (live_leases (), 0);
  g_rmdir (dir);
  g_free (dir);
  g_free (all);
}

GST_END_TEST;

GST_START_TEST (test_crashed_holder_expires_and_next_starts_after)
{
  gchar *dir = g_dir_make_tmp ("axion-lease-XXXXXX", NULL);
  gchar *path = g_strdup_printf ("%s/holder", dir);
  GSubprocess *p;
  gint64 *out, id;
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  AxionNodeLease *l;

  reset_leases ();
  p = spawn_holder (1000, path);
  out = wait_output (path, p);
  /* only the holder's node can ever be free: the others are held */
  hold_all_but ((gint) out[0]);
  g_subprocess_send_signal (p, SIGKILL);
  g_subprocess_wait (p, NULL, NULL);

  /* the node is free once the dead holder's lease ran out */
  l = lease_start (gen, 1000);
  fail_unless_equals_int (axion_node_lease_wait (l, 60000), (gint) out[0]);
  fail_unless (
      gst_axion_id_generator_try_next_at (gen, g_get_real_time () / 1000, &id));
  fail_unless_equals_int (gst_axion_id_get_node (id), (gint) out[0]);
  /* after everything the dead holder made, whatever our clock says */
  fail_unless (id > out[N_IDS]);
  fail_unless (gst_axion_id_generator_try_next_at (gen, 0, &id));
  fail_unless (id > out[N_IDS]);
  fail_unless_equals_int64 (node_counter ("takeovers", (gint) out[0]), 1);
  axion_node_lease_stop (l);
  gst_axion_id_generator_free (gen);
  g_object_unref (p);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  g_free (out);
  reset_leases ();
}

GST_END_TEST;

GST_START_TEST (test_renewal_keeps_ids_going)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  AxionNodeLease *l;
  AxionNodeLeaseCounts c;
  gint64 id;
  gint node;

  reset_leases ();
  /* 600 ms leases: valid 540 ms after each request unless renewed */
  l = lease_start (gen, 600);
  node = axion_node_lease_wait (l, 60000);
  fail_unless (node >= 0);
  do {
    g_usleep (50000);
    axion_node_lease_get_counts (l, &c);
  } while (c.renewed < 6); /* > 2 lease lengths */
  /* still ours, and ids still come (the first lease alone ended long ago) */
  fail_unless (
      gst_axion_id_generator_try_next_at (gen, g_get_real_time () / 1000, &id));
  fail_unless_equals_int (gst_axion_id_get_node (id), node);
  fail_unless_equals_int64 (c.acquired, 1);
  fail_unless_equals_int64 (c.lost, 0);
  fail_unless (node_counter ("renewals", node) >= 6);
  axion_node_lease_stop (l);
  /* given back: no more ids from this generator */
  fail_if (
      gst_axion_id_generator_try_next_at (gen, g_get_real_time () / 1000, &id));
  gst_axion_id_generator_free (gen);
}

GST_END_TEST;

GST_START_TEST (test_lost_lease_stops_ids_then_new_node)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  AxionNodeLease *l;
  AxionNodeLeaseCounts c;
  gint64 id;
  gint node, node2;

  reset_leases ();
  l = lease_start (gen, 600);
  node = axion_node_lease_wait (l, 60000);
  fail_unless (node >= 0);
  /* another process took the node (as after an expiry of ours), and all
   * the others are held */
  hold_all_but (node);
  steal (node);
  do {
    g_usleep (20000);
    axion_node_lease_get_counts (l, &c);
  } while (c.lost == 0);
  /* no ids without a node, past the lease's length, and the thief's lease
   * was not renewed over */
  for (gint i = 0; i < 20; i++) {
    fail_if (gst_axion_id_generator_try_next_at (
        gen, g_get_real_time () / 1000, &id));
    g_usleep (50000);
  }
  fail_unless_equals_int (axion_node_lease_wait (l, 0), -1);
  fail_unless (still_thief (node));
  /* a node comes free: leased at once, ids again */
  free_node (4095 - node);
  node2 = axion_node_lease_wait (l, 60000);
  fail_unless_equals_int (node2, 4095 - node);
  fail_unless (
      gst_axion_id_generator_try_next_at (gen, g_get_real_time () / 1000, &id));
  fail_unless_equals_int (gst_axion_id_get_node (id), node2);
  axion_node_lease_stop (l);
  gst_axion_id_generator_free (gen);
  reset_leases ();
}

GST_END_TEST;

GST_START_TEST (test_no_lease_table_local_rule)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  AxionNodeLease *l;
  gint64 id = 0;
  PGconn *c;
  gchar *ci;

  g_free (sql1 ("DROP DATABASE IF EXISTS axion_nolease"));
  g_free (sql1 ("CREATE DATABASE axion_nolease"));
  ci = g_strdup_printf ("%s dbname=axion_nolease", lease_ci);
  c = PQconnectdb (ci);
  fail_unless (PQstatus (c) == CONNECTION_OK);
  PQfinish (c);
  l = axion_node_lease_start (ci, gen, 600);
  /* not migrated: the generator goes back to the local rule (warned) */
  while (!gst_axion_id_generator_try_next_at (gen, 1764314560000, &id))
    g_usleep (20000);
  fail_unless (id > 0);
  axion_node_lease_stop (l);
  gst_axion_id_generator_free (gen);
  g_free (ci);
}

GST_END_TEST;

static guint rights_messages;

static void
count_rights_message (const gchar *domain, GLogLevelFlags level,
    const gchar *message, gpointer data)
{
  if (strstr (message, "may not use the lease table") &&
      strstr (message, "ON axion_node_leases"))
    g_atomic_int_inc (&rights_messages);
}

/* A database user without rights on the lease table: said once, in
 * words an administrator can act on, no ids meanwhile (never the local
 * rule); a grant while it waits and the lease follows */
GST_START_TEST (test_no_rights_said_and_waits)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  guint handler;
  AxionNodeLease *l;
  gint64 id = 0;
  gchar *ci = g_strdup_printf (
      "%s user=axion_norights", g_getenv ("AXION_TEST_PG_CONNINFO"));

  g_free (sql1 ("DROP ROLE IF EXISTS axion_norights"));
  g_free (sql1 ("CREATE ROLE axion_norights LOGIN"));
  rights_messages = 0;
  /* (gst-check has its own handler for messages: ours goes before it) */
  handler = g_log_set_handler (
      NULL, G_LOG_LEVEL_MESSAGE, count_rights_message, NULL);
  l = axion_node_lease_start (ci, gen, 600);
  for (guint i = 0; i < 500 && g_atomic_int_get (&rights_messages) == 0; i++)
    g_usleep (10000);
  fail_unless_equals_int (g_atomic_int_get (&rights_messages), 1);
  fail_if (gst_axion_id_generator_try_next_at (gen, 1764314560000, &id),
      "an id without a lease");
  g_free (sql1 ("GRANT SELECT, INSERT, UPDATE, DELETE ON axion_node_leases "
                "TO axion_norights"));
  while (!gst_axion_id_generator_try_next_at (gen, 1764314560000, &id))
    g_usleep (20000);
  fail_unless (id > 0);
  fail_unless_equals_int (g_atomic_int_get (&rights_messages), 1);
  axion_node_lease_stop (l);
  g_log_remove_handler (NULL, handler);
  gst_axion_id_generator_free (gen);
  reset_leases ();
  g_free (sql1 ("REVOKE ALL ON axion_node_leases FROM axion_norights"));
  g_free (sql1 ("DROP ROLE axion_norights"));
  g_free (ci);
}

GST_END_TEST;

/* the store stops or starts (tests/fixtures/pg-ctl, redis-ctl) */
static void
store_ctl (const gchar *what)
{
  gchar *cmd = g_strdup_printf ("%s/tests/fixtures/%s %s", AXION_SRCDIR,
      use_redis ? "redis-ctl" : "pg-ctl", what);
  gint status;

  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) &&
          g_spawn_check_wait_status (status, NULL),
      "%s failed", cmd);
  g_free (cmd);
}

/* A store that does not answer at start: no ids (never the local rule,
 * which could collide with another host), retries backing off, and the
 * lease as soon as it answers */
GST_START_TEST (test_store_away_at_start_waits_for_lease)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  AxionNodeLease *l;
  AxionNodeLeaseCounts c;
  gint64 id;
  gint node;

  reset_leases ();
  store_ctl ("stop");
  l = lease_start (gen, 600);
  /* 3 s: ~50 attempts at the renewal pace (60 ms), ~7 backing off
   * (through PgBouncer fewer: it holds each attempt query_wait_timeout) */
  for (gint i = 0; i < 30; i++) {
    fail_if (gst_axion_id_generator_try_next_at (
        gen, g_get_real_time () / 1000, &id));
    g_usleep (100000);
  }
  fail_unless_equals_int (axion_node_lease_wait (l, 0), -1);
  fail_if (axion_node_lease_is_local (l));
  axion_node_lease_get_counts (l, &c);
  fail_unless (
      c.failures <= 15, "%" G_GUINT64_FORMAT " attempts in 3 s", c.failures);
  store_ctl ("start");
  node = axion_node_lease_wait (l, 60000);
  fail_unless (node >= 0);
  /* (a lease answered late, as through PgBouncer while PostgreSQL starts,
   * is renewed at once before ids come) */
  for (gint i = 0; i < 500 &&
       !gst_axion_id_generator_try_next_at (
           gen, g_get_real_time () / 1000, &id);
       i++)
    g_usleep (20000);
  fail_unless_equals_int (gst_axion_id_get_node (id), node);
  axion_node_lease_stop (l);
  gst_axion_id_generator_free (gen);
  /* our own connections to the restarted store */
  g_clear_pointer (&rctx, redisFree);
  if (conn)
    PQreset (conn);
}

GST_END_TEST;

/* A Redis without lease data (new, or it lost it: restarted without
 * persistence) leases no node for one lease length: the holders that it
 * forgot stop first */
GST_START_TEST (test_redis_without_lease_data_waits)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  AxionNodeLease *l;
  gint64 id = 0;

  redis_int ("FLUSHDB");
  l = axion_node_lease_start_redis (redis_url, NULL, gen, 1500);
  while (redis_int ("EXISTS " RKEY "trusted") != 1)
    g_usleep (10000);
  /* the lease length from the first request: nothing in the first 1 s */
  fail_unless_equals_int (axion_node_lease_wait (l, 1000), -1);
  fail_if (
      gst_axion_id_generator_try_next_at (gen, g_get_real_time () / 1000, &id));
  fail_unless (axion_node_lease_wait (l, 60000) >= 0);
  axion_node_lease_stop (l);
  gst_axion_id_generator_free (gen);
}

GST_END_TEST;

/* Redis refuses the database number: the local rule, with a message */
GST_START_TEST (test_redis_refused_local_rule)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (0);
  gchar *url = g_strdup_printf ("%s?db=999", redis_url);
  AxionNodeLease *l = axion_node_lease_start_redis (url, NULL, gen, 600);
  gint64 id = 0;

  while (!gst_axion_id_generator_try_next_at (gen, 1764314560000, &id))
    g_usleep (20000);
  fail_unless (id > 0);
  fail_unless (axion_node_lease_is_local (l));
  axion_node_lease_stop (l);
  gst_axion_id_generator_free (gen);
  g_free (url);
}

GST_END_TEST;

static Suite *
node_lease_suite (void)
{
  Suite *s = suite_create ("axion-node-lease");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_live_processes_never_share_a_node);
  tcase_add_test (tc, test_crashed_holder_expires_and_next_starts_after);
  tcase_add_test (tc, test_renewal_keeps_ids_going);
  tcase_add_test (tc, test_lost_lease_stops_ids_then_new_node);
  if (use_redis) {
    tcase_add_test (tc, test_redis_refused_local_rule);
    tcase_add_test (tc, test_redis_without_lease_data_waits);
  } else {
    tcase_add_test (tc, test_no_lease_table_local_rule);
    tcase_add_test (tc, test_no_rights_said_and_waits);
  }
  /* last: it restarts the store */
  tcase_add_test (tc, test_store_away_at_start_waits_for_lease);
  return s;
}

int
main (int argc, char **argv)
{
  const gchar *ci = g_getenv ("AXION_TEST_PG_CONNINFO");
  int rc;

  lease_ci = g_getenv ("AXION_TEST_PGBOUNCER_CONNINFO");
  if (lease_ci == NULL)
    lease_ci = ci;
  use_redis = g_strcmp0 (g_getenv ("AXION_TEST_LEASE_STORE"), "redis") == 0;
  redis_url = g_getenv ("AXION_TEST_REDIS_URL");
  if (argc == 4 && g_str_equal (argv[1], "--hold")) {
    gst_init (NULL, NULL);
    return hold ((guint) atoi (argv[2]), argv[3]);
  }
  if (use_redis) {
    if (redis_url == NULL) {
      g_printerr ("run through tests/fixtures/with-servers --redis\n");
      return 2;
    }
    self_exe = g_file_read_link ("/proc/self/exe", NULL);
    g_setenv ("CK_FORK", "no", TRUE);
    gst_check_init (&argc, &argv);
    rc = gst_check_run_suite (
        node_lease_suite (), "axion_node_lease_redis", __FILE__);
    g_clear_pointer (&rctx, redisFree);
    return rc;
  }
  if (ci == NULL) {
    g_printerr ("run through tests/fixtures/with-servers --pg\n");
    return 2;
  }
  if (!pgtest_migrate ())
    return 1;
  conn = PQconnectdb (ci);
  if (PQstatus (conn) != CONNECTION_OK) {
    g_printerr ("%s\n", PQerrorMessage (conn));
    return 1;
  }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  /* CK_FORK would share the connection between processes */
  g_setenv ("CK_FORK", "no", TRUE);
  gst_check_init (&argc, &argv);
  rc = gst_check_run_suite (node_lease_suite (), "axion_node_lease", __FILE__);
  PQfinish (conn);
  return rc;
}
