/* Integration tests: axionwebhooksink against an HTTP receiver in this
 * process (GIO sockets on 127.0.0.1, a free port) whose answers each test
 * scripts, and the Redis 7 / PostgreSQL 15 of tests/fixtures/with-servers:
 * retries with backoff, timeouts, permanent failures to the dead-letter
 * list, replay, signatures, secrets, alerts rows marked notified. */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/axion/axion.h>
#include "deliverytest.h"
#include <gio/gio.h>
#include <hiredis/hiredis.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <string.h>

/* ---- the receiver ---------------------------------------------------------
 */

typedef struct
{
  gint status; /* 0: hang for hang_ms, then close without an answer */
  guint hang_ms;
  const gchar *body;
  const gchar *retry_after;
} Reply;

typedef struct
{
  gint64 at_us;        /* monotonic, when the request was read */
  GHashTable *headers; /* lower-case name -> value */
  gchar *body;
} Request;

typedef struct
{
  GSocket *listener;
  gint port;
  GThread *acceptor;
  GPtrArray *conns; /* GThread */
  GCancellable *cancel;
  GMutex lock;
  GQueue script; /* Reply: one per request, then dflt */
  Reply dflt;
  GPtrArray *requests; /* Request */
  gboolean quit;
} Receiver;

static void
request_free (Request *r)
{
  g_hash_table_unref (r->headers);
  g_free (r->body);
  g_free (r);
}

typedef struct
{
  Receiver *rx;
  GSocket *sock;
} Conn;

static gboolean
read_request (GSocket *s, Request *req)
{
  GString *buf = g_string_new (NULL);
  gchar chunk[4096], *end, **lines;
  gssize n;
  gsize need = 0, head_len;

  while ((end = strstr (buf->str, "\r\n\r\n")) == NULL) {
    n = g_socket_receive (s, chunk, sizeof (chunk), NULL, NULL);
    if (n <= 0) {
      g_string_free (buf, TRUE);
      return FALSE;
    }
    g_string_append_len (buf, chunk, n);
  }
  head_len = end - buf->str + 4;
  *end = '\0';
  lines = g_strsplit (buf->str, "\r\n", -1);
  *end = '\r';
  for (guint i = 1; lines[i]; i++) {
    gchar *colon = strchr (lines[i], ':');
    if (colon == NULL)
      continue;
    *colon = '\0';
    g_hash_table_insert (req->headers, g_ascii_strdown (lines[i], -1),
        g_strdup (g_strstrip (colon + 1)));
  }
  g_strfreev (lines);
  if (g_hash_table_lookup (req->headers, "content-length"))
    need = g_ascii_strtoull (
        g_hash_table_lookup (req->headers, "content-length"), NULL, 10);
  while (buf->len < head_len + need) {
    n = g_socket_receive (s, chunk, sizeof (chunk), NULL, NULL);
    if (n <= 0)
      break;
    g_string_append_len (buf, chunk, n);
  }
  req->body = g_strndup (buf->str + head_len, need);
  g_string_free (buf, TRUE);
  return TRUE;
}

static gpointer
conn_main (Conn *c)
{
  Receiver *rx = c->rx;
  Request *req = g_new0 (Request, 1);
  Reply reply, *scripted;

  req->headers = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, g_free);
  g_socket_set_timeout (c->sock, 30);
  if (!read_request (c->sock, req)) {
    request_free (req);
    goto out;
  }
  req->at_us = g_get_monotonic_time ();
  g_mutex_lock (&rx->lock);
  g_ptr_array_add (rx->requests, req);
  scripted = g_queue_pop_head (&rx->script);
  reply = scripted ? *scripted : rx->dflt;
  g_free (scripted);
  g_mutex_unlock (&rx->lock);
  if (reply.status == 0) {
    gint64 until = g_get_monotonic_time () + reply.hang_ms * 1000;
    while (g_get_monotonic_time () < until) {
      gboolean quit;
      g_mutex_lock (&rx->lock);
      quit = rx->quit;
      g_mutex_unlock (&rx->lock);
      if (quit)
        break;
      g_usleep (20 * 1000);
    }
  } else {
    const gchar *body = reply.body ? reply.body : "ok";
    gchar *resp = g_strdup_printf ("HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
                                   "Content-Type: text/plain\r\n%s%s%s"
                                   "Connection: close\r\n\r\n%s",
        reply.status, strlen (body), reply.retry_after ? "Retry-After: " : "",
        reply.retry_after ? reply.retry_after : "",
        reply.retry_after ? "\r\n" : "", body);
    g_socket_send (c->sock, resp, strlen (resp), NULL, NULL);
    g_free (resp);
  }
