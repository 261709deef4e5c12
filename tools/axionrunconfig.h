/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "axionrun.h"

G_BEGIN_DECLS

void axion_run_config_init (AxionRunConfig *cfg);
void axion_run_config_clear (AxionRunConfig *cfg);

/* Reads an INI file with GKeyFile's rules (docs/running.md). FALSE with
 * @error saying "FILE:LINE: what is wrong (how to fix it)". */
gboolean
axion_run_config_load (AxionRunConfig *cfg, const gchar *path, GError **error);

/* @text as a duration: a decimal number with an optional unit (ms, s, m,
 * h; none = seconds), 0 or within [@min_ms, @max_ms] (0 only when
 * @zero_ok). FALSE with @error naming @what and the accepted range. */
gboolean axion_run_parse_duration (const gchar *text, const gchar *what,
    gboolean zero_ok, guint64 min_ms, guint64 max_ms, guint64 *out_ms,
    GError **error);

/* Sets a duration setting ("duration", "stop-timeout", "stall-timeout",
 * "reconnect-min", "reconnect-max") from @text, checked. */
gboolean axion_run_config_set_duration (
    AxionRunConfig *cfg, const gchar *key, const gchar *text, GError **error);

/* After the file and the command line: every camera has a url and a
 * pipeline file that exists, the reconnect delays are ordered. */
gboolean axion_run_config_check (AxionRunConfig *cfg, GError **error);

G_END_DECLS
