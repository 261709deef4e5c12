/* Integration tests: axionmqttsink against a real mosquitto broker (started
 * here, on a free port, in the test's temporary directory) and the Redis 7
 * of tests/fixtures/with-servers: delivery through broker restarts, the
 * §2.6 retry and dead-letter queues, Home Assistant discovery, secrets. */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/axion/axion.h>
#include "deliverytest.h"
#include "mqttbroker.h"
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <json-glib/json-glib.h>
#include <mosquitto.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a subscriber ----------------------------------------------------------
 */

typedef struct
{
  GMutex lock;
  GHashTable *ids; /* message_id -> count */
  guint total;
  GPtrArray *messages; /* "topic\tretain\tpayload" of other topics */
  const gchar *filter;
  gint subscribed;
} Sub;

static void
sub_on_subscribe (
    struct mosquitto *m, void *data, int mid, int n, const int *granted)
{
  g_atomic_int_set (&((Sub *) data)->subscribed, 1);
}

static void
sub_on_connect (struct mosquitto *m, void *data, int rc)
{
  Sub *s = data;
  if (rc == 0)
    mosquitto_subscribe (m, NULL, s->filter, 1);
}

static gchar *
message_id (const gchar *payload)
{
  JsonParser *p = json_parser_new ();
  gchar *id = NULL;

  if (json_parser_load_from_data (p, payload, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p))) {
    JsonObject *o = json_node_get_object (json_parser_get_root (p));
    if (json_object_has_member (o, "message_id"))
      id = g_strdup (json_object_get_string_member (o, "message_id"));
  }
  g_object_unref (p);
  return id;
}

static void
sub_on_message (
    struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
  Sub *s = data;
  gchar *payload = g_strndup (msg->payload, msg->payloadlen);
  gchar *id = g_str_has_suffix (msg->topic, "/event") ||
          g_str_has_suffix (msg->topic, "/alert")
      ? message_id (payload)
      : NULL;

  g_mutex_lock (&s->lock);
  if (id) {
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (s->ids, id));
    g_hash_table_insert (s->ids, id, GUINT_TO_POINTER (n + 1));
    s->total++;
  } else {
    g_ptr_array_add (s->messages,
        g_strdup_printf (
            "%s\t%d\t%s", msg->topic, msg->retain ? 1 : 0, payload));
  }
  g_mutex_unlock (&s->lock);
  g_free (payload);
}

static struct mosquitto *
sub_new (
    Sub *s, Broker *b, const gchar *filter, const gchar *user, const gchar *pw)
{
  /* a persistent session: what arrives while it reconnects waits for it */
  struct mosquitto *m = mosquitto_new ("axion-test-sub", FALSE, s);

  g_mutex_init (&s->lock);
  s->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->messages = g_ptr_array_new_with_free_func (g_free);
  s->filter = filter;
  if (user)
    mosquitto_username_pw_set (m, user, pw);
  mosquitto_connect_callback_set (m, sub_on_connect);
  mosquitto_message_callback_set (m, sub_on_message);
  mosquitto_subscribe_callback_set (m, sub_on_subscribe);
  mosquitto_reconnect_delay_set (m, 1, 1, false);
  fail_unless_equals_int (
      mosquitto_connect (m, "127.0.0.1", b->port, 10), MOSQ_ERR_SUCCESS);
  fail_unless_equals_int (mosquitto_loop_start (m), MOSQ_ERR_SUCCESS);
  /* subscribed before anything is published (or the broker restarted) */
  for (guint i = 0; i < 1000 && !g_atomic_int_get (&s->subscribed); i++)
    g_usleep (10 * 1000);
  fail_unless (g_atomic_int_get (&s->subscribed), "no SUBACK");
  return m;
}

static guint
sub_distinct (Sub *s)
{
  guint n;
  g_mutex_lock (&s->lock);
  n = g_hash_table_size (s->ids);
  g_mutex_unlock (&s->lock);
  return n;
}

static void
sub_free (Sub *s, struct mosquitto *m)
{
  mosquitto_disconnect (m);
  mosquitto_loop_stop (m, TRUE);
  mosquitto_destroy (m);
  g_hash_table_unref (s->ids);
  g_ptr_array_unref (s->messages);
  g_mutex_clear (&s->lock);
}

