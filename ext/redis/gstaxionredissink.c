/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionredissink
 * @title: axionredissink
 *
 * Keeps live camera state in Redis with the schema document's keys (§2.2
 * camera state, metrics and active set; §2.4 bandwidth ranking; §2.5 scene
 * memory, scene hash index and Claude context), and appends every camera
 * event to a stream (`<prefix>:events`, XADD with MAXLEN ~).
 *
 * The streaming thread only updates an in-memory picture (latest state per
 * camera, recent scene entries, pending events); a worker thread with its
 * own connection sends it pipelined, at most every `state-interval-ms`.
 * While Redis is away only the newest state is kept (bounded memory),
 * events up to `max-pending-events` (oldest dropped, counted), and the
 * worker reconnects with backoff and jitter; once back, state converges
 * within one interval.
 *
 * |[
 * gst-launch-1.0 videotestsrc ! axionmotion camera-id=CAM001 ! axionhash !
 *   axionredissink redis-url=redis://127.0.0.1:6379/0
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionredissink.h"

#include <gst/axion/axionredisconn.h>
#include <gst/axion/gstaxionformat.h>
#include <gst/axion/gstaxionredisurl.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_axion_redis_sink_debug);
#define GST_CAT_DEFAULT gst_axion_redis_sink_debug

#define DEFAULT_URL "redis://127.0.0.1:6379/0"
#define DEFAULT_PREFIX "axion"
#define DEFAULT_STATE_INTERVAL_MS 500
#define DEFAULT_EVENTS_MAXLEN 100000
#define DEFAULT_MAX_PENDING_EVENTS 10000
#define DEFAULT_CONNECT_TIMEOUT_MS 2000
#define DEFAULT_COMMAND_TIMEOUT_MS 2000
#define MEMORY_LEN 30
#define MEMORY_LAST 29 /* LTRIM 0 29 keeps 30 entries */
#define MAX_PENDING_HASHES 1000
/* scene hashes kept: the hour before the camera's newest capture time */
#define SCENE_WINDOW_S 3600

enum
{
  PROP_0,
  PROP_URL,
  PROP_PREFIX,
  PROP_STATE_INTERVAL_MS,
  PROP_EVENTS_MAXLEN,
  PROP_MAX_PENDING_EVENTS,
  PROP_PUBLISH,
  PROP_CONNECT_TIMEOUT_MS,
  PROP_COMMAND_TIMEOUT_MS,
  PROP_STATS,
};

typedef struct
{
  gchar *id;
  gboolean dirty;
  guint64 frames_delta;
  guint64 dropped_delta;   /* frames lost before the sink, not yet sent */
  gboolean have_gate;      /* the frames went through axiongate: */
  GstAxionGateInfo gate;   /* its counts at the last frame */
  gboolean have_frame;     /* last_frame_number is set */
  gint64 first_frame_mono; /* monotonic time of the first frame (uptime) */
  gdouble fps_target;      /* caps framerate, 0 = unknown (RTSP) */
  gchar *last_error;       /* "" until something went wrong */
  guint64 last_frame_number;
  gint64 last_frame_us;
  gdouble motion_score;
  gboolean motion;
  guint objects;
  gchar *last_event_type;
  gint64 last_event_us;
  gdouble fps;
  gint64 fps_window_us;
  guint fps_window_frames;
  gint width, height;
  gint64 bitrate;      /* bits/s, -1 unknown */
  GQueue memory;       /* pending scene-memory JSON, oldest first */
  GQueue hashes;       /* pending "ts hash" strings */
  GHashTable *context; /* pending Claude context fields */
  gboolean active;     /* in the active set */
} CamState;


struct _GstAxionRedisSink
{
  GstAxionQueueSink parent;

  /* properties (object lock) */
  gchar *url;
  gchar *prefix;
  guint events_maxlen;
  guint max_pending_events;
  gboolean publish;
  guint connect_timeout_ms;
  guint command_timeout_ms;

  /* shared (parent.lock) */
  GHashTable *cams;       /* id -> CamState */
  GQueue events;          /* of Encoded (XADD [+ PUBLISH]) */
  guint inflight;         /* events the worker is sending */
  GQueue removals;        /* camera ids to SREM from the active set */
  gchar *camera_id;       /* from the camera-id event */
  GString *scratch;       /* streaming thread: event encoding */
  GString *json;          /* streaming thread: an event's row as JSON */
  GstAxionFrameRate rate; /* streaming thread: fps_actual */
  GstVideoInfo vinfo;
  gboolean have_info;

  /* stats (parent.lock) */
  guint64 commands, batches, dropped_events, errors;
  guint64 drops_unreported; /* dropped events not yet reported */

  /* worker */
  redisContext *ctx;
  GstAxionRedisUrl parsed;
  struct _Flush *sent; /* written, replies not read yet */
};

#define gst_axion_redis_sink_parent_class parent_class
G_DEFINE_TYPE (
    GstAxionRedisSink, gst_axion_redis_sink, GST_TYPE_AXION_QUEUE_SINK);
GST_ELEMENT_REGISTER_DEFINE (
    axionredissink, "axionredissink", GST_RANK_NONE, GST_TYPE_AXION_REDIS_SINK);

/* ---- URL --------------------------------------------------------------- */

/* ---- camera state ------------------------------------------------------- */

static void
cam_free (CamState *c)
{
  g_free (c->id);
  g_free (c->last_event_type);
  g_free (c->last_error);
  g_queue_clear_full (&c->memory, g_free);
  g_queue_clear_full (&c->hashes, g_free);
  g_hash_table_unref (c->context);
  g_free (c);
}

static CamState *
cam_get (GstAxionRedisSink *self, const gchar *id)
{
  CamState *c = g_hash_table_lookup (self->cams, id);

  if (c == NULL) {
    c = g_new0 (CamState, 1);
    c->id = g_strdup (id);
    c->bitrate = -1;
    c->last_error = g_strdup ("");
    g_queue_init (&c->memory);
    g_queue_init (&c->hashes);
    c->context = g_hash_table_new_full (
        g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert (self->cams, c->id, c);
  }
  return c;
}

/* ---- RESP ----------------------------------------------------------------
 * Events are encoded in the Redis protocol by the streaming thread, once,
 * into one allocation; the worker writes the bytes as they are (no argv
 * copies, no per-argument allocations crossing threads). */

typedef struct
{
  gsize len;
  guint n_cmds; /* commands in data (XADD, or XADD + PUBLISH) */
  gchar data[];
} Encoded;

static void
resp_uint (GString *s, gchar kind, guint64 v)
{
  gchar b[GST_AXION_UINT_DIGITS + 3];
  guint n;

  b[0] = kind;
  n = 1 + gst_axion_format_uint (b + 1, v);
  b[n++] = '\r';
  b[n++] = '\n';
  gst_axion_string_append_len (s, b, n);
}

static void
resp_arg_len (GString *s, const gchar *a, gsize len)
{
  resp_uint (s, '$', len);
  gst_axion_string_append_len (s, a, len);
  gst_axion_string_append_len (s, "\r\n", 2);
}

static void
resp_arg (GString *s, const gchar *a)
{
  resp_arg_len (s, a, strlen (a));
}

static void
resp_arg_uint (GString *s, guint64 v)
{
  gchar b[GST_AXION_UINT_DIGITS];

  resp_arg_len (s, b, gst_axion_format_uint (b, v));
}

/* ---- streaming thread ---------------------------------------------------- */

/* An event's XADD (and PUBLISH), encoded; no lock needed. */
static Encoded *
encode_event (GstAxionRedisSink *self, GstAxionFrameMeta *meta,
    const GstAxionFrameEvent *ev, GstBuffer *buf, const GstAxionFrameInfo *info,
    const gchar *prefix, guint maxlen, gboolean publish, GString *scratch,
    GString *json_buf)
{
  GstAxionRow *row;
  const gchar *phase = gst_axion_event_type_phase (ev->type);
  const gchar *json;
  gsize json_len;
  Encoded *e;

  row = gst_axion_row_camera_event (meta, ev, buf, info, NULL);
  g_string_truncate (json_buf, 0);
  if (row)
    gst_axion_row_append_json (row, json_buf);
  else
    g_string_append (json_buf, "{}");
  gst_axion_row_free (row);
  json = json_buf->str;
  json_len = json_buf->len;

  g_string_truncate (scratch, 0);
  resp_uint (scratch, '*', 18);
  resp_arg (scratch, "XADD");
  resp_uint (scratch, '$', strlen (prefix) + 7);
  g_string_append (scratch, prefix);
  g_string_append (scratch, ":events\r\n");
  resp_arg (scratch, "MAXLEN");
  resp_arg (scratch, "~");
  resp_arg_uint (scratch, maxlen);
  resp_arg (scratch, "*");
  resp_arg (scratch, "camera_id");
  resp_arg (scratch, meta->camera_id);
  resp_arg (scratch, "event_type");
  resp_arg (scratch, gst_axion_event_type_db_name (ev->type));
  resp_arg (scratch, "event_phase");
  resp_arg (scratch, phase ? phase : "");
  resp_arg (scratch, "event_id");
  resp_arg_uint (scratch, (guint64) ev->id);
  resp_arg (scratch, "frame_number");
  resp_arg_uint (scratch, meta->frame_number);
  resp_arg (scratch, "row");
  resp_arg_len (scratch, json, json_len);
  if (publish) {
    gchar *channel = g_strdup_printf ("%s:events:%s", prefix, meta->camera_id);
    resp_uint (scratch, '*', 3);
    resp_arg (scratch, "PUBLISH");
    resp_arg (scratch, channel);
    resp_arg_len (scratch, json, json_len);
    g_free (channel);
  }

  e = g_malloc (sizeof (Encoded) + scratch->len);
  e->len = scratch->len;
  e->n_cmds = publish ? 2 : 1;
  memcpy (e->data, scratch->str, scratch->len);
  return e;
}

static GHashTable *
make_context (GstBuffer *buf)
{
  GHashTable *ctx = NULL;
  gpointer state = NULL;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_AXION_ANALYSIS_META_API_TYPE))) {
    GstAxionAnalysis *a = ((GstAxionAnalysisMeta *) m)->analysis;
    GString *objs = g_string_new ("[");

    if (ctx == NULL)
      ctx = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    for (gchar **o = a->objects_identified; o && *o; o++) {
      if (o != a->objects_identified)
        g_string_append_c (objs, ',');
      gst_axion_json_append_string (objs, *o);
    }
    g_string_append_c (objs, ']');
    g_hash_table_insert (ctx, g_strdup ("last_description"),
        g_strdup (a->scene_description ? a->scene_description
                : a->primary_insight   ? a->primary_insight
                                       : ""));
    g_hash_table_insert (
        ctx, g_strdup ("last_objects"), g_string_free (objs, FALSE));
    g_hash_table_insert (ctx, g_strdup ("last_analysis_at"),
        g_strdup_printf ("%" G_GINT64_FORMAT, a->event_time_us / 1000000));
    g_hash_table_insert (ctx, g_strdup ("pattern_detected"),
        g_strdup (
            a->pattern_detected && a->pattern_type ? a->pattern_type : "none"));
    g_hash_table_insert (ctx, g_strdup ("alert_active"),
        g_strdup (a->should_alert ? "true" : "false"));
    g_hash_table_insert (ctx, g_strdup ("risk_assessment"),
        g_strdup (a->risk_assessment ? a->risk_assessment : "none"));
  }
  return ctx;
}

