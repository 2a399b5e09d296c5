#!/usr/bin/env bash
# Where Warden's CPU goes under `pgbench -S`: starts Warden with the benchmark's full configuration
# (policy, masks, audit as AUDIT says), runs pgbench for a warm-up and then DURATION seconds under
# JFR's CPU-time sampler (JDK 25, Linux) with every fsync recorded, and prints tps, Warden's CPU per
# transaction, each thread's share of the samples with its hottest frames (self and inclusive), and
# the journal's fsync count and latency.
#
#   bench/profile.sh                        # audit sqlite, 8 clients, simple protocol, 20 s
#   AUDIT=log CLIENTS=1 MODE=prepared DURATION=15 bench/profile.sh
#
# Needs what bench/pgbench-compare.sh needs (PostgreSQL with the warden_bench database loaded by
# it, a built Warden), and python3. The recording stays in $work/profile.jfr for `jfr view`.
set -euo pipefail

DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-8}
MODE=${MODE:-simple}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB=${BENCH_DB:-warden_bench}
WARDEN_PORT=${WARDEN_PORT:-15433}
WARDEN_ADMIN_PORT=${WARDEN_ADMIN_PORT:-18081}
export AUDIT=${AUDIT:-sqlite}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/warden-profile.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$DB" -tc "SELECT 1 FROM pgbench_accounts LIMIT 1" >/dev/null 2>&1 || {
  echo "no pgbench data in $DB: run bench/pgbench-compare.sh once (it loads it)" >&2
  exit 1
}
. "$root/bench/lib.sh"
new_bench_key
write_pgbench_policy "$work/policy.json" 1
warmup=10
export WARDEN_JAVA_OPTS="-XX:StartFlightRecording=filename=$work/profile.jfr,settings=profile,jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=1ms,jdk.FileForce#threshold=0ms,delay=$((warmup + 2))s,duration=${DURATION}s"
start_warden "policy: {file: $work/policy.json}" "  roles: [{role: bench, match: {subject: bench}}]"
conninfo="host=127.0.0.1 port=$WARDEN_PORT dbname=$DB user=bench sslmode=disable password=$key"
pgbench -n -S -M "$MODE" -c "$CLIENTS" -j 2 -T "$warmup" "$conninfo" >/dev/null 2>&1
sleep 2
before="$(awk '{print $14 + $15}' "/proc/$warden_pid/stat")"
out="$(pgbench -n -S -M "$MODE" -c "$CLIENTS" -j 2 -T "$DURATION" "$conninfo" 2>&1)"
after="$(awk '{print $14 + $15}' "/proc/$warden_pid/stat")"
sleep 3 # the recording ends and is written
txns="$(echo "$out" | awk -F': ' '/number of transactions actually processed/ {print $2; exit}')"
echo "$out" | grep -E '^(tps|latency average)'
awk -v b="$before" -v a="$after" -v n="$txns" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { printf "Warden CPU per transaction: %.1f us (audit %s)\n", (a - b) / hz * 1e6 / n, ENVIRON["AUDIT"] }'

"$JAVA_HOME/bin/jfr" print --json --stack-depth 64 --events jdk.CPUTimeSample,jdk.FileForce "$work/profile.jfr" >"$work/profile.json"
python3 - "$work/profile.json" "$txns" <<'PY'
import collections, json, statistics, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
name = lambda f: f["method"]["type"]["name"].split(".")[-1] + "." + f["method"]["name"]
threads, self_, incl = collections.Counter(), collections.defaultdict(collections.Counter), collections.defaultdict(collections.Counter)
forces = []
for e in events:
    v = e["values"]
    if e["type"] == "jdk.FileForce":
        d = v["duration"]  # ISO-8601, e.g. PT0.000411S
        forces.append(float(d[2:-1]) * 1e6 if d.startswith("PT") and d.endswith("S") else 0)
        continue
    t = (v.get("eventThread") or {}).get("javaName") or "?"
    t = "event loops" if t.startswith("multiThreadIoEventLoopGroup") else t
    threads[t] += 1
    frames = (v.get("stackTrace") or {}).get("frames", [])
    if frames:
        self_[t][name(frames[0])] += 1
        for n in {name(f) for f in frames}:
            incl[t][n] += 1
total = sum(threads.values()) or 1
print(f"\nCPU-time samples: {total}")
for t, c in threads.most_common(3):
    print(f"\n{t}: {100 * c / total:.0f}% of the samples")
    print("  self:      " + ", ".join(f"{n} {100 * k / c:.0f}%" for n, k in self_[t].most_common(6)))
    print("  inclusive: " + ", ".join(f"{n} {100 * k / c:.0f}%" for n, k in incl[t].most_common(40)
                                      if not n.startswith(("java/lang/Thread", "io/netty/util/concurrent", "io/netty/util/internal")))[:600])
if forces:
    forces.sort()
    q = lambda p: forces[min(len(forces) - 1, int(len(forces) * p))]
    txns = int(sys.argv[2] or 0)
    per = f", {len(forces) / txns:.2f} per transaction" if txns else ""
    print(f"\nfsyncs: {len(forces)} in the recording{per}; "
          f"median {q(0.5):.0f} us, p90 {q(0.9):.0f} us, p99 {q(0.99):.0f} us, mean {statistics.mean(forces):.0f} us")
PY
echo "recording: $work/profile.jfr (jfr view hot-methods $work/profile.jfr)"
