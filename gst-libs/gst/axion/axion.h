/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_H__
#define __GST_AXION_H__

/* libgstaxion-1.0: the public metadata API shared by all Axion elements.
 * pkg-config --cflags --libs gstreamer-axion-1.0 */

#include <gst/axion/axion-prelude.h>
#include <gst/axion/gstaxionid.h>
#include <gst/axion/gstaxionframemeta.h>
#include <gst/axion/gstaxionanalysismeta.h>
#include <gst/axion/gstaxionroi.h>
#include <gst/axion/gstaxioncamera.h>
#include <gst/axion/gstaxionrows.h>
#include <gst/axion/gstaxionluma.h>
#include <gst/axion/gstaxionvideoanalyzer.h>
#include <gst/axion/gstaxionscene.h>

/* In this source tree only (gstaxion_dep defines GST_AXION_INTERNAL): the
 * internal helpers, for the plugins that still take them from here
 * (ext/pq, ext/redis). Not installed: other code includes what it uses. */
#ifdef GST_AXION_INTERNAL
#include <gst/axion/gstaxionformat.h>
#include <gst/axion/gstaxioncpu.h>
#include <gst/axion/gstaxionbackoff.h>
#include <gst/axion/gstaxionredisurl.h>
#endif

#endif /* __GST_AXION_H__ */
