/* Unit tests: axionsnapshot on hand-made frames (frame meta and alert
 * meta set by the test; capture times chosen by the test: no clock, no
 * date). The files are checked after the element stopped (its writer
 * thread has then written every queued snapshot). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <gst/axion/gstaxionsnapshotevent.h>
#include <glib/gstdio.h>
#include <string.h>

#define W 64
#define H 48
/* 2030-01-07 12:34:56.789 UTC */
#define T0_US ((gint64) 1894019696 * G_USEC_PER_SEC + 789000)

static gchar *tmpdir;

static GstHarness *
new_snapshot (void)
{
  GstHarness *h = gst_harness_new ("axionsnapshot");

  g_object_set (h->element, "location", tmpdir, "interval", 0.0, NULL);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1");
  return h;
}

/* a frame; @alert adds an alert meta with @data_json */
static GstBuffer *
push (GstHarness *h, guint64 n, GstAxionMotionState motion, gboolean alert,
    const gchar *data_json)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H, NULL);
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);

  gst_buffer_memset (buf, 0, 40 + n, W * H);
  GST_BUFFER_PTS (buf) = n * 100 * GST_MSECOND;
  gst_axion_frame_meta_set_camera_id (m, "cam/1");
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, T0_US + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_motion (m, 0.2, motion);
  if (alert) {
    GstAxionAlert *al = gst_axion_alert_new ();
    al->alert_id = 1000 + n;
    al->camera_id = g_strdup ("cam/1");
    al->title = g_strdup ("t");
    al->severity = 3;
    al->priority = 3;
    al->data_json = g_strdup (data_json);
    gst_buffer_add_axion_alert_meta (buf, al);
    gst_axion_alert_free (al);
  }
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  return gst_harness_pull (h);
}

static const gchar *
path_of (GstBuffer *b)
{
  GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (b);

  return gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_SNAPSHOT)
      ? m->snapshot_path
      : NULL;
}

static gboolean
is_jpeg (const gchar *path)
{
  gchar *data = NULL;
  gsize len = 0;
  gboolean ok = g_file_get_contents (path, &data, &len, NULL) && len > 3 &&
      (guchar) data[0] == 0xff && (guchar) data[1] == 0xd8;

  g_free (data);
  return ok;
}

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("axionsnapshot-XXXXXX", NULL);
}

static void
rm_rf (const gchar *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (path, name, NULL);
    if (g_file_test (p, G_FILE_TEST_IS_DIR))
      rm_rf (p);
    else
      g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (path);
}

