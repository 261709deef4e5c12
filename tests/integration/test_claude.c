/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axionclaude against a local server that speaks the Messages API and
 * validates every request (tests/integration/claudemock.c); budgets and
 * dedupe shared by two pipelines through the real Redis of the fixtures.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <gio/gio.h>
#include <hiredis/hiredis.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>
#include <string.h>

#include "claudemock.h"
#include "../../ext/claude/axionclaudeapi.h"

#define KEY "sk-ant-test-7f3a9c1e5b2d4SECRET"

static ClaudeMock *mock;
static gchar *mock_url;

static void
setup (void)
{
  mock = claude_mock_new (KEY);
  mock_url = claude_mock_url (mock);
}

static void
teardown (void)
{
  claude_mock_free (mock);
  g_free (mock_url);
}

static GstHarness *
claude_harness_full (const gchar *extra, gint w, gint h, gboolean key_in_desc)
{
  gchar *d = g_strdup_printf ("axionclaude api-url=%s %s%s "
                              "camera-id=camA min-interval-ms=0 %s",
      mock_url, key_in_desc ? "api-key=" : "", key_in_desc ? KEY : "",
      extra ? extra : "");
  GstHarness *hh = gst_harness_new_parse (d);
  gchar *caps = g_strdup_printf (
      "video/x-raw,format=GRAY8,width=%d,height=%d,framerate=10/1", w, h);
  g_free (d);
  gst_harness_set_src_caps_str (hh, caps);
  g_free (caps);
  return hh;
}

static GstHarness *
claude_harness (const gchar *extra, gint w, gint h)
{
  return claude_harness_full (extra, w, h, TRUE);
}

static GstBuffer *
frame (gint w, gint h, guint64 n, gboolean motion_start, guint64 scene)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, (gsize) w * h, NULL);
  GstAxionFrameMeta *fm = gst_buffer_add_axion_frame_meta (b);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8) ((i * 7 + n * 13) & 0xff);
  gst_buffer_unmap (b, &map);
  gst_axion_frame_meta_set_frame_number (fm, n);
  gst_axion_frame_meta_set_capture_time (fm,
      g_get_real_time () + (gint64) n * 100000, GST_AXION_CAPTURE_TIME_CLOCK);
  gst_axion_frame_meta_set_motion (fm, motion_start ? 0.4 : 0.0,
      motion_start ? GST_AXION_MOTION_STATE_START
                   : GST_AXION_MOTION_STATE_IDLE);
  if (scene)
    gst_axion_frame_meta_set_scene_hash (fm, scene);
  GST_BUFFER_PTS (b) = n * GST_SECOND / 10;
  return b;
}

static guint64
stat_u64 (GstHarness *h, const gchar *field)
{
  GstElement *e = gst_harness_find_element (h, "axionclaude");
  GstStructure *s;
  guint64 v = 0;
  g_object_get (e, "stats", &s, NULL);
  gst_structure_get_uint64 (s, field, &v);
  gst_structure_free (s);
  gst_object_unref (e);
  return v;
}

/* pushes plain frames until one carries an analysis (or ~10 s) */
static GstAxionAnalysis *
wait_analysis (GstHarness *h, gint w, gint hgt, guint64 *n)
{
  for (int i = 0; i < 500; i++) {
    GstBuffer *out = gst_harness_push_and_pull (
        h, frame (w, hgt, (*n)++, FALSE, 0));
    GstAxionAnalysisMeta *am = gst_buffer_get_axion_analysis_meta (out);
    GstAxionAnalysis *a = am ? gst_axion_analysis_copy (am->analysis) : NULL;
    gst_buffer_unref (out);
    if (a)
      return a;
    g_usleep (20000);
  }
  return NULL;
}

GST_START_TEST (test_success)
{
  GstHarness *h = claude_harness (NULL, 2000, 1500);
  GstBuffer *out;
  GstAxionAnalysis *a;
  gint64 trigger_id;
  guint64 n = 1;
  gchar *prompt;
  gint w, hh;

  out = gst_harness_push_and_pull (h, frame (2000, 1500, 0, TRUE, 0x1234));
  trigger_id = gst_axion_frame_meta_get_event_id (
      gst_buffer_get_axion_frame_meta (out), GST_AXION_EVENT_MOTION_START);
  fail_unless (trigger_id > 0, "no motion-start event id on the frame");
  gst_buffer_unref (out);

  a = wait_analysis (h, 2000, 1500, &n);
  fail_unless (a != NULL, "no analysis arrived");
  fail_unless_equals_int (claude_mock_invalid (mock), 0);
  fail_unless (a->error == NULL, "error: %s", a->error);
  fail_unless_equals_string (a->primary_insight, CLAUDE_MOCK_INSIGHT);
  fail_unless_equals_string (a->risk_assessment, "low");
  fail_unless_equals_string (a->objects_identified[0], "person");
  fail_unless_equals_string (a->objects_identified[1], "door");
  fail_unless (a->objects_identified[2] == NULL);
  fail_unless (a->anomalies_flagged && a->anomalies_flagged[0] == NULL);
  fail_unless (a->should_alert);
  fail_unless_equals_int (a->alert_severity, 3);
  fail_unless (a->pattern_detected);
  fail_unless_equals_int (a->tokens_used, 1234 + 56);
  fail_unless_equals_int64 (a->trigger_event_id, trigger_id);
  fail_unless_equals_string (a->camera_id, "camA");
  fail_unless_equals_int (a->frame_number, 0);
  fail_unless (a->analysis_id > 0);
  fail_unless (a->raw_json && strstr (a->raw_json, "tool_use"));

  /* the rows the sinks write from it */
  {
    GError *err = NULL;
    GstAxionRow *row = gst_axion_row_claude_analysis (a, &err);
    fail_unless (row != NULL, "%s", err ? err->message : "");
    gst_axion_row_free (row);
    row = gst_axion_row_alert (a, 0, &err);
    fail_unless (row != NULL, "%s", err ? err->message : "");
    gst_axion_row_free (row);
  }

  /* downscaled for the API: 2000x1500 -> <= 1.15 MP */
  claude_mock_last_image (mock, &w, &hh);
  fail_unless (w > 0 && MAX (w, hh) <= 1568 && (gint64) w * hh <= 1150000,
      "image %dx%d", w, hh);
  prompt = claude_mock_last_prompt (mock);
  fail_unless (strstr (prompt, "camA") && strstr (prompt, "motion_start"),
      "prompt: %s", prompt);
  g_free (prompt);
  fail_unless_equals_int (stat_u64 (h, "answers"), 1);
  fail_unless_equals_int (stat_u64 (h, "tokens-in"), 1234);
  gst_axion_analysis_free (a);
  gst_harness_teardown (h);
}
GST_END_TEST;

typedef struct
{
  guint status;
  const gchar *headers;
  const gchar *body;
  guint requests;     /* expected requests */
  const gchar *error; /* expected in the error, or NULL for success */
} ErrCase;

static void
run_case (const ErrCase *c, const gchar *extra)
{
  GstHarness *h = claude_harness (extra, 64, 48);
  GstAxionAnalysis *a;
  guint64 n = 1;

  if (c->status)
    claude_mock_push (mock, c->status, c->headers, c->body, 0);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0)));
  a = wait_analysis (h, 64, 48, &n);
  fail_unless (a != NULL, "no analysis for HTTP %u", c->status);
  fail_unless_equals_int (claude_mock_requests (mock), c->requests);
  if (c->error) {
    fail_unless (a->error != NULL, "HTTP %u: no error", c->status);
    fail_unless (strstr (a->error, c->error) != NULL, "error \"%s\" lacks %s",
        a->error, c->error);
    fail_unless (a->raw_json != NULL);
    fail_unless (!a->should_alert);
  } else {
    fail_unless (a->error == NULL, "%s", a->error);
  }
  gst_axion_analysis_free (a);
  gst_harness_teardown (h);
}

#define ERR(t, m)                                                              \
  "{\"type\":\"error\",\"error\":{\"type\":\"" t "\",\"message\":\"" m "\"}}"

GST_START_TEST (test_bad_request_no_retry)
{
  ErrCase c = { 400, NULL, ERR ("invalid_request_error", "bad"), 1,
    "invalid_request_error" };
  run_case (&c, NULL);
}
GST_END_TEST;

GST_START_TEST (test_unauthorized_no_retry)
{
  ErrCase c = { 401, NULL, ERR ("authentication_error", "invalid x-api-key"), 1,
    "authentication_error" };
  run_case (&c, NULL);
}
GST_END_TEST;

GST_START_TEST (test_429_retry_after)
{
  ErrCase c = { 429, "retry-after: 1\r\n", ERR ("rate_limit_error", "slow"), 2,
    NULL };
  gint64 gap;

  run_case (&c, NULL);
  gap = claude_mock_request_time (mock, 1) - claude_mock_request_time (mock, 0);
  /* it waited the second the server asked for (not the 0.5 s backoff) */
  fail_unless (gap >= 950000, "retried after %" G_GINT64_FORMAT " us", gap);
}
GST_END_TEST;

