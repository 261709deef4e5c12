/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed, not exported): part of the gstaxion-internal
 * static library, which every in-tree user of libgstaxion links (see
 * meson.build).
 */
#ifndef __GST_AXION_REDIS_URL_H__
#define __GST_AXION_REDIS_URL_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxionredisurl
 * @title: Redis URLs
 *
 * The one Redis URL syntax every Axion element accepts (axionredissink,
 * axiondlpusched, axionclaude):
 *
 * - `redis://[user:password@]host[:port][/db]` (port 6379 by default,
 *   `redis://:password@host` for a password without ACL user)
 * - `unix://[[user:]password@]/path/to/redis.sock[?db=N&password=P]`
 *
 * The user-info ends at the last '@' before the path's '/', so passwords
 * may hold '#', '@', ':', '%' and quotes unencoded (only '/' as %2F);
 * `%XX` is decoded (gst_axion_uri_split_credentials()).
 *
 * Parsing needs no Redis client library; the connection is the element's.
 */

/**
 * GstAxionRedisUrl:
 * @host: TCP host, or %NULL for a unix socket
 * @port: TCP port
 * @path: unix socket path, or %NULL
 * @db: database number (SELECT)
 * @user: ACL user name, or %NULL
 * @password: password, or %NULL (a secret: never log it)
 */
typedef struct
{
  gchar *host;
  gint port;
  gchar *path;
  gint db;
  gchar *user;
  gchar *password;
} GstAxionRedisUrl;

G_GNUC_INTERNAL
gboolean gst_axion_redis_url_parse (
    const gchar *url, GstAxionRedisUrl *out, GError **error);

G_GNUC_INTERNAL
void gst_axion_redis_url_clear (GstAxionRedisUrl *url);

G_GNUC_INTERNAL
gchar *gst_axion_redis_url_redact (const gchar *url);

G_END_DECLS

#endif /* __GST_AXION_REDIS_URL_H__ */
