/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/* axionpgsink's write-ahead journal: every buffer's rows appended to a
 * mapped file in the spool directory before render returns, recovered by
 * the next start when the process died. Internal to the axionpq plugin;
 * no locking here (the caller serialises calls on one AxionPgJournal). */
#ifndef __AXION_PG_JOURNAL_H__
#define __AXION_PG_JOURNAL_H__

#include "axionpgbatch.h"

G_BEGIN_DECLS

/* "AXIONJOURNAL 2\n\n", then the length of the complete sections (native
 * 64-bit), then the sections (spool format) */
#define AXION_PG_JOURNAL_MAGIC "AXIONJOURNAL 2\n\n"
#define AXION_PG_JOURNAL_HEADER 24
/* a new journal file after this many batches or bytes */
#define AXION_PG_JOURNAL_BATCHES 64
#define AXION_PG_JOURNAL_MAX_BYTES (16 * 1024 * 1024)

typedef struct
{
  gchar *dir;              /* NULL: journaling off */
  AxionPgJournalFile *cur; /* the file new batches begin in */
} AxionPgJournal;

void axion_pg_journal_init (AxionPgJournal *j, const gchar *dir);
void axion_pg_journal_clear (AxionPgJournal *j);
gboolean
axion_pg_journal_append (AxionPgJournal *j, AxionPgBatch *b, GError **error);
void axion_pg_journal_file_unref (AxionPgJournalFile *f, gboolean rows_safe);
const gchar *axion_pg_journal_file_path (const AxionPgJournalFile *f);

AxionPgJournalFile *
axion_pg_journal_populate_begin (AxionPgJournal *j, gsize *from, gsize *len);
gsize axion_pg_journal_populate (AxionPgJournalFile *f, gsize from, gsize len);
void
axion_pg_journal_populate_end (AxionPgJournalFile *f, gsize from, gsize got);

GPtrArray *axion_pg_journal_list (const gchar *dir);
AxionPgBatch *axion_pg_journal_parse (const gchar *contents, gsize len);
AxionPgBatch *axion_pg_journal_read (const gchar *path, GError **error);

G_END_DECLS

#endif /* __AXION_PG_JOURNAL_H__ */
