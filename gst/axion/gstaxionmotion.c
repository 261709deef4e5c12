/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionmotion
 * @title: axionmotion
 *
 * Motion detection for fixed cameras: a motion score and merged motion
 * regions per frame, motion start/end events with hysteresis, masks and
 * named zones. Passthrough: pixels are never written nor copied.
 *
 * Per frame the luma is box-averaged down to the analysis resolution and
 * compared with an adaptive background (running mean and variance per
 * pixel). Global illumination changes (clouds, auto exposure, flicker) are
 * removed first by fitting the frame to the background with a gain and an
 * offset; a pixel moves when its residual exceeds both `k` running standard
 * deviations and a minimum difference, both from `sensitivity`. Areas with
 * repetitive motion (leaves, water) learn a high variance and stop
 * triggering. A 3x3 majority filter removes isolated pixels; connected
 * components are merged into regions and small ones dropped. When more than
 * `global-change-threshold` of the frame changes at once (lights switching,
 * lightning, a camera moved) the frame is not motion and the background is
 * re-learned.
 *
 * ## Example
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://cam1/stream ! rtph264depay !
 *   h264parse ! avdec_h264 ! videoconvert !
 *   axionmotion camera-id=CAM001 mask="0,0 1,0 1,0.1 0,0.1"
 *     zones="door@0.8:0.6,0.4 0.9,0.4 0.9,1 0.6,1" ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionmotion.h"
#include <gst/axion/gstaxioncpu.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* an AVX2 model pass, chosen at run time (AXION_NO_AVX2=1 turns it off) */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AXION_HAVE_AVX2 1
#include <immintrin.h>
static gboolean use_avx2;
#else
#define AXION_HAVE_AVX2 0
#endif

GST_DEBUG_CATEGORY_STATIC (gst_axion_motion_debug);
#define GST_CAT_DEFAULT gst_axion_motion_debug

/* Per-pixel passes work on PAD pixels at a time with GCC/Clang vector
 * extensions: 16-byte vectors, native on x86-64 (SSE2) and ARM (NEON). */
#define PAD 4         /* pixels per vector */
#define PLANE_PAD 16  /* planes are padded to this many pixels (AVX2) */
#define PF_AHEAD 1024 /* pixels the model pass prefetches ahead */
#define FIT_STEP 4    /* the illumination fit samples 1 row in 4 */
/* the model's mean absolute deviation (update_pass), 1/64 grey level */
#define MAD_TO_SIGMA 1.2533141f /* sqrt (pi / 2) */
#define MAD_MIN 102             /* sigma 2 grey levels */
#define MAD_MAX 1532            /* sigma 30 */
#define MAD_INIT 204            /* sigma 4 */
typedef gfloat v4f __attribute__ ((vector_size (16)));
typedef gint32 v4i __attribute__ ((vector_size (16)));
typedef guint8 v4b __attribute__ ((vector_size (4)));
typedef guint8 v16b __attribute__ ((vector_size (16)));


#define MOTION_ERROR (g_quark_from_static_string ("axionmotion-error"))

#define DEFAULT_SENSITIVITY 0.5
#define DEFAULT_MIN_AREA 0.0005
#define DEFAULT_LEARNING_RATE 0.02
#define DEFAULT_ANALYSIS_WIDTH 320
#define DEFAULT_CONFIRM_FRAMES 2
#define DEFAULT_QUIET_FRAMES 10
#define DEFAULT_GLOBAL_CHANGE 0.5
#define DEFAULT_MERGE_DISTANCE 0.02
#define DEFAULT_MAX_REGIONS 32
#define DEFAULT_POST_MESSAGES TRUE

enum
{
  PROP_0,
  PROP_SENSITIVITY,
  PROP_MIN_AREA,
  PROP_LEARNING_RATE,
  PROP_ANALYSIS_WIDTH,
  PROP_CONFIRM_FRAMES,
  PROP_QUIET_FRAMES,
  PROP_GLOBAL_CHANGE,
  PROP_MERGE_DISTANCE,
  PROP_MAX_REGIONS,
  PROP_MASK,
  PROP_ZONES,
  PROP_POST_MESSAGES,
  PROP_STATS,
};

typedef struct
{
  gdouble *xy; /* normalised x,y pairs */
  guint n;
} Polygon;

typedef struct
{
  gchar *name;
  gdouble sensitivity; /* < 0: the element's */
  GArray *polygons;    /* Polygon */
  /* streaming state */
  guint active_px; /* unmasked pixels in the zone */
  gdouble score;
  guint run, quiet;
  gboolean in_motion;
} Zone;

typedef struct
{
  gint x0, y0, x1, y1; /* inclusive, analysis pixels */
  guint count;
} Box;

typedef struct
{
  gint y, xs, xe; /* row, first and one past the last pixel */
  gint32 label;
} Run;

struct _GstAxionMotion
{
  GstAxionVideoAnalyzer parent;

  /* properties (object lock) */
  gdouble sensitivity;
  gdouble min_area;
  gdouble learning_rate;
  gint analysis_width;
  guint confirm_frames;
  guint quiet_frames;
  gdouble global_change;
  gdouble merge_distance;
  guint max_regions;
  gchar *mask_str;
  gchar *zones_str;
  gboolean post_messages;
  gboolean maps_dirty;

  /* parsed (object lock) */
  GArray *mask_polys; /* Polygon */
  GPtrArray *zones;   /* Zone */

  /* analysis state (streaming thread) */
  gint aw, ah;
  guint8 *arena; /* the per-pixel planes, in one block (alloc_planes) */
  guint8 *cur;
  gint16 *bg, *mad; /* background, mean absolute deviation: 1/64 grey */
  guint8 *zero_row, *hsum, *row_any, *fg2, *prev_fg;
  guint8 *active;       /* 1 = not masked */
  guint16 *kmap;        /* threshold in mean abs deviations, 1/2048 */
  gint16 *mmap;         /* minimum difference per pixel, 1/64 grey */
  gboolean uniform_thr; /* no zone sensitivity: kall/mall everywhere */
  guint16 kall;
  gint16 mall;
  guint64 model_frames; /* frames the model has seen (rate schedule) */
  guint8 *fg;           /* raw foreground, rows packed */
  guint8 *zone_of;      /* zone index + 1, 0 = none */
  guint *row_fg;        /* foreground pixels per row (after the filter) */
  Run *runs;            /* foreground runs of a frame */
  guint max_runs;       /* room in runs */
  gint32 *parent_lbl;   /* union-find over run labels */
  guint active_px;
  gboolean have_bg;
  guint run, quiet;
  gboolean in_motion;
  guint64 continue_count;

  /* stats (object lock) */
  guint64 frames, motion_frames, starts, global_changes, regions_total;
  gdouble last_score;
  gdouble total_ms, cpu_ms;
};

#define gst_axion_motion_parent_class parent_class
G_DEFINE_TYPE (GstAxionMotion, gst_axion_motion, GST_AXION_TYPE_VIDEO_ANALYZER);
GST_ELEMENT_REGISTER_DEFINE (
    axionmotion, "axionmotion", GST_RANK_NONE, GST_TYPE_AXION_MOTION);

/* ---- polygons ---------------------------------------------------------- */

static void
polygon_clear (Polygon *p)
{
  g_free (p->xy);
}

/* "x,y x,y x,y" (normalised 0..1), at least 3 points */
static gboolean
parse_polygon (const gchar *s, Polygon *out, GError **error)
{
  gchar **pts = g_strsplit_set (g_strstrip ((gchar *) s), " \t", -1);
  GArray *xy = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gboolean ok = TRUE;

  for (gchar **p = pts; *p && ok; p++) {
    gchar *end;
    gdouble x, y;
    if (**p == '\0')
      continue;
    x = g_ascii_strtod (*p, &end);
    if (*end != ',') {
      ok = FALSE;
      break;
    }
    y = g_ascii_strtod (end + 1, &end);
    if (*end != '\0' || !(x >= 0 && x <= 1 && y >= 0 && y <= 1)) {
      ok = FALSE;
      break;
    }
    g_array_append_val (xy, x);
    g_array_append_val (xy, y);
  }
  g_strfreev (pts);
  if (!ok || xy->len < 6) {
    g_set_error (error, MOTION_ERROR, 0,
        "polygon \"%s\": expected at least 3 points \"x,y\" with x and y "
        "in 0..1 (fractions of the frame), separated by spaces",
        s);
    g_array_free (xy, TRUE);
    return FALSE;
  }
  out->n = xy->len / 2;
  out->xy = (gdouble *) g_array_free (xy, FALSE);
  return TRUE;
}

