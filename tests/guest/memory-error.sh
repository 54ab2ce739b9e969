# Memory errors at run time, as the platform reports them: x86 machine
# checks (mce-inject), arm64 firmware-first records (GHES, injected through
# QEMU on platforms with ras), as on Grace. Each retires its 64 KiB block
# whether the region is mapped, idle or unbound. A process touching the
# block gets SIGBUS with BUS_MCEERR_AR at the address, no mapping reaches
# it again, the scrub leaves it alone, and the rest of the region and the
# other regions go on working.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
other=$(echo $EXPECT_DEVICES | cut -d' ' -f2)
pxm=${dev#egm}
pdev=nvgrace-egm.$pxm
base=$(region_var "$pxm" BASE)
size=$(region_var "$pxm" SIZE)
sys=/sys/class/egm/$dev
block=65536

mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ "$(uname -m)" = x86_64 ]; then
	# A module on Debian's kernels, built in on the debug kernel.
	check "mce-inject loads" sh -c "modprobe mce-inject || test -d /sys/kernel/debug/mce-inject"
else
	check "the platform has the error-record port (ras)" \
		grep -qx egm.ras /sys/class/virtio-ports/*/name
fi
check "nvgrace-egm loads" load_egm

# inject PHYS [corrected]: an uncorrected (or corrected) memory error there.
inject() {
	egm-retired-test inject "$@"
}
# range_line OFFSET: the block's line in retired_pages.
range_line() {
	printf '0x%016x 0x%016x' $(($1 & ~(block - 1))) $block
}
# wait_listed OFFSET: retirement runs in a work item.
wait_listed() {
	i=0
	while ! grep -q "^$(range_line $1)\$" $sys/retired_pages && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "^$(range_line $1)\$" $sys/retired_pages
}

# A corrected error needs nothing: the memory still holds its data.
corrected=$((0x8000000 + 0x1000))
check "a corrected memory error" inject $((base + corrected)) corrected
sleep 1
is "retires nothing" "$(cat $sys/retired_pages_count)" 0
check "its page reads as before" \
	sh -c "egm-retired-test touch /dev/$dev $corrected | grep -q ': read '"

# Under a live mapping, with 1 GiB, 2 MiB and 4 KiB entries around it.
mapped=$((0x10000000 + 0x32345))
run_tap egm-retired-test runtime /dev/$dev "$size" $mapped huge $((base + mapped))
check "retired_pages lists the block" wait_listed $mapped
check "the log names the memory error" \
	sh -c "dmesg | grep -q 'egm $dev: retired \[$(printf '%#x-%#x' $((mapped & ~0xffff)) $((mapped | 0xffff)))\] (memory error)'"
check "the log says a second error in it changes nothing" \
	sh -c "dmesg | grep -q 'is retired already (memory error)'"
is "retired_pages_count counts the block once" "$(cat $sys/retired_pages_count)" 1

# An idle region: nobody maps the block, its data stays where it was and
# the scrub after the next use leaves it alone.
idle=$((0x20000000 + 0x4000))
first=$((idle & ~(block - 1)))
check "the idle region is clean" wait_clean
egm-retired-test fill-phys $((base + first)) $block
egm-retired-test fill-phys $((base + first + block)) $block
check "a memory error in an idle region" inject $((base + idle))
check "retires its block" wait_listed $idle
check "a new mapping gets SIGBUS there" \
	sh -c "egm-retired-test touch /dev/$dev $idle | grep -q 'SIGBUS, si_code BUS_MCEERR_AR'"
check "and reads its neighbour" \
	sh -c "egm-retired-test touch /dev/$dev $((first + block)) | grep -q ': read '"
check "the scrub after that use ends clean" wait_clean
is "the scrub left the retired block as it was" \
	"$(egm-retired-test phys-state $((base + first)) $block)" pattern
is "and zeroed its neighbour" \
	"$(egm-retired-test phys-state $((base + first + block)) $block)" zero

# While the holder exits: the error lands as its mapping goes away.
exiting=$((0x30000000 + 0x8000))
egm-retired-test touch /dev/$dev $exiting >/dev/null &
inject $((base + exiting))
wait
check "an error as the holder exits is retired" wait_listed $exiting

# Unbound: remembered, kept by the next binding and out of its scrub.
unbound=$((0x40000000 + 0x1000))
first=$((unbound & ~(block - 1)))
echo "$pdev" >$DRIVER_DIR/unbind
check "$dev is unbound" test ! -e $sys
egm-retired-test fill-phys $((base + first)) $block
check "a memory error in the unbound region" inject $((base + unbound))
check "the log says it is retired while unbound" \
	sh -c "dmesg | grep -q 'egm$pxm: retired \[$(printf '%#x-%#x' $first $((first + block - 1)))\] while unbound'"
echo "$pdev" >$DRIVER_DIR/bind
check "the next binding keeps it" wait_listed $unbound
check "and every earlier one" sh -c "grep -q '^$(range_line $mapped)\$' $sys/retired_pages && grep -q '^$(range_line $idle)\$' $sys/retired_pages"
check "the binding's scrub ends clean" wait_clean
is "and left it as it was" "$(egm-retired-test phys-state $((base + first)) $block)" pattern
check "a mapping gets SIGBUS there" \
	sh -c "egm-retired-test touch /dev/$dev $unbound | grep -q 'SIGBUS, si_code BUS_MCEERR_AR'"

# Unbound while a process maps it: the region goes away under the mapping,
# the error is remembered, and the binding after it has it.
revoked=$((0x50000000 + 0x2000))
exec 3<>/dev/$dev
echo "$pdev" >$DRIVER_DIR/unbind
check "an error after unbind, the file still open" inject $((base + revoked))
check "is remembered" sh -c "dmesg | grep -q 'egm$pxm: retired \[$(printf '%#x' $((revoked & ~0xffff)))-.*\] while unbound'"
exec 3>&-
echo "$pdev" >$DRIVER_DIR/bind
check "the rebound region has it" wait_listed $revoked
check_fails "and registered its memory-failure handler again without a clash" \
	sh -c "dmesg | grep -q 'not signalled'"

# Other regions and memory outside EGM.
if [ -n "$other" ]; then
	check "$other maps, writes and reads back" \
		sh -c "egm-retired-test touch /dev/$other 0x100000 | grep -q ': read '"
	is "$other has no runtime retirement" \
		"$(dmesg | grep -c "egm $other: retired .*(memory error)")" 0
fi
counts() {
	cat /sys/class/egm/*/retired_pages_count | tr '\n' ' '
}
before=$(counts)
# Below RAM on arm64 (the kernel's handling of a RAM page would poison it).
check "an error outside EGM" inject 0x1000000
sleep 1
is "retires nothing in any region" "$(counts)" "$before"

check "nvgrace-egm unloads" unload_egm
