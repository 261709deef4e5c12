/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionpgsink
 * @title: axionpgsink
 *
 * Writes the Axion metadata of each buffer to PostgreSQL: frame_metadata,
 * camera_events, claude_analyses, alerts, the cameras registry,
 * system_metrics and audit_log, with the schema of sql/.
 *
 * The streaming thread only turns metas into rows (gst-libs row functions)
 * and appends them to an in-memory batch. A worker thread with its own
 * connection writes batches (by size and by time) with COPY into a
 * temporary staging table and INSERT ... SELECT ... ON CONFLICT DO NOTHING:
 * ids are made in the pipeline, so a batch written twice adds nothing.
 * When the server is away, slow, restarting or read-only, batches go to an
 * on-disk spool and are replayed in order, before new rows, when it
 * returns; a spool left by a crashed process is replayed by the next one
 * that uses the same spool directory.
 *
 * |[
 * gst-launch-1.0 videotestsrc ! axionmotion camera-id=CAM001 ! axionhash !
 *   axionpgsink conninfo="host=/run/postgresql dbname=axion"
 *   spool-dir=/var/spool/axion/CAM001
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionpgsink.h"

#include <gst/axion/gstaxionformat.h>
#include "axionpgaudit.h"
#include "axionpgsnapdel.h"
#include "axionpgbatch.h"
#include "axionpgjournal.h"
#include "axionpgspool.h"
#include "axionpgwriter.h"

#include <glib/gstdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_axion_pg_sink_debug);
#define GST_CAT_DEFAULT gst_axion_pg_sink_debug

#define DEFAULT_BATCH_SIZE 1000
#define DEFAULT_SPOOL_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)
#define DEFAULT_SPOOL_FSYNC TRUE
#define DEFAULT_FRAME_INTERVAL 1
#define DEFAULT_MAX_QUEUED 64
#define DEFAULT_CONNECT_TIMEOUT_S 5
#define DEFAULT_METRICS_INTERVAL_MS 10000
#define DEFAULT_STATEMENT_TIMEOUT_MS 30000

typedef enum
{
  SPOOL_FULL_BLOCK,
  SPOOL_FULL_DROP,
  SPOOL_FULL_ERROR,
} SpoolFullPolicy;

enum
{
  PROP_0,
  PROP_CONNINFO,
  PROP_BATCH_SIZE,
  PROP_SPOOL_DIR,
  PROP_SPOOL_MAX_BYTES,
  PROP_SPOOL_FSYNC,
  PROP_JOURNAL,
  PROP_SPOOL_FULL_POLICY,
  PROP_FRAME_INTERVAL,
  PROP_MOTION_EVENTS,
  PROP_OBJECT_EVENTS,
  PROP_SCENE_EVENTS,
  PROP_QUALITY_EVENTS,
  PROP_REQUIRE_CONNECTION,
  PROP_CREATE_PARTITIONS,
  PROP_MAX_QUEUED_BATCHES,
  PROP_METRICS_INTERVAL_MS,
  PROP_STATEMENT_TIMEOUT_MS,
  PROP_STATS,
};

struct _GstAxionPgSink
{
  GstAxionQueueSink parent;

  /* properties (object lock) */
  gchar *conninfo;
  guint batch_size;
  gchar *spool_dir;
  guint64 spool_max_bytes;
  gboolean spool_fsync;
  gboolean journal;
  SpoolFullPolicy spool_full_policy;
  guint frame_interval;
  gboolean motion_events, object_events, scene_events, quality_events;
  gboolean require_connection;
  gboolean create_partitions;
  guint max_queued;
  guint metrics_interval_ms;
  guint statement_timeout_ms;

  /* shared between streaming thread and worker (parent.lock) */
  AxionPgBatch *pending;
  GQueue queue;       /* of AxionPgBatch, oldest first */
  AxionPgBatch *sent; /* sent in one round trip, results not read yet */
  gboolean fatal;     /* configuration error posted */
  guint64 spool_bytes;
  guint spool_files;
  gboolean spool_is_full;       /* the last spool write found no room */
  AxionPgJournal journal_state; /* dir set when the spool opens */
  gboolean journal_failing;     /* the last append failed */
  gchar *journal_error;         /* a failure to post (a warning) */
  gboolean spool_reopened;      /* a spool opened: the worker replays it */
  GThread *worker;

  /* stats (lock) */
  guint64 rows_queued, rows_written, rows_spooled, rows_replayed;
  guint64 rows_dropped, rows_rejected, batches, spool_full;
  guint64 rows_duplicate; /* already in the database: skipped */
  guint64 rows_collided;  /* id taken by a different row: kept aside */
  guint64 buffers_without_meta, rows_invalid;
  gdouble last_lag_ms;

  /* streaming thread */
  GstVideoInfo vinfo;
  gboolean have_info;
  const gchar *format; /* interned, from the caps */
  gdouble fps;
  GstAxionFrameRate rate; /* streaming thread: fps_actual */
  gchar *source_uri;
  GHashTable *cameras_seen;
  const gchar *last_camera; /* the key of cameras_seen the last frame had */

  /* the spool: dir set when it opens (lock; NULL: none), not changed
   * again before stop; the rest worker thread */
  AxionPgSpool spool;
  /* without spool-dir: the default root, a directory per camera under it
   * opened at the first camera id (streaming thread) */
  gchar *spool_root;
  gboolean spool_opened;

  /* worker thread */
  AxionPgWriter writer;
  AxionPgAudit audit; /* the other Axion elements' changes */
  /* axionsnapshot's early deletions (own lock; file in the spool dir) */
  AxionPgSnapDels snapdels;
  gboolean spool_pending;     /* spool files to replay before new rows */
  gint64 spool_full_tried_us; /* the last spool write tried while full */
  gint64 last_metrics_us;
  guint64 last_metrics_rows;
};

#define gst_axion_pg_sink_parent_class parent_class
G_DEFINE_TYPE (GstAxionPgSink, gst_axion_pg_sink, GST_TYPE_AXION_QUEUE_SINK);
GST_ELEMENT_REGISTER_DEFINE (
    axionpgsink, "axionpgsink", GST_RANK_NONE, GST_TYPE_AXION_PG_SINK);

#define GST_TYPE_AXION_PG_SPOOL_FULL (spool_full_get_type ())
static GType
spool_full_get_type (void)
{
  static GType t = 0;
  static const GEnumValue values[] = {
    { SPOOL_FULL_BLOCK, "Block the stream until there is room (no loss)",
        "block" },
    { SPOOL_FULL_DROP, "Drop the newest rows, counted in stats", "drop" },
    { SPOOL_FULL_ERROR, "Post an element error (pipeline stops, no loss)",
        "error" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&t)) {
    GType tt = g_enum_register_static ("GstAxionPgSinkSpoolFull", values);
    g_once_init_leave (&t, tt);
  }
  return t;
}

/* ---- batches and the journal (streaming thread) -------------------------- */

static void
free_rows (GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    gst_axion_row_free (g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

/* lock held */
static void
batch_add_row (GstAxionPgSink *self, GstAxionRow *row)
{
  if (self->pending == NULL)
    self->pending = axion_pg_batch_new ();
  axion_pg_batch_add_row (self->pending, row);
  self->rows_queued++;
  gst_axion_queue_sink_count (GST_AXION_QUEUE_SINK (self), 1, 0);
}

/* lock held (released while faulting in): keeps pages of the current
 * journal's mapping ready for the streaming thread (worker) */
static void
journal_prepare (GstAxionPgSink *self)
{
  gsize from, len, got;
  AxionPgJournalFile *f = axion_pg_journal_populate_begin (
      &self->journal_state, &from, &len);

  if (f == NULL)
    return;
  g_mutex_unlock (&self->parent.lock);
  got = axion_pg_journal_populate (f, from, len);
  g_mutex_lock (&self->parent.lock);
  axion_pg_journal_populate_end (f, from, got);
}

/* lock held. Appends the rows of @b not yet journaled to its journal file
 * (one write per call, no fsync: the rows survive the process being
 * killed, not the machine losing power). */
static void
journal_append (GstAxionPgSink *self, AxionPgBatch *b)
{
  GError *err = NULL;

  if (axion_pg_journal_append (&self->journal_state, b, &err)) {
    if (self->journal_failing && b && !b->jdead) {
      self->journal_failing = FALSE;
      GST_INFO_OBJECT (self, "the journal is written again");
    }
    return;
  }
  /* a warning once per failing spell, posted without the lock */
  if (!self->journal_failing) {
    self->journal_failing = TRUE;
    g_free (self->journal_error);
    self->journal_error = g_strdup (err->message);
  }
  g_clear_error (&err);
}

/* Posts a journal failure noted under the lock (a warning once per
 * failing spell). Dropped rows are posted by the base class
 * (gst_axion_queue_sink_dropped()). */
static void
post_warnings (GstAxionPgSink *self)
{
  gchar *journal;

  g_mutex_lock (&self->parent.lock);
  journal = g_steal_pointer (&self->journal_error);
  g_mutex_unlock (&self->parent.lock);
  if (journal)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Cannot write the journal: rows not yet written nor spooled are "
         "lost if the process is killed"),
        ("%s", journal));
  g_free (journal);
}

/* lock held: move the pending batch to the worker queue */
static void
queue_pending (GstAxionPgSink *self)
{
  if (self->pending && self->pending->total > 0) {
    journal_append (self, self->pending);
    g_queue_push_tail (&self->queue, self->pending);
    self->pending = NULL;
  }
}

static void
set_last_error (GstAxionPgSink *self, const gchar *msg)
{
  gchar *clean = axion_pg_clean_error (msg);
  gst_axion_queue_sink_set_error (GST_AXION_QUEUE_SINK (self), clean);
  g_free (clean);
}

/* ---- spool (worker, and start) ------------------------------------------- */

/* The spool as it is now: its directory (NULL: none yet, or none) and
 * the properties it follows; @used: the bytes in it */
static void
spool_snapshot (GstAxionPgSink *self, AxionPgSpool *sp, guint64 *used)
{
  g_mutex_lock (&self->parent.lock);
  sp->dir = self->spool.dir;
  if (used)
    *used = self->spool_bytes;
  g_mutex_unlock (&self->parent.lock);
  GST_OBJECT_LOCK (self);
  sp->max_bytes = self->spool_max_bytes;
  sp->fsync = self->spool_fsync;
  GST_OBJECT_UNLOCK (self);
}

/* Write @b as one spool file in @sp. Returns FALSE when there is no spool
 * directory, no room (spool-max-bytes, or a full disk: both count as
 * spool-full) or the write failed (the batch is kept by the caller). */
static gboolean
spool_write_to (
    GstAxionPgSink *self, AxionPgSpool *sp, guint64 used, AxionPgBatch *b)
{
  gsize size = 0;
  gchar *path = NULL;
  GError *err = NULL;

  if (sp->dir == NULL)
    return FALSE;
  if (!axion_pg_spool_write (sp, b, used, &size, &path, &err)) {
    if (g_error_matches (
            err, AXION_PG_SPOOL_ERROR, AXION_PG_SPOOL_ERROR_FULL) ||
        g_error_matches (
            err, AXION_PG_SPOOL_ERROR, AXION_PG_SPOOL_ERROR_NO_SPACE)) {
      g_mutex_lock (&self->parent.lock);
      self->spool_full++;
      self->spool_is_full = TRUE;
      g_mutex_unlock (&self->parent.lock);
    }
    GST_WARNING_OBJECT (self, "%s", err->message);
    g_clear_error (&err);
    return FALSE;
  }
  g_mutex_lock (&self->parent.lock);
  self->spool_bytes += size;
  self->spool_files++;
  self->spool_is_full = FALSE;
  self->rows_spooled += b->total;
  g_mutex_unlock (&self->parent.lock);
  GST_DEBUG_OBJECT (self, "spooled %u rows to %s", b->total, path);
  g_free (path);
  return TRUE;
}

static gboolean
spool_write (GstAxionPgSink *self, AxionPgBatch *b)
{
  AxionPgSpool sp;
  guint64 used;

  spool_snapshot (self, &sp, &used);
  return spool_write_to (self, &sp, used, b);
}

/* Journals left by a process that died (killed, crashed) hold rows that
 * reached render() but neither the database nor a spool file: they become
 * spool files, replayed in order after the older ones. */
static void
journal_recover (GstAxionPgSink *self, AxionPgSpool *sp)
{
  GPtrArray *paths = axion_pg_journal_list (sp->dir);

  for (guint i = 0; i < paths->len; i++) {
    const gchar *path = g_ptr_array_index (paths, i);
    AxionPgBatch *b = axion_pg_journal_read (path, NULL);

    if (b == NULL) { /* an I/O error: the rows may be there, keep it */
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("Cannot read the journal %s of a previous process: kept, tried "
           "again at the next start",
              path),
          (NULL));
    } else if (b->total == 0) {
      g_unlink (path); /* nothing usable: cut before the first section */
    } else if (spool_write_to (self, sp, 0, b)) {
      GST_INFO_OBJECT (self, "recovered %u rows of a previous process from %s",
          b->total, path);
      g_unlink (path);
    } else {
      GST_WARNING_OBJECT (self,
          "journal %s (%u rows) kept: the spool is "
          "full; it is recovered at the next start",
          path, b->total);
    }
    axion_pg_batch_free (b);
  }
  g_ptr_array_unref (paths);
}