static GArray *
new_polygon_array (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (Polygon));
  g_array_set_clear_func (a, (GDestroyNotify) polygon_clear);
  return a;
}

/* "poly; poly; ..." */
static GArray *
parse_mask (const gchar *s, GError **error)
{
  GArray *polys = new_polygon_array ();
  gchar **parts;

  if (s == NULL)
    return polys;
  parts = g_strsplit (s, ";", -1);
  for (gchar **p = parts; *p; p++) {
    Polygon poly;
    if (g_strstrip (*p)[0] == '\0')
      continue;
    if (!parse_polygon (*p, &poly, error)) {
      g_strfreev (parts);
      g_array_free (polys, TRUE);
      return NULL;
    }
    g_array_append_val (polys, poly);
  }
  g_strfreev (parts);
  return polys;
}

static void
zone_free (Zone *z)
{
  g_free (z->name);
  g_array_free (z->polygons, TRUE);
  g_free (z);
}

/* "name[@sensitivity]:poly[|poly]; ..." */
static GPtrArray *
parse_zones (const gchar *s, GError **error)
{
  GPtrArray *zones = g_ptr_array_new_with_free_func (
      (GDestroyNotify) zone_free);
  gchar **parts;

  if (s == NULL)
    return zones;
  parts = g_strsplit (s, ";", -1);
  for (gchar **p = parts; *p; p++) {
    gchar *colon, *at, **polys;
    Zone *z;

    if (g_strstrip (*p)[0] == '\0')
      continue;
    colon = strchr (*p, ':');
    if (colon == NULL || colon == *p) {
      g_set_error (error, MOTION_ERROR, 0,
          "zone \"%s\": expected name[@sensitivity]:x,y x,y x,y", *p);
      goto fail;
    }
    *colon = '\0';
    z = g_new0 (Zone, 1);
    z->polygons = new_polygon_array ();
    z->sensitivity = -1;
    at = strchr (*p, '@');
    if (at) {
      gchar *end;
      *at = '\0';
      z->sensitivity = g_ascii_strtod (at + 1, &end);
      if (*end != '\0' || !(z->sensitivity >= 0 && z->sensitivity <= 1)) {
        g_set_error (error, MOTION_ERROR, 0,
            "zone \"%s\": sensitivity \"%s\" must be 0..1", *p, at + 1);
        zone_free (z);
        goto fail;
      }
    }
    z->name = g_strdup (g_strstrip (*p));
    if (z->name[0] == '\0' || zones->len >= 254) {
      g_set_error (error, MOTION_ERROR, 0,
          "zone names must not be empty; at most 254 zones");
      zone_free (z);
      goto fail;
    }
    polys = g_strsplit (colon + 1, "|", -1);
    for (gchar **q = polys; *q; q++) {
      Polygon poly;
      if (!parse_polygon (*q, &poly, error)) {
        g_strfreev (polys);
        zone_free (z);
        goto fail;
      }
      g_array_append_val (z->polygons, poly);
    }
    g_strfreev (polys);
    g_ptr_array_add (zones, z);
  }
  g_strfreev (parts);
  return zones;

fail:
  g_strfreev (parts);
  g_ptr_array_unref (zones);
  return NULL;
}

static gboolean
point_in_polygon (const Polygon *p, gdouble x, gdouble y)
{
  gboolean in = FALSE;

  for (guint i = 0, j = p->n - 1; i < p->n; j = i++) {
    gdouble xi = p->xy[2 * i], yi = p->xy[2 * i + 1];
    gdouble xj = p->xy[2 * j], yj = p->xy[2 * j + 1];
    if (((yi > y) != (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi))
      in = !in;
  }
  return in;
}

static gboolean
in_any (GArray *polys, gdouble x, gdouble y)
{
  for (guint i = 0; i < polys->len; i++)
    if (point_in_polygon (&g_array_index (polys, Polygon, i), x, y))
      return TRUE;
  return FALSE;
}

/* sensitivity 0..1 -> threshold in std devs and minimum difference */
static void
sensitivity_params (gdouble s, gfloat *k, gfloat *mind)
{
  *k = (gfloat) (6.0 - 4.0 * s);      /* 0.5 -> 4 sigma */
  *mind = (gfloat) (24.0 - 20.0 * s); /* 0.5 -> 14 levels */
}

/* the threshold factor in the model's fixed point (see update_pass) */
static guint16
k_fixed (gfloat k)
{
  return (guint16) lrintf (k * MAD_TO_SIGMA * 2048.0f);
}

static gint16
m_fixed (gfloat mind)
{
  return (gint16) lrintf (mind * 64.0f);
}

/* Rebuild mask, zone and threshold maps. Object lock held. */
static void
rebuild_maps (GstAxionMotion *self)
{
  gint aw = self->aw, ah = self->ah;
  gfloat k, mind;

  sensitivity_params (self->sensitivity, &k, &mind);
  self->uniform_thr = TRUE;
  self->kall = k_fixed (k);
  self->mall = m_fixed (mind);
  self->active_px = 0;
  for (guint z = 0; self->zones && z < self->zones->len; z++)
    ((Zone *) g_ptr_array_index (self->zones, z))->active_px = 0;

  for (gint y = 0; y < ah; y++) {
    for (gint x = 0; x < aw; x++) {
      gint i = y * aw + x;
      gdouble nx = (x + 0.5) / aw, ny = (y + 0.5) / ah;
      gboolean act = !(self->mask_polys && in_any (self->mask_polys, nx, ny));

      self->active[i] = act;
      self->kmap[i] = self->kall;
      self->mmap[i] = self->mall;
      self->zone_of[i] = 0;
      if (!act)
        continue;
      self->active_px++;
      for (guint z = 0; self->zones && z < self->zones->len; z++) {
        Zone *zone = g_ptr_array_index (self->zones, z);
        if (in_any (zone->polygons, nx, ny)) {
          self->zone_of[i] = z + 1;
          zone->active_px++;
          if (zone->sensitivity >= 0) {
            gfloat zk, zm;
            sensitivity_params (zone->sensitivity, &zk, &zm);
            self->kmap[i] = k_fixed (zk);
            self->mmap[i] = m_fixed (zm);
            self->uniform_thr = FALSE;
          }
          break;
        }
      }
    }
  }
  self->maps_dirty = FALSE;
}

static void
free_buffers (GstAxionMotion *self)
{
  /* the planes live in the arena */
  free (self->arena);
  self->arena = NULL;
  self->cur = self->hsum = self->fg = self->fg2 = self->prev_fg = NULL;
  self->active = self->zone_of = NULL;
  self->bg = self->mad = self->mmap = NULL;
  self->kmap = NULL;
  g_clear_pointer (&self->zero_row, g_free);
  g_clear_pointer (&self->row_any, g_free);
  g_clear_pointer (&self->row_fg, g_free);
  g_clear_pointer (&self->runs, g_free);
  g_clear_pointer (&self->parent_lbl, g_free);
  self->aw = self->ah = 0;
}

/* The per-pixel planes (about 16 bytes per analysis pixel: ~0.9 MB at
 * 320x180) in one zeroed block. Every frame walks all of them; with many
 * cameras they come from memory each time, and with 4 KiB pages each
 * page costs a TLB miss too (a two-level walk under virtualisation). A
 * block of 512 KiB or more is 2 MiB-aligned and asks for transparent huge
 * pages (MADV_HUGEPAGE; kernels without them ignore it). */
#define ARENA_HUGE (2 * 1024 * 1024)

static void
alloc_planes (GstAxionMotion *self, gsize n)
{
  /* bytes per pixel of each plane, in the order they are carved */
  static const guint widths[] = { 1, 2, 2, 1, 1, 1, 1, 1, 2, 2, 1 };
  guint8 **planes[] = { &self->cur, (guint8 **) &self->bg,
    (guint8 **) &self->mad, &self->hsum, &self->fg, &self->fg2, &self->prev_fg,
    &self->active, (guint8 **) &self->kmap, (guint8 **) &self->mmap,
    &self->zone_of };
  gsize total = 0, off = 0, align = 64;
  gpointer p = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    total += GST_ROUND_UP_64 (n * widths[i]);
  if (total >= ARENA_HUGE / 4) {
    align = ARENA_HUGE;
    total = (total + ARENA_HUGE - 1) / ARENA_HUGE * ARENA_HUGE;
  }
  if (posix_memalign (&p, align, total) != 0)
    g_error ("axionmotion: out of memory (%" G_GSIZE_FORMAT " bytes)", total);
#ifdef MADV_HUGEPAGE
  if (align == ARENA_HUGE)
    madvise (p, total, MADV_HUGEPAGE);
#endif
  memset (p, 0, total);
  self->arena = p;
  for (guint i = 0; i < G_N_ELEMENTS (widths); i++) {
    *planes[i] = self->arena + off;
    off += GST_ROUND_UP_64 (n * widths[i]);
  }
}

static gboolean
gst_axion_motion_set_info (GstVideoFilter *vf, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info)
{
  GstAxionMotion *self = GST_AXION_MOTION (vf);
  gint w = GST_VIDEO_INFO_WIDTH (in_info), h = GST_VIDEO_INFO_HEIGHT (in_info);
  gint aw, ah;
  gsize n;

  if (!gst_axion_luma_format_supported (GST_VIDEO_INFO_FORMAT (in_info)) ||
      w < 1 || h < 1) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("unsupported video format %s %dx%d",
            gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info)), w,
            h));
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  aw = MIN (self->analysis_width, w);
  ah = MAX (1, (gint) ((gint64) h * aw / w));
  ah = MIN (ah, h);
  if (aw != self->aw || ah != self->ah) {
    free_buffers (self);
    self->aw = aw;
    self->ah = ah;
    /* per-pixel planes are padded to whole vectors (PAD pixels); the
     * padding is zero, i.e. masked */
    n = ((gsize) aw * ah + PLANE_PAD - 1) / PLANE_PAD * PLANE_PAD;
    alloc_planes (self, n);
    self->zero_row = g_malloc0 (aw);
    self->row_any = g_malloc0 (ah);
    self->row_fg = g_new0 (guint, ah);
    /* at most ceil (aw / 2) runs per row */
    self->max_runs = (guint) ((aw + 1) / 2) * ah;
    self->runs = g_new (Run, self->max_runs);
    self->parent_lbl = g_new (gint32, self->max_runs + 2);
    self->have_bg = FALSE;
  }
  rebuild_maps (self);
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "analysing %dx%d at %dx%d", w, h, aw, ah);
  return TRUE;
}

