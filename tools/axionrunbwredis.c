/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The bandwidth controller's Redis side (axionrunbwredis.h).
 *
 * Sharing one budget: every process holds its share as a reservation
 * (hash <prefix>:bandwidth:global:reservations, owner -> kbps) under a
 * lease (sorted set <prefix>:bandwidth:global:leases, owner -> expiry in
 * Redis' own clock, ms). Each second a process
 *   1. reads the others' live reservations (expired leases are removed
 *      first: a process killed with -9 frees its share within the lease),
 *   2. decides its cameras' levels within budget - others (pure C),
 *   3. commits the sum in one script that checks again that it fits
 *      (another process may have taken some in between); a refused
 *      commit changes nothing and the next second decides again.
 * Both steps are Lua scripts, so the sum of the live reservations never
 * exceeds the budget. The schema document's budget string holds what is
 * left, in Mbps (its "GET remaining").
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunbwredis.h"

#ifdef HAVE_HIREDIS
#include <gst/axion/axionredisconn.h>
#endif
#include <gst/axion/axion.h>
#include <math.h>
#include <string.h>

#define RETRY_US (2 * G_USEC_PER_SEC)

struct _AxionBwRedis
{
  gchar *url, *owner;
  guint lease_ms;
  void (*done) (AxionBwJob *j);
  GThread *thread;
  GAsyncQueue *q;
  gint busy; /* (atomic) a job is out */
  gchar *k_res, *k_lease, *k_budget, *k_rank, *k_wait, *prefix;
#ifdef HAVE_HIREDIS
  redisContext *rds;
  gint64 retry_us;
#endif
};

static AxionBwJob stop_job; /* the sentinel */

static void bw_redis_clear (AxionBwRedis *r);

void
axion_bw_job_free (AxionBwJob *j)
{
  if (j == NULL)
    return;
  g_free (j->in);
  g_free (j->out);
  g_free (j->adjusted_at);
  g_free (j->last_reason);
  g_strfreev (j->measured_ids);
  g_free (j->measured_kbps);
  g_free (j->error);
  g_free (j);
}

/* expired leases go with their reservations (and waiting priorities);
 * then others' sum, mine, and the top priority another runner waits with */
#define EXPIRE_AND_SUM_LUA                                                     \
  "local t = redis.call('TIME')\n"                                             \
  "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"    \
  "for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do\n" \
  "  redis.call('HDEL', KEYS[1], m)\n"                                         \
  "  redis.call('HDEL', KEYS[4], m)\n"                                         \
  "  redis.call('ZREM', KEYS[2], m)\n"                                         \
  "end\n"                                                                      \
  "local others, mine, top = 0, 0, 0\n"                                        \
  "local all = redis.call('HGETALL', KEYS[1])\n"                               \
  "for i = 1, #all, 2 do\n"                                                    \
  "  if all[i] == ARGV[1] then mine = tonumber(all[i + 1])\n"                  \
  "  else others = others + tonumber(all[i + 1]) end\n"                        \
  "end\n"                                                                      \
  "all = redis.call('HGETALL', KEYS[4])\n"                                     \
  "for i = 1, #all, 2 do\n"                                                    \
  "  if all[i] ~= ARGV[1] and tonumber(all[i + 1]) > top then\n"               \
  "    top = tonumber(all[i + 1]) end\n"                                       \
  "end\n"

/* KEYS: reservations, leases, budget, waiting; ARGV: owner, lease ms.
 * Renews our lease; returns {others, mine, top} (as text: Lua numbers
 * become integers) */
static const gchar VIEW_LUA[] = EXPIRE_AND_SUM_LUA
    "if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then\n"
    "  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])\n"
    "end\n"
    "return {tostring(others), tostring(mine), tostring(top)}\n";

/* KEYS: reservations, leases, budget, waiting; ARGV: owner, lease ms,
 * want kbps, budget kbps, the priority our cameras wait with (0: none).
 * Takes @want when it fits beside the others (or is no more than we
 * hold); sets the budget string to what is left (Mbps); returns
 * {1 taken | 0 refused, others} */
static const gchar COMMIT_LUA[] = EXPIRE_AND_SUM_LUA
    "if tonumber(ARGV[5]) > 0 then\n"
    "  redis.call('HSET', KEYS[4], ARGV[1], ARGV[5])\n"
    "  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])\n"
    "else redis.call('HDEL', KEYS[4], ARGV[1]) end\n"
    "local want = tonumber(ARGV[3])\n"
    "local ok = 0\n"
    "if want <= tonumber(ARGV[4]) - others or want <= mine then\n"
    "  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])\n"
    "  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])\n"
    "  mine = want\n"
    "  ok = 1\n"
    "end\n"
    "redis.call('SET', KEYS[3], string.format('%.3f',\n"
    "  (tonumber(ARGV[4]) - others - mine) / 1000))\n"
    "return {ok, tostring(others)}\n";

