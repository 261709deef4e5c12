/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tracksynth.h"
#include "axiontrackassign.h"

#include <math.h>
#include <stdio.h>

void
ts_params_noisy (TsParams *p)
{
  p->n_frames = 900; /* 30 s at 30 fps */
  p->n_objects = 12;
  p->detect_every = 3;
  p->noise = 0.04;
  p->miss_rate = 0.1;
  p->fp_rate = 0.3;
  p->size = 1.0;
  p->seed = 20;
}

typedef struct
{
  gfloat w, h;
  gfloat *x, *y; /* per frame; NAN: not in view */
} Path;

static gfloat
iou (gfloat ax, gfloat ay, gfloat aw, gfloat ah, gfloat bx, gfloat by,
    gfloat bw, gfloat bh, gfloat *cover_b)
{
  gfloat x0 = MAX (ax, bx), y0 = MAX (ay, by);
  gfloat x1 = MIN (ax + aw, bx + bw), y1 = MIN (ay + ah, by + bh);
  gfloat inter = (x1 > x0 && y1 > y0) ? (x1 - x0) * (y1 - y0) : 0;

  if (cover_b)
    *cover_b = inter / (bw * bh);
  return inter / (aw * ah + bw * bh - inter);
}

/* moves between random points, sometimes stopping */
static void
random_path (GRand *r, Path *o, guint start, guint end)
{
  gfloat x = g_rand_double_range (r, 0, 1 - o->w);
  gfloat y = g_rand_double_range (r, 0, 1 - o->h);
  guint f = start;

  while (f < end) {
    if (g_rand_double (r) < 0.25) {
      guint stop = g_rand_int_range (r, 20, 80);
      for (guint i = 0; i < stop && f < end; i++, f++) {
        o->x[f] = x;
        o->y[f] = y;
      }
    } else {
      gfloat tx = g_rand_double_range (r, 0, 1 - o->w);
      gfloat ty = g_rand_double_range (r, 0, 1 - o->h);
      gfloat speed = g_rand_double_range (r, 0.002, 0.006);
      guint steps = MAX (1, (guint) (hypot (tx - x, ty - y) / speed));
      gfloat dx = (tx - x) / steps, dy = (ty - y) / steps;
      for (guint i = 0; i < steps && f < end; i++, f++) {
        x += dx;
        y += dy;
        o->x[f] = x;
        o->y[f] = y;
      }
    }
  }
}

/* two people walking towards each other on nearly the same line: the one
 * behind (smaller bottom) is hidden where they overlap */
static void
crossing_pair (Path *a, Path *b, guint n_frames)
{
  guint len = MIN (n_frames, 300);

  a->w = b->w = 0.06f;
  a->h = b->h = 0.18f;
  for (guint f = 0; f < len; f++) {
    a->x[f] = 0.1f + 0.75f * f / len;
    a->y[f] = 0.40f;
    b->x[f] = 0.85f - 0.75f * f / len;
    b->y[f] = 0.43f;
  }
}

static gfloat
gauss (GRand *r)
{
  gdouble u = g_rand_double_range (r, 1e-9, 1.0), v = g_rand_double (r);
  return sqrt (-2 * log (u)) * cos (2 * G_PI * v);
}

static void
add_detection (
    GRand *r, const TsParams *p, GArray *dets, const TsObj *o, gfloat conf)
{
  TsDet d;
  gfloat j = p->noise * o->h;

  d.w = MAX (0.005f, o->w * (1 + p->noise * gauss (r)));
  d.h = MAX (0.005f, o->h * (1 + p->noise * gauss (r)));
  d.x = CLAMP (o->x + o->w / 2 + j * gauss (r) - d.w / 2, 0, 1 - d.w);
  d.y = CLAMP (o->y + o->h / 2 + j * gauss (r) - d.h / 2, 0, 1 - d.h);
  d.confidence = conf;
  d.gt_id = o->id;
  g_array_append_val (dets, d);
}

