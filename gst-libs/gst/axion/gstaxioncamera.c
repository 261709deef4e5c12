/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxioncamera.h"
#include "gstaxion-private.h"

#include <string.h>

/* Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01) */
#define NTP_UNIX_OFFSET_S G_GUINT64_CONSTANT (2208988800)

static gboolean
camera_id_char_ok (gchar c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-' || c == '.';
}

/**
 * gst_axion_camera_id_is_valid:
 *
 * Returns: %TRUE when @camera_id is 1..64 characters from [A-Za-z0-9_.-].
 */
gboolean
gst_axion_camera_id_is_valid (const gchar *camera_id)
{
  gsize len;

  if (camera_id == NULL)
    return FALSE;
  len = strlen (camera_id);
  if (len == 0 || len > GST_AXION_CAMERA_ID_MAX_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!camera_id_char_ok (camera_id[i]))
      return FALSE;
  return TRUE;
}

/**
 * gst_axion_camera_id_property_set:
 * @owner: the element whose camera-id property is set (for the warning)
 * @slot: where the property's value is kept
 * @camera_id: (nullable): the new value; %NULL or "" unsets it
 *
 * The camera-id property setter every Axion element shares: a valid id (or
 * none) replaces *@slot; an invalid one leaves it and warns.
 *
 * Returns: %TRUE when *@slot was changed
 */
gboolean
gst_axion_camera_id_property_set (
    GstObject *owner, gchar **slot, const gchar *camera_id)
{
  if (camera_id && *camera_id && !gst_axion_camera_id_is_valid (camera_id)) {
    g_warning ("%s: invalid camera-id \"%s\": use 1-64 characters of "
               "A-Z a-z 0-9 _ . - ; property unchanged",
        GST_OBJECT_NAME (owner), camera_id);
    return FALSE;
  }
  g_free (*slot);
  *slot = (camera_id && *camera_id) ? g_strdup (camera_id) : NULL;
  return TRUE;
}

/* %XX decoded where XX is hex; any other '%' kept as it is (passwords
 * are often written unencoded) */
static gchar *
percent_decode_lenient (const gchar *s, gsize len)
{
  GString *out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++) {
    if (s[i] == '%' && i + 2 < len && g_ascii_isxdigit (s[i + 1]) &&
        g_ascii_isxdigit (s[i + 2])) {
      g_string_append_c (out,
          (gchar) (g_ascii_xdigit_value (s[i + 1]) * 16 +
              g_ascii_xdigit_value (s[i + 2])));
      i += 2;
    } else {
      g_string_append_c (out, s[i]);
    }
  }
  return g_string_free (out, FALSE);
}

/**
 * gst_axion_uri_split_credentials:
 * @uri: a URI such as rtsp://user:secret@cam1:554/stream
 * @user: (out) (optional) (nullable) (transfer full): the user name,
 *   percent-decoded, or %NULL when @uri has no user-info
 * @password: (out) (optional) (nullable) (transfer full): the password,
 *   percent-decoded, or %NULL when the user-info has no ':'
 *
 * Splits the user-info off @uri. The user-info is everything between
 * "scheme://" and the last '@' before the first '/' after it, so a
 * password may contain '@', ':', '#', '?', '%' and quotes unencoded (only
 * '/' must be written %2F). The user name ends at the first ':'. "%XX"
 * sequences are decoded, a '%' not followed by two hex digits is kept.
 *
 * Returns: (transfer full): @uri without the user-info (a copy of @uri
 * when it has none)
 */
