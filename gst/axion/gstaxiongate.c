/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axiongate
 * @title: axiongate
 *
 * Motion-gated decoding. Sits between the parser and the decoder of an
 * H.264 or H.265 camera stream (access-unit aligned). While the camera is
 * idle it passes only keyframes (which carry the codec configuration), so
 * the decoder and the analysis see about one frame per GOP, and it keeps
 * the compressed frames since the last keyframe. When activity starts it
 * first replays those frames (timestamps kept, marked as replayed in the
 * frame meta), so that no frame since the keyframe is lost, then passes
 * everything until the camera has been idle for #GstAxionGate:hold-ms.
 *
 * Activity is known two ways: from the compressed stream itself (a
 * predicted frame much larger than the camera's running baseline), and from
 * the analysis downstream (axionmotion and axionhash send an upstream
 * "axion-activity" event when a decoded frame shows motion or a scene
 * change).
 *
 * Every frame that leaves the gate carries a #GstAxionFrameMeta with its
 * compressed size, its frame number in the camera's stream, and the gate's
 * accounting (frames received and decoded so far, frames skipped before
 * it, replay mark); the decoder copies the meta to the decoded frame.
 *
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://cam/stream ! rtph264depay !
 *   h264parse ! axiongate hold-ms=5000 ! openh264dec ! videoconvert !
 *   axionmotion ! axionhash ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxiongate.h"
#include "axiongatebaseline.h"
#include "axiongatehistory.h"
#include "axiongatemap.h"

#include <gst/axion/axion.h>

GST_DEBUG_CATEGORY_STATIC (axion_gate_debug);
#define GST_CAT_DEFAULT axion_gate_debug

#define DEFAULT_GATED TRUE
#define DEFAULT_HOLD_MS 5000
#define DEFAULT_COMPRESSED_TRIGGER TRUE
#define DEFAULT_ANALYSIS_TRIGGER TRUE
/* Measured on openh264 streams (constant quantiser, as a camera's VBR
 * under its cap) of a static textured scene with sensor noise (sigma 3,
 * tests/check/synth.c): idle predicted frames vary by +-40% around their
 * place's (20-36 bytes at 320x240); an object of 15% of the width
 * entering makes them 5-7x larger (140-200 bytes). */
#define DEFAULT_SIZE_RATIO 2.0
#define DEFAULT_MIN_EXTRA_BYTES 64
#define DEFAULT_WARMUP_GOPS 3
#define DEFAULT_CONFIRM_FRAMES 2
/* 30 s at 10 fps; idle 1080p P frames are 2-20 kB, so <= 6 MB a camera */
#define DEFAULT_MAX_BUFFERED 300
/* one GOP before the current one: a start the triggers see only after the
 * next keyframe loses no frame (bench_gate_fleet: 89.9% -> 100% of a far
 * person's crossing analysed at GOP 2 s); costs one more GOP of memory and
 * one more keyframe decode per wake */
#define DEFAULT_REPLAY_GOPS 1
/* the macroblock map's window and fill (axiongatemap.h has the numbers) */
#define DEFAULT_MAP_WINDOW 4
#define DEFAULT_MAP_FILL 0.8
/* While the map reads the stream, an idle camera decodes a keyframe every
 * 10 s instead of every GOP: the map sees a start within frames, and the
 * keyframe decode was ~90% of an idle camera's CPU (17.7 ms for a 1080p
 * keyframe against 0.3 ms to map a predicted frame) */
#define DEFAULT_MAP_KEYFRAME_INTERVAL_MS 10000

enum
{
  PROP_0,
  PROP_GATED,
  PROP_HOLD_MS,
  PROP_COMPRESSED_TRIGGER,
  PROP_ANALYSIS_TRIGGER,
  PROP_SIZE_RATIO,
  PROP_MIN_EXTRA_BYTES,
  PROP_WARMUP_GOPS,
  PROP_CONFIRM_FRAMES,
  PROP_MAX_BUFFERED_FRAMES,
  PROP_IDLE_KEYFRAME_INTERVAL_MS,
  PROP_REPLAY_GOPS,
  PROP_MAP_WINDOW,
  PROP_MAP_FILL,
  PROP_MAP_KEYFRAME_INTERVAL_MS,
  PROP_STATS,
};

typedef struct
{
  guint64 received, decoded, replayed, skipped, overflowed, redecoded;
  guint64 bytes_received, bytes_decoded;
  guint64 wakes_compressed, wakes_analysis, activity_events;
  guint64 compressed_hits, map_hits;
} GateStats;

typedef struct
{
  guint64 mapped, errors;
  gdouble level;
  gboolean informative;
} MapSnapshot;

struct _GstAxionGate
{
  GstElement parent;

  GstPad *sinkpad, *srcpad;

  /* properties (object lock) */
  gboolean gated;
  guint hold_ms;
  gboolean compressed_trigger, analysis_trigger;
  AxionGateBaselineParams params;
  guint max_buffered;
  guint idle_key_ms;
  guint confirm_frames;
  guint replay_gops;
  AxionGateMapParams map_params;
  guint map_key_ms;

  /* set by the activity event (any thread), taken by the chain */
  gint wake_request;

  /* streaming thread only */
  AxionGateHistory hist;  /* frames held while idle, for a replay */
  GstSegment segment;     /* the input segment */
  gboolean have_keyframe; /* the decoder has a reference */
  gboolean broken;        /* the history overflowed: wait for a keyframe */
  gboolean active;
  GstClockTime last_activity; /* stream time of the last activity */
  GstClockTime frame_duration;
  GstClockTime last_ts;
  GstClockTime last_key_decoded; /* stream time of the last keyframe passed */
  guint gop_pos;                 /* frames since the keyframe, decode order */
  guint hits_run;   /* consecutive predicted frames over the baseline */
  gboolean gatable; /* H.264/H.265: else every frame passes */
  guint32 skipped_since_decoded;
  AxionGateBaseline baseline;
  AxionGateMap map; /* streaming thread; stats read map_snap */

  /* counters (object lock) */
  GateStats st;
  MapSnapshot map_snap;
};

/* H.264 and H.265 are gated (access units: one frame a buffer); the other
 * formats a camera may send pass untouched (MJPEG: every frame a
 * keyframe), so one pipeline serves every camera */
#define GATE_CAPS                                                              \
  "video/x-h264, alignment = (string) au; "                                    \
  "video/x-h265, alignment = (string) au; "                                    \
  "image/jpeg; video/mpeg; video/x-vp8; video/x-vp9; video/x-av1; "            \
  "video/x-raw(ANY)"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GATE_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GATE_CAPS));

