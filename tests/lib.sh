# Tiny assertion helpers for shell tests. Source it, call the checks, end
# with `finish`: prints "N passed, N failed" for the file and exits 1 on any
# failure.
_pass=0
_fail=0

ok() { # name
  _pass=$((_pass + 1)); echo "ok - $1"
}

not_ok() { # name detail
  _fail=$((_fail + 1)); echo "not ok - $1"; [ -z "${2:-}" ] || echo "#   $2" | sed '2,$s/^/#   /'
}

expect_eq() { # name expected actual
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2], got [$3]"; fi
}

expect_ok() { # name command...
  local name=$1 out; shift
  if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

expect_fail_with() { # name pattern command...
  local name=$1 pat=$2 out; shift 2
  if out=$("$@" 2>&1); then
    not_ok "$name" "command succeeded, expected failure matching /$pat/"
  elif printf '%s' "$out" | grep -Eq -- "$pat"; then
    ok "$name"
  else
    not_ok "$name" "failed, but output did not match /$pat/: $out"
  fi
}

finish() {
  echo "# $_pass passed, $_fail failed"
  [ "$_fail" -eq 0 ]
}