/* the spool's files, sorted (none without a spool) */
static GPtrArray *
spool_list (GstAxionPgSink *self, guint64 *total_bytes)
{
  AxionPgSpool sp;

  spool_snapshot (self, &sp, NULL);
  if (sp.dir == NULL) {
    *total_bytes = 0;
    return g_ptr_array_new ();
  }
  return axion_pg_spool_list (&sp, total_bytes);
}

/* Keep rows the server refused as data in spool-dir/rejected/ (never
 * replayed automatically: an operator looks at them). */
static void
keep_rejected (GstAxionPgSink *self, AxionPgBatch *b)
{
  gchar *path = NULL;
  AxionPgSpool sp;

  g_mutex_lock (&self->parent.lock);
  self->rows_rejected += b->total;
  g_mutex_unlock (&self->parent.lock);
  spool_snapshot (self, &sp, NULL);
  if (sp.dir)
    path = axion_pg_spool_write_rejected (&sp, b, NULL);
  if (path == NULL) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("PostgreSQL refused %u rows as invalid data", b->total),
        ("%s; no spool-dir to keep them", self->writer.last_error));
    return;
  }
  GST_ELEMENT_WARNING (self, STREAM, FAILED,
      ("PostgreSQL refused %u rows as invalid data", b->total),
      ("%s; kept in %s", self->writer.last_error, path));
  g_free (path);
}

/* Rows whose ids are taken by different rows (two writers made one id:
 * see docs/scaling.md) are an error, not duplicates: counted, said in an
 * element warning, and kept in spool-dir/rejected/ like refused rows. */
static void
keep_collided (GstAxionPgSink *self, AxionPgBatch *b)
{
  gchar *path = NULL;
  AxionPgSpool sp;

  g_mutex_lock (&self->parent.lock);
  self->rows_collided += b->total;
  g_mutex_unlock (&self->parent.lock);
  spool_snapshot (self, &sp, NULL);
  if (sp.dir)
    path = axion_pg_spool_write_rejected (&sp, b, NULL);
  GST_ELEMENT_WARNING (self, STREAM, FAILED,
      ("%u rows have ids that different rows already have in the database: "
       "not written",
          b->total),
      ("two writers made the same ids (shared id node? see docs/scaling.md: "
       "node leases, AXION_NODE_ID); %s%s",
          path ? "kept in " : "no spool-dir to keep them", path ? path : ""));
  g_free (path);
}

/* ---- database (worker) --------------------------------------------------- */

static void
post_fatal (GstAxionPgSink *self, const gchar *what, const gchar *detail)
{
  gchar *ci;

  g_mutex_lock (&self->parent.lock);
  if (self->fatal) {
    g_mutex_unlock (&self->parent.lock);
    return;
  }
  self->fatal = TRUE;
  g_mutex_unlock (&self->parent.lock);
  GST_OBJECT_LOCK (self);
  ci = axion_pg_redact_conninfo (self->conninfo);
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", what),
      ("%s (conninfo: %s)", detail, ci));
  g_free (ci);
}

/* After a writer call: its news into the element (last error, duplicates,
 * a fatal error to post). */
static void
writer_done (GstAxionPgSink *self)
{
  AxionPgWriter *w = &self->writer;

  if (w->last_error)
    set_last_error (self, w->last_error);
  g_mutex_lock (&self->parent.lock);
  self->rows_duplicate += w->rows_duplicate;
  w->rows_duplicate = 0;
  g_mutex_unlock (&self->parent.lock);
  if (w->collided) {
    AxionPgBatch *c = w->collided;
    w->collided = NULL;
    keep_collided (self, c);
    axion_pg_batch_free (c);
  }
  if (w->fatal_what) {
    post_fatal (self, w->fatal_what, w->fatal_detail);
    w->fatal_what = NULL;
    g_clear_pointer (&w->fatal_detail, g_free);
  }
}

