#!/usr/bin/env bash
# Integration test of the test fixtures themselves: the servers are real
# PostgreSQL 15 and Redis 7, and they are always stopped and removed - after
# success, failure and interruption.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
ws="$here/../fixtures/with-servers"

expect_eq "PostgreSQL is version 15" "15" "$(psql -X -At -c 'SHOW server_version' | cut -d. -f1)"
expect_eq "PostgreSQL listens on a unix socket only" "" "$(psql -X -At -c 'SHOW listen_addresses')"
expect_eq "Redis is version 7" "7" "$(redis-cli -s "$AXION_TEST_REDIS_SOCKET" info server | tr -d '\r' | sed -n 's/^redis_version:\([0-9]*\).*/\1/p')"
expect_eq "Redis answers on its socket" "PONG" "$(redis-cli -s "$AXION_TEST_REDIS_SOCKET" ping)"
expect_eq "Redis URL names the socket" "unix://$AXION_TEST_REDIS_SOCKET" "$AXION_TEST_REDIS_URL"

# A nested run: it must get its own directory and servers.
probe_script='
    echo "$AXION_TEST_TMPDIR $(head -n1 "$AXION_TEST_TMPDIR/pg/postmaster.pid") $(cat "$AXION_TEST_TMPDIR/redis.pid")" > "$0"
    psql -X -At -c "CREATE TABLE t (x int)" >/dev/null || exit 9
    [ -n "${1:-}" ] && exec sleep "$1"
    exit "${2:-0}"'
probe() { # file [sleep] [exit]: records the nested run's dir, postmaster pid and redis pid
  "$ws" --pg --redis -- bash -c "$probe_script" "$@"
}

gone() { # dir pgpid redispid -> "gone" when nothing is left
  local d=$1 p=$2 r=$3
  for _ in $(seq 50); do
    if [ ! -e "$d" ] && ! kill -0 "$p" 2>/dev/null && ! kill -0 "$r" 2>/dev/null; then echo gone; return; fi
    sleep 0.1
  done
  echo "left: dir=$([ -e "$d" ] && echo yes) pg=$(kill -0 "$p" 2>/dev/null && echo alive) redis=$(kill -0 "$r" 2>/dev/null && echo alive)"
}

f=$(mktemp)
probe "$f" "" 0; rc=$?
read -r d p r < "$f"
expect_eq "nested run succeeded" "0" "$rc"
[ "$d" != "$AXION_TEST_TMPDIR" ] && ok "nested run has its own directory" || not_ok "nested run has its own directory" "$d"
expect_eq "nested run: tables of the outer server untouched" "f" "$(psql -X -At -c "SELECT to_regclass('t') IS NOT NULL")"
expect_eq "after success everything is stopped and removed" "gone" "$(gone "$d" "$p" "$r")"

probe "$f" "" 7; rc=$?
read -r d p r < "$f"
expect_eq "a failing command's exit status is passed on" "7" "$rc"
expect_eq "after failure everything is stopped and removed" "gone" "$(gone "$d" "$p" "$r")"

: > "$f"
"$ws" --pg --redis -- bash -c "$probe_script" "$f" 300 &
bg=$!
for _ in $(seq 200); do [ -s "$f" ] && break; sleep 0.1; done
read -r d p r < "$f"
kill -TERM "$bg"
wait "$bg"; rc=$?
expect_eq "interrupted run exits 143" "143" "$rc"
expect_eq "after SIGTERM everything is stopped and removed" "gone" "$(gone "$d" "$p" "$r")"
rm -f "$f"

finish
