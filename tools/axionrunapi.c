/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The web console's JSON API (docs/console.md):
 *   GET  /api/cameras                 the runner's cameras (main loop)
 *   GET  /api/events                  latest camera_events (not the
 *                                     motion "continue" of every frame),
 *                                     a track's best frame as snapshot
 *   GET  /api/alerts                  latest alerts, with their snapshot and
 *                                     Claude's description
 *   GET  /api/analyses                latest claude_analyses
 *   POST /api/alerts/ID/acknowledge   new -> acknowledged
 *   POST /api/alerts/ID/resolve       new, acknowledged, investigating ->
 *                                     resolved
 * PostgreSQL answers on a worker thread (one short connection per request,
 * 5 s statement timeout) while the message is paused: the main loop, and
 * so the cameras' restarts and the status line, never wait on it.
 * PostgreSQL builds the JSON itself (json_agg); ids are strings (64-bit ids
 * do not fit a JavaScript number).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunapi.h"

#include <gst/axion/axion.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#ifdef HAVE_PQ
#include <libpq-fe.h>
#endif

#define LIST_LIMIT "50"

/* ---- cameras (main loop) --------------------------------------------------
 */

static const gchar *
state_name (AxionCamState s)
{
  switch (s) {
  case AXION_CAM_STARTING:
    return "starting";
  case AXION_CAM_ONLINE:
    return "online";
  case AXION_CAM_OFFLINE:
    return "offline";
  default:
    return "stopped";
  }
}

/* the 600 one-second samples as 60 ten-second maxima (the sparkline) */
static void
add_motion (JsonBuilder *b, const gchar *id)
{
  guint n = 0;
  const gdouble *v = axion_run_http_motion (id, &n);

  json_builder_set_member_name (b, "motion");
  json_builder_begin_array (b);
  for (guint i = 0; i + 10 <= n; i += 10) {
    gdouble m = -1;
    for (guint k = i; k < i + 10; k++)
      m = MAX (m, v[k]);
    if (m < 0)
      json_builder_add_null_value (b);
    else
      json_builder_add_double_value (b, m);
  }
  json_builder_end_array (b);
}

static void
add_snapshot (JsonBuilder *b, const gchar *id)
{
  gchar *dir = gst_axion_camera_id_to_filename (id);
  gchar *path = g_build_filename (
      axion_run_http_snapshot_root (), dir, "latest.jpg", NULL);
  GStatBuf st;

  json_builder_set_member_name (b, "snapshot");
  if (g_stat (path, &st) == 0) {
    /* the file's time in the URL: the browser fetches each new one */
    gchar *url = g_strdup_printf (
        "/snapshots/%s/latest.jpg?t=%" G_GINT64_FORMAT, dir,
        (gint64) st.st_mtime);
    json_builder_add_string_value (b, url);
    g_free (url);
  } else {
    json_builder_add_null_value (b);
  }
  g_free (path);
  g_free (dir);
}

static void
add_double (JsonBuilder *b, const gchar *name, const GstStructure *st,
    const gchar *field)
{
  gdouble d;

  if (st && gst_structure_get_double (st, field, &d)) {
    json_builder_set_member_name (b, name);
    json_builder_add_double_value (b, d);
  }
}

static void
camera_json (JsonBuilder *b, AxionRunCamera *c)
{
  GstStructure *dlpu = axion_run_http_element_stats (c, "axiondlpusched");
  GstStructure *claude = axion_run_http_element_stats (c, "axionclaude");
  guint64 u = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, c->id);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state_name (c->state));
  json_builder_set_member_name (b, "fps");
  json_builder_add_double_value (b, c->fps);
  json_builder_set_member_name (b, "frames");
  json_builder_add_int_value (b, (guint) g_atomic_int_get (&c->frames));
  json_builder_set_member_name (b, "outages");
  json_builder_add_int_value (b, c->outages);
  if (c->last_error && c->state != AXION_CAM_ONLINE) {
    gchar *e = g_utf8_make_valid (c->last_error, -1);
    json_builder_set_member_name (b, "last_error");
    json_builder_add_string_value (b, e);
    g_free (e);
  }
  add_double (b, "accelerator_utilisation", dlpu, "accelerator-utilisation");
  if (claude && gst_structure_get_uint64 (claude, "calls", &u)) {
    json_builder_set_member_name (b, "claude_calls");
    json_builder_add_int_value (b, (gint64) u);
  }
  add_snapshot (b, c->id);
  add_motion (b, c->id);
  json_builder_end_object (b);
  if (dlpu)
    gst_structure_free (dlpu);
  if (claude)
    gst_structure_free (claude);
}

