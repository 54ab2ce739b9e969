// SPDX-License-Identifier: GPL-2.0-only
/* Host unit tests of kernel/egm_retired.c, the module's own source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "egm_retired.h"

#define KIB 1024ULL
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)
#define BASE (5 * GIB)
#define SIZE (2 * GIB)
#define BLOCK (64 * KIB)

static struct egm_retired_range out[EGM_RETIRED_MAX_ENTRIES];
static struct egm_retired_stats stats;

static int build(const u64 *addrs, u64 count)
{
	return egm_retired_build(addrs, count, BASE, SIZE, BLOCK, out, &stats);
}

static void test_empty_table_gives_no_ranges(void **state)
{
	(void)state;
	assert_int_equal(build(NULL, 0), 0);
	assert_int_equal(stats.ranges, 0);
	assert_int_equal(stats.entries, 0);
}

static void test_entries_round_to_their_block(void **state)
{
	u64 addrs[] = { BASE + 3 * MIB + 4096 + 17, BASE };

	(void)state;
	assert_int_equal(build(addrs, 2), 0);
	assert_int_equal(stats.ranges, 2);
	assert_int_equal(out[0].offset, 0);
	assert_int_equal(out[0].size, BLOCK);
	assert_int_equal(out[1].offset, 3 * MIB);
	assert_int_equal(out[1].size, BLOCK);
}

static void test_first_and_last_block(void **state)
{
	u64 addrs[] = { BASE + SIZE - 1, BASE };

	(void)state;
	assert_int_equal(build(addrs, 2), 0);
	assert_int_equal(stats.ranges, 2);
	assert_int_equal(out[1].offset, SIZE - BLOCK);
	assert_int_equal(out[1].offset + out[1].size, SIZE);
}

static void test_outside_entries_are_counted_and_ignored(void **state)
{
	u64 addrs[] = { BASE - 1, BASE + SIZE, 0, ~0ULL, BASE + MIB };

	(void)state;
	assert_int_equal(build(addrs, 5), 0);
	assert_int_equal(stats.entries, 5);
	assert_int_equal(stats.outside, 4);
	assert_int_equal(stats.ranges, 1);
	assert_int_equal(out[0].offset, MIB);
}

static void test_duplicates_and_neighbours_merge(void **state)
{
	u64 addrs[] = { BASE + BLOCK, BASE + BLOCK + 8, BASE, BASE + 2 * BLOCK,
			BASE + 10 * BLOCK };

	(void)state;
	assert_int_equal(build(addrs, 5), 0);
	assert_int_equal(stats.ranges, 2);
	assert_int_equal(out[0].offset, 0);
	assert_int_equal(out[0].size, 3 * BLOCK);
	assert_int_equal(out[1].offset, 10 * BLOCK);
}

static void test_count_above_firmware_maximum_is_refused(void **state)
{
	(void)state;
	assert_int_equal(build(NULL, EGM_RETIRED_MAX_ENTRIES + 1), -1);
	assert_int_equal(stats.ranges, 0);
}

static void test_full_table_of_4096_entries(void **state)
{
	static u64 addrs[EGM_RETIRED_MAX_ENTRIES];

	(void)state;
	/* Every other block, in reverse order. */
	for (u32 i = 0; i < EGM_RETIRED_MAX_ENTRIES; i++)
		addrs[i] = BASE + (u64)(EGM_RETIRED_MAX_ENTRIES - 1 - i) * 2 * BLOCK;
	assert_int_equal(build(addrs, EGM_RETIRED_MAX_ENTRIES), 0);
	assert_int_equal(stats.ranges, EGM_RETIRED_MAX_ENTRIES);
	for (u32 i = 1; i < stats.ranges; i++)
		assert_true(out[i].offset == out[i - 1].offset + 2 * BLOCK);
}

static void test_block_size_must_be_a_power_of_two(void **state)
{
	u64 addrs[] = { BASE };

	(void)state;
	assert_int_equal(egm_retired_build(addrs, 1, BASE, SIZE, 3 * KIB, out,
					   &stats), -1);
	assert_int_equal(egm_retired_build(addrs, 1, BASE, SIZE, 0, out,
					   &stats), -1);
}

static void test_region_end_inside_a_block(void **state)
{
	u64 addrs[] = { BASE + SIZE - 4096 };

	(void)state;
	assert_int_equal(egm_retired_build(addrs, 1, BASE, SIZE - 4096 * 3 + 4096,
					   BLOCK, out, &stats), 0);
	assert_int_equal(stats.outside, 1);
	addrs[0] = BASE + SIZE - 3 * 4096;
	assert_int_equal(egm_retired_build(addrs, 1, BASE, SIZE - 2 * 4096,
					   BLOCK, out, &stats), 0);
	assert_int_equal(out[0].offset + out[0].size, SIZE - 2 * 4096);
}

