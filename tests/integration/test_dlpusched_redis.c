/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axiondlpusched across processes through a real Redis: four processes
 * share one stand-in accelerator (which checks with flock() that no two
 * processes are ever inside it), fairly; kill -9 of the lock holder (one
 * of four processes) lets the others go on within the lock TTL + 100 ms.
 *
 * The same binary is the child: --child N SECONDS TAG LOCKFILE LOGFILE runs
 * N live cameras and prints "ran <camera> <count>" lines.
 */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "axiontestaccel.h"

#define LOCK_TTL_MS 100

static gchar *self_exe;

static redisReply *
rcmd (const gchar *fmt, ...)
{
  redisContext *c = redisConnectUnix (g_getenv ("AXION_TEST_REDIS_SOCKET"));
  redisReply *r;
  va_list ap;

  fail_unless (c != NULL && !c->err, "cannot reach the test Redis");
  va_start (ap, fmt);
  r = redisvCommand (c, fmt, ap);
  va_end (ap);
  redisFree (c);
  fail_unless (r != NULL);
  return r;
}

static int
child_main (int argc, char **argv)
{
  guint n = atoi (argv[2]);
  guint secs = atoi (argv[3]);
  const gchar *tag = argv[4], *lockf = argv[5], *logf = argv[6];
  GstElement *pipes[8], *sched[8];
  int rc = 0;

  gst_init (NULL, NULL);
  axion_test_accel_register ();
  for (guint i = 0; i < n && i < 8; i++) {
    gchar *d = g_strdup_printf (
        "videotestsrc is-live=true pattern=solid-color ! "
        "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1 ! "
        "axiondlpusched name=s camera-id=%s-c%u accelerator=shared "
        "redis-url=%s lock-ttl-ms=%u max-idle-ms=0 "
        "detector=\"axiontestaccel latency-ms=50 lock-file=%s log-file=%s\" "
        "! fakesink sync=false",
        tag, i, g_getenv ("AXION_TEST_REDIS_URL"), LOCK_TTL_MS, lockf, logf);
    GError *err = NULL;
    pipes[i] = gst_parse_launch (d, &err);
    g_free (d);
    if (pipes[i] == NULL) {
      g_printerr ("child: %s\n", err ? err->message : "?");
      return 2;
    }
    sched[i] = gst_bin_get_by_name (GST_BIN (pipes[i]), "s");
  }
  for (guint i = 0; i < n; i++)
    gst_element_set_state (pipes[i], GST_STATE_PLAYING);
  g_usleep ((gulong) secs * G_USEC_PER_SEC);
  /* pause (live sources stop making frames) and let every frame that is
   * waiting or running finish (waits end by stale-ms, 1 s), so the counts
   * read below are this process's last: slow (sanitizer) builds take long
   * to stop, and other processes keep the accelerator busy meanwhile */
  for (guint i = 0; i < n; i++)
    gst_element_set_state (pipes[i], GST_STATE_PAUSED);
  g_usleep (1300 * 1000);
  for (guint i = 0; i < n; i++) {
    GstStructure *s;
    guint64 ran = 0, rerr = 0;
    GstMessage *m;
    GstBus *bus = gst_element_get_bus (pipes[i]);

    g_object_get (sched[i], "stats", &s, NULL);
    gst_structure_get_uint64 (s, "inferences-run", &ran);
    gst_structure_get_uint64 (s, "redis-errors", &rerr);
    g_print ("ran %s-c%u %" G_GUINT64_FORMAT "\n", tag, i, ran);
    if (rerr)
      g_printerr ("child %s: %" G_GUINT64_FORMAT " Redis errors\n", tag, rerr);
    gst_structure_free (s);
    if ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
      GError *e;
      gst_message_parse_error (m, &e, NULL);
      g_printerr ("child %s: error %s\n", tag, e->message);
      g_error_free (e);
      gst_message_unref (m);
      rc = 4;
    }
    gst_object_unref (bus);
  }
  for (guint i = 0; i < n; i++) {
    gst_element_set_state (pipes[i], GST_STATE_NULL);
    gst_object_unref (sched[i]);
    gst_object_unref (pipes[i]);
  }
  if (axion_test_accel_violations () > 0) {
    g_printerr ("child %s: accelerator entered concurrently\n", tag);
    rc = 3;
  }
  return rc;
}