out:
  g_socket_close (c->sock, NULL);
  g_object_unref (c->sock);
  g_free (c);
  return NULL;
}

static gpointer
accept_main (Receiver *rx)
{
  while (TRUE) {
    GSocket *s = g_socket_accept (rx->listener, rx->cancel, NULL);
    Conn *c;
    if (s == NULL)
      break;
    c = g_new0 (Conn, 1);
    c->rx = rx;
    c->sock = s;
    g_mutex_lock (&rx->lock);
    g_ptr_array_add (
        rx->conns, g_thread_new ("conn", (GThreadFunc) conn_main, c));
    g_mutex_unlock (&rx->lock);
  }
  return NULL;
}

static Receiver *
receiver_new (void)
{
  Receiver *rx = g_new0 (Receiver, 1);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *a = g_inet_socket_address_new (lo, 0), *bound;

  rx->listener = g_socket_new (
      G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  fail_unless (g_socket_bind (rx->listener, a, TRUE, NULL));
  fail_unless (g_socket_listen (rx->listener, NULL));
  bound = g_socket_get_local_address (rx->listener, NULL);
  rx->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (a);
  g_object_unref (lo);
  g_mutex_init (&rx->lock);
  g_queue_init (&rx->script);
  rx->dflt.status = 200;
  rx->conns = g_ptr_array_new ();
  rx->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  rx->cancel = g_cancellable_new ();
  rx->acceptor = g_thread_new ("accept", (GThreadFunc) accept_main, rx);
  return rx;
}

static void
receiver_script (Receiver *rx, gint status, guint hang_ms, const gchar *body,
    const gchar *retry_after)
{
  Reply *r = g_new0 (Reply, 1);

  r->status = status;
  r->hang_ms = hang_ms;
  r->body = body;
  r->retry_after = retry_after;
  g_mutex_lock (&rx->lock);
  g_queue_push_tail (&rx->script, r);
  g_mutex_unlock (&rx->lock);
}

static guint
receiver_count (Receiver *rx)
{
  guint n;
  g_mutex_lock (&rx->lock);
  n = rx->requests->len;
  g_mutex_unlock (&rx->lock);
  return n;
}

/* waits (generously: delivery, not speed, is tested) for @n requests */
static gboolean
receiver_wait (Receiver *rx, guint n, guint seconds)
{
  for (guint i = 0; i < seconds * 20; i++) {
    if (receiver_count (rx) >= n)
      return TRUE;
    g_usleep (50 * 1000);
  }
  return receiver_count (rx) >= n;
}

/* request @i (the receiver's lock is not needed once the test waited) */
static Request *
receiver_request (Receiver *rx, guint i)
{
  Request *r;
  g_mutex_lock (&rx->lock);
  fail_unless (i < rx->requests->len);
  r = rx->requests->pdata[i];
  g_mutex_unlock (&rx->lock);
  return r;
}

static void
receiver_free (Receiver *rx)
{
  g_mutex_lock (&rx->lock);
  rx->quit = TRUE;
  g_mutex_unlock (&rx->lock);
  g_cancellable_cancel (rx->cancel);
  g_thread_join (rx->acceptor);
  for (guint i = 0; i < rx->conns->len; i++)
    g_thread_join (rx->conns->pdata[i]);
  g_ptr_array_unref (rx->conns);
  g_ptr_array_unref (rx->requests);
  g_queue_clear_full (&rx->script, g_free);
  g_socket_close (rx->listener, NULL);
  g_object_unref (rx->listener);
  g_object_unref (rx->cancel);
  g_mutex_clear (&rx->lock);
  g_free (rx);
}

static gchar *
receiver_url (Receiver *rx, const gchar *userinfo)
{
  return g_strdup_printf ("http://%s%s127.0.0.1:%d/hook",
      userinfo ? userinfo : "", userinfo ? "@" : "", rx->port);
}

/* ---- the pipeline -------------------------------------------------------- */

static GstElement *
pipeline_new (const gchar *url, GstElement **src, GstElement **sink)
{
  GstElement *p = gst_pipeline_new (NULL);

  *src = gst_element_factory_make ("appsrc", NULL);
  *sink = gst_element_factory_make ("axionwebhooksink", NULL);
  fail_unless (*sink != NULL, "axionwebhooksink not built");
  g_object_set (*src, "format", GST_FORMAT_TIME, "is-live", FALSE,
      "max-buffers", (guint64) 0, NULL);
  g_object_set (*sink, "url", url, "retry-base-ms", 100, "retry-max-ms", 2000,
      "connect-timeout-ms", 1000, "timeout-ms", 5000, "async", FALSE, "sync",
      FALSE, NULL);
  gst_bin_add_many (GST_BIN (p), *src, *sink, NULL);
  fail_unless (gst_element_link (*src, *sink));
  return p;
}

static void
push_alert (GstElement *src, gint64 alert_id, gint severity)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);
  GstAxionAlert *a = gst_axion_alert_new ();

  gst_axion_frame_meta_set_camera_id (m, "cam1");
  gst_axion_frame_meta_set_capture_time (
      m, (gint64) 1893974400 * G_USEC_PER_SEC, GST_AXION_CAPTURE_TIME_NTP);
  a->alert_id = alert_id;
  a->severity = severity;
  a->camera_id = g_strdup ("cam1");
  a->title = g_strdup ("person in zone");
  a->description = g_strdup ("a person stood in the driveway");
  a->created_us = (gint64) 1893974400 * G_USEC_PER_SEC;
  gst_buffer_add_axion_alert_meta (buf, a);
  gst_axion_alert_free (a);
  fail_unless_equals_int (
      gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
}