gchar *
gst_axion_uri_split_credentials (
    const gchar *uri, gchar **user, gchar **password)
{
  const gchar *scheme_end, *auth, *slash, *at = NULL, *colon;

  if (user)
    *user = NULL;
  if (password)
    *password = NULL;
  g_return_val_if_fail (uri != NULL, NULL);

  scheme_end = strstr (uri, "://");
  if (scheme_end == NULL || scheme_end == uri || !g_ascii_isalpha (uri[0]))
    return g_strdup (uri);
  for (const gchar *p = uri; p < scheme_end; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
      return g_strdup (uri);
  auth = scheme_end + 3;
  slash = strchr (auth, '/');
  if (slash == NULL)
    slash = auth + strlen (auth);
  for (const gchar *p = auth; p < slash; p++)
    if (*p == '@')
      at = p;
  if (at == NULL)
    return g_strdup (uri);

  colon = memchr (auth, ':', at - auth);
  if (user)
    *user = percent_decode_lenient (auth, (colon ? colon : at) - auth);
  if (password && colon)
    *password = percent_decode_lenient (colon + 1, at - colon - 1);
  {
    GString *clean = g_string_new_len (uri, auth - uri);
    g_string_append (clean, at + 1);
    return g_string_free (clean, FALSE);
  }
}

/**
 * gst_axion_uri_strip_credentials:
 * @uri: a URI such as rtsp://user:secret@cam1:554/stream
 *
 * Returns: (transfer full): @uri without the user-info part (see
 * gst_axion_uri_split_credentials()) and without any password-like query
 * parameter (password=, pwd=, passwd=, token=), safe to log and store; a
 * copy of @uri when it has none.
 */
gchar *
gst_axion_uri_strip_credentials (const gchar *uri)
{
  GString *out;

  g_return_val_if_fail (uri != NULL, NULL);

  {
    gchar *clean = gst_axion_uri_split_credentials (uri, NULL, NULL);
    out = g_string_new (clean);
    g_free (clean);
  }

  /* drop password-like query parameters (e.g. some cameras' ?pwd=) */
  {
    gchar *q = strchr (out->str, '?');
    if (q) {
      gchar **params = g_strsplit (q + 1, "&", -1);
      GString *nq = g_string_new (NULL);
      for (gchar **p = params; *p; p++) {
        gchar *lower = g_ascii_strdown (*p, -1);
        gboolean secret = g_str_has_prefix (lower, "password=") ||
            g_str_has_prefix (lower, "pwd=") ||
            g_str_has_prefix (lower, "passwd=") ||
            g_str_has_prefix (lower, "token=");
        g_free (lower);
        if (secret)
          continue;
        g_string_append_printf (nq, "%s%s", nq->len ? "&" : "", *p);
      }
      g_strfreev (params);
      g_string_truncate (out, q - out->str);
      if (nq->len)
        g_string_append_printf (out, "?%s", nq->str);
      g_string_free (nq, TRUE);
    }
  }
  return g_string_free (out, FALSE);
}

/* a valid camera id from any text: every character outside
 * [A-Za-z0-9_.-] becomes '_' (runs collapsed, none at either end); "camera"
 * when nothing is left; longer than 64 characters: shortened, ending in a
 * hash of @hashed so that ids stay distinct */
static gchar *
camera_id_from_text (const gchar *text, const gchar *hashed)
{
  GString *s = g_string_new (NULL);

  for (const gchar *c = text; *c; c++) {
    gchar ch = camera_id_char_ok (*c) ? *c : '_';
    /* collapse runs of '_' and drop leading/trailing ones */
    if (ch == '_' && (s->len == 0 || s->str[s->len - 1] == '_'))
      continue;
    g_string_append_c (s, ch);
  }
  while (s->len && s->str[s->len - 1] == '_')
    g_string_truncate (s, s->len - 1);
  if (s->len == 0)
    g_string_assign (s, "camera");

  if (s->len > GST_AXION_CAMERA_ID_MAX_LEN) {
    gchar *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, hashed, -1);
    g_string_truncate (s, GST_AXION_CAMERA_ID_MAX_LEN - 13);
    g_string_append_printf (s, "-%.12s", sum);
    g_free (sum);
  }
  return g_string_free (s, FALSE);
}

/**
 * gst_axion_camera_id_from_uri:
 * @uri: the source URI
 *
 * Derives a stable, valid camera id from a source URI, ignoring
 * credentials: host, port and path with every other character replaced by
 * '_' (e.g. rtsp://u:p@10.0.0.7:554/axis-media/media.amp becomes
 * "10.0.0.7_554_axis-media_media.amp"). Ids longer than 64 characters are
 * shortened and end with a hash of the whole URI, so they stay distinct.
 *
 * Returns: (transfer full): the camera id
 */
gchar *
gst_axion_camera_id_from_uri (const gchar *uri)
{
  gchar *clean, *id;
  const gchar *p;

  g_return_val_if_fail (uri != NULL, NULL);

  clean = gst_axion_uri_strip_credentials (uri);
  p = strstr (clean, "://");
  id = camera_id_from_text (p ? p + 3 : clean, clean);
  g_free (clean);
  return id;
}

/* the URI of the pipeline's source: the URI query upstream of @sinkpad,
 * else the "location" or "uri" property of a source element in
 * @element's top-level bin; credentials stripped */