static gboolean
conn_ok (GstAxionPgSink *self)
{
  return axion_pg_writer_connected (&self->writer);
}

/* the writer's bounds: statement-timeout-ms, and the base class's
 * give-up time (stop, an EOS out of time) */
static gint64
writer_give_up (gpointer sink)
{
  return gst_axion_queue_sink_give_up_time (GST_AXION_QUEUE_SINK (sink));
}

static void
writer_settings (GstAxionPgSink *self)
{
  GST_OBJECT_LOCK (self);
  self->writer.statement_timeout_ms = self->statement_timeout_ms;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_pg_sink_disconnect (GstAxionQueueSink *qs)
{
  axion_pg_writer_disconnect (&GST_AXION_PG_SINK (qs)->writer);
}

/* The schema and partitions are ready. */
static void
connected (GstAxionPgSink *self)
{
  gboolean partitions;
  gchar *err = NULL;

  GST_OBJECT_LOCK (self);
  partitions = self->create_partitions;
  GST_OBJECT_UNLOCK (self);
  if (partitions && !axion_pg_writer_create_partitions (&self->writer, &err)) {
    GST_WARNING_OBJECT (self, "could not create partitions ahead: %s", err);
    g_free (err);
  }
  GST_INFO_OBJECT (
      self, "connected to PostgreSQL %d", PQserverVersion (self->writer.conn));
}

/* An outage: the base class retries with backoff and jitter. */
static GstAxionSinkResult
lost (GstAxionPgSink *self, const gchar *what, gchar **error)
{
  gchar *clean = axion_pg_clean_error (self->writer.last_error);

  *error = g_strdup_printf ("PostgreSQL %s (%s); spooling", what, clean);
  g_free (clean);
  return GST_AXION_SINK_LOST;
}

static GstAxionSinkResult
gst_axion_pg_sink_connect (GstAxionQueueSink *qs, gchar **error)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (qs);
  AxionPgConnectResult res;
  gchar *ci;

  GST_OBJECT_LOCK (self);
  ci = g_strdup (self->conninfo);
  GST_OBJECT_UNLOCK (self);
  writer_settings (self);
  res = axion_pg_writer_connect (&self->writer, ci, DEFAULT_CONNECT_TIMEOUT_S);
  g_free (ci);
  switch (res) {
  case AXION_PG_CONNECT_OK:
    connected (self);
    return GST_AXION_SINK_OK;
  case AXION_PG_CONNECT_REFUSED:
    post_fatal (self,
        "PostgreSQL refused the connection: check the user, "
        "password and database of conninfo",
        self->writer.last_error);
    *error = axion_pg_clean_error (self->writer.last_error);
    return GST_AXION_SINK_FATAL;
  case AXION_PG_CONNECT_UNREACHABLE:
    return lost (self, "unreachable", error);
  case AXION_PG_CONNECT_CHECK_FAILED:
    return lost (self, "failed the schema check", error);
  case AXION_PG_CONNECT_NO_SCHEMA:
  default:
    post_fatal (self, "The database has no Axion schema",
        "create it with: tools/axion-db -d '<conninfo>' migrate");
    *error = g_strdup ("The database has no Axion schema");
    return GST_AXION_SINK_FATAL;
  }
}

static AxionPgWriteResult
write_batch (GstAxionPgSink *self, AxionPgBatch *b, gboolean replay)
{
  AxionPgWriteResult res = axion_pg_writer_write (&self->writer, b, replay);
  writer_done (self);
  return res;
}

/* A batch was refused as data: written row by row, the refused rows
 * kept aside. Returns TRUE when every row was written or kept. */
static gboolean
write_row_by_row (GstAxionPgSink *self, AxionPgBatch *b)
{
  AxionPgBatch *refused = NULL;
  AxionPgWriteResult res = axion_pg_writer_write_row_by_row (
      &self->writer, b, &refused);

  writer_done (self);
  if (refused) {
    keep_rejected (self, refused);
    b->total -= refused->total; /* the caller counts the written rows */
    axion_pg_batch_free (refused);
  }
  return res == AXION_PG_WRITE_OK;
}

static void
batch_written (GstAxionPgSink *self, AxionPgBatch *b, gboolean replay)
{
  gdouble lag = (g_get_monotonic_time () - b->first_us) / 1000.0;

  g_mutex_lock (&self->parent.lock);
  self->batches++;
  if (replay)
    self->rows_replayed += b->total;
  else
    self->rows_written += b->total;
  gst_axion_queue_sink_count (GST_AXION_QUEUE_SINK (self), 0, b->total);
  self->last_lag_ms = lag;
  g_mutex_unlock (&self->parent.lock);
  GST_LOG_OBJECT (self, "%s %u rows (lag %.1f ms)",
      replay ? "replayed" : "wrote", b->total, lag);
}

/* A spool file of @size bytes was replayed: it goes. */
static void
spool_file_done (GstAxionPgSink *self, const gchar *path, gsize size)
{
  g_unlink (path);
  g_mutex_lock (&self->parent.lock);
  self->spool_is_full = FALSE;
  self->spool_bytes -= MIN (self->spool_bytes, size);
  self->spool_files -= MIN (self->spool_files, 1);
  g_mutex_unlock (&self->parent.lock);
}

/* A spool file that cannot be read: renamed *.corrupt (kept for an
 * operator, never replayed), no longer counted in the spool, and said so
 * in an element warning (its rows are not counted: unknown). */
static void
spool_set_aside (GstAxionPgSink *self, const gchar *path)
{
  gchar *bad = g_strconcat (path, ".corrupt", NULL);
  GStatBuf st;
  gsize size = g_stat (path, &st) == 0 ? (gsize) st.st_size : 0;

  g_rename (path, bad);
  g_mutex_lock (&self->parent.lock);
  self->spool_bytes -= MIN (self->spool_bytes, size);
  self->spool_files -= MIN (self->spool_files, 1);
  g_mutex_unlock (&self->parent.lock);
  GST_ELEMENT_WARNING (self, RESOURCE, READ,
      ("A spool file cannot be read: set aside as %s, not replayed", bad),
      ("its rows are not in the database; look at the file"));
  g_free (bad);
}

/* Replay spool files in order. Returns TRUE when the spool is empty. */
static gboolean
replay_spool (GstAxionPgSink *self)
{
  guint64 bytes;
  GPtrArray *files = spool_list (self, &bytes);
  gboolean done = TRUE;

  for (guint i = 0; i < files->len && done; i++) {
    const gchar *path = g_ptr_array_index (files, i);
    gsize size = 0;
    AxionPgBatch *b;
    AxionPgWriteResult wr;
    gboolean stopping;

    g_mutex_lock (&self->parent.lock);
    stopping = gst_axion_queue_sink_is_stopping (GST_AXION_QUEUE_SINK (self));
    g_mutex_unlock (&self->parent.lock);
    if (stopping) { /* the rest at the next start */
      done = FALSE;
      break;
    }
    b = axion_pg_spool_read (path, &size);
    if (b == NULL) {
      spool_set_aside (self, path);
      continue;
    }
    wr = write_batch (self, b, TRUE);
    if (wr == AXION_PG_WRITE_OK ||
        (wr == AXION_PG_WRITE_REJECTED && write_row_by_row (self, b))) {
      batch_written (self, b, TRUE);
      spool_file_done (self, path, size);
    } else {
      done = FALSE;
    }
    axion_pg_batch_free (b);
  }
  g_ptr_array_unref (files);
  return done;
}

/* lock held: the sink's own health as system_metrics rows */
static void
add_metrics (GstAxionPgSink *self, gint64 now_us)
{
  gdouble secs = (now_us - self->last_metrics_us) / 1e6;
  guint64 done = self->rows_written + self->rows_replayed;
  const gchar *name = GST_OBJECT_NAME (self);
  struct
  {
    const gchar *name, *type, *unit;
    gdouble value;
  } m[] = {
    { "rows_written_per_s", "rate", "count",
        secs > 0 ? (done - self->last_metrics_rows) / secs : 0 },
    { "write_lag", "gauge", "ms", self->last_lag_ms },
    { "spool_bytes", "gauge", "bytes", (gdouble) self->spool_bytes },
    { "queued_batches", "gauge", "count",
        (gdouble) g_queue_get_length (&self->queue) },
    { "rows_dropped", "counter", "count", (gdouble) self->rows_dropped },
  };

  for (guint i = 0; i < G_N_ELEMENTS (m); i++) {
    GstAxionMetric metric = { m[i].name, m[i].type, "postgres", name,
      MIN (m[i].value, 999999999.0), m[i].unit, NULL, g_get_real_time () };
    GstAxionRow *row = gst_axion_row_system_metric (&metric, 0, NULL);
    if (row)
      batch_add_row (self, row);
  }
  self->last_metrics_rows = done;
  self->last_metrics_us = now_us;
}

