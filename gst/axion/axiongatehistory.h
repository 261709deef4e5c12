/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_GATE_HISTORY_H__
#define __AXION_GATE_HISTORY_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* The compressed frames axiongate keeps while a camera is idle, in decode
 * order: the current GOP and up to N earlier ones. A GOP starts at a
 * keyframe; a keyframe that was passed to the decoder is kept as a copy
 * flagged GST_BUFFER_FLAG_DECODE_ONLY (it was decoded and analysed once
 * already), one that was held is kept as it is. */
typedef struct
{
  GQueue frames;
  guint gops;   /* keyframes in frames */
  guint copies; /* decode-only copies */
  guint popped; /* frames replayed since the history was last empty */
} AxionGateHistory;

void axion_gate_history_init (AxionGateHistory *h);
guint axion_gate_history_clear (AxionGateHistory *h);
guint axion_gate_history_keyframe (
    AxionGateHistory *h, GstBuffer *key, gboolean decoded, guint keep_gops);
void axion_gate_history_hold (AxionGateHistory *h, GstBuffer *buf);
guint axion_gate_history_drop_oldest_gop (AxionGateHistory *h);
guint axion_gate_history_drop_redecodes (AxionGateHistory *h);
gboolean
axion_gate_history_redecodable (AxionGateHistory *h, const GstSegment *seg);
GstClockTime axion_gate_history_next_pts (AxionGateHistory *h);
GstBuffer *axion_gate_history_pop (AxionGateHistory *h, gboolean *redecode);

G_END_DECLS

#endif
