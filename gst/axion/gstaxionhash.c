/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionhash
 * @title: axionhash
 *
 * Per frame: an exact hash of the visible pixels, a perceptual hash
 * (pHash) and a difference hash (dHash), a scene hash that stays the same
 * while the view does, scene-change scores against the previous frame and
 * a slow reference, and image quality metrics. Each output costs only when
 * enabled; `interval` computes them on every Nth frame. Passthrough: pixels
 * are never written nor copied.
 *
 * See docs/elements/axionhash.md for the formulas.
 *
 * |[
 * gst-launch-1.0 videotestsrc ! axionhash camera-id=CAM001 ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionhash.h"
#include <gst/axion/gstaxioncpu.h>

#include <math.h>
#include <string.h>
#ifdef HAVE_XXHASH
#include <xxhash.h>
#if defined(__x86_64__) && __has_include(<xxh_x86dispatch.h>)
/* libxxhash's run-time dispatch: the AVX2/AVX-512 loop where the CPU has
 * it (the same hash, bit for bit) */
#include <xxh_x86dispatch.h>
#define AXION_XXH_DISPATCH 1
#endif
#endif

GST_DEBUG_CATEGORY_STATIC (gst_axion_hash_debug);
#define GST_CAT_DEFAULT gst_axion_hash_debug

#ifdef HAVE_XXHASH
#define DEFAULT_ALGORITHM GST_AXION_HASH_ALGORITHM_XXH3
#else
#define DEFAULT_ALGORITHM GST_AXION_HASH_ALGORITHM_SHA256
#endif
#define DEFAULT_PERCEPTUAL TRUE
#define DEFAULT_SCENE TRUE
#define DEFAULT_QUALITY TRUE
#define DEFAULT_INTERVAL 1
#define DEFAULT_SCENE_CHANGE_THRESHOLD 0.5
#define DEFAULT_SCENE_HASH_BITS 12
#define DEFAULT_REFERENCE_RATE 0.02
#define DEFAULT_QUALITY_THRESHOLD 0.3
#define DEFAULT_POST_MESSAGES TRUE

#define THUMB 32        /* pHash / scene thumbnail size */
#define SCENE_CONFIRM 2 /* frames a new view must last */

enum
{
  PROP_0,
  PROP_ALGORITHM,
  PROP_PERCEPTUAL,
  PROP_SCENE,
  PROP_QUALITY,
  PROP_INTERVAL,
  PROP_SCENE_CHANGE_THRESHOLD,
  PROP_SCENE_HASH_BITS,
  PROP_REFERENCE_RATE,
  PROP_QUALITY_THRESHOLD,
  PROP_POST_MESSAGES,
  PROP_STATS,
};

struct _GstAxionHash
{
  GstAxionVideoAnalyzer parent;

  /* properties (object lock) */
  GstAxionHashAlgorithm algorithm;
  gboolean perceptual;
  gboolean scene;
  gboolean quality;
  guint interval;
  gdouble scene_change_threshold;
  guint scene_hash_bits;
  gdouble reference_rate;
  gdouble quality_threshold;
  gboolean post_messages;

  /* streaming state */
  guint64 count;
  gboolean have_prev;
  gfloat prev[THUMB * THUMB];
  gfloat ref[THUMB * THUMB];
  guint64 scene_hash;
  gboolean have_scene;
  guint64 candidate;
  guint candidate_run;
  gboolean low_quality;
  guint8 *scratch;
  gsize scratch_size;
  gfloat cos_table[8][THUMB];
  gfloat cos_t[THUMB][8]; /* cos_table transposed */

  /* stats (object lock) */
  guint64 frames, analysed, scene_changes, scene_hash_changes, quality_events;
  gdouble total_ms, cpu_ms;
};

#define gst_axion_hash_parent_class parent_class
G_DEFINE_TYPE (GstAxionHash, gst_axion_hash, GST_AXION_TYPE_VIDEO_ANALYZER);
GST_ELEMENT_REGISTER_DEFINE (
    axionhash, "axionhash", GST_RANK_NONE, GST_TYPE_AXION_HASH);

#define GST_TYPE_AXION_HASH_ALGORITHM (gst_axion_hash_algorithm_get_type ())
static GType
gst_axion_hash_algorithm_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_AXION_HASH_ALGORITHM_NONE, "No exact hash", "none" },
#ifdef HAVE_XXHASH
    { GST_AXION_HASH_ALGORITHM_XXH3, "xxh3-64 (16 hex digits)", "xxh3" },
#endif
    { GST_AXION_HASH_ALGORITHM_SHA256, "SHA-256 (64 hex digits)", "sha256" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAxionHashAlgorithm", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---- exact hash -------------------------------------------------------- */

/* What the bytes mean, so that equal bytes of different kinds of picture
 * never share a hash, while the same picture in another layout of the same
 * kind (I420/YV12/NV12/NV21, RGB/BGR/RGBx/...) does. */
static gchar *
picture_kind (GstVideoFrame *frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  gint w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);

  if (GST_VIDEO_FORMAT_INFO_IS_GRAY (finfo))
    return g_strdup_printf ("%dx%d:gray", w, h);
  if (GST_VIDEO_FORMAT_INFO_IS_RGB (finfo))
    return g_strdup_printf ("%dx%d:%s", w, h,
        GST_VIDEO_FORMAT_INFO_HAS_ALPHA (finfo) ? "rgba" : "rgb");
  return g_strdup_printf ("%dx%d:yuv-%u-%u", w, h,
      GST_VIDEO_FORMAT_INFO_W_SUB (finfo, 1),
      GST_VIDEO_FORMAT_INFO_H_SUB (finfo, 1));
}

