/* Unit tests: meta -> row conversion (gstaxionrows.h). The integration test
 * tests/integration/test_rows_pg.c loads the same rows into a real
 * PostgreSQL with the migrated schema. */
#include <gst/check/gstcheck.h>
#include <gst/axion/axion.h>
#include <gst/axion/gstaxionformat.h>
#include <math.h>

/* fail_unless_equals_string () without the check mark point that every
 * passing fail_unless () sends to the parent process through a pipe: for
 * the loops over 200,000 and 20,000 random values (those mark points were
 * 8.7 of this test's 12.8 s under AddressSanitizer) */
#define assert_str_eq_quiet(a, b)                                              \
  G_STMT_START                                                                 \
  {                                                                            \
    const gchar *first_ = (a), *second_ = (b);                                 \
    if (g_strcmp0 (first_, second_) != 0)                                      \
      fail ("'" #a "' (%s) is not equal to '" #b "' (%s)", first_, second_);   \
  }                                                                            \
  G_STMT_END

static GstBuffer *
frame_with_meta (void)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 16, NULL);
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);
  GstAxionQuality q = { 0.81234, 0.5, 0.4, 0.05, 0.77777 };

  gst_axion_frame_meta_set_camera_id (m, "CAM001");
  gst_axion_frame_meta_set_frame_number (m, 12450);
  /* 2024-11-23T15:20:23.250000Z */
  gst_axion_frame_meta_set_capture_time (
      m, G_GINT64_CONSTANT (1732375223250000), GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_motion (m, 0.65, GST_AXION_MOTION_STATE_START);
  gst_axion_frame_meta_set_frame_hash (m, "00ff00ff00ff00ff");
  gst_axion_frame_meta_set_perceptual_hash (m, 0x8000000000000001);
  gst_axion_frame_meta_set_scene_hash (m, 0xa3f5c8);
  gst_axion_frame_meta_set_scene_change (m, 0.123456, 0.2);
  gst_axion_frame_meta_set_quality (m, &q);
  gst_axion_frame_meta_set_inference (m, GST_AXION_INFERENCE_RAN, 12.0, 47.6);
  gst_axion_frame_meta_add_event_with_id (
      m, GST_AXION_EVENT_MOTION_START, G_GINT64_CONSTANT (123456789012345));
  gst_axion_roi_add_detection (buf, "person", 0.92, 100, 200, 50, 150);
  gst_axion_roi_add_detection (buf, "car", 0.95, 300, 100, 200, 120);
  gst_axion_roi_add_motion (buf, 90, 190, 70, 170);
  return buf;
}

