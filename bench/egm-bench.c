// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping cost of one device: the time of mmap(), the time to touch every
 * 4 KiB page of the mapping, the page faults that took and the page-table
 * memory it added. One measurement per run, printed as one line of
 * key=value pairs for bench/guest-bench.sh to collect.
 *
 *   egm-bench touch DEVICE SIZE     map SIZE bytes at offset 0, touch, unmap
 *   egm-bench map DEVICE SIZE       mmap() and munmap() only
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mapping-cost.h"

#define PAGE 4096UL

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int measure(const char *device, uint64_t size, int touch)
{
	long faults, pte_before = page_table_kb();
	double t0, t_mmap, t_touch = 0;
	volatile uint8_t *map;
	int fd = open(device, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "egm-bench: %s: %s\n", device, strerror(errno));
		return 1;
	}
	faults = minor_faults();
	t0 = now_us();
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	t_mmap = now_us() - t0;
	if (map == MAP_FAILED) {
		fprintf(stderr, "egm-bench: mmap of %" PRIu64 " bytes of %s: %s\n",
			size, device, strerror(errno));
		close(fd);
		return 1;
	}
	if (touch) {
		t0 = now_us();
		for (uint64_t off = 0; off < size; off += PAGE)
			map[off] = (uint8_t)off;
		t_touch = now_us() - t0;
	}
	faults = minor_faults() - faults;
	printf("size_mib=%" PRIu64 " mmap_us=%.0f touch_ms=%.1f faults=%ld pte_kb=%ld\n",
	       size >> 20, t_mmap, t_touch / 1e3, faults,
	       page_table_kb() - pte_before);
	munmap((void *)map, size);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char *end;
	uint64_t size;

	if (argc != 4 || (strcmp(argv[1], "touch") && strcmp(argv[1], "map"))) {
		fprintf(stderr, "usage: egm-bench touch|map DEVICE SIZE\n");
		return 2;
	}
	size = strtoull(argv[3], &end, 0);
	if (*end || !size || size % PAGE) {
		fprintf(stderr, "egm-bench: SIZE must be a non-zero multiple of 4096: %s\n",
			argv[3]);
		return 2;
	}
	return measure(argv[2], size, !strcmp(argv[1], "touch"));
}
