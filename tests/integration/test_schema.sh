#!/usr/bin/env bash
# Integration test: the sql/ migrations against a real PostgreSQL 15.
# Run through tests/fixtures/with-servers --pg (meson does), which exports
# PGHOST/PGPORT/PGUSER/PGDATABASE for a throwaway server.
set -u
# "date": only the sections whose results depend on the clock (suite
# "date" runs them a year ahead; the re-apply, the rollback and the
# connection errors do not look at the date: about 8 of 31 s)
only_date=0
[ "${1:-}" = date ] && only_date=1
all_sections() { [ $only_date = 0 ]; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"
db="$top/tools/axion-db"

[ -n "${AXION_TEST_PG_CONNINFO:-}" ] || { echo "run me through tests/fixtures/with-servers --pg"; exit 2; }

export PGTZ=UTC
# the migrations in sql/, in the order axion-db applies them
migrations=$(cd "$top/sql" && ls [0-9][0-9][0-9]_*.sql | sed 's/\.sql$//' | sort)
expected_applied=$(sed 's/^/applied /' <<< "$migrations")
last_migration=$(tail -n1 <<< "$migrations")
n_migrations=$(wc -l <<< "$migrations")
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
fingerprint() {
  sql "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname IN ('public','archive'))
           || '/' || (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = 'public')
           || '/' || (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)
           || '/' || (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')"
}

# ---- fresh apply -------------------------------------------------------
out=$("$db" migrate 2>&1)
expect_eq "fresh migrate applies every migration in order" "$expected_applied" "$out"
for t in cameras camera_events claude_analyses alerts frame_metadata system_metrics \
         audit_log system_metrics_rollup_1m schema_migrations axion_retention_policy \
         axion_node_leases; do
  expect_eq "table $t exists" "t" "$(sql "SELECT to_regclass('public.$t') IS NOT NULL")"
done
expect_eq "views exist" "2" "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('v_system_metrics_latest','mv_camera_stats_hourly')")"
expect_eq "DEFAULT partitions exist" "4" "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('camera_events_default','frame_metadata_default','system_metrics_default','audit_log_default') AND relispartition")"
today=$(sql "SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY_MM_DD')")
in6=$(sql "SELECT to_char((now() AT TIME ZONE 'UTC')::date + 6, 'YYYY_MM_DD')")
expect_eq "partitions created 7 days ahead" "t" "$(sql "SELECT to_regclass('camera_events_$in6') IS NOT NULL AND to_regclass('frame_metadata_$in6') IS NOT NULL")"
expect_eq "24 hourly metric partitions" "24" "$(sql "SELECT count(*) FROM pg_tables WHERE tablename ~ '^system_metrics_[0-9]{4}_'")"
expect_eq "partition bounds are UTC days" \
  "FOR VALUES FROM ('$(echo $today | tr _ -) 00:00:00+00') TO ('$(sql "SELECT (now() AT TIME ZONE 'UTC')::date + 1") 00:00:00+00')" \
  "$(sql "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'camera_events_$today'")"
expect_eq "rollup key is a unique expression index" "t" \
  "$(sql "SELECT indisunique FROM pg_index WHERE indexrelid = 'uq_system_metrics_rollup_1m'::regclass")"
expect_eq "§5.3 high-motion index has its INCLUDE and predicate" "t" \
  "$(sql "SELECT pg_get_indexdef('idx_camera_events_high_motion'::regclass) LIKE '%INCLUDE (camera_id, motion_score) WHERE (motion_score > 0.7)%'")"
fp1=$(fingerprint)

if all_sections; then
# ---- re-apply is a no-op -----------------------------------------------
expect_eq "second migrate is a no-op" "schema is up to date ($last_migration)" "$("$db" migrate 2>&1)"
expect_eq "schema unchanged after re-apply" "$fp1" "$(fingerprint)"
expect_eq "every migration recorded" "$n_migrations" "$(sql "SELECT count(*) FROM schema_migrations")"
# status, health and migrate read the applied versions in one query
expect_eq "status lists every migration as applied" "$n_migrations" \
  "$("$db" status | grep -cE '^applied  [0-9]{3}_.*  \([0-9-]{10} [0-9:]{8} UTC\)$')"
first=$(head -n1 <<< "$migrations")
sql "UPDATE schema_migrations SET checksum = 'x' WHERE version = '$first'" >/dev/null
expect_eq "an applied migration whose file changed is warned about" \
  "axion-db: warning: $first.sql changed since it was applied" \
  "$("$db" migrate 2>&1 >/dev/null)"
