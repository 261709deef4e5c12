/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's system_metrics rows (gst_axion_row_system_metric ()).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunmetrics.h"
#include "axionrunalerts.h"

typedef struct
{
  gdouble cpu_ms;
  guint64 frames;
} CpuMark;

/* a metric on its way to the store's worker, which takes its id */
typedef struct
{
  gchar *name, *type, *component, *source, *unit;
  gdouble value;
  gint64 time_us;
} Metric;

static void
metric_free (Metric *m)
{
  g_free (m->name);
  g_free (m->type);
  g_free (m->component);
  g_free (m->source);
  g_free (m->unit);
  g_free (m);
}

static GstAxionRow *
metric_row (gint64 metric_id, gpointer data)
{
  Metric *m = data;
  GstAxionMetric am = { m->name, m->type, m->component, m->source, m->value,
    m->unit, NULL, m->time_us };
  GError *err = NULL;
  GstAxionRow *row = gst_axion_row_system_metric (&am, metric_id, &err);

  if (row == NULL) {
    g_printerr ("%s: metric %s: %s\n", AXION_RUN_PROG, m->name, err->message);
    g_error_free (err);
  }
  return row;
}

/* the row is made on the store's worker: its id may have to wait for the
 * node lease there, and the main loop must not */
void
axion_run_metric (AxionRunStore *s, const gchar *name, const gchar *type,
    const gchar *component, const gchar *source, gdouble value,
    const gchar *unit)
{
  Metric *m = g_new0 (Metric, 1);

  m->name = g_strdup (name);
  m->type = g_strdup (type);
  m->component = g_strdup (component);
  m->source = g_strdup (source);
  m->unit = g_strdup (unit);
  m->value = value;
  m->time_us = g_get_real_time ();
  axion_run_store_insert_with_id (
      s, m->time_us, TRUE, metric_row, m, (GDestroyNotify) metric_free);
}

static void
dlpu_metrics (AxionRunStore *s, const gchar *id, const GstStructure *st)
{
  gdouble d;
  guint64 u64;

  if (gst_structure_get_double (st, "accelerator-utilisation", &d))
    axion_run_metric (s, "dlpu_utilisation", "gauge", "dlpu", id, d, "ratio");
  if (gst_structure_get_double (st, "wait-ms-avg", &d))
    axion_run_metric (s, "dlpu_wait_ms", "gauge", "dlpu", id, d, "ms");
  if (gst_structure_get_uint64 (st, "inferences-run", &u64))
    axion_run_metric (
        s, "dlpu_inferences", "counter", "dlpu", id, u64, "count");
}

/* component "mqtt" (the schema document's) or "webhooksink": delivered,
 * retried, dead-lettered, and the §2.6 queue's depth */
static void
delivery_metrics (AxionRunStore *s, const gchar *component, const gchar *id,
    const GstStructure *st)
{
  static const gchar *const counters[] = { "sent", "retried", "dead-lettered" };
  const gchar *comp = g_str_equal (component, "mqttsink") ? "mqtt" : "webhook";
  guint64 u64;

  for (guint i = 0; i < G_N_ELEMENTS (counters); i++) {
    if (gst_structure_get_uint64 (st, counters[i], &u64)) {
      gchar *name = g_strdup_printf ("%s_%s", comp, counters[i]);
      g_strdelimit (name, "-", '_');
      axion_run_metric (s, name, "counter", comp, id, u64, "count");
      g_free (name);
    }
  }
  if (gst_structure_get_uint64 (st, "queue-depth", &u64)) {
    gchar *name = g_strdup_printf ("%s_queue_depth", comp);
    axion_run_metric (s, name, "gauge", comp, id, u64, "count");
    g_free (name);
  }
}

static void
sink_metrics (AxionRunStore *s, const gchar *factory, const gchar *id,
    const GstStructure *st)
{
  gdouble d;
  guint u;
  guint64 u64;

  if (g_str_equal (factory, "axionpgsink")) {
    if (gst_structure_get_uint (st, "queued-batches", &u))
      axion_run_metric (
          s, "db_queued_batches", "gauge", "runner", id, u, "count");
    if (gst_structure_get_double (st, "lag-ms", &d))
      axion_run_metric (s, "db_lag_ms", "gauge", "runner", id, d, "ms");
  } else if (g_str_equal (factory, "axionmqttsink") ||
      g_str_equal (factory, "axionwebhooksink")) {
    delivery_metrics (s, factory + 5, id, st);
  } else if (g_str_equal (factory, "axionredissink")) {
    if (gst_structure_get_uint (st, "pending-events", &u))
      axion_run_metric (
          s, "redis_pending_events", "gauge", "runner", id, u, "count");
    if (gst_structure_get_uint64 (st, "dropped-events", &u64))
      axion_run_metric (
          s, "redis_dropped_events", "counter", "runner", id, u64, "count");
  }
}

