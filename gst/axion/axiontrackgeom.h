/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axiontrack's zones (polygons) and lines (polylines): parsing from the
 * property text and the geometry tests, in fractions of the frame.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gfloat x, y;
} AxionTrackPoint;

typedef struct
{
  gchar *name;
  AxionTrackPoint *pts;
  guint n_pts;
} AxionTrackShape;

/* "name: x,y x,y ...; name: ..." with x, y in 0..1 (docs/elements/
 * axiontrack.md). Each shape needs @min_points points; @what ("zone",
 * "line") names the shape in errors. Returns an array of AxionTrackShape
 * (empty for NULL or blank text), or NULL with @error set. */
GPtrArray *axion_track_shapes_parse (
    const gchar *text, guint min_points, const gchar *what, GError **error);

/* even-odd rule: a point on the edge may fall either way */
gboolean
axion_track_zone_contains (const AxionTrackShape *zone, AxionTrackPoint p);

/* Did the move @from -> @to cross the polyline? +1: from its left to its
 * right, -1: from its right to its left, 0: no crossing. Left and right
 * as on a map: stand on the line's first point, face the next one, with
 * the image's top as north. A point exactly on the line counts as right,
 * so touching and leaving again is not a crossing. */
gint axion_track_line_crossing (
    const AxionTrackShape *line, AxionTrackPoint from, AxionTrackPoint to);

G_END_DECLS
