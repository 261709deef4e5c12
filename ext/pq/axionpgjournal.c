/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The write-ahead journal of axionpgsink.
 *
 * A journal file in the spool directory is shared by consecutive batches
 * (creating and deleting a file per batch cost more than the writes). It
 * is freed, and deleted, when its last reference goes: one per batch begun
 * in it, one while it is the journal's current file.
 *
 * The file is mapped: appending rows is a copy into the page cache (no
 * system call per buffer: a write() cost ~30 us per buffer at camera
 * rates). Its header holds the length of the complete sections, stored
 * after they are in (one aligned 8-byte store): a process killed in the
 * middle of an append leaves the previous length. Appends copy only into
 * pages faulted in ahead (MADV_POPULATE_WRITE, by the caller's worker: a
 * full disk is an error there, not a SIGBUS in render); beyond them, or
 * without a mapping, they go through pwritev(). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionpgjournal.h"
#include "axionpgspool.h"

#include <gst/axion/gstaxionformat.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* mapped per file (address space; disk only for what is written) */
#define JOURNAL_MAP_BYTES (AXION_PG_JOURNAL_MAX_BYTES + 4 * 1024 * 1024)
/* Bytes faulted in ahead of the write position: twice what was appended
 * since the last time, within these bounds (a camera at 30 fps appends
 * ~15-30 KB per 500 ms flush: 32-64 KB of its disk is taken ahead, never
 * more than JOURNAL_AHEAD_MAX; 256 KB each, whatever the rate, before) */
#define JOURNAL_AHEAD_MIN (16 * 1024)
#define JOURNAL_AHEAD_MAX (128 * 1024)

struct _AxionPgJournalFile
{
  gchar *path;
  int fd;
  gint refs;      /* atomic */
  gint keep;      /* atomic: a batch left with rows that are nowhere else */
  guint batches;  /* batches begun in it */
  gsize size;     /* bytes in the file */
  guint8 *map;    /* JOURNAL_MAP_BYTES mapped, or NULL */
  gsize ready;    /* bytes of map faulted in for writing */
  gsize appended; /* bytes appended since pages were last faulted in */
  gboolean populating;      /* pages are being faulted in */
  gboolean populate_failed; /* no more attempts */
};

void
axion_pg_journal_file_unref (AxionPgJournalFile *f, gboolean rows_safe)
{
  if (f == NULL)
    return;
  if (!rows_safe)
    g_atomic_int_set (&f->keep, 1);
  if (g_atomic_int_dec_and_test (&f->refs)) {
    if (!g_atomic_int_get (&f->keep))
      g_unlink (f->path);
    else if (f->map && ftruncate (f->fd, f->size) != 0) {
      /* kept at its mapped size (sparse): recovery reads the length */
    }
    if (f->map)
      munmap (f->map, JOURNAL_MAP_BYTES);
    close (f->fd);
    g_free (f->path);
    g_free (f);
  }
}

const gchar *
axion_pg_journal_file_path (const AxionPgJournalFile *f)
{
  return f->path;
}

/* @dir NULL: journaling off (appends do nothing) */
void
axion_pg_journal_init (AxionPgJournal *j, const gchar *dir)
{
  j->dir = g_strdup (dir);
  j->cur = NULL;
}

/* Releases the current file: deleted unless a batch left rows only
 * there. */
void
axion_pg_journal_clear (AxionPgJournal *j)
{
  axion_pg_journal_file_unref (j->cur, TRUE);
  j->cur = NULL;
  g_clear_pointer (&j->dir, g_free);
}

static gboolean
set_errno_error (GError **error, gint e, const gchar *what, const gchar *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
      "cannot %s %s: %s", what, path, g_strerror (e));
  return FALSE;
}

