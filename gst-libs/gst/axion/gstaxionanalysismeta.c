/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionanalysismeta.h"

G_DEFINE_BOXED_TYPE (GstAxionAnalysis, gst_axion_analysis,
    gst_axion_analysis_copy, gst_axion_analysis_free);

/**
 * gst_axion_analysis_new:
 *
 * Returns: (transfer full): an empty analysis (scores "not given")
 */
GstAxionAnalysis *
gst_axion_analysis_new (void)
{
  GstAxionAnalysis *a = g_new0 (GstAxionAnalysis, 1);

  a->confidence_score = -1.0;
  a->pattern_confidence = -1.0;
  return a;
}

GstAxionAnalysis *
gst_axion_analysis_copy (const GstAxionAnalysis *a)
{
  GstAxionAnalysis *c;

  g_return_val_if_fail (a != NULL, NULL);

  c = g_memdup2 (a, sizeof (*a));
  c->camera_id = g_strdup (a->camera_id);
  c->request_type = g_strdup (a->request_type);
  c->prompt_template = g_strdup (a->prompt_template);
  c->model = g_strdup (a->model);
  c->primary_insight = g_strdup (a->primary_insight);
  c->objects_identified = g_strdupv (a->objects_identified);
  c->activities_detected = g_strdupv (a->activities_detected);
  c->anomalies_flagged = g_strdupv (a->anomalies_flagged);
  c->scene_description = g_strdup (a->scene_description);
  c->risk_assessment = g_strdup (a->risk_assessment);
  c->pattern_type = g_strdup (a->pattern_type);
  c->alert_reason = g_strdup (a->alert_reason);
  c->raw_json = g_strdup (a->raw_json);
  c->error = g_strdup (a->error);
  return c;
}

void
gst_axion_analysis_free (GstAxionAnalysis *a)
{
  if (a == NULL)
    return;
  g_free (a->camera_id);
  g_free (a->request_type);
  g_free (a->prompt_template);
  g_free (a->model);
  g_free (a->primary_insight);
  g_strfreev (a->objects_identified);
  g_strfreev (a->activities_detected);
  g_strfreev (a->anomalies_flagged);
  g_free (a->scene_description);
  g_free (a->risk_assessment);
  g_free (a->pattern_type);
  g_free (a->alert_reason);
  g_free (a->raw_json);
  g_free (a->error);
  g_free (a);
}

GType
gst_axion_analysis_meta_api_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    static const gchar *tags[] = { NULL };
    GType t = gst_meta_api_type_register ("GstAxionAnalysisMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
analysis_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  ((GstAxionAnalysisMeta *) meta)->analysis = NULL;
  return TRUE;
}

static void
analysis_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  GstAxionAnalysisMeta *am = (GstAxionAnalysisMeta *) meta;

  g_clear_pointer (&am->analysis, gst_axion_analysis_free);
}

static gboolean
analysis_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  GstAxionAnalysisMeta *am = (GstAxionAnalysisMeta *) meta;

  /* A result belongs to the stream, not to pixels: copy it everywhere. */
  return gst_buffer_add_axion_analysis_meta (dest, am->analysis) != NULL;
}

const GstMetaInfo *
gst_axion_analysis_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_AXION_ANALYSIS_META_API_TYPE,
        "GstAxionAnalysisMeta", sizeof (GstAxionAnalysisMeta),
        analysis_meta_init, analysis_meta_free, analysis_meta_transform);
    g_once_init_leave (&info, mi);
  }
  return info;
}

/**
 * gst_buffer_add_axion_analysis_meta:
 * @buffer: a writable buffer
 * @analysis: the analysis (copied)
 *
 * A buffer may carry several analysis metas (several results finished
 * while one frame passed); iterate with gst_buffer_iterate_meta_filtered().
 *
 * Returns: (transfer none): the new meta
 */
GstAxionAnalysisMeta *
gst_buffer_add_axion_analysis_meta (
    GstBuffer *buffer, const GstAxionAnalysis *analysis)
{
  GstAxionAnalysisMeta *am;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (analysis != NULL, NULL);

  am = (GstAxionAnalysisMeta *) gst_buffer_add_meta (
      buffer, GST_AXION_ANALYSIS_META_INFO, NULL);
  am->analysis = gst_axion_analysis_copy (analysis);
  return am;
}
