// SPDX-License-Identifier: GPL-2.0-only
/*
 * The platform driver: binding claims a region's memory and creates its
 * character device; unbinding revokes every mapping of it first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/numa.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "egm.h"
#include "egm_compat.h"

/*
 * The claim nests inside whatever resources already cover the range. EGM is
 * memory firmware reserved (or did not describe at all): anything else
 * around it, a PCI window or BAR, ACPI tables, RAM, means firmware points
 * at another device's memory.
 */
bool egm_claim_is_in_reserved_memory(struct device *dev,
				     const struct resource *claim)
{
	const struct resource *p;

	for (p = claim->parent; p && p != &iomem_resource; p = p->parent) {
		if (p->desc != IORES_DESC_RESERVED ||
		    (p->flags & IORESOURCE_SYSRAM)) {
			dev_err(dev, "%s %pR lies in '%s' %pR, not in reserved memory: refused\n",
				claim->name, claim, p->name, p);
			return false;
		}
	}
	return true;
}

/*
 * The region's write-back kernel mapping, in pieces of this size: unmapping
 * a piece costs time in proportion to its size on some kernels (debug
 * objects check every page), so unbinding reschedules between pieces.
 */
#define EGM_KADDR_PIECE_SHIFT	28
#define EGM_KADDR_PIECE		BIT_ULL(EGM_KADDR_PIECE_SHIFT)

/* At unbind, or at the region's release when probe failed after mapping. */
void egm_unmap_region_wb(struct egm_region *region)
{
	unsigned int i;

	for (i = 0; i < region->nr_kaddr_pieces; i++) {
		memunmap(region->kaddr_pieces[i]);
		cond_resched();
	}
	kvfree(region->kaddr_pieces);
	region->kaddr_pieces = NULL;
	region->nr_kaddr_pieces = 0;
}

/*
 * On x86 the mapping also records the write-back memory type for the
 * range, which user mappings then inherit.
 */
static int egm_map_region_wb(struct device *dev, struct egm_region *region)
{
	const struct egm_platform_data *pdata = region->pdata;
	unsigned int n = DIV_ROUND_UP_ULL(pdata->size, EGM_KADDR_PIECE);
	u64 offset, len;
	void *kaddr;

	region->kaddr_pieces = kvcalloc(n, sizeof(void *), GFP_KERNEL);
	if (!region->kaddr_pieces)
		return -ENOMEM;
	for (offset = 0; offset < pdata->size; offset += len) {
		len = min_t(u64, pdata->size - offset, EGM_KADDR_PIECE);
		kaddr = memremap(pdata->base + offset, len, MEMREMAP_WB);
		if (!kaddr) {
			dev_err(dev, "cannot map [%#llx-%#llx] write-back\n",
				pdata->base + offset,
				pdata->base + offset + len - 1);
			egm_unmap_region_wb(region);
			return -ENXIO;
		}
		region->kaddr_pieces[region->nr_kaddr_pieces++] = kaddr;
	}
	return 0;
}

/*
 * The kernel address of the region at @offset; *@len is cut to what is
 * mapped contiguously from there.
 */
void *egm_region_kaddr(const struct egm_region *region, u64 offset, u64 *len)
{
	u64 in_piece = offset & (EGM_KADDR_PIECE - 1);

	*len = min(*len, EGM_KADDR_PIECE - in_piece);
	return region->kaddr_pieces[offset >> EGM_KADDR_PIECE_SHIFT] + in_piece;
}

static int egm_probe(struct platform_device *pdev)
{
	const struct egm_platform_data *pdata = dev_get_platdata(&pdev->dev);
	struct device *dev = &pdev->dev;
	struct egm_region *region;
	struct resource *claim;
	char *name;
	int ret;

	if (!pdata)
		return -ENODEV;
	/* Memory may have been hot-added since discovery looked. */
	if (!egm_range_is_free_of_ram(pdata->base, pdata->size)) {
		dev_err(dev, "[%#llx-%#llx] intersects System RAM: refused\n",
			pdata->base, pdata->base + pdata->size - 1);
		return -EBUSY;
	}
	name = kasprintf(GFP_KERNEL, "nvgrace-egm PXM %u", pdata->pxm);
	if (!name)
		return -ENOMEM;
	/*
	 * Not devm: the claim lasts until the region is freed, after its last
	 * file, mapping and dma-buf are gone. Until then a device may still
	 * reach the memory (a VMM's VFIO IOMMU mapping, a pinning dma-buf
	 * importer), so the range must not be bound, scrubbed and handed to
	 * another tenant again.
	 */
	claim = request_mem_region(pdata->base, pdata->size, name);
	if (!claim) {
		dev_err(dev, "[%#llx-%#llx] is claimed: by another driver, or by this region's previous binding while its files, mappings or dma-bufs are still open\n",
			pdata->base, pdata->base + pdata->size - 1);
		kfree(name);
		return -EBUSY;
	}
	ret = -EBUSY;
	if (!egm_claim_is_in_reserved_memory(dev, claim))
		goto err_release;

	ret = -ENOMEM;
	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		goto err_release;
	region->pdata = pdata;
	region->numa_node = pxm_to_node(pdata->pxm);
	INIT_LIST_HEAD(&region->node);
	ret = egm_map_region_wb(dev, region);
	if (ret)
		goto err_free;
	ret = egm_retired_init_region(dev, region);
	if (ret)
		goto err_unmap;
	region->claim = claim;
	region->claim_name = name;

	/* From here on the region is freed by put_device(). */
	ret = egm_region_add_cdev(region, dev);
	if (ret)
		return ret;
	ret = egm_gpu_links_add_region(region);
	if (ret) {
		/* /dev/egmN was openable: stop any scrub an open started. */
		egm_region_revoke(region);
		egm_region_del_cdev(region);
		return ret;
	}
	platform_set_drvdata(pdev, region);
	egm_region_announce(region);
	dev_info(dev, "egm%u: [%#llx-%#llx] %llu MiB, node %d (scrubbed from node %d), %u GPU(s), %u retired range(s) from %u table entries\n",
		 pdata->pxm, pdata->base, pdata->base + pdata->size - 1,
		 pdata->size >> 20, region->numa_node, region->scrub_node,
		 pdata->nr_gpus, region->nr_retired,
		 region->retired_table_entries);
	egm_poison_region_added(region);
	egm_scrub_region_added(region);
	return 0;

err_unmap:
	egm_unmap_region_wb(region);
err_free:
	kfree(region);
err_release:
	release_mem_region(pdata->base, pdata->size);
	kfree(name);
	return ret;
}

static void egm_remove(struct platform_device *pdev)
{
	struct egm_region *region = platform_get_drvdata(pdev);

	egm_poison_region_removed(region);
	egm_region_revoke(region);
	egm_unmap_region_wb(region);
	egm_gpu_links_remove_region(region);
	egm_region_del_cdev(region);
}

struct platform_driver egm_platform_driver = {
	.probe = egm_probe,
	.EGM_PLATFORM_REMOVE = egm_remove,
	.driver = {
		.name = EGM_DRIVER_NAME,
	},
};