/* No lock held: posts the dropped events not yet reported (a warning with
 * the count, never only a debug line). */
static void
report_drops (GstAxionRedisSink *self)
{
  guint64 n;

  g_mutex_lock (&self->parent.lock);
  n = self->drops_unreported;
  self->drops_unreported = 0;
  g_mutex_unlock (&self->parent.lock);
  gst_axion_queue_sink_dropped (GST_AXION_QUEUE_SINK (self), n, "events",
      "Redis is away and more than max-pending-events events arrived: the "
      "oldest were dropped; raise max-pending-events to keep more");
}

/* lock held: the oldest events beyond @max_pending are dropped (counted)
 * while Redis is away; while it is up the worker is asked to send them
 * now and render waits until it took them (dropping is for outages, not
 * for bursts: 50,000 frames with events in one state interval dropped
 * 20,137 of them with Redis up). */
static GstFlowReturn
bound_events (GstAxionRedisSink *self, guint max_pending)
{
  GstAxionQueueSink *qs = GST_AXION_QUEUE_SINK (self);

  while (self->events.length > max_pending) {
    if (gst_axion_queue_sink_is_connected (qs)) {
      gst_axion_queue_sink_kick (qs);
      if (gst_axion_queue_sink_wait (
              qs, g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND) ==
          GST_FLOW_FLUSHING)
        return GST_FLOW_FLUSHING; /* kept: the last flush sends them */
      continue;
    }
    g_free (g_queue_pop_head (&self->events));
    self->dropped_events++;
    self->drops_unreported++;
  }
  return GST_FLOW_OK;
}

/* lock held: frames whose numbers were skipped never reached the sink
 * (dropped upstream: a leaky queue, decode errors, QoS, a lost RTP
 * packet): counted in frames_dropped and named in last_error. Frames
 * axiongate chose not to decode (an idle camera: skipped_before) were
 * sampled out, not lost. A number going back is a restarted stream, not
 * a loss. */
static void
note_frame_number (CamState *c, const GstAxionFrameMeta *meta)
{
  guint64 gap, sampled = 0;

  if (!gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_NUMBER))
    return;
  gap = meta->frame_number > c->last_frame_number + 1
      ? meta->frame_number - c->last_frame_number - 1
      : 0;
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_GATE))
    sampled = MIN (meta->gate.skipped_before, gap);
  if (c->have_frame && gap > sampled) {
    c->dropped_delta += gap - sampled;
    g_free (c->last_error);
    if (sampled == 0)
      c->last_error = g_strdup_printf ("frames %" G_GUINT64_FORMAT
                                       "-%" G_GUINT64_FORMAT
                                       " lost before axionredissink",
          c->last_frame_number + 1, meta->frame_number - 1);
    else
      c->last_error = g_strdup_printf (
          "%" G_GUINT64_FORMAT " of frames %" G_GUINT64_FORMAT
          "-%" G_GUINT64_FORMAT
          " lost before axionredissink (%" G_GUINT64_FORMAT " not decoded by "
          "axiongate)",
          gap - sampled, c->last_frame_number + 1, meta->frame_number - 1,
          sampled);
  }
  c->have_frame = TRUE;
}