/* worker: whether a spool write is worth trying: not again and again
 * while the spool is full (each try serialises the batch, and on a full
 * disk writes until ENOSPC), but every SPOOL_FULL_RETRY_US, or at once
 * when a replay made room (spool_is_full cleared) */
#define SPOOL_FULL_RETRY_US (10 * G_USEC_PER_SEC)
static gboolean
spool_may_have_room (GstAxionPgSink *self)
{
  gint64 now = g_get_monotonic_time ();
  gboolean full;

  g_mutex_lock (&self->parent.lock);
  full = self->spool_is_full;
  g_mutex_unlock (&self->parent.lock);
  if (!full) {
    self->spool_full_tried_us = 0;
    return TRUE;
  }
  if (now - self->spool_full_tried_us < SPOOL_FULL_RETRY_US)
    return FALSE;
  self->spool_full_tried_us = now;
  return TRUE;
}

/* not written: to the spool, in order after older spooled batches; with
 * no spool (or a full one) back to the head of the queue, or at stop
 * counted as dropped (a warning with the count). Returns whether it was
 * spooled. */
static gboolean
keep_unwritten (GstAxionPgSink *self, AxionPgBatch *b, gboolean final)
{
  guint64 lost = 0;

  if (spool_may_have_room (self) && spool_write (self, b)) {
    axion_pg_batch_retire (b);
    self->spool_pending = TRUE;
    return TRUE;
  }
  g_mutex_lock (&self->parent.lock);
  g_queue_push_head (&self->queue, b);
  if (final) {
    /* counted and warned; their journal goes too (a clean exit leaves no
     * journal: rows it held would come back at the next start although
     * counted as dropped here) */
    while ((b = g_queue_pop_head (&self->queue))) {
      lost += b->total;
      axion_pg_batch_retire (b);
    }
    self->rows_dropped += lost;
  }
  g_mutex_unlock (&self->parent.lock);
  gst_axion_queue_sink_dropped (GST_AXION_QUEUE_SINK (self), lost, "rows",
      "PostgreSQL was away at shutdown and the rows could not be spooled "
      "(no spool, or a full one): free disk space or raise spool-max-bytes");
  return FALSE;
}

/* worker: the results of the batch sent at the last flush */
static void
finish_sent (
    GstAxionPgSink *self, AxionPgBatch *b, gboolean online, gboolean final)
{
  AxionPgWriteResult wr = AXION_PG_WRITE_RETRY;

  if (online) {
    wr = axion_pg_writer_values_finish (&self->writer, b, TRUE);
    if (wr == AXION_PG_WRITE_REJECTED)
      wr = axion_pg_writer_write_copy (&self->writer, b, FALSE);
    writer_done (self);
  }
  if (wr == AXION_PG_WRITE_OK ||
      (wr == AXION_PG_WRITE_REJECTED && write_row_by_row (self, b))) {
    batch_written (self, b, FALSE);
    axion_pg_batch_retire (b);
  } else {
    keep_unwritten (self, b, final);
  }
}

/* worker: writes @b (or at a tick, when it is the last, sends it in one
 * round trip whose results are read at the next flush: they arrive while
 * the worker sleeps, one wake-up per flush, not two). Returns FALSE when
 * it was not written. */
static gboolean
write_or_send (GstAxionPgSink *self, AxionPgBatch *b, gboolean tick)
{
  AxionPgWriteResult wr;
  gboolean last;

  g_mutex_lock (&self->parent.lock);
  last = g_queue_is_empty (&self->queue);
  g_mutex_unlock (&self->parent.lock);
  if (tick && last && axion_pg_writer_values_eligible (b) &&
      axion_pg_writer_values_send (&self->writer, b)) {
    g_mutex_lock (&self->parent.lock);
    self->sent = b;
    g_mutex_unlock (&self->parent.lock);
    return TRUE;
  }
  wr = write_batch (self, b, FALSE);
  if (wr == AXION_PG_WRITE_OK ||
      (wr == AXION_PG_WRITE_REJECTED && write_row_by_row (self, b))) {
    batch_written (self, b, FALSE);
    axion_pg_batch_retire (b);
    return TRUE;
  }
  return FALSE;
}

/* lock held: the pending batch queued, metrics rows when due */
static void
collect (GstAxionPgSink *self, GstAxionFlushKind kind)
{
  gint64 now = g_get_monotonic_time ();
  guint metrics_ms;

  /* (may release the lock: the state is read after it) */
  journal_prepare (self);
  if (self->spool_reopened) { /* a spool opened with files to replay */
    self->spool_reopened = FALSE;
    self->spool_pending = TRUE;
  }
  GST_OBJECT_LOCK (self);
  metrics_ms = self->metrics_interval_ms;
  GST_OBJECT_UNLOCK (self);
  if (metrics_ms > 0 && kind != GST_AXION_FLUSH_FINAL &&
      now - self->last_metrics_us >= (gint64) metrics_ms * 1000)
    add_metrics (self, now);
  queue_pending (self);
}

/* worker: on every flush-interval-ms tick, a full batch (kick), EOS and
 * stop: the spool is replayed first, then the queue is written in order;
 * what cannot be written is spooled */
static GstAxionSinkResult
gst_axion_pg_sink_flush (GstAxionQueueSink *qs, GstAxionFlushKind kind,
    gboolean online, gchar **error)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (qs);
  gboolean final = kind == GST_AXION_FLUSH_FINAL, was_online = online;
  AxionPgBatch *b;

  writer_settings (self);
  g_mutex_lock (&self->parent.lock);
  collect (self, kind);
  b = self->sent;
  self->sent = NULL;
  g_mutex_unlock (&self->parent.lock);
  if (b)
    finish_sent (self, b, online && conn_ok (self), final);
  online = online && conn_ok (self);

  /* the spool directory is read only when this worker spooled something
   * or found files at start (not at every flush) */
  /* not at stop: replaying a large spool could hold stop for minutes;
   * the spool stays for the next start, and new rows go after it */
  if (online && self->spool_pending && !final)
    self->spool_pending = !replay_spool (self);
  while (TRUE) {
    g_mutex_lock (&self->parent.lock);
    b = g_queue_pop_head (&self->queue);
    g_mutex_unlock (&self->parent.lock);
    if (b == NULL)
      break;
    online = online && conn_ok (self);
    if (online && !self->spool_pending &&
        write_or_send (self, b, kind == GST_AXION_FLUSH_TICK)) {
      /* sent, results unread: nothing else may use the connection until
       * they are (a batch queued meanwhile goes at the next flush; render
       * kicked for it). Writing on ate those results: they were lost and
       * the batch counted again (seen under load). */
      if (self->sent)
        break;
      continue;
    }
    if (!keep_unwritten (self, b, final) && !final)
      break; /* no room to spool: kept in memory, tried at the next flush */
  }
  /* snapshot files deleted early: their rows lose the path (in any order
   * with the rows: migration 008) */
  if (online && conn_ok (self) && self->sent == NULL)
    axion_pg_snapdels_apply (&self->snapdels, &self->writer);
  post_warnings (self);
  if (was_online && !conn_ok (self))
    return lost (self, "connection lost", error);
  return GST_AXION_SINK_OK;
}

/* lock held: what a drain waits for (the spool too: an EOS replays it
 * when the server is back within eos-timeout-ms) */
static gboolean
gst_axion_pg_sink_has_pending (GstAxionQueueSink *qs)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (qs);

  return !g_queue_is_empty (&self->queue) || self->sent != NULL ||
      (self->pending && self->pending->total > 0) || self->spool_files > 0 ||
      axion_pg_snapdels_pending (&self->snapdels) > 0;
}

static void open_default_spool (GstAxionPgSink *self, const gchar *camera_id);

/* ---- streaming thread ------------------------------------------------------
 */

static gboolean
event_enabled (GstAxionPgSink *self, GstAxionEventType type)
{
  switch (type) {
  case GST_AXION_EVENT_MOTION_START:
  case GST_AXION_EVENT_MOTION_CONTINUE:
  case GST_AXION_EVENT_MOTION_END:
    return self->motion_events;
  case GST_AXION_EVENT_OBJECT_DETECTED:
    return self->object_events;
  case GST_AXION_EVENT_SCENE_CHANGE:
    return self->scene_events;
  case GST_AXION_EVENT_QUALITY:
    return self->quality_events;
  default:
    return TRUE;
  }
}