GST_START_TEST (test_camera_event_row)
{
  GstBuffer *buf = frame_with_meta ();
  GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (buf);
  GstAxionFrameInfo info;
  GstAxionRow *row;
  GError *err = NULL;
  gchar *json;

  gst_axion_frame_info_init (&info);
  info.fps = 9.8;
  info.size_bytes = 24000;
  row = gst_axion_row_camera_event (m, &m->events[0], buf, &info, &err);
  fail_unless (row != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (
      gst_axion_row_get_table (row), GST_AXION_TABLE_CAMERA_EVENTS);
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "event_id"), "123456789012345");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "camera_id"), "CAM001");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "event_type"), "motion");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "event_phase"), "start");
  fail_unless_equals_string (gst_axion_row_get_text (row, "event_timestamp"),
      "2024-11-23T15:20:23.250000Z");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "motion_score"), "0.6500");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "scene_change_score"), "0.1235");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "scene_hash"), "0000000000a3f5c8");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "fps_actual"), "9.80");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "dlpu_inference_ms"), "48");
  fail_unless_equals_string (gst_axion_row_get_text (row, "object_count"), "2");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "max_object_confidence"), "0.9500");
  /* the seed's shape: {"class":..,"confidence":..,"bbox":[x,y,w,h]} */
  fail_unless_equals_string (gst_axion_row_get_text (row, "objects_detected"),
      "[{\"class\":\"person\",\"confidence\":0.9200,\"bbox\":[100,200,50,150]},"
      "{\"class\":\"car\",\"confidence\":0.9500,\"bbox\":[300,100,200,120]}]");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "motion_regions"), "[[90,190,70,170]]");
  fail_unless (gst_axion_row_is_null (row, "total_processing_ms"));

  json = gst_axion_row_to_json (row);
  fail_unless (g_str_has_prefix (json,
      "{\"event_id\":123456789012345,"
      "\"camera_id\":\"CAM001\",\"event_type\":\"motion\","));
  fail_unless (strstr (json, "\"total_processing_ms\":null") != NULL);
  fail_unless (strstr (json, "\"motion_regions\":[[90,190,70,170]]") != NULL);
  g_free (json);
  gst_axion_row_free (row);

  /* a label from a detector outside Axion that is not UTF-8: replaced,
   * the JSON stays valid */
  {
    GstBuffer *b2 = frame_with_meta ();
    GstAxionFrameMeta *m2 = gst_buffer_get_axion_frame_meta (b2);
    GstAxionRow *r2;
    const gchar *objs;

    gst_buffer_add_video_region_of_interest_meta (b2, "bad\xff", 1, 2, 3, 4);
    r2 = gst_axion_row_camera_event (m2, &m2->events[0], b2, NULL, NULL);
    objs = gst_axion_row_get_text (r2, "objects_detected");
    fail_unless (g_utf8_validate (objs, -1, NULL), "%s", objs);
    fail_unless (strstr (objs,
                     "{\"class\":\"bad\xef\xbf\xbd\",\"confidence\":null,"
                     "\"bbox\":[1,2,3,4]}") != NULL,
        "%s", objs);
    gst_axion_row_free (r2);
    gst_buffer_unref (b2);
  }

  /* without camera id: a clear error, no row */
  gst_axion_frame_meta_set_camera_id (m, NULL);
  row = gst_axion_row_camera_event (m, &m->events[0], buf, NULL, &err);
  fail_unless (row == NULL);
  fail_unless (g_error_matches (
      err, GST_AXION_ROWS_ERROR, GST_AXION_ROWS_ERROR_MISSING));
  fail_unless (strstr (err->message, "camera id") != NULL);
  g_clear_error (&err);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_frame_metadata_row)
{
  GstBuffer *buf = frame_with_meta ();
  GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (buf);
  GstAxionFrameInfo info;
  GstAxionRow *row;
  GString *copy = g_string_new (NULL);

  gst_axion_frame_info_init (&info);
  info.width = 1920;
  info.height = 1080;
  info.format = "i420";
  row = gst_axion_row_frame_metadata (m, 42, &info, NULL);
  fail_unless (row != NULL);
  fail_unless_equals_string (gst_axion_row_get_text (row, "metadata_id"), "42");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "perceptual_hash"), "8000000000000001");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "sharpness_score"), "0.8123");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "overall_quality_score"), "0.7778");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "resolution_width"), "1920");
  gst_axion_row_append_copy_text (row, copy);
  fail_unless (g_str_has_prefix (copy->str,
      "42\tCAM001\t12450\t2024-11-23T15:20:23.250000Z\t00ff00ff00ff00ff\t"));
  fail_unless (g_str_has_suffix (copy->str, "\n"));
  g_string_free (copy, TRUE);
  gst_axion_row_free (row);

  /* metadata_id 0: a generated id */
  row = gst_axion_row_frame_metadata (m, 0, NULL, NULL);
  fail_unless (g_ascii_strtoll (
                   gst_axion_row_get_text (row, "metadata_id"), NULL, 10) > 42);
  fail_unless_equals_string (gst_axion_row_get_text (row, "format"), "raw");
  gst_axion_row_free (row);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static GstAxionAnalysis *
sample_analysis (void)
{
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  const gchar *objs[] = { "person", "car \"red\"", NULL };

  a->analysis_id = 900;
  a->trigger_event_id = 123456789012345;
  a->camera_id = g_strdup ("CAM001");
  a->event_time_us = G_GINT64_CONSTANT (1732375223250000);
  a->frame_number = 12450;
  a->request_type = g_strdup ("anomaly_detection");
  a->model = g_strdup ("claude-sonnet-4-5-20250929-with-a-very-long-suffix");
  a->primary_insight = g_strdup ("Person loitering\tnear door");
  a->objects_identified = g_strdupv ((gchar **) objs);
  a->risk_assessment = g_strdup ("high");
  a->pattern_detected = TRUE;
  a->pattern_type = g_strdup ("loitering");
  a->pattern_confidence = 0.8;
  a->should_alert = TRUE;
  a->alert_reason = g_strdup ("Loitering for 5 minutes");
  a->tokens_used = 1523;
  a->api_call_duration_ms = 2100;
  a->raw_json = g_strdup ("{\"id\":\"msg_01\",\"content\":[]}");
  return a;
}