/* waits (generously: delivery, not speed, is tested) for @n distinct ids */
static gboolean
sub_wait (Sub *s, guint n, guint seconds)
{
  for (guint i = 0; i < seconds * 20 && sub_distinct (s) < n; i++)
    g_usleep (50 * 1000);
  return sub_distinct (s) >= n;
}

/* ---- the pipeline -------------------------------------------------------- */

static GstElement *
pipeline_new (const gchar *broker_url, GstElement **src, GstElement **sink)
{
  GstElement *p = gst_pipeline_new (NULL);

  *src = gst_element_factory_make ("appsrc", NULL);
  *sink = gst_element_factory_make ("axionmqttsink", NULL);
  fail_unless (*sink != NULL, "axionmqttsink not built");
  g_object_set (*src, "format", GST_FORMAT_TIME, "is-live", FALSE,
      "max-buffers", (guint64) 0, NULL);
  g_object_set (*sink, "broker-url", broker_url, "camera-id", "cam1",
      "retry-base-ms", 100, "retry-max-ms", 1000, "connect-timeout-ms", 1000,
      "async", FALSE, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (p), *src, *sink, NULL);
  fail_unless (gst_element_link (*src, *sink));
  return p;
}

static void
push_event (GstElement *src, guint64 n)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);

  GST_BUFFER_PTS (buf) = n * GST_MSECOND;
  gst_axion_frame_meta_set_camera_id (m, "cam1");
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (m,
      (gint64) 1893974400 * G_USEC_PER_SEC + (gint64) n * 1000,
      GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_SCENE_CHANGE);
  fail_unless_equals_int (
      gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
}


static gboolean
stat_bool (GstElement *sink, const gchar *field)
{
  GstStructure *s;
  gboolean v = FALSE;

  g_object_get (sink, "stats", &s, NULL);
  gst_structure_get_boolean (s, field, &v);
  gst_structure_free (s);
  return v;
}


/* 10,000 events, the broker stopped and started 5 times while they flow
 * (and events pushed while it is away): every one arrives. Under the
 * sanitizers 5,000 events, outages of ~250: the same 5 restarts (10,000
 * took 50 s of the asanleaks run, 13 s in the plain run). */
