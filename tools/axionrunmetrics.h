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

G_END_DECLS