GST_START_TEST (test_529_and_500_then_success)
{
  GstHarness *h = claude_harness ("max-retries=2", 64, 48);
  GstAxionAnalysis *a;
  guint64 n = 1;
  GstElement *e;
  GstStructure *s, *by;

  claude_mock_push (mock, 529, NULL, ERR ("overloaded_error", "busy"), 0);
  claude_mock_push (mock, 500, NULL, ERR ("api_error", "oops"), 0);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0)));
  a = wait_analysis (h, 64, 48, &n);
  fail_unless (a && a->error == NULL);
  fail_unless_equals_int (claude_mock_requests (mock), 3);
  e = gst_harness_find_element (h, "axionclaude");
  g_object_get (e, "stats", &s, NULL);
  fail_unless (gst_structure_get (
      s, "retries-by-status", GST_TYPE_STRUCTURE, &by, NULL));
  fail_unless (gst_structure_has_field (by, "http-529"));
  fail_unless (gst_structure_has_field (by, "http-500"));
  gst_structure_free (by);
  gst_structure_free (s);
  gst_object_unref (e);
  gst_axion_analysis_free (a);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_should_retry_false)
{
  ErrCase c = { 500, "x-should-retry: false\r\n", ERR ("api_error", "no"), 1,
    "api_error" };
  run_case (&c, NULL);
}
GST_END_TEST;

GST_START_TEST (test_connection_refused)
{
  GstHarness *h;
  GstAxionAnalysis *a;
  guint64 n = 1;
  GSocketListener *l = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (l, NULL, NULL);
  gchar *extra;

  /* a port that was free a moment ago: nobody listens */
  g_socket_listener_close (l);
  g_object_unref (l);
  extra = g_strdup_printf ("api-url=http://127.0.0.1:%u max-retries=1", port);
  h = claude_harness (extra, 64, 48);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0)));
  a = wait_analysis (h, 64, 48, &n);
  fail_unless (a && a->error && strstr (a->error, "connection"), "%s",
      a ? a->error : "no analysis");
  fail_unless_equals_int (stat_u64 (h, "calls"), 2);
  gst_axion_analysis_free (a);
  gst_harness_teardown (h);
  g_free (extra);
}
GST_END_TEST;

GST_START_TEST (test_stall_past_timeout)
{
  GstHarness *h = claude_harness ("timeout-ms=300 max-retries=1", 64, 48);
  GstAxionAnalysis *a;
  guint64 n = 1;

  claude_mock_push (mock, 200, NULL, NULL, 3000);
  claude_mock_push (mock, 200, NULL, NULL, 3000);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0)));
  a = wait_analysis (h, 64, 48, &n);
  fail_unless (a && a->error && strstr (a->error, "timeout"), "%s",
      a ? a->error : "no analysis");
  fail_unless_equals_int (claude_mock_requests (mock), 2);
  gst_axion_analysis_free (a);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* hostile answers with status 200: recorded as failed analyses */
GST_START_TEST (test_bad_answers)
{
  const gchar *bodies[] = {
    "<html><body>502 Bad Gateway</body></html>",
    ERR ("overloaded_error", "200 with an error body"),
    "{\"type\":\"message\",\"content\":[{\"type\":\"tool_use\",\"name\":",
    "{\"type\":\"message\",\"stop_reason\":\"max_tokens\",\"content\":[],"
    "\"usage\":{\"input_tokens\":10,\"output_tokens\":1024}}",
    "{\"type\":\"message\",\"stop_reason\":\"refusal\",\"content\":[]}",
    "{\"type\":\"message\",\"stop_reason\":\"tool_use\",\"content\":[{"
    "\"type\":\"tool_use\",\"name\":\"record_scene_analysis\",\"input\":{"
    "\"primary_insight\":\"x\","
    "\"risk_assessment\":\"high\",\"pattern_detected\":false,"
    "\"should_alert\":true,\"objects_identified\":[],"
    "\"activities_detected\":[],\"anomalies_flagged\":[]}}]}",
  };
  const gchar *expect[] = { "parse", "api_error", "parse", "max_tokens",
    "refusal", "schema" };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++) {
    ErrCase c = { 200, NULL, bodies[i], i + 1, expect[i] };
    run_case (&c, NULL);
  }
}
GST_END_TEST;

/* The server stalls: 300 frames flow before the first answer. */
GST_START_TEST (test_never_stalls_video)
{
  GstHarness *h = claude_harness (NULL, 64, 48);

  claude_mock_push (mock, 200, NULL, NULL, 8000);
  for (guint i = 0; i < 300; i++) {
    GstBuffer *out = gst_harness_push_and_pull (
        h, frame (64, 48, i, i == 0, 0));
    fail_unless (out != NULL);
    gst_buffer_unref (out);
  }
  /* all 300 frames went through; the call is out, unanswered */
  for (int i = 0; i < 500 && claude_mock_requests (mock) < 1; i++)
    g_usleep (10000);
  fail_unless_equals_int (claude_mock_requests (mock), 1);
  fail_unless_equals_int (claude_mock_answered (mock), 0);
  gst_harness_teardown (h); /* stops the worker in the middle of the call */
}
GST_END_TEST;

/* a full queue skips (and counts) instead of growing */
GST_START_TEST (test_queue_bound)
{
  GstHarness *h = claude_harness ("queue-size=1 workers=1", 64, 48);

  for (guint i = 0; i < 6; i++)
    claude_mock_push (mock, 200, NULL, NULL, 3000);
  for (guint i = 0; i < 20; i++)
    gst_buffer_unref (
        gst_harness_push_and_pull (h, frame (64, 48, i, TRUE, 0)));
  fail_unless (stat_u64 (h, "skipped-queue") >= 15);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The key never shows: not at debug level 9, not in read-back or stats. */
static guint key_seen;

static void
scan_log (GstDebugCategory *cat, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
    gpointer data)
{
  const gchar *s = gst_debug_message_get (message);
  if (s && strstr (s, "SECRET")) {
    key_seen++;
    g_printerr ("key seen in %s:%d %s: %s\n", file, line, function, s);
  }
}

GST_START_TEST (test_key_never_shown)
{
  GstHarness *h;
  GstAxionAnalysis *a;
  GstElement *e;
  GstStructure *st;
  gchar *s;
  guint64 n = 1;
  GParamSpec *ps;

  gst_debug_add_log_function (scan_log, NULL, NULL);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_set_active (TRUE);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);
  /* the key from the environment, as documented: a key written into a
   * pipeline description is logged by GStreamer's own parser */
  g_setenv ("ANTHROPIC_API_KEY", KEY, TRUE);
  h = claude_harness_full (NULL, 64, 48, FALSE);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0)));
  a = wait_analysis (h, 64, 48, &n);
  fail_unless (a && a->error == NULL);
  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  gst_debug_remove_log_function (scan_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  g_unsetenv ("ANTHROPIC_API_KEY");
  fail_unless_equals_int (key_seen, 0);
  fail_unless (strstr (a->raw_json, "SECRET") == NULL);

  e = gst_harness_find_element (h, "axionclaude");
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "api-key");
  fail_unless (ps && !(ps->flags & G_PARAM_READABLE), "api-key is readable");
  g_object_get (e, "stats", &st, NULL);
  s = gst_structure_to_string (st);
  fail_unless (strstr (s, "SECRET") == NULL);
  g_free (s);
  gst_structure_free (st);
  gst_object_unref (e);
  gst_axion_analysis_free (a);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* ---- API module (parser, retry rules, image size) ---------------------- */

GST_START_TEST (test_api_rules)
{
  gint w, h;
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  gint tin, tout;
  gchar *et, *em, *deep, *body = claude_mock_success_body ();

  fail_unless (axion_claude_should_retry (429, NULL));
  fail_unless (axion_claude_should_retry (529, NULL));
  fail_unless (axion_claude_should_retry (408, NULL));
  fail_unless (axion_claude_should_retry (409, NULL));
  fail_unless (axion_claude_should_retry (0, NULL));
  fail_if (axion_claude_should_retry (400, NULL));
  fail_if (axion_claude_should_retry (401, NULL));
  fail_if (axion_claude_should_retry (500, "false"));
  fail_unless (axion_claude_should_retry (400, "true"));
  fail_unless_equals_int64 (
      axion_claude_retry_delay_ms (0, "1500", NULL, 0, 0), 1500);
  fail_unless_equals_int64 (
      axion_claude_retry_delay_ms (0, NULL, "2", 0, 0), 2000);
  /* beyond 60 s: the SDK backoff instead */
  fail_unless_equals_int64 (
      axion_claude_retry_delay_ms (0, NULL, "120", 0, 0), 500);
  fail_unless_equals_int64 (
      axion_claude_retry_delay_ms (3, NULL, NULL, 0, 0), 4000);
  fail_unless_equals_int64 (
      axion_claude_retry_delay_ms (9, NULL, NULL, 0, 0), 8000);
  fail_unless_equals_int64 (
      axion_claude_retry_delay_ms (9, NULL, NULL, 0, 0.999), 6002);
  axion_claude_fit_image (1920, 1080, 1568, &w, &h);
  fail_unless (MAX (w, h) <= 1568 && (gint64) w * h <= 1150000);
  fail_unless (ABS ((gdouble) w / h - 1920.0 / 1080) < 0.01);
  axion_claude_fit_image (640, 480, 1568, &w, &h);
  fail_unless (w == 640 && h == 480);
  fail_unless_equals_int (axion_claude_image_tokens (1092, 1092), 1590);

  fail_unless (axion_claude_parse_response (
      body, strlen (body), a, &tin, &tout, &et, &em));
  fail_unless_equals_int (tin, 1234);
  gst_axion_analysis_free (a);
  g_free (body);

  /* 10000 levels of nesting: refused before parsing */
  deep = g_strnfill (10000, '[');
  a = gst_axion_analysis_new ();
  fail_if (axion_claude_parse_response (
      deep, strlen (deep), a, &tin, &tout, &et, &em));
  fail_unless_equals_string (et, "parse");
  g_free (et);
  g_free (em);
  g_free (deep);
  gst_axion_analysis_free (a);

  /* a 3 MB string: parsed, the text kept bounded */
  {
    gchar *huge = g_strnfill (3 * 1024 * 1024, 'a');
    gchar *hb = g_strdup_printf (
        "{\"type\":\"message\",\"stop_reason\":\"tool_use\",\"content\":[{"
        "\"type\":\"tool_use\",\"name\":\"record_scene_analysis\",\"input\":{"
        "\"primary_insight\":\"%s\",\"scene_description\":\"y\","
        "\"risk_assessment\":\"none\",\"pattern_detected\":false,"
        "\"should_alert\":false,\"objects_identified\":[],"
        "\"activities_detected\":[],\"anomalies_flagged\":[]}}]}",
        huge);
    a = gst_axion_analysis_new ();
    fail_unless (axion_claude_parse_response (
        hb, strlen (hb), a, &tin, &tout, &et, &em));
    fail_unless (strlen (a->primary_insight) <= 8192);
    /* used, with the truncation noted */
    fail_unless_equals_string (et, "fields");
    fail_unless (strstr (em,
                     "primary_insight: longer than 8192 characters, "
                     "truncated"),
        "%s", em);
    g_free (et);
    g_free (em);
    gst_axion_analysis_free (a);
    g_free (hb);
    g_free (huge);
  }

  /* a broken UTF-16 surrogate pair in an escape: refused as not JSON */
  {
    const gchar *bad = "{\"type\":\"message\",\"x\":\"\\ud83d\\uda00\"}";
    a = gst_axion_analysis_new ();
    fail_if (axion_claude_parse_response (
        bad, strlen (bad), a, &tin, &tout, &et, &em));
    fail_unless_equals_string (et, "parse");
    g_free (et);
    g_free (em);
    gst_axion_analysis_free (a);
  }

  /* invalid UTF-8 */
  a = gst_axion_analysis_new ();
  fail_if (axion_claude_parse_response (
      "{\"type\":\"\xff\"}", 13, a, &tin, &tout, &et, &em));
  g_free (et);
  g_free (em);
  gst_axion_analysis_free (a);
}
GST_END_TEST;

