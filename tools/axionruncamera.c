/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's cameras: a pipeline per camera, restarted with backoff when
 * its stream fails. One outage is one offline..online period: it is
 * counted, and recorded (camera_offline, then camera_online), once however
 * many reconnects fail in between. Pipelines are torn down off the main
 * thread: an element that hangs in its NULL transition never stops the
 * loop.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionruncamera.h"
#include "axionrunbandwidth.h"
#include "axionrunpipeline.h"
#include "axionrunstore.h"

#include <gst/axion/axion.h>
#include <gst/axion/gstaxionbackoff.h>
#include <json-glib/json-glib.h>

static GThreadPool *reaper;
static GMutex reap_lock;
static GCond reap_cond;
static guint reaping; /* pipelines still stopping (reap_lock) */

AxionRunCamera *
axion_run_camera_new (const gchar *id, const gchar *url)
{
  AxionRunCamera *c = g_new0 (AxionRunCamera, 1);

  c->id = g_strdup (id);
  c->url = g_strdup (url);
  c->protocols = g_strdup ("tcp");
  c->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  c->cpu_marks = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, g_free);
  return c;
}

void
axion_run_camera_free (AxionRunCamera *c)
{
  if (c->restart_id)
    g_source_remove (c->restart_id);
  axion_run_camera_stop_pipeline (c);
  g_hash_table_unref (c->vars);
  g_hash_table_unref (c->cpu_marks);
  g_free (c->id);
  g_free (c->url);
  g_free (c->pipeline_file);
  g_free (c->protocols);
  g_free (c->last_error);
  g_free (c);
}

/* ---- status records ---------------------------------------------------------
 */

static gchar *
event_json (AxionRunCamera *c, gboolean online, const gchar *why)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  gchar *text;

  json_builder_begin_object (b);
  if (online) {
    json_builder_set_member_name (b, "offline_s");
    json_builder_add_double_value (
        b, (g_get_real_time () - c->offline_since_us) / 1e6);
  } else {
    /* error texts may be any bytes: valid UTF-8 in the JSON */
    gchar *reason = g_utf8_make_valid (why ? why : "", -1);
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b, reason);
    json_builder_set_member_name (b, "outage");
    json_builder_add_int_value (b, c->outages);
    g_free (reason);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  return text;
}

static void
record_status (AxionRunCamera *c, gboolean online, const gchar *why)
{
  gchar *data = event_json (c, online, why);
  gchar *reason = why ? g_utf8_make_valid (why, -1) : NULL;

  axion_run_store_camera_status (axion_run.store, c->id, online,
      g_atomic_int_get (&c->frames), data, reason);
  g_free (reason);
  g_free (data);
  c->offline_since_us = online ? 0 : g_get_real_time ();
  if (online)
    c->offline_alerted = FALSE;
}

/* ---- teardown ------------------------------------------------------------ */

static void
reap (gpointer data, gpointer unused)
{
  AxionRunCamera *c = g_object_get_data (data, "axion-run-camera");

  gst_element_set_state (data, GST_STATE_NULL);
  gst_object_unref (data);
  g_atomic_int_set (&c->tearing_down, 0);
  g_mutex_lock (&reap_lock);
  reaping--;
  g_cond_broadcast (&reap_cond);
  g_mutex_unlock (&reap_lock);
}

void
axion_run_camera_stop_pipeline (AxionRunCamera *c)
{
  GstBus *bus;

  /* a new pipeline's elements count from zero */
  g_hash_table_remove_all (c->cpu_marks);
  if (c->pipe == NULL)
    return;
  /* the watch holds the bus (and its fds) until removed */
  bus = gst_element_get_bus (c->pipe);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  if (reaper == NULL)
    reaper = g_thread_pool_new (reap, NULL, -1, FALSE, NULL);
  g_mutex_lock (&reap_lock);
  reaping++;
  g_mutex_unlock (&reap_lock);
  g_atomic_int_set (&c->tearing_down, 1);
  g_object_set_data (G_OBJECT (c->pipe), "axion-run-camera", c);
  g_thread_pool_push (reaper, g_steal_pointer (&c->pipe), NULL);
}

