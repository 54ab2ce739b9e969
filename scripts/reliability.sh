#!/bin/bash
# The figures of docs/reliability.rst, from one run (`make reliability`):
# on each kernel (default: the lockdep/KASAN/KFENCE/UBSAN/kmemleak debug
# 6.12 and Debian's 6.1) the firmware fault matrix (every defect platform's
# discovery test) and the stress test for STRESS_SECONDS (default 120);
# then every fuzzer for FUZZ_SECONDS (default 60). Prints reStructuredText
# tables and keeps them in build/reliability/report.rst. Fails if anything
# failed.
#
#   KERNELS="6.12-debug 6.1" STRESS_SECONDS=120 FUZZ_SECONDS=60 scripts/reliability.sh
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/tap-run.sh
kernels=${KERNELS:-6.12-debug 6.1}
stress_seconds=${STRESS_SECONDS:-120}
fuzz_seconds=${FUZZ_SECONDS:-60}
out=build/reliability
matrix="defects-a defects-b defects-c defects-d defects-e defects-f retired-defects no-egm"
stress_platform=gb200-4s
failed=0
rm -rf "$out"
mkdir -p "$out"

scripts/install-deps.sh >/dev/null || { echo "reliability: cannot install dependencies"; exit 1; }
for k in $kernels; do
	case $k in
	*-debug) sim/build-debug-kernel.sh >/dev/null ;;
	*) sim/fetch-kernel.sh "$k" >/dev/null ;;
	esac || { echo "reliability: no kernel $k"; exit 1; }
	make -s module kmod KVER="$k" 2>&1 | grep -v 'Skipping BTF generation'
done
make -s user fuzz-build || exit 1

# run KERNEL PLATFORM TEST [ARGS...]: one boot; prints "passed failed verdict"
run() {
	local k=$1 p=$2 t=$3
	shift 3
	tap_run sim/run-guest.sh -q -k "$k" -p "$p" -t "$t" -o "$out/runs/$k-$p-${t%.sh}" "$@"
	echo "$tap_output" >>"$out/runs.log"
	echo "$tap_output" | grep -E '^(PASS|FAIL) ' | tail -n1 >&2
	echo "$tap_passed $tap_failed $tap_verdict"
}

: >"$out/runs.log"
{
	echo "Firmware fault matrix"
	echo "---------------------"
	echo
	echo ".. list-table::"
	echo "   :header-rows: 1"
	echo
	echo "   * - platform"
	echo "     - expected log lines"
	for k in $kernels; do echo "     - $k"; done
	for p in $matrix; do
		defects=$(grep -c '^expect-log' "sim/platforms/$p.platform")
		echo "   * - \`\`$p\`\`"
		echo "     - $defects"
		for k in $kernels; do
			read -r ok bad verdict < <(run "$k" "$p" discovery.sh)
			[ "$verdict" = PASS ] || failed=$((failed + 1))
			echo "     - ${verdict:-FAIL}: ${ok:-0} checks passed, ${bad:-?} failed"
		done
	done
	echo
	echo "Stress ($stress_seconds s per kernel, \`\`$stress_platform\`\` egm4)"
	echo "---------------------------------------------------"
	echo
	for k in $kernels; do
		read -r ok bad verdict < <(run "$k" "$stress_platform" stress.sh \
			-a "egm.stress_seconds=$stress_seconds")
		[ "$verdict" = PASS ] || failed=$((failed + 1))
		cp "$out/runs/$k-$stress_platform-stress/result.tap" "$out/stress-$k.tap"
		echo "$k: ${verdict:-FAIL}, ${ok:-0} checks passed, ${bad:-?} failed;" \
			"$(grep -c 'kmemleak finds no unreferenced object' "$out/stress-$k.tap") kmemleak scan(s) clean"
		echo
	done
	echo ".. list-table::"
	echo "   :header-rows: 1"
	echo
	echo "   * - operation"
	for k in $kernels; do echo "     - $k"; done
	for kind in $(sed -n 's/^# ops \([a-z_]*\) .*/\1/p' "$out/stress-${kernels%% *}.tap"); do
		echo "   * - $kind"
		for k in $kernels; do
			echo "     - $(sed -n "s/^# ops $kind \([0-9]*\)$/\1/p" "$out/stress-$k.tap")"
		done
	done
	echo
	echo "Fuzzing ($fuzz_seconds s per target)"
	echo "--------------------------"
	echo
	echo ".. list-table::"
	echo "   :header-rows: 1"
	echo
	echo "   * - target"
	echo "     - executions"
	echo "     - edges covered"
	echo "     - corpus"
	echo "     - crashes, leaks"
	for f in build/fuzz/fuzz_*; do
		name=$(basename "$f")
		name=${name#fuzz_}
		mkdir -p "build/fuzz/corpus-$name"
		log=$out/fuzz-$name.log
		echo "reliability: fuzzing $name for $fuzz_seconds s" >&2
		if "$f" -max_total_time="$fuzz_seconds" -artifact_prefix=build/fuzz/ \
			"build/fuzz/corpus-$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
			found=0
		else
			found=1
			failed=$((failed + 1))
		fi
		done_line=$(grep 'DONE ' "$log" | tail -n1)
		echo "   * - \`\`$name\`\`"
		echo "     - $(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")"
		echo "     - $(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p') of $(sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -n1)"
		echo "     - $(echo "$done_line" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')"
		echo "     - $found"
	done
	echo
	echo "Run of $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD) on $(nproc) CPUs;" \
		"failures: $failed."
} >"$out/report.rst"
cat "$out/report.rst"
[ "$failed" -eq 0 ]
