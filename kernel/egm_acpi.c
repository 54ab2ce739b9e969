// SPDX-License-Identifier: GPL-2.0-only
/*
 * Discovery: walk the ACPI namespace for the GPU nodes that carry the EGM
 * _DSD properties, group them into one region per proximity domain, refuse
 * what is inconsistent or unsafe, and create one platform device per good
 * region. Nothing here depends on the driver bound to the GPUs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/efi.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#ifdef CONFIG_X86
#include <asm/e820/api.h>
#endif

#include "egm.h"
#include "egm_regions.h"

/* Real hosts have two GPUs per socket; bound the walk for odd firmware. */
#define EGM_MAX_GPUS 256

struct egm_gpu_node {
	acpi_handle handle;
	char path[96];		/* ACPI path, then " (PCI address)" */
};

struct egm_discovery {
	unsigned int nr_gpus;
	struct egm_gpu_node nodes[EGM_MAX_GPUS];
	struct egm_fw_gpu gpus[EGM_MAX_GPUS];
	struct egm_fw_region regions[EGM_MAX_REGIONS];
	bool gpus_dropped;
};

static struct platform_device *egm_pdevs[EGM_MAX_REGIONS];
static unsigned int egm_nr_pdevs;

static void egm_read_props(struct fwnode_handle *fwnode,
			   struct egm_fw_gpu *gpu)
{
	unsigned int prop;

	for (prop = 0; prop < EGM_NR_PROPS; prop++)
		if (!fwnode_property_read_u64(fwnode, egm_prop_names[prop],
					      &gpu->prop[prop]))
			gpu->present |= 1u << prop;
}

static acpi_status egm_collect_gpu(acpi_handle handle, u32 depth,
				   void *context, void **ret)
{
	struct egm_discovery *disc = context;
	struct acpi_buffer path = { .length = 64 };
	struct acpi_device *adev = acpi_fetch_acpi_dev(handle);
	struct egm_fw_gpu gpu = {};
	struct egm_gpu_node *node;
	struct device *phys;

	if (!adev)
		return AE_OK;
	egm_read_props(acpi_fwnode_handle(adev), &gpu);
	if (!gpu.present)
		return AE_OK;
	if (disc->nr_gpus == EGM_MAX_GPUS) {
		disc->gpus_dropped = true;
		return AE_OK;
	}

	node = &disc->nodes[disc->nr_gpus];
	path.pointer = node->path;
	if (ACPI_FAILURE(acpi_get_name(handle, ACPI_FULL_PATHNAME, &path)))
		strscpy(node->path, "?", sizeof(node->path));
	/* Name the PCI function too, when it is present. */
	phys = acpi_get_first_physical_node(adev);
	if (phys) {
		size_t len = strlen(node->path);

		snprintf(node->path + len, sizeof(node->path) - len, " (%s)",
			 dev_name(phys));
	}
	node->handle = handle;
	disc->gpus[disc->nr_gpus++] = gpu;
	return AE_OK;
}

bool egm_range_is_free_of_ram(u64 base, u64 size)
{
	return region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
				 IORES_DESC_NONE) == REGION_DISJOINT;
}

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
 * Firmware's own memory, which a mistyped base could point at: EFI runtime
 * services code and data (reserved in iomem on arm64, like EGM itself),
 * ACPI tables and NVS, MMIO the firmware uses at run time. Zeroing it
 * would crash the host at its next EFI call. Grace firmware leaves EGM out
 * of the EFI memory map; on x86, after boot the map keeps the runtime
 * regions only, and E820 still types ACPI memory.
 */
static const char *egm_firmware_memory_in(u64 base, u64 size, u64 *start,
					  u64 *end)
{
#ifdef CONFIG_EFI
	efi_memory_desc_t *md;

	if (efi_enabled(EFI_MEMMAP)) {
		for_each_efi_memory_desc(md) {
			*start = md->phys_addr;
			*end = md->phys_addr + (md->num_pages << EFI_PAGE_SHIFT) - 1;
			if (*end < base || *start > base + size - 1)
				continue;
			if (md->attribute & EFI_MEMORY_RUNTIME)
				return "EFI runtime memory";
			switch (md->type) {
			case EFI_ACPI_RECLAIM_MEMORY:
			case EFI_ACPI_MEMORY_NVS:
				return "EFI's ACPI memory";
			case EFI_MEMORY_MAPPED_IO:
			case EFI_MEMORY_MAPPED_IO_PORT_SPACE:
			case EFI_PAL_CODE:
			case EFI_UNUSABLE_MEMORY:
				return "EFI firmware memory";
			}
		}
	}
#endif
#ifdef CONFIG_X86
	*start = base;
	*end = base + size - 1;
	if (e820__mapped_any(base, base + size, E820_TYPE_ACPI) ||
	    e820__mapped_any(base, base + size, E820_TYPE_NVS))
		return "E820 ACPI memory";
#endif
	return NULL;
}

