#!/bin/bash
# Fetch a Debian kernel (image, modules, headers, kbuild) into the project's
# cache without installing anything on the host. Prints the cache directory.
#
#   sim/fetch-kernel.sh SERIES [CACHE_DIR]
#
#   SERIES    suites                  what
#   6.1       bookworm (+updates,     Debian 12's kernel, x86-64
#             +security)
#   6.12      bookworm (...)          Debian 12's 6.12, x86-64
#   6.12-arm64, 6.12-arm64-16k        the same for arm64, 4 KiB / 16 KiB pages
#   7.3       trixie-backports        x86-64
#   7.3-arm64, 7.3-arm64-16k          arm64, 4 KiB / 16 KiB pages
#   7.2       sid                     x86-64 (whatever 7.2 sid still has)
#   6.12-debug, 6.12-arm64-64k        built here from Debian's source
#
# Each series is resolved through its meta package in the archive's own
# index of those suites (sim/project-apt.sh), never through what the host
# has installed or enabled, so every machine gets the same kernel. The
# result is kept in $CACHE/kernels/<series>/ with a `kver` file naming the
# exact release; `build-root` names the build root (trixie or sid) its
# kbuild needs when the host's compiler is older than the one the kernel
# was built with (sim/build-root.sh). arm64 kernels cross-build modules with the amd64
# kbuild tools of the same release.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh SERIES [cache-dir], see the header of this script}
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

bookworm=(bookworm bookworm-updates bookworm-security)
case $series in
6.1) suites=("${bookworm[@]}") meta=linux-image-amd64 ;;
6.12) suites=("${bookworm[@]}") meta=linux-image-6.12-amd64 ;;
6.12-arm64) suites=("${bookworm[@]}") meta=linux-image-6.12-arm64 ;;
6.12-arm64-16k) suites=("${bookworm[@]}") meta=linux-image-6.12-arm64-16k ;;
7.3) suites=(trixie-backports) meta=linux-image-amd64 ;;
7.3-arm64) suites=(trixie-backports) meta=linux-image-arm64 ;;
7.3-arm64-16k) suites=(trixie-backports) meta=linux-image-arm64-16k ;;
7.2) suites=(sid) meta=linux-image-amd64 ;;
*) die "unknown kernel series '$series' (see the header of $0)" ;;
esac
case $series in
*arm64*) arch=arm64 flavour=arm64${series##*arm64} ;;
*) arch=amd64 flavour=amd64 ;;
esac

. "$(dirname "$0")/project-apt.sh"
papt_update "${suites[@]}"
apt_cache() { papt "${suites[@]}" -- apt-cache "$@"; }

image_pkg=$(apt_cache depends "$meta:$arch" 2>/dev/null |
	sed -n "s/^ *Depends: \(linux-image-[0-9].*-$flavour\)\(:$arch\)\?\$/\1/p" | head -n1 || true)
[ -n "$image_pkg" ] ||
	die "package $meta ($arch) is not in ${suites[*]}: is the archive reachable? (.cache/apt/update.log)"
kver=${image_pkg#linux-image-}
case $kver in "${series%%-*}".*) ;; *) die "$meta in ${suites[*]} is $kver, not a ${series%%-*} kernel" ;; esac
abi=${kver%-"$flavour"}

# Debian 13's kernels split the image into base, binary and modules
# packages: take every package of this release the image depends on.
packages=$(apt_cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances "$image_pkg:$arch" 2>/dev/null |
	sed -n 's/^\(linux-[^ :<>]*\)\(:[a-z0-9]*\)\?$/\1/p' | grep -F -- "$abi" | sort -u |
	sed "s/\$/:$arch/" || true)
kbuild_pkg=linux-kbuild-$abi
apt_cache show "$kbuild_pkg:amd64" >/dev/null 2>&1 || kbuild_pkg=linux-kbuild-${series%%-*}
wanted=("$image_pkg:$arch" $packages "linux-headers-$kver:$arch" "linux-headers-$abi-common"
	"$kbuild_pkg:amd64")

rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
(cd "$dest/debs" && papt "${suites[@]}" -- apt-get download -q "${wanted[@]}" \
	>"$dest/download.log" 2>&1) ||
	die "cannot download ${wanted[*]} from ${suites[*]} ($(tail -n 2 "$dest/download.log" | tr '\n' ' '))"
for deb in "$dest"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest/root"
done
rm -rf "$dest/debs" "$dest/download.log"
# Debian 13 keeps the image and modules in /usr/lib/modules/KVER (merged
# /usr): lay them out as Debian 12 does.
if [ -d "$dest/root/usr/lib/modules/$kver" ] && [ ! -e "$dest/root/lib" ]; then
	ln -s usr/lib "$dest/root/lib"
fi
if [ ! -e "$dest/root/boot/vmlinuz-$kver" ] && [ -f "$dest/root/lib/modules/$kver/vmlinuz" ]; then
	mkdir -p "$dest/root/boot"
	ln -s "../lib/modules/$kver/vmlinuz" "$dest/root/boot/vmlinuz-$kver"
fi
[ -f "$dest/root/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in the packages of $image_pkg"
[ -d "$dest/root/lib/modules/$kver/kernel" ] || die "no modules in the packages of $image_pkg"

# The headers' Makefile names the common headers (and, from Debian 13, its
# own output directory) by absolute path: point it at our copy so kbuild
# works from the cache.
hdr=$dest/root/usr/src/linux-headers-$kver
sed -i "s| /usr/src/| $dest/root/usr/src/|; s|=/usr/src/|=$dest/root/usr/src/|" "$hdr/Makefile"
# Guest modules are loaded by busybox insmod, which takes plain ELF files.
find "$dest/root/lib/modules/$kver" -name '*.ko.xz' -exec xz -d {} +
depmod -b "$dest/root" "$kver" 2>/dev/null || [ "$arch" != amd64 ]

# From 7.x kbuild asks scripts/checker-valid.sh whether sparse (C=1, C=2)
# works; Debian's headers lack the script: say yes when sparse is there.
common=$(dirname "$hdr")/linux-headers-$abi-common
if grep -q checker-valid.sh "$common/Makefile" && [ ! -e "$common/scripts/checker-valid.sh" ]; then
	printf '#!/bin/sh\n# Added by sim/fetch-kernel.sh.\ncommand -v "$1" >/dev/null && echo 1\n' \
		>"$common/scripts/checker-valid.sh"
	chmod +x "$common/scripts/checker-valid.sh"
fi

# A kernel built with a newer gcc than the host's needs a build root with
# that gcc: Debian 13's (gcc-14) or sid's.
kernel_gcc=$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)[0-9][0-9][0-9][0-9]$/\1/p' "$hdr/.config")
host_gcc=$(gcc -dumpversion | cut -d. -f1)
if [ -n "$kernel_gcc" ] && [ "$kernel_gcc" -gt "$host_gcc" ]; then
	if [ "$kernel_gcc" -le 14 ]; then echo trixie; else echo sid; fi >"$dest/build-root"
fi

echo "$kver" >"$dest/kver"
touch "$dest/ready"
echo "$dest"