static void
make_frame (GRand *r, const TsParams *p, TsScene *s, Path *paths, guint f)
{
  GArray *gt = s->gt[f], *dets = s->dets[f];
  gfloat *conf = g_new (gfloat, p->n_objects);
  gboolean *hidden = g_new0 (gboolean, p->n_objects);

  for (guint i = 0; i < p->n_objects; i++)
    conf[i] = g_rand_double_range (r, 0.6, 0.95);
  /* occlusion: the object with the higher bottom edge is farther away */
  for (guint i = 0; i < p->n_objects; i++) {
    for (guint k = 0; k < p->n_objects; k++) {
      Path *a = &paths[i], *b = &paths[k];
      gfloat cover;
      if (i == k || isnan (a->x[f]) || isnan (b->x[f]) ||
          a->y[f] + a->h <= b->y[f] + b->h)
        continue;
      /* a in front of b */
      iou (a->x[f], a->y[f], a->w, a->h, b->x[f], b->y[f], b->w, b->h, &cover);
      if (cover >= 0.6f)
        hidden[k] = TRUE;
      else if (cover >= 0.3f)
        conf[k] = MIN (conf[k], g_rand_double_range (r, 0.15, 0.45));
    }
  }
  for (guint i = 0; i < p->n_objects; i++) {
    TsObj o = { paths[i].x[f], paths[i].y[f], paths[i].w, paths[i].h, i + 1 };
    if (isnan (o.x) || hidden[i])
      continue;
    g_array_append_val (gt, o);
    if (s->inferred[f] && g_rand_double (r) >= p->miss_rate)
      add_detection (r, p, dets, &o, conf[i]);
  }
  /* false positives: a box somewhere, now and then */
  for (guint k = 0; s->inferred[f] && k < 4; k++) {
    if (g_rand_double (r) < p->fp_rate / 4) {
      TsDet d;
      d.w = g_rand_double_range (r, 0.03, 0.08);
      d.h = d.w * 2.5f;
      d.x = g_rand_double_range (r, 0, 1 - d.w);
      d.y = g_rand_double_range (r, 0, 1 - d.h);
      d.confidence = g_rand_double_range (r, 0.3, 0.75);
      d.gt_id = -1;
      g_array_append_val (dets, d);
    }
  }
  g_free (conf);
  g_free (hidden);
}

TsScene *
ts_scene_generate (const TsParams *p)
{
  GRand *r = g_rand_new_with_seed (p->seed);
  TsScene *s = g_new0 (TsScene, 1);
  Path *paths = g_new0 (Path, p->n_objects);
  guint n = p->n_frames;

  s->n_frames = n;
  s->gt = g_new (GArray *, n);
  s->dets = g_new (GArray *, n);
  s->inferred = g_new (gboolean, n);
  for (guint f = 0; f < n; f++) {
    s->gt[f] = g_array_new (FALSE, FALSE, sizeof (TsObj));
    s->dets[f] = g_array_new (FALSE, FALSE, sizeof (TsDet));
    s->inferred[f] = f % p->detect_every == 0;
  }
  for (guint i = 0; i < p->n_objects; i++) {
    Path *o = &paths[i];
    guint start, end;

    o->x = g_new (gfloat, n);
    o->y = g_new (gfloat, n);
    for (guint f = 0; f < n; f++)
      o->x[f] = o->y[f] = NAN;
    o->w = g_rand_double_range (r, 0.04, 0.07) * p->size;
    o->h = o->w * g_rand_double_range (r, 2.2, 3.0);
    start = i < p->n_objects / 2 ? g_rand_int_range (r, 0, n / 4 + 1)
                                 : g_rand_int_range (r, 0, n / 2 + 1);
    end = start + g_rand_int_range (r, n / 3, n + 1); /* MIN evaluates twice */
    end = MIN (n, end);
    random_path (r, o, start, end);
    /* every fourth object leaves the view for a while and comes back */
    if (i % 4 == 3) {
      guint away = start + (end - start) / 2;
      guint len = g_rand_int_range (r, 40, 90);
      for (guint f = away; f < MIN (end, away + len); f++)
        o->x[f] = o->y[f] = NAN;
    }
  }
  if (p->n_objects >= 2) {
    for (guint f = 0; f < n; f++)
      paths[0].x[f] = paths[1].x[f] = paths[0].y[f] = paths[1].y[f] = NAN;
    crossing_pair (&paths[0], &paths[1], n);
  }
  for (guint f = 0; f < n; f++)
    make_frame (r, p, s, paths, f);
  for (guint i = 0; i < p->n_objects; i++) {
    g_free (paths[i].x);
    g_free (paths[i].y);
  }
  g_free (paths);
  g_rand_free (r);
  return s;
}

