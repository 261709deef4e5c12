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
# --verbose cameras (BENCH_SIZES="1280x720" runs one size; BENCH_MAX_CAMERAS
# caps N)
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

# mean over the cameras of the last cpu_ms_per_frame metric the runner
# wrote for an element since $2 (epoch seconds): the one of the 20th
# second, over the frames since the 10th — the window measured here (the
# runner writes each element's CPU per frame per 10 s)
element_ms() {
  psql -X -At -c "SELECT coalesce(round(avg(v)::numeric, 4), 0) FROM (
      SELECT DISTINCT ON (source_id) value AS v FROM system_metrics
      WHERE metric_name = '$1' AND metric_timestamp >= to_timestamp($2)
      ORDER BY source_id, metric_timestamp DESC) x" 2>/dev/null || echo 0
}

# runs N cameras of pipeline P for 21 s; prints "frames cpu_s window_s
# axion_cpu_s" over the steady window between the runner's status lines at
# 10 s and 20 s (axion_cpu_s: every Axion element's own CPU per frame, as
# its stats report it: axionmotion and axionhash their analysis,
# axiondlpusched its scheduling (not the stand-in detector's work),
# axionpgsink and axionredissink their render and worker threads)
measure() {
  local n=$1 p=$2 port=$3 args=() pid f1 f2 c1 c2 t0 mm hm dm pm rm
  for i in $(seq 1 "$n"); do args+=(--camera "c$i=rtsp://127.0.0.1:$port/cam$i"); done
  "$run" -p "$p" -d "$AXION_TEST_PG_CONNINFO" -r "$AXION_TEST_REDIS_URL" \
    --spool-dir "$t/spool" --stall-timeout 0 "${args[@]}" > "$t/run.out" 2>&1 &
  pid=$!
  t0=$(date +%s)
  sleep 10.5; c1=$(cpu_of $pid)
  sleep 10; c2=$(cpu_of $pid)
  sleep 1.5 # the status line of the 20th second is out
  kill -INT $pid; wait $pid
  # frames= of the first and second status line of every camera
  f1=$(grep 'status camera=' "$t/run.out" | awk -v n="$n" 'NR<=n' | sed 's/.*frames=\([0-9]*\).*/\1/' | paste -sd+ | bc)
  f2=$(grep 'status camera=' "$t/run.out" | awk -v n="$n" 'NR>n && NR<=2*n' | sed 's/.*frames=\([0-9]*\).*/\1/' | paste -sd+ | bc)
  u1=$(grep 'status camera=' "$t/run.out" | awk 'NR==1' | sed 's/.*uptime=\([0-9.]*\).*/\1/')
  u2=$(grep 'status camera=' "$t/run.out" | awk -v n="$n" 'NR==n+1' | sed 's/.*uptime=\([0-9.]*\).*/\1/')
  if [ -z "$f2" ] || [ -z "$u2" ]; then echo "0 $(echo "$c2 - $c1" | bc) 10 0"; return; fi
  mm=$(element_ms motion_cpu_ms_per_frame "$t0")
  hm=$(element_ms hash_cpu_ms_per_frame "$t0")
  dm=$(element_ms dlpusched_cpu_ms_per_frame "$t0")
  pm=$(element_ms pgsink_cpu_ms_per_frame "$t0")
  rm=$(element_ms redissink_cpu_ms_per_frame "$t0")
  [ "$aj_detail" = 1 ] && echo "       ms/frame: axionmotion $mm axionhash $hm axiondlpusched $dm axionpgsink $pm axionredissink $rm" >&2
  # frames in the window, CPU seconds, the window's exact length, Axion CPU
  echo "$(( f2 - ${f1:-0} )) $(echo "$c2 - $c1" | bc) $(echo "$u2 - $u1" | bc)" \
    "$(echo "scale=3; ($f2 - ${f1:-0}) * ($mm + $hm + $dm + $pm + $rm) / 1000" | bc)"
}

printf '%-6s %4s %9s %10s %8s %9s %11s %12s\n' res N frames% decode-cpu job-cpu axion-cpu share-2runs share-1run
echo "(cpu in cores; share-2runs = (job - decode-only) / decode-only from two runs;"
echo " share-1run = axion-cpu / (job - axion-cpu) within the job run, axion-cpu ="
echo " the Axion elements' own CPU per frame from their stats: axionmotion and"
echo " axionhash analysis, axiondlpusched scheduling (not the stand-in detector),"
echo " axionpgsink and axionredissink render + worker thread)"
for res in ${BENCH_SIZES:-1920x1080 1280x720}; do
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
    aj_detail=0
    read -r fd cd wd <<< "$(measure "$n" "$here/decode-only.pipeline" "$port")"
    aj_detail=1
    read -r fj cj wj aj <<< "$(measure "$n" "$here/axion-standin.pipeline" "$port")"
    aj_detail=0
    pct=$(echo "scale=1; 100 * $fj / ($n * 10 * $wj)" | bc)
    share=$(echo "scale=1; if ($cd > 0) 100 * ($cj - $cd) / $cd else 0" | bc)
    share1=$(echo "scale=1; if ($cj > $aj) 100 * $aj / ($cj - $aj) else 0" | bc)
    printf '%-6s %4d %8s%% %10.2f %8.2f %9.3f %10s%% %11s%%\n' "${h}p" "$n" "$pct" \
      "$(echo "$cd / $secs" | bc -l)" "$(echo "$cj / $secs" | bc -l)" \
      "$(echo "$aj / $secs" | bc -l)" "$share" "$share1"
    if [ "$(echo "$pct >= 99" | bc)" = 1 ]; then best=$n; else break; fi
  done
  echo "${h}p: largest N with >= 99% of frames processed: $best"
  echo quit >&3; exec 3>&-; wait $spid
done
echo "goal: >= 20 cameras at 1080p and Axion <= 15% of the decode cost (share columns)"
