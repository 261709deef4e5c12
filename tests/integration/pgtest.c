/* PostgreSQL query helpers of the integration tests (pgtest.h) */
#include "pgtest.h"

#include <gst/check/gstcheck.h>

static PGresult *
query (PGconn *conn, const gchar *sql)
{
  PGresult *r = PQexec (conn, sql);

  fail_unless (PQresultStatus (r) == PGRES_TUPLES_OK, "%s: %s", sql,
      PQerrorMessage (conn));
  return r;
}

gchar *
pgtest_rows_of (PGconn *conn, const gchar *sql)
{
  PGresult *r = query (conn, sql);
  GString *s = g_string_new (NULL);

  for (gint i = 0; i < PQntuples (r); i++) {
    if (i)
      g_string_append_c (s, '|');
    for (gint j = 0; j < PQnfields (r); j++)
      g_string_append_printf (s, "%s%s", j ? " " : "",
          PQgetisnull (r, i, j) ? "NULL" : PQgetvalue (r, i, j));
  }
  PQclear (r);
  return g_string_free (s, FALSE);
}

gchar *
pgtest_scalar (PGconn *conn, const gchar *sql)
{
  PGresult *r = query (conn, sql);
  gchar *v = NULL;

  if (PQntuples (r) > 0 && !PQgetisnull (r, 0, 0))
    v = g_strdup (PQgetvalue (r, 0, 0));
  PQclear (r);
  return v;
}

gint64
pgtest_scalar_int (PGconn *conn, const gchar *sql)
{
  gchar *v = pgtest_scalar (conn, sql);
  gint64 n = v ? g_ascii_strtoll (v, NULL, 10) : -1;

  g_free (v);
  return n;
}

gboolean
pgtest_migrate (void)
{
  gchar *cmd = g_strdup_printf ("%s/tools/axion-db migrate", AXION_SRCDIR);
  gchar *out = NULL, *errout = NULL;
  gint status;
  gboolean ok = g_spawn_command_line_sync (cmd, &out, &errout, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL);

  if (!ok)
    g_printerr ("migrate failed: %s%s\n", out ? out : "", errout ? errout : "");
  g_free (cmd);
  g_free (out);
  g_free (errout);
  return ok;
}
