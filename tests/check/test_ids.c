/* Unit tests: pipeline-generated 64-bit event ids (gstaxionid.h).
 *
 * The multi-process test runs this binary again as
 *   test_ids --generate N OUTFILE
 * in 4 processes at once; each writes its N ids (native int64) to OUTFILE
 * and exits non-zero if its own ids were not strictly increasing. */
#include <gst/check/gstcheck.h>
#include <gst/axion/axion.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Loops over many ids test with if () fail (), not fail_unless (): every
 * passing fail_unless () is a check "mark point", a message to the parent
 * process through a pipe (4.4 million of them took 10 s of this test's
 * 12 s, and longer under AddressSanitizer). */
#define N_PROCS 4
/* 4 x 1,000,000 ids: every sequence number of many milliseconds is used.
 * Under AddressSanitizer a tenth (the same code paths; the plain run
 * keeps the full count): 143 s of the CI's sanitizer stage otherwise. */
#if defined(__SANITIZE_ADDRESS__)
#define N_IDS 100000
#else
#define N_IDS 1000000
#endif

static gchar *self_exe;

static int
generate (guint64 n, const gchar *path)
{
  gint64 *ids = g_new (gint64, n);
  GError *err = NULL;

  for (guint64 i = 0; i < n; i++) {
    ids[i] = gst_axion_id_next ();
    if (ids[i] <= 0 || (i > 0 && ids[i] <= ids[i - 1])) {
      g_printerr ("id %" G_GUINT64_FORMAT " not increasing\n", i);
      return 2;
    }
  }
  if (!g_file_set_contents (
          path, (const gchar *) ids, n * sizeof (gint64), &err)) {
    g_printerr ("%s\n", err->message);
    return 3;
  }
  g_free (ids);
  return 0;
}

static gint
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

GST_START_TEST (test_layout_roundtrip)
{
  GstAxionIdGenerator *g = gst_axion_id_generator_new (0xabc);
  gint64 t = G_GINT64_CONSTANT (1764314560123); /* 2025-11-28 */
  gint64 id = gst_axion_id_generator_next_at (g, t);

  fail_unless (id > 0);
  fail_unless_equals_int64 (gst_axion_id_get_unix_ms (id), t);
  fail_unless_equals_int (gst_axion_id_get_node (id), 0xabc);
  fail_unless_equals_int (gst_axion_id_get_sequence (id), 0);
  id = gst_axion_id_generator_next_at (g, t);
  fail_unless_equals_int (gst_axion_id_get_sequence (id), 1);
  /* ids stay positive BIGINTs up to the end of the time range (2093) */
  id = gst_axion_id_generator_next_at (g, G_GINT64_CONSTANT (3900000000000));
  fail_unless (id > 0);
  gst_axion_id_generator_free (g);
}

GST_END_TEST;

GST_START_TEST (test_time_ordered_across_generators)
{
  GstAxionIdGenerator *a = gst_axion_id_generator_new (4095);
  GstAxionIdGenerator *b = gst_axion_id_generator_new (0);
  gint64 t = G_GINT64_CONSTANT (1764314560000);

  /* a later millisecond sorts after, whatever the node */
  fail_unless (gst_axion_id_generator_next_at (a, t) <
      gst_axion_id_generator_next_at (b, t + 1));
  gst_axion_id_generator_free (a);
  gst_axion_id_generator_free (b);
}

GST_END_TEST;