static void
cameras (SoupServerMessage *msg)
{
  JsonBuilder *b = json_builder_new ();
  GPtrArray *cams = axion_run.cfg.cameras;
  JsonNode *root;
  gchar *text;

  json_builder_begin_array (b);
  for (guint i = 0; i < cams->len; i++)
    camera_json (b, g_ptr_array_index (cams, i));
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  axion_run_http_reply (msg, 200, "application/json", text, strlen (text));
}

/* ---- PostgreSQL (worker thread) -------------------------------------------
 */

typedef struct
{
  gchar *conninfo;
  const gchar *sql;
  gchar *params[6];
  guint n_params;
  /* results */
  guint status;
  gchar *body;
  const gchar *type;
} Query;

static void
query_free (Query *q)
{
  g_free (q->conninfo);
  for (guint i = 0; i < G_N_ELEMENTS (q->params); i++)
    g_free (q->params[i]);
  g_free (q->body);
  g_free (q);
}

/* the snapshot as a URL under /snapshots/ when it lies in the root ($1):
 * a track's best frame (axionsnapshot: track_ended's event_data) */
static const gchar sql_events[] =
    "SELECT coalesce(json_agg(e), '[]')::text FROM ("
    "SELECT event_id::text AS id, camera_id, event_type, event_phase, "
    "event_timestamp, motion_score, object_count, alert_generated, "
    "CASE WHEN starts_with(event_data->>'snapshot_path', $1 || '/') "
    "THEN '/snapshots/' || substr(event_data->>'snapshot_path', "
    "length($1) + 2) END AS snapshot "
    "FROM camera_events WHERE event_phase IS DISTINCT FROM 'continue' "
    "ORDER BY event_timestamp DESC LIMIT " LIST_LIMIT ") e";

/* the snapshot as a URL under /snapshots/ when it lies in the root ($1) */
static const gchar sql_alerts[] =
    "SELECT coalesce(json_agg(a), '[]')::text FROM ("
    "SELECT a.alert_id::text AS id, a.camera_id, a.alert_type, a.severity, "
    "a.status, a.title, a.description, a.created_at, a.acknowledged_by, "
    "a.acknowledged_at, a.resolved_by, a.resolved_at, "
    "a.alert_data->>'rule' AS rule, "
    "CASE WHEN starts_with(a.alert_data->>'snapshot_path', $1 || '/') "
    "THEN '/snapshots/' || substr(a.alert_data->>'snapshot_path', "
    "length($1) + 2) END AS snapshot, "
    "c.scene_description AS claude_description, "
    "c.primary_insight AS claude_insight "
    "FROM alerts a LEFT JOIN claude_analyses c "
    "ON c.analysis_id = a.claude_analysis_id "
    "ORDER BY a.created_at DESC LIMIT " LIST_LIMIT ") a";

static const gchar sql_analyses[] =
    "SELECT coalesce(json_agg(c), '[]')::text FROM ("
    "SELECT analysis_id::text AS id, camera_id, event_timestamp, "
    "primary_insight, scene_description, risk_assessment, tokens_used "
    "FROM claude_analyses ORDER BY event_timestamp DESC LIMIT 20) c";

/* tools/axion-alerts' lifecycle: the update only from the allowed states
 * ($5), and its audit_log row, in one statement (one transaction).
 * Answers the old status and the new one (NULL: not allowed). */
