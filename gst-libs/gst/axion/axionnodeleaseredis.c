/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The node lease store in Redis, for runners that have Redis and no
 * database. Keys under <prefix>node-lease: (default prefix "axion:"):
 *
 *   <p>node-lease:<n>          the lease: the holder, SET NX PX ttl (the
 *                              server's clock ends it)
 *   <p>node-lease:holders      hash node -> its last holder (kept after
 *                              an expiry: a takeover is counted, and an
 *                              expired lease nobody took is still ours)
 *   <p>node-lease:caps         hash node -> the latest id time any holder
 *                              of it may have made (ms): the next holder
 *                              starts after it (as id_ms_cap in
 *                              sql/005_node_leases.sql)
 *   <p>node-lease:renewals, <p>node-lease:takeovers   hashes node -> count
 *   <p>node-lease:trusted      the Redis time (ms) from which nodes are
 *                              leased (below)
 *
 * Redis may lose its data (a restart without persistence, a failover to a
 * replica behind): then the leases of live holders are gone while they
 * still make ids until their next renewal. So a Redis without lease data
 * (no "trusted" key: new, or it lost it) leases no node for one lease
 * length from the first request: by then every earlier holder has found
 * its lease gone or stopped making ids (0.9 of its lease after its last
 * renewal). The caps are lost too: a new holder relies on host clocks
 * agreeing within a lease length (docs/scaling.md).
 *
 * Each step is one Lua script, atomic in Redis: two processes never take
 * one node, a renewal extends only the caller's own lease (compare and
 * renew: a process never renews a lease it lost), a release gives back
 * only its own. The acquisition looks for the longest free node (as in
 * PostgreSQL) in one script, stopping at the first never held: measured
 * 0.12-0.16 ms of Redis time for the fifth process, 21 ms when it looks
 * at all 4096 nodes (once every node has been held; loaded 2-core
 * machine); once per process start.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionnodelease-private.h"
#include "axionredisconn.h"

#include <stdlib.h>

#define GST_CAT_DEFAULT axion_node_lease_debug

/* a connect, a command's answer */
#define TIMEOUT_MS 5000

/* KEYS: lease base, holders, caps, renewals, takeovers, trusted
 * ARGV: holder, ttl ms, cap ms. Returns {node, floor}, {-1, ms to wait}
 * (no lease data: see above) or nil (all held). */
static const gchar ACQUIRE_LUA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local trusted = redis.call('GET', KEYS[6])\n"
    "if not trusted then\n"
    "  trusted = string.format('%d', now + tonumber(ARGV[2]))\n"
    "  redis.call('SET', KEYS[6], trusted)\n"
    "end\n"
    "if now < tonumber(trusted) then\n"
    "  return {-1, string.format('%d', tonumber(trusted) - now)}\n"
    "end\n"
    "local best, bestcap, bestraw = -1, 0, '0'\n"
    "for n = 0, 4095 do\n"
    "  if redis.call('EXISTS', KEYS[1] .. n) == 0 then\n"
    "    local raw = redis.call('HGET', KEYS[3], n) or '0'\n"
    "    local c = tonumber(raw)\n"
    "    if best < 0 or c < bestcap then best, bestcap, bestraw = n, c, raw "
    "end\n"
    /* a node never held: none is free for longer */
    "    if c == 0 then break end\n"
    "  end\n"
    "end\n"
    "if best < 0 then return nil end\n"
    "redis.call('SET', KEYS[1] .. best, ARGV[1], 'PX', ARGV[2])\n"
    "if redis.call('HEXISTS', KEYS[2], best) == 1 then\n"
    "  redis.call('HINCRBY', KEYS[5], best, 1)\n"
    "end\n"
    "redis.call('HSET', KEYS[2], best, ARGV[1])\n"
    "if tonumber(ARGV[3]) > bestcap then\n"
    "  redis.call('HSET', KEYS[3], best, ARGV[3])\n"
    "end\n"
    "redis.call('HSET', KEYS[4], best, 0)\n"
    "return {best, bestraw}\n";

/* ours: the lease holds us, or it expired and nobody took it since (the
 * holders hash still names us) */
