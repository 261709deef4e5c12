/* Integration test: axionredissink against a real Redis 7 (run through
 * tests/fixtures/with-servers --redis): exact keys, types, fields and TTLs;
 * Redis killed and restarted mid-stream; bad configuration. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include "startcheck.h"
#include <hiredis/hiredis.h>

static const gchar *url, *sock;

static redisReply *
rcmd (const gchar *fmt, ...)
{
  redisContext *c = redisConnectUnix (sock);
  redisReply *r;
  va_list ap;

  fail_unless (c && !c->err, "cannot reach Redis at %s", sock);
  va_start (ap, fmt);
  r = redisvCommand (c, fmt, ap);
  va_end (ap);
  fail_unless (r != NULL);
  redisFree (c);
  return r;
}

static gchar *
rstr (const gchar *fmt, ...)
{
  redisContext *c = redisConnectUnix (sock);
  redisReply *r;
  va_list ap;
  gchar *s = NULL;

  fail_unless (c && !c->err);
  va_start (ap, fmt);
  r = redisvCommand (c, fmt, ap);
  va_end (ap);
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
    s = g_strdup (r->str);
  else if (r->type == REDIS_REPLY_INTEGER)
    s = g_strdup_printf ("%lld", r->integer);
  freeReplyObject (r);
  redisFree (c);
  return s;
}

#define assert_redis(expected, ...)                                            \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *v_ = rstr (__VA_ARGS__);                                            \
    fail_unless_equals_string (v_, expected);                                  \
    g_free (v_);                                                               \
  }                                                                            \
  G_STMT_END

static gint64
redis_int (const gchar *fmt, const gchar *arg)
{
  gchar *v = rstr (fmt, arg);
  gint64 n = v ? g_ascii_strtoll (v, NULL, 10) : -999;
  g_free (v);
  return n;
}

static GstBuffer *
make_frame (const gchar *camera, guint64 n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);

  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (m,
      G_GINT64_CONSTANT (1796000000000000) + (gint64) n * 100000,
      GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_scene_hash (m, 0xa3f5c8);
  if (n == 10) {
    gst_axion_frame_meta_set_motion (m, 0.4, GST_AXION_MOTION_STATE_START);
    gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_START);
  } else if (n > 10 && n < 20) {
    gst_axion_frame_meta_set_motion (m, 0.45, GST_AXION_MOTION_STATE_CONTINUE);
    gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_CONTINUE);
  } else {
    gst_axion_frame_meta_set_motion (m, 0.0, GST_AXION_MOTION_STATE_IDLE);
  }
  if (n >= 12 && n <= 14)
    gst_axion_roi_add_detection (buf, "person", 0.9, 1, 2, 3, 4);
  return buf;
}

static GstHarness *
new_sink (const gchar *extra)
{
  gchar *d = g_strdup_printf ("axionredissink name=s redis-url=\"%s\" "
                              "state-interval-ms=30 %s",
      url, extra ? extra : "");
  GstHarness *h = gst_harness_new_parse (d);
  g_free (d);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=64,"
      "height=48,framerate=10/1");
  return h;
}

GST_START_TEST (test_keys_exact)
{
  GstHarness *h = new_sink ("publish=true");
  redisReply *r;
  gint64 ttl;
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  GstBuffer *b;

  for (guint i = 0; i < 20; i++) {
    b = make_frame ("CAM_R1", i);
    if (i == 15) {
      const gchar *objs[] = { "person", NULL };
      a->analysis_id = 5;
      a->trigger_event_id = 6;
      a->camera_id = g_strdup ("CAM_R1");
      a->request_type = g_strdup ("scene_description");
      a->scene_description = g_strdup ("One person at the door");
      a->objects_identified = g_strdupv ((gchar **) objs);
      a->event_time_us = G_GINT64_CONSTANT (1796000001500000);
      gst_buffer_add_axion_analysis_meta (b, a);
    }
    gst_harness_push (h, b);
  }
  gst_axion_analysis_free (a);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  /* §2.2 camera state */
  assert_redis ("hash", "TYPE axion:camera:CAM_R1:state");
  assert_redis ("online", "HGET axion:camera:CAM_R1:state status");
  assert_redis ("19", "HGET axion:camera:CAM_R1:state last_frame_number");
  assert_redis ("20", "HGET axion:camera:CAM_R1:state frames_processed");
  assert_redis ("64x48", "HGET axion:camera:CAM_R1:state resolution");
  /* frame 19 is still in the motion event */
  assert_redis ("true", "HGET axion:camera:CAM_R1:state motion_detected");
  assert_redis ("motion", "HGET axion:camera:CAM_R1:state last_event_type");
  assert_redis ("-1", "TTL axion:camera:CAM_R1:state"); /* persistent */
  assert_redis ("zset", "TYPE axion:camera:CAM_R1:metrics");
  ttl = redis_int ("TTL %s", "axion:camera:CAM_R1:metrics");
  fail_unless (ttl > 0 && ttl <= 300, "metrics TTL %" G_GINT64_FORMAT, ttl);
  assert_redis ("1", "SISMEMBER axion:cameras:active CAM_R1");

  /* §2.5 scene memory: newest first, 20 frames, TTL 1 h */
  assert_redis ("list", "TYPE axion:scene:CAM_R1:memory");
  assert_redis ("20", "LLEN axion:scene:CAM_R1:memory");
  {
    gchar *head = rstr ("LINDEX axion:scene:CAM_R1:memory 0");
    /* the capture time in Unix seconds, to the microsecond */
    fail_unless (
        g_str_has_prefix (head, "{\"frame\":19,\"ts\":1796000001.900000,"),
        "%s", head);
    fail_unless (strstr (head, "\"hash\":\"0000000000a3f5c8\"") != NULL);
    g_free (head);
    head = rstr ("LINDEX axion:scene:CAM_R1:memory 7");
    fail_unless (strstr (head, "\"objects\":[\"person\"]") != NULL, "%s", head);
    g_free (head);
  }
  ttl = redis_int ("TTL %s", "axion:scene:CAM_R1:memory");
  fail_unless (ttl > 3500 && ttl <= 3600);
  assert_redis ("zset", "TYPE axion:scene:CAM_R1:hashes");
  ttl = redis_int ("TTL %s", "axion:scene:CAM_R1:hashes");
  fail_unless (ttl > 3500 && ttl <= 3600);
  /* one hash, re-added with the newest time */
  assert_redis ("1", "ZCARD axion:scene:CAM_R1:hashes");

  /* Claude context cache */
  assert_redis ("One person at the door",
      "HGET axion:claude:CAM_R1:context last_description");
  assert_redis (
      "[\"person\"]", "HGET axion:claude:CAM_R1:context last_objects");
  ttl = redis_int ("TTL %s", "axion:claude:CAM_R1:context");
  fail_unless (ttl > 500 && ttl <= 600);

  /* event stream: 1 start + 9 continue, in order, and an object_detected
   * for each of frames 12-14 (detections, no event from a detector) */
  assert_redis ("stream", "TYPE axion:events");
  assert_redis ("13", "XLEN axion:events");
  r = rcmd ("XRANGE axion:events - + COUNT 1");
  fail_unless (r->type == REDIS_REPLY_ARRAY && r->elements == 1);
  {
    redisReply *fields = r->element[0]->element[1];
    gboolean phase = FALSE;
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
      if (g_str_equal (fields->element[i]->str, "event_phase"))
        phase = g_str_equal (fields->element[i + 1]->str, "start");
    fail_unless (phase);
  }
  freeReplyObject (r);

  gst_harness_teardown (h);
  /* stopped: no longer active */
  assert_redis ("0", "SISMEMBER axion:cameras:active CAM_R1");
  assert_redis ("offline", "HGET axion:camera:CAM_R1:state status");
}

