/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionmqttsink
 * @title: axionmqttsink
 *
 * Publishes a camera's events and alerts to an MQTT broker as JSON, QoS 1:
 * `<topic-prefix>/<camera>/event` (one message per camera_events row,
 * message_id = event id) and `<topic-prefix>/<camera>/alert` (message_id =
 * alert id), with a retained availability topic and last will, live state
 * for Home Assistant (`motion` ON/OFF, `objects`, `description`) and Home
 * Assistant MQTT discovery. Delivery is at least once: a message leaves
 * the sink's hands when the broker acknowledged it; while the broker is
 * away messages go to the schema document's §2.6 queues in Redis
 * (`<key-prefix>:queue:mqtt:failed`, `:retry`, `:dead_letter`) or, without
 * Redis, to a local spool, and are retried with backoff.
 *
 * |[
 * gst-launch-1.0 ... ! axionalert rules="motion, min-duration-ms=1000" ! \
 *   axionmqttsink broker-url=mqtt://127.0.0.1:1883 \
 *   redis-url=redis://127.0.0.1:6379/0
 * ]|
 *
 * See docs/elements/axionmqttsink.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionmqttsink.h"
#include "axionhadiscovery.h"
#include "axionmqttclient.h"
#include "gstaxiondeliverysink.h"

#include <gst/axion/gstaxionformat.h>
#include <mosquitto.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY (axion_mqtt_debug);
#define GST_CAT_DEFAULT axion_mqtt_debug

#define DEFAULT_TOPIC_PREFIX "axis-is"
#define DEFAULT_HA_PREFIX "homeassistant"
#define DEFAULT_QOS 1
#define DEFAULT_KEEPALIVE_S 30
#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_ACK_TIMEOUT_MS 5000

enum
{
  PROP_0,
  PROP_BROKER_URL,
  PROP_TOPIC_PREFIX,
  PROP_CLIENT_ID,
  PROP_CAMERA_ID,
  PROP_QOS,
  PROP_KEEPALIVE,
  PROP_CONNECT_TIMEOUT_MS,
  PROP_ACK_TIMEOUT_MS,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERT_FILE,
  PROP_TLS_KEY_FILE,
  PROP_PUBLISH_EVENTS,
  PROP_PUBLISH_CONTINUE,
  PROP_PUBLISH_ALERTS,
  PROP_HA_DISCOVERY,
  PROP_HA_PREFIX,
};

typedef struct
{
  AxionDeliveryMsg *msg;
  gint mid;
  gboolean retry; /* came from the retry schedule */
} Inflight;

struct _GstAxionMqttSink
{
  GstAxionDeliverySink parent;

  /* properties: object lock */
  gchar *broker_url, *topic_prefix, *client_id, *camera_id;
  gint qos;
  guint keepalive_s, connect_timeout_ms, ack_timeout_ms;
  gchar *ca_file, *cert_file, *key_file;
  gboolean publish_events, publish_continue, publish_alerts, ha_discovery;
  gchar *ha_prefix;

  /* the queue sink's lock */
  guint64 redelivered;
  gchar *camera; /* the sink's camera (availability, discovery) */
  gboolean motion_on;
  gint objects_last;

  /* worker only */
  AxionMqttBroker broker;
  AxionMqttClient *client;
  gchar *announced;    /* the camera the session announced, or NULL */
  GPtrArray *inflight; /* Inflight */
};

G_DEFINE_TYPE (
    GstAxionMqttSink, gst_axion_mqtt_sink, GST_TYPE_AXION_DELIVERY_SINK);