#define OURS_LUA                                                               \
  "local k = KEYS[1] .. ARGV[1]\n"                                             \
  "local h = redis.call('GET', k)\n"                                           \
  "local ours = h == ARGV[2] or (not h and "                                   \
  "redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2])\n"

/* KEYS: lease base, holders, caps, renewals; ARGV: node, holder, ttl ms,
 * cap ms. 1: renewed; 0: another holder took it. */
static const gchar RENEW_LUA[] = OURS_LUA
    "if not ours then return 0 end\n"
    "redis.call('SET', k, ARGV[2], 'PX', ARGV[3])\n"
    "local c = redis.call('HGET', KEYS[3], ARGV[1])\n"
    "if not c or tonumber(ARGV[4]) > tonumber(c) then\n"
    "  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])\n"
    "end\n"
    "redis.call('HINCRBY', KEYS[4], ARGV[1], 1)\n"
    "return 1\n";

/* KEYS: lease base, holders, caps; ARGV: node, holder, last id ms */
static const gchar RELEASE_LUA[] = OURS_LUA
    "if not ours then return 0 end\n"
    "redis.call('DEL', k)\n"
    "redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])\n"
    "return 1\n";

typedef struct
{
  GstAxionRedisUrl url;
  gboolean url_ok;
  redisContext *ctx;
  gboolean refused; /* the last connect was refused (credentials, db) */
  gchar *k_base, *k_holders, *k_caps, *k_renewals, *k_takeovers, *k_trusted;
} RedisStore;

static gboolean
connect_redis (RedisStore *s)
{
  AxionRedisFailure failure;
  gchar *err = NULL;

  if (s->ctx && s->ctx->err == 0)
    return TRUE;
  g_clear_pointer (&s->ctx, redisFree);
  s->refused = FALSE;
  if (!s->url_ok) {
    s->refused = TRUE;
    return FALSE;
  }
  s->ctx = axion_redis_connect (
      &s->url, TIMEOUT_MS, TIMEOUT_MS, &failure, &err);
  if (s->ctx)
    return TRUE;
  /* (the message never quotes the password) */
  GST_WARNING ("node lease: %s", err);
  s->refused = failure != AXION_REDIS_UNREACHABLE;
  g_free (err);
  return FALSE;
}

/* the reply, or NULL (and the connection dropped) when there is none or
 * it is an error */
static redisReply *
eval (RedisStore *s, gint argc, const gchar **argv)
{
  redisReply *r;

  if (!connect_redis (s))
    return NULL;
  r = redisCommandArgv (s->ctx, argc, argv, NULL);
  if (r && r->type == REDIS_REPLY_ERROR) {
    GST_WARNING ("node lease: Redis: %s", r->str);
    g_clear_pointer (&r, freeReplyObject);
  }
  if (r == NULL) {
    GST_WARNING ("node lease: no answer from Redis: %s",
        s->ctx->err ? s->ctx->errstr : "error reply");
    g_clear_pointer (&s->ctx, redisFree);
  }
  return r;
}

static AxionLeaseStep
redis_acquire (gpointer store, const gchar *holder, guint ttl_ms, gint64 cap_ms,
    gint *node, gint64 *floor_ms, const gchar **why)
{
  RedisStore *s = store;
  gchar *ttl = g_strdup_printf ("%u", ttl_ms);
  gchar *cap = g_strdup_printf ("%" G_GINT64_FORMAT, cap_ms);
  const gchar *argv[] = { "EVAL", ACQUIRE_LUA, "6", s->k_base, s->k_holders,
    s->k_caps, s->k_renewals, s->k_takeovers, s->k_trusted, holder, ttl, cap };
  redisReply *r = eval (s, G_N_ELEMENTS (argv), argv);
  AxionLeaseStep step = AXION_LEASE_RETRY;

  if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
      r->element[0]->type == REDIS_REPLY_INTEGER &&
      r->element[0]->integer < 0) {
    GST_WARNING ("node lease: Redis has no lease data (new, or it lost it): "
                 "no node is leased for one lease length; %s ms to go",
        r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str : "?");
  } else if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
      r->element[0]->type == REDIS_REPLY_INTEGER &&
      r->element[1]->type == REDIS_REPLY_STRING) {
    *node = (gint) r->element[0]->integer;
    *floor_ms = g_ascii_strtoll (r->element[1]->str, NULL, 10);
    step = AXION_LEASE_OK;
  } else if (r) {
    GST_WARNING ("node lease: all 4096 nodes are held; retrying");
  } else if (s->refused) {
    *why = "the Redis URL is invalid, or Redis refused its credentials or "
           "database number";
    step = AXION_LEASE_LOCAL;
  }
  if (r)
    freeReplyObject (r);
  g_free (ttl);
  g_free (cap);
  return step;
}

