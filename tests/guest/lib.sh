# TAP helpers for in-guest test scripts (busybox sh). Results go to stdout,
# which the guest's init sends to the host over the second serial port.
. /egm/platform.env

MODULE=/egm/nvgrace-egm.ko
DRIVER_DIR=/sys/bus/platform/drivers/nvgrace-egm

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
note() { echo "# $*"; }

# check DESCRIPTION COMMAND [ARGS...]: passes when the command succeeds.
check() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		pass "$desc"
	else
		fail "$desc"
		sed 's/^/#   /' /tmp/check.out
	fi
}

# check_fails DESCRIPTION COMMAND [ARGS...]: passes when the command fails.
check_fails() {
	desc=$1
	shift
	check "$desc" fails "$@"
}

fails() {
	! "$@"
}

# is DESCRIPTION GOT EXPECTED
is() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

# Runs a C test program; its own TAP lines pass through. A crash or a
# non-zero exit is a failure of its own.
run_tap() {
	"$@"
	status=$?
	[ $status -eq 0 ] || fail "$* exited with status $status"
}

load_egm() {
	insmod "$MODULE" "$@"
}

unload_egm() {
	rmmod nvgrace_egm
}

egm_devices() {
	ls /dev | grep '^egm' | sort | tr '\n' ' ' | sed 's/ $//'
}

sorted_words() {
	echo "$@" | tr ' ' '\n' | grep . | sort | tr '\n' ' ' | sed 's/ $//'
}

region_var() {
	eval echo "\$REGION_$1_$2"
}

# Every line this test expects in the kernel log, from the platform file.
check_expected_logs() {
	i=0
	while [ "$i" -lt "$EXPECT_LOGS" ]; do
		text=$(eval echo "\"\$EXPECT_LOG_$i\"")
		if dmesg | grep -qF -- "$text"; then
			pass "kernel log has: $text"
		else
			fail "kernel log lacks: $text"
		fi
		i=$((i + 1))
	done
}
