#!/usr/bin/env bash
# Builds a fuzzer with clang (libFuzzer + AddressSanitizer + UBSan) and runs
# FUZZ_RUNS inputs (default 120000, seed FUZZ_SEED=1, at most
# FUZZ_SECONDS=60) grown from its seed corpus (corpus/<corpus>/). Exit 0 =
# no crash, leak or UB; 77 (skipped) when clang is missing.
# Targets: claude_response (the axionclaude answer parser, the default),
# pg_spool and pg_journal (axionpgsink's spool parser, journal recovery),
# h264_mb (axiongate's H.264 macroblock map).
# usage: run-fuzz.sh SOURCE_DIR BUILD_DIR [TARGET]
set -euo pipefail
src=$1 build=$2 target=${3:-claude_response}
case $target in
  claude_response)
    corpus=claude
    pkgs="gstreamer-1.0 gstreamer-video-1.0 json-glib-1.0 libcurl"
    incs=("-I$src/ext/claude")
    srcs=("$src/ext/claude/axionclaudeapi.c") ;;
  pg_spool|pg_journal)
    corpus=$target
    pkgs="gstreamer-1.0 gstreamer-video-1.0"
    incs=("-I$src/ext/pq")
    srcs=("$src/ext/pq/axionpgbatch.c" "$src/ext/pq/axionpgjournal.c"
          "$src/ext/pq/axionpgspool.c" "$src/ext/pq/axionpgupgrade.c"
          # internal to libgstaxion (not exported): compiled in
          "$src/gst-libs/gst/axion/gstaxionformat.c") ;;
  h264_mb)
    corpus=h264_mb
    pkgs="glib-2.0"
    incs=("-I$src/gst/axion")
    srcs=("$src/gst/axion/axionh264mb.c" "$src/gst/axion/axionh264cabac.c"
          "$src/gst/axion/axionh264hdr.c") ;;
  *) echo "unknown fuzz target $target"; exit 2 ;;
esac
secs=${FUZZ_SECONDS:-60}
cc=$(command -v clang || true)
if [ -z "$cc" ]; then
  echo "clang not found: fuzzer skipped (apt-get install clang)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "${incs[@]}" -I"$src/gst-libs" \
  $(pkg-config --cflags $pkgs) \
  "$src/tests/fuzz/fuzz_$target.c" "${srcs[@]}" \
  -L"$build/gst-libs/gst/axion" -lgstaxion-1.0 -Wl,-rpath,"$build/gst-libs/gst/axion" \
  $(pkg-config --libs $pkgs) -lm \
  -o "$work/fuzz_$target"
mkdir -p "$work/corpus"
cp "$src"/tests/fuzz/corpus/"$corpus"/* "$work/corpus/"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
export LSAN_OPTIONS="suppressions=$src/tests/sanitizers/lsan.supp:print_suppressions=0"
export G_SLICE=always-malloc
# (files the journal harness writes go with the work directory)
export TMPDIR="$work"
# (libFuzzer's own failure exit code, 77, would read as "skipped")
status=0
# a fixed seed and number of runs: the same inputs every time (a test run
# must not depend on luck); FUZZ_SEED / FUZZ_RUNS explore further
"$work/fuzz_$target" "$work/corpus" -seed="${FUZZ_SEED:-1}" \
  -runs="${FUZZ_RUNS:-120000}" -max_total_time="$secs" \
  -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -artifact_prefix="$work/" > "$work/log" 2>&1 || status=$?
grep -v '^#[0-9]' "$work/log" | tail -n 60
if [ "$status" -ne 0 ]; then
  echo "fuzzer found a failure (exit $status); the input:"
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [ -e "$f" ] && base64 < "$f" | head -c 4000 && echo
  done
  exit 1
fi
echo "fuzzer: no failure ($(grep -o 'number_of_executed_units: [0-9]*' "$work/log"))"