void
ts_scene_free (TsScene *s)
{
  for (guint f = 0; f < s->n_frames; f++) {
    g_array_unref (s->gt[f]);
    g_array_unref (s->dets[f]);
  }
  g_free (s->gt);
  g_free (s->dets);
  g_free (s->inferred);
  g_free (s);
}

/* ---- scores ---------------------------------------------------------- */

struct _TsEval
{
  TsMetrics m;
  GHashTable *last;  /* gt id -> pred id it was last matched with */
  GHashTable *pairs; /* "gt:pred" -> frames with IoU >= 0.5 */
  GHashTable *gt_ids, *pred_ids;
};

TsEval *
ts_eval_new (void)
{
  TsEval *e = g_new0 (TsEval, 1);

  e->last = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  e->pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  e->gt_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  e->pred_ids = g_hash_table_new_full (
      g_int64_hash, g_int64_equal, g_free, NULL);
  return e;
}

void
ts_eval_free (TsEval *e)
{
  g_hash_table_unref (e->last);
  g_hash_table_unref (e->pairs);
  g_hash_table_unref (e->gt_ids);
  g_hash_table_unref (e->pred_ids);
  g_free (e);
}

static gfloat
obj_iou (const TsObj *a, const TsObj *b)
{
  return iou (a->x, a->y, a->w, a->h, b->x, b->y, b->w, b->h, NULL);
}

static void
note_id (GHashTable *ids, gint64 id)
{
  if (!g_hash_table_contains (ids, &id))
    g_hash_table_add (ids, g_memdup2 (&id, sizeof (id)));
}

static void
count_match (TsEval *e, const TsObj *g, const TsObj *p)
{
  gint64 *last = g_hash_table_lookup (e->last, &g->id);

  e->m.tp++;
  if (last && *last != p->id) {
    e->m.idsw++;
    if (g_getenv ("TS_DEBUG"))
      g_print ("switch at box %" G_GUINT64_FORMAT ": gt %" G_GINT64_FORMAT
               " from track %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
               " (%.3f,%.3f)\n",
          e->m.gt, g->id, *last, p->id, g->x, g->y);
  }
  g_hash_table_replace (
      e->last, g_memdup2 (&g->id, sizeof (gint64)), g_memdup2 (&p->id, 8));
}

