/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionsnapshot
 * @title: axionsnapshot
 *
 * JPEG snapshots of the frames that matter: the first frame of a motion
 * event and every frame that carries an alert (axionalert's alert meta),
 * plus `latest.jpg` of each camera every `interval` seconds (the web
 * console's camera grid). The streaming thread only decides, names the
 * file and copies the frame; a worker thread encodes and writes it, so a
 * slow disk never stalls video (a full queue drops the snapshot and counts
 * it). The file's path goes into the frame meta (frame_metadata.
 * storage_path with storage_location 'local') and into each alert's
 * alert_data as `snapshot_path`, before the sinks see the buffer.
 *
 * With axiontrack upstream (on-track), each track's best frame so far (the
 * highest confidence of its detection) is encoded the same way into
 * LOCATION/CAMERA/tracks/ID.jpg, replaced by better ones, and kept when
 * the track ends: its track_ended event's event_data gets the path as
 * `snapshot_path`.
 *
 * Files: LOCATION/CAMERA/YYYY-MM-DD/HHMMSS.mmmZ-fFRAME-REASON.jpg (the
 * capture time, UTC). The disk is bounded: after each write the oldest
 * snapshots of the camera are deleted while they hold more than
 * `max-bytes`, and any older than `max-age` (host wall clock of the
 * files).
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true pattern=ball ! axionmotion
 *     camera-id=cam1 ! axionsnapshot location=/tmp/snaps ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionsnapshot.h"
#include "axionsnapshottrack.h"

#include <gst/axion/gstaxionsnapshotevent.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* (shared with axionsnapshottrack.c: one category for the element) */
GST_DEBUG_CATEGORY (gst_axion_snapshot_debug);
#define GST_CAT_DEFAULT gst_axion_snapshot_debug

#define DEFAULT_LOCATION "/var/lib/axion/snapshots"
#define DEFAULT_INTERVAL 10.0
#define DEFAULT_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)
#define DEFAULT_MAX_AGE (7 * 24 * 3600)
#define DEFAULT_QUEUE_SIZE 8
#define LATEST_NAME "latest.jpg"
enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_ON_MOTION,
  PROP_ON_ALERT,
  PROP_INTERVAL,
  PROP_MAX_BYTES,
  PROP_MAX_AGE,
  PROP_QUEUE_SIZE,
  PROP_ON_TRACK,
  PROP_STATS,
};

typedef struct
{
  GstSample *sample; /* NULL: a track's best frame to keep (path) */
  gchar *dir;        /* the camera's directory */
  gchar *path;       /* NULL: latest.jpg only */
  gboolean track;    /* a track's best frame so far: path only, replaced */
  gchar *camera_id;  /* an event snapshot's: its frame_metadata row's key */
  gint64 frame_us;   /* with the capture time */
  gint64 event_id;   /* a track's file kept: its track_ended event (or 0),
                      * at frame_us (that row's event_timestamp) */
} Job;

typedef struct
{
  gchar *path;
  guint64 size;
  gint64 mtime_us;
  /* the frame_metadata row that names the file (camera_id,
   * frame_timestamp), or with event_id > 0 the track_ended event's
   * camera_events row (camera_id, event_id, event_timestamp in frame_us):
   * told downstream when the file goes early. NULL/-1: no row names it
   * (a track's file before its end event, a file not named by us) */
  gchar *camera_id;
  gint64 frame_us;
  gint64 event_id;
} FileEntry;

struct _GstAxionSnapshot
{
  GstAxionVideoAnalyzer parent;

  /* properties (object lock) */
  gchar *location;
  gboolean on_motion, on_alert, on_track;
  gdouble interval;
  guint64 max_bytes;
  guint max_age;
  guint queue_size;

  /* streaming thread */
  gint64 last_latest_us;
  AxionSnapshotTracks *tracks; /* on-track: their best frames */

  /* the worker (lock) */
  GMutex lock;
  GCond cond;
  GCond idle_cond; /* a job done (EOS waits for the queue to empty) */
  GThread *thread;
  GQueue jobs;
  gboolean quit;
  gchar *scanned_dir;
  GQueue files;  /* FileEntry, oldest first */
  GQueue gone;   /* FileEntry whose row must lose its path (downstream) */
  gboolean busy; /* a job is being processed (cond: idle) */
  guint64 disk_bytes;
  guint64 written, dropped, errors, deleted;
  guint64 track_updates, track_dropped, track_kept;
  gdouble encode_ms;
};