static GSubprocess *
spawn_child (guint n, guint secs, const gchar *tag, const gchar *lockf,
    const gchar *logf)
{
  gchar ns[8], ss[8];
  GError *err = NULL;
  GSubprocess *p;

  g_snprintf (ns, sizeof (ns), "%u", n);
  g_snprintf (ss, sizeof (ss), "%u", secs);
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err, self_exe,
      "--child", ns, ss, tag, lockf, logf, NULL);
  fail_unless (p != NULL, "spawn: %s", err ? err->message : "?");
  return p;
}

/* collects "ran <camera> <n>" lines */
static void
collect (GSubprocess *p, GHashTable *counts, gboolean expect_ok)
{
  gchar *out = NULL;
  GError *err = NULL;
  gchar **lines;

  fail_unless (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &err));
  if (expect_ok) {
    fail_unless (
        g_subprocess_get_if_exited (p) && g_subprocess_get_exit_status (p) == 0,
        "a child failed (exit %d): concurrency or pipeline error",
        g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1);
  }
  lines = g_strsplit (out ? out : "", "\n", -1);
  for (gchar **l = lines; *l; l++) {
    gchar cam[64];
    guint64 n;
    if (sscanf (*l, "ran %63s %" G_GUINT64_FORMAT, cam, &n) == 2)
      g_hash_table_insert (
          counts, g_strdup (cam), GUINT_TO_POINTER ((guint) n));
  }
  g_strfreev (lines);
  g_free (out);
}

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (g_getenv ("AXION_TEST_TMPDIR")
          ? g_getenv ("AXION_TEST_TMPDIR")
          : g_get_tmp_dir (),
      name, NULL);
}

GST_START_TEST (test_four_processes_share_fairly)
{
  gchar *lockf = tmp_path ("accel-fair.lock");
  gchar *logf = tmp_path ("accel-fair.log");
  GSubprocess *p[4];
  GHashTable *counts = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  const gchar *tags[4] = { "pa", "pb", "pc", "pd" };
  GHashTableIter it;
  gpointer k, v;
  gdouble sum = 0, sum2 = 0, jain;
  guint n = 0;
  redisReply *r;
  GString *shown = g_string_new (NULL);

  r = rcmd ("DEL axion:dlpu:stats axion:dlpu:timeslots axion:dlpu:queue");
  freeReplyObject (r);
  for (int i = 0; i < 4; i++)
    p[i] = spawn_child (2, 8, tags[i], lockf, logf);
  for (int i = 0; i < 4; i++) {
    collect (p[i], counts, TRUE);
    g_object_unref (p[i]);
  }
  fail_unless_equals_int (g_hash_table_size (counts), 8);
  g_hash_table_iter_init (&it, counts);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    gdouble x = GPOINTER_TO_UINT (v);
    sum += x;
    sum2 += x * x;
    n++;
    g_string_append_printf (shown, "%s=%u ", (gchar *) k, GPOINTER_TO_UINT (v));
  }
  jain = sum * sum / (n * sum2);
  GST_INFO ("4 processes: %s Jain %.4f", shown->str, jain);
  fail_unless (jain >= 0.95, "Jain %.4f: %s", jain, shown->str);
  /* 8 s at 20 inferences/s minus start-up: the accelerator was kept busy */
  fail_unless (sum >= 100, "only %.0f inferences: %s", sum, shown->str);

  /* the §2.3 keys: stats and timeslots hashes, no lock left behind */
  r = rcmd ("HGET axion:dlpu:stats total_inferences");
  fail_unless (r->type == REDIS_REPLY_STRING);
  /* the children read their counts after their last inference (a
   * release in flight when a child stops may still reach Redis) */
  fail_unless (atoi (r->str) >= (int) sum && atoi (r->str) <= (int) sum + 8,
      "Redis counted %s inferences, the cameras %.0f", r->str, sum);
  freeReplyObject (r);
  r = rcmd ("HLEN axion:dlpu:timeslots");
  fail_unless_equals_int (r->integer, 8);
  freeReplyObject (r);
  r = rcmd ("EXISTS axion:dlpu:scheduler:lock");
  fail_unless_equals_int (r->integer, 0);
  freeReplyObject (r);
  r = rcmd ("TYPE axion:dlpu:queue");
  fail_unless (g_str_equal (r->str, "zset") || g_str_equal (r->str, "none"));
  freeReplyObject (r);

  g_string_free (shown, TRUE);
  g_hash_table_unref (counts);
  g_free (lockf);
  g_free (logf);
}
GST_END_TEST;

