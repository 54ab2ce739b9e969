// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-guest tests of libegm against the real driver: open, map, the ioctl's
 * retired list against sysfs's, and the error messages of open.
 *
 *   libegm-test REGION huge|4k   (whether the kernel maps huge PFN entries)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <egm/libegm.h>

#include "tap.h"

static bool same_ranges(const struct egm_retired_range *a, unsigned int na,
			const struct egm_retired_range *b, unsigned int nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* The last byte of the region outside every retired range. */
static uint64_t usable_byte(const struct egm_retired_range *r, unsigned int n,
			    uint64_t size)
{
	uint64_t at = size - 1;

	for (unsigned int i = n; i-- > 0;)
		if (at >= r[i].offset && at < r[i].offset + r[i].size)
			at = r[i].offset - 1;
	return at;
}

/* In a child: the message another process gets when it opens @name. */
static void other_process_open(struct egm_ctx *ctx, struct egm_region *region)
{
	pid_t child = fork();
	int status;

	if (child == 0) {
		int fd = egm_region_open(region, false);

		_exit(fd == -EBUSY &&
		      strstr(egm_last_error(ctx), "is in use by another process") ? 0 : 1);
	}
	waitpid(child, &status, 0);
	tap_ok(WIFEXITED(status) && !WEXITSTATUS(status),
	       "another process gets -EBUSY and 'is in use by another process'");
}

/* Having mapped the region, this process is its one DMA owner, live. */
static void check_dma_owners(struct egm_region *region)
{
	char cmd[64], line[256], shown[256] = "(no dma_owners line)", want[32];
	struct egm_dma_owner *owners;
	unsigned int n = 0;
	int ret = egm_region_dma_owners(region, &owners, &n);
	FILE *out;

	tap_ok(!ret && n == 1 && owners[0].pid == getpid() && owners[0].live,
	       "egm_region_dma_owners names this process (%d), live: %d owner(s), first %d %s",
	       getpid(), n, n ? owners[0].pid : 0,
	       n ? (owners[0].live ? "live" : "exited") : "-");
	if (!ret)
		free(owners);
	snprintf(cmd, sizeof(cmd), "egmctl show %s", egm_region_name(region));
	out = popen(cmd, "r");
	while (out && fgets(line, sizeof(line), out))
		if (!strncmp(line, "dma_owners", 10))
			snprintf(shown, sizeof(shown), "%s", line);
	if (out)
		pclose(out);
	shown[strcspn(shown, "\n")] = 0;
	snprintf(want, sizeof(want), " %d (live)", getpid());
	tap_ok(strstr(shown, want), "egmctl show says so: %s", shown);
}

int main(int argc, char **argv)
{
	struct egm_retired_range *sysfs_list, *ioctl_list;
	unsigned int n_sysfs = 0, n_ioctl = 0;
	struct egm_region *region;
	struct egm_ctx *ctx;
	uint64_t size, align;
	int fd, fd2, ret;
	uint8_t *map;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: libegm-test REGION huge|4k\n");
		return 2;
	}
	ret = egm_new(&ctx);
	if (!tap_ok(!ret, "egm_new: %s", ret ? egm_last_error(ctx) : "ok"))
		return 1;
	region = egm_region_get(ctx, argv[1]);
	if (!tap_ok(region, "egm_region_get(%s): %s", argv[1], egm_last_error(ctx)))
		return 1;
	size = egm_region_size(region);
	align = egm_region_align(region);

	fd = egm_region_open(region, false);
	if (!tap_ok(fd >= 0, "egm_region_open: %s", fd < 0 ? egm_last_error(ctx) : "ok"))
		return 1;
	tap_ok(egm_region_scrub_state(region) == EGM_SCRUB_IN_USE,
	       "the region is in_use while open");
	fd2 = egm_region_open(region, true);
	tap_ok(fd2 >= 0, "the holder opens it a second time");
	if (fd2 >= 0)
		close(fd2);
	other_process_open(ctx, region);

	ret = egm_region_retired(region, &sysfs_list, &n_sysfs);
	if (!ret)
		ret = egm_fd_retired(ctx, fd, &ioctl_list, &n_ioctl);
	tap_ok(!ret && same_ranges(sysfs_list, n_sysfs, ioctl_list, n_ioctl),
	       "EGM_RETIRED_PAGES_LIST through the fd equals sysfs's list (%u ranges)",
	       n_sysfs);
	ret = egm_fd_retired(ctx, 0, &ioctl_list, &n_ioctl);
	tap_ok(ret < 0 && strstr(egm_last_error(ctx), "EGM_RETIRED_PAGES_LIST"),
	       "egm_fd_retired on a non-EGM fd fails: %s", egm_last_error(ctx));

	map = egm_region_map(region, fd, 0, size);
	if (tap_ok(map, "egm_region_map of all %llu bytes", (unsigned long long)size)) {
		/* Before 6.12 there are no huge PFN entries to align for. */
		uint64_t want = strcmp(argv[2], "huge") ? 4096 :
				align < (1ULL << 30) ? align : 1ULL << 30;

		tap_ok((uintptr_t)map % want == 0,
		       "the mapping is aligned to %llu bytes (%p)",
		       (unsigned long long)want, (void *)map);
		uint64_t at = usable_byte(sysfs_list, n_sysfs, size);

		map[at] = 0x5a;
		tap_ok(map[at] == 0x5a, "its last usable byte (offset %#llx) is writable",
		       (unsigned long long)at);
		munmap(map, size);
	}
	check_dma_owners(region);
	map = egm_region_map(region, fd, size, 4096);
	tap_ok(!map && strstr(egm_last_error(ctx), "cannot map"),
	       "a map past the end fails: %s", egm_last_error(ctx));
	close(fd);

	/* A scrub runs now: a non-blocking open says so. */
	fd = egm_region_open(region, true);
	if (fd >= 0) {
		tap_note("the scrub finished before the second open");
		close(fd);
	} else {
		tap_ok(fd == -EAGAIN && strstr(egm_last_error(ctx), "is being scrubbed"),
		       "a non-blocking open during the scrub: %s", egm_last_error(ctx));
	}
	tap_ok(!egm_region_wait_clean(region, 120000, 0, NULL, NULL),
	       "egm_region_wait_clean returns once it is clean");
	tap_ok(egm_region_scrub_state(region) == EGM_SCRUB_CLEAN, "and it is");
	egm_free(ctx);
	return tap_exit_status();
}
