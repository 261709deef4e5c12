-- ============================================================================
-- Axion migration 004: the schema document made true where it was only
-- prose or never written:
--   * camera_events.sent_to_claude / claude_analysis_id / alert_generated
--     kept true when an analysis or an alert follows an event (§6.2 write
--     pattern 3, done by the database so that every writer gets it);
--   * claude_analyses partitioned monthly (§3.1), existing rows kept;
--   * maintenance in one call (axion_maintain: partitions ahead, rows out
--     of DEFAULT partitions, flags left over, mv_camera_stats_hourly);
--   * the §5.4 monitoring queries as views, and §8.1 thresholds as one
--     function that axion-health reads.
-- ============================================================================

-- ----------------------------------------------------------------------------
-- §3.1: claude_analyses partitioned monthly by event_timestamp (the trigger
-- event's capture time: §6.1 query 3 filters on it, retention deletes by
-- it, so both prune to a few months).
--
-- CHANGE: the primary key becomes (analysis_id, event_timestamp): a
-- partitioned table's unique keys must hold the partition key. Ids are
-- pipeline-generated and unique on their own, and a retried row carries
-- the same event_timestamp, so ON CONFLICT DO NOTHING still makes retries
-- idempotent.
-- ----------------------------------------------------------------------------
ALTER TABLE claude_analyses RENAME TO claude_analyses_unpartitioned;
ALTER TABLE claude_analyses_unpartitioned RENAME CONSTRAINT claude_analyses_pkey TO claude_analyses_unpartitioned_pkey;
ALTER SEQUENCE claude_analyses_analysis_id_seq OWNED BY NONE;
DROP INDEX idx_claude_analyses_event, idx_claude_analyses_camera_time,
    idx_claude_analyses_risk, idx_claude_analyses_patterns,
    idx_claude_analyses_alerts, idx_claude_analyses_response_gin,
    idx_claude_analyses_insight_fts, idx_claude_analyses_description_fts;

CREATE TABLE claude_analyses (
    analysis_id BIGINT NOT NULL DEFAULT nextval('claude_analyses_analysis_id_seq'),

    trigger_event_id BIGINT NOT NULL,
    camera_id VARCHAR(64) NOT NULL,
    event_timestamp TIMESTAMPTZ NOT NULL,

    request_type VARCHAR(32) NOT NULL,
    prompt_template VARCHAR(64),
    context_window_events INTEGER,

    claude_response JSONB NOT NULL,
    primary_insight TEXT,
    confidence_score DECIMAL(5,4),

    objects_identified TEXT[],
    activities_detected TEXT[],
    anomalies_flagged TEXT[],
    scene_description TEXT,
    risk_assessment VARCHAR(16),

    pattern_detected BOOLEAN DEFAULT FALSE,
    pattern_type VARCHAR(64),
    pattern_confidence DECIMAL(5,4),

    api_call_duration_ms INTEGER,
    tokens_used INTEGER,
    model_version VARCHAR(32),

    should_alert BOOLEAN DEFAULT FALSE,
    alert_reason TEXT,
    alert_severity INTEGER,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    CONSTRAINT pk_claude_analyses PRIMARY KEY (analysis_id, event_timestamp),
    CONSTRAINT chk_request_type CHECK (request_type IN ('scene_description', 'anomaly_detection', 'pattern_analysis', 'real_time_query')),
    CONSTRAINT chk_risk_level CHECK (risk_assessment IN ('none', 'low', 'medium', 'high', 'critical'))
) PARTITION BY RANGE (event_timestamp);
ALTER SEQUENCE claude_analyses_analysis_id_seq OWNED BY claude_analyses.analysis_id;
ALTER TABLE claude_analyses ALTER COLUMN claude_response SET STORAGE EXTERNAL;

CREATE INDEX idx_claude_analyses_event ON claude_analyses(trigger_event_id);
CREATE INDEX idx_claude_analyses_camera_time ON claude_analyses(camera_id, event_timestamp DESC);
CREATE INDEX idx_claude_analyses_risk ON claude_analyses(risk_assessment) WHERE risk_assessment != 'none';
CREATE INDEX idx_claude_analyses_patterns ON claude_analyses(pattern_type) WHERE pattern_detected = TRUE;
CREATE INDEX idx_claude_analyses_alerts ON claude_analyses(created_at DESC) WHERE should_alert = TRUE;
CREATE INDEX idx_claude_analyses_response_gin ON claude_analyses USING GIN (claude_response jsonb_path_ops);
CREATE INDEX idx_claude_analyses_insight_fts ON claude_analyses USING GIN (to_tsvector('english', primary_insight));
CREATE INDEX idx_claude_analyses_description_fts ON claude_analyses USING GIN (to_tsvector('english', scene_description));