static gboolean
gst_axion_motion_start (GstBaseTransform *bt)
{
  GstAxionMotion *self = GST_AXION_MOTION (bt);

  self->have_bg = FALSE;
  self->run = self->quiet = 0;
  self->in_motion = FALSE;
  GST_OBJECT_LOCK (self);
  self->frames = self->motion_frames = self->starts = 0;
  self->global_changes = self->regions_total = 0;
  self->last_score = 0;
  self->total_ms = self->cpu_ms = 0;
  GST_OBJECT_UNLOCK (self);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->start (bt);
}

static gboolean
gst_axion_motion_stop (GstBaseTransform *bt)
{
  GstAxionMotion *self = GST_AXION_MOTION (bt);

  GST_OBJECT_LOCK (self);
  free_buffers (self);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* ---- connected components -------------------------------------------- */

static gint32
uf_find (gint32 *p, gint32 x)
{
  while (p[x] != x) {
    p[x] = p[p[x]];
    x = p[x];
  }
  return x;
}

/* Label 4-connected foreground, return boxes (fg pixel count per box). */
static GArray *
find_boxes (GstAxionMotion *self, const guint8 *fg)
{
  gint aw = self->aw, ah = self->ah;
  gint32 *par = self->parent_lbl;
  gint32 next = 1, max_labels = self->max_runs + 1;
  Run *runs = self->runs;
  guint nruns = 0, prev_start = 0, prev_end = 0;
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (Box));
  gint32 *map;

  /* Run-based labelling: horizontal runs of foreground, each joined with
   * the runs of the row above that it touches (4-connected). Rows without
   * foreground are skipped, and runs of 8 still pixels a word at a time. */
  par[0] = 0;
  for (gint y = 0; y < ah; y++) {
    const guint8 *row = fg + (gsize) y * aw;
    guint cur_start = nruns, p = prev_start;

    if (self->row_fg[y] == 0) {
      prev_start = prev_end = nruns;
      continue;
    }
    for (gint x = 0; x < aw; x++) {
      gint xs, xe;
      gint32 label = 0;
      guint q;
      if (x + 8 <= aw) {
        guint64 word;
        memcpy (&word, row + x, 8);
        if (word == 0) {
          x += 7;
          continue;
        }
      }
      if (!row[x])
        continue;
      xs = x;
      xe = x + 1;
      while (xe < aw && row[xe])
        xe++;
      /* runs above that overlap [xs, xe) */
      while (p < prev_end && runs[p].xe <= xs)
        p++;
      for (q = p; q < prev_end && runs[q].xs < xe; q++) {
        gint32 l = uf_find (par, runs[q].label);
        if (label == 0) {
          label = l;
        } else if (l != label) {
          gint32 lo = MIN (l, label), hi = MAX (l, label);
          par[hi] = lo;
          label = lo;
        }
      }
      if (q > p)
        p = q - 1; /* the last one may touch the next run too */
      if (label == 0) {
        if (next >= max_labels)
          break; /* cannot happen: at most one label per run */
        par[next] = next;
        label = next++;
      }
      runs[nruns].y = y;
      runs[nruns].xs = xs;
      runs[nruns].xe = xe;
      runs[nruns].label = label;
      nruns++;
      x = xe; /* row[xe] is still (or the end) */
    }
    prev_start = cur_start;
    prev_end = nruns;
  }

  map = g_new0 (gint32, next);
  for (guint k = 0; k < nruns; k++) {
    const Run *r = &runs[k];
    gint32 root = uf_find (par, r->label);
    Box *b;
    if (!map[root]) {
      Box nb = { r->xs, r->y, r->xe - 1, r->y, 0 };
      g_array_append_val (boxes, nb);
      map[root] = boxes->len;
    }
    b = &g_array_index (boxes, Box, map[root] - 1);
    b->x0 = MIN (b->x0, r->xs);
    b->x1 = MAX (b->x1, r->xe - 1);
    b->y0 = MIN (b->y0, r->y);
    b->y1 = MAX (b->y1, r->y);
    b->count += r->xe - r->xs;
  }
  g_free (map);
  return boxes;
}

static gint
box_gap (const Box *a, const Box *b)
{
  gint dx = MAX (0, MAX (a->x0, b->x0) - MIN (a->x1, b->x1) - 1);
  gint dy = MAX (0, MAX (a->y0, b->y0) - MIN (a->y1, b->y1) - 1);
  return MAX (dx, dy);
}

static gint
cmp_box_count (gconstpointer a, gconstpointer b)
{
  const Box *x = a, *y = b;
  return (y->count > x->count) - (y->count < x->count);
}

static void
merge_boxes (GArray *boxes, gint dist)
{
  gboolean merged = TRUE;

  while (merged) {
    merged = FALSE;
    for (guint i = 0; i < boxes->len; i++) {
      for (guint j = i + 1; j < boxes->len; j++) {
        Box *a = &g_array_index (boxes, Box, i);
        Box *b = &g_array_index (boxes, Box, j);
        if (box_gap (a, b) <= dist) {
          a->x0 = MIN (a->x0, b->x0);
          a->y0 = MIN (a->y0, b->y0);
          a->x1 = MAX (a->x1, b->x1);
          a->y1 = MAX (a->y1, b->y1);
          a->count += b->count;
          g_array_remove_index_fast (boxes, j);
          merged = TRUE;
          j--;
        }
      }
    }
  }
}

/* ---- vectors ------------------------------------------------------------ */

/* PAD bytes widened to 32-bit lanes (SSE2 unpacks where there are; GCC
 * lowers __builtin_convertvector of bytes lane by lane) */
