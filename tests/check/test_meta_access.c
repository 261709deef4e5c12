/* Unit tests: gstaxionmetaaccess.h, the functions bindings (Python) read
 * the metas with. Each part's getter says whether the part is set and
 * never reports an unset part as a value; the n-th analysis and alert
 * metas of a buffer. (tests/install/test_gi.py calls the same functions
 * through the typelib; this runs them under the leaks tracer and ASan.) */
#include <gst/check/gstcheck.h>
#include <gst/axion/axion.h>

GST_START_TEST (test_unset_parts_read_as_unset)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAxionFrameMeta *m;
  GstAxionQuality q = { 1, 1, 1, 1, 1 };
  guint64 u = 99;
  gint64 us = 99, id = 99;
  gdouble d1 = 9, d2 = 9;
  GstAxionMotionState ms = GST_AXION_MOTION_STATE_END;
  GstAxionInferenceState is = GST_AXION_INFERENCE_RAN;
  GstAxionCaptureTimeSource src;
  GstAxionEventType type;

  fail_unless (gst_axion_buffer_get_frame_meta (buf) == NULL);
  m = gst_buffer_add_axion_frame_meta (buf);
  fail_unless (gst_axion_buffer_get_frame_meta (buf) == m);

  fail_unless (gst_axion_frame_meta_get_camera_id (m) == NULL);
  fail_if (gst_axion_frame_meta_get_frame_number (m, &u));
  fail_unless_equals_uint64 (u, 0);
  fail_if (gst_axion_frame_meta_get_capture_time (m, &us, &src));
  fail_unless_equals_int64 (us, 0);
  fail_if (gst_axion_frame_meta_get_motion (m, &d1, &ms));
  fail_unless (d1 == 0.0 && ms == GST_AXION_MOTION_STATE_IDLE);
  fail_unless (gst_axion_frame_meta_get_frame_hash (m) == NULL);
  u = 99;
  fail_if (gst_axion_frame_meta_get_perceptual_hash (m, &u));
  fail_unless_equals_uint64 (u, 0);
  fail_if (gst_axion_frame_meta_get_difference_hash (m, &u));
  fail_if (gst_axion_frame_meta_get_scene_hash (m, &u));
  fail_if (gst_axion_frame_meta_get_scene_change (m, &d1, &d2));
  fail_unless (d1 == 0.0 && d2 == 0.0);
  fail_if (gst_axion_frame_meta_get_quality (m, &q));
  fail_unless (q.overall == 0.0 && q.sharpness == 0.0);
  fail_if (gst_axion_frame_meta_get_inference (m, &is, &d1, &d2));
  fail_unless_equals_int (is, GST_AXION_INFERENCE_NONE);
  fail_if (gst_axion_frame_meta_get_compressed_bytes (m, &u));
  fail_unless_equals_uint64 (u, 0);
  {
    GstAxionGateInfo g;
    fail_if (gst_axion_frame_meta_get_gate (m, &g));
    fail_unless (g.received == 0 && !g.replayed);
  }
  fail_unless (gst_axion_frame_meta_get_snapshot (m, &us) == NULL);
  fail_unless_equals_int64 (us, 0);
  fail_unless_equals_int (gst_axion_frame_meta_get_n_events (m), 0);
  fail_if (gst_axion_frame_meta_get_event (m, 0, &type, &id));
  fail_unless_equals_int64 (id, 99); /* untouched */
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_set_parts_read_back)
{
  GstBuffer *buf = gst_buffer_new (), *copy;
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);
  GstAxionQuality q = { 0.1, 0.2, 0.3, 0.4, 0.5 }, out;
  guint64 u;
  gint64 us, id, motion_id;
  gdouble d1, d2;
  GstAxionMotionState ms;
  GstAxionInferenceState is;
  GstAxionCaptureTimeSource src;
  GstAxionEventType type;

  gst_axion_frame_meta_set_camera_id (m, "cam1");
  gst_axion_frame_meta_set_frame_number (m, 77);
  gst_axion_frame_meta_set_capture_time (
      m, 1700000000000001, GST_AXION_CAPTURE_TIME_UNIX);
  gst_axion_frame_meta_set_motion (m, 0.5, GST_AXION_MOTION_STATE_CONTINUE);
  fail_unless (gst_axion_frame_meta_set_frame_hash (m, "00ff"));
  gst_axion_frame_meta_set_perceptual_hash (m, G_GUINT64_CONSTANT (1) << 63);
  gst_axion_frame_meta_set_difference_hash (m, 3);
  gst_axion_frame_meta_set_scene_hash (m, 4);
  gst_axion_frame_meta_set_scene_change (m, 0.25, 0.125);
  gst_axion_frame_meta_set_quality (m, &q);
  gst_axion_frame_meta_set_inference (m, GST_AXION_INFERENCE_STALE, 7, 0);
  motion_id = gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_END);
  gst_axion_frame_meta_set_compressed_bytes (m, 4321);
  {
    GstAxionGateInfo g = { .received = 30,
      .decoded = 3,
      .skipped_before = 9,
      .replayed = TRUE,
      .active = FALSE };
    gst_axion_frame_meta_set_gate (m, &g);
  }
  gst_axion_frame_meta_set_snapshot (m, "/snap/cam1/1.jpg", 1700000600000000);

  /* a copy of the buffer reads the same */
  copy = gst_buffer_copy (buf);
  m = gst_axion_buffer_get_frame_meta (copy);
  fail_unless_equals_string (gst_axion_frame_meta_get_camera_id (m), "cam1");
  fail_unless (gst_axion_frame_meta_get_frame_number (m, &u));
  fail_unless_equals_uint64 (u, 77);
  fail_unless (gst_axion_frame_meta_get_capture_time (m, &us, &src));
  fail_unless_equals_int64 (us, 1700000000000001);
  fail_unless_equals_int (src, GST_AXION_CAPTURE_TIME_UNIX);
  fail_unless (gst_axion_frame_meta_get_motion (m, &d1, &ms));
  fail_unless (d1 == 0.5 && ms == GST_AXION_MOTION_STATE_CONTINUE);
  fail_unless_equals_string (gst_axion_frame_meta_get_frame_hash (m), "00ff");
  fail_unless (gst_axion_frame_meta_get_perceptual_hash (m, &u));
  fail_unless_equals_uint64 (u, G_GUINT64_CONSTANT (1) << 63);
  fail_unless (gst_axion_frame_meta_get_difference_hash (m, &u));
  fail_unless_equals_uint64 (u, 3);
  fail_unless (gst_axion_frame_meta_get_scene_hash (m, &u));
  fail_unless_equals_uint64 (u, 4);
  fail_unless (gst_axion_frame_meta_get_scene_change (m, &d1, &d2));
  fail_unless (d1 == 0.25 && d2 == 0.125);
  fail_unless (gst_axion_frame_meta_get_quality (m, &out));
  fail_unless (memcmp (&out, &q, sizeof q) == 0);
  fail_unless (gst_axion_frame_meta_get_inference (m, &is, &d1, &d2));
  fail_unless (is == GST_AXION_INFERENCE_STALE && d1 == 7 && d2 == 0);
  fail_unless_equals_int (gst_axion_frame_meta_get_n_events (m), 1);
  fail_unless (gst_axion_frame_meta_get_event (m, 0, &type, &id));
  fail_unless (type == GST_AXION_EVENT_MOTION_END && id == motion_id);
  fail_unless (gst_axion_frame_meta_get_compressed_bytes (m, &u));
  fail_unless_equals_uint64 (u, 4321);
  {
    GstAxionGateInfo g;
    fail_unless (gst_axion_frame_meta_get_gate (m, &g));
    fail_unless (g.received == 30 && g.decoded == 3 && g.skipped_before == 9 &&
        g.replayed && !g.active);
  }
  fail_unless_equals_string (
      gst_axion_frame_meta_get_snapshot (m, &us), "/snap/cam1/1.jpg");
  fail_unless_equals_int64 (us, 1700000600000000);
  /* every out parameter is optional */
  fail_unless (gst_axion_frame_meta_get_event (m, 0, NULL, NULL));
  fail_unless (gst_axion_frame_meta_get_motion (m, NULL, NULL));
  fail_unless (gst_axion_frame_meta_get_inference (m, NULL, NULL, NULL));
  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_nth_analysis_and_alert)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  GstAxionAlert *al = gst_axion_alert_new ();
  GstAxionAnalysisMeta *am;
  GstAxionAlertMeta *alm;

  fail_unless_equals_int (gst_axion_buffer_get_n_analysis_metas (buf), 0);
  fail_unless (gst_axion_buffer_get_analysis_meta (buf, 0) == NULL);
  fail_unless (gst_axion_buffer_get_alert_meta (buf, 0) == NULL);
  for (gint i = 1; i <= 3; i++) {
    a->analysis_id = i;
    gst_buffer_add_axion_analysis_meta (buf, a);
    al->alert_id = 10 * i;
    gst_buffer_add_axion_alert_meta (buf, al);
  }
  /* a frame meta among them is not counted */
  gst_buffer_add_axion_frame_meta (buf);
  fail_unless_equals_int (gst_axion_buffer_get_n_analysis_metas (buf), 3);
  fail_unless_equals_int (gst_axion_alert_meta_count (buf), 3);
  for (guint i = 0; i < 3; i++) {
    am = gst_axion_buffer_get_analysis_meta (buf, i);
    alm = gst_axion_buffer_get_alert_meta (buf, i);
    fail_unless (am != NULL && alm != NULL);
    fail_unless_equals_int64 (
        gst_axion_analysis_meta_get_analysis (am)->analysis_id, i + 1);
    fail_unless_equals_int64 (
        gst_axion_alert_meta_get_alert (alm)->alert_id, 10 * (i + 1));
  }
  fail_unless (gst_axion_buffer_get_analysis_meta (buf, 3) == NULL);
  fail_unless (gst_axion_buffer_get_alert_meta (buf, 3) == NULL);
  gst_axion_analysis_free (a);
  gst_axion_alert_free (al);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static Suite *
axion_meta_access_suite (void)
{
  Suite *s = suite_create ("axion-meta-access");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_unset_parts_read_as_unset);
  tcase_add_test (tc, test_set_parts_read_back);
  tcase_add_test (tc, test_nth_analysis_and_alert);
  return s;
}

GST_CHECK_MAIN (axion_meta_access);
