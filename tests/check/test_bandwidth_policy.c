/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axion-run's bandwidth controller, its pure parts: the allocation
 * decision (tools/axionrunbwpolicy.c: budget, priority, hysteresis, hold)
 * and the measured bitrate (tools/axionrunbitrate.c: whole GOPs).
 */
#include <gst/check/gstcheck.h>

#include "../../tools/axionrunbitrate.h"
#include "../../tools/axionrunbwpolicy.h"

#define S G_USEC_PER_SEC

static const guint kbps[] = { 200, 600, 1500 };
static const AxionBwPolicy policy = { 3, kbps, 10 * S, 20 * S };

static AxionBwCamIn
cam (const gchar *id, gint prio, gboolean active, gint level)
{
  AxionBwCamIn c = { id, prio, active, active ? 0 : 60 * S, level, 60 * S, -1,
    "high_motion_detected" };
  return c;
}

GST_START_TEST (test_budget_never_exceeded)
{
  /* every combination of activity of 6 cameras, budgets from the lowest
   * levels' sum up: never over */
  AxionBwCamIn in[6];
  AxionBwCamOut out[6];
  gchar ids[6][4];

  for (guint mask = 0; mask < 64; mask++) {
    for (gdouble budget = 1200; budget <= 9000; budget += 350) {
      gdouble sum = 0, got;
      for (guint i = 0; i < 6; i++) {
        g_snprintf (ids[i], sizeof (ids[i]), "c%u", i);
        in[i] = cam (ids[i], (gint) (i % 3), (mask >> i) & 1, (gint) (i % 3));
        in[i].held_for_us = (i % 2) ? 2 * S : 60 * S;
      }
      got = axion_bw_allocate (&policy, in, 6, budget, out);
      for (guint i = 0; i < 6; i++)
        sum += out[i].kbps;
      fail_unless (
          sum <= budget, "mask %u budget %.0f: %.0f", mask, budget, sum);
      /* the share reserved: at least the levels, never over the budget */
      fail_unless (got >= sum - 1e-6 && got <= budget,
          "mask %u budget %.0f: share %.0f, levels %.0f", mask, budget, got,
          sum);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_priority)
{
  /* room for one camera at the top: the higher priority gets it, also
   * over a lower-priority camera that holds it (after its hold) */
  AxionBwCamIn in[2] = { cam ("low", 1, TRUE, 2), cam ("high", 5, TRUE, 0) };
  AxionBwCamOut out[2];

  axion_bw_allocate (&policy, in, 2, 1700, out);
  /* the lower goes down first; the higher goes up a second later, when
   * the other's high stream has stopped */
  fail_unless_equals_int (out[1].level, 0);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless (out[1].reason == NULL);
  fail_unless_equals_string (out[0].reason, "budget_exceeded");
  in[0].level = 0;
  in[0].held_for_us = 0;
  axion_bw_allocate (&policy, in, 2, 1700, out);
  fail_unless_equals_int (out[1].level, 2);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless_equals_string (out[1].reason, "high_motion_detected");
  /* equal priority: the active one first */
  in[0] = cam ("a", 3, FALSE, 0);
  in[1] = cam ("b", 3, TRUE, 0);
  axion_bw_allocate (&policy, in, 2, 1700, out);
  fail_unless_equals_int (out[1].level, 2);
  fail_unless_equals_int (out[0].level, 0);
}

GST_END_TEST;

GST_START_TEST (test_yield_to_other_runner)
{
  /* another runner waits with a camera of priority 6: ours below it give
   * way (after their hold), ours above it keep theirs */
  AxionBwPolicy p = policy;
  AxionBwCamIn in[3] = { cam ("a", 5, TRUE, 2), cam ("b", 7, TRUE, 2),
    cam ("c", 5, TRUE, 1) };
  AxionBwCamOut out[3];

  p.yield_below = 6;
  in[2].held_for_us = 1 * S;
  axion_bw_allocate (&p, in, 3, 10000, out);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless_equals_string (out[0].reason, "higher_priority_camera");
  fail_unless_equals_int (out[1].level, 2);
  fail_unless_equals_int (out[2].level, 1);
  fail_unless (!out[0].waiting && !out[1].waiting && !out[2].waiting);
  /* waiting: short of budget, not held */
  in[0] = cam ("a", 5, TRUE, 0);
  in[1] = cam ("b", 5, TRUE, 0);
  in[1].held_for_us = 1 * S;
  axion_bw_allocate (&policy, in, 2, 500, out);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless (out[0].waiting);
  fail_unless (!out[1].waiting);
}

GST_END_TEST;

GST_START_TEST (test_down_keeps_share)
{
  /* a camera going down is still counted at its old level for the
   * second of its reconnect: the share reserved does not drop, so no
   * other runner's camera takes it while the old stream runs (with 10
   * cameras in two runners, one of priority 1 took it from the waiting
   * camera of priority 5 of the runner whose camera went down) */
  AxionBwCamIn in[2] = { cam ("idle", 1, FALSE, 2), cam ("busy", 5, TRUE, 0) };
  AxionBwCamOut out[2];
  gdouble got;

  got = axion_bw_allocate (&policy, in, 2, 1700, out);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless_equals_string (out[0].reason, "idle_timeout");
  fail_unless_equals_int (out[1].level, 0);
  fail_unless_equals_int ((gint) (out[0].kbps + out[1].kbps), 400);
  fail_unless_equals_int ((gint) got, 1700);
  /* never more than the budget left: a camera forced down commits */
  got = axion_bw_allocate (&policy, in, 2, 1000, out);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless_equals_int ((gint) got, 1000);
  /* the next second: the share goes to the same runner's camera */
  in[0].level = 0;
  in[0].held_for_us = 1 * S;
  got = axion_bw_allocate (&policy, in, 2, 1700, out);
  fail_unless_equals_int (out[1].level, 2);
  fail_unless_equals_int ((gint) got, 1700);
  /* nothing goes down: the share is the levels' sum */
  in[1].level = 2;
  in[1].held_for_us = 1 * S;
  got = axion_bw_allocate (&policy, in, 2, 5000, out);
  fail_unless_equals_int ((gint) got, 1700);
}

GST_END_TEST;

GST_START_TEST (test_hold)
{
  AxionBwCamIn in[1] = { cam ("c", 1, FALSE, 2) };
  AxionBwCamOut out[1];

  /* idle long enough, but its level is 3 s old: kept */
  in[0].held_for_us = 3 * S;
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 2);
  fail_unless (out[0].reason == NULL);
  /* a held camera going up waits too */
  in[0] = cam ("c", 1, TRUE, 0);
  in[0].held_for_us = 3 * S;
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 0);
  /* the hold is over: up */
  in[0].held_for_us = 10 * S;
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 2);
  /* the budget wins over the hold */
  in[0] = cam ("c", 1, TRUE, 2);
  in[0].held_for_us = 1 * S;
  axion_bw_allocate (&policy, in, 1, 700, out);
  fail_unless_equals_int (out[0].level, 1);
  fail_unless_equals_string (out[0].reason, "budget_exceeded");
}

