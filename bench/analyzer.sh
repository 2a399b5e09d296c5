#!/usr/bin/env bash
# JMH benchmarks of the PostgreSQL analyzer and the policy decision: cache hits (exact text and by
# shape), cold parses, the decision alone, libpg_query's JSON vs protobuf output and normalize.
#   bench/analyzer.sh [JMH options, e.g. -f 1 -wi 2 -i 3 or a benchmark name regex]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$root"
mvn -q -pl warden-sql-postgres -am install -DskipTests >/dev/null
cp="$(mvn -q -pl warden-sql-postgres dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout 2>/dev/null)"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "warden-sql-postgres/target/test-classes:warden-sql-postgres/target/classes:$cp" \
  org.openjdk.jmh.Main AnalysisBenchmark "$@"
