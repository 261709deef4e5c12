/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "axionrun.h"

G_BEGIN_DECLS

/* Builds and plays the camera's pipeline (an outage when it fails to
 * start, a configuration error when it cannot be built). */
void axion_run_camera_start (AxionRunCamera *c);

/* Its pipeline rebuilt at once with its current URL and variables (a new
 * quality level, axionrunbandwidth.c); not counted as an outage. */
void axion_run_camera_reconnect (AxionRunCamera *c);

/* At shutdown: EOS through its pipeline (done at once without one). */
void axion_run_camera_shutdown (AxionRunCamera *c);

/* Its pipeline (if any) torn down off the main thread. */
void axion_run_camera_stop_pipeline (AxionRunCamera *c);

/* A camera without frames for the stall timeout is an outage. */
void axion_run_camera_check_stall (AxionRunCamera *c);

/* --check: the pipeline file expands and parses. */
gboolean axion_run_camera_check (AxionRunCamera *c, GError **error);

/* Waits until every torn-down pipeline reached NULL, at most
 * @timeout_ms. FALSE when one is still stopping (an element hangs). */
gboolean axion_run_cameras_wait_teardown (guint64 timeout_ms);

G_END_DECLS
