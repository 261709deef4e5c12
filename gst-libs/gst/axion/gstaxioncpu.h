/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed, not exported): CPU accounting for the
 * elements' cpu-ms-per-frame stats. Part of the gstaxion-internal static
 * library, which every in-tree user of libgstaxion links (see
 * meson.build).
 */
#ifndef __GST_AXION_CPU_H__
#define __GST_AXION_CPU_H__

#include <glib.h>

G_BEGIN_DECLS

G_GNUC_INTERNAL
gint64 gst_axion_thread_cpu_us (void);

/**
 * GstAxionCpuMeter:
 * @cpu_us: the thread CPU time measured so far (an estimate when sampled)
 *
 * CPU time of a piece of work done once per buffer by one thread (a sink's
 * render), for cpu-ms-per-frame stats. Zero-initialise it. At camera rates
 * every call is timed; when calls come faster than one per millisecond
 * (benchmarks, file input) every 64th is, counting for 64 (a thread-clock
 * read is a system call that takes the run-queue lock).
 */
typedef struct
{
  gint64 cpu_us;
  /*< private >*/
  gint64 last_us, t0;
  guint seq, weight;
} GstAxionCpuMeter;

G_GNUC_INTERNAL
void gst_axion_cpu_meter_begin (GstAxionCpuMeter *meter);

G_GNUC_INTERNAL
void gst_axion_cpu_meter_end (GstAxionCpuMeter *meter);

G_END_DECLS

#endif /* __GST_AXION_CPU_H__ */