static GstFlowReturn
gst_axion_redis_sink_render (GstBaseSink *bs, GstBuffer *in)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (bs);
  /* a buffer without a frame meta with a camera id is completed (the
   * camera id from upstream, else the fallback, with a warning), never
   * skipped */
  GstBuffer *buf = gst_axion_queue_sink_frame (
      GST_AXION_QUEUE_SINK (self), in, NULL);
  GstAxionFrameMeta *meta = gst_buffer_get_axion_frame_meta (buf);
  CamState *c;
  gint64 now = g_get_monotonic_time ();
  gpointer state = NULL;
  GstMeta *m;
  GString *mem = self->scratch;
  gchar hex[17], *mem_entry, *hash_entry = NULL;
  Encoded *events[GST_AXION_FRAME_MAX_EVENTS + 1];
  GHashTable *ctx;
  guint maxlen, max_pending, n_objects = 0;
  gboolean publish, first = TRUE;
  gchar *prefix;
  GstAxionFrameEvent frame_events[GST_AXION_FRAME_MAX_EVENTS + 1];
  guint n_events;
  GstAxionFrameInfo info;
  GstFlowReturn ret;

  gst_axion_queue_sink_render_begin (GST_AXION_QUEUE_SINK (self));

  GST_OBJECT_LOCK (self);
  maxlen = self->events_maxlen;
  max_pending = self->max_pending_events;
  publish = self->publish;
  prefix = g_strdup (self->prefix);
  GST_OBJECT_UNLOCK (self);

  /* everything that costs is prepared without the lock the worker needs */
  /* the meta's events, and object_detected for detections from a
   * detector outside Axion */
  n_events = gst_axion_frame_meta_sink_events (meta, buf, frame_events);
  /* the row's fps_actual and total_processing_ms (every frame counts) */
  gst_axion_frame_info_init (&info);
  gst_axion_frame_info_measure (&info, &self->rate, bs, in, meta);
  for (guint i = 0; i < n_events; i++)
    events[i] = encode_event (self, meta, &frame_events[i], buf, &info, prefix,
        maxlen, publish, self->scratch, self->json);
  g_free (prefix);

  /* scene memory entry: compact JSON of hashes, motion, objects */
  g_string_truncate (mem, 0);
  g_string_append (mem, "{\"frame\":");
  gst_axion_append_uint (mem, meta->frame_number);
  /* Unix seconds to the microsecond */
  g_string_append (mem, ",\"ts\":");
  gst_axion_append_fixed (mem, meta->capture_time_us / 1e6, 6);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SCENE_HASH)) {
    GString *he = self->json;
    gst_axion_scene_hash_member (meta->scene_hash, hex);
    g_string_append (mem, ",\"hash\":\"");
    gst_axion_string_append_len (mem, hex, 16);
    g_string_append_c (mem, '"');
    /* "<score> <member>" for the worker's ZADD */
    g_string_truncate (he, 0);
    gst_axion_append_fixed (he, meta->capture_time_us / 1e6, 6);
    g_string_append_c (he, ' ');
    gst_axion_string_append_len (he, hex, 16);
    hash_entry = g_strndup (he->str, he->len);
  }
  g_string_append (mem, ",\"objects\":[");
  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    const gchar *label;
    if (!gst_axion_roi_get_detection (
            (GstVideoRegionOfInterestMeta *) m, &label, NULL, NULL))
      continue;
    if (!first)
      g_string_append_c (mem, ',');
    gst_axion_json_append_string (mem, label);
    first = FALSE;
    n_objects++;
  }
  g_string_append (mem, "],\"motion\":");
  gst_axion_json_append_double (mem,
      gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_MOTION)
          ? meta->motion_score
          : 0.0);
  g_string_append_c (mem, '}');
  mem_entry = g_strndup (mem->str, mem->len);
  ctx = make_context (buf);

  g_mutex_lock (&self->parent.lock);
  c = cam_get (self, meta->camera_id);
  c->dirty = TRUE;
  c->frames_delta++;
  if (c->first_frame_mono == 0)
    c->first_frame_mono = now;
  note_frame_number (c, meta);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_GATE)) {
    c->have_gate = TRUE;
    c->gate = meta->gate;
  }
  c->last_frame_number = meta->frame_number;
  c->last_frame_us = meta->capture_time_us;
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_MOTION)) {
    c->motion_score = meta->motion_score;
    c->motion = meta->motion_state == GST_AXION_MOTION_STATE_START ||
        meta->motion_state == GST_AXION_MOTION_STATE_CONTINUE;
  }
  c->objects = n_objects;
  if (self->have_info) {
    c->width = GST_VIDEO_INFO_WIDTH (&self->vinfo);
    c->height = GST_VIDEO_INFO_HEIGHT (&self->vinfo);
    c->fps_target = GST_VIDEO_INFO_FPS_N (&self->vinfo) > 0 &&
            GST_VIDEO_INFO_FPS_D (&self->vinfo) > 0
        ? (gdouble) GST_VIDEO_INFO_FPS_N (&self->vinfo) /
            GST_VIDEO_INFO_FPS_D (&self->vinfo)
        : 0.0;
  }
  /* measured frame rate over ~2 s windows */
  if (c->fps_window_us == 0)
    c->fps_window_us = now;
  c->fps_window_frames++;
  if (now - c->fps_window_us >= 2 * G_USEC_PER_SEC) {
    c->fps = c->fps_window_frames * 1e6 / (now - c->fps_window_us);
    c->fps_window_us = now;
    c->fps_window_frames = 0;
  }
  if (n_events > 0) {
    const GstAxionFrameEvent *last = &frame_events[n_events - 1];
    g_free (c->last_event_type);
    c->last_event_type = g_strdup (gst_axion_event_type_db_name (last->type));
    c->last_event_us = meta->capture_time_us;
  }
  for (guint i = 0; i < n_events; i++)
    g_queue_push_tail (&self->events, events[i]);
  gst_axion_queue_sink_count (GST_AXION_QUEUE_SINK (self), n_events, 0);
  ret = bound_events (self, max_pending);
  g_queue_push_tail (&c->memory, mem_entry);
  while (g_queue_get_length (&c->memory) > MEMORY_LEN)
    g_free (g_queue_pop_head (&c->memory));
  if (hash_entry) {
    g_queue_push_tail (&c->hashes, hash_entry);
    while (g_queue_get_length (&c->hashes) > MAX_PENDING_HASHES)
      g_free (g_queue_pop_head (&c->hashes));
  }
  if (ctx) {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, ctx);
    while (g_hash_table_iter_next (&it, &k, &v)) {
      g_hash_table_iter_steal (&it);
      g_hash_table_insert (c->context, k, v);
    }
  }
  gst_axion_queue_sink_render_end (GST_AXION_QUEUE_SINK (self));
  g_mutex_unlock (&self->parent.lock);

  if (ctx)
    g_hash_table_unref (ctx);
  gst_buffer_unref (buf);
  report_drops (self);
  return ret;
}

/* ---- worker -------------------------------------------------------------- */

/* A flush: the state commands of every camera with news, written straight
 * in the Redis protocol into one buffer (no argv arrays), and the pending
 * events, taken whole. */
typedef struct _Flush
{
  GString *out;     /* the state commands, RESP */
  guint n_cmds;     /* commands in out */
  GHashTable *sent; /* camera id -> sent counts (CamSent) */
  GQueue events;    /* of Encoded: taken from the sink, oldest first */
  guint event_cmds;
  guint removals_sent;
} Flush;

