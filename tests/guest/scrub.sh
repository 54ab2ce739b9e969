# Scrubbing: no tenant sees the data of the one before; open() of a clean
# region is instant, of a dirty one waits (or EAGAIN, or dies on SIGKILL);
# the scrub zeroes every byte; unbind and unload stop a scrub at once.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
size=$(region_var "$pxm" SIZE)
sys=/sys/class/egm/$dev
params=/sys/module/nvgrace_egm/parameters

check "nvgrace-egm loads" load_egm
state=$(cat $sys/scrub_state)
check "the probe starts a scrub (state $state)" \
	sh -c "[ $state = scrubbing ] || [ $state = clean ]"
is "scrub_threads defaults to 0 (the node's CPUs)" "$(cat $params/scrub_threads)" 0
check "the probe's scrub ends clean" wait_clean
# The PXM has no CPUs: the nearest do the work, its socket's on the grace
# topology (placement.sh checks where), all CPUs on the flat one or
# without NUMA.
cpus=$(region_var "$pxm" CPUS)
! srat_ignored || cpus=
is "it used one worker per CPU nearest the region" \
	"$(cat $sys/scrub_last_threads)" \
	"$( [ -n "$cpus" ] && echo $cpus | wc -w || grep -c ^processor /proc/cpuinfo)"
is "scrub_progress reached the size" "$(cat $sys/scrub_progress)" "$size"
check "a duration is recorded" test "$(cat $sys/scrub_last_duration_us)" -gt 0
check "a throughput is recorded" test "$(cat $sys/scrub_last_throughput)" -gt 0
note "probe scrub: $(($(cat $sys/scrub_last_duration_us) / 1000)) ms, $(cat $sys/scrub_last_throughput) MiB/s, $(cat $sys/scrub_last_threads) workers"

check_fails "scrub_threads refuses a count above the CPUs" sh -c "echo 100000 >$params/scrub_threads"
check_fails "scrub_threads refuses a word" sh -c "echo many >$params/scrub_threads"
check "the log says why" sh -c "dmesg | grep -q 'scrub_threads must be 0'"
is "scrub_threads is unchanged" "$(cat $params/scrub_threads)" 0
# The zeroing method and the scrub at probe are fixed behaviour.
for param in scrub_method scrub_on_probe map_mode retired_block_size; do
	check_fails "no $param parameter" test -e $params/$param
done

# One worker makes the scrub last long enough to open, and kill, during it.
echo 1 >$params/scrub_threads
run_tap egm-test scrub /dev/$dev "$size"
is "one worker when scrub_threads=1" "$(cat $sys/scrub_last_threads)" 1
echo 0 >$params/scrub_threads

run_tap egm-test scrub-pattern /dev/$dev "$size"
check "the pattern's scrub ends clean" wait_clean
note "scrub: $(cat $sys/scrub_last_throughput) MiB/s with $(cat $sys/scrub_last_threads) workers"

# Unbind and unload in the middle of a scrub: one worker leaves time to do
# both while it runs.
echo 1 >$params/scrub_threads
check "open and close start a scrub" egm-test open /dev/$dev
check "it ends clean" wait_clean
full_us=$(cat $sys/scrub_last_duration_us)
note "a whole scrub on one worker: $((full_us / 1000)) ms"
check "open and close start a scrub" egm-test open /dev/$dev
progress=$(cat $sys/scrub_progress)
check "the scrub is running ($progress of $size bytes)" test "$progress" -lt "$size"
check "unbind during the scrub ($progress of $size bytes done)" \
	sh -c "echo nvgrace-egm.$pxm >$DRIVER_DIR/unbind"
check_fails "/dev/$dev is gone" test -e /dev/$dev
check "bind again" sh -c "echo nvgrace-egm.$pxm >$DRIVER_DIR/bind"
check "the rebound region is scrubbed on probe and ends clean" wait_clean

check_unload_stops_scrub $dev "$size"

check "the testing build loads without the probe's scrub" load_egm_dirty
is "the region is dirty" "$(cat $sys/scrub_state)" dirty
is "O_NONBLOCK open of a dirty region gets EAGAIN" \
	"$(egm-test open /dev/$dev nonblock)" EAGAIN
state=$(cat $sys/scrub_state)
check "and starts its scrub (state $state)" \
	sh -c "[ $state = scrubbing ] || [ $state = clean ]"
check "a blocking open then succeeds" egm-test open /dev/$dev
# A mapper's exit alone lets go of the module: nothing reads dma_owners.
devs=$(for d in $EXPECT_DEVICES; do echo /dev/$d; done)
ms=$(egm-test map-exit-unload $devs)
check "a process maps every region and exits: the module unloads soon after ($ms)" \
	test "$(lsmod | grep -c '^nvgrace_egm ')" -eq 0
