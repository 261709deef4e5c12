#!/usr/bin/env bash
# tools/axion-run while PostgreSQL and Redis hang (SIGSTOP'd: connections
# accepted, nothing answered): the main loop keeps running (the status
# line keeps printing), SIGINT starts the shutdown at once and the process
# exits within a generous bound with stop-timeout 2 s (the database work
# is on a writer thread with deadlines, pipelines are torn down off the
# main thread, and the exit does not wait for them beyond the timeout).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$AXION_TEST_TMPDIR
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }

# the servers' processes (the postmaster and its backends, Redis)
server_pids() {
  local pm
  pm=$(head -1 "$AXION_TEST_PGDATA/postmaster.pid")
  echo "$pm" $(pgrep -P "$pm") "$(cat "$AXION_TEST_TMPDIR/redis.pid")"
}
resume() { kill -CONT $(server_pids) 2>/dev/null; }
trap resume EXIT

statuses() { grep -c 'status camera=hang' "$t/out"; }
"$run" --camera hang=synthetic://h -p pipelines/synthetic-camera.pipeline \
  -d "$AXION_TEST_PG_CONNINFO" -r "$AXION_TEST_REDIS_URL" \
  --spool-dir "$t/spool" --stop-timeout 2 > "$t/out" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q 'camera hang online' "$t/out" && break; sleep 0.1; done
sleep 2
kill -STOP $(server_pids)
before=$(statuses)
# the metrics and status writes of the next 10 s ticks hit the hung servers
for _ in $(seq 250); do [ "$(statuses)" -ge $((before + 2)) ] && break; sleep 0.1; done
expect_ok "the status line keeps printing while the servers hang ($before -> $(statuses))" \
  test "$(statuses)" -ge $((before + 2))

kill -INT $pid
start=$(date +%s)
for _ in $(seq 50); do grep -q 'SIGINT: sending EOS' "$t/out" && break; sleep 0.1; done
expect_ok "SIGINT starts the shutdown" grep -q 'SIGINT: sending EOS' "$t/out"
for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then
  not_ok "exits within 20 s of SIGINT" "still running: $(tail -3 "$t/out")"
  kill -KILL $pid
else
  ok "exits within 20 s of SIGINT ($(( $(date +%s) - start )) s)"
fi
wait $pid; st=$?
expect_eq "exit 0 (frames were processed; what the stuck sink holds stays in its spool)" 0 "$st"
resume
finish
