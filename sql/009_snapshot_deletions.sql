-- Axion migration 009: a snapshot file deleted before its row expires.
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

-- Files deleted: (camera, path, the frame's capture time in microseconds
-- since the epoch, the row's expiry in microseconds or 0 = none). The
-- capture time is matched to the millisecond (the file name's precision,
-- for files of earlier runs). Idempotent (a replayed deletion changes
-- nothing). Returns the rows cleared.
CREATE OR REPLACE FUNCTION axion_snapshots_deleted(
    cameras TEXT[], paths TEXT[], frame_us BIGINT[], expires_us BIGINT[])
RETURNS INTEGER AS $$
DECLARE
    n INTEGER;
BEGIN
    INSERT INTO snapshot_deletions (storage_path, camera_id, frame_timestamp, expires_at)
    SELECT d.p, d.c, TIMESTAMPTZ 'epoch' + d.t * INTERVAL '1 microsecond',
           GREATEST(NOW() + INTERVAL '7 days',
                    TIMESTAMPTZ 'epoch' + NULLIF(d.e, 0) * INTERVAL '1 microsecond')
      FROM unnest(cameras, paths, frame_us, expires_us) AS d(c, p, t, e)
    ON CONFLICT (storage_path) DO NOTHING;

    UPDATE frame_metadata f
       SET storage_location = 'none', storage_path = NULL,
           storage_size_bytes = NULL
      FROM (SELECT c, p, date_trunc('milliseconds',
                       TIMESTAMPTZ 'epoch' + t * INTERVAL '1 microsecond') AS ms
              FROM unnest(cameras, paths, frame_us) AS u(c, p, t)) d
     WHERE f.camera_id = d.c
       AND f.frame_timestamp >= d.ms
       AND f.frame_timestamp < d.ms + INTERVAL '1 millisecond'
       AND f.storage_path = d.p;
    GET DIAGNOSTICS n = ROW_COUNT;

    DELETE FROM snapshot_deletions WHERE expires_at < NOW();
    RETURN n;
END;
$$ LANGUAGE plpgsql;