/* ---- the tool input, field by field (defect 12) ------------------------ */

/* the fields of a complete, valid input, in order */
static const gchar *const base_fields[][2] = {
  { "primary_insight", "\"A person at the door\"" },
  { "confidence_score", "0.5" },
  { "objects_identified", "[\"person\"]" },
  { "activities_detected", "[\"walking\"]" },
  { "anomalies_flagged", "[]" },
  { "scene_description", "\"An entrance hall\"" },
  { "risk_assessment", "\"medium\"" },
  { "pattern_detected", "true" },
  { "pattern_type", "\"loitering\"" },
  { "pattern_confidence", "0.25" },
  { "should_alert", "true" },
  { "alert_reason", "\"after hours\"" },
  { "alert_severity", "4" },
};

/* an answer whose tool input is the base with @field set to the JSON text
 * @value (NULL: the field left out) */
static gchar *
answer_with (const gchar *field, const gchar *value, const gchar *id)
{
  GString *s = g_string_new (NULL);
  gboolean first = TRUE;

  g_string_append_printf (s,
      "{\"id\":\"%s\",\"type\":\"message\",\"role\":\"assistant\","
      "\"model\":\"claude-sonnet-4-5\",\"stop_reason\":\"tool_use\","
      "\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":"
      "\"record_scene_analysis\",\"input\":{",
      id ? id : "msg_1");
  for (guint i = 0; i < G_N_ELEMENTS (base_fields); i++) {
    const gchar *v = base_fields[i][1];
    if (g_strcmp0 (field, base_fields[i][0]) == 0) {
      if (value == NULL)
        continue;
      v = value;
    }
    g_string_append_printf (
        s, "%s\"%s\":%s", first ? "" : ",", base_fields[i][0], v);
    first = FALSE;
  }
  g_string_append (
      s, "}}],\"usage\":{\"input_tokens\":100,\"output_tokens\":20}}");
  return g_string_free (s, FALSE);
}

typedef enum
{
  FIELD_OK,      /* used, no problem with this field */
  FIELD_ERROR,   /* used, the field is an error (NULL / false) */
  FIELD_MISSING, /* used, the field defaulted and noted */
  FIELD_FAILS,   /* the analysis fails */
} FieldOutcome;

typedef struct
{
  const gchar *field;
  const gchar *value; /* JSON text, NULL = left out */
  FieldOutcome outcome;
  const gchar *range; /* in the error text (FIELD_ERROR) */
} FieldCase;

#define UNIT "0 to 1"
#define SEV "integer from 1 to 5"

static const FieldCase field_cases[] = {
  /* numbers 0..1 (optional: missing or null is simply NULL) */
  { "confidence_score", "99999999999999999999", FIELD_ERROR, UNIT },
  { "confidence_score", "-99999999999999999999", FIELD_ERROR, UNIT },
  /* wraps to 1 in a 64-bit integer */
  { "confidence_score", "18446744073709551617", FIELD_ERROR, UNIT },
  { "confidence_score", "1e999", FIELD_ERROR, UNIT },
  { "confidence_score", "-1e999", FIELD_ERROR, UNIT },
  { "confidence_score", "1e999999", FIELD_ERROR, UNIT },
  { "confidence_score", "-0.01", FIELD_ERROR, UNIT },
  { "confidence_score", "1.5", FIELD_ERROR, UNIT },
  { "confidence_score", "\"NaN\"", FIELD_ERROR, UNIT },
  { "confidence_score", "\"Infinity\"", FIELD_ERROR, UNIT },
  { "confidence_score", "\"-Infinity\"", FIELD_ERROR, UNIT },
  { "confidence_score", "\"0.5\"", FIELD_ERROR, UNIT },
  { "confidence_score", "true", FIELD_ERROR, UNIT },
  { "confidence_score", "[0.5]", FIELD_ERROR, UNIT },
  { "confidence_score", "{\"v\":0.5}", FIELD_ERROR, UNIT },
  { "confidence_score", "\"0.5\\\"\\n\"", FIELD_ERROR, UNIT },
  { "confidence_score", "0", FIELD_OK, NULL },
  { "confidence_score", "1", FIELD_OK, NULL },
  { "confidence_score", "1e-99999", FIELD_OK, NULL },
  { "confidence_score", "null", FIELD_OK, NULL },
  { "confidence_score", NULL, FIELD_OK, NULL },
  { "pattern_confidence", "99999999999999999999", FIELD_ERROR, UNIT },
  { "pattern_confidence", "-1", FIELD_ERROR, UNIT },
  { "pattern_confidence", "1e999", FIELD_ERROR, UNIT },
  { "pattern_confidence", "\"NaN\"", FIELD_ERROR, UNIT },
  { "pattern_confidence", "\"Infinity\"", FIELD_ERROR, UNIT },
  { "pattern_confidence", "\"x\\\"y\\nz\"", FIELD_ERROR, UNIT },
  { "pattern_confidence", "false", FIELD_ERROR, UNIT },
  { "pattern_confidence", NULL, FIELD_OK, NULL },
  /* integer 1..5 (optional) */
  { "alert_severity", "99999999999999999999", FIELD_ERROR, SEV },
  { "alert_severity", "-99999999999999999999", FIELD_ERROR, SEV },
  { "alert_severity", "18446744073709551617", FIELD_ERROR, SEV },
  { "alert_severity", "18446744073709551619", FIELD_ERROR, SEV },
  { "alert_severity", "9223372036854775808", FIELD_ERROR, SEV },
  { "alert_severity", "0", FIELD_ERROR, SEV },
  { "alert_severity", "6", FIELD_ERROR, SEV },
  { "alert_severity", "-3", FIELD_ERROR, SEV },
  { "alert_severity", "2.5", FIELD_ERROR, SEV },
  { "alert_severity", "1e999", FIELD_ERROR, SEV },
  { "alert_severity", "-1e999", FIELD_ERROR, SEV },
  { "alert_severity", "\"NaN\"", FIELD_ERROR, SEV },
  { "alert_severity", "\"Infinity\"", FIELD_ERROR, SEV },
  { "alert_severity", "\"3\"", FIELD_ERROR, SEV },
  { "alert_severity", "\"3\\\"\\n\"", FIELD_ERROR, SEV },
  { "alert_severity", "true", FIELD_ERROR, SEV },
  { "alert_severity", "[3]", FIELD_ERROR, SEV },
  { "alert_severity", "4.0", FIELD_OK, NULL },
  /* with should_alert true (the base): noted */
  { "alert_severity", NULL, FIELD_MISSING, NULL },
  { "alert_severity", "null", FIELD_MISSING, NULL },
  /* booleans (required: missing is noted, false) */
  { "pattern_detected", "\"true\"", FIELD_ERROR, "true or false" },
  { "pattern_detected", "1", FIELD_ERROR, "true or false" },
  { "pattern_detected", "99999999999999999999", FIELD_ERROR, "true or false" },
  { "pattern_detected", "\"NaN\"", FIELD_ERROR, "true or false" },
  { "pattern_detected", "1e999", FIELD_ERROR, "true or false" },
  { "pattern_detected", "[]", FIELD_ERROR, "true or false" },
  { "pattern_detected", "\"tr\\\"ue\\n\"", FIELD_ERROR, "true or false" },
  { "pattern_detected", NULL, FIELD_MISSING, NULL },
  { "pattern_detected", "null", FIELD_MISSING, NULL },
  { "should_alert", "\"true\"", FIELD_ERROR, "true or false" },
  { "should_alert", "-1", FIELD_ERROR, "true or false" },
  { "should_alert", "\"Infinity\"", FIELD_ERROR, "true or false" },
  { "should_alert", "{}", FIELD_ERROR, "true or false" },
  { "should_alert", "\"ye\\\"s\\n\"", FIELD_ERROR, "true or false" },
  { "should_alert", "-1e999", FIELD_ERROR, "true or false" },
  { "should_alert", NULL, FIELD_MISSING, NULL },
  /* the enum (required) */
  { "risk_assessment", "\"extreme\"", FIELD_ERROR, "none|low|medium|high" },
  { "risk_assessment", "\"High\"", FIELD_ERROR, "none|low|medium|high" },
  { "risk_assessment", "\"low\\n\"", FIELD_ERROR, "none|low|medium|high" },
  { "risk_assessment", "\"lo\\\"w\"", FIELD_ERROR, "none|low|medium|high" },
  { "risk_assessment", "3", FIELD_ERROR, "none|low|medium|high" },
  { "risk_assessment", "99999999999999999999", FIELD_ERROR,
      "none|low|medium|high" },
  { "risk_assessment", "\"NaN\"", FIELD_ERROR, "none|low|medium|high" },
  { "risk_assessment", "[\"low\"]", FIELD_ERROR, "none|low|medium|high" },
  { "risk_assessment", NULL, FIELD_MISSING, NULL },
  /* arrays of strings (required) */
  { "objects_identified", "\"person\"", FIELD_ERROR, "array of strings" },
  { "objects_identified", "[1]", FIELD_ERROR, "array of strings" },
  { "objects_identified", "[\"a\",null]", FIELD_ERROR, "array of strings" },
  { "objects_identified", "[1e999]", FIELD_ERROR, "array of strings" },
  { "objects_identified", "99999999999999999999", FIELD_ERROR,
      "array of strings" },
  { "objects_identified", "{\"a\":\"b\"}", FIELD_ERROR, "array of strings" },
  { "objects_identified", "[\"a \\\"quoted\\\"\\nperson\"]", FIELD_OK, NULL },
  { "objects_identified", NULL, FIELD_MISSING, NULL },
  { "activities_detected", "\"walking\"", FIELD_ERROR, "array of strings" },
  { "activities_detected", "[\"NaN\", 2]", FIELD_ERROR, "array of strings" },
  { "activities_detected", NULL, FIELD_MISSING, NULL },
  { "anomalies_flagged", "true", FIELD_ERROR, "array of strings" },
  { "anomalies_flagged", "[[]]", FIELD_ERROR, "array of strings" },
  { "anomalies_flagged", "[\"door \\\"open\\\"\\n\"]", FIELD_OK, NULL },
  { "anomalies_flagged", "[-1e999]", FIELD_ERROR, "array of strings" },
  { "anomalies_flagged", NULL, FIELD_MISSING, NULL },
  /* text */
  { "primary_insight", "42", FIELD_ERROR, "string" },
  { "primary_insight", "99999999999999999999", FIELD_ERROR, "string" },
  { "primary_insight", "[\"x\"]", FIELD_ERROR, "string" },
  { "primary_insight", "\"He said \\\"hi\\\"\\nthen left\"", FIELD_OK, NULL },
  { "primary_insight", NULL, FIELD_MISSING, NULL },
  { "pattern_type", "1e999", FIELD_ERROR, "string" },
  { "pattern_type", "false", FIELD_ERROR, "string" },
  { "pattern_type", "\"loi\\\"ter\\ning\"", FIELD_OK, NULL },
  /* with pattern_detected true (the base): noted */
  { "pattern_type", NULL, FIELD_MISSING, NULL },
  { "alert_reason", "-1", FIELD_ERROR, "string" },
  { "alert_reason", "{}", FIELD_ERROR, "string" },
  { "alert_reason", "\"a \\\"quoted\\\"\\nreason\"", FIELD_OK, NULL },
  { "alert_reason", "99999999999999999999", FIELD_ERROR, "string" },
  { "alert_reason", NULL, FIELD_OK, NULL },
  /* the essential field */
  { "scene_description", NULL, FIELD_FAILS, NULL },
  { "scene_description", "null", FIELD_FAILS, NULL },
  { "scene_description", "\"\"", FIELD_FAILS, NULL },
  { "scene_description", "\" \\n \"", FIELD_FAILS, NULL },
  { "scene_description", "42", FIELD_FAILS, NULL },
  { "scene_description", "99999999999999999999", FIELD_FAILS, NULL },
  { "scene_description", "[\"hall\"]", FIELD_FAILS, NULL },
  { "scene_description", "\"A \\\"hall\\\"\\nwith a door\"", FIELD_OK, NULL },
  /* not JSON: NaN and Infinity as bare numbers break the answer */
  { "confidence_score", "NaN", FIELD_FAILS, NULL },
  { "alert_severity", "Infinity", FIELD_FAILS, NULL },
  { "pattern_confidence", "-Infinity", FIELD_FAILS, NULL },
};

