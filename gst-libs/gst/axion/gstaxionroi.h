/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_ROI_H__
#define __GST_AXION_ROI_H__

#include <gst/axion/axion-prelude.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionroi
 * @title: Motion and detection regions
 *
 * Axion keeps regions in the standard #GstVideoRegionOfInterestMeta so it
 * works with any detector that already emits it (opencv facedetect, DL
 * Streamer, DeepStream converters):
 *
 * - motion regions have roi_type "motion" and no params;
 * - detections have roi_type = the class label and a "detection"
 *   #GstStructure param with "label" (string), "confidence" (double, 0..1)
 *   and optionally "track-id" (int64). A detection without that param (for
 *   example opencv facedetect's "face") is read with its roi_type as label
 *   and an unknown confidence.
 */

#define GST_AXION_ROI_TYPE_MOTION "motion"

GST_AXION_API
GstVideoRegionOfInterestMeta *gst_axion_roi_add_motion (
    GstBuffer *buffer, guint x, guint y, guint w, guint h);

GST_AXION_API
GstVideoRegionOfInterestMeta *gst_axion_roi_add_detection (GstBuffer *buffer,
    const gchar *label, gdouble confidence, guint x, guint y, guint w, guint h);

GST_AXION_API
void
gst_axion_roi_set_track_id (GstVideoRegionOfInterestMeta *roi, gint64 track_id);

GST_AXION_API
gboolean gst_axion_roi_is_motion (const GstVideoRegionOfInterestMeta *roi);

GST_AXION_API
gboolean gst_axion_roi_get_detection (GstVideoRegionOfInterestMeta *roi,
    const gchar **label, gdouble *confidence, gint64 *track_id);

GST_AXION_API
GstVideoRegionOfInterestMeta *gst_axion_roi_copy_scaled (GstBuffer *dest,
    GstVideoRegionOfInterestMeta *roi, gdouble scale_x, gdouble scale_y);

GST_AXION_API
guint gst_axion_roi_count (GstBuffer *buffer, gboolean motion);

G_END_DECLS

#endif /* __GST_AXION_ROI_H__ */
