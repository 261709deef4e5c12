#!/usr/bin/env bash
# The runner's own records while PostgreSQL is away (docs/running.md,
# "Records"): a camera's outages and returns during a database outage are
# camera_offline / camera_online events all the same, written in order
# once the database answers again; cameras.status ends right; metrics
# (samples) are not kept; a runner stopped meanwhile keeps them in its
# spool directory for the next run. And while Redis is away: an alert's delivery
# entry waits for it, and a Redis restarted without its data has the
# cameras' live state back within the 10 s refresh. The node is assigned
# (AXION_NODE_ID): no lease here, that is runner_lease_lost's subject.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$AXION_TEST_TMPDIR
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }
q() { psql -X -At -c "$1"; }

# a camera whose stream ends every 1.5 s: an outage and a return each time
cat > "$t/cam.pipeline" <<'PIPE'
videotestsrc is-live=true num-buffers=15
  ! video/x-raw,width=160,height=90,framerate=10/1
  ! axionmotion camera-id=${CAMERA_ID}
  ! fakesink sync=true
PIPE
cat > "$t/run.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
pipeline = $t/cam.pipeline
reconnect-min = 300ms
reconnect-max = 300ms
[camera c1]
url = synthetic://c1
INI

# stopped (SIGINT) once PostgreSQL is back: what the outage held is
# written by the attempt every runner makes at exit (its own retry comes
# 10 s after the failure; -t 60 only bounds a broken run). Two outages
# while it is away are waited for, not a fixed time (they come every
# 1.8 s: this section took 15 s with a fixed 12 s run)
AXION_NODE_ID=9 "$run" -c "$t/run.ini" -t 60 > "$t/out" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q 'camera c1 online' "$t/out" && break; sleep 0.1; done
sleep 2
"$top/tests/fixtures/pg-ctl" stop fast
down_at=$(grep -c 'camera c1 offline' "$t/out")
offline_since() { # file count-before camera: its outages since then
  echo $(( $(grep -c "camera $3 offline" "$1") - $2 ))
}
for _ in $(seq 300); do
  [ "$(offline_since "$t/out" "$down_at" c1)" -ge 2 ] && break
  sleep 0.1
done
during=$(offline_since "$t/out" "$down_at" c1)
"$top/tests/fixtures/pg-ctl" start
kill -INT $pid
wait $pid
expect_eq "the runner exits 0" 0 $?
expect_ok "outages happened while PostgreSQL was away ($during)" test "$during" -ge 2
outages=$(sed -n 's/.*camera c1: [0-9]* frames, \([0-9]*\) outages.*/\1/p' "$t/out")
# (the first start is not a return)
online=$(( $(grep -c 'camera c1 online' "$t/out") - 1 ))
expect_eq "every outage is a camera_offline event (${outages:-?} outages)" "${outages:-none}" \
  "$(q "SELECT count(*) FROM camera_events WHERE camera_id = 'c1' AND event_type = 'camera_offline'")"
expect_eq "every return a camera_online event ($online)" "$online" \
  "$(q "SELECT count(*) FROM camera_events WHERE camera_id = 'c1' AND event_type = 'camera_online'")"
expect_eq "in order: offline and online alternate by id" "" \
  "$(q "SELECT 'twice ' || event_type FROM (SELECT event_type, lag(event_type) OVER (ORDER BY event_id) AS prev FROM camera_events WHERE camera_id = 'c1') e WHERE event_type = prev")"
expect_eq "the ids' times are the events' times (written late, stamped when they happened)" 0 \
  "$(q "SELECT count(*) FROM camera_events WHERE camera_id = 'c1' AND abs(extract(epoch FROM event_timestamp) * 1000 - (event_id >> 22) - 1704067200000) > 1000")"
expect_ok "the return of PostgreSQL is said, with the writes it took" \
  grep -q 'PostgreSQL answers again: [0-9]* camera status, alert and audit writes of the outage written (0 dropped)' "$t/out"
expect_eq "nothing left unwritten at exit" "" "$(grep 'not written at exit' "$t/out")"

# ---- the runner stopped while PostgreSQL is away: what it holds is kept
# in the spool directory and written by the next run
cat > "$t/k.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
spool-dir = $t/spool
pipeline = $t/cam.pipeline
reconnect-min = 300ms
reconnect-max = 300ms
[camera k1]
url = synthetic://k1
INI
# (stopped once an outage came while PostgreSQL is away: a write to keep)
AXION_NODE_ID=9 "$run" -c "$t/k.ini" -t 60 > "$t/k1.out" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q 'camera k1 online' "$t/k1.out" && break; sleep 0.1; done
sleep 1
"$top/tests/fixtures/pg-ctl" stop fast
down_at=$(grep -c 'camera k1 offline' "$t/k1.out")
for _ in $(seq 300); do
  [ "$(offline_since "$t/k1.out" "$down_at" k1)" -ge 1 ] && break
  sleep 0.1
done
kill -INT $pid
wait $pid
expect_ok "at exit, the writes are kept for the next run" \
  grep -q 'writes for PostgreSQL and 0 alert messages for Redis kept in .*/spool for the next run' "$t/k1.out"
