/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-axionclaude
 * @title: axionclaude
 *
 * Sends selected frames to Claude (Anthropic Messages API) for scene
 * analysis and attaches the structured result (#GstAxionAnalysisMeta) to a
 * later buffer of the same camera, so axionpgsink writes claude_analyses
 * (and alerts) rows and axionredissink the context cache.
 *
 * Frames are selected by triggers (motion start, scene change, a new
 * object class, a periodic heartbeat), at most one per min-interval-ms per
 * camera, skipped when their scene was analysed within dedupe-window-s,
 * and only within the call and token budgets (shared through Redis when
 * redis-url is set). The streaming thread never waits: selected frames are
 * copied into a bounded queue; worker threads encode JPEG, call the API
 * with the official SDKs' retry rules and parse the answer.
 *
 * The API key comes from ANTHROPIC_API_KEY or the write-only api-key
 * property; it never appears in logs, messages, stats or read-back.
 *
 * ## Example
 * |[
 * ANTHROPIC_API_KEY=... gst-launch-1.0 rtspsrc location=rtsp://cam1/s ! \
 *   decodebin ! videoconvert ! axionmotion camera-id=cam1 ! axionhash ! \
 *   axionclaude ! axionpgsink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionclaude.h"
#include <gst/axion/gstaxionredisurl.h>
#include "axionclaudeapi.h"

#include <curl/curl.h>
#include <json-glib/json-glib.h>
#include <gst/video/video.h>
#include <string.h>

#ifdef HAVE_HIREDIS
#include <gst/axion/axionredisconn.h>
#endif

GST_DEBUG_CATEGORY_STATIC (gst_axion_claude_debug);
#define GST_CAT_DEFAULT gst_axion_claude_debug

#define DEFAULT_API_URL "https://api.anthropic.com"
#define DEFAULT_MODEL "claude-sonnet-4-5"
#define DEFAULT_MAX_TOKENS 1024
#define DEFAULT_MIN_INTERVAL_MS 10000
#define DEFAULT_SCENE_CHANGE_THRESHOLD 0.5
#define DEFAULT_DEDUPE_WINDOW_S 300
#define DEFAULT_CALLS_PER_MINUTE 60
#define DEFAULT_CAMERA_CALLS_PER_MINUTE 6
#define DEFAULT_TOKENS_PER_DAY 1000000
#define DEFAULT_QUEUE_SIZE 4
#define DEFAULT_WORKERS 2
#define DEFAULT_MAX_RETRIES 2
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_MAX_IMAGE_EDGE 1568
#define DEFAULT_CONTEXT_ANALYSES 3
#define DEFAULT_DRAIN_TIMEOUT_MS 10000
/* key-prefix, as axionredissink's: keys are "<prefix>:..." */
#define DEFAULT_KEY_PREFIX "axion"
#define DEFAULT_SYSTEM_PROMPT                                                  \
  "You analyse frames from fixed security cameras for an operations team. "    \
  "Be factual and brief; describe only what is visible. Use the recent "       \
  "analyses of the same camera to describe change and recurring patterns."
#define DEFAULT_PROMPT                                                         \
  "Camera ${camera_id}, ${time} UTC. Trigger: ${trigger}. Detections: "        \
  "${detections}. Motion score: ${motion_score}.\nRecent analyses of this "    \
  "camera:\n${context}\nAnalyse this frame and record the result with the "    \
  "tool."

enum
{
  PROP_0,
  PROP_API_KEY,
  PROP_API_URL,
  PROP_MODEL,
  PROP_MAX_TOKENS,
  PROP_SYSTEM_PROMPT,
  PROP_PROMPT,
  PROP_REQUEST_TYPE,
  PROP_TRIGGER_MOTION,
  PROP_TRIGGER_SCENE_CHANGE,
  PROP_SCENE_CHANGE_THRESHOLD,
  PROP_TRIGGER_NEW_OBJECT,
  PROP_HEARTBEAT_S,
  PROP_MIN_INTERVAL_MS,
  PROP_DEDUPE_WINDOW_S,
  PROP_CALLS_PER_MINUTE,
  PROP_CAMERA_CALLS_PER_MINUTE,
  PROP_TOKENS_PER_DAY,
  PROP_QUEUE_SIZE,
  PROP_WORKERS,
  PROP_MAX_RETRIES,
  PROP_TIMEOUT_MS,
  PROP_CONNECT_TIMEOUT_MS,
  PROP_MAX_IMAGE_EDGE,
  PROP_CONTEXT_ANALYSES,
  PROP_DRAIN_TIMEOUT_MS,
  PROP_REDIS_URL,
  PROP_KEY_PREFIX,
  PROP_REDIS_PREFIX,
  PROP_CAMERA_ID,
  PROP_STATS,
};

typedef struct
{
  GstSample *sample;
  gchar *camera_id;
  const gchar *trigger;
  gint64 trigger_event_id;
  guint64 frame_number;
  gint64 capture_us;
  gboolean has_scene;
  guint64 scene_hash;
  gchar *detections;
  gdouble motion_score;
} Job;

typedef struct
{
  gint64 window;
  guint count;
} Window;

/* The in-process budget, shared by all axionclaude of a process. */
static struct
{
  GMutex lock;
  gint64 window;
  guint calls;
  GHashTable *cams; /* camera -> Window */
  gint64 day;
  gint64 day_tokens;
} local_budget;

struct _GstAxionClaude
{
  GstBaseTransform parent;

  /* properties (object lock) */
  gchar *api_key;
  gchar *api_url;
  gchar *model;
  guint max_tokens;
  gchar *system_prompt;
  gchar *prompt;
  gchar *request_type;
  gboolean trigger_motion, trigger_scene_change, trigger_new_object;
  gdouble scene_change_threshold;
  guint heartbeat_s, min_interval_ms, dedupe_window_s;
  guint calls_per_minute, camera_calls_per_minute;
  guint64 tokens_per_day;
  guint queue_size, workers, max_retries, timeout_ms, connect_timeout_ms;
  guint max_image_edge, context_analyses, drain_timeout_ms;
  gchar *redis_url;
  /* key-prefix with its ':' ("axion:"); run_prefix: its copy for the
   * worker threads, taken at start */
  gchar *redis_prefix, *run_prefix;
  gchar *camera_id_prop;

  /* streaming thread */
  gchar *camera_id;
  gchar *source_uri;
  GstSegment segment;
  gint64 last_pick_us, last_heartbeat_us;
  GHashTable *labels_seen; /* label -> last seen (monotonic us) */
  GstBuffer *last_buffer;
  gboolean warned_no_key;

  /* work (lock) */
  GMutex lock;
  GCond cond;
  GQueue jobs;
  guint in_flight;
  gboolean stopping;
  GPtrArray *threads;
  GQueue results; /* GstAxionAnalysis*, to attach to the next buffer */
  GQueue context; /* gchar*, newest last: recent analyses of this camera */
  GstAxionSceneIndex *scenes;

  /* stats (lock) */
  guint64 triggers, calls, answers, field_errors, errors, retries,
      skipped_interval, skipped_dedupe, skipped_budget, skipped_queue,
      tokens_in, tokens_out, attached;
  GHashTable *retries_by_status; /* status -> count */
  gdouble latencies[256];
  guint n_lat, lat_pos;
  gchar *last_error;

  /* Redis (redis_lock) */
  GMutex redis_lock;
  GstAxionRedisUrl rurl;
  gboolean have_redis;
#ifdef HAVE_HIREDIS
  redisContext *rctx;
  gint64 redis_retry_us;
#endif
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

#define gst_axion_claude_parent_class parent_class
G_DEFINE_TYPE (GstAxionClaude, gst_axion_claude, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (
    axionclaude, "axionclaude", GST_RANK_NONE, GST_TYPE_AXION_CLAUDE);

static void
job_free (Job *j)
{
  gst_sample_unref (j->sample);
  g_free (j->camera_id);
  g_free (j->detections);
  g_free (j);
}

/* ---- Redis (budgets, dedupe, context) ---------------------------------- */

#ifdef HAVE_HIREDIS
static const gchar BUDGET_LUA[] =
    "local p = ARGV[1]\n"
    "local t = tonumber(redis.call('TIME')[1])\n"
    "local w = t - t % 60\n"
    "local gk = p .. 'ratelimit:claude:calls:' .. w\n"
    "local ck = p .. 'ratelimit:claude:calls:' .. ARGV[5] .. ':' .. w\n"
    "local tk = p .. 'ratelimit:claude:tokens'\n"
    "local zk = p .. 'ratelimit:camera:claude_calls'\n"
    "local reset = tonumber(redis.call('HGET', tk, 'reset_at') or '0')\n"
    "if t >= reset then\n"
    "  redis.call('HSET', tk, 'day_used', 0, 'reset_at', t - t % 86400 + "
    "86400)\n"
    "end\n"
    "local used = tonumber(redis.call('HGET', tk, 'day_used') or '0')\n"
    "if tonumber(ARGV[4]) > 0 and used >= tonumber(ARGV[4]) then\n"
    "  return 'tokens-per-day'\n"
    "end\n"
    "if tonumber(ARGV[2]) > 0 and tonumber(redis.call('GET', gk) or '0') >= "
    "tonumber(ARGV[2]) then\n"
    "  return 'calls-per-minute'\n"
    "end\n"
    "if tonumber(ARGV[3]) > 0 and tonumber(redis.call('GET', ck) or '0') >= "
    "tonumber(ARGV[3]) then\n"
    "  return 'camera-calls-per-minute'\n"
    "end\n"
    "redis.call('INCR', gk)\n"
    "redis.call('EXPIRE', gk, 60)\n"
    "redis.call('INCR', ck)\n"
    "redis.call('EXPIRE', ck, 60)\n"
    "redis.call('ZADD', zk, t, ARGV[5])\n"
    "redis.call('ZREMRANGEBYSCORE', zk, '-inf', '(' .. (t - 3600))\n"
    "return 'ok'\n";

static const gchar TOKENS_LUA[] =
    "local t = tonumber(redis.call('TIME')[1])\n"
    "local n = tonumber(ARGV[1])\n"
    "local hs = tonumber(redis.call('HGET', KEYS[1], 'hour_start') or '0')\n"
    "if t - hs >= 3600 then\n"
    "  redis.call('HSET', KEYS[1], 'hour_start', t - t % 3600, "
    "'last_hour_used', 0)\n"
    "end\n"
    "redis.call('HINCRBY', KEYS[1], 'total_used', n)\n"
    "redis.call('HINCRBY', KEYS[1], 'last_hour_used', n)\n"
    "local d = redis.call('HINCRBY', KEYS[1], 'day_used', n)\n"
    "local rem = tonumber(ARGV[2]) - d\n"
    "if rem < 0 then rem = 0 end\n"
    "redis.call('HSET', KEYS[1], 'last_call_tokens', n, 'budget_remaining', "
    "rem)\n"
    "return d\n";

static const gchar DEDUPE_LUA[] =
    "local t = tonumber(redis.call('TIME')[1])\n"
    "local w = tonumber(ARGV[2])\n"
    "local s = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if s and t - tonumber(s) < w then return 1 end\n"
    "redis.call('ZADD', KEYS[1], t, ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (t - w))\n"
    "redis.call('EXPIRE', KEYS[1], w * 2)\n"
    "return 0\n";

/* Runs one command on the shared connection; NULL when Redis is away
 * (then the caller falls back to the in-process rule). redis_lock held. */
static redisReply *
redis_call (GstAxionClaude *self, const gchar *fmt, ...)
{
  redisReply *r;
  va_list ap;

  if (self->rctx == NULL) {
    AxionRedisFailure failure;
    gchar *err = NULL;
    if (g_get_monotonic_time () < self->redis_retry_us)
      return NULL;
    self->rctx = axion_redis_connect (&self->rurl, 1000, 1000, &failure, &err);
    if (self->rctx == NULL) {
      GST_WARNING_OBJECT (self,
          "%s; budgets and dedupe are per process until Redis answers", err);
      g_free (err);
      self->redis_retry_us = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      return NULL;
    }
  }
  va_start (ap, fmt);
  r = redisvCommand (self->rctx, fmt, ap);
  va_end (ap);
  if (r == NULL || r->type == REDIS_REPLY_ERROR) {
    GST_WARNING_OBJECT (
        self, "Redis command failed: %s", r ? r->str : self->rctx->errstr);
    if (r)
      freeReplyObject (r);
    redisFree (self->rctx);
    self->rctx = NULL;
    self->redis_retry_us = g_get_monotonic_time () + G_USEC_PER_SEC;
    return NULL;
  }
  return r;
}
#endif

/* ---- budgets and dedupe (worker threads) -------------------------------- */

/* Returns NULL when the call may go ahead (and books it), else which
 * budget is exhausted. */
static const gchar *
reserve_budget (GstAxionClaude *self, const gchar *camera)
{
  guint gl, cl;
  guint64 tl;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC, w = now - now % 60;
  Window *cw;
  const gchar *verdict = NULL;

  GST_OBJECT_LOCK (self);
  gl = self->calls_per_minute;
  cl = self->camera_calls_per_minute;
  tl = self->tokens_per_day;
  GST_OBJECT_UNLOCK (self);

#ifdef HAVE_HIREDIS
  if (self->have_redis) {
    redisReply *r;
    gchar gs[16], cs[16], ts[24];
    g_snprintf (gs, sizeof (gs), "%u", gl);
    g_snprintf (cs, sizeof (cs), "%u", cl);
    g_snprintf (ts, sizeof (ts), "%" G_GUINT64_FORMAT, tl);
    g_mutex_lock (&self->redis_lock);
    r = redis_call (self, "EVAL %s 0 %s %s %s %s %s", BUDGET_LUA,
        self->run_prefix, gs, cs, ts, camera);
    g_mutex_unlock (&self->redis_lock);
    if (r) {
      if (r->type == REDIS_REPLY_STRING && g_str_equal (r->str, "ok"))
        verdict = NULL;
      else if (r->type == REDIS_REPLY_STRING)
        verdict = g_intern_string (r->str);
      freeReplyObject (r);
      return verdict;
    }
  }
#endif

  g_mutex_lock (&local_budget.lock);
  if (local_budget.window != w) {
    local_budget.window = w;
    local_budget.calls = 0;
  }
  if (local_budget.day != now / 86400) {
    local_budget.day = now / 86400;
    local_budget.day_tokens = 0;
  }
  cw = g_hash_table_lookup (local_budget.cams, camera);
  if (cw == NULL) {
    cw = g_new0 (Window, 1);
    g_hash_table_insert (local_budget.cams, g_strdup (camera), cw);
  }
  if (cw->window != w) {
    cw->window = w;
    cw->count = 0;
  }
  if (tl > 0 && (guint64) local_budget.day_tokens >= tl)
    verdict = "tokens-per-day";
  else if (gl > 0 && local_budget.calls >= gl)
    verdict = "calls-per-minute";
  else if (cl > 0 && cw->count >= cl)
    verdict = "camera-calls-per-minute";
  else {
    local_budget.calls++;
    cw->count++;
  }
  g_mutex_unlock (&local_budget.lock);
  return verdict;
}

static void
book_tokens (GstAxionClaude *self, gint tokens)
{
#ifdef HAVE_HIREDIS
  if (self->have_redis) {
    redisReply *r;
    gchar *key = g_strconcat (
        self->run_prefix, "ratelimit:claude:tokens", NULL);
    gchar n[16], lim[24];
    g_snprintf (n, sizeof (n), "%d", tokens);
    GST_OBJECT_LOCK (self);
    g_snprintf (lim, sizeof (lim), "%" G_GUINT64_FORMAT, self->tokens_per_day);
    GST_OBJECT_UNLOCK (self);
    g_mutex_lock (&self->redis_lock);
    r = redis_call (self, "EVAL %s 1 %s %s %s", TOKENS_LUA, key, n, lim);
    g_mutex_unlock (&self->redis_lock);
    g_free (key);
    if (r) {
      freeReplyObject (r);
      return;
    }
  }
#endif
  g_mutex_lock (&local_budget.lock);
  local_budget.day_tokens += tokens;
  g_mutex_unlock (&local_budget.lock);
}

/* TRUE when this scene was analysed within the window (and records it). */
static gboolean
scene_is_duplicate (GstAxionClaude *self, const Job *j)
{
  guint window;
  gchar member[17];
  gboolean dup;

  if (!j->has_scene)
    return FALSE;
  GST_OBJECT_LOCK (self);
  window = self->dedupe_window_s;
  GST_OBJECT_UNLOCK (self);
  if (window == 0)
    return FALSE;
  gst_axion_scene_hash_member (j->scene_hash, member);
#ifdef HAVE_HIREDIS
  if (self->have_redis) {
    redisReply *r;
    gchar *key = g_strdup_printf (
        "%sclaude:%s:scenes", self->run_prefix, j->camera_id);
    gchar ws[16];
    g_snprintf (ws, sizeof (ws), "%u", window);
    g_mutex_lock (&self->redis_lock);
    r = redis_call (self, "EVAL %s 1 %s %s %s", DEDUPE_LUA, key, member, ws);
    g_mutex_unlock (&self->redis_lock);
    g_free (key);
    if (r) {
      dup = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
      freeReplyObject (r);
      return dup;
    }
  }
#endif
  g_mutex_lock (&self->lock);
  dup = gst_axion_scene_index_check_and_add (self->scenes, j->camera_id,
      j->scene_hash, g_get_real_time () / 1e6, window);
  g_mutex_unlock (&self->lock);
  return dup;
}

/* ---- prompt ------------------------------------------------------------- */

static gchar *
context_text (GstAxionClaude *self, const gchar *camera)
{
  GString *s = g_string_new (NULL);

  g_mutex_lock (&self->lock);
  for (GList *l = self->context.head; l; l = l->next)
    g_string_append_printf (s, "- %s\n", (gchar *) l->data);
  g_mutex_unlock (&self->lock);
#ifdef HAVE_HIREDIS
  if (self->have_redis && s->len == 0) {
    redisReply *r;
    gchar *key = g_strdup_printf (
        "%sclaude:%s:context", self->run_prefix, camera);
    g_mutex_lock (&self->redis_lock);
    r = redis_call (self, "HGETALL %s", key);
    g_mutex_unlock (&self->redis_lock);
    g_free (key);
    if (r) {
      for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
           i += 2)
        g_string_append_printf (
            s, "- %s: %s\n", r->element[i]->str, r->element[i + 1]->str);
      freeReplyObject (r);
    }
  }
#endif
  if (s->len == 0)
    g_string_append (s, "(none yet)");
  return g_string_free (s, FALSE);
}

static gchar *
expand_prompt (const gchar *tmpl, const Job *j, const gchar *context)
{
  GString *s = g_string_new (NULL);
  GDateTime *dt = g_date_time_new_from_unix_utc (
      j->capture_us / G_USEC_PER_SEC);
  gchar *time_s = dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : NULL;
  gchar motion[16];
  const gchar *p = tmpl;

  g_snprintf (motion, sizeof (motion), "%.2f", j->motion_score);
  while (*p) {
    const gchar *val = NULL;
    gsize skip = 0;
    if (p[0] == '$' && p[1] == '{') {
      const gchar *end = strchr (p, '}');
      if (end) {
        gchar *name = g_strndup (p + 2, end - p - 2);
        skip = end - p + 1;
        if (g_str_equal (name, "camera_id"))
          val = j->camera_id;
        else if (g_str_equal (name, "time"))
          val = time_s ? time_s : "unknown";
        else if (g_str_equal (name, "trigger"))
          val = j->trigger;
        else if (g_str_equal (name, "detections"))
          val = j->detections;
        else if (g_str_equal (name, "motion_score"))
          val = motion;
        else if (g_str_equal (name, "context"))
          val = context;
        else
          skip = 0; /* unknown variable: kept as written */
        g_free (name);
      }
    }
    if (skip) {
      g_string_append (s, val ? val : "");
      p += skip;
    } else {
      g_string_append_c (s, *p++);
    }
  }
  g_free (time_s);
  if (dt)
    g_date_time_unref (dt);
  return g_string_free (s, FALSE);
}

/* ---- HTTP --------------------------------------------------------------- */

/* Overwrites every occurrence of @key in @s with '*' (same length, so a
 * JSON text stays valid): a proxy or server that echoes the x-api-key
 * header must not bring the key into messages, logs or rows. */
static void
scrub_key (gchar *s, gsize len, const gchar *key)
{
  gsize klen = key ? strlen (key) : 0;
  gchar *p = s;

  if (s == NULL || klen < 8)
    return;
  while ((p = g_strstr_len (p, len - (p - s), key))) {
    memset (p, '*', klen);
    p += klen;
  }
}

typedef struct
{
  GString *body;
  gchar *request_id, *retry_after, *retry_after_ms, *should_retry;
  GstAxionClaude *self;
} Http;

static size_t
on_body (char *ptr, size_t size, size_t n, void *data)
{
  Http *h = data;
  if (h->body->len + size * n > AXION_CLAUDE_MAX_RESPONSE + 1)
    return 0; /* too large: abort the transfer */
  g_string_append_len (h->body, ptr, size * n);
  return size * n;
}

static gchar *
header_value (const char *line, size_t len, const gchar *name)
{
  size_t nl = strlen (name);
  if (len > nl + 1 && g_ascii_strncasecmp (line, name, nl) == 0 &&
      line[nl] == ':') {
    gchar *v = g_strndup (line + nl + 1, len - nl - 1);
    return g_strstrip (v);
  }
  return NULL;
}

static size_t
on_header (char *line, size_t size, size_t n, void *data)
{
  Http *h = data;
  size_t len = size * n;
  gchar *v;

  if ((v = header_value (line, len, "request-id"))) {
    g_free (h->request_id);
    h->request_id = v;
  } else if ((v = header_value (line, len, "retry-after-ms"))) {
    g_free (h->retry_after_ms);
    h->retry_after_ms = v;
  } else if ((v = header_value (line, len, "retry-after"))) {
    g_free (h->retry_after);
    h->retry_after = v;
  } else if ((v = header_value (line, len, "x-should-retry"))) {
    g_free (h->should_retry);
    h->should_retry = v;
  }
  return len;
}

static int
on_progress (void *data, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
  GstAxionClaude *self = data;
  return g_atomic_int_get (&self->stopping) ? 1 : 0;
}

static void
http_reset (Http *h)
{
  g_string_truncate (h->body, 0);
  g_clear_pointer (&h->request_id, g_free);
  g_clear_pointer (&h->retry_after, g_free);
  g_clear_pointer (&h->retry_after_ms, g_free);
  g_clear_pointer (&h->should_retry, g_free);
}

/* Interruptible sleep; FALSE when the element stops. */
static gboolean
wait_ms (GstAxionClaude *self, gint64 ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;
  gboolean stop;

  g_mutex_lock (&self->lock);
  while (!self->stopping && g_get_monotonic_time () < until)
    g_cond_wait_until (&self->cond, &self->lock, until);
  stop = self->stopping;
  g_mutex_unlock (&self->lock);
  return !stop;
}

static void
count_retry (GstAxionClaude *self, long status)
{
  gpointer key = GINT_TO_POINTER ((gint) status);
  g_mutex_lock (&self->lock);
  self->retries++;
  g_hash_table_insert (self->retries_by_status, key,
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (
                            self->retries_by_status, key)) +
          1));
  g_mutex_unlock (&self->lock);
}

/* claude_response of a call that brought no JSON answer; "axion_error" is
 * the analysis's error text (as in every claude_response of an analysis
 * with an error) */
static gchar *
error_json (const gchar *type, const gchar *message, long status,
    const gchar *request_id, const gchar *error_text)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *g = json_generator_new ();
  JsonNode *root;
  gchar *out;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message ? message : "");
  json_builder_set_member_name (b, "http_status");
  json_builder_add_int_value (b, status);
  if (request_id) {
    json_builder_set_member_name (b, "request_id");
    json_builder_add_string_value (b, request_id);
  }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "axion_error");
  json_builder_add_string_value (b, error_text);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (g, root);
  out = json_generator_to_data (g, NULL);
  json_node_unref (root);
  g_object_unref (g);
  g_object_unref (b);
  return out;
}

