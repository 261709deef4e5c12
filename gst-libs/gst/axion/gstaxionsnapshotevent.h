/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed, not exported): the event axionsnapshot sends
 * downstream when it deletes a snapshot file whose path a frame_metadata
 * row, or a track_ended event's event_data, may hold, and axionpgsink
 * applies (docs/elements/axionsnapshot.md,
 * "Rows and retention"). Part of the gstaxion-internal static library.
 */
#ifndef __GST_AXION_SNAPSHOT_EVENT_H__
#define __GST_AXION_SNAPSHOT_EVENT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* the structure of the custom downstream (serialized) event */
#define GST_AXION_SNAPSHOT_DELETED "axion-snapshot-deleted"

G_GNUC_INTERNAL
GstEvent *
gst_axion_snapshot_deleted_event_new (const gchar *camera_id, const gchar *path,
    gint64 frame_time_us, gint64 expires_us, gint64 event_id);
G_GNUC_INTERNAL
gboolean gst_axion_snapshot_deleted_event_parse (GstEvent *event,
    const gchar **camera_id, const gchar **path, gint64 *frame_time_us,
    gint64 *expires_us, gint64 *event_id);

G_END_DECLS

#endif /* __GST_AXION_SNAPSHOT_EVENT_H__ */
