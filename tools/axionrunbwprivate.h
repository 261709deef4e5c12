/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal to axion-run's bandwidth controller: its state, shared by the
 * configuration (axionrunbwconfig.c) and the controller
 * (axionrunbandwidth.c).
 */
#pragma once

#include "axionrun.h"
#include "axionrunbitrate.h"
#include "axionrunbwredis.h"

G_BEGIN_DECLS

typedef struct
{
  AxionRunCamera *c;
  AxionRunBitrate *meter;
  gint priority;
  gchar *url_template;
  GHashTable *urls; /* level name -> URL */
  gint level;       /* -1: not controlled */
  gint64 level_since_us, last_active_us;
  guint64 alerts_seen;
  gint64 adjusted_at;
  const gchar *last_reason;
  const gchar *last_why; /* the last activity's reason (idle-down holds) */
  gint64 switch_us;      /* a level switch's reconnect began (0: none) */
  gdouble kbps;
  gboolean attached; /* a pipeline has been measured */
} BwCam;

typedef struct
{
  gdouble budget_kbps;
  GArray *levels; /* AxionBwLevel, lowest first after the check */
  guint *level_kbps;
  guint64 hold_ms, idle_ms, lease_ms, window_ms;
  GHashTable *cams; /* AxionRunCamera* -> BwCam */
  AxionBwRedis *redis;
  gchar *last_error;
  guint ticks;
} AxionRunBw;


extern AxionRunBw axion_run_bw;

/* The camera's controller state (created on first use). */
BwCam *axion_run_bw_cam (AxionRunCamera *c);

/* It has quality levels and there is a budget. */
gboolean axion_run_bw_controlled (BwCam *b);

/* The level's URL: the camera's own for it, else its template filled. */
gchar *axion_run_bw_level_url (BwCam *b, const AxionBwLevel *l);

/* Frees the configuration and every camera's state. */
void axion_run_bw_config_clear (void);

G_END_DECLS
