/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionmotion.h"
#include "gstaxionhash.h"
#include "gstaxiondlpusched.h"
#include "gstaxionalert.h"
#include "gstaxiontrack.h"
#include "gstaxiongate.h"
#include "gstaxionsnapshot.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (axionmotion, plugin);
  ret |= GST_ELEMENT_REGISTER (axionhash, plugin);
  ret |= GST_ELEMENT_REGISTER (axiondlpusched, plugin);
  ret |= GST_ELEMENT_REGISTER (axionalert, plugin);
  ret |= GST_ELEMENT_REGISTER (axiontrack, plugin);
  ret |= GST_ELEMENT_REGISTER (axiongate, plugin);
  ret |= GST_ELEMENT_REGISTER (axionsnapshot, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, axion,
    "Axion frame analysis: motion, hashes, quality, accelerator scheduling, "
    "motion-gated decoding",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
