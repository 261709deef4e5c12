/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionluma.h"

#include <string.h>

gboolean
gst_axion_luma_format_supported (GstVideoFormat format)
{
  switch (format) {
  case GST_VIDEO_FORMAT_I420:
  case GST_VIDEO_FORMAT_YV12:
  case GST_VIDEO_FORMAT_NV12:
  case GST_VIDEO_FORMAT_NV21:
  case GST_VIDEO_FORMAT_Y42B:
  case GST_VIDEO_FORMAT_Y444:
  case GST_VIDEO_FORMAT_GRAY8:
  case GST_VIDEO_FORMAT_RGB:
  case GST_VIDEO_FORMAT_BGR:
  case GST_VIDEO_FORMAT_RGBx:
  case GST_VIDEO_FORMAT_BGRx:
  case GST_VIDEO_FORMAT_xRGB:
  case GST_VIDEO_FORMAT_xBGR:
  case GST_VIDEO_FORMAT_RGBA:
  case GST_VIDEO_FORMAT_BGRA:
  case GST_VIDEO_FORMAT_ARGB:
  case GST_VIDEO_FORMAT_ABGR:
    return TRUE;
  default:
    return FALSE;
  }
}

/**
 * gst_axion_luma_reader_init:
 * @reader: a reader to initialise
 * @frame: a frame mapped for reading, in a supported format
 *
 * Clear it with gst_axion_luma_reader_clear().
 */
void
gst_axion_luma_reader_init (
    GstAxionLumaReader *reader, const GstVideoFrame *frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;

  memset (reader, 0, sizeof (*reader));
  reader->frame = frame;
  reader->width = GST_VIDEO_FRAME_WIDTH (frame);
  reader->height = GST_VIDEO_FRAME_HEIGHT (frame);
  reader->packed = GST_VIDEO_FORMAT_INFO_IS_RGB (finfo);
  if (reader->packed) {
    reader->r = GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_R);
    reader->g = GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_G);
    reader->b = GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_B);
    reader->pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, GST_VIDEO_COMP_R);
    reader->row = g_malloc (MAX (reader->width, 1));
  }
}

/**
 * gst_axion_luma_reader_row:
 * @reader: a reader
 * @y: row, 0..height-1
 *
 * Returns: (transfer none): @width luma values of row @y, valid until the
 * next call
 */
