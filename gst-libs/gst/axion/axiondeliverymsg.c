/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiondeliverymsg.h"

#include "gstaxionformat.h"

#include <json-glib/json-glib.h>

AxionDeliveryMsg *
axion_delivery_msg_new (
    const gchar *id, const gchar *topic, const gchar *payload, gboolean retain)
{
  AxionDeliveryMsg *m = g_new0 (AxionDeliveryMsg, 1);

  m->id = g_strdup (id);
  m->topic = g_strdup (topic);
  m->payload = g_strdup (payload);
  m->retain = retain;
  m->queued_at = g_get_real_time () / G_USEC_PER_SEC;
  return m;
}

void
axion_delivery_msg_free (AxionDeliveryMsg *m)
{
  if (m == NULL)
    return;
  g_free (m->id);
  g_free (m->topic);
  g_free (m->payload);
  g_free (m->last_error);
  g_free (m);
}

gchar *
axion_delivery_msg_to_json (
    const AxionDeliveryMsg *m, const gchar *final_error, gint64 failed_at)
{
  GString *s = g_string_new ("{\"id\":");

  gst_axion_json_append_string (s, m->id);
  g_string_append (s, ",\"topic\":");
  gst_axion_json_append_string (s, m->topic);
  g_string_append (s, ",\"payload\":");
  gst_axion_json_append_string (s, m->payload);
  g_string_append_printf (s, ",\"retain\":%s,\"attempts\":%u,\"last_error\":",
      m->retain ? "true" : "false", m->attempts);
  gst_axion_json_append_string (s, m->last_error);
  g_string_append_printf (s, ",\"queued_at\":%" G_GINT64_FORMAT, m->queued_at);
  if (m->not_before > 0)
    g_string_append_printf (
        s, ",\"not_before\":%" G_GINT64_FORMAT, m->not_before);
  if (final_error) {
    g_string_append (s, ",\"final_error\":");
    gst_axion_json_append_string (s, final_error);
    g_string_append_printf (s, ",\"failed_at\":%" G_GINT64_FORMAT, failed_at);
  }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static const gchar *
member_string (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && JSON_NODE_HOLDS_VALUE (n) &&
          json_node_get_value_type (n) == G_TYPE_STRING
      ? json_node_get_string (n)
      : NULL;
}

AxionDeliveryMsg *
axion_delivery_msg_from_json (const gchar *json)
{
  JsonParser *p = json_parser_new ();
  AxionDeliveryMsg *m = NULL;
  JsonObject *o;

  if (json_parser_load_from_data (p, json, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p))) {
    o = json_node_get_object (json_parser_get_root (p));
    if (member_string (o, "topic") && member_string (o, "payload")) {
      m = axion_delivery_msg_new (member_string (o, "id"),
          member_string (o, "topic"), member_string (o, "payload"),
          json_object_has_member (o, "retain") &&
              json_object_get_boolean_member (o, "retain"));
      if (json_object_has_member (o, "attempts"))
        m->attempts = (guint) json_object_get_int_member (o, "attempts");
      m->last_error = g_strdup (member_string (o, "last_error"));
      if (json_object_has_member (o, "queued_at"))
        m->queued_at = json_object_get_int_member (o, "queued_at");
      if (json_object_has_member (o, "not_before"))
        m->not_before = json_object_get_int_member (o, "not_before");
    }
  }
  g_object_unref (p);
  return m;
}
