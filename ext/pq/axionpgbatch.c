/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* Batches of rows: per table, the COPY text of its rows, appended by the
 * streaming thread and written, spooled or journaled as they are. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "axionpgbatch.h"
#include "axionpgjournal.h"

AxionPgBatch *
axion_pg_batch_new (void)
{
  AxionPgBatch *b = g_new0 (AxionPgBatch, 1);
  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    b->data[t] = g_string_new (NULL);
  return b;
}

/* Frees the batch; its journal file (if any) stays: the rows are not in
 * the database nor the spool yet, the next start replays them. */
void
axion_pg_batch_free (AxionPgBatch *b)
{
  if (b == NULL)
    return;
  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    g_string_free (b->data[t], TRUE);
  /* rows only in memory: their journal stays for the next start */
  axion_pg_journal_file_unref (b->jf, FALSE);
  g_free (b);
}

/* The batch's rows are in the database or a spool file (or counted as
 * dropped): its journal goes, then the batch. */
void
axion_pg_batch_retire (AxionPgBatch *b)
{
  if (b) {
    axion_pg_journal_file_unref (b->jf, TRUE);
    b->jf = NULL;
  }
  axion_pg_batch_free (b);
}

/* Appends @row (taken) to its table's text. */
void
axion_pg_batch_add_row (AxionPgBatch *b, GstAxionRow *row)
{
  GstAxionTable t = gst_axion_row_get_table (row);

  if (b->total == 0)
    b->first_us = g_get_monotonic_time ();
  gst_axion_row_append_copy_text (row, b->data[t]);
  b->rows[t]++;
  b->total++;
  gst_axion_row_free (row);
}

/* Appends @rows complete COPY text lines of table @t. */
void
axion_pg_batch_add_lines (
    AxionPgBatch *b, GstAxionTable t, const gchar *text, gsize len, guint rows)
{
  if (b->total == 0)
    b->first_us = g_get_monotonic_time ();
  g_string_append_len (b->data[t], text, len);
  b->rows[t] += rows;
  b->total += rows;
}
