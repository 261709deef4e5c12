/* Benchmark: four axionpgsink processes writing at once, directly to
 * PostgreSQL and through PgBouncer (transaction pooling), against four
 * psql \copy processes loading the same rows, in one run. Run through
 * tests/fixtures/with-servers --pgbouncer (meson does). Prints the table
 * and the ratio PgBouncer / direct (goal >= 0.9).
 *
 * Each child (this binary again: --child CONNINFO CAMERA) builds its
 * frames, says "ready", waits for the parent's go on stdin, pushes them
 * and prints the monotonic start and end of its run: the aggregate rate
 * is all rows over the first start to the last end. Rows: camera_events
 * (one motion event, 3 objects) + frame_metadata per frame. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#define N_PROCS 4
#define N_FRAMES 15000 /* per process: 30,000 rows */

static GstBuffer *
frame (const gchar *cam, guint64 n, gint64 t0)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 64, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (b);
  static const gchar *labels[] = { "person", "car", "bicycle" };

  gst_axion_frame_meta_set_camera_id (m, cam);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, t0 + (gint64) n * 100, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_frame_hash (m, "a3f5c8d2e1b40987");
  gst_axion_frame_meta_set_motion (m, 0.42, GST_AXION_MOTION_STATE_CONTINUE);
  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_CONTINUE);
  for (gint k = 0; k < 3; k++)
    gst_axion_roi_add_detection (
        b, labels[k], 0.8 + 0.05 * k, 100 + 50 * k, 200, 50, 150);
  return b;
}

/* child: one sink process */
static int
child (const gchar *conninfo, const gchar *cam)
{
  GstBuffer **frames = g_new (GstBuffer *, N_FRAMES);
  gint64 t0 = g_get_real_time (), start, end;
  gchar *d = g_strdup_printf (
      "axionpgsink conninfo=\"%s\" metrics-interval-ms=0 spool-dir=\"\" "
      "eos-timeout-ms=600000 batch-size=5000 flush-interval-ms=200 "
      "object-events=false",
      conninfo);
  GstHarness *h = gst_harness_new_parse (d);
  gchar line[16];

  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=1920,height=1080,framerate=10/1");
  for (guint i = 0; i < N_FRAMES; i++)
    frames[i] = frame (cam, i, t0);
  printf ("ready\n");
  fflush (stdout);
  if (!fgets (line, sizeof (line), stdin))
    return 2;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_FRAMES; i++)
    gst_harness_push (h, frames[i]);
  gst_harness_push_event (h, gst_event_new_eos ());
  end = g_get_monotonic_time ();
  gst_harness_teardown (h);
  printf ("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", start, end);
  g_free (frames);
  g_free (d);
  return 0;
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

static void
empty (PGconn *c)
{
  sql (c, "DELETE FROM camera_events WHERE camera_id LIKE 'SCALE%'");
  sql (c, "DELETE FROM frame_metadata WHERE camera_id LIKE 'SCALE%'");
  sql (c, "VACUUM camera_events");
  sql (c, "VACUUM frame_metadata");
}

static gchar *
read_line (GDataInputStream *in)
{
  gchar *l = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  if (l == NULL)
    g_error ("a child ended early");
  return l;
}

/* four sink processes with @conninfo: rows/s over all of them */
static gdouble
sinks (PGconn *c, const gchar *self, const gchar *conninfo)
{
  GSubprocess *p[N_PROCS];
  GDataInputStream *in[N_PROCS];
  gint64 first = G_MAXINT64, last = 0;

  for (gint i = 0; i < N_PROCS; i++) {
    gchar *cam = g_strdup_printf ("SCALE%d", i);
    p[i] = g_subprocess_new (
        G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL,
        self, "--child", conninfo, cam, NULL);
    in[i] = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p[i]));
    g_free (cam);
  }
  for (gint i = 0; i < N_PROCS; i++)
    g_free (read_line (in[i])); /* ready */
  for (gint i = 0; i < N_PROCS; i++)
    g_output_stream_write_all (
        g_subprocess_get_stdin_pipe (p[i]), "go\n", 3, NULL, NULL, NULL);
  for (gint i = 0; i < N_PROCS; i++) {
    gchar *l = read_line (in[i]);
    gint64 s = 0, e = 0;
    if (sscanf (l, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT, &s, &e) != 2)
      g_error ("child said %s", l);
    first = MIN (first, s);
    last = MAX (last, e);
    g_free (l);
    g_subprocess_wait_check (p[i], NULL, NULL);
    g_object_unref (in[i]);
    g_object_unref (p[i]);
  }
  if (count (c,
          "SELECT count(*) FROM camera_events WHERE camera_id LIKE "
          "'SCALE%'") != N_PROCS * N_FRAMES)
    g_error ("the sinks wrote the wrong number of rows");
  empty (c);
  return 2.0 * N_PROCS * N_FRAMES / ((last - first) / 1e6);
}

