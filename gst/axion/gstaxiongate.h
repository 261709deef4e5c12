/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_GATE_H__
#define __GST_AXION_GATE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_GATE (gst_axion_gate_get_type ())
G_DECLARE_FINAL_TYPE (GstAxionGate, gst_axion_gate, GST, AXION_GATE, GstElement)

GST_ELEMENT_REGISTER_DECLARE (axiongate);

G_END_DECLS

#endif /* __GST_AXION_GATE_H__ */
