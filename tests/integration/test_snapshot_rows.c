/* Integration test (real PostgreSQL 15, tests/fixtures/with-servers --pg):
 * axionsnapshot's disk bound (max-bytes) and axionpgsink's frame_metadata
 * rows stay together. Every frame here starts motion, so every frame gets
 * a snapshot and a row naming it; a small max-bytes deletes all but the
 * newest few files. Afterwards every row with a storage_path names a file
 * on disk and every file has its row: also when the deletions happened
 * while PostgreSQL was down (they wait in the spool directory), and when
 * the process stopped before it came back (the next sink applies them).
 * The same for a track's best frame (CAMERA/tracks/ID.jpg), named by its
 * track_ended event's event_data.snapshot_path. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <gst/axion/gstaxionsnapshotevent.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <string.h>

#include "pgtest.h"

static PGconn *conn;
static const gchar *conninfo;

/* the test's connection, made again after a test stopped the server */
static PGconn *
db (void)
{
  if (conn == NULL || PQstatus (conn) != CONNECTION_OK) {
    PQfinish (conn);
    conn = PQconnectdb (conninfo);
  }
  return conn;
}

#define scalar(sql) pgtest_scalar (db (), (sql))
#define scalar_int(sql) pgtest_scalar_int (db (), (sql))

static void
pg_ctl (const gchar *args)
{
  gchar *cmd = g_strdup_printf (
      "%s/tests/fixtures/pg-ctl %s", AXION_SRCDIR, args);
  gint status;

  if (g_str_equal (args, "stop fast")) {
    PQfinish (conn);
    conn = NULL;
  }
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s failed", cmd);
  g_free (cmd);
}

/* before each test: the server up, also after a test that failed while
 * it was stopped */
static void
db_ensure (void)
{
  PQfinish (conn);
  conn = PQconnectdb (conninfo);
  if (PQstatus (conn) != CONNECTION_OK) {
    pg_ctl ("start");
    PQfinish (conn);
    conn = PQconnectdb (conninfo);
  }
}

/* a 64x48 I420 frame that starts motion: axionsnapshot takes it */
static GstBuffer *
make_frame (const gchar *camera, guint64 n, gint64 t0_us)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64 * 48 * 3 / 2, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);

  gst_buffer_memset (buf, 0, (guint8) (n * 37), 64 * 48);
  gst_buffer_memset (buf, 64 * 48, 128, 64 * 48 / 2);
  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, t0_us + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_motion (m, 0.3, GST_AXION_MOTION_STATE_START);
  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_START);
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 10;
  return buf;
}

static GstHarness *
new_pipeline (const gchar *snaps, const gchar *spool, guint eos_timeout_ms)
{
  /* ~700 bytes a JPEG at 64x48: max-bytes keeps the newest 3 or 4 */
  gchar *desc = g_strdup_printf (
      "axionsnapshot name=snap location=\"%s\" max-bytes=3000 interval=0 "
      "queue-size=256 ! axionpgsink conninfo=\"%s\" spool-dir=\"%s\" "
      "batch-size=16 flush-interval-ms=50 eos-timeout-ms=%u",
      snaps, conninfo, spool, eos_timeout_ms);
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=10/1");
  return h;
}

static guint64
snap_stat (GstHarness *h, const gchar *field)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (h->element), "snap");
  GstStructure *st;
  guint64 v = 0;
  guint u = 0;

  g_object_get (e, "stats", &st, NULL);
  if (!gst_structure_get_uint64 (st, field, &v) &&
      gst_structure_get_uint (st, field, &u))
    v = u;
  gst_structure_free (st);
  gst_object_unref (e);
  return v;
}

/* frames @from..@to-1; then the writer is done with them (no timing:
 * polled, a generous bound only ends a broken run) */
static void
push_frames (
    GstHarness *h, const gchar *camera, guint from, guint to, gint64 t0)
{
  for (guint i = from; i < to; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame (camera, i, t0)), GST_FLOW_OK);
  for (gint k = 0; k < 600 && snap_stat (h, "queued") > 0; k++)
    g_usleep (50000);
}

