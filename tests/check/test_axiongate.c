/* Unit tests: axiongate on real encoded streams (openh264enc, x265enc) of
 * synthetic camera scenes (tests/check/synth.c), decoded by openh264dec and
 * libde265dec. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <gst/axion/axion.h>
#include "synth.h"

#define W 320
#define H 240
#define FPS 10
#define FRAME_NS (GST_SECOND / FPS)

typedef enum
{
  CODEC_H264,
  CODEC_H265,
  CODEC_H265_BFRAMES,
  CODEC_H264_X264, /* High profile, CABAC: the macroblock map reads it */
} Codec;

typedef struct
{
  GPtrArray *aus; /* GstBuffer, decode order */
  GstCaps *caps;
} Stream;

static void
stream_free (Stream *s)
{
  g_ptr_array_unref (s->aus);
  gst_caps_unref (s->caps);
  g_free (s);
}

static gboolean
have (const gchar *factory)
{
  GstElementFactory *f = gst_element_factory_find (factory);
  if (f)
    gst_object_unref (f);
  return f != NULL;
}

static const gchar *
decoder_for (Codec c)
{
  /* openh264dec decodes x264's High profile too (one frame late, which the
   * tests' EOS flushes); avdec_h264 would join the unit tests' plugins and
   * decodebin would pick it in every runner test */
  return c == CODEC_H264 || c == CODEC_H264_X264 ? "openh264dec"
                                                 : "libde265dec";
}

/* Encodes @n frames of the scene @p with a GOP of @gop frames. */
static Stream *
encode (const SynthParams *p, gint n, guint gop, Codec codec)
{
  gchar *desc;
  GstElement *pipe, *src, *sink;
  GstCaps *caps;
  Synth *syn = synth_new (p);
  Stream *s = g_new0 (Stream, 1);
  GstSample *sample;

  if (codec == CODEC_H264_X264)
    desc = g_strdup_printf (
        "appsrc name=src format=time ! "
        "x264enc speed-preset=veryfast tune=zerolatency key-int-max=%u "
        "pass=quant quantizer=28 option-string=\"scenecut=0\" ! "
        "h264parse ! video/x-h264,stream-format=byte-stream,"
        "alignment=au ! appsink name=sink sync=false",
        gop);
  else if (codec == CODEC_H264)
    desc = g_strdup_printf (
        "appsrc name=src format=time ! "
        "openh264enc gop-size=%u rate-control=off qp-min=24 qp-max=24 ! "
        "h264parse ! video/x-h264,stream-format=byte-stream,"
        "alignment=au ! appsink name=sink sync=false",
        gop);
  else
    desc = g_strdup_printf (
        "appsrc name=src format=time ! "
        "x265enc key-int-max=%u bitrate=400 "
        "speed-preset=ultrafast option-string="
        "\"bframes=%d:scenecut=0:open-gop=0\" ! "
        "h265parse ! video/x-h265,stream-format=byte-stream,"
        "alignment=au ! appsink name=sink sync=false",
        gop, codec == CODEC_H265_BFRAMES ? 2 : 0);
  pipe = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (pipe != NULL);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, p->width, "height", G_TYPE_INT, p->height,
      "framerate", GST_TYPE_FRACTION, FPS, 1, NULL);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (gint i = 0; i < n; i++) {
    GstBuffer *b = synth_buffer (syn, i, GST_VIDEO_FORMAT_I420, NULL, NULL);
    GST_BUFFER_PTS (b) = i * FRAME_NS;
    GST_BUFFER_DURATION (b) = FRAME_NS;
    fail_unless_equals_int (
        gst_app_src_push_buffer (GST_APP_SRC (src), b), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  s->aus = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    if (s->caps == NULL)
      s->caps = gst_caps_copy (gst_sample_get_caps (sample));
    g_ptr_array_add (s->aus, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  synth_free (syn);
  fail_unless_equals_int (s->aus->len, n);
  /* x264enc adds 1000 h to its timestamps (no negative DTS); without
   * B-frames decode order is display order */
  for (guint i = 0; codec == CODEC_H264_X264 && i < s->aus->len; i++) {
    GstBuffer *b = g_ptr_array_index (s->aus, i);
    b = gst_buffer_make_writable (b);
    GST_BUFFER_PTS (b) = GST_BUFFER_DTS (b) = i * FRAME_NS;
    g_ptr_array_index (s->aus, i) = b;
  }
  if (g_getenv ("AXION_GATE_TEST_SIZES")) {
    for (guint i = 0; i < s->aus->len; i++)
      g_printerr ("%u:%zu%s ", i,
          gst_buffer_get_size (g_ptr_array_index (s->aus, i)),
          GST_BUFFER_FLAG_IS_SET (
              g_ptr_array_index (s->aus, i), GST_BUFFER_FLAG_DELTA_UNIT)
              ? ""
              : "K");
    g_printerr ("\n");
  }
  return s;
}

/* index of the AU with this PTS */
static gint
au_index (Stream *s, GstClockTime pts)
{
  return (gint) (pts / FRAME_NS);
}

static GstHarness *
gate_harness (Stream *s, const gchar *gate_props, const gchar *tail)
{
  gchar *desc = g_strdup_printf ("axiongate name=gate %s %s%s",
      gate_props ? gate_props : "", tail ? "! " : "", tail ? tail : "");
  GstHarness *h = gst_harness_new_parse (desc);
  g_free (desc);
  gst_harness_set_src_caps (h, gst_caps_ref (s->caps));
  return h;
}

/* Pushes AUs [from, to) and returns the decoded output so far. */
static void
push_range (GstHarness *h, Stream *s, guint from, guint to)
{
  for (guint i = from; i < to && i < s->aus->len; i++)
    fail_unless_equals_int (
        gst_harness_push (h, gst_buffer_ref (g_ptr_array_index (s->aus, i))),
        GST_FLOW_OK);
}

/* Pushes AUs [from, wake), the upstream activity event axionmotion sends,
 * then [wake, to). */
static void
push_with_wake (GstHarness *h, Stream *s, guint from, guint wake, guint to)
{
  push_range (h, s, from, wake);
  fail_unless (gst_harness_push_upstream_event (
      h, gst_axion_activity_event_new ("motion", 0.2)));
  push_range (h, s, wake, to);
}

static GPtrArray *
pull_all (GstHarness *h, gboolean eos)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_buffer_unref);
  GstBuffer *b;

  if (eos)
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((b = gst_harness_try_pull (h)))
    g_ptr_array_add (out, b);
  return out;
}

static GstStructure *
gate_stats (GstHarness *h)
{
  GstElement *g = gst_harness_find_element (h, "axiongate");
  GstStructure *st;
  g_object_get (g, "stats", &st, NULL);
  gst_object_unref (g);
  return st;
}

static guint64
stat (GstStructure *st, const gchar *name)
{
  guint64 v = 0;
  fail_unless (gst_structure_get_uint64 (st, name, &v), name);
  return v;
}

