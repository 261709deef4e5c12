/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axionredisconn.h"

static struct timeval
tv_ms (guint ms)
{
  struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
  return tv;
}

redisContext *
axion_redis_connect (const GstAxionRedisUrl *u, guint connect_ms,
    guint command_ms, AxionRedisFailure *failure, gchar **error)
{
  redisContext *ctx;
  redisReply *r;

  ctx = u->path
      ? redisConnectUnixWithTimeout (u->path, tv_ms (connect_ms))
      : redisConnectWithTimeout (u->host, u->port, tv_ms (connect_ms));
  if (ctx == NULL || ctx->err) {
    *failure = AXION_REDIS_UNREACHABLE;
    *error = g_strdup_printf (
        "cannot connect to Redis: %s", ctx ? ctx->errstr : "out of memory");
    if (ctx)
      redisFree (ctx);
    return NULL;
  }
  redisSetTimeout (ctx, tv_ms (command_ms));
  if (u->password) {
    r = u->user ? redisCommand (ctx, "AUTH %s %s", u->user, u->password)
                : redisCommand (ctx, "AUTH %s", u->password);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
      *failure = r ? AXION_REDIS_AUTH_REFUSED : AXION_REDIS_UNREACHABLE;
      *error = g_strdup_printf (
          "Redis refused the credentials of redis-url%s%s", r ? ": " : "",
          r ? r->str : "");
      if (r)
        freeReplyObject (r);
      redisFree (ctx);
      return NULL;
    }
    freeReplyObject (r);
  }
  if (u->db) {
    r = redisCommand (ctx, "SELECT %d", u->db);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
      *failure = r ? AXION_REDIS_DB_REFUSED : AXION_REDIS_UNREACHABLE;
      *error = g_strdup_printf ("Redis database %d cannot be selected%s%s",
          u->db, r ? ": " : "", r ? r->str : "");
      if (r)
        freeReplyObject (r);
      redisFree (ctx);
      return NULL;
    }
    freeReplyObject (r);
  }
  return ctx;
}
