/* Unit tests: axiongate's H.264 macroblock map (gst/axion/axionh264mb.c)
 * on streams x264enc makes of synthetic camera scenes (tests/check/synth.c)
 * with the settings cameras use, and on damaged ones. */
#include <gst/app/app.h>
#include <gst/check/gstcheck.h>

#include "axionh264mb.h"
#include "synth.h"

#define W 320
#define H 240
#define MB_W (W / 16)
#define MB_H (H / 16)
#define FPS 10
#define FRAME_NS (GST_SECOND / FPS)

typedef struct
{
  GPtrArray *aus;    /* GstBuffer, decode order */
  GArray *boxes;     /* SynthBox of the object per frame (w 0: none) */
  GstBuffer *config; /* avcC for stream-format=avc */
} Stream;

static void
stream_free (Stream *s)
{
  g_ptr_array_unref (s->aus);
  g_array_unref (s->boxes);
  if (s->config)
    gst_buffer_unref (s->config);
  g_free (s);
}

/* @n frames of @p through x264enc with @x264opts (its option-string) */
static Stream *
encode (const SynthParams *p, gint n, const gchar *x264opts, gboolean avc)
{
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time ! x264enc speed-preset=veryfast "
      "tune=zerolatency key-int-max=20 pass=quant quantizer=28 "
      "option-string=\"%s\" ! "
      "h264parse ! video/x-h264,stream-format=%s,alignment=au ! "
      "appsink name=sink sync=false",
      x264opts, avc ? "avc" : "byte-stream");
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch (desc, &err), *src, *sink;
  Synth *syn = synth_new (p);
  Stream *s = g_new0 (Stream, 1);
  GstCaps *caps;
  GstSample *sample;

  fail_unless (
      pipe != NULL && err == NULL, "%s: %s", desc, err ? err->message : "");
  g_free (desc);
  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
      "width", G_TYPE_INT, p->width, "height", G_TYPE_INT, p->height,
      "framerate", GST_TYPE_FRACTION, FPS, 1, NULL);
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  s->boxes = g_array_new (FALSE, TRUE, sizeof (SynthBox));
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  for (gint i = 0; i < n; i++) {
    SynthBox box[4] = { { 0 } };
    guint nb = 0;
    GstBuffer *b = synth_buffer (syn, i, GST_VIDEO_FORMAT_I420, box, &nb);
    g_array_append_val (s->boxes, box[0]);
    if (nb == 0)
      g_array_index (s->boxes, SynthBox, i).w = 0;
    GST_BUFFER_PTS (b) = i * FRAME_NS;
    GST_BUFFER_DURATION (b) = FRAME_NS;
    gst_app_src_push_buffer (GST_APP_SRC (src), b);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  s->aus = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    const GstStructure *st = gst_caps_get_structure (
        gst_sample_get_caps (sample), 0);
    const GValue *cd = gst_structure_get_value (st, "codec_data");
    if (avc && !s->config && cd)
      s->config = gst_buffer_ref (gst_value_get_buffer (cd));
    g_ptr_array_add (s->aus, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  synth_free (syn);
  fail_unless_equals_int (s->aus->len, n);
  return s;
}

static AxionH264MbResult
parse (AxionH264Mb *m, GstBuffer *b, const gchar **why)
{
  GstMapInfo info;
  AxionH264MbResult r;

  gst_buffer_map (b, &info, GST_MAP_READ);
  r = axion_h264_mb_parse_au (m, info.data, info.size, why);
  gst_buffer_unmap (b, &info);
  return r;
}

static guint
coded_in (const guint8 *map, guint x0, guint y0, guint x1, guint y1)
{
  guint n = 0;

  for (guint y = y0; y < y1 && y < MB_H; y++)
    for (guint x = x0; x < x1 && x < MB_W; x++)
      n += map[y * MB_W + x] != AXION_H264_MB_SKIPPED;
  return n;
}

/* Every predicted frame of @s maps (the parse ends exactly where the slice
 * does); returns how many. */
static guint
map_all (Stream *s, AxionH264Mb *m)
{
  guint ok = 0;

  for (guint i = 0; i < s->aus->len; i++) {
    GstBuffer *b = g_ptr_array_index (s->aus, i);
    const gchar *why = NULL;
    AxionH264MbResult r = parse (m, b, &why);
    if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT) &&
        r != AXION_H264_MB_NOT_P) {
      fail_unless (r == AXION_H264_MB_OK, "frame %u: %d %s", i, r, why);
      ok++;
    } else
      /* a keyframe: an IDR, or with intra refresh a predicted picture at
       * a recovery point (h264parse marks it so) */
      fail_unless (r == AXION_H264_MB_NOT_P || r == AXION_H264_MB_OK,
          "frame %u: %d %s", i, r, why);
  }
  return ok;
}