/* Decodes the whole stream without a gate (the reference). */
static GPtrArray *
decode_all (Stream *s, Codec c)
{
  GstHarness *h = gst_harness_new (decoder_for (c));
  GPtrArray *out;
  gst_harness_set_src_caps (h, gst_caps_ref (s->caps));
  push_range (h, s, 0, s->aus->len);
  out = pull_all (h, TRUE);
  gst_harness_teardown (h);
  return out;
}

static gboolean
same_pixels (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;
  gboolean same;
  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  same = ma.size == mb.size && memcmp (ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
  return same;
}

/* The reference frame with this PTS, or NULL. */
static GstBuffer *
ref_frame (GPtrArray *ref, GstClockTime pts)
{
  for (guint i = 0; i < ref->len; i++)
    if (GST_BUFFER_PTS ((GstBuffer *) g_ptr_array_index (ref, i)) == pts)
      return g_ptr_array_index (ref, i);
  return NULL;
}

/* A scene with no objects: static, textured, sensor noise. */
static void
idle_scene (SynthParams *p, guint32 seed)
{
  synth_params_init (p, W, H, seed);
  p->noise_sigma = 3.0;
  p->n_objects = 0;
}

/* ---- idle ----------------------------------------------------------------
 */

/* An idle camera decodes one frame per GOP; every decoded frame says how
 * many frames were not decoded before it, and carries its compressed size
 * across the decoder. */
GST_START_TEST (test_idle_decodes_one_frame_per_gop)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  GstStructure *st;

  idle_scene (&p, 1);
  s = encode (&p, 60, 10, CODEC_H264);
  h = gate_harness (s, NULL, "openh264dec");
  push_range (h, s, 0, 60);
  out = pull_all (h, TRUE);
  fail_unless_equals_int (out->len, 6);
  for (guint i = 0; i < out->len; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    gint idx = au_index (s, GST_BUFFER_PTS (b));
    GstBuffer *au = g_ptr_array_index (s->aus, idx);

    fail_unless_equals_int (idx, i * 10);
    fail_unless (fm != NULL);
    fail_unless (gst_axion_frame_meta_has (fm,
        GST_AXION_FRAME_FIELD_COMPRESSED | GST_AXION_FRAME_FIELD_GATE |
            GST_AXION_FRAME_FIELD_FRAME_NUMBER));
    /* the compressed size, not the decoded one (W*H*3/2) */
    fail_unless_equals_uint64 (fm->compressed_bytes, gst_buffer_get_size (au));
    fail_unless (fm->compressed_bytes < W * H);
    fail_unless_equals_uint64 (fm->frame_number, idx);
    fail_unless_equals_uint64 (fm->gate.received, idx + 1);
    fail_unless_equals_uint64 (fm->gate.decoded, i + 1);
    fail_unless_equals_int (fm->gate.skipped_before, i == 0 ? 0 : 9);
    fail_if (fm->gate.replayed);
    fail_if (fm->gate.active);
  }
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "frames-received"), 60);
  fail_unless_equals_uint64 (stat (st, "frames-decoded"), 6);
  fail_unless_equals_uint64 (stat (st, "frames-skipped"), 54);
  fail_unless_equals_uint64 (stat (st, "wakes-compressed"), 0);
  gst_structure_free (st);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* camera_events.bandwidth_usage_bytes is the camera's (compressed) bytes of
 * the frame, not the decoded frame's size the sink sees. */
GST_START_TEST (test_event_row_bandwidth_is_compressed)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GstBuffer *out;
  GstAxionFrameMeta *fm;
  GstAxionFrameInfo info;
  GstAxionRow *row;
  gchar *want;

  idle_scene (&p, 7);
  s = encode (&p, 1, 10, CODEC_H264);
  h = gate_harness (s, NULL, "openh264dec");
  push_range (h, s, 0, 1);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  out = gst_harness_pull (h);
  fm = gst_buffer_get_axion_frame_meta (out);
  gst_axion_frame_meta_set_camera_id (fm, "CAM1");
  gst_axion_frame_meta_set_capture_time (
      fm, G_GINT64_CONSTANT (1732375223250000), GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_add_event (fm, GST_AXION_EVENT_SCENE_CHANGE);
  gst_axion_frame_info_init (&info);
  info.size_bytes = gst_buffer_get_size (out); /* decoded: W*H*3/2 */
  row = gst_axion_row_camera_event (fm, &fm->events[0], out, &info, NULL);
  fail_unless (row != NULL);
  want = g_strdup_printf (
      "%zu", gst_buffer_get_size (g_ptr_array_index (s->aus, 0)));
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "bandwidth_usage_bytes"), want);
  g_free (want);
  gst_axion_row_free (row);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* idle-keyframe-interval-ms samples keyframes too; a wake replays from the
 * held keyframe, so again nothing after it is lost. */
GST_START_TEST (test_idle_keyframe_interval)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out, *ref;
  GstStructure *st;

  idle_scene (&p, 9);
  s = encode (&p, 60, 10, CODEC_H264);
  ref = decode_all (s, CODEC_H264);
  h = gate_harness (
      s, "idle-keyframe-interval-ms=2000 replay-gops=0", "openh264dec");
  push_range (h, s, 0, 34);
  out = pull_all (h, FALSE);
  /* keyframes 0 and 20 (10 and 30 are within 2 s of the decoded one) */
  fail_unless_equals_int (out->len, 2);
  fail_unless_equals_uint64 (
      GST_BUFFER_PTS ((GstBuffer *) g_ptr_array_index (out, 1)), 20 * FRAME_NS);
  g_ptr_array_unref (out);
  fail_unless (gst_harness_push_upstream_event (
      h, gst_axion_activity_event_new ("motion", 0.2)));
  push_range (h, s, 34, 36);
  out = pull_all (h, FALSE);
  /* 30 (the held keyframe), 31..33 replayed, then 34 and 35 */
  fail_unless_equals_int (out->len, 6);
  for (guint i = 0; i < out->len; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), (30 + i) * FRAME_NS);
    fail_unless (same_pixels (b, ref_frame (ref, GST_BUFFER_PTS (b))));
    fail_unless_equals_int (fm->gate.replayed, i < 4);
  }
  g_ptr_array_unref (out);
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "frames-replayed"), 4);
  gst_structure_free (st);
  g_ptr_array_unref (ref);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* idle-keyframe-interval-ms with replay-gops=1: a start that the analysis
 * sees at a decoded keyframe is replayed from the decoded keyframe before
 * it, through the keyframe held in between: nothing since is lost. */
