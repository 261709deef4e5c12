/* Benchmark: axionmotion and axionhash against gst-plugins-bad motioncells
 * (opencv), on the same synthetic frames, in one run.
 *
 * Prints, for 1080p and 720p: CPU ms per frame (CPU time of the whole
 * process around each push, so work an element hands to helper threads —
 * motioncells' OpenCV runs some on TBB workers — counts too; nothing else
 * runs in the process meanwhile) of
 * axionmotion, axionhash (all outputs), both together, and motioncells,
 * and the speed ratio motioncells / axionmotion. Then detection quality of
 * both on the synthetic ground truth: precision, recall and F1 of region
 * boxes (IoU >= 0.3; motioncells' cells are merged into boxes).
 *
 * Each element gets frames in its own input format, converted beforehand
 * (I420 for Axion, RGB for motioncells, which only accepts RGB). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/axion/axion.h>
#include <stdio.h>
#include <time.h>
#include "synth.h"

#define N_FRAMES 60
#define ROUNDS 5
#define IOU_MIN 0.3

static gdouble
cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static GstBuffer **
render (gint w, gint h, GstVideoFormat fmt, gint n, SynthBox (*truth)[4],
    guint *n_truth)
{
  SynthParams p;
  Synth *s;
  GstBuffer **frames = g_new (GstBuffer *, n);

  synth_params_init (&p, w, h, 77);
  p.n_objects = 3;
  p.objects_from = 10;
  s = synth_new (&p);
  for (gint i = 0; i < n; i++)
    frames[i] = synth_buffer (
        s, i, fmt, truth ? truth[i] : NULL, n_truth ? &n_truth[i] : NULL);
  synth_free (s);
  return frames;
}

/* CPU ms per frame of @desc over ROUNDS passes of @frames (after 5 warm-up
 * frames). @fresh: each frame is first copied into a new buffer, outside the
 * timing, so it arrives just written, in the caches, as a decoder's output
 * does; else the frames come from memory (60 frames of 1.4-3 MB cycle
 * through far more than the caches hold). */
static gdouble
time_element_full (const gchar *desc, const gchar *caps, GstBuffer **frames,
    gint n, gboolean fresh)
{
  GstHarness *h;
  gdouble total = 0;

  /* the process's CPU time counts every thread: let the worker threads of
   * an element measured before (motioncells' OpenCV/TBB pool spins for a
   * while after its work) go idle first */
  g_usleep (500 * G_TIME_SPAN_MILLISECOND);
  h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, caps);
  /* ROUNDS passes over the frames (they stay pristine: each push works on
   * a copy), so run-to-run noise averages out */
  for (gint i = 0; i < n * ROUNDS; i++) {
    GstBuffer *in = fresh ? gst_buffer_copy_deep (frames[i % n])
                          : gst_buffer_ref (frames[i % n]),
              *out;
    gdouble t0 = cpu_ms ();
    out = gst_harness_push_and_pull (h, in);
    if (i >= 5)
      total += cpu_ms () - t0;
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
  return total / (n * ROUNDS - 5);
}

static gdouble
time_element (const gchar *desc, const gchar *caps, GstBuffer **frames, gint n)
{
  return time_element_full (desc, caps, frames, n, FALSE);
}

static void
speed (gint w, gint h)
{
  GstBuffer **i420 = render (w, h, GST_VIDEO_FORMAT_I420, N_FRAMES, NULL, NULL);
  GstBuffer **rgb = render (w, h, GST_VIDEO_FORMAT_RGB, N_FRAMES, NULL, NULL);
  gchar *ci = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,"
                               "framerate=10/1",
      w, h);
  gchar *cr = g_strdup_printf ("video/x-raw,format=RGB,width=%d,height=%d,"
                               "framerate=10/1",
      w, h);
  gdouble m, m160, hs, both, mc, floor_ms, mf, mcf;

  /* the harness's own cost per frame (push, pull, buffer handling) */
  floor_ms = time_element ("identity", ci, i420, N_FRAMES);
  m = time_element ("axionmotion", ci, i420, N_FRAMES);
  m160 = time_element ("axionmotion analysis-width=160", ci, i420, N_FRAMES);
  hs = time_element ("axionhash", ci, i420, N_FRAMES);
  both = time_element ("axionmotion ! axionhash", ci, i420, N_FRAMES);
  mf = time_element_full ("axionmotion", ci, i420, N_FRAMES, TRUE);
  /* motioncells last: its thread pool outlives it */
  mc = time_element (
      "motioncells display=false postallmotion=true", cr, rgb, N_FRAMES);
  mcf = time_element_full (
      "motioncells display=false postallmotion=true", cr, rgb, N_FRAMES, TRUE);
  g_print ("%dx%d  axionmotion %.3f ms/frame | axionhash %.3f ms/frame | "
           "both %.3f ms/frame | motioncells %.3f ms/frame\n",
      w, h, m, hs, both, mc);
  g_print ("%dx%d  (harness floor, identity: %.3f ms/frame, included in "
           "every number above)\n",
      w, h, floor_ms);
  g_print ("%dx%d  speed ratio motioncells/axionmotion = %.1fx (goal >= 25x: "
           "%s); axionmotion+axionhash %.3f ms/frame (goal <= 1.5 ms at "
           "1080p: %s)\n",
      w, h, mc / m, mc / m >= 25 ? "met" : "MISSED", both,
      (h < 1080 || both <= 1.5) ? "met" : "MISSED");
  g_print ("%dx%d  axionmotion analysis-width=160: %.3f ms/frame, ratio "
           "%.1fx\n",
      w, h, m160, mc / m160);
  g_print ("%dx%d  frames just written, as from a decoder: axionmotion %.3f "
           "ms/frame | motioncells %.3f ms/frame | ratio %.1fx\n",
      w, h, mf, mcf, mcf / mf);
  for (gint i = 0; i < N_FRAMES; i++) {
    gst_buffer_unref (i420[i]);
    gst_buffer_unref (rgb[i]);
  }
  g_free (i420);
  g_free (rgb);
  g_free (ci);
  g_free (cr);
}

