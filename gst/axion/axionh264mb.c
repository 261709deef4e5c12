/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The slice data of H.264 P slices, parsed for which macroblocks are coded
 * (ITU-T H.264 7.3.4-7.3.5.3.3, 9.3.2-9.3.3.1): every syntax element is
 * read, since CABAC cannot skip any, but nothing is reconstructed. The
 * context of a bin depends on the left and upper macroblocks, so each
 * macroblock keeps what its neighbours ask of it (MbInfo), two rows of
 * them. */
#include "axionh264mb.h"
#include "axionh264cabac.h"
#include "axionh264hdr.h"

#include <string.h>

/* a macroblock of the picture no slice has covered yet */
#define NOT_YET 0xff

enum
{
  T_SKIP,
  T_INTER,
  T_I4,
  T_I8,
  T_I16,
  T_PCM
};

typedef struct
{
  gint64 slice; /* the slice it belongs to (numbered across pictures) */
  guint8 type;
  guint8 cbp_luma, cbp_chroma, t8x8, chroma_mode;
  guint8 dc_coded;     /* bit 0 luma DC (Intra 16x16), 1 Cb DC, 2 Cr DC */
  guint16 luma_coded;  /* coded_block_flag per 4x4 block, bit x + 4y */
  guint8 cac_coded[2]; /* chroma AC, bit x + 2y */
  guint8 mvd[16][2];   /* |mvd| per 4x4 block (x + 4y), clamped to 127 */
  guint8 ref[4];       /* ref_idx_l0 per 8x8 block */
} MbInfo;

struct _AxionH264Mb
{
  AxionH264Params params;
  guint nal_length_size; /* 0: byte-stream */
  guint8 *rbsp;
  gsize rbsp_cap;
  MbInfo *rows; /* two rows: the current one and the one above */
  guint rows_w;
  gint64 slice_count;
  guint8 *map, *pic; /* the last complete map, the picture being read */
  guint map_w, map_h, pic_cap;
};

typedef struct
{
  AxionH264Cabac c;
  const AxionH264SliceHdr *h;
  guint chroma; /* ChromaArrayType: 0 or 1 */
  gboolean prev_qp_nonzero;
  gboolean intra; /* the current macroblock is */
  MbInfo *cur;
  const MbInfo *left, *top; /* NULL: not available */
} Slice;

static inline guint
dec (Slice *s, guint ctx)
{
  return axion_h264_cabac_decision (&s->c, ctx);
}

/* ---- neighbours (6.4.11.4) ----------------------------------------------- */

/* the macroblock holding the 4x4 block left of (x, y) of the current one,
 * and that block's place in it */
static const MbInfo *
left_of (const Slice *s, guint x, guint y, guint *nx, guint *ny)
{
  *ny = y;
  if (x > 0) {
    *nx = x - 1;
    return s->cur;
  }
  *nx = 3;
  return s->left;
}

static const MbInfo *
above (const Slice *s, guint x, guint y, guint *nx, guint *ny)
{
  *nx = x;
  if (y > 0) {
    *ny = y - 1;
    return s->cur;
  }
  *ny = 3;
  return s->top;
}

/* ---- macroblock type and prediction -------------------------------------- */

/* mb_type of an intra macroblock in a P slice (prefix 1, 9.3.2.5): 0
 * I_NxN, 1-24 I_16x16, 25 I_PCM */
static guint
intra_type (Slice *s)
{
  guint t;

  if (!dec (s, 17))
    return 0;
  if (axion_h264_cabac_terminate (&s->c))
    return 25;
  t = 1 + 12 * dec (s, 18);
  if (dec (s, 19))
    t += 4 + 4 * dec (s, 19);
  t += 2 * dec (s, 20);
  t += dec (s, 20);
  return t;
}

/* 0-3: P_L0_16x16, P_L0_L0_16x8, P_L0_L0_8x16, P_8x8; 5+: intra */
static guint
p_mb_type (Slice *s)
{
  if (dec (s, 14))
    return 5 + intra_type (s);
  if (!dec (s, 15))
    return dec (s, 16) ? 3 : 0;
  return dec (s, 17) ? 1 : 2;
}

/* 0-3: P_L0_8x8, P_L0_8x4, P_L0_4x8, P_L0_4x4 */
static guint
p_sub_type (Slice *s)
{
  if (dec (s, 21))
    return 0;
  if (!dec (s, 22))
    return 1;
  return dec (s, 23) ? 2 : 3;
}

