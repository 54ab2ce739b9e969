// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scrubbing: no tenant sees the data of the one before.
 *
 * A region is dirty at probe (firmware promises nothing) and again whenever
 * its last file closes; the scrub starts at once, in the background, on
 * workers spread over the CPUs nearest the region (egm_scrub_pick_node(),
 * never the other socket's while one of its own is online), each zeroing
 * its own share through the region's write-back kernel mapping. open()
 * hands out only a clean region, so a VM that starts after the previous
 * one ended does not wait, and memory is never mapped before it has been
 * scrubbed since its last user.
 *
 * State changes happen under the region's lock; waiters sleep on
 * scrub_wait until the state leaves "scrubbing" or the region is revoked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/io.h>
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "egm.h"
#include "egm_compat.h"

/* Zeroed between two cond_resched() and progress updates. */
#define EGM_SCRUB_CHUNK SZ_4M

static const char * const egm_scrub_state_names[] = {
	[EGM_SCRUB_DIRTY] = "dirty",
	[EGM_SCRUB_SCRUBBING] = "scrubbing",
	[EGM_SCRUB_CLEAN] = "clean",
	[EGM_SCRUB_IN_USE] = "in_use",
};

static unsigned int scrub_threads;
static int egm_scrub_threads_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > nr_cpu_ids) {
		pr_err("scrub_threads must be 0 (one per CPU nearest the region) to %u\n",
		       nr_cpu_ids);
		return -EINVAL;
	}
	WRITE_ONCE(scrub_threads, n);
	return 0;
}

static const struct kernel_param_ops egm_scrub_threads_ops = {
	.set = egm_scrub_threads_set,
	.get = param_get_uint,
};
module_param_cb(scrub_threads, &egm_scrub_threads_ops, &scrub_threads, 0644);
MODULE_PARM_DESC(scrub_threads,
		 "scrub workers per region: 0 (default) = one per CPU of the node nearest the region (sysfs scrub_node)");

static struct workqueue_struct *egm_scrub_wq;

#ifdef EGM_TESTING
/*
 * Testing builds only (EGM_TESTING; the shipped module has no such switch):
 * regions are handed out without zeroing, for test hosts that back a
 * region's memory only where it is written; or left dirty at probe, for
 * tests of what comes before a scrub. Loading with the first set taints
 * the kernel (TAINT_TEST) and says so.
 */
static bool testing_contents_unknown;
module_param(testing_contents_unknown, bool, 0444);
MODULE_PARM_DESC(testing_contents_unknown,
		 "testing build: regions are handed out unzeroed, contents unknown");

static bool testing_no_probe_scrub;
module_param(testing_no_probe_scrub, bool, 0444);
MODULE_PARM_DESC(testing_no_probe_scrub,
		 "testing build: regions stay dirty at probe until their first open");
#endif

const char *egm_scrub_state_name(enum egm_scrub_state state)
{
	return egm_scrub_state_names[state];
}

/*
 * The region's write-back kernel mapping, in pieces of this size: unmapping
 * a piece costs time in proportion to its size on some kernels (debug
 * objects check every page), so unbinding reschedules between pieces.
 */
#define EGM_KADDR_PIECE_SHIFT	28
#define EGM_KADDR_PIECE		BIT_ULL(EGM_KADDR_PIECE_SHIFT)

/* At unbind, or at the region's release when probe failed after mapping. */
void egm_unmap_region_wb(struct egm_region *region)
{
	unsigned int i;

	for (i = 0; i < region->nr_kaddr_pieces; i++) {
		memunmap(region->kaddr_pieces[i]);
		cond_resched();
	}
	kvfree(region->kaddr_pieces);
	region->kaddr_pieces = NULL;
	region->nr_kaddr_pieces = 0;
}

/*
 * On x86 the mapping also records the write-back memory type for the
 * range, which user mappings then inherit.
 */
int egm_map_region_wb(struct device *dev, struct egm_region *region)
{
	const struct egm_platform_data *pdata = region->pdata;
	unsigned int n = DIV_ROUND_UP_ULL(pdata->size, EGM_KADDR_PIECE);
	u64 offset, len;
	void *kaddr;

	region->kaddr_pieces = kvcalloc(n, sizeof(void *), GFP_KERNEL);
	if (!region->kaddr_pieces)
		return -ENOMEM;
	for (offset = 0; offset < pdata->size; offset += len) {
		len = min_t(u64, pdata->size - offset, EGM_KADDR_PIECE);
		kaddr = memremap(pdata->base + offset, len, MEMREMAP_WB);
		if (!kaddr) {
			dev_err(dev, "cannot map [%#llx-%#llx] write-back\n",
				pdata->base + offset,
				pdata->base + offset + len - 1);
			egm_unmap_region_wb(region);
			return -ENXIO;
		}
		region->kaddr_pieces[region->nr_kaddr_pieces++] = kaddr;
	}
	return 0;
}

/*
 * The kernel address of the region at @offset; *@len is cut to what is
 * mapped contiguously from there.
 */
