/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_ROWS_H__
#define __GST_AXION_ROWS_H__

#include <gst/axion/axion-prelude.h>
#include <gst/axion/gstaxionframemeta.h>
#include <gst/base/gstbasesink.h>
#include <gst/axion/gstaxionanalysismeta.h>
#include <gst/axion/gstaxionalertmeta.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionrows
 * @title: Metadata to rows
 *
 * Pure functions that turn Axion metadata into rows of the schema
 * document's tables, with its column names. Both sinks use them:
 * axionpgsink writes rows with COPY (gst_axion_row_append_copy_text()),
 * axionredissink stores them as JSON (gst_axion_row_to_json()).
 *
 * A row only holds the columns the pipeline knows; the others take their
 * database defaults. Text values are cut to the column's VARCHAR length
 * (on a UTF-8 character boundary), scores are rounded to the column's
 * scale, so a row never fails on length or precision. Row ids
 * (event_id, metadata_id, ...) are pipeline-generated (gstaxionid.h):
 * writing the same row twice is a no-op with ON CONFLICT DO NOTHING.
 */

/**
 * GstAxionTable:
 *
 * The tables of the schema document that the pipeline writes.
 */
typedef enum
{
  GST_AXION_TABLE_CAMERA_EVENTS,
  GST_AXION_TABLE_FRAME_METADATA,
  GST_AXION_TABLE_CLAUDE_ANALYSES,
  GST_AXION_TABLE_ALERTS,
  GST_AXION_TABLE_SYSTEM_METRICS,
  GST_AXION_TABLE_CAMERAS,
  GST_AXION_TABLE_AUDIT_LOG,
  GST_AXION_N_TABLES
} GstAxionTable;

/**
 * GstAxionColumnType:
 * @GST_AXION_COLUMN_TEXT: VARCHAR/TEXT
 * @GST_AXION_COLUMN_INT: INTEGER/BIGINT
 * @GST_AXION_COLUMN_NUMERIC: DECIMAL(p,s)
 * @GST_AXION_COLUMN_BOOL: BOOLEAN
 * @GST_AXION_COLUMN_TIMESTAMP: TIMESTAMPTZ (stored as Unix microseconds)
 * @GST_AXION_COLUMN_JSON: JSONB (a JSON text)
 * @GST_AXION_COLUMN_TEXT_ARRAY: TEXT[]
 * @GST_AXION_COLUMN_INT_ARRAY: BIGINT[]
 * @GST_AXION_COLUMN_INET: INET
 */
typedef enum
{
  GST_AXION_COLUMN_TEXT,
  GST_AXION_COLUMN_INT,
  GST_AXION_COLUMN_NUMERIC,
  GST_AXION_COLUMN_BOOL,
  GST_AXION_COLUMN_TIMESTAMP,
  GST_AXION_COLUMN_JSON,
  GST_AXION_COLUMN_TEXT_ARRAY,
  GST_AXION_COLUMN_INT_ARRAY,
  GST_AXION_COLUMN_INET,
} GstAxionColumnType;

/**
 * GstAxionColumn:
 * @name: column name in the schema
 * @type: value type
 * @size: VARCHAR length for text columns (0 = unlimited), scale (digits
 *   after the point) for numeric columns
 */
typedef struct
{
  const gchar *name;
  GstAxionColumnType type;
  guint size;
} GstAxionColumn;

typedef struct _GstAxionRow GstAxionRow;

/**
 * GstAxionFrameInfo:
 * @width: frame width in pixels (0 = unknown)
 * @height: frame height in pixels (0 = unknown)
 * @format: frame_metadata.format value, e.g. "i420" (%NULL = "raw")
 * @fps: measured frame rate (<= 0 = unknown)
 * @size_bytes: frame size in bytes (< 0 = unknown)
 * @processing_ms: end-to-end processing time (< 0 = unknown)
 *
 * What a sink knows about a frame besides its metas (from caps and its
 * own measurements). Initialise with gst_axion_frame_info_init().
 */
typedef struct
{
  gint width;
  gint height;
  const gchar *format;
  gdouble fps;
  gint64 size_bytes;
  gint64 processing_ms;
} GstAxionFrameInfo;

/**
 * GstAxionMetric:
 * @name: metric_name, e.g. "fps"
 * @type: "counter", "gauge", "histogram" or "rate"
 * @component: "camera", "dlpu", "claude", "redis", "postgres", ...
 * @source_id: (nullable): camera id or service name
 * @value: the value
 * @unit: (nullable): "fps", "ms", "bytes", "percent", "count"
 * @tags_json: (nullable): a JSON object with extra dimensions
 * @time_us: Unix microseconds
 */
typedef struct
{
  const gchar *name;
  const gchar *type;
  const gchar *component;
  const gchar *source_id;
  gdouble value;
  const gchar *unit;
  const gchar *tags_json;
  gint64 time_us;
} GstAxionMetric;

/**
 * GstAxionCameraInfo:
 * @camera_id: camera id
 * @name: (nullable): display name (defaults to @camera_id)
 * @source_uri: (nullable): stream URI; credentials are stripped
 * @width: active width (0 = unknown)
 * @height: active height (0 = unknown)
 * @fps: active frame rate (<= 0 = unknown)
 * @status: "online", "offline", "error", "maintenance" or
 *   "decommissioned"
 * @time_us: Unix microseconds of the observation (last_seen_at)
 */