sql "UPDATE schema_migrations SET checksum = '$(sha256sum "$top/sql/$first.sql" | cut -c1-64)' WHERE version = '$first'" >/dev/null
saved=$(sql "SELECT checksum || ' ' || applied_at FROM schema_migrations WHERE version = '$last_migration'")
sql "DELETE FROM schema_migrations WHERE version = '$last_migration'" >/dev/null
expect_eq "status shows the missing one as pending" "pending  $last_migration" "$("$db" status | grep '^pending')"
expect_fail_with "health counts it pending" "unhealthy: 1 migration.s. pending" "$db" health
sql "INSERT INTO schema_migrations (version, checksum, applied_at) VALUES ('$last_migration', '${saved%% *}', '${saved#* }')" >/dev/null
# 006: axiontrack's event types, on top of the earlier ones
expect_eq "track event types allowed, others still refused" "t f" \
  "$(sql "SELECT pg_get_constraintdef(oid) LIKE '%loitering%' AND pg_get_constraintdef(oid) LIKE '%camera_offline%' FROM pg_constraint WHERE conname = 'chk_event_type' AND conrelid = 'camera_events'::regclass") $(sql "SELECT pg_get_constraintdef(oid) LIKE '%bogus%' FROM pg_constraint WHERE conname = 'chk_event_type' AND conrelid = 'camera_events'::regclass")"

# ---- rollback and re-apply ----------------------------------------------
expect_fail_with "rollback wants confirmation" "--yes" "$db" rollback
expect_ok "rollback --yes" "$db" rollback --yes
expect_eq "rollback removed every table" "0" "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")"
expect_eq "rollback removed the archive schema" "f" "$(sql "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'archive')")"
expect_ok "migrate after rollback" "$db" migrate
expect_eq "re-applied schema identical to the first" "$fp1" "$(fingerprint)"
fi

# ---- rows for any timestamp land ----------------------------------------
for off in "-1 day" "0 days" "30 days" "400 days"; do
  sql "INSERT INTO camera_events (camera_id, event_type, event_timestamp, frame_number) VALUES ('CAM001','motion', now() + interval '$off', 1)" >/dev/null
  sql "INSERT INTO frame_metadata (camera_id, frame_number, frame_timestamp, resolution_width, resolution_height, format) VALUES ('CAM001', 1, now() + interval '$off', 1920, 1080, 'i420')" >/dev/null
  sql "INSERT INTO system_metrics (metric_name, metric_type, component, value, metric_timestamp) VALUES ('fps','gauge','camera', 10, now() + interval '$off')" >/dev/null
  sql "INSERT INTO audit_log (event_type, entity_type, action, action_status, event_timestamp) VALUES ('create','camera','camera.created','success', now() + interval '$off')" >/dev/null
done
for t in camera_events frame_metadata system_metrics audit_log; do
  expect_eq "$t: yesterday, today, +30 and +400 days all landed" "4" "$(sql "SELECT count(*) FROM $t")"
done
expect_eq "+400 days went to the DEFAULT partition" "camera_events_default" \
  "$(sql "SELECT tableoid::regclass FROM camera_events WHERE event_timestamp > now() + interval '399 days'")"
expect_eq "yesterday went to its daily partition" "camera_events_$(sql "SELECT to_char((now() AT TIME ZONE 'UTC')::date - 1, 'YYYY_MM_DD')")" \
  "$(sql "SELECT tableoid::regclass FROM camera_events WHERE event_timestamp < now() - interval '12 hours'")"

# ---- partitions on demand move rows out of DEFAULT ------------------------
out=$("$db" create-partitions 2>&1)
expect_eq "create-partitions reports the on-demand partitions" "created 0 partitions ahead (7 days), 8 for rows in DEFAULT partitions" "$(printf "%s" "$out" | tail -n1)"
expect_eq "DEFAULT partitions emptied" "0" "$(sql "SELECT (SELECT count(*) FROM camera_events_default) + (SELECT count(*) FROM frame_metadata_default) + (SELECT count(*) FROM system_metrics_default) + (SELECT count(*) FROM audit_log_default)")"
expect_eq "no row lost while moving" "4 4 4 4" "$(sql "SELECT (SELECT count(*) FROM camera_events) || ' ' || (SELECT count(*) FROM frame_metadata) || ' ' || (SELECT count(*) FROM system_metrics) || ' ' || (SELECT count(*) FROM audit_log)")"
expect_eq "+400 day row now in its own partition" "camera_events_$(sql "SELECT to_char(((now() + interval '400 days') AT TIME ZONE 'UTC')::date, 'YYYY_MM_DD')")" \
  "$(sql "SELECT tableoid::regclass FROM camera_events WHERE event_timestamp > now() + interval '399 days'")"
