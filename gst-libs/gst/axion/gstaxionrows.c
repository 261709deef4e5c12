/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionrows.h"
#include "gstaxionroi.h"
#include "gstaxionid.h"
#include "gstaxioncamera.h"
#include "gstaxionformat.h"

#include <math.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK (gst_axion_rows_error, gst_axion_rows_error);

#define T GST_AXION_COLUMN_TEXT
#define I GST_AXION_COLUMN_INT
#define N GST_AXION_COLUMN_NUMERIC
#define B GST_AXION_COLUMN_BOOL
#define TS GST_AXION_COLUMN_TIMESTAMP
#define J GST_AXION_COLUMN_JSON
#define TA GST_AXION_COLUMN_TEXT_ARRAY
#define IA GST_AXION_COLUMN_INT_ARRAY
#define IP GST_AXION_COLUMN_INET

/* Column lists: the schema document's names, types and VARCHAR lengths /
 * DECIMAL scales; event_phase is added by sql/002 (see there). */
static const GstAxionColumn camera_events_cols[] = {
  { "event_id", I, 0 },
  { "camera_id", T, 64 },
  { "event_type", T, 32 },
  { "event_phase", T, 16 },
  { "event_timestamp", TS, 0 },
  { "frame_number", I, 0 },
  { "frame_hash", T, 64 },
  { "fps_actual", N, 2 },
  { "motion_score", N, 4 },
  { "motion_regions", J, 0 },
  { "objects_detected", J, 0 },
  { "object_count", I, 0 },
  { "max_object_confidence", N, 4 },
  { "scene_hash", T, 64 },
  { "scene_change_score", N, 4 },
  { "image_quality_score", N, 4 },
  { "bandwidth_usage_bytes", I, 0 },
  { "dlpu_inference_ms", I, 0 },
  { "total_processing_ms", I, 0 },
  { "alert_generated", B, 0 },
  /* sql/003: the details of camera_offline/online and axiontrack's events */
  { "event_data", J, 0 },
  /* false (pending) only for the events axionclaude can analyse; NULL for
   * the rest, so idx_camera_events_claude_pending holds only candidates */
  { "sent_to_claude", B, 0 },
};

static const GstAxionColumn frame_metadata_cols[] = {
  { "metadata_id", I, 0 },
  { "camera_id", T, 64 },
  { "frame_number", I, 0 },
  { "frame_timestamp", TS, 0 },
  { "frame_hash", T, 64 },
  { "perceptual_hash", T, 64 },
  { "scene_hash", T, 64 },
  { "resolution_width", I, 0 },
  { "resolution_height", I, 0 },
  { "format", T, 16 },
  { "file_size_bytes", I, 0 },
  { "sharpness_score", N, 4 },
  { "brightness_level", N, 4 },
  { "contrast_level", N, 4 },
  { "noise_level", N, 4 },
  { "overall_quality_score", N, 4 },
  { "storage_location", T, 16 },
  { "storage_path", T, 0 },
  { "expires_at", TS, 0 },
  /* sql/007: how axiongate sampled the camera (NULL without a gate) */
  { "frames_received", I, 0 },
  { "frames_decoded", I, 0 },
  { "gate_state", T, 16 },
};

static const GstAxionColumn claude_analyses_cols[] = {
  { "analysis_id", I, 0 },
  { "trigger_event_id", I, 0 },
  { "camera_id", T, 64 },
  { "event_timestamp", TS, 0 },
  { "request_type", T, 32 },
  { "prompt_template", T, 64 },
  { "context_window_events", I, 0 },
  { "claude_response", J, 0 },
  { "primary_insight", T, 0 },
  { "confidence_score", N, 4 },
  { "objects_identified", TA, 0 },
  { "activities_detected", TA, 0 },
  { "anomalies_flagged", TA, 0 },
  { "scene_description", T, 0 },
  { "risk_assessment", T, 16 },
  { "pattern_detected", B, 0 },
  { "pattern_type", T, 64 },
  { "pattern_confidence", N, 4 },
  { "api_call_duration_ms", I, 0 },
  { "tokens_used", I, 0 },
  { "model_version", T, 32 },
  { "should_alert", B, 0 },
  { "alert_reason", T, 0 },
  { "alert_severity", I, 0 },
};

static const GstAxionColumn alerts_cols[] = {
  { "alert_id", I, 0 },
  { "alert_type", T, 32 },
  { "severity", I, 0 },
  { "priority", I, 0 },
  { "camera_id", T, 64 },
  { "trigger_event_id", I, 0 },
  { "claude_analysis_id", I, 0 },
  { "title", T, 255 },
  { "description", T, 0 },
  { "alert_data", J, 0 },
  { "detected_objects", TA, 0 },
  { "confidence_score", N, 4 },
  { "frame_references", IA, 0 },
  { "created_at", TS, 0 },
};

static const GstAxionColumn system_metrics_cols[] = {
  { "metric_id", I, 0 },
  { "metric_name", T, 64 },
  { "metric_type", T, 16 },
  { "component", T, 32 },
  { "source_id", T, 64 },
  { "value", N, 6 },
  { "unit", T, 16 },
  { "tags", J, 0 },
  { "metric_timestamp", TS, 0 },
};

static const GstAxionColumn cameras_cols[] = {
  { "camera_id", T, 64 },
  { "camera_name", T, 255 },
  { "ip_address", IP, 0 },
  { "rtsp_url", T, 0 },
  { "active_resolution_width", I, 0 },
  { "active_resolution_height", I, 0 },
  { "active_fps", I, 0 },
  { "status", T, 16 },
  { "last_seen_at", TS, 0 },
};

static const GstAxionColumn audit_log_cols[] = {
  { "audit_id", I, 0 },
  { "event_type", T, 32 },
  { "entity_type", T, 32 },
  { "entity_id", T, 64 },
  { "action", T, 64 },
  { "action_status", T, 16 },
  { "service_name", T, 64 },
  { "changes_made", J, 0 },
  { "correlation_id", T, 64 },
  { "severity", T, 16 },
  { "event_timestamp", TS, 0 },
};

#undef T
#undef I
#undef N
#undef B
#undef TS
#undef J
#undef TA
#undef IA
#undef IP

static const struct
{
  const gchar *name;
  const GstAxionColumn *cols;
  guint n_cols;
} tables[GST_AXION_N_TABLES] = {
  { "camera_events", camera_events_cols, G_N_ELEMENTS (camera_events_cols) },
  { "frame_metadata", frame_metadata_cols, G_N_ELEMENTS (frame_metadata_cols) },
  { "claude_analyses", claude_analyses_cols,
      G_N_ELEMENTS (claude_analyses_cols) },
  { "alerts", alerts_cols, G_N_ELEMENTS (alerts_cols) },
  { "system_metrics", system_metrics_cols, G_N_ELEMENTS (system_metrics_cols) },
  { "cameras", cameras_cols, G_N_ELEMENTS (cameras_cols) },
  { "audit_log", audit_log_cols, G_N_ELEMENTS (audit_log_cols) },
};

