/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* axionsnapshot's tracks' best frames (docs/elements/axionsnapshot.md, "A
 * track's best frame"): each live track (a detection with axiontrack's
 * track-id) has the frame where its detection had the highest confidence
 * so far in CAMERA/tracks/ID.jpg; its track_ended event's event_data gets
 * the path, and the file is kept (counted in the bounds) when the track
 * ends, goes, or the element stops. The streaming thread decides here;
 * the element queues the pixels for its writer (ops). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionsnapshottrack.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_axion_snapshot_debug);
#define GST_CAT_DEFAULT gst_axion_snapshot_debug

#define TRACKS_DIR "tracks"
/* a track that no region named for this long (capture time) keeps its
 * file even without a track_ended event (no axiontrack, or a restart);
 * axiontrack ends a track after max-misses detector frames (default 30:
 * 30 s at one inference a second, 1 s at 30), so its event normally
 * comes first */
#define TRACK_GONE_US (60 * G_USEC_PER_SEC)
/* a track kept for being gone is remembered this long for its late end
 * event (a slow detector: 30 misses at one inference every 10 s) */
#define TRACK_FORGET_US (600 * G_USEC_PER_SEC)

/* a live track's best frame (streaming thread) */
typedef struct
{
  gdouble best;        /* confidence of the frame on file or queued */
  gint64 last_seen_us; /* capture time */
  gboolean has_file;   /* a frame was queued for tracks/<id>.jpg */
  gboolean kept;       /* gone: its file is kept, its end event may come */
  gchar *path;
} TrackBest;

struct _AxionSnapshotTracks
{
  const AxionSnapshotTrackOps *ops;
  gpointer owner;     /* the element: the ops' first argument, logs */
  GHashTable *tracks; /* track id -> TrackBest */
  gchar *dir;         /* the camera directory of those tracks */
};

static void
track_best_free (TrackBest *t)
{
  g_free (t->path);
  g_free (t);
}

AxionSnapshotTracks *
axion_snapshot_tracks_new (const AxionSnapshotTrackOps *ops, gpointer owner)
{
  AxionSnapshotTracks *self = g_new0 (AxionSnapshotTracks, 1);

  self->ops = ops;
  self->owner = owner;
  self->tracks = g_hash_table_new_full (
      g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) track_best_free);
  return self;
}

static void
json_append_string (GString *s, const gchar *v)
{
  g_string_append_c (s, '"');
  for (; *v; v++) {
    guchar c = *v;
    if (c == '"' || c == '\\')
      g_string_append_printf (s, "\\%c", c);
    else if (c < 0x20)
      g_string_append_printf (s, "\\u%04x", c);
    else
      g_string_append_c (s, c);
  }
  g_string_append_c (s, '"');
}

/* @old (a JSON object or NULL) with "snapshot_path" as its first member
 * (a track_ended event's event_data, an alert's alert_data) */
gchar *
axion_snapshot_json_with_path (const gchar *old, const gchar *path)
{
  GString *s = g_string_new ("{\"snapshot_path\":");

  json_append_string (s, path);
  if (old && old[0] == '{') {
    const gchar *body = old + 1;
    while (g_ascii_isspace (*body))
      body++;
    if (*body != '}')
      g_string_append_c (s, ',');
    g_string_append (s, body);
  } else {
    g_string_append_c (s, '}');
  }
  return g_string_free (s, FALSE);
}

/* the worker counts the track's file towards the bounds; it stays. An
 * end event (@event_id > 0) is told even for a file kept already (gone,
 * then its late event): the worker then knows which row names it, or
 * that the bound deleted it meanwhile. */
static void
keep_track (AxionSnapshotTracks *self, const gchar *dir, TrackBest *t,
    const GstAxionFrameMeta *meta, gint64 event_id)
{
  if (!t->has_file || (t->kept && event_id <= 0))
    return;
  t->kept = TRUE;
  self->ops->keep (self->owner, dir, t->path,
      event_id > 0 ? meta->camera_id : NULL, event_id,
      event_id > 0 ? meta->capture_time_us : -1);
}

static void
update_tracks (AxionSnapshotTracks *self, GstVideoFrame *frame,
    GstAxionFrameMeta *meta, const gchar *dir)
{
  GstBuffer *buf = frame->buffer;
  GstSample *sample = NULL;
  gpointer state = NULL;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    gdouble conf = -1.0;
    gint64 id = -1;
    TrackBest *t;

    if (!gst_axion_roi_get_detection (
            (GstVideoRegionOfInterestMeta *) m, NULL, &conf, &id) ||
        id <= 0)
      continue;
    t = g_hash_table_lookup (self->tracks, &id);
    if (conf < 0) {
      /* axiontrack's predicted box (no confidence): no best frame, but
       * the track is still there (occluded) */
      if (t) {
        t->last_seen_us = meta->capture_time_us;
        t->kept = FALSE;
      }
      continue;
    }
    if (t == NULL) {
      gint64 *key = g_new (gint64, 1);
      gchar *name = g_strdup_printf ("%" G_GINT64_FORMAT ".jpg", id);
      *key = id;
      t = g_new0 (TrackBest, 1);
      t->best = -1.0;
      t->path = g_build_filename (dir, TRACKS_DIR, name, NULL);
      g_hash_table_insert (self->tracks, key, t);
      g_free (name);
    }
    t->last_seen_us = meta->capture_time_us;
    /* back after a gap: kept again (counted once) when it ends */
    t->kept = FALSE;
    if (conf <= t->best)
      continue;
    if (sample == NULL) {
      /* one copy of the pixels per frame, shared by its tracks: the
       * decoder's buffer goes back to its pool at once */
      GstCaps *caps = gst_video_info_to_caps (&frame->info);
      GstBuffer *copy = gst_buffer_copy_deep (buf);
      sample = gst_sample_new (copy, caps, NULL, NULL);
      gst_buffer_unref (copy);
      gst_caps_unref (caps);
    }
    if (self->ops->update (
            self->owner, sample, dir, t->path, meta->camera_id)) {
      t->best = conf;
      t->has_file = TRUE;
      GST_LOG_OBJECT (self->owner,
          "track %" G_GINT64_FORMAT ": best frame %" G_GUINT64_FORMAT " (%.3f)",
          id, meta->frame_number, conf);
    } else {
      GST_DEBUG_OBJECT (self->owner,
          "queue full: best frame of track %" G_GINT64_FORMAT " not updated",
          id);
    }
  }
  if (sample)
    gst_sample_unref (sample);
}

