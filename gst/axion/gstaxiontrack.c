/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axiontrack
 * @title: axiontrack
 *
 * Tracks the detections (#GstVideoRegionOfInterestMeta with a "detection"
 * param, or any non-motion region) of any detector across frames and
 * writes a "track-id" into each tracked region's "detection" param, so
 * the rows' objects_detected carry track_id. A SORT/ByteTrack-style
 * tracker: constant-velocity Kalman filter, IoU association with the
 * Hungarian algorithm, a second pass for low-confidence detections, birth
 * after min-hits matches, death after max-misses detector frames without
 * one. Frames that axiondlpusched did not run the detector on only move
 * the prediction.
 *
 * With zones and lines, confirmed tracks produce camera_events:
 * zone_entered, zone_left, loitering (in a zone for dwell-time seconds),
 * line_crossed (with direction) and track_ended (a summary per track),
 * each with its details in event_data.
 *
 * |[
 * gst-launch-1.0 ... ! axiondlpusched detector="..." ! \
 *   axiontrack zones="door: 0.1,0.5 0.4,0.5 0.4,1 0.1,1" \
 *   lines="gate: 0.5,0 0.5,1" dwell-time=30 ! axionpgsink
 * ]|
 *
 * See docs/elements/axiontrack.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxiontrack.h"
#include "axiontracker.h"
#include "axiontrackzones.h"

#include <gst/axion/axion.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (gst_axion_track_debug);
#define GST_CAT_DEFAULT gst_axion_track_debug

#define DEFAULT_DWELL_TIME 10.0
#define DEFAULT_ANCHOR AXION_TRACK_ANCHOR_BOTTOM_CENTER
#define DEFAULT_ADD_PREDICTED FALSE

enum
{
  PROP_0,
  PROP_CAMERA_ID,
  PROP_ZONES,
  PROP_LINES,
  PROP_DWELL_TIME,
  PROP_ANCHOR,
  PROP_MIN_HITS,
  PROP_MAX_MISSES,
  PROP_HIGH_THRESHOLD,
  PROP_LOW_THRESHOLD,
  PROP_NEW_TRACK_THRESHOLD,
  PROP_IOU_THRESHOLD,
  PROP_ADD_PREDICTED,
  PROP_STATS,
};

/* an event that found no room in its frame's meta: goes out with the next
 * frame that has room (a frame holds GST_AXION_FRAME_MAX_EVENTS) */
typedef struct
{
  GstAxionEventType type;
  gint64 id;
  gchar *json;
  gboolean deferred;
} Pending;

struct _GstAxionTrack
{
  GstBaseTransform parent;

  GMutex lock; /* settings and counters */
  gchar *camera_id;
  gchar *resolved_id;
  gboolean announce; /* camera-id set: tell downstream (sticky event) */
  gchar *zones_text, *lines_text;
  gchar *good_zones, *good_lines; /* the texts of the zones in use */
  gdouble dwell_time;
  AxionTrackAnchor anchor;
  AxionTrackerParams params;
  gboolean add_predicted;
  gboolean zones_dirty, params_dirty; /* changed while running */
  gint64 next_track_id;               /* ids are never reused */

  /* streaming thread */
  gint width, height;
  GstVideoInfo info;
  gboolean system_memory; /* the caps' memory: a carrier frame can be made */
  /* the last frame, for the frame that carries the summaries at EOS */
  gboolean have_last, last_frame_number_set, last_capture_set;
  gchar *last_camera;
  guint64 last_frame_number;
  gint64 last_capture_us;
  GstAxionCaptureTimeSource last_capture_source;
  GstClockTime last_pts;
  gint64 last_stream_us; /* the latest stream time seen: times never go back */
  AxionTracker *tracker;
  AxionTrackZones *zones;
  GQueue pending;
  GArray *dets;    /* AxionTrackDet */
  GPtrArray *rois; /* the region of each entry of dets */
  GPtrArray *events;

  guint64 frames, inferred, events_out, events_deferred, tracks_ended;
};

