// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the driver's page-size assumptions, for each page size
 * Grace kernels use (4 KiB, 16 KiB, 64 KiB): huge entry sizes, region
 * alignment, retired blocks against pages, and where mappings are placed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "egm_regions.h"
#include "egm_retired.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)
#define TIB (1024 * GIB)
#define BASE (5 * GIB)

struct page_flavour {
	unsigned int shift;
	u64 pmd, pud;
};

static const struct page_flavour flavours[] = {
	{ 12, 2 * MIB, 1 * GIB },
	{ 14, 32 * MIB, 64 * GIB },
	{ 16, 512 * MIB, 4 * TIB },
};

static void test_table_entry_sizes(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(egm_table_entry_size(flavours[i].shift, 0),
				 1ULL << flavours[i].shift);
		assert_int_equal(egm_table_entry_size(flavours[i].shift, 1),
				 flavours[i].pmd);
		assert_int_equal(egm_table_entry_size(flavours[i].shift, 2),
				 flavours[i].pud);
	}
}

/* One GPU describing one region; its verdict with pages of 2^@shift. */
static enum egm_verdict verdict_with_pages(u64 base, u64 size,
					   unsigned int shift)
{
	struct egm_fw_gpu gpu;
	struct egm_fw_region region;

	memset(&gpu, 0, sizeof(gpu));
	gpu.present = EGM_ALL_PROPS;
	gpu.prop[EGM_PROP_BASE] = base;
	gpu.prop[EGM_PROP_SIZE] = size;
	gpu.prop[EGM_PROP_PXM] = 4;
	gpu.prop[EGM_PROP_RETIRED_TABLE] = base - 64 * KIB;
	assert_int_equal(egm_regions_build(&gpu, 1, &region, 1, 1ULL << shift),
			 1);
	return region.verdict;
}

static void test_regions_must_align_to_the_page(void **state)
{
	(void)state;
	/* 64 KiB-aligned: every flavour maps it. */
	assert_int_equal(verdict_with_pages(BASE + 64 * KIB, GIB, 12), EGM_REGION_OK);
	assert_int_equal(verdict_with_pages(BASE + 64 * KIB, GIB, 14), EGM_REGION_OK);
	assert_int_equal(verdict_with_pages(BASE + 64 * KIB, GIB, 16), EGM_REGION_OK);
	/* 16 KiB-aligned: not with 64 KiB pages. */
	assert_int_equal(verdict_with_pages(BASE + 16 * KIB, GIB, 14), EGM_REGION_OK);
	assert_int_equal(verdict_with_pages(BASE + 16 * KIB, GIB, 16),
			 EGM_REGION_UNALIGNED);
	/* 4 KiB-aligned: 4 KiB pages only; the size counts too. */
	assert_int_equal(verdict_with_pages(BASE + 4 * KIB, GIB, 12), EGM_REGION_OK);
	assert_int_equal(verdict_with_pages(BASE + 4 * KIB, GIB, 14),
			 EGM_REGION_UNALIGNED);
	assert_int_equal(verdict_with_pages(BASE, GIB + 4 * KIB, 14),
			 EGM_REGION_UNALIGNED);
}

static void test_retired_blocks_cover_whole_pages(void **state)
{
	struct egm_retired_range out[2];
	struct egm_retired_stats stats;
	u64 addrs[] = { BASE + 100 * KIB + 17 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		u64 page = 1ULL << flavours[i].shift;
		u64 block = egm_retired_block_bytes(64 * KIB, page);

		/* The firmware's 64 KiB block is at least a page everywhere. */
		assert_int_equal(block, 64 * KIB);
		/* A smaller block asked for still retires a whole page. */
		assert_int_equal(egm_retired_block_bytes(4 * KIB, page), page);
		assert_int_equal(egm_retired_build(addrs, 1, BASE, GIB, block,
						   out, &stats), 0);
		assert_int_equal(stats.ranges, 1);
		assert_int_equal(out[0].offset, 64 * KIB);
		assert_int_equal(out[0].size, 64 * KIB);
		assert_int_equal(out[0].offset % page, 0);
		assert_int_equal(out[0].size % page, 0);
	}
}

static void test_placement_uses_the_largest_entry_that_fits(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		u64 sizes[] = { flavours[i].pud, flavours[i].pmd };
		u64 want = flavours[i].pud <= GIB ? flavours[i].pud : flavours[i].pmd;

		/* A 1 GiB mapping at 5 GiB: PUD with 4 KiB pages, else PMD. */
		assert_int_equal(egm_placement_alignment(BASE, GIB, sizes, 2), want);
		/* One page short of a PMD block: no huge entry fits. */
		assert_int_equal(egm_placement_alignment(BASE, flavours[i].pmd -
							 (1ULL << flavours[i].shift),
							 sizes, 2), 0);
		/* Unaligned start: a whole PMD block still fits further in. */
		assert_int_equal(egm_placement_alignment(BASE + (1ULL << flavours[i].shift),
							 2 * flavours[i].pmd, sizes, 2),
				 flavours[i].pmd);
		/* No huge entry sizes (a kernel without huge PFN maps): no alignment. */
		assert_int_equal(egm_placement_alignment(BASE, GIB, sizes, 0), 0);
	}
	/* A 256 MiB region has no 512 MiB block: 64 KiB pages map it page-wise. */
	{
		u64 sizes[] = { 4 * TIB, 512 * MIB };

		assert_int_equal(egm_placement_alignment(BASE, 256 * MIB, sizes, 2), 0);
	}
	/* A length so large that adding the entry size overflows. */
	{
		u64 sizes[] = { 2 * MIB };

		assert_int_equal(egm_placement_alignment(BASE, UINT64_MAX - MIB,
							 sizes, 1), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_entry_sizes),
		cmocka_unit_test(test_regions_must_align_to_the_page),
		cmocka_unit_test(test_retired_blocks_cover_whole_pages),
		cmocka_unit_test(test_placement_uses_the_largest_entry_that_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
