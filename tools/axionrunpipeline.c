/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's pipeline description files (pipelines/NAME.pipeline).
 *
 * Variables are property values, never pipeline syntax. A value made only
 * of A-Z a-z 0-9 _ . + - (a number, an enum, a boolean, an id: it cannot
 * form syntax) in a property that is not a string is pasted into the
 * text. Any other value never enters the text given to gst_parse_launch:
 * the whole assignment it is part of (`location="rtsp://${HOST}/x"`) is
 * taken out of the text, the text is parsed, and the property is then set
 * on the element with the value itself (g_object_set; other types
 * deserialized from the value). So a value with quotes, '!', spaces or
 * backslashes arrives unchanged, adds no element, and never shows in the
 * parser's messages or debug log. Outside a property value (an element,
 * caps, a pad name) only a harmless value is accepted.
 * A camera URL with user-info set on an element with user-id/user-pw
 * properties (rtspsrc) is given as location without credentials plus
 * user-id/user-pw, so rtspsrc never logs the password.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionrunpipeline.h"

#include <gst/axion/gstaxioncamera.h>
#include <string.h>

/* a value that is not pasted: a marker MARK_START <index> MARK_END stands
 * for it in the text being analysed (the text parsed never has one) */
#define MARK_START '\001'
#define MARK_END '\002'

typedef struct
{
  gchar *name;
  gchar *value;
  gboolean harmless; /* only A-Z a-z 0-9 _ . + - */
} Var;

typedef struct
{
  gsize factory_end; /* where " name=..." is inserted */
  gchar *factory;    /* its factory (or "uri"), for the name given */
  gchar *name;       /* its name= (unescaped), or NULL */
  gchar *injected;   /* the name we give it, or NULL */
} Elem;

typedef struct
{
  gint elem; /* index in elems, -1: none */
  gsize start, end;
  gsize vstart, vend;
  gchar *prop;
  gboolean removed; /* out of the text, set after parsing */
} Assign;

static void
var_free (Var *v)
{
  g_free (v->name);
  if (v->value) {
    /* the value may be a password */
    memset (v->value, 0, strlen (v->value));
    g_free (v->value);
  }
  g_free (v);
}

static void
elem_free (Elem *e)
{
  g_free (e->name);
  g_free (e->factory);
  g_free (e->injected);
  g_free (e);
}

static void
assign_free (Assign *a)
{
  g_free (a->prop);
  g_free (a);
}

static gboolean
value_is_harmless (const gchar *v)
{
  for (const gchar *p = v; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '+' &&
        *p != '-')
      return FALSE;
  return TRUE;
}

/* ${NAME} and ${NAME:-default}; values from @vars, then the environment.
 * Comment lines (#) are dropped and lines joined. Harmless values and
 * defaults (text of the pipeline file) are pasted; other values become
 * markers, their values in @used. */
static gchar *
expand_file (
    const gchar *path, GHashTable *vars, GPtrArray *used, GError **error)
{
  gchar *text = NULL, **lines;
  GString *out = g_string_new (NULL);
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &text, NULL, error)) {
    g_string_free (out, TRUE);
    return NULL;
  }
  if (strchr (text, MARK_START) || strchr (text, MARK_END)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: control characters \\001 or \\002 in a pipeline file", path);
    g_free (text);
    g_string_free (out, TRUE);
    return NULL;
  }
  lines = g_strsplit (text, "\n", -1);
  for (guint ln = 0; lines[ln] && ok; ln++) {
    const gchar *p = lines[ln];
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '#' || *p == '\0')
      continue;
    while (*p && ok) {
      if (p[0] == '$' && p[1] == '{') {
        const gchar *end = strchr (p, '}');
        gchar *name, *def = NULL, *colon;
        const gchar *val;
        if (end == NULL) {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
              "%s:%u: unterminated ${", path, ln + 1);
          ok = FALSE;
          break;
        }
        name = g_strndup (p + 2, end - p - 2);
        if ((colon = strstr (name, ":-"))) {
          def = g_strdup (colon + 2);
          *colon = '\0';
        }
        val = g_hash_table_lookup (vars, name);
        if (val == NULL || *val == '\0')
          val = g_getenv (name);
        if (val && *val) {
          Var *v = g_new0 (Var, 1);
          v->name = g_strdup (name);
          v->value = g_strdup (val);
          v->harmless = value_is_harmless (val);
          g_string_append_printf (
              out, "%c%u%c", MARK_START, used->len, MARK_END);
          g_ptr_array_add (used, v);
        } else if (def) {
          /* the default is text of the pipeline file */
          g_string_append (out, def);
        } else {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
              "%s:%u: ${%s} is not set (set it in the config, the "
              "environment, or give a default: ${%s:-value})",
              path, ln + 1, name, name);
          ok = FALSE;
        }
        g_free (name);
        g_free (def);
        p = end + 1;
      } else {
        g_string_append_c (out, *p++);
      }
    }
    g_string_append_c (out, ' ');
  }
  g_strfreev (lines);
  g_free (text);
  if (!ok) {
    g_string_free (out, TRUE);
    return NULL;
  }
  return g_string_free (out, FALSE);
}

