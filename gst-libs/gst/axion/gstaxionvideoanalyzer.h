/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_VIDEO_ANALYZER_H__
#define __GST_AXION_VIDEO_ANALYZER_H__

#include <gst/axion/axion-prelude.h>
#include <gst/axion/gstaxionframemeta.h>
#include <gst/axion/gstaxionluma.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionvideoanalyzer
 * @title: GstAxionVideoAnalyzer
 *
 * Abstract base class of Axion's frame analysers (axionmotion, axionhash):
 * an in-place #GstVideoFilter that never writes pixels and never copies a
 * frame. The buffer is made writable only for its metadata (a shallow copy
 * when shared); frames are mapped read-only.
 *
 * Per buffer it makes sure the #GstAxionFrameMeta has a camera id, a frame
 * number and a capture time (filled by the first Axion element of the
 * pipeline, kept by the others), then calls the subclass's analyze().
 *
 * It implements the `camera-id` property: set on one element, it is
 * announced downstream with a sticky event; unset, the id comes from an
 * upstream element's event, or is derived from the source URI.
 */

#define GST_AXION_TYPE_VIDEO_ANALYZER (gst_axion_video_analyzer_get_type ())
/* exported; the G_DECLARE below declares it again, which the
 * GObject-Introspection scanner rejects as a conflict */
#ifndef __GI_SCANNER__
GST_AXION_API GType gst_axion_video_analyzer_get_type (void);
#endif
G_DECLARE_DERIVABLE_TYPE (GstAxionVideoAnalyzer, gst_axion_video_analyzer,
    GST_AXION, VIDEO_ANALYZER, GstVideoFilter)

/**
 * GstAxionVideoAnalyzerClass:
 * @analyze: analyse @frame (mapped read-only) and fill @meta; called with
 *   the element's object lock NOT held
 */
struct _GstAxionVideoAnalyzerClass
{
  GstVideoFilterClass parent_class;

  GstFlowReturn (*analyze) (GstAxionVideoAnalyzer *analyzer,
      GstVideoFrame *frame, GstAxionFrameMeta *meta);

  gpointer _gst_reserved[GST_PADDING];
};

GST_AXION_API
void gst_axion_video_analyzer_post_frame_message (
    GstAxionVideoAnalyzer *analyzer, GstStructure *s,
    const GstAxionFrameMeta *meta, GstClockTime pts, gint64 event_id);

/* property flags of analyser settings that may change while playing */
#define GST_AXION_PARAM_RW_PLAYING                                             \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)

GST_AXION_API
void gst_axion_video_analyzer_class_add_pad_templates (
    GstAxionVideoAnalyzerClass *klass);

G_END_DECLS

#endif /* __GST_AXION_VIDEO_ANALYZER_H__ */