void *egm_region_kaddr(const struct egm_region *region, u64 offset, u64 *len)
{
	u64 in_piece = offset & (EGM_KADDR_PIECE - 1);

	*len = min(*len, EGM_KADDR_PIECE - in_piece);
	return region->kaddr_pieces[offset >> EGM_KADDR_PIECE_SHIFT] + in_piece;
}

static bool egm_scrub_stopped(struct egm_region *region)
{
	return READ_ONCE(region->revoked);
}

/*
 * Zeroes [@start, @start + @len) but its retired blocks: writing to
 * poisoned memory may raise the very error that retired it. The lock keeps
 * the set still while the chunk is zeroed.
 */
static void egm_zero_usable(struct egm_region *region, u64 start, u64 len)
{
	u64 end = start + len, at, stretch_end, piece_len;
	void *kaddr;

	down_read(&region->lock);
	for (at = egm_retired_usable_stretch(region->retired, region->nr_retired,
					     start, end, &stretch_end);
	     at < end;
	     at = egm_retired_usable_stretch(region->retired, region->nr_retired,
					     stretch_end, end, &stretch_end)) {
		for (; at < stretch_end; at += piece_len) {
			piece_len = stretch_end - at;
			kaddr = egm_region_kaddr(region, at, &piece_len);
			memset(kaddr, 0, piece_len);
		}
	}
	up_read(&region->lock);
}

static void egm_scrub_share(struct egm_region *region, u64 start, u64 end)
{
	while (start < end && !egm_scrub_stopped(region)) {
		u64 len = min_t(u64, end - start, EGM_SCRUB_CHUNK);

		egm_zero_usable(region, start, len);
		atomic64_add(len, &region->scrub_done);
		start += len;
		cond_resched();
	}
}

/* The uevent that tells tools a region is ready, without polling. */
static char *egm_scrub_clean_env[] = { "EGM_SCRUB_STATE=clean", NULL };

/* Under the lock, so that no new scrub can start before the uevent is sent. */
static void egm_scrub_declare_clean_locked(struct egm_region *region, u64 ns)
{
	region->scrub_state = EGM_SCRUB_CLEAN;
	region->scrub_last_ns = ns;
	region->scrub_last_threads = region->scrub_nr_workers;
	kobject_uevent_env(&region->dev.kobj, KOBJ_CHANGE, egm_scrub_clean_env);
}

static void egm_scrub_finish(struct egm_region *region)
{
	u64 ns = ktime_to_ns(ktime_sub(ktime_get(), region->scrub_started));

	down_write(&region->lock);
	if (!region->revoked && region->scrub_state == EGM_SCRUB_SCRUBBING)
		egm_scrub_declare_clean_locked(region, ns);
	up_write(&region->lock);
	wake_up_all(&region->scrub_wait);
}

static void egm_scrub_work(struct work_struct *work)
{
	struct egm_scrub_worker *worker =
		container_of(work, struct egm_scrub_worker, work);
	struct egm_region *region = worker->region;
	u64 pages = region->pdata->size >> PAGE_SHIFT;
	unsigned int n = region->scrub_nr_workers;
	u64 per = div_u64(pages + n - 1, n);
	u64 start = min(per * worker->index, pages) << PAGE_SHIFT;
	u64 end = min(per * (worker->index + 1), pages) << PAGE_SHIFT;

	egm_scrub_share(region, start, end);
	if (atomic_dec_and_test(&region->scrub_running))
		egm_scrub_finish(region);
}

static bool egm_node_has_online_cpus(int node)
{
	return node != NUMA_NO_NODE &&
	       cpumask_intersects(cpumask_of_node(node), cpu_online_mask);
}

/*
 * The node whose CPUs zero the region: the region's own when it has CPUs;
 * on Grace it has none (firmware gives EGM a node of its own), so the node
 * of the GPUs' root bridges (_PXM = their socket), else the node with CPUs
 * nearest the region's by distance. NUMA_NO_NODE: no NUMA information.
 */
static int egm_scrub_pick_node(const struct egm_region *region)
{
	int node = region->numa_node, best = NUMA_NO_NODE, n;
	unsigned int i;

	if (egm_node_has_online_cpus(node))
		return node;
	for (i = 0; i < region->pdata->nr_gpus; i++) {
		n = acpi_get_node(region->pdata->gpus[i].handle);
		if (egm_node_has_online_cpus(n))
			return n;
	}
	if (node == NUMA_NO_NODE)
		return NUMA_NO_NODE;
	for_each_node_with_cpus(n) {
		if (!egm_node_has_online_cpus(n))
			continue;
		if (best == NUMA_NO_NODE ||
		    node_distance(n, node) < node_distance(best, node))
			best = n;
	}
	return best;
}

/* All online CPUs only when the chosen node has none left online. */
static const struct cpumask *egm_scrub_cpus(struct egm_region *region)
{
	if (egm_node_has_online_cpus(region->scrub_node))
		return cpumask_of_node(region->scrub_node);
	return cpu_online_mask;
}