/* What a flush took from a camera: the frame count it added, and the
 * scene memory, hashes and Claude context it sent, taken out of the
 * camera (render may add and trim newer ones meanwhile: counting them
 * instead removed unsent entries, and wiped a newer context) */
typedef struct
{
  guint64 frames;
  guint64 dropped;
  GQueue memory;
  GQueue hashes;
  GHashTable *context; /* or NULL */
} CamSent;

static void
cam_sent_free (CamSent *s)
{
  g_queue_clear_full (&s->memory, g_free);
  g_queue_clear_full (&s->hashes, g_free);
  if (s->context)
    g_hash_table_unref (s->context);
  g_free (s);
}

static GHashTable *
context_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* lock held: @older entries back in front of @newer, the oldest beyond
 * @max dropped (latest-value data) */
static void
queue_restore (GQueue *newer, GQueue *older, guint max)
{
  while (older->length)
    g_queue_push_head (newer, g_queue_pop_tail (older));
  while (newer->length > max)
    g_free (g_queue_pop_head (newer));
}

/* "*<n>\r\n": a command of n arguments follows */
static void
resp_cmd (Flush *f, guint n_args)
{
  resp_uint (f->out, '*', n_args);
  f->n_cmds++;
}

/* <prefix>:<mid><id><tail> */
static void
resp_key (GString *s, const gchar *prefix, const gchar *mid, const gchar *id,
    const gchar *tail)
{
  gsize lp = strlen (prefix), lm = strlen (mid), li = id ? strlen (id) : 0;
  gsize lt = tail ? strlen (tail) : 0;

  resp_uint (s, '$', lp + 1 + lm + li + lt);
  gst_axion_string_append_len (s, prefix, lp);
  gst_axion_string_append_len (s, ":", 1);
  gst_axion_string_append_len (s, mid, lm);
  if (li)
    gst_axion_string_append_len (s, id, li);
  if (lt)
    gst_axion_string_append_len (s, tail, lt);
  gst_axion_string_append_len (s, "\r\n", 2);
}

/* a number as "%.<decimals>f" (C locale); tmp: scratch */
static void
resp_arg_fixed (GString *s, GString *tmp, gdouble v, guint decimals)
{
  g_string_truncate (tmp, 0);
  gst_axion_append_fixed (tmp, v, decimals);
  resp_arg_len (s, tmp->str, tmp->len);
}

/* "(<v>" with 3 decimals: an exclusive score bound */
static void
resp_arg_exclusive (GString *s, GString *tmp, gdouble v)
{
  g_string_truncate (tmp, 0);
  g_string_append_c (tmp, '(');
  gst_axion_append_fixed (tmp, v, 3);
  resp_arg_len (s, tmp->str, tmp->len);
}

/* KEYS: the camera's state, its §2.4 bandwidth allocation, the §2.3 DLPU
 * queue; ARGV[1]: the camera id. quality_level is the allocation's (the
 * bandwidth controller sets it; absent without one); dlpu_queue_depth
 * counts the camera's requests in the queue (members
 * "<camera>:frame_<n>:<ms>", axionsched.c; the queue holds at most one
 * request per camera and scheduler, so the first 1,000 are plenty). */
static const gchar STATE_FROM_OTHERS_LUA[] =
    "local q = redis.call('HGET', KEYS[2], 'quality_level')\n"
    "if q then redis.call('HSET', KEYS[1], 'quality_level', q) end\n"
    "local p = ARGV[1] .. ':frame_'\n"
    "local n = 0\n"
    "for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, 999)) do\n"
    "  if string.sub(m, 1, #p) == p then n = n + 1 end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 'dlpu_queue_depth', n)\n"
    "return n\n";

