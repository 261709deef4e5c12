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

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

GST_DEBUG_CATEGORY_STATIC (gst_axion_pg_sink_debug);
#define GST_CAT_DEFAULT gst_axion_pg_sink_debug

#define DEFAULT_BATCH_SIZE 1000
#define DEFAULT_FLUSH_INTERVAL_MS 500
#define DEFAULT_SPOOL_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)
#define DEFAULT_SPOOL_FSYNC TRUE
#define DEFAULT_FRAME_INTERVAL 1
#define DEFAULT_MAX_QUEUED 64
#define DEFAULT_EOS_TIMEOUT_MS 10000
#define DEFAULT_CONNECT_TIMEOUT_S 5
#define DEFAULT_METRICS_INTERVAL_MS 10000
#define SPOOL_MAGIC "AXIONSPOOL 1\n"

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
  PROP_FLUSH_INTERVAL_MS,
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
  PROP_EOS_TIMEOUT_MS,
  PROP_METRICS_INTERVAL_MS,
  PROP_STATS,
};

/* A journal file in the spool directory, shared by consecutive batches
 * (creating and deleting a file per batch cost more than the writes).
 * Freed, and deleted, when its last reference goes: one per batch begun in
 * it, one while it is the sink's current journal. */
/* The file is mapped: appending rows is a copy into the page cache (no
 * system call per buffer: a write() cost ~30 us per buffer at camera
 * rates). Its header holds the length of the complete sections, stored
 * after they are in (one aligned 8-byte store): a process killed in the
 * middle of an append leaves the previous length. The streaming thread
 * copies only into pages the worker has faulted in ahead
 * (MADV_POPULATE_WRITE: a full disk is an error there, not a SIGBUS in
 * render); beyond them, or without a mapping, it appends with pwritev(). */
typedef struct
{
  gchar *path;
  int fd;
  gint refs;     /* atomic */
  gint keep;     /* atomic: a batch left with rows that are nowhere else */
  guint batches; /* batches begun in it (streaming thread) */
  gsize size;    /* bytes in the file (lock) */
  guint8 *map;   /* JOURNAL_MAP_BYTES mapped, or NULL */
  gsize ready;   /* bytes of map faulted in for writing (lock) */
  gboolean populating;      /* the worker is faulting in pages (lock) */
  gboolean populate_failed; /* no more attempts (lock) */
} Journal;

/* a new journal file after this many batches or bytes */
#define JOURNAL_BATCHES 64
#define JOURNAL_MAX_BYTES (16 * 1024 * 1024)
/* "AXIONJOURNAL 2\n\n", then the length of the complete sections (native
 * 64-bit), then the sections (spool format) */
#define JOURNAL_MAGIC "AXIONJOURNAL 2\n\n"
#define JOURNAL_HEADER 24
/* mapped per file (address space; disk only for what is written) */
#define JOURNAL_MAP_BYTES (JOURNAL_MAX_BYTES + 4 * 1024 * 1024)
/* bytes faulted in ahead of the write position */
#define JOURNAL_AHEAD (256 * 1024)

static void
journal_unref (Journal *j, gboolean rows_safe)
{
  if (j == NULL)
    return;
  if (!rows_safe)
    g_atomic_int_set (&j->keep, 1);
  if (g_atomic_int_dec_and_test (&j->refs)) {
    if (!g_atomic_int_get (&j->keep))
      g_unlink (j->path);
    else if (j->map && ftruncate (j->fd, j->size) != 0)
      GST_DEBUG ("journal %s kept at its mapped size", j->path);
    if (j->map)
      munmap (j->map, JOURNAL_MAP_BYTES);
    close (j->fd);
    g_free (j->path);
    g_free (j);
  }
}

/* Faults in @len bytes of @j's mapping from @from for writing (no lock:
 * the caller holds a reference and has claimed the range). Returns the
 * bytes made ready. */
static gsize
journal_populate (Journal *j, gsize from, gsize len)
{
  if (j->map == NULL || from >= JOURNAL_MAP_BYTES)
    return 0;
  len = MIN (len, JOURNAL_MAP_BYTES - from);
  if (madvise (j->map + from, len, MADV_POPULATE_WRITE) != 0)
    return 0; /* old kernel, or no space: pwritev() from here */
  return len;
}

typedef struct
{
  GString *data[GST_AXION_N_TABLES];
  guint rows[GST_AXION_N_TABLES];
  guint total;
  gint64 first_us; /* monotonic time of the first row */
  /* write-ahead journal of this batch in the spool directory (pending
   * batches only): what of data[] is already in it */
  Journal *jf;
  gsize jlen[GST_AXION_N_TABLES];
  guint jrows[GST_AXION_N_TABLES];
} Batch;

struct _GstAxionPgSink
{
  GstBaseSink parent;

  /* properties (object lock) */
  gchar *conninfo;
  guint batch_size;
  guint flush_interval_ms;
  gchar *spool_dir;
  guint64 spool_max_bytes;
  gboolean spool_fsync;
  gboolean journal;
  gchar *journal_dir;   /* spool dir while journaling (set at start) */
  Journal *journal_cur; /* the file new batches begin in (lock) */
  gboolean journal_warned;
  SpoolFullPolicy spool_full_policy;
  guint frame_interval;
  gboolean motion_events, object_events, scene_events, quality_events;
  gboolean require_connection;
  gboolean create_partitions;
  guint max_queued;
  guint eos_timeout_ms;
  guint metrics_interval_ms;

  /* shared between streaming thread and worker (lock) */
  GMutex lock;
  GCond cond;
  Batch *pending;
  GQueue queue; /* of Batch, oldest first */
  gboolean stopping;
  gboolean flush_now;
  gboolean busy;  /* worker is writing */
  gboolean fatal; /* configuration error posted */
  guint64 spool_bytes;
  guint spool_files;
  gboolean spool_is_full; /* the last spool write found no room */
  GThread *worker;

  /* stats (lock) */
  guint64 rows_queued, rows_written, rows_spooled, rows_replayed;
  guint64 rows_dropped, rows_rejected, batches, reconnects, spool_full;
  guint64 rows_duplicate; /* already in the database: skipped */
  /* CPU time: render (streaming thread) and the worker thread, for the
   * cpu-ms-per-frame stat */
  GstAxionCpuMeter render_cpu;
  gint64 worker_cpu_us;
  guint64 rendered;
  guint64 buffers_without_meta, rows_invalid;
  gchar *last_error;
  gdouble last_lag_ms;
  gboolean connected;
  gboolean ever_connected;

  /* streaming thread */
  GstVideoInfo vinfo;
  gboolean have_info;
  const gchar *format; /* interned, from the caps */
  gdouble fps;
  gchar *source_uri;
  GHashTable *cameras_seen;
  const gchar *last_camera; /* the key of cameras_seen the last frame had */

  /* worker thread */
  PGconn *conn;
  guint backoff;
  gint64 next_connect_us;
  gint64 last_metrics_us;
  guint64 last_metrics_rows;
};

#define gst_axion_pg_sink_parent_class parent_class
G_DEFINE_TYPE (GstAxionPgSink, gst_axion_pg_sink, GST_TYPE_BASE_SINK);
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

/* ---- batches ------------------------------------------------------------ */

static Batch *
batch_new (void)
{
  Batch *b = g_new0 (Batch, 1);
  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    b->data[t] = g_string_new (NULL);
  return b;
}

/* Frees the batch; its journal file (if any) stays: the rows are not in
 * the database nor the spool yet, the next start replays them. */
static void
batch_free (Batch *b)
{
  if (b == NULL)
    return;
  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    g_string_free (b->data[t], TRUE);
  /* rows only in memory: their journal stays for the next start */
  journal_unref (b->jf, FALSE);
  g_free (b);
}

/* The batch's rows are in the database or a spool file (or counted as
 * dropped): its journal goes, then the batch. */
static void
batch_retire (Batch *b)
{
  if (b) {
    journal_unref (b->jf, TRUE);
    b->jf = NULL;
  }
  batch_free (b);
}

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
  GstAxionTable t = gst_axion_row_get_table (row);

  if (self->pending == NULL)
    self->pending = batch_new ();
  if (self->pending->total == 0)
    self->pending->first_us = g_get_monotonic_time ();
  gst_axion_row_append_copy_text (row, self->pending->data[t]);
  self->pending->rows[t]++;
  self->pending->total++;
  self->rows_queued++;
  gst_axion_row_free (row);
}

