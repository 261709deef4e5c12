/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_GATE_MAP_H__
#define __AXION_GATE_MAP_H__

#include <gst/gst.h>

#include "axionh264mb.h"

G_BEGIN_DECLS

/* axiongate's macroblock-map trigger: activity is a dense patch of coded
 * macroblocks that stays in two predicted frames in a row.
 *
 * Measured on the gate benchmark's 1080p clips (x264 CRF 28 GOP 1 s and
 * 2 s, sensor noise sigma 3, slow light change; 700 predicted frames, map
 * by axionh264mb, identical to libavcodec's on every frame): an idle
 * frame codes 400-1100 of 8160 macroblocks, and coded patches come and go
 * (any 4x4 window: up to 16 of 16 coded in one frame, but at most 11 in
 * both of two frames in a row); a person (96x240 px) crossing fills 12 of
 * 16 in both frames from its third frame in view, 16 from its fourth. So:
 * a window of `window` x `window` macroblocks with at least `fill` of it
 * coded in this frame and the one before, and above what this camera's
 * idle frames reach (a decaying maximum, plus a margin). A camera whose
 * idle frames fill the windows anyway (night noise) gets no map wakes and
 * is flagged not informative. */

typedef struct
{
  guint window; /* macroblocks a side, 2-16 */
  gdouble fill; /* fraction of the window coded, 0-1 */
} AxionGateMapParams;

typedef enum
{
  AXION_GATE_MAP_NONE, /* no map for this frame: use frame sizes */
  AXION_GATE_MAP_QUIET,
  AXION_GATE_MAP_HIT,
} AxionGateMapVerdict;

typedef struct
{
  AxionH264Mb *mb;
  gboolean h264;        /* the stream is H.264 */
  gboolean unsupported; /* the parser said so: not asked again */
  guint16 *prev;        /* window counts of the previous predicted frame */
  guint prev_n, prev_w, prev_window;
  gboolean prev_valid;
  guint32 *integral;
  gsize integral_n;
  gdouble env; /* decaying max of idle frames' statistic (macroblocks) */
  guint seen;  /* predicted frames mapped since the reset */
  guint last_stat;
  guint64 mapped, errors;
  guint errors_run; /* damaged frames in a row */
} AxionGateMap;

void axion_gate_map_init (AxionGateMap *m);
void axion_gate_map_clear (AxionGateMap *m);
/* new stream: forget the previous frame and the idle level */
void axion_gate_map_reset (AxionGateMap *m);
/* from the caps: H.264 (and its avcC) or not */
void axion_gate_map_set_caps (AxionGateMap *m, const GstStructure *s);
/* @learn: the camera is idle, so this frame teaches the idle level.
 * @why: set when the map stops for this stream (once). */
AxionGateMapVerdict
axion_gate_map_observe (AxionGateMap *m, const AxionGateMapParams *p,
    GstBuffer *buf, gboolean learn, const gchar **why);
/* the map reads this stream and its idle level leaves room for a hit */
gboolean
axion_gate_map_informative (const AxionGateMap *m, const AxionGateMapParams *p);

G_END_DECLS

#endif
