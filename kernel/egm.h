/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvgrace-egm: Extended GPU Memory regions of NVIDIA Grace hosts as
 * /dev/egmN character devices. Internal declarations.
 */
#ifndef EGM_H
#define EGM_H

#include <linux/acpi.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/rwsem.h>
#include <linux/ktime.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/*
 * Kernels that tell drivers of poisoned PFN-map memory
 * (register_pfn_address_space with pfn_to_vma_pgoff) have its header:
 * Kbuild defines EGM_HAVE_MEMORY_FAILURE_H when it exists.
 */
#if defined(EGM_HAVE_MEMORY_FAILURE_H) && IS_ENABLED(CONFIG_MEMORY_FAILURE)
#define EGM_MEMORY_FAILURE_NOTIFY
#include <linux/memory-failure.h>
#endif

#include "egm_retired.h"

#define EGM_DRIVER_NAME "nvgrace-egm"
/*
 * Real hosts have at most 4 sockets, hence 4 regions; four times that is
 * room enough. More is a firmware defect: the rest are refused, with a log.
 */
#define EGM_MAX_REGIONS 16

/* One GPU of a region, as firmware describes it. */
struct egm_gpu_info {
	acpi_handle handle;
	u64 retired_table;	/* its own copy of the socket's table */
	u64 retired_table_room;	/* bytes before the next EGM region */
};

/* What discovery hands to the platform device of one region. */
struct egm_platform_data {
	u64 base;
	u64 size;
	u32 pxm;
	unsigned int nr_gpus;
	struct egm_gpu_info gpus[];
};

/* Does the region of @pdata hold the physical address @phys? */
static inline bool egm_pdata_holds(const struct egm_platform_data *pdata,
				   u64 phys)
{
	return phys >= pdata->base && phys - pdata->base < pdata->size;
}

enum egm_scrub_state {
	EGM_SCRUB_DIRTY,
	EGM_SCRUB_SCRUBBING,
	EGM_SCRUB_CLEAN,
	EGM_SCRUB_IN_USE,
};

struct egm_scrub_worker {
	struct work_struct work;
	struct egm_region *region;
	unsigned int index;		/* which share of the region */
};

struct egm_region {
	struct device dev;		/* /sys/class/egm/egmN and /dev/egmN */
	struct cdev cdev;
	struct list_head node;		/* on egm_regions, for GPU links */
	const struct egm_platform_data *pdata;
	int numa_node;
	int minor;
	void **kaddr_pieces;		/* write-back kernel mapping */
	unsigned int nr_kaddr_pieces;
	struct resource *claim;		/* held until the region is freed */
	char *claim_name;
	struct inode *inode;		/* its i_mapping is every open file's */

	/* Faults read it; open, release and revocation write it. */
	struct rw_semaphore lock;
	bool revoked;
	struct pid *holder;		/* the process whose files are open */
	unsigned int nr_files;		/* its open files of the region */
	struct mm_struct *mapper;	/* the one mm that maps it now */
	unsigned long nr_mapper_vmas;	/* its VMAs of the region */
	enum egm_scrub_state scrub_state;
	int scrub_node;			/* whose CPUs zero it, see egm_scrub.c */

	/* Scrubbing, see egm_scrub.c. Set at its start, under @lock. */
	wait_queue_head_t scrub_wait;
	struct egm_scrub_worker *scrub_workers;	/* nr_cpu_ids of them */
	unsigned int scrub_nr_workers;
	ktime_t scrub_started;
	atomic_t scrub_running;		/* workers not yet done */
	atomic64_t scrub_done;		/* bytes zeroed so far */
	u64 scrub_last_ns;		/* the last complete scrub */
	unsigned int scrub_last_threads;

	/* Retired blocks, sorted and merged (egm_poison.c); under @lock. */
	struct egm_retired_range *retired;
	u32 nr_retired;
	u32 retired_capacity;
	u32 retired_table_entries;	/* what firmware's count said */
	u64 retired_block_size;
	struct mutex dmabufs_lock;	/* protects dmabufs */
	struct list_head dmabufs;	/* exported, see egm_dmabuf.c */
	struct dentry *debugfs;
	struct list_head hwerror_node;	/* see egm_hwerror.c */
#ifdef EGM_MEMORY_FAILURE_NOTIFY
	struct pfn_address_space pfn_space;
	bool pfn_space_registered;
#endif

