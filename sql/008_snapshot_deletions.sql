-- Axion migration 008: a snapshot file deleted before its row expires.
--
-- CHANGE: axionsnapshot (docs/elements/axionsnapshot.md) records each
-- snapshot in frame_metadata.storage_location/storage_path with the file's
-- expiry in expires_at, so cleanup_expired_frames() and the file's age
-- bound (max-age) remove them together. Its disk bound (max-bytes) deletes
-- files earlier: axionpgsink then calls axion_snapshots_deleted(), which
-- clears the row's storage columns (storage_location 'none', storage_path
-- and storage_size_bytes NULL). The row is kept, not deleted:
-- frame_metadata is one row per sampled frame (motion, hashes, quality),
-- and a missing row would be a hole in that record. Its expires_at stays:
-- the row goes when its file would have (as before the file went early).
--
-- The deletion can reach the database before the row does (the row waits
-- in a batch, or in the sink's spool during an outage, while the deletion
-- is applied): snapshot_deletions remembers it, and a trigger clears the
-- storage columns of a row that arrives naming a deleted file. A deletion
-- is kept until the row would have expired anyway (expires_at), at least
-- 7 days; axion_snapshots_deleted() removes the expired ones.
--
-- A track's best frame (CAMERA/tracks/ID.jpg) is named by no frame_metadata
-- row but by its track_ended event: camera_events.event_data.snapshot_path.
-- When the bound deletes that file, axion_snapshots_deleted() removes the
-- snapshot_path key from that event's event_data (the key goes rather than
-- being set to null: "no snapshot" reads the same as for a track that had
-- none, and event_data ? 'snapshot_path' stays a test for a file). The
-- event is found by its key (event_id, event_timestamp: the partition
-- key); snapshot_event_deletions remembers it for an event row that
-- arrives later, as snapshot_deletions does for frame_metadata.
CREATE TABLE snapshot_deletions (
    storage_path TEXT PRIMARY KEY,
    camera_id VARCHAR(64) NOT NULL,
    frame_timestamp TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_snapshot_deletions_expires ON snapshot_deletions(expires_at);

COMMENT ON TABLE snapshot_deletions IS
    'Snapshot files axionsnapshot deleted before their expiry (max-bytes): '
    'frame_metadata rows naming them get storage_location none';

-- A row naming a deleted file comes without it (a snapshot row only: the
-- WHEN clause keeps the other frames' inserts free of the lookup).
CREATE OR REPLACE FUNCTION axion_snapshot_row_check() RETURNS TRIGGER AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM snapshot_deletions d WHERE d.storage_path = NEW.storage_path) THEN
        NEW.storage_location := 'none';
        NEW.storage_path := NULL;
        NEW.storage_size_bytes := NULL;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_frame_metadata_snapshot_deleted
    BEFORE INSERT ON frame_metadata
    FOR EACH ROW WHEN (NEW.storage_path IS NOT NULL)
    EXECUTE FUNCTION axion_snapshot_row_check();

-- Track files deleted before their track_ended event's row expires. The
-- key is the event's (a path tracks/ID.jpg may name another track's file
-- after a restart); the path must still match (a replay never removes a
-- newer file's path).
CREATE TABLE snapshot_event_deletions (
    event_id BIGINT NOT NULL,
    event_timestamp TIMESTAMPTZ NOT NULL,
    camera_id VARCHAR(64) NOT NULL,
    snapshot_path TEXT NOT NULL,
    deleted_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, snapshot_path)
);
CREATE INDEX idx_snapshot_event_deletions_expires ON snapshot_event_deletions(expires_at);

COMMENT ON TABLE snapshot_event_deletions IS
    'Track snapshot files axionsnapshot deleted (max-bytes): the track_ended '
    'event naming them loses event_data.snapshot_path';

-- An event naming a deleted track file comes without it (only events with
-- a snapshot_path: the WHEN clause spares every other insert the lookup).
CREATE OR REPLACE FUNCTION axion_snapshot_event_check() RETURNS TRIGGER AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM snapshot_event_deletions d
                WHERE d.event_id = NEW.event_id
                  AND d.snapshot_path = NEW.event_data ->> 'snapshot_path') THEN
        NEW.event_data := NEW.event_data - 'snapshot_path';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_camera_events_snapshot_deleted
    BEFORE INSERT ON camera_events
    FOR EACH ROW WHEN (NEW.event_data ? 'snapshot_path')
    EXECUTE FUNCTION axion_snapshot_event_check();

