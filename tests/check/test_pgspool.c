/* Unit tests of axionpgsink's spool and journal (ext/pq/axionpgspool.c,
 * axionpgjournal.c), linked directly: no PostgreSQL. Spool files parsed
 * (valid, truncated, corrupt, tolerant), journals recovered (only what
 * the stored length covers, never the mapped zeros, the old format). */
#include <gst/check/gstcheck.h>
#include <gst/axion/axion.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "axionpgbatch.h"
#include "axionpgjournal.h"
#include "axionpgspool.h"

/* two rows of frame_metadata and one of camera_events (COPY text; the
 * spool does not look inside a row) */
static AxionPgBatch *
sample_batch (void)
{
  AxionPgBatch *b = axion_pg_batch_new ();

  const gchar *two = "1\tCAM\\t1\n2\tCAM\n";

  /* (camera_events comes first in a file: table order) */
  axion_pg_batch_add_lines (b, GST_AXION_TABLE_CAMERA_EVENTS, "7\tx\n", 4, 1);
  axion_pg_batch_add_lines (
      b, GST_AXION_TABLE_FRAME_METADATA, two, strlen (two), 2);
  return b;
}

/* the first section of sample_batch ()'s file: its camera_events row */
#define FIRST_SECTION (strlen ("camera_events 1 4\n") + 4)
#define FIRST_ROWS 1

static gint
count_entries (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  gint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  if (d)
    g_dir_close (d);
  return n;
}

static void
assert_same_rows (const AxionPgBatch *a, const AxionPgBatch *b)
{
  fail_unless_equals_int (a->total, b->total);
  for (gint t = 0; t < GST_AXION_N_TABLES; t++) {
    fail_unless_equals_int (a->rows[t], b->rows[t]);
    fail_unless_equals_int (a->data[t]->len, b->data[t]->len);
    fail_unless (
        memcmp (a->data[t]->str, b->data[t]->str, a->data[t]->len) == 0);
  }
}

GST_START_TEST (test_spool_parse_valid)
{
  AxionPgBatch *b = sample_batch (), *back;
  GString *s = axion_pg_spool_serialize (b);

  fail_unless (g_str_has_prefix (s->str, AXION_PG_SPOOL_MAGIC));
  back = axion_pg_spool_parse (s->str, s->len, FALSE);
  fail_unless (back != NULL);
  assert_same_rows (b, back);
  axion_pg_batch_free (back);
  /* empty batch: only the magic line, zero rows */
  back = axion_pg_spool_parse (
      AXION_PG_SPOOL_MAGIC, strlen (AXION_PG_SPOOL_MAGIC), FALSE);
  fail_unless (back != NULL);
  fail_unless_equals_int (back->total, 0);
  axion_pg_batch_free (back);
  g_string_free (s, TRUE);
  axion_pg_batch_free (b);
}

GST_END_TEST;

/* Every cut of a spool file: refused strictly unless the cut falls just
 * after a section; tolerantly, the complete sections are kept. */
GST_START_TEST (test_spool_parse_truncated)
{
  AxionPgBatch *b = sample_batch ();
  GString *s = axion_pg_spool_serialize (b);
  gsize first_end = strlen (AXION_PG_SPOOL_MAGIC) + FIRST_SECTION;

  for (gsize cut = 0; cut < s->len; cut++) {
    AxionPgBatch *strict = axion_pg_spool_parse (s->str, cut, FALSE);
    AxionPgBatch *tol = axion_pg_spool_parse (s->str, cut, TRUE);
    gboolean boundary = cut == strlen (AXION_PG_SPOOL_MAGIC) ||
        cut == first_end;

    if (cut < strlen (AXION_PG_SPOOL_MAGIC)) {
      fail_unless (strict == NULL && tol == NULL, "cut %u", (guint) cut);
      continue;
    }
    fail_unless ((strict != NULL) == boundary, "cut %u", (guint) cut);
    fail_unless (tol != NULL, "cut %u", (guint) cut);
    fail_unless_equals_int (tol->total, cut >= first_end ? FIRST_ROWS : 0);
    fail_unless_equals_int (tol->rows[GST_AXION_TABLE_FRAME_METADATA], 0);
    axion_pg_batch_free (strict);
    axion_pg_batch_free (tol);
  }
  g_string_free (s, TRUE);
  axion_pg_batch_free (b);
}

GST_END_TEST;

