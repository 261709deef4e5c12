/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:gstaxionqueuesink
 * @title: GstAxionQueueSink
 * @short_description: base class of the Axion network sinks
 *
 * The machinery every Axion sink shares, in one place (model:
 * gst-plugins-bad's GstCurlBaseSink, which serves five sinks): render
 * never waits on the network; it hands data to the subclass's queue under
 * #GstAxionQueueSink.lock and returns. A worker thread owned by this class
 *
 * - connects through the subclass's connect() and, while the server is
 *   away, retries with exponential backoff and jitter
 *   (gst_axion_backoff_ms());
 * - calls flush() on every `flush-interval-ms` tick, when render kicks it
 *   (a full batch), at once for a drain (EOS), and one last time at stop;
 * - counts reconnects, the last error, its own CPU time and render's.
 *
 * EOS drains within `eos-timeout-ms` (one name and meaning for every
 * sink). unlock() ends render's waits (gst_axion_queue_sink_wait()), so a
 * pipeline stops while the server is away and the queue is full: the
 * subclass keeps what its policy says (a spool) in its last flush.
 *
 * Rows or events a subclass has to drop are reported with
 * gst_axion_queue_sink_dropped(): counted in stats and always posted as an
 * element warning with the count (at most one a second; what is left is
 * posted at stop), never only a debug line.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionqueuesink.h"
#include "gstaxionbackoff.h"
#include "gstaxioncamera.h"
#include "gstaxioncpu.h"
#include "gstaxionvideoanalyzer.h" /* GST_AXION_PARAM_RW_PLAYING */

#include <pthread.h>
#include <signal.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_axion_queue_sink_debug);
#define GST_CAT_DEFAULT gst_axion_queue_sink_debug

#define DEFAULT_FLUSH_INTERVAL_MS 500
#define DEFAULT_EOS_TIMEOUT_MS 10000
/* drop warnings: at most one per interval, with the count since the last */
#define DROP_WARNING_INTERVAL_US G_USEC_PER_SEC
/* stop(): how long the worker's network work in progress and its last
 * flush may still wait on the server before giving up (the subclass then
 * keeps the work, as in an outage) */
#define STOP_GRACE_US (500 * 1000)
/* a drain whose time ran out: how long it waits more for the worker to
 * give up the flush in progress (so that what it keeps is kept when EOS
 * returns) */
#define DRAIN_GIVE_UP_WAIT_US (2 * G_USEC_PER_SEC)

enum
{
  PROP_0,
  PROP_FLUSH_INTERVAL_MS,
  PROP_EOS_TIMEOUT_MS,
};

typedef struct
{
  /* properties (object lock) */
  guint flush_interval_ms;
  guint eos_timeout_ms;

  /* shared with the streaming thread (lock) */
  GThread *worker;
  gboolean stopping;
  gboolean flushing; /* between unlock() and unlock_stop() */
  gboolean kicked;
  guint drain_seq;  /* drain requests; the worker serves each once */
  guint served_seq; /* the drain request the worker's flush began with */
  guint draining;   /* drain() calls waiting */
  gboolean busy;    /* the worker is in connect() or flush() */
  /* when the worker's network work must be given up (G_MAXINT64: never):
   * stop() and a drain whose time ran out set it */
  gint64 give_up_us;
  gboolean fatal;
  gboolean connected;
  gboolean ever_connected;
  guint64 reconnects;
  gchar *last_error;
  guint64 queued, written; /* items render took / the server confirmed */
  guint64 dropped, dropped_unreported;
  gchar *drop_what, *drop_why; /* of the last drop, for the report at stop */
  gint64 last_drop_warning_us;
  GstAxionCpuMeter render_cpu;
  gint64 worker_cpu_us;
  guint64 frames;

  /* streaming thread: the camera of buffers without one */
  gchar *camera_id;  /* from the camera-id event, else resolved */
  gchar *source_uri; /* the event's */
  guint64 frame_count;

  /* worker thread */
  gboolean up; /* connect() succeeded and no flush lost it since */
  guint backoff;
  gint64 next_connect_us;
} GstAxionQueueSinkPrivate;

#define gst_axion_queue_sink_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE_WITH_CODE (
    GstAxionQueueSink, gst_axion_queue_sink, GST_TYPE_BASE_SINK,
    G_ADD_PRIVATE (GstAxionQueueSink);
    GST_DEBUG_CATEGORY_INIT (gst_axion_queue_sink_debug, "axionqueuesink", 0,
        "Axion network sink base class"));

