/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "deliverytest.h"

#include <gst/check/gstcheck.h>

redisContext *
redis (void)
{
  redisContext *c = redisConnectUnix (g_getenv ("AXION_TEST_REDIS_SOCKET"));
  fail_unless (c != NULL && c->err == 0);
  return c;
}

long long
redis_int (redisContext *c, const gchar *cmd, const gchar *key)
{
  redisReply *r = redisCommand (c, "%s %s", cmd, key);
  long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
  freeReplyObject (r);
  return v;
}

gchar *
pg_scalar (PGconn *c, const gchar *sql)
{
  PGresult *r = PQexec (c, sql);
  gchar *v = PQresultStatus (r) == PGRES_TUPLES_OK && PQntuples (r) > 0
      ? g_strdup (PQgetvalue (r, 0, 0))
      : NULL;
  PQclear (r);
  return v;
}

guint64
stat_u64 (GstElement *sink, const gchar *field)
{
  GstStructure *s;
  guint64 v = 0;

  g_object_get (sink, "stats", &s, NULL);
  gst_structure_get_uint64 (s, field, &v);
  gst_structure_free (s);
  return v;
}

gboolean
wait_stat (GstElement *sink, const gchar *field, guint64 n, guint seconds)
{
  for (guint i = 0; i < seconds * 20; i++) {
    if (stat_u64 (sink, field) >= n)
      return TRUE;
    g_usleep (50 * 1000);
  }
  return stat_u64 (sink, field) >= n;
}

void
stop_pipeline (GstElement *p)
{
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

static void
append_message (GString *all, GstMessage *m)
{
  const GstStructure *st = gst_message_get_structure (m);

  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR ||
      GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
    GError *e = NULL;
    gchar *dbg = NULL;
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      gst_message_parse_error (m, &e, &dbg);
    else
      gst_message_parse_warning (m, &e, &dbg);
    g_string_append_printf (all, "%s %s\n", e->message, dbg ? dbg : "");
    g_error_free (e);
    g_free (dbg);
  }
  if (st) {
    gchar *t = gst_structure_to_string (st);
    g_string_append_printf (all, "%s\n", t);
    g_free (t);
  }
}

gchar *
bus_texts (GstElement *p)
{
  GstBus *bus = gst_element_get_bus (p);
  GString *all = g_string_new (NULL);
  GstMessage *m;

  while ((m = gst_bus_pop (bus))) {
    append_message (all, m);
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  return g_string_free (all, FALSE);
}

static GString *debug_log;
static GMutex debug_lock;

static void
capture_log (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
    const gchar *function, gint line, GObject *object, GstDebugMessage *message,
    gpointer data)
{
  /* formatting may log too: not under the lock */
  const gchar *text = gst_debug_message_get (message);

  g_mutex_lock (&debug_lock);
  g_string_append_printf (debug_log, "%s\n", text ? text : "");
  g_mutex_unlock (&debug_lock);
}

void
log_capture_begin (void)
{
  debug_log = g_string_new (NULL);
  gst_debug_add_log_function (capture_log, NULL, NULL);
  gst_debug_set_default_threshold (GST_LEVEL_LOG);
}

gchar *
log_capture_end (void)
{
  gchar *text;

  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  gst_debug_remove_log_function (capture_log);
  g_mutex_lock (&debug_lock);
  text = g_string_free (debug_log, FALSE);
  debug_log = NULL;
  g_mutex_unlock (&debug_lock);
  return text;
}
