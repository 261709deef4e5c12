/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bandwidth controller's Redis side (docs/bandwidth.md), on a thread
 * of its own (the main loop never waits on Redis): one process's share of
 * the global budget as a reservation held by a lease, the decision
 * (axionrunbwpolicy.c) between reading the others' reservations and
 * committing ours, and the schema document's §2.4 keys.
 */
#pragma once

#include "axionrunbwpolicy.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *name; /* low, medium, high... */
  guint fps;
  gchar *resolution; /* WxH */
  guint compression; /* 0-100 (Axis: higher compresses more) */
  guint kbps;        /* max_bitrate_kbps */
} AxionBwLevel;

/* One second's work: built by the main thread, done by the worker, handed
 * back to the main context. */
typedef struct
{
  /* in */
  gdouble budget_kbps; /* 0: no controller, measured bitrates only */
  AxionBwPolicy policy;
  const AxionBwLevel *levels; /* policy.n_levels, lowest first */
  guint n;                    /* controlled cameras */
  AxionBwCamIn *in;
  gint64 *adjusted_at; /* Unix s of each one's last change */
  const gchar **last_reason;
  guint m; /* cameras only measured */
  gchar **measured_ids;
  gdouble *measured_kbps; /* -1 unknown */
  /* out */
  AxionBwCamOut *out;
  gboolean committed; /* out[] holds: our reservation was taken */
  gdouble others_kbps, reserved_kbps;
  gchar *error; /* Redis unreachable or refused */
} AxionBwJob;

void axion_bw_job_free (AxionBwJob *j);

typedef struct _AxionBwRedis AxionBwRedis;

/* @done runs on the main context with each finished job (and frees it
 * with axion_bw_job_free after). @owner: this process's reservation's
 * name, unique across hosts. */
AxionBwRedis *axion_bw_redis_new (const gchar *redis_url, const gchar *prefix,
    const gchar *owner, guint lease_ms, void (*done) (AxionBwJob *j));

/* FALSE (and @j freed) while the previous job is still being done. */
gboolean axion_bw_redis_submit (AxionBwRedis *r, AxionBwJob *j);

/* Gives the reservation back (one command, 1 s timeout) and stops. */
void axion_bw_redis_stop (AxionBwRedis *r);

G_END_DECLS
