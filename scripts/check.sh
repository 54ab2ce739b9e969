#!/bin/bash
# The project's test command (`make check`): installs what is missing, builds
# everything, then runs lint, the host unit tests and the in-guest suite on
# each kernel. Ends with one line "N passed, N failed".
#
#   KERNELS="6.12 6.1 7.3 6.12-arm64 6.12-arm64-16k 7.3-arm64 7.3-arm64-16k"
#   (default) selects the guest kernels: x86-64 ones run
#   tests/guest/suite.list, arm64 ones tests/guest/suite-arm64.list on the
#   arm64 simulated host, each the lines that name it (SUITE_FULL=1: all);
#   7.x kernels build in a Debian 13 or sid build root (sim/build-root.sh);
#   FUZZ_SECONDS (default 20) bounds each fuzzer's run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/tap-run.sh
kernels=${KERNELS:-6.12 6.1 7.3 6.12-arm64 6.12-arm64-16k 7.3-arm64 7.3-arm64-16k}
passed=0
failed=0
failures=()
failure_reports=()

count() { # count NAME PASSED FAILED
	passed=$((passed + $2))
	failed=$((failed + $3))
	[ "$3" -eq 0 ] || failures+=("$1")
}

scripts/install-deps.sh || { echo "check: cannot install dependencies"; exit 1; }
for k in $kernels; do
	sim/fetch-kernel.sh "$k" >/dev/null || { echo "check: cannot fetch kernel $k"; exit 1; }
	make -s module kmod KVER="$k" 2>&1 | grep -v 'Skipping BTF generation' ||
		true
	[ -f "build/kernel/$k/nvgrace-egm.ko" ] || { echo "check: module build failed for $k"; exit 1; }
done
make -s user unit-build fuzz-build || { echo "check: build failed"; exit 1; }
case $kernels in
*arm64*) make -s user-arm64 2>&1 | grep -v 'statically linked applications\|in function' ||
		true
	[ -x build/guest-arm64/egm-test ] || { echo "check: arm64 guest programs failed to build"; exit 1; } ;;
esac
# egmctl's VMs on regions with retired memory need QEMU 8.2, the arm64
# host QEMU 10 (bookworm-backports).
sim/fetch-qemu.sh >/dev/null || { echo "check: cannot fetch QEMU from bookworm-backports"; exit 1; }
# The demo and the VFIO test also run with the newest QEMU (trixie-backports).
sim/fetch-qemu-newest.sh >/dev/null || { echo "check: cannot make the newest QEMU's root"; exit 1; }
sim/fetch-udev.sh >/dev/null || { echo "check: cannot fetch udev for the udev rule's test"; exit 1; }

echo "== lint"
if scripts/lint.sh; then count lint 1 0; else count lint 0 1; fi

echo "== docs: docutils"
if scripts/check-docs.sh; then count docs 1 0; else count docs 0 1; fi

echo "== memory error reporters: each module uses every one its kernel has"
if scripts/check-error-reporters.sh $kernels; then count error-reporters 1 0; else count error-reporters 0 1; fi

echo "== W=1 (and sparse on 6.x) on x86 and arm64 (4K and 16K pages)"
if scripts/kernel-checks.sh; then count kernel-checks 1 0; else count kernel-checks 0 1; fi

echo "== the upstream patch series (checkpatch --strict, in-tree W=1 and sparse, docutils)"
if scripts/upstream-series.sh; then count upstream-series 1 0; else count upstream-series 0 1; fi

# run_host_tap NAME SCRIPT: a host-side TAP script (tests/host-tap.sh);
# its failures and summary are shown.
run_host_tap() {
	tap_run "$2"
	echo "$tap_output" | grep -E "^not ok|^#   |^# $1:"
	count "$1" "$tap_passed" "$tap_failed"
}

echo "== DKMS"
run_host_tap dkms tests/packaging/dkms.sh

echo "== fetches whatever the host has installed or enabled"
run_host_tap fetch-isolation tests/packaging/fetch-isolation.sh

echo "== the guest runner's retries (a fake QEMU plays each failure)"
run_host_tap runner tests/runner/boot-retries.sh

echo "== the frame of the kernels built here (a fake build)"
run_host_tap kernel-build-frame tests/runner/kernel-build-frame.sh

echo "== make install, uninstall and the DKMS source as a distribution packages them"
run_host_tap install tests/packaging/install.sh

echo "== egmctl on a fake sysfs"
run_host_tap egmctl-cli tests/egmctl/cli.sh

echo "== host unit tests"
for t in build/unit/*; do
	out=$("$t" 2>&1)
	status=$?
	echo "$out" | grep -E '^\[  (PASSED|FAILED)|^\[  FAILED' || true
	ok=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	bad=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	[ "$status" -eq 0 ] || bad=${bad:-1}
	count "$(basename "$t")" "${ok:-0}" "${bad:-0}"
done

echo "== fuzzing (${FUZZ_SECONDS:-20} s per parser)"
if make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >build/fuzz/check.log 2>&1; then
	grep -h -E '^fuzz_|^Done |DONE ' build/fuzz/check.log || true
	count fuzz 1 0
else
	tail -n 20 build/fuzz/check.log
	count fuzz 0 1
fi

for k in $kernels; do
	echo "== in-guest suite on $k"
	case $k in *arm64*) list=tests/guest/suite-arm64.list ;; *) list=tests/guest/suite.list ;; esac
	while read -r platform test kernels_of_line; do
		case $platform in '' | \#*) continue ;; esac
		# A line names the kernels make check runs it on; "=KERNEL" names
		# the only kernels it can run on, in every run; "!KERNEL" one it
		# never runs on (the list says why).
		case " $kernels_of_line " in *" !$k "*)
			echo "# $platform/$test: not on $k (tests/guest/$(basename "$list") says why)"
			continue ;;
		esac
		case " $kernels_of_line " in
		*" ="*) case " $kernels_of_line " in *" =$k "*) ;; *) continue ;; esac ;;
		*) [ -n "${SUITE_FULL:-}" ] ||
			case " $kernels_of_line " in *" $k "*) ;; *) continue ;; esac ;;
		esac
		tap_run sim/run-guest.sh -q -k "$k" -p "$platform" -t "$test"
		echo "$tap_output"
		count "$k/$platform/${test%.sh}" "$tap_passed" "$tap_failed"
		[ "$tap_verdict" = PASS ] || failure_reports+=("$(
			echo "$tap_output" | grep -q '^FAIL ' && echo "$tap_output" | grep -A 20 '^FAIL ' | head -n 20 ||
				{ echo "FAIL $k/$platform/${test%.sh}: the runner stopped:"; echo "$tap_output" | tail -n 10; })")
	done <"$list"
done

echo
# Again at the end, where a CI log that keeps only its tail still shows why.
for report in "${failure_reports[@]}"; do echo "$report"; done
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
