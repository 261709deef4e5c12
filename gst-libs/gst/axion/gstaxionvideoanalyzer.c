/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionvideoanalyzer.h"

#include "gstaxioncamera.h"

GST_DEBUG_CATEGORY_STATIC (analyzer_debug);
#define GST_CAT_DEFAULT analyzer_debug

enum
{
  PROP_0,
  PROP_CAMERA_ID,
};

typedef struct
{
  gchar *camera_id_prop; /* set by the user (object lock) */
  gchar *camera_id;      /* effective id (streaming thread) */
  gchar *source_uri;     /* without credentials */
  gboolean announce;     /* push our camera-id event before next buffer */
  gboolean prop_changed; /* camera-id property changed (object lock) */
  guint64 frame_count;
} GstAxionVideoAnalyzerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (
    GstAxionVideoAnalyzer, gst_axion_video_analyzer, GST_TYPE_VIDEO_FILTER,
    G_ADD_PRIVATE (GstAxionVideoAnalyzer);
    GST_DEBUG_CATEGORY_INIT (
        analyzer_debug, "axionanalyzer", 0, "Axion video analyzer base class"));

#define PRIV(o)                                                                \
  ((GstAxionVideoAnalyzerPrivate *)                                            \
          gst_axion_video_analyzer_get_instance_private (o))

static void
gst_axion_video_analyzer_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionVideoAnalyzer *self = GST_AXION_VIDEO_ANALYZER (object);
  GstAxionVideoAnalyzerPrivate *priv = PRIV (self);

  switch (prop_id) {
  case PROP_CAMERA_ID:
    GST_OBJECT_LOCK (self);
    if (gst_axion_camera_id_property_set (GST_OBJECT (self),
            &priv->camera_id_prop, g_value_get_string (value)))
      priv->prop_changed = TRUE;
    GST_OBJECT_UNLOCK (self);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

/* the camera id in effect (the property, else the upstream or derived one
 * once known), or NULL */
static gchar *
gst_axion_video_analyzer_get_camera_id (GstAxionVideoAnalyzer *self)
{
  GstAxionVideoAnalyzerPrivate *priv = PRIV (self);
  gchar *id;

  GST_OBJECT_LOCK (self);
  id = g_strdup (priv->camera_id_prop ? priv->camera_id_prop : priv->camera_id);
  GST_OBJECT_UNLOCK (self);
  return id;
}

static void
gst_axion_video_analyzer_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionVideoAnalyzer *self = GST_AXION_VIDEO_ANALYZER (object);

  switch (prop_id) {
  case PROP_CAMERA_ID:
    g_value_take_string (value, gst_axion_video_analyzer_get_camera_id (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

static void
gst_axion_video_analyzer_finalize (GObject *object)
{
  GstAxionVideoAnalyzerPrivate *priv = PRIV (GST_AXION_VIDEO_ANALYZER (object));

  g_free (priv->camera_id_prop);
  g_free (priv->camera_id);
  g_free (priv->source_uri);
  G_OBJECT_CLASS (gst_axion_video_analyzer_parent_class)->finalize (object);
}

static gboolean
gst_axion_video_analyzer_start (GstBaseTransform *bt)
{
  GstAxionVideoAnalyzerPrivate *priv = PRIV (GST_AXION_VIDEO_ANALYZER (bt));

  priv->frame_count = 0;
  priv->announce = FALSE;
  g_clear_pointer (&priv->camera_id, g_free);
  g_clear_pointer (&priv->source_uri, g_free);
  GST_OBJECT_LOCK (bt);
  priv->prop_changed = priv->camera_id_prop != NULL;
  GST_OBJECT_UNLOCK (bt);
  return TRUE;
}

static gboolean
gst_axion_video_analyzer_sink_event (GstBaseTransform *bt, GstEvent *event)
{
  GstAxionVideoAnalyzer *self = GST_AXION_VIDEO_ANALYZER (bt);
  GstAxionVideoAnalyzerPrivate *priv = PRIV (self);
  const gchar *id, *uri;

  if (gst_axion_camera_id_event_parse (event, &id, &uri)) {
    gboolean own;

    GST_OBJECT_LOCK (self);
    own = priv->camera_id_prop != NULL;
    GST_OBJECT_UNLOCK (self);
    g_free (priv->source_uri);
    priv->source_uri = g_strdup (uri);
    if (own) {
      /* our own camera-id wins; re-announce it downstream */
      GST_DEBUG_OBJECT (
          self, "upstream camera id %s overridden by property", id);
      priv->announce = TRUE;
      gst_event_unref (event);
      return TRUE;
    }
    g_free (priv->camera_id);
    priv->camera_id = g_strdup (id);
    GST_DEBUG_OBJECT (self, "camera id %s from upstream", id);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
    priv->frame_count = 0;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_axion_video_analyzer_parent_class)
      ->sink_event (bt, event);
}

static void
ensure_camera_id (GstAxionVideoAnalyzer *self)
{
  GstAxionVideoAnalyzerPrivate *priv = PRIV (self);
  gchar *own = NULL;
  gboolean changed;

  GST_OBJECT_LOCK (self);
  changed = priv->prop_changed;
  priv->prop_changed = FALSE;
  if (changed && priv->camera_id_prop)
    own = g_strdup (priv->camera_id_prop);
  GST_OBJECT_UNLOCK (self);

  if (own) {
    g_free (priv->camera_id);
    priv->camera_id = own;
    priv->announce = TRUE;
  }

  if (priv->camera_id == NULL) {
    priv->camera_id = gst_axion_camera_id_resolve (GST_ELEMENT (self),
        GST_BASE_TRANSFORM_SINK_PAD (self), &priv->source_uri);
    priv->announce = TRUE;
  }

  if (priv->announce) {
    priv->announce = FALSE;
    gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
        gst_axion_camera_id_event_new (priv->camera_id, priv->source_uri));
  }
}

static GstFlowReturn
gst_axion_video_analyzer_transform_ip (GstBaseTransform *bt, GstBuffer *buf)
{
  GstAxionVideoAnalyzer *self = GST_AXION_VIDEO_ANALYZER (bt);
  GstAxionVideoAnalyzerClass *klass = GST_AXION_VIDEO_ANALYZER_GET_CLASS (self);
  GstAxionVideoAnalyzerPrivate *priv = PRIV (self);
  GstVideoFilter *vf = GST_VIDEO_FILTER (bt);
  GstAxionFrameMeta *meta;
  GstVideoFrame frame;
  GstFlowReturn ret = GST_FLOW_OK;

  if (G_UNLIKELY (!vf->negotiated)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("received a buffer before caps were negotiated"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  ensure_camera_id (self);

  meta = gst_buffer_get_or_add_axion_frame_meta (buf);
  if (!gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAMERA))
    gst_axion_frame_meta_set_camera_id (meta, priv->camera_id);
  if (!gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_NUMBER))
    gst_axion_frame_meta_set_frame_number (meta, priv->frame_count);
  priv->frame_count++;
  if (!gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME)) {
    GstAxionCaptureTimeSource src;
    gint64 t = gst_axion_capture_time_us (
        buf, GST_ELEMENT (self), &bt->segment, &src);
    gst_axion_frame_meta_set_capture_time (meta, t, src);
  }

  if (klass->analyze == NULL)
    return GST_FLOW_OK;

  /* read-only, so shared memory is never copied; no extra buffer ref, so
   * analyze() can still add metas (ROIs) to the writable buffer */
  if (!gst_video_frame_map (&frame, &vf->in_info, buf,
          GST_MAP_READ | GST_VIDEO_FRAME_MAP_FLAG_NO_REF)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL),
        ("could not map the video frame for reading"));
    return GST_FLOW_ERROR;
  }
  ret = klass->analyze (self, &frame, meta);
  gst_video_frame_unmap (&frame);
  return ret;
}