static AxionLeaseStep
redis_renew (gpointer store, gint node, const gchar *holder, guint ttl_ms,
    gint64 cap_ms, gboolean *held)
{
  RedisStore *s = store;
  gchar *node_s = g_strdup_printf ("%d", node);
  gchar *ttl = g_strdup_printf ("%u", ttl_ms);
  gchar *cap = g_strdup_printf ("%" G_GINT64_FORMAT, cap_ms);
  const gchar *argv[] = { "EVAL", RENEW_LUA, "4", s->k_base, s->k_holders,
    s->k_caps, s->k_renewals, node_s, holder, ttl, cap };
  redisReply *r = eval (s, G_N_ELEMENTS (argv), argv);
  AxionLeaseStep step = AXION_LEASE_RETRY;

  if (r && r->type == REDIS_REPLY_INTEGER) {
    *held = r->integer == 1;
    step = AXION_LEASE_OK;
  }
  if (r)
    freeReplyObject (r);
  g_free (node_s);
  g_free (ttl);
  g_free (cap);
  return step;
}

static void
redis_release (gpointer store, gint node, const gchar *holder, gint64 last_ms)
{
  RedisStore *s = store;
  gchar *node_s = g_strdup_printf ("%d", node);
  gchar *last = g_strdup_printf ("%" G_GINT64_FORMAT, last_ms);
  const gchar *argv[] = { "EVAL", RELEASE_LUA, "3", s->k_base, s->k_holders,
    s->k_caps, node_s, holder, last };
  redisReply *r = eval (s, G_N_ELEMENTS (argv), argv);

  if (r)
    freeReplyObject (r);
  g_free (node_s);
  g_free (last);
}

static void
redis_free (gpointer store)
{
  RedisStore *s = store;

  g_clear_pointer (&s->ctx, redisFree);
  gst_axion_redis_url_clear (&s->url);
  g_free (s->k_base);
  g_free (s->k_holders);
  g_free (s->k_caps);
  g_free (s->k_renewals);
  g_free (s->k_takeovers);
  g_free (s->k_trusted);
  g_free (s);
}

static const AxionNodeLeaseStore redis_ops = {
  "Redis",
  redis_acquire,
  redis_renew,
  redis_release,
  redis_free,
};

AxionNodeLease *
axion_node_lease_start_redis (const gchar *url, const gchar *prefix,
    GstAxionIdGenerator *gen, guint ttl_ms)
{
  RedisStore *s = g_new0 (RedisStore, 1);
  GError *err = NULL;

  if (prefix == NULL)
    prefix = "axion:";
  s->url_ok = gst_axion_redis_url_parse (url, &s->url, &err);
  if (!s->url_ok) {
    /* (parse errors never quote the password) */
    g_warning ("axion: node lease: %s", err->message);
    g_error_free (err);
  }
  s->k_base = g_strconcat (prefix, "node-lease:", NULL);
  s->k_holders = g_strconcat (prefix, "node-lease:holders", NULL);
  s->k_caps = g_strconcat (prefix, "node-lease:caps", NULL);
  s->k_renewals = g_strconcat (prefix, "node-lease:renewals", NULL);
  s->k_takeovers = g_strconcat (prefix, "node-lease:takeovers", NULL);
  s->k_trusted = g_strconcat (prefix, "node-lease:trusted", NULL);
  return axion_node_lease_start_store (&redis_ops, s, gen, ttl_ms);
}
