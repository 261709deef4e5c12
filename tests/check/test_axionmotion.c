/* Unit tests: axionmotion against synthetic sequences with ground truth. */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include "synth.h"

#define W 640
#define H 360

typedef struct
{
  guint frames;
  guint motion_frames; /* frames with at least one region */
  guint tp, fp, fn;    /* region matches (IoU >= 0.5) */
  gint start_frames[16], end_frames[16];
  guint n_start, n_end;
  GList *zone_msgs; /* "start:zone@frame" strings */
} Result;

static void
result_clear (Result *r)
{
  g_list_free_full (r->zone_msgs, g_free);
}

static GstHarness *
new_motion_harness (const gchar *props, GstBus **bus)
{
  gchar *desc = g_strdup_printf ("axionmotion name=m %s", props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);
  gchar *caps = g_strdup_printf (
      "video/x-raw,format=GRAY8,width=%d,height=%d,framerate=10/1", W, H);

  g_free (desc);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  return h;
}

static void
collect_messages (GstBus *bus, Result *r)
{
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (m);
    if (gst_structure_has_name (s, "axion-motion")) {
      const gchar *ev = gst_structure_get_string (s, "event");
      const gchar *zone = gst_structure_get_string (s, "zone");
      guint64 f;
      gst_structure_get_uint64 (s, "frame-number", &f);
      if (zone)
        r->zone_msgs = g_list_append (r->zone_msgs,
            g_strdup_printf ("%s:%s@%" G_GUINT64_FORMAT, ev, zone, f));
      else if (g_str_equal (ev, "start") && r->n_start < 16)
        r->start_frames[r->n_start++] = (gint) f;
      else if (g_str_equal (ev, "end") && r->n_end < 16)
        r->end_frames[r->n_end++] = (gint) f;
    }
    gst_message_unref (m);
  }
}

/* Run frames [0, n) of @p; score regions on frames >= eval_from. */
static void
run_sequence (
    const SynthParams *p, gint n, gint eval_from, const gchar *props, Result *r)
{
  Synth *s = synth_new (p);
  GstBus *bus;
  GstHarness *h = new_motion_harness (props, &bus);

  memset (r, 0, sizeof (*r));
  for (gint i = 0; i < n; i++) {
    SynthBox truth[4], pred[64];
    guint nt, np;
    GstBuffer *out;
    gboolean used[64] = { FALSE };

    out = gst_harness_push_and_pull (
        h, synth_buffer (s, i, GST_VIDEO_FORMAT_GRAY8, truth, &nt));
    fail_unless (out != NULL);
    np = synth_motion_boxes (out, pred, G_N_ELEMENTS (pred));
    r->frames++;
    r->motion_frames += np > 0;
    if (i >= eval_from) {
      for (guint t = 0; t < nt; t++) {
        gint best = -1;
        gdouble best_iou = 0.5;
        for (guint q = 0; q < np; q++) {
          gdouble iou = synth_iou (&truth[t], &pred[q]);
          if (!used[q] && iou >= best_iou) {
            best = q;
            best_iou = iou;
          }
        }
        if (best >= 0) {
          used[best] = TRUE;
          r->tp++;
        } else {
          r->fn++;
        }
      }
      for (guint q = 0; q < np; q++)
        r->fp += !used[q];
    }
    gst_buffer_unref (out);
  }
  collect_messages (bus, r);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  synth_free (s);
}

