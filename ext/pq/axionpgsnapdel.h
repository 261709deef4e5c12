/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* axionpgsink's snapshot deletions: axionsnapshot's "axion-snapshot-
 * deleted" events (a file gone before its row expires), kept in a file of
 * the spool directory until PostgreSQL has applied them (migration 008's
 * axion_snapshots_deleted()). Internal to the axionpq plugin; its own
 * lock (the streaming thread adds, the worker applies). */
#ifndef __AXION_PG_SNAPDEL_H__
#define __AXION_PG_SNAPDEL_H__

#include "axionpgwriter.h"

G_BEGIN_DECLS

#define AXION_PG_SNAPDEL_FILE "snapshot-deletions"

typedef struct
{
  GMutex lock;
  gchar *path;        /* the file in the spool directory; NULL: memory only */
  gboolean fsync;     /* each addition fsync'd (spool-fsync) */
  GPtrArray *pending; /* of AxionPgSnapDel, oldest first */
  gint64 retry_us;    /* after a refusal (not an outage): not before */
  gchar *last_error;  /* the last refusal's message (logged once) */
  /* for log lines only */
  GstDebugCategory *cat;
  GObject *log_obj;
} AxionPgSnapDels;

void axion_pg_snapdels_init (
    AxionPgSnapDels *d, GstDebugCategory *cat, GObject *log_obj);
void axion_pg_snapdels_clear (AxionPgSnapDels *d);
void axion_pg_snapdels_open (
    AxionPgSnapDels *d, const gchar *dir, gboolean do_fsync);
void axion_pg_snapdels_close (AxionPgSnapDels *d);
gboolean axion_pg_snapdels_add_event (AxionPgSnapDels *d, GstEvent *event);
guint axion_pg_snapdels_pending (AxionPgSnapDels *d);
gint axion_pg_snapdels_apply (AxionPgSnapDels *d, AxionPgWriter *w);

G_END_DECLS

#endif /* __AXION_PG_SNAPDEL_H__ */
