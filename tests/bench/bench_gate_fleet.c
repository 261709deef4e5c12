/* Benchmark: N live 1080p cameras in one process, mostly idle, 10% of them
 * active at any time, with axiongate against decoding everything (the
 * peer, measured in the same run on the same streams).
 *
 * Content, encoded once before the runs (and kept in BENCH_CLIP_DIR, so a
 * second run reads files): 1080p 10 fps synthetic scenes
 * (tests/check/synth.c): a static textured view with sensor noise
 * (sigma 3) and a slow light change (gain 1.00 -> 1.04 -> 1.00 over the
 * 20 s idle clip, so that it loops without a jump); an event clip of the
 * same view in which a person (96x240 px, clothing whose texture changes
 * as a walking person's does: draw_person) crosses in 8 s, entering
 * mid-GOP. Encoded by x264 as a camera does: veryfast,
 * zerolatency (no B-frames, no look-ahead), constant quality (CRF 26)
 * under a 4 Mbit/s VBV cap, a fixed GOP with an IDR at each start
 * (scenecut off), SPS/PPS with every IDR; GOP 1 s and 2 s.
 *
 * Cameras: appsrc (live pacing: one feeder thread pushes each camera's next
 * access unit every 100 ms, from memory, cameras' GOPs out of phase) !
 * [axiongate !] openh264dec ! axionmotion ! axionhash ! fakesink; one
 * streaming thread per camera. Each camera loops the idle clip; at its
 * turn (rotating, so that 10% of the cameras are active at any time after
 * the first 8 s) it plays the event clip from its next keyframe on.
 *
 * Per run it prints, with the load average (a shared machine):
 *   - activity starts detected: a frame of the event whose motion state
 *     (axionmotion) is start/continue reached the sink; start latency = the
 *     wall time of that arrival - the wall time the object's first frame
 *     was pushed (p50, p95, max);
 *   - active-period frames analysed (reached the sink) by the end of the
 *     run plus a 2 s drain;
 *   - the lag of every analysed frame (arrival - push; grows without
 *     bound when the machine cannot keep up);
 *   - CPU per idle camera: the CPU time of each camera's streaming thread
 *     (gate, decoder and analysis run in it) spent on frames of idle
 *     periods (from 10 s after an event's end on: hold-ms and a GOP), per
 *     second of idle video, and the whole process's CPU.
 * A run passes when every start was detected, p95 latency <= 1 s and >= 99%
 * of active-period frames were analysed; the ratio gated/ungated of the
 * idle camera's CPU is printed for each N.
 *
 * BENCH_GATE_PROPS: axiongate properties for the gated runs, e.g.
 * "idle-keyframe-interval-ms=4000".
 * BENCH_CAMERAS (default "60"): the camera counts to run, e.g.
 * "24 48 60 72 96"; BENCH_RUN_SECONDS (default 22): seconds each run feeds;
 * BENCH_GOPS (default "10 20"): GOPs in frames; BENCH_ENCODER: x264
 * (default), openh264 (openh264enc, constant QP) or x265 (decoded by
 * libde265dec). */
#include <gst/check/gstcheck.h>
#include <gst/app/app.h>
#include <gst/axion/axion.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "synth.h"

#define FPS 10
#define FRAME_NS (GST_SECOND / FPS)
#define W 1920
#define H 1080
#define IDLE_FRAMES 200   /* 20 s: a multiple of every GOP used */
#define EVENT_ACTIVE 80   /* frames the object is in view: 8 s */
#define WARMUP_S 8.0      /* before the first event: gate and motion warm-up */
#define DRAIN_S 2.0       /* after the feed stops */
#define IDLE_AFTER_S 10.0 /* an idle period starts this long after an event */
#define CLIP_VERSION 2

typedef struct
{
  GPtrArray *aus;  /* GstBuffer, one access unit each, PTS-less */
  GArray *visible; /* guint8 per frame: the object is in view */
  gchar *caps;
} Clip;

typedef struct
{
  const gchar *name, *enc, *keyint, *dec, *parse, *caps_media;
} Codec;

