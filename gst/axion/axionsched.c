/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionsched.h"

#include <gst/gst.h>
#include <gst/axion/axion.h>
#include <gst/axion/gstaxionbackoff.h>
#include <gst/axion/gstaxionredisurl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_HIREDIS
#include <gst/axion/axionredisconn.h>
#endif

GST_DEBUG_CATEGORY_STATIC (axion_sched_debug);
#define GST_CAT_DEFAULT axion_sched_debug

typedef enum
{
  REQ_WAITING,
  REQ_GRANTED,
  REQ_DISPLACED,
} ReqState;

typedef struct
{
  AxionSchedClient *client;
  AxionSchedClass cls;
  ReqState state;
} Request;

typedef struct _RedisSide RedisSide;

/* At most this many frames wait for the accelerator at any time; the rest
 * are skipped at once. Two keep the accelerator busy when cameras deliver
 * their frames at the same moment (same frame rate, synchronised clocks). */
#define AXION_SCHED_LOOKAHEAD 2
/* An idle accelerator waits this long for the requests that arrive at the
 * same moment, so the best of them (not the first) gets it. */
#define AXION_SCHED_GATHER_US 2000
/* A camera's thread may spend at most this fraction of real time waiting
 * for and running inferences, so its stream keeps up with the camera; the
 * time it may still spend is a budget that fills at this rate, up to
 * BUDGET_CAP_MS (or three inferences, when they are longer). */
#define AXION_SCHED_BLOCK_FRACTION 0.9
#define BUDGET_CAP_MS 200.0
/* Redis lease: an inference starts only when the lease has at least the
 * expected inference time plus this margin (and a quarter of the expected
 * time) left; a grant asks for lock-ttl-ms, or, when the inference needs
 * more, for what it needs plus this margin once more. */
#define LEASE_MARGIN_MS 20.0

struct _AxionSched
{
  gint refcount;
  gchar *name;
  gchar *redis_url; /* as given, for the same-accelerator check */

  GMutex lock;
  GCond cond;
  gboolean busy;
  AxionSchedClient *owner;
  Request *waiting[AXION_SCHED_LOOKAHEAD]; /* requests waiting for a slot */
  guint n_waiting;
  gint64 gather_until; /* idle accelerator: grant the best request then */
  GList *clients;
  guint n_clients;
  gint64 first_us;
  gint64 run_start_us;
  gdouble busy_ms;
  guint64 inferences;
  gdouble avg_ms;
  guint64 contentions;
  guint64 fences; /* without Redis: the latest grant's fencing number */

  RedisSide *redis; /* NULL: in-process only */
};

struct _AxionSchedClient
{
  AxionSched *sched;
  gchar *camera_id;
  gdouble weight;
  guint max_idle_ms;
  guint stale_ms;
  gdouble finish;    /* finish tag (virtual ms) */
  gdouble cur_start; /* start tag of its running inference */
  gint64 last_run_us;
  gint64 last_req_us[3]; /* last request per class */
  gint64 redis_wait_us;
  gdouble budget_ms;      /* blocking time it may still spend */
  gint64 budget_us;       /* when the budget was last filled */
  gint64 blocked_from_us; /* when the running frame asked */
  guint64 fence;          /* fencing number of its current grant */
  AxionSchedClientStats st;
};

static GMutex registry_lock;
static GHashTable *registry; /* name -> AxionSched */

/* ---- Redis backend ------------------------------------------------------ */

#ifdef HAVE_HIREDIS
struct _RedisSide
{
  GstAxionRedisUrl url;
  guint ttl_ms;
  gchar *k_lock, *k_queue, *k_slots, *k_stats, *k_fence;
  gchar *host_pid; /* "host:pid", part of the lock value */

  redisContext *ctx; /* used by the local owner only */
  guint backoff;
  gint64 next_connect_us;

  /* lock keeper: renews the lock while an inference runs */
  GThread *keeper;
  GMutex klock;
  GCond kcond;
  gboolean stop;
  gchar *held; /* lock value we hold, or NULL */
  /* the current grant (klock) */
  guint64 grant_gen;   /* changes with every grant */
  guint64 fence;       /* its fencing number */
  guint lease_ms;      /* PX asked for (and renewed with) */
  gdouble need_ms;     /* expected inference + margin: needed to start */
  gint64 granted_us;   /* monotonic, when the grant's answer came */
  gint64 lease_end_us; /* monotonic: the lease lasts at least until then
                        * (from before the command that set or renewed
                        * it was sent) */
  gint64 lost_at_us;   /* a renewal found the lock gone (0: not seen) */

  /* the accelerator's shared figures (klock): Redis stats at this
   * process's first and latest exchange */
  gboolean sh_have;
  gdouble sh_busy0, sh_busy;
  gint64 sh_t0, sh_t; /* Redis server time, ms */
  guint64 sh_n0, sh_n;
  gdouble sh_avg;
};

/* Prunes requests older than stale-ms from the head of the queue (gone or
 * crashed waiters), then takes the lock if it is free and our request is
 * the best one. Returns the grant's fencing number (>= 1, INCR of the
 * fence key next to the lock) when taken, 0 lock busy, -1 not our turn,
 * -2 our request was pruned. */
