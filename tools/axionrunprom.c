/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's /metrics: the Prometheus text exposition format 0.0.4. One
 * family per quantity (units in the name, counters end in _total), the
 * camera as a label; values read on the main loop from the runner's own
 * counters and each pipeline's Axion element stats (the same the
 * system_metrics rows come from), never waiting on a server.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunapi.h"

#include <gst/axion/axion.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Claude Sonnet's list price when none is configured ([http]
 * claude-usd-per-mtok-input/-output) */
static gdouble price_in = 3.0, price_out = 15.0;

void
axion_run_prom_set_price (gboolean input, gdouble usd_per_mtok)
{
  if (input)
    price_in = usd_per_mtok;
  else
    price_out = usd_per_mtok;
}

typedef struct
{
  const gchar *name, *type, *help;
  GString *samples;
} Family;

typedef struct
{
  GPtrArray *families;
  GHashTable *by_name;
} Exposition;

static void
family_free (Family *f)
{
  g_string_free (f->samples, TRUE);
  g_free (f);
}

static void
append_label_value (GString *s, const gchar *v)
{
  for (; *v; v++) {
    if (*v == '\\' || *v == '"')
      g_string_append_c (s, '\\');
    if (*v == '\n')
      g_string_append (s, "\\n");
    else
      g_string_append_c (s, *v);
  }
}

/* one sample; @label2/@value2 an optional second label */
static void
sample (Exposition *x, const gchar *name, const gchar *type, const gchar *help,
    const gchar *camera, const gchar *label2, const gchar *value2, gdouble v)
{
  Family *f = g_hash_table_lookup (x->by_name, name);
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];

  if (f == NULL) {
    f = g_new0 (Family, 1);
    f->name = name;
    f->type = type;
    f->help = help;
    f->samples = g_string_new (NULL);
    g_ptr_array_add (x->families, f);
    g_hash_table_insert (x->by_name, (gpointer) name, f);
  }
  g_string_append (f->samples, name);
  if (camera || label2) {
    g_string_append_c (f->samples, '{');
    if (camera) {
      g_string_append (f->samples, "camera=\"");
      append_label_value (f->samples, camera);
      g_string_append_c (f->samples, '"');
    }
    if (label2) {
      g_string_append_printf (f->samples, "%s%s=\"", camera ? "," : "", label2);
      append_label_value (f->samples, value2);
      g_string_append_c (f->samples, '"');
    }
    g_string_append_c (f->samples, '}');
  }
  g_string_append_printf (
      f->samples, " %s\n", g_ascii_formatd (num, sizeof (num), "%.15g", v));
}

#define GAUGE(x, n, h, cam, v) sample (x, n, "gauge", h, cam, NULL, NULL, v)
#define COUNTER(x, n, h, cam, v) sample (x, n, "counter", h, cam, NULL, NULL, v)

static gboolean
get_num (const GstStructure *st, const gchar *field, gdouble *out)
{
  const GValue *v = gst_structure_get_value (st, field);

  if (v == NULL)
    return FALSE;
  if (G_VALUE_HOLDS_UINT64 (v))
    *out = (gdouble) g_value_get_uint64 (v);
  else if (G_VALUE_HOLDS_UINT (v))
    *out = g_value_get_uint (v);
  else if (G_VALUE_HOLDS_INT (v))
    *out = g_value_get_int (v);
  else if (G_VALUE_HOLDS_INT64 (v))
    *out = (gdouble) g_value_get_int64 (v);
  else if (G_VALUE_HOLDS_DOUBLE (v))
    *out = g_value_get_double (v);
  else if (G_VALUE_HOLDS_BOOLEAN (v))
    *out = g_value_get_boolean (v);
  else
    return FALSE;
  return TRUE;
}

/* a stats field as a sample (scaled: ms -> s), when the element has it */
static void
stat (Exposition *x, const GstStructure *st, const gchar *field,
    const gchar *name, const gchar *type, const gchar *help,
    const gchar *camera, gdouble scale)
{
  gdouble v;

  if (st && get_num (st, field, &v))
    sample (x, name, type, help, camera, NULL, NULL, v * scale);
}

static void
stat2 (Exposition *x, const GstStructure *st, const gchar *field,
    const gchar *name, const gchar *type, const gchar *help,
    const gchar *camera, const gchar *label, const gchar *value)
{
  gdouble v;

  if (st && get_num (st, field, &v))
    sample (x, name, type, help, camera, label, value, v);
}

