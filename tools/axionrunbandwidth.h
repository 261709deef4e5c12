/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's bandwidth controller (docs/bandwidth.md): measures each
 * camera's compressed bitrate, and with a [bandwidth] budget and quality
 * levels moves cameras between levels (a stream profile each) by their
 * activity and priority, sharing the budget with every other runner
 * through Redis (axionrunbwredis.c). The decision: axionrunbwpolicy.c.
 */
#pragma once

#include "axionrun.h"

G_BEGIN_DECLS

/* A key of the [bandwidth] section (budget-mbps, hold, idle-down, lease,
 * window, LEVEL.fps, LEVEL.resolution, LEVEL.compression,
 * LEVEL.max-bitrate-kbps). FALSE with @error saying what to write. */
gboolean
axion_run_bandwidth_set (const gchar *key, const gchar *value, GError **error);

/* A camera key of the controller: priority, url-template, url-LEVEL. */
gboolean axion_run_bandwidth_is_camera_key (const gchar *key);
gboolean axion_run_bandwidth_camera_set (
    AxionRunCamera *c, const gchar *key, const gchar *value, GError **error);

/* After the whole file: levels complete, every camera's URLs cover them. */
gboolean axion_run_bandwidth_check (AxionRunConfig *cfg, GError **error);

/* Before the cameras start: controlled cameras at their lowest level. */
void axion_run_bandwidth_start (void);

/* A camera's new pipeline: its bitrate is measured (from axionruncamera) */
void axion_run_bandwidth_attach (AxionRunCamera *c);

/* Once a second (main loop). */
void axion_run_bandwidth_tick (void);

/* At exit: our reservation given back. */
void axion_run_bandwidth_stop (void);

G_END_DECLS