-- FIX: DEFAULT partition, see camera_events_default (migration 001).
CREATE TABLE claude_analyses_default PARTITION OF claude_analyses DEFAULT;

CREATE OR REPLACE FUNCTION create_claude_analyses_partition(partition_month DATE)
RETURNS void AS $$
DECLARE
    v_month date := date_trunc('month', partition_month)::date;
BEGIN
    PERFORM axion_create_range_partition('claude_analyses',
        'claude_analyses_' || TO_CHAR(v_month, 'YYYY_MM'),
        v_month::timestamp AT TIME ZONE 'UTC',
        (v_month + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC');
END;
$$ LANGUAGE plpgsql;

-- this month and the next 3 (as audit_log), then the months existing rows
-- need, then the rows themselves (each lands in its month)
SELECT create_claude_analyses_partition(((NOW() AT TIME ZONE 'UTC')::date + (i || ' months')::interval)::date)
FROM generate_series(0, 3) i;
SELECT create_claude_analyses_partition(m::date)
FROM (SELECT DISTINCT date_trunc('month', event_timestamp AT TIME ZONE 'UTC') AS m
      FROM claude_analyses_unpartitioned) months;
INSERT INTO claude_analyses SELECT * FROM claude_analyses_unpartitioned;
DROP TABLE claude_analyses_unpartitioned;

-- Partitions ahead now include claude_analyses (months covering the next
-- p_days days plus one, as audit_log).
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
        PERFORM create_claude_analyses_partition((v_today + make_interval(months => i))::date);
    END LOOP;
    SELECT count(*) INTO v_after FROM pg_inherits;
    RETURN v_after - v_before;
END;
$$ LANGUAGE plpgsql;

-- Rows in DEFAULT partitions get their partitions (migration 002's
-- function, now with claude_analyses).
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
    SELECT array_agg(DISTINCT date_trunc('month', event_timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
        INTO v_buckets FROM claude_analyses_default;
    FOREACH v_ts IN ARRAY COALESCE(v_buckets, '{}') LOOP
        PERFORM create_claude_analyses_partition((v_ts AT TIME ZONE 'UTC')::date);
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END;
$$ LANGUAGE plpgsql;

-- ----------------------------------------------------------------------------
-- camera_events status flags (§1.1 "Status Flags", §6.2 write pattern 3)
--
-- An analysis names its trigger event (claude_analyses.trigger_event_id);
-- an alert names its event directly or through its analysis. When such a
-- row is inserted the event gets sent_to_claude = TRUE and
-- claude_analysis_id (the newest analysis: ids are time-ordered, so the
-- result does not depend on the order rows arrive), or
-- alert_generated = TRUE, and updated_at.
--
-- The event row may come later than the analysis or alert (a hand insert,
-- another writer): the flag then waits in axion_event_flags_pending and is
-- applied when events are inserted (one statement-level trigger: an
-- EXISTS on an empty table per INSERT/COPY statement, nothing per row, so
-- the sink's COPY speed is kept) and by axion_maintain() (which also
-- catches the race of two transactions committing at the same moment).
-- An event that never comes (its kind switched off in axionpgsink, e.g.
-- motion-events=false while Claude analyses motion) must not make every
-- insert pay: the trigger looks only at entries of the last minute, at
-- most 100, each probing one partition when the event's time is known
-- (an analysis's event_timestamp is its trigger event's capture time);
-- axion_maintain() handles the rest and forgets entries after a day.
--
-- Analysed events leave idx_camera_events_claude_pending (its predicate
-- is sent_to_claude = FALSE), so "unprocessed events for Claude" (§5.3)
-- reads only events no analysis followed.
-- ----------------------------------------------------------------------------
CREATE TABLE axion_event_flags_pending (
    event_id BIGINT NOT NULL,
    event_timestamp TIMESTAMPTZ, -- the event's, when known (partition pruning)
    claude_analysis_id BIGINT,
    alert_generated BOOLEAN NOT NULL DEFAULT FALSE,
    queued_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_axion_event_flags_pending_event ON axion_event_flags_pending(event_id);

-- Applies a flag to event @p_event_id; queues it when the event is not
-- there (yet). Returns the number of event rows updated.
CREATE OR REPLACE FUNCTION axion_flag_event(
    p_event_id bigint, p_analysis_id bigint, p_alert boolean,
    p_event_ts timestamptz DEFAULT NULL)
RETURNS integer AS $$
DECLARE
    v_n integer := 0;
BEGIN
    IF p_event_id IS NULL THEN
        RETURN 0;
    END IF;
    IF p_event_ts IS NOT NULL THEN
        -- one partition; the event's time may differ (a hand insert):
        -- then all of them below
        v_n := axion_flag_event_rows(p_event_id, p_analysis_id, p_alert, p_event_ts);
    END IF;
    IF v_n = 0 THEN
        v_n := axion_flag_event_rows(p_event_id, p_analysis_id, p_alert, NULL);
    END IF;
    IF v_n = 0 AND NOT EXISTS (SELECT 1 FROM camera_events WHERE event_id = p_event_id) THEN
        INSERT INTO axion_event_flags_pending (event_id, event_timestamp, claude_analysis_id, alert_generated)
        VALUES (p_event_id, p_event_ts, p_analysis_id, p_alert);
    END IF;
    RETURN v_n;
END;
$$ LANGUAGE plpgsql;

-- The UPDATE itself: of the event with id @p_event_id (and time
-- @p_event_ts when given: partition pruning); rows changed.
CREATE OR REPLACE FUNCTION axion_flag_event_rows(
    p_event_id bigint, p_analysis_id bigint, p_alert boolean, p_event_ts timestamptz)
RETURNS integer AS $$
DECLARE
    v_n integer;
BEGIN
    IF p_event_ts IS NOT NULL THEN
        UPDATE camera_events SET
            sent_to_claude = CASE WHEN p_analysis_id IS NOT NULL THEN TRUE ELSE sent_to_claude END,
            claude_analysis_id = CASE WHEN p_analysis_id IS NOT NULL
                THEN GREATEST(COALESCE(claude_analysis_id, p_analysis_id), p_analysis_id)
                ELSE claude_analysis_id END,
            alert_generated = alert_generated OR p_alert,
            updated_at = NOW()
        WHERE event_id = p_event_id AND event_timestamp = p_event_ts
        AND ((p_analysis_id IS NOT NULL AND (sent_to_claude IS NOT TRUE
                                             OR claude_analysis_id IS NULL
                                             OR claude_analysis_id < p_analysis_id))
             OR (p_alert AND alert_generated IS NOT TRUE));
        GET DIAGNOSTICS v_n = ROW_COUNT;
        RETURN v_n;
    END IF;
    UPDATE camera_events SET
        sent_to_claude = CASE WHEN p_analysis_id IS NOT NULL THEN TRUE ELSE sent_to_claude END,
        claude_analysis_id = CASE WHEN p_analysis_id IS NOT NULL
            THEN GREATEST(COALESCE(claude_analysis_id, p_analysis_id), p_analysis_id)
            ELSE claude_analysis_id END,
        alert_generated = alert_generated OR p_alert,
        updated_at = NOW()
    WHERE event_id = p_event_id
    AND ((p_analysis_id IS NOT NULL AND (sent_to_claude IS NOT TRUE
                                         OR claude_analysis_id IS NULL
                                         OR claude_analysis_id < p_analysis_id))
         OR (p_alert AND alert_generated IS NOT TRUE));
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION axion_claude_analyses_flag_event()
RETURNS TRIGGER AS $$
BEGIN
    PERFORM axion_flag_event(NEW.trigger_event_id, NEW.analysis_id, FALSE, NEW.event_timestamp);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trigger_claude_analyses_flag_event
    AFTER INSERT ON claude_analyses
    FOR EACH ROW EXECUTE FUNCTION axion_claude_analyses_flag_event();

CREATE OR REPLACE FUNCTION axion_alerts_flag_event()
RETURNS TRIGGER AS $$
DECLARE
    v_event bigint := NEW.trigger_event_id;
    v_ts timestamptz;
BEGIN
    IF NEW.claude_analysis_id IS NOT NULL THEN
        SELECT trigger_event_id, event_timestamp INTO v_event, v_ts FROM claude_analyses
        WHERE analysis_id = NEW.claude_analysis_id LIMIT 1;
        v_event := COALESCE(NEW.trigger_event_id, v_event);
    END IF;
    PERFORM axion_flag_event(v_event, NULL, TRUE, v_ts);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trigger_alerts_flag_event
    AFTER INSERT ON alerts
    FOR EACH ROW EXECUTE FUNCTION axion_alerts_flag_event();

-- Applies the queued flags whose events exist now; returns how many
-- event rows changed. Only entries queued within @p_recent (NULL: all),
-- at most @p_limit of them (NULL: all); entries older than @p_max_age
-- whose event never came are dropped.
CREATE OR REPLACE FUNCTION axion_apply_pending_flags(
    p_max_age interval DEFAULT '1 day',
    p_recent interval DEFAULT NULL,
    p_limit integer DEFAULT NULL)
RETURNS integer AS $$
DECLARE
    v_n integer := 0;
    p record;
BEGIN
    FOR p IN DELETE FROM axion_event_flags_pending f
             WHERE f.ctid IN (
                 SELECT q.ctid FROM axion_event_flags_pending q
                 WHERE (p_recent IS NULL OR q.queued_at > NOW() - p_recent)
                 -- the trigger's cheap probe (one partition); maintain
                 -- also finds events whose time differs (a hand insert)
                 AND CASE WHEN q.event_timestamp IS NOT NULL AND p_recent IS NOT NULL
                     THEN EXISTS (SELECT 1 FROM camera_events e
                                  WHERE e.event_id = q.event_id AND e.event_timestamp = q.event_timestamp)
                     ELSE EXISTS (SELECT 1 FROM camera_events e WHERE e.event_id = q.event_id) END
                 LIMIT p_limit)
             RETURNING f.event_id, f.event_timestamp, f.claude_analysis_id, f.alert_generated LOOP
        v_n := v_n + axion_flag_event(p.event_id, p.claude_analysis_id, p.alert_generated, p.event_timestamp);
    END LOOP;
    IF p_recent IS NULL THEN
        DELETE FROM axion_event_flags_pending WHERE queued_at < NOW() - p_max_age;
    END IF;
    RETURN v_n;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION axion_camera_events_apply_pending()
RETURNS TRIGGER AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM axion_event_flags_pending) THEN
        PERFORM axion_apply_pending_flags('1 day', '1 minute', 100);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trigger_camera_events_apply_pending
    AFTER INSERT ON camera_events
    FOR EACH STATEMENT EXECUTE FUNCTION axion_camera_events_apply_pending();

-- events already in the table: flags from the analyses and alerts there
SELECT axion_flag_event(trigger_event_id, analysis_id, FALSE, event_timestamp) FROM claude_analyses;
SELECT axion_flag_event(trigger_event_id, NULL, TRUE) FROM alerts WHERE trigger_event_id IS NOT NULL;

-- ----------------------------------------------------------------------------
-- Maintenance in one call, for a systemd timer or cron (docs/operations.md):
--   SELECT * FROM axion_maintain();      -- every 15 minutes (axion-db maintain)
-- partitions 7 days ahead, rows out of DEFAULT partitions, queued flags,
-- the metrics rollup and mv_camera_stats_hourly (§3.3 "refresh hourly": a
-- 15-minute schedule keeps the current hour's row at most 15 minutes old;
-- the CONCURRENTLY refresh does not block dashboards).
-- Retention stays a separate daily job (axion-db retention): it detaches
-- and drops partitions.
-- ----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION axion_maintain(p_days integer DEFAULT 7)
RETURNS TABLE (step text, result bigint) AS $$
BEGIN
    step := 'partitions_created'; result := axion_create_partitions_ahead(p_days); RETURN NEXT;
    step := 'default_rows_partitioned'; result := axion_partition_default_rows(); RETURN NEXT;
    step := 'event_flags_applied'; result := axion_apply_pending_flags(); RETURN NEXT;
    step := 'metric_rollup_rows'; result := rollup_system_metrics(); RETURN NEXT;
    PERFORM axion_refresh_views();
    step := 'mv_camera_stats_hourly_rows';
    SELECT count(*) INTO result FROM mv_camera_stats_hourly; RETURN NEXT;
END;
$$ LANGUAGE plpgsql;

-- ----------------------------------------------------------------------------
-- §5.4 monitoring queries as views (axion-db stats prints them)
-- ----------------------------------------------------------------------------

-- 1. active queries
CREATE VIEW v_axion_active_queries AS
SELECT pid, now() - query_start AS duration, state, query
FROM pg_stat_activity
WHERE state != 'idle' AND pid <> pg_backend_pid()
ORDER BY duration DESC;

-- 2. slow queries: pg_stat_statements is an extension that needs
-- shared_preload_libraries (sql/postgresql-axion.conf sets it) and
-- CREATE EXTENSION by a superuser; without it this returns no rows and
-- axion-db stats says how to enable it. A function, not a view: a view
-- cannot refer to a relation that may not exist.
CREATE OR REPLACE FUNCTION axion_slow_queries(p_limit integer DEFAULT 20)
RETURNS TABLE (query text, calls bigint, avg_time_ms double precision,
               min_exec_time double precision, max_exec_time double precision,
               stddev_exec_time double precision) AS $$
DECLARE
    v_rel regclass;
BEGIN
    SELECT c.oid::regclass INTO v_rel FROM pg_extension x
    JOIN pg_depend d ON d.refobjid = x.oid AND d.deptype = 'e'
    JOIN pg_class c ON c.oid = d.objid AND c.relname = 'pg_stat_statements'
    WHERE x.extname = 'pg_stat_statements';
    IF v_rel IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT query, calls, total_exec_time / calls, min_exec_time, max_exec_time,
                stddev_exec_time
         FROM %s WHERE calls > 0 ORDER BY 3 DESC LIMIT $1', v_rel) USING p_limit;
END;
$$ LANGUAGE plpgsql;

-- 3. table sizes
-- FIX: the document's query lists every partition as a table and each
-- partitioned table with size 0 (a parent has no storage of its own).
-- Here: tables that are not partitions, a partitioned one with the sum
-- of all its partitions (5. lists the partitions).
CREATE VIEW v_axion_table_sizes AS
SELECT n.nspname AS schemaname, c.relname AS tablename,
       pg_size_pretty(s.bytes) AS size, s.bytes AS size_bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (SELECT COALESCE(sum(pg_total_relation_size(t.relid)), 0)::bigint AS bytes
                    FROM pg_partition_tree(c.oid) t) s
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
ORDER BY size_bytes DESC;

-- 4. index usage (low scans = unused index)
CREATE VIEW v_axion_index_usage AS
SELECT schemaname, relname AS tablename, indexrelname AS indexname,
       idx_scan, idx_tup_read, idx_tup_fetch,
       pg_size_pretty(pg_relation_size(indexrelid)) AS size
FROM pg_stat_user_indexes
ORDER BY idx_scan ASC, indexrelname;

-- 5. partition sizes, every partitioned table (the document lists
-- camera_events_% only)
CREATE VIEW v_axion_partition_sizes AS
SELECT p.relname AS parent, c.relname AS partition,
       pg_get_expr(c.relpartbound, c.oid) AS bounds,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS size,
       pg_total_relation_size(c.oid) AS size_bytes
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE c.relkind = 'r'
ORDER BY p.relname, c.relname DESC;

-- 6. write activity
CREATE VIEW v_axion_write_stats AS
SELECT relname, n_tup_ins AS inserts, n_tup_upd AS updates, n_tup_del AS deletes,
       n_live_tup AS live_rows, n_dead_tup AS dead_rows
FROM pg_stat_user_tables
ORDER BY n_tup_ins DESC;

-- 7. cache hit ratio (§8.1: should be > 99%); NULL before any read
CREATE VIEW v_axion_cache_hit_ratio AS
SELECT 'cache_hit_ratio'::text AS metric,
       ROUND(100.0 * sum(heap_blks_hit) / NULLIF(sum(heap_blks_hit) + sum(heap_blks_read), 0), 2) AS percentage
FROM pg_statio_user_tables;

-- Bloat (§8.1 "table bloat, alert if > 20%"), estimated as the share of
-- dead tuples in each table (what autovacuum acts on; measuring dead
-- space exactly needs the pgstattuple extension and a full scan). Tables
-- under 1,000 tuples are left out: two dead rows in a ten-row table are
-- not bloat.
CREATE VIEW v_axion_table_bloat AS
SELECT schemaname, relname AS tablename, n_live_tup AS live_rows, n_dead_tup AS dead_rows,
       ROUND(100.0 * n_dead_tup / NULLIF(n_live_tup + n_dead_tup, 0), 2) AS bloat_percent,
       last_autovacuum, last_vacuum
FROM pg_stat_user_tables
WHERE n_live_tup + n_dead_tup >= 1000
ORDER BY bloat_percent DESC NULLS LAST;

-- ----------------------------------------------------------------------------
-- §8.1 PostgreSQL thresholds, one row per check (axion-health prints the
-- failing ones by name and exits non-zero). Thresholds are parameters so
-- an operator (or a test) can tighten them.
--   cache_hit_ratio     > 99 % (only judged after 10,000 block reads+hits:
--                       a cold server has read everything from disk)
--   active_connections  <= 80
--   replication_lag     <= 5 s on every standby (none: ok)
--   table_bloat         <= 20 % dead tuples in every table of 1,000+ tuples
--   partitions_ahead    camera_events and frame_metadata 7 days ahead
-- ----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION axion_health_checks(
    p_min_cache_hit numeric DEFAULT 99,
    p_max_connections integer DEFAULT 80,
    p_max_lag_s numeric DEFAULT 5,
    p_max_bloat numeric DEFAULT 20,
    p_days_ahead integer DEFAULT 7)
RETURNS TABLE (check_name text, ok boolean, value text, threshold text) AS $$
DECLARE
    v_hit numeric;
    v_blocks numeric;
    v_n bigint;
    v_lag numeric;
    v_rel text;
    v_bloat numeric;
    v_missing text;
BEGIN
    SELECT 100.0 * sum(heap_blks_hit) / NULLIF(sum(heap_blks_hit) + sum(heap_blks_read), 0),
           COALESCE(sum(heap_blks_hit) + sum(heap_blks_read), 0)
        INTO v_hit, v_blocks FROM pg_statio_user_tables;
    check_name := 'cache_hit_ratio';
    ok := v_blocks < 10000 OR v_hit > p_min_cache_hit;
    value := COALESCE(round(v_hit, 2)::text, 'n/a') || '% of ' || v_blocks || ' blocks';
    threshold := '> ' || p_min_cache_hit || '%';
    RETURN NEXT;

    SELECT count(*) INTO v_n FROM pg_stat_activity WHERE backend_type = 'client backend';
    check_name := 'active_connections'; ok := v_n <= p_max_connections;
    value := v_n::text; threshold := '<= ' || p_max_connections;
    RETURN NEXT;

    SELECT max(extract(epoch FROM COALESCE(replay_lag, write_lag, flush_lag)))
        INTO v_lag FROM pg_stat_replication;
    check_name := 'replication_lag'; ok := v_lag IS NULL OR v_lag <= p_max_lag_s;
    value := COALESCE(round(v_lag, 3) || ' s', 'no standby'); threshold := '<= ' || p_max_lag_s || ' s';
    RETURN NEXT;

    SELECT b.tablename, b.bloat_percent INTO v_rel, v_bloat
    FROM v_axion_table_bloat b ORDER BY b.bloat_percent DESC NULLS LAST LIMIT 1;
    check_name := 'table_bloat'; ok := v_bloat IS NULL OR v_bloat <= p_max_bloat;
    value := COALESCE(v_bloat || '% dead in ' || v_rel, 'no table of 1000+ tuples');
    threshold := '<= ' || p_max_bloat || '%';
    RETURN NEXT;

    SELECT string_agg(n, ', ' ORDER BY n) INTO v_missing
    FROM (SELECT t || '_' || to_char((NOW() AT TIME ZONE 'UTC')::date + d, 'YYYY_MM_DD') AS n
          FROM unnest(ARRAY['camera_events', 'frame_metadata']) t,
               generate_series(0, p_days_ahead - 1) d) want
    WHERE to_regclass(n) IS NULL;
    check_name := 'partitions_ahead'; ok := v_missing IS NULL;
    value := COALESCE('missing ' || v_missing, 'present');
    threshold := p_days_ahead || ' days ahead';
    RETURN NEXT;
END;
$$ LANGUAGE plpgsql;