GST_END_TEST;

GST_START_TEST (test_hysteresis)
{
  AxionBwCamIn in[1] = { cam ("c", 1, FALSE, 2) };
  AxionBwCamOut out[1];

  /* idle for 5 s (< idle_down 20 s), hold over: stays up */
  in[0].idle_for_us = 5 * S;
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 2);
  fail_unless (out[0].reason == NULL);
  /* idle for 20 s: down to the lowest */
  in[0].idle_for_us = 20 * S;
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless_equals_string (out[0].reason, "idle_timeout");
  /* same inputs, same answer: no flapping */
  in[0].level = 0;
  in[0].held_for_us = 0;
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless (out[0].reason == NULL);
  /* the first decision */
  in[0] = cam ("c", 1, FALSE, -1);
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 0);
  fail_unless_equals_string (out[0].reason, "initial_allocation");
  /* an active camera's first decision says why it is above the lowest */
  in[0] = cam ("c", 1, TRUE, -1);
  axion_bw_allocate (&policy, in, 1, 10000, out);
  fail_unless_equals_int (out[0].level, 2);
  fail_unless_equals_string (out[0].reason, "high_motion_detected");
}

GST_END_TEST;

GST_START_TEST (test_measured_cost)
{
  /* a camera sending 900 kbps at a 600 kbps level counts 1.5 times its
   * caps: at the top 2250, which does not fit in 2000 */
  AxionBwCamIn in[1] = { cam ("c", 1, TRUE, 1) };
  AxionBwCamOut out[1];

  in[0].measured_kbps = 900;
  fail_unless (G_APPROX_VALUE (axion_bw_cost (&policy, in, 2), 2250, 1e-6));
  axion_bw_allocate (&policy, in, 1, 2000, out);
  fail_unless_equals_int (out[0].level, 1);
  fail_unless (G_APPROX_VALUE (out[0].kbps, 900, 1e-6));
}

