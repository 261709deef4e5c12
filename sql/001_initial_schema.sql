-- ============================================================================
-- Axion schema, migration 001: the tables of the schema document
-- ("Axis I.S. Database Schemas" 1.0.0, §1) on PostgreSQL 15.
--
-- Applied by tools/axion-db inside one transaction, recorded in
-- schema_migrations. Everything lives in the current schema (public by
-- default): the document's §1 DDL, §5.4 and §8.2 queries all assume
-- public, while its §4.1 script switches to an "axion" schema; we follow
-- the DDL and the queries.
--
-- Where the document is wrong, the fix is marked "FIX:" with the reason.
-- Where we deliberately differ, "CHANGE:".
-- ============================================================================

-- FIX: §4.1 creates the extensions uuid-ossp, pg_trgm and btree_gin, but no
-- table, index or function uses them, and creating extensions needs extra
-- privileges on managed servers. They are not created.

CREATE SCHEMA IF NOT EXISTS archive;

-- ----------------------------------------------------------------------------
-- Shared trigger function (§1.3, reused by cameras in §1.7)
-- ----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION update_alerts_timestamp()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- ----------------------------------------------------------------------------
-- Partition helper
--
-- FIX: the document's create_*_partition functions compute partition bounds
-- by casting a DATE (or NOW()) to timestamptz in the *session* time zone, so
-- two sessions in different time zones create overlapping partitions and
-- the second one fails. All bounds here are in UTC, and partition names
-- carry the UTC date/hour.
--
-- FIX: with a DEFAULT partition (see below), CREATE TABLE ... PARTITION OF
-- fails when the default already holds rows of the new range. This helper
-- then moves those rows: it detaches the default, creates the new
-- partition and a fresh default, re-inserts the old default's rows through
-- the parent (so each lands in its partition) and drops the old default.
-- No row is UPDATEd or DELETEd, so the audit_log immutability trigger
-- stays unconditional.
--
-- CHANGE: the document also creates per-partition indexes inside each
-- create function; indexes declared on the partitioned parent are already
-- created on every partition by PostgreSQL, so those duplicates (which cost
-- write speed) are not created.
-- ----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION axion_create_range_partition(
    p_parent regclass,
    p_name text,
    p_from timestamptz,
    p_to timestamptz)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_schema text;
    v_parent text;
    v_key text;
    v_default text;
    v_old text;
    v_has_rows boolean := false;
BEGIN
    SELECT n.nspname, c.relname INTO v_schema, v_parent
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = p_parent;

    -- one partition maintainer at a time per parent
    PERFORM pg_advisory_xact_lock(p_parent::oid::int, 1573);

    IF to_regclass(format('%I.%I', v_schema, p_name)) IS NOT NULL THEN
        RETURN false;
    END IF;

    SELECT a.attname INTO v_key
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = p_parent;

    SELECT c.relname INTO v_default
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = p_parent AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';

    IF v_default IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE %I >= $1 AND %I < $2)',
                       v_schema, v_default, v_key, v_key)
            INTO v_has_rows USING p_from, p_to;
    END IF;

    IF NOT v_has_rows THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                       v_schema, p_name, p_parent, p_from, p_to);
        RETURN true;
    END IF;

    v_old := left(v_default, 50) || '_moving';
    EXECUTE format('ALTER TABLE %s DETACH PARTITION %I.%I', p_parent, v_schema, v_default);
    EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', v_schema, v_default, v_old);
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                   v_schema, p_name, p_parent, p_from, p_to);
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT', v_schema, v_default, p_parent);
    EXECUTE format('INSERT INTO %s SELECT * FROM %I.%I', p_parent, v_schema, v_old);
    EXECUTE format('DROP TABLE %I.%I', v_schema, v_old);
    RAISE NOTICE 'partition %: moved rows out of %', p_name, v_default;
    RETURN true;
END;
$$;

