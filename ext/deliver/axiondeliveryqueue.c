/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * §2.6 of the schema document: a message that could not be delivered is
 * LPUSHed to <prefix>:queue:<channel>:failed; the next pass moves it to the
 * sorted set <prefix>:queue:<channel>:retry scored by its next attempt
 * (exponential backoff with jitter), and a sink claims due messages by
 * ZREM (only one process gets each). After max-attempts attempts it ends
 * in the list <prefix>:queue:<channel>:dead_letter with final_error and
 * failed_at, for axion-alerts to inspect and replay. Without Redis the
 * same happens in memory and the spool file keeps it across restarts.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axiondeliveryqueue.h"

#include <gst/axion/axionredisconn.h>
#include <gst/axion/gstaxionbackoff.h>
#include <gst/axion/gstaxionformat.h>
#include <json-glib/json-glib.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

/* how many failed entries one pass moves to the schedule */
#define PROMOTE_MAX 1000
/* Redis away: try it again after this long */
#define REDIS_RETRY_US (2 * G_USEC_PER_SEC)

typedef struct
{
  AxionDeliveryMsg *msg;
  gint64 due_us; /* real time */
} Held;

struct _AxionDeliveryQueue
{
  gchar *k_failed, *k_retry, *k_dead;
  gboolean use_redis;
  GstAxionRedisUrl url;
  redisContext *ctx;
  gint64 redis_retry_us;
  gchar *spool_path;
  guint max_attempts, base_ms, max_ms;
  GQueue held;        /* Held: not (yet) in Redis */
  guint64 dead_local; /* dead letters without Redis */
  GQueue dead_held;   /* dead letters waiting for Redis */
  gchar *last_error;
};

static void
set_error (AxionDeliveryQueue *q, const gchar *msg)
{
  g_free (q->last_error);
  q->last_error = g_strdup (msg);
}

