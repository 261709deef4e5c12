/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_SNAPSHOT_H__
#define __GST_AXION_SNAPSHOT_H__

#include <gst/axion/axion.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_SNAPSHOT (gst_axion_snapshot_get_type ())
G_DECLARE_FINAL_TYPE (GstAxionSnapshot, gst_axion_snapshot, GST, AXION_SNAPSHOT,
    GstAxionVideoAnalyzer)

GST_ELEMENT_REGISTER_DECLARE (axionsnapshot);

G_END_DECLS

#endif /* __GST_AXION_SNAPSHOT_H__ */
