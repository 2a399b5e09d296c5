#!/usr/bin/env bash
# Connection storms: `pgbench -C -S` (a new connection per transaction) straight to a database
# that demands SCRAM, and through Warden (TLS, OIDC token validated, SCRAM to the database with
# the gateway's credential). Uses `warden demo` for the database, the identity provider and the
# gateway; everything on loopback, stopped at the end.
#
#   bench/connect-storm.sh               # ROUNDS=3 DURATION=10 CLIENTS=4
set -euo pipefail
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-4}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/warden-storm.XXXXXX)"
"$root/bin/warden" demo --pg-port 0 --admin-port 0 --env-file "$work/demo.env" --data-dir "$work/data" \
  >"$work/demo.out" 2>"$work/demo.err" &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "Warden demo is ready" "$work/demo.out" 2>/dev/null && break; sleep 0.5; done
grep -q "Warden demo is ready" "$work/demo.out" || { echo "demo did not start: $(tail -5 "$work/demo.err")" >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/demo.env"
pgbench -q -i -s 1 "$WARDEN_DEMO_DIRECT_URL" >/dev/null 2>&1
warden="host=127.0.0.1 port=$WARDEN_DEMO_PGPORT dbname=shop user=agent sslmode=require"

run() { # conninfo -> connections per second (with -C every transaction opens a connection)
  PGPASSWORD="${2:-}" pgbench -n -C -S -c "$CLIENTS" -j 2 -T "$DURATION" "$1" 2>&1 | awk '/^tps = / {print $3; exit}'
}
run "$warden" "$WARDEN_DEMO_AGENT_TOKEN" >/dev/null # warm-up
printf 'round\tdirect\twarden\n' >"$work/storm.tsv"
for round in $(seq 1 "$ROUNDS"); do
  d="$(run "$WARDEN_DEMO_DIRECT_URL")"
  w="$(run "$warden" "$WARDEN_DEMO_AGENT_TOKEN")"
  printf '%s\t%s\t%s\n' "$round" "$d" "$w" | tee -a "$work/storm.tsv" >&2
done
python3 - "$work/storm.tsv" "$CLIENTS" "$ROUNDS" "$DURATION" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
d = statistics.median(float(r["direct"]) for r in rows)
w = statistics.median(float(r["warden"]) for r in rows)
print(f"\npgbench -C -S, {sys.argv[2]} clients, {sys.argv[3]} rounds x {sys.argv[4]}s (median connections/s)")
print(f"direct (SCRAM)                     {d:8.0f}")
print(f"warden (TLS + JWT + SCRAM to db)   {w:8.0f}   {w / d:.2f} x direct")
PY
