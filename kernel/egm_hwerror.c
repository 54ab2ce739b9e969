// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory errors found at run time: every uncorrected error the platform
 * reports inside EGM retires its block, whether a process maps it or not.
 *
 * The reports come from whichever of these the kernel has:
 *  - memory-failure handling of PFN maps (register_pfn_address_space): the
 *    kernel signals the early-kill processes that map the page and asks
 *    the driver where it is mapped, which is the driver's word of the
 *    error;
 *  - x86 machine checks (the MCE decode chain);
 *  - ACPI APEI GHES memory error records (firmware-first, as on Grace).
 * The first alone misses a page that no early-kill process maps: it would
 * be scrubbed and handed to the next tenant. Reports arrive in atomic
 * context; a work item retires their blocks, since retiring sleeps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kfifo.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "egm.h"
#include "egm_compat.h"

#if EGM_HAVE_GHES_REPORT_CHAIN && IS_ENABLED(CONFIG_ACPI_APEI_GHES)
#define EGM_GHES_REPORTS
#include <acpi/ghes.h>
#include <linux/cper.h>
#endif

/* Bound regions that take runtime retirements. */
static LIST_HEAD(egm_hwerror_regions);
static DEFINE_MUTEX(egm_hwerror_regions_lock);

static DEFINE_SPINLOCK(egm_hwerror_lock);	/* the queue and its state */
static DEFINE_KFIFO(egm_hwerror_pending, u64, 256);
static LIST_HEAD(egm_hwerror_overflow);	/* what the fifo had no room for */
static u64 egm_hwerror_last_pfn = U64_MAX;	/* queued last, while queued */
static bool egm_hwerror_running;

struct egm_hwerror_report {
	struct list_head node;
	u64 phys;
};

static void egm_hwerror_work_fn(struct work_struct *work);
static DECLARE_WORK(egm_hwerror_work, egm_hwerror_work_fn);

/* Under egm_hwerror_lock: false only when there is no memory for it. */
static bool egm_hwerror_put_locked(u64 phys)
{
	struct egm_hwerror_report *report;

	if (kfifo_put(&egm_hwerror_pending, phys))
		return true;
	report = kmalloc(sizeof(*report), GFP_ATOMIC);
	if (!report)
		return false;
	report->phys = phys;
	list_add_tail(&report->node, &egm_hwerror_overflow);
	return true;
}

/* Under egm_hwerror_lock: the next report, fifo first. */
static bool egm_hwerror_get_locked(u64 *phys)
{
	struct egm_hwerror_report *report;

	if (kfifo_get(&egm_hwerror_pending, phys))
		return true;
	report = list_first_entry_or_null(&egm_hwerror_overflow,
					  struct egm_hwerror_report, node);
	if (!report)
		return false;
	list_del(&report->node);
	*phys = report->phys;
	kfree(report);
	return true;
}

static void egm_hwerror_queue(u64 phys)
{
	unsigned long flags;
	bool lost = false;

	spin_lock_irqsave(&egm_hwerror_lock, flags);
	if (egm_hwerror_running && PHYS_PFN(phys) != egm_hwerror_last_pfn) {
		lost = !egm_hwerror_put_locked(phys);
		if (!lost) {
			egm_hwerror_last_pfn = PHYS_PFN(phys);
			schedule_work(&egm_hwerror_work);
		}
	}
	spin_unlock_irqrestore(&egm_hwerror_lock, flags);
	if (lost)
		pr_err_ratelimited("no memory to queue a memory error: %#llx is not retired\n",
				   phys);
}

/* The bound region that holds @phys, with a reference, or NULL. */
static struct egm_region *egm_hwerror_find(u64 phys)
{
	struct egm_region *region;

	lockdep_assert_held(&egm_hwerror_regions_lock);
	list_for_each_entry(region, &egm_hwerror_regions, hwerror_node) {
		if (egm_pdata_holds(region->pdata, phys)) {
			get_device(&region->dev);
			return region;
		}
	}
	return NULL;
}

/*
 * Retires the block of @phys in its bound region, without the list's lock
 * held (retiring waits for the region's dma-buf importers: one stuck
 * region must not hold up the others); a region that is not bound
 * remembers it for its next binding, under the lock, so that a binding
 * being made finds it when it joins the list (egm_hwerror_region_added).
 * A region unbound meanwhile is looked up again; one whose set cannot
 * grow has the block remembered for its next binding at least.
 */
static void egm_hwerror_retire(u64 phys)
{
	struct egm_region *region;
	int tries, ret;

	for (tries = 0; tries < 3; tries++) {
		mutex_lock(&egm_hwerror_regions_lock);
		region = egm_hwerror_find(phys);
		if (!region)
			egm_retire_unbound(phys);
		mutex_unlock(&egm_hwerror_regions_lock);
		if (!region)
			return;
		ret = egm_retire(region, phys - region->pdata->base,
				 "memory error");
		put_device(&region->dev);
		if (!ret)
			return;
	}
	mutex_lock(&egm_hwerror_regions_lock);
	egm_retire_unbound(phys);
	mutex_unlock(&egm_hwerror_regions_lock);
}