expect_eq "and none said lost" "" "$(grep 'not written at exit' "$t/k1.out")"
expect_eq "one file" 1 "$(ls "$t/spool"/axion-run-records-*.jsonl 2>/dev/null | wc -l)"
"$top/tests/fixtures/pg-ctl" start
# a runner writing elsewhere (here: another key prefix) leaves it alone
sed 's/^\[axion\]$/[axion]\nkey-prefix = other/' "$t/k.ini" > "$t/other.ini"
AXION_NODE_ID=9 "$run" -c "$t/other.ini" -t 1 > "$t/other.out" 2>&1
expect_eq "a runner with other stores leaves the file" "1 " \
  "$(ls "$t/spool"/axion-run-records-*.jsonl 2>/dev/null | wc -l) $(grep 'taken back' "$t/other.out")"
AXION_NODE_ID=9 "$run" -c "$t/k.ini" -t 2 > "$t/k2.out" 2>&1
expect_ok "the next run takes them back" grep -q 'writes for PostgreSQL and 0 alert messages for Redis left by an earlier run taken back' "$t/k2.out"
expect_eq "the file is gone" 0 "$(ls "$t/spool"/axion-run-records-*.jsonl 2>/dev/null | wc -l)"
o1=$(sed -n 's/.*camera k1: [0-9]* frames, \([0-9]*\) outages.*/\1/p' "$t/k1.out")
o2=$(sed -n 's/.*camera k1: [0-9]* frames, \([0-9]*\) outages.*/\1/p' "$t/k2.out")
expect_eq "every outage of both runs is a camera_offline event (${o1:-?} + ${o2:-?})" \
  "$(( ${o1:-0} + ${o2:-0} ))" \
  "$(q "SELECT count(*) FROM camera_events WHERE camera_id = 'k1' AND event_type = 'camera_offline'")"

# ---- Redis away: a camera-offline alert raised meanwhile, then a Redis
# restarted empty (no persistence in the test's configuration)
r() { redis-cli -s "$AXION_TEST_REDIS_SOCKET" "$@"; }
cat > "$t/live.pipeline" <<'PIPE'
videotestsrc is-live=true
  ! video/x-raw,width=160,height=90,framerate=10/1
  ! axionmotion camera-id=${CAMERA_ID}
  ! fakesink sync=true
PIPE
cat > "$t/redis.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
redis = $AXION_TEST_REDIS_URL
pipeline = $t/live.pipeline
[alerts]
camera-offline = 3s
# nobody listens: the runner queues the message, a delivery sink sends it
webhook = http://127.0.0.1:1/hook
[camera live]
url = synthetic://live
# never answers
[camera gone]
url = rtsp://127.0.0.1:1/none
pipeline = pipelines/camera-basic.pipeline
INI
AXION_NODE_ID=9 "$run" -c "$t/redis.ini" > "$t/redis.out" 2>&1 &
pid=$!
for _ in $(seq 300); do
  [ "$(r HGET axion:camera:gone:state status)" = offline ] && [ "$(r SISMEMBER axion:cameras:active live)" = 1 ] && break
  sleep 0.1
done
expect_eq "the camera that never streams: offline in Redis" offline "$(r HGET axion:camera:gone:state status)"
expect_eq "the one that streams: active from its first start" "1 online" \
  "$(r SISMEMBER axion:cameras:active live) $(r HGET axion:camera:live:state status)"
"$top/tests/fixtures/redis-ctl" stop
for _ in $(seq 300); do grep -q 'camera gone: offline for .*: alert [0-9]' "$t/redis.out" && break; sleep 0.1; done
expect_ok "the offline alert is raised while Redis is away" grep -q 'camera gone: offline for .*: alert [0-9]' "$t/redis.out"
"$top/tests/fixtures/redis-ctl" start
expect_eq "Redis came back empty" 0 "$(r EXISTS axion:camera:gone:state)"
# asked again 10 s after the failure, then written at once
for _ in $(seq 300); do
  [ "$(r LLEN axion:queue:webhook:failed)" -ge 1 ] && [ "$(r EXISTS axion:camera:gone:state)" = 1 ] &&
    [ "$(r SISMEMBER axion:cameras:active live)" = 1 ] && break
  sleep 0.1
done
entry=$(r LINDEX axion:queue:webhook:failed 0)
expect_eq "the alert's webhook entry reached Redis once it answered" \
  "$(q "SELECT string_agg(alert_id::text, ',') FROM alerts WHERE camera_id = 'gone'")" \
  "$(sed -n 's/.*"id":"\([0-9]*\)".*/\1/p' <<< "$entry")"
expect_eq "the live state is back: offline" offline "$(r HGET axion:camera:gone:state status)"
expect_eq "the live state is back: active, online" "1 online" \
  "$(r SISMEMBER axion:cameras:active live) $(r HGET axion:camera:live:state status)"
expect_ok "with its reason" test -n "$(r HGET axion:camera:gone:state last_error)"
kill -INT $pid
wait $pid
expect_eq "nothing left unwritten at exit" "" "$(grep 'not written at exit' "$t/redis.out")"
finish
