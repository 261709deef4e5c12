/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "axionrun.h"

G_BEGIN_DECLS

/* [alerts] camera-offline: one system alert per outage that lasts */
void axion_run_camera_check_offline (AxionRunCamera *c);

/* [alerts] spool-filling: a database sink's spool at the configured share
 * of its spool-max-bytes (once, until it drains below half of it) */
void axion_run_camera_check_spool (
    AxionRunCamera *c, const gchar *sink, guint64 used, guint64 max);

G_END_DECLS
