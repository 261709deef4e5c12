/* Benchmark: axionpgsink throughput against psql \copy of the same rows,
 * and buffer-to-commit latency at 1,000 rows/s. Run through
 * tests/fixtures/with-servers --pg (meson does).
 *
 * Rows: camera_events (one motion event per frame, 3 detected objects in
 * objects_detected, realistic JSONB) + frame_metadata, 2 rows per frame. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <stdlib.h>

#define N_FRAMES 50000

static const gchar *conninfo;

static gdouble
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static void
sql (PGconn *c, const gchar *q)
{
  PGresult *r = PQexec (c, q);
  if (PQresultStatus (r) != PGRES_COMMAND_OK &&
      PQresultStatus (r) != PGRES_TUPLES_OK)
    g_error ("%s: %s", q, PQerrorMessage (c));
  PQclear (r);
}

static gint64
count (PGconn *c, const gchar *q)
{
  PGresult *r = PQexec (c, q);
  gint64 n = g_ascii_strtoll (PQgetvalue (r, 0, 0), NULL, 10);
  PQclear (r);
  return n;
}

static GstBuffer *
frame (const gchar *cam, guint64 n, gint64 t0)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 64, NULL); /* own memory */
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (b);
  static const gchar *labels[] = { "person", "car", "bicycle" };

  gst_axion_frame_meta_set_camera_id (m, cam);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, t0 + (gint64) n * 100, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_frame_hash (m, "a3f5c8d2e1b40987");
  gst_axion_frame_meta_set_motion (m, 0.42, GST_AXION_MOTION_STATE_CONTINUE);
  gst_axion_frame_meta_set_scene_hash (m, 0xa3f5c8);
  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_CONTINUE);
  for (gint k = 0; k < 3; k++)
    gst_axion_roi_add_detection (
        b, labels[k], 0.8 + 0.05 * k, 100 + 50 * k, 200, 50, 150);
  gst_axion_roi_add_motion (b, 90, 190, 220, 170);
  return b;
}

static GstHarness *
sink (const gchar *extra)
{
  gchar *d = g_strdup_printf (
      "axionpgsink conninfo=\"%s\" metrics-interval-ms=0 "
      "eos-timeout-ms=600000 %s",
      conninfo, extra);
  GstHarness *h = gst_harness_new_parse (d);
  g_free (d);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=1920,"
      "height=1080,framerate=10/1");
  return h;
}

/* One timed run of the sink with @extra: rows/s; the rows are deleted
 * again (the next run and psql write the same ids) */
static gdouble
sink_run (PGconn *c, GstBuffer **frames, const gchar *extra)
{
  gchar *props = g_strdup_printf ("batch-size=5000 flush-interval-ms=200 "
                                  "spool-fsync=false object-events=false %s",
      extra);
  GstHarness *h = sink (props);
  gdouble ts = now_s (), rate;

  for (guint i = 0; i < N_FRAMES; i++)
    gst_harness_push (h, gst_buffer_ref (frames[i]));
  gst_harness_push_event (h, gst_event_new_eos ());
  rate = 2.0 * N_FRAMES / (now_s () - ts);
  gst_harness_teardown (h);
  g_free (props);
  if (count (c,
          "SELECT count(*) FROM camera_events WHERE camera_id = "
          "'BENCH'") != N_FRAMES)
    g_error ("sink wrote the wrong number of rows");
  sql (c, "DELETE FROM camera_events WHERE camera_id = 'BENCH'");
  sql (c, "DELETE FROM frame_metadata WHERE camera_id = 'BENCH'");
  sql (c, "VACUUM camera_events");
  sql (c, "VACUUM frame_metadata");
  return rate;
}

