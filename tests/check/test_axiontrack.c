/* Unit tests: axiontrack. Synthetic scenes with ground truth (MOTA, IDF1,
 * ID switches), zone / line / dwell events on scripted paths, and the
 * element's robustness (formats, sizes, renegotiation, restarts, 0 and
 * 200 detections). No clock, no date: capture times are chosen here. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>

#include <math.h>

#include "axiontrackgeom.h"
#include "tracksynth.h"

#define W 1280
#define H 720
#define FPS 30
/* 2030-01-07 00:00:00 UTC */
#define T0_US ((gint64) 1893974400 * G_USEC_PER_SEC)

static GstHarness *
new_track (const gchar *caps)
{
  GstHarness *h = gst_harness_new ("axiontrack");

  gst_harness_set_src_caps_str (h,
      caps ? caps
           : "video/x-raw,format=GRAY8,width=1280,height=720,framerate=30/1");
  return h;
}

/* pushes frame @n with detections @dets (boxes in fractions of the frame)
 * and returns the output buffer */
static GstBuffer *
push_frame (GstHarness *h, guint64 n, const TsDet *dets, guint n_dets,
    gboolean inferred, gint w, gint hgt)
{
  GstBuffer *buf = gst_buffer_new ();
  GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);

  GST_BUFFER_PTS (buf) = n * GST_SECOND / FPS;
  GST_BUFFER_DURATION (buf) = GST_SECOND / FPS;
  gst_axion_frame_meta_set_camera_id (m, "cam1");
  gst_axion_frame_meta_set_frame_number (m, n);
  gst_axion_frame_meta_set_capture_time (
      m, T0_US + (gint64) n * G_USEC_PER_SEC / FPS, GST_AXION_CAPTURE_TIME_NTP);
  gst_axion_frame_meta_set_inference (m,
      inferred ? GST_AXION_INFERENCE_RAN : GST_AXION_INFERENCE_SKIPPED, 0, 1);
  for (guint i = 0; inferred && i < n_dets; i++) {
    const TsDet *d = &dets[i];
    gst_axion_roi_add_detection (buf, "person", d->confidence,
        (guint) (d->x * w), (guint) (d->y * hgt), MAX (1, (guint) (d->w * w)),
        MAX (1, (guint) (d->h * hgt)));
  }
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  return gst_harness_pull (h);
}

/* the tracked regions of @buf as TsObj (fractions of the frame) */
static GArray *
tracked (GstBuffer *buf, gint w, gint hgt)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TsObj));
  gpointer state = NULL;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    TsObj o;
    if (!gst_axion_roi_get_detection (roi, NULL, NULL, &o.id) || o.id <= 0)
      continue;
    o.x = roi->x / (gfloat) w;
    o.y = roi->y / (gfloat) hgt;
    o.w = roi->w / (gfloat) w;
    o.h = roi->h / (gfloat) hgt;
    g_array_append_val (out, o);
  }
  return out;
}

static void
run_scene (const TsParams *p, TsMetrics *m)
{
  TsScene *s = ts_scene_generate (p);
  GstHarness *h = new_track (NULL);
  TsEval *e = ts_eval_new ();

  g_object_set (h->element, "add-predicted", TRUE, NULL);
  for (guint f = 0; f < s->n_frames; f++) {
    GstBuffer *out = push_frame (h, f, (TsDet *) s->dets[f]->data,
        s->dets[f]->len, s->inferred[f], W, H);
    GArray *pred = tracked (out, W, H);
    ts_eval_frame (e, (TsObj *) s->gt[f]->data, s->gt[f]->len,
        (TsObj *) pred->data, pred->len);
    g_array_unref (pred);
    gst_buffer_unref (out);
  }
  ts_eval_finish (e, m);
  ts_eval_free (e);
  ts_scene_free (s);
  gst_harness_teardown (h);
}

static void
print_metrics (const gchar *name, const TsMetrics *m)
{
  g_print ("%s: MOTA %.3f IDF1 %.3f, ID switches %" G_GUINT64_FORMAT
           ", FN %" G_GUINT64_FORMAT ", FP %" G_GUINT64_FORMAT
           " of %" G_GUINT64_FORMAT " ground-truth boxes; %u objects, %u "
           "tracks\n",
      name, m->mota, m->idf1, m->idsw, m->fn, m->fp, m->gt, m->n_gt_ids,
      m->n_pred_ids);
}

/* the goal on the noisy set: detector on every 3rd frame, noise,
 * 10% misses, false positives, occlusions, stops, leaving and returning */
GST_START_TEST (test_noisy_scene_mota_idf1)
{
  TsParams p;
  TsMetrics m;
  gdouble idf1 = 0;
  guint n = 0;
  guint64 idsw = 0;

  ts_params_noisy (&p);
  for (guint32 seed = 20; seed < 25; seed++, n++) {
    gchar *name = g_strdup_printf ("noisy set (seed %u)", seed);
    p.seed = seed;
    run_scene (&p, &m);
    print_metrics (name, &m);
    g_free (name);
    fail_unless (m.mota >= 0.85, "MOTA %.3f < 0.85", m.mota);
    /* ID switches: at most a few per object (crossings, returns) */
    fail_unless (
        m.idsw <= 2 * p.n_objects, "%" G_GUINT64_FORMAT " switches", m.idsw);
    idf1 += m.idf1;
    idsw += m.idsw;
  }
  idf1 /= n;
  g_print ("noisy set: mean IDF1 %.3f over %u seeds, %" G_GUINT64_FORMAT
           " ID switches in all\n",
      idf1, n, idsw);
  /* The goal, IDF1 >= 0.80, on the mean of the five scenes: a
   * single swap between two long tracks moves one scene's IDF1 by ~0.1.
   * Measured: 0.906 (0.857-0.971); over 40 scenes (seeds 20-59) 0.861.
   * What still costs IDF1: swaps where people of the same size cross
   * close together, and re-activations that pick the wrong lost track. */
  fail_unless (idf1 >= 0.80, "mean IDF1 %.3f < 0.80", idf1);
}
GST_END_TEST;

