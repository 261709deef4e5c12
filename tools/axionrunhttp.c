/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's HTTP server: settings, access (loopback by default, a
 * bearer token required beyond it), routing, /healthz and /readyz (the
 * judgement of tools/axion-health: every camera online with a frame in the
 * last `stale` seconds), static files of the console and the snapshots.
 * /metrics is axionrunprom.c, the console's JSON API axionrunapi.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunhttp.h"
#include "axionrunapi.h"
#include "axionrunconfig.h"

#include <gst/axion/axion.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SNAPSHOT_ROOT "/var/lib/axion/snapshots"
#define MOTION_SAMPLES 600 /* one a second: 10 minutes */

typedef struct
{
  gdouble v[MOTION_SAMPLES];
  guint head; /* next slot */
  gdouble out[MOTION_SAMPLES];
} MotionRing;

static struct
{
  gboolean enabled;
  gchar *host;
  guint port;
  gchar *token;
  gchar *web_root;
  guint64 stale_ms;
  SoupServer *server;
  GHashTable *motion; /* camera id -> MotionRing */
} http = { .stale_ms = 30000 };

/* ---- settings -------------------------------------------------------------
 */

static gboolean
parse_listen (const gchar *text, GError **error)
{
  const gchar *colon = strrchr (text, ':');
  gchar *host, *end = NULL;
  guint64 port;
  GInetAddress *addr;

  if (colon == NULL)
    host = g_strdup ("127.0.0.1");
  else if (text[0] == '[' && colon > text && colon[-1] == ']')
    host = g_strndup (text + 1, colon - text - 2);
  else
    host = g_strndup (text, colon - text);
  port = g_ascii_strtoull (colon ? colon + 1 : text, &end, 10);
  addr = g_inet_address_new_from_string (host);
  if (addr == NULL || end == NULL || *end != '\0' || port > 65535 ||
      end == (colon ? colon + 1 : text)) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "listen \"%s\" is not PORT, ADDRESS:PORT or [IPv6]:PORT with an IP "
        "address (e.g. 8090 or 127.0.0.1:8090; port 0 picks a free one)",
        text);
    g_clear_object (&addr);
    g_free (host);
    return FALSE;
  }
  g_object_unref (addr);
  g_free (http.host);
  http.host = host;
  http.port = (guint) port;
  http.enabled = TRUE;
  return TRUE;
}

static gboolean
set_price (const gchar *key, const gchar *value, GError **error)
{
  gchar *end = NULL;
  gdouble v = g_ascii_strtod (value, &end);

  if (end == value || *end != '\0' || !(v >= 0 && v < 1e6)) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "%s is US dollars per million tokens, a number >= 0, not \"%s\"", key,
        value);
    return FALSE;
  }
  axion_run_prom_set_price (g_str_has_suffix (key, "input"), v);
  return TRUE;
}

gboolean
axion_run_http_set (const gchar *key, const gchar *value, GError **error)
{
  if (g_str_equal (key, "listen"))
    return parse_listen (value, error);
  if (g_str_equal (key, "token") || g_str_equal (key, "token-file")) {
    gchar *t = NULL;
    if (g_str_equal (key, "token-file")) {
      GError *err = NULL;
      if (!g_file_get_contents (value, &t, NULL, &err)) {
        g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
            "token-file: %s", err->message);
        g_error_free (err);
        return FALSE;
      }
      g_strstrip (t);
    } else {
      t = g_strdup (value);
    }
    if (strlen (t) < 16) {
      g_free (t);
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
          "%s: the token is shorter than 16 characters (use e.g. `openssl "
          "rand -hex 24`)",
          key);
      return FALSE;
    }
    g_free (http.token);
    http.token = t;
    return TRUE;
  }
  if (g_str_equal (key, "web-root")) {
    g_free (http.web_root);
    http.web_root = g_strdup (value);
    return TRUE;
  }
  if (g_str_equal (key, "stale"))
    return axion_run_parse_duration (
        value, key, FALSE, 1000, 24 * 3600 * 1000, &http.stale_ms, error);
  if (g_str_equal (key, "claude-usd-per-mtok-input") ||
      g_str_equal (key, "claude-usd-per-mtok-output"))
    return set_price (key, value, error);
  g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
      "unknown key \"%s\" in [http] (known: listen, token, token-file, "
      "web-root, stale, claude-usd-per-mtok-input, "
      "claude-usd-per-mtok-output)",
      key);
  return FALSE;
}