static inline v4i
load4b (const guint8 *p)
{
#if defined(__SSE2__)
  gint32 w;
  __m128i x, z = _mm_setzero_si128 ();
  memcpy (&w, p, sizeof (w));
  x = _mm_cvtsi32_si128 (w);
  return (v4i) _mm_unpacklo_epi16 (_mm_unpacklo_epi8 (x, z), z);
#else
  v4b b;
  memcpy (&b, p, sizeof (b));
  return __builtin_convertvector(b, v4i);
#endif
}

static inline v16b
load16b (const guint8 *p)
{
  v16b v;
  memcpy (&v, p, sizeof (v));
  return v;
}

static inline void
store16b (guint8 *p, v16b v)
{
  memcpy (p, &v, sizeof (v));
}

/* ---- per frame --------------------------------------------------------- */

static void
post_motion_message (GstAxionMotion *self, const gchar *event,
    const gchar *zone, GstAxionFrameMeta *meta, GstClockTime pts, gdouble score,
    guint n_regions, gint64 event_id)
{
  GstStructure *s = gst_structure_new ("axion-motion", "event", G_TYPE_STRING,
      event, "score", G_TYPE_DOUBLE, score, "regions", G_TYPE_UINT, n_regions,
      NULL);

  if (zone)
    gst_structure_set (s, "zone", G_TYPE_STRING, zone, NULL);
  gst_axion_video_analyzer_post_frame_message (
      GST_AXION_VIDEO_ANALYZER (self), s, meta, pts, event_id);
}

/* hysteresis: returns the motion state of this frame */
static GstAxionMotionState
step_state (gboolean motion, guint confirm, guint quiet_needed, guint *run,
    guint *quiet, gboolean *in_motion)
{
  if (!*in_motion) {
    *run = motion ? *run + 1 : 0;
    if (*run >= MAX (confirm, 1)) {
      *in_motion = TRUE;
      *quiet = 0;
      return GST_AXION_MOTION_STATE_START;
    }
    return GST_AXION_MOTION_STATE_IDLE;
  }
  *quiet = motion ? 0 : *quiet + 1;
  if (*quiet >= MAX (quiet_needed, 1)) {
    *in_motion = FALSE;
    *run = 0;
    return GST_AXION_MOTION_STATE_END;
  }
  return GST_AXION_MOTION_STATE_CONTINUE;
}

/* The model in 16-bit fixed point: background and mean absolute deviation
 * in 1/64 grey level (Q6), learning rates in Q15. Eight bytes per pixel of
 * float state became four, and an AVX2 register holds 16 pixels.
 *
 * Per pixel: predicted = gain * bg + off; d = |frame - predicted|;
 * foreground when d > max (k * sigma, m), sigma estimated as
 * sqrt (pi / 2) * mad (exact for Gaussian noise; the factor is folded into
 * k). Background pixels: bg += rate * (frame - bg) and
 * mad += rate * (d - mad), mad kept within [MAD_MIN, MAD_MAX]; foreground
 * pixels learn at the foreground rate, mad unchanged.
 *
 * The operations are those of the AVX2 instructions (pmulhuw, pmulhrsw,
 * saturating adds), written out for the portable pass, so both give the
 * same model bit for bit. */

typedef struct
{
  guint16 gain;   /* Q14 */
  gint16 off;     /* Q6 */
  gint16 rate;    /* background pixels, Q15 (0: not this frame) */
  gint16 rate_fg; /* foreground pixels, Q15 */
} ModelStep;

static inline gint16
sat16 (gint32 v)
{
  return (gint16) CLAMP (v, G_MININT16, G_MAXINT16);
}

/* pmulhuw */
static inline gint16
mulhi_u16 (guint16 a, guint16 b)
{
  return (gint16) (guint16) (((guint32) a * b) >> 16);
}

/* pmulhrsw */
static inline gint16
mulhrs16 (gint16 a, gint16 b)
{
  return (gint16) (((gint32) a * b + 0x4000) >> 15);
}

/* Foreground test and model update over n pixels (see analyze); returns
 * the number of foreground pixels. Specialised for uniform thresholds (no
 * threshold maps to read). */
/* A learning rate as this frame's Q15 rate. Rates below 1/64 would move a
 * 1/64-level background by less than half a step per frame for most
 * differences and round to nothing: they are applied every k-th frame,
 * k times over (the same exponential average, sampled). */
static gint16
model_rate (gfloat alpha, guint64 frame)
{
  guint every = 1;

  if (alpha < 1.0f / 64)
    every = (guint) ceilf ((1.0f / 64) / alpha);
  if (frame % every != 0)
    return 0;
  return (gint16) MIN (lrintf (alpha * every * 32768.0f), G_MAXINT16);
}

static inline __attribute__ ((always_inline)) guint
update_pass_body (
    GstAxionMotion *self, gsize n, const ModelStep *st, const gboolean uniform)
{
  const guint8 *restrict active = self->active, *restrict cur = self->cur;
  const guint16 *restrict kmap = self->kmap;
  const gint16 *restrict mmap = self->mmap;
  gint16 *restrict bg = self->bg, *restrict mad = self->mad;
  guint8 *restrict fg = self->fg;
  const guint16 kall = self->kall;
  const gint16 mall = self->mall;
  guint changed = 0;

  for (gsize i = 0; i < n; i++) {
    gint16 a = (gint16) (cur[i] << 6), b = bg[i], m = mad[i];
    gint16 pred = sat16 (mulhi_u16 ((guint16) (b << 2), st->gain) + st->off);
    gint16 d = (gint16) ABS (sat16 (a - pred));
    gint16 thr = MAX (mulhi_u16 ((guint16) (m << 5), uniform ? kall : kmap[i]),
        uniform ? mall : mmap[i]);
    gboolean act = active[i] != 0, f = act && d > thr, still = act && !f;
    gint16 rate = f ? st->rate_fg : still ? st->rate : 0;

    bg[i] = (gint16) (b + mulhrs16 ((gint16) (a - b), rate));
    m = (gint16) (m + mulhrs16 (sat16 (d - m), still ? st->rate : 0));
    mad[i] = CLAMP (m, MAD_MIN, MAD_MAX);
    fg[i] = f;
    changed += f;
  }
  return changed;
}

static guint
update_pass (GstAxionMotion *self, gsize n, const ModelStep *st)
{
  if (self->uniform_thr)
    return update_pass_body (self, n, st, TRUE);
  return update_pass_body (self, n, st, FALSE);
}

#if AXION_HAVE_AVX2
/* The same, 16 pixels at a time, for CPUs with AVX2 (chosen at run
 * time). */
