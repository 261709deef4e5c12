/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Discovery messages follow Home Assistant's MQTT discovery schema
 * (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery):
 * topic <discovery_prefix>/<component>/<node_id>/<object_id>/config, ids
 * of [a-zA-Z0-9_-], a retained JSON config per entity with unique_id,
 * state_topic, availability and the device the entities belong to.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionhadiscovery.h"

#include <gst/axion/gstaxionformat.h>

gchar *
axion_ha_node_id (const gchar *camera_id)
{
  gchar *id = g_strdup_printf ("axion_%s", camera_id);

  for (gchar *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      *p = '_';
  return id;
}

static void
member (GString *s, const gchar *name, const gchar *value)
{
  g_string_append_printf (s, "%s\"%s\":", s->len > 1 ? "," : "", name);
  gst_axion_json_append_string (s, value);
}

/* what every entity of the camera shares: availability and device */
static void
common (GString *s, const gchar *avail, const gchar *node, const gchar *camera)
{
  member (s, "availability_topic", avail);
  member (s, "payload_available", "online");
  member (s, "payload_not_available", "offline");
  g_string_append (s, ",\"device\":{\"identifiers\":[");
  gst_axion_json_append_string (s, node);
  g_string_append (s, "],\"name\":");
  gst_axion_json_append_string (s, camera);
  g_string_append (s,
      ",\"manufacturer\":\"Axion\",\"model\":\"Axion "
      "camera analytics\"}");
}

static AxionHaConfig *
config_new (const gchar *disc, const gchar *component, const gchar *node,
    const gchar *object, GString *payload)
{
  AxionHaConfig *c = g_new0 (AxionHaConfig, 1);

  g_string_append_c (payload, '}');
  c->topic = g_strdup_printf (
      "%s/%s/%s/%s/config", disc, component, node, object);
  c->payload = g_string_free (payload, FALSE);
  return c;
}

GPtrArray *
axion_ha_discovery_configs (
    const gchar *disc, const gchar *prefix, const gchar *camera)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) axion_ha_config_free);
  gchar *node = axion_ha_node_id (camera);
  gchar *avail = g_strdup_printf ("%s/%s/availability", prefix, camera);
  gchar *motion = g_strdup_printf ("%s/%s/motion", prefix, camera);
  gchar *objects = g_strdup_printf ("%s/%s/objects", prefix, camera);
  gchar *alert = g_strdup_printf ("%s/%s/alert", prefix, camera);
  gchar *desc = g_strdup_printf ("%s/%s/description", prefix, camera);
  gchar *uid;
  GString *s;

  s = g_string_new ("{");
  member (s, "name", "Motion");
  uid = g_strdup_printf ("%s_motion", node);
  member (s, "unique_id", uid);
  g_free (uid);
  member (s, "state_topic", motion);
  member (s, "payload_on", "ON");
  member (s, "payload_off", "OFF");
  member (s, "device_class", "motion");
  common (s, avail, node, camera);
  g_ptr_array_add (out, config_new (disc, "binary_sensor", node, "motion", s));

  s = g_string_new ("{");
  member (s, "name", "Objects");
  uid = g_strdup_printf ("%s_objects", node);
  member (s, "unique_id", uid);
  g_free (uid);
  member (s, "state_topic", objects);
  member (s, "unit_of_measurement", "objects");
  member (s, "state_class", "measurement");
  member (s, "icon", "mdi:account-group");
  common (s, avail, node, camera);
  g_ptr_array_add (out, config_new (disc, "sensor", node, "objects", s));

  /* states are at most 255 characters: the title, the rest as attributes */
  s = g_string_new ("{");
  member (s, "name", "Last alert");
  uid = g_strdup_printf ("%s_last_alert", node);
  member (s, "unique_id", uid);
  g_free (uid);
  member (s, "state_topic", alert);
  member (s, "value_template", "{{ value_json.title | truncate(250) }}");
  member (s, "json_attributes_topic", alert);
  member (s, "icon", "mdi:alert");
  common (s, avail, node, camera);
  g_ptr_array_add (out, config_new (disc, "sensor", node, "last_alert", s));

  s = g_string_new ("{");
  member (s, "name", "Description");
  uid = g_strdup_printf ("%s_description", node);
  member (s, "unique_id", uid);
  g_free (uid);
  member (s, "state_topic", desc);
  member (s, "value_template", "{{ value_json.description | truncate(250) }}");
  member (s, "json_attributes_topic", desc);
  member (s, "icon", "mdi:text-box-outline");
  common (s, avail, node, camera);
  g_ptr_array_add (out, config_new (disc, "sensor", node, "description", s));

  g_free (node);
  g_free (avail);
  g_free (motion);
  g_free (objects);
  g_free (alert);
  g_free (desc);
  return out;
}

void
axion_ha_config_free (AxionHaConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->topic);
  g_free (c->payload);
  g_free (c);
}