/* lock held: commands for everything pending */
static Flush *
build_flush (GstAxionRedisSink *self, gdouble now_s)
{
  gint64 mono = g_get_monotonic_time ();
  Flush *f = g_new0 (Flush, 1);
  GHashTableIter it;
  CamState *c;
  GString *o, *tmp = g_string_sized_new (64);
  gchar ts[40], *prefix;

  GST_OBJECT_LOCK (self);
  prefix = g_strdup (self->prefix);
  GST_OBJECT_UNLOCK (self);
  f->out = o = g_string_sized_new (4096);
  f->sent = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify) cam_sent_free);
  gst_axion_append_fixed (tmp, now_s, 3);
  g_strlcpy (ts, tmp->str, sizeof (ts));

  g_hash_table_iter_init (&it, self->cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &c)) {
    CamSent *sent;
    guint n;

    if (!c->dirty)
      continue;
    sent = g_new0 (CamSent, 1);

    /* HSET camera:<id>:state with the live fields */
    n = 2 + 2 * 10 + (c->width > 0 ? 2 : 0) + (c->last_event_type ? 4 : 0) +
        (c->fps_target > 0 ? 2 : 0) + (c->bitrate > 0 ? 2 : 0) +
        (c->have_gate ? 6 : 0);
    resp_cmd (f, n);
    resp_arg_len (o, "HSET", 4);
    resp_key (o, prefix, "camera:", c->id, ":state");
    resp_arg (o, "status");
    resp_arg (o, "online");
    resp_arg (o, "fps_current");
    resp_arg_fixed (o, tmp, c->fps, 1);
    resp_arg (o, "last_frame_number");
    resp_arg_uint (o, c->last_frame_number);
    resp_arg (o, "last_frame_at");
    resp_arg_fixed (o, tmp, c->last_frame_us / 1e6, 3);
    resp_arg (o, "motion_detected");
    resp_arg (o, c->motion ? "true" : "false");
    resp_arg (o, "motion_score");
    resp_arg_fixed (o, tmp, c->motion_score, 4);
    resp_arg (o, "objects_count");
    resp_arg_uint (o, c->objects);
    resp_arg (o, "last_metadata_sent_at");
    resp_arg (o, ts);
    resp_arg (o, "last_error");
    resp_arg (o, c->last_error);
    resp_arg (o, "uptime_seconds");
    resp_arg_uint (o,
        c->first_frame_mono
            ? (guint64) (mono - c->first_frame_mono) / G_USEC_PER_SEC
            : 0);
    if (c->fps_target > 0) {
      resp_arg (o, "fps_target");
      resp_arg_fixed (o, tmp, c->fps_target, 1);
    }
    if (c->bitrate > 0) {
      /* the stream's (nominal) bitrate from its tags */
      resp_arg (o, "bandwidth_mbps");
      resp_arg_fixed (o, tmp, c->bitrate / 1e6, 2);
    }
    if (c->have_gate) {
      /* axiongate: frames received vs decoded (an idle camera decodes
       * about one a GOP: not a loss), and whether it decodes all now */
      resp_arg (o, "frames_received");
      resp_arg_uint (o, c->gate.received);
      resp_arg (o, "frames_decoded");
      resp_arg_uint (o, c->gate.decoded);
      resp_arg (o, "decoding");
      resp_arg (o, c->gate.active ? "all" : "keyframes");
    }
    if (c->width > 0) {
      g_string_truncate (tmp, 0);
      gst_axion_append_uint (tmp, (guint) c->width);
      g_string_append_c (tmp, 'x');
      gst_axion_append_uint (tmp, (guint) c->height);
      resp_arg (o, "resolution");
      resp_arg_len (o, tmp->str, tmp->len);
    }
    if (c->last_event_type) {
      resp_arg (o, "last_event_type");
      resp_arg (o, c->last_event_type);
      resp_arg (o, "last_event_timestamp");
      g_string_truncate (tmp, 0);
      g_string_append_printf (
          tmp, "%" G_GINT64_FORMAT, c->last_event_us / G_USEC_PER_SEC);
      resp_arg_len (o, tmp->str, tmp->len);
    }
    if (c->frames_delta) {
      resp_cmd (f, 4);
      resp_arg (o, "HINCRBY");
      resp_key (o, prefix, "camera:", c->id, ":state");
      resp_arg (o, "frames_processed");
      resp_arg_uint (o, c->frames_delta);
      sent->frames = c->frames_delta;
    }
    /* by 0 too: the field exists from the first flush */
    resp_cmd (f, 4);
    resp_arg (o, "HINCRBY");
    resp_key (o, prefix, "camera:", c->id, ":state");
    resp_arg (o, "frames_dropped");
    resp_arg_uint (o, c->dropped_delta);
    sent->dropped = c->dropped_delta;
    /* quality_level and dlpu_queue_depth live with their owners (§2.4
     * allocation, §2.3 queue): copied server-side, no round trip */
    resp_cmd (f, 7);
    resp_arg (o, "EVAL");
    resp_arg (o, STATE_FROM_OTHERS_LUA);
    resp_arg (o, "3");
    resp_key (o, prefix, "camera:", c->id, ":state");
    resp_key (o, prefix, "bandwidth:", c->id, ":allocation");
    resp_key (o, prefix, "dlpu:queue", NULL, NULL);
    resp_arg (o, c->id);
    resp_cmd (f, 3);
    resp_arg (o, "SADD");
    resp_key (o, prefix, "cameras:active", NULL, NULL);
    resp_arg (o, c->id);

    /* one metrics sample, the last 5 minutes kept */
    resp_cmd (f, 4);
    resp_arg (o, "ZADD");
    resp_key (o, prefix, "camera:", c->id, ":metrics");
    resp_arg (o, ts);
    g_string_truncate (tmp, 0);
    g_string_append (tmp, "{\"fps\":");
    gst_axion_json_append_double (tmp, c->fps);
    g_string_append (tmp, ",\"motion\":");
    gst_axion_json_append_double (tmp, c->motion_score);
    g_string_append (tmp, ",\"objects\":");
    gst_axion_append_uint (tmp, c->objects);
    g_string_append (tmp, ",\"frame\":");
    gst_axion_append_uint (tmp, c->last_frame_number);
    g_string_append_c (tmp, '}');
    resp_arg_len (o, tmp->str, tmp->len);
    resp_cmd (f, 4);
    resp_arg (o, "ZREMRANGEBYSCORE");
    resp_key (o, prefix, "camera:", c->id, ":metrics");
    resp_arg (o, "-inf");
    resp_arg_exclusive (o, tmp, now_s - 300);
    resp_cmd (f, 3);
    resp_arg (o, "EXPIRE");
    resp_key (o, prefix, "camera:", c->id, ":metrics");
    resp_arg (o, "300");

    if (c->memory.length) {
      resp_cmd (f, 2 + c->memory.length);
      resp_arg (o, "LPUSH");
      resp_key (o, prefix, "scene:", c->id, ":memory");
      for (GList *l = c->memory.head; l; l = l->next)
        resp_arg (o, l->data);
      resp_cmd (f, 4);
      resp_arg (o, "LTRIM");
      resp_key (o, prefix, "scene:", c->id, ":memory");
      resp_arg (o, "0");
      resp_arg (o, G_STRINGIFY (MEMORY_LAST));
      resp_cmd (f, 3);
      resp_arg (o, "EXPIRE");
      resp_key (o, prefix, "scene:", c->id, ":memory");
      resp_arg (o, "3600");
      sent->memory = c->memory;
      g_queue_init (&c->memory);
    }
    if (c->hashes.length) {
      /* the scene hash index key, shared with axionclaude
       * (gstaxionscene.h) */
      gchar *k = gst_axion_scene_hashes_key (prefix, c->id);
      resp_cmd (f, 2 + 2 * c->hashes.length);
      resp_arg (o, "ZADD");
      resp_arg (o, k);
      for (GList *l = c->hashes.head; l; l = l->next) {
        /* "<score> <member>" */
        const gchar *e = l->data, *sp = strchr (e, ' ');
        resp_arg_len (o, e, sp - e);
        resp_arg (o, sp + 1);
      }
      /* scores are capture times (the camera's clock, which may be
       * hours off this host's): the hour kept is the hour before the
       * camera's newest frame, and what lies more than an hour after it
       * (left by a camera clock that jumped back) goes too. Never this
       * host's clock: a camera 5 min behind lost every hash at once. */
      resp_cmd (f, 4);
      resp_arg (o, "ZREMRANGEBYSCORE");
      resp_arg (o, k);
      resp_arg (o, "-inf");
      resp_arg_exclusive (o, tmp, c->last_frame_us / 1e6 - SCENE_WINDOW_S);
      resp_cmd (f, 4);
      resp_arg (o, "ZREMRANGEBYSCORE");
      resp_arg (o, k);
      resp_arg_exclusive (o, tmp, c->last_frame_us / 1e6 + SCENE_WINDOW_S);
      resp_arg (o, "+inf");
      resp_cmd (f, 3);
      resp_arg (o, "EXPIRE");
      resp_arg (o, k);
      resp_arg (o, "3600");
      sent->hashes = c->hashes;
      g_queue_init (&c->hashes);
      g_free (k);
    }
    if (g_hash_table_size (c->context)) {
      GHashTableIter ci;
      gpointer fk, fv;
      resp_cmd (f, 2 + 2 * g_hash_table_size (c->context));
      resp_arg (o, "HSET");
      resp_key (o, prefix, "claude:", c->id, ":context");
      g_hash_table_iter_init (&ci, c->context);
      while (g_hash_table_iter_next (&ci, &fk, &fv)) {
        resp_arg (o, fk);
        resp_arg (o, fv);
      }
      resp_cmd (f, 3);
      resp_arg (o, "EXPIRE");
      resp_key (o, prefix, "claude:", c->id, ":context");
      resp_arg (o, "600");
      sent->context = c->context;
      c->context = context_new ();
    }
    if (c->bitrate > 0) {
      resp_cmd (f, 4);
      resp_arg (o, "ZADD");
      resp_key (o, prefix, "bandwidth:usage:ranking", NULL, NULL);
      resp_arg_uint (o, (guint64) (c->bitrate / 1000));
      resp_arg (o, c->id);
    }
    g_hash_table_insert (f->sent, g_strdup (c->id), sent);
  }

  /* the events are taken whole (O(1)); given back if sending fails */
  f->events = self->events;
  g_queue_init (&self->events);
  self->inflight = f->events.length;
  for (GList *l = f->events.head; l; l = l->next)
    f->event_cmds += ((Encoded *) l->data)->n_cmds;
  for (GList *l = self->removals.head; l; l = l->next) {
    resp_cmd (f, 3);
    resp_arg (o, "SREM");
    resp_key (o, prefix, "cameras:active", NULL, NULL);
    resp_arg (o, l->data);
    resp_cmd (f, 4);
    resp_arg (o, "HSET");
    resp_key (o, prefix, "camera:", l->data, ":state");
    resp_arg (o, "status");
    resp_arg (o, "offline");
    f->removals_sent++;
  }
  g_string_free (tmp, TRUE);
  g_free (prefix);
  return f;
}

