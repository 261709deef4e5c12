/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axiondlpusched across processes through a real Redis: four processes
 * share one stand-in accelerator, fairly, and each reads the accelerator's
 * utilisation (all processes) next to its own share; kill -9 of the lock
 * holder (one of four processes) lets the others go on within the lock TTL
 * (+ 400 ms for a loaded machine); lock holders frozen (SIGSTOP) for longer
 * than the lease on a loaded machine; a lock taken away during an inference is
 * reported.
 *
 * Exclusion is checked from the stand-in accelerator's log: every
 * inference carries the fencing number of its grant, and an inference
 * that another, later-granted one entered before it ended must have been
 * reported by its process as a lost lease (stats leases-lost). No overlap,
 * or every overlap reported: what a lease can promise when a holder can
 * be starved of CPU in the middle of an inference.
 *
 * The same binary is the child: --child N SECONDS TAG LOCKFILE LOGFILE runs
 * N live cameras and prints "ran|lost|expired|util <camera> ..." lines;
 * --burn SECONDS keeps one CPU busy.
 */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "axiontestaccel.h"

#define LOCK_TTL_MS 100

typedef struct
{
  gint in, out; /* buffers into / out of the scheduler element */
} Flow;

static GstPadProbeReturn
count_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
  return GST_PAD_PROBE_OK;
}

/* Waits until no frame is inside any scheduler (in == out, stable for
 * 300 ms): the counts read after this are the process's last, however
 * slow the machine is. */
static void
wait_quiet (Flow *flows, guint n)
{
  guint stable = 0;

  for (guint i = 0; i < 12000 && stable < 30; i++) {
    gboolean quiet = TRUE;
    g_usleep (10 * 1000);
    for (guint j = 0; j < n; j++)
      quiet &= g_atomic_int_get (&flows[j].in) ==
          g_atomic_int_get (&flows[j].out);
    stable = quiet ? stable + 1 : 0;
  }
}

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
  Flow flows[8] = { { 0 } };
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
    {
      GstPad *sp = gst_element_get_static_pad (sched[i], "sink");
      GstPad *rp = gst_element_get_static_pad (sched[i], "src");
      gst_pad_add_probe (
          sp, GST_PAD_PROBE_TYPE_BUFFER, count_probe, &flows[i].in, NULL);
      gst_pad_add_probe (
          rp, GST_PAD_PROBE_TYPE_BUFFER, count_probe, &flows[i].out, NULL);
      gst_object_unref (sp);
      gst_object_unref (rp);
    }
  }
  for (guint i = 0; i < n; i++)
    gst_element_set_state (pipes[i], GST_STATE_PLAYING);
  g_usleep ((gulong) secs * G_USEC_PER_SEC);
  /* pause (live sources stop making frames) and let every frame that is
   * waiting or running finish, so the counts read below are this
   * process's last: slow (sanitizer) builds take long to stop, and other
   * processes keep the accelerator busy meanwhile */
  for (guint i = 0; i < n; i++)
    gst_element_set_state (pipes[i], GST_STATE_PAUSED);
  wait_quiet (flows, n);
  for (guint i = 0; i < n; i++) {
    GstStructure *s;
    guint64 ran = 0, rerr = 0, lost = 0, expired = 0;
    gdouble util = -1, own = -1;
    GstMessage *m;
    GstBus *bus = gst_element_get_bus (pipes[i]);

    g_object_get (sched[i], "stats", &s, NULL);
    gst_structure_get_uint64 (s, "inferences-run", &ran);
    gst_structure_get_uint64 (s, "redis-errors", &rerr);
    gst_structure_get_uint64 (s, "leases-lost", &lost);
    gst_structure_get_uint64 (s, "leases-expired", &expired);
    gst_structure_get_double (s, "accelerator-utilisation", &util);
    gst_structure_get_double (s, "process-utilisation", &own);
    g_print ("ran %s-c%u %" G_GUINT64_FORMAT "\n", tag, i, ran);
    g_print ("lost %s-c%u %" G_GUINT64_FORMAT "\n", tag, i, lost);
    g_print ("expired %s-c%u %" G_GUINT64_FORMAT "\n", tag, i, expired);
    g_print ("util %s-c%u %.4f %.4f\n", tag, i, util, own);
    {
      gchar *all = gst_structure_to_string (s);
      g_printerr ("child %s (pid %d): %s\n", tag, (int) getpid (), all);
      g_free (all);
    }
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
  /* entering while another process is inside is judged by the parent
   * (reported as a lost lease, or not) */
  if (axion_test_accel_violations () > 0)
    g_printerr ("child %s: accelerator entered concurrently %u times\n", tag,
        axion_test_accel_violations ());
  return rc;
}

