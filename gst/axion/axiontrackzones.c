/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "axiontrackzones.h"

#include <gst/axion/gstaxionformat.h>

/* what the analytics remember of one confirmed track */
typedef struct
{
  guint64 inside;   /* bit i: in zone i */
  guint64 visited;  /* bit i: was in zone i at some time */
  guint64 dwelled;  /* bit i: the loitering event of this visit is out */
  gint64 *enter_us; /* per zone: stream time of entering */
  AxionTrackPoint last;
  gboolean has_last;
  gint64 first_capture_us, last_capture_us;
  gint64 first_stream_us, last_stream_us;
} TrackState;

struct _AxionTrackZones
{
  GPtrArray *zones, *lines;
  gdouble dwell_s;
  AxionTrackAnchor anchor;
  GHashTable *states; /* track id -> TrackState */
  guint *occupancy;
};

static void
state_free (gpointer p)
{
  TrackState *s = p;
  g_free (s->enter_us);
  g_free (s);
}

void
axion_track_event_free (AxionTrackEvent *e)
{
  if (e == NULL)
    return;
  g_free (e->data_json);
  g_free (e);
}

const gchar *
axion_track_event_kind_name (AxionTrackEventKind kind)
{
  switch (kind) {
  case AXION_TRACK_EVENT_ZONE_ENTERED:
    return "zone_entered";
  case AXION_TRACK_EVENT_ZONE_LEFT:
    return "zone_left";
  case AXION_TRACK_EVENT_LINE_CROSSED:
    return "line_crossed";
  case AXION_TRACK_EVENT_LOITERING:
    return "loitering";
  case AXION_TRACK_EVENT_TRACK_ENDED:
    return "track_ended";
  }
  return "unknown";
}

AxionTrackZones *
axion_track_zones_new (GPtrArray *zones, GPtrArray *lines, gdouble dwell_s,
    AxionTrackAnchor anchor)
{
  AxionTrackZones *z = g_new0 (AxionTrackZones, 1);

  z->zones = zones ? g_ptr_array_ref (zones) : g_ptr_array_new ();
  z->lines = lines ? g_ptr_array_ref (lines) : g_ptr_array_new ();
  g_return_val_if_fail (z->zones->len <= AXION_TRACK_MAX_ZONES, z);
  z->dwell_s = dwell_s;
  z->anchor = anchor;
  z->states = g_hash_table_new_full (
      g_int64_hash, g_int64_equal, g_free, state_free);
  z->occupancy = g_new0 (guint, MAX (z->zones->len, 1));
  return z;
}

void
axion_track_zones_free (AxionTrackZones *z)
{
  if (z == NULL)
    return;
  g_ptr_array_unref (z->zones);
  g_ptr_array_unref (z->lines);
  g_hash_table_unref (z->states);
  g_free (z->occupancy);
  g_free (z);
}

void
axion_track_zones_reset (AxionTrackZones *z)
{
  g_hash_table_remove_all (z->states);
  for (guint i = 0; i < z->zones->len; i++)
    z->occupancy[i] = 0;
}

guint
axion_track_zones_n_zones (const AxionTrackZones *z)
{
  return z->zones->len;
}

const gchar *
axion_track_zones_zone_name (const AxionTrackZones *z, guint i)
{
  return ((AxionTrackShape *) z->zones->pdata[i])->name;
}

guint
axion_track_zones_occupancy (const AxionTrackZones *z, guint i)
{
  return i < z->zones->len ? z->occupancy[i] : 0;
}

static AxionTrackPoint
anchor_of (const AxionTrackZones *z, const AxionTrackBox *b)
{
  AxionTrackPoint p = { b->x + b->w / 2, b->y + b->h / 2 };

  if (z->anchor == AXION_TRACK_ANCHOR_BOTTOM_CENTER)
    p.y = b->y + b->h;
  return p;
}

