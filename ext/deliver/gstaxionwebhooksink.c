/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionwebhooksink
 * @title: axionwebhooksink
 *
 * POSTs every alert (axionalert's, and scene analyses that ask for one)
 * to an HTTP(S) endpoint as JSON (gst_axion_alert_to_json()), one request
 * per alert, signed with HMAC-SHA256 when `secret` is set
 * (`X-Axion-Signature: sha256=<hex>` over `<timestamp>.<body>`, with
 * `X-Axion-Timestamp` and `X-Axion-Message-Id`). Delivery is at least
 * once: 2xx delivers; 408, 429, 5xx, timeouts and connection errors are
 * retried through the schema document's §2.6 queues
 * (`<key-prefix>:queue:<channel>:failed`, `:retry`, `:dead_letter`) with
 * exponential backoff and jitter (Retry-After respected); other statuses
 * are permanent and go to the dead-letter list at once.
 *
 * |[
 * gst-launch-1.0 ... ! axionalert rules="motion, min-duration-ms=1000" ! \
 *   axionwebhooksink url=https://hooks.example.com/axion secret=s3cret \
 *   redis-url=redis://127.0.0.1:6379/0
 * ]|
 *
 * See docs/elements/axionwebhooksink.md.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionwebhooksink.h"
#include "gstaxiondeliverysink.h"

#include <curl/curl.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (axion_webhook_debug);
#define GST_CAT_DEFAULT axion_webhook_debug

#define DEFAULT_CHANNEL "webhook"
#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_MIN_SEVERITY 1
/* response bytes kept (the error text uses the first 200) */
#define BODY_KEEP 4096
#define ERROR_BODY_BYTES 200

enum
{
  PROP_0,
  PROP_URL,
  PROP_CHANNEL,
  PROP_SECRET,
  PROP_TIMEOUT_MS,
  PROP_CONNECT_TIMEOUT_MS,
  PROP_MIN_SEVERITY,
  PROP_HEADERS,
};

typedef enum
{
  OUTCOME_DELIVERED,
  OUTCOME_RETRY,     /* 408, 429, 5xx, timeout, connection error */
  OUTCOME_PERMANENT, /* any other status: retrying cannot help */
  OUTCOME_ABORTED,   /* the element stops: not an attempt */
} Outcome;

/* what a request needs, copied from the properties at each flush */
typedef struct
{
  gchar *url, *channel, *secret;
  guint timeout_ms, connect_timeout_ms, retry_max_ms;
  GPtrArray *headers; /* "Name: value" */
  GPtrArray *secrets; /* texts never shown: scrubbed from error texts */
} Config;

struct _GstAxionWebhookSink
{
  GstAxionDeliverySink parent;

  /* properties: object lock */
  gchar *url, *channel, *secret, *headers;
  guint timeout_ms, connect_timeout_ms;
  gint min_severity;

  /* the queue sink's lock */
  guint64 rejected;
  glong last_status;

  /* worker only (and start/stop) */
  CURL *curl;
};

G_DEFINE_TYPE (
    GstAxionWebhookSink, gst_axion_webhook_sink, GST_TYPE_AXION_DELIVERY_SINK);

#define LOCK(s) g_mutex_lock (&GST_AXION_QUEUE_SINK (s)->lock)
#define UNLOCK(s) g_mutex_unlock (&GST_AXION_QUEUE_SINK (s)->lock)
#define BASE(s) GST_AXION_DELIVERY_SINK (s)
GST_ELEMENT_REGISTER_DEFINE (axionwebhooksink, "axionwebhooksink",
    GST_RANK_NONE, GST_TYPE_AXION_WEBHOOK_SINK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- configuration ------------------------------------------------------ */

/* RFC 9110 token characters (a header name) */
static gboolean
is_token (const gchar *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && strchr ("!#$%&'*+-.^_`|~", *s) == NULL)
      return FALSE;
  return TRUE;
}

/* @text: "Name: value" entries, one a line. Errors name the header,
 * never its value. */
static GPtrArray *
parse_headers (const gchar *text, gchar **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  gchar **lines;

  if (text == NULL)
    return out;
  lines = g_strsplit_set (text, "\r\n", -1);
  for (guint i = 0; lines[i]; i++) {
    gchar *line = g_strstrip (lines[i]), *colon, *name, *value;
    if (*line == '\0')
      continue;
    colon = strchr (line, ':');
    if (colon == NULL) {
      *error = g_strdup_printf ("headers: entry %u has no ':' (write one "
                                "\"Name: value\" a line)",
          i + 1);
      break;
    }
    *colon = '\0';
    name = g_strstrip (line);
    value = g_strstrip (colon + 1);
    if (!is_token (name)) {
      *error = g_strdup_printf (
          "headers: entry %u: the name is not a valid header name", i + 1);
      break;
    }
    if (g_ascii_strcasecmp (name, "Content-Type") == 0 ||
        g_ascii_strcasecmp (name, "Content-Length") == 0 ||
        g_ascii_strcasecmp (name, "Host") == 0 ||
        g_ascii_strncasecmp (name, "X-Axion-", 8) == 0) {
      *error = g_strdup_printf ("headers: %s is set by the element and "
                                "cannot be given",
          name);
      break;
    }
    g_ptr_array_add (out, g_strdup_printf ("%s: %s", name, value));
  }
  g_strfreev (lines);
  if (*error) {
    g_ptr_array_unref (out);
    return NULL;
  }
  return out;
}

/* the values of "Name: value" entries (for scrubbing) */
static void
add_header_values (GPtrArray *secrets, GPtrArray *headers)
{
  for (guint i = 0; headers && i < headers->len; i++) {
    const gchar *v = strchr (headers->pdata[i], ':');
    v = v ? v + 1 : NULL;
    while (v && *v == ' ')
      v++;
    if (v && strlen (v) >= 3)
      g_ptr_array_add (secrets, g_strdup (v));
  }
}

/* the url's user-info: never shown */
static void
add_url_secrets (GPtrArray *secrets, const gchar *url)
{
  GUri *u = url ? g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL) : NULL;
  GUri *raw = url
      ? g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL)
      : NULL;

  for (guint i = 0; i < 2; i++) {
    GUri *x = i ? raw : u;
    if (x == NULL)
      continue;
    if (g_uri_get_password (x) && *g_uri_get_password (x))
      g_ptr_array_add (secrets, g_strdup (g_uri_get_password (x)));
    if (g_uri_get_userinfo (x) && *g_uri_get_userinfo (x))
      g_ptr_array_add (secrets, g_strdup (g_uri_get_userinfo (x)));
  }
  if (u)
    g_uri_unref (u);
  if (raw)
    g_uri_unref (raw);
}