expect_eq "create-partitions again is a no-op" "created 0 partitions ahead (7 days), 0 for rows in DEFAULT partitions" "$("$db" create-partitions 2>&1)"

# sessions in different time zones create adjacent, not overlapping, partitions
expect_ok "partition creation independent of session TimeZone" psql -X -q -v ON_ERROR_STOP=1 -c "
  SET TimeZone = 'Asia/Kolkata'; SELECT create_camera_events_partition(current_date + 20);
  SET TimeZone = 'America/Los_Angeles'; SELECT create_camera_events_partition(current_date + 21);
  SET TimeZone = 'Pacific/Chatham'; SELECT create_system_metrics_partition(now() + interval '3 days');
  SET TimeZone = 'UTC'; SELECT create_system_metrics_partition(now() + interval '3 days 1 hour');"

# ---- rollup: p50/p95/p99 ---------------------------------------------------
m=$(sql "SELECT date_trunc('minute', now() - interval '10 minutes')")
sql "INSERT INTO system_metrics (metric_name, metric_type, component, source_id, value, unit, metric_timestamp)
     SELECT 'latency', 'gauge', 'camera', 'CAM001', v, 'ms', '$m'::timestamptz + v * interval '100 ms'
     FROM generate_series(1, 100) v" >/dev/null
sql "INSERT INTO system_metrics (metric_name, metric_type, component, value, metric_timestamp)
     SELECT 'latency', 'gauge', 'camera', v, '$m'::timestamptz + interval '1 s' FROM generate_series(1, 5) v" >/dev/null
expect_eq "rollup writes one row per metric/source/minute" "2" "$(sql "SELECT rollup_system_metrics('$m'::timestamptz, '$m'::timestamptz + interval '1 minute')")"
expect_eq "rollup min/max/avg/sum/count" "1.000000 100.000000 50.500000 5050.000000 100" \
  "$(sql "SELECT value_min || ' ' || value_max || ' ' || value_avg || ' ' || value_sum || ' ' || value_count FROM system_metrics_rollup_1m WHERE source_id = 'CAM001'")"
expect_eq "rollup p50/p95/p99" "50.500000 95.050000 99.010000" \
  "$(sql "SELECT value_p50 || ' ' || value_p95 || ' ' || value_p99 FROM system_metrics_rollup_1m WHERE source_id = 'CAM001'")"
expect_eq "NULL source rolled up as its own row" "5 3.000000" \
  "$(sql "SELECT value_count || ' ' || value_p50 FROM system_metrics_rollup_1m WHERE source_id IS NULL AND metric_name = 'latency'")"
sql "INSERT INTO system_metrics (metric_name, metric_type, component, source_id, value, metric_timestamp) VALUES ('latency','gauge','camera','CAM001', 1000, '$m'::timestamptz + interval '30 s')" >/dev/null
sql "SELECT rollup_system_metrics('$m'::timestamptz, '$m'::timestamptz + interval '1 minute')" >/dev/null
expect_eq "re-running the rollup updates, never duplicates" "1 101 1000.000000" \
  "$(sql "SELECT count(*) || ' ' || max(value_count) || ' ' || max(value_max) FROM system_metrics_rollup_1m WHERE source_id = 'CAM001'")"
expect_ok "default rollup window runs" sql "SELECT rollup_system_metrics()"

# ---- audit_log is immutable -------------------------------------------------
expect_fail_with "audit_log rejects UPDATE" "Audit logs cannot be modified" sql "UPDATE audit_log SET action = 'x'"
expect_fail_with "audit_log rejects DELETE" "Audit logs cannot be deleted" sql "DELETE FROM audit_log"
expect_fail_with "audit_log partitions reject DELETE too" "Audit logs cannot be deleted" sql "DELETE FROM audit_log_$(sql "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')")"
expect_eq "audit rows intact" "4" "$(sql "SELECT count(*) FROM audit_log")"

# ---- alerts.updated_at trigger ----------------------------------------------
sql "INSERT INTO alerts (alert_id, alert_type, severity, title, description) VALUES (42, 'motion', 3, 't', 'd')" >/dev/null
expect_eq "new alert has no updated_at" "t" "$(sql "SELECT updated_at IS NULL FROM alerts WHERE alert_id = 42")"
sql "UPDATE alerts SET status = 'acknowledged' WHERE alert_id = 42" >/dev/null
expect_eq "alerts.updated_at set on update" "t" "$(sql "SELECT updated_at IS NOT NULL AND updated_at >= created_at FROM alerts WHERE alert_id = 42")"
sql "INSERT INTO cameras (camera_id, camera_name) VALUES ('CAMX', 'x')" >/dev/null
sql "UPDATE cameras SET status = 'online' WHERE camera_id = 'CAMX'" >/dev/null
expect_eq "cameras.updated_at set on update" "t" "$(sql "SELECT updated_at IS NOT NULL FROM cameras WHERE camera_id = 'CAMX'")"