G_DEFINE_TYPE (
    GstAxionSnapshot, gst_axion_snapshot, GST_AXION_TYPE_VIDEO_ANALYZER);
GST_ELEMENT_REGISTER_DEFINE (
    axionsnapshot, "axionsnapshot", GST_RANK_NONE, GST_TYPE_AXION_SNAPSHOT);

static void
job_free (Job *j)
{
  if (j->sample)
    gst_sample_unref (j->sample);
  g_free (j->dir);
  g_free (j->path);
  g_free (j->camera_id);
  g_free (j);
}

static void
file_entry_free (FileEntry *f)
{
  g_free (f->path);
  g_free (f->camera_id);
  g_free (f);
}

/* ---- the worker: encode, write, keep the disk bounded -------------------- */

static gint
file_cmp (gconstpointer a, gconstpointer b, gpointer unused)
{
  gint64 x = ((const FileEntry *) a)->mtime_us;
  gint64 y = ((const FileEntry *) b)->mtime_us;

  return x < y ? -1 : x > y;
}

/* the capture time in a snapshot's name, DAY/HHMMSS.mmmZ-f...jpg (to the
 * millisecond), or -1 */
static gint64
name_time_us (const gchar *day, const gchar *name)
{
  gint y, mo, d, h, mi, sec, ms;
  gint64 us = -1;
  GDateTime *t;

  if (sscanf (day, "%4d-%2d-%2d", &y, &mo, &d) != 3 ||
      sscanf (name, "%2d%2d%2d.%3dZ-f", &h, &mi, &sec, &ms) != 4)
    return -1;
  t = g_date_time_new_utc (y, mo, d, h, mi, sec);
  if (t) {
    us = g_date_time_to_unix (t) * G_USEC_PER_SEC + ms * 1000;
    g_date_time_unref (t);
  }
  return us;
}

static void
scan_dir (GstAxionSnapshot *self, const gchar *dir, guint depth,
    const gchar *camera_id)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    gchar *p = g_build_filename (dir, name, NULL);
    GStatBuf st;
    if (g_lstat (p, &st) == 0 && S_ISDIR (st.st_mode) && depth == 0) {
      scan_dir (self, p, 1, camera_id);
    } else if (g_lstat (p, &st) == 0 && S_ISREG (st.st_mode) && depth == 1 &&
        g_str_has_suffix (name, ".jpg")) {
      FileEntry *f = g_new0 (FileEntry, 1);
      f->path = g_steal_pointer (&p);
      f->size = st.st_size;
      f->mtime_us = (gint64) st.st_mtime * G_USEC_PER_SEC;
      /* an event snapshot of an earlier run: its row may name it */
      if (camera_id) {
        gchar *day = g_path_get_basename (dir);
        f->frame_us = name_time_us (day, name);
        if (f->frame_us >= 0)
          f->camera_id = g_strdup (camera_id);
        g_free (day);
      } else {
        f->frame_us = -1;
      }
      g_queue_insert_sorted (&self->files, f, file_cmp, NULL);
      self->disk_bytes += f->size;
    }
    g_free (p);
  }
  g_dir_close (d);
}

/* with lock: the oldest snapshots go while over the size or age bound */
static void
enforce_bounds (GstAxionSnapshot *self, guint64 max_bytes, guint max_age)
{
  gint64 oldest_ok = g_get_real_time () - (gint64) max_age * G_USEC_PER_SEC;
  FileEntry *f;

  while ((f = g_queue_peek_head (&self->files)) != NULL &&
      (self->disk_bytes > max_bytes ||
          (max_age > 0 && f->mtime_us < oldest_ok))) {
    gchar *parent = g_path_get_dirname (f->path);
    g_queue_pop_head (&self->files);
    if (g_unlink (f->path) == 0 || errno == ENOENT)
      self->deleted++;
    self->disk_bytes -= MIN (self->disk_bytes, f->size);
    g_rmdir (parent); /* only when empty (a day's directory) */
    g_free (parent);
    /* its row may still name it: the sink clears the path (the streaming
     * thread tells it, with the next buffer or at EOS) */
    if (f->camera_id && f->frame_us >= 0)
      g_queue_push_tail (&self->gone, f);
    else
      file_entry_free (f);
  }
}

