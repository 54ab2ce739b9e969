#!/bin/bash
# Debian's udev (udevd, udevadm and the systemd library they use), unpacked
# into .cache/udev, for the in-guest test of the project's udev rule: the
# simulated host runs it from the host's root. Debian 12's, through the
# project's view of the archive (sim/project-apt.sh), whatever udev the host
# has installed. Nothing is installed on the host. Prints the directory;
# bin/udevd and bin/udevadm run that udev.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/udev
die() { echo "fetch-udev: $*" >&2; exit 1; }

if [ -x "$dest/bin/udevadm" ]; then
	echo "$dest"
	exit 0
fi
. "$top/sim/project-apt.sh"
suites=(bookworm bookworm-updates bookworm-security)
papt_update "${suites[@]}"
rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root" "$dest/bin"
(cd "$dest/debs" && papt "${suites[@]}" -- apt-get download -q udev:amd64 \
	libsystemd-shared:amd64 >/dev/null 2>&1) ||
	die "cannot download udev and libsystemd-shared"
for deb in "$dest"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest/root"
done
rm -rf "$dest/debs"
# udevd is udevadm by another name, through an absolute link.
ln -sf ../../bin/udevadm "$dest/root/lib/systemd/systemd-udevd"
libdir=$(dirname "$(find "$dest/root" -name 'libsystemd-shared-*.so' | head -n1)")
for tool in udevd:lib/systemd/systemd-udevd udevadm:bin/udevadm; do
	cat >"$dest/bin/${tool%%:*}" <<WRAPPER
#!/bin/sh
# The simulated host runs udev in a chroot of the host's root, where udevadm
# would otherwise ignore trigger, settle and control.
export SYSTEMD_IGNORE_CHROOT=1
LD_LIBRARY_PATH=$libdir exec $dest/root/${tool#*:} "\$@"
WRAPPER
	chmod +x "$dest/bin/${tool%%:*}"
done
"$dest/bin/udevadm" --version >/dev/null || die "the unpacked udevadm does not run"
echo "$dest"
