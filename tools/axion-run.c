/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run: runs N cameras in one process, each from a pipeline
 * description file (pipelines/), restarting a camera whose stream fails
 * (with backoff) without touching the others. SIGINT/SIGTERM: EOS through
 * every pipeline so the sinks flush, then exit 0; a second signal exits at
 * once. See docs/running.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/axion/axion.h>
#include <gst/axion/gstaxionbackoff.h>
#include <gst/axion/gstaxionredisurl.h>
#include <glib-unix.h>
#include "axionrunpipeline.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_PQ
#include <libpq-fe.h>
#endif
#ifdef HAVE_HIREDIS
#include <gst/axion/axionredisconn.h>
#endif

typedef enum
{
  CAM_STARTING,
  CAM_ONLINE,
  CAM_OFFLINE, /* waiting to restart */
  CAM_DONE,
} CamState;

typedef struct
{
  gchar *id;
  gchar *url;
  gchar *pipeline_file;
  gchar *protocols;
  GHashTable *vars; /* extra variables of this camera */
  GstElement *pipe;
  CamState state;
  guint backoff, outages, restart_id;
  guint frames, frames_at_tick;
  gint64 last_frame_us;    /* monotonic time frames last advanced */
  gint64 offline_since_us; /* real time the current outage began */
  guint frames_at_metrics;
  /* element name -> CpuMark: each Axion element's CPU total and frames at
   * the last metrics (its CPU per frame is written per 10 s window) */
  GHashTable *cpu_marks;
  gdouble fps;
  gint64 online_since;
  gchar *last_error;
} Camera;

typedef struct
{
  gdouble cpu_ms;
  guint64 frames;
} CpuMark;

static GPtrArray *cameras;
static GHashTable *global_vars; /* DB, REDIS_URL, ... and [vars] */
static GMainLoop *loop;
static gboolean stopping, tty;
static guint stop_timeout_s = 30;
static guint stall_s = 10;
static gint64 started_us;
static const gchar *prog = "axion-run";
static gboolean config_error; /* a pipeline file that cannot be used */

/* ---- camera status in PostgreSQL and Redis ------------------------------ */

/* Outages are recorded where the sinks keep the camera's data: the
 * cameras table and a camera_offline / camera_online event (migration 003),
 * the Redis state hash and active set. Best effort: the stores may be the
 * reason of the outage; a store that does not answer is retried later. */

#ifdef HAVE_PQ
static PGconn *pg;
static gint64 pg_retry_us;
static gboolean pg_warned;

static gboolean
pg_ready (void)
{
  const gchar *conninfo = g_hash_table_lookup (global_vars, "DB");

  if (pg && PQstatus (pg) == CONNECTION_OK)
    return TRUE;
  if (g_get_monotonic_time () < pg_retry_us)
    return FALSE;
  g_clear_pointer (&pg, PQfinish);
  pg = PQconnectdb (conninfo ? conninfo : "");
  if (PQstatus (pg) != CONNECTION_OK) {
    if (!pg_warned)
      g_printerr ("%s: PostgreSQL unreachable for camera status (%s); "
                  "retrying every 10 s\n",
          prog, PQerrorMessage (pg));
    pg_warned = TRUE;
    g_clear_pointer (&pg, PQfinish);
    pg_retry_us = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    return FALSE;
  }
  pg_warned = FALSE;
  return TRUE;
}

static void
pg_run (const gchar *sql, gint n, const gchar *const *params)
{
  PGresult *r;

  if (!pg_ready ())
    return;
  r = PQexecParams (pg, sql, n, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (r) != PGRES_COMMAND_OK &&
      PQresultStatus (r) != PGRES_TUPLES_OK)
    g_printerr ("%s: %s\n", prog, PQerrorMessage (pg));
  PQclear (r);
}
#endif

#ifdef HAVE_HIREDIS
static redisContext *rds;
static gint64 rds_retry_us;

static void
redis_run (const gchar *fmt, ...)
{
  va_list ap;
  redisReply *r;

  if (rds == NULL) {
    GstAxionRedisUrl u;
    AxionRedisFailure failure;
    gchar *err = NULL;
    if (g_get_monotonic_time () < rds_retry_us ||
        !gst_axion_redis_url_parse (
            g_hash_table_lookup (global_vars, "REDIS_URL"), &u, NULL))
      return;
    rds = axion_redis_connect (&u, 1000, 1000, &failure, &err);
    gst_axion_redis_url_clear (&u);
    if (rds == NULL) {
      g_free (err);
      rds_retry_us = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      return;
    }
  }
  va_start (ap, fmt);
  r = redisvCommand (rds, fmt, ap);
  va_end (ap);
  if (r == NULL) {
    redisFree (rds);
    rds = NULL;
  } else {
    freeReplyObject (r);
  }
}
#endif

