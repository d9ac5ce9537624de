#!/usr/bin/env bash
# Builds, offline, a minimal glibc JRE base image for the Jib builds and saves it as a docker-archive tar:
#   jlink'd JRE (from the local JDK 17) + the glibc/libstdc++/zlib libraries it and ONNX Runtime need (copied from
#   this machine) + busybox (sh/cp for the chart's model-copy init container) + /etc/passwd with UID 1000.
# No registry is contacted: the image is assembled with `buildah from scratch` (Debian: apt-get install buildah
# busybox-static). Then, still offline:
#   mvn -B -o -Pjib -pl verifier-service -am package jib:buildTar -DskipTests \
#       -Dspecula.image.base=tar://$PWD/target/specula-jre17-base.tar
# Usage: k8s/images/jre-base-image.sh [OUTPUT_TAR]   (default target/specula-jre17-base.tar)
set -euo pipefail

OUT="$(realpath -m "${1:-target/specula-jre17-base.tar}")"
IMAGE="${IMAGE:-localhost/specula-jre:17-jlink}"
JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
# Modules Spring Boot 4, gRPC/Netty, Micrometer, ONNX Runtime and DJL use (java.desktop: java.beans).
MODULES="java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,\
java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,\
jdk.crypto.ec,jdk.jfr,jdk.management,jdk.net,jdk.unsupported,jdk.zipfs,jdk.naming.dns"
# vfs works inside containers and unprivileged sandboxes (no overlay-on-overlay); chroot isolation needs no runtime.
export STORAGE_DRIVER="${STORAGE_DRIVER:-vfs}" BUILDAH_ISOLATION="${BUILDAH_ISOLATION:-chroot}"

command -v buildah >/dev/null || { echo "buildah not found (apt-get install buildah busybox-static)" >&2; exit 1; }
BUSYBOX="$(command -v busybox || true)"
[[ -n "$BUSYBOX" ]] && file -L "$BUSYBOX" | grep -q "statically linked" \
  || { echo "a static busybox is needed (apt-get install busybox-static)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,etc,tmp,app} "$(dirname "$OUT")"
chmod 1777 "$rootfs/tmp"

echo "== jlink ($JAVA_HOME)"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --output "$rootfs/opt/java"

echo "== shared libraries"
# What the JRE links against, plus what ONNX Runtime's and the tokenizers' native libraries need at run time.
libs="$( (ldd "$rootfs/opt/java/bin/java" "$rootfs"/opt/java/lib/server/libjvm.so "$rootfs"/opt/java/lib/*.so || true) \
  | awk '/=>/ && $3 ~ /^\// {print $3} /^\t\/.*ld-linux/ {print $1}' | sort -u)"
for extra in libstdc++.so.6 libgcc_s.so.1 libz.so.1 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1; do
  path="$(ldconfig -p | awk -v n="$extra" '$1 == n && /x86-64/ {print $NF; exit}')"
  [[ -n "$path" ]] && libs="$libs"$'\n'"$path"
done
for lib in $(echo "$libs" | sort -u); do
  cp -L --parents "$lib" "$rootfs/"
done
# The dynamic loader must also be where binaries expect it.
mkdir -p "$rootfs/lib64"
[[ -e "$rootfs/lib64/ld-linux-x86-64.so.2" ]] || cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs/lib64/"

echo "== busybox, users"
cp "$BUSYBOX" "$rootfs/bin/busybox"
for tool in sh cp ls cat mkdir rm mv ln echo env sleep true; do ln -s busybox "$rootfs/bin/$tool"; done
printf 'root:x:0:0:root:/root:/sbin/nologin\nspecula:x:1000:1000:specula:/tmp:/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nspecula:x:1000:\n' > "$rootfs/etc/group"

echo "== image $IMAGE -> $OUT"
ctr="$(buildah from scratch)"
buildah copy "$ctr" "$rootfs/" / >/dev/null
buildah config --env JAVA_HOME=/opt/java --env PATH=/opt/java/bin:/bin --env LANG=C.UTF-8 \
  --user 1000:1000 --workingdir /app \
  --label org.opencontainers.image.title=specula-jre17-base "$ctr"
buildah commit --quiet "$ctr" "$IMAGE" >/dev/null
buildah rm "$ctr" >/dev/null
rm -f "$OUT"
buildah push --quiet "$IMAGE" "docker-archive:$OUT:$IMAGE"
echo "wrote $OUT ($(du -h "$OUT" | cut -f1))"