GST_START_TEST (test_claude_analysis_and_alert_rows)
{
  GstAxionAnalysis *a = sample_analysis ();
  GstAxionRow *row;
  GError *err = NULL;
  GString *copy = g_string_new (NULL);

  row = gst_axion_row_claude_analysis (a, &err);
  fail_unless (row != NULL);
  fail_unless_equals_string (gst_axion_row_get_text (row, "objects_identified"),
      "{\"person\",\"car \\\"red\\\"\"}");
  /* VARCHAR(32): cut, never rejected by the server */
  fail_unless_equals_int (
      strlen (gst_axion_row_get_text (row, "model_version")), 32);
  {
    /* non-ASCII: cut at 32 characters (not bytes), invalid bytes replaced */
    GstAxionAnalysis *u = sample_analysis ();
    GstAxionRow *ur;
    const gchar *mv;
    g_free (u->model);
    u->model = g_strdup ("\xff\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    ur = gst_axion_row_claude_analysis (u, NULL);
    fail_unless (ur != NULL);
    mv = gst_axion_row_get_text (ur, "model_version");
    fail_unless (g_utf8_validate (mv, -1, NULL));
    fail_unless_equals_int (g_utf8_strlen (mv, -1), 32);
    fail_unless (g_str_has_prefix (mv, "\xef\xbf\xbd\xc3\xa9"));
    gst_axion_row_free (ur);
    gst_axion_analysis_free (u);
  }
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "pattern_detected"), "t");
  fail_unless (gst_axion_row_is_null (row, "confidence_score"));
  gst_axion_row_append_copy_text (row, copy);
  /* a tab inside a value is escaped, so the line still has 24 columns */
  fail_unless (strstr (copy->str, "Person loitering\\tnear door") != NULL);
  {
    gchar **cols = g_strsplit (copy->str, "\t", -1);
    fail_unless_equals_int (g_strv_length (cols), 24);
    g_strfreev (cols);
  }
  g_string_free (copy, TRUE);
  gst_axion_row_free (row);

  row = gst_axion_row_alert (a, 77, &err);
  fail_unless (row != NULL);
  fail_unless_equals_string (gst_axion_row_get_text (row, "severity"), "4");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "alert_type"), "pattern");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "title"), "Anomaly Detected: loitering");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "description"), "Loitering for 5 minutes");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "claude_analysis_id"), "900");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "frame_references"), "{12450}");
  gst_axion_row_free (row);

  /* values outside the schema's CHECK constraints are refused up front */
  g_free (a->risk_assessment);
  a->risk_assessment = g_strdup ("extreme");
  fail_unless (gst_axion_row_claude_analysis (a, &err) == NULL);
  fail_unless (g_error_matches (
      err, GST_AXION_ROWS_ERROR, GST_AXION_ROWS_ERROR_INVALID));
  fail_unless (strstr (err->message, "extreme") != NULL);
  g_clear_error (&err);
  gst_axion_analysis_free (a);
}

GST_END_TEST;

GST_START_TEST (test_metric_camera_audit_rows)
{
  GstAxionMetric metric = { "fps", "gauge", "camera", "CAM001", 9.8, "fps",
    "{\"pipeline\":\"main\"}", G_GINT64_CONSTANT (1732375223000000) };
  GstAxionCameraInfo cam = { "CAM001", NULL,
    "rtsp://admin:secret@192.168.1.101:554/axis-media/media.amp", 1920, 1080,
    9.7, "online", 0 };
  GstAxionAuditEntry audit = {
    0,
  };
  GstAxionRow *row;
  GError *err = NULL;
  gchar *json;

  row = gst_axion_row_system_metric (&metric, 5, &err);
  fail_unless (row != NULL);
  fail_unless_equals_string (gst_axion_row_get_text (row, "value"), "9.800000");
  gst_axion_row_free (row);
  metric.value = NAN;
  fail_unless (gst_axion_row_system_metric (&metric, 5, &err) == NULL);
  g_clear_error (&err);
  metric.value = 1;
  metric.type = "meter";
  fail_unless (gst_axion_row_system_metric (&metric, 5, &err) == NULL);
  g_clear_error (&err);

  row = gst_axion_row_camera (&cam, &err);
  fail_unless (row != NULL);
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "camera_name"), "CAM001");
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "ip_address"), "192.168.1.101");
  fail_unless_equals_string (gst_axion_row_get_text (row, "rtsp_url"),
      "rtsp://192.168.1.101:554/axis-media/media.amp");
  fail_unless_equals_string (gst_axion_row_get_text (row, "active_fps"), "10");
  json = gst_axion_row_to_json (row);
  fail_unless (strstr (json, "secret") == NULL);
  g_free (json);
  gst_axion_row_free (row);

  audit.event_type = "config_change";
  audit.entity_type = "config";
  audit.entity_id = "CAM001";
  audit.action = "config.property_changed";
  audit.action_status = "success";
  audit.service_name = "axionpgsink0";
  audit.property = "conninfo";
  audit.old_value = "password=hunter2";
  audit.new_value = "password=letmein";
  audit.secret = TRUE;
  row = gst_axion_row_audit_log (&audit, 0, &err);
  fail_unless (row != NULL);
  fail_unless_equals_string (gst_axion_row_get_text (row, "changes_made"),
      "{\"conninfo\":{\"old\":\"***\",\"new\":\"***\"}}");
  fail_unless_equals_string (gst_axion_row_get_text (row, "severity"), "info");
  gst_axion_row_free (row);
}