/* each Axion element's own CPU per frame (its thread time: analysis, or a
 * sink's render and worker) over the frames since the last metrics (since
 * it started, the first time): steady-state cost, not diluted start-up */
static void
cpu_metrics (AxionRunStore *s, AxionRunCamera *c, GstElement *e,
    const gchar *factory, const GstStructure *st)
{
  const gchar *ename = GST_OBJECT_NAME (e);
  CpuMark *mark, prev = { 0, 0 };
  gdouble d;
  guint64 u64;
  gchar *m;

  if (!gst_structure_get_double (st, "cpu-ms", &d) ||
      !(gst_structure_get_uint64 (st, "analysed-frames", &u64) ||
          gst_structure_get_uint64 (st, "frames", &u64)))
    return;
  mark = g_hash_table_lookup (c->cpu_marks, ename);
  if (mark && d >= mark->cpu_ms && u64 >= mark->frames)
    prev = *mark;
  if (mark == NULL) {
    mark = g_new0 (CpuMark, 1);
    g_hash_table_insert (c->cpu_marks, g_strdup (ename), mark);
  }
  if (u64 <= prev.frames)
    return;
  m = g_strdup_printf ("%s_cpu_ms_per_frame", factory + 5);
  axion_run_metric (s, m, "gauge", factory, c->id,
      (d - prev.cpu_ms) / (gdouble) (u64 - prev.frames), "ms");
  g_free (m);
  mark->cpu_ms = d;
  mark->frames = u64;
}

/* the database spool against its limit ([alerts] spool-filling) */
static void
spool_check (AxionRunCamera *c, GstElement *e, const GstStructure *st)
{
  guint64 used = 0, max = 0;

  if (!gst_structure_get_uint64 (st, "spool-bytes", &used) ||
      !g_object_class_find_property (G_OBJECT_GET_CLASS (e), "spool-max-bytes"))
    return;
  g_object_get (e, "spool-max-bytes", &max, NULL);
  axion_run_camera_check_spool (c, GST_OBJECT_NAME (e), used, max);
}

static void
element_metrics (AxionRunStore *s, AxionRunCamera *c, GstElement *e)
{
  GstElementFactory *f = gst_element_get_factory (e);
  const gchar *name = f ? GST_OBJECT_NAME (f) : "";
  GstStructure *st = NULL;

  /* the Axion elements' stats (axionclaude's too, unused here) */
  if (g_str_has_prefix (name, "axion") &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (e), "stats"))
    g_object_get (e, "stats", &st, NULL);
  if (st == NULL)
    return;
  if (g_str_equal (name, "axiondlpusched"))
    dlpu_metrics (s, c->id, st);
  else
    sink_metrics (s, name, c->id, st);
  if (g_str_equal (name, "axionpgsink"))
    spool_check (c, e, st);
  cpu_metrics (s, c, e, name, st);
  gst_structure_free (st);
}

static void
pipeline_metrics (AxionRunStore *s, AxionRunCamera *c)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (c->pipe));
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    element_metrics (s, c, g_value_get_object (&v));
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}

static void
camera_metrics (AxionRunStore *s, AxionRunCamera *c)
{
  guint f = g_atomic_int_get (&c->frames);

  axion_run_metric (s, "fps", "gauge", "runner", c->id,
      (f - c->frames_at_metrics) / 10.0, "fps");
  axion_run_metric (s, "frames", "counter", "runner", c->id, f, "count");
  axion_run_metric (
      s, "outages", "counter", "runner", c->id, c->outages, "count");
  axion_run_metric (s, "online", "gauge", "runner", c->id,
      c->state == AXION_CAM_ONLINE ? 1 : 0, "bool");
  c->frames_at_metrics = f;
  if (c->pipe)
    pipeline_metrics (s, c);
}

void
axion_run_metrics_write (AxionRunStore *s, GPtrArray *cameras)
{
  static gint64 last_rollup;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < cameras->len; i++)
    camera_metrics (s, g_ptr_array_index (cameras, i));
  if (now / 60 != last_rollup / 60) {
    axion_run_store_rollup (s);
    last_rollup = now;
  }
}