static const gchar *
web_root (void)
{
  if (http.web_root)
    return http.web_root;
  /* running from the build tree: the source's web/; else installed */
  if (g_file_test (AXION_WEB_SRCDIR "/index.html", G_FILE_TEST_IS_REGULAR))
    return AXION_WEB_SRCDIR;
  return AXION_WEB_DATADIR;
}

gboolean
axion_run_http_check (GError **error)
{
  GInetAddress *addr;
  gboolean loopback;
  gchar *index;

  if (!http.enabled)
    return TRUE;
  if (http.token == NULL && g_getenv ("AXION_HTTP_TOKEN"))
    if (!axion_run_http_set ("token", g_getenv ("AXION_HTTP_TOKEN"), error))
      return FALSE;
  addr = g_inet_address_new_from_string (http.host);
  loopback = g_inet_address_get_is_loopback (addr);
  g_object_unref (addr);
  if (!loopback && http.token == NULL) {
    g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
        "[http] listen on %s is reachable from other machines: set token-file "
        "(or token, or AXION_HTTP_TOKEN), or listen on 127.0.0.1",
        http.host);
    return FALSE;
  }
  index = g_build_filename (web_root (), "index.html", NULL);
  if (!g_file_test (index, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "[http] web-root %s has no index.html (point web-root at Axion's "
        "web/ directory)",
        web_root ());
    g_free (index);
    return FALSE;
  }
  g_free (index);
  return TRUE;
}

const gchar *
axion_run_http_snapshot_root (void)
{
  const gchar *v = g_hash_table_lookup (axion_run.cfg.vars, "SNAPSHOT_DIR");

  /* as the pipeline files' ${SNAPSHOT_DIR}: [vars], else the environment */
  if (v == NULL || *v == '\0')
    v = g_getenv ("SNAPSHOT_DIR");
  return v && *v ? v : DEFAULT_SNAPSHOT_ROOT;
}

/* ---- camera data ----------------------------------------------------------
 */

GstStructure *
axion_run_http_element_stats (AxionRunCamera *c, const gchar *factory)
{
  GstStructure *st = NULL;
  GstIterator *it;
  GValue v = G_VALUE_INIT;
  gboolean done = FALSE;

  if (c->pipe == NULL)
    return NULL;
  it = gst_bin_iterate_recurse (GST_BIN (c->pipe));
  while (!done && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);
    if (f && g_str_equal (GST_OBJECT_NAME (f), factory) &&
        g_object_class_find_property (G_OBJECT_GET_CLASS (e), "stats")) {
      g_object_get (e, "stats", &st, NULL);
      done = TRUE;
    }
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  return st;
}

void
axion_run_http_tick (void)
{
  GPtrArray *cams = axion_run.cfg.cameras;

  if (http.server == NULL)
    return;
  for (guint i = 0; i < cams->len; i++) {
    AxionRunCamera *c = g_ptr_array_index (cams, i);
    MotionRing *r = g_hash_table_lookup (http.motion, c->id);
    GstStructure *st = axion_run_http_element_stats (c, "axionmotion");
    gdouble score = -1;

    if (r == NULL) {
      r = g_new0 (MotionRing, 1);
      for (guint k = 0; k < MOTION_SAMPLES; k++)
        r->v[k] = -1;
      g_hash_table_insert (http.motion, g_strdup (c->id), r);
    }
    if (st && c->state == AXION_CAM_ONLINE)
      gst_structure_get_double (st, "last-score", &score);
    if (st)
      gst_structure_free (st);
    r->v[r->head] = score;
    r->head = (r->head + 1) % MOTION_SAMPLES;
  }
}

const gdouble *
axion_run_http_motion (const gchar *camera_id, guint *n_out)
{
  MotionRing *r = http.motion ? g_hash_table_lookup (http.motion, camera_id)
                              : NULL;

  *n_out = 0;
  if (r == NULL)
    return NULL;
  for (guint k = 0; k < MOTION_SAMPLES; k++)
    r->out[k] = r->v[(r->head + k) % MOTION_SAMPLES];
  *n_out = MOTION_SAMPLES;
  return r->out;
}

/* ---- access ---------------------------------------------------------------
 */

/* the same time whatever the first wrong byte */
static gboolean
token_equal (const gchar *given, const gchar *token)
{
  gsize n = strlen (token), m = strlen (given);
  guchar diff = n != m;

  for (gsize i = 0; i < n; i++)
    diff |= (guchar) token[i] ^ (guchar) (i < m ? given[i] : 0);
  return diff == 0;
}