GST_START_TEST (test_kill_lock_holder)
{
  gchar *lockf = tmp_path ("accel-kill.lock");
  gchar *logf = tmp_path ("accel-kill.log");
  const gchar *tags[4] = { "ka", "kb", "kc", "kd" };
  GSubprocess *p[4];
  GHashTable *counts = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  gchar *holder = NULL, *contents = NULL, **lines;
  gint victim = -1;
  gint64 killed_at = 0, next_start = 0;
  redisReply *r;

  r = rcmd ("DEL axion:dlpu:stats axion:dlpu:timeslots axion:dlpu:queue");
  freeReplyObject (r);
  gint pids[4];

  for (int i = 0; i < 4; i++) {
    p[i] = spawn_child (2, 7, tags[i], lockf, logf);
    pids[i] = atoi (g_subprocess_get_identifier (p[i]));
  }
  g_usleep (3 * G_USEC_PER_SEC);

  /* the lock value ends in ":<host>:<pid>" of its holder: freeze that
   * process (SIGSTOP), check it still holds the lock, then kill -9 it;
   * when it released in between, let it go on and try again */
  for (int tries = 0; tries < 5000 && victim < 0; tries++) {
    gint pid = -1;
    r = rcmd ("GET axion:dlpu:scheduler:lock");
    if (r->type == REDIS_REPLY_STRING) {
      const gchar *colon = strrchr (r->str, ':');
      pid = colon ? atoi (colon + 1) : -1;
      if (pid > 0) {
        redisReply *again;
        kill (pid, SIGSTOP);
        again = rcmd ("GET axion:dlpu:scheduler:lock");
        if (again->type == REDIS_REPLY_STRING &&
            g_str_equal (again->str, r->str)) {
          kill (pid, SIGKILL);
          killed_at = g_get_real_time ();
          holder = g_strdup (r->str);
          victim = pid;
        } else {
          kill (pid, SIGCONT);
        }
        freeReplyObject (again);
      }
    }
    freeReplyObject (r);
    if (victim < 0)
      g_usleep (500);
  }
  fail_unless (victim > 0, "never caught a holder holding the lock");
  fail_unless (holder != NULL);

  for (int i = 0; i < 4; i++) {
    collect (p[i], counts, pids[i] != victim);
    g_object_unref (p[i]);
  }

  /* the first inference by anyone after the kill */
  fail_unless (g_file_get_contents (logf, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (gchar **l = lines; *l; l++) {
    gint pid;
    gint64 start, end;
    gchar cam[64];
    if (sscanf (*l, "%d %63s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &pid, cam,
            &start, &end) != 4)
      continue;
    fail_if (pid == victim && start > killed_at, "the dead process ran");
    if (pid != victim && start > killed_at &&
        (next_start == 0 || start < next_start))
      next_start = start;
  }
  fail_unless (next_start > 0, "nobody ran after the kill");
  GST_INFO ("next inference %.1f ms after kill -9 of the holder",
      (next_start - killed_at) / 1000.0);
  fail_unless (next_start - killed_at <= (LOCK_TTL_MS + 100) * 1000,
      "others waited %.1f ms after the holder died (lock TTL %d ms)",
      (next_start - killed_at) / 1000.0, LOCK_TTL_MS);

  g_strfreev (lines);
  g_free (contents);
  g_free (holder);
  g_hash_table_unref (counts);
  g_free (lockf);
  g_free (logf);
}
GST_END_TEST;

static Suite *
dlpusched_redis_suite (void)
{
  Suite *s = suite_create ("axiondlpusched-redis");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_four_processes_share_fairly);
  tcase_add_test (tc, test_kill_lock_holder);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  if (argc >= 7 && g_str_equal (argv[1], "--child"))
    return child_main (argc, argv);
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  gst_check_init (&argc, &argv);
  s = dlpusched_redis_suite ();
  return gst_check_run_suite (s, "axiondlpusched-redis", __FILE__);
}
