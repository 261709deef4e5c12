#!/usr/bin/env bash
# The bandwidth controller of axion-run (docs/bandwidth.md, schema
# document §2.4) end to end: the sample RTSP server's cameras offer
# quality profiles (URL query), two runner processes share one budget
# through Redis, PostgreSQL gets the audit_log rows and system_metrics.
#   - the measured bitrate agrees with the stream's real size within 5 %
#   - a camera with activity goes up, of two the higher priority first;
#     an idle one goes down after its hold; another active one then up
#   - the analysis goes on across the resolution change
#   - the budget is never exceeded (reservations and measured bitrates,
#     sampled every second), also with a second runner process, whose
#     camera of higher priority has a camera of the first give way
#   - kill -9 of a runner releases its reservation within the lease
#   - every §2.4 key has the document's type and fields
# 10 cameras changing activity: test_bandwidth_ten.sh.
# Plain run only (a ~40 s scenario of two runners: the sanitizers slow it
# past its budget).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
srv="${AXION_BUILD_DIR}/tools/axion-rtsp-server"
t=$AXION_TEST_TMPDIR
cd "$top"
if [ -n "${ASAN_OPTIONS:-}${GST_TRACERS:-}" ]; then
  echo "skipped: plain run only"; exit 77
fi
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }
q() { psql -X -At -c "$1"; }
r() { redis-cli -s "$AXION_TEST_REDIS_SOCKET" "$@"; }
P=bwt

echo "# at ${SECONDS}s"
# ---- configuration errors name the line and what to write --------------
printf '[axion]\npipeline = pipelines/analysis-redis-only.pipeline\n[bandwidth]\nbudget-mbps = fast\n[camera c1]\nurl = rtsp://x\n' > "$t/bad1.ini"
expect_fail_with "budget-mbps takes a number" 'bad1.ini:4: budget-mbps is the megabits per second' "$run" -c "$t/bad1.ini" --check
printf '[axion]\npipeline = pipelines/analysis-redis-only.pipeline\n[bandwidth]\nbudget-mbps = 1\nlow.fps = 5\nlow.resolution = 320x180\nlow.max-bitrate-kbps = 100\n[camera c1]\nurl-low = rtsp://x/low\nurl-high = rtsp://x/high\n' > "$t/bad2.ini"
expect_fail_with "a URL for an unknown level is refused" 'camera c1: url-high names no level' "$run" -c "$t/bad2.ini" --check

echo "# at ${SECONDS}s"
# ---- the sample cameras: cam1, cam2 move; cam3 moves, frozen at first --
mkfifo "$t/ctl"
"$srv" -n 3 --width 320 --height 240 --fps 10 --seconds 2 --port 0 \
  --cache "$t/cameras" < "$t/ctl" > "$t/srv.log" 2>&1 &
srvpid=$!
exec 3> "$t/ctl"
port=$(rtsp_port "$t/srv.log")
expect_ok "the RTSP server listens (port ${port:-none})" test -n "$port"
if [ -z "$port" ]; then
  sed 's/^/#   server: /' "$t/srv.log"; kill $srvpid 2>/dev/null; finish; exit 1
fi
echo "freeze cam3" >&3
# camera-basic with motion ending after 2 quiet frames (not 10): a frozen
# camera sends a frame a second, the scenario waits less
sed 's/axionmotion camera-id=${CAMERA_ID}/axionmotion camera-id=${CAMERA_ID} quiet-frames=2/' \
  pipelines/camera-basic.pipeline > "$t/cam.pipeline"