static guint
ref_cond (const MbInfo *n, guint nx, guint ny)
{
  return n && n->type == T_INTER && n->ref[nx / 2 + 2 * (ny / 2)] > 0;
}

static guint
ref_idx (Slice *s, guint x, guint y)
{
  guint nx, ny, inc, v;
  const MbInfo *a = left_of (s, x, y, &nx, &ny);

  inc = ref_cond (a, nx, ny);
  a = above (s, x, y, &nx, &ny);
  inc += 2 * ref_cond (a, nx, ny);
  if (!dec (s, 54 + inc))
    return 0;
  if (!dec (s, 58))
    return 1;
  for (v = 2; v < 32 && dec (s, 59); v++)
    ;
  return v;
}

/* UEG3 / UEG0 suffix (9.3.2.3) */
static guint
exp_golomb_bypass (Slice *s, guint k)
{
  guint v = 0;

  while (axion_h264_cabac_bypass (&s->c)) {
    v += 1u << k;
    if (++k > 24) {
      s->c.error = TRUE;
      return 0;
    }
  }
  while (k--)
    v += axion_h264_cabac_bypass (&s->c) << k;
  return v;
}

/* |mvd_l0| component: @base 40 (x) or 47 (y), @sum of the neighbours' */
static guint
mvd (Slice *s, guint base, guint sum)
{
  guint v = 1, ctx = base + 3;

  if (!dec (s, base + (sum < 3 ? 0 : sum > 32 ? 2 : 1)))
    return 0;
  while (v < 9 && dec (s, ctx)) {
    v++;
    ctx = MIN (ctx + 1, base + 6);
  }
  if (v >= 9)
    v += exp_golomb_bypass (s, 3);
  axion_h264_cabac_bypass (&s->c); /* sign */
  return v;
}

static guint
mvd_of (const MbInfo *n, guint nx, guint ny, guint comp)
{
  return n ? n->mvd[nx + 4 * ny][comp] : 0;
}

/* the mvd of the partition at (x, y), @w x @h blocks of 4x4 */
static void
partition_mvd (Slice *s, guint x, guint y, guint w, guint h)
{
  guint ax, ay, bx, by, v[2];
  const MbInfo *a = left_of (s, x, y, &ax, &ay), *b = above (s, x, y, &bx, &by);

  for (guint comp = 0; comp < 2; comp++) {
    guint sum = mvd_of (a, ax, ay, comp) + mvd_of (b, bx, by, comp);
    guint d = mvd (s, comp ? 47 : 40, sum);
    v[comp] = MIN (d, 127);
  }
  for (guint j = y; j < y + h; j++)
    for (guint i = x; i < x + w; i++) {
      s->cur->mvd[i + 4 * j][0] = (guint8) v[0];
      s->cur->mvd[i + 4 * j][1] = (guint8) v[1];
    }
}

static void
fill_ref (MbInfo *m, guint x, guint y, guint w, guint h, guint r)
{
  for (guint j = y / 2; j < (y + h) / 2; j++)
    for (guint i = x / 2; i < (x + w) / 2; i++)
      m->ref[i + 2 * j] = (guint8) MIN (r, 255);
}

/* P_8x8: sub_mb_pred (7.3.5.2); returns whether every sub-macroblock is
 * 8x8 (noSubMbPartSizeLessThan8x8Flag) */
static gboolean
sub_mb_pred (Slice *s)
{
  static const guint8 parts[4][4] = { { 0, 0, 2, 2 }, { 0, 0, 2, 1 },
    { 0, 0, 1, 2 }, { 0, 0, 1, 1 } };
  guint sub[4];
  gboolean all_8x8 = TRUE;

  for (guint i = 0; i < 4; i++) {
    sub[i] = p_sub_type (s);
    all_8x8 &= sub[i] == 0;
  }
  if (s->h->num_ref_idx_l0 > 0)
    for (guint i = 0; i < 4; i++)
      fill_ref (s->cur, (i & 1) * 2, (i >> 1) * 2, 2, 2,
          ref_idx (s, (i & 1) * 2, (i >> 1) * 2));
  for (guint i = 0; i < 4; i++) {
    guint x0 = (i & 1) * 2, y0 = (i >> 1) * 2;
    guint w = parts[sub[i]][2], h = parts[sub[i]][3];
    for (guint y = y0; y < y0 + 2; y += h)
      for (guint x = x0; x < x0 + 2; x += w)
        partition_mvd (s, x, y, w, h);
  }
  return all_8x8;
}

