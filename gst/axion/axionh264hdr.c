/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axionh264hdr.h"

#include <string.h>

/* ---- bits ---------------------------------------------------------------- */

void
axion_bits_init (AxionBits *b, const guint8 *data, gsize size)
{
  b->data = data;
  b->size = size;
  b->pos = 0;
  b->overrun = FALSE;
}

guint
axion_bits_u1 (AxionBits *b)
{
  guint v;

  if (b->pos >= b->size * 8) {
    b->overrun = TRUE;
    return 0;
  }
  v = (b->data[b->pos >> 3] >> (7 - (b->pos & 7))) & 1;
  b->pos++;
  return v;
}

guint32
axion_bits_u (AxionBits *b, guint n)
{
  guint32 v = 0;

  for (guint i = 0; i < n; i++)
    v = (v << 1) | axion_bits_u1 (b);
  return v;
}

guint32
axion_bits_ue (AxionBits *b)
{
  guint zeros = 0;

  while (!axion_bits_u1 (b)) {
    if (b->overrun || ++zeros > 31) {
      b->overrun = TRUE;
      return 0;
    }
  }
  return (guint32) (((guint64) 1 << zeros) - 1 + axion_bits_u (b, zeros));
}

gint32
axion_bits_se (AxionBits *b)
{
  guint32 k = axion_bits_ue (b);

  return (k & 1) ? (gint32) ((k + 1) / 2) : -(gint32) (k / 2);
}

gssize
axion_bits_stop_bit (const AxionBits *b)
{
  for (gsize i = b->size; i > 0; i--) {
    guint8 v = b->data[i - 1];
    if (v)
      return (gssize) ((i - 1) * 8 + 7 - (gsize) g_bit_nth_lsf (v, -1));
  }
  return -1;
}

gsize
axion_h264_unescape (const guint8 *nal, gsize len, guint8 *out)
{
  gsize n = 0, zeros = 0;

  for (gsize i = 0; i < len; i++) {
    if (zeros >= 2 && nal[i] == 3) {
      zeros = 0;
      continue;
    }
    zeros = nal[i] == 0 ? zeros + 1 : 0;
    out[n++] = nal[i];
  }
  return n;
}

/* ---- sequence parameter set ---------------------------------------------- */

