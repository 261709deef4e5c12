/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axiontrack's tracker against a plain IoU-greedy tracker (implemented
 * here: each track keeps its last box, pairs above IoU 0.3 are taken
 * best-first, every unmatched confident detection starts a track at once,
 * a track dies after 10 detector frames without a match), on the same
 * synthetic scenes with ground truth (tests/check/tracksynth.c).
 *
 * Printed: MOTA, IDF1 and ID switches of both on the noisy set (detector
 * on every 3rd frame, noise, misses, false positives, occlusions); and the
 * cost of one frame with 5, 50 and 200 objects with the detector on every
 * frame (the worst case), for both. Goal: <= 0.05 ms per frame at 50
 * objects, and better MOTA/IDF1 than the baseline.
 */
#include <glib.h>
#include <math.h>

#include "axiontracker.h"
#include "axiontrackzones.h"
#include "tracksynth.h"

/* ---- the baseline ------------------------------------------------------- */

typedef struct
{
  TsObj box; /* last matched box; id = track id */
  guint misses;
} GreedyTrack;

typedef struct
{
  GArray *tracks; /* GreedyTrack */
  gint64 next_id;
  GArray *pairs; /* Pair scratch */
} Greedy;

typedef struct
{
  gfloat iou;
  guint t, d;
} Pair;

static gfloat
box_iou (const TsObj *a, const TsDet *b)
{
  gfloat x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  gfloat x1 = MIN (a->x + a->w, b->x + b->w);
  gfloat y1 = MIN (a->y + a->h, b->y + b->h);
  gfloat inter = (x1 > x0 && y1 > y0) ? (x1 - x0) * (y1 - y0) : 0;
  return inter / (a->w * a->h + b->w * b->h - inter);
}

static gint
pair_cmp (gconstpointer a, gconstpointer b)
{
  gfloat x = ((const Pair *) a)->iou, y = ((const Pair *) b)->iou;
  return x < y ? 1 : x > y ? -1 : 0;
}

static void
greedy_step (Greedy *g, const TsDet *dets, guint n, gboolean inferred)
{
  gboolean *tused, *dused;

  if (!inferred)
    return;
  tused = g_new0 (gboolean, g->tracks->len + 1);
  dused = g_new0 (gboolean, n + 1);
  g_array_set_size (g->pairs, 0);
  for (guint t = 0; t < g->tracks->len; t++) {
    for (guint d = 0; d < n; d++) {
      Pair p = {
        box_iou (&g_array_index (g->tracks, GreedyTrack, t).box, &dets[d]), t, d
      };
      if (p.iou > 0.3f)
        g_array_append_val (g->pairs, p);
    }
  }
  g_array_sort (g->pairs, pair_cmp);
  for (guint i = 0; i < g->pairs->len; i++) {
    Pair *p = &g_array_index (g->pairs, Pair, i);
    GreedyTrack *tr = &g_array_index (g->tracks, GreedyTrack, p->t);
    if (tused[p->t] || dused[p->d])
      continue;
    tused[p->t] = dused[p->d] = TRUE;
    tr->box.x = dets[p->d].x;
    tr->box.y = dets[p->d].y;
    tr->box.w = dets[p->d].w;
    tr->box.h = dets[p->d].h;
    tr->misses = 0;
  }
  for (guint t = g->tracks->len; t-- > 0;) {
    if (!tused[t] && ++g_array_index (g->tracks, GreedyTrack, t).misses > 10)
      g_array_remove_index_fast (g->tracks, t);
  }
  for (guint d = 0; d < n; d++) {
    GreedyTrack tr = {
      { dets[d].x, dets[d].y, dets[d].w, dets[d].h, g->next_id }, 0
    };
    if (dused[d] || dets[d].confidence < 0.5f)
      continue;
    g->next_id++;
    g_array_append_val (g->tracks, tr);
  }
  g_free (tused);
  g_free (dused);
}

static void
greedy_output (Greedy *g, GArray *out)
{
  g_array_set_size (out, 0);
  for (guint t = 0; t < g->tracks->len; t++) {
    GreedyTrack *tr = &g_array_index (g->tracks, GreedyTrack, t);
    if (tr->misses == 0)
      g_array_append_val (out, tr->box);
  }
}

/* ---- axiontrack's tracker ------------------------------------------------ */

static void
axion_output (AxionTracker *t, GArray *out)
{
  g_array_set_size (out, 0);
  for (guint i = 0; i < axion_tracker_n_tracks (t); i++) {
    const AxionTrack *tr = axion_tracker_track (t, i);
    TsObj o = { tr->box.x, tr->box.y, tr->box.w, tr->box.h, tr->id };
    if (axion_track_is_visible (tr))
      g_array_append_val (out, o);
  }
}

static GArray *
to_axion_dets (const TsScene *s, guint f)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (AxionTrackDet));
  GQuark person = g_quark_from_static_string ("person");

  for (guint i = 0; i < s->dets[f]->len; i++) {
    TsDet *d = &g_array_index (s->dets[f], TsDet, i);
    AxionTrackDet ad = { { d->x, d->y, d->w, d->h }, d->confidence, person, 0 };
    g_array_append_val (a, ad);
  }
  return a;
}

/* Runs both on @s; scores into @m[0] (axion) and @m[1] (greedy), the
 * mean cost of a frame in ms into @ms[0..1]. */