static gchar *
find_source_uri (GstElement *element, GstPad *sinkpad)
{
  gchar *uri = NULL, *clean = NULL;
  GstObject *top;

  if (sinkpad) {
    GstQuery *q = gst_query_new_uri ();
    if (gst_pad_peer_query (sinkpad, q))
      gst_query_parse_uri (q, &uri);
    gst_query_unref (q);
  }

  /* not every source answers the URI query (rtspsrc is a bin): look for a
   * source with a "location" or "uri" property in our pipeline */
  top = gst_object_ref (GST_OBJECT (element));
  while (uri == NULL) {
    GstObject *p = gst_object_get_parent (top);
    if (p == NULL)
      break;
    gst_object_unref (top);
    top = p;
  }
  if (uri == NULL && GST_IS_BIN (top)) {
    GstIterator *it = gst_bin_iterate_recurse (GST_BIN (top));
    GValue v = G_VALUE_INIT;

    while (uri == NULL && gst_iterator_next (it, &v) == GST_ITERATOR_OK) {
      GstElement *e = g_value_get_object (&v);
      if (GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SOURCE)) {
        for (const gchar *const *p =
                 (const gchar *const[]){ "location", "uri", NULL };
             *p && uri == NULL; p++) {
          GParamSpec *ps = g_object_class_find_property (
              G_OBJECT_GET_CLASS (e), *p);
          if (ps && ps->value_type == G_TYPE_STRING &&
              (ps->flags & G_PARAM_READABLE))
            g_object_get (e, *p, &uri, NULL);
        }
      }
      g_value_reset (&v);
    }
    g_value_unset (&v);
    gst_iterator_free (it);
  }
  gst_object_unref (top);

  if (uri) {
    clean = gst_axion_uri_strip_credentials (uri);
    g_free (uri);
  }
  return clean;
}

/* Ids made from element names (no camera-id, no source URI), one
 * registry for the process: id -> the top-level bin (pipeline) that took
 * it (a weak reference). Two pipelines built from one description have
 * elements of the same names: the later one gets "<name>-2", "-3", ...,
 * so their rows never merge; elements of one pipeline share the id. A
 * pipeline made later never takes an id an earlier one used, even after
 * that one is gone (the rows of two runs stay apart). */
static GMutex name_ids_lock;
static GHashTable *name_ids; /* gchar * -> GWeakRef * */

static void
weak_ref_free (gpointer p)
{
  g_weak_ref_clear (p);
  g_free (p);
}

/* the outermost parent of @element (itself when it has none) */
static GstObject *
top_level_of (GstElement *element)
{
  GstObject *top = gst_object_ref (GST_OBJECT (element)), *p;

  while ((p = gst_object_get_parent (top))) {
    gst_object_unref (top);
    top = p;
  }
  return top;
}

/* @base (valid) for @element's pipeline, unique among the pipelines of
 * this process; transfer full */
static gchar *
name_id_claim (GstElement *element, const gchar *base)
{
  GstObject *top = top_level_of (element);
  gchar *id = g_strdup (base);

  g_mutex_lock (&name_ids_lock);
  if (name_ids == NULL)
    name_ids = g_hash_table_new_full (
        g_str_hash, g_str_equal, g_free, weak_ref_free);
  for (guint n = 2;; n++) {
    GWeakRef *ref = g_hash_table_lookup (name_ids, id);
    GObject *owner;

    if (ref == NULL) {
      ref = g_new0 (GWeakRef, 1);
      g_weak_ref_init (ref, top);
      g_hash_table_insert (name_ids, g_strdup (id), ref);
      break;
    }
    owner = g_weak_ref_get (ref);
    if (owner)
      g_object_unref (owner);
    if (owner == (GObject *) top)
      break; /* this pipeline's: shared by its elements */
    g_free (id);
    {
      gchar *suffix = g_strdup_printf ("-%u", n);
      gchar *trunk = g_strndup (
          base, GST_AXION_CAMERA_ID_MAX_LEN - strlen (suffix));
      id = g_strconcat (trunk, suffix, NULL);
      g_free (trunk);
      g_free (suffix);
    }
  }
  g_mutex_unlock (&name_ids_lock);
  gst_object_unref (top);
  return id;
}

/* The one warning of the fallback, once per element, on the bus: what the
 * rows are filed under and what to set. */
static void
warn_fallback (GstElement *element, const gchar *id, const gchar *uri)
{
  static GQuark warned = 0;

  if (warned == 0)
    warned = g_quark_from_static_string ("axion-camera-id-fallback-warned");
  if (g_object_get_qdata (G_OBJECT (element), warned))
    return;
  g_object_set_qdata (G_OBJECT (element), warned, GINT_TO_POINTER (1));
  if (uri)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("No camera-id set: rows and keys are filed under camera id \"%s\", "
         "derived from the source URI",
            id),
        ("source URI (without credentials): %s; set camera-id on one Axion "
         "element of this camera's pipeline to choose the id",
            uri));
  else
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("No camera-id set and no source URI found: rows and keys are filed "
         "under camera id \"%s\" (made from the element's name, unique in "
         "this process only)",
            id),
        ("set camera-id on one Axion element of this camera's pipeline "
         "(e.g. axionmotion camera-id=CAM001): another process without one "
         "may choose the same id"));
}