GST_END_TEST;

GST_START_TEST (test_json_escaping)
{
  GString *s = g_string_new (NULL);

  gst_axion_json_append_string (s, "a\"b\\c\n\x01");
  fail_unless_equals_string (s->str, "\"a\\\"b\\\\c\\n\\u0001\"");
  g_string_truncate (s, 0);
  gst_axion_json_append_double (s, INFINITY);
  fail_unless_equals_string (s->str, "null");
  g_string_free (s, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_format_uint)
{
  const guint64 v[] = { 0, 9, 10, 1234567890, G_MAXUINT64 };
  gchar buf[GST_AXION_UINT_DIGITS + 1];

  for (guint i = 0; i < G_N_ELEMENTS (v); i++) {
    gchar *ref = g_strdup_printf ("%" G_GUINT64_FORMAT, v[i]);
    guint n = gst_axion_format_uint (buf, v[i]);
    buf[n] = '\0';
    fail_unless_equals_string (buf, ref);
    g_free (ref);
  }
}

GST_END_TEST;

/* JSON numbers are what "%.6g" prints (without printf): every decade,
 * values either side of each power of ten and of each rounding step */
GST_START_TEST (test_json_double_matches_printf)
{
  GString *s = g_string_new (NULL);
  gchar ref[G_ASCII_DTOSTR_BUF_SIZE];
  GRand *r = g_rand_new_with_seed (5);

  for (gint i = 0; i < 200000; i++) {
    gdouble v;
    if (i < 40) {
      v = pow (10.0, i / 2 - 8) * (i % 2 ? 1.0 : 0.9999995);
    } else if (i < 80) {
      v = pow (10.0, (i - 40) / 2 - 8) * ((i % 2) ? 1.0000005 : 0.99999949);
    } else {
      v = g_rand_double (r) * pow (10.0, g_rand_int_range (r, -7, 9));
      if (g_rand_boolean (r))
        v = -v;
      if (i % 3 == 0) /* short decimals, as scores and timings are */
        v = round (v * 10000.0) / 10000.0;
    }
    g_string_truncate (s, 0);
    gst_axion_json_append_double (s, v);
    g_ascii_formatd (ref, sizeof (ref), "%.6g", v);
    /* (-0 is written 0) */
    assert_str_eq_quiet (s->str, v == 0 ? "0" : ref);
  }
  g_rand_free (r);
  g_string_free (s, TRUE);
}

GST_END_TEST;

/* a COPY line made the slow, obvious way: each column's text form,
 * escaped byte by byte */
static gchar *
copy_line_reference (GstAxionRow *row)
{
  guint n;
  const GstAxionColumn *cols = gst_axion_table_columns (
      gst_axion_row_get_table (row), &n);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++) {
    const gchar *v = gst_axion_row_get_text (row, cols[i].name);
    if (i)
      g_string_append_c (s, '\t');
    if (v == NULL) {
      g_string_append (s, "\\N");
      continue;
    }
    for (; *v; v++) {
      if (*v == '\\')
        g_string_append (s, "\\\\");
      else if (*v == '\n')
        g_string_append (s, "\\n");
      else if (*v == '\r')
        g_string_append (s, "\\r");
      else if (*v == '\t')
        g_string_append (s, "\\t");
      else
        g_string_append_c (s, *v);
    }
  }
  g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_copy_text)
{
  GstBuffer *buf = frame_with_meta ();
  GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (buf);
  GstAxionAnalysis *a = sample_analysis ();
  GstAxionRow *rows[3];
  GString *copy = g_string_new (NULL);

  g_free (a->scene_description);
  a->scene_description = g_strdup ("tab\there\\back\nline\rcr");
  rows[0] = gst_axion_row_camera_event (m, &m->events[0], buf, NULL, NULL);
  rows[1] = gst_axion_row_frame_metadata (m, 42, NULL, NULL);
  rows[2] = gst_axion_row_claude_analysis (a, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
    gchar *want;

    fail_unless (rows[i] != NULL);
    g_string_truncate (copy, 0);
    gst_axion_row_append_copy_text (rows[i], copy);
    want = copy_line_reference (rows[i]);
    fail_unless_equals_string (copy->str, want);
    g_free (want);
    gst_axion_row_free (rows[i]);
  }
  /* the escapes themselves */
  fail_unless (strstr (copy->str, "tab\\there\\\\back\\nline\\rcr") != NULL,
      "%s", copy->str);
  g_string_free (copy, TRUE);
  gst_axion_analysis_free (a);
  gst_buffer_unref (buf);
}

