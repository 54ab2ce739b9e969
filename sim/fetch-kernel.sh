#!/bin/bash
# Fetch a Debian kernel (image, modules, headers, kbuild) into the project's
# cache without installing anything on the host. Prints the cache directory.
#
#   sim/fetch-kernel.sh 6.12|6.1|6.12-debug|6.12-arm64|6.12-arm64-16k|6.12-arm64-64k [CACHE_DIR]
#
# The series name is resolved through Debian's meta packages, so the newest
# kernel of that series in the archive is used; the result is kept in
# $CACHE/kernels/<series>/ with a `kver` file naming the exact release.
# The arm64 kernels (Grace's architecture; 4 KiB and 16 KiB pages) come with
# the host's kbuild tools, so that their headers cross-build modules with
# gcc-aarch64-linux-gnu; their package lists live in $CACHE/apt-arm64, the
# host's dpkg architectures and apt sources are untouched.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh 6.12|6.1|6.12-debug|6.12-arm64|6.12-arm64-16k|6.12-arm64-64k [cache-dir]}
cache=${2:-$(cd "$(dirname "$0")/.." && pwd)/.cache}
dest=$cache/kernels/$series

die() { echo "fetch-kernel: $*" >&2; exit 1; }

# Debian has no lockdep/KASAN kernel and no arm64 one with 64 KiB pages:
# those are built from source.
[ "$series" != 6.12-debug ] || exec "$(dirname "$0")/build-debug-kernel.sh"
[ "$series" != 6.12-arm64-64k ] || exec "$(dirname "$0")/build-arm64-64k-kernel.sh"

if [ -f "$dest/kver" ] && [ -f "$dest/ready" ]; then
	echo "$dest"
	exit 0
fi

flavour=amd64
arch=amd64
apt_opts=()
case $series in
6.12) meta_image=linux-image-6.12-amd64 ;;
6.1) meta_image=linux-image-amd64 ;;
6.12-arm64 | 6.12-arm64-16k)
	flavour=${series#6.12-}
	arch=arm64
	meta_image=linux-image-6.12-$flavour
	lists=$cache/apt-arm64
	mkdir -p "$lists/lists/partial" "$lists/archives/partial"
	apt_opts=(-o APT::Architectures=amd64,arm64 -o Dir::State::Lists="$lists/lists"
		-o Dir::Cache="$lists" -o Dir::Cache::Archives="$lists/archives")
	;;
*) die "unknown kernel series '$series' (known: 6.12, 6.1, 6.12-debug, 6.12-arm64, 6.12-arm64-16k, 6.12-arm64-64k)" ;;
esac

resolve_image() {
	apt-cache "${apt_opts[@]}" depends "$meta_image:$arch" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9].*-$flavour\)\(:$arch\)\?\$/\1/p" | head -n1 || true
}
image_pkg=$(resolve_image)
if [ -z "$image_pkg" ] && [ "$(id -u)" -eq 0 ]; then
	# A fresh machine (or a fresh arm64 list cache) may have no package lists yet.
	apt-get "${apt_opts[@]}" update -q >/dev/null 2>&1 || true
	image_pkg=$(resolve_image)
fi
[ -n "$image_pkg" ] || die "cannot resolve $meta_image (run 'apt-get update'; is the archive reachable?)"
kver=${image_pkg#linux-image-}
case $kver in "${series%%-*}".*) ;; *) die "$meta_image resolves to $kver, not a $series kernel" ;; esac
abi=${kver%-"$flavour"}
kbuild_pkg=linux-kbuild-$abi
apt-cache show "$kbuild_pkg" >/dev/null 2>&1 || kbuild_pkg=linux-kbuild-${series%%-*}

rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
(cd "$dest/debs" && apt-get "${apt_opts[@]}" download -q "$image_pkg:$arch" \
	"linux-headers-$kver:$arch" "linux-headers-$abi-common" "$kbuild_pkg:amd64" >/dev/null 2>&1) ||
	die "apt-get download failed for $image_pkg and its headers"
for deb in "$dest"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest/root"
done
rm -rf "$dest/debs"

# The headers' Makefile includes the common headers by absolute path: point
# it at our copy so kbuild works from the cache.
hdr=$dest/root/usr/src/linux-headers-$kver
sed -i "s|^include /usr/src/|include $dest/root/usr/src/|" "$hdr/Makefile"
# Guest modules are loaded by busybox insmod, which takes plain ELF files.
find "$dest/root/lib/modules/$kver" -name '*.ko.xz' -exec xz -d {} +
depmod -b "$dest/root" "$kver" 2>/dev/null || [ "$arch" != amd64 ]

echo "$kver" >"$dest/kver"
touch "$dest/ready"
echo "$dest"