GST_START_TEST (test_clock_goes_backwards)
{
  GstAxionIdGenerator *g = gst_axion_id_generator_new (7);
  gint64 t = G_GINT64_CONSTANT (1764314560000), prev, id;

  prev = gst_axion_id_generator_next_at (g, t);
  /* NTP steps the clock back by 5 s */
  for (gint i = 0; i < 3000; i++) {
    id = gst_axion_id_generator_next_at (g, t - 5000 + i / 1000);
    if (id <= prev)
      fail ("id went backwards with the clock");
    prev = id;
  }
  fail_unless_equals_int (
      gst_axion_id_generator_get_clock_regressions (g), 3000);
  /* the time part never went back */
  fail_unless (gst_axion_id_get_unix_ms (prev) >= t);
  /* once the clock is past the last id again, ids follow it */
  id = gst_axion_id_generator_next_at (g, t + 10000);
  fail_unless (id > prev);
  fail_unless_equals_int64 (gst_axion_id_get_unix_ms (id), t + 10000);
  fail_unless_equals_int (gst_axion_id_get_sequence (id), 0);
  gst_axion_id_generator_free (g);
}

GST_END_TEST;

GST_START_TEST (test_sequence_exhaustion_borrows)
{
  GstAxionIdGenerator *g = gst_axion_id_generator_new (1);
  gint64 t = G_GINT64_CONSTANT (1764314560000), prev = 0, id = 0;

  for (gint i = 0; i < 5000; i++) {
    id = gst_axion_id_generator_next_at (g, t);
    if (id <= prev)
      fail ("id %d not above the one before", i);
    prev = id;
  }
  /* 5000 ids in one ms = 4 full sequences + 904: time part ran 4 ms ahead */
  fail_unless_equals_int64 (gst_axion_id_get_unix_ms (id), t + 4);
  fail_unless_equals_int (gst_axion_id_get_sequence (id), 5000 - 4 * 1024 - 1);
  /* no clock regression was counted: that was borrowing, not the clock */
  fail_unless_equals_int (gst_axion_id_generator_get_clock_regressions (g), 0);
  gst_axion_id_generator_free (g);
}

GST_END_TEST;

typedef struct
{
  gint64 *out;
  gint n;
} ThreadJob;

static gpointer
thread_ids (ThreadJob *job)
{
  for (gint k = 0; k < job->n; k++)
    job->out[k] = gst_axion_id_next ();
  return NULL;
}

GST_START_TEST (test_threads_share_generator)
{
  /* the default generator is thread-safe: 4 threads, no duplicates */
  enum
  {
    N = 50000,
    THREADS = 4
  };
  gint64 *all = g_new (gint64, N * THREADS);
  ThreadJob jobs[THREADS];
  GThread *t[THREADS];

  for (gint i = 0; i < THREADS; i++) {
    jobs[i].out = all + i * N;
    jobs[i].n = N;
    t[i] = g_thread_new ("ids", (GThreadFunc) thread_ids, &jobs[i]);
  }
  for (gint i = 0; i < THREADS; i++)
    g_thread_join (t[i]);
  for (gint i = 0; i < THREADS; i++)
    for (gint k = 1; k < N; k++)
      if (jobs[i].out[k] <= jobs[i].out[k - 1])
        fail ("thread %d: id %d not above the one before", i, k);
  qsort (all, N * THREADS, sizeof (gint64), cmp_i64);
  for (gint k = 1; k < N * THREADS; k++)
    if (all[k] == all[k - 1])
      fail ("duplicate id %" G_GINT64_FORMAT, all[k]);
  g_free (all);
}

GST_END_TEST;

static gboolean
run_children (
    guint n_procs, guint64 n_ids, const gchar *const *extra_env, gchar **paths)
{
  GSubprocess *procs[N_PROCS];
  gchar *count = g_strdup_printf ("%" G_GUINT64_FORMAT, n_ids);
  gboolean ok = TRUE;

  for (guint i = 0; i < n_procs; i++) {
    GSubprocessLauncher *l = g_subprocess_launcher_new (
        G_SUBPROCESS_FLAGS_NONE);
    GError *err = NULL;

    for (const gchar *const *e = extra_env; e && *e; e += 2)
      g_subprocess_launcher_setenv (l, e[0], e[1], TRUE);
    procs[i] = g_subprocess_launcher_spawn (
        l, &err, self_exe, "--generate", count, paths[i], NULL);
    fail_unless (procs[i] != NULL, "spawn: %s", err ? err->message : "?");
    g_object_unref (l);
  }
  for (guint i = 0; i < n_procs; i++) {
    GError *err = NULL;
    fail_unless (g_subprocess_wait (procs[i], NULL, &err));
    if (!g_subprocess_get_successful (procs[i]))
      ok = FALSE;
    g_object_unref (procs[i]);
  }
  g_free (count);
  return ok;
}

