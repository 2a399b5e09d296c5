#!/usr/bin/env bash
# Builds Warden's base container image as a docker-archive tarball, without a container engine:
# a minimal Debian 12 root filesystem (mmdebstrap, variant "essential") with libpg_query (the
# PostgreSQL parser Warden calls), a Java 25 runtime cut down with jlink to the modules the gateway
# uses, and the non-root user warden (uid/gid 10001). The build's Jib step (profile "image" of
# warden-cli, on when WARDEN_BASE_IMAGE names this file) layers the gateway on top of it.
#
#   deploy/image/build-base-image.sh [OUT.tar]
#
# Needs root (mmdebstrap --mode=root), mmdebstrap, python3, a JDK 25 ($JAVA_HOME) and a Debian
# mirror. The result is kept and reused while this script is unchanged (its hash is in the name).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/warden"
version="$(cat "$here/build-base-image.sh" "$here/docker_archive.py" | sha256sum | cut -c1-12)"
out="${1:-$cache/warden-base-$version.tar}"
if [ -s "$out" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The modules `jdeps --print-module-deps` finds in the gateway's lib/ (warden-cli/target/lib),
# plus jdk.jcmd for thread and heap dumps in production. The image test runs the gateway in this
# runtime, so a missing module fails the build's tests, not a customer.
modules=java.base,java.desktop,java.naming,java.net.http,java.security.jgss,java.sql,jdk.httpserver,jdk.jfr,jdk.management,jdk.net,jdk.unsupported,jdk.jcmd
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$work/jre" >&2

mmdebstrap --quiet --variant=essential --mode=root --include=libpg-query1504.0 \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="cp -a '$work/jre' \"\$1/opt/java\"" \
  --customize-hook='echo "warden:x:10001:10001:Warden gateway:/var/lib/warden:/usr/sbin/nologin" >> "$1/etc/passwd"' \
  --customize-hook='echo "warden:x:10001:" >> "$1/etc/group"' \
  --customize-hook='mkdir -p "$1/var/lib/warden" "$1/etc/warden" && chown 10001:10001 "$1/var/lib/warden"' \
  --customize-hook='rm -rf "$1/var/cache/apt" "$1/var/lib/apt/lists" "$1/var/log"/*' \
  bookworm "$work/rootfs.tar" http://deb.debian.org/debian >&2

python3 "$here/docker_archive.py" "$work/rootfs.tar" "$out.partial" warden-base:bookworm-java25
mv "$out.partial" "$out"
echo "$out"
