/* Benchmark: decoding (and analysing) mostly idle 1080p cameras with and
 * without axiongate, in one run.
 *
 * Content: 1080p 10 fps synthetic scenes (tests/check/synth.c): a static
 * textured view with sensor noise (sigma 3) and a slow light change (gain
 * 1.0 -> 1.06 over the clip), encoded once with openh264enc as a camera
 * does (constant quantiser, GOP 1 s and 2 s). The active clip has a person-
 * sized object crossing from a point mid-GOP on.
 *
 * For each GOP it prints the CPU per camera-second (process CPU around the
 * pushes: decoder + axionmotion + axionhash, whatever threads they use) of
 *   - an idle camera, ungated (every frame decoded and analysed),
 *   - an idle camera, gated (keyframes only),
 *   - an active camera, gated (wakes, replays, then everything),
 * the ratio ungated / gated of the idle camera, and the start latency of
 * the compressed-domain trigger and of the analysis trigger (alone) on the
 * active clip. From those: the cameras this machine's cores could carry
 * with 10% of them active at any time, gated and ungated — a projection
 * from per-camera costs measured here, not a run of that many RTSP
 * cameras (the RTSP transport and the sinks are in bench_cameras.sh).
 *
 * BENCH_SECONDS (default 12) sets the clip length. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <gst/axion/axion.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "synth.h"

#define FPS 10
#define FRAME_NS (GST_SECOND / FPS)
#define WARMUP_GOPS 1
#define W 1920
#define H 1080
/* the analysis after the decoder, as in pipelines/camera-basic.pipeline */
#define ANALYSIS "openh264dec ! axionmotion ! axionhash"

static gdouble
cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct
{
  GPtrArray *aus;
  GstCaps *caps;
} Clip;

/* @rc: openh264enc's rate control settings */
static Clip *
encode (const SynthParams *p, gint n, guint gop, const gchar *rc)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time ! openh264enc gop-size=%u %s ! "
      "h264parse ! video/x-h264,stream-format=byte-stream,"
      "alignment=au ! appsink name=sink sync=false",
      gop, rc);
  GstElement *pipe = gst_parse_launch (desc, NULL), *src, *sink;
  GstCaps *caps;
  Synth *syn = synth_new (p);
  Clip *c = g_new0 (Clip, 1);
  GstSample *sample;

  g_free (desc);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, p->width, "height", G_TYPE_INT, p->height,
      "framerate", GST_TYPE_FRACTION, FPS, 1, NULL);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (gint i = 0; i < n; i++) {
    GstBuffer *b = synth_buffer (syn, i, GST_VIDEO_FORMAT_I420, NULL, NULL);
    GST_BUFFER_PTS (b) = i * FRAME_NS;
    GST_BUFFER_DURATION (b) = FRAME_NS;
    gst_app_src_push_buffer (GST_APP_SRC (src), b);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  c->aus = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    if (c->caps == NULL)
      c->caps = gst_caps_copy (gst_sample_get_caps (sample));
    g_ptr_array_add (c->aus, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  synth_free (syn);
  return c;
}

static void
clip_free (Clip *c)
{
  g_ptr_array_unref (c->aus);
  gst_caps_unref (c->caps);
  g_free (c);
}

typedef struct
{
  gdouble cpu_ms;   /* whole clip */
  guint decoded;    /* frames out of the decoder */
  gint first_woken; /* first non-keyframe decoded (-1: none) */
  guint64 wakes_c, wakes_a;
  guint64 bytes_key, bytes_delta, n_key, n_delta;
} RunResult;

static void
run (Clip *c, const gchar *desc, guint gop, RunResult *r)
{
  GstHarness *h = gst_harness_new_parse (desc);
  GstElement *gate = gst_harness_find_element (h, "axiongate");
  GstBuffer *b;
  gdouble t0;

  memset (r, 0, sizeof (*r));
  r->first_woken = -1;
  gst_harness_set_src_caps (h, gst_caps_ref (c->caps));
  for (guint i = 0; i < c->aus->len; i++) {
    GstBuffer *au = g_ptr_array_index (c->aus, i);
    gboolean key = !GST_BUFFER_FLAG_IS_SET (au, GST_BUFFER_FLAG_DELTA_UNIT);
    *(key ? &r->bytes_key : &r->bytes_delta) += gst_buffer_get_size (au);
    *(key ? &r->n_key : &r->n_delta) += 1;
  }
  /* the clock starts after the first GOP: the decoder's and the
   * analysers' set-up (allocations at the first frame) is not a cost per
   * second of video */
  t0 = 0;
  for (guint i = 0; i < c->aus->len; i++) {
    if (i == WARMUP_GOPS * gop)
      t0 = cpu_ms ();
    gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (c->aus, i)));
    while ((b = gst_harness_try_pull (h))) {
      gint idx = (gint) (GST_BUFFER_PTS (b) / FRAME_NS);
      GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
      if (idx % (gint) gop != 0 && r->first_woken < 0 && fm &&
          gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_GATE) &&
          !fm->gate.replayed)
        r->first_woken = idx;
      r->decoded++;
      gst_buffer_unref (b);
    }
  }
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((b = gst_harness_try_pull (h))) {
    r->decoded++;
    gst_buffer_unref (b);
  }
  r->cpu_ms = cpu_ms () - t0;
  if (gate) {
    GstStructure *st;
    g_object_get (gate, "stats", &st, NULL);
    gst_structure_get_uint64 (st, "wakes-compressed", &r->wakes_c);
    gst_structure_get_uint64 (st, "wakes-analysis", &r->wakes_a);
    gst_structure_free (st);
    gst_object_unref (gate);
  }
  gst_harness_teardown (h);
}

