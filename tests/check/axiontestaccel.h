/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_TEST_ACCEL_H__
#define __AXION_TEST_ACCEL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* "axiontestaccel": a test-only accelerator stand-in. A passthrough filter
 * that sleeps latency-ms (+ up to jitter-ms) per frame, optionally attaches
 * one detection region, and fails the test (g_critical, fatal in gst-check)
 * when it is ever entered by two threads of this process at once or, with
 * lock-file, by two processes at once (flock). log-file gets one line per
 * inference: "<pid> <camera> <start unix us> <end unix us> <fence>", the
 * last the fencing number axiondlpusched attached to the frame (0: none).
 * A second process entering while another is inside is counted
 * (axion_test_accel_violations) and a g_critical printed (fatal only where
 * criticals are, as under gst_check_init). */
void axion_test_accel_register (void);

/* inferences that ran in this process, and concurrent entries seen */
guint axion_test_accel_runs (void);
guint axion_test_accel_violations (void);

G_END_DECLS

#endif