static void report_dropped (GstAxionQueueSink *sink, gboolean force);

#define PRIV(s)                                                                \
  ((GstAxionQueueSinkPrivate *) gst_axion_queue_sink_get_instance_private (s))

/* ---- connection ---------------------------------------------------------- */

/* lock held */
static void
set_error_locked (GstAxionQueueSinkPrivate *priv, const gchar *msg)
{
  g_free (priv->last_error);
  priv->last_error = g_strdup (msg ? msg : "");
}

static void
mark_down (GstAxionQueueSink *self)
{
  GstAxionQueueSinkPrivate *priv = PRIV (self);
  GstAxionQueueSinkClass *klass = GST_AXION_QUEUE_SINK_GET_CLASS (self);

  if (klass->disconnect)
    klass->disconnect (self);
  priv->up = FALSE;
  g_mutex_lock (&self->lock);
  priv->connected = FALSE;
  g_mutex_unlock (&self->lock);
}

/* worker (or start): an outage; the next attempt after a backoff delay */
static void
retry_later (GstAxionQueueSink *self, const gchar *err)
{
  GstAxionQueueSinkPrivate *priv = PRIV (self);
  GstAxionQueueSinkClass *klass = GST_AXION_QUEUE_SINK_GET_CLASS (self);
  gint64 delay = gst_axion_backoff_ms (
      priv->backoff++, klass->backoff_base_ms, klass->backoff_max_ms);

  g_mutex_lock (&self->lock);
  set_error_locked (priv, err);
  g_mutex_unlock (&self->lock);
  GST_WARNING_OBJECT (self, "%s; next attempt in %" G_GINT64_FORMAT " ms",
      err ? err : "server unreachable", delay);
  priv->next_connect_us = g_get_monotonic_time () + delay * 1000;
}

/* Connects unless connected; at most one attempt per backoff delay unless
 * @force. Returns whether the server is reachable now. */
static gboolean
ensure_connected (GstAxionQueueSink *self, gboolean force)
{
  GstAxionQueueSinkPrivate *priv = PRIV (self);
  GstAxionQueueSinkClass *klass = GST_AXION_QUEUE_SINK_GET_CLASS (self);
  GstAxionSinkResult r;
  gchar *err = NULL;

  if (priv->up)
    return TRUE;
  if (priv->fatal) /* a refused configuration is not tried again */
    return FALSE;
  if (!force && g_get_monotonic_time () < priv->next_connect_us)
    return FALSE;
  r = klass->connect (self, &err);
  if (r == GST_AXION_SINK_OK) {
    g_mutex_lock (&self->lock);
    if (priv->ever_connected)
      priv->reconnects++;
    priv->ever_connected = TRUE;
    priv->connected = TRUE;
    g_mutex_unlock (&self->lock);
    priv->up = TRUE;
    priv->backoff = 0;
    GST_INFO_OBJECT (self, "connected");
  } else if (r == GST_AXION_SINK_LOST) {
    if (klass->disconnect)
      klass->disconnect (self);
    retry_later (self, err);
  } else {
    g_mutex_lock (&self->lock);
    priv->fatal = TRUE;
    set_error_locked (priv, err);
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  }
  g_free (err);
  return r == GST_AXION_SINK_OK;
}

/* ---- worker -------------------------------------------------------------- */