-- ============================================================================
-- 1.7 cameras (first: the others refer to camera ids)
-- ============================================================================
CREATE TABLE cameras (
    camera_id VARCHAR(64) PRIMARY KEY,
    camera_name VARCHAR(255) NOT NULL,

    -- Network Configuration
    -- FIX: was INET NOT NULL. The pipeline registers cameras from their
    -- stream URI, whose host is often a DNS name; the address is filled in
    -- when the URI names a literal IP address.
    ip_address INET,
    mac_address MACADDR,
    rtsp_url TEXT,

    -- Hardware Information
    model VARCHAR(64),
    firmware_version VARCHAR(32),
    hardware_id VARCHAR(64),

    -- Capabilities
    max_resolution_width INTEGER,
    max_resolution_height INTEGER,
    max_fps INTEGER,
    has_ptz BOOLEAN DEFAULT FALSE,
    has_audio BOOLEAN DEFAULT FALSE,
    has_ir BOOLEAN DEFAULT FALSE,

    -- Current Configuration
    active_resolution_width INTEGER,
    active_resolution_height INTEGER,
    active_fps INTEGER,
    active_quality INTEGER, -- 1-100

    -- Axis I.S. Configuration
    metadata_extraction_enabled BOOLEAN DEFAULT TRUE,
    send_to_claude BOOLEAN DEFAULT TRUE,
    dlpu_priority INTEGER DEFAULT 5, -- 1-10

    -- Status
    status VARCHAR(16) NOT NULL DEFAULT 'offline',
    last_seen_at TIMESTAMPTZ,
    last_event_at TIMESTAMPTZ,

    -- Location
    location_name VARCHAR(255),
    location_coordinates POINT,
    zone VARCHAR(64),

    -- Metadata
    tags JSONB,
    notes TEXT,

    -- Timestamps
    registered_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ,

    CONSTRAINT chk_camera_status CHECK (status IN ('online', 'offline', 'error', 'maintenance', 'decommissioned'))
);

CREATE INDEX idx_cameras_status ON cameras(status) WHERE status = 'online';
CREATE INDEX idx_cameras_zone ON cameras(zone);
CREATE INDEX idx_cameras_last_seen ON cameras(last_seen_at DESC);

CREATE TRIGGER trigger_cameras_updated_at
    BEFORE UPDATE ON cameras
    FOR EACH ROW
    EXECUTE FUNCTION update_alerts_timestamp();

-- ============================================================================
-- 1.1 camera_events
-- ============================================================================
CREATE TABLE camera_events (
    -- CHANGE: ids are generated by the pipeline (64-bit, time-ordered,
    -- unique across processes; see gst-libs/gst/axion/gstaxionid.h) so that
    -- retried batches are idempotent (ON CONFLICT DO NOTHING) and a Claude
    -- analysis can name its trigger event before either row is committed.
    -- The BIGSERIAL default stays for rows inserted by hand; sequence values
    -- (small) never meet pipeline ids (> 2^40).
    event_id BIGSERIAL NOT NULL,

    camera_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(32) NOT NULL,
    -- CHANGE: motion events have a phase (start/continue/end, DESIGN.md);
    -- the document has no column for it. NULL for point events.
    event_phase VARCHAR(16),
    event_timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    -- Frame Information
    frame_number BIGINT NOT NULL,
    frame_hash VARCHAR(64),
    fps_actual DECIMAL(5,2),

    -- Motion Detection Data
    motion_score DECIMAL(5,4),
    motion_regions JSONB,

    -- Object Detection Data
    objects_detected JSONB, -- [{"class":"person","confidence":0.92,"bbox":[x,y,w,h],"track_id":n}]
    object_count INTEGER DEFAULT 0,
    max_object_confidence DECIMAL(5,4),

    -- Scene Analysis
    scene_hash VARCHAR(64),
    scene_change_score DECIMAL(5,4),

    -- Quality Metrics
    image_quality_score DECIMAL(5,4),
    bandwidth_usage_bytes INTEGER,

    -- Processing Metadata
    dlpu_inference_ms INTEGER,
    total_processing_ms INTEGER,

    -- Status Flags
    sent_to_claude BOOLEAN DEFAULT FALSE,
    claude_analysis_id BIGINT,
    alert_generated BOOLEAN DEFAULT FALSE,

    -- Timestamps
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ,

    CONSTRAINT pk_camera_events PRIMARY KEY (event_id, event_timestamp),
    -- CHANGE: 'quality' added: axionhash reports quality events (DESIGN.md).
    CONSTRAINT chk_event_type CHECK (event_type IN ('motion', 'object_detected', 'scene_change', 'manual_trigger', 'quality')),
    CONSTRAINT chk_event_phase CHECK (event_phase IS NULL OR event_phase IN ('start', 'continue', 'end')),
    CONSTRAINT chk_motion_score CHECK (motion_score IS NULL OR (motion_score >= 0 AND motion_score <= 1)),
    CONSTRAINT chk_scene_change_score CHECK (scene_change_score IS NULL OR (scene_change_score >= 0 AND scene_change_score <= 1))
) PARTITION BY RANGE (event_timestamp);

