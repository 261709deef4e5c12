-- ============================================================================
-- Axion schema, migration 002: §3 and §5.3 optimisations, and the
-- maintenance functions the document leaves to cron (partitions ahead,
-- retention and archiving).
--
-- Run from cron or a systemd timer (tools/axion-db does the same):
--   SELECT axion_create_partitions_ahead();   -- daily (seed: 7 days ahead)
--   SELECT * FROM axion_apply_retention();    -- daily
--   SELECT rollup_system_metrics();           -- every minute
--   SELECT axion_refresh_views();             -- hourly
-- ============================================================================

-- ----------------------------------------------------------------------------
-- §3.3 / §5.3 indexes
-- ----------------------------------------------------------------------------

-- §3.3 covering index, as written.
CREATE INDEX idx_camera_events_covering ON camera_events(camera_id, event_timestamp DESC)
    INCLUDE (event_type, motion_score, object_count);

-- FIX: §3.3 and §5.3 both define idx_camera_events_high_motion (motion_score
-- > 0.5, and > 0.7 INCLUDE (camera_id, objects_detected)); §5.3's version
-- puts WHERE before INCLUDE, which PostgreSQL rejects. One index, §5.3's
-- threshold, clauses in the right order. objects_detected is left out of
-- INCLUDE: a B-tree entry must stay under ~2.7 kB, so a frame with many
-- detections would make its INSERT fail; the heap has the column anyway.
CREATE INDEX idx_camera_events_high_motion ON camera_events(event_timestamp DESC)
    INCLUDE (camera_id, motion_score)
    WHERE motion_score > 0.7;

-- FIX: §5.3 idx_camera_events_camera_recent has NOW() in its predicate;
-- index predicates must be immutable, so PostgreSQL rejects it. Daily
-- partitions plus idx_camera_events_camera_time already serve "recent
-- events for a camera" (§6.1 query 1), so it is not created.

-- FIX: §5.3 idx_camera_events_objects_class is a GIN index on
-- (objects_detected -> 'class'): on an array of objects that expression is
-- NULL, so the index holds nothing useful and §6.1 query 2
-- (objects_detected @> '[{"class":"person"}]') cannot use it.
-- idx_camera_events_objects_gin (jsonb_path_ops on the column, migration
-- 001) serves that containment query; no second index.

-- §5.3 idx_camera_events_pending_claude duplicates
-- idx_camera_events_claude_pending (same column and predicate; a B-tree
-- scans both directions): not created.

CREATE INDEX idx_alerts_camera_recent ON alerts(camera_id, created_at DESC)
    WHERE status != 'resolved';
CREATE INDEX idx_alerts_critical ON alerts(created_at DESC)
    WHERE severity >= 4 AND status = 'new';

-- ----------------------------------------------------------------------------
-- §3.3 materialized view for dashboards
-- ----------------------------------------------------------------------------
CREATE MATERIALIZED VIEW mv_camera_stats_hourly AS
SELECT
    camera_id,
    DATE_TRUNC('hour', event_timestamp) AS hour,
    COUNT(*) AS event_count,
    AVG(motion_score) AS avg_motion,
    AVG(object_count) AS avg_objects,
    MAX(object_count) AS max_objects
FROM camera_events
GROUP BY camera_id, DATE_TRUNC('hour', event_timestamp);

CREATE UNIQUE INDEX uq_mv_camera_stats_hourly ON mv_camera_stats_hourly(camera_id, hour);

CREATE OR REPLACE FUNCTION axion_refresh_views()
RETURNS void AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY mv_camera_stats_hourly;
END;
$$ LANGUAGE plpgsql;