#define gst_axion_gate_parent_class parent_class
G_DEFINE_TYPE (GstAxionGate, gst_axion_gate, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (
    axiongate, "axiongate", GST_RANK_NONE, GST_TYPE_AXION_GATE);

/* ---- state -------------------------------------------------------------- */

static void
count_skipped (GstAxionGate *self, guint n)
{
  GST_OBJECT_LOCK (self);
  self->st.skipped += n;
  GST_OBJECT_UNLOCK (self);
}

/* Drops the frames held, counting those never decoded as skipped. */
static void
clear_history (GstAxionGate *self)
{
  count_skipped (self, axion_gate_history_clear (&self->hist));
}

static void
reset_stream (GstAxionGate *self)
{
  axion_gate_history_clear (&self->hist);
  self->have_keyframe = FALSE;
  self->broken = FALSE;
  self->active = FALSE;
  self->last_activity = GST_CLOCK_TIME_NONE;
  self->last_ts = GST_CLOCK_TIME_NONE;
  self->skipped_since_decoded = 0;
  self->last_key_decoded = GST_CLOCK_TIME_NONE;
  self->gop_pos = 0;
  self->hits_run = 0;
  g_atomic_int_set (&self->wake_request, 0);
}

/* Decode-order time of @buf: DTS, else PTS, else one frame after the last. */
static GstClockTime
frame_time (GstAxionGate *self, GstBuffer *buf)
{
  GstClockTime t = GST_BUFFER_DTS_OR_PTS (buf);

  if (!GST_CLOCK_TIME_IS_VALID (t))
    t = GST_CLOCK_TIME_IS_VALID (self->last_ts)
        ? self->last_ts + self->frame_duration
        : 0;
  self->last_ts = t;
  return t;
}

/* ---- streaming ---------------------------------------------------------- */

/* Frames since the keyframe, in decode order (the place in the GOP). */
static guint
gop_position (GstAxionGate *self, gboolean key)
{
  if (key)
    self->gop_pos = 0;
  else if (self->gop_pos < G_MAXUINT)
    self->gop_pos++;
  return self->gop_pos;
}

/* Fills in the frame meta of a frame the gate just received. */
static GstBuffer *
tag_received (GstAxionGate *self, GstBuffer *buf, gsize size, guint64 n)
{
  GstAxionFrameMeta *fm;

  buf = gst_buffer_make_writable (buf);
  fm = gst_buffer_get_or_add_axion_frame_meta (buf);
  gst_axion_frame_meta_set_compressed_bytes (fm, size);
  if (!gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_FRAME_NUMBER))
    gst_axion_frame_meta_set_frame_number (fm, n);
  return buf;
}

/* Marks @buf as decoded (its place in the camera's accounting) and pushes
 * it. Counters under the object lock; the push without it. */
static GstFlowReturn
push_decoded (GstAxionGate *self, GstBuffer *buf, gboolean replayed)
{
  GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (buf);
  GstAxionGateInfo gi;
  gsize size = fm ? fm->compressed_bytes : gst_buffer_get_size (buf);

  GST_OBJECT_LOCK (self);
  self->st.decoded++;
  self->st.bytes_decoded += size;
  self->st.replayed += replayed;
  gi.received = self->st.received;
  gi.decoded = self->st.decoded;
  GST_OBJECT_UNLOCK (self);
  gi.skipped_before = self->skipped_since_decoded;
  gi.replayed = replayed;
  gi.active = self->active;
  self->skipped_since_decoded = 0;
  if (fm)
    gst_axion_frame_meta_set_gate (fm, &gi);
  return gst_pad_push (self->srcpad, buf);
}

