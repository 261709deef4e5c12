/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axiondlpusched
 * @title: axiondlpusched
 *
 * Shares one inference accelerator (a camera's DLPU, a GPU, or a CPU
 * detector) fairly between camera streams. The detector is wrapped: the
 * `detector` property takes a bin description, and axiondlpusched decides
 * per frame whether the frame gets an inference slot.
 *
 * - Frames with a slot are pushed through the detector exactly once; the
 *   regions it attaches (#GstVideoRegionOfInterestMeta) are copied onto the
 *   original frame, scaled back to its size, and the original frame goes on
 *   (the detector's own output is consumed, so a detector may convert or
 *   scale internally without changing this element's caps).
 * - Frames without a slot pass through untouched, at once.
 * - Every frame is marked ran/skipped/stale in #GstAxionFrameMeta, with the
 *   time it waited for the slot and the inference time.
 *
 * Instances with the same `accelerator` name in one process share one
 * scheduler; with `redis-url` they share it with other processes and hosts
 * through the schema document's §2.3 keys.
 *
 * ## Example
 * |[
 * gst-launch-1.0 rtspsrc location=rtsp://cam1/stream ! decodebin ! \
 *   videoconvert ! axionmotion camera-id=cam1 ! \
 *   axiondlpusched detector="videoconvert ! facedetect display=false" ! \
 *   axionpgsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxiondlpusched.h"
#include <gst/axion/gstaxioncpu.h>
#include <gst/axion/gstaxionredisurl.h>
#include "axionsched.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_axion_dlpu_sched_debug);
#define GST_CAT_DEFAULT gst_axion_dlpu_sched_debug

#define DEFAULT_ACCELERATOR "default"
#define DEFAULT_PRIORITY 1
#define DEFAULT_MAX_IDLE_MS 2000
#define DEFAULT_STALE_MS 1000
#define DEFAULT_SCENE_CHANGE_THRESHOLD 0.3
#define DEFAULT_KEY_PREFIX "axion"
#define DEFAULT_LOCK_TTL_MS 100
#define DEFAULT_INFERENCE_TIMEOUT_MS 5000
/* at most one bus warning about lost leases per this many seconds */
#define LEASE_WARNING_INTERVAL_S 10

/* Custom meta on the frame copy pushed into the detector: the grant's
 * fencing number ("fence", guint64) and the accelerator name, so a fenced
 * accelerator (or a wrapper) can refuse a stale holder. */
#define FENCE_META_NAME "GstAxionDlpuFenceMeta"

enum
{
  PROP_0,
  PROP_DETECTOR,
  PROP_ACCELERATOR,
  PROP_PRIORITY,
  PROP_MAX_IDLE_MS,
  PROP_STALE_MS,
  PROP_SCENE_CHANGE_THRESHOLD,
  PROP_REDIS_URL,
  PROP_KEY_PREFIX,
  PROP_REDIS_PREFIX,
  PROP_LOCK_TTL_MS,
  PROP_INFERENCE_TIMEOUT_MS,
  PROP_CAMERA_ID,
  PROP_OBJECT_EVENTS,
  PROP_STATS,
};

struct _GstAxionDlpuSched
{
  GstBin parent;

  GstPad *sinkpad, *srcpad;
  /* internal pads around the detector; not pads of this element (the
   * element is in their element_private) */
  GstPad *det_src, *det_sink;
  GstElement *detector;

  /* properties (object lock) */
  gchar *detector_desc;
  gchar *accelerator;
  guint priority;
  guint max_idle_ms;
  guint stale_ms;
  gdouble scene_change_threshold;
  gchar *redis_url;
  gchar *key_prefix; /* without a trailing ':' */
  guint lock_ttl_ms;
  guint inference_timeout_ms;
  gchar *camera_id_prop;
  gboolean reconfigure;
  gboolean object_events;

  /* streaming */
  AxionSched *sched;
  AxionSchedClient *client;
  gchar *camera_id;
  gchar *source_uri;
  gboolean announce;
  GstVideoInfo in_info, det_info;
  gboolean have_in, have_det;
  GstSegment segment;
  guint64 frames;
  guint64 stat_active; /* frames that counted as active (object lock) */

  /* detector output capture */
  GMutex cap_lock;
  GCond cap_cond;
  GstBuffer *captured;
  gboolean capturing;
  gboolean flushing;
  guint64 timeouts, extra_outputs, detector_errors;
  guint64 last_redis_errors, last_ran;
  guint64 last_leases_lost;
  gint64 lease_warned_us; /* when the last lost-lease warning was posted */

  /* own CPU (streaming thread, without the detector and downstream) */
  gint64 det_cpu_us;   /* the detector's share of this frame */
  guint64 stat_frames; /* (object lock) */
  gdouble cpu_ms;      /* (object lock) */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

#define gst_axion_dlpu_sched_parent_class parent_class
G_DEFINE_TYPE (GstAxionDlpuSched, gst_axion_dlpu_sched, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (
    axiondlpusched, "axiondlpusched", GST_RANK_NONE, GST_TYPE_AXION_DLPU_SCHED);

/* ---- camera id ---------------------------------------------------------- */

static void
ensure_camera_id (GstAxionDlpuSched *self)
{
  gchar *own;

  GST_OBJECT_LOCK (self);
  own = g_strdup (self->camera_id_prop);
  GST_OBJECT_UNLOCK (self);
  if (own && g_strcmp0 (own, self->camera_id) != 0) {
    g_free (self->camera_id);
    self->camera_id = own;
    self->announce = TRUE;
  } else {
    g_free (own);
  }
  if (self->camera_id == NULL) {
    self->camera_id = gst_axion_camera_id_resolve (
        GST_ELEMENT (self), self->sinkpad, &self->source_uri);
    self->announce = TRUE;
  }
  if (self->announce) {
    self->announce = FALSE;
    gst_pad_push_event (self->srcpad,
        gst_axion_camera_id_event_new (self->camera_id, self->source_uri));
  }
}

/* ---- scheduler client --------------------------------------------------- */

static gboolean
ensure_client (GstAxionDlpuSched *self)
{
  gchar *accel, *url, *prefix;
  guint ttl, prio, idle, stale;
  GError *err = NULL;

  GST_OBJECT_LOCK (self);
  accel = g_strdup (self->accelerator);
  url = g_strdup (self->redis_url);
  prefix = g_strdup (self->key_prefix);
  ttl = self->lock_ttl_ms;
  prio = self->priority;
  idle = self->max_idle_ms;
  stale = self->stale_ms;
  GST_OBJECT_UNLOCK (self);

  if (self->client)
    goto configure;
  if (self->sched == NULL) {
    self->sched = axion_sched_get (accel, url, prefix, ttl, &err);
    if (self->sched == NULL) {
      gchar *shown = gst_axion_redis_url_redact (url);
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Cannot share accelerator \"%s\"%s%s", accel,
              shown ? " through " : "", shown ? shown : ""),
          ("%s", err->message));
      g_free (shown);
      g_error_free (err);
      g_free (accel);
      g_free (url);
      g_free (prefix);
      return FALSE;
    }
  }
  if (self->camera_id == NULL) {
    /* at start: only the scheduler is checked */
    g_free (accel);
    g_free (url);
    g_free (prefix);
    return TRUE;
  }
  self->client = axion_sched_client_new (self->sched, self->camera_id);
  GST_INFO_OBJECT (self, "camera %s joins accelerator \"%s\" (%s)",
      self->camera_id, accel, url ? "shared through Redis" : "in process");

configure:
  axion_sched_client_configure (self->client, prio, idle, stale);
  g_free (accel);
  g_free (url);
  g_free (prefix);
  return TRUE;
}

static void
drop_client (GstAxionDlpuSched *self)
{
  g_clear_pointer (&self->client, axion_sched_client_free);
  g_clear_pointer (&self->sched, axion_sched_unref);
}

/* ---- detector ----------------------------------------------------------- */

static gboolean
strip_roi (GstBuffer *buf, GstMeta **meta, gpointer user_data)
{
  if ((*meta)->info->api == GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)
    *meta = NULL;
  return TRUE;
}

/* Pushes a metadata-only copy of @buf (no motion ROIs, same memory, the
 * grant's fencing number attached) through the detector and returns the
 * detector's output buffer, or NULL. *@started: FALSE when the inference
 * did not start because the accelerator lease could not cover it. */
static GstBuffer *
run_detector (GstAxionDlpuSched *self, GstBuffer *buf, gboolean *started)
{
  GstBuffer *in = gst_buffer_copy (buf);
  GstBuffer *out;
  GstFlowReturn ret;
  gint64 deadline;
  guint timeout_ms;
  GstCustomMeta *fm;

  gst_buffer_foreach_meta (in, strip_roi, NULL);
  fm = gst_buffer_add_custom_meta (in, FENCE_META_NAME);
  if (fm) {
    GstStructure *st = gst_custom_meta_get_structure (fm);
    guint64 fence = axion_sched_client_fence (self->client);
    GST_OBJECT_LOCK (self);
    gst_structure_set (st, "fence", G_TYPE_UINT64, fence, "accelerator",
        G_TYPE_STRING, self->accelerator, NULL);
    GST_OBJECT_UNLOCK (self);
  }
  GST_OBJECT_LOCK (self);
  timeout_ms = self->inference_timeout_ms;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->cap_lock);
  gst_clear_buffer (&self->captured);
  self->capturing = TRUE;
  g_mutex_unlock (&self->cap_lock);

  /* last thing before the inference: is the lease still long enough? */
  if (!axion_sched_begin (self->client)) {
    g_mutex_lock (&self->cap_lock);
    self->capturing = FALSE;
    g_mutex_unlock (&self->cap_lock);
    gst_buffer_unref (in);
    *started = FALSE;
    return NULL;
  }
  *started = TRUE;
  {
    /* the detector's CPU in this thread is not the scheduler's */
    gint64 c0 = gst_axion_thread_cpu_us ();
    ret = gst_pad_push (self->det_src, in);
    self->det_cpu_us = gst_axion_thread_cpu_us () - c0;
  }

  g_mutex_lock (&self->cap_lock);
  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (ret == GST_FLOW_OK && self->captured == NULL && !self->flushing) {
    if (!g_cond_wait_until (&self->cap_cond, &self->cap_lock, deadline)) {
      if (self->captured == NULL) {
        self->timeouts++;
        GST_WARNING_OBJECT (self,
            "detector returned no frame within inference-timeout-ms=%u; "
            "passing the frame on without detections",
            timeout_ms);
      }
      break;
    }
  }
  out = self->captured;
  self->captured = NULL;
  self->capturing = FALSE;
  g_mutex_unlock (&self->cap_lock);

  if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING) {
    self->detector_errors++;
    if (ret == GST_FLOW_NOT_NEGOTIATED) {
      GstCaps *c = gst_pad_get_current_caps (self->sinkpad);
      gchar *caps = c ? gst_caps_to_string (c) : NULL;
      gst_clear_caps (&c);
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("The detector does not accept this camera's video format"),
          ("caps %s refused; put a converter in front inside the detector "
           "description, e.g. detector=\"videoconvert ! ...\"",
              caps ? caps : "(unknown)"));
      g_free (caps);
    } else {
      GST_WARNING_OBJECT (
          self, "detector returned %s", gst_flow_get_name (ret));
    }
  }
  return out;
}

