/* Integration test: frame_metadata says how axiongate sampled a camera
 * (sql/007: frames_received, frames_decoded, gate_state), row-exact
 * against a real PostgreSQL 15 (run through tests/fixtures/with-servers
 * --pg): an encoded camera stream through axiongate ! openh264dec !
 * axionhash ! axionpgsink, idle (keyframes), woken by an activity event
 * (replayed frames, then every frame); a camera with gated=false (every
 * frame: full); and a camera without a gate, whose rows have NULL there. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <gst/axion/axion.h>
#include <libpq-fe.h>

#include "pgtest.h"

static PGconn *conn;
static const gchar *conninfo;

#define assert_rows(expected, sql) pgtest_assert_rows (conn, expected, sql)

/* @n access units of a 160x120 H.264 camera, GOP 10, AU-aligned */
static GPtrArray *
encode (guint n, GstCaps **caps)
{
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=%u pattern=smpte ! "
      "video/x-raw,format=I420,width=160,height=120,framerate=10/1 ! "
      "openh264enc gop-size=10 ! h264parse config-interval=-1 ! "
      "video/x-h264,stream-format=byte-stream,alignment=au ! "
      "appsink name=sink sync=false",
      n);
  GstElement *pipe = gst_parse_launch (desc, NULL), *sink;
  GPtrArray *aus = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_buffer_unref);
  GstSample *sample;

  g_free (desc);
  fail_unless (pipe != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    if (*caps == NULL)
      *caps = gst_caps_copy (gst_sample_get_caps (sample));
    g_ptr_array_add (aus, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  fail_unless_equals_int (aus->len, n);
  return aus;
}

static void
push (GstHarness *h, GPtrArray *aus, guint from, guint to)
{
  for (guint i = from; i < to; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (aus, i))),
        GST_FLOW_OK);
}

GST_START_TEST (test_gate_columns_row_exact)
{
  GstCaps *caps = NULL;
  GPtrArray *aus = encode (20, &caps);
  GstHarness *h;
  GstElement *gate;
  GstPad *pad;
  gchar *desc;

  /* a gated camera: keyframes 0 and 10 while idle; the activity event
   * (what axionmotion sends) before frame 14: the GOP before (1-9, after
   * keyframe 0 decoded again without a row) and 11-13 replayed, then
   * 14-19 */
  desc = g_strdup_printf (
      "axiongate hold-ms=100000 ! openh264dec ! videoconvert ! "
      "axionhash camera-id=CAM_GATE ! axionpgsink conninfo=\"%s\" "
      "batch-size=16 flush-interval-ms=50",
      conninfo);
  h = gst_harness_new_parse (desc);
  g_free (desc);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  push (h, aus, 0, 14);
  gate = gst_harness_find_element (h, "axiongate");
  pad = gst_element_get_static_pad (gate, "src");
  fail_unless (
      gst_pad_send_event (pad, gst_axion_activity_event_new ("motion", 0.2)));
  gst_object_unref (pad);
  gst_object_unref (gate);
  push (h, aus, 14, 20);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  /* gated=false: every frame decoded though nothing moved: full */
  desc = g_strdup_printf ("axiongate gated=false ! openh264dec ! videoconvert "
                          "! axionhash camera-id=CAM_UNGATED ! axionpgsink "
                          "conninfo=\"%s\" batch-size=16 flush-interval-ms=50",
      conninfo);
  h = gst_harness_new_parse (desc);
  g_free (desc);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  push (h, aus, 0, 12);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  /* a camera without a gate: every frame decoded, nothing to say */
  desc = g_strdup_printf ("openh264dec ! videoconvert ! "
                          "axionhash camera-id=CAM_NOGATE ! axionpgsink "
                          "conninfo=\"%s\" batch-size=16 flush-interval-ms=50",
      conninfo);
  h = gst_harness_new_parse (desc);
  g_free (desc);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  push (h, aus, 0, 3);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  /* frame 10 was sampled (received 11, decoded 2: 1-9 not decoded
   * then); the replayed frames went to the decoder when frame 14 arrived
   * (15 received), each once: every frame has one row; nothing was left
   * out before the first keyframe */
  assert_rows ("0 1 1 full|1 15 3 replayed|2 15 4 replayed|3 15 5 replayed|"
               "4 15 6 replayed|5 15 7 replayed|6 15 8 replayed|"
               "7 15 9 replayed|8 15 10 replayed|9 15 11 replayed|"
               "10 11 2 sampled|11 15 12 replayed|12 15 13 replayed|"
               "13 15 14 replayed|14 15 15 full|15 16 16 full|16 17 17 full|"
               "17 18 18 full|18 19 19 full|19 20 20 full",
      "SELECT frame_number, frames_received, frames_decoded, gate_state "
      "FROM frame_metadata WHERE camera_id = 'CAM_GATE' "
      "ORDER BY frame_number");
  assert_rows ("0 NULL NULL NULL|1 NULL NULL NULL|2 NULL NULL NULL",
      "SELECT frame_number, frames_received, frames_decoded, gate_state "
      "FROM frame_metadata WHERE camera_id = 'CAM_NOGATE' "
      "ORDER BY frame_number");
  assert_rows ("12 12 12 full",
      "SELECT count(*), max(frames_received), max(frames_decoded), "
      "string_agg(DISTINCT gate_state, ',') FROM frame_metadata "
      "WHERE camera_id = 'CAM_UNGATED'");
  /* what a user asks: the share of the camera's frames analysed (all of
   * them here: the wake's replay reached back to the first keyframe) */
  assert_rows ("20 20",
      "SELECT max(frames_received), max(frames_decoded) FROM frame_metadata "
      "WHERE camera_id = 'CAM_GATE'");
  gst_caps_unref (caps);
  g_ptr_array_unref (aus);
}

