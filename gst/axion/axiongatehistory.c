/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Why keep GOPs before the current one: the analysis trigger sees a start
 * only at the first keyframe decoded after it, and the compressed trigger
 * may see it only after that keyframe too (a far person adds ~40% to x264's
 * predicted frames, under its threshold: tests/bench/bench_gate_fleet.c).
 * Replaying from the keyframe before loses none of the frames between the
 * start and the keyframe that showed it (89.9% -> 100% of a crossing's
 * frames analysed at GOP 2 s). */
#include "axiongatehistory.h"

void
axion_gate_history_init (AxionGateHistory *h)
{
  g_queue_init (&h->frames);
  h->gops = 0;
  h->copies = 0;
  h->popped = 0;
}

static gboolean
is_copy (GstBuffer *b)
{
  return GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DECODE_ONLY);
}

static gboolean
is_key (GstBuffer *b)
{
  return !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
}

/* Drops the head frame; returns 1 if it was never decoded. */
static guint
drop_head (AxionGateHistory *h)
{
  GstBuffer *b = g_queue_pop_head (&h->frames);
  guint never = !is_copy (b);

  h->gops -= is_key (b);
  h->copies -= !never;
  gst_buffer_unref (b);
  return never;
}

/* Returns the frames dropped that were never decoded. */
guint
axion_gate_history_clear (AxionGateHistory *h)
{
  guint n = 0;

  while (h->frames.length > 0)
    n += drop_head (h);
  h->popped = 0;
  return n;
}

/* Drops the oldest GOP when there is more than one; returns the frames
 * dropped that were never decoded. */
guint
axion_gate_history_drop_oldest_gop (AxionGateHistory *h)
{
  guint n = 0;

  if (h->gops < 2)
    return 0;
  do
    n += drop_head (h);
  while (h->frames.length > 0 && !is_key (g_queue_peek_head (&h->frames)));
  return n;
}

/* A keyframe arrived. @keep_gops 0: what was held before it is not needed
 * any more. Else, at a keyframe that goes to the decoder (@decoded), the
 * history is trimmed to reach back to the @keep_gops-th decoded keyframe
 * before it (held keyframes, with idle-keyframe-interval-ms, are kept
 * within), and a decode-only copy of it is kept: the decoder needs it
 * again after replaying what came before. A held keyframe is kept by
 * axion_gate_history_hold(). Returns the frames dropped that were never
 * decoded. */
guint
axion_gate_history_keyframe (
    AxionGateHistory *h, GstBuffer *key, gboolean decoded, guint keep_gops)
{
  GstBuffer *copy;
  guint n = 0;

  if (keep_gops == 0)
    return axion_gate_history_clear (h);
  if (!decoded)
    return 0;
  /* frames held with no keyframe before them (idle from mid-GOP on) refer
   * to frames decoded live: after this keyframe they cannot be replayed */
  while (h->frames.length > 0 && !is_key (g_queue_peek_head (&h->frames)))
    n += drop_head (h);
  while (h->copies > keep_gops) {
    do
      n += drop_head (h);
    while (h->frames.length > 0 && !is_copy (g_queue_peek_head (&h->frames)));
  }
  copy = gst_buffer_copy (key);
  GST_BUFFER_FLAG_SET (copy, GST_BUFFER_FLAG_DECODE_ONLY);
  g_queue_push_tail (&h->frames, copy);
  h->gops++;
  h->copies++;
  return n;
}

/* Drops the GOPs whose keyframe the decoder would have to decode again
 * (when that cannot be done); returns the frames dropped that were never
 * decoded. What is left follows the decoder's current reference. */
guint
axion_gate_history_drop_redecodes (AxionGateHistory *h)
{
  guint n = 0;

  while (h->copies > 0)
    n += drop_head (h);
  return n;
}

/* Whether every keyframe to decode again has a PTS inside @seg (its output
 * is cut off with a segment that starts after it). */
gboolean
axion_gate_history_redecodable (AxionGateHistory *h, const GstSegment *seg)
{
  if (h->copies == 0)
    return TRUE;
  if (seg->format != GST_FORMAT_TIME || seg->rate <= 0.0)
    return FALSE;
  for (GList *l = h->frames.head; l; l = l->next) {
    GstBuffer *b = l->data;
    if (is_copy (b) &&
        !GST_CLOCK_TIME_IS_VALID (
            gst_segment_to_running_time (seg, GST_FORMAT_TIME,
                GST_BUFFER_PTS_IS_VALID (b) ? GST_BUFFER_PTS (b) + 1
                                            : GST_CLOCK_TIME_NONE)))
      return FALSE;
  }
  return TRUE;
}

/* Keeps a frame that was not decoded (takes @buf). */
void
axion_gate_history_hold (AxionGateHistory *h, GstBuffer *buf)
{
  g_queue_push_tail (&h->frames, buf);
  h->gops += is_key (buf);
}

/* The earliest PTS of the frames at the head up to the next decode-only
 * copy (the frames a re-decoded keyframe is the reference of), or NONE. */
GstClockTime
axion_gate_history_next_pts (AxionGateHistory *h)
{
  GstClockTime next = GST_CLOCK_TIME_NONE;

  for (GList *l = h->frames.head; l && !is_copy (l->data); l = l->next) {
    GstClockTime pts = GST_BUFFER_PTS ((GstBuffer *) l->data);
    if (GST_CLOCK_TIME_IS_VALID (pts) &&
        (!GST_CLOCK_TIME_IS_VALID (next) || pts < next))
      next = pts;
  }
  return next;
}

/* The next frame to replay, or NULL (then the history is empty).
 * *@redecode: a keyframe that was decoded (and analysed) before, which the
 * decoder needs again as the reference of the frames after it. The copy of
 * the decoder's current reference (the last copy) is skipped when no
 * frame was replayed before it. */
GstBuffer *
axion_gate_history_pop (AxionGateHistory *h, gboolean *redecode)
{
  GstBuffer *b;

  while ((b = g_queue_pop_head (&h->frames))) {
    h->gops -= is_key (b);
    *redecode = is_copy (b);
    if (*redecode && --h->copies == 0 && h->popped == 0) {
      gst_buffer_unref (b);
      continue;
    }
    h->popped++;
    return b;
  }
  h->popped = 0;
  return NULL;
}