void
ts_eval_frame (
    TsEval *e, const TsObj *gt, guint n_gt, const TsObj *pred, guint n_pred)
{
  gboolean *gt_done = g_new0 (gboolean, n_gt + 1);
  gboolean *pred_done = g_new0 (gboolean, n_pred + 1);
  guint matches = 0, nr = 0, nc = 0;
  guint *rows = g_new (guint, n_gt + 1), *cols = g_new (guint, n_pred + 1);
  gfloat *cost;
  gint *assign;

  /* IDF1: every pair that overlaps enough, identities never lost */
  for (guint i = 0; i < n_gt; i++) {
    note_id (e->gt_ids, gt[i].id);
    for (guint k = 0; k < n_pred; k++) {
      if (obj_iou (&gt[i], &pred[k]) >= 0.5f) {
        gchar *key = g_strdup_printf (
            "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, gt[i].id, pred[k].id);
        gpointer v = g_hash_table_lookup (e->pairs, key);
        g_hash_table_replace (
            e->pairs, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (v) + 1));
      }
    }
  }
  for (guint k = 0; k < n_pred; k++)
    note_id (e->pred_ids, pred[k].id);

  /* CLEAR MOT: keep last frame's correspondences that still hold */
  for (guint i = 0; i < n_gt; i++) {
    gint64 *last = g_hash_table_lookup (e->last, &gt[i].id);
    for (guint k = 0; last && k < n_pred; k++) {
      if (!pred_done[k] && pred[k].id == *last &&
          obj_iou (&gt[i], &pred[k]) >= 0.5f) {
        gt_done[i] = pred_done[k] = TRUE;
        count_match (e, &gt[i], &pred[k]);
        matches++;
        break;
      }
    }
  }
  for (guint i = 0; i < n_gt; i++)
    if (!gt_done[i])
      rows[nr++] = i;
  for (guint k = 0; k < n_pred; k++)
    if (!pred_done[k])
      cols[nc++] = k;
  cost = g_new (gfloat, nr * nc + 1);
  assign = g_new (gint, nr + 1);
  for (guint i = 0; i < nr; i++)
    for (guint k = 0; k < nc; k++)
      cost[i * nc + k] = 1.0f - obj_iou (&gt[rows[i]], &pred[cols[k]]);
  axion_track_assign (cost, nr, nc, 0.5001f, assign);
  for (guint i = 0; i < nr; i++) {
    if (assign[i] < 0)
      continue;
    count_match (e, &gt[rows[i]], &pred[cols[assign[i]]]);
    matches++;
  }
  e->m.gt += n_gt;
  e->m.pred += n_pred;
  e->m.fn += n_gt - matches;
  e->m.fp += n_pred - matches;
  g_free (cost);
  g_free (assign);
  g_free (rows);
  g_free (cols);
  g_free (gt_done);
  g_free (pred_done);
}

void
ts_eval_finish (TsEval *e, TsMetrics *m)
{
  guint ng = g_hash_table_size (e->gt_ids),
        np = g_hash_table_size (e->pred_ids);
  GHashTable *gi = g_hash_table_new (g_int64_hash, g_int64_equal);
  GHashTable *pi = g_hash_table_new (g_int64_hash, g_int64_equal);
  gfloat *cost = g_new0 (gfloat, (gsize) ng * np + 1);
  gint *assign = g_new (gint, ng + 1);
  GHashTableIter it;
  gpointer k, v;
  guint n = 0;

  /* dense indices of the identities */
  g_hash_table_iter_init (&it, e->gt_ids);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_hash_table_insert (gi, k, GUINT_TO_POINTER (n++));
  n = 0;
  g_hash_table_iter_init (&it, e->pred_ids);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_hash_table_insert (pi, k, GUINT_TO_POINTER (n++));
  g_hash_table_iter_init (&it, e->pairs);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    gint64 g, p;
    sscanf (k, "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, &g, &p);
    cost[GPOINTER_TO_UINT (g_hash_table_lookup (gi, &g)) * np +
        GPOINTER_TO_UINT (g_hash_table_lookup (pi, &p))] =
        -(gfloat) GPOINTER_TO_UINT (v);
  }
  if (g_getenv ("TS_DEBUG")) {
    g_hash_table_iter_init (&it, e->pairs);
    while (g_hash_table_iter_next (&it, &k, &v))
      g_print ("pair %s: %u\n", (gchar *) k, GPOINTER_TO_UINT (v));
  }
  /* the identity mapping with the most frames in common */
  axion_track_assign (cost, ng, np, -0.5f, assign);
  e->m.idtp = 0;
  for (guint i = 0; i < ng; i++)
    if (assign[i] >= 0)
      e->m.idtp += (guint64) -cost[i * np + assign[i]];
  e->m.n_gt_ids = ng;
  e->m.n_pred_ids = np;
  e->m.mota = e->m.gt
      ? 1.0 - (gdouble) (e->m.fn + e->m.fp + e->m.idsw) / e->m.gt
      : 1.0;
  e->m.idf1 = e->m.gt + e->m.pred ? 2.0 * e->m.idtp / (e->m.gt + e->m.pred)
                                  : 1.0;
  *m = e->m;
  g_hash_table_unref (gi);
  g_hash_table_unref (pi);
  g_free (cost);
  g_free (assign);
}
