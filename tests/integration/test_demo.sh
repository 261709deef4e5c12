#!/usr/bin/env bash
# Integration test: the README main-job command end to end (synthetic
# cameras -> axionmotion -> axionhash -> axionpgsink + axionredissink) on the
# servers of tests/fixtures/with-servers --pg --redis.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"

b=${AXION_BUILD_DIR:-$top/build}
# gst-launch-1.0 cannot load sanitizer-instrumented plugins: skip there
if ldd "$b/gst/axion/libgstaxion.so" 2>/dev/null | grep -q libasan; then
  echo "skip: sanitizer build"; exit 77
fi

out=$("$top/tools/axion-demo" --inner --cameras 2 --duration 3 2>&1)
rc=$?
expect_eq "demo exits 0" "0" "$rc"
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
psql_q() { psql -X -At -c "$1"; }
expect_eq "30 frames per camera in frame_metadata" "CAM001|30
CAM002|30" "$(psql_q "SELECT camera_id, count(*) FROM frame_metadata GROUP BY camera_id ORDER BY camera_id")"
expect_eq "both cameras registered online at start" "2" "$(psql_q "SELECT count(*) FROM cameras WHERE active_resolution_width = 640")"
n=$(psql_q "SELECT count(*) FROM camera_events WHERE event_type = 'motion'")
[ "$n" -gt 0 ] && ok "motion events written ($n)" || not_ok "motion events written" "$n"
expect_eq "Redis state has the last frame" "29" "$(redis-cli -s "$AXION_TEST_REDIS_SOCKET" HGET axion:camera:CAM002:state last_frame_number)"
expect_eq "Redis events stream has every camera event" "$(psql_q "SELECT count(*) FROM camera_events")" \
  "$(redis-cli -s "$AXION_TEST_REDIS_SOCKET" XLEN axion:events)"
printf '%s' "$out" | grep -q "== top motion cameras" && ok "summary printed" || not_ok "summary printed" "$out"
finish
