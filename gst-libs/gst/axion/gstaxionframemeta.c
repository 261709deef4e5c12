/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionframemeta.h"
#include "gstaxionid.h"
#include "gstaxionroi.h"
#include "gstaxion-private.h"

#include <math.h>
#include <string.h>

GType
gst_axion_frame_meta_api_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    /* No tags: frame-level data stays valid through every transform. */
    static const gchar *tags[] = { NULL };
    GType t = gst_meta_api_type_register ("GstAxionFrameMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
frame_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstAxionFrameMeta *fm = (GstAxionFrameMeta *) meta;

  fm->fields = 0;
  fm->camera_id = NULL;
  fm->frame_number = 0;
  fm->capture_time_us = 0;
  fm->capture_time_source = GST_AXION_CAPTURE_TIME_ARRIVAL;
  fm->motion_score = 0.0;
  fm->motion_state = GST_AXION_MOTION_STATE_IDLE;
  fm->frame_hash[0] = '\0';
  fm->perceptual_hash = 0;
  fm->difference_hash = 0;
  fm->scene_hash = 0;
  fm->scene_change_score = 0.0;
  fm->scene_change_ref_score = 0.0;
  memset (&fm->quality, 0, sizeof (fm->quality));
  fm->inference_state = GST_AXION_INFERENCE_NONE;
  fm->inference_wait_ms = 0.0;
  fm->inference_run_ms = 0.0;
  fm->n_events = 0;
  fm->spare_event_id = gst_axion_id_next ();
  fm->compressed_bytes = 0;
  memset (&fm->gate, 0, sizeof (fm->gate));
  fm->snapshot_path = NULL;
  fm->snapshot_expires_us = 0;
  return TRUE;
}

static void
frame_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  GstAxionFrameMeta *fm = (GstAxionFrameMeta *) meta;

  g_clear_pointer (&fm->camera_id, g_free);
  g_clear_pointer (&fm->snapshot_path, g_free);
}

/* Copy the parts of @src that @dst does not have yet. */
static void
frame_meta_merge (GstAxionFrameMeta *dst, const GstAxionFrameMeta *src)
{
  GstAxionFrameFields missing = src->fields & ~dst->fields;

  if (missing & GST_AXION_FRAME_FIELD_CAMERA)
    gst_axion_frame_meta_set_camera_id (dst, src->camera_id);
  if (missing & GST_AXION_FRAME_FIELD_FRAME_NUMBER)
    dst->frame_number = src->frame_number;
  if (missing & GST_AXION_FRAME_FIELD_CAPTURE_TIME) {
    dst->capture_time_us = src->capture_time_us;
    dst->capture_time_source = src->capture_time_source;
  }
  if (missing & GST_AXION_FRAME_FIELD_MOTION) {
    dst->motion_score = src->motion_score;
    dst->motion_state = src->motion_state;
  }
  if (missing & GST_AXION_FRAME_FIELD_FRAME_HASH)
    memcpy (dst->frame_hash, src->frame_hash, sizeof (dst->frame_hash));
  if (missing & GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH)
    dst->perceptual_hash = src->perceptual_hash;
  if (missing & GST_AXION_FRAME_FIELD_DIFFERENCE_HASH)
    dst->difference_hash = src->difference_hash;
  if (missing & GST_AXION_FRAME_FIELD_SCENE_HASH)
    dst->scene_hash = src->scene_hash;
  if (missing & GST_AXION_FRAME_FIELD_SCENE_CHANGE) {
    dst->scene_change_score = src->scene_change_score;
    dst->scene_change_ref_score = src->scene_change_ref_score;
  }
  if (missing & GST_AXION_FRAME_FIELD_QUALITY)
    dst->quality = src->quality;
  if (missing & GST_AXION_FRAME_FIELD_INFERENCE) {
    dst->inference_state = src->inference_state;
    dst->inference_wait_ms = src->inference_wait_ms;
    dst->inference_run_ms = src->inference_run_ms;
  }
  if (missing & GST_AXION_FRAME_FIELD_COMPRESSED)
    dst->compressed_bytes = src->compressed_bytes;
  if (missing & GST_AXION_FRAME_FIELD_GATE)
    dst->gate = src->gate;
  if (missing & GST_AXION_FRAME_FIELD_SNAPSHOT)
    gst_axion_frame_meta_set_snapshot (
        dst, src->snapshot_path, src->snapshot_expires_us);
  dst->fields |= missing;

  /* events: union by id */
  for (guint i = 0; i < src->n_events; i++) {
    gboolean have = FALSE;
    for (guint j = 0; j < dst->n_events && !have; j++)
      have = (dst->events[j].id == src->events[i].id);
    if (!have)
      gst_axion_frame_meta_add_event_with_id (
          dst, src->events[i].type, src->events[i].id);
  }
}

