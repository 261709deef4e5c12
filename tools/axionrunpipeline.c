/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's pipeline description files (pipelines/NAME.pipeline).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunpipeline.h"

#include <string.h>

/* ---- pipeline files ----------------------------------------------------- */

/* ${NAME} and ${NAME:-default}; values from @vars, then the environment.
 * Comment lines (#) are dropped and lines joined. */
static gchar *
expand_file (const gchar *path, GHashTable *vars, GError **error)
{
  gchar *text = NULL, **lines;
  GString *out = g_string_new (NULL);
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &text, NULL, error)) {
    g_string_free (out, TRUE);
    return NULL;
  }
  lines = g_strsplit (text, "\n", -1);
  for (guint ln = 0; lines[ln] && ok; ln++) {
    const gchar *p = lines[ln];
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '#' || *p == '\0')
      continue;
    while (*p && ok) {
      if (p[0] == '$' && p[1] == '{') {
        const gchar *end = strchr (p, '}');
        gchar *name, *def = NULL, *colon;
        const gchar *val;
        if (end == NULL) {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
              "%s:%u: unterminated ${", path, ln + 1);
          ok = FALSE;
          break;
        }
        name = g_strndup (p + 2, end - p - 2);
        if ((colon = strstr (name, ":-"))) {
          def = g_strdup (colon + 2);
          *colon = '\0';
        }
        val = g_hash_table_lookup (vars, name);
        if (val == NULL || *val == '\0')
          val = g_getenv (name);
        if (val == NULL || *val == '\0')
          val = def;
        if (val == NULL) {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
              "%s:%u: ${%s} is not set (set it in the config, the "
              "environment, or give a default: ${%s:-value})",
              path, ln + 1, name, name);
          ok = FALSE;
        } else {
          g_string_append (out, val);
        }
        g_free (name);
        g_free (def);
        p = end + 1;
      } else {
        g_string_append_c (out, *p++);
      }
    }
    g_string_append_c (out, ' ');
  }
  g_strfreev (lines);
  g_free (text);
  if (!ok) {
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

GstElement *
axion_run_pipeline_build (const gchar *path, GHashTable *vars, GError **error)
{
  GError *err = NULL;
  GstElement *pipe;
  gchar *desc = expand_file (path, vars, error);

  if (desc == NULL)
    return NULL;
  pipe = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  g_free (desc);
  if (pipe == NULL) {
    g_set_error (error, err->domain, err->code, "pipeline %s: %s%s", path,
        err->message,
        g_error_matches (err, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT)
            ? " (is the plugin installed? gst-inspect-1.0 lists the "
              "elements; Axion's need GST_PLUGIN_PATH when not installed)"
            : "");
    g_error_free (err);
  }
  return pipe;
}
