/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's bandwidth controller, its configuration: the [bandwidth]
 * section (budget, durations, quality levels) and the cameras' keys
 * (priority, url-template, url-LEVEL), checked after the whole file;
 * a level's URL (docs/bandwidth.md).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunbandwidth.h"
#include "axionrunbwprivate.h"
#include "axionrunconfig.h"

#include <string.h>

AxionRunBw axion_run_bw = { 0, NULL, NULL, 10000, 0, 10000, 4000, NULL, NULL,
  NULL, 0 };

static const gchar *const level_fields[] = { "fps", "resolution", "compression",
  "max-bitrate-kbps" };

/* ---- configuration -------------------------------------------------------
 */

BwCam *
axion_run_bw_cam (AxionRunCamera *c)
{
  BwCam *b;

  if (axion_run_bw.cams == NULL)
    axion_run_bw.cams = g_hash_table_new (NULL, NULL);
  b = g_hash_table_lookup (axion_run_bw.cams, c);
  if (b == NULL) {
    b = g_new0 (BwCam, 1);
    b->c = c;
    b->level = -1;
    b->meter = axion_run_bitrate_new ();
    b->urls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    b->kbps = -1;
    g_hash_table_insert (axion_run_bw.cams, c, b);
  }
  return b;
}

static AxionBwLevel *
level_named (const gchar *name, gboolean create)
{
  AxionBwLevel l = { 0 };

  if (axion_run_bw.levels == NULL)
    axion_run_bw.levels = g_array_new (FALSE, TRUE, sizeof (AxionBwLevel));
  for (guint i = 0; i < axion_run_bw.levels->len; i++)
    if (g_str_equal (
            g_array_index (axion_run_bw.levels, AxionBwLevel, i).name, name))
      return &g_array_index (axion_run_bw.levels, AxionBwLevel, i);
  if (!create)
    return NULL;
  l.name = g_strdup (name);
  l.compression = 30; /* Axis' default */
  g_array_append_val (axion_run_bw.levels, l);
  return &g_array_index (
      axion_run_bw.levels, AxionBwLevel, axion_run_bw.levels->len - 1);
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
    axion_run_bw.budget_kbps = v * 1000;
    return TRUE;
  }
  if (g_str_equal (key, "hold"))
    return duration_set (key, value, &axion_run_bw.hold_ms, 1000, error);
  if (g_str_equal (key, "idle-down"))
    return duration_set (key, value, &axion_run_bw.idle_ms, 1000, error);
  if (g_str_equal (key, "lease"))
    return duration_set (key, value, &axion_run_bw.lease_ms, 2000, error);
  if (g_str_equal (key, "window"))
    return duration_set (key, value, &axion_run_bw.window_ms, 1000, error);
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
  BwCam *b = axion_run_bw_cam (c);

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
  for (guint i = 0; i < axion_run_bw.levels->len; i++) {
    AxionBwLevel *l = &g_array_index (axion_run_bw.levels, AxionBwLevel, i);
    if (l->fps == 0 || l->resolution == NULL || l->kbps == 0) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "[bandwidth] level %s needs %s.fps, %s.resolution and "
          "%s.max-bitrate-kbps",
          l->name, l->name, l->name, l->name);
      return FALSE;
    }
  }
  g_array_sort (axion_run_bw.levels, by_kbps);
  axion_run_bw.level_kbps = g_new (guint, axion_run_bw.levels->len);
  for (guint i = 0; i < axion_run_bw.levels->len; i++)
    axion_run_bw.level_kbps[i] =
        g_array_index (axion_run_bw.levels, AxionBwLevel, i).kbps;
  return TRUE;
}

gboolean
axion_run_bw_controlled (BwCam *b)
{
  return axion_run_bw.budget_kbps > 0 && axion_run_bw.levels &&
      axion_run_bw.levels->len &&
      (b->url_template || g_hash_table_size (b->urls));
}

gboolean
axion_run_bandwidth_check (AxionRunConfig *cfg, GError **error)
{
  GHashTableIter it;
  BwCam *b;

  if (axion_run_bw.levels && axion_run_bw.levels->len && !check_levels (error))
    return FALSE;
  if (axion_run_bw.cams == NULL)
    return TRUE;
  g_hash_table_iter_init (&it, axion_run_bw.cams);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b)) {
    GHashTableIter ui;
    gpointer name;
    if (!b->url_template && !g_hash_table_size (b->urls))
      continue;
    if (!axion_run_bw_controlled (b)) {
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
    for (guint i = 0; !b->url_template && i < axion_run_bw.levels->len; i++) {
      const gchar *lname =
          g_array_index (axion_run_bw.levels, AxionBwLevel, i).name;
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
      b->c->url = axion_run_bw_level_url (
          b, &g_array_index (axion_run_bw.levels, AxionBwLevel, 0));
  }
  (void) cfg;
  return TRUE;
}


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
gchar *
axion_run_bw_level_url (BwCam *b, const AxionBwLevel *l)
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

void
axion_run_bw_config_clear (void)
{
  GHashTableIter it;
  BwCam *b;

  if (axion_run_bw.cams) {
    /* the pipelines are down: no probe feeds a meter any more */
    g_hash_table_iter_init (&it, axion_run_bw.cams);
    while (g_hash_table_iter_next (&it, NULL, (gpointer *) &b)) {
      axion_run_bitrate_free (b->meter);
      g_hash_table_unref (b->urls);
      g_free (b->url_template);
      g_free (b);
    }
    g_clear_pointer (&axion_run_bw.cams, g_hash_table_unref);
  }
  for (guint i = 0; axion_run_bw.levels && i < axion_run_bw.levels->len; i++) {
    AxionBwLevel *l = &g_array_index (axion_run_bw.levels, AxionBwLevel, i);
    g_free (l->name);
    g_free (l->resolution);
  }
  g_clear_pointer (&axion_run_bw.levels, g_array_unref);
  g_clear_pointer (&axion_run_bw.level_kbps, g_free);
}