static void
collect_files (const gchar *dir, GPtrArray *out)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    if (g_file_test (p, G_FILE_TEST_IS_DIR))
      collect_files (p, out);
    else if (g_str_has_suffix (name, ".jpg") && strcmp (name, "latest.jpg"))
      g_ptr_array_add (out, g_steal_pointer (&p));
    g_free (p);
  }
  if (d)
    g_dir_close (d);
}

static gint
str_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

/* the snapshot files on disk, one a line, sorted */
static gchar *
files_on_disk (const gchar *snaps)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  gchar *s;

  collect_files (snaps, files);
  g_ptr_array_sort (files, str_cmp);
  g_ptr_array_add (files, NULL);
  s = g_strjoinv ("\n", (gchar **) files->pdata);
  g_ptr_array_unref (files);
  return s;
}

/* the storage paths of @camera's rows, one a line, sorted like the files */
static gchar *
paths_in_rows (const gchar *camera)
{
  gchar *q = g_strdup_printf (
      "SELECT coalesce(string_agg(storage_path, E'\\n' ORDER BY "
      "storage_path COLLATE \"C\"), '') FROM frame_metadata WHERE "
      "camera_id = '%s' AND storage_path IS NOT NULL",
      camera);
  gchar *v = scalar (q);
  g_free (q);
  return v;
}

static void
assert_rows_match_files (const gchar *camera, const gchar *snaps, guint rows)
{
  gchar *q, *files = files_on_disk (snaps), *paths = paths_in_rows (camera);

  /* every row's path is a file on disk, every file has its row */
  fail_unless_equals_string (paths, files);
  fail_unless (strlen (files) > 0, "no snapshot kept at all");
  q = g_strdup_printf ("SELECT count(*) FROM frame_metadata WHERE "
                       "camera_id = '%s'",
      camera);
  /* every frame's row was written (the bound changes paths, never rows) */
  fail_unless_equals_int64 (scalar_int (q), rows);
  g_free (q);
  q = g_strdup_printf ("SELECT count(*) FROM frame_metadata WHERE camera_id "
                       "= '%s' AND ((storage_location = 'none') <> "
                       "(storage_path IS NULL) OR expires_at IS NULL)",
      camera);
  /* a cleared row says 'none', and still expires when its file would
   * have (max-age) */
  fail_unless_equals_int64 (scalar_int (q), 0);
  g_free (q);
  g_free (files);
  g_free (paths);
}