gboolean
axion_run_cameras_wait_teardown (guint64 timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  gboolean done;

  g_mutex_lock (&reap_lock);
  while (reaping > 0 && g_cond_wait_until (&reap_cond, &reap_lock, deadline))
    ;
  done = reaping == 0;
  g_mutex_unlock (&reap_lock);
  if (done && reaper) {
    g_thread_pool_free (reaper, FALSE, TRUE);
    reaper = NULL;
  }
  return done;
}

/* ---- outages ------------------------------------------------------------- */

static gboolean
restart_cb (gpointer data)
{
  AxionRunCamera *c = data;

  if (axion_run.stopping) {
    c->restart_id = 0;
    return G_SOURCE_REMOVE;
  }
  /* the old pipeline first lets go of the camera's spool */
  if (g_atomic_int_get (&c->tearing_down)) {
    c->restart_id = g_timeout_add (50, restart_cb, c);
    return G_SOURCE_REMOVE;
  }
  c->restart_id = 0;
  c->restarts++;
  axion_run_camera_start (c);
  return G_SOURCE_REMOVE;
}

static void
outage (AxionRunCamera *c, const gchar *why)
{
  AxionRunConfig *cfg = &axion_run.cfg;
  guint delay;

  axion_run_camera_stop_pipeline (c);
  if (axion_run.stopping) {
    c->state = AXION_CAM_DONE;
    axion_run_maybe_quit ();
    return;
  }
  if (c->offline_since_us == 0) {
    c->outages++;
    record_status (c, FALSE, why);
  }
  delay = (guint) gst_axion_backoff_ms (
      c->backoff++, cfg->reconnect_min_ms, cfg->reconnect_max_ms);
  g_free (c->last_error);
  c->last_error = g_strdup (why);
  c->state = AXION_CAM_OFFLINE;
  g_print ("%s: camera %s offline: %s; reconnecting in %.1f s\n",
      AXION_RUN_PROG, c->id, why, delay / 1000.0);
  c->restart_id = g_timeout_add (delay, restart_cb, c);
}

/* What a retry cannot fix: an Axion element's settings (a bad detector,
 * conninfo or redis-url) or refused credentials; and the sinks' errors,
 * which they post only for that (a missing schema, an unusable spool
 * directory too): a server that is away is spooled, not an error. */
static gboolean
is_config_error (GstMessage *m, const GError *err)
{
  GstElement *e = GST_IS_ELEMENT (GST_MESSAGE_SRC (m))
      ? GST_ELEMENT (GST_MESSAGE_SRC (m))
      : NULL;
  GstElementFactory *f = e ? gst_element_get_factory (e) : NULL;
  const gchar *name = f ? GST_OBJECT_NAME (f) : "";
  gboolean sink = g_str_equal (name, "axionpgsink") ||
      g_str_equal (name, "axionredissink");

  if (!g_str_has_prefix (name, "axion") || err->domain != GST_RESOURCE_ERROR)
    return FALSE;
  return err->code == GST_RESOURCE_ERROR_SETTINGS ||
      err->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED ||
      (sink && err->code == GST_RESOURCE_ERROR_OPEN_WRITE);
}

static void
on_error (AxionRunCamera *c, GstMessage *m)
{
  GError *err = NULL;
  gchar *why;

  gst_message_parse_error (m, &err, NULL);
  why = g_strdup_printf (
      "%s (%s)", err->message, GST_OBJECT_NAME (GST_MESSAGE_SRC (m)));
  if (is_config_error (m, err)) {
    axion_run_camera_stop_pipeline (c);
    c->state = AXION_CAM_DONE;
    g_free (c->last_error);
    c->last_error = g_strdup (why);
    axion_run_config_error (why);
  } else {
    g_printerr ("%s: camera %s: error: %s\n", AXION_RUN_PROG, c->id, why);
    outage (c, why);
  }
  g_free (why);
  g_error_free (err);
}