/* lock held: the kind of flush due now, or -1 (then *wake_us: when) */
static gint
next_flush (GstAxionQueueSink *self, gint64 *next_tick, gint64 *wake_us,
    gboolean *force)
{
  GstAxionQueueSinkPrivate *priv = PRIV (self);
  gint64 now = g_get_monotonic_time (), interval_us;
  gboolean new_drain = priv->drain_seq != priv->served_seq;

  GST_OBJECT_LOCK (self);
  interval_us = (gint64) priv->flush_interval_ms * 1000;
  GST_OBJECT_UNLOCK (self);
  /* a shorter interval set while waiting takes effect at once */
  if (*next_tick - now > interval_us)
    *next_tick = now + interval_us;
  *force = priv->stopping || new_drain;
  if (priv->stopping)
    return GST_AXION_FLUSH_FINAL;
  if (priv->fatal) { /* nothing more is written: wait for stop */
    *wake_us = now + G_USEC_PER_SEC;
    return -1;
  }
  if (!new_drain && !priv->kicked && now < *next_tick) {
    *wake_us = *next_tick;
    return -1;
  }
  priv->served_seq = priv->drain_seq;
  priv->kicked = FALSE;
  if (now >= *next_tick)
    *next_tick = now + interval_us;
  return priv->draining ? GST_AXION_FLUSH_DRAIN : GST_AXION_FLUSH_TICK;
}

static gpointer
worker_main (GstAxionQueueSink *self)
{
  GstAxionQueueSinkPrivate *priv = PRIV (self);
  GstAxionQueueSinkClass *klass = GST_AXION_QUEUE_SINK_GET_CLASS (self);
  sigset_t pipe_set;
  /* the first tick one interval after start (rows rendered right after
   * start wait for it, as all others) */
  gint64 next_tick = g_get_monotonic_time () +
      gst_axion_queue_sink_get_flush_interval (self) * (gint64) 1000;

  /* a write to a socket the server closed raises SIGPIPE, which would kill
   * the process: keep it blocked on this thread (writes fail with EPIPE) */
  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe_set, NULL);

  g_mutex_lock (&self->lock);
  while (TRUE) {
    gint64 wake_us = 0;
    gboolean force, online;
    gint kind;
    GstAxionSinkResult r;
    gchar *err = NULL;

    priv->worker_cpu_us = gst_axion_thread_cpu_us ();
    kind = next_flush (self, &next_tick, &wake_us, &force);
    if (kind < 0) {
      g_cond_wait_until (&self->cond, &self->lock, wake_us);
      continue;
    }
    priv->busy = TRUE;
    g_mutex_unlock (&self->lock);

    online = ensure_connected (self, force);
    r = klass->flush (self, kind, online, &err);
    if (r == GST_AXION_SINK_LOST) {
      mark_down (self);
      retry_later (self, err);
    }
    g_free (err);

    /* a drop within a second of the last warning is posted now, not at
     * the next drop (which may be hours away) */
    report_dropped (self, FALSE);
    g_mutex_lock (&self->lock);
    if (r == GST_AXION_SINK_FATAL)
      priv->fatal = TRUE;
    priv->busy = FALSE;
    /* a drain that gave up meant the flush that was in progress */
    if (!priv->stopping)
      priv->give_up_us = G_MAXINT64;
    g_cond_broadcast (&self->cond);
    if (kind == GST_AXION_FLUSH_FINAL)
      break;
  }
  priv->worker_cpu_us = gst_axion_thread_cpu_us ();
  g_mutex_unlock (&self->lock);
  if (priv->up)
    mark_down (self);
  return NULL;
}

/* ---- API for subclasses -------------------------------------------------- */

/**
 * gst_axion_queue_sink_class_set_backoff:
 * @klass: a sink class
 * @base_ms: delay before the first reconnect attempt
 * @max_ms: longest delay
 *
 * Sets the reconnect backoff of the class (gst_axion_backoff_ms()).
 */
void
gst_axion_queue_sink_class_set_backoff (
    GstAxionQueueSinkClass *klass, guint base_ms, guint max_ms)
{
  klass->backoff_base_ms = base_ms;
  klass->backoff_max_ms = MAX (base_ms, max_ms);
}

/**
 * gst_axion_queue_sink_kick:
 * @sink: a sink
 *
 * Lock held: asks the worker for a flush now (a full batch), without
 * waiting for the tick.
 */
void
gst_axion_queue_sink_kick (GstAxionQueueSink *sink)
{
  PRIV (sink)->kicked = TRUE;
  g_cond_broadcast (&sink->cond);
}

