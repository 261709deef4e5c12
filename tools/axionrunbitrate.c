/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's measured bitrate: a ring of the newest compressed frames
 * (timestamp, size, keyframe) filled by a pad probe on the streaming
 * thread and read once a second by the bandwidth controller.
 *
 * Why whole GOPs: a keyframe is typically 10-30 times a P-frame (the
 * sample cameras: 14 kB against 0.6 kB at 320x240), so a window of
 * frames that holds one keyframe more or less than the average is off by
 * up to 30 % (measured: 2 s GOP, 4 s window). From a keyframe to a later
 * keyframe every GOP is counted once: the rate is the stream's.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunbitrate.h"

#include <string.h>

/* 60 s at 60 fps: more than a window and several GOPs of any camera */
#define MAX_FRAMES 3600

/* A window never starts in the first 3 s of a stream: there rtspsrc's
 * jitterbuffer is still syncing to the sender's clock and the timestamps
 * run fast (measured on the sample server, 10 fps: frames 90-98 ms apart
 * for 1.9 s after connecting, exactly 100 ms after; a window over them
 * read 4.4 % high; starting after 2 s, the first windows after a switch
 * still read 2-3.7 % high in the runner) */
#define WARMUP (3 * GST_SECOND)

typedef struct
{
  GstClockTime ts;
  guint32 bytes;
  gboolean key;
} Frame;

struct _AxionRunBitrate
{
  GMutex lock;
  Frame ring[MAX_FRAMES];
  guint head, len; /* oldest at head */
  guint64 total;
  gint64 first_us;
  GstClockTime first_ts; /* the stream's first timestamp */
};

AxionRunBitrate *
axion_run_bitrate_new (void)
{
  AxionRunBitrate *b = g_new0 (AxionRunBitrate, 1);

  g_mutex_init (&b->lock);
  return b;
}

void
axion_run_bitrate_free (AxionRunBitrate *b)
{
  if (b == NULL)
    return;
  g_mutex_clear (&b->lock);
  g_free (b);
}

void
axion_run_bitrate_reset (AxionRunBitrate *b)
{
  g_mutex_lock (&b->lock);
  b->head = b->len = 0;
  b->total = 0;
  b->first_us = 0;
  g_mutex_unlock (&b->lock);
}

static Frame *
at (AxionRunBitrate *b, guint i)
{
  return &b->ring[(b->head + i) % MAX_FRAMES];
}

void
axion_run_bitrate_add (
    AxionRunBitrate *b, GstClockTime ts, gsize bytes, gboolean keyframe)
{
  Frame *f;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return;
  g_mutex_lock (&b->lock);
  /* a new segment (a reconnect, a looped file): old frames do not mix */
  if (b->len && ts < at (b, b->len - 1)->ts)
    b->head = b->len = 0;
  /* a new stream or segment: its own warm-up */
  if (b->len == 0)
    b->first_ts = ts;
  if (b->len == MAX_FRAMES) {
    b->head = (b->head + 1) % MAX_FRAMES;
    b->len--;
  }
  if (b->first_us == 0)
    b->first_us = g_get_monotonic_time ();
  f = at (b, b->len++);
  f->ts = ts;
  f->bytes = (guint32) MIN (bytes, G_MAXUINT32);
  f->key = keyframe;
  b->total += bytes;
  g_mutex_unlock (&b->lock);
}

gint64
axion_run_bitrate_first_us (AxionRunBitrate *b)
{
  gint64 t;

  g_mutex_lock (&b->lock);
  t = b->first_us;
  g_mutex_unlock (&b->lock);
  return t;
}

guint64
axion_run_bitrate_bytes (AxionRunBitrate *b)
{
  guint64 t;

  g_mutex_lock (&b->lock);
  t = b->total;
  g_mutex_unlock (&b->lock);
  return t;
}

