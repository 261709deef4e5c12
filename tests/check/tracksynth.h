/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Synthetic tracking scenes with ground truth, and the CLEAR MOT (MOTA,
 * ID switches) and IDF1 scores of a tracker's output against them. Used
 * by test_axiontrack and bench_track.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a box in fractions of the frame with an identity: ground truth (id =
 * the object) or tracker output (id = the track) */
typedef struct
{
  gfloat x, y, w, h;
  gint64 id;
} TsObj;

/* a detection as the detector reports it */
typedef struct
{
  gfloat x, y, w, h;
  gfloat confidence;
  gint64 gt_id; /* -1: a false positive */
} TsDet;

typedef struct
{
  guint n_frames;
  guint n_objects;
  guint detect_every; /* the detector runs on frames 0, k, 2k... */
  gdouble noise;      /* box jitter, fraction of the box's height */
  gdouble miss_rate;  /* a visible object is not detected */
  gdouble fp_rate;    /* false positives per detector frame */
  gdouble size;       /* box size factor (1: people 4-7% of the width) */
  guint32 seed;
} TsParams;

typedef struct
{
  guint n_frames;
  GArray **gt;   /* per frame: TsObj of the visible objects */
  GArray **dets; /* per frame: TsDet (empty when the detector did not run) */
  gboolean *inferred;
} TsScene;

void ts_params_noisy (TsParams *p);
/* objects crossing, occluding each other (the one behind is hidden, or
 * detected with a low confidence when half hidden), stopping, leaving and
 * coming back; detections with noise, misses and false positives */
TsScene *ts_scene_generate (const TsParams *p);
void ts_scene_free (TsScene *s);

typedef struct
{
  guint64 gt, pred, tp, fp, fn, idsw, idtp;
  guint n_gt_ids, n_pred_ids;
  gdouble mota, idf1;
} TsMetrics;

typedef struct _TsEval TsEval;

TsEval *ts_eval_new (void);
/* IoU >= 0.5 is a match (CLEAR MOT: matches of the previous frame are
 * kept while they hold, the rest by the Hungarian algorithm) */
void ts_eval_frame (
    TsEval *e, const TsObj *gt, guint n_gt, const TsObj *pred, guint n_pred);
void ts_eval_finish (TsEval *e, TsMetrics *m);
void ts_eval_free (TsEval *e);

G_END_DECLS
