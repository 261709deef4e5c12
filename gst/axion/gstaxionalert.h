/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_ALERT_ELEMENT_H__
#define __GST_AXION_ALERT_ELEMENT_H__

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_ALERT_ELEMENT (gst_axion_alert_element_get_type ())
G_DECLARE_FINAL_TYPE (GstAxionAlertElement, gst_axion_alert_element, GST,
    AXION_ALERT_ELEMENT, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (axionalert);

G_END_DECLS

#endif /* __GST_AXION_ALERT_ELEMENT_H__ */
