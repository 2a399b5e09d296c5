#!/usr/bin/env bash
# Compares `pgbench -S` directly against PostgreSQL, through PgBouncer (session mode) and through
# Warden, alternating targets within each round so drift hits all alike. Prints tps per run and
# the median ratios Warden/direct and Warden/PgBouncer.
#
#   bench/pgbench-compare.sh            # defaults: 3 rounds x 10 s, 8 clients, scale 10
#   ROUNDS=5 DURATION=20 CLIENTS=8 bench/pgbench-compare.sh
#   POLICY=1 bench/pgbench-compare.sh   # Warden parses and decides every statement (a policy
#                                       # allowing pgbench's statements), instead of allow-all
#   AUDIT=sqlite bench/pgbench-compare.sh  # write-ahead audit trail (sqlite or postgresql);
#                                          # default: log only
#   POLICY=1 MASKS=1 bench/pgbench-compare.sh  # and masking on, as the demo's policy has it: a
#                                              # mask rule (pgbench_accounts.filler, keep-last)
#                                              # and the card-number classifier on every cell
#
# Needs: PostgreSQL on $PGHOST:$PGPORT reachable as $PGUSER without a password (trust), pgbench,
# pgbouncer (installed with apt-get when missing and running as root), a built Warden
# (mvn -DskipTests package). Everything listens on 127.0.0.1 only and stops at the end.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
SCALE=${SCALE:-10}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB=${BENCH_DB:-warden_bench}
BOUNCER_PORT=${BOUNCER_PORT:-16432}
WARDEN_PORT=${WARDEN_PORT:-15433}
WARDEN_ADMIN_PORT=${WARDEN_ADMIN_PORT:-18081}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/warden-bench.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

if ! command -v pgbouncer >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing pgbouncer (apt)..." >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq pgbouncer >/dev/null
  else
    echo "pgbouncer is missing: apt-get install pgbouncer (or brew install pgbouncer)" >&2
    exit 1
  fi
fi

psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c "CREATE DATABASE $DB"
echo "loading pgbench data (scale $SCALE)..." >&2
pgbench -q -i -s "$SCALE" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$DB" >/dev/null 2>&1

# PgBouncer, session mode. It refuses to run as root, so it drops to the postgres user.
cat >"$work/pgbouncer.ini" <<INI
[databases]
$DB = host=$PGHOST port=$PGPORT dbname=$DB user=$PGUSER
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = 50
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
echo "\"$PGUSER\" \"\"" >"$work/userlist.txt"
chmod 644 "$work"/pgbouncer.ini "$work"/userlist.txt
if [ "$(id -u)" = 0 ]; then
  chown postgres "$work"
  pgbouncer -d -u postgres "$work/pgbouncer.ini"
else
  pgbouncer -d "$work/pgbouncer.ini"
fi

# Warden, plain text on loopback (so all three paths carry the same bytes), same database.
if [ ! -f "$root/warden-cli/target/warden-cli.jar" ]; then
  echo "Warden is not built: JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -q -DskipTests package" >&2
  exit 1
fi
. "$root/bench/lib.sh"
new_bench_key
policy_yaml=""
roles_yaml=""
if [ "${POLICY:-0}" = 1 ]; then
  write_pgbench_policy "$work/policy.json" "${MASKS:-0}"
  policy_yaml="policy: {file: $work/policy.json}"
  roles_yaml="  roles: [{role: bench, match: {subject: bench}}]"
fi
start_warden "$policy_yaml" "$roles_yaml"

direct="host=$PGHOST port=$PGPORT dbname=$DB user=$PGUSER"
pgbouncer="host=127.0.0.1 port=$BOUNCER_PORT dbname=$DB user=$PGUSER"
warden="host=127.0.0.1 port=$WARDEN_PORT dbname=$DB user=bench sslmode=disable password=$key"
warden_tls="host=127.0.0.1 port=$WARDEN_PORT dbname=$DB user=bench sslmode=require password=$key"

cpu_ticks() { # pid -> user+system clock ticks so far
  [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
proxy_pid() { # target -> pid of the proxy process, or empty for direct
  case "$1" in
    pgbouncer) cat "$work/pgbouncer.pid" ;;
    warden*) echo "$warden_pid" ;;
  esac
}

run() { # target-name conninfo mode seconds -> "tps proxy-cpu-us-per-transaction"
  local out pid before after tps txns
  pid="$(proxy_pid "$1")"
  before="$(cpu_ticks "$pid")"
  out="$(pgbench -n -S -M "$3" -c "$CLIENTS" -j "$THREADS" -T "$4" "$2" 2>&1)" || { echo "$out" >&2; echo "0 0"; return; }
  after="$(cpu_ticks "$pid")"
  tps="$(echo "$out" | awk '/^tps = / {print $3; exit}')"
  txns="$(echo "$out" | awk -F': ' '/number of transactions actually processed/ {print $2; exit}')"
  awk -v t="$tps" -v b="$before" -v a="$after" -v n="$txns" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%s %.1f\n", t, (n > 0 ? (a - b) / hz * 1e6 / n : 0) }'
}

