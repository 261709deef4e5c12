#!/usr/bin/env python3
"""Every Grafana panel query of dashboards/*.json, run for real.

SQL panels (datasource uid axion-pg) run in PostgreSQL through psql (the
PG* environment of tests/fixtures/with-servers) with Grafana's macros
expanded as Grafana does ($__timeFilter, $__timeGroupAlias, $__timeGroup;
the time range: everything) and $camera set to every value of the
dashboard's own camera variable query. PromQL panels (axion-prom) run on
the Prometheus given with --prom at --time ($camera: .*, $__rate_interval:
1m). A panel must return rows/series unless its description says it is
empty without an optional element. Prints TAP-like lines; exit 1 on any
failure.

Usage: test_console_dashboards.py DASHBOARD_DIR [--prom URL --time EPOCH]
"""
import glob
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

FOREVER = "'-infinity'::timestamptz AND 'infinity'::timestamptz"


def seconds(interval):
    m = re.fullmatch(r"'?(\d+)([smhd])'?", interval.strip())
    if not m:
        raise ValueError("interval " + interval)
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def expand_sql(sql, cameras):
    def group(m, alias):
        col, iv = [x.strip() for x in m.group(1).split(",", 1)]
        s = seconds(iv)
        expr = "to_timestamp(floor(extract(epoch FROM %s) / %d) * %d)" % (col, s, s)
        return expr + (' AS "time"' if alias else "")

    sql = re.sub(r"\$__timeGroupAlias\(([^)]*)\)", lambda m: group(m, True), sql)
    sql = re.sub(r"\$__timeGroup\(([^)]*)\)", lambda m: group(m, False), sql)
    sql = re.sub(r"\$__timeFilter\(([^)]*)\)", lambda m: "%s BETWEEN %s" % (m.group(1), FOREVER), sql)
    quoted = ",".join("'" + c.replace("'", "''") + "'" for c in cameras) or "NULL"
    return sql.replace("$camera", quoted)


def psql(sql):
    r = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return [l for l in r.stdout.splitlines() if l]


def promql(base, expr, at):
    q = urllib.parse.urlencode({"query": expr, "time": at})
    with urllib.request.urlopen(base + "/api/v1/query?" + q, timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(body.get("error", "query failed"))
    return body["data"]["result"]


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    folder, prom, at = args[0], None, None
    if "--prom" in args:
        prom = args[args.index("--prom") + 1]
        at = args[args.index("--time") + 1]
    passed = failed = 0

    def check(name, fn):
        nonlocal passed, failed
        try:
            detail = fn()
            print("ok - %s%s" % (name, " (%s)" % detail if detail else ""))
            passed += 1
        except Exception as e:  # noqa: BLE001 (the test's own report)
            print("not ok - %s\n#   %s" % (name, str(e).replace("\n", "\n#   ")))
            failed += 1

    files = sorted(glob.glob(os.path.join(folder, "*.json")))
    if not files:
        print("not ok - no dashboards in " + folder)
        return 1
    prov = "".join(open(f).read() for f in glob.glob(os.path.join(folder, "provisioning", "*", "*.yml")))
    for f in files:
        d = json.load(open(f))
        name = os.path.basename(f)
        cams = []
        for v in d.get("templating", {}).get("list", []):
            if v["datasource"]["uid"] == "axion-pg":
                cams = psql(v["query"])
                check("%s: variable $%s (%d values)" % (name, v["name"], len(cams)),
                      lambda: None if cams else (_ for _ in ()).throw(RuntimeError("no values")))
        for p in d["panels"]:
            optional = "empty without" in p.get("description", "")
            for t in p["targets"]:
                uid = t["datasource"]["uid"]
                label = "%s: %s [%s]" % (name, p["title"], uid)
                if uid not in prov:
                    check(label + " datasource provisioned", lambda: (_ for _ in ()).throw(RuntimeError(uid + " not in provisioning/")))
                if uid == "axion-pg":
                    def run_sql(t=t, optional=optional):
                        rows = psql(expand_sql(t["rawSql"], cams))
                        if not rows and not optional:
                            raise RuntimeError("no rows: " + t["rawSql"])
                        return "%d rows" % len(rows)
                    check(label, run_sql)
                elif uid == "axion-prom":
                    if prom is None:
                        continue
                    def run_prom(t=t, optional=optional):
                        expr = t["expr"].replace("$__rate_interval", "1m").replace("$camera", ".*")
                        res = promql(prom, expr, at)
                        if not res and not optional:
                            raise RuntimeError("no series: " + expr)
                        return "%d series" % len(res)
                    check(label, run_prom)
    print("# %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
