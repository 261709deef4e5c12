/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's configuration file: INI read with GKeyFile (whole-line #
 * comments, no inline comments, \\ \s \n \t escapes in values), checked
 * line by line first so every error names its line.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunconfig.h"
#include "axionrunbandwidth.h"
#include "axionrunhttp.h"

#include <gst/axion/axion.h>
#include <math.h>
#include <string.h>

#define MS_PER_HOUR (3600 * G_GUINT64_CONSTANT (1000))
#define MS_PER_DAY (24 * MS_PER_HOUR)

static const gchar *const axion_keys[] = { "database", "redis", "pipeline",
  "spool-dir", "key-prefix", "duration", "stop-timeout", "stall-timeout",
  "reconnect-min", "reconnect-max", NULL };
static const gchar *const alerts_keys[] = { "rules", "mqtt", "topic-prefix",
  "webhook", "webhook-secret", "camera-offline", "spool-filling", NULL };

void
axion_run_config_init (AxionRunConfig *cfg)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->cameras = g_ptr_array_new_with_free_func (
      (GDestroyNotify) axion_run_camera_free);
  cfg->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cfg->stop_timeout_ms = 30000;
  cfg->stall_ms = 10000;
  cfg->reconnect_min_ms = 1000;
  cfg->reconnect_max_ms = 30000;
  g_hash_table_replace (cfg->vars, g_strdup ("KEY_PREFIX"), g_strdup ("axion"));
  g_hash_table_replace (
      cfg->vars, g_strdup ("MQTT_TOPIC_PREFIX"), g_strdup ("axis-is"));
}

void
axion_run_config_clear (AxionRunConfig *cfg)
{
  g_clear_pointer (&cfg->cameras, g_ptr_array_unref);
  g_clear_pointer (&cfg->vars, g_hash_table_unref);
  g_clear_pointer (&cfg->pipeline, g_free);
}

/* ---- numbers ------------------------------------------------------------ */

static gboolean
unit_factor (const gchar *unit, gdouble *ms)
{
  static const struct
  {
    const gchar *name;
    gdouble ms;
  } units[] = { { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
    { "h", 3600000 } };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (g_str_equal (unit, units[i].name)) {
      *ms = units[i].ms;
      return TRUE;
    }
  return FALSE;
}

static gchar *
format_ms (guint64 ms)
{
  if (ms % MS_PER_HOUR == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " h", ms / MS_PER_HOUR);
  if (ms % 1000 == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " s", ms / 1000);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " ms", ms);
}

static gboolean
duration_fail (GError **error, const gchar *what, const gchar *text,
    gboolean zero_ok, guint64 min_ms, guint64 max_ms)
{
  gchar *lo = format_ms (min_ms), *hi = format_ms (max_ms);

  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
      "%s \"%s\" is not a duration from %s to %s%s (a number with an "
      "optional unit ms, s, m or h; no unit: seconds)",
      what, text, lo, hi, zero_ok ? ", or 0" : "");
  g_free (lo);
  g_free (hi);
  return FALSE;
}

gboolean
axion_run_parse_duration (const gchar *text, const gchar *what,
    gboolean zero_ok, guint64 min_ms, guint64 max_ms, guint64 *out_ms,
    GError **error)
{
  gchar *end = NULL, *unit;
  gdouble v, factor, ms;
  gboolean ok;

  if (text == NULL || !g_ascii_isdigit (*text))
    return duration_fail (
        error, what, text ? text : "", zero_ok, min_ms, max_ms);
  v = g_ascii_strtod (text, &end);
  unit = g_strstrip (g_strdup (end));
  ok = unit_factor (unit, &factor) && isfinite (v);
  g_free (unit);
  ms = v * factor;
  if (ok && ms == 0 && zero_ok) {
    *out_ms = 0;
    return TRUE;
  }
  if (!ok || ms < min_ms || ms > max_ms)
    return duration_fail (error, what, text, zero_ok, min_ms, max_ms);
  *out_ms = (guint64) llround (ms);
  return TRUE;
}