GST_START_TEST (test_bound_rows_follow_files_across_restart)
{
  gchar *snaps = g_dir_make_tmp ("axion-snaps-XXXXXX", NULL);
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *log = g_build_filename (spool, "snapshot-deletions", NULL);
  GstHarness *h = new_pipeline (snaps, spool, 60000);
  gint64 t0 = g_get_real_time ();
  gint64 cleared_before;

  push_frames (h, "SNAP_R1", 0, 20, t0);
  /* PostgreSQL goes; the bound keeps deleting, the sink keeps them */
  pg_ctl ("stop fast");
  push_frames (h, "SNAP_R1", 20, 40, t0);
  push_frames (h, "SNAP_R1", 40, 41, t0); /* (sends the last deletions) */
  fail_unless (g_file_test (log, G_FILE_TEST_EXISTS),
      "no deletions waiting in the spool during the outage");
  pg_ctl ("start");
  push_frames (h, "SNAP_R1", 41, 60, t0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (snap_stat (h, "files-deleted") >= 40,
      "only %" G_GUINT64_FORMAT " files deleted",
      snap_stat (h, "files-deleted"));
  gst_harness_teardown (h);

  assert_rows_match_files ("SNAP_R1", snaps, 60);
  /* the frames whose files went during the outage lost their path */
  cleared_before = scalar_int ("SELECT count(*) FROM frame_metadata WHERE "
                               "camera_id = 'SNAP_R1' AND frame_number "
                               "BETWEEN 20 AND 35 AND storage_path IS NULL");
  fail_unless_equals_int64 (cleared_before, 16);
  /* all applied: nothing left waiting */
  fail_if (g_file_test (log, G_FILE_TEST_EXISTS));
  g_free (log);
  g_free (snaps);
  g_free (spool);
}

GST_END_TEST;

/* deleted during an outage, the process stops before PostgreSQL is back:
 * the next sink on that spool applies them (and replays the rows) */
GST_START_TEST (test_deletions_survive_the_process)
{
  gchar *snaps = g_dir_make_tmp ("axion-snaps-XXXXXX", NULL);
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *log = g_build_filename (spool, "snapshot-deletions", NULL);
  gchar *desc;
  GstHarness *h;
  gint64 t0 = g_get_real_time ();

  pg_ctl ("stop fast");
  h = new_pipeline (snaps, spool, 200);
  push_frames (h, "SNAP_R2", 0, 30, t0);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless (g_file_test (log, G_FILE_TEST_EXISTS));
  pg_ctl ("start");

  /* a sink alone on the same spool: rows replayed, deletions applied */
  desc = g_strdup_printf ("axionpgsink conninfo=\"%s\" spool-dir=\"%s\" "
                          "flush-interval-ms=50 eos-timeout-ms=60000",
      conninfo, spool);
  h = gst_harness_new_parse (desc);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=10/1");
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  assert_rows_match_files ("SNAP_R2", snaps, 30);
  fail_if (g_file_test (log, G_FILE_TEST_EXISTS));
  g_free (desc);
  g_free (log);
  g_free (snaps);
  g_free (spool);
}

GST_END_TEST;

/* the deletion reaches PostgreSQL before the row that names the file (the
 * row waited in a batch or the spool): the row arrives without the path */
GST_START_TEST (test_row_after_its_deletion)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("axionpgsink conninfo=\"%s\" spool-dir=\"%s\" "
                                 "flush-interval-ms=50 eos-timeout-ms=60000",
      conninfo, spool);
  GstHarness *h = gst_harness_new_parse (desc);
  gint64 t0 = g_get_real_time ();
  const gchar *path = "/nowhere/SNAP_R3/2020-01-01/000000.000Z-f5-motion.jpg";
  GstBuffer *buf;
  gint64 n = 0;

  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=10/1");
  fail_unless (gst_harness_push_event (h,
      gst_axion_snapshot_deleted_event_new (
          "SNAP_R3", path, t0 + 5 * 100000, 0, 0)));
  for (gint k = 0; k < 600 && n == 0; k++) {
    g_usleep (50000);
    n = scalar_int ("SELECT count(*) FROM snapshot_deletions WHERE "
                    "storage_path LIKE '/nowhere/SNAP_R3/%'");
  }
  fail_unless_equals_int64 (n, 1);
  buf = make_frame ("SNAP_R3", 5, t0);
  gst_axion_frame_meta_set_snapshot (
      gst_buffer_get_axion_frame_meta (buf), path, t0 + G_USEC_PER_SEC);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (
      scalar_int ("SELECT count(*) FROM frame_metadata WHERE camera_id = "
                  "'SNAP_R3' AND frame_number = 5 AND storage_location = "
                  "'none' AND storage_path IS NULL AND expires_at IS NOT NULL"),
      1);
  g_free (desc);
  g_free (spool);
}

GST_END_TEST;

/* ---- an alert's snapshot --------------------------------------------------
 */

/* frame @n with an alert (id @alert_base + @n): axionsnapshot writes the
 * frame's snapshot and puts its path into the alert's alert_data */
static GstBuffer *
make_alert_frame (
    const gchar *camera, guint64 n, gint64 t0_us, gint64 alert_base)
{
  GstBuffer *buf = make_frame (camera, n, t0_us);
  GstAxionAlert *al = gst_axion_alert_new ();

  al->alert_id = alert_base + (gint64) n;
  al->camera_id = g_strdup (camera);
  al->title = g_strdup ("snapshot bound");
  al->description = g_strdup ("an alert with a snapshot");
  al->severity = 3;
  al->priority = 3;
  al->data_json = g_strdup ("{\"n\": 1}");
  gst_buffer_add_axion_alert_meta (buf, al);
  gst_axion_alert_free (al);
  return buf;
}

/* An alert on every frame, a snapshot each, the small max-bytes deletes
 * all but the newest few: every alert is written, and the alerts whose
 * alert_data still has a snapshot_path are exactly the files on disk. */
