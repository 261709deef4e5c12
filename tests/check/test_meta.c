/* Unit tests: GstAxionFrameMeta, GstAxionAnalysisMeta, ROI and camera
 * helpers of libgstaxion. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <gst/axion/gstaxioncpu.h>
#include <gst/axion/gstaxionbackoff.h>

static GstBuffer *
new_frame (void)
{
  return gst_buffer_new_allocate (NULL, 64 * 48 * 3 / 2, NULL);
}

GST_START_TEST (test_frame_meta_parts_do_not_clobber)
{
  GstBuffer *buf = new_frame ();
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);
  GstAxionQuality q = { 0.5, 0.25, 0.75, 0.1, 0.6 };

  fail_unless (m != NULL);
  fail_unless_equals_int (m->fields, 0);
  /* second call returns the same meta, never a second one */
  fail_unless (gst_buffer_get_or_add_axion_frame_meta (buf) == m);

  gst_axion_frame_meta_set_camera_id (m, "CAM001");
  gst_axion_frame_meta_set_motion (m, 0.42, GST_AXION_MOTION_STATE_START);
  /* another element's part */
  fail_unless (gst_axion_frame_meta_set_frame_hash (m, "ABCDEF0123456789"));
  gst_axion_frame_meta_set_quality (m, &q);

  fail_unless (gst_axion_frame_meta_has (m,
      GST_AXION_FRAME_FIELD_MOTION | GST_AXION_FRAME_FIELD_FRAME_HASH |
          GST_AXION_FRAME_FIELD_CAMERA));
  fail_if (gst_axion_frame_meta_has (m, GST_AXION_FRAME_FIELD_SCENE_HASH));
  fail_unless_equals_float (m->motion_score, 0.42);
  fail_unless_equals_int (m->motion_state, GST_AXION_MOTION_STATE_START);
  fail_unless_equals_string (m->frame_hash, "abcdef0123456789");
  fail_unless_equals_string (m->camera_id, "CAM001");
  fail_unless_equals_float (m->quality.contrast, 0.75);

  /* out-of-range inputs are clamped, invalid hashes refused */
  gst_axion_frame_meta_set_motion (m, 7.0, GST_AXION_MOTION_STATE_CONTINUE);
  fail_unless_equals_float (m->motion_score, 1.0);
  gst_axion_frame_meta_set_motion (m, NAN, GST_AXION_MOTION_STATE_CONTINUE);
  fail_unless_equals_float (m->motion_score, 0.0);
  fail_if (gst_axion_frame_meta_set_frame_hash (m, "xyz"));
  fail_if (gst_axion_frame_meta_set_frame_hash (m, ""));
  fail_unless_equals_string (m->frame_hash, "abcdef0123456789");

  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_frame_meta_events)
{
  GstBuffer *buf = new_frame ();
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);
  gint64 a, b, again;

  a = gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_START);
  b = gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_SCENE_CHANGE);
  again = gst_axion_frame_meta_add_event (m, GST_AXION_EVENT_MOTION_START);
  fail_unless (a > 0 && b > a);
  fail_unless_equals_int64 (again, a);
  fail_unless_equals_int (m->n_events, 2);
  fail_unless_equals_int64 (
      gst_axion_frame_meta_get_event_id (m, GST_AXION_EVENT_SCENE_CHANGE), b);
  fail_unless_equals_int64 (
      gst_axion_frame_meta_get_event_id (m, GST_AXION_EVENT_QUALITY), 0);

  for (gint i = 2; i < GST_AXION_FRAME_MAX_EVENTS; i++)
    fail_unless (gst_axion_frame_meta_add_event_with_id (
        m, GST_AXION_EVENT_OBJECT_DETECTED, 1000 + i));
  /* full: refused, nothing overwritten */
  fail_if (
      gst_axion_frame_meta_add_event_with_id (m, GST_AXION_EVENT_QUALITY, 99));
  fail_unless_equals_int (m->n_events, GST_AXION_FRAME_MAX_EVENTS);

  fail_unless_equals_string (
      gst_axion_event_type_db_name (GST_AXION_EVENT_MOTION_END), "motion");
  fail_unless_equals_string (
      gst_axion_event_type_phase (GST_AXION_EVENT_MOTION_END), "end");
  fail_unless (gst_axion_event_type_phase (GST_AXION_EVENT_QUALITY) == NULL);
  gst_buffer_unref (buf);
}