static const gchar ACQUIRE_LUA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local head = redis.call('ZRANGE', KEYS[2], 0, 31)\n"
    "for _, m in ipairs(head) do\n"
    "  local e = tonumber(string.match(m, ':(%d+)$'))\n"
    "  if e == nil or now - e > tonumber(ARGV[4]) then\n"
    "    redis.call('ZREM', KEYS[2], m)\n"
    "  end\n"
    "end\n"
    "if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return -2 end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  if ARGV[5] == '1' then\n"
    "    redis.call('HINCRBY', KEYS[3], 'contentions_count', 1)\n"
    "    redis.call('HSET', KEYS[3], 'last_contention_at', t[1])\n"
    "  end\n"
    "  return 0\n"
    "end\n"
    "local first = redis.call('ZRANGE', KEYS[2], 0, 0)\n"
    "if first[1] ~= ARGV[1] then return -1 end\n"
    "local f = redis.call('INCR', KEYS[4])\n"
    "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
    "redis.call('ZREM', KEYS[2], ARGV[1])\n"
    "local vk = 'virtual_clock:' .. ARGV[7]\n"
    "local v = tonumber(redis.call('HGET', KEYS[3], vk) or '0')\n"
    "if tonumber(ARGV[6]) > v then\n"
    "  redis.call('HSET', KEYS[3], vk, ARGV[6])\n"
    "end\n"
    "return f\n";

/* Enqueues "camera:frame_N:<enqueue ms>" with score class * 1e12 + start
 * tag; the start tag is max(virtual clock, camera's finish tag). Returns
 * the member, the start tag and the shared stats: busy ms, server time
 * (ms), total inferences, average inference ms. */
static const gchar ENQUEUE_LUA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local f = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')\n"
    "local v = tonumber(redis.call('HGET', KEYS[3], 'virtual_clock:' .. "
    "ARGV[3]) or '0')\n"
    "local s = math.max(f, v)\n"
    "local m = ARGV[1] .. ':frame_' .. ARGV[2] .. ':' .. now\n"
    "redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) * 1e12 + s, m)\n"
    "return {m, string.format('%.3f', s),\n"
    "  redis.call('HGET', KEYS[3], 'busy_ms') or '0', tostring(now),\n"
    "  redis.call('HGET', KEYS[3], 'total_inferences') or '0',\n"
    "  redis.call('HGET', KEYS[3], 'avg_inference_ms') or '0'}\n";

/* Releases our own lock only, then books the inference (and its busy time,
 * the lock held; an inference whose lock was gone at release counts in
 * leases_lost, with its fencing number in last_lost_fence). Returns {1 when
 * the lock was still ours else 0, busy ms, server time ms, total
 * inferences}. */
