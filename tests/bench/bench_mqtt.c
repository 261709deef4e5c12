/* Benchmark: messages/s through axionmqttsink against libmosquitto in a
 * tight loop (the same broker, QoS 1, the same payload size, every PUBACK
 * awaited), and event-to-subscriber latency p50/p99 at 100 and 1,000
 * events/s. Run through tests/fixtures/with-servers (meson does); the
 * broker is started here (tests/integration/mqttbroker.c).
 *
 * Goal (issue 19): >= 50% of the peer's rate, p99 <= 50 ms at 1,000/s. */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/axion/axion.h>
#include <mosquitto.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include "mqttbroker.h"

static guint N_MESSAGES = 20000;

/* ---- the peer: libmosquitto publishing as fast as the broker acks ------ */

static guint peer_acked;

static void
peer_on_publish (struct mosquitto *m, void *data, int mid)
{
  peer_acked++;
}

static gdouble
peer_rate (Broker *b, gsize payload_len)
{
  struct mosquitto *m = mosquitto_new ("axion-bench-peer", TRUE, NULL);
  gchar *payload = g_malloc (payload_len);
  gint64 t0;
  gdouble secs;

  memset (payload, 'x', payload_len);
  mosquitto_max_inflight_messages_set (m, 0);
  mosquitto_publish_callback_set (m, peer_on_publish);
  g_assert (mosquitto_connect (m, "127.0.0.1", b->port, 30) == 0);
  peer_acked = 0;
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_MESSAGES; i++) {
    mosquitto_publish (
        m, NULL, "bench/peer/event", (int) payload_len, payload, 1, false);
    /* keep the socket moving, as a real client must */
    if (i % 64 == 0)
      mosquitto_loop (m, 0, 1);
  }
  while (peer_acked < N_MESSAGES)
    mosquitto_loop (m, 10, 1);
  secs = (g_get_monotonic_time () - t0) / 1e6;
  mosquitto_disconnect (m);
  mosquitto_destroy (m);
  g_free (payload);
  return N_MESSAGES / secs;
}

/* mosquitto_pub -l: one message per stdin line, QoS 1, as a shell user
 * would publish a stream of events (the named peer) */
static gdouble
mosquitto_pub_rate (Broker *b, gsize payload_len)
{
  gchar *file = g_build_filename (b->dir, "lines.txt", NULL);
  gchar *cmd;
  GString *lines = g_string_new (NULL);
  gint64 t0;
  gint status;
  gdouble secs;

  for (guint i = 0; i < N_MESSAGES; i++) {
    for (gsize k = 0; k < payload_len; k++)
      g_string_append_c (lines, 'x');
    g_string_append_c (lines, '\n');
  }
  g_file_set_contents (file, lines->str, lines->len, NULL);
  cmd = g_strdup_printf ("sh -c 'mosquitto_pub -h 127.0.0.1 -p %d -q 1 -t "
                         "bench/pub/event -l < %s'",
      b->port, file);
  t0 = g_get_monotonic_time ();
  if (!g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    g_print ("  mosquitto_pub failed\n");
  secs = (g_get_monotonic_time () - t0) / 1e6;
  g_unlink (file);
  g_free (file);
  g_free (cmd);
  g_string_free (lines, TRUE);
  return N_MESSAGES / secs;
}

/* ---- the sink ------------------------------------------------------------ */

static GstElement *
pipeline (Broker *b, GstElement **src, GstElement **sink)
{
  GstElement *p = gst_pipeline_new (NULL);
  gchar *url = g_strdup_printf ("mqtt://127.0.0.1:%d", b->port);

  *src = gst_element_factory_make ("appsrc", NULL);
  *sink = gst_element_factory_make ("axionmqttsink", NULL);
  g_assert (*sink != NULL);
  g_object_set (
      *src, "format", GST_FORMAT_TIME, "max-buffers", (guint64) 0, NULL);
  g_object_set (*sink, "broker-url", url, "camera-id", "bench", "async", FALSE,
      "sync", FALSE, "ha-discovery", FALSE, NULL);
  gst_bin_add_many (GST_BIN (p), *src, *sink, NULL);
  g_assert (gst_element_link (*src, *sink));
  g_free (url);
  return p;
}

static void
push_event (GstElement *src, guint64 n)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);

  GST_BUFFER_PTS (buf) = n * GST_MSECOND;
  gst_axion_frame_meta_set_camera_id (m, "bench");
  gst_axion_frame_meta_set_frame_number (m, n);
  /* the capture time is now: the subscriber's latency reference */
  gst_axion_frame_meta_set_capture_time (
      m, g_get_real_time (), GST_AXION_CAPTURE_TIME_UNIX);
  gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_SCENE_CHANGE);
  gst_app_src_push_buffer (GST_APP_SRC (src), buf);
}

static guint64
sent (GstElement *sink)
{
  GstStructure *s;
  guint64 v = 0;

  g_object_get (sink, "stats", &s, NULL);
  gst_structure_get_uint64 (s, "sent", &v);
  gst_structure_free (s);
  return v;
}

static gboolean
connected (GstElement *sink)
{
  GstStructure *s;
  gboolean v = FALSE;

  g_object_get (sink, "stats", &s, NULL);
  gst_structure_get_boolean (s, "connected", &v);
  gst_structure_free (s);
  return v;
}