/* A new file with its header, mapped when possible. */
static AxionPgJournalFile *
file_create (const gchar *dir, GError **error)
{
  AxionPgJournalFile *f = g_new0 (AxionPgJournalFile, 1);
  guint8 header[AXION_PG_JOURNAL_HEADER] = { 0 };
  guint64 len = AXION_PG_JOURNAL_HEADER;
  gssize n;

  f->path = g_strdup_printf (
      "%s/%020" G_GINT64_FORMAT ".journal", dir, gst_axion_id_next ());
  f->refs = 1;
  memcpy (header, AXION_PG_JOURNAL_MAGIC, strlen (AXION_PG_JOURNAL_MAGIC));
  memcpy (header + 16, &len, sizeof (len));
  f->fd = open (f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  n = f->fd < 0 ? -1 : pwrite (f->fd, header, sizeof (header), 0);
  if (n != sizeof (header)) {
    gint e = n >= 0 ? ENOSPC : errno; /* a short write: no room */
    set_errno_error (error, e, "create the journal", f->path);
    if (f->fd >= 0) {
      close (f->fd);
      g_unlink (f->path);
    }
    g_free (f->path);
    g_free (f);
    return NULL;
  }
  f->size = AXION_PG_JOURNAL_HEADER;
  /* sparse up to the mapped size: pages get disk blocks as they are
   * faulted in */
  if (ftruncate (f->fd, JOURNAL_MAP_BYTES) == 0) {
    f->map = mmap (
        NULL, JOURNAL_MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
    if (f->map == MAP_FAILED)
      f->map = NULL;
  }
  /* until pages are faulted in the appends go through pwritev() */
  if (f->map == NULL && ftruncate (f->fd, AXION_PG_JOURNAL_HEADER) != 0) {
    /* left sparse: recovery reads the length in the header */
  }
  return f;
}

/* The file @b's rows go to: its own, or the current one (a new one every
 * AXION_PG_JOURNAL_BATCHES batches or AXION_PG_JOURNAL_MAX_BYTES). */
static AxionPgJournalFile *
file_for (AxionPgJournal *j, AxionPgBatch *b, GError **error)
{
  AxionPgJournalFile *f = j->cur;

  if (b->jf)
    return b->jf;
  if (f &&
      (f->batches >= AXION_PG_JOURNAL_BATCHES ||
          f->size >= AXION_PG_JOURNAL_MAX_BYTES)) {
    axion_pg_journal_file_unref (f, TRUE);
    f = j->cur = NULL;
  }
  if (f == NULL) {
    f = file_create (j->dir, error);
    if (f == NULL)
      return NULL;
    j->cur = f;
  }
  g_atomic_int_inc (&f->refs);
  f->batches++;
  b->jf = f;
  return f;
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

/* Writes @iov (@total bytes) at the end of @f, then stores the new
 * length. Returns 0 or an errno. */
static gint
file_write (
    AxionPgJournalFile *f, const struct iovec *iov, gint n_iov, gsize total)
{
  guint64 len64 = f->size + total;
  gssize n;

  if (f->map && f->size + total <= f->ready) {
    /* into the mapped pages, then the new length: one store */
    guint8 *p = f->map + f->size;
    for (gint k = 0; k < n_iov; k++) {
      memcpy (p, iov[k].iov_base, iov[k].iov_len);
      p += iov[k].iov_len;
    }
    __atomic_store_n ((guint64 *) (f->map + 16), len64, __ATOMIC_RELEASE);
    return 0;
  }
  n = pwritev (f->fd, iov, n_iov, f->size);
  if (n != (gssize) total)
    return n < 0 ? errno : ENOSPC; /* a short write: no room */
  if (f->map)
    __atomic_store_n ((guint64 *) (f->map + 16), len64, __ATOMIC_RELEASE);
  else if ((n = pwrite (f->fd, &len64, sizeof (len64), 16)) != sizeof (len64))
    return n < 0 ? errno : ENOSPC;
  return 0;
}

/* No more appends for @b (its later rows are in memory only) nor to its
 * file, which may end in a cut section now (recovery stops there); the
 * next batch begins a new file. The batch keeps its reference: the file
 * goes when the batch is written or spooled, or stays for the next start
 * when the process dies. */
static void
append_failed (AxionPgJournal *j, AxionPgBatch *b)
{
  b->jdead = TRUE;
  if (b->jf && j->cur == b->jf) {
    axion_pg_journal_file_unref (j->cur, TRUE);
    j->cur = NULL;
  }
}

/* Appends the rows of @b not yet journaled to its journal file (spool
 * format sections: each table's header and its new rows straight from the
 * batch, one write, no fsync: the rows survive the process being killed,
 * not the machine losing power). FALSE with @error when it failed. */
gboolean
axion_pg_journal_append (AxionPgJournal *j, AxionPgBatch *b, GError **error)
{
  gchar heads[GST_AXION_N_TABLES][96];
  struct iovec iov[2 * GST_AXION_N_TABLES];
  gint n_iov = 0, e;
  gsize total = 0;
  AxionPgJournalFile *f;

  if (j->dir == NULL || b == NULL || b->total == 0 || b->jdead)
    return TRUE;
  if ((f = file_for (j, b, error)) == NULL) {
    append_failed (j, b);
    return FALSE;
  }
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
  if ((e = file_write (f, iov, n_iov, total)) != 0) {
    set_errno_error (error, e, "write the journal", f->path);
    append_failed (j, b);
    return FALSE;
  }
  for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
    b->jlen[t] = b->data[t]->len;
    b->jrows[t] = b->rows[t];
  }
  f->size += total;
  f->appended += total;
  return TRUE;
}

/* Pre-faulting, in three steps so that the caller chooses the locking:
 * _begin (under the caller's lock) claims the range to fault in and
 * returns the file with a reference, or NULL when nothing is due;
 * axion_pg_journal_populate () faults it in (no lock needed); _end (under
 * the lock) records the result and drops the reference. */
AxionPgJournalFile *
axion_pg_journal_populate_begin (AxionPgJournal *j, gsize *from, gsize *len)
{
  AxionPgJournalFile *f = j->cur;
  gsize ahead;

  if (f == NULL || f->map == NULL || f->populating || f->populate_failed ||
      f->ready >= JOURNAL_MAP_BYTES)
    return NULL;
  ahead = CLAMP (2 * f->appended, JOURNAL_AHEAD_MIN, JOURNAL_AHEAD_MAX);
  if (f->size + ahead / 2 <= f->ready)
    return NULL;
  /* (ready stays page-aligned: madvise () needs it) */
  *from = f->ready;
  *len = ((f->size + ahead + 4095) & ~(gsize) 4095) - f->ready;
  f->appended = 0;
  f->populating = TRUE;
  g_atomic_int_inc (&f->refs);
  return f;
}

/* Faults in @len bytes of @f's mapping from @from for writing. Returns
 * the bytes made ready (0: an old kernel, or no space: pwritev() from
 * here). */
gsize
axion_pg_journal_populate (AxionPgJournalFile *f, gsize from, gsize len)
{
  if (f->map == NULL || from >= JOURNAL_MAP_BYTES)
    return 0;
  len = MIN (len, JOURNAL_MAP_BYTES - from);
  if (madvise (f->map + from, len, MADV_POPULATE_WRITE) != 0)
    return 0;
  return len;
}

void
axion_pg_journal_populate_end (AxionPgJournalFile *f, gsize from, gsize got)
{
  if (got)
    f->ready = from + got;
  else
    f->populate_failed = TRUE;
  f->populating = FALSE;
  axion_pg_journal_file_unref (f, TRUE);
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

/* The journal files in @dir, full paths, oldest first. */
GPtrArray *
axion_pg_journal_list (const gchar *dir)
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
  return paths;
}

/* The rows of a journal file's @contents. A journal may end in a section
 * cut by the process dying: the complete sections are kept. A mapped
 * journal counts only the sections within the length in its header;
 * older journals (spool format, no length) are read to their last
 * complete section. NULL when it is neither. */
AxionPgBatch *
axion_pg_journal_parse (const gchar *contents, gsize len)
{
  AxionPgBatch *b;
  guint64 done;

  if (len < AXION_PG_JOURNAL_HEADER ||
      memcmp (contents, AXION_PG_JOURNAL_MAGIC,
          strlen (AXION_PG_JOURNAL_MAGIC)) != 0)
    return axion_pg_spool_parse (contents, len, TRUE);
  memcpy (&done, contents + 16, sizeof (done));
  done = CLAMP (done, AXION_PG_JOURNAL_HEADER, len);
  b = axion_pg_batch_new ();
  if (!axion_pg_spool_parse_sections (
          b, contents + AXION_PG_JOURNAL_HEADER, contents + done, TRUE)) {
    axion_pg_batch_free (b);
    return NULL;
  }
  return b;
}

/* The rows of the journal file at @path (NULL with @error when it cannot
 * be read; a batch of no rows when nothing in it is usable). */
AxionPgBatch *
axion_pg_journal_read (const gchar *path, GError **error)
{
  gchar *contents = NULL;
  gsize len = 0;
  AxionPgBatch *b;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  b = axion_pg_journal_parse (contents, len);
  g_free (contents);
  return b ? b : axion_pg_batch_new ();
}
