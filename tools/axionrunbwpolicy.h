/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bandwidth controller's decision (docs/bandwidth.md), a pure
 * function: no clock, no I/O. Given each camera's activity, priority,
 * current level and measured bitrate, and the kilobits per second this
 * process may use, it picks a level per camera. Guarantees (tested in
 * tests/check/bwpolicy.c): the sum of the chosen levels' costs never
 * exceeds the budget when the lowest levels fit in it; a camera of higher
 * priority is served before one of lower priority; a camera keeps its
 * level for the hold time unless the budget forces it down; an idle
 * camera goes down only after idle_down_us without activity, and wants the
 * top level until then (hysteresis);
 * a camera of lower priority than another runner's waiting camera gives
 * way.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint n_levels;          /* levels, lowest first (at least 1) */
  const guint *level_kbps; /* each level's max_bitrate_kbps */
  gint64 hold_us;          /* a level is kept at least this long */
  gint64 idle_down_us;     /* idle this long before going down */
  /* another runner's camera of this priority waits for room: cameras of
   * lower priority give way (want their lowest level); 0: none */
  gint yield_below;
} AxionBwPolicy;

typedef struct
{
  const gchar *id;
  gint priority;                /* higher first */
  gboolean active;              /* activity now (motion, tracks, alerts) */
  gint64 idle_for_us;           /* since the last activity (0: active now) */
  gint level;                   /* current level, -1: none yet */
  gint64 held_for_us;           /* since the current level was applied */
  gdouble measured_kbps;        /* at the current level, -1 unknown */
  const gchar *activity_reason; /* a going up's reason, e.g.
                                   "high_motion_detected" */
} AxionBwCamIn;

typedef struct
{
  gint level;
  gdouble kbps;        /* what the level is counted for */
  const gchar *reason; /* why it changed (NULL: unchanged) */
  gboolean waiting;    /* wants more than the budget gives it */
} AxionBwCamOut;

/* What camera @in at @level costs: the level's max_bitrate_kbps, or more
 * when the camera was measured above its cap at its current level (a
 * camera that does not honour the cap is counted at what it sends). */
gdouble
axion_bw_cost (const AxionBwPolicy *p, const AxionBwCamIn *in, gint level);

/* Fills @out[i] for each of the @n cameras; returns the share to
 * reserve: the sum of the costs, plus for this second the old level's
 * cost of each camera going down, as far as @avail_kbps allows (above
 * @avail_kbps only when even the lowest levels do not fit). */
gdouble axion_bw_allocate (const AxionBwPolicy *p, const AxionBwCamIn *in,
    guint n, gdouble avail_kbps, AxionBwCamOut *out);

G_END_DECLS
