/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed, not exported): number, JSON and timestamp
 * writers without printf, for the per-frame row and protocol writers
 * (gstaxionrows.c, axionpgsink, axionredissink). Part of the
 * gstaxion-internal static library, which every in-tree user of
 * libgstaxion links (see meson.build).
 */
#ifndef __GST_AXION_FORMAT_H__
#define __GST_AXION_FORMAT_H__

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/**
 * gst_axion_string_append_len:
 * @s: a string
 * @p: bytes to append
 * @n: how many
 *
 * g_string_append_len() inlined for the row and protocol writers, which
 * append dozens of short pieces per frame (GLib inlines it only from 2.76).
 */
static inline void
gst_axion_string_append_len (GString *s, const gchar *p, gsize n)
{
  if (G_UNLIKELY (s->len + n >= s->allocated_len)) {
    g_string_append_len (s, p, n);
    return;
  }
  memcpy (s->str + s->len, p, n);
  s->len += n;
  s->str[s->len] = '\0';
}

/* @v in decimal, zero-padded to at least @min_digits digits */
static inline void
gst_axion_append_digits (GString *out, guint64 v, guint min_digits)
{
  gchar b[24];
  gint i = sizeof (b);

  do {
    b[--i] = '0' + v % 10;
    v /= 10;
  } while (v != 0 || (gint) sizeof (b) - i < (gint) min_digits);
  gst_axion_string_append_len (out, b + i, sizeof (b) - i);
}

/* @v in decimal, with a '-' when negative */
static inline void
gst_axion_append_int (GString *out, gint64 v)
{
  if (v < 0) {
    g_string_append_c (out, '-');
    gst_axion_append_digits (out, (guint64) 0 - (guint64) v, 1);
  } else {
    gst_axion_append_digits (out, (guint64) v, 1);
  }
}

G_GNUC_INTERNAL void gst_axion_append_uint (GString *out, guint64 v);

G_GNUC_INTERNAL void
gst_axion_append_fixed (GString *out, gdouble v, guint decimals);

/* digits of the largest guint64 */
#define GST_AXION_UINT_DIGITS 20
G_GNUC_INTERNAL guint gst_axion_format_uint (gchar *buf, guint64 v);

G_GNUC_INTERNAL void gst_axion_append_timestamp (GString *out, gint64 unix_us);
G_GNUC_INTERNAL gchar *gst_axion_format_timestamp (gint64 unix_us);

G_GNUC_INTERNAL void
gst_axion_json_append_string (GString *out, const gchar *s);
G_GNUC_INTERNAL void gst_axion_json_append_double (GString *out, gdouble v);

G_END_DECLS

#endif /* __GST_AXION_FORMAT_H__ */
