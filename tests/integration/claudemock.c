/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "claudemock.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

typedef struct
{
  guint status;
  gchar *headers;
  gchar *body;
  guint delay_ms;
} Reply;

struct _ClaudeMock
{
  GThreadedSocketService *service;
  guint16 port;
  gchar *key;
  GMutex lock;
  GQueue replies;
  guint requests, answered, invalid;
  gchar *problem;
  gchar *prompt;
  GArray *times;
  gint img_w, img_h;
  gboolean closing;
  guint active; /* handlers running */
  GCond idle;
  /* the service accepts in its own main context, iterated by a thread */
  GMainContext *ctx;
  GMainLoop *loop;
  GThread *thread;
};

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
loop_main (gpointer data)
{
  ClaudeMock *m = data;
  g_main_context_push_thread_default (m->ctx);
  g_main_loop_run (m->loop);
  g_main_context_pop_thread_default (m->ctx);
  return NULL;
}

gchar *
claude_mock_success_body (void)
{
  return g_strdup (
      "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"tool_use\","
      "\"id\":\"toolu_01\",\"name\":\"record_scene_analysis\",\"input\":{"
      "\"primary_insight\":\"" CLAUDE_MOCK_INSIGHT "\","
      "\"confidence_score\":0.87,"
      "\"objects_identified\":[\"person\",\"door\"],"
      "\"activities_detected\":[\"walking\"],"
      "\"anomalies_flagged\":[],"
      "\"scene_description\":\"An entrance hall with one person\","
      "\"risk_assessment\":\"low\",\"pattern_detected\":true,"
      "\"pattern_type\":\"regular_entry\",\"pattern_confidence\":0.6,"
      "\"should_alert\":true,\"alert_reason\":\"after-hours entry\","
      "\"alert_severity\":3}}],\"stop_reason\":\"tool_use\","
      "\"stop_sequence\":null,\"usage\":{\"input_tokens\":1234,"
      "\"output_tokens\":56}}");
}

static void
set_problem (ClaudeMock *m, const gchar *p)
{
  g_mutex_lock (&m->lock);
  m->invalid++;
  g_free (m->problem);
  m->problem = g_strdup (p);
  g_mutex_unlock (&m->lock);
}

/* width/height from a JPEG's SOFn marker */
static gboolean
jpeg_size (const guchar *d, gsize n, gint *w, gint *h)
{
  gsize i = 2;

  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8 || d[n - 2] != 0xFF ||
      d[n - 1] != 0xD9)
    return FALSE;
  while (i + 9 < n) {
    guint marker, len;
    if (d[i] != 0xFF)
      return FALSE;
    marker = d[i + 1];
    len = (d[i + 2] << 8) | d[i + 3];
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
        marker != 0xCC) {
      *h = (d[i + 5] << 8) | d[i + 6];
      *w = (d[i + 7] << 8) | d[i + 8];
      return TRUE;
    }
    i += 2 + len;
  }
  return FALSE;
}

static const gchar *
obj_str (JsonObject *o, const gchar *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) &&
          json_node_get_value_type (n) == G_TYPE_STRING
      ? json_node_get_string (n)
      : NULL;
}