/* mb_pred of P_L0_16x16, P_L0_L0_16x8, P_L0_L0_8x16 */
static void
inter_mb_pred (Slice *s, guint t)
{
  static const guint8 part[3][2][4] = { { { 0, 0, 4, 4 }, { 0 } },
    { { 0, 0, 4, 2 }, { 0, 2, 4, 2 } }, { { 0, 0, 2, 4 }, { 2, 0, 2, 4 } } };
  guint n = t == 0 ? 1 : 2;

  if (s->h->num_ref_idx_l0 > 0)
    for (guint i = 0; i < n; i++) {
      const guint8 *p = part[t][i];
      fill_ref (s->cur, p[0], p[1], p[2], p[3], ref_idx (s, p[0], p[1]));
    }
  for (guint i = 0; i < n; i++) {
    const guint8 *p = part[t][i];
    partition_mvd (s, p[0], p[1], p[2], p[3]);
  }
}

static void
intra_pred_modes (Slice *s, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!dec (s, 68)) {
      dec (s, 69);
      dec (s, 69);
      dec (s, 69);
    }
}

static guint
chroma_mode_cond (const MbInfo *n)
{
  return n && (n->type == T_I4 || n->type == T_I8 || n->type == T_I16) &&
      n->chroma_mode != 0;
}

static void
intra_chroma_pred_mode (Slice *s)
{
  guint v = 0;

  if (!s->chroma)
    return;
  if (dec (s, 64 + chroma_mode_cond (s->left) + chroma_mode_cond (s->top))) {
    v = 1;
    while (v < 3 && dec (s, 67))
      v++;
  }
  s->cur->chroma_mode = (guint8) v;
}

static guint
transform_8x8_flag (Slice *s)
{
  return dec (s, 399 + (s->left && s->left->t8x8) + (s->top && s->top->t8x8));
}

/* ---- coded_block_pattern, mb_qp_delta (9.3.3.1.1.4, 9.3.3.1.1.5) --------- */

static guint
luma_cbp_bit (const MbInfo *n, guint b8)
{
  return n ? (n->cbp_luma >> b8) & 1 : 1;
}

static void
coded_block_pattern (Slice *s)
{
  guint luma = 0, ca, cb;

  for (guint b8 = 0; b8 < 4; b8++) {
    guint a = (b8 & 1) ? (luma >> (b8 - 1)) & 1
                       : luma_cbp_bit (s->left, b8 + 1);
    guint b = (b8 & 2) ? (luma >> (b8 - 2)) & 1 : luma_cbp_bit (s->top, b8 + 2);
    luma |= dec (s, 73 + !a + 2 * !b) << b8;
  }
  s->cur->cbp_luma = (guint8) luma;
  if (!s->chroma)
    return;
  ca = s->left && s->left->cbp_chroma != 0;
  cb = s->top && s->top->cbp_chroma != 0;
  if (!dec (s, 77 + ca + 2 * cb))
    return;
  ca = s->left && s->left->cbp_chroma == 2;
  cb = s->top && s->top->cbp_chroma == 2;
  s->cur->cbp_chroma = (guint8) (1 + dec (s, 81 + ca + 2 * cb));
}

static void
mb_qp_delta (Slice *s)
{
  guint k = 0;

  if (dec (s, 60 + s->prev_qp_nonzero)) {
    for (k = 1; dec (s, k == 1 ? 62 : 63); k++)
      if (k > 104) { /* |mb_qp_delta| <= 26 + 6 x (bit depth - 8) */
        s->c.error = TRUE;
        break;
      }
  }
  s->prev_qp_nonzero = k != 0;
}

/* ---- residual (7.3.5.3.3, 9.3.3.1.1.9, 9.3.3.1.3) ------------------------ */

enum
{
  CAT_LUMA_DC,
  CAT_LUMA_AC,
  CAT_LUMA_4x4,
  CAT_CHROMA_DC,
  CAT_CHROMA_AC,
  CAT_LUMA_8x8
};

/* Table 9-43, frame coded 8x8 blocks */
static const guint8 sig_8x8[63] = { 0, 1, 2, 3, 4, 5, 5, 4, 4, 3, 3, 4, 4, 4, 5,
  5, 4, 4, 4, 4, 3, 3, 6, 7, 7, 7, 8, 9, 10, 9, 8, 7, 7, 6, 11, 12, 13, 11, 6,
  7, 8, 9, 14, 10, 9, 8, 6, 11, 12, 13, 11, 6, 9, 14, 10, 9, 11, 12, 13, 11, 14,
  10, 12 };
