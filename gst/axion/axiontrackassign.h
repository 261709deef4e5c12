/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Minimum-cost assignment (the Hungarian algorithm) for axiontrack's
 * track-to-detection association; also used by the tests' IDF1.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Assigns rows to columns so that the number of allowed pairs is the
 * largest possible and, among those, the sum of their costs is the
 * smallest. @cost is row-major, n_rows x n_cols; a pair whose cost is
 * >= @max_cost is not allowed. Writes the column of each row into
 * @row_to_col (-1: none).
 *
 * Why split first: the rows and columns are split into the connected
 * components of the allowed pairs and each is solved alone. Boxes far
 * apart never compete, so at 50 objects the components have 1-3 members
 * and the O(n^3) solver runs on tiny matrices. */
void axion_track_assign (const gfloat *cost, guint n_rows, guint n_cols,
    gfloat max_cost, gint *row_to_col);

G_END_DECLS
