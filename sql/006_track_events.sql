-- Axion migration 006: axiontrack's events.
--
-- CHANGE: the schema document names patterns such as "loitering" but has
-- no event types for tracked objects. axiontrack (docs/elements/
-- axiontrack.md) writes point events (event_phase NULL) with their details
-- in event_data (migration 003):
--   zone_entered, zone_left   {"track_id","class","zone","occupancy",
--                              "dwell_s" (left only),"reason" (left only)}
--   line_crossed              {"track_id","class","line","direction"}
--   loitering                 {"track_id","class","zone","occupancy","dwell_s"}
--   track_ended               one summary per track: {"track_id","class",
--                              "first_seen","last_seen","duration_s",
--                              "detections","best_confidence","path_length",
--                              "zones_visited"}
-- The summary stays in camera_events (not a table of its own): it is one
-- row per track, found by the same (camera_id, event_timestamp) and
-- (event_type, event_timestamp) indexes as every other event, and its
-- track_id joins objects_detected's track_id.
--
-- Other migrations may widen chk_event_type too: the new check is the old
-- check's values plus these, whatever they are, so the order in which
-- migrations add types does not matter.
DO $$
DECLARE
    def TEXT;
    vals TEXT[];
    v TEXT;
BEGIN
    SELECT pg_get_constraintdef(c.oid) INTO def
      FROM pg_constraint c
     WHERE c.conrelid = 'camera_events'::regclass
       AND c.conname = 'chk_event_type';
    SELECT COALESCE(array_agg(m[1]), '{}') INTO vals
      FROM regexp_matches(COALESCE(def, ''), '''([a-z_]+)''', 'g') AS m;
    FOREACH v IN ARRAY ARRAY['zone_entered', 'zone_left', 'line_crossed',
                             'loitering', 'track_ended'] LOOP
        IF NOT v = ANY (vals) THEN
            vals := vals || v;
        END IF;
    END LOOP;
    IF def IS NOT NULL THEN
        ALTER TABLE camera_events DROP CONSTRAINT chk_event_type;
    END IF;
    EXECUTE format('ALTER TABLE camera_events ADD CONSTRAINT chk_event_type '
                   'CHECK (event_type IN (%s))',
                   (SELECT string_agg(quote_literal(x), ', ') FROM unnest(vals) x));
END
$$;

-- a track's events and rows: WHERE event_data->>'track_id' = ...
CREATE INDEX IF NOT EXISTS idx_camera_events_track
    ON camera_events (((event_data ->> 'track_id')::bigint))
    WHERE event_data ? 'track_id';