static gchar *
columns (GstAxionTable t)
{
  GString *s = g_string_new (NULL);
  guint n;
  const GstAxionColumn *col = gst_axion_table_columns (t, &n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", col[i].name);
  return g_string_free (s, FALSE);
}

/* four psql \copy processes of the same rows: rows/s */
static gdouble
psql_copy (PGconn *c, const gchar *dir)
{
  gchar *ce = columns (GST_AXION_TABLE_CAMERA_EVENTS);
  gchar *cf = columns (GST_AXION_TABLE_FRAME_METADATA);
  GSubprocess *p[N_PROCS];
  gint64 t0 = g_get_real_time (), start;
  gdouble rate;

  for (gint i = 0; i < N_PROCS; i++) {
    GString *ev = g_string_new (NULL), *fm = g_string_new (NULL);
    gchar *cam = g_strdup_printf ("SCALE%d", i);
    gchar *evp = g_strdup_printf ("%s/ev%d", dir, i);
    gchar *fmp = g_strdup_printf ("%s/fm%d", dir, i);
    for (guint n = 0; n < N_FRAMES; n++) {
      GstBuffer *b = frame (cam, n, t0);
      GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (b);
      GstAxionFrameInfo info;
      GstAxionRow *r;
      gst_axion_frame_info_init (&info);
      info.width = 1920;
      info.height = 1080;
      info.format = "I420";
      info.fps = 10;
      r = gst_axion_row_camera_event (m, &m->events[0], b, &info, NULL);
      gst_axion_row_append_copy_text (r, ev);
      gst_axion_row_free (r);
      r = gst_axion_row_frame_metadata (m, 0, &info, NULL);
      gst_axion_row_append_copy_text (r, fm);
      gst_axion_row_free (r);
      gst_buffer_unref (b);
    }
    g_file_set_contents (evp, ev->str, ev->len, NULL);
    g_file_set_contents (fmp, fm->str, fm->len, NULL);
    g_string_free (ev, TRUE);
    g_string_free (fm, TRUE);
    g_free (cam);
    g_free (evp);
    g_free (fmp);
  }
  start = g_get_monotonic_time ();
  for (gint i = 0; i < N_PROCS; i++) {
    gchar *a = g_strdup_printf (
        "\\copy camera_events (%s) FROM '%s/ev%d'", ce, dir, i);
    gchar *b = g_strdup_printf (
        "\\copy frame_metadata (%s) FROM '%s/fm%d'", cf, dir, i);
    p[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL, "psql", "-X", "-q",
        "-v", "ON_ERROR_STOP=1", "-c", a, "-c", b, NULL);
    g_free (a);
    g_free (b);
  }
  for (gint i = 0; i < N_PROCS; i++) {
    if (!g_subprocess_wait_check (p[i], NULL, NULL))
      g_error ("psql \\copy failed");
    g_object_unref (p[i]);
  }
  rate = 2.0 * N_PROCS * N_FRAMES / ((g_get_monotonic_time () - start) / 1e6);
  empty (c);
  g_free (ce);
  g_free (cf);
  return rate;
}

int
main (int argc, char **argv)
{
  const gchar *direct = g_getenv ("AXION_TEST_PG_CONNINFO");
  const gchar *bouncer = g_getenv ("AXION_TEST_PGBOUNCER_CONNINFO");
  gchar *self, *cmd, *dir;
  gdouble d, b, cp;
  gint status;
  PGconn *c;

  gst_init (&argc, &argv);
  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return child (argv[2], argv[3]);
  if (!direct || !bouncer) {
    g_printerr ("run through tests/fixtures/with-servers --pgbouncer\n");
    return 2;
  }
  cmd = g_strdup_printf ("%s/tools/axion-db migrate", AXION_SRCDIR);
  if (!g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    g_error ("migrate failed");
  g_free (cmd);
  self = g_file_read_link ("/proc/self/exe", NULL);
  c = PQconnectdb (direct);
  dir = g_dir_make_tmp ("axion-bench-XXXXXX", NULL);

  /* direct before and after (the first run also warms the server up):
   * their mean is the peer */
  d = sinks (c, self, direct);
  b = sinks (c, self, bouncer);
  d = (d + sinks (c, self, direct)) / 2;
  cp = psql_copy (c, dir);
  g_print ("aggregate of %d processes (%d rows each: camera_events + "
           "frame_metadata):\n",
      N_PROCS, 2 * N_FRAMES);
  g_print ("  | peer                          | rows/s   | vs direct |\n");
  g_print ("  | axionpgsink direct (mean of 2)| %8.0f | 1.00      |\n", d);
  g_print (
      "  | axionpgsink through PgBouncer | %8.0f | %.2f      |\n", b, b / d);
  g_print (
      "  | psql \\copy (same rows)        | %8.0f | %.2f      |\n", cp, cp / d);
  g_print ("  PgBouncer / direct %.2f (goal >= 0.90: %s); direct / psql "
           "\\copy %.2f\n",
      b / d, b / d >= 0.9 ? "met" : "MISSED", d / cp);
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_free (cmd);
  g_free (dir);
  g_free (self);
  PQfinish (c);
  return 0;
}