CREATE INDEX idx_camera_events_camera_time ON camera_events(camera_id, event_timestamp DESC);
CREATE INDEX idx_camera_events_type_time ON camera_events(event_type, event_timestamp DESC);
CREATE INDEX idx_camera_events_frame_hash ON camera_events(frame_hash) WHERE frame_hash IS NOT NULL;
CREATE INDEX idx_camera_events_scene_hash ON camera_events(scene_hash) WHERE scene_hash IS NOT NULL;
CREATE INDEX idx_camera_events_claude_pending ON camera_events(event_timestamp DESC) WHERE sent_to_claude = FALSE;
CREATE INDEX idx_camera_events_objects_gin ON camera_events USING GIN (objects_detected jsonb_path_ops);

-- FIX: rows whose timestamp has no partition were rejected ("no partition
-- of relation found for row"): a clock off by a day, a replayed spool from
-- last week or a camera with a wrong date lost its rows. A DEFAULT
-- partition takes them; axion_create_partitions_ahead() and
-- axion_partition_default_rows() (migration 002) move them into proper
-- partitions.
CREATE TABLE camera_events_default PARTITION OF camera_events DEFAULT;

CREATE OR REPLACE FUNCTION create_camera_events_partition(partition_date DATE)
RETURNS void AS $$
BEGIN
    PERFORM axion_create_range_partition('camera_events',
        'camera_events_' || TO_CHAR(partition_date, 'YYYY_MM_DD'),
        partition_date::timestamp AT TIME ZONE 'UTC',
        (partition_date + 1)::timestamp AT TIME ZONE 'UTC');
END;
$$ LANGUAGE plpgsql;

-- ============================================================================
-- 1.2 claude_analyses
-- (§3.1 lists monthly partitions for this table, but its DDL is a plain
-- table with a single-column primary key; we keep the DDL: ~130K rows a
-- month need no partitioning, and retention deletes rows.)
-- ============================================================================
CREATE TABLE claude_analyses (
    -- CHANGE: pipeline-generated ids (see camera_events.event_id).
    analysis_id BIGSERIAL PRIMARY KEY,

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

    CONSTRAINT chk_request_type CHECK (request_type IN ('scene_description', 'anomaly_detection', 'pattern_analysis', 'real_time_query')),
    CONSTRAINT chk_risk_level CHECK (risk_assessment IN ('none', 'low', 'medium', 'high', 'critical'))
);

CREATE INDEX idx_claude_analyses_event ON claude_analyses(trigger_event_id);
CREATE INDEX idx_claude_analyses_camera_time ON claude_analyses(camera_id, event_timestamp DESC);
CREATE INDEX idx_claude_analyses_risk ON claude_analyses(risk_assessment) WHERE risk_assessment != 'none';
CREATE INDEX idx_claude_analyses_patterns ON claude_analyses(pattern_type) WHERE pattern_detected = TRUE;
CREATE INDEX idx_claude_analyses_alerts ON claude_analyses(created_at DESC) WHERE should_alert = TRUE;
CREATE INDEX idx_claude_analyses_response_gin ON claude_analyses USING GIN (claude_response jsonb_path_ops);
CREATE INDEX idx_claude_analyses_insight_fts ON claude_analyses USING GIN (to_tsvector('english', primary_insight));
CREATE INDEX idx_claude_analyses_description_fts ON claude_analyses USING GIN (to_tsvector('english', scene_description));

-- ============================================================================
-- 1.3 alerts
-- ============================================================================
CREATE TABLE alerts (
    -- CHANGE: pipeline-generated ids (see camera_events.event_id).
    alert_id BIGSERIAL PRIMARY KEY,

    alert_type VARCHAR(32) NOT NULL,
    severity INTEGER NOT NULL,
    priority INTEGER NOT NULL DEFAULT 3,

    camera_id VARCHAR(64),
    trigger_event_id BIGINT,
    claude_analysis_id BIGINT,

    title VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    alert_data JSONB,

    detected_objects TEXT[],
    confidence_score DECIMAL(5,4),
    frame_references BIGINT[],

    status VARCHAR(16) NOT NULL DEFAULT 'new',
    notification_sent BOOLEAN DEFAULT FALSE,
    notification_channels TEXT[],
    notification_sent_at TIMESTAMPTZ,

    acknowledged_by VARCHAR(64),
    acknowledged_at TIMESTAMPTZ,
    resolved_by VARCHAR(64),
    resolved_at TIMESTAMPTZ,
    resolution_notes TEXT,

    escalated BOOLEAN DEFAULT FALSE,
    escalated_at TIMESTAMPTZ,
    escalation_level INTEGER,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ,

    CONSTRAINT chk_severity CHECK (severity BETWEEN 1 AND 5),
    CONSTRAINT chk_priority CHECK (priority BETWEEN 1 AND 5),
    CONSTRAINT chk_status CHECK (status IN ('new', 'acknowledged', 'investigating', 'resolved', 'false_positive', 'dismissed'))
);

CREATE INDEX idx_alerts_status_severity ON alerts(status, severity DESC, created_at DESC);
CREATE INDEX idx_alerts_camera_time ON alerts(camera_id, created_at DESC);
CREATE INDEX idx_alerts_unresolved ON alerts(created_at DESC) WHERE status NOT IN ('resolved', 'false_positive', 'dismissed');
CREATE INDEX idx_alerts_high_priority ON alerts(created_at DESC) WHERE severity >= 4;
CREATE INDEX idx_alerts_event ON alerts(trigger_event_id) WHERE trigger_event_id IS NOT NULL;
CREATE INDEX idx_alerts_claude ON alerts(claude_analysis_id) WHERE claude_analysis_id IS NOT NULL;
CREATE INDEX idx_alerts_data_gin ON alerts USING GIN (alert_data jsonb_path_ops);

CREATE TRIGGER trigger_alerts_updated_at
    BEFORE UPDATE ON alerts
    FOR EACH ROW
    EXECUTE FUNCTION update_alerts_timestamp();

-- ============================================================================
-- 1.4 frame_metadata
-- ============================================================================
CREATE TABLE frame_metadata (
    -- CHANGE: pipeline-generated ids (see camera_events.event_id).
    metadata_id BIGSERIAL NOT NULL,

    camera_id VARCHAR(64) NOT NULL,
    frame_number BIGINT NOT NULL,
    frame_timestamp TIMESTAMPTZ NOT NULL,

    -- FIX: was NOT NULL. A pipeline without axionhash still has frame
    -- metadata (resolution, quality, motion); refusing the whole row for a
    -- missing hash lost it.
    frame_hash VARCHAR(64),
    perceptual_hash VARCHAR(64),
    scene_hash VARCHAR(64),

    resolution_width INTEGER NOT NULL,
    resolution_height INTEGER NOT NULL,
    format VARCHAR(16) NOT NULL,
    file_size_bytes INTEGER,
    compression_quality INTEGER,

    sharpness_score DECIMAL(5,4),
    brightness_level DECIMAL(5,4),
    contrast_level DECIMAL(5,4),
    noise_level DECIMAL(5,4),
    overall_quality_score DECIMAL(5,4),

    storage_location VARCHAR(16) NOT NULL DEFAULT 'none',
    storage_path TEXT,
    storage_size_bytes INTEGER,

    sent_to_claude BOOLEAN DEFAULT FALSE,
    claude_analysis_count INTEGER DEFAULT 0,
    last_accessed_at TIMESTAMPTZ,

    expires_at TIMESTAMPTZ,
    archived BOOLEAN DEFAULT FALSE,

    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    CONSTRAINT pk_frame_metadata PRIMARY KEY (metadata_id, frame_timestamp),
    CONSTRAINT uq_frame_metadata_camera_frame UNIQUE (camera_id, frame_number, frame_timestamp),
    CONSTRAINT chk_storage_location CHECK (storage_location IN ('none', 'local', 's3', 'archive'))
) PARTITION BY RANGE (frame_timestamp);

CREATE INDEX idx_frame_metadata_camera_time ON frame_metadata(camera_id, frame_timestamp DESC);
CREATE INDEX idx_frame_metadata_hash ON frame_metadata(frame_hash);
CREATE INDEX idx_frame_metadata_perceptual ON frame_metadata(perceptual_hash) WHERE perceptual_hash IS NOT NULL;
CREATE INDEX idx_frame_metadata_scene ON frame_metadata(scene_hash) WHERE scene_hash IS NOT NULL;
CREATE INDEX idx_frame_metadata_quality ON frame_metadata(overall_quality_score DESC) WHERE overall_quality_score >= 0.7;
CREATE INDEX idx_frame_metadata_storage ON frame_metadata(storage_location, created_at DESC) WHERE storage_location != 'none';

-- FIX: DEFAULT partition, see camera_events_default.
CREATE TABLE frame_metadata_default PARTITION OF frame_metadata DEFAULT;

CREATE OR REPLACE FUNCTION create_frame_metadata_partition(partition_date DATE)
RETURNS void AS $$
BEGIN
    PERFORM axion_create_range_partition('frame_metadata',
        'frame_metadata_' || TO_CHAR(partition_date, 'YYYY_MM_DD'),
        partition_date::timestamp AT TIME ZONE 'UTC',
        (partition_date + 1)::timestamp AT TIME ZONE 'UTC');
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION cleanup_expired_frames()
RETURNS void AS $$
BEGIN
    DELETE FROM frame_metadata
    WHERE expires_at IS NOT NULL
    AND expires_at < NOW();
END;
$$ LANGUAGE plpgsql;

-- ============================================================================
-- 1.5 system_metrics
-- ============================================================================
CREATE TABLE system_metrics (
    -- CHANGE: pipeline-generated ids (see camera_events.event_id).
    metric_id BIGSERIAL NOT NULL,

    metric_name VARCHAR(64) NOT NULL,
    metric_type VARCHAR(16) NOT NULL,
    component VARCHAR(32) NOT NULL,
    source_id VARCHAR(64),

    value DECIMAL(15,6) NOT NULL,
    unit VARCHAR(16),

    tags JSONB,

    metric_timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    CONSTRAINT pk_system_metrics PRIMARY KEY (metric_id, metric_timestamp),
    CONSTRAINT chk_metric_type CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'rate'))
) PARTITION BY RANGE (metric_timestamp);

