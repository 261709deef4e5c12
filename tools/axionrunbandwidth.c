/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's bandwidth controller (axionrunbandwidth.h): configuration,
 * each camera's activity and measured bitrate, applying a level (the
 * camera reconnects with the level's stream profile), the audit_log row of
 * each change and the system_metrics rows. The decision and Redis are
 * elsewhere (axionrunbwpolicy.c, axionrunbwredis.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunbandwidth.h"
#include "axionrunbitrate.h"
#include "axionrunbwredis.h"
#include "axionruncamera.h"
#include "axionrunconfig.h"
#include "axionrunhttp.h"
#include "axionrunstore.h"

#include <gst/axion/axion.h>
#include <string.h>
#include <unistd.h>

#define PROG AXION_RUN_PROG

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
  gint64 switch_us; /* a level switch's reconnect began (0: none) */
  gdouble kbps;
  gboolean attached; /* a pipeline has been measured */
} BwCam;

static struct
{
  gdouble budget_kbps;
  GArray *levels; /* AxionBwLevel, lowest first after the check */
  guint *level_kbps;
  guint64 hold_ms, idle_ms, lease_ms, window_ms;
  GHashTable *cams; /* AxionRunCamera* -> BwCam */
  AxionBwRedis *redis;
  gchar *last_error;
  guint ticks;
} bw = { 0, NULL, NULL, 10000, 0, 10000, 4000, NULL, NULL, NULL, 0 };

static void done (AxionBwJob *j);
static gchar *level_url (BwCam *b, const AxionBwLevel *l);

static const gchar *const level_fields[] = { "fps", "resolution", "compression",
  "max-bitrate-kbps" };

/* ---- configuration -------------------------------------------------------
 */

static BwCam *
cam_of (AxionRunCamera *c)
{
  BwCam *b;

  if (bw.cams == NULL)
    bw.cams = g_hash_table_new (NULL, NULL);
  b = g_hash_table_lookup (bw.cams, c);
  if (b == NULL) {
    b = g_new0 (BwCam, 1);
    b->c = c;
    b->level = -1;
    b->meter = axion_run_bitrate_new ();
    b->urls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    b->kbps = -1;
    g_hash_table_insert (bw.cams, c, b);
  }
  return b;
}

static AxionBwLevel *
level_named (const gchar *name, gboolean create)
{
  AxionBwLevel l = { 0 };

  if (bw.levels == NULL)
    bw.levels = g_array_new (FALSE, TRUE, sizeof (AxionBwLevel));
  for (guint i = 0; i < bw.levels->len; i++)
    if (g_str_equal (g_array_index (bw.levels, AxionBwLevel, i).name, name))
      return &g_array_index (bw.levels, AxionBwLevel, i);
  if (!create)
    return NULL;
  l.name = g_strdup (name);
  l.compression = 30; /* Axis' default */
  g_array_append_val (bw.levels, l);
  return &g_array_index (bw.levels, AxionBwLevel, bw.levels->len - 1);
}

static gboolean
parse_uint (const gchar *v, guint64 min, guint64 max, guint *out)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (v, 10, min, max, &n, NULL))
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

static gboolean
resolution_ok (const gchar *v)
{
  guint64 w, h;
  gchar **p = g_strsplit (v, "x", 2);
  gboolean ok = p[0] && p[1] &&
      g_ascii_string_to_unsigned (p[0], 10, 16, 16384, &w, NULL) &&
      g_ascii_string_to_unsigned (p[1], 10, 16, 16384, &h, NULL);

  g_strfreev (p);
  return ok;
}

static gboolean
level_set (const gchar *key, const gchar *value, GError **error)
{
  const gchar *dot = strrchr (key, '.');
  gchar *name = g_strndup (key, dot - key);
  const gchar *field = dot + 1;
  gboolean ok = FALSE, known = g_strv_contains (level_fields, field);
  AxionBwLevel *l;

  if (!known || !*name || !g_ascii_isalnum (name[0])) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
        "unknown key \"%s\" in [bandwidth] (a level's keys are LEVEL.fps, "
        "LEVEL.resolution, LEVEL.compression, LEVEL.max-bitrate-kbps)",
        key);
    g_free (name);
    return FALSE;
  }
  l = level_named (name, TRUE);
  if (g_str_equal (field, "fps"))
    ok = parse_uint (value, 1, 120, &l->fps);
  else if (g_str_equal (field, "compression"))
    ok = parse_uint (value, 0, 100, &l->compression);
  else if (g_str_equal (field, "max-bitrate-kbps"))
    ok = parse_uint (value, 1, 1000000, &l->kbps);
  else if ((ok = resolution_ok (value))) {
    g_free (l->resolution);
    l->resolution = g_strdup (value);
  }
  if (!ok)
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "%s is %s, not \"%s\"", key,
        g_str_equal (field, "fps")               ? "a frame rate from 1 to 120"
            : g_str_equal (field, "compression") ? "a number from 0 to 100"
            : g_str_equal (field, "resolution")
            ? "WIDTHxHEIGHT, e.g. 640x360"
            : "kilobits per second from 1 to 1000000",
        value);
  g_free (name);
  return ok;
}

