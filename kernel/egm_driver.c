// SPDX-License-Identifier: GPL-2.0-only
/*
 * The platform driver: binding claims a region's memory and creates its
 * character device; unbinding revokes every mapping of it first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/numa.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "egm.h"
#include "egm_compat.h"

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
	egm_hwerror_region_added(region);
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
	egm_hwerror_region_removed(region);
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
