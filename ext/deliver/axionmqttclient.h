/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One MQTT session (libmosquitto, MQTT 3.1.1), driven by the caller's
 * thread: connect with a deadline, QoS 1 publishes whose PUBACKs are
 * awaited, a retained last will.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *host;
  gint port;
  gboolean tls;
  gchar *user, *password;
} AxionMqttBroker;

/* mqtt://[user[:password]@]host[:port] or mqtts://...; the user-info
 * ends at the last '@' (passwords may hold '@', ':', '#'), %XX decoded.
 * Errors never quote the password. */
gboolean axion_mqtt_broker_parse (
    const gchar *url, AxionMqttBroker *out, GError **error);
void axion_mqtt_broker_clear (AxionMqttBroker *b);

typedef struct _AxionMqttClient AxionMqttClient;

typedef enum
{
  AXION_MQTT_OK,
  AXION_MQTT_LOST,    /* unreachable, or the connection broke: retry */
  AXION_MQTT_REFUSED, /* credentials or authorisation: configuration */
} AxionMqttResult;

typedef struct
{
  const AxionMqttBroker *broker;
  const gchar *client_id;
  guint keepalive_s;
  guint connect_timeout_ms;
  const gchar *ca_file, *cert_file, *key_file; /* TLS, nullable */
  const gchar *will_topic, *will_payload;      /* nullable: no will */
} AxionMqttConnectOptions;

AxionMqttClient *
axion_mqtt_client_connect (const AxionMqttConnectOptions *options,
    AxionMqttResult *result, gchar **error);

/* Queues a publish (qos 0 or 1); returns its message id, or -1 when the
 * connection is gone. */
gint axion_mqtt_client_publish (AxionMqttClient *c, const gchar *topic,
    const gchar *payload, gint qos, gboolean retain);

/* Runs the network until every publish is acknowledged or @timeout_ms
 * passes (0: one non-blocking pass). FALSE: the connection broke. */
gboolean axion_mqtt_client_wait_acks (AxionMqttClient *c, guint timeout_ms);

/* Whether the publish @mid is acknowledged (and forgets it). */
gboolean axion_mqtt_client_take_ack (AxionMqttClient *c, gint mid);
guint axion_mqtt_client_unacked (AxionMqttClient *c);

/* Publishes @payload retained on @topic (the graceful "offline"), then
 * disconnects and frees. */
void axion_mqtt_client_close (
    AxionMqttClient *c, const gchar *topic, const gchar *payload);

const gchar *axion_mqtt_client_error (AxionMqttClient *c);

G_END_DECLS