GST_START_TEST (test_spool_parse_corrupt)
{
  const gchar *bad[] = {
    "AXIONSPOOL 2\nframe_metadata 1 2\nx\n",   /* another version */
    "AXIONSPOOL 1\nno_such_table 1 2\nx\n",    /* unknown table */
    "AXIONSPOOL 1\nframe_metadata one 2\nx\n", /* not a number */
    "AXIONSPOOL 1\nframe_metadata 1 99\nx\n",  /* longer than the file */
    "AXIONSPOOL 1\nframe_metadata\n1 2\nx\n",  /* header over two lines */
    "AXIONSPOOL 1\n\nframe_metadata 1 2\nx\n", /* empty header */
    "AXIONSPOOL 1\nframe_metadata 2 2\nx\n",   /* rows are not its lines */
    "AXIONSPOOL 1\nframe_metadata 0 2\nx\n",   /* bytes of no row */
    "AXIONSPOOL 1\nframe_metadata 1 2\nxy",    /* no end of line */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    AxionPgBatch *b = axion_pg_spool_parse (bad[i], strlen (bad[i]), FALSE);
    fail_unless (b == NULL, "accepted: %s", bad[i]);
  }
  /* an unknown table is refused even tolerantly (not a cut section) */
  fail_unless (axion_pg_spool_parse (bad[1], strlen (bad[1]), TRUE) == NULL);
}

GST_END_TEST;

/* A spool written to a directory and read back; half-written files are
 * removed by the listing. */
GST_START_TEST (test_spool_write_list_read)
{
  gchar *dir = g_dir_make_tmp ("axion-pgspool-XXXXXX", NULL);
  AxionPgSpool sp = { dir, G_MAXUINT64, FALSE };
  AxionPgBatch *b = sample_batch (), *back;
  gchar *tmp = g_build_filename (dir, "00000000000000000001.tmp", NULL);
  GError *err = NULL;
  GPtrArray *files;
  guint64 bytes;
  gsize size = 0, rsize = 0;

  fail_unless (axion_pg_spool_write (&sp, b, 0, &size, NULL, &err));
  fail_unless (g_file_set_contents (tmp, "half", 4, NULL));
  files = axion_pg_spool_list (&sp, &bytes);
  fail_unless_equals_int (files->len, 1);
  fail_unless_equals_uint64 (bytes, size);
  fail_if (g_file_test (tmp, G_FILE_TEST_EXISTS));
  back = axion_pg_spool_read (g_ptr_array_index (files, 0), &rsize);
  fail_unless (back != NULL);
  fail_unless_equals_uint64 (rsize, size);
  assert_same_rows (b, back);
  /* the byte limit */
  sp.max_bytes = size + 1;
  fail_if (axion_pg_spool_write (&sp, b, size, &size, NULL, &err));
  fail_unless (
      g_error_matches (err, AXION_PG_SPOOL_ERROR, AXION_PG_SPOOL_ERROR_FULL));
  g_clear_error (&err);
  g_unlink (g_ptr_array_index (files, 0));
  g_ptr_array_unref (files);
  axion_pg_batch_free (back);
  axion_pg_batch_free (b);
  g_rmdir (dir);
  g_free (tmp);
  g_free (dir);
}

GST_END_TEST;

/* A mapped journal's bytes: header with @done as the stored length, the
 * sections of @b, then @zeros zero bytes (the mapped tail). */
static GString *
journal_bytes (const AxionPgBatch *b, gboolean only_first, gsize zeros)
{
  GString *s = axion_pg_spool_serialize (b);
  GString *j = g_string_new (NULL);
  gsize magic = strlen (AXION_PG_SPOOL_MAGIC);
  guint64 done;

  g_string_append_len (j, AXION_PG_JOURNAL_MAGIC, 16);
  g_string_append_len (j, "\0\0\0\0\0\0\0\0", 8);
  g_string_append_len (j, s->str + magic, s->len - magic);
  done = only_first ? AXION_PG_JOURNAL_HEADER + FIRST_SECTION : j->len;
  memcpy (j->str + 16, &done, 8);
  for (gsize i = 0; i < zeros; i++)
    g_string_append_c (j, '\0');
  g_string_free (s, TRUE);
  return j;
}

/* Only what the stored length covers is recovered: a section written
 * past it (an append the kill cut before its length was stored) and the
 * mapped zeros are not. */