static const Codec codecs[] = {
  { "x264",
      "x264enc speed-preset=veryfast tune=zerolatency pass=qual "
      "bitrate=4096 vbv-buf-capacity=1000 "
      "option-string=scenecut=0",
      "key-int-max", "openh264dec", "h264parse config-interval=-1",
      "video/x-h264" },
  { "openh264", "openh264enc rate-control=off", "gop-size", "openh264dec",
      "h264parse config-interval=-1", "video/x-h264" },
  { "x265",
      "x265enc speed-preset=ultrafast tune=zerolatency "
      "option-string=scenecut=0:crf=28:vbv-maxrate=4096:vbv-bufsize=4096",
      "key-int-max", "libde265dec", "h265parse config-interval=-1",
      "video/x-h265" },
};

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static gdouble
proc_cpu_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gdouble
thread_cpu_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gchar *
load_avg (void)
{
  gchar *s = NULL;
  if (g_file_get_contents ("/proc/loadavg", &s, NULL, NULL))
    g_strchomp (s);
  return s ? s : g_strdup ("?");
}

/* x264's constant quality (CRF; BENCH_CRF, default 28): a camera's VBR
 * under its cap */
static const gchar *
quality (void)
{
  const gchar *q = g_getenv ("BENCH_CRF");
  return q && *q ? q : "28";
}

/* ---- clips ------------------------------------------------------------ */

static void
clip_free (Clip *c)
{
  g_ptr_array_unref (c->aus);
  g_array_unref (c->visible);
  g_free (c->caps);
  g_free (c);
}

/* file: caps line, then per frame: u32 size, u8 key, u8 visible, bytes */
static gboolean
clip_save (const Clip *c, const gchar *path)
{
  FILE *f = fopen (path, "wb");
  if (!f)
    return FALSE;
  fprintf (f, "%s\n", c->caps);
  for (guint i = 0; i < c->aus->len; i++) {
    GstBuffer *b = g_ptr_array_index (c->aus, i);
    GstMapInfo m;
    guint32 sz = (guint32) gst_buffer_get_size (b);
    guint8 key = !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
    guint8 vis = g_array_index (c->visible, guint8, i);
    gst_buffer_map (b, &m, GST_MAP_READ);
    fwrite (&sz, 4, 1, f);
    fwrite (&key, 1, 1, f);
    fwrite (&vis, 1, 1, f);
    fwrite (m.data, 1, m.size, f);
    gst_buffer_unmap (b, &m);
  }
  return fclose (f) == 0;
}

static Clip *
clip_load (const gchar *path)
{
  gchar *data, *nl, *p, *end;
  gsize len;
  Clip *c;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  nl = memchr (data, '\n', len);
  if (!nl) {
    g_free (data);
    return NULL;
  }
  c = g_new0 (Clip, 1);
  c->caps = g_strndup (data, nl - data);
  c->aus = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  c->visible = g_array_new (FALSE, FALSE, 1);
  end = data + len;
  for (p = nl + 1; p + 6 <= end;) {
    guint32 sz;
    GstBuffer *b;
    memcpy (&sz, p, 4);
    if (p + 6 + sz > end)
      break;
    b = gst_buffer_new_memdup (p + 6, sz);
    if (!p[4])
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
    g_ptr_array_add (c->aus, b);
    g_array_append_val (c->visible, p[5]);
    p += 6 + sz;
  }
  g_free (data);
  return c;
}

#define PERSON_W 96 /* px at 1080p: a person at ~15 m */
#define PERSON_H 240
#define PERSON_SPEED 24 /* px a frame: across the view in 8 s */

static guint32
mix (guint32 a, guint32 b, guint32 c)
{
  guint32 h = a * 0x9E3779B1u ^ b * 0x85EBCA77u ^ c * 0xC2B2AE3Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  return h ^ (h >> 13);
}

/* A person crossing the view, @t frames after entering it from the left
 * edge; returns whether any of it is in view. Not a rigid pattern (a
 * translated texture that an encoder's motion search predicts exactly):
 * 8x8 cells of dark and light clothing of which a quarter change each
 * frame (limbs, folds, shading), as a walking person's do. */