G_DEFINE_TYPE (GstAxionTrack, gst_axion_track, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (
    axiontrack, "axiontrack", GST_RANK_NONE, GST_TYPE_AXION_TRACK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

#define GST_TYPE_AXION_TRACK_ANCHOR (axion_track_anchor_get_type ())
static GType
axion_track_anchor_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { AXION_TRACK_ANCHOR_BOTTOM_CENTER,
        "Middle of the box's bottom edge (feet, wheels)", "bottom-center" },
    { AXION_TRACK_ANCHOR_CENTER, "Centre of the box", "center" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAxionTrackAnchor", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---- the event data meta --------------------------------------------- */

/* every transform keeps it: event details do not depend on pixels */
static gboolean
event_data_transform (GstBuffer *transbuf, GstCustomMeta *meta,
    GstBuffer *buffer, GQuark type, gpointer data, gpointer user_data)
{
  GstCustomMeta *dst = gst_buffer_get_custom_meta (
      transbuf, GST_AXION_EVENT_DATA_META);
  GstStructure *src = gst_custom_meta_get_structure (meta);
  GstStructure *d;

  if (dst == NULL)
    dst = gst_buffer_add_custom_meta (transbuf, GST_AXION_EVENT_DATA_META);
  if (dst == NULL)
    return FALSE;
  d = gst_custom_meta_get_structure (dst);
  for (gint i = 0; i < gst_structure_n_fields (src); i++) {
    const gchar *f = gst_structure_nth_field_name (src, i);
    if (!gst_structure_has_field (d, f))
      gst_structure_set_value (d, f, gst_structure_get_value (src, f));
  }
  return TRUE;
}

static void
register_event_data_meta (void)
{
  static const gchar *tags[] = { NULL };

  if (gst_meta_get_info (GST_AXION_EVENT_DATA_META) == NULL)
    gst_meta_register_custom (
        GST_AXION_EVENT_DATA_META, tags, event_data_transform, NULL, NULL);
}

static GstAxionEventType
event_type (AxionTrackEventKind kind)
{
  switch (kind) {
  case AXION_TRACK_EVENT_ZONE_ENTERED:
    return GST_AXION_EVENT_ZONE_ENTERED;
  case AXION_TRACK_EVENT_ZONE_LEFT:
    return GST_AXION_EVENT_ZONE_LEFT;
  case AXION_TRACK_EVENT_LINE_CROSSED:
    return GST_AXION_EVENT_LINE_CROSSED;
  case AXION_TRACK_EVENT_LOITERING:
    return GST_AXION_EVENT_LOITERING;
  case AXION_TRACK_EVENT_TRACK_ENDED:
    break;
  }
  return GST_AXION_EVENT_TRACK_ENDED;
}

static void
pending_free (Pending *p)
{
  g_free (p->json);
  g_free (p);
}

/* ---- settings ----------------------------------------------------------- */

static GstStructure *
make_stats (GstAxionTrack *self)
{
  GstStructure *s;
  GString *occ = g_string_new (NULL);
  guint active = 0;

  g_mutex_lock (&self->lock);
  if (self->tracker)
    for (guint i = 0; i < axion_tracker_n_tracks (self->tracker); i++)
      active += axion_tracker_track (self->tracker, i)->confirmed;
  for (guint i = 0; self->zones && i < axion_track_zones_n_zones (self->zones);
       i++)
    g_string_append_printf (occ, "%s%s=%u", i ? "; " : "",
        axion_track_zones_zone_name (self->zones, i),
        axion_track_zones_occupancy (self->zones, i));
  s = gst_structure_new ("axiontrack-stats", "frames", G_TYPE_UINT64,
      self->frames, "inferred-frames", G_TYPE_UINT64, self->inferred,
      "active-tracks", G_TYPE_UINT, active, "ended-tracks", G_TYPE_UINT64,
      self->tracks_ended, "events", G_TYPE_UINT64, self->events_out,
      "events-deferred", G_TYPE_UINT64, self->events_deferred, "occupancy",
      G_TYPE_STRING, occ->str, NULL);
  g_mutex_unlock (&self->lock);
  g_string_free (occ, TRUE);
  return s;
}

static void
gst_axion_track_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionTrack *self = GST_AXION_TRACK (object);

  g_mutex_lock (&self->lock);
  switch (prop_id) {
  case PROP_CAMERA_ID:
    gst_axion_camera_id_property_set (
        GST_OBJECT (self), &self->camera_id, g_value_get_string (value));
    self->announce = self->camera_id != NULL;
    break;
  case PROP_ZONES:
    g_free (self->zones_text);
    self->zones_text = g_value_dup_string (value);
    self->zones_dirty = TRUE;
    break;
  case PROP_LINES:
    g_free (self->lines_text);
    self->lines_text = g_value_dup_string (value);
    self->zones_dirty = TRUE;
    break;
  case PROP_DWELL_TIME:
    self->dwell_time = g_value_get_double (value);
    self->zones_dirty = TRUE;
    break;
  case PROP_ANCHOR:
    self->anchor = g_value_get_enum (value);
    self->zones_dirty = TRUE;
    break;
  case PROP_MIN_HITS:
    self->params.min_hits = g_value_get_uint (value);
    self->params_dirty = TRUE;
    break;
  case PROP_MAX_MISSES:
    self->params.max_misses = g_value_get_uint (value);
    self->params_dirty = TRUE;
    break;
  case PROP_HIGH_THRESHOLD:
    self->params.high_conf = g_value_get_double (value);
    self->params_dirty = TRUE;
    break;
  case PROP_LOW_THRESHOLD:
    self->params.low_conf = g_value_get_double (value);
    self->params_dirty = TRUE;
    break;
  case PROP_NEW_TRACK_THRESHOLD:
    self->params.new_track_conf = g_value_get_double (value);
    self->params_dirty = TRUE;
    break;
  case PROP_IOU_THRESHOLD:
    self->params.iou_min = g_value_get_double (value);
    self->params_dirty = TRUE;
    break;
  case PROP_ADD_PREDICTED:
    self->add_predicted = g_value_get_boolean (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_axion_track_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionTrack *self = GST_AXION_TRACK (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  g_mutex_lock (&self->lock);
  switch (prop_id) {
  case PROP_CAMERA_ID:
    g_value_set_string (value, self->camera_id);
    break;
  case PROP_ZONES:
    g_value_set_string (value, self->zones_text);
    break;
  case PROP_LINES:
    g_value_set_string (value, self->lines_text);
    break;
  case PROP_DWELL_TIME:
    g_value_set_double (value, self->dwell_time);
    break;
  case PROP_ANCHOR:
    g_value_set_enum (value, self->anchor);
    break;
  case PROP_MIN_HITS:
    g_value_set_uint (value, self->params.min_hits);
    break;
  case PROP_MAX_MISSES:
    g_value_set_uint (value, self->params.max_misses);
    break;
  case PROP_HIGH_THRESHOLD:
    g_value_set_double (value, self->params.high_conf);
    break;
  case PROP_LOW_THRESHOLD:
    g_value_set_double (value, self->params.low_conf);
    break;
  case PROP_NEW_TRACK_THRESHOLD:
    g_value_set_double (value, self->params.new_track_conf);
    break;
  case PROP_IOU_THRESHOLD:
    g_value_set_double (value, self->params.iou_min);
    break;
  case PROP_ADD_PREDICTED:
    g_value_set_boolean (value, self->add_predicted);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  g_mutex_unlock (&self->lock);
}

/* ---- state --------------------------------------------------------------- */

static void
clear_pending (GstAxionTrack *self)
{
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_free);
}

/* the zones and lines of the properties; NULL with @error when they are
 * wrong. Called with the lock. */
static AxionTrackZones *
make_zones (GstAxionTrack *self, GError **error)
{
  GPtrArray *zones, *lines = NULL;
  AxionTrackZones *z = NULL;

  zones = axion_track_shapes_parse (self->zones_text, 3, "zone", error);
  if (zones && zones->len > AXION_TRACK_MAX_ZONES)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%u zones: at most %d are supported", zones->len,
        AXION_TRACK_MAX_ZONES);
  else if (zones)
    lines = axion_track_shapes_parse (self->lines_text, 2, "line", error);
  if (zones && lines) {
    z = axion_track_zones_new (zones, lines, self->dwell_time, self->anchor);
    g_free (self->good_zones);
    g_free (self->good_lines);
    self->good_zones = g_strdup (self->zones_text);
    self->good_lines = g_strdup (self->lines_text);
    GST_INFO_OBJECT (self, "%u zones, %u lines", zones->len, lines->len);
  }
  g_clear_pointer (&zones, g_ptr_array_unref);
  g_clear_pointer (&lines, g_ptr_array_unref);
  self->zones_dirty = FALSE;
  return z;
}

static gboolean
gst_axion_track_start (GstBaseTransform *trans)
{
  GstAxionTrack *self = GST_AXION_TRACK (trans);
  GError *err = NULL;

  g_mutex_lock (&self->lock);
  self->zones = make_zones (self, &err);
  if (self->zones == NULL) {
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
        ("fix the zones/lines property (docs/elements/axiontrack.md)"));
    g_error_free (err);
    return FALSE;
  }
  self->tracker = axion_tracker_new (&self->params, self->next_track_id);
  self->last_stream_us = G_MININT64;
  self->announce = self->camera_id != NULL;
  self->params_dirty = FALSE;
  self->have_last = FALSE;
  self->frames = self->inferred = self->events_out = 0;
  self->events_deferred = self->tracks_ended = 0;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* properties changed while running: new zones start with no one in them;
 * wrong ones are refused with a warning, the old ones stay */
static void
apply_changes (GstAxionTrack *self)
{
  if (self->params_dirty) {
    axion_tracker_set_params (self->tracker, &self->params);
    self->params_dirty = FALSE;
  }
  if (self->zones_dirty) {
    GError *err = NULL;
    AxionTrackZones *z = make_zones (self, &err);
    if (z) {
      axion_track_zones_free (self->zones);
      self->zones = z;
    } else {
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s", err->message),
          ("zones and lines unchanged"));
      g_error_free (err);
      /* read-back shows what is in use */
      g_free (self->zones_text);
      g_free (self->lines_text);
      self->zones_text = g_strdup (self->good_zones);
      self->lines_text = g_strdup (self->good_lines);
    }
  }
}

static gboolean
gst_axion_track_stop (GstBaseTransform *trans)
{
  GstAxionTrack *self = GST_AXION_TRACK (trans);

  g_mutex_lock (&self->lock);
  if (self->tracker)
    self->next_track_id = axion_tracker_next_id (self->tracker);
  g_clear_pointer (&self->tracker, axion_tracker_free);
  g_clear_pointer (&self->zones, axion_track_zones_free);
  g_clear_pointer (&self->resolved_id, g_free);
  g_clear_pointer (&self->last_camera, g_free);
  self->have_last = FALSE;
  clear_pending (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
flush_events (GstAxionTrack *self, GstBuffer *buf, GstAxionFrameMeta *meta);
static void queue_events (GstAxionTrack *self);

/* a new stream (a camera reconnect, a seek) or its end: the tracks end,
 * with their summaries (into the pending events: they go out with the next
 * frame, or with the carrier frame at EOS). Called with the lock. */
static void
end_tracks (GstAxionTrack *self)
{
  if (self->tracker == NULL || self->zones == NULL)
    return;
  axion_track_zones_end_all (self->zones, self->tracker, self->events);
  queue_events (self);
  axion_tracker_reset (self->tracker);
  axion_track_zones_reset (self->zones);
  self->last_stream_us = G_MININT64;
}

/* A frame for the events that are left at EOS (the summaries of the
 * tracks alive then): the last frame's identity (camera, frame number,
 * capture time: sinks see a repeat of that frame, whose frame row they
 * already have) on a zeroed frame flagged GAP (its pixels mean nothing), no
 * regions. Only for system-memory caps; NULL otherwise (the events are then
 * dropped, with a warning). Called with the lock. */
static GstBuffer *
eos_carrier (GstAxionTrack *self)
{
  GstBuffer *buf;
  GstAxionFrameMeta *meta;
  GstMapInfo map;

  if (!self->have_last || !self->system_memory ||
      GST_VIDEO_INFO_SIZE (&self->info) == 0)
    return NULL;
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&self->info), NULL);
  if (buf == NULL)
    return NULL;
  if (gst_buffer_map (buf, &map, GST_MAP_WRITE)) {
    memset (map.data, 0, map.size);
    gst_buffer_unmap (buf, &map);
  }
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
  GST_BUFFER_PTS (buf) = self->last_pts;
  GST_BUFFER_DURATION (buf) = 0;
  meta = gst_buffer_add_axion_frame_meta (buf);
  if (self->last_camera)
    gst_axion_frame_meta_set_camera_id (meta, self->last_camera);
  if (self->last_frame_number_set)
    gst_axion_frame_meta_set_frame_number (meta, self->last_frame_number);
  if (self->last_capture_set)
    gst_axion_frame_meta_set_capture_time (
        meta, self->last_capture_us, self->last_capture_source);
  flush_events (self, buf, meta);
  return buf;
}

/* EOS: the tracks alive get their summaries, on carrier frames pushed
 * before the EOS */
static void
drain_at_eos (GstAxionTrack *self)
{
  GstPad *src = GST_BASE_TRANSFORM_SRC_PAD (self);

  g_mutex_lock (&self->lock);
  end_tracks (self);
  while (!g_queue_is_empty (&self->pending)) {
    GstBuffer *carrier = eos_carrier (self);
    guint left;

    if (carrier == NULL) {
      GST_WARNING_OBJECT (self,
          "EOS: %u track events not delivered (no frame to carry them: "
          "none seen, or caps not in system memory)",
          self->pending.length);
      clear_pending (self);
      break;
    }
    left = self->pending.length;
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self, "EOS: a carrier frame, %u events left", left);
    gst_pad_push (src, carrier);
    g_mutex_lock (&self->lock);
  }
  g_mutex_unlock (&self->lock);
}

static gboolean
gst_axion_track_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstAxionTrack *self = GST_AXION_TRACK (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP ||
      GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
    GST_DEBUG_OBJECT (trans, "%s: tracks end", GST_EVENT_TYPE_NAME (event));
    g_mutex_lock (&self->lock);
    end_tracks (self);
    g_mutex_unlock (&self->lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    drain_at_eos (self);
  }
  return GST_BASE_TRANSFORM_CLASS (gst_axion_track_parent_class)
      ->sink_event (trans, event);
}

static gboolean
gst_axion_track_set_caps (
    GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps)
{
  GstAxionTrack *self = GST_AXION_TRACK (trans);
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, incaps) ||
      GST_VIDEO_INFO_WIDTH (&info) <= 0 || GST_VIDEO_INFO_HEIGHT (&info) <= 0) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("caps without a frame size"),
        ("%" GST_PTR_FORMAT ": axiontrack needs width and height to place "
         "regions in the frame",
            incaps));
    return FALSE;
  }
  /* tracks live in fractions of the frame: a new size keeps them */
  self->info = info;
  {
    GstCapsFeatures *f = gst_caps_get_features (incaps, 0);
    self->system_memory = f == NULL ||
        gst_caps_features_is_equal (f, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY);
  }
  self->width = GST_VIDEO_INFO_WIDTH (&info);
  self->height = GST_VIDEO_INFO_HEIGHT (&info);
  return TRUE;
}