GST_END_TEST;

/* A frame of @camera captured at @capture_us on the camera's clock, with
 * scene hash @hash. */
static GstBuffer *
frame_at (const gchar *camera, guint64 n, gint64 capture_us, guint64 hash)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);

  gst_axion_frame_meta_set_camera_id (m, camera);
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, capture_us, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_scene_hash (m, hash);
  return buf;
}

/* Camera clocks far from this host's: hours behind, years ahead. Scene
 * hashes are kept on the camera's clock (the hour before its newest
 * frame), metrics on the host's: neither loses anything to the skew, and
 * the result is the same on any date the test runs. */
GST_START_TEST (test_camera_clock_skew)
{
  GstHarness *h = new_sink (NULL);
  const gint64 now = g_get_real_time ();
  struct
  {
    const gchar *id;
    gint64 offset_us;
  } cams[] = {
    { "CAM_BEHIND", -2 * G_TIME_SPAN_HOUR },
    { "CAM_AHEAD", 10 * 365 * G_TIME_SPAN_DAY },
    { "CAM_1970", -now + G_TIME_SPAN_HOUR },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cams); c++)
    for (guint i = 0; i < 5; i++)
      fail_unless_equals_int (
          gst_harness_push (h,
              frame_at (cams[c].id, i, now + cams[c].offset_us + i * 100000,
                  0x1000 + i)),
          GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  for (guint c = 0; c < G_N_ELEMENTS (cams); c++) {
    gchar *k = g_strdup_printf ("axion:scene:%s:hashes", cams[c].id);
    gchar *m = g_strdup_printf ("axion:camera:%s:metrics", cams[c].id);
    fail_unless_equals_int (redis_int ("ZCARD %s", k), 5);
    fail_unless (redis_int ("ZCARD %s", m) >= 1, "%s: no metrics", m);
    g_free (k);
    g_free (m);
  }

  /* the camera's clock jumps back a day (a reset): hashes stamped in the
   * lost day are gone, the new ones kept (a sink of a new run) */
  gst_harness_teardown (h);
  h = new_sink (NULL);
  fail_unless_equals_int (
      gst_harness_push (h,
          frame_at ("CAM_BEHIND", 5,
              now - 2 * G_TIME_SPAN_HOUR - G_TIME_SPAN_DAY, 0x2000)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (
      redis_int ("ZCARD %s", "axion:scene:CAM_BEHIND:hashes"), 1);
  {
    gchar *score = rstr (
        "ZSCORE axion:scene:CAM_BEHIND:hashes 0000000000002000");
    fail_unless (score != NULL);
    g_free (score);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A burst of events while Redis is up: more than max-pending-events
 * within one state interval are sent early, none dropped (they were: 20,137
 * of 50,000 with connected=true). */
GST_START_TEST (test_burst_while_up_drops_nothing)
{
  GstHarness *h = new_sink (
      "key-prefix=burst max-pending-events=100 state-interval-ms=2000 "
      "events-maxlen=1000000");
  GstElement *s = gst_bin_get_by_name (GST_BIN (h->element), "s");
  const guint n = 20000;
  GstStructure *st;
  guint64 dropped = 1, queued = 0, written = 0;
  gint64 t0 = g_get_real_time ();

  for (guint i = 0; i < n; i++) {
    GstBuffer *b = frame_at ("CAM_BURST", i, t0 + i * 1000, 0x77);
    gst_axion_frame_meta_add_event (
        gst_buffer_get_axion_frame_meta (b), GST_AXION_EVENT_SCENE_CHANGE);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  g_object_get (s, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "dropped-events", &dropped));
  /* the base class's counters agree: every event taken and written */
  fail_unless (gst_structure_get_uint64 (st, "queued", &queued));
  fail_unless (gst_structure_get_uint64 (st, "written", &written));
  gst_structure_free (st);
  fail_unless_equals_uint64 (dropped, 0);
  fail_unless_equals_uint64 (queued, n);
  fail_unless_equals_uint64 (written, n);
  fail_unless_equals_int (redis_int ("XLEN %s", "burst:events"), n);
  gst_object_unref (s);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
redis_ctl (const gchar *arg)
{
  gchar *cmd = g_strdup_printf (
      "%s/tests/fixtures/redis-ctl %s", AXION_SRCDIR, arg);
  gint status;
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s failed", cmd);
  g_free (cmd);
}

GST_START_TEST (test_redis_restart)
{
  GstHarness *h = new_sink ("max-pending-events=50");
  GstElement *s = gst_bin_get_by_name (GST_BIN (h->element), "s");
  GstStructure *st;
  guint64 dropped = 0, reconnects = 0;
  gboolean converged = FALSE;

  for (guint i = 0; i < 50; i++)
    fail_unless_equals_int (
        gst_harness_push (h, make_frame ("CAM_R2", i)), GST_FLOW_OK);
  g_usleep (200000);
  redis_ctl ("stop");
  /* Redis away: the stream never stalls, events beyond the bound drop */
  for (guint i = 50; i < 400; i++) {
    GstBuffer *b = make_frame ("CAM_R2", i);
    gst_axion_frame_meta_add_event (
        gst_buffer_get_axion_frame_meta (b), GST_AXION_EVENT_SCENE_CHANGE);
    fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  }
  redis_ctl ("start");
  gst_harness_push (h, make_frame ("CAM_R2", 400));
  /* state converges to the latest frame once Redis is back */
  for (gint k = 0; k < 400 && !converged; k++) {
    gchar *v = rstr ("HGET axion:camera:CAM_R2:state last_frame_number");
    converged = g_strcmp0 (v, "400") == 0;
    g_free (v);
    if (!converged)
      g_usleep (50000);
  }
  fail_unless (converged, "state did not converge after Redis came back");
  g_object_get (s, "stats", &st, NULL);
  gst_structure_get_uint64 (st, "dropped-events", &dropped);
  gst_structure_get_uint64 (st, "reconnects", &reconnects);
  gst_structure_free (st);
  fail_unless (dropped > 0, "no events counted as dropped");
  fail_unless (reconnects >= 1);
  gst_object_unref (s);
  gst_harness_teardown (h);
}

GST_END_TEST;

static gchar *
start_error (const gchar *u)
{
  return start_error_of ("axionredissink", "redis-url", u, NULL, NULL);
}

GST_START_TEST (test_bad_configuration)
{
  gchar *msg, *u, *v;
  GstElement *e;

  msg = start_error ("http://example.com/");
  fail_unless (strstr (msg, "Invalid redis-url") != NULL, "%s", msg);
  g_free (msg);

  /* a password the server does not have: clear error, password hidden */
  u = g_strdup_printf ("%s?password=hunter2", url);
  msg = start_error (u);
  fail_unless (strstr (msg, "credentials") != NULL, "%s", msg);
  fail_if (strstr (msg, "hunter2") != NULL, "%s", msg);
  g_free (msg);
  g_free (u);

  /* unreachable: degraded mode, the element starts */
  msg = start_error ("unix:///nonexistent-axion/redis.sock");
  fail_unless_equals_string (msg, "ok");
  g_free (msg);

  e = gst_element_factory_make ("axionredissink", NULL);
  g_object_set (e, "redis-url", "redis://app:hunter2@cache:6379/2", NULL);
  g_object_get (e, "redis-url", &v, NULL);
  fail_if (strstr (v, "hunter2") != NULL, "%s", v);
  fail_unless_equals_string (v, "redis://cache:6379/2");
  g_free (v);
  gst_object_unref (e);
}

GST_END_TEST;

/* key-prefix: keys are "<prefix>:..."; "site7:" (the old redis-prefix
 * form, with its ':') means the same as "site7" (it made
 * "site7::camera:..." keys), and reads back without the ':' */
GST_START_TEST (test_key_prefix)
{
  const gchar *given[] = { "site7", "site7:" };

  for (guint i = 0; i < G_N_ELEMENTS (given); i++) {
    gchar *extra = g_strdup_printf ("key-prefix=\"%s\"", given[i]);
    GstHarness *h = new_sink (extra);
    GstElement *s = gst_bin_get_by_name (GST_BIN (h->element), "s");
    gchar *v = NULL;

    g_object_get (s, "key-prefix", &v, NULL);
    fail_unless_equals_string (v, "site7");
    g_free (v);
    freeReplyObject (rcmd ("DEL site7:camera:CAM_P:state site7:events"));
    for (guint n = 10; n < 12; n++)
      gst_harness_push (h, make_frame ("CAM_P", n));
    fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
    assert_redis ("11", "HGET site7:camera:CAM_P:state last_frame_number");
    assert_redis ("1", "SISMEMBER site7:cameras:active CAM_P");
    assert_redis ("2", "XLEN site7:events");
    assert_redis ("0", "EXISTS site7::camera:CAM_P:state");
    assert_redis ("0", "EXISTS axion:camera:CAM_P:state");
    gst_object_unref (s);
    gst_harness_teardown (h);
    g_free (extra);
  }
}

GST_END_TEST;

/* A buffer without an Axion frame meta is not skipped: the sink files it
 * under the camera-id event's id, else its fallback id, with one warning
 * on the bus saying what to set. */
GST_START_TEST (test_buffer_without_meta)
{
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  guint warnings = 0;
  gchar *d = g_strdup_printf ("axionredissink name=nometa redis-url=\"%s\" "
                              "state-interval-ms=30",
      url);

  h = gst_harness_new_parse (d);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=64,"
      "height=48,framerate=10/1");
  for (guint i = 0; i < 3; i++)
    gst_harness_push (h, gst_buffer_new_allocate (NULL, 64, NULL));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  assert_redis ("3", "HGET axion:camera:nometa:state frames_processed");
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    if (strstr (err->message, "No camera-id set") &&
        strstr (err->message, "\"nometa\""))
      warnings++;
    g_error_free (err);
    gst_message_unref (m);
  }
  fail_unless_equals_int (warnings, 1);
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);

  /* with a camera-id event (an Axion element upstream whose metas were
   * lost): that id, no warning */
  h = gst_harness_new_parse (d);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=64,"
      "height=48,framerate=10/1");
  fail_unless (gst_harness_push_event (
      h, gst_axion_camera_id_event_new ("CAM_EV", NULL)));
  gst_harness_push (h, gst_buffer_new_allocate (NULL, 64, NULL));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  assert_redis ("1", "HGET axion:camera:CAM_EV:state frames_processed");
  fail_if (gst_bus_have_pending (bus) &&
      (m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING)) != NULL);
  gst_element_set_bus (h->element, NULL);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  g_free (d);
}