static const guint8 last_8x8[63] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
  4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8 };

/* coeff_abs_level_minus1 and the sign of one coefficient; returns whether
 * its level is 1 */
static gboolean
coeff_level (Slice *s, guint abs_base, guint cat, guint eq1, guint gt1)
{
  guint v = 1, inc = 5 + MIN (4 - (cat == CAT_CHROMA_DC), gt1);
  gboolean one = !dec (s, abs_base + (gt1 ? 0 : MIN (4, 1 + eq1)));

  if (!one) {
    while (v < 14 && dec (s, abs_base + inc))
      v++;
    if (v == 14)
      exp_golomb_bypass (s, 0);
  }
  axion_h264_cabac_bypass (&s->c); /* coeff_sign_flag */
  return one;
}

/* residual_block_cabac of @max coefficients; @cbf_ctx the ctxIdx of its
 * coded_block_flag (cat 5 of 4:2:0 has none). Returns the flag. */
static gboolean
residual_block (Slice *s, guint cat, guint max, guint cbf_ctx)
{
  static const guint8 sig_off[5] = { 0, 15, 29, 44, 47 };
  static const guint8 abs_off[5] = { 0, 10, 20, 30, 39 };
  guint sig_base, last_base, abs_base, last = max - 1, eq1 = 0, gt1 = 0;
  guint8 sig[64] = { 0 };

  if (cat != CAT_LUMA_8x8 && !dec (s, cbf_ctx))
    return FALSE;
  sig_base = cat == CAT_LUMA_8x8 ? 402 : 105 + sig_off[cat];
  last_base = cat == CAT_LUMA_8x8 ? 417 : 166 + sig_off[cat];
  abs_base = cat == CAT_LUMA_8x8 ? 426 : 227 + abs_off[cat];
  for (guint i = 0; i + 1 < max; i++) {
    guint si = cat == CAT_LUMA_8x8 ? sig_8x8[i]
        : cat == CAT_CHROMA_DC     ? MIN (i, 2)
                                   : i;
    guint li = cat == CAT_LUMA_8x8 ? last_8x8[i] : si;
    if (dec (s, sig_base + si)) {
      sig[i] = 1;
      if (dec (s, last_base + li)) {
        last = i;
        break;
      }
    }
  }
  sig[last] = 1;
  for (gint i = (gint) last; i >= 0 && !s->c.error; i--) {
    if (!sig[i])
      continue;
    if (coeff_level (s, abs_base, cat, eq1, gt1))
      eq1++;
    else
      gt1++;
  }
  return TRUE;
}

/* condTermFlagN of a luma 4x4 block's coded_block_flag */
static guint
luma_cbf_cond (const Slice *s, const MbInfo *n, guint nx, guint ny)
{
  if (!n)
    return s->intra;
  if (n->type == T_PCM)
    return 1;
  if (n->type == T_SKIP || !((n->cbp_luma >> (nx / 2 + 2 * (ny / 2))) & 1))
    return 0;
  return (n->luma_coded >> (nx + 4 * ny)) & 1;
}

static void
luma_4x4_block (Slice *s, guint cat, guint x, guint y)
{
  guint ax, ay, bx, by, inc;
  const MbInfo *a = left_of (s, x, y, &ax, &ay), *b = above (s, x, y, &bx, &by);

  inc = luma_cbf_cond (s, a, ax, ay) + 2 * luma_cbf_cond (s, b, bx, by);
  if (residual_block (s, cat, cat == CAT_LUMA_AC ? 15 : 16,
          85 + (cat == CAT_LUMA_AC ? 4 : 8) + inc))
    s->cur->luma_coded |= (guint16) (1u << (x + 4 * y));
}

static guint
luma_dc_cond (const Slice *s, const MbInfo *n)
{
  if (!n)
    return s->intra;
  if (n->type == T_PCM)
    return 1;
  return n->type == T_I16 && (n->dc_coded & 1);
}

