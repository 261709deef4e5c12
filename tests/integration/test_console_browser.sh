#!/usr/bin/env bash
# The web console in a real headless Chromium (test_console_browser.py)
# against a running axion-run with three synthetic cameras, alert rules
# and snapshots. Screenshots: build/tests/integration/console-artefacts/.
# Plain run only: skipped under the leaks tracer and the sanitizers (a
# browser is neither instrumented nor fast there).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$AXION_TEST_TMPDIR
art=${AXION_ARTEFACT_DIR:-$AXION_BUILD_DIR/tests/integration/console-artefacts}
if [ -n "${GST_TRACERS:-}" ] || [ -n "${ASAN_OPTIONS:-}" ]; then
  echo "# skipped: plain run only"; exit 77
fi
for p in chromium chromedriver; do
  command -v $p >/dev/null || { not_ok "$p" "not installed (apt-get install chromium chromium-driver)"; finish; exit 1; }
done
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; exit 1; }
q() { psql -X -At -c "$1"; }

cat > "$t/c.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
redis = $AXION_TEST_REDIS_URL
spool-dir = $t/spool
pipeline = pipelines/synthetic-snapshots.pipeline

[vars]
SNAPSHOT_DIR = $t/snaps
SNAPSHOT_INTERVAL = 1
WIDTH = 320
HEIGHT = 180

[alerts]
rules = motion, name=any-motion, severity=4

[http]
listen = 127.0.0.1:0

[camera lobby]
url = synthetic://lobby

[camera gate]
url = synthetic://gate

[camera yard]
url = synthetic://yard
INI
"$run" -c "$t/c.ini" > "$t/run.out" 2>&1 &
runpid=$!
trap 'kill $runpid 2>/dev/null' EXIT
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/.*http: console and metrics at \(http:[^ ]*\).*/\1/p' "$t/run.out" | head -1)
  [ -n "$url" ] && break; sleep 0.2
done
expect_ok "the runner serves the console (${url:-none})" test -n "$url"
id=""
for _ in $(seq 150); do
  id=$(q "SELECT alert_id FROM alerts WHERE status = 'new' ORDER BY created_at LIMIT 1")
  [ -n "$id" ] && break; sleep 0.2
done
expect_ok "an alert to acknowledge (${id:-none})" test -n "$id"
# a track's best frame (axionsnapshot's tracks/ID.jpg, its path in the
# track_ended event's event_data): a thumbnail in the events feed
for _ in $(seq 100); do [ -s "$t/snaps/gate/latest.jpg" ] && break; sleep 0.2; done
mkdir -p "$t/snaps/gate/tracks"
cp "$t/snaps/gate/latest.jpg" "$t/snaps/gate/tracks/7.jpg"
q "INSERT INTO camera_events (camera_id, event_type, frame_number, event_data)
   VALUES ('gate', 'track_ended', 1, jsonb_build_object('track_id', 7,
     'snapshot_path', '$t/snaps/gate/tracks/7.jpg'))" > /dev/null
rm -rf "$art"
python3 "$here/test_console_browser.py" "$url" "$id" "$art" gate lobby yard; st=$?
expect_eq "the console in Chromium" 0 "$st"
expect_ok "screenshots kept ($art)" test -s "$art/console.png" -a -s "$art/console-acknowledged.png"
kill -INT $runpid; wait $runpid; st=$?
expect_eq "the run exits 0" 0 "$st"
finish
