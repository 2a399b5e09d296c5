#!/usr/bin/env bash
# Durable audit records per second through group commit (AuditThroughput): concurrent writers
# that each wait for their record to be durable, as statements do before they run.
#   bench/audit.sh [sqlite|jdbc:postgresql://127.0.0.1:5432/DB?user=postgres] [writers] [records] [full|normal]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$root"
mvn -q -pl warden-store -am install -DskipTests >/dev/null
mvn -q -pl warden-store test-compile >/dev/null
cp="$(mvn -q -pl warden-store dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout 2>/dev/null)"
"$JAVA_HOME/bin/java" -cp "warden-store/target/test-classes:warden-store/target/classes:$cp" \
  dev.warden.store.bench.AuditThroughput "$@"
