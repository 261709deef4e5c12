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
 *
 * This file: the command line, the status line, shutdown. The parts:
 * axionrunconfig.c (the configuration file), axionruncamera.c (cameras,
 * outages, teardown), axionrunstore.c (the PostgreSQL/Redis writer
 * thread; axionrunstorepg.c, axionrunstoreredis.c), axionrunmetrics.c
 * (system_metrics rows), axionrunpipeline.c (pipeline files).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrun.h"
#include "axionruncamera.h"
#include "axionrunalerts.h"
#include "axionrunbandwidth.h"
#include "axionrunconfig.h"
#include "axionrunhttp.h"
#include "axionrunmetrics.h"
#include "axionrunstore.h"

#include <gst/axion/axion.h>
#ifdef HAVE_NODE_LEASE
#include <gst/axion/axionnodelease.h>
#endif
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

AxionRun axion_run;

#define PROG AXION_RUN_PROG
#define CAMERA(i) ((AxionRunCamera *) g_ptr_array_index (cameras (), (i)))

static GPtrArray *
cameras (void)
{
  return axion_run.cfg.cameras;
}

/* ---- status ------------------------------------------------------------- */

static const gchar *
state_name (AxionCamState s)
{
  switch (s) {
  case AXION_CAM_STARTING:
    return "starting";
  case AXION_CAM_ONLINE:
    return "online";
  case AXION_CAM_OFFLINE:
    return "offline";
  default:
    return "stopped";
  }
}

static void
measure (AxionRunCamera *c)
{
  guint f = g_atomic_int_get (&c->frames);
  /* the camera is alive while frames arrive, analysed or not (axiongate) */
  guint r = c->counts_received ? (guint) g_atomic_int_get (&c->received) : f;

  c->fps = (gdouble) (f - c->frames_at_tick);
  if (f != c->frames_at_tick || r != c->received_at_tick ||
      c->last_frame_us == 0)
    c->last_frame_us = g_get_monotonic_time ();
  c->frames_at_tick = f;
  c->received_at_tick = r;
}

static void
print_status (AxionRunCamera *c, guint i, gboolean log_now)
{
  guint f = g_atomic_int_get (&c->frames);
  gboolean online = c->state == AXION_CAM_ONLINE;

  if (axion_run.tty)
    g_print ("%s %s %.0ffps %uf%s%s", i ? "|" : "", c->id, c->fps, f,
        online ? "" : " ", online ? "" : state_name (c->state));
  else if (log_now)
    g_print ("%s: status camera=%s state=%s fps=%.1f frames=%u outages=%u "
             "uptime=%.3f\n",
        PROG, c->id, state_name (c->state), c->fps, f, c->outages,
        (g_get_monotonic_time () - axion_run.started_us) / 1e6);
}

/* FALSE while the cameras wait for the id node lease */
static gboolean cameras_started;

#ifdef HAVE_NODE_LEASE
static AxionNodeLease *node_lease;

/* A lease lost mid-run (its store away for longer than 0.9 of the lease)
 * is said once, and its return: meanwhile the pipelines wait in the
 * element that makes the next id, and the runner's own writes wait in
 * the store's worker; the main loop goes on. */
static void
watch_node_lease (void)
{
  static gboolean lost;
  static gint64 lost_us;
  gboolean valid;

  if (node_lease == NULL || axion_node_lease_is_local (node_lease))
    return;
  valid = axion_node_lease_is_valid (node_lease);
  if (!valid && !lost) {
    lost_us = g_get_monotonic_time ();
    g_printerr ("%s: id node lease lost (%s did not answer the renewals in "
                "time): ids wait until it is leased again, and the "
                "cameras' frames with them (docs/scaling.md)\n",
        PROG, axion_node_lease_get_store_name (node_lease));
  } else if (valid && lost) {
    g_print ("%s: id node %d leased from %s again after %.1f s\n", PROG,
        axion_node_lease_wait (node_lease, 0),
        axion_node_lease_get_store_name (node_lease),
        (g_get_monotonic_time () - lost_us) / 1e6);
  }
  lost = !valid;
}
#endif