static GstFlowReturn
det_sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstAxionDlpuSched *self = gst_pad_get_element_private (pad);

  g_mutex_lock (&self->cap_lock);
  if (self->capturing && self->captured == NULL) {
    self->captured = buf;
    buf = NULL;
    g_cond_broadcast (&self->cap_cond);
  } else {
    self->extra_outputs++;
  }
  g_mutex_unlock (&self->cap_lock);
  if (buf) {
    GST_DEBUG_OBJECT (self, "dropping detector output that no frame waits for");
    gst_buffer_unref (buf);
  }
  return GST_FLOW_OK;
}

static gboolean
det_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstAxionDlpuSched *self = gst_pad_get_element_private (pad);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    self->have_det = gst_video_info_from_caps (&self->det_info, caps);
  }
  gst_event_unref (event);
  return TRUE;
}

static gboolean
det_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  switch (GST_QUERY_TYPE (query)) {
  case GST_QUERY_CAPS: {
    GstCaps *filter, *caps;
    gst_query_parse_caps (query, &filter);
    caps = filter ? gst_caps_ref (filter) : gst_caps_new_any ();
    gst_query_set_caps_result (query, caps);
    gst_caps_unref (caps);
    return TRUE;
  }
  case GST_QUERY_ACCEPT_CAPS:
    gst_query_set_accept_caps_result (query, TRUE);
    return TRUE;
  default:
    return FALSE;
  }
}