static gboolean
draw_person (GstBuffer *buf, gint t)
{
  GstVideoInfo info;
  GstVideoFrame f;
  gint x0 = -PERSON_W + t * PERSON_SPEED, y0 = H * 11 / 20;
  guint8 *y;
  gint stride;

  if (t < 0 || t >= EVENT_ACTIVE || x0 + PERSON_W <= 0 || x0 >= W)
    return FALSE;
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, W, H);
  gst_video_frame_map (&f, &info, buf, GST_MAP_WRITE);
  y = GST_VIDEO_FRAME_PLANE_DATA (&f, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0);
  for (gint yy = y0; yy < y0 + PERSON_H && yy < H; yy++)
    for (gint xx = MAX (x0, 0); xx < MIN (x0 + PERSON_W, W); xx++) {
      guint cx = (guint) (xx - x0) / 8, cy = (guint) (yy - y0) / 8;
      guint32 base = mix (cx, cy, 1), change = mix (cx, cy, 100 + t);
      gboolean light = (base & 1) ^ ((change & 3) == 0);
      y[yy * stride + xx] = light ? 170 + (base >> 8) % 40
                                  : 30 + (base >> 8) % 30;
    }
  gst_video_frame_unmap (&f);
  return TRUE;
}

/* @idle: the looping idle clip (light up and down again); else the event
 * clip: the object from frame @start for EVENT_ACTIVE frames */
static Clip *
clip_encode (const Codec *cd, guint gop, gboolean idle, gint start, gint n)
{
  gchar *enc = g_strdup_printf ("%s %s=%u%s", cd->enc, cd->keyint, gop,
      g_str_equal (cd->name, "x264") ? " quantizer=" : "");
  gchar *enc_q = g_strdup_printf (
      "%s%s", enc, g_str_equal (cd->name, "x264") ? quality () : "");
  gchar *desc = g_strdup_printf ("appsrc name=src format=time ! %s ! %s ! "
                                 "%s,stream-format=byte-stream,alignment=au ! "
                                 "appsink name=sink sync=false",
      enc_q, cd->parse, cd->caps_media);
  GstElement *pipe = gst_parse_launch (desc, NULL), *src, *sink;
  GstCaps *caps;
  SynthParams p;
  Synth *syn;
  Clip *c = g_new0 (Clip, 1);
  GstSample *sample;

  g_assert (pipe);
  synth_params_init (&p, W, H, 21);
  p.noise_sigma = 3.0;
  p.n_objects = 0; /* the person is drawn here (draw_person) */
  if (idle) {
    p.ramp_from = 1.0;
    p.ramp_to = 1.04;
    p.ramp_frames = n / 2;
  }
  syn = synth_new (&p);
  c->visible = g_array_new (FALSE, FALSE, 1);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, W, "height", G_TYPE_INT, H, "framerate",
      GST_TYPE_FRACTION, FPS, 1, NULL);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (gint i = 0; i < n; i++) {
    /* the idle clip renders its second half backwards in light (the noise
     * of frame n - i again, far from frame i): it loops without a step */
    gint idx = idle && i > n / 2 ? n - i : i;
    GstBuffer *b = synth_buffer (syn, idx, GST_VIDEO_FORMAT_I420, NULL, NULL);
    guint8 vis = !idle && draw_person (b, i - start);
    g_array_append_val (c->visible, vis);
    GST_BUFFER_PTS (b) = i * FRAME_NS;
    GST_BUFFER_DURATION (b) = FRAME_NS;
    gst_app_src_push_buffer (GST_APP_SRC (src), b);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  c->aus = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstBuffer *b = gst_buffer_copy_deep (gst_sample_get_buffer (sample));
    if (c->caps == NULL) {
      GstCaps *sc = gst_caps_copy (gst_sample_get_caps (sample));
      c->caps = gst_caps_to_string (sc);
      gst_caps_unref (sc);
    }
    GST_BUFFER_PTS (b) = GST_BUFFER_DTS (b) = GST_CLOCK_TIME_NONE;
    g_ptr_array_add (c->aus, b);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_assert_cmpuint (c->aus->len, ==, (guint) n);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  synth_free (syn);
  g_free (enc);
  g_free (enc_q);
  g_free (desc);
  return c;
}