static void
residual_luma (Slice *s)
{
  MbInfo *m = s->cur;

  if (m->type == T_I16 &&
      residual_block (s, CAT_LUMA_DC, 16,
          85 + luma_dc_cond (s, s->left) + 2 * luma_dc_cond (s, s->top)))
    m->dc_coded |= 1;
  for (guint b8 = 0; b8 < 4; b8++) {
    guint x0 = (b8 & 1) * 2, y0 = (b8 >> 1) * 2;
    if (!((m->cbp_luma >> b8) & 1))
      continue;
    if (m->t8x8) {
      residual_block (s, CAT_LUMA_8x8, 64, 0);
      /* 4:2:0: an 8x8 block's coded_block_flag is inferred 1 (7.4.5.3.3) */
      m->luma_coded |= (guint16) (0x33u << (x0 + 4 * y0));
      continue;
    }
    for (guint i = 0; i < 4; i++)
      luma_4x4_block (s, m->type == T_I16 ? CAT_LUMA_AC : CAT_LUMA_4x4,
          x0 + (i & 1), y0 + (i >> 1));
  }
}

static guint
chroma_dc_cond (const Slice *s, const MbInfo *n, guint c)
{
  if (!n)
    return s->intra;
  if (n->type == T_PCM)
    return 1;
  if (n->type == T_SKIP || n->cbp_chroma == 0)
    return 0;
  return (n->dc_coded >> (1 + c)) & 1;
}

/* @bit: the neighbouring block's, x + 2y */
static guint
chroma_ac_cond (const Slice *s, const MbInfo *n, guint c, guint bit)
{
  if (!n)
    return s->intra;
  if (n->type == T_PCM)
    return 1;
  if (n->type == T_SKIP || n->cbp_chroma != 2)
    return 0;
  return (n->cac_coded[c] >> bit) & 1;
}

static void
residual_chroma (Slice *s)
{
  MbInfo *m = s->cur;

  if (!s->chroma || m->cbp_chroma == 0)
    return;
  for (guint c = 0; c < 2; c++) {
    guint inc = chroma_dc_cond (s, s->left, c) +
        2 * chroma_dc_cond (s, s->top, c);
    if (residual_block (s, CAT_CHROMA_DC, 4, 85 + 12 + inc))
      m->dc_coded |= (guint8) (2u << c);
  }
  if (m->cbp_chroma != 2)
    return;
  for (guint c = 0; c < 2; c++)
    for (guint i = 0; i < 4; i++) {
      guint x = i & 1, y = i >> 1;
      /* inside the macroblock: its own earlier blocks */
      guint a = x ? chroma_ac_cond (s, m, c, 2 * y)
                  : chroma_ac_cond (s, s->left, c, 1 + 2 * y);
      guint b = y ? chroma_ac_cond (s, m, c, x)
                  : chroma_ac_cond (s, s->top, c, x + 2);
      if (residual_block (s, CAT_CHROMA_AC, 15, 85 + 16 + a + 2 * b))
        m->cac_coded[c] |= (guint8) (1u << (x + 2 * y));
    }
}

/* ---- macroblock layer (7.3.5) -------------------------------------------- */

/* I_PCM: samples from the next byte, then the engine starts again */
static void
pcm_samples (Slice *s)
{
  const AxionH264Sps *sps = s->h->sps;
  gsize byte = (axion_h264_cabac_pos (&s->c) + 7) / 8;
  gsize bits = 256 * sps->bit_depth_luma +
      (s->chroma ? 128 * sps->bit_depth_chroma : 0);
  MbInfo *m = s->cur;

  m->type = T_PCM;
  m->cbp_luma = 15;
  m->cbp_chroma = 2;
  m->luma_coded = 0xffff;
  m->dc_coded = 7;
  m->cac_coded[0] = m->cac_coded[1] = 0xf;
  s->prev_qp_nonzero = FALSE;
  if (byte + (bits + 7) / 8 >= s->c.size) {
    s->c.error = TRUE;
    return;
  }
  axion_h264_cabac_start (&s->c, s->c.data, s->c.size, byte + (bits + 7) / 8);
}

static void
intra_mb (Slice *s, guint t)
{
  MbInfo *m = s->cur;

  if (t == 0) {
    m->type = T_I4;
    if (s->h->pps->transform_8x8_mode && transform_8x8_flag (s)) {
      m->t8x8 = 1;
      m->type = T_I8;
    }
    intra_pred_modes (s, m->t8x8 ? 4 : 16);
    intra_chroma_pred_mode (s);
    coded_block_pattern (s);
    return;
  }
  m->type = T_I16;
  m->cbp_luma = t >= 13 ? 15 : 0;
  m->cbp_chroma = (guint8) (((t - 1) / 4) % 3);
  intra_chroma_pred_mode (s);
}

