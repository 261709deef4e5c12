/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiongatebaseline.h"

#include <string.h>

/* per GOP, an envelope falls to 90% of itself (or to the new size when
 * larger): a rate-control peak 3x the usual size is forgotten after ~10
 * GOPs, one that returns within 6 GOPs never wakes the camera */
#define DECAY 0.9f
/* a frame that hits moves the envelope by 1/64 only: a moving object does
 * not become the baseline while it moves, a lasting change of the view (a
 * light switched on, rain) does after a while */
#define ABSORB (1.0f / 64.0f)

void
axion_gate_baseline_reset (AxionGateBaseline *b)
{
  memset (b, 0, sizeof (*b));
}

gdouble
axion_gate_baseline_bytes (const AxionGateBaseline *b)
{
  return b->env[2];
}

gboolean
axion_gate_baseline_observe (AxionGateBaseline *b,
    const AxionGateBaselineParams *p, guint pos, gsize bytes)
{
  guint slot = MIN (pos, AXION_GATE_BASELINE_SLOTS - 1);
  gfloat x = (gfloat) bytes, *env = &b->env[slot];
  gboolean hit = FALSE;

  if (b->n[slot] >= MAX (p->warmup_gops, 1))
    hit = x >= *env * p->ratio && x >= *env + p->min_extra;
  if (b->n[slot] == 0)
    *env = x;
  else if (hit)
    *env += ABSORB * (x - *env);
  else
    *env = MAX (x, *env * DECAY);
  if (b->n[slot] < G_MAXUINT16)
    b->n[slot]++;
  return hit;
}