/* KEYS: reservations, leases, budget, waiting; ARGV: owner, budget kbps */
static const gchar RELEASE_LUA[] = EXPIRE_AND_SUM_LUA
    "redis.call('HDEL', KEYS[1], ARGV[1])\n"
    "redis.call('HDEL', KEYS[4], ARGV[1])\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "if tonumber(ARGV[2]) > 0 then\n"
    "  redis.call('SET', KEYS[3], string.format('%.3f',\n"
    "    (tonumber(ARGV[2]) - others) / 1000))\n"
    "end\n"
    "return others\n";

#ifdef HAVE_HIREDIS
static gboolean
ready (AxionBwRedis *r, gchar **error)
{
  GstAxionRedisUrl u;
  AxionRedisFailure failure;
  gchar *err = NULL;

  if (r->rds)
    return TRUE;
  if (g_get_monotonic_time () < r->retry_us) {
    *error = g_strdup ("Redis unreachable (retrying)");
    return FALSE;
  }
  if (!gst_axion_redis_url_parse (r->url, &u, NULL)) {
    *error = g_strdup ("the Redis URL cannot be parsed");
    r->retry_us = G_MAXINT64;
    return FALSE;
  }
  r->rds = axion_redis_connect (&u, 1000, 1000, &failure, &err);
  gst_axion_redis_url_clear (&u);
  if (r->rds == NULL) {
    *error = g_strdup_printf ("Redis: %s", err ? err : "unreachable");
    r->retry_us = g_get_monotonic_time () + RETRY_US;
  }
  g_free (err);
  return r->rds != NULL;
}

static redisReply *
command (AxionBwRedis *r, GPtrArray *argv, gchar **error)
{
  redisReply *rep;

  if (!ready (r, error))
    return NULL;
  rep = redisCommandArgv (
      r->rds, (gint) argv->len, (const gchar **) argv->pdata, NULL);
  if (rep == NULL) {
    *error = g_strdup_printf ("Redis: %s", r->rds->errstr);
    g_clear_pointer (&r->rds, redisFree);
    r->retry_us = g_get_monotonic_time () + RETRY_US;
  } else if (rep->type == REDIS_REPLY_ERROR) {
    *error = g_strdup_printf ("Redis: %s", rep->str);
    g_clear_pointer (&rep, freeReplyObject);
  }
  return rep;
}

static gdouble
element_number (redisReply *rep, guint i)
{
  redisReply *e;

  if (rep->type != REDIS_REPLY_ARRAY || rep->elements <= i)
    return 0;
  e = rep->element[i];
  if (e->type == REDIS_REPLY_INTEGER)
    return (gdouble) e->integer;
  if (e->type == REDIS_REPLY_STRING)
    return g_ascii_strtod (e->str, NULL);
  return 0;
}

static GPtrArray *
args (const gchar *first, ...)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  va_start (ap, first);
  for (const gchar *s = first; s; s = va_arg (ap, const gchar *))
    g_ptr_array_add (a, g_strdup (s));
  va_end (ap);
  return a;
}

static void
add_num (GPtrArray *a, gdouble v, guint decimals)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ptr_array_add (a,
      g_strdup (
          g_ascii_formatd (buf, sizeof (buf), decimals ? "%.3f" : "%.0f", v)));
}

static void
script_args (AxionBwRedis *r, GPtrArray *a, const gchar *lua, guint nkeys)
{
  g_ptr_array_add (a, g_strdup (lua));
  g_ptr_array_add (a, g_strdup_printf ("%u", nkeys));
  g_ptr_array_add (a, g_strdup (r->k_res));
  g_ptr_array_add (a, g_strdup (r->k_lease));
  g_ptr_array_add (a, g_strdup (r->k_budget));
  g_ptr_array_add (a, g_strdup (r->k_wait));
  g_ptr_array_add (a, g_strdup (r->owner));
}

static gboolean
run_script (AxionBwRedis *r, GPtrArray *a, gdouble *v0, gdouble *v1,
    gdouble *v2, gchar **error)
{
  redisReply *rep = command (r, a, error);

  g_ptr_array_unref (a);
  if (rep == NULL)
    return FALSE;
  *v0 = element_number (rep, 0);
  if (v1)
    *v1 = element_number (rep, 1);
  if (v2)
    *v2 = element_number (rep, 2);
  freeReplyObject (rep);
  return TRUE;
}