-- ----------------------------------------------------------------------------
-- §3.4 compression and TOAST
-- lz4 only when this server was built with it (Debian's is); otherwise the
-- default pglz stays.
-- ----------------------------------------------------------------------------
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE camera_events ALTER COLUMN objects_detected SET COMPRESSION lz4;
        ALTER TABLE camera_events ALTER COLUMN motion_regions SET COMPRESSION lz4;
    END IF;
END $$;

ALTER TABLE claude_analyses ALTER COLUMN claude_response SET STORAGE EXTERNAL;

-- ----------------------------------------------------------------------------
-- Partitions ahead and on demand
-- ----------------------------------------------------------------------------

-- Creates the coming partitions: p_days days of camera_events and
-- frame_metadata (from yesterday), p_hours hours of system_metrics, the
-- months covering the next p_days days plus one of audit_log. Idempotent.
-- Returns the number of partitions created.
CREATE OR REPLACE FUNCTION axion_create_partitions_ahead(
    p_days integer DEFAULT 7,
    p_hours integer DEFAULT 24)
RETURNS integer AS $$
DECLARE
    v_today date := (NOW() AT TIME ZONE 'UTC')::date;
    v_before integer;
    v_after integer;
BEGIN
    SELECT count(*) INTO v_before FROM pg_inherits;
    FOR i IN -1 .. p_days - 1 LOOP
        PERFORM create_camera_events_partition(v_today + i);
        PERFORM create_frame_metadata_partition(v_today + i);
    END LOOP;
    FOR i IN 0 .. p_hours - 1 LOOP
        PERFORM create_system_metrics_partition(NOW() + make_interval(hours => i));
    END LOOP;
    FOR i IN 0 .. (p_days / 28) + 1 LOOP
        PERFORM create_audit_log_partition((v_today + make_interval(months => i))::date);
    END LOOP;
    SELECT count(*) INTO v_after FROM pg_inherits;
    RETURN v_after - v_before;
END;
$$ LANGUAGE plpgsql;

-- Creates the partitions that rows in a DEFAULT partition belong to (moving
-- the rows there), e.g. after a replayed spool from last week or a camera
-- with a wrong clock. Returns the number of partitions created.
CREATE OR REPLACE FUNCTION axion_partition_default_rows()
RETURNS integer AS $$
DECLARE
    v_n integer := 0;
    v_ts timestamptz;
    v_buckets timestamptz[];
BEGIN
    -- Buckets are collected before creating partitions: creating one
    -- replaces the DEFAULT partition, which must not be open in a loop.
    SELECT array_agg(DISTINCT date_trunc('day', event_timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
        INTO v_buckets FROM camera_events_default;
    FOREACH v_ts IN ARRAY COALESCE(v_buckets, '{}') LOOP
        PERFORM create_camera_events_partition((v_ts AT TIME ZONE 'UTC')::date);
        v_n := v_n + 1;
    END LOOP;
    SELECT array_agg(DISTINCT date_trunc('day', frame_timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
        INTO v_buckets FROM frame_metadata_default;
    FOREACH v_ts IN ARRAY COALESCE(v_buckets, '{}') LOOP
        PERFORM create_frame_metadata_partition((v_ts AT TIME ZONE 'UTC')::date);
        v_n := v_n + 1;
    END LOOP;
    SELECT array_agg(DISTINCT date_trunc('hour', metric_timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
        INTO v_buckets FROM system_metrics_default;
    FOREACH v_ts IN ARRAY COALESCE(v_buckets, '{}') LOOP
        PERFORM create_system_metrics_partition(v_ts);
        v_n := v_n + 1;
    END LOOP;
    SELECT array_agg(DISTINCT date_trunc('month', event_timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
        INTO v_buckets FROM audit_log_default;
    FOREACH v_ts IN ARRAY COALESCE(v_buckets, '{}') LOOP
        PERFORM create_audit_log_partition((v_ts AT TIME ZONE 'UTC')::date);
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END;
$$ LANGUAGE plpgsql;

-- ----------------------------------------------------------------------------
-- Retention (§3.1): one policy row per table, editable by operators.
--   keep_for      how long rows stay in the live table
--   action        'archive': detach the partition and move it to schema
--                 archive (the document's recommended option);
--                 'drop': drop the partition; 'delete': DELETE rows (for
--                 the unpartitioned tables)
--   archive_for   archived partitions older than this are dropped
--                 (NULL: archived partitions are kept)
-- ----------------------------------------------------------------------------
CREATE TABLE axion_retention_policy (
    table_name text PRIMARY KEY,
    keep_for interval NOT NULL,
    action text NOT NULL CHECK (action IN ('archive', 'drop', 'delete')),
    archive_for interval
);

INSERT INTO axion_retention_policy VALUES
    ('camera_events',            '30 days',  'archive', '335 days'),  -- 30 hot, 1 year in all
    ('frame_metadata',           '7 days',   'archive', '23 days'),   -- 7 hot, 30 in all
    ('system_metrics',           '7 days',   'drop',    NULL),        -- 7 days raw
    ('system_metrics_rollup_1m', '90 days',  'delete',  NULL),        -- 90 days aggregated
    ('claude_analyses',          '90 days',  'delete',  NULL),
    ('alerts',                   '1 year',   'delete',  NULL),
    ('audit_log',                '1 year',   'archive', NULL);        -- 1 year minimum: archived, never dropped here

-- Applies axion_retention_policy (or only p_table's policy). Partitions
-- whose whole range is older than keep_for are archived or dropped;
-- DEFAULT partitions are first split into proper partitions so their old
-- rows follow the same rule. Returns what it did.
CREATE OR REPLACE FUNCTION axion_apply_retention(
    p_table text DEFAULT NULL,
    p_now timestamptz DEFAULT NOW())
RETURNS TABLE (table_name text, object_name text, action text) AS $$
DECLARE
    pol record;
    part record;
    v_upper timestamptz;
    v_n bigint;
    v_time_col text;
BEGIN
    PERFORM axion_partition_default_rows();

    FOR pol IN SELECT * FROM axion_retention_policy r
               WHERE p_table IS NULL OR r.table_name = p_table
               ORDER BY r.table_name LOOP
        IF pol.action = 'delete' THEN
            v_time_col := CASE pol.table_name
                WHEN 'system_metrics_rollup_1m' THEN 'rollup_timestamp'
                WHEN 'claude_analyses' THEN 'event_timestamp'
                ELSE 'created_at' END;
            EXECUTE format('DELETE FROM %I WHERE %I < $1', pol.table_name, v_time_col)
                USING p_now - pol.keep_for;
            GET DIAGNOSTICS v_n = ROW_COUNT;
            IF v_n > 0 THEN
                table_name := pol.table_name;
                object_name := v_n || ' rows';
                action := 'deleted';
                RETURN NEXT;
            END IF;
            CONTINUE;
        END IF;

        FOR part IN
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = pol.table_name::regclass
            ORDER BY c.relname
        LOOP
            CONTINUE WHEN part.bound = 'DEFAULT';
            v_upper := substring(part.bound FROM $re$TO \('([^']+)'\)$re$)::timestamptz;
            CONTINUE WHEN v_upper IS NULL OR v_upper > p_now - pol.keep_for;

            IF pol.action = 'drop' THEN
                EXECUTE format('DROP TABLE %I', part.relname);
                action := 'dropped';
            ELSIF to_regclass(format('archive.%I', part.relname)) IS NOT NULL THEN
                RAISE WARNING 'archive.% exists already; % left in place', part.relname, part.relname;
                CONTINUE;
            ELSE
                EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', pol.table_name, part.relname);
                EXECUTE format('ALTER TABLE %I SET SCHEMA archive', part.relname);
                -- remember the range: an archived table has no partition bound
                EXECUTE format('COMMENT ON TABLE archive.%I IS %L', part.relname,
                               'axion archived partition of ' || pol.table_name || ' ' || part.bound);
                action := 'archived';
            END IF;
            table_name := pol.table_name;
            object_name := part.relname;
            RETURN NEXT;
        END LOOP;

        IF pol.action = 'archive' AND pol.archive_for IS NOT NULL THEN
            FOR part IN
                SELECT c.relname, obj_description(c.oid, 'pg_class') AS note
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'archive' AND c.relkind = 'r'
                AND obj_description(c.oid, 'pg_class') LIKE 'axion archived partition of ' || pol.table_name || ' %'
            LOOP
                v_upper := substring(part.note FROM $re$TO \('([^']+)'\)$re$)::timestamptz;
                CONTINUE WHEN v_upper IS NULL OR v_upper > p_now - pol.keep_for - pol.archive_for;
                EXECUTE format('DROP TABLE archive.%I', part.relname);
                table_name := pol.table_name;
                object_name := 'archive.' || part.relname;
                action := 'dropped';
                RETURN NEXT;
            END LOOP;
        END IF;
    END LOOP;
END;
$$ LANGUAGE plpgsql;

-- The document's name for camera_events retention (§1.1), kept for
-- existing cron entries.
CREATE OR REPLACE FUNCTION cleanup_old_partitions()
RETURNS void AS $$
BEGIN
    PERFORM axion_apply_retention('camera_events');
END;
$$ LANGUAGE plpgsql;