static int
burn_main (guint secs)
{
  gint64 end = g_get_monotonic_time () + (gint64) secs * G_USEC_PER_SEC;
  volatile guint64 x = 0;

  while (g_get_monotonic_time () < end)
    for (int i = 0; i < 100000; i++)
      x++;
  return 0;
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

/* what one child process reported */
typedef struct
{
  gint pid;
  guint64 lost, expired;
  guint n_util;
  gdouble util[8], own[8]; /* accelerator's, its own share */
} Report;

/* collects "ran <camera> <n>" lines (and the child's lost leases and
 * utilisation into @rep, when given) */
static void
collect (GSubprocess *p, GHashTable *counts, gboolean expect_ok, Report *rep)
{
  gchar *out = NULL;
  GError *err = NULL;
  gchar **lines;

  if (rep) {
    /* rep->pid: set by the caller at spawn (the identifier is gone once
     * the child has exited) */
    gint pid = rep->pid;
    memset (rep, 0, sizeof (*rep));
    rep->pid = pid;
  }

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
    gdouble u, o;
    if (sscanf (*l, "ran %63s %" G_GUINT64_FORMAT, cam, &n) == 2)
      g_hash_table_insert (
          counts, g_strdup (cam), GUINT_TO_POINTER ((guint) n));
    else if (rep && sscanf (*l, "lost %63s %" G_GUINT64_FORMAT, cam, &n) == 2)
      rep->lost += n;
    else if (rep &&
        sscanf (*l, "expired %63s %" G_GUINT64_FORMAT, cam, &n) == 2)
      rep->expired += n;
    else if (rep && rep->n_util < 8 &&
        sscanf (*l, "util %63s %lf %lf", cam, &u, &o) == 3) {
      rep->util[rep->n_util] = u;
      rep->own[rep->n_util++] = o;
    }
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

typedef struct
{
  gint pid;
  gint64 start, end;
  guint64 fence;
} Inference;

static gint
by_fence (gconstpointer a, gconstpointer b)
{
  const Inference *x = a, *y = b;
  return x->fence < y->fence ? -1 : x->fence > y->fence;
}

/* The accelerator's log against the processes' reports: every inference
 * has a fencing number, no two the same; an inference that a later-granted
 * one (higher number) entered before it ended was not exclusive, and its
 * process must have counted that many lost leases. @skip_pid (a killed
 * process, which reported nothing) is not checked. Returns the number of
 * inferences that were not exclusive. */
static guint
check_fenced (const gchar *logf, Report *reps, guint n_reps, gint skip_pid)
{
  gchar *contents = NULL, **lines;
  GArray *infs = g_array_new (FALSE, FALSE, sizeof (Inference));
  GHashTable *overlaps = g_hash_table_new (NULL, NULL);
  guint total = 0;

  fail_unless (g_file_get_contents (logf, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (gchar **l = lines; *l; l++) {
    Inference inf;
    gchar cam[64];
    if (**l == '\0')
      continue;
    fail_unless (sscanf (*l,
                     "%d %63s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                     " %" G_GUINT64_FORMAT,
                     &inf.pid, cam, &inf.start, &inf.end, &inf.fence) == 5 &&
            inf.fence > 0,
        "inference without a fencing number: \"%s\"", *l);
    g_array_append_val (infs, inf);
  }
  g_array_sort (infs, by_fence);
  for (guint i = 0; i < infs->len; i++) {
    Inference *a = &g_array_index (infs, Inference, i);
    if (i > 0)
      fail_unless (a->fence != g_array_index (infs, Inference, i - 1).fence,
          "two inferences with fencing number %" G_GUINT64_FORMAT, a->fence);
    for (guint j = i + 1; j < infs->len; j++) {
      Inference *b = &g_array_index (infs, Inference, j);
      if (b->start < a->end) {
        guint n = GPOINTER_TO_UINT (
            g_hash_table_lookup (overlaps, GINT_TO_POINTER (a->pid)));
        g_hash_table_insert (
            overlaps, GINT_TO_POINTER (a->pid), GUINT_TO_POINTER (n + 1));
        total++;
        GST_INFO ("inference %" G_GUINT64_FORMAT " (pid %d) still ran when "
                  "%" G_GUINT64_FORMAT " (pid %d) entered",
            a->fence, a->pid, b->fence, b->pid);
        break;
      }
    }
  }
  for (guint i = 0; i < n_reps; i++) {
    guint n = GPOINTER_TO_UINT (
        g_hash_table_lookup (overlaps, GINT_TO_POINTER (reps[i].pid)));
    if (reps[i].pid == skip_pid)
      continue;
    fail_unless (n <= reps[i].lost,
        "process %d: %u inferences overlapped a later grant, but it "
        "reported %" G_GUINT64_FORMAT " lost leases",
        reps[i].pid, n, reps[i].lost);
  }
  GST_INFO ("%u inferences, %u not exclusive (all reported)", infs->len, total);
  g_hash_table_unref (overlaps);
  g_array_unref (infs);
  g_strfreev (lines);
  g_free (contents);
  return total;
}

/* The inferences of each process in the accelerator's log (it knows the
 * process, not the camera), counted in the
 * window where every process was running (from the last process's first
 * inference to the first process's last): fairness is a property of
 * processes competing, not of one starting late (under ASan and the leaks
 * tracer at once one child's start-up lagged by seconds: 4 inferences
 * against 22 over the whole run). Returns the window's length in s. */
static gdouble
window_counts (const gchar *logf, GHashTable *counts)
{
  gchar *contents = NULL, **lines;
  GHashTable *first = g_hash_table_new (NULL, NULL);
  GHashTable *last = g_hash_table_new (NULL, NULL);
  GHashTableIter it;
  gpointer k, v;
  gint64 from = 0, to = G_MAXINT64;

  fail_unless (g_file_get_contents (logf, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  /* pass 1: each process's span */
  for (gchar **l = lines; *l; l++) {
    gint pid;
    gchar cam[64];
    gint64 start, end;
    if (sscanf (*l, "%d %63s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &pid, cam,
            &start, &end) != 4)
      continue;
    if (!g_hash_table_contains (first, GINT_TO_POINTER (pid)))
      g_hash_table_insert (first, GINT_TO_POINTER (pid), (gpointer) *l);
    g_hash_table_insert (last, GINT_TO_POINTER (pid), (gpointer) *l);
  }
  g_hash_table_iter_init (&it, first);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    gint64 start = g_ascii_strtoll (
        strchr (strchr (v, ' ') + 1, ' ') + 1, NULL, 10);
    const gchar *l = g_hash_table_lookup (last, k);
    gint64 end = g_ascii_strtoll (
        strchr (strchr (strchr (l, ' ') + 1, ' ') + 1, ' ') + 1, NULL, 10);
    from = MAX (from, start);
    to = MIN (to, end);
  }
  /* pass 2: the inferences wholly inside the window */
  for (gchar **l = lines; *l; l++) {
    gint pid;
    gchar cam[64];
    gint64 start, end;
    if (sscanf (*l, "%d %63s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &pid, cam,
            &start, &end) != 4 ||
        start < from || end > to)
      continue;
    g_snprintf (cam, sizeof (cam), "pid%d", pid);
    g_hash_table_insert (counts, g_strdup (cam),
        GUINT_TO_POINTER (
            GPOINTER_TO_UINT (g_hash_table_lookup (counts, cam)) + 1));
  }
  g_hash_table_unref (first);
  g_hash_table_unref (last);
  g_strfreev (lines);
  g_free (contents);
  return to > from ? (to - from) / 1e6 : 0;
}

GST_START_TEST (test_four_processes_share_fairly)
{
  gchar *lockf = tmp_path ("accel-fair.lock");
  gchar *logf = tmp_path ("accel-fair.log");
  GSubprocess *p[4];
  Report reps[4];
  GHashTable *counts = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  GHashTable *in_window = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  const gchar *tags[4] = { "pa", "pb", "pc", "pd" };
  GHashTableIter it;
  gpointer k, v;
  gdouble sum = 0, sum2 = 0, jain, window_s, total = 0;
  guint n = 0;
  redisReply *r;
  GString *shown = g_string_new (NULL);

  r = rcmd ("DEL axion:dlpu:stats axion:dlpu:timeslots axion:dlpu:queue");
  freeReplyObject (r);
  for (int i = 0; i < 4; i++) {
    p[i] = spawn_child (2, 8, tags[i], lockf, logf);
    reps[i].pid = atoi (g_subprocess_get_identifier (p[i]));
  }
  for (int i = 0; i < 4; i++) {
    collect (p[i], counts, TRUE, &reps[i]);
    g_object_unref (p[i]);
  }
  fail_unless_equals_int (g_hash_table_size (counts), 8);
  check_fenced (logf, reps, 4, -1);
  g_hash_table_iter_init (&it, counts);
  while (g_hash_table_iter_next (&it, &k, &v))
    total += GPOINTER_TO_UINT (v);
  window_s = window_counts (logf, in_window);
  /* 8 s each; started one after another, however slowly */
  fail_unless (
      window_s >= 3, "the four processes ran together for %.1f s", window_s);
  fail_unless_equals_int (g_hash_table_size (in_window), 4);
  g_hash_table_iter_init (&it, in_window);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    gdouble x = GPOINTER_TO_UINT (v);
    sum += x;
    sum2 += x * x;
    n++;
    g_string_append_printf (shown, "%s=%u ", (gchar *) k, GPOINTER_TO_UINT (v));
  }
  jain = sum * sum / (n * sum2);
  g_print ("4 processes together for %.1f s: %s Jain %.4f\n", window_s,
      shown->str, jain);
  fail_unless (jain >= 0.95, "Jain %.4f over the %.1f s all four ran: %s", jain,
      window_s, shown->str);
  /* 20 inferences/s at most (50 ms each): the accelerator was kept busy
   * while all four asked (3 of 4 of that: a loaded machine) */
  fail_unless (sum >= 15 * window_s, "only %.0f inferences in %.1f s: %s", sum,
      window_s, shown->str);
  /* accelerator-utilisation is the shared accelerator's (all four
   * processes, far more offered than it can run: busy most of the time);
   * process-utilisation is the process's own share, about a quarter */
  for (int i = 0; i < 4; i++) {
    fail_unless_equals_int (reps[i].n_util, 2);
    for (guint j = 0; j < reps[i].n_util; j++) {
      GST_INFO ("process %d: accelerator-utilisation %.3f, "
                "process-utilisation %.3f",
          reps[i].pid, reps[i].util[j], reps[i].own[j]);
      fail_unless (reps[i].util[j] >= 0.5 && reps[i].util[j] <= 1.0,
          "process %d reads accelerator-utilisation %.3f for an accelerator "
          "shared by four busy processes",
          reps[i].pid, reps[i].util[j]);
      fail_unless (reps[i].own[j] > 0 && reps[i].util[j] >= 2 * reps[i].own[j],
          "process %d: accelerator-utilisation %.3f is not the shared "
          "accelerator's (its own share: process-utilisation %.3f)",
          reps[i].pid, reps[i].util[j], reps[i].own[j]);
    }
  }

  /* the §2.3 keys: stats and timeslots hashes, no lock left behind */
  r = rcmd ("HGET axion:dlpu:stats total_inferences");
  fail_unless (r->type == REDIS_REPLY_STRING);
  /* the children read their counts after their last inference (a
   * release in flight when a child stops may still reach Redis) */
  fail_unless (atoi (r->str) >= (int) total && atoi (r->str) <= (int) total + 8,
      "Redis counted %s inferences, the cameras %.0f", r->str, total);
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
  g_hash_table_unref (in_window);
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
  Report reps[4];
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
    pids[i] = reps[i].pid = atoi (g_subprocess_get_identifier (p[i]));
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
    collect (p[i], counts, pids[i] != victim, &reps[i]);
    g_object_unref (p[i]);
  }
  check_fenced (logf, reps, 4, victim);

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
  /* the lease, plus room for a loaded machine (the others poll every
   * millisecond but need not be scheduled at once): far below stale-ms,
   * so the lock did expire by itself */
  fail_unless (next_start - killed_at <= (LOCK_TTL_MS + 400) * 1000,
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

/* The machine loaded (two busy processes) and lock holders frozen with
 * SIGSTOP for three lease lengths, again and again, at whatever point of
 * their grant, inference or release they are: an inference whose lease
 * expired before it started does not start; one whose lease expired while
 * it ran is reported; the fencing numbers show any overlap. Nothing here
 * depends on how fast the machine is: the checks are on what happened. */
GST_START_TEST (test_starved_holders)
{
  gchar *lockf = tmp_path ("accel-starve.lock");
  gchar *logf = tmp_path ("accel-starve.log");
  const gchar *tags[3] = { "sa", "sb", "sc" };
  GSubprocess *p[3], *burn[2];
  Report reps[3];
  gint pids[3];
  GHashTable *counts = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  guint frozen = 0, overlaps;
  guint64 lost = 0, expired = 0;
  gint64 until;
  redisReply *r;

  r = rcmd ("DEL axion:dlpu:stats axion:dlpu:timeslots axion:dlpu:queue");
  freeReplyObject (r);
  for (int i = 0; i < 2; i++) {
    GError *err = NULL;
    burn[i] = g_subprocess_new (
        G_SUBPROCESS_FLAGS_NONE, &err, self_exe, "--burn", "14", NULL);
    fail_unless (burn[i] != NULL, "spawn: %s", err ? err->message : "?");
  }
  for (int i = 0; i < 3; i++) {
    p[i] = spawn_child (2, 12, tags[i], lockf, logf);
    pids[i] = reps[i].pid = atoi (g_subprocess_get_identifier (p[i]));
  }
  g_usleep (2 * G_USEC_PER_SEC);

  /* freeze whoever holds the lock (checked again once it is stopped) for
   * three lease lengths, let it go, repeat */
  until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (frozen < 12 && g_get_monotonic_time () < until) {
    gint pid = -1;
    r = rcmd ("GET axion:dlpu:scheduler:lock");
    if (r->type == REDIS_REPLY_STRING) {
      const gchar *colon = strrchr (r->str, ':');
      pid = colon ? atoi (colon + 1) : -1;
    }
    if (pid == pids[0] || pid == pids[1] || pid == pids[2]) {
      redisReply *again;
      kill (pid, SIGSTOP);
      again = rcmd ("GET axion:dlpu:scheduler:lock");
      if (again->type == REDIS_REPLY_STRING && g_str_equal (again->str, r->str))
        frozen++;
      freeReplyObject (again);
      g_usleep (3 * LOCK_TTL_MS * 1000);
      kill (pid, SIGCONT);
      g_usleep (2 * LOCK_TTL_MS * 1000);
    } else {
      g_usleep (1000);
    }
    freeReplyObject (r);
  }

  for (int i = 0; i < 3; i++) {
    collect (p[i], counts, TRUE, &reps[i]);
    g_object_unref (p[i]);
    lost += reps[i].lost;
    expired += reps[i].expired;
  }
  for (int i = 0; i < 2; i++) {
    g_subprocess_wait (burn[i], NULL, NULL);
    g_object_unref (burn[i]);
  }
  fail_unless (frozen >= 3, "froze a lock holder only %u times", frozen);
  overlaps = check_fenced (logf, reps, 3, -1);
  GST_INFO ("%u holders frozen: %u inferences overlapped (all reported), "
            "%" G_GUINT64_FORMAT " leases lost, %" G_GUINT64_FORMAT
            " expired before the inference started",
      frozen, overlaps, lost, expired);

  g_hash_table_unref (counts);
  g_free (lockf);
  g_free (logf);
}
GST_END_TEST;

static const gchar STEAL_LUA[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  redis.call('SET', KEYS[1], 'thief', 'PX', 1500)\n"
    "  return 1\n"
    "end\n"
    "return 0\n";

static guint64
stat_u64 (GstElement *e, const gchar *field)
{
  GstStructure *st;
  guint64 v = 0;

  g_object_get (e, "stats", &st, NULL);
  gst_structure_get_uint64 (st, field, &v);
  gst_structure_free (st);
  return v;
}

/* The lock taken from the holder while its inference runs (as when its
 * lease expired and another process took it): counted in leases-lost,
 * one warning on the bus; every grant has a fencing number from the fence
 * key next to the lock. Also: key-prefix with the old trailing ':'. */
GST_START_TEST (test_lease_taken_during_inference)
{
  gchar *d = g_strdup_printf (
      "videotestsrc is-live=true pattern=solid-color ! "
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1 ! "
      "axiondlpusched name=s camera-id=thief-c0 accelerator=steal "
      "redis-url=%s key-prefix=t13: lock-ttl-ms=%u max-idle-ms=0 "
      "detector=\"axiontestaccel latency-ms=300\" ! fakesink sync=false",
      g_getenv ("AXION_TEST_REDIS_URL"), LOCK_TTL_MS);
  GstElement *pipe = gst_parse_launch (d, NULL);
  GstElement *e;
  GstBus *bus;
  GstMessage *m;
  guint stolen = 0, warnings = 0;
  gint64 first_steal = 0, last_steal = 0, until;
  guint64 fence, fence_key;
  redisReply *r;

  fail_unless (pipe != NULL);
  e = gst_bin_get_by_name (GST_BIN (pipe), "s");
  bus = gst_element_get_bus (pipe);
  r = rcmd ("DEL t13:dlpu:stats t13:dlpu:scheduler:lock");
  freeReplyObject (r);
  gst_element_set_state (pipe, GST_STATE_PLAYING);

  /* generous: a slow machine takes longer, a broken element fails here */
  until = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;
  while (stolen < 2 && g_get_monotonic_time () < until) {
    r = rcmd ("GET t13:dlpu:scheduler:lock");
    if (r->type == REDIS_REPLY_STRING && !g_str_equal (r->str, "thief")) {
      redisReply *t = rcmd (
          "EVAL %s 1 t13:dlpu:scheduler:lock %s", STEAL_LUA, r->str);
      if (t->type == REDIS_REPLY_INTEGER && t->integer == 1) {
        stolen++;
        last_steal = g_get_monotonic_time ();
        if (first_steal == 0)
          first_steal = last_steal;
        /* the holder finds out when it releases */
        while (stat_u64 (e, "leases-lost") < stolen &&
            g_get_monotonic_time () < until)
          g_usleep (1000);
      }
      freeReplyObject (t);
    }
    freeReplyObject (r);
    g_usleep (500);
  }
  fail_unless_equals_int (stolen, 2);
  fail_unless_equals_int (stat_u64 (e, "leases-lost"), 2);
  fence = stat_u64 (e, "fencing-number");
  gst_element_set_state (pipe, GST_STATE_PAUSED);

  /* the fence key next to the lock (key-prefix "t13:" = "t13") */
  r = rcmd ("GET t13:dlpu:scheduler:fence");
  fail_unless (r->type == REDIS_REPLY_STRING, "no t13:dlpu:scheduler:fence");
  fence_key = g_ascii_strtoull (r->str, NULL, 10);
  freeReplyObject (r);
  fail_unless (fence >= 2 && fence <= fence_key,
      "fencing-number %" G_GUINT64_FORMAT ", fence key %" G_GUINT64_FORMAT,
      fence, fence_key);
  r = rcmd ("HGET t13:dlpu:stats leases_lost");
  fail_unless (r->type == REDIS_REPLY_STRING && atoi (r->str) == 2,
      "the shared stats do not count the two lost leases");
  freeReplyObject (r);
  r = rcmd ("HGET t13:dlpu:stats busy_ms");
  fail_unless (
      r->type == REDIS_REPLY_STRING && g_ascii_strtod (r->str, NULL) > 0,
      "no shared busy time in t13:dlpu:stats");
  freeReplyObject (r);

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_warning (m, &err, &dbg);
    if (strstr (err->message, "lock expired while an inference ran")) {
      warnings++;
      fail_unless (dbg && strstr (dbg, "leases-lost"), "debug: %s", dbg);
    }
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (m);
  }
  /* rate-limited: one per 10 s */
  fail_unless (warnings >= 1, "no warning about the lost lease");
  if (last_steal - first_steal < 9 * G_USEC_PER_SEC)
    fail_unless_equals_int (warnings, 1);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_object_unref (pipe);
  g_free (d);
}
GST_END_TEST;

/* Starving the holder between its grant and the start of its inference:
 * frames carry a custom meta whose copy function (run when axiondlpusched
 * copies the granted frame for the detector, after the grant and before
 * the lease check) does what a starved process suffers: another process
 * takes the lock, and this thread does not run for longer than the lease.
 * The inference must not start. */
static gint starve_armed;

static gboolean
starve_on_copy (GstBuffer *dest, GstCustomMeta *meta, GstBuffer *src,
    GQuark type, gpointer data, gpointer user_data)
{
  redisContext *c;
  redisReply *r;
  gboolean held;

  if (!g_atomic_int_get (&starve_armed))
    return TRUE;
  /* only the copy made while the element holds the lock (its granted
   * frame, on its way to the detector) */
  c = redisConnectUnix (g_getenv ("AXION_TEST_REDIS_SOCKET"));
  if (c == NULL || c->err) {
    if (c)
      redisFree (c);
    return TRUE;
  }
  r = redisCommand (c, "GET t13b:dlpu:scheduler:lock");
  held = r && r->type == REDIS_REPLY_STRING && !g_str_equal (r->str, "thief");
  if (r)
    freeReplyObject (r);
  if (held && g_atomic_int_compare_and_exchange (&starve_armed, 1, 0)) {
    r = redisCommand (c, "SET t13b:dlpu:scheduler:lock thief PX 60000");
    if (r)
      freeReplyObject (r);
    g_usleep (3 * LOCK_TTL_MS * 1000);
  }
  redisFree (c);
  return TRUE;
}

static GstPadProbeReturn
add_starve_meta (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  gst_buffer_add_custom_meta (buf, "AxionTestStarveMeta");
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_lease_expired_before_start)
{
  static const gchar *tags[] = { NULL };
  gchar *d = g_strdup_printf (
      "videotestsrc is-live=true pattern=solid-color ! "
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1 ! "
      "axiondlpusched name=s camera-id=starve-c0 accelerator=starve "
      "redis-url=%s key-prefix=t13b lock-ttl-ms=%u max-idle-ms=0 "
      "detector=\"axiontestaccel latency-ms=50\" ! fakesink sync=false",
      g_getenv ("AXION_TEST_REDIS_URL"), LOCK_TTL_MS);
  GstElement *pipe, *e;
  GstPad *sink;
  guint runs0 = axion_test_accel_runs ();
  gint64 until = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;
  redisReply *r;

  if (gst_meta_get_info ("AxionTestStarveMeta") == NULL)
    gst_meta_register_custom (
        "AxionTestStarveMeta", tags, starve_on_copy, NULL, NULL);
  r = rcmd ("DEL t13b:dlpu:scheduler:lock t13b:dlpu:stats");
  freeReplyObject (r);
  pipe = gst_parse_launch (d, NULL);
  fail_unless (pipe != NULL);
  e = gst_bin_get_by_name (GST_BIN (pipe), "s");
  sink = gst_element_get_static_pad (e, "sink");
  gst_pad_add_probe (
      sink, GST_PAD_PROBE_TYPE_BUFFER, add_starve_meta, NULL, NULL);
  g_atomic_int_set (&starve_armed, 1);
  gst_element_set_state (pipe, GST_STATE_PLAYING);

  while (stat_u64 (e, "leases-expired") == 0 && g_get_monotonic_time () < until)
    g_usleep (1000);
  fail_unless_equals_int (g_atomic_int_get (&starve_armed), 0);
  fail_unless_equals_int (stat_u64 (e, "leases-expired"), 1);
  /* the granted frame did not run, and the thief's lock keeps the others
   * out until it is deleted */
  fail_unless_equals_int (axion_test_accel_runs (), runs0);
  fail_unless_equals_int (stat_u64 (e, "inferences-run"), 0);
  fail_unless_equals_int (stat_u64 (e, "leases-lost"), 0);
  fail_unless (stat_u64 (e, "fencing-number") >= 1);
  r = rcmd ("DEL t13b:dlpu:scheduler:lock");
  freeReplyObject (r);
  /* and then it goes on */
  while (stat_u64 (e, "inferences-run") == 0 && g_get_monotonic_time () < until)
    g_usleep (1000);
  fail_unless (stat_u64 (e, "inferences-run") > 0);

  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (e);
  gst_object_unref (pipe);
  g_free (d);
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
  tcase_add_test (tc, test_starved_holders);
  tcase_add_test (tc, test_lease_taken_during_inference);
  tcase_add_test (tc, test_lease_expired_before_start);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  if (argc >= 7 && g_str_equal (argv[1], "--child"))
    return child_main (argc, argv);
  if (argc >= 3 && g_str_equal (argv[1], "--burn"))
    return burn_main (atoi (argv[2]));
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  gst_check_init (&argc, &argv);
  axion_test_accel_register ();
  s = dlpusched_redis_suite ();
  return gst_check_run_suite (s, "axiondlpusched-redis", __FILE__);
}
