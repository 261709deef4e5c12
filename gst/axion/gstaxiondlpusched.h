/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_AXION_DLPU_SCHED_H__
#define __GST_AXION_DLPU_SCHED_H__

#include <gst/axion/axion.h>

G_BEGIN_DECLS

#define GST_TYPE_AXION_DLPU_SCHED (gst_axion_dlpu_sched_get_type ())
G_DECLARE_FINAL_TYPE (
    GstAxionDlpuSched, gst_axion_dlpu_sched, GST, AXION_DLPU_SCHED, GstBin)

GST_ELEMENT_REGISTER_DECLARE (axiondlpusched);

G_END_DECLS

#endif /* __GST_AXION_DLPU_SCHED_H__ */