GST_START_TEST (test_idle_keyframe_interval_replay)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out, *ref;
  GstStructure *st;
  gboolean seen[50] = { FALSE };

  idle_scene (&p, 9);
  s = encode (&p, 50, 10, CODEC_H264);
  ref = decode_all (s, CODEC_H264);
  h = gate_harness (s, "idle-keyframe-interval-ms=2000", "openh264dec");
  /* decoded: 0, 20, 40; held: 10, 30 */
  push_with_wake (h, s, 0, 44, 50);
  out = pull_all (h, TRUE);
  /* 0, 20, 40 while idle; then 21..39 (30 included) and 41..43 replayed,
   * 44..49 */
  fail_unless_equals_int (out->len, 3 + 19 + 3 + 6);
  for (guint i = 0; i < out->len; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    gint idx = au_index (s, GST_BUFFER_PTS (b));
    fail_if (seen[idx], "frame %d twice", idx);
    seen[idx] = TRUE;
    fail_unless (same_pixels (b, ref_frame (ref, GST_BUFFER_PTS (b))));
    fail_unless_equals_int (
        fm->gate.replayed, idx > 20 && idx < 44 && idx != 40);
  }
  for (gint i = 20; i < 50; i++)
    fail_unless (seen[i], "frame %d not decoded", i);
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "keyframes-redecoded"), 2);
  fail_unless_equals_uint64 (stat (st, "frames-replayed"), 22);
  gst_structure_free (st);
  g_ptr_array_unref (out);
  g_ptr_array_unref (ref);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* gated=false decodes everything and still measures the compressed size. */
GST_START_TEST (test_ungated_passes_all_with_sizes)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;

  idle_scene (&p, 2);
  s = encode (&p, 30, 10, CODEC_H264);
  h = gate_harness (s, "gated=false", "openh264dec");
  push_range (h, s, 0, 30);
  out = pull_all (h, TRUE);
  fail_unless_equals_int (out->len, 30);
  for (guint i = 0; i < out->len; i++) {
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (
        g_ptr_array_index (out, i));
    fail_unless (fm != NULL);
    fail_unless_equals_uint64 (fm->compressed_bytes,
        gst_buffer_get_size (g_ptr_array_index (s->aus, i)));
    fail_unless_equals_int (fm->gate.skipped_before, 0);
  }
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* ---- waking --------------------------------------------------------------
 */

/* Checks what a wake produced: every frame from the keyframe before
 * @start_frame on is decoded exactly once, in decode order, with its own
 * timestamps, bit-exact against an ungated decode; those held before the
 * wake are marked replayed. Returns the index of the first frame that was
 * decoded because of the wake. */
static gint
check_wake (
    GPtrArray *out, GPtrArray *ref, Stream *s, gint start_frame, guint gop)
{
  gint key = start_frame / gop * gop, first_woken = -1;
  gboolean *seen = g_new0 (gboolean, s->aus->len);

  for (guint i = 0; i < out->len; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    gint idx = au_index (s, GST_BUFFER_PTS (b));
    GstBuffer *r = ref_frame (ref, GST_BUFFER_PTS (b));

    fail_unless (idx >= 0 && idx < (gint) s->aus->len);
    fail_if (seen[idx], "frame %d decoded twice", idx);
    seen[idx] = TRUE;
    fail_unless (r != NULL);
    fail_unless (
        same_pixels (b, r), "frame %d differs from the ungated decode", idx);
    fail_unless_equals_uint64 (fm->frame_number, idx);
    if (idx % gop != 0 && first_woken < 0 && idx > key)
      first_woken = idx;
  }
  fail_unless (first_woken >= 0, "nothing woke");
  /* from the keyframe before the first woken frame on, nothing is missing */
  for (gint i = first_woken / gop * gop; i < (gint) s->aus->len; i++)
    fail_unless (seen[i], "frame %d after the wake's keyframe not decoded", i);
  g_free (seen);
  return first_woken;
}

/* An object enters an idle scene mid-GOP: the compressed-domain trigger
 * notices it within a frame, the frames since the keyframe are replayed,
 * nothing after that keyframe is lost. */
static void
run_compressed_wake_n (
    Codec codec, guint gop, gint start, gint n, const gchar *props)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out, *ref;
  GstStructure *st;
  gint woke_at;
  guint replayed = 0;
  gchar *desc;

  idle_scene (&p, 3);
  p.n_objects = 1;
  p.objects_from = start;
  p.object_size = 0.15;
  p.speed = 0.02;
  s = encode (&p, n, gop, codec);
  ref = decode_all (s, codec);
  desc = g_strdup_printf (
      "hold-ms=100000 analysis-trigger=false %s", props ? props : "");
  h = gate_harness (s, desc, decoder_for (codec));
  g_free (desc);
  push_range (h, s, 0, n);
  out = pull_all (h, TRUE);
  woke_at = check_wake (out, ref, s, start, gop);
  /* the object is visible from @start: noticed at it or the frame after */
  fail_unless (woke_at >= start - (gint) gop && woke_at <= start + 1,
      "woke at %d, object from %d", woke_at, start);
  for (guint i = 0; i < out->len; i++) {
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (
        g_ptr_array_index (out, i));
    replayed += fm->gate.replayed;
  }
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "wakes-compressed"), 1);
  fail_unless_equals_uint64 (stat (st, "frames-replayed"), replayed);
  fail_unless (replayed > 0);
  gst_structure_free (st);
  g_ptr_array_unref (out);
  g_ptr_array_unref (ref);
  gst_harness_teardown (h);
  stream_free (s);
}

static void
run_compressed_wake (Codec codec, guint gop, gint start)
{
  run_compressed_wake_n (codec, gop, start, start + 2 * gop, NULL);
}

GST_START_TEST (test_compressed_wake_h264)
{
  run_compressed_wake (CODEC_H264, 10, 34);
  run_compressed_wake (CODEC_H264, 30, 100);
}

GST_END_TEST;

GST_START_TEST (test_compressed_wake_h265)
{
  if (!have ("x265enc") || !have ("libde265dec"))
    return;
  run_compressed_wake (CODEC_H265, 10, 34);
}

GST_END_TEST;

GST_START_TEST (test_compressed_wake_h265_bframes)
{
  if (!have ("x265enc") || !have ("libde265dec"))
    return;
  run_compressed_wake (CODEC_H265_BFRAMES, 12, 40);
}

GST_END_TEST;

static gint first_visible (const SynthParams *p, gint from);
static gint wake_frame (GPtrArray *out, Stream *s);

/* The map tests' scene: an object of 96x64 px, 24 px a frame, its cells
 * changing, entering an idle scene at @start; returns its first visible
 * frame */
static gint
map_scene (SynthParams *p, gint start)
{
  idle_scene (p, 3);
  p->n_objects = 1;
  p->objects_from = start;
  p->object_size = 0.3;
  p->speed = 0.075;
  p->object_changes = TRUE;
  return first_visible (p, start);
}

/* H.264 with CABAC (a camera's High profile): the macroblock map. An
 * object (96x64 px, 6x4 macroblocks at 320x240, 24 px a frame, its cells
 * changing as the bench's walking person's do) enters a scene that was idle for
 * 9 s, which the gate sampled at one keyframe in 10 s
 * (map-keyframe-interval-ms); the map wakes the gate within four frames of its
 * first visible one (a 4x4 patch of it coded in two frames in a row), the
 * replay is the current GOP and the one before only (not the 9 s held since the
 * last decoded keyframe), and from that GOP's keyframe on every frame is
 * decoded, bit-exact with an ungated decode. */
