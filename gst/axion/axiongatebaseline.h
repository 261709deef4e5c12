/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_GATE_BASELINE_H__
#define __AXION_GATE_BASELINE_H__

#include <glib.h>

G_BEGIN_DECLS

/* A camera's baseline of predicted-frame sizes (compressed bytes), and the
 * test that says a predicted frame is larger than an idle scene makes it:
 * motion adds residuals and motion vectors.
 *
 * Idle sizes depend on the frame's place in the GOP, so each place (frames
 * since the keyframe, in decode order) has its own baseline. Measured on
 * an idle camera (openh264, quality rate control, 320x240, GOP 10): after
 * each keyframe the encoder spends 800-1200 bytes on frames 1, 3 and 4
 * refining quality, the others are 20 bytes; with B-frames the P/B pattern
 * repeats at the same places too. The baseline of a place is an envelope
 * (the largest recent size, decaying by 10% a GOP), so a peak that comes
 * back at that place every few GOPs does not wake the camera. */
#define AXION_GATE_BASELINE_SLOTS 256

typedef struct
{
  gfloat env[AXION_GATE_BASELINE_SLOTS]; /* bytes */
  guint16 n[AXION_GATE_BASELINE_SLOTS];  /* GOPs seen (saturates) */
} AxionGateBaseline;

typedef struct
{
  gdouble ratio;     /* a frame >= ratio x baseline ... */
  guint min_extra;   /* ... and >= baseline + min_extra bytes is a hit */
  guint warmup_gops; /* GOPs a place learns before it can hit */
} AxionGateBaselineParams;

void axion_gate_baseline_reset (AxionGateBaseline *b);
/* Tests @bytes of the predicted frame @pos frames after the keyframe
 * against its place's baseline, then learns from it. Returns TRUE when the
 * frame looks like activity. */
gboolean axion_gate_baseline_observe (AxionGateBaseline *b,
    const AxionGateBaselineParams *p, guint pos, gsize bytes);
/* the baseline of the second predicted frame, in bytes (for stats) */
gdouble axion_gate_baseline_bytes (const AxionGateBaseline *b);

G_END_DECLS

#endif
