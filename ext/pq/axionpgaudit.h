/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __AXION_PG_AUDIT_H__
#define __AXION_PG_AUDIT_H__

#include <gst/axion/axion.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* Takes an audit_log row (transfer full) to the sink's batch. */
typedef void (*AxionPgAuditAdd) (GstAxionRow *row, gpointer user_data);

/* Audits the configuration changes of the other Axion elements of the
 * pipeline a sink is in, while that sink is started. */
typedef struct
{
  GMutex lock;
  GWeakRef top;       /* the top-level bin watched */
  gulong handler;     /* its deep-notify handler, 0 when not watching */
  GHashTable *values; /* "element\nproperty" -> value text (owned) */
  GstElement *sink;   /* not a ref: this struct lives in the sink */
  AxionPgAuditAdd add;
  gpointer add_data;
} AxionPgAudit;

void axion_pg_audit_init (
    AxionPgAudit *audit, GstElement *sink, AxionPgAuditAdd add, gpointer data);
void axion_pg_audit_clear (AxionPgAudit *audit);
void axion_pg_audit_start (AxionPgAudit *audit);
void axion_pg_audit_stop (AxionPgAudit *audit);

gboolean axion_pg_audit_is_secret (const gchar *property);
GstAxionRow *axion_pg_audit_row (GstObject *element, const gchar *property,
    const gchar *old_value, const gchar *new_value, gboolean secret);

G_END_DECLS

#endif
