# A GB200-sized host (gb200-2s-full: 447 GiB a socket, the retired table
# full). The regions are never zeroed here (the testing build, contents
# unknown: docs/simulated-host.rst), so nothing below reads for zeros:
# seeking and mapping at size, what touching costs, the 4096 retired
# ranges through sysfs and the ioctl, unbinding with all of it mapped, a
# retirement at run time at the far end.
. ./lib.sh

check "nvgrace-egm (the testing build) loads" load_egm
check "it says the regions are handed out unzeroed" \
	sh -c "dmesg | grep -q 'nvgrace_egm: testing build: regions are handed out unzeroed, contents unknown'"
check "and the kernel is tainted for a test (TAINT_TEST)" \
	test $(($(cat /proc/sys/kernel/tainted) >> 18 & 1)) = 1

for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	size=$(region_var "$pxm" SIZE)
	is "$dev: size is a GB200 socket's (447 GiB)" "$(cat /sys/class/egm/$dev/egm_size)" 0x6fc0000000
	want_list=$(expected_retired_list "$pxm" "$(cat /sys/class/egm/$dev/retired_block_size)")
	want=$(echo "$want_list" | grep -c .)
	is "$dev: retired_pages_count" "$(cat /sys/class/egm/$dev/retired_pages_count)" "$want"
	is "$dev: retired_pages lists the $want ranges of the table" \
		"$(cat /sys/class/egm/$dev/retired_pages)" "$want_list"
	egm-retired-test list /dev/$dev >/tmp/ioctl-list
	check "$dev: EGM_RETIRED_PAGES_LIST gives the same $want ranges as retired_pages" \
		cmp -s /tmp/ioctl-list /sys/class/egm/$dev/retired_pages
	if [ "$want" -eq 0 ]; then
		run_tap egm-test at-size /dev/$dev "$size" "nvgrace-egm.$pxm"
		# A retirement at run time in the region's last GiB, under a live
		# mapping of all of it (debugfs, as retired.sh does on small regions).
		run_tap egm-retired-test runtime /dev/$dev "$size" $((size - 0x40000000 + 0x12345678)) huge
	fi
done

check "nvgrace-egm unloads" unload_egm
