/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_PRELUDE_H__
#define __GST_AXION_PRELUDE_H__

#include <gst/gst.h>

#ifndef GST_AXION_API
#define GST_AXION_API __attribute__ ((visibility ("default"))) extern
#endif

#endif /* __GST_AXION_PRELUDE_H__ */