GST_START_TEST (test_alert_paths_follow_bound)
{
  gchar *snaps = g_dir_make_tmp ("axion-snaps-XXXXXX", NULL);
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  GstHarness *h = new_pipeline (snaps, spool, 60000);
  gint64 t0 = g_get_real_time ();
  gchar *files, *paths;

  for (guint i = 0; i < 30; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_alert_frame ("SNAP_AL", i, t0, t0)),
        GST_FLOW_OK);
  for (gint k = 0; k < 600 && snap_stat (h, "queued") > 0; k++)
    g_usleep (50000);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  files = files_on_disk (snaps);
  paths = scalar ("SELECT coalesce(string_agg(alert_data->>'snapshot_path', "
                  "E'\\n' ORDER BY alert_data->>'snapshot_path' COLLATE "
                  "\"C\"), '') FROM alerts WHERE camera_id = 'SNAP_AL' AND "
                  "alert_data ? 'snapshot_path'");
  fail_unless (strlen (files) > 0, "no snapshot kept at all");
  fail_unless_equals_string (paths, files);
  fail_unless_equals_int64 (scalar_int ("SELECT count(*) FROM alerts WHERE "
                                        "camera_id = 'SNAP_AL' AND "
                                        "alert_data->>'n' = '1'"),
      30);
  g_free (files);
  g_free (paths);
  g_free (snaps);
  g_free (spool);
}

GST_END_TEST;

/* an alert written after its snapshot's deletion comes without the path
 * (and keeps the rest of its alert_data) */
GST_START_TEST (test_alert_after_its_deletion)
{
  gchar *q;

  fail_unless_equals_int64 (
      scalar_int ("SELECT (axion_snapshots_deleted(ARRAY['SNAP_AL2'], "
                  "ARRAY['/nowhere/SNAP_AL2/a.jpg'], ARRAY[1]::bigint[], "
                  "ARRAY[0]::bigint[], ARRAY[0]::bigint[]) >= 0)::int"),
      1);
  /* ids above every alert so far (none of the element's) */
  q = g_strdup (
      "INSERT INTO alerts (alert_id, alert_type, severity, camera_id, title, "
      "description, alert_data) SELECT m + k, 'motion', 3, 'SNAP_AL2', 't', "
      "'d', jsonb_build_object('snapshot_path', '/nowhere/SNAP_AL2/' || "
      "chr(96 + k::int) || '.jpg', 'n', 2) FROM (SELECT coalesce(max("
      "alert_id), 0) AS m FROM alerts) x, generate_series(1, 2) k "
      "RETURNING 1");
  g_free (scalar (q));
  g_free (q);
  fail_unless_equals_int64 (
      scalar_int ("SELECT count(*) FROM alerts WHERE camera_id = 'SNAP_AL2' "
                  "AND alert_data->>'n' = '2' AND alert_data->>"
                  "'snapshot_path' IS NULL"),
      1);
  fail_unless_equals_int64 (
      scalar_int ("SELECT count(*) FROM alerts WHERE camera_id = 'SNAP_AL2' "
                  "AND alert_data->>'snapshot_path' = "
                  "'/nowhere/SNAP_AL2/b.jpg'"),
      1);
}

GST_END_TEST;

/* ---- a track's best frame ------------------------------------------------ */

/* frame @n of a camera with tracks: a detection of track @n (a new track
 * each frame, so each has a file) and the track_ended event of track
 * @n - 1 (event id @event_base + @n - 1); the last frame @last has no
 * detection. No motion: no frame snapshots, only the tracks' files. */
