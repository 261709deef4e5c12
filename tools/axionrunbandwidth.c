/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's bandwidth controller (axionrunbandwidth.h): each camera's
 * activity and measured bitrate, applying a level (the
 * camera reconnects with the level's stream profile), the audit_log row of
 * each change and the system_metrics rows. The decision and Redis are
 * elsewhere (axionrunbwpolicy.c, axionrunbwredis.c), the configuration in
 * axionrunbwconfig.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunbandwidth.h"
#include "axionrunbwprivate.h"
#include "axionruncamera.h"
#include "axionrunconfig.h"
#include "axionrunhttp.h"
#include "axionrunmetrics.h"
#include "axionrunstore.h"

#include <gst/axion/axion.h>
#include <string.h>
#include <unistd.h>

#define PROG AXION_RUN_PROG

static void done (AxionBwJob *j);

/* ---- levels ---------------------------------------------------------------
 */

/* the camera's URL and pipeline variables become the level's */
static void
set_level (BwCam *b, gint level)
{
  const AxionBwLevel *l = &g_array_index (
      axion_run_bw.levels, AxionBwLevel, level);
  AxionRunCamera *c = b->c;

  g_free (c->url);
  c->url = axion_run_bw_level_url (b, l);
  g_hash_table_replace (
      c->vars, g_strdup ("QUALITY_LEVEL"), g_strdup (l->name));
  g_hash_table_replace (
      c->vars, g_strdup ("FPS"), g_strdup_printf ("%u", l->fps));
  g_hash_table_replace (
      c->vars, g_strdup ("RESOLUTION"), g_strdup (l->resolution));
  g_hash_table_replace (c->vars, g_strdup ("COMPRESSION"),
      g_strdup_printf ("%u", l->compression));
  g_hash_table_replace (
      c->vars, g_strdup ("MAX_BITRATE_KBPS"), g_strdup_printf ("%u", l->kbps));
  b->level = level;
  b->level_since_us = g_get_monotonic_time ();
}

/* a quality change on its way to the store's worker, which takes its id
 * (without a node lease it waits there; the main loop does not) */
typedef struct
{
  gchar *camera_id, *action, *from, *to;
  gint64 time_us;
} Audit;

static void
audit_free (Audit *a)
{
  g_free (a->camera_id);
  g_free (a->action);
  g_free (a->from);
  g_free (a->to);
  g_free (a);
}

static GstAxionRow *
audit_row (gint64 audit_id, gpointer data)
{
  Audit *a = data;
  GstAxionAuditEntry e = { 0 };

  e.event_type = "config_change";
  e.entity_type = "camera";
  e.entity_id = a->camera_id;
  e.action = a->action;
  e.action_status = "success";
  e.service_name = PROG;
  e.property = "quality_level";
  e.old_value = a->from;
  e.new_value = a->to;
  e.time_us = a->time_us;
  return gst_axion_row_audit_log (&e, audit_id, NULL);
}

static void
audit (BwCam *b, gint from, gint to, const gchar *reason)
{
  Audit *a = g_new0 (Audit, 1);

  a->camera_id = g_strdup (b->c->id);
  a->action = g_strconcat ("bandwidth.", reason, NULL);
  a->from = from >= 0
      ? g_strdup (g_array_index (axion_run_bw.levels, AxionBwLevel, from).name)
      : NULL;
  a->to = g_strdup (g_array_index (axion_run_bw.levels, AxionBwLevel, to).name);
  a->time_us = g_get_real_time ();
  axion_run_store_insert_with_id (axion_run.store, a->time_us, FALSE, audit_row,
      a, (GDestroyNotify) audit_free);
}

/* ---- the cameras -----------------------------------------------------------
 */

void
axion_run_bandwidth_start (void)
{
  GHashTableIter it;
  BwCam *b;
  GPtrArray *cams = axion_run.cfg.cameras;
  const gchar *url = g_hash_table_lookup (axion_run.cfg.vars, "REDIS_URL");
  const gchar *prefix = g_hash_table_lookup (axion_run.cfg.vars, "KEY_PREFIX");
  gdouble lowest = 0;
  gchar *owner;

  for (guint i = 0; i < cams->len; i++)
    axion_run_bw_cam (g_ptr_array_index (cams, i));
  g_hash_table_iter_init (&it, axion_run_bw.cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b)) {
    if (!axion_run_bw_controlled (b))
      continue;
    /* every camera starts at its lowest level: the share it can always
     * have; the first decisions raise the active ones */
    set_level (b, 0);
    b->level = -1; /* the first decision records it */
    lowest += axion_run_bw.level_kbps[0];
  }
  if (axion_run_bw.budget_kbps > 0 && lowest > axion_run_bw.budget_kbps)
    g_printerr ("%s: bandwidth: the lowest levels of this process' cameras "
                "(%.0f kbps) exceed budget-mbps (%.3f): raise the budget or "
                "lower the lowest level (docs/bandwidth.md)\n",
        PROG, lowest, axion_run_bw.budget_kbps / 1000);
  if (url == NULL || !*url)
    return;
  owner = g_strdup_printf ("%s:%d:%" G_GINT64_FORMAT, g_get_host_name (),
      (gint) getpid (), g_get_real_time ());
  axion_run_bw.redis = axion_bw_redis_new (url, prefix ? prefix : "axion",
      owner, (guint) axion_run_bw.lease_ms, done);
  g_free (owner);
}

