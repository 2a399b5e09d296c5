#!/usr/bin/env bash
# Measures the PostgreSQL analyzer (libpg_query parse + parse-tree walk) per statement, uncached.
#   bench/analyzer.sh [warm-up] [measured]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$root"
mvn -q -pl warden-sql-postgres -am test-compile -DskipTests >/dev/null 2>&1
cp="$(mvn -q -pl warden-sql-postgres dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout 2>/dev/null)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "warden-sql-postgres/target/test-classes:warden-sql-postgres/target/classes:$cp" \
  dev.warden.sql.postgres.AnalyzerBenchmark "$@"
