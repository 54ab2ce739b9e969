/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libegm: the Extended GPU Memory regions of an NVIDIA Grace host, for
 * operators' tools and VMMs. Reads /sys/class/egm (nvgrace-egm), opens and
 * maps /dev/egmN, waits for a region's scrub on its uevent.
 *
 * Every function that can fail returns 0 or a negative errno (pointers:
 * NULL) and leaves a message saying what went wrong and what to do in
 * egm_last_error().
 */
#ifndef LIBEGM_H
#define LIBEGM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBEGM_VERSION_MAJOR 1
#define LIBEGM_VERSION_MINOR 0

struct egm_ctx;
struct egm_region;

enum egm_scrub_state {
	EGM_SCRUB_UNKNOWN,
	EGM_SCRUB_DIRTY,	/* not zeroed since its last user */
	EGM_SCRUB_SCRUBBING,	/* being zeroed */
	EGM_SCRUB_CLEAN,	/* ready: open() returns at once */
	EGM_SCRUB_IN_USE,	/* held by a process */
};

/* One retired range: bytes from the start of the region, and a length. */
struct egm_retired_range {
	uint64_t offset;
	uint64_t size;
};

/*
 * A context over /sys and /dev, or over other roots (tests use a fake
 * sysfs tree). Regions are read once, at creation. On failure *ctx is
 * still set (NULL only when out of memory), so that egm_last_error() can
 * say why: egm_free() it either way.
 */
int egm_new(struct egm_ctx **ctx);
int egm_new_at(struct egm_ctx **ctx, const char *sysfs_root,
	       const char *dev_root);
void egm_free(struct egm_ctx *ctx);
const char *egm_last_error(const struct egm_ctx *ctx);
/* This libegm's version, "1.1.0". */
const char *egm_library_version(void);

/* Regions in PXM order: for (i = 0; (r = egm_region_at(ctx, i)); i++) */
unsigned int egm_region_count(const struct egm_ctx *ctx);
struct egm_region *egm_region_at(struct egm_ctx *ctx, unsigned int index);
/* By name: "egm4", "/dev/egm4" or "4". */
struct egm_region *egm_region_get(struct egm_ctx *ctx, const char *name);

/*
 * Regions whose attributes could not be read when @ctx was made (one being
 * unbound, say): left out of the list above, each with the reason.
 */
unsigned int egm_unreadable_count(const struct egm_ctx *ctx);
const char *egm_unreadable_name(const struct egm_ctx *ctx, unsigned int index);
const char *egm_unreadable_error(const struct egm_ctx *ctx, unsigned int index);

const char *egm_region_name(const struct egm_region *region);
const char *egm_region_devnode(const struct egm_region *region);
uint64_t egm_region_size(const struct egm_region *region);
unsigned int egm_region_pxm(const struct egm_region *region);
int egm_region_numa_node(const struct egm_region *region);
/* The largest power of two dividing base and size: the best map alignment. */
uint64_t egm_region_align(const struct egm_region *region);
/* The physical base: readable by root only (-EACCES otherwise). */
int egm_region_base(struct egm_region *region, uint64_t *base);

/* The region's GPUs, PCI addresses such as "0008:01:00.0". */
unsigned int egm_region_gpu_count(const struct egm_region *region);
const char *egm_region_gpu(const struct egm_region *region, unsigned int i);

/* Read from sysfs at each call: they change. */
enum egm_scrub_state egm_region_scrub_state(struct egm_region *region);
const char *egm_scrub_state_name(enum egm_scrub_state state);
int egm_region_scrub_progress(struct egm_region *region, uint64_t *bytes);

/* The last scrub's figures (all 0 before the first has ended). */
struct egm_scrub_last {
	uint64_t duration_us;
	uint64_t mib_per_s;
	unsigned int threads;
};

int egm_region_scrub_last(struct egm_region *region, struct egm_scrub_last *last);
/* The unit firmware retires memory in: a retired range is whole blocks. */
int egm_region_retired_block_size(struct egm_region *region, uint64_t *bytes);

/*
 * The processes that mapped the region and may still reach it by DMA
 * (their VFIO containers): while one runs with DMA mappings, another
 * process's open gets -EBUSY; once all have exited, opens wait until
 * nothing holds them. Root only (-EACCES otherwise).
 * *@owners is malloc()ed (NULL when there are none); free() it.
 */
struct egm_dma_owner {
	pid_t pid;
	bool live;	/* still running, rather than exited but held */
};

int egm_region_dma_owners(struct egm_region *region,
			  struct egm_dma_owner **owners, unsigned int *count);

/*
 * The retired list from sysfs, readable while a VM holds the region (an
 * open() would take it, and its close would start a scrub). *@ranges is
 * malloc()ed; free() it. egm_fd_retired() asks an open region's fd with
 * EGM_RETIRED_PAGES_LIST: the same list.
 */
int egm_region_retired(struct egm_region *region,
		       struct egm_retired_range **ranges, unsigned int *count);
int egm_fd_retired(struct egm_ctx *ctx, int fd,
		   struct egm_retired_range **ranges, unsigned int *count);

/*
 * Opens /dev/egmN read-write (with O_CLOEXEC, plus O_NONBLOCK when
 * @nonblock: -EAGAIN while it is being scrubbed). Returns the fd.
 */
int egm_region_open(struct egm_region *region, bool nonblock);
/*
 * Maps @len bytes at @offset of an open region, shared, at an address the
 * driver aligns for the largest page-table entries. NULL on failure.
 */
void *egm_region_map(struct egm_region *region, int fd, uint64_t offset,
		     uint64_t len);

/*
 * Waits until the region is clean: on the driver's uevent, not by polling.
 * @progress, when not NULL, is called about every @tick_ms while waiting,
 * with the bytes scrubbed so far. A dirty region with no scrub running is
 * kicked with a non-blocking open (root). @timeout_ms < 0 waits forever.
 * Returns 0, -ETIMEDOUT, or another negative errno.
 */
typedef void (*egm_progress_fn)(struct egm_region *region,
				enum egm_scrub_state state, uint64_t done,
				uint64_t size, void *arg);
int egm_region_wait_clean(struct egm_region *region, int timeout_ms,
			  int tick_ms, egm_progress_fn progress, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* LIBEGM_H */
