#!/bin/sh
# Builds the agent bundle: a jlink runtime holding only the modules the slim jar needs (jdeps),
# stripped and compressed, with the jar, launcher and setup script, packed reproducibly as
# liftshift-agent-VERSION-linux-ARCH.tar.gz plus its .sha256, next to the installer script and its
# .sha256: the files the control plane serves and the CDK's SoftwareBucket uploads.
# Usage: build-bundle.sh JAR VERSION ARCH JDK SRC_DIR DIST_DIR
set -eu
jar=$1 version=$2 arch=$3 jdk=$4 src=$5 dist=$6
name="liftshift-agent-$version-linux-$arch"
work="$(dirname "$dist")/bundle-work"
rm -rf "$work" "$dist"
mkdir -p "$work/$name/bin" "$work/$name/lib" "$dist"

jlink=jlink
[ -x "$jdk/bin/jlink" ] && jlink="$jdk/bin/jlink"
jdeps=jdeps
[ -x "$jdk/bin/jdeps" ] && jdeps="$jdk/bin/jdeps"
[ -d "$jdk/jmods" ] || {
  echo "agent bundle: $jdk/jmods is missing: install the JDK's jmods (Debian: openjdk-17-jmods)" >&2
  exit 1
}
# jdeps finds what the code names; TLS needs the EC provider and lz4/BouncyCastle use Unsafe,
# which only run-time lookups reach.
modules=$("$jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps "$jar")
modules="$modules,jdk.crypto.ec,jdk.unsupported"
echo "agent bundle: runtime modules $modules"
"$jlink" --module-path "$jdk/jmods" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$work/$name/runtime"

cp "$jar" "$work/$name/lib/liftshift-agent.jar"
cp "$src/liftshift-agent" "$work/$name/bin/liftshift-agent"
cp "$src/liftshift-agent-installer.sh" "$work/$name/bin/liftshift-agent-setup"
chmod 755 "$work/$name/bin/liftshift-agent" "$work/$name/bin/liftshift-agent-setup"
printf '%s\n' "$version" >"$work/$name/VERSION"

tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
  -cf - "$name" | gzip -9n >"$dist/$name.tar.gz"
(cd "$dist" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
cp "$src/liftshift-agent-installer.sh" "$dist/liftshift-agent-installer.sh"
# For copies fetched from S3 (docs/agent-install.md): checked against the control plane's copy.
(cd "$dist" && sha256sum liftshift-agent-installer.sh >liftshift-agent-installer.sh.sha256)
printf '%s\n' "$version" >"$dist/LATEST"
echo "agent bundle: $dist/$name.tar.gz ($(du -k "$dist/$name.tar.gz" | cut -f1) KiB)"
