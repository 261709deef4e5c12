/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_MQTT_SINK_H__
#define __GST_AXION_MQTT_SINK_H__

#include "gstaxiondeliverysink.h"

G_BEGIN_DECLS

#define GST_TYPE_AXION_MQTT_SINK (gst_axion_mqtt_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstAxionMqttSink, gst_axion_mqtt_sink, GST,
    AXION_MQTT_SINK, GstAxionDeliverySink)

GST_ELEMENT_REGISTER_DECLARE (axionmqttsink);

G_END_DECLS

#endif /* __GST_AXION_MQTT_SINK_H__ */