CREATE INDEX idx_system_metrics_name_time ON system_metrics(metric_name, metric_timestamp DESC);
CREATE INDEX idx_system_metrics_component_time ON system_metrics(component, metric_timestamp DESC);
CREATE INDEX idx_system_metrics_source_time ON system_metrics(source_id, metric_timestamp DESC) WHERE source_id IS NOT NULL;
CREATE INDEX idx_system_metrics_tags_gin ON system_metrics USING GIN (tags jsonb_path_ops);

-- FIX: DEFAULT partition, see camera_events_default.
CREATE TABLE system_metrics_default PARTITION OF system_metrics DEFAULT;

CREATE OR REPLACE FUNCTION create_system_metrics_partition(partition_timestamp TIMESTAMPTZ)
RETURNS void AS $$
DECLARE
    v_start timestamptz := date_trunc('hour', partition_timestamp AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
BEGIN
    PERFORM axion_create_range_partition('system_metrics',
        'system_metrics_' || TO_CHAR(v_start AT TIME ZONE 'UTC', 'YYYY_MM_DD_HH24'),
        v_start, v_start + INTERVAL '1 hour');
END;
$$ LANGUAGE plpgsql;

CREATE VIEW v_system_metrics_latest AS
SELECT DISTINCT ON (metric_name, component, source_id)
    metric_name,
    component,
    source_id,
    value,
    unit,
    metric_timestamp
FROM system_metrics
ORDER BY metric_name, component, source_id, metric_timestamp DESC;

CREATE TABLE system_metrics_rollup_1m (
    metric_name VARCHAR(64) NOT NULL,
    component VARCHAR(32) NOT NULL,
    source_id VARCHAR(64),
    rollup_timestamp TIMESTAMPTZ NOT NULL,

    value_min DECIMAL(15,6),
    value_max DECIMAL(15,6),
    value_avg DECIMAL(15,6),
    -- FIX: was DECIMAL(15,6): the sum of a minute of DECIMAL(15,6) values
    -- can exceed it ("numeric field overflow") and abort the whole rollup.
    value_sum DECIMAL(24,6),
    value_count BIGINT,
    value_p50 DECIMAL(15,6),
    value_p95 DECIMAL(15,6),
    value_p99 DECIMAL(15,6)
    -- FIX: the document declares PRIMARY KEY (metric_name, component,
    -- COALESCE(source_id, ''), rollup_timestamp): a syntax error (a primary
    -- key takes columns, not expressions). The unique expression index
    -- below keeps the intent (one row per metric, component, source -
    -- NULL counting as one source - and minute) and is what the rollup's
    -- ON CONFLICT infers.
);

CREATE UNIQUE INDEX uq_system_metrics_rollup_1m
    ON system_metrics_rollup_1m (metric_name, component, (COALESCE(source_id, '')), rollup_timestamp);
CREATE INDEX idx_system_metrics_rollup_time ON system_metrics_rollup_1m(rollup_timestamp DESC);
CREATE INDEX idx_system_metrics_rollup_component ON system_metrics_rollup_1m(component, rollup_timestamp DESC);

-- FIX: the document's window (NOW() - 2 minutes .. start of this minute,
-- ON CONFLICT DO NOTHING) starts in the middle of a minute, so that minute
-- was rolled up from part of its samples and never corrected. The window
-- now covers whole minutes and a re-run updates the row. Optional bounds
-- allow backfills: SELECT rollup_system_metrics('2026-11-01', '2026-11-02').
CREATE OR REPLACE FUNCTION rollup_system_metrics(
    p_from timestamptz DEFAULT NULL,
    p_to timestamptz DEFAULT NULL)
