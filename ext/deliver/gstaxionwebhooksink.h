/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_WEBHOOK_SINK_H__
#define __GST_AXION_WEBHOOK_SINK_H__

#include "gstaxiondeliverysink.h"

G_BEGIN_DECLS

#define GST_TYPE_AXION_WEBHOOK_SINK (gst_axion_webhook_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstAxionWebhookSink, gst_axion_webhook_sink, GST,
    AXION_WEBHOOK_SINK, GstAxionDeliverySink)

GST_ELEMENT_REGISTER_DECLARE (axionwebhooksink);

G_END_DECLS

#endif /* __GST_AXION_WEBHOOK_SINK_H__ */