static const gchar RELEASE_LUA[] =
    "local ours = 0\n"
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  redis.call('DEL', KEYS[1])\n"
    "  ours = 1\n"
    "end\n"
    "if ARGV[2] ~= '' then\n"
    "  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])\n"
    "  redis.call('HINCRBY', KEYS[3], 'total_inferences', 1)\n"
    "  redis.call('HINCRBYFLOAT', KEYS[3], 'busy_ms', ARGV[6])\n"
    "  if ours == 0 then\n"
    "    redis.call('HINCRBY', KEYS[3], 'leases_lost', 1)\n"
    "    redis.call('HSET', KEYS[3], 'last_lost_fence', ARGV[7])\n"
    "  end\n"
    "  local run = tonumber(ARGV[4])\n"
    "  local wait = tonumber(ARGV[5])\n"
    "  local a = tonumber(redis.call('HGET', KEYS[3], 'avg_inference_ms') "
    "or ARGV[4])\n"
    "  local q = tonumber(redis.call('HGET', KEYS[3], 'queue_wait_avg_ms') "
    "or ARGV[5])\n"
    "  redis.call('HSET', KEYS[3], 'avg_inference_ms',\n"
    "    string.format('%.2f', a + (run - a) * 0.05),\n"
    "    'last_inference_ms', string.format('%.0f', run),\n"
    "    'queue_wait_avg_ms', string.format('%.2f', q + (wait - q) * 0.05))\n"
    "end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "return {ours, redis.call('HGET', KEYS[3], 'busy_ms') or '0',\n"
    "  tostring(now), redis.call('HGET', KEYS[3], 'total_inferences') or "
    "'0'}\n";

static const gchar RENEW_LUA[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  return redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
    "end\n"
    "return 0\n";

static redisContext *
redis_connect (RedisSide *r, gchar **err)
{
  AxionRedisFailure failure;
  return axion_redis_connect (&r->url, 1000, 1000, &failure, err);
}

/* Stores the shared stats of a Redis answer (strings: busy ms, server
 * time ms, total inferences, average inference ms or NULL). */
static void
shared_update (RedisSide *r, const redisReply *busy, const redisReply *now,
    const redisReply *n, const redisReply *avg)
{
  gdouble b;
  gint64 t;
  guint64 i;

  if (busy->type != REDIS_REPLY_STRING || now->type != REDIS_REPLY_STRING ||
      n->type != REDIS_REPLY_STRING)
    return;
  b = g_ascii_strtod (busy->str, NULL);
  t = g_ascii_strtoll (now->str, NULL, 10);
  i = g_ascii_strtoull (n->str, NULL, 10);
  g_mutex_lock (&r->klock);
  if (!r->sh_have) {
    r->sh_have = TRUE;
    r->sh_busy0 = b;
    r->sh_t0 = t;
    r->sh_n0 = i;
  }
  r->sh_busy = MAX (b, r->sh_busy0);
  r->sh_t = MAX (t, r->sh_t0);
  r->sh_n = MAX (i, r->sh_n0);
  if (avg && avg->type == REDIS_REPLY_STRING)
    r->sh_avg = g_ascii_strtod (avg->str, NULL);
  g_mutex_unlock (&r->klock);
}

/* Renews the lock every third of lock-ttl-ms while it is held; a renewal
 * extends the lease from the moment it was sent. */
static gpointer
keeper_main (gpointer data)
{
  RedisSide *r = data;
  redisContext *ctx = NULL;
  gchar *err = NULL;

  g_mutex_lock (&r->klock);
  while (!r->stop) {
    gint64 until, sent;
    gchar *held;
    guint64 gen;
    guint lease_ms;
    gchar px[16];

    if (r->held == NULL) {
      g_cond_wait (&r->kcond, &r->klock);
      continue;
    }
    until = g_get_monotonic_time () + (gint64) r->ttl_ms * 1000 / 3;
    g_cond_wait_until (&r->kcond, &r->klock, until);
    if (r->stop || r->held == NULL || g_get_monotonic_time () < until)
      continue;
    held = g_strdup (r->held);
    gen = r->grant_gen;
    lease_ms = r->lease_ms;
    g_mutex_unlock (&r->klock);

    if (ctx == NULL) {
      ctx = redis_connect (r, &err);
      g_clear_pointer (&err, g_free);
    }
    if (ctx) {
      redisReply *rep;
      g_snprintf (px, sizeof (px), "%u", lease_ms);
      sent = g_get_monotonic_time ();
      rep = redisCommand (
          ctx, "EVAL %s 1 %s %s %s", RENEW_LUA, r->k_lock, held, px);
      if (rep == NULL) {
        redisFree (ctx);
        ctx = NULL;
      } else {
        g_mutex_lock (&r->klock);
        if (gen == r->grant_gen && r->held != NULL &&
            rep->type == REDIS_REPLY_INTEGER) {
          if (rep->integer == 1) {
            r->lease_end_us = MAX (
                r->lease_end_us, sent + (gint64) lease_ms * 1000);
          } else if (r->lost_at_us == 0) {
            r->lost_at_us = sent;
            GST_WARNING ("DLPU lock %s (fencing number %" G_GUINT64_FORMAT
                         ") expired while held: this process was not "
                         "scheduled for longer than the lease",
                r->k_lock, r->fence);
          }
        }
        g_mutex_unlock (&r->klock);
        freeReplyObject (rep);
      }
    }
    g_free (held);
    g_mutex_lock (&r->klock);
  }
  g_mutex_unlock (&r->klock);
  if (ctx)
    redisFree (ctx);
  return NULL;
}

static RedisSide *
redis_side_new (
    const gchar *url, const gchar *prefix, guint ttl_ms, GError **error)
{
  RedisSide *r = g_new0 (RedisSide, 1);
  gchar host[128] = "host";

  if (!gst_axion_redis_url_parse (url, &r->url, error)) {
    g_free (r);
    return NULL;
  }
  gethostname (host, sizeof (host) - 1);
  r->ttl_ms = ttl_ms;
  r->k_lock = g_strconcat (prefix, ":dlpu:scheduler:lock", NULL);
  r->k_fence = g_strconcat (prefix, ":dlpu:scheduler:fence", NULL);
  r->k_queue = g_strconcat (prefix, ":dlpu:queue", NULL);
  r->k_slots = g_strconcat (prefix, ":dlpu:timeslots", NULL);
  r->k_stats = g_strconcat (prefix, ":dlpu:stats", NULL);
  r->host_pid = g_strdup_printf ("%s:%d", host, (int) getpid ());
  g_mutex_init (&r->klock);
  g_cond_init (&r->kcond);
  r->keeper = g_thread_new ("axion-dlpu-lock", keeper_main, r);
  return r;
}

static void
redis_side_free (RedisSide *r)
{
  g_mutex_lock (&r->klock);
  r->stop = TRUE;
  g_cond_broadcast (&r->kcond);
  g_mutex_unlock (&r->klock);
  g_thread_join (r->keeper);
  if (r->ctx)
    redisFree (r->ctx);
  gst_axion_redis_url_clear (&r->url);
  g_free (r->k_lock);
  g_free (r->k_fence);
  g_free (r->k_queue);
  g_free (r->k_slots);
  g_free (r->k_stats);
  g_free (r->host_pid);
  g_free (r->held);
  g_mutex_clear (&r->klock);
  g_cond_clear (&r->kcond);
  g_free (r);
}

static void
redis_fail (RedisSide *r, AxionSchedClient *c, const gchar *what)
{
  c->st.redis_errors++;
  GST_WARNING ("camera %s: Redis %s failed (%s); no inference until it "
               "answers again",
      c->camera_id, what,
      r->ctx && r->ctx->err ? r->ctx->errstr : "error reply");
  if (r->ctx) {
    redisFree (r->ctx);
    r->ctx = NULL;
  }
  r->next_connect_us = g_get_monotonic_time () +
      gst_axion_backoff_ms (r->backoff++, 100, 5000) * 1000;
}

static gboolean
redis_ready (RedisSide *r, AxionSchedClient *c)
{
  gchar *err = NULL;

  if (r->ctx)
    return TRUE;
  if (g_get_monotonic_time () < r->next_connect_us)
    return FALSE;
  r->ctx = redis_connect (r, &err);
  if (r->ctx == NULL) {
    c->st.redis_errors++;
    GST_WARNING (
        "camera %s: %s; no inference until Redis answers", c->camera_id, err);
    g_free (err);
    r->next_connect_us = g_get_monotonic_time () +
        gst_axion_backoff_ms (r->backoff++, 100, 5000) * 1000;
    return FALSE;
  }
  r->backoff = 0;
  return TRUE;
}

/* What an inference needs left on its lease to start: the expected time
 * plus a margin. */
static gdouble
lease_need_ms (gdouble expected_ms)
{
  return expected_ms + expected_ms / 4 + LEASE_MARGIN_MS;
}

/* Runs in the local owner's thread. Returns RUN with the lock taken (its
 * fencing number in *fence), STALE when the wait ran past stale-ms, SKIP
 * when Redis is unusable. @expected_ms: this process's average inference
 * time (0: none yet, the shared average is used). */
static AxionSchedVerdict
redis_acquire (RedisSide *r, AxionSchedClient *c, AxionSchedClass cls,
    guint64 frame_number, gint64 deadline_us, gdouble expected_ms,
    guint64 *contentions, guint64 *fence)
{
  redisReply *rep;
  gchar *member, *token;
  gchar cls_s[8], fn[24], px[16], stale[16], start_s[32];
  gboolean first = TRUE;
  AxionSchedVerdict verdict = AXION_SCHED_SKIP;
  gdouble need_ms;
  guint lease_ms;

  if (!redis_ready (r, c))
    return AXION_SCHED_SKIP;

  g_snprintf (cls_s, sizeof (cls_s), "%d", (int) cls);
  g_snprintf (fn, sizeof (fn), "%" G_GUINT64_FORMAT, frame_number);
  rep = redisCommand (r->ctx, "EVAL %s 3 %s %s %s %s %s %s", ENQUEUE_LUA,
      r->k_queue, r->k_slots, r->k_stats, c->camera_id, fn, cls_s);
  if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 6 ||
      rep->element[0]->type != REDIS_REPLY_STRING ||
      rep->element[1]->type != REDIS_REPLY_STRING) {
    if (rep)
      freeReplyObject (rep);
    redis_fail (r, c, "enqueue");
    return AXION_SCHED_SKIP;
  }
  member = g_strdup (rep->element[0]->str);
  g_strlcpy (start_s, rep->element[1]->str, sizeof (start_s));
  shared_update (
      r, rep->element[2], rep->element[3], rep->element[4], rep->element[5]);
  freeReplyObject (rep);
  token = g_strdup_printf ("%s:%s", member, r->host_pid);

  /* the lease must cover the expected inference plus a margin */
  if (expected_ms <= 0) {
    g_mutex_lock (&r->klock);
    expected_ms = r->sh_avg;
    g_mutex_unlock (&r->klock);
  }
  need_ms = lease_need_ms (MAX (expected_ms, 0.0));
  lease_ms = need_ms <= r->ttl_ms
      ? r->ttl_ms
      : (guint) MIN (ceil (need_ms + LEASE_MARGIN_MS), 600000.0);
  g_snprintf (px, sizeof (px), "%u", lease_ms);
  g_snprintf (stale, sizeof (stale), "%u", c->stale_ms);

  for (;;) {
    long long res;
    /* the lease counts from before the command is sent: time in transit
     * (or this process not being scheduled) counts against it */
    gint64 sent = g_get_monotonic_time ();

    rep = redisCommand (r->ctx, "EVAL %s 4 %s %s %s %s %s %s %s %s %s %s %s",
        ACQUIRE_LUA, r->k_lock, r->k_queue, r->k_stats, r->k_fence, member,
        token, px, stale, first ? "1" : "0", start_s, cls_s);
    if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
      if (rep)
        freeReplyObject (rep);
      redis_fail (r, c, "lock");
      verdict = AXION_SCHED_SKIP;
      break;
    }
    res = rep->integer;
    freeReplyObject (rep);
    if (res == 0 && first)
      (*contentions)++;
    first = FALSE;
    if (res >= 1) {
      c->cur_start = g_ascii_strtod (start_s, NULL);
      g_mutex_lock (&r->klock);
      g_free (r->held);
      r->held = token;
      token = NULL;
      r->grant_gen++;
      r->fence = (guint64) res;
      r->lease_ms = lease_ms;
      r->need_ms = need_ms;
      r->granted_us = g_get_monotonic_time ();
      r->lease_end_us = sent + (gint64) lease_ms * 1000;
      r->lost_at_us = 0;
      g_cond_broadcast (&r->kcond);
      g_mutex_unlock (&r->klock);
      *fence = (guint64) res;
      verdict = AXION_SCHED_RUN;
      break;
    }
    if (res == -2) {
      verdict = AXION_SCHED_STALE;
      break;
    }
    if (g_get_monotonic_time () >= deadline_us) {
      rep = redisCommand (r->ctx, "ZREM %s %s", r->k_queue, member);
      if (rep)
        freeReplyObject (rep);
      else
        redis_fail (r, c, "dequeue");
      verdict = AXION_SCHED_STALE;
      break;
    }
    g_usleep (1000);
  }
  g_free (member);
  g_free (token);
  return verdict;
}