static JsonObject *
obj_obj (JsonObject *o, const gchar *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
obj_arr (JsonObject *o, const gchar *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* NULL when the body is a valid Messages API request */
static const gchar *
check_body (ClaudeMock *m, const gchar *body, gsize len)
{
  JsonParser *p = json_parser_new ();
  JsonObject *o, *img, *src, *txt, *tc;
  JsonArray *msgs, *content, *tools;
  JsonNode *mt;
  const gchar *problem = NULL, *data;
  guchar *jpeg;
  gsize jlen;
  gint w = 0, h = 0;

  if (!json_parser_load_from_data (p, body, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p))) {
    problem = "body is not a JSON object";
    goto out;
  }
  o = json_node_get_object (json_parser_get_root (p));
  mt = json_object_get_member (o, "max_tokens");
  if (!obj_str (o, "model") || !*obj_str (o, "model"))
    problem = "model missing";
  else if (!mt || json_node_get_value_type (mt) != G_TYPE_INT64 ||
      json_node_get_int (mt) <= 0)
    problem = "max_tokens missing or not a positive integer";
  else if (!(msgs = obj_arr (o, "messages")) ||
      json_array_get_length (msgs) < 1)
    problem = "messages missing";
  else if (g_strcmp0 (obj_str (json_array_get_object_element (msgs, 0), "role"),
               "user") != 0)
    problem = "first message is not from the user";
  else if (!(content = obj_arr (
                 json_array_get_object_element (msgs, 0), "content")) ||
      json_array_get_length (content) != 2)
    problem = "user content is not [image, text]";
  else if (g_strcmp0 (
               obj_str (
                   (img = json_array_get_object_element (content, 0)), "type"),
               "image") != 0 ||
      !(src = obj_obj (img, "source")) ||
      g_strcmp0 (obj_str (src, "type"), "base64") != 0 ||
      g_strcmp0 (obj_str (src, "media_type"), "image/jpeg") != 0 ||
      !(data = obj_str (src, "data")))
    problem = "first block is not a base64 image/jpeg image";
  else if (strlen (data) > 5 * 1024 * 1024)
    problem = "image larger than 5 MB";
  else if (g_strcmp0 (
               obj_str (
                   (txt = json_array_get_object_element (content, 1)), "type"),
               "text") != 0 ||
      !obj_str (txt, "text") || !*obj_str (txt, "text"))
    problem = "second block is not a text block";
  else if (!(tools = obj_arr (o, "tools")) ||
      json_array_get_length (tools) != 1 ||
      !obj_obj (json_array_get_object_element (tools, 0), "input_schema"))
    problem = "tools with an input_schema missing";
  else if (!(tc = obj_obj (o, "tool_choice")) ||
      g_strcmp0 (obj_str (tc, "type"), "tool") != 0 ||
      g_strcmp0 (obj_str (tc, "name"),
          obj_str (json_array_get_object_element (tools, 0), "name")) != 0)
    problem = "tool_choice does not force the tool";
  if (problem)
    goto out;
  jpeg = g_base64_decode (data, &jlen);
  if (!jpeg_size (jpeg, jlen, &w, &h))
    problem = "image data is not a JPEG";
  else if (MAX (w, h) > 1568 || (gint64) w * h > 1150000)
    problem = "image larger than 1568 px or 1.15 megapixels";
  g_free (jpeg);
  g_mutex_lock (&m->lock);
  m->img_w = w;
  m->img_h = h;
  g_free (m->prompt);
  m->prompt = g_strdup (obj_str (txt, "text"));
  g_mutex_unlock (&m->lock);
out:
  g_object_unref (p);
  return problem;
}

static gboolean
on_run (GThreadedSocketService *svc, GSocketConnection *conn, GObject *source,
    gpointer data)
{
  ClaudeMock *m = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  GDataInputStream *din = g_data_input_stream_new (in);
  gchar *line, *body = NULL, *resp, *reqline;
  gsize clen = 0;
  gboolean key_ok = FALSE, ver_ok = FALSE, ct_ok = FALSE;
  const gchar *problem = NULL;
  Reply *r;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&m->lock);
  m->active++;
  g_mutex_unlock (&m->lock);
  g_data_input_stream_set_newline_type (din, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  reqline = g_data_input_stream_read_line (din, NULL, NULL, NULL);
  if (reqline == NULL)
    goto done;
  while ((line = g_data_input_stream_read_line (din, NULL, NULL, NULL))) {
    gchar *colon;
    if (*line == '\0') {
      g_free (line);
      break;
    }
    colon = strchr (line, ':');
    if (colon) {
      gchar *name = g_ascii_strdown (line, colon - line);
      gchar *val = g_strstrip (g_strdup (colon + 1));
      if (g_str_equal (name, "content-length"))
        clen = g_ascii_strtoull (val, NULL, 10);
      else if (g_str_equal (name, "x-api-key"))
        key_ok = g_strcmp0 (val, m->key) == 0;
      else if (g_str_equal (name, "anthropic-version"))
        ver_ok = g_str_equal (val, "2023-06-01");
      else if (g_str_equal (name, "content-type"))
        ct_ok = g_str_has_prefix (val, "application/json");
      g_free (name);
      g_free (val);
    }
    g_free (line);
  }
  body = g_malloc0 (clen + 1);
  if (clen &&
      !g_input_stream_read_all (
          G_INPUT_STREAM (din), body, clen, NULL, NULL, NULL))
    goto done;

  g_mutex_lock (&m->lock);
  m->requests++;
  g_array_append_val (m->times, now);
  r = g_queue_pop_head (&m->replies);
  g_mutex_unlock (&m->lock);

  if (!g_str_has_prefix (reqline, "POST /v1/messages "))
    problem = "not POST /v1/messages";
  else if (!key_ok)
    problem = "x-api-key missing or wrong";
  else if (!ver_ok)
    problem = "anthropic-version is not 2023-06-01";
  else if (!ct_ok)
    problem = "content-type is not application/json";
  else
    problem = check_body (m, body, clen);
  if (problem) {
    set_problem (m, problem);
    if (r == NULL) {
      r = g_new0 (Reply, 1);
      r->status = 400;
      r->body = g_strdup_printf ("{\"type\":\"error\",\"error\":{\"type\":"
                                 "\"invalid_request_error\",\"message\":"
                                 "\"mock: %s\"}}",
          problem);
    }
  }
  if (r == NULL) {
    r = g_new0 (Reply, 1);
    r->status = 200;
    r->body = claude_mock_success_body ();
  }
  if (r->delay_ms) {
    gint64 until = g_get_monotonic_time () + r->delay_ms * 1000LL;
    while (g_get_monotonic_time () < until) {
      gboolean closing;
      g_mutex_lock (&m->lock);
      closing = m->closing;
      g_mutex_unlock (&m->lock);
      if (closing)
        break;
      g_usleep (10000);
    }
  }
  resp = g_strdup_printf ("HTTP/1.1 %u Mock\r\ncontent-type: %s\r\n"
                          "request-id: req_%u\r\ncontent-length: %zu\r\n"
                          "connection: close\r\n%s\r\n%s",
      r->status,
      r->body && r->body[0] == '<' ? "text/html" : "application/json",
      m->requests, strlen (r->body ? r->body : ""),
      r->headers ? r->headers : "", r->body ? r->body : "");
  g_output_stream_write_all (out, resp, strlen (resp), NULL, NULL, NULL);
  g_mutex_lock (&m->lock);
  m->answered++;
  g_mutex_unlock (&m->lock);
  g_free (resp);
  g_free (r->headers);
  g_free (r->body);
  g_free (r);
done:
  g_free (reqline);
  g_free (body);
  g_object_unref (din);
  g_mutex_lock (&m->lock);
  m->active--;
  g_cond_broadcast (&m->idle);
  g_mutex_unlock (&m->lock);
  return TRUE;
}

ClaudeMock *
claude_mock_new (const gchar *api_key)
{
  ClaudeMock *m = g_new0 (ClaudeMock, 1);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
  GSocketAddress *eff = NULL;
  GError *err = NULL;

  m->key = g_strdup (api_key);
  m->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_mutex_init (&m->lock);
  g_cond_init (&m->idle);
  /* an active service accepts in the thread-default context of the
   * moment a listener is added: make that the mock's own context */
  m->ctx = g_main_context_new ();
  m->loop = g_main_loop_new (m->ctx, FALSE);
  g_main_context_push_thread_default (m->ctx);
  m->service = G_THREADED_SOCKET_SERVICE (g_threaded_socket_service_new (8));
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (m->service), addr,
          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &eff, &err))
    g_error ("mock: %s", err->message);
  m->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (eff));
  g_signal_connect (m->service, "run", G_CALLBACK (on_run), m);
  g_socket_service_start (G_SOCKET_SERVICE (m->service));
  g_main_context_pop_thread_default (m->ctx);
  m->thread = g_thread_new ("claude-mock", loop_main, m);
  g_object_unref (eff);
  g_object_unref (addr);
  g_object_unref (lo);
  return m;
}

