/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_LUMA_H__
#define __GST_AXION_LUMA_H__

#include <gst/axion/axion-prelude.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionluma
 * @title: Luma access
 *
 * Read-only access to the luma (brightness) of a mapped video frame in any
 * format Axion analysers accept (%GST_AXION_LUMA_FORMATS): planar and
 * semi-planar YUV use the Y plane directly, packed RGB is converted with
 * BT.601 weights (Y = (77 R + 150 G + 29 B) / 256). Nothing here writes to
 * the frame.
 */

#define GST_AXION_LUMA_FORMATS                                                 \
  "{ I420, YV12, NV12, NV21, Y42B, Y444, GRAY8, RGB, BGR, RGBx, BGRx, "        \
  "xRGB, xBGR, RGBA, BGRA, ARGB, ABGR }"

typedef struct
{
  const GstVideoFrame *frame;
  gint width;
  gint height;
  /*< private >*/
  gboolean packed;
  gint r, g, b, pstride;
  guint8 *row;
} GstAxionLumaReader;

GST_AXION_API
gboolean gst_axion_luma_format_supported (GstVideoFormat format);

GST_AXION_API
void gst_axion_luma_reader_init (
    GstAxionLumaReader *reader, const GstVideoFrame *frame);

GST_AXION_API
const guint8 *gst_axion_luma_reader_row (GstAxionLumaReader *reader, gint y);

GST_AXION_API
void gst_axion_luma_reader_clear (GstAxionLumaReader *reader);

GST_AXION_API
void gst_axion_luma_downscale (const GstVideoFrame *frame, guint8 *dst,
    gint dst_width, gint dst_height, gint max_samples);

#define GST_AXION_DOWNSCALER_SMALL 64

/**
 * GstAxionLumaDownscaler:
 *
 * gst_axion_luma_downscale() a band of source rows at a time (opaque; may
 * live on the stack).
 */
typedef struct
{
  /*< private >*/
  GstAxionLumaReader rd;
  gint w, h, dst_width, dst_height, max_samples;
  gint uniform, pf_x0, pf_x1;
  gboolean small;
  guint8 *dst;
  guint32 *acc;
  gint *xs, *cols;
  gint oy, s, y, step_rows; /* the next sample */
  guint32 acc_s[GST_AXION_DOWNSCALER_SMALL];
  gint xs_s[GST_AXION_DOWNSCALER_SMALL * 2];
  gint cols_s[GST_AXION_DOWNSCALER_SMALL * 8];
} GstAxionLumaDownscaler;

GST_AXION_API
void gst_axion_luma_downscaler_init (GstAxionLumaDownscaler *d,
    const GstVideoFrame *frame, guint8 *dst, gint dst_width, gint dst_height,
    gint max_samples);

GST_AXION_API
void gst_axion_luma_downscaler_rows (GstAxionLumaDownscaler *d, gint y_end);

GST_AXION_API
void gst_axion_luma_downscaler_finish (GstAxionLumaDownscaler *d);

GST_AXION_API
void gst_axion_luma_downscale_fast (
    const GstVideoFrame *frame, guint8 *dst, gint dst_width, gint dst_height);

G_END_DECLS

#endif /* __GST_AXION_LUMA_H__ */