#define LOCK(s) g_mutex_lock (&GST_AXION_QUEUE_SINK (s)->lock)
#define UNLOCK(s) g_mutex_unlock (&GST_AXION_QUEUE_SINK (s)->lock)
#define BASE(s) GST_AXION_DELIVERY_SINK (s)
GST_ELEMENT_REGISTER_DEFINE (
    axionmqttsink, "axionmqttsink", GST_RANK_NONE, GST_TYPE_AXION_MQTT_SINK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- streaming thread: messages of a frame ------------------------------ */

static gchar *
topic_of (const gchar *prefix, const gchar *camera, const gchar *leaf)
{
  return g_strdup_printf ("%s/%s/%s", prefix, camera, leaf);
}

/* the camera_events row as JSON, with message_id first */
static AxionDeliveryMsg *
event_message (const gchar *prefix, GstAxionFrameMeta *meta,
    const GstAxionFrameEvent *ev, GstBuffer *buf)
{
  GstAxionFrameInfo info;
  GstAxionRow *row;
  GString *s = g_string_new ("{\"message_id\":\"");
  gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, ev->id), *topic;
  AxionDeliveryMsg *m;

  gst_axion_frame_info_init (&info);
  row = gst_axion_row_camera_event (meta, ev, buf, &info, NULL);
  g_string_append_printf (s, "%s\"", id);
  if (row) {
    gchar *json = gst_axion_row_to_json (row);
    /* the row's members follow: {"message_id":.., ...} */
    if (json[0] == '{' && json[1] != '}')
      g_string_append_printf (s, ",%s", json + 1);
    else
      g_string_append_c (s, '}');
    g_free (json);
    gst_axion_row_free (row);
  } else {
    g_string_append_c (s, '}');
  }
  topic = topic_of (prefix, meta->camera_id, "event");
  m = axion_delivery_msg_new (id, topic, s->str, FALSE);
  g_free (topic);
  g_free (id);
  g_string_free (s, TRUE);
  return m;
}

static AxionDeliveryMsg *
alert_message (const gchar *prefix, const GstAxionAlert *a)
{
  gchar *json = gst_axion_alert_to_json (a);
  gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, a->alert_id);
  gchar *topic = topic_of (prefix, a->camera_id, "alert");
  AxionDeliveryMsg *m = axion_delivery_msg_new (id, topic, json, FALSE);

  g_free (json);
  g_free (id);
  g_free (topic);
  return m;
}

/* latest-value state for Home Assistant: retained, never queued for retry
 * (the current state is sent again on reconnect) */
static AxionDeliveryMsg *
state_message (const gchar *prefix, const gchar *camera, const gchar *leaf,
    const gchar *payload)
{
  gchar *topic = topic_of (prefix, camera, leaf);
  AxionDeliveryMsg *m = axion_delivery_msg_new (NULL, topic, payload, TRUE);

  g_free (topic);
  return m;
}

static void
add_alerts (
    GstAxionMqttSink *self, GstBuffer *buf, const gchar *prefix, GPtrArray *out)
{
  gpointer state = NULL;
  GstMeta *m;
  GstAxionAnalysisMeta *am = gst_buffer_get_axion_analysis_meta (buf);

  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_AXION_ALERT_META_API_TYPE)))
    g_ptr_array_add (
        out, alert_message (prefix, ((GstAxionAlertMeta *) m)->alert));
  /* scene analysis: its alert (unless axionalert made it already: same
   * id) and the description for Home Assistant */
  if (am && am->analysis && am->analysis->camera_id && !am->analysis->error) {
    GstAxionAnalysis *a = am->analysis;
    gboolean have = FALSE;
    state = NULL;
    while ((m = gst_buffer_iterate_meta_filtered (
                buf, &state, GST_AXION_ALERT_META_API_TYPE)))
      have |= ((GstAxionAlertMeta *) m)->alert->alert_id == a->analysis_id;
    if (a->should_alert && !have) {
      GstAxionAlert *al = gst_axion_alert_new_from_analysis (a);
      g_ptr_array_add (out, alert_message (prefix, al));
      gst_axion_alert_free (al);
    }
    if (a->scene_description || a->primary_insight) {
      GString *s = g_string_new ("{\"description\":");
      gst_axion_json_append_string (
          s, a->scene_description ? a->scene_description : a->primary_insight);
      g_string_append (s, ",\"risk_assessment\":");
      gst_axion_json_append_string (s, a->risk_assessment);
      g_string_append_printf (
          s, ",\"analysis_id\":%" G_GINT64_FORMAT "}", a->analysis_id);
      g_ptr_array_add (
          out, state_message (prefix, a->camera_id, "description", s->str));
      g_string_free (s, TRUE);
    }
  }
}

static gboolean
skip_event (const GstAxionFrameEvent *ev, gboolean publish_continue)
{
  return !publish_continue && ev->type == GST_AXION_EVENT_MOTION_CONTINUE;
}