typedef void (*FeedFunc) (gpointer state, const guint8 *data, gsize len);
/* called after each band of luma rows is hashed: rows < y_end are in */
typedef void (*BandFunc) (gpointer data, gint y_end);

#define BAND_ROWS 16 /* luma rows hashed per band (~20 KB at 720p) */

#ifdef HAVE_XXHASH
static void
feed_xxh3 (gpointer state, const guint8 *data, gsize len)
{
  XXH3_64bits_update (state, data, len);
}
#endif

static void
feed_sha256 (gpointer state, const guint8 *data, gsize len)
{
  g_checksum_update (state, data, len);
}

/* Feed every visible sample, component by component (Y U V or R G B A),
 * row by row: strides, padding bytes and plane order never matter. With
 * @band, the luma (component 0 of a YUV or grey frame) is fed a band of
 * rows at a time and @band called after each: the other passes over the
 * luma read those rows while they are in the cache. The hash is the same
 * (it does not depend on how its input is split). */
static void
feed_pixels (GstAxionHash *self, GstVideoFrame *frame, FeedFunc feed,
    gpointer state, BandFunc band, gpointer band_data)
{
  gchar *header = picture_kind (frame);

  feed (state, (const guint8 *) header, strlen (header));
  g_free (header);

  for (guint c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (frame); c++) {
    gint cw = GST_VIDEO_FRAME_COMP_WIDTH (frame, c);
    gint ch = GST_VIDEO_FRAME_COMP_HEIGHT (frame, c);
    gint ps = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
    const guint8 *base = GST_VIDEO_FRAME_COMP_DATA (frame, c);

    if (ps != 1 && self->scratch_size < (gsize) cw) {
      g_free (self->scratch);
      self->scratch_size = cw;
      self->scratch = g_malloc (cw);
    }
    if (c == 0 && band) {
      for (gint y = 0; y < ch; y += BAND_ROWS) {
        gint y1 = MIN (ch, y + BAND_ROWS);
        if (stride == cw) {
          feed (state, base + (gsize) y * stride, (gsize) cw * (y1 - y));
        } else {
          for (gint r = y; r < y1; r++)
            feed (state, base + (gsize) r * stride, cw);
        }
        band (band_data, y1);
      }
      continue;
    }
    if (ps == 1 && stride == cw) { /* no padding: the plane at once */
      feed (state, base, (gsize) cw * ch);
      continue;
    }
    for (gint y = 0; y < ch; y++) {
      const guint8 *row = base + (gsize) y * stride;
      if (ps == 1) {
        feed (state, row, cw);
      } else {
        for (gint x = 0; x < cw; x++)
          self->scratch[x] = row[(gsize) x * ps];
        feed (state, self->scratch, cw);
      }
    }
  }
}

static void
exact_hash (GstAxionHash *self, GstVideoFrame *frame,
    GstAxionHashAlgorithm algo, gchar *out, BandFunc band, gpointer band_data)
{
  if (algo == GST_AXION_HASH_ALGORITHM_SHA256) {
    GChecksum *cs = g_checksum_new (G_CHECKSUM_SHA256);
    feed_pixels (self, frame, feed_sha256, cs, band, band_data);
    g_strlcpy (out, g_checksum_get_string (cs), 65);
    g_checksum_free (cs);
  }
#ifdef HAVE_XXHASH
  else if (algo == GST_AXION_HASH_ALGORITHM_XXH3) {
    XXH3_state_t *st = XXH3_createState ();
    XXH3_64bits_reset (st);
    feed_pixels (self, frame, feed_xxh3, st, band, band_data);
    gst_axion_hash64_to_hex (XXH3_64bits_digest (st), out);
    XXH3_freeState (st);
  }
#endif
}

/* ---- perceptual hashes -------------------------------------------------- */

/* pHash: 32x32 grey, 2-D DCT-II, the lowest 8x8 frequencies, one bit per
 * coefficient above their median. */
/* the k-th smallest of the n values at v (reordered): quickselect */
static gfloat
select_kth (gfloat *v, gint n, gint k)
{
  gint lo = 0, hi = n - 1;

  while (lo < hi) {
    gfloat pivot = v[(lo + hi) / 2];
    gint i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i <= j) {
        gfloat x = v[i];
        v[i++] = v[j];
        v[j--] = x;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      break;
  }
  return v[k];
}