/* @text with every secret replaced by "***" */
static gchar *
scrub (const Config *c, const gchar *text)
{
  gchar *out = g_strdup (text ? text : "");

  for (guint i = 0; c->secrets && i < c->secrets->len; i++) {
    const gchar *s = c->secrets->pdata[i];
    gchar **parts;
    if (*s == '\0' || strstr (out, s) == NULL)
      continue;
    parts = g_strsplit (out, s, -1);
    g_free (out);
    out = g_strjoinv ("***", parts);
    g_strfreev (parts);
  }
  return out;
}

static void
config_clear (Config *c)
{
  g_free (c->url);
  g_free (c->channel);
  if (c->secret) {
    memset (c->secret, 0, strlen (c->secret));
    g_free (c->secret);
  }
  if (c->headers)
    g_ptr_array_unref (c->headers);
  if (c->secrets)
    g_ptr_array_unref (c->secrets);
  memset (c, 0, sizeof (*c));
}

/* object lock held */
static gboolean
config_init (GstAxionWebhookSink *self, Config *c, gchar **error)
{
  memset (c, 0, sizeof (*c));
  c->url = g_strdup (self->url);
  c->channel = g_strdup (self->channel);
  c->secret = self->secret && *self->secret ? g_strdup (self->secret) : NULL;
  c->timeout_ms = self->timeout_ms;
  c->connect_timeout_ms = self->connect_timeout_ms;
  c->retry_max_ms = BASE (self)->retry_max_ms;
  c->headers = parse_headers (self->headers, error);
  c->secrets = g_ptr_array_new_with_free_func (g_free);
  if (c->secret)
    g_ptr_array_add (c->secrets, g_strdup (c->secret));
  add_url_secrets (c->secrets, c->url);
  add_header_values (c->secrets, c->headers);
  return c->headers != NULL;
}