gboolean
axion_run_config_set_duration (
    AxionRunConfig *cfg, const gchar *key, const gchar *text, GError **error)
{
  if (g_str_equal (key, "duration"))
    return axion_run_parse_duration (
        text, key, TRUE, 1, 30 * MS_PER_DAY, &cfg->duration_ms, error);
  if (g_str_equal (key, "stop-timeout"))
    return axion_run_parse_duration (
        text, key, FALSE, 100, MS_PER_HOUR, &cfg->stop_timeout_ms, error);
  if (g_str_equal (key, "stall-timeout"))
    return axion_run_parse_duration (
        text, key, TRUE, 1000, MS_PER_HOUR, &cfg->stall_ms, error);
  if (g_str_equal (key, "reconnect-min"))
    return axion_run_parse_duration (
        text, key, FALSE, 10, MS_PER_HOUR, &cfg->reconnect_min_ms, error);
  if (g_str_equal (key, "reconnect-max"))
    return axion_run_parse_duration (
        text, key, FALSE, 10, MS_PER_HOUR, &cfg->reconnect_max_ms, error);
  g_return_val_if_reached (FALSE);
}

/* ---- the file, line by line ---------------------------------------------- */

typedef struct
{
  const gchar *path;
  GHashTable *lines; /* "group\nkey" and "group" -> line number */
} Lines;

static gboolean fail_at (GError **error, const gchar *path, guint line,
    const gchar *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail_at (GError **error, const gchar *path, guint line, const gchar *fmt, ...)
{
  va_list ap;
  gchar *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s",
      path, line, msg);
  g_free (msg);
  return FALSE;
}

static guint
line_of (Lines *l, const gchar *group, const gchar *key)
{
  gchar *k = key ? g_strconcat (group, "\n", key, NULL) : g_strdup (group);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (l->lines, k));

  g_free (k);
  return n;
}

/* one line: blank, # comment, [group] or key = value (GKeyFile's rules),
 * each group and key once */
static gboolean
scan_line (Lines *l, gchar *s, guint ln, gchar **group, GError **error)
{
  gchar *eq, *k;

  s = g_strchug (s);
  if (*s == '\0' || *s == '#')
    return TRUE;
  if (*s == '[') {
    gchar *end = strchr (s, ']');
    if (end == NULL || *g_strchug (end + 1) != '\0')
      return fail_at (error, l->path, ln,
          "a section header is a line of its own: [axion], [vars] or "
          "[camera ID] (comments are whole lines starting with #)");
    g_free (*group);
    *group = g_strndup (s + 1, end - s - 1);
    if (line_of (l, *group, NULL))
      return fail_at (error, l->path, ln,
          "section [%s] appears twice (first at line %u): merge them", *group,
          line_of (l, *group, NULL));
    g_hash_table_insert (l->lines, g_strdup (*group), GUINT_TO_POINTER (ln));
    return TRUE;
  }
  if (*group == NULL)
    return fail_at (error, l->path, ln,
        "key outside a section: start with [axion], [vars] or [camera ID]");
  if ((eq = strchr (s, '=')) == NULL)
    return fail_at (error, l->path, ln,
        "expected \"key = value\" (comments are whole lines starting with #)");
  k = g_strstrip (g_strndup (s, eq - s));
  if (line_of (l, *group, k)) {
    fail_at (error, l->path, ln,
        "\"%s\" appears twice in [%s] (first at "
        "line %u): keep one",
        k, *group, line_of (l, *group, k));
    g_free (k);
    return FALSE;
  }
  g_hash_table_insert (
      l->lines, g_strconcat (*group, "\n", k, NULL), GUINT_TO_POINTER (ln));
  g_free (k);
  return TRUE;
}