typedef struct
{
  gboolean set;      /* FALSE: SQL NULL */
  gboolean borrowed; /* v.s is a static string, not freed */
  union
  {
    gchar *s;     /* TEXT, JSON, INET */
    gint64 i;     /* INT, TIMESTAMP */
    gdouble d;    /* NUMERIC */
    gboolean b;   /* BOOL */
    gchar **strv; /* TEXT_ARRAY */
    GArray *ints; /* INT_ARRAY (gint64) */
  } v;
} Cell;

struct _GstAxionRow
{
  GstAxionTable table;
  Cell *cells;
  gchar **text; /* PostgreSQL text form, made on demand */
};

const gchar *
gst_axion_table_name (GstAxionTable table)
{
  g_return_val_if_fail (table < GST_AXION_N_TABLES, NULL);
  return tables[table].name;
}

/**
 * gst_axion_table_columns:
 * @table: a table
 * @n_columns: (out): number of columns
 *
 * Returns: (array length=n_columns) (transfer none): the columns a row of
 * @table holds, in the order gst_axion_row_append_copy_text() writes them.
 */
const GstAxionColumn *
gst_axion_table_columns (GstAxionTable table, guint *n_columns)
{
  g_return_val_if_fail (table < GST_AXION_N_TABLES, NULL);
  if (n_columns)
    *n_columns = tables[table].n_cols;
  return tables[table].cols;
}

static gint
gst_axion_row_column_index (GstAxionTable table, const gchar *column)
{
  static GHashTable *index[GST_AXION_N_TABLES];
  static gsize inited = 0;
  gpointer v;

  g_return_val_if_fail (table < GST_AXION_N_TABLES, -1);
  g_return_val_if_fail (column != NULL, -1);

  /* name -> position + 1, built once: rows are made per event */
  if (g_once_init_enter (&inited)) {
    for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
      index[t] = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < tables[t].n_cols; i++)
        g_hash_table_insert (index[t], (gpointer) tables[t].cols[i].name,
            GUINT_TO_POINTER (i + 1));
    }
    g_once_init_leave (&inited, 1);
  }
  v = g_hash_table_lookup (index[table], column);
  return v ? (gint) GPOINTER_TO_UINT (v) - 1 : -1;
}

void
gst_axion_frame_info_init (GstAxionFrameInfo *info)
{
  g_return_if_fail (info != NULL);
  info->width = 0;
  info->height = 0;
  info->format = NULL;
  info->fps = 0.0;
  info->size_bytes = -1;
  info->processing_ms = -1;
}

/**
 * gst_axion_frame_rate_init:
 * @rate: the state to initialise
 */
void
gst_axion_frame_rate_init (GstAxionFrameRate *rate)
{
  g_return_if_fail (rate != NULL);
  memset (rate, 0, sizeof (*rate));
}

/**
 * gst_axion_frame_rate_clear:
 * @rate: the state to free
 */
void
gst_axion_frame_rate_clear (GstAxionFrameRate *rate)
{
  g_return_if_fail (rate != NULL);
  g_free (rate->camera_id);
  memset (rate, 0, sizeof (*rate));
}

/* A window of at least 1 s of capture time: a rate from fewer frames
 * would be a guess (at 2 fps, one frame early or late moves it by 50%).
 * Capture times are differences of one clock (the camera's: its offset
 * from this host does not matter); a step back or a gap of 10 s (a
 * camera clock set, a stream restarted) starts a new window. */
#define RATE_WINDOW_US G_USEC_PER_SEC
#define RATE_RESET_US (10 * G_USEC_PER_SEC)

static void
frame_rate_update (GstAxionFrameRate *r, const GstAxionFrameMeta *meta)
{
  gint64 t = meta->capture_time_us;

  if (!gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME))
    return;
  if (r->camera_id == NULL || strcmp (r->camera_id, meta->camera_id) != 0) {
    g_free (r->camera_id);
    r->camera_id = g_strdup (meta->camera_id);
    r->frames = 0;
    r->fps = 0.0;
  }
  if (r->frames == 0 || t <= r->last_us || t - r->last_us > RATE_RESET_US) {
    if (r->frames && t - r->last_us > RATE_RESET_US)
      r->fps = 0.0; /* the old rate says nothing about the new stream */
    r->window_start_us = t;
    r->last_us = t;
    r->frames = 1;
    return;
  }
  r->frames++;
  r->last_us = t;
  if (t - r->window_start_us >= RATE_WINDOW_US) {
    r->fps = (r->frames - 1) * (gdouble) G_USEC_PER_SEC /
        (gdouble) (t - r->window_start_us);
    r->window_start_us = t;
    r->frames = 1;
  }
}

/* Capture to sink, on the pipeline clock (one clock: the buffer's running
 * time is when the source captured or received it, the clock's now minus
 * the base time is now in running time); -1 when unknown: no clock, no
 * timestamp, or a buffer ahead of the clock (a non-live source pushing
 * faster than real time, where "processing time" means nothing). */
static gint64
processing_ms (GstBaseSink *sink, GstBuffer *buffer)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (sink));
  GstClockTime now, base, rt;
  gint64 ms = -1;

  if (clock == NULL)
    return -1;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (sink));
  gst_object_unref (clock);
  if (!GST_BUFFER_PTS_IS_VALID (buffer) ||
      sink->segment.format != GST_FORMAT_TIME)
    return -1;
  rt = gst_segment_to_running_time (
      &sink->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (rt != GST_CLOCK_TIME_NONE && now >= base && now - base >= rt)
    ms = (gint64) ((now - base - rt) / GST_MSECOND);
  return ms;
}

/**
 * gst_axion_frame_info_measure:
 * @info: the frame info to complete
 * @rate: the sink's #GstAxionFrameRate
 * @sink: the sink rendering @buffer (for its clock and segment)
 * @buffer: the buffer being rendered
 * @meta: @buffer's frame meta
 *
 * Fills in what a sink measures itself: @info->fps with the measured frame
 * rate (camera_events.fps_actual: RTSP caps carry no framerate; a rate
 * given by the caps is only what the stream promised) once a second of
 * frames was seen, and @info->processing_ms with the time from capture to
 * this sink (camera_events.total_processing_ms). Call it from render for
 * every buffer, events or not (the rate counts frames).
 */
void
gst_axion_frame_info_measure (GstAxionFrameInfo *info, GstAxionFrameRate *rate,
    GstBaseSink *sink, GstBuffer *buffer, const GstAxionFrameMeta *meta)
{
  g_return_if_fail (info != NULL && rate != NULL);
  g_return_if_fail (GST_IS_BASE_SINK (sink) && GST_IS_BUFFER (buffer));

  if (meta) {
    frame_rate_update (rate, meta);
    if (rate->fps > 0)
      info->fps = rate->fps;
  }
  info->processing_ms = processing_ms (sink, buffer);
}