static void
gst_axion_video_analyzer_init (GstAxionVideoAnalyzer *self)
{
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}

static void
gst_axion_video_analyzer_class_init (GstAxionVideoAnalyzerClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBaseTransformClass *bt_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_axion_video_analyzer_set_property;
  gobject_class->get_property = gst_axion_video_analyzer_get_property;
  gobject_class->finalize = gst_axion_video_analyzer_finalize;

  /**
   * GstAxionVideoAnalyzer:camera-id:
   *
   * Camera id for this stream (1-64 characters of A-Z a-z 0-9 _ . -).
   * Setting it on one Axion element of a camera's pipeline is enough: it
   * is announced downstream. Unset, the id comes from upstream or is
   * derived from the source URI (without credentials).
   */
  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "Camera id of this stream (1-64 chars of A-Za-z0-9_.-); announced "
          "downstream. Default: from upstream, else derived from the source "
          "URI",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  bt_class->start = gst_axion_video_analyzer_start;
  bt_class->sink_event = gst_axion_video_analyzer_sink_event;
  bt_class->transform_ip = gst_axion_video_analyzer_transform_ip;
  /* never called: we override transform_ip and do not transform frames */
  bt_class->passthrough_on_same_caps = FALSE;
  bt_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_AXION_TYPE_VIDEO_ANALYZER, 0);
}

/**
 * gst_axion_video_analyzer_post_frame_message:
 * @analyzer: the element
 * @s: (transfer full): the message structure with the element's own fields
 * @meta: the frame's meta
 * @pts: the buffer's PTS
 * @event_id: the camera event id, or 0 for none
 *
 * Adds the fields every Axion frame message has (`camera-id`,
 * `frame-number`, `timestamp`, `capture-time-us`, and `event-id` when
 * given) and posts @s as an element message.
 */
void
gst_axion_video_analyzer_post_frame_message (GstAxionVideoAnalyzer *analyzer,
    GstStructure *s, const GstAxionFrameMeta *meta, GstClockTime pts,
    gint64 event_id)
{
  gst_structure_set (s, "camera-id", G_TYPE_STRING, meta->camera_id,
      "frame-number", G_TYPE_UINT64, meta->frame_number, "timestamp",
      G_TYPE_UINT64, pts, "capture-time-us", G_TYPE_INT64,
      meta->capture_time_us, NULL);
  if (event_id)
    gst_structure_set (s, "event-id", G_TYPE_INT64, event_id, NULL);
  gst_element_post_message (GST_ELEMENT (analyzer),
      gst_message_new_element (GST_OBJECT (analyzer), s));
}

/**
 * gst_axion_video_analyzer_class_add_pad_templates:
 *
 * Adds "sink" and "src" templates for every format Axion analysers read.
 */
void
gst_axion_video_analyzer_class_add_pad_templates (
    GstAxionVideoAnalyzerClass *klass)
{
  GstElementClass *eclass = GST_ELEMENT_CLASS (klass);
  GstCaps *caps = gst_caps_from_string (
      GST_VIDEO_CAPS_MAKE (GST_AXION_LUMA_FORMATS));

  gst_element_class_add_pad_template (eclass,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template (
      eclass, gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
}