static void
flush_free (Flush *f)
{
  g_queue_clear_full (&f->events, g_free);
  g_string_free (f->out, TRUE);
  g_hash_table_unref (f->sent);
  g_free (f);
}

/* lock held: forget what was sent */
static void
flush_done (GstAxionRedisSink *self, Flush *f)
{
  GHashTableIter it;
  gpointer id, v;

  g_hash_table_iter_init (&it, f->sent);
  while (g_hash_table_iter_next (&it, &id, &v)) {
    CamSent *s = v;
    CamState *c = g_hash_table_lookup (self->cams, id);
    if (c == NULL)
      continue;
    c->frames_delta -= MIN (c->frames_delta, s->frames);
    c->dropped_delta -= MIN (c->dropped_delta, s->dropped);
    c->dirty = c->frames_delta > 0 || c->dropped_delta > 0 ||
        c->memory.length || c->hashes.length || g_hash_table_size (c->context);
  }
  for (guint i = 0; i < f->removals_sent && self->removals.length; i++)
    g_free (g_queue_pop_head (&self->removals));
  self->commands += f->n_cmds + f->event_cmds;
  gst_axion_queue_sink_count (GST_AXION_QUEUE_SINK (self), 0, f->events.length);
  self->inflight = 0;
  self->batches++;
}

/* lock held: sending failed; what the flush took from the cameras goes
 * back, before what came since (newer context fields win) */
static void
cams_restore (GstAxionRedisSink *self, Flush *f)
{
  GHashTableIter it, ci;
  gpointer id, v, k, val;

  g_hash_table_iter_init (&it, f->sent);
  while (g_hash_table_iter_next (&it, &id, &v)) {
    CamSent *s = v;
    CamState *c = g_hash_table_lookup (self->cams, id);
    if (c == NULL)
      continue;
    queue_restore (&c->memory, &s->memory, MEMORY_LEN);
    queue_restore (&c->hashes, &s->hashes, MAX_PENDING_HASHES);
    if (s->context) {
      g_hash_table_iter_init (&ci, s->context);
      while (g_hash_table_iter_next (&ci, &k, &val)) {
        if (!g_hash_table_contains (c->context, k)) {
          g_hash_table_iter_steal (&ci);
          g_hash_table_insert (c->context, k, val);
        }
      }
    }
    c->dirty = TRUE;
  }
}

/* lock held: sending failed; the events go back in front of the newer
 * ones, the oldest dropped (counted) beyond max-pending-events */
static void
flush_failed (GstAxionRedisSink *self, Flush *f)
{
  guint max_pending;

  GST_OBJECT_LOCK (self);
  max_pending = self->max_pending_events;
  GST_OBJECT_UNLOCK (self);
  while (self->events.length)
    g_queue_push_tail (&f->events, g_queue_pop_head (&self->events));
  self->events = f->events;
  g_queue_init (&f->events);
  while (self->events.length > max_pending) {
    g_free (g_queue_pop_head (&self->events));
    self->dropped_events++;
    self->drops_unreported++;
  }
  self->inflight = 0;
  cams_restore (self, f);
}

/* worker: an error reply or a lost connection, for stats */
static void
note_error (GstAxionRedisSink *self, const gchar *msg)
{
  gst_axion_queue_sink_set_error (GST_AXION_QUEUE_SINK (self), msg);
  g_mutex_lock (&self->parent.lock);
  self->errors++;
  g_mutex_unlock (&self->parent.lock);
}

static void
gst_axion_redis_sink_disconnect (GstAxionQueueSink *qs)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (qs);

  if (self->ctx) {
    redisFree (self->ctx);
    self->ctx = NULL;
  }
}

static GstAxionSinkResult
gst_axion_redis_sink_connect (GstAxionQueueSink *qs, gchar **error)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (qs);
  guint ctms, cmdms;
  gchar *err = NULL;
  AxionRedisFailure failure;

  gst_axion_redis_sink_disconnect (qs);
  GST_OBJECT_LOCK (self);
  ctms = self->connect_timeout_ms;
  cmdms = self->command_timeout_ms;
  GST_OBJECT_UNLOCK (self);

  self->ctx = axion_redis_connect (&self->parsed, ctms, cmdms, &failure, &err);
  if (self->ctx)
    return GST_AXION_SINK_OK;
  if (failure == AXION_REDIS_UNREACHABLE) {
    *error = g_strdup_printf ("%s; keeping the newest state", err);
    g_free (err);
    return GST_AXION_SINK_LOST;
  }
  /* refused credentials or database: configuration, not an outage */
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("%s",
          failure == AXION_REDIS_AUTH_REFUSED
              ? "Redis refused the credentials of redis-url"
              : "Redis database of redis-url cannot be selected"),
      ("%s", err));
  *error = err;
  return GST_AXION_SINK_FATAL;
}

/* Writes all the flush's commands (pipelined); the replies are read by
 * read_replies(), at the worker's next wake-up: they arrive while it
 * sleeps, so a flush costs one wake-up, not two. */
static gboolean
send_flush (GstAxionRedisSink *self, Flush *f)
{
  int done = 0;

  if (self->ctx == NULL)
    return FALSE;
  if (f->out->len)
    redisAppendFormattedCommand (self->ctx, f->out->str, f->out->len);
  for (GList *l = f->events.head; l; l = l->next) {
    Encoded *e = l->data;
    redisAppendFormattedCommand (self->ctx, e->data, e->len);
  }
  while (!done) {
    if (redisBufferWrite (self->ctx, &done) != REDIS_OK) {
      note_error (self, self->ctx->errstr);
      GST_WARNING_OBJECT (self, "Redis connection lost: %s", self->ctx->errstr);
      return FALSE;
    }
  }
  return TRUE;
}

/* the replies of a sent flush, in order */
static gboolean
read_replies (GstAxionRedisSink *self, Flush *f)
{
  guint n = f->n_cmds + f->event_cmds;

  if (self->ctx == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++) {
    redisReply *r = NULL;
    if (redisGetReply (self->ctx, (void **) &r) != REDIS_OK) {
      note_error (self, self->ctx->errstr);
      GST_WARNING_OBJECT (self, "Redis connection lost: %s", self->ctx->errstr);
      return FALSE;
    }
    if (r->type == REDIS_REPLY_ERROR) {
      GST_WARNING_OBJECT (self, "Redis error: %s", r->str);
      note_error (self, r->str);
    }
    freeReplyObject (r);
  }
  return TRUE;
}

/* lock held, released while reading: the replies of the flush sent last,
 * then its bookkeeping. Returns whether they all came back. */
static gboolean
finish_flush (GstAxionRedisSink *self, Flush *f)
{
  gboolean ok;

  g_mutex_unlock (&self->parent.lock);
  ok = read_replies (self, f);
  g_mutex_lock (&self->parent.lock);
  if (ok) {
    flush_done (self, f);
    g_cond_broadcast (&self->parent.cond);
  } else {
    flush_failed (self, f);
  }
  flush_free (f);
  return ok;
}

/* lock held: the element stops and Redis is away: pending events are
 * lost (state is latest-value: nothing to keep) */
static void
drop_pending_events (GstAxionRedisSink *self)
{
  guint n = self->events.length;

  g_queue_clear_full (&self->events, g_free);
  self->dropped_events += n;
  self->drops_unreported += n;
}

