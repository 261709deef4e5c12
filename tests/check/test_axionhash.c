/* Unit tests: axionhash outputs, and both analysers on every format, odd
 * sizes and renegotiation. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <stdlib.h>
#include "synth.h"

static GstAxionFrameMeta *
hash_one (const gchar *pipeline, const gchar *caps, GstBuffer *in,
    GstBuffer **out_buf)
{
  GstHarness *h = gst_harness_new_parse (pipeline);
  GstBuffer *out;

  gst_harness_set_src_caps_str (h, caps);
  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  gst_harness_teardown (h);
  *out_buf = out;
  return gst_buffer_get_axion_frame_meta (out);
}

static gchar *
caps_for (GstVideoFormat f, gint w, gint h)
{
  return g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
                          "framerate=10/1",
      gst_video_format_to_string (f), w, h);
}

/* frame hash of @in (format/size given) through axionhash */
static gchar *
frame_hash (GstBuffer *in, GstVideoFormat f, gint w, gint h, const gchar *props)
{
  gchar *caps = caps_for (f, w, h), *desc, *hex;
  GstBuffer *out;
  GstAxionFrameMeta *m;

  desc = g_strdup_printf ("axionhash %s", props ? props : "");
  m = hash_one (desc, caps, in, &out);
  fail_unless (gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_FRAME_HASH));
  hex = g_strdup (m->frame_hash);
  gst_buffer_unref (out);
  g_free (caps);
  g_free (desc);
  return hex;
}

/* I420 w x h copied into a buffer with padded strides (and a video meta) */
static GstBuffer *
repack_i420_padded (GstBuffer *tight, gint w, gint h, guint8 pad_value)
{
  GstVideoInfo ti, pi;
  GstVideoFrame tf, pf;
  GstBuffer *out;
  gsize offset[4] = { 0 };
  gint stride[4];
  gsize size;

  gst_video_info_set_format (&ti, GST_VIDEO_FORMAT_I420, w, h);
  pi = ti;
  stride[0] = GST_ROUND_UP_64 (w) + 64;
  stride[1] = stride[2] = GST_ROUND_UP_64 (w / 2 + 1) + 32;
  offset[1] = (gsize) stride[0] * h + 128;
  offset[2] = offset[1] + (gsize) stride[1] * ((h + 1) / 2) + 64;
  size = offset[2] + (gsize) stride[2] * ((h + 1) / 2) + 64;
  for (gint i = 0; i < 3; i++) {
    pi.stride[i] = stride[i];
    pi.offset[i] = offset[i];
  }
  pi.size = size;
  out = gst_buffer_new_allocate (NULL, size, NULL);
  gst_buffer_memset (out, 0, pad_value, size);
  gst_buffer_add_video_meta_full (out, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_FORMAT_I420, w, h, 3, offset, stride);
  gst_video_frame_map (&tf, &ti, tight, GST_MAP_READ);
  gst_video_frame_map (&pf, &pi, out, GST_MAP_WRITE);
  gst_video_frame_copy (&pf, &tf);
  gst_video_frame_unmap (&pf);
  gst_video_frame_unmap (&tf);
  return out;
}

static GstBuffer *
convert (GstBuffer *in, GstVideoFormat from, GstVideoFormat to, gint w, gint h)
{
  GstVideoInfo fi, ti;
  GstVideoFrame ff, tf;
  GstBuffer *out;
  GstVideoConverter *c;

  gst_video_info_set_format (&fi, from, w, h);
  gst_video_info_set_format (&ti, to, w, h);
  out = gst_buffer_new_allocate (NULL, ti.size, NULL);
  gst_video_frame_map (&ff, &fi, in, GST_MAP_READ);
  gst_video_frame_map (&tf, &ti, out, GST_MAP_WRITE);
  c = gst_video_converter_new (&fi, &ti, NULL);
  gst_video_converter_frame (c, &ff, &tf);
  gst_video_converter_free (c);
  gst_video_frame_unmap (&tf);
  gst_video_frame_unmap (&ff);
  return out;
}

