/* Integration test: axionpgsink against a real PostgreSQL 15 (run through
 * tests/fixtures/with-servers --pg): exact rows, idempotent replays,
 * outages with a spool, replay by the next process, errors, secrets. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include "startcheck.h"
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include "pgtest.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
#include <stdlib.h>

static PGconn *conn;
static const gchar *conninfo;
/* what the sinks use: PgBouncer's when the run has one (with-servers
 * --pgbouncer), else conninfo (the test's own connection is direct) */
static const gchar *sink_conninfo;

static void db_ensure (void);

/* the test's own connection (made again when a test left it closed) */
static PGconn *
db (void)
{
  if (conn == NULL)
    db_ensure ();
  return conn;
}

#define scalar(sql) pgtest_scalar (db (), (sql))

#define assert_sql(expected, ...)                                              \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *q_ = g_strdup_printf (__VA_ARGS__);                                 \
    gchar *v_ = scalar (q_);                                                   \
    fail_unless_equals_string (v_, expected);                                  \
    g_free (v_);                                                               \
    g_free (q_);                                                               \
  }                                                                            \
  G_STMT_END

static gint64
count_rows (const gchar *table, const gchar *camera)
{
  gchar *q = g_strdup_printf (
      "SELECT count(*) FROM %s WHERE camera_id = '%s'", table, camera);
  gchar *v = scalar (q);
  gint64 n = g_ascii_strtoll (v, NULL, 10);
  g_free (v);
  g_free (q);
  return n;
}

/* poll (no timing assertion: a generous bound only to end a broken run) */
static gboolean
wait_rows (const gchar *table, const gchar *camera, gint64 n)
{
  for (gint i = 0; i < 1200; i++) {
    if (count_rows (table, camera) >= n)
      return TRUE;
    g_usleep (50000);
  }
  return FALSE;
}

/* entries in @dir (-1 when it cannot be opened) */
static gint
count_files (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  gint n = 0;

  if (d == NULL)
    return -1;
  while (g_dir_read_name (d))
    n++;
  g_dir_close (d);
  return n;
}

/* the names in @dir, for failure messages */
static gchar *
list_files (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  GString *s = g_string_new (NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d)))
    g_string_append_printf (s, "%s ", name);
  if (d)
    g_dir_close (d);
  return g_string_free (s, FALSE);
}

static GstBuffer *
make_frame (const gchar *camera, guint64 n, gint64 t0_us)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64 * 48 * 3 / 2, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);

  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, t0_us + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_frame_hash (m, "00112233445566ff");
  if (n == 10)
    gst_axion_frame_meta_set_motion (m, 0.3, GST_AXION_MOTION_STATE_START);
  else if (n > 10 && n < 20)
    gst_axion_frame_meta_set_motion (m, 0.3, GST_AXION_MOTION_STATE_CONTINUE);
  else if (n == 20)
    gst_axion_frame_meta_set_motion (m, 0.0, GST_AXION_MOTION_STATE_END);
  else
    gst_axion_frame_meta_set_motion (m, 0.0, GST_AXION_MOTION_STATE_IDLE);
  if (n == 10)
    gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_START);
  else if (n > 10 && n < 20)
    gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_CONTINUE);
  else if (n == 20)
    gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_END);
  if (n >= 12 && n <= 14)
    gst_axion_roi_add_detection (buf, "person", 0.9, 10, 10, 20, 30);
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 10;
  return buf;
}

static GstHarness *
new_sink (const gchar *extra)
{
  gchar *desc = g_strdup_printf ("axionpgsink name=s conninfo=\"%s\" "
                                 "batch-size=16 flush-interval-ms=50 %s",
      sink_conninfo, extra ? extra : "");
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=64,"
      "height=48,framerate=10/1");
  return h;
}

static GstStructure *
sink_stats (GstHarness *h)
{
  GstElement *s = gst_bin_get_by_name (GST_BIN (h->element), "s");
  GstStructure *st;
  g_object_get (s, "stats", &st, NULL);
  gst_object_unref (s);
  return st;
}