static void
motion (Exposition *x, AxionRunCamera *c)
{
  GstStructure *st = axion_run_http_element_stats (c, "axionmotion");

  stat (x, st, "frames", "axion_frames_analysed_total", "counter",
      "Frames axionmotion analysed", c->id, 1);
  stat (x, st, "motion-frames", "axion_motion_frames_total", "counter",
      "Frames with motion", c->id, 1);
  stat (x, st, "motion-events", "axion_motion_events_total", "counter",
      "Motion events started", c->id, 1);
  stat (x, st, "in-motion", "axion_motion_active", "gauge",
      "1 while a motion event is in progress", c->id, 1);
  stat (x, st, "last-score", "axion_motion_score_ratio", "gauge",
      "Share of the frame that moved in the last frame (0..1)", c->id, 1);
  if (st)
    gst_structure_free (st);
}

/* axiongate: what the camera sent against what was decoded (an idle
 * camera decodes about one frame a GOP: sampled, not lost) */
static void
gate (Exposition *x, AxionRunCamera *c)
{
  GstStructure *st = axion_run_http_element_stats (c, "axiongate");

  stat (x, st, "frames-received", "axion_gate_frames_received_total", "counter",
      "Compressed frames axiongate received from the camera", c->id, 1);
  stat (x, st, "frames-decoded", "axion_gate_frames_decoded_total", "counter",
      "Frames axiongate passed to the decoder (replayed ones included)", c->id,
      1);
  stat (x, st, "frames-replayed", "axion_gate_frames_replayed_total", "counter",
      "Frames held while idle and decoded when activity began", c->id, 1);
  stat (x, st, "bytes-received", "axion_gate_received_bytes_total", "counter",
      "Compressed bytes received from the camera", c->id, 1);
  stat (x, st, "active", "axion_gate_active", "gauge",
      "1 while every frame is decoded, 0 while only keyframes are", c->id, 1);
  if (st)
    gst_structure_free (st);
}

static void
inference (Exposition *x, AxionRunCamera *c)
{
  GstStructure *st = axion_run_http_element_stats (c, "axiondlpusched");
  static const gchar *const results[][2] = { { "inferences-run", "ran" },
    { "inferences-skipped", "skipped" }, { "inferences-stale", "stale" } };

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    stat2 (x, st, results[i][0], "axion_inferences_total", "counter",
        "Frames the accelerator scheduler decided about, by result", c->id,
        "result", results[i][1]);
  stat (x, st, "wait-ms-avg", "axion_inference_wait_avg_seconds", "gauge",
      "Mean wait for an inference slot", c->id, 1e-3);
  stat (x, st, "wait-ms-max", "axion_inference_wait_max_seconds", "gauge",
      "Longest wait for an inference slot", c->id, 1e-3);
  stat (x, st, "accelerator-utilisation", "axion_accelerator_utilisation_ratio",
      "gauge", "Share of time the accelerator was busy (0..1)", c->id, 1);
  if (st)
    gst_structure_free (st);
}

static void
sinks (Exposition *x, AxionRunCamera *c)
{
  GstStructure *st = axion_run_http_element_stats (c, "axionpgsink");

  stat (x, st, "lag-ms", "axion_db_lag_seconds", "gauge",
      "Age of the last committed frame's rows at commit", c->id, 1e-3);
  stat (x, st, "spool-bytes", "axion_db_spool_bytes", "gauge",
      "Bytes waiting in the database sink's on-disk spool", c->id, 1);
  stat (x, st, "queued-batches", "axion_db_queued_batches", "gauge",
      "Batches queued for the database writer", c->id, 1);
  stat (x, st, "rows-written", "axion_db_rows_written_total", "counter",
      "Rows committed to PostgreSQL", c->id, 1);
  stat (x, st, "rows-spooled", "axion_db_rows_spooled_total", "counter",
      "Rows written to the spool while PostgreSQL was away", c->id, 1);
  stat (x, st, "rows-dropped", "axion_db_rows_dropped_total", "counter",
      "Rows dropped (spool full)", c->id, 1);
  if (st)
    gst_structure_free (st);
  st = axion_run_http_element_stats (c, "axionredissink");
  stat (x, st, "pending-events", "axion_redis_pending_events", "gauge",
      "Events waiting for Redis", c->id, 1);
  stat (x, st, "dropped-events", "axion_redis_dropped_events_total", "counter",
      "Events dropped while Redis was away (newest state kept)", c->id, 1);
  if (st)
    gst_structure_free (st);
  st = axion_run_http_element_stats (c, "axionsnapshot");
  stat (x, st, "snapshots-written", "axion_snapshots_written_total", "counter",
      "Event snapshots written", c->id, 1);
  stat (x, st, "snapshots-dropped", "axion_snapshots_dropped_total", "counter",
      "Event snapshots dropped (writer queue full)", c->id, 1);
  stat (x, st, "bytes-on-disk", "axion_snapshot_disk_bytes", "gauge",
      "Bytes of the camera's snapshots on disk", c->id, 1);
  if (st)
    gst_structure_free (st);
}