static void
teardown (void)
{
  rm_rf (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

GST_START_TEST (test_motion_start_and_alert)
{
  GstHarness *h = new_snapshot ();
  GstBuffer *idle, *start, *cont, *alert;
  gint64 before, after;
  GstAxionFrameMeta *fm;
  gchar *want_start, *want_alert, *latest, *camdir;
  GstAxionAlertMeta *am;

  g_object_set (h->element, "max-age", 3600, NULL);
  idle = push (h, 0, GST_AXION_MOTION_STATE_IDLE, FALSE, NULL);
  before = g_get_real_time ();
  start = push (h, 1, GST_AXION_MOTION_STATE_START, FALSE, NULL);
  after = g_get_real_time ();
  cont = push (h, 2, GST_AXION_MOTION_STATE_CONTINUE, FALSE, NULL);
  alert = push (
      h, 3, GST_AXION_MOTION_STATE_CONTINUE, TRUE, "{\"zone\":\"door\"}");

  /* the path is in the meta as the buffer leaves the element */
  camdir = gst_axion_camera_id_to_filename ("cam/1");
  want_start = g_build_filename (
      tmpdir, camdir, "2030-01-07", "123456.889Z-f1-motion.jpg", NULL);
  want_alert = g_build_filename (
      tmpdir, camdir, "2030-01-07", "123457.089Z-f3-alert.jpg", NULL);
  fail_unless (path_of (idle) == NULL);
  fail_unless_equals_string (path_of (start), want_start);
  fail_unless (path_of (cont) == NULL);
  /* the row expires with the file: max-age on the host clock */
  fm = gst_buffer_get_axion_frame_meta (start);
  fail_unless (
      fm->snapshot_expires_us >= before + (gint64) 3600 * G_USEC_PER_SEC);
  fail_unless (
      fm->snapshot_expires_us <= after + (gint64) 3600 * G_USEC_PER_SEC);
  fail_unless_equals_string (path_of (alert), want_alert);

  /* and in alert_data (the alert's own members kept) */
  am = (GstAxionAlertMeta *) gst_buffer_get_meta (
      alert, GST_AXION_ALERT_META_API_TYPE);
  fail_unless (am != NULL);
  fail_unless (
      g_str_has_prefix (am->alert->data_json, "{\"snapshot_path\":\""));
  fail_unless (strstr (am->alert->data_json, want_alert) != NULL);
  fail_unless (g_str_has_suffix (am->alert->data_json, ",\"zone\":\"door\"}"));

  /* stopping writes what is queued: every path is a JPEG */
  gst_harness_teardown (h);
  fail_unless (is_jpeg (want_start));
  fail_unless (is_jpeg (want_alert));
  latest = g_build_filename (tmpdir, camdir, "latest.jpg", NULL);
  fail_unless (is_jpeg (latest));

  gst_buffer_unref (idle);
  gst_buffer_unref (start);
  gst_buffer_unref (cont);
  gst_buffer_unref (alert);
  g_free (want_start);
  g_free (want_alert);
  g_free (latest);
  g_free (camdir);
}

GST_END_TEST;

GST_START_TEST (test_alert_without_data)
{
  GstHarness *h = new_snapshot ();
  GstBuffer *b;
  GstAxionAlertMeta *am;
  GstStructure *st;
  guint64 written = 0;

  g_object_set (h->element, "on-motion", FALSE, NULL);
  b = push (h, 1, GST_AXION_MOTION_STATE_START, FALSE, NULL);
  fail_unless (path_of (b) == NULL); /* on-motion=false */
  gst_buffer_unref (b);
  b = push (h, 2, GST_AXION_MOTION_STATE_CONTINUE, TRUE, NULL);
  am = (GstAxionAlertMeta *) gst_buffer_get_meta (
      b, GST_AXION_ALERT_META_API_TYPE);
  /* valid JSON object of one member */
  fail_unless (
      g_str_has_prefix (am->alert->data_json, "{\"snapshot_path\":\""));
  fail_unless (g_str_has_suffix (am->alert->data_json, "-alert.jpg\"}"));
  gst_buffer_unref (b);
  gst_element_set_state (h->element, GST_STATE_NULL);
  g_object_get (h->element, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "snapshots-written", &written));
  fail_unless_equals_int ((gint) written, 1);
  gst_structure_free (st);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_bad_location)
{
  GstHarness *h = gst_harness_new ("axionsnapshot");
  GstStateChangeReturn ret;

  /* a file where the directory should be */
  gchar *file = g_build_filename (tmpdir, "file", NULL);
  gchar *loc = g_build_filename (file, "snaps", NULL);
  g_file_set_contents (file, "x", 1, NULL);
  g_object_set (h->element, "location", loc, NULL);
  gst_element_set_state (h->element, GST_STATE_NULL);
  ret = gst_element_set_state (h->element, GST_STATE_PAUSED);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  gst_harness_teardown (h);
  g_free (file);
  g_free (loc);
}

GST_END_TEST;

/* ---- a track's best frame ------------------------------------------------ */

/* a frame whose pixels are all @luma, with a detection of each track in
 * @ids at @confs (axiontrack's ROI params) and, when @ended > 0, a
 * track_ended event of that track with its summary */
static GstBuffer *
push_tracks (GstHarness *h, guint64 n, guint8 luma, const gint64 *ids,
    const gdouble *confs, guint n_ids, gint64 ended)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H, NULL);
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);
  GstBuffer *out;

  gst_buffer_memset (buf, 0, luma, W * H);
  GST_BUFFER_PTS (buf) = n * 100 * GST_MSECOND;
  gst_axion_frame_meta_set_camera_id (m, "cam/1");
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, T0_US + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_NTP);
  for (guint i = 0; i < n_ids; i++) {
    GstVideoRegionOfInterestMeta *roi = gst_axion_roi_add_detection (
        buf, "person", confs[i], 8, 8, 16, 16);
    gst_axion_roi_set_track_id (roi, ids[i]);
  }
  if (ended > 0) {
    gint64 event_id = 5000 + ended;
    GstCustomMeta *cm = gst_buffer_add_custom_meta (
        buf, GST_AXION_EVENT_DATA_META);
    gchar key[32], *json;
    g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, event_id);
    json = g_strdup_printf (
        "{\"track_id\":%" G_GINT64_FORMAT ",\"class\":\"person\"}", ended);
    gst_structure_set (
        gst_custom_meta_get_structure (cm), key, G_TYPE_STRING, json, NULL);
    g_free (json);
    gst_axion_frame_meta_add_event_with_id (
        m, GST_AXION_EVENT_TRACK_ENDED, event_id);
  }
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  out = gst_harness_pull (h);
  /* nothing of the frame is held: the decoder's pool gets it back */
  fail_unless_equals_int (GST_MINI_OBJECT_REFCOUNT_VALUE (out), 1);
  fail_unless (gst_buffer_is_all_memory_writable (out));
  return out;
}

