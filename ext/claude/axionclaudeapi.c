/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionclaudeapi.h"

#include <curl/curl.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 8192
#define MAX_ITEMS 64
#define MAX_ITEM_TEXT 256

/* ---- request ------------------------------------------------------------ */

static void
add_string_prop (JsonBuilder *b, const gchar *name, const gchar *desc)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "string");
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, desc);
  json_builder_end_object (b);
}

static void
add_array_prop (JsonBuilder *b, const gchar *name, const gchar *desc)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "array");
  json_builder_set_member_name (b, "items");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "string");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, desc);
  json_builder_end_object (b);
}

static void
add_number_prop (JsonBuilder *b, const gchar *name, const gchar *type,
    gdouble min, gdouble max, const gchar *desc)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "minimum");
  if (g_str_equal (type, "integer"))
    json_builder_add_int_value (b, (gint64) min);
  else
    json_builder_add_double_value (b, min);
  json_builder_set_member_name (b, "maximum");
  if (g_str_equal (type, "integer"))
    json_builder_add_int_value (b, (gint64) max);
  else
    json_builder_add_double_value (b, max);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, desc);
  json_builder_end_object (b);
}

static void
add_bool_prop (JsonBuilder *b, const gchar *name, const gchar *desc)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "boolean");
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b, desc);
  json_builder_end_object (b);
}

static void
add_tool (JsonBuilder *b)
{
  static const gchar *required[] = { "primary_insight", "objects_identified",
    "activities_detected", "anomalies_flagged", "scene_description",
    "risk_assessment", "pattern_detected", "should_alert" };
  static const gchar *risks[] = { "none", "low", "medium", "high", "critical" };

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, AXION_CLAUDE_TOOL_NAME);
  json_builder_set_member_name (b, "description");
  json_builder_add_string_value (b,
      "Record the analysis of one security camera frame. Always call this "
      "tool exactly once with your findings.");
  json_builder_set_member_name (b, "input_schema");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "object");
  json_builder_set_member_name (b, "properties");
  json_builder_begin_object (b);
  add_string_prop (b, "primary_insight",
      "One sentence: the most important thing in this frame for security "
      "staff");
  add_number_prop (b, "confidence_score", "number", 0, 1,
      "Confidence in the insight, 0 to 1");
  add_array_prop (b, "objects_identified", "Objects visible, e.g. person");
  add_array_prop (b, "activities_detected", "What is happening");
  add_array_prop (b, "anomalies_flagged", "Anything unusual for this scene");
  add_string_prop (b, "scene_description", "A short description of the scene");
  json_builder_set_member_name (b, "risk_assessment");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "string");
  json_builder_set_member_name (b, "enum");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (risks); i++)
    json_builder_add_string_value (b, risks[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  add_bool_prop (b, "pattern_detected",
      "Whether this continues a pattern seen in the recent analyses given");
  add_string_prop (b, "pattern_type", "The pattern, e.g. loitering");
  add_number_prop (b, "pattern_confidence", "number", 0, 1,
      "Confidence in the pattern, 0 to 1");
  add_bool_prop (b, "should_alert", "Whether staff should be alerted now");
  add_string_prop (b, "alert_reason", "Why staff should be alerted");
  add_number_prop (b, "alert_severity", "integer", 1, 5,
      "1 (informational) to 5 (critical)");
  json_builder_end_object (b);
  json_builder_set_member_name (b, "required");
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    json_builder_add_string_value (b, required[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

gchar *
axion_claude_build_request (const gchar *model, guint max_tokens,
    const gchar *system, const gchar *prompt, const gchar *jpeg_base64)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *g;
  JsonNode *root;
  gchar *out;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, model);
  json_builder_set_member_name (b, "max_tokens");
  json_builder_add_int_value (b, max_tokens);
  if (system && *system) {
    json_builder_set_member_name (b, "system");
    json_builder_add_string_value (b, system);
  }
  json_builder_set_member_name (b, "messages");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, "user");
  json_builder_set_member_name (b, "content");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "image");
  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "base64");
  json_builder_set_member_name (b, "media_type");
  json_builder_add_string_value (b, "image/jpeg");
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, jpeg_base64);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "text");
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, prompt);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "tools");
  json_builder_begin_array (b);
  add_tool (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "tool_choice");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "tool");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, AXION_CLAUDE_TOOL_NAME);
  json_builder_end_object (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  g = json_generator_new ();
  json_generator_set_root (g, root);
  out = json_generator_to_data (g, NULL);
  json_node_unref (root);
  g_object_unref (g);
  g_object_unref (b);
  return out;
}

