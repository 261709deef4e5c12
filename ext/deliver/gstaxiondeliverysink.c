/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* GstAxionDeliverySink: what axionmqttsink and axionwebhooksink share
 * (the pending queue render fills, the §2.6 retry queues, the receipts
 * that mark alerts notified, the common properties and stats). Each
 * subclass only turns buffers into messages and delivers them. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxiondeliverysink.h"

#include <gst/axion/gstaxioncamera.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (axion_delivery_debug);
#define GST_CAT_DEFAULT axion_delivery_debug

#define DEFAULT_KEY_PREFIX "axion"
#define DEFAULT_RETRY_BASE_MS 1000
#define DEFAULT_RETRY_MAX_MS 300000
#define DEFAULT_FLUSH_MS 50

enum
{
  PROP_REDIS_URL = GST_AXION_DELIVERY_SINK_PROP_FIRST,
  PROP_KEY_PREFIX,
  PROP_SPOOL_DIR,
  PROP_MAX_ATTEMPTS,
  PROP_RETRY_BASE_MS,
  PROP_RETRY_MAX_MS,
  PROP_MAX_QUEUE,
  PROP_CONNINFO,
  PROP_STATS,
};

G_DEFINE_ABSTRACT_TYPE (
    GstAxionDeliverySink, gst_axion_delivery_sink, GST_TYPE_AXION_QUEUE_SINK);

#define LOCK(s) g_mutex_lock (&GST_AXION_QUEUE_SINK (s)->lock)
#define UNLOCK(s) g_mutex_unlock (&GST_AXION_QUEUE_SINK (s)->lock)
#define INFO(s) (GST_AXION_DELIVERY_SINK_GET_CLASS (s)->info)

/* ---- streaming thread ----------------------------------------------------
 */

/* lock held: onto the bounded pending queue; the oldest beyond max-queue
 * go (the worker can hand them neither to the receiver nor to the retry
 * queue). Returns how many went. */
static guint
push_pending (GstAxionDeliverySink *self, GPtrArray *out, guint max_queue)
{
  guint overflow = 0;

  for (guint i = 0; i < out->len; i++)
    g_queue_push_tail (&self->pending, out->pdata[i]);
  while (self->pending.length > max_queue) {
    axion_delivery_msg_free (g_queue_pop_head (&self->pending));
    overflow++;
  }
  return overflow;
}

static GstFlowReturn
gst_axion_delivery_sink_render (GstBaseSink *bs, GstBuffer *buf)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (bs);
  GstAxionQueueSink *qs = GST_AXION_QUEUE_SINK (bs);
  GPtrArray *out = g_ptr_array_new ();
  guint max_queue, overflow;
  gboolean was_empty;

  gst_axion_queue_sink_render_begin (qs);
  GST_AXION_DELIVERY_SINK_GET_CLASS (self)->collect (self, buf, out);
  GST_OBJECT_LOCK (self);
  max_queue = self->max_queue;
  GST_OBJECT_UNLOCK (self);

  LOCK (self);
  was_empty = self->pending.length == 0;
  overflow = push_pending (self, out, max_queue);
  gst_axion_queue_sink_count (qs, out->len, 0);
  if (was_empty && out->len > 0)
    gst_axion_queue_sink_kick (qs);
  gst_axion_queue_sink_render_end (qs);
  UNLOCK (self);

  if (overflow)
    gst_axion_queue_sink_dropped (qs, overflow, INFO (self)->noun,
        "the queue is full (max-queue): neither the receiver nor the retry "
        "queue takes them fast enough");
  g_ptr_array_unref (out);
  return GST_FLOW_OK;
}

/* ---- worker ----------------------------------------------------------------
 */

/**
 * gst_axion_delivery_sink_open_queue:
 * @self: a delivery sink
 * @channel: the §2.6 channel ("mqtt", a webhook's name)
 * @spool_file: the spool file's name in spool-dir
 * @error: (out): what went wrong
 *
 * Worker: opens the retry queue (Redis when redis-url is set, else memory
 * and the spool) and the receipts, once.
 */
