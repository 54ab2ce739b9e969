# GPU DMA into EGM through VFIO: the GPUs' stand-ins (QEMU's edu device, which
# has a DMA engine) go to vfio-pci in the simulated host, a nested VM gets
# them with exactly what `egmctl qemu-args` prints, and the DMA its payload
# starts lands in EGM: the VFIO type1 container maps PFN-mapped EGM for the
# device through the (emulated) IOMMU. Then the same with iommufd.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
iommufd_qemu=$HOST_TOP/.cache/qemu-backports/bin/qemu-system-x86_64
[ "${NESTED_QEMU:-}" != newest ] || iommufd_qemu=qemu-system-x86_64
PAYLOAD=dma-payload.elf

check "nvgrace-egm loads" load_egm
check "the host's root is mounted over 9p" mount_nested_qemu_root
note "$(chroot "${NESTED_ROOT:-/host}" qemu-system-x86_64 --version | head -n1)"
bind_gpus_to_vfio "$pxm"
expect_iommu=$(egmctl check | grep '^ok    iommu')
check "egmctl check finds the VFIO type1 container" test -n "$expect_iommu"

# The payload writes words 0x45474d00.. at 3 MiB and has the device copy them
# to 2 MiB; only the device writes 2 MiB.
# egmctl runs beside the QEMU that takes its arguments, and asks it.
root=${NESTED_ROOT:-/host}
args=$(chroot $root /mnt/tests/egmctl qemu-args $dev 2>/tmp/args.err)
note "qemu-args: $args"
sed 's/^/# egmctl: /' /tmp/args.err
nr_gpus=$(region_var "$pxm" GPUS | wc -w)
if chroot $root qemu-system-x86_64 -object help | grep -q acpi-generic-initiator; then
	want_gi=$((8 * nr_gpus))
else
	want_gi=0
fi
is "one acpi-generic-initiator node for each of 8 per GPU where QEMU has them" \
	"$(echo "$args" | tr ' ' '\n' | grep -c '^acpi-generic-initiator,')" $want_gi
# shellcheck disable=SC2086
start_payload_vm qemu-system-x86_64 -M microvm,pcie=on $args
sed 's/^/# qemu: /' /tmp/qemu.log
check "the nested guest found its GPU and finished the DMA" grep -q '!' /tmp/vm-serial.log
check "the GPU's DMA landed in EGM at $dev + 2 MiB" sh -c \
	"egm-peek $dev 0x200000 4 | grep -q '45474d00 45474d01 45474d02 45474d03'"
note "$(egm-peek $dev 0x200000 4)"
stop_payload_vm

# DMA that outlives a holding (docs/design.rst): a process that closed the
# region but keeps DMA mappings of it in a VFIO container keeps others out.
run_tap egm-dma-owners-test "/dev/$dev" "$(region_var "$pxm" GPUS | cut -d' ' -f1)"
check "the kernel log names who keeps the region" sh -c \
	"dmesg | grep -q 'open by .* refused: .* mapped the region, still runs, and may have DMA mappings of it'"

# What the DMA mapping costs: VFIO maps all 2 GiB of guest RAM at QEMU's
# start; a kprobe counts its iommu_map() calls and their sizes.
tracing=/sys/kernel/tracing
mountpoint -q $tracing || mount -t tracefs nodev $tracing
echo 'p:egm_iommu_map iommu_map size=%cx:u64' >$tracing/kprobe_events
egmctl wait $dev >/dev/null 2>&1
echo >$tracing/trace
echo 1 >$tracing/events/kprobes/egm_iommu_map/enable
# shellcheck disable=SC2086
start_payload_vm qemu-system-x86_64 -M microvm,pcie=on $args
echo 0 >$tracing/events/kprobes/egm_iommu_map/enable
check "the DMA lands in EGM" sh -c \
	"egm-peek $dev 0x200000 4 | grep -q '45474d00 45474d01 45474d02 45474d03'"
stats=$(sed -n 's/.*egm_iommu_map: .*size=\([0-9]*\).*/\1/p' $tracing/trace |
	awk '{ n++; s += $1; if ($1 > m) m = $1 } END { printf "%d calls, %d MiB, largest %d KiB", n, s / 1048576, m / 1024 }')
note "vfio-map-cost: iommu_map: $stats"
check "VFIO mapped the whole 2 GiB" sh -c "echo '$stats' | grep -q ', 20[0-9][0-9] MiB'"
largest_kib=$(echo "$stats" | sed 's/.*largest \([0-9]*\) KiB/\1/')
check "in large contiguous runs (largest call $largest_kib KiB, at least 1 GiB)" \
	test "$largest_kib" -ge 1048576
stop_payload_vm
echo >$tracing/kprobe_events

# iommufd: QEMU 10 (backports) or the newest with -object iommufd. Debian's kernels are
# built without CONFIG_IOMMUFD; the debug kernel has it.
args_iommufd=$(echo "$args" | sed 's/\(vfio-pci,host=[^ ]*\)/\1,iommufd=iommufd0/g')
# shellcheck disable=SC2086
start_payload_vm $iommufd_qemu -M microvm,pcie=on -object iommufd,id=iommufd0 $args_iommufd
sed 's/^/# qemu (iommufd): /' /tmp/qemu.log
if [ -c /dev/iommu ]; then
	# QEMU 10 maps guest RAM by address (IOMMU_IOAS_MAP: pinning fails);
	# QEMU 11 maps a file-backed RAM by its fd (IOMMU_IOAS_MAP_FILE, which
	# kernels before 6.13 lack).
	check "with iommufd, QEMU cannot map EGM-backed RAM for DMA" grep -Eq \
		"Region $dev-0: vfio_container_dma_map\(.*\) = -(14 \(Bad address|25 \(Inappropriate ioctl)" \
		/tmp/qemu.log
	check "egmctl qemu-args says why it keeps the type1 container" sh -c \
		"egmctl qemu-args $dev 2>&1 >/dev/null | grep -q 'not iommufd, which cannot map $dev'"
else
	# QEMU 10 fails at the VFIO device cdev, 11 at /dev/iommu.
	check "without CONFIG_IOMMUFD QEMU's iommufd has nothing to open" \
		grep -Eq 'vfio-dev: failed to load|/dev/iommu does not exist' /tmp/qemu.log
fi
check_fails "and no guest runs" grep -q '!' /tmp/vm-serial.log
stop_payload_vm

check "nvgrace-egm unloads" unload_egm