static void
add_camera_row (GstAxionPgSink *self, const gchar *camera_id,
    const gchar *status, GPtrArray *rows)
{
  GstAxionCameraInfo ci = { 0 };
  GstAxionRow *row;
  GError *err = NULL;

  ci.camera_id = camera_id;
  ci.source_uri = self->source_uri;
  ci.width = self->have_info ? GST_VIDEO_INFO_WIDTH (&self->vinfo) : 0;
  ci.height = self->have_info ? GST_VIDEO_INFO_HEIGHT (&self->vinfo) : 0;
  ci.fps = self->fps;
  ci.status = status;
  ci.time_us = g_get_real_time ();
  row = gst_axion_row_camera (&ci, &err);
  if (row)
    g_ptr_array_add (rows, row);
  else
    g_clear_error (&err);
}

static GstFlowReturn
gst_axion_pg_sink_render (GstBaseSink *bs, GstBuffer *in)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  gboolean filled;
  /* a buffer without a frame meta with a camera id is completed (the
   * camera id from upstream, else the fallback, with a warning), never
   * skipped */
  GstBuffer *buf = gst_axion_queue_sink_frame (
      GST_AXION_QUEUE_SINK (self), in, &filled);
  GstAxionFrameMeta *meta = gst_buffer_get_axion_frame_meta (buf);
  GPtrArray *rows = g_ptr_array_new ();
  GstAxionFrameInfo info;
  GError *err = NULL;
  guint frame_interval, batch_size, max_queued;
  SpoolFullPolicy policy;
  gpointer state = NULL;
  GstMeta *m;
  guint invalid = 0;
  GstAxionFrameEvent events[GST_AXION_FRAME_MAX_EVENTS + 1];
  guint n_events;
  guint64 dropped = 0;
  GstFlowReturn ret = GST_FLOW_OK;

  gst_axion_queue_sink_render_begin (GST_AXION_QUEUE_SINK (self));
  GST_OBJECT_LOCK (self);
  frame_interval = self->frame_interval;
  batch_size = self->batch_size;
  max_queued = self->max_queued;
  policy = self->spool_full_policy;
  GST_OBJECT_UNLOCK (self);

  gst_axion_frame_info_init (&info);
  if (self->have_info) {
    info.width = GST_VIDEO_INFO_WIDTH (&self->vinfo);
    info.height = GST_VIDEO_INFO_HEIGHT (&self->vinfo);
    info.format = self->format;
    info.fps = self->fps;
  }
  info.size_bytes = gst_buffer_get_size (in);
  gst_axion_frame_info_measure (&info, &self->rate, bs, in, meta);
  if (filled) {
    g_mutex_lock (&self->parent.lock);
    self->buffers_without_meta++;
    g_mutex_unlock (&self->parent.lock);
  }

  {
    GstAxionRow *row;

    if (!self->spool_opened && self->spool_root)
      open_default_spool (self, meta->camera_id);

    /* (a sink sees one camera, mostly: no hash lookup per frame) */
    if (self->last_camera == NULL ||
        strcmp (self->last_camera, meta->camera_id) != 0) {
      gpointer key;
      if (!g_hash_table_lookup_extended (
              self->cameras_seen, meta->camera_id, &key, NULL)) {
        key = g_strdup (meta->camera_id);
        g_hash_table_add (self->cameras_seen, key);
        add_camera_row (self, meta->camera_id, "online", rows);
      }
      self->last_camera = key;
    }
    /* a frame with a snapshot always: its row holds the file's path */
    if (frame_interval > 0 &&
        (meta->frame_number % frame_interval == 0 ||
            gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_SNAPSHOT))) {
      row = gst_axion_row_frame_metadata (meta, 0, &info, &err);
      if (row)
        g_ptr_array_add (rows, row);
      else {
        GST_DEBUG_OBJECT (self, "no frame_metadata row: %s", err->message);
        g_clear_error (&err);
        invalid++;
      }
    }
    n_events = gst_axion_frame_meta_sink_events (meta, buf, events);
    GST_OBJECT_LOCK (self);
    for (guint i = 0; i < n_events; i++) {
      if (!event_enabled (self, events[i].type))
        continue;
      GST_OBJECT_UNLOCK (self);
      row = gst_axion_row_camera_event (meta, &events[i], buf, &info, &err);
      if (row)
        g_ptr_array_add (rows, row);
      else {
        g_clear_error (&err);
        invalid++;
      }
      GST_OBJECT_LOCK (self);
    }
    GST_OBJECT_UNLOCK (self);
  }

  /* alerts of axionalert's rules (a Claude alert has the analysis id:
   * written once below even when axionalert passed it on too) */
  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_AXION_ALERT_META_API_TYPE))) {
    GstAxionAlert *al = ((GstAxionAlertMeta *) m)->alert;
    GstAxionRow *row = gst_axion_row_alert_full (al, &err);
    if (row)
      g_ptr_array_add (rows, row);
    else {
      GST_WARNING_OBJECT (self, "alert not written: %s", err->message);
      g_clear_error (&err);
      invalid++;
    }
  }
  state = NULL;
  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_AXION_ANALYSIS_META_API_TYPE))) {
    GstAxionAnalysis *a = ((GstAxionAnalysisMeta *) m)->analysis;
    GstAxionRow *row = gst_axion_row_claude_analysis (a, &err);
    if (row) {
      g_ptr_array_add (rows, row);
      if (a->should_alert) {
        row = gst_axion_row_alert (a, 0, &err);
        if (row)
          g_ptr_array_add (rows, row);
      }
    }
    if (err) {
      GST_WARNING_OBJECT (self, "analysis not written: %s", err->message);
      g_clear_error (&err);
      invalid++;
    }
  }

  g_mutex_lock (&self->parent.lock);
  self->rows_invalid += invalid;
  /* back-pressure when the worker cannot keep up and cannot spool */
  while (g_queue_get_length (&self->queue) >= max_queued) {
    /* while the spool still has room the worker empties the queue soon:
     * wait; the policy is for a full (or missing) spool */
    gboolean spool_room = self->spool.dir && !self->spool_is_full;
    if (policy == SPOOL_FULL_DROP && !spool_room) {
      self->rows_dropped += rows->len;
      dropped = rows->len;
      free_rows (rows);
      break;
    }
    if (policy == SPOOL_FULL_ERROR && !spool_room) {
      /* the rows are kept (the last flush at stop spools them or counts
       * them as dropped): "error" loses nothing silently */
      for (guint i = 0; i < rows->len; i++)
        batch_add_row (self, g_ptr_array_index (rows, i));
      gst_axion_queue_sink_render_end (GST_AXION_QUEUE_SINK (self));
      g_mutex_unlock (&self->parent.lock);
      g_ptr_array_unref (rows);
      gst_buffer_unref (buf);
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
          ("PostgreSQL is away and the spool is full"),
          ("raise spool-max-bytes or choose spool-full-policy=block"));
      return GST_FLOW_ERROR;
    }
    /* a kick helps only when the worker can write or spool (else each
     * wake-up re-serialised the batch and failed to spool it again) */
    if (spool_room ||
        gst_axion_queue_sink_is_connected (GST_AXION_QUEUE_SINK (self)))
      gst_axion_queue_sink_kick (GST_AXION_QUEUE_SINK (self));
    /* unlock() (stopping, flushing) ends the wait: the rows are kept, the
     * worker's last flush spools them (or counts them as dropped) */
    ret = gst_axion_queue_sink_wait (GST_AXION_QUEUE_SINK (self),
        g_get_monotonic_time () + G_TIME_SPAN_SECOND);
    if (ret != GST_FLOW_OK)
      break;
  }
  for (guint i = 0; i < rows->len; i++)
    batch_add_row (self, g_ptr_array_index (rows, i));
  journal_append (self, self->pending);
  if (self->pending && self->pending->total >= batch_size) {
    queue_pending (self);
    gst_axion_queue_sink_kick (GST_AXION_QUEUE_SINK (self));
  }
  gst_axion_queue_sink_render_end (GST_AXION_QUEUE_SINK (self));
  g_mutex_unlock (&self->parent.lock);
  g_ptr_array_unref (rows);
  gst_buffer_unref (buf);
  post_warnings (self);
  gst_axion_queue_sink_dropped (GST_AXION_QUEUE_SINK (self), dropped, "rows",
      "PostgreSQL is away and the spool is full or off "
      "(spool-full-policy=drop): free disk space, raise spool-max-bytes, or "
      "choose spool-full-policy=block");
  return ret;
}

