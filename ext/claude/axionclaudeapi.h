/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_CLAUDE_API_H__
#define __AXION_CLAUDE_API_H__

#include <gst/axion/axion.h>

G_BEGIN_DECLS

/*
 * The Anthropic Messages API as axionclaude uses it (no element state, so
 * the parser can be fuzzed alone):
 *
 * - the request body: model, max_tokens, system, one user turn with an
 *   image block (base64 JPEG) and a text block, and a forced tool
 *   (tool_choice {"type":"tool"}) whose input_schema is the claude_analyses
 *   fields — forced tool use is supported by every current model and
 *   returns the fields as a JSON object in a tool_use block;
 * - the response parser: message or error envelope, stop_reason,
 *   usage, the tool input validated against the schema;
 * - the retry rules of the official SDKs.
 */

#define AXION_CLAUDE_TOOL_NAME "record_scene_analysis"
#define AXION_CLAUDE_API_VERSION "2023-06-01"
/* longest image edge and pixel count the API uses without downscaling */
#define AXION_CLAUDE_MAX_EDGE 1568
#define AXION_CLAUDE_MAX_PIXELS 1150000
#define AXION_CLAUDE_MAX_IMAGE_BASE64 (5 * 1024 * 1024)
/* answers larger or deeper than this are refused unparsed */
#define AXION_CLAUDE_MAX_RESPONSE (4 * 1024 * 1024)
#define AXION_CLAUDE_MAX_DEPTH 64

gchar *axion_claude_build_request (const gchar *model, guint max_tokens,
    const gchar *system, const gchar *prompt, const gchar *jpeg_base64);

/* Fills @out's result fields (primary_insight ... alert_severity, raw_json)
 * from a 200 response body. On failure returns FALSE with @error_type
 * ("api_error" type from the body, "refusal", "max_tokens", "parse",
 * "schema") and a message; @out->raw_json then holds the body if it was
 * valid JSON. Tokens are set whenever the body has usage. */
gboolean axion_claude_parse_response (const gchar *body, gsize len,
    GstAxionAnalysis *out, gint *input_tokens, gint *output_tokens,
    gchar **error_type, gchar **error_message);

/* The error envelope of a non-2xx answer: type and message, or NULL. */
gboolean axion_claude_parse_error (
    const gchar *body, gsize len, gchar **type, gchar **message);

/* Whether the SDKs retry: x-should-retry when present, else 408, 409,
 * 429, >= 500 and transport errors (status 0). */
gboolean axion_claude_should_retry (long status, const gchar *x_should_retry);

/* Delay before retry number @attempt (0 = first retry), in ms:
 * retry-after-ms or retry-after (seconds or an HTTP date, @now_s = current
 * Unix time) when in (0, 60] s, else min(0.5 * 2^attempt, 8) s times a
 * jitter factor in [0.75, 1] (@random01 in [0, 1)). */
gint64 axion_claude_retry_delay_ms (guint attempt, const gchar *retry_after_ms,
    const gchar *retry_after, gint64 now_s, gdouble random01);

/* Size to send a w x h frame at: aspect kept, long edge <= max_edge and
 * w*h <= AXION_CLAUDE_MAX_PIXELS, even sizes, never upscaled. */
void axion_claude_fit_image (
    gint w, gint h, gint max_edge, gint *out_w, gint *out_h);

/* Approximate input tokens of an image (w * h / 750). */
gint axion_claude_image_tokens (gint w, gint h);

G_END_DECLS

#endif /* __AXION_CLAUDE_API_H__ */
