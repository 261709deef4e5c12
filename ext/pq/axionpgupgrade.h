/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_PG_UPGRADE_H__
#define __AXION_PG_UPGRADE_H__

#include <gst/axion/axion.h>

G_BEGIN_DECLS

/* Rows a spool file or journal of an earlier release holds (COPY text,
 * @rows lines in @text) in the current column layout of @table: a new
 * string, or NULL when they already have it (or a layout no release
 * wrote, left to COPY to judge). */
GString *axion_pg_upgrade_rows (
    GstAxionTable table, const gchar *text, gsize len, guint rows);

G_END_DECLS

#endif