static gdouble
sink_rate (Broker *b, gsize *payload_len)
{
  GstElement *src, *sink, *p = pipeline (b, &src, &sink);
  gint64 t0;
  gdouble secs;

  gst_element_set_state (p, GST_STATE_PLAYING);
  while (!connected (sink))
    g_usleep (10000);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_MESSAGES; i++)
    push_event (src, i);
  while (sent (sink) < N_MESSAGES)
    g_usleep (1000);
  secs = (g_get_monotonic_time () - t0) / 1e6;
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  /* a typical event message: what the peer publishes too */
  *payload_len = 700;
  return N_MESSAGES / secs;
}

/* ---- latency: a subscriber compares arrival with the capture time ------ */

typedef struct
{
  GMutex lock;
  GArray *ms;
} Lat;

static void
lat_on_message (
    struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
  Lat *l = data;
  gint64 now = g_get_real_time ();
  JsonParser *p = json_parser_new ();

  if (json_parser_load_from_data (p, msg->payload, msg->payloadlen, NULL)) {
    JsonObject *o = json_node_get_object (json_parser_get_root (p));
    const gchar *ts = json_object_get_string_member (o, "event_timestamp");
    GDateTime *dt = ts ? g_date_time_new_from_iso8601 (ts, NULL) : NULL;
    if (dt) {
      gdouble ms = (now -
                       (g_date_time_to_unix (dt) * G_USEC_PER_SEC +
                           g_date_time_get_microsecond (dt))) /
          1000.0;
      g_mutex_lock (&l->lock);
      g_array_append_val (l->ms, ms);
      g_mutex_unlock (&l->lock);
      g_date_time_unref (dt);
    }
  }
  g_object_unref (p);
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static void
latency (Broker *b, guint rate, guint seconds, gdouble *p50, gdouble *p99)
{
  Lat l = { 0 };
  struct mosquitto *sub = mosquitto_new ("axion-bench-sub", TRUE, &l);
  GstElement *src, *sink, *p = pipeline (b, &src, &sink);
  guint n = rate * seconds;
  gint64 t0;

  g_mutex_init (&l.lock);
  l.ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  mosquitto_message_callback_set (sub, lat_on_message);
  /* the hop to the subscriber must not add Nagle + delayed-ACK stalls
   * (up to 40 ms) to what is measured */
  mosquitto_int_option (sub, MOSQ_OPT_TCP_NODELAY, 1);
  g_assert (mosquitto_connect (sub, "127.0.0.1", b->port, 30) == 0);
  mosquitto_subscribe (sub, NULL, "axis-is/bench/event", 1);
  mosquitto_loop_start (sub);
  gst_element_set_state (p, GST_STATE_PLAYING);
  while (!connected (sink))
    g_usleep (10000);
  g_usleep (200000);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++) {
    gint64 due = t0 + (gint64) i * G_USEC_PER_SEC / rate;
    gint64 wait = due - g_get_monotonic_time ();
    if (wait > 0)
      g_usleep (wait);
    push_event (src, i);
  }
  for (guint i = 0; i < 500 && l.ms->len < n; i++)
    g_usleep (10000);
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
  mosquitto_disconnect (sub);
  mosquitto_loop_stop (sub, TRUE);
  mosquitto_destroy (sub);
  g_array_sort (l.ms, cmp_double);
  *p50 = l.ms->len ? g_array_index (l.ms, gdouble, l.ms->len / 2) : -1;
  *p99 = l.ms->len ? g_array_index (l.ms, gdouble, l.ms->len * 99 / 100) : -1;
  g_print ("  %u events/s for %u s: %u of %u received\n", rate, seconds,
      l.ms->len, n);
  g_array_unref (l.ms);
  g_mutex_clear (&l.lock);
}

int
main (int argc, char **argv)
{
  Broker *b;
  gdouble ours, peer, pub, p50, p99;
  gsize len = 0;
  const gchar *n = g_getenv ("AXION_BENCH_MESSAGES");

  gst_init (&argc, &argv);
  mosquitto_lib_init ();
  if (n)
    N_MESSAGES = (guint) g_ascii_strtoull (n, NULL, 10);
  /* the broker's sends to the subscriber without Nagle, as above */
  b = broker_new ("allow_anonymous true\nset_tcp_nodelay true");
  g_print ("axionmqttsink vs libmosquitto, QoS 1, %u messages, one broker\n",
      N_MESSAGES);
  ours = sink_rate (b, &len);
  peer = peer_rate (b, len);
  pub = mosquitto_pub_rate (b, len);
  g_print ("  axionmqttsink   %10.0f messages/s\n", ours);
  g_print ("  libmosquitto    %10.0f messages/s (tight loop, %zu-byte "
           "payload)\n",
      peer, len);
  g_print ("  mosquitto_pub -l %9.0f messages/s (QoS 1, one line each)\n", pub);
  g_print ("  ratio           %10.2f vs the libmosquitto loop, %.2f vs "
           "mosquitto_pub (goal >= 0.50)\n",
      ours / peer, ours / pub);
  latency (b, 100, 3, &p50, &p99);
  g_print ("  latency at  100/s: p50 %.1f ms, p99 %.1f ms\n", p50, p99);
  latency (b, 1000, 3, &p50, &p99);
  g_print ("  latency at 1000/s: p50 %.1f ms, p99 %.1f ms (goal p99 <= 50)\n",
      p50, p99);
  broker_free (b);
  mosquitto_lib_cleanup ();
  return 0;
}
