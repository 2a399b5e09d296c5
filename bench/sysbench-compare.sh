#!/usr/bin/env bash
# Compares `sysbench oltp_read_only` directly against MariaDB/MySQL and through Warden's MySQL door,
# alternating targets within each round so drift hits both alike; then a large masked read (every
# row of a 1M-row table through the mysql client). Prints the median ratios Warden/direct.
#
#   bench/sysbench-compare.sh                     # 3 rounds x 10 s, 8 threads, policy on
#   ROUNDS=5 DURATION=20 THREADS=8 bench/sysbench-compare.sh
#   MASKS=1 bench/sysbench-compare.sh             # and masking: a mask rule (sbtest*.pad, which
#                                                 # sysbench never reads, and big.card: sysbench
#                                                 # sorts on c, which masking would refuse),
#                                                 # keep-last 4) and the card-number classifier
#   AUDIT=sqlite bench/sysbench-compare.sh        # the write-ahead audit trail (sync full)
#   PS_MODE=disable bench/sysbench-compare.sh     # statements as text (default: auto, that is
#                                                 # server-side prepared statements)
#   RELAY=1 bench/sysbench-compare.sh             # also through socat, a byte relay that decides
#                                                 # nothing: what any proxy costs on this machine
#
# Needs: MariaDB or MySQL on $MYSQL_HOST:$MYSQL_PORT as $MYSQL_USER without a password, sysbench
# (apt-get install sysbench; installed when missing and running as root), the mysql client, a built
# Warden (mvn -DskipTests package). Everything listens on 127.0.0.1 only and stops at the end.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
THREADS=${THREADS:-8}
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-10000}
LARGE_ROWS=${LARGE_ROWS:-1000000}
PS_MODE=${PS_MODE:-auto}
MYSQL_HOST=${MYSQL_HOST:-127.0.0.1}
MYSQL_PORT=${MYSQL_PORT:-3306}
MYSQL_USER=${MYSQL_USER:-root}
DB=${BENCH_DB:-warden_sb}
WARDEN_PORT=${WARDEN_PORT:-15434}
WARDEN_MYSQL_PORT=${WARDEN_MYSQL_PORT:-13309}
WARDEN_ADMIN_PORT=${WARDEN_ADMIN_PORT:-18082}
RELAY_PORT=${RELAY_PORT:-13310}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/warden-sysbench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

if ! command -v sysbench >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing sysbench (apt)..." >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq sysbench >/dev/null
  else
    echo "sysbench is missing: apt-get install sysbench" >&2
    exit 1
  fi
fi
if [ ! -f "$root/warden-cli/target/warden-cli.jar" ]; then
  echo "Warden is not built: JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -q -DskipTests package" >&2
  exit 1
fi

my() { mysql -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" "$@"; }
my -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
common=(--db-driver=mysql --mysql-host="$MYSQL_HOST" --mysql-port="$MYSQL_PORT" --mysql-user="$MYSQL_USER"
  --mysql-db="$DB" --tables="$TABLES" --table-size="$TABLE_SIZE")
echo "loading sysbench tables ($TABLES x $TABLE_SIZE rows)..." >&2
sysbench oltp_read_only "${common[@]}" prepare >/dev/null
echo "loading the large table ($LARGE_ROWS rows)..." >&2
my "$DB" -e "CREATE TABLE big (id INT PRIMARY KEY, name VARCHAR(40), card VARCHAR(20), note VARCHAR(60));
  INSERT INTO big SELECT seq, CONCAT('customer ', seq), CONCAT('4111', LPAD(seq, 12, '0')),
    'a note of a few words' FROM seq_1_to_$LARGE_ROWS;"

. "$root/bench/lib.sh"
new_bench_key
masks=""
if [ "${MASKS:-0}" = 1 ]; then
  masks=',
  "masks": [{"id": "bench.mask-c", "columns": ["'"$DB"'.sbtest*.pad", "'"$DB"'.big.card"], "strategy": "keep-last", "keep": 4}],
  "classifiers": ["CARD_NUMBER"]'
fi
cat >"$work/policy.json" <<JSON
{"version": 1, "grants": [{"id": "bench", "roles": ["bench"], "connections": ["$DB"],
  "allow": [{"id": "bench.read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["$DB.*"]},
            {"id": "bench.session", "classes": ["SESSION", "TRANSACTION"]}]$masks}]}
JSON
start_warden "policy: {file: $work/policy.json}" "  roles: [{role: bench, match: {subject: bench}}]" \
  "  $DB: {protocol: mysql, host: $MYSQL_HOST, port: $MYSQL_PORT, database: $DB, user: $MYSQL_USER}"

# Warden asks libmariadb for the token in clear (mysql_clear_password, a plugin it loads on demand);
# eight threads connecting at once race to load it ("it is already loaded"), so it is loaded when
# the library starts instead.
export LIBMYSQL_PLUGINS=mysql_clear_password

cpu_ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

run() { # target seconds -> "tps proxy-cpu-us-per-transaction"
  local args out before after tps txns pid=""
  if [ "$1" = warden ]; then
    pid="$warden_pid"
    args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$WARDEN_MYSQL_PORT" --mysql-user=bench
      --mysql-password="$key" --mysql-db="$DB" --mysql-ssl=off --tables="$TABLES" --table-size="$TABLE_SIZE")
  elif [ "$1" = relay ]; then
    args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$RELAY_PORT" --mysql-user="$MYSQL_USER"
      --mysql-db="$DB" --mysql-ssl=off --tables="$TABLES" --table-size="$TABLE_SIZE")
  else
    args=("${common[@]}")
  fi
  before="$(cpu_ticks "$pid")"
  out="$(sysbench oltp_read_only "${args[@]}" --db-ps-mode="$PS_MODE" --threads="$THREADS" --time="$2" run 2>&1)" \
    || { echo "$out" | tail -5 >&2; echo "0 0"; return; }
  after="$(cpu_ticks "$pid")"
  tps="$(echo "$out" | awk '/transactions:/ {gsub(/\(/, "", $3); print $3; exit}')"
  txns="$(echo "$out" | awk '/transactions:/ {print $2; exit}')"
  awk -v t="$tps" -v b="$before" -v a="$after" -v n="$txns" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%s %.1f\n", t, (n > 0 ? (a - b) / hz * 1e6 / n : 0) }'
}