static GstAxionRow *
row_new (GstAxionTable table)
{
  guint n = tables[table].n_cols;
  /* one block: the row, its cells, its text forms (rows are made per
   * event) */
  GstAxionRow *row = g_malloc0 (
      sizeof (GstAxionRow) + n * sizeof (Cell) + n * sizeof (gchar *));

  row->table = table;
  row->cells = (Cell *) (row + 1);
  row->text = (gchar **) (row->cells + n);
  return row;
}

static void
cell_clear (const GstAxionColumn *col, Cell *c)
{
  if (!c->set)
    return;
  switch (col->type) {
  case GST_AXION_COLUMN_TEXT:
  case GST_AXION_COLUMN_JSON:
  case GST_AXION_COLUMN_INET:
    if (!c->borrowed)
      g_free (c->v.s);
    break;
  case GST_AXION_COLUMN_TEXT_ARRAY:
    g_strfreev (c->v.strv);
    break;
  case GST_AXION_COLUMN_INT_ARRAY:
    g_array_unref (c->v.ints);
    break;
  default:
    break;
  }
  c->set = FALSE;
  c->borrowed = FALSE;
}

void
gst_axion_row_free (GstAxionRow *row)
{
  if (row == NULL)
    return;
  for (guint i = 0; i < tables[row->table].n_cols; i++) {
    cell_clear (&tables[row->table].cols[i], &row->cells[i]);
    g_free (row->text[i]);
  }
  g_free (row);
}

GstAxionTable
gst_axion_row_get_table (const GstAxionRow *row)
{
  return row->table;
}

/* The column index for the row builders below, which name columns with
 * string literals: a per-thread cache keyed by the literal's address (no
 * hashing of the name, no shared table touched per cell), falling back to
 * the name index. */
static gint
col_index (GstAxionTable table, const gchar *column)
{
  static _Thread_local struct
  {
    const gchar *name;
    gint table, index;
  } cache[256];
  guint slot = (guint) (((guintptr) column >> 2) ^ (guint) table) & 255;

  if (column != NULL && cache[slot].name == column &&
      cache[slot].table == (gint) table)
    return cache[slot].index;
  cache[slot].index = gst_axion_row_column_index (table, column);
  cache[slot].table = table;
  cache[slot].name = column;
  return cache[slot].index;
}

static Cell *
cell (GstAxionRow *row, const gchar *column, GstAxionColumnType type)
{
  gint i = col_index (row->table, column);

  /* programming error in this file: the column lists above are fixed */
  g_assert (i >= 0);
  g_assert (tables[row->table].cols[i].type == type);
  cell_clear (&tables[row->table].cols[i], &row->cells[i]);
  row->cells[i].set = TRUE;
  return &row->cells[i];
}

/* valid UTF-8, at most max_chars characters (0 = unlimited) */
static gchar *
clean_text (const gchar *s, guint max_chars)
{
  gchar *v;
  gsize n = 0;

  /* ASCII (ids, names, hashes: nearly all text here): valid as it is, a
   * character per byte */
  while (s[n] && !(s[n] & 0x80))
    n++;
  if (s[n] == '\0')
    return g_strndup (s, max_chars > 0 ? MIN (n, max_chars) : n);
  v = g_utf8_make_valid (s, -1);

  if (max_chars > 0 && g_utf8_strlen (v, -1) > (glong) max_chars)
    *g_utf8_offset_to_pointer (v, max_chars) = '\0';
  return v;
}

static void
set_text (GstAxionRow *row, const gchar *column, const gchar *s)
{
  gint i;

  if (s == NULL)
    return;
  i = col_index (row->table, column);
  cell (row, column, GST_AXION_COLUMN_TEXT)->v.s = clean_text (
      s, tables[row->table].cols[i].size);
}

/* a string from this library's static tables (event type names, phases):
 * valid, short, lives as long as the process; not copied */
static void
set_static_text (GstAxionRow *row, const gchar *column, const gchar *s)
{
  Cell *c;

  if (s == NULL)
    return;
  c = cell (row, column, GST_AXION_COLUMN_TEXT);
  c->v.s = (gchar *) s;
  c->borrowed = TRUE;
}

static void
set_inet (GstAxionRow *row, const gchar *column, const gchar *s)
{
  if (s)
    cell (row, column, GST_AXION_COLUMN_INET)->v.s = g_strdup (s);
}

static void
set_json (GstAxionRow *row, const gchar *column, const gchar *json)
{
  if (json)
    cell (row, column, GST_AXION_COLUMN_JSON)->v.s = g_utf8_make_valid (
        json, -1);
}

static void
set_int (GstAxionRow *row, const gchar *column, gint64 v)
{
  cell (row, column, GST_AXION_COLUMN_INT)->v.i = v;
}

static void
set_ts (GstAxionRow *row, const gchar *column, gint64 us)
{
  cell (row, column, GST_AXION_COLUMN_TIMESTAMP)->v.i = us;
}

static void
set_bool (GstAxionRow *row, const gchar *column, gboolean b)
{
  cell (row, column, GST_AXION_COLUMN_BOOL)->v.b = !!b;
}

static void
set_num (GstAxionRow *row, const gchar *column, gdouble d)
{
  if (isfinite (d))
    cell (row, column, GST_AXION_COLUMN_NUMERIC)->v.d = d;
}

static void
set_strv (GstAxionRow *row, const gchar *column, gchar **strv)
{
  GPtrArray *a;

  if (strv == NULL)
    return;
  a = g_ptr_array_new ();
  for (gchar **p = strv; *p; p++)
    g_ptr_array_add (a, g_utf8_make_valid (*p, -1));
  g_ptr_array_add (a, NULL);
  cell (row, column, GST_AXION_COLUMN_TEXT_ARRAY)->v.strv =
      (gchar **) g_ptr_array_free (a, FALSE);
}

/* ---- text forms ------------------------------------------------------ */

/* a string literal appended without strlen () */
#define APPEND_LIT(out, lit)                                                   \
  gst_axion_string_append_len (out, lit, sizeof (lit) - 1)


static gchar *
format_numeric (gdouble d, guint scale)
{
  GString *s = g_string_sized_new (24);
  gst_axion_append_fixed (s, d, scale);
  return g_string_free (s, FALSE);
}

static void
append_pg_array_elem (GString *out, const gchar *s)
{
  g_string_append_c (out, '"');
  for (const gchar *p = s; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c (out, '\\');
    g_string_append_c (out, *p);
  }
  g_string_append_c (out, '"');
}

