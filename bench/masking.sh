#!/usr/bin/env bash
# Masking on the data path: a 1,000,000-row read of customers-like rows with two masked columns
# (card_number keep-last-4, ssn redacted), through Warden vs directly, with psql. Prints the
# median wall time of each, the ratio, and Warden's peak resident memory (VmHWM), which must stay
# flat whatever the result size (rows are streamed, never buffered). Then the same with the
# card-number and SSN classifiers scanning every other text cell. And JMH for the strategies and
# classifiers.
#
#   bench/masking.sh                 # ROWS=1000000 RUNS=3
#
# Needs: PostgreSQL on $PGHOST:$PGPORT as $PGUSER without a password, psql, a built Warden
# (mvn -DskipTests package). Listens on 127.0.0.1 only; stops everything at the end.
set -euo pipefail
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB=${BENCH_DB:-warden_bench}
WARDEN_PORT=${WARDEN_PORT:-15434}
WARDEN_ADMIN_PORT=${WARDEN_ADMIN_PORT:-18082}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
work="$(mktemp -d /tmp/warden-mask-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c "CREATE DATABASE $DB"
echo "loading $ROWS rows..." >&2
psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" <<SQL
DROP TABLE IF EXISTS mask_bench;
CREATE TABLE mask_bench (id int PRIMARY KEY, full_name text, email text, card_number text,
  ssn text, note text);
INSERT INTO mask_bench SELECT g, 'Customer ' || g, 'c' || g || '@example.com',
  '4111111111111111', '123-45-6789', 'order ' || g || ' shipped'
  FROM generate_series(1, $ROWS) g;
ANALYZE mask_bench;
SQL

. "$root/bench/lib.sh"
new_bench_key

start_masking_warden() { # classifiers-json
  cat >"$work/policy.json" <<JSON
{"version": 1, "grants": [{"id": "bench", "roles": ["bench"], "connections": ["$DB"],
  "allow": [{"id": "bench.read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["public.*"]},
            {"id": "bench.session", "classes": ["SESSION"], "verbs": ["SET", "SHOW"]}],
  "masks": [{"id": "mask.card", "columns": ["*.card_number"], "strategy": "keep-last", "keep": 4},
            {"id": "mask.ssn", "columns": ["*.ssn"], "strategy": "redact"}],
  "classifiers": $1}]}
JSON
  start_warden "policy: {file: $work/policy.json}" "  roles: [{role: bench, match: {subject: bench}}]"
}

java_pid() { # the JVM under bin/warden
  pgrep -P "$warden_pid" java || echo "$warden_pid"
}

direct="host=$PGHOST port=$PGPORT dbname=$DB user=$PGUSER"
warden="host=127.0.0.1 port=$WARDEN_PORT dbname=$DB user=bench sslmode=disable password=$key"
query="SELECT * FROM mask_bench"

seconds() { # conninfo -> wall seconds of the full read
  local start end
  start=$(date +%s.%N)
  psql -X -At -c "$query" "$1" >"$work/out.txt"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for mode in columns classifiers; do
  if [ "$mode" = columns ]; then start_masking_warden '[]'; else start_masking_warden '["CARD_NUMBER", "SSN"]'; fi
  psql -X -At -c "SELECT 1" "$warden" >/dev/null
  seconds "$warden" >/dev/null # warm up the JIT on this path (twice: C2 needs it)
  seconds "$warden" >/dev/null
  grep -q "4111111111111111" "$work/out.txt" && { echo "raw card number through Warden!" >&2; exit 1; }
  d=(); w=()
  for _ in $(seq 1 "$RUNS"); do
    d+=("$(seconds "$direct")")
    w+=("$(seconds "$warden")")
  done
  dm=$(printf '%s\n' "${d[@]}" | median)
  wm=$(printf '%s\n' "${w[@]}" | median)
  hwm=$(awk '/VmHWM/ {print $2 / 1024}' "/proc/$(java_pid)/status")
  printf '%-12s rows=%s direct=%.2fs warden=%.2fs warden/direct throughput=%.2f warden peak RSS=%.0f MiB\n' \
    "$mode" "$ROWS" "$dm" "$wm" "$(echo "$dm / $wm" | bc -l)" "$hwm"
  kill "$warden_pid"; wait "$warden_pid" 2>/dev/null || true
done

echo "JMH: strategies and classifiers" >&2
cd "$root"
cp="$(mvn -q -pl warden-core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout 2>/dev/null)"
"$JAVA_HOME/bin/java" -cp "warden-core/target/test-classes:warden-core/target/classes:$cp" \
  org.openjdk.jmh.Main MaskingBenchmark -wi 2 -w 1 -i 3 -r 1 2>&1 | grep -E "^Benchmark|^MaskingBenchmark"