/* ---- per frame ------------------------------------------------------------
 */

static const gchar *
camera_of (GstAxionTrack *self, const GstAxionFrameMeta *meta)
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

/* the frame's detections, in fractions of the frame */
static void
collect_detections (GstAxionTrack *self, GstBuffer *buf)
{
  gpointer state = NULL;
  GstMeta *m;

  g_array_set_size (self->dets, 0);
  g_ptr_array_set_size (self->rois, 0);
  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    AxionTrackDet d = { 0 };
    const gchar *label;
    gdouble conf;

    if (!gst_axion_roi_get_detection (roi, &label, &conf, NULL))
      continue;
    d.box.x = roi->x / (gfloat) self->width;
    d.box.y = roi->y / (gfloat) self->height;
    d.box.w = roi->w / (gfloat) self->width;
    d.box.h = roi->h / (gfloat) self->height;
    d.confidence = conf;
    d.label = g_quark_from_string (label);
    g_array_append_val (self->dets, d);
    g_ptr_array_add (self->rois, roi);
  }
}

/* where the visible tracks without a detection on this frame are: all of
 * them when the detector did not run, the ones it missed when it did */
static void
add_predicted (GstAxionTrack *self, GstBuffer *buf)
{
  for (guint i = 0; i < axion_tracker_n_tracks (self->tracker); i++) {
    const AxionTrack *tr = axion_tracker_track (self->tracker, i);
    GstVideoRegionOfInterestMeta *roi;
    gint x, y, w, h;

    if (!axion_track_is_visible (tr) || tr->matched)
      continue;
    x = CLAMP ((gint) (tr->box.x * self->width), 0, self->width - 1);
    y = CLAMP ((gint) (tr->box.y * self->height), 0, self->height - 1);
    w = CLAMP ((gint) (tr->box.w * self->width), 1, self->width - x);
    h = CLAMP ((gint) (tr->box.h * self->height), 1, self->height - y);
    roi = gst_axion_roi_add_detection (
        buf, g_quark_to_string (tr->label), -1.0, x, y, w, h);
    gst_axion_roi_set_track_id (roi, tr->id);
    gst_structure_set (
        gst_video_region_of_interest_meta_get_param (roi, "detection"),
        "predicted", G_TYPE_BOOLEAN, TRUE, NULL);
  }
}