static gboolean
write_jpeg (GstAxionSnapshot *self, Job *j, GstBuffer *jpeg)
{
  GError *err = NULL;
  GstMapInfo map;
  gchar *latest = g_build_filename (j->dir, LATEST_NAME, NULL);
  gboolean ok = FALSE;

  if (!gst_buffer_map (jpeg, &map, GST_MAP_READ))
    goto done;
  if (j->track) {
    /* replaced atomically; counted towards the bounds once kept */
    gchar *parent = g_path_get_dirname (j->path);
    ok = g_mkdir_with_parents (parent, 0755) == 0 &&
        g_file_set_contents (j->path, (gchar *) map.data, map.size, &err);
    g_free (parent);
    if (!ok)
      GST_WARNING_OBJECT (self, "cannot write snapshot %s: %s", j->path,
          err ? err->message : g_strerror (errno));
    g_clear_error (&err);
    gst_buffer_unmap (jpeg, &map);
    goto done;
  }
  if (j->path) {
    gchar *parent = g_path_get_dirname (j->path);
    ok = g_mkdir_with_parents (parent, 0755) == 0 &&
        g_file_set_contents (j->path, (gchar *) map.data, map.size, &err);
    g_free (parent);
    if (ok) {
      FileEntry *f = g_new0 (FileEntry, 1);
      f->path = g_strdup (j->path);
      f->size = map.size;
      f->mtime_us = g_get_real_time ();
      f->camera_id = g_strdup (j->camera_id);
      f->frame_us = j->frame_us;
      g_mutex_lock (&self->lock);
      g_queue_push_tail (&self->files, f);
      self->disk_bytes += map.size;
      g_mutex_unlock (&self->lock);
    }
  } else {
    ok = g_mkdir_with_parents (j->dir, 0755) == 0;
  }
  /* latest.jpg is replaced atomically (a browser never sees half a file) */
  ok = ok && g_file_set_contents (latest, (gchar *) map.data, map.size, &err);
  if (!ok)
    GST_WARNING_OBJECT (self, "cannot write snapshot %s: %s",
        j->path ? j->path : latest, err ? err->message : g_strerror (errno));
  g_clear_error (&err);
  gst_buffer_unmap (jpeg, &map);
done:
  g_free (latest);
  return ok;
}

/* with lock: the track's file, known to the bounds (NULL: not) */
static FileEntry *
find_file (GstAxionSnapshot *self, const gchar *path)
{
  for (GList *l = self->files.tail; l; l = l->prev)
    if (g_str_equal (((FileEntry *) l->data)->path, path))
      return l->data;
  return NULL;
}

/* with lock: a track's final file now counts towards the bounds; with
 * its end event, the event's row is what names it. @scanned: the scan
 * just now counted it already. */
static void
keep_track_file (GstAxionSnapshot *self, Job *j, gboolean scanned)
{
  GStatBuf st;
  FileEntry *f;

  if (g_stat (j->path, &st) != 0 || !S_ISREG (st.st_mode)) {
    /* its update failed (write-errors) or never got its turn, or the
     * bound deleted it while the track was gone: an end event that names
     * it must not */
    GST_DEBUG_OBJECT (self, "no best frame on disk for %s", j->path);
    if (j->event_id > 0) {
      f = g_new0 (FileEntry, 1);
      f->path = g_strdup (j->path);
      f->camera_id = g_strdup (j->camera_id);
      f->frame_us = j->frame_us;
      f->event_id = j->event_id;
      f->mtime_us = g_get_real_time ();
      g_queue_push_tail (&self->gone, f);
    }
    return;
  }
  f = find_file (self, j->path);
  if (scanned && f == NULL)
    return; /* (not a file the scan counts) */
  if (f && !scanned) {
    /* a track kept when gone that came back: its file is counted once */
    self->disk_bytes -= MIN (self->disk_bytes, f->size);
    g_queue_remove (&self->files, f);
    file_entry_free (f);
    self->track_kept--;
    f = NULL;
  }
  if (f == NULL) {
    f = g_new0 (FileEntry, 1);
    f->path = g_strdup (j->path);
    f->size = st.st_size;
    f->mtime_us = g_get_real_time ();
    f->frame_us = -1; /* no frame_metadata row names it */
    g_queue_push_tail (&self->files, f);
    self->disk_bytes += f->size;
    self->track_kept++;
  }
  if (j->event_id > 0) {
    g_free (f->camera_id);
    f->camera_id = g_strdup (j->camera_id);
    f->frame_us = j->frame_us;
    f->event_id = j->event_id;
  }
}