static Clip *
clip_get (const Codec *cd, guint gop, gboolean idle)
{
  const gchar *dir = g_getenv ("BENCH_CLIP_DIR");
  /* the event clip: one GOP, then the object enters mid-GOP (the worst
   * place for the analysis trigger is just after a keyframe) */
  gint start = gop + gop / 2 + 1;
  gint n = idle ? IDLE_FRAMES
                : (gint) (((start + EVENT_ACTIVE) / gop + 1) * gop + gop);
  gchar *name = g_strdup_printf ("gate-%s-q%s-gop%u-%s-v%d.clip", cd->name,
      quality (), gop, idle ? "idle" : "event", CLIP_VERSION);
  gchar *path = g_build_filename (dir ? dir : ".", name, NULL);
  Clip *c = clip_load (path);
  gdouble t0;

  if (c == NULL || c->aus->len != (guint) n) {
    if (c)
      clip_free (c);
    t0 = proc_cpu_s ();
    c = clip_encode (cd, gop, idle, start, n);
    if (dir)
      g_mkdir_with_parents (dir, 0755);
    if (!clip_save (c, path))
      g_printerr ("could not keep the clip in %s\n", path);
    printf (
        "  encoded %s (%d frames, %.0f s CPU)\n", path, n, proc_cpu_s () - t0);
  }
  g_free (name);
  g_free (path);
  return c;
}

static gdouble cores_available (void);
static gboolean have (const gchar *factory);

/* The decoder: BENCH_DECODER, else avdec_h264 for H.264 when installed
 * (what decodebin picks: rank primary), one thread per camera (a thread
 * pool per camera helps nothing with dozens of cameras, and the CPU stays
 * in the camera's thread where it is counted), else the codec's
 * (openh264dec delays its output by one frame on x264's High-profile
 * stream: measured, an idle camera's keyframe reached the analysis only
 * when the next one was decoded, a GOP late) */
static const gchar *
decoder (const Codec *cd)
{
  const gchar *d = g_getenv ("BENCH_DECODER");
  if (d && *d)
    return d;
  if (g_str_equal (cd->dec, "openh264dec") && have ("avdec_h264"))
    return "avdec_h264 max-threads=1";
  return cd->dec;
}

/* ---- the cameras -------------------------------------------------------- */

typedef struct
{
  gint cam;
  guint64 start, end; /* frame numbers in the camera's stream */
  gint64 start_us;    /* wall time the first frame with the object left */
  gint64 detect_us;   /* 0: not detected */
} Event;

typedef struct
{
  gint id;
  GstElement *src;
  /* feeder side */
  const Clip *clip; /* idle or event */
  guint pos;        /* next frame of clip */
  gboolean want_event;
  guint64 n; /* frames pushed */
  gint cur_event;
  gint64 last_active_us;
  /* per frame of the stream, written by the feeder before the push */
  gint64 *push_us;
  gint *event_of; /* -1: idle */
  guint8 *idle_steady;
  /* sink side (the camera's streaming thread) */
  guint8 *analysed;
  gint64 *lag_us;
  gdouble cpu_last, cpu_idle;
  guint64 n_idle_cpu, prev_frame;
  gboolean have_prev;
} Cam;

typedef struct
{
  const Codec *cd;
  Clip *idle, *event;
  guint gop;
  gint n_cams;
  gboolean gated;
  Cam *cams;
  GArray *events;
  GMutex lock; /* events (appended by the feeder, read by the sinks) */
  guint64 max_frames;
  volatile gint stopped;
} Run;

static GstPadProbeReturn
src_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Cam *c = user_data;
  gdouble t = thread_cpu_s ();
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 n = GST_BUFFER_PTS (b) / FRAME_NS;

  /* the time since the previous buffer's push began is that buffer's
   * (gate, decoder, analysis: all in this thread) */
  if (c->have_prev && c->idle_steady[c->prev_frame]) {
    c->cpu_idle += t - c->cpu_last;
    c->n_idle_cpu++;
  }
  c->cpu_last = t;
  c->prev_frame = n;
  c->have_prev = TRUE;
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  Run *run;
  Cam *cam;
} SinkCtx;