/* 1-2: the others' share, the decision, our share taken */
static void
decide (AxionBwRedis *r, AxionBwJob *j)
{
  GPtrArray *a = args ("EVAL", NULL);
  gdouble mine = 0, taken = 0, want, top = 0;
  gint waiting = 0;

  script_args (r, a, VIEW_LUA, 4);
  add_num (a, r->lease_ms, 0);
  if (!run_script (r, a, &j->others_kbps, &mine, &top, &j->error))
    return;
  j->policy.yield_below = (gint) top;
  want = axion_bw_allocate (
      &j->policy, j->in, j->n, j->budget_kbps - j->others_kbps, j->out);
  /* our cameras short of budget: the highest priority among them, for
   * the other runners' lower-priority cameras to give way to (+1: 0 is
   * "none", and priority 0 gives way to nobody) */
  for (guint i = 0; i < j->n; i++)
    if (j->out[i].waiting)
      waiting = MAX (waiting, j->in[i].priority + 1);
  a = args ("EVAL", NULL);
  script_args (r, a, COMMIT_LUA, 4);
  add_num (a, r->lease_ms, 0);
  add_num (a, ceil (want), 0);
  add_num (a, j->budget_kbps, 0);
  add_num (a, waiting, 0);
  if (!run_script (r, a, &taken, &j->others_kbps, NULL, &j->error))
    return;
  j->committed = taken > 0;
  j->reserved_kbps = j->committed ? ceil (want) : mine;
}

static void
append (GString *cmds, guint *n, GPtrArray *a)
{
  /* RESP by hand: one write for every key of the second */
  g_string_append_printf (cmds, "*%u\r\n", a->len);
  for (guint i = 0; i < a->len; i++) {
    const gchar *s = a->pdata[i];
    g_string_append_printf (cmds, "$%zu\r\n%s\r\n", strlen (s), s);
  }
  (*n)++;
  g_ptr_array_unref (a);
}

static void
hset_allocation (
    AxionBwRedis *r, AxionBwJob *j, guint i, GString *cmds, guint *n)
{
  const AxionBwLevel *l = &j->levels[j->out[i].level];
  gchar *key = g_strdup_printf (
      "%s:bandwidth:%s:allocation", r->prefix, j->in[i].id);
  GPtrArray *a = args ("HSET", key, "quality_level", l->name, NULL);

  g_ptr_array_add (a, g_strdup ("target_fps"));
  add_num (a, l->fps, 0);
  g_ptr_array_add (a, g_strdup ("max_bitrate_kbps"));
  add_num (a, l->kbps, 0);
  g_ptr_array_add (a, g_strdup ("compression_quality"));
  add_num (a, l->compression, 0);
  g_ptr_array_add (a, g_strdup ("resolution"));
  g_ptr_array_add (a, g_strdup (l->resolution));
  if (j->out[i].reason) {
    j->adjusted_at[i] = g_get_real_time () / G_USEC_PER_SEC;
    j->last_reason[i] = j->out[i].reason;
  }
  g_ptr_array_add (a, g_strdup ("last_adjustment_at"));
  add_num (a, (gdouble) j->adjusted_at[i], 0);
  g_ptr_array_add (a, g_strdup ("adjustment_reason"));
  g_ptr_array_add (a,
      g_strdup (j->last_reason[i] ? j->last_reason[i] : "initial_allocation"));
  if (j->in[i].measured_kbps >= 0) {
    g_ptr_array_add (a, g_strdup ("current_bitrate_kbps"));
    add_num (a, j->in[i].measured_kbps, 0);
  }
  append (cmds, n, a);
  g_free (key);
}

static void
measured (AxionBwRedis *r, const gchar *id, gdouble kbps, gboolean hset,
    GString *cmds, guint *n)
{
  gchar *key;

  if (kbps < 0)
    return;
  if (hset) {
    GPtrArray *a;
    key = g_strdup_printf ("%s:bandwidth:%s:allocation", r->prefix, id);
    a = args ("HSET", key, "current_bitrate_kbps", NULL);
    add_num (a, kbps, 0);
    append (cmds, n, a);
    g_free (key);
  }
  {
    GPtrArray *a = args ("ZADD", r->k_rank, NULL);
    add_num (a, kbps, 0);
    g_ptr_array_add (a, g_strdup (id));
    append (cmds, n, a);
  }
}

/* 3: the §2.4 keys (the allocations only when ours were taken: a refused
 * commit leaves the cameras, and their hashes, as they were) */