static guint64
phash (GstAxionHash *self, const guint8 *t)
{
  gfloat rows[THUMB][8], coef[64], sorted[64], median, m31;
  guint64 h = 0;

  /* Each sum runs over x (then y) in ascending order, as a plain loop
   * would; the 8 frequencies are independent sums side by side, so the
   * compiler keeps them in one vector register (no reassociation). */
  for (gint y = 0; y < THUMB; y++) {
    gfloat s[8] = { 0 };
    for (gint x = 0; x < THUMB; x++) {
      gfloat p = t[y * THUMB + x];
      for (gint u = 0; u < 8; u++)
        s[u] += p * self->cos_t[x][u];
    }
    memcpy (rows[y], s, sizeof (s));
  }
  for (gint v = 0; v < 8; v++) {
    gfloat s[8] = { 0 };
    for (gint y = 0; y < THUMB; y++) {
      gfloat c = self->cos_table[v][y];
      for (gint u = 0; u < 8; u++)
        s[u] += rows[y][u] * c;
    }
    memcpy (coef + v * 8, s, sizeof (s));
  }
  /* the median of the 64: the mean of the 32nd and 33rd smallest */
  memcpy (sorted, coef, sizeof (coef));
  m31 = select_kth (sorted, 64, 31);
  /* after selecting the 31st, the values above index 31 are >= it */
  median = sorted[32];
  for (gint i = 33; i < 64; i++)
    median = MIN (median, sorted[i]);
  median = (m31 + median) / 2;
  for (gint i = 0; i < 64; i++)
    if (coef[i] > median)
      h |= G_GUINT64_CONSTANT (1) << i;
  return h;
}

/* dHash: 9x8 grey, one bit per horizontal neighbour pair: left < right */
static guint64
dhash (const guint8 *t9x8)
{
  guint64 h = 0;
  gint bit = 0;

  for (gint y = 0; y < 8; y++)
    for (gint x = 0; x < 8; x++, bit++)
      if (t9x8[y * 9 + x] < t9x8[y * 9 + x + 1])
        h |= G_GUINT64_CONSTANT (1) << bit;
  return h;
}

/* a thumbnail cell has changed when it differs by more than this from
 * the previous picture fitted to the current one (levels of 255; cells
 * are means of hundreds of pixels, so sensor noise is far below it) */
#define CHANGE_LEVELS 8.0

/* How much of the view changed, 0..1: the fraction of the thumbnail cells
 * that differ from @b by more than CHANGE_LEVELS once @b's brightness and
 * contrast are fitted to @a. The gain is fitted only where the pictures
 * are alike (0.5..2), else only the brightness (a picture cannot be fitted
 * away). Brightness and moderate contrast changes read ~0, a small moving
 * object its share of the view, an unrelated picture most of it. (1 - NCC,
 * before, read a small object moving over a view with no texture as a new
 * scene: the object was all the variance there was.) */
static gdouble
change_score (const gfloat *a, const gfloat *b)
{
  gdouble sa = 0, sb = 0, sbb = 0, sab = 0, saa = 0, n = THUMB * THUMB;
  gdouble va, vb, cov, gain = 1.0, off;
  guint changed = 0;

  for (gint i = 0; i < THUMB * THUMB; i++) {
    sa += a[i];
    sb += b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
    sab += a[i] * b[i];
  }
  va = saa / n - (sa / n) * (sa / n);
  vb = sbb / n - (sb / n) * (sb / n);
  cov = sab / n - (sa / n) * (sb / n);
  if (va < 1.0 && vb < 1.0) /* both flat: compare levels */
    return CLAMP (fabs (sa - sb) / n / 128.0, 0.0, 1.0);
  if (vb >= 1.0 && cov / vb >= 0.5 && cov / vb <= 2.0)
    gain = cov / vb;
  off = sa / n - gain * sb / n;
  for (gint i = 0; i < THUMB * THUMB; i++)
    changed += fabs (a[i] - (gain * b[i] + off)) > CHANGE_LEVELS;
  return changed / n;
}

/* ---- quality ------------------------------------------------------------ */

#if defined(__SSE2__)
#include <emmintrin.h>

/* Sums over the 8 points x0..x0+7 of rows a (above), b, c (below) into
 * 32-bit lanes: Laplacian, its square, |noise mask|, luma, luma². Reads
 * a, b and c from x0 - 1 to x0 + 14. */
static inline void
quality_group8 (
    const guint8 *a, const guint8 *b, const guint8 *c, gint x0, __m128i acc[5])
{
  const __m128i z = _mm_setzero_si128 (), ones = _mm_set1_epi16 (1);
  __m128i ra = _mm_loadu_si128 ((const __m128i *) (a + x0 - 1));
  __m128i rb = _mm_loadu_si128 ((const __m128i *) (b + x0 - 1));
  __m128i rc = _mm_loadu_si128 ((const __m128i *) (c + x0 - 1));
  /* left, centre and right neighbours as 16-bit lanes */
  __m128i al = _mm_unpacklo_epi8 (ra, z);
  __m128i ac = _mm_unpacklo_epi8 (_mm_srli_si128 (ra, 1), z);
  __m128i ar = _mm_unpacklo_epi8 (_mm_srli_si128 (ra, 2), z);
  __m128i bl = _mm_unpacklo_epi8 (rb, z);
  __m128i bc = _mm_unpacklo_epi8 (_mm_srli_si128 (rb, 1), z);
  __m128i br = _mm_unpacklo_epi8 (_mm_srli_si128 (rb, 2), z);
  __m128i cl = _mm_unpacklo_epi8 (rc, z);
  __m128i cc = _mm_unpacklo_epi8 (_mm_srli_si128 (rc, 1), z);
  __m128i cr = _mm_unpacklo_epi8 (_mm_srli_si128 (rc, 2), z);
  __m128i c4 = _mm_slli_epi16 (bc, 2);
  /* 4c - up - down - left - right, within +-1020 */
  __m128i lap = _mm_sub_epi16 (
      c4, _mm_add_epi16 (_mm_add_epi16 (ac, cc), _mm_add_epi16 (bl, br)));
  /* [1 -2 1; -2 4 -2; 1 -2 1], within +-4080 */
  __m128i corners = _mm_add_epi16 (
      _mm_add_epi16 (al, ar), _mm_add_epi16 (cl, cr));
  __m128i edges = _mm_slli_epi16 (
      _mm_add_epi16 (_mm_add_epi16 (ac, cc), _mm_add_epi16 (bl, br)), 1);
  __m128i m = _mm_sub_epi16 (_mm_add_epi16 (corners, c4), edges);
  __m128i am = _mm_max_epi16 (m, _mm_sub_epi16 (z, m));

  acc[0] = _mm_add_epi32 (acc[0], _mm_madd_epi16 (lap, ones));
  acc[1] = _mm_add_epi32 (acc[1], _mm_madd_epi16 (lap, lap));
  acc[2] = _mm_add_epi32 (acc[2], _mm_madd_epi16 (am, ones));
  acc[3] = _mm_add_epi32 (acc[3], _mm_madd_epi16 (bc, ones));
  acc[4] = _mm_add_epi32 (acc[4], _mm_madd_epi16 (bc, bc));
}