/* Starts a scrub of a dirty region; the caller holds its lock for writing. */
void egm_scrub_start_locked(struct egm_region *region)
{
	const struct cpumask *cpus;
	unsigned int i, n;
	int cpu;

	if (region->scrub_state != EGM_SCRUB_DIRTY || region->revoked)
		return;
#ifdef EGM_TESTING
	if (testing_contents_unknown) {
		region->scrub_nr_workers = 0;
		atomic64_set(&region->scrub_done, 0);
		egm_scrub_declare_clean_locked(region, 0);
		return;
	}
#endif
	/*
	 * No cpus_read_lock(): a worker queued to a CPU that goes offline
	 * still runs, elsewhere. Queueing under the region's lock is what
	 * matters: revocation's flush then sees every worker.
	 */
	cpus = egm_scrub_cpus(region);
	n = READ_ONCE(scrub_threads);
	if (!n)
		n = cpumask_weight_and(cpus, cpu_online_mask);
	if (!n)
		n = 1;
	region->scrub_nr_workers = n;
	region->scrub_state = EGM_SCRUB_SCRUBBING;
	region->scrub_started = ktime_get();
	atomic64_set(&region->scrub_done, 0);
	atomic_set(&region->scrub_running, n);
	cpu = -1;
	for (i = 0; i < n; i++) {
		cpu = cpumask_next_and(cpu, cpus, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first_and(cpus, cpu_online_mask);
		queue_work_on(cpu, egm_scrub_wq, &region->scrub_workers[i].work);
	}
}

/*
 * Waits until the region is clean or revoked, starting a scrub if nobody
 * has. Returns 0, -EAGAIN for a non-blocking caller, or -EINTR on a fatal
 * signal (the scrub goes on).
 */
int egm_scrub_wait_clean(struct egm_region *region, bool nonblock)
{
	bool settled;

	down_write(&region->lock);
	egm_scrub_start_locked(region);
	settled = region->scrub_state != EGM_SCRUB_SCRUBBING || region->revoked;
	up_write(&region->lock);
	/* It may have become clean since the caller looked: look again. */
	if (settled)
		return 0;
	if (nonblock)
		return -EAGAIN;
	if (wait_event_killable(region->scrub_wait,
				READ_ONCE(region->scrub_state) != EGM_SCRUB_SCRUBBING ||
				READ_ONCE(region->revoked)))
		return -EINTR;
	return 0;
}

/* After revocation: wakes the waiters and waits for the workers to stop. */
void egm_scrub_stop(struct egm_region *region)
{
	unsigned int i;
	bool stopped;

	wake_up_all(&region->scrub_wait);
	stopped = atomic_read(&region->scrub_running);
	for (i = 0; i < nr_cpu_ids; i++)
		flush_work(&region->scrub_workers[i].work);
	/* The region goes away dirty: its next binding scrubs it whole. */
	if (stopped)
		dev_info(&region->dev, "scrub stopped after %llu of %llu bytes\n",
			 (u64)atomic64_read(&region->scrub_done),
			 region->pdata->size);
}

int egm_scrub_init_region(struct egm_region *region)
{
	unsigned int i;

	init_waitqueue_head(&region->scrub_wait);
	region->scrub_state = EGM_SCRUB_DIRTY;
	region->scrub_node = egm_scrub_pick_node(region);
	region->scrub_workers = kvcalloc(nr_cpu_ids,
					 sizeof(*region->scrub_workers),
					 GFP_KERNEL);
	if (!region->scrub_workers)
		return -ENOMEM;
	for (i = 0; i < nr_cpu_ids; i++) {
		region->scrub_workers[i].region = region;
		region->scrub_workers[i].index = i;
		INIT_WORK(&region->scrub_workers[i].work, egm_scrub_work);
	}
	return 0;
}

/* Binding: scrub right away, so that the first open need not wait. */
void egm_scrub_region_added(struct egm_region *region)
{
#ifdef EGM_TESTING
	if (testing_no_probe_scrub)
		return;
#endif
	down_write(&region->lock);
	egm_scrub_start_locked(region);
	up_write(&region->lock);
}

u64 egm_scrub_throughput_mib(const struct egm_region *region)
{
	if (!region->scrub_last_ns)
		return 0;
	return div64_u64((region->pdata->size >> 20) * NSEC_PER_SEC,
			 region->scrub_last_ns);
}

int egm_scrub_init(void)
{
#ifdef EGM_TESTING
	if (testing_contents_unknown) {
		pr_warn("testing build: regions are handed out unzeroed, contents unknown\n");
		add_taint(TAINT_TEST, LOCKDEP_STILL_OK);
	}
#endif
	/* Per-CPU, so that each worker zeroes from the CPU it was sent to. */
	egm_scrub_wq = alloc_workqueue("egm_scrub",
				       WQ_CPU_INTENSIVE | EGM_WQ_PERCPU, 0);
	return egm_scrub_wq ? 0 : -ENOMEM;
}

void egm_scrub_exit(void)
{
	destroy_workqueue(egm_scrub_wq);
}
