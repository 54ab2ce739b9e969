/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libegm internals, shared by its source files. */
#ifndef LIBEGM_PRIVATE_H
#define LIBEGM_PRIVATE_H

#include <limits.h>

#include "egm/libegm.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define EGM_MAX_GPUS 16
#define EGM_MAX_REGIONS 64

struct egm_region {
	struct egm_ctx *ctx;
	char name[32];			/* egm4 */
	char sysfs[PATH_MAX];		/* .../class/egm/egm4 */
	char devnode[PATH_MAX];		/* .../egm4 */
	uint64_t size;
	uint64_t align;
	unsigned int pxm;
	int numa_node;
	unsigned int nr_gpus;
	char gpus[EGM_MAX_GPUS][16];
};

/* A region whose attributes could not be read when the context was made. */
struct egm_unreadable {
	char name[32];
	char error[512];
};

struct egm_ctx {
	char sysfs_root[PATH_MAX];
	char dev_root[PATH_MAX];
	unsigned int nr_regions;
	struct egm_region regions[EGM_MAX_REGIONS];
	unsigned int nr_unreadable;
	struct egm_unreadable unreadable[EGM_MAX_REGIONS];
	char error[512];
};

/* Records the message for egm_last_error() and returns -@err. */
int egm_fail(struct egm_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reads a region's sysfs attribute into @buf (trailing newline dropped). */
int egm_read_attr(struct egm_region *region, const char *attr, char *buf,
		  size_t len);
int egm_read_u64(struct egm_region *region, const char *attr, uint64_t *value);

#endif