/* {"track_id":N,"class":"...", then the caller's fields and '}' */
static GString *
event_json (const AxionTrack *tr)
{
  GString *s = g_string_new ("{\"track_id\":");

  gst_axion_append_int (s, tr->id);
  g_string_append (s, ",\"class\":");
  gst_axion_json_append_string (s, g_quark_to_string (tr->label));
  return s;
}

static void
emit (GPtrArray *out, AxionTrackEventKind kind, const AxionTrack *tr,
    GString *json)
{
  AxionTrackEvent *e = g_new0 (AxionTrackEvent, 1);

  g_string_append_c (json, '}');
  e->kind = kind;
  e->track_id = tr->id;
  e->data_json = g_string_free (json, FALSE);
  g_ptr_array_add (out, e);
}

static void
zone_event (AxionTrackZones *z, GPtrArray *out, AxionTrackEventKind kind,
    const AxionTrack *tr, guint i, gdouble dwell_s, const gchar *reason)
{
  GString *j = event_json (tr);

  g_string_append (j, ",\"zone\":");
  gst_axion_json_append_string (j, axion_track_zones_zone_name (z, i));
  g_string_append (j, ",\"occupancy\":");
  gst_axion_append_int (j, z->occupancy[i]);
  if (dwell_s >= 0) {
    g_string_append (j, ",\"dwell_s\":");
    gst_axion_append_fixed (j, dwell_s, 3);
  }
  if (reason) {
    g_string_append (j, ",\"reason\":");
    gst_axion_json_append_string (j, reason);
  }
  emit (out, kind, tr, j);
}

static void
leave_zone (AxionTrackZones *z, GPtrArray *out, const AxionTrack *tr,
    TrackState *st, guint i, gint64 stream_us, const gchar *reason)
{
  st->inside &= ~(G_GUINT64_CONSTANT (1) << i);
  st->dwelled &= ~(G_GUINT64_CONSTANT (1) << i);
  z->occupancy[i]--;
  zone_event (z, out, AXION_TRACK_EVENT_ZONE_LEFT, tr, i,
      (stream_us - st->enter_us[i]) / 1e6, reason);
}

static void
update_zones (AxionTrackZones *z, GPtrArray *out, const AxionTrack *tr,
    TrackState *st, AxionTrackPoint p, gint64 stream_us)
{
  for (guint i = 0; i < z->zones->len; i++) {
    guint64 bit = G_GUINT64_CONSTANT (1) << i;
    gboolean in = axion_track_zone_contains (z->zones->pdata[i], p);
    gboolean was = (st->inside & bit) != 0;

    if (in && !was) {
      st->inside |= bit;
      st->visited |= bit;
      st->enter_us[i] = stream_us;
      z->occupancy[i]++;
      zone_event (z, out, AXION_TRACK_EVENT_ZONE_ENTERED, tr, i, -1, NULL);
    } else if (!in && was) {
      leave_zone (z, out, tr, st, i, stream_us, "moved");
    } else if (in && !(st->dwelled & bit) &&
        stream_us - st->enter_us[i] >= (gint64) (z->dwell_s * 1e6)) {
      st->dwelled |= bit;
      zone_event (z, out, AXION_TRACK_EVENT_LOITERING, tr, i,
          (stream_us - st->enter_us[i]) / 1e6, NULL);
    }
  }
}

static void
update_lines (AxionTrackZones *z, GPtrArray *out, const AxionTrack *tr,
    TrackState *st, AxionTrackPoint p)
{
  for (guint i = 0; st->has_last && i < z->lines->len; i++) {
    AxionTrackShape *line = z->lines->pdata[i];
    gint dir = axion_track_line_crossing (line, st->last, p);
    GString *j;

    if (dir == 0)
      continue;
    j = event_json (tr);
    g_string_append (j, ",\"line\":");
    gst_axion_json_append_string (j, line->name);
    g_string_append (j,
        dir > 0 ? ",\"direction\":\"left-to-right\""
                : ",\"direction\":\"right-to-left\"");
    emit (out, AXION_TRACK_EVENT_LINE_CROSSED, tr, j);
  }
  st->last = p;
  st->has_last = TRUE;
}