/* One analysis: encode, call with retries, parse. Never NULL. @used: the
 * answer's fields were used (a->error then only lists field problems). */
static GstAxionAnalysis *
analyse (GstAxionClaude *self, CURL *curl, Job *j, gboolean *used)
{
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  GstCaps *caps;
  GstSample *jpeg = NULL;
  GstVideoInfo vi;
  GError *err = NULL;
  gchar *b64 = NULL, *context, *prompt, *body = NULL, *url = NULL, *key;
  gchar *model, *system, *tmpl, *etype = NULL, *emsg = NULL;
  guint max_tokens, max_retries, timeout_ms, connect_ms, edge;
  struct curl_slist *hdr = NULL;
  Http h = { g_string_new (NULL), NULL, NULL, NULL, NULL, self };
  long status = 0;
  gint w, hgt, tin = 0, tout = 0;
  gint64 t0 = 0;
  GstMapInfo map;

  GST_OBJECT_LOCK (self);
  model = g_strdup (self->model);
  system = g_strdup (self->system_prompt);
  tmpl = g_strdup (self->prompt);
  url = g_strdup_printf ("%s/v1/messages", self->api_url);
  key = g_strdup (self->api_key);
  max_tokens = self->max_tokens;
  max_retries = self->max_retries;
  timeout_ms = self->timeout_ms;
  connect_ms = self->connect_timeout_ms;
  edge = self->max_image_edge;
  a->request_type = g_strdup (self->request_type);
  a->prompt_template = g_strdup (
      self->prompt == NULL || g_str_equal (self->prompt, DEFAULT_PROMPT)
          ? "default"
          : "custom");
  a->context_window_events = self->context_analyses;
  GST_OBJECT_UNLOCK (self);

  a->analysis_id = gst_axion_id_next ();
  a->trigger_event_id = j->trigger_event_id;
  a->camera_id = g_strdup (j->camera_id);
  a->event_time_us = j->capture_us;
  a->frame_number = j->frame_number;
  a->model = g_strdup (model);
  a->confidence_score = -1;

  /* JPEG, downscaled for the API (off the streaming thread) */
  if (!gst_video_info_from_caps (&vi, gst_sample_get_caps (j->sample))) {
    etype = g_strdup ("image");
    emsg = g_strdup ("frame caps are not raw video");
    goto failed;
  }
  axion_claude_fit_image (
      GST_VIDEO_INFO_WIDTH (&vi), GST_VIDEO_INFO_HEIGHT (&vi), edge, &w, &hgt);
  caps = gst_caps_new_simple (
      "image/jpeg", "width", G_TYPE_INT, w, "height", G_TYPE_INT, hgt, NULL);
  jpeg = gst_video_convert_sample (j->sample, caps, 10 * GST_SECOND, &err);
  gst_caps_unref (caps);
  if (jpeg == NULL) {
    etype = g_strdup ("image");
    emsg = g_strdup_printf ("JPEG encoding failed: %s (is the jpeg plugin "
                            "of gst-plugins-good installed?)",
        err ? err->message : "?");
    g_clear_error (&err);
    goto failed;
  }
  gst_buffer_map (gst_sample_get_buffer (jpeg), &map, GST_MAP_READ);
  b64 = g_base64_encode (map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (jpeg), &map);
  if (strlen (b64) > AXION_CLAUDE_MAX_IMAGE_BASE64) {
    etype = g_strdup ("image");
    emsg = g_strdup ("the JPEG exceeds the API's 5 MB limit");
    goto failed;
  }

  context = context_text (self, j->camera_id);
  prompt = expand_prompt (tmpl, j, context);
  body = axion_claude_build_request (model, max_tokens, system, prompt, b64);
  g_free (context);
  g_free (prompt);
  g_clear_pointer (&b64, g_free);

  hdr = curl_slist_append (hdr, "content-type: application/json");
  hdr = curl_slist_append (hdr, "anthropic-version: " AXION_CLAUDE_API_VERSION);
  {
    gchar *k = g_strdup_printf ("x-api-key: %s", key ? key : "");
    hdr = curl_slist_append (hdr, k);
    memset (k, 0, strlen (k));
    g_free (k);
  }
  curl_easy_reset (curl);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) strlen (body));
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &h);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, &h);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, self);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) connect_ms);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "axion/" VERSION);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");

  t0 = g_get_monotonic_time ();
  for (guint attempt = 0;; attempt++) {
    CURLcode rc;
    gboolean retry;

    http_reset (&h);
    g_mutex_lock (&self->lock);
    self->calls++;
    g_mutex_unlock (&self->lock);
    rc = curl_easy_perform (curl);
    scrub_key (h.body->str, h.body->len, key);
    if (h.request_id)
      scrub_key (h.request_id, strlen (h.request_id), key);
    status = 0;
    if (rc == CURLE_OK)
      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status >= 200 && status < 300)
      break;
    g_clear_pointer (&etype, g_free);
    g_clear_pointer (&emsg, g_free);
    if (rc != CURLE_OK) {
      etype = g_strdup (
          rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection");
      emsg = g_strdup_printf ("%s", curl_easy_strerror (rc));
    } else if (!axion_claude_parse_error (
                   h.body->str, h.body->len, &etype, &emsg)) {
      etype = g_strdup ("http");
      emsg = g_strdup_printf (
          "HTTP %ld without an API error body (a proxy?)", status);
    }
    retry = rc != CURLE_ABORTED_BY_CALLBACK &&
        axion_claude_should_retry (rc == CURLE_OK ? status : 0, h.should_retry);
    GST_INFO_OBJECT (self, "attempt %u: %s (HTTP %ld, request-id %s)%s",
        attempt + 1, emsg, status, h.request_id ? h.request_id : "-",
        retry && attempt < max_retries ? ", retrying" : "");
    if (!retry || attempt >= max_retries)
      goto failed;
    count_retry (self, status);
    if (!wait_ms (self,
            axion_claude_retry_delay_ms (attempt, h.retry_after_ms,
                h.retry_after, g_get_real_time () / G_USEC_PER_SEC,
                g_random_double ())))
      goto failed;
  }
  a->api_call_duration_ms = (gint) ((g_get_monotonic_time () - t0) / 1000);
  /* errors of earlier attempts are history now */
  g_clear_pointer (&etype, g_free);
  g_clear_pointer (&emsg, g_free);
  if (!axion_claude_parse_response (
          h.body->str, h.body->len, a, &tin, &tout, &etype, &emsg)) {
    status = 200;
    goto failed_parsed;
  }
  *used = TRUE;
  a->tokens_used = tin + tout;
  if (etype) {
    /* a usable answer with field problems (raw_json has them too) */
    a->error = g_strdup_printf ("%s: %s", etype, emsg);
    GST_WARNING_OBJECT (
        self, "camera %s: answer used, with %s", a->camera_id, a->error);
  }
  goto done;