GST_START_TEST (test_exact_hash)
{
  const gint w = 161, h = 91; /* odd sizes: chroma rounding, odd strides */
  SynthParams p;
  Synth *s;
  GstBuffer *tight, *padded, *padded2, *nv12, *yv12, *changed;
  gchar *h_tight, *h_padded, *h_padded2, *h_nv12, *h_yv12, *h_changed, *h_sha;
  GstMapInfo map;

  synth_params_init (&p, w, h, 11);
  s = synth_new (&p);
  tight = synth_buffer (s, 0, GST_VIDEO_FORMAT_I420, NULL, NULL);
  padded = repack_i420_padded (tight, w, h, 0x00);
  padded2 = repack_i420_padded (tight, w, h, 0xAB);
  nv12 = convert (tight, GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_NV12, w, h);
  yv12 = convert (tight, GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_YV12, w, h);
  changed = gst_buffer_copy_deep (tight);
  gst_buffer_map (changed, &map, GST_MAP_WRITE);
  map.data[w * 40 + 77] ^= 1; /* one pixel, one bit */
  gst_buffer_unmap (changed, &map);

  h_tight = frame_hash (
      gst_buffer_ref (tight), GST_VIDEO_FORMAT_I420, w, h, NULL);
  h_padded = frame_hash (padded, GST_VIDEO_FORMAT_I420, w, h, NULL);
  h_padded2 = frame_hash (padded2, GST_VIDEO_FORMAT_I420, w, h, NULL);
  h_nv12 = frame_hash (nv12, GST_VIDEO_FORMAT_NV12, w, h, NULL);
  h_yv12 = frame_hash (yv12, GST_VIDEO_FORMAT_YV12, w, h, NULL);
  h_changed = frame_hash (changed, GST_VIDEO_FORMAT_I420, w, h, NULL);
  h_sha = frame_hash (gst_buffer_ref (tight), GST_VIDEO_FORMAT_I420, w, h,
      "hash-algorithm=sha256");

  fail_unless_equals_int (strlen (h_tight), 16);
  fail_unless_equals_string (h_padded, h_tight);  /* other strides */
  fail_unless_equals_string (h_padded2, h_tight); /* padding bytes ignored */
  fail_unless_equals_string (h_nv12, h_tight);    /* same data, NV12 */
  fail_unless_equals_string (h_yv12, h_tight);    /* same data, YV12 */
  fail_if (g_str_equal (h_changed, h_tight));     /* one pixel differs */
  fail_unless_equals_int (strlen (h_sha), 64);

  g_free (h_tight);
  g_free (h_padded);
  g_free (h_padded2);
  g_free (h_nv12);
  g_free (h_yv12);
  g_free (h_changed);
  g_free (h_sha);
  gst_buffer_unref (tight);
  synth_free (s);
}

GST_END_TEST;

static guint64
phash_of (GstBuffer *in, const gchar *pre, gint w, gint h)
{
  gchar *caps = caps_for (GST_VIDEO_FORMAT_I420, w, h);
  gchar *desc = g_strdup_printf ("%s axionhash", pre ? pre : "");
  GstBuffer *out;
  GstAxionFrameMeta *m = hash_one (desc, caps, in, &out);
  guint64 ph;

  fail_unless (
      gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH));
  ph = m->perceptual_hash;
  gst_buffer_unref (out);
  g_free (caps);
  g_free (desc);
  return ph;
}

static gint
cmp_int (gconstpointer a, gconstpointer b)
{
  return *(const gint *) a - *(const gint *) b;
}

