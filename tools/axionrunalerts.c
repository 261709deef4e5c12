/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's own alerts ([alerts] in the configuration): things no
 * pipeline can see, because the pipeline is down or is the problem. Each
 * is an alerts row, and a message in the §2.6 failed list of every
 * configured channel, which any running delivery sink sends.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunalerts.h"
#include "axionrunstore.h"

#include <gst/axion/axion.h>
#include <gst/axion/axiondeliverymsg.h>
#include <json-glib/json-glib.h>

static const gchar *
var (const gchar *name)
{
  const gchar *v = g_hash_table_lookup (axion_run.cfg.vars, name);
  return v && *v ? v : NULL;
}

/* the §2.6 entry of a message (the delivery sinks read it back) */
static gchar *
queue_entry (const gchar *id, const gchar *topic, const gchar *payload)
{
  AxionDeliveryMsg *m = axion_delivery_msg_new (id, topic, payload, FALSE);
  gchar *text = axion_delivery_msg_to_json (m, NULL, 0);

  axion_delivery_msg_free (m);
  return text;
}

/* a system alert of the runner (severity 4, priority 2); @data: an
 * alert_data object, consumed */
static GstAxionAlert *
system_alert (AxionRunCamera *c, const gchar *rule, gchar *title,
    gchar *description, JsonBuilder *data)
{
  GstAxionAlert *a = gst_axion_alert_new ();
  JsonGenerator *g = json_generator_new ();
  JsonNode *root = json_builder_get_root (data);

  a->type = GST_AXION_ALERT_SYSTEM;
  a->severity = 4;
  a->priority = 2;
  a->camera_id = g_strdup (c->id);
  a->rule = g_strdup (rule);
  a->title = title;
  a->description = description;
  a->frame_number = g_atomic_int_get (&c->frames);
  a->created_us = g_get_real_time ();
  json_generator_set_root (g, root);
  a->data_json = json_generator_to_data (g, NULL);
  json_node_unref (root);
  g_object_unref (g);
  g_object_unref (data);
  return a;
}

/* an alert on its way to the store's worker, with where it goes (read
 * here, on the main loop) */
typedef struct
{
  GstAxionAlert *alert;
  AxionRunStore *store;
  gchar *mqtt_topic; /* NULL: no MQTT */
  gboolean webhook;
} Pending;

static void
pending_free (Pending *p)
{
  gst_axion_alert_free (p->alert);
  g_free (p->mqtt_topic);
  g_free (p);
}

/* on the store's worker, with the alert's id (taken there: without a node
 * lease the alert waits for one, the main loop does not): the message for
 * each configured channel, and the alerts row */
static GstAxionRow *
alert_with_id (gint64 alert_id, gpointer data)
{
  Pending *p = data;
  GstAxionAlert *a = p->alert;
  gchar *json, *id, *entry;

  a->alert_id = alert_id;
  json = gst_axion_alert_to_json (a);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, alert_id);
  if (p->mqtt_topic) {
    entry = queue_entry (id, p->mqtt_topic, json);
    axion_run_store_queue_message (p->store, "mqtt", entry);
    g_free (entry);
  }
  if (p->webhook) {
    entry = queue_entry (id, "webhook", json);
    axion_run_store_queue_message (p->store, "webhook", entry);
    g_free (entry);
  }
  g_print ("%s: camera %s: %s: alert %s\n", AXION_RUN_PROG, a->camera_id,
      a->description, id);
  g_free (id);
  g_free (json);
  return gst_axion_row_alert_full (a, NULL);
}

static void
raise_alert (AxionRunCamera *c, GstAxionAlert *a)
{
  Pending *p = g_new0 (Pending, 1);

  p->alert = a;
  p->store = axion_run.store;
  if (var ("MQTT_URL"))
    p->mqtt_topic = g_strdup_printf ("%s/%s/alert",
        var ("MQTT_TOPIC_PREFIX") ? var ("MQTT_TOPIC_PREFIX") : "axis-is",
        c->id);
  p->webhook = var ("WEBHOOK_URL") != NULL;
  axion_run_store_insert_with_id (axion_run.store, a->created_us, FALSE,
      alert_with_id, p, (GDestroyNotify) pending_free);
}

void
axion_run_camera_check_offline (AxionRunCamera *c)
{
  guint64 limit = axion_run.cfg.offline_alert_ms;
  gdouble offline_s;
  JsonBuilder *b;

  if (limit == 0 || c->offline_since_us == 0 || c->offline_alerted ||
      axion_run.stopping)
    return;
  offline_s = (g_get_real_time () - c->offline_since_us) / 1e6;
  if (offline_s * 1000 < limit)
    return;
  c->offline_alerted = TRUE;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "offline_s");
  json_builder_add_double_value (b, offline_s);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, c->last_error ? c->last_error : "");
  json_builder_end_object (b);
  raise_alert (c,
      system_alert (c, "camera-offline",
          g_strdup_printf ("Camera %s offline", c->id),
          g_strdup_printf ("offline for %.0f s%s%s", offline_s,
              c->last_error ? ": " : "", c->last_error ? c->last_error : ""),
          b));
}

void
axion_run_camera_check_spool (
    AxionRunCamera *c, const gchar *sink, guint64 used, guint64 max)
{
  gdouble ratio = axion_run.cfg.spool_alert_ratio;
  JsonBuilder *b;

  if (ratio <= 0 || max == 0)
    return;
  /* hysteresis: armed again once the spool is below half the level */
  if (used < ratio * max / 2)
    c->spool_alerted = FALSE;
  if (c->spool_alerted || used < ratio * max)
    return;
  c->spool_alerted = TRUE;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sink");
  json_builder_add_string_value (b, sink);
  json_builder_set_member_name (b, "spool_bytes");
  json_builder_add_int_value (b, (gint64) used);
  json_builder_set_member_name (b, "spool_max_bytes");
  json_builder_add_int_value (b, (gint64) max);
  json_builder_end_object (b);
  raise_alert (c,
      system_alert (c, "spool-filling",
          g_strdup_printf ("Spool of %s filling", c->id),
          g_strdup_printf ("the database spool holds %.0f%% of "
                           "spool-max-bytes (%" G_GUINT64_FORMAT
                           " of %" G_GUINT64_FORMAT " bytes): "
                           "the database is away or too slow",
              100.0 * used / max, used, max),
          b));
}
