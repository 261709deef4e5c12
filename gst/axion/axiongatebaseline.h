/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_GATE_BASELINE_H__
#define __AXION_GATE_BASELINE_H__

#include <glib.h>

G_BEGIN_DECLS

/* A camera's running baseline of predicted-frame sizes (compressed bytes),
 * and the test that says a predicted frame is larger than an idle scene
 * makes it: motion adds residuals and motion vectors, noise and a static
 * view add little and steadily. */
/* Predicted frames of one stream differ by kind, each kind has its own
 * baseline. Measured (openh264, 320x240, static noisy scene): the first
 * predicted frame after a keyframe is 3-5x the others (it also carries
 * the encoder's quality change after the keyframe); with B-frames, frames
 * shown before an earlier-decoded one (B) are smaller than forward ones. */
typedef enum
{
  AXION_GATE_FRAME_AFTER_KEY,
  AXION_GATE_FRAME_FORWARD,
  AXION_GATE_FRAME_BACKWARD,
  AXION_GATE_N_FRAME_KINDS,
} AxionGateFrameKind;

typedef struct
{
  gdouble mean[AXION_GATE_N_FRAME_KINDS]; /* bytes, exponentially weighted */
  guint n[AXION_GATE_N_FRAME_KINDS];      /* frames seen (saturates) */
} AxionGateBaseline;

typedef struct
{
  gdouble ratio;   /* a frame >= ratio x baseline ... */
  guint min_extra; /* ... and >= baseline + min_extra bytes is activity */
  guint warmup;    /* frames before the test starts */
} AxionGateBaselineParams;

void axion_gate_baseline_reset (AxionGateBaseline *b);
/* Tests @bytes against the baseline, then learns from it. Returns TRUE when
 * the frame looks like activity. */
gboolean axion_gate_baseline_observe (AxionGateBaseline *b,
    const AxionGateBaselineParams *p, AxionGateFrameKind kind, gsize bytes);
/* the forward predicted frames' baseline, in bytes (for stats) */
gdouble axion_gate_baseline_bytes (const AxionGateBaseline *b);

G_END_DECLS

#endif
