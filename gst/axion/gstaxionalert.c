/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionalert
 * @title: axionalert
 *
 * Evaluates alert rules on every frame (motion in a zone, objects of a
 * class, tampering, a starved accelerator) and attaches each alert as a
 * #GstAxionAlertMeta, which axionpgsink writes (alerts rows, the
 * triggering camera_events row's alert_generated) and the delivery sinks
 * send. One alert per episode (the condition held min-duration-ms; it must
 * clear before the rule fires again), never within a rule's cooldown, one
 * per track for tracked objects. Each alert is also posted on the bus as
 * an element message "axion-alert".
 *
 * |[
 * gst-launch-1.0 videotestsrc ! axionmotion camera-id=door ! \
 *   axionalert rules="motion, name=door, zone=\"0,0 0.5,0 0.5,1 0,1\", \
 *   min-duration-ms=1000, severity=4" ! fakesink
 * ]|
 *
 * See docs/elements/axionalert.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionalert.h"
#include "axionalertrule.h"

#include <gst/axion/axion.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_axion_alert_debug);
#define GST_CAT_DEFAULT gst_axion_alert_debug

enum
{
  PROP_0,
  PROP_RULES,
  PROP_CAMERA_ID,
  PROP_TIMEZONE,
  PROP_STATS,
};

struct _GstAxionAlertElement
{
  GstBaseTransform parent;

  GMutex lock; /* rules, text, camera id, counters */
  gchar *rules_text;
  gchar *timezone;
  GPtrArray *rules;
  gchar *camera_id;   /* property */
  gchar *resolved_id; /* from the meta or resolved */
  gint width, height; /* 0 without video caps: no zones */
  guint64 frames, alerts;
};

