#!/usr/bin/env bash
# The runner losing its id node lease mid-run (docs/scaling.md): PostgreSQL,
# the lease's store, stops for longer than the lease. The cameras' pipelines
# wait for ids; the runner's main loop does not: it notices the stalled
# camera, says so, answers HTTP and SIGINT. What it has to write (the
# camera's offline status) waits for an id in the writer and reaches the
# database once the lease is back, with ids on the leased node; metrics,
# samples, are dropped meanwhile.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$AXION_TEST_TMPDIR
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }
q() { psql -X -At -c "$1"; }

cat > "$t/cam.pipeline" <<'PIPE'
videotestsrc is-live=true pattern=ball
  ! video/x-raw,width=160,height=90,framerate=10/1
  ! axionmotion camera-id=${CAMERA_ID}
  ! axionpgsink conninfo="${DB}" spool-dir="${SPOOL_DIR}" batch-size=20 flush-interval-ms=200
PIPE
cat > "$t/run.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
spool-dir = $t/spool
pipeline = $t/cam.pipeline
stall-timeout = 2s
[http]
listen = 0
[camera c1]
url = synthetic://c1
INI

export AXION_NODE_LEASE_TTL_MS=1500
"$run" -c "$t/run.ini" > "$t/out" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q 'camera c1 online' "$t/out" && break; sleep 0.1; done
expect_ok "the camera runs" grep -q 'camera c1 online' "$t/out"
node=$(sed -n 's/.*id node \([0-9]*\) leased from PostgreSQL.*/\1/p' "$t/out")
port=$(sed -n 's|.*console and metrics at http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$t/out")
sleep 1

# PostgreSQL away for much longer than the lease (1.5 s)
"$top/tests/fixtures/pg-ctl" stop fast
for _ in $(seq 200); do grep -q 'id node lease lost' "$t/out" && break; sleep 0.1; done
expect_ok "the lease's loss is said" grep -q "id node lease lost.*ids wait" "$t/out"
# the pipeline waits for an id: no frames; the stall watchdog (2 s) acts
# on the main loop, which must not wait for an id itself
for _ in $(seq 200); do grep -q 'camera c1 offline' "$t/out" && break; sleep 0.1; done
expect_ok "the stalled camera is reported while the lease is lost" \
  grep -q 'camera c1 offline: no frames' "$t/out"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${port:-1}/healthz")
expect_ok "HTTP answers while the lease is lost (/healthz: $code)" test "$code" != 000
# past the next metrics write (every 10 s), which waits for ids too: it
# says so (once); waited for, not a fixed 9 s
for _ in $(seq 300); do
  grep -q 'no id node lease: metrics are not written' "$t/out" && break
  sleep 0.1
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${port:-1}/healthz")
expect_ok "HTTP still answers after a metrics write (/healthz: $code)" test "$code" != 000

"$top/tests/fixtures/pg-ctl" start
for _ in $(seq 300); do grep -q 'id node .* leased from PostgreSQL again' "$t/out" && break; sleep 0.1; done
expect_ok "the lease's return is said" grep -q 'id node [0-9]* leased from PostgreSQL again' "$t/out"
offline=0
for _ in $(seq 300); do
  offline=$(q "SELECT count(*) FROM camera_events WHERE camera_id = 'c1' AND event_type = 'camera_offline'" 2>/dev/null)
  [ "${offline:-0}" -ge 1 ] && break
  sleep 0.1
done
expect_ok "the offline status held during the outage is written ($offline)" test "${offline:-0}" -ge 1
expect_eq "its id is on the leased node" "${node:-none}" \
  "$(q "SELECT string_agg(DISTINCT ((event_id >> 10) & 4095)::text, ',') FROM camera_events WHERE camera_id = 'c1'")"

kill -INT $pid
for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
  not_ok "exits within 20 s of SIGINT" "still running: $(tail -3 "$t/out")"
  kill -KILL $pid
fi
wait $pid
expect_eq "exit 0" 0 $?
expect_eq "ids unique" "$(q "SELECT count(*) FROM frame_metadata")" \
  "$(q "SELECT count(DISTINCT metadata_id) FROM frame_metadata")"
expect_ok "metrics (samples) are not written without a lease, said once" \
  test "$(grep -c 'no id node lease: metrics are not written until there is one again' "$t/out")" = 1
finish
