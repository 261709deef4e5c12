/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's shared types: the run's settings and its cameras.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define AXION_RUN_PROG "axion-run"

typedef enum
{
  AXION_CAM_STARTING,
  AXION_CAM_ONLINE,
  AXION_CAM_OFFLINE, /* waiting to restart */
  AXION_CAM_DONE,
} AxionCamState;

typedef struct
{
  gchar *id;
  gchar *url;
  gchar *pipeline_file;
  gchar *protocols;
  GHashTable *vars; /* extra variables of this camera */
  GstElement *pipe;
  AxionCamState state;
  guint backoff;
  guint outages;  /* offline..online periods (one per period) */
  guint restarts; /* pipelines started after the first */
  guint restart_id;
  gint tearing_down; /* (atomic) its last pipeline is still stopping */
  guint frames, frames_at_tick, frames_at_metrics;
  /* frames the camera sent: at axiongate's sink when the camera is gated
   * (an idle one reaches the sinks once in up to 10 s), else = frames;
   * the stall check watches these */
  guint received, received_at_tick;
  gboolean counts_received; /* the pipeline has axiongate */
  gint64 last_frame_us;     /* monotonic time frames last advanced */
  gint64 offline_since_us;  /* real time the current outage began, 0 online */
  gboolean offline_alerted; /* this outage has had its alert */
  gboolean spool_alerted;   /* the spool filling has had its alert */
  /* element name -> CpuMark: each Axion element's CPU total and frames at
   * the last metrics (its CPU per frame is written per 10 s window) */
  GHashTable *cpu_marks;
  gdouble fps;
  gchar *last_error;
} AxionRunCamera;

/* The run's settings: defaults, then the config file, then the command
 * line. Durations in milliseconds. */
typedef struct
{
  GPtrArray *cameras; /* AxionRunCamera */
  /* DB, REDIS_URL, SPOOL_ROOT, KEY_PREFIX and [vars] */
  GHashTable *vars;
  gchar *pipeline;     /* default pipeline file */
  guint64 duration_ms; /* 0: until a signal */
  guint64 stop_timeout_ms;
  guint64 stall_ms; /* 0: never */
  guint64 reconnect_min_ms, reconnect_max_ms;
  guint64 offline_alert_ms;  /* [alerts] camera-offline; 0: none */
  gdouble spool_alert_ratio; /* [alerts] spool-filling; 0: none */
} AxionRunConfig;

/* The running process (axion-run.c) */
typedef struct _AxionRunStore AxionRunStore;
typedef struct
{
  AxionRunConfig cfg;
  AxionRunStore *store;
  GMainLoop *loop;
  gboolean stopping;
  gboolean tty;
  gboolean config_error; /* exit 2 */
  gint64 started_us;
} AxionRun;

extern AxionRun axion_run;

/* axion-run.c: quits the loop when every camera is done */
void axion_run_maybe_quit (void);
/* axion-run.c: a configuration the servers refuse: stops the run, exit 2 */
void axion_run_config_error (const gchar *why);

AxionRunCamera *axion_run_camera_new (const gchar *id, const gchar *url);
void axion_run_camera_free (AxionRunCamera *c);

G_END_DECLS
