/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* axionpgsink's PostgreSQL writer: one connection, batches written with
 * COPY (direct or staged) or one INSERT ... VALUES round trip, and what a
 * failure means. Internal to the axionpq plugin; used by one thread. */
#ifndef __AXION_PG_WRITER_H__
#define __AXION_PG_WRITER_H__

#include "axionpgbatch.h"

#include <gst/gst.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef enum
{
  AXION_PG_WRITE_OK,
  AXION_PG_WRITE_RETRY,    /* connection lost, server away: spool, retry */
  AXION_PG_WRITE_REJECTED, /* the data itself was refused */
  AXION_PG_WRITE_FATAL,    /* schema or permission problem */
  AXION_PG_WRITE_CONFLICT, /* direct COPY met rows already written */
} AxionPgWriteResult;

typedef enum
{
  AXION_PG_CONNECT_OK,
  AXION_PG_CONNECT_UNREACHABLE,  /* transient: retry later */
  AXION_PG_CONNECT_REFUSED,      /* user/password/database: fatal */
  AXION_PG_CONNECT_CHECK_FAILED, /* the schema check failed: transient */
  AXION_PG_CONNECT_NO_SCHEMA,    /* the database has no Axion schema */
} AxionPgConnectResult;

typedef struct
{
  PGconn *conn;
  /* the last failure's message, without secrets (libpq's, or the
   * server's); owned */
  gchar *last_error;
  /* set with AXION_PG_WRITE_FATAL: what to tell the user (static) and
   * the details (owned); the caller clears them once reported */
  const gchar *fatal_what;
  gchar *fatal_detail;
  guint64 rows_duplicate; /* already in the database: skipped */
  /* rows whose id is already in the database with different content
   * (two writers made one id): not written, never counted as duplicates;
   * the caller takes them (owned, NULL when none) and keeps them aside */
  AxionPgBatch *collided;
  /* every wait on the server is bounded: a statement (or a COPY's data)
   * by statement_timeout_ms, a connection attempt by connect_timeout;
   * and by give_up (when set): the monotonic time (us) after which the
   * element wants the operation in progress abandoned (stopping, a drain
   * whose time ran out). Abandoned: the socket is shut down and the
   * connection closed without waiting on the server (the caller keeps
   * the batch, as in an outage). */
  guint statement_timeout_ms;
  gint64 (*give_up) (gpointer data);
  gpointer give_up_data;
  /* for debug lines only */
  GstDebugCategory *cat;
  GObject *log_obj;
} AxionPgWriter;

void axion_pg_writer_init (
    AxionPgWriter *w, GstDebugCategory *cat, GObject *log_obj);
void axion_pg_writer_clear (AxionPgWriter *w);

gchar *axion_pg_redact_conninfo (const gchar *conninfo);
gchar *axion_pg_clean_error (const gchar *msg);
gboolean axion_pg_conninfo_check (const gchar *conninfo, gchar **error);

gboolean axion_pg_writer_connected (AxionPgWriter *w);
void axion_pg_writer_disconnect (AxionPgWriter *w);
AxionPgConnectResult axion_pg_writer_connect (
    AxionPgWriter *w, const gchar *conninfo, gint timeout_s);
gboolean axion_pg_writer_create_partitions (AxionPgWriter *w, gchar **error);

gboolean axion_pg_writer_values_eligible (const AxionPgBatch *b);
gboolean axion_pg_writer_values_send (AxionPgWriter *w, AxionPgBatch *b);
AxionPgWriteResult
axion_pg_writer_values_finish (AxionPgWriter *w, AxionPgBatch *b, gboolean ok);
AxionPgWriteResult
axion_pg_writer_write (AxionPgWriter *w, AxionPgBatch *b, gboolean replay);
AxionPgWriteResult
axion_pg_writer_write_copy (AxionPgWriter *w, AxionPgBatch *b, gboolean replay);
PGresult *axion_pg_writer_exec_params (
    AxionPgWriter *w, const gchar *sql, gint n, const gchar *const *values);
AxionPgWriteResult axion_pg_writer_write_row_by_row (
    AxionPgWriter *w, AxionPgBatch *b, AxionPgBatch **refused);

G_END_DECLS

#endif /* __AXION_PG_WRITER_H__ */