/* lock held: motion and object count, when they change */
static void
add_state (GstAxionMqttSink *self, GstAxionFrameMeta *meta, GstBuffer *buf,
    const gchar *prefix, GPtrArray *out)
{
  gboolean motion = meta->motion_state == GST_AXION_MOTION_STATE_START ||
      meta->motion_state == GST_AXION_MOTION_STATE_CONTINUE;
  gint objects = (gint) gst_axion_roi_count (buf, FALSE);

  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_MOTION) &&
      motion != self->motion_on) {
    self->motion_on = motion;
    g_ptr_array_add (out,
        state_message (
            prefix, meta->camera_id, "motion", motion ? "ON" : "OFF"));
  }
  if (objects != self->objects_last) {
    gchar n[16];
    self->objects_last = objects;
    g_snprintf (n, sizeof (n), "%d", objects);
    g_ptr_array_add (
        out, state_message (prefix, meta->camera_id, "objects", n));
  }
}

/* the frame's events, alerts and state changes */
static void
gst_axion_mqtt_sink_collect (
    GstAxionDeliverySink *base, GstBuffer *buf, GPtrArray *out)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (base);
  GstAxionFrameMeta *meta = gst_buffer_get_axion_frame_meta (buf);
  GstAxionFrameEvent events[GST_AXION_FRAME_MAX_EVENTS + 1];
  gboolean events_on, continue_on, alerts_on;
  guint n_events = 0;
  gchar *prefix;

  GST_OBJECT_LOCK (self);
  prefix = g_strdup (self->topic_prefix);
  events_on = self->publish_events;
  continue_on = self->publish_continue;
  alerts_on = self->publish_alerts;
  GST_OBJECT_UNLOCK (self);

  if (meta && meta->camera_id && events_on) {
    n_events = gst_axion_frame_meta_sink_events (meta, buf, events);
    for (guint i = 0; i < n_events; i++)
      if (!skip_event (&events[i], continue_on))
        g_ptr_array_add (out, event_message (prefix, meta, &events[i], buf));
  }
  if (alerts_on)
    add_alerts (self, buf, prefix, out);

  if (meta && meta->camera_id) {
    LOCK (self);
    if (self->camera == NULL)
      self->camera = g_strdup (meta->camera_id);
    add_state (self, meta, buf, prefix, out);
    UNLOCK (self);
  }
  g_free (prefix);
}

/* ---- worker ----------------------------------------------------------------
 */


/* the camera of the availability topic, will and discovery: camera-id,
 * else the first frame's (then the sink connects again, once, so that the
 * will names it) */
static gchar *
known_camera (GstAxionMqttSink *self)
{
  gchar *id;

  GST_OBJECT_LOCK (self);
  id = g_strdup (self->camera_id);
  GST_OBJECT_UNLOCK (self);
  LOCK (self);
  if (id && self->camera == NULL)
    self->camera = g_strdup (id);
  g_free (id);
  id = g_strdup (self->camera);
  UNLOCK (self);
  return id;
}

/* after connecting: online, discovery, the current state (retained) */
static void
announce (GstAxionMqttSink *self, const gchar *avail)
{
  gchar *prefix, *ha_prefix, *camera, *t;
  gboolean ha, motion;
  GPtrArray *cfg;
  gchar n[16];

  GST_OBJECT_LOCK (self);
  prefix = g_strdup (self->topic_prefix);
  ha_prefix = g_strdup (self->ha_prefix);
  ha = self->ha_discovery;
  GST_OBJECT_UNLOCK (self);
  camera = g_strdup (self->announced);
  LOCK (self);
  motion = self->motion_on;
  g_snprintf (n, sizeof (n), "%d", MAX (self->objects_last, 0));
  UNLOCK (self);

  axion_mqtt_client_publish (self->client, avail, "online", 1, TRUE);
  if (ha) {
    cfg = axion_ha_discovery_configs (ha_prefix, prefix, camera);
    for (guint i = 0; i < cfg->len; i++) {
      AxionHaConfig *c = cfg->pdata[i];
      axion_mqtt_client_publish (self->client, c->topic, c->payload, 1, TRUE);
    }
    g_ptr_array_unref (cfg);
  }
  t = topic_of (prefix, camera, "motion");
  axion_mqtt_client_publish (self->client, t, motion ? "ON" : "OFF", 1, TRUE);
  g_free (t);
  t = topic_of (prefix, camera, "objects");
  axion_mqtt_client_publish (self->client, t, n, 1, TRUE);
  g_free (t);
  g_free (prefix);
  g_free (ha_prefix);
  g_free (camera);
}