static gboolean
tick (gpointer data)
{
  static guint n;
  gboolean log_now = (++n % 10 == 0) && !axion_run.tty;

  if (!cameras_started) {
    /* waiting for the id node lease: nothing runs that could need an id */
    axion_run_http_tick ();
    return G_SOURCE_CONTINUE;
  }
#ifdef HAVE_NODE_LEASE
  watch_node_lease ();
#endif
  if (axion_run.tty)
    g_print ("\r");
  for (guint i = 0; i < cameras ()->len; i++) {
    measure (CAMERA (i));
    /* a camera that stops sending without closing the stream (or never
     * starts) is an outage too */
    axion_run_camera_check_stall (CAMERA (i));
    axion_run_camera_check_offline (CAMERA (i));
    print_status (CAMERA (i), i, log_now);
  }
  if (axion_run.tty)
    g_print ("   ");
  if (n % 10 == 0 && !axion_run.stopping)
    axion_run_metrics_write (axion_run.store, cameras ());
  axion_run_http_tick ();
  axion_run_bandwidth_tick ();
  return G_SOURCE_CONTINUE;
}

/* ---- shutdown ------------------------------------------------------------ */

void
axion_run_maybe_quit (void)
{
  for (guint i = 0; i < cameras ()->len; i++)
    if (CAMERA (i)->state != AXION_CAM_DONE)
      return;
  g_main_loop_quit (axion_run.loop);
}

static gboolean
force_quit (gpointer data)
{
  g_printerr ("%s: pipelines did not finish within %.1f s; stopping them\n",
      PROG, axion_run.cfg.stop_timeout_ms / 1000.0);
  g_main_loop_quit (axion_run.loop);
  return G_SOURCE_REMOVE;
}

static void
begin_shutdown (const gchar *why)
{
  if (axion_run.stopping)
    return;
  axion_run.stopping = TRUE;
  g_print ("%s%s: %s: sending EOS through every pipeline (sinks flush)\n",
      axion_run.tty ? "\n" : "", PROG, why);
  for (guint i = 0; i < cameras ()->len; i++)
    axion_run_camera_shutdown (CAMERA (i));
  g_timeout_add (axion_run.cfg.stop_timeout_ms, force_quit, NULL);
  axion_run_maybe_quit ();
}

void
axion_run_config_error (const gchar *why)
{
  g_printerr ("%s: configuration error: %s; stopping (exit 2)\n", PROG, why);
  axion_run.config_error = TRUE;
  begin_shutdown ("configuration error");
}

static void
store_fatal (const gchar *what, gpointer data)
{
  axion_run_config_error (what);
}

static gboolean
on_signal (gpointer data)
{
  if (axion_run.stopping) {
    g_printerr ("%s: second signal: exiting now\n", PROG);
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

/* ---- the command line ------------------------------------------------------
 */

typedef struct
{
  gchar *config, *pipeline, **cams, *db, *redis, *spool, *prefix;
  gchar *duration, *stall, *stop, *reconnect_min, *http;
  gboolean check;
} Options;

static void
options_clear (Options *o)
{
  g_strfreev (o->cams);
  g_free (o->config);
  g_free (o->pipeline);
  g_free (o->db);
  g_free (o->redis);
  g_free (o->spool);
  g_free (o->prefix);
  g_free (o->duration);
  g_free (o->stall);
  g_free (o->stop);
  g_free (o->reconnect_min);
  g_free (o->http);
}

static gboolean
parse_options (Options *o, int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config,
        "Configuration file (docs/running.md)", "FILE" },
    { "camera", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->cams,
        "A camera (repeatable)", "ID=URL" },
    { "pipeline", 'p', 0, G_OPTION_ARG_FILENAME, &o->pipeline,
        "Default pipeline file: a path, or the name of an installed one "
        "(camera-basic: datadir/axion/pipelines)",
        "FILE" },
    { "db", 'd', 0, G_OPTION_ARG_STRING, &o->db,
        "PostgreSQL conninfo (default AXION_DB_CONNINFO)", "CONNINFO" },
    { "redis", 'r', 0, G_OPTION_ARG_STRING, &o->redis,
        "Redis URL (default AXION_REDIS_URL)", "URL" },
    { "spool-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->spool,
        "Spool root; each camera uses <root>/<id>", "DIR" },
    { "key-prefix", 0, 0, G_OPTION_ARG_STRING, &o->prefix,
        "Namespace of the Redis keys (default axion)", "PREFIX" },
    { "duration", 't', 0, G_OPTION_ARG_STRING, &o->duration,
        "Stop after this long (0 = until a signal; 90, 1.5m, 500ms)", "T" },
    { "stall-timeout", 0, 0, G_OPTION_ARG_STRING, &o->stall,
        "A camera without frames this long is reconnected (default 10 s, "
        "0 = never)",
        "T" },
    { "stop-timeout", 0, 0, G_OPTION_ARG_STRING, &o->stop,
        "At shutdown, how long the pipelines may take to flush (default "
        "30 s)",
        "T" },
    { "reconnect-min", 0, 0, G_OPTION_ARG_STRING, &o->reconnect_min,
        "First reconnect delay after an outage (default 1 s)", "T" },
    { "http", 0, 0, G_OPTION_ARG_STRING, &o->http,
        "Serve /metrics, /healthz, /readyz and the web console on [HOST:]PORT "
        "(docs/console.md)",
        "ADDR" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &o->check,
        "Check the configuration and every pipeline file, then exit", NULL },
    { NULL }
  };
  GOptionContext *ctx = g_option_context_new ("- run Axion cameras");
  GError *err = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok) {
    g_printerr ("%s: %s (see --help)\n", PROG, err->message);
    g_error_free (err);
  }
  g_option_context_free (ctx);
  return ok;
}

