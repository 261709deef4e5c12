/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstaxionmetaaccess
 * @title: Reading Axion metadata from bindings
 *
 * Functions that read the Axion metas of a buffer, for language bindings
 * (Python through GObject-Introspection) and for C code that prefers
 * functions over fields.
 *
 * #GstMeta structs are not boxed types: a binding cannot turn the #GstMeta
 * that gst_buffer_get_meta() returns into a #GstAxionFrameMeta, and cannot
 * read fixed-size array fields (@frame_hash, @events) or nested structs.
 * These functions take the buffer (or the meta) and return plain values;
 * each getter of a part returns %FALSE when the meta does not have that part
 * (see #GstAxionFrameFields), so a reader never mistakes "not computed" for
 * 0.
 *
 * From Python:
 * |[<!-- language="Python" -->
 * meta = GstAxion.buffer_get_frame_meta(buffer)
 * if meta is not None:
 *     for i in range(meta.get_n_events()):
 *         ok, event_type, event_id = meta.get_event(i)
 *         print(meta.get_camera_id(), GstAxion.event_type_db_name(event_type),
 * event_id)
 * ]|
 *
 * The metas returned are owned by the buffer: keep a reference to the buffer
 * while you use them (in a pad probe, use them inside the probe).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionmetaaccess.h"

/**
 * gst_axion_buffer_get_frame_meta:
 * @buffer: a #GstBuffer
 *
 * The function form of gst_buffer_get_axion_frame_meta().
 *
 * Returns: (transfer none) (nullable): the frame meta of @buffer, or %NULL
 */
GstAxionFrameMeta *
gst_axion_buffer_get_frame_meta (GstBuffer *buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return gst_buffer_get_axion_frame_meta (buffer);
}

/* the @index-th meta of @api on @buffer, or NULL */
static GstMeta *
nth_meta (GstBuffer *buffer, GType api, guint index)
{
  gpointer state = NULL;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (buffer, &state, api)))
    if (index-- == 0)
      return m;
  return NULL;
}

/**
 * gst_axion_buffer_get_n_analysis_metas:
 * @buffer: a #GstBuffer
 *
 * Returns: how many analysis metas @buffer carries (several results may
 *   finish while one frame passes)
 */
guint
gst_axion_buffer_get_n_analysis_metas (GstBuffer *buffer)
{
  guint n = 0;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), 0);
  while (nth_meta (buffer, GST_AXION_ANALYSIS_META_API_TYPE, n))
    n++;
  return n;
}

/**
 * gst_axion_buffer_get_analysis_meta:
 * @buffer: a #GstBuffer
 * @index: which one, from 0 (see gst_axion_buffer_get_n_analysis_metas())
 *
 * Returns: (transfer none) (nullable): the @index-th analysis meta of
 *   @buffer, or %NULL when it has fewer
 */
GstAxionAnalysisMeta *
gst_axion_buffer_get_analysis_meta (GstBuffer *buffer, guint index)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstAxionAnalysisMeta *) nth_meta (
      buffer, GST_AXION_ANALYSIS_META_API_TYPE, index);
}

/**
 * gst_axion_buffer_get_alert_meta:
 * @buffer: a #GstBuffer
 * @index: which one, from 0 (see gst_axion_alert_meta_count())
 *
 * Returns: (transfer none) (nullable): the @index-th alert meta of @buffer,
 *   or %NULL when it has fewer
 */
GstAxionAlertMeta *
gst_axion_buffer_get_alert_meta (GstBuffer *buffer, guint index)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstAxionAlertMeta *) nth_meta (
      buffer, GST_AXION_ALERT_META_API_TYPE, index);
}

/**
 * gst_axion_frame_meta_get_camera_id:
 * @meta: a #GstAxionFrameMeta
 *
 * Returns: (transfer none) (nullable): the camera id, or %NULL when not set
 */
const gchar *
gst_axion_frame_meta_get_camera_id (const GstAxionFrameMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAMERA)
      ? meta->camera_id
      : NULL;
}

/**
 * gst_axion_frame_meta_get_frame_number:
 * @meta: a #GstAxionFrameMeta
 * @frame_number: (out) (optional): the frame number (0 when not set)
 *
 * Returns: whether the frame number is set
 */
gboolean
gst_axion_frame_meta_get_frame_number (
    const GstAxionFrameMeta *meta, guint64 *frame_number)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_NUMBER);
  if (frame_number)
    *frame_number = set ? meta->frame_number : 0;
  return set;
}

/**
 * gst_axion_frame_meta_get_capture_time:
 * @meta: a #GstAxionFrameMeta
 * @unix_us: (out) (optional): capture time, microseconds since the Unix
 *   epoch (UTC)
 * @source: (out) (optional): which clock it came from
 *
 * Returns: whether the capture time is set
 */
