/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_TRACK_H__
#define __GST_AXION_TRACK_H__

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_TRACK (gst_axion_track_get_type ())
G_DECLARE_FINAL_TYPE (
    GstAxionTrack, gst_axion_track, GST, AXION_TRACK, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (axiontrack);

G_END_DECLS

#endif /* __GST_AXION_TRACK_H__ */