GST_START_TEST (test_map_wake_h264_cabac)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out, *ref;
  GstStructure *st;
  const guint gop = 10;
  gint start = 94, n = 115, woke_at, visible;
  guint replayed = 0;

  if (!have ("x264enc") || !have ("openh264dec"))
    return;
  visible = map_scene (&p, start);
  s = encode (&p, n, gop, CODEC_H264_X264);
  ref = decode_all (s, CODEC_H264_X264);
  h = gate_harness (s, "hold-ms=100000 analysis-trigger=false",
      decoder_for (CODEC_H264_X264));
  push_range (h, s, 0, 55);
  /* the same caps again mid-GOP (h264parse does that when it learns a
   * field): the map keeps reading (map-errors stays 0) */
  gst_harness_set_src_caps (h, gst_caps_ref (s->caps));
  push_range (h, s, 55, n);
  out = pull_all (h, TRUE);
  check_wake (out, ref, s, visible, gop);
  woke_at = wake_frame (out, s);
  fail_unless (woke_at >= visible && woke_at <= visible + 4,
      "woke at %d, object visible from %d", woke_at, visible);
  for (guint i = 0; i < out->len; i++) {
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (
        g_ptr_array_index (out, i));
    replayed += fm->gate.replayed;
  }
  fail_unless (replayed > 0 && replayed <= 2 * gop, "%u replayed", replayed);
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "wakes-compressed"), 1);
  fail_unless (stat (st, "map-hits") >= 1);
  fail_unless_equals_uint64 (stat (st, "map-errors"), 0);
  /* predicted frames while idle and after: all read by the map */
  fail_unless (stat (st, "map-frames") >= (guint64) (n - n / gop - 1));
  gst_structure_free (st);
  g_ptr_array_unref (out);
  g_ptr_array_unref (ref);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* The same after the camera was active and went idle mid-GOP (its frames
 * held after that have no keyframe before them): the map wake still
 * replays at most two GOPs (not the frames held since 55 and the held
 * GOPs), and the frames it leaves out are counted:
 * every decoded frame's skipped_before is the gap in frame numbers before
 * it (axionredissink would report that gap as lost frames otherwise). */
GST_START_TEST (test_map_wake_after_active)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  const guint gop = 10;
  gint start = 94, n = 115, woke_at, visible;
  guint replayed = 0;
  gint64 prev = -1; /* the furthest frame number decoded so far */

  if (!have ("x264enc") || !have ("openh264dec"))
    return;
  visible = map_scene (&p, start);
  s = encode (&p, n, gop, CODEC_H264_X264);
  h = gate_harness (s, "hold-ms=1000", decoder_for (CODEC_H264_X264));
  /* active from frame 45 (an analysis event), idle again mid-GOP at 55,
   * once the map has learnt: the keyframes from 60 on are held */
  push_with_wake (h, s, 0, 45, n);
  out = pull_all (h, TRUE);
  woke_at = wake_frame (out, s);
  fail_unless (woke_at >= 45 && woke_at <= 46, "first wake at %d", woke_at);
  for (guint i = 0; i < out->len; i++) {
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (
        g_ptr_array_index (out, i));
    gint64 num = (gint64) fm->frame_number;
    replayed += fm->gate.replayed && num >= 56;
    /* past the furthest frame decoded so far, skipped_before is the gap
     * (a replay of an earlier GOP goes back first: its frames are not) */
    if (num > prev)
      fail_unless_equals_int64 (num - prev - 1, fm->gate.skipped_before);
    prev = MAX (prev, num);
  }
  fail_unless (replayed > 0 && replayed <= 2 * gop,
      "%u replayed on the map wake (object from %d)", replayed, visible);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* While the map reads an idle camera's stream it decodes one keyframe in
 * map-keyframe-interval-ms (10 s by default) instead of every GOP; with
 * the property at 0, every GOP again. Sensor noise and a slow light change
 * wake nothing. */
static guint64
idle_decoded (Stream *s, const gchar *props, gboolean *informative)
{
  GstHarness *h = gate_harness (s, props, NULL);
  GPtrArray *out;
  GstStructure *st;
  guint64 decoded;

  push_range (h, s, 0, s->aus->len);
  out = pull_all (h, TRUE);
  st = gate_stats (h);
  decoded = stat (st, "frames-decoded");
  fail_unless_equals_uint64 (decoded, out->len);
  fail_unless_equals_uint64 (stat (st, "wakes-compressed"), 0);
  fail_unless (gst_structure_get_boolean (st, "map-informative", informative));
  gst_structure_free (st);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  return decoded;
}

GST_START_TEST (test_map_idle_keyframes)
{
  SynthParams p;
  Stream *s;
  gboolean informative = FALSE;

  if (!have ("x264enc"))
    return;
  idle_scene (&p, 5);
  p.noise_sigma = 1.0;
  p.ramp_from = 1.0;
  p.ramp_to = 1.04;
  p.ramp_frames = 250;
  s = encode (&p, 250, 10, CODEC_H264_X264);
  /* 25 s, a keyframe a second: while the map learns the idle level (20
   * predicted frames) those at 0, 1 and 2 s; then at 12 and 22 s */
  fail_unless_equals_uint64 (idle_decoded (s, NULL, &informative), 5);
  fail_unless (informative);
  fail_unless_equals_uint64 (
      idle_decoded (s, "map-keyframe-interval-ms=0", &informative), 25);
  stream_free (s);
  /* night: noise (sigma 6 at this quantiser) codes most macroblocks of
   * every frame; the map is no guide, every keyframe is decoded */
  idle_scene (&p, 5);
  p.noise_sigma = 6.0;
  s = encode (&p, 100, 10, CODEC_H264_X264);
  fail_unless_equals_uint64 (idle_decoded (s, NULL, &informative), 10);
  fail_if (informative);
  stream_free (s);
}

GST_END_TEST;

/* GOPs up to 300 frames (30 s at 10 fps, the longest a camera is set to):
 * an object late in the second GOP wakes the gate, the ~250 frames held
 * since the keyframe are replayed bit-exact with an ungated decode and
 * nothing after that keyframe is lost (max-buffered-frames is 300 by
 * default). Each place in the GOP learns once a GOP: warmup-gops=1 lets
 * the compressed trigger work from the second GOP on (the default 3 would
 * be 90 s at this GOP). */
GST_START_TEST (test_long_gop_300)
{
  run_compressed_wake_n (CODEC_H264, 300, 550, 620, "warmup-gops=1");
  if (have ("x265enc") && have ("libde265dec"))
    run_compressed_wake_n (CODEC_H265, 300, 550, 620, "warmup-gops=1");
}

GST_END_TEST;

/* The first frame decoded because the camera woke (not replayed): the
 * frame at which the gate switched to decoding everything; -1: none. */
