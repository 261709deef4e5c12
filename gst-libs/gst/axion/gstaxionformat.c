/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaxionformat.h"

#include <math.h>

/* Number formatting without printf: rows are made for every frame, and
 * printf's float path costs more than the rest of a row. */

static const gdouble pow10_table[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
  1e8, 1e9 };

/**
 * gst_axion_format_uint:
 * @buf: room for #GST_AXION_UINT_DIGITS characters
 * @v: a number
 *
 * Writes @v in decimal to @buf, not terminated (no printf, no
 * allocation: for RESP and journal headers built in place).
 *
 * Returns: the number of digits written
 */
guint
gst_axion_format_uint (gchar *buf, guint64 v)
{
  gchar b[GST_AXION_UINT_DIGITS];
  guint i = sizeof (b);

  do
    b[--i] = '0' + v % 10;
  while ((v /= 10) != 0);
  memcpy (buf, b + i, sizeof (b) - i);
  return sizeof (b) - i;
}

/**
 * gst_axion_append_uint:
 * @out: where to append
 * @v: a number
 *
 * Appends @v in decimal (no printf).
 */
void
gst_axion_append_uint (GString *out, guint64 v)
{
  gst_axion_append_digits (out, v, 1);
}

/**
 * gst_axion_append_fixed:
 * @out: where to append
 * @d: a number
 * @scale: digits after the decimal point
 *
 * Appends @d like printf's "%.<scale>f" in the C locale, without printf
 * for the common range (|@d| × 10^@scale below 9e15, @scale ≤ 9).
 */
void
gst_axion_append_fixed (GString *out, gdouble d, guint scale)
{
  gdouble scaled;
  guint64 n, unit;

  if (scale < G_N_ELEMENTS (pow10_table) && isfinite (d) &&
      fabs (scaled = d * pow10_table[scale]) < 9e15) {
    n = (guint64) llround (fabs (scaled));
    unit = (guint64) pow10_table[scale];
    if (d < 0 && n > 0)
      g_string_append_c (out, '-');
    gst_axion_append_digits (out, n / unit, 1);
    if (scale > 0) {
      g_string_append_c (out, '.');
      gst_axion_append_digits (out, n % unit, scale);
    }
  } else {
    gchar fmt[16], buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_snprintf (fmt, sizeof (fmt), "%%.%uf", scale);
    g_string_append (out, g_ascii_formatd (buf, sizeof (buf), fmt, d));
  }
}

/**
 * gst_axion_append_timestamp:
 * @out: where to append
 * @unix_us: microseconds since the Unix epoch
 *
 * Appends @unix_us in ISO 8601 UTC with microseconds (what
 * gst_axion_format_timestamp() returns).
 */
void
gst_axion_append_timestamp (GString *out, gint64 unix_us)
{
  gint64 secs = unix_us / G_USEC_PER_SEC;
  gint64 usec = unix_us % G_USEC_PER_SEC;
  gint64 days, sod, era, doe, yoe, doy, mp, y;
  guint m, d;
  gchar b[32], *p = b;

  if (usec < 0) {
    usec += G_USEC_PER_SEC;
    secs--;
  }
  days = secs / 86400;
  sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  /* the proleptic Gregorian date of a day count (H. Hinnant's
   * civil_from_days): no gmtime_r, which takes glibc's time zone lock */
  days += 719468;
  era = (days >= 0 ? days : days - 146096) / 146097;
  doe = days - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = (guint) (doy - (153 * mp + 2) / 5 + 1);
  m = (guint) (mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);

  if (y < 0 || y > 9999) { /* outside ISO 8601's four digits */
    gst_axion_append_int (out, y);
  } else {
    *p++ = '0' + y / 1000;
    *p++ = '0' + y / 100 % 10;
    *p++ = '0' + y / 10 % 10;
    *p++ = '0' + y % 10;
  }
#define TWO(v)                                                                 \
  G_STMT_START                                                                 \
  {                                                                            \
    *p++ = '0' + (v) / 10;                                                     \
    *p++ = '0' + (v) % 10;                                                     \
  }                                                                            \
  G_STMT_END
  *p++ = '-';
  TWO (m);
  *p++ = '-';
  TWO (d);
  *p++ = 'T';
  TWO ((guint) (sod / 3600));
  *p++ = ':';
  TWO ((guint) (sod / 60 % 60));
  *p++ = ':';
  TWO ((guint) (sod % 60));
  *p++ = '.';
  for (gint k = 5; k >= 0; k--) {
    p[k] = '0' + usec % 10;
    usec /= 10;
  }
  p += 6;
  *p++ = 'Z';
#undef TWO
  gst_axion_string_append_len (out, b, p - b);
}