static gboolean
scan_text (Lines *l, const gchar *text, gsize len, GError **error)
{
  const gchar *nul = memchr (text, '\0', len);
  gchar **lines, *group = NULL;
  gboolean ok = TRUE;

  if (nul) {
    guint ln = 1;
    for (const gchar *p = text; p < nul; p++)
      ln += *p == '\n';
    return fail_at (error, l->path, ln,
        "contains a NUL byte (offset %" G_GSIZE_FORMAT "): a configuration "
        "file is text",
        (gsize) (nul - text));
  }
  if (!g_utf8_validate (text, len, NULL))
    return fail_at (error, l->path, 1, "is not UTF-8 text");
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; ok && lines[i]; i++)
    ok = scan_line (l, lines[i], i + 1, &group, error);
  g_strfreev (lines);
  g_free (group);
  return ok;
}

/* ---- the settings ----------------------------------------------------------
 */

static void
set_var (GHashTable *vars, const gchar *name, const gchar *value)
{
  g_hash_table_replace (vars, g_strdup (name), g_strdup (value));
}

static gboolean
axion_key (AxionRunConfig *cfg, Lines *l, const gchar *key, const gchar *val,
    GError **error)
{
  GError *err = NULL;

  if (g_str_equal (key, "database"))
    set_var (cfg->vars, "DB", val);
  else if (g_str_equal (key, "redis"))
    set_var (cfg->vars, "REDIS_URL", val);
  else if (g_str_equal (key, "spool-dir"))
    set_var (cfg->vars, "SPOOL_ROOT", val);
  else if (g_str_equal (key, "key-prefix")) {
    if (*val == '\0')
      return fail_at (error, l->path, line_of (l, "axion", key),
          "key-prefix is empty: give a namespace such as axion");
    set_var (cfg->vars, "KEY_PREFIX", val);
  } else if (g_str_equal (key, "pipeline")) {
    g_free (cfg->pipeline);
    cfg->pipeline = g_strdup (val);
  } else if (g_strv_contains (axion_keys, key)) {
    if (!axion_run_config_set_duration (cfg, key, val, &err)) {
      fail_at (error, l->path, line_of (l, "axion", key), "%s", err->message);
      g_error_free (err);
      return FALSE;
    }
  } else {
    gchar *known = g_strjoinv (", ", (gchar **) axion_keys);
    fail_at (error, l->path, line_of (l, "axion", key),
        "unknown key \"%s\" in [axion] (known: %s)", key, known);
    g_free (known);
    return FALSE;
  }
  return TRUE;
}

/* [alerts]: the rules of axionalert and where alerts go; values reach
 * the pipelines as variables (properties, never pipeline syntax) */
static gboolean
alerts_key (AxionRunConfig *cfg, Lines *l, const gchar *key, const gchar *val,
    GError **error)
{
  static const gchar *const vars[] = { "ALERT_RULES", "MQTT_URL",
    "MQTT_TOPIC_PREFIX", "WEBHOOK_URL", "WEBHOOK_SECRET" };
  GError *err = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (vars); i++) {
    if (g_str_equal (key, alerts_keys[i])) {
      set_var (cfg->vars, vars[i], val);
      return TRUE;
    }
  }
  if (g_str_equal (key, "camera-offline")) {
    if (axion_run_parse_duration (val, key, TRUE, 1000, 30 * MS_PER_DAY,
            &cfg->offline_alert_ms, &err))
      return TRUE;
    fail_at (error, l->path, line_of (l, "alerts", key), "%s", err->message);
    g_error_free (err);
    return FALSE;
  }
  if (g_str_equal (key, "spool-filling")) {
    gchar *end;
    gdouble r = g_ascii_strtod (val, &end);
    if (end != val && *end == '\0' && r >= 0 && r <= 1) {
      cfg->spool_alert_ratio = r;
      return TRUE;
    }
    return fail_at (error, l->path, line_of (l, "alerts", key),
        "spool-filling is a share of spool-max-bytes from 0 (off) to 1, e.g. "
        "0.8, not \"%s\"",
        val);
  }
  {
    gchar *known = g_strjoinv (", ", (gchar **) alerts_keys);
    fail_at (error, l->path, line_of (l, "alerts", key),
        "unknown key \"%s\" in [alerts] (known: %s)", key, known);
    g_free (known);
  }
  return FALSE;
}