GST_START_TEST (test_rows_exact_and_idempotent)
{
  GstHarness *h = new_sink (NULL);
  GstBuffer *bufs[50];
  gint64 t0 = g_get_real_time ();
  GstAxionAnalysis *a = gst_axion_analysis_new ();

  for (guint i = 0; i < 50; i++)
    bufs[i] = make_frame ("CAM_T1", i, t0);
  a->analysis_id = gst_axion_id_next ();
  a->trigger_event_id = gst_axion_frame_meta_get_event_id (
      gst_buffer_get_axion_frame_meta (bufs[10]), GST_AXION_EVENT_MOTION_START);
  a->camera_id = g_strdup ("CAM_T1");
  a->event_time_us = t0 + 1000000;
  a->frame_number = 10;
  a->request_type = g_strdup ("anomaly_detection");
  a->risk_assessment = g_strdup ("high");
  a->should_alert = TRUE;
  a->alert_reason = g_strdup ("person at night");
  a->raw_json = g_strdup ("{\"id\":\"msg_x\"}");
  gst_buffer_add_axion_analysis_meta (bufs[30], a);
  gst_axion_analysis_free (a);

  for (guint i = 0; i < 50; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_ref (bufs[i])), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* EOS returned: everything is committed */
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_T1"), 50);
  /* 11 motion events, and an object_detected for each of frames 12-14
   * (detection regions without an event: derived by the sink) */
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_T1"), 14);
  assert_sql ("12,13,14 person",
      "SELECT string_agg (frame_number::text, ',' ORDER BY frame_number) "
      "|| ' ' || min (objects_detected->0->>'class') FROM camera_events "
      "WHERE camera_id = 'CAM_T1' AND event_type = 'object_detected'");
  assert_sql ("1 9 1",
      "SELECT sum((event_phase = 'start')::int) || ' ' || "
      "sum((event_phase = 'continue')::int) || ' ' || "
      "sum((event_phase = 'end')::int) FROM camera_events WHERE camera_id = "
      "'CAM_T1'");
  assert_sql ("3",
      "SELECT count(*) FROM camera_events WHERE camera_id = 'CAM_T1' AND "
      "event_type <> 'object_detected' AND "
      "objects_detected @> '[{\"class\": \"person\"}]'");
  assert_sql ("1",
      "SELECT count(*) FROM claude_analyses WHERE camera_id = "
      "'CAM_T1' AND trigger_event_id IN (SELECT event_id FROM "
      "camera_events WHERE event_phase = 'start')");
  assert_sql ("4 person at night",
      "SELECT severity || ' ' || description "
      "FROM alerts WHERE camera_id = 'CAM_T1'");
  assert_sql ("online 64x48 10",
      "SELECT status || ' ' || active_resolution_width || 'x' || "
      "active_resolution_height || ' ' || active_fps FROM cameras WHERE "
      "camera_id = 'CAM_T1'");
  assert_sql ("00112233445566ff",
      "SELECT DISTINCT frame_hash FROM "
      "frame_metadata WHERE camera_id = 'CAM_T1'");
  gst_harness_teardown (h);

  /* the same buffers again (a replay): nothing new */
  h = new_sink (NULL);
  for (guint i = 0; i < 50; i++)
    gst_harness_push (h, bufs[i]);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_T1"), 50);
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_T1"), 14);
  fail_unless_equals_int64 (count_rows ("claude_analyses", "CAM_T1"), 1);
  fail_unless_equals_int64 (count_rows ("alerts", "CAM_T1"), 1);
  {
    /* the replayed rows were recognised, not silently lost: 50 frames,
     * 14 events (the derived ones too: same ids), 1 analysis, 1 alert
     * already present */
    GstElement *s = gst_harness_find_element (h, "axionpgsink");
    GstStructure *st;
    guint64 dup = 0;
    g_object_get (s, "stats", &st, NULL);
    fail_unless (gst_structure_get_uint64 (st, "rows-duplicate", &dup));
    fail_unless_equals_int64 (dup, 66);
    gst_structure_free (st);
    gst_object_unref (s);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
pg_ctl (const gchar *args)
{
  gchar *cmd = g_strdup_printf ("%s %s", g_getenv ("AXION_TEST_PG_CTL"), args);
  gint status;
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s failed", cmd);
  g_free (cmd);
}

/* PostgreSQL stopped by a test (the test's connection closed first) */
static void
db_stop (void)
{
  PQfinish (conn);
  conn = NULL;
  pg_ctl ("stop fast");
}

static void
db_start (void)
{
  pg_ctl ("start");
  conn = PQconnectdb (conninfo);
}

/* Before each test: the server up and connected, also after a test that
 * failed while it was stopped (otherwise one failure took every later
 * test down with it, the first as a crash on a closed connection). */
static void pg_thaw (void);

static void
db_ensure (void)
{
  pg_thaw (); /* a test that failed with the server stopped */
  if (conn && PQstatus (conn) == CONNECTION_OK)
    return;
  PQfinish (conn);
  conn = PQconnectdb (conninfo);
  if (PQstatus (conn) != CONNECTION_OK) {
    gchar *cmd = g_strdup_printf ("%s start", g_getenv ("AXION_TEST_PG_CTL"));
    g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
    g_free (cmd);
    PQfinish (conn);
    conn = PQconnectdb (conninfo);
  }
}

/* ---- a server that hangs: PostgreSQL SIGSTOP'd ---------------------- */

/* the postmaster and its children, stopped by pg_freeze() (continued by
 * pg_thaw(), which every test's fixture also calls: a failed test never
 * leaves the server stopped) */
static GArray *frozen;

static GPid
postmaster_pid (void)
{
  gchar *path = g_build_filename (
      g_getenv ("AXION_TEST_PGDATA"), "postmaster.pid", NULL);
  gchar *text = NULL;
  GPid pid = 0;

  if (g_file_get_contents (path, &text, NULL, NULL))
    pid = (GPid) g_ascii_strtoll (text, NULL, 10);
  g_free (text);
  g_free (path);
  return pid;
}

/* the processes whose parent is @parent */
static void
children_of (GPid parent, GArray *out)
{
  GDir *d = g_dir_open ("/proc", 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *path, *stat = NULL, *p;
    if (!g_ascii_isdigit (name[0]))
      continue;
    path = g_strdup_printf ("/proc/%s/stat", name);
    /* "pid (comm) state ppid ...": comm may hold spaces and ')' */
    if (g_file_get_contents (path, &stat, NULL, NULL) &&
        (p = strrchr (stat, ')')) != NULL) {
      GPid ppid = 0;
      if (sscanf (p + 1, " %*c %d", &ppid) == 1 && ppid == parent) {
        GPid pid = (GPid) g_ascii_strtoll (name, NULL, 10);
        g_array_append_val (out, pid);
      }
    }
    g_free (stat);
    g_free (path);
  }
  if (d)
    g_dir_close (d);
}

static void
pg_thaw (void)
{
  if (frozen == NULL)
    return;
  for (guint i = 0; i < frozen->len; i++)
    kill (g_array_index (frozen, GPid, i), SIGCONT);
  g_array_unref (frozen);
  frozen = NULL;
}

/* Every PostgreSQL process stopped (the postmaster first, so it starts
 * nothing new): connected backends hang, new connections wait. */
static void
pg_freeze (void)
{
  GPid pm = postmaster_pid ();

  fail_unless (pm > 0, "no postmaster.pid in AXION_TEST_PGDATA");
  pg_thaw ();
  frozen = g_array_new (FALSE, FALSE, sizeof (GPid));
  fail_unless (
      kill (pm, SIGSTOP) == 0, "SIGSTOP %d: %s", pm, g_strerror (errno));
  g_array_append_val (frozen, pm);
  children_of (pm, frozen);
  for (guint i = 1; i < frozen->len; i++)
    kill (g_array_index (frozen, GPid, i), SIGSTOP);
}

typedef struct
{
  GstElement *element;
  gint done; /* atomic */
  GstStateChangeReturn ret;
} NullJob;

static gpointer
set_null (NullJob *job)
{
  job->ret = gst_element_set_state (job->element, GST_STATE_NULL);
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

/* PostgreSQL hangs (every process SIGSTOP'd) while the sink is connected
 * and writing: EOS ends within eos-timeout-ms (plus a generous margin),
 * and set_state(NULL) returns (it waited for the hung backend for ever: a
 * blocking PQexec/PQgetResult on a unix socket). The rows of the
 * abandoned transaction are spooled: once the server runs again, the
 * next start replays them, every row exactly once. The statement timeout
 * is the default (30 s): stop and EOS do not wait for it. @n frames are
 * pushed while it hangs: with @batch_size 16, small batches (one round
 * trip, results read at the next flush); with 1000, one large batch (the
 * COPY way). */
static void
hung_server_case (const gchar *camera, guint batch_size, guint n)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s eos-timeout-ms=1000 "
                                  "metrics-interval-ms=0 batch-size=%u",
      spool, batch_size);
  GstHarness *h = new_sink (extra);
  gint64 t0 = g_get_real_time (), start, eos_ms;
  NullJob job = { NULL, 0, GST_STATE_CHANGE_FAILURE };
  GThread *t;
  GstStructure *st;
  guint64 spooled = 0;
  gchar *q;
  gint k;

  for (guint i = 0; i < 20; i++)
    gst_harness_push (h, make_frame (camera, i, t0));
  fail_unless (wait_rows ("frame_metadata", camera, 20));

  pg_freeze ();
  for (guint i = 20; i < 20 + n; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame (camera, i, t0)), GST_FLOW_OK);
  g_usleep (300000); /* the worker is writing to the hung server */
  start = g_get_monotonic_time ();
  gst_harness_push_event (h, gst_event_new_eos ());
  eos_ms = (g_get_monotonic_time () - start) / 1000;

  /* the state change in a thread: a hang must fail the test, not hold it
   * (a bound only to end a broken run) */
  job.element = h->element;
  t = g_thread_new ("set-null", (GThreadFunc) set_null, &job);
  for (k = 0; k < 600 && !g_atomic_int_get (&job.done); k++)
    g_usleep (50000);
  st = sink_stats (h);
  gst_structure_get_uint64 (st, "rows-spooled", &spooled);
  gst_structure_free (st);
  pg_thaw ();
  g_thread_join (t);
  fail_unless (k < 600, "set_state(NULL) hung on a stopped server");
  fail_unless_equals_int (job.ret, GST_STATE_CHANGE_SUCCESS);
  fail_unless (
      eos_ms < 1000 + 20000, "EOS took %" G_GINT64_FORMAT " ms", eos_ms);
  fail_unless (spooled > 0, "nothing spooled");
  gst_harness_teardown (h);

  /* the server runs again: the next start replays the spool */
  db_ensure ();
  h = new_sink (extra);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (count_rows ("frame_metadata", camera), 20 + n);
  q = g_strdup_printf ("SELECT count(DISTINCT frame_number) FROM "
                       "frame_metadata WHERE camera_id = '%s'",
      camera);
  {
    gchar *v = scalar (q), *want = g_strdup_printf ("%u", 20 + n);
    fail_unless_equals_string (v, want);
    g_free (v);
    g_free (want);
  }
  g_free (q);
  fail_unless_equals_int64 (count_rows ("camera_events", camera), 14);
  fail_unless_equals_int (count_files (spool), 0);
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_START_TEST (test_hung_server_never_freezes)
{
  hung_server_case ("CAM_HANG", 16, 40);
  hung_server_case ("CAM_HANG_COPY", 1000, 400);
}

GST_END_TEST;

GST_START_TEST (test_outage_spool_replay)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s eos-timeout-ms=60000", spool);
  GstHarness *h = new_sink (extra);
  gint64 t0 = g_get_real_time ();
  GstStructure *st;
  guint64 spooled = 0;

  for (guint i = 0; i < 30; i++)
    gst_harness_push (h, make_frame ("CAM_T2", i, t0));
  fail_unless (wait_rows ("frame_metadata", "CAM_T2", 30));

  db_stop ();
  for (guint i = 30; i < 70; i++)
    gst_harness_push (h, make_frame ("CAM_T2", i, t0));
  /* they went to the spool */
  for (gint k = 0; k < 400 && spooled < 40; k++) {
    st = sink_stats (h);
    gst_structure_get_uint64 (st, "rows-spooled", &spooled);
    gst_structure_free (st);
    g_usleep (50000);
  }
  fail_unless (
      spooled >= 40, "only %" G_GUINT64_FORMAT " rows spooled", spooled);
  db_start ();
  for (guint i = 70; i < 100; i++)
    gst_harness_push (h, make_frame ("CAM_T2", i, t0));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* every frame exactly once */
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_T2"), 100);
  assert_sql ("100",
      "SELECT count(DISTINCT frame_number) FROM "
      "frame_metadata WHERE camera_id = 'CAM_T2'");
  st = sink_stats (h);
  {
    guint spool_files;
    guint64 replayed;
    gst_structure_get_uint (st, "spool-files", &spool_files);
    gst_structure_get_uint64 (st, "rows-replayed", &replayed);
    fail_unless_equals_int (spool_files, 0);
    fail_unless (replayed >= 40);
  }
  gst_structure_free (st);
  gst_harness_teardown (h);
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_END_TEST;

GST_START_TEST (test_spool_replayed_by_next_process)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *desc = g_strdup_printf (
      "axionpgsink conninfo=\"host=/nonexistent-axion dbname=x\" "
      "spool-dir=%s eos-timeout-ms=200 flush-interval-ms=20",
      spool);
  GstHarness *h = gst_harness_new_parse (desc);
  gint64 t0 = g_get_real_time ();
  gint files = 0;

  /* PostgreSQL unreachable: the pipeline still runs and spools */
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=64,"
      "height=48,framerate=10/1");
  for (guint i = 0; i < 20; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("CAM_T3", i, t0)), GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);
  files = count_files (spool);
  fail_unless (files > 0, "nothing was spooled");
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_T3"), 0);

  /* the next process with the same spool replays it */
  g_free (desc);
  desc = g_strdup_printf ("spool-dir=%s", spool);
  h = new_sink (desc);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_T3"), 20);
  gst_harness_teardown (h);
  files = count_files (spool);
  fail_unless (files == 0, "left in the spool: %s", list_files (spool));
  g_rmdir (spool);
  g_free (spool);
  g_free (desc);
}

GST_END_TEST;

static gchar *
start_error (const gchar *ci)
{
  GstStateChangeReturn ret;
  gchar *text = start_error_of (
      "axionpgsink", "conninfo", ci, "require-connection", &ret);

  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  return text;
}