static gboolean
authorised (SoupServerMessage *msg, GHashTable *query)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const gchar *auth = soup_message_headers_get_one (h, "Authorization");
  const gchar *q = query ? g_hash_table_lookup (query, "token") : NULL;

  if (http.token == NULL)
    return TRUE;
  if (auth && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0 &&
      token_equal (auth + 7, http.token))
    return TRUE;
  /* images and the page itself cannot send a header */
  return q && token_equal (q, http.token);
}

void
axion_run_http_reply (SoupServerMessage *msg, guint status,
    const gchar *content_type, gchar *body, gsize len)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Cache-Control", "no-store");
  /* libsoup 3.2 (Debian 12) never closes a kept-alive connection that the
   * client closes: one file descriptor lost per connection (measured: 50
   * requests, 19 -> 70 open fds; fixed in libsoup 3.3, GNOME/libsoup
   * d20c6601). Closed by the server after each response instead: 19 -> 19
   * (test_console checks it). A new connection per request costs nothing
   * at a console's and a scraper's rates. */
  soup_message_headers_replace (h, "Connection", "close");
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (
      msg, content_type, SOUP_MEMORY_TAKE, body, len);
}

void
axion_run_http_reply_text (
    SoupServerMessage *msg, guint status, const gchar *fmt, ...)
{
  va_list ap;
  gchar *text;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  axion_run_http_reply (
      msg, status, "text/plain; charset=utf-8", text, strlen (text));
}

/* ---- health ---------------------------------------------------------------
 */

static void
readyz (SoupServerMessage *msg)
{
  GString *out = g_string_new (NULL);
  GPtrArray *cams = axion_run.cfg.cameras;
  gint64 now = g_get_monotonic_time ();
  gboolean ok = !axion_run.stopping;

  if (axion_run.stopping)
    g_string_append (out, "unhealthy: the runner is shutting down\n");
  for (guint i = 0; i < cams->len; i++) {
    AxionRunCamera *c = g_ptr_array_index (cams, i);
    gdouble age = c->last_frame_us ? (now - c->last_frame_us) / 1e6 : -1;
    if (c->state != AXION_CAM_ONLINE) {
      g_string_append_printf (out, "unhealthy: camera %s: status %s\n", c->id,
          c->state == AXION_CAM_OFFLINE ? "offline" : "starting");
      ok = FALSE;
    } else if (age < 0 || age * 1000 > http.stale_ms) {
      g_string_append_printf (out,
          "unhealthy: camera %s: no frame for %.0f s (more than %.0f s)\n",
          c->id, age, http.stale_ms / 1000.0);
      ok = FALSE;
    } else {
      g_string_append_printf (out,
          "camera %s: online, %.0f fps, last frame %.0f s ago\n", c->id, c->fps,
          age);
    }
  }
  g_string_append (out, ok ? "ready\n" : "NOT READY\n");
  axion_run_http_reply (
      msg, ok ? 200 : 503, "text/plain; charset=utf-8", out->str, out->len);
  g_string_free (out, FALSE);
}

/* ---- files ----------------------------------------------------------------
 */

static const gchar *
content_type (const gchar *name)
{
  if (g_str_has_suffix (name, ".html"))
    return "text/html; charset=utf-8";
  if (g_str_has_suffix (name, ".js"))
    return "text/javascript; charset=utf-8";
  if (g_str_has_suffix (name, ".css"))
    return "text/css; charset=utf-8";
  if (g_str_has_suffix (name, ".svg"))
    return "image/svg+xml";
  if (g_str_has_suffix (name, ".jpg"))
    return "image/jpeg";
  return "application/octet-stream";
}

/* every component a plain name: never outside @root */
static gchar *
safe_path (const gchar *root, const gchar *rel)
{
  gchar **parts = g_strsplit (rel, "/", -1);
  gboolean ok = parts[0] != NULL;
  gchar *path = NULL;

  for (guint i = 0; ok && parts[i]; i++)
    ok = *parts[i] && !g_str_equal (parts[i], ".") &&
        !g_str_equal (parts[i], "..") && strchr (parts[i], '\\') == NULL;
  if (ok) {
    gchar *joined = g_build_filenamev (parts);
    path = g_build_filename (root, joined, NULL);
    g_free (joined);
  }
  g_strfreev (parts);
  return path;
}

/* @path, symbolic links resolved, lies in @root (resolved too): a link
 * under the snapshot root never serves a file from elsewhere */
static gboolean
really_under (const gchar *root, const gchar *path)
{
  gchar *r = realpath (root, NULL), *p = realpath (path, NULL);
  gboolean ok = r && p && g_str_has_prefix (p, r) &&
      (p[strlen (r)] == '/' || g_str_equal (r, "/"));

  free (r);
  free (p);
  return ok;
}