GST_START_TEST (test_perceptual_hash_robust)
{
  const gint w = 640, h = 360, n = 8;
  guint64 base[8];
  gint dists[8 * 7 / 2], nd = 0;

  for (gint k = 0; k < n; k++) {
    SynthParams p;
    Synth *s;
    GstBuffer *frame;
    guint64 jpeg, half, brighter, darker;

    synth_params_init (&p, w, h, 100 + k);
    p.n_objects = 2;
    p.noise_sigma = 3;
    s = synth_new (&p);
    frame = synth_buffer (s, 0, GST_VIDEO_FORMAT_I420, NULL, NULL);
    base[k] = phash_of (gst_buffer_ref (frame), NULL, w, h);
    jpeg = phash_of (gst_buffer_ref (frame),
        "jpegenc quality=50 ! jpegdec ! videoconvert ! "
        "video/x-raw,format=I420 !",
        w, h);
    half = phash_of (gst_buffer_ref (frame),
        "videoscale ! video/x-raw,width=320,height=180 !", w, h);
    gst_buffer_unref (frame);
    synth_free (s);

    p.ramp_from = p.ramp_to = 1.1;
    s = synth_new (&p);
    frame = synth_buffer (s, 0, GST_VIDEO_FORMAT_I420, NULL, NULL);
    brighter = phash_of (frame, NULL, w, h);
    synth_free (s);
    p.ramp_from = p.ramp_to = 0.9;
    s = synth_new (&p);
    frame = synth_buffer (s, 0, GST_VIDEO_FORMAT_I420, NULL, NULL);
    darker = phash_of (frame, NULL, w, h);
    synth_free (s);

    GST_INFO ("scene %d: pHash distance JPEG q50 %d, 0.5x %d, +10%% %d, "
              "-10%% %d",
        k, __builtin_popcountll (base[k] ^ jpeg),
        __builtin_popcountll (base[k] ^ half),
        __builtin_popcountll (base[k] ^ brighter),
        __builtin_popcountll (base[k] ^ darker));
    fail_unless (__builtin_popcountll (base[k] ^ jpeg) <= 8,
        "JPEG q50: distance %d", __builtin_popcountll (base[k] ^ jpeg));
    fail_unless (__builtin_popcountll (base[k] ^ half) <= 8,
        "0.5x: distance %d", __builtin_popcountll (base[k] ^ half));
    fail_unless (__builtin_popcountll (base[k] ^ brighter) <= 8,
        "+10%%: distance %d", __builtin_popcountll (base[k] ^ brighter));
    fail_unless (__builtin_popcountll (base[k] ^ darker) <= 8,
        "-10%%: distance %d", __builtin_popcountll (base[k] ^ darker));
  }
  for (gint i = 0; i < n; i++)
    for (gint j = i + 1; j < n; j++)
      dists[nd++] = __builtin_popcountll (base[i] ^ base[j]);
  qsort (dists, nd, sizeof (gint), cmp_int);
  GST_INFO ("pHash distance of unrelated frames: median %d, min %d",
      dists[nd / 2], dists[0]);
  fail_unless (dists[nd / 2] >= 24, "median distance of unrelated frames %d",
      dists[nd / 2]);
}

GST_END_TEST;

