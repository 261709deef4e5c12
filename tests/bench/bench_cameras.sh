#!/usr/bin/env bash
# Benchmark (issue "the main job"): how many sample RTSP cameras one
# process sustains at 10 fps on this machine with the whole job (decode,
# axionmotion, axionhash, axiondlpusched with a 50 ms stand-in detector,
# axionpgsink, axionredissink), at 1080p and 720p: the largest N with
# >= 99% of the frames processed; and the CPU of decoding alone against the
# whole job (Axion's share = (job - decode) / decode), measured in the same
# run. Goal: >= 20 cameras at 1080p; Axion <= 15% of the decode cost.
# Each point: 10 s warm-up, then 10 s measured (frames and CPU of the
# runner process). Run: meson test -C build --benchmark --suite bench
# --verbose cameras
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
b=${AXION_BUILD_DIR:?}
run="$b/tools/axion-run"; srv="$b/tools/axion-rtsp-server"
secs=10 # the measured window (after 10 s of warm-up)
export GST_PLUGIN_PATH="$b/gst/axion:$b/ext/pq:$b/ext/redis:$b/tests/check"
t=$AXION_TEST_TMPDIR
"$top/tools/axion-db" migrate >/dev/null

cpu_of() { # pid -> user+sys seconds
  awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"
}

# runs N cameras of pipeline P for 21 s; prints "frames cpu_s" over the
# steady window between the runner's status lines at 10 s and 20 s
measure() {
  local n=$1 p=$2 port=$3 args=() pid f1 f2 c1 c2
  for i in $(seq 1 "$n"); do args+=(--camera "c$i=rtsp://127.0.0.1:$port/cam$i"); done
  "$run" -p "$p" -d "$AXION_TEST_PG_CONNINFO" -r "$AXION_TEST_REDIS_URL" \
    --spool-dir "$t/spool" --stall-timeout 0 "${args[@]}" > "$t/run.out" 2>&1 &
  pid=$!
  sleep 10.5; c1=$(cpu_of $pid)
  sleep 10; c2=$(cpu_of $pid)
  sleep 1.5 # the status line of the 20th second is out
  kill -INT $pid; wait $pid
  # frames= of the first and second status line of every camera
  f1=$(grep 'status camera=' "$t/run.out" | awk -v n="$n" 'NR<=n' | sed 's/.*frames=\([0-9]*\).*/\1/' | paste -sd+ | bc)
  f2=$(grep 'status camera=' "$t/run.out" | awk -v n="$n" 'NR>n && NR<=2*n' | sed 's/.*frames=\([0-9]*\).*/\1/' | paste -sd+ | bc)
  u1=$(grep 'status camera=' "$t/run.out" | awk 'NR==1' | sed 's/.*uptime=\([0-9.]*\).*/\1/')
  u2=$(grep 'status camera=' "$t/run.out" | awk -v n="$n" 'NR==n+1' | sed 's/.*uptime=\([0-9.]*\).*/\1/')
  if [ -z "$f2" ] || [ -z "$u2" ]; then echo "0 $(echo "$c2 - $c1" | bc) 10"; return; fi
  # frames in the window, CPU seconds, and the window's exact length
  echo "$(( f2 - ${f1:-0} )) $(echo "$c2 - $c1" | bc) $(echo "$u2 - $u1" | bc)"
}

printf '%-6s %4s %9s %9s %10s %10s %12s\n' res N frames% decode-cpu job-cpu axion-share "(cpu in cores)"
for res in 1920x1080 1280x720; do
  w=${res%x*} h=${res#*x}
  max=${BENCH_MAX_CAMERAS:-24}
  mkfifo "$t/ctl.$w"
  "$srv" -n "$max" --width "$w" --height "$h" --seconds 5 --port 0 \
    --cache "${XDG_CACHE_HOME:-$HOME/.cache}/axion/cameras" < "$t/ctl.$w" > "$t/srv.$w" 2>&1 &
  spid=$!
  exec 3> "$t/ctl.$w"
  for _ in $(seq 3000); do grep -q 'cameras at' "$t/srv.$w" && break; sleep 0.2; done
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\)\/cam1.*/\1/p' "$t/srv.$w")
  best=0
  for n in 1 2 4 6 8 10 12 16 20 24; do
    [ "$n" -le "$max" ] || break
    read -r fd cd wd <<< "$(measure "$n" "$here/decode-only.pipeline" "$port")"
    read -r fj cj wj <<< "$(measure "$n" "$here/axion-standin.pipeline" "$port")"
    pct=$(echo "scale=1; 100 * $fj / ($n * 10 * $wj)" | bc)
    share=$(echo "scale=1; if ($cd > 0) 100 * ($cj - $cd) / $cd else 0" | bc)
    printf '%-6s %4d %8s%% %9.2f %10.2f %9s%%\n' "${h}p" "$n" "$pct" \
      "$(echo "$cd / $secs" | bc -l)" "$(echo "$cj / $secs" | bc -l)" "$share"
    if [ "$(echo "$pct >= 99" | bc)" = 1 ]; then best=$n; else break; fi
  done
  echo "${h}p: largest N with >= 99% of frames processed: $best"
  echo quit >&3; exec 3>&-; wait $spid
done
echo "goal: >= 20 cameras at 1080p and Axion <= 15% of the decode cost (see the axion-share column)"
