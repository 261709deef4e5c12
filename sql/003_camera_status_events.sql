-- Axion migration 003: camera outages are events.
--
-- CHANGE: the schema document's camera_events has no event type for a
-- camera going offline or coming back, and no column for an event's
-- details. tools/axion-run records each outage (camera_offline, with the
-- reason) and each return (camera_online, with the outage's length) so that
-- outages are queryable next to the camera's other events. They are point
-- events: event_phase NULL, frame_number = frames the runner had seen from
-- the camera; the details go to the new nullable event_data column (no
-- rewrite of existing rows).
ALTER TABLE camera_events DROP CONSTRAINT chk_event_type;
ALTER TABLE camera_events ADD CONSTRAINT chk_event_type CHECK (event_type IN
    ('motion', 'object_detected', 'scene_change', 'manual_trigger', 'quality',
     'camera_offline', 'camera_online'));
ALTER TABLE camera_events ADD COLUMN event_data JSONB;