static void
process_job (GstAxionSnapshot *self, Job *j)
{
  static GstStaticCaps jpeg_caps = GST_STATIC_CAPS ("image/jpeg");
  GError *err = NULL;
  gint64 t0 = g_get_monotonic_time ();
  GstCaps *caps;
  GstSample *out;
  gboolean ok = FALSE, scanned = FALSE;

  g_mutex_lock (&self->lock);
  if (g_strcmp0 (self->scanned_dir, j->dir) != 0) {
    /* a camera's snapshots of earlier runs count towards its bound */
    g_free (self->scanned_dir);
    self->scanned_dir = g_strdup (j->dir);
    g_queue_clear_full (&self->files, (GDestroyNotify) file_entry_free);
    self->disk_bytes = 0;
    scan_dir (self, j->dir, 0, j->camera_id);
    scanned = TRUE;
  }
  if (j->sample == NULL) {
    guint64 max_bytes;
    guint max_age;
    keep_track_file (self, j, scanned);
    GST_OBJECT_LOCK (self);
    max_bytes = self->max_bytes;
    max_age = self->max_age;
    GST_OBJECT_UNLOCK (self);
    enforce_bounds (self, max_bytes, max_age);
    g_mutex_unlock (&self->lock);
    return;
  }
  g_mutex_unlock (&self->lock);

  caps = gst_static_caps_get (&jpeg_caps);

  /* GStreamer's own still-image conversion (videoconvert ! jpegenc) */
  out = gst_video_convert_sample (j->sample, caps, 10 * GST_SECOND, &err);
  gst_caps_unref (caps);
  if (out) {
    ok = write_jpeg (self, j, gst_sample_get_buffer (out));
    gst_sample_unref (out);
  } else {
    GST_WARNING_OBJECT (self, "cannot encode a snapshot: %s",
        err ? err->message : "unknown error");
    g_clear_error (&err);
  }

  GST_OBJECT_LOCK (self);
  {
    guint64 max_bytes = self->max_bytes;
    guint max_age = self->max_age;
    GST_OBJECT_UNLOCK (self);
    g_mutex_lock (&self->lock);
    if (ok && j->track) {
      self->track_updates++;
    } else if (ok && j->path) {
      self->written++;
      self->encode_ms += (g_get_monotonic_time () - t0) / 1000.0;
    } else if (!ok) {
      self->errors++;
    }
    if (!ok && j->path && !j->track && j->camera_id) {
      /* its frame's row names a file that never came */
      FileEntry *f = g_new0 (FileEntry, 1);
      f->path = g_strdup (j->path);
      f->camera_id = g_strdup (j->camera_id);
      f->frame_us = j->frame_us;
      f->mtime_us = g_get_real_time ();
      g_queue_push_tail (&self->gone, f);
    }
    enforce_bounds (self, max_bytes, max_age);
    g_mutex_unlock (&self->lock);
  }
}

static gpointer
worker (gpointer data)
{
  GstAxionSnapshot *self = data;

  g_mutex_lock (&self->lock);
  for (;;) {
    Job *j = g_queue_pop_head (&self->jobs);
    if (j == NULL) {
      if (self->quit)
        break;
      /* a quiet camera's old snapshots still age out (once a minute) */
      if (!g_cond_wait_until (&self->cond, &self->lock,
              g_get_monotonic_time () + 60 * G_USEC_PER_SEC) &&
          self->scanned_dir) {
        guint64 max_bytes;
        guint max_age;
        GST_OBJECT_LOCK (self);
        max_bytes = self->max_bytes;
        max_age = self->max_age;
        GST_OBJECT_UNLOCK (self);
        enforce_bounds (self, max_bytes, max_age);
      }
      continue;
    }
    self->busy = TRUE;
    g_mutex_unlock (&self->lock);
    process_job (self, j);
    job_free (j);
    g_mutex_lock (&self->lock);
    self->busy = FALSE;
    g_cond_broadcast (&self->idle_cond);
  }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* ---- the streaming thread: decide, name, copy ---------------------------- */

static gchar *
snapshot_path (
    const gchar *dir, const GstAxionFrameMeta *meta, const gchar *reason)
{
  GDateTime *t = g_date_time_new_from_unix_utc (
      meta->capture_time_us / G_USEC_PER_SEC);
  gchar *day, *hms, *name, *path;

  if (t == NULL)
    t = g_date_time_new_from_unix_utc (0);
  day = g_date_time_format (t, "%Y-%m-%d");
  hms = g_date_time_format (t, "%H%M%S");
  name = g_strdup_printf ("%s.%03dZ-f%" G_GUINT64_FORMAT "-%s.jpg", hms,
      (gint) ((meta->capture_time_us % G_USEC_PER_SEC) / 1000),
      meta->frame_number, reason);
  path = g_build_filename (dir, day, name, NULL);
  g_date_time_unref (t);
  g_free (day);
  g_free (hms);
  g_free (name);
  return path;
}

/* alert_data (and the MQTT/webhook message's "data") gets the path */
static void
link_alerts (GstBuffer *buf, const gchar *path)
{
  gpointer state = NULL;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_AXION_ALERT_META_API_TYPE))) {
    GstAxionAlert *al = ((GstAxionAlertMeta *) m)->alert;
    gchar *json = axion_snapshot_json_with_path (al->data_json, path);
    g_free (al->data_json);
    al->data_json = json;
  }
}