/* Right before the inference: TRUE when the lease has what the inference
 * needs left (after one synchronous renewal when it has not). */
static gboolean
redis_begin (RedisSide *r, AxionSchedClient *c)
{
  gchar *held;
  gint64 end, lost_at;
  guint64 gen, fence;
  gdouble need_ms;
  guint lease_ms;
  gboolean ok = FALSE;

  g_mutex_lock (&r->klock);
  held = g_strdup (r->held);
  end = r->lease_end_us;
  lost_at = r->lost_at_us;
  gen = r->grant_gen;
  need_ms = r->need_ms;
  lease_ms = r->lease_ms;
  fence = r->fence;
  g_mutex_unlock (&r->klock);
  if (held == NULL)
    return FALSE;
  if (lost_at == 0 && end - g_get_monotonic_time () >= need_ms * 1000) {
    g_free (held);
    return TRUE;
  }
  if (lost_at == 0 && r->ctx) {
    gchar px[16];
    gint64 sent = g_get_monotonic_time ();
    redisReply *rep;

    g_snprintf (px, sizeof (px), "%u", lease_ms);
    rep = redisCommand (
        r->ctx, "EVAL %s 1 %s %s %s", RENEW_LUA, r->k_lock, held, px);
    if (rep && rep->type == REDIS_REPLY_INTEGER) {
      if (rep->integer == 1) {
        g_mutex_lock (&r->klock);
        if (gen == r->grant_gen)
          r->lease_end_us = MAX (r->lease_end_us, sent + lease_ms * 1000LL);
        end = r->lease_end_us;
        g_mutex_unlock (&r->klock);
        ok = end - g_get_monotonic_time () >= need_ms * 1000;
      }
      freeReplyObject (rep);
    } else {
      if (rep)
        freeReplyObject (rep);
      redis_fail (r, c, "lease renewal");
    }
  }
  if (!ok)
    GST_WARNING ("camera %s: the DLPU lease (fencing number %" G_GUINT64_FORMAT
                 ") has less than the %.0f ms the inference needs left (this "
                 "process was not scheduled in time); the frame passes on "
                 "without inference",
        c->camera_id, fence, need_ms);
  g_free (held);
  return ok;
}

