# Runs inside the simulated host (make bench, platform bench-1s): the mapping
# costs of one EGM region in map_mode=remap and map_mode=fault, and of the
# same amount of memory exposed through device-dax (legacy pmem made a
# 1 GiB-aligned devdax namespace) as the upstream reference. The modes
# alternate, after one warm-up pass each, and the median of the rounds is
# reported.
. ./lib.sh

rounds=$(sed -n 's/.*egm\.bench_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=${rounds:-5}
dev=/dev/$(echo $EXPECT_DEVICES | cut -d' ' -f1)
param=/sys/module/nvgrace_egm/parameters/map_mode
raw=/tmp/bench.raw

check "nvgrace-egm loads" load_egm
check "the host's root is mounted over 9p" mount_host_root
for m in nd_e820 nd_pmem dax_pmem device_dax; do
	modprobe $m
done
check "ndctl turns the legacy pmem into a devdax namespace, align 1 GiB" \
	chroot /host ndctl create-namespace -f -e namespace0.0 -m devdax -a 1G -M mem
dax=$(ls /sys/bus/dax/devices | head -n1)
is "device-dax uses 1 GiB alignment" "$(cat /sys/bus/dax/devices/$dax/align 2>/dev/null)" 1073741824
egm_size=$(cat /sys/class/egm/${dev#/dev/}/size)
dax_size=$(cat /sys/bus/dax/devices/$dax/size 2>/dev/null || echo 0)
size=$((egm_size < dax_size ? egm_size : dax_size))
size=$((size / 1073741824 * 1073741824))
check "both expose at least 1 GiB ($((size >> 20)) MiB compared)" test "$size" -ge 1073741824

# measure LABEL ACTION SIZE: one egm-bench run, appended to $raw.
measure() {
	case $1 in
	devdax) device=/dev/$dax ;;
	*) device=$dev; echo "$1" >$param ;;
	esac
	out=$(egm-bench "$2" "$device" "$3") || { fail "egm-bench $2 $1 $3"; return; }
	echo "$1 $2 $out" | sed 's/[a-z_]*=//g' >>"$raw"
}

# median LABEL ACTION SIZE_MIB COLUMN: columns are 4 mmap_us, 5 touch_ms,
# 6 faults, 7 pte_kb.
median() {
	grep "^$1 $2 $3 " "$raw" | awk '{ print $'"$4"' }' | sort -n |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'
}

rm -f "$raw"
for label in remap fault devdax; do
	measure $label touch $size
done
rm -f "$raw"
for round in $(seq "$rounds"); do
	for label in remap fault devdax; do
		measure $label touch $size
		# device-dax maps only whole multiples of its 1 GiB alignment.
		[ $label = devdax ] || measure $label map 268435456
		measure $label map 1073741824
		measure $label map $size
	done
done
echo auto >$param

mib=$((size >> 20))
gib=$((size >> 30))
note "bench: $rounds rounds, medians; touch = one write per 4 KiB page of $mib MiB"
note "bench: mode     mmap(256M) mmap(1G) mmap(${gib}G) | touch    faults   page tables"
for label in remap fault devdax; do
	note "$(printf 'bench: %-8s %8s us %6s us %6s us | %7s ms %8s %8s kB' $label \
		"$(median $label map 256 4)" "$(median $label map 1024 4)" \
		"$(median $label map $mib 4)" "$(median $label touch $mib 5)" \
		"$(median $label touch $mib 6)" "$(median $label touch $mib 7)")"
done
sed 's/^/# raw: /' "$raw"

# The targets of the mapping work, checked on these numbers.
faults=$(median fault touch $mib 6)
check "fault mode: touching $gib GiB took at most $gib+2 faults ($faults)" \
	test "$faults" -le $((gib + 2))
pte=$(median fault touch $mib 7)
check "fault mode: at most 16 kB of page tables per GiB ($pte kB)" \
	test "$pte" -le $((16 * gib))
remap_small=$(median remap map 256 4)
remap_big=$(median remap map $mib 4)
check "remap mode: mmap() time grows with the size (${remap_small} us for 256 MiB, ${remap_big} us for $mib MiB)" \
	test "$remap_big" -gt $((remap_small * 3))
fault_small=$(median fault map 256 4)
fault_big=$(median fault map $mib 4)
check "fault mode: mmap() time does not grow with the size (${fault_small} us, ${fault_big} us)" \
	test "$fault_big" -le $((fault_small * 2 + 50))
touch_fault=$(median fault touch $mib 5)
for other in remap devdax; do
	touch_other=$(median $other touch $mib 5)
	check "fault mode touches no slower than $other (${touch_fault} ms vs ${touch_other} ms)" \
		awk "BEGIN { exit !($touch_fault <= $touch_other * 1.10) }"
done
check "nvgrace-egm unloads" unload_egm
