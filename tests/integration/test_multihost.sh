#!/usr/bin/env bash
# Scale out (docs/scaling.md): four tools/axion-run processes ("hosts")
# write through one PgBouncer (transaction pooling) into one PostgreSQL
# and share one Redis, and through it one accelerator (axiondlpusched with
# the test stand-in axiontestaccel: 25 ms per inference, 40 cameras at
# 10 fps want 10 times what it can do). Each leases its own id node; one
# is killed -9 and started again with its spool. Every frame is in
# frame_metadata exactly once, no two processes ever made ids on one node,
# the accelerator was shared fairly (Jain >= 0.95 across the four while
# all ran), and (with
# axionclaude built) the Claude budget held in total across them.
#
# 10 cameras per process: the issue's 10 sample cameras, one
# tools/axion-rtsp-server with 10 mounts (160x90, 10 fps) that each of the
# four processes pulls as its own 10 cameras (distinct camera ids) through
# pipelines/camera-full.pipeline (rtspsrc, parsebin, axiongate,
# decodebin; its detector and accelerator set by [vars], its axionclaude
# pointed at the mock). AXION_MULTIHOST_RTSP=0 (or no axion-rtsp-server
# built): generated cameras (videotestsrc, 160x90, 10 fps, in a test
# pipeline); about as fast, a fifth less CPU, more fairness margin on a
# loaded machine (docs/scaling.md has both variants' numbers).
# AXION_MULTIHOST_CAMERAS sets another count. Host 4 is killed once it
# has 40 rows per camera, so that the fairness window (all four running)
# has the same length whatever the count.
set -u
# a long scenario: the plain run only (not under the leaks tracer or the
# sanitizers, which slow five runners past the suite's budget)
if [ -n "${ASAN_OPTIONS:-}${GST_TRACERS:-}" ]; then
  echo "skipped: plain run only"; exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$AXION_TEST_TMPDIR
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }
q() { psql -X -At -c "$1"; }
: "${AXION_TEST_PGBOUNCER_CONNINFO:?run under with-servers --pgbouncer}"

HOSTS=4
CAMS=${AXION_MULTIHOST_CAMERAS:-10}
# the sample cameras over RTSP when the server is built; generated
# cameras with AXION_MULTIHOST_RTSP=0 (or without the server)
srv="$AXION_BUILD_DIR/tools/axion-rtsp-server"
if [ -x "$srv" ]; then RTSP=${AXION_MULTIHOST_RTSP:-1}; else RTSP=0; fi
t0=$(date +%s)
# the accelerator stand-in is a test plugin (tests/check); a registry of
# this run's own
export GST_PLUGIN_PATH_1_0="${GST_PLUGIN_PATH_1_0:-}:$AXION_BUILD_DIR/tests/check"
export GST_REGISTRY=$t/registry.bin
# one Messages API mock for all processes, when axionclaude is built: the
# Claude budget (calls-per-minute) is shared through Redis
mock="$AXION_BUILD_DIR/tests/integration/claude_mock_server"
claude=""
if [ -x "$mock" ] && [ -f "$AXION_BUILD_DIR/ext/claude/libgstaxionclaude.so" ]; then
  export ANTHROPIC_API_KEY=sk-ant-test-multihost
  mkfifo "$t/mock.in"
  "$mock" "$ANTHROPIC_API_KEY" < "$t/mock.in" > "$t/mock.out" 2>&1 &
  mock_pid=$!
  exec 7> "$t/mock.in"
  for _ in $(seq 100); do [ -s "$t/mock.out" ] && break; sleep 0.05; done
  mock_url=$(head -1 "$t/mock.out")
  export GST_PLUGIN_PATH_1_0="$GST_PLUGIN_PATH_1_0:$AXION_BUILD_DIR/ext/claude"
  # a heartbeat analysis per camera and second wanted (12/s); 20 a minute
  # granted in all
  claude="! axionclaude api-url=$mock_url redis-url=\${REDIS_URL} heartbeat-s=1 min-interval-ms=500 dedupe-window-s=0 trigger-motion=false trigger-scene-change=false trigger-new-object=false calls-per-minute=20 camera-calls-per-minute=0 max-retries=1"
