// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libegm: a region's retired memory, from sysfs or from an open region's
 * EGM_RETIRED_PAGES_LIST.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/egm.h>

#include "private.h"

/*
 * Ranges must be what the driver promises: non-empty, in order, apart and
 * inside the region. A VMM plans guest RAM around them; anything else
 * would put guest RAM on retired memory.
 */
static int check_ranges(struct egm_ctx *ctx, const char *source,
			const struct egm_retired_range *list, unsigned int n,
			uint64_t region_size)
{
	uint64_t end = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t offset = list[i].offset, size = list[i].size;

		if (!size || offset < end || offset > region_size ||
		    size > region_size - offset)
			return egm_fail(ctx, EINVAL,
					"%s: retired range %#" PRIx64 "+%#" PRIx64
					" is empty, out of order or outside the region (%#"
					PRIx64 " bytes)", source, offset, size,
					region_size);
		end = offset + size;
	}
	return 0;
}

int egm_region_retired(struct egm_region *region,
		       struct egm_retired_range **ranges, unsigned int *count)
{
	char path[PATH_MAX + 32], line[128];
	unsigned int n = 0, cap = 16;
	struct egm_retired_range *list = malloc(cap * sizeof(*list));
	FILE *f;

	*ranges = NULL;
	*count = 0;
	if (!list)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/retired_pages", region->sysfs);
	f = fopen(path, "re");
	if (!f) {
		int err = errno;

		free(list);
		return egm_fail(region->ctx, err, "cannot read %s: %s%s", path,
				strerror(err), err == ENOENT ?
				" (a driver without retired-pages support?)" : "");
	}
	while (fgets(line, sizeof(line), f)) {
		uint64_t offset, size;

		if (sscanf(line, "%" SCNx64 " %" SCNx64, &offset, &size) != 2) {
			fclose(f);
			free(list);
			return egm_fail(region->ctx, EINVAL, "%s: bad line '%s'",
					path, line);
		}
		if (n == cap) {
			struct egm_retired_range *bigger =
				realloc(list, 2 * cap * sizeof(*list));

			if (!bigger) {
				fclose(f);
				free(list);
				return -ENOMEM;
			}
			list = bigger;
			cap *= 2;
		}
		list[n++] = (struct egm_retired_range){ offset, size };
	}
	fclose(f);
	if (check_ranges(region->ctx, path, list, n, region->size)) {
		free(list);
		return -EINVAL;
	}
	*ranges = list;
	*count = n;
	return 0;
}

int egm_fd_retired(struct egm_ctx *ctx, int fd,
		   struct egm_retired_range **ranges, unsigned int *count)
{
	struct egm_retired_pages_list hdr = { .argsz = sizeof(hdr) };
	struct egm_retired_pages_list *full = NULL;

	*ranges = NULL;
	*count = 0;
	/* The list may grow between the two calls: ask until it fits. */
	for (;;) {
		if (ioctl(fd, EGM_RETIRED_PAGES_LIST, full ? full : &hdr))
			break;
		if (full && (full->count || full->argsz == hdr.argsz)) {
			off_t size = lseek(fd, 0, SEEK_END);
			int ret = 0;

			*count = full->count;
			*ranges = malloc((full->count + 1) * sizeof(**ranges));
			if (!*ranges) {
				free(full);
				return -ENOMEM;
			}
			memcpy(*ranges, full->retired_pages,
			       full->count * sizeof(**ranges));
			free(full);
			if (size < 0)
				ret = egm_fail(ctx, errno, "lseek: %s", strerror(errno));
			else
				ret = check_ranges(ctx, "EGM_RETIRED_PAGES_LIST",
						   *ranges, *count, size);
			if (ret) {
				free(*ranges);
				*ranges = NULL;
				*count = 0;
			}
			return ret;
		}
		if (full)
			hdr.argsz = full->argsz;
		free(full);
		full = calloc(1, hdr.argsz);
		if (!full)
			return -ENOMEM;
		full->argsz = hdr.argsz;
	}
	free(full);
	return egm_fail(ctx, errno, "EGM_RETIRED_PAGES_LIST: %s%s",
			strerror(errno), errno == ENOTTY ?
			" (not an EGM device, or a driver without the ioctl)" : "");
}