/* ---- the text's structure ------------------------------------------------
 * Just enough of gst_parse_launch's syntax to know, for a marker, the
 * assignment (property=value) it is in and the element it belongs to:
 * words separated by spaces and '!', "..." quoted with backslash escapes,
 * an element (a factory or URL word) followed by its assignments; caps
 * (a word with '/' or ',') and pad references (a word with '.') end an
 * element. A marker anywhere else is refused. */

static gsize
scan_word (const gchar *s, gsize i, gsize len)
{
  while (i < len) {
    gchar c = s[i];
    if (g_ascii_isspace (c) || c == '!')
      break;
    if (c == '"') {
      for (i++; i < len && s[i] != '"'; i++)
        if (s[i] == '\\' && i + 1 < len)
          i++;
      if (i < len)
        i++;
    } else if (c == '\\' && i + 1 < len) {
      i += 2;
    } else if (c == MARK_START) {
      while (i < len && s[i] != MARK_END)
        i++;
      if (i < len)
        i++;
    } else {
      i++;
    }
  }
  return i;
}

static gboolean
is_property_name (const gchar *s, gsize from, gsize to)
{
  if (to <= from)
    return FALSE;
  if (!g_ascii_isalnum (s[from]) && s[from] != '_')
    return FALSE;
  for (gsize i = from; i < to; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '_' && s[i] != '-' && s[i] != ':')
      return FALSE;
  return TRUE;
}

static gboolean
has_char (const gchar *s, gsize from, gsize to, gchar c)
{
  return memchr (s + from, c, to - from) != NULL;
}

/* is there a variable in s[from..to) whose value may not be pasted? */
static gboolean
has_unsafe_var (const gchar *s, gsize from, gsize to, GPtrArray *used)
{
  for (gsize i = from; i < to; i++)
    if (s[i] == MARK_START) {
      const Var *v = g_ptr_array_index (
          used, (guint) strtoul (s + i + 1, NULL, 10));
      if (!v->harmless)
        return TRUE;
    }
  return FALSE;
}

/* s[from..to) with the variables' values pasted (all harmless); FALSE
 * when one is not */
static gboolean
append_pasted (GString *out, const gchar *s, gsize from, gsize to,
    GPtrArray *used, const Var **unsafe)
{
  for (gsize i = from; i < to; i++) {
    if (s[i] == MARK_START) {
      const Var *v = g_ptr_array_index (
          used, (guint) strtoul (s + i + 1, NULL, 10));
      if (!v->harmless) {
        *unsafe = v;
        return FALSE;
      }
      g_string_append (out, v->value);
      while (i < to && s[i] != MARK_END)
        i++;
    } else {
      g_string_append_c (out, s[i]);
    }
  }
  return TRUE;
}

/* is @prop of elements made by the factory named @factory a string? (its
 * values are then never pasted, whatever their characters) */
static gboolean
is_string_property (const gchar *factory, const gchar *prop)
{
  GstElementFactory *f;
  GstPluginFeature *loaded;
  GType type;
  gboolean res = FALSE;

  if (factory == NULL || strstr (prop, "::"))
    return FALSE;
  f = gst_element_factory_find (factory);
  if (f == NULL)
    return FALSE;
  loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (f));
  gst_object_unref (f);
  if (loaded == NULL)
    return FALSE;
  type = gst_element_factory_get_element_type (GST_ELEMENT_FACTORY (loaded));
  if (type) {
    GObjectClass *k = g_type_class_ref (type);
    GParamSpec *ps = g_object_class_find_property (k, prop);
    res = ps && ps->value_type == G_TYPE_STRING;
    g_type_class_unref (k);
  }
  gst_object_unref (loaded);
  return res;
}