GST_START_TEST (test_errors_and_secrets)
{
  gchar *msg, *ci, *v;
  GstElement *e;
  PGresult *r;

  /* unreachable + require-connection: a clear error, no password shown */
  msg = start_error ("host=/nonexistent-axion dbname=x password=hunter2");
  fail_unless (strstr (msg, "Cannot connect") != NULL, "%s", msg);
  fail_if (strstr (msg, "hunter2") != NULL, "%s", msg);
  g_free (msg);

  /* a database without the schema: names the migrate command */
  r = PQexec (db (), "CREATE DATABASE axion_empty");
  PQclear (r);
  ci = g_strdup_printf ("%s dbname=axion_empty password=hunter2", conninfo);
  msg = start_error (ci);
  fail_unless (
      strstr (msg, "axion-db") != NULL && strstr (msg, "migrate") != NULL, "%s",
      msg);
  fail_if (strstr (msg, "hunter2") != NULL, "%s", msg);
  g_free (msg);

  /* read-back never has the password */
  e = gst_element_factory_make ("axionpgsink", NULL);
  g_object_set (e, "conninfo", ci, NULL);
  g_object_get (e, "conninfo", &v, NULL);
  fail_if (strstr (v, "hunter2") != NULL, "%s", v);
  fail_unless (strstr (v, "password=***") != NULL, "%s", v);
  g_free (v);
  gst_object_unref (e);
  g_free (ci);
}

GST_END_TEST;

GST_START_TEST (test_strange_strings_round_trip)
{
  GstHarness *h = new_sink (NULL);
  const gchar *label = "O'Brien \"q\" back\\slash\ttab\nnew;DROP TABLE x;--";
  const gchar *bad_utf8 = "caf\xc3\xa9 \xff\xfe end";
  GstBuffer *b = make_frame ("CAM_T4", 1, g_get_real_time ());
  GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (b);
  gchar *want_bad = g_utf8_make_valid (bad_utf8, -1);
  gchar *q;

  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_SCENE_CHANGE);
  gst_axion_roi_add_detection (b, label, 0.5, 1, 2, 3, 4);
  gst_axion_roi_add_detection (b, bad_utf8, 0.5, 1, 2, 3, 4);
  gst_harness_push (h, b);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* compare inside the server: no quoting of the expected value needed */
  q = g_strdup_printf ("SELECT objects_detected->0->>'class' FROM "
                       "camera_events WHERE camera_id = 'CAM_T4'");
  {
    gchar *v = scalar (q);
    fail_unless_equals_string (v, label);
    g_free (v);
  }
  g_free (q);
  {
    gchar *v = scalar ("SELECT objects_detected->1->>'class' FROM "
                       "camera_events WHERE camera_id = 'CAM_T4'");
    fail_unless_equals_string (v, want_bad);
    g_free (v);
  }
  assert_sql ("t", "SELECT to_regclass('frame_metadata') IS NOT NULL");
  g_free (want_bad);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_metrics_rows)
{
  GstHarness *h = new_sink ("metrics-interval-ms=50");
  gint64 t0 = g_get_real_time ();
  gchar *v = NULL;

  for (guint i = 0; i < 5; i++)
    gst_harness_push (h, make_frame ("CAM_T5", i, t0));
  /* the worker writes its health periodically */
  for (gint k = 0; k < 600; k++) {
    g_free (v);
    v = scalar ("SELECT count(*) FROM system_metrics WHERE component = "
                "'postgres' AND source_id = 's' AND metric_name = "
                "'rows_written_per_s'");
    if (g_ascii_strtoll (v, NULL, 10) >= 2)
      break;
    g_usleep (50000);
  }
  fail_unless (g_ascii_strtoll (v, NULL, 10) >= 2, "metrics rows: %s", v);
  g_free (v);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
}

GST_END_TEST;

/* 100,000 events (20,000 under the sanitizers); PostgreSQL stopped (fast
 * and immediate, alternately) and started 10 times while they flow: every
 * event exactly once. */
GST_START_TEST (test_restarts_exactly_once)
{
  /* under the sanitizers a fifth of the rows and of the batch size: the
   * same 10 restarts with 2.5 batches pushed between two of them (100,000
   * rows took 70-95 s of the sanitizer run's 133 s for this test, 11 s in
   * the plain run) */
  const gboolean sanitized = g_getenv ("ASAN_OPTIONS") != NULL;
  const guint total = sanitized ? 20000 : 100000, cycles = 10,
              per = total / cycles;
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s eos-timeout-ms=120000 "
                                  "batch-size=%u spool-fsync=false",
      spool, total / 50);
  GstHarness *h = new_sink (extra);
  GstBuffer *tmpl = gst_buffer_new_allocate (NULL, 64 * 48 * 3 / 2, NULL);
  gint64 t0 = g_get_real_time ();
  guint64 n = 0;
  gchar *want;

  for (guint c = 0; c < cycles; c++) {
    for (guint half = 0; half < 2; half++) {
      for (guint i = 0; i < per / 2; i++, n++) {
        GstBuffer *b = gst_buffer_copy (tmpl); /* shares the pixels */
        GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (b);
        gst_axion_frame_meta_set_camera_id (m, "CAM_R");
        gst_axion_frame_meta_set_frame_number (m, n);
        gst_axion_frame_meta_set_capture_time (
            m, t0 + (gint64) n * 1000, GST_AXION_CAPTURE_TIME_NTP);
        gst_axion_frame_meta_set_motion (
            m, 0.5, GST_AXION_MOTION_STATE_CONTINUE);
        gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_CONTINUE);
        fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
      }
      if (half == 0) {
        PQfinish (conn);
        conn = NULL;
        pg_ctl (c % 2 ? "stop immediate" : "stop fast");
      } else {
        db_start ();
      }
    }
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_R"), total);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_R"), total);
  want = g_strdup_printf ("%u", total);
  assert_sql (want,
      "SELECT count(DISTINCT frame_number) FROM "
      "camera_events WHERE camera_id = 'CAM_R'");
  g_free (want);
  {
    GstStructure *st = sink_stats (h);
    guint64 reconnects = 0;
    guint spool_files = 1;
    gst_structure_get_uint64 (st, "reconnects", &reconnects);
    gst_structure_get_uint (st, "spool-files", &spool_files);
    fail_unless (reconnects >= 1);
    fail_unless_equals_int (spool_files, 0);
    gst_structure_free (st);
  }
  gst_harness_teardown (h);
  gst_buffer_unref (tmpl);
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_END_TEST;

/* Frame i of a kill test's camera: capture time and event id follow from
 * i and the generator (a source that can replay, e.g. a recording). */
static GstBuffer *
kill_test_frame (const gchar *camera, guint i, GstAxionIdGenerator *gen)
{
  const gint64 t0 = G_GINT64_CONSTANT (1796000000000000); /* 2026-11-29 */
  GstBuffer *b = gst_buffer_new_allocate (NULL, 64, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (b);

  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, i);
  gst_axion_frame_meta_set_capture_time (
      m, t0 + (gint64) i * 1000, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_add_event_with_id (m, GST_AXION_EVENT_MOTION_CONTINUE,
      gst_axion_id_generator_next_at (gen, t0 / 1000));
  return b;
}

/* Child mode: push frames [0, n) of camera CAM_K with deterministic event
 * ids (a source that can replay, e.g. a recording), then EOS. */
static int
child_push (const gchar *spool, guint n, guint sleep_every)
{
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (4001);
  gchar *extra = g_strdup_printf ("spool-dir=%s batch-size=200 "
                                  "flush-interval-ms=20 eos-timeout-ms=60000",
      spool);
  GstHarness *h = new_sink (extra);

  for (guint i = 0; i < n; i++) {
    gst_harness_push (h, kill_test_frame ("CAM_K", i, gen));
    if (sleep_every && i % sleep_every == 0) {
      g_print ("pushed %u\n", i);
      g_usleep (2000);
    }
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);
  gst_axion_id_generator_free (gen);
  g_free (extra);
  return 0;
}

/* Child for the journal test: rows stay pending in memory (huge batch,
 * long flush interval); after each push returns, the count is written to
 * @progress (fixed width, in place). */
static int
child_pending (
    const gchar *spool, guint n, const gchar *progress, const gchar *props)
{
  gchar *extra = g_strdup_printf ("spool-dir=%s %s", spool,
      props ? props : "batch-size=1000000 flush-interval-ms=600000");
  GstHarness *h = new_sink (extra);
  GstAxionIdGenerator *gen = gst_axion_id_generator_new (4002);
  int fd = open (progress, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  for (guint i = 0; i < n; i++) {
    gchar num[16];
    gst_harness_push (h, kill_test_frame ("CAM_J", i, gen));
    g_snprintf (num, sizeof (num), "%010u\n", i + 1);
    if (pwrite (fd, num, 11, 0) != 11)
      return 3;
    if (i % 10 == 0)
      g_usleep (1000);
  }
  g_usleep (60 * G_USEC_PER_SEC); /* the parent kills us before this ends */
  return 0;
}

static gchar *self_exe;

/* kill -9 the process mid-run (PostgreSQL away, rows in the spool), start
 * it again with the same spool: every event exactly once */
/* kill -9 while rows are only pending in memory (not yet written nor
 * spooled): the journal in the spool dir gives them to the next start,
 * exactly once. The source is not replayed. */
/* kill -9 a child pushing CAM_J frames with @props (NULL: rows pending
 * in one huge batch); start again with the same spool: every push that
 * returned is in the database exactly once, no file left */
static void
kill9_and_recover (const gchar *props)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *progress = g_strconcat (spool, ".progress", NULL);
  GSubprocess *p;
  GError *err = NULL;
  gchar *contents = NULL;
  guint64 pushed = 0;
  gint64 events, frames;
  GstHarness *h;
  gchar *extra;

  PQclear (PQexec (db (),
      "DELETE FROM camera_events WHERE camera_id = 'CAM_J'; "
      "DELETE FROM frame_metadata WHERE camera_id = 'CAM_J'"));
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &err, self_exe,
      "--child-pending", spool, "5000", progress, props, NULL);
  fail_unless (p != NULL, "%s", err ? err->message : "");
  for (int i = 0; i < 3000 && pushed < 1500; i++) {
    g_usleep (10000);
    if (g_file_get_contents (progress, &contents, NULL, NULL))
      pushed = g_ascii_strtoull (contents, NULL, 10);
    g_clear_pointer (&contents, g_free);
  }
  fail_unless (
      pushed >= 1500, "the child pushed only %" G_GUINT64_FORMAT, pushed);
  g_subprocess_force_exit (p);
  g_subprocess_wait (p, NULL, NULL);
  fail_unless (g_subprocess_get_if_signaled (p));
  g_object_unref (p);
  fail_unless (g_file_get_contents (progress, &contents, NULL, NULL));
  pushed = g_ascii_strtoull (contents, NULL, 10);
  g_free (contents);
  if (props == NULL)
    fail_unless_equals_int64 (count_rows ("camera_events", "CAM_J"), 0);

  /* the next start with the same spool: nothing pushed, EOS */
  extra = g_strdup_printf ("spool-dir=%s", spool);
  h = new_sink (extra);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  events = count_rows ("camera_events", "CAM_J");
  frames = count_rows ("frame_metadata", "CAM_J");
  /* every push that returned is there; the one being pushed at the kill
   * may be too */
  fail_unless (events >= (gint64) pushed && events <= (gint64) pushed + 1,
      "%" G_GINT64_FORMAT " events in the database, %" G_GUINT64_FORMAT
      " pushed",
      events, pushed);
  fail_unless_equals_int64 (frames, events);
  fail_unless_equals_int (count_files (spool), 0);
  g_rmdir (spool);
  g_unlink (progress);
  g_free (progress);
  g_free (spool);
  g_free (extra);
}