static gint
wake_frame (GPtrArray *out, Stream *s)
{
  for (guint i = 0; i < out->len; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    if (fm && fm->gate.active && !fm->gate.replayed)
      return au_index (s, GST_BUFFER_PTS (b));
  }
  return -1;
}

/* Night: a dark scene (gain 0.2: the background at luma ~25) with heavy
 * sensor noise (sigma 8, a third of the signal) where a small (24 px wide
 * at 320x240), slow (1.3 px a frame) object appears. The compressed
 * trigger is off: the noise, not the object, sets the frame sizes. The
 * decoded keyframes show it to axionmotion, whose event wakes the gate
 * within one GOP of the object's start, not before it (the noise alone
 * wakes nothing), and every frame from the wake's keyframe on reaches
 * axionmotion. */
GST_START_TEST (test_night_noise_wakes_within_gop)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  GstStructure *st;
  gint start = 63, woke_at, n = 100;
  const guint gop = 10;
  gboolean *seen;

  synth_params_init (&p, W, H, 11);
  p.noise_sigma = 8.0;
  p.ramp_from = p.ramp_to = 0.2;
  p.n_objects = 1;
  p.objects_from = start;
  p.object_size = 0.075;
  p.speed = 0.004;
  s = encode (&p, n, gop, CODEC_H264);
  h = gate_harness (s, "compressed-trigger=false hold-ms=100000",
      "openh264dec ! videoconvert ! axionmotion");
  push_range (h, s, 0, n);
  out = pull_all (h, TRUE);
  woke_at = wake_frame (out, s);
  fail_unless (woke_at >= start, "woke at %d before the object (%d): noise",
      woke_at, start);
  fail_unless (woke_at <= start + (gint) gop + 1,
      "woke at %d, object from %d: later than one GOP", woke_at, start);
  seen = g_new0 (gboolean, n);
  for (guint i = 0; i < out->len; i++)
    seen[au_index (s, GST_BUFFER_PTS (g_ptr_array_index (out, i)))] = TRUE;
  for (gint i = woke_at / (gint) gop * (gint) gop; i < n; i++)
    fail_unless (seen[i], "frame %d after the wake's keyframe not analysed", i);
  g_free (seen);
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "wakes-analysis"), 1);
  gst_structure_free (st);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* the first frame from @from on in which an object of @p is visible */
static gint
first_visible (const SynthParams *p, gint from)
{
  Synth *syn = synth_new (p);
  guint8 *y = g_malloc (p->width * p->height);
  SynthBox boxes[4];
  gint i = from;

  while (synth_render (syn, i, y, p->width, boxes) == 0)
    i++;
  g_free (y);
  synth_free (syn);
  return i;
}

static gint
cmp_int (gconstpointer a, gconstpointer b)
{
  return *(const gint *) a - *(const gint *) b;
}

/* Start latency over many scripted starts, in frames (no wall time): an
 * object enters an idle scene at every place of a 10-frame GOP, in two
 * scenes (20 starts; the start is its first visible frame). Compressed
 * trigger: every start wakes the gate, none before its object; the median
 * is 1 frame (the frame after the first one that shows it), p95 3 frames:
 * a start on the frame before a keyframe or on it is seen only after the
 * places after the keyframe where the encoder spends more bits (measured:
 * 14 starts 1 frame, 4 starts 2, one 3, one 4). Analysis trigger alone
 * (axionmotion): every start within one GOP (each and p95 <= GOP + 1
 * frames). */
GST_START_TEST (test_start_latency_p95_frames)
{
  const guint gop = 10;
  GArray *lat_c = g_array_new (FALSE, FALSE, sizeof (gint));
  GArray *lat_a = g_array_new (FALSE, FALSE, sizeof (gint));
  gint p95_c, p95_a;

  for (guint32 seed = 20; seed < 22; seed++) {
    for (guint phase = 0; phase < gop; phase++) {
      SynthParams p;
      Stream *s;
      GstHarness *h;
      GPtrArray *out;
      gint start = 2 * gop + phase, n = start + gop + 3, w;

      idle_scene (&p, seed);
      p.n_objects = 1;
      p.objects_from = start;
      p.object_size = 0.15;
      p.speed = 0.02;
      s = encode (&p, n, gop, CODEC_H264);
      /* the object enters from the edge: the start is its first visible
       * frame (the ground truth's first box) */
      start = first_visible (&p, start);

      h = gate_harness (s,
          "hold-ms=100000 analysis-trigger=false warmup-gops=1", "openh264dec");
      push_range (h, s, 0, n);
      out = pull_all (h, TRUE);
      w = wake_frame (out, s);
      fail_unless (w >= start, "seed %u: compressed wake at %d, object from %d",
          seed, w, start);
      w -= start;
      if (g_getenv ("AXION_GATE_TEST_LATENCY"))
        g_printerr ("seed %u start %d: compressed %d frames\n", seed, start, w);
      g_array_append_val (lat_c, w);
      g_ptr_array_unref (out);
      gst_harness_teardown (h);

      h = gate_harness (s, "hold-ms=100000 compressed-trigger=false",
          "openh264dec ! videoconvert ! axionmotion");
      push_range (h, s, 0, n);
      out = pull_all (h, TRUE);
      w = wake_frame (out, s);
      fail_unless (w >= start, "seed %u: analysis wake at %d, object from %d",
          seed, w, start);
      w -= start;
      if (g_getenv ("AXION_GATE_TEST_LATENCY"))
        g_printerr ("seed %u start %d: analysis %d frames\n", seed, start, w);
      fail_unless (w <= (gint) gop + 1,
          "seed %u, object from %d: analysis wake %d frames late", seed, start,
          w);
      g_array_append_val (lat_a, w);
      g_ptr_array_unref (out);
      gst_harness_teardown (h);
      stream_free (s);
    }
  }
  g_array_sort (lat_c, cmp_int);
  g_array_sort (lat_a, cmp_int);
  /* 20 starts: the 95th percentile is the 19th smallest */
  p95_c = g_array_index (lat_c, gint, lat_c->len * 95 / 100 - 1);
  p95_a = g_array_index (lat_a, gint, lat_a->len * 95 / 100 - 1);
  GST_INFO ("start latency p95: compressed %d frames, analysis %d frames",
      p95_c, p95_a);
  fail_unless (g_array_index (lat_c, gint, lat_c->len / 2) <= 1,
      "compressed trigger median %d frames",
      g_array_index (lat_c, gint, lat_c->len / 2));
  fail_unless (p95_c <= 3, "compressed trigger p95 %d frames", p95_c);
  fail_unless (
      p95_a <= (gint) gop + 1, "analysis trigger p95 %d frames", p95_a);
  g_array_unref (lat_c);
  g_array_unref (lat_a);
}

GST_END_TEST;

/* The upstream activity event (what axionmotion sends) wakes the gate: the
 * next frame and those held since the keyframe are decoded. */