echo "warming up the JVM (JIT) on every path measured below..." >&2
run warden "$warden" prepared 10 >/dev/null
run warden "$warden" simple 5 >/dev/null
run warden_tls "$warden_tls" prepared 5 >/dev/null
PGPASSWORD="$key" psql -X -q "$warden" -c "SELECT * FROM pgbench_accounts" >/dev/null

results="$work/results.tsv"
printf 'round\tmode\ttarget\ttps\tproxy_cpu_us\n' >"$results"
for round in $(seq 1 "$ROUNDS"); do
  for mode in simple prepared; do
    for target in direct pgbouncer warden warden_tls; do
      read -r tps cpu <<<"$(run "$target" "${!target}" "$mode" "$DURATION")"
      printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$target" "$tps" "$cpu" | tee -a "$results" >&2
    done
  done
done

# A large result: every row of pgbench_accounts (100,000 x scale rows) through psql, which
# discards them. The proxy's CPU per row is the figure of interest; psql dominates wall time.
large="$work/large.tsv"
printf 'target\trun\twall_s\tproxy_cpu_ns_per_row\n' >"$large"
rows=$((100000 * SCALE))
for run in $(seq 1 "$ROUNDS"); do
  for target in direct pgbouncer warden; do
    pid="$(proxy_pid "$target")"
    before="$(cpu_ticks "$pid")"
    start=$(date +%s.%N)
    PGPASSWORD="$key" psql -X -q "${!target}" -c "SELECT * FROM pgbench_accounts" >/dev/null
    finish=$(date +%s.%N)
    after="$(cpu_ticks "$pid")"
    awk -v t="$target" -v r="$run" -v s="$start" -v f="$finish" -v b="$before" -v a="$after" -v n="$rows" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%s\t%s\t%.2f\t%.0f\n", t, r, f - s, (a - b) / hz * 1e9 / n }' | tee -a "$large" >&2
  done
done

python3 - "$results" "$ROUNDS" "$DURATION" "$CLIENTS" "$SCALE" "$large" <<'PY'
import csv, statistics, sys
path, rounds, duration, clients, scale, large_path = sys.argv[1:]
rows = list(csv.DictReader(open(path), delimiter="\t"))
import os
print(f"\npgbench -S, {clients} clients, {rounds} rounds x {duration}s, scale {scale} (median tps)"
      + (", Warden with the policy on" if os.environ.get("POLICY") == "1" else ", Warden allow-all")
      + (" and masks" if os.environ.get("MASKS") == "1" else "")
      + f", audit {os.environ.get('AUDIT', 'log')}"
      + (f" (sync {os.environ.get('AUDIT_SYNC', 'full')})" if os.environ.get('AUDIT', 'log') != 'log' else ""))
print(f"{'mode':9} {'direct':>10} {'pgbouncer':>10} {'warden':>10} {'warden+tls':>11} {'W/direct':>9} {'W/bouncer':>10} {'bouncer/direct':>15}")
for mode in ("simple", "prepared"):
    med = {t: statistics.median(float(r["tps"]) for r in rows if r["mode"] == mode and r["target"] == t)
           for t in ("direct", "pgbouncer", "warden", "warden_tls")}
    print(f"{mode:9} {med['direct']:10.0f} {med['pgbouncer']:10.0f} {med['warden']:10.0f} {med['warden_tls']:11.0f} "
          f"{med['warden']/med['direct']:9.2f} {med['warden']/med['pgbouncer']:10.2f} {med['pgbouncer']/med['direct']:15.2f}")
print("\nproxy CPU per transaction (median microseconds, user+system of the proxy process)")
print(f"{'mode':9} {'pgbouncer':>10} {'warden':>10} {'warden+tls':>11}")
for mode in ("simple", "prepared"):
    cpu = {t: statistics.median(float(r["proxy_cpu_us"]) for r in rows if r["mode"] == mode and r["target"] == t)
           for t in ("pgbouncer", "warden", "warden_tls")}
    print(f"{mode:9} {cpu['pgbouncer']:10.1f} {cpu['warden']:10.1f} {cpu['warden_tls']:11.1f}")
large = list(csv.DictReader(open(large_path), delimiter="\t"))
print(f"\nlarge result: SELECT * FROM pgbench_accounts ({int(scale) * 100000} rows) through psql (median)")
print(f"{'target':10} {'wall s':>7} {'proxy CPU ns/row':>17}")
for t in ("direct", "pgbouncer", "warden"):
    wall = statistics.median(float(r["wall_s"]) for r in large if r["target"] == t)
    cpu = statistics.median(float(r["proxy_cpu_ns_per_row"]) for r in large if r["target"] == t)
    print(f"{t:10} {wall:7.2f} {cpu if t != 'direct' else float('nan'):17.0f}")
PY