static gboolean
duration_set (const gchar *key, const gchar *value, guint64 *out,
    guint64 min_ms, GError **error)
{
  return axion_run_parse_duration (
      value, key, FALSE, min_ms, 3600 * 1000, out, error);
}

gboolean
axion_run_bandwidth_set (const gchar *key, const gchar *value, GError **error)
{
  if (g_str_equal (key, "budget-mbps")) {
    gchar *end;
    gdouble v = g_ascii_strtod (value, &end);
    if (end == value || *end || !(v > 0) || v > 1e6) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "budget-mbps is the megabits per second all cameras may use "
          "together, e.g. 25.0, not \"%s\"",
          value);
      return FALSE;
    }
    bw.budget_kbps = v * 1000;
    return TRUE;
  }
  if (g_str_equal (key, "hold"))
    return duration_set (key, value, &bw.hold_ms, 1000, error);
  if (g_str_equal (key, "idle-down"))
    return duration_set (key, value, &bw.idle_ms, 1000, error);
  if (g_str_equal (key, "lease"))
    return duration_set (key, value, &bw.lease_ms, 2000, error);
  if (g_str_equal (key, "window"))
    return duration_set (key, value, &bw.window_ms, 1000, error);
  if (strchr (key, '.'))
    return level_set (key, value, error);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
      "unknown key \"%s\" in [bandwidth] (known: budget-mbps, hold, "
      "idle-down, lease, window, LEVEL.fps, LEVEL.resolution, "
      "LEVEL.compression, LEVEL.max-bitrate-kbps)",
      key);
  return FALSE;
}

gboolean
axion_run_bandwidth_is_camera_key (const gchar *key)
{
  return g_str_equal (key, "priority") || g_str_equal (key, "url-template") ||
      g_str_has_prefix (key, "url-");
}

gboolean
axion_run_bandwidth_camera_set (
    AxionRunCamera *c, const gchar *key, const gchar *value, GError **error)
{
  BwCam *b = cam_of (c);

  if (g_str_equal (key, "priority")) {
    gint64 p;
    if (!g_ascii_string_to_signed (value, 10, 0, 100, &p, NULL)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "priority is a number from 0 to 100 (higher is served first), "
          "not \"%s\"",
          value);
      return FALSE;
    }
    b->priority = (gint) p;
  } else if (g_str_equal (key, "url-template")) {
    g_free (b->url_template);
    b->url_template = g_strdup (value);
  } else {
    g_hash_table_replace (b->urls, g_strdup (key + 4), g_strdup (value));
  }
  return TRUE;
}

static gint
by_kbps (gconstpointer a, gconstpointer b)
{
  const AxionBwLevel *x = a, *y = b;
  return x->kbps < y->kbps ? -1 : x->kbps > y->kbps;
}

static gboolean
check_levels (GError **error)
{
  for (guint i = 0; i < bw.levels->len; i++) {
    AxionBwLevel *l = &g_array_index (bw.levels, AxionBwLevel, i);
    if (l->fps == 0 || l->resolution == NULL || l->kbps == 0) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "[bandwidth] level %s needs %s.fps, %s.resolution and "
          "%s.max-bitrate-kbps",
          l->name, l->name, l->name, l->name);
      return FALSE;
    }
  }
  g_array_sort (bw.levels, by_kbps);
  bw.level_kbps = g_new (guint, bw.levels->len);
  for (guint i = 0; i < bw.levels->len; i++)
    bw.level_kbps[i] = g_array_index (bw.levels, AxionBwLevel, i).kbps;
  return TRUE;
}

static gboolean
controlled (BwCam *b)
{
  return bw.budget_kbps > 0 && bw.levels && bw.levels->len &&
      (b->url_template || g_hash_table_size (b->urls));
}

