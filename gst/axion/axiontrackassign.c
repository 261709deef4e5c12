/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiontrackassign.h"

#include <math.h>
#include <string.h>

/* a forbidden pair in a component's matrix: more than any sum of allowed
 * costs, so the solver takes one only when a row has nothing else */
#define FORBIDDEN 1e9

/* Kuhn-Munkres with potentials, O(n^2 m) for n <= m (the shortest
 * augmenting path form). @a is n x m row-major; @row_to_col[i] gets the
 * column of row i. */
static void
hungarian (const gdouble *a, gint n, gint m, gint *row_to_col)
{
  gdouble *u = g_new0 (gdouble, n + 1), *v = g_new0 (gdouble, m + 1);
  gdouble *minv = g_new (gdouble, m + 1);
  gint *p = g_new0 (gint, m + 1), *way = g_new0 (gint, m + 1);
  gboolean *used = g_new (gboolean, m + 1);

  for (gint i = 1; i <= n; i++) {
    gint j0 = 0;

    p[0] = i;
    for (gint j = 0; j <= m; j++) {
      minv[j] = INFINITY;
      used[j] = FALSE;
    }
    do {
      gint i0 = p[j0], j1 = 0;
      gdouble delta = INFINITY;

      used[j0] = TRUE;
      for (gint j = 1; j <= m; j++) {
        if (used[j])
          continue;
        gdouble cur = a[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (gint j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      gint j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (gint i = 0; i < n; i++)
    row_to_col[i] = -1;
  for (gint j = 1; j <= m; j++)
    if (p[j])
      row_to_col[p[j] - 1] = j - 1;
  g_free (u);
  g_free (v);
  g_free (minv);
  g_free (p);
  g_free (way);
  g_free (used);
}

static guint
uf_find (guint *parent, guint x)
{
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/* solves one component: rows @rows (n of them) against columns @cols */
static void
solve_component (const gfloat *cost, guint n_cols, gfloat max_cost,
    const guint *rows, guint n, const guint *cols, guint m, gint *row_to_col)
{
  gboolean flip = n > m; /* the solver wants rows <= columns */
  gint nn = flip ? m : n, mm = flip ? n : m;
  gdouble *a = g_new (gdouble, (gsize) nn * mm);
  gint *sol = g_new (gint, nn);

  for (gint i = 0; i < nn; i++) {
    for (gint j = 0; j < mm; j++) {
      guint r = flip ? rows[j] : rows[i], c = flip ? cols[i] : cols[j];
      gfloat v = cost[(gsize) r * n_cols + c];
      a[i * mm + j] = v < max_cost ? v : FORBIDDEN;
    }
  }
  hungarian (a, nn, mm, sol);
  for (gint i = 0; i < nn; i++) {
    gint j = sol[i];
    if (j < 0 || a[i * mm + j] >= FORBIDDEN)
      continue;
    if (flip)
      row_to_col[rows[j]] = cols[i];
    else
      row_to_col[rows[i]] = cols[j];
  }
  g_free (a);
  g_free (sol);
}

void
axion_track_assign (const gfloat *cost, guint n_rows, guint n_cols,
    gfloat max_cost, gint *row_to_col)
{
  guint n = n_rows + n_cols;
  guint *parent, *rows, *cols, *head, *next;
  gboolean *has_pair;

  for (guint r = 0; r < n_rows; r++)
    row_to_col[r] = -1;
  if (n_rows == 0 || n_cols == 0)
    return;

  /* union-find over rows (0..n_rows-1) and columns (n_rows..) */
  parent = g_new (guint, n);
  has_pair = g_new0 (gboolean, n);
  for (guint i = 0; i < n; i++)
    parent[i] = i;
  for (guint r = 0; r < n_rows; r++) {
    for (guint c = 0; c < n_cols; c++) {
      if (cost[(gsize) r * n_cols + c] < max_cost) {
        guint a = uf_find (parent, r), b = uf_find (parent, n_rows + c);
        if (a != b)
          parent[a] = b;
        has_pair[r] = has_pair[n_rows + c] = TRUE;
      }
    }
  }

  /* members of each component in lists headed at its root (built
   * backwards so that each list is in index order) */
  head = g_new (guint, n);
  next = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    head[i] = G_MAXUINT;
  for (guint i = n; i-- > 0;) {
    guint root;
    if (!has_pair[i])
      continue;
    root = uf_find (parent, i);
    next[i] = head[root];
    head[root] = i;
  }

  rows = g_new (guint, n_rows);
  cols = g_new (guint, n_cols);
  for (guint root = 0; root < n; root++) {
    guint nr = 0, nc = 0;

    for (guint i = head[root]; i != G_MAXUINT; i = next[i]) {
      if (i < n_rows)
        rows[nr++] = i;
      else
        cols[nc++] = i - n_rows;
    }
    if (nr == 0)
      continue;
    if (nr == 1) {
      /* the common case: one track and its candidates */
      gfloat best = max_cost;
      for (guint i = 0; i < nc; i++) {
        gfloat v = cost[(gsize) rows[0] * n_cols + cols[i]];
        if (v < best) {
          best = v;
          row_to_col[rows[0]] = cols[i];
        }
      }
    } else {
      solve_component (cost, n_cols, max_cost, rows, nr, cols, nc, row_to_col);
    }
  }
  g_free (parent);
  g_free (has_pair);
  g_free (head);
  g_free (next);
  g_free (rows);
  g_free (cols);
}
