/* Unit tests: axionalert's rules on synthetic frames (frame meta, motion
 * regions and detections made by hand, capture times chosen by the test:
 * no clock, no date). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>

#define W 100
#define H 100
/* 2030-01-07 00:00:00 UTC, a Monday */
#define MONDAY_US ((gint64) 1893974400 * G_USEC_PER_SEC)
#define FRAME_US (100 * 1000) /* 10 fps */

typedef struct
{
  gboolean motion;
  gdouble contrast; /* < 0: no quality */
  guint n_motion;
  guint rx, ry, rw, rh; /* one motion region (pixels) */
  const gchar *label;   /* one detection */
  gdouble confidence;
  guint dx, dy, dw, dh;
  gint64 track_id;
} Scene;

static GstHarness *
new_alert (const gchar *rules)
{
  GstHarness *h = gst_harness_new ("axionalert");
  gchar *caps = g_strdup_printf (
      "video/x-raw,format=GRAY8,width=%d,height=%d,framerate=10/1", W, H);

  g_object_set (h->element, "rules", rules, "timezone", "UTC", NULL);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

/* pushes one frame at @t_us; returns how many alerts it came out with
 * (and the first one in @first, when asked) */
static guint
push (GstHarness *h, guint64 n, gint64 t_us, const Scene *s,
    GstAxionAlert **first)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, W * H, NULL);
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);
  gpointer state = NULL;
  GstMeta *meta;
  guint count = 0;

  gst_buffer_memset (buf, 0, 128, W * H);
  GST_BUFFER_PTS (buf) = n * 100 * GST_MSECOND;
  gst_axion_frame_meta_set_camera_id (m, "cam1");
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (m, t_us, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_motion (m, s->motion ? 0.2 : 0.0,
      s->motion ? GST_AXION_MOTION_STATE_CONTINUE
                : GST_AXION_MOTION_STATE_IDLE);
  if (s->contrast >= 0) {
    GstAxionQuality q = { 0.5, 0.5, s->contrast, 0.1, 0.5 };
    gst_axion_frame_meta_set_quality (m, &q);
  }
  if (s->motion && s->n_motion)
    gst_axion_roi_add_motion (buf, s->rx, s->ry, s->rw, s->rh);
  if (s->label) {
    GstVideoRegionOfInterestMeta *roi = gst_axion_roi_add_detection (
        buf, s->label, s->confidence, s->dx, s->dy, s->dw, s->dh);
    if (s->track_id > 0)
      gst_axion_roi_set_track_id (roi, s->track_id);
  }
  buf = gst_harness_push_and_pull (h, buf);
  fail_unless (buf != NULL);
  while ((meta = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_AXION_ALERT_META_API_TYPE))) {
    GstAxionAlertMeta *am = (GstAxionAlertMeta *) meta;
    GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (buf);
    gboolean found = FALSE;
    /* the alert points at an event of its own frame */
    for (guint i = 0;
         am->alert->type != GST_AXION_ALERT_SYSTEM && i < fm->n_events; i++)
      found |= fm->events[i].id == am->alert->trigger_event_id;
    fail_unless (am->alert->type == GST_AXION_ALERT_SYSTEM || found,
        "trigger_event_id is not an event of the frame");
    if (count == 0 && first)
      *first = gst_axion_alert_copy (am->alert);
    count++;
  }
  gst_buffer_unref (buf);
  return count;
}

/* frames [from, to) of one scene; returns the alerts */
static guint
run (GstHarness *h, guint64 from, guint64 to, const Scene *s)
{
  guint n = 0;
  for (guint64 i = from; i < to; i++)
    n += push (h, i, MONDAY_US + (gint64) i * FRAME_US, s, NULL);
  return n;
}

static const Scene still = { FALSE, -1 };
static const Scene moving = { TRUE, -1 };

