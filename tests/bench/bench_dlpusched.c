/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axiondlpusched's scheduler against the two policies users have today, on
 * the same offered load, with one accelerator that takes 50 ms per
 * inference (capacity 20/s): "equal" = 10 static cameras at 10 fps;
 * "mixed" = camera 0 at 30 fps, the rest at 10 fps, cameras 0 and 1 with
 * motion (offered 120 frames/s).
 *
 * - axion:    axion_sched_acquire()/release() (the element's scheduler)
 * - interval: every camera infers every Nth frame (DeepStream `interval`,
 *             DL Streamer `inference-interval`) and waits for the busy
 *             accelerator
 * - fifo:     every frame goes into one FIFO queue of 10 served by the
 *             accelerator (Frigate-like); full queue = frame dropped
 *
 * Printed per policy: utilisation, Jain fairness of inference counts over
 * the static cameras, share of the motion cameras, worst gap between two
 * inferences of a camera, and the latency added to frames (time from the
 * frame's arrival until it may go on) — mean and p95 over all frames, and
 * the mean wait of inferred frames.
 */
#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axionsched.h"

#define N_CAMS 10
#define INFER_MS 50
#define RUN_S 10

typedef enum
{
  POLICY_AXION,
  POLICY_INTERVAL,
  POLICY_FIFO,
} Policy;

typedef struct
{
  guint id;
  guint fps;
  gboolean motion;
  Policy policy;
  gint64 t_end;
  /* results */
  guint ran;
  gint64 last_run, max_gap;
  GArray *added_us; /* per frame */
  gdouble wait_sum_ms;
  AxionSchedClient *client;
} Cam;

static gboolean mixed;    /* scenario: camera 0 at 30 fps, 0 and 1 motion */
static GMutex accel_lock; /* interval: the accelerator */
static gint64 busy_us;
static GMutex busy_lock;

/* fifo */
typedef struct
{
  Cam *cam;
  gint64 arrival;
} Job;
static GAsyncQueue *fifo;
static gint fifo_len;
#define FIFO_CAP 10

static gint inside, overlaps;

static void
accelerate (void)
{
  gint64 t0 = g_get_monotonic_time ();
  if (g_atomic_int_add (&inside, 1) != 0)
    g_atomic_int_inc (&overlaps);
  g_usleep (INFER_MS * 1000);
  g_atomic_int_add (&inside, -1);
  g_mutex_lock (&busy_lock);
  busy_us += g_get_monotonic_time () - t0;
  g_mutex_unlock (&busy_lock);
}

static void
note_run (Cam *c, gint64 now)
{
  if (c->last_run)
    c->max_gap = MAX (c->max_gap, now - c->last_run);
  c->last_run = now;
  c->ran++;
}

static gpointer
fifo_worker (gpointer data)
{
  gint64 t_end = *(gint64 *) data;

  for (;;) {
    Job *j = g_async_queue_timeout_pop (fifo, 100000);
    if (j == NULL) {
      if (g_get_monotonic_time () > t_end)
        break;
      continue;
    }
    g_atomic_int_add (&fifo_len, -1);
    accelerate ();
    note_run (j->cam, g_get_monotonic_time ());
    j->cam->wait_sum_ms += (g_get_monotonic_time () - j->arrival) / 1000.0 -
        INFER_MS;
    g_free (j);
  }
  return NULL;
}

static gpointer
camera_main (gpointer data)
{
  Cam *c = data;
  gint64 period = G_USEC_PER_SEC / c->fps;
  gint64 next = g_get_monotonic_time () + g_random_int_range (0, period);
  guint64 n = 0;

  while (next < c->t_end) {
    gint64 arrival, done;
    gint64 now = g_get_monotonic_time ();

    if (next > now)
      g_usleep (next - now);
    arrival = MAX (next, g_get_monotonic_time ());
    next += period;
    n++;
    switch (c->policy) {
    case POLICY_AXION: {
      gdouble wait_ms;
      if (axion_sched_acquire (c->client, c->motion, n, 0, &wait_ms) ==
          AXION_SCHED_RUN) {
        gint64 t0 = g_get_monotonic_time ();
        accelerate ();
        axion_sched_release (
            c->client, (g_get_monotonic_time () - t0) / 1000.0);
        note_run (c, t0);
        c->wait_sum_ms += wait_ms;
      }
      break;
    }
    case POLICY_INTERVAL:
      /* every Nth frame, N = offered / capacity (6 mixed, 5 equal) */
      if (n % (mixed ? 6 : 5) == 0) {
        gint64 t0;
        g_mutex_lock (&accel_lock);
        t0 = g_get_monotonic_time ();
        c->wait_sum_ms += (t0 - arrival) / 1000.0;
        accelerate ();
        g_mutex_unlock (&accel_lock);
        note_run (c, t0);
      }
      break;
    case POLICY_FIFO:
      if (g_atomic_int_get (&fifo_len) < FIFO_CAP) {
        Job *j = g_new0 (Job, 1);
        j->cam = c;
        j->arrival = arrival;
        g_atomic_int_inc (&fifo_len);
        g_async_queue_push (fifo, j);
      }
      break;
    }
    done = g_get_monotonic_time ();
    /* for fifo the frame itself goes on at once; its result is late */
    g_array_append_val (c->added_us, (gint64){ done - arrival });
  }
  return NULL;
}

static int
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
run_policy (Policy p, const gchar *name)
{
  Cam cams[N_CAMS];
  GThread *th[N_CAMS], *worker = NULL;
  AxionSched *sched = NULL;
  gint64 t_start = g_get_monotonic_time (),
         t_end = t_start + RUN_S * G_USEC_PER_SEC;
  GArray *all = g_array_new (FALSE, FALSE, sizeof (gint64));
  gdouble s = 0, s2 = 0, motion_share, mean_added = 0, p95, wait = 0;
  guint total = 0, ran_frames = 0;
  gint64 worst_gap = 0;

  busy_us = 0;
  if (p == POLICY_AXION)
    sched = axion_sched_get (name, NULL, "axion:", 100, NULL);
  if (p == POLICY_FIFO) {
    fifo = g_async_queue_new ();
    fifo_len = 0;
    worker = g_thread_new ("fifo", fifo_worker, &t_end);
  }
  for (guint i = 0; i < N_CAMS; i++) {
    Cam *c = &cams[i];
    memset (c, 0, sizeof (*c));
    c->id = i;
    c->fps = mixed && i == 0 ? 30 : 10;
    c->motion = mixed && i < 2;
    c->policy = p;
    c->t_end = t_end;
    c->added_us = g_array_new (FALSE, FALSE, sizeof (gint64));
    if (sched) {
      gchar cam[16];
      g_snprintf (cam, sizeof (cam), "cam%u", i);
      c->client = axion_sched_client_new (sched, cam);
      axion_sched_client_configure (c->client, 1, 2000, 1000);
    }
  }
  for (guint i = 0; i < N_CAMS; i++)
    th[i] = g_thread_new ("cam", camera_main, &cams[i]);
  for (guint i = 0; i < N_CAMS; i++)
    g_thread_join (th[i]);
  if (worker)
    g_thread_join (worker);

  for (guint i = 0; i < N_CAMS; i++) {
    Cam *c = &cams[i];
    total += c->ran;
    wait += c->wait_sum_ms;
    if (!mixed || i >= 2) {
      s += c->ran;
      s2 += (gdouble) c->ran * c->ran;
      worst_gap = MAX (
          worst_gap, c->max_gap ? c->max_gap : (gint64) RUN_S * G_USEC_PER_SEC);
    }
    g_array_append_vals (all, c->added_us->data, c->added_us->len);
    g_array_free (c->added_us, TRUE);
    if (c->client)
      axion_sched_client_free (c->client);
  }
  ran_frames = total;
  motion_share = total ? (gdouble) (cams[0].ran + cams[1].ran) / total : 0;
  g_array_sort (all, cmp_i64);
  for (guint i = 0; i < all->len; i++)
    mean_added += g_array_index (all, gint64, i);
  mean_added = all->len ? mean_added / all->len / 1000.0 : 0;
  p95 = all->len
      ? g_array_index (all, gint64, (guint) (all->len * 0.95)) / 1000.0
      : 0;
  g_print ("%-11s %6.1f%% %8.3f %8.0f%% %10.0f %9.1f %8.1f %11.1f   %s\n", name,
      100.0 * busy_us / (gdouble) (g_get_monotonic_time () - t_start),
      s2 > 0 ? s * s / ((mixed ? N_CAMS - 2 : N_CAMS) * s2) : 0,
      100 * motion_share, worst_gap / 1000.0, mean_added, p95,
      ran_frames ? wait / ran_frames : 0,
      overlaps ? "OVERLAPPING INFERENCES" : "");
  overlaps = 0;
  g_print ("          counts:");
  for (guint i = 0; i < N_CAMS; i++)
    g_print (" %u", cams[i].ran);
  g_print ("\n");
  if (sched)
    axion_sched_unref (sched);
  if (fifo) {
    g_async_queue_unref (fifo);
    fifo = NULL;
  }
  g_array_free (all, TRUE);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  for (int sc = 0; sc < 2; sc++) {
    mixed = sc == 1;
    if (mixed)
      g_print ("\nmixed: camera 0 at 30 fps + 9 cameras at 10 fps (cameras 0, "
               "1 with motion) = 120 frames/s");
    else
      g_print ("equal: 10 static cameras at 10 fps = 100 frames/s");
    g_print ("; accelerator %d ms/inference = %d/s; %d s per policy\n",
        INFER_MS, 1000 / INFER_MS, RUN_S);
    g_print ("%-11s %7s %8s %9s %10s %9s %8s %11s\n", "policy", "util",
        "Jain(st)", "motion%", "gap-max-ms", "added-ms", "p95-ms",
        "infer-wait");
    run_policy (POLICY_AXION, mixed ? "axion-mixed" : "axion");
    run_policy (POLICY_INTERVAL, "interval");
    run_policy (POLICY_FIFO, "fifo");
  }
  g_print ("\nJain(st): fairness of inference counts over the static "
           "cameras (1 = equal). motion%%: share of inferences that went to "
           "the 2 motion cameras. gap-max-ms: longest time a static camera "
           "went without inference. added-ms/p95-ms: delay of every frame "
           "before it may go on (fifo: 0, but its results arrive "
           "infer-wait ms + 50 ms late). infer-wait: mean wait of inferred "
           "frames for the accelerator.\n");
  return 0;
}
