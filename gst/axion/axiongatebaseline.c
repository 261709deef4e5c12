/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiongatebaseline.h"

#include <string.h>

/* Idle frames move the baseline with weight 1/16 (it follows slow light
 * changes within a few seconds at 10 fps). Frames that look like activity
 * move it with 1/256 only, so that a moving object does not become the
 * baseline while it moves (a 10 s crossing shifts it by < 33%), yet a
 * lasting change of the view (a light switched on, rain) becomes the new
 * normal after a while instead of keeping the camera awake for ever. */
#define ALPHA_IDLE (1.0 / 16.0)
#define ALPHA_ACTIVE (1.0 / 256.0)

void
axion_gate_baseline_reset (AxionGateBaseline *b)
{
  memset (b, 0, sizeof (*b));
}

gdouble
axion_gate_baseline_bytes (const AxionGateBaseline *b)
{
  return b->mean[AXION_GATE_FRAME_FORWARD];
}

gboolean
axion_gate_baseline_observe (AxionGateBaseline *b,
    const AxionGateBaselineParams *p, AxionGateFrameKind kind, gsize bytes)
{
  gdouble x = (gdouble) bytes, *mean = &b->mean[kind];
  guint *n = &b->n[kind];
  /* one frame after each keyframe: a GOP each, so fewer to wait for */
  guint warmup = kind == AXION_GATE_FRAME_AFTER_KEY ? MIN (p->warmup, 3)
                                                    : p->warmup;
  gboolean hit = FALSE;
  gdouble alpha;

  if (*n >= MAX (warmup, 1))
    hit = x >= *mean * p->ratio && x >= *mean + p->min_extra;
  /* while warming up, a plain average (the first frames weigh alike) */
  alpha = *n < 16 ? 1.0 / (*n + 1) : (hit ? ALPHA_ACTIVE : ALPHA_IDLE);
  *mean += alpha * (x - *mean);
  if (*n < G_MAXUINT)
    (*n)++;
  return hit;
}
