/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A message for people's systems (MQTT, webhooks) and its entry in the
 * schema document's §2.6 queues (<prefix>:queue:<channel>:failed, :retry,
 * :dead_letter). One format for every writer (the delivery sinks, the
 * runner's own alerts) and reader (the sinks, tools/axion-alerts).
 * Internal (static library axiondeliverymsg), not part of libgstaxion.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *id;      /* message id: receivers drop duplicates by it */
  gchar *topic;   /* MQTT topic, or webhook channel name */
  gchar *payload; /* JSON text */
  gboolean retain;
  guint attempts; /* delivery attempts made */
  gchar *last_error;
  gint64 queued_at;  /* Unix seconds */
  gint64 not_before; /* Unix ms: no attempt before (Retry-After); 0: none */
} AxionDeliveryMsg;

AxionDeliveryMsg *axion_delivery_msg_new (
    const gchar *id, const gchar *topic, const gchar *payload, gboolean retain);
void axion_delivery_msg_free (AxionDeliveryMsg *msg);
/* the §2.6 entry: {"id","topic","payload","attempts","last_error",
 * "queued_at"} (+ "not_before" when set, + "final_error", "failed_at" in
 * the dead-letter list) */
gchar *axion_delivery_msg_to_json (
    const AxionDeliveryMsg *msg, const gchar *final_error, gint64 failed_at);
AxionDeliveryMsg *axion_delivery_msg_from_json (const gchar *json);

G_END_DECLS