-- Files deleted: (camera, path, the frame's capture time in microseconds
-- since the epoch, the row's expiry in microseconds or 0 = none, the
-- track_ended event's id or 0). With an event id the file is a track's
-- and the time is the event's event_timestamp; without, the file is a
-- frame_metadata row's. Times are matched to the millisecond (the file
-- name's precision, for files of earlier runs). Idempotent (a replayed
-- deletion changes nothing). Returns the rows cleared.
-- An alert's frame snapshot (axionsnapshot writes one for every alert
-- and puts its path into alert_data.snapshot_path, the same path as the
-- frame's frame_metadata.storage_path): deleted early, the alert loses
-- the key too, also when the alert row arrives after the deletion. The
-- alert itself stays (its lifecycle is the user's).
CREATE OR REPLACE FUNCTION axion_snapshot_alert_check() RETURNS TRIGGER AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM snapshot_deletions d
                WHERE d.storage_path = NEW.alert_data ->> 'snapshot_path') THEN
        NEW.alert_data := NEW.alert_data - 'snapshot_path';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_alerts_snapshot_deleted
    BEFORE INSERT ON alerts
    FOR EACH ROW WHEN (NEW.alert_data ? 'snapshot_path')
    EXECUTE FUNCTION axion_snapshot_alert_check();

CREATE OR REPLACE FUNCTION axion_snapshots_deleted(
    cameras TEXT[], paths TEXT[], frame_us BIGINT[], expires_us BIGINT[],
    event_ids BIGINT[])
RETURNS INTEGER AS $$
DECLARE
    n INTEGER;
    m INTEGER;
BEGIN
    INSERT INTO snapshot_deletions (storage_path, camera_id, frame_timestamp, expires_at)
    SELECT d.p, d.c, TIMESTAMPTZ 'epoch' + d.t * INTERVAL '1 microsecond',
           GREATEST(NOW() + INTERVAL '7 days',
                    TIMESTAMPTZ 'epoch' + NULLIF(d.e, 0) * INTERVAL '1 microsecond')
      FROM unnest(cameras, paths, frame_us, expires_us, event_ids) AS d(c, p, t, e, ev)
     WHERE d.ev = 0
    ON CONFLICT (storage_path) DO NOTHING;

    INSERT INTO snapshot_event_deletions
           (event_id, event_timestamp, camera_id, snapshot_path, expires_at)
    SELECT d.ev, TIMESTAMPTZ 'epoch' + d.t * INTERVAL '1 microsecond', d.c, d.p,
           GREATEST(NOW() + INTERVAL '7 days',
                    TIMESTAMPTZ 'epoch' + NULLIF(d.e, 0) * INTERVAL '1 microsecond')
      FROM unnest(cameras, paths, frame_us, expires_us, event_ids) AS d(c, p, t, e, ev)
     WHERE d.ev > 0
    ON CONFLICT (event_id, snapshot_path) DO NOTHING;

    UPDATE camera_events ce
       SET event_data = ce.event_data - 'snapshot_path'
      FROM (SELECT c, p, ev, date_trunc('milliseconds',
                       TIMESTAMPTZ 'epoch' + t * INTERVAL '1 microsecond') AS ms
              FROM unnest(cameras, paths, frame_us, event_ids) AS u(c, p, t, ev)
             WHERE ev > 0) d
     WHERE ce.event_id = d.ev
       AND ce.event_timestamp >= d.ms
       AND ce.event_timestamp < d.ms + INTERVAL '1 millisecond'
       AND ce.camera_id = d.c
       AND ce.event_data ->> 'snapshot_path' = d.p;
    GET DIAGNOSTICS m = ROW_COUNT;

    UPDATE frame_metadata f
       SET storage_location = 'none', storage_path = NULL,
           storage_size_bytes = NULL
      FROM (SELECT c, p, date_trunc('milliseconds',
                       TIMESTAMPTZ 'epoch' + t * INTERVAL '1 microsecond') AS ms
              FROM unnest(cameras, paths, frame_us, event_ids) AS u(c, p, t, ev)
             WHERE ev = 0) d
     WHERE f.camera_id = d.c
       AND f.frame_timestamp >= d.ms
       AND f.frame_timestamp < d.ms + INTERVAL '1 millisecond'
       AND f.storage_path = d.p;
    GET DIAGNOSTICS n = ROW_COUNT;

    -- alerts naming a deleted frame snapshot (idx_alerts_data_gin serves
    -- the containment test)
    UPDATE alerts a
       SET alert_data = a.alert_data - 'snapshot_path'
      FROM (SELECT c, p FROM unnest(cameras, paths, event_ids) AS u(c, p, ev)
             WHERE ev = 0) d
     WHERE a.alert_data @> jsonb_build_object('snapshot_path', d.p)
       AND a.camera_id = d.c;

    DELETE FROM snapshot_deletions WHERE expires_at < NOW();
    DELETE FROM snapshot_event_deletions WHERE expires_at < NOW();
    RETURN n + m;
END;
$$ LANGUAGE plpgsql;
