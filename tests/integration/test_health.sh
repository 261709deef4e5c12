#!/usr/bin/env bash
# tools/axion-health against the real servers: healthy, a stale camera,
# an offline camera, Redis down, a bad URL; secrets never printed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
tools="$here/../../tools"
health="$tools/axion-health"
r() { redis-cli -s "$AXION_TEST_REDIS_SOCKET" "$@" >/dev/null; }

"$tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }
url="$AXION_TEST_REDIS_URL"

out=$("$health" -r "$url" 2>&1); st=$?
expect_eq "healthy servers, no cameras: exit 0" 0 "$st"
expect_ok "reports PostgreSQL healthy" grep -q '^postgres: healthy' <<< "$out"
expect_ok "reports Redis healthy" grep -q '^redis: healthy' <<< "$out"

now=$(date +%s)
r SADD axion:cameras:active cam1 cam2
r HSET axion:camera:cam1:state status online last_frame_at "$now" fps_current 10.0
r HSET axion:camera:cam2:state status online last_frame_at "$((now - 120))"
out=$("$health" -r "$url" 2>&1); st=$?
expect_eq "a stale camera: exit 1" 1 "$st"
expect_ok "names the stale camera" grep -q 'camera cam2: no frame for 1[0-9][0-9] s' <<< "$out"
expect_ok "the fresh camera is fine" grep -q 'camera cam1: online, 10.0 fps' <<< "$out"

r HSET axion:camera:cam2:state status offline last_frame_at "$now"
out=$("$health" -r "$url" 2>&1); st=$?
expect_eq "an offline camera: exit 1" 1 "$st"
expect_ok "names the offline camera" grep -q 'camera cam2: status offline' <<< "$out"
r SREM axion:cameras:active cam2

out=$("$health" -r "$url" --stale-s 300 2>&1); st=$?
expect_eq "healthy again" 0 "$st"

out=$("$health" -r "unix:///nonexistent/redis.sock?password=s3cretpw" --no-db 2>&1); st=$?
expect_eq "Redis unreachable: exit 1" 1 "$st"
expect_ok "says Redis does not answer" grep -q 'does not answer PING' <<< "$out"
expect_eq "the password is not printed" "" "$(grep -o s3cretpw <<< "$out")"

expect_fail_with "a bad URL is a usage error" "unsupported Redis URL scheme" "$health" -r "http://x" --no-db

finish
