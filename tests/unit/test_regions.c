// SPDX-License-Identifier: GPL-2.0-only
/* Host unit tests of kernel/egm_regions.c, the module's own source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "egm_regions.h"
#include "egm_retired.h"

#define PAGE 4096ULL
#define GIB (1ULL << 30)

static struct egm_fw_gpu gpu(u64 pxm, u64 base, u64 size, u64 table)
{
	return (struct egm_fw_gpu) {
		.prop = { pxm, base, size, table },
		.present = EGM_ALL_PROPS,
	};
}

static unsigned int build(struct egm_fw_gpu *gpus, unsigned int n,
			  struct egm_fw_region *regions, unsigned int max)
{
	return egm_regions_build(gpus, n, regions, max, PAGE);
}

static void test_gpus_of_one_pxm_make_one_region(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, 2 * GIB, 0x1000),
		gpu(5, 7 * GIB, 2 * GIB, 0x2000),
		gpu(4, 5 * GIB, 2 * GIB, 0x1000),
		gpu(5, 7 * GIB, 2 * GIB, 0x2000),
	};
	struct egm_fw_region r[4];

	(void)state;
	assert_int_equal(build(gpus, 4, r, 4), 2);
	assert_int_equal(r[0].pxm, 4);
	assert_int_equal(r[0].verdict, EGM_REGION_OK);
	assert_int_equal(r[0].nr_gpus, 2);
	assert_int_equal(r[0].base, 5 * GIB);
	assert_int_equal(r[0].size, 2 * GIB);
	assert_int_equal(gpus[0].retired_table_room, EGM_RETIRED_TABLE_SIZE);
	assert_int_equal(r[1].pxm, 5);
	assert_int_equal(r[1].verdict, EGM_REGION_OK);
	assert_int_equal(gpus[0].region, 0);
	assert_int_equal(gpus[1].region, 1);
	assert_int_equal(gpus[2].region, 0);
	assert_int_equal(gpus[3].region, 1);
}

static void test_disagreement_on_each_shared_property(void **state)
{
	(void)state;
	for (int prop = EGM_PROP_BASE; prop < EGM_NR_PROPS; prop++) {
		if (!(EGM_SHARED_PROPS & (1u << prop)))
			continue;
		struct egm_fw_gpu gpus[] = {
			gpu(4, 5 * GIB, 2 * GIB, 0x1000),
			gpu(4, 5 * GIB, 2 * GIB, 0x1000),
			gpu(4, 5 * GIB, 2 * GIB, 0x1000),
		};
		struct egm_fw_region r[2];

		gpus[2].prop[prop] += PAGE;
		assert_int_equal(build(gpus, 3, r, 2), 1);
		assert_int_equal(r[0].verdict, EGM_REGION_DISAGREE);
		assert_int_equal(r[0].bad_prop, prop);
		assert_int_equal(r[0].bad_gpu, 2);
		assert_int_equal(r[0].first_gpu, 0);
	}
}

/*
 * Real firmware gives each GPU a table of its own: the old rule that every
 * property agree refused every GB200 socket. Each table is checked alone.
 */
static void test_each_gpu_has_its_own_retired_table(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, 2 * GIB, 0x13ffff000),
		gpu(4, 5 * GIB, 2 * GIB, 0x13fffe000),
		gpu(5, 7 * GIB, 2 * GIB, 0x13fff5000),
		gpu(5, 7 * GIB, 2 * GIB, 5 * GIB - 0x1000),
	};
	struct egm_fw_region r[2];

	(void)state;
	assert_int_equal(build(gpus, 4, r, 2), 2);
	assert_int_equal(r[0].verdict, EGM_REGION_OK);
	assert_int_equal(r[0].nr_gpus, 2);
	assert_int_equal(r[1].verdict, EGM_REGION_OK);
	/* Pages just below PXM 4's region at 5 GiB: that is all their room. */
	assert_int_equal(gpus[0].retired_table_room, 0x1000);
	assert_int_equal(gpus[1].retired_table_room, 0x2000);
	assert_int_equal(gpus[2].retired_table_room, EGM_RETIRED_TABLE_SIZE);
	assert_int_equal(gpus[3].retired_table_room, 0x1000);
}

