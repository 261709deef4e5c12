/* Integration test: camera_events columns that axionpgsink and the
 * database fill together, row-exact against a real PostgreSQL 15 (run
 * through tests/fixtures/with-servers --pg):
 *  - fps_actual measured from capture times on a stream whose caps have no
 *    framerate (RTSP), total_processing_ms from capture to the sink on the
 *    pipeline clock (a test clock 40 ms past every frame);
 *  - sent_to_claude / claude_analysis_id set by migration 004's trigger
 *    when the analysis of an event arrives on a later buffer, and
 *    alert_generated when an alert follows. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <libpq-fe.h>

#include "pgtest.h"

static PGconn *conn;
static const gchar *conninfo;

#define assert_rows(expected, sql) pgtest_assert_rows (conn, expected, sql)

static GstBuffer *
frame (guint64 n, gint64 *event_id)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64 * 48 * 3 / 2, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);

  gst_axion_frame_meta_set_camera_id (m, "CAM_COLS");
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (m,
      G_GINT64_CONSTANT (1796000000000000) + (gint64) n * 100000,
      GST_AXION_CAPTURE_TIME_NTP);
  if (n == 10 || n == 11) {
    gst_axion_frame_meta_set_motion (m, 0.5,
        n == 10 ? GST_AXION_MOTION_STATE_START
                : GST_AXION_MOTION_STATE_CONTINUE);
    gst_axion_frame_meta_add_event (m,
        n == 10 ? GST_AXION_EVENT_MOTION_START
                : GST_AXION_EVENT_MOTION_CONTINUE);
    *event_id = m->events[0].id;
  }
  GST_BUFFER_PTS (buf) = n * 100 * GST_MSECOND;
  return buf;
}

GST_START_TEST (test_columns_row_exact)
{
  GstHarness *h;
  gchar *desc, *q;
  gint64 ev10 = 0, ev11 = 0, ignored = 0;
  GstAxionAnalysis *a;
  GstBuffer *b;

  desc = g_strdup_printf ("axionpgsink name=s conninfo=\"%s\" "
                          "batch-size=16 flush-interval-ms=50",
      conninfo);
  h = gst_harness_new_parse (desc);
  g_free (desc);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=0/1");
  gst_harness_use_testclock (h);
  gst_element_set_base_time (h->element, 0);
  for (guint n = 0; n < 14; n++) {
    b = frame (n, n == 10 ? &ev10 : n == 11 ? &ev11 : &ignored);
    if (n == 13) {
      /* Claude's answer about frame 10's event, two frames later */
      a = gst_axion_analysis_new ();
      a->analysis_id = gst_axion_id_next ();
      a->trigger_event_id = ev10;
      a->camera_id = g_strdup ("CAM_COLS");
      a->request_type = g_strdup ("scene_description");
      a->event_time_us = G_GINT64_CONSTANT (1796000001000000);
      gst_buffer_add_axion_analysis_meta (b, a);
      gst_axion_analysis_free (a);
    }
    fail_unless (gst_harness_set_time (h, (n * 100 + 40) * GST_MSECOND));
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  /* the first second of frames (0-10, 100 ms apart): 10 fps; 40 ms each */
  assert_rows ("10 10.00 40|11 10.00 40",
      "SELECT frame_number, fps_actual, total_processing_ms FROM "
      "camera_events WHERE camera_id = 'CAM_COLS' ORDER BY frame_number");
  q = g_strdup_printf (
      "SELECT frame_number, sent_to_claude, "
      "claude_analysis_id = (SELECT analysis_id FROM "
      "claude_analyses WHERE trigger_event_id = %" G_GINT64_FORMAT
      "), alert_generated, updated_at IS NOT NULL FROM "
      "camera_events WHERE camera_id = 'CAM_COLS' ORDER BY "
      "frame_number",
      ev10);
  /* frame 10's motion start was analysed; frame 11's motion continue is
   * not an event axionclaude analyses: NULL, not pending (so the pending
   * index holds only candidates) */
  assert_rows ("10 t t f t|11 NULL NULL f f", q);
  g_free (q);
  /* an alert about frame 11's event */
  q = g_strdup_printf ("INSERT INTO alerts (alert_type, severity, camera_id, "
                       "trigger_event_id, title, description) VALUES "
                       "('motion', 3, 'CAM_COLS', %" G_GINT64_FORMAT
                       ", 't', 'd')",
      ev11);
  PQclear (PQexec (conn, q));
  g_free (q);
  assert_rows ("10 f|11 t",
      "SELECT frame_number, alert_generated FROM camera_events WHERE "
      "camera_id = 'CAM_COLS' ORDER BY frame_number");
}

GST_END_TEST;

static Suite *
event_columns_suite (void)
{
  Suite *s = suite_create ("event_columns");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_columns_row_exact);
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
  if (g_getenv ("XDG_STATE_HOME") == NULL) {
    gchar *state = g_dir_make_tmp ("axion-state-XXXXXX", NULL);
    g_setenv ("XDG_STATE_HOME", state, TRUE);
    g_free (state);
  }
  if (!pgtest_migrate ())
    return 1;
  conn = PQconnectdb (conninfo);
  gst_check_init (&argc, &argv);
  rc = gst_check_run_suite (event_columns_suite (), "event_columns", __FILE__);
  PQfinish (conn);
  return rc;
}