GST_START_TEST (test_scene_hash_and_change)
{
  const gint w = 640, h = 360;
  SynthParams p1, p2;
  Synth *a, *b;
  GstHarness *hh = gst_harness_new ("axionhash");
  gchar *caps = caps_for (GST_VIDEO_FORMAT_I420, w, h);
  guint64 first_hash = 0, after = 0;
  gint changes_in_a = 0;
  gboolean event_at_cut = FALSE;

  gst_harness_set_src_caps_str (hh, caps);
  synth_params_init (&p1, w, h, 21);
  p1.n_objects = 2;
  p1.object_size = 0.06;
  synth_params_init (&p2, w, h, 22);
  p2.n_objects = 2;
  p2.object_size = 0.06;
  a = synth_new (&p1);
  b = synth_new (&p2);
  for (gint i = 0; i < 80; i++) {
    gboolean cut = i >= 60;
    GstBuffer *out = gst_harness_push_and_pull (
        hh, synth_buffer (cut ? b : a, i, GST_VIDEO_FORMAT_I420, NULL, NULL));
    GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (out);

    fail_unless (gst_axion_frame_meta_has (m,
        GST_AXION_FRAME_FIELD_SCENE_HASH | GST_AXION_FRAME_FIELD_SCENE_CHANGE));
    if (i == 0)
      first_hash = m->scene_hash;
    if (!cut) {
      /* small moving objects: same scene, low change scores */
      changes_in_a += m->scene_hash != first_hash;
      fail_unless (m->scene_change_score < 0.2, "frame %d score %.3f", i,
          m->scene_change_score);
      fail_unless (gst_axion_frame_meta_get_event_id (
                       m, GST_AXION_EVENT_SCENE_CHANGE) == 0);
    }
    if (i == 60) {
      fail_unless (
          m->scene_change_score > 0.5, "cut score %.3f", m->scene_change_score);
      event_at_cut = gst_axion_frame_meta_get_event_id (
                         m, GST_AXION_EVENT_SCENE_CHANGE) > 0;
    }
    if (i == 79)
      after = m->scene_hash;
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (changes_in_a, 0);
  fail_unless (event_at_cut);
  fail_unless (after != first_hash, "scene hash unchanged after a camera cut");
  gst_harness_teardown (hh);
  g_free (caps);
  synth_free (a);
  synth_free (b);
}

GST_END_TEST;

/* a dark, featureless view (night, fog, a wall: grey 40 with sensor noise)
 * crossed by a small bright object, then a cut to a textured scene */
static GstBuffer *
flat_scene_buffer (gint w, gint h, gint i, guint32 *rng)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, w * h * 3 / 2, NULL);
  GstMapInfo map;
  gint ox = 40 + i * 13, oy = h / 2 - 12;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++) {
      gint v = 40, n = 0;
      for (gint k = 0; k < 4; k++) {
        *rng = *rng * 1664525u + 1013904223u;
        n += (gint) (*rng >> 29); /* 0..7: sigma ~2.3 levels in all */
      }
      v += n - 14;
      if (x >= ox && x < ox + 24 && y >= oy && y < oy + 24)
        v = 210;
      map.data[y * w + x] = (guint8) v;
    }
  memset (map.data + w * h, 128, w * h / 2);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * GST_SECOND / 10;
  return buf;
}

GST_START_TEST (test_scene_change_low_texture)
{
  const gint w = 640, h = 360;
  SynthParams p;
  Synth *cut;
  GstHarness *hh = gst_harness_new ("axionhash");
  gchar *caps = caps_for (GST_VIDEO_FORMAT_I420, w, h);
  guint32 rng = 7;
  gint events = 0;
  gdouble worst = 0;
  gboolean event_at_cut = FALSE;

  gst_harness_set_src_caps_str (hh, caps);
  synth_params_init (&p, w, h, 31);
  cut = synth_new (&p);
  for (gint i = 0; i < 45; i++) {
    GstBuffer *in = i < 40
        ? flat_scene_buffer (w, h, i, &rng)
        : synth_buffer (cut, i, GST_VIDEO_FORMAT_I420, NULL, NULL);
    GstBuffer *out = gst_harness_push_and_pull (hh, in);
    GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (out);
    gboolean ev = gst_axion_frame_meta_get_event_id (
                      m, GST_AXION_EVENT_SCENE_CHANGE) > 0;

    if (i < 40) {
      /* the object moves over a view with almost no texture: the same
       * scene (1 - NCC read ~0.5-1 here: the object was all the
       * variance there was) */
      worst = MAX (worst, m->scene_change_score);
      events += ev;
    } else if (i == 40) {
      fail_unless (
          m->scene_change_score > 0.5, "cut score %.3f", m->scene_change_score);
      event_at_cut = ev;
    }
    gst_buffer_unref (out);
  }
  fail_unless (
      worst < 0.2, "highest score on the featureless view %.3f", worst);
  fail_unless_equals_int (events, 0);
  fail_unless (event_at_cut);
  gst_harness_teardown (hh);
  g_free (caps);
  synth_free (cut);
}

GST_END_TEST;

/* lights dimmed by a third (a step in illumination): the same scene;
 * the lens covered (black): a new one */
