# Hostile user space for a bounded time (egm.stress_seconds= on the kernel
# command line, default 90): open races between threads of many processes,
# then random mmap/munmap/mremap/mprotect/madvise/fork/kill/ioctl/sysfs work
# against the first region while a controller unbinds and binds it, removes
# and reloads the module and rewrites its parameters. Afterwards: every
# region works, nothing is left claimed, the module unloads (no reference
# leaked) and, on kernels with kmemleak, no object leaked.
. ./lib.sh

seconds=$(sed -n 's/.*egm\.stress_seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
seconds=${seconds:-90}
dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
size=$(region_var "$pxm" SIZE)
kmemleak=
[ -w /sys/kernel/debug/kmemleak ] && kmemleak=1

check "nvgrace-egm loads" load_egm
[ -z "$kmemleak" ] || echo clear >/sys/kernel/debug/kmemleak

for d in $EXPECT_DEVICES; do
	is "as nobody, opening /dev/$d is refused" \
		"$(as-nobody egm-test open /dev/$d)" EACCES
	check_fails "as nobody, reading $d's base address is refused" \
		as-nobody cat /sys/class/egm/$d/base
	check_fails "as nobody, unbinding is refused" \
		as-nobody sh -c "echo nvgrace-egm.${d#egm} >$DRIVER_DIR/unbind"
	check_fails "as nobody, module parameters cannot be written" \
		as-nobody sh -c "echo 1 >/sys/module/nvgrace_egm/parameters/scrub_threads"
done

run_tap egm-stress race /dev/$dev 30

run_tap egm-stress abuse /dev/$dev "$size" "$seconds" 4 "$MODULE"

check "the module is loaded after the run" test -d /sys/module/nvgrace_egm
check "$dev is bound after the run" test -e $DRIVER_DIR/nvgrace-egm.$pxm
check "$dev opens again once scrubbed" egm-test open /dev/$dev
for d in $EXPECT_DEVICES; do
	run_tap egm-test basics /dev/$d "$(region_var "${d#egm}" SIZE)" \
		"$(region_var "${d#egm}" BASE)"
done
check "nvgrace-egm unloads: no file, mapping or dma-buf was leaked" unload_egm
check_fails "no claimed range is left" grep -q nvgrace-egm /proc/iomem
check_fails "no retired-pages table claim is left" grep -q 'retired-pages' /proc/iomem

if [ -n "$kmemleak" ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6		# kmemleak reports objects older than 5 s
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
	is "kmemleak finds no unreferenced object after the run" "$leaks" 0
	head -n 40 /sys/kernel/debug/kmemleak | sed 's/^/# /'
else
	note "this kernel has no kmemleak: leaks are checked on the debug kernel"
fi
