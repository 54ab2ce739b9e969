#!/bin/bash
# make bench: the mapping and scrub benchmarks. Boots the benchmark host
# (sim/platforms/bench-1s) on Linux 6.12 and runs bench/guest-bench.sh in it. Prints the report and keeps it in
# build/bench/report.txt; the whole guest output stays in build/runs/.
#
#   BENCH_ROUNDS=N (default 5) rounds per mode.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rounds=${BENCH_ROUNDS:-5}
scripts/install-deps.sh
sim/fetch-kernel.sh 6.12 >/dev/null
make -s module kmod KVER=6.12 2>&1 | grep -v 'Skipping BTF generation' || true
make -s user
mkdir -p build/bench
status=0
sim/run-guest.sh -k 6.12 -p bench-1s -t bench/guest-bench.sh -T 3600 \
	-o build/runs/bench -a "memmap=3G!0x100000000 egm.bench_rounds=$rounds" || status=$?
sim/run-guest.sh -k 6.12 -p gb200-2s-full -t bench/nested-start.sh -T 1800 \
	-o build/runs/bench-nested -a "egm.bench_rounds=$rounds hugepagesz=1G hugepages=1" || status=$?
{
	echo "nvgrace-egm benchmark (mapping, scrubbing), $(date -u +%Y-%m-%d), $(qemu-system-x86_64 --version | head -n1)"
	echo "guest: $(sed -n 's/^KVER=//p' build/runs/bench/initramfs/root/egm/platform.env), platform bench-1s, TCG"
	sed -n 's/^# bench: //p' build/runs/bench/result.tap build/runs/bench-nested/result.tap
	grep -hE '^(not )?ok ' build/runs/bench/result.tap build/runs/bench-nested/result.tap
} | tee build/bench/report.txt
exit $status
