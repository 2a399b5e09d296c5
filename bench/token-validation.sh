#!/usr/bin/env bash
# Measures the cost of validating an OIDC token whose signing key is cached, in-process.
#   bench/token-validation.sh [warm-up] [measured]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$root"
mvn -q -pl warden-oidc -am test-compile -DskipTests >/dev/null 2>&1
cp="$(mvn -q -pl warden-oidc dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout 2>/dev/null)"
"$JAVA_HOME/bin/java" -cp "warden-oidc/target/test-classes:warden-oidc/target/classes:$cp" \
  -Dlogback.configurationFile=/dev/null dev.warden.oidc.TokenValidationBenchmark "$@" 2>/dev/null | grep 'us/op'