/* A static scene: the encoder skips nearly every macroblock, and the map
 * says so. */
GST_START_TEST (test_static_scene_skipped)
{
  SynthParams p;
  Stream *s;
  AxionH264Mb *m = axion_h264_mb_new ();
  guint w, h, coded = 0, frames = 0;

  synth_params_init (&p, W, H, 7);
  p.noise_sigma = 0;
  p.n_objects = 0;
  s = encode (&p, 20, "bframes=0:qp=26", FALSE);
  /* the keyframe: its SPS and PPS, no map */
  fail_unless_equals_int (
      parse (m, g_ptr_array_index (s->aus, 0), NULL), AXION_H264_MB_NOT_P);
  for (guint i = 1; i < s->aus->len; i++) {
    const guint8 *map;
    fail_unless_equals_int (
        parse (m, g_ptr_array_index (s->aus, i), NULL), AXION_H264_MB_OK);
    map = axion_h264_mb_map (m, &w, &h);
    fail_unless_equals_int (w, MB_W);
    fail_unless_equals_int (h, MB_H);
    coded += coded_in (map, 0, 0, MB_W, MB_H);
    frames++;
  }
  /* x264 still codes ~5% (16 of 300 here, scattered, as libavcodec reads
   * them too): no more */
  fail_unless (coded * 10 < frames * MB_W * MB_H, "%u coded", coded);
  stream_free (s);
  axion_h264_mb_free (m);
}
GST_END_TEST;

/* A moving object whose texture changes (a walking person's limbs): its
 * macroblocks are coded, the far ones are not. (A rigid pattern that only
 * translates is predicted exactly: only its edges are coded.) */
GST_START_TEST (test_object_coded_where_it_is)
{
  SynthParams p;
  Stream *s;
  AxionH264Mb *m = axion_h264_mb_new ();
  guint inside = 0, inside_n = 0, far = 0, far_n = 0;

  synth_params_init (&p, W, H, 9);
  p.noise_sigma = 0;
  p.n_objects = 1;
  p.object_size = 0.15;
  p.object_changes = TRUE;
  s = encode (&p, 30, "bframes=0", FALSE);
  for (guint i = 1; i < s->aus->len; i++) {
    SynthBox b = g_array_index (s->boxes, SynthBox, i);
    const guint8 *map;
    guint x0, y0, x1, y1;
    if (parse (m, g_ptr_array_index (s->aus, i), NULL) != AXION_H264_MB_OK ||
        b.w == 0)
      continue;
    map = axion_h264_mb_map (m, NULL, NULL);
    x0 = MAX (b.x, 0) / 16;
    y0 = MAX (b.y, 0) / 16;
    x1 = (b.x + b.w + 15) / 16;
    y1 = (b.y + b.h + 15) / 16;
    inside += coded_in (map, x0, y0, x1, y1);
    inside_n += (MIN (x1, MB_W) - x0) * (MIN (y1, MB_H) - y0);
    /* two macroblocks of margin: the motion's reach */
    far += coded_in (map, 0, 0, MB_W, MB_H) -
        coded_in (
            map, x0 > 2 ? x0 - 2 : 0, y0 > 2 ? y0 - 2 : 0, x1 + 2, y1 + 2);
    far_n += MB_W * MB_H;
  }
  fail_unless (inside_n > 0);
  fail_unless (inside * 2 > inside_n, "inside %u of %u", inside, inside_n);
  fail_unless (far * 20 < far_n, "far %u of %u", far, far_n);
  stream_free (s);
  axion_h264_mb_free (m);
}
GST_END_TEST;

/* The syntax cameras' encoders use: each ends exactly where its slices
 * do, which a parse that went wrong anywhere would not. */
GST_START_TEST (test_encoder_settings)
{
  static const gchar *opts[] = {
    "bframes=0:8x8dct=0:partitions=none",
    "bframes=0:8x8dct=1:partitions=all:ref=4:weightp=2",
    "bframes=0:slices=3:ref=2",
    "bframes=0:intra-refresh=1",
    "bframes=0:qp=8",
    "bframes=0:qp=45",
    "bframes=2:b-pyramid=0",
  };
  SynthParams p;

  synth_params_init (&p, W, H, 3);
  p.noise_sigma = 3.0;
  p.n_objects = 2;
  for (guint k = 0; k < G_N_ELEMENTS (opts); k++) {
    AxionH264Mb *m = axion_h264_mb_new ();
    Stream *s = encode (&p, 30, opts[k], FALSE);
    guint n = map_all (s, m);
    fail_unless (n >= 8, "%s: %u predicted frames mapped", opts[k], n);
    stream_free (s);
    axion_h264_mb_free (m);
  }
}
GST_END_TEST;