/**
 * gst_axion_camera_id_resolve:
 * @element: the element that needs a camera id
 * @sinkpad: (nullable): its sink pad, to ask upstream for the source URI
 * @source_uri: (inout) (optional) (nullable) (transfer full): the source
 *   URI when the element knows it already; on return the URI the id was
 *   derived from, without credentials (for the camera-id event), or
 *   %NULL
 *
 * The camera id of an element whose `camera-id` property is unset and
 * that has no id from upstream (no camera-id event, no frame meta with a
 * camera id): derived with gst_axion_camera_id_from_uri() from the source
 * URI (the one given, else the URI query upstream of @sinkpad, else the
 * "location" or "uri" property of a source element in @element's
 * pipeline). Without any URI the id is @element's name, made valid, and
 * unique among the pipelines of this process ("-2", "-3", ... appended
 * when another pipeline has taken it): two pipelines never merge.
 *
 * Either way the fallback is posted once per element as an element
 * warning on the bus (the id, and that camera-id sets it), and logged.
 *
 * Every Axion element calls this, so a pipeline gets the same id
 * whichever Axion element comes first.
 *
 * Returns: (transfer full): a valid camera id
 */
gchar *
gst_axion_camera_id_resolve (
    GstElement *element, GstPad *sinkpad, gchar **source_uri)
{
  gchar *uri = NULL, *id, *name, *base;

  g_return_val_if_fail (GST_IS_ELEMENT (element), g_strdup ("camera"));

  if (source_uri && *source_uri && **source_uri)
    uri = gst_axion_uri_strip_credentials (*source_uri);
  else
    uri = find_source_uri (element, sinkpad);

  if (uri) {
    id = gst_axion_camera_id_from_uri (uri);
    GST_INFO_OBJECT (element,
        "no camera-id set: using \"%s\" derived from the source URI %s", id,
        uri);
  } else {
    name = gst_object_get_name (GST_OBJECT (element));
    base = camera_id_from_text (name ? name : "", name ? name : "");
    id = name_id_claim (element, base);
    g_free (base);
    g_free (name);
    GST_WARNING_OBJECT (element,
        "no camera-id set and no source URI found: using \"%s\" (from "
        "this element's name); set camera-id on one Axion element of this "
        "camera's pipeline",
        id);
  }
  warn_fallback (element, id, uri);
  if (source_uri) {
    g_free (*source_uri);
    *source_uri = uri;
  } else {
    g_free (uri);
  }
  return id;
}

/**
 * gst_axion_camera_id_event_new:
 * @camera_id: a valid camera id
 * @source_uri: (nullable): the source URI, credentials are stripped
 *
 * Returns: (transfer full): a sticky custom downstream event announcing
 * the camera id
 */
GstEvent *
gst_axion_camera_id_event_new (const gchar *camera_id, const gchar *source_uri)
{
  GstStructure *s;

  g_return_val_if_fail (gst_axion_camera_id_is_valid (camera_id), NULL);

  s = gst_structure_new (GST_AXION_CAMERA_ID_EVENT_NAME, "camera-id",
      G_TYPE_STRING, camera_id, NULL);
  if (source_uri) {
    gchar *clean = gst_axion_uri_strip_credentials (source_uri);
    gst_structure_set (s, "source-uri", G_TYPE_STRING, clean, NULL);
    g_free (clean);
  }
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, s);
}

/**
 * gst_axion_camera_id_event_parse:
 * @event: an event
 * @camera_id: (out) (optional) (transfer none): the camera id
 * @source_uri: (out) (optional) (transfer none) (nullable): the source URI
 *
 * Returns: %TRUE when @event is a camera-id event
 */
gboolean
gst_axion_camera_id_event_parse (
    GstEvent *event, const gchar **camera_id, const gchar **source_uri)
{
  const GstStructure *s;
  const gchar *id;

  g_return_val_if_fail (GST_IS_EVENT (event), FALSE);

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY)
    return FALSE;
  s = gst_event_get_structure (event);
  if (s == NULL || !gst_structure_has_name (s, GST_AXION_CAMERA_ID_EVENT_NAME))
    return FALSE;
  id = gst_structure_get_string (s, "camera-id");
  if (!gst_axion_camera_id_is_valid (id))
    return FALSE;
  if (camera_id)
    *camera_id = id;
  if (source_uri)
    *source_uri = gst_structure_get_string (s, "source-uri");
  return TRUE;
}

