#!/bin/bash
# The driver built as a maintainer would: with W=1 and sparse (C=2) for each
# kernel, x86 and Grace's arm64 (cross-built against Debian's arm64
# headers, 4 KiB and 16 KiB pages); 7.x kernels in the Debian 13 build root
# their kbuild needs (sim/build-root.sh), with W=1 only: Debian's sparse
# (0.6.4, in Debian 12 and 13 alike) cannot parse 7.x headers
# (__typeof_unqual__). Any compiler or sparse message fails it.
#
#   KERNELS="6.12 6.1 6.12-arm64 6.12-arm64-16k 7.3 7.3-arm64 7.3-arm64-16k" \
#	scripts/kernel-checks.sh
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernels=${KERNELS:-6.12 6.1 6.12-arm64 6.12-arm64-16k 7.3 7.3-arm64 7.3-arm64-16k}
failed=0
for k in $kernels; do
	kdir=$(sim/fetch-kernel.sh "$k") || { echo "kernel-checks: no kernel $k"; failed=1; continue; }
	headers=$kdir/root/usr/src/linux-headers-$(cat "$kdir/kver")
	dir=build/kernel-checks/$k
	rm -rf "$dir" && mkdir -p "$dir"
	cp kernel/*.c kernel/*.h kernel/Kbuild "$dir/" && cp -r kernel/include "$dir/"
	in_root=() checker=(C=2) checks="W=1 and sparse"
	if [ -f "$kdir/build-root" ]; then
		in_root=(sim/build-root.sh run "$(cat "$kdir/build-root")" "$top")
		checker=() checks="W=1 (no sparse for 7.x)"
	fi
	out=$("${in_root[@]}" make -s -C "$headers" M="$top/$dir" W=1 "${checker[@]}" modules 2>&1 |
		grep -v 'Skipping BTF generation')
	arch=$(file -b "$dir/nvgrace-egm.ko" 2>/dev/null | cut -d, -f2 | sed 's/^ //')
	pages=$(sed -n 's/^CONFIG_ARM64_\(.*\)_PAGES=y/, \1 pages/p' "$headers/.config")
	if [ -n "$out" ] || [ ! -f "$dir/nvgrace-egm.ko" ]; then
		echo "$out"
		echo "kernel-checks: $k: not clean"
		failed=1
	else
		echo "kernel-checks: $k ($arch$pages): $checks clean"
	fi
done
[ "$failed" -eq 0 ]