/**
 * gst_axion_queue_sink_wait:
 * @sink: a sink
 * @until_us: monotonic time to wait until at most
 *
 * Lock held, from render (the preroll lock held too): render's
 * back-pressure wait, ended by any change signalled on
 * #GstAxionQueueSink.cond, by unlock() and by stop. After an unlock() for
 * a pause (PLAYING to PAUSED) it waits in gst_base_sink_wait_preroll()
 * until PLAYING again (then returns %GST_FLOW_OK: the caller checks its
 * condition again), as GstBaseSink asks of a render that blocks:
 * returning FLUSHING there would stop the upstream task for good.
 *
 * Returns: %GST_FLOW_FLUSHING when render must return (flushing, stop),
 *   else %GST_FLOW_OK
 */
GstFlowReturn
gst_axion_queue_sink_wait (GstAxionQueueSink *sink, gint64 until_us)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);
  GstFlowReturn ret;

  if (priv->stopping)
    return GST_FLOW_FLUSHING;
  if (!priv->flushing) {
    g_cond_wait_until (&sink->cond, &sink->lock, until_us);
    if (!priv->flushing)
      return priv->stopping ? GST_FLOW_FLUSHING : GST_FLOW_OK;
  }
  g_mutex_unlock (&sink->lock);
  ret = gst_base_sink_wait_preroll (GST_BASE_SINK (sink));
  g_mutex_lock (&sink->lock);
  return ret == GST_FLOW_OK && !priv->stopping ? GST_FLOW_OK
                                               : GST_FLOW_FLUSHING;
}

/**
 * gst_axion_queue_sink_drain:
 * @sink: a sink
 * @timeout_ms: how long to wait at most
 *
 * No lock held: asks for a flush now and waits until the subclass has
 * nothing pending (has_pending()), a fatal error, or @timeout_ms. While
 * the server is away the worker keeps reconnecting (with backoff) until
 * the timeout.
 *
 * Returns: whether nothing is pending
 */
gboolean
gst_axion_queue_sink_drain (GstAxionQueueSink *sink, guint timeout_ms)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);
  GstAxionQueueSinkClass *klass = GST_AXION_QUEUE_SINK_GET_CLASS (sink);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean done;
  guint seq;

  g_mutex_lock (&sink->lock);
  seq = ++priv->drain_seq;
  priv->draining++;
  g_cond_broadcast (&sink->cond);
  while (TRUE) {
    /* done once the worker served this request and nothing is left */
    done = !priv->busy && priv->served_seq - seq < G_MAXUINT / 2 &&
        !klass->has_pending (sink);
    if (done || priv->fatal || priv->worker == NULL || priv->flushing)
      break;
    if (!g_cond_wait_until (&sink->cond, &sink->lock, until)) {
      /* out of time: the worker gives up what it waits for on the server
       * (a server that hangs), and the subclass keeps it (a spool) */
      gint64 end = g_get_monotonic_time () + DRAIN_GIVE_UP_WAIT_US;
      if (priv->busy) {
        priv->give_up_us = MIN (priv->give_up_us, g_get_monotonic_time ());
        g_cond_broadcast (&sink->cond);
        while (priv->busy && g_cond_wait_until (&sink->cond, &sink->lock, end))
          ;
      }
      break;
    }
  }
  priv->draining--;
  g_mutex_unlock (&sink->lock);
  return done;
}

/**
 * gst_axion_queue_sink_is_connected:
 * @sink: a sink
 *
 * Lock held.
 *
 * Returns: whether the last connection attempt succeeded and no flush lost
 *   the connection since
 */
gboolean
gst_axion_queue_sink_is_connected (GstAxionQueueSink *sink)
{
  return PRIV (sink)->connected;
}

/**
 * gst_axion_queue_sink_is_stopping:
 * @sink: a sink
 *
 * Lock held.
 *
 * Returns: whether the element is stopping (the worker's last flush is due)
 */
gboolean
gst_axion_queue_sink_is_stopping (GstAxionQueueSink *sink)
{
  return PRIV (sink)->stopping;
}

/**
 * gst_axion_queue_sink_give_up_time:
 * @sink: a sink
 *
 * No lock held (worker thread): when the subclass must give up the
 * network operation in progress, in g_get_monotonic_time() microseconds:
 * %G_MAXINT64 normally; once stop() began, half a second after it (the
 * last flush may write within that time, never longer); when a drain
 * (EOS) ran out of `eos-timeout-ms`, at once, for the flush in progress.
 * Giving up means closing the connection without waiting on the server
 * and keeping the work as in an outage (returning %GST_AXION_SINK_LOST).
 * A subclass whose every wait on the server is bounded by this never
 * holds EOS or a state change on a server that hangs.
 *
 * Returns: the time
 */