static GstPadProbeReturn
sink_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  SinkCtx *x = user_data;
  Cam *c = x->cam;
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 n = GST_BUFFER_PTS (b) / FRAME_NS;
  gint64 t = now_us ();
  GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
  gint ev;

  if (g_atomic_int_get (&x->run->stopped) || n >= x->run->max_frames)
    return GST_PAD_PROBE_OK;
  c->analysed[n] = 1;
  c->lag_us[n] = t - c->push_us[n];
  ev = c->event_of[n];
  if (ev >= 0 && fm &&
      (fm->motion_state == GST_AXION_MOTION_STATE_START ||
          fm->motion_state == GST_AXION_MOTION_STATE_CONTINUE)) {
    Event *e;
    g_mutex_lock (&x->run->lock);
    e = &g_array_index (x->run->events, Event, ev);
    if (e->detect_us == 0)
      e->detect_us = t;
    g_mutex_unlock (&x->run->lock);
  }
  return GST_PAD_PROBE_OK;
}

/* the next access unit of camera @c; the event clip starts at a keyframe */
static void
feed_one (Run *r, Cam *c)
{
  GstBuffer *au, *b;
  guint8 vis;
  gint64 t = now_us ();
  guint64 n = c->n;

  if (n >= r->max_frames)
    return;
  if (c->pos >= c->clip->aus->len) {
    c->clip = r->idle;
    c->pos = 0;
    c->cur_event = -1;
  }
  if (c->want_event && c->pos % r->gop == 0) {
    c->clip = r->event;
    c->pos = 0;
    c->want_event = FALSE;
  }
  au = g_ptr_array_index (c->clip->aus, c->pos);
  vis = g_array_index (c->clip->visible, guint8, c->pos);
  c->pos++;
  c->event_of[n] = -1;
  if (vis) {
    if (c->cur_event < 0) {
      Event e = { c->id, n, n, t, 0 };
      g_mutex_lock (&r->lock);
      g_array_append_val (r->events, e);
      c->cur_event = r->events->len - 1;
      g_mutex_unlock (&r->lock);
    }
    g_mutex_lock (&r->lock);
    g_array_index (r->events, Event, c->cur_event).end = n + 1;
    g_mutex_unlock (&r->lock);
    c->event_of[n] = c->cur_event;
    c->last_active_us = t;
  }
  /* the first 3 GOPs (decoder and analysis set-up, their first
   * allocations) are not a cost per second of idle video */
  c->idle_steady[n] = !vis && n >= 3 * r->gop &&
      (c->last_active_us == 0 || t - c->last_active_us > IDLE_AFTER_S * 1e6);
  c->push_us[n] = t;
  b = gst_buffer_copy (au);
  GST_BUFFER_PTS (b) = GST_BUFFER_DTS (b) = n * FRAME_NS;
  GST_BUFFER_DURATION (b) = FRAME_NS;
  c->n++;
  gst_app_src_push_buffer (GST_APP_SRC (c->src), b);
}

static gint
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static gdouble
pct (GArray *v, gdouble q)
{
  if (v->len == 0)
    return -1;
  g_array_sort (v, cmp_i64);
  return g_array_index (v, gint64, MIN (v->len - 1, (guint) (q * v->len))) /
      1e6;
}

typedef struct
{
  gboolean pass;
  gdouble idle_cpu, proc_cpu, p95;
} Outcome;

/* BENCH_GATE_PROPS, e.g. "idle-keyframe-interval-ms=4000 replay-gops=1":
 * property values set on every gate (never parsed as pipeline syntax) */
static void
set_gate_props (GstElement *gate)
{
  gchar **kv = g_strsplit (g_getenv ("BENCH_GATE_PROPS") ?: "", " ", -1);

  for (gchar **p = kv; *p; p++) {
    gchar *eq = strchr (*p, '=');
    if (**p == '\0')
      continue;
    if (eq == NULL ||
        !g_object_class_find_property (
            G_OBJECT_GET_CLASS (gate), (*eq = '\0', *p))) {
      g_printerr ("BENCH_GATE_PROPS: '%s' is not an axiongate property "
                  "(name=value)\n",
          *p);
      exit (2);
    }
    gst_util_set_object_arg (G_OBJECT (gate), *p, eq + 1);
  }
  g_strfreev (kv);
}

