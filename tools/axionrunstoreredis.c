/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's writer, Redis: the cameras' live state (§2.2 state hash and
 * the active set) and the delivery sinks' queue entries of the runner's
 * alerts. 1 s to connect and per command. The live state is written again
 * every 10 s, so a Redis that restarted without its data, or missed a
 * change while away, has it back within that; a queue entry Redis did not
 * take is kept in order and pushed when it answers again (an alert that
 * is not delivered is a lost alert).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunstore-private.h"

#ifdef HAVE_HIREDIS

#define REFRESH_US (10 * G_USEC_PER_SEC)

typedef struct
{
  gboolean online;
  gchar *why;
  gint64 time_us;
} LiveStatus;

static void
live_status_free (LiveStatus *l)
{
  g_free (l->why);
  g_free (l);
}

gboolean
axion_run_store_redis_ready (AxionRunStore *s)
{
  GstAxionRedisUrl u;
  AxionRedisFailure failure;
  gchar *err = NULL;

  if (s->rds)
    return TRUE;
  if (s->rds_off || g_get_monotonic_time () < s->rds_retry_us)
    return FALSE;
  if (!gst_axion_redis_url_parse (s->redis_url, &u, NULL)) {
    s->rds_off = TRUE;
    axion_run_store_report_fatal (s,
        g_strdup ("the Redis URL cannot be parsed: give "
                  "redis://[user:password@]host[:port][/db] or "
                  "unix:///path/to/socket"));
    return FALSE;
  }
  s->rds = axion_redis_connect (&u, 1000, 1000, &failure, &err);
  gst_axion_redis_url_clear (&u);
  if (s->rds == NULL && failure != AXION_REDIS_UNREACHABLE) {
    s->rds_off = TRUE;
    axion_run_store_report_fatal (s,
        g_strdup ("Redis refused the credentials or database "
                  "of the Redis URL"));
  }
  g_free (err);
  if (s->rds == NULL)
    s->rds_retry_us = g_get_monotonic_time () + AXION_RUN_STORE_RETRY_US;
  return s->rds != NULL;
}

/* FALSE: Redis did not take it (away, or the connection broke) */
static gboolean
redis_cmd (AxionRunStore *s, gint argc, const gchar **argv)
{
  redisReply *r;

  if (!axion_run_store_redis_ready (s))
    return FALSE;
  r = redisCommandArgv (s->rds, argc, argv, NULL);
  if (r == NULL) {
    g_clear_pointer (&s->rds, redisFree);
    s->rds_retry_us = g_get_monotonic_time () + AXION_RUN_STORE_RETRY_US;
    return FALSE;
  }
  freeReplyObject (r);
  return TRUE;
}

/* ---- the delivery queue entries ----------------------------------------- */

static gboolean
push_entry (AxionRunStore *s, const gchar *channel, const gchar *entry)
{
  gchar *key = g_strdup_printf ("%s:queue:%s:failed", s->prefix, channel);
  const gchar *push[] = { "LPUSH", key, entry };
  gboolean done = redis_cmd (s, G_N_ELEMENTS (push), push);

  g_free (key);
  return done;
}

/* the kept entries (channel, entry pairs), in order, as far as Redis
 * takes them */
static void
flush_entries (AxionRunStore *s)
{
  gchar **e;

  while (
      (e = g_queue_peek_head (&s->rds_backlog)) && push_entry (s, e[0], e[1]))
    g_strfreev (g_queue_pop_head (&s->rds_backlog));
}

/* a message for the delivery sinks: the §2.6 failed list of its channel,
 * which every running sink of the channel empties (docs/alerts.md) */
void
axion_run_store_redis_queue (AxionRunStore *s, Job *j)
{
  gchar **e;

  flush_entries (s);
  if (g_queue_is_empty (&s->rds_backlog) &&
      push_entry (s, j->camera_id, j->data))
    return;
  if (s->rds_off)
    return;
  if (g_queue_get_length (&s->rds_backlog) >= AXION_RUN_STORE_MAX_BACKLOG) {
    g_strfreev (g_queue_pop_head (&s->rds_backlog));
    if (s->rds_dropped++ == 0)
      g_printerr ("%s: Redis away: %d alert messages wait; the oldest are "
                  "dropped from now on\n",
          AXION_RUN_PROG, AXION_RUN_STORE_MAX_BACKLOG);
  }
  e = g_new0 (gchar *, 3);
  e[0] = g_strdup (j->camera_id);
  e[1] = g_strdup (j->data);
  g_queue_push_tail (&s->rds_backlog, e);
}

/* ---- the live state ----------------------------------------------------- */

static void
write_status (AxionRunStore *s, const gchar *camera_id, const LiveStatus *l)
{
  gchar *key = g_strdup_printf ("%s:camera:%s:state", s->prefix, camera_id);
  gchar *set = g_strdup_printf ("%s:cameras:active", s->prefix);
  gchar *ts = g_strdup_printf ("%.3f", l->time_us / 1e6);
  const gchar *hset[] = { "HSET", key, "status",
    l->online ? "online" : "offline", "last_status_change", ts, "last_error",
    l->why };
  const gchar *member[] = { l->online ? "SADD" : "SREM", set, camera_id };

  /* an outage's reason is the camera's §2.2 last_error (kept once it is
   * back online: the last error there was) */
  if (redis_cmd (s, G_N_ELEMENTS (hset) - (!l->online && l->why ? 0 : 2), hset))
    redis_cmd (s, G_N_ELEMENTS (member), member);
  g_free (key);
  g_free (set);
  g_free (ts);
}

void
axion_run_store_redis_status (AxionRunStore *s, Job *j)
{
  LiveStatus *l = g_new0 (LiveStatus, 1);

  l->online = j->online;
  l->why = g_strdup (j->why);
  l->time_us = j->time_us;
  if (s->last_status == NULL)
    s->last_status = g_hash_table_new_full (
        g_str_hash, g_str_equal, g_free, (GDestroyNotify) live_status_free);
  g_hash_table_replace (s->last_status, g_strdup (j->camera_id), l);
  write_status (s, j->camera_id, l);
}

void
axion_run_store_redis_tick (AxionRunStore *s)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  gpointer k, v;

  if (!*s->redis_url || s->rds_off)
    return;
  flush_entries (s);
  if (now < s->refresh_us || s->last_status == NULL)
    return;
  s->refresh_us = now + REFRESH_US;
  g_hash_table_iter_init (&it, s->last_status);
  while (g_hash_table_iter_next (&it, &k, &v))
    write_status (s, k, v);
}

guint
axion_run_store_redis_finish (AxionRunStore *s)
{
  guint left;

  s->rds_retry_us = 0; /* one more attempt, whatever the retry time */
  if (*s->redis_url && !s->rds_off)
    flush_entries (s);
  left = g_queue_get_length (&s->rds_backlog);
  g_clear_pointer (&s->last_status, g_hash_table_unref);
  g_clear_pointer (&s->rds, redisFree);
  return left;
}

#endif /* HAVE_HIREDIS */