gint64
gst_axion_queue_sink_give_up_time (GstAxionQueueSink *sink)
{
  gint64 t;

  g_mutex_lock (&sink->lock);
  t = PRIV (sink)->give_up_us;
  g_mutex_unlock (&sink->lock);
  return t;
}

/**
 * gst_axion_queue_sink_get_flush_interval:
 * @sink: a sink
 *
 * Returns: flush-interval-ms
 */
guint
gst_axion_queue_sink_get_flush_interval (GstAxionQueueSink *sink)
{
  guint ms;

  GST_OBJECT_LOCK (sink);
  ms = PRIV (sink)->flush_interval_ms;
  GST_OBJECT_UNLOCK (sink);
  return ms;
}

/**
 * gst_axion_queue_sink_set_flush_interval:
 * @sink: a sink
 * @interval_ms: the new interval
 *
 * Sets flush-interval-ms (for a subclass's alias property).
 */
void
gst_axion_queue_sink_set_flush_interval (
    GstAxionQueueSink *sink, guint interval_ms)
{
  GST_OBJECT_LOCK (sink);
  PRIV (sink)->flush_interval_ms = MAX (interval_ms, 1);
  GST_OBJECT_UNLOCK (sink);
  g_mutex_lock (&sink->lock);
  g_cond_broadcast (&sink->cond);
  g_mutex_unlock (&sink->lock);
}

/**
 * gst_axion_queue_sink_set_error:
 * @sink: a sink
 * @msg: what went wrong (no secrets)
 *
 * No lock held: the last-error of the stats.
 */
void
gst_axion_queue_sink_set_error (GstAxionQueueSink *sink, const gchar *msg)
{
  g_mutex_lock (&sink->lock);
  set_error_locked (PRIV (sink), msg);
  g_mutex_unlock (&sink->lock);
}

/* no lock held: posts what was dropped and not yet reported */
static void
report_dropped (GstAxionQueueSink *sink, gboolean force)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);
  gint64 now = g_get_monotonic_time ();
  guint64 n = 0, total = 0;
  gchar *what = NULL, *why = NULL;

  g_mutex_lock (&sink->lock);
  if (priv->dropped_unreported > 0 &&
      (force || now - priv->last_drop_warning_us >= DROP_WARNING_INTERVAL_US)) {
    n = priv->dropped_unreported;
    total = priv->dropped;
    priv->dropped_unreported = 0;
    priv->last_drop_warning_us = now;
    what = g_strdup (priv->drop_what);
    why = g_strdup (priv->drop_why);
  }
  g_mutex_unlock (&sink->lock);
  if (n > 0)
    GST_ELEMENT_WARNING (sink, RESOURCE, WRITE,
        ("%" G_GUINT64_FORMAT " %s dropped (%" G_GUINT64_FORMAT " in all)", n,
            what ? what : "items", total),
        ("%s", why ? why : ""));
  g_free (what);
  g_free (why);
}

/**
 * gst_axion_queue_sink_dropped:
 * @sink: a sink
 * @n: how many were dropped
 * @what: their name, plural ("rows", "events")
 * @why: the reason and what to change so it does not happen
 *
 * No lock held: counts @n dropped items in the stats and posts an element
 * warning with the count, at most one a second (the count since the last
 * one); what is left unreported is posted at stop.
 */
void
gst_axion_queue_sink_dropped (
    GstAxionQueueSink *sink, guint64 n, const gchar *what, const gchar *why)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);

  if (n == 0)
    return;
  g_mutex_lock (&sink->lock);
  priv->dropped += n;
  priv->dropped_unreported += n;
  if (g_strcmp0 (priv->drop_what, what) != 0) {
    g_free (priv->drop_what);
    priv->drop_what = g_strdup (what);
  }
  if (g_strcmp0 (priv->drop_why, why) != 0) {
    g_free (priv->drop_why);
    priv->drop_why = g_strdup (why);
  }
  g_mutex_unlock (&sink->lock);
  GST_DEBUG_OBJECT (sink, "%" G_GUINT64_FORMAT " %s dropped: %s", n, what, why);
  report_dropped (sink, FALSE);
}