gboolean
gst_axion_delivery_sink_open_queue (GstAxionDeliverySink *self,
    const gchar *channel, const gchar *spool_file, gchar **error)
{
  AxionDeliveryQueueConfig qc = { 0 };
  GError *err = NULL;
  gchar *spool = NULL;

  if (self->dq)
    return TRUE;
  GST_OBJECT_LOCK (self);
  if (self->spool_dir && *self->spool_dir) {
    g_mkdir_with_parents (self->spool_dir, 0700);
    spool = g_build_filename (self->spool_dir, spool_file, NULL);
  }
  if (self->receipts == NULL)
    self->receipts = axion_receipts_new (self->conninfo);
  qc.channel = channel;
  qc.prefix = self->key_prefix;
  qc.redis_url = self->redis_url;
  qc.spool_path = spool;
  qc.max_attempts = self->max_attempts;
  qc.backoff_base_ms = self->retry_base_ms;
  qc.backoff_max_ms = self->retry_max_ms;
  self->dq = axion_delivery_queue_new (&qc, &err);
  GST_OBJECT_UNLOCK (self);
  g_free (spool);
  if (self->dq == NULL) {
    *error = g_strdup_printf ("redis-url: %s", err->message);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", *error),
        ("redis-url is where undelivered %s wait; empty: a local spool",
            INFO (self)->noun));
    g_error_free (err);
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_axion_delivery_sink_update_depth:
 * @self: a delivery sink
 *
 * Worker: marks the alerts delivered so far as notified, and reads the
 * queue depth and dead letters for the stats.
 */
void
gst_axion_delivery_sink_update_depth (GstAxionDeliverySink *self)
{
  guint64 depth, dead;

  axion_receipts_apply (self->receipts);
  axion_delivery_queue_depth (self->dq, &depth, &dead);
  LOCK (self);
  self->depth = depth;
  self->dead = dead;
  UNLOCK (self);
}

/**
 * gst_axion_delivery_sink_retry_time:
 * @self: a delivery sink
 * @kind: the flush's kind
 *
 * Worker: whether it is time to look at the retry schedule (every
 * retry_poll_ms, and at every drain); if so, the next look is scheduled.
 */
gboolean
gst_axion_delivery_sink_retry_time (
    GstAxionDeliverySink *self, GstAxionFlushKind kind)
{
  gint64 now = g_get_monotonic_time ();

  if (now < self->next_retry_poll_us && kind == GST_AXION_FLUSH_TICK)
    return FALSE;
  self->next_retry_poll_us = now + INFO (self)->retry_poll_ms * 1000;
  return TRUE;
}

/**
 * gst_axion_delivery_sink_take_due:
 * @self: a delivery sink
 * @kind: the flush's kind
 *
 * Worker: the messages of the retry schedule that are due, when it is time
 * to look (gst_axion_delivery_sink_retry_time()), else %NULL.
 */
GPtrArray *
gst_axion_delivery_sink_take_due (
    GstAxionDeliverySink *self, GstAxionFlushKind kind)
{
  if (!gst_axion_delivery_sink_retry_time (self, kind))
    return NULL;
  return axion_delivery_queue_take_due (self->dq, INFO (self)->retry_batch);
}

/**
 * gst_axion_delivery_sink_delivered:
 * @self: a delivery sink
 * @m: (transfer full): a message the receiver has
 * @retried: whether it came from the retry schedule
 * @receipt_channel: (nullable): an alert's channel, to mark its row
 *   notified; %NULL: not an alert
 */
void
gst_axion_delivery_sink_delivered (GstAxionDeliverySink *self,
    AxionDeliveryMsg *m, gboolean retried, const gchar *receipt_channel)
{
  LOCK (self);
  self->sent++;
  self->retried += retried;
  gst_axion_queue_sink_count (GST_AXION_QUEUE_SINK (self), 0, 1);
  UNLOCK (self);
  if (receipt_channel && m->id)
    axion_receipts_add (self->receipts, g_ascii_strtoll (m->id, NULL, 10),
        receipt_channel, g_get_real_time ());
  axion_delivery_msg_free (m);
}

/**
 * gst_axion_delivery_sink_retry_later:
 * @self: a delivery sink
 * @m: (transfer full): a message that was not delivered
 * @attempted: whether it reached the receiver (an attempt, counted
 *   against max-attempts) or not (the receiver was away)
 * @why: the reason, kept with the entry
 *
 * Retained state is dropped (the current state goes out again on
 * reconnect); the rest waits in the retry queue.
 */
void
gst_axion_delivery_sink_retry_later (GstAxionDeliverySink *self,
    AxionDeliveryMsg *m, gboolean attempted, const gchar *why)
{
  if (m->retain) {
    axion_delivery_msg_free (m);
    return;
  }
  LOCK (self);
  self->failed++;
  UNLOCK (self);
  axion_delivery_queue_fail (self->dq, m, attempted, why);
}

static GPtrArray *
take_pending (GstAxionDeliverySink *self)
{
  GPtrArray *msgs = g_ptr_array_new ();
  AxionDeliveryMsg *m;

  LOCK (self);
  while ((m = g_queue_pop_head (&self->pending)))
    g_ptr_array_add (msgs, m);
  self->inflight_n = msgs->len;
  UNLOCK (self);
  return msgs;
}

static GstAxionSinkResult
gst_axion_delivery_sink_flush (GstAxionQueueSink *qs, GstAxionFlushKind kind,
    gboolean online, gchar **error)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (qs);
  GPtrArray *msgs = take_pending (self);
  GstAxionSinkResult res = GST_AXION_SINK_OK;

  if (self->dq == NULL) {
    /* never connected (configuration error): nothing can be kept */
    g_ptr_array_set_free_func (msgs, (GDestroyNotify) axion_delivery_msg_free);
  } else {
    res = GST_AXION_DELIVERY_SINK_GET_CLASS (self)->deliver (
        self, kind, online, msgs, error);
    if (kind == GST_AXION_FLUSH_FINAL)
      axion_delivery_queue_save (self->dq);
  }
  g_ptr_array_unref (msgs);
  LOCK (self);
  self->inflight_n = 0;
  UNLOCK (self);
  return res;
}