GST_START_TEST (test_scene_change_illumination_and_cover)
{
  const gint w = 640, h = 360;
  SynthParams p;
  Synth *a;
  GstHarness *hh = gst_harness_new ("axionhash");
  gchar *caps = caps_for (GST_VIDEO_FORMAT_I420, w, h);

  gst_harness_set_src_caps_str (hh, caps);
  synth_params_init (&p, w, h, 41);
  p.n_objects = 1;
  p.step_frame = 5;
  p.step_gain = 0.67;
  a = synth_new (&p);
  for (gint i = 0; i < 12; i++) {
    GstBuffer *in = synth_buffer (a, i, GST_VIDEO_FORMAT_I420, NULL, NULL);
    GstBuffer *out;
    GstAxionFrameMeta *m;

    if (i >= 10) {
      GstMapInfo map;
      gst_buffer_map (in, &map, GST_MAP_WRITE);
      memset (map.data, 16, w * h);
      gst_buffer_unmap (in, &map);
    }
    out = gst_harness_push_and_pull (hh, in);
    m = gst_buffer_get_axion_frame_meta (out);
    if (i == 5)
      fail_unless (m->scene_change_score < 0.15, "dimmed: score %.3f",
          m->scene_change_score);
    if (i < 10)
      fail_unless (gst_axion_frame_meta_get_event_id (
                       m, GST_AXION_EVENT_SCENE_CHANGE) == 0);
    if (i == 10) {
      fail_unless (m->scene_change_score > 0.5, "covered: score %.3f",
          m->scene_change_score);
      fail_unless (gst_axion_frame_meta_get_event_id (
                       m, GST_AXION_EVENT_SCENE_CHANGE) > 0);
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (hh);
  g_free (caps);
  synth_free (a);
}

GST_END_TEST;

static GstAxionQuality
quality_of (GstBuffer *in, gint w, gint h, const gchar *pre)
{
  gchar *caps = caps_for (GST_VIDEO_FORMAT_I420, w, h);
  gchar *desc = g_strdup_printf ("%s axionhash", pre ? pre : "");
  GstBuffer *out;
  GstAxionFrameMeta *m = hash_one (desc, caps, in, &out);
  GstAxionQuality q = m->quality;

  fail_unless (gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_QUALITY));
  gst_buffer_unref (out);
  g_free (caps);
  g_free (desc);
  return q;
}

static void
box_blur_luma (GstBuffer *buf, gint w, gint h, gint r)
{
  GstMapInfo map;
  guint8 *src;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  src = g_memdup2 (map.data, (gsize) w * h);
  for (gint y = 0; y < h; y++)
    for (gint x = 0; x < w; x++) {
      gint s = 0, n = 0;
      for (gint dy = -r; dy <= r; dy++)
        for (gint dx = -r; dx <= r; dx++) {
          gint yy = CLAMP (y + dy, 0, h - 1), xx = CLAMP (x + dx, 0, w - 1);
          s += src[yy * w + xx];
          n++;
        }
      map.data[y * w + x] = s / n;
    }
  g_free (src);
  gst_buffer_unmap (buf, &map);
}

GST_START_TEST (test_quality_ranks)
{
  const gint w = 640, h = 360;
  SynthParams p;
  Synth *s;
  GstBuffer *sharp, *blurred;
  GstAxionQuality qs, qb, qd, qbr;

  synth_params_init (&p, w, h, 31);
  p.n_objects = 3;
  p.noise_sigma = 2;
  s = synth_new (&p);
  sharp = synth_buffer (s, 5, GST_VIDEO_FORMAT_I420, NULL, NULL);
  blurred = gst_buffer_copy_deep (sharp);
  box_blur_luma (blurred, w, h, 3);
  qs = quality_of (sharp, w, h, NULL);
  qb = quality_of (blurred, w, h, NULL);
  fail_unless (qb.sharpness < qs.sharpness, "blurred %.3f sharp %.3f",
      qb.sharpness, qs.sharpness);
  fail_unless (qb.overall < qs.overall);
  synth_free (s);

  p.ramp_from = p.ramp_to = 0.3;
  s = synth_new (&p);
  qd = quality_of (
      synth_buffer (s, 5, GST_VIDEO_FORMAT_I420, NULL, NULL), w, h, NULL);
  synth_free (s);
  p.ramp_from = p.ramp_to = 1.4;
  s = synth_new (&p);
  qbr = quality_of (
      synth_buffer (s, 5, GST_VIDEO_FORMAT_I420, NULL, NULL), w, h, NULL);
  synth_free (s);
  fail_unless (qd.brightness < qbr.brightness, "dark %.3f bright %.3f",
      qd.brightness, qbr.brightness);
  fail_unless (qd.overall < qs.overall);
}

GST_END_TEST;

/* Both analysers, every supported format, odd and extreme sizes,
 * renegotiation mid-stream. */
GST_START_TEST (test_formats_sizes_renegotiation)
{
  static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_YV12, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_NV21,
    GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_Y444, GST_VIDEO_FORMAT_GRAY8,
    GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBx,
    GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR,
    GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_ARGB,
    GST_VIDEO_FORMAT_ABGR };
  static const gint sizes[][2] = { { 1, 1 }, { 3, 5 }, { 4097, 3 }, { 17, 9 },
    { 64, 48 } };
  GstHarness *h = gst_harness_new_parse ("axionmotion ! axionhash");
  gchar *first_hash = NULL;
  guint64 frame = 0;

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (guint z = 0; z < G_N_ELEMENTS (sizes); z++) {
      SynthParams p;
      Synth *s;
      gchar *caps;

      synth_params_init (&p, sizes[z][0], sizes[z][1], 41 + z);
      p.n_objects = 1;
      s = synth_new (&p);
      caps = caps_for (formats[f], sizes[z][0], sizes[z][1]);
      /* new caps on the same harness: renegotiation mid-stream */
      gst_harness_set_src_caps_str (h, caps);
      for (gint i = 0; i < 3; i++) {
        GstBuffer *out = gst_harness_push_and_pull (
            h, synth_buffer (s, i, formats[f], NULL, NULL));
        GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (out);
        fail_unless (out != NULL);
        fail_unless (gst_axion_frame_meta_has (m,
            GST_AXION_FRAME_FIELD_MOTION | GST_AXION_FRAME_FIELD_FRAME_HASH |
                GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH |
                GST_AXION_FRAME_FIELD_QUALITY));
        fail_unless (m->motion_score >= 0 && m->motion_score <= 1);
        fail_unless (m->quality.overall >= 0 && m->quality.overall <= 1);
        fail_unless_equals_uint64 (m->frame_number, frame);
        frame++;
        /* the same grey picture in the RGB family hashes the same */
        if (formats[f] == GST_VIDEO_FORMAT_RGB && z == 4 && i == 0)
          first_hash = g_strdup (m->frame_hash);
        if (first_hash && z == 4 && i == 0 &&
            (formats[f] == GST_VIDEO_FORMAT_BGR ||
                formats[f] == GST_VIDEO_FORMAT_BGRx ||
                formats[f] == GST_VIDEO_FORMAT_xRGB))
          fail_unless_equals_string (m->frame_hash, first_hash);
        gst_buffer_unref (out);
      }
      g_free (caps);
      synth_free (s);
    }
  }
  g_free (first_hash);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_interval_and_camera_id)
{
  GstHarness *h = gst_harness_new_parse (
      "axionmotion camera-id=LOBBY ! axionhash name=hh interval=3");
  SynthParams p;
  Synth *s;
  GstElement *hash;
  gchar *id;

  synth_params_init (&p, 64, 48, 51);
  s = synth_new (&p);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=64,"
      "height=48,framerate=10/1");
  for (gint i = 0; i < 7; i++) {
    GstBuffer *out = gst_harness_push_and_pull (
        h, synth_buffer (s, i, GST_VIDEO_FORMAT_I420, NULL, NULL));
    GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (out);
    fail_unless_equals_string (m->camera_id, "LOBBY");
    fail_unless_equals_int (
        gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_FRAME_HASH),
        i % 3 == 0);
    gst_buffer_unref (out);
  }
  /* the id set on axionmotion reached axionhash through the sticky event */
  hash = gst_bin_get_by_name (GST_BIN (h->element), "hh");
  g_object_get (hash, "camera-id", &id, NULL);
  fail_unless_equals_string (id, "LOBBY");
  g_free (id);
  gst_object_unref (hash);
  gst_harness_teardown (h);
  synth_free (s);
}

