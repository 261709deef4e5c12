/* Integration test: axiontrack's events reach PostgreSQL (camera_events
 * rows with event_data, allowed by sql/006; track_id in objects_detected)
 * and the Redis event stream, through the real sinks and servers. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <libpq-fe.h>
#include "pgtest.h"

#define W 640
#define H 480
/* 2030-01-07 00:00:00 UTC */
#define T0_US ((gint64) 1893974400 * G_USEC_PER_SEC)

static PGconn *conn;

static gchar *
scalar (const gchar *sql)
{
  PGresult *r = PQexec (conn, sql);
  gchar *v = NULL;

  fail_unless (PQresultStatus (r) == PGRES_TUPLES_OK, "%s: %s", sql,
      PQerrorMessage (conn));
  if (PQntuples (r) > 0 && !PQgetisnull (r, 0, 0))
    v = g_strdup (PQgetvalue (r, 0, 0));
  PQclear (r);
  return v;
}

#define assert_sql(expected, sql)                                              \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *v_ = scalar (sql);                                                  \
    fail_unless_equals_string (v_, expected);                                  \
    g_free (v_);                                                               \
  }                                                                            \
  G_STMT_END

/* frame @n: one person (bottom centre at @fx, 0.8) when @fx >= 0 */
static GstBuffer *
camera_frame (const gchar *camera, guint64 n, gdouble fx)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H * 3 / 2, NULL);
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);

  gst_buffer_memset (buf, 0, 100, W * H * 3 / 2);
  GST_BUFFER_PTS (buf) = n * GST_SECOND / 10;
  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, T0_US + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_inference (m, GST_AXION_INFERENCE_RAN, 0, 5);
  if (fx >= 0)
    gst_axion_roi_add_detection (buf, "person", 0.9, (guint) ((fx - 0.025) * W),
        (guint) (0.6 * H), (guint) (0.05 * W), (guint) (0.2 * H));
  return buf;
}

static GstBuffer *
frame (guint64 n, gdouble fx)
{
  return camera_frame ("TRACKCAM", n, fx);
}

/* A person walks east at 0.01 per frame (10 fps) from x 0.1 to 0.9:
 * into and out of the zone "door" (x 0.3-0.5) and over the line "gate"
 * (x 0.7, drawn southwards: right-to-left), then is gone. */
GST_START_TEST (test_track_events_rows_and_stream)
{
  gchar *desc = g_strdup_printf (
      "axiontrack zones=\"door: 0.3,0 0.5,0 0.5,1 0.3,1\" "
      "lines=\"gate: 0.7,0 0.7,1\" min-hits=2 max-misses=3 ! tee name=t "
      "t. ! axionpgsink conninfo=\"%s\" batch-size=16 flush-interval-ms=50 "
      "t. ! axionredissink redis-url=\"%s\" key-prefix=trk",
      g_getenv ("AXION_TEST_PG_CONNINFO"), g_getenv ("AXION_TEST_REDIS_URL"));
  GstHarness *h = gst_harness_new_parse (desc);
  gchar *out = NULL, *cmd;
  guint64 n = 0;

  g_free (desc);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=640,height=480,framerate=10/1");
  for (gdouble x = 0.1; x < 0.9; x += 0.01, n++)
    fail_unless_equals_int (gst_harness_push (h, frame (n, x)), GST_FLOW_OK);
  for (guint i = 0; i < 6; i++, n++)
    fail_unless_equals_int (gst_harness_push (h, frame (n, -1)), GST_FLOW_OK);
  /* EOS returned: axionpgsink has committed everything */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  assert_sql ("line_crossed,track_ended,zone_entered,zone_left",
      "SELECT string_agg (event_type, ',' ORDER BY event_type) FROM "
      "camera_events WHERE camera_id = 'TRACKCAM' AND event_type <> "
      "'object_detected'");
  assert_sql ("door 1",
      "SELECT event_data->>'zone' || ' ' || (event_data->>'occupancy') FROM "
      "camera_events WHERE camera_id = 'TRACKCAM' AND event_type = "
      "'zone_entered'");
  assert_sql ("gate right-to-left person",
      "SELECT event_data->>'line' || ' ' || (event_data->>'direction') || ' "
      "' || (event_data->>'class') FROM camera_events WHERE camera_id = "
      "'TRACKCAM' AND event_type = 'line_crossed'");
  assert_sql ("[\"door\"]",
      "SELECT (event_data->'zones_visited')::text FROM camera_events WHERE "
      "camera_id = 'TRACKCAM' AND event_type = 'track_ended'");
  /* the summary's first/last seen are capture times; the person walked
   * 0.8 of the width */
  assert_sql ("t",
      "SELECT (event_data->>'first_seen')::timestamptz = "
      "'2030-01-07 00:00:00.1+00' AND "
      "(event_data->>'path_length')::float BETWEEN 0.7 AND 0.82 "
      "FROM camera_events WHERE camera_id = 'TRACKCAM' AND "
      "event_type = 'track_ended'");
  /* every event row of the track, and the detections with its id (all
   * but the first: the track is born on its second frame) */
  assert_sql ("4",
      "SELECT count(*) FROM camera_events WHERE event_data ? "
      "'track_id' AND (event_data->>'track_id')::bigint = 1 AND "
      "camera_id = 'TRACKCAM'");
  assert_sql ("79",
      "SELECT count(*) FROM camera_events WHERE camera_id = "
      "'TRACKCAM' AND event_type = 'object_detected' AND objects_detected @> "
      "'[{\"track_id\": 1}]'");
  gst_harness_teardown (h);

  /* the Redis stream: the same rows, event_data included */
  cmd = g_strdup_printf ("redis-cli -s %s XRANGE trk:events - +",
      g_getenv ("AXION_TEST_REDIS_SOCKET"));
  fail_unless (g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL));
  fail_unless (strstr (out, "zone_entered") != NULL, "%s", out);
  fail_unless (strstr (out, "\"direction\":\"right-to-left\"") != NULL);
  fail_unless (strstr (out, "\"zones_visited\":[\"door\"]") != NULL);
  g_free (out);
  g_free (cmd);
}
GST_END_TEST;