/* "<table> <rows> <bytes>\n" into @out (96 bytes), without printf (cold
 * in the streaming thread at camera rates); returns its length */
static gsize
section_header (gchar *out, const gchar *table, guint rows, gsize bytes)
{
  gsize l = MIN (strlen (table), 60);
  gchar *p = out + l;

  memcpy (out, table, l);
  *p++ = ' ';
  p += gst_axion_format_uint (p, rows);
  *p++ = ' ';
  p += gst_axion_format_uint (p, bytes);
  *p++ = '\n';
  return p - out;
}

/* lock held (released while faulting in): keeps JOURNAL_AHEAD bytes of
 * the current journal's mapping ready for the streaming thread (worker) */
static void
journal_prepare (GstAxionPgSink *self)
{
  Journal *j = self->journal_cur;
  gsize from, got;

  if (j == NULL || j->map == NULL || j->populating || j->populate_failed ||
      j->ready >= JOURNAL_MAP_BYTES || j->size + JOURNAL_AHEAD / 2 <= j->ready)
    return;
  from = j->ready;
  j->populating = TRUE;
  g_atomic_int_inc (&j->refs);
  g_mutex_unlock (&self->lock);
  got = journal_populate (j, from, JOURNAL_AHEAD);
  g_mutex_lock (&self->lock);
  if (got)
    j->ready = from + got;
  else
    j->populate_failed = TRUE;
  j->populating = FALSE;
  journal_unref (j, TRUE);
}

/* lock held. Appends the rows of @b not yet journaled to its journal file
 * (spool format sections; one write per call, no fsync: the rows survive
 * the process being killed, not the machine losing power). */
static void
journal_append (GstAxionPgSink *self, Batch *b)
{
  gssize n;

  if (self->journal_dir == NULL || b == NULL || b->total == 0)
    return;
  if (b->jf == NULL) {
    Journal *j = self->journal_cur;

    if (j && (j->batches >= JOURNAL_BATCHES || j->size >= JOURNAL_MAX_BYTES)) {
      journal_unref (j, TRUE);
      j = self->journal_cur = NULL;
    }
    if (j == NULL) {
      guint8 header[JOURNAL_HEADER] = { 0 };
      guint64 len = JOURNAL_HEADER;

      j = g_new0 (Journal, 1);
      j->path = g_strdup_printf ("%s/%020" G_GINT64_FORMAT ".journal",
          self->journal_dir, gst_axion_id_next ());
      j->refs = 1;
      memcpy (header, JOURNAL_MAGIC, strlen (JOURNAL_MAGIC));
      memcpy (header + 16, &len, sizeof (len));
      j->fd = open (j->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (j->fd < 0 ||
          pwrite (j->fd, header, JOURNAL_HEADER, 0) != JOURNAL_HEADER) {
        gint e = errno;
        if (j->fd >= 0) {
          close (j->fd);
          g_unlink (j->path);
        }
        errno = e;
        g_free (j->path);
        g_free (j);
        goto failed;
      }
      j->size = JOURNAL_HEADER;
      /* sparse up to the mapped size: pages get disk blocks as they are
       * faulted in */
      if (ftruncate (j->fd, JOURNAL_MAP_BYTES) == 0) {
        j->map = mmap (NULL, JOURNAL_MAP_BYTES, PROT_READ | PROT_WRITE,
            MAP_SHARED, j->fd, 0);
        if (j->map == MAP_FAILED)
          j->map = NULL;
      }
      /* the worker faults pages in (journal_prepare); until then the
       * appends go through pwritev() */
      if (j->map == NULL && ftruncate (j->fd, JOURNAL_HEADER) != 0) {
        GST_DEBUG_OBJECT (self, "journal %s left sparse", j->path);
      }
      self->journal_cur = j;
    }
    g_atomic_int_inc (&j->refs);
    j->batches++;
    b->jf = j;
  }
  {
    /* each table's section header and its new rows, straight from the
     * batch: one writev, no copy */
    gchar heads[GST_AXION_N_TABLES][96];
    struct iovec iov[2 * GST_AXION_N_TABLES];
    gint n_iov = 0;
    gsize total = 0;

    for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
      gsize len = b->data[t]->len - b->jlen[t];
      if (len == 0)
        continue;
      iov[n_iov].iov_base = heads[t];
      iov[n_iov].iov_len = section_header (
          heads[t], gst_axion_table_name (t), b->rows[t] - b->jrows[t], len);
      total += iov[n_iov++].iov_len;
      iov[n_iov].iov_base = b->data[t]->str + b->jlen[t];
      iov[n_iov].iov_len = len;
      total += iov[n_iov++].iov_len;
    }
    Journal *j = b->jf;
    if (j->map && j->size + total <= j->ready) {
      /* into the mapped pages, then the new length: one store */
      guint8 *p = j->map + j->size;
      for (gint k = 0; k < n_iov; k++) {
        memcpy (p, iov[k].iov_base, iov[k].iov_len);
        p += iov[k].iov_len;
      }
      n = (gssize) total;
    } else {
      n = pwritev (j->fd, iov, n_iov, j->size);
    }
    if (n == (gssize) total) {
      guint64 len64 = j->size + total;
      if (j->map)
        __atomic_store_n ((guint64 *) (j->map + 16), len64, __ATOMIC_RELEASE);
      else if (pwrite (j->fd, &len64, sizeof (len64), 16) != sizeof (len64))
        n = -1;
    }
    if (n == (gssize) total) {
      for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
        b->jlen[t] = b->data[t]->len;
        b->jrows[t] = b->rows[t];
      }
      j->size += total;
      return;
    }
  }

failed:
  if (!self->journal_warned) {
    self->journal_warned = TRUE;
    GST_WARNING_OBJECT (self,
        "cannot write the journal in %s (%s): rows are in memory only until "
        "written or spooled",
        self->journal_dir, g_strerror (errno));
  }
  if (b->jf) {
    /* the file may end in a cut section now, which recovery stops at: no
     * more appends to it; kept (this batch's earlier rows are there) */
    if (self->journal_cur == b->jf) {
      journal_unref (self->journal_cur, TRUE);
      self->journal_cur = NULL;
    }
    journal_unref (b->jf, FALSE);
    b->jf = NULL;
  }
}

/* lock held: move the pending batch to the worker queue */
static void
queue_pending (GstAxionPgSink *self)
{
  if (self->pending && self->pending->total > 0) {
    journal_append (self, self->pending);
    g_queue_push_tail (&self->queue, self->pending);
    self->pending = NULL;
    g_cond_broadcast (&self->cond);
  }
}

/* ---- conninfo without secrets -------------------------------------------- */

static gchar *
redact_conninfo (const gchar *conninfo)
{
  PQconninfoOption *opts;
  GString *s;

  if (conninfo == NULL || *conninfo == '\0')
    return g_strdup ("");
  opts = PQconninfoParse (conninfo, NULL);
  if (opts == NULL)
    return g_strdup ("(unparsable conninfo)");
  s = g_string_new (NULL);
  for (PQconninfoOption *o = opts; o->keyword; o++) {
    if (o->val == NULL || *o->val == '\0')
      continue;
    g_string_append_printf (s, "%s%s=%s", s->len ? " " : "", o->keyword,
        g_str_equal (o->keyword, "password") ? "***" : o->val);
  }
  PQconninfoFree (opts);
  return g_string_free (s, FALSE);
}

/* libpq messages never contain the password; strip a conninfo echo anyway */
static gchar *
clean_error (const gchar *msg)
{
  gchar *s = g_strstrip (g_strdup (msg ? msg : "unknown error"));
  gchar *p = strstr (s, "password=");
  if (p)
    strcpy (p, "password=***");
  return s;
}

static void
set_last_error (GstAxionPgSink *self, const gchar *msg)
{
  gchar *clean = clean_error (msg);
  g_mutex_lock (&self->lock);
  g_free (self->last_error);
  self->last_error = clean;
  g_mutex_unlock (&self->lock);
}

/* ---- spool --------------------------------------------------------------- */

static gboolean
ensure_spool_dir (GstAxionPgSink *self, gchar **dir_out)
{
  gchar *dir;

  GST_OBJECT_LOCK (self);
  dir = g_strdup (self->spool_dir);
  GST_OBJECT_UNLOCK (self);
  if (dir == NULL)
    return FALSE;
  if (g_mkdir_with_parents (dir, 0700) != 0) {
    GST_WARNING_OBJECT (
        self, "cannot create spool directory %s: %s", dir, g_strerror (errno));
    g_free (dir);
    return FALSE;
  }
  *dir_out = dir;
  return TRUE;
}