GST_END_TEST;

/* The thumbnail, the dHash grid and the quality sums follow the exact
 * hash through the luma band by band; without an exact hash they are
 * taken on their own. Both ways give the same values, for tight and padded
 * frames, over a sequence (the scene state carries over). */
GST_START_TEST (test_passes_with_and_without_exact_hash)
{
  static const gint sizes[][2] = { { 1280, 720 }, { 333, 201 }, { 64, 35 } };

  for (guint z = 0; z < G_N_ELEMENTS (sizes); z++) {
    gint w = sizes[z][0], h = sizes[z][1];
    gchar *caps = caps_for (GST_VIDEO_FORMAT_I420, w, h);
    GstHarness *with = gst_harness_new_parse ("axionhash");
    GstHarness *without = gst_harness_new_parse (
        "axionhash hash-algorithm=none");
    SynthParams p;
    Synth *s;

    synth_params_init (&p, w, h, 5 + z);
    p.n_objects = 3;
    p.objects_from = 1;
    s = synth_new (&p);
    gst_harness_set_src_caps_str (with, caps);
    gst_harness_set_src_caps_str (without, caps);
    for (gint i = 0; i < 12; i++) {
      GstBuffer *in = synth_buffer (s, i, GST_VIDEO_FORMAT_I420, NULL, NULL);
      /* every other frame with padded strides */
      GstBuffer *in2 = i % 2 ? repack_i420_padded (in, w, h, 0x5A)
                             : gst_buffer_copy_deep (in);
      GstBuffer *a = gst_harness_push_and_pull (with, in2);
      GstBuffer *b = gst_harness_push_and_pull (without, in);
      GstAxionFrameMeta *ma = gst_buffer_get_axion_frame_meta (a);
      GstAxionFrameMeta *mb = gst_buffer_get_axion_frame_meta (b);

      fail_unless (
          gst_axion_frame_meta_has (ma, GST_AXION_FRAME_FIELD_FRAME_HASH));
      fail_if (gst_axion_frame_meta_has (mb, GST_AXION_FRAME_FIELD_FRAME_HASH));
      fail_unless (ma->perceptual_hash == mb->perceptual_hash,
          "%dx%d frame %d: pHash %016" G_GINT64_MODIFIER
          "x vs %016" G_GINT64_MODIFIER "x",
          w, h, i, ma->perceptual_hash, mb->perceptual_hash);
      fail_unless (ma->difference_hash == mb->difference_hash,
          "%dx%d frame %d: dHash differs", w, h, i);
      fail_unless (ma->scene_hash == mb->scene_hash);
      fail_unless (ma->scene_change_score == mb->scene_change_score);
      fail_unless (ma->scene_change_ref_score == mb->scene_change_ref_score);
      fail_unless (ma->quality.sharpness == mb->quality.sharpness &&
              ma->quality.noise == mb->quality.noise &&
              ma->quality.brightness == mb->quality.brightness &&
              ma->quality.contrast == mb->quality.contrast &&
              ma->quality.overall == mb->quality.overall,
          "%dx%d frame %d: quality %.17g vs %.17g", w, h, i,
          ma->quality.overall, mb->quality.overall);
      gst_buffer_unref (a);
      gst_buffer_unref (b);
    }
    gst_harness_teardown (with);
    gst_harness_teardown (without);
    synth_free (s);
    g_free (caps);
  }
}

GST_END_TEST;

static Suite *
axionhash_suite (void)
{
  Suite *s = suite_create ("axionhash");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_exact_hash);
  tcase_add_test (tc, test_perceptual_hash_robust);
  tcase_add_test (tc, test_scene_hash_and_change);
  tcase_add_test (tc, test_scene_change_low_texture);
  tcase_add_test (tc, test_scene_change_illumination_and_cover);
  tcase_add_test (tc, test_quality_ranks);
  tcase_add_test (tc, test_formats_sizes_renegotiation);
  tcase_add_test (tc, test_interval_and_camera_id);
  tcase_add_test (tc, test_passes_with_and_without_exact_hash);
  return s;
}

GST_CHECK_MAIN (axionhash);
