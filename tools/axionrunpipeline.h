/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A camera's pipeline from its description file: ${NAME} and
 * ${NAME:-default} from @vars, then the environment. Returns the parsed
 * pipeline, or NULL with @error saying file, line and what to do. */
GstElement *
axion_run_pipeline_build (const gchar *path, GHashTable *vars, GError **error);

G_END_DECLS