static gboolean
frame_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  gboolean fresh = gst_buffer_get_axion_frame_meta (dest) == NULL;
  GstAxionFrameMeta *dmeta = gst_buffer_get_or_add_axion_frame_meta (dest);

  if (dmeta == NULL)
    return FALSE;
  /* a copy is the same frame: the same spare id */
  if (fresh)
    dmeta->spare_event_id = ((GstAxionFrameMeta *) meta)->spare_event_id;
  /* Copies, scaling and conversions alike: nothing in the meta depends on
   * the pixel geometry. */
  frame_meta_merge (dmeta, (GstAxionFrameMeta *) meta);
  return TRUE;
}

const GstMetaInfo *
gst_axion_frame_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_AXION_FRAME_META_API_TYPE,
        "GstAxionFrameMeta", sizeof (GstAxionFrameMeta), frame_meta_init,
        frame_meta_free, frame_meta_transform);
    g_once_init_leave (&info, mi);
  }
  return info;
}

/**
 * gst_buffer_add_axion_frame_meta:
 * @buffer: a writable #GstBuffer
 *
 * Adds an empty frame meta. Prefer gst_buffer_get_or_add_axion_frame_meta():
 * a buffer must carry at most one.
 *
 * Returns: (transfer none): the new meta
 */
GstAxionFrameMeta *
gst_buffer_add_axion_frame_meta (GstBuffer *buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);

  return (GstAxionFrameMeta *) gst_buffer_add_meta (
      buffer, GST_AXION_FRAME_META_INFO, NULL);
}

/**
 * gst_buffer_get_or_add_axion_frame_meta:
 * @buffer: a #GstBuffer (writable when it has no frame meta yet)
 *
 * Returns: (transfer none) (nullable): the buffer's frame meta, added when
 * missing; %NULL when the buffer has none and is not writable.
 */
GstAxionFrameMeta *
gst_buffer_get_or_add_axion_frame_meta (GstBuffer *buffer)
{
  GstAxionFrameMeta *fm;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  fm = gst_buffer_get_axion_frame_meta (buffer);
  if (fm == NULL && gst_buffer_is_writable (buffer))
    fm = gst_buffer_add_axion_frame_meta (buffer);
  return fm;
}

/**
 * gst_axion_frame_meta_has:
 * @meta: a frame meta
 * @fields: one or more #GstAxionFrameFields
 *
 * Returns: %TRUE when all of @fields are set.
 */
gboolean
gst_axion_frame_meta_has (
    const GstAxionFrameMeta *meta, GstAxionFrameFields fields)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return (meta->fields & fields) == fields;
}

void
gst_axion_frame_meta_set_camera_id (
    GstAxionFrameMeta *meta, const gchar *camera_id)
{
  g_return_if_fail (meta != NULL);

  g_free (meta->camera_id);
  meta->camera_id = g_strdup (camera_id);
  if (camera_id)
    meta->fields |= GST_AXION_FRAME_FIELD_CAMERA;
  else
    meta->fields &= ~GST_AXION_FRAME_FIELD_CAMERA;
}

/**
 * gst_axion_frame_meta_set_snapshot:
 * @meta: a #GstAxionFrameMeta
 * @path: (nullable): where the frame's JPEG snapshot is (or will be, once
 *   the snapshot writer's thread has written it), %NULL for none
 * @expires_us: when the file is deleted (host wall clock, Unix
 *   microseconds), 0 for never
 *
 * Sinks write them as frame_metadata.storage_path (storage_location
 * "local") and expires_at.
 */
void
gst_axion_frame_meta_set_snapshot (
    GstAxionFrameMeta *meta, const gchar *path, gint64 expires_us)
{
  g_return_if_fail (meta != NULL);

  g_free (meta->snapshot_path);
  meta->snapshot_path = g_strdup (path);
  meta->snapshot_expires_us = path ? expires_us : 0;
  if (path)
    meta->fields |= GST_AXION_FRAME_FIELD_SNAPSHOT;
  else
    meta->fields &= ~GST_AXION_FRAME_FIELD_SNAPSHOT;
}