/* worker: the state of every camera with news and the pending events, in
 * one pipelined write; at a tick the replies are read at the next flush,
 * at a drain or stop at once (confirmed before going on) */
static GstAxionSinkResult
gst_axion_redis_sink_flush (GstAxionQueueSink *qs, GstAxionFlushKind kind,
    gboolean online, gchar **error)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (qs);
  GstAxionSinkResult res = GST_AXION_SINK_OK;
  gboolean pending;
  Flush *f;

  g_mutex_lock (&self->parent.lock);
  /* what was sent before is confirmed (or given back) first: the new
   * flush must not send it again */
  if (self->sent) {
    Flush *sent = self->sent;
    self->sent = NULL;
    if (!finish_flush (self, sent))
      res = GST_AXION_SINK_LOST;
  }
  f = build_flush (self, g_get_real_time () / 1e6);
  pending = f->n_cmds > 0 || f->events.length > 0;
  g_mutex_unlock (&self->parent.lock);

  if (res == GST_AXION_SINK_OK && pending && online && send_flush (self, f)) {
    g_mutex_lock (&self->parent.lock);
    if (kind == GST_AXION_FLUSH_TICK)
      self->sent = f;
    else if (!finish_flush (self, f))
      res = GST_AXION_SINK_LOST;
    f = NULL;
  } else {
    if (pending && online)
      res = GST_AXION_SINK_LOST;
    g_mutex_lock (&self->parent.lock);
    flush_failed (self, f);
    flush_free (f);
  }
  /* the last flush, and Redis away or lost: what is left is dropped */
  if (kind == GST_AXION_FLUSH_FINAL && (res != GST_AXION_SINK_OK || !online))
    drop_pending_events (self);
  g_mutex_unlock (&self->parent.lock);
  report_drops (self);
  if (res == GST_AXION_SINK_LOST)
    *error = g_strdup (self->ctx && self->ctx->errstr[0]
            ? self->ctx->errstr
            : "Redis connection lost");
  return res;
}

/* lock held: anything a drain should wait for (nothing while Redis is
 * away: state is latest-value, it is sent once Redis is back) */
static gboolean
gst_axion_redis_sink_has_pending (GstAxionQueueSink *qs)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (qs);
  GHashTableIter it;
  CamState *c;

  if (!gst_axion_queue_sink_is_connected (qs))
    return FALSE;
  if (self->events.length > 0 || self->inflight > 0 ||
      self->removals.length > 0)
    return TRUE;
  g_hash_table_iter_init (&it, self->cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &c))
    if (c->dirty)
      return TRUE;
  return FALSE;
}

/* ---- base sink -------------------------------------------------------------
 */

static gboolean
gst_axion_redis_sink_start (GstBaseSink *bs)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (bs);
  GError *err = NULL;
  gchar *url;

  GST_OBJECT_LOCK (self);
  url = g_strdup (self->url);
  GST_OBJECT_UNLOCK (self);
  gst_axion_redis_url_clear (&self->parsed);
  if (!gst_axion_redis_url_parse (url, &self->parsed, &err)) {
    gchar *shown = gst_axion_redis_url_redact (url);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid redis-url \"%s\"", shown ? shown : ""), ("%s", err->message));
    g_free (shown);
    g_error_free (err);
    g_free (url);
    return FALSE;
  }
  g_free (url);
  g_mutex_lock (&self->parent.lock);
  self->commands = self->batches = self->dropped_events = 0;
  self->errors = self->drops_unreported = 0;
  g_mutex_unlock (&self->parent.lock);
  /* connects (a refused configuration fails here) and starts the worker */
  return GST_BASE_SINK_CLASS (parent_class)->start (bs);
}

static gboolean
gst_axion_redis_sink_stop (GstBaseSink *bs)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (bs);
  GHashTableIter it;
  CamState *c;
  gboolean ret;

  /* leaving: the cameras are no longer active (the worker's last flush
   * says so) */
  g_mutex_lock (&self->parent.lock);
  g_hash_table_iter_init (&it, self->cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &c))
    g_queue_push_tail (&self->removals, g_strdup (c->id));
  g_mutex_unlock (&self->parent.lock);
  ret = GST_BASE_SINK_CLASS (parent_class)->stop (bs);
  g_mutex_lock (&self->parent.lock);
  if (self->sent) {
    flush_free (self->sent);
    self->sent = NULL;
  }
  g_hash_table_remove_all (self->cams);
  g_queue_clear_full (&self->events, g_free);
  g_queue_clear_full (&self->removals, g_free);
  self->inflight = 0;
  /* the next run learns its camera again (a TAG event before the new
   * camera-id event must not bring the old camera back online) */
  g_clear_pointer (&self->camera_id, g_free);
  g_mutex_unlock (&self->parent.lock);
  gst_axion_redis_url_clear (&self->parsed);
  return ret;
}

static gboolean
gst_axion_redis_sink_event (GstBaseSink *bs, GstEvent *event)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (bs);
  const gchar *id;

  if (gst_axion_camera_id_event_parse (event, &id, NULL)) {
    g_mutex_lock (&self->parent.lock);
    g_free (self->camera_id);
    self->camera_id = g_strdup (id);
    g_mutex_unlock (&self->parent.lock);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_TAG && self->camera_id) {
    GstTagList *tags;
    guint bitrate = 0;
    gst_event_parse_tag (event, &tags);
    if (gst_tag_list_get_uint (tags, GST_TAG_BITRATE, &bitrate) ||
        gst_tag_list_get_uint (tags, GST_TAG_NOMINAL_BITRATE, &bitrate)) {
      g_mutex_lock (&self->parent.lock);
      cam_get (self, self->camera_id)->bitrate = bitrate;
      cam_get (self, self->camera_id)->dirty = TRUE;
      g_mutex_unlock (&self->parent.lock);
    }
  }
  /* EOS: the base class drains within eos-timeout-ms */
  return GST_BASE_SINK_CLASS (parent_class)->event (bs, event);
}

static gboolean
gst_axion_redis_sink_set_caps (GstBaseSink *bs, GstCaps *caps)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (bs);
  GstVideoInfo vi;

  g_mutex_lock (&self->parent.lock);
  self->have_info = gst_video_info_from_caps (&vi, caps);
  if (self->have_info)
    self->vinfo = vi;
  g_mutex_unlock (&self->parent.lock);
  return TRUE;
}

/* ---- properties -------------------------------------------------------------
 */