/* kill -9 while rows are only pending in memory (not yet written nor
 * spooled): the journal in the spool dir gives them to the next start,
 * exactly once. The source is not replayed. */
GST_START_TEST (test_kill9_pending_rows_journaled)
{
  kill9_and_recover (NULL);
}
GST_END_TEST;

/* The same with small batches written all along: batches share journal
 * files (a new one every 64), so the journal the kill leaves also holds
 * batches that were committed; replaying them adds nothing. */
GST_START_TEST (test_kill9_shared_journal)
{
  kill9_and_recover ("batch-size=20 flush-interval-ms=100");
}

GST_END_TEST;

/* Many batches through rotating journal files: at EOS every row is
 * written and no journal is left. */
GST_START_TEST (test_journals_removed)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s batch-size=2", spool);
  GstHarness *h = new_sink (extra);
  gint64 t0 = g_get_real_time ();

  for (guint i = 0; i < 300; i++)
    gst_harness_push (h, make_frame ("CAM_JR", i, t0));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_JR"), 300);
  fail_unless_equals_int (count_files (spool), 0);
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_END_TEST;

/* A mapped journal counts only the sections within the length in its
 * header (the length is stored after each append): a section written
 * past it - an append the kill cut before its length was stored - and
 * the zeros of the mapped tail are not replayed. */
GST_START_TEST (test_journal_commit_length)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *path = g_build_filename (spool, "00000000000000000001.journal", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s", spool);
  GString *f = g_string_new (NULL);
  gint64 t0 = g_get_real_time ();
  guint64 done = 0;
  GstHarness *h;

  g_string_append_len (f, "AXIONJOURNAL 2\n\n", 16);
  g_string_append_len (f, (const gchar *) &done, 8);
  for (guint i = 0; i < 2; i++) {
    GstBuffer *buf = make_frame ("CAM_JL", i, t0);
    GstAxionFrameInfo info;
    GstAxionRow *r;
    GString *row = g_string_new (NULL);

    gst_axion_frame_info_init (&info);
    r = gst_axion_row_frame_metadata (
        gst_buffer_get_axion_frame_meta (buf), 0, &info, NULL);
    fail_unless (r != NULL);
    gst_axion_row_append_copy_text (r, row);
    g_string_append_printf (
        f, "frame_metadata 1 %" G_GSIZE_FORMAT "\n", row->len);
    g_string_append_len (f, row->str, row->len);
    if (i == 0)
      done = f->len; /* the second append never stored its length */
    gst_axion_row_free (r);
    g_string_free (row, TRUE);
    gst_buffer_unref (buf);
  }
  memcpy (f->str + 16, &done, 8);
  for (guint i = 0; i < 4096; i++)
    g_string_append_c (f, '\0');
  fail_unless (g_file_set_contents (path, f->str, f->len, NULL));

  PQclear (
      PQexec (db (), "DELETE FROM frame_metadata WHERE camera_id = 'CAM_JL'"));
  h = new_sink (extra);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_JL"), 1);
  fail_unless_equals_int (count_files (spool), 0);
  g_rmdir (spool);
  g_string_free (f, TRUE);
  g_free (path);
  g_free (extra);
  g_free (spool);
}

GST_END_TEST;

GST_START_TEST (test_kill9_then_restart)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  /* under the sanitizers 10,000 events: the kill still comes after 2,000
   * rows and with the server away (20,000 took 21 s there, twice: pgsink
   * and pgsink_pgbouncer) */
  const guint n = g_getenv ("ASAN_OPTIONS") ? 10000 : 20000;
  gchar *count = g_strdup_printf ("%u", n);
  GSubprocess *p;
  GError *err = NULL;
  gint files = 0;

  /* first run: half of it with the server up, then the server goes away,
   * then the process is killed */
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &err, self_exe,
      "--child", spool, count, "10", NULL);
  fail_unless (p != NULL, "%s", err ? err->message : "");
  fail_unless (wait_rows ("camera_events", "CAM_K", 2000));
  db_stop ();
  g_usleep (500000);
  g_subprocess_send_signal (p, SIGKILL);
  g_subprocess_wait (p, NULL, NULL);
  fail_unless (g_subprocess_get_if_signaled (p));
  g_object_unref (p);
  files = count_files (spool);
  fail_unless (files > 0, "the killed process left no spool");

  /* restart: the server is back, the same source replays from the start */
  db_start ();
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &err, self_exe,
      "--child", spool, count, "0", NULL);
  fail_unless (
      g_subprocess_wait_check (p, NULL, &err), "%s", err ? err->message : "");
  g_object_unref (p);
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_K"), n);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_K"), n);
  files = count_files (spool);
  fail_unless (files == 0, "left in the spool: %s", list_files (spool));
  g_rmdir (spool);
  g_free (spool);
  g_free (count);
}

GST_END_TEST;

/* Spool full with spool-full-policy=drop: the dropped rows are counted,
 * and every row not counted as dropped is in the database (system_metrics
 * rows are off: the sum counts the camera's rows only). */
GST_START_TEST (test_spool_full_drop_is_counted)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s spool-max-bytes=8192 "
                                  "spool-full-policy=drop "
                                  "max-queued-batches=2 batch-size=10 "
                                  "flush-interval-ms=10 eos-timeout-ms=60000 "
                                  "metrics-interval-ms=0",
      spool);
  GstHarness *h;
  gint64 t0 = g_get_real_time ();
  GstStructure *st;
  guint64 dropped = 0, full = 0, queued = 0;
  const guint n = 600;

  db_stop ();
  h = new_sink (extra);
  for (guint i = 0; i < n; i++) {
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("CAM_D", i, t0)), GST_FLOW_OK);
    if (i % 50 == 0)
      g_usleep (20000); /* let the worker fill the spool */
  }
  st = sink_stats (h);
  gst_structure_get_uint64 (st, "rows-dropped", &dropped);
  gst_structure_get_uint64 (st, "spool-full", &full);
  gst_structure_free (st);
  fail_unless (dropped > 0, "nothing dropped with a full spool");
  fail_unless (full > 0, "spool-full not counted");
  db_start ();
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  st = sink_stats (h);
  gst_structure_get_uint64 (st, "rows-dropped", &dropped);
  gst_structure_get_uint64 (st, "rows-queued", &queued);
  gst_structure_free (st);
  /* exact accounting: written + dropped = produced */
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_D") +
          count_rows ("camera_events", "CAM_D") +
          count_rows ("cameras", "CAM_D") + (gint64) dropped,
      (gint64) queued + (gint64) dropped);
  gst_harness_teardown (h);
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  const gchar *camera;
  guint limit; /* 0: until refused */
  volatile guint pushed;
  GstFlowReturn last;
} Pusher;

static gpointer
push_until_refused (Pusher *p)
{
  gint64 t0 = g_get_real_time ();

  guint n = p->limit ? p->limit : 100000;

  p->last = GST_FLOW_OK;
  for (guint i = 0; i < n && p->last == GST_FLOW_OK; i++) {
    p->last = gst_harness_push (
        p->h, make_frame (p->camera ? p->camera : "CAM_STOP", i, t0));
    p->pushed++;
  }
  return NULL;
}

/* PostgreSQL away, the spool full and spool-full-policy=block: render
 * blocks (no loss while running). Stopping must still end (it hung in
 * render forever: no unlock()), and the rows that could go nowhere are
 * counted as dropped and posted as a warning with the count. */
