#!/usr/bin/env bash
# tools/axion-alerts against the real servers: list filters, show, the
# lifecycle actions (columns, one audit_log row each, refused transitions
# change nothing), hostile user names and notes stored exactly (values go
# to psql as variables, never into SQL text), and the dead-letter workflow
# on Redis entries in the delivery queue's format (list, replay into the
# failed list with attempts 0, purge). Secrets never printed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
tools="$here/../../tools"
A="$tools/axion-alerts"
export AXION_REDIS_URL=$AXION_TEST_REDIS_URL
R() { redis-cli -s "$AXION_TEST_REDIS_SOCKET" "$@"; }
q() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
# a SQL expression with :'v' bound to $2, so exact comparisons need no quoting
qv() { printf '%s\n' "$1" | q -v v="$2"; }

"$tools/axion-db" migrate >/dev/null || { not_ok "migrate" "failed"; finish; }

# four alerts; times relative to now (the test runs on any date)
q >/dev/null <<'SQL'
INSERT INTO alerts (alert_type, severity, camera_id, title, description, created_at) VALUES
  ('motion', 3, 'cam1', 'Motion at the door', 'd1', now() - interval '10 minutes'),
  ('object', 5, 'cam2', 'Person in zone A',   'd2', now() - interval '3 hours'),
  ('system', 1, 'cam1', 'Camera offline',     'd3', now() - interval '2 days'),
  ('tamper', 4, 'cam3', 'Lens covered',       'd4', now() - interval '5 minutes');
SQL
id() { q -c "SELECT alert_id FROM alerts WHERE description = '$1'"; }
a1=$(id d1) a2=$(id d2) a3=$(id d3) a4=$(id d4)
ids() { python3 -c 'import json,sys; print(" ".join(str(a["alert_id"]) for a in json.load(sys.stdin)))'; }

expect_ok "--help" "$A" --help
# ---- list -----------------------------------------------------------------
out=$("$A" list 2>&1); st=$?
expect_eq "list: exit 0" 0 "$st"
expect_ok "list: a table with every alert" grep -q "Lens covered" <<< "$out"
expect_eq "list --json: newest first" "$a4 $a1 $a2 $a3" "$("$A" list --json | ids)"
expect_eq "list --camera" "$a1 $a3" "$("$A" list --camera cam1 --json | ids)"
expect_eq "list --severity (minimum)" "$a4 $a2" "$("$A" list --severity 4 --json | ids)"
expect_eq "list --since interval" "$a4 $a1" "$("$A" list --since '1 hour' --json | ids)"
expect_eq "list --since '... ago' is the same" "$a4 $a1" "$("$A" list --since '1 hour ago' --json | ids)"
expect_eq "list --until interval" "$a2 $a3" "$("$A" list --until '30 minutes' --json | ids)"
ts=$(q -c "SELECT to_char((now() - interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')")
expect_eq "list --since timestamp (UTC)" "$a4 $a1 $a2" "$("$A" list --since "$ts" --json | ids)"
expect_eq "list --limit" "$a4 $a1" "$("$A" list --limit 2 --json | ids)"
expect_eq "list: a hostile camera filter matches nothing" "" "$("$A" list --camera "x' OR '1'='1" --json | ids)"
expect_fail_with "list --severity 9: usage error" "severity must be 1..5" "$A" list --severity 9
"$A" list --severity 9 >/dev/null 2>&1; expect_eq "usage error: exit 2" 2 "$?"
expect_fail_with "list --status bogus" "unknown status 'bogus'" "$A" list --status bogus
expect_fail_with "list --since nonsense" "neither a timestamp.*nor an interval" "$A" list --since 'yesterday-ish'
expect_fail_with "an option a command does not take" "list does not take --yes" "$A" list --yes
expect_fail_with "unknown command" "unknown command 'frobnicate'" "$A" frobnicate
expect_fail_with "a non-numeric id" "alert ID must be a number" "$A" acknowledge "1; DROP TABLE alerts"

# ---- actions --------------------------------------------------------------
hostile_user=$'o\'brien; DROP TABLE alerts; --\n\\x "q" :\'user\' $HOME `id`'
hostile_notes=$'line one; -- not a comment\nline two \\ backslash \' quote " dq\n:notes :\'notes\' $(id) ; DELETE FROM audit_log;\ttab'
audits() { q -c "SELECT count(*) FROM audit_log WHERE entity_type = 'alert' AND entity_id = '$1'"; }