static const gchar *
event_json (GstBuffer *b, gint64 ended)
{
  GstCustomMeta *cm = gst_buffer_get_custom_meta (b, GST_AXION_EVENT_DATA_META);
  gchar key[32];

  g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, 5000 + ended);
  return cm ? gst_structure_get_string (gst_custom_meta_get_structure (cm), key)
            : NULL;
}

/* the mean luma of a JPEG file, decoded by jpegdec */
static gdouble
jpeg_mean (const gchar *path)
{
  GstElement *p = gst_parse_launch ("filesrc name=src ! jpegdec ! videoconvert "
                                    "! video/x-raw,format=GRAY8 ! appsink "
                                    "name=sink",
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (p), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  GstSample *sample;
  GstVideoInfo info;
  GstVideoFrame f;
  gdouble sum = 0;

  g_object_set (src, "location", path, NULL);
  gst_element_set_state (p, GST_STATE_PLAYING);
  g_signal_emit_by_name (sink, "pull-sample", &sample);
  fail_unless (sample != NULL, "%s is no JPEG", path);
  gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
  fail_unless (gst_video_frame_map (
      &f, &info, gst_sample_get_buffer (sample), GST_MAP_READ));
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++)
      sum += ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (
          &f, 0))[y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0) + x];
  gst_video_frame_unmap (&f);
  gst_sample_unref (sample);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (p);
  return sum / (W * H);
}

static guint
count_files (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  if (d)
    g_dir_close (d);
  return n;
}

