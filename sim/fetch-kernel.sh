#!/bin/bash
# Fetch a Debian kernel (image, modules, headers, kbuild) into the project's
# cache without installing anything on the host. Prints the cache directory.
#
#   sim/fetch-kernel.sh 6.12|6.1|6.12-debug [CACHE_DIR]
#
# The series name is resolved through Debian's meta packages, so the newest
# kernel of that series in the archive is used; the result is kept in
# $CACHE/kernels/<series>/ with a `kver` file naming the exact release.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh 6.12|6.1 [cache-dir]}
cache=${2:-$(cd "$(dirname "$0")/.." && pwd)/.cache}
dest=$cache/kernels/$series

die() { echo "fetch-kernel: $*" >&2; exit 1; }

# Debian has no lockdep/KASAN kernel: that one is built from source.
[ "$series" != 6.12-debug ] || exec "$(dirname "$0")/build-debug-kernel.sh"

if [ -f "$dest/kver" ] && [ -f "$dest/ready" ]; then
	echo "$dest"
	exit 0
fi

case $series in
6.12) meta_image=linux-image-6.12-amd64 ;;
6.1) meta_image=linux-image-amd64 ;;
*) die "unknown kernel series '$series' (known: 6.12, 6.1)" ;;
esac

resolve_image() {
	apt-cache depends "$meta_image" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1
}
image_pkg=$(resolve_image)
if [ -z "$image_pkg" ] && [ "$(id -u)" -eq 0 ]; then
	# A fresh machine may have no package lists yet.
	apt-get update -q >/dev/null 2>&1 || true
	image_pkg=$(resolve_image)
fi
[ -n "$image_pkg" ] || die "cannot resolve $meta_image (run 'apt-get update'; is the archive reachable?)"
kver=${image_pkg#linux-image-}
case $kver in "$series".*) ;; *) die "$meta_image resolves to $kver, not a $series kernel" ;; esac
abi=${kver%-amd64}
kbuild_pkg=linux-kbuild-$abi
apt-cache show "$kbuild_pkg" >/dev/null 2>&1 || kbuild_pkg=linux-kbuild-$series

rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
(cd "$dest/debs" && apt-get download -q "$image_pkg" "linux-headers-$kver" \
	"linux-headers-$abi-common" "$kbuild_pkg" >/dev/null 2>&1) ||
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
depmod -b "$dest/root" "$kver"

echo "$kver" >"$dest/kver"
touch "$dest/ready"
echo "$dest"