static inline gint64
hsum32 (__m128i v)
{
  gint32 l[4];

  _mm_storeu_si128 ((__m128i *) l, v);
  return (gint64) l[0] + l[1] + l[2] + l[3];
}
#endif

/* One point's Laplacian, its square, |noise mask|, luma and luma² added
 * to r[1..5] (r[0]: points); a, b, c: the rows above, at and below. */
static inline void
quality_point (
    const guint8 *a, const guint8 *b, const guint8 *c, gint x, gint64 r[6])
{
  gint v = b[x];
  gint lap = 4 * v - a[x] - c[x] - b[x - 1] - b[x + 1];
  /* Immerkaer's noise mask [1 -2 1; -2 4 -2; 1 -2 1] */
  gint m = a[x - 1] - 2 * a[x] + a[x + 1] - 2 * b[x - 1] + 4 * v -
      2 * b[x + 1] + c[x - 1] - 2 * c[x] + c[x + 1];

  r[0]++;
  r[1] += lap;
  r[2] += lap * lap;
  r[3] += abs (m);
  r[4] += v;
  r[5] += v * v;
}

/* On a grid of about 160 points per row, every step-th row (14,400
 * points at 16:9, plenty for these statistics), with the full-resolution
 * 3x3 neighbourhood of each point. The points of a row come in groups of
 * 8 neighbouring pixels, a group every 8 * step pixels (measured 8 at a
 * time with SSE2); rows narrower than 16 pixels take every step-th
 * pixel. The sums are taken a band of rows at a time (quality_rows), so
 * that they can follow the exact hash through the frame. */
typedef struct
{
  GstAxionLumaReader rd;
  gint w, h, step;
  gint y; /* the next sampled row */
  gdouble n, s, ss, ln, ls, lss, noise_sum;
  guint8 *r0, *r1;
} Quality;

static void
quality_begin (Quality *qa, GstVideoFrame *frame)
{
  memset (qa, 0, sizeof (*qa));
  gst_axion_luma_reader_init (&qa->rd, frame);
  qa->w = GST_VIDEO_FRAME_WIDTH (frame);
  qa->h = GST_VIDEO_FRAME_HEIGHT (frame);
  qa->step = MAX (1, qa->w / 160);
  if (qa->rd.packed) {
    qa->r0 = g_malloc (qa->w);
    qa->r1 = g_malloc (qa->w);
  }
}

