/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstaxionalertmeta
 * @title: GstAxionAlertMeta
 * @short_description: alerts carried on buffers
 *
 * An element that decides that people must be told (axionalert's rules,
 * axionclaude's should_alert) attaches a #GstAxionAlertMeta; the sinks
 * write it (alerts rows, camera_events.alert_generated) and deliver it.
 * A buffer may carry several.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionalertmeta.h"
#include "gstaxionformat.h"

G_DEFINE_BOXED_TYPE (
    GstAxionAlert, gst_axion_alert, gst_axion_alert_copy, gst_axion_alert_free);

static const gchar *const type_names[] = { "motion", "object", "pattern",
  "anomaly", "system" };

/**
 * gst_axion_alert_new:
 *
 * Returns: (transfer full): an empty alert: severity and priority 3,
 *   confidence unknown
 */
GstAxionAlert *
gst_axion_alert_new (void)
{
  GstAxionAlert *a = g_new0 (GstAxionAlert, 1);

  a->severity = 3;
  a->priority = 3;
  a->confidence = -1.0;
  return a;
}

/**
 * gst_axion_alert_copy:
 * @alert: an alert
 *
 * Returns: (transfer full): a deep copy
 */
GstAxionAlert *
gst_axion_alert_copy (const GstAxionAlert *alert)
{
  GstAxionAlert *c;

  g_return_val_if_fail (alert != NULL, NULL);

  c = g_memdup2 (alert, sizeof (*alert));
  c->camera_id = g_strdup (alert->camera_id);
  c->rule = g_strdup (alert->rule);
  c->title = g_strdup (alert->title);
  c->description = g_strdup (alert->description);
  c->data_json = g_strdup (alert->data_json);
  c->detected_objects = g_strdupv (alert->detected_objects);
  return c;
}

/**
 * gst_axion_alert_free:
 * @alert: (nullable): an alert
 */
void
gst_axion_alert_free (GstAxionAlert *alert)
{
  if (alert == NULL)
    return;
  g_free (alert->camera_id);
  g_free (alert->rule);
  g_free (alert->title);
  g_free (alert->description);
  g_free (alert->data_json);
  g_strfreev (alert->detected_objects);
  g_free (alert);
}

/**
 * gst_axion_alert_type_to_string:
 * @type: an alert type
 *
 * Returns: its name in the alerts table ("motion", "object", "pattern",
 *   "anomaly", "system")
 */
const gchar *
gst_axion_alert_type_to_string (GstAxionAlertType type)
{
  if ((guint) type < G_N_ELEMENTS (type_names))
    return type_names[type];
  return "anomaly";
}

/**
 * gst_axion_alert_type_from_string:
 * @name: a type name
 * @type: (out): the type
 *
 * Returns: %TRUE when @name is one of the schema's alert types
 */
gboolean
gst_axion_alert_type_from_string (const gchar *name, GstAxionAlertType *type)
{
  for (guint i = 0; name && i < G_N_ELEMENTS (type_names); i++) {
    if (g_str_equal (name, type_names[i])) {
      *type = (GstAxionAlertType) i;
      return TRUE;
    }
  }
  return FALSE;
}

static gint
severity_from_risk (const gchar *risk)
{
  if (g_strcmp0 (risk, "critical") == 0)
    return 5;
  if (g_strcmp0 (risk, "high") == 0)
    return 4;
  if (g_strcmp0 (risk, "medium") == 0)
    return 3;
  return 2;
}

/**
 * gst_axion_alert_new_from_analysis:
 * @analysis: a scene analysis that asks for an alert
 *
 * The alert of a scene analysis, following the schema document's write
 * pattern 6.2.5: id = the analysis id (one alert per analysis, so
 * writing the analysis again never makes a second alert), type 'pattern'
 * when a pattern was detected, else 'anomaly'; severity from
 * alert_severity, else from risk_assessment (critical 5, high 4, medium
 * 3, otherwise 2); title "Anomaly Detected: <pattern>" (or the risk
 * level); description from alert_reason, else primary_insight, else
 * scene_description; rule "claude".
 *
 * Returns: (transfer full): the alert
 */
GstAxionAlert *
gst_axion_alert_new_from_analysis (const GstAxionAnalysis *a)
{
  GstAxionAlert *al;
  GString *data;

  g_return_val_if_fail (a != NULL, NULL);

  al = gst_axion_alert_new ();
  al->alert_id = a->analysis_id;
  al->type = a->pattern_detected ? GST_AXION_ALERT_PATTERN
                                 : GST_AXION_ALERT_ANOMALY;
  al->severity = (a->alert_severity >= 1 && a->alert_severity <= 5)
      ? a->alert_severity
      : severity_from_risk (a->risk_assessment);
  al->camera_id = g_strdup (a->camera_id);
  al->rule = g_strdup ("claude");
  al->trigger_event_id = a->trigger_event_id;
  al->claude_analysis_id = a->analysis_id;
  if (a->pattern_type && *a->pattern_type)
    al->title = g_strdup_printf ("Anomaly Detected: %s", a->pattern_type);
  else
    al->title = g_strdup_printf ("Anomaly Detected: %s risk on %s",
        a->risk_assessment ? a->risk_assessment : "unrated",
        a->camera_id ? a->camera_id : "");
  al->description = g_strdup (a->alert_reason ? a->alert_reason
          : a->primary_insight                ? a->primary_insight
          : a->scene_description              ? a->scene_description
                                              : al->title);
  data = g_string_new ("{\"risk_assessment\":");
  gst_axion_json_append_string (data, a->risk_assessment);
  g_string_append (data, ",\"pattern_type\":");
  gst_axion_json_append_string (data, a->pattern_type);
  g_string_append (data, ",\"model\":");
  gst_axion_json_append_string (data, a->model);
  g_string_append_c (data, '}');
  al->data_json = g_string_free (data, FALSE);
  al->detected_objects = g_strdupv (a->objects_identified);
  al->confidence = a->pattern_confidence >= 0 ? a->pattern_confidence
                                              : a->confidence_score;
  if (al->confidence > 1.0)
    al->confidence = 1.0;
  al->frame_number = a->frame_number;
  al->created_us = a->event_time_us > 0 ? a->event_time_us : g_get_real_time ();
  return al;
}

static void
append_member (GString *out, const gchar *name, const gchar *value)
{
  g_string_append_printf (out, ",\"%s\":", name);
  gst_axion_json_append_string (out, value);
}

/**
 * gst_axion_alert_to_json:
 * @alert: an alert
 *
 * The alert as one JSON object, the payload of its messages (MQTT,
 * webhooks): message_id (the alert id as a string, the same on every
 * retry, for receivers to drop duplicates), alert_id, type, severity,
 * priority, camera_id, rule, title, description, trigger_event_id,
 * claude_analysis_id, detected_objects, confidence, frame_number,
 * timestamp (RFC 3339, UTC, microseconds), data (alert_data).
 *
 * Returns: (transfer full): the JSON text
 */
gchar *
gst_axion_alert_to_json (const GstAxionAlert *a)
{
  GString *out;
  gchar *ts;

  g_return_val_if_fail (a != NULL, NULL);

  out = g_string_new (NULL);
  g_string_append_printf (out,
      "{\"message_id\":\"%" G_GINT64_FORMAT "\",\"alert_id\":%" G_GINT64_FORMAT,
      a->alert_id, a->alert_id);
  append_member (out, "type", gst_axion_alert_type_to_string (a->type));
  g_string_append_printf (
      out, ",\"severity\":%d,\"priority\":%d", a->severity, a->priority);
  append_member (out, "camera_id", a->camera_id);
  append_member (out, "rule", a->rule);
  append_member (out, "title", a->title);
  append_member (out, "description", a->description);
  if (a->trigger_event_id)
    g_string_append_printf (
        out, ",\"trigger_event_id\":%" G_GINT64_FORMAT, a->trigger_event_id);
  if (a->claude_analysis_id)
    g_string_append_printf (out, ",\"claude_analysis_id\":%" G_GINT64_FORMAT,
        a->claude_analysis_id);
  g_string_append (out, ",\"detected_objects\":[");
  for (guint i = 0; a->detected_objects && a->detected_objects[i]; i++) {
    if (i)
      g_string_append_c (out, ',');
    gst_axion_json_append_string (out, a->detected_objects[i]);
  }
  g_string_append_c (out, ']');
  if (a->confidence >= 0) {
    gchar num[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf (out, ",\"confidence\":%s",
        g_ascii_formatd (num, sizeof (num), "%.4f", MIN (a->confidence, 1.0)));
  }
  g_string_append_printf (
      out, ",\"frame_number\":%" G_GUINT64_FORMAT, a->frame_number);
  ts = gst_axion_format_timestamp (a->created_us);
  append_member (out, "timestamp", ts);
  g_free (ts);
  g_string_append_printf (out, ",\"data\":%s}",
      a->data_json && *a->data_json ? a->data_json : "{}");
  return g_string_free (out, FALSE);
}

GType
gst_axion_alert_meta_api_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    static const gchar *tags[] = { NULL };
    GType t = gst_meta_api_type_register ("GstAxionAlertMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
alert_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  ((GstAxionAlertMeta *) meta)->alert = NULL;
  return TRUE;
}

static void
alert_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  g_clear_pointer (&((GstAxionAlertMeta *) meta)->alert, gst_axion_alert_free);
}

static gboolean
alert_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  /* an alert belongs to the stream, not to pixels: copied everywhere */
  return gst_buffer_add_axion_alert_meta (
             dest, ((GstAxionAlertMeta *) meta)->alert) != NULL;
}