/* A keyframe the decoder decoded (and the analysis saw) before, sent again
 * as the reference of the frames after it, behind a new segment that
 * starts at @next (the first frame to show after it). GstVideoDecoder
 * clips its output to the segment; the decode-only flag alone does not
 * stop avdec_h264 or openh264dec from outputting it. Its timestamps move
 * back by REDECODE_MARGIN: a parser between us and the decoder (decodebin
 * puts h264parse there) sets its duration to a frame's, and a keyframe
 * that still overlapped the segment would come out clipped, a frame
 * analysed twice. The segment also lets the older frames after it keep
 * their timestamps (within one segment GstVideoDecoder raises a decreasing
 * PTS to the last one it output). Running time is unchanged. */
#define REDECODE_MARGIN (10 * GST_SECOND)

static GstFlowReturn
redecode_keyframe (GstAxionGate *self, GstBuffer *key, GstClockTime next)
{
  GstSegment seg;
  GstClockTime start = GST_CLOCK_TIME_IS_VALID (next) &&
          next > GST_BUFFER_PTS (key)
      ? next
      : GST_BUFFER_PTS (key) + 1;

  gst_segment_copy_into (&self->segment, &seg);
  seg.base = gst_segment_to_running_time (
      &self->segment, GST_FORMAT_TIME, start);
  seg.time = gst_segment_to_stream_time (
      &self->segment, GST_FORMAT_TIME, start);
  seg.start = seg.position = start;
  gst_pad_push_event (self->srcpad, gst_event_new_segment (&seg));
  key = gst_buffer_make_writable (key);
  GST_BUFFER_PTS (key) = GST_BUFFER_DTS (
      key) = start > REDECODE_MARGIN ? start - REDECODE_MARGIN : 0;
  GST_BUFFER_DURATION (key) = 1;
  GST_OBJECT_LOCK (self);
  self->st.redecoded++;
  GST_OBJECT_UNLOCK (self);
  return gst_pad_push (self->srcpad, key);
}

/* The frames held go to the decoder first, in decode order; @live: the
 * PTS of the frame that comes after them (NONE: not known yet). */
static GstFlowReturn
replay_history (GstAxionGate *self, GstClockTime live)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *b;
  gboolean redecode;

  if (self->hist.frames.length == 0)
    return GST_FLOW_OK;
  if (!axion_gate_history_redecodable (&self->hist, &self->segment)) {
    GST_DEBUG_OBJECT (self, "no time segment: replaying the current GOP only");
    count_skipped (self, axion_gate_history_drop_redecodes (&self->hist));
  }
  GST_DEBUG_OBJECT (self, "replaying %u frames (%u GOPs)",
      self->hist.frames.length - self->hist.copies, self->hist.gops);
  /* they were counted as skipped when held; they are decoded after all.
   * Held frames dropped since (an older GOP, a map wake's trim) stay
   * counted: the first replayed frame says they are missing before it */
  self->skipped_since_decoded -= MIN (self->skipped_since_decoded,
      self->hist.frames.length - self->hist.copies);
  while (ret == GST_FLOW_OK &&
      (b = axion_gate_history_pop (&self->hist, &redecode))) {
    if (redecode) {
      GstClockTime next = axion_gate_history_next_pts (&self->hist);
      ret = redecode_keyframe (
          self, b, GST_CLOCK_TIME_IS_VALID (next) ? next : live);
    } else
      ret = push_decoded (self, b, TRUE);
  }
  clear_history (self);
  return ret;
}

static void
hold_frame (GstAxionGate *self, GstBuffer *buf, guint max_buffered)
{
  self->skipped_since_decoded++;
  if (self->broken || !self->have_keyframe) {
    gst_buffer_unref (buf);
    count_skipped (self, 1);
    return;
  }
  /* an earlier GOP goes first; without the current GOP's frames, nothing
   * after them can be decoded */
  if (self->hist.frames.length >= max_buffered)
    count_skipped (self, axion_gate_history_drop_oldest_gop (&self->hist));
  if (self->hist.frames.length >= max_buffered) {
    GST_WARNING_OBJECT (self,
        "more than %u frames since the keyframe: dropping them, the camera "
        "is decoded again from its next keyframe (shorten the camera's GOP "
        "or raise max-buffered-frames)",
        max_buffered);
    GST_OBJECT_LOCK (self);
    self->st.overflowed += axion_gate_history_clear (&self->hist) + 1;
    GST_OBJECT_UNLOCK (self);
    gst_buffer_unref (buf);
    self->broken = TRUE;
    return;
  }
  axion_gate_history_hold (&self->hist, buf);
}

/* Takes the activity event's wake request (the analysis trigger); counts
 * a wake when the camera was idle. */
static gboolean
take_analysis_wake (GstAxionGate *self, GstClockTime t)
{
  gboolean on;

  if (!g_atomic_int_compare_and_exchange (&self->wake_request, 1, 0))
    return FALSE;
  GST_OBJECT_LOCK (self);
  on = self->analysis_trigger;
  if (on && !self->active)
    self->st.wakes_analysis++;
  GST_OBJECT_UNLOCK (self);
  if (on && !self->active)
    GST_INFO_OBJECT (self,
        "activity (analysis) at %" GST_TIME_FORMAT ": decoding every frame",
        GST_TIME_ARGS (t));
  return on;
}

/* The macroblock map's verdict on predicted frame @buf (H.264 CABAC);
 * AXION_GATE_MAP_NONE when there is none and frame sizes decide. */
