/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libFuzzer harness for the Messages API answer parser of axionclaude
 * (ext/claude/axionclaudeapi.c): whatever a server or proxy sends back
 * must be parsed or refused without a crash, leak or undefined behaviour.
 * Built and run by run-fuzz.sh (clang -fsanitize=fuzzer,address,undefined).
 */
#include "axionclaudeapi.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  gint tin, tout;
  gchar *et = NULL, *em = NULL, *hdr;

  axion_claude_parse_response (
      (const gchar *) data, size, a, &tin, &tout, &et, &em);
  g_free (et);
  g_free (em);
  gst_axion_analysis_free (a);
  if (axion_claude_parse_error ((const gchar *) data, size, &et, &em)) {
    g_free (et);
    g_free (em);
  }
  /* header values come from the same server */
  hdr = g_strndup ((const gchar *) data, MIN (size, 64));
  axion_claude_retry_delay_ms (size % 12, hdr, hdr, 1700000000, 0.5);
  axion_claude_should_retry ((long) (size % 600), hdr);
  g_free (hdr);
  return 0;
}