/* @reason: "lost" (the tracker gave up on it) or "stream_end" (the
 * stream ended or restarted while the track was alive) */
static void
end_track (AxionTrackZones *z, GPtrArray *out, const AxionTrack *tr,
    const gchar *reason)
{
  TrackState *st = g_hash_table_lookup (z->states, &tr->id);
  GString *j;
  gboolean first = TRUE;

  if (st == NULL)
    return;
  for (guint i = 0; i < z->zones->len; i++)
    if (st->inside & (G_GUINT64_CONSTANT (1) << i))
      leave_zone (z, out, tr, st, i, st->last_stream_us, reason);
  j = event_json (tr);
  g_string_append (j, ",\"first_seen\":\"");
  gst_axion_append_timestamp (j, st->first_capture_us);
  g_string_append (j, "\",\"last_seen\":\"");
  gst_axion_append_timestamp (j, st->last_capture_us);
  g_string_append_c (j, '"');
  g_string_append (j, ",\"duration_s\":");
  gst_axion_append_fixed (
      j, (st->last_stream_us - st->first_stream_us) / 1e6, 3);
  g_string_append (j, ",\"detections\":");
  gst_axion_append_int (j, tr->hits);
  g_string_append (j, ",\"best_confidence\":");
  gst_axion_append_fixed (j, tr->best_conf, 4);
  g_string_append (j, ",\"path_length\":");
  gst_axion_append_fixed (j, tr->path, 4);
  g_string_append (j, ",\"zones_visited\":[");
  for (guint i = 0; i < z->zones->len; i++) {
    if (!(st->visited & (G_GUINT64_CONSTANT (1) << i)))
      continue;
    if (!first)
      g_string_append_c (j, ',');
    first = FALSE;
    gst_axion_json_append_string (j, axion_track_zones_zone_name (z, i));
  }
  g_string_append (j, "],\"reason\":");
  gst_axion_json_append_string (j, reason);
  emit (out, AXION_TRACK_EVENT_TRACK_ENDED, tr, j);
  g_hash_table_remove (z->states, &tr->id);
}

void
axion_track_zones_frame (AxionTrackZones *z, const AxionTracker *t,
    gint64 stream_us, gint64 capture_us, GPtrArray *out)
{
  const AxionTrack *ended;
  guint n_ended;

  for (guint k = 0; k < axion_tracker_n_tracks (t); k++) {
    const AxionTrack *tr = axion_tracker_track (t, k);
    TrackState *st;
    AxionTrackPoint p;

    if (!axion_track_is_visible (tr))
      continue; /* occluded or missed: membership holds until it returns */
    st = g_hash_table_lookup (z->states, &tr->id);
    if (st == NULL) {
      st = g_new0 (TrackState, 1);
      st->enter_us = g_new0 (gint64, MAX (z->zones->len, 1));
      st->first_capture_us = capture_us;
      st->first_stream_us = stream_us;
      g_hash_table_insert (z->states, g_memdup2 (&tr->id, sizeof (gint64)), st);
    }
    if (tr->matched) {
      st->last_capture_us = capture_us;
      st->last_stream_us = stream_us;
    }
    p = anchor_of (z, &tr->box);
    update_lines (z, out, tr, st, p);
    update_zones (z, out, tr, st, p, stream_us);
  }
  ended = axion_tracker_ended (t, &n_ended);
  for (guint k = 0; k < n_ended; k++)
    end_track (z, out, &ended[k], "lost");
}

void
axion_track_zones_end_all (
    AxionTrackZones *z, const AxionTracker *t, GPtrArray *out)
{
  for (guint k = 0; k < axion_tracker_n_tracks (t); k++) {
    const AxionTrack *tr = axion_tracker_track (t, k);
    if (tr->confirmed)
      end_track (z, out, tr, "stream_end");
  }
}