/**
 * gst_axion_queue_sink_count:
 * @sink: a sink
 * @queued: items render took (rows, events)
 * @written: items the server confirmed
 *
 * Lock held: adds to the `queued` and `written` stats.
 */
void
gst_axion_queue_sink_count (
    GstAxionQueueSink *sink, guint64 queued, guint64 written)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);

  priv->queued += queued;
  priv->written += written;
}

/**
 * gst_axion_queue_sink_render_begin:
 * @sink: a sink
 *
 * Streaming thread, no lock held: starts timing render's CPU.
 */
void
gst_axion_queue_sink_render_begin (GstAxionQueueSink *sink)
{
  gst_axion_cpu_meter_begin (&PRIV (sink)->render_cpu);
}

/**
 * gst_axion_queue_sink_render_end:
 * @sink: a sink
 *
 * Streaming thread, lock held: ends timing render's CPU and counts a
 * frame.
 */
void
gst_axion_queue_sink_render_end (GstAxionQueueSink *sink)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);

  gst_axion_cpu_meter_end (&priv->render_cpu);
  priv->frames++;
}

/**
 * gst_axion_queue_sink_frame:
 * @sink: a sink
 * @buf: the buffer render got
 * @filled: (out) (optional): whether the frame meta had to be completed
 *
 * Streaming thread, no lock held: the buffer whose metas render writes.
 * A buffer whose frame meta has a camera id is @buf itself. One without
 * (no Axion element upstream, or a frame meta without a camera id) is
 * never skipped: the sink completes a copy of its metas (no memory) as
 * the first Axion element would have: the camera id from the camera-id
 * event, else gst_axion_camera_id_resolve() (posted once on the bus: what
 * the rows are filed under and that camera-id sets it); a frame number
 * counted by the sink and the capture time when missing.
 *
 * Returns: (transfer full): @buf (a new reference), or the completed copy
 */
GstBuffer *
gst_axion_queue_sink_frame (
    GstAxionQueueSink *sink, GstBuffer *buf, gboolean *filled)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);
  GstAxionFrameMeta *meta = gst_buffer_get_axion_frame_meta (buf);
  GstBuffer *out;

  if (filled)
    *filled = FALSE;
  if (meta && gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAMERA))
    return gst_buffer_ref (buf);
  if (filled)
    *filled = TRUE;
  if (priv->camera_id == NULL)
    priv->camera_id = gst_axion_camera_id_resolve (
        GST_ELEMENT (sink), GST_BASE_SINK_PAD (sink), &priv->source_uri);
  out = gst_buffer_new ();
  gst_buffer_copy_into (out, buf, GST_BUFFER_COPY_METADATA, 0, -1);
  meta = gst_buffer_get_or_add_axion_frame_meta (out);
  gst_axion_frame_meta_set_camera_id (meta, priv->camera_id);
  if (!gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_NUMBER))
    gst_axion_frame_meta_set_frame_number (meta, priv->frame_count);
  priv->frame_count++;
  if (!gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME)) {
    GstAxionCaptureTimeSource src;
    gint64 t = gst_axion_capture_time_us (
        buf, GST_ELEMENT (sink), &GST_BASE_SINK (sink)->segment, &src);
    gst_axion_frame_meta_set_capture_time (meta, t, src);
  }
  return out;
}

/**
 * gst_axion_queue_sink_new_stats:
 * @sink: a sink
 * @name: the structure's name
 *
 * Lock held: the stats fields every sink has: `frames` (rendered),
 * `queued` (items render took), `written` (items the server confirmed),
 * `connected`, `reconnects`, `dropped` (items dropped, all kinds),
 * `last-error`, `cpu-ms` (render and worker thread CPU), `cpu-ms-per-frame`.
 *
 * Returns: (transfer full): a new structure the subclass adds to
 */