static void
scene (SynthParams *p, gint n)
{
  synth_params_init (p, W, H, 21);
  p->noise_sigma = 3.0;
  p->n_objects = 0;
  p->ramp_from = 1.0;
  p->ramp_to = 1.06;
  p->ramp_frames = n;
}

static void
bench_gop (guint gop, gint n, const gchar *rc, glong cores)
{
  SynthParams p;
  Clip *idle, *active;
  RunResult ung, gat, gat3, act, act_c, act_a;
  gint start = 4 * (gint) gop + (gint) gop / 2 + 1;
  gdouble secs = (gdouble) (n - WARMUP_GOPS * (gint) gop) / FPS, idle_u, idle_g,
          act_g, lat_c, lat_a;
  gdouble per_cam_g, per_cam_u;

  scene (&p, n);
  idle = encode (&p, n, gop, rc);
  scene (&p, n);
  p.n_objects = 1;
  p.objects_from = start;
  p.object_size = 0.06; /* ~115 px wide at 1080p: a person at 15 m */
  p.speed = 0.004;      /* ~8 px a frame: walking across in ~25 s */
  active = encode (&p, n, gop, rc);

  run (idle, ANALYSIS, gop, &ung);
  run (idle, "axiongate ! " ANALYSIS, gop, &gat);
  run (
      idle, "axiongate idle-keyframe-interval-ms=3000 ! " ANALYSIS, gop, &gat3);
  run (active, "axiongate ! " ANALYSIS, gop, &act);
  run (active, "axiongate analysis-trigger=false ! " ANALYSIS, gop, &act_c);
  run (active, "axiongate compressed-trigger=false ! " ANALYSIS, gop, &act_a);

  /* CPU seconds per camera-second */
  idle_u = ung.cpu_ms / 1000.0 / secs;
  idle_g = gat.cpu_ms / 1000.0 / secs;
  act_g = act.cpu_ms / 1000.0 / secs;
  lat_c = act_c.first_woken >= 0 ? (act_c.first_woken - start) / (gdouble) FPS
                                 : -1;
  lat_a = act_a.first_woken >= 0 ? (act_a.first_woken - start) / (gdouble) FPS
                                 : -1;
  /* 10% of cameras active: an active one costs about an ungated one
   * (every frame) */
  per_cam_g = 0.9 * idle_g + 0.1 * MAX (act_g, idle_u);
  per_cam_u = idle_u;

  printf ("GOP %u frames (%.1f s), %d frames of 1080p at %d fps (%u, %u "
          "access units), openh264enc %s:\n",
      gop, (gdouble) gop / FPS, n, FPS, idle->aus->len, active->aus->len, rc);
  printf ("  idle clip: keyframes %.0f kB, predicted frames %.1f kB on "
          "average\n",
      ung.bytes_key / 1e3 / MAX (ung.n_key, 1),
      ung.bytes_delta / 1e3 / MAX (ung.n_delta, 1));
  printf ("  idle camera, ungated: %6.3f cores (%u frames decoded)\n", idle_u,
      ung.decoded);
  printf ("  idle camera, gated:   %6.3f cores (%u frames decoded)  "
          "ratio ungated/gated %.1fx\n",
      idle_g, gat.decoded, idle_g > 0 ? idle_u / idle_g : 0);
  printf ("  idle camera, gated, idle-keyframe-interval-ms=3000: %6.3f cores "
          "(%u frames decoded)  ratio ungated/gated %.1fx\n",
      gat3.cpu_ms / 1000.0 / secs, gat3.decoded,
      gat3.cpu_ms > 0 ? ung.cpu_ms / gat3.cpu_ms : 0);
  printf ("  active clip, gated:   %6.3f cores (%u frames decoded, "
          "wakes: %" G_GUINT64_FORMAT " compressed, %" G_GUINT64_FORMAT
          " analysis)\n",
      act_g, act.decoded, act.wakes_c, act.wakes_a);
  printf ("  start latency (object from frame %d): compressed trigger %.1f s "
          "(frame %d), analysis trigger alone %.1f s (frame %d)\n",
      start, lat_c, act_c.first_woken, lat_a, act_a.first_woken);
  printf ("  projected cameras on %ld cores (10%% active, decode+analysis "
          "only): gated %.0f, ungated %.0f\n",
      cores, cores / per_cam_g, cores / per_cam_u);
  clip_free (idle);
  clip_free (active);
}

int
main (int argc, char **argv)
{
  const gchar *s = g_getenv ("BENCH_SECONDS");
  gint secs = s ? atoi (s) : 12;
  glong cores = sysconf (_SC_NPROCESSORS_ONLN);

  gst_check_init (&argc, &argv);
  if (secs < 6)
    secs = 6;
  printf ("axiongate: CPU of mostly idle 1080p cameras, gated vs "
          "decoding everything (same process, same clips)\n");
  /* constant quantiser: a camera's VBR below its cap; 2 Mbit/s: CBR */
  bench_gop (10, secs * FPS, "rate-control=off", cores);
  bench_gop (20, MAX (secs, 12) * FPS, "rate-control=off", cores);
  bench_gop (10, secs * FPS, "rate-control=bitrate bitrate=2000000", cores);
  bench_gop (
      20, MAX (secs, 12) * FPS, "rate-control=bitrate bitrate=2000000", cores);
  return 0;
}