gboolean
axion_run_bandwidth_check (AxionRunConfig *cfg, GError **error)
{
  GHashTableIter it;
  BwCam *b;

  if (bw.levels && bw.levels->len && !check_levels (error))
    return FALSE;
  if (bw.cams == NULL)
    return TRUE;
  g_hash_table_iter_init (&it, bw.cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b)) {
    GHashTableIter ui;
    gpointer name;
    if (!b->url_template && !g_hash_table_size (b->urls))
      continue;
    if (!controlled (b)) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "camera %s has quality URLs but [bandwidth] has no budget-mbps or "
          "no levels (docs/bandwidth.md)",
          b->c->id);
      return FALSE;
    }
    g_hash_table_iter_init (&ui, b->urls);
    while (g_hash_table_iter_next (&ui, &name, NULL))
      if (!level_named (name, FALSE)) {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
            "camera %s: url-%s names no level of [bandwidth]", b->c->id,
            (gchar *) name);
        return FALSE;
      }
    for (guint i = 0; !b->url_template && i < bw.levels->len; i++) {
      const gchar *lname = g_array_index (bw.levels, AxionBwLevel, i).name;
      if (!g_hash_table_lookup (b->urls, lname)) {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
            "camera %s: no url-%s (give a URL per level or a url-template "
            "with ${FPS}, ${RESOLUTION}, ${COMPRESSION}, ${MAX_BITRATE_KBPS})",
            b->c->id, lname);
        return FALSE;
      }
    }
    /* the camera's own url is its level's (the lowest until the
     * controller decides) */
    if (b->c->url == NULL)
      b->c->url = level_url (b, &g_array_index (bw.levels, AxionBwLevel, 0));
  }
  (void) cfg;
  return TRUE;
}

/* ---- levels ---------------------------------------------------------------
 */

static gchar *
replace (gchar *s, const gchar *var, const gchar *value)
{
  gchar **parts = g_strsplit (s, var, -1);
  gchar *r = g_strjoinv (value, parts);

  g_strfreev (parts);
  g_free (s);
  return r;
}

/* the level's URL: its own, else the template with the level's values */
static gchar *
level_url (BwCam *b, const AxionBwLevel *l)
{
  const gchar *own = g_hash_table_lookup (b->urls, l->name);
  gchar *u, num[32];

  if (own)
    return g_strdup (own);
  u = g_strdup (b->url_template);
  g_snprintf (num, sizeof (num), "%u", l->fps);
  u = replace (u, "${FPS}", num);
  u = replace (u, "${RESOLUTION}", l->resolution);
  g_snprintf (num, sizeof (num), "%u", l->compression);
  u = replace (u, "${COMPRESSION}", num);
  g_snprintf (num, sizeof (num), "%u", l->kbps);
  u = replace (u, "${MAX_BITRATE_KBPS}", num);
  return u;
}

/* the camera's URL and pipeline variables become the level's */
static void
set_level (BwCam *b, gint level)
{
  const AxionBwLevel *l = &g_array_index (bw.levels, AxionBwLevel, level);
  AxionRunCamera *c = b->c;

  g_free (c->url);
  c->url = level_url (b, l);
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

static void
audit (BwCam *b, gint from, gint to, const gchar *reason)
{
  GstAxionAuditEntry e = { 0 };
  gchar *action = g_strconcat ("bandwidth.", reason, NULL);
  GstAxionRow *row;

  e.event_type = "config_change";
  e.entity_type = "camera";
  e.entity_id = b->c->id;
  e.action = action;
  e.action_status = "success";
  e.service_name = PROG;
  e.property = "quality_level";
  e.old_value = from >= 0 ? g_array_index (bw.levels, AxionBwLevel, from).name
                          : NULL;
  e.new_value = g_array_index (bw.levels, AxionBwLevel, to).name;
  row = gst_axion_row_audit_log (&e, 0, NULL);
  if (row)
    axion_run_store_insert (axion_run.store, row);
  g_free (action);
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
    cam_of (g_ptr_array_index (cams, i));
  g_hash_table_iter_init (&it, bw.cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b)) {
    if (!controlled (b))
      continue;
    /* every camera starts at its lowest level: the share it can always
     * have; the first decisions raise the active ones */
    set_level (b, 0);
    b->level = -1; /* the first decision records it */
    lowest += bw.level_kbps[0];
  }
  if (bw.budget_kbps > 0 && lowest > bw.budget_kbps)
    g_printerr ("%s: bandwidth: the lowest levels of this process' cameras "
                "(%.0f kbps) exceed budget-mbps (%.3f): raise the budget or "
                "lower the lowest level (docs/bandwidth.md)\n",
        PROG, lowest, bw.budget_kbps / 1000);
  if (url == NULL || !*url)
    return;
  owner = g_strdup_printf ("%s:%d:%" G_GINT64_FORMAT, g_get_host_name (),
      (gint) getpid (), g_get_real_time ());
  bw.redis = axion_bw_redis_new (
      url, prefix ? prefix : "axion", owner, (guint) bw.lease_ms, done);
  g_free (owner);
}

