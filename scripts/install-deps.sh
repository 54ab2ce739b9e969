#!/bin/bash
# Installs the Debian 12 packages nvgrace-egm needs to build, simulate and
# test. Idempotent: does nothing when everything is present.
set -euo pipefail

# One line per purpose: package names, then a comment.
package_list='
gcc make libc6-dev binutils                          # user space and the module
bc bison flex libelf-dev libssl-dev dwarves kmod     # kbuild, modpost, BTF
qemu-system-x86 qemu-utils                           # the simulated Grace host
acpica-tools                                         # iasl: the EGM DSDT
busybox-static cpio gzip xz-utils                    # the guest initramfs
libcmocka-dev pkg-config                             # host unit tests
clang libclang-rt-14-dev                             # libFuzzer (make fuzz)
ndctl                                                # the device-dax reference (make bench)
libjson-c-dev                                        # egmctl: JSON output
python3-jsonschema libxml2-utils                     # tests: egmctl JSON and XML output
gcc-aarch64-linux-gnu libc6-dev-arm64-cross sparse  # arm64 cross-builds, sparse
qemu-efi-aarch64                                     # UEFI of the arm64 simulated host (its QEMU: sim/fetch-qemu.sh)
dkms python3-docutils patch file                     # DKMS test, upstream series checks
debootstrap                                          # the build roots of 7.x kernels (sim/build-root.sh)
'
read -r -a names <<<"$(echo "$package_list" | sed 's/#.*//' | tr '\n' ' ')"

missing=()
for p in "${names[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root: $0" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
