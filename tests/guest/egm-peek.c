// SPDX-License-Identifier: GPL-2.0-only
/*
 * egm-peek REGION OFFSET COUNT: prints COUNT 32-bit words of a region at
 * OFFSET, read from physical memory at the base libegm reports. It reads
 * what a running VM wrote while that VM holds the region (no other process
 * may open it). Root only: the base and /dev/mem are.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <egm/libegm.h>

int main(int argc, char **argv)
{
	uint64_t base, offset, page, count;
	struct egm_region *region;
	struct egm_ctx *ctx;
	uint32_t *words;
	uint8_t *map;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: egm-peek REGION OFFSET COUNT\n");
		return 2;
	}
	offset = strtoull(argv[2], NULL, 0);
	count = strtoull(argv[3], NULL, 0);
	region = egm_new(&ctx) ? NULL : egm_region_get(ctx, argv[1]);
	if (!region || egm_region_base(region, &base)) {
		fprintf(stderr, "egm-peek: %s\n", egm_last_error(ctx));
		return 1;
	}
	if (offset + count * 4 > egm_region_size(region) || !count || count > 1024) {
		fprintf(stderr, "egm-peek: [%#" PRIx64 ", +%" PRIu64 " words) is outside %s\n",
			offset, count, argv[1]);
		return 1;
	}
	page = (base + offset) & ~4095ULL;
	fd = open("/dev/mem", O_RDONLY);
	map = fd < 0 ? MAP_FAILED :
	      mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, page);
	if (map == MAP_FAILED) {
		perror("egm-peek: /dev/mem");
		return 1;
	}
	words = (uint32_t *)(map + (base + offset - page));
	printf("%s+%#" PRIx64 " (physical %#" PRIx64 "):", argv[1], offset,
	       base + offset);
	for (uint64_t i = 0; i < count; i++)
		printf(" %08x", words[i]);
	printf("\n");
	egm_free(ctx);
	return 0;
}