GstStructure *
gst_axion_queue_sink_new_stats (GstAxionQueueSink *sink, const gchar *name)
{
  GstAxionQueueSinkPrivate *priv = PRIV (sink);
  gdouble cpu_ms = (priv->render_cpu.cpu_us + priv->worker_cpu_us) / 1000.0;

  return gst_structure_new (name, "frames", G_TYPE_UINT64, priv->frames,
      "queued", G_TYPE_UINT64, priv->queued, "written", G_TYPE_UINT64,
      priv->written, "connected", G_TYPE_BOOLEAN, priv->connected, "reconnects",
      G_TYPE_UINT64, priv->reconnects, "dropped", G_TYPE_UINT64, priv->dropped,
      "last-error", G_TYPE_STRING, priv->last_error ? priv->last_error : "",
      "cpu-ms", G_TYPE_DOUBLE, cpu_ms, "cpu-ms-per-frame", G_TYPE_DOUBLE,
      priv->frames ? cpu_ms / priv->frames : 0.0, NULL);
}

/* ---- GstBaseSink ----------------------------------------------------------
 */

static gboolean
gst_axion_queue_sink_start (GstBaseSink *bs)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (bs);
  GstAxionQueueSinkPrivate *priv = PRIV (self);

  g_mutex_lock (&self->lock);
  /* (kicked is kept: a subclass may ask for a flush at once before) */
  priv->stopping = priv->flushing = priv->fatal = FALSE;
  priv->busy = FALSE;
  priv->give_up_us = G_MAXINT64;
  priv->draining = 0;
  priv->served_seq = priv->drain_seq;
  priv->connected = priv->ever_connected = FALSE;
  priv->reconnects = priv->dropped = priv->dropped_unreported = 0;
  priv->queued = priv->written = 0;
  priv->last_drop_warning_us = 0;
  memset (&priv->render_cpu, 0, sizeof (priv->render_cpu));
  priv->worker_cpu_us = 0;
  priv->frames = 0;
  g_clear_pointer (&priv->last_error, g_free);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&priv->camera_id, g_free);
  g_clear_pointer (&priv->source_uri, g_free);
  priv->frame_count = 0;
  priv->up = FALSE;
  priv->backoff = 0;
  priv->next_connect_us = 0;

  /* a configuration the server refuses fails the state change */
  if (!ensure_connected (self, TRUE) && priv->fatal) {
    GstAxionQueueSinkClass *klass = GST_AXION_QUEUE_SINK_GET_CLASS (self);
    if (klass->disconnect)
      klass->disconnect (self);
    return FALSE;
  }
  priv->worker = g_thread_new (
      GST_OBJECT_NAME (self), (GThreadFunc) worker_main, self);
  return TRUE;
}

static gboolean
gst_axion_queue_sink_stop (GstBaseSink *bs)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (bs);
  GstAxionQueueSinkPrivate *priv = PRIV (self);
  GThread *worker;

  g_mutex_lock (&self->lock);
  priv->stopping = TRUE;
  /* the last flush has STOP_GRACE_US; nothing waits longer on a server
   * that hangs */
  priv->give_up_us = MIN (
      priv->give_up_us, g_get_monotonic_time () + STOP_GRACE_US);
  worker = priv->worker;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (worker) {
    g_thread_join (worker);
    g_mutex_lock (&self->lock);
    priv->worker = NULL;
    g_mutex_unlock (&self->lock);
  } else if (priv->up) {
    mark_down (self);
  }
  report_dropped (self, TRUE);
  GST_INFO_OBJECT (self,
      "CPU per frame over %" G_GUINT64_FORMAT " frames: render %.4f ms, "
      "worker %.4f ms",
      priv->frames,
      priv->frames ? priv->render_cpu.cpu_us / 1000.0 / priv->frames : 0.0,
      priv->frames ? priv->worker_cpu_us / 1000.0 / priv->frames : 0.0);
  return TRUE;
}

static gboolean
gst_axion_queue_sink_unlock (GstBaseSink *bs)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (bs);

  g_mutex_lock (&self->lock);
  PRIV (self)->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_axion_queue_sink_unlock_stop (GstBaseSink *bs)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (bs);

  g_mutex_lock (&self->lock);
  PRIV (self)->flushing = FALSE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_axion_queue_sink_event (GstBaseSink *bs, GstEvent *event)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (bs);
  const gchar *id, *uri;

  /* the camera of buffers that come without one */
  if (gst_axion_camera_id_event_parse (event, &id, &uri)) {
    GstAxionQueueSinkPrivate *priv = PRIV (self);
    g_free (priv->camera_id);
    priv->camera_id = g_strdup (id);
    g_free (priv->source_uri);
    priv->source_uri = g_strdup (uri);
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    guint timeout;

    GST_OBJECT_LOCK (self);
    timeout = PRIV (self)->eos_timeout_ms;
    GST_OBJECT_UNLOCK (self);
    if (!gst_axion_queue_sink_drain (self, timeout))
      GST_WARNING_OBJECT (self,
          "EOS: not everything was written within eos-timeout-ms (%u ms); "
          "the rest stays queued",
          timeout);
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bs, event);
}