static const gchar sql_action[] =
    "WITH old AS (SELECT status FROM alerts WHERE alert_id = $1::bigint), "
    "u AS (UPDATE alerts SET status = $2, "
    "acknowledged_by = CASE WHEN $3 = 'acknowledge' "
    "THEN coalesce(acknowledged_by, $4) ELSE acknowledged_by END, "
    "acknowledged_at = CASE WHEN $3 = 'acknowledge' "
    "THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END, "
    "resolved_by = CASE WHEN $3 = 'resolve' THEN $4 ELSE resolved_by END, "
    "resolved_at = CASE WHEN $3 = 'resolve' THEN now() ELSE resolved_at END "
    "WHERE alert_id = $1::bigint AND status = ANY (string_to_array($5, ',')) "
    "RETURNING status), "
    "a AS (INSERT INTO audit_log (event_type, entity_type, entity_id, action, "
    "action_status, user_id, service_name, changes_made, severity, "
    "compliance_relevant) "
    "SELECT 'alert_lifecycle', 'alert', $1, $3, 'success', $4, "
    "'axion-run console', jsonb_build_object('old_status', "
    "(SELECT status FROM old), 'new_status', u.status), 'info', TRUE "
    "FROM u RETURNING 1) "
    "SELECT (SELECT status FROM old), (SELECT status FROM u), "
    "(SELECT count(*) FROM a)";

#ifdef HAVE_PQ
static void
run_query (GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
  Query *q = data;
  PGconn *conn = PQconnectdb (q->conninfo);
  PGresult *res = NULL;

  q->type = "application/json";
  if (PQstatus (conn) != CONNECTION_OK) {
    /* the conninfo may hold a password: libpq's message never does */
    q->status = 503;
    q->body = g_strdup_printf ("{\"error\":\"database unavailable\"}");
    goto done;
  }
  PQclear (PQexec (conn, "SET statement_timeout = 5000"));
  res = PQexecParams (conn, q->sql, q->n_params, NULL,
      (const gchar *const *) q->params, NULL, NULL, 0);
  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1) {
    g_printerr ("%s: http: query failed: %s", AXION_RUN_PROG,
        PQresultErrorMessage (res));
    q->status = 500;
    q->body = g_strdup ("{\"error\":\"query failed\"}");
  } else if (q->sql == sql_action) {
    const gchar *old = PQgetvalue (res, 0, 0);
    if (PQgetisnull (res, 0, 0)) {
      q->status = 404;
      q->body = g_strdup ("{\"error\":\"no such alert\"}");
    } else if (PQgetisnull (res, 0, 1)) {
      q->status = 409;
      q->body = g_strdup_printf (
          "{\"error\":\"the alert is %s: %s is allowed from %s\"}", old,
          q->params[2], q->params[4]);
    } else {
      q->status = 200;
      q->body = g_strdup_printf (
          "{\"id\":\"%s\",\"old_status\":\"%s\",\"status\":\"%s\"}",
          q->params[0], old, PQgetvalue (res, 0, 1));
    }
  } else {
    q->status = 200;
    q->body = g_strdup (PQgetvalue (res, 0, 0));
  }
done:
  PQclear (res);
  PQfinish (conn);
  g_task_return_boolean (task, TRUE);
}
#endif