static void
record_status (Camera *c, gboolean online, const gchar *why)
{
  gint64 now = g_get_real_time ();
  gchar *data, *frames = g_strdup_printf ("%u", g_atomic_int_get (&c->frames));
  gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, gst_axion_id_next ());

  if (online) {
    data = g_strdup_printf ("{\"offline_s\": %.1f}",
        c->offline_since_us ? (now - c->offline_since_us) / 1e6 : 0.0);
    c->offline_since_us = 0;
  } else {
    gchar *esc = g_strescape (why ? why : "", NULL);
    data = g_strdup_printf (
        "{\"reason\": \"%s\", \"outage\": %u}", esc, c->outages);
    g_free (esc);
    c->offline_since_us = now;
  }
#ifdef HAVE_PQ
  {
    const gchar *p[5] = { id, c->id,
      online ? "camera_online" : "camera_offline", frames, data };
    const gchar *u[2] = { c->id, online ? "online" : "offline" };
    pg_run ("INSERT INTO camera_events (event_id, camera_id, event_type, "
            "event_timestamp, frame_number, event_data) VALUES ($1, $2, $3, "
            "now(), $4, $5::jsonb) ON CONFLICT DO NOTHING",
        5, p);
    pg_run ("UPDATE cameras SET status = $2 WHERE camera_id = $1", 2, u);
  }
#endif
#ifdef HAVE_HIREDIS
  {
    gchar *key = g_strdup_printf ("axion:camera:%s:state", c->id);
    gchar *ts = g_strdup_printf ("%.3f", now / 1e6);
    redis_run ("HSET %s status %s last_status_change %s", key,
        online ? "online" : "offline", ts);
    if (online)
      redis_run ("SADD axion:cameras:active %s", c->id);
    else
      redis_run ("SREM axion:cameras:active %s", c->id);
    g_free (key);
    g_free (ts);
  }
#endif
  g_free (data);
  g_free (frames);
  g_free (id);
}

#ifdef HAVE_PQ
static void
metric_row (const gchar *name, const gchar *type, const gchar *component,
    const gchar *source, gdouble value, const gchar *unit)
{
  gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, gst_axion_id_next ());
  gchar v[G_ASCII_DTOSTR_BUF_SIZE];
  const gchar *p[7] = { id, name, type, component, source,
    g_ascii_dtostr (v, sizeof (v), value), unit };

  pg_run ("INSERT INTO system_metrics (metric_id, metric_name, metric_type, "
          "component, source_id, value, unit) VALUES ($1, $2, $3, $4, $5, "
          "$6, $7)",
      7, p);
  g_free (id);
}

/* the pipeline's own counters: accelerator share, sink queues and each
 * Axion element's CPU per frame */