static void
run_both (const TsScene *s, TsMetrics *m, gdouble *ms)
{
  AxionTracker *t = axion_tracker_new (NULL, 1);
  AxionTrackZones *z = axion_track_zones_new (NULL, NULL, 10, 0);
  GPtrArray *events = g_ptr_array_new_with_free_func (
      (GDestroyNotify) axion_track_event_free);
  Greedy g = { g_array_new (FALSE, FALSE, sizeof (GreedyTrack)), 1,
    g_array_new (FALSE, FALSE, sizeof (Pair)) };
  TsEval *ea = ts_eval_new (), *eg = ts_eval_new ();
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TsObj));
  GArray **dets = g_new (GArray *, s->n_frames);
  gint64 t0;

  for (guint f = 0; f < s->n_frames; f++)
    dets[f] = to_axion_dets (s, f);
  /* timed loops without the scoring */
  t0 = g_get_monotonic_time ();
  for (guint f = 0; f < s->n_frames; f++) {
    axion_tracker_step (
        t, (AxionTrackDet *) dets[f]->data, dets[f]->len, s->inferred[f]);
    axion_track_zones_frame (z, t, f * 33333, f * 33333, events);
    g_ptr_array_set_size (events, 0);
  }
  ms[0] = (g_get_monotonic_time () - t0) / 1e3 / s->n_frames;
  t0 = g_get_monotonic_time ();
  for (guint f = 0; f < s->n_frames; f++)
    greedy_step (
        &g, (TsDet *) s->dets[f]->data, s->dets[f]->len, s->inferred[f]);
  ms[1] = (g_get_monotonic_time () - t0) / 1e3 / s->n_frames;

  /* scored loops */
  axion_tracker_free (t);
  t = axion_tracker_new (NULL, 1);
  g_array_set_size (g.tracks, 0);
  for (guint f = 0; f < s->n_frames; f++) {
    axion_tracker_step (
        t, (AxionTrackDet *) dets[f]->data, dets[f]->len, s->inferred[f]);
    axion_output (t, out);
    ts_eval_frame (ea, (TsObj *) s->gt[f]->data, s->gt[f]->len,
        (TsObj *) out->data, out->len);
    greedy_step (
        &g, (TsDet *) s->dets[f]->data, s->dets[f]->len, s->inferred[f]);
    greedy_output (&g, out);
    ts_eval_frame (eg, (TsObj *) s->gt[f]->data, s->gt[f]->len,
        (TsObj *) out->data, out->len);
  }
  ts_eval_finish (ea, &m[0]);
  ts_eval_finish (eg, &m[1]);

  for (guint f = 0; f < s->n_frames; f++)
    g_array_unref (dets[f]);
  g_free (dets);
  g_array_unref (out);
  ts_eval_free (ea);
  ts_eval_free (eg);
  g_array_unref (g.tracks);
  g_array_unref (g.pairs);
  g_ptr_array_unref (events);
  axion_track_zones_free (z);
  axion_tracker_free (t);
}

static void
print_scores (const gchar *name, const TsMetrics *m)
{
  g_print ("  %-10s MOTA %.3f  IDF1 %.3f  ID switches %3" G_GUINT64_FORMAT
           "  FN %4" G_GUINT64_FORMAT "  FP %4" G_GUINT64_FORMAT
           "  tracks %u for %u objects\n",
      name, m->mota, m->idf1, m->idsw, m->fn, m->fp, m->n_pred_ids,
      m->n_gt_ids);
}

int
main (void)
{
  TsParams p;
  static const guint counts[] = { 5, 50, 200 };
  static const gdouble sizes[] = { 1.0, 0.5, 0.25 };
  gdouble sum[2][2] = { { 0 } };

  g_print ("noisy set (detector on every 3rd frame, 4%% jitter, 10%% "
           "misses, 0.3 false positives per detector frame, 12 objects, "
           "900 frames):\n");
  for (guint32 seed = 20; seed < 30; seed++) {
    TsMetrics m[2];
    gdouble ms[2];
    TsScene *s;

    ts_params_noisy (&p);
    p.seed = seed;
    s = ts_scene_generate (&p);
    run_both (s, m, ms);
    g_print (" seed %u\n", seed);
    print_scores ("axiontrack", &m[0]);
    print_scores ("iou-greedy", &m[1]);
    sum[0][0] += m[0].mota;
    sum[0][1] += m[0].idf1;
    sum[1][0] += m[1].mota;
    sum[1][1] += m[1].idf1;
    ts_scene_free (s);
  }
  g_print ("mean over 10 seeds: axiontrack MOTA %.3f IDF1 %.3f; iou-greedy "
           "MOTA %.3f IDF1 %.3f\n",
      sum[0][0] / 10, sum[0][1] / 10, sum[1][0] / 10, sum[1][1] / 10);

  g_print ("\ncost per frame, detector on every frame (worst case), "
           "900 frames:\n");
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++) {
    TsMetrics m[2];
    gdouble ms[2], best[2] = { INFINITY, INFINITY };
    TsScene *s;

    ts_params_noisy (&p);
    p.n_objects = counts[i];
    p.size = sizes[i];
    p.detect_every = 1;
    p.fp_rate = 0.3 * counts[i] / 12;
    s = ts_scene_generate (&p);
    /* best of 3: the machine is shared */
    for (guint rep = 0; rep < 3; rep++) {
      run_both (s, m, ms);
      best[0] = MIN (best[0], ms[0]);
      best[1] = MIN (best[1], ms[1]);
    }
    g_print ("  %3u objects: axiontrack %.4f ms/frame (MOTA %.3f IDF1 "
             "%.3f), iou-greedy %.4f ms/frame (MOTA %.3f IDF1 %.3f): "
             "%.2fx the baseline's cost%s\n",
        counts[i], best[0], m[0].mota, m[0].idf1, best[1], m[1].mota, m[1].idf1,
        best[0] / best[1],
        counts[i] == 50 ? (best[0] <= 0.05 ? "  [goal <= 0.05 ms: met]"
                                           : "  [goal <= 0.05 ms: NOT met]")
                        : "");
    ts_scene_free (s);
  }
  return 0;
}