/* lock held */
static gboolean
gst_axion_delivery_sink_has_pending (GstAxionQueueSink *qs)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (qs);

  return self->pending.length > 0 || self->inflight_n > 0;
}

/* ---- start / stop --------------------------------------------------------
 */

static gboolean
gst_axion_delivery_sink_start (GstBaseSink *bs)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (bs);

  LOCK (self);
  self->sent = self->retried = self->failed = self->dead = self->depth = 0;
  UNLOCK (self);
  self->next_retry_poll_us = 0;
  if (!GST_BASE_SINK_CLASS (gst_axion_delivery_sink_parent_class)->start (bs)) {
    /* refused at start (no worker, and stop() is not called): what the
     * connect made is released here */
    g_clear_pointer (&self->dq, axion_delivery_queue_free);
    g_clear_pointer (&self->receipts, axion_receipts_free);
    return FALSE;
  }
  return TRUE;
}

/* the worker has stopped: what render left waits in the retry queue */
static void
keep_leftovers (GstAxionDeliverySink *self)
{
  AxionDeliveryMsg *m;

  LOCK (self);
  while ((m = g_queue_pop_head (&self->pending))) {
    UNLOCK (self);
    if (self->dq)
      gst_axion_delivery_sink_retry_later (
          self, m, FALSE, "stopped before delivery");
    else
      axion_delivery_msg_free (m);
    LOCK (self);
  }
  UNLOCK (self);
}

static void
close_queue (GstAxionDeliverySink *self)
{
  guint64 depth = 0, dead = 0;
  gboolean kept;

  axion_delivery_queue_save (self->dq);
  axion_delivery_queue_depth (self->dq, &depth, &dead);
  GST_OBJECT_LOCK (self);
  kept = (self->redis_url && *self->redis_url) ||
      (self->spool_dir && *self->spool_dir);
  GST_OBJECT_UNLOCK (self);
  if (depth > 0 && !kept)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("%" G_GUINT64_FORMAT " %s were not delivered and are lost at stop",
            depth, INFO (self)->noun),
        ("set redis-url or spool-dir to keep undelivered %s",
            INFO (self)->noun));
  g_clear_pointer (&self->dq, axion_delivery_queue_free);
}