void
gst_axion_frame_meta_set_frame_number (
    GstAxionFrameMeta *meta, guint64 frame_number)
{
  g_return_if_fail (meta != NULL);
  meta->frame_number = frame_number;
  meta->fields |= GST_AXION_FRAME_FIELD_FRAME_NUMBER;
}

void
gst_axion_frame_meta_set_capture_time (
    GstAxionFrameMeta *meta, gint64 unix_us, GstAxionCaptureTimeSource source)
{
  g_return_if_fail (meta != NULL);
  meta->capture_time_us = unix_us;
  meta->capture_time_source = source;
  meta->fields |= GST_AXION_FRAME_FIELD_CAPTURE_TIME;
}

/**
 * gst_axion_frame_meta_set_compressed_bytes:
 * @meta: a frame meta
 * @bytes: the frame's compressed size in bytes
 */
void
gst_axion_frame_meta_set_compressed_bytes (
    GstAxionFrameMeta *meta, guint64 bytes)
{
  g_return_if_fail (meta != NULL);
  meta->compressed_bytes = bytes;
  meta->fields |= GST_AXION_FRAME_FIELD_COMPRESSED;
}

/**
 * gst_axion_frame_meta_set_gate:
 * @meta: a frame meta
 * @gate: how axiongate sampled the stream at this frame
 */
void
gst_axion_frame_meta_set_gate (
    GstAxionFrameMeta *meta, const GstAxionGateInfo *gate)
{
  g_return_if_fail (meta != NULL && gate != NULL);
  meta->gate = *gate;
  meta->fields |= GST_AXION_FRAME_FIELD_GATE;
}

/**
 * gst_axion_activity_event_new:
 * @source: what saw the activity ("motion", "scene-change", ...)
 * @score: how strong it was (the analyser's own score, 0..1)
 *
 * Returns: (transfer full): an upstream custom event that tells axiongate a
 * decoded frame of this camera shows activity.
 */
GstEvent *
gst_axion_activity_event_new (const gchar *source, gdouble score)
{
  g_return_val_if_fail (source != NULL, NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new (GST_AXION_ACTIVITY_EVENT_NAME, "source", G_TYPE_STRING,
          source, "score", G_TYPE_DOUBLE, score, NULL));
}

/**
 * gst_axion_activity_event_parse:
 * @event: an event
 * @source: (out) (optional) (transfer none): what saw the activity
 * @score: (out) (optional): its score
 *
 * Returns: %TRUE when @event is an activity event.
 */
gboolean
gst_axion_activity_event_parse (
    GstEvent *event, const gchar **source, gdouble *score)
{
  const GstStructure *s;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_UPSTREAM)
    return FALSE;
  s = gst_event_get_structure (event);
  if (s == NULL || !gst_structure_has_name (s, GST_AXION_ACTIVITY_EVENT_NAME))
    return FALSE;
  if (source)
    *source = gst_structure_get_string (s, "source");
  if (score && !gst_structure_get_double (s, "score", score))
    *score = 0.0;
  return TRUE;
}

/**
 * gst_axion_frame_meta_set_motion:
 * @meta: a frame meta
 * @score: fraction of the frame that moved, clamped to 0..1 (NaN becomes 0)
 * @state: motion event phase of this frame
 */
void
gst_axion_frame_meta_set_motion (
    GstAxionFrameMeta *meta, gdouble score, GstAxionMotionState state)
{
  g_return_if_fail (meta != NULL);
  meta->motion_score = isnan (score) ? 0.0 : CLAMP (score, 0.0, 1.0);
  meta->motion_state = state;
  meta->fields |= GST_AXION_FRAME_FIELD_MOTION;
}

/**
 * gst_axion_frame_meta_set_frame_hash:
 * @meta: a frame meta
 * @hex: the hash as hex digits (at most 64)
 *
 * Returns: %FALSE (and leaves the meta unchanged) when @hex is not 1..64
 * hex digits.
 */
gboolean
gst_axion_frame_meta_set_frame_hash (GstAxionFrameMeta *meta, const gchar *hex)
{
  gsize len;

  g_return_val_if_fail (meta != NULL, FALSE);
  g_return_val_if_fail (hex != NULL, FALSE);

  len = strlen (hex);
  if (len == 0 || len > GST_AXION_FRAME_HASH_MAX_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (hex[i]))
      return FALSE;
  for (gsize i = 0; i <= len; i++)
    meta->frame_hash[i] = g_ascii_tolower (hex[i]);
  meta->fields |= GST_AXION_FRAME_FIELD_FRAME_HASH;
  return TRUE;
}

