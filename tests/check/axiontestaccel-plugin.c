/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The test accelerator stand-in as a loadable plugin ("axiontest"), for
 * the benchmarks that run whole pipelines through gst-launch-1.0 or
 * tools/axion-run. Never installed.
 */
#include "axiontestaccel.h"

GType axion_test_accel_get_type (void);

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (
      plugin, "axiontestaccel", GST_RANK_NONE, axion_test_accel_get_type ());
}

#define PACKAGE "axion"
GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, axiontest,
    "Axion test stand-ins (not installed)", plugin_init, "0.1", "LGPL",
    "Axion tests", "https://github.com/axion-video/axion")