/* The frame's running time, never earlier than the latest one seen: the
 * frames of the GOP before a wake that axiongate replays (replay-gops) come
 * after the keyframe that woke it, up to two GOPs earlier in time; zone
 * dwell times and track durations must not go negative (they count a
 * replayed frame at the latest time). */
static gint64
stream_time_us (GstAxionTrack *self, GstBuffer *buf)
{
  GstClockTime rt = gst_segment_to_running_time (
      &GST_BASE_TRANSFORM (self)->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf));
  gint64 us = GST_CLOCK_TIME_IS_VALID (rt) ? (gint64) (rt / GST_USECOND)
                                           : g_get_monotonic_time ();

  self->last_stream_us = MAX (self->last_stream_us, us);
  return self->last_stream_us;
}

/* moves events into the frame meta while it has room, details into the
 * event data meta; the rest waits for the next frames */
static void
flush_events (GstAxionTrack *self, GstBuffer *buf, GstAxionFrameMeta *meta)
{
  GstStructure *data = NULL;
  Pending *p;

  while ((p = g_queue_peek_head (&self->pending)) &&
      meta->n_events < GST_AXION_FRAME_MAX_EVENTS) {
    gchar key[32];

    if (data == NULL) {
      GstCustomMeta *cm = gst_buffer_get_custom_meta (
          buf, GST_AXION_EVENT_DATA_META);
      if (cm == NULL)
        cm = gst_buffer_add_custom_meta (buf, GST_AXION_EVENT_DATA_META);
      data = gst_custom_meta_get_structure (cm);
    }
    g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, p->id);
    gst_structure_set (data, key, G_TYPE_STRING, p->json, NULL);
    gst_axion_frame_meta_add_event_with_id (meta, p->type, p->id);
    GST_LOG_OBJECT (
        self, "event %s %s", gst_axion_event_type_db_name (p->type), p->json);
    self->events_out++;
    pending_free (g_queue_pop_head (&self->pending));
  }
  for (GList *l = self->pending.head; l; l = l->next) {
    Pending *q = l->data;
    if (!q->deferred)
      self->events_deferred++;
    q->deferred = TRUE;
  }
}

