# The scrub at the largest size this machine backs (scrub-8g: 8 GiB beside
# 1 GiB), two workers, the lockup detectors at their tightest (the runner
# fails the boot on any soft-lockup, RCU-stall or hung-task report): every
# scrub.sh behaviour at 8 GiB with open() of a clean region under 1 ms,
# throughput the same per byte at both sizes, and an unload that stops an
# 8 GiB scrub rather than wait for it.
. ./lib.sh

small=egm4
big=egm5
params=/sys/module/nvgrace_egm/parameters

check "the soft-lockup watchdog at 1 s (2 s to a report)" \
	sh -c "echo 1 >/proc/sys/kernel/watchdog_thresh"
check "hung tasks reported after 10 s" \
	sh -c "echo 10 >/proc/sys/kernel/hung_task_timeout_secs"
check "RCU stalls reported after 3 s" \
	sh -c "echo 3 >/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout"

check "nvgrace-egm loads" load_egm
check "$small's probe scrub ends clean" wait_clean /sys/class/egm/$small
check "$big's probe scrub ends clean" wait_clean /sys/class/egm/$big
note "first scrubs, which also make the host back the memory: $small $(cat /sys/class/egm/$small/scrub_last_throughput) MiB/s, $big $(cat /sys/class/egm/$big/scrub_last_throughput) MiB/s"
echo 2 >$params/scrub_threads

# open() of a clean region: under 1 ms; lockdep and KASAN make every
# syscall of the debug kernel several times slower under TCG.
case $KSERIES in *-debug) open_limit_ms=10 ;; *) open_limit_ms=1 ;; esac
run_tap egm-test scrub /dev/$big "$(region_var 5 SIZE)" $open_limit_ms
run_tap egm-test scrub /dev/$small "$(region_var 4 SIZE)" $open_limit_ms

# Five scrubs of each, alternating; the medians compared.
for round in 1 2 3 4 5; do
	for dev in $small $big; do
		egm-test open /dev/$dev && wait_clean /sys/class/egm/$dev
		echo "$dev $(cat /sys/class/egm/$dev/scrub_last_throughput) $(cat /sys/class/egm/$dev/scrub_last_threads)" >>/tmp/scrubs
	done
done
sed 's/^/# scrub (device, MiB\/s, workers): /' /tmp/scrubs
median_mib_s() { grep "^$1 " /tmp/scrubs | cut -d' ' -f2 | median; }
s=$(median_mib_s $small)
b=$(median_mib_s $big)
check "every scrub had two workers" sh -c "! grep -qv ' 2$' /tmp/scrubs"
check "8 GiB scrubs at the rate of 1 GiB, within 15% ($b and $s MiB/s)" \
	test $((b * 100)) -ge $((s * 85)) -a $((b * 100)) -le $((s * 115))

# One worker on 8 GiB, so that the scrub outlasts the unload's start on any
# kernel.
echo 1 >$params/scrub_threads
check_unload_stops_scrub $big "$(region_var 5 SIZE)"