/* ---- response ----------------------------------------------------------- */

/* Refuses bodies nested deeper than AXION_CLAUDE_MAX_DEPTH before any
 * parser recursion sees them. */
static gboolean
depth_ok (const gchar *s, gsize len)
{
  gint depth = 0;
  gboolean in_str = FALSE, esc = FALSE;

  for (gsize i = 0; i < len; i++) {
    gchar c = s[i];
    if (in_str) {
      if (esc)
        esc = FALSE;
      else if (c == '\\')
        esc = TRUE;
      else if (c == '"')
        in_str = FALSE;
      continue;
    }
    if (c == '"')
      in_str = TRUE;
    else if (c == '{' || c == '[') {
      if (++depth > AXION_CLAUDE_MAX_DEPTH)
        return FALSE;
    } else if (c == '}' || c == ']')
      depth--;
  }
  return TRUE;
}

/* A strict RFC 8259 syntax check (depth already bounded), so that only
 * well-formed JSON reaches json-glib, whose scanner leaks on some
 * malformed input (found by tests/fuzz). */
typedef struct
{
  const gchar *p, *end;
  const gchar *start;
  /* numbers json-glib or PostgreSQL would get wrong (NumFix), or NULL */
  GArray *fixes;
} Cursor;

/* An integer beyond 64 bits wraps silently in json-glib
 * (99999999999999999999 reads as -1): such integers are parsed as
 * doubles (".0" appended in the copy json-glib reads). An exponent beyond
 * what PostgreSQL's numeric can hold (|e| > 10000, e.g. 1e999999) would
 * make the claude_response JSONB unstorable: such numbers are stored as
 * strings (the lexeme quoted in the copy kept as raw_json). */
typedef enum
{
  NUM_BIG_INT,
  NUM_HUGE_EXPONENT,
} NumFixKind;

typedef struct
{
  NumFixKind kind;
  gsize start, end;
} NumFix;

