/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_META_ACCESS_H__
#define __GST_AXION_META_ACCESS_H__

#include <gst/axion/axion-prelude.h>
#include <gst/axion/gstaxionframemeta.h>
#include <gst/axion/gstaxionanalysismeta.h>
#include <gst/axion/gstaxionalertmeta.h>

G_BEGIN_DECLS

GST_AXION_API
GstAxionFrameMeta *gst_axion_buffer_get_frame_meta (GstBuffer *buffer);

GST_AXION_API
guint gst_axion_buffer_get_n_analysis_metas (GstBuffer *buffer);

GST_AXION_API
GstAxionAnalysisMeta *
gst_axion_buffer_get_analysis_meta (GstBuffer *buffer, guint index);

GST_AXION_API
GstAxionAlertMeta *
gst_axion_buffer_get_alert_meta (GstBuffer *buffer, guint index);

GST_AXION_API
const gchar *gst_axion_frame_meta_get_camera_id (const GstAxionFrameMeta *meta);

GST_AXION_API
gboolean gst_axion_frame_meta_get_frame_number (
    const GstAxionFrameMeta *meta, guint64 *frame_number);

GST_AXION_API
gboolean gst_axion_frame_meta_get_capture_time (const GstAxionFrameMeta *meta,
    gint64 *unix_us, GstAxionCaptureTimeSource *source);

GST_AXION_API
gboolean gst_axion_frame_meta_get_motion (
    const GstAxionFrameMeta *meta, gdouble *score, GstAxionMotionState *state);

GST_AXION_API
const gchar *
gst_axion_frame_meta_get_frame_hash (const GstAxionFrameMeta *meta);

GST_AXION_API
gboolean gst_axion_frame_meta_get_perceptual_hash (
    const GstAxionFrameMeta *meta, guint64 *hash);

GST_AXION_API
gboolean gst_axion_frame_meta_get_difference_hash (
    const GstAxionFrameMeta *meta, guint64 *hash);

GST_AXION_API
gboolean gst_axion_frame_meta_get_scene_hash (
    const GstAxionFrameMeta *meta, guint64 *hash);

GST_AXION_API
gboolean gst_axion_frame_meta_get_scene_change (const GstAxionFrameMeta *meta,
    gdouble *previous_score, gdouble *reference_score);

GST_AXION_API
gboolean gst_axion_frame_meta_get_quality (
    const GstAxionFrameMeta *meta, GstAxionQuality *quality);

GST_AXION_API
gboolean gst_axion_frame_meta_get_inference (const GstAxionFrameMeta *meta,
    GstAxionInferenceState *state, gdouble *wait_ms, gdouble *run_ms);

GST_AXION_API
gboolean gst_axion_frame_meta_get_compressed_bytes (
    const GstAxionFrameMeta *meta, guint64 *bytes);

GST_AXION_API
gboolean gst_axion_frame_meta_get_gate (
    const GstAxionFrameMeta *meta, GstAxionGateInfo *gate);

GST_AXION_API
const gchar *gst_axion_frame_meta_get_snapshot (
    const GstAxionFrameMeta *meta, gint64 *expires_us);

GST_AXION_API
guint gst_axion_frame_meta_get_n_events (const GstAxionFrameMeta *meta);

GST_AXION_API
gboolean gst_axion_frame_meta_get_event (const GstAxionFrameMeta *meta,
    guint index, GstAxionEventType *type, gint64 *id);

GST_AXION_API
GstAxionAnalysis *
gst_axion_analysis_meta_get_analysis (const GstAxionAnalysisMeta *meta);

GST_AXION_API
GstAxionAlert *gst_axion_alert_meta_get_alert (const GstAxionAlertMeta *meta);

G_END_DECLS

#endif /* __GST_AXION_META_ACCESS_H__ */
