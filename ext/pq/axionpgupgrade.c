/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Spool files and journals outlive upgrades: rows an earlier release
 * spooled during an outage are replayed by the next one. Columns have
 * only ever been inserted into a table's list (gstaxionrows.c), so a row
 * of an earlier layout is the current one without the inserted columns:
 * they are filled with NULL (\N), what the database would have stored
 * had the earlier release written the row. A new column in
 * gstaxionrows.c needs a line here. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionpgupgrade.h"

#include <string.h>

typedef struct
{
  GstAxionTable table;
  guint n_columns;        /* the earlier layout's column count */
  const gchar *absent[8]; /* current columns it lacks */
} OldLayout;

static const OldLayout old_layouts[] = {
  /* before camera_events.alert_generated and event_data (2026-12) */
  { GST_AXION_TABLE_CAMERA_EVENTS, 19,
      { "alert_generated", "event_data", "sent_to_claude" } },
  /* before event_data (axiontrack, axion-run's status events) */
  { GST_AXION_TABLE_CAMERA_EVENTS, 20, { "event_data", "sent_to_claude" } },
  /* before sent_to_claude (NULL: an old row is not pending) */
  { GST_AXION_TABLE_CAMERA_EVENTS, 21, { "sent_to_claude" } },
  /* before the snapshot columns (axionsnapshot) */
  { GST_AXION_TABLE_FRAME_METADATA, 16,
      { "storage_location", "storage_path", "expires_at", "frames_received",
          "frames_decoded", "gate_state" } },
  /* before axiongate's columns (sql/007; NULL: every frame decoded, as
   * the release that spooled the row did) */
  { GST_AXION_TABLE_FRAME_METADATA, 19,
      { "frames_received", "frames_decoded", "gate_state" } },
  /* before alerts.priority */
  { GST_AXION_TABLE_ALERTS, 13, { "priority" } },
};

static guint
count_columns (const gchar *line, const gchar *end)
{
  guint n = 1;

  for (const gchar *p = line; p < end; p++)
    n += *p == '\t';
  return n;
}

static const OldLayout *
find_layout (GstAxionTable table, guint n_columns)
{
  for (guint i = 0; i < G_N_ELEMENTS (old_layouts); i++)
    if (old_layouts[i].table == table && old_layouts[i].n_columns == n_columns)
      return &old_layouts[i];
  return NULL;
}

static gboolean
is_absent (const OldLayout *l, const gchar *column)
{
  for (guint i = 0; i < G_N_ELEMENTS (l->absent) && l->absent[i]; i++)
    if (g_str_equal (l->absent[i], column))
      return TRUE;
  return FALSE;
}

/* one row (@line to @end, no newline) in the current layout onto @out;
 * FALSE if it does not have the old layout's columns */
static gboolean
upgrade_line (const OldLayout *l, const GstAxionColumn *cols, guint n,
    const gchar *line, const gchar *end, GString *out)
{
  const gchar *field = line;

  if (count_columns (line, end) != l->n_columns)
    return FALSE;
  for (guint c = 0; c < n; c++) {
    if (c > 0)
      g_string_append_c (out, '\t');
    if (is_absent (l, cols[c].name)) {
      g_string_append (out, "\\N");
    } else {
      const gchar *tab = memchr (field, '\t', end - field);
      const gchar *stop = tab ? tab : end;
      g_string_append_len (out, field, stop - field);
      field = tab ? tab + 1 : end;
    }
  }
  g_string_append_c (out, '\n');
  return TRUE;
}

GString *
axion_pg_upgrade_rows (
    GstAxionTable table, const gchar *text, gsize len, guint rows)
{
  const gchar *end = text + len, *nl;
  const GstAxionColumn *cols;
  const OldLayout *l;
  GString *out;
  guint n;

  cols = gst_axion_table_columns (table, &n);
  nl = rows > 0 ? memchr (text, '\n', len) : NULL;
  if (nl == NULL ||
      (l = find_layout (table, count_columns (text, nl))) == NULL ||
      l->n_columns == n)
    return NULL;
  out = g_string_sized_new (len + rows * 16);
  for (const gchar *p = text; p < end && (nl = memchr (p, '\n', end - p));
       p = nl + 1) {
    if (!upgrade_line (l, cols, n, p, nl, out)) {
      /* not one layout throughout: left as it is */
      g_string_free (out, TRUE);
      return NULL;
    }
  }
  return out;
}
