// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libegm: the context, region enumeration and attributes, from sysfs.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

static const char *const egm_state_names[] = {
	[EGM_SCRUB_UNKNOWN] = "unknown",
	[EGM_SCRUB_DIRTY] = "dirty",
	[EGM_SCRUB_SCRUBBING] = "scrubbing",
	[EGM_SCRUB_CLEAN] = "clean",
	[EGM_SCRUB_IN_USE] = "in_use",
};

int egm_fail(struct egm_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	return -err;
}

const char *egm_last_error(const struct egm_ctx *ctx)
{
	return ctx->error;
}

int egm_read_attr(struct egm_region *region, const char *attr, char *buf,
		  size_t len)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", region->sysfs, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return egm_fail(region->ctx, err, "cannot read %s: %s%s", path,
				strerror(err),
				err == EACCES ? " (it is readable by root only)" : "");
	}
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return egm_fail(region->ctx, err, "cannot read %s: %s", path,
				strerror(err));
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int egm_read_u64(struct egm_region *region, const char *attr, uint64_t *value)
{
	char buf[64], *end;
	int ret = egm_read_attr(region, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*value = strtoull(buf, &end, 0);
	if (errno || end == buf || *end)
		return egm_fail(region->ctx, EINVAL, "%s/%s: '%s' is not a number",
				region->sysfs, attr, buf);
	return 0;
}

/* A GPU link is named by its PCI address: DDDD:BB:DD.F. */
static bool is_pci_address(const char *name)
{
	static const char shape[] = "xxxx:xx:xx.x";

	if (strlen(name) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'x' ? !isxdigit((unsigned char)name[i]) :
		    name[i] != shape[i])
			return false;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int load_gpus(struct egm_region *region)
{
	struct dirent *d;
	DIR *dir = opendir(region->sysfs);

	if (!dir)
		return egm_fail(region->ctx, errno, "cannot list %s: %s",
				region->sysfs, strerror(errno));
	while ((d = readdir(dir)) && region->nr_gpus < EGM_MAX_GPUS)
		if (is_pci_address(d->d_name))
			snprintf(region->gpus[region->nr_gpus++],
				 sizeof(region->gpus[0]), "%s", d->d_name);
	closedir(dir);
	/* Sorted, so that output is stable. */
	qsort(region->gpus, region->nr_gpus, sizeof(region->gpus[0]), by_name);
	return 0;
}

static int load_region(struct egm_ctx *ctx, const char *name)
{
	struct egm_region *region = &ctx->regions[ctx->nr_regions];
	uint64_t value;
	int ret;

	memset(region, 0, sizeof(*region));
	region->ctx = ctx;
	if (strlen(name) >= sizeof(region->name) ||
	    strlen(ctx->sysfs_root) + strlen(name) + 12 >= sizeof(region->sysfs) ||
	    strlen(ctx->dev_root) + strlen(name) + 2 >= sizeof(region->devnode))
		return egm_fail(ctx, ENAMETOOLONG, "%s: path too long", name);
	strcpy(region->name, name);
	strcat(strcat(strcpy(region->sysfs, ctx->sysfs_root), "/class/egm/"), name);
	strcat(strcat(strcpy(region->devnode, ctx->dev_root), "/"), name);
	ret = egm_read_u64(region, "size", &region->size);
	if (!ret)
		ret = egm_read_u64(region, "align", &region->align);
	if (!ret)
		ret = egm_read_u64(region, "pxm", &value);
	if (!ret && value > INT32_MAX)
		ret = egm_fail(ctx, EINVAL, "%s/pxm: %" PRIu64 " is not a proximity domain",
			       region->sysfs, value);
	region->pxm = ret ? 0 : value;
	if (!ret)
		ret = egm_read_u64(region, "numa_node", &value);
	/* -1 (NUMA_NO_NODE) reads as a huge number. */
	region->numa_node = (int)(int64_t)value;
	if (!ret)
		ret = load_gpus(region);
	if (!ret)
		ctx->nr_regions++;
	return ret;
}

static int by_pxm(const void *a, const void *b)
{
	const struct egm_region *x = a, *y = b;

	return (x->pxm > y->pxm) - (x->pxm < y->pxm);
}

int egm_new_at(struct egm_ctx **out, const char *sysfs_root,
	       const char *dev_root)
{
	struct egm_ctx *ctx = calloc(1, sizeof(*ctx));
	char path[PATH_MAX + 16];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	*out = ctx;
	if (!ctx)
		return -ENOMEM;
	if (strlen(sysfs_root) >= sizeof(ctx->sysfs_root) - 16 ||
	    strlen(dev_root) >= sizeof(ctx->dev_root) - 16)
		return egm_fail(ctx, ENAMETOOLONG, "root path too long");
	strcpy(ctx->sysfs_root, sysfs_root);
	strcpy(ctx->dev_root, dev_root);
	snprintf(path, sizeof(path), "%s/class/egm", sysfs_root);
	dir = opendir(path);
	if (!dir && errno == ENOENT)
		return egm_fail(ctx, ENODEV,
				"the nvgrace-egm driver is not loaded (%s is missing): modprobe nvgrace-egm",
				path);
	if (!dir)
		return egm_fail(ctx, errno, "cannot list %s: %s", path, strerror(errno));
	/* One region that cannot be read (being unbound, say) spoils no other. */
	while ((d = readdir(dir))) {
		struct egm_unreadable *bad;

		if (strncmp(d->d_name, "egm", 3) || !isdigit((unsigned char)d->d_name[3]))
			continue;
		if (ctx->nr_regions + ctx->nr_unreadable == EGM_MAX_REGIONS)
			break;
		if (!load_region(ctx, d->d_name))
			continue;
		bad = &ctx->unreadable[ctx->nr_unreadable++];
		snprintf(bad->name, sizeof(bad->name), "%s", d->d_name);
		snprintf(bad->error, sizeof(bad->error), "%s", ctx->error);
	}
	closedir(dir);
	ctx->error[0] = '\0';
	qsort(ctx->regions, ctx->nr_regions, sizeof(ctx->regions[0]), by_pxm);
	return ret;
}

int egm_new(struct egm_ctx **ctx)
{
	return egm_new_at(ctx, "/sys", "/dev");
}

void egm_free(struct egm_ctx *ctx)
{
	free(ctx);
}

unsigned int egm_region_count(const struct egm_ctx *ctx)
{
	return ctx->nr_regions;
}

struct egm_region *egm_region_at(struct egm_ctx *ctx, unsigned int index)
{
	return index < ctx->nr_regions ? &ctx->regions[index] : NULL;
}

struct egm_region *egm_region_get(struct egm_ctx *ctx, const char *name)
{
	const char *base = strrchr(name, '/');
	char want[32];

	base = base ? base + 1 : name;
	snprintf(want, sizeof(want), "%s%s",
		 isdigit((unsigned char)base[0]) ? "egm" : "", base);
	for (unsigned int i = 0; i < ctx->nr_regions; i++)
		if (!strcmp(ctx->regions[i].name, want))
			return &ctx->regions[i];
	for (unsigned int i = 0; i < ctx->nr_unreadable; i++)
		if (!strcmp(ctx->unreadable[i].name, want)) {
			egm_fail(ctx, EIO, "%s", ctx->unreadable[i].error);
			return NULL;
		}
	if (!ctx->nr_regions) {
		egm_fail(ctx, ENOENT,
			 "no EGM region %s: the driver found no regions (see dmesg | grep nvgrace-egm)",
			 want);
	} else {
		char list[256] = "";

		for (unsigned int i = 0; i < ctx->nr_regions; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", i ? " " : "", ctx->regions[i].name);
		egm_fail(ctx, ENOENT, "no EGM region %s (regions: %s)", want, list);
	}
	return NULL;
}

#ifndef LIBEGM_VERSION
#define LIBEGM_VERSION "unknown"
#endif

const char *egm_library_version(void)
{
	return LIBEGM_VERSION;
}

unsigned int egm_unreadable_count(const struct egm_ctx *ctx)
{
	return ctx->nr_unreadable;
}

const char *egm_unreadable_name(const struct egm_ctx *ctx, unsigned int index)
{
	return index < ctx->nr_unreadable ? ctx->unreadable[index].name : NULL;
}

const char *egm_unreadable_error(const struct egm_ctx *ctx, unsigned int index)
{
	return index < ctx->nr_unreadable ? ctx->unreadable[index].error : NULL;
}

const char *egm_region_name(const struct egm_region *region)
{
	return region->name;
}

const char *egm_region_devnode(const struct egm_region *region)
{
	return region->devnode;
}

uint64_t egm_region_size(const struct egm_region *region)
{
	return region->size;
}

unsigned int egm_region_pxm(const struct egm_region *region)
{
	return region->pxm;
}

int egm_region_numa_node(const struct egm_region *region)
{
	return region->numa_node;
}

uint64_t egm_region_align(const struct egm_region *region)
{
	return region->align;
}

int egm_region_base(struct egm_region *region, uint64_t *base)
{
	return egm_read_u64(region, "base", base);
}

unsigned int egm_region_gpu_count(const struct egm_region *region)
{
	return region->nr_gpus;
}

const char *egm_region_gpu(const struct egm_region *region, unsigned int i)
{
	return i < region->nr_gpus ? region->gpus[i] : NULL;
}

const char *egm_scrub_state_name(enum egm_scrub_state state)
{
	return state < ARRAY_SIZE(egm_state_names) ?
	       egm_state_names[state] : "unknown";
}

enum egm_scrub_state egm_region_scrub_state(struct egm_region *region)
{
	char buf[32];

	if (egm_read_attr(region, "scrub_state", buf, sizeof(buf)))
		return EGM_SCRUB_UNKNOWN;
	for (unsigned int s = EGM_SCRUB_DIRTY; s <= EGM_SCRUB_IN_USE; s++)
		if (!strcmp(buf, egm_state_names[s]))
			return s;
	return EGM_SCRUB_UNKNOWN;
}

int egm_region_scrub_progress(struct egm_region *region, uint64_t *bytes)
{
	return egm_read_u64(region, "scrub_progress", bytes);
}

int egm_region_scrub_last(struct egm_region *region, struct egm_scrub_last *last)
{
	uint64_t threads;
	int ret;

	ret = egm_read_u64(region, "scrub_last_duration_us", &last->duration_us);
	if (!ret)
		ret = egm_read_u64(region, "scrub_last_throughput", &last->mib_per_s);
	if (!ret)
		ret = egm_read_u64(region, "scrub_last_threads", &threads);
	last->threads = ret ? 0 : threads;
	return ret;
}

int egm_region_retired_block_size(struct egm_region *region, uint64_t *bytes)
{
	return egm_read_u64(region, "retired_block_size", bytes);
}

int egm_region_dma_owners(struct egm_region *region,
			  struct egm_dma_owner **owners, unsigned int *count)
{
	char buf[4096], state[16], *line, *save = NULL;
	struct egm_dma_owner *list;
	unsigned int n = 0;
	int pid, ret;

	*owners = NULL;
	*count = 0;
	ret = egm_read_attr(region, "dma_owners", buf, sizeof(buf));
	if (ret)
		return ret;
	for (const char *c = buf; *c; c++)
		n += *c == '\n';
	list = calloc(n + 1, sizeof(*list));
	if (!list)
		return egm_fail(region->ctx, ENOMEM, "out of memory");
	n = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%d %15s", &pid, state) != 2 || pid <= 0 ||
		    (strcmp(state, "live") && strcmp(state, "exited"))) {
			free(list);
			return egm_fail(region->ctx, EINVAL,
					"%s/dma_owners: cannot parse '%s'",
					region->sysfs, line);
		}
		list[n].pid = pid;
		list[n++].live = !strcmp(state, "live");
	}
	if (n)
		*owners = list;
	else
		free(list);
	*count = n;
	return 0;
}
