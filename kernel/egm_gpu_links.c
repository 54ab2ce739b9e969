// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/class/egm/egmN/<PCI address> links to the GPUs of a region, and the
 * same GPUs in gpu_devices. Only this driver creates or removes the links,
 * in its own directory. A PCI bus notifier follows GPUs that are
 * hot-removed and rescanned, so a link never dangles.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "egm.h"

static LIST_HEAD(egm_regions);
static DEFINE_MUTEX(egm_regions_lock);

static void egm_link_gpu(struct egm_region *region, unsigned int index,
			 struct pci_dev *pdev)
{
	int ret;

	if (region->linked_gpus[index])
		return;
	ret = sysfs_create_link(&region->dev.kobj, &pdev->dev.kobj,
				pci_name(pdev));
	if (ret) {
		dev_warn(&region->dev, "cannot link GPU %s: %d\n",
			 pci_name(pdev), ret);
		return;
	}
	region->linked_gpus[index] = pci_dev_get(pdev);
}

static void egm_unlink_gpu(struct egm_region *region, unsigned int index)
{
	struct pci_dev *pdev = region->linked_gpus[index];

	if (!pdev)
		return;
	sysfs_remove_link(&region->dev.kobj, pci_name(pdev));
	region->linked_gpus[index] = NULL;
	pci_dev_put(pdev);
}

int egm_gpu_links_add_region(struct egm_region *region)
{
	const struct egm_platform_data *pdata = region->pdata;
	struct pci_dev *pdev = NULL, **linked;
	unsigned int i;

	linked = kcalloc(pdata->nr_gpus, sizeof(*linked), GFP_KERNEL);
	if (!linked)
		return -ENOMEM;

	/* gpu_devices may be read already: it looks under the lock. */
	mutex_lock(&egm_regions_lock);
	region->linked_gpus = linked;
	list_add_tail(&region->node, &egm_regions);
	for_each_pci_dev(pdev)
		for (i = 0; i < pdata->nr_gpus; i++)
			if (ACPI_HANDLE(&pdev->dev) == pdata->gpus[i].handle)
				egm_link_gpu(region, i, pdev);
	mutex_unlock(&egm_regions_lock);
	return 0;
}

void egm_gpu_links_remove_region(struct egm_region *region)
{
	struct pci_dev **linked;
	unsigned int i;

	mutex_lock(&egm_regions_lock);
	list_del_init(&region->node);
	for (i = 0; i < region->pdata->nr_gpus; i++)
		egm_unlink_gpu(region, i);
	linked = region->linked_gpus;
	region->linked_gpus = NULL;
	mutex_unlock(&egm_regions_lock);
	kfree(linked);
}

static u32 egm_pci_order(const struct pci_dev *pdev)
{
	return (u32)pci_domain_nr(pdev->bus) << 16 | pdev->bus->number << 8 |
	       pdev->devfn;
}

/*
 * The socket's GPUs that are present, "%04x:%02x:%02x.%x" per line, in
 * address order (a socket has a handful).
 */
ssize_t egm_gpu_devices_show(struct egm_region *region, char *buf)
{
	struct pci_dev *pdev, *next;
	unsigned int i;
	int len = 0;

	mutex_lock(&egm_regions_lock);
	for (pdev = NULL;; pdev = next) {
		next = NULL;
		for (i = 0; region->linked_gpus && i < region->pdata->nr_gpus; i++) {
			struct pci_dev *gpu = region->linked_gpus[i];

			if (gpu && (!pdev || egm_pci_order(gpu) > egm_pci_order(pdev)) &&
			    (!next || egm_pci_order(gpu) < egm_pci_order(next)))
				next = gpu;
		}
		if (!next)
			break;
		len += sysfs_emit_at(buf, len, "%04x:%02x:%02x.%x\n",
				     pci_domain_nr(next->bus), next->bus->number,
				     PCI_SLOT(next->devfn), PCI_FUNC(next->devfn));
	}
	mutex_unlock(&egm_regions_lock);
	return len;
}

static int egm_pci_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct device *dev = data;
	acpi_handle handle = ACPI_HANDLE(dev);
	struct egm_region *region;
	unsigned int i;

	if (!handle || (action != BUS_NOTIFY_ADD_DEVICE &&
			action != BUS_NOTIFY_DEL_DEVICE))
		return NOTIFY_DONE;

	mutex_lock(&egm_regions_lock);
	list_for_each_entry(region, &egm_regions, node) {
		for (i = 0; i < region->pdata->nr_gpus; i++) {
			if (region->pdata->gpus[i].handle != handle)
				continue;
			if (action == BUS_NOTIFY_ADD_DEVICE)
				egm_link_gpu(region, i, to_pci_dev(dev));
			else if (region->linked_gpus[i] == to_pci_dev(dev))
				egm_unlink_gpu(region, i);
		}
	}
	mutex_unlock(&egm_regions_lock);
	return NOTIFY_OK;
}

static struct notifier_block egm_pci_nb = {
	.notifier_call = egm_pci_notify,
};

int egm_gpu_links_init(void)
{
	return bus_register_notifier(&pci_bus_type, &egm_pci_nb);
}

void egm_gpu_links_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &egm_pci_nb);
}
