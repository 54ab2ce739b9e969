/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EGM regions as firmware describes them: the properties of each GPU's ACPI
 * node, grouped by proximity domain and checked. Pure logic: it uses only
 * kernel library helpers, so that host tests can build the same file.
 */
#ifndef EGM_REGIONS_H
#define EGM_REGIONS_H

#include <linux/types.h>

enum egm_prop {
	EGM_PROP_PXM,
	EGM_PROP_BASE,
	EGM_PROP_SIZE,
	EGM_PROP_RETIRED_TABLE,
	EGM_NR_PROPS,
};

#define EGM_ALL_PROPS ((1u << EGM_NR_PROPS) - 1)
/*
 * What every GPU of a socket must agree on. Firmware gives each GPU a
 * retired-pages table of its own (same contents, its own address).
 */
#define EGM_SHARED_PROPS ((1u << EGM_PROP_PXM) | (1u << EGM_PROP_BASE) | \
			  (1u << EGM_PROP_SIZE))

/* Linux platform device ids and PXM numbers are signed ints. */
#define EGM_MAX_PXM 0x7fffffffULL

extern const char *const egm_prop_names[EGM_NR_PROPS];

struct egm_fw_gpu {
	u64 prop[EGM_NR_PROPS];
	u32 present;		/* bit (1 << prop) for each property found */
	int region;		/* index of its region, or EGM_GPU_* below */
	/* Bytes its retired table may span before it reaches EGM memory. */
	u64 retired_table_room;
};

#define EGM_GPU_DISABLED (-1)	/* no PXM: firmware has EGM off for it */
#define EGM_GPU_NO_ROOM (-2)	/* more distinct PXMs than regions allowed */

enum egm_verdict {
	EGM_REGION_OK,
	EGM_REGION_MISSING_PROP,
	EGM_REGION_DISAGREE,
	EGM_REGION_BAD_PXM,
	EGM_REGION_ZERO_SIZE,
	EGM_REGION_UNALIGNED,
	EGM_REGION_OVERFLOW,
	EGM_REGION_OVERLAP,
	EGM_REGION_NO_RETIRED_TABLE,
	EGM_REGION_RETIRED_TABLE_IN_EGM,
};

struct egm_fw_region {
	u64 pxm;
	u64 base;
	u64 size;
	unsigned int first_gpu;	/* the GPU whose values the region takes */
	unsigned int nr_gpus;
	enum egm_verdict verdict;
	/* Details of a refusal, for the log line. */
	enum egm_prop bad_prop;
	unsigned int bad_gpu;	/* also: the GPU whose retired table is bad */
	unsigned int other_region;
};

unsigned int egm_regions_build(struct egm_fw_gpu *gpus, unsigned int nr_gpus,
			       struct egm_fw_region *regions,
			       unsigned int max_regions, u64 page_size);
u64 egm_alignment(u64 base, u64 size);

/*
 * The size one entry of page-table level @level maps with 2^@page_shift-byte
 * pages and 8-byte entries: level 1 is the PMD (2 MiB with 4 KiB pages,
 * 32 MiB with 16 KiB, 512 MiB with 64 KiB), level 2 the PUD.
 */
static inline u64 egm_table_entry_size(unsigned int page_shift,
				       unsigned int level)
{
	return 1ULL << (page_shift + level * (page_shift - 3));
}

u64 egm_placement_alignment(u64 phys, u64 len, const u64 *entry_sizes,
			    unsigned int nr_sizes);

#endif /* EGM_REGIONS_H */