static gboolean
det_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstAxionDlpuSched *self = gst_pad_get_element_private (pad);

  switch (GST_QUERY_TYPE (query)) {
  case GST_QUERY_CAPS: {
    GstCaps *caps = gst_pad_get_current_caps (self->sinkpad);
    if (caps == NULL)
      caps = gst_pad_get_pad_template_caps (self->sinkpad);
    gst_query_set_caps_result (query, caps);
    gst_caps_unref (caps);
    return TRUE;
  }
  default:
    return FALSE;
  }
}

static gboolean
det_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  /* upstream events from the detector (QoS, reconfigure, navigation) stop
   * here: the camera's stream is not the detector's to steer */
  gst_event_unref (event);
  return TRUE;
}

static gboolean
build_detector (GstAxionDlpuSched *self)
{
  gchar *desc;
  GError *err = NULL;
  GstElement *bin;
  GstPad *sink, *src;

  if (self->detector)
    return TRUE;
  GST_OBJECT_LOCK (self);
  desc = g_strdup (self->detector_desc);
  GST_OBJECT_UNLOCK (self);
  if (desc == NULL || *g_strstrip (desc) == '\0') {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("No detector set"),
        ("set detector=\"<bin description>\", e.g. detector=\"videoconvert ! "
         "facedetect display=false\""));
    g_free (desc);
    return FALSE;
  }
  bin = gst_parse_bin_from_description (desc, TRUE, &err);
  if (bin == NULL || err) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid detector \"%s\"", desc),
        ("%s (is the detector's plugin installed? gst-inspect-1.0 lists the "
         "elements this system has)",
            err ? err->message : "cannot build it"));
    g_clear_error (&err);
    if (bin)
      gst_object_unref (bin);
    g_free (desc);
    return FALSE;
  }
  sink = gst_element_get_static_pad (bin, "sink");
  src = gst_element_get_static_pad (bin, "src");
  if (sink == NULL || src == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Detector \"%s\" needs one video input and one video output", desc),
        ("the description must be a chain like \"videoconvert ! facedetect\" "
         "with an unlinked sink and src pad"));
    gst_clear_object (&sink);
    gst_clear_object (&src);
    gst_object_unref (bin);
    g_free (desc);
    return FALSE;
  }
  gst_element_set_name (bin, "detector");
  gst_bin_add (GST_BIN (self), bin);
  gst_pad_link_full (self->det_src, sink, GST_PAD_LINK_CHECK_NOTHING);
  gst_pad_link_full (src, self->det_sink, GST_PAD_LINK_CHECK_NOTHING);
  gst_object_unref (sink);
  gst_object_unref (src);
  self->detector = bin;
  GST_INFO_OBJECT (self, "detector: %s", desc);
  g_free (desc);
  return TRUE;
}

static void
drop_detector (GstAxionDlpuSched *self)
{
  GstPad *peer;

  if (self->detector == NULL)
    return;
  if ((peer = gst_pad_get_peer (self->det_src))) {
    gst_pad_unlink (self->det_src, peer);
    gst_object_unref (peer);
  }
  if ((peer = gst_pad_get_peer (self->det_sink))) {
    gst_pad_unlink (peer, self->det_sink);
    gst_object_unref (peer);
  }
  gst_element_set_state (self->detector, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), self->detector);
  self->detector = NULL;
}

/* ---- streaming ---------------------------------------------------------- */

static gboolean
frame_is_active (GstAxionDlpuSched *self, GstBuffer *buf, guint64 *number)
{
  GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (buf);
  gboolean active = FALSE;
  gdouble thr;

  *number = self->frames;
  if (fm == NULL)
    return FALSE;
  GST_OBJECT_LOCK (self);
  thr = self->scene_change_threshold;
  GST_OBJECT_UNLOCK (self);
  if (gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_FRAME_NUMBER))
    *number = fm->frame_number;
  if (gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_MOTION))
    active |= fm->motion_state == GST_AXION_MOTION_STATE_START ||
        fm->motion_state == GST_AXION_MOTION_STATE_CONTINUE;
  if (gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_SCENE_CHANGE))
    active |= fm->scene_change_score >= thr;
  /* axiongate decodes every frame of a camera that woke: its frames (and
   * the replayed ones before them) are as urgent as motion */
  if (gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_GATE))
    active |= fm->gate.active || fm->gate.replayed;
  return active;
}