GST_START_TEST (test_activity_event_wakes)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  GstStructure *st;

  idle_scene (&p, 4);
  s = encode (&p, 40, 10, CODEC_H264);
  h = gate_harness (s, "hold-ms=1000 replay-gops=0", NULL);
  push_range (h, s, 0, 14);
  out = pull_all (h, FALSE);
  fail_unless_equals_int (out->len, 2); /* keyframes 0 and 10 */
  g_ptr_array_unref (out);
  fail_unless (gst_harness_push_upstream_event (
      h, gst_axion_activity_event_new ("motion", 0.2)));
  push_range (h, s, 14, 15);
  out = pull_all (h, FALSE);
  /* 11, 12, 13 replayed, then 14 */
  fail_unless_equals_int (out->len, 4);
  for (guint i = 0; i < 4; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), (11 + i) * FRAME_NS);
    fail_unless_equals_uint64 (GST_BUFFER_DTS (b),
        GST_BUFFER_DTS ((GstBuffer *) g_ptr_array_index (s->aus, 11 + i)));
    fail_unless_equals_int (fm->gate.replayed, i < 3);
    fail_unless (fm->gate.active);
  }
  g_ptr_array_unref (out);
  /* hold-ms later (frame 24 is 1 s after 14) only keyframes again */
  push_range (h, s, 15, 40);
  out = pull_all (h, TRUE);
  fail_unless_equals_int (out->len, (24 - 15) + 1); /* 15..23 and 30 */
  g_ptr_array_unref (out);
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "wakes-analysis"), 1);
  fail_unless_equals_uint64 (stat (st, "activity-events"), 1);
  fail_unless_equals_uint64 (stat (st, "frames-replayed"), 3);
  gst_structure_free (st);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* The analysis answers within the keyframe's own push (axionmotion right
 * after the decoder, no queue): the gate wakes and replays then, not when
 * the next frame arrives (a frame interval less of start latency). */
GST_START_TEST (test_analysis_wakes_at_its_keyframe)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  gint woke_push = -1;
  const guint gop = 10;

  idle_scene (&p, 5);
  p.n_objects = 1;
  p.objects_from = 64;
  p.object_size = 0.12;
  p.speed = 0.004;
  s = encode (&p, 100, gop, CODEC_H264);
  h = gate_harness (s, "compressed-trigger=false hold-ms=100000",
      "openh264dec ! videoconvert ! axionmotion");
  for (guint i = 0; i < s->aus->len && woke_push < 0; i++) {
    GPtrArray *out;
    push_range (h, s, i, i + 1);
    out = pull_all (h, FALSE);
    for (guint j = 0; j < out->len; j++)
      if (au_index (s, GST_BUFFER_PTS (g_ptr_array_index (out, j))) % gop)
        woke_push = (gint) i;
    g_ptr_array_unref (out);
  }
  fail_unless (woke_push > 64, "woke at %d", woke_push);
  fail_unless_equals_int (woke_push % gop, 0);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* A start noticed only at the keyframe after it (the analysis trigger, an
 * object too small for the compressed one) loses no frame: the GOP before
 * that keyframe is replayed too. Its keyframe and the current one are
 * decoded again without output (every frame reaches the analysis once),
 * the replayed frames keep their timestamps and running times, and they
 * are bit-exact with an ungated decode. H.264, and H.265 with B-frames. */
static void
run_replay_previous_gop (Codec codec, const gchar *parser)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out, *ref;
  GstStructure *st;
  GstEvent *ev;
  gchar *dec;
  gboolean seen[30] = { FALSE };
  /* idle output, then the replay in decode order (H.264: no B-frames) */
  const gint want[] = { 0, 10, 20, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22,
    23, 24, 25, 26, 27, 28, 29 };

  idle_scene (&p, 12);
  s = encode (&p, 30, 10, codec);
  ref = decode_all (s, codec);
  /* a parser between gate and decoder (decodebin puts one there) sets
   * the re-sent keyframes' durations to a frame's */
  dec = g_strdup_printf (
      "%s%s%s", parser ? parser : "", parser ? " ! " : "", decoder_for (codec));
  h = gate_harness (s, "hold-ms=100000 compressed-trigger=false", dec);
  g_free (dec);
  /* idle: keyframes 0, 10, 20 */
  push_with_wake (h, s, 0, 24, 30);
  out = pull_all (h, TRUE);
  fail_unless_equals_int (out->len, 21);
  for (guint i = 0; i < out->len; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    gint idx = au_index (s, GST_BUFFER_PTS (b));

    fail_unless (idx >= 0 && idx < 30);
    fail_if (seen[idx], "frame %d reached the analysis twice", idx);
    seen[idx] = TRUE;
    if (codec == CODEC_H264)
      fail_unless_equals_int (idx, want[i]);
    fail_unless (same_pixels (b, ref_frame (ref, GST_BUFFER_PTS (b))),
        "frame %d differs from the ungated decode", idx);
    fail_unless_equals_uint64 (fm->frame_number, idx);
    fail_unless_equals_int (
        fm->gate.replayed, idx % 10 != 0 && idx > 10 && idx < 24);
  }
  for (gint i = 10; i < 30; i++)
    fail_unless (seen[i], "frame %d not decoded", i);
  /* the segments the gate sent keep running time = PTS (start was 0) */
  while ((ev = gst_harness_try_pull_event (h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT) {
      const GstSegment *seg;
      gst_event_parse_segment (ev, &seg);
      fail_unless_equals_uint64 (
          gst_segment_to_running_time (seg, GST_FORMAT_TIME, 25 * FRAME_NS),
          25 * FRAME_NS);
    }
    gst_event_unref (ev);
  }
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "keyframes-redecoded"), 2);
  fail_unless_equals_uint64 (stat (st, "frames-replayed"), 12);
  fail_unless_equals_uint64 (stat (st, "frames-decoded"), 21);
  fail_unless_equals_uint64 (stat (st, "frames-skipped"), 9);
  gst_structure_free (st);
  g_ptr_array_unref (out);
  g_ptr_array_unref (ref);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_START_TEST (test_replay_previous_gop)
{
  run_replay_previous_gop (CODEC_H264, NULL);
  run_replay_previous_gop (CODEC_H264, "h264parse");
  if (have ("x265enc") && have ("libde265dec")) {
    run_replay_previous_gop (CODEC_H265_BFRAMES, NULL);
    run_replay_previous_gop (CODEC_H265_BFRAMES, "h265parse");
  }
}

GST_END_TEST;

/* max-buffered-frames bounds the history: the GOP before goes first (a
 * wake then replays the current GOP only); when the current GOP alone does
 * not fit, it is dropped and the camera waits for its next keyframe. */
