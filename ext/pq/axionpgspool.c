/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* The spool of axionpgsink. One file per batch, "<id>.batch" (ids are
 * time-ordered, so names sort in write order):
 *
 *   AXIONSPOOL 1
 *   <table> <rows> <bytes>
 *   <bytes of COPY text>
 *   ...
 *
 * written as "<id>.tmp", fsync'd (optionally, also the directory), then
 * renamed: a crash never leaves half a batch. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionpgspool.h"
#include "axionpgupgrade.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK (axion - pg - spool - error - quark, axion_pg_spool_error)

gboolean
axion_pg_spool_ensure_dir (const AxionPgSpool *s, GError **error)
{
  if (s->dir == NULL) {
    g_set_error (error, AXION_PG_SPOOL_ERROR, AXION_PG_SPOOL_ERROR_FAILED,
        "no spool directory");
    return FALSE;
  }
  if (g_mkdir_with_parents (s->dir, 0700) != 0) {
    gint e = errno;
    g_set_error (error, AXION_PG_SPOOL_ERROR, AXION_PG_SPOOL_ERROR_FAILED,
        "cannot create spool directory %s: %s", s->dir, g_strerror (e));
    return FALSE;
  }
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

/* Writes @len bytes of @data to a new file @path (fsync'd with
 * @do_fsync). Returns 0 or the errno of the failure (a write that makes
 * no progress is ENOSPC: a full disk, not "Success"). */
static gint
write_file (const gchar *path, const gchar *data, gsize len, gboolean do_fsync)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  gint e = 0;

  if (fd < 0)
    return errno;
  while (len > 0 && e == 0) {
    gssize n = write (fd, data, len);
    if (n > 0) {
      data += n;
      len -= n;
    } else if (n == 0) {
      e = ENOSPC;
    } else if (errno != EINTR) {
      e = errno;
    }
  }
  if (e == 0 && do_fsync && fsync (fd) != 0)
    e = errno;
  if (close (fd) != 0 && e == 0)
    e = errno;
  return e;
}

static AxionPgSpoolError
error_code (gint e)
{
#ifdef EDQUOT
  if (e == EDQUOT)
    return AXION_PG_SPOOL_ERROR_NO_SPACE;
#endif
  return e == ENOSPC || e == EFBIG ? AXION_PG_SPOOL_ERROR_NO_SPACE
                                   : AXION_PG_SPOOL_ERROR_FAILED;
}

/* The spool file of @b (read back by axion_pg_spool_parse ()). */
GString *
axion_pg_spool_serialize (const AxionPgBatch *b)
{
  GString *out = g_string_new (AXION_PG_SPOOL_MAGIC);

  for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
    if (b->rows[t] == 0)
      continue;
    g_string_append_printf (out, "%s %u %" G_GSIZE_FORMAT "\n",
        gst_axion_table_name (t), b->rows[t], b->data[t]->len);
    g_string_append_len (out, b->data[t]->str, b->data[t]->len);
  }
  return out;
}

/* Writes @b as one spool file. FALSE with @error when the spool would
 * pass max_bytes with @used_bytes already in it (AXION_PG_SPOOL_ERROR_FULL)
 * or the write failed; the caller keeps the batch. @size: the file's
 * bytes; @path (optional): its path. */
