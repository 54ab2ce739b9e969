#!/bin/bash
# sim/run-guest.sh's handling of boots that go wrong, with tests/runner/
# fake-qemu playing each outcome: a boot that dies, hangs or reports a
# kernel problem before the test starts is retried (three boots at most);
# a problem once the test has started is never retried; a kernel message
# cut into the console's ready line changes nothing; a DSDT probe whose
# base64 a kernel line broke is retried. Prints TAP.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. tests/host-tap.sh
work=$top/build/runner-test

# run_guest PROBE_MODES BOOT_MODES: runs the runner with those outcomes,
# leaving its output in $work/output, its exit status in $work/status and
# the fake's calls in $work/state/calls.
run_guest() {
	rm -rf "$work/state" "$work/out"
	mkdir -p "$work/state" "$work/bin"
	echo "$1" | tr ' ' '\n' | sed '/^$/d' >"$work/state/probe-modes"
	echo "$2" | tr ' ' '\n' | sed '/^$/d' >"$work/state/boot-modes"
	ln -sf "$top/tests/runner/fake-qemu" "$work/bin/qemu-system-x86_64"
	PATH=$work/bin:$PATH FAKE_QEMU_STATE=$work/state EGM_BOOT_TIMEOUT=2 \
		EGM_DSDT_CACHE=${dsdt_cache:-$work/dsdt} \
		sim/run-guest.sh -k 6.12 -p gb200-2s -t discovery.sh -o "$work/out" \
		>"$work/output" 2>&1
	echo $? >"$work/status"
	sed 's/^/# /' "$work/output" | grep -v '^#     ok'
}
calls() { tr '\n' ' ' <"$work/state/calls" | sed 's/ $//'; }
status_is() { [ "$(cat "$work/status")" = "$1" ]; }
output_has() { grep -qF -- "$1" "$work/output"; }
calls_are() { [ "$(calls)" = "$1" ]; }

rm -rf "$work"
mkdir -p "$work"

echo "# a DSDT probe whose base64 a kernel line broke, then a clean one"
run_guest "noisy real" "pass"
tap_check "the probe is retried and the test boot runs" calls_are "probe noisy probe real boot pass"
tap_check "the runner says why it probed again" output_has "DSDT probe boot 1 gave no DSDT; retrying"
tap_check "the run passes" status_is 0
tap_check "the DSDT is cached once, whole" \
	sh -c "ls '$work/dsdt'/*.dsl | wc -l | grep -qx 1 && grep -q 'DefinitionBlock' '$work/dsdt'/*.dsl"
dsdt_cache=$work/dsdt

echo "# three probes without a DSDT"
dsdt_cache=$work/empty-dsdt run_guest "dead noisy dead" ""
tap_check "three probes, then no test boot" calls_are "probe dead probe noisy probe dead"
tap_check "the runner fails" status_is 1
tap_check "it says why and where the consoles are" output_has "no DSDT from 3 probe boots"
tap_check "nothing is cached" sh -c "! ls '$work/empty-dsdt'/*.dsl"

echo "# a boot that dies before the test, then one that passes"
run_guest "" "die pass"
tap_check "two boots" calls_are "boot die boot pass"
tap_check "the runner says the first died" output_has "boot 1 died before the test started; retrying"
tap_check "the run passes" status_is 0
tap_check "the dead boot's console is kept" test -s "$work/out/console.attempt1.log"

echo "# two boots that hang before the test, then one that passes"
run_guest "" "hang hang pass"
tap_check "three boots" calls_are "boot hang boot hang boot pass"
tap_check "the runner says they hung" output_has "boot 2 hung for 2s before the test started; retrying"
tap_check "the run passes" status_is 0

echo "# three boots that hang"
run_guest "" "hang hang hang"
tap_check "three boots, no more" calls_are "boot hang boot hang boot hang"
tap_check "the run fails" status_is 1
tap_check "it says the guest hung on each boot" output_has "guest hung before the test started, 2s on each of 3 boots"

echo "# an oops before the test, then a clean boot"
run_guest "" "oops-before pass"
tap_check "two boots" calls_are "boot oops-before boot pass"
tap_check "the runner says the first reported a problem" \
	output_has "boot 1 reported a kernel problem before the test started; retrying"
tap_check "the run passes" status_is 0

echo "# a WARNING once the test has started"
run_guest "" "oops-after pass"
tap_check "one boot: a problem after the start is never retried" calls_are "boot oops-after"
tap_check "the run fails" status_is 1
tap_check "on the kernel log's report" output_has "kernel log has reports"
tap_check "which it shows" output_has "WARNING: CPU: 1 PID: 80"

echo "# a kernel message cut into the console's ready line"
run_guest "" "pass-split"
tap_check "one boot" calls_are "boot pass-split"
tap_check "the run passes: the start is read from the TAP port" status_is 0

tap_done runner