G_DEFINE_TYPE (
    GstAxionAlertElement, gst_axion_alert_element, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (
    axionalert, "axionalert", GST_RANK_NONE, GST_TYPE_AXION_ALERT_ELEMENT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GTimeZone *
make_tz (const gchar *name)
{
  GTimeZone *tz = name && *name ? g_time_zone_new_identifier (name) : NULL;
  return tz ? tz : g_time_zone_new_local ();
}

/* parses @text; on success replaces the rules (their state starts over) */
static gboolean
load_rules (GstAxionAlertElement *self, const gchar *text, GError **error)
{
  GTimeZone *tz;
  GPtrArray *rules;

  g_mutex_lock (&self->lock);
  tz = make_tz (self->timezone);
  g_mutex_unlock (&self->lock);
  rules = axion_alert_rules_parse (text, tz, error);
  g_time_zone_unref (tz);
  if (rules == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  self->rules = rules;
  g_mutex_unlock (&self->lock);
  GST_INFO_OBJECT (self, "%u rules", rules->len);
  return TRUE;
}

static void
set_rules_text (GstAxionAlertElement *self, const gchar *text)
{
  GError *err = NULL;
  gboolean running;

  GST_OBJECT_LOCK (self);
  running = GST_STATE (self) >= GST_STATE_PAUSED;
  GST_OBJECT_UNLOCK (self);
  if (running && !load_rules (self, text, &err)) {
    /* keep the rules that work; say why the new ones do not */
    GST_ELEMENT_WARNING (
        self, RESOURCE, SETTINGS, ("%s", err->message), ("rules unchanged"));
    g_error_free (err);
    return;
  }
  g_mutex_lock (&self->lock);
  g_free (self->rules_text);
  self->rules_text = g_strdup (text);
  g_mutex_unlock (&self->lock);
}

static GstStructure *
make_stats (GstAxionAlertElement *self)
{
  GstStructure *s;
  GString *per = g_string_new (NULL);

  g_mutex_lock (&self->lock);
  s = gst_structure_new ("axionalert-stats", "frames", G_TYPE_UINT64,
      self->frames, "alerts", G_TYPE_UINT64, self->alerts, "rules", G_TYPE_UINT,
      self->rules ? self->rules->len : 0u, NULL);
  for (guint i = 0; self->rules && i < self->rules->len; i++) {
    AxionAlertRule *r = self->rules->pdata[i];
    g_string_append_printf (per,
        "%s%s: %" G_GUINT64_FORMAT " fired, %" G_GUINT64_FORMAT " suppressed",
        i ? "; " : "", axion_alert_rule_name (r), axion_alert_rule_fired (r),
        axion_alert_rule_suppressed (r));
  }
  g_mutex_unlock (&self->lock);
  gst_structure_set (s, "per-rule", G_TYPE_STRING, per->str, NULL);
  g_string_free (per, TRUE);
  return s;
}

static void
gst_axion_alert_element_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionAlertElement *self = GST_AXION_ALERT_ELEMENT (object);

  switch (prop_id) {
  case PROP_RULES:
    set_rules_text (self, g_value_get_string (value));
    break;
  case PROP_CAMERA_ID:
    g_mutex_lock (&self->lock);
    gst_axion_camera_id_property_set (
        GST_OBJECT (self), &self->camera_id, g_value_get_string (value));
    g_mutex_unlock (&self->lock);
    break;
  case PROP_TIMEZONE:
    g_mutex_lock (&self->lock);
    g_free (self->timezone);
    self->timezone = g_value_dup_string (value);
    g_mutex_unlock (&self->lock);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

static void
gst_axion_alert_element_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionAlertElement *self = GST_AXION_ALERT_ELEMENT (object);

  switch (prop_id) {
  case PROP_RULES:
    g_mutex_lock (&self->lock);
    g_value_set_string (value, self->rules_text);
    g_mutex_unlock (&self->lock);
    break;
  case PROP_CAMERA_ID:
    g_mutex_lock (&self->lock);
    g_value_set_string (value, self->camera_id);
    g_mutex_unlock (&self->lock);
    break;
  case PROP_TIMEZONE:
    g_mutex_lock (&self->lock);
    g_value_set_string (value, self->timezone);
    g_mutex_unlock (&self->lock);
    break;
  case PROP_STATS:
    g_value_take_boxed (value, make_stats (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

static gboolean
gst_axion_alert_element_start (GstBaseTransform *trans)
{
  GstAxionAlertElement *self = GST_AXION_ALERT_ELEMENT (trans);
  GError *err = NULL;
  gchar *text;

  g_mutex_lock (&self->lock);
  text = g_strdup (self->rules_text);
  self->frames = self->alerts = 0;
  g_mutex_unlock (&self->lock);
  if (!load_rules (self, text, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
        ("fix the rules property (docs/elements/axionalert.md)"));
    g_error_free (err);
    g_free (text);
    return FALSE;
  }
  g_free (text);
  return TRUE;
}

static gboolean
gst_axion_alert_element_stop (GstBaseTransform *trans)
{
  GstAxionAlertElement *self = GST_AXION_ALERT_ELEMENT (trans);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_pointer (&self->resolved_id, g_free);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_axion_alert_element_set_caps (
    GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstAxionAlertElement *self = GST_AXION_ALERT_ELEMENT (trans);
  GstVideoInfo info;

  if (gst_video_info_from_caps (&info, incaps)) {
    self->width = GST_VIDEO_INFO_WIDTH (&info);
    self->height = GST_VIDEO_INFO_HEIGHT (&info);
  } else {
    self->width = self->height = 0;
  }
  return TRUE;
}

/* the frame's regions in fractions of the frame */
static GArray *
collect_boxes (GstAxionAlertElement *self, GstBuffer *buf)
{
  GArray *boxes = g_array_new (FALSE, TRUE, sizeof (AxionRuleBox));
  gpointer state = NULL;
  GstMeta *m;

  if (self->width <= 0 || self->height <= 0)
    return boxes;
  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    AxionRuleBox b = { 0 };
    b.x = roi->x / (gdouble) self->width;
    b.y = roi->y / (gdouble) self->height;
    b.w = roi->w / (gdouble) self->width;
    b.h = roi->h / (gdouble) self->height;
    if (!gst_axion_roi_is_motion (roi) &&
        !gst_axion_roi_get_detection (
            roi, &b.label, &b.confidence, &b.track_id))
      continue;
    g_array_append_val (boxes, b);
  }
  return boxes;
}

static const gchar *
camera_of (GstAxionAlertElement *self, const GstAxionFrameMeta *meta)
{
  if (meta && meta->camera_id)
    return meta->camera_id;
  if (self->camera_id)
    return self->camera_id;
  if (self->resolved_id == NULL)
    self->resolved_id = gst_axion_camera_id_resolve (
        GST_ELEMENT (self), GST_BASE_TRANSFORM_SINK_PAD (self), NULL);
  return self->resolved_id;
}

/* capture time when the frame has one (rtspsrc, axionmotion); else the
 * buffer's running time, which is enough for durations and cooldowns */
static gint64
frame_time (
    GstAxionAlertElement *self, GstBuffer *buf, const GstAxionFrameMeta *meta)
{
  GstClockTime rt;

  if (meta &&
      gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME))
    return meta->capture_time_us;
  rt = gst_segment_to_running_time (&GST_BASE_TRANSFORM (self)->segment,
      GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  return GST_CLOCK_TIME_IS_VALID (rt) ? (gint64) (rt / GST_USECOND) : 0;
}

static void
post_alert (GstAxionAlertElement *self, const GstAxionAlert *a)
{
  GstStructure *s = gst_structure_new ("axion-alert", "alert-id", G_TYPE_INT64,
      a->alert_id, "rule", G_TYPE_STRING, a->rule, "camera-id", G_TYPE_STRING,
      a->camera_id, "type", G_TYPE_STRING,
      gst_axion_alert_type_to_string (a->type), "severity", G_TYPE_INT,
      a->severity, "priority", G_TYPE_INT, a->priority, "title", G_TYPE_STRING,
      a->title, "trigger-event-id", G_TYPE_INT64, a->trigger_event_id,
      "frame-number", G_TYPE_UINT64, a->frame_number, NULL);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

static GstFlowReturn
gst_axion_alert_element_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstAxionAlertElement *self = GST_AXION_ALERT_ELEMENT (trans);
  GstAxionFrameMeta *meta = gst_buffer_get_axion_frame_meta (buf);
  GArray *boxes = collect_boxes (self, buf);
  GPtrArray *fired = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gst_axion_alert_free);
  AxionRuleFrame f;

  g_mutex_lock (&self->lock);
  f.meta = meta;
  f.camera_id = camera_of (self, meta);
  f.time_us = frame_time (self, buf, meta);
  f.boxes = (const AxionRuleBox *) boxes->data;
  f.n_boxes = boxes->len;
  f.buffer = buf;
  self->frames++;
  for (guint i = 0; self->rules && i < self->rules->len; i++) {
    GstAxionAlert *a = axion_alert_rule_eval (self->rules->pdata[i], &f);
    if (a)
      g_ptr_array_add (fired, a);
  }
  self->alerts += fired->len;
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < fired->len; i++) {
    GstAxionAlert *a = fired->pdata[i];
    /* the alert points at an event of this frame, so the sink marks that
     * camera_events row alert_generated (a rule may fire on a frame whose
     * event is a continuation: then the frame gets its own event) */
    if (a->trigger_event_id == 0 && meta && a->type != GST_AXION_ALERT_SYSTEM)
      a->trigger_event_id = gst_axion_frame_meta_add_event (meta,
          a->type == GST_AXION_ALERT_OBJECT ? GST_AXION_EVENT_OBJECT_DETECTED
              : a->type == GST_AXION_ALERT_MOTION
              ? GST_AXION_EVENT_MOTION_CONTINUE
              : GST_AXION_EVENT_SCENE_CHANGE);
    GST_INFO_OBJECT (self,
        "alert %" G_GINT64_FORMAT " (rule %s, frame %" G_GUINT64_FORMAT
        ", time %" G_GINT64_FORMAT " us): %s",
        a->alert_id, a->rule, a->frame_number, a->created_us, a->title);
    gst_buffer_add_axion_alert_meta (buf, a);
    post_alert (self, a);
  }
  g_ptr_array_unref (fired);
  g_array_free (boxes, TRUE);
  return GST_FLOW_OK;
}

static void
gst_axion_alert_element_finalize (GObject *object)
{
  GstAxionAlertElement *self = GST_AXION_ALERT_ELEMENT (object);

  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_free (self->rules_text);
  g_free (self->timezone);
  g_free (self->camera_id);
  g_free (self->resolved_id);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_axion_alert_element_parent_class)->finalize (object);
}

static void
gst_axion_alert_element_class_init (GstAxionAlertElementClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_alert_debug, "axionalert", 0, "Axion alert rules");

  gobject_class->set_property = gst_axion_alert_element_set_property;
  gobject_class->get_property = gst_axion_alert_element_get_property;
  gobject_class->finalize = gst_axion_alert_element_finalize;

  g_object_class_install_property (gobject_class, PROP_RULES,
      g_param_spec_string ("rules", "Rules",
          "Alert rules: \"kind, field=value, ...\" separated by ';' (kinds "
          "motion, object, tamper, system, track; "
          "docs/elements/axionalert.md). "
          "Changing them while playing starts their state over; invalid "
          "rules are refused with a warning",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "Camera of the alerts when frames carry none (upstream Axion "
          "elements' frame meta wins)",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_TIMEZONE,
      g_param_spec_string ("timezone", "Time zone",
          "Time zone of the rules' schedules (an IANA name such as "
          "Europe/Stockholm; empty: the machine's local zone). Read when "
          "the rules are loaded",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "frames, alerts (fired), rules, per-rule (\"name: N fired, M "
          "suppressed; ...\", suppressed = held back by the cooldown)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Axion alert rules",
      "Filter/Analyzer",
      "Evaluates alert rules (motion in a zone, objects, tampering, a "
      "starved accelerator) per frame and attaches alerts as metadata",
      "Axion developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_axion_alert_element_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_axion_alert_element_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_axion_alert_element_set_caps);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (
      gst_axion_alert_element_transform_ip);
}

static void
gst_axion_alert_element_init (GstAxionAlertElement *self)
{
  g_mutex_init (&self->lock);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}