static gchar *
cell_to_text (const GstAxionColumn *col, const Cell *c)
{
  GString *s;

  switch (col->type) {
  case GST_AXION_COLUMN_TEXT:
  case GST_AXION_COLUMN_JSON:
  case GST_AXION_COLUMN_INET:
    return g_strdup (c->v.s);
  case GST_AXION_COLUMN_INT:
    s = g_string_sized_new (24);
    gst_axion_append_int (s, c->v.i);
    return g_string_free (s, FALSE);
  case GST_AXION_COLUMN_NUMERIC:
    return format_numeric (c->v.d, col->size);
  case GST_AXION_COLUMN_BOOL:
    return g_strdup (c->v.b ? "t" : "f");
  case GST_AXION_COLUMN_TIMESTAMP:
    return gst_axion_format_timestamp (c->v.i);
  case GST_AXION_COLUMN_TEXT_ARRAY:
    s = g_string_new ("{");
    for (gchar **p = c->v.strv; *p; p++) {
      if (p != c->v.strv)
        g_string_append_c (s, ',');
      append_pg_array_elem (s, *p);
    }
    g_string_append_c (s, '}');
    return g_string_free (s, FALSE);
  case GST_AXION_COLUMN_INT_ARRAY:
    s = g_string_new ("{");
    for (guint i = 0; i < c->v.ints->len; i++) {
      if (i)
        g_string_append_c (s, ',');
      gst_axion_append_int (s, g_array_index (c->v.ints, gint64, i));
    }
    g_string_append_c (s, '}');
    return g_string_free (s, FALSE);
  }
  g_return_val_if_reached (NULL);
}

gboolean
gst_axion_row_is_null (const GstAxionRow *row, const gchar *column)
{
  gint i = gst_axion_row_column_index (row->table, column);

  g_return_val_if_fail (i >= 0, TRUE);
  return !row->cells[i].set;
}

/**
 * gst_axion_row_get_text:
 * @row: a row
 * @column: a column name of the row's table
 *
 * Returns: (nullable) (transfer none): the value in PostgreSQL's text input
 * form, or %NULL for SQL NULL (and for unknown columns).
 */
const gchar *
gst_axion_row_get_text (GstAxionRow *row, const gchar *column)
{
  gint i;

  g_return_val_if_fail (row != NULL, NULL);
  i = gst_axion_row_column_index (row->table, column);
  g_return_val_if_fail (i >= 0, NULL);
  if (!row->cells[i].set)
    return NULL;
  if (row->text[i] == NULL)
    row->text[i] = cell_to_text (&tables[row->table].cols[i], &row->cells[i]);
  return row->text[i];
}

/**
 * gst_axion_row_append_copy_text:
 * @row: a row
 * @out: where to append
 *
 * Appends the row as one line of PostgreSQL COPY text format (columns in
 * gst_axion_table_columns() order, tab-separated, \N for NULL, backslash
 * escapes), ending with a newline.
 */
void
gst_axion_row_append_copy_text (GstAxionRow *row, GString *out)
{
  guint n = tables[row->table].n_cols;

  for (guint i = 0; i < n; i++) {
    const GstAxionColumn *col = &tables[row->table].cols[i];
    const Cell *c = &row->cells[i];
    const guchar *v, *run, *p;

    if (i > 0)
      g_string_append_c (out, '\t');
    if (!c->set) {
      gst_axion_string_append_len (out, "\\N", 2);
      continue;
    }
    /* numbers, booleans and timestamps need no escaping: written straight
     * into @out (rows are made per frame) */
    switch (col->type) {
    case GST_AXION_COLUMN_INT:
      gst_axion_append_int (out, c->v.i);
      continue;
    case GST_AXION_COLUMN_NUMERIC:
      gst_axion_append_fixed (out, c->v.d, col->size);
      continue;
    case GST_AXION_COLUMN_BOOL:
      g_string_append_c (out, c->v.b ? 't' : 'f');
      continue;
    case GST_AXION_COLUMN_TIMESTAMP:
      gst_axion_append_timestamp (out, c->v.i);
      continue;
    case GST_AXION_COLUMN_TEXT:
    case GST_AXION_COLUMN_JSON:
    case GST_AXION_COLUMN_INET:
      v = (const guchar *) c->v.s; /* the text form itself */
      break;
    default: /* arrays: their text form, made once */
      if (row->text[i] == NULL)
        row->text[i] = cell_to_text (col, c);
      v = (const guchar *) row->text[i];
      break;
    }
    /* copy runs that need no escaping in one go (strcspn: vectorised in
     * glibc) */
    for (run = v;;) {
      const gchar *esc;

      p = run + strcspn ((const gchar *) run, "\\\n\r\t");
      gst_axion_string_append_len (out, (const gchar *) run, p - run);
      if (*p == '\0')
        break;
      esc = *p == '\\' ? "\\\\"
          : *p == '\n' ? "\\n"
          : *p == '\r' ? "\\r"
                       : "\\t";
      gst_axion_string_append_len (out, esc, 2);
      run = p + 1;
    }
  }
  g_string_append_c (out, '\n');
}

/**
 * gst_axion_row_to_json:
 * @row: a row
 *
 * Returns: (transfer full): the row as a compact JSON object with the
 * table's column names (typed: numbers, booleans, arrays, nested JSON for
 * JSONB columns, ISO 8601 strings for timestamps, null for NULL).
 */
gchar *
gst_axion_row_to_json (const GstAxionRow *row)
{
  GString *out = g_string_sized_new (512);

  gst_axion_row_append_json (row, out);
  return g_string_free (out, FALSE);
}

/**
 * gst_axion_row_append_json:
 * @row: a row
 * @out: where to append
 *
 * Appends what gst_axion_row_to_json() returns.
 */
void
gst_axion_row_append_json (const GstAxionRow *row, GString *out)
{
  g_return_if_fail (row != NULL);
  g_return_if_fail (out != NULL);

  g_string_append_c (out, '{');
  for (guint i = 0; i < tables[row->table].n_cols; i++) {
    const GstAxionColumn *col = &tables[row->table].cols[i];
    const Cell *c = &row->cells[i];

    if (i > 0)
      g_string_append_c (out, ',');
    /* column names are plain ASCII identifiers: nothing to escape */
    g_string_append_c (out, '"');
    gst_axion_string_append_len (out, col->name, strlen (col->name));
    gst_axion_string_append_len (out, "\":", 2);
    if (!c->set) {
      gst_axion_string_append_len (out, "null", 4);
      continue;
    }
    switch (col->type) {
    case GST_AXION_COLUMN_TEXT:
    case GST_AXION_COLUMN_INET:
      gst_axion_json_append_string (out, c->v.s);
      break;
    case GST_AXION_COLUMN_JSON:
      gst_axion_string_append_len (out, c->v.s, strlen (c->v.s));
      break;
    case GST_AXION_COLUMN_INT:
      gst_axion_append_int (out, c->v.i);
      break;
    case GST_AXION_COLUMN_NUMERIC:
      gst_axion_append_fixed (out, c->v.d, col->size);
      break;
    case GST_AXION_COLUMN_BOOL:
      g_string_append (out, c->v.b ? "true" : "false");
      break;
    case GST_AXION_COLUMN_TIMESTAMP:
      g_string_append_c (out, '"');
      gst_axion_append_timestamp (out, c->v.i);
      g_string_append_c (out, '"');
      break;
    case GST_AXION_COLUMN_TEXT_ARRAY:
      g_string_append_c (out, '[');
      for (gchar **p = c->v.strv; *p; p++) {
        if (p != c->v.strv)
          g_string_append_c (out, ',');
        gst_axion_json_append_string (out, *p);
      }
      g_string_append_c (out, ']');
      break;
    case GST_AXION_COLUMN_INT_ARRAY:
      g_string_append_c (out, '[');
      for (guint k = 0; k < c->v.ints->len; k++) {
        if (k)
          g_string_append_c (out, ',');
        gst_axion_append_int (out, g_array_index (c->v.ints, gint64, k));
      }
      g_string_append_c (out, ']');
      break;
    }
  }
  g_string_append_c (out, '}');
}

