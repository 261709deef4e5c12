/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axiontrack's multi-object tracker (SORT / ByteTrack family), apart from
 * the element so that tests and the benchmark drive it directly:
 * constant-velocity Kalman prediction, IoU association with the
 * Hungarian algorithm (cost: 1 - IoU plus a box-size term), a second pass
 * for low-confidence detections, birth after min-hits matches (or
 * re-activation of a lost track that fits), death after max-misses
 * detector frames without one. Frames the detector did not run on only
 * advance the prediction.
 */
#pragma once

#include "axiontrackkalman.h"

G_BEGIN_DECLS

typedef struct
{
  guint min_hits;        /* matches before a track gets an id */
  guint max_misses;      /* detector frames without a match before it dies */
  guint max_age;         /* frames without a match (any kind) before it dies */
  gfloat high_conf;      /* detections from here take the first pass */
  gfloat low_conf;       /* below this a detection is ignored */
  gfloat new_track_conf; /* an unmatched detection starts a track from here */
  gfloat iou_min;        /* a match needs more overlap than this */
  gfloat iou_min_low;    /* the same for the low-confidence pass */
} AxionTrackerParams;

/* defaults (ByteTrack's thresholds; min-hits and max-misses in detector
 * frames) */
void axion_tracker_params_init (AxionTrackerParams *p);

/* one detection in; track_id out (0: not (yet) a confirmed track) */
typedef struct
{
  AxionTrackBox box;
  gfloat confidence; /* 0..1, < 0 unknown (taken as high) */
  GQuark label;      /* tracks only match detections of their own label */
  gint64 track_id;
} AxionTrackDet;

typedef struct
{
  gint64 id; /* 0 until confirmed */
  GQuark label;
  AxionTrackKalman kf;
  AxionTrackBox box; /* the current estimate */
  gboolean confirmed;
  gboolean matched;                /* matched a detection on this frame */
  guint hits;                      /* matched detector frames */
  guint misses;                    /* detector frames since the last match */
  guint since_match;               /* frames since the last match */
  guint64 first_frame, last_frame; /* tracker frame counter: first and last
                                      match */
  gfloat best_conf;
  gdouble path; /* centre travel between matches, in frame fractions */
  gfloat last_cx, last_cy; /* centre at the last match */
  AxionTrackBox last_box;  /* the last matched detection */
  gint det;                /* the detection matched on this frame, or -1 */
  gboolean absorbed;       /* re-activated as another track: leaves quietly */
} AxionTrack;

typedef struct _AxionTracker AxionTracker;

/* @first_id: the id of the first confirmed track (an element keeps ids
 * unique across restarts by passing axion_tracker_next_id() of the last
 * tracker) */
AxionTracker *
axion_tracker_new (const AxionTrackerParams *params, gint64 first_id);
gint64 axion_tracker_next_id (const AxionTracker *t);
/* new thresholds apply from the next frame on; tracks are kept */
void
axion_tracker_set_params (AxionTracker *t, const AxionTrackerParams *params);
void axion_tracker_free (AxionTracker *t);
/* drops every track (ids keep counting up: never reused) */
void axion_tracker_reset (AxionTracker *t);

/* Advances one frame. @inferred: the detector ran on this frame, so
 * @dets (possibly none) is everything there is; otherwise only the
 * prediction moves and nobody misses. Writes each detection's track_id. */
void axion_tracker_step (
    AxionTracker *t, AxionTrackDet *dets, guint n_dets, gboolean inferred);

guint64 axion_tracker_frame (const AxionTracker *t);
guint axion_tracker_n_tracks (const AxionTracker *t);
const AxionTrack *axion_tracker_track (const AxionTracker *t, guint i);
/* the confirmed tracks that died in the last step (valid until the next) */
const AxionTrack *axion_tracker_ended (const AxionTracker *t, guint *n);

/* A confirmed track matched on one of the latest two detector frames:
 * what the tracker reports on this frame (predicted where the detector
 * did not run or missed it once). Why one miss is bridged: a detector
 * that misses 10% of the time otherwise hides each track for a whole
 * detector interval once in ten, which cost 0.10 MOTA on the noisy test
 * set; an object that really left is reported one interval too long. */
static inline gboolean
axion_track_is_visible (const AxionTrack *tr)
{
  return tr->confirmed && tr->misses <= 1;
}

gfloat axion_track_box_iou (const AxionTrackBox *a, const AxionTrackBox *b);

G_END_DECLS