static void
set_var (const gchar *name, const gchar *value)
{
  g_hash_table_replace (axion_run.cfg.vars, g_strdup (name), g_strdup (value));
}

static void
default_vars (void)
{
  const gchar *db = g_getenv ("AXION_DB_CONNINFO");
  const gchar *redis = g_getenv ("AXION_REDIS_URL");

  set_var ("DB", db ? db : "");
  set_var ("REDIS_URL", redis ? redis : "redis://127.0.0.1:6379/0");
  set_var ("SPOOL_ROOT", "/var/lib/axion/spool");
}

static gboolean
add_cli_camera (gchar *arg)
{
  gchar *eq = strchr (arg, '=');

  if (eq == NULL || eq == arg) {
    g_printerr ("%s: --camera takes ID=URL, not \"%s\"\n", PROG, arg);
    return FALSE;
  }
  *eq = '\0';
  if (!gst_axion_camera_id_is_valid (arg)) {
    g_printerr ("%s: camera id \"%s\" is invalid: 1-64 characters of "
                "[A-Za-z0-9_.-]\n",
        PROG, arg);
    return FALSE;
  }
  g_ptr_array_add (cameras (), axion_run_camera_new (arg, eq + 1));
  return TRUE;
}

static gboolean
cli_duration (const gchar *key, const gchar *text)
{
  GError *err = NULL;
  gchar *what = g_strconcat ("--", key, NULL);

  if (text == NULL ||
      axion_run_config_set_duration (&axion_run.cfg, key, text, &err)) {
    g_free (what);
    return TRUE;
  }
  g_printerr ("%s: %s: %s\n", PROG, what, err->message);
  g_error_free (err);
  g_free (what);
  return FALSE;
}