GST_END_TEST;

/* 10 fps, a keyframe of @key bytes every @gop frames, @p bytes else */
static void
feed (AxionRunBitrate *b, guint frames, guint gop, guint key, guint p)
{
  for (guint i = 0; i < frames; i++)
    axion_run_bitrate_add (
        b, i * GST_SECOND / 10, i % gop ? p : key, i % gop == 0);
}

GST_START_TEST (test_bitrate_whole_gops)
{
  AxionRunBitrate *b = axion_run_bitrate_new ();
  /* 2 s GOPs of 20 frames: 14000 + 19 * 600 bytes = 25400 bytes / 2 s
   * = 101.6 kbps exactly, whatever frame the stream stops at */
  for (guint extra = 0; extra < 20; extra++) {
    axion_run_bitrate_reset (b);
    feed (b, 100 + extra, 20, 14000, 600);
    fail_unless (G_APPROX_VALUE (
                     axion_run_bitrate_kbps (b, 4 * GST_SECOND), 101.6, 1e-6),
        "%u: %f", extra, axion_run_bitrate_kbps (b, 4 * GST_SECOND));
  }
  /* less than a second after the 3 s warm-up: unknown */
  axion_run_bitrate_reset (b);
  feed (b, 39, 20, 14000, 600);
  fail_unless (axion_run_bitrate_kbps (b, 4 * GST_SECOND) < 0);
  /* one GOP after the warm-up, not two keyframes yet: no value rather
   * than one over a GOP cut short (its keyframe counted, not its P-frames)
   */
  axion_run_bitrate_reset (b);
  feed (b, 46, 20, 14000, 600);
  fail_unless (axion_run_bitrate_kbps (b, 4 * GST_SECOND) < 0);
  /* two keyframes after it: whole GOPs over less than the window, exact */
  axion_run_bitrate_reset (b);
  feed (b, 61, 20, 14000, 600);
  fail_unless (
      G_APPROX_VALUE (axion_run_bitrate_kbps (b, 4 * GST_SECOND), 101.6, 1e-6));
  /* the warm-up's timestamps (a receiver syncing its clock: frames 90 ms
   * apart instead of 100) are never in a window: 1 s GOPs after them are
   * measured exactly, 19400 bytes a second */
  axion_run_bitrate_reset (b);
  for (guint i = 0; i < 80; i++)
    axion_run_bitrate_add (b,
        i < 20 ? i * 90 * GST_MSECOND
               : 1800 * GST_MSECOND + (i - 20) * GST_SECOND / 10,
        i % 10 ? 600 : 14000, i % 10 == 0);
  fail_unless (
      G_APPROX_VALUE (axion_run_bitrate_kbps (b, 3 * GST_SECOND), 155.2, 1e-6),
      "%f", axion_run_bitrate_kbps (b, 3 * GST_SECOND));
  /* one GOP longer than the ring holds: the newest window of frames */
  axion_run_bitrate_reset (b);
  feed (b, 100, 1000, 600, 600);
  fail_unless (
      G_APPROX_VALUE (axion_run_bitrate_kbps (b, 4 * GST_SECOND), 48.0, 1e-6));
  /* a timestamp going back starts over */
  axion_run_bitrate_add (b, 0, 600, TRUE);
  fail_unless (axion_run_bitrate_kbps (b, 4 * GST_SECOND) < 0);
  axion_run_bitrate_free (b);
}

GST_END_TEST;

static Suite *
bandwidth_policy_suite (void)
{
  Suite *s = suite_create ("bandwidth_policy");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_budget_never_exceeded);
  tcase_add_test (tc, test_priority);
  tcase_add_test (tc, test_hold);
  tcase_add_test (tc, test_down_keeps_share);
  tcase_add_test (tc, test_yield_to_other_runner);
  tcase_add_test (tc, test_hysteresis);
  tcase_add_test (tc, test_measured_cost);
  tcase_add_test (tc, test_bitrate_whole_gops);
  return s;
}

GST_CHECK_MAIN (bandwidth_policy);