static void
element_metrics (Camera *c)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (c->pipe));
  GValue v = G_VALUE_INIT;

  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);
    const gchar *name = f ? GST_OBJECT_NAME (f) : "";
    GstStructure *st = NULL;
    gdouble d;
    guint u;
    guint64 u64;

    /* the Axion elements' stats (axionclaude's too, unused here) */
    if (g_str_has_prefix (name, "axion") &&
        g_object_class_find_property (G_OBJECT_GET_CLASS (e), "stats"))
      g_object_get (e, "stats", &st, NULL);
    if (st == NULL) {
      g_value_reset (&v);
      continue;
    }
    if (g_str_equal (name, "axiondlpusched")) {
      if (gst_structure_get_double (st, "accelerator-utilisation", &d))
        metric_row ("dlpu_utilisation", "gauge", "dlpu", c->id, d, "ratio");
      if (gst_structure_get_double (st, "wait-ms-avg", &d))
        metric_row ("dlpu_wait_ms", "gauge", "dlpu", c->id, d, "ms");
      if (gst_structure_get_uint64 (st, "inferences-run", &u64))
        metric_row ("dlpu_inferences", "counter", "dlpu", c->id, u64, "count");
    } else if (g_str_equal (name, "axionpgsink")) {
      if (gst_structure_get_uint (st, "queued-batches", &u))
        metric_row ("db_queued_batches", "gauge", "runner", c->id, u, "count");
      if (gst_structure_get_double (st, "lag-ms", &d))
        metric_row ("db_lag_ms", "gauge", "runner", c->id, d, "ms");
    } else if (g_str_equal (name, "axionredissink")) {
      if (gst_structure_get_uint (st, "pending-events", &u))
        metric_row (
            "redis_pending_events", "gauge", "runner", c->id, u, "count");
      if (gst_structure_get_uint64 (st, "dropped-events", &u64))
        metric_row (
            "redis_dropped_events", "counter", "runner", c->id, u64, "count");
    }
    /* each Axion element's own CPU per frame (its thread time: analysis,
     * or a sink's render and worker) over the frames since the last
     * metrics (since it started, the first time): steady-state cost, not
     * diluted start-up (connecting, first frames) */
    if (gst_structure_get_double (st, "cpu-ms", &d) &&
        (gst_structure_get_uint64 (st, "analysed-frames", &u64) ||
            gst_structure_get_uint64 (st, "frames", &u64))) {
      const gchar *ename = GST_OBJECT_NAME (e);
      CpuMark *mark = g_hash_table_lookup (c->cpu_marks, ename);
      CpuMark prev = { 0, 0 };

      if (mark && d >= mark->cpu_ms && u64 >= mark->frames)
        prev = *mark;
      if (mark == NULL) {
        mark = g_new0 (CpuMark, 1);
        g_hash_table_insert (c->cpu_marks, g_strdup (ename), mark);
      }
      if (u64 > prev.frames) {
        gchar *m = g_strdup_printf ("%s_cpu_ms_per_frame", name + 5);
        metric_row (m, "gauge", name, c->id,
            (d - prev.cpu_ms) / (gdouble) (u64 - prev.frames), "ms");
        g_free (m);
        mark->cpu_ms = d;
        mark->frames = u64;
      }
    }
    gst_structure_free (st);
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
}
#endif

/* per camera every 10 s: fps, frames, outages, online (component
 * 'runner'), the accelerator share and sink queues of its pipeline; the
 * 1-minute rollup is kept current each minute */
static void
write_metrics (void)
{
#ifdef HAVE_PQ
  static gint64 last_rollup;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < cameras->len; i++) {
    Camera *c = g_ptr_array_index (cameras, i);
    guint f = g_atomic_int_get (&c->frames);
    gchar *fps = g_strdup_printf ("%.3f", (f - c->frames_at_metrics) / 10.0);
    gchar *frames = g_strdup_printf ("%u", f);
    gchar *outages = g_strdup_printf ("%u", c->outages);
    const gchar *names[4] = { "fps", "frames", "outages", "online" };
    const gchar *types[4] = { "gauge", "counter", "counter", "gauge" };
    const gchar *units[4] = { "fps", "count", "count", "bool" };
    const gchar *vals[4] = { fps, frames, outages,
      c->state == CAM_ONLINE ? "1" : "0" };
    c->frames_at_metrics = f;
    if (c->pipe)
      element_metrics (c);
    for (guint k = 0; k < 4; k++) {
      gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, gst_axion_id_next ());
      const gchar *p[6] = { id, names[k], types[k], c->id, vals[k], units[k] };
      pg_run ("INSERT INTO system_metrics (metric_id, metric_name, "
              "metric_type, component, source_id, value, unit) VALUES ($1, "
              "$2, $3, 'runner', $4, $5, $6)",
          6, p);
      g_free (id);
    }
    g_free (fps);
    g_free (frames);
    g_free (outages);
  }
  if (now / 60 != last_rollup / 60) {
    pg_run ("SELECT rollup_system_metrics()", 0, NULL);
    last_rollup = now;
  }
#endif
}

/* ---- cameras ------------------------------------------------------------ */

static void start_camera (Camera *c);

static GstPadProbeReturn
count_frames (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Camera *c = data;
  g_atomic_int_inc (&c->frames);
  return GST_PAD_PROBE_OK;
}

/* counts buffers reaching the first sink of the pipeline */
static void
add_frame_probe (Camera *c)
{
  GstIterator *it = gst_bin_iterate_sinks (GST_BIN (c->pipe));
  GValue v = G_VALUE_INIT;

  if (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *sink = g_value_get_object (&v);
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    if (pad) {
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frames, c, NULL);
      gst_object_unref (pad);
    }
    g_value_unset (&v);
  }
  gst_iterator_free (it);
}