static inline __attribute__ ((always_inline, target ("avx2"))) guint
update_pass_avx2_body (
    GstAxionMotion *self, gsize n, const ModelStep *st, const gboolean uniform)
{
  const __m256i vgain = _mm256_set1_epi16 ((gint16) st->gain);
  const __m256i voff = _mm256_set1_epi16 (st->off);
  const __m256i vrate = _mm256_set1_epi16 (st->rate);
  const __m256i vrate_fg = _mm256_set1_epi16 (st->rate_fg);
  const __m256i vk = _mm256_set1_epi16 ((gint16) self->kall);
  const __m256i vm = _mm256_set1_epi16 (self->mall);
  const __m256i vmin = _mm256_set1_epi16 (MAD_MIN);
  const __m256i vmax = _mm256_set1_epi16 (MAD_MAX);
  const __m256i zero = _mm256_setzero_si256 (), ones = _mm256_set1_epi16 (1);
  const __m128i one8 = _mm_set1_epi8 (1);
  const guint8 *restrict active = self->active, *restrict cur = self->cur;
  const guint16 *restrict kmap = self->kmap;
  const gint16 *restrict mmap = self->mmap;
  gint16 *restrict bg = self->bg, *restrict mad = self->mad;
  guint8 *restrict fg = self->fg;
  __m256i vchanged = zero;
  gint32 lanes[8];
  guint changed = 0;

  for (gsize i = 0; i < n; i += 16) {
    if ((i & 63) == 0) {
      /* the model streams from memory: ask for it ahead (the prefetcher
       * alone leaves this pass waiting on it) */
      __builtin_prefetch (bg + i + PF_AHEAD);
      __builtin_prefetch (bg + i + PF_AHEAD + 32);
      __builtin_prefetch (mad + i + PF_AHEAD);
      __builtin_prefetch (mad + i + PF_AHEAD + 32);
      __builtin_prefetch (active + i + PF_AHEAD);
    }
    __m256i act = _mm256_cmpgt_epi16 (
        _mm256_cvtepu8_epi16 (_mm_loadu_si128 ((const __m128i *) (active + i))),
        zero);
    __m256i a = _mm256_slli_epi16 (
        _mm256_cvtepu8_epi16 (_mm_loadu_si128 ((const __m128i *) (cur + i))),
        6);
    __m256i b = _mm256_loadu_si256 ((const __m256i *) (bg + i));
    __m256i m = _mm256_loadu_si256 ((const __m256i *) (mad + i));
    __m256i pred = _mm256_adds_epi16 (
        _mm256_mulhi_epu16 (_mm256_slli_epi16 (b, 2), vgain), voff);
    __m256i d = _mm256_abs_epi16 (_mm256_subs_epi16 (a, pred));
    __m256i thr = _mm256_max_epi16 (
        _mm256_mulhi_epu16 (_mm256_slli_epi16 (m, 5),
            uniform ? vk : _mm256_loadu_si256 ((const __m256i *) (kmap + i))),
        uniform ? vm : _mm256_loadu_si256 ((const __m256i *) (mmap + i)));
    __m256i f = _mm256_and_si256 (_mm256_cmpgt_epi16 (d, thr), act);
    __m256i still = _mm256_andnot_si256 (f, act);
    __m256i rs = _mm256_and_si256 (still, vrate);
    __m256i rate = _mm256_or_si256 (_mm256_and_si256 (f, vrate_fg), rs);
    __m128i f8;

    _mm256_storeu_si256 ((__m256i *) (bg + i),
        _mm256_add_epi16 (
            b, _mm256_mulhrs_epi16 (_mm256_sub_epi16 (a, b), rate)));
    m = _mm256_add_epi16 (
        m, _mm256_mulhrs_epi16 (_mm256_subs_epi16 (d, m), rs));
    _mm256_storeu_si256 ((__m256i *) (mad + i),
        _mm256_min_epi16 (_mm256_max_epi16 (m, vmin), vmax));
    f8 = _mm_packs_epi16 (
        _mm256_castsi256_si128 (f), _mm256_extracti128_si256 (f, 1));
    _mm_storeu_si128 ((__m128i *) (fg + i), _mm_and_si128 (f8, one8));
    /* f is 0 or -1 per pixel: pair sums of -f in 32-bit lanes */
    vchanged = _mm256_sub_epi32 (vchanged, _mm256_madd_epi16 (f, ones));
  }
  _mm256_storeu_si256 ((__m256i *) lanes, vchanged);
  for (gint k = 0; k < 8; k++)
    changed += (guint) lanes[k];
  return changed;
}

__attribute__ ((target ("avx2"))) static guint
update_pass_avx2 (GstAxionMotion *self, gsize n, const ModelStep *st)
{
  if (self->uniform_thr)
    return update_pass_avx2_body (self, n, st, TRUE);
  return update_pass_avx2_body (self, n, st, FALSE);
}
#endif

/* Sums for the global gain/offset fit of the frame to the background, over
 * pixels that were background in the previous frame: a, b, a², b², ab and
 * their count (a: frame, b: background). A global statistic: every
 * FIT_STEP-th row (a quarter of the frame, spread evenly, and a quarter of
 * the memory) gives the same fit. Eight pixels a time (the row's span
 * widened to whole vectors), float partial sums per row added up in
 * double. One body for the baseline and the AVX2 build: the same results
 * bit for bit. */
typedef gfloat v8f __attribute__ ((vector_size (32)));
typedef gint32 v8i __attribute__ ((vector_size (32)));
typedef guint8 v8b __attribute__ ((vector_size (8)));

/* WIDEN8 (p): the 8 bytes at p as floats; WIDEN16 (p): the 8 16-bit
 * values at p. GCC's generic widening goes lane by lane (or through the
 * stack), so each build gives its own: SSE2 unpacks, or AVX2 pmovzx/sx.
 * The background is in 1/64 grey levels: scaled by a power of two, so the
 * sums are exactly those of grey levels. */
#define FIT_SUMS_BODY(WIDEN8, WIDEN16)                                         \
  const v8f one = { 1, 1, 1, 1, 1, 1, 1, 1 };                                  \
  gdouble s[6] = { 0 };                                                        \
                                                                               \
  for (gint y = 0; y < self->ah; y += FIT_STEP) {                              \
    gsize i0 = (gsize) y * self->aw / 8 * 8;                                   \
    gsize i1 = MIN (n, ((gsize) (y + 1) * self->aw + 7) / 8 * 8);              \
    v8f ra = { 0 }, rb = ra, raa = ra, rbb = ra, rab = ra, rc = ra;            \
                                                                               \
    if (y + FIT_STEP < self->ah) {                                             \
      /* the next row of the fit from memory while this one is summed */       \
      gsize p0 = (gsize) (y + FIT_STEP) * self->aw;                            \
      for (gsize p = p0; p < p0 + self->aw; p += 64) {                         \
        __builtin_prefetch (self->bg + p);                                     \
        __builtin_prefetch (self->bg + p + 32);                                \
        __builtin_prefetch (self->active + p);                                 \
        __builtin_prefetch (self->prev_fg + p);                                \
      }                                                                        \
    }                                                                          \
    for (gsize i = i0; i < i1; i += 8) {                                       \
      v8b act, pfg;                                                            \
      v8f a, b, wt, av, bv;                                                    \
      v8i wm;                                                                  \
                                                                               \
      memcpy (&act, self->active + i, 8);                                      \
      memcpy (&pfg, self->prev_fg + i, 8);                                     \
      b = WIDEN16 (self->bg + i) * (1.0f / 64);                                \
      wm = __builtin_convertvector((act != 0) & (pfg == 0), v8i);              \
      wt = (v8f) (wm & (v8i) one);                                             \
      a = WIDEN8 (self->cur + i);                                              \
      av = a * wt;                                                             \
      bv = b * wt;                                                             \
      ra += av;                                                                \
      rb += bv;                                                                \
      raa += av * a;                                                           \
      rbb += bv * b;                                                           \
      rab += av * b;                                                           \
      rc += wt;                                                                \
    }                                                                          \
    for (gint k = 0; k < 8; k++) {                                             \
      s[0] += ra[k];                                                           \
      s[1] += rb[k];                                                           \
      s[2] += raa[k];                                                          \
      s[3] += rbb[k];                                                          \
      s[4] += rab[k];                                                          \
      s[5] += rc[k];                                                           \
    }                                                                          \
  }                                                                            \
  memcpy (out, s, sizeof (s))

#define WIDEN8_GENERIC(p)                                                      \
  __builtin_shufflevector (__builtin_convertvector(load4b (p), v4f),           \
      __builtin_convertvector(load4b ((p) + 4), v4f), 0, 1, 2, 3, 4, 5, 6, 7)

typedef gint16 v8s __attribute__ ((vector_size (16)));

/* the 8 16-bit values at p as floats (SSE2 unpacks where there are) */
#if defined(__SSE2__)
static inline __m128i
load16s (const gint16 *p)
{
  return _mm_loadu_si128 ((const __m128i *) p);
}

#define WIDEN16_GENERIC(p)                                                     \
  __builtin_shufflevector (                                                    \
      (v4f) _mm_cvtepi32_ps (                                                  \
          _mm_srai_epi32 (_mm_unpacklo_epi16 (load16s (p), load16s (p)), 16)), \
      (v4f) _mm_cvtepi32_ps (                                                  \
          _mm_srai_epi32 (_mm_unpackhi_epi16 (load16s (p), load16s (p)), 16)), \
      0, 1, 2, 3, 4, 5, 6, 7)
#else
static inline v8s
load8s (const gint16 *p)
{
  v8s x;
  memcpy (&x, p, sizeof (x));
  return x;
}

#define WIDEN16_GENERIC(p) __builtin_convertvector(load8s (p), v8f)
#endif

static void
fit_sums (const GstAxionMotion *self, gsize n, gdouble out[6])
{
  FIT_SUMS_BODY (WIDEN8_GENERIC, WIDEN16_GENERIC);
}

#if AXION_HAVE_AVX2
#define WIDEN8_AVX2(p)                                                         \
  ((v8f) _mm256_cvtepi32_ps (                                                  \
      _mm256_cvtepu8_epi32 (_mm_loadl_epi64 ((const __m128i *) (p)))))