void
axion_run_bandwidth_attach (AxionRunCamera *c)
{
  BwCam *b = axion_run_bw_cam (c);

  if (c->pipe)
    b->attached |= axion_run_bitrate_attach (b->meter, c->pipe);
}

static void
switch_gap (BwCam *b)
{
  gint64 first = axion_run_bitrate_first_us (b->meter);
  const AxionBwLevel *l;

  if (!b->switch_us || !first)
    return;
  l = &g_array_index (axion_run_bw.levels, AxionBwLevel, b->level);
  g_print ("%s: camera %s: level %s streaming %.0f ms after the switch "
           "(%.1f frames at %u fps)\n",
      PROG, b->c->id, l->name, (first - b->switch_us) / 1000.0,
      (first - b->switch_us) / 1e6 * l->fps, l->fps);
  b->switch_us = 0;
}

/* motion now, tracks now, or an alert since the last second */
static const gchar *
activity (BwCam *b)
{
  GstStructure *st;
  const gchar *why = NULL;
  gboolean in_motion = FALSE;
  guint tracks = 0;
  guint64 alerts = 0;

  if ((st = axion_run_http_element_stats (b->c, "axionmotion"))) {
    gst_structure_get_boolean (st, "in-motion", &in_motion);
    gst_structure_free (st);
    if (in_motion)
      why = "high_motion_detected";
  }
  if (!why && (st = axion_run_http_element_stats (b->c, "axiontrack"))) {
    gst_structure_get_uint (st, "active-tracks", &tracks);
    gst_structure_free (st);
    if (tracks)
      why = "tracks_active";
  }
  if ((st = axion_run_http_element_stats (b->c, "axionalert"))) {
    gst_structure_get_uint64 (st, "alerts", &alerts);
    gst_structure_free (st);
    if (alerts > b->alerts_seen && !why)
      why = "alert_raised";
    b->alerts_seen = alerts;
  }
  return why;
}

static void
metrics (BwCam *b)
{
  AxionRunStore *s = axion_run.store;

  if (b->kbps >= 0)
    axion_run_metric (
        s, "bandwidth_kbps", "gauge", "bandwidth", b->c->id, b->kbps, "kbps");
  if (b->level >= 0) {
    axion_run_metric (s, "bandwidth_allocated_kbps", "gauge", "bandwidth",
        b->c->id, axion_run_bw.level_kbps[b->level], "kbps");
    axion_run_metric (s, "bandwidth_quality_level", "gauge", "bandwidth",
        b->c->id, b->level, "count");
  }
}

/* A refused commit is a race another runner won, retried next second;
 * refused while this runner holds nothing, its cameras stream their
 * lowest level outside the budget: said once. */
static void
unreserved (AxionBwJob *j)
{
  static gboolean said;
  gdouble lowest = 0;

  for (guint i = 0; i < j->n; i++)
    if (j->in[i].level >= 0)
      return;
  for (guint i = 0; i < j->n; i++)
    lowest += axion_bw_cost (&j->policy, &j->in[i], 0);
  if (!said)
    g_printerr ("%s: bandwidth: no room in the budget for this runner's "
                "lowest levels (%.0f kbps; the others hold %.0f of %.0f): "
                "its cameras stream at their lowest level outside the "
                "budget until there is (raise budget-mbps)\n",
        PROG, lowest, j->others_kbps, j->budget_kbps);
  said = TRUE;
}