GST_START_TEST (test_regions_precision_recall)
{
  SynthParams p;
  Result r;
  gdouble precision, recall;

  synth_params_init (&p, W, H, 1);
  p.n_objects = 3;
  p.objects_from = 30;
  run_sequence (&p, 200, 40, NULL, &r);
  precision = (gdouble) r.tp / MAX (r.tp + r.fp, 1);
  recall = (gdouble) r.tp / MAX (r.tp + r.fn, 1);
  GST_INFO ("precision %.3f recall %.3f (tp %u fp %u fn %u)", precision, recall,
      r.tp, r.fp, r.fn);
  fail_unless (r.tp > 300, "too few objects evaluated: %u", r.tp);
  fail_unless (
      precision >= 0.9, "precision %.3f (tp %u fp %u)", precision, r.tp, r.fp);
  fail_unless (recall >= 0.9, "recall %.3f (tp %u fn %u)", recall, r.tp, r.fn);
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_static_noisy_scene)
{
  SynthParams p;
  Result r;

  synth_params_init (&p, W, H, 2);
  p.noise_sigma = 10;
  run_sequence (&p, 300, 0, NULL, &r);
  fail_unless (r.motion_frames * 100 <= r.frames,
      "%u of %u frames with false motion", r.motion_frames, r.frames);
  fail_unless_equals_int (r.n_start, 0);
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_illumination_ramp)
{
  SynthParams p;
  Result r;

  /* the light rises by 60% over 30 s at 10 fps, then falls back: clouds,
   * dusk, auto exposure */
  synth_params_init (&p, W, H, 3);
  p.ramp_from = 0.75;
  p.ramp_to = 1.2;
  p.ramp_frames = 300;
  run_sequence (&p, 300, 0, NULL, &r);
  fail_unless (r.motion_frames * 100 <= r.frames,
      "%u of %u frames with false motion during the ramp", r.motion_frames,
      r.frames);
  result_clear (&r);

  /* a fast ramp: 30% in 5 s */
  synth_params_init (&p, W, H, 4);
  p.ramp_from = 1.0;
  p.ramp_to = 0.7;
  p.ramp_frames = 50;
  run_sequence (&p, 150, 0, NULL, &r);
  fail_unless (r.motion_frames * 100 <= r.frames,
      "%u of %u frames with false motion during the fast ramp", r.motion_frames,
      r.frames);
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_illumination_step_and_flicker)
{
  SynthParams p;
  Result r;

  /* lights switch on: +40% at once */
  synth_params_init (&p, W, H, 5);
  p.step_frame = 60;
  p.step_gain = 1.4;
  run_sequence (&p, 150, 0, NULL, &r);
  fail_unless_equals_int (r.n_start, 0);
  fail_unless (r.motion_frames * 100 <= r.frames,
      "%u of %u frames with false motion around the step", r.motion_frames,
      r.frames);
  result_clear (&r);

  /* mains flicker: +-5% every other frame */
  synth_params_init (&p, W, H, 6);
  p.flicker = 0.05;
  run_sequence (&p, 150, 0, NULL, &r);
  fail_unless_equals_int (r.n_start, 0);
  fail_unless (r.motion_frames * 100 <= r.frames,
      "%u of %u frames with false motion under flicker", r.motion_frames,
      r.frames);
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_start_end_messages)
{
  SynthParams p;
  Result r;

  /* one object from frame 40 to 99; confirm 3, quiet 8 */
  synth_params_init (&p, W, H, 7);
  p.n_objects = 1;
  p.objects_from = 40;
  p.objects_until = 100;
  p.speed = 0.004;
  run_sequence (&p, 160, 0, "confirm-frames=3 quiet-frames=8", &r);
  fail_unless_equals_int (r.n_start, 1);
  fail_unless_equals_int (r.n_end, 1);
  /* start on the 3rd frame with motion: 42, +-3 */
  fail_unless (
      ABS (r.start_frames[0] - 42) <= 3, "start at %d", r.start_frames[0]);
  /* end after 8 quiet frames: last motion 99, end at 107, +-3 */
  fail_unless (ABS (r.end_frames[0] - 107) <= 3, "end at %d", r.end_frames[0]);
  result_clear (&r);
}

GST_END_TEST;

/* An object that arrives and stays fades into the background: moving
 * pixels learn at 1/20 of learning-rate. Both rates here are below the
 * model's 1/64 step for moving pixels (0.015 and 0.0025 per frame), so
 * they are applied every few frames; the larger one ends the motion within
 * the run, the smaller one not yet. */
GST_START_TEST (test_stopped_object_fades_in)
{
  SynthParams p;
  Result fast, slow;

  /* standing still, the first object would stay just outside the frame:
   * the second one is the object */
  synth_params_init (&p, W, H, 11);
  p.n_objects = 2;
  p.objects_from = 20;
  p.speed = 0.0;
  run_sequence (&p, 300, 0, "learning-rate=0.3 quiet-frames=10", &fast);
  run_sequence (&p, 300, 0, "learning-rate=0.05 quiet-frames=10", &slow);
  fail_unless_equals_int (fast.n_start, 1);
  fail_unless_equals_int (fast.n_end, 1);
  /* (1 - 0.015)^t: an edge of ~60 levels under the ~16-level threshold in
   * ~90 frames, plus the quiet frames */
  fail_unless (fast.end_frames[0] > 40 && fast.end_frames[0] < 250, "end at %d",
      fast.end_frames[0]);
  fail_unless_equals_int (slow.n_start, 1);
  fail_unless_equals_int (slow.n_end, 0);
  result_clear (&fast);
  result_clear (&slow);
}

GST_END_TEST;

