/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* "axion-snapshot-deleted": a snapshot file is gone (axionsnapshot's disk
 * bound, or its write failed), so the frame_metadata row that names it
 * must not any more. Fields: camera-id (the camera id, not its file
 * name), path (the absolute path, as in frame_metadata.storage_path),
 * frame-time-us (the frame's capture time, frame_timestamp; from the file
 * name, to the millisecond, for files of earlier runs) and expires-us
 * (when the row would have expired with the file; 0: never).
 *
 * A track's best frame (CAMERA/tracks/ID.jpg) is named by no
 * frame_metadata row but by its track_ended event's event_data: then
 * event-id is that camera_events row's event_id and frame-time-us its
 * event_timestamp (the capture time of the frame that carried the
 * event); event-id 0 (or absent): a frame_metadata row's file. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionsnapshotevent.h"

GstEvent *
gst_axion_snapshot_deleted_event_new (const gchar *camera_id, const gchar *path,
    gint64 frame_time_us, gint64 expires_us, gint64 event_id)
{
  GstStructure *s = gst_structure_new (GST_AXION_SNAPSHOT_DELETED, "camera-id",
      G_TYPE_STRING, camera_id, "path", G_TYPE_STRING, path, "frame-time-us",
      G_TYPE_INT64, frame_time_us, "expires-us", G_TYPE_INT64, expires_us,
      "event-id", G_TYPE_INT64, event_id, NULL);

  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

/* TRUE when @event is one (the strings belong to the event) */
gboolean
gst_axion_snapshot_deleted_event_parse (GstEvent *event,
    const gchar **camera_id, const gchar **path, gint64 *frame_time_us,
    gint64 *expires_us, gint64 *event_id)
{
  const GstStructure *s;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM ||
      !gst_event_has_name (event, GST_AXION_SNAPSHOT_DELETED))
    return FALSE;
  s = gst_event_get_structure (event);
  *camera_id = gst_structure_get_string (s, "camera-id");
  *path = gst_structure_get_string (s, "path");
  if (*camera_id == NULL || *path == NULL ||
      !gst_structure_get_int64 (s, "frame-time-us", frame_time_us) ||
      !gst_structure_get_int64 (s, "expires-us", expires_us))
    return FALSE;
  if (!gst_structure_get_int64 (s, "event-id", event_id) || *event_id < 0)
    *event_id = 0;
  return TRUE;
}