/* stream-format=avc: length-prefixed NAL units, SPS and PPS in the avcC */
GST_START_TEST (test_avc_codec_data)
{
  SynthParams p;
  Stream *s;
  AxionH264Mb *m = axion_h264_mb_new ();
  GstMapInfo info;

  synth_params_init (&p, W, H, 5);
  p.n_objects = 1;
  s = encode (&p, 12, "bframes=0", TRUE);
  fail_unless (s->config != NULL);
  gst_buffer_map (s->config, &info, GST_MAP_READ);
  fail_unless (axion_h264_mb_set_codec_data (m, info.data, info.size));
  gst_buffer_unmap (s->config, &info);
  fail_unless (map_all (s, m) >= 8);
  /* a malformed avcC is refused, not read */
  fail_if (axion_h264_mb_set_codec_data (m, (const guint8 *) "\1\2", 2));
  stream_free (s);
  axion_h264_mb_free (m);
}
GST_END_TEST;

/* CAVLC (Baseline, openh264): not read, and said so */
GST_START_TEST (test_cavlc_unsupported)
{
  SynthParams p;
  Stream *s;
  AxionH264Mb *m = axion_h264_mb_new ();
  const gchar *why = NULL;

  synth_params_init (&p, W, H, 5);
  s = encode (&p, 4, "bframes=0:cabac=0", FALSE);
  fail_unless_equals_int (parse (m, g_ptr_array_index (s->aus, 0), &why),
      AXION_H264_MB_UNSUPPORTED);
  fail_unless (why && strstr (why, "CAVLC"), "%s", GST_STR_NULL (why));
  stream_free (s);
  axion_h264_mb_free (m);
}
GST_END_TEST;

/* Damaged frames (a lost packet's tail, flipped bits): an error, never a
 * crash or a map made of garbage. */
GST_START_TEST (test_damage_is_an_error)
{
  SynthParams p;
  Stream *s;
  AxionH264Mb *m = axion_h264_mb_new ();
  GstMapInfo info;
  guint errors = 0, tries = 0;

  synth_params_init (&p, W, H, 11);
  p.noise_sigma = 2.0;
  p.n_objects = 2;
  s = encode (&p, 6, "bframes=0", FALSE);
  fail_unless_equals_int (map_all (s, m), 5);
  gst_buffer_map (g_ptr_array_index (s->aus, 3), &info, GST_MAP_READ);
  for (gsize cut = 8; cut < info.size; cut += MAX (info.size / 60, 1)) {
    tries++;
    errors += axion_h264_mb_parse_au (m, info.data, cut, NULL) ==
        AXION_H264_MB_ERROR;
  }
  for (gsize i = 12; i < info.size; i += MAX (info.size / 60, 1)) {
    guint8 *bad = g_memdup2 (info.data, info.size);
    bad[i] ^= 0x5a;
    tries++;
    errors += axion_h264_mb_parse_au (m, bad, info.size, NULL) !=
        AXION_H264_MB_OK;
    g_free (bad);
  }
  gst_buffer_unmap (g_ptr_array_index (s->aus, 3), &info);
  /* a flip can land on a bit that changes nothing the parse reads */
  fail_unless (errors * 10 >= tries * 9, "%u errors of %u", errors, tries);
  /* and the next good frame maps again */
  fail_unless_equals_int (
      parse (m, g_ptr_array_index (s->aus, 4), NULL), AXION_H264_MB_OK);
  stream_free (s);
  axion_h264_mb_free (m);
}
GST_END_TEST;

static Suite *
axionh264mb_suite (void)
{
  Suite *s = suite_create ("axionh264mb");
  TCase *tc = tcase_create ("general");
  GstElementFactory *x264 = gst_element_factory_find ("x264enc");

  /* gst-plugins-ugly (tools/axion-deps installs it) */
  if (!x264) {
    g_printerr ("x264enc not found: skipped\n");
    exit (77);
  }
  gst_object_unref (x264);

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_static_scene_skipped);
  tcase_add_test (tc, test_object_coded_where_it_is);
  tcase_add_test (tc, test_encoder_settings);
  tcase_add_test (tc, test_avc_codec_data);
  tcase_add_test (tc, test_cavlc_unsupported);
  tcase_add_test (tc, test_damage_is_an_error);
  return s;
}

GST_CHECK_MAIN (axionh264mb);