static AxionGateMapVerdict
map_verdict (GstAxionGate *self, GstBuffer *buf)
{
  AxionGateMapParams mp;
  AxionGateMapVerdict v;
  const gchar *why = NULL;
  gboolean was_unsupported = self->map.unsupported;

  GST_OBJECT_LOCK (self);
  mp = self->map_params;
  GST_OBJECT_UNLOCK (self);
  /* the map is the streaming thread's; the parse (milliseconds for an
   * active camera's large frames) runs outside the lock, stats read a
   * copy */
  v = axion_gate_map_observe (&self->map, &mp, buf, !self->active, &why);
  GST_OBJECT_LOCK (self);
  self->map_snap.mapped = self->map.mapped;
  self->map_snap.errors = self->map.errors;
  self->map_snap.level = self->map.env;
  self->map_snap.informative = axion_gate_map_informative (&self->map, &mp);
  GST_OBJECT_UNLOCK (self);
  if (!was_unsupported && self->map.unsupported)
    GST_INFO_OBJECT (self,
        "no macroblock map for this stream (%s): activity from frame sizes, "
        "every idle keyframe decoded per idle-keyframe-interval-ms",
        GST_STR_NULL (why));
  if (v != AXION_GATE_MAP_NONE)
    GST_LOG_OBJECT (self, "map: %u of %u in both frames (idle level %.1f)",
        self->map.last_stat, mp.window * mp.window, self->map.env);
  return v;
}

/* Whether this predicted frame looks like activity: the macroblock map
 * when it reads the stream, else its size against the baseline (which
 * learns either way, for a stream the map stops reading). */
static gboolean
compressed_hit (GstAxionGate *self, GstBuffer *buf, guint pos, gsize size,
    gboolean comp_on, guint confirm, gboolean *by_map)
{
  AxionGateBaselineParams params;
  AxionGateMapParams mp;
  AxionGateMapVerdict v;
  gboolean size_hit;

  GST_OBJECT_LOCK (self);
  params = self->params;
  mp = self->map_params;
  GST_OBJECT_UNLOCK (self);
  size_hit = axion_gate_baseline_observe (&self->baseline, &params, pos, size);
  v = comp_on ? map_verdict (self, buf) : AXION_GATE_MAP_NONE;
  /* a frame without a map (an I or B picture, a damaged one) of a stream
   * the map reads: no verdict (sizes woke falsely on light changes) */
  if (v == AXION_GATE_MAP_NONE && comp_on &&
      axion_gate_map_informative (&self->map, &mp))
    v = AXION_GATE_MAP_QUIET;
  *by_map = v != AXION_GATE_MAP_NONE;
  if (v != AXION_GATE_MAP_NONE) {
    self->hits_run = 0;
    if (v == AXION_GATE_MAP_HIT) {
      GST_OBJECT_LOCK (self);
      self->st.map_hits++;
      GST_OBJECT_UNLOCK (self);
    }
    return v == AXION_GATE_MAP_HIT;
  }
  /* a lone large frame is the encoder's (rate control), motion lasts:
   * confirm-frames in a row */
  self->hits_run = size_hit ? self->hits_run + 1 : 0;
  return comp_on && self->hits_run >= MAX (confirm, 1);
}

/* A map wake sees a start within MAP_LOOKBACK_FRAMES of it (the object
 * must cover a patch in two frames in a row: the bench's person 3-4
 * frames after its first). The GOPs held since the last decoded keyframe
 * (map-keyframe-interval-ms: up to 10 s) are older than that: the replay
 * keeps the current GOP, and the one before only when the start may lie
 * in it. Replaying 100 frames of 1080p before the live one cost 0.6 s of
 * start latency; two GOPs, with 120 cameras, up to 2.1 s. */
#define MAP_LOOKBACK_FRAMES 5

static void
trim_for_map_wake (GstAxionGate *self)
{
  guint keep;

  GST_OBJECT_LOCK (self);
  keep = self->gop_pos >= MAP_LOOKBACK_FRAMES ? 0 : MIN (self->replay_gops, 1);
  GST_OBJECT_UNLOCK (self);
  /* (frames held after going idle mid-GOP, before any keyframe, go first:
   * they count as no GOP) */
  while (self->hist.gops > keep + 1) {
    guint len = self->hist.frames.length;
    count_skipped (self, axion_gate_history_drop_oldest_gop (&self->hist));
    if (self->hist.frames.length == len)
      break;
  }
}

