/* Synthetic camera sequences with ground truth, for tests and benchmarks.
 *
 * A textured background (large-scale gradients, mid-scale value noise),
 * textured objects (a coarse checkerboard far from the background's
 * levels) moving in separate horizontal lanes, Gaussian sensor noise, and
 * global illumination effects: a gain ramp, a step, flicker. Each frame
 * comes with the boxes of the objects visible in it. */
#ifndef __AXION_SYNTH_H__
#define __AXION_SYNTH_H__

#include <gst/video/video.h>

G_BEGIN_DECLS

typedef struct
{
  gint x, y, w, h;
} SynthBox;

typedef struct
{
  gint width, height;
  guint32 seed;               /* background texture and noise */
  gdouble noise_sigma;        /* luma levels */
  guint n_objects;            /* 0..4, each in its own lane */
  gint objects_from;          /* first frame with objects */
  gint objects_until;         /* first frame without them again (-1: never) */
  gdouble object_size;        /* object width as a fraction of the width */
  gdouble speed;              /* pixels per frame, as a fraction of the width */
  gdouble ramp_from, ramp_to; /* illumination gain over ramp_frames */
  gint ramp_frames;
  gint step_frame; /* from this frame on, gain *= step_gain (-1: none) */
  gdouble step_gain;
  gdouble flicker; /* gain alternates 1 +- flicker per frame */
  /* a quarter of an object's cells change each frame, as a walking
   * person's limbs and folds do (FALSE: a rigid pattern, which an
   * encoder's motion search predicts exactly) */
  gboolean object_changes;
} SynthParams;

typedef struct _Synth Synth;

void synth_params_init (SynthParams *p, gint width, gint height, guint32 seed);
Synth *synth_new (const SynthParams *p);
void synth_free (Synth *s);
/* luma of frame @index into @y (stride bytes per row); truth boxes (at most
 * 4) into @boxes, their number returned */
guint
synth_render (Synth *s, gint index, guint8 *y, gint stride, SynthBox *boxes);
/* a whole buffer in @format (GRAY8, I420, NV12 luma + neutral chroma; RGB
 * family as grey) */
GstBuffer *synth_buffer (Synth *s, gint index, GstVideoFormat format,
    SynthBox *boxes, guint *n_boxes);
gdouble synth_iou (const SynthBox *a, const SynthBox *b);
/* the motion regions an element put on @buf, at most @max, into @boxes */
guint synth_motion_boxes (GstBuffer *buf, SynthBox *boxes, guint max);

G_END_DECLS

#endif