static Outcome
run_fleet (const Codec *cd, Clip *idle, Clip *event, guint gop, gint n_cams,
    gboolean gated, gdouble secs)
{
  Run r = { 0 };
  GString *desc = g_string_new (NULL);
  GstElement *pipe;
  SinkCtx *ctx = g_new0 (SinkCtx, n_cams);
  GstCaps *caps = gst_caps_from_string (idle->caps);
  gint64 t0, next;
  gdouble cpu0, cpu1, wall;
  guint64 tick = 0, ticks = (guint64) (secs * FPS);
  /* 10% of the cameras active: an 8 s event starts every
   * 8 s / (0.1 N) */
  gdouble every_s = EVENT_ACTIVE / (gdouble) FPS / (0.1 * n_cams);
  gdouble next_event_s = WARMUP_S;
  gint next_cam = 0;
  GArray *lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  GArray *lags = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint detected = 0;
  guint64 act_total = 0, act_done = 0, idle_frames = 0;
  gdouble idle_cpu = 0;
  Outcome o;
  gchar *la0, *la1;
  gdouble avail;

  r.cd = cd;
  r.idle = idle;
  r.event = event;
  r.gop = gop;
  r.n_cams = n_cams;
  r.gated = gated;
  r.max_frames = ticks + 1;
  r.events = g_array_new (FALSE, TRUE, sizeof (Event));
  g_mutex_init (&r.lock);
  r.cams = g_new0 (Cam, n_cams);
  for (gint i = 0; i < n_cams; i++) {
    gchar *gate = g_strdup_printf ("axiongate name=gate%d !", i);
    g_string_append_printf (desc,
        "appsrc name=src%d is-live=true format=time max-bytes=0 ! %s "
        "%s ! axionmotion camera-id=cam%d ! axionhash ! "
        "fakesink name=sink%d sync=false async=false  ",
        i, gated ? gate : "", decoder (cd), i, i);
    g_free (gate);
  }
  pipe = gst_parse_launch (desc->str, NULL);
  g_assert (pipe);
  g_string_free (desc, TRUE);
  for (gint i = 0; i < n_cams; i++) {
    Cam *c = &r.cams[i];
    gchar name[32];
    GstElement *sink;
    GstPad *pad;
    c->id = i;
    c->clip = idle;
    c->cur_event = -1;
    c->push_us = g_new0 (gint64, r.max_frames);
    c->event_of = g_new0 (gint, r.max_frames);
    c->idle_steady = g_new0 (guint8, r.max_frames);
    c->analysed = g_new0 (guint8, r.max_frames);
    c->lag_us = g_new0 (gint64, r.max_frames);
    if (gated) {
      GstElement *gate;
      g_snprintf (name, sizeof (name), "gate%d", i);
      gate = gst_bin_get_by_name (GST_BIN (pipe), name);
      g_assert (gate);
      set_gate_props (gate);
      gst_object_unref (gate);
    }
    g_snprintf (name, sizeof (name), "src%d", i);
    c->src = gst_bin_get_by_name (GST_BIN (pipe), name);
    g_object_set (c->src, "caps", caps, NULL);
    pad = gst_element_get_static_pad (c->src, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, src_probe, c, NULL);
    gst_object_unref (pad);
    g_snprintf (name, sizeof (name), "sink%d", i);
    sink = gst_bin_get_by_name (GST_BIN (pipe), name);
    pad = gst_element_get_static_pad (sink, "sink");
    ctx[i].run = &r;
    ctx[i].cam = c;
    gst_pad_add_probe (
        pad, GST_PAD_PROBE_TYPE_BUFFER, sink_probe, &ctx[i], NULL);
    gst_object_unref (pad);
    gst_object_unref (sink);
  }
  gst_caps_unref (caps);
  g_assert (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  la0 = load_avg ();
  avail = cores_available ();
  cpu0 = proc_cpu_s ();
  t0 = next = now_us ();
  for (tick = 0; tick < ticks; tick++) {
    gdouble ts = tick / (gdouble) FPS;
    gint64 wait = next - now_us ();
    if (wait > 0)
      g_usleep (wait);
    next += G_USEC_PER_SEC / FPS;
    /* rotate activity over the cameras; an event must end in the run */
    while (ts >= next_event_s &&
        next_event_s + EVENT_ACTIVE / (gdouble) FPS + gop / (gdouble) FPS <
            secs) {
      r.cams[next_cam].want_event = TRUE;
      next_cam = (next_cam + 1) % n_cams;
      next_event_s += every_s;
    }
    /* camera i starts at tick i % gop: keyframes out of phase */
    for (gint i = 0; i < n_cams; i++)
      if (tick >= (guint64) (i % gop))
        feed_one (&r, &r.cams[i]);
  }
  g_usleep (DRAIN_S * G_USEC_PER_SEC);
  g_atomic_int_set (&r.stopped, 1);
  cpu1 = proc_cpu_s ();
  wall = (now_us () - t0) / 1e6;
  la1 = load_avg ();
  gst_element_set_state (pipe, GST_STATE_NULL);

  for (guint k = 0; k < r.events->len; k++) {
    Event *e = &g_array_index (r.events, Event, k);
    Cam *c = &r.cams[e->cam];
    if (e->detect_us) {
      gint64 l = e->detect_us - e->start_us;
      g_array_append_val (lat, l);
      detected++;
    }
    for (guint64 f = e->start; f < e->end; f++) {
      act_total++;
      act_done += c->analysed[f];
    }
  }
  for (gint i = 0; i < n_cams; i++) {
    Cam *c = &r.cams[i];
    for (guint64 f = 0; f < c->n; f++)
      if (c->analysed[f])
        g_array_append_val (lags, c->lag_us[f]);
    idle_cpu += c->cpu_idle;
    idle_frames += c->n_idle_cpu;
  }
  o.p95 = pct (lat, 0.95);
  o.idle_cpu = idle_frames ? idle_cpu / (idle_frames / (gdouble) FPS) : 0;
  o.proc_cpu = (cpu1 - cpu0) / wall;
  o.pass = r.events->len > 0 && detected == r.events->len && o.p95 <= 1.0 &&
      act_done >= 0.99 * act_total;
  printf ("  N=%3d %-7s starts %u/%u detected, latency p50 %.2f p95 %.2f "
          "max %.2f s; active frames analysed %.1f%% (%" G_GUINT64_FORMAT
          "/%" G_GUINT64_FORMAT "); lag p95 %.2f s; idle camera %.4f cores; "
          "process %.2f cores (%.4f/camera) -> %s  [%.2f cores free to "
          "this process before; load %s .. %s]\n",
      n_cams, gated ? "gated" : "ungated", detected, r.events->len,
      pct (lat, 0.5), o.p95, pct (lat, 1.0),
      act_total ? 100.0 * act_done / act_total : 0, act_done, act_total,
      pct (lags, 0.95), o.idle_cpu, o.proc_cpu, o.proc_cpu / n_cams,
      o.pass ? "PASS" : "fail", avail, la0, la1);
  fflush (stdout);

  for (gint i = 0; i < n_cams; i++) {
    Cam *c = &r.cams[i];
    gst_object_unref (c->src);
    g_free (c->push_us);
    g_free (c->event_of);
    g_free (c->idle_steady);
    g_free (c->analysed);
    g_free (c->lag_us);
  }
  gst_object_unref (pipe);
  g_free (r.cams);
  g_free (ctx);
  g_array_unref (r.events);
  g_array_unref (lat);
  g_array_unref (lags);
  g_mutex_clear (&r.lock);
  g_free (la0);
  g_free (la1);
  return o;
}

static const Codec *
codec_get (void)
{
  const gchar *e = g_getenv ("BENCH_ENCODER");
  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++)
    if (g_strcmp0 (e ? e : "x264", codecs[i].name) == 0)
      return &codecs[i];
  g_printerr ("BENCH_ENCODER=%s: one of x264, openh264, x265\n", e);
  exit (2);
}

