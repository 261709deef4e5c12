/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionroi.h"

#include <math.h>

/* Names as quarks, made once: regions are read per frame by every sink,
 * and g_quark_from_string () hashes the name and takes GLib's global
 * quark lock each time. */
static GQuark q_motion, q_detection, q_label, q_confidence, q_track_id;

static void
quarks_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    q_motion = g_quark_from_static_string (GST_AXION_ROI_TYPE_MOTION);
    q_detection = g_quark_from_static_string ("detection");
    q_label = g_quark_from_static_string ("label");
    q_confidence = g_quark_from_static_string ("confidence");
    q_track_id = g_quark_from_static_string ("track-id");
    g_once_init_leave (&done, 1);
  }
}

/* gst_video_region_of_interest_meta_get_param (roi, "detection") */
static GstStructure *
detection_param (const GstVideoRegionOfInterestMeta *roi)
{
  for (GList *l = roi->params; l; l = l->next)
    if (gst_structure_get_name_id (l->data) == q_detection)
      return l->data;
  return NULL;
}

/**
 * gst_axion_roi_add_motion:
 * @buffer: a writable buffer
 *
 * Returns: (transfer none): a motion region in pixel coordinates
 */
GstVideoRegionOfInterestMeta *
gst_axion_roi_add_motion (GstBuffer *buffer, guint x, guint y, guint w, guint h)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return gst_buffer_add_video_region_of_interest_meta (
      buffer, GST_AXION_ROI_TYPE_MOTION, x, y, w, h);
}

/**
 * gst_axion_roi_add_detection:
 * @buffer: a writable buffer
 * @label: class label, e.g. "person" (invalid UTF-8 is replaced)
 * @confidence: 0..1 (clamped; NaN or negative means unknown and is not stored)
 *
 * Returns: (transfer none): the detection region in pixel coordinates
 */
GstVideoRegionOfInterestMeta *
gst_axion_roi_add_detection (GstBuffer *buffer, const gchar *label,
    gdouble confidence, guint x, guint y, guint w, guint h)
{
  GstVideoRegionOfInterestMeta *roi;
  GstStructure *s;
  gchar *clean;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (label != NULL && *label != '\0', NULL);

  /* labels come from models and the network: keep them valid UTF-8 */
  clean = g_utf8_make_valid (label, -1);
  roi = gst_buffer_add_video_region_of_interest_meta (
      buffer, clean, x, y, w, h);
  s = gst_structure_new ("detection", "label", G_TYPE_STRING, clean, NULL);
  g_free (clean);
  if (!isnan (confidence) && confidence >= 0.0)
    gst_structure_set (
        s, "confidence", G_TYPE_DOUBLE, MIN (confidence, 1.0), NULL);
  gst_video_region_of_interest_meta_add_param (roi, s);
  return roi;
}

void
gst_axion_roi_set_track_id (GstVideoRegionOfInterestMeta *roi, gint64 track_id)
{
  GstStructure *s;

  g_return_if_fail (roi != NULL);
  s = gst_video_region_of_interest_meta_get_param (roi, "detection");
  if (s == NULL) {
    s = gst_structure_new ("detection", "label", G_TYPE_STRING,
        g_quark_to_string (roi->roi_type), NULL);
    gst_video_region_of_interest_meta_add_param (roi, s);
  }
  gst_structure_set (s, "track-id", G_TYPE_INT64, track_id, NULL);
}

gboolean
gst_axion_roi_is_motion (const GstVideoRegionOfInterestMeta *roi)
{
  g_return_val_if_fail (roi != NULL, FALSE);
  quarks_init ();
  return roi->roi_type == q_motion;
}

/**
 * gst_axion_roi_get_detection:
 * @roi: a region
 * @label: (out) (optional) (transfer none): class label
 * @confidence: (out) (optional): 0..1, or -1 when the detector gave none
 * @track_id: (out) (optional): tracker id, or -1 when none
 *
 * Reads a detection the way other GStreamer analytics elements write it.
 *
 * Returns: %FALSE for motion regions (outputs untouched), %TRUE otherwise.
 */
