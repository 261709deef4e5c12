#!/usr/bin/env bash
# The Dockerfile cannot be built here (no registry to pull debian:bookworm
# from), so this checks what can be checked without building it:
#   - every package of its build stage is one tools/axion-deps installs (the
#     build the tests exercise is the build the image makes)
#   - every package of both stages exists in Debian bookworm (apt-cache;
#     skipped when this machine has no package lists)
#   - every -D option it gives meson exists in meson_options.txt
#   - its stages install with meson and copy the prefix it installed
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
top=$(cd "$here/../.." && pwd)
df=$top/Dockerfile

# the packages of each `apt-get install` (one per stage), in order
stage_packages() { # n (1 = build, 2 = runtime)
  awk -v want="$1" '
    /apt-get install/ { n++; on = (n == want); next }
    on && /&&/ { on = 0 }
    on { gsub(/\\/, ""); for (i = 1; i <= NF; i++) print $i }' "$df"
}
deps=$(sed -n '/^packages=(/,/^)/p' "$top/tools/axion-deps" | sed 's/#.*//' | tr ' ' '\n' | grep -v '^packages=(\|^)$\|^$')

build_pkgs=$(stage_packages 1)
run_pkgs=$(stage_packages 2)
[ -n "$build_pkgs" ] && ok "build stage lists packages" || not_ok "build stage lists packages" "none found"
[ -n "$run_pkgs" ] && ok "runtime stage lists packages" || not_ok "runtime stage lists packages" "none found"
for p in $build_pkgs; do
  if printf '%s\n' "$deps" | grep -qx -- "$p"; then :; else
    not_ok "build package $p is in tools/axion-deps" "missing there"
    continue
  fi
done
ok "build stage packages checked against tools/axion-deps ($(echo $build_pkgs | wc -w))"

# one apt-cache call (each takes 1-3 s)
policy=$(apt-cache policy bash $build_pkgs $run_pkgs 2>/dev/null |
  awk '/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) } /Candidate:/ { print p, $2 }')
if printf '%s\n' "$policy" | grep -q '^bash [0-9]'; then
  for p in $build_pkgs $run_pkgs; do
    c=$(printf '%s\n' "$policy" | awk -v p="$p" '$1 == p { print $2 }')
    if [ -z "$c" ] || [ "$c" = "(none)" ]; then not_ok "package $p exists" "apt-cache has no candidate"; fi
  done
  ok "every package is known to apt ($(echo $build_pkgs $run_pkgs | wc -w))"
else
  echo "ok - apt-cache has no package lists: package names not checked # SKIP"
fi

for o in $(grep -o -- '-D[a-z_-]*=' "$df" | sed 's/^-D//; s/=$//' | sort -u); do
  case "$o" in buildtype|prefix) continue ;; esac
  if grep -q "^option('$o'" "$top/meson_options.txt"; then ok "meson option -D$o exists"
  else not_ok "meson option -D$o exists" "not in meson_options.txt"; fi
done
expect_ok "build stage installs into /staging" grep -q 'DESTDIR=/staging meson install' "$df"
expect_ok "runtime stage copies /staging" grep -q 'COPY --from=build /staging/ /' "$df"
expect_ok "bookworm base only" test "$(grep '^FROM' "$df" | grep -vc 'debian:bookworm')" = 0
finish
