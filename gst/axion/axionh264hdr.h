/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_H264_HDR_H__
#define __AXION_H264_HDR_H__

#include <glib.h>

G_BEGIN_DECLS

/* H.264 parameter sets and slice headers (ITU-T H.264 7.3.2.1, 7.3.2.2,
 * 7.3.3), as far as axiongate's macroblock map needs them: the picture
 * size and the fields that decide how the slice data is coded. Written
 * here because GStreamer's GstH264NalParser is in a -dev package that
 * drags OpenCV's into a build (libgstreamer-plugins-bad1.0-dev). */

/* a bit reader over RBSP bytes (emulation prevention removed) */
typedef struct
{
  const guint8 *data;
  gsize size; /* bytes */
  gsize pos;  /* bits read */
  gboolean overrun;
} AxionBits;

void axion_bits_init (AxionBits *b, const guint8 *data, gsize size);
guint axion_bits_u1 (AxionBits *b);
guint32 axion_bits_u (AxionBits *b, guint n);
guint32 axion_bits_ue (AxionBits *b);
gint32 axion_bits_se (AxionBits *b);
/* position of the RBSP's last 1 bit (rbsp_stop_one_bit), or -1 */
gssize axion_bits_stop_bit (const AxionBits *b);

/* Copies NAL unit payload @nal (after the NAL header byte) to @out without
 * its emulation prevention bytes; returns the RBSP size. @out holds at
 * least @len bytes. */
gsize axion_h264_unescape (const guint8 *nal, gsize len, guint8 *out);

typedef struct
{
  gboolean valid;
  guint chroma_format_idc;
  gboolean separate_colour_plane;
  guint bit_depth_luma, bit_depth_chroma;
  guint log2_max_frame_num;
  guint poc_type, log2_max_poc_lsb;
  gboolean delta_pic_order_always_zero;
  gboolean frame_mbs_only, mbaff;
  guint width_mbs, height_mbs; /* of a frame */
} AxionH264Sps;

typedef struct
{
  gboolean valid;
  guint sps_id;
  gboolean cabac;
  gboolean bottom_field_pic_order_present;
  guint num_slice_groups;
  guint num_ref_idx_l0_default, num_ref_idx_l1_default; /* minus 1 */
  gboolean weighted_pred;
  guint weighted_bipred_idc;
  gint pic_init_qp;
  gboolean deblocking_filter_control_present;
  gboolean redundant_pic_cnt_present;
  gboolean transform_8x8_mode;
} AxionH264Pps;

typedef struct
{
  AxionH264Sps sps[32];
  AxionH264Pps pps[256];
} AxionH264Params;

/* slice_type values after % 5 */
enum
{
  AXION_H264_SLICE_P = 0,
  AXION_H264_SLICE_B = 1,
  AXION_H264_SLICE_I = 2,
};

typedef struct
{
  guint first_mb;
  guint slice_type; /* % 5 */
  const AxionH264Sps *sps;
  const AxionH264Pps *pps;
  gboolean field_pic;
  guint num_ref_idx_l0; /* minus 1, after the override */
  guint cabac_init_idc;
  gint qp; /* SliceQPY */
} AxionH264SliceHdr;

/* Parse an SPS / PPS RBSP into @p (replacing the one of the same id).
 * FALSE when it is malformed, or (@fmo set) a PPS with slice groups, which
 * the map does not read; the entry is then marked invalid. */
gboolean
axion_h264_parse_sps (AxionH264Params *p, const guint8 *rbsp, gsize len);
gboolean axion_h264_parse_pps (
    AxionH264Params *p, const guint8 *rbsp, gsize len, gboolean *fmo);
/* Parses the slice header at the start of @b (a slice NAL's RBSP); leaves
 * @b at the first bit after it. */
gboolean axion_h264_parse_slice_header (const AxionH264Params *p,
    guint nal_type, guint nal_ref_idc, AxionBits *b, AxionH264SliceHdr *h);

G_END_DECLS

#endif