static gboolean
gst_axion_delivery_sink_stop (GstBaseSink *bs)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (bs);
  gboolean ret =
      GST_BASE_SINK_CLASS (gst_axion_delivery_sink_parent_class)->stop (bs);

  keep_leftovers (self);
  if (self->dq)
    close_queue (self);
  axion_receipts_apply (self->receipts);
  g_clear_pointer (&self->receipts, axion_receipts_free);
  return ret;
}

/* ---- properties ----------------------------------------------------------
 */

static GstStructure *
make_stats (GstAxionDeliverySink *self)
{
  GstAxionDeliverySinkClass *klass = GST_AXION_DELIVERY_SINK_GET_CLASS (self);
  GstStructure *s;
  guint waiting;
  guint64 marked, unmatched;

  LOCK (self);
  s = gst_axion_queue_sink_new_stats (
      GST_AXION_QUEUE_SINK (self), klass->info->stats_name);
  gst_structure_set (s, "sent", G_TYPE_UINT64, self->sent, "retried",
      G_TYPE_UINT64, self->retried, "failed", G_TYPE_UINT64, self->failed,
      "dead-lettered", G_TYPE_UINT64, self->dead, "queue-depth", G_TYPE_UINT64,
      self->depth, "pending", G_TYPE_UINT, self->pending.length, NULL);
  if (klass->add_stats)
    klass->add_stats (self, s);
  UNLOCK (self);
  /* the worker's counters: read without its lock (a stat, not a
   * decision) */
  axion_receipts_counts (self->receipts, &waiting, &marked, &unmatched);
  gst_structure_set (s, "notified", G_TYPE_UINT64, marked, "receipts-waiting",
      G_TYPE_UINT, waiting, "receipts-unmatched", G_TYPE_UINT64, unmatched,
      NULL);
  return s;
}

/* credentials are wiped from memory when replaced */
static void
set_string (GstAxionDeliverySink *self, gchar **slot, const GValue *value)
{
  GST_OBJECT_LOCK (self);
  if (*slot)
    memset (*slot, 0, strlen (*slot));
  g_free (*slot);
  *slot = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static void
set_uint (GstAxionDeliverySink *self, guint *slot, const GValue *value)
{
  GST_OBJECT_LOCK (self);
  *slot = g_value_get_uint (value);
  GST_OBJECT_UNLOCK (self);
}

/**
 * gst_axion_delivery_sink_set_property:
 *
 * A subclass's set_property hands the ids from
 * %GST_AXION_DELIVERY_SINK_PROP_FIRST on to this. Returns whether the id
 * was one of the common properties.
 */
gboolean
gst_axion_delivery_sink_set_property (
    GObject *object, guint prop_id, const GValue *value)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (object);

  switch (prop_id) {
  case PROP_REDIS_URL:
    set_string (self, &self->redis_url, value);
    break;
  case PROP_KEY_PREFIX:
    set_string (self, &self->key_prefix, value);
    break;
  case PROP_SPOOL_DIR:
    set_string (self, &self->spool_dir, value);
    break;
  case PROP_MAX_ATTEMPTS:
    set_uint (self, &self->max_attempts, value);
    break;
  case PROP_RETRY_BASE_MS:
    set_uint (self, &self->retry_base_ms, value);
    break;
  case PROP_RETRY_MAX_MS:
    set_uint (self, &self->retry_max_ms, value);
    break;
  case PROP_MAX_QUEUE:
    set_uint (self, &self->max_queue, value);
    break;
  case PROP_CONNINFO:
    set_string (self, &self->conninfo, value);
    break;
  default:
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_axion_delivery_sink_get_property:
 *
 * Like gst_axion_delivery_sink_set_property(): credentials are never read
 * back.
 */
gboolean
gst_axion_delivery_sink_get_property (
    GObject *object, guint prop_id, GValue *value)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return TRUE;
  }
  if (prop_id < PROP_REDIS_URL || prop_id > PROP_CONNINFO)
    return FALSE;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_REDIS_URL:
    g_value_take_string (value,
        self->redis_url ? gst_axion_uri_strip_credentials (self->redis_url)
                        : NULL);
    break;
  case PROP_KEY_PREFIX:
    g_value_set_string (value, self->key_prefix);
    break;
  case PROP_SPOOL_DIR:
    g_value_set_string (value, self->spool_dir);
    break;
  case PROP_MAX_ATTEMPTS:
    g_value_set_uint (value, self->max_attempts);
    break;
  case PROP_RETRY_BASE_MS:
    g_value_set_uint (value, self->retry_base_ms);
    break;
  case PROP_RETRY_MAX_MS:
    g_value_set_uint (value, self->retry_max_ms);
    break;
  case PROP_MAX_QUEUE:
    g_value_set_uint (value, self->max_queue);
    break;
  case PROP_CONNINFO:
    g_value_take_string (value, axion_conninfo_redact (self->conninfo));
    break;
  }
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* blurbs are made per subclass (its nouns and defaults): copied by GLib */
#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_NAME | G_PARAM_STATIC_NICK)