static gboolean
valid_channel (const gchar *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_' && *s != '-' && *s != '.')
      return FALSE;
  return TRUE;
}

/* an error text for the settings; never the url nor a secret */
static gchar *
check_settings (GstAxionWebhookSink *self)
{
  gchar *error = NULL;
  Config c;

  GST_OBJECT_LOCK (self);
  if (self->url == NULL || *self->url == '\0') {
    error = g_strdup ("url is not set: the endpoint alerts are POSTed to "
                      "(http:// or https://)");
  } else if (g_ascii_strncasecmp (self->url, "http://", 7) != 0 &&
      g_ascii_strncasecmp (self->url, "https://", 8) != 0) {
    error = g_strdup ("url must begin with http:// or https://");
  } else if (!g_uri_is_valid (self->url, G_URI_FLAGS_HAS_PASSWORD, NULL)) {
    error = g_strdup ("url is not a valid URL (percent-encode reserved "
                      "characters of the user name and password)");
  } else if (!valid_channel (self->channel)) {
    error = g_strdup (
        "channel must be a non-empty name of letters, digits, '_', '-', '.'");
  } else {
    config_init (self, &c, &error);
    config_clear (&c);
  }
  GST_OBJECT_UNLOCK (self);
  return error;
}

/* ---- streaming thread --------------------------------------------------- */

static void
add_alert (GPtrArray *out, const GstAxionAlert *a, const gchar *channel,
    gint min_severity)
{
  gchar *json, *id;

  if (a == NULL || a->severity < min_severity)
    return;
  json = gst_axion_alert_to_json (a);
  id = g_strdup_printf ("%" G_GINT64_FORMAT, a->alert_id);
  g_ptr_array_add (out, axion_delivery_msg_new (id, channel, json, FALSE));
  g_free (json);
  g_free (id);
}

/* the buffer's alerts: its alert metas, and the scene analysis's when it
 * asks for one (unless an alert meta has its id already) */
static void
add_alerts (
    GstBuffer *buf, const gchar *channel, gint min_severity, GPtrArray *out)
{
  gpointer state = NULL;
  GstMeta *m;
  GstAxionAnalysisMeta *am = gst_buffer_get_axion_analysis_meta (buf);

  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_AXION_ALERT_META_API_TYPE)))
    add_alert (out, ((GstAxionAlertMeta *) m)->alert, channel, min_severity);
  if (am && am->analysis && am->analysis->camera_id && !am->analysis->error &&
      am->analysis->should_alert) {
    GstAxionAnalysis *a = am->analysis;
    gboolean have = FALSE;
    state = NULL;
    while ((m = gst_buffer_iterate_meta_filtered (
                buf, &state, GST_AXION_ALERT_META_API_TYPE)))
      have |= ((GstAxionAlertMeta *) m)->alert->alert_id == a->analysis_id;
    if (!have) {
      GstAxionAlert *al = gst_axion_alert_new_from_analysis (a);
      add_alert (out, al, channel, min_severity);
      gst_axion_alert_free (al);
    }
  }
}

static void
gst_axion_webhook_sink_collect (
    GstAxionDeliverySink *base, GstBuffer *buf, GPtrArray *out)
{
  gint min_severity;
  gchar *channel;

  GST_OBJECT_LOCK (base);
  channel = g_strdup (GST_AXION_WEBHOOK_SINK (base)->channel);
  min_severity = GST_AXION_WEBHOOK_SINK (base)->min_severity;
  GST_OBJECT_UNLOCK (base);
  add_alerts (buf, channel, min_severity, out);
  g_free (channel);
}

/* ---- worker: one request ------------------------------------------------ */

typedef struct
{
  GString *body;
  gchar *retry_after;
} Response;

static size_t
on_body (char *data, size_t size, size_t n, void *user)
{
  Response *r = user;
  size_t len = size * n;

  if (r->body->len < BODY_KEEP)
    g_string_append_len (r->body, data, MIN (len, BODY_KEEP - r->body->len));
  return len;
}

static size_t
on_header (char *line, size_t size, size_t n, void *user)
{
  Response *r = user;
  size_t len = size * n;

  if (len > 12 && g_ascii_strncasecmp (line, "retry-after:", 12) == 0) {
    g_free (r->retry_after);
    r->retry_after = g_strstrip (g_strndup (line + 12, len - 12));
  }
  return len;
}