static void
query_done (GObject *src, GAsyncResult *res, gpointer data)
{
  SoupServerMessage *msg = data;
  Query *q = g_task_get_task_data (G_TASK (res));

  gsize len = q->body ? strlen (q->body) : 0;

  axion_run_http_reply (
      msg, q->status, q->type, g_steal_pointer (&q->body), len);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

static void
query_start (SoupServerMessage *msg, const gchar *sql, guint n, ...)
{
#ifdef HAVE_PQ
  Query *q = g_new0 (Query, 1);
  const gchar *db = g_hash_table_lookup (axion_run.cfg.vars, "DB");
  GTask *task;
  va_list ap;

  /* a short connect timeout: a database that is away answers 503 soon */
  q->conninfo = g_strdup (db ? db : "");
  if (!strstr (q->conninfo, "connect_timeout") &&
      !g_str_has_prefix (q->conninfo, "postgres")) {
    gchar *c = g_strconcat (q->conninfo, " connect_timeout=3", NULL);
    g_free (q->conninfo);
    q->conninfo = c;
  }
  q->sql = sql;
  q->n_params = n;
  va_start (ap, n);
  for (guint i = 0; i < n; i++)
    q->params[i] = g_strdup (va_arg (ap, const gchar *));
  va_end (ap);
  soup_server_message_pause (msg);
  task = g_task_new (NULL, NULL, query_done, g_object_ref (msg));
  g_task_set_task_data (task, q, (GDestroyNotify) query_free);
  g_task_run_in_thread (task, run_query);
  g_object_unref (task);
#else
  axion_run_http_reply_text (msg, 501, "built without libpq\n");
#endif
}

/* ---- alert actions --------------------------------------------------------
 */

static gboolean
valid_id (const gchar *s)
{
  gsize n = strlen (s);

  if (n == 0 || n > 19)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* who acts: the "user" member of a JSON body, else "console" */
static gchar *
action_user (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  JsonParser *p = json_parser_new ();
  gchar *user = NULL;

  if (body && body->length > 0 && body->length < 4096 &&
      json_parser_load_from_data (p, body->data, body->length, NULL)) {
    JsonNode *root = json_parser_get_root (p);
    if (JSON_NODE_HOLDS_OBJECT (root)) {
      JsonObject *o = json_node_get_object (root);
      const gchar *u = json_object_has_member (o, "user")
          ? json_object_get_string_member_with_default (o, "user", NULL)
          : NULL;
      if (u && *u && g_utf8_strlen (u, -1) <= 64)
        user = g_strdup (u);
    }
  }
  g_object_unref (p);
  return user ? user : g_strdup ("console");
}

static void
alert_action (SoupServerMessage *msg, const gchar *rest)
{
  gchar **parts = g_strsplit (rest, "/", -1);
  const gchar *to = NULL, *from = NULL;

  if (g_strv_length (parts) == 2 && valid_id (parts[0])) {
    if (g_str_equal (parts[1], "acknowledge")) {
      to = "acknowledged";
      from = "new";
    } else if (g_str_equal (parts[1], "resolve")) {
      to = "resolved";
      from = "new,acknowledged,investigating";
    }
  }
  if (to == NULL) {
    axion_run_http_reply_text (msg, 404,
        "POST /api/alerts/ID/acknowledge or /api/alerts/ID/resolve\n");
  } else {
    gchar *user = action_user (msg);
    query_start (msg, sql_action, 5, parts[0], to, parts[1], user, from);
    g_free (user);
  }
  g_strfreev (parts);
}

void
axion_run_api_handle (SoupServer *server, SoupServerMessage *msg,
    const gchar *path, GHashTable *query)
{
  const gchar *method = soup_server_message_get_method (msg);

  if (g_str_equal (method, "POST") && g_str_has_prefix (path, "/api/alerts/")) {
    const gchar *type = soup_message_headers_get_content_type (
        soup_server_message_get_request_headers (msg), NULL);
    /* a JSON body: a form on another site cannot send one without the
     * browser asking first (CORS preflight, never answered here) */
    if (g_strcmp0 (type, "application/json") != 0)
      axion_run_http_reply_text (
          msg, 415, "send the action with Content-Type: application/json\n");
    else
      alert_action (msg, path + strlen ("/api/alerts/"));
    return;
  }
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD")) {
    axion_run_http_reply_text (msg, 405, "method not allowed\n");
    return;
  }
  if (g_str_equal (path, "/api/cameras"))
    cameras (msg);
  else if (g_str_equal (path, "/api/events"))
    query_start (msg, sql_events, 1, axion_run_http_snapshot_root ());
  else if (g_str_equal (path, "/api/alerts"))
    query_start (msg, sql_alerts, 1, axion_run_http_snapshot_root ());
  else if (g_str_equal (path, "/api/analyses"))
    query_start (msg, sql_analyses, 0);
  else
    axion_run_http_reply_text (msg, 404, "not found\n");
}
