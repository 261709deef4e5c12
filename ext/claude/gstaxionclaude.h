/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_CLAUDE_H__
#define __GST_AXION_CLAUDE_H__

#include <gst/axion/axion.h>
#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_CLAUDE (gst_axion_claude_get_type ())
G_DECLARE_FINAL_TYPE (
    GstAxionClaude, gst_axion_claude, GST, AXION_CLAUDE, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (axionclaude);

G_END_DECLS

#endif /* __GST_AXION_CLAUDE_H__ */