static void
start_pipeline (GstElement *p)
{
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
}


static gboolean
wait_redis_len (redisContext *c, const gchar *key, long long n, guint seconds)
{
  for (guint i = 0; i < seconds * 20; i++) {
    if (redis_int (c, "LLEN", key) >= n)
      return TRUE;
    g_usleep (50 * 1000);
  }
  return redis_int (c, "LLEN", key) >= n;
}

/* the only dead-letter entry of @key, parsed into @jp */
static JsonObject *
dead_letter_entry (redisContext *c, const gchar *key, JsonParser *jp)
{
  redisReply *r = redisCommand (c, "LRANGE %s 0 -1", key);
  JsonObject *o;

  fail_unless_equals_int (r->elements, 1);
  fail_unless (json_parser_load_from_data (jp, r->element[0]->str, -1, NULL));
  freeReplyObject (r);
  o = json_node_get_object (json_parser_get_root (jp));
  return o;
}

static const gchar *
header (Request *r, const gchar *name)
{
  return g_hash_table_lookup (r->headers, name);
}

/* the receiver's side of the signature, as docs/elements/axionwebhooksink.md
 * tells receivers to check it */
static void
check_signature (Request *r, const gchar *secret)
{
  const gchar *ts = header (r, "x-axion-timestamp");
  const gchar *sig = header (r, "x-axion-signature");
  gchar *data, *hex, *want;

  fail_unless (ts != NULL && sig != NULL, "no signature headers");
  data = g_strconcat (ts, ".", r->body, NULL);
  hex = g_compute_hmac_for_data (G_CHECKSUM_SHA256, (const guchar *) secret,
      strlen (secret), (const guchar *) data, strlen (data));
  want = g_strconcat ("sha256=", hex, NULL);
  fail_unless_equals_string (sig, want);
  /* a recent Unix time */
  fail_unless (ABS (g_ascii_strtoll (ts, NULL, 10) -
                   g_get_real_time () / G_USEC_PER_SEC) < 600);
  g_free (data);
  g_free (hex);
  g_free (want);
}

/* ---- tests ----------------------------------------------------------------
 */

