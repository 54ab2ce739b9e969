// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grouping and validation of firmware-described EGM regions. See
 * egm_regions.h: this file uses only kernel library helpers.
 */
#include <linux/align.h>
#include <linux/overflow.h>

#include "egm_regions.h"
#include "egm_retired.h"

const char *const egm_prop_names[EGM_NR_PROPS] = {
	[EGM_PROP_PXM] = "nvidia,egm-pxm",
	[EGM_PROP_BASE] = "nvidia,egm-base-pa",
	[EGM_PROP_SIZE] = "nvidia,egm-size",
	[EGM_PROP_RETIRED_TABLE] = "nvidia,egm-retired-pages-data-base",
};

static int egm_find_region(const struct egm_fw_region *regions,
			   unsigned int nr_regions, u64 pxm)
{
	unsigned int i;

	for (i = 0; i < nr_regions; i++)
		if (regions[i].pxm == pxm)
			return i;
	return -1;
}

/* The first failed check of one GPU against the region it joins. */
static void egm_check_member(struct egm_fw_region *region,
			     const struct egm_fw_gpu *gpus, unsigned int index)
{
	const struct egm_fw_gpu *gpu = &gpus[index];
	const struct egm_fw_gpu *first = &gpus[region->first_gpu];
	unsigned int prop;

	if (region->verdict != EGM_REGION_OK)
		return;
	for (prop = 0; prop < EGM_NR_PROPS; prop++) {
		if (!(gpu->present & (1u << prop))) {
			region->verdict = EGM_REGION_MISSING_PROP;
			region->bad_prop = prop;
			region->bad_gpu = index;
			return;
		}
	}
	if (index == region->first_gpu)
		return;
	for (prop = 0; prop < EGM_NR_PROPS; prop++) {
		if (!(EGM_SHARED_PROPS & (1u << prop)))
			continue;
		if (gpu->prop[prop] != first->prop[prop]) {
			region->verdict = EGM_REGION_DISAGREE;
			region->bad_prop = prop;
			region->bad_gpu = index;
			return;
		}
	}
}

static void egm_check_range(struct egm_fw_region *region, u64 page_size)
{
	u64 end;

	if (region->verdict != EGM_REGION_OK)
		return;
	if (region->pxm > EGM_MAX_PXM)
		region->verdict = EGM_REGION_BAD_PXM;
	else if (!region->size)
		region->verdict = EGM_REGION_ZERO_SIZE;
	else if (!IS_ALIGNED(region->base | region->size, page_size))
		region->verdict = EGM_REGION_UNALIGNED;
	else if (check_add_overflow(region->base, region->size, &end))
		region->verdict = EGM_REGION_OVERFLOW;
}