out=$("$A" acknowledge "$a1" --user "$hostile_user" --notes "$hostile_notes" 2>&1); st=$?
expect_eq "acknowledge: exit 0" 0 "$st"
expect_eq "acknowledge: says so" "alert $a1: acknowledged" "$out"
expect_eq "acknowledge: status" acknowledged "$(q -c "SELECT status FROM alerts WHERE alert_id = $a1")"
expect_eq "acknowledge: acknowledged_by is the hostile user name, exactly" t \
  "$(qv "SELECT acknowledged_by = :'v' AND acknowledged_at IS NOT NULL FROM alerts WHERE alert_id = $a1" "$hostile_user")"
expect_eq "acknowledge: one audit_log row" 1 "$(audits "$a1")"
expect_eq "audit row: who, what, old and new status, notes exactly" t \
  "$(qv "SELECT user_id = :'v' AND action = 'acknowledge' AND action_status = 'success'
            AND changes_made->>'old_status' = 'new' AND changes_made->>'new_status' = 'acknowledged'
     FROM audit_log WHERE entity_type = 'alert' AND entity_id = '$a1'" "$hostile_user")"
expect_eq "audit row: the notes exactly" t \
  "$(qv "SELECT changes_made->>'notes' = :'v' FROM audit_log WHERE entity_type = 'alert' AND entity_id = '$a1'" "$hostile_notes")"
expect_eq "the tables survived the hostile strings" 4 "$(q -c "SELECT count(*) FROM alerts")"

before=$(q -c "SELECT acknowledged_at FROM alerts WHERE alert_id = $a1")
out=$("$A" acknowledge "$a1" --user bob 2>&1); st=$?
expect_eq "acknowledge twice: exit 1" 1 "$st"
expect_ok "acknowledge twice: a clear message" grep -q "alert $a1 is already acknowledged (by o'brien" <<< "$out"
expect_eq "refused: acknowledged_by and _at unchanged" t \
  "$(qv "SELECT acknowledged_by = :'v' AND acknowledged_at = '$before' FROM alerts WHERE alert_id = $a1" "$hostile_user")"
expect_eq "refused: no audit row" 1 "$(audits "$a1")"

expect_eq "investigate" "alert $a1: investigating" "$("$A" investigate "$a1" --user bob 2>&1)"
expect_fail_with "acknowledge an investigating alert is refused" \
  "cannot acknowledge it; that applies to alerts that are new$" "$A" acknowledge "$a1" --user bob
expect_eq "escalate" "alert $a1: escalated to level 1 (status investigating)" "$("$A" escalate "$a1" --user carol 2>&1)"
expect_eq "escalate again" "alert $a1: escalated to level 2 (status investigating)" "$("$A" escalate "$a1" --user carol 2>&1)"
expect_eq "escalation columns" "t|2|t" \
  "$(q -c "SELECT escalated, escalation_level, escalated_at IS NOT NULL FROM alerts WHERE alert_id = $a1")"
expect_eq "escalation audit row names the level" "2" \
  "$(q -c "SELECT changes_made->>'escalation_level' FROM audit_log WHERE entity_id = '$a1' AND action = 'escalate' ORDER BY audit_id DESC LIMIT 1")"

out=$("$A" resolve "$a1" --user "$hostile_user" --notes "$hostile_notes" 2>&1); st=$?
expect_eq "resolve: exit 0" 0 "$st"
expect_eq "resolve: resolved_by, resolved_at, resolution_notes exactly" t \
  "$(printf '%s\n' "SELECT status = 'resolved' AND resolved_by = :'u' AND resolved_at IS NOT NULL AND resolution_notes = :'n' FROM alerts WHERE alert_id = $a1" \
      | q -v u="$hostile_user" -v n="$hostile_notes")"
expect_eq "five actions, five audit rows" 5 "$(audits "$a1")"
expect_eq "the audit trail in order" "acknowledge new acknowledged|investigate acknowledged investigating|escalate investigating investigating|escalate investigating investigating|resolve investigating resolved" \
  "$(q -c "SELECT string_agg(action || ' ' || (changes_made->>'old_status') || ' ' || (changes_made->>'new_status'), '|' ORDER BY audit_id) FROM audit_log WHERE entity_id = '$a1'")"

