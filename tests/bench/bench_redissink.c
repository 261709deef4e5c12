/* Benchmark: commands/s through axionredissink against redis-benchmark -P 16
 * on the same server, in one run. Run through tests/fixtures/with-servers
 * --redis (meson does).
 *
 * The sink is fed frames of 10 cameras, each with one event; its stats give
 * the commands it sent; the rate is commands / wall time from the first
 * push until everything was sent (EOS). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <stdio.h>
#include <stdlib.h>

static guint N_FRAMES = 200000;

/* mean requests/s of redis-benchmark over SET (the classic reference) and
 * the commands the sink sends (XADD is skipped by the redis-benchmark of
 * Redis 7.0, which has no such test) */
static gdouble
redis_benchmark (const gchar *sock, guint clients)
{
  gchar *cmd, *out = NULL;
  gint status;
  gdouble sum = 0;
  guint n = 0;

  if (g_getenv ("AXION_BENCH_NO_PEER")) /* (profiling the sink alone) */
    return 0;
  cmd = g_strdup_printf ("redis-benchmark -s %s -c %u -P 16 -n 1000000 -q -t "
                         "set,hset,zadd,lpush,xadd --csv",
      sock, clients);
  if (g_spawn_command_line_sync (cmd, &out, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL)) {
    gchar **lines = g_strsplit (out, "\n", -1);
    for (gchar **l = lines; *l; l++) {
      gchar *comma = strchr (*l, ',');
      if (comma && comma[1] == '"' && g_ascii_isdigit (comma[2])) {
        sum += g_ascii_strtod (comma + 2, NULL);
        n++;
        g_print ("  redis-benchmark -c %u %s\n", clients, *l);
      }
    }
    g_strfreev (lines);
  }
  g_free (out);
  g_free (cmd);
  return n ? sum / n : 0;
}

/* requests/s of redis-benchmark -P 16 with @clients connections running
 * the sink's own XADD: the newest entry of the stream the sink wrote,
 * re-added with its fields and values (the same payload, so the same work
 * for the server) to another stream with the same MAXLEN */
static gdouble
redis_benchmark_xadd (const gchar *sock, guint clients)
{
  gchar *out = NULL, *xr = NULL;
  gchar *xr_argv[] = { "redis-cli", "-s", (gchar *) sock, "--raw", "XREVRANGE",
    "axion:events", "+", "-", "COUNT", "1", NULL };
  GPtrArray *argv;
  gchar **lines;
  gint status;
  gdouble rate = 0;

  if (g_getenv ("AXION_BENCH_NO_PEER"))
    return 0;
  if (!g_spawn_sync (NULL, xr_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &xr,
          NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL) || xr == NULL) {
    g_free (xr);
    return 0;
  }
  /* --raw: the entry id, then field and value lines */
  lines = g_strsplit (g_strchomp (xr), "\n", -1);
  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("redis-benchmark"));
  g_ptr_array_add (argv, g_strdup ("-s"));
  g_ptr_array_add (argv, g_strdup (sock));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", clients));
  g_ptr_array_add (argv, g_strdup ("-P"));
  g_ptr_array_add (argv, g_strdup ("16"));
  g_ptr_array_add (argv, g_strdup ("-n"));
  g_ptr_array_add (argv, g_strdup ("400000"));
  g_ptr_array_add (argv, g_strdup ("-q"));
  g_ptr_array_add (argv, g_strdup ("XADD"));
  g_ptr_array_add (argv, g_strdup ("axion:bench:events"));
  g_ptr_array_add (argv, g_strdup ("MAXLEN"));
  g_ptr_array_add (argv, g_strdup ("~"));
  g_ptr_array_add (argv, g_strdup ("100000"));
  g_ptr_array_add (argv, g_strdup ("*"));
  for (guint i = 1; lines[i] && lines[i + 1]; i += 2) {
    g_ptr_array_add (argv, g_strdup (lines[i]));
    g_ptr_array_add (argv, g_strdup (lines[i + 1]));
  }
  g_ptr_array_add (argv, NULL);
  if (g_strv_length (lines) >= 3 &&
      g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
          NULL, NULL, &out, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL) && out) {
    /* the last progress line: "...: N requests per second, ..." */
    gchar *rps = g_strrstr (out, " requests per second");
    if (rps) {
      gchar *p = rps;
      while (p > out && p[-1] != ' ')
        p--;
      rate = g_ascii_strtod (p, NULL);
    }
  }
  g_free (out);
  g_strfreev (lines);
  g_ptr_array_unref (argv);
  g_free (xr);
  return rate;
}