static void egm_report_refusal(const struct egm_discovery *disc,
			       const struct egm_fw_region *region)
{
	const struct egm_fw_gpu *bad = &disc->gpus[region->bad_gpu];
	const struct egm_fw_gpu *first = &disc->gpus[region->first_gpu];
	const char *bad_path = disc->nodes[region->bad_gpu].path;
	const char *first_path = disc->nodes[region->first_gpu].path;
	const struct egm_fw_region *other;

	switch (region->verdict) {
	case EGM_REGION_MISSING_PROP:
		pr_err("PXM %llu: refused: %s lacks %s\n", region->pxm,
		       bad_path, egm_prop_names[region->bad_prop]);
		break;
	case EGM_REGION_DISAGREE:
		pr_err("PXM %llu: refused: GPUs disagree on %s: %s has %#llx, %s has %#llx\n",
		       region->pxm, egm_prop_names[region->bad_prop],
		       first_path, first->prop[region->bad_prop],
		       bad_path, bad->prop[region->bad_prop]);
		break;
	case EGM_REGION_BAD_PXM:
		pr_err("PXM %llu: refused: proximity domain above %llu, from %s\n",
		       region->pxm, EGM_MAX_PXM, first_path);
		break;
	case EGM_REGION_ZERO_SIZE:
		pr_err("PXM %llu: refused: size is zero, from %s\n", region->pxm,
		       first_path);
		break;
	case EGM_REGION_UNALIGNED:
		pr_err("PXM %llu: refused: base %#llx and size %#llx must be multiples of the page size %#lx, from %s\n",
		       region->pxm, region->base, region->size, PAGE_SIZE,
		       first_path);
		break;
	case EGM_REGION_OVERFLOW:
		pr_err("PXM %llu: refused: base %#llx + size %#llx overflows, from %s\n",
		       region->pxm, region->base, region->size, first_path);
		break;
	case EGM_REGION_OVERLAP:
		other = &disc->regions[region->other_region];
		pr_err("PXM %llu: refused: [%#llx-%#llx] overlaps PXM %llu [%#llx-%#llx]\n",
		       region->pxm, region->base,
		       region->base + region->size - 1, other->pxm,
		       other->base, other->base + other->size - 1);
		break;
	case EGM_REGION_NO_RETIRED_TABLE:
		pr_err("PXM %llu: refused: %s is 0: the retired pages are unknown, from %s\n",
		       region->pxm, egm_prop_names[EGM_PROP_RETIRED_TABLE],
		       bad_path);
		break;
	case EGM_REGION_RETIRED_TABLE_IN_EGM:
		other = &disc->regions[region->other_region];
		pr_err("PXM %llu: refused: the retired-pages table at %#llx of %s lies in the EGM memory of PXM %llu [%#llx-%#llx]\n",
		       region->pxm, bad->prop[EGM_PROP_RETIRED_TABLE], bad_path,
		       other->pxm, other->base, other->base + other->size - 1);
		break;
	case EGM_REGION_OK:
		break;
	}
}

static void egm_create_device(const struct egm_discovery *disc,
			      const struct egm_fw_region *region,
			      unsigned int index)
{
	struct egm_platform_data *pdata;
	struct platform_device_info info = {
		.name = EGM_DRIVER_NAME,
		.id = region->pxm,
	};
	struct platform_device *pdev;
	unsigned int i, n = 0;
	size_t pdata_size;

	pdata_size = struct_size(pdata, gpus, region->nr_gpus);
	pdata = kzalloc(pdata_size, GFP_KERNEL);
	if (!pdata) {
		pr_err("PXM %llu: no memory for its platform device\n",
		       region->pxm);
		return;
	}
	pdata->base = region->base;
	pdata->size = region->size;
	pdata->pxm = region->pxm;
	for (i = 0; i < disc->nr_gpus; i++) {
		const struct egm_fw_gpu *gpu = &disc->gpus[i];

		if (gpu->region != index || n == region->nr_gpus)
			continue;
		pdata->gpus[n++] = (struct egm_gpu_info) {
			.handle = disc->nodes[i].handle,
			.retired_table = gpu->prop[EGM_PROP_RETIRED_TABLE],
			.retired_table_room = gpu->retired_table_room,
		};
	}
	pdata->nr_gpus = n;

	info.data = pdata;
	info.size_data = pdata_size;
	pdev = platform_device_register_full(&info);
	kfree(pdata);
	if (IS_ERR(pdev)) {
		pr_err("PXM %llu: cannot create platform device: %ld\n",
		       region->pxm, PTR_ERR(pdev));
		return;
	}
	egm_pdevs[egm_nr_pdevs++] = pdev;
}

