#!/bin/bash
# What the arm64 simulated host needs besides its kernel, into
# .cache/arm64-guest: busybox (static, arm64) for its initramfs, json-c for
# the cross-built static egmctl, from Debian 12 through the project's view
# of the archive (sim/project-apt.sh); nothing is installed. Prints the
# directory (its root/ holds the unpacked packages).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/arm64-guest
die() { echo "fetch-arm64-guest: $*" >&2; exit 1; }

if [ -f "$dest/ready" ]; then
	echo "$dest"
	exit 0
fi
. "$top/sim/project-apt.sh"
suites=(bookworm bookworm-updates bookworm-security)
papt_update "${suites[@]}"
rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
(cd "$dest/debs" && papt "${suites[@]}" -- apt-get download -q busybox-static:arm64 \
	libjson-c-dev:arm64 libjson-c5:arm64 >/dev/null 2>&1) ||
	die "cannot download busybox-static and libjson-c-dev for arm64"
for deb in "$dest"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest/root"
done
rm -rf "$dest/debs"
[ -x "$dest/root/bin/busybox" ] && [ -f "$dest/root/usr/lib/aarch64-linux-gnu/libjson-c.a" ] ||
	die "the packages lack busybox or libjson-c.a"
touch "$dest/ready"
echo "$dest"