fi
start_s=$(date +%s)
cat > "$t/cam.pipeline" <<PIPE
videotestsrc is-live=true pattern=ball animation-mode=frames
  ! video/x-raw,width=160,height=90,framerate=10/1
  ! videoconvert
  ! axionmotion camera-id=\${CAMERA_ID}
  ! axionhash
  $claude
  ! axiondlpusched accelerator=shared redis-url="\${REDIS_URL}"
      detector="axiontestaccel latency-ms=25 lock-file=$t/accel.lock log-file=$t/accel.log"
  ! axionpgsink conninfo="\${DB}" spool-dir="\${SPOOL_DIR}" batch-size=200 flush-interval-ms=200
PIPE
pipeline=$t/cam.pipeline
if [ "$RTSP" = 1 ]; then
  # the shipped RTSP pipeline; only its axionclaude line is the test's
  # (the mock, the budget) or none
  pipeline=$t/rtsp.pipeline
  sed "s|^  ! axionclaude redis-url=.*|  ${claude:-}|" pipelines/camera-full.pipeline > "$pipeline"
  grep -q '^  ! axionclaude redis-url=' pipelines/camera-full.pipeline ||
    not_ok "camera-full.pipeline has its axionclaude line" "changed: update this test"
  mkfifo "$t/srv.ctl"
  "$srv" -n "$CAMS" --width 160 --height 90 --fps 10 --port 0 \
    --cache "$t/cameras" < "$t/srv.ctl" > "$t/srv.log" 2>&1 7>&- &
  srv_pid=$!
  exec 8> "$t/srv.ctl"
  for _ in $(seq 600); do grep -q 'cameras at' "$t/srv.log" && break; sleep 0.1; done
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\)\/cam1.*/\1/p' "$t/srv.log")
  [ -n "$port" ] || { not_ok "the RTSP server listens" "$(cat "$t/srv.log")"; finish; exit 1; }
  echo "# RTSP server ready after $(( $(date +%s) - t0 )) s"
fi
config() { # host
  {
    echo "[axion]"
    echo "database = $AXION_TEST_PGBOUNCER_CONNINFO"
    echo "redis = $AXION_TEST_REDIS_URL"
    echo "spool-dir = $t/spool-h$1"
    echo "pipeline = $pipeline"
    if [ "$RTSP" = 1 ]; then
      echo "[vars]"
      echo "ACCELERATOR = shared"
      echo "DLPU_REDIS_URL = $AXION_TEST_REDIS_URL"
      echo "DETECTOR = axiontestaccel latency-ms=25 lock-file=$t/accel.lock log-file=$t/accel.log"
      echo "FLUSH_MS = 200"
      for c in $(seq $CAMS); do
        printf '[camera h%sc%s]\nurl = rtsp://127.0.0.1:%s/cam%s\n' "$1" "$c" "$port" "$c"
      done
    else
      for c in $(seq $CAMS); do
        printf '[camera h%sc%s]\nurl = synthetic://h%sc%s\n' "$1" "$c" "$1" "$c"
      done
    fi
  } > "$t/h$1.ini"
}

pids=()
for h in $(seq $HOSTS); do
  config "$h"
  # hosts 1-3 run until host 4's second run is over (SIGTERM: they flush
  # and exit 0): five live processes at once, however long host 4 takes
  # to reach its kill (RTSP cameras take longer: connect, first keyframe,
  # gated idle scenes)
  if [ "$h" -lt 4 ]; then dur=0; else dur=60; fi
  "$run" -c "$t/h$h.ini" -t "$dur" > "$t/h$h.out" 2>&1 8>&- &
  pids[$h]=$!
done
# inferences since every camera of every process had its first one (the
# fairness window below); 0 until then
window_n() {
  awk -v all=$((HOSTS * CAMS)) '
    { if (!($2 in first) || $3 < first[$2]) first[$2] = $3; start[NR] = $3 }
    END { from = 0; nc = 0; for (x in first) { nc++; if (first[x] > from) from = first[x] }
          n = 0; if (nc >= all) for (i = 1; i <= NR; i++) n += start[i] >= from
          print n }' "$t/accel.log" 2>/dev/null || echo 0
}
# host 4 dies (kill -9) once it has committed rows (40 per camera) and the
# fairness window holds 120 inferences (~30 per process, 3 s of the
# accelerator: RTSP cameras connect over seconds, and a shorter window
# measured Jain 0.86 from 5-18 per process), and comes back with its
# spool (its journal holds what was not yet committed)
for _ in $(seq 600); do
  [ "$(q "SELECT count(*) FROM frame_metadata WHERE camera_id LIKE 'h4c%'")" -ge $((40 * CAMS)) ] &&
    [ "$(window_n)" -ge 120 ] && break
  sleep 0.1