GST_START_TEST (test_mask_and_zones)
{
  SynthParams p;
  Result r;

  /* objects 0 and 2 in lanes 0 (top quarter) and 2 (third quarter) */
  synth_params_init (&p, W, H, 8);
  p.n_objects = 3;
  p.objects_from = 20;

  /* mask everything but lane 1: only object 1 remains */
  run_sequence (
      &p, 80, 30, "mask=\"0,0 1,0 1,0.25 0,0.25; 0,0.5 1,0.5 1,1 0,1\"", &r);
  fail_unless (r.motion_frames > 30);
  /* two objects per frame are missed by design, none is invented */
  fail_unless (r.fp * 20 <= r.tp, "fp %u tp %u", r.fp, r.tp);
  fail_unless (r.fn >= r.tp, "masked objects were detected");
  result_clear (&r);

  /* zones: a zone over lane 2 sees its object, a zone over lane 3 (no
   * object, since n_objects=3) never starts */
  run_sequence (&p, 80, 30,
      "zones=\"lane2@0.6:0,0.5 1,0.5 1,0.75 0,0.75; lane3:0,0.76 1,0.76 1,1 "
      "0,1\"",
      &r);
  {
    gboolean lane2 = FALSE, lane3 = FALSE;
    for (GList *l = r.zone_msgs; l; l = l->next) {
      lane2 |= g_str_has_prefix (l->data, "start:lane2@");
      lane3 |= g_str_has_prefix (l->data, "start:lane3@");
    }
    fail_unless (lane2, "zone lane2 did not start");
    fail_if (lane3, "zone lane3 started without motion");
  }
  result_clear (&r);
}

GST_END_TEST;

GST_START_TEST (test_frame_meta_and_no_copy)
{
  SynthParams p;
  Synth *s;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *in, *out;
  GstAxionFrameMeta *m;
  GstMemory *mem;
  gint starts = 0, continues = 0;

  synth_params_init (&p, W, H, 9);
  p.n_objects = 1;
  p.objects_from = 10;
  s = synth_new (&p);
  h = new_motion_harness ("camera-id=CAM042 confirm-frames=2", &bus);
  for (gint i = 0; i < 30; i++) {
    in = synth_buffer (s, i, GST_VIDEO_FORMAT_GRAY8, NULL, NULL);
    mem = gst_buffer_peek_memory (in, 0);
    gst_buffer_ref (in); /* shared, like after a tee */
    out = gst_harness_push_and_pull (h, in);
    /* the pixels were not copied, even though the buffer was shared */
    fail_unless (gst_buffer_peek_memory (out, 0) == mem);
    gst_buffer_unref (in);
    m = gst_buffer_get_axion_frame_meta (out);
    fail_unless (m != NULL);
    fail_unless_equals_string (m->camera_id, "CAM042");
    fail_unless_equals_uint64 (m->frame_number, i);
    fail_unless (gst_axion_frame_meta_has (
        m, GST_AXION_FRAME_FIELD_MOTION | GST_AXION_FRAME_FIELD_CAPTURE_TIME));
    if (m->motion_state == GST_AXION_MOTION_STATE_START) {
      starts++;
      fail_unless (gst_axion_frame_meta_get_event_id (
                       m, GST_AXION_EVENT_MOTION_START) > 0);
    } else if (m->motion_state == GST_AXION_MOTION_STATE_CONTINUE) {
      continues++;
      fail_unless (m->motion_score > 0);
    }
    gst_buffer_unref (out);
  }
  fail_unless_equals_int (starts, 1);
  fail_unless (continues >= 15);
  {
    GstStructure *st;
    guint64 frames;
    GstElement *e = gst_bin_get_by_name (GST_BIN (h->element), "m");
    g_object_get (e, "stats", &st, NULL);
    gst_object_unref (e);
    gdouble cpu_ms, per_frame;
    fail_unless (gst_structure_get_uint64 (st, "frames", &frames));
    fail_unless_equals_uint64 (frames, 30);
    /* the CPU total (for per-window figures) and the per-frame average */
    fail_unless (gst_structure_get_double (st, "cpu-ms", &cpu_ms));
    fail_unless (gst_structure_get_double (st, "cpu-ms-per-frame", &per_frame));
    fail_unless (cpu_ms > 0);
    fail_unless (fabs (per_frame * frames - cpu_ms) < 1e-6 * cpu_ms);
    gst_structure_free (st);
  }
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  synth_free (s);
}

GST_END_TEST;