/* the retry queue, its spool file named after the camera */
static gboolean
open_queue (GstAxionMqttSink *self, gchar **error)
{
  gchar *name, *file;
  gboolean ok;

  LOCK (self);
  name = gst_axion_camera_id_to_filename (self->camera ? self->camera : "mqtt");
  UNLOCK (self);
  file = g_strdup_printf ("mqtt-%s.jsonl", name);
  ok = gst_axion_delivery_sink_open_queue (BASE (self), "mqtt", file, error);
  g_free (file);
  g_free (name);
  return ok;
}

static GstAxionSinkResult
gst_axion_mqtt_sink_connect (GstAxionQueueSink *qs, gchar **error)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (qs);
  AxionMqttConnectOptions o = { 0 };
  AxionMqttResult res;
  gchar *avail, *client_id;

  g_free (self->announced);
  self->announced = known_camera (self);
  if (!open_queue (self, error))
    return GST_AXION_SINK_FATAL;
  GST_OBJECT_LOCK (self);
  avail = self->announced
      ? topic_of (self->topic_prefix, self->announced, "availability")
      : NULL;
  client_id = self->client_id && *self->client_id
      ? g_strdup (self->client_id)
      : g_strdup_printf (
            "axion-%s-%d", self->camera ? self->camera : "", (gint) getpid ());
  o.broker = &self->broker;
  o.client_id = client_id;
  o.keepalive_s = self->keepalive_s;
  o.connect_timeout_ms = self->connect_timeout_ms;
  o.ca_file = self->ca_file;
  o.cert_file = self->cert_file;
  o.key_file = self->key_file;
  o.will_topic = avail;
  o.will_payload = "offline";
  GST_OBJECT_UNLOCK (self);
  self->client = axion_mqtt_client_connect (&o, &res, error);
  g_free (client_id);
  if (res == AXION_MQTT_OK) {
    GST_INFO_OBJECT (
        self, "connected to %s:%d", self->broker.host, self->broker.port);
    if (avail)
      announce (self, avail);
  } else if (res == AXION_MQTT_REFUSED) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED, ("%s", *error),
        ("fix the credentials of broker-url (or the broker's ACL)"));
  }
  g_free (avail);
  return res == AXION_MQTT_OK     ? GST_AXION_SINK_OK
      : res == AXION_MQTT_REFUSED ? GST_AXION_SINK_FATAL
                                  : GST_AXION_SINK_LOST;
}

static void
gst_axion_mqtt_sink_disconnect (GstAxionQueueSink *qs)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (qs);
  gchar *avail = NULL;

  /* the camera this session announced goes offline (gracefully: the will
   * is for crashes) */
  if (self->announced) {
    GST_OBJECT_LOCK (self);
    avail = topic_of (self->topic_prefix, self->announced, "availability");
    GST_OBJECT_UNLOCK (self);
  }
  axion_mqtt_client_close (self->client, avail, "offline");
  self->client = NULL;
  g_free (avail);
}

static void
give_up (GstAxionMqttSink *self, AxionDeliveryMsg *m, gboolean attempted,
    const gchar *why)
{
  gst_axion_delivery_sink_retry_later (BASE (self), m, attempted, why);
}

/* publishes @msgs; those the connection refuses at once are given up */
static gboolean
publish_all (GstAxionMqttSink *self, GPtrArray *msgs, gboolean retry, gint qos)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < msgs->len; i++) {
    AxionDeliveryMsg *m = msgs->pdata[i];
    gint mid = ok ? axion_mqtt_client_publish (self->client, m->topic,
                        m->payload, m->retain ? 1 : qos, m->retain)
                  : -1;
    if (mid < 0) {
      ok = FALSE;
      give_up (self, m, FALSE, axion_mqtt_client_error (self->client));
    } else {
      Inflight *f = g_new0 (Inflight, 1);
      f->msg = m;
      f->mid = mid;
      f->retry = retry;
      g_ptr_array_add (self->inflight, f);
      /* take the PUBACKs that arrived: libmosquitto looks a PUBACK's
       * message up in a list of all unacknowledged ones, so a burst of
       * thousands without reading cost O(n^2) (16% of the worker's time
       * at 20,000 messages) */
      if (i % 64 == 63 && !axion_mqtt_client_wait_acks (self->client, 0))
        ok = FALSE;
    }
  }
  return ok;
}

/* the acknowledged are done; the rest go back (attempted: a publish timed
 * out on a live connection) */
