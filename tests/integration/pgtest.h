/* PostgreSQL query helpers of the integration tests: each fails the
 * running gst-check test when the query does not return rows. */
#ifndef AXION_PGTEST_H
#define AXION_PGTEST_H

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* every row of @sql: columns joined by ' ', rows by '|', SQL NULL as
 * "NULL" (compared whole with one string) */
gchar *pgtest_rows_of (PGconn *conn, const gchar *sql);

/* the first column of the first row; NULL when there is no row or the
 * value is SQL NULL */
gchar *pgtest_scalar (PGconn *conn, const gchar *sql);

/* pgtest_scalar() as a number; -1 for no row or SQL NULL */
gint64 pgtest_scalar_int (PGconn *conn, const gchar *sql);

/* tools/axion-db migrate on the test server (AXION_TEST_PG_CONNINFO's
 * PG* environment); says why on stderr when it fails. For main(), before
 * the suite runs. */
gboolean pgtest_migrate (void);

#define pgtest_assert_rows(conn, expected, sql)                                \
  G_STMT_START                                                                 \
  {                                                                            \
    gchar *v_ = pgtest_rows_of ((conn), (sql));                                \
    fail_unless_equals_string (v_, (expected));                                \
    g_free (v_);                                                               \
  }                                                                            \
  G_STMT_END

G_END_DECLS

#endif /* AXION_PGTEST_H */