/* How far the frame's running time is behind the clock (live pipelines). */
static gint64
frame_age_us (GstAxionDlpuSched *self, GstBuffer *buf)
{
  GstClock *clock;
  GstClockTime now, base, rt;
  gint64 age = 0;

  if (!GST_BUFFER_PTS_IS_VALID (buf) || self->segment.format != GST_FORMAT_TIME)
    return 0;
  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (clock == NULL)
    return 0;
  base = gst_element_get_base_time (GST_ELEMENT (self));
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  rt = gst_segment_to_running_time (
      &self->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  if (GST_CLOCK_TIME_IS_VALID (rt) && now > base && now - base > rt)
    age = (gint64) ((now - base - rt) / GST_USECOND);
  return age;
}

/* Returns how many regions were copied. */
static guint
copy_detections (GstAxionDlpuSched *self, GstBuffer *dest, GstBuffer *out)
{
  guint n = 0;
  gdouble sx = 1.0, sy = 1.0;
  gpointer state = NULL;
  GstMeta *m;

  if (self->have_in && self->have_det &&
      GST_VIDEO_INFO_WIDTH (&self->det_info) &&
      GST_VIDEO_INFO_HEIGHT (&self->det_info)) {
    sx = (gdouble) GST_VIDEO_INFO_WIDTH (&self->in_info) /
        GST_VIDEO_INFO_WIDTH (&self->det_info);
    sy = (gdouble) GST_VIDEO_INFO_HEIGHT (&self->in_info) /
        GST_VIDEO_INFO_HEIGHT (&self->det_info);
  }
  while ((m = gst_buffer_iterate_meta_filtered (
              out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    gst_axion_roi_copy_scaled (
        dest, (GstVideoRegionOfInterestMeta *) m, sx, sy);
    n++;
  }
  return n;
}

/* A lease lost during an inference: counted (stats leases-lost), logged
 * every time, and posted as a warning at most once per
 * LEASE_WARNING_INTERVAL_S. */
static void
warn_lost_leases (GstAxionDlpuSched *self)
{
  AxionSchedClientStats cs;
  gint64 now;
  guint ttl;

  axion_sched_client_get_stats (self->client, &cs);
  if (cs.leases_lost <= self->last_leases_lost)
    return;
  self->last_leases_lost = cs.leases_lost;
  GST_OBJECT_LOCK (self);
  ttl = self->lock_ttl_ms;
  GST_OBJECT_UNLOCK (self);
  GST_WARNING_OBJECT (self,
      "accelerator lease (fencing number %" G_GUINT64_FORMAT
      ") lost during the inference; %" G_GUINT64_FORMAT " so far",
      cs.fence, cs.leases_lost);
  now = g_get_monotonic_time ();
  if (self->lease_warned_us != 0 &&
      now - self->lease_warned_us < LEASE_WARNING_INTERVAL_S * G_USEC_PER_SEC)
    return;
  self->lease_warned_us = now;
  GST_ELEMENT_WARNING (self, RESOURCE, BUSY,
      ("The accelerator lock expired while an inference ran: another process "
       "may have used the accelerator at the same time"),
      ("%" G_GUINT64_FORMAT " lease(s) lost so far (stats leases-lost), "
       "latest fencing number %" G_GUINT64_FORMAT "; this process was not "
       "scheduled for longer than the lease (lock-ttl-ms=%u): give it more "
       "CPU or raise lock-ttl-ms",
          cs.leases_lost, cs.fence, ttl));
}

static GstFlowReturn
sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstAxionDlpuSched *self = GST_AXION_DLPU_SCHED (parent);
  AxionSchedVerdict verdict;
  GstAxionFrameMeta *fm;
  GstBuffer *out = NULL;
  guint64 number;
  guint detections = 0;
  gboolean object_events;
  gboolean active;
  gdouble wait_ms = 0, run_ms = 0;
  gboolean reconfigure;
  gint64 c0 = gst_axion_thread_cpu_us ();

  self->det_cpu_us = 0;
  ensure_camera_id (self);
  GST_OBJECT_LOCK (self);
  reconfigure = self->reconfigure;
  self->reconfigure = FALSE;
  GST_OBJECT_UNLOCK (self);
  if ((self->client == NULL || reconfigure) && !ensure_client (self)) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }

  active = frame_is_active (self, buf, &number);
  verdict = axion_sched_acquire (
      self->client, active, number, frame_age_us (self, buf), &wait_ms);
  if (verdict == AXION_SCHED_RUN) {
    gint64 t0 = g_get_monotonic_time ();
    gboolean started;
    out = run_detector (self, buf, &started);
    if (started) {
      run_ms = (g_get_monotonic_time () - t0) / 1000.0;
      axion_sched_release (self->client, run_ms);
      warn_lost_leases (self);
    } else {
      /* the lease expired before the inference could start (this process
       * was not scheduled in time): no inference, never two at once */
      axion_sched_cancel (self->client);
      verdict = AXION_SCHED_SKIP;
    }
  }
  GST_LOG_OBJECT (self,
      "frame %" G_GUINT64_FORMAT " %s%s wait %.1f ms run %.1f ms", number,
      verdict == AXION_SCHED_RUN        ? "ran"
          : verdict == AXION_SCHED_SKIP ? "skipped"
                                        : "stale",
      active ? " (active)" : "", wait_ms, run_ms);

  if (verdict != AXION_SCHED_RUN) {
    AxionSchedClientStats cs;
    axion_sched_client_get_stats (self->client, &cs);
    if (cs.redis_errors > self->last_redis_errors) {
      if (self->last_redis_errors == 0 || cs.ran > self->last_ran)
        GST_ELEMENT_WARNING (self, RESOURCE, READ,
            ("The shared accelerator's Redis does not answer"),
            ("no inferences run until it answers again (frames pass on "
             "skipped, counted in stats redis-errors); check redis-url"));
      self->last_redis_errors = cs.redis_errors;
      self->last_ran = cs.ran;
    }
  }

  buf = gst_buffer_make_writable (buf);
  if (out) {
    detections = copy_detections (self, buf, out);
    gst_buffer_unref (out);
  }
  fm = gst_buffer_get_or_add_axion_frame_meta (buf);
  GST_OBJECT_LOCK (self);
  object_events = self->object_events;
  GST_OBJECT_UNLOCK (self);
  /* this element decided the detections: it also owns their event, so
   * every sink writes the same camera_events row (same id) */
  if (detections > 0 && object_events)
    gst_axion_frame_meta_add_event (fm, GST_AXION_EVENT_OBJECT_DETECTED);
  if (!gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_CAMERA))
    gst_axion_frame_meta_set_camera_id (fm, self->camera_id);
  gst_axion_frame_meta_set_inference (fm,
      verdict == AXION_SCHED_RUN        ? GST_AXION_INFERENCE_RAN
          : verdict == AXION_SCHED_SKIP ? GST_AXION_INFERENCE_SKIPPED
                                        : GST_AXION_INFERENCE_STALE,
      wait_ms, run_ms);
  self->frames++;
  {
    gint64 own = gst_axion_thread_cpu_us () - c0 - self->det_cpu_us;
    GST_OBJECT_LOCK (self);
    self->stat_frames++;
    self->stat_active += active;
    self->cpu_ms += MAX (own, 0) / 1000.0;
    GST_OBJECT_UNLOCK (self);
  }
  return gst_pad_push (self->srcpad, buf);
}