int
main (int argc, char **argv)
{
  const gchar *url = g_getenv ("AXION_TEST_REDIS_URL");
  const gchar *sock = g_getenv ("AXION_TEST_REDIS_SOCKET");
  GstHarness *h;
  GstBuffer **frames;
  gchar *desc;
  gint64 t0;
  gdouble secs, sink_rate, peer_rate, peer1_rate, xadd_rate, xadd1_rate;
  guint64 commands = 0;
  GstStructure *st;
  GstElement *s;

  gst_init (&argc, &argv);
  if (g_getenv ("AXION_BENCH_FRAMES"))
    N_FRAMES = atoi (g_getenv ("AXION_BENCH_FRAMES"));
  if (!url || !sock) {
    g_printerr ("run through tests/fixtures/with-servers --redis\n");
    return 2;
  }
  frames = g_new (GstBuffer *, N_FRAMES);
  for (guint i = 0; i < N_FRAMES; i++) {
    /* a buffer of its own each (copies of one template would share one
     * memory with 200 000 parents) */
    GstBuffer *b = gst_buffer_new_allocate (NULL, 64, NULL);
    GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (b);
    gchar cam[16];
    g_snprintf (cam, sizeof (cam), "CAM%03u", i % 10);
    gst_axion_frame_meta_set_camera_id (m, cam);
    gst_axion_frame_meta_set_frame_number (m, i / 10);
    gst_axion_frame_meta_set_capture_time (
        m, g_get_real_time (), GST_AXION_CAPTURE_TIME_NTP);
    gst_axion_frame_meta_set_motion (m, 0.5, GST_AXION_MOTION_STATE_CONTINUE);
    gst_axion_frame_meta_set_scene_hash (m, i);
    gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_CONTINUE);
    frames[i] = b;
  }

  desc = g_strdup_printf ("axionredissink name=s redis-url=\"%s\" "
                          "state-interval-ms=5 max-pending-events=1000000",
      url);
  h = gst_harness_new_parse (desc);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=1920,"
      "height=1080,framerate=10/1");
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_FRAMES; i++)
    gst_harness_push (h, frames[i]);
  gst_harness_push_event (h, gst_event_new_eos ());
  secs = (g_get_monotonic_time () - t0) / 1e6;
  s = gst_bin_get_by_name (GST_BIN (h->element), "s");
  g_object_get (s, "stats", &st, NULL);
  gst_structure_get_uint64 (st, "commands", &commands);
  gst_structure_free (st);
  gst_object_unref (s);
  gst_harness_teardown (h);
  sink_rate = commands / secs;
  {
    /* the events arrived (events-maxlen 100000: MAXLEN ~ keeps at least
     * the newest 100000) */
    gchar *xlen_cmd = g_strdup_printf (
        "redis-cli -s %s XLEN axion:events", sock);
    gchar *xlen = NULL;
    g_spawn_command_line_sync (xlen_cmd, &xlen, NULL, NULL, NULL);
    if (xlen == NULL ||
        g_ascii_strtoull (xlen, NULL, 10) < MIN (N_FRAMES, 100000)) {
      g_printerr ("the stream holds %s events, expected %u\n",
          xlen ? g_strstrip (xlen) : "?", MIN (N_FRAMES, 100000));
      return 1;
    }
    g_free (xlen);
    g_free (xlen_cmd);
  }

  /* the peers: redis-benchmark, pipelined by 16, on the same socket: with
   * its default 50 connections, and with one connection like the sink */
  peer_rate = redis_benchmark (sock, 50);
  peer1_rate = redis_benchmark (sock, 1);
  xadd_rate = redis_benchmark_xadd (sock, 50);
  xadd1_rate = redis_benchmark_xadd (sock, 1);
  g_print ("axionredissink: %" G_GUINT64_FORMAT " commands in %.2f s = %.0f "
           "commands/s (%u frames of 10 cameras, one event each)\n",
      commands, secs, sink_rate, N_FRAMES);
  g_print ("redis-benchmark -P 16 -c 50 (mean of the commands above): %.0f "
           "requests/s; ratio %.2f\n",
      peer_rate, peer_rate > 0 ? sink_rate / peer_rate : 0);
  g_print ("redis-benchmark -P 16 -c 1 (one connection, as the sink has): "
           "%.0f requests/s; ratio %.2f\n",
      peer1_rate, peer1_rate > 0 ? sink_rate / peer1_rate : 0);
  g_print ("redis-benchmark -P 16 -c 50 running the sink's own XADD (a "
           "camera_events row as the sink wrote it, %.0f%% of its commands): "
           "%.0f requests/s; ratio %.2f\n",
      commands ? 100.0 * N_FRAMES / commands : 0.0, xadd_rate,
      xadd_rate > 0 ? sink_rate / xadd_rate : 0);
  g_print ("redis-benchmark -P 16 -c 1 running the sink's own XADD: %.0f "
           "requests/s; ratio %.2f\n",
      xadd1_rate, xadd1_rate > 0 ? sink_rate / xadd1_rate : 0);
  g_print ("goals: >= 100000 commands/s: %s; >= 0.50 of redis-benchmark -P 16: "
           "%s with -c 50, %s with -c 1; same XADD: %s with -c 50, %s with "
           "-c 1\n",
      sink_rate >= 100000 ? "met" : "MISSED",
      peer_rate > 0 && sink_rate / peer_rate >= 0.5 ? "met" : "MISSED",
      peer1_rate > 0 && sink_rate / peer1_rate >= 0.5 ? "met" : "MISSED",
      xadd_rate > 0 && sink_rate / xadd_rate >= 0.5 ? "met" : "MISSED",
      xadd1_rate > 0 && sink_rate / xadd1_rate >= 0.5 ? "met" : "MISSED");
  g_free (desc);
  g_free (frames);
  return 0;
}