# low: 5 fps 160x120 (the sample cameras send 47-83 kbps there); high:
# 10 fps 320x240 (up to 300, measured up to 309 in a first window). Budget
# 0.55 Mbps: the first runner's two cameras fit with one at high (400),
# never both (600); with the second runner's camera, two at high (500)
levels='[bandwidth]
budget-mbps = 0.55
hold = 3s
idle-down = 3s
lease = 4s
window = 4s
low.fps = 5
low.resolution = 160x120
low.compression = 60
low.max-bitrate-kbps = 100
high.fps = 10
high.resolution = 320x240
high.compression = 20
high.max-bitrate-kbps = 300'
tpl="rtsp://127.0.0.1:$port/CAM?fps=\${FPS}&resolution=\${RESOLUTION}&compression=\${COMPRESSION}&max_bitrate_kbps=\${MAX_BITRATE_KBPS}"
cat > "$t/a.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
redis = $AXION_TEST_REDIS_URL
spool-dir = $t/spool
key-prefix = $P
pipeline = $t/cam.pipeline
[vars]
GATED = false
$levels

[camera meas]
url = rtsp://127.0.0.1:$port/cam1

[camera hiPri]
priority = 5
url-template = ${tpl/CAM/cam1}

[camera loPri]
priority = 1
url-template = ${tpl/CAM/cam2}
INI
cat > "$t/b.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
redis = $AXION_TEST_REDIS_URL
spool-dir = $t/spoolb
key-prefix = $P
pipeline = $t/cam.pipeline
[vars]
GATED = false
$levels

[camera other]
priority = 10
url-low = rtsp://127.0.0.1:$port/cam3?fps=5&resolution=160x120&compression=60&max_bitrate_kbps=100
url-high = rtsp://127.0.0.1:$port/cam3?fps=10&resolution=320x240&compression=20&max_bitrate_kbps=300
INI

"$run" -c "$t/a.ini" -t 120 > "$t/a.log" 2>&1 &
apid=$!

# every second: the reservations and the measured bitrates of the live
# runners' cameras against the budget (kbps)
sample() { # cameras...
  local res meas c v
  res=$(r HVALS $P:bandwidth:global:reservations | awk '{s += $1} END {print s + 0}')
  meas=0
  for c in "$@"; do
    v=$(r HGET $P:bandwidth:$c:allocation current_bitrate_kbps)
    meas=$((meas + ${v:-0}))
  done
  echo "$res $meas" >> "$t/samples"
}
level() { r HGET $P:bandwidth:$1:allocation quality_level; }
wait_for() { # seconds cameras... -- condition
  local n=$1 cams=() ; shift
  while [ "$1" != "--" ]; do cams+=("$1"); shift; done; shift
  for _ in $(seq "$n"); do
    sample "${cams[@]}"
    if eval "$*"; then return 0; fi
    sleep 1
  done
  return 1
}

echo "# at ${SECONDS}s"
# ---- one runner: the higher priority goes up, the other waits ----------
expect_ok "the active camera of priority 5 goes up" \
  wait_for 20 hiPri loPri -- '[ "$(level hiPri)" = high ]'
sample hiPri loPri
expect_eq "the active camera of priority 1 stays low (no room)" low "$(level loPri)"
expect_eq "its hash says why the other went up" high_motion_detected "$(r HGET $P:bandwidth:hiPri:allocation adjustment_reason)"

echo "# at ${SECONDS}s"
# ---- the measured bitrate against the stream's real size ----------------
real=$(sed -n 's/.*: cam1 stream \([0-9.]*\) kbps.*/\1/p' "$t/srv.log" | head -n1)
within() { awk -v m="${1:-0}" -v r="${2:-1}" 'BEGIN {d = m / r - 1; exit !(d < 0.05 && d > -0.05)}'; }
cur() { r HGET $P:bandwidth:$1:allocation current_bitrate_kbps; }
# the first value: after the 3 s warm-up, whole GOPs of the 4 s window
wait_for 15 hiPri loPri -- '[ "$(cur meas)" -gt 0 ] 2>/dev/null'
meas=$(cur meas)
expect_ok "measured ${meas:-none} kbps within 5 % of the stream's ${real:-?} kbps" within "$meas" "$real"
realh=$(sed -n 's/.*: cam1?fps=10&resolution=320x240&compression=20&max_bitrate_kbps=300 stream \([0-9.]*\) kbps.*/\1/p' "$t/srv.log" | head -n1)
# a new level's rate is measured from its own frames (the meter starts
# again at the reconnect; until then the field says 0; cam1 at low sends
# 47 kbps)
wait_for 15 hiPri loPri -- '[ "$(cur hiPri)" -gt 120 ] 2>/dev/null'
meash=$(cur hiPri)
expect_ok "and at its high level ${meash:-none} kbps within 5 % of ${realh:-?} kbps" within "$meash" "$realh"