gboolean
gst_axion_frame_meta_get_capture_time (const GstAxionFrameMeta *meta,
    gint64 *unix_us, GstAxionCaptureTimeSource *source)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME);
  if (unix_us)
    *unix_us = set ? meta->capture_time_us : 0;
  if (source)
    *source = meta->capture_time_source;
  return set;
}

/**
 * gst_axion_frame_meta_get_motion:
 * @meta: a #GstAxionFrameMeta
 * @score: (out) (optional): 0..1, the fraction of the frame that moved
 * @state: (out) (optional): the motion event phase of this frame
 *
 * Returns: whether axionmotion (or another element) set the motion part
 */
gboolean
gst_axion_frame_meta_get_motion (
    const GstAxionFrameMeta *meta, gdouble *score, GstAxionMotionState *state)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_MOTION);
  if (score)
    *score = set ? meta->motion_score : 0.0;
  if (state)
    *state = set ? meta->motion_state : GST_AXION_MOTION_STATE_IDLE;
  return set;
}

/**
 * gst_axion_frame_meta_get_frame_hash:
 * @meta: a #GstAxionFrameMeta
 *
 * Returns: (transfer none) (nullable): the exact frame hash (lowercase
 *   hex), or %NULL when not set
 */
const gchar *
gst_axion_frame_meta_get_frame_hash (const GstAxionFrameMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_HASH)
      ? meta->frame_hash
      : NULL;
}

static gboolean
get_u64 (const GstAxionFrameMeta *meta, GstAxionFrameFields field,
    guint64 value, guint64 *out)
{
  gboolean set = gst_axion_frame_meta_has (meta, field);

  if (out)
    *out = set ? value : 0;
  return set;
}

/**
 * gst_axion_frame_meta_get_perceptual_hash:
 * @meta: a #GstAxionFrameMeta
 * @hash: (out) (optional): the 64-bit pHash
 *
 * gst_axion_hash64_to_hex() gives the form stored in the database.
 *
 * Returns: whether the perceptual hash is set
 */
gboolean
gst_axion_frame_meta_get_perceptual_hash (
    const GstAxionFrameMeta *meta, guint64 *hash)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return get_u64 (
      meta, GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH, meta->perceptual_hash, hash);
}

/**
 * gst_axion_frame_meta_get_difference_hash:
 * @meta: a #GstAxionFrameMeta
 * @hash: (out) (optional): the 64-bit dHash
 *
 * Returns: whether the difference hash is set
 */
gboolean
gst_axion_frame_meta_get_difference_hash (
    const GstAxionFrameMeta *meta, guint64 *hash)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return get_u64 (
      meta, GST_AXION_FRAME_FIELD_DIFFERENCE_HASH, meta->difference_hash, hash);
}

/**
 * gst_axion_frame_meta_get_scene_hash:
 * @meta: a #GstAxionFrameMeta
 * @hash: (out) (optional): the 64-bit coarse scene hash
 *
 * Returns: whether the scene hash is set
 */
gboolean
gst_axion_frame_meta_get_scene_hash (
    const GstAxionFrameMeta *meta, guint64 *hash)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return get_u64 (
      meta, GST_AXION_FRAME_FIELD_SCENE_HASH, meta->scene_hash, hash);
}

/**
 * gst_axion_frame_meta_get_scene_change:
 * @meta: a #GstAxionFrameMeta
 * @previous_score: (out) (optional): 0..1, change against the previous frame
 * @reference_score: (out) (optional): 0..1, change against the slow
 *   reference
 *
 * Returns: whether the scene-change scores are set
 */
gboolean
gst_axion_frame_meta_get_scene_change (const GstAxionFrameMeta *meta,
    gdouble *previous_score, gdouble *reference_score)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SCENE_CHANGE);
  if (previous_score)
    *previous_score = set ? meta->scene_change_score : 0.0;
  if (reference_score)
    *reference_score = set ? meta->scene_change_ref_score : 0.0;
  return set;
}

/**
 * gst_axion_frame_meta_get_quality:
 * @meta: a #GstAxionFrameMeta
 * @quality: (out caller-allocates): the image quality metrics (all 0 when
 *   not set)
 *
 * Returns: whether the quality metrics are set
 */
gboolean
gst_axion_frame_meta_get_quality (
    const GstAxionFrameMeta *meta, GstAxionQuality *quality)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  g_return_val_if_fail (quality != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_QUALITY);
  if (set)
    *quality = meta->quality;
  else
    *quality = (GstAxionQuality){ 0 };
  return set;
}