/* Releases the lock (when still ours) and books the inference. Returns
 * TRUE when the lease was lost while the inference ran (@ran, inference
 * ended at @end_us): the lock was no longer ours at release, or (Redis not
 * answering) the lease had expired by this process's clock. */
static gboolean
redis_release (RedisSide *r, AxionSchedClient *c, gboolean ran, gdouble run_ms,
    gdouble wait_ms, gint64 end_us)
{
  redisReply *rep;
  gchar *held;
  gchar finish[32], run[32], wait[32], busy[32], fence_s[24];
  gint64 lease_end, lost_at, granted;
  guint64 fence;
  gint ours = -1;
  gboolean lost;

  g_mutex_lock (&r->klock);
  held = r->held;
  r->held = NULL;
  lease_end = r->lease_end_us;
  lost_at = r->lost_at_us;
  granted = r->granted_us;
  fence = r->fence;
  g_cond_broadcast (&r->kcond);
  g_mutex_unlock (&r->klock);
  if (held == NULL)
    return FALSE;
  if (r->ctx) {
    g_snprintf (finish, sizeof (finish), "%.3f", c->finish);
    g_snprintf (run, sizeof (run), "%.3f", run_ms);
    g_snprintf (wait, sizeof (wait), "%.3f", wait_ms);
    g_snprintf (busy, sizeof (busy), "%.3f",
        ran ? MAX (end_us - granted, 0) / 1000.0 : 0.0);
    g_snprintf (fence_s, sizeof (fence_s), "%" G_GUINT64_FORMAT, fence);
    rep = redisCommand (r->ctx, "EVAL %s 3 %s %s %s %s %s %s %s %s %s %s",
        RELEASE_LUA, r->k_lock, r->k_slots, r->k_stats, held,
        ran ? c->camera_id : "", finish, run, wait, busy, fence_s);
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 4 &&
        rep->element[0]->type == REDIS_REPLY_INTEGER) {
      ours = rep->element[0]->integer == 1;
      shared_update (
          r, rep->element[1], rep->element[2], rep->element[3], NULL);
      freeReplyObject (rep);
    } else {
      if (rep)
        freeReplyObject (rep);
      redis_fail (r, c, "unlock");
    }
  }
  lost = ran &&
      (ours == 0 || (ours < 0 && (lost_at != 0 || end_us > lease_end)));
  if (lost)
    GST_WARNING ("camera %s: the DLPU lease (fencing number %" G_GUINT64_FORMAT
                 ") was lost while the inference ran: another process may "
                 "have used the accelerator at the same time",
        c->camera_id, fence);
  g_free (held);
  return lost;
}
#else
struct _RedisSide
{
  int unused;
};
#endif

/* ---- registry ----------------------------------------------------------- */

AxionSched *
axion_sched_get (const gchar *accelerator, const gchar *redis_url,
    const gchar *prefix, guint lock_ttl_ms, GError **error)
{
  AxionSched *s;

  g_mutex_lock (&registry_lock);
  if (registry == NULL) {
    registry = g_hash_table_new (g_str_hash, g_str_equal);
    GST_DEBUG_CATEGORY_INIT (
        axion_sched_debug, "axiondlpusched", 0, "Axion accelerator scheduler");
  }
  if (redis_url && *redis_url == '\0')
    redis_url = NULL;
  s = g_hash_table_lookup (registry, accelerator);
  if (s) {
    if (g_strcmp0 (s->redis_url, redis_url) != 0) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "accelerator \"%s\" is already used in this process %s; give every "
          "axiondlpusched of one accelerator the same redis-url",
          accelerator, s->redis_url ? "with a Redis URL" : "without Redis");
      g_mutex_unlock (&registry_lock);
      return NULL;
    }
    s->refcount++;
    g_mutex_unlock (&registry_lock);
    return s;
  }
  s = g_new0 (AxionSched, 1);
  if (redis_url) {
#ifdef HAVE_HIREDIS
    /* keys are "<prefix>:dlpu:..." (default prefix "axion"); a trailing
     * ':' is accepted (the old redis-prefix="axion:") */
    gchar *p = g_strdup (prefix && *prefix ? prefix : "axion");
    gsize n = strlen (p);
    if (n > 1 && p[n - 1] == ':')
      p[n - 1] = '\0';
    s->redis = redis_side_new (redis_url, p, lock_ttl_ms, error);
    g_free (p);
    if (s->redis == NULL) {
      g_free (s);
      g_mutex_unlock (&registry_lock);
      return NULL;
    }
#else
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "this build of axiondlpusched has no Redis support (hiredis was not "
        "found at build time); unset redis-url or rebuild with libhiredis-dev");
    g_free (s);
    g_mutex_unlock (&registry_lock);
    return NULL;
#endif
  }
  s->refcount = 1;
  s->name = g_strdup (accelerator);
  s->redis_url = g_strdup (redis_url);
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  g_hash_table_insert (registry, s->name, s);
  g_mutex_unlock (&registry_lock);
  return s;
}