static gboolean
restart_cb (gpointer data)
{
  Camera *c = data;
  c->restart_id = 0;
  if (!stopping)
    start_camera (c);
  return G_SOURCE_REMOVE;
}

static void
maybe_quit (void)
{
  for (guint i = 0; i < cameras->len; i++) {
    Camera *c = g_ptr_array_index (cameras, i);
    if (c->state != CAM_DONE)
      return;
  }
  g_main_loop_quit (loop);
}

static void
stop_pipeline (Camera *c)
{
  if (c->pipe) {
    gst_element_set_state (c->pipe, GST_STATE_NULL);
    gst_object_unref (c->pipe);
    c->pipe = NULL;
  }
  /* a new pipeline's elements count from zero */
  g_hash_table_remove_all (c->cpu_marks);
}

static void
outage (Camera *c, const gchar *why)
{
  guint delay;

  stop_pipeline (c);
  if (stopping) {
    c->state = CAM_DONE;
    maybe_quit ();
    return;
  }
  c->outages++;
  if (c->offline_since_us == 0)
    record_status (c, FALSE, why);
  delay = (guint) gst_axion_backoff_ms (c->backoff++, 1000, 30000);
  g_free (c->last_error);
  c->last_error = g_strdup (why);
  c->state = CAM_OFFLINE;
  g_print ("%s: camera %s offline: %s; reconnecting in %.1f s\n", prog, c->id,
      why, delay / 1000.0);
  c->restart_id = g_timeout_add (delay, restart_cb, c);
}

