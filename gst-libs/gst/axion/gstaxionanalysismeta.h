/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_ANALYSIS_META_H__
#define __GST_AXION_ANALYSIS_META_H__

#include <gst/axion/axion-prelude.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionanalysismeta
 * @title: GstAxionAnalysisMeta
 *
 * The result of an LLM scene analysis (axionclaude). The analysis of frame N
 * finishes later than frame N leaves the element, so the result travels on a
 * later buffer of the same stream, with the id of the camera event that
 * triggered it. Sinks turn it into a claude_analyses row and, when
 * @should_alert is set, an alerts row.
 */

/**
 * GstAxionAnalysis:
 * @analysis_id: pipeline-generated id (claude_analyses.analysis_id)
 * @trigger_event_id: the camera_events.event_id that triggered the request
 * @camera_id: camera id
 * @event_time_us: capture time of the analysed frame, Unix microseconds (UTC)
 * @frame_number: frame number of the analysed frame
 * @request_type: 'scene_description', 'anomaly_detection',
 *   'pattern_analysis' or 'real_time_query'
 * @prompt_template: name of the prompt used
 * @context_window_events: number of earlier events given as context
 * @model: model that answered (model_version)
 * @primary_insight: main takeaway
 * @confidence_score: 0..1, or a negative value when not given
 * @objects_identified: (array zero-terminated=1): objects named by the model
 * @activities_detected: (array zero-terminated=1): activities
 * @anomalies_flagged: (array zero-terminated=1): anomalies
 * @scene_description: natural-language description
 * @risk_assessment: 'none', 'low', 'medium', 'high' or 'critical'
 * @pattern_detected: whether a pattern was detected
 * @pattern_type: e.g. 'loitering'
 * @pattern_confidence: 0..1, or negative when not given
 * @should_alert: whether an alert row should be written
 * @alert_reason: why
 * @alert_severity: 1..5 (0 when not given)
 * @api_call_duration_ms: wall time of the API call(s)
 * @tokens_used: input + output tokens
 * @raw_json: the full API response (claude_response), valid JSON
 * @error: %NULL for a usable analysis; else what went wrong (API error,
 *   refusal, truncated or malformed answer) — the analysis is kept as a record
 *   of the attempt, with @raw_json describing the error
 */
typedef struct
{
  gint64 analysis_id;
  gint64 trigger_event_id;
  gchar *camera_id;
  gint64 event_time_us;
  guint64 frame_number;

  gchar *request_type;
  gchar *prompt_template;
  gint context_window_events;
  gchar *model;

  gchar *primary_insight;
  gdouble confidence_score;
  gchar **objects_identified;
  gchar **activities_detected;
  gchar **anomalies_flagged;
  gchar *scene_description;
  gchar *risk_assessment;

  gboolean pattern_detected;
  gchar *pattern_type;
  gdouble pattern_confidence;

  gboolean should_alert;
  gchar *alert_reason;
  gint alert_severity;

  gint api_call_duration_ms;
  gint tokens_used;

  gchar *raw_json;

  gchar *error;
} GstAxionAnalysis;

GST_AXION_API GType gst_axion_analysis_get_type (void);
#define GST_AXION_TYPE_ANALYSIS (gst_axion_analysis_get_type ())

GST_AXION_API GstAxionAnalysis *gst_axion_analysis_new (void);
GST_AXION_API GstAxionAnalysis *
gst_axion_analysis_copy (const GstAxionAnalysis *a);
GST_AXION_API void gst_axion_analysis_free (GstAxionAnalysis *a);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstAxionAnalysis, gst_axion_analysis_free)

typedef struct _GstAxionAnalysisMeta GstAxionAnalysisMeta;

/**
 * GstAxionAnalysisMeta:
 * @meta: parent #GstMeta
 * @analysis: (transfer full): the analysis, owned by the meta
 */
struct _GstAxionAnalysisMeta
{
  GstMeta meta;
  GstAxionAnalysis *analysis;
};

GST_AXION_API GType gst_axion_analysis_meta_api_get_type (void);
#define GST_AXION_ANALYSIS_META_API_TYPE                                       \
  (gst_axion_analysis_meta_api_get_type ())

GST_AXION_API const GstMetaInfo *gst_axion_analysis_meta_get_info (void);
#define GST_AXION_ANALYSIS_META_INFO (gst_axion_analysis_meta_get_info ())

#define gst_buffer_get_axion_analysis_meta(b)                                  \
  ((GstAxionAnalysisMeta *) gst_buffer_get_meta (                              \
      (b), GST_AXION_ANALYSIS_META_API_TYPE))

GST_AXION_API
GstAxionAnalysisMeta *gst_buffer_add_axion_analysis_meta (
    GstBuffer *buffer, const GstAxionAnalysis *analysis);

G_END_DECLS

#endif /* __GST_AXION_ANALYSIS_META_H__ */