failed:
  a->api_call_duration_ms = t0 ? (gint) ((g_get_monotonic_time () - t0) / 1000)
                               : 0;
failed_parsed:
  a->tokens_used = tin + tout;
  a->error = g_strdup_printf (
      "%s: %s", etype ? etype : "error", emsg ? emsg : "unknown");
  if (a->raw_json == NULL)
    a->raw_json = error_json (
        etype ? etype : "error", emsg, status, h.request_id, a->error);

done:
  g_mutex_lock (&self->lock);
  self->tokens_in += tin;
  self->tokens_out += tout;
  if (a->error) {
    g_free (self->last_error);
    self->last_error = g_strdup (a->error);
  }
  if (!*used) {
    self->errors++;
  } else {
    if (a->error)
      self->field_errors++;
    self->answers++;
    self->latencies[self->lat_pos] = a->api_call_duration_ms;
    self->lat_pos = (self->lat_pos + 1) % G_N_ELEMENTS (self->latencies);
    self->n_lat = MIN (self->n_lat + 1, G_N_ELEMENTS (self->latencies));
  }
  g_mutex_unlock (&self->lock);
  if (tin + tout > 0)
    book_tokens (self, tin + tout);
  if (jpeg)
    gst_sample_unref (jpeg);
  curl_slist_free_all (hdr);
  http_reset (&h);
  g_string_free (h.body, TRUE);
  g_free (b64);
  g_free (body);
  g_free (url);
  if (key) {
    memset (key, 0, strlen (key));
    g_free (key);
  }
  g_free (model);
  g_free (system);
  g_free (tmpl);
  g_free (etype);
  g_free (emsg);
  return a;
}