GST_START_TEST (test_four_processes_no_duplicates)
{
  gchar *dir = g_dir_make_tmp ("axion-ids-XXXXXX", NULL);
  gchar *paths[N_PROCS];
  gint64 *all = g_new (gint64, (gsize) N_PROCS * N_IDS);
  gint64 start_ms = g_get_real_time () / 1000, end_ms;
  gsize off = 0;
  guint nodes[N_PROCS];

  for (gint i = 0; i < N_PROCS; i++)
    paths[i] = g_strdup_printf ("%s/ids-%d.bin", dir, i);
  fail_unless (run_children (N_PROCS, N_IDS, NULL, paths),
      "a child's ids were not strictly increasing");
  end_ms = g_get_real_time () / 1000;

  for (gint i = 0; i < N_PROCS; i++) {
    gchar *data;
    gsize len;
    fail_unless (g_file_get_contents (paths[i], &data, &len, NULL));
    fail_unless_equals_uint64 (len, N_IDS * sizeof (gint64));
    memcpy (all + off, data, len);
    nodes[i] = gst_axion_id_get_node (all[off]);
    off += N_IDS;
    g_free (data);
    g_unlink (paths[i]);
    g_free (paths[i]);
  }
  g_rmdir (dir);
  g_free (dir);

  /* every process claimed its own node */
  for (gint i = 0; i < N_PROCS; i++)
    for (gint j = i + 1; j < N_PROCS; j++)
      fail_unless (nodes[i] != nodes[j], "processes %d and %d share node %u", i,
          j, nodes[i]);

  qsort (all, off, sizeof (gint64), cmp_i64);
  for (gsize k = 1; k < off; k++)
    if (all[k] == all[k - 1])
      fail ("duplicate id %" G_GINT64_FORMAT, all[k]);
  /* time part is the creation time (borrowing runs ahead at most ~1 s per
   * million ids) */
  fail_unless (gst_axion_id_get_unix_ms (all[0]) >= start_ms - 1);
  fail_unless (gst_axion_id_get_unix_ms (all[off - 1]) <= end_ms + 1000);
  g_free (all);
}

GST_END_TEST;

GST_START_TEST (test_node_from_environment)
{
  gchar *dir = g_dir_make_tmp ("axion-ids-XXXXXX", NULL);
  gchar *path = g_strdup_printf ("%s/ids.bin", dir);
  const gchar *env[] = { "AXION_NODE_ID", "4095", NULL };
  gchar *paths[] = { path };
  gchar *data;
  gsize len;

  fail_unless (run_children (1, 10, env, paths));
  fail_unless (g_file_get_contents (path, &data, &len, NULL));
  fail_unless_equals_int (gst_axion_id_get_node (((gint64 *) data)[9]), 4095);
  g_free (data);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_fork_claims_new_node)
{
  int fds[2];
  pid_t pid;
  guint parent_node, child_node = 0;
  gint64 parent_id, child_id = 0;
  int status;

  parent_id = gst_axion_id_next ();
  parent_node = gst_axion_id_get_node (parent_id);
  fail_unless (pipe (fds) == 0);
  pid = fork ();
  if (pid == 0) {
    gint64 id = gst_axion_id_next ();
    if (write (fds[1], &id, sizeof (id)) != sizeof (id))
      _exit (1);
    _exit (0);
  }
  fail_unless (
      read (fds[0], &child_id, sizeof (child_id)) == sizeof (child_id));
  waitpid (pid, &status, 0);
  close (fds[0]);
  close (fds[1]);
  child_node = gst_axion_id_get_node (child_id);
  fail_unless (child_node != parent_node,
      "forked child reused the parent's node %u", parent_node);
}

