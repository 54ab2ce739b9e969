# Mapping: entry sizes and their costs in each map_mode, data at every block
# boundary, and VMA operations (split, fork, mremap) over huge entries;
# the sysfs and mapping contract of NVIDIA's KubeVirt fork.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
size=$(region_var "$pxm" SIZE)
base=$(region_var "$pxm" BASE)
param=/sys/module/nvgrace_egm/parameters/map_mode

check "nvgrace-egm loads" load_egm
is "map_mode defaults to auto" "$(cat $param)" auto
check_fails "map_mode refuses a bad value" sh -c "echo bogus >$param"
is "map_mode is unchanged after a bad write" "$(cat $param)" auto
check "the kernel log says why" sh -c "dmesg | grep -q 'map_mode must be auto, remap or fault'"

# Huge PFN maps exist from 6.12; before that the fault path maps 4 KiB.
case $KSERIES in 6.1) fault_entries=4k ;; *) fault_entries=huge ;; esac
for mode in auto remap fault; do
	echo $mode >$param
	expect=$fault_entries
	[ $mode = remap ] && expect=remap
	note "map_mode=$mode: expecting $expect entries"
	run_tap egm-test mapping /dev/$dev "$size" "$base" $expect
done
echo auto >$param
run_tap egm-test split-race /dev/$dev 3
check "the region is clean again" wait_clean /sys/class/egm/$dev
run_tap egm-test one-mapper /dev/$dev
# What NVIDIA's KubeVirt fork and its device plugin read and map.
run_tap egm-kubevirt-contract
check "nvgrace-egm unloads" unload_egm