/* Updates the active/idle state with this frame's evidence. */
static void
update_activity (GstAxionGate *self, GstBuffer *buf, gboolean key, guint pos,
    gsize size, GstClockTime t)
{
  gboolean comp_on, hit = FALSE, woke, by_map = FALSE;
  guint hold_ms, confirm;

  GST_OBJECT_LOCK (self);
  comp_on = self->compressed_trigger;
  hold_ms = self->hold_ms;
  confirm = self->confirm_frames;
  GST_OBJECT_UNLOCK (self);

  /* keyframes are a different kind of frame: only predicted frames are
   * compared (the map still reads a keyframe's parameter sets) */
  if (!key)
    hit = compressed_hit (self, buf, pos, size, comp_on, confirm, &by_map);
  else if (comp_on)
    map_verdict (self, buf);
  if (hit && !self->active && by_map)
    trim_for_map_wake (self);
  if (hit && !self->active) {
    GST_INFO_OBJECT (self,
        "activity (compressed: %s) at %" GST_TIME_FORMAT
        ": decoding every frame",
        by_map ? "macroblock map" : "frame sizes", GST_TIME_ARGS (t));
    GST_OBJECT_LOCK (self);
    self->st.wakes_compressed++;
    GST_OBJECT_UNLOCK (self);
  }
  /* a compressed wake also answers a pending wake request */
  if (hit && !self->active) {
    g_atomic_int_set (&self->wake_request, 0);
    woke = FALSE;
  } else
    woke = take_analysis_wake (self, t);

  if (hit || woke) {
    GST_OBJECT_LOCK (self);
    self->st.compressed_hits += hit;
    GST_OBJECT_UNLOCK (self);
    self->active = TRUE;
    self->last_activity = t;
  } else if (self->active && GST_CLOCK_TIME_IS_VALID (self->last_activity) &&
      t >= self->last_activity + hold_ms * GST_MSECOND) {
    GST_INFO_OBJECT (self,
        "idle for %u ms at %" GST_TIME_FORMAT ": decoding keyframes only",
        hold_ms, GST_TIME_ARGS (t));
    self->active = FALSE;
  }
}

/* An active (or ungated) camera: what was held goes first, then this. */
static GstFlowReturn
pass_frame (GstAxionGate *self, GstBuffer *buf, gboolean key, GstClockTime t)
{
  GstFlowReturn ret;

  if (!key && (!self->have_keyframe || self->broken)) {
    /* no reference yet: the decoder could not decode it either */
    gst_buffer_unref (buf);
    self->skipped_since_decoded++;
    count_skipped (self, 1);
    return GST_FLOW_OK;
  }
  ret = replay_history (self, GST_BUFFER_PTS (buf));
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buf);
    return ret;
  }
  if (key) {
    self->have_keyframe = TRUE;
    self->broken = FALSE;
    self->last_key_decoded = t;
  }
  return push_decoded (self, buf, FALSE);
}

/* An idle camera's keyframe: decoded (and kept for a replay of its GOP),
 * or held when idle-keyframe-interval-ms samples it out. */
static GstFlowReturn
idle_keyframe (GstAxionGate *self, GstBuffer *buf, GstClockTime t,
    guint max_buffered, guint idle_key_ms)
{
  gboolean decode;
  guint keep;
  GstFlowReturn ret;

  GST_OBJECT_LOCK (self);
  keep = self->replay_gops;
  GST_OBJECT_UNLOCK (self);
  decode = idle_key_ms == 0 ||
      !GST_CLOCK_TIME_IS_VALID (self->last_key_decoded) ||
      t >= self->last_key_decoded + idle_key_ms * GST_MSECOND;
  count_skipped (
      self, axion_gate_history_keyframe (&self->hist, buf, decode, keep));
  self->have_keyframe = TRUE;
  self->broken = FALSE;
  if (!decode) {
    /* sampled out: held as the reference of the frames that follow, and
     * replayed first if the camera wakes */
    hold_frame (self, buf, max_buffered);
    return GST_FLOW_OK;
  }
  self->last_key_decoded = t;
  ret = push_decoded (self, buf, FALSE);
  /* the analysis right after the decoder answers within our push (no
   * queue between): wake now, not a frame later (100 ms at 10 fps of the
   * analysis trigger's latency) */
  if (ret == GST_FLOW_OK && !self->active && take_analysis_wake (self, t)) {
    self->active = TRUE;
    self->last_activity = t;
    ret = replay_history (self, GST_CLOCK_TIME_NONE);
  }
  return ret;
}

static GstFlowReturn
gst_axion_gate_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstAxionGate *self = GST_AXION_GATE (parent);
  gsize size = gst_buffer_get_size (buf);
  gboolean key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  gboolean gated;
  guint max_buffered, idle_key_ms;
  GstClockTime t;
  guint64 n;

  /* a lone codec header (not a frame): the decoder needs it */
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_HEADER) &&
      GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
    map_verdict (self, buf); /* its SPS and PPS */
    return gst_pad_push (self->srcpad, buf);
  }

  GST_OBJECT_LOCK (self);
  gated = self->gated;
  max_buffered = self->max_buffered;
  idle_key_ms = self->idle_key_ms;
  /* the map watches the frames between keyframes: fewer keyframes need
   * decoding to notice a start */
  if (self->compressed_trigger &&
      axion_gate_map_informative (&self->map, &self->map_params))
    idle_key_ms = MAX (idle_key_ms, self->map_key_ms);
  n = self->st.received++;
  self->st.bytes_received += size;
  GST_OBJECT_UNLOCK (self);

  t = frame_time (self, buf);
  buf = tag_received (self, buf, size, n);
  if (!self->gatable)
    return push_decoded (self, buf, FALSE);
  update_activity (self, buf, key, gop_position (self, key), size, t);
  if (!gated || self->active)
    return pass_frame (self, buf, key, t);
  if (key)
    return idle_keyframe (self, buf, t, max_buffered, idle_key_ms);
  hold_frame (self, buf, max_buffered);
  return GST_FLOW_OK;
}

