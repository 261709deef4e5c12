/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's measured bitrate of a camera: the compressed frames (after
 * depayload and parse: what crosses the network, not decoded sizes) over
 * their own timestamps, in whole GOPs when it can (docs/bandwidth.md).
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _AxionRunBitrate AxionRunBitrate;

AxionRunBitrate *axion_run_bitrate_new (void);
void axion_run_bitrate_free (AxionRunBitrate *b);

/* Forgets every frame (a new pipeline, a new stream). */
void axion_run_bitrate_reset (AxionRunBitrate *b);

/* One compressed frame of @bytes with timestamp @ts (DTS, else PTS);
 * @keyframe: it starts a GOP. A timestamp that goes back starts over. */
void axion_run_bitrate_add (
    AxionRunBitrate *b, GstClockTime ts, gsize bytes, gboolean keyframe);

/* Kilobits (1000 bits) per second over at least @window of stream time:
 * from a keyframe to a later keyframe when the frames held allow it (so a
 * keyframe's size is counted once per GOP, never twice in one window),
 * else over the newest @window of frames. Never over the first 3 s of a
 * stream (the receiver's timestamps settle there). -1 with less than a
 * second of frames after those 2 s. */
gdouble axion_run_bitrate_kbps (AxionRunBitrate *b, GstClockTime window);

/* Monotonic time (us) of the first frame since the last reset; 0: none
 * yet. What a reconnect cost is the time from the reset to it. */
gint64 axion_run_bitrate_first_us (AxionRunBitrate *b);

/* Cumulative compressed bytes added since the last reset. */
guint64 axion_run_bitrate_bytes (AxionRunBitrate *b);

/* Measures @pipe: at axiongate's input when it has one (the frames it
 * received), else after its first parser. FALSE when it has neither. */
gboolean axion_run_bitrate_attach (AxionRunBitrate *b, GstElement *pipe);

G_END_DECLS