static void
load_spool (AxionDeliveryQueue *q)
{
  gchar *text = NULL, **lines;

  if (q->spool_path == NULL ||
      !g_file_get_contents (q->spool_path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    AxionDeliveryMsg *m = *lines[i] ? axion_delivery_msg_from_json (lines[i])
                                    : NULL;
    if (m) {
      Held *h = g_new0 (Held, 1);
      h->msg = m;
      g_queue_push_tail (&q->held, h);
    }
  }
  g_strfreev (lines);
  g_free (text);
  /* the messages are in memory now; the file is written again at stop */
  g_unlink (q->spool_path);
}

AxionDeliveryQueue *
axion_delivery_queue_new (const AxionDeliveryQueueConfig *c, GError **error)
{
  AxionDeliveryQueue *q = g_new0 (AxionDeliveryQueue, 1);
  const gchar *prefix = c->prefix && *c->prefix ? c->prefix : "axion";
  gsize plen = strlen (prefix);

  /* one prefix rule for every element: "axion" and "axion:" are the same */
  if (plen > 0 && prefix[plen - 1] == ':')
    plen--;
  q->k_failed = g_strdup_printf (
      "%.*s:queue:%s:failed", (int) plen, prefix, c->channel);
  q->k_retry = g_strdup_printf (
      "%.*s:queue:%s:retry", (int) plen, prefix, c->channel);
  q->k_dead = g_strdup_printf (
      "%.*s:queue:%s:dead_letter", (int) plen, prefix, c->channel);
  q->max_attempts = MAX (c->max_attempts, 1);
  q->base_ms = c->backoff_base_ms;
  q->max_ms = MAX (c->backoff_max_ms, c->backoff_base_ms);
  q->spool_path = g_strdup (c->spool_path);
  g_queue_init (&q->held);
  g_queue_init (&q->dead_held);
  if (c->redis_url && *c->redis_url) {
    if (!gst_axion_redis_url_parse (c->redis_url, &q->url, error)) {
      axion_delivery_queue_free (q);
      return NULL;
    }
    q->use_redis = TRUE;
  }
  load_spool (q);
  return q;
}

static gboolean
redis_ready (AxionDeliveryQueue *q)
{
  AxionRedisFailure failure;
  gchar *err = NULL;

  if (!q->use_redis)
    return FALSE;
  if (q->ctx)
    return TRUE;
  if (g_get_monotonic_time () < q->redis_retry_us)
    return FALSE;
  q->ctx = axion_redis_connect (&q->url, 1000, 2000, &failure, &err);
  if (q->ctx == NULL) {
    set_error (q, err);
    g_free (err);
    q->redis_retry_us = g_get_monotonic_time () + REDIS_RETRY_US;
    return FALSE;
  }
  return TRUE;
}

/* one command; NULL (and the connection dropped) when Redis is lost */
static redisReply *
command (AxionDeliveryQueue *q, const gchar *fmt, ...)
{
  va_list ap;
  redisReply *r;

  if (!redis_ready (q))
    return NULL;
  va_start (ap, fmt);
  r = redisvCommand (q->ctx, fmt, ap);
  va_end (ap);
  if (r == NULL) {
    set_error (q, q->ctx->errstr);
    redisFree (q->ctx);
    q->ctx = NULL;
    q->redis_retry_us = g_get_monotonic_time () + REDIS_RETRY_US;
    return NULL;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    set_error (q, r->str);
    freeReplyObject (r);
    return NULL;
  }
  return r;
}

static gboolean
push_json (AxionDeliveryQueue *q, const gchar *key, const gchar *json)
{
  redisReply *r = command (q, "LPUSH %s %s", key, json);

  if (r == NULL)
    return FALSE;
  freeReplyObject (r);
  return TRUE;
}

static gint64
next_due_us (AxionDeliveryQueue *q, const AxionDeliveryMsg *m)
{
  gint64 due = g_get_real_time ();

  if (m->attempts > 0)
    due += gst_axion_backoff_ms (m->attempts - 1, q->base_ms, q->max_ms) * 1000;
  /* the endpoint asked for a later retry (Retry-After) */
  return MAX (due, m->not_before * 1000);
}

static void
hold (AxionDeliveryQueue *q, AxionDeliveryMsg *m)
{
  Held *h = g_new0 (Held, 1);

  h->msg = m;
  h->due_us = next_due_us (q, m);
  g_queue_push_tail (&q->held, h);
}

static gboolean
dead_letter_final (
    AxionDeliveryQueue *q, AxionDeliveryMsg *m, const gchar *final)
{
  gchar *json = axion_delivery_msg_to_json (
      m, final, g_get_real_time () / G_USEC_PER_SEC);
  gboolean ok = q->use_redis && push_json (q, q->k_dead, json);

  if (!ok && q->use_redis)
    g_queue_push_tail (&q->dead_held, g_strdup (json));
  if (!q->use_redis)
    q->dead_local++;
  g_free (json);
  axion_delivery_msg_free (m);
  return ok || !q->use_redis;
}

static gboolean
dead_letter (AxionDeliveryQueue *q, AxionDeliveryMsg *m)
{
  gchar *final = g_strdup_printf (
      "max_retries_exceeded: %s", m->last_error ? m->last_error : "unknown");
  gboolean ok = dead_letter_final (q, m, final);

  g_free (final);
  return ok;
}

gboolean
axion_delivery_queue_dead_letter (
    AxionDeliveryQueue *q, AxionDeliveryMsg *m, const gchar *final_error)
{
  g_free (m->last_error);
  m->last_error = g_strdup (final_error);
  return dead_letter_final (q, m, final_error);
}

gboolean
axion_delivery_queue_fail (AxionDeliveryQueue *q, AxionDeliveryMsg *m,
    gboolean attempted, const gchar *error)
{
  gchar *json;
  gboolean ok;

  if (attempted)
    m->attempts++;
  g_free (m->last_error);
  m->last_error = g_strdup (error);
  if (m->attempts >= q->max_attempts)
    return dead_letter (q, m);
  if (!q->use_redis) {
    hold (q, m);
    return TRUE;
  }
  json = axion_delivery_msg_to_json (m, NULL, 0);
  ok = push_json (q, q->k_failed, json);
  g_free (json);
  if (ok)
    axion_delivery_msg_free (m);
  else
    hold (q, m);
  return ok;
}

/* Redis is back: what was held goes to the failed list */
static void
hand_over (AxionDeliveryQueue *q)
{
  Held *h;
  gchar *json;

  while ((json = g_queue_peek_head (&q->dead_held))) {
    if (!push_json (q, q->k_dead, json))
      return;
    g_free (g_queue_pop_head (&q->dead_held));
  }
  while ((h = g_queue_peek_head (&q->held))) {
    json = axion_delivery_msg_to_json (h->msg, NULL, 0);
    if (!push_json (q, q->k_failed, json)) {
      g_free (json);
      return;
    }
    g_free (json);
    g_queue_pop_head (&q->held);
    axion_delivery_msg_free (h->msg);
    g_free (h);
  }
}

/* failed list -> retry schedule */
static void
promote (AxionDeliveryQueue *q)
{
  for (guint i = 0; i < PROMOTE_MAX; i++) {
    redisReply *r = command (q, "RPOP %s", q->k_failed), *z;
    AxionDeliveryMsg *m;
    gchar score[G_ASCII_DTOSTR_BUF_SIZE];

    if (r == NULL || r->type != REDIS_REPLY_STRING) {
      if (r)
        freeReplyObject (r);
      return;
    }
    m = axion_delivery_msg_from_json (r->str);
    if (m == NULL) {
      /* not ours to read: kept for a person, not lost */
      g_warning ("%s: unreadable entry moved to %s", q->k_failed, q->k_dead);
      push_json (q, q->k_dead, r->str);
      freeReplyObject (r);
      continue;
    }
    g_ascii_formatd (score, sizeof (score), "%.3f", next_due_us (q, m) / 1e6);
    z = command (q, "ZADD %s %s %s", q->k_retry, score, r->str);
    if (z == NULL) {
      /* Redis lost between the two: keep it here */
      hold (q, m);
      freeReplyObject (r);
      return;
    }
    freeReplyObject (z);
    freeReplyObject (r);
    axion_delivery_msg_free (m);
  }
}

static GPtrArray *
take_due_local (AxionDeliveryQueue *q, guint max)
{
  GPtrArray *due = g_ptr_array_new ();
  gint64 now = g_get_real_time ();

  for (GList *l = q->held.head; l && due->len < max;) {
    GList *next = l->next;
    Held *h = l->data;
    if (h->due_us <= now) {
      g_ptr_array_add (due, h->msg);
      g_free (h);
      g_queue_delete_link (&q->held, l);
    }
    l = next;
  }
  return due;
}

GPtrArray *
axion_delivery_queue_take_due (AxionDeliveryQueue *q, guint max)
{
  GPtrArray *due;
  redisReply *r;
  gchar now[G_ASCII_DTOSTR_BUF_SIZE];

  if (!q->use_redis || !redis_ready (q))
    return take_due_local (q, max);
  hand_over (q);
  promote (q);
  due = g_ptr_array_new ();
  g_ascii_formatd (now, sizeof (now), "%.3f", g_get_real_time () / 1e6);
  r = command (q, "ZRANGEBYSCORE %s -inf %s LIMIT 0 %u", q->k_retry, now, max);
  for (gsize i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
    redisReply *z = command (q, "ZREM %s %s", q->k_retry, r->element[i]->str);
    gboolean mine = z && z->type == REDIS_REPLY_INTEGER && z->integer == 1;
    AxionDeliveryMsg *m;
    if (z)
      freeReplyObject (z);
    if (!mine)
      continue; /* another process took it */
    m = axion_delivery_msg_from_json (r->element[i]->str);
    if (m)
      g_ptr_array_add (due, m);
  }
  if (r)
    freeReplyObject (r);
  return due;
}

static guint64
integer_reply (AxionDeliveryQueue *q, const gchar *cmd, const gchar *key)
{
  redisReply *r = command (q, "%s %s", cmd, key);
  guint64 v = 0;

  if (r && r->type == REDIS_REPLY_INTEGER)
    v = (guint64) r->integer;
  if (r)
    freeReplyObject (r);
  return v;
}

void
axion_delivery_queue_depth (
    AxionDeliveryQueue *q, guint64 *depth, guint64 *dead)
{
  *depth = q->held.length;
  *dead = q->dead_local + q->dead_held.length;
  if (q->use_redis && redis_ready (q)) {
    *depth += integer_reply (q, "LLEN", q->k_failed) +
        integer_reply (q, "ZCARD", q->k_retry);
    *dead += integer_reply (q, "LLEN", q->k_dead);
  }
}

void
axion_delivery_queue_save (AxionDeliveryQueue *q)
{
  GString *out;
  GError *err = NULL;

  if (q->use_redis && redis_ready (q))
    hand_over (q);
  if (q->spool_path == NULL || q->held.length == 0)
    return;
  out = g_string_new (NULL);
  for (GList *l = q->held.head; l; l = l->next) {
    gchar *json = axion_delivery_msg_to_json (((Held *) l->data)->msg, NULL, 0);
    g_string_append_printf (out, "%s\n", json);
    g_free (json);
  }
  /* atomic: a crash leaves the old file or the new one */
  if (!g_file_set_contents (q->spool_path, out->str, out->len, &err)) {
    set_error (q, err->message);
    g_warning (
        "cannot write the delivery spool %s: %s", q->spool_path, err->message);
    g_error_free (err);
  }
  g_string_free (out, TRUE);
}

const gchar *
axion_delivery_queue_last_error (AxionDeliveryQueue *q)
{
  return q->last_error;
}

static void
held_free (gpointer data)
{
  Held *h = data;
  axion_delivery_msg_free (h->msg);
  g_free (h);
}

void
axion_delivery_queue_free (AxionDeliveryQueue *q)
{
  if (q == NULL)
    return;
  g_queue_clear_full (&q->held, held_free);
  g_queue_clear_full (&q->dead_held, g_free);
  if (q->ctx)
    redisFree (q->ctx);
  if (q->use_redis)
    gst_axion_redis_url_clear (&q->url);
  g_free (q->k_failed);
  g_free (q->k_retry);
  g_free (q->k_dead);
  g_free (q->spool_path);
  g_free (q->last_error);
  g_free (q);
}