done
kill -9 "${pids[4]}"
killed_us=$(date +%s%6N)
echo "# host 4 killed after $(( $(date +%s) - t0 )) s"
wait "${pids[4]}" 2>/dev/null
# its lease stays held until it expires: the next process gets another node
expect_eq "the killed host's lease is still held" 1 \
  "$(q "SELECT count(*) FROM axion_node_leases WHERE holder LIKE '%/${pids[4]}/%'")"
# it runs until every camera is online plus 2 s (each replays its spool
# once its sink is connected): a fixed 4 s ended a run under CI load
# before an RTSP camera had started, and its spool stayed (60 s at most)
"$run" -c "$t/h4.ini" -t 60 > "$t/h4b.out" 2>&1 8>&- &
pid4b=$!
# five live processes at once, or "five nodes" would not say much (a
# node given back may be leased again, after its last id)
for _ in $(seq 200); do grep -q "leased from" "$t/h4b.out" && break; sleep 0.05; done
alive=0
for h in 1 2 3; do kill -0 "${pids[$h]}" 2>/dev/null && alive=$((alive + 1)); done
for _ in $(seq 600); do
  [ "$(grep -c ' online$' "$t/h4b.out")" -ge "$CAMS" ] && break
  sleep 0.05
done
sleep 2
kill -TERM $pid4b 2>/dev/null
st_all=0
wait $pid4b || st_all=$?
for h in 1 2 3; do kill -TERM "${pids[$h]}"; done
for h in 1 2 3; do wait "${pids[$h]}" || st_all=$?; done
expect_eq "every process exits 0" 0 "$st_all"

nodes=""
for f in h1 h2 h3 h4 h4b; do
  n=$(sed -n 's/.*id node \([0-9]*\) leased from PostgreSQL.*/\1/p' "$t/$f.out")
  expect_ok "$f leased an id node (${n:-none})" test -n "$n"
  nodes="$nodes $n"
done
expect_eq "hosts 1-3 still ran when host 4 came back" 3 "$alive"
expect_eq "five processes, five nodes" 5 "$(tr ' ' '\n' <<< "$nodes" | grep -c . | tr -d ' ')"
expect_eq "no node twice" 5 "$(tr ' ' '\n' <<< "$nodes" | grep . | sort -u | wc -l | tr -d ' ')"

# every frame the surviving hosts counted is in the database exactly once
for h in 1 2 3; do
  for c in $(seq $CAMS); do
    cam=h${h}c$c
    frames=$(sed -n "s/.*camera $cam: \([0-9]*\) frames.*/\1/p" "$t/h$h.out")
    expect_eq "$cam: every frame is a row (${frames:-?} frames)" "${frames:-none}" \
      "$(q "SELECT count(*) FROM frame_metadata WHERE camera_id = '$cam'")"
  done
done
# and nothing twice anywhere (the killed host's cameras too)
expect_eq "distinct ids = rows" \
  "$(q "SELECT count(*) FROM frame_metadata")" \
  "$(q "SELECT count(DISTINCT metadata_id) FROM frame_metadata")"
expect_eq "no frame twice (camera, number, capture time)" 0 \
  "$(q "SELECT count(*) FROM (SELECT 1 FROM frame_metadata GROUP BY camera_id, frame_number, frame_timestamp HAVING count(*) > 1) d")"
# the ids' node bits: each node belongs to one host
expect_eq "no id node shared by two hosts" 0 \
  "$(q "SELECT count(*) FROM (SELECT (metadata_id >> 10) & 4095 FROM frame_metadata GROUP BY 1 HAVING count(DISTINCT split_part(camera_id, 'c', 1)) > 1) s")"
