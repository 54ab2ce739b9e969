// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA owners: the processes that mapped a region, remembered until nothing
 * can still hold an IOMMU mapping they made of it.
 *
 * VFIO's type1 container looks up PFN-map memory without keeping a
 * reference to it, so its IOMMU entries for EGM outlive the mapping, the
 * file and the holding: a device still attached to the old container could
 * read and write the next tenant's memory. Each DMA mapping of type1 holds a
 * reference to the task struct of the mapping process's thread group leader
 * until the container unmaps it, so the driver keeps a reference of its own
 * to the leader of every process that mapped a region, and hands the idle
 * region to another process only when nothing else holds that leader: no
 * reference but the driver's, and the task's own while it runs (a running
 * task holds one reference to itself, dropped when it is reaped). Then no
 * DMA mapping it made is left, and as the region is idle, it has no VMA to
 * make one from. While a running owner is held, another's open() gets
 * -EBUSY; once it has exited, opens wait (or get -EAGAIN) for the rest.
 *
 * The list is global and keyed by the region's physical base, so that it
 * survives an unbind and bind of the region; while it is not empty the
 * module holds a reference to itself, so that it survives an unload too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "egm.h"

/* How often the list is looked at: while owners live, and after one exits. */
#define EGM_DMA_OWNERS_PRUNE_LIVE	HZ
#define EGM_DMA_OWNERS_PRUNE_EXITED	(HZ / 10)
#define EGM_DMA_OWNERS_WAIT_MS		10

struct egm_dma_owner {
	struct list_head node;
	u64 base;			/* the region's physical base */
	struct task_struct *leader;	/* the mapping process's leader */
};

static LIST_HEAD(egm_dma_owners);
static DEFINE_MUTEX(egm_dma_owners_lock);
static void egm_dma_owners_prune_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(egm_dma_owners_prune, egm_dma_owners_prune_work);

/*
 * Its threads run. A leader that an exec() by another thread replaced is
 * released (its pid detached) while the process lives on: not running.
 */
static bool egm_dma_owner_lives(const struct egm_dma_owner *owner)
{
	return pid_alive(owner->leader) &&
	       atomic_read(&owner->leader->signal->live) > 0;
}

/* Nothing but the driver holds the leader: no container can be left. */
static bool egm_dma_owner_gone(const struct egm_dma_owner *owner)
{
	return refcount_read(&owner->leader->usage) == 1;
}

/*
 * A running owner that nothing holds but itself and the driver: it made no
 * DMA mapping that is left. Only the task's own reference is counted for a
 * task that runs, so one reaped since egm_dma_owner_lives() counts as held.
 */
static bool egm_dma_owner_holds_nothing(const struct egm_dma_owner *owner)
{
	return refcount_read(&owner->leader->usage) == 2;
}

static void egm_dma_owner_free(struct egm_dma_owner *owner)
{
	lockdep_assert_held(&egm_dma_owners_lock);
	list_del(&owner->node);
	put_task_struct(owner->leader);
	kfree(owner);
	if (list_empty(&egm_dma_owners))
		module_put(THIS_MODULE);
}

/* Frees the owners that are gone; is anyone left, and has one exited? */
static bool egm_dma_owners_prune_locked(bool *exited)
{
	struct egm_dma_owner *owner, *next;

	lockdep_assert_held(&egm_dma_owners_lock);
	*exited = false;
	list_for_each_entry_safe(owner, next, &egm_dma_owners, node) {
		if (egm_dma_owner_gone(owner))
			egm_dma_owner_free(owner);
		else if (!egm_dma_owner_lives(owner))
			*exited = true;
	}
	return !list_empty(&egm_dma_owners);
}

static void egm_dma_owners_schedule(bool exited)
{
	mod_delayed_work(system_wq, &egm_dma_owners_prune,
			 exited ? EGM_DMA_OWNERS_PRUNE_EXITED :
				  EGM_DMA_OWNERS_PRUNE_LIVE);
}

/*
 * Lets go of the module once the last owner is gone; must not requeue
 * itself after that, as the module's exit waits only for a running work.
 */