static void test_one_bad_table_refuses_the_region(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, 2 * GIB, 0x1000),
		gpu(4, 5 * GIB, 2 * GIB, 0),
		gpu(5, 7 * GIB, 2 * GIB, 0x2000),
		gpu(5, 7 * GIB, 2 * GIB, 5 * GIB + 0x1000),
	};
	struct egm_fw_region r[2];

	(void)state;
	assert_int_equal(build(gpus, 4, r, 2), 2);
	assert_int_equal(r[0].verdict, EGM_REGION_NO_RETIRED_TABLE);
	assert_int_equal(r[0].bad_gpu, 1);
	assert_int_equal(r[1].verdict, EGM_REGION_RETIRED_TABLE_IN_EGM);
	assert_int_equal(r[1].bad_gpu, 3);
	assert_int_equal(r[1].other_region, 0);
}

static void test_missing_property_refuses_region(void **state)
{
	(void)state;
	for (int prop = EGM_PROP_BASE; prop < EGM_NR_PROPS; prop++) {
		struct egm_fw_gpu gpus[] = {
			gpu(4, 5 * GIB, 2 * GIB, 0x1000),
			gpu(4, 5 * GIB, 2 * GIB, 0x1000),
		};
		struct egm_fw_region r[1];

		gpus[1].present &= ~(1u << prop);
		assert_int_equal(build(gpus, 2, r, 1), 1);
		assert_int_equal(r[0].verdict, EGM_REGION_MISSING_PROP);
		assert_int_equal(r[0].bad_prop, prop);
		assert_int_equal(r[0].bad_gpu, 1);
	}
}

static void test_gpu_without_pxm_has_egm_disabled(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, 2 * GIB, 0x1000),
		gpu(4, 5 * GIB, 2 * GIB, 0x1000),
	};
	struct egm_fw_region r[1];

	(void)state;
	gpus[0].present &= ~(1u << EGM_PROP_PXM);
	assert_int_equal(build(gpus, 2, r, 1), 1);
	assert_int_equal(gpus[0].region, EGM_GPU_DISABLED);
	assert_int_equal(r[0].first_gpu, 1);
	assert_int_equal(r[0].nr_gpus, 1);
	assert_int_equal(r[0].verdict, EGM_REGION_OK);
}

static enum egm_verdict verdict_of(u64 pxm, u64 base, u64 size)
{
	struct egm_fw_gpu gpus[] = { gpu(pxm, base, size, 0x1000) };
	struct egm_fw_region r[1];

	assert_int_equal(build(gpus, 1, r, 1), 1);
	return r[0].verdict;
}

static void test_range_checks(void **state)
{
	(void)state;
	assert_int_equal(verdict_of(4, 5 * GIB, 0), EGM_REGION_ZERO_SIZE);
	assert_int_equal(verdict_of(4, 5 * GIB + 0x800, GIB), EGM_REGION_UNALIGNED);
	assert_int_equal(verdict_of(4, 5 * GIB, GIB + 1), EGM_REGION_UNALIGNED);
	assert_int_equal(verdict_of(4, UINT64_MAX - PAGE + 1, 2 * PAGE),
			 EGM_REGION_OVERFLOW);
	/* The end address must be representable: the very top is refused. */
	assert_int_equal(verdict_of(4, 0xffffffff00000000ULL, 0x100000000ULL),
			 EGM_REGION_OVERFLOW);
	assert_int_equal(verdict_of(4, 0xffff000000000000ULL, 0xffff00000000ULL),
			 EGM_REGION_OK);
	assert_int_equal(verdict_of(EGM_MAX_PXM, 5 * GIB, GIB), EGM_REGION_OK);
	assert_int_equal(verdict_of(EGM_MAX_PXM + 1, 5 * GIB, GIB),
			 EGM_REGION_BAD_PXM);
	assert_int_equal(verdict_of(UINT64_MAX, 5 * GIB, GIB), EGM_REGION_BAD_PXM);
}

static void test_overlapping_regions_are_both_refused(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, 2 * GIB, 0x1000),
		gpu(5, 6 * GIB, 2 * GIB, 0x2000),	/* overlaps 4 */
		gpu(6, 8 * GIB, 2 * GIB, 0x3000),	/* touches 5: fine */
		gpu(7, 9 * GIB, 0, 0x4000),		/* zero size: no range */
	};
	struct egm_fw_region r[4];

	(void)state;
	assert_int_equal(build(gpus, 4, r, 4), 4);
	assert_int_equal(r[0].verdict, EGM_REGION_OVERLAP);
	assert_int_equal(r[0].other_region, 1);
	assert_int_equal(r[1].verdict, EGM_REGION_OVERLAP);
	assert_int_equal(r[1].other_region, 0);
	assert_int_equal(r[2].verdict, EGM_REGION_OK);
	assert_int_equal(r[3].verdict, EGM_REGION_ZERO_SIZE);
}