static gboolean
gst_axion_pg_sink_event (GstBaseSink *bs, GstEvent *event)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  const gchar *id, *uri;
  gboolean eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS, ret;

  if (gst_axion_camera_id_event_parse (event, &id, &uri)) {
    if (!self->spool_opened && self->spool_root && id && *id)
      open_default_spool (self, id);
    g_free (self->source_uri);
    self->source_uri = g_strdup (uri);
  } else {
    /* axionsnapshot's early deletions: applied by the worker's flushes */
    axion_pg_snapdels_add_event (&self->snapdels, event);
  }
  /* EOS: the base class drains within eos-timeout-ms */
  ret = GST_BASE_SINK_CLASS (parent_class)->event (bs, event);
  if (eos) {
    g_mutex_lock (&self->parent.lock);
    if (self->spool_files > 0)
      GST_WARNING_OBJECT (self,
          "EOS with %u batches in the spool (PostgreSQL "
          "unreachable): the next start with this "
          "spool-dir replays them",
          self->spool_files);
    g_mutex_unlock (&self->parent.lock);
  }
  return ret;
}

static gboolean
gst_axion_pg_sink_set_caps (GstBaseSink *bs, GstCaps *caps)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  GstVideoInfo vi;

  if (gst_video_info_from_caps (&vi, caps)) {
    self->vinfo = vi;
    self->have_info = TRUE;
    self->fps = vi.fps_d > 0 ? (gdouble) vi.fps_n / vi.fps_d : 0;
    /* (interned here, not per frame: that takes GLib's global lock) */
    self->format = g_intern_string (
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&vi)));
  } else {
    self->have_info = FALSE;
  }
  return TRUE;
}

/* Opens the spool in @dir (checked writable) and its journal; journals of
 * a process that died become spool files, and the worker replays what is
 * there */
static void
open_spool_dir (GstAxionPgSink *self, const gchar *dir)
{
  AxionPgSpool sp;
  gboolean journal;
  GPtrArray *files;
  guint64 bytes;

  spool_snapshot (self, &sp, NULL);
  sp.dir = (gchar *) dir;
  journal_recover (self, &sp);
  files = axion_pg_spool_list (&sp, &bytes);
  if (files->len)
    GST_INFO_OBJECT (self,
        "%u spool files (%" G_GUINT64_FORMAT " bytes) to replay", files->len,
        bytes);
  GST_OBJECT_LOCK (self);
  journal = self->journal;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->parent.lock);
  self->spool.dir = g_strdup (dir);
  /* a spool left by a previous process: known before any EOS waits */
  self->spool_bytes = bytes;
  self->spool_files = files->len;
  self->spool_reopened = files->len > 0;
  axion_pg_journal_init (&self->journal_state, journal ? dir : NULL);
  if (files->len) /* replayed now, not at the next tick */
    gst_axion_queue_sink_kick (GST_AXION_QUEUE_SINK (self));
  g_mutex_unlock (&self->parent.lock);
  axion_pg_snapdels_open (&self->snapdels, dir, sp.fsync);
  g_ptr_array_unref (files);
}

/* Without spool-dir: the spool of @camera_id under the default root,
 * opened at the first camera id the sink sees (streaming thread) */
static void
open_default_spool (GstAxionPgSink *self, const gchar *camera_id)
{
  gchar *dir = axion_pg_spool_camera_dir (self->spool_root, camera_id);
  GError *err = NULL;

  self->spool_opened = TRUE;
  if (axion_pg_spool_check_dir (dir, &err)) {
    GST_INFO_OBJECT (self, "spooling to %s (the default spool)", dir);
    open_spool_dir (self, dir);
  } else {
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
        ("Cannot open the default spool: rows wait in memory only"),
        ("%s; set spool-dir to a writable directory", err->message));
    g_clear_error (&err);
  }
  g_free (dir);
}

/* Configuration errors that are no outage: a conninfo libpq cannot parse,
 * a spool directory that cannot be written. Posts the error. */
static gboolean
check_config (GstAxionPgSink *self)
{
  gchar *ci, *dir, *msg = NULL;
  GError *err = NULL;
  gboolean ok = TRUE;

  GST_OBJECT_LOCK (self);
  ci = g_strdup (self->conninfo);
  dir = g_strdup (self->spool_dir);
  GST_OBJECT_UNLOCK (self);
  if (!axion_pg_conninfo_check (ci, &msg)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("conninfo cannot be parsed: %s", msg),
        ("fix conninfo: a libpq URI (postgresql://user@host/db) or key=value "
         "pairs separated by spaces, a value with spaces in single quotes; "
         "empty: the PG* environment"));
    ok = FALSE;
  } else if (dir == NULL) {
    self->spool_root = axion_pg_spool_default_root ();
    if (!axion_pg_spool_check_dir (self->spool_root, &err)) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("The default spool directory cannot be written: %s", err->message),
          ("set spool-dir to a writable directory, or spool-dir=\"\" to "
           "keep rows in memory only (lost in an outage)"));
      ok = FALSE;
    }
  } else if (*dir && !axion_pg_spool_check_dir (dir, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("spool-dir %s", err->message),
        ("set spool-dir to a directory this user can create files in, or "
         "spool-dir=\"\" to keep rows in memory only (lost in an outage)"));
    ok = FALSE;
  }
  g_clear_error (&err);
  g_free (msg);
  g_free (ci);
  g_free (dir);
  return ok;
}

/* The spool closed: its journal deleted unless a batch left rows only
 * there */
static void
close_spool (GstAxionPgSink *self)
{
  g_mutex_lock (&self->parent.lock);
  axion_pg_journal_clear (&self->journal_state);
  axion_pg_snapdels_close (&self->snapdels);
  g_clear_pointer (&self->spool.dir, g_free);
  g_mutex_unlock (&self->parent.lock);
  g_clear_pointer (&self->spool_root, g_free);
}

static gboolean
gst_axion_pg_sink_start (GstBaseSink *bs)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  GstAxionQueueSink *qs = GST_AXION_QUEUE_SINK (bs);
  gboolean require, up;
  gchar *dir;

  g_clear_pointer (&self->spool_root, g_free);
  self->spool_opened = FALSE;
  self->journal_failing = FALSE;
  if (!check_config (self))
    return FALSE;
  g_mutex_lock (&self->parent.lock);
  self->fatal = FALSE;
  self->rows_queued = self->rows_written = self->rows_spooled = 0;
  self->rows_replayed = self->rows_dropped = self->rows_rejected = 0;
  self->rows_duplicate = self->rows_collided = 0;
  self->batches = self->spool_full = 0;
  self->buffers_without_meta = self->rows_invalid = 0;
  self->last_metrics_us = g_get_monotonic_time ();
  self->last_metrics_rows = 0;
  /* nothing of a previous run's spool until this run opens one */
  self->spool_files = 0;
  self->spool_bytes = 0;
  self->spool_is_full = FALSE;
  self->spool_reopened = FALSE;
  self->last_lag_ms = 0;
  g_clear_pointer (&self->journal_error, g_free);
  g_mutex_unlock (&self->parent.lock);
  self->spool_full_tried_us = 0;
  g_hash_table_remove_all (self->cameras_seen);
  self->last_camera = NULL;

  self->spool_pending = FALSE;
  /* spool-dir set: opened now (its journals recovered, its files replayed
   * first); unset: the default spool opens at the first camera id */
  GST_OBJECT_LOCK (self);
  dir = g_strdup (self->spool_dir);
  GST_OBJECT_UNLOCK (self);
  if (dir && *dir)
    open_spool_dir (self, dir);
  g_free (dir);

  /* connects (a refused configuration fails here), starts the worker */
  if (!GST_BASE_SINK_CLASS (parent_class)->start (bs)) {
    close_spool (self); /* no stop() follows a failed start() */
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  require = self->require_connection;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->parent.lock);
  up = gst_axion_queue_sink_is_connected (qs);
  g_mutex_unlock (&self->parent.lock);
  if (!up && require) {
    GST_BASE_SINK_CLASS (parent_class)->stop (bs);
    close_spool (self);
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Cannot connect to PostgreSQL and require-connection=true"),
        ("%s", self->writer.last_error ? self->writer.last_error : ""));
    return FALSE;
  }
  if (!up)
    GST_WARNING_OBJECT (self,
        "PostgreSQL unreachable at start: rows are "
        "spooled until it is back");
  axion_pg_audit_start (&self->audit);
  return TRUE;
}