GST_END_TEST;

/* the printf-free writers against GLib's and printf's own forms */
GST_START_TEST (test_number_and_time_forms)
{
  GString *s = g_string_new (NULL);
  GRand *r = g_rand_new_with_seed (7);
  /* day and leap-year edges: 1970, 2000-02-29, 2100-03-01, 9999-12-31,
   * before 1970 */
  const gint64 fixed[] = { 0, 951782400000000, 4107542400000000,
    253402300799999999, -1, -86400000001, 1732375223250000 };

  for (guint i = 0; i < G_N_ELEMENTS (fixed) + 20000; i++) {
    gint64 us = i < G_N_ELEMENTS (fixed)
        ? fixed[i]
        : (gint64) (g_rand_double (r) * 253402300799e6) -
            (i % 2 ? 0 : G_GINT64_CONSTANT (2208988800000000));
    GDateTime *dt = g_date_time_new_from_unix_utc (
        us >= 0 ? us / G_USEC_PER_SEC : (us - 999999) / G_USEC_PER_SEC);
    gchar *want_s = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
    gint64 frac = ((us % G_USEC_PER_SEC) + G_USEC_PER_SEC) % G_USEC_PER_SEC;
    gchar *want = g_strdup_printf ("%s.%06" G_GINT64_FORMAT "Z", want_s, frac);
    gchar *got = gst_axion_format_timestamp (us);

    assert_str_eq_quiet (got, want);
    g_free (got);
    g_free (want);
    g_free (want_s);
    g_date_time_unref (dt);
  }

  for (guint i = 0; i < 20000; i++) {
    gdouble v = (g_rand_double (r) - 0.3) *
        pow (10, g_rand_int_range (r, -3, 10));
    guint scale = g_rand_int_range (r, 0, 7);
    guint64 u = g_rand_int (r) * (guint64) g_rand_int (r);
    gchar want[64];

    /* halfway cases round differently (llround vs printf's exact binary
     * value); skip values within 1e-9 of one */
    if (fabs (fmod (fabs (v) * pow (10, scale), 1.0) - 0.5) < 1e-6)
      continue;
    g_string_truncate (s, 0);
    gst_axion_append_fixed (s, v, scale);
    g_ascii_formatd (want, sizeof (want),
        scale == 0       ? "%.0f"
            : scale == 1 ? "%.1f"
            : scale == 2 ? "%.2f"
            : scale == 3 ? "%.3f"
            : scale == 4 ? "%.4f"
            : scale == 5 ? "%.5f"
                         : "%.6f",
        v);
    /* a negative number that rounds to zero is written without the sign */
    assert_str_eq_quiet (s->str,
        want[0] == '-' && strspn (want + 1, "0.") == strlen (want + 1)
            ? want + 1
            : want);
    g_string_truncate (s, 0);
    gst_axion_append_uint (s, u);
    g_snprintf (want, sizeof (want), "%" G_GUINT64_FORMAT, u);
    assert_str_eq_quiet (s->str, want);
  }
  {
    gchar hex[17];
    gst_axion_hash64_to_hex (G_GUINT64_CONSTANT (0x0123456789abcdef), hex);
    fail_unless_equals_string (hex, "0123456789abcdef");
    gst_axion_hash64_to_hex (0, hex);
    fail_unless_equals_string (hex, "0000000000000000");
  }
  g_rand_free (r);
  g_string_free (s, TRUE);
}

GST_END_TEST;

static Suite *
axion_rows_suite (void)
{
  Suite *s = suite_create ("axion-rows");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_camera_event_row);
  tcase_add_test (tc, test_frame_metadata_row);
  tcase_add_test (tc, test_claude_analysis_and_alert_rows);
  tcase_add_test (tc, test_metric_camera_audit_rows);
  tcase_add_test (tc, test_json_escaping);
  tcase_add_test (tc, test_json_double_matches_printf);
  tcase_add_test (tc, test_format_uint);
  tcase_add_test (tc, test_number_and_time_forms);
  tcase_add_test (tc, test_copy_text);
  return s;
}

GST_CHECK_MAIN (axion_rows);
