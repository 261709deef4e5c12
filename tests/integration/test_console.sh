#!/usr/bin/env bash
# axion-run's HTTP server and axionsnapshot end to end, on the real
# servers, with real HTTP requests against a running runner: two sample
# RTSP cameras (tools/axion-rtsp-server) and a synthetic one.
#   /healthz, /readyz (axion-health's judgement), /metrics (promtool check
#   metrics; scraped by a real Prometheus: a PromQL query returns every
#   camera), the console's API (cameras with snapshots, alert acknowledge
#   and resolve -> alerts row + audit_log row), the token (required beyond
#   loopback; 401 without it), snapshots row-exact (every motion start and
#   alert has its JPEG, its path in frame_metadata.storage_path and
#   alert_data.snapshot_path), the snapshot bounds (size, age), and every
#   Grafana panel's query (dashboards/) against the data.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
srv="${AXION_BUILD_DIR}/tools/axion-rtsp-server"
t=$AXION_TEST_TMPDIR
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; exit 1; }
q() { psql -X -At -c "$1"; }
get() { curl -s --max-time 10 "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
cleanup() {
  [ -n "${runpid:-}" ] && kill "$runpid" 2>/dev/null
  [ -n "${srvpid:-}" ] && { echo quit >&3; } 2>/dev/null
  true
}
trap cleanup EXIT

# ---- configuration errors (exit 2, before anything starts) ---------------
cfg() { printf '%s\n' "[axion]" "pipeline = pipelines/synthetic-camera.pipeline" "[camera c1]" "url = x" "[http]" "$@" > "$t/bad.ini"; }
cfg "listen = 0.0.0.0:0"
expect_fail_with "beyond loopback without a token: refused" 'listen on 0.0.0.0 is reachable from other machines: set token-file' "$run" -c "$t/bad.ini" --check
cfg "listen = 127.0.0.1:0" "token = short"
expect_fail_with "a short token: refused (never quoted)" 'bad.ini:7: token: the token is shorter than 16 characters' "$run" -c "$t/bad.ini" --check
cfg "listen = localhost:x"
expect_fail_with "a bad listen address: file and line" 'bad.ini:6: listen "localhost:x" is not PORT' "$run" -c "$t/bad.ini" --check
cfg "listen = 0" "frobnicate = 1"
expect_fail_with "unknown [http] key" 'unknown key "frobnicate" in \[http\]' "$run" -c "$t/bad.ini" --check

# ---- the sample cameras ---------------------------------------------------
[ -x "$srv" ] || { not_ok "axion-rtsp-server" "not built"; finish; exit 1; }
mkfifo "$t/ctl"
"$srv" -n 2 --width 320 --height 240 --port 0 --cache "$t/cameras" < "$t/ctl" > "$t/srv.log" 2>&1 &
srvpid=$!
exec 3> "$t/ctl"
port=$(rtsp_port "$t/srv.log")
[ -n "$port" ] || { not_ok "the RTSP server listens" "$(cat "$t/srv.log")"; finish; exit 1; }

snaps=$t/snaps
cat > "$t/c.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
redis = $AXION_TEST_REDIS_URL
spool-dir = $t/spool
pipeline = pipelines/camera-snapshots.pipeline

[vars]
SNAPSHOT_DIR = $snaps
SNAPSHOT_INTERVAL = 2

[alerts]
rules = motion, name=any-motion, severity=4, cooldown-s=5, clear-ms=500

[http]
listen = 127.0.0.1:0

[camera rtsp1]
url = rtsp://127.0.0.1:$port/cam1

[camera rtsp2]
url = rtsp://127.0.0.1:$port/cam2

# a frame_metadata row every 100000th frame only: its snapshot frames
# still get theirs
[camera synth]
url = synthetic://s
pipeline = pipelines/synthetic-snapshots.pipeline
FRAME_INTERVAL = 100000
INI
"$run" -c "$t/c.ini" > "$t/run.out" 2>&1 &
runpid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/.*http: console and metrics at \(http:[^ ]*\).*/\1/p' "$t/run.out" | head -1)
  [ -n "$url" ] && break; sleep 0.2
done
expect_ok "the runner says where it listens (${url:-none})" test -n "$url"
expect_ok "on loopback" grep -q '^http://127.0.0.1:' <<< "$url"

# ---- health ---------------------------------------------------------------
# (the cameras' pipelines are built on the main loop right after the URL
# is printed: seconds under the sanitizers)
live=000
for _ in $(seq 30); do live=$(code "${url}healthz"); [ "$live" = 200 ] && break; sleep 0.5; done
expect_eq "/healthz: 200" 200 "$live"
ready=000
for _ in $(seq 100); do ready=$(code "${url}readyz"); [ "$ready" = 200 ] && break; sleep 0.2; done
expect_eq "/readyz: 200 once every camera streams" 200 "$ready"
body=$(get "${url}readyz")
for cam in rtsp1 rtsp2 synth; do
  expect_ok "/readyz judges $cam (axion-health's words)" grep -q "^camera $cam: online, [0-9]* fps, last frame [0-9]* s ago" <<< "$body"
done

# ---- /metrics ---------------------------------------------------------------
# every camera has taken its first snapshot (motion starts at once)
for _ in $(seq 100); do
  [ "$(get "${url}api/cameras" | grep -o '"snapshot":"/snapshots/' | wc -l)" = 3 ] && break
  sleep 0.2
done
get "${url}metrics" > "$t/metrics.txt"
if command -v promtool >/dev/null; then
  expect_ok "promtool check metrics: the text format and naming conventions" bash -c "promtool check metrics < '$t/metrics.txt'"
else
  not_ok "promtool" "not installed (apt-get install prometheus; tools/axion-deps)"
fi
for cam in rtsp1 rtsp2 synth; do
  expect_ok "$cam is up" grep -qx "axion_camera_up{camera=\"$cam\"} 1" "$t/metrics.txt"
  n=$(sed -n "s/^axion_camera_frames_total{camera=\"$cam\"} \([0-9]*\)$/\1/p" "$t/metrics.txt")
  expect_ok "$cam: frames counted (${n:-none})" test "${n:-0}" -gt 0
done
# the RTSP cameras decode through axiongate: what they sent and what was
# decoded (never more than sent)
for cam in rtsp1 rtsp2; do
  rx=$(sed -n "s/^axion_gate_frames_received_total{camera=\"$cam\"} \([0-9]*\)$/\1/p" "$t/metrics.txt")
  dec=$(sed -n "s/^axion_gate_frames_decoded_total{camera=\"$cam\"} \([0-9]*\)$/\1/p" "$t/metrics.txt")
  expect_ok "$cam: axiongate received ${rx:-none}, decoded ${dec:-none}" \
    test "${dec:-0}" -gt 0 -a "${rx:-0}" -ge "${dec:-0}"
done
for m in axion_camera_frames_per_second axion_camera_outages_total axion_motion_events_total \
         axion_motion_score_ratio axion_db_lag_seconds axion_db_spool_bytes axion_db_rows_dropped_total \
         axion_redis_pending_events axion_redis_dropped_events_total axion_snapshots_written_total \
         process_cpu_seconds_total process_resident_memory_bytes; do
  expect_ok "$m exposed" grep -q "^# TYPE $m " "$t/metrics.txt"
done
expect_eq "a POST to /metrics is refused" 405 "$(code -X POST "${url}metrics")"
# every connection's descriptor is given back (libsoup 3.2 keeps the ones
# a client closes: the server closes them itself)
fds() { get "${url}metrics" | sed -n 's/^process_open_fds \([0-9]*\)$/\1/p'; }
f0=$(fds)
for _ in $(seq 40); do get "${url}healthz" > /dev/null; done
f1=$(fds)
expect_ok "40 requests leave no descriptors behind (${f0:-?} -> ${f1:-?} open)" test "${f1:-999}" -lt "$((${f0:-0} + 20))"

# ---- a real Prometheus scrapes it -------------------------------------------
# (started by tests/fixtures/with-servers --prometheus; told the target now)
prom_url=${AXION_TEST_PROMETHEUS_URL:-}
if [ -n "$prom_url" ]; then
  hostport=${url#http://}; hostport=${hostport%/}
  "$top/tests/fixtures/prometheus-scrape" "$hostport"
  cams=""
  for _ in $(seq 150); do
    cams=$(get "$prom_url/api/v1/query" --data-urlencode 'query=axion_camera_up == 1' 2>/dev/null |
      python3 -c 'import json,sys; print(" ".join(sorted(r["metric"]["camera"] for r in json.load(sys.stdin)["data"]["result"])))' 2>/dev/null)
    [ "$cams" = "rtsp1 rtsp2 synth" ] && break; sleep 0.2
  done
  expect_eq "PromQL axion_camera_up == 1 returns every camera" "rtsp1 rtsp2 synth" "$cams"
else
  not_ok "prometheus" "not started (run under tests/fixtures/with-servers --prometheus)"
fi

# ---- the console's API ------------------------------------------------------
get "${url}api/cameras" > "$t/cameras.json"
for cam in rtsp1 rtsp2 synth; do
  snap=$(python3 -c 'import json,sys; print(next(c["snapshot"] or "" for c in json.load(open(sys.argv[1])) if c["id"] == sys.argv[2]))' "$t/cameras.json" "$cam")
  expect_ok "$cam has a latest snapshot ($snap)" test -n "$snap"
  get "${url}${snap#/}" > "$t/$cam.jpg"
  expect_eq "$cam: the snapshot is served as a JPEG" "ffd8ff" "$(head -c 3 "$t/$cam.jpg" | od -An -tx1 | tr -d ' \n')"
done
expect_eq "no way out of the snapshot root" 404 "$(code --path-as-is "${url}snapshots/../../../etc/passwd.jpg")"
expect_eq "only snapshots under /snapshots/" 404 "$(code "${url}snapshots/rtsp1")"
expect_eq "the console's page" 200 "$(code "${url}")"
expect_ok "events from PostgreSQL" bash -c "curl -s '${url}api/events' | grep -q '\"event_type\":\"motion\"'"
# a track's best frame (track_ended's event_data.snapshot_path) as the
# event's snapshot; a path outside the snapshot directory is none, and a
# link under it to a file elsewhere is not served
mkdir -p "$snaps/synth/tracks"
cp "$snaps/synth/latest.jpg" "$snaps/synth/tracks/7.jpg"
ln -s /etc/passwd "$snaps/synth/tracks/8.jpg"
q "INSERT INTO camera_events (camera_id, event_type, frame_number, event_data) VALUES
   ('synth', 'track_ended', 1, jsonb_build_object('track_id', 7, 'snapshot_path', '$snaps/synth/tracks/7.jpg')),
   ('synth', 'track_ended', 2, jsonb_build_object('track_id', 9, 'snapshot_path', '/etc/passwd'))" > /dev/null
tracks=$(get "${url}api/events" | python3 -c 'import json,sys; print(" ".join(sorted(str(e["snapshot"]) for e in json.load(sys.stdin) if e["event_type"] == "track_ended")))')
expect_eq "track_ended events: the best frame's URL, none outside the snapshot directory" "/snapshots/synth/tracks/7.jpg None" "$tracks"
expect_eq "the best frame is served as a JPEG" "ffd8ff" "$(get "${url}snapshots/synth/tracks/7.jpg" | head -c 3 | od -An -tx1 | tr -d ' \n')"
expect_eq "a link out of the snapshot directory: 404" 404 "$(code "${url}snapshots/synth/tracks/8.jpg")"
rm -rf "$snaps/synth/tracks"

# an alert: acknowledge, again (refused), resolve; each an audit_log row
id=""
for _ in $(seq 100); do
  id=$(q "SELECT alert_id FROM alerts WHERE status = 'new' AND alert_data->>'rule' = 'any-motion' ORDER BY created_at LIMIT 1")
  [ -n "$id" ] && break; sleep 0.2
done
expect_ok "a motion alert was raised (${id:-none})" test -n "$id"
J=(-H 'Content-Type: application/json')
expect_eq "an action without a JSON body type is refused (no cross-site forms)" 415 "$(code -X POST "${url}api/alerts/$id/acknowledge")"
expect_eq "acknowledge: 200" 200 "$(code -X POST "${J[@]}" -d '{"user":"alice"}' "${url}api/alerts/$id/acknowledge")"
expect_eq "acknowledged in PostgreSQL, by alice" "acknowledged|alice|t" "$(q "SELECT status, acknowledged_by, acknowledged_at IS NOT NULL FROM alerts WHERE alert_id = $id")"
expect_eq "one audit_log row" "acknowledge|alice|new|acknowledged" "$(q "SELECT action, user_id, changes_made->>'old_status', changes_made->>'new_status' FROM audit_log WHERE entity_type = 'alert' AND entity_id = '$id'")"
expect_eq "acknowledge twice: 409" 409 "$(code -X POST "${J[@]}" -d '{}' "${url}api/alerts/$id/acknowledge")"
expect_eq "resolve: 200" 200 "$(code -X POST "${J[@]}" -d '{}' "${url}api/alerts/$id/resolve")"
expect_eq "resolved in PostgreSQL" "resolved|console" "$(q "SELECT status, resolved_by FROM alerts WHERE alert_id = $id")"
expect_eq "two audit_log rows" 2 "$(q "SELECT count(*) FROM audit_log WHERE entity_type = 'alert' AND entity_id = '$id'")"
expect_eq "an unknown alert: 404" 404 "$(code -X POST "${J[@]}" -d '{}' "${url}api/alerts/12345/acknowledge")"
expect_ok "the alert's snapshot in the API" bash -c "curl -s '${url}api/alerts' | grep -q '\"snapshot\":\"/snapshots/'"

# the Grafana PromQL is evaluated at this moment (the runner's series go
# stale once it stops)
prom_time=$(date +%s.%N)
sleep 1
kill -INT "$runpid"; wait "$runpid"; st=$?; runpid=""
expect_eq "SIGINT: the run exits 0" 0 "$st"

# ---- snapshots, row-exact ---------------------------------------------------
n=$(q "SELECT count(*) FROM camera_events WHERE event_type = 'motion' AND event_phase = 'start'")
expect_ok "motion started ($n events)" test "$n" -ge 3
expect_eq "every motion start has its snapshot path in frame_metadata" 0 "$(q "
  SELECT count(*) FROM camera_events e WHERE e.event_type = 'motion' AND e.event_phase = 'start'
    AND NOT EXISTS (SELECT 1 FROM frame_metadata f WHERE f.camera_id = e.camera_id
      AND f.frame_number = e.frame_number AND f.storage_location = 'local'
      AND f.storage_path LIKE '$snaps/' || e.camera_id || '/%.jpg')")"
expect_eq "synth (frame-interval 100000): frame 0 and its snapshot frames only" \
  "$(q "SELECT count(*) FROM frame_metadata WHERE camera_id = 'synth' AND (frame_number = 0 OR storage_path IS NOT NULL)")" \
  "$(q "SELECT count(*) FROM frame_metadata WHERE camera_id = 'synth'")"
expect_ok "synth's motion start has its row all the same" test "$(q "SELECT count(*) FROM frame_metadata WHERE camera_id = 'synth' AND storage_path IS NOT NULL")" -ge 1
expect_eq "a snapshot's row expires with its file (max-age 7 days, host clock)" 0 "$(q "
  SELECT count(*) FROM frame_metadata WHERE storage_path IS NOT NULL
    AND NOT expires_at BETWEEN now() + interval '7 days' - interval '10 minutes' AND now() + interval '7 days'")"
expect_eq "frames without a snapshot never expire" 0 "$(q "SELECT count(*) FROM frame_metadata WHERE storage_path IS NULL AND expires_at IS NOT NULL")"
expect_eq "frames without a snapshot say storage_location 'none'" 0 "$(q "SELECT count(*) FROM frame_metadata WHERE (storage_location = 'none') <> (storage_path IS NULL)")"
na=$(q "SELECT count(*) FROM alerts WHERE alert_data->>'rule' = 'any-motion'")
expect_ok "alerts were raised ($na)" test "$na" -ge 3
expect_eq "every alert's alert_data.snapshot_path is its frame's storage_path" 0 "$(q "
  SELECT count(*) FROM alerts a WHERE alert_data->>'rule' = 'any-motion' AND NOT EXISTS (
    SELECT 1 FROM frame_metadata f WHERE f.camera_id = a.camera_id
      AND f.frame_number = (a.alert_data->>'frame_number')::bigint
      AND f.storage_path = a.alert_data->>'snapshot_path'
      AND f.storage_path LIKE '%-alert.jpg')")"
bad=0 files=0
while read -r p; do
  files=$((files + 1))
  [ "$(head -c 3 "$p" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = ffd8ff ] || { bad=$((bad + 1)); echo "# missing or not a JPEG: $p"; }
done < <(q "SELECT storage_path FROM frame_metadata WHERE storage_path IS NOT NULL")
expect_ok "snapshot rows ($files: one per motion start)" test "$files" -ge 3
expect_eq "every path in frame_metadata is a JPEG on disk" 0 "$bad"
expect_eq "and nothing on disk without a row" "" "$(comm -13 <(q "SELECT storage_path FROM frame_metadata WHERE storage_path IS NOT NULL" | sort) <(find "$snaps" -name '*.jpg' ! -name latest.jpg | sort))"

# ---- Grafana: every panel's query against this data ---------------------------
python3 "$here/test_console_dashboards.py" "$top/dashboards" ${prom_url:+--prom "$prom_url" --time "$prom_time"}; st=$?
expect_eq "every dashboard query runs (SQL on PostgreSQL, PromQL on Prometheus)" 0 "$st"

# ---- the token --------------------------------------------------------------
tok=s3cret-token-0123456789abcdef
cat > "$t/tok.ini" <<INI
[axion]
database = $AXION_TEST_PG_CONNINFO
redis = $AXION_TEST_REDIS_URL
spool-dir = $t/spool
pipeline = pipelines/synthetic-snapshots.pipeline
[http]
listen = 127.0.0.1:0
token = $tok
[camera tok1]
url = synthetic://t
INI
# SNAPSHOT_DIR from the environment (as tools/axion-demo gives it)
SNAPSHOT_DIR=$t/envsnaps SNAPSHOT_INTERVAL=1 "$run" -c "$t/tok.ini" -t 30 > "$t/tok.out" 2>&1 &
runpid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/.*http: console and metrics at \(http:[^ ]*\).*/\1/p' "$t/tok.out" | head -1)
  [ -n "$url" ] && break; sleep 0.2
done
for _ in $(seq 30); do [ "$(code "${url}healthz")" = 200 ] && break; sleep 0.5; done
expect_eq "token: /metrics without it is 401" 401 "$(code "${url}metrics")"
expect_eq "token: a wrong one is 401" 401 "$(code -H "Authorization: Bearer ${tok}x" "${url}metrics")"
expect_eq "token: the console's API without it is 401" 401 "$(code "${url}api/cameras")"
expect_eq "token: /metrics with the bearer token" 200 "$(code -H "Authorization: Bearer $tok" "${url}metrics")"
expect_eq "token: ?token= (images, the page)" 200 "$(code "${url}api/cameras?token=$tok")"
expect_eq "token: /healthz stays open (liveness probes)" 200 "$(code "${url}healthz")"
snap=""
for _ in $(seq 50); do
  snap=$(get "${url}api/cameras?token=$tok" | sed -n 's/.*"snapshot":"\([^"]*\)".*/\1/p')
  [ -n "$snap" ] && break; sleep 0.2
done
expect_ok "SNAPSHOT_DIR from the environment: served (${snap:-none})" test -n "$snap"
expect_eq "an image with ?token=" 200 "$(code "${url}${snap#/}&token=$tok")"
kill -INT "$runpid"; wait "$runpid"; runpid=""
expect_eq "the token is never printed" "" "$(grep -o "$tok" "$t/tok.out")"

# ---- the snapshot bounds: size and age ----------------------------------------
d=$t/bound/bcam/2020-01-01
mkdir -p "$d"
for i in 1 2 3 4 5; do head -c 100000 /dev/zero > "$d/old$i.jpg"; touch -d "-$((10 - i)) minutes" "$d/old$i.jpg"; done
head -c 100000 /dev/zero > "$d/ancient.jpg"; touch -d '-3 days' "$d/ancient.jpg"
GST_DEBUG=axionsnapshot:2 gst-launch-1.0 -q videotestsrc num-buffers=30 pattern=ball animation-mode=frames \
  ! video/x-raw,width=320,height=240,framerate=10/1 ! axionmotion camera-id=bcam \
  ! axionsnapshot location="$t/bound" max-bytes=250000 max-age=86400 interval=0 ! fakesink > "$t/bound.out" 2>&1
expect_eq "the bound run ends cleanly" 0 "$?"
expect_ok "older than max-age: deleted" test ! -e "$d/ancient.jpg"
total=$(find "$t/bound/bcam" -name '*.jpg' ! -name latest.jpg -printf '%s\n' | awk '{s += $1} END {print s + 0}')
expect_ok "the camera's snapshots within max-bytes ($total <= 250000)" test "$total" -le 250000
expect_ok "the oldest went first" test ! -e "$d/old1.jpg" -a -e "$d/old5.jpg"
expect_ok "the new motion snapshot is kept" bash -c "ls '$t'/bound/bcam/*/*-motion.jpg"

finish
