#!/bin/bash
# What the arm64 simulated host needs besides its kernel, into
# .cache/arm64-guest: busybox (static, arm64) for its initramfs, json-c for
# the cross-built static egmctl. Uses the arm64 package lists that
# sim/fetch-kernel.sh keeps in .cache/apt-arm64; nothing is installed.
# Prints the directory (its root/ holds the unpacked packages).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/arm64-guest
lists=$top/.cache/apt-arm64
die() { echo "fetch-arm64-guest: $*" >&2; exit 1; }

if [ -f "$dest/ready" ]; then
	echo "$dest"
	exit 0
fi
# The kernel fetch sets up (and refreshes) the arm64 package lists.
"$top/sim/fetch-kernel.sh" 6.12-arm64 >/dev/null || die "no arm64 package lists"
apt_opts=(-o APT::Architectures=amd64,arm64 -o Dir::State::Lists="$lists/lists"
	-o Dir::Cache="$lists" -o Dir::Cache::Archives="$lists/archives")
rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
(cd "$dest/debs" && apt-get "${apt_opts[@]}" download -q busybox-static:arm64 \
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