RETURNS integer AS $$
DECLARE
    v_from timestamptz := date_trunc('minute', COALESCE(p_from, NOW() - INTERVAL '2 minutes'));
    v_to timestamptz := date_trunc('minute', COALESCE(p_to, NOW()));
    v_rows integer;
BEGIN
    INSERT INTO system_metrics_rollup_1m AS r
    SELECT
        metric_name,
        component,
        source_id,
        DATE_TRUNC('minute', metric_timestamp) AS rollup_timestamp,
        MIN(value),
        MAX(value),
        AVG(value),
        SUM(value),
        COUNT(*),
        PERCENTILE_CONT(0.50) WITHIN GROUP (ORDER BY value),
        PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY value),
        PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY value)
    FROM system_metrics
    WHERE metric_timestamp >= v_from
    AND metric_timestamp < v_to
    GROUP BY metric_name, component, source_id, DATE_TRUNC('minute', metric_timestamp)
    ON CONFLICT (metric_name, component, (COALESCE(source_id, '')), rollup_timestamp)
    DO UPDATE SET
        value_min = EXCLUDED.value_min,
        value_max = EXCLUDED.value_max,
        value_avg = EXCLUDED.value_avg,
        value_sum = EXCLUDED.value_sum,
        value_count = EXCLUDED.value_count,
        value_p50 = EXCLUDED.value_p50,
        value_p95 = EXCLUDED.value_p95,
        value_p99 = EXCLUDED.value_p99;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$ LANGUAGE plpgsql;

