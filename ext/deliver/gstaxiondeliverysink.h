/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_DELIVERY_SINK_H__
#define __GST_AXION_DELIVERY_SINK_H__

#include "axiondeliveryqueue.h"
#include "axionreceipts.h"

#include <gst/axion/axion.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_DELIVERY_SINK (gst_axion_delivery_sink_get_type ())
#define GST_AXION_DELIVERY_SINK(obj)                                           \
  (G_TYPE_CHECK_INSTANCE_CAST (                                                \
      (obj), GST_TYPE_AXION_DELIVERY_SINK, GstAxionDeliverySink))
#define GST_AXION_DELIVERY_SINK_CLASS(klass)                                   \
  (G_TYPE_CHECK_CLASS_CAST (                                                   \
      (klass), GST_TYPE_AXION_DELIVERY_SINK, GstAxionDeliverySinkClass))
#define GST_AXION_DELIVERY_SINK_GET_CLASS(obj)                                 \
  (G_TYPE_INSTANCE_GET_CLASS (                                                 \
      (obj), GST_TYPE_AXION_DELIVERY_SINK, GstAxionDeliverySinkClass))

typedef struct _GstAxionDeliverySink GstAxionDeliverySink;
typedef struct _GstAxionDeliverySinkClass GstAxionDeliverySinkClass;

GType gst_axion_delivery_sink_get_type (void);

/**
 * GstAxionDeliverySink:
 *
 * The base of the sinks that deliver alerts and events to people's
 * systems (axionmqttsink, axionwebhooksink): render turns a buffer into
 * messages (the subclass's collect) on a bounded pending queue; the
 * worker delivers them (the subclass's deliver); what is not delivered
 * waits in the §2.6 queues (Redis, or a local spool) and is retried with
 * backoff; alerts delivered are marked notified in PostgreSQL.
 */
struct _GstAxionDeliverySink
{
  GstAxionQueueSink parent;

  /*< protected >*/
  /* properties: object lock */
  gchar *redis_url, *key_prefix, *spool_dir, *conninfo;
  guint max_attempts, retry_base_ms, retry_max_ms, max_queue;

  /* parent.lock */
  GQueue pending; /* AxionDeliveryMsg from render */
  guint inflight_n;
  guint64 sent, retried, failed, dead, depth;

  /* worker only (and start/stop) */
  AxionDeliveryQueue *dq;
  AxionReceipts *receipts; /* alerts rows to mark as notified */
  gint64 next_retry_poll_us;

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

/* The common properties' ids: a subclass numbers its own below this, and
 * hands the rest to gst_axion_delivery_sink_set_property() /
 * _get_property(). */
#define GST_AXION_DELIVERY_SINK_PROP_FIRST 100

/**
 * GstAxionDeliverySinkInfo:
 * @stats_name: the name of the stats structure
 * @noun: what is delivered, for messages ("MQTT messages")
 * @channel_keys: the Redis keys, for the key-prefix blurb
 * @spool_file: the spool file, for the spool-dir blurb
 * @attempt: what one delivery attempt is, for the max-attempts blurb
 * @delivered: when an alert counts as delivered, for the conninfo blurb
 * @max_attempts: default of max-attempts
 * @max_queue: default of max-queue
 * @max_queue_min: the smallest max-queue
 * @retry_poll_ms: how often the retry schedule is looked at
 * @retry_batch: how many due messages one look takes
 * @stats: the blurb of the stats property (the subclass's fields)
 *
 * What differs between delivery sinks in the common properties: their
 * texts and defaults (gst-inspect shows each sink its own).
 */
typedef struct
{
  const gchar *stats_name, *noun, *channel_keys, *spool_file, *attempt,
      *delivered;
  guint max_attempts, max_queue, max_queue_min;
  guint retry_poll_ms, retry_batch;
  const gchar *stats;
} GstAxionDeliverySinkInfo;

/**
 * GstAxionDeliverySinkClass:
 * @collect: streaming thread, no lock held: append the messages of @buf
 *   (AxionDeliveryMsg) to @out
 * @deliver: worker thread: deliver @msgs (taken from the pending queue;
 *   each one must be settled: gst_axion_delivery_sink_delivered(),
 *   _retry_later(), or handed to the delivery queue) and, when due, the
 *   retry schedule's (gst_axion_delivery_sink_take_due()). @online is the
 *   base class's judgement of the connection
 * @add_stats: parent.lock held: the subclass's fields of the stats
 */
struct _GstAxionDeliverySinkClass
{
  GstAxionQueueSinkClass parent_class;

  void (*collect) (GstAxionDeliverySink *self, GstBuffer *buf, GPtrArray *out);
  GstAxionSinkResult (*deliver) (GstAxionDeliverySink *self,
      GstAxionFlushKind kind, gboolean online, GPtrArray *msgs, gchar **error);
  void (*add_stats) (GstAxionDeliverySink *self, GstStructure *s);

  /*< private >*/
  const GstAxionDeliverySinkInfo *info;
  gpointer _gst_reserved[GST_PADDING];
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstAxionDeliverySink, gst_object_unref)

/* class_init of a subclass: the common properties, with its texts */
void gst_axion_delivery_sink_class_install (
    GstAxionDeliverySinkClass *klass, const GstAxionDeliverySinkInfo *info);
/* instance init of a subclass: the common properties' defaults */
void gst_axion_delivery_sink_init_defaults (GstAxionDeliverySink *self);
gboolean gst_axion_delivery_sink_set_property (
    GObject *object, guint prop_id, const GValue *value);
gboolean gst_axion_delivery_sink_get_property (
    GObject *object, guint prop_id, GValue *value);

/* worker */
gboolean gst_axion_delivery_sink_open_queue (GstAxionDeliverySink *self,
    const gchar *channel, const gchar *spool_file, gchar **error);
gboolean gst_axion_delivery_sink_retry_time (
    GstAxionDeliverySink *self, GstAxionFlushKind kind);
GPtrArray *gst_axion_delivery_sink_take_due (
    GstAxionDeliverySink *self, GstAxionFlushKind kind);
void gst_axion_delivery_sink_update_depth (GstAxionDeliverySink *self);
void gst_axion_delivery_sink_delivered (GstAxionDeliverySink *self,
    AxionDeliveryMsg *m, gboolean retried, const gchar *receipt_channel);
void gst_axion_delivery_sink_retry_later (GstAxionDeliverySink *self,
    AxionDeliveryMsg *m, gboolean attempted, const gchar *why);

void gst_axion_delivery_sink_install_string (GObjectClass *oc, guint id,
    const gchar *name, const gchar *nick, const gchar *blurb, const gchar *def);
void gst_axion_delivery_sink_install_uint (GObjectClass *oc, guint id,
    const gchar *name, const gchar *nick, const gchar *blurb, guint min,
    guint max, guint def);
void gst_axion_delivery_sink_install_bool (GObjectClass *oc, guint id,
    const gchar *name, const gchar *nick, const gchar *blurb, gboolean def);

G_END_DECLS

#endif