static gboolean
sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstAxionDlpuSched *self = GST_AXION_DLPU_SCHED (parent);
  const gchar *id = NULL, *uri = NULL;

  switch (GST_EVENT_TYPE (event)) {
  case GST_EVENT_CAPS: {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    self->have_in = gst_video_info_from_caps (&self->in_info, caps);
    break;
  }
  case GST_EVENT_SEGMENT:
    gst_event_copy_segment (event, &self->segment);
    break;
  case GST_EVENT_FLUSH_START:
    g_mutex_lock (&self->cap_lock);
    self->flushing = TRUE;
    g_cond_broadcast (&self->cap_cond);
    g_mutex_unlock (&self->cap_lock);
    break;
  case GST_EVENT_FLUSH_STOP:
    g_mutex_lock (&self->cap_lock);
    self->flushing = FALSE;
    g_mutex_unlock (&self->cap_lock);
    break;
  default:
    break;
  }
  if (gst_axion_camera_id_event_parse (event, &id, &uri)) {
    gboolean own;
    GST_OBJECT_LOCK (self);
    own = self->camera_id_prop != NULL;
    GST_OBJECT_UNLOCK (self);
    g_free (self->source_uri);
    self->source_uri = g_strdup (uri);
    if (!own && g_strcmp0 (id, self->camera_id) != 0) {
      g_free (self->camera_id);
      self->camera_id = g_strdup (id);
      /* a new camera on this pad: its own scheduler client */
      g_clear_pointer (&self->client, axion_sched_client_free);
    }
    if (own) {
      /* our camera-id wins; ours is announced before the next frame */
      self->announce = TRUE;
      gst_event_unref (event);
      return TRUE;
    }
  }
  /* the detector sees the stream's serialized events too (caps, segment) */
  if (GST_EVENT_IS_SERIALIZED (event) ||
      GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START)
    gst_pad_push_event (self->det_src, gst_event_ref (event));
  return gst_pad_event_default (pad, parent, event);
}

/* ---- properties --------------------------------------------------------- */