static gboolean
gst_axion_pg_sink_stop (GstBaseSink *bs)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  gboolean ret;

  axion_pg_audit_stop (&self->audit);
  /* the worker's last flush writes or spools what is queued */
  ret = GST_BASE_SINK_CLASS (parent_class)->stop (bs);
  post_warnings (self);
  close_spool (self);
  axion_pg_writer_disconnect (&self->writer);
  return ret;
}

/* ---- properties ------------------------------------------------------------
 */

static GstStructure *
make_stats (GstAxionPgSink *self)
{
  GstStructure *s;

  g_mutex_lock (&self->parent.lock);
  s = gst_axion_queue_sink_new_stats (
      GST_AXION_QUEUE_SINK (self), "axionpgsink-stats");
  gst_structure_set (s, "rows-queued", G_TYPE_UINT64, self->rows_queued,
      "rows-written", G_TYPE_UINT64, self->rows_written, "rows-spooled",
      G_TYPE_UINT64, self->rows_spooled, "rows-replayed", G_TYPE_UINT64,
      self->rows_replayed, "rows-dropped", G_TYPE_UINT64, self->rows_dropped,
      "rows-rejected", G_TYPE_UINT64, self->rows_rejected, "rows-invalid",
      G_TYPE_UINT64, self->rows_invalid, "rows-duplicate", G_TYPE_UINT64,
      self->rows_duplicate, "rows-collided", G_TYPE_UINT64, self->rows_collided,
      "batches", G_TYPE_UINT64, self->batches, "spool-full", G_TYPE_UINT64,
      self->spool_full, "spool-bytes", G_TYPE_UINT64, self->spool_bytes,
      "spool-files", G_TYPE_UINT, self->spool_files, "queued-batches",
      G_TYPE_UINT, g_queue_get_length (&self->queue), "lag-ms", G_TYPE_DOUBLE,
      self->last_lag_ms, "buffers-without-meta", G_TYPE_UINT64,
      self->buffers_without_meta, NULL);
  g_mutex_unlock (&self->parent.lock);
  return s;
}

/* an audit row of another element's change (axionpgaudit.c) */
static void
audit_add_row (GstAxionRow *row, gpointer data)
{
  GstAxionPgSink *self = data;

  g_mutex_lock (&self->parent.lock);
  batch_add_row (self, row);
  g_mutex_unlock (&self->parent.lock);
}

static void
audit_change (GstAxionPgSink *self, GParamSpec *pspec, const GValue *old,
    const GValue *new_value)
{
  GstAxionAuditEntry e = { 0 };
  gchar *o, *n;
  GstAxionRow *row;
  gboolean secret = g_str_equal (pspec->name, "conninfo");

  if (GST_STATE (self) < GST_STATE_PAUSED)
    return;
  o = g_strdup_value_contents (old);
  n = g_strdup_value_contents (new_value);
  e.event_type = "config_change";
  e.entity_type = "config";
  e.entity_id = GST_OBJECT_NAME (self);
  e.action = "config.property_changed";
  e.action_status = "success";
  e.service_name = GST_OBJECT_NAME (self);
  e.property = pspec->name;
  e.old_value = o;
  e.new_value = n;
  e.secret = secret;
  row = gst_axion_row_audit_log (&e, 0, NULL);
  if (row) {
    g_mutex_lock (&self->parent.lock);
    batch_add_row (self, row);
    g_mutex_unlock (&self->parent.lock);
  }
  g_free (o);
  g_free (n);
}

static void gst_axion_pg_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);

static void
gst_axion_pg_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (object);
  GValue old = G_VALUE_INIT;

  g_value_init (&old, pspec->value_type);
  gst_axion_pg_sink_get_property (object, prop_id, &old, pspec);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_CONNINFO:
    g_free (self->conninfo);
    self->conninfo = g_value_dup_string (value);
    break;
  case PROP_BATCH_SIZE:
    self->batch_size = g_value_get_uint (value);
    break;
  case PROP_SPOOL_DIR:
    g_free (self->spool_dir);
    self->spool_dir = g_value_dup_string (value);
    break;
  case PROP_SPOOL_MAX_BYTES:
    self->spool_max_bytes = g_value_get_uint64 (value);
    break;
  case PROP_SPOOL_FSYNC:
    self->spool_fsync = g_value_get_boolean (value);
    break;
  case PROP_JOURNAL:
    self->journal = g_value_get_boolean (value);
    break;
  case PROP_SPOOL_FULL_POLICY:
    self->spool_full_policy = g_value_get_enum (value);
    break;
  case PROP_FRAME_INTERVAL:
    self->frame_interval = g_value_get_uint (value);
    break;
  case PROP_MOTION_EVENTS:
    self->motion_events = g_value_get_boolean (value);
    break;
  case PROP_OBJECT_EVENTS:
    self->object_events = g_value_get_boolean (value);
    break;
  case PROP_SCENE_EVENTS:
    self->scene_events = g_value_get_boolean (value);
    break;
  case PROP_QUALITY_EVENTS:
    self->quality_events = g_value_get_boolean (value);
    break;
  case PROP_REQUIRE_CONNECTION:
    self->require_connection = g_value_get_boolean (value);
    break;
  case PROP_CREATE_PARTITIONS:
    self->create_partitions = g_value_get_boolean (value);
    break;
  case PROP_MAX_QUEUED_BATCHES:
    self->max_queued = g_value_get_uint (value);
    break;
  case PROP_METRICS_INTERVAL_MS:
    self->metrics_interval_ms = g_value_get_uint (value);
    break;
  case PROP_STATEMENT_TIMEOUT_MS:
    self->statement_timeout_ms = g_value_get_uint (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
  audit_change (self, pspec, &old, value);
  g_value_unset (&old);
}