static void
fsync_path (const gchar *path)
{
  int fd = open (path, O_RDONLY);
  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
}

/* The spool file format: a magic line, then per table "<table> <rows>
 * <bytes>\n" and that many bytes of COPY text (read back by spool_read). */
static GString *
batch_serialize (const Batch *b)
{
  GString *out = g_string_new (SPOOL_MAGIC);

  for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
    if (b->rows[t] == 0)
      continue;
    g_string_append_printf (out, "%s %u %" G_GSIZE_FORMAT "\n",
        gst_axion_table_name (t), b->rows[t], b->data[t]->len);
    g_string_append_len (out, b->data[t]->str, b->data[t]->len);
  }
  return out;
}

/* Write @b as one spool file. Returns FALSE when there is no spool
 * directory, no room or the write failed (the batch is kept by the caller). */
static gboolean
spool_write (GstAxionPgSink *self, Batch *b)
{
  gchar *dir, *tmp, *final;
  GString *out;
  gboolean ok, do_fsync;
  guint64 max;
  gint64 seq;
  GError *err = NULL;

  if (!ensure_spool_dir (self, &dir))
    return FALSE;
  out = batch_serialize (b);
  GST_OBJECT_LOCK (self);
  max = self->spool_max_bytes;
  do_fsync = self->spool_fsync;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  if (self->spool_bytes + out->len > max) {
    self->spool_full++;
    self->spool_is_full = TRUE;
    g_mutex_unlock (&self->lock);
    GST_WARNING_OBJECT (self,
        "spool full (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes)",
        self->spool_bytes, max);
    g_string_free (out, TRUE);
    g_free (dir);
    return FALSE;
  }
  g_mutex_unlock (&self->lock);

  /* ids sort by time: file names sort in write order */
  seq = gst_axion_id_next ();
  tmp = g_strdup_printf ("%s/%020" G_GINT64_FORMAT ".tmp", dir, seq);
  final = g_strdup_printf ("%s/%020" G_GINT64_FORMAT ".batch", dir, seq);
  ok = g_file_set_contents (tmp, out->str, out->len, &err);
  if (ok && do_fsync)
    fsync_path (tmp);
  if (ok && g_rename (tmp, final) != 0) {
    ok = FALSE;
    g_set_error (&err, G_FILE_ERROR, g_file_error_from_errno (errno), "%s",
        g_strerror (errno));
  }
  if (ok && do_fsync)
    fsync_path (dir);
  if (!ok) {
    GST_WARNING_OBJECT (
        self, "cannot write spool file %s: %s", final, err->message);
    g_clear_error (&err);
    g_unlink (tmp);
  } else {
    g_mutex_lock (&self->lock);
    self->spool_bytes += out->len;
    self->spool_files++;
    self->spool_is_full = FALSE;
    self->rows_spooled += b->total;
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self, "spooled %u rows to %s", b->total, final);
  }
  g_string_free (out, TRUE);
  g_free (tmp);
  g_free (final);
  g_free (dir);
  return ok;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

/* Parses a spool (or journal) file. A journal may end in a section cut by
 * the process dying: with @tolerant the complete sections are kept. A
 * mapped journal (JOURNAL_MAGIC) counts only the sections within the
 * length in its header. */
static Batch *
spool_parse (gchar *contents, gsize len, gboolean tolerant)
{
  gchar *p, *end;
  Batch *b;

  if (len >= JOURNAL_HEADER &&
      memcmp (contents, JOURNAL_MAGIC, strlen (JOURNAL_MAGIC)) == 0) {
    guint64 done;
    memcpy (&done, contents + 16, sizeof (done));
    b = batch_new ();
    p = contents + JOURNAL_HEADER;
    end = contents + CLAMP (done, JOURNAL_HEADER, len);
  } else if (len >= strlen (SPOOL_MAGIC) &&
      memcmp (contents, SPOOL_MAGIC, strlen (SPOOL_MAGIC)) == 0) {
    b = batch_new ();
    p = contents + strlen (SPOOL_MAGIC);
    end = contents + len;
  } else {
    return NULL;
  }
  while (p < end) {
    gchar name[64];
    guint rows;
    gsize bytes;
    gchar *nl = memchr (p, '\n', end - p);
    gint t;

    if (nl == NULL ||
        sscanf (p, "%63s %u %" G_GSIZE_FORMAT, name, &rows, &bytes) != 3 ||
        (gsize) (end - nl - 1) < bytes) {
      if (tolerant)
        break;
      goto bad;
    }
    for (t = 0; t < GST_AXION_N_TABLES; t++)
      if (g_str_equal (name, gst_axion_table_name (t)))
        break;
    if (t == GST_AXION_N_TABLES)
      goto bad;
    g_string_append_len (b->data[t], nl + 1, bytes);
    b->rows[t] += rows;
    b->total += rows;
    p = nl + 1 + bytes;
  }
  b->first_us = g_get_monotonic_time ();
  return b;

bad:
  batch_free (b);
  return NULL;
}

static Batch *
spool_read (const gchar *path, gsize *size)
{
  gchar *contents;
  gsize len;
  Batch *b;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  b = spool_parse (contents, len, FALSE);
  g_free (contents);
  *size = len;
  return b;
}

/* Journals left by a process that died (killed, crashed) hold rows that
 * reached render() but neither the database nor a spool file: they become
 * spool files, replayed in order after the older ones. */
static void
journal_recover (GstAxionPgSink *self, const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".journal"))
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (paths, cmp_str);
  for (guint i = 0; i < paths->len; i++) {
    const gchar *path = g_ptr_array_index (paths, i);
    gchar *contents = NULL;
    gsize len = 0;
    Batch *b = NULL;

    if (g_file_get_contents (path, &contents, &len, NULL))
      b = spool_parse (contents, len, TRUE);
    g_free (contents);
    if (b == NULL || b->total == 0) {
      g_unlink (path); /* nothing usable: cut before the first section */
    } else if (spool_write (self, b)) {
      GST_INFO_OBJECT (self, "recovered %u rows of a previous process from %s",
          b->total, path);
      g_unlink (path);
    } else {
      GST_WARNING_OBJECT (self,
          "journal %s (%u rows) kept: the spool is "
          "full; it is recovered at the next start",
          path, b->total);
    }
    batch_free (b);
  }
  g_ptr_array_unref (paths);
}

/* sorted full paths of the spool's batch files */
static GPtrArray *
spool_list (GstAxionPgSink *self, guint64 *total_bytes)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  gchar *dir;
  GDir *d;
  const gchar *name;

  *total_bytes = 0;
  if (!ensure_spool_dir (self, &dir))
    return files;
  d = g_dir_open (dir, 0, NULL);
  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (dir, name, NULL);
    GStatBuf st;
    if (g_str_has_suffix (name, ".batch") && g_stat (path, &st) == 0) {
      g_ptr_array_add (files, path);
      *total_bytes += st.st_size;
    } else {
      /* a crash while writing: never renamed (".tmp.XXXXXX": the
       * temporary file g_file_set_contents () writes first) */
      if (g_str_has_suffix (name, ".tmp") || strstr (name, ".tmp.") != NULL)
        g_unlink (path);
      g_free (path);
    }
  }
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (files, cmp_str);
  g_free (dir);
  return files;
}

/* ---- database ------------------------------------------------------------ */

static gboolean
conn_ok (GstAxionPgSink *self)
{
  return self->conn && PQstatus (self->conn) == CONNECTION_OK;
}

static void
disconnect (GstAxionPgSink *self)
{
  if (self->conn) {
    PQfinish (self->conn);
    self->conn = NULL;
  }
  g_mutex_lock (&self->lock);
  self->connected = FALSE;
  g_mutex_unlock (&self->lock);
}

static void
post_fatal (GstAxionPgSink *self, const gchar *what, const gchar *detail)
{
  gchar *ci;

  g_mutex_lock (&self->lock);
  if (self->fatal) {
    g_mutex_unlock (&self->lock);
    return;
  }
  self->fatal = TRUE;
  g_mutex_unlock (&self->lock);
  GST_OBJECT_LOCK (self);
  ci = redact_conninfo (self->conninfo);
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", what),
      ("%s (conninfo: %s)", detail, ci));
  g_free (ci);
}