static void
publish (AxionBwRedis *r, AxionBwJob *j)
{
  GString *cmds = g_string_sized_new (2048);
  guint n = 0;

  for (guint i = 0; i < j->n; i++) {
    if (j->committed)
      hset_allocation (r, j, i, cmds, &n);
    measured (r, j->in[i].id, j->in[i].measured_kbps, !j->committed, cmds, &n);
  }
  for (guint i = 0; i < j->m; i++)
    measured (r, j->measured_ids[i], j->measured_kbps[i], TRUE, cmds, &n);
  if (n && ready (r, &j->error)) {
    redisAppendFormattedCommand (r->rds, cmds->str, cmds->len);
    for (guint k = 0; k < n; k++) {
      redisReply *rep = NULL;
      if (redisGetReply (r->rds, (void **) &rep) != REDIS_OK) {
        g_free (j->error);
        j->error = g_strdup_printf ("Redis: %s", r->rds->errstr);
        g_clear_pointer (&r->rds, redisFree);
        r->retry_us = g_get_monotonic_time () + RETRY_US;
        break;
      }
      freeReplyObject (rep);
    }
  }
  g_string_free (cmds, TRUE);
}

static void
release (AxionBwRedis *r, gdouble budget_kbps)
{
  GPtrArray *a = args ("EVAL", NULL);
  gchar *err = NULL;
  gdouble others;

  script_args (r, a, RELEASE_LUA, 4);
  add_num (a, budget_kbps, 0);
  run_script (r, a, &others, NULL, NULL, &err);
  g_free (err);
}
#endif

typedef struct
{
  AxionBwRedis *r;
  AxionBwJob *j;
} Done;

static gboolean
deliver (gpointer data)
{
  Done *d = data;

  if (d->r->done)
    d->r->done (d->j);
  axion_bw_job_free (d->j);
  g_atomic_int_set (&d->r->busy, 0);
  g_atomic_rc_box_release_full (d->r, (GDestroyNotify) bw_redis_clear);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer data)
{
  AxionBwRedis *r = data;
  gdouble last_budget = 0;

  for (;;) {
    AxionBwJob *j = g_async_queue_pop (r->q);
    Done *d;
    if (j == &stop_job)
      break;
    last_budget = j->budget_kbps;
#ifdef HAVE_HIREDIS
    if (j->budget_kbps > 0 && j->n > 0)
      decide (r, j);
    if (j->error == NULL)
      publish (r, j);
#else
    j->error = g_strdup ("built without hiredis");
#endif
    d = g_new (Done, 1);
    d->r = g_atomic_rc_box_acquire (r);
    d->j = j;
    g_main_context_invoke (NULL, deliver, d);
  }
#ifdef HAVE_HIREDIS
  release (r, last_budget);
  g_clear_pointer (&r->rds, redisFree);
#endif
  return NULL;
}

AxionBwRedis *
axion_bw_redis_new (const gchar *redis_url, const gchar *prefix,
    const gchar *owner, guint lease_ms, void (*done) (AxionBwJob *j))
{
  AxionBwRedis *r = g_atomic_rc_box_new0 (AxionBwRedis);

  r->url = g_strdup (redis_url);
  r->owner = g_strdup (owner);
  r->prefix = g_strdup (prefix);
  r->lease_ms = lease_ms;
  r->done = done;
  r->k_res = g_strdup_printf ("%s:bandwidth:global:reservations", prefix);
  r->k_lease = g_strdup_printf ("%s:bandwidth:global:leases", prefix);
  r->k_budget = g_strdup_printf ("%s:bandwidth:global:budget", prefix);
  r->k_rank = g_strdup_printf ("%s:bandwidth:usage:ranking", prefix);
  r->k_wait = g_strdup_printf ("%s:bandwidth:global:waiting", prefix);
  r->q = g_async_queue_new ();
  r->thread = g_thread_new ("axion-bandwidth", worker, r);
  return r;
}

gboolean
axion_bw_redis_submit (AxionBwRedis *r, AxionBwJob *j)
{
  if (!g_atomic_int_compare_and_exchange (&r->busy, 0, 1)) {
    axion_bw_job_free (j);
    return FALSE;
  }
  g_async_queue_push (r->q, j);
  return TRUE;
}

void
axion_bw_redis_stop (AxionBwRedis *r)
{
  if (r == NULL)
    return;
  /* the reservation's release: one command (1 s timeout) */
  g_async_queue_push (r->q, &stop_job);
  g_thread_join (r->thread);
  /* the last job's hand-back may still wait in the main context (the loop
   * has quit): taken now, unapplied, so that nothing is left behind */
  r->done = NULL;
  for (guint k = 0; k < 100 && g_atomic_int_get (&r->busy); k++)
    g_main_context_iteration (NULL, FALSE);
  g_atomic_rc_box_release_full (r, (GDestroyNotify) bw_redis_clear);
}

static void
bw_redis_clear (AxionBwRedis *r)
{
  g_async_queue_unref (r->q);
  g_free (r->url);
  g_free (r->owner);
  g_free (r->prefix);
  g_free (r->k_res);
  g_free (r->k_lease);
  g_free (r->k_budget);
  g_free (r->k_rank);
  g_free (r->k_wait);
}
