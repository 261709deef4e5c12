-- ============================================================================
-- Rollback of every Axion migration (§4.3, completed): drops all tables
-- (with their partitions), functions, views and the archive schema, and
-- empties schema_migrations so `axion-db migrate` starts again from 001.
-- DESTROYS ALL AXION DATA. Run with: tools/axion-db rollback --yes
-- ============================================================================

DROP MATERIALIZED VIEW IF EXISTS mv_camera_stats_hourly;
DROP VIEW IF EXISTS v_system_metrics_latest;
DROP VIEW IF EXISTS v_axion_active_queries, v_axion_table_sizes, v_axion_index_usage,
    v_axion_partition_sizes, v_axion_write_stats, v_axion_cache_hit_ratio,
    v_axion_table_bloat;

DROP TABLE IF EXISTS audit_log CASCADE;
DROP TABLE IF EXISTS system_metrics CASCADE;
DROP TABLE IF EXISTS system_metrics_rollup_1m CASCADE;
DROP TABLE IF EXISTS frame_metadata CASCADE; -- with 007's gate columns
DROP TABLE IF EXISTS alerts CASCADE;
DROP TABLE IF EXISTS claude_analyses CASCADE;
DROP TABLE IF EXISTS camera_events CASCADE;
DROP TABLE IF EXISTS cameras CASCADE;
DROP TABLE IF EXISTS axion_retention_policy;
DROP TABLE IF EXISTS axion_event_flags_pending;
DROP TABLE IF EXISTS axion_node_leases;
DROP TABLE IF EXISTS snapshot_deletions;
DROP TABLE IF EXISTS snapshot_event_deletions;
DROP FUNCTION IF EXISTS axion_snapshots_deleted(TEXT[], TEXT[], BIGINT[], BIGINT[], BIGINT[]);
DROP FUNCTION IF EXISTS axion_snapshot_row_check() CASCADE;
DROP FUNCTION IF EXISTS axion_snapshot_event_check() CASCADE;
DROP FUNCTION IF EXISTS axion_snapshot_alert_check() CASCADE;

DROP FUNCTION IF EXISTS create_camera_events_partition(DATE);
DROP FUNCTION IF EXISTS create_frame_metadata_partition(DATE);
DROP FUNCTION IF EXISTS create_system_metrics_partition(TIMESTAMPTZ);
DROP FUNCTION IF EXISTS create_audit_log_partition(DATE);
DROP FUNCTION IF EXISTS axion_create_range_partition(regclass, text, timestamptz, timestamptz);
DROP FUNCTION IF EXISTS axion_create_partitions_ahead(integer, integer);
DROP FUNCTION IF EXISTS axion_partition_default_rows();
DROP FUNCTION IF EXISTS axion_apply_retention(text, timestamptz);
DROP FUNCTION IF EXISTS axion_refresh_views();
DROP FUNCTION IF EXISTS cleanup_old_partitions();
DROP FUNCTION IF EXISTS cleanup_expired_frames();
DROP FUNCTION IF EXISTS rollup_system_metrics(timestamptz, timestamptz);
DROP FUNCTION IF EXISTS update_alerts_timestamp();
DROP FUNCTION IF EXISTS prevent_audit_modification();
DROP FUNCTION IF EXISTS create_claude_analyses_partition(DATE);
DROP FUNCTION IF EXISTS axion_flag_event(bigint, bigint, boolean, timestamptz);
DROP FUNCTION IF EXISTS axion_flag_event_rows(bigint, bigint, boolean, timestamptz);
DROP FUNCTION IF EXISTS axion_claude_analyses_flag_event();
DROP FUNCTION IF EXISTS axion_alerts_flag_event();
DROP FUNCTION IF EXISTS axion_apply_pending_flags(interval, interval, integer);
DROP FUNCTION IF EXISTS axion_camera_events_apply_pending();
DROP FUNCTION IF EXISTS axion_maintain(integer);
DROP FUNCTION IF EXISTS axion_slow_queries(integer);
DROP FUNCTION IF EXISTS axion_health_checks(numeric, integer, numeric, numeric, integer);

DROP FUNCTION IF EXISTS axion_node_lease_acquire(text, integer, bigint);
DROP FUNCTION IF EXISTS axion_node_lease_renew(integer, text, integer, bigint);
DROP FUNCTION IF EXISTS axion_node_lease_release(integer, text, bigint);

DROP SCHEMA IF EXISTS archive CASCADE;

DELETE FROM schema_migrations;
