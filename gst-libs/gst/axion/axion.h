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
#include <gst/axion/gstaxionalertmeta.h>
#include <gst/axion/gstaxionroi.h>
#include <gst/axion/gstaxioncamera.h>
#include <gst/axion/gstaxionrows.h>
#include <gst/axion/gstaxionluma.h>
#include <gst/axion/gstaxionvideoanalyzer.h>
#include <gst/axion/gstaxionscene.h>
#include <gst/axion/gstaxionqueuesink.h>
#include <gst/axion/gstaxionmetaaccess.h>

#endif /* __GST_AXION_H__ */