const GstMetaInfo *
gst_axion_alert_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_AXION_ALERT_META_API_TYPE,
        "GstAxionAlertMeta", sizeof (GstAxionAlertMeta), alert_meta_init,
        alert_meta_free, alert_meta_transform);
    g_once_init_leave (&info, mi);
  }
  return info;
}

/**
 * gst_buffer_add_axion_alert_meta:
 * @buffer: a writable buffer
 * @alert: the alert (copied)
 *
 * Returns: (transfer none): the new meta
 */
GstAxionAlertMeta *
gst_buffer_add_axion_alert_meta (GstBuffer *buffer, const GstAxionAlert *alert)
{
  GstAxionAlertMeta *am;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);
  g_return_val_if_fail (alert != NULL, NULL);

  am = (GstAxionAlertMeta *) gst_buffer_add_meta (
      buffer, GST_AXION_ALERT_META_INFO, NULL);
  am->alert = gst_axion_alert_copy (alert);
  return am;
}

/**
 * gst_axion_alert_meta_count:
 * @buffer: a buffer
 *
 * Returns: how many alerts @buffer carries
 */
guint
gst_axion_alert_meta_count (GstBuffer *buffer)
{
  gpointer state = NULL;
  guint n = 0;

  while (gst_buffer_iterate_meta_filtered (
      buffer, &state, GST_AXION_ALERT_META_API_TYPE))
    n++;
  return n;
}