static GstBuffer *
make_track_frame (const gchar *camera, guint64 n, guint64 last, gint64 t0_us,
    gint64 event_base)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64 * 48 * 3 / 2, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);

  gst_buffer_memset (buf, 0, (guint8) (n * 37), 64 * 48);
  gst_buffer_memset (buf, 64 * 48, 128, 64 * 48 / 2);
  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, t0_us + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_NTP);
  if (n < last) {
    GstVideoRegionOfInterestMeta *roi = gst_axion_roi_add_detection (
        buf, "person", 0.9, 8, 8, 16, 16);
    gst_axion_roi_set_track_id (roi, (gint64) n + 1);
  }
  if (n > 0) {
    gint64 event_id = event_base + (gint64) n - 1;
    GstCustomMeta *cm = gst_buffer_add_custom_meta (
        buf, GST_AXION_EVENT_DATA_META);
    gchar key[32], *json;
    g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, event_id);
    json = g_strdup_printf (
        "{\"track_id\":%" G_GUINT64_FORMAT ",\"class\":\"person\"}", n);
    gst_structure_set (
        gst_custom_meta_get_structure (cm), key, G_TYPE_STRING, json, NULL);
    g_free (json);
    gst_axion_frame_meta_add_event_with_id (
        m, GST_AXION_EVENT_TRACK_ENDED, event_id);
  }
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 10;
  return buf;
}

/* the snapshot paths of @camera's track_ended events, one a line, sorted */
static gchar *
paths_in_events (const gchar *camera)
{
  gchar *q = g_strdup_printf (
      "SELECT coalesce(string_agg(event_data->>'snapshot_path', E'\\n' "
      "ORDER BY event_data->>'snapshot_path' COLLATE \"C\"), '') FROM "
      "camera_events WHERE camera_id = '%s' AND event_data ? 'snapshot_path'",
      camera);
  gchar *v = scalar (q);
  g_free (q);
  return v;
}

/* Tracks end one a frame, each with its best frame in tracks/ID.jpg; the
 * small max-bytes deletes all but the newest few. Every track_ended
 * event's snapshot_path names a file on disk, every track file has its
 * event, and every track ended (rows kept, paths removed). With
 * PostgreSQL down for a while (the events' rows wait in the spool and
 * reach the database after their files' deletions). */