/* ---- row builders ---------------------------------------------------- */

static gboolean
require (gboolean ok, GError **error, const gchar *table, const gchar *what)
{
  if (!ok)
    g_set_error (error, GST_AXION_ROWS_ERROR, GST_AXION_ROWS_ERROR_MISSING,
        "%s row needs %s", table, what);
  return ok;
}

static gboolean
one_of (const gchar *v, const gchar *const *allowed)
{
  for (; *allowed; allowed++)
    if (g_strcmp0 (v, *allowed) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
check_one_of (const gchar *v, const gchar *const *allowed, GError **error,
    const gchar *column)
{
  gchar *list;

  if (v == NULL || one_of (v, allowed))
    return TRUE;
  list = g_strjoinv ("', '", (gchar **) allowed);
  g_set_error (error, GST_AXION_ROWS_ERROR, GST_AXION_ROWS_ERROR_INVALID,
      "%s '%s' is not one of '%s'", column, v, list);
  g_free (list);
  return FALSE;
}

static gint64
round_ms (gdouble ms)
{
  return (gint64) llround (MAX (ms, 0.0));
}

static void
append_bbox (GString *json, const GstVideoRegionOfInterestMeta *roi)
{
  g_string_append_c (json, '[');
  gst_axion_append_digits (json, roi->x, 1);
  g_string_append_c (json, ',');
  gst_axion_append_digits (json, roi->y, 1);
  g_string_append_c (json, ',');
  gst_axion_append_digits (json, roi->w, 1);
  g_string_append_c (json, ',');
  gst_axion_append_digits (json, roi->h, 1);
  g_string_append_c (json, ']');
}

/* an alert on the buffer (axionalert's, or an analysis that asks for
 * one) names @event_id as its trigger */
static gboolean
event_alerted (GstBuffer *buffer, gint64 event_id)
{
  gpointer state = NULL;
  GstMeta *m;

  if (buffer == NULL)
    return FALSE;
  while ((m = gst_buffer_iterate_meta_filtered (
              buffer, &state, GST_AXION_ALERT_META_API_TYPE)))
    if (((GstAxionAlertMeta *) m)->alert->trigger_event_id == event_id)
      return TRUE;
  state = NULL;
  while ((m = gst_buffer_iterate_meta_filtered (
              buffer, &state, GST_AXION_ANALYSIS_META_API_TYPE))) {
    GstAxionAnalysis *a = ((GstAxionAnalysisMeta *) m)->analysis;
    if (a && a->should_alert && a->trigger_event_id == event_id)
      return TRUE;
  }
  return FALSE;
}

/* the event's details from the GST_AXION_EVENT_DATA_META custom meta
 * (axiontrack's events), or NULL */
static const gchar *
event_data (GstBuffer *buffer, gint64 event_id)
{
  GstCustomMeta *cm;
  gchar key[32];

  if (buffer == NULL)
    return NULL;
  cm = gst_buffer_get_custom_meta (buffer, GST_AXION_EVENT_DATA_META);
  if (cm == NULL)
    return NULL;
  g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, event_id);
  return gst_structure_get_string (gst_custom_meta_get_structure (cm), key);
}

/* the events axionclaude analyses (its triggers: a new object, motion
 * start, a scene change, the heartbeat): pending until an analysis follows
 * (sql/004's trigger sets sent_to_claude); the others are never sent */
static gboolean
claude_candidate (GstAxionEventType type)
{
  return type == GST_AXION_EVENT_OBJECT_DETECTED ||
      type == GST_AXION_EVENT_MOTION_START ||
      type == GST_AXION_EVENT_SCENE_CHANGE ||
      type == GST_AXION_EVENT_MANUAL_TRIGGER;
}

/**
 * gst_axion_row_camera_event: (skip)
 * @meta: the frame's meta (camera id, capture time and frame number needed)
 * @event: one of @meta's events
 * @buffer: (nullable): the buffer, for its motion and detection regions
 * @info: (nullable): what the sink knows about the frame
 * @error: return location for an error
 *
 * A camera_events row. objects_detected holds one
 * `{"class":label,"confidence":c,"bbox":[x,y,w,h]}` entry (plus
 * "track_id" when known; confidence null when the detector gave none) per
 * detection region on @buffer; motion_regions is an array of
 * `[x,y,w,h]` boxes; event_data is the event's JSON from the
 * %GST_AXION_EVENT_DATA_META custom meta when the buffer has one.
 *
 * Returns: (transfer full) (nullable): the row, or %NULL with @error set
 */
GstAxionRow *
gst_axion_row_camera_event (const GstAxionFrameMeta *meta,
    const GstAxionFrameEvent *event, GstBuffer *buffer,
    const GstAxionFrameInfo *info, GError **error)
{
  GstAxionRow *row;
  const gchar *phase;
  gchar hex[17];

  g_return_val_if_fail (meta != NULL, NULL);
  g_return_val_if_fail (event != NULL, NULL);

  if (!require (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAMERA),
          error, "camera_events", "a camera id") ||
      !require (
          gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME),
          error, "camera_events", "a capture time") ||
      !require (event->id > 0, error, "camera_events", "an event id"))
    return NULL;

  row = row_new (GST_AXION_TABLE_CAMERA_EVENTS);
  set_int (row, "event_id", event->id);
  set_text (row, "camera_id", meta->camera_id);
  set_static_text (
      row, "event_type", gst_axion_event_type_db_name (event->type));
  phase = gst_axion_event_type_phase (event->type);
  set_static_text (row, "event_phase", phase);
  set_ts (row, "event_timestamp", meta->capture_time_us);
  set_int (row, "frame_number", (gint64) meta->frame_number);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_HASH))
    set_text (row, "frame_hash", meta->frame_hash);
  if (info && info->fps > 0 && info->fps < 1000)
    set_num (row, "fps_actual", info->fps);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_MOTION))
    set_num (row, "motion_score", meta->motion_score);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SCENE_HASH)) {
    gst_axion_hash64_to_hex (meta->scene_hash, hex);
    set_text (row, "scene_hash", hex);
  }
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SCENE_CHANGE))
    set_num (row, "scene_change_score", meta->scene_change_score);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_QUALITY))
    set_num (row, "image_quality_score", meta->quality.overall);
  /* the camera's bytes (compressed, measured by axiongate), not the
   * decoded frame's */
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_COMPRESSED) &&
      meta->compressed_bytes <= G_MAXINT32)
    set_int (row, "bandwidth_usage_bytes", (gint64) meta->compressed_bytes);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_INFERENCE) &&
      meta->inference_state == GST_AXION_INFERENCE_RAN)
    set_int (row, "dlpu_inference_ms", round_ms (meta->inference_run_ms));
  if (info && info->processing_ms >= 0)
    set_int (row, "total_processing_ms", MIN (info->processing_ms, G_MAXINT32));
  set_bool (row, "alert_generated", event_alerted (buffer, event->id));
  if (claude_candidate (event->type))
    set_bool (row, "sent_to_claude", FALSE);
  set_json (row, "event_data", event_data (buffer, event->id));

  if (buffer) {
    /* made when the first region needs them (most frames have none) */
    GString *objects = NULL, *motion = NULL;
    gpointer state = NULL;
    GstMeta *m;
    guint n_objects = 0, n_motion = 0;
    gdouble max_conf = -1.0;

    while ((m = gst_buffer_iterate_meta_filtered (
                buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
      const gchar *label;
      gdouble conf;
      gint64 track;

      if (!gst_axion_roi_get_detection (roi, &label, &conf, &track)) {
        if (motion == NULL)
          motion = g_string_new ("[");
        if (n_motion++)
          g_string_append_c (motion, ',');
        append_bbox (motion, roi);
        continue;
      }
      if (objects == NULL)
        objects = g_string_new ("[");
      if (n_objects++)
        g_string_append_c (objects, ',');
      APPEND_LIT (objects, "{\"class\":");
      /* labels from other detectors may be any bytes: made valid here,
       * so the whole list needs no second pass */
      if (g_utf8_validate (label, -1, NULL)) {
        gst_axion_json_append_string (objects, label);
      } else {
        gchar *v = g_utf8_make_valid (label, -1);
        gst_axion_json_append_string (objects, v);
        g_free (v);
      }
      APPEND_LIT (objects, ",\"confidence\":");
      if (conf >= 0) {
        gst_axion_append_fixed (objects, conf, 4);
        max_conf = MAX (max_conf, conf);
      } else {
        APPEND_LIT (objects, "null");
      }
      APPEND_LIT (objects, ",\"bbox\":");
      append_bbox (objects, roi);
      if (track >= 0) {
        APPEND_LIT (objects, ",\"track_id\":");
        gst_axion_append_int (objects, track);
      }
      g_string_append_c (objects, '}');
    }
    if (objects) {
      g_string_append_c (objects, ']');
      cell (row, "objects_detected", GST_AXION_COLUMN_JSON)->v.s =
          g_string_free (objects, FALSE);
    } else {
      Cell *c = cell (row, "objects_detected", GST_AXION_COLUMN_JSON);
      c->v.s = (gchar *) "[]";
      c->borrowed = TRUE;
    }
    set_int (row, "object_count", n_objects);
    if (max_conf >= 0)
      set_num (row, "max_object_confidence", max_conf);
    if (motion) {
      g_string_append_c (motion, ']');
      /* digits and punctuation only: valid as it is */
      cell (row, "motion_regions", GST_AXION_COLUMN_JSON)->v.s = g_string_free (
          motion, FALSE);
    }
  }
  return row;
}

/**
 * gst_axion_row_frame_metadata: (skip)
 * @meta: the frame's meta (camera id, capture time and frame number needed)
 * @metadata_id: the row id, or 0 to take one from the default generator
 * @info: (nullable): resolution, format and size of the frame
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): a frame_metadata row, or %NULL with
 * @error set
 */
GstAxionRow *
gst_axion_row_frame_metadata (const GstAxionFrameMeta *meta, gint64 metadata_id,
    const GstAxionFrameInfo *info, GError **error)
{
  GstAxionRow *row;
  gchar hex[17];

  g_return_val_if_fail (meta != NULL, NULL);

  if (!require (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAMERA),
          error, "frame_metadata", "a camera id") ||
      !require (
          gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAPTURE_TIME),
          error, "frame_metadata", "a capture time") ||
      !require (
          gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_NUMBER),
          error, "frame_metadata", "a frame number"))
    return NULL;

  row = row_new (GST_AXION_TABLE_FRAME_METADATA);
  set_int (
      row, "metadata_id", metadata_id > 0 ? metadata_id : gst_axion_id_next ());
  set_text (row, "camera_id", meta->camera_id);
  set_int (row, "frame_number", (gint64) meta->frame_number);
  set_ts (row, "frame_timestamp", meta->capture_time_us);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_FRAME_HASH))
    set_text (row, "frame_hash", meta->frame_hash);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_PERCEPTUAL_HASH)) {
    gst_axion_hash64_to_hex (meta->perceptual_hash, hex);
    set_text (row, "perceptual_hash", hex);
  }
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SCENE_HASH)) {
    gst_axion_hash64_to_hex (meta->scene_hash, hex);
    set_text (row, "scene_hash", hex);
  }
  set_int (row, "resolution_width", info ? MAX (info->width, 0) : 0);
  set_int (row, "resolution_height", info ? MAX (info->height, 0) : 0);
  set_text (row, "format", info && info->format ? info->format : "raw");
  if (info && info->size_bytes >= 0 && info->size_bytes <= G_MAXINT32)
    set_int (row, "file_size_bytes", info->size_bytes);
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_QUALITY)) {
    set_num (row, "sharpness_score", meta->quality.sharpness);
    set_num (row, "brightness_level", meta->quality.brightness);
    set_num (row, "contrast_level", meta->quality.contrast);
    set_num (row, "noise_level", meta->quality.noise);
    set_num (row, "overall_quality_score", meta->quality.overall);
  }
  /* NOT NULL DEFAULT 'none': set either way */
  set_text (row, "storage_location",
      gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SNAPSHOT) ? "local"
                                                                      : "none");
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SNAPSHOT)) {
    set_text (row, "storage_path", meta->snapshot_path);
    /* the row goes with its file (cleanup_expired_frames()) */
    if (meta->snapshot_expires_us > 0)
      set_ts (row, "expires_at", meta->snapshot_expires_us);
  }
  /* frames sampled out by axiongate are not lost ones: the counts say
   * how many the camera sent and how many were decoded; the state says
   * whether frames right before this one were left out. Not from
   * gate.active alone: a camera with gated=false (or MJPEG) is decoded
   * fully though the gate saw no activity */
  if (gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_GATE)) {
    const gchar *state = "full";
    if (meta->gate.replayed)
      state = "replayed";
    else if (!meta->gate.active && meta->gate.skipped_before > 0)
      state = "sampled";
    set_int (row, "frames_received", (gint64) meta->gate.received);
    set_int (row, "frames_decoded", (gint64) meta->gate.decoded);
    set_text (row, "gate_state", state);
  }
  return row;
}

