# The kernel's memory-failure handling of EGM pages: memory_failure(), which
# hardware error reports call and /sys/devices/system/memory/
# hard_offline_page calls for a test. On kernels that tell drivers of
# poisoned PFN-map memory (register_pfn_address_space, 7.x): the
# early-kill process that maps the page gets SIGBUS with BUS_MCEERR_AO at
# its address, the driver retires the block and a touch gets
# BUS_MCEERR_AR; a second failure in the block, one as a holder exits, and
# unbind, bind and unload leave no stale registration behind. Kernels
# without it refuse the page.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
pdev=nvgrace-egm.$pxm
base=$(region_var "$pxm" BASE)
size=$(region_var "$pxm" SIZE)
sys=/sys/class/egm/$dev
offline=/sys/devices/system/memory/hard_offline_page
page=$(egm-retired-test page-size)

# fail_page PHYS: memory_failure() of that page; fails when the kernel
# finds no owner for it.
fail_page() {
	echo "$1" >$offline
}
range_line() {
	printf '0x%016x 0x%016x' $(($1 & ~0xffff)) 65536
}

check "nvgrace-egm loads" load_egm
check "the kernel has hard_offline_page" test -w $offline
if ! grep -qw register_pfn_address_space /proc/kallsyms; then
	note "Linux $KVER has no memory-failure notification for PFN maps"
	check_fails "so it refuses an EGM page: memory outside its control" \
		fail_page $((base + 0x10000))
	check "and says so" sh -c "dmesg | grep -q 'memory outside kernel control'"
	check "nvgrace-egm unloads" unload_egm
	exit 0
fi

first=$((0x10000000 + 0x32345))
run_tap egm-retired-test memory-failure /dev/$dev "$size" $first $((base + first))
check "the kernel recovered the page through the region's pfn space" sh -c \
	"dmesg | grep -q '$(printf '%#x' $(((base + first) / page))): recovery action for non struct page pfn: Recovered'"
check "the driver logged the retirement" sh -c \
	"dmesg | grep -q 'egm $dev: retired \[$(printf '%#x' $((first & ~0xffff)))-.*\] (memory error)'"
check "retired_pages lists it" grep -q "^$(range_line $first)\$" $sys/retired_pages

check "a second failure in the block, nobody mapping it, is handled" \
	fail_page $((base + (first ^ page)))
is "and retires nothing more" "$(cat $sys/retired_pages_count)" 1

# As a holder exits: its mapping goes while the kernel looks for mappers.
exiting=$((0x20000000 + 0x1000))
egm-retired-test touch /dev/$dev $exiting >/dev/null &
fail_page $((base + exiting))
wait
check "a failure as a holder exits leaves the kernel well" test -c /dev/$dev

# Unbound under an open file: the region's pfn space is gone with it.
exec 3<>/dev/$dev
echo "$pdev" >$DRIVER_DIR/unbind
check_fails "after unbind the kernel finds no owner for its pages" \
	fail_page $((base + 0x30000000))
exec 3>&-
for i in 1 2 3; do
	echo "$pdev" >$DRIVER_DIR/bind
	echo "$pdev" >$DRIVER_DIR/unbind
done
echo "$pdev" >$DRIVER_DIR/bind
check_fails "bind after unbind registers the pfn space again without a clash" \
	sh -c "dmesg | grep -q 'not signalled'"
second=$((0x40000000 + 0x5000))
run_tap egm-retired-test memory-failure /dev/$dev "$size" $second $((base + second))
check "nvgrace-egm unloads" unload_egm
check_fails "after unload the kernel finds no owner for the pages" \
	fail_page $((base + 0x50000000))
