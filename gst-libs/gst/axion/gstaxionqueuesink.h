/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_QUEUE_SINK_H__
#define __GST_AXION_QUEUE_SINK_H__

#include <gst/axion/axion-prelude.h>
#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_QUEUE_SINK (gst_axion_queue_sink_get_type ())
#define GST_AXION_QUEUE_SINK(obj)                                              \
  (G_TYPE_CHECK_INSTANCE_CAST (                                                \
      (obj), GST_TYPE_AXION_QUEUE_SINK, GstAxionQueueSink))
#define GST_AXION_QUEUE_SINK_CLASS(klass)                                      \
  (G_TYPE_CHECK_CLASS_CAST (                                                   \
      (klass), GST_TYPE_AXION_QUEUE_SINK, GstAxionQueueSinkClass))
#define GST_AXION_QUEUE_SINK_GET_CLASS(obj)                                    \
  (G_TYPE_INSTANCE_GET_CLASS (                                                 \
      (obj), GST_TYPE_AXION_QUEUE_SINK, GstAxionQueueSinkClass))
#define GST_IS_AXION_QUEUE_SINK(obj)                                           \
  (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_AXION_QUEUE_SINK))

typedef struct _GstAxionQueueSink GstAxionQueueSink;
typedef struct _GstAxionQueueSinkClass GstAxionQueueSinkClass;

GST_AXION_API
GType gst_axion_queue_sink_get_type (void);

/**
 * GstAxionFlushKind:
 * @GST_AXION_FLUSH_TICK: the flush-interval-ms tick, or a kick: write what
 *   is due, results may be read at the next flush
 * @GST_AXION_FLUSH_DRAIN: EOS or a drain: write everything now and confirm
 *   it before returning
 * @GST_AXION_FLUSH_FINAL: the element stops: the last flush; what cannot be
 *   written goes where the subclass keeps it (a spool), or is counted with
 *   gst_axion_queue_sink_dropped()
 */
typedef enum
{
  GST_AXION_FLUSH_TICK,
  GST_AXION_FLUSH_DRAIN,
  GST_AXION_FLUSH_FINAL,
} GstAxionFlushKind;

/**
 * GstAxionSinkResult:
 * @GST_AXION_SINK_OK: done
 * @GST_AXION_SINK_LOST: the server went away (an outage): the base class
 *   disconnects and reconnects with backoff; the subclass kept the work
 * @GST_AXION_SINK_FATAL: a configuration error the subclass posted as an
 *   element error: nothing is retried
 */
typedef enum
{
  GST_AXION_SINK_OK,
  GST_AXION_SINK_LOST,
  GST_AXION_SINK_FATAL,
} GstAxionSinkResult;

/**
 * GstAxionQueueSink:
 * @lock: protects the subclass's queue and state shared between the
 *   streaming thread and the worker, and the base class's fields
 * @cond: signalled on every change a waiter may care for
 *
 * Base class of the Axion network sinks (model: gst-plugins-bad's
 * GstCurlBaseSink): render hands data to a worker thread of the base
 * class, which connects (with backoff and jitter), writes on every
 * flush-interval-ms tick or kick, drains at EOS within eos-timeout-ms,
 * and ends render's waits on unlock().
 */
struct _GstAxionQueueSink
{
  GstBaseSink parent;

  /*< protected >*/
  GMutex lock;
  GCond cond;

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

/**
 * GstAxionQueueSinkClass:
 * @connect: worker thread, no lock held: connect to the server. Returns
 *   %GST_AXION_SINK_OK, %GST_AXION_SINK_LOST (unreachable: retried with
 *   backoff; set @error to the reason) or %GST_AXION_SINK_FATAL (posted as
 *   an element error by the subclass). Also called from start().
 * @disconnect: worker thread (or start/stop), no lock held
 * @flush: worker thread, no lock held: write what is pending. @online
 *   tells whether connect() succeeded for this flush (when not, the
 *   subclass may keep or spool its work). Returns %GST_AXION_SINK_LOST
 *   when the connection broke (set @error).
 * @has_pending: lock held: whether anything waits to be written (a drain
 *   waits until this is %FALSE)
 */
struct _GstAxionQueueSinkClass
{
  GstBaseSinkClass parent_class;

  GstAxionSinkResult (*connect) (GstAxionQueueSink *sink, gchar **error);
  void (*disconnect) (GstAxionQueueSink *sink);
  GstAxionSinkResult (*flush) (GstAxionQueueSink *sink, GstAxionFlushKind kind,
      gboolean online, gchar **error);
  gboolean (*has_pending) (GstAxionQueueSink *sink);

  /*< private >*/
  guint backoff_base_ms, backoff_max_ms;
  gpointer _gst_reserved[GST_PADDING];
};

GST_AXION_API
void gst_axion_queue_sink_class_set_backoff (
    GstAxionQueueSinkClass *klass, guint base_ms, guint max_ms);

GST_AXION_API
void gst_axion_queue_sink_kick (GstAxionQueueSink *sink);

GST_AXION_API
GstFlowReturn
gst_axion_queue_sink_wait (GstAxionQueueSink *sink, gint64 until_us);

GST_AXION_API
gboolean gst_axion_queue_sink_drain (GstAxionQueueSink *sink, guint timeout_ms);

GST_AXION_API
gboolean gst_axion_queue_sink_is_connected (GstAxionQueueSink *sink);

GST_AXION_API
gboolean gst_axion_queue_sink_is_stopping (GstAxionQueueSink *sink);

GST_AXION_API
gint64 gst_axion_queue_sink_give_up_time (GstAxionQueueSink *sink);

GST_AXION_API
guint gst_axion_queue_sink_get_flush_interval (GstAxionQueueSink *sink);

GST_AXION_API
void gst_axion_queue_sink_set_flush_interval (
    GstAxionQueueSink *sink, guint interval_ms);

GST_AXION_API
void gst_axion_queue_sink_set_error (GstAxionQueueSink *sink, const gchar *msg);

GST_AXION_API
void gst_axion_queue_sink_dropped (
    GstAxionQueueSink *sink, guint64 n, const gchar *what, const gchar *why);

GST_AXION_API
void gst_axion_queue_sink_count (
    GstAxionQueueSink *sink, guint64 queued, guint64 written);

GST_AXION_API
void gst_axion_queue_sink_render_begin (GstAxionQueueSink *sink);

GST_AXION_API
void gst_axion_queue_sink_render_end (GstAxionQueueSink *sink);

GST_AXION_API
GstBuffer *gst_axion_queue_sink_frame (
    GstAxionQueueSink *sink, GstBuffer *buf, gboolean *filled);

GST_AXION_API
GstStructure *
gst_axion_queue_sink_new_stats (GstAxionQueueSink *sink, const gchar *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstAxionQueueSink, gst_object_unref)

G_END_DECLS

#endif /* __GST_AXION_QUEUE_SINK_H__ */