void
axion_sched_unref (AxionSched *s)
{
  g_mutex_lock (&registry_lock);
  if (--s->refcount > 0) {
    g_mutex_unlock (&registry_lock);
    return;
  }
  g_hash_table_remove (registry, s->name);
  g_mutex_unlock (&registry_lock);
#ifdef HAVE_HIREDIS
  if (s->redis)
    redis_side_free (s->redis);
#endif
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->name);
  g_free (s->redis_url);
  g_free (s);
}

void
axion_sched_get_stats (AxionSched *s, AxionSchedStats *out)
{
  g_mutex_lock (&s->lock);
  out->process_inferences = s->inferences;
  out->process_busy_ms = s->busy_ms;
  if (s->busy)
    out->process_busy_ms += (g_get_monotonic_time () - s->run_start_us) /
        1000.0;
  out->process_elapsed_ms = s->first_us
      ? (g_get_monotonic_time () - s->first_us) / 1000.0
      : 0;
  out->inferences = out->process_inferences;
  out->busy_ms = out->process_busy_ms;
  out->elapsed_ms = out->process_elapsed_ms;
  out->avg_inference_ms = s->avg_ms;
  out->clients = s->n_clients;
  out->lock_contentions = s->contentions;
  out->redis = s->redis != NULL;
#ifdef HAVE_HIREDIS
  if (s->redis) {
    /* the accelerator's: all processes, from the shared stats */
    RedisSide *r = s->redis;
    g_mutex_lock (&r->klock);
    out->inferences = r->sh_have ? r->sh_n - r->sh_n0 : 0;
    out->busy_ms = r->sh_have ? r->sh_busy - r->sh_busy0 : 0;
    out->elapsed_ms = r->sh_have ? (gdouble) (r->sh_t - r->sh_t0) : 0;
    if (out->avg_inference_ms <= 0)
      out->avg_inference_ms = r->sh_avg;
    g_mutex_unlock (&r->klock);
  }
#endif
  g_mutex_unlock (&s->lock);
}

/* ---- clients ------------------------------------------------------------ */

AxionSchedClient *
axion_sched_client_new (AxionSched *s, const gchar *camera_id)
{
  AxionSchedClient *c = g_new0 (AxionSchedClient, 1);

  c->sched = s;
  c->camera_id = g_strdup (camera_id);
  c->weight = 1.0;
  c->max_idle_ms = 2000;
  c->stale_ms = 1000;
  c->last_run_us = g_get_monotonic_time ();
  c->budget_ms = BUDGET_CAP_MS;
  c->budget_us = c->last_run_us;
  g_mutex_lock (&s->lock);
  s->n_clients++;
  s->clients = g_list_prepend (s->clients, c);
  g_mutex_unlock (&s->lock);
  return c;
}

void
axion_sched_client_free (AxionSchedClient *c)
{
  AxionSched *s = c->sched;

  g_mutex_lock (&s->lock);
  g_warn_if_fail (s->owner != c);
  for (guint i = s->n_waiting; i-- > 0;) {
    if (s->waiting[i]->client == c) {
      s->waiting[i]->state = REQ_DISPLACED;
      s->waiting[i] = s->waiting[--s->n_waiting];
      g_cond_broadcast (&s->cond);
    }
  }
  s->n_clients--;
  s->clients = g_list_remove (s->clients, c);
  g_mutex_unlock (&s->lock);
  g_free (c->camera_id);
  g_free (c);
}

void
axion_sched_client_configure (
    AxionSchedClient *c, gdouble weight, guint max_idle_ms, guint stale_ms)
{
  g_mutex_lock (&c->sched->lock);
  c->weight = MAX (weight, 1e-3);
  c->max_idle_ms = max_idle_ms;
  c->stale_ms = MAX (stale_ms, 1);
  g_mutex_unlock (&c->sched->lock);
}

void
axion_sched_client_get_stats (AxionSchedClient *c, AxionSchedClientStats *out)
{
  g_mutex_lock (&c->sched->lock);
  *out = c->st;
  out->finish_tag = c->finish;
  out->fence = c->fence;
  g_mutex_unlock (&c->sched->lock);
}

/* ---- scheduling --------------------------------------------------------- */

/* A camera that asks in a class after a pause (or for the first time)
 * starts level with the cameras already asking in that class: its finish
 * tag is lifted to theirs, so time spent idle or in another class earns
 * no credit (the "S = max(V, F)" of start-time fair queueing). */
#define RECENT_US (2 * G_USEC_PER_SEC)

static void
lift_returning (
    AxionSched *s, AxionSchedClient *c, AxionSchedClass cls, gint64 now)
{
  gboolean any = FALSE;
  gdouble floor = 0;

  if (c->last_req_us[cls] && now - c->last_req_us[cls] <= RECENT_US)
    return;
  for (GList *l = s->clients; l; l = l->next) {
    AxionSchedClient *o = l->data;
    if (o == c || o->last_req_us[cls] == 0 ||
        now - o->last_req_us[cls] > RECENT_US)
      continue;
    floor = any ? MIN (floor, o->finish) : o->finish;
    any = TRUE;
  }
  if (any)
    c->finish = MAX (c->finish, floor);
}

/* Lowest finish tag of the cameras asking in @cls (with @c). */
static gdouble
class_floor (
    AxionSched *s, AxionSchedClient *c, AxionSchedClass cls, gint64 now)
{
  gdouble floor = c->finish;

  for (GList *l = s->clients; l; l = l->next) {
    AxionSchedClient *o = l->data;
    if (o->last_req_us[cls] && now - o->last_req_us[cls] <= RECENT_US)
      floor = MIN (floor, o->finish);
  }
  return floor;
}