static void
queue_events (GstAxionTrack *self)
{
  for (guint i = 0; i < self->events->len; i++) {
    AxionTrackEvent *e = self->events->pdata[i];
    Pending *p = g_new0 (Pending, 1);

    p->type = event_type (e->kind);
    p->id = gst_axion_id_next ();
    p->json = g_steal_pointer (&e->data_json);
    if (e->kind == AXION_TRACK_EVENT_TRACK_ENDED)
      self->tracks_ended++;
    g_queue_push_tail (&self->pending, p);
  }
  g_ptr_array_set_size (self->events, 0);
}

/* what eos_carrier() needs of the last frame */
static void
remember_frame (GstAxionTrack *self, GstBuffer *buf, GstAxionFrameMeta *meta)
{
  if (meta->camera_id && g_strcmp0 (self->last_camera, meta->camera_id) != 0) {
    g_free (self->last_camera);
    self->last_camera = g_strdup (meta->camera_id);
  }
  self->last_frame_number_set = gst_axion_frame_meta_has (
      meta, GST_AXION_FRAME_FIELD_FRAME_NUMBER);
  self->last_capture_set = gst_axion_frame_meta_has (
      meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME);
  self->last_frame_number = meta->frame_number;
  self->last_capture_us = meta->capture_time_us;
  self->last_capture_source = meta->capture_time_source;
  self->last_pts = GST_BUFFER_PTS (buf);
  self->have_last = TRUE;
}