GST_START_TEST (test_journal_recover_stored_length)
{
  AxionPgBatch *b = sample_batch (), *back;
  GString *j = journal_bytes (b, TRUE, 8192);

  back = axion_pg_journal_parse (j->str, j->len);
  fail_unless (back != NULL);
  fail_unless_equals_int (back->total, FIRST_ROWS);
  fail_unless_equals_int (back->rows[GST_AXION_TABLE_FRAME_METADATA], 0);
  axion_pg_batch_free (back);
  g_string_free (j, TRUE);

  /* all stored, then 4 KB of zeros: the zeros are no section */
  j = journal_bytes (b, FALSE, 4096);
  back = axion_pg_journal_parse (j->str, j->len);
  fail_unless (back != NULL);
  assert_same_rows (b, back);
  axion_pg_batch_free (back);
  g_string_free (j, TRUE);

  /* a stored length beyond the file (torn header) reads to the end */
  j = journal_bytes (b, FALSE, 0);
  memset (j->str + 16, 0xff, 8);
  back = axion_pg_journal_parse (j->str, j->len);
  fail_unless (back != NULL);
  assert_same_rows (b, back);
  axion_pg_batch_free (back);
  g_string_free (j, TRUE);
  axion_pg_batch_free (b);
}

GST_END_TEST;

/* Journals of the old format ("AXIONSPOOL 1", no length) are still
 * recovered, up to their last complete section. */
GST_START_TEST (test_journal_recover_old_format)
{
  AxionPgBatch *b = sample_batch (), *back;
  GString *s = axion_pg_spool_serialize (b);

  back = axion_pg_journal_parse (s->str, s->len - 2); /* a cut section */
  fail_unless (back != NULL);
  fail_unless_equals_int (back->total, FIRST_ROWS);
  axion_pg_batch_free (back);
  back = axion_pg_journal_parse (s->str, s->len);
  assert_same_rows (b, back);
  axion_pg_batch_free (back);
  fail_unless (axion_pg_journal_parse ("garbage", 7) == NULL);
  g_string_free (s, TRUE);
  axion_pg_batch_free (b);
}

GST_END_TEST;

/* Appends through the real journal (mapped or pwritev), read back from
 * the file as a next start would; a retired batch's file goes at clear,
 * a batch freed with rows only in memory keeps it. */
GST_START_TEST (test_journal_append_and_recover)
{
  gchar *dir = g_dir_make_tmp ("axion-pgjournal-XXXXXX", NULL);
  AxionPgJournal jr;
  AxionPgBatch *b = axion_pg_batch_new (), *back;
  GPtrArray *files;
  GError *err = NULL;
  gsize from, len;
  AxionPgJournalFile *f;

  axion_pg_journal_init (&jr, dir);
  axion_pg_batch_add_lines (b, GST_AXION_TABLE_FRAME_METADATA, "1\ta\n", 4, 1);
  fail_unless (axion_pg_journal_append (&jr, b, &err));
  /* pages faulted in: the next append is a copy into the mapping */
  f = axion_pg_journal_populate_begin (&jr, &from, &len);
  if (f)
    axion_pg_journal_populate_end (
        f, from, axion_pg_journal_populate (f, from, len));
  axion_pg_batch_add_lines (b, GST_AXION_TABLE_CAMERA_EVENTS, "2\tb\n", 4, 1);
  fail_unless (axion_pg_journal_append (&jr, b, &err));
  files = axion_pg_journal_list (dir);
  fail_unless_equals_int (files->len, 1);
  back = axion_pg_journal_read (g_ptr_array_index (files, 0), &err);
  fail_unless (back != NULL);
  assert_same_rows (b, back);
  axion_pg_batch_free (back);

  /* rows only in memory: the file stays for the next start */
  axion_pg_batch_free (b);
  axion_pg_journal_clear (&jr);
  fail_unless (g_file_test (g_ptr_array_index (files, 0), G_FILE_TEST_EXISTS));
  g_unlink (g_ptr_array_index (files, 0));
  g_ptr_array_unref (files);

  /* written (retired): no file left */
  axion_pg_journal_init (&jr, dir);
  b = sample_batch ();
  fail_unless (axion_pg_journal_append (&jr, b, &err));
  axion_pg_batch_retire (b);
  axion_pg_journal_clear (&jr);
  files = axion_pg_journal_list (dir);
  fail_unless_equals_int (files->len, 0);
  g_ptr_array_unref (files);
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

/* Camera ids become one path component under the spool root, whatever
 * they hold ("..", "/", quotes, newlines), and distinct ids stay
 * distinct. */
GST_START_TEST (test_camera_dir_never_leaves_root)
{
  const gchar *ids[] = { "..", ".", "../x", "a/b", "/etc", "..%2F", "%2E%2E",
    "cam\"1'", "cam\n2", "", "x/../../y", "CAM-01_a.b" };
  GHashTable *seen = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    gchar *dir = axion_pg_spool_camera_dir ("/root/spool", ids[i]);
    gchar *parent = g_path_get_dirname (dir);
    gchar *name = g_path_get_basename (dir);

    fail_unless_equals_string (parent, "/root/spool");
    fail_if (g_str_equal (name, ".") || g_str_equal (name, ".."), "%s", dir);
    for (const gchar *p = name; *p; p++)
      fail_unless (g_ascii_isalnum (*p) || strchr ("._-%", *p), "%s", dir);
    fail_if (g_hash_table_contains (seen, name), "%s twice", name);
    g_hash_table_add (seen, g_strdup (name));
    g_free (parent);
    g_free (name);
    g_free (dir);
  }
  {
    gchar *d = axion_pg_spool_camera_dir ("/root/spool", "CAM-01_a.b");
    fail_unless_equals_string (d, "/root/spool/CAM-01_a.b");
    g_free (d);
  }
  g_hash_table_unref (seen);
}