/* the command line wins over the file */
static gboolean
apply_options (Options *o)
{
  AxionRunConfig *cfg = &axion_run.cfg;

  if (o->db)
    set_var ("DB", o->db);
  if (o->redis)
    set_var ("REDIS_URL", o->redis);
  if (o->spool)
    set_var ("SPOOL_ROOT", o->spool);
  if (o->prefix && *o->prefix)
    set_var ("KEY_PREFIX", o->prefix);
  if (o->pipeline) {
    g_free (cfg->pipeline);
    cfg->pipeline = g_strdup (o->pipeline);
  }
  if (!cli_duration ("duration", o->duration) ||
      !cli_duration ("stall-timeout", o->stall) ||
      !cli_duration ("stop-timeout", o->stop) ||
      !cli_duration ("reconnect-min", o->reconnect_min))
    return FALSE;
  for (guint i = 0; o->cams && o->cams[i]; i++)
    if (!add_cli_camera (o->cams[i]))
      return FALSE;
  if (o->http) {
    GError *err = NULL;
    if (!axion_run_http_set ("listen", o->http, &err)) {
      g_printerr ("%s: --http: %s\n", PROG, err->message);
      g_error_free (err);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
configure (Options *o)
{
  GError *err = NULL;

  default_vars ();
  if (o->config && !axion_run_config_load (&axion_run.cfg, o->config, &err))
    goto fail;
  if (!apply_options (o))
    return FALSE;
  if (!axion_run_config_check (&axion_run.cfg, &err) ||
      !axion_run_store_check_settings (
          g_hash_table_lookup (axion_run.cfg.vars, "DB"),
          g_hash_table_lookup (axion_run.cfg.vars, "REDIS_URL"), &err) ||
      !axion_run_http_check (&err))
    goto fail;
  return TRUE;
fail:
  g_printerr ("%s: %s\n", PROG, err->message);
  g_error_free (err);
  return FALSE;
}

/* --check: every camera's pipeline builds */
static gint
check_only (void)
{
  gint rc = 0;

  for (guint i = 0; i < cameras ()->len; i++) {
    GError *err = NULL;
    if (!axion_run_camera_check (CAMERA (i), &err)) {
      g_printerr ("%s: camera %s: %s\n", PROG, CAMERA (i)->id, err->message);
      g_error_free (err);
      rc = 2;
    }
  }
  if (rc == 0)
    g_print ("%s: configuration ok: %u cameras\n", PROG, cameras ()->len);
  return rc;
}

/* ---- running ---------------------------------------------------------------
 */

#ifdef HAVE_NODE_LEASE
/* The store that leases the node: AXION_NODE_LEASE=postgresql|redis, by
 * default the database, else Redis (docs/scaling.md) */
static AxionNodeLease *
lease_from_store (
    const gchar *db, const gchar *redis, const gchar *prefix, guint ttl_ms)
{
  const gchar *choice = g_getenv ("AXION_NODE_LEASE");
  gboolean has_db = db && *db, has_redis = redis && *redis;
  gboolean want_redis = g_strcmp0 (choice, "redis") == 0 ||
      ((choice == NULL || *choice == '\0') && !has_db && has_redis);
  GstAxionIdGenerator *gen = gst_axion_id_generator_get_default ();

  if (choice && *choice && !g_str_equal (choice, "redis") &&
      !g_str_equal (choice, "postgresql"))
    g_printerr ("%s: ignoring AXION_NODE_LEASE=%s (expected off, postgresql "
                "or redis)\n",
        PROG, choice);
  if (want_redis && has_redis) {
#ifdef AXION_NODE_LEASE_REDIS
    gchar *p = g_strconcat (prefix ? prefix : "axion", ":", NULL);
    AxionNodeLease *l = axion_node_lease_start_redis (redis, p, gen, ttl_ms);
    g_free (p);
    return l;
#endif
  } else if (!want_redis && has_db) {
#ifdef AXION_NODE_LEASE_PG
    return axion_node_lease_start (db, gen, ttl_ms);
#endif
  }
  return NULL;
}
#endif

/* The id node is leased from a store the rows go to (docs/scaling.md):
 * no two live runners on any hosts make ids on one node. Not with
 * AXION_NODE_ID (the user's choice), AXION_NODE_LEASE=off, or neither
 * store. FALSE: the store did not answer yet; the cameras wait. */
static gboolean
start_node_lease (const gchar *db, const gchar *redis, const gchar *prefix)
{
#ifdef HAVE_NODE_LEASE
  const gchar *ttl = g_getenv ("AXION_NODE_LEASE_TTL_MS");
  const gchar *node_env = g_getenv ("AXION_NODE_ID");
  guint64 ttl_ms = AXION_NODE_LEASE_DEFAULT_TTL_MS;
  gint node;

  if ((node_env && *node_env) ||
      g_strcmp0 (g_getenv ("AXION_NODE_LEASE"), "off") == 0)
    return TRUE;
  if (ttl && *ttl &&
      !g_ascii_string_to_unsigned (ttl, 10, 300, 3600000, &ttl_ms, NULL))
    g_printerr ("%s: ignoring AXION_NODE_LEASE_TTL_MS=%s (expected 300 .. "
                "3600000 ms)\n",
        PROG, ttl);
  node_lease = lease_from_store (db, redis, prefix, (guint) ttl_ms);
  if (node_lease == NULL)
    return TRUE;
  node = axion_node_lease_wait (node_lease, 5000);
  if (node >= 0)
    g_print ("%s: id node %d leased from %s\n", PROG, node,
        axion_node_lease_get_store_name (node_lease));
  else if (!axion_node_lease_is_local (node_lease))
    /* the local rule could collide with another host: no ids, and so no
     * cameras, until the store answers (a camera started now would wait
     * in its first element, its frames piling up unbounded or dropped) */
    g_printerr ("%s: no id node leased from %s within 5 s (it does not "
                "answer, all nodes are held, or it has no lease data yet): "
                "waiting for one; the cameras start then (docs/scaling.md)\n",
        PROG, axion_node_lease_get_store_name (node_lease));
  return node >= 0 || axion_node_lease_is_local (node_lease);
#else
  return TRUE;
#endif
}

static void
stop_node_lease (void)
{
#ifdef HAVE_NODE_LEASE
  g_clear_pointer (&node_lease, axion_node_lease_stop);
#endif
}

static void
start_cameras (void)
{
  cameras_started = TRUE;
  for (guint i = 0; i < cameras ()->len; i++) {
    AxionRunCamera *c = CAMERA (i);
    gchar *shown;

    if (c->state == AXION_CAM_DONE) /* failed its early check */
      continue;
    shown = gst_axion_uri_strip_credentials (c->url);
    g_print ("%s: camera %s: %s (%s)\n", PROG, c->id, shown, c->pipeline_file);
    g_free (shown);
    axion_run_camera_start (c);
  }
}

#ifdef HAVE_NODE_LEASE
/* While the runner waits for its id node, a camera whose pipeline does
 * not build (an unset variable, a missing plugin) is reported at once,
 * not when the store answers (a new Redis leases no node for up to one
 * lease length, 60 s by default). FALSE: no camera is left to wait for. */
static gboolean
check_cameras_early (void)
{
  gboolean any = FALSE;

  for (guint i = 0; i < cameras ()->len; i++) {
    AxionRunCamera *c = CAMERA (i);
    GError *err = NULL;

    if (!axion_run_camera_check (c, &err)) {
      g_printerr ("%s: camera %s: %s\n", PROG, c->id, err->message);
      g_error_free (err);
      axion_run.config_error = TRUE;
      c->state = AXION_CAM_DONE;
    }
    any |= c->state != AXION_CAM_DONE;
  }
  return any;
}

/* the cameras start with the first lease */
static gboolean
poll_node_lease (gpointer data)
{
  gint node;

  if (axion_run.stopping)
    return G_SOURCE_REMOVE;
  node = axion_node_lease_wait (node_lease, 0);
  if (node < 0 && !axion_node_lease_is_local (node_lease))
    return G_SOURCE_CONTINUE;
  if (node >= 0)
    g_print ("%s: id node %d leased from %s after %.1f s\n", PROG, node,
        axion_node_lease_get_store_name (node_lease),
        (g_get_monotonic_time () - axion_run.started_us) / 1e6);
  start_cameras ();
  return G_SOURCE_REMOVE;
}
#endif

static void
run (void)
{
  AxionRunConfig *cfg = &axion_run.cfg;
  gboolean any = FALSE, lease_now;
  GError *err = NULL;

  axion_run.loop = g_main_loop_new (NULL, FALSE);
  axion_run.started_us = g_get_monotonic_time ();
  /* (a signal during the lease's first 5 s is handled right after them) */
  g_unix_signal_add (SIGINT, on_signal, GINT_TO_POINTER (SIGINT));
  g_unix_signal_add (SIGTERM, on_signal, GINT_TO_POINTER (SIGTERM));
  lease_now = start_node_lease (g_hash_table_lookup (cfg->vars, "DB"),
      g_hash_table_lookup (cfg->vars, "REDIS_URL"),
      g_hash_table_lookup (cfg->vars, "KEY_PREFIX"));
  axion_run.store = axion_run_store_new (g_hash_table_lookup (cfg->vars, "DB"),
      g_hash_table_lookup (cfg->vars, "REDIS_URL"),
      g_hash_table_lookup (cfg->vars, "KEY_PREFIX"),
      g_hash_table_lookup (cfg->vars, "SPOOL_ROOT"), store_fatal, NULL);
  axion_run_bandwidth_start ();
  if (cfg->duration_ms > 0)
    g_timeout_add (cfg->duration_ms, on_duration, NULL);
  /* not g_timeout_add_seconds: its coarse grouping shifts the second */
  g_timeout_add (1000, tick, NULL);
  if (!axion_run_http_start (&err)) {
    g_printerr ("%s: %s\n", PROG, err->message);
    g_error_free (err);
    axion_run.config_error = TRUE;
    return;
  }
  if (lease_now)
    start_cameras ();
#ifdef HAVE_NODE_LEASE
  else if (check_cameras_early ())
    g_timeout_add (100, poll_node_lease, NULL);
#endif
  for (guint i = 0; i < cameras ()->len; i++)
    any |= CAMERA (i)->state != AXION_CAM_DONE;
  if (any && !axion_run.stopping)
    g_main_loop_run (axion_run.loop);
}

static guint
summary (void)
{
  guint n_ok = 0;

  g_print ("%s%s: summary after %.1f s\n", axion_run.tty ? "\n" : "", PROG,
      (g_get_monotonic_time () - axion_run.started_us) / 1e6);
  for (guint i = 0; i < cameras ()->len; i++) {
    AxionRunCamera *c = CAMERA (i);
    g_print ("  camera %s: %u frames, %u outages, %u restarts%s%s\n", c->id,
        (guint) g_atomic_int_get (&c->frames), c->outages, c->restarts,
        c->last_error ? ", last error: " : "",
        c->last_error ? c->last_error : "");
    n_ok += c->frames > 0;
  }
  return n_ok;
}

/* Pipelines and the writer get the stop timeout each; an element or a
 * server that hangs does not hold the exit (uncommitted rows stay in the
 * sinks' spools). */
static gboolean
finish (void)
{
  guint64 t = axion_run.cfg.stop_timeout_ms;

  for (guint i = 0; i < cameras ()->len; i++)
    axion_run_camera_stop_pipeline (CAMERA (i));
  if (!axion_run_cameras_wait_teardown (t)) {
    g_printerr ("%s: a pipeline did not stop within %.1f s; exiting anyway "
                "(the sinks' spools keep uncommitted rows)\n",
        PROG, t / 1000.0);
    return FALSE;
  }
  axion_run_bandwidth_stop ();
  if (!axion_run_store_close (axion_run.store, t)) {
    g_printerr ("%s: the database or Redis did not take the last camera "
                "status within %.1f s; exiting anyway\n",
        PROG, t / 1000.0);
    return FALSE;
  }
  stop_node_lease ();
  return TRUE;
}

int
main (int argc, char **argv)
{
  Options o = { NULL };
  gint rc;

  /* messages in the user's charset (camera errors may hold any text);
   * numbers stay in the C locale (status lines, SQL parameters) */
  setlocale (LC_CTYPE, "");
  if (!parse_options (&o, &argc, &argv))
    return 2;
  axion_run.tty = isatty (STDOUT_FILENO);
  axion_run_config_init (&axion_run.cfg);
  if (!configure (&o)) {
    options_clear (&o);
    axion_run_config_clear (&axion_run.cfg);
    return 2;
  }
  if (o.check) {
    rc = check_only ();
    options_clear (&o);
    axion_run_config_clear (&axion_run.cfg);
    gst_deinit ();
    return rc;
  }
  run ();
  rc = summary () > 0 ? 0 : 1;
  if (axion_run.config_error)
    rc = 2;
  if (!finish ()) {
    fflush (stdout);
    _exit (rc);
  }
  axion_run_http_stop ();
  axion_run_config_clear (&axion_run.cfg);
  g_main_loop_unref (axion_run.loop);
  options_clear (&o);
  gst_deinit ();
  return rc;
}