static GstStructure *
make_stats (GstAxionDlpuSched *self)
{
  AxionSchedClientStats cs = { 0 };
  AxionSchedStats ss = { 0 };
  GstStructure *s;
  guint64 timeouts, extra, derr, frames, frames_active;
  gdouble cpu_ms;

  if (self->client)
    axion_sched_client_get_stats (self->client, &cs);
  if (self->sched)
    axion_sched_get_stats (self->sched, &ss);
  g_mutex_lock (&self->cap_lock);
  timeouts = self->timeouts;
  extra = self->extra_outputs;
  derr = self->detector_errors;
  g_mutex_unlock (&self->cap_lock);
  GST_OBJECT_LOCK (self);
  frames = self->stat_frames;
  frames_active = self->stat_active;
  cpu_ms = self->cpu_ms;
  GST_OBJECT_UNLOCK (self);

  s = gst_structure_new ("application/x-axion-dlpusched-stats", "camera-id",
      G_TYPE_STRING, self->camera_id ? self->camera_id : "", "inferences-run",
      G_TYPE_UINT64, cs.ran, "inferences-skipped", G_TYPE_UINT64, cs.skipped,
      "inferences-stale", G_TYPE_UINT64, cs.stale, "displaced", G_TYPE_UINT64,
      cs.displaced, "skipped-behind", G_TYPE_UINT64, cs.budget_skipped,
      "wait-ms-avg", G_TYPE_DOUBLE, cs.ran ? cs.wait_ms_sum / cs.ran : 0.0,
      "wait-ms-max", G_TYPE_DOUBLE, cs.wait_ms_max, "inference-ms-avg",
      G_TYPE_DOUBLE, cs.ran ? cs.run_ms_sum / cs.ran : 0.0, "detector-timeouts",
      G_TYPE_UINT64, timeouts, "detector-errors", G_TYPE_UINT64, derr,
      "detector-extra-outputs", G_TYPE_UINT64, extra, "accelerator-inferences",
      G_TYPE_UINT64, ss.inferences, "accelerator-busy-ms", G_TYPE_DOUBLE,
      ss.busy_ms, "accelerator-elapsed-ms", G_TYPE_DOUBLE, ss.elapsed_ms,
      "accelerator-utilisation", G_TYPE_DOUBLE,
      ss.elapsed_ms > 0 ? MIN (ss.busy_ms / ss.elapsed_ms, 1.0) : 0.0,
      "process-inferences", G_TYPE_UINT64, ss.process_inferences,
      "process-busy-ms", G_TYPE_DOUBLE, ss.process_busy_ms,
      "process-utilisation", G_TYPE_DOUBLE,
      ss.process_elapsed_ms > 0
          ? MIN (ss.process_busy_ms / ss.process_elapsed_ms, 1.0)
          : 0.0,
      "leases-lost", G_TYPE_UINT64, cs.leases_lost, "leases-expired",
      G_TYPE_UINT64, cs.leases_expired, "fencing-number", G_TYPE_UINT64,
      cs.fence, "accelerator-capacity", G_TYPE_DOUBLE,
      ss.avg_inference_ms > 0 ? 1000.0 / ss.avg_inference_ms : 0.0,
      "accelerator-cameras", G_TYPE_UINT, ss.clients, "redis", G_TYPE_BOOLEAN,
      ss.redis, "redis-errors", G_TYPE_UINT64, cs.redis_errors,
      "lock-contentions", G_TYPE_UINT64, ss.lock_contentions, "frames",
      G_TYPE_UINT64, frames, "cpu-ms", G_TYPE_DOUBLE, cpu_ms,
      "cpu-ms-per-frame", G_TYPE_DOUBLE, frames ? cpu_ms / frames : 0.0,
      "frames-active", G_TYPE_UINT64, frames_active, NULL);
  return s;
}

static gboolean
settable_now (GstAxionDlpuSched *self, GParamSpec *pspec)
{
  if (GST_STATE (self) > GST_STATE_READY &&
      !(pspec->flags & GST_PARAM_MUTABLE_PLAYING)) {
    g_warning ("%s: property \"%s\" can only be changed in the NULL or "
               "READY state",
        GST_OBJECT_NAME (self), pspec->name);
    return FALSE;
  }
  return TRUE;
}