/* every sampled row whose neighbours are above @y_end */
static void
quality_rows (Quality *qa, gint y_end)
{
  GstAxionLumaReader *rd = &qa->rd;
  gint w = qa->w, h = qa->h, step = qa->step;

  y_end = MIN (y_end, h);
  for (; qa->y < h; qa->y += step) {
    gint y = qa->y;
    gboolean interior = h >= 3 && y >= 1 && y < h - 1;
    const guint8 *row;

    if ((interior ? y + 1 : y) >= y_end)
      break;
    if (interior) {
      const guint8 *a, *b;
      /* integer sums per row (exact), added up in double: points,
       * Laplacian, its square, |noise mask|, luma, luma² */
      gint64 r[6] = { 0 };
      gint x = 1;

      if (rd->packed) { /* converted rows: keep copies of the first two */
        memcpy (qa->r0, gst_axion_luma_reader_row (rd, y - 1), w);
        memcpy (qa->r1, gst_axion_luma_reader_row (rd, y), w);
        a = qa->r0;
        b = qa->r1;
      } else { /* plane rows: no copies */
        a = gst_axion_luma_reader_row (rd, y - 1);
        b = gst_axion_luma_reader_row (rd, y);
      }
      row = gst_axion_luma_reader_row (rd, y + 1);
      if (!rd->packed && y + 2 * step + 1 < y_end) {
        /* the rows after next from memory while these are measured (not
         * beyond the band: rows there are not read yet) */
        for (gint k = -1; k <= 1; k++) {
          const guint8 *next = gst_axion_luma_reader_row (rd, y + 2 * step + k);
          for (gint off = 0; off < w; off += 64)
            __builtin_prefetch (next + off);
        }
      }
      /* groups of 8 neighbouring points, one every 8 * step pixels, in
       * the SSE2 and the scalar build alike */
#if defined(__SSE2__)
      {
        /* sums of one row in 32-bit lanes: at most 2 * 1020² per lane
         * and group, at most ~21 groups per row (spacing 8 * step >=
         * w / 20) */
        __m128i acc[5] = { _mm_setzero_si128 (), _mm_setzero_si128 (),
          _mm_setzero_si128 (), _mm_setzero_si128 (), _mm_setzero_si128 () };
        for (; x + 15 <= w; x += 8 * step) {
          quality_group8 (a, b, row, x, acc);
          r[0] += 8;
        }
        for (gint k = 0; k < 5; k++)
          r[k + 1] += hsum32 (acc[k]);
      }
#else
      for (; x + 15 <= w; x += 8 * step)
        for (gint j = 0; j < 8; j++)
          quality_point (a, b, row, x + j, r);
#endif
      /* the rest of the row (or a row narrower than 16): every step-th
       * pixel */
      for (; x < w - 1; x += step)
        quality_point (a, b, row, x, r);
      qa->n += r[0];
      qa->ln += r[0];
      qa->ls += r[1];
      qa->lss += r[2];
      qa->noise_sum += r[3];
      qa->s += r[4];
      qa->ss += r[5];
    } else {
      row = gst_axion_luma_reader_row (rd, y);
      for (gint x = 0; x < w; x += step) {
        qa->s += row[x];
        qa->ss += (gdouble) row[x] * row[x];
        qa->n++;
      }
    }
  }
}

static void
quality_end (Quality *qa, GstAxionQuality *q)
{
  gdouble mean, var, lvar, sigma_n, exposure;

  quality_rows (qa, qa->h);
  g_free (qa->r0);
  g_free (qa->r1);
  gst_axion_luma_reader_clear (&qa->rd);
  mean = qa->n ? qa->s / qa->n : 0;
  var = qa->n ? qa->ss / qa->n - mean * mean : 0;
  lvar = qa->ln ? qa->lss / qa->ln - (qa->ls / qa->ln) * (qa->ls / qa->ln) : 0;
  sigma_n = qa->ln ? sqrt (G_PI / 2.0) * qa->noise_sum / (6.0 * qa->ln) : 0;
  q->brightness = mean / 255.0;
  q->contrast = MIN (1.0, sqrt (MAX (var, 0)) / 64.0);
  q->sharpness = lvar / (lvar + 300.0);
  q->noise = MIN (1.0, sigma_n / 20.0);
  exposure = 1.0 - fabs (2.0 * q->brightness - 1.0);
  q->overall = 0.4 * q->sharpness + 0.25 * exposure + 0.2 * q->contrast +
      0.15 * (1.0 - q->noise);
}

/* ---- per frame ----------------------------------------------------------- */

static void
post_message (GstAxionHash *self, const gchar *name, GstAxionFrameMeta *meta,
    GstClockTime pts, const gchar *field, gdouble value, gint64 event_id)
{
  gst_axion_video_analyzer_post_frame_message (GST_AXION_VIDEO_ANALYZER (self),
      gst_structure_new (name, field, G_TYPE_DOUBLE, value, NULL), meta, pts,
      event_id);
}

/* The passes over the luma besides the exact hash: the pHash thumbnail,
 * the dHash grid and the quality sums */
typedef struct
{
  GstAxionLumaDownscaler thumb, grid;
  Quality quality;
  gboolean has_thumb, has_grid, has_quality;
} LumaPasses;

static void
luma_passes_band (gpointer data, gint y_end)
{
  LumaPasses *lp = data;

  if (lp->has_thumb)
    gst_axion_luma_downscaler_rows (&lp->thumb, y_end);
  if (lp->has_grid)
    gst_axion_luma_downscaler_rows (&lp->grid, y_end);
  if (lp->has_quality)
    quality_rows (&lp->quality, y_end);
}

/* The luma rows the hash reads as component 0 are the luma reader's: a
 * YUV or grey frame with the Y plane first */
static gboolean
luma_is_component0 (const GstVideoFrame *frame)
{
  return !GST_VIDEO_FORMAT_INFO_IS_RGB (frame->info.finfo) &&
      GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0) == 1 &&
      GST_VIDEO_FRAME_COMP_DATA (frame, 0) ==
      GST_VIDEO_FRAME_PLANE_DATA (frame, 0) &&
      GST_VIDEO_FRAME_COMP_STRIDE (frame, 0) ==
      GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0) &&
      GST_VIDEO_FRAME_COMP_HEIGHT (frame, 0) == GST_VIDEO_FRAME_HEIGHT (frame);
}

