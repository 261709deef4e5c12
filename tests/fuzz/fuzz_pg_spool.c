/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libFuzzer harness for axionpgsink's spool file parser
 * (ext/pq/axionpgspool.c): whatever a spool directory holds (a disk
 * error, another program's file) must be parsed or refused without a
 * crash, leak or undefined behaviour; what is accepted strictly must
 * survive a round trip. Built and run by run-fuzz.sh.
 */
#include "axionpgspool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* @b serialized and parsed again is the same batch */
static void
check_round_trip (const AxionPgBatch *b)
{
  GString *s = axion_pg_spool_serialize (b);
  AxionPgBatch *back = axion_pg_spool_parse (s->str, s->len, FALSE);

  if (back == NULL || back->total != b->total)
    abort ();
  for (gint t = 0; t < GST_AXION_N_TABLES; t++)
    if (back->rows[t] != b->rows[t] || back->data[t]->len != b->data[t]->len ||
        memcmp (back->data[t]->str, b->data[t]->str, b->data[t]->len) != 0)
      abort ();
  axion_pg_batch_free (back);
  g_string_free (s, TRUE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const gchar *text = (const gchar *) data;
  AxionPgBatch *strict = axion_pg_spool_parse (text, size, FALSE);
  AxionPgBatch *tolerant = axion_pg_spool_parse (text, size, TRUE);

  /* what is accepted strictly is accepted tolerantly, with the same rows */
  if (strict && (tolerant == NULL || tolerant->total != strict->total))
    abort ();
  if (strict)
    check_round_trip (strict);
  axion_pg_batch_free (strict);
  axion_pg_batch_free (tolerant);
  return 0;
}