static void
on_state_changed (AxionRunCamera *c, GstMessage *m)
{
  GstState news;

  if (GST_MESSAGE_SRC (m) != GST_OBJECT (c->pipe))
    return;
  gst_message_parse_state_changed (m, NULL, &news, NULL);
  if (news != GST_STATE_PLAYING || c->state != AXION_CAM_STARTING)
    return;
  c->state = AXION_CAM_ONLINE;
  c->backoff = 0;
  g_print ("%s: camera %s online\n", AXION_RUN_PROG, c->id);
  if (c->offline_since_us)
    record_status (c, TRUE, NULL);
  else if (c->outages == 0)
    axion_run_store_camera_started (axion_run.store, c->id);
}

static void
on_eos (AxionRunCamera *c)
{
  if (!axion_run.stopping) {
    outage (c, "the stream ended");
    return;
  }
  axion_run_camera_stop_pipeline (c);
  c->state = AXION_CAM_DONE;
  axion_run_maybe_quit ();
}

static gboolean
on_bus (GstBus *bus, GstMessage *m, gpointer data)
{
  AxionRunCamera *c = data;

  if (c->pipe == NULL || GST_MESSAGE_SRC (m) == NULL)
    return G_SOURCE_CONTINUE;
  switch (GST_MESSAGE_TYPE (m)) {
  case GST_MESSAGE_ERROR:
    on_error (c, m);
    break;
  case GST_MESSAGE_WARNING: {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    g_printerr (
        "%s: camera %s: warning: %s\n", AXION_RUN_PROG, c->id, err->message);
    g_error_free (err);
    break;
  }
  case GST_MESSAGE_EOS:
    on_eos (c);
    break;
  case GST_MESSAGE_STATE_CHANGED:
    on_state_changed (c, m);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

void
axion_run_camera_check_stall (AxionRunCamera *c)
{
  guint64 stall_ms = axion_run.cfg.stall_ms;
  gchar *why;

  if (axion_run.stopping || stall_ms == 0 ||
      (c->state != AXION_CAM_ONLINE && c->state != AXION_CAM_STARTING) ||
      g_get_monotonic_time () - c->last_frame_us <= (gint64) stall_ms * 1000)
    return;
  why = g_strdup_printf ("no frames for %.1f s", stall_ms / 1000.0);
  outage (c, why);
  g_free (why);
}

/* ---- starting ------------------------------------------------------------ */

static GstPadProbeReturn
count_frames (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  AxionRunCamera *c = data;

  g_atomic_int_inc (&c->frames);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_received (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  AxionRunCamera *c = data;

  g_atomic_int_inc (&c->received);
  return GST_PAD_PROBE_OK;
}

static gboolean
is_gate (const GValue *v, const GValue *unused)
{
  GstElementFactory *f = gst_element_get_factory (g_value_get_object (v));

  return !(f && g_str_equal (GST_OBJECT_NAME (f), "axiongate"));
}

static void
probe_sink_pad (GstElement *e, GstPadProbeCallback cb, AxionRunCamera *c)
{
  GstPad *pad = gst_element_get_static_pad (e, "sink");

  if (pad) {
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, cb, c, NULL);
    gst_object_unref (pad);
  }
}

/* Counts the frames reaching the first sink of the pipeline (analysed:
 * every one a row), and the frames the camera sent: where they enter
 * axiongate when the camera is gated, for the stall check (an idle gated
 * camera's decoder and sinks see one in map-keyframe-interval-ms, 10 s,
 * which would read as a stall), else at the same sink. */
static void
add_frame_probe (AxionRunCamera *c)
{
  GstIterator *it = gst_bin_iterate_sinks (GST_BIN (c->pipe));
  GValue v = G_VALUE_INIT;
  gboolean gated = FALSE;

  if (gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    probe_sink_pad (g_value_get_object (&v), count_frames, c);
    g_value_unset (&v);
  }
  gst_iterator_free (it);
  it = gst_bin_iterate_recurse (GST_BIN (c->pipe));
  if (gst_iterator_find_custom (it, (GCompareFunc) is_gate, &v, NULL)) {
    probe_sink_pad (g_value_get_object (&v), count_received, c);
    g_value_unset (&v);
    gated = TRUE;
  }
  gst_iterator_free (it);
  c->counts_received = gated;
}

static void
add_all (GHashTable *to, GHashTable *from)
{
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, from);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (to, k, v);
}

/* the global variables, the camera's, and its own (the spool path is
 * returned in @spool, owned by the caller) */
static GHashTable *
camera_vars (AxionRunCamera *c, gchar **spool)
{
  GHashTable *vars = g_hash_table_new (g_str_hash, g_str_equal);
  /* the camera id escaped to one path component: an id such as ".." must
   * not put a camera's spool outside the root */
  gchar *name = gst_axion_camera_id_to_filename (c->id);

  add_all (vars, axion_run.cfg.vars);
  add_all (vars, c->vars);
  *spool = g_build_filename (
      g_hash_table_lookup (axion_run.cfg.vars, "SPOOL_ROOT"), name, NULL);
  g_free (name);
  g_hash_table_insert (vars, "CAMERA_ID", c->id);
  g_hash_table_insert (vars, "CAMERA_URL", c->url);
  g_hash_table_insert (vars, "RTSP_PROTOCOLS", c->protocols);
  g_hash_table_insert (vars, "SPOOL_DIR", *spool);
  return vars;
}

static GstElement *
build (AxionRunCamera *c, GError **error)
{
  gchar *spool;
  GHashTable *vars = camera_vars (c, &spool);
  GstElement *pipe;
  GError *err = NULL;

  pipe = axion_run_pipeline_build (c->pipeline_file, vars, &err);
  if (pipe == NULL)
    g_propagate_error (error, err);
  g_hash_table_unref (vars);
  g_free (spool);
  return pipe;
}

gboolean
axion_run_camera_check (AxionRunCamera *c, GError **error)
{
  GstElement *pipe = build (c, error);

  if (pipe == NULL)
    return FALSE;
  gst_object_unref (pipe);
  return TRUE;
}

static void
start_failed (AxionRunCamera *c)
{
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

void
axion_run_camera_start (AxionRunCamera *c)
{
  GError *err = NULL;
  GstBus *bus;

  c->pipe = build (c, &err);
  if (c->pipe == NULL) {
    g_printerr ("%s: camera %s: %s\n", AXION_RUN_PROG, c->id, err->message);
    g_error_free (err);
    axion_run.config_error = TRUE;
    c->state = AXION_CAM_DONE;
    axion_run_maybe_quit ();
    return;
  }
  c->state = AXION_CAM_STARTING;
  c->last_frame_us = g_get_monotonic_time ();
  bus = gst_element_get_bus (c->pipe);
  gst_bus_add_watch (bus, on_bus, c);
  gst_object_unref (bus);
  add_frame_probe (c);
  axion_run_bandwidth_attach (c);
  if (gst_element_set_state (c->pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    start_failed (c);
}

void
axion_run_camera_reconnect (AxionRunCamera *c)
{
  /* waiting to restart already: that restart takes the new URL */
  if (axion_run.stopping || c->state == AXION_CAM_DONE || c->restart_id)
    return;
  axion_run_camera_stop_pipeline (c);
  /* not an outage: no offline record; restart_cb waits for the old
   * pipeline to let go of the camera's spool (~50-100 ms) */
  c->state = AXION_CAM_OFFLINE;
  c->restart_id = g_timeout_add (0, restart_cb, c);
}

static void
send_eos (GstElement *pipe, gpointer unused)
{
  gst_element_send_event (pipe, gst_event_new_eos ());
}

void
axion_run_camera_shutdown (AxionRunCamera *c)
{
  if (c->restart_id) {
    g_source_remove (c->restart_id);
    c->restart_id = 0;
  }
  /* a pipeline still starting has no frames to flush, and its sources
   * may not take an EOS yet */
  if (c->pipe && c->state == AXION_CAM_ONLINE) {
    /* not from the main loop: a source whose streaming thread is held
     * by a sink (a full spool that blocks) holds the lock send_event
     * needs, and the loop must keep running to stop it after
     * stop-timeout */
    gst_element_call_async (c->pipe, send_eos, NULL, NULL);
    return;
  }
  axion_run_camera_stop_pipeline (c);
  c->state = AXION_CAM_DONE;
}