static const gchar *const request_types[] = { "scene_description",
  "anomaly_detection", "pattern_analysis", "real_time_query", NULL };

static const gchar *const risk_levels[] = { "none", "low", "medium", "high",
  "critical", NULL };

static gboolean
check_analysis (const GstAxionAnalysis *a, const gchar *table, GError **error)
{
  return require (a->camera_id != NULL, error, table, "a camera id") &&
      require (a->trigger_event_id > 0, error, table, "a trigger event id") &&
      require (a->analysis_id > 0, error, table, "an analysis id") &&
      require (a->request_type != NULL, error, table, "a request type") &&
      check_one_of (a->request_type, request_types, error, "request_type") &&
      check_one_of (a->risk_assessment, risk_levels, error, "risk_assessment");
}

/**
 * gst_axion_row_claude_analysis: (skip)
 * @analysis: an analysis (ids, camera id and request type needed)
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): a claude_analyses row, or %NULL with
 * @error set (request_type or risk_assessment outside the schema's values)
 */
GstAxionRow *
gst_axion_row_claude_analysis (const GstAxionAnalysis *a, GError **error)
{
  GstAxionRow *row;

  g_return_val_if_fail (a != NULL, NULL);

  if (!check_analysis (a, "claude_analyses", error))
    return NULL;

  row = row_new (GST_AXION_TABLE_CLAUDE_ANALYSES);
  set_int (row, "analysis_id", a->analysis_id);
  set_int (row, "trigger_event_id", a->trigger_event_id);
  set_text (row, "camera_id", a->camera_id);
  set_ts (row, "event_timestamp", a->event_time_us);
  set_text (row, "request_type", a->request_type);
  set_text (row, "prompt_template", a->prompt_template);
  if (a->context_window_events > 0)
    set_int (row, "context_window_events", a->context_window_events);
  set_json (row, "claude_response", a->raw_json ? a->raw_json : "{}");
  set_text (row, "primary_insight", a->primary_insight);
  if (a->confidence_score >= 0)
    set_num (row, "confidence_score", MIN (a->confidence_score, 1.0));
  set_strv (row, "objects_identified", a->objects_identified);
  set_strv (row, "activities_detected", a->activities_detected);
  set_strv (row, "anomalies_flagged", a->anomalies_flagged);
  set_text (row, "scene_description", a->scene_description);
  set_text (row, "risk_assessment", a->risk_assessment);
  set_bool (row, "pattern_detected", a->pattern_detected);
  set_text (row, "pattern_type", a->pattern_type);
  if (a->pattern_confidence >= 0)
    set_num (row, "pattern_confidence", MIN (a->pattern_confidence, 1.0));
  if (a->api_call_duration_ms >= 0)
    set_int (row, "api_call_duration_ms", a->api_call_duration_ms);
  if (a->tokens_used > 0)
    set_int (row, "tokens_used", a->tokens_used);
  set_text (row, "model_version", a->model);
  set_bool (row, "should_alert", a->should_alert);
  set_text (row, "alert_reason", a->alert_reason);
  if (a->alert_severity >= 1 && a->alert_severity <= 5)
    set_int (row, "alert_severity", a->alert_severity);
  return row;
}