/* without noise the tracker must be near perfect; the metrics themselves
 * are checked by feeding the ground truth as the prediction */
GST_START_TEST (test_clean_scene_and_metrics)
{
  TsParams p;
  TsMetrics m;
  TsScene *s;
  TsEval *e = ts_eval_new ();

  ts_params_noisy (&p);
  p.noise = p.miss_rate = p.fp_rate = 0;
  p.detect_every = 1;
  s = ts_scene_generate (&p);
  for (guint f = 0; f < s->n_frames; f++)
    ts_eval_frame (e, (TsObj *) s->gt[f]->data, s->gt[f]->len,
        (TsObj *) s->gt[f]->data, s->gt[f]->len);
  ts_eval_finish (e, &m);
  fail_unless (m.mota == 1.0 && m.idf1 == 1.0 && m.idsw == 0);
  ts_eval_free (e);
  ts_scene_free (s);

  run_scene (&p, &m);
  print_metrics ("clean set", &m);
  fail_unless (m.mota >= 0.95, "MOTA %.3f", m.mota);
  /* the objects that leave and come back get new ids */
  fail_unless (m.idf1 >= 0.85, "IDF1 %.3f", m.idf1);
}
GST_END_TEST;

GST_START_TEST (test_geometry)
{
  GError *err = NULL;
  GPtrArray *z = axion_track_shapes_parse (
      " door: 0.1,0.1 0.5,0.1 0.5,0.5 0.1,0.5 ; b-2:0,0 1,0 0,1", 3, "zone",
      &err);
  GPtrArray *l = axion_track_shapes_parse (
      "gate: 0.5,0 0.5,1", 2, "line", &err);
  AxionTrackShape *door, *gate;
  AxionTrackPoint in = { 0.3f, 0.3f }, out = { 0.7f, 0.3f };
  AxionTrackPoint west = { 0.3f, 0.5f }, east = { 0.7f, 0.5f };

  fail_unless (z && z->len == 2 && l && l->len == 1);
  door = z->pdata[0];
  gate = l->pdata[0];
  fail_unless_equals_string (door->name, "door");
  fail_unless (axion_track_zone_contains (door, in));
  fail_unless (!axion_track_zone_contains (door, out));
  /* the gate points down the image (south): east is its left */
  fail_unless_equals_int (axion_track_line_crossing (gate, east, west), 1);
  fail_unless_equals_int (axion_track_line_crossing (gate, west, east), -1);
  fail_unless_equals_int (axion_track_line_crossing (gate, west, west), 0);
  g_ptr_array_unref (z);
  g_ptr_array_unref (l);

  /* errors say what is wrong */
  fail_unless (
      axion_track_shapes_parse ("a: 0,0 2,0 0,1", 3, "zone", &err) == NULL);
  fail_unless (strstr (err->message, "from 0 to 1"));
  g_clear_error (&err);
  fail_unless (
      axion_track_shapes_parse ("a: 0,0 1,0", 3, "zone", &err) == NULL);
  g_clear_error (&err);
  fail_unless (
      axion_track_shapes_parse ("0,0 1,0 1,1", 3, "zone", &err) == NULL);
  fail_unless (strstr (err->message, "name"));
  g_clear_error (&err);
  fail_unless (axion_track_shapes_parse (
                   "a: 0,0 1,0 1,1; a: 0,0 1,0 1,1", 3, "zone", &err) == NULL);
  g_clear_error (&err);
}
GST_END_TEST;

/* ---- scripted paths ----------------------------------------------------- */

typedef struct
{
  guint64 frame;
  GstAxionEventType type;
  gchar *json;
} SeenEvent;

static void
seen_free (gpointer p)
{
  SeenEvent *s = p;
  g_free (s->json);
  g_free (s);
}

/* the track events of @buf, with their event_data (takes @buf) */
static void
collect_events (GstBuffer *buf, guint64 frame, GPtrArray *seen)
{
  GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (buf);
  GstCustomMeta *cm = gst_buffer_get_custom_meta (
      buf, GST_AXION_EVENT_DATA_META);

  for (guint i = 0; m && i < m->n_events; i++) {
    SeenEvent *s = g_new0 (SeenEvent, 1);
    gchar key[32];
    g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, m->events[i].id);
    s->frame = frame;
    s->type = m->events[i].type;
    fail_unless (cm != NULL);
    s->json = g_strdup (
        gst_structure_get_string (gst_custom_meta_get_structure (cm), key));
    fail_unless (s->json != NULL);
    g_ptr_array_add (seen, s);
  }
  gst_buffer_unref (buf);
}

/* a person box (0.05 x 0.2) whose bottom centre is at (@fx, @fy) */
static TsDet
person_at (gfloat fx, gfloat fy)
{
  TsDet d = { fx - 0.025f, fy - 0.2f, 0.05f, 0.2f, 0.9f, 1 };
  return d;
}

static const SeenEvent *
nth_of (GPtrArray *seen, GstAxionEventType type, guint nth)
{
  for (guint i = 0; i < seen->len; i++) {
    const SeenEvent *s = seen->pdata[i];
    if (s->type == type && nth-- == 0)
      return s;
  }
  return NULL;
}

static guint
count_of (GPtrArray *seen, GstAxionEventType type)
{
  guint n = 0;
  for (guint i = 0; i < seen->len; i++)
    n += ((SeenEvent *) seen->pdata[i])->type == type;
  return n;
}

