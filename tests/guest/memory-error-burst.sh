# A burst of memory errors while the driver's retirement work waits (here
# for a dma-buf importer that is slow to unmap, as a device may be): more
# reports than the driver's 256-entry queue holds arrive, and every block
# is retired once the work goes on. x86 machine checks (mce-inject); the
# dma-buf needs 7.x.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
base=$(region_var "$pxm" BASE)
sys=/sys/class/egm/$dev
burst=300

mount -t debugfs none /sys/kernel/debug 2>/dev/null
# A module on Debian's kernels, built in on the debug kernel.
check "mce-inject loads" sh -c "modprobe mce-inject || test -d /sys/kernel/debug/mce-inject"
check "nvgrace-egm loads" load_egm
check "the test importer loads" insmod /egm/egm_dmabuf_importer.ko
check "$dev is clean" wait_clean $sys
egm-dmabuf-test hold /dev/$dev 0 0x200000 >/tmp/hold.out &
holder=$!
i=0
while ! grep -q held /tmp/hold.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "an importer maps [0, 2 MiB) and will be slow to unmap" grep -q held /tmp/hold.out

check "a memory error in the exported range" egm-retired-test inject $((base + 0x1000))
i=0
while [ "$(cat $sys/retired_pages_count)" -lt 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "its block is retired; the work now waits for the importer" \
	"$(cat $sys/retired_pages_count)" 1
check "$burst more errors, 128 KiB apart, while it waits" \
	egm-retired-test inject-many $((base + 0x400000)) 0x20000 $burst
echo unstall >/sys/kernel/debug/egm_dmabuf_importer/ctl
want=$((burst + 1))
i=0
while [ "$(cat $sys/retired_pages_count)" -lt $want ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
is "every block is retired once the work goes on" "$(cat $sys/retired_pages_count)" $want
check_fails "no report was lost" sh -c "dmesg | grep -q 'is not retired'"
kill $holder
wait $holder 2>/dev/null
check "the test importer unloads" rmmod egm_dmabuf_importer
check "nvgrace-egm unloads" unload_egm
