/* Synthetic camera sequences with ground truth (see synth.h). */
#include "synth.h"
#include <gst/axion/axion.h>

#include <math.h>
#include <string.h>

struct _Synth
{
  SynthParams p;
  guint8 *bg;     /* background texture, width x height */
  gfloat *normal; /* table of N(0,1) samples */
  guint n_normal;
};

void
synth_params_init (SynthParams *p, gint width, gint height, guint32 seed)
{
  memset (p, 0, sizeof (*p));
  p->width = width;
  p->height = height;
  p->seed = seed;
  p->noise_sigma = 6.0;
  p->objects_from = 0;
  p->objects_until = -1;
  p->object_size = 0.1;
  p->speed = 0.006;
  p->ramp_from = p->ramp_to = 1.0;
  p->ramp_frames = 1;
  p->step_frame = -1;
  p->step_gain = 1.0;
}

static guint32
hash2 (guint32 seed, gint x, gint y)
{
  guint32 h = seed ^ (guint32) x * 0x9E3779B1u ^ (guint32) y * 0x85EBCA77u;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  h *= 0x297A2D39u;
  h ^= h >> 15;
  return h;
}

static gdouble
value_noise (guint32 seed, gdouble x, gdouble y)
{
  gint xi = (gint) floor (x), yi = (gint) floor (y);
  gdouble fx = x - xi, fy = y - yi;
  gdouble a = hash2 (seed, xi, yi) / 4294967295.0;
  gdouble b = hash2 (seed, xi + 1, yi) / 4294967295.0;
  gdouble c = hash2 (seed, xi, yi + 1) / 4294967295.0;
  gdouble d = hash2 (seed, xi + 1, yi + 1) / 4294967295.0;
  fx = fx * fx * (3 - 2 * fx);
  fy = fy * fy * (3 - 2 * fy);
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

Synth *
synth_new (const SynthParams *p)
{
  Synth *s = g_new0 (Synth, 1);
  GRand *r = g_rand_new_with_seed (p->seed);
  gdouble fx = g_rand_double_range (r, 1, 3),
          fy = g_rand_double_range (r, 1, 3);
  gdouble ph = g_rand_double_range (r, 0, 6.28);

  s->p = *p;
  s->bg = g_malloc ((gsize) p->width * p->height);
  for (gint y = 0; y < p->height; y++)
    for (gint x = 0; x < p->width; x++) {
      gdouble u = (gdouble) x / p->width, v = (gdouble) y / p->height;
      gdouble val = 110 + 35 * sin (6.28 * fx * u + ph) * cos (6.28 * fy * v) +
          30 * (value_noise (p->seed, x / 24.0, y / 24.0) - 0.5) +
          12 * (value_noise (p->seed + 7, x / 5.0, y / 5.0) - 0.5);
      s->bg[y * p->width + x] = (guint8) CLAMP (val, 50, 170);
    }
  s->n_normal = 1 << 16;
  s->normal = g_new (gfloat, s->n_normal);
  for (guint i = 0; i < s->n_normal; i += 2) {
    gdouble u1 = g_rand_double_range (r, 1e-12, 1), u2 = g_rand_double (r);
    gdouble m = sqrt (-2 * log (u1));
    s->normal[i] = (gfloat) (m * cos (6.283185307 * u2));
    s->normal[i + 1] = (gfloat) (m * sin (6.283185307 * u2));
  }
  g_rand_free (r);
  return s;
}

void
synth_free (Synth *s)
{
  g_free (s->bg);
  g_free (s->normal);
  g_free (s);
}

static guint
object_boxes (const SynthParams *p, gint index, SynthBox *boxes)
{
  guint n = 0;
  gint ow = MAX (2, (gint) (p->object_size * p->width));
  gint oh = MAX (2, ow * 2 / 3);
  gint lanes = 4;

  if (index < p->objects_from ||
      (p->objects_until >= 0 && index >= p->objects_until))
    return 0;
  for (guint k = 0; k < MIN (p->n_objects, 4u); k++) {
    gint t = index - p->objects_from;
    gdouble speed = p->speed * p->width * (1.0 + 0.3 * k);
    gint span = p->width + ow;
    /* alternate directions; enter from the edge */
    gint pos = (gint) fmod (t * speed + k * span / 3.0, span) - ow;
    gint x = (k % 2 == 0) ? pos : p->width - ow - pos;
    gint lane_h = p->height / lanes;
    gint y = (gint) (k * lane_h + (lane_h - oh) / 2);
    SynthBox b = { x, y, ow, oh };
    /* clip */
    gint x0 = MAX (b.x, 0), x1 = MIN (b.x + b.w, p->width);
    gint y0 = MAX (b.y, 0), y1 = MIN (b.y + b.h, p->height);
    if (x1 - x0 < 2 || y1 - y0 < 2)
      continue;
    boxes[n].x = x0;
    boxes[n].y = y0;
    boxes[n].w = x1 - x0;
    boxes[n].h = y1 - y0;
    n++;
  }
  return n;
}

guint
synth_render (Synth *s, gint index, guint8 *y, gint stride, SynthBox *boxes)
{
  const SynthParams *p = &s->p;
  gdouble gain;
  guint n, k;
  guint32 nidx = hash2 (p->seed, index, 99) & (s->n_normal - 1);

  if (index >= p->ramp_frames)
    gain = p->ramp_to;
  else
    gain = p->ramp_from +
        (p->ramp_to - p->ramp_from) * index / MAX (p->ramp_frames, 1);
  if (p->step_frame >= 0 && index >= p->step_frame)
    gain *= p->step_gain;
  if (p->flicker > 0)
    gain *= (index % 2) ? 1 + p->flicker : 1 - p->flicker;

  for (gint yy = 0; yy < p->height; yy++) {
    guint8 *row = y + (gsize) yy * stride;
    const guint8 *bgrow = s->bg + (gsize) yy * p->width;
    for (gint x = 0; x < p->width; x++)
      row[x] = bgrow[x];
  }

  n = object_boxes (p, index, boxes);
  for (k = 0; k < n; k++) {
    SynthBox *b = &boxes[k];
    for (gint yy = b->y; yy < b->y + b->h; yy++) {
      guint8 *row = y + (gsize) yy * stride;
      for (gint x = b->x; x < b->x + b->w; x++) {
        /* checkerboard of 6-pixel cells, anchored to the object */
        gint cx = (x - b->x) / 6, cy = (yy - b->y) / 6;
        gboolean light = (cx + cy) & 1;
        if (p->object_changes)
          light ^= (hash2 (p->seed + 17 * k, cx, cy * 4096 + index) & 3) == 0;
        row[x] = light ? 235 : 15;
      }
    }
  }

  for (gint yy = 0; yy < p->height; yy++) {
    guint8 *row = y + (gsize) yy * stride;
    for (gint x = 0; x < p->width; x++) {
      gdouble v = row[x] * gain;
      if (p->noise_sigma > 0) {
        v += p->noise_sigma * s->normal[nidx];
        nidx = (nidx + 7919) & (s->n_normal - 1);
      }
      row[x] = (guint8) CLAMP (lround (v), 0, 255);
    }
  }
  return n;
}

GstBuffer *
synth_buffer (Synth *s, gint index, GstVideoFormat format, SynthBox *boxes,
    guint *n_boxes)
{
  GstVideoInfo info;
  GstBuffer *buf;
  GstVideoFrame f;
  SynthBox tmp[4];
  guint n;
  guint8 *luma;
  gint w = s->p.width, h = s->p.height;

  gst_video_info_set_format (&info, format, w, h);
  buf = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_video_frame_map (&f, &info, buf, GST_MAP_WRITE);
  luma = g_malloc ((gsize) w * h);
  n = synth_render (s, index, luma, w, boxes ? boxes : tmp);
  if (n_boxes)
    *n_boxes = n;

  if (GST_VIDEO_INFO_IS_YUV (&info) || GST_VIDEO_INFO_IS_GRAY (&info)) {
    for (gint y = 0; y < h; y++)
      memcpy ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&f, 0) +
              y * GST_VIDEO_FRAME_PLANE_STRIDE (&f, 0),
          luma + y * w, w);
    for (guint c = 1; c < GST_VIDEO_FRAME_N_COMPONENTS (&f); c++) {
      gint cw = GST_VIDEO_FRAME_COMP_WIDTH (&f, c);
      gint ch = GST_VIDEO_FRAME_COMP_HEIGHT (&f, c);
      gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&f, c);
      for (gint y = 0; y < ch; y++) {
        guint8 *row = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&f, c) +
            y * GST_VIDEO_FRAME_COMP_STRIDE (&f, c);
        for (gint x = 0; x < cw; x++)
          row[x * ps] = 128;
      }
    }
  } else {
    for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&f); c++) {
      gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (&f, c);
      for (gint y = 0; y < h; y++) {
        guint8 *row = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&f, c) +
            y * GST_VIDEO_FRAME_COMP_STRIDE (&f, c);
        for (gint x = 0; x < w; x++)
          row[x * ps] = (c == GST_VIDEO_COMP_A) ? 255 : luma[y * w + x];
      }
    }
  }
  g_free (luma);
  gst_video_frame_unmap (&f);
  GST_BUFFER_PTS (buf) = index * GST_SECOND / 10;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 10;
  return buf;
}

gdouble
synth_iou (const SynthBox *a, const SynthBox *b)
{
  gint x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  gint x1 = MIN (a->x + a->w, b->x + b->w), y1 = MIN (a->y + a->h, b->y + b->h);
  gdouble inter, uni;

  if (x1 <= x0 || y1 <= y0)
    return 0;
  inter = (gdouble) (x1 - x0) * (y1 - y0);
  uni = (gdouble) a->w * a->h + (gdouble) b->w * b->h - inter;
  return inter / uni;
}

guint
synth_motion_boxes (GstBuffer *buf, SynthBox *boxes, guint max)
{
  gpointer state = NULL;
  GstMeta *m;
  guint n = 0;

  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    if (gst_axion_roi_is_motion (roi) && n < max) {
      SynthBox b = { roi->x, roi->y, roi->w, roi->h };
      boxes[n++] = b;
    }
  }
  return n;
}