/* ---- GObject -------------------------------------------------------------
 */

static void
gst_axion_queue_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (object);

  switch (prop_id) {
  case PROP_FLUSH_INTERVAL_MS:
    gst_axion_queue_sink_set_flush_interval (self, g_value_get_uint (value));
    break;
  case PROP_EOS_TIMEOUT_MS:
    GST_OBJECT_LOCK (self);
    PRIV (self)->eos_timeout_ms = g_value_get_uint (value);
    GST_OBJECT_UNLOCK (self);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

static void
gst_axion_queue_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_FLUSH_INTERVAL_MS:
    g_value_set_uint (value, PRIV (self)->flush_interval_ms);
    break;
  case PROP_EOS_TIMEOUT_MS:
    g_value_set_uint (value, PRIV (self)->eos_timeout_ms);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_queue_sink_finalize (GObject *object)
{
  GstAxionQueueSink *self = GST_AXION_QUEUE_SINK (object);

  g_free (PRIV (self)->last_error);
  g_free (PRIV (self)->drop_what);
  g_free (PRIV (self)->drop_why);
  g_free (PRIV (self)->camera_id);
  g_free (PRIV (self)->source_uri);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_queue_sink_init (GstAxionQueueSink *self)
{
  GstAxionQueueSinkPrivate *priv = PRIV (self);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  priv->flush_interval_ms = DEFAULT_FLUSH_INTERVAL_MS;
  priv->eos_timeout_ms = DEFAULT_EOS_TIMEOUT_MS;
  priv->give_up_us = G_MAXINT64;
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

static void
gst_axion_queue_sink_class_init (GstAxionQueueSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBaseSinkClass *bs_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->set_property = gst_axion_queue_sink_set_property;
  gobject_class->get_property = gst_axion_queue_sink_get_property;
  gobject_class->finalize = gst_axion_queue_sink_finalize;

  /**
   * GstAxionQueueSink:flush-interval-ms:
   *
   * Milliseconds between the worker's writes of what is pending (the
   * longest a row or state change waits before it is sent, unless a batch
   * fills first). EOS and stop write at once.
   */
  g_object_class_install_property (gobject_class, PROP_FLUSH_INTERVAL_MS,
      g_param_spec_uint ("flush-interval-ms", "Flush interval",
          "Milliseconds between writes of what is pending (EOS and stop "
          "write at once)",
          1, 3600000, DEFAULT_FLUSH_INTERVAL_MS, GST_AXION_PARAM_RW_PLAYING));
  /**
   * GstAxionQueueSink:eos-timeout-ms:
   *
   * How long EOS waits at most for everything pending to be written. What
   * is left stays where the element keeps it (a spool, or memory).
   */
  g_object_class_install_property (gobject_class, PROP_EOS_TIMEOUT_MS,
      g_param_spec_uint ("eos-timeout-ms", "EOS timeout",
          "Milliseconds EOS waits at most for pending data to be written "
          "(the server being away); what is left stays queued or spooled",
          0, G_MAXUINT, DEFAULT_EOS_TIMEOUT_MS, GST_AXION_PARAM_RW_PLAYING));

  bs_class->start = GST_DEBUG_FUNCPTR (gst_axion_queue_sink_start);
  bs_class->stop = GST_DEBUG_FUNCPTR (gst_axion_queue_sink_stop);
  bs_class->unlock = GST_DEBUG_FUNCPTR (gst_axion_queue_sink_unlock);
  bs_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_axion_queue_sink_unlock_stop);
  bs_class->event = GST_DEBUG_FUNCPTR (gst_axion_queue_sink_event);

  klass->backoff_base_ms = 200;
  klass->backoff_max_ms = 10000;
}