static void egm_dma_owners_prune_work(struct work_struct *work)
{
	bool left, exited;

	mutex_lock(&egm_dma_owners_lock);
	left = egm_dma_owners_prune_locked(&exited);
	if (left)
		egm_dma_owners_schedule(exited);
	mutex_unlock(&egm_dma_owners_lock);
}

/* The calling process maps @region: remember it. Under the region's lock. */
int egm_dma_owner_add(struct egm_region *region)
{
	struct task_struct *leader = current->group_leader;
	struct egm_dma_owner *owner;
	int ret = 0;

	mutex_lock(&egm_dma_owners_lock);
	list_for_each_entry(owner, &egm_dma_owners, node)
		if (owner->base == region->pdata->base && owner->leader == leader)
			goto out;
	owner = kzalloc(sizeof(*owner), GFP_KERNEL);
	if (!owner) {
		ret = -ENOMEM;
		goto out;
	}
	owner->base = region->pdata->base;
	owner->leader = get_task_struct(leader);
	/* The caller's open file holds the module: a plain get is safe. */
	if (list_empty(&egm_dma_owners))
		__module_get(THIS_MODULE);
	list_add_tail(&owner->node, &egm_dma_owners);
	egm_dma_owners_schedule(false);
out:
	mutex_unlock(&egm_dma_owners_lock);
	return ret;
}

/*
 * May the calling process take @region, which nobody holds now (under its
 * lock)? 0 if so; -EBUSY while another process that mapped it runs and is
 * held; -EAGAIN once all such processes have exited but one is still held.
 */
int egm_dma_owners_admit(struct egm_region *region)
{
	struct task_struct *leader = current->group_leader;
	struct egm_dma_owner *owner, *next;
	int ret = 0;

	mutex_lock(&egm_dma_owners_lock);
	list_for_each_entry_safe(owner, next, &egm_dma_owners, node) {
		if (owner->base != region->pdata->base || owner->leader == leader)
			continue;
		/* The region is idle: a running owner has no VMA to map. */
		if (egm_dma_owner_gone(owner) ||
		    (egm_dma_owner_lives(owner) &&
		     egm_dma_owner_holds_nothing(owner))) {
			egm_dma_owner_free(owner);
			continue;
		}
		if (!egm_dma_owner_lives(owner)) {
			ret = -EAGAIN;
			continue;
		}
		dev_info_ratelimited(&region->dev,
				     "open by %s[%d] refused: %s[%d] mapped the region, still runs, and may have DMA mappings of it\n",
				     current->comm, task_tgid_nr(current),
				     owner->leader->comm, owner->leader->tgid);
		ret = -EBUSY;
		break;
	}
	mutex_unlock(&egm_dma_owners_lock);
	return ret;
}

/* Sleeps a little before egm_dma_owners_admit() is asked again. */
int egm_dma_owners_wait(bool nonblock)
{
	if (nonblock)
		return -EAGAIN;
	if (schedule_timeout_killable(msecs_to_jiffies(EGM_DMA_OWNERS_WAIT_MS)) &&
	    fatal_signal_pending(current))
		return -EINTR;
	return 0;
}

/* sysfs dma_owners: "PID live" or "PID exited", one owner a line. */
ssize_t egm_dma_owners_show(struct egm_region *region, char *buf)
{
	struct egm_dma_owner *owner;
	ssize_t len = 0;

	mutex_lock(&egm_dma_owners_lock);
	list_for_each_entry(owner, &egm_dma_owners, node) {
		if (owner->base != region->pdata->base ||
		    egm_dma_owner_gone(owner))
			continue;
		if (len > PAGE_SIZE - 32)
			break;
		len += sysfs_emit_at(buf, len, "%d %s\n", owner->leader->tgid,
				     egm_dma_owner_lives(owner) ? "live" : "exited");
	}
	mutex_unlock(&egm_dma_owners_lock);
	return len;
}

/* The module goes: the list is empty, as each owner holds the module. */
void egm_dma_owners_exit(void)
{
	cancel_delayed_work_sync(&egm_dma_owners_prune);
	WARN_ON(!list_empty(&egm_dma_owners));
}