static PGresult *
exec (GstAxionPgSink *self, const gchar *sql)
{
  return PQexec (self->conn, sql);
}

/* A connection attempt that failed with @msg (libpq's; used before the
 * connection is closed): the next one after a growing delay, and a
 * warning that PostgreSQL @what, when not NULL (the caller posted a fatal
 * error instead) */
static void
retry_later (GstAxionPgSink *self, const gchar *msg, const gchar *what)
{
  gint64 delay_ms = gst_axion_backoff_ms (self->backoff, 500, 10000);

  set_last_error (self, msg);
  self->next_connect_us = g_get_monotonic_time () + delay_ms * 1000;
  self->backoff++;
  if (what)
    GST_WARNING_OBJECT (self,
        "PostgreSQL %s (%s); spooling, next attempt in %" G_GINT64_FORMAT " ms",
        what, g_strstrip ((gchar *) msg), delay_ms);
  disconnect (self);
}

/* Connect when due (backoff with jitter). Returns TRUE when connected. */
static gboolean
ensure_connected (GstAxionPgSink *self, gboolean force)
{
  const gchar *kw[4] = { "connect_timeout", "application_name", NULL, NULL };
  const gchar *val[4] = { G_STRINGIFY (DEFAULT_CONNECT_TIMEOUT_S),
    "axionpgsink", NULL, NULL };
  gchar *ci;
  PGresult *r;
  gboolean has_schema;

  if (conn_ok (self))
    return TRUE;
  if (self->conn)
    disconnect (self);
  if (!force && g_get_monotonic_time () < self->next_connect_us)
    return FALSE;

  GST_OBJECT_LOCK (self);
  ci = g_strdup (self->conninfo);
  GST_OBJECT_UNLOCK (self);
  if (ci && *ci) {
    kw[2] = "dbname";
    val[2] = ci;
  }
  self->conn = PQconnectdbParams (kw, val, 1);
  g_free (ci);

  if (PQstatus (self->conn) != CONNECTION_OK) {
    const gchar *msg = PQerrorMessage (self->conn);
    gboolean auth = strstr (msg, "authentication failed") ||
        strstr (msg, "no password supplied") || strstr (msg, "does not exist");

    if (auth) {
      gchar *m = clean_error (msg);
      post_fatal (self,
          "PostgreSQL refused the connection: check the user, "
          "password and database of conninfo",
          m);
      g_free (m);
    }
    retry_later (self, msg, auth ? NULL : "unreachable");
    return FALSE;
  }

  r = exec (self,
      "SELECT to_regclass('camera_events') IS NOT NULL AND "
      "to_regclass('frame_metadata') IS NOT NULL");
  if (PQresultStatus (r) != PGRES_TUPLES_OK || PQntuples (r) != 1) {
    /* the check itself failed (the server going down right after it let
     * us in, a timeout): transient, not "no schema" (that was a fatal
     * error that ended the drain at EOS with rows still to write) */
    retry_later (self,
        PQresultErrorMessage (r)[0] ? PQresultErrorMessage (r)
                                    : PQerrorMessage (self->conn),
        "failed the schema check");
    PQclear (r);
    return FALSE;
  }
  has_schema = PQgetvalue (r, 0, 0)[0] == 't';
  PQclear (r);
  if (!has_schema) {
    post_fatal (self, "The database has no Axion schema",
        "create it with: tools/axion-db -d '<conninfo>' migrate");
    disconnect (self);
    self->next_connect_us = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  if (self->create_partitions) {
    GST_OBJECT_UNLOCK (self);
    r = exec (self, "SELECT axion_create_partitions_ahead()");
    if (PQresultStatus (r) != PGRES_TUPLES_OK)
      GST_WARNING_OBJECT (self, "could not create partitions ahead: %s",
          PQresultErrorMessage (r));
    PQclear (r);
  } else {
    GST_OBJECT_UNLOCK (self);
  }

  g_mutex_lock (&self->lock);
  if (self->ever_connected)
    self->reconnects++;
  self->ever_connected = TRUE;
  self->connected = TRUE;
  g_mutex_unlock (&self->lock);
  self->backoff = 0;
  GST_INFO_OBJECT (
      self, "connected to PostgreSQL %d", PQserverVersion (self->conn));
  return TRUE;
}

typedef enum
{
  WRITE_OK,
  WRITE_RETRY,    /* connection lost, server away: spool, retry */
  WRITE_REJECTED, /* the data itself was refused */
  WRITE_FATAL,    /* schema or permission problem */
  WRITE_CONFLICT, /* direct COPY met rows already written (a replay) */
} WriteResult;

static WriteResult
classify (GstAxionPgSink *self, PGresult *r)
{
  const gchar *state = r ? PQresultErrorField (r, PG_DIAG_SQLSTATE) : NULL;
  const gchar *msg = r && PQresultErrorMessage (r)[0]
      ? PQresultErrorMessage (r)
      : PQerrorMessage (self->conn);

  set_last_error (self, msg);
  if (!conn_ok (self) || state == NULL)
    return WRITE_RETRY;
  if (g_str_has_prefix (state, "42P01") || g_str_has_prefix (state, "42703") ||
      g_str_has_prefix (state, "42883")) {
    post_fatal (self, "The Axion schema is missing or outdated",
        "run: tools/axion-db -d '<conninfo>' migrate");
    return WRITE_FATAL;
  }
  if (g_str_has_prefix (state, "42501")) {
    gchar *m = clean_error (msg);
    post_fatal (self,
        "Permission denied on the Axion tables: grant INSERT "
        "and SELECT to the sink's user",
        m);
    g_free (m);
    return WRITE_FATAL;
  }
  if (g_str_has_prefix (state, "22") || g_str_has_prefix (state, "23"))
    return WRITE_REJECTED;
  /* read-only standby, shutdown, serialization, timeouts...: transient */
  return WRITE_RETRY;
}

static gchar *
column_list (GstAxionTable t)
{
  guint n;
  const GstAxionColumn *cols = gst_axion_table_columns (t, &n);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", cols[i].name);
  return g_string_free (s, FALSE);
}

/* unique_violation: rows that are already there */
static gboolean
is_conflict (PGresult *r)
{
  const gchar *state = r ? PQresultErrorField (r, PG_DIAG_SQLSTATE) : NULL;
  return state && strcmp (state, "23505") == 0;
}

/* the cameras registry: an upsert that keeps known URLs and the newest
 * time */
#define CAMERAS_UPSERT                                                         \
  "ON CONFLICT (camera_id) DO UPDATE SET "                                     \
  "rtsp_url = COALESCE (EXCLUDED.rtsp_url, cameras.rtsp_url), "                \
  "ip_address = COALESCE (EXCLUDED.ip_address, cameras.ip_address), "          \
  "active_resolution_width = EXCLUDED.active_resolution_width, "               \
  "active_resolution_height = EXCLUDED.active_resolution_height, "             \
  "active_fps = EXCLUDED.active_fps, status = EXCLUDED.status, "               \
  "last_seen_at = GREATEST (EXCLUDED.last_seen_at, cameras.last_seen_at)"

/* One transaction for the whole batch. direct: COPY straight into the
 * tables (half the server's work); a row that is already there fails the
 * COPY with unique_violation and the caller writes the batch again through
 * the staging tables (ON CONFLICT DO NOTHING). Staged: COPY into a
 * temporary table that dies with the transaction, then INSERT ... SELECT
 * ... ON CONFLICT DO NOTHING. The cameras registry is always staged (an
 * upsert). */
static WriteResult
write_batch_mode (GstAxionPgSink *self, Batch *b, gboolean direct)
{
  PGresult *r;
  WriteResult res = WRITE_OK;
  guint64 duplicates = 0;

  /* Durable whatever the server's default: with synchronous_commit=off
   * (the schema document recommends it) a server crash can lose commits
   * that were already acknowledged, and the sink would never resend them.
   * SET LOCAL ends with the transaction (PgBouncer-safe). */
  r = exec (self, "BEGIN; SET LOCAL synchronous_commit TO on");
  if (PQresultStatus (r) != PGRES_COMMAND_OK) {
    res = classify (self, r);
    PQclear (r);
    if (res == WRITE_RETRY)
      disconnect (self);
    return res;
  }
  PQclear (r);

  for (gint t = 0; t < GST_AXION_N_TABLES && res == WRITE_OK; t++) {
    const gchar *table = gst_axion_table_name (t);
    gchar *cols, *sql;

    gboolean staged = !direct || t == GST_AXION_TABLE_CAMERAS;

    if (b->rows[t] == 0)
      continue;
    cols = column_list (t);
    if (staged) {
      /* staging table dies with the transaction: no session state, so
       * PgBouncer transaction pooling works */
      sql = g_strdup_printf ("CREATE TEMP TABLE axion_stage_%s ON COMMIT "
                             "DROP AS SELECT %s FROM %s WITH NO DATA",
          table, cols, table);
      r = exec (self, sql);
      g_free (sql);
      if (PQresultStatus (r) != PGRES_COMMAND_OK)
        res = classify (self, r);
      PQclear (r);
    }

    if (res == WRITE_OK) {
      sql = g_strdup_printf ("COPY %s%s (%s) FROM STDIN",
          staged ? "axion_stage_" : "", table, cols);
      r = exec (self, sql);
      g_free (sql);
      if (PQresultStatus (r) != PGRES_COPY_IN) {
        res = classify (self, r);
        PQclear (r);
      } else {
        PQclear (r);
        if (PQputCopyData (self->conn, b->data[t]->str, b->data[t]->len) != 1 ||
            PQputCopyEnd (self->conn, NULL) != 1) {
          res = WRITE_RETRY;
          set_last_error (self, PQerrorMessage (self->conn));
        }
        while ((r = PQgetResult (self->conn))) {
          if (res == WRITE_OK && PQresultStatus (r) != PGRES_COMMAND_OK)
            res = !staged && is_conflict (r) ? WRITE_CONFLICT
                                             : classify (self, r);
          PQclear (r);
        }
      }
    }

    if (res == WRITE_OK && staged) {
      if (t == GST_AXION_TABLE_CAMERAS)
        sql = g_strdup_printf (
            "INSERT INTO cameras (%s) SELECT DISTINCT ON (camera_id) %s "
            "FROM axion_stage_cameras ORDER BY camera_id, last_seen_at "
            "DESC " CAMERAS_UPSERT,
            cols, cols);
      else
        sql = g_strdup_printf ("INSERT INTO %s (%s) SELECT %s FROM "
                               "axion_stage_%s ON CONFLICT DO NOTHING",
            table, cols, cols, table);
      r = exec (self, sql);
      g_free (sql);
      if (PQresultStatus (r) != PGRES_COMMAND_OK)
        res = classify (self, r);
      else if (t != GST_AXION_TABLE_CAMERAS)
        duplicates += b->rows[t] -
            MIN (b->rows[t], g_ascii_strtoull (PQcmdTuples (r), NULL, 10));
      PQclear (r);
    }
    g_free (cols);
  }

  if (res == WRITE_OK) {
    r = exec (self, "COMMIT");
    if (PQresultStatus (r) != PGRES_COMMAND_OK)
      res = classify (self, r);
    PQclear (r);
    if (res == WRITE_OK && duplicates > 0) {
      g_mutex_lock (&self->lock);
      self->rows_duplicate += duplicates;
      g_mutex_unlock (&self->lock);
      GST_DEBUG_OBJECT (self,
          "%" G_GUINT64_FORMAT " rows were already written: skipped",
          duplicates);
    }
  } else if (conn_ok (self)) {
    PQclear (exec (self, "ROLLBACK"));
  }
  if (res == WRITE_RETRY)
    disconnect (self);
  return res;
}

/* Appends the COPY text lines of @data as SQL row constructors
 * "(E'..',NULL,..)," (E'' literals: the same whatever
 * standard_conforming_strings says). */
static void
append_values (GString *sql, const GString *data)
{
  const gchar *p = data->str, *end = data->str + data->len;

  while (p < end) {
    g_string_append_c (sql, '(');
    while (TRUE) {
      if (p[0] == '\\' && p[1] == 'N' && (p[2] == '\t' || p[2] == '\n')) {
        g_string_append (sql, "NULL");
        p += 2;
      } else {
        g_string_append (sql, "E'");
        for (; *p != '\t' && *p != '\n'; p++) {
          gchar c = *p;
          if (c == '\\') {
            c = *++p;
            c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
          }
          if (c == '\\' || c == '\'')
            g_string_append_c (sql, c);
          g_string_append_c (sql, c);
        }
        g_string_append_c (sql, '\'');
      }
      if (*p++ == '\n')
        break;
      g_string_append_c (sql, ',');
    }
    g_string_append (sql, "),");
  }
  g_string_truncate (sql, sql->len - 1);
}

/* Small fresh batches (camera rates: a few rows per flush) in one round
 * trip: BEGIN, an INSERT ... VALUES ... ON CONFLICT DO NOTHING per table
 * and COMMIT in one query string. COPY needs two round trips per table
 * plus BEGIN and COMMIT, and each round trip costs the worker two system
 * calls and a sleep; large batches still go through COPY, which the server
 * loads faster. Any failure is rolled back and the batch written again
 * the COPY way (with its error handling); WRITE_RETRY only when the
 * connection is gone. */
#define VALUES_MAX_ROWS 100

static gboolean
values_eligible (const Batch *b)
{
  return b->total <= VALUES_MAX_ROWS;
}

/* Sends the batch as one query string (BEGIN, an INSERT per table,
 * COMMIT); values_finish() reads the results. Returns FALSE when it could
 * not be sent. */
static gboolean
values_send (GstAxionPgSink *self, Batch *b)
{
  GString *sql = g_string_new ("BEGIN; SET LOCAL synchronous_commit TO on");
  gboolean ok;

  for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
    gchar *cols;
    if (b->rows[t] == 0)
      continue;
    cols = column_list (t);
    g_string_append_printf (
        sql, "; INSERT INTO %s (%s) VALUES ", gst_axion_table_name (t), cols);
    append_values (sql, b->data[t]);
    /* (two rows of one camera in a batch make the upsert fail: COPY then,
     * through staging) */
    g_string_append (sql,
        t == GST_AXION_TABLE_CAMERAS ? " " CAMERAS_UPSERT
                                     : " ON CONFLICT DO NOTHING");
    g_free (cols);
  }
  g_string_append (sql, "; COMMIT");
  ok = PQsendQuery (self->conn, sql->str) == 1;
  g_string_free (sql, TRUE);
  return ok;
}