GST_START_TEST (test_track_files_follow_bound)
{
  gchar *snaps = g_dir_make_tmp ("axion-snaps-XXXXXX", NULL);
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *files, *paths, *q;
  GstHarness *h = new_pipeline (snaps, spool, 60000);
  gint64 t0 = g_get_real_time ();
  const guint last = 40;

  for (guint i = 0; i <= last; i++) {
    if (i == 15)
      pg_ctl ("stop fast");
    if (i == 30)
      pg_ctl ("start");
    fail_unless_equals_int (
        gst_harness_push (h, make_track_frame ("SNAP_T1", i, last, t0, t0)),
        GST_FLOW_OK);
    /* each best frame written before its track ends (no timing: polled) */
    for (gint k = 0; k < 600 && snap_stat (h, "queued") > 0; k++)
      g_usleep (20000);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (snap_stat (h, "files-deleted") >= 20,
      "only %" G_GUINT64_FORMAT " files deleted",
      snap_stat (h, "files-deleted"));
  gst_harness_teardown (h);

  files = files_on_disk (snaps);
  paths = paths_in_events ("SNAP_T1");
  fail_unless_equals_string (paths, files);
  fail_unless (strlen (files) > 0, "no track file kept at all");
  /* every track's end was written (the bound changes event_data only) */
  fail_unless_equals_int64 (
      scalar_int ("SELECT count(*) FROM camera_events WHERE camera_id = "
                  "'SNAP_T1' AND event_type = 'track_ended' AND "
                  "event_data ? 'track_id'"),
      last);
  q = g_strdup_printf ("SELECT count(*) FROM camera_events WHERE camera_id = "
                       "'SNAP_T1' AND NOT event_data ? 'snapshot_path'");
  fail_unless (scalar_int (q) >= 20, "too few event paths removed");
  g_free (q);
  g_free (files);
  g_free (paths);
  g_free (snaps);
  g_free (spool);
}

GST_END_TEST;

/* a track file's deletion reaches PostgreSQL before its track_ended
 * event's row: the row arrives without snapshot_path (and another event
 * naming the same path keeps it: the key is the event's) */
GST_START_TEST (test_event_row_after_its_deletion)
{
  gchar *spool = g_dir_make_tmp ("axion-spool-XXXXXX", NULL);
  gchar *desc = g_strdup_printf ("axionpgsink conninfo=\"%s\" spool-dir=\"%s\" "
                                 "flush-interval-ms=50 eos-timeout-ms=60000",
      conninfo, spool);
  GstHarness *h = gst_harness_new_parse (desc);
  gint64 t0 = g_get_real_time ();
  gint64 base = t0 + 7;
  const gchar *path = "/nowhere/SNAP_T2/tracks/5.jpg";
  GstBuffer *buf;
  GstCustomMeta *cm;
  gchar *key, *json;
  gint64 n = 0;

  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=10/1");
  /* track 5 ended at frame 6: event base + 5 */
  fail_unless (gst_harness_push_event (h,
      gst_axion_snapshot_deleted_event_new (
          "SNAP_T2", path, t0 + 6 * 100000, 0, base + 5)));
  for (gint k = 0; k < 600 && n == 0; k++) {
    g_usleep (50000);
    n = scalar_int ("SELECT count(*) FROM snapshot_event_deletions WHERE "
                    "snapshot_path LIKE '/nowhere/SNAP_T2/%'");
  }
  fail_unless_equals_int64 (n, 1);
  buf = make_track_frame ("SNAP_T2", 6, 100, t0, base);
  /* its event_data names the file, as axionsnapshot's would */
  cm = gst_buffer_get_custom_meta (buf, GST_AXION_EVENT_DATA_META);
  key = g_strdup_printf ("e%" G_GINT64_FORMAT, base + 5);
  json = g_strdup_printf (
      "{\"snapshot_path\":\"%s\",\"track_id\":6,\"class\":\"person\"}", path);
  gst_structure_set (
      gst_custom_meta_get_structure (cm), key, G_TYPE_STRING, json, NULL);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  /* another event (id) naming the same path is not that deletion's */
  buf = make_track_frame ("SNAP_T2", 7, 100, t0, base);
  cm = gst_buffer_get_custom_meta (buf, GST_AXION_EVENT_DATA_META);
  g_free (key);
  key = g_strdup_printf ("e%" G_GINT64_FORMAT, base + 6);
  gst_structure_set (
      gst_custom_meta_get_structure (cm), key, G_TYPE_STRING, json, NULL);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);
  fail_unless_equals_int64 (
      scalar_int ("SELECT count(*) FROM camera_events WHERE camera_id = "
                  "'SNAP_T2' AND event_type = 'track_ended' AND frame_number "
                  "= 6 AND NOT event_data ? 'snapshot_path' AND "
                  "event_data->>'track_id' = '6'"),
      1);
  fail_unless_equals_int64 (
      scalar_int ("SELECT count(*) FROM camera_events WHERE camera_id = "
                  "'SNAP_T2' AND frame_number = 7 AND "
                  "event_data ? 'snapshot_path'"),
      1);
  g_free (key);
  g_free (json);
  g_free (desc);
  g_free (spool);
}

GST_END_TEST;

static Suite *
snapshot_rows_suite (void)
{
  Suite *s = suite_create ("snapshot_rows");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, db_ensure, NULL);
  tcase_add_test (tc, test_bound_rows_follow_files_across_restart);
  tcase_add_test (tc, test_deletions_survive_the_process);
  tcase_add_test (tc, test_row_after_its_deletion);
  tcase_add_test (tc, test_track_files_follow_bound);
  tcase_add_test (tc, test_event_row_after_its_deletion);
  tcase_add_test (tc, test_alert_paths_follow_bound);
  tcase_add_test (tc, test_alert_after_its_deletion);
  return s;
}

int
main (int argc, char **argv)
{
  gint rc;

  conninfo = g_getenv ("AXION_TEST_PG_CONNINFO");
  if (conninfo == NULL) {
    g_printerr ("run through tests/fixtures/with-servers --pg\n");
    return 2;
  }
  if (!pgtest_migrate ())
    return 1;
  /* one process: the tests stop and start the shared server */
  g_setenv ("CK_FORK", "no", TRUE);
  gst_check_init (&argc, &argv);
  /* axiontrack registers the event data meta (track_ended's event_data) */
  gst_object_unref (gst_element_factory_make ("axiontrack", NULL));
  rc = gst_check_run_suite (snapshot_rows_suite (), "snapshot_rows", __FILE__);
  PQfinish (conn);
  return rc;
}