static GstFlowReturn
gst_axion_hash_analyze (GstAxionVideoAnalyzer *analyzer, GstVideoFrame *frame,
    GstAxionFrameMeta *meta)
{
  GstAxionHash *self = GST_AXION_HASH (analyzer);
  gint64 t0 = g_get_monotonic_time (), c0 = gst_axion_thread_cpu_us ();
  GstAxionHashAlgorithm algo;
  gboolean perceptual, scene, quality, post;
  guint interval, bits;
  gdouble sc_thr, ref_rate, q_thr;
  gint w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);
  GstClockTime pts = GST_BUFFER_PTS (frame->buffer);
  gboolean scene_changed = FALSE, quality_event = FALSE, new_scene = FALSE;
  guint8 t[THUMB * THUMB], d[9 * 8];
  GstAxionQuality q;
  LumaPasses lp;

  GST_OBJECT_LOCK (self);
  algo = self->algorithm;
  perceptual = self->perceptual;
  scene = self->scene;
  quality = self->quality;
  interval = MAX (self->interval, 1);
  sc_thr = self->scene_change_threshold;
  bits = self->scene_hash_bits;
  ref_rate = self->reference_rate;
  q_thr = self->quality_threshold;
  post = self->post_messages;
  self->frames++;
  GST_OBJECT_UNLOCK (self);

  if (self->count++ % interval != 0)
    return GST_FLOW_OK;

  /* the thumbnail, the dHash grid and the quality sums follow the exact
   * hash band by band (the rows are still in the cache), or are taken
   * after it */
  lp.has_thumb = (perceptual || scene) && w >= THUMB && h >= THUMB;
  lp.has_grid = perceptual && w >= 9 && h >= 8;
  lp.has_quality = quality;
  if (lp.has_thumb)
    gst_axion_luma_downscaler_init (&lp.thumb, frame, t, THUMB, THUMB, 4);
  if (lp.has_grid)
    gst_axion_luma_downscaler_init (&lp.grid, frame, d, 9, 8, 8);
  if (lp.has_quality)
    quality_begin (&lp.quality, frame);

  if (algo != GST_AXION_HASH_ALGORITHM_NONE) {
    gchar hex[65];
    gboolean fused = luma_is_component0 (frame) &&
        (lp.has_thumb || lp.has_grid || lp.has_quality);
    exact_hash (self, frame, algo, hex, fused ? luma_passes_band : NULL, &lp);
    gst_axion_frame_meta_set_frame_hash (meta, hex);
  }
  if (lp.has_thumb)
    gst_axion_luma_downscaler_finish (&lp.thumb);
  if (lp.has_grid)
    gst_axion_luma_downscaler_finish (&lp.grid);
  if (lp.has_quality)
    quality_end (&lp.quality, &q);

  if (perceptual || scene) {
    gint tw = MIN (THUMB, w), th = MIN (THUMB, h);
    guint64 ph;

    if (!lp.has_thumb) {
      /* tiny frames: nearest-neighbour upscale of the luma */
      guint8 small[THUMB * THUMB];
      gst_axion_luma_downscale (frame, small, tw, th, 0);
      for (gint y = 0; y < THUMB; y++)
        for (gint x = 0; x < THUMB; x++)
          t[y * THUMB + x] = small[(y * th / THUMB) * tw + x * tw / THUMB];
    }
    ph = phash (self, t);

    if (perceptual) {
      if (!lp.has_grid) {
        for (gint y = 0; y < 8; y++)
          for (gint x = 0; x < 9; x++)
            d[y * 9 + x] = t[(y * THUMB / 8) * THUMB + x * THUMB / 9];
      }
      gst_axion_frame_meta_set_perceptual_hash (meta, ph);
      gst_axion_frame_meta_set_difference_hash (meta, dhash (d));
    }

    if (scene) {
      gfloat cur[THUMB * THUMB];
      gdouble sc_prev, sc_ref;

      for (gint i = 0; i < THUMB * THUMB; i++)
        cur[i] = t[i];
      if (!self->have_prev) {
        memcpy (self->prev, cur, sizeof (cur));
        memcpy (self->ref, cur, sizeof (cur));
        self->have_prev = TRUE;
      }
      sc_prev = change_score (cur, self->prev);
      sc_ref = change_score (cur, self->ref);

      /* the scene hash moves only when the view stays different */
      if (!self->have_scene) {
        self->scene_hash = ph;
        self->have_scene = TRUE;
      } else if ((guint) __builtin_popcountll (ph ^ self->scene_hash) > bits) {
        if (self->candidate_run > 0 &&
            (guint) __builtin_popcountll (ph ^ self->candidate) <= bits)
          self->candidate_run++;
        else
          self->candidate_run = 1;
        self->candidate = ph;
        if (self->candidate_run >= SCENE_CONFIRM) {
          self->scene_hash = ph;
          self->candidate_run = 0;
          new_scene = TRUE;
          /* a new view: the reference starts again from it */
          memcpy (self->ref, cur, sizeof (cur));
        }
      } else {
        self->candidate_run = 0;
      }

      for (gint i = 0; i < THUMB * THUMB; i++)
        self->ref[i] += (gfloat) ref_rate * (cur[i] - self->ref[i]);
      memcpy (self->prev, cur, sizeof (cur));

      gst_axion_frame_meta_set_scene_hash (meta, self->scene_hash);
      gst_axion_frame_meta_set_scene_change (meta, sc_prev, sc_ref);
      if (sc_prev >= sc_thr) {
        gint64 id = gst_axion_frame_meta_add_event (
            meta, GST_AXION_EVENT_SCENE_CHANGE);
        scene_changed = TRUE;
        /* wakes axiongate upstream, like motion does (axionmotion) */
        gst_pad_push_event (GST_BASE_TRANSFORM_SINK_PAD (self),
            gst_axion_activity_event_new ("scene-change", sc_prev));
        GST_INFO_OBJECT (self,
            "scene change at frame %" G_GUINT64_FORMAT " (score %.3f)",
            meta->frame_number, sc_prev);
        if (post)
          post_message (
              self, "axion-scene-change", meta, pts, "score", sc_prev, id);
      }
    }
  }

  if (quality) {
    gboolean low;

    gst_axion_frame_meta_set_quality (meta, &q);
    low = q.overall < q_thr;
    if (low && !self->low_quality) {
      gint64 id = gst_axion_frame_meta_add_event (
          meta, GST_AXION_EVENT_QUALITY);
      quality_event = TRUE;
      GST_INFO_OBJECT (self,
          "quality dropped to %.3f at frame %" G_GUINT64_FORMAT, q.overall,
          meta->frame_number);
      if (post)
        post_message (
            self, "axion-quality", meta, pts, "overall", q.overall, id);
    }
    self->low_quality = low;
  }

  GST_OBJECT_LOCK (self);
  self->analysed++;
  self->scene_changes += scene_changed;
  self->scene_hash_changes += new_scene;
  self->quality_events += quality_event;
  self->total_ms += (g_get_monotonic_time () - t0) / 1000.0;
  self->cpu_ms += (gst_axion_thread_cpu_us () - c0) / 1000.0;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