/* The results of values_send() for @b; @ok: it was sent. WRITE_REJECTED
 * (rolled back) sends the caller to the COPY way. */
static WriteResult
values_finish (GstAxionPgSink *self, Batch *b, gboolean ok)
{
  PGresult *r;
  guint64 duplicates = 0;
  gint tables[GST_AXION_N_TABLES], n_tables = 0, k = -2;

  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    if (b->rows[t] > 0)
      tables[n_tables++] = t;
  /* results in order: BEGIN, SET, one per INSERT, COMMIT */
  while (ok && (r = PQgetResult (self->conn))) {
    if (PQresultStatus (r) != PGRES_COMMAND_OK) {
      GST_DEBUG_OBJECT (self, "one-round-trip write failed (%s): COPY instead",
          PQresultErrorMessage (r));
      ok = FALSE;
    } else if (k >= 0 && k < n_tables && tables[k] != GST_AXION_TABLE_CAMERAS) {
      guint rows = b->rows[tables[k]];
      duplicates += rows -
          MIN (rows, g_ascii_strtoull (PQcmdTuples (r), NULL, 10));
    }
    k++;
    PQclear (r);
  }
  if (!ok) {
    while ((r = PQgetResult (self->conn)))
      PQclear (r);
    if (!conn_ok (self))
      return WRITE_RETRY;
    if (PQtransactionStatus (self->conn) != PQTRANS_IDLE)
      PQclear (exec (self, "ROLLBACK"));
    return WRITE_REJECTED;
  }
  if (duplicates > 0) {
    g_mutex_lock (&self->lock);
    self->rows_duplicate += duplicates;
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self,
        "%" G_GUINT64_FORMAT " rows were already written: skipped", duplicates);
  }
  return WRITE_OK;
}

/* Fresh batches go direct; replays (which may hold rows that were
 * committed before the acknowledgement was lost) and batches that meet
 * such rows go through staging. */
static WriteResult
write_batch_copy (GstAxionPgSink *self, Batch *b, gboolean replay);

static WriteResult
write_batch (GstAxionPgSink *self, Batch *b, gboolean replay)
{
  if (!replay && values_eligible (b)) {
    WriteResult res = values_finish (self, b, values_send (self, b));
    if (res != WRITE_REJECTED)
      return res;
  }
  return write_batch_copy (self, b, replay);
}