/* ---- workers ------------------------------------------------------------ */

/* ok: the answer was used; error: why it was not, or (ok) the problems
 * of its fields */
static void
post_analysis (GstAxionClaude *self, const GstAxionAnalysis *a, gboolean ok)
{
  GstStructure *s = gst_structure_new ("axion-claude-analysis", "camera-id",
      G_TYPE_STRING, a->camera_id, "analysis-id", G_TYPE_INT64, a->analysis_id,
      "trigger-event-id", G_TYPE_INT64, a->trigger_event_id, "frame-number",
      G_TYPE_UINT64, a->frame_number, "model", G_TYPE_STRING, a->model, "ok",
      G_TYPE_BOOLEAN, ok, "error", G_TYPE_STRING, a->error, "primary-insight",
      G_TYPE_STRING, a->primary_insight, "risk-assessment", G_TYPE_STRING,
      a->risk_assessment, "should-alert", G_TYPE_BOOLEAN, a->should_alert,
      "alert-severity", G_TYPE_INT, a->alert_severity, "tokens", G_TYPE_INT,
      a->tokens_used, "duration-ms", G_TYPE_INT, a->api_call_duration_ms, NULL);
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

static gpointer
worker_main (gpointer data)
{
  GstAxionClaude *self = data;
  CURL *curl = curl_easy_init ();

  for (;;) {
    Job *j;
    const gchar *over;
    GstAxionAnalysis *a;
    gboolean used;

    g_mutex_lock (&self->lock);
    while (!self->stopping && g_queue_is_empty (&self->jobs))
      g_cond_wait (&self->cond, &self->lock);
    if (self->stopping) {
      g_mutex_unlock (&self->lock);
      break;
    }
    j = g_queue_pop_head (&self->jobs);
    self->in_flight++;
    g_mutex_unlock (&self->lock);

    if (scene_is_duplicate (self, j)) {
      GST_DEBUG_OBJECT (self,
          "camera %s: scene %016" G_GINT64_MODIFIER
          "x analysed recently, skipped",
          j->camera_id, j->scene_hash);
      g_mutex_lock (&self->lock);
      self->skipped_dedupe++;
      goto next;
    }
    if ((over = reserve_budget (self, j->camera_id))) {
      GST_INFO_OBJECT (self, "camera %s: %s budget used up, frame skipped",
          j->camera_id, over);
      g_mutex_lock (&self->lock);
      self->skipped_budget++;
      goto next;
    }
    used = FALSE;
    a = analyse (self, curl, j, &used);
    if (!used) {
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("Claude analysis of camera %s failed", j->camera_id),
          ("%s", a->error));
    } else {
      gchar *line = g_strdup_printf ("%s [risk %s%s] %s",
          a->event_time_us ? "earlier" : "",
          a->risk_assessment ? a->risk_assessment : "not given",
          a->pattern_detected ? ", pattern" : "",
          a->primary_insight ? a->primary_insight : a->scene_description);
      guint keep;
      GST_OBJECT_LOCK (self);
      keep = self->context_analyses;
      GST_OBJECT_UNLOCK (self);
      g_mutex_lock (&self->lock);
      g_queue_push_tail (&self->context, line);
      while (g_queue_get_length (&self->context) > keep)
        g_free (g_queue_pop_head (&self->context));
      g_mutex_unlock (&self->lock);
    }
    post_analysis (self, a, used);
    g_mutex_lock (&self->lock);
    g_queue_push_tail (&self->results, a);
  next:
    self->in_flight--;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
    job_free (j);
  }
  curl_easy_cleanup (curl);
  return NULL;
}

/* ---- streaming ---------------------------------------------------------- */

static gboolean
have_api_key (GstAxionClaude *self)
{
  gboolean have;
  GST_OBJECT_LOCK (self);
  have = self->api_key != NULL && *self->api_key != '\0';
  GST_OBJECT_UNLOCK (self);
  return have;
}

/* Which trigger (if any) selects this frame; its event id in @event_id. */
static const gchar *
pick_trigger (GstAxionClaude *self, GstBuffer *buf, GstAxionFrameMeta *fm,
    gint64 now, gint64 *event_id, gchar **detections)
{
  gboolean motion, scene, newobj;
  gdouble thr;
  guint heartbeat;
  const gchar *trigger = NULL;
  GString *labels = g_string_new (NULL);
  gpointer state = NULL;
  GstMeta *m;

  GST_OBJECT_LOCK (self);
  motion = self->trigger_motion;
  scene = self->trigger_scene_change;
  newobj = self->trigger_new_object;
  thr = self->scene_change_threshold;
  heartbeat = self->heartbeat_s;
  GST_OBJECT_UNLOCK (self);

  *event_id = 0;
  while ((m = gst_buffer_iterate_meta_filtered (
              buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    const gchar *label;
    gdouble conf;
    if (gst_axion_roi_is_motion (roi) ||
        !gst_axion_roi_get_detection (roi, &label, &conf, NULL))
      continue;
    g_string_append_printf (labels, "%s%s", labels->len ? ", " : "", label);
    if (newobj && !g_hash_table_contains (self->labels_seen, label) &&
        trigger == NULL)
      trigger = "new_object";
    g_hash_table_insert (
        self->labels_seen, g_strdup (label), GINT_TO_POINTER (1));
  }
  *detections = g_string_free (labels, FALSE);
  if (**detections == '\0') {
    g_free (*detections);
    *detections = g_strdup ("none");
  }

  if (trigger) {
    *event_id = gst_axion_frame_meta_add_event (
        fm, GST_AXION_EVENT_OBJECT_DETECTED);
  } else if (motion &&
      gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_MOTION) &&
      fm->motion_state == GST_AXION_MOTION_STATE_START) {
    trigger = "motion_start";
    *event_id = gst_axion_frame_meta_add_event (
        fm, GST_AXION_EVENT_MOTION_START);
  } else if (scene &&
      gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_SCENE_CHANGE) &&
      fm->scene_change_score >= thr) {
    trigger = "scene_change";
    *event_id = gst_axion_frame_meta_add_event (
        fm, GST_AXION_EVENT_SCENE_CHANGE);
  } else if (heartbeat > 0 &&
      (self->last_heartbeat_us == 0 ||
          now - self->last_heartbeat_us >= heartbeat * G_USEC_PER_SEC)) {
    trigger = "heartbeat";
    *event_id = gst_axion_frame_meta_add_event (
        fm, GST_AXION_EVENT_MANUAL_TRIGGER);
  }
  return trigger;
}