static void
settle (GstAxionMqttSink *self, gboolean connection_ok)
{
  guint64 redelivered = 0;

  for (guint i = 0; i < self->inflight->len; i++) {
    Inflight *f = self->inflight->pdata[i];
    if (axion_mqtt_client_take_ack (self->client, f->mid)) {
      gboolean alert = g_str_has_suffix (f->msg->topic, "/alert");
      gst_axion_delivery_sink_delivered (
          BASE (self), f->msg, f->retry, alert ? "mqtt" : NULL);
    } else {
      /* it may have reached the broker: the receiver sees it twice */
      redelivered++;
      give_up (self, f->msg, connection_ok,
          connection_ok ? "no PUBACK in time"
                        : axion_mqtt_client_error (self->client));
    }
    g_free (f);
  }
  g_ptr_array_set_size (self->inflight, 0);
  LOCK (self);
  self->redelivered += redelivered;
  UNLOCK (self);
}

/* the first frame named the camera after the session began: a new
 * session whose will is the camera's availability topic */
static gboolean
announce_late (GstAxionMqttSink *self, gchar **error)
{
  gchar *camera;

  LOCK (self);
  camera = g_strdup (self->camera);
  UNLOCK (self);
  if (camera == NULL)
    return TRUE;
  g_free (camera);
  gst_axion_mqtt_sink_disconnect (GST_AXION_QUEUE_SINK (self));
  return gst_axion_mqtt_sink_connect (GST_AXION_QUEUE_SINK (self), error) ==
      GST_AXION_SINK_OK;
}

static void
give_up_all (GstAxionMqttSink *self, GPtrArray *msgs)
{
  for (guint i = 0; i < msgs->len; i++)
    give_up (self, msgs->pdata[i], FALSE, "broker unreachable");
}

static GstAxionSinkResult
gst_axion_mqtt_sink_deliver (GstAxionDeliverySink *base, GstAxionFlushKind kind,
    gboolean online, GPtrArray *msgs, gchar **error)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (base);
  GPtrArray *due = NULL;
  gboolean ok = TRUE;
  guint ack_ms;
  gint qos;

  if (!online || self->client == NULL) {
    give_up_all (self, msgs);
    if (gst_axion_delivery_sink_retry_time (base, kind))
      gst_axion_delivery_sink_update_depth (base);
    return GST_AXION_SINK_OK;
  }
  GST_OBJECT_LOCK (self);
  ack_ms = self->ack_timeout_ms;
  qos = self->qos;
  GST_OBJECT_UNLOCK (self);

  if (self->announced == NULL && !announce_late (self, error)) {
    give_up_all (self, msgs);
    return GST_AXION_SINK_LOST;
  }
  ok = publish_all (self, msgs, FALSE, qos);
  if (ok && (due = gst_axion_delivery_sink_take_due (base, kind))) {
    ok = publish_all (self, due, TRUE, qos);
    gst_axion_delivery_sink_update_depth (base);
  }
  if (ok)
    ok = axion_mqtt_client_wait_acks (self->client, ack_ms);
  settle (self, ok);
  if (due)
    g_ptr_array_unref (due);
  if (!ok) {
    *error = g_strdup (axion_mqtt_client_error (self->client));
    return GST_AXION_SINK_LOST;
  }
  return GST_AXION_SINK_OK;
}

/* ---- GObject ----------------------------------------------------------- */

static gboolean
gst_axion_mqtt_sink_start (GstBaseSink *bs)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (bs);
  GError *err = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  axion_mqtt_broker_clear (&self->broker);
  ok = axion_mqtt_broker_parse (self->broker_url, &self->broker, &err);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
        ("broker-url is mqtt://[user:password@]host[:port]"));
    g_error_free (err);
    return FALSE;
  }
  LOCK (self);
  self->redelivered = 0;
  self->motion_on = FALSE;
  self->objects_last = 0;
  UNLOCK (self);
  return GST_BASE_SINK_CLASS (gst_axion_mqtt_sink_parent_class)->start (bs);
}

static gboolean
gst_axion_mqtt_sink_stop (GstBaseSink *bs)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (bs);
  gboolean ret =
      GST_BASE_SINK_CLASS (gst_axion_mqtt_sink_parent_class)->stop (bs);

  LOCK (self);
  g_clear_pointer (&self->camera, g_free);
  UNLOCK (self);
  return ret;
}

