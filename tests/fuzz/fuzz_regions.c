// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: egm_regions_build() on any set of GPU properties, as
 * firmware could give them. Input: a byte for the GPU count and page size,
 * then per GPU a presence byte and its four 64-bit values. Aborts when a
 * region it accepts breaks a promise the driver relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "egm_regions.h"
#include "egm_retired.h"

#define MAX_GPUS 64
#define MAX_REGIONS 16

static size_t take(const uint8_t **data, size_t *size, void *out, size_t len)
{
	size_t n = *size < len ? *size : len;

	memset(out, 0, len);
	memcpy(out, *data, n);
	*data += n;
	*size -= n;
	return n;
}

static void check(bool cond)
{
	if (!cond)
		abort();
}

static int inside(u64 addr, const struct egm_fw_region *r)
{
	return addr >= r->base && addr - r->base < r->size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u64 page_sizes[] = { 4096, 16384, 65536, 4096 };
	struct egm_fw_gpu gpus[MAX_GPUS];
	struct egm_fw_region regions[MAX_REGIONS];
	unsigned int nr_gpus, nr, i, j;
	uint8_t head = 0, present;
	u64 page_size;

	take(&data, &size, &head, 1);
	nr_gpus = (head & 0x3f) + 1;
	page_size = page_sizes[head >> 6];
	for (i = 0; i < nr_gpus; i++) {
		take(&data, &size, &present, 1);
		gpus[i].present = present & EGM_ALL_PROPS;
		take(&data, &size, gpus[i].prop, sizeof(gpus[i].prop));
		/* Small PXMs often, so that GPUs share regions. */
		if (present & 0x80)
			gpus[i].prop[EGM_PROP_PXM] &= 7;
	}

	nr = egm_regions_build(gpus, nr_gpus, regions, MAX_REGIONS, page_size);
	check(nr <= MAX_REGIONS);

	for (i = 0; i < nr_gpus; i++) {
		const struct egm_fw_gpu *g = &gpus[i];

		if (!(g->present & (1u << EGM_PROP_PXM))) {
			check(g->region == EGM_GPU_DISABLED);
			continue;
		}
		if (g->region == EGM_GPU_NO_ROOM) {
			check(nr == MAX_REGIONS);
			continue;
		}
		check(g->region >= 0 && (unsigned int)g->region < nr);
		check(regions[g->region].pxm == g->prop[EGM_PROP_PXM]);
	}

	for (i = 0; i < nr; i++) {
		const struct egm_fw_region *r = &regions[i];

		check(r->verdict <= EGM_REGION_RETIRED_TABLE_IN_EGM);
		if (r->verdict != EGM_REGION_OK)
			continue;
		/* What the driver maps: sound, aligned, alone, its GPUs agreeing. */
		check(r->pxm <= EGM_MAX_PXM);
		check(r->size && !((r->base | r->size) & (page_size - 1)));
		check(r->base + r->size > r->base);
		for (j = 0; j < nr_gpus; j++) {
			const struct egm_fw_gpu *g = &gpus[j];
			u64 table = g->prop[EGM_PROP_RETIRED_TABLE];
			unsigned int k;

			if (g->region != (int)i)
				continue;
			check(g->present == EGM_ALL_PROPS);
			for (k = 0; k < EGM_NR_PROPS; k++)
				if (EGM_SHARED_PROPS & (1u << k))
					check(g->prop[k] == gpus[r->first_gpu].prop[k]);
			/* Each GPU's table, with its room, touches no accepted region. */
			check(table != 0);
			check(g->retired_table_room &&
			      g->retired_table_room <= EGM_RETIRED_TABLE_SIZE);
			for (k = 0; k < nr; k++) {
				const struct egm_fw_region *o = &regions[k];

				if (o->verdict != EGM_REGION_OK)
					continue;
				check(!inside(table, o));
				check(!(o->base > table &&
					o->base - table < g->retired_table_room));
			}
		}
		for (j = 0; j < nr; j++) {
			const struct egm_fw_region *o = &regions[j];

			if (j == i || o->verdict != EGM_REGION_OK)
				continue;
			check(!(r->base < o->base + o->size && o->base < r->base + r->size));
		}
	}
	return 0;
}