/* One person walks east at 0.005 per frame from x 0.1 along y 0.8: into
 * the zone "door" (x 0.4..0.6) at x 0.4, stops inside for 3 s, walks on,
 * out at x 0.6, across the line "gate" (x 0.7, drawn southwards) and
 * back west over it; then vanishes. Every frame is inferred. */
GST_START_TEST (test_scripted_zone_line_dwell)
{
  GstHarness *h = new_track (NULL);
  GPtrArray *seen = g_ptr_array_new_with_free_func (seen_free);
  gfloat x = 0.1f;
  guint64 f = 0;
  guint64 enter_frame = 0, stop_frame = 0, cross_east = 0, cross_west = 0;
  const SeenEvent *e;

  g_object_set (h->element, "zones", "door: 0.4,0.6 0.6,0.6 0.6,0.95 0.4,0.95",
      "lines", "gate: 0.7,0 0.7,1", "dwell-time", 2.0, "min-hits", 2,
      "max-misses", 5, NULL);
  /* walk east to x 0.5 (the zone's middle) */
  for (; x < 0.5f - 1e-4f; f++, x += 0.005f) {
    TsDet d = person_at (x, 0.8f);
    if (enter_frame == 0 && x >= 0.4f)
      enter_frame = f;
    collect_events (push_frame (h, f, &d, 1, TRUE, W, H), f, seen);
  }
  /* stand still for 3 s */
  stop_frame = f;
  for (guint i = 0; i < 3 * FPS; i++, f++) {
    TsDet d = person_at (x, 0.8f);
    collect_events (push_frame (h, f, &d, 1, TRUE, W, H), f, seen);
  }
  /* east to 0.8, then west to 0.65 */
  for (; x < 0.8f; f++, x += 0.005f) {
    TsDet d = person_at (x, 0.8f);
    if (cross_east == 0 && x > 0.7f)
      cross_east = f;
    collect_events (push_frame (h, f, &d, 1, TRUE, W, H), f, seen);
  }
  for (; x > 0.65f; f++, x -= 0.005f) {
    TsDet d = person_at (x, 0.8f);
    if (cross_west == 0 && x < 0.7f)
      cross_west = f;
    collect_events (push_frame (h, f, &d, 1, TRUE, W, H), f, seen);
  }
  /* gone: the track ends after max-misses (5) detector frames */
  for (guint i = 0; i < 10; i++, f++)
    collect_events (push_frame (h, f, NULL, 0, TRUE, W, H), f, seen);

  for (guint i = 0; i < seen->len; i++) {
    e = seen->pdata[i];
    g_print ("frame %" G_GUINT64_FORMAT ": %s %s\n", e->frame,
        gst_axion_event_type_db_name (e->type), e->json);
  }
  /* exactly one of each, in order */
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_ZONE_ENTERED), 1);
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_ZONE_LEFT), 1);
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_LOITERING), 1);
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_LINE_CROSSED), 2);
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_TRACK_ENDED), 1);
  fail_unless_equals_int (seen->len, 6);

  e = nth_of (seen, GST_AXION_EVENT_ZONE_ENTERED, 0);
  /* the track is born on its 2nd frame, before the zone: entering is
   * seen within a frame of the box's anchor passing x 0.4 */
  fail_unless (e->frame + 1 >= enter_frame && e->frame <= enter_frame + 1,
      "entered at %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, e->frame,
      enter_frame);
  fail_unless (strstr (e->json, "\"zone\":\"door\""));
  fail_unless (strstr (e->json, "\"class\":\"person\""));
  fail_unless (strstr (e->json, "\"occupancy\":1"));
  fail_unless (strstr (e->json, "\"track_id\":1"));

  /* in the zone since enter_frame: loitering 2 s = 60 frames later */
  e = nth_of (seen, GST_AXION_EVENT_LOITERING, 0);
  fail_unless (e->frame >= stop_frame);
  fail_unless (strstr (e->json, "\"dwell_s\":2.0"), "%s", e->json);

  e = nth_of (seen, GST_AXION_EVENT_ZONE_LEFT, 0);
  fail_unless (strstr (e->json, "\"reason\":\"moved\""));
  fail_unless (strstr (e->json, "\"occupancy\":0"));

  e = nth_of (seen, GST_AXION_EVENT_LINE_CROSSED, 0);
  /* walking east across a line drawn southwards: from its left (east is
   * left when facing south)... the person comes from the west: right */
  fail_unless (
      strstr (e->json, "\"direction\":\"right-to-left\""), "%s", e->json);
  fail_unless (strstr (e->json, "\"line\":\"gate\""));
  fail_unless (e->frame + 1 >= cross_east && e->frame <= cross_east + 1,
      "crossed at %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT, e->frame,
      cross_east);
  e = nth_of (seen, GST_AXION_EVENT_LINE_CROSSED, 1);
  fail_unless (strstr (e->json, "\"direction\":\"left-to-right\""));
  fail_unless (e->frame + 2 >= cross_west && e->frame <= cross_west + 2,
      "crossed back at %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
      e->frame, cross_west);

  e = nth_of (seen, GST_AXION_EVENT_TRACK_ENDED, 0);
  fail_unless (strstr (e->json, "\"zones_visited\":[\"door\"]"), "%s", e->json);
  fail_unless (strstr (e->json, "\"first_seen\":\"2030-01-07T00:00:00."));
  fail_unless (strstr (e->json, "\"best_confidence\":0.9"));
  /* walked 0.1 -> 0.8 -> 0.65 */
  {
    const gchar *pl = strstr (e->json, "\"path_length\":");
    gdouble len = g_ascii_strtod (pl + strlen ("\"path_length\":"), NULL);
    fail_unless (len > 0.83 && len < 0.87, "path length %f", len);
  }
  g_ptr_array_unref (seen);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Frames whose time goes back (the GOP before a wake, replayed by
 * axiongate after the keyframe that woke the camera): a zone entered at
 * the keyframe and left in a replayed frame has a dwell time counted to
 * the latest time seen, not a negative one (which dropped it from the
 * event), and the track's duration is not negative either. */