static bool egm_ranges_overlap(const struct egm_fw_region *a,
			       const struct egm_fw_region *b)
{
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

/*
 * Regions whose own range is sound but that overlap each other are both
 * refused: nothing tells which one firmware meant.
 */
static void egm_check_overlaps(struct egm_fw_region *regions,
			       unsigned int nr_regions)
{
	unsigned int i, j;

	for (i = 0; i < nr_regions; i++) {
		for (j = i + 1; j < nr_regions; j++) {
			struct egm_fw_region *a = &regions[i], *b = &regions[j];

			if ((a->verdict != EGM_REGION_OK &&
			     a->verdict != EGM_REGION_OVERLAP) ||
			    (b->verdict != EGM_REGION_OK &&
			     b->verdict != EGM_REGION_OVERLAP) ||
			    !egm_ranges_overlap(a, b))
				continue;
			if (a->verdict == EGM_REGION_OK) {
				a->verdict = EGM_REGION_OVERLAP;
				a->other_region = j;
			}
			if (b->verdict == EGM_REGION_OK) {
				b->verdict = EGM_REGION_OVERLAP;
				b->other_region = i;
			}
		}
	}
}

/* A region whose range was checked and found sound, overlapping or not. */
static bool egm_range_is_sound(const struct egm_fw_region *region)
{
	return region->verdict == EGM_REGION_OK ||
	       region->verdict == EGM_REGION_OVERLAP ||
	       region->verdict == EGM_REGION_NO_RETIRED_TABLE ||
	       region->verdict == EGM_REGION_RETIRED_TABLE_IN_EGM;
}

/*
 * Each GPU's retired table is firmware memory, never EGM memory: a table
 * inside a region would be handed to a VM, and one that runs into a region
 * would be read from a VM's memory. A table may span at most the format's
 * size and must end before the next region; the driver checks its real
 * extent against that room once it has read the count. One bad table
 * refuses the region: the pages it lists would be unknown.
 */
static void egm_check_retired_table(struct egm_fw_region *regions,
				    unsigned int nr_regions,
				    struct egm_fw_gpu *gpus, unsigned int index)
{
	struct egm_fw_gpu *gpu = &gpus[index];
	struct egm_fw_region *region = &regions[gpu->region];
	u64 table = gpu->prop[EGM_PROP_RETIRED_TABLE];
	unsigned int j;

	if (region->verdict != EGM_REGION_OK)
		return;
	if (!table) {
		region->verdict = EGM_REGION_NO_RETIRED_TABLE;
		region->bad_gpu = index;
		return;
	}
	gpu->retired_table_room = EGM_RETIRED_TABLE_SIZE;
	if (table > ~0ULL - EGM_RETIRED_TABLE_SIZE + 1)
		gpu->retired_table_room = ~0ULL - table + 1;
	for (j = 0; j < nr_regions; j++) {
		const struct egm_fw_region *other = &regions[j];

		if (!egm_range_is_sound(other))
			continue;
		if (table >= other->base && table - other->base < other->size) {
			region->verdict = EGM_REGION_RETIRED_TABLE_IN_EGM;
			region->bad_gpu = index;
			region->other_region = j;
			return;
		}
		if (other->base > table &&
		    other->base - table < gpu->retired_table_room)
			gpu->retired_table_room = other->base - table;
	}
}

/**
 * egm_regions_build() - group GPUs into regions by PXM and check them
 * @gpus: the GPU nodes that carry any EGM property, in namespace order
 * @nr_gpus: number of entries in @gpus
 * @regions: output array
 * @max_regions: capacity of @regions
 * @page_size: the alignment base and size must have
 *
 * A GPU without a PXM has EGM disabled and joins no region. Each region takes
 * its values from its first GPU; every other GPU must agree with it on PXM,
 * base and size, and each must name a retired table of its own (checked,
 * with its room, in the GPU's retired_table_room).
 *
 * A GPU whose PXM would need more than @max_regions regions is marked
 * EGM_GPU_NO_ROOM and its PXM gets no region.
 *
 * Return: the number of regions filled in.
 */
unsigned int egm_regions_build(struct egm_fw_gpu *gpus, unsigned int nr_gpus,
			       struct egm_fw_region *regions,
			       unsigned int max_regions, u64 page_size)
{
	unsigned int nr_regions = 0, i;

	for (i = 0; i < nr_gpus; i++) {
		struct egm_fw_gpu *gpu = &gpus[i];
		struct egm_fw_region *region;
		int index;

		gpu->region = EGM_GPU_DISABLED;
		if (!(gpu->present & (1u << EGM_PROP_PXM)))
			continue;
		index = egm_find_region(regions, nr_regions,
					gpu->prop[EGM_PROP_PXM]);
		if (index < 0) {
			if (nr_regions == max_regions) {
				gpu->region = EGM_GPU_NO_ROOM;
				continue;
			}
			index = nr_regions++;
			region = &regions[index];
			*region = (struct egm_fw_region) {
				.pxm = gpu->prop[EGM_PROP_PXM],
				.base = gpu->prop[EGM_PROP_BASE],
				.size = gpu->prop[EGM_PROP_SIZE],
				.first_gpu = i,
				.verdict = EGM_REGION_OK,
			};
		}
		region = &regions[index];
		gpu->region = index;
		region->nr_gpus++;
		egm_check_member(region, gpus, i);
	}

	for (i = 0; i < nr_regions; i++)
		egm_check_range(&regions[i], page_size);
	egm_check_overlaps(regions, nr_regions);
	for (i = 0; i < nr_gpus; i++)
		if (gpus[i].region >= 0)
			egm_check_retired_table(regions, nr_regions, gpus, i);

	return nr_regions;
}

/* The largest power of two that divides both base and size. */
u64 egm_alignment(u64 base, u64 size)
{
	u64 bits = base | size;

	return bits & -bits;
}

/*
 * The alignment a mapping of [@phys, @phys + @len) gets: the largest of
 * @entry_sizes (largest first) with at least one whole, aligned block in
 * the range, so that its virtual address can be congruent to @phys modulo
 * that size; 0 when none fits (or @len + size overflows).
 */
u64 egm_placement_alignment(u64 phys, u64 len, const u64 *entry_sizes,
			    unsigned int nr_sizes)
{
	unsigned int i;

	for (i = 0; i < nr_sizes; i++) {
		u64 size = entry_sizes[i];
		u64 first_block = ALIGN(phys, size), sum;

		if (!check_add_overflow(len, size, &sum) && first_block >= phys &&
		    first_block < phys + len && phys + len - first_block >= size)
			return size;
	}
	return 0;
}
