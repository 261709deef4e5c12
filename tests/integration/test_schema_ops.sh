#!/usr/bin/env bash
# Integration test of migration 004 and the operations tools against real
# PostgreSQL 15 (and Redis 7): claude_analyses partitioned monthly with its
# rows kept, camera_events status flags row-exact, axion-db maintain
# (mv_camera_stats_hourly), axion-db stats (§5.4), axion-db health's §8.1
# checks, axion-db backup / restore (§7) compared table by table.
# Run through tests/fixtures/with-servers --pg --redis (meson does).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"
db="$top/tools/axion-db"

[ -n "${AXION_TEST_PG_CONNINFO:-}" ] || { echo "run me through tests/fixtures/with-servers --pg --redis"; exit 2; }
export PGTZ=UTC
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
work=$AXION_TEST_TMPDIR/ops
mkdir -p "$work/sql003"

# ---- claude_analyses rows written before 004 survive its partitioning ----
cp -r "$top"/sql/00[123]_*.sql "$top/sql/optional" "$work/sql003/"
expect_ok "migrations 001-003" env AXION_SQL_DIR="$work/sql003" "$db" migrate
sql "INSERT INTO camera_events (event_id, camera_id, event_type, event_timestamp, frame_number)
     VALUES (1001, 'CAM1', 'motion', now() - interval '1 hour', 1),
            (1002, 'CAM1', 'motion', now() - interval '50 minutes', 2)" >/dev/null
sql "INSERT INTO claude_analyses (analysis_id, trigger_event_id, camera_id, event_timestamp, request_type, claude_response, risk_assessment)
     VALUES (2001, 1001, 'CAM1', now() - interval '1 hour', 'scene_description', '{\"a\":1}', 'low'),
            (2002, 999, 'CAM1', now() - interval '40 days', 'anomaly_detection', '{\"b\":2}', 'high')" >/dev/null
sql "INSERT INTO alerts (alert_id, alert_type, severity, title, description, trigger_event_id) VALUES (3001, 'motion', 3, 't', 'd', 1002)" >/dev/null
before=$(sql "SELECT count(*) || ' ' || md5(string_agg(c::text, ',' ORDER BY analysis_id)) FROM claude_analyses c")
out=$("$db" migrate 2>&1)
expect_eq "migrate applies 004 on top (then the later ones)" "applied 004_flags_partitions_monitoring" "$(head -n1 <<< "$out")"
expect_eq "claude_analyses rows identical after partitioning" "$before" \
  "$(sql "SELECT count(*) || ' ' || md5(string_agg(c::text, ',' ORDER BY analysis_id)) FROM claude_analyses c")"
expect_eq "claude_analyses is partitioned by range" "p" "$(sql "SELECT relkind FROM pg_class WHERE relname = 'claude_analyses'")"
expect_eq "primary key holds the partition key" "PRIMARY KEY (analysis_id, event_timestamp)" \
  "$(sql "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_claude_analyses'")"
m0=$(sql "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')")
m3=$(sql "SELECT to_char((now() AT TIME ZONE 'UTC') + interval '3 months', 'YYYY_MM')")
m40=$(sql "SELECT to_char((now() - interval '40 days') AT TIME ZONE 'UTC', 'YYYY_MM')")
expect_eq "monthly partitions: this month, 3 ahead, default" "true true true" \
  "$(sql "SELECT (to_regclass('claude_analyses_$m0') IS NOT NULL) || ' ' || (to_regclass('claude_analyses_$m3') IS NOT NULL) || ' ' || (to_regclass('claude_analyses_default') IS NOT NULL)")"
expect_eq "the 40-day-old analysis got its own month" "claude_analyses_$m40" \
  "$(sql "SELECT tableoid::regclass FROM claude_analyses WHERE analysis_id = 2002")"
expect_eq "existing events flagged by the migration" "1001 true 2001 false|1002 false - true" \
  "$(sql "SELECT string_agg(event_id || ' ' || sent_to_claude || ' ' || COALESCE(claude_analysis_id::text, '-') || ' ' || alert_generated, '|' ORDER BY event_id) FROM camera_events")"
m100=$(sql "SELECT to_char((now() - interval '100 days') AT TIME ZONE 'UTC', 'YYYY_MM')")
sql "SELECT create_claude_analyses_partition((now() - interval '100 days')::date)" >/dev/null
expect_eq "§6.1 query 3 prunes older months" "t f" \
  "$(sql "EXPLAIN SELECT * FROM claude_analyses a WHERE a.risk_assessment IN ('high', 'critical') AND a.event_timestamp > NOW() - INTERVAL '7 days'" > "$work/q3.plan"; grep -q "claude_analyses_$m0" "$work/q3.plan" && echo -n t || echo -n f; grep -q "claude_analyses_$m100" "$work/q3.plan" && echo " t" || echo " f")"
