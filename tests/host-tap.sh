# TAP for the host-side shell tests (tests/packaging/, tests/runner/),
# sourced. tap_check DESCRIPTION COMMAND... prints ok or not ok, and a
# failing command's last lines of output as comments; tap_done NAME prints
# the plan and the "# NAME: N passed, N failed" line scripts/check.sh reads,
# and fails if anything did.
tap_n=0
tap_failed=0

tap_check() {
	local what=$1 log
	shift
	tap_n=$((tap_n + 1))
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		echo "ok $tap_n - $what"
	else
		echo "not ok $tap_n - $what"
		sed 's/^/# /' "$log" | tail -n 20
		tap_failed=$((tap_failed + 1))
	fi
	rm -f "$log"
}

tap_done() {
	echo "1..$tap_n"
	echo "# $1: $((tap_n - tap_failed)) passed, $tap_failed failed"
	[ "$tap_failed" -eq 0 ]
}
