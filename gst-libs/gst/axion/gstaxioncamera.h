/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_CAMERA_H__
#define __GST_AXION_CAMERA_H__

#include <gst/axion/axion-prelude.h>
#include <gst/axion/gstaxionframemeta.h>

G_BEGIN_DECLS

/**
 * SECTION:gstaxioncamera
 * @title: Camera identity and capture time
 *
 * Setting `camera-id` on one Axion element of a camera's pipeline is
 * enough: that element sends a sticky custom downstream event
 * (gst_axion_camera_id_event_new()) and every later element reads it.
 * When nobody sets one, every element resolves it the same way,
 * gst_axion_camera_id_resolve(): a stable id derived from the source URI
 * (gst_axion_camera_id_from_uri()), said in the log.
 *
 * A camera id is 1..64 characters from `[A-Za-z0-9_.-]` (it is used in
 * Redis key names, which use ':' as separator, and in PostgreSQL
 * VARCHAR(64) columns).
 */

#define GST_AXION_CAMERA_ID_EVENT_NAME "axion/camera-id"
#define GST_AXION_CAMERA_ID_MAX_LEN 64

GST_AXION_API
gboolean gst_axion_camera_id_is_valid (const gchar *camera_id);

GST_AXION_API
gboolean gst_axion_camera_id_property_set (
    GstObject *owner, gchar **slot, const gchar *camera_id);

GST_AXION_API
gchar *gst_axion_uri_split_credentials (
    const gchar *uri, gchar **user, gchar **password);

GST_AXION_API
gchar *gst_axion_uri_strip_credentials (const gchar *uri);

GST_AXION_API
gchar *gst_axion_camera_id_from_uri (const gchar *uri);

GST_AXION_API
gchar *gst_axion_camera_id_resolve (
    GstElement *element, GstPad *sinkpad, gchar **source_uri);

GST_AXION_API
GstEvent *
gst_axion_camera_id_event_new (const gchar *camera_id, const gchar *source_uri);

GST_AXION_API
gboolean gst_axion_camera_id_event_parse (
    GstEvent *event, const gchar **camera_id, const gchar **source_uri);

GST_AXION_API
gint64 gst_axion_capture_time_us (GstBuffer *buffer, GstElement *element,
    const GstSegment *segment, GstAxionCaptureTimeSource *source);

GST_AXION_API
gchar *gst_axion_camera_id_to_filename (const gchar *camera_id);

G_END_DECLS

#endif /* __GST_AXION_CAMERA_H__ */
