/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Snapshot deletions waiting for PostgreSQL. The file, one deletion a
 * line, appended as they come (so a deletion during an outage, or before
 * the process dies, is applied by a later flush or the next start):
 *
 *   FRAME_US \t EXPIRES_US \t EVENT_ID \t CAMERA \t PATH \n
 *
 * (EVENT_ID: the track_ended event whose event_data names a track's file,
 * 0 for a frame_metadata row's file; FRAME_US is then the event's time.)
 * CAMERA and PATH escaped as C strings (g_strescape: no tab, no newline);
 * a line without its newline (the process died while writing it) is
 * ignored. Applied: the file is rewritten with what is left, or removed.
 *
 * Applying is idempotent and order-free (migration 008): a deletion that
 * reaches the database before its row (in a batch, or in the spool) is
 * remembered there and the row arrives without the path. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionpgsnapdel.h"

#include <gst/axion/gstaxionsnapshotevent.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* after PostgreSQL refused them (not an outage: a schema without
 * migration 008), tried again this much later, not at every flush */
#define RETRY_US (60 * G_USEC_PER_SEC)

typedef struct
{
  gint64 frame_us, expires_us, event_id;
  gchar *camera_id, *path;
} AxionPgSnapDel;

static void
snapdel_free (AxionPgSnapDel *e)
{
  g_free (e->camera_id);
  g_free (e->path);
  g_free (e);
}

void
axion_pg_snapdels_init (
    AxionPgSnapDels *d, GstDebugCategory *cat, GObject *log_obj)
{
  memset (d, 0, sizeof (*d));
  g_mutex_init (&d->lock);
  d->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) snapdel_free);
  d->cat = cat;
  d->log_obj = log_obj;
}

void
axion_pg_snapdels_clear (AxionPgSnapDels *d)
{
  g_clear_pointer (&d->pending, g_ptr_array_unref);
  g_clear_pointer (&d->path, g_free);
  g_clear_pointer (&d->last_error, g_free);
  g_mutex_clear (&d->lock);
}

static void
append_line (GString *s, const AxionPgSnapDel *e)
{
  gchar *cam = g_strescape (e->camera_id, NULL);
  gchar *path = g_strescape (e->path, NULL);

  g_string_append_printf (s,
      "%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT
      "\t%s\t%s\n",
      e->frame_us, e->expires_us, e->event_id, cam, path);
  g_free (cam);
  g_free (path);
}

/* locked: the file holds what is pending (removed when nothing is) */
static void
rewrite (AxionPgSnapDels *d)
{
  GString *s;
  GError *err = NULL;

  if (d->path == NULL)
    return;
  if (d->pending->len == 0) {
    if (g_unlink (d->path) != 0 && errno != ENOENT)
      GST_CAT_WARNING_OBJECT (d->cat, d->log_obj, "cannot remove %s: %s",
          d->path, g_strerror (errno));
    return;
  }
  s = g_string_new (NULL);
  for (guint i = 0; i < d->pending->len; i++)
    append_line (s, g_ptr_array_index (d->pending, i));
  /* (atomic: a temporary file renamed over it) */
  if (!g_file_set_contents (d->path, s->str, s->len, &err)) {
    GST_CAT_WARNING_OBJECT (d->cat, d->log_obj,
        "snapshot deletions: %s (kept in memory only)", err->message);
    g_clear_error (&err);
  }
  g_string_free (s, TRUE);
}