/* A person still in view at EOS: their summary (reason stream_end) and
 * zone_left reach the database on axiontrack's carrier frame, which
 * repeats the last frame: its frame row is not written twice. */
GST_START_TEST (test_track_alive_at_eos)
{
  gchar *desc = g_strdup_printf (
      "axiontrack zones=\"all: 0,0 1,0 1,1 0,1\" min-hits=2 ! "
      "axionpgsink conninfo=\"%s\" batch-size=16 flush-interval-ms=50",
      g_getenv ("AXION_TEST_PG_CONNINFO"));
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=640,height=480,framerate=10/1");
  for (guint64 n = 0; n < 10; n++)
    fail_unless_equals_int (
        gst_harness_push (h, camera_frame ("EOSCAM", n, 0.3 + 0.01 * n)),
        GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  assert_sql ("stream_end stream_end",
      "SELECT string_agg (event_data->>'reason', ' ') FROM camera_events "
      "WHERE camera_id = 'EOSCAM' AND event_type IN ('track_ended', "
      "'zone_left')");
  assert_sql ("10",
      "SELECT event_data->>'detections' FROM camera_events WHERE "
      "camera_id = 'EOSCAM' AND event_type = 'track_ended'");
  assert_sql ("10 10",
      "SELECT count(*) || ' ' || count(DISTINCT frame_number) FROM "
      "frame_metadata WHERE camera_id = 'EOSCAM'");
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
track_suite (void)
{
  Suite *s = suite_create ("axiontrack-integration");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_track_events_rows_and_stream);
  tcase_add_test (tc, test_track_alive_at_eos);
  return s;
}

int
main (int argc, char **argv)
{
  gint rc;

  if (g_getenv ("AXION_TEST_PG_CONNINFO") == NULL ||
      g_getenv ("AXION_TEST_REDIS_SOCKET") == NULL) {
    g_printerr ("run through tests/fixtures/with-servers --pg --redis\n");
    return 2;
  }
  /* axionpgsink's default spool in this run's directory (removed by
   * with-servers): another run's journal must not replay here */
  if (g_getenv ("AXION_TEST_TMPDIR")) {
    gchar *state = g_build_filename (
        g_getenv ("AXION_TEST_TMPDIR"), "state", NULL);
    g_setenv ("XDG_STATE_HOME", state, TRUE);
    g_free (state);
  }
  if (!pgtest_migrate ())
    return 1;
  conn = PQconnectdb (g_getenv ("AXION_TEST_PG_CONNINFO"));
  g_setenv ("CK_FORK", "no", TRUE);
  gst_check_init (&argc, &argv);
  rc = gst_check_run_suite (track_suite (), "axiontrack", __FILE__);
  PQfinish (conn);
  return rc;
}