/* ---- a track's best frame ------------------------------------------------ */

/* queues @j, or replaces the frame of the same track's update still
 * waiting (one pending update per track); FALSE (dropped) when full */
static gboolean
queue_job (GstAxionSnapshot *self, Job *j)
{
  gboolean queued = TRUE;

  g_mutex_lock (&self->lock);
  if (j->track) {
    for (GList *l = self->jobs.head; l; l = l->next) {
      Job *q = l->data;
      if (q->track && g_strcmp0 (q->path, j->path) == 0) {
        GstSample *old = q->sample;
        q->sample = g_steal_pointer (&j->sample);
        gst_sample_unref (old);
        job_free (j);
        g_mutex_unlock (&self->lock);
        return TRUE;
      }
    }
  }
  /* keeping a file is no encoding: never dropped (the disk bound needs
   * it); a best frame may take half the queue at most, so that the motion
   * and alert snapshots (their paths are in rows) still find room */
  if (j->sample &&
      g_queue_get_length (&self->jobs) >= MAX (1, self->queue_size / 2)) {
    queued = FALSE;
    if (j->track)
      self->track_dropped++;
    job_free (j);
  } else {
    g_queue_push_tail (&self->jobs, j);
    g_cond_signal (&self->cond);
  }
  g_mutex_unlock (&self->lock);
  return queued;
}

static gboolean
track_update (gpointer owner, GstSample *sample, const gchar *dir,
    const gchar *path, const gchar *camera_id)
{
  Job *j = g_new0 (Job, 1);

  j->sample = gst_sample_ref (sample);
  j->dir = g_strdup (dir);
  j->path = g_strdup (path);
  j->track = TRUE;
  j->camera_id = g_strdup (camera_id); /* (for a first scan) */
  return queue_job (owner, j);
}

/* the worker counts the track's file towards the bounds; it stays */
static void
track_keep (gpointer owner, const gchar *dir, const gchar *path,
    const gchar *camera_id, gint64 event_id, gint64 event_us)
{
  Job *j = g_new0 (Job, 1);

  j->dir = g_strdup (dir);
  j->path = g_strdup (path);
  j->camera_id = g_strdup (camera_id);
  j->event_id = event_id;
  j->frame_us = event_us;
  queue_job (owner, j);
}

static const AxionSnapshotTrackOps track_ops = { track_update, track_keep };

/* ---- files deleted early: their rows told (streaming thread) ----------- */

/* Sends downstream, before the next buffer, one event per snapshot the
 * worker deleted (max-bytes, max-age) or failed to write: axionpgsink
 * clears the storage columns of the frame_metadata row that names it, or
 * removes a track's file from its track_ended event's event_data. */
static void
push_deletions (GstAxionSnapshot *self)
{
  GQueue out = G_QUEUE_INIT;
  GstPad *src = GST_BASE_TRANSFORM_SRC_PAD (self);
  guint max_age;
  FileEntry *f;

  g_mutex_lock (&self->lock);
  if (g_queue_is_empty (&self->gone)) {
    g_mutex_unlock (&self->lock);
    return;
  }
  out = self->gone;
  g_queue_init (&self->gone);
  g_mutex_unlock (&self->lock);
  GST_OBJECT_LOCK (self);
  max_age = self->max_age;
  GST_OBJECT_UNLOCK (self);
  while ((f = g_queue_pop_head (&out)) != NULL) {
    /* when the row would have expired with the file (its mtime) */
    gint64 expires = max_age ? f->mtime_us + (gint64) max_age * G_USEC_PER_SEC
                             : 0;
    GST_DEBUG_OBJECT (self, "deleted early: %s", f->path);
    gst_pad_push_event (src,
        gst_axion_snapshot_deleted_event_new (
            f->camera_id, f->path, f->frame_us, expires, f->event_id));
    file_entry_free (f);
  }
}

