#!/bin/bash
# The DKMS flow of docs/operator-guide.rst, against the cached Debian 6.12
# kernel instead of the running one, with every DKMS tree inside build/:
# stage the source as `make dkms-install` does, dkms add, build, install;
# then check the installed module (version magic, the GPU aliases that load
# it, modprobe resolving a Grace GPU's modalias to it), boot the simulated
# host on that very file, and remove it again. Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/host-tap.sh
work=$top/build/dkms
series=${1:-6.12}
kdir=$(sim/fetch-kernel.sh "$series") || exit 1
kver=$(cat "$kdir/kver")
headers=$kdir/root/usr/src/linux-headers-$kver
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' kernel/dkms.conf)

rm -rf "$work"
mkdir -p "$work/tree" "$work/root/lib/modules"
# The install target: the cached kernel's modules, linked, with writable
# index files for depmod.
cp -al "$kdir/root/lib/modules/$kver" "$work/root/lib/modules/"
for f in "$work/root/lib/modules/$kver"/modules.*; do
	cp --remove-destination "$f" "$f.copy" && mv "$f.copy" "$f"
done
dkms_opts=(--sourcetree "$work/stage/usr/src" --dkmstree "$work/tree")
# dkms install runs depmod on /lib/modules: give it ours, in a private mount
# namespace, so that the host's modules are never touched.
in_namespace() {
	mkdir -p /lib/modules
	unshare -m sh -c 'mount --bind "$0" /lib/modules && exec "$@"' \
		"$work/root/lib/modules" "$@"
}

echo "# DKMS $(dkms --version) against $kver"
tap_check "make dkms-source stages the module's source" \
	make -s dkms-source DESTDIR="$work/stage"
tap_check "dkms add" dkms add "${dkms_opts[@]}" "nvgrace-egm/$version"
tap_check "dkms build for $kver" dkms build "${dkms_opts[@]}" "nvgrace-egm/$version" \
	-k "$kver" --kernelsourcedir "$headers"
tap_check "dkms install for $kver" in_namespace dkms install "${dkms_opts[@]}" \
	"nvgrace-egm/$version" -k "$kver" --kernelsourcedir "$headers"
tap_check "dkms status says installed" \
	sh -c "dkms status ${dkms_opts[*]} nvgrace-egm/$version -k $kver | grep -q ': installed'"
installed=$(find "$work/root/lib/modules/$kver/updates/dkms" -name 'nvgrace-egm.ko*' 2>/dev/null | head -n1)
tap_check "the module is installed under updates/dkms" test -n "$installed"
tap_check "its version magic is $kver" \
	sh -c "modinfo -F vermagic '$installed' | grep -q '^$kver '"
tap_check "it carries the Grace GPUs' PCI aliases (GH200, GB200)" \
	sh -c "modinfo -F alias '$installed' | grep -q '^pci:v000010DEd00002342' &&
	       modinfo -F alias '$installed' | grep -q '^pci:v000010DEd00002941'"
# A GB200 GPU's modalias as udev sees it (3D controller class 0302).
gpu_modalias=pci:v000010DEd00002941sv000010DEsd00002199bc03sc02i00
tap_check "modprobe resolves a GB200 GPU's modalias to nvgrace-egm" \
	sh -c "modprobe -d '$work/root' -S $kver --show-depends $gpu_modalias | grep -q 'updates/dkms/nvgrace-egm.ko'"
tap_check "modprobe resolves no other NVIDIA device to it" \
	sh -c "! modprobe -d '$work/root' -S $kver --show-depends pci:v000010DEd00001234sv0sd0bc03sc00i00 2>/dev/null | grep -q nvgrace-egm"
tap_check "the DKMS-built module finds the simulated GB200's regions" \
	sim/run-guest.sh -q -k "$series" -p gb200-2s -t discovery.sh -m "$installed" -o "$work/guest"
tap_check "dkms remove takes it out" in_namespace dkms remove "${dkms_opts[@]}" \
	"nvgrace-egm/$version" -k "$kver"
tap_check "nothing is left under updates/dkms" \
	sh -c "! find '$work/root/lib/modules/$kver/updates' -name 'nvgrace-egm*' | grep -q ."
tap_done dkms