GST_START_TEST (test_track_best_frame)
{
  GstHarness *h = new_snapshot ();
  const gint64 both[] = { 1, 2 };
  GstBuffer *b[4];
  gchar *camdir = gst_axion_camera_id_to_filename ("cam/1");
  gchar *tracks = g_build_filename (tmpdir, camdir, "tracks", NULL);
  gchar *one = g_build_filename (tracks, "1.jpg", NULL);
  gchar *two = g_build_filename (tracks, "2.jpg", NULL);
  gchar *want;
  GstStructure *st;
  guint64 kept = 0;

  g_object_set (h->element, "on-motion", FALSE, "on-alert", FALSE, NULL);
  /* track 1 is best on the bright frame (0.9), track 2 on the dark one */
  b[0] = push_tracks (h, 1, 50, both, (gdouble[]){ 0.3, 0.8 }, 2, 0);
  b[1] = push_tracks (h, 2, 200, both, (gdouble[]){ 0.9, 0.4 }, 2, 0);
  b[2] = push_tracks (h, 3, 120, both, (gdouble[]){ 0.6, 0.7 }, 2, 0);
  /* track 1 ends (axiontrack's event); track 2 is still live */
  b[3] = push_tracks (h, 4, 90, &both[1], (gdouble[]){ 0.5 }, 1, 1);

  /* the event's event_data names the file, the summary kept */
  want = g_strdup_printf ("{\"snapshot_path\":\"%s\",\"track_id\":1,"
                          "\"class\":\"person\"}",
      one);
  fail_unless_equals_string (event_json (b[3], 1), want);
  /* no event snapshot: the frame rows name none */
  for (guint i = 0; i < 4; i++)
    fail_unless (path_of (b[i]) == NULL);

  /* stopping keeps the live track's best frame too */
  gst_element_set_state (h->element, GST_STATE_NULL);
  g_object_get (h->element, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "track-snapshots", &kept));
  fail_unless_equals_int ((gint) kept, 2);
  gst_structure_free (st);

  /* exactly one JPEG per track, its best frame's */
  fail_unless_equals_int (count_files (tracks), 2);
  fail_unless (is_jpeg (one));
  fail_unless (ABS (jpeg_mean (one) - 200) < 8, "%f", jpeg_mean (one));
  fail_unless (ABS (jpeg_mean (two) - 50) < 8, "%f", jpeg_mean (two));

  gst_harness_teardown (h);
  for (guint i = 0; i < 4; i++)
    gst_buffer_unref (b[i]);
  g_free (want);
  g_free (one);
  g_free (two);
  g_free (tracks);
  g_free (camdir);
}

GST_END_TEST;

GST_START_TEST (test_track_off)
{
  GstHarness *h = new_snapshot ();
  const gint64 id = 7;
  gchar *camdir = gst_axion_camera_id_to_filename ("cam/1");
  gchar *tracks = g_build_filename (tmpdir, camdir, "tracks", NULL);
  GstBuffer *b;

  g_object_set (h->element, "on-track", FALSE, NULL);
  gst_buffer_unref (push_tracks (h, 1, 200, &id, (gdouble[]){ 0.9 }, 1, 0));
  b = push_tracks (h, 2, 50, NULL, NULL, 0, id);
  /* the event is left as it was */
  fail_unless_equals_string (
      event_json (b, id), "{\"track_id\":7,\"class\":\"person\"}");
  gst_buffer_unref (b);
  gst_harness_teardown (h);
  fail_unless (!g_file_test (tracks, G_FILE_TEST_EXISTS));
  g_free (tracks);
  g_free (camdir);
}

GST_END_TEST;

/* a track no region names for 60 s (capture time) keeps its file; its end
 * event may come later (a slow detector) and still names it; a track that
 * comes back goes on improving its file, counted once */
GST_START_TEST (test_track_gone)
{
  GstHarness *h = new_snapshot ();
  const gint64 both[] = { 3, 4 };
  gchar *camdir = gst_axion_camera_id_to_filename ("cam/1");
  gchar *tracks = g_build_filename (tmpdir, camdir, "tracks", NULL);
  gchar *three = g_build_filename (tracks, "3.jpg", NULL);
  gchar *four = g_build_filename (tracks, "4.jpg", NULL);
  gchar *want;
  GstStructure *st;
  GstBuffer *b;
  guint64 kept = 0;
  guint files = 0;

  g_object_set (h->element, "on-motion", FALSE, NULL);
  gst_buffer_unref (
      push_tracks (h, 1, 200, both, (gdouble[]){ 0.9, 0.6 }, 2, 0));
  /* 70 s later, nothing: both files are kept */
  gst_buffer_unref (push_tracks (h, 701, 90, NULL, NULL, 0, 0));
  /* track 3 is back, better; track 4's end event comes late */
  b = push_tracks (h, 702, 50, &both[0], (gdouble[]){ 0.95 }, 1, 4);
  want = g_strdup_printf ("{\"snapshot_path\":\"%s\",", four);
  fail_unless (
      g_str_has_prefix (event_json (b, 4), want), "%s", event_json (b, 4));
  g_free (want);
  gst_buffer_unref (b);
  b = push_tracks (h, 703, 90, NULL, NULL, 0, 3);
  want = g_strdup_printf ("{\"snapshot_path\":\"%s\",", three);
  fail_unless (
      g_str_has_prefix (event_json (b, 3), want), "%s", event_json (b, 3));
  g_free (want);
  gst_buffer_unref (b);

  gst_element_set_state (h->element, GST_STATE_NULL);
  g_object_get (h->element, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "track-snapshots", &kept));
  fail_unless (gst_structure_get_uint (st, "files-on-disk", &files));
  fail_unless_equals_int ((gint) kept, 2);
  fail_unless_equals_int (files, 2);
  gst_structure_free (st);
  fail_unless_equals_int (count_files (tracks), 2);
  fail_unless (ABS (jpeg_mean (three) - 50) < 8, "%f", jpeg_mean (three));
  fail_unless (ABS (jpeg_mean (four) - 200) < 8, "%f", jpeg_mean (four));
  gst_harness_teardown (h);
  g_free (three);
  g_free (four);
  g_free (tracks);
  g_free (camdir);
}

