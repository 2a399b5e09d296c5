# Shared by the benchmark scripts (source it): a service key, and Warden on loopback in front of
# database $DB. Expects root, work, DB, PGHOST, PGPORT, PGUSER, WARDEN_PORT, WARDEN_ADMIN_PORT and
# an array pids (killed by the caller's cleanup).

# Sets key (the client's password) and hash (for the configuration) of a new service key.
new_bench_key() {
  local keys
  keys="$("$root/bin/warden" keys new --subject bench)"
  key="$(echo "$keys" | awk '/^key:/ {print $2}')"
  hash="$(echo "$keys" | awk '/^hash:/ {print $2}')"
}

# start_warden TOP-YAML IDENTITIES-YAML [CONNECTIONS-YAML]: writes $work/warden.yaml (TOP-YAML
# first, e.g. a policy; IDENTITIES-YAML after the service key, e.g. roles; CONNECTIONS-YAML in place
# of the PostgreSQL connection $DB), starts the gateway, waits until it is healthy. Sets warden_pid.
# With WARDEN_MYSQL_PORT set, the MySQL door listens there too; with WARDEN_AGENTS_PORT, agents
# dial in there (TOP-YAML then names them under agents:). BENCH_CONNECTIONS: the connections the
# bench key may use (default: $DB).
# AUDIT selects the audit trail: log (default: no store, statements do not wait), sqlite (the
# data directory), or postgresql (database warden_bench_audit on $PGHOST:$PGPORT); AUDIT_SYNC full
# (default) or normal.
start_warden() {
  local audit_yaml="audit: {store: log}"
  case "${AUDIT:-log}" in
    sqlite) audit_yaml="audit: {store: sqlite, sync: ${AUDIT_SYNC:-full}}" ;;
    postgresql)
      psql -X -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c "DROP DATABASE IF EXISTS warden_bench_audit" \
        -c "CREATE DATABASE warden_bench_audit" >/dev/null
      audit_yaml="audit: {store: postgresql, sync: ${AUDIT_SYNC:-full}, url: \"jdbc:postgresql://$PGHOST:$PGPORT/warden_bench_audit\", user: $PGUSER}" ;;
  esac
  local connections="${3:-  $DB: {host: $PGHOST, port: $PGPORT, database: $DB, user: $PGUSER\}}"
  local mysql_listen=""
  if [ -n "${WARDEN_MYSQL_PORT:-}" ]; then
    mysql_listen="  mysql: {host: 127.0.0.1, port: $WARDEN_MYSQL_PORT}"
  fi
  if [ -n "${WARDEN_WORKERS:-}" ]; then
    mysql_listen="$mysql_listen
  workerThreads: $WARDEN_WORKERS"
  fi
  if [ -n "${WARDEN_AGENTS_PORT:-}" ]; then
    mysql_listen="$mysql_listen
  agents: {host: 127.0.0.1, port: $WARDEN_AGENTS_PORT}"
  fi
  cat >"$work/warden.yaml" <<YAML
$1
$audit_yaml
listen:
  postgres: {host: 127.0.0.1, port: $WARDEN_PORT}
$mysql_listen
  admin: {host: 127.0.0.1, port: $WARDEN_ADMIN_PORT}
dataDir: $work/warden-data
tls: {allowPlaintextOnLoopback: true}
connections:
$connections
identities:
  serviceKeys:
    - {subject: bench, keyHash: "$hash", connections: [${BENCH_CONNECTIONS:-$DB}]}
$2
YAML
  WARDEN_LOG_LEVEL=WARN "$root/bin/warden" gateway --config "$work/warden.yaml" 2>"$work/warden.log" &
  warden_pid=$!
  pids+=("$warden_pid")
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$WARDEN_ADMIN_PORT/health" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "Warden did not become healthy; see $work/warden.log" >&2
  return 1
}

# write_pgbench_policy FILE MASKS: a policy allowing pgbench's statements on $DB to role bench
# (the demo policy's shape: reads and writes on public.*, transactions, internal.* denied); with
# MASKS=1 also a mask rule (pgbench_accounts.filler, keep-last) and the card-number classifier on
# every cell.
write_pgbench_policy() {
  local masks=""
  if [ "$2" = 1 ]; then
    masks=',
  "masks": [{"id": "bench.mask-filler", "columns": ["pgbench_accounts.filler"], "strategy": "keep-last", "keep": 4}],
  "classifiers": ["CARD_NUMBER"]'
  fi
  cat >"$1" <<JSON
{"version": 1, "grants": [{"id": "bench", "roles": ["bench"], "connections": ["$DB"],
  "allow": [{"id": "bench.read-write", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"], "objects": ["public.*"]},
            {"id": "bench.transactions", "classes": ["TRANSACTION"]}],
  "deny": [{"id": "bench.no-internal", "objects": ["internal.*"]}]$masks}]}
JSON
}