GST_END_TEST;


/* ---- lease mode: ids only on a node held, never past its cap ---------- */

#define HOUR_US G_GINT64_CONSTANT (3600000000)

GST_START_TEST (test_lease_required_no_ids_without_lease)
{
  GstAxionIdGenerator *g = gst_axion_id_generator_new (0);
  gint64 t = G_GINT64_CONSTANT (1764314560000), id = 0;

  gst_axion_id_generator_require_lease (g);
  fail_if (
      gst_axion_id_generator_try_next_at (g, t, &id), "an id without a lease");
  gst_axion_id_generator_set_lease (
      g, 77, 0, t + 60000, g_get_monotonic_time () + HOUR_US);
  fail_unless (gst_axion_id_generator_try_next_at (g, t, &id));
  fail_unless_equals_int (gst_axion_id_get_node (id), 77);
  fail_unless_equals_int64 (gst_axion_id_get_unix_ms (id), t);
  gst_axion_id_generator_free (g);
}

GST_END_TEST;

GST_START_TEST (test_lease_expiry_and_renewal)
{
  GstAxionIdGenerator *g = gst_axion_id_generator_new (0);
  gint64 t = G_GINT64_CONSTANT (1764314560000), id = 0, prev;

  gst_axion_id_generator_require_lease (g);
  gst_axion_id_generator_set_lease (
      g, 5, 0, t + 60000, g_get_monotonic_time () + HOUR_US);
  fail_unless (gst_axion_id_generator_try_next_at (g, t, &prev));
  /* the lease ran out (its monotonic end is past): no more ids */
  gst_axion_id_generator_set_lease (
      g, 5, 0, t + 60000, g_get_monotonic_time () - 1);
  fail_if (gst_axion_id_generator_try_next_at (g, t + 1, &id));
  /* renewed: ids go on, on the same node, still increasing */
  gst_axion_id_generator_set_lease (
      g, 5, 0, t + 60000, g_get_monotonic_time () + HOUR_US);
  fail_unless (gst_axion_id_generator_try_next_at (g, t + 1, &id));
  fail_unless (id > prev);
  fail_unless_equals_int (gst_axion_id_get_node (id), 5);
  /* lost (another holder took it): none until a new lease */
  gst_axion_id_generator_revoke_lease (g);
  fail_if (gst_axion_id_generator_try_next_at (g, t + 2, &id));
  gst_axion_id_generator_free (g);
}

GST_END_TEST;

GST_START_TEST (test_lease_cap_bounds_time)
{
  GstAxionIdGenerator *g = gst_axion_id_generator_new (0);
  gint64 t = G_GINT64_CONSTANT (1764314560000), id = 0;

  gst_axion_id_generator_require_lease (g);
  gst_axion_id_generator_set_lease (
      g, 9, 0, t + 10, g_get_monotonic_time () + HOUR_US);
  fail_unless (gst_axion_id_generator_try_next_at (g, t + 10, &id));
  /* the wall clock jumped past what the store was promised */
  fail_if (gst_axion_id_generator_try_next_at (g, t + 11, &id));
  /* borrowing a millisecond past the cap is refused too */
  for (gint i = 0; i < 1023; i++)
    if (!gst_axion_id_generator_try_next_at (g, t + 10, &id))
      fail ("id %d of the last millisecond refused", i);
  fail_if (gst_axion_id_generator_try_next_at (g, t + 10, &id));
  gst_axion_id_generator_free (g);
}

GST_END_TEST;

