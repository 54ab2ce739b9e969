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
say "8. A VMM maps /dev/egm4 as guest RAM. Data written through the mapping"
say "   lands at the region's physical address:"
run_tap egm-test show-pattern /dev/egm4 "$REGION_4_SIZE" "$REGION_4_BASE"
say
say "9. Exclusive: while one VMM holds it, nobody else opens it:"
exec 3<>/dev/egm4
check_fails "a second open of /dev/egm4 is refused (EBUSY)" cat /dev/egm4
exec 3>&-
say
say "10. Mapping is nearly free: 1 GiB page-table entries, filled on demand."
say "    Touching every 4 KiB page of 2 GiB, in the RFC's remap mode and in"
say "    the default mode:"
for mode in remap auto; do
	echo $mode >/sys/module/nvgrace_egm/parameters/map_mode
	say "    map_mode=$mode: $(egm-bench touch /dev/egm4 "$REGION_4_SIZE")"
done
say
say "11. No tenant sees the previous one's data. Closing the region starts a"
say "    scrub in the background, on every CPU; the next open waits for it:"
run_tap egm-test scrub-pattern /dev/egm4 "$REGION_4_SIZE"
sys=/sys/class/egm/egm4
say "    now: scrub_state=$(cat $sys/scrub_state) (the second tenant has closed too)"
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
say "    A VMM that touches one gets a machine-check SIGBUS, which QEMU turns"
say "    into a memory error inside the guest; its neighbours work:"
show egm-retired-test touch /dev/egm5 0x12345678
show egm-retired-test touch /dev/egm5 0x12355678
check "rmmod nvgrace-egm" unload_egm
say
say "Done. The tools (libegm, egmctl) come next."