void
gst_axion_frame_meta_set_perceptual_hash (
    GstAxionFrameMeta *meta, guint64 phash)
{
  g_return_if_fail (meta != NULL);
  meta->perceptual_hash = phash;
  meta->fields |= GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH;
}

void
gst_axion_frame_meta_set_difference_hash (
    GstAxionFrameMeta *meta, guint64 dhash)
{
  g_return_if_fail (meta != NULL);
  meta->difference_hash = dhash;
  meta->fields |= GST_AXION_FRAME_FIELD_DIFFERENCE_HASH;
}

void
gst_axion_frame_meta_set_scene_hash (
    GstAxionFrameMeta *meta, guint64 scene_hash)
{
  g_return_if_fail (meta != NULL);
  meta->scene_hash = scene_hash;
  meta->fields |= GST_AXION_FRAME_FIELD_SCENE_HASH;
}

static gdouble
unit_clamp (gdouble v)
{
  return isnan (v) ? 0.0 : CLAMP (v, 0.0, 1.0);
}

void
gst_axion_frame_meta_set_scene_change (
    GstAxionFrameMeta *meta, gdouble previous_score, gdouble reference_score)
{
  g_return_if_fail (meta != NULL);
  meta->scene_change_score = unit_clamp (previous_score);
  meta->scene_change_ref_score = unit_clamp (reference_score);
  meta->fields |= GST_AXION_FRAME_FIELD_SCENE_CHANGE;
}

/**
 * gst_axion_frame_meta_set_quality:
 * @meta: a frame meta
 * @quality: the metrics; each is clamped to 0..1
 */
void
gst_axion_frame_meta_set_quality (
    GstAxionFrameMeta *meta, const GstAxionQuality *quality)
{
  g_return_if_fail (meta != NULL);
  g_return_if_fail (quality != NULL);
  meta->quality.sharpness = unit_clamp (quality->sharpness);
  meta->quality.brightness = unit_clamp (quality->brightness);
  meta->quality.contrast = unit_clamp (quality->contrast);
  meta->quality.noise = unit_clamp (quality->noise);
  meta->quality.overall = unit_clamp (quality->overall);
  meta->fields |= GST_AXION_FRAME_FIELD_QUALITY;
}

void
gst_axion_frame_meta_set_inference (GstAxionFrameMeta *meta,
    GstAxionInferenceState state, gdouble wait_ms, gdouble run_ms)
{
  g_return_if_fail (meta != NULL);
  meta->inference_state = state;
  meta->inference_wait_ms = MAX (wait_ms, 0.0);
  meta->inference_run_ms = MAX (run_ms, 0.0);
  meta->fields |= GST_AXION_FRAME_FIELD_INFERENCE;
}

/**
 * gst_axion_frame_meta_add_event_with_id:
 * @meta: a frame meta
 * @type: the event type
 * @id: its id
 *
 * Returns: %FALSE when the frame already has %GST_AXION_FRAME_MAX_EVENTS
 * events.
 */
gboolean
gst_axion_frame_meta_add_event_with_id (
    GstAxionFrameMeta *meta, GstAxionEventType type, gint64 id)
{
  g_return_val_if_fail (meta != NULL, FALSE);

  if (meta->n_events >= GST_AXION_FRAME_MAX_EVENTS) {
    GST_WARNING ("frame %" G_GUINT64_FORMAT " already has %d events; event "
                 "%s not recorded",
        meta->frame_number, GST_AXION_FRAME_MAX_EVENTS,
        gst_axion_event_type_db_name (type));
    return FALSE;
  }
  meta->events[meta->n_events].type = type;
  meta->events[meta->n_events].id = id;
  meta->n_events++;
  return TRUE;
}

/**
 * gst_axion_frame_meta_add_event:
 * @meta: a frame meta
 * @type: the event type
 *
 * Records that this frame produced an event of @type, with a fresh id from
 * the default generator. When the frame already has an event of @type, its
 * id is returned and nothing is added.
 *
 * Returns: the event id, or 0 when the frame has no room for more events.
 */
gint64
gst_axion_frame_meta_add_event (GstAxionFrameMeta *meta, GstAxionEventType type)
{
  gint64 id;

  g_return_val_if_fail (meta != NULL, 0);

  id = gst_axion_frame_meta_get_event_id (meta, type);
  if (id != 0)
    return id;
  id = gst_axion_id_next ();
  return gst_axion_frame_meta_add_event_with_id (meta, type, id) ? id : 0;
}