GST_START_TEST (test_buffer_bound)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  GstStructure *st;

  idle_scene (&p, 13);
  s = encode (&p, 60, 10, CODEC_H264);
  h = gate_harness (s, "hold-ms=100000 max-buffered-frames=15", "openh264dec");
  /* the GOP of 10 went at 25: 16 frames held */
  push_with_wake (h, s, 0, 28, 30);
  out = pull_all (h, FALSE);
  /* 0, 10, 20, then 21..27 replayed, 28, 29 */
  fail_unless_equals_int (out->len, 3 + 9);
  fail_unless_equals_uint64 (
      GST_BUFFER_PTS ((GstBuffer *) g_ptr_array_index (out, 3)), 21 * FRAME_NS);
  g_ptr_array_unref (out);
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "keyframes-redecoded"), 0);
  fail_unless_equals_uint64 (stat (st, "frames-replayed"), 7);
  fail_unless_equals_uint64 (stat (st, "frames-skipped"), 18);
  fail_unless_equals_uint64 (stat (st, "frames-overflowed"), 0);
  gst_structure_free (st);
  gst_harness_teardown (h);

  /* one GOP of 10 is more than 8: overflowed, decoded again from 20 */
  h = gate_harness (s, "hold-ms=100000 max-buffered-frames=8", "openh264dec");
  push_with_wake (h, s, 0, 15, 23);
  out = pull_all (h, FALSE);
  /* 0, 10 while idle; 11..14 replayed and 15..19 (wake before the
   * bound); then 20..22 */
  fail_unless_equals_int (out->len, 2 + 4 + 5 + 3);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  h = gate_harness (s, "hold-ms=100000 max-buffered-frames=8", "openh264dec");
  /* 10's GOP: 11..18 held, the 8th overflows */
  push_with_wake (h, s, 0, 19, 23);
  out = pull_all (h, FALSE);
  /* 0, 10; 19 has no reference left: skipped; 20..22 */
  fail_unless_equals_int (out->len, 2 + 3);
  fail_unless_equals_uint64 (
      GST_BUFFER_PTS ((GstBuffer *) g_ptr_array_index (out, 2)), 20 * FRAME_NS);
  g_ptr_array_unref (out);
  st = gate_stats (h);
  fail_unless (stat (st, "frames-overflowed") > 0);
  gst_structure_free (st);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* replay-gops=0: only the frames since the last keyframe are replayed. */
GST_START_TEST (test_replay_gops_zero)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  GstStructure *st;

  idle_scene (&p, 12);
  s = encode (&p, 30, 10, CODEC_H264);
  h = gate_harness (s, "hold-ms=100000 replay-gops=0", "openh264dec");
  push_with_wake (h, s, 0, 24, 30);
  out = pull_all (h, TRUE);
  /* 0, 10, 20, then 21..29 */
  fail_unless_equals_int (out->len, 3 + 9);
  fail_unless_equals_uint64 (
      GST_BUFFER_PTS ((GstBuffer *) g_ptr_array_index (out, 3)), 21 * FRAME_NS);
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "keyframes-redecoded"), 0);
  fail_unless_equals_uint64 (stat (st, "frames-replayed"), 3);
  fail_unless_equals_uint64 (stat (st, "frames-skipped"), 18);
  gst_structure_free (st);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* A slow, small object the compressed trigger is told not to see: the
 * decoded keyframes show it to axionmotion, whose upstream event wakes the
 * gate within one GOP of the object's start. */
GST_START_TEST (test_motion_wakes_within_gop)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  GstStructure *st;
  gint start = 64, woke_at = -1;
  const guint gop = 10;

  idle_scene (&p, 5);
  p.n_objects = 1;
  p.objects_from = start;
  p.object_size = 0.12;
  p.speed = 0.004;
  s = encode (&p, 100, gop, CODEC_H264);
  h = gate_harness (s, "compressed-trigger=false hold-ms=100000 replay-gops=0",
      "openh264dec ! videoconvert ! axionmotion");
  push_range (h, s, 0, s->aus->len);
  out = pull_all (h, TRUE);
  for (guint i = 0; i < out->len && woke_at < 0; i++) {
    gint idx = au_index (s, GST_BUFFER_PTS (g_ptr_array_index (out, i)));
    if (idx % gop != 0)
      woke_at = idx;
  }
  fail_unless (
      woke_at > start, "woke at %d before the object (%d)", woke_at, start);
  fail_unless (woke_at <= start + (gint) gop + 1, "woke at %d, object from %d",
      woke_at, start);
  /* keyframes only before the wake; from its keyframe on, every frame
   * reaches axionmotion */
  fail_unless_equals_int (
      out->len, woke_at / gop + (100 - woke_at / gop * gop));
  st = gate_stats (h);
  fail_unless (stat (st, "wakes-analysis") == 1);
  fail_unless_equals_uint64 (stat (st, "wakes-compressed"), 0);
  gst_structure_free (st);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* axiondlpusched treats the frames of a camera the gate woke (replayed
 * ones included) as active, like frames with motion. */
GST_START_TEST (test_dlpusched_waking_camera_is_active)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;
  GstElement *sched;
  GstStructure *st;
  guint64 frames = 0, active = 0;

  idle_scene (&p, 8);
  s = encode (&p, 30, 10, CODEC_H264);
  h = gate_harness (s, "hold-ms=100000",
      "openh264dec ! axiondlpusched name=sched accelerator=gate-test "
      "detector=identity");
  /* idle: keyframes 0 and 10 */
  /* 1..9 (the GOP before) and 11..13 replayed, 14..29 */
  push_with_wake (h, s, 0, 14, 30);
  out = pull_all (h, TRUE);
  fail_unless_equals_int (out->len, 2 + 9 + 19);
  sched = gst_harness_find_element (h, "axiondlpusched");
  g_object_get (sched, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "frames", &frames));
  fail_unless (gst_structure_get_uint64 (st, "frames-active", &active));
  fail_unless_equals_uint64 (frames, 30);
  fail_unless_equals_uint64 (active, 28);
  gst_structure_free (st);
  gst_object_unref (sched);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* A camera that is not H.264/H.265 (MJPEG: every frame a keyframe) passes
 * untouched, with its compressed sizes: one pipeline serves every camera. */
GST_START_TEST (test_mjpeg_passes)
{
  GstHarness *h = gst_harness_new ("axiongate");
  GstStructure *st;

  gst_harness_set_src_caps_str (h, "image/jpeg,width=160,height=120");
  for (guint i = 0; i < 5; i++) {
    GstBuffer *b = gst_buffer_new_allocate (NULL, 1000 + i, NULL);
    GstBuffer *out;
    GstAxionFrameMeta *fm;

    GST_BUFFER_PTS (b) = i * FRAME_NS;
    /* a parser may flag them as delta units: they still pass */
    if (i > 0)
      GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
    out = gst_harness_push_and_pull (h, b);
    fail_unless (out != NULL);
    fm = gst_buffer_get_axion_frame_meta (out);
    fail_unless_equals_uint64 (fm->compressed_bytes, 1000 + i);
    gst_buffer_unref (out);
  }
  st = gate_stats (h);
  fail_unless_equals_uint64 (stat (st, "frames-decoded"), 5);
  gst_structure_free (st);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* index of the first frame axionmotion marked as a motion start, or -1 */
static gint
first_motion_start (Stream *s, const gchar *desc)
{
  GstHarness *h = gst_harness_new_parse (desc);
  GPtrArray *out;
  gint start = -1;

  gst_harness_set_src_caps (h, gst_caps_ref (s->caps));
  push_range (h, s, 0, s->aus->len);
  out = pull_all (h, TRUE);
  for (guint i = 0; i < out->len && start < 0; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (b);
    if (fm && gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_MOTION) &&
        fm->motion_state == GST_AXION_MOTION_STATE_START)
      start = au_index (s, GST_BUFFER_PTS (b));
  }
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  return start;
}

