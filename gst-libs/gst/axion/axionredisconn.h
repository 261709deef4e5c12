/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed): one hiredis connect for every element that
 * talks to Redis (axionredissink, axiondlpusched, axionclaude). Linked as a
 * static library where hiredis is found.
 */
#ifndef __AXION_REDIS_CONN_H__
#define __AXION_REDIS_CONN_H__

#include <gst/axion/gstaxionredisurl.h>
#include <hiredis/hiredis.h>

G_BEGIN_DECLS

typedef enum
{
  AXION_REDIS_UNREACHABLE,  /* retry later */
  AXION_REDIS_AUTH_REFUSED, /* configuration: fix redis-url */
  AXION_REDIS_DB_REFUSED,   /* configuration: fix the db number */
} AxionRedisFailure;

/* Connects (connect_ms), sets the command timeout (command_ms), AUTHs with
 * the URL's user/password and SELECTs its db. NULL on failure with
 * @failure and @error set (never quoting the password). */
redisContext *
axion_redis_connect (const GstAxionRedisUrl *url, guint connect_ms,
    guint command_ms, AxionRedisFailure *failure, gchar **error);

G_END_DECLS

#endif