/* alert_data: the rule and frame, then the alert's own members */
static gchar *
alert_data_json (const GstAxionAlert *al)
{
  GString *data = g_string_new ("{\"rule\":");
  const gchar *extra = al->data_json;

  gst_axion_json_append_string (data, al->rule);
  g_string_append_printf (
      data, ",\"frame_number\":%" G_GUINT64_FORMAT, al->frame_number);
  if (extra && extra[0] == '{') {
    const gchar *body = extra + 1;
    while (g_ascii_isspace (*body))
      body++;
    if (*body != '}')
      g_string_append_printf (data, ",%s", body);
    else
      g_string_append_c (data, '}');
  } else {
    g_string_append_c (data, '}');
  }
  return g_string_free (data, FALSE);
}

/**
 * gst_axion_row_alert_full: (skip)
 * @alert: an alert (axionalert's rules, a scene analysis)
 * @error: return location for an error
 *
 * The alerts row of @alert: alert_data holds the rule, the frame number
 * and the alert's data_json members.
 *
 * Returns: (transfer full) (nullable): the row, or %NULL with @error set
 *   (no id, no camera, severity or priority outside 1..5)
 */
GstAxionRow *
gst_axion_row_alert_full (const GstAxionAlert *al, GError **error)
{
  GstAxionRow *row;
  gchar *data;
  GArray *frames;
  gint64 frame;

  g_return_val_if_fail (al != NULL, NULL);

  if (al->alert_id <= 0 || al->camera_id == NULL || al->severity < 1 ||
      al->severity > 5 || al->priority < 1 || al->priority > 5 ||
      al->title == NULL) {
    g_set_error (error, GST_AXION_ROWS_ERROR, GST_AXION_ROWS_ERROR_INVALID,
        "alerts: an alert needs an id, a camera, a title, and severity and "
        "priority in 1..5 (got id %" G_GINT64_FORMAT ", severity %d, "
        "priority %d)",
        al->alert_id, al->severity, al->priority);
    return NULL;
  }
  row = row_new (GST_AXION_TABLE_ALERTS);
  set_int (row, "alert_id", al->alert_id);
  set_text (row, "alert_type", gst_axion_alert_type_to_string (al->type));
  set_int (row, "severity", al->severity);
  set_int (row, "priority", al->priority);
  set_text (row, "camera_id", al->camera_id);
  set_int (row, "trigger_event_id", al->trigger_event_id);
  set_int (row, "claude_analysis_id", al->claude_analysis_id);
  set_text (row, "title", al->title);
  set_text (row, "description", al->description ? al->description : al->title);
  data = alert_data_json (al);
  set_json (row, "alert_data", data);
  g_free (data);
  set_strv (row, "detected_objects", al->detected_objects);
  if (al->confidence >= 0)
    set_num (row, "confidence_score", MIN (al->confidence, 1.0));
  frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  frame = (gint64) al->frame_number;
  g_array_append_val (frames, frame);
  cell (row, "frame_references", GST_AXION_COLUMN_INT_ARRAY)->v.ints = frames;
  set_ts (row, "created_at",
      al->created_us > 0 ? al->created_us : g_get_real_time ());
  return row;
}

/**
 * gst_axion_row_alert: (skip)
 * @analysis: the analysis that asks for an alert
 * @alert_id: the row id, or 0 for the analysis id (one alert per analysis,
 *   idempotent when the analysis is written again)
 * @error: return location for an error
 *
 * The alerts row of gst_axion_alert_new_from_analysis() (the schema
 * document's write pattern 6.2.5).
 *
 * Returns: (transfer full) (nullable): the row, or %NULL with @error set
 */
