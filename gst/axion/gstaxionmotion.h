/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_MOTION_H__
#define __GST_AXION_MOTION_H__

#include <gst/axion/axion.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_MOTION (gst_axion_motion_get_type ())
G_DECLARE_FINAL_TYPE (
    GstAxionMotion, gst_axion_motion, GST, AXION_MOTION, GstAxionVideoAnalyzer)

GST_ELEMENT_REGISTER_DECLARE (axionmotion);

G_END_DECLS

#endif /* __GST_AXION_MOTION_H__ */