-- ============================================================================
-- 1.6 audit_log
-- ============================================================================
CREATE TABLE audit_log (
    -- CHANGE: pipeline-generated ids (see camera_events.event_id).
    audit_id BIGSERIAL NOT NULL,

    event_type VARCHAR(32) NOT NULL,
    entity_type VARCHAR(32) NOT NULL,
    entity_id VARCHAR(64),

    action VARCHAR(64) NOT NULL,
    action_status VARCHAR(16) NOT NULL,

    user_id VARCHAR(64),
    user_email VARCHAR(255),
    service_name VARCHAR(64),
    ip_address INET,
    user_agent TEXT,

    changes_made JSONB,
    request_data JSONB,
    response_data JSONB,

    session_id VARCHAR(64),
    correlation_id VARCHAR(64),
    severity VARCHAR(16) DEFAULT 'info',

    compliance_relevant BOOLEAN DEFAULT FALSE,
    data_access_type VARCHAR(16),

    event_timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    CONSTRAINT pk_audit_log PRIMARY KEY (audit_id, event_timestamp),
    CONSTRAINT chk_action_status CHECK (action_status IN ('success', 'failure', 'denied', 'pending')),
    CONSTRAINT chk_severity CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical'))
) PARTITION BY RANGE (event_timestamp);