/* true/false as GKeyFile and gst-launch spell them, and yes/no, on/off,
 * 1/0 */
static gboolean
parse_bool (const gchar *val, gboolean *out)
{
  static const gchar *yes[] = { "true", "yes", "on", "1", NULL };
  static const gchar *no[] = { "false", "no", "off", "0", NULL };

  for (guint i = 0; yes[i]; i++)
    if (g_ascii_strcasecmp (val, yes[i]) == 0)
      return (*out = TRUE);
  for (guint i = 0; no[i]; i++)
    if (g_ascii_strcasecmp (val, no[i]) == 0) {
      *out = FALSE;
      return TRUE;
    }
  return FALSE;
}

static gboolean
camera_key (AxionRunCamera *c, Lines *l, const gchar *group, const gchar *key,
    const gchar *val, GError **error)
{
  if (g_str_equal (key, "url")) {
    g_free (c->url);
    c->url = g_strdup (val);
  } else if (g_str_equal (key, "pipeline")) {
    g_free (c->pipeline_file);
    c->pipeline_file = g_strdup (val);
  } else if (g_str_equal (key, "protocols")) {
    if (!g_str_equal (val, "tcp") && !g_str_equal (val, "udp") &&
        !g_str_equal (val, "tcp+udp"))
      return fail_at (error, l->path, line_of (l, group, key),
          "protocols is tcp, udp or tcp+udp, not \"%s\"", val);
    g_free (c->protocols);
    c->protocols = g_strdup (val);
  } else if (g_str_equal (key, "zones") || g_str_equal (key, "lines")) {
    /* axiontrack's zones and lines of this camera: ${ZONES}, ${LINES}
     * (checked by axiontrack when the pipeline starts) */
    set_var (c->vars, g_str_equal (key, "zones") ? "ZONES" : "LINES", val);
  } else if (g_str_equal (key, "gated")) {
    /* the pipeline files' ${GATED:-true}: axiongate decodes only keyframes
     * of an idle camera (docs/elements/axiongate.md) */
    gboolean on;
    if (!parse_bool (val, &on))
      return fail_at (error, l->path, line_of (l, group, key),
          "gated is true or false, not \"%s\"", val);
    set_var (c->vars, "GATED", on ? "true" : "false");
  } else if (axion_run_bandwidth_is_camera_key (key)) {
    /* quality levels: priority, url-template, url-LEVEL (bandwidth.md) */
    GError *err = NULL;
    if (!axion_run_bandwidth_camera_set (c, key, val, &err)) {
      fail_at (error, l->path, line_of (l, group, key), "%s", err->message);
      g_error_free (err);
      return FALSE;
    }
  } else if (g_ascii_isupper (key[0])) {
    set_var (c->vars, key, val);
  } else {
    return fail_at (error, l->path, line_of (l, group, key),
        "unknown key \"%s\" in [%s] (known: url, pipeline, protocols, "
        "zones, lines, gated, priority, url-template, url-LEVEL, or UPPERCASE "
        "pipeline variables)",
        key, group);
  }
  return TRUE;
}

static AxionRunCamera *
group_camera (AxionRunConfig *cfg, Lines *l, const gchar *group, GError **error)
{
  const gchar *id;
  AxionRunCamera *c;

  if (!g_str_has_prefix (group, "camera ")) {
    fail_at (error, l->path, line_of (l, group, NULL),
        "unknown section [%s] (use [axion], [vars], [alerts], [http], "
        "[bandwidth] or [camera ID])",
        group);
    return NULL;
  }
  id = group + 7;
  while (*id == ' ')
    id++;
  if (!gst_axion_camera_id_is_valid (id)) {
    fail_at (error, l->path, line_of (l, group, NULL),
        "camera id \"%s\" is invalid: 1-64 characters of [A-Za-z0-9_.-]", id);
    return NULL;
  }
  for (guint k = 0; k < cfg->cameras->len; k++)
    if (g_str_equal (
            ((AxionRunCamera *) g_ptr_array_index (cfg->cameras, k))->id, id)) {
      fail_at (error, l->path, line_of (l, group, NULL),
          "camera %s appears twice", id);
      return NULL;
    }
  c = axion_run_camera_new (id, NULL);
  g_ptr_array_add (cfg->cameras, c);
  return c;
}