/* 500, 500, 200: delivered on the third attempt; the retries waited at
 * least the documented minimum (half of retry-base-ms × 2^(n−1)); every
 * attempt carries the same message id and a valid signature */
GST_START_TEST (test_retry_then_delivered)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  redisContext *rc = redis ();
  JsonParser *jp = json_parser_new ();
  const gchar *secret = "hook-secret-1";

  receiver_script (rx, 500, 0, "busy", NULL);
  receiver_script (rx, 500, 0, "busy", NULL);
  g_object_set (sink, "redis-url", g_getenv ("AXION_TEST_REDIS_URL"),
      "key-prefix", "w1", "secret", secret, "retry-base-ms", 400, NULL);
  start_pipeline (p);
  push_alert (src, 1001, 3);
  fail_unless (wait_stat (sink, "sent", 1, 60), "not delivered");
  fail_unless_equals_int (receiver_count (rx), 3);
  for (guint i = 0; i < 3; i++) {
    Request *r = receiver_request (rx, i);
    JsonObject *o;
    fail_unless_equals_string (header (r, "x-axion-message-id"), "1001");
    fail_unless_equals_string (header (r, "content-type"), "application/json");
    check_signature (r, secret);
    fail_unless (json_parser_load_from_data (jp, r->body, -1, NULL));
    o = json_node_get_object (json_parser_get_root (jp));
    fail_unless_equals_string (
        json_object_get_string_member (o, "message_id"), "1001");
    fail_unless_equals_int (json_object_get_int_member (o, "alert_id"), 1001);
  }
  /* backoff: ≥ 200 ms, then ≥ 400 ms */
  fail_unless (
      receiver_request (rx, 1)->at_us - receiver_request (rx, 0)->at_us >=
      200 * 1000);
  fail_unless (
      receiver_request (rx, 2)->at_us - receiver_request (rx, 1)->at_us >=
      400 * 1000);
  fail_unless_equals_int (stat_u64 (sink, "retried"), 1);
  fail_unless_equals_int (stat_u64 (sink, "failed"), 2);
  fail_unless_equals_int (redis_int (rc, "LLEN", "w1:queue:webhook:failed"), 0);
  fail_unless_equals_int (redis_int (rc, "ZCARD", "w1:queue:webhook:retry"), 0);
  fail_unless_equals_int (
      redis_int (rc, "LLEN", "w1:queue:webhook:dead_letter"), 0);
  stop_pipeline (p);
  redisFree (rc);
  g_object_unref (jp);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;

/* an endpoint that hangs longer than timeout-ms, then recovers */
GST_START_TEST (test_timeout_then_recover)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);

  receiver_script (rx, 0, 4000, NULL, NULL);
  g_object_set (sink, "redis-url", g_getenv ("AXION_TEST_REDIS_URL"),
      "key-prefix", "w2", "timeout-ms", 500, NULL);
  start_pipeline (p);
  push_alert (src, 2001, 3);
  fail_unless (wait_stat (sink, "sent", 1, 60), "not delivered");
  fail_unless_equals_int (receiver_count (rx), 2);
  fail_unless_equals_string (
      header (receiver_request (rx, 1), "x-axion-message-id"), "2001");
  fail_unless_equals_int (stat_u64 (sink, "failed"), 1);
  stop_pipeline (p);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;

/* a hung endpoint does not hold the pipeline's stop; the alert is kept
 * in the retry queue */
GST_START_TEST (test_stop_while_hung)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  redisContext *rc = redis ();
  gint64 t0;

  receiver_script (rx, 0, 60000, NULL, NULL);
  g_object_set (sink, "redis-url", g_getenv ("AXION_TEST_REDIS_URL"),
      "key-prefix", "w3", "timeout-ms", 120000, NULL);
  start_pipeline (p);
  push_alert (src, 3001, 3);
  fail_unless (receiver_wait (rx, 1, 30));
  t0 = g_get_monotonic_time ();
  stop_pipeline (p);
  /* the request's own timeout is 2 minutes and the endpoint hangs for
   * one: stopping took far less */
  fail_unless (g_get_monotonic_time () - t0 < 30 * G_USEC_PER_SEC);
  fail_unless_equals_int (redis_int (rc, "LLEN", "w3:queue:webhook:failed") +
          redis_int (rc, "ZCARD", "w3:queue:webhook:retry"),
      1);
  redisFree (rc);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;