GST_START_TEST (test_bad_properties)
{
  GstElement *e = gst_element_factory_make ("axionmotion", NULL);
  gchar *v;

  /* invalid mask / zones are refused with a warning, value unchanged */
  g_object_set (e, "mask", "0,0 1,0 1,0.5", NULL);
  ASSERT_WARNING (g_object_set (e, "mask", "0,0 2,0 1,1", NULL));
  ASSERT_WARNING (g_object_set (e, "zones", "nocolon", NULL));
  ASSERT_WARNING (g_object_set (e, "camera-id", "bad:id", NULL));
  g_object_get (e, "mask", &v, NULL);
  fail_unless_equals_string (v, "0,0 1,0 1,0.5");
  g_free (v);
  gst_object_unref (e);
}

GST_END_TEST;

/* A digest of everything axionmotion reports (score, state, regions) on
 * two sequences: uniform thresholds with a slow learning rate, and a mask
 * with a zone of its own sensitivity (threshold maps). */
static gchar *
model_digest (void)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  const gchar *props[] = { "learning-rate=0.005",
    "mask=\"0,0 0.3,0 0.3,0.3 0,0.3\" "
    "zones=\"door@0.8:0.5,0 1,0 1,1 0.5,1\"" };
  gchar *out;

  for (guint k = 0; k < G_N_ELEMENTS (props); k++) {
    SynthParams p;
    Synth *s;
    GstBus *bus;
    GstHarness *h;

    synth_params_init (&p, W, H, 5 + k);
    p.n_objects = 3;
    p.objects_from = 10;
    p.ramp_from = 1.0;
    p.ramp_to = 1.3;
    p.ramp_frames = 80;
    s = synth_new (&p);
    h = new_motion_harness (props[k], &bus);
    for (gint i = 0; i < 120; i++) {
      GstBuffer *b = gst_harness_push_and_pull (
          h, synth_buffer (s, i, GST_VIDEO_FORMAT_GRAY8, NULL, NULL));
      GstAxionFrameMeta *m = gst_buffer_get_axion_frame_meta (b);
      SynthBox boxes[64];
      guint nb = synth_motion_boxes (b, boxes, G_N_ELEMENTS (boxes));

      g_checksum_update (
          sum, (const guchar *) &m->motion_score, sizeof (m->motion_score));
      g_checksum_update (
          sum, (const guchar *) &m->motion_state, sizeof (m->motion_state));
      g_checksum_update (sum, (const guchar *) boxes, nb * sizeof (SynthBox));
      gst_buffer_unref (b);
    }
    gst_element_set_bus (h->element, NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
    synth_free (s);
  }
  out = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return out;
}

static gchar *self_exe;

/* The AVX2 model pass and the portable one give the same model bit for
 * bit: the same outputs here and in a process with the other pass
 * (AXION_NO_AVX2 toggled). On a CPU without AVX2 both are the portable
 * pass. */
GST_START_TEST (test_model_passes_identical)
{
  gchar *here = model_digest (), *there = NULL;
  gchar **env = g_get_environ ();
  gchar *argv[] = { self_exe, (gchar *) "--digest", NULL };
  gint status = 0;
  GError *err = NULL;

  if (g_environ_getenv (env, "AXION_NO_AVX2"))
    env = g_environ_unsetenv (env, "AXION_NO_AVX2");
  else
    env = g_environ_setenv (env, "AXION_NO_AVX2", "1", TRUE);
  fail_unless (g_spawn_sync (NULL, argv, env, G_SPAWN_DEFAULT, NULL, NULL,
                   &there, NULL, &status, &err),
      "%s", err ? err->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL));
  g_strstrip (there);
  fail_unless_equals_string (here, there);
  g_free (here);
  g_free (there);
  g_strfreev (env);
}

GST_END_TEST;

static Suite *
axionmotion_suite (void)
{
  Suite *s = suite_create ("axionmotion");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_regions_precision_recall);
  tcase_add_test (tc, test_static_noisy_scene);
  tcase_add_test (tc, test_illumination_ramp);
  tcase_add_test (tc, test_illumination_step_and_flicker);
  tcase_add_test (tc, test_start_end_messages);
  tcase_add_test (tc, test_stopped_object_fades_in);
  tcase_add_test (tc, test_mask_and_zones);
  tcase_add_test (tc, test_frame_meta_and_no_copy);
  tcase_add_test (tc, test_bad_properties);
  tcase_add_test (tc, test_model_passes_identical);
  return s;
}

int
main (int argc, char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], "--digest")) {
    gchar *d;
    gst_init (NULL, NULL);
    d = model_digest ();
    g_print ("%s\n", d);
    g_free (d);
    return 0;
  }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (axionmotion_suite (), "axionmotion", __FILE__);
}