static void
load (AxionPgSnapDels *d, GPtrArray *into)
{
  gchar *text = NULL, **lines;
  gsize len = 0;

  if (!g_file_get_contents (d->path, &text, &len, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  /* the last piece has no newline: empty, or a line cut short */
  for (guint i = 0; lines[i] && lines[i + 1]; i++) {
    gchar **f = g_strsplit (lines[i], "\t", 5);
    if (g_strv_length (f) == 5) {
      AxionPgSnapDel *e = g_new0 (AxionPgSnapDel, 1);
      e->frame_us = g_ascii_strtoll (f[0], NULL, 10);
      e->expires_us = g_ascii_strtoll (f[1], NULL, 10);
      e->event_id = g_ascii_strtoll (f[2], NULL, 10);
      e->camera_id = g_strcompress (f[3]);
      e->path = g_strcompress (f[4]);
      g_ptr_array_add (into, e);
    }
    g_strfreev (f);
  }
  g_strfreev (lines);
  g_free (text);
}

/* The spool opened in @dir: deletions a previous process left there come
 * first, and those received before (in memory) go into the file. */
void
axion_pg_snapdels_open (AxionPgSnapDels *d, const gchar *dir, gboolean do_fsync)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (
      (GDestroyNotify) snapdel_free);

  g_mutex_lock (&d->lock);
  g_free (d->path);
  d->path = g_build_filename (dir, AXION_PG_SNAPDEL_FILE, NULL);
  d->fsync = do_fsync;
  load (d, all);
  if (all->len)
    GST_CAT_INFO_OBJECT (d->cat, d->log_obj,
        "%u snapshot deletions of an earlier run to apply", all->len);
  while (d->pending->len)
    g_ptr_array_add (all, g_ptr_array_steal_index (d->pending, 0));
  g_ptr_array_unref (d->pending);
  d->pending = all;
  if (d->pending->len)
    rewrite (d);
  g_mutex_unlock (&d->lock);
}

/* The spool closed: what is pending stays in its file for the next
 * start (and is forgotten here, or that start would count it twice);
 * without a file, it stays in memory for the next flush. */
void
axion_pg_snapdels_close (AxionPgSnapDels *d)
{
  g_mutex_lock (&d->lock);
  if (d->path) {
    g_ptr_array_set_size (d->pending, 0);
    g_clear_pointer (&d->path, g_free);
  }
  g_mutex_unlock (&d->lock);
}

/* locked: appends one line (a write of its own, fsync'd with spool-fsync);
 * FALSE when the file cannot take it */
static gboolean
append (AxionPgSnapDels *d, const AxionPgSnapDel *e)
{
  GString *s = g_string_new (NULL);
  gint fd, err = 0;
  gssize n;

  append_line (s, e);
  fd = open (d->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    err = errno;
  } else {
    n = write (fd, s->str, s->len);
    if (n != (gssize) s->len)
      err = n < 0 ? errno : ENOSPC;
    if (err == 0 && d->fsync && fsync (fd) != 0)
      err = errno;
    close (fd);
  }
  if (err)
    GST_CAT_WARNING_OBJECT (d->cat, d->log_obj,
        "cannot record a snapshot deletion in %s: %s (kept in memory only)",
        d->path, g_strerror (err));
  g_string_free (s, TRUE);
  return err == 0;
}

/* TRUE when @event is axionsnapshot's deletion (taken into the file);
 * the caller still passes the event on (not owned here) */
gboolean
axion_pg_snapdels_add_event (AxionPgSnapDels *d, GstEvent *event)
{
  const gchar *camera, *path;
  gint64 frame_us, expires_us, event_id;
  AxionPgSnapDel *e;

  if (!gst_axion_snapshot_deleted_event_parse (
          event, &camera, &path, &frame_us, &expires_us, &event_id))
    return FALSE;
  e = g_new0 (AxionPgSnapDel, 1);
  e->camera_id = g_strdup (camera);
  e->path = g_strdup (path);
  e->frame_us = frame_us;
  e->expires_us = expires_us;
  e->event_id = event_id;
  GST_CAT_DEBUG_OBJECT (d->cat, d->log_obj, "snapshot deleted: %s", path);
  g_mutex_lock (&d->lock);
  if (d->path)
    append (d, e);
  g_ptr_array_add (d->pending, e);
  g_mutex_unlock (&d->lock);
  return TRUE;
}

guint
axion_pg_snapdels_pending (AxionPgSnapDels *d)
{
  guint n;

  g_mutex_lock (&d->lock);
  n = d->pending->len;
  g_mutex_unlock (&d->lock);
  return n;
}

/* a PostgreSQL array literal of strings: every element quoted */
static void
array_add_string (GString *a, const gchar *v)
{
  g_string_append_c (a, a->len > 1 ? ',' : '{');
  g_string_append_c (a, '"');
  for (; *v; v++) {
    if (*v == '"' || *v == '\\')
      g_string_append_c (a, '\\');
    g_string_append_c (a, *v);
  }
  g_string_append_c (a, '"');
}

static void
array_add_int (GString *a, gint64 v)
{
  g_string_append_c (a, a->len > 1 ? ',' : '{');
  g_string_append_printf (a, "%" G_GINT64_FORMAT, v);
}

/* Worker, connected: applies what is pending in one statement (at most
 * 1000 a call). Returns the number applied; 0 when nothing was, or the
 * server could not (an outage: tried at the next flush; a refusal: in a
 * minute). */
gint
axion_pg_snapdels_apply (AxionPgSnapDels *d, AxionPgWriter *w)
{
  GString *a[5];
  const gchar *values[5];
  PGresult *r;
  guint n;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&d->lock);
  n = MIN (d->pending->len, 1000);
  if (n == 0 || now < d->retry_us) {
    g_mutex_unlock (&d->lock);
    return 0;
  }
  /* "{" then elements: a->len > 1 tells whether one came before */
  for (gint k = 0; k < 5; k++)
    a[k] = g_string_new (NULL);
  for (guint i = 0; i < n; i++) {
    AxionPgSnapDel *e = g_ptr_array_index (d->pending, i);
    array_add_string (a[0], e->camera_id);
    array_add_string (a[1], e->path);
    array_add_int (a[2], e->frame_us);
    array_add_int (a[3], e->expires_us);
    array_add_int (a[4], e->event_id);
  }
  g_mutex_unlock (&d->lock);
  for (gint k = 0; k < 5; k++) {
    g_string_append_c (a[k], '}');
    values[k] = a[k]->str;
  }

  r = axion_pg_writer_exec_params (w,
      "SELECT axion_snapshots_deleted ($1::text[], $2::text[], "
      "$3::bigint[], $4::bigint[], $5::bigint[])",
      5, values);
  for (gint k = 0; k < 5; k++)
    g_string_free (a[k], TRUE);

  g_mutex_lock (&d->lock);
  if (PQresultStatus (r) == PGRES_TUPLES_OK) {
    GST_CAT_DEBUG_OBJECT (d->cat, d->log_obj,
        "%u snapshot deletions applied: %s rows cleared", n,
        PQgetvalue (r, 0, 0));
    g_ptr_array_remove_range (d->pending, 0, n);
    rewrite (d);
    g_clear_pointer (&d->last_error, g_free);
  } else if (r && axion_pg_writer_connected (w) &&
      PQstatus (w->conn) == CONNECTION_OK) {
    /* refused (not an outage): say so once, try again later */
    gchar *msg = axion_pg_clean_error (PQresultErrorMessage (r));
    if (g_strcmp0 (msg, d->last_error) != 0)
      GST_CAT_WARNING_OBJECT (d->cat, d->log_obj,
          "PostgreSQL refused %u snapshot deletions (kept, tried again in "
          "a minute; run tools/axion-db migrate for migration 008): %s",
          n, msg);
    g_free (d->last_error);
    d->last_error = msg;
    d->retry_us = now + RETRY_US;
    n = 0;
  } else {
    n = 0; /* the connection went: the next flush tries again */
  }
  g_mutex_unlock (&d->lock);
  PQclear (r);
  return (gint) n;
}
