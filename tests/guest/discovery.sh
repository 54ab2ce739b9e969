# Discovery on any platform: the driver creates exactly the expected
# /dev/egmN, each with the platform's size, PXM, base and GPU links, claims
# its range in /proc/iomem, and maps it correctly. Refused regions log why.
. ./lib.sh

note "platform $PLATFORM on $KVER: expecting '${EXPECT_DEVICES:-none}'"
# Loads the module and checks what a udev rule reads on each ADD uevent.
run_tap egm-uevent-test "$MODULE" "$(echo $EXPECT_DEVICES | wc -w)" "$LOAD_PARAMS"
is "exactly the expected /dev/egm* devices" "$(egm_devices)" \
	"$(sorted_words "$EXPECT_DEVICES")"
is "exactly the expected /sys/class/egm entries" \
	"$(ls /sys/class/egm 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(sorted_words "$EXPECT_DEVICES")"
check_expected_logs
if [ -z "$EXPECT_DEVICES" ]; then
	is "finding no region, the driver says so exactly once" \
		"$(dmesg | grep -c 'nvgrace_egm: no usable EGM region found')" 1
fi

# Nothing refused is claimed, let alone mapped: exactly one claim per device,
# and the retired-pages tables' temporary claims are gone.
is "one claimed range per expected device in /proc/iomem" \
	"$(grep -c ': nvgrace-egm PXM' /proc/iomem)" "$(echo $EXPECT_DEVICES | wc -w)"
check_fails "no retired-pages table stays claimed" grep -q 'retired-pages' /proc/iomem

for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	sys=/sys/class/egm/$dev
	size=$(region_var "$pxm" SIZE)
	base=$(region_var "$pxm" BASE)
	is "$dev: node is a character device with mode 600" \
		"$(stat -c '%F %a' /dev/$dev)" "character special file 600"
	is "$dev: size" "$(cat $sys/size)" "$size"
	is "$dev: egm_size in the RFC's hex form" "$(cat $sys/egm_size)" \
		"$(printf '%#x' "$size")"
	is "$dev: pxm" "$(cat $sys/pxm)" "$pxm"
	is "$dev: base" "$(cat $sys/base)" "$base"
	is "$dev: base is readable by root only" "$(stat -c %a $sys/base)" 400
	bits=$((base | size))
	is "$dev: align is the largest power of two dividing base and size" \
		"$(cat $sys/align)" "$((bits & -bits))"
	node=$(cat $sys/numa_node)
	if [ "$(region_var "$pxm" IN_SRAT)" = 1 ] && srat_ignored; then
		note "$dev: the kernel ignored the SRAT (too many proximity domains for its nodes)"
		is "$dev: no NUMA node without the SRAT" "$node" -1
	elif [ "$(region_var "$pxm" IN_SRAT)" = 1 ]; then
		check "$dev: numa_node $node is a node id" test "$node" -ge 0
		is "$dev: the NUMA node is the one SRAT gives PXM $pxm" \
			"$(dmesg | grep -c "SRAT: Node $node PXM $pxm ")" 1
	else
		is "$dev: SRAT lacks PXM $pxm: no NUMA node" "$node" -1
		check "$dev: the log says it has no NUMA node" \
			dmesg | grep -q "PXM $pxm: no NUMA node has this proximity domain"
	fi
	links=
	for gpu in $(region_var "$pxm" GPUS); do
		target=$(readlink -f "$sys/$gpu")
		check "$dev: $gpu is a PCI device" test -f "/sys/bus/pci/devices/$gpu/vendor"
		is "$dev: link $gpu points at the PCI device" "$target" \
			"$(readlink -f "/sys/bus/pci/devices/$gpu")"
		links="$links $gpu"
	done
	is "$dev: gpu_devices lists the socket's GPUs, one per line" \
		"$(cat $sys/gpu_devices)" "$(for gpu in $links; do echo $gpu; done)"
	is "$dev: no other links" \
		"$(find $sys/ -maxdepth 1 -type l ! -name subsystem ! -name device | xargs -n1 basename 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//')" \
		"$(sorted_words "$links")"
	end=$(printf '%x' $((base + size - 1)))
	check "$dev: /proc/iomem shows the claimed range named by PXM" \
		grep -q "${base#0x}-$end : nvgrace-egm PXM $pxm\$" /proc/iomem
	run_tap egm-test basics /dev/$dev "$size" "$base"
done

check "nvgrace-egm unloads" unload_egm
is "no /dev/egm* after unload" "$(egm_devices)" ""
check_fails "no claimed range after unload" grep -q nvgrace-egm /proc/iomem