static gboolean
better (AxionSched *s, const Request *a, const Request *b)
{
  if (a->cls != b->cls)
    return a->cls < b->cls;
  if (a->client->finish != b->client->finish)
    return a->client->finish < b->client->finish;
  /* equal tags: the one that waited longest since its last inference */
  return a->client->last_run_us < b->client->last_run_us;
}

static void
grant_locked (
    AxionSched *s, AxionSchedClient *c, AxionSchedClass cls, gint64 now)
{
  s->busy = TRUE;
  s->owner = c;
  (void) cls;
  c->cur_start = c->finish;
  s->run_start_us = now;
}

static void
remove_waiting (AxionSched *s, guint i)
{
  s->waiting[i] = s->waiting[--s->n_waiting];
}

static gint
best_waiting (AxionSched *s)
{
  gint best = -1;

  for (guint i = 0; i < s->n_waiting; i++) {
    if (best < 0 || better (s, s->waiting[i], s->waiting[best]))
      best = i;
  }
  return best;
}

/* Gives the accelerator to the best waiting request, or frees it. */
static void
grant_best_locked (AxionSched *s, gint64 now)
{
  gint best = best_waiting (s);

  s->gather_until = 0;
  if (best >= 0) {
    Request *r = s->waiting[best];
    remove_waiting (s, best);
    r->state = REQ_GRANTED;
    grant_locked (s, r->client, r->cls, now);
    g_cond_broadcast (&s->cond);
  } else {
    s->busy = FALSE;
    s->owner = NULL;
  }
}

/* The owner is done: account its time, hand the accelerator on. */
/* lock held: fill the camera's blocking budget for the time that passed */
static void
budget_fill_locked (AxionSched *s, AxionSchedClient *c, gint64 now)
{
  gdouble cap = MAX (BUDGET_CAP_MS, 3 * s->avg_ms);

  c->budget_ms = MIN (cap,
      c->budget_ms +
          AXION_SCHED_BLOCK_FRACTION * (now - c->budget_us) / 1000.0);
  c->budget_us = now;
}

/* lock held: how long a request made now would likely block (waiting for
 * the running inference and the ones that wait, then its own) */
static gdouble
expected_block_ms_locked (AxionSched *s, gint64 now)
{
  gdouble ms = s->avg_ms * (1 + s->n_waiting);

  if (s->busy)
    ms += MAX (s->avg_ms - (now - s->run_start_us) / 1000.0, 0.0);
  return ms;
}

static void
pass_on_locked (AxionSched *s, gint64 now)
{
  if (s->busy)
    s->busy_ms += (now - s->run_start_us) / 1000.0;
  s->busy = FALSE;
  s->owner = NULL;
  grant_best_locked (s, now);
}

AxionSchedVerdict
axion_sched_acquire (AxionSchedClient *c, gboolean active, guint64 frame_number,
    gint64 frame_age_us, gdouble *wait_ms)
{
  AxionSched *s = c->sched;
  gint64 now, deadline;
  AxionSchedClass cls;
  Request req;

  *wait_ms = 0;
  g_mutex_lock (&s->lock);
  now = g_get_monotonic_time ();
  if (s->first_us == 0)
    s->first_us = now;
  if (frame_age_us > (gint64) c->stale_ms * 1000) {
    c->st.stale++;
    g_mutex_unlock (&s->lock);
    return AXION_SCHED_STALE;
  }
  if (c->max_idle_ms > 0 && now - c->last_run_us >= c->max_idle_ms * 1000LL)
    cls = AXION_SCHED_CLASS_OVERDUE;
  else
    cls = active ? AXION_SCHED_CLASS_ACTIVE : AXION_SCHED_CLASS_STATIC;
  lift_returning (s, c, cls, now);
  c->last_req_us[cls] = now;

  /* a camera that would block longer than its budget lets this frame pass
   * without inference: its stream keeps up with real time */
  budget_fill_locked (s, c, now);
  if (c->budget_ms < expected_block_ms_locked (s, now)) {
    c->st.skipped++;
    c->st.budget_skipped++;
    g_mutex_unlock (&s->lock);
    return AXION_SCHED_SKIP;
  }
  c->blocked_from_us = now;

  deadline = now + (gint64) c->stale_ms * 1000 - MAX (frame_age_us, 0);
  if (!s->busy && s->n_waiting == 0 && s->n_clients <= 1) {
    grant_locked (s, c, cls, now);
  } else {
    /* busy: a camera ahead of its class by more than two inferences steps
     * aside, whatever the phase of its frames, so the others catch up */
    if (s->busy && cls != AXION_SCHED_CLASS_OVERDUE &&
        c->finish > class_floor (s, c, cls, now) + 2 * MAX (s->avg_ms, 1.0)) {
      c->st.skipped++;
      g_mutex_unlock (&s->lock);
      return AXION_SCHED_SKIP;
    }
    req.client = c;
    req.cls = cls;
    req.state = REQ_WAITING;
    if (!s->busy && s->n_waiting == 0)
      s->gather_until = now + AXION_SCHED_GATHER_US;
    if (s->n_waiting < AXION_SCHED_LOOKAHEAD) {
      s->waiting[s->n_waiting++] = &req;
    } else {
      guint worst = 0;
      for (guint i = 1; i < s->n_waiting; i++) {
        if (better (s, s->waiting[worst], s->waiting[i]))
          worst = i;
      }
      if (!better (s, &req, s->waiting[worst])) {
        c->st.skipped++;
        g_mutex_unlock (&s->lock);
        return AXION_SCHED_SKIP;
      }
      s->waiting[worst]->state = REQ_DISPLACED;
      s->waiting[worst] = &req;
      g_cond_broadcast (&s->cond);
    }
    while (req.state == REQ_WAITING) {
      gint64 wake = deadline;
      gint64 t = g_get_monotonic_time ();
      if (!s->busy && s->gather_until) {
        if (t >= s->gather_until) {
          grant_best_locked (s, t);
          continue;
        }
        wake = MIN (wake, s->gather_until);
      }
      if (t >= deadline) {
        for (guint i = 0; i < s->n_waiting; i++) {
          if (s->waiting[i] == &req) {
            remove_waiting (s, i);
            break;
          }
        }
        c->st.stale++;
        c->budget_ms -= (t - now) / 1000.0;
        g_mutex_unlock (&s->lock);
        return AXION_SCHED_STALE;
      }
      g_cond_wait_until (&s->cond, &s->lock, wake);
    }
    if (req.state == REQ_DISPLACED) {
      c->st.skipped++;
      c->st.displaced++;
      c->budget_ms -= (g_get_monotonic_time () - now) / 1000.0;
      g_mutex_unlock (&s->lock);
      return AXION_SCHED_SKIP;
    }
  }
  /* we own the accelerator in this process */
  g_mutex_unlock (&s->lock);

#ifdef HAVE_HIREDIS
  if (s->redis) {
    guint64 contentions = 0, fence = 0;
    gdouble expected;
    AxionSchedVerdict v;

    g_mutex_lock (&s->lock);
    expected = s->inferences ? s->avg_ms : 0;
    g_mutex_unlock (&s->lock);
    v = redis_acquire (s->redis, c, cls, frame_number, deadline, expected,
        &contentions, &fence);
    g_mutex_lock (&s->lock);
    s->contentions += contentions;
    c->fence = fence;
    if (v != AXION_SCHED_RUN) {
      if (v == AXION_SCHED_STALE)
        c->st.stale++;
      else
        c->st.skipped++;
      c->budget_ms -= (g_get_monotonic_time () - now) / 1000.0;
      pass_on_locked (s, g_get_monotonic_time ());
      g_mutex_unlock (&s->lock);
      return v;
    }
    /* the Redis wait is not accelerator time of this process */
    s->run_start_us = g_get_monotonic_time ();
    g_mutex_unlock (&s->lock);
  } else
#else
  (void) frame_number;
#endif
  {
    g_mutex_lock (&s->lock);
    c->fence = ++s->fences;
    g_mutex_unlock (&s->lock);
  }

  *wait_ms = (g_get_monotonic_time () - now) / 1000.0;
  c->redis_wait_us = (gint64) (*wait_ms * 1000);
  g_mutex_lock (&s->lock);
  c->last_run_us = g_get_monotonic_time ();
  c->st.wait_ms_sum += *wait_ms;
  c->st.wait_ms_max = MAX (c->st.wait_ms_max, *wait_ms);
  g_mutex_unlock (&s->lock);
  return AXION_SCHED_RUN;
}

