#!/usr/bin/env bash
# The schema document's §6.1 read queries use the indexes they were meant
# for, on a few hundred thousand rows (generated server-side): EXPLAIN of
# each query names its index, and no partition that holds rows is read
# with a sequential scan (empty partitions are: that is free).
# Run through tests/fixtures/with-servers --pg (meson does).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"

[ -n "${AXION_TEST_PG_CONNINFO:-}" ] || { echo "run me through tests/fixtures/with-servers --pg"; exit 2; }
export PGTZ=UTC
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

expect_ok "migrate" "$top/tools/axion-db" migrate
# 300,000 events over the last 30 hours (10 cameras, ~2.8 events/s: two or
# three daily partitions), every fifth with a detection, 3,000 analyses,
# 20,000 alerts; then statistics, as autovacuum would gather them
expect_ok "generate rows" psql -X -q -v ON_ERROR_STOP=1 -c "
INSERT INTO camera_events (event_id, camera_id, event_type, event_timestamp, frame_number, motion_score, object_count, objects_detected, scene_hash)
SELECT i, 'CAM' || lpad((i % 10)::text, 3, '0'),
       (ARRAY['motion','motion','motion','object_detected','scene_change'])[1 + i % 5],
       now() - (i * interval '360 ms'), i, (i % 100) / 100.0, i % 4,
       CASE WHEN i % 5 = 3 THEN jsonb_build_array(jsonb_build_object('class',
            (ARRAY['person','car','dog','bicycle','truck','bus','cat'])[1 + (i / 5) % 7], 'confidence', 0.9)) END,
       lpad(to_hex(i % 5000), 16, '0')
FROM generate_series(1, 300000) i;
INSERT INTO claude_analyses (analysis_id, trigger_event_id, camera_id, event_timestamp, request_type, claude_response, risk_assessment)
SELECT 10000000 + i, i * 100, 'CAM' || lpad((i % 10)::text, 3, '0'), now() - (i * 100 * interval '360 ms'),
       'scene_description', '{}', (ARRAY['none','none','none','low','medium','high','critical'])[1 + i % 7]
FROM generate_series(1, 3000) i;
INSERT INTO alerts (alert_type, severity, camera_id, title, description, status, created_at)
SELECT 'motion', 1 + i % 5, 'CAM' || lpad((i % 10)::text, 3, '0'), 't', 'd',
       (ARRAY['resolved','resolved','resolved','resolved','acknowledged','new'])[1 + i % 6], now() - i * interval '1 minute'
FROM generate_series(1, 20000) i;
ANALYZE;"
expect_eq "300,000 events" "300000" "$(sql "SELECT count(*) FROM camera_events")"

# index name fragment each query must use (partition indexes are named
# after their columns: <partition>_<columns>_idx)
want=(
  "camera_id_event_timestamp"                 # 1 recent events of a camera
  "objects_detected_idx"                      # 2 object class (GIN jsonb_path_ops)
  "risk_assessment_idx.*_pkey|_pkey.*risk_assessment_idx" # 3 high-risk analyses + their events
  "idx_alerts_"                               # 4 active alerts by camera
  "camera_id_event_timestamp"                 # 5 events per minute of a camera
  "event_type_event_timestamp"                # 6 motion across cameras
  "camera_id_event_timestamp"                 # 7 duplicate scenes of a camera
)
n=0
while IFS= read -r -d ';' q; do
  q=$(printf '%s' "$q" | sed '/^[[:space:]]*--/d')
  [ -n "$(printf '%s' "$q" | tr -d '[:space:]')" ] || continue
  plan=$(sql "EXPLAIN (COSTS OFF) $q" | tr '\n' ' ')
  if printf '%s' "$plan" | grep -Eq "${want[$n]}"; then ok "§6.1 query $((n + 1)) uses ${want[$n]}"
  else not_ok "§6.1 query $((n + 1)) uses ${want[$n]}" "$plan"; fi
  # sequential scans only of empty partitions
  full=""
  for rel in $(printf '%s' "$plan" | grep -o 'Seq Scan on [a-z0-9_]*' | awk '{print $4}'); do
    [ "$(sql "SELECT EXISTS (SELECT 1 FROM $rel)")" = f ] || full="$full $rel"
  done
  expect_eq "§6.1 query $((n + 1)) reads no table with rows sequentially" "" "$full"
  n=$((n + 1))
done < "$here/seed_6_1_queries.sql"
expect_eq "all seven §6.1 queries checked" "7" "$n"

finish