out=$("$A" resolve "$a1" --user bob --notes again 2>&1); st=$?
expect_eq "resolve a resolved alert: exit 1" 1 "$st"
expect_ok "resolve a resolved alert: a clear message" grep -q "alert $a1 is already resolved" <<< "$out"
expect_fail_with "false-positive on a resolved alert is refused" "cannot mark it a false positive; that applies to alerts that are new, acknowledged or investigating" "$A" false-positive "$a1"
expect_fail_with "escalate a resolved alert is refused" "cannot escalate it" "$A" escalate "$a1"
expect_eq "refused: notes unchanged, no audit rows" "t|5" \
  "$(printf '%s\n' "SELECT resolution_notes = :'n', (SELECT count(*) FROM audit_log WHERE entity_id = '$a1') FROM alerts WHERE alert_id = $a1" | q -F '|' -v n="$hostile_notes")"

# notes from stdin; false positive straight from new
printf 'shadow of a tree\nnot a person\n' | "$A" false-positive "$a2" --user dave --notes-file - >/dev/null
expect_eq "false-positive: columns" "false_positive|dave|shadow of a tree
not a person" "$(q -F '|' -c "SELECT status, resolved_by, resolution_notes FROM alerts WHERE alert_id = $a2")"
expect_eq "false-positive: audit row" "false_positive|dave|new|false_positive" \
  "$(q -F '|' -c "SELECT action, user_id, changes_made->>'old_status', changes_made->>'new_status' FROM audit_log WHERE entity_id = '$a2'")"
printf 'duplicate of #2\n' > "$AXION_TEST_TMPDIR/notes.txt"
"$A" dismiss "$a3" --user erin --notes-file "$AXION_TEST_TMPDIR/notes.txt" >/dev/null
expect_eq "dismiss: notes from a file" "dismissed|erin|duplicate of #2" \
  "$(q -F '|' -c "SELECT status, resolved_by, resolution_notes FROM alerts WHERE alert_id = $a3")"
expect_fail_with "--notes and --notes-file together" "not both" "$A" resolve "$a4" --notes x --notes-file "$AXION_TEST_TMPDIR/notes.txt"
"$A" acknowledge "$a4" --user erin >/dev/null
expect_eq "acknowledge without notes: the audit row's notes are null" "t" \
  "$(q -c "SELECT changes_made->'notes' = 'null'::jsonb FROM audit_log WHERE entity_id = '$a4'")"

expect_fail_with "a missing alert" "no alert 999999" "$A" acknowledge 999999 --user bob
"$A" acknowledge 999999 --user bob >/dev/null 2>&1; expect_eq "a missing alert: exit 1" 1 "$?"
expect_fail_with "a user name over 64 characters" "longer than 64" "$A" acknowledge "$a4" --user "$(printf 'u%.0s' $(seq 65))"
expect_eq "... changes nothing" "acknowledged|1" "$(q -F '|' -c "SELECT status, (SELECT count(*) FROM audit_log WHERE entity_id = '$a4') FROM alerts WHERE alert_id = $a4")"
expect_eq "list --status open" "$a4" "$("$A" list --status open --json | ids)"
expect_eq "list --status closed" "$a1 $a2 $a3" "$("$A" list --status closed --json | ids)"
expect_eq "list --status two values" "$a2 $a3" "$("$A" list --status false-positive,dismissed --json | ids)"

# two people acknowledging at once: the row lock lets exactly one win
a5=$(q -c "INSERT INTO alerts (alert_type, severity, camera_id, title, description, created_at)
           VALUES ('motion', 2, 'cam4', 'race', 'd5', now() - interval '4 days') RETURNING alert_id" | head -1)
pids=()
for n in 1 2 3 4; do "$A" acknowledge "$a5" --user "p$n" >/dev/null 2>&1 & pids+=($!); done
rcs=""; for p in "${pids[@]}"; do wait "$p"; rcs+="$? "; done
expect_eq "concurrent acknowledges: one succeeds, the others are refused" "0 1 1 1" "$(tr ' ' '\n' <<< "$rcs" | grep . | sort | xargs)"
expect_eq "concurrent acknowledges: one audit row, the winner's" "1 t" \
  "$(audits "$a5") $(q -c "SELECT a.acknowledged_by = l.user_id FROM alerts a, audit_log l WHERE a.alert_id = $a5 AND l.entity_id = '$a5'")"
expect_ok "show accepts leading zeros" grep -q "race" <<< "$("$A" show "000$a5")"

# ---- show -----------------------------------------------------------------
out=$("$A" show "$a1" 2>&1); st=$?
expect_eq "show: exit 0" 0 "$st"
expect_ok "show: every column" grep -q "escalation_level *| 2" <<< "$out"
expect_ok "show: the audit trail" grep -q "Audit trail" <<< "$out"
expect_eq "show --json: alert and its audit rows, strings exact" "resolved 5 True True" \
  "$("$A" show "$a1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["alert"]["status"], len(d["audit"]),
      d["alert"]["resolution_notes"] == sys.argv[1], d["audit"][0]["user_id"] == sys.argv[2])' "$hostile_notes" "$hostile_user")"