static gint
cmp_d (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  PGconn *c;
  GstBuffer **frames;
  GstHarness *h;
  gint64 t0 = g_get_real_time ();
  gdouble ts, sink_rate, mem_rate, copy_rate;
  gchar *state;
  gchar *dir, *ev_path, *fm_path, *cmd, *cols_e, *cols_f;
  GString *ev = g_string_new (NULL), *fm = g_string_new (NULL);
  gint status;

  gst_init (&argc, &argv);
  conninfo = g_getenv ("AXION_TEST_PG_CONNINFO");
  if (!conninfo) {
    g_printerr ("run through tests/fixtures/with-servers --pg\n");
    return 2;
  }
  cmd = g_strdup_printf ("%s/tools/axion-db migrate", AXION_SRCDIR);
  if (!g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    g_error ("migrate failed");
  g_free (cmd);
  c = PQconnectdb (conninfo);
  frames = g_new (GstBuffer *, N_FRAMES);
  for (guint i = 0; i < N_FRAMES; i++)
    frames[i] = frame ("BENCH", i, t0);

  /* 1. the sink, with its defaults: the spool per camera (in a
   * throwaway state directory) and its journal; then memory only
   * (spool-dir="", what the default was before the spool became one) */
  /* object-events=false: the frames carry detections, and the rows
   * compared are camera_events (one motion event) + frame_metadata */
  state = g_dir_make_tmp ("axion-bench-state-XXXXXX", NULL);
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  sink_rate = sink_run (c, frames, "");
  mem_rate = sink_run (c, frames, "spool-dir=\"\"");
  cmd = g_strdup_printf ("rm -rf '%s'", state);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_free (cmd);
  g_free (state);

  /* 2. psql \copy of the same rows (from the same row functions), into the
   * same (emptied) tables */
  for (guint i = 0; i < N_FRAMES; i++) {
    GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (frames[i]);
    GstAxionFrameInfo info;
    GstAxionRow *r;
    gst_axion_frame_info_init (&info);
    info.width = 1920;
    info.height = 1080;
    info.format = "I420";
    info.fps = 10;
    r = gst_axion_row_camera_event (m, &m->events[0], frames[i], &info, NULL);
    gst_axion_row_append_copy_text (r, ev);
    gst_axion_row_free (r);
    r = gst_axion_row_frame_metadata (m, 0, &info, NULL);
    gst_axion_row_append_copy_text (r, fm);
    gst_axion_row_free (r);
  }
  dir = g_dir_make_tmp ("axion-bench-XXXXXX", NULL);
  ev_path = g_build_filename (dir, "events.copy", NULL);
  fm_path = g_build_filename (dir, "frames.copy", NULL);
  g_file_set_contents (ev_path, ev->str, ev->len, NULL);
  g_file_set_contents (fm_path, fm->str, fm->len, NULL);
  {
    GString *colse = g_string_new (NULL), *colsf = g_string_new (NULL);
    guint n;
    const GstAxionColumn *col = gst_axion_table_columns (
        GST_AXION_TABLE_CAMERA_EVENTS, &n);
    for (guint i = 0; i < n; i++)
      g_string_append_printf (colse, "%s%s", i ? "," : "", col[i].name);
    col = gst_axion_table_columns (GST_AXION_TABLE_FRAME_METADATA, &n);
    for (guint i = 0; i < n; i++)
      g_string_append_printf (colsf, "%s%s", i ? "," : "", col[i].name);
    cols_e = g_string_free (colse, FALSE);
    cols_f = g_string_free (colsf, FALSE);
  }
  cmd = g_strdup_printf ("psql -X -q -v ON_ERROR_STOP=1 -c \"\\copy "
                         "camera_events (%s) FROM '%s'\" -c \"\\copy "
                         "frame_metadata (%s) FROM '%s'\"",
      cols_e, ev_path, cols_f, fm_path);
  ts = now_s ();
  if (!g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    g_error ("psql \\copy failed");
  copy_rate = 2.0 * N_FRAMES / (now_s () - ts);
  g_print ("throughput (%d frames = %d rows into camera_events + "
           "frame_metadata, 3 objects per event):\n",
      N_FRAMES, 2 * N_FRAMES);
  g_print ("  axionpgsink %.0f rows/s | psql \\copy %.0f rows/s | ratio %.2f "
           "(goals: >= 50000 rows/s: %s, >= 0.70 of psql: %s)\n",
      sink_rate, copy_rate, sink_rate / copy_rate,
      sink_rate >= 50000 ? "met" : "MISSED",
      sink_rate / copy_rate >= 0.7 ? "met" : "MISSED");
  g_print ("  axionpgsink memory only (spool-dir=\"\") %.0f rows/s | ratio "
           "%.2f\n",
      mem_rate, mem_rate / copy_rate);

  /* 3. latency at 1,000 rows/s (500 frames/s): time from push to the row
   * being visible to another connection (polled every 2 ms) */
  {
    const guint n = 2500, flush_ms = 200;
    gdouble *pushed = g_new (gdouble, n), *lat = g_new (gdouble, n);
    gchar *extra = g_strdup_printf (
        "batch-size=100000 flush-interval-ms=%u object-events=false", flush_ms);
    guint seen = 0;
    GstBuffer **lf = g_new (GstBuffer *, n);
    gdouble start;

    for (guint i = 0; i < n; i++)
      lf[i] = frame ("LAT", i, t0);
    h = sink (extra);
    start = now_s ();
    /* push on schedule from this thread, poll between pushes */
    for (guint i = 0; i < n || seen < n;) {
      gdouble t = now_s ();
      while (i < n && t >= start + i / 500.0) {
        pushed[i] = now_s ();
        gst_harness_push (h, lf[i]);
        i++;
      }
      {
        gint64 vis = count (c,
            "SELECT coalesce(max(frame_number) + 1, 0) "
            "FROM frame_metadata WHERE camera_id = 'LAT'");
        gdouble tv = now_s ();
        while (seen < (guint) vis) {
          lat[seen] = (tv - pushed[seen]) * 1000.0;
          seen++;
        }
      }
      g_usleep (2000);
      if (now_s () - start > 120)
        break;
    }
    gst_harness_push_event (h, gst_event_new_eos ());
    gst_harness_teardown (h);
    qsort (lat, seen, sizeof (gdouble), cmp_d);
    g_print ("latency at 1000 rows/s (flush-interval-ms=%u), push to "
             "visible: p50 %.1f ms | p95 %.1f ms | p99 %.1f ms (goal p99 <= "
             "%u ms: %s)\n",
        flush_ms, lat[seen / 2], lat[seen * 95 / 100], lat[seen * 99 / 100],
        flush_ms + 50,
        lat[seen * 99 / 100] <= flush_ms + 50 ? "met" : "MISSED");
    g_free (pushed);
    g_free (lat);
    g_free (lf);
    g_free (extra);
  }

  for (guint i = 0; i < N_FRAMES; i++)
    gst_buffer_unref (frames[i]);
  g_free (frames);
  g_unlink (ev_path);
  g_unlink (fm_path);
  g_rmdir (dir);
  PQfinish (c);
  return 0;
}