/* 404: permanent, in the dead-letter list at once with final_error; put
 * back in the failed list with attempts 0, it is delivered */
GST_START_TEST (test_permanent_then_replay)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  redisContext *rc = redis ();
  JsonParser *jp = json_parser_new ();
  JsonObject *o;
  const gchar *final;

  receiver_script (rx, 404, 0, "no such hook\n\001 here", NULL);
  g_object_set (sink, "redis-url", g_getenv ("AXION_TEST_REDIS_URL"),
      "key-prefix", "w4", "channel", "ops", NULL);
  start_pipeline (p);
  push_alert (src, 4001, 3);
  fail_unless (wait_redis_len (rc, "w4:queue:ops:dead_letter", 1, 60),
      "not dead-lettered");
  o = dead_letter_entry (rc, "w4:queue:ops:dead_letter", jp);
  final = json_object_get_string_member (o, "final_error");
  fail_unless (g_str_has_prefix (final, "http 404: no such hook"), "%s", final);
  fail_unless (strchr (final, '\n') == NULL && strchr (final, '\001') == NULL);
  fail_unless_equals_int (json_object_get_int_member (o, "attempts"), 1);
  fail_unless (json_object_get_int_member (o, "failed_at") > 0);
  fail_unless_equals_string (json_object_get_string_member (o, "id"), "4001");
  fail_unless_equals_int (stat_u64 (sink, "rejected"), 1);
  /* never retried */
  g_usleep (1500 * 1000);
  fail_unless_equals_int (receiver_count (rx), 1);
  fail_unless_equals_int (redis_int (rc, "LLEN", "w4:queue:ops:failed") +
          redis_int (rc, "ZCARD", "w4:queue:ops:retry"),
      0);

  /* replay (axion-alerts dead-letter replay does this) */
  json_object_set_int_member (o, "attempts", 0);
  json_object_remove_member (o, "final_error");
  {
    JsonGenerator *g = json_generator_new ();
    gchar *text;
    redisReply *r;
    json_generator_set_root (g, json_parser_get_root (jp));
    text = json_generator_to_data (g, NULL);
    r = redisCommand (rc, "DEL w4:queue:ops:dead_letter");
    freeReplyObject (r);
    r = redisCommand (rc, "LPUSH w4:queue:ops:failed %s", text);
    freeReplyObject (r);
    g_free (text);
    g_object_unref (g);
  }
  fail_unless (wait_stat (sink, "sent", 1, 60), "the replay was not delivered");
  fail_unless_equals_int (receiver_count (rx), 2);
  fail_unless_equals_string (
      header (receiver_request (rx, 1), "x-axion-message-id"), "4001");
  stop_pipeline (p);
  redisFree (rc);
  g_object_unref (jp);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;

/* always 503 (with Retry-After: 1): exactly max-attempts requests, each
 * retry at least Retry-After later, then the dead-letter list */
GST_START_TEST (test_max_attempts)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  redisContext *rc = redis ();
  JsonParser *jp = json_parser_new ();
  JsonObject *o;

  rx->dflt.status = 503;
  rx->dflt.body = "maintenance";
  rx->dflt.retry_after = "1";
  g_object_set (sink, "redis-url", g_getenv ("AXION_TEST_REDIS_URL"),
      "key-prefix", "w5", "max-attempts", 3, NULL);
  start_pipeline (p);
  push_alert (src, 5001, 3);
  fail_unless (wait_redis_len (rc, "w5:queue:webhook:dead_letter", 1, 60),
      "not dead-lettered");
  g_usleep (1500 * 1000);
  fail_unless_equals_int (receiver_count (rx), 3);
  for (guint i = 1; i < 3; i++)
    fail_unless (
        receiver_request (rx, i)->at_us - receiver_request (rx, i - 1)->at_us >=
        900 * 1000);
  o = dead_letter_entry (rc, "w5:queue:webhook:dead_letter", jp);
  fail_unless_equals_int (json_object_get_int_member (o, "attempts"), 3);
  fail_unless (strstr (json_object_get_string_member (o, "final_error"),
                   "http 503: maintenance") != NULL);
  stop_pipeline (p);
  redisFree (rc);
  g_object_unref (jp);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;

