/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Home Assistant MQTT discovery: what a camera announces so that it shows
 * up in Home Assistant with no YAML.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *topic; /* <discovery prefix>/<component>/axion_<cam>/<object>/config */
  gchar *payload; /* JSON */
} AxionHaConfig;

/* The camera's entities: a motion binary_sensor, an object-count sensor,
 * the last alert and the last scene description. @topic_prefix: the
 * sink's topic prefix (state topics are <prefix>/<camera>/...). */
GPtrArray *axion_ha_discovery_configs (const gchar *discovery_prefix,
    const gchar *topic_prefix, const gchar *camera_id);

void axion_ha_config_free (AxionHaConfig *config);

/* a camera id as a Home Assistant node id ([a-zA-Z0-9_-]) */
gchar *axion_ha_node_id (const gchar *camera_id);

G_END_DECLS