/* aborts a request (a hung endpoint) once the element stops or a drain
 * ran out of time */
static int
on_progress (void *data, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
  GstAxionQueueSink *qs = data;

  return g_get_monotonic_time () >= gst_axion_queue_sink_give_up_time (qs);
}

/* Retry-After: delay-seconds or an HTTP date; -1 when absent or invalid */
static gint64
retry_after_ms (const gchar *v)
{
  gchar *end;
  gint64 s;

  if (v == NULL || *v == '\0')
    return -1;
  s = g_ascii_strtoll (v, &end, 10);
  if (end != v && *end == '\0')
    return s >= 0 ? MIN (s, (gint64) G_MAXINT32) * 1000 : -1;
  s = curl_getdate (v, NULL);
  if (s < 0)
    return -1;
  return MAX (s * 1000 - g_get_real_time () / 1000, 0);
}

/* the first ERROR_BODY_BYTES bytes of a response, valid UTF-8, no control
 * characters, no secrets */
static gchar *
sanitise_body (const Config *c, const GString *body)
{
  gchar *valid = g_utf8_make_valid (body->str, body->len), *p, *out;
  GString *s = g_string_new (NULL);

  for (p = valid; *p && s->len < ERROR_BODY_BYTES; p = g_utf8_next_char (p)) {
    gsize clen = g_utf8_next_char (p) - p;
    if (s->len + clen > ERROR_BODY_BYTES)
      break;
    if ((guchar) *p < 0x20 || *p == 0x7f)
      g_string_append_c (s, ' ');
    else
      g_string_append_len (s, p, clen);
  }
  g_free (valid);
  g_strstrip (s->str);
  out = scrub (c, s->str);
  g_string_free (s, TRUE);
  return out;
}

static gchar *
sign (const gchar *secret, const gchar *ts, const gchar *body)
{
  gchar *data = g_strconcat (ts, ".", body, NULL);
  gchar *hex = g_compute_hmac_for_data (G_CHECKSUM_SHA256,
      (const guchar *) secret, strlen (secret), (const guchar *) data,
      strlen (data));

  g_free (data);
  return hex;
}

/* One POST of @m. @error: why it was not delivered (scrubbed);
 * @not_before_ms: Retry-After as a Unix time in ms, or 0. */
