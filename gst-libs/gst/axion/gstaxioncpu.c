/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxioncpu.h"

#include <time.h>

/**
 * gst_axion_thread_cpu_us:
 *
 * Returns: the CPU time the calling thread has used, in microseconds (for
 * elements' cpu-ms-per-frame stats)
 */
gint64
gst_axion_thread_cpu_us (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

#define CPU_METER_SAMPLE 64

/**
 * gst_axion_cpu_meter_begin:
 * @meter: a meter
 *
 * Starts timing one call (see #GstAxionCpuMeter).
 */
void
gst_axion_cpu_meter_begin (GstAxionCpuMeter *meter)
{
  gint64 now = g_get_monotonic_time ();

  if (now - meter->last_us > 1000)
    meter->weight = 1;
  else
    meter->weight = meter->seq++ % CPU_METER_SAMPLE == 0 ? CPU_METER_SAMPLE : 0;
  meter->last_us = now;
  if (meter->weight)
    meter->t0 = gst_axion_thread_cpu_us ();
}

/**
 * gst_axion_cpu_meter_end:
 * @meter: a meter
 *
 * Ends timing the call begun last, adding its CPU time to @meter's
 * cpu_us.
 */
void
gst_axion_cpu_meter_end (GstAxionCpuMeter *meter)
{
  if (meter->weight)
    meter->cpu_us += (gint64) meter->weight *
        (gst_axion_thread_cpu_us () - meter->t0);
}
