/* Integration test: rows made by libgstaxion's row functions load into the
 * migrated schema of a real PostgreSQL 15 (run through
 * tests/fixtures/with-servers --pg), the way axionpgsink writes them: COPY
 * into a staging table, INSERT ... SELECT ... ON CONFLICT DO NOTHING.
 * Loading the same batch twice must not duplicate a row. */
#include <gst/check/gstcheck.h>
#include <gst/axion/axion.h>
#include <libpq-fe.h>
#include "pgtest.h"

static PGconn *conn;

static PGresult *
exec_ok (const gchar *sql)
{
  PGresult *r = PQexec (conn, sql);
  ExecStatusType st = PQresultStatus (r);

  fail_unless (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s\n-> %s",
      sql, PQerrorMessage (conn));
  return r;
}

static gchar *
scalar (const gchar *sql)
{
  PGresult *r = exec_ok (sql);
  gchar *v = PQntuples (r) > 0 && !PQgetisnull (r, 0, 0)
      ? g_strdup (PQgetvalue (r, 0, 0))
      : NULL;
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

/* Write rows (all of one table) the way the sink does. */
static void
load (GstAxionRow **rows, guint n)
{
  GstAxionTable t = gst_axion_row_get_table (rows[0]);
  const gchar *table = gst_axion_table_name (t);
  guint ncols;
  const GstAxionColumn *cols = gst_axion_table_columns (t, &ncols);
  GString *collist = g_string_new (NULL), *data = g_string_new (NULL);
  gchar *sql;
  PGresult *r;

  for (guint i = 0; i < ncols; i++)
    g_string_append_printf (collist, "%s%s", i ? ", " : "", cols[i].name);
  for (guint i = 0; i < n; i++)
    gst_axion_row_append_copy_text (rows[i], data);

  PQclear (exec_ok ("BEGIN"));
  sql = g_strdup_printf ("CREATE TEMP TABLE staging ON COMMIT DROP AS "
                         "SELECT %s FROM %s WITH NO DATA",
      collist->str, table);
  PQclear (exec_ok (sql));
  g_free (sql);
  sql = g_strdup_printf ("COPY staging (%s) FROM STDIN", collist->str);
  r = PQexec (conn, sql);
  fail_unless_equals_int (PQresultStatus (r), PGRES_COPY_IN);
  PQclear (r);
  g_free (sql);
  fail_unless_equals_int (PQputCopyData (conn, data->str, data->len), 1);
  fail_unless_equals_int (PQputCopyEnd (conn, NULL), 1);
  r = PQgetResult (conn);
  fail_unless (PQresultStatus (r) == PGRES_COMMAND_OK, "COPY %s: %s", table,
      PQerrorMessage (conn));
  PQclear (r);
  while ((r = PQgetResult (conn)))
    PQclear (r);
  if (t == GST_AXION_TABLE_CAMERAS)
    sql = g_strdup_printf (
        "INSERT INTO cameras (%s) SELECT %s FROM staging "
        "ON CONFLICT (camera_id) DO UPDATE SET status = EXCLUDED.status, "
        "last_seen_at = EXCLUDED.last_seen_at",
        collist->str, collist->str);
  else
    sql = g_strdup_printf ("INSERT INTO %s (%s) SELECT %s FROM staging "
                           "ON CONFLICT DO NOTHING",
        table, collist->str, collist->str);
  PQclear (exec_ok (sql));
  g_free (sql);
  PQclear (exec_ok ("COMMIT"));
  g_string_free (collist, TRUE);
  g_string_free (data, TRUE);
}

static GstBuffer *
frame (guint64 n, gint64 t_us)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);
  GstAxionQuality q = { 0.9, 0.5, 0.4, 0.05, 0.8 };

  gst_axion_frame_meta_set_camera_id (m, "CAM001");
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (m, t_us, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_motion (m, 0.75, GST_AXION_MOTION_STATE_START);
  gst_axion_frame_meta_set_frame_hash (m, "0123456789abcdef");
  gst_axion_frame_meta_set_scene_hash (m, 0xa3f5c8);
  gst_axion_frame_meta_set_scene_change (m, 0.3, 0.1);
  gst_axion_frame_meta_set_quality (m, &q);
  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_START);
  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_OBJECT_DETECTED);
  gst_axion_roi_add_detection (buf, "person", 0.92, 100, 200, 50, 150);
  gst_axion_roi_add_motion (buf, 90, 190, 70, 170);
  return buf;
}

