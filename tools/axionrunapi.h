/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "axionrunhttp.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The console's JSON API under /api/ (docs/console.md): cameras from the
 * runner's own state; events, alerts and Claude analyses from PostgreSQL
 * on a worker thread (the message is paused meanwhile); alert actions
 * (acknowledge, resolve) with their audit_log row in one statement. */
void axion_run_api_handle (SoupServer *server, SoupServerMessage *msg,
    const gchar *path, GHashTable *query);

/* a response: @body taken */
void axion_run_http_reply (SoupServerMessage *msg, guint status,
    const gchar *content_type, gchar *body, gsize len);
void axion_run_http_reply_text (SoupServerMessage *msg, guint status,
    const gchar *fmt, ...) G_GNUC_PRINTF (3, 4);

/* Claude's prices for axion_claude_cost_usd_total, US dollars per
 * million tokens */
void axion_run_prom_set_price (gboolean input, gdouble usd_per_mtok);

G_END_DECLS