GST_END_TEST;

static void
fill_meta (GstBuffer *buf)
{
  GstAxionFrameMeta *m = gst_buffer_get_or_add_axion_frame_meta (buf);

  gst_axion_frame_meta_set_camera_id (m, "CAM007");
  gst_axion_frame_meta_set_frame_number (m, 12450);
  gst_axion_frame_meta_set_capture_time (
      m, 1732377623000000, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_scene_hash (m, 0xa3f5c8);
  gst_axion_frame_meta_add_event_with_id (m, GST_AXION_EVENT_SCENE_CHANGE, 77);
}

static void
check_filled (GstAxionFrameMeta *m)
{
  fail_unless (m != NULL);
  fail_unless_equals_string (m->camera_id, "CAM007");
  fail_unless_equals_uint64 (m->frame_number, 12450);
  fail_unless_equals_int64 (m->capture_time_us, 1732377623000000);
  fail_unless_equals_uint64 (m->scene_hash, 0xa3f5c8);
  fail_unless_equals_int (m->n_events, 1);
  fail_unless_equals_int64 (m->events[0].id, 77);
}

GST_START_TEST (test_frame_meta_survives_copy)
{
  GstBuffer *buf = new_frame (), *copy;
  GstAxionFrameMeta *cm;

  fill_meta (buf);
  copy = gst_buffer_copy (buf);
  gst_buffer_unref (buf); /* the copy must own its strings */
  cm = gst_buffer_get_axion_frame_meta (copy);
  check_filled (cm);

  /* a copy onto a buffer that already has parts keeps its own parts */
  buf = new_frame ();
  gst_axion_frame_meta_set_camera_id (
      gst_buffer_get_or_add_axion_frame_meta (buf), "OTHER");
  gst_buffer_copy_into (buf, copy, GST_BUFFER_COPY_META, 0, -1);
  cm = gst_buffer_get_axion_frame_meta (buf);
  fail_unless_equals_string (cm->camera_id, "OTHER");
  fail_unless_equals_uint64 (cm->frame_number, 12450);
  fail_unless_equals_int (cm->n_events, 1);
  gst_buffer_unref (buf);
  gst_buffer_unref (copy);
}

GST_END_TEST;

/* The meta must go through real elements that convert and scale. */
GST_START_TEST (test_frame_meta_survives_convert_and_scale)
{
  GstHarness *h = gst_harness_new_parse ("videoconvert ! videoscale");
  GstBuffer *in, *out;
  GstVideoInfo info;

  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=64,height=48,framerate=10/1");
  gst_harness_set_sink_caps_str (
      h, "video/x-raw,format=RGBA,width=32,height=24,framerate=10/1");
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 64, 48);
  in = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_buffer_memset (in, 0, 0x80, info.size);
  fill_meta (in);
  gst_axion_roi_add_detection (in, "person", 0.92, 10, 20, 8, 16);

  out = gst_harness_push_and_pull (h, in);
  fail_unless (out != NULL);
  fail_unless_equals_int (gst_buffer_get_size (out), 32 * 24 * 4);
  check_filled (gst_buffer_get_axion_frame_meta (out));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_analysis_meta)
{
  GstBuffer *buf = new_frame (), *copy;
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  gchar *objs[] = { (gchar *) "car", (gchar *) "person", NULL };
  GstAxionAnalysisMeta *am;
  gpointer state = NULL;
  guint n = 0;

  a->analysis_id = 5;
  a->trigger_event_id = 4;
  a->camera_id = g_strdup ("CAM001");
  a->objects_identified = g_strdupv (objs);
  a->raw_json = g_strdup ("{\"id\":\"msg_1\"}");
  gst_buffer_add_axion_analysis_meta (buf, a);
  a->trigger_event_id = 6;
  gst_buffer_add_axion_analysis_meta (buf, a);
  gst_axion_analysis_free (a); /* metas hold copies */

  copy = gst_buffer_copy (buf);
  gst_buffer_unref (buf);
  while ((am = (GstAxionAnalysisMeta *) gst_buffer_iterate_meta_filtered (
              copy, &state, GST_AXION_ANALYSIS_META_API_TYPE))) {
    fail_unless_equals_string (am->analysis->camera_id, "CAM001");
    fail_unless_equals_string (am->analysis->objects_identified[1], "person");
    fail_unless (am->analysis->trigger_event_id == 4 ||
        am->analysis->trigger_event_id == 6);
    n++;
  }
  fail_unless_equals_int (n, 2);
  gst_buffer_unref (copy);
}