/**
 * gst_axion_capture_time_us:
 * @buffer: a buffer
 * @element: (nullable): the element seeing it (for its clock and base time)
 * @segment: (nullable): the current TIME segment of @element's sink pad
 * @source: (out) (optional): where the time came from
 *
 * The capture wall-clock time of a frame, in preference order:
 * a `timestamp/x-ntp` reference timestamp meta (rtspsrc/rtpjitterbuffer
 * with add-reference-timestamp-meta=true: the camera's RTCP sender
 * report clock), a `timestamp/x-unix` one, the buffer's running time on
 * the pipeline clock mapped to the system's real time, and finally the
 * real time now.
 *
 * Returns: microseconds since the Unix epoch (UTC)
 */
gint64
gst_axion_capture_time_us (GstBuffer *buffer, GstElement *element,
    const GstSegment *segment, GstAxionCaptureTimeSource *source)
{
  static GstCaps *ntp_caps = NULL, *unix_caps = NULL;
  GstReferenceTimestampMeta *ref;
  gint64 now_us = g_get_real_time ();

  g_return_val_if_fail (GST_IS_BUFFER (buffer), now_us);

  if (g_once_init_enter (&ntp_caps)) {
    unix_caps = gst_caps_new_empty_simple ("timestamp/x-unix");
    GST_MINI_OBJECT_FLAG_SET (unix_caps, GST_MINI_OBJECT_FLAG_MAY_BE_LEAKED);
    GstCaps *c = gst_caps_new_empty_simple ("timestamp/x-ntp");
    GST_MINI_OBJECT_FLAG_SET (c, GST_MINI_OBJECT_FLAG_MAY_BE_LEAKED);
    g_once_init_leave (&ntp_caps, c);
  }

  ref = gst_buffer_get_reference_timestamp_meta (buffer, ntp_caps);
  if (ref && ref->timestamp >= NTP_UNIX_OFFSET_S * GST_SECOND) {
    if (source)
      *source = GST_AXION_CAPTURE_TIME_NTP;
    return (gint64) ((ref->timestamp - NTP_UNIX_OFFSET_S * GST_SECOND) /
        GST_USECOND);
  }
  ref = gst_buffer_get_reference_timestamp_meta (buffer, unix_caps);
  if (ref) {
    if (source)
      *source = GST_AXION_CAPTURE_TIME_UNIX;
    return (gint64) (ref->timestamp / GST_USECOND);
  }

  if (element && segment && segment->format == GST_FORMAT_TIME &&
      GST_BUFFER_PTS_IS_VALID (buffer)) {
    GstClock *clock = gst_element_get_clock (element);
    guint64 rt = gst_segment_to_running_time (
        segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));

    if (clock && GST_CLOCK_TIME_IS_VALID (rt)) {
      GstClockTime base = gst_element_get_base_time (element);
      GstClockTime clock_now = gst_clock_get_time (clock);
      GstClockTimeDiff age = GST_CLOCK_DIFF (base + rt, clock_now);

      gst_object_unref (clock);
      if (source)
        *source = GST_AXION_CAPTURE_TIME_CLOCK;
      return now_us - age / (GstClockTimeDiff) GST_USECOND;
    }
    if (clock)
      gst_object_unref (clock);
  }

  if (source)
    *source = GST_AXION_CAPTURE_TIME_ARRIVAL;
  return now_us;
}

/**
 * gst_axion_camera_id_to_filename:
 * @camera_id: a camera id
 *
 * The camera id as one file name, for per-camera directories (spools,
 * snapshots): bytes outside `[A-Za-z0-9._-]` as `%XX`, and `.`, `..` and
 * the empty id never as themselves. The result is always exactly one path
 * component (it never leaves the directory it is put in), and distinct ids
 * give distinct names.
 *
 * Returns: (transfer full): the file name
 */
gchar *
gst_axion_camera_id_to_filename (const gchar *camera_id)
{
  GString *s = g_string_new (NULL);

  for (const guchar *p = (const guchar *) camera_id; p && *p; p++) {
    if (g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-')
      g_string_append_c (s, *p);
    else
      g_string_append_printf (s, "%%%02X", *p);
  }
  if (s->len == 0 || g_str_equal (s->str, ".") || g_str_equal (s->str, "..")) {
    gsize n = s->len;
    g_string_truncate (s, 0);
    for (gsize i = 0; i < n; i++)
      g_string_append (s, "%2E");
    if (n == 0)
      g_string_append (s, "%");
  }
  return g_string_free (s, FALSE);
}