/* the COPY way: direct for fresh batches, staged for replays and batches
 * that meet rows already written */
static WriteResult
write_batch_copy (GstAxionPgSink *self, Batch *b, gboolean replay)
{
  if (!replay) {
    WriteResult res = write_batch_mode (self, b, TRUE);
    if (res != WRITE_CONFLICT)
      return res;
    GST_DEBUG_OBJECT (self, "batch meets rows already written: staging it");
  }
  return write_batch_mode (self, b, FALSE);
}

/* Keep rows the server refused as data in spool-dir/rejected/ (never
 * replayed automatically: an operator looks at them). */
static void
keep_rejected (GstAxionPgSink *self, Batch *b)
{
  gchar *dir, *rej, *path;
  GString *out;

  g_mutex_lock (&self->lock);
  self->rows_rejected += b->total;
  g_mutex_unlock (&self->lock);
  if (!ensure_spool_dir (self, &dir)) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("PostgreSQL refused %u rows as invalid data", b->total),
        ("%s; no spool-dir to keep them", self->last_error));
    return;
  }
  rej = g_build_filename (dir, "rejected", NULL);
  g_mkdir_with_parents (rej, 0700);
  path = g_strdup_printf (
      "%s/%020" G_GINT64_FORMAT ".batch", rej, gst_axion_id_next ());
  out = batch_serialize (b);
  g_file_set_contents (path, out->str, out->len, NULL);
  GST_ELEMENT_WARNING (self, STREAM, FAILED,
      ("PostgreSQL refused %u rows as invalid data", b->total),
      ("%s; kept in %s", self->last_error, path));
  g_string_free (out, TRUE);
  g_free (path);
  g_free (rej);
  g_free (dir);
}

/* A batch was refused as data: write it row by row so that only the bad
 * rows are set aside. Returns WRITE_OK when every row was either written
 * or kept as rejected, else the first connection/fatal result (the caller
 * keeps the whole batch; rows already written are not duplicated on
 * replay). */
static WriteResult
write_row_by_row (GstAxionPgSink *self, Batch *b)
{
  Batch *bad = batch_new ();
  WriteResult res = WRITE_OK;

  for (gint t = 0; t < GST_AXION_N_TABLES && res == WRITE_OK; t++) {
    const gchar *p = b->data[t]->str, *end = p + b->data[t]->len;
    while (p < end && res == WRITE_OK) {
      const gchar *nl = memchr (p, '\n', end - p);
      gsize len = nl ? (gsize) (nl - p) + 1 : (gsize) (end - p);
      Batch *one = batch_new ();
      WriteResult wr;

      g_string_append_len (one->data[t], p, len);
      one->rows[t] = one->total = 1;
      one->first_us = b->first_us;
      wr = write_batch (self, one, TRUE);
      if (wr == WRITE_REJECTED) {
        g_string_append_len (bad->data[t], p, len);
        bad->rows[t]++;
        bad->total++;
      } else if (wr != WRITE_OK) {
        res = wr;
      }
      batch_free (one);
      p += len;
    }
  }
  if (res == WRITE_OK && bad->total > 0) {
    keep_rejected (self, bad);
    b->total -= bad->total; /* the caller counts the written rows */
  }
  batch_free (bad);
  return res;
}