gboolean
gst_axion_roi_get_detection (GstVideoRegionOfInterestMeta *roi,
    const gchar **label, gdouble *confidence, gint64 *track_id)
{
  GstStructure *s;
  const gchar *l = NULL;
  gdouble c = -1.0;
  gint64 t = -1;

  g_return_val_if_fail (roi != NULL, FALSE);

  if (gst_axion_roi_is_motion (roi))
    return FALSE;

  s = detection_param (roi);
  if (s) {
    const GValue *v = gst_structure_id_get_value (s, q_label);
    if (v && G_VALUE_HOLDS_STRING (v))
      l = g_value_get_string (v);
    v = gst_structure_id_get_value (s, q_confidence);
    if (v && G_VALUE_HOLDS_DOUBLE (v))
      c = g_value_get_double (v);
    else if (v && G_VALUE_HOLDS_FLOAT (v))
      c = g_value_get_float (v);
    v = gst_structure_id_get_value (s, q_track_id);
    if (v && G_VALUE_HOLDS_INT64 (v))
      t = g_value_get_int64 (v);
    else if (v && G_VALUE_HOLDS_INT (v))
      t = g_value_get_int (v);
  }
  if (l == NULL)
    l = g_quark_to_string (roi->roi_type);
  if (isnan (c) || c < 0.0)
    c = -1.0;
  else if (c > 1.0)
    c = 1.0;

  if (label)
    *label = l;
  if (confidence)
    *confidence = c;
  if (track_id)
    *track_id = t;
  return TRUE;
}

/**
 * gst_axion_roi_count:
 * @buffer: a buffer
 * @motion: count motion regions (%TRUE) or detections (%FALSE)
 *
 * Returns: the number of such regions on @buffer
 */
guint
gst_axion_roi_count (GstBuffer *buffer, gboolean motion)
{
  gpointer state = NULL;
  GstMeta *m;
  guint n = 0;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), 0);

  while ((m = gst_buffer_iterate_meta_filtered (
              buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    if (gst_axion_roi_is_motion ((GstVideoRegionOfInterestMeta *) m) == motion)
      n++;
  }
  return n;
}

/**
 * gst_axion_roi_copy_scaled:
 * @dest: a writable buffer
 * @roi: a region of another buffer
 * @scale_x: factor from @roi's frame width to @dest's
 * @scale_y: factor from @roi's frame height to @dest's
 *
 * Copies @roi (type, id, parent id, params such as "detection") onto
 * @dest, scaled: used when a detector ran on a scaled copy of a frame.
 * The box is clamped to be non-negative.
 *
 * Returns: (transfer none): the new region on @dest
 */
GstVideoRegionOfInterestMeta *
gst_axion_roi_copy_scaled (GstBuffer *dest, GstVideoRegionOfInterestMeta *roi,
    gdouble scale_x, gdouble scale_y)
{
  GstVideoRegionOfInterestMeta *n;
  guint x, y, w, h;

  g_return_val_if_fail (GST_IS_BUFFER (dest) && roi != NULL, NULL);
  x = (guint) MAX (0.0, roi->x * scale_x + 0.5);
  y = (guint) MAX (0.0, roi->y * scale_y + 0.5);
  w = (guint) MAX (0.0, roi->w * scale_x + 0.5);
  h = (guint) MAX (0.0, roi->h * scale_y + 0.5);
  n = gst_buffer_add_video_region_of_interest_meta_id (
      dest, roi->roi_type, x, y, w, h);
  n->id = roi->id;
  n->parent_id = roi->parent_id;
  for (GList *l = roi->params; l; l = l->next)
    gst_video_region_of_interest_meta_add_param (
        n, gst_structure_copy (l->data));
  return n;
}