static void
ensure_camera_id (GstAxionClaude *self, GstAxionFrameMeta *fm)
{
  gchar *own;

  GST_OBJECT_LOCK (self);
  own = g_strdup (self->camera_id_prop);
  GST_OBJECT_UNLOCK (self);
  if (own) {
    g_free (self->camera_id);
    self->camera_id = own;
  } else if (self->camera_id == NULL) {
    if (fm && gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_CAMERA))
      self->camera_id = g_strdup (fm->camera_id);
    else
      self->camera_id = gst_axion_camera_id_resolve (GST_ELEMENT (self),
          GST_BASE_TRANSFORM_SINK_PAD (self), &self->source_uri);
  }
  if (!gst_axion_frame_meta_has (fm, GST_AXION_FRAME_FIELD_CAMERA))
    gst_axion_frame_meta_set_camera_id (fm, self->camera_id);
}

static void
attach_results (GstAxionClaude *self, GstBuffer *buf)
{
  GstAxionAnalysis *a;

  g_mutex_lock (&self->lock);
  while ((a = g_queue_pop_head (&self->results))) {
    gst_buffer_add_axion_analysis_meta (buf, a);
    gst_axion_analysis_free (a);
    self->attached++;
  }
  g_mutex_unlock (&self->lock);
}

static GstFlowReturn
gst_axion_claude_transform_ip (GstBaseTransform *bt, GstBuffer *buf)
{
  GstAxionClaude *self = GST_AXION_CLAUDE (bt);
  GstAxionFrameMeta *fm = gst_buffer_get_or_add_axion_frame_meta (buf);
  gint64 now = g_get_monotonic_time (), event_id = 0;
  gchar *detections = NULL;
  const gchar *trigger;
  guint min_interval, qsize;

  ensure_camera_id (self, fm);
  attach_results (self, buf);
  gst_buffer_replace (&self->last_buffer, buf);

  trigger = pick_trigger (self, buf, fm, now, &event_id, &detections);
  if (trigger == NULL)
    goto out;

  g_mutex_lock (&self->lock);
  self->triggers++;
  g_mutex_unlock (&self->lock);
  if (g_str_equal (trigger, "heartbeat"))
    self->last_heartbeat_us = now;

  GST_OBJECT_LOCK (self);
  min_interval = self->min_interval_ms;
  qsize = self->queue_size;
  GST_OBJECT_UNLOCK (self);

  if (!have_api_key (self)) {
    if (!self->warned_no_key) {
      self->warned_no_key = TRUE;
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
          ("No Claude API key: frames are not analysed"),
          ("set ANTHROPIC_API_KEY in the environment (or the api-key "
           "property) to enable scene analysis"));
    }
    g_mutex_lock (&self->lock);
    self->skipped_budget++;
    g_mutex_unlock (&self->lock);
    goto out;
  }
  if (self->last_pick_us && now - self->last_pick_us < min_interval * 1000LL) {
    g_mutex_lock (&self->lock);
    self->skipped_interval++;
    g_mutex_unlock (&self->lock);
    goto out;
  }

  g_mutex_lock (&self->lock);
  if (g_queue_get_length (&self->jobs) >= qsize) {
    self->skipped_queue++;
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self, "queue full (%u): frame not analysed", qsize);
    goto out;
  }
  g_mutex_unlock (&self->lock);

  {
    Job *j = g_new0 (Job, 1);
    GstBuffer *copy = gst_buffer_copy_deep (buf);
    GstCaps *caps = gst_pad_get_current_caps (bt->sinkpad);

    /* the copy carries no metas of ours: it is only pixels for the API */
    j->sample = gst_sample_new (copy, caps, NULL, NULL);
    gst_buffer_unref (copy);
    gst_clear_caps (&caps);
    j->camera_id = g_strdup (self->camera_id);
    j->trigger = trigger;
    j->trigger_event_id = event_id;
    j->frame_number = gst_axion_frame_meta_has (
                          fm, GST_AXION_FRAME_FIELD_FRAME_NUMBER)
        ? fm->frame_number
        : 0;
    j->capture_us = gst_axion_frame_meta_has (
                        fm, GST_AXION_FRAME_FIELD_CAPTURE_TIME)
        ? fm->capture_time_us
        : g_get_real_time ();
    j->has_scene = gst_axion_frame_meta_has (
        fm, GST_AXION_FRAME_FIELD_SCENE_HASH);
    j->scene_hash = fm->scene_hash;
    j->detections = detections;
    detections = NULL;
    j->motion_score = gst_axion_frame_meta_has (
                          fm, GST_AXION_FRAME_FIELD_MOTION)
        ? fm->motion_score
        : 0.0;
    self->last_pick_us = now;
    GST_DEBUG_OBJECT (self,
        "camera %s frame %" G_GUINT64_FORMAT ": %s, queued for analysis",
        j->camera_id, j->frame_number, trigger);
    g_mutex_lock (&self->lock);
    g_queue_push_tail (&self->jobs, j);
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  }
out:
  g_free (detections);
  return GST_FLOW_OK;
}

/* At EOS: let queued work finish (bounded), then hand the results on in
 * one carrier buffer (the last frame's memory, without frame metadata). */
static void
drain (GstAxionClaude *self)
{
  guint timeout_ms;
  gint64 until;
  gboolean pending;

  GST_OBJECT_LOCK (self);
  timeout_ms = self->drain_timeout_ms;
  GST_OBJECT_UNLOCK (self);
  until = g_get_monotonic_time () + timeout_ms * 1000LL;
  g_mutex_lock (&self->lock);
  while (!self->stopping &&
      (!g_queue_is_empty (&self->jobs) || self->in_flight > 0) &&
      g_get_monotonic_time () < until)
    g_cond_wait_until (&self->cond, &self->lock, until);
  if (!g_queue_is_empty (&self->jobs) || self->in_flight > 0)
    GST_WARNING_OBJECT (self,
        "EOS: %u frames still queued or in flight "
        "after drain-timeout-ms; their analyses are lost",
        g_queue_get_length (&self->jobs) + self->in_flight);
  pending = !g_queue_is_empty (&self->results);
  g_mutex_unlock (&self->lock);

  if (pending && self->last_buffer) {
    GstBuffer *carrier = gst_buffer_copy (self->last_buffer);
    GstMeta *m;
    gpointer state = NULL;
    GList *drop = NULL;
    while ((m = gst_buffer_iterate_meta (carrier, &state)))
      drop = g_list_prepend (drop, m);
    for (GList *l = drop; l; l = l->next)
      gst_buffer_remove_meta (carrier, l->data);
    g_list_free (drop);
    GST_BUFFER_FLAG_SET (carrier, GST_BUFFER_FLAG_DECODE_ONLY);
    attach_results (self, carrier);
    GST_INFO_OBJECT (self, "EOS: analyses handed on in a carrier buffer");
    gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), carrier);
  }
}

static gboolean
gst_axion_claude_sink_event (GstBaseTransform *bt, GstEvent *event)
{
  GstAxionClaude *self = GST_AXION_CLAUDE (bt);
  const gchar *id = NULL, *uri = NULL;

  if (gst_axion_camera_id_event_parse (event, &id, &uri)) {
    g_free (self->camera_id);
    self->camera_id = g_strdup (id);
    g_free (self->source_uri);
    self->source_uri = g_strdup (uri);
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    drain (self);
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (bt, event);
}

/* ---- Redis URL ---------------------------------------------------------- */

/* gst_axion_redis_url_parse, with error messages that never quote the URL
 * (GLib's may), and refusing what can only be an unencoded reserved
 * character in a password: a fragment ('#'), or an '@' after the host
 * part ("redis://user:12#secret@host" would otherwise parse as host "user",
 * port 12). */
static gboolean
redis_url_parse (const gchar *url, GstAxionRedisUrl *out, GError **error)
{
  GError *err = NULL;
  GUri *uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD, NULL);
  gboolean stray = FALSE;
  const gchar *why;

  memset (out, 0, sizeof (*out));
  if (uri) {
    const gchar *path = g_uri_get_path (uri), *query = g_uri_get_query (uri);
    stray = g_uri_get_fragment (uri) != NULL ||
        (g_strcmp0 (g_uri_get_scheme (uri), "redis") == 0 &&
            ((path && strchr (path, '@')) || (query && strchr (query, '@'))));
    g_uri_unref (uri);
  }
  if (stray) {
    g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_BAD_PASSWORD,
        "a '#', '/', '?' or '@' in the user or password must be "
        "percent-encoded");
    return FALSE;
  }
  if (gst_axion_redis_url_parse (url, out, &err))
    return TRUE;
  switch (err->domain == G_URI_ERROR ? err->code : -1) {
  case G_URI_ERROR_BAD_SCHEME:
    why = "the scheme is not redis:// or unix://";
    break;
  case G_URI_ERROR_BAD_USER:
  case G_URI_ERROR_BAD_PASSWORD:
  case G_URI_ERROR_BAD_AUTH_PARAMS:
    why = "the user or password is not valid (percent-encode reserved "
          "characters)";
    break;
  case G_URI_ERROR_BAD_HOST:
    why = "no valid host or socket path";
    break;
  case G_URI_ERROR_BAD_PORT:
    why = "the port is not a number from 1 to 65535 (or a reserved "
          "character of the password is not percent-encoded)";
    break;
  case G_URI_ERROR_BAD_PATH:
    why = "the database number is not valid";
    break;
  default:
    why = "not a valid URL (a '%' not followed by two hex digits?)";
    break;
  }
  g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_FAILED, why);
  g_error_free (err);
  return FALSE;
}