/* EOS: the live tracks' files are kept, the queued snapshots are written
 * (bounded wait), and the files their bounds deleted are told before the
 * end of the stream */
static gboolean
gst_axion_snapshot_sink_event (GstBaseTransform *bt, GstEvent *event)
{
  GstAxionSnapshot *self = GST_AXION_SNAPSHOT (bt);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->thread) {
    /* the convert times out after 10 s: a queue never waits longer than
     * queue-size of those */
    gint64 until = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    if (self->tracks)
      axion_snapshot_tracks_keep_live (self->tracks);
    g_mutex_lock (&self->lock);
    while ((self->busy || !g_queue_is_empty (&self->jobs)) &&
        g_cond_wait_until (&self->idle_cond, &self->lock, until))
      ;
    g_mutex_unlock (&self->lock);
    push_deletions (self);
  }
  return GST_BASE_TRANSFORM_CLASS (gst_axion_snapshot_parent_class)
      ->sink_event (bt, event);
}

static GstFlowReturn
gst_axion_snapshot_analyze (GstAxionVideoAnalyzer *analyzer,
    GstVideoFrame *frame, GstAxionFrameMeta *meta)
{
  GstAxionSnapshot *self = GST_AXION_SNAPSHOT (analyzer);
  GstBuffer *buf = frame->buffer;
  const gchar *reason = NULL;
  gboolean on_motion, on_alert, on_track, periodic, full;
  gdouble interval;
  guint max_age;
  gchar *location, *camdir, *dir, *path = NULL;
  GstCaps *caps;
  GstBuffer *copy;
  Job *j;

  GST_OBJECT_LOCK (self);
  on_motion = self->on_motion;
  on_alert = self->on_alert;
  on_track = self->on_track;
  interval = self->interval;
  max_age = self->max_age;
  location = g_strdup (self->location);
  GST_OBJECT_UNLOCK (self);

  push_deletions (self);
  if (on_track)
    axion_snapshot_tracks_frame (self->tracks, frame, meta, location);
  if (on_alert && gst_axion_alert_meta_count (buf) > 0)
    reason = "alert";
  else if (on_motion &&
      gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_MOTION) &&
      meta->motion_state == GST_AXION_MOTION_STATE_START)
    reason = "motion";
  periodic = interval > 0 &&
      (self->last_latest_us == 0 ||
          meta->capture_time_us - self->last_latest_us >=
              interval * G_USEC_PER_SEC ||
          meta->capture_time_us < self->last_latest_us);
  if (reason == NULL && !periodic) {
    g_free (location);
    return GST_FLOW_OK;
  }

  g_mutex_lock (&self->lock);
  full = g_queue_get_length (&self->jobs) >= self->queue_size;
  if (full && reason)
    self->dropped++;
  g_mutex_unlock (&self->lock);
  if (full) {
    GST_DEBUG_OBJECT (self,
        "queue full: snapshot of frame %" G_GUINT64_FORMAT " dropped",
        meta->frame_number);
    g_free (location);
    return GST_FLOW_OK;
  }

  camdir = gst_axion_camera_id_to_filename (meta->camera_id);
  dir = g_build_filename (location, camdir, NULL);
  if (reason)
    path = snapshot_path (dir, meta, reason);
  /* a copy of the pixels (a few hundred kB at event rates): the decoder's
   * buffer goes back to its pool at once */
  caps = gst_video_info_to_caps (&frame->info);
  j = g_new0 (Job, 1);
  copy = gst_buffer_copy_deep (buf);
  j->sample = gst_sample_new (copy, caps, NULL, NULL);
  gst_buffer_unref (copy);
  gst_caps_unref (caps);
  j->dir = dir;
  j->path = g_strdup (path);
  j->camera_id = g_strdup (meta->camera_id);
  j->frame_us = meta->capture_time_us;
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->jobs, j);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  self->last_latest_us = meta->capture_time_us;

  if (path) {
    /* the file's age bound is on the host clock (its mtime): so is the
     * row's expiry */
    gst_axion_frame_meta_set_snapshot (meta, path,
        max_age ? g_get_real_time () + (gint64) max_age * G_USEC_PER_SEC : 0);
    link_alerts (buf, path);
    GST_DEBUG_OBJECT (self, "%s snapshot: %s", reason, path);
  }
  g_free (path);
  g_free (camdir);
  g_free (location);
  return GST_FLOW_OK;
}

/* ---- state --------------------------------------------------------------- */