GST_END_TEST;

/* The journal faults in pages ahead in proportion to what is appended,
 * bounded: a camera appending little takes little disk (it took 256 KB
 * per camera whatever the rate). */
GST_START_TEST (test_journal_prefault_bounded)
{
  gchar *dir = g_dir_make_tmp ("axion-pgjournal-XXXXXX", NULL);
  AxionPgJournal jr;
  AxionPgBatch *b = sample_batch ();
  GPtrArray *files;
  GStatBuf st;
  gsize from, len;
  AxionPgJournalFile *f;

  axion_pg_journal_init (&jr, dir);
  fail_unless (axion_pg_journal_append (&jr, b, NULL));
  f = axion_pg_journal_populate_begin (&jr, &from, &len);
  fail_unless (f != NULL);
  fail_unless (len <= 32 * 1024, "%u bytes ahead", (guint) len);
  axion_pg_journal_populate_end (
      f, from, axion_pg_journal_populate (f, from, len));
  files = axion_pg_journal_list (dir);
  fail_unless (g_stat (g_ptr_array_index (files, 0), &st) == 0);
  fail_unless (st.st_blocks * 512 <= 36 * 1024, "%u bytes on disk",
      (guint) (st.st_blocks * 512));
  /* at a high rate, never more than 128 KB ahead */
  for (guint i = 0; i < 200; i++) {
    axion_pg_batch_add_lines (b, GST_AXION_TABLE_FRAME_METADATA,
        "0123456789012345678901234567890123456789012345678901234567890123"
        "456789012345678901234567890123456789012345678901234567890123456\n",
        129, 1);
    fail_unless (axion_pg_journal_append (&jr, b, NULL));
    f = axion_pg_journal_populate_begin (&jr, &from, &len);
    if (f) {
      fail_unless (len <= 128 * 1024 + 8192, "%u bytes ahead", (guint) len);
      axion_pg_journal_populate_end (
          f, from, axion_pg_journal_populate (f, from, len));
    }
  }
  axion_pg_batch_retire (b);
  axion_pg_journal_clear (&jr);
  g_ptr_array_unref (files);
  g_rmdir (dir);
  g_free (dir);
}

GST_END_TEST;

/* A tiny tmpfs (as root; skipped otherwise): a write that finds no room
 * says so (no "Success"), with the no-space code the sink counts. */
static gchar *
mount_tiny_tmpfs (void)
{
  gchar *dir = g_dir_make_tmp ("axion-full-XXXXXX", NULL);
  gchar *cmd = g_strdup_printf ("mount -t tmpfs -o size=64k tmpfs %s", dir);
  gint status = -1;

  if (geteuid () != 0 ||
      !g_spawn_command_line_sync (cmd, NULL, NULL, &status, NULL) ||
      status != 0) {
    g_print ("SKIP: cannot mount a tmpfs (needs root and mount "
             "permission): the full-disk case is not tested\n");
    g_rmdir (dir);
    g_clear_pointer (&dir, g_free);
  }
  g_free (cmd);
  return dir;
}