/**
 * gst_axion_delivery_sink_install_string:
 * @oc: a sink's class
 * @id: the property id
 * @name: (transfer none): the property name (static)
 * @nick: (transfer none): its nick (static)
 * @blurb: (transfer none): its description (copied)
 * @def: the default
 *
 * Installs a read-write string property. The sinks install their own
 * properties with these helpers, as the base does the common ones.
 */
void
gst_axion_delivery_sink_install_string (GObjectClass *oc, guint id,
    const gchar *name, const gchar *nick, const gchar *blurb, const gchar *def)
{
  g_object_class_install_property (
      oc, id, g_param_spec_string (name, nick, blurb, def, RW));
}

/**
 * gst_axion_delivery_sink_install_uint:
 * @oc: a sink's class
 * @id: the property id
 * @name: (transfer none): the property name (static)
 * @nick: (transfer none): its nick (static)
 * @blurb: (transfer none): its description (copied)
 * @min: the minimum
 * @max: the maximum
 * @def: the default
 *
 * Installs a read-write unsigned integer property.
 */
void
gst_axion_delivery_sink_install_uint (GObjectClass *oc, guint id,
    const gchar *name, const gchar *nick, const gchar *blurb, guint min,
    guint max, guint def)
{
  g_object_class_install_property (
      oc, id, g_param_spec_uint (name, nick, blurb, min, max, def, RW));
}

/**
 * gst_axion_delivery_sink_install_bool:
 * @oc: a sink's class
 * @id: the property id
 * @name: (transfer none): the property name (static)
 * @nick: (transfer none): its nick (static)
 * @blurb: (transfer none): its description (copied)
 * @def: the default
 *
 * Installs a read-write boolean property.
 */
void
gst_axion_delivery_sink_install_bool (GObjectClass *oc, guint id,
    const gchar *name, const gchar *nick, const gchar *blurb, gboolean def)
{
  g_object_class_install_property (
      oc, id, g_param_spec_boolean (name, nick, blurb, def, RW));
}

/* the common properties' blurbs are made per subclass: freed here */
static void
install_string (GObjectClass *oc, guint id, const gchar *name,
    const gchar *nick, gchar *blurb, const gchar *def)
{
  gst_axion_delivery_sink_install_string (oc, id, name, nick, blurb, def);
  g_free (blurb);
}

static void
install_uint (GObjectClass *oc, guint id, const gchar *name, const gchar *nick,
    gchar *blurb, guint min, guint max, guint def)
{
  gst_axion_delivery_sink_install_uint (
      oc, id, name, nick, blurb, min, max, def);
  g_free (blurb);
}

/**
 * gst_axion_delivery_sink_class_install:
 * @klass: a subclass's class
 * @info: (transfer none): its texts and defaults (static)
 *
 * class_init of a subclass: installs the common properties on it (ids
 * from %GST_AXION_DELIVERY_SINK_PROP_FIRST).
 */