static GstFlowReturn
gst_axion_track_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GstAxionTrack *self = GST_AXION_TRACK (trans);
  GstAxionFrameMeta *meta = gst_buffer_get_or_add_axion_frame_meta (buf);
  gboolean inferred = TRUE;
  gint64 capture_us;
  gchar *announce;

  if (meta && gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_INFERENCE))
    inferred = meta->inference_state == GST_AXION_INFERENCE_RAN;
  capture_us = meta &&
          gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME)
      ? meta->capture_time_us
      : g_get_real_time ();

  g_mutex_lock (&self->lock);
  if (meta && !gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAMERA)) {
    const gchar *cam = camera_of (self, meta);
    if (cam)
      gst_axion_frame_meta_set_camera_id (meta, cam);
  }
  apply_changes (self);
  self->frames++;
  self->inferred += inferred;
  if (inferred)
    collect_detections (self, buf);
  else
    g_array_set_size (self->dets, 0);
  axion_tracker_step (self->tracker, (AxionTrackDet *) self->dets->data,
      self->dets->len, inferred);
  for (guint i = 0; i < self->dets->len; i++) {
    AxionTrackDet *d = &g_array_index (self->dets, AxionTrackDet, i);
    if (d->track_id > 0)
      gst_axion_roi_set_track_id (self->rois->pdata[i], d->track_id);
  }
  if (self->add_predicted)
    add_predicted (self, buf);
  axion_track_zones_frame (self->zones, self->tracker,
      stream_time_us (self, buf), capture_us, self->events);
  queue_events (self);
  if (meta) {
    flush_events (self, buf, meta);
    remember_frame (self, buf, meta);
  }
  announce = self->announce ? g_strdup (self->camera_id) : NULL;
  self->announce = FALSE;
  g_mutex_unlock (&self->lock);
  /* DESIGN: the element that has the camera id tells the later ones (a
   * sticky event, before this buffer) */
  if (announce)
    gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (self),
        gst_axion_camera_id_event_new (announce, NULL));
  g_free (announce);
  return GST_FLOW_OK;
}