static void
umount_dir (gchar *dir)
{
  gchar *cmd = g_strdup_printf ("umount %s", dir);
  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_rmdir (dir);
  g_free (cmd);
  g_free (dir);
}

GST_START_TEST (test_spool_write_no_space)
{
  gchar *dir = mount_tiny_tmpfs ();
  AxionPgSpool sp = { NULL, G_MAXUINT64, TRUE };
  AxionPgBatch *b = axion_pg_batch_new ();
  GString *big = g_string_new (NULL);
  GError *err = NULL;
  gsize size;

  if (dir == NULL)
    return;
  sp.dir = dir;
  for (guint i = 0; i < 2000; i++)
    g_string_append (big, "0123456789012345678901234567890123456789\n");
  axion_pg_batch_add_lines (
      b, GST_AXION_TABLE_FRAME_METADATA, big->str, big->len, 2000);
  fail_if (axion_pg_spool_write (&sp, b, 0, &size, NULL, &err));
  fail_unless (g_error_matches (
                   err, AXION_PG_SPOOL_ERROR, AXION_PG_SPOOL_ERROR_NO_SPACE),
      "%s", err->message);
  fail_unless (strstr (err->message, "Success") == NULL, "%s", err->message);
  g_clear_error (&err);
  /* nothing half-written left */
  fail_unless_equals_int (count_entries (dir), 0);
  axion_pg_batch_free (b);
  g_string_free (big, TRUE);
  umount_dir (dir);
}

GST_END_TEST;

/* a row of @n tab-separated fields "f0".."f<n-1>" */
static gchar *
fields_row (guint n)
{
  GString *r = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (r, "%sf%u", i ? "\t" : "", i);
  g_string_append_c (r, '\n');
  return g_string_free (r, FALSE);
}

static gchar **
section_fields (const AxionPgBatch *b, GstAxionTable t)
{
  gchar *line = g_strndup (b->data[t]->str, b->data[t]->len - 1);
  gchar **f = g_strsplit (line, "\t", -1);

  g_free (line);
  return f;
}

/* a spool file an earlier release wrote (fewer columns: alerts before
 * priority, camera_events before event_data, frame_metadata before the
 * snapshot columns) replays in today's layout: the new columns NULL */
GST_START_TEST (test_spool_rows_of_earlier_release)
{
  gchar *ev = fields_row (20), *al = fields_row (13), *fm = fields_row (16);
  GString *file = g_string_new (AXION_PG_SPOOL_MAGIC);
  AxionPgBatch *b;
  gchar **f;
  guint n;

  g_string_append_printf (
      file, "camera_events 1 %" G_GSIZE_FORMAT "\n%s", strlen (ev), ev);
  g_string_append_printf (
      file, "frame_metadata 1 %" G_GSIZE_FORMAT "\n%s", strlen (fm), fm);
  g_string_append_printf (
      file, "alerts 1 %" G_GSIZE_FORMAT "\n%s", strlen (al), al);
  b = axion_pg_spool_parse (file->str, file->len, FALSE);
  fail_unless (b != NULL);

  f = section_fields (b, GST_AXION_TABLE_CAMERA_EVENTS);
  gst_axion_table_columns (GST_AXION_TABLE_CAMERA_EVENTS, &n);
  fail_unless_equals_int (g_strv_length (f), n);
  fail_unless_equals_string (f[0], "f0");
  fail_unless_equals_string (f[19], "f19");
  fail_unless_equals_string (f[20], "\\N"); /* event_data */
  fail_unless_equals_string (f[21], "\\N"); /* sent_to_claude */
  g_strfreev (f);

  f = section_fields (b, GST_AXION_TABLE_FRAME_METADATA);
  gst_axion_table_columns (GST_AXION_TABLE_FRAME_METADATA, &n);
  fail_unless_equals_int (g_strv_length (f), n);
  fail_unless_equals_string (f[15], "f15");
  fail_unless_equals_string (f[16], "\\N");
  fail_unless_equals_string (f[18], "\\N");
  g_strfreev (f);

  /* priority was inserted as the 4th column: the later ones move */
  f = section_fields (b, GST_AXION_TABLE_ALERTS);
  gst_axion_table_columns (GST_AXION_TABLE_ALERTS, &n);
  fail_unless_equals_int (g_strv_length (f), n);
  fail_unless_equals_string (f[2], "f2");
  fail_unless_equals_string (f[3], "\\N");
  fail_unless_equals_string (f[4], "f3");
  fail_unless_equals_string (f[13], "f12");
  g_strfreev (f);

  /* today's layout is left as it is */
  axion_pg_batch_free (b);
  g_string_free (file, TRUE);
  g_free (ev);
  gst_axion_table_columns (GST_AXION_TABLE_CAMERA_EVENTS, &n);
  ev = fields_row (n);
  file = g_string_new (AXION_PG_SPOOL_MAGIC);
  g_string_append_printf (
      file, "camera_events 1 %" G_GSIZE_FORMAT "\n%s", strlen (ev), ev);
  b = axion_pg_spool_parse (file->str, file->len, FALSE);
  fail_unless_equals_int (
      b->data[GST_AXION_TABLE_CAMERA_EVENTS]->len, strlen (ev));
  axion_pg_batch_free (b);
  g_string_free (file, TRUE);
  g_free (ev);
  g_free (al);
  g_free (fm);
}

