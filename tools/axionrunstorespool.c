/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's writer, across restarts: the writes a store did not take by
 * exit (records for PostgreSQL, alert messages for Redis) are kept in the
 * spool directory (axion-run-records-<ms>-<pid>.jsonl, one JSON object a
 * line) and taken back by the next runner that starts with that spool
 * directory, ahead of its own writes. Ids make a second write of a row a
 * no-op, so a file read twice (a crash between reading and removing it)
 * duplicates nothing. A file is written under an exclusive lock (flock):
 * a runner starting meanwhile leaves it for later.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunstore-private.h"

#include <gst/axion/axion.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define PREFIX "axion-run-records-"

/* Which stores a file is for: a spool root may serve runners that write
 * to different databases. A hash of where they write, without passwords
 * (the conninfo's host, port, database and user; the Redis URL without
 * its credentials; the key prefix). */
static const gchar *
spool_key (AxionRunStore *s)
{
  static const gchar *const parts[] = { "host", "hostaddr", "port", "dbname",
    "user", "service", NULL };
  GString *where;
  gchar *redis, *sum;

  if (s->spool_key)
    return s->spool_key;
  where = g_string_new (NULL);
#ifdef HAVE_PQ
  {
    PQconninfoOption *o = *s->conninfo ? PQconninfoParse (s->conninfo, NULL)
                                       : NULL;
    for (PQconninfoOption *i = o; i && i->keyword; i++)
      if (i->val && g_strv_contains (parts, i->keyword))
        g_string_append_printf (where, "%s=%s\n", i->keyword, i->val);
    if (o)
      PQconninfoFree (o);
  }
#endif
  redis = *s->redis_url ? gst_axion_uri_strip_credentials (s->redis_url) : NULL;
  g_string_append_printf (
      where, "redis=%s\nprefix=%s\n", redis ? redis : "", s->prefix);
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, where->str, -1);
  s->spool_key = g_strndup (sum, 16);
  g_free (sum);
  g_free (redis);
  g_string_free (where, TRUE);
  return s->spool_key;
}

/* ---- taking them back ---------------------------------------------------- */

static void
load_line (AxionRunStore *s, JsonObject *o, guint *pg, guint *rds)
{
  if (json_object_has_member (o, "sql") &&
      json_object_has_member (o, "params")) {
    JsonArray *a = json_object_get_array_member (o, "params");
    PgWrite *w = g_new0 (PgWrite, 1);

    w->sql = g_strdup (json_object_get_string_member (o, "sql"));
    w->n = a ? (gint) json_array_get_length (a) : 0;
    w->p = g_new0 (gchar *, MAX (w->n, 1));
    for (gint i = 0; i < w->n; i++) {
      JsonNode *n = json_array_get_element (a, i);
      w->p[i] = JSON_NODE_HOLDS_NULL (n) ? NULL
                                         : g_strdup (json_node_get_string (n));
    }
    g_queue_push_tail (&s->pg_backlog, w);
    (*pg)++;
  } else if (json_object_has_member (o, "channel") &&
      json_object_has_member (o, "entry")) {
    gchar **e = g_new0 (gchar *, 3);

    e[0] = g_strdup (json_object_get_string_member (o, "channel"));
    e[1] = g_strdup (json_object_get_string_member (o, "entry"));
    g_queue_push_tail (&s->rds_backlog, e);
    (*rds)++;
  }
}

/* FALSE: locked by a runner writing it now, or unreadable (said) */
static gboolean
load_file (AxionRunStore *s, const gchar *path, guint *pg, guint *rds)
{
  gint fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  gchar *text = NULL, **lines;
  GError *err = NULL;

  /* another runner starting with this spool took it first */
  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) != 0 ||
      !g_file_test (path, G_FILE_TEST_EXISTS)) {
    if (fd >= 0)
      close (fd);
    return FALSE;
  }
  if (!g_file_get_contents (path, &text, NULL, &err)) {
    g_printerr ("%s: %s: %s\n", AXION_RUN_PROG, path, err->message);
    g_error_free (err);
    close (fd);
    return FALSE;
  }
  lines = g_strsplit (text, "\n", -1);
  for (gchar **l = lines; *l; l++) {
    JsonNode *n = **l ? json_from_string (*l, NULL) : NULL;
    if (n && JSON_NODE_HOLDS_OBJECT (n))
      load_line (s, json_node_get_object (n), pg, rds);
    if (n)
      json_node_unref (n);
  }
  g_strfreev (lines);
  g_free (text);
  g_unlink (path);
  close (fd);
  return TRUE;
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