GST_START_TEST (test_time_going_back)
{
  GstHarness *h = new_track (NULL);
  GPtrArray *seen = g_ptr_array_new_with_free_func (seen_free);
  const SeenEvent *e;
  guint64 order[] = { 0, 1, 2, 40, 41, 21, 22, 23, 24, 25 };

  g_object_set (h->element, "zones", "door: 0.4,0.6 0.6,0.6 0.6,0.95 0.4,0.95",
      "min-hits", 1, "max-misses", 2, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
    /* inside the zone at frames 40 and 41, outside (west of it) before */
    TsDet d = person_at (order[i] >= 40 ? 0.41f : 0.39f, 0.8f);
    collect_events (
        push_frame (h, order[i], &d, 1, TRUE, W, H), order[i], seen);
  }
  for (guint64 f = 26; f < 30; f++)
    collect_events (push_frame (h, f, NULL, 0, TRUE, W, H), f, seen);
  e = nth_of (seen, GST_AXION_EVENT_ZONE_LEFT, 0);
  fail_unless (e != NULL);
  /* entered at frame 40, left at a replayed frame: counted at frame 41,
   * the latest time seen (1/30 s later) */
  fail_unless (strstr (e->json, "\"dwell_s\":0.033"), "%s", e->json);
  e = nth_of (seen, GST_AXION_EVENT_TRACK_ENDED, 0);
  fail_unless (e != NULL);
  fail_if (strstr (e->json, ":-"), "negative in %s", e->json);
  g_ptr_array_unref (seen);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* two people in a zone: occupancy 2; one alert-worthy event per track, not
 * per frame; 20 people entering at once do not fit one frame's events:
 * the rest follow on the next frames, none lost */
GST_START_TEST (test_occupancy_and_many_events)
{
  GstHarness *h = new_track (NULL);
  GPtrArray *seen = g_ptr_array_new_with_free_func (seen_free);
  TsDet d[20];
  GstStructure *st;
  guint64 deferred;

  g_object_set (
      h->element, "zones", "all: 0,0 1,0 1,1 0,1", "min-hits", 1, NULL);
  for (guint i = 0; i < 20; i++)
    d[i] = person_at (0.03f + 0.048f * i, 0.5f);
  for (guint64 f = 0; f < 10; f++)
    collect_events (push_frame (h, f, d, 20, TRUE, W, H), f, seen);
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_ZONE_ENTERED), 20);
  /* 8 per frame: frames 0, 1, 2 */
  fail_unless_equals_int (((SeenEvent *) seen->pdata[19])->frame, 2);
  fail_unless (
      strstr (((SeenEvent *) seen->pdata[19])->json, "\"occupancy\":20"));
  g_object_get (h->element, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint64 (st, "events-deferred", &deferred));
  fail_unless_equals_int (deferred, 12);
  fail_unless_equals_string (
      gst_structure_get_string (st, "occupancy"), "all=20");
  gst_structure_free (st);
  g_ptr_array_unref (seen);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* ---- robustness ---------------------------------------------------------- */