expect_fail_with "show a missing alert" "no alert 999999" "$A" show 999999

# ---- connection errors: nothing secret printed ---------------------------
out=$("$A" -d "host=/nonexistent/dir dbname=x user=u password=s3cretpw" list 2>&1); st=$?
expect_eq "no PostgreSQL: exit 1" 1 "$st"
expect_eq "no PostgreSQL: the password is not printed" "" "$(grep -o s3cretpw <<< "$out")"
out=$("$A" -r "redis://user:s3cretpw@127.0.0.1:1/0" dead-letter list 2>&1); st=$?
expect_eq "no Redis: exit 1" 1 "$st"
expect_ok "no Redis: says so" grep -q "does not answer PING" <<< "$out"
expect_eq "no Redis: the password is not printed" "" "$(grep -o s3cretpw <<< "$out")"

# ---- dead letters -----------------------------------------------------------
# entries as ext/deliver/axiondeliveryqueue.c writes them (LPUSH: newest first)
dl() { # id topic payload attempts final_error failed_at
  python3 -c 'import json,sys; a=sys.argv; print(json.dumps({"id":a[1],"topic":a[2],"payload":a[3],"retain":False,"attempts":int(a[4]),"last_error":"no PUBACK","queued_at":1700000000,"final_error":a[5],"failed_at":int(a[6])}))' "$@"
}
hostile_payload=$'{"camera":"c\\"1","note":"a\nb ; -- \'x\' \\\\ é"}'
R LPUSH axion:queue:mqtt:dead_letter "$(dl m1 axis-is/cam1/alert "$hostile_payload" 10 "broker away" 1700000600)" >/dev/null
R LPUSH axion:queue:mqtt:dead_letter "$(dl m2 axis-is/cam2/event p2 10 "$(printf 'line\nbreak')" 1700000700)" >/dev/null
R LPUSH axion:queue:mqtt:dead_letter "not json" >/dev/null
R LPUSH axion:queue:webhook:dead_letter "$(dl w1 https://example.invalid/hook p3 5 "HTTP 500" 1700000800)" >/dev/null
R LPUSH axion:queue:webhook:dead_letter "$(dl w2 https://example.invalid/hook p4 5 "timeout" 1700000900)" >/dev/null

out=$("$A" dead-letter list 2>&1); st=$?
expect_eq "dead-letter list: exit 0" 0 "$st"
expect_ok "dead-letter list: counts per channel" grep -q "mqtt: 3 dead letter(s)" <<< "$out"
expect_ok "dead-letter list: id, topic, attempts, failed at, final error" \
  grep -Eq "m1 +axis-is/cam1/alert +10 +2023-11-14 22:23:20 +broker away" <<< "$out"
expect_ok "dead-letter list: the unreadable entry is shown" grep -q "(unreadable entry)" <<< "$out"
expect_ok "dead-letter list: webhook too" grep -Eq "w2 +https://example.invalid/hook +5" <<< "$out"
expect_ok "dead-letter list: how many wait for delivery" grep -q "mqtt: 3 dead letter(s) in axion:queue:mqtt:dead_letter (waiting for delivery: 0 failed, 0 scheduled)" <<< "$out"
expect_ok "dead-letter list --limit" grep -q "mqtt: 3 dead letter(s) in axion:queue:mqtt:dead_letter, newest 1 shown" <<< "$("$A" dead-letter list --channel mqtt --limit 1)"
expect_eq "dead-letter list --json: raw entries of one channel" 2 "$("$A" dead-letter list --channel webhook --json | wc -l)"

expect_fail_with "replay needs --id or --all" "needs --id ID or --all" "$A" dead-letter replay
expect_fail_with "replay an unknown id" "no dead letter with id 'nope'" "$A" dead-letter replay --id nope
out=$("$A" dead-letter replay --channel mqtt --id m1 2>&1); st=$?
expect_eq "replay --id: exit 0" 0 "$st"
expect_eq "replay --id: left the dead-letter list" "2" "$(R LLEN axion:queue:mqtt:dead_letter)"
expect_eq "replay --id: in the failed list with attempts 0, no final_error/failed_at, the rest exact" \
  "m1 0 False False True axis-is/cam1/alert no PUBACK 1700000000" \
  "$(R LRANGE axion:queue:mqtt:failed 0 -1 | python3 -c '
