/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_PG_SINK_H__
#define __GST_AXION_PG_SINK_H__

#include <gst/axion/axion.h>
#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_PG_SINK (gst_axion_pg_sink_get_type ())
G_DECLARE_FINAL_TYPE (
    GstAxionPgSink, gst_axion_pg_sink, GST, AXION_PG_SINK, GstAxionQueueSink)

GST_ELEMENT_REGISTER_DECLARE (axionpgsink);

G_END_DECLS

#endif /* __GST_AXION_PG_SINK_H__ */
