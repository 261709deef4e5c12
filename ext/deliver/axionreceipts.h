/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Delivery receipts: an alert that reached a channel is marked in its
 * alerts row (notification_sent, notification_channels,
 * notification_sent_at).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _AxionReceipts AxionReceipts;

/* @conninfo: libpq connection string; NULL or "": receipts are not kept */
AxionReceipts *axion_receipts_new (const gchar *conninfo);
void axion_receipts_free (AxionReceipts *r);

/* @alert_id reached @channel at @sent_us (Unix us) */
void axion_receipts_add (
    AxionReceipts *r, gint64 alert_id, const gchar *channel, gint64 sent_us);

/* Marks the rows (worker thread). A row not written yet (the database
 * sink batches) is tried again at the next call, for up to 10 minutes.
 * Returns how many rows were marked. */
guint axion_receipts_apply (AxionReceipts *r);

/* receipts waiting, and those given up (no row within 10 minutes) */
void axion_receipts_counts (
    AxionReceipts *r, guint *waiting, guint64 *marked, guint64 *unmatched);

/* @conninfo without its password, for property read-back and logs */
gchar *axion_conninfo_redact (const gchar *conninfo);

G_END_DECLS
