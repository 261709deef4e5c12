/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#ifdef AXION_HAVE_MQTT
#include "gstaxionmqttsink.h"
#endif
#ifdef AXION_HAVE_WEBHOOK
#include "gstaxionwebhooksink.h"
#endif

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = TRUE;

#ifdef AXION_HAVE_MQTT
  ok &= GST_ELEMENT_REGISTER (axionmqttsink, plugin);
#endif
#ifdef AXION_HAVE_WEBHOOK
  ok &= GST_ELEMENT_REGISTER (axionwebhooksink, plugin);
#endif
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, axiondeliver,
    "Axion delivery: events and alerts to people (MQTT, webhooks)", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