static void
gst_axion_redis_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_URL:
    g_free (self->url);
    self->url = g_value_dup_string (value);
    break;
  case PROP_PREFIX: {
    /* "axion:" (the old redis-prefix of other elements) means "axion":
     * the ':' between the prefix and the rest is the sink's */
    gchar *p = g_strdup (g_value_get_string (value));
    gsize n = p ? strlen (p) : 0;
    while (n > 0 && p[n - 1] == ':')
      p[--n] = '\0';
    g_free (self->prefix);
    self->prefix = n ? p : g_strdup (DEFAULT_PREFIX);
    if (!n)
      g_free (p);
    break;
  }
  case PROP_STATE_INTERVAL_MS:
    GST_OBJECT_UNLOCK (self);
    gst_axion_queue_sink_set_flush_interval (
        GST_AXION_QUEUE_SINK (self), g_value_get_uint (value));
    GST_OBJECT_LOCK (self);
    break;
  case PROP_EVENTS_MAXLEN:
    self->events_maxlen = g_value_get_uint (value);
    break;
  case PROP_MAX_PENDING_EVENTS:
    self->max_pending_events = g_value_get_uint (value);
    break;
  case PROP_PUBLISH:
    self->publish = g_value_get_boolean (value);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    self->connect_timeout_ms = g_value_get_uint (value);
    break;
  case PROP_COMMAND_TIMEOUT_MS:
    self->command_timeout_ms = g_value_get_uint (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_redis_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (object);

  if (prop_id == PROP_STATS) {
    GstStructure *st;
    g_mutex_lock (&self->parent.lock);
    st = gst_axion_queue_sink_new_stats (
        GST_AXION_QUEUE_SINK (self), "axionredissink-stats");
    gst_structure_set (st, "commands", G_TYPE_UINT64, self->commands,
        "pipelined-batches", G_TYPE_UINT64, self->batches, "dropped-events",
        G_TYPE_UINT64, self->dropped_events, "pending-events", G_TYPE_UINT,
        self->events.length + self->inflight, "errors", G_TYPE_UINT64,
        self->errors, NULL);
    g_mutex_unlock (&self->parent.lock);
    g_value_take_boxed (value, st);
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_URL:
    g_value_take_string (value, gst_axion_redis_url_redact (self->url));
    break;
  case PROP_PREFIX:
    g_value_set_string (value, self->prefix);
    break;
  case PROP_STATE_INTERVAL_MS:
    GST_OBJECT_UNLOCK (self);
    g_value_set_uint (value,
        gst_axion_queue_sink_get_flush_interval (GST_AXION_QUEUE_SINK (self)));
    GST_OBJECT_LOCK (self);
    break;
  case PROP_EVENTS_MAXLEN:
    g_value_set_uint (value, self->events_maxlen);
    break;
  case PROP_MAX_PENDING_EVENTS:
    g_value_set_uint (value, self->max_pending_events);
    break;
  case PROP_PUBLISH:
    g_value_set_boolean (value, self->publish);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    g_value_set_uint (value, self->connect_timeout_ms);
    break;
  case PROP_COMMAND_TIMEOUT_MS:
    g_value_set_uint (value, self->command_timeout_ms);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_redis_sink_finalize (GObject *object)
{
  GstAxionRedisSink *self = GST_AXION_REDIS_SINK (object);

  g_hash_table_unref (self->cams);
  g_queue_clear_full (&self->events, g_free);
  g_string_free (self->scratch, TRUE);
  g_string_free (self->json, TRUE);
  gst_axion_frame_rate_clear (&self->rate);
  g_queue_clear_full (&self->removals, g_free);
  g_free (self->url);
  g_free (self->prefix);
  g_free (self->camera_id);
  gst_axion_redis_url_clear (&self->parsed);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_redis_sink_init (GstAxionRedisSink *self)
{
  g_queue_init (&self->events);
  g_queue_init (&self->removals);
  self->scratch = g_string_sized_new (1024);
  self->json = g_string_sized_new (1024);
  gst_axion_frame_rate_init (&self->rate);
  self->cams = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify) cam_free);
  self->url = g_strdup (DEFAULT_URL);
  self->prefix = g_strdup (DEFAULT_PREFIX);
  self->events_maxlen = DEFAULT_EVENTS_MAXLEN;
  self->max_pending_events = DEFAULT_MAX_PENDING_EVENTS;
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->command_timeout_ms = DEFAULT_COMMAND_TIMEOUT_MS;
  gst_base_sink_set_async_enabled (GST_BASE_SINK (self), FALSE);
}

static void
gst_axion_redis_sink_class_init (GstAxionRedisSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *bs_class = GST_BASE_SINK_CLASS (klass);
  GstAxionQueueSinkClass *qs_class = GST_AXION_QUEUE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_redis_sink_debug, "axionredissink", 0, "Axion Redis sink");

  gobject_class->set_property = gst_axion_redis_sink_set_property;
  gobject_class->get_property = gst_axion_redis_sink_get_property;
  gobject_class->finalize = gst_axion_redis_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_URL,
      g_param_spec_string ("redis-url", "Redis URL",
          "redis://[user:password@]host[:port][/db] or "
          "unix:///path/redis.sock[?db=N&password=P]; reads back without "
          "credentials",
          DEFAULT_URL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_PREFIX,
      g_param_spec_string ("key-prefix", "Key prefix",
          "Namespace of every key: keys are <prefix>:camera:<id>:state, "
          "<prefix>:events, ... (the ':' is added; a trailing ':' given, as "
          "in the old redis-prefix=\"axion:\", is dropped). Empty: axion",
          DEFAULT_PREFIX,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATE_INTERVAL_MS,
      g_param_spec_uint ("state-interval-ms", "State interval",
          "State, metrics and scene memory are sent at most every this many "
          "milliseconds (events go out with the next send); the same "
          "setting as flush-interval-ms",
          1, 3600000, DEFAULT_STATE_INTERVAL_MS, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_EVENTS_MAXLEN,
      g_param_spec_uint ("events-maxlen", "Event stream length",
          "Approximate length the <prefix>:events stream is trimmed to "
          "(XADD MAXLEN ~)",
          1, G_MAXUINT, DEFAULT_EVENTS_MAXLEN, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_PENDING_EVENTS,
      g_param_spec_uint ("max-pending-events", "Max pending events",
          "Events kept while Redis is away; beyond, the oldest are dropped "
          "(counted in stats, posted as a warning). While Redis is up, more "
          "than this many make the worker send at once",
          1, G_MAXUINT, DEFAULT_MAX_PENDING_EVENTS,
          GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PUBLISH,
      g_param_spec_boolean ("publish", "Publish events",
          "Also PUBLISH each event (its row as JSON) on "
          "<prefix>:events:<camera-id> for pub/sub consumers",
          FALSE, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_CONNECT_TIMEOUT_MS,
      g_param_spec_uint ("connect-timeout-ms", "Connect timeout",
          "Connection timeout in milliseconds", 1, 600000,
          DEFAULT_CONNECT_TIMEOUT_MS, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_COMMAND_TIMEOUT_MS,
      g_param_spec_uint ("command-timeout-ms", "Command timeout",
          "Reply timeout in milliseconds", 1, 600000,
          DEFAULT_COMMAND_TIMEOUT_MS, GST_AXION_PARAM_RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "frames, queued, written, connected, reconnects, dropped, "
          "last-error, cpu-ms, "
          "cpu-ms-per-frame (every Axion sink), commands, pipelined-batches, "
          "dropped-events, pending-events, errors",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Axion Redis sink",
      "Sink/Database",
      "Keeps live camera state, metrics, scene memory and an event stream "
      "in Redis",
      "Axion developers");
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new (
          "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_CAPS_ANY));

  bs_class->start = gst_axion_redis_sink_start;
  bs_class->stop = gst_axion_redis_sink_stop;
  bs_class->render = gst_axion_redis_sink_render;
  bs_class->event = gst_axion_redis_sink_event;
  bs_class->set_caps = gst_axion_redis_sink_set_caps;
  qs_class->connect = gst_axion_redis_sink_connect;
  qs_class->disconnect = gst_axion_redis_sink_disconnect;
  qs_class->flush = gst_axion_redis_sink_flush;
  qs_class->has_pending = gst_axion_redis_sink_has_pending;
  gst_axion_queue_sink_class_set_backoff (qs_class, 200, 10000);
}
