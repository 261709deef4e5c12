#!/usr/bin/env bash
# Integration test: the README main-job command end to end (sample RTSP
# cameras from tools/axion-rtsp-server -> tools/axion-run -> axionmotion ->
# axionhash -> axionpgsink + axionredissink) on the servers of
# tests/fixtures/with-servers --pg --redis.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/../lib.sh"

b=${AXION_BUILD_DIR:-$top/build}
# gst-launch-1.0 cannot load sanitizer-instrumented plugins: skip there
if ldd "$b/gst/axion/libgstaxion.so" 2>/dev/null | grep -q libasan; then
  echo "skip: sanitizer build"; exit 77
fi

# small cameras, a private encode cache: the test does not depend on (or
# fill) the user's ~/.cache
export XDG_CACHE_HOME="$AXION_TEST_TMPDIR/cache"
# a rule that the sample scenes' moving objects meet within seconds, and
# the local broker of --mqtt
export ALERT_RULES='motion, name=any-motion, min-duration-ms=500, cooldown-s=60'
out=$("$top/tools/axion-demo" --inner --mqtt --cameras 2 --duration 6 --width 320 --height 240 2>&1)
rc=$?
expect_eq "demo exits 0" "0" "$rc"
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
psql_q() { psql -X -At -c "$1"; }
for cam in CAM001 CAM002; do
  summary=$(sed -n "s/.*camera $cam: \([0-9]*\) frames.*/\1/p" <<< "$out")
  expect_ok "$cam streamed over RTSP (${summary:-0} frames)" test "${summary:-0}" -ge 30
  expect_eq "$cam: every frame in frame_metadata" "$summary" "$(psql_q "SELECT count(*) FROM frame_metadata WHERE camera_id = '$cam'")"
done
expect_eq "both cameras registered with the stream's size" "2" "$(psql_q "SELECT count(*) FROM cameras WHERE active_resolution_width = 320")"
n=$(psql_q "SELECT count(*) FROM camera_events WHERE event_type = 'motion'")
[ "$n" -gt 0 ] && ok "motion events written ($n)" || not_ok "motion events written" "$n"
expect_eq "Redis has the camera's live state" "hash" "$(redis-cli -s "$AXION_TEST_REDIS_SOCKET" TYPE axion:camera:CAM002:state)"
expect_eq "Redis events stream has every camera event" "$(psql_q "SELECT count(*) FROM camera_events")" \
  "$(redis-cli -s "$AXION_TEST_REDIS_SOCKET" XLEN axion:events)"
printf '%s' "$out" | grep -q "== top motion cameras" && ok "summary printed" || not_ok "summary printed" "$out"
# rule alerts without Claude, in PostgreSQL and over MQTT
n=$(psql_q "SELECT count(*) FROM alerts WHERE alert_data->>'rule' = 'any-motion'")
[ "$n" -ge 1 ] && ok "rule alerts written ($n)" || not_ok "rule alerts written" "$n"
expect_ok "alerts published over MQTT" grep -q 'axis-is/+/alert' <<< "$out"
expect_ok "events published over MQTT" grep -q 'axis-is/+/event' <<< "$out"
expect_ok "Home Assistant discovery published" grep -q 'homeassistant/+/config' <<< "$out"
n=$(psql_q "SELECT count(*) FROM alerts WHERE notification_sent AND 'mqtt' = ANY (notification_channels)")
[ "$n" -ge 1 ] && ok "alerts marked notified ($n)" || not_ok "alerts marked notified" "$n"
finish