void
gst_axion_delivery_sink_class_install (
    GstAxionDeliverySinkClass *klass, const GstAxionDeliverySinkInfo *info)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);

  klass->info = info;
  install_string (oc, PROP_REDIS_URL, "redis-url", "Redis URL",
      g_strdup_printf ("Where undelivered %s wait (the §2.6 queues, shared "
                       "by every process); empty: in memory and the "
                       "spool-dir file. Read back without the password",
          info->noun),
      NULL);
  install_string (oc, PROP_KEY_PREFIX, "key-prefix", "Key prefix",
      g_strdup_printf (
          "Redis keys are %s (a trailing ':' is ignored)", info->channel_keys),
      DEFAULT_KEY_PREFIX);
  install_string (oc, PROP_SPOOL_DIR, "spool-dir", "Spool directory",
      g_strdup_printf ("Without Redis: undelivered %s are kept in %s across "
                       "restarts (empty: memory only)",
          info->noun, info->spool_file),
      NULL);
  install_uint (oc, PROP_MAX_ATTEMPTS, "max-attempts", "Max attempts",
      g_strdup_printf ("Delivery attempts (%s) before a message goes to "
                       "the dead-letter list; time the receiver is away "
                       "does not count",
          info->attempt),
      1, 1000, info->max_attempts);
  install_uint (oc, PROP_RETRY_BASE_MS, "retry-base-ms", "Retry base (ms)",
      g_strdup ("Delay before the first retry; doubles per attempt; a random "
                "50-100% of it is waited (jitter)"),
      10, 3600000, DEFAULT_RETRY_BASE_MS);
  install_uint (oc, PROP_RETRY_MAX_MS, "retry-max-ms", "Retry max (ms)",
      g_strdup ("Longest retry delay"), 10, 86400000, DEFAULT_RETRY_MAX_MS);
  install_uint (oc, PROP_MAX_QUEUE, "max-queue", "Max queue",
      g_strdup_printf ("Number of %s held in memory for the worker; beyond "
                       "it the "
                       "oldest are dropped (counted, warned)",
          info->noun),
      info->max_queue_min, 10000000, info->max_queue);
  install_string (oc, PROP_CONNINFO, "conninfo", "PostgreSQL conninfo",
      g_strdup_printf ("Where alerts are marked notified %s "
                       "(alerts.notification_sent, notification_channels, "
                       "notification_sent_at); empty: not marked. Read back "
                       "without the password",
          info->delivered),
      NULL);
  g_object_class_install_property (oc, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", info->stats,
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

/**
 * gst_axion_delivery_sink_init_defaults:
 * @self: a delivery sink, in its subclass's instance init
 *
 * The common properties take the defaults their specs show.
 */
void
gst_axion_delivery_sink_init_defaults (GstAxionDeliverySink *self)
{
  const GstAxionDeliverySinkInfo *info = INFO (self);

  self->key_prefix = g_strdup (DEFAULT_KEY_PREFIX);
  self->max_attempts = info->max_attempts;
  self->retry_base_ms = DEFAULT_RETRY_BASE_MS;
  self->retry_max_ms = DEFAULT_RETRY_MAX_MS;
  self->max_queue = info->max_queue;
}

static void
wipe (gchar *s)
{
  if (s)
    memset (s, 0, strlen (s));
  g_free (s);
}

static void
gst_axion_delivery_sink_finalize (GObject *object)
{
  GstAxionDeliverySink *self = GST_AXION_DELIVERY_SINK (object);

  g_queue_clear_full (&self->pending, (GDestroyNotify) axion_delivery_msg_free);
  wipe (self->redis_url);
  g_free (self->key_prefix);
  g_free (self->spool_dir);
  wipe (self->conninfo);
  G_OBJECT_CLASS (gst_axion_delivery_sink_parent_class)->finalize (object);
}

static void
gst_axion_delivery_sink_class_init (GstAxionDeliverySinkClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GstBaseSinkClass *bc = GST_BASE_SINK_CLASS (klass);
  GstAxionQueueSinkClass *qc = GST_AXION_QUEUE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      axion_delivery_debug, "axiondeliverysink", 0, "Axion delivery sink base");
  oc->finalize = gst_axion_delivery_sink_finalize;
  bc->start = GST_DEBUG_FUNCPTR (gst_axion_delivery_sink_start);
  bc->stop = GST_DEBUG_FUNCPTR (gst_axion_delivery_sink_stop);
  bc->render = GST_DEBUG_FUNCPTR (gst_axion_delivery_sink_render);
  qc->flush = gst_axion_delivery_sink_flush;
  qc->has_pending = gst_axion_delivery_sink_has_pending;
}

static void
gst_axion_delivery_sink_init (GstAxionDeliverySink *self)
{
  g_queue_init (&self->pending);
  gst_axion_queue_sink_set_flush_interval (
      GST_AXION_QUEUE_SINK (self), DEFAULT_FLUSH_MS);
}
