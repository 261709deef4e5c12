/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A camera's pipeline from its description file: ${NAME} and
 * ${NAME:-default} from @vars, then the environment. Values are property
 * values, never pipeline syntax: a string property's value, and any value
 * with characters other than A-Z a-z 0-9 _ . + -, is set on the element
 * after parsing (never in the text parsed; a URL with user-info on an
 * element with user-id/user-pw goes there without it); defaults are text
 * of the file. Returns the parsed pipeline, or NULL with @error saying
 * file, line or variable (never a value) and what to do. */
GstElement *
axion_run_pipeline_build (const gchar *path, GHashTable *vars, GError **error);

G_END_DECLS
