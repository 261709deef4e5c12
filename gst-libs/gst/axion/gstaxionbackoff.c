/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionbackoff.h"

/**
 * gst_axion_backoff_ms:
 * @attempt: failed attempts so far (0 for the first retry)
 * @base_ms: delay of the first retry
 * @max_ms: upper bound of the delay
 *
 * Reconnect delay with exponential backoff and jitter: min(base * 2^attempt,
 * max), of which a random half is kept, so that many elements losing the
 * same server do not all come back at the same instant.
 *
 * Returns: the delay in milliseconds
 */
gint64
gst_axion_backoff_ms (guint attempt, guint base_ms, guint max_ms)
{
  gint64 d = MIN ((gint64) base_ms << MIN (attempt, 20), (gint64) max_ms);

  return d / 2 + g_random_int_range (0, (gint32) (d / 2) + 1);
}