static void
batch_written (GstAxionPgSink *self, Batch *b, gboolean replay)
{
  gdouble lag = (g_get_monotonic_time () - b->first_us) / 1000.0;

  g_mutex_lock (&self->lock);
  self->batches++;
  if (replay)
    self->rows_replayed += b->total;
  else
    self->rows_written += b->total;
  self->last_lag_ms = lag;
  g_mutex_unlock (&self->lock);
  GST_LOG_OBJECT (self, "%s %u rows (lag %.1f ms)",
      replay ? "replayed" : "wrote", b->total, lag);
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
    Batch *b = spool_read (path, &size);
    WriteResult wr;

    if (b == NULL) {
      GST_WARNING_OBJECT (self, "unreadable spool file %s moved aside", path);
      gchar *bad = g_strconcat (path, ".corrupt", NULL);
      g_rename (path, bad);
      g_free (bad);
      continue;
    }
    wr = write_batch (self, b, TRUE);
    if (wr == WRITE_OK) {
      g_unlink (path);
      batch_written (self, b, TRUE);
      g_mutex_lock (&self->lock);
      self->spool_is_full = FALSE;
      self->spool_bytes -= MIN (self->spool_bytes, size);
      self->spool_files -= MIN (self->spool_files, 1);
      g_mutex_unlock (&self->lock);
    } else if (wr == WRITE_REJECTED && write_row_by_row (self, b) == WRITE_OK) {
      g_unlink (path);
      batch_written (self, b, TRUE);
      g_mutex_lock (&self->lock);
      self->spool_bytes -= MIN (self->spool_bytes, size);
      self->spool_files -= MIN (self->spool_files, 1);
      g_mutex_unlock (&self->lock);
    } else {
      done = FALSE;
    }
    batch_free (b);
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

static gpointer
worker_main (GstAxionPgSink *self)
{
  gboolean spool_pending, waited = FALSE;
  /* the flush tick: pending rows are written every flush-interval-ms (so
   * at the latest that long after their first row), one wake-up per
   * flush whatever the rows' phase */
  gint64 next_flush = 0;
  /* a batch sent in one round trip whose results are read at the next
   * wake-up: they arrive while the worker sleeps (one wake-up per flush,
   * not two) */
  Batch *sent = NULL;

  g_mutex_lock (&self->lock);
  spool_pending = self->spool_files > 0;
  self->last_metrics_us = g_get_monotonic_time ();
  self->last_metrics_rows = 0;
  g_mutex_unlock (&self->lock);

  g_mutex_lock (&self->lock);
  while (TRUE) {
    Batch *b;
    guint flush_ms, metrics_ms;
    gint64 now, wake;
    gboolean stopping, urgent, deferred = FALSE;

    self->worker_cpu_us = gst_axion_thread_cpu_us ();
    /* (may release the lock: the state is read after it) */
    journal_prepare (self);
    now = g_get_monotonic_time ();
    stopping = self->stopping;

    GST_OBJECT_LOCK (self);
    flush_ms = self->flush_interval_ms;
    metrics_ms = self->metrics_interval_ms;
    GST_OBJECT_UNLOCK (self);

    if (metrics_ms > 0 && !stopping &&
        now - self->last_metrics_us >= (gint64) metrics_ms * 1000)
      add_metrics (self, now);

    /* the time-based flush of the pending batch */
    if (next_flush == 0 || now >= next_flush ||
        next_flush - now > (gint64) flush_ms * 1000) {
      if (self->pending && self->pending->total > 0 && next_flush > 0)
        queue_pending (self);
      next_flush = now + (gint64) flush_ms * 1000;
    }
    if (self->pending && self->pending->total > 0 &&
        (stopping || self->flush_now ||
            now - self->pending->first_us >= (gint64) flush_ms * 1000))
      queue_pending (self);
    urgent = stopping || self->flush_now;
    self->flush_now = FALSE;

    wake = next_flush;
    if (self->pending && self->pending->total > 0)
      wake = MIN (wake, self->pending->first_us + (gint64) flush_ms * 1000);
    if (sent && !waited && !urgent && g_queue_is_empty (&self->queue)) {
      /* busy stays set: a drain waits for these results */
      g_cond_wait_until (&self->cond, &self->lock, MAX (wake, now + 1000));
      waited = TRUE;
      continue;
    }
    if (sent) {
      b = sent;
      sent = NULL;
      deferred = TRUE;
    } else {
      if (g_queue_is_empty (&self->queue) && !spool_pending) {
        if (stopping)
          break;
        self->busy = FALSE;
        g_cond_broadcast (&self->cond);
        g_cond_wait_until (&self->cond, &self->lock, MAX (wake, now + 1000));
        continue;
      }
      b = g_queue_pop_head (&self->queue);
    }
    self->busy = TRUE;
    g_mutex_unlock (&self->lock);

    if (deferred || ensure_connected (self, stopping)) {
      /* the spool directory is read only when this worker spooled
       * something or found files at start (not at every flush) */
      if (spool_pending && !deferred)
        spool_pending = !replay_spool (self);
      if (b && !spool_pending) {
        WriteResult wr;
        if (deferred) {
          wr = values_finish (self, b, TRUE);
          if (wr == WRITE_REJECTED)
            wr = write_batch_copy (self, b, FALSE);
        } else if (!urgent && values_eligible (b) && values_send (self, b)) {
          /* results at the next wake-up */
          sent = b;
          waited = FALSE;
          g_mutex_lock (&self->lock);
          continue;
        } else {
          wr = write_batch (self, b, FALSE);
        }
        if (wr == WRITE_OK) {
          batch_written (self, b, FALSE);
          batch_retire (b);
          b = NULL;
        } else if (wr == WRITE_REJECTED &&
            write_row_by_row (self, b) == WRITE_OK) {
          batch_written (self, b, FALSE);
          batch_retire (b);
          b = NULL;
        }
      }
    } else {
      spool_pending = self->spool_files > 0;
    }

    if (b) {
      /* not written: to the spool, in order after older spooled batches */
      if (spool_write (self, b)) {
        batch_retire (b);
        spool_pending = TRUE;
      } else {
        /* no spool (or full): keep it in memory, at the head */
        g_mutex_lock (&self->lock);
        g_queue_push_head (&self->queue, b);
        if (self->stopping) {
          /* nowhere to put it: say so, loudly */
          guint64 lost = 0;
          while ((b = g_queue_pop_head (&self->queue))) {
            lost += b->total;
            batch_retire (b);
          }
          self->rows_dropped += lost;
          g_mutex_unlock (&self->lock);
          GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
              ("%" G_GUINT64_FORMAT " rows could not be written nor spooled "
               "at shutdown",
                  lost),
              ("set spool-dir (and enough spool-max-bytes) to keep rows "
               "across outages"));
          g_mutex_lock (&self->lock);
          break;
        }
        g_mutex_unlock (&self->lock);
      }
    }

    if (!conn_ok (self)) {
      /* wait for the next connection attempt (or new work / stop) */
      gint64 until = MAX (self->next_connect_us,
          g_get_monotonic_time () + 10 * G_TIME_SPAN_MILLISECOND);
      g_mutex_lock (&self->lock);
      if (self->stopping) {
        if (g_queue_is_empty (&self->queue))
          break;
        continue;
      }
      if (!(self->pending && self->pending->total >= 1 && self->flush_now))
        g_cond_wait_until (&self->cond, &self->lock, until);
      continue;
    }
    g_mutex_lock (&self->lock);
  }
  self->busy = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  disconnect (self);
  return NULL;
}

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
gst_axion_pg_sink_render (GstBaseSink *bs, GstBuffer *buf)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  GstAxionFrameMeta *meta = gst_buffer_get_axion_frame_meta (buf);
  GPtrArray *rows = g_ptr_array_new ();
  GstAxionFrameInfo info;
  GError *err = NULL;
  guint frame_interval, batch_size, max_queued;
  SpoolFullPolicy policy;
  gboolean have_spool;
  gpointer state = NULL;
  GstMeta *m;
  guint invalid = 0;
  GstAxionFrameEvent events[GST_AXION_FRAME_MAX_EVENTS + 1];
  guint n_events;

  gst_axion_cpu_meter_begin (&self->render_cpu);
  GST_OBJECT_LOCK (self);
  frame_interval = self->frame_interval;
  batch_size = self->batch_size;
  max_queued = self->max_queued;
  policy = self->spool_full_policy;
  have_spool = self->spool_dir != NULL;
  GST_OBJECT_UNLOCK (self);

  gst_axion_frame_info_init (&info);
  if (self->have_info) {
    info.width = GST_VIDEO_INFO_WIDTH (&self->vinfo);
    info.height = GST_VIDEO_INFO_HEIGHT (&self->vinfo);
    info.format = self->format;
    info.fps = self->fps;
  }
  info.size_bytes = gst_buffer_get_size (buf);

  if (meta && gst_axion_frame_meta_has (meta, GST_AXION_FRAME_FIELD_CAMERA)) {
    GstAxionRow *row;

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
    if (frame_interval > 0 && meta->frame_number % frame_interval == 0) {
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
  } else {
    g_mutex_lock (&self->lock);
    self->buffers_without_meta++;
    g_mutex_unlock (&self->lock);
    GST_LOG_OBJECT (self, "buffer without Axion frame meta");
  }

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

  g_mutex_lock (&self->lock);
  self->rows_invalid += invalid;
  /* back-pressure when the worker cannot keep up and cannot spool */
  while (g_queue_get_length (&self->queue) >= max_queued && !self->stopping) {
    /* while the spool still has room the worker empties the queue soon:
     * wait; the policy is for a full (or missing) spool */
    gboolean spool_room = have_spool && !self->spool_is_full;
    if (policy == SPOOL_FULL_DROP && !spool_room) {
      self->rows_dropped += rows->len;
      free_rows (rows);
      break;
    }
    if (policy == SPOOL_FULL_ERROR && !spool_room) {
      g_mutex_unlock (&self->lock);
      free_rows (rows);
      g_ptr_array_unref (rows);
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
          ("PostgreSQL is away and the spool is full"),
          ("raise spool-max-bytes or choose spool-full-policy=block"));
      return GST_FLOW_ERROR;
    }
    g_cond_wait_until (
        &self->cond, &self->lock, g_get_monotonic_time () + G_TIME_SPAN_SECOND);
  }
  for (guint i = 0; i < rows->len; i++)
    batch_add_row (self, g_ptr_array_index (rows, i));
  journal_append (self, self->pending);
  if (self->pending && self->pending->total >= batch_size)
    queue_pending (self);
  gst_axion_cpu_meter_end (&self->render_cpu);
  self->rendered++;
  g_mutex_unlock (&self->lock);
  g_ptr_array_unref (rows);
  return GST_FLOW_OK;
}

/* Wait until everything queued was written or spooled (or @timeout_ms). */
static gboolean
drain (GstAxionPgSink *self, guint timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean done;

  g_mutex_lock (&self->lock);
  queue_pending (self);
  self->flush_now = TRUE;
  g_cond_broadcast (&self->cond);
  while (!(done = g_queue_is_empty (&self->queue) && !self->busy &&
                 (self->pending == NULL || self->pending->total == 0) &&
                 self->spool_files == 0) &&
      !self->fatal) {
    if (!g_cond_wait_until (&self->cond, &self->lock, until))
      break;
  }
  g_mutex_unlock (&self->lock);
  return done;
}

static gboolean
gst_axion_pg_sink_event (GstBaseSink *bs, GstEvent *event)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  const gchar *id, *uri;

  if (gst_axion_camera_id_event_parse (event, &id, &uri)) {
    g_free (self->source_uri);
    self->source_uri = g_strdup (uri);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    guint timeout;
    GST_OBJECT_LOCK (self);
    timeout = self->eos_timeout_ms;
    GST_OBJECT_UNLOCK (self);
    if (!drain (self, timeout))
      GST_WARNING_OBJECT (self,
          "EOS: rows not yet written after %u ms stay "
          "in the queue/spool and are written later",
          timeout);
    g_mutex_lock (&self->lock);
    if (self->spool_files > 0)
      GST_WARNING_OBJECT (self,
          "EOS with %u batches in the spool (PostgreSQL "
          "unreachable): the next start with this "
          "spool-dir replays them",
          self->spool_files);
    g_mutex_unlock (&self->lock);
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bs, event);
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

static gboolean
gst_axion_pg_sink_start (GstBaseSink *bs)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);
  gboolean require;

  self->stopping = FALSE;
  self->fatal = FALSE;
  self->backoff = 0;
  self->next_connect_us = 0;
  self->rows_queued = self->rows_written = self->rows_spooled = 0;
  self->rows_replayed = self->rows_dropped = self->rows_rejected = 0;
  self->rows_duplicate = 0;
  memset (&self->render_cpu, 0, sizeof (self->render_cpu));
  self->worker_cpu_us = 0;
  self->rendered = 0;
  self->batches = self->reconnects = self->spool_full = 0;
  self->ever_connected = FALSE;
  self->buffers_without_meta = self->rows_invalid = 0;
  g_hash_table_remove_all (self->cameras_seen);
  self->last_camera = NULL;

  GST_OBJECT_LOCK (self);
  require = self->require_connection;
  GST_OBJECT_UNLOCK (self);
  if (!ensure_connected (self, TRUE)) {
    if (require || self->fatal) {
      if (!self->fatal)
        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
            ("Cannot connect to PostgreSQL and require-connection=true"),
            ("%s", self->last_error ? self->last_error : ""));
      return FALSE;
    }
    GST_WARNING_OBJECT (self,
        "PostgreSQL unreachable at start: rows are "
        "spooled until it is back");
  }
  {
    gchar *dir = NULL;
    gboolean journal;

    GST_OBJECT_LOCK (self);
    journal = self->journal;
    GST_OBJECT_UNLOCK (self);
    g_clear_pointer (&self->journal_dir, g_free);
    self->journal_warned = FALSE;
    if (ensure_spool_dir (self, &dir)) {
      journal_recover (self, dir);
      if (journal)
        self->journal_dir = dir;
      else
        g_free (dir);
    }
  }
  {
    /* a spool left by a previous process: known before any EOS waits */
    guint64 bytes;
    GPtrArray *files = spool_list (self, &bytes);
    g_mutex_lock (&self->lock);
    self->spool_bytes = bytes;
    self->spool_files = files->len;
    g_mutex_unlock (&self->lock);
    if (files->len)
      GST_INFO_OBJECT (self,
          "%u spool files (%" G_GUINT64_FORMAT " bytes) "
          "to replay",
          files->len, bytes);
    g_ptr_array_unref (files);
  }
  self->worker = g_thread_new ("axionpgsink", (GThreadFunc) worker_main, self);
  return TRUE;
}