/**
 * gst_axion_frame_meta_get_inference:
 * @meta: a #GstAxionFrameMeta
 * @state: (out) (optional): whether the detector ran on this frame
 * @wait_ms: (out) (optional): how long the frame waited for an inference
 *   slot, milliseconds
 * @run_ms: (out) (optional): how long the inference took, milliseconds
 *
 * Returns: whether a scheduler (axiondlpusched) decided about this frame
 */
gboolean
gst_axion_frame_meta_get_inference (const GstAxionFrameMeta *meta,
    GstAxionInferenceState *state, gdouble *wait_ms, gdouble *run_ms)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_INFERENCE);
  if (state)
    *state = set ? meta->inference_state : GST_AXION_INFERENCE_NONE;
  if (wait_ms)
    *wait_ms = set ? meta->inference_wait_ms : 0.0;
  if (run_ms)
    *run_ms = set ? meta->inference_run_ms : 0.0;
  return set;
}

/**
 * gst_axion_frame_meta_get_compressed_bytes:
 * @meta: a #GstAxionFrameMeta
 * @bytes: (out) (optional): the frame's size as received from the camera
 *   (compressed), in bytes
 *
 * Returns: whether axiongate measured it
 */
gboolean
gst_axion_frame_meta_get_compressed_bytes (
    const GstAxionFrameMeta *meta, guint64 *bytes)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_COMPRESSED);
  if (bytes)
    *bytes = set ? meta->compressed_bytes : 0;
  return set;
}

/**
 * gst_axion_frame_meta_get_gate:
 * @meta: a #GstAxionFrameMeta
 * @gate: (out caller-allocates): how axiongate sampled the stream (all 0
 *   when not set)
 *
 * Returns: whether the frame went through axiongate
 */
gboolean
gst_axion_frame_meta_get_gate (
    const GstAxionFrameMeta *meta, GstAxionGateInfo *gate)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, FALSE);
  g_return_val_if_fail (gate != NULL, FALSE);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_GATE);
  if (set)
    *gate = meta->gate;
  else
    *gate = (GstAxionGateInfo){ 0 };
  return set;
}

/**
 * gst_axion_frame_meta_get_snapshot:
 * @meta: a #GstAxionFrameMeta
 * @expires_us: (out) (optional): when the snapshot is deleted (host wall
 *   clock, Unix microseconds; 0 never)
 *
 * Returns: (nullable): the path of the frame's JPEG snapshot
 *   (axionsnapshot), or %NULL
 */
const gchar *
gst_axion_frame_meta_get_snapshot (
    const GstAxionFrameMeta *meta, gint64 *expires_us)
{
  gboolean set;

  g_return_val_if_fail (meta != NULL, NULL);
  set = gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SNAPSHOT);
  if (expires_us)
    *expires_us = set ? meta->snapshot_expires_us : 0;
  return set ? meta->snapshot_path : NULL;
}

/**
 * gst_axion_frame_meta_get_n_events:
 * @meta: a #GstAxionFrameMeta
 *
 * Returns: how many camera events this frame produced (at most
 *   %GST_AXION_FRAME_MAX_EVENTS)
 */
guint
gst_axion_frame_meta_get_n_events (const GstAxionFrameMeta *meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return MIN (meta->n_events, GST_AXION_FRAME_MAX_EVENTS);
}

/**
 * gst_axion_frame_meta_get_event:
 * @meta: a #GstAxionFrameMeta
 * @index: which event, from 0 (see gst_axion_frame_meta_get_n_events())
 * @type: (out) (optional): its type (gst_axion_event_type_db_name() gives
 *   the camera_events.event_type value)
 * @id: (out) (optional): its id (camera_events.event_id)
 *
 * Returns: %FALSE when @index is out of range
 */
gboolean
gst_axion_frame_meta_get_event (const GstAxionFrameMeta *meta, guint index,
    GstAxionEventType *type, gint64 *id)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  if (index >= gst_axion_frame_meta_get_n_events (meta))
    return FALSE;
  if (type)
    *type = meta->events[index].type;
  if (id)
    *id = meta->events[index].id;
  return TRUE;
}

/**
 * gst_axion_analysis_meta_get_analysis:
 * @meta: a #GstAxionAnalysisMeta
 *
 * Returns: (transfer none): the analysis, owned by the meta
 */
GstAxionAnalysis *
gst_axion_analysis_meta_get_analysis (const GstAxionAnalysisMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return meta->analysis;
}

/**
 * gst_axion_alert_meta_get_alert:
 * @meta: a #GstAxionAlertMeta
 *
 * Returns: (transfer none): the alert, owned by the meta
 */
GstAxionAlert *
gst_axion_alert_meta_get_alert (const GstAxionAlertMeta *meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return meta->alert;
}