echo "# at ${SECONDS}s"
# ---- idle: down after its hold; the other active camera goes up ---------
echo "freeze cam1" >&3
expect_ok "the camera gone idle goes down" \
  wait_for 20 hiPri loPri -- '[ "$(level hiPri)" = low ]'
expect_eq "because it is idle" idle_timeout "$(r HGET $P:bandwidth:hiPri:allocation adjustment_reason)"
expect_ok "the other active camera goes up in its place" \
  wait_for 20 hiPri loPri -- '[ "$(level loPri)" = high ]'

echo "# at ${SECONDS}s"
# ---- a second runner: its camera of priority 10 finds no room; the ------
# first runner's camera of priority 1 gives way to it
echo "thaw cam3" >&3
"$run" -c "$t/b.ini" -t 120 > "$t/b.log" 2>&1 &
bpid=$!
expect_ok "the second runner reserves its lowest level" \
  wait_for 20 hiPri loPri other -- '[ "$(r HLEN $P:bandwidth:global:reservations)" = 2 ]'
expect_ok "its active camera of priority 10 goes up" \
  wait_for 20 hiPri loPri other -- '[ "$(level other)" = high ]'
expect_eq "the first runner's camera of priority 1 gave way" "low higher_priority_camera" \
  "$(r HMGET $P:bandwidth:loPri:allocation quality_level adjustment_reason | tr '\n' ' ' | sed 's/ $//')"

echo "# at ${SECONDS}s"
# ---- every §2.4 key ------------------------------------------------------
k=$P:bandwidth:other:allocation
expect_eq "allocation: a hash" hash "$(r TYPE $k)"
fields=$(r HKEYS $k | sort | tr '\n' ' ')
expect_eq "allocation: the document's fields" "adjustment_reason compression_quality current_bitrate_kbps last_adjustment_at max_bitrate_kbps quality_level resolution target_fps " "$fields"
expect_eq "allocation: the level's values" "high 10 300 20 320x240" "$(r HMGET $k quality_level target_fps max_bitrate_kbps compression_quality resolution | tr '\n' ' ' | sed 's/ $//')"
expect_ok "allocation: current_bitrate_kbps and last_adjustment_at are integers" \
  sh -c "r() { redis-cli -s '$AXION_TEST_REDIS_SOCKET' \"\$@\"; }; r HMGET $k current_bitrate_kbps last_adjustment_at | grep -Evq '^[0-9]+\$' && exit 1 || exit 0"
expect_eq "budget: a string" string "$(r TYPE $P:bandwidth:global:budget)"
expect_ok "budget: the Mbps left, a float ($(r GET $P:bandwidth:global:budget))" \
  sh -c "redis-cli -s '$AXION_TEST_REDIS_SOCKET' GET $P:bandwidth:global:budget | grep -Eq '^[0-9]+\.[0-9]+\$'"
expect_eq "ranking: a sorted set" zset "$(r TYPE $P:bandwidth:usage:ranking)"
expect_eq "ranking: every measured camera" "hiPri loPri meas other" "$(r ZRANGE $P:bandwidth:usage:ranking 0 -1 | sort | tr '\n' ' ' | sed 's/ $//')"
# a camera's score is its measured current_bitrate_kbps (read in one
# script: both are written each second)
same() { # camera
  r EVAL "return {redis.call('ZSCORE', KEYS[1], ARGV[1]), redis.call('HGET', KEYS[2], 'current_bitrate_kbps')}" \
    2 $P:bandwidth:usage:ranking $P:bandwidth:$1:allocation $1 | uniq | wc -l | grep -qx 1
}
expect_ok "ranking: the scores are the measured kbps ($(r ZREVRANGE $P:bandwidth:usage:ranking 0 -1 WITHSCORES | paste -sd' '))" \
  wait_for 3 other -- 'same meas && same other && same loPri'

