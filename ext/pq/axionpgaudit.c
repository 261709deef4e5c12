/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* audit_log rows for the configuration changes of every Axion element of
 * the pipeline an axionpgsink is in (the sink audits its own properties in
 * gstaxionpgsink.c). While the sink is started it watches "deep-notify" of
 * its top-level bin: GstObject emits it there for every property
 * notification of every descendant. Notifications carry no old value, so
 * the values of the watched properties are read at start and kept; a
 * notification whose value text equals the kept one (a set to the same
 * value) writes nothing. Changes before the sink starts, or after it
 * stops, are not audited: they are the pipeline's configuration, not a
 * change of a running one.
 *
 * Watched: elements whose factory name starts with "axion" (other than
 * axionpgsinks: each audits itself), properties both readable and
 * writable, not construct-only, not GstObject's name/parent. Values of
 * credentials are written as "***" (gst_axion_row_audit_log()); the fact
 * of the change stays in the trail. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionpgaudit.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (axion_pg_audit_debug);
#define GST_CAT_DEFAULT axion_pg_audit_debug

/* property names (or their last dash-separated word) that hold
 * credentials or may (URLs carry user:password@) */
static const gchar *const secret_words[] = { "conninfo", "password", "passwd",
  "secret", "token", "key", "url", "uri", "credentials", "auth", NULL };

gboolean
axion_pg_audit_is_secret (const gchar *property)
{
  const gchar *last;

  g_return_val_if_fail (property != NULL, TRUE);
  /* "api-key", "redis-url", "webhook-secret"; not "key-prefix" or
   * "tokens-per-day" */
  last = strrchr (property, '-');
  last = last ? last + 1 : property;
  if (g_strv_contains (secret_words, last) ||
      g_strv_contains (secret_words, property))
    return TRUE;
  /* "password-file", "auth-token", "secret-*": any word is a credential */
  return strstr (property, "password") != NULL ||
      g_str_has_prefix (property, "secret") ||
      g_str_has_prefix (property, "auth-");
}

GstAxionRow *
axion_pg_audit_row (GstObject *element, const gchar *property,
    const gchar *old_value, const gchar *new_value, gboolean secret)
{
  GstAxionAuditEntry e = { 0 };
  gchar *name = gst_object_get_name (element);
  gchar *camera = NULL;
  GParamSpec *cam = g_object_class_find_property (
      G_OBJECT_GET_CLASS (element), "camera-id");
  GstAxionRow *row;

  if (cam && cam->value_type == G_TYPE_STRING &&
      (cam->flags & G_PARAM_READABLE))
    g_object_get (element, "camera-id", &camera, NULL);
  e.event_type = "config_change";
  /* the camera the element works for when it says so, else the element */
  if (camera && *camera) {
    e.entity_type = "camera";
    e.entity_id = camera;
  } else {
    e.entity_type = "config";
    e.entity_id = name;
  }
  e.action = "config.property_changed";
  e.action_status = "success";
  e.service_name = name;
  e.property = property;
  e.old_value = old_value;
  e.new_value = new_value;
  e.secret = secret;
  row = gst_axion_row_audit_log (&e, 0, NULL);
  g_free (camera);
  g_free (name);
  return row;
}

static gboolean
is_watched_element (AxionPgAudit *audit, GstObject *obj)
{
  GstElementFactory *f;
  const gchar *fname;

  if (!GST_IS_ELEMENT (obj) || obj == GST_OBJECT (audit->sink))
    return FALSE;
  f = gst_element_get_factory (GST_ELEMENT (obj));
  if (f == NULL)
    return FALSE;
  fname = gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (f));
  return g_str_has_prefix (fname, "axion") &&
      !g_str_equal (fname, "axionpgsink");
}

