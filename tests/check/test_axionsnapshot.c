/* Unit tests: axionsnapshot on hand-made frames (frame meta and alert
 * meta set by the test; capture times chosen by the test: no clock, no
 * date). The files are checked after the element stopped (its writer
 * thread has then written every queued snapshot). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
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

static Suite *
axionsnapshot_suite (void)
{
  Suite *s = suite_create ("axionsnapshot");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_motion_start_and_alert);
  tcase_add_test (tc, test_alert_without_data);
  tcase_add_test (tc, test_bad_location);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (axionsnapshot);
