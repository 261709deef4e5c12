/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "axionrun.h"
#include "axionrunstore.h"

G_BEGIN_DECLS

/* Every 10 s, per camera: fps, frames, outages, online (component
 * "runner") and its pipeline's own counters (accelerator share, sink
 * queues, each Axion element's CPU per frame) as system_metrics rows; the
 * 1-minute rollup each minute. Queued on @store, never waiting. */
void axion_run_metrics_write (AxionRunStore *store, GPtrArray *cameras);

/* One system_metrics row, stamped now; its id is taken on the store's
 * worker (without a node lease it waits there, the caller never does). */
void axion_run_metric (AxionRunStore *store, const gchar *name,
    const gchar *type, const gchar *component, const gchar *source,
    gdouble value, const gchar *unit);

G_END_DECLS