	/* Under egm_regions_lock: which GPUs have a link right now. */
	struct pci_dev **linked_gpus;
};

/* Does a retired block lie in [@offset, @offset + @len)? Under @lock. */
static inline bool egm_is_retired_locked(const struct egm_region *region,
					 u64 offset, u64 len)
{
	lockdep_assert_held(&region->lock);
	return egm_retired_overlaps(region->retired, region->nr_retired,
				    offset, len);
}

/*
 * Each file below calls only into those listed before it (docs/design.rst,
 * "Dependency order"); egm_retired.c and egm_regions.c come first.
 */

/* egm_acpi.c */
int egm_acpi_discover(void);
void egm_acpi_remove_devices(void);
bool egm_range_is_free_of_ram(u64 base, u64 size);
bool egm_claim_is_in_reserved_memory(struct device *dev,
				     const struct resource *claim);
const struct egm_platform_data *egm_acpi_find_region(u64 phys);

/* egm_dma_owners.c */
int egm_dma_owner_add(struct egm_region *region);
int egm_dma_owners_admit(struct egm_region *region);
int egm_dma_owners_wait(bool nonblock, unsigned int tries);
ssize_t egm_dma_owners_show(struct egm_region *region, char *buf);
void egm_dma_owners_exit(void);

/* egm_gpu_links.c */
int egm_gpu_links_init(void);
void egm_gpu_links_exit(void);
int egm_gpu_links_add_region(struct egm_region *region);
void egm_gpu_links_remove_region(struct egm_region *region);
ssize_t egm_gpu_devices_show(struct egm_region *region, char *buf);

/* egm_scrub.c */
int egm_map_region_wb(struct device *dev, struct egm_region *region);
void egm_unmap_region_wb(struct egm_region *region);
void *egm_region_kaddr(const struct egm_region *region, u64 offset, u64 *len);
int egm_scrub_init(void);
void egm_scrub_exit(void);
int egm_scrub_init_region(struct egm_region *region);
void egm_scrub_region_added(struct egm_region *region);
void egm_scrub_start_locked(struct egm_region *region);
int egm_scrub_wait_clean(struct egm_region *region, bool nonblock);
void egm_scrub_stop(struct egm_region *region);
const char *egm_scrub_state_name(enum egm_scrub_state state);
u64 egm_scrub_throughput_mib(const struct egm_region *region);

/* egm_mmap.c */
int egm_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long egm_get_unmapped_area(struct file *file, unsigned long addr,
				    unsigned long len, unsigned long pgoff,
				    unsigned long flags);
u64 egm_largest_entry_size(void);

/* egm_dmabuf.c */
long egm_ioctl_dmabuf_export(struct egm_region *region, struct file *file,
			     void __user *arg);
void egm_dmabuf_revoke(struct egm_region *region, u64 offset, u64 len);

/* egm_sysfs.c */
extern const struct attribute_group *egm_region_groups[];

/* egm_cdev.c */
int egm_cdev_init(void);
void egm_cdev_exit(void);
int egm_region_add_cdev(struct egm_region *region, struct device *parent);
void egm_region_announce(struct egm_region *region);
void egm_region_revoke_range(struct egm_region *region, u64 offset, u64 len);
void egm_region_revoke(struct egm_region *region);
void egm_region_del_cdev(struct egm_region *region);

/* egm_poison.c */
void egm_poison_init(void);
void egm_poison_exit(void);
int egm_retired_init_region(struct device *dev, struct egm_region *region);
int egm_retire(struct egm_region *region, u64 offset, const char *why);
void egm_poison_region_added(struct egm_region *region);
void egm_poison_region_removed(struct egm_region *region);
void egm_retire_unbound(u64 phys);
bool egm_find_unapplied_retirement(struct egm_region *region, u64 *offset);

/* egm_hwerror.c */
void egm_hwerror_init(void);
void egm_hwerror_exit(void);
void egm_hwerror_region_added(struct egm_region *region);
void egm_hwerror_region_removed(struct egm_region *region);

/* egm_driver.c */
extern struct platform_driver egm_platform_driver;

#endif /* EGM_H */