GST_END_TEST;

/* §2.2 camera state fields with the document's meaning, key-exact:
 * fps_target from the caps, frames_dropped and last_error from skipped
 * frame numbers, bandwidth_mbps from the bitrate tag, quality_level from
 * the §2.4 allocation, dlpu_queue_depth from the camera's §2.3 queue
 * entries, uptime_seconds since the first frame; without a framerate
 * (RTSP) or a bitrate there is no fps_target or bandwidth_mbps. */
GST_START_TEST (test_state_fields)
{
  GstHarness *h;
  gchar *v;
  gint64 t0 = g_get_monotonic_time (), uptime;

  freeReplyObject (rcmd ("DEL axion:camera:CAM_S:state axion:dlpu:queue"));
  freeReplyObject (
      rcmd ("HSET axion:bandwidth:CAM_S:allocation quality_level high"));
  freeReplyObject (rcmd ("ZADD axion:dlpu:queue 1 CAM_S:frame_3:100 "
                         "2 CAM_S:frame_4:101 3 CAM_S2:frame_1:102"));
  h = new_sink (NULL);
  fail_unless (gst_harness_push_event (
      h, gst_axion_camera_id_event_new ("CAM_S", NULL)));
  fail_unless (gst_harness_push_event (h,
      gst_event_new_tag (gst_tag_list_new (GST_TAG_BITRATE, 2400000, NULL))));
  for (guint i = 0; i < 20; i++)
    if (i < 10 || i >= 15) /* frames 10-14 lost upstream */
      gst_harness_push (h, make_frame ("CAM_S", i));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  assert_redis ("10.0", "HGET axion:camera:CAM_S:state fps_target");
  assert_redis ("15", "HGET axion:camera:CAM_S:state frames_processed");
  assert_redis ("5", "HGET axion:camera:CAM_S:state frames_dropped");
  assert_redis ("frames 10-14 lost before axionredissink",
      "HGET axion:camera:CAM_S:state last_error");
  assert_redis ("high", "HGET axion:camera:CAM_S:state quality_level");
  assert_redis ("2.40", "HGET axion:camera:CAM_S:state bandwidth_mbps");
  assert_redis ("2", "HGET axion:camera:CAM_S:state dlpu_queue_depth");
  v = rstr ("HGET axion:camera:CAM_S:state uptime_seconds");
  uptime = g_ascii_strtoll (v, NULL, 10);
  fail_unless (v[0] >= '0' && v[0] <= '9' && uptime >= 0 &&
          uptime <= (g_get_monotonic_time () - t0) / G_USEC_PER_SEC,
      "uptime_seconds %s", v);
  g_free (v);
  gst_harness_teardown (h);

  /* RTSP: no framerate in the caps, no bitrate tag, no allocation */
  freeReplyObject (rcmd ("DEL axion:camera:CAM_S2:state"));
  h = new_sink (NULL);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=0/1");
  for (guint i = 0; i < 5; i++)
    gst_harness_push (h, make_frame ("CAM_S2", i));
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  assert_redis ("0", "HEXISTS axion:camera:CAM_S2:state fps_target");
  assert_redis ("0", "HEXISTS axion:camera:CAM_S2:state bandwidth_mbps");
  assert_redis ("0", "HEXISTS axion:camera:CAM_S2:state quality_level");
  assert_redis ("0", "HGET axion:camera:CAM_S2:state frames_dropped");
  assert_redis ("", "HGET axion:camera:CAM_S2:state last_error");
  assert_redis ("1", "HGET axion:camera:CAM_S2:state dlpu_queue_depth");
  gst_harness_teardown (h);

  /* axiongate: frames an idle camera did not decode are sampled out, not
   * dropped; a gap beyond them is */
  freeReplyObject (rcmd ("DEL axion:camera:CAM_G:state"));
  h = new_sink (NULL);
  {
    const guint64 numbers[] = { 0, 10, 20, 35 };
    const guint64 skipped[] = { 0, 9, 9, 9 }; /* 35: 5 more missing */
    for (guint i = 0; i < G_N_ELEMENTS (numbers); i++) {
      GstBuffer *b = make_frame ("CAM_G", numbers[i]);
      GstAxionGateInfo g = { .received = numbers[i] + 1,
        .decoded = i + 1,
        .skipped_before = skipped[i] };
      gst_axion_frame_meta_set_gate (gst_buffer_get_axion_frame_meta (b), &g);
      gst_harness_push (h, b);
    }
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  assert_redis ("5", "HGET axion:camera:CAM_G:state frames_dropped");
  assert_redis ("36", "HGET axion:camera:CAM_G:state frames_received");
  assert_redis ("4", "HGET axion:camera:CAM_G:state frames_decoded");
  assert_redis ("keyframes", "HGET axion:camera:CAM_G:state decoding");
  assert_redis ("0", "HEXISTS axion:camera:CAM_S:state frames_received");
  assert_redis ("5 of frames 21-34 lost before axionredissink (9 not "
                "decoded by axiongate)",
      "HGET axion:camera:CAM_G:state last_error");
  gst_harness_teardown (h);
  freeReplyObject (
      rcmd ("DEL axion:dlpu:queue axion:bandwidth:CAM_S:allocation"));
}

GST_END_TEST;

/* camera_events rows (the event stream's "row") carry fps_actual measured
 * from the frames' capture times, also when the caps have no framerate
 * (RTSP), and total_processing_ms from capture (the buffer's running
 * time) to the sink, on the pipeline clock: row-exact with a test clock
 * that is 40 ms past every frame when the sink renders it. */
GST_START_TEST (test_event_row_timing)
{
  GstHarness *h = new_sink (NULL);
  redisReply *r;

  freeReplyObject (rcmd ("DEL axion:events"));
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=0/1");
  gst_harness_use_testclock (h);
  gst_element_set_base_time (h->element, 0);
  for (guint i = 0; i < 12; i++) {
    GstBuffer *b = make_frame ("CAM_T", i);
    GST_BUFFER_PTS (b) = i * 100 * GST_MSECOND;
    fail_unless (gst_harness_set_time (h, (i * 100 + 40) * GST_MSECOND));
    gst_harness_push (h, b);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  /* frames 10 and 11 have events; the first second of frames (0-10,
   * 100 ms apart) gives 10 fps */
  r = rcmd ("XRANGE axion:events - +");
  fail_unless (r->type == REDIS_REPLY_ARRAY);
  fail_unless_equals_int (r->elements, 2);
  for (size_t e = 0; e < r->elements; e++) {
    redisReply *fields = r->element[e]->element[1];
    const gchar *row = NULL;
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
      if (g_str_equal (fields->element[i]->str, "row"))
        row = fields->element[i + 1]->str;
    fail_unless (row != NULL);
    fail_unless (strstr (row, "\"fps_actual\":10.00,") != NULL, "%s", row);
    fail_unless (
        strstr (row, "\"total_processing_ms\":40,") != NULL, "%s", row);
  }
  freeReplyObject (r);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
redissink_suite (void)
{
  Suite *s = suite_create ("axionredissink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_keys_exact);
  tcase_add_test (tc, test_camera_clock_skew);
  tcase_add_test (tc, test_burst_while_up_drops_nothing);
  tcase_add_test (tc, test_redis_restart);
  tcase_add_test (tc, test_bad_configuration);
  tcase_add_test (tc, test_key_prefix);
  tcase_add_test (tc, test_buffer_without_meta);
  tcase_add_test (tc, test_state_fields);
  tcase_add_test (tc, test_event_row_timing);
  return s;
}

int
main (int argc, char **argv)
{
  url = g_getenv ("AXION_TEST_REDIS_URL");
  sock = g_getenv ("AXION_TEST_REDIS_SOCKET");
  if (url == NULL || sock == NULL) {
    g_printerr ("run through tests/fixtures/with-servers --redis\n");
    return 2;
  }
  g_setenv ("CK_FORK", "no", TRUE);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (redissink_suite (), "axionredissink", __FILE__);
}
