#!/bin/bash
# The newest QEMU in Debian's archive: trixie-backports' (11.1), which needs
# trixie's libraries, so it lives in a trixie root of its own, with trixie's
# libvirt daemon (tests/guest/libvirt.sh),
# .cache/qemu-newest/root, made with debootstrap from the archive the host's
# apt sources name (sim/project-apt.sh). The simulated host's tests chroot
# into it for nested VMs (tests/guest/lib.sh, mount_newest_qemu_root); the
# arm64 host of platforms that inject firmware error records runs its
# qemu-system-aarch64 (bin/qemu-system-aarch64, which chroots). Prints the
# root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/qemu-newest
root=$dest/root
die() { echo "fetch-qemu-newest: $*" >&2; exit 1; }

libvirt_packages="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients"

# in_root COMMAND...: runs COMMAND in the root being made, with its /proc.
in_root() {
	unshare --mount --propagation private /bin/sh -c '
		root=$1
		shift
		mount -t proc proc "$root/proc" && exec chroot "$root" "$@"
	' sh "$tmp" "$@"
}

install_in_root() { # install_in_root [-t RELEASE] PACKAGE...
	in_root apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive in_root apt-get install -q -y --no-install-recommends "$@"
}

if [ -x "$root/usr/bin/qemu-system-x86_64" ] && [ -x "$root/usr/bin/qemu-system-aarch64" ] &&
	[ -x "$dest/bin/qemu-system-aarch64" ]; then
	if [ ! -x "$root/usr/sbin/libvirtd" ]; then
		# A root made before libvirt was part of it: add it in place.
		[ "$(id -u)" -eq 0 ] || die "adding libvirt to its root needs root (chroot)"
		tmp=$root
		install_in_root $libvirt_packages >>"$dest/debootstrap.log" 2>&1 ||
			die "cannot install libvirt in $root (see $dest/debootstrap.log)"
		rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*_Packages
	fi
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
install_in_root -t trixie-backports qemu-system-x86 qemu-system-arm qemu-system-data \
	qemu-efi-aarch64 >>"$log" 2>&1 ||
	die "cannot install qemu-system-x86 and qemu-system-arm from trixie-backports (see $log)"
install_in_root $libvirt_packages >>"$log" 2>&1 ||
	die "cannot install libvirt (see $log)"
rm -rf "$tmp/var/cache/apt/archives/"*.deb "$tmp/var/lib/apt/lists/"*_Packages
chroot "$tmp" qemu-system-x86_64 --version | grep -q 'QEMU emulator version' ||
	die "QEMU does not run in its root"
mv "$tmp" "$root"
# Runs the root's QEMU with the project's tree and /tmp at their own paths,
# so that the paths in its arguments mean the same inside.
mkdir -p "$dest/bin"
cat >"$dest/bin/qemu-system-aarch64" <<'WRAPPER'
#!/bin/sh
root=$(cd "$(dirname "$0")/../root" && pwd)
top=$(cd "$(dirname "$0")/../../.." && pwd)
exec unshare --mount --propagation private /bin/sh -c '
	root=$1 top=$2
	shift 2
	mkdir -p "$root$top" &&
	mount --bind "$top" "$root$top" &&
	mount --bind /tmp "$root/tmp" &&
	mount --bind /dev "$root/dev" &&
	mount -t proc proc "$root/proc" &&
	exec chroot "$root" qemu-system-aarch64 "$@"
' sh "$root" "$top" "$@"
WRAPPER
chmod 755 "$dest/bin/qemu-system-aarch64"
"$dest/bin/qemu-system-aarch64" --version | grep -q 'QEMU emulator version' ||
	die "the root's qemu-system-aarch64 does not run"
echo "$root"
