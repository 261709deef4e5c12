/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A local HTTP server that speaks the Anthropic Messages API for tests: it
 * validates every request (method, path, headers, JSON shape, the image:
 * base64 JPEG within the size limits, the forced tool) and answers with
 * scripted replies (status, headers, body, delay), else with a valid
 * tool_use message.
 */
#ifndef __AXION_CLAUDE_MOCK_H__
#define __AXION_CLAUDE_MOCK_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ClaudeMock ClaudeMock;

#define CLAUDE_MOCK_INSIGHT "A person walks towards the door"

ClaudeMock *claude_mock_new (const gchar *api_key);
void claude_mock_free (ClaudeMock *m);
gchar *claude_mock_url (ClaudeMock *m);

/* queue one reply (used by the next request); delay in ms before it */
void claude_mock_push (ClaudeMock *m, guint status, const gchar *headers,
    const gchar *body, guint delay_ms);
/* the default success body */
gchar *claude_mock_success_body (void);

guint claude_mock_requests (ClaudeMock *m);
guint claude_mock_answered (ClaudeMock *m);
guint claude_mock_invalid (ClaudeMock *m);
gchar *claude_mock_last_problem (ClaudeMock *m);
gchar *claude_mock_last_prompt (ClaudeMock *m);
/* monotonic arrival time (us) of request @i */
gint64 claude_mock_request_time (ClaudeMock *m, guint i);
/* image size of the last request */
void claude_mock_last_image (ClaudeMock *m, gint *w, gint *h);

G_END_DECLS

#endif