expect_ok "the killed host's first run left rows" \
  test "$(q "SELECT count(*) FROM frame_metadata WHERE camera_id LIKE 'h4c%'")" -ge 30
expect_eq "its spool was replayed (nothing left)" "" \
  "$(find "$t/spool-h4" -type f -name '*.batch' 2>/dev/null)"
expect_eq "no row collided" "" "$(grep -h 'ids that different rows' "$t"/h*.out)"

# the shared accelerator: inferences per process while all four ran with
# all their cameras (from the last camera's first inference to the kill),
# Jain's index over them. (From the last process's first inference, RTSP
# runs measured 0.956-0.998: that process's cameras were still
# connecting, 2-3 inferences a second against 8-10 once all were up.)
counts=$(awk -v end="$killed_us" '
  { cam = $2; if (!(cam in first) || $3 < first[cam]) first[cam] = $3
    start[NR] = $3; h[NR] = substr($2, 1, 2) }
  END { from = 0; for (x in first) if (first[x] > from) from = first[x]
        for (i = 1; i <= NR; i++) if (start[i] >= from && start[i] < end) n[h[i]]++
        printf "%d %d %d %d", n["h1"], n["h2"], n["h3"], n["h4"] }' "$t/accel.log")
jain=$(awk '{ s = 0; q = 0; for (i = 1; i <= NF; i++) { s += $i; q += $i * $i }
  if (q > 0) printf "%.3f", s * s / (NF * q); else print 0 }' <<< "$counts")
expect_ok "each process got inferences ($counts)" awk '{ exit !($1 > 5 && $2 > 5 && $3 > 5 && $4 > 5) }' <<< "$counts"
expect_ok "accelerator fairness across the four: Jain $jain >= 0.95" awk -v j="$jain" 'BEGIN { exit !(j >= 0.95) }'
# (two processes inside at once is possible when a holder is starved for
# longer than its lock lease on a loaded machine: axiondlpusched reports
# it, see its "Leases and fencing"; its own tests cover that. Here only
# noted, not asserted: it depends on the machine's load.)
echo "# concurrent entries (lease lost under load): $(cat "$t"/h*.out | grep -c 'entered by two processes at once')"

# the Claude budget, shared: at most 20 calls per calendar minute in all
if [ -n "$claude" ]; then
  minutes=$(( $(date +%s) / 60 - start_s / 60 + 1 ))
  exec 7>&-
  wait "$mock_pid"
  calls=$(sed -n 's/^requests \([0-9]*\) invalid \([0-9]*\)$/\1/p' "$t/mock.out")
  invalid=$(sed -n 's/^requests \([0-9]*\) invalid \([0-9]*\)$/\2/p' "$t/mock.out")
  expect_ok "Claude was called (${calls:-?} calls)" test "${calls:-0}" -ge 1
  expect_ok "the budget held across the processes: ${calls:-?} <= 20 x $minutes minutes" \
    test "${calls:-999}" -le $(( 20 * minutes ))
  expect_eq "every request valid" 0 "${invalid:-?}"
  # a call answered while host 4 was killed -9 has no row (the answer died
  # with the process; CI lost 1 of 39): no row without its call, and at
  # most one lost per camera of the killed host (one call in flight each)
  rows=$(q "SELECT count(*) FROM claude_analyses")
  expect_ok "an analysis row per answered call (${rows} rows, ${calls:-?} calls; the killed host may lose those in flight)" \
    awk -v r="$rows" -v c="${calls:-0}" -v k="$CAMS" 'BEGIN { exit !(r <= c && c - r <= k && r > 0) }'
  expect_eq "no analysis row twice" "$rows" "$(q "SELECT count(DISTINCT analysis_id) FROM claude_analyses")"
else
  echo "# axionclaude not built: the Claude budget part skipped"
fi
if [ "$RTSP" = 1 ]; then
  echo quit >&8
  exec 8>&-
  wait "$srv_pid"
fi
echo "# duration: $(( $(date +%s) - t0 )) s (RTSP=$RTSP, $CAMS cameras per process)"
# clean exits gave their nodes back; the killed one's expires
expect_eq "only the killed host's lease is still held" 1 \
  "$(q "SELECT count(*) FROM axion_node_leases WHERE holder <> '' AND expires_at > clock_timestamp()")"
finish
