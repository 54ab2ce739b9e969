#!/bin/bash
# A newer Debian's build root in .cache/build-root/SUITE, for kernels whose
# kbuild Debian 12 cannot run: Debian's 7.3 headers were made with gcc-14
# (kbuild passes -fmin-function-alignment, unknown to gcc-12), sid's 7.2
# with gcc-16, and their kbuild tools (modpost, objtool) need glibc 2.38.
# SUITE is trixie (gcc-14) or sid. Made once with debootstrap from the
# archive the host's apt sources name; nothing is installed on the host but
# debootstrap itself (scripts/install-deps.sh).
#
#   sim/build-root.sh SUITE                  make it if needed; print its path
#   sim/build-root.sh run SUITE DIR CMD...   run CMD inside it, in DIR, with
#                                            the project's tree at the same path
#
# Inside, the project's top directory is bind-mounted at its own path, so
# absolute paths (the kernel cache, build/) mean the same on both sides.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "build-root: $*" >&2; exit 1; }
run=
if [ "${1:-}" = run ]; then
	run=1
	shift
fi
suite=${1:?usage: build-root.sh [run] trixie|sid ...}
shift
case $suite in trixie | sid) ;; *) die "no build root for '$suite' (trixie or sid)" ;; esac
root=$top/.cache/build-root/$suite

# What building and checking a module needs, for x86-64 and arm64.
packages=make,gcc,libc6-dev,bc,bison,flex,libelf-dev,libssl-dev,dwarves,kmod,xz-utils,gcc-aarch64-linux-gnu,libc6-dev-arm64-cross,sparse,perl,python3,file,ca-certificates

make_root() {
	local mirror tmp
	. "$top/sim/project-apt.sh"
	papt_setup
	mirror=$(cat "$papt_dir/mirror")
	[ "$(id -u)" -eq 0 ] || die "making the build root needs root (debootstrap)"
	command -v debootstrap >/dev/null || die "debootstrap is missing: run scripts/install-deps.sh"
	tmp=$root.tmp
	rm -rf "$tmp"
	mkdir -p "$(dirname "$root")"
	debootstrap --variant=minbase --include="$packages" \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$suite" "$tmp" "$mirror" >"$top/.cache/build-root/debootstrap-$suite.log" 2>&1 ||
		die "debootstrap of $suite failed (see .cache/build-root/debootstrap-$suite.log)"
	chroot "$tmp" gcc --version >/dev/null || die "the $suite build root has no working gcc"
	echo "$packages" >"$tmp/.egm-packages"
	mv "$tmp" "$root"
}

if [ ! -f "$root/.egm-packages" ] || [ "$(cat "$root/.egm-packages")" != "$packages" ]; then
	rm -rf "$root"
	make_root
fi

if [ -z "$run" ]; then
	echo "$root"
	exit 0
fi
dir=$1
shift
# A private mount namespace: the bind mounts vanish with the command.
exec unshare --mount --propagation private /bin/sh -c '
	root=$1 top=$2 dir=$3
	shift 3
	mkdir -p "$root$top" "$root/proc" "$root/dev" "$root/tmp"
	mount --bind "$top" "$root$top" &&
	mount -t proc proc "$root/proc" &&
	mount --bind /dev "$root/dev" &&
	exec chroot "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$dir" "$@"
' sh "$root" "$top" "$dir" "$@"