# ---- sample data and the §6.1 queries ---------------------------------------
expect_eq "sample data migration" "applied sample_data" "$("$db" migrate --sample-data 2>&1)"
expect_eq "sample data applies once" "schema is up to date ($last_migration)" "$("$db" migrate --sample-data 2>&1)"
sql "UPDATE claude_analyses SET risk_assessment = 'high' WHERE primary_insight LIKE 'Normal activity%'" >/dev/null
n=0
while IFS= read -r -d ';' q; do
  q=$(printf '%s' "$q" | sed '/^[[:space:]]*--/d')
  [ -n "$(printf '%s' "$q" | tr -d '[:space:]')" ] || continue
  n=$((n + 1))
  expect_ok "§6.1 query $n runs" sql "$q"
done < "$here/seed_6_1_queries.sql"
expect_eq "all seven §6.1 queries found" "7" "$n"
expect_eq "§6.1 query 2 finds the person events" "2" \
  "$(sql "SELECT count(*) FROM camera_events WHERE objects_detected @> '[{\"class\": \"person\"}]'::jsonb AND event_timestamp > NOW() - INTERVAL '24 hours'")"
expect_eq "§6.1 query 3 joins analysis to its trigger event" "1" \
  "$(sql "SELECT count(*) FROM claude_analyses a JOIN camera_events e ON a.trigger_event_id = e.event_id WHERE a.risk_assessment IN ('high','critical')")"
expect_ok "materialized view refreshes concurrently" sql "SELECT axion_refresh_views()"

# ---- retention --------------------------------------------------------------
sql "INSERT INTO camera_events (camera_id, event_type, event_timestamp, frame_number) VALUES ('CAM001','motion', now() - interval '40 days', 1), ('CAM001','motion', now() - interval '400 days', 2)" >/dev/null
sql "INSERT INTO system_metrics (metric_name, metric_type, component, value, metric_timestamp) VALUES ('fps','gauge','camera', 1, now() - interval '8 days')" >/dev/null
sql "INSERT INTO claude_analyses (trigger_event_id, camera_id, event_timestamp, request_type, claude_response) VALUES (99, 'CAM001', now() - interval '100 days', 'scene_description', '{}')" >/dev/null
old40=$(sql "SELECT to_char(((now() - interval '40 days') AT TIME ZONE 'UTC')::date, 'YYYY_MM_DD')")
out=$("$db" retention 2>&1)
printf '%s\n' "$out" | sed 's/^/# retention: /'
expect_eq "40-day-old camera_events partition archived" "t" "$(sql "SELECT to_regclass('archive.camera_events_$old40') IS NOT NULL AND to_regclass('public.camera_events_$old40') IS NULL")"
expect_eq "archived rows kept in archive" "1" "$(sql "SELECT count(*) FROM archive.camera_events_$old40")"
expect_eq "400-day-old camera_events archived then dropped (1 year)" "0" "$(sql "SELECT count(*) FROM pg_tables WHERE tablename = 'camera_events_$(sql "SELECT to_char(((now() - interval '400 days') AT TIME ZONE 'UTC')::date, 'YYYY_MM_DD')")'")"
expect_eq "8-day-old metrics partition dropped" "0" "$(sql "SELECT count(*) FROM system_metrics WHERE metric_timestamp < now() - interval '7 days'")"
expect_eq "100-day-old analyses deleted" "0" "$(sql "SELECT count(*) FROM claude_analyses WHERE event_timestamp < now() - interval '90 days'")"
expect_eq "recent rows untouched by retention" "t" "$(sql "SELECT count(*) >= 4 FROM camera_events WHERE event_timestamp > now() - interval '2 days'")"

# ---- health -----------------------------------------------------------------
expect_ok "axion-db health is healthy" "$db" health
sql "DROP TABLE camera_events_$in6" >/dev/null
expect_fail_with "health fails when partitions are not ahead" "not 7 days ahead" "$db" health

if all_sections; then
# ---- errors -----------------------------------------------------------------
expect_fail_with "unreachable server: clear error, no secret" "cannot connect to PostgreSQL" \
  "$db" -d "host=/nonexistent port=1 user=u password=hunter2 dbname=x" status
out=$("$db" -d "host=/nonexistent port=1 user=u password=hunter2 dbname=x" status 2>&1 || true)
if printf '%s' "$out" | grep -q hunter2; then not_ok "password not printed" "$out"; else ok "password not printed"; fi
fi

finish