static gboolean
gst_axion_pg_sink_stop (GstBaseSink *bs)
{
  GstAxionPgSink *self = GST_AXION_PG_SINK (bs);

  g_mutex_lock (&self->lock);
  queue_pending (self);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (self->worker) {
    g_thread_join (self->worker);
    self->worker = NULL;
  }
  /* deleted now unless a batch left rows only there */
  g_mutex_lock (&self->lock);
  journal_unref (self->journal_cur, TRUE);
  self->journal_cur = NULL;
  g_mutex_unlock (&self->lock);
  GST_INFO_OBJECT (self,
      "CPU per frame over %" G_GUINT64_FORMAT " frames: render %.4f ms, "
      "worker %.4f ms",
      self->rendered,
      self->rendered ? self->render_cpu.cpu_us / 1000.0 / self->rendered : 0.0,
      self->rendered ? self->worker_cpu_us / 1000.0 / self->rendered : 0.0);
  disconnect (self);
  return TRUE;
}

/* ---- properties ------------------------------------------------------------
 */

static GstStructure *
make_stats (GstAxionPgSink *self)
{
  GstStructure *s;

  g_mutex_lock (&self->lock);
  s = gst_structure_new ("axionpgsink-stats", "rows-queued", G_TYPE_UINT64,
      self->rows_queued, "rows-written", G_TYPE_UINT64, self->rows_written,
      "rows-spooled", G_TYPE_UINT64, self->rows_spooled, "rows-replayed",
      G_TYPE_UINT64, self->rows_replayed, "rows-dropped", G_TYPE_UINT64,
      self->rows_dropped, "rows-rejected", G_TYPE_UINT64, self->rows_rejected,
      "rows-invalid", G_TYPE_UINT64, self->rows_invalid, "rows-duplicate",
      G_TYPE_UINT64, self->rows_duplicate, "batches", G_TYPE_UINT64,
      self->batches, "reconnects", G_TYPE_UINT64, self->reconnects,
      "spool-full", G_TYPE_UINT64, self->spool_full, "spool-bytes",
      G_TYPE_UINT64, self->spool_bytes, "spool-files", G_TYPE_UINT,
      self->spool_files, "queued-batches", G_TYPE_UINT,
      g_queue_get_length (&self->queue), "connected", G_TYPE_BOOLEAN,
      self->connected, "lag-ms", G_TYPE_DOUBLE, self->last_lag_ms,
      "buffers-without-meta", G_TYPE_UINT64, self->buffers_without_meta,
      "frames", G_TYPE_UINT64, self->rendered, "cpu-ms", G_TYPE_DOUBLE,
      (self->render_cpu.cpu_us + self->worker_cpu_us) / 1000.0,
      "cpu-ms-per-frame", G_TYPE_DOUBLE,
      self->rendered ? (self->render_cpu.cpu_us + self->worker_cpu_us) /
              1000.0 / self->rendered
                     : 0.0,
      "last-error", G_TYPE_STRING, self->last_error ? self->last_error : "",
      NULL);
  g_mutex_unlock (&self->lock);
  return s;
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
    g_mutex_lock (&self->lock);
    batch_add_row (self, row);
    g_mutex_unlock (&self->lock);
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
  case PROP_FLUSH_INTERVAL_MS:
    self->flush_interval_ms = g_value_get_uint (value);
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
  case PROP_EOS_TIMEOUT_MS:
    self->eos_timeout_ms = g_value_get_uint (value);
    break;
  case PROP_METRICS_INTERVAL_MS:
    self->metrics_interval_ms = g_value_get_uint (value);
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
    g_value_take_string (value, redact_conninfo (self->conninfo));
    break;
  case PROP_BATCH_SIZE:
    g_value_set_uint (value, self->batch_size);
    break;
  case PROP_FLUSH_INTERVAL_MS:
    g_value_set_uint (value, self->flush_interval_ms);
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
  case PROP_EOS_TIMEOUT_MS:
    g_value_set_uint (value, self->eos_timeout_ms);
    break;
  case PROP_METRICS_INTERVAL_MS:
    g_value_set_uint (value, self->metrics_interval_ms);
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
  Batch *b;

  while ((b = g_queue_pop_head (&self->queue)))
    batch_free (b);
  batch_free (self->pending);
  g_free (self->conninfo);
  g_free (self->spool_dir);
  g_free (self->journal_dir);
  g_free (self->last_error);
  g_free (self->source_uri);
  g_hash_table_unref (self->cameras_seen);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_axion_pg_sink_init (GstAxionPgSink *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->queue);
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->flush_interval_ms = DEFAULT_FLUSH_INTERVAL_MS;
  self->spool_max_bytes = DEFAULT_SPOOL_MAX_BYTES;
  self->spool_fsync = DEFAULT_SPOOL_FSYNC;
  self->journal = TRUE;
  self->spool_full_policy = SPOOL_FULL_BLOCK;
  self->frame_interval = DEFAULT_FRAME_INTERVAL;
  self->motion_events = self->object_events = TRUE;
  self->scene_events = self->quality_events = TRUE;
  self->create_partitions = TRUE;
  self->max_queued = DEFAULT_MAX_QUEUED;
  self->eos_timeout_ms = DEFAULT_EOS_TIMEOUT_MS;
  self->metrics_interval_ms = DEFAULT_METRICS_INTERVAL_MS;
  self->cameras_seen = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  /* rows are data, not timed rendering */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
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
  g_object_class_install_property (gobject_class, PROP_FLUSH_INTERVAL_MS,
      g_param_spec_uint ("flush-interval-ms", "Flush interval",
          "A batch is written at the latest this many milliseconds after its "
          "first row",
          1, 3600000, DEFAULT_FLUSH_INTERVAL_MS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SPOOL_DIR,
      g_param_spec_string ("spool-dir", "Spool directory",
          "Directory for batches PostgreSQL could not take; replayed in "
          "order when it is back, also by the next process using it. Unset: "
          "no spool (rows wait in memory, bounded by max-queued-batches)",
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
          "With spool-dir: append every row to a journal file in the spool "
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
          "Write a frame_metadata row for every Nth frame (by frame number; "
          "0: none)",
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
  g_object_class_install_property (gobject_class, PROP_EOS_TIMEOUT_MS,
      g_param_spec_uint ("eos-timeout-ms", "EOS timeout",
          "How long EOS waits for the rows to be written (the rest stays in "
          "the spool)",
          0, G_MAXUINT, DEFAULT_EOS_TIMEOUT_MS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_METRICS_INTERVAL_MS,
      g_param_spec_uint ("metrics-interval-ms", "Metrics interval",
          "Every this many milliseconds, write the sink's health to "
          "system_metrics (component 'postgres', source_id = element name: "
          "rows_written_per_s, write_lag, spool_bytes, queued_batches, "
          "rows_dropped); 0 disables",
          0, G_MAXUINT, DEFAULT_METRICS_INTERVAL_MS, RW_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "rows-queued/written/spooled/replayed/dropped/rejected/invalid, "
          "batches, reconnects, spool-full, spool-bytes, spool-files, "
          "queued-batches, connected, lag-ms, last-error",
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

  gst_type_mark_as_plugin_api (GST_TYPE_AXION_PG_SPOOL_FULL, 0);
}
