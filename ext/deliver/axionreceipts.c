/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionreceipts.h"

#include <libpq-fe.h>
#include <string.h>

/* how long a receipt waits for its alerts row */
#define MATCH_WINDOW_US (600 * G_USEC_PER_SEC)
/* the database away: try it again after this long */
#define RETRY_US (5 * G_USEC_PER_SEC)

typedef struct
{
  gint64 alert_id;
  gchar *channel;
  gint64 sent_us, first_try_us;
} Receipt;

struct _AxionReceipts
{
  gchar *conninfo;
  PGconn *conn;
  gint64 retry_us;
  GQueue waiting;
  guint64 marked, unmatched;
};

static void
receipt_free (Receipt *r)
{
  g_free (r->channel);
  g_free (r);
}

AxionReceipts *
axion_receipts_new (const gchar *conninfo)
{
  AxionReceipts *r;

  if (conninfo == NULL || *conninfo == '\0')
    return NULL;
  r = g_new0 (AxionReceipts, 1);
  r->conninfo = g_strdup (conninfo);
  g_queue_init (&r->waiting);
  return r;
}

void
axion_receipts_free (AxionReceipts *r)
{
  if (r == NULL)
    return;
  g_queue_clear_full (&r->waiting, (GDestroyNotify) receipt_free);
  if (r->conn)
    PQfinish (r->conn);
  memset (r->conninfo, 0, strlen (r->conninfo));
  g_free (r->conninfo);
  g_free (r);
}

void
axion_receipts_add (
    AxionReceipts *r, gint64 alert_id, const gchar *channel, gint64 sent_us)
{
  Receipt *rc;

  if (r == NULL || alert_id <= 0)
    return;
  rc = g_new0 (Receipt, 1);
  rc->alert_id = alert_id;
  rc->channel = g_strdup (channel);
  rc->sent_us = sent_us;
  g_queue_push_tail (&r->waiting, rc);
}

/* connect_timeout first: the user's conninfo (expanded after it) wins */
static gboolean
ready (AxionReceipts *r)
{
  const gchar *keys[] = { "connect_timeout", "options", "dbname", NULL };
  const gchar *vals[] = { "5", "-c statement_timeout=5000", r->conninfo, NULL };

  if (r->conn && PQstatus (r->conn) == CONNECTION_OK)
    return TRUE;
  if (g_get_monotonic_time () < r->retry_us)
    return FALSE;
  if (r->conn)
    PQfinish (r->conn);
  r->conn = PQconnectdbParams (keys, vals, 1);
  if (PQstatus (r->conn) != CONNECTION_OK) {
    PQfinish (r->conn);
    r->conn = NULL;
    r->retry_us = g_get_monotonic_time () + RETRY_US;
    return FALSE;
  }
  return TRUE;
}

/* 1: marked, 0: no such row yet, -1: the database is away */
static gint
mark (AxionReceipts *r, Receipt *rc)
{
  gchar id[32], *ts = g_strdup_printf ("%.6f", rc->sent_us / 1e6);
  const gchar *params[3] = { id, rc->channel, ts };
  PGresult *res;
  gint ret;

  g_snprintf (id, sizeof (id), "%" G_GINT64_FORMAT, rc->alert_id);
  res = PQexecParams (r->conn,
      "UPDATE alerts SET notification_sent = true, "
      "notification_channels = CASE WHEN $2 = ANY "
      "(coalesce(notification_channels, '{}')) THEN notification_channels "
      "ELSE array_append(coalesce(notification_channels, '{}'), $2) END, "
      "notification_sent_at = coalesce(notification_sent_at, "
      "to_timestamp($3::double precision)) WHERE alert_id = $1::bigint",
      3, NULL, params, NULL, NULL, 0);
  g_free (ts);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    ret = PQstatus (r->conn) == CONNECTION_OK ? 0 : -1;
  else
    ret = atoi (PQcmdTuples (res)) > 0 ? 1 : 0;
  PQclear (res);
  return ret;
}

guint
axion_receipts_apply (AxionReceipts *r)
{
  GList *l;
  guint n = 0;
  gint64 now = g_get_monotonic_time ();

  if (r == NULL || r->waiting.length == 0 || !ready (r))
    return 0;
  for (l = r->waiting.head; l;) {
    GList *next = l->next;
    Receipt *rc = l->data;
    gint m = mark (r, rc);
    if (m < 0)
      break;
    if (rc->first_try_us == 0)
      rc->first_try_us = now;
    if (m > 0 || now - rc->first_try_us > MATCH_WINDOW_US) {
      if (m > 0) {
        r->marked++;
        n++;
      } else {
        r->unmatched++;
      }
      receipt_free (rc);
      g_queue_delete_link (&r->waiting, l);
    }
    l = next;
  }
  return n;
}

void
axion_receipts_counts (
    AxionReceipts *r, guint *waiting, guint64 *marked, guint64 *unmatched)
{
  *waiting = r ? r->waiting.length : 0;
  *marked = r ? r->marked : 0;
  *unmatched = r ? r->unmatched : 0;
}

gchar *
axion_conninfo_redact (const gchar *conninfo)
{
  PQconninfoOption *opts;
  GString *out;

  if (conninfo == NULL)
    return NULL;
  opts = PQconninfoParse (conninfo, NULL);
  if (opts == NULL)
    return g_strdup ("(invalid conninfo)");
  out = g_string_new (NULL);
  for (PQconninfoOption *o = opts; o->keyword; o++) {
    if (o->val == NULL || g_str_equal (o->keyword, "password"))
      continue;
    g_string_append_printf (out, "%s%s='", out->len ? " " : "", o->keyword);
    for (const gchar *p = o->val; *p; p++) {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
    g_string_append_c (out, '\'');
  }
  PQconninfoFree (opts);
  return g_string_free (out, FALSE);
}