/* the field's stored value is its "not given" value */
static gboolean
field_is_unset (const GstAxionAnalysis *a, const gchar *f)
{
  if (g_str_equal (f, "confidence_score"))
    return a->confidence_score < 0;
  if (g_str_equal (f, "pattern_confidence"))
    return a->pattern_confidence < 0;
  if (g_str_equal (f, "alert_severity"))
    return a->alert_severity == 0;
  if (g_str_equal (f, "pattern_detected"))
    return !a->pattern_detected;
  if (g_str_equal (f, "should_alert"))
    return !a->should_alert;
  if (g_str_equal (f, "risk_assessment"))
    return a->risk_assessment == NULL;
  if (g_str_equal (f, "objects_identified"))
    return a->objects_identified == NULL;
  if (g_str_equal (f, "activities_detected"))
    return a->activities_detected == NULL;
  if (g_str_equal (f, "anomalies_flagged"))
    return a->anomalies_flagged == NULL;
  if (g_str_equal (f, "primary_insight"))
    return a->primary_insight == NULL;
  if (g_str_equal (f, "pattern_type"))
    return a->pattern_type == NULL;
  if (g_str_equal (f, "alert_reason"))
    return a->alert_reason == NULL;
  if (g_str_equal (f, "scene_description"))
    return a->scene_description == NULL;
  return FALSE;
}

/* raw_json is valid JSON; its "axion_error" member is @text (or absent) */
static void
check_raw_json (const gchar *raw, const gchar *text, const gchar *what)
{
  JsonParser *p = json_parser_new ();
  JsonObject *o;
  const gchar *e;

  fail_unless (json_parser_load_from_data (p, raw, -1, NULL),
      "%s: raw_json is not JSON: %s", what, raw);
  o = json_node_get_object (json_parser_get_root (p));
  e = json_object_has_member (o, "axion_error")
      ? json_object_get_string_member (o, "axion_error")
      : NULL;
  fail_unless (
      g_strcmp0 (e, text) == 0, "%s: axion_error %s, error %s", what, e, text);
  g_object_unref (p);
}

GST_START_TEST (test_fields_one_by_one)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_cases); i++) {
    const FieldCase *c = &field_cases[i];
    gchar *body = answer_with (c->field, c->value, NULL);
    gchar *what = g_strdup_printf (
        "%s = %s", c->field, c->value ? c->value : "(missing)");
    GstAxionAnalysis *a = gst_axion_analysis_new ();
    gint tin, tout;
    gchar *et = NULL, *em = NULL, *text = NULL;
    gboolean used = axion_claude_parse_response (
        body, strlen (body), a, &tin, &tout, &et, &em);

    if (et)
      text = g_strdup_printf ("%s: %s", et, em);
    if (c->outcome == FIELD_FAILS) {
      fail_if (used, "%s: answer used", what);
      fail_unless (et != NULL, "%s: no error", what);
      fail_unless (!a->should_alert);
      if (c->value &&
          (g_str_has_suffix (c->value, "NaN") ||
              g_str_has_suffix (c->value, "Infinity"))) {
        fail_unless_equals_string (et, "parse");
        fail_unless (a->raw_json == NULL);
      } else {
        fail_unless_equals_string (et, "schema");
        fail_unless (
            strstr (em, "scene_description") != NULL, "%s: %s", what, em);
        check_raw_json (a->raw_json, text, what);
      }
    } else {
      gchar *item = g_strdup_printf ("%s: ", c->field);
      fail_unless (used, "%s: not used (%s)", what, text);
      /* the other fields are untouched */
      fail_unless_equals_string (a->scene_description,
          g_str_equal (c->field, "scene_description") ? a->scene_description
                                                      : "An entrance hall");
      fail_unless_equals_int (tin, 100);
      if (c->outcome == FIELD_OK) {
        fail_unless (et == NULL, "%s: %s", what, text);
        check_raw_json (a->raw_json, NULL, what);
      } else {
        fail_unless_equals_string (et, "fields");
        /* one problem, naming the field */
        fail_unless (g_str_has_prefix (em, item), "%s: %s", what, em);
        fail_unless (strstr (em, "; ") == NULL, "%s: %s", what, em);
        fail_unless (field_is_unset (a, c->field), "%s: stored anyway", what);
        if (c->outcome == FIELD_ERROR) {
          fail_unless (strstr (em, c->range) != NULL, "%s: %s lacks %s", what,
              em, c->range);
          fail_unless (strstr (em, "\n") == NULL, "%s: %s", what, em);
        } else {
          fail_unless (strstr (em, "missing") != NULL, "%s: %s", what, em);
        }
        check_raw_json (a->raw_json, text, what);
      }
      g_free (item);
    }
    g_free (text);
    g_free (et);
    g_free (em);
    g_free (what);
    g_free (body);
    gst_axion_analysis_free (a);
  }
}
GST_END_TEST;