static gboolean
is_watched_property (GParamSpec *pspec)
{
  return (pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE &&
      !(pspec->flags & G_PARAM_CONSTRUCT_ONLY) &&
      pspec->owner_type != GST_TYPE_OBJECT;
}

static gchar *
key_of (GstObject *obj, const gchar *property)
{
  /* element names are unique within a bin; the path is unique in the
   * pipeline */
  gchar *path = gst_object_get_path_string (obj);
  gchar *key = g_strconcat (path, "\n", property, NULL);

  g_free (path);
  return key;
}

static gchar *
value_text (GstObject *obj, GParamSpec *pspec)
{
  GValue v = G_VALUE_INIT;
  gchar *s;

  g_value_init (&v, pspec->value_type);
  g_object_get_property (G_OBJECT (obj), pspec->name, &v);
  s = g_strdup_value_contents (&v);
  g_value_unset (&v);
  return s;
}

/* lock held */
static void
remember_element (AxionPgAudit *audit, GstObject *obj)
{
  guint n;
  GParamSpec **specs = g_object_class_list_properties (
      G_OBJECT_GET_CLASS (obj), &n);

  for (guint i = 0; i < n; i++) {
    if (!is_watched_property (specs[i]))
      continue;
    g_hash_table_replace (audit->values, key_of (obj, specs[i]->name),
        value_text (obj, specs[i]));
  }
  g_free (specs);
}

static void
on_deep_notify (GstObject *top, GstObject *prop_object, GParamSpec *pspec,
    AxionPgAudit *audit)
{
  gchar *key, *now;
  const gchar *before;
  GstAxionRow *row = NULL;
  gboolean secret;

  (void) top;
  if (!is_watched_property (pspec) || !is_watched_element (audit, prop_object))
    return;
  key = key_of (prop_object, pspec->name);
  now = value_text (prop_object, pspec);
  secret = axion_pg_audit_is_secret (pspec->name);
  g_mutex_lock (&audit->lock);
  if (audit->handler == 0) {
    g_mutex_unlock (&audit->lock);
    g_free (key);
    g_free (now);
    return;
  }
  before = g_hash_table_lookup (audit->values, key);
  /* an element added after start: its other values are kept from now */
  if (before == NULL)
    remember_element (audit, prop_object);
  if (g_strcmp0 (before, now) != 0) {
    row = axion_pg_audit_row (prop_object, pspec->name, before, now, secret);
    GST_INFO_OBJECT (audit->sink, "audit: %s %s changed%s",
        GST_OBJECT_NAME (prop_object), pspec->name,
        secret ? " (secret, value not written)" : "");
  }
  g_hash_table_replace (audit->values, key, now);
  g_mutex_unlock (&audit->lock);
  if (row)
    audit->add (row, audit->add_data);
}

void
axion_pg_audit_init (
    AxionPgAudit *audit, GstElement *sink, AxionPgAuditAdd add, gpointer data)
{
  if (axion_pg_audit_debug == NULL)
    GST_DEBUG_CATEGORY_INIT (
        axion_pg_audit_debug, "axionpgsink", 0, "Axion PostgreSQL sink");
  g_mutex_init (&audit->lock);
  g_weak_ref_init (&audit->top, NULL);
  audit->handler = 0;
  audit->values = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, g_free);
  audit->sink = sink;
  audit->add = add;
  audit->add_data = data;
}

void
axion_pg_audit_clear (AxionPgAudit *audit)
{
  axion_pg_audit_stop (audit);
  g_weak_ref_clear (&audit->top);
  g_hash_table_destroy (audit->values);
  g_mutex_clear (&audit->lock);
}

void
axion_pg_audit_start (AxionPgAudit *audit)
{
  GstObject *top = gst_object_ref (GST_OBJECT (audit->sink));
  GstObject *parent;
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  axion_pg_audit_stop (audit);
  while ((parent = gst_object_get_parent (top))) {
    gst_object_unref (top);
    top = parent;
  }
  if (!GST_IS_BIN (top)) {
    /* a sink on its own: nothing else to audit */
    gst_object_unref (top);
    return;
  }
  g_mutex_lock (&audit->lock);
  g_hash_table_remove_all (audit->values);
  it = gst_bin_iterate_recurse (GST_BIN (top));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstObject *e = g_value_get_object (&item);
    if (is_watched_element (audit, e))
      remember_element (audit, e);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  g_weak_ref_set (&audit->top, top);
  audit->handler = g_signal_connect (
      top, "deep-notify", G_CALLBACK (on_deep_notify), audit);
  g_mutex_unlock (&audit->lock);
  GST_DEBUG_OBJECT (
      audit->sink, "auditing the Axion elements of %" GST_PTR_FORMAT, top);
  gst_object_unref (top);
}

void
axion_pg_audit_stop (AxionPgAudit *audit)
{
  GObject *top = g_weak_ref_get (&audit->top);
  gulong handler;

  g_mutex_lock (&audit->lock);
  handler = audit->handler;
  audit->handler = 0;
  g_hash_table_remove_all (audit->values);
  g_mutex_unlock (&audit->lock);
  if (top && handler)
    g_signal_handler_disconnect (top, handler);
  g_weak_ref_set (&audit->top, NULL);
  g_clear_object (&top);
}