GST_END_TEST;

/* the writer has nothing queued (polled: no
 * timing; a generous bound only ends a broken run) */
static void
wait_written (GstHarness *h)
{
  for (gint k = 0; k < 600; k++) {
    GstStructure *st;
    guint queued = 1;
    g_object_get (h->element, "stats", &st, NULL);
    gst_structure_get_uint (st, "queued", &queued);
    gst_structure_free (st);
    if (queued == 0)
      break;
    g_usleep (20000);
  }
}

/* the track files' deletions sent downstream: "EVENT-ID TIME-US PATH" a
 * line, in order (the frames' deletions, without an event id, left out) */
static gchar *
track_deletions (GstHarness *h)
{
  GString *s = g_string_new (NULL);
  GstEvent *e;

  while ((e = gst_harness_try_pull_event (h)) != NULL) {
    const gchar *camera, *path;
    gint64 t, expires, id;
    if (gst_axion_snapshot_deleted_event_parse (
            e, &camera, &path, &t, &expires, &id) &&
        id > 0) {
      fail_unless_equals_string (camera, "cam/1");
      g_string_append_printf (
          s, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s\n", id, t, path);
    }
    gst_event_unref (e);
  }
  return g_string_free (s, FALSE);
}

/* max-bytes deletes the track files: their track_ended events are told
 * (event id, the event's time: its row's key), also for a file deleted
 * while its track was gone, before its late end event named it */
GST_START_TEST (test_track_file_deleted)
{
  GstHarness *h = new_snapshot ();
  const gint64 four = 4, five = 5;
  gchar *camdir = gst_axion_camera_id_to_filename ("cam/1");
  gchar *tracks = g_build_filename (tmpdir, camdir, "tracks", NULL);
  gchar *want, *got;

  /* every kept file is over the bound: deleted at once */
  g_object_set (h->element, "on-motion", FALSE, "max-bytes", (guint64) 1, NULL);
  gst_buffer_unref (push_tracks (h, 1, 200, &four, (gdouble[]){ 0.9 }, 1, 0));
  wait_written (h);
  /* 70 s later: track 4 is gone, its file kept, so deleted (no event
   * names it yet); its end event comes later and names it */
  gst_buffer_unref (push_tracks (h, 701, 90, NULL, NULL, 0, 0));
  wait_written (h);
  gst_buffer_unref (push_tracks (h, 702, 90, NULL, NULL, 0, 4));
  /* track 5 ends with its file on disk, deleted when kept */
  gst_buffer_unref (push_tracks (h, 703, 120, &five, (gdouble[]){ 0.8 }, 1, 0));
  gst_buffer_unref (push_tracks (h, 704, 90, NULL, NULL, 0, 5));
  wait_written (h);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  got = track_deletions (h);
  want = g_strdup_printf ("5004 %" G_GINT64_FORMAT " %s/4.jpg\n"
                          "5005 %" G_GINT64_FORMAT " %s/5.jpg\n",
      T0_US + 702 * 100000, tracks, T0_US + 704 * 100000, tracks);
  fail_unless_equals_string (got, want);
  fail_unless_equals_int (count_files (tracks), 0);
  gst_harness_teardown (h);
  g_free (got);
  g_free (want);
  g_free (tracks);
  g_free (camdir);
}

GST_END_TEST;

/* with the real axiontrack upstream: its ids, its track_ended event and
 * its summary's JSON */
GST_START_TEST (test_track_with_axiontrack)
{
  GstHarness *h = gst_harness_new_parse (
      "axiontrack min-hits=1 max-misses=2 ! axionsnapshot name=snap "
      "interval=0 on-motion=false");
  const gdouble confs[] = { 0.7, 0.95, 0.8, 0.75 };
  const guint8 lumas[] = { 60, 210, 130, 100 };
  GstElement *snap = gst_bin_get_by_name (GST_BIN (h->element), "snap");
  gchar *camdir = gst_axion_camera_id_to_filename ("cam/1");
  gchar *tracks = g_build_filename (tmpdir, camdir, "tracks", NULL);
  gchar *path = NULL;
  const gchar *json = NULL;
  GstBuffer *ended = NULL;

  g_object_set (snap, "location", tmpdir, NULL);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1");
  /* one person, best seen on the second frame; then the detector runs
   * and misses it until the track ends */
  for (guint64 n = 0; n < 10 && ended == NULL; n++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H, NULL);
    GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);
    GstBuffer *out;

    gst_buffer_memset (buf, 0, n < 4 ? lumas[n] : 20, W * H);
    GST_BUFFER_PTS (buf) = n * 100 * GST_MSECOND;
    GST_BUFFER_DURATION (buf) = 100 * GST_MSECOND;
    gst_axion_frame_meta_set_camera_id (m, "cam/1");
    gst_axion_frame_meta_set_frame_number (m, n);
    gst_axion_frame_meta_set_capture_time (
        m, T0_US + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_NTP);
    gst_axion_frame_meta_set_inference (m, GST_AXION_INFERENCE_RAN, 0, 1);
    if (n < 4)
      gst_axion_roi_add_detection (buf, "person", confs[n], 16, 12, 16, 24);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    out = gst_harness_pull (h);
    m = gst_buffer_get_axion_frame_meta (out);
    for (guint i = 0; i < m->n_events; i++)
      if (m->events[i].type == GST_AXION_EVENT_TRACK_ENDED) {
        GstCustomMeta *cm = gst_buffer_get_custom_meta (
            out, GST_AXION_EVENT_DATA_META);
        gchar key[32];
        g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, m->events[i].id);
        json = gst_structure_get_string (
            gst_custom_meta_get_structure (cm), key);
        ended = gst_buffer_ref (out);
      }
    gst_buffer_unref (out);
  }
  fail_unless (ended != NULL, "axiontrack ended no track");
  path = g_build_filename (tracks, "1.jpg", NULL);
  {
    gchar *want = g_strdup_printf ("{\"snapshot_path\":\"%s\",", path);
    fail_unless (g_str_has_prefix (json, want), "%s", json);
    fail_unless (strstr (json, "\"track_id\":1,") != NULL, "%s", json);
    g_free (want);
  }
  gst_harness_teardown (h);
  fail_unless_equals_int (count_files (tracks), 1);
  fail_unless (ABS (jpeg_mean (path) - 210) < 8, "%f", jpeg_mean (path));

  gst_buffer_unref (ended);
  gst_object_unref (snap);
  g_free (path);
  g_free (tracks);
  g_free (camdir);
}

GST_END_TEST;

static Suite *
axionsnapshot_suite (void)
{
  Suite *s = suite_create ("axionsnapshot");
  TCase *tc = tcase_create ("general");

  /* axiontrack registers the event data meta */
  gst_object_unref (gst_element_factory_make ("axiontrack", NULL));

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_motion_start_and_alert);
  tcase_add_test (tc, test_alert_without_data);
  tcase_add_test (tc, test_bad_location);
  tcase_add_test (tc, test_track_best_frame);
  tcase_add_test (tc, test_track_off);
  tcase_add_test (tc, test_track_gone);
  tcase_add_test (tc, test_track_file_deleted);
  tcase_add_test (tc, test_track_with_axiontrack);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (axionsnapshot);