/* the values that were wrong before: no longer stored, never clamped */
GST_START_TEST (test_fields_values)
{
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  gint tin, tout;
  gchar *et = NULL, *em = NULL;
  gchar *body = answer_with ("alert_severity", "99999999999999999999", NULL);

  fail_unless (axion_claude_parse_response (
      body, strlen (body), a, &tin, &tout, &et, &em));
  fail_unless_equals_int (a->alert_severity, 0);
  fail_unless (strstr (em,
                   "alert_severity: 1e+20 is not an integer from 1 "
                   "to 5, stored as NULL"),
      "%s", em);
  /* everything else as given */
  fail_unless_equals_string (a->primary_insight, "A person at the door");
  fail_unless_equals_float (a->confidence_score, 0.5);
  fail_unless_equals_string (a->objects_identified[0], "person");
  fail_unless_equals_string (a->risk_assessment, "medium");
  fail_unless (a->pattern_detected && a->should_alert);
  fail_unless_equals_string (a->pattern_type, "loitering");
  fail_unless_equals_float (a->pattern_confidence, 0.25);
  fail_unless_equals_string (a->alert_reason, "after hours");
  g_free (et);
  g_free (em);
  g_free (body);
  gst_axion_analysis_free (a);

  /* strings with quotes and newlines are text, kept as written; the error
   * text shows a wrong value on one line */
  a = gst_axion_analysis_new ();
  body = answer_with (
      "primary_insight", "\"He said \\\"hi\\\"\\nthen left\"", NULL);
  fail_unless (axion_claude_parse_response (
      body, strlen (body), a, &tin, &tout, &et, &em));
  fail_unless_equals_string (a->primary_insight, "He said \"hi\"\nthen left");
  g_free (body);
  gst_axion_analysis_free (a);
  a = gst_axion_analysis_new ();
  body = answer_with ("risk_assessment", "\"lo\\\"w\\n\"", NULL);
  fail_unless (axion_claude_parse_response (
      body, strlen (body), a, &tin, &tout, &et, &em));
  fail_unless_equals_string (em,
      "risk_assessment: \"lo\\\"w\\n\" is not one "
      "of none|low|medium|high|critical, stored "
      "as NULL");
  g_free (et);
  g_free (em);
  g_free (body);
  gst_axion_analysis_free (a);

  /* an ordinary answer without alert or pattern: the optional fields
   * left out are not noted */
  a = gst_axion_analysis_new ();
  body = g_strdup (
      "{\"type\":\"message\",\"stop_reason\":\"tool_use\",\"content\":[{"
      "\"type\":\"tool_use\",\"name\":\"record_scene_analysis\",\"input\":{"
      "\"primary_insight\":\"x\",\"objects_identified\":[],"
      "\"activities_detected\":[],\"anomalies_flagged\":[],"
      "\"scene_description\":\"y\",\"risk_assessment\":\"none\","
      "\"pattern_detected\":false,\"should_alert\":false}}]}");
  fail_unless (axion_claude_parse_response (
      body, strlen (body), a, &tin, &tout, &et, &em));
  fail_unless (et == NULL && em == NULL, "%s", em);
  fail_unless (a->confidence_score < 0 && a->pattern_confidence < 0 &&
      a->alert_severity == 0 && a->pattern_type == NULL &&
      a->alert_reason == NULL);
  fail_unless (strstr (a->raw_json, "axion_error") == NULL);
  g_free (body);
  gst_axion_analysis_free (a);

  /* several problems at once: each listed; 1e999999 kept in raw_json as a
   * string (PostgreSQL's numeric cannot hold it) */
  a = gst_axion_analysis_new ();
  body = g_strdup (
      "{\"type\":\"message\",\"stop_reason\":\"tool_use\",\"content\":[{"
      "\"type\":\"tool_use\",\"name\":\"record_scene_analysis\",\"input\":{"
      "\"scene_description\":\"y\",\"confidence_score\":1e999999,"
      "\"alert_severity\":\"NaN\"}}]}");
  fail_unless (axion_claude_parse_response (
      body, strlen (body), a, &tin, &tout, &et, &em));
  fail_unless_equals_string (em,
      "primary_insight: missing, stored as NULL; confidence_score: a number "
      "too large (infinite) is not a number from 0 to 1, stored as NULL; "
      "objects_identified: missing, stored as NULL; activities_detected: "
      "missing, stored as NULL; anomalies_flagged: missing, stored as NULL; "
      "risk_assessment: missing, stored as NULL; pattern_detected: missing, "
      "stored as false (the default); should_alert: missing, stored as false "
      "(the default); alert_severity: \"NaN\" is not an integer from 1 to 5, "
      "stored as NULL");
  fail_unless (strstr (a->raw_json, "\"confidence_score\":\"1e999999\""), "%s",
      a->raw_json);
  g_free (et);
  g_free (em);
  g_free (body);
  gst_axion_analysis_free (a);
}
GST_END_TEST;

/* A server (or proxy) that echoes the key: it never reaches the error,
 * claude_response, the bus, the stats or the debug log. */
GST_START_TEST (test_key_echoed_by_server)
{
  GstHarness *h;
  GstAxionAnalysis *a;
  GstElement *e;
  GstStructure *st;
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  gchar *s, *body;
  guint64 n = 1;

  key_seen = 0;
  gst_debug_add_log_function (scan_log, NULL, NULL);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_set_active (TRUE);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);
  g_setenv ("ANTHROPIC_API_KEY", KEY, TRUE);
  h = claude_harness_full ("max-retries=0", 64, 48, FALSE);
  e = gst_harness_find_element (h, "axionclaude");
  gst_element_set_bus (e, bus);

  claude_mock_push (mock, 401, "request-id: req_" KEY "\r\n",
      ERR ("authentication_error", "invalid x-api-key " KEY), 0);
  gst_buffer_unref (gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0)));
  a = wait_analysis (h, 64, 48, &n);
  fail_unless (a && a->error && strstr (a->error, "authentication_error"));
  fail_if (strstr (a->error, "SECRET"), "%s", a->error);
  fail_if (strstr (a->raw_json, "SECRET"), "%s", a->raw_json);
  gst_axion_analysis_free (a);

  body = answer_with ("primary_insight", "\"the key is " KEY "\"", NULL);
  claude_mock_push (mock, 200, NULL, body, 0);
  g_free (body);
  gst_buffer_unref (
      gst_harness_push_and_pull (h, frame (64, 48, n++, TRUE, 0)));
  a = wait_analysis (h, 64, 48, &n);
  fail_unless (a && a->error == NULL, "%s", a ? a->error : "none");
  fail_if (strstr (a->primary_insight, "SECRET"), "%s", a->primary_insight);
  fail_if (strstr (a->raw_json, "SECRET"));
  /* still JSON */
  check_raw_json (a->raw_json, NULL, "echoed key");
  gst_axion_analysis_free (a);

  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  gst_debug_remove_log_function (scan_log);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  g_unsetenv ("ANTHROPIC_API_KEY");
  fail_unless_equals_int (key_seen, 0);
  while ((m = gst_bus_pop (bus))) {
    const GstStructure *ms = gst_message_get_structure (m);
    gchar *str = ms ? gst_structure_to_string (ms) : NULL;
    fail_if (str && strstr (str, "SECRET"), "bus: %s", str);
    g_free (str);
    gst_message_unref (m);
  }
  g_object_get (e, "stats", &st, NULL);
  s = gst_structure_to_string (st);
  fail_if (strstr (s, "SECRET"), "%s", s);
  g_free (s);
  gst_structure_free (st);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* ---- Redis: budgets and dedupe shared by two pipelines ------------------ */

static redisReply *
rcmd (const gchar *fmt, ...)
{
  redisContext *c = redisConnectUnix (g_getenv ("AXION_TEST_REDIS_SOCKET"));
  redisReply *r;
  va_list ap;
  fail_unless (c && !c->err);
  va_start (ap, fmt);
  r = redisvCommand (c, fmt, ap);
  va_end (ap);
  redisFree (c);
  return r;
}

GST_START_TEST (test_redis_budget_and_dedupe)
{
  const gchar *url = g_getenv ("AXION_TEST_REDIS_URL");
  gchar *extra;
  GstHarness *p1, *p2;
  gint64 now;
  redisReply *r;
  guint64 budget_skips;

  if (url == NULL) {
    GST_WARNING ("no test Redis: skipped");
    return;
  }
  /* stay inside one budget minute */
  now = g_get_real_time () / G_USEC_PER_SEC;
  if (now % 60 > 45)
    g_usleep ((61 - now % 60) * G_USEC_PER_SEC);
  r = rcmd ("FLUSHDB");
  freeReplyObject (r);

  /* budget: 3 calls a minute for both pipelines together */
  extra = g_strdup_printf ("redis-url=%s calls-per-minute=3 "
                           "camera-calls-per-minute=0 workers=1",
      url);
  p1 = claude_harness (extra, 64, 48);
  p2 = claude_harness (extra, 64, 48);
  for (guint i = 0; i < 5; i++) {
    gst_buffer_unref (
        gst_harness_push_and_pull (p1, frame (64, 48, i, TRUE, 0x1000 + i)));
    gst_buffer_unref (
        gst_harness_push_and_pull (p2, frame (64, 48, i, TRUE, 0x2000 + i)));
    g_usleep (300000);
  }
  for (int i = 0; i < 200 &&
       stat_u64 (p1, "skipped-budget") + stat_u64 (p2, "skipped-budget") +
               claude_mock_answered (mock) <
           10;
       i++)
    g_usleep (50000);
  budget_skips = stat_u64 (p1, "skipped-budget") +
      stat_u64 (p2, "skipped-budget");
  fail_unless_equals_int (claude_mock_requests (mock), 3);
  fail_unless_equals_int (budget_skips, 7);
  r = rcmd ("HGET axion:ratelimit:claude:tokens total_used");
  fail_unless (r->type == REDIS_REPLY_STRING);
  fail_unless_equals_int (atoi (r->str), 3 * (1234 + 56));
  freeReplyObject (r);
  r = rcmd ("ZSCORE axion:ratelimit:camera:claude_calls camA");
  fail_unless (r->type == REDIS_REPLY_STRING);
  freeReplyObject (r);
  gst_harness_teardown (p1);
  gst_harness_teardown (p2);
  g_free (extra);

  /* dedupe: the same scene seen by two pipelines of camera camA */
  r = rcmd ("FLUSHDB");
  freeReplyObject (r);
  extra = g_strdup_printf ("redis-url=%s calls-per-minute=0 "
                           "camera-calls-per-minute=0 workers=1",
      url);
  p1 = claude_harness (extra, 64, 48);
  p2 = claude_harness (extra, 64, 48);
  gst_buffer_unref (
      gst_harness_push_and_pull (p1, frame (64, 48, 0, TRUE, 0xabc)));
  for (int i = 0; i < 200 && claude_mock_answered (mock) < 4; i++)
    g_usleep (50000);
  gst_buffer_unref (
      gst_harness_push_and_pull (p2, frame (64, 48, 0, TRUE, 0xabc)));
  for (int i = 0; i < 200 && stat_u64 (p2, "skipped-dedupe") < 1; i++)
    g_usleep (50000);
  fail_unless_equals_int (stat_u64 (p2, "skipped-dedupe"), 1);
  fail_unless_equals_int (claude_mock_requests (mock), 4);
  r = rcmd ("ZSCORE axion:claude:camA:scenes 0000000000000abc");
  fail_unless (r->type == REDIS_REPLY_STRING);
  freeReplyObject (r);
  gst_harness_teardown (p1);
  gst_harness_teardown (p2);
  g_free (extra);
}
GST_END_TEST;

