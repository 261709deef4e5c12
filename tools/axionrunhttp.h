/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "axionrun.h"

G_BEGIN_DECLS

/* axion-run's HTTP server (libsoup 3 on the main loop): /metrics
 * (Prometheus text format), /healthz, /readyz, the web console (static
 * files of web/) and its JSON API, and the snapshots. Off unless [http]
 * listen (or --http) is given. Anything that waits on PostgreSQL runs on a
 * worker thread; the pipelines are never touched but through their
 * elements' stats. See docs/console.md. */

/* An [http] key (listen, token, token-file, web-root, stale,
 * claude-usd-per-mtok-input, claude-usd-per-mtok-output). FALSE with
 * @error saying what is accepted (never quoting a token). */
gboolean
axion_run_http_set (const gchar *key, const gchar *value, GError **error);

/* The settings hang together (a token when listening beyond loopback, the
 * web root exists). Called before anything starts. */
gboolean axion_run_http_check (GError **error);

/* Listens when configured; prints the URL. FALSE with @error (address in
 * use, ...). */
gboolean axion_run_http_start (GError **error);

/* Every second from the runner's tick: samples each camera's motion for
 * the console's sparklines (the last 10 minutes). */
void axion_run_http_tick (void);

void axion_run_http_stop (void);

/* ---- shared by the server's parts (axionrunprom.c, axionrunapi.c) ---- */

/* /metrics */
gchar *axion_run_prom_render (void);

/* the snapshot root (SNAPSHOT_DIR, else axionsnapshot's default) */
const gchar *axion_run_http_snapshot_root (void);

/* motion samples of @camera_id, oldest first: scores 0..1, -1 where no
 * sample was taken; @n_out gets the count (600: 10 minutes) */
const gdouble *axion_run_http_motion (const gchar *camera_id, guint *n_out);

/* the Axion element of @factory in @c's pipeline, its stats (NULL when
 * none); free with gst_structure_free() */
GstStructure *
axion_run_http_element_stats (AxionRunCamera *c, const gchar *factory);

G_END_DECLS
