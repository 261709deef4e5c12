/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* A batch of axionpgsink rows: per table, COPY text lines. Internal to the
 * axionpq plugin. */
#ifndef __AXION_PG_BATCH_H__
#define __AXION_PG_BATCH_H__

#include <gst/axion/axion.h>

G_BEGIN_DECLS

/* one journal file (axionpgjournal.h), shared by consecutive batches */
typedef struct _AxionPgJournalFile AxionPgJournalFile;

typedef struct
{
  GString *data[GST_AXION_N_TABLES];
  guint rows[GST_AXION_N_TABLES];
  guint total;
  gint64 first_us; /* monotonic time of the first row */
  /* write-ahead journal of this batch (pending batches only): the file,
   * and what of data[] is already in it */
  AxionPgJournalFile *jf;
  gboolean jdead; /* an append failed: no more for this batch */
  gsize jlen[GST_AXION_N_TABLES];
  guint jrows[GST_AXION_N_TABLES];
} AxionPgBatch;

AxionPgBatch *axion_pg_batch_new (void);
void axion_pg_batch_free (AxionPgBatch *b);
void axion_pg_batch_retire (AxionPgBatch *b);
void axion_pg_batch_add_row (AxionPgBatch *b, GstAxionRow *row);
void axion_pg_batch_add_lines (
    AxionPgBatch *b, GstAxionTable t, const gchar *text, gsize len, guint rows);

G_END_DECLS

#endif /* __AXION_PG_BATCH_H__ */