/* key-prefix as axionredissink's: keys "<prefix>:..."; "site:" and the
 * deprecated redis-prefix alias name the same namespace */
GST_START_TEST (test_key_prefix)
{
  const gchar *url = g_getenv ("AXION_TEST_REDIS_URL");
  struct
  {
    const gchar *prop, *value, *key_prefix, *redis_prefix;
  } cases[] = {
    { NULL, NULL, "axion", "axion:" },
    { "key-prefix", "site1", "site1", "site1:" },
    { "key-prefix", "site2:", "site2", "site2:" },
    { "redis-prefix", "site3:", "site3", "site3:" },
    { "key-prefix", "", "axion", "axion:" },
  };
  GParamSpec *ps;
  GstElement *e = gst_element_factory_make ("axionclaude", NULL);

  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "redis-prefix");
  fail_unless (ps && (ps->flags & G_PARAM_DEPRECATED));
  ps = g_object_class_find_property (G_OBJECT_GET_CLASS (e), "key-prefix");
  fail_unless (ps && !(ps->flags & G_PARAM_DEPRECATED));
  fail_unless_equals_string (
      g_value_get_string (g_param_spec_get_default_value (ps)), "axion");
  gst_object_unref (e);

  if (url == NULL) {
    GST_WARNING ("no test Redis: skipped");
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    /* set before the element starts (the namespace is taken at start) */
    gchar *extra = cases[i].prop
        ? g_strdup_printf ("redis-url=%s workers=1 %s=\"%s\"", url,
              cases[i].prop, cases[i].value)
        : g_strdup_printf ("redis-url=%s workers=1", url);
    GstHarness *h;
    GstElement *el;
    GstAxionAnalysis *a;
    guint64 n = 1;
    gchar *kp, *rp;
    redisReply *r;

    r = rcmd ("FLUSHDB");
    freeReplyObject (r);
    h = claude_harness (extra, 64, 48);
    el = gst_harness_find_element (h, "axionclaude");
    g_object_get (el, "key-prefix", &kp, "redis-prefix", &rp, NULL);
    fail_unless_equals_string (kp, cases[i].key_prefix);
    fail_unless_equals_string (rp, cases[i].redis_prefix);
    gst_buffer_unref (
        gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0x5ce0e + i)));
    a = wait_analysis (h, 64, 48, &n);
    fail_unless (a && a->error == NULL);
    r = rcmd ("ZSCORE %s:claude:camA:scenes %016x", kp, 0x5ce0e + i);
    fail_unless (r->type == REDIS_REPLY_STRING, "no %s:claude:camA:scenes", kp);
    freeReplyObject (r);
    r = rcmd ("HGET %s:ratelimit:claude:tokens total_used", kp);
    fail_unless (r->type == REDIS_REPLY_STRING);
    freeReplyObject (r);
    /* nothing outside the namespace (no "<prefix>::" either) */
    r = rcmd ("KEYS *");
    for (size_t k = 0; k < r->elements; k++) {
      gchar *want = g_strconcat (kp, ":", NULL);
      fail_unless (g_str_has_prefix (r->element[k]->str, want) &&
              r->element[k]->str[strlen (want)] != ':',
          "key %s outside %s", r->element[k]->str, want);
      g_free (want);
    }
    freeReplyObject (r);
    gst_axion_analysis_free (a);
    g_free (kp);
    g_free (rp);
    gst_object_unref (el);
    gst_harness_teardown (h);
    g_free (extra);
  }
}
GST_END_TEST;

/* A Redis password (with '#', '@', ':', '%', '\'' ...) never shows: not in
 * the "Invalid redis-url" error, its debug text, the debug log at level 9,
 * the bus, nor in the read-back of redis-url. */
static guint secret_seen;

static void
scan_secret (GstDebugCategory *cat, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
    gpointer data)
{
  const gchar *s = gst_debug_message_get (message);
  if (s && (strstr (s, "SECRET") || strstr (s, "pw#1"))) {
    secret_seen++;
    g_printerr ("secret seen in %s:%d %s: %s\n", file, line, function, s);
  }
}

static gboolean
has_secret (const gchar *s)
{
  return s && (strstr (s, "SECRET") || strstr (s, "pw#1"));
}

GST_START_TEST (test_redis_password_never_shown)
{
  const gchar *bad[] = {
    "redis://user:12/SECRET@127.0.0.1:6379/0",
    "redis://user:SECRET'@[::1:6379/0",
    "unix:///tmp/none.sock?password=pw%zzSECRET",
    "rediss://user:SECRET@127.0.0.1:6379/0",
  };
  /* valid, but nobody listens: the connection fails at the first call */
  const gchar *unreachable[] = {
    "redis://user:pw%231%40SECRET%3A%25%27@127.0.0.1:1/0",
    /* an unencoded '#' is part of the password (the user-info ends at the
     * last '@'); GLib never sees it, so never quotes it */
    "redis://:pw#1SECRET@127.0.0.1:1/0",
    "redis://user:pw#1SECRET@127.0.0.1:1/0",
    "redis://user:12#SECRET@127.0.0.1:1/0",
    /* a '%' not followed by two hex digits is kept as it is */
    "redis://user:pw%zzSECRET@127.0.0.1:1/0",
    "unix:///nonexistent/redis.sock?db=1&password=pw%231SECRET",
  };

  gst_debug_add_log_function (scan_secret, NULL, NULL);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_set_active (TRUE);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstElement *p = gst_pipeline_new (NULL);
    GstElement *src = gst_element_factory_make ("videotestsrc", NULL);
    GstElement *e = gst_element_factory_make ("axionclaude", NULL);
    GstElement *sink = gst_element_factory_make ("fakesink", NULL);
    GstBus *bus = gst_element_get_bus (p);
    GstMessage *m;
    GError *err = NULL;
    gchar *dbg = NULL, *shown;

    g_object_set (src, "num-buffers", 1, NULL);
    g_object_set (e, "redis-url", bad[i], "api-key", KEY, NULL);
    g_object_get (e, "redis-url", &shown, NULL);
    fail_if (has_secret (shown), "read back: %s", shown);
    g_free (shown);
    gst_bin_add_many (GST_BIN (p), src, e, sink, NULL);
    fail_unless (gst_element_link_many (src, e, sink, NULL));
    gst_element_set_state (p, GST_STATE_PLAYING);
    m = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
    fail_unless (m != NULL, "%s: no error", bad[i]);
    gst_message_parse_error (m, &err, &dbg);
    fail_unless (
        strstr (err->message, "Invalid redis-url") != NULL, "%s", err->message);
    fail_if (has_secret (err->message), "%s", err->message);
    fail_if (has_secret (dbg), "%s", dbg);
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (m);
    gst_element_set_state (p, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (p);
  }

  for (guint i = 0; i < G_N_ELEMENTS (unreachable); i++) {
    gchar *extra = g_strdup_printf ("workers=1");
    GstHarness *h;
    /* the key from the environment: GStreamer's parser logs a key given
     * in the description (see test_key_never_shown) */
    g_setenv ("ANTHROPIC_API_KEY", KEY, TRUE);
    h = claude_harness_full (extra, 64, 48, FALSE);
    GstElement *e = gst_harness_find_element (h, "axionclaude");
    GstAxionAnalysis *a;
    GstMessage *m;
    GstBus *bus = gst_bus_new ();
    guint64 n = 1;
    gchar *shown;

    gst_element_set_bus (e, bus);
    g_object_set (e, "redis-url", unreachable[i], NULL);
    g_object_get (e, "redis-url", &shown, NULL);
    fail_if (has_secret (shown), "read back: %s", shown);
    g_free (shown);
    gst_buffer_unref (
        gst_harness_push_and_pull (h, frame (64, 48, 0, TRUE, 0x77 + i)));
    a = wait_analysis (h, 64, 48, &n);
    /* per-process budgets: the analysis still happens */
    fail_unless (a && a->error == NULL);
    while ((m = gst_bus_pop (bus))) {
      const GstStructure *s = gst_message_get_structure (m);
      gchar *str = s ? gst_structure_to_string (s) : NULL;
      fail_if (has_secret (str), "bus: %s", str);
      g_free (str);
      gst_message_unref (m);
    }
    gst_axion_analysis_free (a);
    gst_object_unref (bus);
    gst_object_unref (e);
    gst_harness_teardown (h);
    g_unsetenv ("ANTHROPIC_API_KEY");
    g_free (extra);
  }

  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  gst_debug_remove_log_function (scan_secret);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  fail_unless_equals_int (secret_seen, 0);
}
GST_END_TEST;

