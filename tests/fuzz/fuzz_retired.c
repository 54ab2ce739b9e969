// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for kernel/egm_retired.c, the module's own source.
 *
 * Input: u64 base, u64 size, u8 block shift, then a firmware table (u64
 * count, u64 addr[]) of which only the bytes present are entries, as the
 * driver maps only what the count announces. Checks the invariants every
 * user of the set relies on, then inserts runtime retirements.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "egm_retired.h"

static struct egm_retired_range set[EGM_RETIRED_MAX_ENTRIES + 64];
static u64 addrs[EGM_RETIRED_MAX_ENTRIES];

/* Ranges start and end at the region's ends or on physical block bounds. */
static void check_set(u32 nr, u64 base, u64 size, u64 block)
{
	for (u32 i = 0; i < nr; i++) {
		u64 end = set[i].offset + set[i].size;

		if (!set[i].size || (set[i].offset && (base + set[i].offset) % block) ||
		    (end != size && (base + end) % block) || end > size ||
		    set[i].offset + set[i].size < set[i].offset)
			abort();
		/* Sorted, disjoint and not touching: merged. */
		if (i && set[i].offset <= set[i - 1].offset + set[i - 1].size)
			abort();
	}
}

static bool covered_linear(u32 nr, u64 off, u64 len)
{
	for (u32 i = 0; i < nr; i++)
		if (len && set[i].offset < off + len &&
		    off < set[i].offset + set[i].size)
			return true;
	return false;
}

/*
 * Usable stretches (what the scrub zeroes) tile a window
 * with the retired ranges: never inside one, never skipping a free byte.
 */
static void check_stretches(u32 nr, u64 size, const uint8_t *data, size_t len)
{
	u64 start = 0, end = size, at, stretch_end, cursor;

	if (len >= 16) {
		memcpy(&start, data, 8);
		memcpy(&end, data + 8, 8);
		start %= size;
		end = start + end % (size - start) + 1;
	}
	cursor = start;
	for (at = egm_retired_usable_stretch(set, nr, start, end, &stretch_end);
	     at < end;
	     at = egm_retired_usable_stretch(set, nr, stretch_end, end,
					     &stretch_end)) {
		if (at < cursor || stretch_end <= at || stretch_end > end ||
		    egm_retired_overlaps(set, nr, at, stretch_end - at))
			abort();
		/* The gap before it is retired throughout. */
		if (at > cursor && (!egm_retired_overlaps(set, nr, cursor, 1) ||
				    !egm_retired_overlaps(set, nr, at - 1, 1)))
			abort();
		cursor = stretch_end;
	}
	if (at != end || (cursor < end &&
			  !egm_retired_overlaps(set, nr, end - 1, 1)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct egm_retired_stats stats;
	u64 base, size, block, count;
	size_t present;
	int nr;

	if (len < 25)
		return 0;
	memcpy(&base, data, 8);
	memcpy(&size, data + 8, 8);
	block = 1ULL << (data[16] % 40);
	memcpy(&count, data + 17, 8);
	data += 25;
	len -= 25;
	size &= (1ULL << 50) - 1;
	if (!size || base + size < base)
		return 0;
	present = len / 8 < EGM_RETIRED_MAX_ENTRIES ? len / 8 : EGM_RETIRED_MAX_ENTRIES;
	memcpy(addrs, data, present * 8);
	if (count > present && count <= EGM_RETIRED_MAX_ENTRIES)
		count = present;

	if (egm_retired_build(addrs, count, base, size, block, set, &stats)) {
		if (count <= EGM_RETIRED_MAX_ENTRIES)
			abort();
		return 0;
	}
	if (stats.ranges > count || stats.outside > count)
		abort();
	check_set(stats.ranges, base, size, block);
	/* Every entry inside the region is covered; the lookup agrees. */
	for (u64 i = 0; i < count; i++) {
		u64 a = addrs[i];

		if (a >= base && a - base < size &&
		    !egm_retired_overlaps(set, stats.ranges, a - base, 1))
			abort();
		/* The linear cross-check is O(n): on the first entries only. */
		if (i < 64 && a >= base && a - base < size &&
		    egm_retired_overlaps(set, stats.ranges, a - base, 1) !=
		    covered_linear(stats.ranges, a - base, 1))
			abort();
	}
	check_stretches(stats.ranges, size, data, len);
	/* Runtime retirements keep the set valid. */
	nr = stats.ranges;
	for (size_t i = 0; i + 8 <= len && i < 64 * 8; i += 8) {
		struct egm_retired_range r;
		u64 off;

		memcpy(&off, data + i, 8);
		r = egm_retired_block_of(base + off % size, base, size, block);
		off = r.offset;
		nr = egm_retired_insert(set, nr, EGM_RETIRED_MAX_ENTRIES + 64, off,
					r.size);
		if (nr < 0)
			abort();
		check_set(nr, base, size, block);
		if (!egm_retired_overlaps(set, nr, off, 1))
			abort();
	}
	return 0;
}
