/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_PRIVATE_H__
#define __GST_AXION_PRIVATE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* One debug category for the library: GST_DEBUG=axionlib:6 */
G_GNUC_INTERNAL GstDebugCategory *_gst_axion_lib_debug_get (void);

#define GST_CAT_DEFAULT (_gst_axion_lib_debug_get ())

G_END_DECLS

#endif /* __GST_AXION_PRIVATE_H__ */
