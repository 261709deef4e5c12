# Shared by tools/axion-health and tools/axion-db (sourced, not run):
# parse_redis URL sets redis_args (redis-cli connection options) and
# redis_pass; rcli ARGS... runs redis-cli with them. The password goes to
# redis-cli through REDISCLI_AUTH, never on its command line.
#   redis://[user:password@]host[:port][/db]   unix:///path?db=N&password=P
redis_args=()
redis_pass=""
parse_redis() {
  local u=$1 rest q
  case "$u" in
    unix://*)
      rest=${u#unix://}; q=""
      [[ "$rest" == *\?* ]] && { q=${rest#*\?}; rest=${rest%%\?*}; }
      redis_args=(-s "$rest")
      local kv
      IFS='&' read -ra kvs <<< "$q"
      for kv in "${kvs[@]:-}"; do
        case "$kv" in
          db=*) redis_args+=(-n "${kv#db=}") ;;
          password=*) redis_pass=${kv#password=} ;;
        esac
      done ;;
    redis://*)
      rest=${u#redis://}
      local auth="" hostport db=0 user=""
      if [[ "$rest" == *@* ]]; then auth=${rest%%@*}; rest=${rest#*@}; fi
      hostport=${rest%%/*}
      [[ "$rest" == */* ]] && db=${rest#*/}
      [ -n "$db" ] || db=0
      if [ -n "$auth" ]; then
        if [[ "$auth" == *:* ]]; then user=${auth%%:*}; redis_pass=${auth#*:}; else redis_pass=$auth; fi
      fi
      redis_args=(-h "${hostport%%:*}" -n "$db")
      [[ "$hostport" == *:* ]] && redis_args+=(-p "${hostport##*:}")
      [ -n "$user" ] && redis_args+=(--user "$user")
      ;;
    *) die "unsupported Redis URL scheme (use redis:// or unix://)" ;;
  esac
}
rcli() {
  if [ -n "$redis_pass" ]; then
    REDISCLI_AUTH="$redis_pass" redis-cli --no-auth-warning "${redis_args[@]}" "$@" 2>&1
  else
    redis-cli "${redis_args[@]}" "$@" 2>&1
  fi
}
# the URL without its password, for messages
redis_shown() { echo "$1" | sed -E 's#//[^@/]*@#//#; s#password=[^&]*#password=***#'; }
