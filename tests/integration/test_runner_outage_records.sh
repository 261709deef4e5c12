#!/usr/bin/env bash
# The runner's own records while PostgreSQL is away (docs/running.md,
# "Records"): a camera's outages and returns during a database outage are
# camera_offline / camera_online events all the same, written in order
# once the database answers again; cameras.status ends right; metrics
# (samples) are not kept. The node is assigned (AXION_NODE_ID): no lease
# here, that is runner_lease_lost's subject.
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

AXION_NODE_ID=9 "$run" -c "$t/run.ini" -t 14 > "$t/out" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q 'camera c1 online' "$t/out" && break; sleep 0.1; done
sleep 2
"$top/tests/fixtures/pg-ctl" stop fast
down_at=$(grep -c 'camera c1 offline' "$t/out")
sleep 5
during=$(( $(grep -c 'camera c1 offline' "$t/out") - down_at ))
"$top/tests/fixtures/pg-ctl" start
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
finish