typedef struct
{
  guint tp, fp, fn;
} Score;

static void
score_frame (Score *sc, SynthBox *truth, guint nt, SynthBox *pred, guint np)
{
  gboolean used[256] = { FALSE };

  for (guint t = 0; t < nt; t++) {
    gint best = -1;
    gdouble bi = IOU_MIN;
    for (guint q = 0; q < np; q++) {
      gdouble iou = synth_iou (&truth[t], &pred[q]);
      if (!used[q] && iou >= bi) {
        bi = iou;
        best = q;
      }
    }
    if (best >= 0) {
      used[best] = TRUE;
      sc->tp++;
    } else {
      sc->fn++;
    }
  }
  for (guint q = 0; q < np; q++)
    sc->fp += !used[q];
}

static void
print_score (const gchar *name, Score *sc)
{
  gdouble p = (gdouble) sc->tp / MAX (sc->tp + sc->fp, 1);
  gdouble r = (gdouble) sc->tp / MAX (sc->tp + sc->fn, 1);
  g_print ("  %-31s precision %.3f recall %.3f F1 %.3f (tp %u fp %u fn %u)\n",
      name, p, r, p + r > 0 ? 2 * p * r / (p + r) : 0, sc->tp, sc->fp, sc->fn);
}

/* motioncells cells "row:col,row:col" -> merged boxes (4-connected) */
static guint
cells_to_boxes (const gchar *idx, gint gx, gint gy, gint w, gint h,
    SynthBox *out, guint max)
{
  gboolean grid[64][64] = { { FALSE } };
  gint lab[64][64] = { { 0 } };
  gchar **cells = g_strsplit (idx, ",", -1);
  guint n = 0;

  for (gchar **c = cells; *c; c++) {
    gint r, col;
    if (sscanf (*c, "%d:%d", &r, &col) == 2 && r >= 0 && r < gy && col >= 0 &&
        col < gx && r < 64 && col < 64)
      grid[r][col] = TRUE;
  }
  g_strfreev (cells);
  for (gint r = 0; r < gy; r++)
    for (gint c = 0; c < gx; c++) {
      gint stack[4096][2], sp = 0, x0 = c, x1 = c, y0 = r, y1 = r;
      if (!grid[r][c] || lab[r][c] || n >= max)
        continue;
      lab[r][c] = n + 1;
      stack[sp][0] = r;
      stack[sp++][1] = c;
      while (sp > 0) {
        gint rr = stack[--sp][0], cc = stack[sp][1];
        static const gint d[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 },
          { 0, -1 } };
        x0 = MIN (x0, cc);
        x1 = MAX (x1, cc);
        y0 = MIN (y0, rr);
        y1 = MAX (y1, rr);
        for (gint k = 0; k < 4; k++) {
          gint nr = rr + d[k][0], nc = cc + d[k][1];
          if (nr >= 0 && nr < gy && nc >= 0 && nc < gx && grid[nr][nc] &&
              !lab[nr][nc] && sp < 4096) {
            lab[nr][nc] = n + 1;
            stack[sp][0] = nr;
            stack[sp++][1] = nc;
          }
        }
      }
      out[n].x = x0 * w / gx;
      out[n].y = y0 * h / gy;
      out[n].w = (x1 + 1) * w / gx - out[n].x;
      out[n].h = (y1 + 1) * h / gy - out[n].y;
      n++;
    }
  return n;
}

