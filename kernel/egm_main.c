// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvgrace-egm: exposes the Extended GPU Memory (EGM) regions of NVIDIA Grace
 * hosts as /dev/egmN, found from the GPUs' ACPI properties and independent
 * of whatever driver the GPUs are bound to.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>

#include "egm.h"

static int __init egm_init(void)
{
	int ret;

	ret = egm_scrub_init();
	if (ret)
		return ret;
	egm_poison_init();
	ret = egm_cdev_init();
	if (ret)
		goto err_scrub;
	ret = egm_gpu_links_init();
	if (ret)
		goto err_cdev;
	ret = platform_driver_register(&egm_platform_driver);
	if (ret)
		goto err_links;
	/*
	 * Last to fail: once a region exists, a file opened on it would
	 * outlive a failed load.
	 */
	ret = egm_acpi_discover();
	if (ret)
		goto err_driver;
	egm_hwerror_init();
	return 0;

err_driver:
	platform_driver_unregister(&egm_platform_driver);
err_links:
	egm_gpu_links_exit();
err_cdev:
	egm_cdev_exit();
err_scrub:
	egm_poison_exit();
	egm_scrub_exit();
	return ret;
}

static void __exit egm_exit(void)
{
	egm_hwerror_exit();
	egm_acpi_remove_devices();
	platform_driver_unregister(&egm_platform_driver);
	egm_gpu_links_exit();
	egm_cdev_exit();
	egm_dma_owners_exit();
	egm_poison_exit();
	egm_scrub_exit();
}

/*
 * EGM has no ACPI device of its own (its properties sit on the GPUs' nodes,
 * which have only _ADR), so nothing would load the module. The GPUs of
 * Grace hosts carry these PCI IDs: udev loads the module when one appears.
 * The driver binds no PCI device; on a host without EGM it finds nothing
 * and says so once.
 */
static const struct pci_device_id egm_autoload_gpu_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2342) },	/* GH200 120GB */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2345) },	/* GH200 480GB */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2348) },	/* GH200 */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2941) },	/* GB200 */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x31c2) },	/* GB300 */
	{}
};
MODULE_DEVICE_TABLE(pci, egm_autoload_gpu_ids);

module_init(egm_init);
module_exit(egm_exit);

MODULE_DESCRIPTION("NVIDIA Grace Extended GPU Memory (EGM) regions as character devices");
MODULE_LICENSE("GPL");
