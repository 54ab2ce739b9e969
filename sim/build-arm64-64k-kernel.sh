#!/bin/bash
# Builds an arm64 kernel with 64 KiB pages for the arm64 simulated host, from
# Debian's linux-source-6.12: Debian ships arm64 kernels with 4 KiB and
# 16 KiB pages only, and Grace hosts often run 64 KiB ones. arm64 defconfig
# with virt.config (no SoC platforms), 64 KiB pages, and what the simulated
# host needs built in (ACPI with NUMA and the initrd table upgrade, UEFI,
# virtio, 9p); every other module off. Cross-built with
# gcc-aarch64-linux-gnu, out of the pristine source tree. It lands in the
# cache like a fetched kernel (series "6.12-arm64-64k"), so that
#
#   make check-arm64-64k
#
# runs the arm64 in-guest suite on it. About 15 minutes on 2 cores; the
# result is reused. Prints the cache directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/sim/kernel-build.sh"
# A kernel built with another configuration than the one below is rebuilt.
kernel_build_start 6.12-arm64-64k "$(sed -n '/^kmake defconfig/,/^kmake -s olddefconfig/p' "$0")"
src=$("$top/scripts/fetch-linux-source.sh")
rm -rf "$dest"
mkdir -p "$dest/build" "$dest/root/boot"
kmake() { make -C "$src" O="$dest/build" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "$@"; }

kmake defconfig virt.config >/dev/null
cfg=$dest/build/.config
# Modules of defconfig are not needed: the guest gets only ours.
sed -i 's/=m$/=n/' "$cfg"
"$src/scripts/config" --file "$cfg" --set-str LOCALVERSION -egm-64k \
	-d LOCALVERSION_AUTO -d DEBUG_INFO -d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT \
	-e DEBUG_INFO_NONE -d MODULE_SIG \
	-d ARM64_4K_PAGES -e ARM64_64K_PAGES -e ARM64_VA_BITS_48 \
	-e MODULES -e MODULE_UNLOAD -e KALLSYMS -e KALLSYMS_ALL \
	-e ACPI -e NUMA -e ACPI_NUMA -e ACPI_TABLE_UPGRADE -e EFI -e EFI_STUB \
	-e BLK_DEV_INITRD -e RD_GZIP -e DEVTMPFS -e DEVTMPFS_MOUNT \
	-e TRANSPARENT_HUGEPAGE -e MEMORY_FAILURE -e PCI -e PCI_HOST_GENERIC \
	-e VIRTIO -e VIRTIO_PCI -e VIRTIO_CONSOLE -e HVC_DRIVER \
	-e NET_9P -e NET_9P_VIRTIO -e 9P_FS -e SERIAL_AMBA_PL011 \
	-e SERIAL_AMBA_PL011_CONSOLE -e DEBUG_FS
kmake -s olddefconfig
kernel_build_require "$cfg" ARM64_64K_PAGES ACPI_NUMA ACPI_TABLE_UPGRADE EFI_STUB \
	TRANSPARENT_HUGEPAGE VIRTIO_CONSOLE 9P_FS SERIAL_AMBA_PL011_CONSOLE
kernel_build_make "$dest/build.log" kmake -s -j"$(nproc)" Image modules
kver=$(kmake -s kernelrelease)
mkdir -p "$dest/root/lib/modules/$kver"
kmake -s INSTALL_MOD_PATH="$dest/root" modules_install >/dev/null
# The build tree as headers cross-compiles like Debian's arm64 headers (its
# Makefile reads .kernelvariables).
printf 'override ARCH = arm64\noverride CROSS_COMPILE = aarch64-linux-gnu-\n' \
	>"$dest/build/.kernelvariables"
kernel_build_finish "$kver" "$dest/build/arch/arm64/boot/Image" "$dest/build"