GST_END_TEST;

/* the migration's check: a state outside the three, or more frames
 * decoded than received, is refused */
GST_START_TEST (test_gate_columns_checked)
{
  PGresult *r = PQexec (conn,
      "INSERT INTO frame_metadata (metadata_id, camera_id, frame_number, "
      "frame_timestamp, resolution_width, resolution_height, format, "
      "frames_received, frames_decoded, gate_state) VALUES (1, 'C', 1, "
      "'2026-01-01', 1, 1, 'raw', 5, 6, 'sampled')");
  fail_unless (PQresultStatus (r) == PGRES_FATAL_ERROR);
  PQclear (r);
  r = PQexec (conn,
      "INSERT INTO frame_metadata (metadata_id, camera_id, frame_number, "
      "frame_timestamp, resolution_width, resolution_height, format, "
      "frames_received, frames_decoded, gate_state) VALUES (1, 'C', 1, "
      "'2026-01-01', 1, 1, 'raw', 5, 5, 'sleeping')");
  fail_unless (PQresultStatus (r) == PGRES_FATAL_ERROR);
  PQclear (r);
}

GST_END_TEST;

static Suite *
gate_rows_suite (void)
{
  Suite *s = suite_create ("gate_rows");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_gate_columns_row_exact);
  tcase_add_test (tc, test_gate_columns_checked);
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
  {
    /* a spool of its own: rows a failed earlier run spooled under the
     * shared state directory would be replayed into this database */
    gchar *state = g_dir_make_tmp ("axion-state-XXXXXX", NULL);
    g_setenv ("XDG_STATE_HOME", state, TRUE);
    g_free (state);
  }
  if (!pgtest_migrate ())
    return 1;
  conn = PQconnectdb (conninfo);
  gst_check_init (&argc, &argv);
  rc = gst_check_run_suite (gate_rows_suite (), "gate_rows", __FILE__);
  PQfinish (conn);
  return rc;
}