GST_START_TEST (test_stop_during_outage_ends)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s spool-max-bytes=4096 "
                                  "spool-full-policy=block journal=false "
                                  "max-queued-batches=1 batch-size=4 "
                                  "flush-interval-ms=10 eos-timeout-ms=2000 "
                                  "metrics-interval-ms=0",
      spool);
  Pusher p = { NULL, NULL, 0, 0, GST_FLOW_OK };
  GThread *t;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GstStructure *st;
  guint64 dropped = 0, queued = 0, spooled = 0;
  gboolean warned = FALSE;
  gint k;

  db_stop ();
  p.h = new_sink (extra);
  gst_element_set_bus (p.h->element, bus);
  t = g_thread_new ("pusher", (GThreadFunc) push_until_refused, &p);
  /* render blocks once the queue is full and nothing can be spooled */
  for (k = 0; k < 3000; k++) {
    guint batches = 0;
    st = sink_stats (p.h);
    gst_structure_get_uint (st, "queued-batches", &batches);
    gst_structure_free (st);
    if (batches >= 1 && p.pushed > 8)
      break;
    g_usleep (20000);
  }
  fail_unless (k < 3000, "render never blocked");
  fail_unless_equals_int (gst_element_set_state (p.h->element, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_thread_join (t);
  fail_unless_equals_int (p.last, GST_FLOW_FLUSHING);
  st = sink_stats (p.h);
  gst_structure_get_uint64 (st, "rows-dropped", &dropped);
  gst_structure_get_uint64 (st, "rows-queued", &queued);
  gst_structure_get_uint64 (st, "rows-spooled", &spooled);
  gst_structure_free (st);
  /* nothing silently lost: every row is in the spool or counted as
   * dropped (the last, partial batch may still fit the spool) */
  fail_unless_equals_int64 (queued, spooled + dropped);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    if (strstr (err->message, "rows dropped"))
      warned = TRUE;
    g_error_free (err);
    gst_message_unref (msg);
  }
  fail_unless (warned == (dropped > 0),
      "%" G_GUINT64_FORMAT " rows dropped, warning posted: %d", dropped,
      warned);
  gst_element_set_bus (p.h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (p.h);
  db_start ();
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_END_TEST;

/* Render blocked on a full queue (PostgreSQL away, spool full) and the
 * pipeline paused and played again: render waits out the pause
 * (gst_base_sink_wait_preroll) instead of returning FLUSHING (which
 * stopped upstream for good); once the server is back every frame is
 * written. */
GST_START_TEST (test_pause_during_outage_resumes)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s spool-max-bytes=4096 "
                                  "spool-full-policy=block journal=false "
                                  "max-queued-batches=1 batch-size=4 "
                                  "flush-interval-ms=10 eos-timeout-ms=60000 "
                                  "metrics-interval-ms=0",
      spool);
  Pusher p = { NULL, "CAM_PAUSE", 60, 0, GST_FLOW_OK };
  GThread *t;
  guint before;
  gint k;

  db_stop ();
  p.h = new_sink (extra);
  t = g_thread_new ("pusher", (GThreadFunc) push_until_refused, &p);
  /* blocked: no push returns for a while */
  for (k = 0; k < 3000; k++) {
    before = p.pushed;
    g_usleep (200000);
    if (p.pushed == before && p.pushed > 0)
      break;
  }
  fail_unless (k < 3000 && p.pushed < 60, "render never blocked");
  fail_unless (gst_element_set_state (p.h->element, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  g_usleep (100000);
  fail_unless (gst_element_set_state (p.h->element, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  db_start ();
  g_thread_join (t);
  fail_unless_equals_int (p.last, GST_FLOW_OK);
  fail_unless_equals_int (p.pushed, 60);
  fail_unless (gst_harness_push_event (p.h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_PAUSE"), 60);
  gst_harness_teardown (p.h);
  g_rmdir (spool);
  g_free (extra);
  g_free (spool);
}

GST_END_TEST;

/* EOS drains at once: with a flush interval of an hour the last rows are
 * written when EOS returns (EOS waited for the next tick: 2.1 s with
 * flush-interval-ms=2000; here the whole eos-timeout-ms, rows missing). */
GST_START_TEST (test_eos_drains_at_once)
{
  GstHarness *h = new_sink ("batch-size=100000 flush-interval-ms=3600000 "
                            "eos-timeout-ms=20000 metrics-interval-ms=0");
  gint64 t0 = g_get_real_time ();

  for (guint i = 0; i < 1000; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("CAM_EOS", i, t0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_EOS"), 1000);
  {
    /* the base class's counters: every row taken was written */
    GstStructure *st = sink_stats (h);
    guint64 queued = 0, written = 1;
    fail_unless (gst_structure_get_uint64 (st, "queued", &queued));
    fail_unless (gst_structure_get_uint64 (st, "written", &written));
    gst_structure_free (st);
    fail_unless (queued >= 1000);
    fail_unless_equals_uint64 (written, queued);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A row the server refuses as data costs that row only: the rest of its
 * batch is written, the row is kept in spool-dir/rejected/ and counted. */
GST_START_TEST (test_refused_row_set_aside)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s", spool);
  gchar *rejdir = g_build_filename (spool, "rejected", NULL);
  GstHarness *h;
  gint64 t0 = g_get_real_time ();
  guint64 rejected = 0;
  GstStructure *st;
  gint files = 0;
  PGresult *r;

  /* (only this camera: other tests' rows must not violate it) */
  r = PQexec (db (),
      "ALTER TABLE camera_events ADD CONSTRAINT "
      "axion_test_reject CHECK (camera_id <> 'CAM_X' OR "
      "frame_number <> 13)");
  fail_unless (
      PQresultStatus (r) == PGRES_COMMAND_OK, "%s", PQerrorMessage (conn));
  PQclear (r);
  h = new_sink (extra);
  for (guint i = 0; i < 20; i++)
    gst_harness_push (h, make_frame ("CAM_X", i, t0));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  r = PQexec (db (),
      "ALTER TABLE camera_events DROP CONSTRAINT "
      "axion_test_reject");
  PQclear (r);
  /* events of frames 10..19 and the object_detected of 12 and 14 (frame
   * 13's two are refused); every frame row */
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_X"), 11);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_X"), 20);
  st = sink_stats (h);
  gst_structure_get_uint64 (st, "rows-rejected", &rejected);
  gst_structure_free (st);
  fail_unless_equals_uint64 (rejected, 2);
  files = count_files (rejdir);
  fail_unless_equals_int (files, 1);
  gst_harness_teardown (h);
  g_free (rejdir);
  g_free (extra);
  g_free (spool);
}

GST_END_TEST;

/* the text of every WARNING on @bus ("message | debug", one per line) */
static gchar *
bus_warnings (GstBus *bus)
{
  GString *s = g_string_new (NULL);
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_warning (m, &err, &dbg);
    g_string_append_printf (s, "%s | %s\n", err->message, dbg);
    g_error_free (err);
    g_free (dbg);
    gst_message_unref (m);
  }
  return g_string_free (s, FALSE);
}

/* A conninfo libpq cannot parse, or a spool-dir that is no writable
 * directory, is a configuration error at start (not an outage), and says
 * what is wrong without the password. */
GST_START_TEST (test_bad_config_fails_at_start)
{
  GstStateChangeReturn ret;
  gchar *msg;

  msg = start_error_of ("axionpgsink", "conninfo",
      "dbname=axion bogus password=hunter2", NULL, &ret);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  fail_unless (strstr (msg, "conninfo") && strstr (msg, "bogus"), "%s", msg);
  fail_if (strstr (msg, "hunter2") != NULL, "%s", msg);
  g_free (msg);
  msg = start_error_of ("axionpgsink", "conninfo",
      "postgresql://u:hunter2@[::1/axion", NULL, &ret);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  fail_if (strstr (msg, "hunter2") != NULL, "%s", msg);
  g_free (msg);
  msg = start_error_of ("axionpgsink", "spool-dir", "/etc/passwd", NULL, &ret);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  fail_unless (strstr (msg, "spool-dir") != NULL, "%s", msg);
  g_free (msg);
  msg = start_error_of (
      "axionpgsink", "spool-dir", "/etc/passwd/spool", NULL, &ret);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  g_free (msg);
}

GST_END_TEST;

/* Without spool-dir the sink still spools (per camera, under
 * $XDG_STATE_HOME/axion/spool), so an outage loses nothing: the next
 * sink of that camera replays the rows. */
GST_START_TEST (test_default_spool_survives_outage)
{
  gint64 t0 = g_get_real_time ();
  gchar *dir = g_build_filename (
      g_getenv ("XDG_STATE_HOME"), "axion", "spool", "CAM_DEF", NULL);
  GstHarness *h;

  db_stop ();
  h = new_sink ("eos-timeout-ms=200");
  for (guint i = 0; i < 20; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("CAM_DEF", i, t0)), GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);
  fail_unless (count_files (dir) > 0, "nothing spooled in %s", dir);
  db_start ();
  h = new_sink (NULL);
  gst_harness_push (h, make_frame ("CAM_DEF", 20, t0));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_DEF"), 21);
  fail_unless_equals_int (count_files (dir), 0);
  g_free (dir);
}

GST_END_TEST;

/* spool-dir="" keeps rows in memory only; rows dropped then (policy
 * drop) are each in the count of an element warning. */
GST_START_TEST (test_dropped_rows_warn)
{
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  gint64 t0 = g_get_real_time ();
  guint64 dropped = 0;
  GstStructure *st;
  gchar *w;

  db_stop ();
  h = new_sink ("spool-dir=\"\" spool-full-policy=drop max-queued-batches=1 "
                "batch-size=2 flush-interval-ms=10 metrics-interval-ms=0 "
                "eos-timeout-ms=100");
  gst_element_set_bus (h->element, bus);
  for (guint i = 0; i < 60; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("CAM_DW", i, t0)), GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  st = sink_stats (h);
  gst_structure_get_uint64 (st, "rows-dropped", &dropped);
  gst_structure_free (st);
  gst_harness_teardown (h);
  fail_unless (dropped > 0);
  w = bus_warnings (bus);
  fail_unless (strstr (w, "rows dropped") != NULL, "warnings: %s", w);
  {
    /* the counts in the warnings add up to every dropped row */
    guint64 sum = 0;
    for (const gchar *p = w; (p = strstr (p, " rows ")); p++) {
      const gchar *q = p;
      while (q > w && g_ascii_isdigit (q[-1]))
        q--;
      sum += g_ascii_strtoull (q, NULL, 10);
    }
    fail_unless (sum >= dropped,
        "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
        " dropped rows in warnings: %s",
        sum, dropped, w);
  }
  g_free (w);
  gst_object_unref (bus);
  db_start ();
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  guint n;
  gint done; /* atomic */
} PushJob;

static gpointer
push_frames (PushJob *job)
{
  for (guint i = 0; i < job->n; i++)
    gst_harness_push (job->h, make_frame ("CAM_FULL", i, 0));
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

/* The spool on a full file system (a 256 KB tmpfs; skipped when it
 * cannot be mounted): spool-full-policy=drop drops and counts (it
 * blocked), no warning reads "Success", and a clean exit leaves no
 * journal file. */
GST_START_TEST (test_full_disk)
{
  gchar *dir = g_dir_make_tmp ("axion-full-XXXXXX", NULL);
  gchar *cmd = g_strdup_printf ("mount -t tmpfs -o size=256k tmpfs %s", dir);
  GstBus *bus = gst_bus_new ();
  gchar *extra, *w;
  gint status = -1;
  PushJob job = { NULL, 3000, 0 };
  GThread *t;
  GstStructure *st;
  guint64 dropped = 0, full = 0;

  if (geteuid () != 0 ||
      !g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) ||
      status != 0) {
    g_print ("SKIP test_full_disk: cannot mount a tmpfs (needs root)\n");
    g_rmdir (dir);
    g_free (dir);
    g_free (cmd);
    return;
  }
  {
    /* all but 4 KB taken: the journal begins, then finds no room */
    gchar *filler = g_build_filename (dir, "filler", NULL);
    gchar *zeros = g_malloc0 (252 * 1024);
    fail_unless (g_file_set_contents (filler, zeros, 252 * 1024, NULL));
    g_free (zeros);
    g_free (filler);
  }
  db_stop ();
  extra = g_strdup_printf ("spool-dir=%s spool-full-policy=drop "
                           "max-queued-batches=2 batch-size=10 "
                           "flush-interval-ms=10 metrics-interval-ms=0 "
                           "eos-timeout-ms=100 spool-fsync=false",
      dir);
  job.h = new_sink (extra);
  gst_element_set_bus (job.h->element, bus);
  t = g_thread_new ("push", (GThreadFunc) push_frames, &job);
  /* a bound only to end a broken run (it blocked for ever) */
  for (gint i = 0; i < 1200 && !g_atomic_int_get (&job.done); i++)
    g_usleep (50000);
  fail_unless (g_atomic_int_get (&job.done), "the stream blocked");
  g_thread_join (t);
  st = sink_stats (job.h);
  gst_structure_get_uint64 (st, "rows-dropped", &dropped);
  gst_structure_get_uint64 (st, "spool-full", &full);
  gst_structure_free (st);
  fail_unless (dropped > 0 && full > 0,
      "dropped %" G_GUINT64_FORMAT ", spool-full %" G_GUINT64_FORMAT, dropped,
      full);
  gst_harness_push_event (job.h, gst_event_new_eos ());
  gst_harness_teardown (job.h);
  w = bus_warnings (bus);
  fail_if (strstr (w, "Success") != NULL, "warnings: %s", w);
  {
    GDir *d = g_dir_open (dir, 0, NULL);
    const gchar *name;
    while ((name = g_dir_read_name (d)))
      fail_if (g_str_has_suffix (name, ".journal"), "left: %s", name);
    g_dir_close (d);
  }
  g_free (w);
  gst_object_unref (bus);
  g_free (cmd);
  cmd = g_strdup_printf ("umount %s", dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_rmdir (dir);
  db_start ();
  g_free (cmd);
  g_free (extra);
  g_free (dir);
}

GST_END_TEST;

/* A camera id ".." spools in <root>/%2E%2E, never in the root's parent
 * (whose half-written-looking files a spool removes). */
GST_START_TEST (test_camera_id_dotdot_stays_in_root)
{
  const gchar *state = g_getenv ("XDG_STATE_HOME");
  gchar *outside = g_build_filename (state, "axion", "keep.tmp", NULL);
  gchar *inside = g_build_filename (state, "axion", "spool", "%2E%2E", NULL);
  GstHarness *h;

  g_mkdir_with_parents (inside, 0700);
  fail_unless (g_file_set_contents (outside, "x", 1, NULL));
  db_stop ();
  h = new_sink ("eos-timeout-ms=100");
  gst_harness_push (h, make_frame ("..", 1, g_get_real_time ()));
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);
  db_start ();
  fail_unless (
      g_file_test (outside, G_FILE_TEST_EXISTS), "deleted %s", outside);
  fail_unless (count_files (inside) > 0, "nothing spooled in %s", inside);
  /* replayed by the next sink of that camera */
  h = new_sink (NULL);
  gst_harness_push (h, make_frame ("..", 2, g_get_real_time ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (count_rows ("frame_metadata", ".."), 2);
  g_unlink (outside);
  g_free (outside);
  g_free (inside);
}

GST_END_TEST;

/* statement-timeout-ms alone (no EOS, no stop): a server that hangs in
 * the middle of the stream is abandoned after it, the rows go to the
 * spool (last-error says why), and once it runs again they are written,
 * exactly once, by the same sink. */
GST_START_TEST (test_statement_timeout_spools)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s statement-timeout-ms=300 "
                                  "metrics-interval-ms=0 eos-timeout-ms=60000",
      spool);
  GstHarness *h = new_sink (extra);
  gint64 t0 = g_get_real_time ();
  guint64 spooled = 0;
  gchar *err = NULL;
  gint k;

  for (guint i = 0; i < 20; i++)
    gst_harness_push (h, make_frame ("CAM_STMT", i, t0));
  fail_unless (wait_rows ("frame_metadata", "CAM_STMT", 20));
  pg_freeze ();
  for (guint i = 20; i < 40; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("CAM_STMT", i, t0)), GST_FLOW_OK);
  /* a bound only to end a broken run */
  for (k = 0; k < 1200 && spooled < 20; k++) {
    GstStructure *st = sink_stats (h);
    gst_structure_get_uint64 (st, "rows-spooled", &spooled);
    g_free (err);
    err = g_strdup (gst_structure_get_string (st, "last-error"));
    gst_structure_free (st);
    g_usleep (50000);
  }
  pg_thaw ();
  fail_unless (spooled >= 20, "%" G_GUINT64_FORMAT " rows spooled", spooled);
  fail_unless (strstr (err, "statement-timeout-ms") != NULL, "%s", err);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_STMT"), 40);
  assert_sql ("40",
      "SELECT count(DISTINCT frame_number) FROM frame_metadata WHERE "
      "camera_id = 'CAM_STMT'");
  fail_unless_equals_int (count_files (spool), 0);
  g_free (err);
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_END_TEST;

/* runs @pipeline to EOS; the text of its bus's warnings (owned) */
static gchar *
run_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GString *w = g_string_new (NULL);
  GstMessage *m;

  while ((m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GstMessageType type = GST_MESSAGE_TYPE (m);
    if (type == GST_MESSAGE_WARNING) {
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_warning (m, &err, &dbg);
      g_string_append_printf (w, "%s | %s\n", err->message, dbg);
      g_error_free (err);
      g_free (dbg);
    }
    gst_message_unref (m);
    fail_if (type == GST_MESSAGE_ERROR, "error; warnings: %s", w->str);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless (m != NULL, "no EOS");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return g_string_free (w, FALSE);
}

/* No camera-id anywhere and no source URI: two pipelines of one
 * description (same element names) in one process file their rows under
 * two ids (both went under the element's name: merged), and each says so
 * on its bus; a sink with no Axion element before it writes the frames
 * under its own fallback id with a warning (it skipped them silently). */
GST_START_TEST (test_no_camera_id_never_merges)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=10 ! video/x-raw,format=I420,width=64,"
      "height=48 ! axionmotion name=nocam ! axionpgsink conninfo=\"%s\" "
      "spool-dir=\"\" metrics-interval-ms=0",
      conninfo);
  GstElement *p1 = gst_parse_launch (desc, NULL);
  GstElement *p2 = gst_parse_launch (desc, NULL);
  gchar *w1, *w2, *ids;

  fail_unless (p1 && p2);
  fail_unless (gst_element_set_state (p1, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_set_state (p2, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  w1 = run_to_eos (p1);
  w2 = run_to_eos (p2);
  ids = scalar ("SELECT string_agg (camera_id || '=' || n, ' ' ORDER BY "
                "camera_id) FROM (SELECT camera_id, count(*) AS n FROM "
                "frame_metadata WHERE camera_id LIKE 'nocam%' GROUP BY "
                "camera_id) c");
  fail_unless_equals_string (ids, "nocam=10 nocam-2=10");
  fail_unless (strstr (w1, "No camera-id set") && strstr (w1, "camera-id"),
      "warnings: %s", w1);
  fail_unless (strstr (w2, "No camera-id set") && strstr (w2, "\"nocam-2\""),
      "warnings: %s", w2);
  /* once per pipeline */
  fail_if (strstr (strstr (w1, "No camera-id set") + 1, "No camera-id set"),
      "warnings: %s", w1);
  g_free (w1);
  g_free (w2);
  g_free (ids);
  gst_object_unref (p1);
  gst_object_unref (p2);
  g_free (desc);

  /* no Axion element before the sink: nothing skipped */
  desc = g_strdup_printf ("videotestsrc num-buffers=5 ! axionpgsink "
                          "name=nocamsink conninfo=\"%s\" spool-dir=\"\" "
                          "metrics-interval-ms=0",
      conninfo);
  p1 = gst_parse_launch (desc, NULL);
  fail_unless (gst_element_set_state (p1, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  w1 = run_to_eos (p1);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "nocamsink"), 5);
  fail_unless (strstr (w1, "\"nocamsink\""), "warnings: %s", w1);
  g_free (w1);
  gst_object_unref (p1);
  g_free (desc);
}

GST_END_TEST;

/* axionalert's rule alerts become alerts rows pointing at their event,
 * whose camera_events row says alert_generated */
GST_START_TEST (test_rule_alerts_written)
{
  gchar *desc = g_strdup_printf (
      "axionalert name=a ! axionpgsink name=s conninfo=\"%s\" "
      "batch-size=16 flush-interval-ms=50",
      conninfo);
  GstHarness *h = gst_harness_new_parse (desc);
  GstElement *a = gst_bin_get_by_name (GST_BIN (h->element), "a");
  gint64 t0 = (gint64) 1893974400 * G_USEC_PER_SEC;
  gchar *v;

  g_object_set (a, "rules",
      "motion, name=m1, min-duration-ms=500, severity=4, priority=2; "
      "object, name=o1, class=person",
      NULL);
  gst_object_unref (a);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=10/1");
  for (guint64 n = 0; n < 30; n++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("ra1", n, t0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  wait_rows ("alerts", "ra1", 2);
  fail_unless_equals_int (count_rows ("alerts", "ra1"), 2);
  v = scalar ("SELECT alert_type || ' ' || severity || ' ' || priority || "
              "' ' || (alert_data->>'rule') || ' ' || frame_references::text "
              "FROM alerts WHERE camera_id = 'ra1' AND alert_type = 'motion'");
  fail_unless_equals_string (v, "motion 4 2 m1 {15}");
  g_free (v);
  v = scalar ("SELECT detected_objects::text || ' ' || confidence_score || "
              "' ' || frame_references::text FROM alerts WHERE camera_id = "
              "'ra1' AND alert_type = 'object'");
  fail_unless_equals_string (v, "{person} 0.9000 {12}");
  g_free (v);
  /* each alert's trigger is an event row of its frame, marked */
  v = scalar ("SELECT count(*) FROM alerts a JOIN camera_events e ON "
              "e.event_id = a.trigger_event_id WHERE a.camera_id = 'ra1' AND "
              "e.alert_generated AND e.frame_number = a.frame_references[1]");
  fail_unless_equals_string (v, "2");
  g_free (v);
  v = scalar ("SELECT count(*) FROM camera_events WHERE camera_id = 'ra1' "
              "AND alert_generated IS NOT TRUE AND alert_generated IS NOT "
              "NULL");
  fail_unless (atoi (v) > 5, "other events must say false, not NULL: %s", v);
  g_free (v);
  gst_harness_teardown (h);
  g_free (desc);
}

GST_END_TEST;


/* Configuration changes of the other Axion elements of the sink's
 * pipeline reach audit_log while the sink runs: one row per change with
 * the old and new value, the element (service_name) and its camera or
 * name (entity); a set to the same value, changes before start and
 * anything but the values' redaction of a credential are not written. */
GST_START_TEST (test_audit_other_elements)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc is-live=true ! video/x-raw,format=I420,width=64,"
      "height=48,framerate=30/1 ! axionmotion name=amo sensitivity=0.25 ! "
      "axionpgsink name=audsink conninfo=\"%s\" spool-dir=\"\" "
      "metrics-interval-ms=0 batch-size=1",
      sink_conninfo);
  GstElement *p = gst_parse_launch (desc, NULL);
  GstElement *mo, *dl, *sink;
  gchar *v = NULL;

  fail_unless (p != NULL);
  mo = gst_bin_get_by_name (GST_BIN (p), "amo");
  sink = gst_bin_get_by_name (GST_BIN (p), "audsink");
  /* before start: the configuration, not a change */
  g_object_set (mo, "sensitivity", 0.3, NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (p, NULL, NULL, 30 * GST_SECOND) ==
      GST_STATE_CHANGE_SUCCESS);
  /* axionmotion names its camera once frames flow (here: its element
   * name, no source URI); the change after that is the camera's: without
   * this wait the entity depended on whether the first frame had passed
   * (a CI run under load wrote 'camera amo', others 'config amo') */
  for (guint i = 0; i < 300; i++) {
    gchar *cam = NULL;
    g_object_get (mo, "camera-id", &cam, NULL);
    g_free (cam);
    if (cam != NULL)
      break;
    g_usleep (20 * 1000);
  }
  g_object_set (mo, "sensitivity", 0.75, NULL);
  g_object_set (mo, "sensitivity", 0.75, NULL); /* no change */
  g_object_set (sink, "batch-size", 2, NULL);   /* the sink's own: once */
  fail_unless (
      gst_element_set_state (p, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  /* after stop: not watched */
  g_object_set (mo, "sensitivity", 0.9, NULL);
  gst_object_unref (mo);
  gst_object_unref (sink);
  gst_object_unref (p);
  g_free (desc);

  /* redis-url changes in READY only: axiondlpusched is held there while
   * the sink (PAUSED, started) watches */
  desc = g_strdup_printf (
      "videotestsrc ! video/x-raw,format=I420,width=64,height=48 ! "
      "axiondlpusched name=adl camera-id=audcam detector=identity ! "
      "axionpgsink name=audsink2 conninfo=\"%s\" spool-dir=\"\" "
      "metrics-interval-ms=0 batch-size=1",
      sink_conninfo);
  p = gst_parse_launch (desc, NULL);
  fail_unless (p != NULL);
  dl = gst_bin_get_by_name (GST_BIN (p), "adl");
  fail_unless (
      gst_element_set_state (dl, GST_STATE_READY) == GST_STATE_CHANGE_SUCCESS);
  gst_element_set_locked_state (dl, TRUE);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
  g_object_set (dl, "redis-url", "redis://axion:hunter2@127.0.0.1:1/0", NULL);
  g_object_set (dl, "key-prefix", "audpfx", NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  gst_element_set_locked_state (dl, FALSE);
  fail_unless (
      gst_element_set_state (dl, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (dl);
  gst_object_unref (p);
  g_free (desc);

  for (guint i = 0; i < 300; i++) {
    g_free (v);
    v = scalar ("SELECT count(*) FROM audit_log WHERE service_name IN "
                "('amo', 'adl', 'audsink')");
    if (atoi (v) >= 4)
      break;
    g_usleep (100 * 1000);
  }
  g_free (v);
  assert_sql ("camera amo config.property_changed success "
              "{\"sensitivity\": {\"new\": \"0.750000\", \"old\": "
              "\"0.300000\"}}",
      "SELECT string_agg (entity_type || ' ' || entity_id || ' ' || action || "
      "' ' || action_status || ' ' || changes_made::text, ' | ') FROM "
      "audit_log WHERE service_name = 'amo'");
  assert_sql ("1",
      "SELECT count(*) FROM audit_log WHERE service_name = "
      "'audsink'");
  /* the camera the element works for is the entity */
  /* text as g_strdup_value_contents() writes it, as the sink's own rows */
  assert_sql ("camera audcam key-prefix \"audpfx\"",
      "SELECT entity_type || ' ' || entity_id || ' ' || string_agg (k || ' ' "
      "|| (changes_made->k->>'new'), ' ') FROM audit_log, "
      "jsonb_object_keys (changes_made) k WHERE service_name = 'adl' AND k = "
      "'key-prefix' GROUP BY entity_type, entity_id");
  /* a credential: the change is in the trail, its values are not */
  assert_sql ("*** ***",
      "SELECT (changes_made->'redis-url'->>'old') || ' ' || "
      "(changes_made->'redis-url'->>'new') FROM audit_log WHERE "
      "service_name = 'adl' AND changes_made ? 'redis-url'");
  assert_sql ("0",
      "SELECT count(*) FROM audit_log WHERE changes_made::text "
      "LIKE '%%hunter2%%' OR changes_made::text LIKE "
      "'%%127.0.0.1%%'");
  assert_sql ("2", "SELECT count(*) FROM audit_log WHERE service_name = 'adl'");
}

GST_END_TEST;


/* Frame @i of a collision test: capture time and event id fixed by @i and
 * @gen, so that two generators on one node make the same event ids. */
static GstBuffer *
collision_frame (const gchar *camera, guint i, GstAxionIdGenerator *gen)
{
  const gint64 t0 = G_GINT64_CONSTANT (1796000000000000); /* 2026-11-29 */
  GstBuffer *b = gst_buffer_new_allocate (NULL, 64, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (b);

  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, i);
  gst_axion_frame_meta_set_capture_time (
      m, t0 + (gint64) i * 1000, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_add_event_with_id (m, GST_AXION_EVENT_MOTION_CONTINUE,
      gst_axion_id_generator_next_at (gen, t0 / 1000 + i));
  return b;
}

static guint64
stat_u64 (GstHarness *h, const gchar *name)
{
  GstStructure *st = sink_stats (h);
  guint64 v = G_MAXUINT64;

  gst_structure_get_uint64 (st, name, &v);
  gst_structure_free (st);
  return v;
}

/* Two writers that share an id node (two hosts with one AXION_HOST_ID and
 * slot) make the same event ids for different events. The second one's
 * rows are not silently taken for replays: counted as collided, said in a
 * warning, kept in the rejected spool. A real replay of the first's rows
 * is still a duplicate. */
GST_START_TEST (test_collision_detected)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s", spool);
  gchar *rejdir = g_build_filename (spool, "rejected", NULL);
  GstAxionIdGenerator *g1 = gst_axion_id_generator_new (4005);
  GstAxionIdGenerator *g2 = gst_axion_id_generator_new (4005);
  GstBuffer *orig[10];
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  gchar *w, *data = NULL, *name, *path;
  GDir *d;

  for (guint i = 0; i < 10; i++)
    orig[i] = collision_frame ("CAM_COL1", i, g1);
  h = new_sink (extra);
  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, gst_buffer_ref (orig[i]));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_COL1"), 10);
  gst_harness_teardown (h);

  /* the other writer: same ids, another camera (one batch) */
  g_free (extra);
  extra = g_strdup_printf ("spool-dir=%s batch-size=1000 "
                           "flush-interval-ms=60000",
      spool);
  h = new_sink (extra);
  gst_element_set_bus (h->element, bus);
  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, collision_frame ("CAM_COL2", i, g2));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_COL2"), 0);
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_COL1"), 10);
  /* its frame rows have ids of their own: written */
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_COL2"), 10);
  fail_unless_equals_uint64 (stat_u64 (h, "rows-collided"), 10);
  fail_unless_equals_uint64 (stat_u64 (h, "rows-duplicate"), 0);
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
  w = bus_warnings (bus);
  fail_unless (strstr (w,
                   "10 rows have ids that different rows already "
                   "have") != NULL,
      "warnings: %s", w);
  g_free (w);
  /* the rows are kept for an operator */
  fail_unless_equals_int (count_files (rejdir), 1);
  d = g_dir_open (rejdir, 0, NULL);
  name = g_strdup (g_dir_read_name (d));
  g_dir_close (d);
  path = g_build_filename (rejdir, name, NULL);
  fail_unless (g_file_get_contents (path, &data, NULL, NULL));
  fail_unless (strstr (data, "CAM_COL2") != NULL);
  fail_unless (strstr (data, "CAM_COL1") == NULL);
  g_free (data);
  g_unlink (path);
  g_free (path);
  g_free (name);

  /* the first writer's rows again (a replay): duplicates, no collision */
  h = new_sink (extra);
  for (guint i = 0; i < 10; i++)
    gst_harness_push (h, orig[i]);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (stat_u64 (h, "rows-collided"), 0);
  fail_unless_equals_uint64 (stat_u64 (h, "rows-duplicate"), 20);
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_COL1"), 10);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  gst_axion_id_generator_free (g1);
  gst_axion_id_generator_free (g2);
  g_rmdir (rejdir);
  g_rmdir (spool);
  g_free (rejdir);
  g_free (extra);
  g_free (spool);
}

GST_END_TEST;

static void
bouncer_ctl (const gchar *args)
{
  gchar *cmd = g_strdup_printf (
      "%s/tests/fixtures/pgbouncer-ctl %s", AXION_SRCDIR, args);
  gint status;
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s failed", cmd);
  g_free (cmd);
}

/* Through PgBouncer (transaction pooling): 20,000 events while PgBouncer
 * is restarted and PostgreSQL restarted behind it, alternately, 6 times:
 * every event exactly once. (Only in a run with --pgbouncer.) */
GST_START_TEST (test_bouncer_restarts_exactly_once)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *extra = g_strdup_printf ("spool-dir=%s eos-timeout-ms=120000 "
                                  "batch-size=500 spool-fsync=false "
                                  "statement-timeout-ms=5000",
      spool);
  GstHarness *h;
  GstBuffer *tmpl = gst_buffer_new_allocate (NULL, 64, NULL);
  gint64 t0 = g_get_real_time ();
  const guint total = 20000, cycles = 6;
  guint64 n = 0;

  if (g_getenv ("AXION_TEST_PGBOUNCER_CONNINFO") == NULL) {
    g_print ("test_bouncer_restarts_exactly_once: no PgBouncer in this run "
             "(with-servers --pgbouncer): skipped\n");
    goto out;
  }
  h = new_sink (extra);
  for (guint c = 0; c < cycles; c++) {
    for (guint half = 0; half < 2; half++) {
      for (guint i = 0; i < total / cycles / 2; i++, n++) {
        GstBuffer *b = gst_buffer_copy (tmpl);
        GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (b);
        gst_axion_frame_meta_set_camera_id (m, "CAM_PGB");
        gst_axion_frame_meta_set_frame_number (m, n);
        gst_axion_frame_meta_set_capture_time (
            m, t0 + (gint64) n * 1000, GST_AXION_CAPTURE_TIME_NTP);
        gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_CONTINUE);
        fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
      }
      if (c % 2 == 0) { /* PgBouncer itself goes and comes back */
        if (half == 0)
          bouncer_ctl ("stop");
        else
          bouncer_ctl ("start");
      } else if (half == 0) { /* PostgreSQL behind it */
        PQfinish (conn);
        conn = NULL;
        pg_ctl ("stop fast");
      } else {
        db_start ();
      }
    }
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int64 (count_rows ("camera_events", "CAM_PGB"), n);
  fail_unless_equals_int64 (count_rows ("frame_metadata", "CAM_PGB"), n);
  assert_sql ("0",
      "SELECT count(*) - count(DISTINCT frame_number) FROM "
      "camera_events WHERE camera_id = 'CAM_PGB'");
  fail_unless (stat_u64 (h, "reconnects") >= 1);
  fail_unless_equals_uint64 (stat_u64 (h, "rows-collided"), 0);
  gst_harness_teardown (h);
out:
  gst_buffer_unref (tmpl);
  g_rmdir (spool);
  g_free (spool);
  g_free (extra);
}

GST_END_TEST;

static Suite *
pgsink_suite (void)
{
  Suite *s = suite_create ("axionpgsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 500);
  tcase_add_checked_fixture (tc, db_ensure, NULL);
  tcase_add_test (tc, test_rows_exact_and_idempotent);
  tcase_add_test (tc, test_outage_spool_replay);
  tcase_add_test (tc, test_spool_replayed_by_next_process);
  tcase_add_test (tc, test_errors_and_secrets);
  tcase_add_test (tc, test_strange_strings_round_trip);
  tcase_add_test (tc, test_metrics_rows);
  tcase_add_test (tc, test_restarts_exactly_once);
  tcase_add_test (tc, test_kill9_then_restart);
  tcase_add_test (tc, test_kill9_pending_rows_journaled);
  tcase_add_test (tc, test_kill9_shared_journal);
  tcase_add_test (tc, test_journals_removed);
  tcase_add_test (tc, test_journal_commit_length);
  tcase_add_test (tc, test_spool_full_drop_is_counted);
  tcase_add_test (tc, test_refused_row_set_aside);
  tcase_add_test (tc, test_stop_during_outage_ends);
  tcase_add_test (tc, test_eos_drains_at_once);
  tcase_add_test (tc, test_pause_during_outage_resumes);
  tcase_add_test (tc, test_bad_config_fails_at_start);
  tcase_add_test (tc, test_default_spool_survives_outage);
  tcase_add_test (tc, test_dropped_rows_warn);
  tcase_add_test (tc, test_full_disk);
  tcase_add_test (tc, test_camera_id_dotdot_stays_in_root);
  tcase_add_test (tc, test_hung_server_never_freezes);
  tcase_add_test (tc, test_statement_timeout_spools);
  tcase_add_test (tc, test_no_camera_id_never_merges);
  tcase_add_test (tc, test_rule_alerts_written);
  tcase_add_test (tc, test_audit_other_elements);
  tcase_add_test (tc, test_collision_detected);
  tcase_add_test (tc, test_bouncer_restarts_exactly_once);
  return s;
}

int
main (int argc, char **argv)
{
  gint rc;

  conninfo = g_getenv ("AXION_TEST_PG_CONNINFO");
  sink_conninfo = g_getenv ("AXION_TEST_PGBOUNCER_CONNINFO");
  if (sink_conninfo == NULL)
    sink_conninfo = conninfo;
  /* the default spool (sinks without spool-dir) in a directory of this
   * run; children inherit it */
  if (argc == 1) {
    gchar *state = g_dir_make_tmp ("axion-state-XXXXXX", NULL);
    g_setenv ("XDG_STATE_HOME", state, TRUE);
    g_free (state);
  }
  if ((argc == 5 || argc == 6) && g_str_equal (argv[1], "--child-pending")) {
    gst_init (NULL, NULL);
    return child_pending (
        argv[2], atoi (argv[3]), argv[4], argc == 6 ? argv[5] : NULL);
  }
  if (argc == 5 && g_str_equal (argv[1], "--child")) {
    gst_init (NULL, NULL);
    return child_push (argv[2], atoi (argv[3]), atoi (argv[4]));
  }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (conninfo == NULL) {
    g_printerr ("run through tests/fixtures/with-servers --pg\n");
    return 2;
  }
  if (!pgtest_migrate ())
    return 1;
  g_setenv ("AXION_TEST_PG_CTL", AXION_SRCDIR "/tests/fixtures/pg-ctl", TRUE);
  conn = PQconnectdb (conninfo);
  /* one process: the tests stop and start the shared server */
  g_setenv ("CK_FORK", "no", TRUE);
  gst_check_init (&argc, &argv);
  rc = gst_check_run_suite (pgsink_suite (), "axionpgsink", __FILE__);
  PQfinish (conn);
  return rc;
}