static void egm_report_ungrouped(const struct egm_discovery *disc)
{
	unsigned int i;

	if (disc->gpus_dropped)
		pr_err("more than %u ACPI nodes carry EGM properties; the rest are ignored\n",
		       EGM_MAX_GPUS);
	for (i = 0; i < disc->nr_gpus; i++) {
		if (disc->gpus[i].region == EGM_GPU_DISABLED)
			pr_info("%s: EGM properties without %s: EGM disabled for this GPU\n",
				disc->nodes[i].path,
				egm_prop_names[EGM_PROP_PXM]);
		else if (disc->gpus[i].region == EGM_GPU_NO_ROOM)
			pr_err("%s: PXM %llu ignored: more than %u EGM regions\n",
			       disc->nodes[i].path,
			       disc->gpus[i].prop[EGM_PROP_PXM],
			       EGM_MAX_REGIONS);
	}
}

int egm_acpi_discover(void)
{
	struct egm_discovery *disc;
	unsigned int nr_regions, i;
	const char *firmware;
	u64 fw_start, fw_end;

	if (acpi_disabled) {
		pr_info("ACPI is disabled: no EGM regions\n");
		return 0;
	}
	disc = vzalloc(sizeof(*disc));
	if (!disc)
		return -ENOMEM;

	acpi_walk_namespace(ACPI_TYPE_DEVICE, ACPI_ROOT_OBJECT, ACPI_UINT32_MAX,
			    egm_collect_gpu, NULL, disc, NULL);
	nr_regions = egm_regions_build(disc->gpus, disc->nr_gpus,
				       disc->regions, EGM_MAX_REGIONS,
				       PAGE_SIZE);
	egm_report_ungrouped(disc);

	for (i = 0; i < nr_regions; i++) {
		const struct egm_fw_region *region = &disc->regions[i];

		if (region->verdict != EGM_REGION_OK) {
			egm_report_refusal(disc, region);
			continue;
		}
		if (region->base + region->size - 1 > iomem_resource.end) {
			pr_err("PXM %llu: refused: [%#llx-%#llx] lies beyond the physical address space [0x0-%#llx]\n",
			       region->pxm, region->base,
			       region->base + region->size - 1,
			       (u64)iomem_resource.end);
			continue;
		}
		if (!egm_range_is_free_of_ram(region->base, region->size)) {
			pr_err("PXM %llu: refused: [%#llx-%#llx] intersects System RAM\n",
			       region->pxm, region->base,
			       region->base + region->size - 1);
			continue;
		}
		firmware = egm_firmware_memory_in(region->base, region->size,
						  &fw_start, &fw_end);
		if (firmware) {
			pr_err("PXM %llu: refused: [%#llx-%#llx] overlaps %s [%#llx-%#llx]\n",
			       region->pxm, region->base,
			       region->base + region->size - 1, firmware,
			       fw_start, fw_end);
			continue;
		}
		if (pxm_to_node(region->pxm) == NUMA_NO_NODE)
			pr_warn("PXM %llu: no NUMA node has this proximity domain (no SRAT entry, or NUMA off): exposed without NUMA affinity\n",
				region->pxm);
		/* Others keep working: nothing here fails the module's load. */
		egm_create_device(disc, region, i);
	}

	if (!egm_nr_pdevs)
		pr_info("no usable EGM region found\n");
	vfree(disc);
	return 0;
}

/*
 * The discovered region that holds @phys, bound or not. The devices are
 * added at load and removed at unload only, outside the memory error
 * reports' lifetime (egm_hwerror_init/exit): no lock needed.
 */
const struct egm_platform_data *egm_acpi_find_region(u64 phys)
{
	unsigned int i;

	for (i = 0; i < egm_nr_pdevs; i++) {
		const struct egm_platform_data *pdata =
			dev_get_platdata(&egm_pdevs[i]->dev);

		if (egm_pdata_holds(pdata, phys))
			return pdata;
	}
	return NULL;
}

void egm_acpi_remove_devices(void)
{
	while (egm_nr_pdevs)
		platform_device_unregister(egm_pdevs[--egm_nr_pdevs]);
}
