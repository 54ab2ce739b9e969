// SPDX-License-Identifier: GPL-2.0-only
/*
 * Retired pages: from the firmware's list of physical addresses to a sorted,
 * merged set of retired blocks of one region. Pure C; see egm_retired.h.
 */
#include <linux/align.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "egm_retired.h"

static int egm_range_offset_cmp(const void *a, const void *b)
{
	const struct egm_retired_range *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Merges overlapping and touching neighbours of a sorted array. */
static u32 egm_merge_ranges(struct egm_retired_range *r, u32 n)
{
	u32 i, out = 0;

	for (i = 0; i < n; i++) {
		struct egm_retired_range *last = &r[out ? out - 1 : 0];

		if (out && r[i].offset <= last->offset + last->size) {
			u64 end = r[i].offset + r[i].size;

			if (end > last->offset + last->size)
				last->size = end - last->offset;
		} else {
			r[out++] = r[i];
		}
	}
	return out;
}

u64 egm_retired_block_bytes(u64 requested, u64 page_size)
{
	return max(requested, page_size);
}

struct egm_retired_range egm_retired_block_of(u64 phys, u64 base, u64 size,
					      u64 block_size)
{
	u64 block = ALIGN_DOWN(phys, block_size);
	u64 first = max(block, base);
	u64 len = block_size - (first - block);
	u64 room = size - (first - base);

	return (struct egm_retired_range){
		.offset = first - base,
		.size = min(len, room),
	};
}

int egm_retired_build(const u64 *addrs, u64 count, u64 base, u64 size,
		      u64 block_size, struct egm_retired_range *out,
		      struct egm_retired_stats *stats)
{
	u32 i, n = 0;

	*stats = (struct egm_retired_stats){ 0 };
	if (count > EGM_RETIRED_MAX_ENTRIES || !is_power_of_2(block_size))
		return -1;
	stats->entries = count;
	for (i = 0; i < count; i++) {
		if (addrs[i] < base || addrs[i] - base >= size) {
			if (!stats->outside++)
				stats->first_outside = addrs[i];
			continue;
		}
		out[n++] = egm_retired_block_of(addrs[i], base, size,
						block_size);
	}
	sort(out, n, sizeof(*out), egm_range_offset_cmp, NULL);
	stats->ranges = egm_merge_ranges(out, n);
	return 0;
}

/* Appends @r to the sorted, merged @out of @n ranges; returns the count. */
static u32 egm_append_merged(struct egm_retired_range *out, u32 n,
			     const struct egm_retired_range *r)
{
	struct egm_retired_range *last = &out[n ? n - 1 : 0];

	if (n && r->offset <= last->offset + last->size) {
		if (r->offset + r->size > last->offset + last->size)
			last->size = r->offset + r->size - last->offset;
		return n;
	}
	out[n] = *r;
	return n + 1;
}

u32 egm_retired_unite(const struct egm_retired_range *a, u32 na,
		      const struct egm_retired_range *b, u32 nb,
		      struct egm_retired_range *out)
{
	u32 i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i].offset <= b[j].offset))
			n = egm_append_merged(out, n, &a[i++]);
		else
			n = egm_append_merged(out, n, &b[j++]);
	}
	return n;
}

/* The index of the first range that ends after @offset. */
static u32 egm_first_range_ending_after(const struct egm_retired_range *set,
					u32 nr, u64 offset)
{
	u32 lo = 0, hi = nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (set[mid].offset + set[mid].size <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool egm_retired_overlaps(const struct egm_retired_range *set, u32 nr,
			  u64 offset, u64 len)
{
	u32 i = egm_first_range_ending_after(set, nr, offset);

	return len && i < nr && set[i].offset < offset + len;
}

u64 egm_retired_usable_stretch(const struct egm_retired_range *set, u32 nr,
			       u64 offset, u64 end, u64 *stretch_end)
{
	u32 i = egm_first_range_ending_after(set, nr, offset);

	/* Merged ranges never touch: at most one covers @offset. */
	if (i < nr && set[i].offset <= offset) {
		offset = set[i].offset + set[i].size;
		i++;
	}
	if (offset >= end) {
		*stretch_end = end;
		return end;
	}
	*stretch_end = i < nr && set[i].offset < end ? set[i].offset : end;
	return offset;
}

int egm_retired_insert(struct egm_retired_range *set, u32 nr, u32 max,
		       u64 offset, u64 size)
{
	u64 end = offset + size;
	u32 lo = 0, hi = nr;

	if (!size)
		return nr;
	/* The first range that starts after @offset. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (set[mid].offset <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && set[lo - 1].offset + set[lo - 1].size >= offset) {
		/* Grows the range before it: no room needed. */
		lo--;
		if (end > set[lo].offset + set[lo].size)
			set[lo].size = end - set[lo].offset;
	} else if (lo < nr && end >= set[lo].offset) {
		/* Grows the range after it downwards. */
		if (end < set[lo].offset + set[lo].size)
			end = set[lo].offset + set[lo].size;
		set[lo].offset = offset;
		set[lo].size = end - offset;
	} else {
		if (nr == max)
			return -1;
		memmove(&set[lo + 1], &set[lo], (nr - lo) * sizeof(*set));
		nr++;
		set[lo].offset = offset;
		set[lo].size = size;
	}
	/* A grown range may now reach the ranges after it. */
	return lo + egm_merge_ranges(set + lo, nr - lo);
}
