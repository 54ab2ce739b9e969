# shellcheck shell=bash disable=SC2034  # tap_* are read by the caller
# Runs one of the project's TAP producers and counts its results, for
# scripts/check.sh and scripts/reliability.sh; sourced. Every producer ends
# with one summary line: "# NAME: N passed, N failed" (tests/host-tap.sh's
# tap_done) or "PASS|FAIL LABEL: N passed, N failed (...)"
# (sim/run-guest.sh).
#
# tap_run COMMAND [ARGS...]: runs it; sets tap_output (all it printed),
# tap_passed and tap_failed (from its summary line) and tap_verdict (PASS
# or FAIL). A missing summary line, a FAIL verdict or a non-zero exit
# status counts as at least one failure.
tap_run() {
	local status summary
	tap_output=$("$@" 2>&1)
	status=$?
	summary=$(printf '%s\n' "$tap_output" |
		grep -E '^(PASS |FAIL |# )[^ ]+: [0-9]+ passed, [0-9]+ failed' | tail -n1)
	tap_passed=$(echo "$summary" | sed -n 's/^[^:]*: \([0-9]*\) passed, .*/\1/p')
	tap_failed=$(echo "$summary" | sed -n 's/^[^:]*: [0-9]* passed, \([0-9]*\) failed.*/\1/p')
	tap_passed=${tap_passed:-0}
	tap_failed=${tap_failed:-0}
	tap_verdict=PASS
	if [ -z "$summary" ] || [ "$status" -ne 0 ] || [ "${summary#FAIL }" != "$summary" ]; then
		tap_verdict=FAIL
		[ "$tap_failed" -gt 0 ] || tap_failed=1
	fi
}
