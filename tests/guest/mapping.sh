# Mapping: entry sizes and their costs, data at every block boundary, and
# VMA operations (split, fork, mremap) over huge entries; the sysfs and
# mapping contract of NVIDIA's KubeVirt fork.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
size=$(region_var "$pxm" SIZE)
base=$(region_var "$pxm" BASE)

check "nvgrace-egm loads" load_egm
# The RFC's 4 KiB remap mapping is the benchmark's baseline, not a mode.
check_fails "no map_mode parameter" test -e /sys/module/nvgrace_egm/parameters/map_mode

# Huge PFN maps exist from 6.12; before that the fault path maps 4 KiB.
case $KSERIES in 6.1) entries=4k ;; *) entries=huge ;; esac
note "expecting $entries entries"
run_tap egm-test mapping /dev/$dev "$size" "$base" $entries
run_tap egm-test split-race /dev/$dev 3
check "the region is clean again" wait_clean /sys/class/egm/$dev
run_tap egm-test one-mapper /dev/$dev
# What NVIDIA's KubeVirt fork and its device plugin read and map.
run_tap egm-kubevirt-contract
check "nvgrace-egm unloads" unload_egm