static void
claude (Exposition *x, AxionRunCamera *c)
{
  GstStructure *st = axion_run_http_element_stats (c, "axionclaude");
  guint64 in = 0, out = 0;

  if (st == NULL)
    return;
  stat (x, st, "calls", "axion_claude_calls_total", "counter",
      "Claude API calls", c->id, 1);
  stat (x, st, "errors", "axion_claude_errors_total", "counter",
      "Claude API calls that failed", c->id, 1);
  stat2 (x, st, "tokens-in", "axion_claude_tokens_total", "counter",
      "Claude tokens, by direction", c->id, "direction", "input");
  stat2 (x, st, "tokens-out", "axion_claude_tokens_total", "counter",
      "Claude tokens, by direction", c->id, "direction", "output");
  gst_structure_get_uint64 (st, "tokens-in", &in);
  gst_structure_get_uint64 (st, "tokens-out", &out);
  COUNTER (x, "axion_claude_cost_usd_total",
      "Estimated Claude cost from the tokens at the configured prices "
      "([http] claude-usd-per-mtok-*)",
      c->id, (in * price_in + out * price_out) / 1e6);
  gst_structure_free (st);
}

static void
camera (Exposition *x, AxionRunCamera *c)
{
  gint64 now = g_get_monotonic_time ();

  GAUGE (x, "axion_camera_up", "1 when the camera is online", c->id,
      c->state == AXION_CAM_ONLINE);
  GAUGE (x, "axion_camera_frames_per_second",
      "Frames per second over the last second", c->id, c->fps);
  COUNTER (x, "axion_camera_frames_total",
      "Frames received (decoded) from the camera", c->id,
      (guint) g_atomic_int_get (&c->frames));
  COUNTER (x, "axion_camera_outages_total", "Outages (offline..online periods)",
      c->id, c->outages);
  COUNTER (x, "axion_camera_restarts_total",
      "Pipelines started after the "
      "first",
      c->id, c->restarts);
  if (c->last_frame_us)
    GAUGE (x, "axion_camera_last_frame_age_seconds",
        "Seconds since the camera's frames last advanced", c->id,
        (now - c->last_frame_us) / 1e6);
  motion (x, c);
  gate (x, c);
  inference (x, c);
  sinks (x, c);
  claude (x, c);
}

/* the standard process_* metrics of Prometheus' client libraries */
static void
process (Exposition *x)
{
  struct rusage ru;
  gchar *statm = NULL;

  if (getrusage (RUSAGE_SELF, &ru) == 0)
    COUNTER (x, "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds", NULL,
        ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
            (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL)) {
    guint64 pages = 0;
    gchar **f = g_strsplit (statm, " ", 3);
    if (f[0] && f[1])
      pages = g_ascii_strtoull (f[1], NULL, 10);
    GAUGE (x, "process_resident_memory_bytes", "Resident memory size in bytes",
        NULL, (gdouble) pages * sysconf (_SC_PAGESIZE));
    g_strfreev (f);
    g_free (statm);
  }
  {
    GDir *d = g_dir_open ("/proc/self/fd", 0, NULL);
    guint n = 0;
    if (d) {
      while (g_dir_read_name (d))
        n++;
      g_dir_close (d);
      /* (the directory's own descriptor is counted: one less) */
      GAUGE (x, "process_open_fds", "Number of open file descriptors", NULL,
          n > 0 ? n - 1 : 0);
    }
  }
  GAUGE (x, "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds", NULL,
      (g_get_real_time () - (g_get_monotonic_time () - axion_run.started_us)) /
          1e6);
}

gchar *
axion_run_prom_render (void)
{
  Exposition x = { g_ptr_array_new_with_free_func (
                       (GDestroyNotify) family_free),
    g_hash_table_new (g_str_hash, g_str_equal) };
  GPtrArray *cams = axion_run.cfg.cameras;
  GString *out = g_string_new (NULL);

  GAUGE (&x, "axion_cameras", "Cameras configured", NULL, cams->len);
  for (guint i = 0; i < cams->len; i++)
    camera (&x, g_ptr_array_index (cams, i));
  process (&x);
  for (guint i = 0; i < x.families->len; i++) {
    Family *f = g_ptr_array_index (x.families, i);
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s", f->name,
        f->help, f->name, f->type, f->samples->str);
  }
  g_ptr_array_unref (x.families);
  g_hash_table_unref (x.by_name);
  return g_string_free (out, FALSE);
}