#define WIDEN16_AVX2(p)                                                        \
  ((v8f) _mm256_cvtepi32_ps (                                                  \
      _mm256_cvtepi16_epi32 (_mm_loadu_si128 ((const __m128i *) (p)))))

__attribute__ ((target ("avx2"))) static void
fit_sums_avx2 (const GstAxionMotion *self, gsize n, gdouble out[6])
{
  FIT_SUMS_BODY (WIDEN8_AVX2, WIDEN16_AVX2);
}
#endif

static GstFlowReturn
gst_axion_motion_analyze (GstAxionVideoAnalyzer *analyzer, GstVideoFrame *frame,
    GstAxionFrameMeta *meta)
{
  GstAxionMotion *self = GST_AXION_MOTION (analyzer);
  gint64 t0 = g_get_monotonic_time (), c0 = gst_axion_thread_cpu_us ();
  gint aw, ah, w = GST_VIDEO_FRAME_WIDTH (frame),
               h = GST_VIDEO_FRAME_HEIGHT (frame);
  gsize n;
  gfloat alpha, alpha_fg;
  gdouble global_change, min_area, merge_dist;
  guint confirm, quiet_needed, max_regions, changed = 0, fg_count = 0;
  gboolean post;
  gdouble sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, cnt = 0;
  gfloat gain = 1, off = 0;
  GArray *boxes = NULL;
  guint n_regions = 0;
  gdouble score;
  gboolean is_global = FALSE, motion;
  GstAxionMotionState state;
  GstBuffer *buf = frame->buffer;
  GstClockTime pts = GST_BUFFER_PTS (buf);

  GST_OBJECT_LOCK (self);
  if (self->maps_dirty)
    rebuild_maps (self);
  alpha = (gfloat) self->learning_rate;
  global_change = self->global_change;
  min_area = self->min_area;
  merge_dist = self->merge_distance;
  confirm = self->confirm_frames;
  quiet_needed = self->quiet_frames;
  max_regions = self->max_regions;
  post = self->post_messages;
  GST_OBJECT_UNLOCK (self);

  aw = self->aw;
  ah = self->ah;
  n = ((gsize) aw * ah + PLANE_PAD - 1) / PLANE_PAD * PLANE_PAD;
  alpha_fg = alpha / 20.0f;

  /* one row per block, every column of it (gstaxionluma.c) */
  gst_axion_luma_downscale_fast (frame, self->cur, aw, ah);

  if (!self->have_bg) {
    for (gsize i = 0; i < n; i++) {
      self->bg[i] = (gint16) (self->cur[i] << 6);
      self->mad[i] = MAD_INIT;
      self->prev_fg[i] = 0;
    }
    self->have_bg = TRUE;
  }

  /* The per-pixel passes work on whole vectors (GCC/Clang vector
   * extensions or AVX2); planes are padded with masked pixels to
   * PLANE_PAD, so no tail loop. */

  /* global gain/offset fit of the frame to the background (fit_sums) */
  {
    gdouble sums[6];
#if AXION_HAVE_AVX2
    if (use_avx2)
      fit_sums_avx2 (self, n, sums);
    else
#endif
      fit_sums (self, n, sums);
    sa = sums[0];
    sb = sums[1];
    saa = sums[2];
    sbb = sums[3];
    sab = sums[4];
    cnt = sums[5];
  }
  if (cnt > 16) {
    gdouble ma = sa / cnt, mb = sb / cnt;
    gdouble va = saa / cnt - ma * ma, vb = sbb / cnt - mb * mb;
    gdouble cov = sab / cnt - ma * mb;
    /* predicted = gain * bg + off; gain from the covariance when the
     * background has texture, else offset only */
    if (vb > 4.0 && cov > 0) {
      gain = (gfloat) CLAMP (sqrt (va / vb), 0.5, 2.0);
      if (cov / sqrt (va * vb) < 0.5)
        gain = 1.0f; /* not the same picture: no reliable fit */
    }
    off = (gfloat) (ma - gain * mb);
  }

  /* foreground test and model update in one pass: residual against the
   * illumination-corrected background, in running standard deviations.
   * The background follows the frame (and so slow illumination ramps);
   * moving pixels learn 20x slower, so stopped objects fade in. */
  {
    ModelStep st;

    st.gain = (guint16) lrintf (gain * 16384.0f);
    st.off = (gint16) CLAMP (lrintf (off * 64.0f), -16320, 16320);
    st.rate = model_rate (alpha, self->model_frames);
    st.rate_fg = model_rate (alpha_fg, self->model_frames);
    self->model_frames++;
#if AXION_HAVE_AVX2
    if (use_avx2)
      changed = update_pass_avx2 (self, n, &st);
    else
#endif
      changed = update_pass (self, n, &st);
  }

  if (self->active_px > 0 &&
      changed > global_change * (gdouble) self->active_px) {
    /* lights switched, lightning, camera moved: not motion; re-learn */
    is_global = TRUE;
    for (gsize i = 0; i < n; i++)
      self->bg[i] = (gint16) (self->cur[i] << 6);
    memset (self->fg, 0, n);
    GST_OBJECT_LOCK (self);
    self->global_changes++;
    GST_OBJECT_UNLOCK (self);
    GST_DEBUG_OBJECT (self,
        "global change (%u of %u pixels): background re-learned", changed,
        self->active_px);
  }

  /* 3x3 majority (at least 5 of 9, outside the frame counts as still):
   * drops isolated pixels and fills pinholes. Separable box sums; rows
   * with no foreground pixel are skipped (most rows of most frames). */
  {
    guint8 *hs = self->hsum;

    for (gint y = 0; y < ah; y++) {
      const guint8 *r = self->fg + (gsize) y * aw;
      guint8 *o = hs + (gsize) y * aw;
      v16b any = { 0 };
      guint8 a = 0;
      gint x = 0;

      for (; x + 16 <= aw; x += 16)
        any |= load16b (r + x);
      for (gint k = 0; k < 16; k++)
        a |= any[k];
      for (; x < aw; x++)
        a |= r[x];
      self->row_any[y] = a;
      if (!a)
        continue;
      /* horizontal sums of 3, the pixels beyond the row count as 0 */
      o[0] = r[0] + (aw > 1 ? r[1] : 0);
      x = 1;
      for (; x + 17 <= aw; x += 16)
        store16b (
            o + x, load16b (r + x - 1) + load16b (r + x) + load16b (r + x + 1));
      for (; x < aw; x++)
        o[x] = r[x - 1] + r[x] + (x + 1 < aw ? r[x + 1] : 0);
    }
    for (gint y = 0; y < ah; y++) {
      gboolean a0 = y > 0 && self->row_any[y - 1], a1 = self->row_any[y];
      gboolean a2 = y + 1 < ah && self->row_any[y + 1];
      const guint8 *h0 = a0 ? hs + (gsize) (y - 1) * aw : self->zero_row;
      const guint8 *h1 = a1 ? hs + (gsize) y * aw : self->zero_row;
      const guint8 *h2 = a2 ? hs + (gsize) (y + 1) * aw : self->zero_row;
      const guint8 *act = self->active + (gsize) y * aw;
      guint8 *o = self->fg2 + (gsize) y * aw;
      v16b acc = { 0 };
      guint rc = 0;
      gint x = 0;

      if (!a0 && !a1 && !a2) {
        memset (o, 0, aw);
        self->row_fg[y] = 0;
        continue;
      }
      for (; x + 16 <= aw; x += 16) {
        v16b sum = load16b (h0 + x) + load16b (h1 + x) + load16b (h2 + x);
        v16b f = (v16b) (sum >= 5) & load16b (act + x) & 1;
        store16b (o + x, f);
        acc += f; /* at most aw / 16 <= 240 per lane */
      }
      for (gint k = 0; k < 16; k++)
        rc += acc[k];
      for (; x < aw; x++) {
        guint8 f = (h0[x] + h1[x] + h2[x] >= 5) & act[x];
        o[x] = f;
        rc += f;
      }
      self->row_fg[y] = rc;
      fg_count += rc;
    }
  }

  /* regions */
  if (fg_count > 0) {
    guint min_px = (guint) ceil (min_area * (gdouble) (aw * ah));
    boxes = find_boxes (self, self->fg2);
    merge_boxes (boxes, (gint) round (merge_dist * aw));
    g_array_sort (boxes, cmp_box_count);
    for (guint i = 0; i < boxes->len && n_regions < max_regions; i++) {
      Box *b = &g_array_index (boxes, Box, i);
      gint x0, y0, x1, y1;
      if (b->count < MAX (min_px, 2))
        break;
      x0 = (gint) ((gint64) b->x0 * w / aw);
      y0 = (gint) ((gint64) b->y0 * h / ah);
      x1 = (gint) ((gint64) (b->x1 + 1) * w / aw);
      y1 = (gint) ((gint64) (b->y1 + 1) * h / ah);
      gst_axion_roi_add_motion (
          buf, x0, y0, MAX (x1 - x0, 1), MAX (y1 - y0, 1));
      n_regions++;
    }
    g_array_free (boxes, TRUE);
  }

  score = self->active_px ? (gdouble) fg_count / self->active_px : 0.0;
  motion = !is_global && n_regions > 0;
  state = step_state (motion, confirm, quiet_needed, &self->run, &self->quiet,
      &self->in_motion);
  gst_axion_frame_meta_set_motion (meta, score, state);
  /* tell axiongate upstream (if any) at once: an idle camera's decoded
   * frames are a GOP apart, so the first one with motion starts full
   * decoding (no confirm-frames wait: the gate's hold-ms bounds a false
   * wake); without a gate the event is dropped at the source. Not before
   * the model has seen 3 frames: an idle camera's first decoded keyframes
   * differ by the encoder's quality ramp after it starts (measured on the
   * sample cameras: score 0.035 between the first two) */
  if (motion && self->model_frames >= 3)
    gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (analyzer),
        gst_axion_activity_event_new ("motion", score));

  switch (state) {
  case GST_AXION_MOTION_STATE_START: {
    gint64 id = gst_axion_frame_meta_add_event (
        meta, GST_AXION_EVENT_MOTION_START);
    GST_INFO_OBJECT (self,
        "motion start at frame %" G_GUINT64_FORMAT " (score %.4f, %u regions)",
        meta->frame_number, score, n_regions);
    if (post)
      post_motion_message (
          self, "start", NULL, meta, pts, score, n_regions, id);
    break;
  }
  case GST_AXION_MOTION_STATE_CONTINUE:
    gst_axion_frame_meta_add_event (meta, GST_AXION_EVENT_MOTION_CONTINUE);
    break;
  case GST_AXION_MOTION_STATE_END: {
    gint64 id = gst_axion_frame_meta_add_event (
        meta, GST_AXION_EVENT_MOTION_END);
    GST_INFO_OBJECT (
        self, "motion end at frame %" G_GUINT64_FORMAT, meta->frame_number);
    if (post)
      post_motion_message (self, "end", NULL, meta, pts, score, n_regions, id);
    break;
  }
  default:
    break;
  }

  /* zones: own score and hysteresis; messages posted without the lock */
  if (self->zones && self->zones->len > 0) {
    guint *zc = g_new0 (guint, self->zones->len);
    GPtrArray *msgs = g_ptr_array_new_with_free_func (g_free);
    guint min_px = (guint) ceil (min_area * (gdouble) (aw * ah));

    for (gsize i = 0; i < n; i++)
      if (self->fg2[i] && self->zone_of[i])
        zc[self->zone_of[i] - 1]++;
    GST_OBJECT_LOCK (self);
    for (guint z = 0; z < self->zones->len; z++) {
      Zone *zone = g_ptr_array_index (self->zones, z);
      GstAxionMotionState zs;
      zone->score = zone->active_px ? (gdouble) zc[z] / zone->active_px : 0;
      zs = step_state (!is_global && zc[z] >= MAX (min_px, 2), confirm,
          quiet_needed, &zone->run, &zone->quiet, &zone->in_motion);
      if (post &&
          (zs == GST_AXION_MOTION_STATE_START ||
              zs == GST_AXION_MOTION_STATE_END)) {
        g_ptr_array_add (msgs,
            g_strdup (zs == GST_AXION_MOTION_STATE_START ? "start" : "end"));
        g_ptr_array_add (msgs, g_strdup (zone->name));
        g_ptr_array_add (msgs, g_memdup2 (&zone->score, sizeof (gdouble)));
      }
    }
    GST_OBJECT_UNLOCK (self);
    for (guint k = 0; k + 2 < msgs->len; k += 3)
      post_motion_message (self, g_ptr_array_index (msgs, k),
          g_ptr_array_index (msgs, k + 1), meta, pts,
          *(gdouble *) g_ptr_array_index (msgs, k + 2), 0, 0);
    g_ptr_array_unref (msgs);
    g_free (zc);
  }

  GST_LOG_OBJECT (self,
      "frame %" G_GUINT64_FORMAT ": score %.4f, %u regions, "
      "gain %.3f offset %.1f, state %d",
      meta->frame_number, score, n_regions, gain, off, state);

  /* this frame's foreground is the next one's previous */
  {
    guint8 *t = self->prev_fg;
    self->prev_fg = self->fg2;
    self->fg2 = t;
  }

  GST_OBJECT_LOCK (self);
  self->frames++;
  self->motion_frames += motion;
  self->starts += state == GST_AXION_MOTION_STATE_START;
  self->regions_total += n_regions;
  self->last_score = score;
  self->total_ms += (g_get_monotonic_time () - t0) / 1000.0;
  self->cpu_ms += (gst_axion_thread_cpu_us () - c0) / 1000.0;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