static gboolean
load_group (AxionRunConfig *cfg, Lines *l, GKeyFile *kf, const gchar *group,
    GError **error)
{
  gchar **keys = g_key_file_get_keys (kf, group, NULL, NULL);
  AxionRunCamera *cam = NULL;
  gboolean ok = TRUE;

  if (!g_str_equal (group, "axion") && !g_str_equal (group, "vars") &&
      !g_str_equal (group, "alerts") && !g_str_equal (group, "http") &&
      !g_str_equal (group, "bandwidth"))
    ok = (cam = group_camera (cfg, l, group, error)) != NULL;
  for (guint i = 0; ok && keys && keys[i]; i++) {
    GError *err = NULL;
    gchar *val = g_key_file_get_string (kf, group, keys[i], &err);
    if (val == NULL) {
      ok = fail_at (error, l->path, line_of (l, group, keys[i]), "%s: %s",
          keys[i], err->message);
      g_error_free (err);
    } else if (g_str_equal (group, "axion")) {
      ok = axion_key (cfg, l, keys[i], val, error);
    } else if (g_str_equal (group, "vars")) {
      set_var (cfg->vars, keys[i], val);
    } else if (g_str_equal (group, "alerts")) {
      ok = alerts_key (cfg, l, keys[i], val, error);
    } else if (g_str_equal (group, "bandwidth")) {
      /* axionrunbandwidth.c: the budget and the quality levels */
      if (!(ok = axion_run_bandwidth_set (keys[i], val, &err))) {
        fail_at (
            error, l->path, line_of (l, group, keys[i]), "%s", err->message);
        g_error_free (err);
      }
    } else if (g_str_equal (group, "http")) {
      /* axionrunhttp.c */
      if (!(ok = axion_run_http_set (keys[i], val, &err))) {
        fail_at (
            error, l->path, line_of (l, group, keys[i]), "%s", err->message);
        g_error_free (err);
      }
    } else {
      ok = camera_key (cam, l, group, keys[i], val, error);
    }
    g_free (val);
  }
  g_strfreev (keys);
  return ok;
}

gboolean
axion_run_config_load (AxionRunConfig *cfg, const gchar *path, GError **error)
{
  Lines l = { path,
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  GKeyFile *kf = g_key_file_new ();
  gchar *text = NULL, **groups = NULL;
  gsize len = 0;
  gboolean ok;
  GError *err = NULL;

  ok = g_file_get_contents (path, &text, &len, &err);
  if (!ok) {
    g_set_error (
        error, G_FILE_ERROR, err->code, "cannot read config: %s", err->message);
    g_error_free (err);
  }
  ok = ok && scan_text (&l, text, len, error);
  if (ok && !g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, &err)) {
    ok = fail_at (error, path, 0, "%s", err->message);
    g_error_free (err);
  }
  if (ok)
    groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; ok && groups[i]; i++)
    ok = load_group (cfg, &l, kf, groups[i], error);
  g_strfreev (groups);
  g_key_file_free (kf);
  g_hash_table_unref (l.lines);
  g_free (text);
  return ok;
}

#ifndef AXION_PIPELINEDIR
#define AXION_PIPELINEDIR "/usr/local/share/axion/pipelines"
#endif

/* datadir/axion/pipelines next to this axion-run when it is installed
 * (bindir/../share/axion/pipelines), else NULL */
