/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_SCHED_H__
#define __AXION_SCHED_H__

#include <glib.h>

G_BEGIN_DECLS

/*
 * The accelerator scheduler behind axiondlpusched (internal to the plugin,
 * also compiled into the benchmark).
 *
 * One AxionSched per accelerator name per process; each camera is a client.
 * A frame asks for a slot with axion_sched_acquire():
 *
 * - accelerator idle            -> RUN at once
 * - accelerator busy            -> the frame competes for one of two
 *                                  waiting places: the best requests
 *                                  (class, then start tag) wait for the
 *                                  running inference, a worse one is
 *                                  SKIPped at once
 * - waited longer than stale-ms -> STALE
 *
 * Requests are ordered by class (overdue: no inference for max-idle-ms;
 * then frames with motion or a scene change; then the rest) and inside a
 * class by start-time fair queueing on finish tags: F += inference_ms /
 * weight after each inference, lowest F first (ties: longest since its last
 * inference). A camera that asks in a class after a pause is lifted to the
 * lowest F of the cameras asking in that class, so idle time earns no
 * credit. Equal weights get equal accelerator time; weight 2 gets twice as
 * much.
 * An idle accelerator waits AXION_SCHED_GATHER_US for requests arriving at
 * the same moment so the best, not the first, gets it.
 *
 * With a Redis URL, the process's local winner must also win the Redis
 * queue (sorted set, score = class and start tag) and take the Redis lock
 * (SET NX PX, renewed while the inference runs, released only by its
 * owner), so processes on one or many hosts share one accelerator.
 */

typedef struct _AxionSched AxionSched;
typedef struct _AxionSchedClient AxionSchedClient;

typedef enum
{
  AXION_SCHED_RUN,
  AXION_SCHED_SKIP,
  AXION_SCHED_STALE,
} AxionSchedVerdict;

typedef enum
{
  AXION_SCHED_CLASS_OVERDUE = 0,
  AXION_SCHED_CLASS_ACTIVE = 1,
  AXION_SCHED_CLASS_STATIC = 2,
} AxionSchedClass;

typedef struct
{
  guint64 ran, skipped, stale, displaced, redis_errors;
  gdouble wait_ms_sum, wait_ms_max, run_ms_sum;
  gdouble finish_tag;
  guint64 budget_skipped; /* skipped: the camera would fall behind */
  /* Redis lease: lost while the inference ran (another process may have
   * used the accelerator at the same time), or too short when the
   * inference was to start (the frame passed on without inference) */
  guint64 leases_lost, leases_expired;
  guint64 fence; /* fencing number of the latest grant */
} AxionSchedClientStats;

/* accelerator-wide figures: with Redis, of all processes sharing the
 * accelerator (from the shared stats hash, between this scheduler's first
 * and latest exchange with Redis); the process_* ones are this process's
 * own (equal to the accelerator's without Redis) */
typedef struct
{
  guint64 inferences;
  gdouble busy_ms;
  gdouble elapsed_ms;
  gdouble avg_inference_ms;
  guint clients;
  guint64 lock_contentions;
  gboolean redis;
  guint64 process_inferences;
  gdouble process_busy_ms;
  gdouble process_elapsed_ms;
} AxionSchedStats;

AxionSched *axion_sched_get (const gchar *accelerator, const gchar *redis_url,
    const gchar *prefix, guint lock_ttl_ms, GError **error);
void axion_sched_unref (AxionSched *sched);
void axion_sched_get_stats (AxionSched *sched, AxionSchedStats *stats);

AxionSchedClient *
axion_sched_client_new (AxionSched *sched, const gchar *camera_id);
void axion_sched_client_free (AxionSchedClient *client);
void axion_sched_client_configure (AxionSchedClient *client, gdouble weight,
    guint max_idle_ms, guint stale_ms);
void axion_sched_client_get_stats (
    AxionSchedClient *client, AxionSchedClientStats *stats);

AxionSchedVerdict
axion_sched_acquire (AxionSchedClient *client, gboolean active,
    guint64 frame_number, gint64 frame_age_us, gdouble *wait_ms);
void axion_sched_release (AxionSchedClient *client, gdouble run_ms);

/* Fencing number of the client's current (or latest) grant: with Redis an
 * INCR of <prefix>:dlpu:scheduler:fence taken with the lock, else a
 * process-local counter. Grants of one accelerator get increasing numbers. */
guint64 axion_sched_client_fence (AxionSchedClient *client);

/* Call right before the inference starts (after axion_sched_acquire
 * returned RUN). TRUE: go ahead. With Redis, TRUE only when the lease has
 * at least the expected inference time plus a margin left by this
 * process's monotonic clock, counted from before the acquiring command was
 * sent (extended once, synchronously, when it has not); FALSE: the lease
 * is lost or too short, do not run, call axion_sched_cancel(). */
gboolean axion_sched_begin (AxionSchedClient *client);
/* Gives up a slot that axion_sched_begin() refused (counted as skipped). */
void axion_sched_cancel (AxionSchedClient *client);

G_END_DECLS

#endif /* __AXION_SCHED_H__ */