/* ---- properties -------------------------------------------------------- */

static GstStructure *
make_stats (GstAxionMotion *self)
{
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("axionmotion-stats", "frames", G_TYPE_UINT64,
      self->frames, "motion-frames", G_TYPE_UINT64, self->motion_frames,
      "motion-events", G_TYPE_UINT64, self->starts, "global-changes",
      G_TYPE_UINT64, self->global_changes, "regions", G_TYPE_UINT64,
      self->regions_total, "in-motion", G_TYPE_BOOLEAN, self->in_motion,
      "last-score", G_TYPE_DOUBLE, self->last_score, "avg-ms-per-frame",
      G_TYPE_DOUBLE, self->frames ? self->total_ms / self->frames : 0.0,
      "cpu-ms", G_TYPE_DOUBLE, self->cpu_ms, "cpu-ms-per-frame", G_TYPE_DOUBLE,
      self->frames ? self->cpu_ms / self->frames : 0.0, "analysis-width",
      G_TYPE_INT, self->aw, "analysis-height", G_TYPE_INT, self->ah, NULL);
  if (self->zones && self->zones->len) {
    GstStructure *zs = gst_structure_new_empty ("zones");
    for (guint z = 0; z < self->zones->len; z++) {
      Zone *zone = g_ptr_array_index (self->zones, z);
      gst_structure_set (zs, zone->name, G_TYPE_DOUBLE, zone->score, NULL);
    }
    gst_structure_set (s, "zone-scores", GST_TYPE_STRUCTURE, zs, NULL);
    gst_structure_free (zs);
  }
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
gst_axion_motion_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionMotion *self = GST_AXION_MOTION (object);
  GError *err = NULL;

  switch (prop_id) {
  case PROP_MASK: {
    const gchar *s = g_value_get_string (value);
    GArray *polys = parse_mask (s, &err);
    if (polys == NULL) {
      g_warning ("%s: invalid mask: %s; mask unchanged", GST_OBJECT_NAME (self),
          err->message);
      g_error_free (err);
      return;
    }
    GST_OBJECT_LOCK (self);
    g_free (self->mask_str);
    self->mask_str = g_strdup (s);
    g_clear_pointer (&self->mask_polys, g_array_unref);
    self->mask_polys = polys;
    self->maps_dirty = self->aw > 0;
    GST_OBJECT_UNLOCK (self);
    return;
  }
  case PROP_ZONES: {
    const gchar *s = g_value_get_string (value);
    GPtrArray *zones = parse_zones (s, &err);
    if (zones == NULL) {
      g_warning ("%s: invalid zones: %s; zones unchanged",
          GST_OBJECT_NAME (self), err->message);
      g_error_free (err);
      return;
    }
    GST_OBJECT_LOCK (self);
    g_free (self->zones_str);
    self->zones_str = g_strdup (s);
    g_clear_pointer (&self->zones, g_ptr_array_unref);
    self->zones = zones;
    self->maps_dirty = self->aw > 0;
    GST_OBJECT_UNLOCK (self);
    return;
  }
  default:
    break;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_SENSITIVITY:
    self->sensitivity = g_value_get_double (value);
    self->maps_dirty = self->aw > 0;
    break;
  case PROP_MIN_AREA:
    self->min_area = g_value_get_double (value);
    break;
  case PROP_LEARNING_RATE:
    self->learning_rate = g_value_get_double (value);
    break;
  case PROP_ANALYSIS_WIDTH:
    self->analysis_width = g_value_get_int (value);
    break;
  case PROP_CONFIRM_FRAMES:
    self->confirm_frames = g_value_get_uint (value);
    break;
  case PROP_QUIET_FRAMES:
    self->quiet_frames = g_value_get_uint (value);
    break;
  case PROP_GLOBAL_CHANGE:
    self->global_change = g_value_get_double (value);
    break;
  case PROP_MERGE_DISTANCE:
    self->merge_distance = g_value_get_double (value);
    break;
  case PROP_MAX_REGIONS:
    self->max_regions = g_value_get_uint (value);
    break;
  case PROP_POST_MESSAGES:
    self->post_messages = g_value_get_boolean (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_motion_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionMotion *self = GST_AXION_MOTION (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_SENSITIVITY:
    g_value_set_double (value, self->sensitivity);
    break;
  case PROP_MIN_AREA:
    g_value_set_double (value, self->min_area);
    break;
  case PROP_LEARNING_RATE:
    g_value_set_double (value, self->learning_rate);
    break;
  case PROP_ANALYSIS_WIDTH:
    g_value_set_int (value, self->analysis_width);
    break;
  case PROP_CONFIRM_FRAMES:
    g_value_set_uint (value, self->confirm_frames);
    break;
  case PROP_QUIET_FRAMES:
    g_value_set_uint (value, self->quiet_frames);
    break;
  case PROP_GLOBAL_CHANGE:
    g_value_set_double (value, self->global_change);
    break;
  case PROP_MERGE_DISTANCE:
    g_value_set_double (value, self->merge_distance);
    break;
  case PROP_MAX_REGIONS:
    g_value_set_uint (value, self->max_regions);
    break;
  case PROP_MASK:
    g_value_set_string (value, self->mask_str);
    break;
  case PROP_ZONES:
    g_value_set_string (value, self->zones_str);
    break;
  case PROP_POST_MESSAGES:
    g_value_set_boolean (value, self->post_messages);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_motion_finalize (GObject *object)
{
  GstAxionMotion *self = GST_AXION_MOTION (object);

  free_buffers (self);
  g_free (self->mask_str);
  g_free (self->zones_str);
  g_clear_pointer (&self->mask_polys, g_array_unref);
  g_clear_pointer (&self->zones, g_ptr_array_unref);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_motion_init (GstAxionMotion *self)
{
  self->sensitivity = DEFAULT_SENSITIVITY;
  self->min_area = DEFAULT_MIN_AREA;
  self->learning_rate = DEFAULT_LEARNING_RATE;
  self->analysis_width = DEFAULT_ANALYSIS_WIDTH;
  self->confirm_frames = DEFAULT_CONFIRM_FRAMES;
  self->quiet_frames = DEFAULT_QUIET_FRAMES;
  self->global_change = DEFAULT_GLOBAL_CHANGE;
  self->merge_distance = DEFAULT_MERGE_DISTANCE;
  self->max_regions = DEFAULT_MAX_REGIONS;
  self->post_messages = DEFAULT_POST_MESSAGES;
}


static void
gst_axion_motion_class_init (GstAxionMotionClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *bt_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *vf_class = GST_VIDEO_FILTER_CLASS (klass);
  GstAxionVideoAnalyzerClass *an_class = GST_AXION_VIDEO_ANALYZER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_motion_debug, "axionmotion", 0, "Axion motion detection");
#if AXION_HAVE_AVX2
  use_avx2 = __builtin_cpu_supports ("avx2") && !g_getenv ("AXION_NO_AVX2");
  GST_INFO ("model pass: %s", use_avx2 ? "AVX2" : "SSE2");
#endif

  gobject_class->set_property = gst_axion_motion_set_property;
  gobject_class->get_property = gst_axion_motion_get_property;
  gobject_class->finalize = gst_axion_motion_finalize;

  g_object_class_install_property (gobject_class, PROP_SENSITIVITY,
      g_param_spec_double ("sensitivity", "Sensitivity",
          "0 = only strong changes count, 1 = faint ones too. A pixel moves "
          "when it differs from the background by more than k = 6 - 4 * "
          "sensitivity running standard deviations and by more than 24 - 20 "
          "* sensitivity luma levels",
          0.0, 1.0, DEFAULT_SENSITIVITY, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_AREA,
      g_param_spec_double ("min-area", "Minimum region area",
          "Smallest motion region reported, as a fraction of the frame area "
          "(0.0005 = 0.05%, about 1000 pixels at 1080p)",
          0.0, 1.0, DEFAULT_MIN_AREA, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LEARNING_RATE,
      g_param_spec_double ("learning-rate", "Learning rate",
          "Fraction of each new frame blended into the background per frame "
          "(0.02 at 10 fps: the background adapts within ~5 s; moving "
          "pixels learn 20x slower)",
          0.0001, 1.0, DEFAULT_LEARNING_RATE, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ANALYSIS_WIDTH,
      g_param_spec_int ("analysis-width", "Analysis width",
          "Width in pixels the frame is averaged down to before analysis "
          "(height keeps the aspect ratio; never more than the frame). Takes "
          "effect at the next caps",
          16, 3840, DEFAULT_ANALYSIS_WIDTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_CONFIRM_FRAMES,
      g_param_spec_uint ("confirm-frames", "Confirm frames",
          "Consecutive frames with motion before a motion event starts", 1,
          1000, DEFAULT_CONFIRM_FRAMES, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_QUIET_FRAMES,
      g_param_spec_uint ("quiet-frames", "Quiet frames",
          "Consecutive frames without motion before a motion event ends", 1,
          100000, DEFAULT_QUIET_FRAMES, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_GLOBAL_CHANGE,
      g_param_spec_double ("global-change-threshold", "Global change threshold",
          "When more than this fraction of the frame changes at once "
          "(lights, lightning, camera moved) the frame is not motion and the "
          "background is re-learned",
          0.0, 1.0, DEFAULT_GLOBAL_CHANGE, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MERGE_DISTANCE,
      g_param_spec_double ("merge-distance", "Merge distance",
          "Regions closer than this fraction of the frame width are merged "
          "into one",
          0.0, 1.0, DEFAULT_MERGE_DISTANCE, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_REGIONS,
      g_param_spec_uint ("max-regions", "Maximum regions",
          "Largest regions reported per frame", 1, 1024, DEFAULT_MAX_REGIONS,
          GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MASK,
      g_param_spec_string ("mask", "Mask",
          "Polygons excluded from analysis, in fractions of the frame: "
          "\"x,y x,y x,y[; x,y x,y x,y ...]\" (e.g. \"0,0 1,0 1,0.1 0,0.1\" "
          "excludes the top 10%)",
          NULL, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ZONES,
      g_param_spec_string ("zones", "Zones",
          "Named zones with their own motion events and optional own "
          "sensitivity: \"name[@sensitivity]:x,y x,y x,y[|polygon...]; "
          "name2:...\" (fractions of the frame)",
          NULL, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post \"axion-motion\" element messages on motion start and end "
          "(of the frame and of each zone)",
          DEFAULT_POST_MESSAGES, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "frames, motion-frames, motion-events, global-changes, regions, "
          "in-motion, last-score, avg-ms-per-frame, analysis size, "
          "zone-scores",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Axion motion detector",
      "Filter/Analyzer/Video",
      "Motion score, motion regions (GstVideoRegionOfInterestMeta "
      "\"motion\") and motion start/end events per frame",
      "Axion developers");
  gst_axion_video_analyzer_class_add_pad_templates (an_class);

  bt_class->start = gst_axion_motion_start;
  bt_class->stop = gst_axion_motion_stop;
  vf_class->set_info = gst_axion_motion_set_info;
  an_class->analyze = gst_axion_motion_analyze;
}