static gchar *
relocated_pipeline_dir (void)
{
#ifdef AXION_PIPELINEDIR_FROM_BINDIR
  gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  gchar *bindir, *dir;

  if (exe == NULL)
    return NULL;
  bindir = g_path_get_dirname (exe);
  dir = g_build_filename (bindir, AXION_PIPELINEDIR_FROM_BINDIR, NULL);
  g_free (bindir);
  g_free (exe);
  return dir;
#else
  return NULL;
#endif
}

/* @dir/@name or @dir/@name.pipeline when it is a file, else NULL */
static gchar *
pipeline_in_dir (const gchar *dir, const gchar *name)
{
  for (guint ext = 0; ext < 2 && dir && *dir; ext++) {
    gchar *base = g_strconcat (name, ext ? ".pipeline" : "", NULL);
    gchar *f = g_build_filename (dir, base, NULL);
    g_free (base);
    if (g_file_test (f, G_FILE_TEST_IS_REGULAR))
      return f;
    g_free (f);
  }
  return NULL;
}

/* A pipeline file that is not found as given and is a bare name
 * ("camera-basic" or "camera-basic.pipeline") is looked up in
 * $AXION_PIPELINE_DIR, then in the installed pipelines (datadir/axion/
 * pipelines, next to this axion-run first, then where meson installed
 * them): after `meson install`, `-p camera-basic` works from any
 * directory. @path is replaced by the file found, which is printed. */
static gboolean
find_pipeline_file (gchar **path)
{
  gchar *reloc, *name, *found = NULL;

  if (g_file_test (*path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  if (strchr (*path, G_DIR_SEPARATOR) != NULL)
    return FALSE;
  reloc = relocated_pipeline_dir ();
  found = pipeline_in_dir (g_getenv ("AXION_PIPELINE_DIR"), *path);
  if (found == NULL)
    found = pipeline_in_dir (reloc, *path);
  if (found == NULL)
    found = pipeline_in_dir (AXION_PIPELINEDIR, *path);
  g_free (reloc);
  if (found == NULL)
    return FALSE;
  name = *path;
  *path = g_canonicalize_filename (found, NULL);
  g_free (found);
  g_print (AXION_RUN_PROG ": pipeline %s is %s\n", name, *path);
  g_free (name);
  return TRUE;
}

gboolean
axion_run_config_check (AxionRunConfig *cfg, GError **error)
{
  /* first: a camera with a URL per quality level needs no url */
  if (!axion_run_bandwidth_check (cfg, error))
    return FALSE;
  if (cfg->reconnect_max_ms < cfg->reconnect_min_ms) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "reconnect-max is shorter than reconnect-min");
    return FALSE;
  }
  if (cfg->cameras->len == 0) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_NOT_FOUND,
        "no cameras: give --camera ID=URL or a --config with [camera ID] "
        "sections");
    return FALSE;
  }
  /* the default pipeline once (its cameras inherit the path found), not
   * once per camera; a missing one is reported per camera below */
  if (cfg->pipeline)
    find_pipeline_file (&cfg->pipeline);
  for (guint i = 0; i < cfg->cameras->len; i++) {
    AxionRunCamera *c = g_ptr_array_index (cfg->cameras, i);
    if (c->url == NULL) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_NOT_FOUND,
          "camera %s has no url", c->id);
      return FALSE;
    }
    if (c->pipeline_file == NULL)
      c->pipeline_file = g_strdup (cfg->pipeline);
    if (c->pipeline_file == NULL) {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_NOT_FOUND,
          "camera %s has no pipeline file: give --pipeline or pipeline = in "
          "[axion] or its [camera] section",
          c->id);
      return FALSE;
    }
    if (!find_pipeline_file (&c->pipeline_file)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
          "camera %s: pipeline file %s does not exist (a bare name is also "
          "looked up in $AXION_PIPELINE_DIR and " AXION_PIPELINEDIR ")",
          c->id, c->pipeline_file);
      return FALSE;
    }
  }
  return TRUE;
}