static void
gst_axion_pg_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_CONNINFO:
    /* never the password */
    g_value_take_string (value, axion_pg_redact_conninfo (self->conninfo));
    break;
  case PROP_BATCH_SIZE:
    g_value_set_uint (value, self->batch_size);
    break;
  case PROP_SPOOL_DIR:
    g_value_set_string (value, self->spool_dir);
    break;
  case PROP_SPOOL_MAX_BYTES:
    g_value_set_uint64 (value, self->spool_max_bytes);
    break;
  case PROP_SPOOL_FSYNC:
    g_value_set_boolean (value, self->spool_fsync);
    break;
  case PROP_JOURNAL:
    g_value_set_boolean (value, self->journal);
    break;
  case PROP_SPOOL_FULL_POLICY:
    g_value_set_enum (value, self->spool_full_policy);
    break;
  case PROP_FRAME_INTERVAL:
    g_value_set_uint (value, self->frame_interval);
    break;
  case PROP_MOTION_EVENTS:
    g_value_set_boolean (value, self->motion_events);
    break;
  case PROP_OBJECT_EVENTS:
    g_value_set_boolean (value, self->object_events);
    break;
  case PROP_SCENE_EVENTS:
    g_value_set_boolean (value, self->scene_events);
    break;
  case PROP_QUALITY_EVENTS:
    g_value_set_boolean (value, self->quality_events);
    break;
  case PROP_REQUIRE_CONNECTION:
    g_value_set_boolean (value, self->require_connection);
    break;
  case PROP_CREATE_PARTITIONS:
    g_value_set_boolean (value, self->create_partitions);
    break;
  case PROP_MAX_QUEUED_BATCHES:
    g_value_set_uint (value, self->max_queued);
    break;
  case PROP_METRICS_INTERVAL_MS:
    g_value_set_uint (value, self->metrics_interval_ms);
    break;
  case PROP_STATEMENT_TIMEOUT_MS:
    g_value_set_uint (value, self->statement_timeout_ms);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_pg_sink_finalize (GObject *object)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (object);
  AxionPgBatch *b;

  while ((b = g_queue_pop_head (&self->queue)))
    axion_pg_batch_free (b);
  axion_pg_batch_free (self->sent);
  axion_pg_batch_free (self->pending);
  axion_pg_journal_clear (&self->journal_state);
  axion_pg_writer_clear (&self->writer);
  axion_pg_audit_clear (&self->audit);
  axion_pg_snapdels_clear (&self->snapdels);
  gst_axion_frame_rate_clear (&self->rate);
  g_free (self->conninfo);
  g_free (self->spool_dir);
  g_free (self->spool.dir);
  g_free (self->spool_root);
  g_free (self->journal_error);
  g_free (self->source_uri);
  g_hash_table_unref (self->cameras_seen);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_pg_sink_init (GstAxionPgSink *self)
{
  g_queue_init (&self->queue);
  gst_axion_frame_rate_init (&self->rate);
  axion_pg_writer_init (&self->writer, GST_CAT_DEFAULT, G_OBJECT (self));
  axion_pg_snapdels_init (&self->snapdels, GST_CAT_DEFAULT, G_OBJECT (self));
  axion_pg_audit_init (&self->audit, GST_ELEMENT (self), audit_add_row, self);
  self->writer.give_up = writer_give_up;
  self->writer.give_up_data = self;
  self->statement_timeout_ms = DEFAULT_STATEMENT_TIMEOUT_MS;
  self->writer.statement_timeout_ms = DEFAULT_STATEMENT_TIMEOUT_MS;
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->spool_max_bytes = DEFAULT_SPOOL_MAX_BYTES;
  self->spool_fsync = DEFAULT_SPOOL_FSYNC;
  self->journal = TRUE;
  self->spool_full_policy = SPOOL_FULL_BLOCK;
  self->frame_interval = DEFAULT_FRAME_INTERVAL;
  self->motion_events = self->object_events = TRUE;
  self->scene_events = self->quality_events = TRUE;
  self->create_partitions = TRUE;
  self->max_queued = DEFAULT_MAX_QUEUED;
  self->metrics_interval_ms = DEFAULT_METRICS_INTERVAL_MS;
  self->cameras_seen = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  /* rows are data, not timed rendering (sync off in the base class) */
  gst_base_sink_set_async_enabled (GST_BASE_SINK (self), FALSE);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define RW_PLAYING GST_AXION_PARAM_RW_PLAYING

static void
gst_axion_pg_sink_class_init (GstAxionPgSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *bs_class = GST_BASE_SINK_CLASS (klass);
  GstAxionQueueSinkClass *qs_class = GST_AXION_QUEUE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_pg_sink_debug, "axionpgsink", 0, "Axion PostgreSQL sink");

  gobject_class->set_property = gst_axion_pg_sink_set_property;
  gobject_class->get_property = gst_axion_pg_sink_get_property;
  gobject_class->finalize = gst_axion_pg_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_CONNINFO,
      g_param_spec_string ("conninfo", "Connection",
          "libpq connection URI or key=value string; empty: the PG* "
          "environment and service files. Reads back without the password",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size",
          "Rows per batch: a batch is written when it has this many rows", 1,
          1000000, DEFAULT_BATCH_SIZE, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SPOOL_DIR,
      g_param_spec_string ("spool-dir", "Spool directory",
          "Directory for batches PostgreSQL could not take; replayed in "
          "order when it is back, also by the next process using it. Unset: "
          "$XDG_STATE_HOME/axion/spool/<camera> (/var/lib/axion/spool/"
          "<camera> as root without XDG_STATE_HOME), opened at the first "
          "camera id. Empty (\"\"): no spool, rows wait in memory only "
          "(bounded by max-queued-batches; lost in an outage)",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SPOOL_MAX_BYTES,
      g_param_spec_uint64 ("spool-max-bytes", "Spool size limit",
          "Largest total size of the spool files, in bytes", 4096, G_MAXUINT64,
          DEFAULT_SPOOL_MAX_BYTES, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SPOOL_FSYNC,
      g_param_spec_boolean ("spool-fsync", "fsync spool files",
          "fsync each spool file and its directory before counting the batch "
          "as spooled (survives power loss); off: survives a process crash "
          "only",
          DEFAULT_SPOOL_FSYNC, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_JOURNAL,
      g_param_spec_boolean ("journal", "Journal",
          "With a spool: append every row to a journal file in the spool "
          "directory before render returns, so rows of a process that is "
          "killed or crashes before writing them are replayed by the next "
          "start with the same spool-dir (one write per buffer, no fsync: "
          "survives the process dying, not a power loss). Set before "
          "starting",
          TRUE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_SPOOL_FULL_POLICY,
      g_param_spec_enum ("spool-full-policy", "When the spool is full",
          "What happens when PostgreSQL is away, the spool is full and "
          "max-queued-batches are waiting in memory",
          GST_TYPE_AXION_PG_SPOOL_FULL, SPOOL_FULL_BLOCK, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_FRAME_INTERVAL,
      g_param_spec_uint ("frame-interval", "Frame interval",
          "Write a frame_metadata row for every Nth frame (by frame number) "
          "and for every frame with a snapshot (axionsnapshot); 0: none",
          0, G_MAXUINT, DEFAULT_FRAME_INTERVAL, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MOTION_EVENTS,
      g_param_spec_boolean ("motion-events", "Motion events",
          "Write motion start/continue/end camera_events", TRUE, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_OBJECT_EVENTS,
      g_param_spec_boolean ("object-events", "Object events",
          "Write object_detected camera_events", TRUE, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SCENE_EVENTS,
      g_param_spec_boolean ("scene-events", "Scene events",
          "Write scene_change camera_events", TRUE, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_QUALITY_EVENTS,
      g_param_spec_boolean ("quality-events", "Quality events",
          "Write quality camera_events", TRUE, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_REQUIRE_CONNECTION,
      g_param_spec_boolean ("require-connection", "Require connection",
          "Fail at start when PostgreSQL is unreachable (default: start and "
          "spool)",
          FALSE, RW));
  g_object_class_install_property (gobject_class, PROP_CREATE_PARTITIONS,
      g_param_spec_boolean ("create-partitions", "Create partitions",
          "On each connection, create the coming days' partitions "
          "(axion_create_partitions_ahead())",
          TRUE, RW));
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUED_BATCHES,
      g_param_spec_uint ("max-queued-batches", "Max queued batches",
          "Batches waiting in memory before spool-full-policy applies", 1,
          100000, DEFAULT_MAX_QUEUED, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_METRICS_INTERVAL_MS,
      g_param_spec_uint ("metrics-interval-ms", "Metrics interval",
          "Every this many milliseconds, write the sink's health to "
          "system_metrics (component 'postgres', source_id = element name: "
          "rows_written_per_s, write_lag, spool_bytes, queued_batches, "
          "rows_dropped); 0 disables",
          0, G_MAXUINT, DEFAULT_METRICS_INTERVAL_MS, RW_PLAYING));
  /**
   * GstAxionPgSink:statement-timeout-ms:
   *
   * The longest the sink waits on PostgreSQL for one statement (or the
   * data of one COPY). A server that does not answer in time (stopped,
   * a network that drops packets) is abandoned: the connection is closed
   * without waiting on it, the batch is spooled (or kept) and replayed
   * after reconnecting, exactly once. Connection attempts are bounded by
   * connect_timeout (the conninfo's, else 5 s). Stopping and an EOS
   * whose eos-timeout-ms ran out abandon sooner.
   */
  g_object_class_install_property (gobject_class, PROP_STATEMENT_TIMEOUT_MS,
      g_param_spec_uint ("statement-timeout-ms", "Statement timeout",
          "Milliseconds to wait at most for PostgreSQL to answer one "
          "statement (or take one COPY's data); then the connection is "
          "abandoned without waiting on the server and the batch is "
          "spooled and replayed after reconnecting (raise it for very "
          "large batch-size)",
          100, G_MAXINT / 2, DEFAULT_STATEMENT_TIMEOUT_MS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "every Axion sink: frames, queued, written, dropped, connected, "
          "reconnects, last-error, cpu-ms, cpu-ms-per-frame; this sink: "
          "rows-queued/written/spooled/replayed/dropped/rejected/invalid/"
          "duplicate/collided (id taken by a different row), batches, "
          "spool-full, spool-bytes, spool-files, "
          "queued-batches, lag-ms, buffers-without-meta",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class, "Axion PostgreSQL sink",
      "Sink/Database",
      "Writes Axion events, frame metadata, analyses, alerts and metrics to "
      "PostgreSQL; spools across outages",
      "Axion developers");
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new (
          "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_CAPS_ANY));

  bs_class->start = gst_axion_pg_sink_start;
  bs_class->stop = gst_axion_pg_sink_stop;
  bs_class->render = gst_axion_pg_sink_render;
  bs_class->event = gst_axion_pg_sink_event;
  bs_class->set_caps = gst_axion_pg_sink_set_caps;
  qs_class->connect = gst_axion_pg_sink_connect;
  qs_class->disconnect = gst_axion_pg_sink_disconnect;
  qs_class->flush = gst_axion_pg_sink_flush;
  qs_class->has_pending = gst_axion_pg_sink_has_pending;
  gst_axion_queue_sink_class_set_backoff (qs_class, 500, 10000);

  gst_type_mark_as_plugin_api (GST_TYPE_AXION_PG_SPOOL_FULL, 0);
}