/* ---- through axionpgsink into PostgreSQL -------------------------------- */

static gint64
pg_count (PGconn *c, const gchar *sql)
{
  PGresult *r = PQexec (c, sql);
  gint64 n = -1;
  if (PQresultStatus (r) == PGRES_TUPLES_OK && PQntuples (r) == 1)
    n = g_ascii_strtoll (PQgetvalue (r, 0, 0), NULL, 10);
  else
    g_printerr ("%s: %s\n", sql, PQerrorMessage (c));
  PQclear (r);
  return n;
}

/* should_alert answers become claude_analyses + alerts rows; the analysis
 * points at the motion-start event row of its frame. Results still in
 * flight at EOS are drained into the sink. */
GST_START_TEST (test_rows_in_postgres)
{
  const gchar *conninfo = g_getenv ("AXION_TEST_PG_CONNINFO");
  gchar *cmd, *d, *sql;
  GstHarness *h;
  PGconn *c;
  gint status;

  if (conninfo == NULL) {
    GST_WARNING ("no test PostgreSQL: skipped");
    return;
  }
  cmd = g_strdup_printf ("%s/tools/axion-db migrate", AXION_SRCDIR);
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL));
  g_free (cmd);

  d = g_strdup_printf ("axionclaude api-url=%s api-key=%s camera-id=camPG "
                       "min-interval-ms=0 ! axionpgsink conninfo=\"%s\" "
                       "flush-interval-ms=50",
      mock_url, KEY, conninfo);
  h = gst_harness_new_parse (d);
  g_free (d);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1");
  claude_mock_push (mock, 200, NULL, NULL, 500); /* still in flight at EOS */
  for (guint i = 0; i < 3; i++)
    fail_unless_equals_int (
        gst_harness_push (h, frame (64, 48, i, i == 0, 0)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  c = PQconnectdb (conninfo);
  fail_unless (PQstatus (c) == CONNECTION_OK);
  fail_unless_equals_int64 (
      pg_count (c,
          "SELECT count(*) FROM claude_analyses WHERE camera_id = 'camPG' "
          "AND should_alert AND primary_insight = '" CLAUDE_MOCK_INSIGHT "' "
          "AND tokens_used = 1290 AND risk_assessment = 'low'"),
      1);
  fail_unless_equals_int64 (
      pg_count (c,
          "SELECT count(*) FROM alerts a JOIN claude_analyses c "
          "ON a.claude_analysis_id = c.analysis_id AND a.trigger_event_id = "
          "c.trigger_event_id WHERE c.camera_id = 'camPG' AND a.severity = 3"),
      1);
  sql = g_strdup ("SELECT count(*) FROM claude_analyses c JOIN camera_events e "
                  "ON e.event_id = c.trigger_event_id WHERE c.camera_id = "
                  "'camPG' AND e.event_type = 'motion' AND e.event_phase = "
                  "'start'");
  fail_unless_equals_int64 (pg_count (c, sql), 1);
  g_free (sql);
  PQfinish (c);
}
GST_END_TEST;

static gchar *
pg_text (PGconn *c, const gchar *sql)
{
  PGresult *r = PQexec (c, sql);
  gchar *v = NULL;
  if (PQresultStatus (r) == PGRES_TUPLES_OK && PQntuples (r) == 1)
    v = PQgetisnull (r, 0, 0) ? g_strdup ("(null)")
                              : g_strdup (PQgetvalue (r, 0, 0));
  else
    g_printerr ("%s: %s\n", sql, PQerrorMessage (c));
  PQclear (r);
  return v;
}

/* one claude_analyses column of the answer with message id @id */
static gchar *
row_value_cam (PGconn *c, const gchar *cam, const gchar *id, const gchar *expr)
{
  gchar *sql = g_strdup_printf ("SELECT %s FROM claude_analyses WHERE "
                                "camera_id = '%s' AND claude_response->>"
                                "'id' = '%s'",
      expr, cam, id);
  gchar *v = pg_text (c, sql);
  g_free (sql);
  return v;
}

static gchar *
row_value (PGconn *c, const gchar *id, const gchar *expr)
{
  return row_value_cam (c, "camF", id, expr);
}

#define fail_unless_row(c, id, expr, want)                                     \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *got_ = row_value (c, id, expr);                                     \
    fail_unless (g_strcmp0 (got_, want) == 0, "%s: %s is %s, not %s", id,      \
        expr, got_, want);                                                     \
    g_free (got_);                                                             \
  }                                                                            \
  G_STMT_END

/* Out-of-range, wrongly typed and missing fields through the mock server
 * and axionpgsink: each row holds the valid fields, NULL (or false) for the
 * wrong ones, and the error text in claude_response->>'axion_error'. */
GST_START_TEST (test_fields_in_postgres)
{
  const gchar *conninfo = g_getenv ("AXION_TEST_PG_CONNINFO");
  struct
  {
    const gchar *id, *field, *value;
  } answers[] = {
    { "msg_sev", "alert_severity", "99999999999999999999" },
    { "msg_conf", "confidence_score", "\"NaN\"" },
    { "msg_inf", "confidence_score", "1e999999" },
    { "msg_risk", "risk_assessment", "\"hi\\\"gh\\n\"" },
    { "msg_alert", "should_alert", "\"true\"" },
    { "msg_noobj", "objects_identified", NULL },
    { "msg_nopat", "pattern_detected", NULL },
    { "msg_nodesc", "scene_description", NULL },
    { "msg_quote", "primary_insight", "\"He said \\\"hi\\\"\\nthen left\"" },
  };
  gchar *cmd, *d, *v;
  GstHarness *h;
  PGconn *c;
  gint status;

  if (conninfo == NULL) {
    GST_WARNING ("no test PostgreSQL: skipped");
    return;
  }
  cmd = g_strdup_printf ("%s/tools/axion-db migrate", AXION_SRCDIR);
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL));
  g_free (cmd);

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++) {
    gchar *body = answer_with (
        answers[i].field, answers[i].value, answers[i].id);
    claude_mock_push (mock, 200, NULL, body, 0);
    g_free (body);
  }
  /* bare NaN: not JSON */
  claude_mock_push (mock, 200, NULL,
      "{\"id\":\"msg_nan\",\"type\":\"message\",\"content\":[{\"type\":"
      "\"tool_use\",\"name\":\"record_scene_analysis\",\"input\":{"
      "\"scene_description\":\"x\",\"confidence_score\":NaN}}]}",
      0);

  /* one worker: the answers go to the frames in order */
  d = g_strdup_printf ("axionclaude api-url=%s api-key=%s camera-id=camF "
                       "min-interval-ms=0 workers=1 queue-size=16 "
                       "calls-per-minute=0 camera-calls-per-minute=0 ! "
                       "axionpgsink conninfo=\"%s\" flush-interval-ms=50",
      mock_url, KEY, conninfo);
  h = gst_harness_new_parse (d);
  g_free (d);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1");
  for (guint i = 0; i <= G_N_ELEMENTS (answers); i++)
    fail_unless_equals_int (
        gst_harness_push (h, frame (64, 48, i, TRUE, 0)), GST_FLOW_OK);
  for (int i = 0;
       i < 500 && claude_mock_answered (mock) < G_N_ELEMENTS (answers) + 1; i++)
    g_usleep (20000);
  fail_unless_equals_int (
      claude_mock_answered (mock), G_N_ELEMENTS (answers) + 1);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  c = PQconnectdb (conninfo);
  fail_unless (PQstatus (c) == CONNECTION_OK);
  fail_unless_equals_int64 (
      pg_count (c,
          "SELECT count(*) FROM claude_analyses WHERE camera_id = "
          "'camF'"),
      G_N_ELEMENTS (answers) + 1);

  /* severity 99999999999999999999: NULL (was 1), the rest kept; the alert
   * takes its severity from the risk (medium: 3) */
  fail_unless_row (c, "msg_sev", "alert_severity", "(null)");
  fail_unless_row (c, "msg_sev", "confidence_score", "0.5000");
  fail_unless_row (c, "msg_sev", "risk_assessment", "medium");
  fail_unless_row (c, "msg_sev", "should_alert", "t");
  fail_unless_row (c, "msg_sev", "claude_response->>'axion_error'",
      "fields: alert_severity: 1e+20 is not an integer from 1 to 5, stored "
      "as NULL");
  fail_unless_row (c, "msg_sev",
      "(SELECT severity FROM alerts a WHERE a.claude_analysis_id = "
      "analysis_id)",
      "3");
  /* confidence "NaN": NULL, with the error */
  fail_unless_row (c, "msg_conf", "confidence_score", "(null)");
  fail_unless_row (c, "msg_conf", "alert_severity", "4");
  fail_unless_row (c, "msg_conf", "claude_response->>'axion_error'",
      "fields: confidence_score: \"NaN\" is not a number from 0 to 1, stored "
      "as NULL");
  /* 1e999999: the row is written (the number kept as a string) */
  fail_unless_row (c, "msg_inf", "confidence_score", "(null)");
  fail_unless_row (c, "msg_inf",
      "claude_response->'content'->0->'input'->>"
      "'confidence_score'",
      "1e999999");
  /* a quote and a newline in a wrong enum value */
  fail_unless_row (c, "msg_risk", "risk_assessment", "(null)");
  fail_unless_row (c, "msg_risk", "claude_response->>'axion_error'",
      "fields: risk_assessment: \"hi\\\"gh\\n\" is not one of "
      "none|low|medium|high|critical, stored as NULL");
  /* should_alert "true" (a string): false, no alert */
  fail_unless_row (c, "msg_alert", "should_alert", "f");
  fail_unless_row (c, "msg_alert",
      "(SELECT count(*) FROM alerts a WHERE a.claude_analysis_id = "
      "analysis_id)",
      "0");
  fail_unless_row (c, "msg_alert", "claude_response->>'axion_error'",
      "fields: should_alert: \"true\" is not true or false, stored as false");
  /* missing non-essential fields: default and noted */
  fail_unless_row (c, "msg_noobj", "objects_identified", "(null)");
  fail_unless_row (c, "msg_noobj", "activities_detected", "{walking}");
  fail_unless_row (c, "msg_noobj", "claude_response->>'axion_error'",
      "fields: objects_identified: missing, stored as NULL");
  fail_unless_row (c, "msg_nopat", "pattern_detected", "f");
  fail_unless_row (c, "msg_nopat", "pattern_type", "loitering");
  fail_unless_row (c, "msg_nopat", "claude_response->>'axion_error'",
      "fields: pattern_detected: missing, stored as false (the default)");
  /* no description: the analysis failed, nothing of it used */
  fail_unless_row (c, "msg_nodesc", "primary_insight", "(null)");
  fail_unless_row (c, "msg_nodesc", "should_alert", "f");
  fail_unless_row (c, "msg_nodesc", "claude_response->>'axion_error'",
      "schema: scene_description is missing: an answer without a "
      "description is not used");
  /* quotes and newlines in text: stored as written */
  fail_unless_row (
      c, "msg_quote", "primary_insight", "He said \"hi\"\nthen left");
  fail_unless_row (c, "msg_quote", "claude_response ? 'axion_error'", "f");
  /* not JSON: the error envelope */
  v = pg_text (c,
      "SELECT claude_response->>'axion_error' FROM "
      "claude_analyses WHERE camera_id = 'camF' AND "
      "claude_response->'error'->>'type' = 'parse'");
  fail_unless (v && g_str_has_prefix (v, "parse: not JSON"), "%s", v);
  g_free (v);
  PQfinish (c);
}
GST_END_TEST;

