/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiontrackgeom.h"

#include <gst/gst.h>
#include <string.h>

#define MAX_NAME 64

static void
shape_free (gpointer p)
{
  AxionTrackShape *s = p;
  g_free (s->name);
  g_free (s->pts);
  g_free (s);
}

static gboolean
name_ok (const gchar *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > MAX_NAME)
    return FALSE;
  for (const gchar *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-' && *c != '.')
      return FALSE;
  return TRUE;
}

static gboolean
parse_coord (const gchar *s, gfloat *out)
{
  gchar *end;
  gdouble v = g_ascii_strtod (s, &end);

  if (end == s || *end != '\0' || !(v >= 0.0 && v <= 1.0))
    return FALSE;
  *out = (gfloat) v;
  return TRUE;
}

/* "x,y x,y ..." */
static gboolean
parse_points (AxionTrackShape *shape, const gchar *text)
{
  gchar **tok = g_strsplit_set (text, " \t\n", -1);
  GArray *pts = g_array_new (FALSE, FALSE, sizeof (AxionTrackPoint));
  gboolean ok = TRUE;

  for (gchar **t = tok; *t && ok; t++) {
    gchar **xy;
    AxionTrackPoint p;

    if (**t == '\0')
      continue;
    xy = g_strsplit (*t, ",", -1);
    ok = g_strv_length (xy) == 2 && parse_coord (xy[0], &p.x) &&
        parse_coord (xy[1], &p.y);
    g_strfreev (xy);
    if (ok)
      g_array_append_val (pts, p);
  }
  g_strfreev (tok);
  shape->n_pts = pts->len;
  shape->pts = (AxionTrackPoint *) g_array_free (pts, FALSE);
  return ok;
}

GPtrArray *
axion_track_shapes_parse (
    const gchar *text, guint min_points, const gchar *what, GError **error)
{
  GPtrArray *shapes = g_ptr_array_new_with_free_func (shape_free);
  gchar **items;

  if (text == NULL)
    return shapes;
  items = g_strsplit (text, ";", -1);
  for (gchar **it = items; *it; it++) {
    gchar *item = g_strstrip (*it), *colon;
    AxionTrackShape *s;

    if (*item == '\0')
      continue;
    colon = strchr (item, ':');
    s = g_new0 (AxionTrackShape, 1);
    if (colon) {
      *colon = '\0';
      s->name = g_strdup (g_strstrip (item));
    }
    if (colon == NULL || !name_ok (s->name)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "%s \"%s\": expected \"name: x,y x,y ...\" with a name of 1-%d "
          "letters, digits, '_', '-' or '.'",
          what, item, MAX_NAME);
      goto fail;
    }
    if (!parse_points (s, colon + 1) || s->n_pts < min_points) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "%s \"%s\": expected at least %u points \"x,y\" separated by "
          "spaces, each coordinate a fraction of the frame from 0 to 1",
          what, s->name, min_points);
      goto fail;
    }
    for (guint i = 0; i < shapes->len; i++) {
      if (!strcmp (((AxionTrackShape *) shapes->pdata[i])->name, s->name)) {
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
            "%s \"%s\" is defined twice: names must be unique", what, s->name);
        goto fail;
      }
    }
    g_ptr_array_add (shapes, s);
    continue;
  fail:
    shape_free (s);
    g_strfreev (items);
    g_ptr_array_unref (shapes);
    return NULL;
  }
  g_strfreev (items);
  return shapes;
}

gboolean
axion_track_zone_contains (const AxionTrackShape *zone, AxionTrackPoint p)
{
  gboolean in = FALSE;

  for (guint i = 0, j = zone->n_pts - 1; i < zone->n_pts; j = i++) {
    AxionTrackPoint a = zone->pts[i], b = zone->pts[j];
    if ((a.y > p.y) != (b.y > p.y) &&
        p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x)
      in = !in;
  }
  return in;
}

/* z of (b - a) x (p - a) in image coordinates (y down): < 0 when p is
 * left of a->b as on a map */
static gfloat
side (AxionTrackPoint a, AxionTrackPoint b, AxionTrackPoint p)
{
  return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
}

gint
axion_track_line_crossing (
    const AxionTrackShape *line, AxionTrackPoint from, AxionTrackPoint to)
{
  for (guint i = 0; i + 1 < line->n_pts; i++) {
    AxionTrackPoint a = line->pts[i], b = line->pts[i + 1];
    gboolean from_left = side (a, b, from) < 0, to_left = side (a, b, to) < 0;
    gfloat ea, eb;

    if (from_left == to_left)
      continue;
    /* the segment's ends on either side of the move */
    ea = side (from, to, a);
    eb = side (from, to, b);
    if ((ea < 0 && eb < 0) || (ea > 0 && eb > 0))
      continue;
    return from_left ? 1 : -1;
  }
  return 0;
}
