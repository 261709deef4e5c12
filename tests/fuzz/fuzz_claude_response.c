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

#include <json-glib/json-glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GstAxionAnalysis *a = gst_axion_analysis_new ();
  gint tin, tout;
  gchar *et = NULL, *em = NULL, *hdr;
  gboolean used;

  used = axion_claude_parse_response (
      (const gchar *) data, size, a, &tin, &tout, &et, &em);
  /* what is kept: claude_response is JSON, carrying the error text */
  if (a->raw_json) {
    JsonParser *p = json_parser_new ();
    JsonObject *o;
    gchar *text = et ? g_strdup_printf ("%s: %s", et, em) : NULL;
    if (!json_parser_load_from_data (p, a->raw_json, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
      abort ();
    o = json_node_get_object (json_parser_get_root (p));
    if (g_strcmp0 (text,
            json_object_has_member (o, "axion_error")
                ? json_object_get_string_member (o, "axion_error")
                : NULL) != 0)
      abort ();
    g_free (text);
    g_object_unref (p);
  }
  /* a used answer has a description and only in-range values */
  if (used &&
      (a->scene_description == NULL || a->alert_severity < 0 ||
          a->alert_severity > 5 ||
          (a->confidence_score != -1 &&
              !(a->confidence_score >= 0 && a->confidence_score <= 1)) ||
          (a->pattern_confidence != -1 &&
              !(a->pattern_confidence >= 0 && a->pattern_confidence <= 1)) ||
          (a->risk_assessment &&
              !g_strv_contains ((const gchar *const[]){ "none", "low", "medium",
                                    "high", "critical", NULL },
                  a->risk_assessment))))
    abort ();
  if (!used && (a->should_alert || et == NULL))
    abort ();
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
