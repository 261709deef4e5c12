/* Axion
 * Copyright (C) 2026 Axion developers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * axiontrack's analytics on the tracker's confirmed tracks: zone entered /
 * left, dwell (loitering), line crossed with direction, per-zone
 * occupancy, and a summary per ended track. Events carry their
 * camera_events event_data as JSON.
 */
#pragma once

#include "axiontracker.h"
#include "axiontrackgeom.h"

G_BEGIN_DECLS

/* the camera_events event_type of each (sql/006) */
typedef enum
{
  AXION_TRACK_EVENT_ZONE_ENTERED,
  AXION_TRACK_EVENT_ZONE_LEFT,
  AXION_TRACK_EVENT_LINE_CROSSED,
  AXION_TRACK_EVENT_LOITERING,
  AXION_TRACK_EVENT_TRACK_ENDED,
} AxionTrackEventKind;

typedef struct
{
  AxionTrackEventKind kind;
  gint64 track_id;
  gchar *data_json; /* camera_events.event_data */
} AxionTrackEvent;

void axion_track_event_free (AxionTrackEvent *e);

/* which point of a box is "where the object is" */
typedef enum
{
  AXION_TRACK_ANCHOR_BOTTOM_CENTER, /* the feet: people, vehicles */
  AXION_TRACK_ANCHOR_CENTER,
} AxionTrackAnchor;

#define AXION_TRACK_MAX_ZONES 64

typedef struct _AxionTrackZones AxionTrackZones;

/* takes @zones and @lines (AxionTrackShape arrays, may be NULL) */
AxionTrackZones *axion_track_zones_new (GPtrArray *zones, GPtrArray *lines,
    gdouble dwell_s, AxionTrackAnchor anchor);
void axion_track_zones_free (AxionTrackZones *z);
/* forgets every track (a reset tracker); occupancy back to 0 */
void axion_track_zones_reset (AxionTrackZones *z);

/* After axion_tracker_step(): appends this frame's events to @out
 * (AxionTrackEvent, free with axion_track_event_free). @stream_us: a
 * monotonic time for durations (the buffer's running time); @capture_us:
 * the frame's capture time for the summaries' first/last seen. */
void axion_track_zones_frame (AxionTrackZones *z, const AxionTracker *t,
    gint64 stream_us, gint64 capture_us, GPtrArray *out);

/* The stream ends (EOS) or restarts: every confirmed track of @t that
 * was reported ends now, with its summary (reason "stream_end") and the
 * zones it was in left. Call before resetting @t and @z. */
void axion_track_zones_end_all (
    AxionTrackZones *z, const AxionTracker *t, GPtrArray *out);

guint axion_track_zones_n_zones (const AxionTrackZones *z);
const gchar *axion_track_zones_zone_name (const AxionTrackZones *z, guint i);
/* confirmed tracks in zone @i now */
guint axion_track_zones_occupancy (const AxionTrackZones *z, guint i);

const gchar *axion_track_event_kind_name (AxionTrackEventKind kind);

G_END_DECLS
