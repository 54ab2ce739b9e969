# Retired memory: each region lists exactly the blocks its firmware table
# retires (through sysfs and EGM_RETIRED_PAGES_LIST alike), computed here
# independently of the driver; retired blocks fault with SIGBUS
# BUS_MCEERR_AR and are never scrubbed; their neighbours map with the
# largest entries allowed; blocks retired at run time leave live mappings.
. ./lib.sh

params=/sys/module/nvgrace_egm/parameters
# The driver never retires less than a page (16 KiB on arm64-16k).
page=$(egm-retired-test page-size)
case $KSERIES in 6.1) fault_entries=4k ;; *) fault_entries=huge ;; esac

check_lists() { # check_lists BLOCK: the lists with BLOCK-byte retired blocks
	block=$(($1 > page ? $1 : page))
	for dev in $EXPECT_DEVICES; do
		pxm=${dev#egm}
		sys=/sys/class/egm/$dev
		want=$(expected_retired_list "$pxm" "$block")
		lines=$(echo "$want" | grep -c .)
		entries=$(region_var "$pxm" RETIRED_ENTRIES | wc -w)
		is "$dev: retired_block_size" "$(cat $sys/retired_block_size)" "$block"
		is "$dev: retired_pages lists the $lines ranges of $entries table entries" \
			"$(cat $sys/retired_pages)" "$want"
		is "$dev: retired_pages_count" "$(cat $sys/retired_pages_count)" "$lines"
		is "$dev: EGM_RETIRED_PAGES_LIST gives the same" \
			"$(egm-retired-test list /dev/$dev)" "$want"
		bytes=$(echo "$want" | awk '{ s += $2 } END { printf "%d", s }')
		is "$dev: retired_bytes" "$(cat $sys/retired_bytes)" "$bytes"
	done
}

# The first region with retired memory, for the fault tests, and the
# first without, where runtime retirement meets 1 GiB entries.
faulty= spotless=
for dev in $EXPECT_DEVICES; do
	if [ -n "$(region_var "${dev#egm}" RETIRED_ENTRIES)" ]; then
		[ -n "$faulty" ] || faulty=$dev
	else
		[ -n "$spotless" ] || spotless=$dev
	fi
done

# runtime_offset SIZE: a block in the middle of a 2 MiB block of the second
# GiB, or of the last quarter when there is only one; clear of the
# platforms' retired pages.
runtime_offset() {
	echo $(($1 > 1073741824 ? 0x40321000 : $1 / 4 * 3 + 0x321000))
}

# Mark retired blocks in physical memory first: the scrub must skip them.
if [ -n "$faulty" ]; then
	pxm=${faulty#egm}
	first=$(expected_retired_list "$pxm" 65536 | head -n1)
	marked=$(( $(region_var "$pxm" BASE) + ${first%% *} ))
	marked_len=$(( ${first##* } ))
	egm-retired-test fill-phys $marked $marked_len
	egm-retired-test fill-phys $((marked + marked_len)) $page
fi

check "nvgrace-egm loads" load_egm
check_expected_logs
check_lists 65536
check_fails "the retired block size is not a parameter (a hardware fact)" \
	test -e $params/retired_block_size

for dev in $EXPECT_DEVICES; do
	run_tap egm-retired-test ioctl-input /dev/$dev
done

if [ -n "$faulty" ]; then
	pxm=${faulty#egm}
	size=$(region_var "$pxm" SIZE)
	base=$(region_var "$pxm" BASE)
	sys=/sys/class/egm/$faulty
	i=0
	while [ "$(cat $sys/scrub_state)" != clean ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	is "$faulty: the scrub left the retired block alone" \
		"$(egm-retired-test phys-state $marked $marked_len)" pattern
	is "$faulty: and zeroed the page after it" \
		"$(egm-retired-test phys-state $((marked + marked_len)) $page)" zero

	run_tap egm-retired-test faults /dev/$faulty "$size" "$base" $fault_entries
	# A block in the middle of a clean 2 MiB block of the second GiB,
	# or of the first when there is only one.
	offset=$(runtime_offset "$size")
	run_tap egm-retired-test runtime /dev/$faulty "$size" $offset $fault_entries
	# Soon: every SIGBUS of the fault tests logs a line too.
	check "the log names the runtime retirement" sh -c \
		"dmesg | grep -q 'retired \[$(printf '%#x-%#x' $((offset & ~0xffff)) $((offset | 0xffff)))\] (debugfs)'"
	check_fails "debugfs refuses an offset beyond the region" \
		sh -c "echo $size >/sys/kernel/debug/nvgrace-egm/$faulty/retire"
	check_fails "debugfs refuses a word" \
		sh -c "echo soon >/sys/kernel/debug/nvgrace-egm/$faulty/retire"
	is "debugfs control is root-only, write-only" \
		"$(stat -c %a /sys/kernel/debug/nvgrace-egm/$faulty/retire)" 200

	if [ -n "$spotless" ]; then
		size=$(region_var "${spotless#egm}" SIZE)
		run_tap egm-retired-test runtime /dev/$spotless "$size" \
			"$(runtime_offset "$size")" $fault_entries
	fi

	# Runtime retirements outlive an unbind; each region keeps its own,
	# more than the firmware table's 4096.
	kept=$(printf '0x%016x 0x%016x' $((offset & ~0xffff)) 65536)
	rebind() {
		pdev=$(basename "$(readlink -f /sys/class/egm/$1/device)")
		echo "$pdev" >$DRIVER_DIR/unbind && echo "$pdev" >$DRIVER_DIR/bind
	}
	rebind $faulty
	check "$faulty: a runtime retirement outlives unbind and bind" \
		grep -q "^$kept\$" /sys/class/egm/$faulty/retired_pages
	check "the log says so" sh -c "dmesg | grep -q 'kept [0-9]* range(s) retired before this binding'"
	if [ -n "$spotless" ]; then
		i=0
		while [ $i -lt 4100 ]; do
			echo $((0x1000000 + i * 0x20000)) >/sys/kernel/debug/nvgrace-egm/$spotless/retire || break
			i=$((i + 1))
		done
		is "$spotless: 4100 separate blocks retired at run time" $i 4100
		count=$(cat /sys/class/egm/$spotless/retired_pages_count)
		rebind $spotless
		is "$spotless: all $count ranges outlive unbind and bind" \
			"$(cat /sys/class/egm/$spotless/retired_pages_count)" "$count"
	fi

	# They outlive an unload through egmctl retired-save and the module's
	# "retired" parameter.
	for dev in $EXPECT_DEVICES; do cat /sys/class/egm/$dev/retired_pages >/tmp/before.$dev; done
	egmctl retired-save >/tmp/retired.conf
	check "egmctl retired-save writes a modprobe.d line" grep -q '^options nvgrace_egm retired=0x' /tmp/retired.conf
	check "nvgrace-egm unloads" unload_egm
	check "nvgrace-egm loads with them" load_egm "$(sed -n 's/^options nvgrace_egm //p' /tmp/retired.conf)"
	for dev in $EXPECT_DEVICES; do
		check "$dev: every range retired before the unload is retired again" \
			cmp /tmp/before.$dev /sys/class/egm/$dev/retired_pages
	done
	check "nvgrace-egm unloads" unload_egm
	check_fails "a bad range fails the load" load_egm retired=0x1000+0
	check "the log says why" sh -c "dmesg | grep -q \"retired: '0x1000+0' is not PHYS or PHYS+LEN\""
	check "nvgrace-egm loads again" load_egm
fi
check "nvgrace-egm unloads" unload_egm
