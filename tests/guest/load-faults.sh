# The module's load with each of its last allocations failing in turn
# (fault injection: the debug kernel), while another thread opens the first
# region: a load fails only before any region exists, or succeeds with its
# regions working. KASAN, lockdep and the log check watch for the rest.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
check "this kernel injects faults (/proc/self/fail-nth)" test -w /proc/self/fail-nth
# The last 400 fault points cover the module's init for two regions (its
# own allocations, device and sysfs creation). A load takes seconds on the
# debug kernel: each run fails one point in 8 of them, from a random start.
run_tap egm-load-faults /egm/nvgrace-egm-testing.ko /dev/$dev 400 8 testing_no_probe_scrub=1
check "nvgrace-egm loads afterwards" load_egm
is "with every region" "$(egm_devices)" "$(sorted_words "$EXPECT_DEVICES")"
check "nvgrace-egm unloads" unload_egm
