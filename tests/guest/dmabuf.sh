# dma-buf export of EGM (EGM_DMABUF_EXPORT) with a test importer: bad
# requests, the importer's DMA ranges (dma_map_phys: memory, mapped at its
# physical address without an IOMMU), the region held by the dma-buf,
# revocation on retirement and on unbind; refused on 6.x.
. ./lib.sh

check "nvgrace-egm loads" load_egm
# Before dma_map_phys() with DMA_ATTR_REQUIRE_COHERENT (7.x), a device
# could map EGM only as MMIO: the driver exports nothing there.
case $KSERIES in
6.*)
	for dev in $EXPECT_DEVICES; do
		run_tap egm-dmabuf-test refused /dev/$dev
	done
	check "the log says why, once" sh -c \
		"[ \$(dmesg | grep -c 'dma-buf export needs dma_map_phys() with DMA_ATTR_REQUIRE_COHERENT') -ge 1 ]"
	check "nvgrace-egm unloads" unload_egm
	exit 0 ;;
esac
check "the test importer loads" insmod /egm/egm_dmabuf_importer.ko
for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	pdev=$(basename "$(readlink -f /sys/class/egm/$dev/device)")
	retired=$(head -n1 /sys/class/egm/$dev/retired_pages | cut -d' ' -f1)
	run_tap egm-dmabuf-test /dev/$dev "$(region_var "$pxm" BASE)" "$pdev" $retired
done
check "the test importer unloads" rmmod egm_dmabuf_importer
check "nvgrace-egm unloads" unload_egm