/**
 * gst_axion_frame_meta_get_event_id:
 *
 * Returns: the id of the frame's event of @type, or 0 when there is none.
 */
gint64
gst_axion_frame_meta_get_event_id (
    const GstAxionFrameMeta *meta, GstAxionEventType type)
{
  g_return_val_if_fail (meta != NULL, 0);

  for (guint i = 0; i < meta->n_events; i++)
    if (meta->events[i].type == type)
      return meta->events[i].id;
  return 0;
}

/**
 * gst_axion_event_type_db_name:
 *
 * Returns: the camera_events.event_type value of @type.
 */
const gchar *
gst_axion_event_type_db_name (GstAxionEventType type)
{
  switch (type) {
  case GST_AXION_EVENT_MOTION_START:
  case GST_AXION_EVENT_MOTION_CONTINUE:
  case GST_AXION_EVENT_MOTION_END:
    return "motion";
  case GST_AXION_EVENT_OBJECT_DETECTED:
    return "object_detected";
  case GST_AXION_EVENT_SCENE_CHANGE:
    return "scene_change";
  case GST_AXION_EVENT_QUALITY:
    return "quality";
  case GST_AXION_EVENT_MANUAL_TRIGGER:
    return "manual_trigger";
  case GST_AXION_EVENT_ZONE_ENTERED:
    return "zone_entered";
  case GST_AXION_EVENT_ZONE_LEFT:
    return "zone_left";
  case GST_AXION_EVENT_LINE_CROSSED:
    return "line_crossed";
  case GST_AXION_EVENT_LOITERING:
    return "loitering";
  case GST_AXION_EVENT_TRACK_ENDED:
    return "track_ended";
  }
  return "unknown";
}

/**
 * gst_axion_event_type_phase:
 *
 * Returns: (nullable): the camera_events.event_phase value of @type
 * ("start", "continue", "end") or %NULL for point events.
 */
const gchar *
gst_axion_event_type_phase (GstAxionEventType type)
{
  switch (type) {
  case GST_AXION_EVENT_MOTION_START:
    return "start";
  case GST_AXION_EVENT_MOTION_CONTINUE:
    return "continue";
  case GST_AXION_EVENT_MOTION_END:
    return "end";
  default:
    return NULL;
  }
}

/**
 * gst_axion_hash64_to_hex: (skip)
 * @hash: a 64-bit hash
 * @out: 17 bytes for 16 lowercase hex digits and a NUL
 *
 * Not in the bindings (a fixed-size output buffer): in Python the same
 * text is `"%016x" % hash`.
 */
void
gst_axion_hash64_to_hex (guint64 hash, gchar out[17])
{
  static const gchar digits[] = "0123456789abcdef";

  for (gint i = 15; i >= 0; i--) {
    out[i] = digits[hash & 15];
    hash >>= 4;
  }
  out[16] = '\0';
}

/**
 * gst_axion_frame_meta_sink_events:
 * @meta: the frame's meta
 * @buffer: the frame
 * @events: (out caller-allocates) (array fixed-size=9): room for
 *   %GST_AXION_FRAME_MAX_EVENTS + 1 events
 *
 * The camera events sinks write for a frame: the meta's events, then an
 * object_detected event when a detector placed detection regions
 * (GstVideoRegionOfInterestMeta other than motion) without adding the
 * event itself (detectors outside Axion). That one's id is the meta's spare
 * id, so a buffer written twice writes it once.
 *
 * Returns: the number of events in @events
 */
guint
gst_axion_frame_meta_sink_events (const GstAxionFrameMeta *meta,
    GstBuffer *buffer, GstAxionFrameEvent *events)
{
  gpointer state = NULL;
  GstMeta *m;
  guint n;

  g_return_val_if_fail (meta != NULL && events != NULL, 0);
  n = meta->n_events;
  memcpy (events, meta->events, n * sizeof (GstAxionFrameEvent));
  if (gst_axion_frame_meta_get_event_id (meta, GST_AXION_EVENT_OBJECT_DETECTED))
    return n;
  while ((m = gst_buffer_iterate_meta_filtered (
              buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (gst_axion_roi_get_detection (
            (GstVideoRegionOfInterestMeta *) m, NULL, NULL, NULL)) {
      events[n].type = GST_AXION_EVENT_OBJECT_DETECTED;
      events[n].id = meta->spare_event_id;
      return n + 1;
    }
  }
  return n;
}