const guint8 *
gst_axion_luma_reader_row (GstAxionLumaReader *reader, gint y)
{
  const guint8 *src;

  if (!reader->packed)
    return (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (reader->frame, 0) +
        (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (reader->frame, 0);

  src = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (reader->frame, 0) +
      (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (reader->frame, 0);
  for (gint x = 0; x < reader->width; x++, src += reader->pstride)
    reader->row[x] = (77 * src[reader->r] + 150 * src[reader->g] +
                         29 * src[reader->b] + 128) >>
        8;
  return reader->row;
}

void
gst_axion_luma_reader_clear (GstAxionLumaReader *reader)
{
  g_clear_pointer (&reader->row, g_free);
}

/* the source row of sample @s (of *@step_rows) of output row @oy */
static inline gint
sample_row (
    gint oy, gint s, gint h, gint dst_height, gint max_samples, gint *step_rows)
{
  gint y0 = (gint) ((gint64) oy * h / dst_height);
  gint y1 = (gint) ((gint64) (oy + 1) * h / dst_height);
  gint nrows;

  if (y1 <= y0)
    y1 = y0 + 1;
  nrows = y1 - y0;
  *step_rows = (max_samples > 0) ? MIN (nrows, max_samples) : nrows;
  return (max_samples > 0)
      ? y0 + (gint) (((gint64) (2 * s + 1) * nrows) / (2 * *step_rows))
      : y0 + s;
}

/**
 * gst_axion_luma_downscaler_init:
 * @d: a downscaler (on the stack is fine)
 * @frame: a frame mapped for reading, kept mapped until
 *   gst_axion_luma_downscaler_finish()
 * @dst: @dst_width x @dst_height bytes, rows packed, written as source
 *   rows come in
 * @dst_width: output width (1..frame width)
 * @dst_height: output height (1..frame height)
 * @max_samples: as for gst_axion_luma_downscale()
 *
 * Prepares the downscale of gst_axion_luma_downscale() done a band of
 * source rows at a time (gst_axion_luma_downscaler_rows()), e.g. while
 * another pass has those rows in the cache.
 */
void
gst_axion_luma_downscaler_init (GstAxionLumaDownscaler *d,
    const GstVideoFrame *frame, guint8 *dst, gint dst_width, gint dst_height,
    gint max_samples)
{
  gint w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);
  gint ncols_total = 0;

  memset (d, 0, sizeof (*d));
  g_return_if_fail (dst_width >= 1 && dst_width <= w);
  g_return_if_fail (dst_height >= 1 && dst_height <= h);

  gst_axion_luma_reader_init (&d->rd, frame);
  d->w = w;
  d->h = h;
  d->dst = dst;
  d->dst_width = dst_width;
  d->dst_height = dst_height;
  d->max_samples = max_samples;
  /* small outputs (thumbnails) need no allocation */
  d->small = dst_width <= GST_AXION_DOWNSCALER_SMALL && max_samples <= 8;
  d->acc = d->small ? d->acc_s : g_new (guint32, dst_width);
  d->xs = d->small ? d->xs_s : g_new (gint, (gsize) dst_width * 2);
  memset (d->acc, 0, sizeof (guint32) * dst_width);

  /* column ranges per output pixel, and (sampled) column lists */
  for (gint ox = 0; ox < dst_width; ox++) {
    gint x0 = (gint) ((gint64) ox * w / dst_width);
    gint x1 = (gint) ((gint64) (ox + 1) * w / dst_width);
    if (x1 <= x0)
      x1 = x0 + 1;
    d->xs[2 * ox] = x0;
    d->xs[2 * ox + 1] = x1;
  }
  if (max_samples > 0) {
    d->cols = d->small ? d->cols_s
                       : g_new (gint, (gsize) dst_width * max_samples);
    for (gint ox = 0; ox < dst_width; ox++) {
      gint x0 = d->xs[2 * ox], n = d->xs[2 * ox + 1] - x0;
      gint ns = MIN (n, max_samples);
      for (gint s = 0; s < ns; s++)
        d->cols[ncols_total++] = x0 +
            (gint) (((gint64) (2 * s + 1) * n) / (2 * ns));
      d->xs[2 * ox + 1] = ns; /* now: number of samples */
      if (ox == 0)
        d->uniform = ns;
      else if (d->uniform != ns)
        d->uniform = 0;
    }
    if (!d->rd.packed && ncols_total > 0) {
      d->pf_x0 = d->cols[0];
      d->pf_x1 = d->cols[ncols_total - 1] + 1;
    }
  }
  d->oy = 0;
  d->s = 0;
  d->y = sample_row (0, 0, h, dst_height, max_samples, &d->step_rows);
}

/* adds source row @row to the accumulators */
static inline void
downscaler_add (GstAxionLumaDownscaler *d, const guint8 *row)
{
  const gint *xs = d->xs, *c = d->cols;
  guint32 *acc = d->acc;
  gint dw = d->dst_width, w = d->w;

  if (d->max_samples > 0 && d->uniform == 4) {
    for (gint ox = 0; ox < dw; ox++, c += 4)
      acc[ox] += row[c[0]] + row[c[1]] + row[c[2]] + row[c[3]];
  } else if (d->max_samples > 0 && d->uniform == 3) {
    /* the common case (motion analysis): 3 samples per block */
    for (gint ox = 0; ox < dw; ox++, c += 3)
      acc[ox] += row[c[0]] + row[c[1]] + row[c[2]];
  } else if (d->max_samples > 0 && d->uniform == 2) {
    for (gint ox = 0; ox < dw; ox++, c += 2)
      acc[ox] += row[c[0]] + row[c[1]];
  } else if (d->max_samples > 0) {
    for (gint ox = 0; ox < dw; ox++) {
      guint32 sum = 0;
      for (gint k = 0; k < xs[2 * ox + 1]; k++)
        sum += row[*c++];
      acc[ox] += sum;
    }
  } else if (w % dw == 0) {
    gint k = w / dw;
    for (gint ox = 0; ox < dw; ox++) {
      const guint8 *p = row + ox * k;
      guint32 sum = 0;
      for (gint i = 0; i < k; i++)
        sum += p[i];
      acc[ox] += sum;
    }
  } else {
    for (gint ox = 0; ox < dw; ox++) {
      guint32 sum = 0;
      for (gint x = xs[2 * ox]; x < xs[2 * ox + 1]; x++)
        sum += row[x];
      acc[ox] += sum;
    }
  }
}

/**
 * gst_axion_luma_downscaler_rows:
 * @d: a downscaler
 * @y_end: source rows before this one are available
 *
 * Takes in every sampled source row above @y_end not taken yet (rows come
 * in order; an output row is written once its last source row is in).
 */
void
gst_axion_luma_downscaler_rows (GstAxionLumaDownscaler *d, gint y_end)
{
  y_end = MIN (y_end, d->h);
  while (d->oy < d->dst_height && d->y < y_end) {
    const guint8 *row = gst_axion_luma_reader_row (&d->rd, d->y);

    if (d->pf_x1 > d->pf_x0 && y_end - d->y > 64) {
      /* sampled rows are far apart: the row two samples ahead comes from
       * memory while this one is summed (not for a band of rows another
       * pass has just read: they are in the cache) */
      gint ps = d->s + 2, poy = d->oy, pst;
      if (ps >= d->step_rows) {
        ps -= d->step_rows;
        poy++;
      }
      if (poy < d->dst_height) {
        gint py = sample_row (
            poy, ps, d->h, d->dst_height, d->max_samples, &pst);
        if (ps < pst && py < d->h) {
          const guint8 *pr = gst_axion_luma_reader_row (&d->rd, py);
          for (gint x = d->pf_x0; x < d->pf_x1; x += 64)
            __builtin_prefetch (pr + x);
        }
      }
    }
    downscaler_add (d, row);

    if (++d->s == d->step_rows) {
      /* the output row is complete */
      guint8 *out = d->dst + (gsize) d->oy * d->dst_width;
      if (d->max_samples > 0 && d->uniform > 0 &&
          d->step_rows * d->uniform < 4096) {
        /* one divisor for the row: multiply by its reciprocal, rounded
         * up (exact: every sum is below 256 n and n < 4096) */
        guint32 n = (guint32) (d->step_rows * d->uniform);
        guint64 m = ((G_GUINT64_CONSTANT (1) << 32) + n - 1) / n;
        for (gint ox = 0; ox < d->dst_width; ox++)
          out[ox] = (guint8) (((d->acc[ox] + n / 2) * m) >> 32);
      } else {
        for (gint ox = 0; ox < d->dst_width; ox++) {
          guint32 n = (guint32) d->step_rows *
              (guint32) (d->max_samples > 0
                      ? d->xs[2 * ox + 1]
                      : d->xs[2 * ox + 1] - d->xs[2 * ox]);
          out[ox] = (guint8) ((d->acc[ox] + n / 2) / n);
        }
      }
      memset (d->acc, 0, sizeof (guint32) * d->dst_width);
      d->oy++;
      d->s = 0;
    }
    if (d->oy < d->dst_height)
      d->y = sample_row (
          d->oy, d->s, d->h, d->dst_height, d->max_samples, &d->step_rows);
  }
}

/**
 * gst_axion_luma_downscaler_finish:
 * @d: a downscaler
 *
 * Takes in the remaining source rows (the output is then complete) and
 * frees what @d holds.
 */
void
gst_axion_luma_downscaler_finish (GstAxionLumaDownscaler *d)
{
  if (d->dst == NULL)
    return;
  gst_axion_luma_downscaler_rows (d, d->h);
  if (!d->small) {
    g_free (d->cols);
    g_free (d->xs);
    g_free (d->acc);
  }
  gst_axion_luma_reader_clear (&d->rd);
  d->dst = NULL;
}

/**
 * gst_axion_luma_downscale:
 * @frame: a frame mapped for reading
 * @dst: @dst_width x @dst_height bytes, rows packed
 * @dst_width: output width (1..frame width)
 * @dst_height: output height (1..frame height)
 * @max_samples: at most this many source rows and columns averaged per
 *   output pixel and axis (0 = all: an exact area average)
 *
 * Box-filter downscale of the frame's luma. With @max_samples > 0 the
 * average uses evenly spaced samples of each block, which is much faster
 * for small outputs (e.g. 32x32 thumbnails of a 1080p frame).
 */
void
gst_axion_luma_downscale (const GstVideoFrame *frame, guint8 *dst,
    gint dst_width, gint dst_height, gint max_samples)
{
  GstAxionLumaDownscaler d;

  gst_axion_luma_downscaler_init (
      &d, frame, dst, dst_width, dst_height, max_samples);
  gst_axion_luma_downscaler_finish (&d);
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AXION_HAVE_SSSE3 1
#include <tmmintrin.h>
#else
#define AXION_HAVE_SSSE3 0
#endif

#define AHEAD 2 /* rows prefetched ahead */

/* sum of the first k (1..8) of the 8 bytes at p */
static inline guint
sum_bytes (const guint8 *p, guint64 mask)
{
  guint64 v;

  memcpy (&v, p, 8);
  v &= mask;
#if defined(__SSE2__)
  return (guint) _mm_cvtsi128_si32 (
      _mm_sad_epu8 (_mm_cvtsi64_si128 ((gint64) v), _mm_setzero_si128 ()));
#else
  v = (v & G_GUINT64_CONSTANT (0x00FF00FF00FF00FF)) +
      ((v >> 8) & G_GUINT64_CONSTANT (0x00FF00FF00FF00FF));
  return (guint) ((v * G_GUINT64_CONSTANT (0x0001000100010001)) >> 48);
#endif
}

#if defined(__SSE2__)
/* Sums of 8 consecutive blocks of k bytes (k = 2, 4, 6 or 8) starting at
 * p, as 8 16-bit lanes. Reads 8 * k bytes (k = 6: 8 * k + 4). */
static inline __m128i
block_sums8 (const guint8 *p, gint k)
{
  const __m128i z = _mm_setzero_si128 ();

  if (k == 2) {
    __m128i x = _mm_loadu_si128 ((const __m128i *) p);
    return _mm_add_epi16 (
        _mm_and_si128 (x, _mm_set1_epi16 (0x00FF)), _mm_srli_epi16 (x, 8));
  } else if (k == 4) {
    const __m128i lo32 = _mm_set_epi32 (0, -1, 0, -1);
    __m128i r[2];
    for (gint i = 0; i < 2; i++) {
      __m128i x = _mm_loadu_si128 ((const __m128i *) (p + 16 * i));
      __m128i a = _mm_sad_epu8 (_mm_and_si128 (x, lo32), z);
      __m128i b = _mm_sad_epu8 (_mm_srli_epi64 (x, 32), z);
      r[i] = _mm_or_si128 (a, _mm_slli_epi64 (b, 32));
    }
    return _mm_packs_epi32 (r[0], r[1]);
  } else {
    /* k = 6 or 8: two blocks per 16-byte load, one per 64-bit lane */
    const __m128i m6 = _mm_set_epi32 (0, 0, 0x0000FFFF, -1);
    __m128i r[4];
    for (gint i = 0; i < 4; i++) {
      __m128i x = _mm_loadu_si128 ((const __m128i *) (p + 2 * k * i)), v;
      if (k == 6)
        v = _mm_unpacklo_epi64 (
            _mm_and_si128 (x, m6), _mm_and_si128 (_mm_srli_si128 (x, 6), m6));
      else
        v = x;
      /* sums in 32-bit lanes 0 and 2 -> lanes 0 and 1 */
      r[i] = _mm_shuffle_epi32 (_mm_sad_epu8 (v, z), _MM_SHUFFLE (3, 3, 2, 0));
    }
    return _mm_packs_epi32 (
        _mm_unpacklo_epi64 (r[0], r[1]), _mm_unpacklo_epi64 (r[2], r[3]));
  }
}
#endif

#if AXION_HAVE_SSSE3
/* Blocks of 4 (1280 to 320, 640 to 160): 16 outputs from 64 bytes with
 * byte-pair sums (pmaddubsw) and horizontal adds of the pairs, exact like
 * the other paths ((sum + 2) / 4). Returns the outputs written. */
__attribute__ ((target ("ssse3"))) static gint
row_k4_ssse3 (const guint8 *row, const guint8 *next, guint8 *out, gint n_out)
{
  const __m128i ones = _mm_set1_epi8 (1), two = _mm_set1_epi16 (2);
  gint ox = 0;

  for (; ox + 16 <= n_out; ox += 16) {
    const __m128i *p = (const __m128i *) (row + 4 * ox);
    if (next)
      __builtin_prefetch (next + 4 * ox, 0, 2);
    __m128i q0 = _mm_hadd_epi16 (_mm_maddubs_epi16 (_mm_loadu_si128 (p), ones),
        _mm_maddubs_epi16 (_mm_loadu_si128 (p + 1), ones));
    __m128i q1 = _mm_hadd_epi16 (
        _mm_maddubs_epi16 (_mm_loadu_si128 (p + 2), ones),
        _mm_maddubs_epi16 (_mm_loadu_si128 (p + 3), ones));
    q0 = _mm_srli_epi16 (_mm_add_epi16 (q0, two), 2);
    q1 = _mm_srli_epi16 (_mm_add_epi16 (q1, two), 2);
    _mm_storeu_si128 ((__m128i *) (out + ox), _mm_packus_epi16 (q0, q1));
  }
  return ox;
}
#endif

/**
 * gst_axion_luma_downscale_fast:
 * @frame: a frame mapped for reading
 * @dst: @dst_width x @dst_height bytes, rows packed
 * @dst_width: output width (1..frame width)
 * @dst_height: output height (1..frame height)
 *
 * Downscale for per-frame analysis at camera rates: one source row per
 * output row (the middle row of the block) and, across it, the average of
 * every column of the block when blocks are a whole number of columns wide
 * (at most 16, e.g. 1920 or 1280 to 320 or 160), else of three evenly
 * spaced columns. It reads 1/6 of a 1080p luma plane for a 320-pixel-wide
 * output, and fetches the next row ahead while averaging the current one, so it
 * is bound by memory latency rather than arithmetic.
 */
void
gst_axion_luma_downscale_fast (
    const GstVideoFrame *frame, guint8 *dst, gint dst_width, gint dst_height)
{
  GstAxionLumaReader rd;
  gint w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);
  gint k = w / dst_width;
  gboolean whole;
  guint64 mask;
  guint recip;
  gint ox_fast, kl, span, ox;
#if AXION_HAVE_SSSE3
  gboolean ssse3 = __builtin_cpu_supports ("ssse3");
#endif

  g_return_if_fail (dst_width >= 1 && dst_width <= w);
  g_return_if_fail (dst_height >= 1 && dst_height <= h);

  whole = w % dst_width == 0 && k >= 1 && k <= 16;
  if (!whole) {
    gst_axion_luma_downscale (frame, dst, dst_width, dst_height, 3);
    return;
  }
  /* ((sum + k / 2) * recip) >> 16 is sum / k rounded (ties may go either
   * way) and stays <= 255 for k <= 16 */
  recip = (65536 + k - 1) / k;
  /* the bytes of the block in the last (or only) 8-byte word */
  kl = k > 8 ? k - 8 : k;
  mask = kl == 8 ? G_MAXUINT64 : ((G_GUINT64_CONSTANT (1) << (8 * kl)) - 1);
  /* blocks whose 8- or 16-byte read stays inside the row */
  span = k > 8 ? 16 : 8;
  ox_fast = w >= span ? (w - span) / k + 1 : 0;
  ox_fast = MIN (ox_fast, dst_width);

  gst_axion_luma_reader_init (&rd, frame);
  for (gint oy = 0; oy < dst_height; oy++) {
    gint y0 = (gint) ((gint64) oy * h / dst_height);
    gint y1 = (gint) ((gint64) (oy + 1) * h / dst_height);
    const guint8 *row, *nextrow = NULL;
    guint8 *out = dst + (gsize) oy * dst_width;

    if (y1 <= y0)
      y1 = y0 + 1;
    if (!rd.packed && oy + AHEAD < dst_height) {
      /* a later row from memory while this one is averaged, into L2
       * (prefetcht1): prefetches into L1 stalled on the few L1 fill
       * buffers and were a third slower from DRAM */
      gint ny0 = (gint) ((gint64) (oy + AHEAD) * h / dst_height);
      gint ny1 = (gint) ((gint64) (oy + AHEAD + 1) * h / dst_height);
      const guint8 *next = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (
                               frame, 0) +
          (gsize) ((ny0 + MAX (ny1, ny0 + 1)) / 2) *
              GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
      if (k == 4 && ssse3)
        nextrow = next; /* prefetched line by line as the row is read */
      else
        for (gint x = 0; x < w; x += 64)
          __builtin_prefetch (next + x, 0, 2);
    }
    row = gst_axion_luma_reader_row (&rd, (y0 + y1) / 2);
    ox = 0;
#if AXION_HAVE_SSSE3
    if (k == 4 && ssse3)
      ox = row_k4_ssse3 (row, nextrow, out, MIN (dst_width, w / 4));
#endif
#if defined(__SSE2__)
    if (k == 2 || k == 4 || k == 6 || k == 8) {
      /* 8 blocks at a time, while the reads stay inside the row */
      const __m128i half = _mm_set1_epi16 (k / 2);
      const __m128i rc = _mm_set1_epi16 ((gint16) recip);
      gint extra = k == 6 ? 4 : 0;
      for (; (ox + 8) * k + extra <= w && ox + 8 <= dst_width; ox += 8) {
        __m128i q = _mm_mulhi_epu16 (
            _mm_add_epi16 (block_sums8 (row + ox * k, k), half), rc);
        _mm_storel_epi64 ((__m128i *) (out + ox), _mm_packus_epi16 (q, q));
      }
    }
#endif
    if (k <= 8) {
      for (; ox < ox_fast; ox++)
        out[ox] =
            (guint8) (((sum_bytes (row + ox * k, mask) + k / 2) * recip) >> 16);
    } else {
      for (; ox < ox_fast; ox++) {
        const guint8 *p = row + ox * k;
        guint sum = sum_bytes (p, G_MAXUINT64) + sum_bytes (p + 8, mask);
        out[ox] = (guint8) (((sum + k / 2) * recip) >> 16);
      }
    }
    for (; ox < dst_width; ox++) {
      guint sum = 0;
      for (gint i = 0; i < k; i++)
        sum += row[ox * k + i];
      out[ox] = (guint8) (((sum + k / 2) * recip) >> 16);
    }
  }
  gst_axion_luma_reader_clear (&rd);
}