GST_START_TEST (test_broker_restarts)
{
  const guint64 n = g_getenv ("ASAN_OPTIONS") ? 5000 : 10000;
  Broker *b = broker_new (NULL);
  Sub s = { 0 };
  struct mosquitto *sub = sub_new (&s, b, "axis-is/+/event", NULL, NULL);
  gchar *url = g_strdup_printf ("mqtt://127.0.0.1:%d", b->port);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  redisContext *rc = redis ();
  gboolean queued_in_redis = FALSE;
  guint64 dup;

  g_object_set (sink, "redis-url", g_getenv ("AXION_TEST_REDIS_URL"), NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  for (guint64 i = 0; i < n; i++) {
    push_event (src, i);
    if (i % (n / 5) == n / 10) { /* 5 outages of ~n/20 events */
      broker_stop (b);
      for (guint64 k = 1; k <= n / 20; k++)
        push_event (src, ++i);
      g_usleep (400 * 1000);
      /* meanwhile they wait in the schema's queues, shared by processes */
      queued_in_redis |= redis_int (rc, "LLEN", "axion:queue:mqtt:failed") >
              0 ||
          redis_int (rc, "ZCARD", "axion:queue:mqtt:retry") > 0;
      broker_start (b);
    }
    if (i % 50 == 0)
      g_usleep (2000);
  }
  fail_unless (queued_in_redis, "nothing reached the §2.6 queues in Redis");
  fail_unless (sub_wait (&s, n, 120),
      "delivered %u of %" G_GUINT64_FORMAT " events", sub_distinct (&s), n);
  dup = s.total - sub_distinct (&s);
  GST_INFO ("%" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT
            " duplicates, redelivered %" G_GUINT64_FORMAT,
      n, dup, stat_u64 (sink, "redelivered"));
  /* every duplicate is one the sink knows it may have sent twice, or one
   * the broker sent the subscriber again after its restart: at most its
   * in-flight window (max_inflight_messages, 20) per restart */
  fail_unless (dup <= stat_u64 (sink, "redelivered") + 5 * 20,
      "%" G_GUINT64_FORMAT " duplicates, %" G_GUINT64_FORMAT " redelivered",
      dup, stat_u64 (sink, "redelivered"));
  fail_unless (stat_u64 (sink, "retried") > 0);
  fail_unless_equals_int (stat_u64 (sink, "dead-lettered"), 0);
  stop_pipeline (p);
  sub_free (&s, sub);
  redisFree (rc);
  g_free (url);
  broker_free (b);
}
GST_END_TEST;

/* a broker that takes a publish and never acknowledges it: the message
 * is attempted max-attempts times, then lands in the dead-letter list
 * with its final error; put back in the failed list, it is delivered */
GST_START_TEST (test_dead_letter_and_replay)
{
  Broker *b = broker_new (NULL);
  Sub s = { 0 };
  struct mosquitto *sub = sub_new (&s, b, "axis-is/+/event", NULL, NULL);
  gchar *url = g_strdup_printf ("mqtt://127.0.0.1:%d", b->port);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  redisContext *rc = redis ();
  redisReply *r;
  JsonParser *jp = json_parser_new ();
  JsonObject *o;

  g_object_set (sink, "redis-url", g_getenv ("AXION_TEST_REDIS_URL"),
      "key-prefix", "t2", "max-attempts", 1, "ack-timeout-ms", 300, NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  push_event (src, 1);
  fail_unless (sub_wait (&s, 1, 30));
  kill (b->pid, SIGSTOP);
  push_event (src, 2);
  for (guint i = 0;
       i < 600 && redis_int (rc, "LLEN", "t2:queue:mqtt:dead_letter") < 1; i++)
    g_usleep (50 * 1000);
  r = redisCommand (rc, "LRANGE t2:queue:mqtt:dead_letter 0 -1");
  fail_unless_equals_int (r->elements, 1);
  fail_unless (json_parser_load_from_data (jp, r->element[0]->str, -1, NULL));
  o = json_node_get_object (json_parser_get_root (jp));
  fail_unless (strstr (json_object_get_string_member (o, "final_error"),
                   "max_retries_exceeded: no PUBACK") != NULL);
  fail_unless_equals_int (json_object_get_int_member (o, "attempts"), 1);
  fail_unless (json_object_get_int_member (o, "failed_at") > 0);
  fail_unless_equals_string (
      json_object_get_string_member (o, "topic"), "axis-is/cam1/event");
  /* replay: back to the failed list, attempts reset (axion-alerts
   * dead-letter replay does this) */
  json_object_set_int_member (o, "attempts", 0);
  json_object_remove_member (o, "final_error");
  {
    JsonGenerator *g = json_generator_new ();
    gchar *text;
    redisReply *p2;
    json_generator_set_root (g, json_parser_get_root (jp));
    text = json_generator_to_data (g, NULL);
    p2 = redisCommand (rc, "LPUSH t2:queue:mqtt:failed %s", text);
    freeReplyObject (p2);
    g_free (text);
    g_object_unref (g);
  }
  freeReplyObject (r);
  kill (b->pid, SIGCONT);
  fail_unless (sub_wait (&s, 2, 60), "the replayed message did not arrive");
  stop_pipeline (p);
  sub_free (&s, sub);
  redisFree (rc);
  g_object_unref (jp);
  g_free (url);
  broker_free (b);
}
GST_END_TEST;

/* no Redis: undelivered messages wait in the spool file across a restart
 * of the pipeline */
GST_START_TEST (test_local_spool)
{
  Broker *b = broker_new (NULL);
  Sub s = { 0 };
  struct mosquitto *sub = sub_new (&s, b, "axis-is/+/event", NULL, NULL);
  gchar *url = g_strdup_printf ("mqtt://127.0.0.1:%d", b->port);
  gchar *dir = g_build_filename (g_getenv ("AXION_TEST_TMPDIR"), "spool", NULL);
  gchar *file = g_build_filename (dir, "mqtt-cam1.jsonl", NULL);
  GstElement *src, *sink, *p;

  broker_stop (b);
  p = pipeline_new (url, &src, &sink);
  g_object_set (sink, "spool-dir", dir, NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  for (guint64 i = 0; i < 20; i++)
    push_event (src, i);
  g_usleep (300 * 1000);
  stop_pipeline (p);
  fail_unless (g_file_test (file, G_FILE_TEST_EXISTS), "no spool file");
  broker_start (b);
  p = pipeline_new (url, &src, &sink);
  g_object_set (sink, "spool-dir", dir, NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless (sub_wait (&s, 20, 60), "delivered %u of 20 from the spool",
      sub_distinct (&s));
  stop_pipeline (p);
  sub_free (&s, sub);
  g_free (url);
  g_free (dir);
  g_free (file);
  broker_free (b);
}
GST_END_TEST;

static JsonObject *
parse_object (JsonParser *p, const gchar *text)
{
  fail_unless (json_parser_load_from_data (p, text, -1, NULL), "%s", text);
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)));
  return json_node_get_object (json_parser_get_root (p));
}

static void
check_common_fields (JsonObject *o, const gchar *camera)
{
  JsonObject *dev = json_object_get_object_member (o, "device");
  JsonArray *ids;

  /* Home Assistant's MQTT discovery schema: availability and device */
  fail_unless_equals_string (
      json_object_get_string_member (o, "availability_topic"),
      "axis-is/cam.1/availability");
  fail_unless_equals_string (
      json_object_get_string_member (o, "payload_available"), "online");
  fail_unless_equals_string (
      json_object_get_string_member (o, "payload_not_available"), "offline");
  fail_unless (dev != NULL);
  ids = json_object_get_array_member (dev, "identifiers");
  fail_unless_equals_int (json_array_get_length (ids), 1);
  fail_unless_equals_string (
      json_array_get_string_element (ids, 0), "axion_cam_1");
  fail_unless_equals_string (
      json_object_get_string_member (dev, "name"), camera);
  fail_unless (json_object_has_member (o, "name"));
  fail_unless (g_str_has_prefix (
      json_object_get_string_member (o, "unique_id"), "axion_cam_1_"));
}

GST_START_TEST (test_home_assistant_discovery)
{
  Broker *b = broker_new (NULL);
  Sub s = { 0 };
  struct mosquitto *sub;
  gchar *url = g_strdup_printf ("mqtt://127.0.0.1:%d", b->port);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  JsonParser *jp = json_parser_new ();
  GRegex *topic_re = g_regex_new (
      "^homeassistant/(binary_sensor|sensor)/[a-zA-Z0-9_-]+/[a-zA-Z0-9_-]+/"
      "config$",
      0, 0, NULL);
  GHashTable *uids = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  guint found = 0;

  g_object_set (sink, "camera-id", "cam.1", NULL);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  /* subscribed after the sink announced: what arrives was retained */
  for (guint i = 0; i < 600 && !stat_bool (sink, "connected"); i++)
    g_usleep (50 * 1000);
  g_usleep (500 * 1000);
  sub = sub_new (&s, b, "homeassistant/#", NULL, NULL);
  for (guint i = 0; i < 200; i++) {
    g_mutex_lock (&s.lock);
    found = s.messages->len;
    g_mutex_unlock (&s.lock);
    if (found >= 4)
      break;
    g_usleep (50 * 1000);
  }
  fail_unless_equals_int (found, 4);
  for (guint i = 0; i < s.messages->len; i++) {
    gchar **f = g_strsplit (s.messages->pdata[i], "\t", 3);
    JsonObject *o = parse_object (jp, f[2]);
    const gchar *uid = json_object_get_string_member (o, "unique_id");

    fail_unless (g_regex_match (topic_re, f[0], 0, NULL), "topic %s", f[0]);
    fail_unless_equals_string (f[1], "1"); /* retained */
    check_common_fields (o, "cam.1");
    fail_unless (g_hash_table_add (uids, g_strdup (uid)), "unique_id twice");
    if (g_str_equal (
            f[0], "homeassistant/binary_sensor/axion_cam_1/motion/config")) {
      fail_unless_equals_string (
          json_object_get_string_member (o, "state_topic"),
          "axis-is/cam.1/motion");
      fail_unless_equals_string (
          json_object_get_string_member (o, "device_class"), "motion");
      fail_unless_equals_string (
          json_object_get_string_member (o, "payload_on"), "ON");
      fail_unless_equals_string (
          json_object_get_string_member (o, "payload_off"), "OFF");
    } else if (g_str_equal (
                   f[0], "homeassistant/sensor/axion_cam_1/objects/config")) {
      fail_unless_equals_string (
          json_object_get_string_member (o, "state_topic"),
          "axis-is/cam.1/objects");
      fail_unless_equals_string (
          json_object_get_string_member (o, "state_class"), "measurement");
      fail_unless (json_object_has_member (o, "unit_of_measurement"));
    } else if (g_str_equal (f[0],
                   "homeassistant/sensor/axion_cam_1/last_alert/config")) {
      fail_unless_equals_string (
          json_object_get_string_member (o, "state_topic"),
          "axis-is/cam.1/alert");
      fail_unless (strstr (json_object_get_string_member (o, "value_template"),
                       "value_json.title") != NULL);
    } else {
      fail_unless_equals_string (
          f[0], "homeassistant/sensor/axion_cam_1/description/config");
      fail_unless_equals_string (
          json_object_get_string_member (o, "state_topic"),
          "axis-is/cam.1/description");
    }
    g_strfreev (f);
  }
  stop_pipeline (p);
  sub_free (&s, sub);
  g_hash_table_unref (uids);
  g_regex_unref (topic_re);
  g_object_unref (jp);
  g_free (url);
  broker_free (b);
}
GST_END_TEST;

/* ---- secrets ------------------------------------------------------------- */


GST_START_TEST (test_credentials_never_shown)
{
  const gchar *pw = "p#s@w:%d'x";
  gchar *pwfile, *extra, *url, *bad_url, *shown, *texts;
  Broker *b;
  Sub s = { 0 };
  struct mosquitto *sub;
  GstElement *src, *sink, *p;
  gchar *argv[] = { (gchar *) "mosquitto_passwd", (gchar *) "-c",
    (gchar *) "-b", NULL, (gchar *) "axion", (gchar *) pw, NULL };
  gint status;

  pwfile = g_build_filename (g_getenv ("AXION_TEST_TMPDIR"), "passwd", NULL);
  argv[3] = pwfile;
  fail_unless (g_spawn_sync (NULL, argv, NULL,
      G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
      &status, NULL));
  fail_unless_equals_int (status, 0);
  extra = g_strdup_printf ("allow_anonymous false\npassword_file %s", pwfile);
  b = broker_new (extra);
  sub = sub_new (&s, b, "axis-is/+/event", "axion", pw);

  log_capture_begin ();

  url = g_strdup_printf ("mqtt://axion:%s@127.0.0.1:%d", pw, b->port);
  p = pipeline_new (url, &src, &sink);
  g_object_get (sink, "broker-url", &shown, NULL);
  fail_unless (strstr (shown, "p#s") == NULL, "read back: %s", shown);
  g_free (shown);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  push_event (src, 1);
  fail_unless (sub_wait (&s, 1, 30), "nothing delivered with a password");
  texts = bus_texts (p);
  stop_pipeline (p);
  fail_unless (strstr (texts, "p#s") == NULL);
  g_free (texts);

  /* a wrong password: a clear error, once, without the password */
  bad_url = g_strdup_printf ("mqtt://axion:%sWRONG@127.0.0.1:%d", pw, b->port);
  p = pipeline_new (bad_url, &src, &sink);
  gst_element_set_state (p, GST_STATE_PLAYING);
  push_event (src, 2);
  {
    GstBus *bus = gst_element_get_bus (p);
    GstMessage *m = gst_bus_timed_pop_filtered (
        bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
    GError *e = NULL;
    gchar *dbg = NULL;
    fail_unless (m != NULL, "no error for refused credentials");
    gst_message_parse_error (m, &e, &dbg);
    fail_unless (strstr (e->message, "refused") != NULL, "%s", e->message);
    /* what an application (and axion-run) tells from an outage */
    fail_unless (g_error_matches (
                     e, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED),
        "refused credentials are not posted as NOT_AUTHORIZED");
    fail_unless (strstr (e->message, "p#s") == NULL);
    fail_unless (dbg == NULL || strstr (dbg, "p#s") == NULL);
    g_error_free (e);
    g_free (dbg);
    gst_message_unref (m);
    gst_object_unref (bus);
  }
  stop_pipeline (p);

  gchar *logtext = log_capture_end ();
  fail_unless (strlen (logtext) > 1000, "the debug log was not captured");
  fail_unless (
      strstr (logtext, "p#s") == NULL, "the password is in the debug log");
  g_free (logtext);
  sub_free (&s, sub);
  g_free (url);
  g_free (bad_url);
  g_free (extra);
  g_free (pwfile);
  broker_free (b);
}
GST_END_TEST;


#define INSERT_ALERT                                                           \
  "INSERT INTO alerts (alert_id, alert_type, severity, camera_id, title, "     \
  "description) VALUES (%s, 'motion', 3, 'cam1', 't', 'd')"

static void
push_alert (GstElement *src, gint64 alert_id)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);
  GstAxionAlert *a = gst_axion_alert_new ();

  gst_axion_frame_meta_set_camera_id (m, "cam1");
  gst_axion_frame_meta_set_capture_time (
      m, (gint64) 1893974400 * G_USEC_PER_SEC, GST_AXION_CAPTURE_TIME_NTP);
  a->alert_id = alert_id;
  a->camera_id = g_strdup ("cam1");
  a->title = g_strdup ("t");
  a->created_us = (gint64) 1893974400 * G_USEC_PER_SEC;
  gst_buffer_add_axion_alert_meta (buf, a);
  gst_axion_alert_free (a);
  fail_unless_equals_int (
      gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
}

GST_START_TEST (test_alerts_marked_notified)
{
  Broker *b = broker_new (NULL);
  gchar *url = g_strdup_printf ("mqtt://127.0.0.1:%d", b->port);
  GstElement *src, *sink, *p = pipeline_new (url, &src, &sink);
  PGconn *c = PQconnectdb (g_getenv ("AXION_TEST_PG_CONNINFO"));
  gchar *v = NULL, *shown;
  gchar *sql;

  fail_unless (PQstatus (c) == CONNECTION_OK);
  sql = g_strdup_printf (INSERT_ALERT, "901");
  PQclear (PQexec (c, sql));
  g_free (sql);
  g_object_set (sink, "conninfo", g_getenv ("AXION_TEST_PG_CONNINFO"), NULL);
  g_object_get (sink, "conninfo", &shown, NULL);
  fail_unless (shown != NULL && strstr (shown, "password") == NULL);
  g_free (shown);
  fail_unless (
      gst_element_set_state (p, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  push_alert (src, 901);
  push_alert (src, 902); /* its row comes later */
  g_usleep (1500 * 1000);
  sql = g_strdup_printf (INSERT_ALERT, "902");
  PQclear (PQexec (c, sql));
  g_free (sql);
  for (guint i = 0; i < 300; i++) {
    g_free (v);
    v = pg_scalar (c,
        "SELECT string_agg(alert_id || ':' || "
        "notification_sent || ':' || "
        "array_to_string(notification_channels, ',') || ':' || "
        "(notification_sent_at IS NOT NULL), ' ' ORDER BY "
        "alert_id) FROM alerts WHERE alert_id IN (901, 902)");
    if (v && g_str_equal (v, "901:true:mqtt:true 902:true:mqtt:true"))
      break;
    g_usleep (50 * 1000);
  }
  fail_unless_equals_string (v, "901:true:mqtt:true 902:true:mqtt:true");
  /* the row is committed a moment before the worker counts it */
  for (guint i = 0; i < 200 && stat_u64 (sink, "notified") < 2; i++)
    g_usleep (50 * 1000);
  fail_unless_equals_int (stat_u64 (sink, "notified"), 2);
  g_free (v);
  stop_pipeline (p);
  PQfinish (c);
  g_free (url);
  broker_free (b);
}
GST_END_TEST;

static Suite *
mqtt_suite (void)
{
  Suite *s = suite_create ("axionmqttsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_broker_restarts);
  tcase_add_test (tc, test_dead_letter_and_replay);
  tcase_add_test (tc, test_local_spool);
  tcase_add_test (tc, test_home_assistant_discovery);
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
  return gst_check_run_suite (mqtt_suite (), "axionmqttsink", __FILE__);
}