CREATE INDEX idx_audit_log_entity ON audit_log(entity_type, entity_id, event_timestamp DESC);
CREATE INDEX idx_audit_log_user ON audit_log(user_id, event_timestamp DESC) WHERE user_id IS NOT NULL;
CREATE INDEX idx_audit_log_action ON audit_log(action, event_timestamp DESC);
CREATE INDEX idx_audit_log_failures ON audit_log(event_timestamp DESC) WHERE action_status = 'failure';
CREATE INDEX idx_audit_log_compliance ON audit_log(event_timestamp DESC) WHERE compliance_relevant = TRUE;
CREATE INDEX idx_audit_log_correlation ON audit_log(correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX idx_audit_log_changes_gin ON audit_log USING GIN (changes_made jsonb_path_ops);

-- FIX: DEFAULT partition, see camera_events_default.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

CREATE OR REPLACE FUNCTION create_audit_log_partition(partition_month DATE)
RETURNS void AS $$
DECLARE
    v_month date := date_trunc('month', partition_month)::date;
BEGIN
    PERFORM axion_create_range_partition('audit_log',
        'audit_log_' || TO_CHAR(v_month, 'YYYY_MM'),
        v_month::timestamp AT TIME ZONE 'UTC',
        (v_month + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC');
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION prevent_audit_modification()
RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'Audit logs cannot be modified';
    ELSIF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Audit logs cannot be deleted manually';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trigger_audit_immutable
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW
    EXECUTE FUNCTION prevent_audit_modification();

-- ============================================================================
-- Initial partitions (§4.1): days -1..6 (yesterday covers clock skew and
-- late replays), the next 24 hours of metrics, this month and the next 3.
-- ============================================================================
SELECT create_camera_events_partition((NOW() AT TIME ZONE 'UTC')::date + i) FROM generate_series(-1, 6) i;
SELECT create_frame_metadata_partition((NOW() AT TIME ZONE 'UTC')::date + i) FROM generate_series(-1, 6) i;
SELECT create_system_metrics_partition(NOW() + (i || ' hours')::interval) FROM generate_series(0, 23) i;
SELECT create_audit_log_partition(((NOW() AT TIME ZONE 'UTC')::date + (i || ' months')::interval)::date) FROM generate_series(0, 3) i;