/* the names of the variables in s[from..to), for messages */
static gchar *
var_names (const gchar *s, gsize from, gsize to, GPtrArray *used)
{
  GString *n = g_string_new (NULL);

  for (gsize i = from; i < to; i++)
    if (s[i] == MARK_START) {
      const Var *v = g_ptr_array_index (
          used, (guint) strtoul (s + i + 1, NULL, 10));
      g_string_append_printf (n, "%s${%s}", n->len ? ", " : "", v->name);
    }
  return g_string_free (n, FALSE);
}

/* the value of an assignment as the parser makes it (outer double quotes
 * off, then gst_parse_unescape), with markers replaced by their values,
 * which are never unescaped */
static gchar *
assignment_value (const gchar *s, gsize from, gsize to, GPtrArray *used)
{
  GString *out = g_string_new (NULL);
  gboolean in_quotes = FALSE;
  gchar prev = '\0';

  if (to - from >= 2 && s[from] == '"' && s[to - 1] == '"') {
    from++;
    to--;
  }
  for (gsize i = from; i < to; i++) {
    if (s[i] == MARK_START) {
      const Var *v = g_ptr_array_index (
          used, (guint) strtoul (s + i + 1, NULL, 10));
      g_string_append (out, v->value);
      while (i < to && s[i] != MARK_END)
        i++;
      prev = '\0';
      continue;
    }
    if (s[i] == '\\' && !in_quotes) {
      if (++i >= to)
        break;
    } else if (s[i] == '"' && (!in_quotes || prev != '\\')) {
      in_quotes = !in_quotes;
    }
    g_string_append_c (out, s[i]);
    prev = s[i];
  }
  return g_string_free (out, FALSE);
}

static gboolean
analyse (const gchar *path, const gchar *s, GPtrArray *used, GPtrArray *elems,
    GPtrArray *assigns, GError **error)
{
  gsize len = strlen (s), i = 0;
  gint cur = -1;

  while (i < len) {
    gsize ws, we, eq = 0, vs, ve;
    gboolean assignment = FALSE;

    if (g_ascii_isspace (s[i])) {
      i++;
      continue;
    }
    if (s[i] == '!' || s[i] == '(' || s[i] == ')') {
      cur = -1;
      i++;
      continue;
    }
    ws = i;
    we = scan_word (s, i, len);
    for (gsize k = ws; k < we && !eq; k++)
      if (s[k] == '=')
        eq = k;
      else if (s[k] == '"' || s[k] == MARK_START || s[k] == '\\')
        break;
    if (eq && is_property_name (s, ws, eq)) {
      assignment = TRUE;
      vs = eq + 1;
      ve = we;
      if (vs == we) { /* "name= value" */
        for (vs = we; vs < len && g_ascii_isspace (s[vs]); vs++)
          ;
        ve = scan_word (s, vs, len);
      }
    } else if (!eq && is_property_name (s, ws, we)) {
      /* "name = value" */
      gsize j = we;
      while (j < len && g_ascii_isspace (s[j]))
        j++;
      if (j < len && s[j] == '=') {
        assignment = TRUE;
        eq = we;
        for (vs = j + 1; vs < len && g_ascii_isspace (s[vs]); vs++)
          ;
        ve = scan_word (s, vs, len);
      }
    }
    if (assignment) {
      Assign *a = g_new0 (Assign, 1);
      gsize pe = eq;
      while (pe > ws && g_ascii_isspace (s[pe - 1]))
        pe--;
      a->elem = cur;
      a->start = ws;
      a->end = ve;
      a->vstart = vs;
      a->vend = ve;
      a->prop = g_strndup (s + ws, pe - ws);
      g_ptr_array_add (assigns, a);
      if (cur >= 0 && g_str_equal (a->prop, "name")) {
        Elem *e = g_ptr_array_index (elems, cur);
        if (has_unsafe_var (s, vs, ve, used)) {
          gchar *names = var_names (s, vs, ve, used);
          g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_SYNTAX,
              "pipeline %s: %s in an element name: a name may only have "
              "the characters A-Z a-z 0-9 _ . + -",
              path, names);
          g_free (names);
          return FALSE;
        }
        g_free (e->name);
        e->name = assignment_value (s, vs, ve, used);
      }
      i = ve;
      continue;
    }
    /* not an assignment: an element (a factory, or a URL), caps or a pad
     * reference */
    if (g_strstr_len (s + ws, we - ws, "://") ||
        (!has_char (s, ws, we, '/') && !has_char (s, ws, we, ',') &&
            !has_char (s, ws, we, '.'))) {
      Elem *e = g_new0 (Elem, 1);
      e->factory_end = we;
      if (!g_strstr_len (s + ws, we - ws, "://") &&
          !has_char (s, ws, we, MARK_START))
        e->factory = g_strndup (s + ws, we - ws);
      g_ptr_array_add (elems, e);
      cur = (gint) elems->len - 1;
    } else {
      cur = -1;
    }
    i = we;
  }
  return TRUE;
}