/* ---- events and queries ------------------------------------------------- */

static void
read_caps (GstAxionGate *self, GstCaps *caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint num = 0, den = 1;
  gboolean gatable = gst_structure_has_name (s, "video/x-h264") ||
      gst_structure_has_name (s, "video/x-h265");

  if (!gatable)
    GST_INFO_OBJECT (self, "%s is not H.264/H.265: every frame passes",
        gst_structure_get_name (s));
  self->gatable = gatable;
  GST_OBJECT_LOCK (self);
  axion_gate_map_set_caps (&self->map, s);
  GST_OBJECT_UNLOCK (self);

  if (gst_structure_get_fraction (s, "framerate", &num, &den) && num > 0 &&
      den > 0)
    self->frame_duration = gst_util_uint64_scale_int (GST_SECOND, den, num);
}

static gboolean
gst_axion_gate_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstAxionGate *self = GST_AXION_GATE (parent);

  switch (GST_EVENT_TYPE (event)) {
  case GST_EVENT_CAPS: {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    read_caps (self, caps);
    break;
  }
  case GST_EVENT_SEGMENT:
    gst_event_copy_segment (event, &self->segment);
    break;
  case GST_EVENT_FLUSH_STOP:
  case GST_EVENT_STREAM_START:
    /* a new stream (or a camera that reconnected): new references */
    reset_stream (self);
    axion_gate_baseline_reset (&self->baseline);
    GST_OBJECT_LOCK (self);
    axion_gate_map_reset (&self->map);
    GST_OBJECT_UNLOCK (self);
    break;
  case GST_EVENT_EOS:
    clear_history (self);
    break;
  default:
    break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_axion_gate_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstAxionGate *self = GST_AXION_GATE (parent);
  const gchar *source = NULL;
  gdouble score = 0.0;

  if (gst_axion_activity_event_parse (event, &source, &score)) {
    /* may come from the streaming thread itself (we are inside our push):
     * only raise a flag, the next frame acts on it */
    GST_LOG_OBJECT (
        self, "activity from %s (%.3f)", GST_STR_NULL (source), score);
    GST_OBJECT_LOCK (self);
    self->st.activity_events++;
    GST_OBJECT_UNLOCK (self);
    g_atomic_int_set (&self->wake_request, 1);
    gst_event_unref (event);
    return TRUE;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
gst_axion_gate_change_state (GstElement *element, GstStateChange transition)
{
  GstAxionGate *self = GST_AXION_GATE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    reset_stream (self);
    gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
    axion_gate_baseline_reset (&self->baseline);
    GST_OBJECT_LOCK (self);
    memset (&self->st, 0, sizeof (self->st));
    GST_OBJECT_UNLOCK (self);
  }
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    reset_stream (self);
  return ret;
}

/* ---- properties --------------------------------------------------------- */

static GstStructure *
make_stats (GstAxionGate *self)
{
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("axiongate-stats", "frames-received", G_TYPE_UINT64,
      self->st.received, "frames-decoded", G_TYPE_UINT64, self->st.decoded,
      "frames-replayed", G_TYPE_UINT64, self->st.replayed,
      "keyframes-redecoded", G_TYPE_UINT64, self->st.redecoded,
      "frames-skipped", G_TYPE_UINT64, self->st.skipped + self->st.overflowed,
      "frames-overflowed", G_TYPE_UINT64, self->st.overflowed, "bytes-received",
      G_TYPE_UINT64, self->st.bytes_received, "bytes-decoded", G_TYPE_UINT64,
      self->st.bytes_decoded, "wakes-compressed", G_TYPE_UINT64,
      self->st.wakes_compressed, "wakes-analysis", G_TYPE_UINT64,
      self->st.wakes_analysis, "compressed-hits", G_TYPE_UINT64,
      self->st.compressed_hits, "activity-events", G_TYPE_UINT64,
      self->st.activity_events, "active", G_TYPE_BOOLEAN, self->active,
      "baseline-bytes", G_TYPE_DOUBLE,
      axion_gate_baseline_bytes (&self->baseline), "map-frames", G_TYPE_UINT64,
      self->map_snap.mapped, "map-errors", G_TYPE_UINT64, self->map_snap.errors,
      "map-hits", G_TYPE_UINT64, self->st.map_hits, "map-informative",
      G_TYPE_BOOLEAN, self->map_snap.informative, "map-idle-level",
      G_TYPE_DOUBLE, self->map_snap.level, NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
gst_axion_gate_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionGate *self = GST_AXION_GATE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_GATED:
    self->gated = g_value_get_boolean (value);
    break;
  case PROP_HOLD_MS:
    self->hold_ms = g_value_get_uint (value);
    break;
  case PROP_COMPRESSED_TRIGGER:
    self->compressed_trigger = g_value_get_boolean (value);
    break;
  case PROP_ANALYSIS_TRIGGER:
    self->analysis_trigger = g_value_get_boolean (value);
    break;
  case PROP_SIZE_RATIO:
    self->params.ratio = g_value_get_double (value);
    break;
  case PROP_MIN_EXTRA_BYTES:
    self->params.min_extra = g_value_get_uint (value);
    break;
  case PROP_WARMUP_GOPS:
    self->params.warmup_gops = g_value_get_uint (value);
    break;
  case PROP_CONFIRM_FRAMES:
    self->confirm_frames = g_value_get_uint (value);
    break;
  case PROP_MAX_BUFFERED_FRAMES:
    self->max_buffered = g_value_get_uint (value);
    break;
  case PROP_IDLE_KEYFRAME_INTERVAL_MS:
    self->idle_key_ms = g_value_get_uint (value);
    break;
  case PROP_REPLAY_GOPS:
    self->replay_gops = g_value_get_uint (value);
    break;
  case PROP_MAP_WINDOW:
    self->map_params.window = g_value_get_uint (value);
    break;
  case PROP_MAP_FILL:
    self->map_params.fill = g_value_get_double (value);
    break;
  case PROP_MAP_KEYFRAME_INTERVAL_MS:
    self->map_key_ms = g_value_get_uint (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_gate_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionGate *self = GST_AXION_GATE (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_GATED:
    g_value_set_boolean (value, self->gated);
    break;
  case PROP_HOLD_MS:
    g_value_set_uint (value, self->hold_ms);
    break;
  case PROP_COMPRESSED_TRIGGER:
    g_value_set_boolean (value, self->compressed_trigger);
    break;
  case PROP_ANALYSIS_TRIGGER:
    g_value_set_boolean (value, self->analysis_trigger);
    break;
  case PROP_SIZE_RATIO:
    g_value_set_double (value, self->params.ratio);
    break;
  case PROP_MIN_EXTRA_BYTES:
    g_value_set_uint (value, self->params.min_extra);
    break;
  case PROP_WARMUP_GOPS:
    g_value_set_uint (value, self->params.warmup_gops);
    break;
  case PROP_CONFIRM_FRAMES:
    g_value_set_uint (value, self->confirm_frames);
    break;
  case PROP_MAX_BUFFERED_FRAMES:
    g_value_set_uint (value, self->max_buffered);
    break;
  case PROP_IDLE_KEYFRAME_INTERVAL_MS:
    g_value_set_uint (value, self->idle_key_ms);
    break;
  case PROP_REPLAY_GOPS:
    g_value_set_uint (value, self->replay_gops);
    break;
  case PROP_MAP_WINDOW:
    g_value_set_uint (value, self->map_params.window);
    break;
  case PROP_MAP_FILL:
    g_value_set_double (value, self->map_params.fill);
    break;
  case PROP_MAP_KEYFRAME_INTERVAL_MS:
    g_value_set_uint (value, self->map_key_ms);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_gate_finalize (GObject *object)
{
  GstAxionGate *self = GST_AXION_GATE (object);

  axion_gate_history_clear (&self->hist);
  axion_gate_map_clear (&self->map);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_gate_init (GstAxionGate *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_axion_gate_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_axion_gate_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (
      self->srcpad, GST_DEBUG_FUNCPTR (gst_axion_gate_src_event));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->gated = DEFAULT_GATED;
  self->hold_ms = DEFAULT_HOLD_MS;
  self->compressed_trigger = DEFAULT_COMPRESSED_TRIGGER;
  self->analysis_trigger = DEFAULT_ANALYSIS_TRIGGER;
  self->params.ratio = DEFAULT_SIZE_RATIO;
  self->params.min_extra = DEFAULT_MIN_EXTRA_BYTES;
  self->params.warmup_gops = DEFAULT_WARMUP_GOPS;
  self->confirm_frames = DEFAULT_CONFIRM_FRAMES;
  self->max_buffered = DEFAULT_MAX_BUFFERED;
  self->frame_duration = GST_SECOND / 10;
  self->replay_gops = DEFAULT_REPLAY_GOPS;
  self->map_params.window = DEFAULT_MAP_WINDOW;
  self->map_params.fill = DEFAULT_MAP_FILL;
  self->map_key_ms = DEFAULT_MAP_KEYFRAME_INTERVAL_MS;
  axion_gate_map_init (&self->map);
  axion_gate_history_init (&self->hist);
  gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
  reset_stream (self);
  axion_gate_baseline_reset (&self->baseline);
}

#define RW_PLAYING                                                             \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)

static void
gst_axion_gate_class_init (GstAxionGateClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_axion_gate_set_property;
  gobject_class->get_property = gst_axion_gate_get_property;
  gobject_class->finalize = gst_axion_gate_finalize;
  element_class->change_state = gst_axion_gate_change_state;

  g_object_class_install_property (gobject_class, PROP_GATED,
      g_param_spec_boolean ("gated", "Gated",
          "Decode only keyframes while the camera is idle (FALSE: pass "
          "every frame, still measuring compressed sizes and activity)",
          DEFAULT_GATED, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_HOLD_MS,
      g_param_spec_uint ("hold-ms", "Hold",
          "Milliseconds of stream time without activity after which the "
          "camera is idle again and only keyframes are decoded",
          0, G_MAXUINT, DEFAULT_HOLD_MS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_COMPRESSED_TRIGGER,
      g_param_spec_boolean ("compressed-trigger", "Compressed trigger",
          "Wake on predicted frames much larger than the camera's baseline "
          "for their place in the GOP (see size-ratio, min-extra-bytes, "
          "confirm-frames, warmup-gops)",
          DEFAULT_COMPRESSED_TRIGGER, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ANALYSIS_TRIGGER,
      g_param_spec_boolean ("analysis-trigger", "Analysis trigger",
          "Wake on the upstream axion-activity event that axionmotion and "
          "axionhash send when a decoded frame shows motion or a scene "
          "change",
          DEFAULT_ANALYSIS_TRIGGER, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SIZE_RATIO,
      g_param_spec_double ("size-ratio", "Size ratio",
          "A predicted frame at least this many times its baseline size "
          "(and min-extra-bytes above it) is a hit",
          1.0, 1000.0, DEFAULT_SIZE_RATIO, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_EXTRA_BYTES,
      g_param_spec_uint ("min-extra-bytes", "Minimum extra bytes",
          "Bytes a predicted frame must exceed its baseline by to be a hit "
          "(keeps the tiny frames of very static scenes from waking on a "
          "few bytes)",
          0, G_MAXUINT, DEFAULT_MIN_EXTRA_BYTES, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_WARMUP_GOPS,
      g_param_spec_uint ("warmup-gops", "Warm-up GOPs",
          "GOPs the baseline of each place in the GOP learns from before "
          "the compressed trigger may fire there (after start and after "
          "each reconnect)",
          1, 1000, DEFAULT_WARMUP_GOPS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_CONFIRM_FRAMES,
      g_param_spec_uint ("confirm-frames", "Confirm frames",
          "Predicted frames in a row over the baseline that make activity "
          "(a lone large frame is usually the encoder's rate control)",
          1, 100, DEFAULT_CONFIRM_FRAMES, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_BUFFERED_FRAMES,
      g_param_spec_uint ("max-buffered-frames", "Maximum buffered frames",
          "Compressed frames kept since the last keyframe for the replay; "
          "at a GOP longer than this, a wake late in the GOP waits for the "
          "next keyframe",
          1, 100000, DEFAULT_MAX_BUFFERED, RW_PLAYING));
  g_object_class_install_property (gobject_class,
      PROP_IDLE_KEYFRAME_INTERVAL_MS,
      g_param_spec_uint ("idle-keyframe-interval-ms", "Idle keyframe interval",
          "While idle, decode a keyframe only when this many milliseconds "
          "(stream time) passed since the last decoded one; the others are "
          "held like predicted frames and replayed on a wake (0: every "
          "keyframe). Cuts an idle camera's cost further; the analysis "
          "trigger then notices a start up to this much later",
          0, G_MAXUINT, 0, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_REPLAY_GOPS,
      g_param_spec_uint ("replay-gops", "Replay GOPs",
          "GOPs before the current one that an idle camera keeps and a "
          "wake replays too (their keyframes are decoded again, without "
          "output), so that a start noticed only after the next keyframe "
          "(the analysis trigger, a small object) loses no frame; the "
          "replayed frames then reach the analysis after the keyframe that "
          "showed the start. 0: only the frames since the last keyframe",
          0, 16, DEFAULT_REPLAY_GOPS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAP_WINDOW,
      g_param_spec_uint ("map-window", "Map window",
          "H.264 (CABAC) streams: side, in macroblocks (16 px), of the "
          "square the macroblock map looks for coded blocks in; an object "
          "must cover about this much to wake the camera from the map",
          2, 16, DEFAULT_MAP_WINDOW, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAP_FILL,
      g_param_spec_double ("map-fill", "Map fill",
          "Fraction of a map-window square that must be coded in two "
          "predicted frames in a row (and above what the camera's idle "
          "frames reach) to be activity",
          0.1, 1.0, DEFAULT_MAP_FILL, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAP_KEYFRAME_INTERVAL_MS,
      g_param_spec_uint ("map-keyframe-interval-ms",
          "Map keyframe interval (ms)",
          "While idle and the macroblock map reads the stream, decode a "
          "keyframe only this long after the last decoded one (stream "
          "time; the larger of this and idle-keyframe-interval-ms); the "
          "analysis trigger then sees a start the map misses this much "
          "later. 0: every keyframe",
          0, G_MAXUINT, DEFAULT_MAP_KEYFRAME_INTERVAL_MS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters: frames-received, frames-decoded, frames-replayed, "
          "keyframes-redecoded (decoded again, without output, for a "
          "replay), frames-skipped (never decoded), frames-overflowed, "
          "bytes-received, bytes-decoded (compressed bytes), "
          "wakes-compressed, wakes-analysis (idle-to-active switches by "
          "cause), compressed-hits, activity-events, active, "
          "baseline-bytes, map-frames (predicted frames the macroblock map "
          "read), map-errors (frames it could not), map-hits, "
          "map-informative (the map reads the stream and its idle frames "
          "leave room for a hit), map-idle-level (macroblocks)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Axion motion-gated decoding", "Filter/Video",
      "Passes only keyframes of an idle camera to the decoder; on activity "
      "replays the frames since the keyframe and passes everything",
      "Axion developers");
  GST_DEBUG_CATEGORY_INIT (
      axion_gate_debug, "axiongate", 0, "Axion motion-gated decoding");
}