/* only alerts at or above min-severity */
GST_START_TEST (test_min_severity)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);

  g_object_set (sink, "min-severity", 3, NULL);
  start_pipeline (p);
  push_alert (src, 6001, 2);
  push_alert (src, 6002, 4);
  fail_unless (wait_stat (sink, "sent", 1, 60));
  g_usleep (500 * 1000);
  fail_unless_equals_int (receiver_count (rx), 1);
  fail_unless_equals_string (
      header (receiver_request (rx, 0), "x-axion-message-id"), "6002");
  stop_pipeline (p);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;


/* no Redis: an alert not delivered at stop waits in the spool file and
 * is delivered by the next run */
GST_START_TEST (test_local_spool)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  gchar *dir = g_build_filename (g_getenv ("AXION_TEST_TMPDIR"), "spool", NULL);
  gchar *file = g_build_filename (dir, "webhook-local.jsonl", NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);

  rx->dflt.status = 500;
  g_object_set (sink, "spool-dir", dir, "channel", "local", "retry-base-ms",
      60000, "retry-max-ms", 60000, NULL);
  start_pipeline (p);
  push_alert (src, 9001, 3);
  fail_unless (wait_stat (sink, "failed", 1, 60));
  stop_pipeline (p);
  fail_unless (g_file_test (file, G_FILE_TEST_EXISTS), "no spool file");
  g_mutex_lock (&rx->lock);
  rx->dflt.status = 200;
  g_mutex_unlock (&rx->lock);
  p = pipeline_new (url, &src, &sink);
  g_object_set (sink, "spool-dir", dir, "channel", "local", NULL);
  start_pipeline (p);
  fail_unless (wait_stat (sink, "sent", 1, 120),
      "the spooled alert was not "
      "delivered");
  fail_unless_equals_string (
      header (
          receiver_request (rx, receiver_count (rx) - 1), "x-axion-message-id"),
      "9001");
  stop_pipeline (p);
  g_free (url);
  g_free (dir);
  g_free (file);
  receiver_free (rx);
}
GST_END_TEST;

/* ---- secrets ------------------------------------------------------------- */


static void
assert_hidden (const gchar *text, const gchar *where)
{
  fail_unless (strstr (text, "pw-Q7z") == NULL, "url password in %s", where);
  fail_unless (strstr (text, "sec-K4x") == NULL, "secret in %s", where);
  fail_unless (strstr (text, "key-M2v") == NULL, "header value in %s", where);
}

GST_START_TEST (test_credentials_never_shown)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, "axion:pw-Q7z");
  GstElement *src, *sink, *p;
  gchar *shown, *texts, *basic;
  GstStructure *stats;

  log_capture_begin ();

  p = pipeline_new (url, &src, &sink);
  g_object_set (sink, "secret", "sec-K4x", "headers",
      "X-Api-Key: key-M2v\nX-Team: ops", NULL);
  g_object_get (sink, "url", &shown, NULL);
  assert_hidden (shown, "the url read back");
  fail_unless (strstr (shown, "127.0.0.1") != NULL, "%s", shown);
  g_free (shown);
  g_object_get (sink, "secret", &shown, NULL);
  fail_unless_equals_string (shown, "***");
  g_free (shown);
  g_object_get (sink, "headers", &shown, NULL);
  assert_hidden (shown, "the headers read back");
  fail_unless (strstr (shown, "X-Api-Key") != NULL, "%s", shown);
  g_free (shown);
  /* a failure (its text in logs, stats, the retry queue), then success */
  receiver_script (rx, 500, 0, "echo sec-K4x key-M2v pw-Q7z", NULL);
  receiver_script (rx, 401, 0, "denied", NULL);
  start_pipeline (p);
  push_alert (src, 7001, 3);
  fail_unless (wait_stat (sink, "rejected", 1, 60));
  push_alert (src, 7002, 3);
  fail_unless (wait_stat (sink, "sent", 1, 60));
  {
    Request *r = receiver_request (rx, 2);
    fail_unless_equals_string (header (r, "x-api-key"), "key-M2v");
    fail_unless_equals_string (header (r, "x-team"), "ops");
    check_signature (r, "sec-K4x");
    /* the url's credentials: HTTP basic auth */
    basic = g_base64_encode ((const guchar *) "axion:pw-Q7z", 12);
    fail_unless (g_str_has_suffix (header (r, "authorization"), basic));
    g_free (basic);
  }
  g_object_get (sink, "stats", &stats, NULL);
  texts = gst_structure_to_string (stats);
  assert_hidden (texts, "stats");
  g_free (texts);
  gst_structure_free (stats);
  texts = bus_texts (p);
  stop_pipeline (p);
  assert_hidden (texts, "bus messages");
  g_free (texts);

  gchar *logtext = log_capture_end ();
  fail_unless (strlen (logtext) > 1000, "the debug log was not captured");
  fail_unless (strstr (logtext, "alert 7001") != NULL,
      "the sink's own lines are not in the debug log");
  assert_hidden (logtext, "the debug log");
  g_free (logtext);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;