static void
gst_axion_track_finalize (GObject *object)
{
  GstAxionTrack *self = GST_AXION_TRACK (object);

  axion_tracker_free (self->tracker);
  axion_track_zones_free (self->zones);
  clear_pending (self);
  g_array_unref (self->dets);
  g_ptr_array_unref (self->rois);
  g_ptr_array_unref (self->events);
  g_free (self->camera_id);
  g_free (self->resolved_id);
  g_free (self->last_camera);
  g_free (self->zones_text);
  g_free (self->lines_text);
  g_free (self->good_zones);
  g_free (self->good_lines);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_axion_track_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define RW_PLAYING (RW | GST_PARAM_MUTABLE_PLAYING)

static void
install_properties (GObjectClass *gobject_class)
{
  AxionTrackerParams d;

  axion_tracker_params_init (&d);
  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "Camera of the events when frames carry none (upstream Axion "
          "elements' frame meta wins)",
          NULL, RW));
  g_object_class_install_property (gobject_class, PROP_ZONES,
      g_param_spec_string ("zones", "Zones",
          "Polygons \"name: x,y x,y x,y ...; name: ...\" in fractions of "
          "the frame (0..1, origin top left), at least 3 points each, at "
          "most 64 zones; events zone_entered, zone_left, loitering. Read "
          "at start",
          NULL, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LINES,
      g_param_spec_string ("lines", "Lines",
          "Polylines \"name: x,y x,y ...; name: ...\" in fractions of the "
          "frame, at least 2 points each; event line_crossed with direction "
          "left-to-right or right-to-left (as on a map, facing from the "
          "first point to the next)",
          NULL, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DWELL_TIME,
      g_param_spec_double ("dwell-time", "Dwell time",
          "Seconds (stream time) a track stays in a zone before its "
          "loitering event (one per visit)",
          0.0, 86400.0, DEFAULT_DWELL_TIME, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ANCHOR,
      g_param_spec_enum ("anchor", "Anchor",
          "The point of a box that must be in a zone or cross a line",
          GST_TYPE_AXION_TRACK_ANCHOR, DEFAULT_ANCHOR, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_HITS,
      g_param_spec_uint ("min-hits", "Minimum hits",
          "Detector frames with a match before a track gets an id (its "
          "birth); fewer ids for false positives, later ids for real "
          "objects",
          1, 100, d.min_hits, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_MISSES,
      g_param_spec_uint ("max-misses", "Maximum misses",
          "Detector frames without a match before a track ends (frames the "
          "detector skipped do not count); longer bridges occlusions",
          0, 10000, d.max_misses, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_HIGH_THRESHOLD,
      g_param_spec_double ("high-threshold", "High threshold",
          "Detections from this confidence take the first association "
          "pass; below it the second (ByteTrack)",
          0.0, 1.0, d.high_conf, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LOW_THRESHOLD,
      g_param_spec_double ("low-threshold", "Low threshold",
          "Detections below this confidence are ignored", 0.0, 1.0, d.low_conf,
          RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_NEW_TRACK_THRESHOLD,
      g_param_spec_double ("new-track-threshold", "New track threshold",
          "An unmatched detection starts a track from this confidence "
          "(detections without a confidence always may)",
          0.0, 1.0, d.new_track_conf, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_double ("iou-threshold", "IoU threshold",
          "A track and a detection match only with more overlap "
          "(intersection over union) than this",
          0.0, 1.0, d.iou_min, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ADD_PREDICTED,
      g_param_spec_boolean ("add-predicted", "Add predicted regions",
          "Add a region for each visible track without a detection on "
          "this frame (the detector did not run, or missed it once) at its "
          "predicted place, with track-id and predicted=true in its "
          "detection param",
          DEFAULT_ADD_PREDICTED, RW));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "frames, inferred-frames, active-tracks (confirmed), ended-tracks, "
          "events (into frames), events-deferred (waited for a frame with "
          "room), occupancy (\"zone=N; ...\")",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
gst_axion_track_class_init (GstAxionTrackClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_track_debug, "axiontrack", 0, "Axion object tracker");
  register_event_data_meta ();

  gobject_class->set_property = gst_axion_track_set_property;
  gobject_class->get_property = gst_axion_track_get_property;
  gobject_class->finalize = gst_axion_track_finalize;
  install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Axion object tracker",
      "Filter/Analyzer/Video",
      "Tracks detections across frames (track ids), with zone, line and "
      "dwell events",
      "Axion developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_axion_track_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_axion_track_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_axion_track_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_axion_track_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_axion_track_transform_ip);
  gst_type_mark_as_plugin_api (GST_TYPE_AXION_TRACK_ANCHOR, 0);
}

static void
gst_axion_track_init (GstAxionTrack *self)
{
  g_mutex_init (&self->lock);
  self->dwell_time = DEFAULT_DWELL_TIME;
  self->anchor = DEFAULT_ANCHOR;
  self->add_predicted = DEFAULT_ADD_PREDICTED;
  self->next_track_id = 1;
  axion_tracker_params_init (&self->params);
  g_queue_init (&self->pending);
  self->dets = g_array_new (FALSE, FALSE, sizeof (AxionTrackDet));
  self->rois = g_ptr_array_new ();
  self->events = g_ptr_array_new_with_free_func (
      (GDestroyNotify) axion_track_event_free);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
}