static gboolean
gst_axion_hash_set_info (GstVideoFilter *vf, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info)
{
  GstAxionHash *self = GST_AXION_HASH (vf);

  if (!gst_axion_luma_format_supported (GST_VIDEO_INFO_FORMAT (in_info)) ||
      GST_VIDEO_INFO_WIDTH (in_info) < 1 ||
      GST_VIDEO_INFO_HEIGHT (in_info) < 1) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("unsupported video format %s",
            gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (in_info))));
    return FALSE;
  }
  /* a new size or format: previous-frame comparisons start again */
  self->have_prev = FALSE;
  return TRUE;
}

static gboolean
gst_axion_hash_start (GstBaseTransform *bt)
{
  GstAxionHash *self = GST_AXION_HASH (bt);

  self->count = 0;
  self->have_prev = FALSE;
  self->have_scene = FALSE;
  self->candidate_run = 0;
  self->low_quality = FALSE;
  GST_OBJECT_LOCK (self);
  self->frames = self->analysed = self->scene_changes = 0;
  self->scene_hash_changes = self->quality_events = 0;
  self->total_ms = self->cpu_ms = 0;
  GST_OBJECT_UNLOCK (self);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->start (bt);
}

/* ---- properties ---------------------------------------------------------- */

static void
gst_axion_hash_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionHash *self = GST_AXION_HASH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_ALGORITHM:
    self->algorithm = g_value_get_enum (value);
    break;
  case PROP_PERCEPTUAL:
    self->perceptual = g_value_get_boolean (value);
    break;
  case PROP_SCENE:
    self->scene = g_value_get_boolean (value);
    break;
  case PROP_QUALITY:
    self->quality = g_value_get_boolean (value);
    break;
  case PROP_INTERVAL:
    self->interval = g_value_get_uint (value);
    break;
  case PROP_SCENE_CHANGE_THRESHOLD:
    self->scene_change_threshold = g_value_get_double (value);
    break;
  case PROP_SCENE_HASH_BITS:
    self->scene_hash_bits = g_value_get_uint (value);
    break;
  case PROP_REFERENCE_RATE:
    self->reference_rate = g_value_get_double (value);
    break;
  case PROP_QUALITY_THRESHOLD:
    self->quality_threshold = g_value_get_double (value);
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
gst_axion_hash_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionHash *self = GST_AXION_HASH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_ALGORITHM:
    g_value_set_enum (value, self->algorithm);
    break;
  case PROP_PERCEPTUAL:
    g_value_set_boolean (value, self->perceptual);
    break;
  case PROP_SCENE:
    g_value_set_boolean (value, self->scene);
    break;
  case PROP_QUALITY:
    g_value_set_boolean (value, self->quality);
    break;
  case PROP_INTERVAL:
    g_value_set_uint (value, self->interval);
    break;
  case PROP_SCENE_CHANGE_THRESHOLD:
    g_value_set_double (value, self->scene_change_threshold);
    break;
  case PROP_SCENE_HASH_BITS:
    g_value_set_uint (value, self->scene_hash_bits);
    break;
  case PROP_REFERENCE_RATE:
    g_value_set_double (value, self->reference_rate);
    break;
  case PROP_QUALITY_THRESHOLD:
    g_value_set_double (value, self->quality_threshold);
    break;
  case PROP_POST_MESSAGES:
    g_value_set_boolean (value, self->post_messages);
    break;
  case PROP_STATS:
    g_value_take_boxed (value,
        gst_structure_new ("axionhash-stats", "frames", G_TYPE_UINT64,
            self->frames, "analysed-frames", G_TYPE_UINT64, self->analysed,
            "scene-changes", G_TYPE_UINT64, self->scene_changes,
            "scene-hash-changes", G_TYPE_UINT64, self->scene_hash_changes,
            "quality-events", G_TYPE_UINT64, self->quality_events,
            "avg-ms-per-frame", G_TYPE_DOUBLE,
            self->analysed ? self->total_ms / self->analysed : 0.0, "cpu-ms",
            G_TYPE_DOUBLE, self->cpu_ms, "cpu-ms-per-frame", G_TYPE_DOUBLE,
            self->analysed ? self->cpu_ms / self->analysed : 0.0, NULL));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_hash_finalize (GObject *object)
{
  GstAxionHash *self = GST_AXION_HASH (object);

  g_free (self->scratch);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_hash_init (GstAxionHash *self)
{
  self->algorithm = DEFAULT_ALGORITHM;
  self->perceptual = DEFAULT_PERCEPTUAL;
  self->scene = DEFAULT_SCENE;
  self->quality = DEFAULT_QUALITY;
  self->interval = DEFAULT_INTERVAL;
  self->scene_change_threshold = DEFAULT_SCENE_CHANGE_THRESHOLD;
  self->scene_hash_bits = DEFAULT_SCENE_HASH_BITS;
  self->reference_rate = DEFAULT_REFERENCE_RATE;
  self->quality_threshold = DEFAULT_QUALITY_THRESHOLD;
  self->post_messages = DEFAULT_POST_MESSAGES;
  for (gint u = 0; u < 8; u++)
    for (gint x = 0; x < THUMB; x++)
      self->cos_t[x][u] = self->cos_table[u][x] = (gfloat) cos (
          (2 * x + 1) * u * G_PI / (2.0 * THUMB));
}


static void
gst_axion_hash_class_init (GstAxionHashClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *bt_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *vf_class = GST_VIDEO_FILTER_CLASS (klass);
  GstAxionVideoAnalyzerClass *an_class = GST_AXION_VIDEO_ANALYZER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_hash_debug, "axionhash", 0, "Axion frame hashes and quality");

  gobject_class->set_property = gst_axion_hash_set_property;
  gobject_class->get_property = gst_axion_hash_get_property;
  gobject_class->finalize = gst_axion_hash_finalize;

  g_object_class_install_property (gobject_class, PROP_ALGORITHM,
      g_param_spec_enum ("hash-algorithm", "Exact hash algorithm",
          "Exact hash of the visible pixels (frame_hash); padding, strides "
          "and plane layout never change it",
          GST_TYPE_AXION_HASH_ALGORITHM, DEFAULT_ALGORITHM,
          GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PERCEPTUAL,
      g_param_spec_boolean ("perceptual-hash", "Perceptual hashes",
          "Compute the 64-bit pHash and dHash", DEFAULT_PERCEPTUAL,
          GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SCENE,
      g_param_spec_boolean ("scene", "Scene hash and change",
          "Compute the scene hash and the scene-change scores (and post "
          "scene-change events)",
          DEFAULT_SCENE, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_QUALITY,
      g_param_spec_boolean ("quality", "Quality metrics",
          "Compute sharpness, brightness, contrast, noise and the overall "
          "quality score",
          DEFAULT_QUALITY, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Analyse every Nth frame (1 = every frame); the others pass with "
          "no hash or quality fields",
          1, G_MAXUINT, DEFAULT_INTERVAL, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SCENE_CHANGE_THRESHOLD,
      g_param_spec_double ("scene-change-threshold", "Scene change threshold",
          "Scene-change score against the previous frame (0..1: the "
          "fraction of the view that changed) from which a scene_change "
          "event is emitted",
          0.0, 1.0, DEFAULT_SCENE_CHANGE_THRESHOLD,
          GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SCENE_HASH_BITS,
      g_param_spec_uint ("scene-hash-bits", "Scene hash distance",
          "The scene hash changes when the view's pHash differs from it in "
          "more than this many bits for 2 frames in a row",
          1, 63, DEFAULT_SCENE_HASH_BITS, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_REFERENCE_RATE,
      g_param_spec_double ("reference-rate", "Reference rate",
          "Per-frame blend of the slow reference image the second "
          "scene-change score compares against (0.02: ~50 frames)",
          0.0001, 1.0, DEFAULT_REFERENCE_RATE, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_QUALITY_THRESHOLD,
      g_param_spec_double ("quality-threshold", "Quality threshold",
          "A quality event is emitted when the overall quality falls below "
          "this (0 disables)",
          0.0, 1.0, DEFAULT_QUALITY_THRESHOLD, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post \"axion-scene-change\" and \"axion-quality\" element "
          "messages",
          DEFAULT_POST_MESSAGES, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "frames, analysed-frames, scene-changes, scene-hash-changes, "
          "quality-events, avg-ms-per-frame",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class,
      "Axion frame hashes and quality", "Filter/Analyzer/Video",
      "Exact, perceptual and scene hashes, scene-change scores and image "
      "quality metrics per frame",
      "Axion developers");
  gst_axion_video_analyzer_class_add_pad_templates (an_class);

  bt_class->start = gst_axion_hash_start;
  vf_class->set_info = gst_axion_hash_set_info;
  an_class->analyze = gst_axion_hash_analyze;

  gst_type_mark_as_plugin_api (GST_TYPE_AXION_HASH_ALGORITHM, 0);
}