/* bits per second of frames [a, n): frame n's timestamp ends the span */
static gdouble
rate (AxionRunBitrate *b, guint a, guint n)
{
  guint64 sum = 0;
  GstClockTime span = at (b, n)->ts - at (b, a)->ts;

  for (guint i = a; i < n; i++)
    sum += at (b, i)->bytes;
  return span ? sum * 8.0 * GST_SECOND / span : -1;
}

gdouble
axion_run_bitrate_kbps (AxionRunBitrate *b, GstClockTime window)
{
  gdouble bps = -1;
  gint last_key = -1, a = -1;
  GstClockTime start;

  g_mutex_lock (&b->lock);
  start = b->first_ts + WARMUP;
  if (b->len < 2 || at (b, b->len - 1)->ts < start + GST_SECOND)
    goto done;
  /* whole GOPs: the newest keyframe ends the span, the newest keyframe
   * at least @window before it (and after the warm-up) starts it; until
   * the stream has run that long, the oldest keyframe after the warm-up
   * (whole GOPs over less time are exact too; a window of frames cut
   * mid-GOP read 3-4 % low in a first second) */
  for (gint i = b->len - 1; i >= 0 && at (b, i)->ts >= start; i--) {
    if (!at (b, i)->key)
      continue;
    if (last_key < 0) {
      last_key = i;
      continue;
    }
    a = i;
    if (at (b, last_key)->ts - at (b, i)->ts >= window)
      break;
  }
  if (a >= 0) {
    bps = rate (b, a, last_key);
    goto done;
  }
  /* a stream with GOPs the ring holds: wait for a whole one after the
   * warm-up (a second or two) rather than a cut one */
  for (guint i = 0, keys = 0; i < b->len; i++)
    if (at (b, i)->key && ++keys == 2)
      goto done;
  /* GOPs longer than what the ring holds or the stream has run: the
   * newest @window of frames (or all since the warm-up, at least a
   * second) */
  for (a = b->len - 2; a > 0 && at (b, a - 1)->ts >= start &&
       at (b, b->len - 1)->ts - at (b, a)->ts < window;
       a--)
    ;
  bps = rate (b, a, b->len - 1);
done:
  g_mutex_unlock (&b->lock);
  return bps < 0 ? -1 : bps / 1000.0;
}

static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime ts = GST_BUFFER_DTS_OR_PTS (buf);

  axion_run_bitrate_add (data, ts, gst_buffer_get_size (buf),
      !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT));
  return GST_PAD_PROBE_OK;
}

/* axiongate's sink pad, else the src pad of the first parser that is
 * already there (parsebin creates its parser only when data flows) */
static GstPad *
find_pad (GstElement *pipe)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (pipe));
  GValue v = G_VALUE_INIT;
  GstPad *gate = NULL, *parser = NULL;

  while (gate == NULL && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object (&v);
    GstElementFactory *f = gst_element_get_factory (e);
    const gchar *klass = f
        ? gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_KLASS)
        : NULL;
    if (f && g_str_equal (GST_OBJECT_NAME (f), "axiongate"))
      gate = gst_element_get_static_pad (e, "sink");
    else if (f && g_str_equal (GST_OBJECT_NAME (f), "parsebin") && !parser)
      parser = gst_element_get_static_pad (e, "src_0");
    else if (klass && strstr (klass, "Parser") && strstr (klass, "Video") &&
        !parser)
      parser = gst_element_get_static_pad (e, "src");
    g_value_reset (&v);
  }
  g_value_unset (&v);
  gst_iterator_free (it);
  if (gate) {
    g_clear_object (&parser);
    return gate;
  }
  return parser;
}

gboolean
axion_run_bitrate_attach (AxionRunBitrate *b, GstElement *pipe)
{
  GstPad *pad = find_pad (pipe);

  axion_run_bitrate_reset (b);
  if (pad == NULL)
    return FALSE;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, b, NULL);
  gst_object_unref (pad);
  return TRUE;
}