static void
inter_mb (Slice *s, guint t)
{
  MbInfo *m = s->cur;
  gboolean all_8x8 = TRUE;

  m->type = T_INTER;
  if (t == 3)
    all_8x8 = sub_mb_pred (s);
  else
    inter_mb_pred (s, t);
  coded_block_pattern (s);
  if (m->cbp_luma && s->h->pps->transform_8x8_mode && all_8x8)
    m->t8x8 = (guint8) transform_8x8_flag (s);
}

static void
macroblock_layer (Slice *s)
{
  guint t = p_mb_type (s);
  MbInfo *m = s->cur;

  s->intra = t >= 5;
  if (t == 5 + 25) {
    pcm_samples (s);
    return;
  }
  if (t >= 5)
    intra_mb (s, t - 5);
  else
    inter_mb (s, t);
  if (m->cbp_luma || m->cbp_chroma || m->type == T_I16) {
    mb_qp_delta (s);
    residual_luma (s);
    residual_chroma (s);
  } else
    s->prev_qp_nonzero = FALSE;
}

/* ---- slice data (7.3.4) -------------------------------------------------- */

static gboolean
ensure_picture (AxionH264Mb *m, const AxionH264Sps *sps)
{
  guint n = sps->width_mbs * sps->height_mbs;

  if (m->rows_w != sps->width_mbs) {
    g_free (m->rows);
    m->rows = g_new (MbInfo, 2 * sps->width_mbs);
    m->rows_w = sps->width_mbs;
    for (guint i = 0; i < 2 * m->rows_w; i++)
      m->rows[i].slice = -1;
  }
  if (m->pic_cap < n) {
    g_free (m->pic);
    g_free (m->map);
    m->pic = g_malloc (n);
    m->map = g_malloc (n);
    m->pic_cap = n;
    m->map_w = m->map_h = 0; /* no map until the next complete picture */
  }
  return TRUE;
}

static const MbInfo *
neighbour (AxionH264Mb *m, gint64 slice, guint x, guint y)
{
  MbInfo *n = &m->rows[(y & 1) * m->rows_w + x];

  return n->slice == slice ? n : NULL;
}

/* After the last end_of_slice_flag the engine has read the encoder's last
 * bit, the rbsp_stop_one_bit; only cabac_zero_words (zero bytes) follow.
 * The rest of the stop bit's byte should be zero too, but x264 sets one
 * of its bits (x264_cabac_encode_flush), so it is not checked. A parse
 * that went wrong anywhere in the slice ends elsewhere. */
static gboolean
ends_at (const guint8 *rbsp, gsize len, gsize pos)
{
  gsize byte = (pos - 1) / 8;

  if (pos == 0 || byte >= len || !((rbsp[byte] >> (7 - (pos - 1) % 8)) & 1))
    return FALSE;
  for (gsize i = byte + 1; i < len; i++)
    if (rbsp[i])
      return FALSE;
  return TRUE;
}

/* Reads the slice data from byte @start of @rbsp; counts the macroblocks
 * it covers into @n_mbs. */
static AxionH264MbResult
slice_data (AxionH264Mb *m, const AxionH264SliceHdr *h, const guint8 *rbsp,
    gsize len, gsize start, guint *n_mbs, const gchar **why)
{
  Slice s = { 0 };
  guint w = h->sps->width_mbs, total = w * h->sps->height_mbs;
  gint64 slice = m->slice_count++;

  s.h = h;
  s.chroma = h->sps->chroma_format_idc;
  axion_h264_cabac_init_contexts (&s.c, h->cabac_init_idc, h->qp);
  axion_h264_cabac_start (&s.c, rbsp, len, start);
  for (guint addr = h->first_mb;; addr++) {
    guint x = addr % w, y = addr / w;
    gboolean skip;
    if (addr >= total || s.c.error || axion_h264_cabac_pos (&s.c) > len * 8) {
      *why = "slice data runs past the picture or its NAL unit";
      return AXION_H264_MB_ERROR;
    }
    s.cur = &m->rows[(y & 1) * w + x];
    s.left = x > 0 ? neighbour (m, slice, x - 1, y) : NULL;
    s.top = y > 0 ? neighbour (m, slice, x, y - 1) : NULL;
    memset (s.cur, 0, sizeof *s.cur);
    s.cur->slice = slice;
    if (m->pic[addr] != NOT_YET) {
      *why = "slices of one picture overlap";
      return AXION_H264_MB_ERROR;
    }
    skip = dec (&s,
        11 + (s.left && s.left->type != T_SKIP) +
            (s.top && s.top->type != T_SKIP));
    if (skip) {
      s.cur->type = T_SKIP;
      s.prev_qp_nonzero = FALSE;
    } else
      macroblock_layer (&s);
    m->pic[addr] = s.cur->type == T_SKIP ? AXION_H264_MB_SKIPPED
        : s.cur->type == T_INTER         ? AXION_H264_MB_INTER
                                         : AXION_H264_MB_INTRA;
    (*n_mbs)++;
    if (axion_h264_cabac_terminate (&s.c))
      break;
  }
  if (s.c.error || !ends_at (rbsp, len, axion_h264_cabac_pos (&s.c))) {
    *why = "slice data does not end where its NAL unit does";
    return AXION_H264_MB_ERROR;
  }
  return AXION_H264_MB_OK;
}