/**
 * gst_axion_format_timestamp:
 * @unix_us: microseconds since the Unix epoch
 *
 * Returns: (transfer full): ISO 8601 UTC, e.g. "2026-11-28T07:22:40.123456Z"
 */
gchar *
gst_axion_format_timestamp (gint64 unix_us)
{
  GString *s = g_string_sized_new (32);
  gst_axion_append_timestamp (s, unix_us);
  return g_string_free (s, FALSE);
}

/**
 * gst_axion_json_append_string:
 * @out: where to append
 * @s: (nullable): a UTF-8 string
 *
 * Appends @s as a JSON string literal (or null).
 */
void
gst_axion_json_append_string (GString *out, const gchar *s)
{
  const guchar *p, *run;

  if (s == NULL) {
    g_string_append (out, "null");
    return;
  }
  g_string_append_c (out, '"');
  /* copy runs of characters that need no escaping in one go */
  for (p = run = (const guchar *) s; *p; p++) {
    if (*p >= 0x20 && *p != '"' && *p != '\\')
      continue;
    gst_axion_string_append_len (out, (const gchar *) run, p - run);
    switch (*p) {
    case '"':
      g_string_append (out, "\\\"");
      break;
    case '\\':
      g_string_append (out, "\\\\");
      break;
    case '\n':
      g_string_append (out, "\\n");
      break;
    case '\r':
      g_string_append (out, "\\r");
      break;
    case '\t':
      g_string_append (out, "\\t");
      break;
    default:
      g_string_append_printf (out, "\\u%04x", *p);
    }
    run = p + 1;
  }
  gst_axion_string_append_len (out, (const gchar *) run, p - run);
  g_string_append_c (out, '"');
}

/**
 * gst_axion_json_append_double:
 *
 * Appends @v as a JSON number (locale-independent; null when not finite).
 */
void
gst_axion_json_append_double (GString *out, gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  gdouble a = fabs (v);

  if (!isfinite (v)) {
    g_string_append (out, "null");
    return;
  }
  if (a == 0) {
    g_string_append_c (out, '0');
    return;
  }
  /* "%.6g" without printf where it prints fixed notation */
  if (a >= 1e-4 && a < 999999.5) {
    /* the decimal exponent by comparison (log10 cost more than the rest
     * of the formatting) */
    static const gdouble decade[] = { 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2,
      1e3, 1e4, 1e5 };
    gint e = -4, dec;
    guint64 n, unit;
    gdouble x;

    while (e < 5 && a >= decade[e + 5])
      e++;
    dec = 5 - e;

    if (dec < 0)
      dec = 0;
    /* (at a tie the product's rounding would decide what printf decides
     * exactly: there, printf) */
    x = a * pow10_table[dec];
    if (fabs (x - floor (x) - 0.5) < 1e-7)
      goto printf;
    if (x >= 999999.5 && dec > 0) { /* rounds up to one more digit */
      dec--;
      x = a * pow10_table[dec];
      if (fabs (x - floor (x) - 0.5) < 1e-7)
        goto printf;
    }
    n = (guint64) llround (x);
    unit = (guint64) pow10_table[dec];
    while (dec > 0 && n % 10 == 0) { /* %g drops trailing zeros */
      n /= 10;
      unit /= 10;
      dec--;
    }
    if (v < 0)
      g_string_append_c (out, '-');
    gst_axion_append_digits (out, n / unit, 1);
    if (dec > 0) {
      g_string_append_c (out, '.');
      gst_axion_append_digits (out, n % unit, dec);
    }
    return;
  }
printf:
  g_string_append (out, g_ascii_formatd (buf, sizeof (buf), "%.6g", v));
}