static GObject *
find_target (
    GstElement *pipe, const gchar *name, const gchar *prop, GParamSpec **pspec)
{
  GstElement *e = NULL;
  GObject *target = NULL;

  *pspec = NULL;
  if (GST_IS_BIN (pipe))
    e = gst_bin_get_by_name (GST_BIN (pipe), name);
  else if (g_strcmp0 (GST_ELEMENT_NAME (pipe), name) == 0)
    e = gst_object_ref (pipe);
  if (e == NULL)
    return NULL;
  if (strstr (prop, "::") && GST_IS_CHILD_PROXY (e)) {
    gst_child_proxy_lookup (GST_CHILD_PROXY (e), prop, &target, pspec);
  } else {
    *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (e), prop);
    if (*pspec)
      target = G_OBJECT (gst_object_ref (e));
  }
  gst_object_unref (e);
  return target;
}

static gboolean
has_string_property (GObject *o, const gchar *name)
{
  GParamSpec *ps = g_object_class_find_property (G_OBJECT_GET_CLASS (o), name);
  return ps && ps->value_type == G_TYPE_STRING &&
      (ps->flags & G_PARAM_WRITABLE);
}

/* sets @value on @target's @pspec; a URL with user-info on an element
 * with user-id/user-pw (rtspsrc) is given without it, and the user name
 * and password as user-id/user-pw */
static gboolean
set_value (GObject *target, GParamSpec *pspec, const gchar *value,
    const gchar *what, GError **error)
{
  GValue v = G_VALUE_INIT;

  if (!(pspec->flags & G_PARAM_WRITABLE) ||
      (pspec->flags & G_PARAM_CONSTRUCT_ONLY)) {
    g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY,
        "%s: property \"%s\" cannot be set after the element is made "
        "(construct-only or read-only); give it a value made of "
        "A-Z a-z 0-9 _ . + - only",
        what, pspec->name);
    return FALSE;
  }
  if (pspec->value_type == G_TYPE_STRING) {
    gchar *user = NULL, *password = NULL, *clean = NULL;

    if ((g_str_equal (pspec->name, "location") ||
            g_str_equal (pspec->name, "uri")) &&
        has_string_property (target, "user-id") &&
        has_string_property (target, "user-pw"))
      clean = gst_axion_uri_split_credentials (value, &user, &password);
    if (user) {
      g_object_set (
          target, "user-id", user, "user-pw", password ? password : "", NULL);
      g_object_set (target, pspec->name, clean, NULL);
      memset (user, 0, strlen (user));
      if (password)
        memset (password, 0, strlen (password));
    } else {
      g_object_set (target, pspec->name, value, NULL);
    }
    g_free (user);
    g_free (password);
    g_free (clean);
    return TRUE;
  }
  if (g_type_is_a (pspec->value_type, G_TYPE_OBJECT)) {
    g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY,
        "%s: property \"%s\" takes an object (%s), which a variable cannot "
        "give",
        what, pspec->name, g_type_name (pspec->value_type));
    return FALSE;
  }
  g_value_init (&v, pspec->value_type);
  if (!gst_value_deserialize_with_pspec (&v, value, pspec)) {
    g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_COULD_NOT_SET_PROPERTY,
        "%s: the value is not a valid %s for property \"%s\"", what,
        g_type_name (pspec->value_type), pspec->name);
    g_value_unset (&v);
    return FALSE;
  }
  g_object_set_property (target, pspec->name, &v);
  g_value_unset (&v);
  return TRUE;
}