/* ---- NAL units and access units ------------------------------------------ */

static const guint8 *
rbsp_of (AxionH264Mb *m, const guint8 *payload, gsize len, gsize *out_len)
{
  if (m->rbsp_cap < len) {
    g_free (m->rbsp);
    m->rbsp = g_malloc (len);
    m->rbsp_cap = len;
  }
  *out_len = axion_h264_unescape (payload, len, m->rbsp);
  return m->rbsp;
}

typedef struct
{
  guint n_p, n_other, n_mbs;
  const AxionH264Sps *sps;
  guint w, h; /* the picture's size when its first slice came */
  AxionH264MbResult err;
} AuState;

static gboolean
supported (const AxionH264SliceHdr *h, const gchar **why)
{
  if (!h->pps->cabac)
    *why = "CAVLC (Baseline profile): the map reads CABAC only";
  else if (!h->sps->frame_mbs_only || h->field_pic)
    *why = "interlaced (field or MBAFF) pictures";
  else if (h->sps->chroma_format_idc > 1)
    *why = "4:2:2 or 4:4:4 chroma";
  else
    return TRUE;
  return FALSE;
}

static void
slice_nal (AxionH264Mb *m, const guint8 *nal, gsize len, AuState *st,
    const gchar **why)
{
  guint type = nal[0] & 0x1f, ref_idc = (nal[0] >> 5) & 3;
  AxionH264SliceHdr h;
  AxionBits b;
  gsize rlen;
  const guint8 *rbsp = rbsp_of (m, nal + 1, len - 1, &rlen);

  axion_bits_init (&b, rbsp, rlen);
  if (!axion_h264_parse_slice_header (&m->params, type, ref_idc, &b, &h)) {
    *why = "a slice header that does not parse (or no SPS/PPS before it)";
    st->err = AXION_H264_MB_ERROR;
    return;
  }
  if (!supported (&h, why)) {
    st->err = AXION_H264_MB_UNSUPPORTED;
    return;
  }
  if (type == 5 || h.slice_type != AXION_H264_SLICE_P) {
    st->n_other++;
    return;
  }
  if (st->sps &&
      (st->sps != h.sps || st->w != h.sps->width_mbs ||
          st->h != h.sps->height_mbs)) {
    *why = "slices of one access unit with different SPS";
    st->err = AXION_H264_MB_ERROR;
    return;
  }
  if (!st->sps) {
    ensure_picture (m, h.sps);
    memset (m->pic, NOT_YET, h.sps->width_mbs * h.sps->height_mbs);
    st->w = h.sps->width_mbs;
    st->h = h.sps->height_mbs;
  }
  st->sps = h.sps;
  st->n_p++;
  st->err = slice_data (m, &h, rbsp, rlen, (b.pos + 7) / 8, &st->n_mbs, why);
}

static void
nal_unit (AxionH264Mb *m, const guint8 *nal, gsize len, AuState *st,
    const gchar **why)
{
  guint type;
  gsize rlen;
  const guint8 *rbsp;

  if (len < 2 || st->err != AXION_H264_MB_OK)
    return;
  type = nal[0] & 0x1f;
  if (type == 7 || type == 8) {
    gboolean fmo = FALSE, ok;
    /* a parameter set after a slice may resize the picture under it */
    if (st->n_p || st->n_other) {
      *why = "an SPS or PPS after a slice of the access unit";
      st->err = AXION_H264_MB_ERROR;
      return;
    }
    rbsp = rbsp_of (m, nal + 1, len - 1, &rlen);
    ok = type == 7 ? axion_h264_parse_sps (&m->params, rbsp, rlen)
                   : axion_h264_parse_pps (&m->params, rbsp, rlen, &fmo);
    if (!ok && fmo) {
      *why = "slice groups (FMO)";
      st->err = AXION_H264_MB_UNSUPPORTED;
    } else if (!ok) {
      /* a damaged one (a lost packet): the next keyframe brings it again */
      *why = "an SPS or PPS that does not parse";
      st->err = AXION_H264_MB_ERROR;
    }
  } else if (type == 1 || type == 5)
    slice_nal (m, nal, len, st, why);
}