/* Every case of field_cases through the mock server and axionpgsink: the
 * row's column is NULL (false) for a wrong or missing field, the other
 * fields are as given, and claude_response->>'axion_error' is the error
 * text the parser gives. */
GST_START_TEST (test_fields_each_in_postgres)
{
  const gchar *conninfo = g_getenv ("AXION_TEST_PG_CONNINFO");
  guint n = G_N_ELEMENTS (field_cases), bare = 0;
  gchar *cmd, *d, *v;
  GstHarness *h;
  PGconn *c;
  gint status;

  if (conninfo == NULL) {
    GST_WARNING ("no test PostgreSQL: skipped");
    return;
  }
  cmd = g_strdup_printf ("%s/tools/axion-db migrate", AXION_SRCDIR);
  fail_unless (g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL));
  g_free (cmd);

  for (guint i = 0; i < n; i++) {
    gchar *id = g_strdup_printf ("msg_case_%u", i);
    gchar *body = answer_with (field_cases[i].field, field_cases[i].value, id);
    claude_mock_push (mock, 200, NULL, body, 0);
    g_free (body);
    g_free (id);
  }
  d = g_strdup_printf ("axionclaude api-url=%s api-key=%s camera-id=camE "
                       "min-interval-ms=0 workers=4 queue-size=1000 "
                       "calls-per-minute=0 camera-calls-per-minute=0 "
                       "tokens-per-day=0 ! axionpgsink conninfo=\"%s\" "
                       "flush-interval-ms=50",
      mock_url, KEY, conninfo);
  h = gst_harness_new_parse (d);
  g_free (d);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=64,height=48,framerate=10/1");
  for (guint i = 0; i < n; i++)
    fail_unless_equals_int (
        gst_harness_push (h, frame (64, 48, i, TRUE, 0)), GST_FLOW_OK);
  /* each row is found by its message id: the workers may take the
   * answers in any order. Wait while answers come (a sanitizer build on a
   * busy machine is slow; only a stall of 30 s fails) */
  {
    guint last = 0;
    gint64 progress = g_get_monotonic_time ();
    while (claude_mock_answered (mock) < n &&
        g_get_monotonic_time () - progress < 30 * G_USEC_PER_SEC) {
      if (claude_mock_answered (mock) != last) {
        last = claude_mock_answered (mock);
        progress = g_get_monotonic_time ();
      }
      g_usleep (20000);
    }
  }
  fail_unless_equals_int (claude_mock_answered (mock), n);
  fail_unless_equals_int (claude_mock_invalid (mock), 0);
  /* the last results leave with the next buffer or at EOS */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  gst_harness_teardown (h);

  c = PQconnectdb (conninfo);
  fail_unless (PQstatus (c) == CONNECTION_OK);
  fail_unless_equals_int64 (
      pg_count (c,
          "SELECT count(*) FROM claude_analyses WHERE camera_id = "
          "'camE'"),
      n);
  for (guint i = 0; i < n; i++) {
    const FieldCase *fc = &field_cases[i];
    gchar *id = g_strdup_printf ("msg_case_%u", i);
    gchar *body = answer_with (fc->field, fc->value, id);
    GstAxionAnalysis *a = gst_axion_analysis_new ();
    gint tin, tout;
    gchar *et = NULL, *em = NULL, *want;
    gboolean used = axion_claude_parse_response (
        body, strlen (body), a, &tin, &tout, &et, &em);

    if (fc->outcome == FIELD_FAILS && a->raw_json == NULL) {
      /* not JSON: the error envelope, without the message id */
      bare++;
    } else {
      want = et ? g_strdup_printf ("%s: %s", et, em) : g_strdup ("(null)");
      {
        gchar *got = row_value_cam (
            c, "camE", id, "claude_response->>'axion_error'");
        fail_unless (g_strcmp0 (got, want) == 0,
            "%s = %s: axion_error %s, "
            "not %s",
            fc->field, fc->value, got, want);
        g_free (got);
      }
      g_free (want);
      if (fc->outcome == FIELD_ERROR || fc->outcome == FIELD_MISSING) {
        gchar *got = row_value_cam (c, "camE", id, fc->field);
        const gchar *unset = g_str_equal (fc->field, "pattern_detected") ||
                g_str_equal (fc->field, "should_alert")
            ? "f"
            : "(null)";
        fail_unless (g_strcmp0 (got, unset) == 0, "%s = %s: stored as %s",
            fc->field, fc->value, got);
        g_free (got);
        /* the rest of the answer is there */
        got = row_value_cam (c, "camE", id, "scene_description");
        fail_unless_equals_string (got, "An entrance hall");
        g_free (got);
      } else if (fc->outcome == FIELD_FAILS) {
        gchar *got = row_value_cam (
            c, "camE", id, "concat_ws (',', primary_insight, should_alert)");
        fail_unless_equals_string (got, "f");
        g_free (got);
      } else if (used && fc->value && !g_str_equal (fc->value, "null")) {
        gchar *got = row_value_cam (c, "camE", id, fc->field);
        fail_unless (g_strcmp0 (got, "(null)") != 0, "%s = %s: NULL", fc->field,
            fc->value);
        g_free (got);
      }
    }
    g_free (et);
    g_free (em);
    g_free (id);
    g_free (body);
    gst_axion_analysis_free (a);
  }
  v = g_strdup_printf ("%u", bare);
  {
    gchar *got = pg_text (c,
        "SELECT count(*) FROM claude_analyses WHERE camera_id = 'camE' AND "
        "claude_response->>'axion_error' LIKE 'parse: not JSON%'");
    fail_unless_equals_string (got, v);
    g_free (got);
  }
  g_free (v);
  PQfinish (c);
}
GST_END_TEST;

static Suite *
claude_suite (void)
{
  Suite *s = suite_create ("axionclaude");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  /* generous: test_fields_each_in_postgres makes 115 calls, slow under
   * the sanitizers */
  tcase_set_timeout (tc, 240);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_api_rules);
  tcase_add_test (tc, test_fields_one_by_one);
  tcase_add_test (tc, test_fields_values);
  tcase_add_test (tc, test_success);
  tcase_add_test (tc, test_bad_request_no_retry);
  tcase_add_test (tc, test_unauthorized_no_retry);
  tcase_add_test (tc, test_429_retry_after);
  tcase_add_test (tc, test_529_and_500_then_success);
  tcase_add_test (tc, test_should_retry_false);
  tcase_add_test (tc, test_connection_refused);
  tcase_add_test (tc, test_stall_past_timeout);
  tcase_add_test (tc, test_bad_answers);
  tcase_add_test (tc, test_never_stalls_video);
  tcase_add_test (tc, test_queue_bound);
  tcase_add_test (tc, test_key_never_shown);
  tcase_add_test (tc, test_key_echoed_by_server);
  tcase_add_test (tc, test_redis_budget_and_dedupe);
  tcase_add_test (tc, test_key_prefix);
  tcase_add_test (tc, test_redis_password_never_shown);
  tcase_add_test (tc, test_rows_in_postgres);
  tcase_add_test (tc, test_fields_in_postgres);
  tcase_add_test (tc, test_fields_each_in_postgres);
  return s;
}

GST_CHECK_MAIN (claude);
