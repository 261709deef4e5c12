/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* axionpgsink's on-disk spool: batches PostgreSQL could not take, one file
 * each, replayed in order. Internal to the axionpq plugin; no locking
 * here (the caller keeps the byte and file counts). */
#ifndef __AXION_PG_SPOOL_H__
#define __AXION_PG_SPOOL_H__

#include "axionpgbatch.h"

G_BEGIN_DECLS

#define AXION_PG_SPOOL_MAGIC "AXIONSPOOL 1\n"

#define AXION_PG_SPOOL_ERROR (axion_pg_spool_error_quark ())
typedef enum
{
  AXION_PG_SPOOL_ERROR_FULL,     /* spool-max-bytes reached */
  AXION_PG_SPOOL_ERROR_NO_SPACE, /* the file system is full (or quota) */
  AXION_PG_SPOOL_ERROR_FAILED,   /* any other I/O error */
} AxionPgSpoolError;

typedef struct
{
  gchar *dir;
  guint64 max_bytes; /* limit of the spool files' total size */
  gboolean fsync;    /* fsync each file and the directory */
} AxionPgSpool;

GQuark axion_pg_spool_error_quark (void);

gchar *axion_pg_spool_camera_dir (const gchar *root, const gchar *camera_id);
gchar *axion_pg_spool_default_root (void);
gboolean axion_pg_spool_check_dir (const gchar *dir, GError **error);

gboolean axion_pg_spool_ensure_dir (const AxionPgSpool *s, GError **error);
GString *axion_pg_spool_serialize (const AxionPgBatch *b);
gboolean axion_pg_spool_write (const AxionPgSpool *s, const AxionPgBatch *b,
    guint64 used_bytes, gsize *size, gchar **path, GError **error);
gchar *axion_pg_spool_write_rejected (
    const AxionPgSpool *s, const AxionPgBatch *b, GError **error);
GPtrArray *axion_pg_spool_list (const AxionPgSpool *s, guint64 *total_bytes);
AxionPgBatch *axion_pg_spool_read (const gchar *path, gsize *size);
AxionPgBatch *
axion_pg_spool_parse (const gchar *contents, gsize len, gboolean tolerant);
gboolean axion_pg_spool_parse_sections (
    AxionPgBatch *b, const gchar *p, const gchar *end, gboolean tolerant);

G_END_DECLS

#endif /* __AXION_PG_SPOOL_H__ */