void
axion_run_store_spool_load (AxionRunStore *s)
{
  GDir *d = s->spool_dir ? g_dir_open (s->spool_dir, 0, NULL) : NULL;
  const gchar *name;
  guint pg = 0, rds = 0;
  GPtrArray *names;
  gchar *mine;

  if (d == NULL)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  mine = g_strconcat (PREFIX, spool_key (s), "-", NULL);
  while ((name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, mine) && g_str_has_suffix (name, ".jsonl"))
      g_ptr_array_add (names, g_strdup (name));
  g_free (mine);
  g_dir_close (d);
  /* oldest first: the names start with the time they were written */
  g_ptr_array_sort (names, by_name);
  for (guint i = 0; i < names->len; i++) {
    gchar *path = g_build_filename (s->spool_dir, names->pdata[i], NULL);
    load_file (s, path, &pg, &rds);
    g_free (path);
  }
  g_ptr_array_unref (names);
  if (pg + rds)
    g_print ("%s: %u writes for PostgreSQL and %u alert messages for Redis "
             "left by an earlier run taken back from %s\n",
        AXION_RUN_PROG, pg, rds, s->spool_dir);
}

/* ---- keeping them at exit -------------------------------------------------
 */

/* the object @b built, as one line of @out; @b is freed */
static void
append_line (JsonGenerator *g, GString *out, JsonBuilder *b)
{
  JsonNode *root = json_builder_get_root (b);
  gchar *line;

  json_generator_set_root (g, root);
  line = json_generator_to_data (g, NULL);
  g_string_append_printf (out, "%s\n", line);
  g_free (line);
  json_node_unref (root);
  g_object_unref (b);
}

static void
save_pg (JsonGenerator *g, GString *out, PgWrite *w)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sql");
  json_builder_add_string_value (b, w->sql);
  json_builder_set_member_name (b, "params");
  json_builder_begin_array (b);
  for (gint i = 0; i < w->n; i++)
    if (w->p[i])
      json_builder_add_string_value (b, w->p[i]);
    else
      json_builder_add_null_value (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  append_line (g, out, b);
}

static void
save_entry (JsonGenerator *g, GString *out, gchar **e)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "channel");
  json_builder_add_string_value (b, e[0]);
  json_builder_set_member_name (b, "entry");
  json_builder_add_string_value (b, e[1]);
  json_builder_end_object (b);
  append_line (g, out, b);
}

/* written whole, then renamed into place under its final name (a runner
 * starting meanwhile never reads half a file) */
static gboolean
write_file (AxionRunStore *s, const GString *text, GError **error)
{
  gchar *name = g_strdup_printf (PREFIX "%s-%020" G_GINT64_FORMAT "-%d.jsonl",
      spool_key (s), g_get_real_time () / 1000, (gint) getpid ());
  gchar *path = g_build_filename (s->spool_dir, name, NULL);
  gboolean ok = g_mkdir_with_parents (s->spool_dir, 0700) == 0 &&
      g_file_set_contents_full (path, text->str, text->len,
          G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);

  if (!ok && error && *error == NULL)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s",
        g_strerror (errno));
  g_free (name);
  g_free (path);
  return ok;
}

guint
axion_run_store_spool_save (AxionRunStore *s)
{
  JsonGenerator *g;
  GString *text;
  GError *err = NULL;
  guint n = g_queue_get_length (&s->pg_backlog) +
      g_queue_get_length (&s->rds_backlog);

  if (n == 0 || s->spool_dir == NULL)
    return 0;
  g = json_generator_new ();
  text = g_string_new (NULL);
  for (GList *l = s->pg_backlog.head; l; l = l->next)
    save_pg (g, text, l->data);
  for (GList *l = s->rds_backlog.head; l; l = l->next)
    save_entry (g, text, l->data);
  if (!write_file (s, text, &err)) {
    g_printerr ("%s: could not keep %u unwritten writes in %s: %s\n",
        AXION_RUN_PROG, n, s->spool_dir, err->message);
    g_error_free (err);
    n = 0;
  }
  g_string_free (text, TRUE);
  g_object_unref (g);
  return n;
}