GST_END_TEST;

GST_START_TEST (test_roi_helpers)
{
  GstBuffer *buf = new_frame ();
  GstVideoRegionOfInterestMeta *roi;
  const gchar *label;
  gdouble conf;
  gint64 track;
  gpointer state = NULL;
  GstMeta *m;

  gst_axion_roi_add_motion (buf, 1, 2, 3, 4);
  roi = gst_axion_roi_add_detection (buf, "person", 0.92, 100, 200, 50, 150);
  gst_axion_roi_set_track_id (roi, 17);
  /* a detector that only sets roi_type, like opencv facedetect */
  gst_buffer_add_video_region_of_interest_meta (buf, "face", 5, 5, 10, 10);

  fail_unless_equals_int (gst_axion_roi_count (buf, TRUE), 1);
  fail_unless_equals_int (gst_axion_roi_count (buf, FALSE), 2);

  m = gst_buffer_iterate_meta_filtered (
      buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
  fail_unless (gst_axion_roi_is_motion ((GstVideoRegionOfInterestMeta *) m));
  fail_if (gst_axion_roi_get_detection (
      (GstVideoRegionOfInterestMeta *) m, &label, NULL, NULL));

  fail_unless (gst_axion_roi_get_detection (roi, &label, &conf, &track));
  fail_unless_equals_string (label, "person");
  fail_unless_equals_float (conf, 0.92);
  fail_unless_equals_int64 (track, 17);
  /* other analytics elements read the standard param */
  fail_unless_equals_string (
      gst_structure_get_string (
          gst_video_region_of_interest_meta_get_param (roi, "detection"),
          "label"),
      "person");

  m = gst_buffer_iterate_meta_filtered (
      buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
  m = gst_buffer_iterate_meta_filtered (
      buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
  fail_unless (gst_axion_roi_get_detection (
      (GstVideoRegionOfInterestMeta *) m, &label, &conf, &track));
  fail_unless_equals_string (label, "face");
  fail_unless_equals_float (conf, -1.0);
  fail_unless_equals_int64 (track, -1);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_camera_ids_and_uris)
{
  gchar *s;
  GstEvent *ev;
  const gchar *id, *uri;

  s = gst_axion_uri_strip_credentials ("rtsp://admin:p@ss@10.0.0.7:554/media");
  fail_unless_equals_string (s, "rtsp://10.0.0.7:554/media");
  g_free (s);
  s = gst_axion_uri_strip_credentials ("rtsp://cam/s?user=a&password=b&x=1");
  fail_unless_equals_string (s, "rtsp://cam/s?user=a&x=1");
  g_free (s);
  s = gst_axion_uri_strip_credentials ("file:///tmp/a.mp4");
  fail_unless_equals_string (s, "file:///tmp/a.mp4");
  g_free (s);
  /* passwords with '#', '@', ':', '%', '\'', '?' unencoded: the user-info
   * ends at the last '@' before the first '/' after it */
  s = gst_axion_uri_strip_credentials ("rtsp://u:p#w@x:y%'z@cam:554/s?a=1");
  fail_unless_equals_string (s, "rtsp://cam:554/s?a=1");
  g_free (s);
  s = gst_axion_uri_strip_credentials ("rtsp://u:p#w?q@cam");
  fail_unless_equals_string (s, "rtsp://cam");
  g_free (s);
  s = gst_axion_uri_strip_credentials ("rtsp://cam/path@x#frag");
  fail_unless_equals_string (s, "rtsp://cam/path@x#frag");
  g_free (s);
  s = gst_axion_uri_strip_credentials ("redis://:pw@h:6379/0");
  fail_unless_equals_string (s, "redis://h:6379/0");
  g_free (s);
  s = gst_axion_uri_strip_credentials ("not a uri u:p@h");
  fail_unless_equals_string (s, "not a uri u:p@h");
  g_free (s);
  {
    gchar *user = NULL, *pw = NULL;

    s = gst_axion_uri_split_credentials (
        "rtsp://ad%40min:p#w@x:y%'z%41%zz%@cam:554/s@x", &user, &pw);
    fail_unless_equals_string (s, "rtsp://cam:554/s@x");
    fail_unless_equals_string (user, "ad@min");
    fail_unless_equals_string (pw, "p#w@x:y%'zA%zz%");
    g_free (s);
    g_free (user);
    g_free (pw);
    s = gst_axion_uri_split_credentials ("rtsp://admin@cam/s", &user, &pw);
    fail_unless_equals_string (s, "rtsp://cam/s");
    fail_unless_equals_string (user, "admin");
    fail_unless (pw == NULL);
    g_free (s);
    g_free (user);
    s = gst_axion_uri_split_credentials ("rtsp://:@cam", &user, &pw);
    fail_unless_equals_string (s, "rtsp://cam");
    fail_unless_equals_string (user, "");
    fail_unless_equals_string (pw, "");
    g_free (s);
    g_free (user);
    g_free (pw);
    s = gst_axion_uri_split_credentials ("rtsp://cam:554/s", &user, &pw);
    fail_unless_equals_string (s, "rtsp://cam:554/s");
    fail_unless (user == NULL && pw == NULL);
    g_free (s);
    s = gst_axion_uri_split_credentials ("/tmp/a@b", &user, &pw);
    fail_unless_equals_string (s, "/tmp/a@b");
    fail_unless (user == NULL && pw == NULL);
    g_free (s);
  }
  s = gst_axion_camera_id_from_uri ("rtsp://u:p#w@cam:554/s");
  fail_unless_equals_string (s, "cam_554_s");
  g_free (s);

  s = gst_axion_camera_id_from_uri (
      "rtsp://u:secret@10.0.0.7:554/axis-media/media.amp");
  fail_unless_equals_string (s, "10.0.0.7_554_axis-media_media.amp");
  fail_unless (gst_axion_camera_id_is_valid (s));
  g_free (s);
  {
    /* long URIs: shortened, valid, still distinct */
    gchar *a = gst_axion_camera_id_from_uri (
        "rtsp://h/"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "1");
    gchar *b = gst_axion_camera_id_from_uri (
        "rtsp://h/"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "2");
    fail_unless (gst_axion_camera_id_is_valid (a));
    fail_unless (gst_axion_camera_id_is_valid (b));
    fail_if (g_str_equal (a, b));
    g_free (a);
    g_free (b);
  }
  fail_if (gst_axion_camera_id_is_valid ("CAM:1"));
  fail_if (gst_axion_camera_id_is_valid (""));
  fail_if (gst_axion_camera_id_is_valid (NULL));

  ev = gst_axion_camera_id_event_new ("CAM001", "rtsp://u:pw@cam1/stream");
  fail_unless (GST_EVENT_IS_STICKY (ev));
  fail_unless (gst_axion_camera_id_event_parse (ev, &id, &uri));
  fail_unless_equals_string (id, "CAM001");
  fail_unless_equals_string (uri, "rtsp://cam1/stream");
  gst_event_unref (ev);
  ev = gst_event_new_eos ();
  fail_if (gst_axion_camera_id_event_parse (ev, &id, NULL));
  gst_event_unref (ev);
}

GST_END_TEST;

/* gst_axion_camera_id_resolve(): the one fallback every element uses */
static void
check_resolve (GstElement *e, GstPad *pad, const gchar *given,
    const gchar *want_id, const gchar *want_uri)
{
  gchar *uri = g_strdup (given);
  gchar *id = gst_axion_camera_id_resolve (e, pad, &uri);

  fail_unless (gst_axion_camera_id_is_valid (id), "invalid id \"%s\"", id);
  if (want_id)
    fail_unless_equals_string (id, want_id);
  fail_unless_equals_string (uri, want_uri);
  g_free (id);
  g_free (uri);
}

GST_START_TEST (test_camera_id_resolve)
{
  GstElement *e, *bin, *src;
  GstPad *pad;
  gchar *id, *uri, *name;

  e = gst_element_factory_make ("identity", "axion-test:cam 1/\xc3\xbc");
  pad = gst_element_get_static_pad (e, "sink");

  /* a URI with credentials: the id and the URI handed back have none */
  check_resolve (e, pad,
      "rtsp://admin:s3cr%40t@10.0.0.7:554/axis-media/media.amp?token=T0K&x=1",
      "10.0.0.7_554_axis-media_media.amp_x_1",
      "rtsp://10.0.0.7:554/axis-media/media.amp?x=1");
  check_resolve (e, pad, "rtsp://u:p@@@cam/s\n\t\"'$(x)`;", NULL,
      "rtsp://cam/s\n\t\"'$(x)`;");
  check_resolve (e, pad, "rtsp://user:pass@", "camera", "rtsp://");

  /* no URI anywhere: the element's name, made valid */
  check_resolve (e, pad, NULL, "axion-test_cam_1", NULL);
  check_resolve (e, pad, "", "axion-test_cam_1", NULL);
  id = gst_axion_camera_id_resolve (e, NULL, NULL);
  fail_unless_equals_string (id, "axion-test_cam_1");
  g_free (id);
  gst_object_unref (pad);

  /* hostile names: nothing valid left, or far too long */
  gst_object_set_name (GST_OBJECT (e), ":::/// \t\n\"'%$`;");
  check_resolve (e, NULL, NULL, "camera", NULL);
  name = g_strnfill (300, 'a');
  gst_object_set_name (GST_OBJECT (e), name);
  id = gst_axion_camera_id_resolve (e, NULL, NULL);
  fail_unless (gst_axion_camera_id_is_valid (id));
  fail_unless_equals_int (strlen (id), GST_AXION_CAMERA_ID_MAX_LEN);
  fail_unless (g_str_has_prefix (id, "aaaaaaaa"));
  g_free (id);
  g_free (name);
  gst_object_unref (e);

  /* the URI of the pipeline's source: by the URI query upstream ... */
  bin = gst_parse_launch (
      "filesrc name=src location=/var/cams/lobby.mp4 ! identity name=e", NULL);
  fail_unless (bin != NULL);
  e = gst_bin_get_by_name (GST_BIN (bin), "e");
  pad = gst_element_get_static_pad (e, "sink");
  uri = NULL;
  id = gst_axion_camera_id_resolve (e, pad, &uri);
  fail_unless_equals_string (uri, "file:///var/cams/lobby.mp4");
  fail_unless_equals_string (id, "var_cams_lobby.mp4");
  g_free (id);
  g_free (uri);
  gst_object_unref (pad);

  /* ... else a source element's "location" in the same pipeline */
  src = gst_bin_get_by_name (GST_BIN (bin), "src");
  g_object_set (src, "location", "/var/cams/door.mp4", NULL);
  gst_element_unlink (src, e);
  check_resolve (e, NULL, NULL, "var_cams_door.mp4", "/var/cams/door.mp4");
  gst_object_unref (src);
  gst_object_unref (e);
  gst_object_unref (bin);
}

GST_END_TEST;

GST_START_TEST (test_capture_time)
{
  GstBuffer *buf = new_frame ();
  GstCaps *ntp = gst_caps_new_empty_simple ("timestamp/x-ntp");
  GstAxionCaptureTimeSource src;
  gint64 now = g_get_real_time (), t;

  /* no reference meta, no element: arrival time */
  t = gst_axion_capture_time_us (buf, NULL, NULL, &src);
  fail_unless_equals_int (src, GST_AXION_CAPTURE_TIME_ARRIVAL);
  fail_unless (t >= now && t - now < 10 * G_USEC_PER_SEC);

  /* 2024-11-23T15:20:23.5Z as NTP: +2208988800 s */
  gst_buffer_add_reference_timestamp_meta (buf, ntp,
      (G_GUINT64_CONSTANT (1732375223) + G_GUINT64_CONSTANT (2208988800)) *
              GST_SECOND +
          500 * GST_MSECOND,
      GST_CLOCK_TIME_NONE);
  t = gst_axion_capture_time_us (buf, NULL, NULL, &src);
  fail_unless_equals_int (src, GST_AXION_CAPTURE_TIME_NTP);
  fail_unless_equals_int64 (t, G_GINT64_CONSTANT (1732375223500000));
  gst_caps_unref (ntp);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_backoff)
{
  for (gint i = 0; i < 200; i++) {
    gint64 first = gst_axion_backoff_ms (0, 500, 10000);
    gint64 later = gst_axion_backoff_ms (3, 500, 10000);
    gint64 capped = gst_axion_backoff_ms (40, 500, 10000);
    fail_unless (first >= 250 && first <= 500, "%" G_GINT64_FORMAT, first);
    fail_unless (later >= 2000 && later <= 4000, "%" G_GINT64_FORMAT, later);
    fail_unless (
        capped >= 5000 && capped <= 10000, "%" G_GINT64_FORMAT, capped);
  }
}

GST_END_TEST;

GST_START_TEST (test_scene_index)
{
  GstAxionSceneIndex *idx = gst_axion_scene_index_new (3600);
  gchar *k = gst_axion_scene_hashes_key ("axion", "CAM001");
  gchar hex[17];

  /* the schema document's key and member (§2.5) */
  fail_unless_equals_string (k, "axion:scene:CAM001:hashes");
  gst_axion_scene_hash_member (0xa3f5c8, hex);
  fail_unless_equals_string (hex, "0000000000a3f5c8");
  g_free (k);

  fail_if (gst_axion_scene_index_check_and_add (idx, "CAM001", 42, 1000, 300));
  /* seen 100 s ago: a duplicate within 5 minutes */
  fail_unless (
      gst_axion_scene_index_check_and_add (idx, "CAM001", 42, 1100, 300));
  /* another camera, another hash: new */
  fail_if (gst_axion_scene_index_check_and_add (idx, "CAM002", 42, 1100, 300));
  fail_if (gst_axion_scene_index_check_and_add (idx, "CAM001", 43, 1100, 300));
  /* last seen at 1100: 301 s later it is new again */
  fail_if (gst_axion_scene_index_check_and_add (idx, "CAM001", 42, 1401, 300));
  fail_unless (gst_axion_scene_is_recent (10, 20, 10));
  fail_if (gst_axion_scene_is_recent (-1, 20, 10));
  gst_axion_scene_index_free (idx);
}

GST_END_TEST;


/* spins for about @us of this thread's CPU time */
static void
spin_cpu_us (gint64 us)
{
  gint64 end = gst_axion_thread_cpu_us () + us;
  volatile guint x = 0;

  while (gst_axion_thread_cpu_us () < end)
    for (gint i = 0; i < 1000; i++)
      x += i;
}

GST_START_TEST (test_cpu_meter)
{
  GstAxionCpuMeter m = { 0 };
  gint64 t0 = gst_axion_thread_cpu_us (), actual;

  /* camera rate (calls more than 1 ms apart): every call timed */
  for (gint i = 0; i < 5; i++) {
    g_usleep (3000);
    gst_axion_cpu_meter_begin (&m);
    spin_cpu_us (2000);
    gst_axion_cpu_meter_end (&m);
  }
  fail_unless (m.cpu_us >= 5 * 2000 && m.cpu_us < 5 * 2000 + 5000,
      "5 x 2 ms measured as %" G_GINT64_FORMAT " us", m.cpu_us);

  /* back to back: sampled, and the estimate stays near the truth */
  memset (&m, 0, sizeof (m));
  t0 = gst_axion_thread_cpu_us ();
  for (gint i = 0; i < 400; i++) {
    gst_axion_cpu_meter_begin (&m);
    spin_cpu_us (200);
    gst_axion_cpu_meter_end (&m);
  }
  actual = gst_axion_thread_cpu_us () - t0;
  fail_unless (m.cpu_us > actual * 0.7 && m.cpu_us < actual * 1.3,
      "estimated %" G_GINT64_FORMAT " us of %" G_GINT64_FORMAT " us", m.cpu_us,
      actual);
}

GST_END_TEST;

/* the fast downscale: each output pixel is the rounded mean of its block's
 * middle row, for every block width (SIMD, word and scalar paths) and for
 * planar and packed formats */
GST_START_TEST (test_luma_downscale_fast)
{
  static const gint sizes[][3] = { { 1920, 1080, 320 }, { 1280, 720, 320 },
    { 640, 360, 320 }, { 2560, 1440, 320 }, { 3840, 2160, 320 },
    { 1920, 1080, 160 }, { 1000, 600, 320 }, { 15, 9, 5 }, { 1, 1, 1 },
    { 24, 4, 3 }, { 1284, 12, 321 }, { 68, 4, 17 } };
  GRand *r = g_rand_new_with_seed (7);

  for (guint t = 0; t < G_N_ELEMENTS (sizes); t++) {
    gint w = sizes[t][0], h = sizes[t][1], dw = sizes[t][2];
    gint dh = MAX (1, h * dw / w), k = w / dw;
    for (gint f = 0; f < 2; f++) {
      GstVideoFormat fmt = f ? GST_VIDEO_FORMAT_RGBx : GST_VIDEO_FORMAT_GRAY8;
      GstVideoInfo info;
      GstBuffer *buf;
      GstVideoFrame frame;
      guint8 *out = g_malloc (dw * dh);

      gst_video_info_set_format (&info, fmt, w, h);
      buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
      fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
      for (gint y = 0; y < h; y++) {
        guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
            y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
        for (gint x = 0; x < GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0); x++)
          row[x] = f ? 128 : g_rand_int_range (r, 0, 256);
      }
      gst_axion_luma_downscale_fast (&frame, out, dw, dh);
      if (w % dw == 0 && k <= 16) {
        for (gint oy = 0; oy < dh; oy++) {
          gint y0 = oy * h / dh, y1 = MAX ((oy + 1) * h / dh, y0 + 1);
          const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (
                                  &frame, 0) +
              ((y0 + y1) / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
          for (gint ox = 0; ox < dw; ox++) {
            gint sum = 0, want;
            for (gint i = 0; i < k; i++)
              sum += f ? 128 : row[ox * k + i];
            want = (sum + k / 2) / k;
            /* if () fail (), not fail_unless (): a passing fail_unless ()
             * is a check mark point, a message through a pipe (600,000
             * pixels: 11 of this case's 12 s under AddressSanitizer) */
            if (ABS ((gint) out[oy * dw + ox] - want) > 1)
              fail ("%dx%d -> %d, %s: pixel %d,%d is %d, want %d", w, h, dw,
                  f ? "RGBx" : "GRAY8", ox, oy, out[oy * dw + ox], want);
          }
        }
      } else {
        /* other block widths: the sampled average stays within the range */
        for (gint i = 0; i < dw * dh; i++)
          if (f && out[i] != 128)
            fail ("%dx%d -> %d, RGBx: pixel %d is %d, want 128", w, h, dw, i,
                out[i]);
      }
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
      g_free (out);
    }
  }
  g_rand_free (r);
}
GST_END_TEST;

/* The downscale a band of rows at a time gives the one-shot result for any
 * bands, sizes, sample counts and formats; the exact area average (no
 * sampling) is the rounded block mean. */
GST_START_TEST (test_luma_downscaler_bands)
{
  static const gint cases[][5] = { /* w, h, dst w, dst h, samples */
    { 1280, 720, 32, 32, 4 }, { 1280, 720, 9, 8, 8 }, { 333, 201, 32, 32, 4 },
    { 640, 360, 320, 180, 3 }, { 100, 70, 7, 5, 0 }, { 1920, 1080, 100, 60, 2 },
    { 33, 33, 32, 32, 4 }, { 5, 3, 5, 3, 8 }
  };
  GRand *r = g_rand_new_with_seed (3);

  for (guint t = 0; t < G_N_ELEMENTS (cases); t++) {
    gint w = cases[t][0], h = cases[t][1], dw = cases[t][2], dh = cases[t][3];
    gint ms = cases[t][4];
    for (gint f = 0; f < 3; f++) {
      GstVideoFormat fmt = f == 0 ? GST_VIDEO_FORMAT_GRAY8
          : f == 1                ? GST_VIDEO_FORMAT_I420
                                  : GST_VIDEO_FORMAT_BGRx;
      GstVideoInfo info;
      GstBuffer *buf;
      GstVideoFrame frame;
      GstMapInfo map;
      guint8 *one = g_malloc (dw * dh), *banded = g_malloc (dw * dh);
      GstAxionLumaDownscaler d;
      gint y = 0;

      gst_video_info_set_format (&info, fmt, w, h);
      buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
      gst_buffer_map (buf, &map, GST_MAP_WRITE);
      for (gsize i = 0; i < map.size; i++)
        map.data[i] = g_rand_int_range (r, 0, 256);
      gst_buffer_unmap (buf, &map);
      fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));

      gst_axion_luma_downscale (&frame, one, dw, dh, ms);
      memset (banded, 0xEE, dw * dh);
      gst_axion_luma_downscaler_init (&d, &frame, banded, dw, dh, ms);
      while (y < h) {
        /* bands of 0 to 40 rows (empty and repeated ends included) */
        y += g_rand_int_range (r, 0, 41);
        gst_axion_luma_downscaler_rows (&d, y);
      }
      gst_axion_luma_downscaler_finish (&d);
      fail_unless (memcmp (one, banded, dw * dh) == 0,
          "%dx%d -> %dx%d (%d samples), format %d: banded result differs", w, h,
          dw, dh, ms, f);

      if (ms == 0 && f == 0) {
        for (gint oy = 0; oy < dh; oy++)
          for (gint ox = 0; ox < dw; ox++) {
            gint y0 = oy * h / dh, y1 = (oy + 1) * h / dh;
            gint x0 = ox * w / dw, x1 = (ox + 1) * w / dw, sum = 0, n;
            for (gint yy = y0; yy < y1; yy++)
              for (gint xx = x0; xx < x1; xx++)
                sum += ((const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame,
                    0))[yy * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + xx];
            n = (y1 - y0) * (x1 - x0);
            fail_unless_equals_int (one[oy * dw + ox], (sum + n / 2) / n);
          }
      }
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
      g_free (one);
      g_free (banded);
    }
  }
  g_rand_free (r);
}

GST_END_TEST;

static Suite *
axion_meta_suite (void)
{
  Suite *s = suite_create ("axion-meta");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frame_meta_parts_do_not_clobber);
  tcase_add_test (tc, test_frame_meta_events);
  tcase_add_test (tc, test_frame_meta_survives_copy);
  tcase_add_test (tc, test_frame_meta_survives_convert_and_scale);
  tcase_add_test (tc, test_analysis_meta);
  tcase_add_test (tc, test_roi_helpers);
  tcase_add_test (tc, test_camera_ids_and_uris);
  tcase_add_test (tc, test_camera_id_resolve);
  tcase_add_test (tc, test_capture_time);
  tcase_add_test (tc, test_backoff);
  tcase_add_test (tc, test_scene_index);
  tcase_add_test (tc, test_luma_downscale_fast);
  tcase_add_test (tc, test_luma_downscaler_bands);
  tcase_add_test (tc, test_cpu_meter);
  return s;
}

GST_CHECK_MAIN (axion_meta);