static gint64
first_track_id (GstBuffer *buf)
{
  gpointer state = NULL;
  GstMeta *m = gst_buffer_iterate_meta_filtered (
      buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
  gint64 id = -1;

  if (m)
    gst_axion_roi_get_detection (
        (GstVideoRegionOfInterestMeta *) m, NULL, NULL, &id);
  gst_buffer_unref (buf);
  return id;
}

GST_START_TEST (test_formats_and_sizes)
{
  const gchar *caps[] = {
    "video/x-raw,format=I420,width=320,height=240,framerate=30/1",
    "video/x-raw,format=RGBA,width=33,height=17,framerate=30/1",
    "video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1",
    "video/x-raw,format=GRAY8,width=1,height=1,framerate=30/1",
    "video/x-raw(memory:DMABuf),format=NV12,width=640,height=480",
  };
  gint sizes[][2] = { { 320, 240 }, { 33, 17 }, { 1920, 1080 }, { 1, 1 },
    { 640, 480 } };

  for (guint c = 0; c < G_N_ELEMENTS (caps); c++) {
    GstHarness *h = new_track (caps[c]);
    TsDet d = { 0.2f, 0.2f, 0.5f, 0.5f, 0.9f, 1 };
    gint64 id = -1;

    for (guint64 f = 0; f < 4; f++)
      id = first_track_id (
          push_frame (h, f, &d, 1, TRUE, sizes[c][0], sizes[c][1]));
    fail_unless (id > 0, "%s: no track id", caps[c]);
    gst_harness_teardown (h);
  }
}
GST_END_TEST;

/* a new frame size keeps the tracks (they are in fractions of the frame) */
GST_START_TEST (test_renegotiation_keeps_tracks)
{
  GstHarness *h = new_track (
      "video/x-raw,format=I420,width=640,height=480,framerate=30/1");
  TsDet d = { 0.2f, 0.2f, 0.2f, 0.4f, 0.9f, 1 };
  gint64 before = -1, after;

  for (guint64 f = 0; f < 4; f++)
    before = first_track_id (push_frame (h, f, &d, 1, TRUE, 640, 480));
  fail_unless (before > 0);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=I420,width=1280,height=960,framerate=30/1");
  after = first_track_id (push_frame (h, 4, &d, 1, TRUE, 1280, 960));
  fail_unless_equals_int64 (after, before);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* a camera restart (stop/start, or a new stream) starts the tracks over:
 * the object needs min-hits again and gets a new id, never an old one */
GST_START_TEST (test_restart_resets_tracks)
{
  GstHarness *h = new_track (NULL);
  TsDet d = { 0.2f, 0.2f, 0.2f, 0.4f, 0.9f, 1 };
  gint64 id1 = -1, id2;
  GstStructure *st;
  guint active;

  for (guint64 f = 0; f < 4; f++)
    id1 = first_track_id (push_frame (h, f, &d, 1, TRUE, W, H));
  fail_unless (id1 > 0);
  gst_harness_play (h); /* no-op: already playing */
  gst_element_set_state (h->element, GST_STATE_NULL);
  g_object_get (h->element, "stats", &st, NULL);
  fail_unless (gst_structure_get_uint (st, "active-tracks", &active));
  fail_unless_equals_int (active, 0);
  gst_structure_free (st);
  gst_harness_play (h);
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=1280,height=720,framerate=30/1");
  /* min-hits (2): the first frame has no id */
  fail_unless_equals_int64 (
      first_track_id (push_frame (h, 0, &d, 1, TRUE, W, H)), -1);
  id2 = first_track_id (push_frame (h, 1, &d, 1, TRUE, W, H));
  fail_unless (
      id2 > id1, "%" G_GINT64_FORMAT " after %" G_GINT64_FORMAT, id2, id1);

  /* a new stream (stream-start) too */
  gst_harness_push_event (h, gst_event_new_stream_start ("again"));
  fail_unless_equals_int64 (
      first_track_id (push_frame (h, 2, &d, 1, TRUE, W, H)), -1);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* Runs a person walking right for 60 frames, away for 60, then back 1.25
 * box heights below where they were last seen (they walked on, out of
 * sight, and turned): too far from the prediction for the recovery pass.
 * @back is the box that comes back. Returns the ids before and after. */
static void
leave_and_return (const TsDet *back, gint64 *before, gint64 *after)
{
  GstHarness *h = new_track (NULL);

  *before = *after = -1;
  for (guint64 f = 0; f < 180; f++) {
    gboolean inferred = f % 3 == 0;
    TsDet d = person_at (0.2f + 0.002f * MIN (f, 60), 0.5f);
    GstBuffer *out;
    gint64 id;

    if (f >= 120) {
      d = *back;
    } else if (f >= 60) {
      gst_buffer_unref (push_frame (h, f, NULL, 0, inferred, W, H));
      continue;
    }
    out = push_frame (h, f, &d, 1, inferred, W, H);
    id = first_track_id (out);
    if (inferred && f < 60)
      *before = id;
    if (inferred && f >= 120)
      *after = id;
  }
  gst_harness_teardown (h);
}

/* a person who comes back after a while gets their old id back once the
 * new track is sure (re-activation of a lost track); someone of another
 * size in the same place does not */
GST_START_TEST (test_lost_track_reactivated)
{
  TsDet same = person_at (0.32f, 0.75f);
  TsDet other = { 0.32f - 0.04f, 0.75f - 0.3f, 0.08f, 0.3f, 0.9f, 1 };
  gint64 before, after;

  leave_and_return (&same, &before, &after);
  fail_unless (before > 0);
  fail_unless_equals_int64 (after, before);

  leave_and_return (&other, &before, &after);
  fail_unless (before > 0);
  fail_unless (after > before, "%" G_GINT64_FORMAT " after %" G_GINT64_FORMAT,
      after, before);
}
GST_END_TEST;

/* tracks alive when the stream ends get their summary (reason
 * "stream_end") and leave their zones: at EOS on a carrier frame pushed
 * before the EOS (the last frame's identity, GAP, no regions); at a new
 * stream (camera restart) with the next frame */
GST_START_TEST (test_tracks_end_at_eos_and_restart)
{
  GstHarness *h = new_track (NULL);
  GPtrArray *seen = g_ptr_array_new_with_free_func (seen_free);
  TsDet a = person_at (0.5f, 0.5f), b = person_at (0.2f, 0.9f);
  TsDet both[2] = { a, b };
  GstBuffer *carrier;
  GstAxionFrameMeta *m;
  GstEvent *ev;
  guint ended = 0, left = 0;

  g_object_set (
      h->element, "zones", "mid: 0.4,0.4 0.6,0.4 0.6,0.6 0.4,0.6", NULL);
  for (guint64 f = 0; f < 6; f++)
    collect_events (push_frame (h, f, both, 2, TRUE, W, H), f, seen);
  for (guint i = 0; i < seen->len; i++)
    fail_if (
        ((SeenEvent *) seen->pdata[i])->type == GST_AXION_EVENT_TRACK_ENDED);
  g_ptr_array_set_size (seen, 0);

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  carrier = gst_harness_try_pull (h);
  fail_unless (carrier != NULL, "no carrier frame before the EOS");
  fail_unless (GST_BUFFER_FLAG_IS_SET (carrier, GST_BUFFER_FLAG_GAP));
  m = gst_buffer_get_axion_frame_meta (carrier);
  fail_unless (m != NULL);
  fail_unless_equals_string (m->camera_id, "cam1");
  fail_unless_equals_int (m->frame_number, 5);
  fail_unless (gst_buffer_get_meta (carrier,
                   GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) == NULL);
  collect_events (carrier, 5, seen);
  for (guint i = 0; i < seen->len; i++) {
    SeenEvent *e = seen->pdata[i];
    fail_unless (
        strstr (e->json, "\"reason\":\"stream_end\"") != NULL, "%s", e->json);
    if (e->type == GST_AXION_EVENT_TRACK_ENDED) {
      ended++;
      fail_unless (strstr (e->json, "\"first_seen\":\"2030-01-07T00:00:00"));
      fail_unless (strstr (e->json, "\"detections\":6"), "%s", e->json);
    } else if (e->type == GST_AXION_EVENT_ZONE_LEFT) {
      left++;
      fail_unless (strstr (e->json, "\"zone\":\"mid\""));
    }
  }
  fail_unless_equals_int (ended, 2);
  fail_unless_equals_int (left, 1);
  /* then the EOS itself, and nothing more */
  while ((ev = gst_harness_try_pull_event (h)) &&
      GST_EVENT_TYPE (ev) != GST_EVENT_EOS)
    gst_event_unref (ev);
  fail_unless (ev != NULL);
  gst_event_unref (ev);
  fail_unless (gst_harness_try_pull (h) == NULL);
  g_ptr_array_set_size (seen, 0);

  /* a camera restart (new stream): the summaries go with the next frame */
  gst_harness_teardown (h);
  h = new_track (NULL);
  for (guint64 f = 0; f < 4; f++)
    collect_events (push_frame (h, f, &a, 1, TRUE, W, H), f, seen);
  g_ptr_array_set_size (seen, 0);
  gst_harness_push_event (h, gst_event_new_stream_start ("again"));
  collect_events (push_frame (h, 0, NULL, 0, TRUE, W, H), 0, seen);
  fail_unless_equals_int (seen->len, 1);
  fail_unless_equals_int (
      ((SeenEvent *) seen->pdata[0])->type, GST_AXION_EVENT_TRACK_ENDED);
  g_ptr_array_unref (seen);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* the size term of the association: a child (a box half as tall) steps
 * out in front of a standing adult on a frame where the detector misses
 * the adult; by overlap alone (IoU 0.29 > 0.2) the child's box would take
 * the adult's track, with the size term it starts its own */
GST_START_TEST (test_size_keeps_ids_apart)
{
  GstHarness *h = new_track (NULL);
  TsDet adult = { 0.465f, 0.38f, 0.07f, 0.24f, 0.9f, 1 };
  TsDet child = { 0.48f, 0.5f, 0.04f, 0.12f, 0.9f, 2 };
  TsDet both[2] = { adult, child };
  gint64 adult_id = -1, id;

  for (guint64 f = 0; f < 6; f++)
    adult_id = first_track_id (push_frame (h, f, &adult, 1, TRUE, W, H));
  fail_unless (adult_id > 0);
  id = first_track_id (push_frame (h, 6, &child, 1, TRUE, W, H));
  fail_unless (
      id != adult_id, "the child took the adult's track %" G_GINT64_FORMAT, id);
  /* both seen again: each keeps (or gets) their own */
  for (guint64 f = 7; f < 10; f++) {
    GstBuffer *out = push_frame (h, f, both, 2, TRUE, W, H);
    GArray *objs = tracked (out, W, H);
    for (guint i = 0; i < objs->len; i++) {
      TsObj *o = &g_array_index (objs, TsObj, i);
      if (o->h > 0.2f) {
        fail_unless_equals_int64 (o->id, adult_id);
      } else {
        fail_unless (o->id != adult_id);
      }
    }
    g_array_unref (objs);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

/* no detections at all, then 200 per frame: every one gets its own id */
GST_START_TEST (test_zero_and_200_detections)
{
  GstHarness *h = new_track (NULL);
  TsDet d[200];
  GstBuffer *out = NULL;
  GHashTable *ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  GArray *objs;

  for (guint64 f = 0; f < 5; f++)
    gst_buffer_unref (push_frame (h, f, NULL, 0, TRUE, W, H));
  for (guint i = 0; i < 200; i++) {
    TsDet one = { (i % 20) * 0.05f, (i / 20) * 0.1f, 0.04f, 0.08f, 0.9f, i };
    d[i] = one;
  }
  for (guint64 f = 5; f < 13; f++) {
    if (out)
      gst_buffer_unref (out);
    out = push_frame (h, f, d, 200, f % 3 == 0, W, H);
  }
  /* frame 12 is inferred: 3 matches (6, 9, 12) */
  objs = tracked (out, W, H);
  fail_unless_equals_int (objs->len, 200);
  for (guint i = 0; i < objs->len; i++)
    g_hash_table_add (ids, &g_array_index (objs, TsObj, i).id);
  fail_unless_equals_int (g_hash_table_size (ids), 200);
  g_hash_table_unref (ids);
  g_array_unref (objs);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_bad_zones_fail_at_start)
{
  GstElement *e = gst_element_factory_make ("axiontrack", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  gst_element_set_bus (e, bus);
  g_object_set (e, "zones", "door: 0.1,0.1 1.5,0.1 0.5,0.5", NULL);
  fail_unless_equals_int (
      gst_element_set_state (e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "door"), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
}
GST_END_TEST;

/* opencv facedetect's regions: roi_type "face", no params, no confidence
 * (counted as confident); the track id goes into a new detection param */
GST_START_TEST (test_regions_without_params)
{
  GstHarness *h = new_track (NULL);
  gint64 id = -1;

  for (guint64 f = 0; f < 4; f++) {
    GstBuffer *buf = gst_buffer_new ();
    GstAxionFrameMeta *m = gst_buffer_add_axion_frame_meta (buf);
    GstVideoRegionOfInterestMeta *roi;
    GstBuffer *out;
    gpointer state = NULL;
    const gchar *label;

    gst_axion_frame_meta_set_camera_id (m, "cam1");
    GST_BUFFER_PTS (buf) = f * GST_SECOND / FPS;
    gst_buffer_add_video_region_of_interest_meta (
        buf, "face", 100 + f, 100, 80, 80);
    out = gst_harness_push_and_pull (h, buf);
    roi = (GstVideoRegionOfInterestMeta *) gst_buffer_iterate_meta_filtered (
        out, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
    fail_unless (gst_axion_roi_get_detection (roi, &label, NULL, &id));
    fail_unless_equals_string (label, "face");
    gst_buffer_unref (out);
  }
  fail_unless (id > 0);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* the detector on every 10th frame only (a busy accelerator): a person
 * walking 0.004 of the width per frame (0.8 of a box width between two
 * inferences) keeps one id, and add-predicted gives a box on every frame
 * in between, near the person */
GST_START_TEST (test_sparse_inference_keeps_id)
{
  GstHarness *h = new_track (NULL);
  GHashTable *ids = g_hash_table_new_full (
      g_int64_hash, g_int64_equal, g_free, NULL);
  guint boxes = 0;

  g_object_set (h->element, "add-predicted", TRUE, NULL);
  for (guint64 f = 0; f < 200; f++) {
    gfloat x = 0.1f + 0.004f * f;
    TsDet d = person_at (x, 0.7f);
    GstBuffer *out = push_frame (h, f, &d, 1, f % 10 == 0, W, H);
    GArray *objs = tracked (out, W, H);

    for (guint i = 0; i < objs->len; i++) {
      TsObj *o = &g_array_index (objs, TsObj, i);
      g_hash_table_add (ids, g_memdup2 (&o->id, sizeof (gint64)));
      boxes++;
      /* within a quarter of a box width of the truth */
      fail_unless (fabsf (o->x + o->w / 2 - x) < 0.0125f,
          "frame %" G_GUINT64_FORMAT ": at %.3f, truth %.3f", f,
          o->x + o->w / 2, x);
    }
    g_array_unref (objs);
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (g_hash_table_size (ids), 1);
  /* born at the 2nd inference (frame 10): a box on every frame since */
  fail_unless_equals_int (boxes, 190);
  g_hash_table_destroy (ids);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* camera-id on axiontrack: into frames without one, and announced to the
 * later elements */
GST_START_TEST (test_camera_id)
{
  GstHarness *h = new_track (NULL);
  GstBuffer *out;
  GstEvent *ev;
  gboolean announced = FALSE;

  g_object_set (h->element, "camera-id", "gate-7", NULL);
  out = gst_harness_push_and_pull (h, gst_buffer_new ());
  fail_unless_equals_string (
      gst_buffer_get_axion_frame_meta (out)->camera_id, "gate-7");
  gst_buffer_unref (out);
  while ((ev = gst_harness_try_pull_event (h))) {
    const gchar *id;
    if (gst_axion_camera_id_event_parse (ev, &id, NULL))
      announced |= g_str_equal (id, "gate-7");
    gst_event_unref (ev);
  }
  fail_unless (announced);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* zones changed while playing: a wrong value is refused with a warning
 * (the old zones stay), a good one applies from the next frame */
GST_START_TEST (test_zones_change_while_playing)
{
  GstHarness *h = new_track (NULL);
  GstBus *bus = gst_bus_new ();
  GPtrArray *seen = g_ptr_array_new_with_free_func (seen_free);
  TsDet d = person_at (0.5f, 0.5f);
  GstMessage *msg;
  GError *err = NULL;
  guint64 f = 0;

  gst_element_set_bus (h->element, bus);
  g_object_set (
      h->element, "zones", "a: 0.4,0.4 0.6,0.4 0.6,0.6 0.4,0.6", NULL);
  for (; f < 4; f++)
    collect_events (push_frame (h, f, &d, 1, TRUE, W, H), f, seen);
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_ZONE_ENTERED), 1);
  g_object_set (h->element, "zones", "a: 0.4,0.4 0.6", NULL);
  collect_events (push_frame (h, f, &d, 1, TRUE, W, H), f, seen);
  f++;
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (strstr (err->message, "zone \"a\""), "%s", err->message);
  g_clear_error (&err);
  gst_message_unref (msg);
  {
    gchar *z;
    g_object_get (h->element, "zones", &z, NULL);
    fail_unless_equals_string (z, "a: 0.4,0.4 0.6,0.4 0.6,0.6 0.4,0.6");
    g_free (z);
  }
  /* a new zone "b": the person is in it from the next frame */
  g_object_set (
      h->element, "zones", "b: 0.3,0.3 0.7,0.3 0.7,0.7 0.3,0.7", NULL);
  collect_events (push_frame (h, f, &d, 1, TRUE, W, H), f, seen);
  fail_unless_equals_int (count_of (seen, GST_AXION_EVENT_ZONE_ENTERED), 2);
  fail_unless (strstr (
      nth_of (seen, GST_AXION_EVENT_ZONE_ENTERED, 1)->json, "\"zone\":\"b\""));
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_ptr_array_unref (seen);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* the rows: track_id in objects_detected, event_data of a track event */
GST_START_TEST (test_rows_carry_tracks)
{
  GstHarness *h = new_track (NULL);
  GPtrArray *seen = g_ptr_array_new_with_free_func (seen_free);
  TsDet d = person_at (0.5f, 0.5f);
  GstBuffer *out = NULL;
  GstAxionFrameMeta *m;
  GstAxionRow *row;
  GstAxionFrameEvent ev;

  g_object_set (
      h->element, "zones", "mid: 0.4,0.4 0.6,0.4 0.6,0.6 0.4,0.6", NULL);
  /* born on the second frame (min-hits 2), inside the zone */
  for (guint64 f = 0; f < 2; f++) {
    if (out)
      gst_buffer_unref (out);
    out = push_frame (h, f, &d, 1, TRUE, W, H);
  }
  m = gst_buffer_get_axion_frame_meta (out);
  fail_unless_equals_int (m->n_events, 1);
  ev = m->events[0];
  fail_unless_equals_int (ev.type, GST_AXION_EVENT_ZONE_ENTERED);
  /* buffer copies keep the event data */
  {
    GstBuffer *copy = gst_buffer_copy (out);
    gst_buffer_unref (out);
    out = copy;
  }
  m = gst_buffer_get_axion_frame_meta (out);
  row = gst_axion_row_camera_event (m, &ev, out, NULL, NULL);
  fail_unless (row != NULL);
  fail_unless_equals_string (
      gst_axion_row_get_text (row, "event_type"), "zone_entered");
  fail_unless (
      strstr (gst_axion_row_get_text (row, "event_data"), "\"zone\":\"mid\""));
  fail_unless (strstr (
      gst_axion_row_get_text (row, "objects_detected"), "\"track_id\":"));
  gst_axion_row_free (row);
  gst_buffer_unref (out);
  g_ptr_array_unref (seen);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* axionalert's track rules: one alert per track, not per frame; the
 * alert points at the track event's row */
GST_START_TEST (test_alert_rules_on_track_events)
{
  GstHarness *h = gst_harness_new_parse (
      "axiontrack zones=\"door: 0.4,0 0.6,0 0.6,1 0.4,1\" "
      "lines=\"gate: 0.8,0 0.8,1\" min-hits=2 ! axionalert rules=\"track, "
      "name=in-door, event=zone_entered, target=door, class=person; track, "
      "name=gate-in, event=line_crossed, direction=right-to-left; track, "
      "name=crowd, event=zone_entered, target=door, min-occupancy=2\"");
  guint door = 0, gate = 0, entered = 0, crowd = 0;

  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=1280,height=720,framerate=30/1");
  /* two people walk east through the door (x 0.4-0.6) and over the gate
   * (x 0.8); the first turns back into the door: no second alert */
  for (guint64 f = 0; f < 260; f++) {
    gfloat x1 = f < 150 ? 0.1f + 0.005f * f : 0.85f - 0.005f * (f - 150);
    TsDet d[2] = { person_at (x1, 0.3f),
      person_at (MIN (0.05f + 0.005f * f, 0.95f), 0.9f) };
    GstBuffer *out = push_frame (h, f, d, 2, TRUE, W, H);
    gpointer state = NULL;
    GstMeta *m;
    GstAxionFrameMeta *ofm = gst_buffer_get_axion_frame_meta (out);

    entered += gst_axion_frame_meta_get_event_id (
                   ofm, GST_AXION_EVENT_ZONE_ENTERED) != 0;
    while ((m = gst_buffer_iterate_meta_filtered (
                out, &state, GST_AXION_ALERT_META_API_TYPE))) {
      GstAxionAlert *a = ((GstAxionAlertMeta *) m)->alert;
      GstAxionFrameMeta *fm = gst_buffer_get_axion_frame_meta (out);
      g_print ("frame %" G_GUINT64_FORMAT ": %s: %s %s\n", f, a->rule, a->title,
          a->data_json);
      fail_unless (a->trigger_event_id ==
          gst_axion_frame_meta_get_event_id (fm,
              g_str_equal (a->rule, "gate-in") ? GST_AXION_EVENT_LINE_CROSSED
                                               : GST_AXION_EVENT_ZONE_ENTERED));
      if (g_str_equal (a->rule, "crowd")) {
        /* the second person in the door: two there */
        crowd++;
        fail_unless (strstr (a->data_json, "\"occupancy\":2"));
      } else if (g_str_equal (a->rule, "in-door")) {
        door++;
        fail_unless (strstr (a->title, "person entered door"));
      } else {
        gate++;
        fail_unless (strstr (a->data_json, "\"direction\":\"right-to-left\""));
      }
    }
    gst_buffer_unref (out);
  }
  /* three entries (the first person came back), two alerts */
  fail_unless_equals_int (entered, 3);
  fail_unless_equals_int (door, 2);
  fail_unless_equals_int (crowd, 1);
  /* both cross the gate eastwards (right-to-left of a southward line);
   * the first crosses back westwards: not this rule's direction */
  fail_unless_equals_int (gate, 2);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *
axiontrack_suite (void)
{
  Suite *s = suite_create ("axiontrack");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_geometry);
  tcase_add_test (tc, test_noisy_scene_mota_idf1);
  tcase_add_test (tc, test_clean_scene_and_metrics);
  tcase_add_test (tc, test_scripted_zone_line_dwell);
  tcase_add_test (tc, test_time_going_back);
  tcase_add_test (tc, test_occupancy_and_many_events);
  tcase_add_test (tc, test_formats_and_sizes);
  tcase_add_test (tc, test_renegotiation_keeps_tracks);
  tcase_add_test (tc, test_restart_resets_tracks);
  tcase_add_test (tc, test_zero_and_200_detections);
  tcase_add_test (tc, test_bad_zones_fail_at_start);
  tcase_add_test (tc, test_zones_change_while_playing);
  tcase_add_test (tc, test_regions_without_params);
  tcase_add_test (tc, test_camera_id);
  tcase_add_test (tc, test_sparse_inference_keeps_id);
  tcase_add_test (tc, test_lost_track_reactivated);
  tcase_add_test (tc, test_size_keeps_ids_apart);
  tcase_add_test (tc, test_tracks_end_at_eos_and_restart);
  tcase_add_test (tc, test_rows_carry_tracks);
  tcase_add_test (tc, test_alert_rules_on_track_events);
  return s;
}

GST_CHECK_MAIN (axiontrack);