static gboolean
gst_axion_snapshot_start (GstBaseTransform *bt)
{
  GstAxionSnapshot *self = GST_AXION_SNAPSHOT (bt);
  gchar *location;
  gint err = 0;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  GST_OBJECT_UNLOCK (self);
  if (location == NULL || *location == '\0' ||
      g_mkdir_with_parents (location, 0755) != 0) {
    err = errno;
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, (NULL),
        ("cannot create the snapshot directory \"%s\": %s (set location to "
         "a writable directory)",
            location ? location : "", location ? g_strerror (err) : "unset"));
    g_free (location);
    return FALSE;
  }
  g_free (location);
  self->last_latest_us = 0;
  self->tracks = axion_snapshot_tracks_new (&track_ops, self);
  self->quit = FALSE;
  self->thread = g_thread_new ("axionsnapshot", worker, self);
  return GST_BASE_TRANSFORM_CLASS (gst_axion_snapshot_parent_class)->start (bt);
}

static gboolean
gst_axion_snapshot_stop (GstBaseTransform *bt)
{
  GstAxionSnapshot *self = GST_AXION_SNAPSHOT (bt);

  /* live tracks keep their best frame so far */
  g_clear_pointer (&self->tracks, axion_snapshot_tracks_free);
  /* the queued snapshots are written first: their paths are in rows */
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  if (self->thread)
    g_thread_join (g_steal_pointer (&self->thread));
  return TRUE;
}

/* ---- properties ---------------------------------------------------------- */

static GstStructure *
make_stats (GstAxionSnapshot *self)
{
  GstStructure *s;

  g_mutex_lock (&self->lock);
  s = gst_structure_new ("application/x-axion-snapshot-stats",
      "snapshots-written", G_TYPE_UINT64, self->written, "snapshots-dropped",
      G_TYPE_UINT64, self->dropped, "write-errors", G_TYPE_UINT64, self->errors,
      "files-deleted", G_TYPE_UINT64, self->deleted, "files-on-disk",
      G_TYPE_UINT, g_queue_get_length (&self->files), "bytes-on-disk",
      G_TYPE_UINT64, self->disk_bytes, "queued", G_TYPE_UINT,
      g_queue_get_length (&self->jobs), "encode-ms-avg", G_TYPE_DOUBLE,
      self->written ? self->encode_ms / self->written : 0.0, "track-updates",
      G_TYPE_UINT64, self->track_updates, "track-updates-dropped",
      G_TYPE_UINT64, self->track_dropped, "track-snapshots", G_TYPE_UINT64,
      self->track_kept, NULL);
  g_mutex_unlock (&self->lock);
  return s;
}