static void
skip_scaling_list (AxionBits *b, guint size)
{
  gint last = 8, next = 8;

  for (guint j = 0; j < size && !b->overrun; j++) {
    if (next != 0) {
      gint32 delta = axion_bits_se (b);
      if (delta < -128 || delta > 127) { /* 7.4.2.1.1.1 */
        b->overrun = TRUE;
        return;
      }
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
}

static gboolean
high_profile (guint profile_idc)
{
  static const guint8 high[] = { 100, 110, 122, 244, 44, 83, 86, 118, 128, 138,
    139, 134, 135 };

  for (guint i = 0; i < G_N_ELEMENTS (high); i++)
    if (profile_idc == high[i])
      return TRUE;
  return FALSE;
}

static void
sps_chroma_and_depth (AxionBits *b, AxionH264Sps *s, guint profile_idc)
{
  s->chroma_format_idc = 1;
  s->bit_depth_luma = s->bit_depth_chroma = 8;
  if (!high_profile (profile_idc))
    return;
  guint32 v;

  s->chroma_format_idc = axion_bits_ue (b);
  if (s->chroma_format_idc > 3) {
    b->overrun = TRUE;
    return;
  }
  if (s->chroma_format_idc == 3)
    s->separate_colour_plane = axion_bits_u1 (b);
  /* bit_depth_*_minus8: 0-6 (7.4.2.1.1); larger would wrap below */
  if ((v = axion_bits_ue (b)) > 6) {
    b->overrun = TRUE;
    return;
  }
  s->bit_depth_luma = 8 + v;
  if ((v = axion_bits_ue (b)) > 6) {
    b->overrun = TRUE;
    return;
  }
  s->bit_depth_chroma = 8 + v;
  axion_bits_u1 (b); /* qpprime_y_zero_transform_bypass_flag */
  if (axion_bits_u1 (b)) {
    for (guint i = 0; i < (s->chroma_format_idc != 3 ? 8u : 12u); i++)
      if (axion_bits_u1 (b))
        skip_scaling_list (b, i < 6 ? 16 : 64);
  }
}

static void
sps_pic_order (AxionBits *b, AxionH264Sps *s)
{
  s->poc_type = axion_bits_ue (b);
  if (s->poc_type == 0)
    s->log2_max_poc_lsb = 4 + axion_bits_ue (b);
  else if (s->poc_type == 1) {
    guint n;
    s->delta_pic_order_always_zero = axion_bits_u1 (b);
    axion_bits_se (b); /* offset_for_non_ref_pic */
    axion_bits_se (b); /* offset_for_top_to_bottom_field */
    n = axion_bits_ue (b);
    for (guint i = 0; i < n && i < 256 && !b->overrun; i++)
      axion_bits_se (b);
  }
}

gboolean
axion_h264_parse_sps (AxionH264Params *p, const guint8 *rbsp, gsize len)
{
  AxionBits b;
  AxionH264Sps s = { 0 };
  guint profile_idc, id;
  guint32 v, h;

  axion_bits_init (&b, rbsp, len);
  profile_idc = axion_bits_u (&b, 8);
  axion_bits_u (&b, 16); /* constraint flags, level_idc */
  id = axion_bits_ue (&b);
  if (id >= G_N_ELEMENTS (p->sps))
    return FALSE;
  p->sps[id].valid = FALSE;
  sps_chroma_and_depth (&b, &s, profile_idc);
  s.log2_max_frame_num = 4 + axion_bits_ue (&b);
  sps_pic_order (&b, &s);
  axion_bits_ue (&b); /* max_num_ref_frames */
  axion_bits_u1 (&b); /* gaps_in_frame_num_value_allowed_flag */
  v = axion_bits_ue (&b);
  h = axion_bits_ue (&b);
  if (v >= 1024 || h >= 1024)
    return FALSE; /* before +1 and x2: no wrap */
  s.width_mbs = v + 1;
  s.height_mbs = h + 1;
  s.frame_mbs_only = axion_bits_u1 (&b);
  if (!s.frame_mbs_only) {
    s.mbaff = axion_bits_u1 (&b);
    s.height_mbs *= 2;
  }
  if (b.overrun || s.log2_max_frame_num > 16 || s.log2_max_poc_lsb > 16 ||
      s.poc_type > 2 || s.height_mbs > 2048)
    return FALSE;
  s.valid = TRUE;
  p->sps[id] = s;
  return TRUE;
}

/* ---- picture parameter set ----------------------------------------------- */

gboolean
axion_h264_parse_pps (
    AxionH264Params *p, const guint8 *rbsp, gsize len, gboolean *fmo)
{
  AxionBits b;
  AxionH264Pps s = { 0 };
  guint id;
  gint32 qp;
  gssize stop;

  axion_bits_init (&b, rbsp, len);
  id = axion_bits_ue (&b);
  if (id >= G_N_ELEMENTS (p->pps))
    return FALSE;
  p->pps[id].valid = FALSE;
  s.sps_id = axion_bits_ue (&b);
  s.cabac = axion_bits_u1 (&b);
  s.bottom_field_pic_order_present = axion_bits_u1 (&b);
  s.num_slice_groups = axion_bits_ue (&b) + 1;
  if (s.sps_id >= G_N_ELEMENTS (p->sps))
    return FALSE;
  if (s.num_slice_groups != 1) {
    /* FMO: Baseline's slice groups, not a camera's */
    if (fmo)
      *fmo = TRUE;
    return FALSE;
  }
  s.num_ref_idx_l0_default = axion_bits_ue (&b);
  s.num_ref_idx_l1_default = axion_bits_ue (&b);
  s.weighted_pred = axion_bits_u1 (&b);
  s.weighted_bipred_idc = axion_bits_u (&b, 2);
  qp = axion_bits_se (&b); /* pic_init_qp_minus26: -26 - 6 x 6 .. 25 */
  if (qp < -62 || qp > 25)
    return FALSE;
  s.pic_init_qp = 26 + qp;
  axion_bits_se (&b); /* pic_init_qs_minus26 */
  axion_bits_se (&b); /* chroma_qp_index_offset */
  s.deblocking_filter_control_present = axion_bits_u1 (&b);
  axion_bits_u1 (&b); /* constrained_intra_pred_flag */
  s.redundant_pic_cnt_present = axion_bits_u1 (&b);
  /* more_rbsp_data (): the High profile fields follow */
  stop = axion_bits_stop_bit (&b);
  if (stop > 0 && (gssize) b.pos < stop)
    s.transform_8x8_mode = axion_bits_u1 (&b);
  if (b.overrun || s.num_ref_idx_l0_default > 31 ||
      s.num_ref_idx_l1_default > 31)
    return FALSE;
  s.valid = TRUE;
  p->pps[id] = s;
  return TRUE;
}

/* ---- slice header -------------------------------------------------------- */

static void
skip_ref_pic_list_modification (AxionBits *b)
{
  guint idc;

  if (!axion_bits_u1 (b))
    return;
  do {
    idc = axion_bits_ue (b);
    if (idc <= 2)
      axion_bits_ue (b);
  } while (idc != 3 && !b->overrun);
}

static void
skip_pred_weight_table (AxionBits *b, const AxionH264Sps *s, guint n_refs)
{
  gboolean chroma = s->chroma_format_idc != 0 && !s->separate_colour_plane;

  axion_bits_ue (b); /* luma_log2_weight_denom */
  if (chroma)
    axion_bits_ue (b);
  for (guint i = 0; i <= n_refs && !b->overrun; i++) {
    if (axion_bits_u1 (b)) {
      axion_bits_se (b);
      axion_bits_se (b);
    }
    if (chroma && axion_bits_u1 (b))
      for (guint j = 0; j < 4; j++)
        axion_bits_se (b);
  }
}

static void
skip_dec_ref_pic_marking (AxionBits *b, gboolean idr)
{
  guint op;

  if (idr) {
    axion_bits_u (b, 2);
    return;
  }
  if (!axion_bits_u1 (b))
    return;
  do {
    op = axion_bits_ue (b);
    if (op == 1 || op == 3)
      axion_bits_ue (b);
    if (op == 2)
      axion_bits_ue (b);
    if (op == 3 || op == 6)
      axion_bits_ue (b);
    if (op == 4)
      axion_bits_ue (b);
  } while (op != 0 && !b->overrun);
}

/* the fields between pic_parameter_set_id and the reference lists */
static void
slice_picture_fields (AxionBits *b, const AxionH264Sps *s,
    const AxionH264Pps *pps, guint nal_type, AxionH264SliceHdr *h)
{
  if (s->separate_colour_plane)
    axion_bits_u (b, 2);
  axion_bits_u (b, s->log2_max_frame_num);
  if (!s->frame_mbs_only && (h->field_pic = axion_bits_u1 (b)))
    axion_bits_u1 (b); /* bottom_field_flag */
  if (nal_type == 5)
    axion_bits_ue (b); /* idr_pic_id */
  if (s->poc_type == 0) {
    axion_bits_u (b, s->log2_max_poc_lsb);
    if (pps->bottom_field_pic_order_present && !h->field_pic)
      axion_bits_se (b);
  }
  if (s->poc_type == 1 && !s->delta_pic_order_always_zero) {
    axion_bits_se (b);
    if (pps->bottom_field_pic_order_present && !h->field_pic)
      axion_bits_se (b);
  }
  if (pps->redundant_pic_cnt_present)
    axion_bits_ue (b);
}

gboolean
axion_h264_parse_slice_header (const AxionH264Params *p, guint nal_type,
    guint nal_ref_idc, AxionBits *b, AxionH264SliceHdr *h)
{
  const AxionH264Pps *pps;
  const AxionH264Sps *s;
  guint pps_id, t;
  gint32 delta;

  memset (h, 0, sizeof *h);
  h->first_mb = axion_bits_ue (b);
  t = axion_bits_ue (b);
  pps_id = axion_bits_ue (b);
  if (b->overrun || t > 9 || pps_id >= G_N_ELEMENTS (p->pps))
    return FALSE;
  pps = &p->pps[pps_id];
  if (!pps->valid || !p->sps[pps->sps_id].valid)
    return FALSE;
  s = &p->sps[pps->sps_id];
  h->sps = s;
  h->pps = pps;
  h->slice_type = t % 5;
  slice_picture_fields (b, s, pps, nal_type, h);
  if (h->slice_type == AXION_H264_SLICE_B)
    axion_bits_u1 (b); /* direct_spatial_mv_pred_flag */
  h->num_ref_idx_l0 = pps->num_ref_idx_l0_default;
  if (h->slice_type != AXION_H264_SLICE_I && h->slice_type != 4) {
    if (axion_bits_u1 (b)) {
      h->num_ref_idx_l0 = axion_bits_ue (b);
      if (h->slice_type == AXION_H264_SLICE_B)
        axion_bits_ue (b);
    }
    skip_ref_pic_list_modification (b);
    if (h->slice_type == AXION_H264_SLICE_B)
      skip_ref_pic_list_modification (b);
  }
  if (h->slice_type == AXION_H264_SLICE_B)
    return !b->overrun; /* the map reads P slices only: stop here */
  if (pps->weighted_pred && h->slice_type != AXION_H264_SLICE_I &&
      h->slice_type != 4)
    skip_pred_weight_table (b, s, h->num_ref_idx_l0);
  if (nal_ref_idc != 0)
    skip_dec_ref_pic_marking (b, nal_type == 5);
  if (pps->cabac && h->slice_type != AXION_H264_SLICE_I && h->slice_type != 4)
    h->cabac_init_idc = axion_bits_ue (b);
  delta = axion_bits_se (b); /* slice_qp_delta: SliceQPY stays in range */
  if (delta < -87 || delta > 87)
    return FALSE;
  h->qp = pps->pic_init_qp + delta;
  if (h->slice_type == 3 || h->slice_type == 4) {
    if (h->slice_type == 3)
      axion_bits_u1 (b);
    axion_bits_se (b);
  }
  if (pps->deblocking_filter_control_present && axion_bits_ue (b) != 1) {
    axion_bits_se (b);
    axion_bits_se (b);
  }
  return !b->overrun && h->cabac_init_idc <= 2 && h->num_ref_idx_l0 <= 31 &&
      h->qp >= -(gint) (6 * (s->bit_depth_luma - 8)) && h->qp <= 51;
}