gboolean
axion_pg_spool_write (const AxionPgSpool *s, const AxionPgBatch *b,
    guint64 used_bytes, gsize *size, gchar **path, GError **error)
{
  gchar *tmp, *final;
  GString *out;
  gint64 seq;
  gint e;

  if (!axion_pg_spool_ensure_dir (s, error))
    return FALSE;
  out = axion_pg_spool_serialize (b);
  if (used_bytes + out->len > s->max_bytes) {
    g_set_error (error, AXION_PG_SPOOL_ERROR, AXION_PG_SPOOL_ERROR_FULL,
        "spool full (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes)",
        used_bytes, s->max_bytes);
    g_string_free (out, TRUE);
    return FALSE;
  }
  /* ids sort by time: file names sort in write order */
  seq = gst_axion_id_next ();
  tmp = g_strdup_printf ("%s/%020" G_GINT64_FORMAT ".tmp", s->dir, seq);
  final = g_strdup_printf ("%s/%020" G_GINT64_FORMAT ".batch", s->dir, seq);
  e = write_file (tmp, out->str, out->len, s->fsync);
  if (e == 0 && g_rename (tmp, final) != 0)
    e = errno;
  if (e == 0 && s->fsync)
    fsync_path (s->dir);
  if (e != 0) {
    g_set_error (error, AXION_PG_SPOOL_ERROR, error_code (e),
        "cannot write spool file %s: %s", final, g_strerror (e));
    g_unlink (tmp);
  } else {
    *size = out->len;
    if (path)
      *path = g_strdup (final);
  }
  g_string_free (out, TRUE);
  g_free (tmp);
  g_free (final);
  return e == 0;
}

/* Keeps rows the server refused as data in <dir>/rejected/ (never
 * replayed automatically: an operator looks at them). Returns the file's
 * path, or NULL with @error. */
gchar *
axion_pg_spool_write_rejected (
    const AxionPgSpool *s, const AxionPgBatch *b, GError **error)
{
  gchar *rej, *path;
  GString *out;

  if (!axion_pg_spool_ensure_dir (s, error))
    return NULL;
  rej = g_build_filename (s->dir, "rejected", NULL);
  g_mkdir_with_parents (rej, 0700);
  path = g_strdup_printf (
      "%s/%020" G_GINT64_FORMAT ".batch", rej, gst_axion_id_next ());
  out = axion_pg_spool_serialize (b);
  g_file_set_contents (path, out->str, out->len, NULL);
  g_string_free (out, TRUE);
  g_free (rej);
  return path;
}

/* The spool directory of @camera_id under @root: always a direct child
 * of @root. */
gchar *
axion_pg_spool_camera_dir (const gchar *root, const gchar *camera_id)
{
  gchar *name = gst_axion_camera_id_to_filename (camera_id);
  gchar *dir = g_build_filename (root, name, NULL);

  g_free (name);
  return dir;
}

/* Where spools go without spool-dir: $XDG_STATE_HOME/axion/spool, or
 * /var/lib/axion/spool for root when XDG_STATE_HOME is not set, else
 * ~/.local/state/axion/spool (g_get_user_state_dir ()). */
gchar *
axion_pg_spool_default_root (void)
{
  const gchar *xdg = g_getenv ("XDG_STATE_HOME");

  if (geteuid () == 0 && (xdg == NULL || *xdg == '\0'))
    return g_strdup ("/var/lib/axion/spool");
  return g_build_filename (g_get_user_state_dir (), "axion", "spool", NULL);
}

/* Creates @dir (and its parents) when missing and checks that this
 * process can create files in it (a probe file, so that a read-only file
 * system or a non-directory is found also as root). */
gboolean
axion_pg_spool_check_dir (const gchar *dir, GError **error)
{
  gchar *probe;
  gint fd, e = 0;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    e = errno;
  else if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    e = ENOTDIR;
  if (e == 0) {
    probe = g_build_filename (dir, ".axion-probe-XXXXXX", NULL);
    fd = g_mkstemp (probe);
    if (fd < 0)
      e = errno;
    else {
      close (fd);
      g_unlink (probe);
    }
    g_free (probe);
  }
  if (e != 0)
    g_set_error (error, AXION_PG_SPOOL_ERROR, error_code (e),
        "%s is not a writable directory: %s", dir, g_strerror (e));
  return e == 0;
}

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

/* Sorted full paths of the spool's batch files, and their total size.
 * Removes what a crash left half written. */
GPtrArray *
axion_pg_spool_list (const AxionPgSpool *s, guint64 *total_bytes)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  GDir *d;
  const gchar *name;

  *total_bytes = 0;
  if (!axion_pg_spool_ensure_dir (s, NULL))
    return files;
  d = g_dir_open (s->dir, 0, NULL);
  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (s->dir, name, NULL);
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
  return files;
}

