/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionredisurl.h"
#include "gstaxioncamera.h"

#include <stdlib.h>
#include <string.h>

/**
 * gst_axion_redis_url_clear:
 * @url: a parsed URL
 *
 * Frees the strings of @url and zeroes it.
 */
void
gst_axion_redis_url_clear (GstAxionRedisUrl *u)
{
  g_free (u->host);
  g_free (u->path);
  g_free (u->user);
  g_free (u->password);
  memset (u, 0, sizeof (*u));
}

/**
 * gst_axion_redis_url_parse:
 * @url: the URL
 * @out: (out caller-allocates): the parsed URL; clear it with
 *   gst_axion_redis_url_clear()
 * @error: where to say what is wrong (never quoting the password)
 *
 * Returns: %TRUE when @url is a valid Redis URL
 */
gboolean
gst_axion_redis_url_parse (const gchar *s, GstAxionRedisUrl *u, GError **error)
{
  GUri *uri;
  const gchar *scheme;
  gchar *clean, *user = NULL, *password = NULL;
  GError *err = NULL;

  memset (u, 0, sizeof (*u));
  /* the user-info off first (gst_axion_uri_split_credentials: passwords
   * with '#', '@', ':' ... unencoded), so that GLib never sees the
   * password: its messages quote parts of the URI */
  clean = gst_axion_uri_split_credentials (s ? s : "", &user, &password);
  uri = g_uri_parse (clean, G_URI_FLAGS_NONE, &err);
  g_free (clean);
  if (uri == NULL) {
    g_set_error (error, G_URI_ERROR, err->code,
        "%s (the form is redis://[user:password@]host:port/db or "
        "unix:///path/to/redis.sock?db=N)",
        err->message);
    g_error_free (err);
    g_free (user);
    g_free (password);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  if (g_str_equal (scheme, "unix")) {
    const gchar *q = g_uri_get_query (uri);
    u->path = g_strdup (g_uri_get_path (uri));
    if (q) {
      GHashTable *params = g_uri_parse_params (
          q, -1, "&", G_URI_PARAMS_NONE, NULL);
      if (params) {
        const gchar *db = g_hash_table_lookup (params, "db");
        const gchar *pw = g_hash_table_lookup (params, "password");
        if (db)
          u->db = atoi (db);
        u->password = g_strdup (pw);
        g_hash_table_unref (params);
      }
    }
    /* unix://[user:]password@/path: the password (or a lone user-info) */
    if (u->password == NULL) {
      u->password = password ? password : user;
      u->user = password ? user : NULL;
      if (u->user && *u->user == '\0')
        g_clear_pointer (&u->user, g_free);
    } else {
      g_free (user);
      g_free (password);
    }
  } else if (g_str_equal (scheme, "redis")) {
    const gchar *path = g_uri_get_path (uri);
    u->host = g_strdup (g_uri_get_host (uri));
    u->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 6379;
    u->user = user;
    u->password = password;
    if (u->user && u->password == NULL) {
      /* redis://password@host: password only */
      u->password = u->user;
      u->user = NULL;
    }
    if (u->user && *u->user == '\0')
      g_clear_pointer (&u->user, g_free);
    if (path && path[0] == '/' && path[1])
      u->db = atoi (path + 1);
  } else {
    g_free (user);
    g_free (password);
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
        "unsupported scheme \"%s\": use redis://[user:password@]host:port/db "
        "or unix:///path/to/redis.sock?db=N",
        scheme);
    g_uri_unref (uri);
    return FALSE;
  }
  g_uri_unref (uri);
  if ((u->path == NULL || *u->path == '\0') &&
      (u->host == NULL || *u->host == '\0')) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
        "no host or socket path in the Redis URL");
    gst_axion_redis_url_clear (u);
    return FALSE;
  }
  if (u->db < 0 || u->db > 1000) {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
        "database number %d out of range", u->db);
    gst_axion_redis_url_clear (u);
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_axion_redis_url_redact:
 * @url: (nullable): a URL
 *
 * Returns: (transfer full) (nullable): @url without user name and password,
 *   for logs and property read-back
 */
gchar *
gst_axion_redis_url_redact (const gchar *url)
{
  gchar *s;

  if (url == NULL)
    return NULL;
  s = gst_axion_uri_strip_credentials (url);
  /* not a URI with "scheme://" (so no user-info found) but an '@': it may
   * hold a password anyway; not shown */
  if (strchr (s, '@')) {
    g_free (s);
    s = g_strdup ("(not shown: it may contain a password)");
  }
  return s;
}
