/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bandwidth controller's decision (axionrunbwpolicy.h). Each call
 * decides from scratch, in five steps:
 *   1. cameras within their hold time keep their level (the hold is what
 *      stops flapping: a level costs a reconnect, docs/bandwidth.md);
 *      every other camera starts at the lowest level;
 *   2. when that is over the budget, held cameras come down one level at
 *      a time, lowest priority first (the budget wins over the hold);
 *   3. in priority order (then active first, then id: deterministic, so
 *      the same inputs never flap), each camera that is not held goes up
 *      towards the level it wants as far as the budget allows;
 *   4. when a camera goes down, those going up wait a second: the old
 *      stream of the one going down runs until its reconnect (0.5-1.7 s
 *      measured), and the two must not overlap on the link;
 *   5. for that second the share reserved still counts the old level
 *      (other runners wait too).
 * A camera wants the top level while active and until it has been idle
 * for idle_down_us (hysteresis), then wants the lowest; it
 * wants the lowest at once when another runner has a camera of higher
 * priority waiting for room (priority across runners: the share of a
 * runner shrinks only by its own decisions).
 */
#include "axionrunbwpolicy.h"

#include <stdlib.h>
#include <string.h>

gdouble
axion_bw_cost (const AxionBwPolicy *p, const AxionBwCamIn *in, gint level)
{
  gdouble cap = p->level_kbps[level];

  if (in->level >= 0 && in->measured_kbps > 0 && p->level_kbps[in->level] > 0 &&
      in->measured_kbps > p->level_kbps[in->level])
    return MAX (cap, in->measured_kbps * cap / p->level_kbps[in->level]);
  return cap;
}

static gint
wanted (const AxionBwPolicy *p, const AxionBwCamIn *in)
{
  gint top = (gint) p->n_levels - 1;

  if (in->priority < p->yield_below)
    return 0;
  /* activity holds for idle_down: a camera still wants the top level
   * in a pause of its motion (else another runner, seeing it no longer
   * waiting, took its share back and it flapped) */
  if (in->active || in->idle_for_us < p->idle_down_us)
    return top;
  return 0;
}

static gboolean
held (const AxionBwPolicy *p, const AxionBwCamIn *in)
{
  return in->level >= 0 && in->level < (gint) p->n_levels &&
      in->held_for_us < p->hold_us;
}

typedef struct
{
  const AxionBwCamIn *in;
  guint i;
} Ranked;

/* priority first, then active, then id */
static gint
by_rank (gconstpointer a, gconstpointer b)
{
  const AxionBwCamIn *x = ((const Ranked *) a)->in;
  const AxionBwCamIn *y = ((const Ranked *) b)->in;

  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1;
  if (x->active != y->active)
    return x->active ? -1 : 1;
  return strcmp (x->id, y->id);
}

static const gchar *
reason (const AxionBwPolicy *p, const AxionBwCamIn *in, gint level)
{
  if (in->level < 0)
    return level > 0 && in->activity_reason ? in->activity_reason
                                            : "initial_allocation";
  if (level > in->level)
    return in->activity_reason ? in->activity_reason : "activity_detected";
  if (level < in->level && in->priority < p->yield_below)
    return "higher_priority_camera";
  if (level < in->level)
    return level == wanted (p, in) ? "idle_timeout" : "budget_exceeded";
  return NULL;
}

/* 5: the share to reserve: a camera going down is still counted at its
 * old level for this second, also towards the other runners (its old
 * stream runs until its reconnect is done). Without it another runner's
 * camera took the share in the same second, whatever its priority: with
 * 10 cameras in two runners, one of priority 1 went up in the place of
 * one going idle while the same runner's camera of priority 5 waited its
 * second (step 4), and got it only after the other's hold, 4 s and two
 * reconnects later. Never more than the budget left (a camera forced
 * down by the budget must be able to commit). */
static gdouble
share (const AxionBwPolicy *p, const AxionBwCamIn *in, const AxionBwCamOut *out,
    guint n, gdouble sum, gdouble avail_kbps)
{
  gdouble s = sum;

  for (guint i = 0; i < n; i++)
    if (in[i].level >= 0 && out[i].level < in[i].level)
      s += axion_bw_cost (p, &in[i], in[i].level) - out[i].kbps;
  return MIN (s, MAX (avail_kbps, sum));
}

gdouble
axion_bw_allocate (const AxionBwPolicy *p, const AxionBwCamIn *in, guint n,
    gdouble avail_kbps, AxionBwCamOut *out)
{
  Ranked *r = g_new (Ranked, n);
  gdouble sum = 0;
  gboolean down = FALSE;

  for (guint i = 0; i < n; i++) {
    r[i].in = &in[i];
    r[i].i = i;
    out[i].level = held (p, &in[i]) ? in[i].level : 0;
    sum += axion_bw_cost (p, &in[i], out[i].level);
  }
  qsort (r, n, sizeof (Ranked), by_rank);
  /* 2: over the budget: the hold gives way, lowest priority first */
  for (gint k = (gint) n - 1; k >= 0 && sum > avail_kbps; k--) {
    guint i = r[k].i;
    while (out[i].level > 0 && sum > avail_kbps) {
      sum -= axion_bw_cost (p, &in[i], out[i].level);
      out[i].level--;
      sum += axion_bw_cost (p, &in[i], out[i].level);
    }
  }
  /* 3: up towards what each wants, in priority order */
  for (guint k = 0; k < n; k++) {
    guint i = r[k].i;
    gint want = wanted (p, &in[i]);
    if (held (p, &in[i]))
      continue;
    while (out[i].level < want) {
      gdouble more = axion_bw_cost (p, &in[i], out[i].level + 1) -
          axion_bw_cost (p, &in[i], out[i].level);
      if (sum + more > avail_kbps)
        break;
      sum += more;
      out[i].level++;
    }
  }
  /* short of what it wants for want of budget (not held, not deferred
   * below): other runners' lower-priority cameras give way to it */
  for (guint i = 0; i < n; i++)
    out[i].waiting = !held (p, &in[i]) && out[i].level < wanted (p, &in[i]);
  /* 4: a camera going down frees its share only once its reconnect is
   * done: cameras going up in the same second wait for the next one */
  for (guint i = 0; i < n; i++)
    down |= in[i].level >= 0 && out[i].level < in[i].level;
  for (guint i = 0; down && i < n; i++) {
    gint was = MAX (in[i].level, 0);
    if (out[i].level > was) {
      sum -= axion_bw_cost (p, &in[i], out[i].level) -
          axion_bw_cost (p, &in[i], was);
      out[i].level = was;
    }
  }
  for (guint i = 0; i < n; i++) {
    out[i].kbps = axion_bw_cost (p, &in[i], out[i].level);
    out[i].reason = reason (p, &in[i], out[i].level);
  }
  g_free (r);
  return share (p, in, out, n, sum, avail_kbps);
}