static void
done (AxionBwJob *j)
{
  if (j->error) {
    if (g_strcmp0 (j->error, axion_run_bw.last_error))
      g_printerr ("%s: bandwidth: %s\n", PROG, j->error);
    g_free (axion_run_bw.last_error);
    axion_run_bw.last_error = g_strdup (j->error);
    return;
  }
  g_clear_pointer (&axion_run_bw.last_error, g_free);
  if (!j->committed && j->n > 0)
    unreserved (j);
  for (guint i = 0; j->committed && i < j->n; i++) {
    AxionRunCamera *c = NULL;
    BwCam *b;
    gint from;
    for (guint k = 0; k < axion_run.cfg.cameras->len && !c; k++) {
      AxionRunCamera *x = g_ptr_array_index (axion_run.cfg.cameras, k);
      if (g_str_equal (x->id, j->in[i].id))
        c = x;
    }
    if (c == NULL || (b = g_hash_table_lookup (axion_run_bw.cams, c)) == NULL)
      continue;
    from = b->level;
    b->adjusted_at = j->adjusted_at[i];
    b->last_reason = j->last_reason[i];
    if (j->out[i].level == from)
      continue;
    audit (b, from, j->out[i].level, j->out[i].reason);
    set_level (b, j->out[i].level);
    /* the first decision: it started at the lowest level */
    if (from < 0)
      from = 0;
    if (j->out[i].level == from)
      continue;
    g_print ("%s: camera %s: quality %s -> %s (%s)\n", PROG, c->id,
        g_array_index (axion_run_bw.levels, AxionBwLevel, from).name,
        g_array_index (axion_run_bw.levels, AxionBwLevel, j->out[i].level).name,
        j->out[i].reason);
    b->switch_us = g_get_monotonic_time ();
    axion_run_camera_reconnect (c);
  }
}

static AxionBwJob *
job_new (void)
{
  AxionBwJob *j = g_new0 (AxionBwJob, 1);
  GPtrArray *cams = axion_run.cfg.cameras;
  gint64 now = g_get_monotonic_time ();
  GPtrArray *ids = g_ptr_array_new ();
  GArray *kbps = g_array_new (FALSE, FALSE, sizeof (gdouble));

  j->budget_kbps = axion_run_bw.budget_kbps;
  j->levels = axion_run_bw.levels ? (AxionBwLevel *) axion_run_bw.levels->data
                                  : NULL;
  j->policy.n_levels = axion_run_bw.levels ? axion_run_bw.levels->len : 0;
  j->policy.level_kbps = axion_run_bw.level_kbps;
  j->policy.hold_us = axion_run_bw.hold_ms * 1000;
  j->policy.idle_down_us = (axion_run_bw.idle_ms ? axion_run_bw.idle_ms
                                                 : axion_run_bw.hold_ms) *
      1000;
  j->in = g_new0 (AxionBwCamIn, cams->len);
  j->out = g_new0 (AxionBwCamOut, cams->len);
  j->adjusted_at = g_new0 (gint64, cams->len);
  j->last_reason = g_new0 (const gchar *, cams->len);
  for (guint i = 0; i < cams->len; i++) {
    AxionRunCamera *c = g_ptr_array_index (cams, i);
    BwCam *b = axion_run_bw_cam (c);
    const gchar *why;
    b->kbps = axion_run_bitrate_kbps (
        b->meter, axion_run_bw.window_ms * GST_MSECOND);
    /* a new stream (a start, a reconnect, a new level) not measured yet
     * says 0, not its old stream's rate: over those seconds (about 3 s
     * + window) a camera switched down kept showing its high rate */
    if (b->kbps < 0 && b->attached)
      b->kbps = 0;
    if (!axion_run_bw_controlled (b)) {
      g_ptr_array_add (ids, g_strdup (c->id));
      g_array_append_val (kbps, b->kbps);
      continue;
    }
    why = activity (b);
    if (why) {
      b->last_active_us = now;
      b->last_why = why;
    }
    /* a camera may go up in a pause of its motion (it wants the top level
     * for idle-down): the reason is its last activity's (it said
     * "activity_detected", no reason of the document's, measured with 10
     * cameras) */
    j->in[j->n] = (AxionBwCamIn){ c->id, b->priority, why != NULL,
      b->last_active_us ? now - b->last_active_us : G_MAXINT64 / 2, b->level,
      now - b->level_since_us, b->kbps, why ? why : b->last_why };
    j->adjusted_at[j->n] = b->adjusted_at;
    j->last_reason[j->n] = b->last_reason;
    j->n++;
  }
  g_ptr_array_add (ids, NULL);
  j->m = ids->len - 1;
  j->measured_ids = (gchar **) g_ptr_array_free (ids, FALSE);
  j->measured_kbps = (gdouble *) g_array_free (kbps, FALSE);
  return j;
}

void
axion_run_bandwidth_tick (void)
{
  GHashTableIter it;
  BwCam *b;

  if (axion_run_bw.cams == NULL || axion_run.stopping)
    return;
  g_hash_table_iter_init (&it, axion_run_bw.cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b))
    switch_gap (b);
  if (axion_run_bw.redis)
    axion_bw_redis_submit (axion_run_bw.redis, job_new ());
  if (++axion_run_bw.ticks % 10 == 0) {
    g_hash_table_iter_init (&it, axion_run_bw.cams);
    while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b))
      metrics (b);
  }
}

void
axion_run_bandwidth_stop (void)
{
  g_clear_pointer (&axion_run_bw.redis, axion_bw_redis_stop);
  g_clear_pointer (&axion_run_bw.last_error, g_free);
  /* the pipelines are down: no probe feeds a meter any more */
  axion_run_bw_config_clear ();
}
