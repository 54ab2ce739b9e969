/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Retired pages: the firmware table parsed into a sorted set of retired
 * blocks of a region. Pure logic: it uses only kernel library helpers, so
 * that host tests can build the same file.
 */
#ifndef EGM_RETIRED_H
#define EGM_RETIRED_H

#include <linux/types.h>

/* The firmware table: u64 count; u64 addr[EGM_RETIRED_MAX_ENTRIES]. */
#define EGM_RETIRED_MAX_ENTRIES 4096
#define EGM_RETIRED_TABLE_SIZE (8 * (1 + EGM_RETIRED_MAX_ENTRIES))

/* One retired range, as an offset into the region. */
struct egm_retired_range {
	u64 offset;
	u64 size;
};

/* What parsing found, for the log and sysfs. */
struct egm_retired_stats {
	u32 entries;		/* entries the table's count announced */
	u32 outside;		/* of those, outside the region: ignored */
	u32 ranges;		/* merged ranges in the set */
	u64 first_outside;	/* the first ignored address, for the log */
};

/*
 * The bytes each retired entry takes out of use: the @requested block size,
 * but never less than a page (@page_size), the unit the driver maps.
 */
u64 egm_retired_block_bytes(u64 requested, u64 page_size);

/*
 * The retired block of @block_size (a power of two) that holds the physical
 * address @phys, which lies in the region [@base, @base + @size), as a range
 * of the region. Memory is retired in blocks aligned in physical memory, so
 * a region whose base or end is not block-aligned gets a part block there.
 */
struct egm_retired_range egm_retired_block_of(u64 phys, u64 base, u64 size,
					      u64 block_size);

/*
 * Turns @count table entries (physical addresses) into sorted, merged
 * ranges of their @block_size blocks (egm_retired_block_of) in the region
 * [@base, @base + @size), in @out (room for @count ranges). Returns 0, or
 * -1 when @count exceeds EGM_RETIRED_MAX_ENTRIES or @block_size is not a
 * power of two (nothing is written then).
 */
int egm_retired_build(const u64 *addrs, u64 count, u64 base, u64 size,
		      u64 block_size, struct egm_retired_range *out,
		      struct egm_retired_stats *stats);

/*
 * The union of two sorted, merged sets of @na and @nb ranges, sorted and
 * merged, into @out (room for @na + @nb ranges; it may not alias either).
 * Returns its count.
 */
u32 egm_retired_unite(const struct egm_retired_range *a, u32 na,
		      const struct egm_retired_range *b, u32 nb,
		      struct egm_retired_range *out);

/*
 * Inserts one block into a sorted, merged set of @nr ranges with room for
 * @max; returns the new count, or -1 when there is no room.
 */
int egm_retired_insert(struct egm_retired_range *set, u32 nr, u32 max,
		       u64 offset, u64 size);

/*
 * The first stretch of [@offset, @end) that no range of the set covers:
 * returns its start (@end when there is none) and sets *@stretch_end.
 * O(log n).
 */
u64 egm_retired_usable_stretch(const struct egm_retired_range *set, u32 nr,
			       u64 offset, u64 end, u64 *stretch_end);

/* Does [@offset, @offset + @len) touch a range of the set? O(log n). */
bool egm_retired_overlaps(const struct egm_retired_range *set, u32 nr,
			  u64 offset, u64 len);

#endif /* EGM_RETIRED_H */