GstAxionRow *
gst_axion_row_alert (const GstAxionAnalysis *a, gint64 alert_id, GError **error)
{
  GstAxionAlert *al;
  GstAxionRow *row;

  g_return_val_if_fail (a != NULL, NULL);

  if (!check_analysis (a, "alerts", error))
    return NULL;
  al = gst_axion_alert_new_from_analysis (a);
  if (alert_id > 0)
    al->alert_id = alert_id;
  row = gst_axion_row_alert_full (al, error);
  gst_axion_alert_free (al);
  return row;
}

static const gchar *const metric_types[] = { "counter", "gauge", "histogram",
  "rate", NULL };

/**
 * gst_axion_row_system_metric: (skip)
 * @metric: the sample
 * @metric_id: the row id, or 0 to take one from the default generator
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): a system_metrics row, or %NULL with
 * @error set (unknown metric type, value not finite or beyond
 * DECIMAL(15,6))
 */
GstAxionRow *
gst_axion_row_system_metric (
    const GstAxionMetric *m, gint64 metric_id, GError **error)
{
  GstAxionRow *row;

  g_return_val_if_fail (m != NULL, NULL);

  if (!require (
          m->name && *m->name, error, "system_metrics", "a metric name") ||
      !require (m->component && *m->component, error, "system_metrics",
          "a component") ||
      !check_one_of (m->type, metric_types, error, "metric_type") ||
      !require (m->type != NULL, error, "system_metrics", "a metric type"))
    return NULL;
  if (!isfinite (m->value) || fabs (m->value) >= 1e9) {
    g_set_error (error, GST_AXION_ROWS_ERROR, GST_AXION_ROWS_ERROR_INVALID,
        "metric %s value %g does not fit DECIMAL(15,6)", m->name, m->value);
    return NULL;
  }

  row = row_new (GST_AXION_TABLE_SYSTEM_METRICS);
  set_int (row, "metric_id", metric_id > 0 ? metric_id : gst_axion_id_next ());
  set_text (row, "metric_name", m->name);
  set_text (row, "metric_type", m->type);
  set_text (row, "component", m->component);
  set_text (row, "source_id", m->source_id);
  set_num (row, "value", m->value);
  set_text (row, "unit", m->unit);
  set_json (row, "tags", m->tags_json);
  set_ts (row, "metric_timestamp",
      m->time_us > 0 ? m->time_us : g_get_real_time ());
  return row;
}

static const gchar *const camera_statuses[] = { "online", "offline", "error",
  "maintenance", "decommissioned", NULL };

/**
 * gst_axion_row_camera: (skip)
 * @camera: what is known about the camera
 * @error: return location for an error
 *
 * A cameras registry row (for an upsert on camera_id). ip_address is set
 * when the URI's host is a literal IP address; rtsp_url never holds
 * credentials.
 *
 * Returns: (transfer full) (nullable): the row, or %NULL with @error set
 */
GstAxionRow *
gst_axion_row_camera (const GstAxionCameraInfo *c, GError **error)
{
  GstAxionRow *row;

  g_return_val_if_fail (c != NULL, NULL);

  if (!require (c->camera_id != NULL, error, "cameras", "a camera id") ||
      !check_one_of (c->status, camera_statuses, error, "status"))
    return NULL;

  row = row_new (GST_AXION_TABLE_CAMERAS);
  set_text (row, "camera_id", c->camera_id);
  set_text (row, "camera_name", c->name ? c->name : c->camera_id);
  if (c->source_uri) {
    gchar *clean = gst_axion_uri_strip_credentials (c->source_uri);
    gchar *host = NULL;
    GUri *uri = g_uri_parse (clean, G_URI_FLAGS_NONE, NULL);

    if (uri) {
      host = g_strdup (g_uri_get_host (uri));
      g_uri_unref (uri);
    }
    if (host && g_hostname_is_ip_address (host))
      set_inet (row, "ip_address", host);
    set_text (row, "rtsp_url", clean);
    g_free (host);
    g_free (clean);
  }
  if (c->width > 0)
    set_int (row, "active_resolution_width", c->width);
  if (c->height > 0)
    set_int (row, "active_resolution_height", c->height);
  if (c->fps > 0)
    set_int (row, "active_fps", (gint64) llround (c->fps));
  set_text (row, "status", c->status ? c->status : "online");
  set_ts (
      row, "last_seen_at", c->time_us > 0 ? c->time_us : g_get_real_time ());
  return row;
}

static const gchar *const action_statuses[] = { "success", "failure", "denied",
  "pending", NULL };

static const gchar *const severities[] = { "debug", "info", "warning", "error",
  "critical", NULL };

/**
 * gst_axion_row_audit_log: (skip)
 * @entry: the audit entry
 * @audit_id: the row id, or 0 to take one from the default generator
 * @error: return location for an error
 *
 * An audit_log row. For a property change changes_made is
 * `{"<property>":{"old":..,"new":..}}`; secret values are written as "***".
 *
 * Returns: (transfer full) (nullable): the row, or %NULL with @error set
 */
GstAxionRow *
gst_axion_row_audit_log (
    const GstAxionAuditEntry *e, gint64 audit_id, GError **error)
{
  GstAxionRow *row;

  g_return_val_if_fail (e != NULL, NULL);

  if (!require (
          e->event_type && e->entity_type && e->action && e->action_status,
          error, "audit_log",
          "event_type, entity_type, action and action_status") ||
      !check_one_of (
          e->action_status, action_statuses, error, "action_status") ||
      !check_one_of (e->severity, severities, error, "severity"))
    return NULL;

  row = row_new (GST_AXION_TABLE_AUDIT_LOG);
  set_int (row, "audit_id", audit_id > 0 ? audit_id : gst_axion_id_next ());
  set_text (row, "event_type", e->event_type);
  set_text (row, "entity_type", e->entity_type);
  set_text (row, "entity_id", e->entity_id);
  set_text (row, "action", e->action);
  set_text (row, "action_status", e->action_status);
  set_text (row, "service_name", e->service_name);
  if (e->property) {
    GString *j = g_string_new ("{");
    gst_axion_json_append_string (j, e->property);
    g_string_append (j, ":{\"old\":");
    gst_axion_json_append_string (
        j, e->secret && e->old_value ? "***" : e->old_value);
    g_string_append (j, ",\"new\":");
    gst_axion_json_append_string (
        j, e->secret && e->new_value ? "***" : e->new_value);
    g_string_append (j, "}}");
    set_json (row, "changes_made", j->str);
    g_string_free (j, TRUE);
  }
  set_text (row, "correlation_id", e->correlation_id);
  set_text (row, "severity", e->severity ? e->severity : "info");
  set_ts (
      row, "event_timestamp", e->time_us > 0 ? e->time_us : g_get_real_time ());
  return row;
}
