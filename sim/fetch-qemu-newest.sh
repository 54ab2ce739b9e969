#!/bin/bash
# The newest QEMU in Debian's archive for the simulated host's nested VMs:
# trixie-backports' (11.1), which needs trixie's libraries, so it lives in
# a trixie root of its own, .cache/qemu-newest/root, made with debootstrap
# from the archive the host's apt sources name (sim/project-apt.sh). The
# guest's tests chroot into it as they do into the host's root (tests/guest/
# lib.sh, mount_newest_qemu_root). Prints the root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/qemu-newest
root=$dest/root
die() { echo "fetch-qemu-newest: $*" >&2; exit 1; }

if [ -x "$root/usr/bin/qemu-system-x86_64" ]; then
	echo "$root"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "making its root needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is missing: run scripts/install-deps.sh"
. "$top/sim/project-apt.sh"
papt_setup
mirror=$(cat "$papt_dir/mirror")
tmp=$dest/root.tmp
rm -rf "$dest"
mkdir -p "$dest"
log=$dest/debootstrap.log
debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	trixie "$tmp" "$mirror" >"$log" 2>&1 ||
	die "debootstrap of trixie failed (see $log)"
echo "deb $mirror trixie-backports main" >"$tmp/etc/apt/sources.list.d/backports.list"
# A private mount namespace for the chroot's /proc, gone with the command.
unshare --mount --propagation private /bin/sh -c '
	mount -t proc proc "$1/proc" &&
	chroot "$1" apt-get update -q &&
	DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get install -q -y \
		--no-install-recommends -t trixie-backports \
		qemu-system-x86 qemu-system-data
' sh "$tmp" >>"$log" 2>&1 ||
	die "cannot install qemu-system-x86 from trixie-backports (see $log)"
rm -rf "$tmp/var/cache/apt/archives/"*.deb "$tmp/var/lib/apt/lists/"*_Packages
chroot "$tmp" qemu-system-x86_64 --version | grep -q 'QEMU emulator version' ||
	die "QEMU does not run in its root"
mv "$tmp" "$root"
echo "$root"