GstElement *
axion_run_pipeline_build (const gchar *path, GHashTable *vars, GError **error)
{
  GError *err = NULL;
  GstElement *pipe = NULL;
  GPtrArray *used = g_ptr_array_new_with_free_func ((GDestroyNotify) var_free);
  GPtrArray *elems = g_ptr_array_new_with_free_func (
      (GDestroyNotify) elem_free);
  GPtrArray *assigns = g_ptr_array_new_with_free_func (
      (GDestroyNotify) assign_free);
  GString *desc = NULL;
  gchar *text = expand_file (path, vars, used, error);
  guint injected = 0;
  gsize pos = 0;
  gboolean ok = TRUE;
  const Var *unsafe = NULL;

  if (text == NULL)
    goto done;
  if (!analyse (path, text, used, elems, assigns, error))
    goto done;

  /* the assignments of a string property with a variable, or with a
   * variable whose value is not harmless: out of the text; their
   * elements get a name to be found by after parsing */
  for (guint k = 0; k < assigns->len; k++) {
    Assign *a = g_ptr_array_index (assigns, k);
    Elem *e;
    gboolean risky;
    if (!has_char (text, a->vstart, a->vend, MARK_START) ||
        g_str_equal (a->prop, "name"))
      continue;
    risky = has_unsafe_var (text, a->vstart, a->vend, used);
    if (a->elem < 0 && !risky)
      continue;
    if (a->elem < 0) {
      gchar *names = var_names (text, a->vstart, a->vend, used);
      g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_SYNTAX,
          "pipeline %s: %s in property \"%s\" that follows no element", path,
          names, a->prop);
      g_free (names);
      goto done;
    }
    e = g_ptr_array_index (elems, a->elem);
    if (!risky && !is_string_property (e->factory, a->prop))
      continue;
    a->removed = TRUE;
    while (e->name == NULL && e->injected == NULL) {
      gchar *base = g_strdup (e->factory ? e->factory : "uri");
      gchar *n = g_strdup_printf ("%s-var%u",
          g_strcanon (base, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "_-", '_'),
          injected++);
      g_free (base);
      if (strstr (text, n) == NULL)
        e->injected = n;
      else
        g_free (n);
    }
  }

  /* the text parsed: without those assignments, with the names given,
   * the other variables' (harmless) values pasted */
  desc = g_string_new (NULL);
  for (guint k = 0, ei = 0; k <= assigns->len && ok; k++) {
    Assign *a = k < assigns->len ? g_ptr_array_index (assigns, k) : NULL;
    gsize upto = a ? a->start : strlen (text);

    if (a && !a->removed)
      continue;
    /* copy text[pos..upto), inserting the names given */
    for (; ei < elems->len && ok; ei++) {
      Elem *e = g_ptr_array_index (elems, ei);
      if (e->factory_end > upto)
        break;
      if (e->factory_end < pos)
        continue;
      ok = append_pasted (desc, text, pos, e->factory_end, used, &unsafe);
      pos = e->factory_end;
      if (e->injected)
        g_string_append_printf (desc, " name=%s", e->injected);
    }
    if (ok)
      ok = append_pasted (desc, text, pos, upto, used, &unsafe);
    pos = a ? a->end : upto;
  }
  if (!ok) {
    g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_SYNTAX,
        "pipeline %s: ${%s} is used outside a property value (as an "
        "element, caps or pad name): there its value may only have the "
        "characters A-Z a-z 0-9 _ . + -",
        path, unsafe->name);
    goto done;
  }

  pipe = gst_parse_launch_full (
      desc->str, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (pipe == NULL) {
    g_set_error (error, err->domain, err->code, "pipeline %s: %s%s", path,
        err->message,
        g_error_matches (err, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT)
            ? " (is the plugin installed? gst-inspect-1.0 lists the "
              "elements; Axion's need GST_PLUGIN_PATH when not installed)"
            : "");
    g_error_free (err);
    goto done;
  }

  /* the values: set on the elements */
  for (guint k = 0; k < assigns->len; k++) {
    Assign *a = g_ptr_array_index (assigns, k);
    Elem *e;
    GParamSpec *pspec;
    GObject *target;
    gchar *names, *what, *value;

    if (!a->removed)
      continue;
    e = g_ptr_array_index (elems, a->elem);
    names = var_names (text, a->vstart, a->vend, used);
    what = g_strdup_printf ("pipeline %s: %s (element \"%s\")", path, names,
        e->name ? e->name : e->injected);
    target = find_target (
        pipe, e->name ? e->name : e->injected, a->prop, &pspec);
    if (target == NULL) {
      g_set_error (error, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_PROPERTY,
          "%s: no property \"%s\"", what, a->prop);
      ok = FALSE;
    } else {
      value = assignment_value (text, a->vstart, a->vend, used);
      ok = set_value (target, pspec, value, what, error);
      memset (value, 0, strlen (value));
      g_free (value);
      g_object_unref (target);
    }
    g_free (names);
    g_free (what);
    if (!ok) {
      gst_object_unref (pipe);
      pipe = NULL;
      goto done;
    }
  }

done:
  if (desc)
    g_string_free (desc, TRUE);
  g_free (text);
  g_ptr_array_unref (assigns);
  g_ptr_array_unref (elems);
  g_ptr_array_unref (used);
  return pipe;
}
