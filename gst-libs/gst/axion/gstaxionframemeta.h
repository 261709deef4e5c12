/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_FRAME_META_H__
#define __GST_AXION_FRAME_META_H__

#include <gst/axion/axion-prelude.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionframemeta
 * @title: GstAxionFrameMeta
 *
 * One #GstAxionFrameMeta per buffer carries everything Axion knows about a
 * frame apart from regions (those are standard
 * #GstVideoRegionOfInterestMeta, see gstaxionroi.h). Each element fills in
 * its own part with a setter; a setter only touches its part and marks it
 * in @fields, so elements never clobber each other. Readers check @fields
 * (or gst_axion_frame_meta_has()) before using a part.
 *
 * The meta has no tags: it survives every transform, and copies of the
 * buffer (gst_buffer_copy(), make_writable, videoconvert, videoscale...)
 * carry a full copy of it. When the destination already has one, parts it
 * already has are kept and only the missing parts are copied.
 */

/**
 * GstAxionFrameFields:
 * @GST_AXION_FRAME_FIELD_CAMERA: @camera_id is set
 * @GST_AXION_FRAME_FIELD_FRAME_NUMBER: @frame_number is set
 * @GST_AXION_FRAME_FIELD_CAPTURE_TIME: @capture_time_us and
 *   @capture_time_source are set
 * @GST_AXION_FRAME_FIELD_MOTION: @motion_score and @motion_state are set
 * @GST_AXION_FRAME_FIELD_FRAME_HASH: @frame_hash is set
 * @GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH: @perceptual_hash is set
 * @GST_AXION_FRAME_FIELD_DIFFERENCE_HASH: @difference_hash is set
 * @GST_AXION_FRAME_FIELD_SCENE_HASH: @scene_hash is set
 * @GST_AXION_FRAME_FIELD_SCENE_CHANGE: @scene_change_score and
 *   @scene_change_ref_score are set
 * @GST_AXION_FRAME_FIELD_QUALITY: @quality is set
 * @GST_AXION_FRAME_FIELD_INFERENCE: @inference_state and timings are set
 * @GST_AXION_FRAME_FIELD_COMPRESSED: @compressed_bytes is set (by axiongate,
 *   on the compressed frame; the decoder copies it to its output)
 * @GST_AXION_FRAME_FIELD_GATE: @gate is set (the frame went through
 *   axiongate: received/decoded counts, replay mark)
 * @GST_AXION_FRAME_FIELD_SNAPSHOT: @snapshot_path and @snapshot_expires_us
 *   are set
 */
typedef enum
{
  GST_AXION_FRAME_FIELD_CAMERA = (1 << 0),
  GST_AXION_FRAME_FIELD_FRAME_NUMBER = (1 << 1),
  GST_AXION_FRAME_FIELD_CAPTURE_TIME = (1 << 2),
  GST_AXION_FRAME_FIELD_MOTION = (1 << 3),
  GST_AXION_FRAME_FIELD_FRAME_HASH = (1 << 4),
  GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH = (1 << 5),
  GST_AXION_FRAME_FIELD_DIFFERENCE_HASH = (1 << 6),
  GST_AXION_FRAME_FIELD_SCENE_HASH = (1 << 7),
  GST_AXION_FRAME_FIELD_SCENE_CHANGE = (1 << 8),
  GST_AXION_FRAME_FIELD_QUALITY = (1 << 9),
  GST_AXION_FRAME_FIELD_INFERENCE = (1 << 10),
  GST_AXION_FRAME_FIELD_COMPRESSED = (1 << 11),
  GST_AXION_FRAME_FIELD_GATE = (1 << 12),
  GST_AXION_FRAME_FIELD_SNAPSHOT = (1 << 13),
} GstAxionFrameFields;

/**
 * GstAxionCaptureTimeSource:
 * @GST_AXION_CAPTURE_TIME_NTP: from the RTP/RTCP reference timestamp meta
 *   (`timestamp/x-ntp`), i.e. the camera's own wall clock
 * @GST_AXION_CAPTURE_TIME_UNIX: from a `timestamp/x-unix` reference
 *   timestamp meta
 * @GST_AXION_CAPTURE_TIME_CLOCK: the buffer's running time on the pipeline
 *   clock, mapped to the system's real time
 * @GST_AXION_CAPTURE_TIME_ARRIVAL: the system's real time when the element
 *   saw the buffer (no clock, no timestamp)
 */
typedef enum
{
  GST_AXION_CAPTURE_TIME_NTP,
  GST_AXION_CAPTURE_TIME_UNIX,
  GST_AXION_CAPTURE_TIME_CLOCK,
  GST_AXION_CAPTURE_TIME_ARRIVAL,
} GstAxionCaptureTimeSource;

/**
 * GstAxionMotionState:
 * @GST_AXION_MOTION_STATE_IDLE: no motion event in progress
 * @GST_AXION_MOTION_STATE_START: a motion event starts with this frame
 * @GST_AXION_MOTION_STATE_CONTINUE: a motion event is in progress
 * @GST_AXION_MOTION_STATE_END: the motion event ended with this frame
 */
typedef enum
{
  GST_AXION_MOTION_STATE_IDLE,
  GST_AXION_MOTION_STATE_START,
  GST_AXION_MOTION_STATE_CONTINUE,
  GST_AXION_MOTION_STATE_END,
} GstAxionMotionState;

/**
 * GstAxionInferenceState:
 * @GST_AXION_INFERENCE_NONE: no scheduler decided about this frame
 * @GST_AXION_INFERENCE_RAN: the detector ran on this frame
 * @GST_AXION_INFERENCE_SKIPPED: the frame got no inference slot
 * @GST_AXION_INFERENCE_STALE: the frame waited longer than allowed and was
 *   passed on without inference
 */
typedef enum
{
  GST_AXION_INFERENCE_NONE,
  GST_AXION_INFERENCE_RAN,
  GST_AXION_INFERENCE_SKIPPED,
  GST_AXION_INFERENCE_STALE,
} GstAxionInferenceState;

/**
 * GstAxionEventType:
 *
 * The camera_events a frame can produce. gst_axion_event_type_db_name()
 * gives the camera_events.event_type value and
 * gst_axion_event_type_phase() the event_phase value. The zone, line,
 * loitering and track_ended events come from axiontrack (sql/006).
 */
typedef enum
{
  GST_AXION_EVENT_MOTION_START,
  GST_AXION_EVENT_MOTION_CONTINUE,
  GST_AXION_EVENT_MOTION_END,
  GST_AXION_EVENT_OBJECT_DETECTED,
  GST_AXION_EVENT_SCENE_CHANGE,
  GST_AXION_EVENT_QUALITY,
  GST_AXION_EVENT_MANUAL_TRIGGER,
  GST_AXION_EVENT_ZONE_ENTERED,
  GST_AXION_EVENT_ZONE_LEFT,
  GST_AXION_EVENT_LINE_CROSSED,
  GST_AXION_EVENT_LOITERING,
  GST_AXION_EVENT_TRACK_ENDED,
} GstAxionEventType;

/**
 * GST_AXION_EVENT_DATA_META:
 *
 * Name of the custom meta (gst_buffer_get_custom_meta()) whose structure
 * holds the camera_events event_data of a frame's events: a string field
 * "e<event id>" with a JSON object per event that has details (axiontrack's
 * zone, line and track events). The sinks' rows take it from there.
 */
#define GST_AXION_EVENT_DATA_META "GstAxionEventDataMeta"

/**
 * GstAxionQuality:
 * @sharpness: 0..1, normalised variance of the Laplacian (1 = sharp)
 * @brightness: 0..1, mean luma
 * @contrast: 0..1, normalised luma standard deviation
 * @noise: 0..1, estimated noise level (0 = clean)
 * @overall: 0..1, composite quality score
 */
typedef struct
{
  gdouble sharpness;
  gdouble brightness;
  gdouble contrast;
  gdouble noise;
  gdouble overall;
} GstAxionQuality;

/**
 * GstAxionFrameEvent:
 * @type: the event type
 * @id: the pipeline-generated event id (camera_events.event_id)
 */
typedef struct
{
  GstAxionEventType type;
  gint64 id;
} GstAxionFrameEvent;

/**
 * GstAxionGateInfo:
 * @received: compressed frames of this camera the gate received up to and
 *   including this one
 * @decoded: frames the gate passed to the decoder up to and including this
 *   one (replayed ones included): @received - @decoded frames were sampled
 *   out on purpose, not lost
 * @skipped_before: frames of the camera between the previous decoded frame
 *   and this one that were not decoded (0 while the camera is active)
 * @replayed: this frame was held while the camera was idle and sent to the
 *   decoder late, when activity started (its timestamps are the original
 *   ones; it reaches analysis behind the live edge)
 * @active: the gate decoded every frame when this one passed (%FALSE: the
 *   camera was idle and only keyframes were decoded)
 *
 * How axiongate sampled the camera's stream, so that nothing downstream
 * mistakes a frame it chose not to decode for a dropped one.
 */
typedef struct
{
  guint64 received;
  guint64 decoded;
  guint32 skipped_before;
  gboolean replayed;
  gboolean active;
} GstAxionGateInfo;

#define GST_AXION_FRAME_MAX_EVENTS 8
#define GST_AXION_FRAME_HASH_MAX_LEN 64

typedef struct _GstAxionFrameMeta GstAxionFrameMeta;

/**
 * GstAxionFrameMeta:
 * @meta: parent #GstMeta
 * @fields: which parts are set
 * @camera_id: camera id (owned by the meta)
 * @frame_number: frame counter of the camera's stream, from 0
 * @capture_time_us: capture time, microseconds since the Unix epoch (UTC)
 * @capture_time_source: where @capture_time_us came from
 * @motion_score: 0..1, fraction of the (unmasked) frame that moved
 * @motion_state: motion event phase of this frame
 * @frame_hash: exact hash of the visible pixels, lowercase hex, NUL-terminated
 * @perceptual_hash: 64-bit pHash
 * @difference_hash: 64-bit dHash
 * @scene_hash: 64-bit coarse scene hash
 * @scene_change_score: 0..1, change against the previous frame
 * @scene_change_ref_score: 0..1, change against the slow reference
 * @quality: image quality metrics
 * @inference_state: whether the detector ran on this frame
 * @inference_wait_ms: time the frame waited for an inference slot
 * @inference_run_ms: time the inference took
 * @n_events: number of valid entries in @events
 * @events: camera events this frame produced, with their ids
 * @spare_event_id: an id taken when the meta was made, kept by its copies:
 *   the id of an event a sink derives from the frame (see
 *   gst_axion_frame_meta_sink_events()), so that writing the same
 *   buffer twice writes that event once
 * @compressed_bytes: the frame's size as received from the camera
 *   (compressed), in bytes; this, not the decoded size, is the frame's
 *   bandwidth
 * @gate: how axiongate sampled the stream (see #GstAxionGateInfo)
 * @snapshot_path: (nullable): the JPEG snapshot of this frame on local disk
 *   (axionsnapshot; frame_metadata.storage_path), owned by the meta
 * @snapshot_expires_us: when the snapshot is deleted (host wall clock,
 *   Unix microseconds; frame_metadata.expires_at, so that
 *   cleanup_expired_frames() removes the row with the file), 0 never
 *
 * Read the public fields directly; change them only through the setters.
 */
struct _GstAxionFrameMeta
{
  GstMeta meta;

  GstAxionFrameFields fields;

  gchar *camera_id;
  guint64 frame_number;
  gint64 capture_time_us;
  GstAxionCaptureTimeSource capture_time_source;

  gdouble motion_score;
  GstAxionMotionState motion_state;

  gchar frame_hash[GST_AXION_FRAME_HASH_MAX_LEN + 1];
  guint64 perceptual_hash;
  guint64 difference_hash;
  guint64 scene_hash;
  gdouble scene_change_score;
  gdouble scene_change_ref_score;

  GstAxionQuality quality;

  GstAxionInferenceState inference_state;
  gdouble inference_wait_ms;
  gdouble inference_run_ms;

  guint n_events;
  GstAxionFrameEvent events[GST_AXION_FRAME_MAX_EVENTS];

  gint64 spare_event_id;

  guint64 compressed_bytes;
  GstAxionGateInfo gate;
  gchar *snapshot_path;
  gint64 snapshot_expires_us;
};

GST_AXION_API GType gst_axion_frame_meta_api_get_type (void);
#define GST_AXION_FRAME_META_API_TYPE (gst_axion_frame_meta_api_get_type ())

GST_AXION_API const GstMetaInfo *gst_axion_frame_meta_get_info (void);
#define GST_AXION_FRAME_META_INFO (gst_axion_frame_meta_get_info ())

#define gst_buffer_get_axion_frame_meta(b)                                     \
  ((GstAxionFrameMeta *) gst_buffer_get_meta (                                 \
      (b), GST_AXION_FRAME_META_API_TYPE))

GST_AXION_API
GstAxionFrameMeta *gst_buffer_add_axion_frame_meta (GstBuffer *buffer);

GST_AXION_API
GstAxionFrameMeta *gst_buffer_get_or_add_axion_frame_meta (GstBuffer *buffer);

GST_AXION_API
gboolean gst_axion_frame_meta_has (
    const GstAxionFrameMeta *meta, GstAxionFrameFields fields);

GST_AXION_API
void gst_axion_frame_meta_set_camera_id (
    GstAxionFrameMeta *meta, const gchar *camera_id);

GST_AXION_API
void gst_axion_frame_meta_set_frame_number (
    GstAxionFrameMeta *meta, guint64 frame_number);

GST_AXION_API
void gst_axion_frame_meta_set_capture_time (
    GstAxionFrameMeta *meta, gint64 unix_us, GstAxionCaptureTimeSource source);

GST_AXION_API
void gst_axion_frame_meta_set_motion (
    GstAxionFrameMeta *meta, gdouble score, GstAxionMotionState state);

GST_AXION_API
gboolean
gst_axion_frame_meta_set_frame_hash (GstAxionFrameMeta *meta, const gchar *hex);

GST_AXION_API
void gst_axion_frame_meta_set_perceptual_hash (
    GstAxionFrameMeta *meta, guint64 phash);

GST_AXION_API
void gst_axion_frame_meta_set_difference_hash (
    GstAxionFrameMeta *meta, guint64 dhash);

GST_AXION_API
void gst_axion_frame_meta_set_scene_hash (
    GstAxionFrameMeta *meta, guint64 scene_hash);

GST_AXION_API
void gst_axion_frame_meta_set_scene_change (
    GstAxionFrameMeta *meta, gdouble previous_score, gdouble reference_score);

GST_AXION_API
void gst_axion_frame_meta_set_quality (
    GstAxionFrameMeta *meta, const GstAxionQuality *quality);

GST_AXION_API
void gst_axion_frame_meta_set_inference (GstAxionFrameMeta *meta,
    GstAxionInferenceState state, gdouble wait_ms, gdouble run_ms);

GST_AXION_API
void gst_axion_frame_meta_set_compressed_bytes (
    GstAxionFrameMeta *meta, guint64 bytes);

GST_AXION_API
void gst_axion_frame_meta_set_gate (
    GstAxionFrameMeta *meta, const GstAxionGateInfo *gate);

/**
 * GST_AXION_ACTIVITY_EVENT_NAME:
 *
 * Name of the structure of the upstream custom event an analyser sends when
 * a decoded frame shows activity (axionmotion: motion; axionhash: a scene
 * change). axiongate, upstream of the decoder, wakes the camera on it.
 */
#define GST_AXION_ACTIVITY_EVENT_NAME "axion-activity"

GST_AXION_API
GstEvent *gst_axion_activity_event_new (const gchar *source, gdouble score);

GST_AXION_API
gboolean gst_axion_activity_event_parse (
    GstEvent *event, const gchar **source, gdouble *score);

GST_AXION_API
void gst_axion_frame_meta_set_snapshot (
    GstAxionFrameMeta *meta, const gchar *path, gint64 expires_us);

GST_AXION_API
gint64 gst_axion_frame_meta_add_event (
    GstAxionFrameMeta *meta, GstAxionEventType type);

GST_AXION_API
gboolean gst_axion_frame_meta_add_event_with_id (
    GstAxionFrameMeta *meta, GstAxionEventType type, gint64 id);

GST_AXION_API
gint64 gst_axion_frame_meta_get_event_id (
    const GstAxionFrameMeta *meta, GstAxionEventType type);

GST_AXION_API
guint gst_axion_frame_meta_sink_events (const GstAxionFrameMeta *meta,
    GstBuffer *buffer, GstAxionFrameEvent *events);

GST_AXION_API
const gchar *gst_axion_event_type_db_name (GstAxionEventType type);

GST_AXION_API
const gchar *gst_axion_event_type_phase (GstAxionEventType type);

GST_AXION_API
void gst_axion_hash64_to_hex (guint64 hash, gchar out[17]);

G_END_DECLS

#endif /* __GST_AXION_FRAME_META_H__ */