static void
gst_axion_dlpu_sched_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionDlpuSched *self = GST_AXION_DLPU_SCHED (object);

  if (!settable_now (self, pspec))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_DETECTOR:
    if (self->detector) {
      GST_OBJECT_UNLOCK (self);
      g_warning ("%s: the detector is already built; set detector before "
                 "the element leaves the NULL state",
          GST_OBJECT_NAME (self));
      return;
    }
    g_free (self->detector_desc);
    self->detector_desc = g_value_dup_string (value);
    break;
  case PROP_ACCELERATOR:
    g_free (self->accelerator);
    self->accelerator = g_value_dup_string (value);
    if (self->accelerator == NULL || *self->accelerator == '\0') {
      g_free (self->accelerator);
      self->accelerator = g_strdup (DEFAULT_ACCELERATOR);
    }
    break;
  case PROP_PRIORITY:
    self->priority = g_value_get_uint (value);
    self->reconfigure = TRUE;
    break;
  case PROP_MAX_IDLE_MS:
    self->max_idle_ms = g_value_get_uint (value);
    self->reconfigure = TRUE;
    break;
  case PROP_STALE_MS:
    self->stale_ms = g_value_get_uint (value);
    self->reconfigure = TRUE;
    break;
  case PROP_SCENE_CHANGE_THRESHOLD:
    self->scene_change_threshold = g_value_get_double (value);
    break;
  case PROP_REDIS_URL:
    g_free (self->redis_url);
    self->redis_url = g_value_dup_string (value);
    break;
  case PROP_REDIS_PREFIX:
    GST_WARNING_OBJECT (self,
        "redis-prefix is deprecated, use key-prefix "
        "(same keys: key-prefix=axion is "
        "redis-prefix=axion:)");
    /* fall through */
  case PROP_KEY_PREFIX: {
    const gchar *p = g_value_get_string (value);
    gsize n;
    g_free (self->key_prefix);
    self->key_prefix = g_strdup (p && *p ? p : DEFAULT_KEY_PREFIX);
    /* "axion:" (the old redis-prefix) names the same keys as "axion" */
    n = strlen (self->key_prefix);
    if (n > 1 && self->key_prefix[n - 1] == ':')
      self->key_prefix[n - 1] = '\0';
    break;
  }
  case PROP_LOCK_TTL_MS:
    self->lock_ttl_ms = g_value_get_uint (value);
    break;
  case PROP_INFERENCE_TIMEOUT_MS:
    self->inference_timeout_ms = g_value_get_uint (value);
    break;
  case PROP_OBJECT_EVENTS:
    self->object_events = g_value_get_boolean (value);
    break;
  case PROP_CAMERA_ID:
    gst_axion_camera_id_property_set (
        GST_OBJECT (self), &self->camera_id_prop, g_value_get_string (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_dlpu_sched_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionDlpuSched *self = GST_AXION_DLPU_SCHED (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_DETECTOR:
    g_value_set_string (value, self->detector_desc);
    break;
  case PROP_ACCELERATOR:
    g_value_set_string (value, self->accelerator);
    break;
  case PROP_PRIORITY:
    g_value_set_uint (value, self->priority);
    break;
  case PROP_MAX_IDLE_MS:
    g_value_set_uint (value, self->max_idle_ms);
    break;
  case PROP_STALE_MS:
    g_value_set_uint (value, self->stale_ms);
    break;
  case PROP_SCENE_CHANGE_THRESHOLD:
    g_value_set_double (value, self->scene_change_threshold);
    break;
  case PROP_REDIS_URL:
    g_value_take_string (value, gst_axion_redis_url_redact (self->redis_url));
    break;
  case PROP_KEY_PREFIX:
    g_value_set_string (value, self->key_prefix);
    break;
  case PROP_REDIS_PREFIX:
    /* its old meaning: prepended as is */
    g_value_take_string (value, g_strconcat (self->key_prefix, ":", NULL));
    break;
  case PROP_LOCK_TTL_MS:
    g_value_set_uint (value, self->lock_ttl_ms);
    break;
  case PROP_INFERENCE_TIMEOUT_MS:
    g_value_set_uint (value, self->inference_timeout_ms);
    break;
  case PROP_OBJECT_EVENTS:
    g_value_set_boolean (value, self->object_events);
    break;
  case PROP_CAMERA_ID:
    g_value_set_string (
        value, self->camera_id_prop ? self->camera_id_prop : self->camera_id);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- state -------------------------------------------------------------- */

static GstStateChangeReturn
gst_axion_dlpu_sched_change_state (
    GstElement *element, GstStateChange transition)
{
  GstAxionDlpuSched *self = GST_AXION_DLPU_SCHED (element);
  GstStateChangeReturn ret;

  switch (transition) {
  case GST_STATE_CHANGE_NULL_TO_READY:
    if (!build_detector (self))
      return GST_STATE_CHANGE_FAILURE;
    break;
  case GST_STATE_CHANGE_READY_TO_PAUSED:
    self->flushing = FALSE;
    self->frames = 0;
    GST_OBJECT_LOCK (self);
    self->stat_frames = 0;
    self->stat_active = 0;
    self->cpu_ms = 0;
    GST_OBJECT_UNLOCK (self);
    self->have_in = self->have_det = FALSE;
    gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
    self->announce = FALSE;
    gst_pad_set_active (self->det_src, TRUE);
    gst_pad_set_active (self->det_sink, TRUE);
    self->last_redis_errors = self->last_ran = 0;
    self->last_leases_lost = 0;
    self->lease_warned_us = 0;
    /* bad accelerator / redis-url settings fail here, not at a frame */
    if (!ensure_client (self))
      return GST_STATE_CHANGE_FAILURE;
    break;
  case GST_STATE_CHANGE_PAUSED_TO_READY:
    g_mutex_lock (&self->cap_lock);
    self->flushing = TRUE;
    g_cond_broadcast (&self->cap_cond);
    g_mutex_unlock (&self->cap_lock);
    break;
  default:
    break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
  case GST_STATE_CHANGE_PAUSED_TO_READY:
    gst_pad_set_active (self->det_src, FALSE);
    gst_pad_set_active (self->det_sink, FALSE);
    g_mutex_lock (&self->cap_lock);
    gst_clear_buffer (&self->captured);
    g_mutex_unlock (&self->cap_lock);
    drop_client (self);
    g_clear_pointer (&self->camera_id, g_free);
    g_clear_pointer (&self->source_uri, g_free);
    break;
  case GST_STATE_CHANGE_READY_TO_NULL:
    drop_detector (self);
    break;
  default:
    break;
  }
  return ret;
}

/* ---- class -------------------------------------------------------------- */

static void
gst_axion_dlpu_sched_finalize (GObject *object)
{
  GstAxionDlpuSched *self = GST_AXION_DLPU_SCHED (object);

  drop_client (self);
  gst_object_unref (self->det_src);
  gst_object_unref (self->det_sink);
  gst_clear_buffer (&self->captured);
  g_mutex_clear (&self->cap_lock);
  g_cond_clear (&self->cap_cond);
  g_free (self->detector_desc);
  g_free (self->accelerator);
  g_free (self->redis_url);
  g_free (self->key_prefix);
  g_free (self->camera_id_prop);
  g_free (self->camera_id);
  g_free (self->source_uri);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_dlpu_sched_class_init (GstAxionDlpuSchedClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_playing = rw | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_axion_dlpu_sched_set_property;
  gobject_class->get_property = gst_axion_dlpu_sched_get_property;
  gobject_class->finalize = gst_axion_dlpu_sched_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (
      gst_axion_dlpu_sched_change_state);

  g_object_class_install_property (gobject_class, PROP_DETECTOR,
      g_param_spec_string ("detector", "Detector",
          "The detector as a bin description with one video input and one "
          "video output, e.g. \"videoconvert ! facedetect display=false\". "
          "It must attach GstVideoRegionOfInterestMeta; frames given a slot "
          "run through it once, the regions are copied (scaled) onto the "
          "original frame. Required; set before leaving NULL",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_ACCELERATOR,
      g_param_spec_string ("accelerator", "Accelerator",
          "Name of the shared accelerator: all axiondlpusched of a process "
          "with this name share one scheduler (and, with redis-url, all "
          "processes using the same Redis and key-prefix)",
          DEFAULT_ACCELERATOR, rw));
  g_object_class_install_property (gobject_class, PROP_PRIORITY,
      g_param_spec_uint ("priority", "Priority",
          "Weight of this camera's share of accelerator time: a camera with "
          "priority 2 gets twice the inference time of one with 1",
          1, 1000, DEFAULT_PRIORITY, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MAX_IDLE_MS,
      g_param_spec_uint ("max-idle-ms", "Max idle (ms)",
          "Every camera gets an inference at least this often, in "
          "milliseconds, even when its scene is static and others are busy "
          "(it goes ahead of everyone once overdue); 0 = no guarantee",
          0, G_MAXUINT, DEFAULT_MAX_IDLE_MS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_STALE_MS,
      g_param_spec_uint ("stale-ms", "Stale (ms)",
          "A frame older than this (its running time behind the clock), or "
          "waiting longer than this for its slot, is passed on without "
          "inference and counted stale, in milliseconds",
          1, 600000, DEFAULT_STALE_MS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_SCENE_CHANGE_THRESHOLD,
      g_param_spec_double ("scene-change-threshold", "Scene change threshold",
          "A frame whose scene-change score (axionhash) is at least this "
          "counts as active, like a frame with motion (axionmotion), and "
          "goes ahead of static frames",
          0.0, 1.0, DEFAULT_SCENE_CHANGE_THRESHOLD, rw_playing));
  g_object_class_install_property (gobject_class, PROP_REDIS_URL,
      g_param_spec_string ("redis-url", "Redis URL",
          "Share the accelerator with other processes or hosts through this "
          "Redis: redis://[user:password@]host:port/db or "
          "unix:///path?db=N. Empty = this process only. Read back without "
          "credentials",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_KEY_PREFIX,
      g_param_spec_string ("key-prefix", "Key prefix",
          "Namespace of the Redis keys, as axionredissink's key-prefix: "
          "<prefix>:dlpu:scheduler:lock, <prefix>:dlpu:queue, ... (a "
          "trailing ':' is ignored; empty = axion)",
          DEFAULT_KEY_PREFIX, rw));
  g_object_class_install_property (gobject_class, PROP_REDIS_PREFIX,
      g_param_spec_string ("redis-prefix", "Redis key prefix (deprecated)",
          "Deprecated alias of key-prefix (\"axion:\" = key-prefix "
          "\"axion\"); reads back as <key-prefix>:",
          DEFAULT_KEY_PREFIX ":", rw | G_PARAM_DEPRECATED));
  g_object_class_install_property (gobject_class, PROP_LOCK_TTL_MS,
      g_param_spec_uint ("lock-ttl-ms", "Lock TTL (ms)",
          "Lease of the Redis accelerator lock, in milliseconds (longer "
          "when the expected inference time plus a margin needs more); "
          "renewed every third of it while an inference runs, so a crashed "
          "holder blocks the others at most this long. An inference starts "
          "only when the lease covers it",
          10, 60000, DEFAULT_LOCK_TTL_MS, rw));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_TIMEOUT_MS,
      g_param_spec_uint ("inference-timeout-ms", "Inference timeout (ms)",
          "How long to wait for the detector's output of a frame (detectors "
          "with their own thread answer later) before passing the frame on "
          "without detections, in milliseconds",
          1, 600000, DEFAULT_INFERENCE_TIMEOUT_MS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "Camera id (1-64 of [A-Za-z0-9_.-]); default: from upstream Axion "
          "elements, else derived from the source URI. Announced downstream",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_OBJECT_EVENTS,
      g_param_spec_boolean ("object-events", "Object events",
          "Add an object_detected camera event to every frame on which the "
          "detector found regions (sinks write it to camera_events and the "
          "event stream)",
          TRUE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Inferences run/skipped/stale for this camera, wait and inference "
          "time, the accelerator's inferences, utilisation (busy fraction; "
          "with redis-url of all processes sharing it) and capacity "
          "(inferences/s), this process's own share (process-*), and lost "
          "or expired Redis leases with the latest fencing number; frames "
          "and frames-active (motion, scene change, or a camera axiongate "
          "woke)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Axion accelerator scheduler", "Filter/Analyzer/Video",
      "Shares one inference accelerator fairly between cameras: runs the "
      "wrapped detector on the frames that get a slot, passes the rest on "
      "untouched",
      "Axion developers");

  GST_DEBUG_CATEGORY_INIT (gst_axion_dlpu_sched_debug, "axiondlpusched", 0,
      "Axion accelerator scheduler");

  {
    static const gchar *fence_tags[] = { NULL };
    if (gst_meta_get_info (FENCE_META_NAME) == NULL)
      gst_meta_register_custom (FENCE_META_NAME, fence_tags, NULL, NULL, NULL);
  }
}

static void
gst_axion_dlpu_sched_init (GstAxionDlpuSched *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (sink_chain));
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->det_src = gst_pad_new ("detector_src", GST_PAD_SRC);
  gst_pad_set_query_function (self->det_src, det_src_query);
  gst_pad_set_event_function (self->det_src, det_src_event);
  /* not parented: a pad of ours linked to a child would make GstBin's
   * sorting iterator lock this bin twice */
  gst_object_ref_sink (self->det_src);
  gst_pad_set_element_private (self->det_src, self);
  self->det_sink = gst_pad_new ("detector_sink", GST_PAD_SINK);
  gst_pad_set_chain_function (self->det_sink, det_sink_chain);
  gst_pad_set_event_function (self->det_sink, det_sink_event);
  gst_pad_set_query_function (self->det_sink, det_sink_query);
  gst_object_ref_sink (self->det_sink);
  gst_pad_set_element_private (self->det_sink, self);

  g_mutex_init (&self->cap_lock);
  g_cond_init (&self->cap_cond);
  self->accelerator = g_strdup (DEFAULT_ACCELERATOR);
  self->priority = DEFAULT_PRIORITY;
  self->max_idle_ms = DEFAULT_MAX_IDLE_MS;
  self->stale_ms = DEFAULT_STALE_MS;
  self->scene_change_threshold = DEFAULT_SCENE_CHANGE_THRESHOLD;
  self->key_prefix = g_strdup (DEFAULT_KEY_PREFIX);
  self->lock_ttl_ms = DEFAULT_LOCK_TTL_MS;
  self->inference_timeout_ms = DEFAULT_INFERENCE_TIMEOUT_MS;
  self->object_events = TRUE;
  gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
}