static gpointer
spin (gpointer data)
{
  gint64 end = now_us () + G_USEC_PER_SEC;
  gdouble t0 = thread_cpu_s ();
  volatile guint64 x = 0;
  while (now_us () < end)
    x++;
  *(gdouble *) data = thread_cpu_s () - t0;
  return NULL;
}

/* the cores this process gets now: as many threads as cores spin for 1 s
 * of wall time; their CPU seconds added up. On a shared machine this,
 * not the core count, is what the cameras share. */
static gdouble
cores_available (void)
{
  glong n = sysconf (_SC_NPROCESSORS_ONLN);
  GThread **t = g_new0 (GThread *, n);
  gdouble *cpu = g_new0 (gdouble, n), sum = 0;
  for (glong i = 0; i < n; i++)
    t[i] = g_thread_new ("spin", spin, &cpu[i]);
  for (glong i = 0; i < n; i++) {
    g_thread_join (t[i]);
    sum += cpu[i];
  }
  g_free (t);
  g_free (cpu);
  return sum;
}

static gboolean
have (const gchar *factory)
{
  GstElementFactory *f = gst_element_factory_find (factory);
  if (f)
    gst_object_unref (f);
  return f != NULL;
}

int
main (int argc, char **argv)
{
  const gchar *s = g_getenv ("BENCH_RUN_SECONDS");
  const gchar *ns = g_getenv ("BENCH_CAMERAS");
  const gchar *gs = g_getenv ("BENCH_GOPS");
  gdouble secs = s ? g_ascii_strtod (s, NULL) : 22;
  gchar **nv, **gv;
  const Codec *cd;
  gchar *enc0;

  gst_check_init (&argc, &argv);
  cd = codec_get ();
  enc0 = g_strndup (cd->enc, strcspn (cd->enc, " "));
  printf ("axiongate: N live 1080p 10 fps cameras in one process, 10%% "
          "active, gated vs decoding everything (%ld cores; encoders here: "
          "x264enc %s, openh264enc %s, x265enc %s)\n",
      sysconf (_SC_NPROCESSORS_ONLN), have ("x264enc") ? "yes" : "no",
      have ("openh264enc") ? "yes" : "no", have ("x265enc") ? "yes" : "no");
  if (!have (enc0) || !have (cd->dec)) {
    printf ("SKIP: %s or %s is not installed\n", enc0, cd->dec);
    g_free (enc0);
    return 77;
  }
  g_free (enc0);
  if (secs < WARMUP_S + EVENT_ACTIVE / (gdouble) FPS + 4)
    secs = WARMUP_S + EVENT_ACTIVE / (gdouble) FPS + 4;
  nv = g_strsplit (ns ? ns : "60", " ", -1);
  gv = g_strsplit (gs ? gs : "10 20", " ", -1);
  for (gchar **g = gv; *g; g++) {
    guint gop = (guint) atoi (*g);
    Clip *idle, *event;
    gint best_g = 0, best_u = 0;
    if (gop == 0 || IDLE_FRAMES % gop)
      continue;
    printf ("%s, decoded by %s, GOP %u frames (%.1f s), %.0f s a run, "
            "gate properties: %s\n",
        cd->name, decoder (cd), gop, gop / (gdouble) FPS, secs,
        g_getenv ("BENCH_GATE_PROPS") ?: "defaults");
    idle = clip_get (cd, gop, TRUE);
    event = clip_get (cd, gop, FALSE);
    {
      guint64 kb = 0, pb = 0, nk = 0, np = 0;
      for (guint i = 0; i < idle->aus->len; i++) {
        GstBuffer *b = g_ptr_array_index (idle->aus, i);
        gboolean key = !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
        *(key ? &kb : &pb) += gst_buffer_get_size (b);
        *(key ? &nk : &np) += 1;
      }
      printf ("  idle clip: keyframes %.0f kB, predicted frames %.1f kB on "
              "average (%.2f Mbit/s)\n",
          kb / 1e3 / MAX (nk, 1), pb / 1e3 / MAX (np, 1),
          (kb + pb) * 8.0 / 1e6 / (idle->aus->len / (gdouble) FPS));
    }
    for (gchar **n = nv; *n; n++) {
      gint cams = atoi (*n);
      Outcome og, ou;
      if (cams <= 0)
        continue;
      og = run_fleet (cd, idle, event, gop, cams, TRUE, secs);
      ou = run_fleet (cd, idle, event, gop, cams, FALSE, secs);
      printf ("  N=%3d idle camera CPU ungated/gated: %.1fx\n", cams,
          og.idle_cpu > 0 ? ou.idle_cpu / og.idle_cpu : 0);
      if (og.pass)
        best_g = MAX (best_g, cams);
      if (ou.pass)
        best_u = MAX (best_u, cams);
    }
    printf ("  largest N that passed (of those run): gated %d, ungated %d\n",
        best_g, best_u);
    clip_free (idle);
    clip_free (event);
  }
  g_strfreev (nv);
  g_strfreev (gv);
  return 0;
}
