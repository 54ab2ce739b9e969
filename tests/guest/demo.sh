# The demo (make demo): what nvgrace-egm finds on a simulated GB200 host.
# Lines starting with "# " are the narration; "ok" lines are checks.
. ./lib.sh

say() { echo "# $*"; }
show() { "$@" 2>&1 | sed 's/^/#     /'; }

say "=== A simulated Grace host: platform $PLATFORM, Linux $KVER ==="
say
say "1. Firmware hides each socket's EGM from the host kernel. The EGM ranges"
say "   are 'Reserved' in the memory map, never 'System RAM':"
show sh -c "grep -E 'System RAM|Reserved' /proc/iomem | grep -v '^ '"
say
say "2. SRAT gives each EGM range its own proximity domain (PXM 4, 5), and"
say "   Linux numbers its NUMA nodes densely, so PXM != node id:"
show sh -c "dmesg | grep 'SRAT: Node' | sed 's/^\[[^]]*\] //'"
say
say "3. Each GPU's ACPI node carries the EGM properties in its _DSD:"
for adev in /sys/bus/acpi/devices/*; do
	path=$(cat "$adev/path" 2>/dev/null) || continue
	case $path in *GPU*) ;; *) continue ;; esac
	pci=$(basename "$(readlink -f "$adev/physical_node" 2>/dev/null)")
	say "     $path  ->  PCI $pci"
done
say
say "4. Loading nvgrace-egm: it walks ACPI, groups the GPUs by PXM and checks"
say "   that every GPU of a socket agrees, then claims each region:"
check "insmod nvgrace-egm.ko" load_egm
show sh -c "dmesg | grep -i 'nvgrace-egm' | grep -v taint | sed 's/^\[[^]]*\] //'"
say
say "5. One character device per region, named by PXM, mode 0600:"
show ls -l /dev/egm4 /dev/egm5
say
say "6. sysfs tells operators and VMMs what each region is:"
for dev in egm4 egm5; do
	sys=/sys/class/egm/$dev
	say "   $sys: size=$(cat $sys/size) egm_size=$(cat $sys/egm_size)" \
		"pxm=$(cat $sys/pxm) numa_node=$(cat $sys/numa_node)" \
		"base=$(cat $sys/base) align=$(cat $sys/align)"
	for link in $(find $sys/ -maxdepth 1 -type l ! -name subsystem ! -name device); do
		say "     GPU link $(basename $link) -> $(readlink -f $link)"
	done
done
say
say "7. The claimed ranges in /proc/iomem:"
show sh -c "grep -B1 nvgrace-egm /proc/iomem"
say
say "8. Operators and VMMs see the regions with egmctl (libegm underneath):"
show egmctl list
say
say "9. A VMM asks egmctl how to start a VM whose RAM is egm4. All GPUs of a"
say "   socket go to the same VM (the simulated GPUs are not vfio devices, so"
say "   the VM below runs with --gpus none):"
show egmctl qemu-args egm4
check "the host's root is mounted over 9p (its unmodified QEMU runs here)" mount_nested_qemu_root
show chroot "${NESTED_ROOT:-/host}" qemu-system-x86_64 --version
args=$(egmctl qemu-args egm4 --gpus none)
say
say "10. Start the host's own QEMU with exactly those arguments and a tiny"
say "    guest that writes words 0x45474d00, 0x45474d01, ... into its RAM at"
say "    2 MiB:"
say "    qemu-system-x86_64 -M microvm -accel tcg $args -kernel nested-payload.elf"
# shellcheck disable=SC2086
start_payload_vm qemu-system-x86_64 -M microvm $args
show cat /tmp/qemu.log
check "the guest runs and reports that it wrote its pattern" grep -q '!' /tmp/vm-serial.log
say "    The host finds the guest's words in EGM, at base (from libegm) + 2 MiB:"
show egm-peek egm4 0x200000 4
check "guest RAM at 2 MiB is egm4 at offset 2 MiB" sh -c \
	"egm-peek egm4 0x200000 4 | grep -q '45474d00 45474d01 45474d02 45474d03'"
show egmctl list
check "no other process may open egm4 while the VM holds it (EBUSY)" sh -c "! cat /dev/egm4"
say
say "11. Stop the guest. Its memory is scrubbed at once, in the background,"
say "    before anyone else gets egm4; egmctl waits for it on the uevent:"
stop_payload_vm
show egmctl wait egm4
check "egm4 is clean again" sh -c "egmctl list | grep -q '^egm4 .* clean '"
show egm-peek egm4 0x200000 4
check "and the guest's words are gone" sh -c "egm-peek egm4 0x200000 4 | grep -q '00000000 00000000 00000000 00000000'"
sys=/sys/class/egm/egm4
say "    last scrub: $(($(cat $sys/scrub_last_duration_us) / 1000)) ms," \
	"$(cat $sys/scrub_last_throughput) MiB/s, $(cat $sys/scrub_last_threads) workers"
say
say "12. Memory that firmware retired for its error history is never handed"
say "    out. egm5's firmware table lists three pages; the driver keeps their"
say "    64 KiB blocks, merged, and tells VMMs (EGM_RETIRED_PAGES_LIST) and"
say "    operators (sysfs):"
show cat /sys/class/egm/egm5/retired_pages
say "    EGM_RETIRED_PAGES_LIST gives the same:"
show egm-retired-test list /dev/egm5
say "    A process that touches one gets SIGBUS (BUS_MCEERR_AR), never data;"
say "    its neighbours work:"
show egm-retired-test touch /dev/egm5 0x12345678
show egm-retired-test touch /dev/egm5 0x12355678
say "    A guest must never touch them either, so egmctl builds egm5's guest"
say "    RAM from the stretches between them (QEMU 8.2+: offset=), one NUMA"
say "    node each:"
show egmctl qemu-args egm5 --gpus none
check "rmmod nvgrace-egm" unload_egm
say
say "Done."