static void test_overlap_lookup(void **state)
{
	u64 addrs[] = { BASE + 2 * MIB + BLOCK, BASE + GIB };

	(void)state;
	assert_int_equal(build(addrs, 2), 0);
	assert_false(egm_retired_overlaps(out, stats.ranges, 0, 2 * MIB));
	assert_true(egm_retired_overlaps(out, stats.ranges, 2 * MIB, 2 * MIB));
	assert_false(egm_retired_overlaps(out, stats.ranges, 2 * MIB, BLOCK));
	assert_true(egm_retired_overlaps(out, stats.ranges, 2 * MIB + BLOCK, 1));
	assert_true(egm_retired_overlaps(out, stats.ranges, 0, GIB + 1));
	assert_false(egm_retired_overlaps(out, stats.ranges, 2 * MIB + 2 * BLOCK,
					  GIB - 2 * MIB - 2 * BLOCK));
	assert_true(egm_retired_overlaps(out, stats.ranges, GIB, GIB));
	assert_false(egm_retired_overlaps(out, stats.ranges, GIB + BLOCK, 0));
	assert_false(egm_retired_overlaps(out, 0, 0, SIZE));
}

static void test_insert_keeps_the_set_sorted_and_merged(void **state)
{
	struct egm_retired_range set[4] = { 0 };
	int nr = 0;

	(void)state;
	nr = egm_retired_insert(set, nr, 4, 10 * BLOCK, BLOCK);
	nr = egm_retired_insert(set, nr, 4, 2 * BLOCK, BLOCK);
	nr = egm_retired_insert(set, nr, 4, 20 * BLOCK, BLOCK);
	assert_int_equal(nr, 3);
	assert_int_equal(set[0].offset, 2 * BLOCK);
	assert_int_equal(set[1].offset, 10 * BLOCK);
	/* Already covered: nothing changes. */
	assert_int_equal(egm_retired_insert(set, nr, 4, 10 * BLOCK, BLOCK), 3);
	/* Bridges 10 and 12 after 11. */
	nr = egm_retired_insert(set, nr, 4, 12 * BLOCK, BLOCK);
	assert_int_equal(nr, 4);
	nr = egm_retired_insert(set, nr, 4, 11 * BLOCK, BLOCK);
	assert_int_equal(nr, 3);
	assert_int_equal(set[1].offset, 10 * BLOCK);
	assert_int_equal(set[1].size, 3 * BLOCK);
	nr = egm_retired_insert(set, nr, 3, 30 * BLOCK, BLOCK);
	assert_int_equal(nr, -1);
}

/* Two GPUs' tables of one socket: what either lists stays retired. */
static void test_union_of_two_tables(void **state)
{
	const struct egm_retired_range a[] = {
		{ 2 * BLOCK, BLOCK }, { 10 * BLOCK, 2 * BLOCK }, { 40 * BLOCK, BLOCK },
	};
	const struct egm_retired_range b[] = {
		{ 0, BLOCK }, { 11 * BLOCK, 3 * BLOCK }, { 40 * BLOCK, BLOCK },
		{ 41 * BLOCK, BLOCK },
	};
	struct egm_retired_range u[7];

	(void)state;
	assert_int_equal(egm_retired_unite(a, 3, b, 4, u), 4);
	assert_int_equal(u[0].offset, 0);
	assert_int_equal(u[0].size, BLOCK);
	assert_int_equal(u[1].offset, 2 * BLOCK);
	/* Overlapping ranges merge, and touching ones. */
	assert_int_equal(u[2].offset, 10 * BLOCK);
	assert_int_equal(u[2].size, 4 * BLOCK);
	assert_int_equal(u[3].offset, 40 * BLOCK);
	assert_int_equal(u[3].size, 2 * BLOCK);
	/* Either side empty: the other, unchanged. */
	assert_int_equal(egm_retired_unite(NULL, 0, b, 4, u), 3);
	assert_int_equal(u[2].size, 2 * BLOCK);
	assert_int_equal(egm_retired_unite(a, 3, NULL, 0, u), 3);
	assert_int_equal(u[1].size, 2 * BLOCK);
	assert_int_equal(egm_retired_unite(NULL, 0, NULL, 0, u), 0);
}

static void test_usable_stretches_skip_retired_ranges(void **state)
{
	const struct egm_retired_range set[] = {
		{ 0, BLOCK }, { 4 * BLOCK, 2 * BLOCK }, { 10 * BLOCK, BLOCK },
	};
	u64 end, at;

	(void)state;
	/* Starting inside a range: the stretch begins after it. */
	at = egm_retired_usable_stretch(set, 3, 0, 16 * BLOCK, &end);
	assert_int_equal(at, BLOCK);
	assert_int_equal(end, 4 * BLOCK);
	at = egm_retired_usable_stretch(set, 3, end, 16 * BLOCK, &end);
	assert_int_equal(at, 6 * BLOCK);
	assert_int_equal(end, 10 * BLOCK);
	at = egm_retired_usable_stretch(set, 3, end, 16 * BLOCK, &end);
	assert_int_equal(at, 11 * BLOCK);
	assert_int_equal(end, 16 * BLOCK);
	/* Within one stretch, the limit is the caller's end. */
	at = egm_retired_usable_stretch(set, 3, 2 * BLOCK, 3 * BLOCK, &end);
	assert_int_equal(at, 2 * BLOCK);
	assert_int_equal(end, 3 * BLOCK);
	/* All retired: nothing usable. */
	at = egm_retired_usable_stretch(set, 3, 4 * BLOCK + 4096, 6 * BLOCK, &end);
	assert_int_equal(at, 6 * BLOCK);
	assert_int_equal(end, 6 * BLOCK);
	/* An empty set: all of it. */
	at = egm_retired_usable_stretch(set, 0, 5, 99, &end);
	assert_int_equal(at, 5);
	assert_int_equal(end, 99);
}