/* ---- alerts rows ----------------------------------------------------------
 */


GST_START_TEST (test_alerts_marked_notified)
{
  Receiver *rx = receiver_new ();
  gchar *url = receiver_url (rx, NULL);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  PGconn *c = PQconnectdb (g_getenv ("AXION_TEST_PG_CONNINFO"));
  gchar *v = NULL;
  const gchar *want = "8001:true:ops-hook:true";

  fail_unless (PQstatus (c) == CONNECTION_OK);
  PQclear (PQexec (c,
      "INSERT INTO alerts (alert_id, alert_type, severity, camera_id, "
      "title, description) VALUES (8001, 'motion', 3, 'cam1', 't', 'd')"));
  g_object_set (sink, "conninfo", g_getenv ("AXION_TEST_PG_CONNINFO"),
      "channel", "ops-hook", NULL);
  start_pipeline (p);
  push_alert (src, 8001, 3);
  for (guint i = 0; i < 600; i++) {
    g_free (v);
    v = pg_scalar (c,
        "SELECT alert_id || ':' || notification_sent || ':' || "
        "array_to_string(notification_channels, ',') || ':' || "
        "(notification_sent_at IS NOT NULL) FROM alerts WHERE alert_id = "
        "8001");
    if (v && g_str_equal (v, want))
      break;
    g_usleep (50 * 1000);
  }
  fail_unless_equals_string (v, want);
  /* the row is committed a moment before the worker counts it */
  for (guint i = 0; i < 200 && stat_u64 (sink, "notified") < 1; i++)
    g_usleep (50 * 1000);
  fail_unless_equals_int (stat_u64 (sink, "notified"), 1);
  g_free (v);
  stop_pipeline (p);
  PQfinish (c);
  g_free (url);
  receiver_free (rx);
}
GST_END_TEST;

static Suite *
webhook_suite (void)
{
  Suite *s = suite_create ("axionwebhooksink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_retry_then_delivered);
  tcase_add_test (tc, test_timeout_then_recover);
  tcase_add_test (tc, test_stop_while_hung);
  tcase_add_test (tc, test_permanent_then_replay);
  tcase_add_test (tc, test_max_attempts);
  tcase_add_test (tc, test_min_severity);
  tcase_add_test (tc, test_local_spool);
  tcase_add_test (tc, test_credentials_never_shown);
  tcase_add_test (tc, test_alerts_marked_notified);
  return s;
}

int
main (int argc, char **argv)
{
  gchar *cmd, *out = NULL, *errout = NULL;
  gint status;

  /* the alerts table of test_alerts_marked_notified */
  cmd = g_strdup_printf ("%s/tools/axion-db migrate", AXION_SRCDIR);
  if (!g_spawn_command_line_sync (cmd, &out, &errout, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL)) {
    g_printerr ("migrate failed: %s%s\n", out, errout);
    return 1;
  }
  g_free (cmd);
  g_free (out);
  g_free (errout);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (webhook_suite (), "axionwebhooksink", __FILE__);
}