sql "INSERT INTO claude_analyses (analysis_id, trigger_event_id, camera_id, event_timestamp, request_type, claude_response)
     VALUES (2003, 1, 'CAM1', now() + interval '400 days', 'scene_description', '{}')" >/dev/null
expect_eq "a far-future analysis lands in the DEFAULT partition" "claude_analyses_default" \
  "$(sql "SELECT tableoid::regclass FROM claude_analyses WHERE analysis_id = 2003")"
sql "DELETE FROM claude_analyses WHERE analysis_id = 2003; DELETE FROM axion_event_flags_pending" >/dev/null

# ---- status flags, row-exact ----------------------------------------------
ev() { sql "INSERT INTO camera_events (event_id, camera_id, event_type, event_timestamp, frame_number) VALUES ($1, 'CAM2', 'object_detected', now() - interval '$2 minutes', $1)" >/dev/null; }
an() { sql "INSERT INTO claude_analyses (analysis_id, trigger_event_id, camera_id, event_timestamp, request_type, claude_response)
            VALUES ($1, $2, 'CAM2', '$t_an', 'scene_description', '{}') ON CONFLICT DO NOTHING" >/dev/null; }
t_an=$(sql "SELECT now() - interval '10 minutes'")
flags() { sql "SELECT sent_to_claude || ' ' || COALESCE(claude_analysis_id::text, '-') || ' ' || alert_generated || ' ' || (updated_at IS NOT NULL) FROM camera_events WHERE event_id = $1"; }
for i in 1 2 3 4 5; do ev $((5000 + i)) $((20 - i)); done
expect_eq "a new event: nothing sent, no alert" "false - false false" "$(flags 5001)"
an 6010 5001
expect_eq "an analysis flags its trigger event" "true 6010 false true" "$(flags 5001)"
expect_eq "other events untouched" "false - false false|false - false false|false - false false|false - false false" \
  "$(sql "SELECT string_agg(sent_to_claude || ' ' || COALESCE(claude_analysis_id::text, '-') || ' ' || alert_generated || ' ' || (updated_at IS NOT NULL), '|' ORDER BY event_id) FROM camera_events WHERE event_id BETWEEN 5002 AND 5005")"
an 6020 5001
expect_eq "a newer analysis replaces the id" "true 6020 false true" "$(flags 5001)"
an 6015 5001
expect_eq "an older analysis arriving later does not" "true 6020 false true" "$(flags 5001)"
an 6020 5001
expect_eq "a retried analysis (same id) is a no-op" "true 6020 false true 3" \
  "$(flags 5001) $(sql "SELECT count(*) FROM claude_analyses WHERE trigger_event_id = 5001")"
sql "INSERT INTO alerts (alert_type, severity, title, description, trigger_event_id) VALUES ('object', 4, 't', 'd', 5002)" >/dev/null
expect_eq "an alert flags its trigger event" "false - true true" "$(flags 5002)"
an 6030 5003
sql "INSERT INTO alerts (alert_type, severity, title, description, claude_analysis_id) VALUES ('anomaly', 4, 't', 'd', 6030)" >/dev/null
expect_eq "an alert naming only its analysis flags the analysis's event" "true 6030 true true" "$(flags 5003)"
# the analysis and alert before their event (another writer, a replay)
an 6040 5006
sql "INSERT INTO alerts (alert_type, severity, title, description, trigger_event_id) VALUES ('object', 2, 't', 'd', 5006)" >/dev/null
expect_eq "flags for a missing event wait" "2" "$(sql "SELECT count(*) FROM axion_event_flags_pending WHERE event_id = 5006")"
# (its time is the analysis's event_timestamp, as in the pipeline)
printf '5006\tCAM2\tmotion\t%s\t6\n' "$t_an" > "$work/ev.tsv"
expect_ok "COPY of the late event" psql -X -q -v ON_ERROR_STOP=1 -c "\\copy camera_events (event_id, camera_id, event_type, event_timestamp, frame_number) FROM '$work/ev.tsv'"
expect_eq "the late event gets both flags on insert" "true 6040 true true" "$(flags 5006)"
expect_eq "nothing left waiting" "0" "$(sql "SELECT count(*) FROM axion_event_flags_pending")"
# an entry older than a minute is left to axion-db maintain (an event that
# never comes must not cost every insert)
sql "INSERT INTO axion_event_flags_pending (event_id, claude_analysis_id, queued_at) VALUES (5007, 6070, now() - interval '2 minutes')" >/dev/null
ev 5007 4
expect_eq "an old waiting flag is not applied by the insert" "false - false false 1" \
  "$(flags 5007) $(sql "SELECT count(*) FROM axion_event_flags_pending")"
expect_ok "maintain" "$db" maintain
expect_eq "maintain applies it" "true 6070 false true 0" \
  "$(flags 5007) $(sql "SELECT count(*) FROM axion_event_flags_pending")"
sql "DELETE FROM camera_events WHERE event_id = 5007" >/dev/null
expect_eq "pending-Claude index holds only events no analysis followed" "1002 5002 5004 5005" \
  "$(sql "SET enable_seqscan = off; SELECT string_agg(event_id::text, ' ' ORDER BY event_id) FROM camera_events WHERE sent_to_claude = FALSE")"
expect_eq "the pending query uses the partial index" "t" \
  "$(sql "SET enable_seqscan = off; EXPLAIN SELECT event_id FROM camera_events WHERE sent_to_claude = FALSE ORDER BY event_timestamp DESC LIMIT 10" | grep -q 'claude_pending\|sent_to_claude_idx\|event_timestamp_idx[0-9]* on' && echo t || echo f)"

# ---- maintain: mv_camera_stats_hourly ---------------------------------------
h=$(sql "SELECT date_trunc('hour', now()) - interval '3 hours'")
sql "INSERT INTO camera_events (camera_id, event_type, event_timestamp, frame_number, motion_score, object_count)
     SELECT 'CAMMV', 'motion', '$h'::timestamptz + v * interval '1 minute', v, 0.5, v % 3 FROM generate_series(0, 59) v" >/dev/null
expect_eq "the view is stale before maintenance" "0" "$(sql "SELECT count(*) FROM mv_camera_stats_hourly WHERE camera_id = 'CAMMV'")"
out=$("$db" maintain 2>&1); st=$?
expect_eq "axion-db maintain exits 0" "0" "$st"
expect_ok "maintain reports the refresh" grep -q '^mv_camera_stats_hourly_rows [0-9]' <<< "$out"
expect_eq "maintain refreshed mv_camera_stats_hourly" "60 0.50000000000000000000 1.00000000000000000000 2" \
  "$(sql "SELECT event_count || ' ' || avg_motion || ' ' || avg_objects || ' ' || max_objects FROM mv_camera_stats_hourly WHERE camera_id = 'CAMMV' AND hour = '$h'")"
expect_eq "maintain is idempotent" "partitions_created 0" "$("$db" maintain | head -1)"

# ---- stats (§5.4) -------------------------------------------------------------
out=$("$db" stats 2>&1); st=$?
expect_eq "axion-db stats exits 0" "0" "$st"
for s in "active queries" "slow queries" "table sizes" "index usage" "partition sizes" "writes" "bloat" "cache hit ratio"; do
  expect_ok "stats has section: $s" grep -q "^== $s" <<< "$out"
done
expect_ok "stats says how to enable pg_stat_statements" grep -q "CREATE EXTENSION pg_stat_statements" <<< "$out"
expect_ok "table sizes list camera_events" grep -Eq '^ *public *\| *camera_events *\|' <<< "$out"
sql "CREATE EXTENSION pg_stat_statements" >/dev/null
sql "SELECT count(*) FROM camera_events WHERE camera_id = 'CAMMV'" >/dev/null
out=$("$db" stats --limit 500 2>&1)
expect_ok "slow queries from pg_stat_statements" grep -q "camera_id = \$1" <<< "$out" || echo "$out" | sed -n '/slow/,/table sizes/p' | head -20
expect_eq "index usage view lists the partitions' indexes" "t" "$(sql "SELECT count(*) > 8 FROM v_axion_index_usage WHERE tablename LIKE 'camera_events_%'")"

# ---- health: §8.1 checks named ---------------------------------------------------
out=$("$db" health 2>&1); st=$?
expect_eq "health exits 0" "0" "$st"
for c in cache_hit_ratio active_connections replication_lag table_bloat partitions_ahead; do
  expect_ok "health prints check $c" grep -q "^check $c: ok" <<< "$out"
done
expect_fail_with "more connections than allowed: the check is named" "check active_connections failed: [0-9]+ \(threshold <= 0\)" "$db" health --max-connections 0
sql "CREATE TABLE bloat_probe (i int) WITH (autovacuum_enabled = false)" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO bloat_probe SELECT generate_series(1, 2000)" \
  -c "DELETE FROM bloat_probe WHERE i > 1000" -c "SELECT pg_stat_force_next_flush()" -c "SELECT 1" >/dev/null
expect_fail_with "half the tuples dead: table_bloat fails, naming the table" "check table_bloat failed: 50.00% dead in bloat_probe" "$db" health
expect_ok "a looser bloat threshold passes" "$db" health --max-bloat 60
sql "DROP TABLE bloat_probe" >/dev/null
expect_fail_with "a bad threshold is a usage error" "takes a number" "$db" health --max-bloat lots

# ---- backup / restore (§7) -----------------------------------------------------
sql "INSERT INTO system_metrics (metric_name, metric_type, component, value) VALUES ('fps', 'gauge', 'camera', 9.5)" >/dev/null
sql "INSERT INTO audit_log (event_type, entity_type, action, action_status, changes_made) VALUES ('config_change', 'config', 'config.updated', 'success', '{\"x\":{\"old\":1,\"new\":2}}')" >/dev/null
sql "INSERT INTO camera_events (camera_id, event_type, event_timestamp, frame_number) VALUES ('OLD', 'motion', now() - interval '40 days', 1)" >/dev/null
"$db" retention >/dev/null
expect_eq "an archived partition is part of the backup" "1" "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'archive'")"
r() { redis-cli -s "$AXION_TEST_REDIS_SOCKET" "$@"; }
r HSET axion:camera:CAM1:state status online fps_current 9.8 >/dev/null
r SADD axion:cameras:active CAM1 >/dev/null
r XADD axion:events '*' camera_id CAM1 event_type motion >/dev/null
"$db" checksums > "$work/sums.before"
expect_eq "checksums list every table" "t" "$(grep -c . "$work/sums.before" | awk '{print ($1 >= 12) ? "t" : "f"}')"
out=$("$db" backup --redis "$AXION_TEST_REDIS_URL" "$work/backup" 2>&1); st=$?
expect_eq "axion-db backup exits 0" "0" "$st"
dump=$(grep '\.dump$' <<< "$out")
rdb=$(grep '\.rdb\.gz$' <<< "$out")
expect_eq "custom-format dump" "PGDMP" "$(head -c 5 "$dump" 2>/dev/null)"
expect_ok "schema-only dump written" grep -q 'CREATE TABLE public.claude_analyses' "$(grep 'schema_.*\.sql$' <<< "$out")"
expect_eq "Redis RDB written" "REDIS" "$(gzip -dc "$rdb" 2>/dev/null | head -c 5)"
# drop everything, then restore
expect_ok "rollback --yes" "$db" rollback --yes
sql "DROP TABLE schema_migrations" >/dev/null
expect_eq "database empty" "0" "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'archive')")"
expect_fail_with "restore wants confirmation" "--yes" "$db" restore "$dump"
expect_ok "restore" "$db" restore --yes "$dump"
"$db" checksums > "$work/sums.after"
expect_eq "every table's row count and checksum equal after restore" "" "$(diff "$work/sums.before" "$work/sums.after")"
last_migration=$(cd "$top/sql" && ls [0-9][0-9][0-9]_*.sql | sort | tail -n1 | sed 's/\.sql$//')
expect_eq "migrations known after restore" "schema is up to date ($last_migration)" "$("$db" migrate 2>&1)"
expect_ok "restore over a live schema replaces it" "$db" restore --yes "$dump"
"$db" checksums > "$work/sums.again"
expect_eq "restore twice: same checksums" "" "$(diff "$work/sums.before" "$work/sums.again")"
expect_ok "triggers restored: a new analysis flags its event" sql "INSERT INTO claude_analyses (analysis_id, trigger_event_id, camera_id, event_timestamp, request_type, claude_response) VALUES (7001, 5002, 'CAM2', now(), 'scene_description', '{}')"
expect_eq "flag set after restore" "true 7001 true true" "$(flags 5002)"
# Redis: the RDB back in place of a flushed data set (§7.3: stop, copy, start)
r FLUSHALL >/dev/null
"$top/tests/fixtures/redis-ctl" stop
gzip -dc "$rdb" > "$AXION_TEST_TMPDIR/dump.rdb"
"$top/tests/fixtures/redis-ctl" start
expect_eq "Redis state restored" "online 9.8 CAM1 1" \
  "$(echo $(r HGET axion:camera:CAM1:state status) $(r HGET axion:camera:CAM1:state fps_current) $(r SMEMBERS axion:cameras:active) $(r XLEN axion:events))"
expect_fail_with "restore of a missing file" "existing .dump" "$db" restore --yes "$work/nope.dump"

finish