targets=(direct warden)
if [ "${RELAY:-0}" = 1 ]; then
  command -v socat >/dev/null 2>&1 || { echo "RELAY=1 needs socat (apt-get install socat)" >&2; exit 1; }
  socat "TCP4-LISTEN:$RELAY_PORT,bind=127.0.0.1,reuseaddr,fork,nodelay" "TCP4:$MYSQL_HOST:$MYSQL_PORT,nodelay" &
  pids+=($!)
  targets+=(relay)
fi

echo "warming up Warden's JIT..." >&2
run warden 10 >/dev/null
results="$work/results.tsv"
printf 'round\ttarget\ttps\tproxy_cpu_us\n' >"$results"
for round in $(seq 1 "$ROUNDS"); do
  for target in "${targets[@]}"; do
    read -r tps cpu <<<"$(run "$target" "$DURATION")"
    printf '%s\t%s\t%s\t%s\n' "$round" "$target" "$tps" "$cpu" | tee -a "$results" >&2
  done
done

large="$work/large.tsv"
printf 'target\trun\twall_s\tproxy_cpu_ns_per_row\n' >"$large"
for run in $(seq 1 "$ROUNDS"); do
  for target in direct warden; do
    pid=""
    if [ "$target" = warden ]; then
      pid="$warden_pid"
      connect=(-h 127.0.0.1 -P "$WARDEN_MYSQL_PORT" -u bench --password="$key" --skip-ssl "$DB")
    else
      connect=(-h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" "$DB")
    fi
    before="$(cpu_ticks "$pid")"
    start=$(date +%s.%N)
    mysql "${connect[@]}" --quick -N -B -e "SELECT * FROM big" >"$work/big-$target.out"
    finish=$(date +%s.%N)
    after="$(cpu_ticks "$pid")"
    awk -v t="$target" -v r="$run" -v s="$start" -v f="$finish" -v b="$before" -v a="$after" -v n="$LARGE_ROWS" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%s\t%s\t%.2f\t%.0f\n", t, r, f - s, (a - b) / hz * 1e9 / n }' | tee -a "$large" >&2
  done
done
echo "rows read through Warden: $(wc -l <"$work/big-warden.out"); first: $(head -1 "$work/big-warden.out")" >&2

python3 - "$results" "$large" "$ROUNDS" "$DURATION" "$THREADS" "$TABLES" "$TABLE_SIZE" "$PS_MODE" "$LARGE_ROWS" <<'PY'
import csv, os, statistics, sys
path, large_path, rounds, duration, threads, tables, size, ps, large_rows = sys.argv[1:]
rows = list(csv.DictReader(open(path), delimiter="\t"))
med = {t: statistics.median(float(r["tps"]) for r in rows if r["target"] == t) for t in ("direct", "warden")}
cpu = statistics.median(float(r["proxy_cpu_us"]) for r in rows if r["target"] == "warden")
print(f"\nsysbench oltp_read_only, {threads} threads, {tables} x {size} rows, db-ps-mode {ps},"
      f" {rounds} rounds x {duration}s (median tps); Warden with the policy on"
      + (" and masks" if os.environ.get("MASKS") == "1" else "")
      + f", audit {os.environ.get('AUDIT', 'log')}")
print(f"direct {med['direct']:.0f}  warden {med['warden']:.0f}  warden/direct {med['warden']/med['direct']:.2f}"
      f"  (Warden CPU {cpu:.0f} us per transaction of 16 statements)")
relay = [float(r["tps"]) for r in rows if r["target"] == "relay"]
if relay:
    m = statistics.median(relay)
    print(f"relay (socat, decides nothing) {m:.0f}  relay/direct {m/med['direct']:.2f}"
          f"  warden/relay {med['warden']/m:.2f}")
large = list(csv.DictReader(open(large_path), delimiter="\t"))
print(f"\nlarge result: SELECT * FROM big ({large_rows} rows) through the mysql client (median)")
for t in ("direct", "warden"):
    wall = statistics.median(float(r["wall_s"]) for r in large if r["target"] == t)
    c = statistics.median(float(r["proxy_cpu_ns_per_row"]) for r in large if r["target"] == t)
    print(f"{t:8} wall {wall:6.2f} s" + (f"  Warden CPU {c:.0f} ns/row" if t == "warden" else ""))
PY