GST_END_TEST;

/* a spool of the release before axiongate's frame_metadata columns
 * (sql/007: 19 columns) and of the one before the snapshot columns (16)
 * replay with frames_received, frames_decoded and gate_state NULL (every
 * frame decoded, as those releases did) */
GST_START_TEST (test_spool_rows_before_gate_columns)
{
  gchar *fm19 = fields_row (19), *fm16 = fields_row (16);
  GString *file = g_string_new (AXION_PG_SPOOL_MAGIC);
  AxionPgBatch *b;
  gchar **f;
  guint n;

  g_string_append_printf (
      file, "frame_metadata 1 %" G_GSIZE_FORMAT "\n%s", strlen (fm19), fm19);
  b = axion_pg_spool_parse (file->str, file->len, FALSE);
  fail_unless (b != NULL);
  f = section_fields (b, GST_AXION_TABLE_FRAME_METADATA);
  gst_axion_table_columns (GST_AXION_TABLE_FRAME_METADATA, &n);
  fail_unless_equals_int (n, 22);
  fail_unless_equals_int (g_strv_length (f), n);
  fail_unless_equals_string (f[18], "f18"); /* expires_at */
  fail_unless_equals_string (f[19], "\\N");
  fail_unless_equals_string (f[20], "\\N");
  fail_unless_equals_string (f[21], "\\N");
  g_strfreev (f);
  axion_pg_batch_free (b);
  g_string_free (file, TRUE);

  file = g_string_new (AXION_PG_SPOOL_MAGIC);
  g_string_append_printf (
      file, "frame_metadata 1 %" G_GSIZE_FORMAT "\n%s", strlen (fm16), fm16);
  b = axion_pg_spool_parse (file->str, file->len, FALSE);
  f = section_fields (b, GST_AXION_TABLE_FRAME_METADATA);
  fail_unless_equals_int (g_strv_length (f), n);
  fail_unless_equals_string (f[15], "f15");
  for (guint i = 16; i < n; i++)
    fail_unless_equals_string (f[i], "\\N");
  g_strfreev (f);
  axion_pg_batch_free (b);
  g_string_free (file, TRUE);
  g_free (fm19);
  g_free (fm16);
}

GST_END_TEST;

static Suite *
pgspool_suite (void)
{
  Suite *s = suite_create ("axionpgsink-spool");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_spool_parse_valid);
  tcase_add_test (tc, test_spool_parse_truncated);
  tcase_add_test (tc, test_spool_parse_corrupt);
  tcase_add_test (tc, test_spool_write_list_read);
  tcase_add_test (tc, test_journal_recover_stored_length);
  tcase_add_test (tc, test_journal_recover_old_format);
  tcase_add_test (tc, test_journal_append_and_recover);
  tcase_add_test (tc, test_camera_dir_never_leaves_root);
  tcase_add_test (tc, test_journal_prefault_bounded);
  tcase_add_test (tc, test_spool_write_no_space);
  tcase_add_test (tc, test_spool_rows_of_earlier_release);
  tcase_add_test (tc, test_spool_rows_before_gate_columns);
  return s;
}

GST_CHECK_MAIN (pgspool);
