#!/usr/bin/env bash
# tools/axion-run with a wrong database password stops with exit 2 and
# says what to fix (not an endless series of camera outages); a database
# that is merely unreachable is an outage the cameras ride out (spooled),
# exit 0.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$AXION_TEST_TMPDIR
cd "$top"
"$top/tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }
q() { psql -X -At -c "$1"; }

# a role with a password, which this server (trust for everyone else)
# checks on its unix socket
q "CREATE ROLE axion_pw LOGIN PASSWORD 'right#pass'" >/dev/null
sed -i '1i local all axion_pw scram-sha-256' "$AXION_TEST_PGDATA/pg_hba.conf"
q "SELECT pg_reload_conf()" >/dev/null
# what a runner needs of the database besides its sinks' tables: its id
# node lease (docs/scaling.md); without it the runner waits for a node
q "GRANT SELECT, INSERT, UPDATE, DELETE ON axion_node_leases TO axion_pw" >/dev/null
expect_fail_with "the server checks the password" 'password authentication failed' \
  env PGPASSWORD=wrong psql -X -At -U axion_pw -c 'SELECT 1'

wrong="host=$PGHOST port=$PGPORT dbname=postgres user=axion_pw password=wrong"
start=$(date +%s)
out=$("$run" --camera pw=synthetic://p -p pipelines/synthetic-camera.pipeline \
  -d "$wrong" -r "$AXION_TEST_REDIS_URL" --spool-dir "$t/spool" \
  --stop-timeout 3 -t 60 2>&1); st=$?
took=$(( $(date +%s) - start ))
expect_eq "wrong password: exit 2" 2 "$st"
expect_ok "and a clear message" grep -q 'configuration error: .*PostgreSQL refused the connection.*password' <<< "$out"
expect_ok "at once, not at the end of the run (${took} s)" test "$took" -lt 30
expect_eq "not counted as camera outages" "" "$(grep 'camera pw offline' <<< "$out")"
expect_eq "the password is not printed" "" "$(grep -o 'password=wrong' <<< "$out")"

# the runner's own check at start-up, when no element of the pipeline
# uses the database
printf 'videotestsrc is-live=true ! video/x-raw,framerate=10/1 ! fakesink\n' > "$t/nodb.pipeline"
start=$(date +%s)
out=$("$run" --camera nodb=synthetic://n -p "$t/nodb.pipeline" -d "$wrong" \
  -r "$AXION_TEST_REDIS_URL" --stop-timeout 3 -t 60 2>&1); st=$?
took=$(( $(date +%s) - start ))
expect_eq "the runner's own connection: exit 2" 2 "$st"
expect_ok "at start-up (${took} s)" test "$took" -lt 8
expect_ok "saying what to fix" grep -q 'configuration error: PostgreSQL refused the connection: check the user, password and database' <<< "$out"

# a '#' in a password in the configuration file is part of it (no inline
# comments): the right password connects, the run goes on
cat > "$t/hash.ini" <<INI
[axion]
database = host=$PGHOST port=$PGPORT dbname=postgres user=axion_pw password=right#pass
redis = $AXION_TEST_REDIS_URL
pipeline = $t/nodb.pipeline
[camera hash]
url = synthetic://h
INI
out=$("$run" -c "$t/hash.ini" -t 3 2>&1); st=$?
expect_eq "password with '#' from the config file: accepted, exit 0" 0 "$st"
expect_eq "no configuration error" "" "$(grep 'configuration error' <<< "$out")"

# an Axion element's settings that no retry fixes (axiondlpusched without
# a detector): a configuration error too, not an outage
printf 'videotestsrc is-live=true ! video/x-raw,width=64,height=48 ! axiondlpusched ! fakesink\n' > "$t/nodet.pipeline"
out=$("$run" --camera nodet=synthetic://d -p "$t/nodet.pipeline" -d "$AXION_TEST_PG_CONNINFO" \
  -r "$AXION_TEST_REDIS_URL" --stop-timeout 3 -t 60 2>&1); st=$?
expect_eq "axiondlpusched without a detector: exit 2" 2 "$st"
expect_ok "saying so" grep -q 'configuration error: No detector set' <<< "$out"
expect_eq "no outage" "" "$(grep 'camera nodet offline' <<< "$out")"

# unreachable (no server on that socket directory): an outage, spooled.
# With the node given (AXION_NODE_ID, a single host's choice): a runner
# that leases its node from that database waits for it instead and makes
# no ids before (test_runner_lease.sh, docs/scaling.md)
# The shipped synthetic camera, its database sink's eos-timeout-ms 1 s
# instead of the default 10 s: at the end of the run EOS waits that long
# for the database that is not there (10 of this run's 14 s otherwise)
sed 's/! axionpgsink /! axionpgsink eos-timeout-ms=1000 /' \
  pipelines/synthetic-camera.pipeline > "$t/away.pipeline"
grep -q 'axionpgsink eos-timeout-ms=1000 ' "$t/away.pipeline" ||
  not_ok "the test's pipeline has eos-timeout-ms" "$(cat "$t/away.pipeline")"
out=$(AXION_NODE_ID=9 "$run" --camera away=synthetic://a -p "$t/away.pipeline" \
  -d "host=$t/nowhere dbname=postgres" -r "$AXION_TEST_REDIS_URL" \
  --spool-dir "$t/spool" -t 4 2>&1); st=$?
expect_eq "unreachable database: the run goes on, exit 0" 0 "$st"
expect_eq "no configuration error" "" "$(grep 'configuration error' <<< "$out")"
finish