GST_START_TEST (test_lease_floor_after_previous_holder)
{
  /* host A held node 12 with its clock 10 s ahead of host B's: A's ids
   * reach t + 10000; B takes the node over (floor = A's cap) */
  GstAxionIdGenerator *a = gst_axion_id_generator_new (0);
  GstAxionIdGenerator *b = gst_axion_id_generator_new (0);
  gint64 t = G_GINT64_CONSTANT (1764314560000), ida = 0, idb = 0;

  gst_axion_id_generator_require_lease (a);
  gst_axion_id_generator_require_lease (b);
  gst_axion_id_generator_set_lease (
      a, 12, 0, t + 10000, g_get_monotonic_time () + HOUR_US);
  fail_unless (gst_axion_id_generator_try_next_at (a, t + 10000, &ida));
  gst_axion_id_generator_revoke_lease (a);
  gst_axion_id_generator_set_lease (
      b, 12, t + 10000, t + 60000, g_get_monotonic_time () + HOUR_US);
  /* B's clock reads t + 10000 as well, and t: both after A's last id */
  fail_unless (gst_axion_id_generator_try_next_at (b, t + 10000, &idb));
  fail_unless (idb > ida, "B repeated or preceded A's id on one node");
  fail_unless (gst_axion_id_generator_try_next_at (b, t, &idb));
  fail_unless (idb > ida);
  fail_unless_equals_int (gst_axion_id_get_node (idb), 12);
  gst_axion_id_generator_free (a);
  gst_axion_id_generator_free (b);
}

GST_END_TEST;

typedef struct
{
  GstAxionIdGenerator *g;
  gint64 id;
} WaitJob;

static gpointer
wait_for_id (WaitJob *job)
{
  job->id = gst_axion_id_generator_next_at (job->g, g_get_real_time () / 1000);
  return NULL;
}

GST_START_TEST (test_lease_next_waits_for_grant)
{
  GstAxionIdGenerator *g = gst_axion_id_generator_new (0);
  WaitJob job = { g, 0 };
  GThread *th;
  gint64 now_ms = g_get_real_time () / 1000;

  gst_axion_id_generator_require_lease (g);
  th = g_thread_new ("wait", (GThreadFunc) wait_for_id, &job);
  /* the request waits (counted) until the lease comes */
  while (gst_axion_id_generator_get_lease_waits (g) == 0)
    g_usleep (1000);
  fail_unless_equals_int64 (job.id, 0);
  gst_axion_id_generator_set_lease (
      g, 300, 0, now_ms + HOUR_US / 1000, g_get_monotonic_time () + HOUR_US);
  g_thread_join (th);
  fail_unless (job.id > 0);
  fail_unless_equals_int (gst_axion_id_get_node (job.id), 300);
  gst_axion_id_generator_free (g);
}

GST_END_TEST;

static Suite *
axion_ids_suite (void)
{
  Suite *s = suite_create ("axion-ids");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_layout_roundtrip);
  tcase_add_test (tc, test_time_ordered_across_generators);
  tcase_add_test (tc, test_clock_goes_backwards);
  tcase_add_test (tc, test_sequence_exhaustion_borrows);
  tcase_add_test (tc, test_threads_share_generator);
  tcase_add_test (tc, test_four_processes_no_duplicates);
  tcase_add_test (tc, test_node_from_environment);
  tcase_add_test (tc, test_fork_claims_new_node);
  tcase_add_test (tc, test_lease_required_no_ids_without_lease);
  tcase_add_test (tc, test_lease_expiry_and_renewal);
  tcase_add_test (tc, test_lease_cap_bounds_time);
  tcase_add_test (tc, test_lease_floor_after_previous_holder);
  tcase_add_test (tc, test_lease_next_waits_for_grant);
  return s;
}

int
main (int argc, char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--generate")) {
    gst_init (NULL, NULL);
    return generate (g_ascii_strtoull (argv[2], NULL, 10), argv[3]);
  }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    self_exe = g_strdup (argv[0]);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (axion_ids_suite (), "axion_ids", __FILE__);
}