static void test_more_pxms_than_regions(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, GIB, 0x1000),
		gpu(5, 6 * GIB, GIB, 0x2000),
		gpu(6, 7 * GIB, GIB, 0x3000),
		gpu(4, 5 * GIB, GIB, 0x1000),
	};
	struct egm_fw_region r[2];

	(void)state;
	assert_int_equal(build(gpus, 4, r, 2), 2);
	assert_int_equal(gpus[2].region, EGM_GPU_NO_ROOM);
	assert_int_equal(gpus[3].region, 0);
	assert_int_equal(r[0].nr_gpus, 2);
}

static void test_alignment(void **state)
{
	(void)state;
	assert_int_equal(egm_alignment(5 * GIB, 2 * GIB), GIB);
	assert_int_equal(egm_alignment(5 * GIB + (2ULL << 20), 2 * GIB),
			 2ULL << 20);
	assert_int_equal(egm_alignment(5 * GIB, 3 * PAGE), PAGE);
}

static void test_property_names(void **state)
{
	(void)state;
	assert_string_equal(egm_prop_names[EGM_PROP_RETIRED_TABLE],
			    "nvidia,egm-retired-pages-data-base");
}

static void test_retired_table_address_zero_refuses_region(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, GIB, 0),
		gpu(5, 6 * GIB, GIB, 0x2000),
	};
	struct egm_fw_region r[2];

	(void)state;
	assert_int_equal(build(gpus, 2, r, 2), 2);
	assert_int_equal(r[0].verdict, EGM_REGION_NO_RETIRED_TABLE);
	assert_int_equal(r[1].verdict, EGM_REGION_OK);
}

static void test_retired_table_inside_egm_refuses_region(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, GIB, 5 * GIB + GIB - 8),	/* its own */
		gpu(5, 6 * GIB, GIB, 5 * GIB),		/* PXM 4's */
		gpu(6, 7 * GIB, GIB, 7 * GIB - 8),	/* just below its own */
	};
	struct egm_fw_region r[3];

	(void)state;
	assert_int_equal(build(gpus, 3, r, 3), 3);
	assert_int_equal(r[0].verdict, EGM_REGION_RETIRED_TABLE_IN_EGM);
	assert_int_equal(r[0].other_region, 0);
	assert_int_equal(r[1].verdict, EGM_REGION_RETIRED_TABLE_IN_EGM);
	assert_int_equal(r[1].other_region, 0);
	assert_int_equal(r[2].verdict, EGM_REGION_RETIRED_TABLE_IN_EGM);
	assert_int_equal(r[2].other_region, 1);
}

static void test_retired_table_room_ends_at_the_next_region(void **state)
{
	struct egm_fw_gpu gpus[] = {
		gpu(4, 5 * GIB, GIB, 5 * GIB - 64),
		gpu(5, 6 * GIB, GIB, 0x1000),
		gpu(6, 8 * GIB, GIB, ~0ULL - 15),
	};
	struct egm_fw_region r[3];

	(void)state;
	assert_int_equal(build(gpus, 3, r, 3), 3);
	assert_int_equal(r[0].verdict, EGM_REGION_OK);
	assert_int_equal(gpus[0].retired_table_room, 64);
	assert_int_equal(r[1].verdict, EGM_REGION_OK);
	assert_int_equal(gpus[1].retired_table_room, EGM_RETIRED_TABLE_SIZE);
	assert_int_equal(r[2].verdict, EGM_REGION_OK);
	assert_int_equal(gpus[2].retired_table_room, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpus_of_one_pxm_make_one_region),
		cmocka_unit_test(test_disagreement_on_each_shared_property),
		cmocka_unit_test(test_each_gpu_has_its_own_retired_table),
		cmocka_unit_test(test_one_bad_table_refuses_the_region),
		cmocka_unit_test(test_missing_property_refuses_region),
		cmocka_unit_test(test_gpu_without_pxm_has_egm_disabled),
		cmocka_unit_test(test_range_checks),
		cmocka_unit_test(test_overlapping_regions_are_both_refused),
		cmocka_unit_test(test_more_pxms_than_regions),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_property_names),
		cmocka_unit_test(test_retired_table_address_zero_refuses_region),
		cmocka_unit_test(test_retired_table_inside_egm_refuses_region),
		cmocka_unit_test(test_retired_table_room_ends_at_the_next_region),
	};

	return cmocka_run_group_tests_name("egm_regions", tests, NULL, NULL);
}
