/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiongatemap.h"

#include <math.h>
#include <string.h>

/* the idle level decays by 0.2% a predicted frame (a third in 20 s at 10
 * fps): a patch an idle camera made once stops raising the bar, but not
 * before the patches its noise makes now and then come back (at 1% a
 * frame, the level fell from 12 to 8 in 4 s of a noisy 320x240 scene and
 * the next 13 woke it) */
#define ENV_DECAY 0.998
/* macroblocks above the idle level a hit needs */
#define MARGIN 2
/* predicted frames that teach the idle level before a hit can count */
#define WARMUP_FRAMES 20
/* damaged frames in a row (1 s at 10 fps) after which the map is no guide
 * (heavy loss): every idle keyframe is decoded again */
#define MAX_ERRORS_RUN 10

void
axion_gate_map_init (AxionGateMap *m)
{
  memset (m, 0, sizeof *m);
}

void
axion_gate_map_clear (AxionGateMap *m)
{
  axion_h264_mb_free (m->mb);
  g_free (m->prev);
  g_free (m->integral);
  axion_gate_map_init (m);
}

void
axion_gate_map_reset (AxionGateMap *m)
{
  m->prev_valid = FALSE;
  m->errors_run = 0;
  m->env = 0;
  m->seen = 0;
  m->last_stat = 0;
}

/* A caps event with the same stream (h264parse sends new caps when it
 * learns a field) keeps the parameter sets and the idle level: resetting
 * them made every predicted frame an error until the next keyframe. */
void
axion_gate_map_set_caps (AxionGateMap *m, const GstStructure *s)
{
  const GValue *v = gst_structure_get_value (s, "codec_data");
  const gchar *format = gst_structure_get_string (s, "stream-format");
  gboolean ok = TRUE;

  m->h264 = gst_structure_has_name (s, "video/x-h264");
  m->unsupported = FALSE;
  if (!m->h264) {
    axion_h264_mb_free (m->mb);
    m->mb = NULL;
    axion_gate_map_reset (m);
    return;
  }
  if (!m->mb) {
    m->mb = axion_h264_mb_new ();
    axion_gate_map_reset (m);
  }
  /* avc / avc3: length-prefixed NAL units, sizes in the avcC */
  if (v && G_VALUE_HOLDS (v, GST_TYPE_BUFFER) && format &&
      g_str_has_prefix (format, "avc")) {
    GstMapInfo info;
    GstBuffer *cd = gst_value_get_buffer (v);
    if (gst_buffer_map (cd, &info, GST_MAP_READ)) {
      ok = axion_h264_mb_set_codec_data (m->mb, info.data, info.size);
      gst_buffer_unmap (cd, &info);
    }
  } else
    axion_h264_mb_set_codec_data (m->mb, NULL, 0);
  m->unsupported = !ok;
}

/* k x k window sums of the coded macroblocks, through an integral image;
 * returns the number of windows ((w - k + 1) x (h - k + 1)) in @out */
static guint
window_counts (AxionGateMap *m, const guint8 *map, guint w, guint h, guint k,
    guint16 **out)
{
  guint nw = w - k + 1, nh = h - k + 1, iw = w + 1;
  guint32 *I;
  guint16 *c;

  if (m->integral_n < (gsize) iw * (h + 1)) {
    g_free (m->integral);
    m->integral_n = (gsize) iw * (h + 1);
    m->integral = g_new (guint32, m->integral_n);
  }
  I = m->integral;
  memset (I, 0, sizeof (guint32) * iw);
  for (guint y = 0; y < h; y++) {
    guint32 row = 0;
    I[(y + 1) * iw] = 0;
    for (guint x = 0; x < w; x++) {
      row += map[y * w + x] != AXION_H264_MB_SKIPPED;
      I[(y + 1) * iw + x + 1] = I[y * iw + x + 1] + row;
    }
  }
  c = g_new (guint16, (gsize) nw * nh);
  for (guint y = 0; y < nh; y++)
    for (guint x = 0; x < nw; x++)
      c[y * nw + x] = (guint16) (I[(y + k) * iw + x + k] - I[y * iw + x + k] -
          I[(y + k) * iw + x] + I[y * iw + x]);
  *out = c;
  return nw * nh;
}

/* the densest window coded in both this frame and the previous one */
static guint
persistent_max (const guint16 *cur, const guint16 *prev, guint n)
{
  guint best = 0;

  for (guint i = 0; i < n; i++) {
    guint v = MIN (cur[i], prev[i]);
    best = MAX (best, v);
  }
  return best;
}

static guint
threshold (const AxionGateMap *m, const AxionGateMapParams *p)
{
  guint k2 = p->window * p->window;
  guint t = (guint) ceil (p->fill * k2);

  return MAX (MAX (t, 1u), (guint) ceil (m->env) + MARGIN);
}

gboolean
axion_gate_map_informative (const AxionGateMap *m, const AxionGateMapParams *p)
{
  return m->h264 && !m->unsupported && m->seen >= WARMUP_FRAMES &&
      m->errors_run < MAX_ERRORS_RUN &&
      threshold (m, p) <= p->window * p->window;
}

static AxionGateMapVerdict
judge (AxionGateMap *m, const AxionGateMapParams *p, const guint8 *map, guint w,
    guint h, gboolean learn)
{
  guint k = CLAMP (p->window, 2u, 16u), n, stat = 0;
  guint16 *cur;
  gboolean hit;

  if (w < k || h < k)
    return AXION_GATE_MAP_NONE;
  n = window_counts (m, map, w, h, k, &cur);
  if (m->prev && (m->prev_n != n || m->prev_w != w || m->prev_window != k))
    m->seen = 0; /* a new picture size or window: learn again */
  else if (m->prev && m->prev_valid)
    stat = persistent_max (cur, m->prev, n);
  g_free (m->prev);
  m->prev_valid = TRUE;
  m->prev = cur;
  m->prev_n = n;
  m->prev_w = w;
  m->prev_window = k;
  m->last_stat = stat;
  hit = m->seen >= WARMUP_FRAMES && stat >= threshold (m, p);
  if (learn && !hit) {
    m->env = MAX (m->env * ENV_DECAY, (gdouble) stat);
    m->seen++;
  }
  return hit ? AXION_GATE_MAP_HIT : AXION_GATE_MAP_QUIET;
}

AxionGateMapVerdict
axion_gate_map_observe (AxionGateMap *m, const AxionGateMapParams *p,
    GstBuffer *buf, gboolean learn, const gchar **why)
{
  GstMapInfo info;
  AxionH264MbResult r;
  const guint8 *map;
  guint w, h;

  *why = NULL;
  if (!m->h264 || m->unsupported || !m->mb ||
      !gst_buffer_map (buf, &info, GST_MAP_READ))
    return AXION_GATE_MAP_NONE;
  r = axion_h264_mb_parse_au (m->mb, info.data, info.size, why);
  gst_buffer_unmap (buf, &info);
  switch (r) {
  case AXION_H264_MB_OK:
    break;
  case AXION_H264_MB_UNSUPPORTED:
    m->unsupported = TRUE;
    return AXION_GATE_MAP_NONE;
  case AXION_H264_MB_ERROR:
    /* a lost packet's damage: the next frame maps again */
    m->errors++;
    m->errors_run++;
    m->prev_valid = FALSE;
    *why = NULL;
    return AXION_GATE_MAP_NONE;
  default:
    *why = NULL;
    return AXION_GATE_MAP_NONE;
  }
  m->mapped++;
  m->errors_run = 0;
  map = axion_h264_mb_map (m->mb, &w, &h);
  return judge (m, p, map, w, h, learn);
}