static void
serve_file (SoupServerMessage *msg, const gchar *root, const gchar *rel)
{
  gchar *path = safe_path (root, rel), *data = NULL;
  gsize len = 0;

  if (path == NULL || !really_under (root, path) ||
      !g_file_test (path, G_FILE_TEST_IS_REGULAR) ||
      !g_file_get_contents (path, &data, &len, NULL)) {
    axion_run_http_reply_text (msg, 404, "not found\n");
  } else {
    axion_run_http_reply (msg, 200, content_type (path), data, len);
  }
  g_free (path);
}

/* ---- routing --------------------------------------------------------------
 */

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer data)
{
  const gchar *method = soup_server_message_get_method (msg);
  gboolean get = g_str_equal (method, "GET") || g_str_equal (method, "HEAD");

  if (g_str_equal (path, "/healthz")) {
    axion_run_http_reply_text (msg, 200, "ok\n");
    return;
  }
  if (!authorised (msg, query)) {
    soup_message_headers_replace (
        soup_server_message_get_response_headers (msg), "WWW-Authenticate",
        "Bearer realm=\"axion-run\"");
    axion_run_http_reply_text (msg, 401,
        "a token is required: send \"Authorization: Bearer TOKEN\" (or "
        "?token=TOKEN)\n");
    return;
  }
  if (g_str_has_prefix (path, "/api/")) {
    axion_run_api_handle (server, msg, path, query);
    return;
  }
  if (!get) {
    axion_run_http_reply_text (msg, 405, "method not allowed\n");
    return;
  }
  if (g_str_equal (path, "/metrics")) {
    gchar *text = axion_run_prom_render ();
    axion_run_http_reply (msg, 200, "text/plain; version=0.0.4; charset=utf-8",
        text, strlen (text));
  } else if (g_str_equal (path, "/readyz")) {
    readyz (msg);
  } else if (g_str_has_prefix (path, "/snapshots/")) {
    if (g_str_has_suffix (path, ".jpg"))
      serve_file (msg, axion_run_http_snapshot_root (), path + 11);
    else
      axion_run_http_reply_text (msg, 404, "not found\n");
  } else if (g_str_equal (path, "/")) {
    serve_file (msg, web_root (), "index.html");
  } else {
    serve_file (msg, web_root (), path + 1);
  }
}

gboolean
axion_run_http_start (GError **error)
{
  GSocketAddress *addr;
  GSList *listeners;
  gboolean ok;

  if (!http.enabled)
    return TRUE;
  http.server = soup_server_new ("server-header", "axion-run", NULL);
  http.motion = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_server_add_handler (http.server, NULL, handle, NULL, NULL);
  addr = g_inet_socket_address_new_from_string (http.host, http.port);
  ok = soup_server_listen (http.server, addr, 0, error);
  g_object_unref (addr);
  if (!ok) {
    g_prefix_error (
        error, "[http] cannot listen on %s:%u: ", http.host, http.port);
    g_clear_object (&http.server);
    return FALSE;
  }
  /* (not soup_server_get_uris (): libsoup 3.2 leaks its addresses) */
  listeners = soup_server_get_listeners (http.server);
  for (GSList *l = listeners; l; l = l->next) {
    GInetSocketAddress *a = G_INET_SOCKET_ADDRESS (
        g_socket_get_local_address (l->data, NULL));
    gchar *host = a
        ? g_inet_address_to_string (g_inet_socket_address_get_address (a))
        : NULL;
    if (host)
      g_print ("%s: http: console and metrics at http://%s%s%s:%u/%s\n",
          AXION_RUN_PROG, strchr (host, ':') ? "[" : "", host,
          strchr (host, ':') ? "]" : "", g_inet_socket_address_get_port (a),
          http.token ? " (token required)" : "");
    g_free (host);
    g_clear_object (&a);
  }
  g_slist_free (listeners);
  return TRUE;
}

void
axion_run_http_stop (void)
{
  if (http.server) {
    soup_server_disconnect (http.server);
    g_clear_object (&http.server);
    /* the closed connections are released from the main context: let it
     * run them (the loop has quit) */
    for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
      ;
  }
  g_clear_pointer (&http.motion, g_hash_table_unref);
  g_clear_pointer (&http.host, g_free);
  g_clear_pointer (&http.token, g_free);
  g_clear_pointer (&http.web_root, g_free);
  http.enabled = FALSE;
}
