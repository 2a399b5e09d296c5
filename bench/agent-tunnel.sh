#!/usr/bin/env bash
# `pgbench -S` through the gateway straight to PostgreSQL vs through the gateway and a `warden
# agent` tunnel (HTTP/2 over TLS, the agent a separate process on the same machine), alternating
# within each round. Both connections reach the same database with the same gateway configuration,
# so the ratio is the tunnel's cost alone. Prints tps per run and the median ratio tunnel/direct.
#
#   bench/agent-tunnel.sh                      # 3 rounds x 10 s, 8 clients, scale 10
#   CLIENTS=1 bench/agent-tunnel.sh            # one client: the added latency per statement
#   AUDIT=sqlite bench/agent-tunnel.sh         # with the durable audit trail (see bench/lib.sh)
#
# Needs PostgreSQL on $PGHOST:$PGPORT (trust), pgbench, a built Warden (mvn -DskipTests package).
# Everything listens on 127.0.0.1 only and stops at the end.
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
WARDEN_PORT=${WARDEN_PORT:-15434}
WARDEN_ADMIN_PORT=${WARDEN_ADMIN_PORT:-18082}
WARDEN_AGENTS_PORT=${WARDEN_AGENTS_PORT:-17443}
export WARDEN_AGENTS_PORT

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/warden-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c "CREATE DATABASE $DB"
echo "loading pgbench data (scale $SCALE)..." >&2
pgbench -q -i -s "$SCALE" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$DB" >/dev/null 2>&1

. "$root/bench/lib.sh"
new_bench_key
agent_keys="$("$root/bin/warden" keys new --subject agent)"
agent_key="$(echo "$agent_keys" | awk '/^key:/ {print $2}')"
agent_hash="$(echo "$agent_keys" | awk '/^hash:/ {print $2}')"
BENCH_CONNECTIONS="$DB, far" start_warden "agents: [{name: bench-agent, keyHash: \"$agent_hash\"}]" "" \
  "  $DB: {host: $PGHOST, port: $PGPORT, database: $DB, user: $PGUSER}
  far: {host: $PGHOST, port: $PGPORT, database: $DB, user: $PGUSER, agent: bench-agent}"

WARDEN_AGENT_KEY="$agent_key" WARDEN_LOG_LEVEL=WARN "$root/bin/warden" agent \
  --gateway "127.0.0.1:$WARDEN_AGENTS_PORT" --server-name localhost --ca "$work/warden-data/tls/ca.crt" \
  --name bench-agent --allow "$PGHOST:$PGPORT" 2>"$work/agent.log" &
pids+=("$!")

direct="host=127.0.0.1 port=$WARDEN_PORT dbname=$DB user=bench sslmode=disable password=$key"
tunnel="host=127.0.0.1 port=$WARDEN_PORT dbname=far user=bench sslmode=disable password=$key"
for _ in $(seq 1 100); do
  psql -X -q "$tunnel" -c "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.2
done
psql -X -q "$tunnel" -c "SELECT 1" >/dev/null || { echo "no session through the agent; see $work/agent.log" >&2; exit 1; }

run() { # conninfo mode seconds -> tps
  pgbench -n -S -M "$2" -c "$CLIENTS" -j "$THREADS" -T "$3" "$1" 2>&1 | awk '/^tps = / {print $3; exit}'
}
echo "warming up the JVMs..." >&2
run "$direct" prepared 5 >/dev/null
run "$tunnel" prepared 5 >/dev/null

results="$work/results.tsv"
printf 'round\tmode\ttarget\ttps\n' >"$results"
for round in $(seq 1 "$ROUNDS"); do
  for mode in simple prepared; do
    for target in direct tunnel; do
      tps="$(run "${!target}" "$mode" "$DURATION")"
      printf '%s\t%s\t%s\t%s\n' "$round" "$mode" "$target" "$tps" | tee -a "$results" >&2
    done
  done
done
echo
echo "pgbench -S, $CLIENTS clients, ${DURATION}s x $ROUNDS rounds; gateway audit: ${AUDIT:-log}"
for mode in simple prepared; do
  awk -F'\t' -v m="$mode" '
    $2 == m && $3 == "direct" { d[$1] = $4 }
    $2 == m && $3 == "tunnel" { t[$1] = $4 }
    END {
      n = 0
      for (r in d) { ratio[++n] = t[r] / d[r]; sd += d[r]; st += t[r] }
      asort(ratio)
      med = (n % 2) ? ratio[(n + 1) / 2] : (ratio[n / 2] + ratio[n / 2 + 1]) / 2
      printf "%-8s gateway direct %8.0f tps   through the agent tunnel %8.0f tps   tunnel/direct %.2f (median of rounds)\n", m, sd / n, st / n, med
    }' "$results"
done