void
axion_sched_release (AxionSchedClient *c, gdouble run_ms)
{
  AxionSched *s = c->sched;
  gint64 now, end_us = g_get_monotonic_time ();
  gboolean lost = FALSE;

  g_mutex_lock (&s->lock);
  if (s->owner != c) {
    g_mutex_unlock (&s->lock);
    g_critical ("axion_sched_release: camera %s does not own the accelerator",
        c->camera_id);
    return;
  }
  c->finish = c->cur_start + MAX (run_ms, 0.001) / c->weight;
  c->budget_ms -= (g_get_monotonic_time () - c->blocked_from_us) / 1000.0;
  c->st.ran++;
  c->st.run_ms_sum += run_ms;
  s->inferences++;
  s->avg_ms = s->inferences == 1 ? run_ms
                                 : s->avg_ms + (run_ms - s->avg_ms) * 0.05;
  g_mutex_unlock (&s->lock);

#ifdef HAVE_HIREDIS
  if (s->redis)
    lost = redis_release (
        s->redis, c, TRUE, run_ms, c->redis_wait_us / 1000.0, end_us);
#else
  (void) end_us;
#endif

  g_mutex_lock (&s->lock);
  if (lost)
    c->st.leases_lost++;
  now = g_get_monotonic_time ();
  pass_on_locked (s, now);
  g_mutex_unlock (&s->lock);
}

guint64
axion_sched_client_fence (AxionSchedClient *c)
{
  guint64 fence;

  g_mutex_lock (&c->sched->lock);
  fence = c->fence;
  g_mutex_unlock (&c->sched->lock);
  return fence;
}

gboolean
axion_sched_begin (AxionSchedClient *c)
{
#ifdef HAVE_HIREDIS
  AxionSched *s = c->sched;

  if (s->redis && !redis_begin (s->redis, c)) {
    g_mutex_lock (&s->lock);
    c->st.leases_expired++;
    g_mutex_unlock (&s->lock);
    return FALSE;
  }
#else
  (void) c;
#endif
  return TRUE;
}

void
axion_sched_cancel (AxionSchedClient *c)
{
  AxionSched *s = c->sched;

  g_mutex_lock (&s->lock);
  if (s->owner != c) {
    g_mutex_unlock (&s->lock);
    g_critical ("axion_sched_cancel: camera %s does not own the accelerator",
        c->camera_id);
    return;
  }
  c->st.skipped++;
  c->budget_ms -= (g_get_monotonic_time () - c->blocked_from_us) / 1000.0;
  g_mutex_unlock (&s->lock);

#ifdef HAVE_HIREDIS
  if (s->redis)
    redis_release (s->redis, c, FALSE, 0, 0, g_get_monotonic_time ());
#endif

  g_mutex_lock (&s->lock);
  pass_on_locked (s, g_get_monotonic_time ());
  g_mutex_unlock (&s->lock);
}
