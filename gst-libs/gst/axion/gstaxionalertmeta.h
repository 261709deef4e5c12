/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_ALERT_META_H__
#define __GST_AXION_ALERT_META_H__

#include <gst/axion/axion-prelude.h>
#include <gst/axion/gstaxionanalysismeta.h>

G_BEGIN_DECLS

/**
 * GstAxionAlertType:
 * @GST_AXION_ALERT_MOTION: motion (in a zone, for a minimum duration)
 * @GST_AXION_ALERT_OBJECT: an object of a class (in a zone)
 * @GST_AXION_ALERT_PATTERN: a pattern found by scene analysis
 * @GST_AXION_ALERT_ANOMALY: an anomaly: scene analysis, or tampering
 *   (lens covered, camera moved)
 * @GST_AXION_ALERT_SYSTEM: the system itself: camera offline, spool
 *   filling, accelerator starved
 *
 * The schema document's alert types (alerts.alert_type).
 */
typedef enum
{
  GST_AXION_ALERT_MOTION,
  GST_AXION_ALERT_OBJECT,
  GST_AXION_ALERT_PATTERN,
  GST_AXION_ALERT_ANOMALY,
  GST_AXION_ALERT_SYSTEM,
} GstAxionAlertType;

/**
 * GstAxionAlert:
 * @alert_id: the row id (gst_axion_id_next()); a replayed alert keeps it,
 *   so it is written and delivered once
 * @type: the alert type
 * @severity: 1 (info) .. 5 (critical)
 * @priority: 1 (highest) .. 5
 * @camera_id: the camera
 * @rule: (nullable): the rule that fired ("claude" for scene analysis)
 * @trigger_event_id: the camera_events row that triggered it, or 0
 * @claude_analysis_id: the analysis that asked for it, or 0
 * @title: one line
 * @description: what happened
 * @data_json: (nullable): more alert_data members, a JSON object's text
 * @detected_objects: (nullable) (array zero-terminated=1): object classes
 * @confidence: 0..1, or negative when unknown
 * @frame_number: the frame it fired on
 * @created_us: capture time of that frame, Unix microseconds
 *
 * An alert: rows in the alerts table, messages to people.
 */
typedef struct
{
  gint64 alert_id;
  GstAxionAlertType type;
  gint severity;
  gint priority;
  gchar *camera_id;
  gchar *rule;
  gint64 trigger_event_id;
  gint64 claude_analysis_id;
  gchar *title;
  gchar *description;
  gchar *data_json;
  gchar **detected_objects;
  gdouble confidence;
  guint64 frame_number;
  gint64 created_us;
} GstAxionAlert;

GST_AXION_API GType gst_axion_alert_get_type (void);
#define GST_AXION_TYPE_ALERT (gst_axion_alert_get_type ())

GST_AXION_API GstAxionAlert *gst_axion_alert_new (void);
GST_AXION_API GstAxionAlert *gst_axion_alert_copy (const GstAxionAlert *alert);
GST_AXION_API void gst_axion_alert_free (GstAxionAlert *alert);
GST_AXION_API const gchar *
gst_axion_alert_type_to_string (GstAxionAlertType type);
GST_AXION_API gboolean gst_axion_alert_type_from_string (
    const gchar *name, GstAxionAlertType *type);
GST_AXION_API GstAxionAlert *
gst_axion_alert_new_from_analysis (const GstAxionAnalysis *analysis);
GST_AXION_API gchar *gst_axion_alert_to_json (const GstAxionAlert *alert);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstAxionAlert, gst_axion_alert_free)

typedef struct _GstAxionAlertMeta GstAxionAlertMeta;

/**
 * GstAxionAlertMeta:
 * @meta: parent
 * @alert: the alert (a buffer may carry several alert metas)
 */
struct _GstAxionAlertMeta
{
  GstMeta meta;
  GstAxionAlert *alert;
};

GST_AXION_API GType gst_axion_alert_meta_api_get_type (void);
#define GST_AXION_ALERT_META_API_TYPE (gst_axion_alert_meta_api_get_type ())

GST_AXION_API const GstMetaInfo *gst_axion_alert_meta_get_info (void);
#define GST_AXION_ALERT_META_INFO (gst_axion_alert_meta_get_info ())

GST_AXION_API
GstAxionAlertMeta *
gst_buffer_add_axion_alert_meta (GstBuffer *buffer, const GstAxionAlert *alert);

GST_AXION_API
guint gst_axion_alert_meta_count (GstBuffer *buffer);

G_END_DECLS

#endif /* __GST_AXION_ALERT_META_H__ */
