#!/bin/bash
# Each built module listens to every memory error reporter its kernel has:
# the kernel's memory-failure handling of PFN maps (pfn_to_vma_pgoff),
# ACPI GHES memory error records (ghes_register_report_chain) and, on x86,
# machine checks. Kbuild finds the first two in the kernel's headers; this
# checks that it did, from the symbols each module imports.
#
#   scripts/check-error-reporters.sh KERNEL...   (default: every built one)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] ||
	mapfile -t kernels < <(ls build/kernel 2>/dev/null)
failed=0

for k in "${kernels[@]}"; do
	ko=build/kernel/$k/nvgrace-egm.ko
	# Debian's headers: the architecture's tree includes a -common one.
	common=$(ls -d .cache/kernels/"$k"/root/usr/src/linux-headers-*-common 2>/dev/null | head -n1)
	[ -n "$common" ] || continue
	[ -f "$ko" ] || { echo "error-reporters: $ko is missing"; failed=1; continue; }
	want=()
	grep -qs pfn_to_vma_pgoff "$common/include/linux/memory-failure.h" &&
		want+=(register_pfn_address_space unregister_pfn_address_space)
	grep -qs ghes_register_report_chain "$common/include/acpi/ghes.h" &&
		want+=(ghes_register_report_chain ghes_unregister_report_chain)
	case $k in *arm64*) ;; *) want+=(mce_register_decode_chain) ;; esac
	imports=$(nm "$ko" | awk '$1 == "U" { print $2 }')
	missing=
	for sym in "${want[@]}"; do
		echo "$imports" | grep -qx "$sym" || missing+=" $sym"
	done
	if [ -n "$missing" ]; then
		echo "error-reporters: $k: the module does not use$missing, which its kernel has"
		failed=1
	else
		echo "error-reporters: $k: ${want[*]}"
	fi
done
exit $failed