echo "# at ${SECONDS}s"
# ---- kill -9 of the first runner: its share is free within the lease ----
kill -9 $apid
wait $apid 2>/dev/null
expect_ok "its reservation expires within the 4 s lease (+2 s)" \
  wait_for 6 other -- '[ "$(r HLEN $P:bandwidth:global:reservations)" = 1 ]'
left() { awk -v b="$(r HVALS $P:bandwidth:global:reservations)" -v g="$(r GET $P:bandwidth:global:budget)" 'BEGIN {exit !(b > 0 && sprintf("%.3f", (550 - b) / 1000) == g)}'; }
expect_ok "and the budget left is 0.55 Mbps less the second runner's share ($(r GET $P:bandwidth:global:budget))" \
  wait_for 3 other -- left

kill -INT $bpid
wait $bpid; st=$?
expect_eq "the second runner exits 0" 0 "$st"
expect_eq "its reservation is given back at exit" 0 "$(r HLEN $P:bandwidth:global:reservations)"
echo quit >&3
exec 3>&-
wait $srvpid

over=$(awk '$1 > 550 || $2 > 550' "$t/samples" | wc -l)
expect_eq "the budget was never exceeded ($(wc -l < "$t/samples") samples)" 0 "$over"

echo "# at ${SECONDS}s"
# ---- PostgreSQL: audit_log per change, system_metrics, analysis ---------
a=$(q "SELECT string_agg(action || ':' || (changes_made->'quality_level'->>'new'), ' ' ORDER BY event_timestamp, audit_id) FROM audit_log WHERE entity_id = 'hiPri'")
expect_ok "audit_log: the changes of hiPri ($a)" \
  sh -c "echo '$a' | grep -q 'bandwidth.high_motion_detected:high bandwidth.idle_timeout:low'"
a=$(q "SELECT string_agg(action || ':' || (changes_made->'quality_level'->>'new'), ' ' ORDER BY event_timestamp, audit_id) FROM audit_log WHERE entity_id = 'loPri'")
expect_ok "audit_log: the changes of loPri ($a)" \
  sh -c "echo '$a' | grep -q 'bandwidth.high_motion_detected:high bandwidth.higher_priority_camera:low'"
m=$(q "SELECT count(DISTINCT source_id) FROM system_metrics WHERE metric_name = 'bandwidth_kbps'")
expect_ok "system_metrics: bandwidth_kbps per camera ($m cameras)" test "$m" -ge 3
w=$(q "SELECT string_agg(DISTINCT resolution_width || 'x' || resolution_height, ' ') FROM frame_metadata WHERE camera_id = 'hiPri'")
expect_eq "the analysis went on at both resolutions" "160x120 320x240" "$w"
gap=$(sed -n 's/.*camera hiPri: level .* streaming \([0-9]*\) ms after the switch (\([0-9.]*\) frames.*/\1 ms, \2 frames/p' "$t/a.log" | head -n1)
expect_ok "a switch's gap is measured (${gap:-none})" test -n "$gap"
echo "# switch gaps:"; grep 'after the switch' "$t/a.log" "$t/b.log" | sed 's/^/#   /'
if [ "$_fail" -gt 0 ]; then
  sed 's/^/#   a: /' "$t/a.log" | tail -40; sed 's/^/#   b: /' "$t/b.log" | tail -20
  sed 's/^/#   srv: /' "$t/srv.log"; sed 's/^/#   sample: /' "$t/samples"
fi
finish