void
claude_mock_free (ClaudeMock *m)
{
  Reply *r;

  g_mutex_lock (&m->lock);
  m->closing = TRUE;
  g_mutex_unlock (&m->lock);
  g_socket_service_stop (G_SOCKET_SERVICE (m->service));
  g_socket_listener_close (G_SOCKET_LISTENER (m->service));
  /* handlers still answering use m: let them finish */
  g_mutex_lock (&m->lock);
  while (m->active > 0)
    g_cond_wait (&m->idle, &m->lock);
  g_mutex_unlock (&m->lock);
  g_object_unref (m->service);
  {
    /* quit from inside the loop: a quit before the thread runs the loop
     * would be lost */
    GSource *src = g_idle_source_new ();
    g_source_set_callback (src, quit_loop, m->loop, NULL);
    g_source_attach (src, m->ctx);
    g_source_unref (src);
  }
  g_thread_join (m->thread);
  /* the cancelled accept still has a source to dispatch */
  while (g_main_context_iteration (m->ctx, FALSE))
    ;
  g_main_loop_unref (m->loop);
  g_main_context_unref (m->ctx);
  while ((r = g_queue_pop_head (&m->replies))) {
    g_free (r->headers);
    g_free (r->body);
    g_free (r);
  }
  g_array_free (m->times, TRUE);
  g_free (m->key);
  g_free (m->problem);
  g_free (m->prompt);
  g_mutex_clear (&m->lock);
  g_cond_clear (&m->idle);
  g_free (m);
}