/* the "track_id" of an event's JSON (axiontrack's), or -1 */
static gint64
json_track_id (const gchar *json)
{
  const gchar *p = json ? strstr (json, "\"track_id\":") : NULL;

  return p ? g_ascii_strtoll (p + strlen ("\"track_id\":"), NULL, 10) : -1;
}

/* a track_ended event's event_data gets the path of the track's best
 * frame; the file is kept */
static void
end_tracks (AxionSnapshotTracks *self, GstBuffer *buf, GstAxionFrameMeta *meta,
    const gchar *dir)
{
  GstCustomMeta *cm = NULL;
  GstStructure *data;

  for (guint i = 0; i < meta->n_events; i++) {
    gchar key[32];
    const gchar *json;
    gint64 id;
    TrackBest *t;

    if (meta->events[i].type != GST_AXION_EVENT_TRACK_ENDED)
      continue;
    if (cm == NULL &&
        (gst_meta_get_info (GST_AXION_EVENT_DATA_META) == NULL ||
            (cm = gst_buffer_get_custom_meta (
                 buf, GST_AXION_EVENT_DATA_META)) == NULL))
      return;
    data = gst_custom_meta_get_structure (cm);
    g_snprintf (key, sizeof (key), "e%" G_GINT64_FORMAT, meta->events[i].id);
    json = gst_structure_get_string (data, key);
    id = json_track_id (json);
    t = id > 0 ? g_hash_table_lookup (self->tracks, &id) : NULL;
    if (t == NULL)
      continue;
    if (t->has_file) {
      gchar *with = axion_snapshot_json_with_path (json, t->path);
      gst_structure_set (data, key, G_TYPE_STRING, with, NULL);
      GST_DEBUG_OBJECT (
          self->owner, "track %" G_GINT64_FORMAT " ended: %s", id, t->path);
      g_free (with);
    }
    /* the event's row: event_timestamp is its frame's capture time */
    keep_track (self, dir, t, meta, t->has_file ? meta->events[i].id : 0);
    g_hash_table_remove (self->tracks, &id);
  }
}

/* a track gone for TRACK_GONE_US keeps its file (counted in the bounds);
 * its end event may still come, until TRACK_FORGET_US */
static void
expire_tracks (AxionSnapshotTracks *self, gint64 now_us, const gchar *dir)
{
  GHashTableIter it;
  TrackBest *t;

  g_hash_table_iter_init (&it, self->tracks);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &t)) {
    gint64 gone = now_us - t->last_seen_us;
    if (gone >= TRACK_FORGET_US || gone < 0) {
      keep_track (self, dir, t, NULL, 0);
      g_hash_table_iter_remove (&it);
    } else if (gone >= TRACK_GONE_US) {
      keep_track (self, dir, t, NULL, 0);
    }
  }
}

/* Streaming thread: @frame's tracks (new best frames queued), their end
 * events (which get the path), the tracks gone (files kept). */
void
axion_snapshot_tracks_frame (AxionSnapshotTracks *self, GstVideoFrame *frame,
    GstAxionFrameMeta *meta, const gchar *location)
{
  gchar *camdir = gst_axion_camera_id_to_filename (meta->camera_id);
  gchar *dir = g_build_filename (location, camdir, NULL);

  update_tracks (self, frame, meta, dir);
  end_tracks (self, frame->buffer, meta, dir);
  expire_tracks (self, meta->capture_time_us, dir);
  g_free (self->dir);
  self->dir = dir;
  g_free (camdir);
}

/* The end of the stream: live tracks keep their best frame so far (they
 * get no event, as in axiontrack) now, while the files the bound deletes
 * for them can still be told downstream (EOS). */
void
axion_snapshot_tracks_keep_live (AxionSnapshotTracks *self)
{
  GHashTableIter it;
  TrackBest *t;

  g_hash_table_iter_init (&it, self->tracks);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &t))
    keep_track (self, self->dir, t, NULL, 0);
}

/* The element stops: live tracks keep their best frame so far (they get
 * no event, as in axiontrack). */
void
axion_snapshot_tracks_free (AxionSnapshotTracks *self)
{
  GHashTableIter it;
  TrackBest *t;

  if (self == NULL)
    return;
  g_hash_table_iter_init (&it, self->tracks);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &t))
    keep_track (self, self->dir, t, NULL, 0);
  g_hash_table_unref (self->tracks);
  g_free (self->dir);
  g_free (self);
}