static void
gst_axion_snapshot_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionSnapshot *self = GST_AXION_SNAPSHOT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_LOCATION:
    g_free (self->location);
    self->location = g_value_dup_string (value);
    break;
  case PROP_ON_MOTION:
    self->on_motion = g_value_get_boolean (value);
    break;
  case PROP_ON_ALERT:
    self->on_alert = g_value_get_boolean (value);
    break;
  case PROP_ON_TRACK:
    self->on_track = g_value_get_boolean (value);
    break;
  case PROP_INTERVAL:
    self->interval = g_value_get_double (value);
    break;
  case PROP_MAX_BYTES:
    self->max_bytes = g_value_get_uint64 (value);
    break;
  case PROP_MAX_AGE:
    self->max_age = g_value_get_uint (value);
    break;
  case PROP_QUEUE_SIZE:
    self->queue_size = g_value_get_uint (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_snapshot_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionSnapshot *self = GST_AXION_SNAPSHOT (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_LOCATION:
    g_value_set_string (value, self->location);
    break;
  case PROP_ON_MOTION:
    g_value_set_boolean (value, self->on_motion);
    break;
  case PROP_ON_ALERT:
    g_value_set_boolean (value, self->on_alert);
    break;
  case PROP_ON_TRACK:
    g_value_set_boolean (value, self->on_track);
    break;
  case PROP_INTERVAL:
    g_value_set_double (value, self->interval);
    break;
  case PROP_MAX_BYTES:
    g_value_set_uint64 (value, self->max_bytes);
    break;
  case PROP_MAX_AGE:
    g_value_set_uint (value, self->max_age);
    break;
  case PROP_QUEUE_SIZE:
    g_value_set_uint (value, self->queue_size);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_snapshot_finalize (GObject *object)
{
  GstAxionSnapshot *self = GST_AXION_SNAPSHOT (object);

  /* (NULL after stop; before the job queue: what it queues is freed) */
  g_clear_pointer (&self->tracks, axion_snapshot_tracks_free);
  g_queue_clear_full (&self->jobs, (GDestroyNotify) job_free);
  g_queue_clear_full (&self->files, (GDestroyNotify) file_entry_free);
  g_queue_clear_full (&self->gone, (GDestroyNotify) file_entry_free);
  g_free (self->scanned_dir);
  g_free (self->location);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_cond_clear (&self->idle_cond);
  G_OBJECT_CLASS (gst_axion_snapshot_parent_class)->finalize (object);
}

static void
gst_axion_snapshot_init (GstAxionSnapshot *self)
{
  self->location = g_strdup (DEFAULT_LOCATION);
  self->on_motion = TRUE;
  self->on_alert = TRUE;
  self->on_track = TRUE;
  self->interval = DEFAULT_INTERVAL;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->max_age = DEFAULT_MAX_AGE;
  self->queue_size = DEFAULT_QUEUE_SIZE;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_cond_init (&self->idle_cond);
  g_queue_init (&self->jobs);
  g_queue_init (&self->files);
  g_queue_init (&self->gone);
}

static void
gst_axion_snapshot_class_init (GstAxionSnapshotClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *bt_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAxionVideoAnalyzerClass *an_class = GST_AXION_VIDEO_ANALYZER_CLASS (klass);
  const GParamFlags rw = GST_AXION_PARAM_RW_PLAYING;

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_snapshot_debug, "axionsnapshot", 0, "Axion JPEG snapshots");

  gobject_class->set_property = gst_axion_snapshot_set_property;
  gobject_class->get_property = gst_axion_snapshot_get_property;
  gobject_class->finalize = gst_axion_snapshot_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Root directory of the snapshots; each camera writes "
          "LOCATION/CAMERA/YYYY-MM-DD/*.jpg and LOCATION/CAMERA/latest.jpg "
          "(created at start)",
          DEFAULT_LOCATION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ON_MOTION,
      g_param_spec_boolean ("on-motion", "On motion",
          "A snapshot of the first frame of each motion event", TRUE, rw));
  g_object_class_install_property (gobject_class, PROP_ON_ALERT,
      g_param_spec_boolean ("on-alert", "On alert",
          "A snapshot of every frame that carries an alert (its path goes "
          "into alert_data.snapshot_path)",
          TRUE, rw));
  g_object_class_install_property (gobject_class, PROP_ON_TRACK,
      g_param_spec_boolean ("on-track", "On track",
          "Each track's best frame (highest confidence of its detection, "
          "axiontrack's track-id) in CAMERA/tracks/ID.jpg, its path in the "
          "track_ended event's event_data.snapshot_path",
          TRUE, rw));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_double ("interval", "Interval",
          "Seconds (capture time) between refreshes of latest.jpg when no "
          "event snapshot was taken; 0 = only on events",
          0, 86400, DEFAULT_INTERVAL, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_BYTES,
      g_param_spec_uint64 ("max-bytes", "Max bytes",
          "Disk bound of the camera's snapshots in bytes: the oldest are "
          "deleted beyond it (latest.jpg not counted)",
          0, G_MAXUINT64, DEFAULT_MAX_BYTES, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_AGE,
      g_param_spec_uint ("max-age", "Max age",
          "Seconds a snapshot is kept (by file time); 0 = no age limit "
          "(default 7 days)",
          0, G_MAXUINT, DEFAULT_MAX_AGE, rw));
  g_object_class_install_property (gobject_class, PROP_QUEUE_SIZE,
      g_param_spec_uint ("queue-size", "Queue size",
          "Snapshots waiting for the writer thread at most; beyond, a "
          "snapshot is dropped and counted (snapshots-dropped)",
          1, 1024, DEFAULT_QUEUE_SIZE, rw));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "snapshots-written, snapshots-dropped, write-errors, "
          "files-deleted, files-on-disk, bytes-on-disk, queued, "
          "encode-ms-avg, track-updates, track-updates-dropped, "
          "track-snapshots",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Axion event snapshots",
      "Filter/Analyzer/Video",
      "JPEG snapshots on motion start, alerts and each track's best frame, "
      "written off the streaming thread, bounded by size and age",
      "Axion developers");
  gst_axion_video_analyzer_class_add_pad_templates (an_class);

  bt_class->start = gst_axion_snapshot_start;
  bt_class->stop = gst_axion_snapshot_stop;
  bt_class->sink_event = gst_axion_snapshot_sink_event;
  an_class->analyze = gst_axion_snapshot_analyze;
}