static gboolean
on_bus (GstBus *bus, GstMessage *m, gpointer data)
{
  Camera *c = data;

  if (c->pipe == NULL || GST_MESSAGE_SRC (m) == NULL)
    return G_SOURCE_CONTINUE;
  switch (GST_MESSAGE_TYPE (m)) {
  case GST_MESSAGE_ERROR: {
    GError *err = NULL;
    gchar *dbg = NULL, *why;
    gst_message_parse_error (m, &err, &dbg);
    why = g_strdup_printf (
        "%s (%s)", err->message, GST_OBJECT_NAME (GST_MESSAGE_SRC (m)));
    g_printerr ("%s: camera %s: error: %s\n", prog, c->id, why);
    outage (c, why);
    g_free (why);
    g_error_free (err);
    g_free (dbg);
    break;
  }
  case GST_MESSAGE_WARNING: {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    g_printerr ("%s: camera %s: warning: %s\n", prog, c->id, err->message);
    g_error_free (err);
    break;
  }
  case GST_MESSAGE_EOS:
    if (stopping) {
      stop_pipeline (c);
      c->state = CAM_DONE;
      maybe_quit ();
    } else {
      outage (c, "the stream ended");
    }
    break;
  case GST_MESSAGE_STATE_CHANGED:
    if (GST_MESSAGE_SRC (m) == GST_OBJECT (c->pipe)) {
      GstState news;
      gst_message_parse_state_changed (m, NULL, &news, NULL);
      if (news == GST_STATE_PLAYING && c->state == CAM_STARTING) {
        c->state = CAM_ONLINE;
        c->online_since = g_get_monotonic_time ();
        c->backoff = 0;
        g_print ("%s: camera %s online\n", prog, c->id);
        if (c->offline_since_us)
          record_status (c, TRUE, NULL);
      }
    }
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static void
start_camera (Camera *c)
{
  GHashTable *vars = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer k, v;
  GError *err = NULL;
  gchar *spool;
  GstBus *bus;

  g_hash_table_iter_init (&it, global_vars);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (vars, k, v);
  g_hash_table_iter_init (&it, c->vars);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (vars, k, v);
  {
    /* the camera id escaped to one path component: an id such as ".."
     * must not put a camera's spool outside the root */
    gchar *name = gst_axion_camera_id_to_filename (c->id);
    spool = g_build_filename (
        g_hash_table_lookup (global_vars, "SPOOL_ROOT"), name, NULL);
    g_free (name);
  }
  g_hash_table_insert (vars, "CAMERA_ID", c->id);
  g_hash_table_insert (vars, "CAMERA_URL", c->url);
  g_hash_table_insert (vars, "RTSP_PROTOCOLS", c->protocols);
  g_hash_table_insert (vars, "SPOOL_DIR", spool);

  c->pipe = axion_run_pipeline_build (c->pipeline_file, vars, &err);
  g_hash_table_unref (vars);
  g_free (spool);
  if (c->pipe == NULL) {
    g_printerr ("%s: camera %s: %s\n", prog, c->id, err->message);
    g_error_free (err);
    config_error = TRUE;
    c->state = CAM_DONE;
    maybe_quit ();
    return;
  }
  c->state = CAM_STARTING;
  c->last_frame_us = g_get_monotonic_time ();
  bus = gst_element_get_bus (c->pipe);
  gst_bus_add_watch (bus, on_bus, c);
  gst_object_unref (bus);
  add_frame_probe (c);
  if (gst_element_set_state (c->pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* the error message on the bus says why; without one: */
    GstBus *b = gst_element_get_bus (c->pipe);
    GstMessage *m = gst_bus_pop_filtered (b, GST_MESSAGE_ERROR);
    gst_object_unref (b);
    if (m) {
      on_bus (NULL, m, c);
      gst_message_unref (m);
    } else {
      outage (c, "the pipeline did not start");
    }
  }
}

static void
camera_free (Camera *c)
{
  if (c->restart_id)
    g_source_remove (c->restart_id);
  if (c->pipe) {
    GstBus *bus = gst_element_get_bus (c->pipe);
    gst_bus_remove_watch (bus);
    gst_object_unref (bus);
  }
  stop_pipeline (c);
  g_hash_table_unref (c->vars);
  g_hash_table_unref (c->cpu_marks);
  g_free (c->id);
  g_free (c->url);
  g_free (c->pipeline_file);
  g_free (c->protocols);
  g_free (c->last_error);
  g_free (c);
}

/* ---- status ------------------------------------------------------------- */

static const gchar *
state_name (CamState s)
{
  switch (s) {
  case CAM_STARTING:
    return "starting";
  case CAM_ONLINE:
    return "online";
  case CAM_OFFLINE:
    return "offline";
  default:
    return "stopped";
  }
}

static gboolean
tick (gpointer data)
{
  static guint n;
  gboolean log_now = (++n % 10 == 0) && !tty;

  if (tty)
    g_print ("\r");
  for (guint i = 0; i < cameras->len; i++) {
    Camera *c = g_ptr_array_index (cameras, i);
    guint f = g_atomic_int_get (&c->frames);
    gint64 now = g_get_monotonic_time ();
    c->fps = (gdouble) (f - c->frames_at_tick);
    if (f != c->frames_at_tick || c->last_frame_us == 0)
      c->last_frame_us = now;
    c->frames_at_tick = f;
    /* a camera that stops sending without closing the stream (or never
     * starts) is an outage too */
    if (!stopping && stall_s > 0 &&
        (c->state == CAM_ONLINE || c->state == CAM_STARTING) &&
        now - c->last_frame_us > (gint64) stall_s * G_USEC_PER_SEC) {
      gchar *why = g_strdup_printf ("no frames for %u s", stall_s);
      outage (c, why);
      g_free (why);
    }
    if (tty)
      g_print ("%s %s %.0ffps %uf%s%s", i ? "|" : "", c->id, c->fps, f,
          c->state == CAM_ONLINE ? "" : " ",
          c->state == CAM_ONLINE ? "" : state_name (c->state));
    else if (log_now)
      g_print ("%s: status camera=%s state=%s fps=%.1f frames=%u outages=%u "
               "uptime=%.3f\n",
          prog, c->id, state_name (c->state), c->fps, f, c->outages,
          (now - started_us) / 1e6);
  }
  if (tty)
    g_print ("   ");
  if (n % 10 == 0 && !stopping)
    write_metrics ();
  return G_SOURCE_CONTINUE;
}

/* ---- shutdown ------------------------------------------------------------ */

static gboolean
force_quit (gpointer data)
{
  g_printerr ("%s: pipelines did not finish within %u s; stopping them\n", prog,
      stop_timeout_s);
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
begin_shutdown (const gchar *why)
{
  if (stopping)
    return;
  stopping = TRUE;
  g_print ("%s%s: %s: sending EOS through every pipeline (sinks flush)\n",
      tty ? "\n" : "", prog, why);
  for (guint i = 0; i < cameras->len; i++) {
    Camera *c = g_ptr_array_index (cameras, i);
    if (c->restart_id) {
      g_source_remove (c->restart_id);
      c->restart_id = 0;
    }
    if (c->pipe && c->state != CAM_DONE)
      gst_element_send_event (c->pipe, gst_event_new_eos ());
    else
      c->state = CAM_DONE;
  }
  g_timeout_add_seconds (stop_timeout_s, force_quit, NULL);
  maybe_quit ();
}

static gboolean
on_signal (gpointer data)
{
  if (stopping) {
    g_printerr ("%s: second signal: exiting now\n", prog);
    _exit (130);
  }
  begin_shutdown (GPOINTER_TO_INT (data) == SIGINT ? "SIGINT" : "SIGTERM");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_duration (gpointer data)
{
  begin_shutdown ("--duration reached");
  return G_SOURCE_REMOVE;
}

/* ---- configuration ------------------------------------------------------ */

static Camera *
camera_new (const gchar *id, const gchar *url)
{
  Camera *c = g_new0 (Camera, 1);
  c->id = g_strdup (id);
  c->url = g_strdup (url);
  c->protocols = g_strdup ("tcp");
  c->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  c->cpu_marks = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, g_free);
  return c;
}

static gboolean
config_fail (const gchar *path, guint line, const gchar *fmt, ...)
{
  va_list ap;
  gchar *msg;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("%s: %s:%u: %s\n", prog, path, line, msg);
  g_free (msg);
  return FALSE;
}

/* INI: [axion] database, redis, pipeline, spool-dir, duration,
 * stop-timeout; [vars] NAME = value; [camera ID] url, pipeline,
 * protocols, and UPPERCASE variables. */
static gboolean
load_config (const gchar *path, gchar **pipeline, gdouble *duration)
{
  gchar *text = NULL, **lines;
  Camera *cur = NULL;
  gchar *section = NULL;
  gboolean ok = TRUE;
  GError *err = NULL;

  if (!g_file_get_contents (path, &text, NULL, &err)) {
    g_printerr ("%s: cannot read config: %s\n", prog, err->message);
    g_error_free (err);
    return FALSE;
  }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && ok; i++) {
    gchar *l = g_strstrip (lines[i]), *eq, *key, *val;
    guint ln = i + 1;
    if (*l == '\0' || *l == '#' || *l == ';')
      continue;
    if (*l == '[') {
      gchar *end = strchr (l, ']');
      if (end == NULL || end[1] != '\0') {
        ok = config_fail (path, ln,
            "a section header is [axion], [vars] or "
            "[camera ID]");
        break;
      }
      *end = '\0';
      g_free (section);
      section = g_strdup (g_strstrip (l + 1));
      cur = NULL;
      if (g_str_has_prefix (section, "camera ")) {
        const gchar *id = g_strstrip (section + 7);
        if (!gst_axion_camera_id_is_valid (id)) {
          ok = config_fail (path, ln,
              "camera id \"%s\" is invalid: 1-64 "
              "characters of [A-Za-z0-9_.-]",
              id);
          break;
        }
        for (guint k = 0; k < cameras->len; k++)
          if (g_str_equal (((Camera *) g_ptr_array_index (cameras, k))->id, id))
            ok = config_fail (path, ln, "camera %s appears twice", id);
        cur = camera_new (id, NULL);
        g_ptr_array_add (cameras, cur);
      } else if (!g_str_equal (section, "axion") &&
          !g_str_equal (section, "vars")) {
        ok = config_fail (path, ln,
            "unknown section [%s] (use [axion], "
            "[vars] or [camera ID])",
            section);
      }
      continue;
    }
    if (section == NULL) {
      ok = config_fail (path, ln, "key outside a section");
      break;
    }
    eq = strchr (l, '=');
    if (eq == NULL) {
      ok = config_fail (path, ln, "expected \"key = value\"");
      break;
    }
    *eq = '\0';
    key = g_strstrip (l);
    val = g_strstrip (eq + 1);
    if (g_str_equal (section, "axion")) {
      if (g_str_equal (key, "database"))
        g_hash_table_replace (global_vars, g_strdup ("DB"), g_strdup (val));
      else if (g_str_equal (key, "redis"))
        g_hash_table_replace (
            global_vars, g_strdup ("REDIS_URL"), g_strdup (val));
      else if (g_str_equal (key, "spool-dir"))
        g_hash_table_replace (
            global_vars, g_strdup ("SPOOL_ROOT"), g_strdup (val));
      else if (g_str_equal (key, "pipeline")) {
        g_free (*pipeline);
        *pipeline = g_strdup (val);
      } else if (g_str_equal (key, "duration"))
        *duration = g_ascii_strtod (val, NULL);
      else if (g_str_equal (key, "stop-timeout"))
        stop_timeout_s = (guint) g_ascii_strtoull (val, NULL, 10);
      else if (g_str_equal (key, "stall-timeout"))
        stall_s = (guint) g_ascii_strtoull (val, NULL, 10);
      else
        ok = config_fail (path, ln,
            "unknown key \"%s\" in [axion] (known: "
            "database, redis, pipeline, spool-dir, "
            "duration, stop-timeout, stall-timeout)",
            key);
    } else if (g_str_equal (section, "vars")) {
      g_hash_table_replace (global_vars, g_strdup (key), g_strdup (val));
    } else if (cur) {
      if (g_str_equal (key, "url")) {
        g_free (cur->url);
        cur->url = g_strdup (val);
      } else if (g_str_equal (key, "pipeline")) {
        g_free (cur->pipeline_file);
        cur->pipeline_file = g_strdup (val);
      } else if (g_str_equal (key, "protocols")) {
        if (!g_str_equal (val, "tcp") && !g_str_equal (val, "udp") &&
            !g_str_equal (val, "tcp+udp"))
          ok = config_fail (path, ln, "protocols is tcp, udp or tcp+udp");
        g_free (cur->protocols);
        cur->protocols = g_strdup (val);
      } else if (g_ascii_isupper (key[0])) {
        g_hash_table_replace (cur->vars, g_strdup (key), g_strdup (val));
      } else {
        ok = config_fail (path, ln,
            "unknown key \"%s\" in [camera %s] "
            "(known: url, pipeline, protocols, or "
            "UPPERCASE pipeline variables)",
            key, cur->id);
      }
    }
  }
  for (guint k = 0; ok && k < cameras->len; k++) {
    Camera *c = g_ptr_array_index (cameras, k);
    if (c->url == NULL)
      ok = config_fail (path, 0, "camera %s has no url", c->id);
  }
  g_strfreev (lines);
  g_free (text);
  g_free (section);
  return ok;
}

/* ---- main --------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  gchar *config = NULL, *pipeline = NULL, **cams = NULL, *db = NULL,
        *redis = NULL, *spool = NULL;
  gdouble duration = 0;
  gint stall_cli = -1;
  gboolean ok = TRUE;
  GError *err = NULL;
  GOptionEntry entries[] = { { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
                                 "Configuration file (docs/running.md)",
                                 "FILE" },
    { "camera", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cams, "A camera (repeatable)",
        "ID=URL" },
    { "pipeline", 'p', 0, G_OPTION_ARG_FILENAME, &pipeline,
        "Default pipeline file", "FILE" },
    { "db", 'd', 0, G_OPTION_ARG_STRING, &db,
        "PostgreSQL conninfo (default AXION_DB_CONNINFO)", "CONNINFO" },
    { "redis", 'r', 0, G_OPTION_ARG_STRING, &redis,
        "Redis URL (default AXION_REDIS_URL)", "URL" },
    { "spool-dir", 0, 0, G_OPTION_ARG_FILENAME, &spool,
        "Spool root; each camera uses <root>/<id>", "DIR" },
    { "duration", 't', 0, G_OPTION_ARG_DOUBLE, &duration,
        "Stop after this many seconds (0 = until a signal)", "S" },
    { "stall-timeout", 0, 0, G_OPTION_ARG_INT, &stall_cli,
        "A camera without frames this long is reconnected (default 10, 0 = "
        "never)",
        "S" },
    { NULL } };
  GOptionContext *ctx = g_option_context_new ("- run Axion cameras");
  guint summary_ok = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s: %s (see --help)\n", prog, err->message);
    return 2;
  }
  g_option_context_free (ctx);
  tty = isatty (STDOUT_FILENO);
  cameras = g_ptr_array_new_with_free_func ((GDestroyNotify) camera_free);
  global_vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (global_vars, g_strdup ("DB"),
      g_strdup (db                             ? db
              : g_getenv ("AXION_DB_CONNINFO") ? g_getenv ("AXION_DB_CONNINFO")
                                               : ""));
  g_hash_table_replace (global_vars, g_strdup ("REDIS_URL"),
      g_strdup (redis                        ? redis
              : g_getenv ("AXION_REDIS_URL") ? g_getenv ("AXION_REDIS_URL")
                                             : "redis://127.0.0.1:6379/0"));
  g_hash_table_replace (global_vars, g_strdup ("SPOOL_ROOT"),
      g_strdup (spool ? spool : "/var/lib/axion/spool"));

  if (config)
    ok = load_config (config, &pipeline, &duration);
  if (stall_cli >= 0)
    stall_s = (guint) stall_cli;
  if (ok && db) /* the command line wins over the file */
    g_hash_table_replace (global_vars, g_strdup ("DB"), g_strdup (db));
  if (ok && redis)
    g_hash_table_replace (
        global_vars, g_strdup ("REDIS_URL"), g_strdup (redis));
  if (ok && spool)
    g_hash_table_replace (
        global_vars, g_strdup ("SPOOL_ROOT"), g_strdup (spool));
  for (guint i = 0; ok && cams && cams[i]; i++) {
    gchar *eq = strchr (cams[i], '=');
    if (eq == NULL || eq == cams[i]) {
      g_printerr ("%s: --camera takes ID=URL, not \"%s\"\n", prog, cams[i]);
      ok = FALSE;
      break;
    }
    *eq = '\0';
    if (!gst_axion_camera_id_is_valid (cams[i])) {
      g_printerr ("%s: camera id \"%s\" is invalid: 1-64 characters of "
                  "[A-Za-z0-9_.-]\n",
          prog, cams[i]);
      ok = FALSE;
      break;
    }
    g_ptr_array_add (cameras, camera_new (cams[i], eq + 1));
  }
  if (ok && cameras->len == 0) {
    g_printerr ("%s: no cameras: give --camera ID=URL or a --config with "
                "[camera ID] sections\n",
        prog);
    ok = FALSE;
  }
  for (guint i = 0; ok && i < cameras->len; i++) {
    Camera *c = g_ptr_array_index (cameras, i);
    if (c->pipeline_file == NULL)
      c->pipeline_file = g_strdup (pipeline);
    if (c->pipeline_file == NULL) {
      g_printerr ("%s: camera %s has no pipeline file: give --pipeline or "
                  "pipeline = in [axion] or its [camera] section\n",
          prog, c->id);
      ok = FALSE;
    } else if (!g_file_test (c->pipeline_file, G_FILE_TEST_IS_REGULAR)) {
      g_printerr ("%s: camera %s: pipeline file %s does not exist\n", prog,
          c->id, c->pipeline_file);
      ok = FALSE;
    }
  }
  if (!ok) {
    g_ptr_array_unref (cameras);
    g_hash_table_unref (global_vars);
    return 2;
  }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, GINT_TO_POINTER (SIGINT));
  g_unix_signal_add (SIGTERM, on_signal, GINT_TO_POINTER (SIGTERM));
  if (duration > 0)
    g_timeout_add ((guint) (duration * 1000), on_duration, NULL);
  /* not g_timeout_add_seconds: its coarse grouping shifts the second */
  g_timeout_add (1000, tick, NULL);
  started_us = g_get_monotonic_time ();
  for (guint i = 0; i < cameras->len; i++) {
    Camera *c = g_ptr_array_index (cameras, i);
    gchar *shown = gst_axion_uri_strip_credentials (c->url);
    g_print ("%s: camera %s: %s (%s)\n", prog, c->id, shown, c->pipeline_file);
    g_free (shown);
    start_camera (c);
  }
  {
    gboolean any = FALSE;
    for (guint i = 0; i < cameras->len; i++)
      any |= ((Camera *) g_ptr_array_index (cameras, i))->state != CAM_DONE;
    if (any && !stopping)
      g_main_loop_run (loop);
  }

  g_print ("%s%s: summary after %.1f s\n", tty ? "\n" : "", prog,
      (g_get_monotonic_time () - started_us) / 1e6);
  for (guint i = 0; i < cameras->len; i++) {
    Camera *c = g_ptr_array_index (cameras, i);
    g_print ("  camera %s: %u frames, %u outages%s%s\n", c->id,
        (guint) g_atomic_int_get (&c->frames), c->outages,
        c->last_error ? ", last error: " : "",
        c->last_error ? c->last_error : "");
    summary_ok += c->frames > 0;
  }
  g_ptr_array_unref (cameras);
  g_hash_table_unref (global_vars);
  g_main_loop_unref (loop);
#ifdef HAVE_PQ
  g_clear_pointer (&pg, PQfinish);
#endif
#ifdef HAVE_HIREDIS
  g_clear_pointer (&rds, redisFree);
#endif
  g_strfreev (cams);
  g_free (config);
  g_free (pipeline);
  g_free (db);
  g_free (redis);
  g_free (spool);
  gst_deinit ();
  return config_error ? 2 : summary_ok > 0 ? 0 : 1;
}