/* The motion events of a gated camera start within one GOP of the ungated
 * pipeline's, with either trigger. */
GST_START_TEST (test_motion_events_match_ungated)
{
  SynthParams p;
  Stream *s;
  const guint gop = 10;
  const gchar *gates[] = { "axiongate", "axiongate compressed-trigger=false",
    "axiongate analysis-trigger=false" };
  gint ungated;

  idle_scene (&p, 10);
  p.n_objects = 1;
  p.objects_from = 57;
  p.object_size = 0.12;
  p.speed = 0.01;
  s = encode (&p, 100, gop, CODEC_H264);
  ungated = first_motion_start (s, "openh264dec ! videoconvert ! axionmotion");
  fail_unless (ungated >= 57, "ungated motion start at %d", ungated);
  for (guint i = 0; i < G_N_ELEMENTS (gates); i++) {
    gchar *desc = g_strdup_printf (
        "%s ! openh264dec ! videoconvert ! axionmotion", gates[i]);
    gint gated = first_motion_start (s, desc);
    fail_unless (gated >= 0 && ABS (gated - ungated) <= (gint) gop,
        "%s: motion start at %d, ungated at %d", gates[i], gated, ungated);
    g_free (desc);
  }
  stream_free (s);
}

GST_END_TEST;

/* A frame lost on the network while the camera is idle: the wake replays
 * what arrived, and the decoded frames are bit-exact with an ungated decode
 * of the same lossy stream (the same frames reach the decoder after the
 * keyframe, whichever way). */
GST_START_TEST (test_lost_frame_before_wake)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out, *ref;
  guint compared = 0;

  idle_scene (&p, 11);
  s = encode (&p, 50, 10, CODEC_H264);
  g_ptr_array_remove_index (s->aus, 33); /* lost */
  ref = decode_all (s, CODEC_H264);
  h = gate_harness (s, "hold-ms=100000", "openh264dec");
  /* up to frame 35 (index 34) */
  push_with_wake (h, s, 0, 35, s->aus->len);
  out = pull_all (h, TRUE);
  for (guint i = 0; i < out->len; i++) {
    GstBuffer *b = g_ptr_array_index (out, i);
    GstBuffer *r = ref_frame (ref, GST_BUFFER_PTS (b));
    if (r == NULL)
      continue;
    fail_unless (same_pixels (b, r), "frame at %" GST_TIME_FORMAT " differs",
        GST_TIME_ARGS (GST_BUFFER_PTS (b)));
    compared++;
  }
  /* keyframes 0, 10, then 21..29 (the GOP before the wake's, replayed)
   * and whatever the decoder makes of 30..49 without 33 (openh264dec drops
   * the frames that refer to the lost one until the next keyframe, gated
   * or not): every one of those */
  {
    guint after = 0;
    for (guint i = 0; i < ref->len; i++)
      after += GST_BUFFER_PTS ((GstBuffer *) g_ptr_array_index (ref, i)) >=
          20 * FRAME_NS;
    fail_unless (after >= 20, "the ungated decode made %u frames", after);
    fail_unless_equals_int (compared, 2 + after);
  }
  g_ptr_array_unref (out);
  g_ptr_array_unref (ref);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

/* A new stream (a camera that reconnected) starts from its own keyframe:
 * frames before it are not decoded, nothing is replayed across streams. */
GST_START_TEST (test_reconnect_waits_for_keyframe)
{
  SynthParams p;
  Stream *s;
  GstHarness *h;
  GPtrArray *out;

  idle_scene (&p, 6);
  s = encode (&p, 30, 10, CODEC_H264);
  h = gate_harness (s, "hold-ms=100000", "openh264dec");
  /* wakes: 1..5 decoded */
  push_with_wake (h, s, 0, 5, 6);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_harness_set_src_caps (h, gst_caps_ref (s->caps));
  {
    GstSegment seg;
    gst_segment_init (&seg, GST_FORMAT_TIME);
    gst_harness_push_event (h, gst_event_new_segment (&seg));
  }
  /* the camera comes back mid-GOP */
  push_range (h, s, 13, 30);
  out = pull_all (h, TRUE);
  /* before the flush: 0..5; after it: idle again, keyframe 20 only */
  for (guint i = 0; i < out->len; i++) {
    gint idx = au_index (s, GST_BUFFER_PTS (g_ptr_array_index (out, i)));
    fail_unless (idx <= 5 || idx == 20, "frame %d decoded", idx);
  }
  fail_unless (out->len >= 1);
  g_ptr_array_unref (out);
  gst_harness_teardown (h);
  stream_free (s);
}

GST_END_TEST;

static Suite *
axiongate_suite (void)
{
  Suite *s = suite_create ("axiongate");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_idle_decodes_one_frame_per_gop);
  tcase_add_test (tc, test_ungated_passes_all_with_sizes);
  tcase_add_test (tc, test_idle_keyframe_interval);
  tcase_add_test (tc, test_idle_keyframe_interval_replay);
  tcase_add_test (tc, test_event_row_bandwidth_is_compressed);
  tcase_add_test (tc, test_compressed_wake_h264);
  tcase_add_test (tc, test_compressed_wake_h265);
  tcase_add_test (tc, test_compressed_wake_h265_bframes);
  tcase_add_test (tc, test_long_gop_300);
  tcase_add_test (tc, test_map_wake_h264_cabac);
  tcase_add_test (tc, test_map_wake_after_active);
  tcase_add_test (tc, test_map_idle_keyframes);
  tcase_add_test (tc, test_night_noise_wakes_within_gop);
  tcase_add_test (tc, test_start_latency_p95_frames);
  tcase_add_test (tc, test_activity_event_wakes);
  tcase_add_test (tc, test_motion_wakes_within_gop);
  tcase_add_test (tc, test_replay_previous_gop);
  tcase_add_test (tc, test_replay_gops_zero);
  tcase_add_test (tc, test_buffer_bound);
  tcase_add_test (tc, test_analysis_wakes_at_its_keyframe);
  tcase_add_test (tc, test_reconnect_waits_for_keyframe);
  tcase_add_test (tc, test_mjpeg_passes);
  tcase_add_test (tc, test_lost_frame_before_wake);
  tcase_add_test (tc, test_motion_events_match_ungated);
  tcase_add_test (tc, test_dlpusched_waking_camera_is_active);
  return s;
}

GST_CHECK_MAIN (axiongate);