static void
skip_ws (Cursor *c)
{
  while (c->p < c->end &&
      (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
lit (Cursor *c, const gchar *word)
{
  gsize n = strlen (word);
  if ((gsize) (c->end - c->p) < n || memcmp (c->p, word, n) != 0)
    return FALSE;
  c->p += n;
  return TRUE;
}

/* four hex digits, or -1 */
static gint
hex4 (Cursor *c)
{
  gint v = 0;

  for (int i = 0; i < 4; i++) {
    if (c->p >= c->end || !g_ascii_isxdigit (*c->p))
      return -1;
    v = v * 16 + g_ascii_xdigit_value (*c->p);
    c->p++;
  }
  return v;
}

static gboolean
str_ok (Cursor *c)
{
  if (c->p >= c->end || *c->p != '"')
    return FALSE;
  c->p++;
  while (c->p < c->end) {
    guchar ch = (guchar) *c->p++;
    if (ch == '"')
      return TRUE;
    if (ch < 0x20)
      return FALSE;
    if (ch == '\\') {
      if (c->p >= c->end)
        return FALSE;
      ch = (guchar) *c->p++;
      if (ch == 'u') {
        /* a UTF-16 unit: no NUL, surrogates only as high + low pairs
         * (json-glib's scanner leaks on a broken pair) */
        gint u = hex4 (c);
        if (u <= 0 || (u >= 0xDC00 && u <= 0xDFFF))
          return FALSE;
        if (u >= 0xD800 && u <= 0xDBFF) {
          gint lo;
          if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
            return FALSE;
          c->p += 2;
          lo = hex4 (c);
          if (lo < 0xDC00 || lo > 0xDFFF)
            return FALSE;
        }
      } else if (!strchr ("\"\\/bfnrt", ch) || ch == '\0') {
        return FALSE;
      }
    }
  }
  return FALSE;
}

static gboolean
num_ok (Cursor *c)
{
  const gchar *start = c->p, *int_start;
  gboolean is_int = TRUE, big;
  gint64 exp = 0;
  NumFix fix;

  if (c->p < c->end && *c->p == '-')
    c->p++;
  if (c->p >= c->end || !g_ascii_isdigit (*c->p))
    return FALSE;
  int_start = c->p;
  if (*c->p == '0')
    c->p++;
  else
    while (c->p < c->end && g_ascii_isdigit (*c->p))
      c->p++;
  /* 19 digits may already be beyond G_MAXINT64 */
  big = c->p - int_start > 18;
  if (c->p < c->end && *c->p == '.') {
    is_int = FALSE;
    c->p++;
    if (c->p >= c->end || !g_ascii_isdigit (*c->p))
      return FALSE;
    while (c->p < c->end && g_ascii_isdigit (*c->p))
      c->p++;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    gboolean neg = FALSE;
    is_int = FALSE;
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      neg = *c->p++ == '-';
    if (c->p >= c->end || !g_ascii_isdigit (*c->p))
      return FALSE;
    while (c->p < c->end && g_ascii_isdigit (*c->p)) {
      if (exp < 1000000)
        exp = exp * 10 + (*c->p - '0');
      c->p++;
    }
    if (neg)
      exp = -exp;
  }
  if (c->p - start >= 64)
    return FALSE;
  if (c->fixes == NULL)
    return TRUE;
  if (exp > 10000 || exp < -10000)
    fix.kind = NUM_HUGE_EXPONENT;
  else if (is_int && big)
    fix.kind = NUM_BIG_INT;
  else
    return TRUE;
  fix.start = start - c->start;
  fix.end = c->p - c->start;
  g_array_append_val (c->fixes, fix);
  return TRUE;
}

static gboolean
value_ok (Cursor *c, gint depth)
{
  skip_ws (c);
  if (c->p >= c->end || depth > AXION_CLAUDE_MAX_DEPTH)
    return FALSE;
  switch (*c->p) {
  case '{':
    c->p++;
    skip_ws (c);
    if (c->p < c->end && *c->p == '}') {
      c->p++;
      return TRUE;
    }
    for (;;) {
      skip_ws (c);
      if (!str_ok (c))
        return FALSE;
      skip_ws (c);
      if (c->p >= c->end || *c->p++ != ':')
        return FALSE;
      if (!value_ok (c, depth + 1))
        return FALSE;
      skip_ws (c);
      if (c->p >= c->end)
        return FALSE;
      if (*c->p == '}') {
        c->p++;
        return TRUE;
      }
      if (*c->p++ != ',')
        return FALSE;
    }
  case '[':
    c->p++;
    skip_ws (c);
    if (c->p < c->end && *c->p == ']') {
      c->p++;
      return TRUE;
    }
    for (;;) {
      if (!value_ok (c, depth + 1))
        return FALSE;
      skip_ws (c);
      if (c->p >= c->end)
        return FALSE;
      if (*c->p == ']') {
        c->p++;
        return TRUE;
      }
      if (*c->p++ != ',')
        return FALSE;
    }
  case '"':
    return str_ok (c);
  case 't':
    return lit (c, "true");
  case 'f':
    return lit (c, "false");
  case 'n':
    return lit (c, "null");
  default:
    return num_ok (c);
  }
}

static gboolean
json_syntax_ok (const gchar *s, gsize len, GArray *fixes)
{
  Cursor c = { s, s + len, s, fixes };
  if (!value_ok (&c, 0))
    return FALSE;
  skip_ws (&c);
  return c.p == c.end;
}

/* @body with the numbers of @fixes of @kind rewritten (see NumFix), or
 * NULL when there are none. */
static gchar *
apply_fixes (const gchar *body, gsize len, GArray *fixes, NumFixKind kind)
{
  GString *out = NULL;
  gsize at = 0;

  for (guint i = 0; i < fixes->len; i++) {
    NumFix *f = &g_array_index (fixes, NumFix, i);
    if (f->kind != kind)
      continue;
    if (out == NULL)
      out = g_string_sized_new (len + 16);
    if (kind == NUM_BIG_INT) {
      g_string_append_len (out, body + at, f->end - at);
      g_string_append (out, ".0");
    } else {
      g_string_append_len (out, body + at, f->start - at);
      g_string_append_c (out, '"');
      g_string_append_len (out, body + f->start, f->end - f->start);
      g_string_append_c (out, '"');
    }
    at = f->end;
  }
  if (out == NULL)
    return NULL;
  g_string_append_len (out, body + at, len - at);
  return g_string_free (out, FALSE);
}

/* Parses an answer; @stored (optional) gets the text to keep as raw_json:
 * @body, with numbers PostgreSQL cannot store as strings. */
static JsonNode *
parse_json (const gchar *body, gsize len, gchar **why, gchar **stored)
{
  JsonParser *p;
  JsonNode *root = NULL;
  GError *err = NULL;
  GArray *fixes;
  gchar *parsed;

  if (body == NULL || len == 0) {
    *why = g_strdup ("empty body");
    return NULL;
  }
  if (len > AXION_CLAUDE_MAX_RESPONSE) {
    *why = g_strdup_printf (
        "body of %" G_GSIZE_FORMAT " bytes is too large", len);
    return NULL;
  }
  if (memchr (body, '\0', len) != NULL || !g_utf8_validate (body, len, NULL)) {
    *why = g_strdup ("body is not valid UTF-8 text");
    return NULL;
  }
  if (!depth_ok (body, len)) {
    *why = g_strdup_printf (
        "JSON nested deeper than %d", AXION_CLAUDE_MAX_DEPTH);
    return NULL;
  }
  fixes = g_array_new (FALSE, FALSE, sizeof (NumFix));
  if (!json_syntax_ok (body, len, fixes)) {
    *why = g_strdup ("not JSON (syntax error)");
    g_array_free (fixes, TRUE);
    return NULL;
  }
  parsed = apply_fixes (body, len, fixes, NUM_BIG_INT);
  p = json_parser_new_immutable ();
  if (json_parser_load_from_data (
          p, parsed ? parsed : body, parsed ? -1 : (gssize) len, &err))
    root = json_parser_steal_root (p);
  else
    *why = g_strdup_printf ("not JSON: %s", err->message);
  g_clear_error (&err);
  g_object_unref (p);
  g_free (parsed);
  if (root && !JSON_NODE_HOLDS_OBJECT (root)) {
    *why = g_strdup ("JSON is not an object");
    json_node_unref (root);
    root = NULL;
  }
  if (root && stored) {
    *stored = apply_fixes (body, len, fixes, NUM_HUGE_EXPONENT);
    if (*stored == NULL)
      *stored = g_strndup (body, len);
  }
  g_array_free (fixes, TRUE);
  return root;
}

static const gchar *
get_str (JsonObject *o, const gchar *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (n && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static gboolean
get_int (JsonObject *o, const gchar *name, gint64 *out)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  if (n && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_INT64) {
    *out = json_node_get_int (n);
    return TRUE;
  }
  return FALSE;
}

static JsonObject *
get_obj (JsonObject *o, const gchar *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/* A bounded copy of model text: valid UTF-8 (it was validated), at most
 * @max characters. */
static gchar *
text_copy (const gchar *s, glong max)
{
  if (s == NULL)
    return NULL;
  if (g_utf8_strlen (s, max + 1) > max)
    return g_utf8_substring (s, 0, max);
  return g_strdup (s);
}

static gboolean
fail (gchar **type, gchar **msg, const gchar *t, gchar *m)
{
  *type = g_strdup (t);
  *msg = m;
  return FALSE;
}

gboolean
axion_claude_parse_error (
    const gchar *body, gsize len, gchar **type, gchar **message)
{
  gchar *why = NULL;
  JsonNode *root = parse_json (body, len, &why, NULL);
  JsonObject *err;
  gboolean ok = FALSE;

  *type = *message = NULL;
  g_free (why);
  if (root == NULL)
    return FALSE;
  if (g_strcmp0 (get_str (json_node_get_object (root), "type"), "error") == 0 &&
      (err = get_obj (json_node_get_object (root), "error"))) {
    *type = text_copy (get_str (err, "type"), 64);
    *message = text_copy (get_str (err, "message"), 1024);
    ok = *type != NULL;
  }
  if (!ok) {
    g_clear_pointer (type, g_free);
    g_clear_pointer (message, g_free);
  }
  json_node_unref (root);
  return ok;
}

/* ---- the tool input, field by field ------------------------------------
 *
 * Only scene_description is essential: without it (or with a broken
 * answer) the analysis fails. Every other field is checked on its own: a
 * value out of its range or of the wrong type is an error on that field
 * (the field is stored as NULL, booleans as false), a missing field of the
 * schema's "required" list gets its default and is noted; a missing
 * optional field is simply NULL. Each problem is one "<field>: ..." item
 * of the analysis's error text. docs/elements/axionclaude.md has the
 * table. */

static const gchar *const risk_levels[] = { "none", "low", "medium", "high",
  "critical", NULL };

/* A short, printable rendering of a wrong value for an error text: JSON
 * syntax (strings quoted and escaped, so quotes and newlines stay on one
 * line), strings cut at 40 characters. */
static gchar *
show_value (JsonNode *n)
{
  JsonNode *tmp = NULL;
  gchar *out;

  if (JSON_NODE_HOLDS_OBJECT (n))
    return g_strdup ("an object");
  if (JSON_NODE_HOLDS_ARRAY (n))
    return g_strdup ("an array");
  if (JSON_NODE_HOLDS_NULL (n))
    return g_strdup ("null");
  switch (json_node_get_value_type (n)) {
  case G_TYPE_STRING: {
    const gchar *v = json_node_get_string (n);
    gchar *cut = g_utf8_strlen (v, 41) > 40 ? g_utf8_substring (v, 0, 40)
                                            : g_strdup (v);
    gboolean more = strlen (cut) < strlen (v);
    tmp = json_node_init_string (json_node_alloc (), cut);
    g_free (cut);
    out = json_to_string (tmp, FALSE);
    json_node_unref (tmp);
    if (more) {
      gchar *m = g_strconcat (out, "...", NULL);
      g_free (out);
      out = m;
    }
    return out;
  }
  case G_TYPE_BOOLEAN:
    return g_strdup (json_node_get_boolean (n) ? "true" : "false");
  case G_TYPE_INT64:
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
  case G_TYPE_DOUBLE: {
    gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
    gdouble d = json_node_get_double (n);
    if (!isfinite (d))
      return g_strdup (d > 0 ? "a number too large (infinite)"
                             : "a number too small (-infinite)");
    return g_strdup (g_ascii_formatd (buf, sizeof (buf), "%.6g", d));
  }
  default:
    return g_strdup ("a value");
  }
}

static void problem (GString *probs, const gchar *field, const gchar *fmt, ...)
    G_GNUC_PRINTF (3, 4);

static void
problem (GString *probs, const gchar *field, const gchar *fmt, ...)
{
  va_list ap;

  if (probs->len)
    g_string_append (probs, "; ");
  g_string_append_printf (probs, "%s: ", field);
  va_start (ap, fmt);
  g_string_append_vprintf (probs, fmt, ap);
  va_end (ap);
}

/* the member, or NULL when absent or JSON null */
static JsonNode *
member (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && !JSON_NODE_HOLDS_NULL (n) ? n : NULL;
}

static gboolean
is_string (JsonNode *n)
{
  return JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_STRING;
}

static gboolean
is_number (JsonNode *n)
{
  GType t;
  if (!JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

static gboolean
blank (const gchar *s)
{
  while (g_ascii_isspace (*s))
    s++;
  return *s == '\0';
}

/* free text of at most @max characters; NULL when missing or wrong */
static gchar *
field_text (JsonObject *in, const gchar *name, glong max, gboolean required,
    GString *probs)
{
  JsonNode *n = member (in, name);
  const gchar *v;
  gchar *shown;

  if (n == NULL) {
    if (required)
      problem (probs, name, "missing, stored as NULL");
    return NULL;
  }
  if (!is_string (n)) {
    shown = show_value (n);
    problem (probs, name, "%s is not a string, stored as NULL", shown);
    g_free (shown);
    return NULL;
  }
  v = json_node_get_string (n);
  if (g_utf8_strlen (v, max + 1) > max) {
    problem (probs, name, "longer than %ld characters, truncated", max);
    return g_utf8_substring (v, 0, max);
  }
  return g_strdup (v);
}

/* an array of at most MAX_ITEMS strings of at most MAX_ITEM_TEXT
 * characters each; NULL when missing or wrong */
static gchar **
field_strv (JsonObject *in, const gchar *name, GString *probs)
{
  JsonNode *n = member (in, name);
  JsonArray *a;
  GPtrArray *v;
  guint len;
  gboolean cut = FALSE;
  gchar *shown;

  if (n == NULL) {
    problem (probs, name, "missing, stored as NULL");
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY (n)) {
    shown = show_value (n);
    problem (
        probs, name, "%s is not an array of strings, stored as NULL", shown);
    g_free (shown);
    return NULL;
  }
  a = json_node_get_array (n);
  len = json_array_get_length (a);
  for (guint i = 0; i < len; i++) {
    JsonNode *e = json_array_get_element (a, i);
    if (!is_string (e)) {
      shown = show_value (e);
      problem (probs, name,
          "item %u (%s) is not a string: not an array of strings, stored as "
          "NULL",
          i + 1, shown);
      g_free (shown);
      return NULL;
    }
  }
  v = g_ptr_array_new ();
  for (guint i = 0; i < len && i < MAX_ITEMS; i++) {
    const gchar *item = json_node_get_string (json_array_get_element (a, i));
    if (g_utf8_strlen (item, MAX_ITEM_TEXT + 1) > MAX_ITEM_TEXT)
      cut = TRUE;
    g_ptr_array_add (v, text_copy (item, MAX_ITEM_TEXT));
  }
  g_ptr_array_add (v, NULL);
  if (len > MAX_ITEMS)
    problem (probs, name, "%u items, only the first %d kept", len, MAX_ITEMS);
  if (cut)
    problem (probs, name, "items longer than %d characters truncated",
        MAX_ITEM_TEXT);
  return (gchar **) g_ptr_array_free (v, FALSE);
}

static gchar *
field_risk (JsonObject *in, GString *probs)
{
  const gchar *name = "risk_assessment";
  JsonNode *n = member (in, name);
  gchar *shown;

  if (n == NULL) {
    problem (probs, name, "missing, stored as NULL");
    return NULL;
  }
  if (is_string (n) && g_strv_contains (risk_levels, json_node_get_string (n)))
    return g_strdup (json_node_get_string (n));
  shown = show_value (n);
  problem (probs, name,
      "%s is not one of none|low|medium|high|critical, stored as NULL", shown);
  g_free (shown);
  return NULL;
}

static gboolean
field_bool (JsonObject *in, const gchar *name, GString *probs)
{
  JsonNode *n = member (in, name);
  gchar *shown;

  if (n == NULL) {
    problem (probs, name, "missing, stored as false (the default)");
    return FALSE;
  }
  if (JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (n);
  shown = show_value (n);
  problem (probs, name, "%s is not true or false, stored as false", shown);
  g_free (shown);
  return FALSE;
}

/* a number 0..1 (optional); -1 when missing or wrong */
static gdouble
field_unit (JsonObject *in, const gchar *name, GString *probs)
{
  JsonNode *n = member (in, name);
  gdouble d;
  gchar *shown;

  if (n == NULL)
    return -1;
  if (is_number (n)) {
    d = json_node_get_double (n);
    if (isfinite (d) && d >= 0.0 && d <= 1.0)
      return d;
  }
  shown = show_value (n);
  problem (
      probs, name, "%s is not a number from 0 to 1, stored as NULL", shown);
  g_free (shown);
  return -1;
}

/* an integer 1..5 (optional; 3.0 counts as 3); 0 when missing or wrong */
static gint
field_severity (JsonObject *in, GString *probs)
{
  const gchar *name = "alert_severity";
  JsonNode *n = member (in, name);
  gdouble d;
  gchar *shown;

  if (n == NULL)
    return 0;
  if (is_number (n)) {
    d = json_node_get_double (n);
    if (isfinite (d) && d >= 1.0 && d <= 5.0 && d == floor (d))
      return (gint) d;
  }
  shown = show_value (n);
  problem (
      probs, name, "%s is not an integer from 1 to 5, stored as NULL", shown);
  g_free (shown);
  return 0;
}

/* Appends "axion_error": @text as the last member of the JSON object
 * @json (valid, an object), so that claude_response carries the
 * analysis's error text. */
static gchar *
with_error_member (gchar *json, const gchar *text)
{
  JsonNode *str = json_node_init_string (json_node_alloc (), text);
  gchar *quoted = json_to_string (str, FALSE);
  gchar *close = strrchr (json, '}'), *open = strchr (json, '{'), *out;
  gboolean empty = TRUE;

  json_node_unref (str);
  for (gchar *p = open + 1; p < close; p++)
    if (!g_ascii_isspace (*p))
      empty = FALSE;
  *close = '\0';
  out = g_strdup_printf (
      "%s%s\"axion_error\":%s}%s", json, empty ? "" : ",", quoted, close + 1);
  g_free (quoted);
  g_free (json);
  return out;
}

gboolean
axion_claude_parse_response (const gchar *body, gsize len,
    GstAxionAnalysis *out, gint *input_tokens, gint *output_tokens,
    gchar **error_type, gchar **error_message)
{
  gchar *why = NULL, *stored = NULL;
  JsonNode *root = parse_json (body, len, &why, &stored);
  JsonObject *o, *usage, *input = NULL, *errobj;
  JsonArray *content;
  JsonNode *cn, *dn;
  const gchar *stop;
  gint64 v;
  gboolean ok = FALSE;
  GString *probs;

  *error_type = *error_message = NULL;
  *input_tokens = *output_tokens = 0;
  if (root == NULL)
    return fail (error_type, error_message, "parse", why);
  o = json_node_get_object (root);
  g_free (out->raw_json);
  out->raw_json = stored;

  if ((usage = get_obj (o, "usage"))) {
    if (get_int (usage, "input_tokens", &v) && v >= 0 && v < G_MAXINT)
      *input_tokens = (gint) v;
    if (get_int (usage, "output_tokens", &v) && v >= 0 && v < G_MAXINT)
      *output_tokens = (gint) v;
  }
  if (g_strcmp0 (get_str (o, "type"), "error") == 0) {
    errobj = get_obj (o, "error");
    ok = fail (error_type, error_message, "api_error",
        g_strdup_printf ("%s: %s",
            errobj && get_str (errobj, "type") ? get_str (errobj, "type") : "?",
            errobj && get_str (errobj, "message") ? get_str (errobj, "message")
                                                  : "(no message)"));
    goto done;
  }
  if (g_strcmp0 (get_str (o, "type"), "message") != 0) {
    ok = fail (error_type, error_message, "parse",
        g_strdup ("not a Messages API message (\"type\" is not \"message\")"));
    goto done;
  }
  stop = get_str (o, "stop_reason");
  if (g_strcmp0 (stop, "refusal") == 0) {
    ok = fail (error_type, error_message, "refusal",
        g_strdup ("the model declined to analyse this frame"));
    goto done;
  }
  if (g_strcmp0 (stop, "max_tokens") == 0) {
    ok = fail (error_type, error_message, "max_tokens",
        g_strdup ("the answer was cut at max-tokens; raise max-tokens"));
    goto done;
  }
  cn = json_object_get_member (o, "content");
  content = cn && JSON_NODE_HOLDS_ARRAY (cn) ? json_node_get_array (cn) : NULL;
  for (guint i = 0; content && i < json_array_get_length (content); i++) {
    JsonNode *e = json_array_get_element (content, i);
    JsonObject *blk = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e)
                                                 : NULL;
    if (g_strcmp0 (get_str (blk, "type"), "tool_use") == 0 &&
        g_strcmp0 (get_str (blk, "name"), AXION_CLAUDE_TOOL_NAME) == 0) {
      input = get_obj (blk, "input");
      break;
    }
  }
  if (input == NULL) {
    ok = fail (error_type, error_message, "schema",
        g_strdup ("no " AXION_CLAUDE_TOOL_NAME " tool_use block with an "
                  "input object in the answer"));
    goto done;
  }

  /* the one essential field: a non-empty description */
  dn = member (input, "scene_description");
  if (dn == NULL || !is_string (dn) || blank (json_node_get_string (dn))) {
    gchar *shown = dn ? show_value (dn) : NULL;
    ok = fail (error_type, error_message, "schema",
        dn == NULL ? g_strdup ("scene_description is missing: an answer "
                               "without a description is not used")
            : !is_string (dn)
            ? g_strdup_printf ("scene_description: %s is not a string: an "
                               "answer without a description is not used",
                  shown)
            : g_strdup ("scene_description is empty: an answer without a "
                        "description is not used"));
    g_free (shown);
    goto done;
  }

  probs = g_string_new (NULL);
  out->scene_description = field_text (
      input, "scene_description", MAX_TEXT, TRUE, probs);
  out->primary_insight = field_text (
      input, "primary_insight", MAX_TEXT, TRUE, probs);
  out->confidence_score = field_unit (input, "confidence_score", probs);
  out->objects_identified = field_strv (input, "objects_identified", probs);
  out->activities_detected = field_strv (input, "activities_detected", probs);
  out->anomalies_flagged = field_strv (input, "anomalies_flagged", probs);
  out->risk_assessment = field_risk (input, probs);
  out->pattern_detected = field_bool (input, "pattern_detected", probs);
  out->pattern_type = field_text (input, "pattern_type", 64, FALSE, probs);
  out->pattern_confidence = field_unit (input, "pattern_confidence", probs);
  out->should_alert = field_bool (input, "should_alert", probs);
  out->alert_reason = field_text (
      input, "alert_reason", MAX_TEXT, FALSE, probs);
  out->alert_severity = field_severity (input, probs);
  /* optional fields are noted when missing only where they matter */
  if (out->should_alert && member (input, "alert_severity") == NULL)
    problem (probs, "alert_severity",
        "missing with should_alert true, stored as NULL (the alert's "
        "severity follows the risk)");
  if (out->pattern_detected && member (input, "pattern_type") == NULL)
    problem (probs, "pattern_type",
        "missing with pattern_detected true, stored as NULL");
  if (probs->len) {
    *error_type = g_strdup ("fields");
    *error_message = g_string_free (probs, FALSE);
  } else {
    g_string_free (probs, TRUE);
  }
  ok = TRUE;

done:
  if (!ok) {
    /* nothing of a rejected answer is used: no alert, no fields */
    out->should_alert = FALSE;
    out->pattern_detected = FALSE;
    g_clear_pointer (&out->objects_identified, g_strfreev);
    g_clear_pointer (&out->activities_detected, g_strfreev);
    g_clear_pointer (&out->anomalies_flagged, g_strfreev);
  }
  if (*error_type) {
    gchar *text = g_strdup_printf ("%s: %s", *error_type, *error_message);
    out->raw_json = with_error_member (out->raw_json, text);
    g_free (text);
  }
  json_node_unref (root);
  return ok;
}

/* ---- retries ------------------------------------------------------------ */

gboolean
axion_claude_should_retry (long status, const gchar *x_should_retry)
{
  if (x_should_retry) {
    if (g_ascii_strcasecmp (x_should_retry, "true") == 0)
      return TRUE;
    if (g_ascii_strcasecmp (x_should_retry, "false") == 0)
      return FALSE;
  }
  return status == 0 || status == 408 || status == 409 || status == 429 ||
      status >= 500;
}

gint64
axion_claude_retry_delay_ms (guint attempt, const gchar *retry_after_ms,
    const gchar *retry_after, gint64 now_s, gdouble random01)
{
  gdouble s = -1;

  if (retry_after_ms) {
    gchar *end;
    gdouble ms = g_ascii_strtod (retry_after_ms, &end);
    if (end != retry_after_ms && isfinite (ms))
      s = ms / 1000.0;
  }
  if (s < 0 && retry_after) {
    gchar *end;
    gdouble sec = g_ascii_strtod (retry_after, &end);
    if (end != retry_after && *end == '\0' && isfinite (sec)) {
      s = sec;
    } else {
      time_t t = curl_getdate (retry_after, NULL);
      if (t != (time_t) -1)
        s = (gdouble) (t - now_s);
    }
  }
  if (s > 0 && s <= 60)
    return (gint64) (s * 1000);
  s = MIN (0.5 * pow (2.0, MIN (attempt, 100)), 8.0);
  return (gint64) (s * (1.0 - 0.25 * CLAMP (random01, 0.0, 1.0)) * 1000);
}

/* ---- images ------------------------------------------------------------- */

void
axion_claude_fit_image (gint w, gint h, gint max_edge, gint *out_w, gint *out_h)
{
  gdouble scale = 1.0;

  if (w <= 0 || h <= 0) {
    *out_w = *out_h = 0;
    return;
  }
  if (max_edge <= 0 || max_edge > AXION_CLAUDE_MAX_EDGE)
    max_edge = AXION_CLAUDE_MAX_EDGE;
  if (MAX (w, h) > max_edge)
    scale = (gdouble) max_edge / MAX (w, h);
  if ((gdouble) w * h * scale * scale > AXION_CLAUDE_MAX_PIXELS)
    scale = sqrt ((gdouble) AXION_CLAUDE_MAX_PIXELS / ((gdouble) w * h));
  *out_w = MAX (2, ((gint) (w * scale)) & ~1);
  *out_h = MAX (2, ((gint) (h * scale)) & ~1);
  if (scale >= 1.0) {
    *out_w = MAX (1, w);
    *out_h = MAX (1, h);
  }
}

gint
axion_claude_image_tokens (gint w, gint h)
{
  return (gint) (((gint64) w * h + 749) / 750);
}