GST_START_TEST (test_motion_once_per_episode)
{
  GstHarness *h = new_alert (
      "motion, name=any, min-duration-ms=1000, cooldown-s=10");
  GstAxionAlert *a = NULL;

  /* 0.5 s of motion: shorter than min-duration, nothing */
  fail_unless_equals_int (run (h, 0, 5, &moving), 0);
  fail_unless_equals_int (run (h, 5, 40, &still), 0);
  /* 3 s of motion: one alert, after 1 s, not one per frame */
  fail_unless_equals_int (run (h, 40, 50, &moving), 0);
  fail_unless_equals_int (
      push (h, 50, MONDAY_US + 50 * FRAME_US, &moving, &a), 1);
  fail_unless_equals_int (run (h, 51, 70, &moving), 0);
  fail_unless_equals_string (a->rule, "any");
  fail_unless_equals_string (a->camera_id, "cam1");
  fail_unless_equals_int (a->type, GST_AXION_ALERT_MOTION);
  fail_unless_equals_int (a->severity, 3);
  fail_unless (a->alert_id > 0);
  fail_unless_equals_int64 (a->created_us, MONDAY_US + 50 * FRAME_US);
  gst_axion_alert_free (a);
  /* it clears (2 s still), comes back within the cooldown: suppressed */
  fail_unless_equals_int (run (h, 70, 95, &still), 0);
  fail_unless_equals_int (run (h, 95, 115, &moving), 0);
  /* still for less than clear-ms (2 s): the same episode, no alert */
  fail_unless_equals_int (run (h, 115, 130, &still), 0);
  fail_unless_equals_int (run (h, 130, 135, &moving), 0);
  /* after the cooldown (10 s since the alert at frame 50): a new episode
   * fires again */
  fail_unless_equals_int (run (h, 135, 160, &still), 0);
  fail_unless_equals_int (run (h, 160, 180, &moving), 1);
  {
    GstStructure *st;
    guint64 alerts;
    g_object_get (h->element, "stats", &st, NULL);
    fail_unless (gst_structure_get_uint64 (st, "alerts", &alerts));
    fail_unless_equals_int (alerts, 2);
    fail_unless (strstr (gst_structure_get_string (st, "per-rule"),
                     "any: 2 fired, 1 suppressed") != NULL);
    gst_structure_free (st);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* What axiongate sends after an idle camera wakes (replay-gops=1): the
 * keyframe that showed the motion, then the GOP before it again, earlier
 * in time, then on. Time going back once must not alert twice, nor lose
 * the episode's alert. Returns the alerts; the first one's frame in
 * @at. */
static guint
gate_wake (GstHarness *h, guint64 motion_from, guint64 *at)
{
  guint64 order[120], n = 0;
  guint alerts = 0;

  /* idle: one keyframe a GOP (20 frames) reaches the analysis */
  for (guint64 k = 0; k <= 60; k += 20)
    order[n++] = k;
  /* the keyframe at 60 showed motion; the GOP before (41..59) is
   * replayed; then every frame */
  for (guint64 i = 41; i < 100; i++)
    if (i != 60)
      order[n++] = i;
  for (guint64 i = 0; i < n; i++) {
    const Scene *sc = order[i] >= motion_from ? &moving : &still;
    GstAxionAlert *a = NULL;
    guint got = push (h, order[i], MONDAY_US + (gint64) order[i] * FRAME_US, sc,
        alerts ? NULL : &a);
    if (got && alerts == 0) {
      *at = order[i];
      gst_axion_alert_free (a);
    }
    alerts += got;
  }
  return alerts;
}

GST_START_TEST (test_time_going_back_once)
{
  GstHarness *h = new_alert ("motion, name=any, cooldown-s=60");
  guint64 at = 0;

  /* fires at the waking keyframe; the replayed frames' motion is the same
   * episode */
  fail_unless_equals_int (gate_wake (h, 50, &at), 1);
  fail_unless_equals_int (at, 60);
  gst_harness_teardown (h);

  /* a duration counts from the episode's first frame, replayed or not:
   * motion from frame 52 is 1 s long at frame 62 (not at 70, 1 s after
   * the keyframe that woke the camera) */
  h = new_alert ("motion, name=any, min-duration-ms=1000, cooldown-s=60");
  fail_unless_equals_int (gate_wake (h, 52, &at), 1);
  fail_unless_equals_int (at, 62);
  gst_harness_teardown (h);

  /* no cooldown: still one alert per episode */
  h = new_alert ("motion, name=any, cooldown-s=0");
  fail_unless_equals_int (gate_wake (h, 45, &at), 1);
  fail_unless_equals_int (at, 60);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_motion_zone)
{
  GstHarness *h = new_alert (
      "motion, name=door, zone=\"0,0 0.3,0 0.3,0.3 0,0.3\", cooldown-s=0");
  Scene outside = { TRUE, -1, 1, 60, 60, 20, 20 };
  Scene inside = { TRUE, -1, 1, 10, 10, 10, 10 };
  Scene across = { TRUE, -1, 1, 20, 20, 40, 40 }; /* a corner in the zone */
  GstAxionAlert *a = NULL;

  fail_unless_equals_int (run (h, 0, 30, &outside), 0);
  fail_unless_equals_int (
      push (h, 30, MONDAY_US + 30 * FRAME_US, &inside, &a), 1);
  fail_unless_equals_string (a->title, "Motion in door on cam1");
  fail_unless (strstr (a->data_json, "\"zone\":\"door\"") != NULL);
  gst_axion_alert_free (a);
  fail_unless_equals_int (run (h, 31, 60, &still), 0);
  fail_unless_equals_int (run (h, 60, 61, &across), 1);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_object_class_confidence_tracks)
{
  GstHarness *h = new_alert ("object, name=people, class=person, "
                             "min-confidence=0.6, cooldown-s=0, severity=4");
  Scene cat = { FALSE, -1, 0, 0, 0, 0, 0, "cat", 0.9, 10, 10, 20, 20, 0 };
  Scene unsure = { FALSE, -1, 0, 0, 0, 0, 0, "person", 0.4, 10, 10, 20, 20, 0 };
  Scene p1 = { FALSE, -1, 0, 0, 0, 0, 0, "person", 0.8, 10, 10, 20, 40, 1 };
  Scene p2 = { FALSE, -1, 0, 0, 0, 0, 0, "person", 0.7, 50, 10, 20, 40, 2 };
  GstAxionAlert *a = NULL;

  fail_unless_equals_int (run (h, 0, 10, &cat), 0);
  fail_unless_equals_int (run (h, 10, 20, &unsure), 0);
  /* a person standing for 10 s: one alert, not 100 */
  fail_unless_equals_int (push (h, 20, MONDAY_US + 20 * FRAME_US, &p1, &a), 1);
  fail_unless_equals_int (run (h, 21, 120, &p1), 0);
  fail_unless_equals_int (a->type, GST_AXION_ALERT_OBJECT);
  fail_unless_equals_int (a->severity, 4);
  fail_unless_equals_string (a->detected_objects[0], "person");
  fail_unless (a->confidence > 0.79 && a->confidence < 0.81);
  fail_unless (strstr (a->data_json, "\"track_id\":1") != NULL);
  gst_axion_alert_free (a);
  /* another person (another track): a second alert */
  fail_unless_equals_int (run (h, 120, 130, &p2), 1);
  /* the first one again while tracked: none */
  fail_unless_equals_int (run (h, 130, 140, &p1), 0);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_object_in_zone_cooldown)
{
  /* untracked detections: one per episode, the cooldown between episodes */
  GstHarness *h = new_alert ("object, class=car, zone=\"0.5,0.5 1,0.5 1,1 "
                             "0.5,1\", cooldown-s=10, clear-ms=500");
  Scene away = { FALSE, -1, 0, 0, 0, 0, 0, "car", 0.9, 10, 10, 20, 20, 0 };
  Scene parked = { FALSE, -1, 0, 0, 0, 0, 0, "car", 0.9, 60, 60, 20, 20, 0 };

  fail_unless_equals_int (run (h, 0, 20, &away), 0);
  fail_unless_equals_int (run (h, 20, 40, &parked), 1);
  fail_unless_equals_int (run (h, 40, 50, &away), 0);
  fail_unless_equals_int (run (h, 50, 60, &parked), 0); /* cooldown */
  fail_unless_equals_int (run (h, 60, 150, &away), 0);
  fail_unless_equals_int (run (h, 150, 160, &parked), 1);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_tamper_covered)
{
  GstHarness *h = new_alert ("tamper, kind=covered, min-duration-ms=3000");
  Scene normal = { FALSE, 0.4 };
  Scene covered = { FALSE, 0.01 };
  GstAxionAlert *a = NULL;

  /* a hand passing in front for 2 s: nothing */
  fail_unless_equals_int (run (h, 0, 10, &normal), 0);
  fail_unless_equals_int (run (h, 10, 30, &covered), 0);
  fail_unless_equals_int (run (h, 30, 60, &normal), 0);
  /* covered for good: one alert after 3 s */
  fail_unless_equals_int (run (h, 60, 90, &covered), 0);
  fail_unless_equals_int (
      push (h, 90, MONDAY_US + 90 * FRAME_US, &covered, &a), 1);
  fail_unless_equals_int (a->type, GST_AXION_ALERT_ANOMALY);
  fail_unless (strstr (a->title, "Tamper (covered)") != NULL);
  gst_axion_alert_free (a);
  fail_unless_equals_int (run (h, 91, 300, &covered), 0);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_schedule)
{
  /* nights on weekdays (past midnight), in UTC */
  GstHarness *h = new_alert (
      "motion, schedule=\"Mon-Fri 22:00-06:00\", cooldown-s=0, clear-ms=0");
  gint64 hour = 3600 * (gint64) G_USEC_PER_SEC;
  /* Monday 12:00: outside */
  fail_unless_equals_int (push (h, 1, MONDAY_US + 12 * hour, &moving, NULL), 0);
  fail_unless_equals_int (
      push (h, 2, MONDAY_US + 12 * hour + FRAME_US, &still, NULL), 0);
  /* Monday 23:00: inside */
  fail_unless_equals_int (push (h, 3, MONDAY_US + 23 * hour, &moving, NULL), 1);
  fail_unless_equals_int (
      push (h, 4, MONDAY_US + 23 * hour + FRAME_US, &still, NULL), 0);
  /* Tuesday 05:00 (Monday night's slot): inside */
  fail_unless_equals_int (push (h, 5, MONDAY_US + 29 * hour, &moving, NULL), 1);
  fail_unless_equals_int (
      push (h, 6, MONDAY_US + 29 * hour + FRAME_US, &still, NULL), 0);
  /* Sunday 23:00: outside (weekend) */
  fail_unless_equals_int (
      push (h, 7, MONDAY_US + (6 * 24 + 23) * hour, &moving, NULL), 0);
  gst_harness_teardown (h);
}
GST_END_TEST;

static gboolean
start_fails_with (const gchar *rules, const gchar *expect)
{
  GstElement *e = gst_element_factory_make ("axionalert", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  gboolean ok = FALSE;

  gst_element_set_bus (e, bus);
  g_object_set (e, "rules", rules, NULL);
  if (gst_element_set_state (e, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE &&
      (m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
    GError *err = NULL;
    gst_message_parse_error (m, &err, NULL);
    ok = strstr (err->message, expect) != NULL;
    if (!ok)
      GST_ERROR ("\"%s\": got \"%s\"", rules, err->message);
    g_error_free (err);
    gst_message_unref (m);
  }
  gst_element_set_state (e, GST_STATE_NULL);
  /* the bus's messages hold the element */
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (e);
  gst_object_unref (bus);
  return ok;
}

GST_START_TEST (test_bad_rules)
{
  fail_unless (start_fails_with ("flood, x=1", "unknown kind \"flood\""));
  fail_unless (start_fails_with ("motion, severity=9", "severity must be"));
  fail_unless (start_fails_with ("motion, zone=\"0,0 2,2 1,1\"", "zone must"));
  fail_unless (start_fails_with ("motion, zone=\"0,0 1,1\"", "zone must"));
  fail_unless (start_fails_with ("motion, colour=red", "unknown field"));
  fail_unless (
      start_fails_with ("motion, schedule=\"Funday 10:00-11:00\"", "schedule"));
  fail_unless (
      start_fails_with ("motion, schedule=\"25:00-26:00\"", "schedule"));
  fail_unless (start_fails_with ("tamper, kind=stolen", "covered, moved"));
  fail_unless (start_fails_with (
      "motion, name=a; object, name=a", "two rules have this name"));
  fail_unless (start_fails_with ("motion, min-duration-ms=-5", "0 or more"));
  fail_unless (start_fails_with ("\"; ! filesink", "cannot parse"));
}
GST_END_TEST;

GST_START_TEST (test_change_while_playing)
{
  GstHarness *h = new_alert ("motion, name=first, cooldown-s=0");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  gchar *rules;

  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (run (h, 0, 5, &moving), 1);
  /* invalid: refused with a warning, the old rules stay */
  g_object_set (h->element, "rules", "motion, severity=0", NULL);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (m != NULL);
  gst_message_unref (m);
  g_object_get (h->element, "rules", &rules, NULL);
  fail_unless_equals_string (rules, "motion, name=first, cooldown-s=0");
  g_free (rules);
  fail_unless_equals_int (run (h, 5, 40, &still), 0);
  fail_unless_equals_int (run (h, 40, 45, &moving), 1);
  /* valid: applied */
  g_object_set (h->element, "rules", "tamper, min-duration-ms=0", NULL);
  fail_unless_equals_int (run (h, 45, 50, &moving), 0);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_alert_json_and_row)
{
  GstAxionAlert *a = gst_axion_alert_new ();
  GstAxionRow *row;
  GError *err = NULL;
  gchar *json;

  a->alert_id = 42;
  a->type = GST_AXION_ALERT_OBJECT;
  a->camera_id = g_strdup ("cam\"1");
  a->rule = g_strdup ("r\n1");
  a->title = g_strdup ("person \"x\"");
  a->created_us = MONDAY_US;
  a->data_json = g_strdup ("{\"zone\":\"z\"}");
  json = gst_axion_alert_to_json (a);
  fail_unless (strstr (json, "\"message_id\":\"42\"") != NULL);
  fail_unless (strstr (json, "\"camera_id\":\"cam\\\"1\"") != NULL);
  fail_unless (strstr (json, "\"rule\":\"r\\n1\"") != NULL);
  fail_unless (strstr (json, "\"timestamp\":\"2030-01-07T00:00:00") != NULL);
  fail_unless (strstr (json, "\"data\":{\"zone\":\"z\"}") != NULL);
  g_free (json);
  row = gst_axion_row_alert_full (a, &err);
  fail_unless (row != NULL);
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "alert_type"), "object");
  fail_unless_equals_string (gst_axion_row_get_text (row, "priority"), "3");
  fail_unless (
      strstr (gst_axion_row_get_text (row, "alert_data"),
          "\"rule\":\"r\\n1\",\"frame_number\":0,\"zone\":\"z\"") != NULL);
  gst_axion_row_free (row);
  a->severity = 7;
  fail_unless (gst_axion_row_alert_full (a, &err) == NULL);
  fail_unless (err != NULL);
  g_clear_error (&err);
  gst_axion_alert_free (a);
}
GST_END_TEST;

static Suite *
axionalert_suite (void)
{
  Suite *s = suite_create ("axionalert");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_motion_once_per_episode);
  tcase_add_test (tc, test_time_going_back_once);
  tcase_add_test (tc, test_motion_zone);
  tcase_add_test (tc, test_object_class_confidence_tracks);
  tcase_add_test (tc, test_object_in_zone_cooldown);
  tcase_add_test (tc, test_tamper_covered);
  tcase_add_test (tc, test_schedule);
  tcase_add_test (tc, test_bad_rules);
  tcase_add_test (tc, test_change_while_playing);
  tcase_add_test (tc, test_alert_json_and_row);
  return s;
}

GST_CHECK_MAIN (axionalert);
