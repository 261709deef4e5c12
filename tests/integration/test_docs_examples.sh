#!/usr/bin/env bash
# Every example of the documentation works as written (README.md,
# docs/**/*.md; tests/integration/doc_examples.py extracts them):
# - each ```ini block is an axion-run configuration that loads and
#   validates (axion-run --check: the file's rules, every number's unit
#   and range, every pipeline file expands and parses); a fragment without
#   cameras is checked with one camera (and a database) added on the
#   command line;
# - each pipeline shown (gst-launch-1.0 lines, "... !" fragments, plain
#   pipeline blocks) parses with the build's plugins (elements, properties,
#   links), placeholders replaced by harmless values.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
run="${AXION_BUILD_DIR:?}/tools/axion-run"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/doc"
cd "$top"

list=$(python3 "$here/doc_examples.py" "$top" "$t/doc") || { not_ok "extract the examples" "$list"; finish; }
n_ini=0 n_pipe=0
while IFS=$'\t' read -r name origin; do
  f="$t/doc/$name"
  case "$name" in
    ini-*)
      n_ini=$((n_ini + 1))
      extra=()
      grep -q '^\[camera ' "$f" || extra+=(--camera doc=rtsp://127.0.0.1:1/x)
      grep -q '^pipeline *=' "$f" || extra+=(-p pipelines/camera-basic.pipeline)
      grep -q '^database *=' "$f" || extra+=(-d dbname=axion)
      out=$("$run" -c "$f" "${extra[@]}" --check 2>&1) ;;
    *)
      n_pipe=$((n_pipe + 1))
      out=$("$run" --camera doc=rtsp://127.0.0.1:1/x -p "$f" -d dbname=axion --check 2>&1) ;;
  esac
  if [ $? = 0 ]; then
    ok "$origin ($name)"
  else
    not_ok "$origin ($name)" "$(cat "$f")
$out"
  fi
done <<< "$list"
expect_ok "configuration examples found ($n_ini)" test "$n_ini" -ge 2
expect_ok "pipelines found ($n_pipe)" test "$n_pipe" -ge 8
finish