static void egm_hwerror_work_fn(struct work_struct *work)
{
	u64 phys;

	for (;;) {
		bool got;

		spin_lock_irq(&egm_hwerror_lock);
		got = egm_hwerror_get_locked(&phys);
		/* A later report of the same page is a new one. */
		if (!got)
			egm_hwerror_last_pfn = U64_MAX;
		spin_unlock_irq(&egm_hwerror_lock);
		if (!got)
			return;
		egm_hwerror_retire(phys);
	}
}

#ifdef EGM_MEMORY_FAILURE_NOTIFY
/*
 * memory_failure() calls this for each mapping of the region, in atomic
 * context, to learn where a poisoned pfn is mapped.
 */
static int egm_pfn_to_vma_pgoff(struct vm_area_struct *vma, unsigned long pfn,
				pgoff_t *pgoff)
{
	struct egm_region *region = vma->vm_private_data;
	unsigned long offset = pfn - PHYS_PFN(region->pdata->base);

	if (!egm_pdata_holds(region->pdata, PFN_PHYS(pfn)))
		return -EFAULT;
	egm_hwerror_queue(PFN_PHYS(pfn));
	if (offset < vma->vm_pgoff || offset - vma->vm_pgoff >= vma_pages(vma))
		return -EFAULT;
	*pgoff = offset;
	return 0;
}

static void egm_pfn_space_register(struct egm_region *region)
{
	int ret;

	region->pfn_space.node.start = PHYS_PFN(region->pdata->base);
	region->pfn_space.node.last = PHYS_PFN(region->pdata->base +
					       region->pdata->size) - 1;
	region->pfn_space.mapping = region->inode->i_mapping;
	region->pfn_space.pfn_to_vma_pgoff = egm_pfn_to_vma_pgoff;
	ret = register_pfn_address_space(&region->pfn_space);
	if (ret)
		dev_warn(&region->dev, "processes that map a page with a memory error are not signalled: %d\n",
			 ret);
	region->pfn_space_registered = !ret;
}

static void egm_pfn_space_unregister(struct egm_region *region)
{
	if (region->pfn_space_registered)
		unregister_pfn_address_space(&region->pfn_space);
	region->pfn_space_registered = false;
}
#else
static void egm_pfn_space_register(struct egm_region *region)
{
}

static void egm_pfn_space_unregister(struct egm_region *region)
{
}
#endif

void egm_hwerror_region_added(struct egm_region *region)
{
	u64 offset;

	egm_pfn_space_register(region);
	mutex_lock(&egm_hwerror_regions_lock);
	list_add_tail(&region->hwerror_node, &egm_hwerror_regions);
	mutex_unlock(&egm_hwerror_regions_lock);
	/* Errors reported between reading the remembered ones and now. */
	while (egm_find_unapplied_retirement(region, &offset)) {
		if (egm_retire(region, offset, "memory error while unbound"))
			break;
	}
}

/* Before revocation: its retirements are remembered from here on. */
void egm_hwerror_region_removed(struct egm_region *region)
{
	mutex_lock(&egm_hwerror_regions_lock);
	list_del_init(&region->hwerror_node);
	mutex_unlock(&egm_hwerror_regions_lock);
	egm_pfn_space_unregister(region);
}

#ifdef CONFIG_X86_MCE
static int egm_mce_notify(struct notifier_block *nb, unsigned long val,
			  void *data)
{
	struct mce *m = data;

	if (m && !mce_is_correctable(m) && mce_is_memory_error(m) &&
	    mce_usable_address(m))
		egm_hwerror_queue(egm_mce_phys_addr(m));
	return NOTIFY_DONE;
}

static struct notifier_block egm_mce_nb = {
	.notifier_call = egm_mce_notify,
	.priority = MCE_PRIO_LOWEST,
};
#endif

#ifdef EGM_GHES_REPORTS
static int egm_ghes_notify(struct notifier_block *nb, unsigned long severity,
			   void *data)
{
	struct cper_sec_mem_err *mem_err = data;

	/* The address as memory_failure() takes it: the mask may be zero. */
	if (severity >= GHES_SEV_RECOVERABLE &&
	    (mem_err->validation_bits & CPER_MEM_VALID_PA))
		egm_hwerror_queue(mem_err->physical_addr);
	return NOTIFY_DONE;
}

static struct notifier_block egm_ghes_nb = {
	.notifier_call = egm_ghes_notify,
};
#endif

void egm_hwerror_init(void)
{
	spin_lock_irq(&egm_hwerror_lock);
	egm_hwerror_running = true;
	spin_unlock_irq(&egm_hwerror_lock);
#ifdef CONFIG_X86_MCE
	mce_register_decode_chain(&egm_mce_nb);
#endif
#ifdef EGM_GHES_REPORTS
	ghes_register_report_chain(&egm_ghes_nb);
#endif
}

/* First at unload: no report may queue work once regions go away. */
void egm_hwerror_exit(void)
{
	u64 phys;

#ifdef EGM_GHES_REPORTS
	ghes_unregister_report_chain(&egm_ghes_nb);
#endif
#ifdef CONFIG_X86_MCE
	mce_unregister_decode_chain(&egm_mce_nb);
#endif
	spin_lock_irq(&egm_hwerror_lock);
	egm_hwerror_running = false;
	spin_unlock_irq(&egm_hwerror_lock);
	cancel_work_sync(&egm_hwerror_work);
	spin_lock_irq(&egm_hwerror_lock);
	while (egm_hwerror_get_locked(&phys))
		;
	spin_unlock_irq(&egm_hwerror_lock);
}
