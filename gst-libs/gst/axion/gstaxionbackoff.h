/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed, not exported): the reconnect delay every
 * element that talks to a server uses. Part of the gstaxion-internal
 * static library, which every in-tree user of libgstaxion links (see
 * meson.build).
 */
#ifndef __GST_AXION_BACKOFF_H__
#define __GST_AXION_BACKOFF_H__

#include <glib.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL
gint64 gst_axion_backoff_ms (guint attempt, guint base_ms, guint max_ms);

G_END_DECLS

#endif /* __GST_AXION_BACKOFF_H__ */