static Outcome
post (GstAxionWebhookSink *self, const Config *c, const AxionDeliveryMsg *m,
    glong *status, gchar **error, gint64 *not_before_ms)
{
  GstAxionQueueSink *qs = GST_AXION_QUEUE_SINK (self);
  Response r = { g_string_new (NULL), NULL };
  struct curl_slist *hdr = NULL;
  gchar errbuf[CURL_ERROR_SIZE] = "";
  gchar ts[32], *line;
  gint64 now = g_get_monotonic_time (), give_up, timeout_ms;
  CURLcode rc;
  Outcome out;

  *status = 0;
  *not_before_ms = 0;
  give_up = gst_axion_queue_sink_give_up_time (qs);
  if (now >= give_up) {
    g_string_free (r.body, TRUE);
    return OUTCOME_ABORTED;
  }
  timeout_ms = c->timeout_ms;
  if (give_up != G_MAXINT64)
    timeout_ms = MIN (timeout_ms, MAX ((give_up - now) / 1000, 1));

  g_snprintf (ts, sizeof (ts), "%" G_GINT64_FORMAT,
      g_get_real_time () / G_USEC_PER_SEC);
  hdr = curl_slist_append (hdr, "Content-Type: application/json");
  hdr = curl_slist_append (hdr, "Expect:");
  line = g_strdup_printf ("X-Axion-Message-Id: %s", m->id ? m->id : "");
  hdr = curl_slist_append (hdr, line);
  g_free (line);
  line = g_strdup_printf ("X-Axion-Timestamp: %s", ts);
  hdr = curl_slist_append (hdr, line);
  g_free (line);
  if (c->secret) {
    gchar *sig = sign (c->secret, ts, m->payload);
    line = g_strdup_printf ("X-Axion-Signature: sha256=%s", sig);
    hdr = curl_slist_append (hdr, line);
    g_free (line);
    g_free (sig);
  }
  for (guint i = 0; i < c->headers->len; i++)
    hdr = curl_slist_append (hdr, c->headers->pdata[i]);

  curl_easy_reset (self->curl);
  curl_easy_setopt (self->curl, CURLOPT_URL, c->url);
  curl_easy_setopt (self->curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (self->curl, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt (self->curl, CURLOPT_POSTFIELDS, m->payload);
  curl_easy_setopt (
      self->curl, CURLOPT_POSTFIELDSIZE, (long) strlen (m->payload));
  curl_easy_setopt (self->curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (self->curl, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt (self->curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (self->curl, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt (self->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (self->curl, CURLOPT_XFERINFODATA, qs);
  curl_easy_setopt (self->curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (self->curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (self->curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
  curl_easy_setopt (
      self->curl, CURLOPT_CONNECTTIMEOUT_MS, (long) c->connect_timeout_ms);
  curl_easy_setopt (self->curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (self->curl, CURLOPT_USERAGENT, "axion/" VERSION);
  curl_easy_setopt (self->curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (self->curl, CURLOPT_SSL_VERIFYHOST, 2L);

  rc = curl_easy_perform (self->curl);
  if (rc == CURLE_ABORTED_BY_CALLBACK ||
      (rc != CURLE_OK &&
          g_get_monotonic_time () >= gst_axion_queue_sink_give_up_time (qs))) {
    out = OUTCOME_ABORTED;
    *error = g_strdup ("stopped during delivery");
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    out = OUTCOME_RETRY;
    *error = g_strdup_printf (
        "timeout: no complete answer within %u ms", (guint) timeout_ms);
  } else if (rc != CURLE_OK) {
    gchar *e = scrub (c, *errbuf ? errbuf : curl_easy_strerror (rc));
    out = OUTCOME_RETRY;
    *error = g_strdup_printf ("connection: %s", e);
    g_free (e);
  } else {
    gchar *text;
    curl_easy_getinfo (self->curl, CURLINFO_RESPONSE_CODE, status);
    text = sanitise_body (c, r.body);
    if (*status >= 200 && *status < 300) {
      out = OUTCOME_DELIVERED;
    } else if (*status == 408 || *status == 429 || *status >= 500) {
      gint64 ra = *status == 429 || *status == 503
          ? retry_after_ms (r.retry_after)
          : -1;
      out = OUTCOME_RETRY;
      if (ra >= 0)
        *not_before_ms = g_get_real_time () / 1000 +
            MIN (ra, (gint64) c->retry_max_ms);
    } else {
      out = OUTCOME_PERMANENT;
    }
    if (out != OUTCOME_DELIVERED)
      *error = g_strdup_printf ("http %ld: %s", *status, text);
    g_free (text);
  }
  curl_slist_free_all (hdr);
  g_string_free (r.body, TRUE);
  g_free (r.retry_after);
  return out;
}

/* ---- worker: flush ------------------------------------------------------ */

static void
deliver (GstAxionWebhookSink *self, const Config *c, AxionDeliveryMsg *m,
    gboolean retry)
{
  GstAxionQueueSink *qs = GST_AXION_QUEUE_SINK (self);
  gchar *error = NULL;
  gint64 not_before = 0;
  glong status = 0;
  Outcome o = post (self, c, m, &status, &error, &not_before);

  LOCK (self);
  if (status)
    self->last_status = status;
  self->rejected += o == OUTCOME_PERMANENT;
  UNLOCK (self);

  switch (o) {
  case OUTCOME_DELIVERED:
    GST_INFO_OBJECT (self, "alert %s delivered (http %ld, attempt %u)", m->id,
        status, m->attempts + 1);
    gst_axion_delivery_sink_delivered (BASE (self), m, retry, c->channel);
    break;
  case OUTCOME_RETRY:
    GST_INFO_OBJECT (self, "alert %s not delivered (attempt %u): %s", m->id,
        m->attempts + 1, error);
    gst_axion_queue_sink_set_error (qs, error);
    m->not_before = not_before;
    gst_axion_delivery_sink_retry_later (BASE (self), m, TRUE, error);
    break;
  case OUTCOME_PERMANENT:
    gst_axion_queue_sink_set_error (qs, error);
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("The webhook endpoint refused alert %s (%s); it was moved to the "
         "dead-letter list of channel '%s'",
            m->id, error, c->channel),
        ("check url, secret and headers; replay it with axion-alerts "
         "dead-letter replay once fixed"));
    m->attempts++;
    axion_delivery_queue_dead_letter (BASE (self)->dq, m, error);
    break;
  case OUTCOME_ABORTED:
    axion_delivery_queue_fail (
        BASE (self)->dq, m, FALSE, error ? error : "stopped before delivery");
    break;
  }
  g_free (error);
}

static GstAxionSinkResult
gst_axion_webhook_sink_deliver (GstAxionDeliverySink *base,
    GstAxionFlushKind kind, gboolean online, GPtrArray *msgs, gchar **error)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (base);
  GPtrArray *due;
  gchar *cerr = NULL;
  Config c;
  gboolean ok;

  if (self->curl == NULL) {
    /* never connected (configuration error): nothing can be kept */
    g_ptr_array_set_free_func (msgs, (GDestroyNotify) axion_delivery_msg_free);
    return GST_AXION_SINK_OK;
  }
  GST_OBJECT_LOCK (self);
  ok = config_init (self, &c, &cerr);
  GST_OBJECT_UNLOCK (self);
  if (!ok) {
    /* headers checked at start, changed since: sent without them */
    GST_WARNING_OBJECT (self, "%s; no extra headers are sent", cerr);
    c.headers = g_ptr_array_new_with_free_func (g_free);
  }
  g_free (cerr);
  due = gst_axion_delivery_sink_take_due (base, kind);
  for (guint i = 0; i < msgs->len; i++)
    deliver (self, &c, msgs->pdata[i], FALSE);
  for (guint i = 0; due && i < due->len; i++)
    deliver (self, &c, due->pdata[i], TRUE);
  if (due || msgs->len)
    gst_axion_delivery_sink_update_depth (base);
  if (due)
    g_ptr_array_unref (due);
  config_clear (&c);
  return GST_AXION_SINK_OK;
}

/* the retry queue, its spool file named after the channel */
static gboolean
open_queue (GstAxionWebhookSink *self, gchar **error)
{
  gchar *channel, *file;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  channel = g_strdup (self->channel);
  GST_OBJECT_UNLOCK (self);
  file = g_strdup_printf ("webhook-%s.jsonl", channel);
  ok = gst_axion_delivery_sink_open_queue (BASE (self), channel, file, error);
  g_free (file);
  g_free (channel);
  return ok;
}

/* nothing to connect to (one request per alert): the retry queue and the
 * HTTP handle */
static GstAxionSinkResult
gst_axion_webhook_sink_connect (GstAxionQueueSink *qs, gchar **error)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (qs);

  if (!open_queue (self, error))
    return GST_AXION_SINK_FATAL;
  if (self->curl == NULL)
    self->curl = curl_easy_init ();
  if (self->curl == NULL) {
    *error = g_strdup ("cannot create a libcurl handle");
    return GST_AXION_SINK_LOST;
  }
  return GST_AXION_SINK_OK;
}

static void
gst_axion_webhook_sink_disconnect (GstAxionQueueSink *qs)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (qs);

  g_clear_pointer (&self->curl, curl_easy_cleanup);
}

/* ---- GObject ------------------------------------------------------------ */

static gboolean
gst_axion_webhook_sink_start (GstBaseSink *bs)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (bs);
  gchar *error = check_settings (self);

  if (error) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error),
        ("see docs/elements/axionwebhooksink.md"));
    g_free (error);
    return FALSE;
  }
  LOCK (self);
  self->rejected = 0;
  self->last_status = 0;
  UNLOCK (self);
  return GST_BASE_SINK_CLASS (gst_axion_webhook_sink_parent_class)->start (bs);
}

static gboolean
gst_axion_webhook_sink_stop (GstBaseSink *bs)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (bs);
  gboolean ret =
      GST_BASE_SINK_CLASS (gst_axion_webhook_sink_parent_class)->stop (bs);

  g_clear_pointer (&self->curl, curl_easy_cleanup);
  return ret;
}

/* the base class's lock held */
static void
gst_axion_webhook_sink_add_stats (GstAxionDeliverySink *base, GstStructure *s)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (base);

  gst_structure_set (s, "rejected", G_TYPE_UINT64, self->rejected,
      "last-status", G_TYPE_INT, (gint) self->last_status, NULL);
}

static void
set_string (GstAxionWebhookSink *self, gchar **slot, const GValue *value,
    gboolean secret)
{
  GST_OBJECT_LOCK (self);
  if (secret && *slot)
    memset (*slot, 0, strlen (*slot));
  g_free (*slot);
  *slot = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_webhook_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (object);

  switch (prop_id) {
  case PROP_URL:
    set_string (self, &self->url, value, TRUE);
    break;
  case PROP_CHANNEL:
    set_string (self, &self->channel, value, FALSE);
    GST_OBJECT_LOCK (self);
    if (self->channel == NULL || *self->channel == '\0') {
      g_free (self->channel);
      self->channel = g_strdup (DEFAULT_CHANNEL);
    }
    GST_OBJECT_UNLOCK (self);
    break;
  case PROP_SECRET:
    set_string (self, &self->secret, value, TRUE);
    break;
  case PROP_TIMEOUT_MS:
    GST_OBJECT_LOCK (self);
    self->timeout_ms = g_value_get_uint (value);
    GST_OBJECT_UNLOCK (self);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    GST_OBJECT_LOCK (self);
    self->connect_timeout_ms = g_value_get_uint (value);
    GST_OBJECT_UNLOCK (self);
    break;
  case PROP_MIN_SEVERITY:
    GST_OBJECT_LOCK (self);
    self->min_severity = g_value_get_int (value);
    GST_OBJECT_UNLOCK (self);
    break;
  case PROP_HEADERS:
    set_string (self, &self->headers, value, TRUE);
    break;
  default:
    if (!gst_axion_delivery_sink_set_property (object, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

/* the headers' names, values replaced by "***" */
static gchar *
redacted_headers (const gchar *text)
{
  gchar *err = NULL;
  GPtrArray *h = parse_headers (text, &err);
  GString *out;

  if (h == NULL) {
    g_free (err);
    return g_strdup ("(invalid headers)");
  }
  out = g_string_new (NULL);
  for (guint i = 0; i < h->len; i++) {
    const gchar *line = h->pdata[i];
    g_string_append_printf (out, "%s%.*s: ***", out->len ? "\n" : "",
        (int) (strchr (line, ':') - line), line);
  }
  g_ptr_array_unref (h);
  return g_string_free (out, FALSE);
}

static void
gst_axion_webhook_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (object);

  if (gst_axion_delivery_sink_get_property (object, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_URL:
    /* never the credentials */
    g_value_take_string (
        value, self->url ? gst_axion_uri_strip_credentials (self->url) : NULL);
    break;
  case PROP_CHANNEL:
    g_value_set_string (value, self->channel);
    break;
  case PROP_SECRET:
    g_value_set_string (value, self->secret && *self->secret ? "***" : NULL);
    break;
  case PROP_TIMEOUT_MS:
    g_value_set_uint (value, self->timeout_ms);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    g_value_set_uint (value, self->connect_timeout_ms);
    break;
  case PROP_MIN_SEVERITY:
    g_value_set_int (value, self->min_severity);
    break;
  case PROP_HEADERS:
    g_value_take_string (
        value, self->headers ? redacted_headers (self->headers) : NULL);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
wipe (gchar *s)
{
  if (s)
    memset (s, 0, strlen (s));
  g_free (s);
}

static void
gst_axion_webhook_sink_finalize (GObject *object)
{
  GstAxionWebhookSink *self = GST_AXION_WEBHOOK_SINK (object);

  wipe (self->url);
  g_free (self->channel);
  wipe (self->secret);
  wipe (self->headers);
  G_OBJECT_CLASS (gst_axion_webhook_sink_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

static const GstAxionDeliverySinkInfo delivery_info = {
  .stats_name = "axionwebhooksink-stats",
  .noun = "webhook alerts",
  .channel_keys = "<prefix>:queue:<channel>:failed, :retry, :dead_letter",
  .spool_file = "<dir>/webhook-<channel>.jsonl",
  .attempt = "requests: the first and each retry",
  .delivered = "once the endpoint answered 2xx (channel: the channel "
               "property)",
  .max_attempts = 8,
  .max_queue = 10000,
  .max_queue_min = 10,
  .retry_poll_ms = 250,
  .retry_batch = 100,
  .stats = "The common sink fields, and sent (2xx), retried (delivered from "
           "the retry queue), failed (handed to the retry queue), rejected "
           "(permanent: dead-lettered at once), dead-lettered (entries in "
           "the dead-letter list), queue-depth (failed + scheduled), "
           "pending, last-status, notified, receipts-waiting, "
           "receipts-unmatched",
};


static void
install_properties (GObjectClass *oc)
{
  gst_axion_delivery_sink_install_string (oc, PROP_URL, "url", "URL",
      "The endpoint alerts are POSTed to: http:// or https://, optionally "
      "with user:password@ (basic auth). Read back without credentials; "
      "never logged",
      NULL);
  gst_axion_delivery_sink_install_string (oc, PROP_CHANNEL, "channel",
      "Channel",
      "Name of this webhook: added to alerts.notification_channels, and "
      "the Redis keys <key-prefix>:queue:<channel>:*",
      DEFAULT_CHANNEL);
  gst_axion_delivery_sink_install_string (oc, PROP_SECRET, "secret", "Secret",
      "HMAC-SHA256 key: requests carry X-Axion-Signature: sha256=<hex of "
      "HMAC(secret, timestamp + \".\" + body)>. Reads back \"***\" when set",
      NULL);
  gst_axion_delivery_sink_install_uint (oc, PROP_TIMEOUT_MS, "timeout-ms",
      "Timeout (ms)", "Time a whole request may take (then it is retried)", 100,
      600000, DEFAULT_TIMEOUT_MS);
  gst_axion_delivery_sink_install_uint (oc, PROP_CONNECT_TIMEOUT_MS,
      "connect-timeout-ms", "Connect timeout (ms)",
      "Time to connect (TCP and TLS)", 100, 600000, DEFAULT_CONNECT_TIMEOUT_MS);
  g_object_class_install_property (oc, PROP_MIN_SEVERITY,
      g_param_spec_int ("min-severity", "Minimum severity",
          "Only alerts of this severity (1 info .. 5 critical) or above are "
          "sent",
          1, 5, DEFAULT_MIN_SEVERITY, RW));
  gst_axion_delivery_sink_install_string (oc, PROP_HEADERS, "headers",
      "Extra headers",
      "More request headers, one \"Name: value\" a line (values are never "
      "logged and read back as ***)",
      NULL);
}

static void
gst_axion_webhook_sink_class_init (GstAxionWebhookSinkClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *bc = GST_BASE_SINK_CLASS (klass);
  GstAxionQueueSinkClass *qc = GST_AXION_QUEUE_SINK_CLASS (klass);
  GstAxionDeliverySinkClass *dc = GST_AXION_DELIVERY_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (
      axion_webhook_debug, "axionwebhooksink", 0, "Axion webhook delivery");
  curl_global_init (CURL_GLOBAL_DEFAULT);

  oc->set_property = gst_axion_webhook_sink_set_property;
  oc->get_property = gst_axion_webhook_sink_get_property;
  oc->finalize = gst_axion_webhook_sink_finalize;
  install_properties (oc);
  gst_axion_delivery_sink_class_install (dc, &delivery_info);

  gst_element_class_add_static_pad_template (ec, &sink_template);
  gst_element_class_set_static_metadata (ec, "Axion webhook sink",
      "Sink/Network",
      "POSTs alerts to an HTTP endpoint (HMAC-SHA256 signed, at least once, "
      "retried through Redis)",
      "Axion developers");

  bc->start = GST_DEBUG_FUNCPTR (gst_axion_webhook_sink_start);
  bc->stop = GST_DEBUG_FUNCPTR (gst_axion_webhook_sink_stop);
  qc->connect = gst_axion_webhook_sink_connect;
  qc->disconnect = gst_axion_webhook_sink_disconnect;
  dc->collect = gst_axion_webhook_sink_collect;
  dc->deliver = gst_axion_webhook_sink_deliver;
  dc->add_stats = gst_axion_webhook_sink_add_stats;
}

static void
gst_axion_webhook_sink_init (GstAxionWebhookSink *self)
{
  self->channel = g_strdup (DEFAULT_CHANNEL);
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->min_severity = DEFAULT_MIN_SEVERITY;
  gst_axion_delivery_sink_init_defaults (BASE (self));
}