static void
accuracy (void)
{
  const gint w = 640, h = 360, n = 150, gx = 32, gy = 18;
  SynthBox (*truth)[4] = g_malloc_n (n, sizeof (SynthBox[4]));
  guint *nt = g_new (guint, n);
  GstBuffer **i420 = render (w, h, GST_VIDEO_FORMAT_I420, n, truth, nt);
  GstBuffer **rgb = render (w, h, GST_VIDEO_FORMAT_RGB, n, NULL, NULL);
  GstHarness *ha = gst_harness_new ("axionmotion");
  gchar *desc = g_strdup_printf (
      "motioncells display=false postallmotion=true gridx=%d gridy=%d", gx, gy);
  GstHarness *hm = gst_harness_new_parse (desc);
  GstBus *bus = gst_bus_new ();
  Score sa = { 0 }, sm = { 0 };
  GstElement *mc = NULL;
  GstIterator *it;
  GValue v = G_VALUE_INIT;

  it = gst_bin_iterate_elements (GST_BIN (hm->element));
  if (gst_iterator_next (it, &v) == GST_ITERATOR_OK)
    mc = g_value_dup_object (&v);
  g_value_unset (&v);
  gst_iterator_free (it);
  gst_element_set_bus (mc, bus);

  gst_harness_set_src_caps_str (ha,
      "video/x-raw,format=I420,width=640,"
      "height=360,framerate=10/1");
  gst_harness_set_src_caps_str (hm,
      "video/x-raw,format=RGB,width=640,"
      "height=360,framerate=10/1");
  for (gint i = 0; i < n; i++) {
    SynthBox pred[256];
    GstBuffer *out = gst_harness_push_and_pull (ha, gst_buffer_ref (i420[i]));
    guint np = synth_motion_boxes (out, pred, G_N_ELEMENTS (pred));
    GstMessage *msg;

    gst_buffer_unref (out);
    if (i >= 20)
      score_frame (&sa, truth[i], nt[i], pred, np);

    out = gst_harness_push_and_pull (hm, gst_buffer_ref (rgb[i]));
    gst_buffer_unref (out);
    np = 0;
    while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
      const gchar *idx = gst_structure_get_string (
          gst_message_get_structure (msg), "motion_cells_indices");
      if (idx)
        np = cells_to_boxes (idx, gx, gy, w, h, pred, 256);
      gst_message_unref (msg);
    }
    if (i >= 20)
      score_frame (&sm, truth[i], nt[i], pred, np);
  }
  g_print ("detection on %d synthetic 640x360 frames (3 moving objects, noise "
           "sigma 6), IoU >= %.1f:\n",
      n - 20, IOU_MIN);
  print_score ("axionmotion", &sa);
  g_print (
      "  (motioncells gridx=%d gridy=%d, cells merged into boxes)\n", gx, gy);
  print_score ("motioncells", &sm);

  gst_element_set_bus (mc, NULL);
  gst_object_unref (mc);
  gst_object_unref (bus);
  gst_harness_teardown (ha);
  gst_harness_teardown (hm);
  for (gint i = 0; i < n; i++) {
    gst_buffer_unref (i420[i]);
    gst_buffer_unref (rgb[i]);
  }
  g_free (i420);
  g_free (rgb);
  g_free (truth);
  g_free (nt);
  g_free (desc);
}

/* axionmotion alone on 1080p synthetic frames, for an analysis width */
static void
accuracy_1080p (const gchar *desc)
{
  const gint w = 1920, h = 1080, n = 80;
  SynthBox (*truth)[4] = g_malloc_n (n, sizeof (SynthBox[4]));
  guint *nt = g_new (guint, n);
  GstBuffer **i420 = render (w, h, GST_VIDEO_FORMAT_I420, n, truth, nt);
  GstHarness *ha = gst_harness_new_parse (desc);
  Score sa = { 0 };

  gst_harness_set_src_caps_str (ha,
      "video/x-raw,format=I420,width=1920,"
      "height=1080,framerate=10/1");
  for (gint i = 0; i < n; i++) {
    SynthBox pred[256];
    GstBuffer *out = gst_harness_push_and_pull (ha, i420[i]);
    guint np = synth_motion_boxes (out, pred, G_N_ELEMENTS (pred));

    gst_buffer_unref (out);
    if (i >= 20)
      score_frame (&sa, truth[i], nt[i], pred, np);
  }
  g_print ("detection on %d synthetic 1920x1080 frames, IoU >= %.1f:\n", n - 20,
      IOU_MIN);
  print_score (desc, &sa);
  gst_harness_teardown (ha);
  g_free (i420);
  g_free (truth);
  g_free (nt);
}

int
main (int argc, char **argv)
{
  GstElementFactory *f;

  gst_init (&argc, &argv);
  f = gst_element_factory_find ("motioncells");
  if (f == NULL) {
    g_printerr ("motioncells not found: apt-get install gstreamer1.0-opencv\n");
    return 77; /* skip */
  }
  gst_object_unref (f);
  speed (1920, 1080);
  speed (1280, 720);
  accuracy ();
  accuracy_1080p ("axionmotion");
  accuracy_1080p ("axionmotion analysis-width=160");
  return 0;
}