typedef struct
{
  const gchar *camera_id;
  const gchar *name;
  const gchar *source_uri;
  gint width;
  gint height;
  gdouble fps;
  const gchar *status;
  gint64 time_us;
} GstAxionCameraInfo;

/**
 * GstAxionAuditEntry:
 * @event_type: "config_change", "create", "update", ...
 * @entity_type: "camera", "config", "system", ...
 * @entity_id: (nullable): e.g. the camera id
 * @action: e.g. "config.property_changed"
 * @action_status: "success", "failure", "denied" or "pending"
 * @service_name: (nullable): e.g. the element name
 * @property: (nullable): for config changes, the property name
 * @old_value: (nullable): its old value (as text)
 * @new_value: (nullable): its new value (as text)
 * @secret: the values are secrets: they are written as "***"
 * @severity: (nullable): "info" when %NULL
 * @correlation_id: (nullable): for tracing across services
 * @time_us: Unix microseconds
 */
typedef struct
{
  const gchar *event_type;
  const gchar *entity_type;
  const gchar *entity_id;
  const gchar *action;
  const gchar *action_status;
  const gchar *service_name;
  const gchar *property;
  const gchar *old_value;
  const gchar *new_value;
  gboolean secret;
  const gchar *severity;
  const gchar *correlation_id;
  gint64 time_us;
} GstAxionAuditEntry;

#define GST_AXION_ROWS_ERROR (gst_axion_rows_error_quark ())
GST_AXION_API GQuark gst_axion_rows_error_quark (void);

/**
 * GstAxionRowsError:
 * @GST_AXION_ROWS_ERROR_MISSING: a required value is missing
 * @GST_AXION_ROWS_ERROR_INVALID: a value is outside what the table allows
 */
typedef enum
{
  GST_AXION_ROWS_ERROR_MISSING,
  GST_AXION_ROWS_ERROR_INVALID,
} GstAxionRowsError;

GST_AXION_API const gchar *gst_axion_table_name (GstAxionTable table);
GST_AXION_API const GstAxionColumn *
gst_axion_table_columns (GstAxionTable table, guint *n_columns);

GST_AXION_API void gst_axion_frame_info_init (GstAxionFrameInfo *info);

/**
 * GstAxionFrameRate:
 *
 * Per-stream state of gst_axion_frame_info_measure(): the frame rate the
 * sink actually receives (camera_events.fps_actual), measured from the
 * frames' capture times. A sink keeps one; initialise it with
 * gst_axion_frame_rate_init() and free it with gst_axion_frame_rate_clear().
 * Private fields.
 */
typedef struct
{
  /*< private >*/
  gchar *camera_id;
  gint64 window_start_us;
  gint64 last_us;
  guint frames;
  gdouble fps;
} GstAxionFrameRate;

GST_AXION_API void gst_axion_frame_rate_init (GstAxionFrameRate *rate);
GST_AXION_API void gst_axion_frame_rate_clear (GstAxionFrameRate *rate);

GST_AXION_API
void
gst_axion_frame_info_measure (GstAxionFrameInfo *info, GstAxionFrameRate *rate,
    GstBaseSink *sink, GstBuffer *buffer, const GstAxionFrameMeta *meta);

GST_AXION_API
GstAxionRow *gst_axion_row_camera_event (const GstAxionFrameMeta *meta,
    const GstAxionFrameEvent *event, GstBuffer *buffer,
    const GstAxionFrameInfo *info, GError **error);

GST_AXION_API
GstAxionRow *gst_axion_row_frame_metadata (const GstAxionFrameMeta *meta,
    gint64 metadata_id, const GstAxionFrameInfo *info, GError **error);

GST_AXION_API
GstAxionRow *gst_axion_row_claude_analysis (
    const GstAxionAnalysis *analysis, GError **error);

GST_AXION_API
GstAxionRow *
gst_axion_row_alert_full (const GstAxionAlert *alert, GError **error);
GST_AXION_API
GstAxionRow *gst_axion_row_alert (
    const GstAxionAnalysis *analysis, gint64 alert_id, GError **error);

GST_AXION_API
GstAxionRow *gst_axion_row_system_metric (
    const GstAxionMetric *metric, gint64 metric_id, GError **error);

GST_AXION_API
GstAxionRow *
gst_axion_row_camera (const GstAxionCameraInfo *camera, GError **error);

GST_AXION_API
GstAxionRow *gst_axion_row_audit_log (
    const GstAxionAuditEntry *entry, gint64 audit_id, GError **error);

GST_AXION_API void gst_axion_row_free (GstAxionRow *row);
GST_AXION_API GstAxionTable gst_axion_row_get_table (const GstAxionRow *row);
GST_AXION_API gboolean gst_axion_row_is_null (
    const GstAxionRow *row, const gchar *column);
GST_AXION_API const gchar *
gst_axion_row_get_text (GstAxionRow *row, const gchar *column);
GST_AXION_API void
gst_axion_row_append_copy_text (GstAxionRow *row, GString *out);
GST_AXION_API gchar *gst_axion_row_to_json (const GstAxionRow *row);
GST_AXION_API void
gst_axion_row_append_json (const GstAxionRow *row, GString *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstAxionRow, gst_axion_row_free)

G_END_DECLS

#endif /* __GST_AXION_ROWS_H__ */
