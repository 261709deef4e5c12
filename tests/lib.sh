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

# the port of tools/axion-rtsp-server writing its log to LOG, once it
# listens (empty when it did not within 60 s)
rtsp_port() { # log
  for _ in $(seq 300); do grep -q 'cameras at' "$1" && break; sleep 0.2; done
  sed -n 's/.*127.0.0.1:\([0-9]*\)\/cam1.*/\1/p' "$1"
}

finish() {
  echo "# $_pass passed, $_fail failed"
  [ "$_fail" -eq 0 ]
}