gchar *
claude_mock_url (ClaudeMock *m)
{
  return g_strdup_printf ("http://127.0.0.1:%u", m->port);
}

void
claude_mock_push (ClaudeMock *m, guint status, const gchar *headers,
    const gchar *body, guint delay_ms)
{
  Reply *r = g_new0 (Reply, 1);
  r->status = status;
  r->headers = g_strdup (headers);
  r->body = body ? g_strdup (body) : claude_mock_success_body ();
  r->delay_ms = delay_ms;
  g_mutex_lock (&m->lock);
  g_queue_push_tail (&m->replies, r);
  g_mutex_unlock (&m->lock);
}

#define GETTER(type, name, field)                                              \
  type name (ClaudeMock *m)                                                    \
  {                                                                            \
    type v;                                                                    \
    g_mutex_lock (&m->lock);                                                   \
    v = m->field;                                                              \
    g_mutex_unlock (&m->lock);                                                 \
    return v;                                                                  \
  }

GETTER (guint, claude_mock_requests, requests)
GETTER (guint, claude_mock_answered, answered)
GETTER (guint, claude_mock_invalid, invalid)

gchar *
claude_mock_last_problem (ClaudeMock *m)
{
  gchar *p;
  g_mutex_lock (&m->lock);
  p = g_strdup (m->problem);
  g_mutex_unlock (&m->lock);
  return p;
}

gchar *
claude_mock_last_prompt (ClaudeMock *m)
{
  gchar *p;
  g_mutex_lock (&m->lock);
  p = g_strdup (m->prompt);
  g_mutex_unlock (&m->lock);
  return p;
}

gint64
claude_mock_request_time (ClaudeMock *m, guint i)
{
  gint64 t = 0;
  g_mutex_lock (&m->lock);
  if (i < m->times->len)
    t = g_array_index (m->times, gint64, i);
  g_mutex_unlock (&m->lock);
  return t;
}

void
claude_mock_last_image (ClaudeMock *m, gint *w, gint *h)
{
  g_mutex_lock (&m->lock);
  *w = m->img_w;
  *h = m->img_h;
  g_mutex_unlock (&m->lock);
}