/* byte-stream: NAL units between start codes */
static void
byte_stream_au (
    AxionH264Mb *m, const guint8 *d, gsize size, AuState *st, const gchar **why)
{
  gsize i = 0, start = G_MAXSIZE;

  while (i + 3 <= size) {
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
      if (start != G_MAXSIZE) {
        gsize end = i;
        while (end > start && d[end - 1] == 0)
          end--;
        nal_unit (m, d + start, end - start, st, why);
      }
      i += 3;
      start = i;
    } else
      i++;
  }
  if (start != G_MAXSIZE)
    nal_unit (m, d + start, size - start, st, why);
}

static void
length_prefixed_au (
    AxionH264Mb *m, const guint8 *d, gsize size, AuState *st, const gchar **why)
{
  gsize i = 0;
  guint ls = m->nal_length_size;

  while (i + ls <= size) {
    gsize len = 0;
    for (guint k = 0; k < ls; k++)
      len = (len << 8) | d[i + k];
    i += ls;
    if (len > size - i) {
      *why = "a NAL unit length past the buffer's end";
      st->err = AXION_H264_MB_ERROR;
      return;
    }
    nal_unit (m, d + i, len, st, why);
    i += len;
  }
}

AxionH264MbResult
axion_h264_mb_parse_au (
    AxionH264Mb *m, const guint8 *au, gsize size, const gchar **why)
{
  AuState st = { 0 };
  const gchar *dummy;

  if (!why)
    why = &dummy;
  *why = NULL;
  st.err = AXION_H264_MB_OK;
  if (m->nal_length_size)
    length_prefixed_au (m, au, size, &st, why);
  else
    byte_stream_au (m, au, size, &st, why);
  if (st.err != AXION_H264_MB_OK)
    return st.err;
  if (st.n_p == 0 || st.n_other > 0) {
    *why = "not a predicted picture";
    return AXION_H264_MB_NOT_P;
  }
  if (st.n_mbs != st.w * st.h) {
    *why = "the picture's slices do not cover it";
    return AXION_H264_MB_ERROR;
  }
  memcpy (m->map, m->pic, st.n_mbs);
  m->map_w = st.w;
  m->map_h = st.h;
  return AXION_H264_MB_OK;
}

gboolean
axion_h264_mb_set_codec_data (AxionH264Mb *m, const guint8 *d, gsize size)
{
  gsize i = 6;
  guint n;
  AuState st = { 0 };
  const gchar *why;

  if (d == NULL) {
    m->nal_length_size = 0;
    return TRUE;
  }
  if (size < 7 || d[0] != 1)
    return FALSE;
  m->nal_length_size = (d[4] & 3) + 1;
  n = d[5] & 0x1f;
  for (guint set = 0; set < 2; set++) {
    for (guint k = 0; k < n; k++) {
      gsize len;
      if (i + 2 > size)
        return FALSE;
      len = ((gsize) d[i] << 8) | d[i + 1];
      i += 2;
      if (len > size - i)
        return FALSE;
      nal_unit (m, d + i, len, &st, &why);
      i += len;
    }
    if (set == 0) {
      if (i >= size)
        return FALSE;
      n = d[i++];
    }
  }
  return st.err == AXION_H264_MB_OK;
}

const guint8 *
axion_h264_mb_map (const AxionH264Mb *m, guint *width_mbs, guint *height_mbs)
{
  if (width_mbs)
    *width_mbs = m->map_w;
  if (height_mbs)
    *height_mbs = m->map_h;
  return m->map_w ? m->map : NULL;
}

AxionH264Mb *
axion_h264_mb_new (void)
{
  return g_new0 (AxionH264Mb, 1);
}

void
axion_h264_mb_free (AxionH264Mb *m)
{
  if (!m)
    return;
  g_free (m->rbsp);
  g_free (m->rows);
  g_free (m->pic);
  g_free (m->map);
  g_free (m);
}
