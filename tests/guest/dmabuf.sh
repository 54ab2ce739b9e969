# dma-buf export of EGM (EGM_DMABUF_EXPORT) with a test importer: bad
# requests, the importer's DMA ranges, the region held by the dma-buf,
# revocation on retirement and on unbind.
. ./lib.sh

check "nvgrace-egm loads" load_egm
check "the test importer loads" insmod /egm/egm_dmabuf_importer.ko
for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	pdev=$(basename "$(readlink -f /sys/class/egm/$dev/device)")
	retired=$(head -n1 /sys/class/egm/$dev/retired_pages | cut -d' ' -f1)
	run_tap egm-dmabuf-test /dev/$dev "$(region_var "$pxm" BASE)" "$pdev" $retired
done
check "the test importer unloads" rmmod egm_dmabuf_importer
check "nvgrace-egm unloads" unload_egm
