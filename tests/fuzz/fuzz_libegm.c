// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: libegm's sysfs readers on any attribute contents. The
 * input is split at 0xff bytes into the texts of egm4's attributes (size,
 * align, pxm, numa_node, scrub_state, scrub_progress, retired_pages, base,
 * egm_size); egm5 stays sound. Every getter is called; what libegm accepts
 * must be consistent (retired ranges inside the region, in order).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <egm/libegm.h>

#include "fake-sysfs.h"

static void check(bool cond)
{
	if (!cond)
		abort();
}

static void read_everything(struct egm_region *r)
{
	struct egm_retired_range *ranges;
	uint64_t base, bytes, end = 0;
	unsigned int n;

	egm_region_name(r);
	egm_region_devnode(r);
	egm_region_pxm(r);
	egm_region_numa_node(r);
	egm_region_align(r);
	egm_region_base(r, &base);
	for (unsigned int g = 0; g < egm_region_gpu_count(r); g++)
		check(egm_region_gpu(r, g));
	check(egm_scrub_state_name(egm_region_scrub_state(r)));
	egm_region_scrub_progress(r, &bytes);
	if (egm_region_retired(r, &ranges, &n))
		return;
	for (unsigned int i = 0; i < n; i++) {
		check(ranges[i].size);
		check(ranges[i].offset >= end);
		check(ranges[i].offset + ranges[i].size > ranges[i].offset);
		check(ranges[i].offset + ranges[i].size <= egm_region_size(r));
		end = ranges[i].offset + ranges[i].size;
	}
	free(ranges);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *texts[FAKE_NR_ATTRS] = { 0 };
	size_t lens[FAKE_NR_ATTRS] = { 0 };
	char sys[96], dev[96];
	struct egm_ctx *ctx;
	size_t i = 0;

	if (!ready) {
		fake_init();
		fake_region("egm5", NULL, NULL);
		ready = true;
	}
	while (i < FAKE_NR_ATTRS) {
		const uint8_t *sep = memchr(data, 0xff, size);
		size_t len = sep ? (size_t)(sep - data) : size;

		texts[i] = (const char *)data;
		lens[i++] = len;
		if (!sep)
			break;
		data += len + 1;
		size -= len + 1;
	}
	fake_region("egm4", texts, lens);

	snprintf(sys, sizeof(sys), "%s/sys", fake_root);
	snprintf(dev, sizeof(dev), "%s/dev", fake_root);
	if (egm_new_at(&ctx, sys, dev)) {
		check(!ctx || *egm_last_error(ctx));
		egm_free(ctx);
		return 0;
	}
	check(egm_region_count(ctx) <= 2);
	for (unsigned int r = 0; r < egm_region_count(ctx); r++)
		read_everything(egm_region_at(ctx, r));
	check(!egm_region_get(ctx, "egm4") || egm_region_count(ctx) >= 1);
	egm_free(ctx);
	return 0;
}