/* redis-url as read back: rebuilt from its parts, without user and
 * password; "" when it cannot be parsed */
static gchar *
redis_url_shown (const gchar *url)
{
  GstAxionRedisUrl u;
  gchar *shown;

  if (url == NULL || *url == '\0')
    return g_strdup (url);
  if (!redis_url_parse (url, &u, NULL))
    return g_strdup ("");
  if (u.path)
    shown = g_strdup_printf ("unix://%s?db=%d", u.path, u.db);
  else if (strchr (u.host, ':'))
    shown = g_strdup_printf ("redis://[%s]:%d/%d", u.host, u.port, u.db);
  else
    shown = g_strdup_printf ("redis://%s:%d/%d", u.host, u.port, u.db);
  gst_axion_redis_url_clear (&u);
  return shown;
}

/* ---- start / stop ------------------------------------------------------- */

static gboolean
gst_axion_claude_start (GstBaseTransform *bt)
{
  GstAxionClaude *self = GST_AXION_CLAUDE (bt);
  guint workers;
  gchar *url;
  GError *err = NULL;

  GST_OBJECT_LOCK (self);
  if (self->api_key == NULL) {
    const gchar *env = g_getenv ("ANTHROPIC_API_KEY");
    if (env && *env)
      self->api_key = g_strdup (env);
  }
  workers = self->workers;
  url = g_strdup (self->redis_url);
  g_free (self->run_prefix);
  self->run_prefix = g_strdup (self->redis_prefix);
  GST_OBJECT_UNLOCK (self);

  self->have_redis = FALSE;
  if (url && *url) {
#ifdef HAVE_HIREDIS
    if (!redis_url_parse (url, &self->rurl, &err)) {
      /* neither the URL nor GLib's message (which may quote a part of
       * it, e.g. "Could not parse port 'pa'" of an unencoded '#' in the
       * password) is shown */
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Invalid redis-url (not shown: it may contain a password): %s",
              err->message),
          ("use redis://[user:password@]host:port/db or "
           "unix:///path/redis.sock?db=N&password=P, with the reserved "
           "characters of user and password percent-encoded (%% as %%25, "
           "# as %%23, @ as %%40, / as %%2F, ? as %%3F, : as %%3A)"));
      g_error_free (err);
      g_free (url);
      return FALSE;
    }
    self->have_redis = TRUE;
#else
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("This axionclaude has no Redis support"),
        ("hiredis was not found at build time; unset redis-url"));
    g_free (url);
    return FALSE;
#endif
  }
  g_free (url);

  self->stopping = FALSE;
  self->last_pick_us = self->last_heartbeat_us = 0;
  self->warned_no_key = FALSE;
  g_hash_table_remove_all (self->labels_seen);
  self->threads = g_ptr_array_new ();
  for (guint i = 0; i < workers; i++)
    g_ptr_array_add (
        self->threads, g_thread_new ("axion-claude", worker_main, self));
  return TRUE;
}

static gboolean
gst_axion_claude_stop (GstBaseTransform *bt)
{
  GstAxionClaude *self = GST_AXION_CLAUDE (bt);
  GstAxionAnalysis *a;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; self->threads && i < self->threads->len; i++)
    g_thread_join (g_ptr_array_index (self->threads, i));
  g_clear_pointer (&self->threads, g_ptr_array_unref);
  g_queue_clear_full (&self->jobs, (GDestroyNotify) job_free);
  while ((a = g_queue_pop_head (&self->results)))
    gst_axion_analysis_free (a);
  g_queue_clear_full (&self->context, g_free);
  gst_clear_buffer (&self->last_buffer);
  g_clear_pointer (&self->camera_id, g_free);
  g_clear_pointer (&self->source_uri, g_free);
#ifdef HAVE_HIREDIS
  g_mutex_lock (&self->redis_lock);
  if (self->rctx)
    redisFree (self->rctx);
  self->rctx = NULL;
  self->redis_retry_us = 0;
  g_mutex_unlock (&self->redis_lock);
#endif
  gst_axion_redis_url_clear (&self->rurl);
  return TRUE;
}

/* ---- properties --------------------------------------------------------- */

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

static GstStructure *
make_stats (GstAxionClaude *self)
{
  GstStructure *s, *retries;
  gdouble lat[256], p50 = 0, p95 = 0;
  guint n;
  GHashTableIter it;
  gpointer k, v;

  g_mutex_lock (&self->lock);
  n = self->n_lat;
  memcpy (lat, self->latencies, n * sizeof (gdouble));
  retries = gst_structure_new_empty ("retries");
  g_hash_table_iter_init (&it, self->retries_by_status);
  while (g_hash_table_iter_next (&it, &k, &v)) {
    gchar name[24];
    gint status = GPOINTER_TO_INT (k);
    if (status == 0)
      g_strlcpy (name, "connection", sizeof (name));
    else
      g_snprintf (name, sizeof (name), "http-%d", status);
    gst_structure_set (
        retries, name, G_TYPE_UINT64, (guint64) GPOINTER_TO_UINT (v), NULL);
  }
  s = gst_structure_new ("application/x-axion-claude-stats", "camera-id",
      G_TYPE_STRING, self->camera_id ? self->camera_id : "", "triggers",
      G_TYPE_UINT64, self->triggers, "calls", G_TYPE_UINT64, self->calls,
      "answers", G_TYPE_UINT64, self->answers, "field-errors", G_TYPE_UINT64,
      self->field_errors, "errors", G_TYPE_UINT64, self->errors, "retries",
      G_TYPE_UINT64, self->retries, "retries-by-status", GST_TYPE_STRUCTURE,
      retries, "skipped-interval", G_TYPE_UINT64, self->skipped_interval,
      "skipped-dedupe", G_TYPE_UINT64, self->skipped_dedupe, "skipped-budget",
      G_TYPE_UINT64, self->skipped_budget, "skipped-queue", G_TYPE_UINT64,
      self->skipped_queue, "queued", G_TYPE_UINT,
      g_queue_get_length (&self->jobs), "in-flight", G_TYPE_UINT,
      self->in_flight, "analyses-attached", G_TYPE_UINT64, self->attached,
      "tokens-in", G_TYPE_UINT64, self->tokens_in, "tokens-out", G_TYPE_UINT64,
      self->tokens_out, "last-error", G_TYPE_STRING,
      self->last_error ? self->last_error : "", NULL);
  g_mutex_unlock (&self->lock);
  gst_structure_free (retries);
  if (n) {
    qsort (lat, n, sizeof (gdouble),
        (int (*) (const void *, const void *)) cmp_double);
    p50 = lat[n / 2];
    p95 = lat[MIN (n - 1, (guint) (n * 0.95))];
  }
  gst_structure_set (s, "latency-p50-ms", G_TYPE_DOUBLE, p50, "latency-p95-ms",
      G_TYPE_DOUBLE, p95, NULL);
  return s;
}

#define SET_STR(field)                                                         \
  G_STMT_START                                                                 \
  {                                                                            \
    g_free (self->field);                                                      \
    self->field = g_value_dup_string (value);                                  \
  }                                                                            \
  G_STMT_END