static void test_first_outside_entry_is_reported(void **state)
{
	u64 addrs[] = { BASE + BLOCK, BASE - 1, BASE + SIZE, 0 };

	(void)state;
	assert_int_equal(build(addrs, 4), 0);
	assert_int_equal(stats.outside, 3);
	assert_int_equal(stats.first_outside, BASE - 1);
	assert_int_equal(stats.ranges, 1);
}

/*
 * A region whose base is page-aligned but not block-aligned: blocks are
 * physical, so the first and last are part blocks and every other range
 * starts on a physical block boundary.
 */
#define ODD_BASE (BASE + 5 * 4096)
#define ODD_SIZE (SIZE - 8 * 4096)

static void test_blocks_are_aligned_in_physical_memory(void **state)
{
	u64 addrs[] = { ODD_BASE, ODD_BASE + BLOCK, ODD_BASE + ODD_SIZE - 1,
			ODD_BASE + 7 * MIB + 100 };

	(void)state;
	assert_int_equal(egm_retired_build(addrs, 4, ODD_BASE, ODD_SIZE, BLOCK,
					   out, &stats), 0);
	assert_int_equal(stats.ranges, 3);
	/* BASE..BASE + 2 blocks holds ODD_BASE and ODD_BASE + BLOCK. */
	assert_int_equal(out[0].offset, 0);
	assert_int_equal(out[0].size, 2 * BLOCK - 5 * 4096);
	assert_int_equal(out[1].offset, BASE + 7 * MIB - ODD_BASE);
	assert_int_equal(out[1].size, BLOCK);
	assert_int_equal((ODD_BASE + out[1].offset) % BLOCK, 0);
	/* The region ends 3 pages before its last block does. */
	assert_int_equal(out[2].offset, BASE + SIZE - BLOCK - ODD_BASE);
	assert_int_equal(out[2].offset + out[2].size, ODD_SIZE);
	assert_int_equal(out[2].size, BLOCK - 3 * 4096);
}

static void test_block_of_clips_to_the_region(void **state)
{
	struct egm_retired_range r;

	(void)state;
	r = egm_retired_block_of(ODD_BASE + 3, ODD_BASE, ODD_SIZE, BLOCK);
	assert_int_equal(r.offset, 0);
	assert_int_equal(r.size, BLOCK - 5 * 4096);
	r = egm_retired_block_of(BASE + BLOCK + 17, ODD_BASE, ODD_SIZE, BLOCK);
	assert_int_equal(r.offset, BLOCK - 5 * 4096);
	assert_int_equal(r.size, BLOCK);
	/* A block larger than the region is the whole region. */
	r = egm_retired_block_of(ODD_BASE + 4096, ODD_BASE, 3 * 4096, GIB);
	assert_int_equal(r.offset, 0);
	assert_int_equal(r.size, 3 * 4096);
	/* At the top of the physical address space, nothing overflows. */
	r = egm_retired_block_of(~0ULL - 2 * GIB + 5, ~0ULL - 3 * GIB + 1,
				 2 * GIB, GIB);
	assert_int_equal(r.offset, GIB);
	assert_int_equal(r.size, GIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_table_gives_no_ranges),
		cmocka_unit_test(test_entries_round_to_their_block),
		cmocka_unit_test(test_first_and_last_block),
		cmocka_unit_test(test_outside_entries_are_counted_and_ignored),
		cmocka_unit_test(test_duplicates_and_neighbours_merge),
		cmocka_unit_test(test_count_above_firmware_maximum_is_refused),
		cmocka_unit_test(test_full_table_of_4096_entries),
		cmocka_unit_test(test_block_size_must_be_a_power_of_two),
		cmocka_unit_test(test_region_end_inside_a_block),
		cmocka_unit_test(test_overlap_lookup),
		cmocka_unit_test(test_insert_keeps_the_set_sorted_and_merged),
		cmocka_unit_test(test_union_of_two_tables),
		cmocka_unit_test(test_usable_stretches_skip_retired_ranges),
		cmocka_unit_test(test_first_outside_entry_is_reported),
		cmocka_unit_test(test_blocks_are_aligned_in_physical_memory),
		cmocka_unit_test(test_block_of_clips_to_the_region),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
