#!/bin/bash
# Debian's bookworm-backports QEMU (10.0), unpacked into .cache/qemu-backports:
# for x86, new enough for memory-backend-file offset= (8.2 and later), which
# egmctl's arguments need for a region with retired memory; for arm64, the
# simulated host's QEMU: its max CPU has what Grace's cores have for KVM
# (stage-2 forced write-back and DIC), which 7.2's lacks. The host's apt
# sources and its own QEMU are left alone: apt reads the project's view of
# the archive (sim/project-apt.sh). Prints the directory; its
# bin/qemu-system-x86_64 and bin/qemu-system-aarch64 run that QEMU with its
# own firmware and modules.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/qemu-backports
die() { echo "fetch-qemu: $*" >&2; exit 1; }

if [ -x "$dest/bin/qemu-system-x86_64" ] && [ -x "$dest/bin/qemu-system-aarch64" ]; then
	echo "$dest"
	exit 0
fi
rm -rf "$dest"
apt_dir=$(mktemp -d)
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$dest/root"
. "$top/sim/project-apt.sh"
papt_update bookworm-backports
(cd "$apt_dir" && papt bookworm-backports -- apt-get download -q \
	qemu-system-x86:amd64 qemu-system-arm:amd64 qemu-system-common:amd64 \
	qemu-system-data >/dev/null 2>&1) ||
	die "cannot download QEMU (qemu-system-x86, qemu-system-arm, qemu-system-common, qemu-system-data) from bookworm-backports"
for deb in "$apt_dir"/*.deb; do
	dpkg-deb -x "$deb" "$dest/root"
done
mkdir -p "$dest/bin"
for qemu in qemu-system-x86_64 qemu-system-aarch64; do
	cat >"$dest/bin/$qemu" <<WRAPPER
#!/bin/sh
# The backports QEMU, with its own firmware (-L) and modules.
root=\$(cd "\$(dirname "\$0")/../root" && pwd)
QEMU_MODULE_DIR=\$root/usr/lib/x86_64-linux-gnu/qemu
export QEMU_MODULE_DIR
exec "\$root/usr/bin/$qemu" -L "\$root/usr/share/qemu" "\$@"
WRAPPER
	chmod 755 "$dest/bin/$qemu"
	"$dest/bin/$qemu" --version | grep -q 'QEMU emulator version' ||
		die "the unpacked $qemu does not run (missing libraries?)"
done
echo "$dest"