import json, sys
m = json.loads(sys.stdin.readline())
print(m["id"], m["attempts"], "final_error" in m, "failed_at" in m, m["payload"] == sys.argv[1], m["topic"], m["last_error"], m["queued_at"])' "$hostile_payload")"
"$A" dead-letter replay --all >/dev/null 2>&1
expect_eq "replay --all: readable entries moved (the unreadable one stays)" "1 0 2 2" \
  "$(R LLEN axion:queue:mqtt:dead_letter) $(R LLEN axion:queue:webhook:dead_letter) $(R LLEN axion:queue:mqtt:failed) $(R LLEN axion:queue:webhook:failed)"
expect_eq "replay keeps the order: the oldest is popped first (RPOP)" "m1 w1" \
  "$(R RPOP axion:queue:mqtt:failed | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') $(R RPOP axion:queue:webhook:failed | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

R LPUSH axion:queue:webhook:dead_letter "$(dl w3 https://example.invalid/hook p5 5 "HTTP 410" 1700001000)" "$(dl w4 https://example.invalid/hook p6 5 "HTTP 410" 1700001100)" >/dev/null
expect_fail_with "purge needs --yes" "add --yes" "$A" dead-letter purge --all
expect_eq "... and deletes nothing" "1 2" "$(R LLEN axion:queue:mqtt:dead_letter) $(R LLEN axion:queue:webhook:dead_letter)"
"$A" dead-letter purge --channel webhook --id w3 --yes >/dev/null
expect_eq "purge --id: only that entry" "w4" "$("$A" dead-letter list --channel webhook --json | python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in sys.stdin))')"
"$A" dead-letter purge --all --yes >/dev/null
expect_eq "purge --all: every channel empty" "0 0" "$(R LLEN axion:queue:mqtt:dead_letter) $(R LLEN axion:queue:webhook:dead_letter)"

R LPUSH axion:queue:mqtt:dead_letter '{"id":"nofields","topic":"t/1","payload":"p","final_error":"gone","failed_at":1700000000}' >/dev/null
expect_ok "dead-letter list: a missing field does not shift the columns" \
  grep -Eq "nofields +t/1 +- +2023-11-14 22:13:20 +gone" <<< "$("$A" dead-letter list --channel mqtt)"
R DEL axion:queue:mqtt:dead_letter >/dev/null
R LPUSH site2:queue:mqtt:dead_letter "$(dl s1 t p 3 e 1700000000)" >/dev/null
expect_ok "--key-prefix (a trailing ':' ignored)" grep -q "mqtt: 1 dead letter" <<< "$("$A" --key-prefix site2: dead-letter list --channel mqtt)"
expect_fail_with "a bad channel name" "not a channel name" "$A" dead-letter list --channel 'a b'

# a failed key of the wrong type: refused before any write (the script
# never stops half-way)
R LPUSH axion:queue:webhook:dead_letter "$(dl w5 t p 5 e 1700000000)" >/dev/null
R SET axion:queue:webhook:failed not-a-list >/dev/null
expect_fail_with "replay into a non-list key: exit 1, says why" "axion:queue:webhook:failed is a string, not a list" \
  "$A" dead-letter replay --channel webhook --all
expect_eq "... and the dead letter is still there" 1 "$(R LLEN axion:queue:webhook:dead_letter)"
R DEL axion:queue:webhook:failed >/dev/null

# Redis with a password: given in the URL (percent-encoded), never printed
pw='s3cret p@ss/%'
R CONFIG SET requirepass "$pw" >/dev/null
enc='s3cret%20p%40ss%2F%25'
out=$("$A" -r "unix://$AXION_TEST_REDIS_SOCKET?password=$enc" dead-letter list --channel webhook 2>&1); st=$?
expect_eq "password in the URL: exit 0" 0 "$st"
expect_ok "password in the URL: works" grep -q "webhook: 1 dead letter" <<< "$out"
out=$("$A" -r "unix://$AXION_TEST_REDIS_SOCKET?password=wr0ngpw" dead-letter list 2>&1); st=$?
expect_eq "a wrong password: exit 1" 1 "$st"
expect_eq "a wrong password is not printed" "" "$(grep -o 'wr0ngpw' <<< "$out")"
expect_ok "a wrong password: says Redis refused" grep -q "does not answer PING" <<< "$out"
REDISCLI_AUTH="$pw" redis-cli -s "$AXION_TEST_REDIS_SOCKET" --no-auth-warning CONFIG SET requirepass "" >/dev/null

finish