GST_START_TEST (test_rows_load_idempotently)
{
  gint64 now = g_get_real_time ();
  GstBuffer *bufs[3];
  GstAxionRow *events[6], *frames[3], *one[2];
  GstAxionFrameInfo info;
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  GstAxionMetric metric = { "fps", "gauge", "camera", "CAM001", 9.8, "fps",
    NULL, now };
  GstAxionCameraInfo cam = { "CAM001", "Front door",
    "rtsp://admin:secret@192.168.1.101/stream", 1920, 1080, 10, "online", now };
  GstAxionAuditEntry audit = { "config_change", "config", "CAM001",
    "config.property_changed", "success", "axionpgsink0", "batch-size", "100",
    "500", FALSE, NULL, NULL, now };
  GError *err = NULL;
  gchar *sql;
  const gchar *objs[] = { "person", NULL };

  gst_axion_frame_info_init (&info);
  info.width = 1920;
  info.height = 1080;
  info.format = "i420";
  info.fps = 10;
  for (guint i = 0; i < 3; i++) {
    GstAxionFrameMeta *m;
    bufs[i] = frame (100 + i, now + i * 100000);
    m = gst_buffer_get_axion_frame_meta (bufs[i]);
    events[2 * i] = gst_axion_row_camera_event (
        m, &m->events[0], bufs[i], &info, &err);
    events[2 * i + 1] = gst_axion_row_camera_event (
        m, &m->events[1], bufs[i], &info, &err);
    frames[i] = gst_axion_row_frame_metadata (m, 0, &info, &err);
    fail_unless (events[2 * i] && events[2 * i + 1] && frames[i]);
  }

  /* twice: the second load is a replay and must change nothing */
  for (gint pass = 0; pass < 2; pass++) {
    load (events, 6);
    load (frames, 3);
  }
  assert_sql ("6", "SELECT count(*) FROM camera_events");
  assert_sql ("3", "SELECT count(*) FROM frame_metadata");
  assert_sql ("3",
      "SELECT count(*) FROM camera_events WHERE event_type = "
      "'motion' AND event_phase = 'start'");
  /* the seed's §6.1 query 2 finds detections written by the pipeline */
  assert_sql ("6",
      "SELECT count(*) FROM camera_events WHERE objects_detected "
      "@> '[{\"class\": \"person\"}]'::jsonb AND event_timestamp > NOW() - "
      "INTERVAL '24 hours'");
  assert_sql ("[100, 200, 50, 150]",
      "SELECT objects_detected->0->>'bbox' "
      "FROM camera_events LIMIT 1");
  assert_sql ("0.9200",
      "SELECT max_object_confidence FROM camera_events "
      "LIMIT 1");
  sql = g_strdup_printf (
      "SELECT (extract(epoch FROM frame_timestamp) * "
      "1000000)::bigint FROM frame_metadata WHERE frame_number = 100");
  {
    gchar *v = scalar (sql), *want = g_strdup_printf ("%" G_GINT64_FORMAT, now);
    fail_unless_equals_string (v, want);
    g_free (v);
    g_free (want);
  }
  g_free (sql);
  assert_sql ("0000000000a3f5c8",
      "SELECT scene_hash FROM frame_metadata "
      "LIMIT 1");

  /* analysis referencing its trigger event, and the alert it asks for */
  a->analysis_id = gst_axion_id_next ();
  a->trigger_event_id = gst_axion_frame_meta_get_event_id (
      gst_buffer_get_axion_frame_meta (bufs[0]), GST_AXION_EVENT_MOTION_START);
  a->camera_id = g_strdup ("CAM001");
  a->event_time_us = now;
  a->frame_number = 100;
  a->request_type = g_strdup ("anomaly_detection");
  a->risk_assessment = g_strdup ("high");
  a->primary_insight = g_strdup ("Person at the door at 3am");
  a->objects_identified = g_strdupv ((gchar **) objs);
  a->should_alert = TRUE;
  a->alert_severity = 4;
  a->model = g_strdup ("claude-sonnet-4-5");
  a->raw_json = g_strdup ("{\"id\":\"msg_1\",\"type\":\"message\"}");
  one[0] = gst_axion_row_claude_analysis (a, &err);
  one[1] = gst_axion_row_alert (a, 0, &err);
  fail_unless (one[0] && one[1]);
  for (gint pass = 0; pass < 2; pass++) {
    load (&one[0], 1);
    load (&one[1], 1);
  }
  assert_sql ("1", "SELECT count(*) FROM claude_analyses");
  assert_sql ("1", "SELECT count(*) FROM alerts");
  /* the seed's §6.1 query 3: analysis joined to its trigger event */
  assert_sql ("Person at the door at 3am",
      "SELECT a.primary_insight FROM "
      "claude_analyses a JOIN camera_events e ON a.trigger_event_id = "
      "e.event_id WHERE a.risk_assessment IN ('high', 'critical') AND "
      "a.event_timestamp > NOW() - INTERVAL '7 days'");
  assert_sql ("{person}", "SELECT objects_identified FROM claude_analyses");
  assert_sql ("4", "SELECT severity FROM alerts");
  assert_sql ("msg_1", "SELECT claude_response->>'id' FROM claude_analyses");
  gst_axion_row_free (one[0]);
  gst_axion_row_free (one[1]);

  one[0] = gst_axion_row_system_metric (&metric, 0, &err);
  load (one, 1);
  gst_axion_row_free (one[0]);
  assert_sql ("9.800000", "SELECT value FROM system_metrics");

  one[0] = gst_axion_row_camera (&cam, &err);
  load (one, 1);
  gst_axion_row_free (one[0]);
  cam.status = "offline";
  one[0] = gst_axion_row_camera (&cam, &err);
  load (one, 1); /* upsert: status follows the stream */
  gst_axion_row_free (one[0]);
  assert_sql ("offline 192.168.1.101 rtsp://192.168.1.101/stream",
      "SELECT status || ' ' || host(ip_address) || ' ' || rtsp_url FROM "
      "cameras");

  one[0] = gst_axion_row_audit_log (&audit, 0, &err);
  load (one, 1);
  load (one, 1);
  gst_axion_row_free (one[0]);
  assert_sql ("1", "SELECT count(*) FROM audit_log");
  assert_sql ("500",
      "SELECT changes_made->'batch-size'->>'new' FROM "
      "audit_log");

  for (guint i = 0; i < 3; i++) {
    gst_axion_row_free (events[2 * i]);
    gst_axion_row_free (events[2 * i + 1]);
    gst_axion_row_free (frames[i]);
    gst_buffer_unref (bufs[i]);
  }
  gst_axion_analysis_free (a);
}

GST_END_TEST;

static Suite *
rows_pg_suite (void)
{
  Suite *s = suite_create ("axion-rows-pg");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_rows_load_idempotently);
  return s;
}

int
main (int argc, char **argv)
{
  const gchar *ci = g_getenv ("AXION_TEST_PG_CONNINFO");
  int rc;

  if (ci == NULL) {
    g_printerr ("run through tests/fixtures/with-servers --pg\n");
    return 2;
  }
  if (!pgtest_migrate ())
    return 1;
  conn = PQconnectdb (ci);
  if (PQstatus (conn) != CONNECTION_OK) {
    g_printerr ("%s\n", PQerrorMessage (conn));
    return 1;
  }
  /* CK_FORK would share the connection between processes */
  g_setenv ("CK_FORK", "no", TRUE);
  gst_check_init (&argc, &argv);
  rc = gst_check_run_suite (rows_pg_suite (), "axion_rows_pg", __FILE__);
  PQfinish (conn);
  return rc;
}