/* One section header "<table> <rows> <bytes>" (the line before @nl). */
static gboolean
parse_header (const gchar *p, const gchar *nl, GstAxionTable *table,
    guint *rows, gsize *bytes)
{
  gchar line[128], name[64];
  gsize l = nl - p;
  gint t;

  if (l >= sizeof (line))
    return FALSE;
  memcpy (line, p, l);
  line[l] = '\0';
  if (sscanf (line, "%63s %u %" G_GSIZE_FORMAT, name, rows, bytes) != 3)
    return FALSE;
  for (t = 0; t < GST_AXION_N_TABLES; t++)
    if (g_str_equal (name, gst_axion_table_name (t)))
      break;
  *table = t;
  return TRUE;
}

/* Does @text (@len bytes) hold exactly @rows COPY text lines? (A row is
 * one line: newlines in values are escaped.) */
static gboolean
has_rows (const gchar *text, gsize len, guint rows)
{
  const gchar *p = text, *end = text + len, *nl;
  guint n = 0;

  if (len > 0 && text[len - 1] != '\n')
    return FALSE;
  while (p < end && (nl = memchr (p, '\n', end - p))) {
    n++;
    p = nl + 1;
  }
  return n == rows;
}

/* a section's rows, in the current column layout when an earlier release
 * wrote them (axionpgupgrade.c) */
static void
add_section (AxionPgBatch *b, GstAxionTable t, const gchar *text, gsize bytes,
    guint rows)
{
  GString *upgraded = axion_pg_upgrade_rows (t, text, bytes, rows);

  if (upgraded) {
    GST_INFO ("%u %s rows of an earlier release's layout completed with "
              "NULLs",
        rows, gst_axion_table_name (t));
    axion_pg_batch_add_lines (b, t, upgraded->str, upgraded->len, rows);
    g_string_free (upgraded, TRUE);
  } else {
    axion_pg_batch_add_lines (b, t, text, bytes, rows);
  }
}

/* Appends the sections in [@p, @end) to @b. A section cut short (the
 * end of a journal a process died writing) or whose rows are not its
 * lines ends the parse: with @tolerant the complete ones before it are
 * kept, else FALSE. An unknown table is FALSE either way. */
gboolean
axion_pg_spool_parse_sections (
    AxionPgBatch *b, const gchar *p, const gchar *end, gboolean tolerant)
{
  while (p < end) {
    const gchar *nl = memchr (p, '\n', end - p);
    GstAxionTable t;
    guint rows;
    gsize bytes;

    if (nl == NULL || !parse_header (p, nl, &t, &rows, &bytes) ||
        (gsize) (end - nl - 1) < bytes || !has_rows (nl + 1, bytes, rows))
      return tolerant;
    if (t == GST_AXION_N_TABLES)
      return FALSE;
    add_section (b, t, nl + 1, bytes, rows);
    p = nl + 1 + bytes;
  }
  return TRUE;
}

/* Parses a spool file's @contents (NULL: not a spool file, or corrupt).
 * With @tolerant, a cut last section is ignored. */
AxionPgBatch *
axion_pg_spool_parse (const gchar *contents, gsize len, gboolean tolerant)
{
  gsize magic = strlen (AXION_PG_SPOOL_MAGIC);
  AxionPgBatch *b;

  if (len < magic || memcmp (contents, AXION_PG_SPOOL_MAGIC, magic) != 0)
    return NULL;
  b = axion_pg_batch_new ();
  if (!axion_pg_spool_parse_sections (
          b, contents + magic, contents + len, tolerant)) {
    axion_pg_batch_free (b);
    return NULL;
  }
  b->first_us = g_get_monotonic_time ();
  return b;
}

AxionPgBatch *
axion_pg_spool_read (const gchar *path, gsize *size)
{
  gchar *contents;
  gsize len;
  AxionPgBatch *b;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return NULL;
  b = axion_pg_spool_parse (contents, len, FALSE);
  g_free (contents);
  *size = len;
  return b;
}