void
axion_run_bandwidth_attach (AxionRunCamera *c)
{
  BwCam *b = cam_of (c);

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
  l = &g_array_index (bw.levels, AxionBwLevel, b->level);
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
  GstAxionMetric m = { "bandwidth_kbps", "gauge", "bandwidth", b->c->id,
    b->kbps, "kbps", NULL, 0 };
  GstAxionRow *row;

  if (b->kbps >= 0 && (row = gst_axion_row_system_metric (&m, 0, NULL)))
    axion_run_store_insert (axion_run.store, row);
  if (b->level >= 0) {
    m.name = "bandwidth_allocated_kbps";
    m.value = bw.level_kbps[b->level];
    if ((row = gst_axion_row_system_metric (&m, 0, NULL)))
      axion_run_store_insert (axion_run.store, row);
    m.name = "bandwidth_quality_level";
    m.value = b->level;
    m.unit = "count";
    if ((row = gst_axion_row_system_metric (&m, 0, NULL)))
      axion_run_store_insert (axion_run.store, row);
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
    if (g_strcmp0 (j->error, bw.last_error))
      g_printerr ("%s: bandwidth: %s\n", PROG, j->error);
    g_free (bw.last_error);
    bw.last_error = g_strdup (j->error);
    return;
  }
  g_clear_pointer (&bw.last_error, g_free);
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
    if (c == NULL || (b = g_hash_table_lookup (bw.cams, c)) == NULL)
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
        g_array_index (bw.levels, AxionBwLevel, from).name,
        g_array_index (bw.levels, AxionBwLevel, j->out[i].level).name,
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

  j->budget_kbps = bw.budget_kbps;
  j->levels = bw.levels ? (AxionBwLevel *) bw.levels->data : NULL;
  j->policy.n_levels = bw.levels ? bw.levels->len : 0;
  j->policy.level_kbps = bw.level_kbps;
  j->policy.hold_us = bw.hold_ms * 1000;
  j->policy.idle_down_us = (bw.idle_ms ? bw.idle_ms : bw.hold_ms) * 1000;
  j->in = g_new0 (AxionBwCamIn, cams->len);
  j->out = g_new0 (AxionBwCamOut, cams->len);
  j->adjusted_at = g_new0 (gint64, cams->len);
  j->last_reason = g_new0 (const gchar *, cams->len);
  for (guint i = 0; i < cams->len; i++) {
    AxionRunCamera *c = g_ptr_array_index (cams, i);
    BwCam *b = cam_of (c);
    const gchar *why;
    b->kbps = axion_run_bitrate_kbps (b->meter, bw.window_ms * GST_MSECOND);
    /* a new stream (a start, a reconnect, a new level) not measured yet
     * says 0, not its old stream's rate: over those seconds (about 3 s
     * + window) a camera switched down kept showing its high rate */
    if (b->kbps < 0 && b->attached)
      b->kbps = 0;
    if (!controlled (b)) {
      g_ptr_array_add (ids, g_strdup (c->id));
      g_array_append_val (kbps, b->kbps);
      continue;
    }
    why = activity (b);
    if (why)
      b->last_active_us = now;
    j->in[j->n] = (AxionBwCamIn){ c->id, b->priority, why != NULL,
      b->last_active_us ? now - b->last_active_us : G_MAXINT64 / 2, b->level,
      now - b->level_since_us, b->kbps, why };
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

  if (bw.cams == NULL || axion_run.stopping)
    return;
  g_hash_table_iter_init (&it, bw.cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b))
    switch_gap (b);
  if (bw.redis)
    axion_bw_redis_submit (bw.redis, job_new ());
  if (++bw.ticks % 10 == 0) {
    g_hash_table_iter_init (&it, bw.cams);
    while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b))
      metrics (b);
  }
}

void
axion_run_bandwidth_stop (void)
{
  GHashTableIter it;
  BwCam *b;

  g_clear_pointer (&bw.redis, axion_bw_redis_stop);
  g_clear_pointer (&bw.last_error, g_free);
  if (bw.cams) {
    /* the pipelines are down: no probe feeds a meter any more */
    g_hash_table_iter_init (&it, bw.cams);
    while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b)) {
      axion_run_bitrate_free (b->meter);
      g_hash_table_unref (b->urls);
      g_free (b->url_template);
      g_free (b);
    }
    g_clear_pointer (&bw.cams, g_hash_table_unref);
  }
  for (guint i = 0; bw.levels && i < bw.levels->len; i++) {
    AxionBwLevel *l = &g_array_index (bw.levels, AxionBwLevel, i);
    g_free (l->name);
    g_free (l->resolution);
  }
  g_clear_pointer (&bw.levels, g_array_unref);
  g_clear_pointer (&bw.level_kbps, g_free);
}
