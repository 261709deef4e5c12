#!/usr/bin/env bash
# The runner's id node lease at start (docs/scaling.md): with a store
# configured but not answering, the runner never falls back to the local
# node rule (which can collide with another host): it waits, asking with
# backoff, and starts its cameras once it holds a lease. Then every frame
# is a row, ids unique, all on the leased node. And a runner with only
# Redis (or AXION_NODE_LEASE=redis) leases its node in Redis, and gives it
# back on a clean exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$AXION_TEST_TMPDIR
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }
q() { psql -X -At -c "$1"; }
r() { redis-cli -s "$AXION_TEST_REDIS_SOCKET" "$@"; }

cat > "$t/cam.pipeline" <<'PIPE'
videotestsrc is-live=true pattern=ball
  ! video/x-raw,width=160,height=90,framerate=10/1
  ! axionmotion camera-id=${CAMERA_ID}
  ! axionhash
  ! axionpgsink conninfo="${DB}" spool-dir="${SPOOL_DIR}" batch-size=50 flush-interval-ms=200
PIPE
cat > "$t/run.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
spool-dir = $t/spool
pipeline = $t/cam.pipeline
[camera c1]
url = synthetic://c1
[camera c2]
url = synthetic://c2
INI

# 1. PostgreSQL stopped when the runner starts
"$top/tests/fixtures/pg-ctl" stop
# (-t 60 only bounds a broken run: it is stopped with SIGINT once both
# cameras have rows; with a fixed -t 12 they ran 8 s for the 10 frames
# needed)
"$run" -c "$t/run.ini" -t 60 > "$t/run.out" 2> "$t/run.err" &
pid=$!
for _ in $(seq 200); do grep -q "waiting for one" "$t/run.err" && break; sleep 0.05; done
sleep 2 # 7 s after start: the runner of old had given up after 5 s
expect_ok "it waits for a lease, saying so" grep -q "no id node leased from PostgreSQL within 5 s.*waiting for one" "$t/run.err"
expect_eq "no camera started yet" "" "$(grep 'camera c[12]:' "$t/run.out")"
expect_eq "never the local node rule" "" "$(grep -i 'local node' "$t/run.out" "$t/run.err")"
"$top/tests/fixtures/pg-ctl" start
for _ in $(seq 600); do
  [ "$(q "SELECT count(*) FILTER (WHERE camera_id = 'c1') >= 15 AND count(*) FILTER (WHERE camera_id = 'c2') >= 15 FROM frame_metadata")" = t ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -INT $pid
wait $pid
expect_eq "the runner exits 0" 0 $?
node=$(sed -n 's/.*id node \([0-9]*\) leased from PostgreSQL after .*/\1/p' "$t/run.out")
expect_ok "the node came from the lease once PostgreSQL answered (${node:-none})" test -n "$node"
for c in c1 c2; do
  frames=$(sed -n "s/.*camera $c: \([0-9]*\) frames.*/\1/p" "$t/run.out")
  expect_ok "$c ran (${frames:-0} frames)" test "${frames:-0}" -gt 10
  expect_eq "$c: every frame is a row" "${frames:-none}" \
    "$(q "SELECT count(*) FROM frame_metadata WHERE camera_id = '$c'")"
done
expect_eq "ids unique" "$(q "SELECT count(*) FROM frame_metadata")" \
  "$(q "SELECT count(DISTINCT metadata_id) FROM frame_metadata")"
expect_eq "every id on the leased node" "${node:-none}" \
  "$(q "SELECT string_agg(DISTINCT ((metadata_id >> 10) & 4095)::text, ',') FROM frame_metadata")"
expect_eq "the node was given back" 0 \
  "$(q "SELECT count(*) FROM axion_node_leases WHERE holder <> ''")"

# 2. Redis as the lease store (only Redis configured: no database)
cat > "$t/redis.pipeline" <<'PIPE'
videotestsrc is-live=true
  ! video/x-raw,width=160,height=90,framerate=10/1
  ! axionmotion camera-id=${CAMERA_ID}
  ! fakesink sync=true
PIPE
printf '[axion]\nredis = %s\npipeline = %s\n[camera r1]\nurl = synthetic://r1\n' \
  "$AXION_TEST_REDIS_URL" "$t/redis.pipeline" > "$t/redis.ini"
# (a Redis that never held leases leases none for one lease length)
export AXION_NODE_LEASE_TTL_MS=1000
# (-t 60: stopped with SIGINT once the lease is seen)
"$run" -c "$t/redis.ini" -t 60 > "$t/redis.out" 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q "leased from" "$t/redis.out" && break; sleep 0.05; done
rnode=$(sed -n 's/.*id node \([0-9]*\) leased from Redis.*/\1/p' "$t/redis.out")
expect_ok "only Redis: the node leased from Redis (${rnode:-none})" test -n "$rnode"
expect_ok "Redis holds the lease, with a TTL" test "$(r PTTL "axion:node-lease:${rnode:-x}")" -gt 0
# (the runner exits 0 when its camera delivered frames: stopped right
# after the lease, under ASan, it had none yet and exited 1; so once the
# camera is online, 2 s more: 20 frames at 10 fps)
for _ in $(seq 400); do grep -q "camera r1 online" "$t/redis.out" && break; sleep 0.05; done
sleep 2
kill -INT $pid
wait $pid
expect_eq "the runner exits 0" 0 $?
expect_eq "the node was given back" 0 "$(r EXISTS "axion:node-lease:${rnode:-x}")"
# the choice by configuration: AXION_NODE_LEASE=redis with a database too
AXION_NODE_LEASE=redis "$run" -c "$t/run.ini" -t 1 --redis "$AXION_TEST_REDIS_URL" > "$t/choice.out" 2>&1
expect_ok "AXION_NODE_LEASE=redis: the node from Redis" grep -q "leased from Redis" "$t/choice.out"
finish
