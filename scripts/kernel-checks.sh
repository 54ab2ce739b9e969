#!/bin/bash
# The driver built as a maintainer would: with W=1 and sparse (C=2) for each
# kernel, x86 and Grace's arm64 (cross-built against Debian's arm64 6.12
# headers, 4 KiB and 16 KiB pages). Any compiler or sparse message fails it.
#
#   KERNELS="6.12 6.1 6.12-arm64 6.12-arm64-16k" scripts/kernel-checks.sh
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernels=${KERNELS:-6.12 6.1 6.12-arm64 6.12-arm64-16k}
failed=0
for k in $kernels; do
	kdir=$(sim/fetch-kernel.sh "$k") || { echo "kernel-checks: no kernel $k"; failed=1; continue; }
	headers=$kdir/root/usr/src/linux-headers-$(cat "$kdir/kver")
	dir=build/kernel-checks/$k
	rm -rf "$dir" && mkdir -p "$dir"
	cp kernel/*.c kernel/*.h kernel/Kbuild "$dir/" && cp -r kernel/include "$dir/"
	out=$(make -s -C "$headers" M="$top/$dir" W=1 C=2 modules 2>&1 |
		grep -v 'Skipping BTF generation')
	arch=$(file -b "$dir/nvgrace-egm.ko" 2>/dev/null | cut -d, -f2 | sed 's/^ //')
	pages=$(sed -n 's/^CONFIG_ARM64_\(.*\)_PAGES=y/, \1 pages/p' "$headers/.config")
	if [ -n "$out" ] || [ ! -f "$dir/nvgrace-egm.ko" ]; then
		echo "$out"
		echo "kernel-checks: $k: not clean"
		failed=1
	else
		echo "kernel-checks: $k ($arch$pages): W=1 and sparse clean"
	fi
done
[ "$failed" -eq 0 ]
