// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping cost of one device: the time of mmap(), the time to touch every
 * 4 KiB page of the mapping, the page faults that took and the page-table
 * memory it added. One measurement per run, printed as one line of
 * key=value pairs for bench/guest-bench.sh to collect.
 *
 *   egm-bench touch DEVICE SIZE     map SIZE bytes at offset 0, touch, unmap
 *   egm-bench map DEVICE SIZE       mmap() and munmap() only
 *   egm-bench memset SIZE THREADS [glibc|stosb [DEVICE]]
 *                                   user-space zeroing of SIZE bytes of
 *                                   ordinary RAM (or of DEVICE, mapped
 *                                   shared) on THREADS threads, after a
 *                                   warm-up pass: the bandwidth reference.
 *                                   glibc's memset (default), or on x86-64
 *                                   the kernel's own instruction, rep stosb
 *   egm-bench open DEVICE           the time of one open()
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mapping-cost.h"

#define PAGE ((uint64_t)sysconf(_SC_PAGESIZE))

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

struct memset_share {
	uint8_t *start;
	size_t len;
	bool stosb;
};

static void *memset_share(void *arg)
{
	struct memset_share *share = arg;

#ifdef __x86_64__
	if (share->stosb) {
		void *dst = share->start;
		size_t len = share->len;

		__asm__ __volatile__("rep stosb"
				     : "+D" (dst), "+c" (len) : "a" (0) : "memory");
		return NULL;
	}
#endif
	memset(share->start, 0, share->len);
	return NULL;
}

/* Each thread zeroes its own share, as the driver's scrub workers do. */
static double memset_threads(uint8_t *buf, uint64_t size, unsigned int n,
			     bool stosb)
{
	struct memset_share shares[64];
	pthread_t threads[64];
	uint64_t per = (size / PAGE + n - 1) / n * PAGE;
	double t0 = now_us();

	for (unsigned int i = 0; i < n; i++) {
		uint64_t start = per * i < size ? per * i : size;
		uint64_t end = start + per < size ? start + per : size;

		shares[i] = (struct memset_share){ buf + start, end - start, stosb };
		pthread_create(&threads[i], NULL, memset_share, &shares[i]);
	}
	for (unsigned int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	return now_us() - t0;
}

/* Zeroes ordinary RAM, or with @device the device's memory mapped shared. */
static int memset_memory(uint64_t size, unsigned int threads, bool stosb,
			 const char *device)
{
	int fd = device ? open(device, O_RDWR) : -1;
	uint8_t *buf;
	double us;

	if (device && fd < 0) {
		fprintf(stderr, "egm-bench: %s: %s\n", device, strerror(errno));
		return 1;
	}
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   device ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		   fd, 0);
	if (fd >= 0)
		close(fd);

	if (buf == MAP_FAILED) {
		fprintf(stderr, "egm-bench: cannot allocate %" PRIu64 " bytes: %s\n",
			size, strerror(errno));
		return 1;
	}
	memset_threads(buf, size, threads, stosb);	/* warm-up */
	us = memset_threads(buf, size, threads, stosb);
	printf("threads=%u ms=%.1f mib_s=%.0f\n", threads, us / 1e3,
	       (size >> 20) / (us / 1e6));
	munmap(buf, size);
	return 0;
}

static int time_open(const char *device)
{
	double t0 = now_us();
	int fd = open(device, O_RDWR);
	double us = now_us() - t0;

	if (fd < 0) {
		fprintf(stderr, "egm-bench: %s: %s\n", device, strerror(errno));
		return 1;
	}
	printf("open_us=%.1f\n", us);
	close(fd);
	return 0;
}

static uint64_t parse_size(const char *arg)
{
	char *end;
	uint64_t size = strtoull(arg, &end, 0);

	if (*end || !size || size % PAGE) {
		fprintf(stderr, "egm-bench: SIZE must be a non-zero multiple of 4096: %s\n",
			arg);
		return 0;
	}
	return size;
}

int main(int argc, char **argv)
{
	uint64_t size;

	if (argc == 3 && !strcmp(argv[1], "open"))
		return time_open(argv[2]);
	if (argc >= 4 && argc <= 6 && !strcmp(argv[1], "memset")) {
		unsigned int threads = strtoul(argv[3], NULL, 0);
		bool stosb = argc >= 5 && !strcmp(argv[4], "stosb");

		size = parse_size(argv[2]);
		if (!size || !threads || threads > 64) {
			fprintf(stderr, "egm-bench: THREADS must be 1 to 64\n");
			return 2;
		}
#ifndef __x86_64__
		if (stosb) {
			fprintf(stderr, "egm-bench: stosb is x86-64 only\n");
			return 2;
		}
#endif
		return memset_memory(size, threads, stosb,
				     argc == 6 ? argv[5] : NULL);
	}
	if (argc != 4 || (strcmp(argv[1], "touch") && strcmp(argv[1], "map"))) {
		fprintf(stderr, "usage: egm-bench touch|map DEVICE SIZE\n"
				"       egm-bench memset SIZE THREADS [glibc|stosb [DEVICE]]\n"
				"       egm-bench open DEVICE\n");
		return 2;
	}
	size = parse_size(argv[3]);
	if (!size)
		return 2;
	return measure(argv[2], size, !strcmp(argv[1], "touch"));
}