static void
gst_axion_claude_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstAxionClaude *self = GST_AXION_CLAUDE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_API_KEY:
    if (self->api_key)
      memset (self->api_key, 0, strlen (self->api_key));
    SET_STR (api_key);
    break;
  case PROP_API_URL: {
    gchar *u = g_value_dup_string (value);
    if (u == NULL || *u == '\0') {
      g_free (u);
      u = g_strdup (DEFAULT_API_URL);
    }
    while (g_str_has_suffix (u, "/"))
      u[strlen (u) - 1] = '\0';
    g_free (self->api_url);
    self->api_url = u;
    break;
  }
  case PROP_MODEL:
    SET_STR (model);
    if (self->model == NULL)
      self->model = g_strdup (DEFAULT_MODEL);
    break;
  case PROP_MAX_TOKENS:
    self->max_tokens = g_value_get_uint (value);
    break;
  case PROP_SYSTEM_PROMPT:
    SET_STR (system_prompt);
    break;
  case PROP_PROMPT:
    SET_STR (prompt);
    if (self->prompt == NULL)
      self->prompt = g_strdup (DEFAULT_PROMPT);
    break;
  case PROP_REQUEST_TYPE: {
    const gchar *t = g_value_get_string (value);
    static const gchar *ok[] = { "scene_description", "anomaly_detection",
      "pattern_analysis", "real_time_query", NULL };
    if (t == NULL || !g_strv_contains (ok, t)) {
      GST_OBJECT_UNLOCK (self);
      g_warning ("%s: request-type must be one of scene_description, "
                 "anomaly_detection, pattern_analysis, real_time_query",
          GST_OBJECT_NAME (self));
      return;
    }
    SET_STR (request_type);
    break;
  }
  case PROP_TRIGGER_MOTION:
    self->trigger_motion = g_value_get_boolean (value);
    break;
  case PROP_TRIGGER_SCENE_CHANGE:
    self->trigger_scene_change = g_value_get_boolean (value);
    break;
  case PROP_SCENE_CHANGE_THRESHOLD:
    self->scene_change_threshold = g_value_get_double (value);
    break;
  case PROP_TRIGGER_NEW_OBJECT:
    self->trigger_new_object = g_value_get_boolean (value);
    break;
  case PROP_HEARTBEAT_S:
    self->heartbeat_s = g_value_get_uint (value);
    break;
  case PROP_MIN_INTERVAL_MS:
    self->min_interval_ms = g_value_get_uint (value);
    break;
  case PROP_DEDUPE_WINDOW_S:
    self->dedupe_window_s = g_value_get_uint (value);
    break;
  case PROP_CALLS_PER_MINUTE:
    self->calls_per_minute = g_value_get_uint (value);
    break;
  case PROP_CAMERA_CALLS_PER_MINUTE:
    self->camera_calls_per_minute = g_value_get_uint (value);
    break;
  case PROP_TOKENS_PER_DAY:
    self->tokens_per_day = g_value_get_uint64 (value);
    break;
  case PROP_QUEUE_SIZE:
    self->queue_size = g_value_get_uint (value);
    break;
  case PROP_WORKERS:
    self->workers = g_value_get_uint (value);
    break;
  case PROP_MAX_RETRIES:
    self->max_retries = g_value_get_uint (value);
    break;
  case PROP_TIMEOUT_MS:
    self->timeout_ms = g_value_get_uint (value);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    self->connect_timeout_ms = g_value_get_uint (value);
    break;
  case PROP_MAX_IMAGE_EDGE:
    self->max_image_edge = g_value_get_uint (value);
    break;
  case PROP_CONTEXT_ANALYSES:
    self->context_analyses = g_value_get_uint (value);
    break;
  case PROP_DRAIN_TIMEOUT_MS:
    self->drain_timeout_ms = g_value_get_uint (value);
    break;
  case PROP_REDIS_URL:
    SET_STR (redis_url);
    break;
  case PROP_KEY_PREFIX:
  case PROP_REDIS_PREFIX: {
    /* "axion" and "axion:" alike (redis-prefix took the ':'); empty: the
     * default, as axionredissink */
    gchar *p = g_strdup (g_value_get_string (value));
    if (p)
      while (g_str_has_suffix (p, ":"))
        p[strlen (p) - 1] = '\0';
    g_free (self->redis_prefix);
    self->redis_prefix = g_strconcat (
        p && *p ? p : DEFAULT_KEY_PREFIX, ":", NULL);
    g_free (p);
    break;
  }
  case PROP_CAMERA_ID:
    gst_axion_camera_id_property_set (
        GST_OBJECT (self), &self->camera_id_prop, g_value_get_string (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_axion_claude_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstAxionClaude *self = GST_AXION_CLAUDE (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
  case PROP_API_URL:
    g_value_take_string (
        value, gst_axion_uri_strip_credentials (self->api_url));
    break;
  case PROP_MODEL:
    g_value_set_string (value, self->model);
    break;
  case PROP_MAX_TOKENS:
    g_value_set_uint (value, self->max_tokens);
    break;
  case PROP_SYSTEM_PROMPT:
    g_value_set_string (value, self->system_prompt);
    break;
  case PROP_PROMPT:
    g_value_set_string (value, self->prompt);
    break;
  case PROP_REQUEST_TYPE:
    g_value_set_string (value, self->request_type);
    break;
  case PROP_TRIGGER_MOTION:
    g_value_set_boolean (value, self->trigger_motion);
    break;
  case PROP_TRIGGER_SCENE_CHANGE:
    g_value_set_boolean (value, self->trigger_scene_change);
    break;
  case PROP_SCENE_CHANGE_THRESHOLD:
    g_value_set_double (value, self->scene_change_threshold);
    break;
  case PROP_TRIGGER_NEW_OBJECT:
    g_value_set_boolean (value, self->trigger_new_object);
    break;
  case PROP_HEARTBEAT_S:
    g_value_set_uint (value, self->heartbeat_s);
    break;
  case PROP_MIN_INTERVAL_MS:
    g_value_set_uint (value, self->min_interval_ms);
    break;
  case PROP_DEDUPE_WINDOW_S:
    g_value_set_uint (value, self->dedupe_window_s);
    break;
  case PROP_CALLS_PER_MINUTE:
    g_value_set_uint (value, self->calls_per_minute);
    break;
  case PROP_CAMERA_CALLS_PER_MINUTE:
    g_value_set_uint (value, self->camera_calls_per_minute);
    break;
  case PROP_TOKENS_PER_DAY:
    g_value_set_uint64 (value, self->tokens_per_day);
    break;
  case PROP_QUEUE_SIZE:
    g_value_set_uint (value, self->queue_size);
    break;
  case PROP_WORKERS:
    g_value_set_uint (value, self->workers);
    break;
  case PROP_MAX_RETRIES:
    g_value_set_uint (value, self->max_retries);
    break;
  case PROP_TIMEOUT_MS:
    g_value_set_uint (value, self->timeout_ms);
    break;
  case PROP_CONNECT_TIMEOUT_MS:
    g_value_set_uint (value, self->connect_timeout_ms);
    break;
  case PROP_MAX_IMAGE_EDGE:
    g_value_set_uint (value, self->max_image_edge);
    break;
  case PROP_CONTEXT_ANALYSES:
    g_value_set_uint (value, self->context_analyses);
    break;
  case PROP_DRAIN_TIMEOUT_MS:
    g_value_set_uint (value, self->drain_timeout_ms);
    break;
  case PROP_REDIS_URL:
    g_value_take_string (value, redis_url_shown (self->redis_url));
    break;
  case PROP_KEY_PREFIX:
    g_value_take_string (
        value, g_strndup (self->redis_prefix, strlen (self->redis_prefix) - 1));
    break;
  case PROP_REDIS_PREFIX:
    g_value_set_string (value, self->redis_prefix);
    break;
  case PROP_CAMERA_ID:
    g_value_set_string (
        value, self->camera_id_prop ? self->camera_id_prop : self->camera_id);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- class -------------------------------------------------------------- */

static void
gst_axion_claude_finalize (GObject *object)
{
  GstAxionClaude *self = GST_AXION_CLAUDE (object);

  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self->api_url);
  g_free (self->model);
  g_free (self->system_prompt);
  g_free (self->prompt);
  g_free (self->request_type);
  g_free (self->redis_url);
  g_free (self->redis_prefix);
  g_free (self->run_prefix);
  g_free (self->camera_id_prop);
  g_free (self->camera_id);
  g_free (self->source_uri);
  g_free (self->last_error);
  g_hash_table_unref (self->labels_seen);
  g_hash_table_unref (self->retries_by_status);
  gst_axion_scene_index_free (self->scenes);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->redis_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_uint (GObjectClass *oc, guint id, const gchar *name, const gchar *nick,
    const gchar *blurb, guint min, guint max, guint def)
{
  g_object_class_install_property (oc, id,
      g_param_spec_uint (name, nick, blurb, min, max, def,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
}

static void
install_bool (GObjectClass *oc, guint id, const gchar *name, const gchar *nick,
    const gchar *blurb, gboolean def)
{
  g_object_class_install_property (oc, id,
      g_param_spec_boolean (name, nick, blurb, def,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
}

static void
install_string (GObjectClass *oc, guint id, const gchar *name,
    const gchar *nick, const gchar *blurb, const gchar *def)
{
  g_object_class_install_property (oc, id,
      g_param_spec_string (
          name, nick, blurb, def, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
gst_axion_claude_class_init (GstAxionClaudeClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GstElementClass *ec = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *bc = GST_BASE_TRANSFORM_CLASS (klass);

  oc->set_property = gst_axion_claude_set_property;
  oc->get_property = gst_axion_claude_get_property;
  oc->finalize = gst_axion_claude_finalize;
  bc->transform_ip = GST_DEBUG_FUNCPTR (gst_axion_claude_transform_ip);
  bc->sink_event = GST_DEBUG_FUNCPTR (gst_axion_claude_sink_event);
  bc->start = GST_DEBUG_FUNCPTR (gst_axion_claude_start);
  bc->stop = GST_DEBUG_FUNCPTR (gst_axion_claude_stop);
  bc->passthrough_on_same_caps = FALSE;
  bc->transform_ip_on_passthrough = TRUE;

  g_object_class_install_property (oc, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "Anthropic API key (write-only, never read back or logged); "
          "default: the ANTHROPIC_API_KEY environment variable",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS));
  install_string (oc, PROP_API_URL, "api-url", "API URL",
      "Base URL of the Messages API (POST <api-url>/v1/messages); a proxy or "
      "test server may be given. TLS certificates are always verified",
      DEFAULT_API_URL);
  install_string (
      oc, PROP_MODEL, "model", "Model", "Claude model id", DEFAULT_MODEL);
  install_uint (oc, PROP_MAX_TOKENS, "max-tokens", "Max tokens",
      "Output token limit per call", 64, 64000, DEFAULT_MAX_TOKENS);
  install_string (oc, PROP_SYSTEM_PROMPT, "system-prompt", "System prompt",
      "System prompt of every call", DEFAULT_SYSTEM_PROMPT);
  install_string (oc, PROP_PROMPT, "prompt", "Prompt template",
      "Text sent with the image; ${camera_id}, ${time} (UTC), ${trigger}, "
      "${detections}, ${motion_score} and ${context} (recent analyses of "
      "the camera) are replaced",
      DEFAULT_PROMPT);
  install_string (oc, PROP_REQUEST_TYPE, "request-type", "Request type",
      "claude_analyses.request_type: scene_description, anomaly_detection, "
      "pattern_analysis or real_time_query",
      "scene_description");
  install_bool (oc, PROP_TRIGGER_MOTION, "trigger-motion", "Trigger on motion",
      "Analyse the frame where a motion event starts (axionmotion)", TRUE);
  install_bool (oc, PROP_TRIGGER_SCENE_CHANGE, "trigger-scene-change",
      "Trigger on scene change",
      "Analyse frames whose scene-change score (axionhash) reaches "
      "scene-change-threshold",
      TRUE);
  g_object_class_install_property (oc, PROP_SCENE_CHANGE_THRESHOLD,
      g_param_spec_double ("scene-change-threshold", "Scene change threshold",
          "Scene-change score that triggers an analysis", 0.0, 1.0,
          DEFAULT_SCENE_CHANGE_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  install_bool (oc, PROP_TRIGGER_NEW_OBJECT, "trigger-new-object",
      "Trigger on a new object class",
      "Analyse a frame whose detections contain a class not seen before on "
      "this camera",
      TRUE);
  install_uint (oc, PROP_HEARTBEAT_S, "heartbeat-s", "Heartbeat (s)",
      "Analyse a frame at least this often per camera, in seconds (0 = off)", 0,
      G_MAXUINT, 0);
  install_uint (oc, PROP_MIN_INTERVAL_MS, "min-interval-ms",
      "Minimum interval (ms)",
      "At most one frame per camera is selected in this many milliseconds", 0,
      G_MAXUINT, DEFAULT_MIN_INTERVAL_MS);
  install_uint (oc, PROP_DEDUPE_WINDOW_S, "dedupe-window-s",
      "Dedupe window (s)",
      "Skip frames whose scene hash (axionhash) was analysed within this "
      "many seconds (0 = off)",
      0, 86400, DEFAULT_DEDUPE_WINDOW_S);
  install_uint (oc, PROP_CALLS_PER_MINUTE, "calls-per-minute",
      "Calls per minute",
      "Budget of API calls per minute for all cameras (through Redis: all "
      "processes; 0 = unlimited)",
      0, G_MAXUINT, DEFAULT_CALLS_PER_MINUTE);
  install_uint (oc, PROP_CAMERA_CALLS_PER_MINUTE, "camera-calls-per-minute",
      "Camera calls per minute",
      "Budget of API calls per minute and camera (0 = unlimited)", 0, G_MAXUINT,
      DEFAULT_CAMERA_CALLS_PER_MINUTE);
  g_object_class_install_property (oc, PROP_TOKENS_PER_DAY,
      g_param_spec_uint64 ("tokens-per-day", "Tokens per day",
          "Budget of input + output tokens per UTC day (through Redis: all "
          "processes; 0 = unlimited)",
          0, G_MAXUINT64, DEFAULT_TOKENS_PER_DAY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  install_uint (oc, PROP_QUEUE_SIZE, "queue-size", "Queue size",
      "Frames waiting for a worker; a selected frame is skipped (counted) "
      "when the queue is full",
      1, 1000, DEFAULT_QUEUE_SIZE);
  install_uint (oc, PROP_WORKERS, "workers", "Workers",
      "Worker threads (concurrent API calls); set before starting", 1, 64,
      DEFAULT_WORKERS);
  install_uint (oc, PROP_MAX_RETRIES, "max-retries", "Max retries",
      "Retries of a failed call (408, 409, 429, 5xx, connection errors, or "
      "as x-should-retry says)",
      0, 100, DEFAULT_MAX_RETRIES);
  install_uint (oc, PROP_TIMEOUT_MS, "timeout-ms", "Timeout (ms)",
      "Limit of one HTTP attempt, in milliseconds", 100, 3600000,
      DEFAULT_TIMEOUT_MS);
  install_uint (oc, PROP_CONNECT_TIMEOUT_MS, "connect-timeout-ms",
      "Connect timeout (ms)", "Limit of connecting, in milliseconds", 100,
      600000, DEFAULT_CONNECT_TIMEOUT_MS);
  install_uint (oc, PROP_MAX_IMAGE_EDGE, "max-image-edge", "Max image edge",
      "Frames are downscaled to this long edge (and to 1.15 megapixels) "
      "before JPEG encoding, in pixels; cost ~ width x height / 750 tokens",
      64, AXION_CLAUDE_MAX_EDGE, DEFAULT_MAX_IMAGE_EDGE);
  install_uint (oc, PROP_CONTEXT_ANALYSES, "context-analyses",
      "Context analyses",
      "Recent analyses of the camera given to Claude as ${context}", 0, 20,
      DEFAULT_CONTEXT_ANALYSES);
  install_uint (oc, PROP_DRAIN_TIMEOUT_MS, "drain-timeout-ms",
      "Drain timeout (ms)",
      "At EOS, wait this long for queued and running analyses", 0, 600000,
      DEFAULT_DRAIN_TIMEOUT_MS);
  install_string (oc, PROP_REDIS_URL, "redis-url", "Redis URL",
      "Share budgets and dedupe with other processes through Redis "
      "(redis://[user:password@]host:port/db or unix:///path?db=N); read "
      "back without credentials",
      NULL);
  install_string (oc, PROP_KEY_PREFIX, "key-prefix", "Key prefix",
      "Namespace of the Redis keys (<prefix>:claude:<camera>:scenes, ...), "
      "as axionredissink's key-prefix; a trailing ':' is accepted",
      DEFAULT_KEY_PREFIX);
  g_object_class_install_property (oc, PROP_REDIS_PREFIX,
      g_param_spec_string ("redis-prefix", "Redis prefix",
          "Deprecated: use key-prefix (the same namespace; this one reads "
          "back with the ':', e.g. \"axion:\")",
          DEFAULT_KEY_PREFIX ":",
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_DEPRECATED));
  install_string (oc, PROP_CAMERA_ID, "camera-id", "Camera id",
      "Camera id; default: from upstream Axion elements, else derived from "
      "the source URI",
      NULL);
  g_object_class_install_property (oc, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Triggers, calls, answers, field-errors (answers used with field "
          "problems), errors, retries (by status), skipped "
          "(interval, dedupe, budget, queue), tokens in/out, latency p50/p95",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (ec, &sink_template);
  gst_element_class_add_static_pad_template (ec, &src_template);
  gst_element_class_set_static_metadata (ec, "Axion Claude scene analysis",
      "Filter/Analyzer/Video",
      "Sends selected frames to Claude (Anthropic Messages API) and attaches "
      "the structured analysis to later buffers, without stalling video",
      "Axion developers");

  GST_DEBUG_CATEGORY_INIT (
      gst_axion_claude_debug, "axionclaude", 0, "Axion Claude scene analysis");
  g_mutex_init (&local_budget.lock);
  local_budget.cams = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, g_free);
  curl_global_init (CURL_GLOBAL_DEFAULT);
}

static void
gst_axion_claude_init (GstAxionClaude *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_mutex_init (&self->redis_lock);
  g_queue_init (&self->jobs);
  g_queue_init (&self->results);
  g_queue_init (&self->context);
  self->labels_seen = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);
  self->retries_by_status = g_hash_table_new (NULL, NULL);
  self->scenes = gst_axion_scene_index_new (3600);
  self->api_url = g_strdup (DEFAULT_API_URL);
  self->model = g_strdup (DEFAULT_MODEL);
  self->max_tokens = DEFAULT_MAX_TOKENS;
  self->system_prompt = g_strdup (DEFAULT_SYSTEM_PROMPT);
  self->prompt = g_strdup (DEFAULT_PROMPT);
  self->request_type = g_strdup ("scene_description");
  self->trigger_motion = self->trigger_scene_change = TRUE;
  self->trigger_new_object = TRUE;
  self->scene_change_threshold = DEFAULT_SCENE_CHANGE_THRESHOLD;
  self->min_interval_ms = DEFAULT_MIN_INTERVAL_MS;
  self->dedupe_window_s = DEFAULT_DEDUPE_WINDOW_S;
  self->calls_per_minute = DEFAULT_CALLS_PER_MINUTE;
  self->camera_calls_per_minute = DEFAULT_CAMERA_CALLS_PER_MINUTE;
  self->tokens_per_day = DEFAULT_TOKENS_PER_DAY;
  self->queue_size = DEFAULT_QUEUE_SIZE;
  self->workers = DEFAULT_WORKERS;
  self->max_retries = DEFAULT_MAX_RETRIES;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->max_image_edge = DEFAULT_MAX_IMAGE_EDGE;
  self->context_analyses = DEFAULT_CONTEXT_ANALYSES;
  self->drain_timeout_ms = DEFAULT_DRAIN_TIMEOUT_MS;
  self->redis_prefix = g_strdup (DEFAULT_KEY_PREFIX ":");
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
