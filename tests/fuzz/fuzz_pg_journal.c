/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libFuzzer harness for axionpgsink's journal recovery
 * (ext/pq/axionpgjournal.c): a journal file left by a process that died
 * (cut anywhere, a torn length, the mapped tail of zeros, the old format,
 * or garbage) is read as a next start reads it, from the file's bytes,
 * without a crash, leak or undefined behaviour; what it recovers becomes a
 * spool file that parses back to the same rows. Built and run by
 * run-fuzz.sh.
 */
#include "axionpgjournal.h"
#include "axionpgspool.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gchar *dir;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gchar *path;
  AxionPgBatch *b;
  GString *s;
  AxionPgBatch *back;

  if (dir == NULL)
    dir = g_dir_make_tmp ("axion-fuzz-journal-XXXXXX", NULL);
  path = g_build_filename (dir, "00000000000000000001.journal", NULL);
  if (!g_file_set_contents (path, (const gchar *) data, size, NULL))
    abort ();
  b = axion_pg_journal_read (path, NULL);
  g_unlink (path);
  g_free (path);
  if (b == NULL)
    abort (); /* readable: a batch, maybe of no rows */
  s = axion_pg_spool_serialize (b);
  back = axion_pg_spool_parse (s->str, s->len, FALSE);
  if (back == NULL || back->total != b->total)
    abort ();
  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    if (back->data[t]->len != b->data[t]->len ||
        memcmp (back->data[t]->str, b->data[t]->str, b->data[t]->len) != 0)
      abort ();
  axion_pg_batch_free (back);
  axion_pg_batch_free (b);
  g_string_free (s, TRUE);
  return 0;
}
