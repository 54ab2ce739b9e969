#!/bin/bash
# Builds a debug kernel for the simulated host from Debian's linux-source-6.12:
# x86_64_defconfig plus what the tests need, with lockdep (PROVE_LOCKING),
# KASAN, KFENCE, UBSAN, DEBUG_VM, DEBUG_OBJECTS, DEBUG_LIST, kmemleak (scanned
# on demand by the stress test, not automatically) and atomic-sleep checks. Debian ships no such kernel, so
# the locking and memory-safety checks of the suite need this one, and its
# fault injection (failslab, fail_page_alloc, /proc/PID/fail-nth) lets the
# suite fail the module's allocations one by one. It lands
# in the cache like a fetched kernel (series "6.12-debug"), so that
#
#   make check KERNELS=6.12-debug        (or: make check-debug)
#
# runs the whole in-guest suite on it. It also has iommufd and VFIO device
# cdevs, which Debian's kernels lack, for the iommufd test of EGM DMA. About 30 minutes on 2 cores; the
# result is reused. Prints the cache directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/sim/kernel-build.sh"
# A kernel built with another configuration than the one below is rebuilt
# (from the source already unpacked).
kernel_build_start 6.12-debug "$(sed -n '/^scripts\/config/,/^make -s olddefconfig/p' "$0")"
if [ ! -f "$dest/src/Makefile" ]; then
	rm -rf "$dest"
	mkdir -p "$dest/src" "$dest/root/boot"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q linux-source-6.12 >/dev/null 2>&1) ||
		die "cannot download linux-source-6.12"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.12_*.deb |
		tar -x -C "$tmp" './usr/src/linux-source-6.12.tar.xz'
	tar -xJf "$tmp/usr/src/linux-source-6.12.tar.xz" -C "$dest/src" --strip-components=1
	rm -rf "${tmp:?}/usr"
fi

cd "$dest/src"
make -s x86_64_defconfig
# Built in, so that the guest needs no module files of this kernel.
scripts/config --set-str LOCALVERSION -egm-debug \
	-d LOCALVERSION_AUTO -d DEBUG_INFO -d DEBUG_INFO_DWARF5 \
	-e DEBUG_INFO_NONE -d MODULE_SIG -d SECURITY_SELINUX \
	-e MODULES -e MODULE_UNLOAD -e KALLSYMS -e KALLSYMS_ALL \
	-e NUMA -e ACPI_NUMA -e X86_64_ACPI_NUMA -e ACPI_TABLE_UPGRADE \
	-e BLK_DEV_INITRD -e DEVTMPFS -e DEVTMPFS_MOUNT \
	-e TRANSPARENT_HUGEPAGE -e PCI -e HOTPLUG_PCI \
	-e VIRTIO -e VIRTIO_PCI -e NET_9P -e NET_9P_VIRTIO -e 9P_FS \
	-e LIBNVDIMM -e X86_PMEM_LEGACY -e BLK_DEV_PMEM -e ZONE_DEVICE \
	-e DEV_DAX -e DEV_DAX_PMEM -e MEMORY_HOTPLUG \
	-e DEBUG_KERNEL -e PROVE_LOCKING -e DEBUG_ATOMIC_SLEEP -e DEBUG_VM \
	-e DEBUG_LIST -e KASAN -e KASAN_GENERIC -e KASAN_INLINE \
	-e KFENCE -e DEBUG_OBJECTS -e DEBUG_OBJECTS_FREE -e DEBUG_OBJECTS_TIMERS \
	-e DEBUG_OBJECTS_WORK -e DEBUG_OBJECTS_RCU_HEAD -e DEBUG_OBJECTS_PERCPU_COUNTER \
	-e UBSAN -e UBSAN_BOUNDS -e UBSAN_SHIFT -e UBSAN_BOOL -e UBSAN_ENUM -d UBSAN_TRAP \
	-d UBSAN_ALIGNMENT -e DEBUG_VM_PGTABLE \
	-e DEBUG_FS -e DEBUG_KMEMLEAK -d DEBUG_KMEMLEAK_DEFAULT_OFF -d DEBUG_KMEMLEAK_AUTO_SCAN \
	-e SOFTLOCKUP_DETECTOR -e DETECT_HUNG_TASK -e MEMORY_FAILURE -e X86_MCE_INJECT \
	-e INTEL_IOMMU -e IRQ_REMAP -e VFIO -e VFIO_PCI -e VFIO_CONTAINER \
	-e VFIO_IOMMU_TYPE1 -e IOMMUFD -e VFIO_DEVICE_CDEV \
	-e FAULT_INJECTION -e FAILSLAB -e FAIL_PAGE_ALLOC -e FAULT_INJECTION_DEBUG_FS
make -s olddefconfig
kernel_build_require .config PROVE_LOCKING KASAN KFENCE DEBUG_OBJECTS UBSAN UBSAN_BOUNDS \
	DEBUG_LIST DEBUG_VM DEBUG_KMEMLEAK TRANSPARENT_HUGEPAGE ACPI_TABLE_UPGRADE 9P_FS \
	MEMORY_FAILURE X86_MCE_INJECT VFIO_PCI IOMMUFD VFIO_DEVICE_CDEV FAULT_INJECTION \
	FAILSLAB FAIL_PAGE_ALLOC
kernel_build_make "$dest/build.log" make -s -j"$(nproc)" bzImage modules
kver=$(make -s kernelrelease)
make -s INSTALL_MOD_PATH="$dest/root" modules_install >/dev/null
kernel_build_finish "$kver" arch/x86/boot/bzImage "$dest/src"