/* the base class's lock held */
static void
gst_axion_mqtt_sink_add_stats (GstAxionDeliverySink *base, GstStructure *s)
{
  gst_structure_set (s, "redelivered", G_TYPE_UINT64,
      GST_AXION_MQTT_SINK (base)->redelivered, NULL);
}

static void
set_string (GstAxionMqttSink *self, gchar **slot, const GValue *value)
{
  GST_OBJECT_LOCK (self);
  g_free (*slot);
  *slot = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_mqtt_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (object);

  switch (prop_id) {
  case PROP_BROKER_URL:
    set_string (self, &self->broker_url, value);
    break;
  case PROP_TOPIC_PREFIX:
    set_string (self, &self->topic_prefix, value);
    GST_OBJECT_LOCK (self);
    if (self->topic_prefix == NULL || *self->topic_prefix == '\0') {
      g_free (self->topic_prefix);
      self->topic_prefix = g_strdup (DEFAULT_TOPIC_PREFIX);
    }
    GST_OBJECT_UNLOCK (self);
    break;
  case PROP_CLIENT_ID:
    set_string (self, &self->client_id, value);
    break;
  case PROP_CAMERA_ID:
    GST_OBJECT_LOCK (self);
    gst_axion_camera_id_property_set (
        GST_OBJECT (self), &self->camera_id, g_value_get_string (value));
    GST_OBJECT_UNLOCK (self);
    break;
  case PROP_QOS:
    self->qos = g_value_get_int (value);
    break;
  case PROP_KEEPALIVE:
    self->keepalive_s = g_value_get_uint (value);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    self->connect_timeout_ms = g_value_get_uint (value);
    break;
  case PROP_ACK_TIMEOUT_MS:
    self->ack_timeout_ms = g_value_get_uint (value);
    break;
  case PROP_TLS_CA_FILE:
    set_string (self, &self->ca_file, value);
    break;
  case PROP_TLS_CERT_FILE:
    set_string (self, &self->cert_file, value);
    break;
  case PROP_TLS_KEY_FILE:
    set_string (self, &self->key_file, value);
    break;
  case PROP_PUBLISH_EVENTS:
    self->publish_events = g_value_get_boolean (value);
    break;
  case PROP_PUBLISH_CONTINUE:
    self->publish_continue = g_value_get_boolean (value);
    break;
  case PROP_PUBLISH_ALERTS:
    self->publish_alerts = g_value_get_boolean (value);
    break;
  case PROP_HA_DISCOVERY:
    self->ha_discovery = g_value_get_boolean (value);
    break;
  case PROP_HA_PREFIX:
    set_string (self, &self->ha_prefix, value);
    break;
  default:
    if (!gst_axion_delivery_sink_set_property (object, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

/* the broker without its credentials (a password may hold '@', '#' or
 * ':', so the URL is parsed, not cut) */
static gchar *
redacted_broker (const gchar *url)
{
  AxionMqttBroker b;
  gchar *out;

  if (url == NULL)
    return NULL;
  if (!axion_mqtt_broker_parse (url, &b, NULL))
    return g_strdup ("(invalid broker-url)");
  out = g_strdup_printf (
      "%s://%s:%d", b.tls ? "mqtts" : "mqtt", b.host, b.port);
  axion_mqtt_broker_clear (&b);
  return out;
}

static void
gst_axion_mqtt_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (object);

  if (gst_axion_delivery_sink_get_property (object, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_BROKER_URL:
    /* never the credentials */
    g_value_take_string (value, redacted_broker (self->broker_url));
    break;
  case PROP_TOPIC_PREFIX:
    g_value_set_string (value, self->topic_prefix);
    break;
  case PROP_CLIENT_ID:
    g_value_set_string (value, self->client_id);
    break;
  case PROP_CAMERA_ID:
    g_value_set_string (value, self->camera_id);
    break;
  case PROP_QOS:
    g_value_set_int (value, self->qos);
    break;
  case PROP_KEEPALIVE:
    g_value_set_uint (value, self->keepalive_s);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    g_value_set_uint (value, self->connect_timeout_ms);
    break;
  case PROP_ACK_TIMEOUT_MS:
    g_value_set_uint (value, self->ack_timeout_ms);
    break;
  case PROP_TLS_CA_FILE:
    g_value_set_string (value, self->ca_file);
    break;
  case PROP_TLS_CERT_FILE:
    g_value_set_string (value, self->cert_file);
    break;
  case PROP_TLS_KEY_FILE:
    g_value_set_string (value, self->key_file);
    break;
  case PROP_PUBLISH_EVENTS:
    g_value_set_boolean (value, self->publish_events);
    break;
  case PROP_PUBLISH_CONTINUE:
    g_value_set_boolean (value, self->publish_continue);
    break;
  case PROP_PUBLISH_ALERTS:
    g_value_set_boolean (value, self->publish_alerts);
    break;
  case PROP_HA_DISCOVERY:
    g_value_set_boolean (value, self->ha_discovery);
    break;
  case PROP_HA_PREFIX:
    g_value_set_string (value, self->ha_prefix);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_mqtt_sink_finalize (GObject *object)
{
  GstAxionMqttSink *self = GST_AXION_MQTT_SINK (object);

  axion_mqtt_broker_clear (&self->broker);
  g_ptr_array_unref (self->inflight);
  g_free (self->broker_url);
  g_free (self->topic_prefix);
  g_free (self->client_id);
  g_free (self->camera_id);
  g_free (self->camera);
  g_free (self->announced);
  g_free (self->ca_file);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_free (self->ha_prefix);
  G_OBJECT_CLASS (gst_axion_mqtt_sink_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

static const GstAxionDeliverySinkInfo delivery_info = {
  .stats_name = "axionmqttsink-stats",
  .noun = "MQTT messages",
  .channel_keys = "<prefix>:queue:mqtt:failed, :retry, :dead_letter",
  .spool_file = "<dir>/mqtt-<camera>.jsonl",
  .attempt = "publishes that got no PUBACK",
  .delivered = "once the broker has them (channel 'mqtt')",
  .max_attempts = 10,
  .max_queue = 100000,
  .max_queue_min = 100,
  .retry_poll_ms = 500,
  .retry_batch = 500,
  .stats = "The common sink fields, and sent (acknowledged), retried (sent "
           "from the retry queue), failed (handed to the retry queue), "
           "redelivered (resent after a lost connection: possible "
           "duplicates), dead-lettered, queue-depth (failed + scheduled), "
           "pending, notified, receipts-waiting, receipts-unmatched",
};


static void
install_properties (GObjectClass *oc)
{
  gst_axion_delivery_sink_install_string (oc, PROP_BROKER_URL, "broker-url",
      "Broker URL",
      "mqtt://[user:password@]host[:port] or mqtts:// (TLS; port 1883 / "
      "8883 by default). The password is never logged nor read back",
      NULL);
  gst_axion_delivery_sink_install_string (oc, PROP_TOPIC_PREFIX, "topic-prefix",
      "Topic prefix",
      "Topics are <prefix>/<camera>/event, /alert, /availability, "
      "/motion, /objects, /description",
      DEFAULT_TOPIC_PREFIX);
  gst_axion_delivery_sink_install_string (oc, PROP_CLIENT_ID, "client-id",
      "Client id", "MQTT client id (empty: axion-<camera>-<pid>)", NULL);
  gst_axion_delivery_sink_install_string (oc, PROP_CAMERA_ID, "camera-id",
      "Camera id",
      "The camera of the availability topic and discovery (empty: the "
      "frames' camera, or resolved from the source URI)",
      NULL);
  g_object_class_install_property (oc, PROP_QOS,
      g_param_spec_int ("qos", "QoS",
          "QoS of events and alerts: 1 (at least once, acknowledged) or 0 "
          "(fire and forget: no retry)",
          0, 1, DEFAULT_QOS, RW));
  gst_axion_delivery_sink_install_uint (oc, PROP_KEEPALIVE, "keepalive",
      "Keepalive (s)", "MQTT keepalive in seconds", 5, 3600,
      DEFAULT_KEEPALIVE_S);
  gst_axion_delivery_sink_install_uint (oc, PROP_CONNECT_TIMEOUT_MS,
      "connect-timeout-ms", "Connect timeout (ms)",
      "Time to connect and get CONNACK", 100, 600000,
      DEFAULT_CONNECT_TIMEOUT_MS);
  gst_axion_delivery_sink_install_uint (oc, PROP_ACK_TIMEOUT_MS,
      "ack-timeout-ms", "Ack timeout (ms)",
      "Time a publish may wait for its PUBACK before it is retried (and the "
      "connection made again)",
      100, 600000, DEFAULT_ACK_TIMEOUT_MS);
  gst_axion_delivery_sink_install_string (oc, PROP_TLS_CA_FILE, "tls-ca-file",
      "TLS CA file", "CA certificates (PEM) for mqtts:// (empty: the system's)",
      NULL);
  gst_axion_delivery_sink_install_string (oc, PROP_TLS_CERT_FILE,
      "tls-cert-file", "TLS cert file",
      "Client certificate (PEM) for mqtts://, optional", NULL);
  gst_axion_delivery_sink_install_string (oc, PROP_TLS_KEY_FILE, "tls-key-file",
      "TLS key file", "Client key (PEM) for mqtts://, optional", NULL);
  gst_axion_delivery_sink_install_bool (oc, PROP_PUBLISH_EVENTS,
      "publish-events", "Publish events",
      "Publish camera events on <prefix>/<camera>/event", TRUE);
  gst_axion_delivery_sink_install_bool (oc, PROP_PUBLISH_CONTINUE,
      "publish-continue", "Publish motion continue",
      "Also publish motion 'continue' events (one per frame with motion)",
      FALSE);
  gst_axion_delivery_sink_install_bool (oc, PROP_PUBLISH_ALERTS,
      "publish-alerts", "Publish alerts",
      "Publish alerts (axionalert, and scene analyses that ask for one) on "
      "<prefix>/<camera>/alert",
      TRUE);
  gst_axion_delivery_sink_install_bool (oc, PROP_HA_DISCOVERY, "ha-discovery",
      "Home Assistant",
      "Announce the camera to Home Assistant (MQTT discovery, retained)", TRUE);
  gst_axion_delivery_sink_install_string (oc, PROP_HA_PREFIX, "ha-prefix",
      "Discovery prefix", "Home Assistant's discovery prefix",
      DEFAULT_HA_PREFIX);
}

static void
gst_axion_mqtt_sink_class_init (GstAxionMqttSinkClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *bc = GST_BASE_SINK_CLASS (klass);
  GstAxionQueueSinkClass *qc = GST_AXION_QUEUE_SINK_CLASS (klass);
  GstAxionDeliverySinkClass *dc = GST_AXION_DELIVERY_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      axion_mqtt_debug, "axionmqttsink", 0, "Axion MQTT delivery");
  mosquitto_lib_init ();

  oc->set_property = gst_axion_mqtt_sink_set_property;
  oc->get_property = gst_axion_mqtt_sink_get_property;
  oc->finalize = gst_axion_mqtt_sink_finalize;
  install_properties (oc);
  gst_axion_delivery_sink_class_install (dc, &delivery_info);

  gst_element_class_add_static_pad_template (ec, &sink_template);
  gst_element_class_set_static_metadata (ec, "Axion MQTT sink", "Sink/Network",
      "Publishes camera events and alerts over MQTT (QoS 1, at least once, "
      "retried through Redis), with Home Assistant discovery",
      "Axion developers");

  bc->start = GST_DEBUG_FUNCPTR (gst_axion_mqtt_sink_start);
  bc->stop = GST_DEBUG_FUNCPTR (gst_axion_mqtt_sink_stop);
  /* brokers restart in a second or two: try again soon */
  gst_axion_queue_sink_class_set_backoff (qc, 200, 5000);
  qc->connect = gst_axion_mqtt_sink_connect;
  qc->disconnect = gst_axion_mqtt_sink_disconnect;
  dc->collect = gst_axion_mqtt_sink_collect;
  dc->deliver = gst_axion_mqtt_sink_deliver;
  dc->add_stats = gst_axion_mqtt_sink_add_stats;
}

static void
gst_axion_mqtt_sink_init (GstAxionMqttSink *self)
{
  self->topic_prefix = g_strdup (DEFAULT_TOPIC_PREFIX);
  self->ha_prefix = g_strdup (DEFAULT_HA_PREFIX);
  self->qos = DEFAULT_QOS;
  self->keepalive_s = DEFAULT_KEEPALIVE_S;
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->ack_timeout_ms = DEFAULT_ACK_TIMEOUT_MS;
  self->publish_events = TRUE;
  self->publish_alerts = TRUE;
  self->ha_discovery = TRUE;
  self->objects_last = 0;
  self->inflight = g_ptr_array_new ();
  gst_axion_delivery_sink_init_defaults (BASE (self));
}
