/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* axionsnapshot's tracks' best frames: which frame of each live track is
 * its best so far, and when its file is final. Internal to the axion
 * plugin; streaming thread only (the element's writer does the I/O). */
#ifndef __AXION_SNAPSHOT_TRACK_H__
#define __AXION_SNAPSHOT_TRACK_H__

#include <gst/axion/axion.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

typedef struct _AxionSnapshotTracks AxionSnapshotTracks;

/* what the element does for the tracks (its writer thread's queue) */
typedef struct
{
  /* a better frame of the track whose file is @path (in camera directory
   * @dir): queue it; FALSE when it was dropped (a later one tries again) */
  gboolean (*update) (gpointer owner, GstSample *sample, const gchar *dir,
      const gchar *path, const gchar *camera_id);
  /* the track's file @path is final: it counts towards the bounds; with
   * @event_id > 0, that track_ended event (of @camera_id, at @event_us)
   * names it in its event_data (told downstream when the file goes) */
  void (*keep) (gpointer owner, const gchar *dir, const gchar *path,
      const gchar *camera_id, gint64 event_id, gint64 event_us);
} AxionSnapshotTrackOps;

AxionSnapshotTracks *
axion_snapshot_tracks_new (const AxionSnapshotTrackOps *ops, gpointer owner);
void axion_snapshot_tracks_frame (AxionSnapshotTracks *self,
    GstVideoFrame *frame, GstAxionFrameMeta *meta, const gchar *location);
void axion_snapshot_tracks_keep_live (AxionSnapshotTracks *self);
void axion_snapshot_tracks_free (AxionSnapshotTracks *self);

gchar *axion_snapshot_json_with_path (const gchar *old, const gchar *path);

G_END_DECLS

#endif /* __AXION_SNAPSHOT_TRACK_H__ */
