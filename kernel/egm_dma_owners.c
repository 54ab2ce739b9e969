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
 * reference but the driver's, and the task's own until it is reaped. Then
 * no DMA mapping it made is left, and as the region is idle, it has no VMA
 * to make one from. While a running owner is held, another's open() gets
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

/*
 * When the list is looked at: at each owner's exit (its pidfd wake-up),
 * then at intervals doubling from the first to the last, as a reaped
 * task's last reference goes only after an RCU grace period; and, while
 * owners run, at the last interval in case an exit went unseen.
 */
#define EGM_DMA_OWNERS_PRUNE_FIRST	max(HZ / 100, 1)
#define EGM_DMA_OWNERS_PRUNE_LAST	(10 * HZ)
/* A waiting open looks again after 10 ms, doubling up to 250 ms. */
#define EGM_DMA_OWNERS_WAIT_FIRST_MS	10
#define EGM_DMA_OWNERS_WAIT_LAST_MS	250

struct egm_dma_owner {
	struct list_head node;
	u64 base;			/* the region's physical base */
	struct task_struct *leader;	/* the mapping process's leader */
	struct pid *pid;		/* the process's, for its exit */
	struct wait_queue_entry exit_wait;
};

enum egm_dma_owner_state {
	EGM_DMA_OWNER_GONE,		/* only the driver holds it */
	EGM_DMA_OWNER_UNHELD,		/* not reaped, held by nothing else */
	EGM_DMA_OWNER_HELD_RUNNING,
	EGM_DMA_OWNER_HELD_EXITED,
};

static LIST_HEAD(egm_dma_owners);
static DEFINE_MUTEX(egm_dma_owners_lock);
static unsigned long egm_dma_owners_delay;	/* under the lock */
static atomic_t egm_dma_owners_woken;
static void egm_dma_owners_prune_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(egm_dma_owners_prune, egm_dma_owners_prune_work);

static bool egm_dma_owner_runs(const struct egm_dma_owner *owner)
{
	return pid_alive(owner->leader) &&
	       atomic_read(&owner->leader->signal->live) > 0;
}

/* The driver holds one reference to a leader for each region it mapped. */
static unsigned int egm_dma_owner_driver_refs(const struct task_struct *leader)
{
	const struct egm_dma_owner *owner;
	unsigned int refs = 0;

	lockdep_assert_held(&egm_dma_owners_lock);
	list_for_each_entry(owner, &egm_dma_owners, node)
		refs += owner->leader == leader;
	return refs;
}

static enum egm_dma_owner_state
egm_dma_owner_state(const struct egm_dma_owner *owner)
{
	struct task_struct *leader = owner->leader;
	unsigned int refs = refcount_read(&leader->usage);
	unsigned int driver_refs = egm_dma_owner_driver_refs(leader);

	if (refs <= driver_refs)
		return EGM_DMA_OWNER_GONE;
	/*
	 * A task holds one reference to itself until it is reaped, and it
	 * drops it only after its pid is detached (then an RCU grace period):
	 * a pid still attached after the count was read means that one of
	 * those counted beyond the driver's is the task's own.
	 */
	smp_rmb();
	if (refs == driver_refs + 1 && pid_alive(leader))
		return EGM_DMA_OWNER_UNHELD;
	if (egm_dma_owner_runs(owner))
		return EGM_DMA_OWNER_HELD_RUNNING;
	return EGM_DMA_OWNER_HELD_EXITED;
}

/*
 * The process's pidfd waiters are woken when it has exited, its files (and
 * so its VFIO container) closed: look at the list now. Atomic context.
 */
static int egm_dma_owner_exited(struct wait_queue_entry *wait,
				unsigned int mode, int flags, void *key)
{
	atomic_set(&egm_dma_owners_woken, 1);
	mod_delayed_work(system_wq, &egm_dma_owners_prune, 0);
	return 0;
}

static void egm_dma_owner_free(struct egm_dma_owner *owner)
{
	lockdep_assert_held(&egm_dma_owners_lock);
	list_del(&owner->node);
	remove_wait_queue(&owner->pid->wait_pidfd, &owner->exit_wait);
	put_pid(owner->pid);
	put_task_struct(owner->leader);
	kfree(owner);
	if (list_empty(&egm_dma_owners))
		module_put(THIS_MODULE);
}

/*
 * Frees the owners that are gone, and those that have exited held by
 * nothing (an exited process makes no new DMA mapping). Is one of the
 * others exited?
 */
static bool egm_dma_owners_free_gone(void)
{
	struct egm_dma_owner *owner, *next;
	enum egm_dma_owner_state state;
	bool exited = false;

	lockdep_assert_held(&egm_dma_owners_lock);
	list_for_each_entry_safe(owner, next, &egm_dma_owners, node) {
		state = egm_dma_owner_state(owner);
		if (state == EGM_DMA_OWNER_GONE ||
		    (state == EGM_DMA_OWNER_UNHELD && !egm_dma_owner_runs(owner)))
			egm_dma_owner_free(owner);
		else if (state == EGM_DMA_OWNER_HELD_EXITED)
			exited = true;
	}
	return exited;
}

/*
 * Lets go of the module once the last owner is gone; must not requeue
 * itself after that, as the module's exit waits only for a running work.
 */
static void egm_dma_owners_prune_work(struct work_struct *work)
{
	bool exited;

	mutex_lock(&egm_dma_owners_lock);
	exited = egm_dma_owners_free_gone();
	if (!exited || atomic_xchg(&egm_dma_owners_woken, 0))
		egm_dma_owners_delay = EGM_DMA_OWNERS_PRUNE_FIRST;
	else
		egm_dma_owners_delay = min(2 * egm_dma_owners_delay,
					   (unsigned long)EGM_DMA_OWNERS_PRUNE_LAST);
	if (!list_empty(&egm_dma_owners))
		mod_delayed_work(system_wq, &egm_dma_owners_prune,
				 exited ? egm_dma_owners_delay :
					  EGM_DMA_OWNERS_PRUNE_LAST);
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
	owner->pid = get_pid(task_tgid(leader));
	init_waitqueue_func_entry(&owner->exit_wait, egm_dma_owner_exited);
	add_wait_queue(&owner->pid->wait_pidfd, &owner->exit_wait);
	/* The caller's open file holds the module: a plain get is safe. */
	if (list_empty(&egm_dma_owners))
		__module_get(THIS_MODULE);
	list_add_tail(&owner->node, &egm_dma_owners);
	queue_delayed_work(system_wq, &egm_dma_owners_prune,
			   EGM_DMA_OWNERS_PRUNE_LAST);
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
		switch (egm_dma_owner_state(owner)) {
		case EGM_DMA_OWNER_GONE:
		case EGM_DMA_OWNER_UNHELD:
			/* The region is idle: it has no VMA to map from. */
			egm_dma_owner_free(owner);
			break;
		case EGM_DMA_OWNER_HELD_EXITED:
			ret = -EAGAIN;
			break;
		case EGM_DMA_OWNER_HELD_RUNNING:
			dev_info_ratelimited(&region->dev,
					     "open by %s[%d] refused: %s[%d] mapped the region, still runs, and may have DMA mappings of it\n",
					     current->comm, task_tgid_nr(current),
					     owner->leader->comm, owner->leader->tgid);
			ret = -EBUSY;
			goto out;
		}
	}
out:
	mutex_unlock(&egm_dma_owners_lock);
	return ret;
}

/*
 * Sleeps before egm_dma_owners_admit() is asked again; @tries: how many
 * times it has been asked in this open.
 */
int egm_dma_owners_wait(bool nonblock, unsigned int tries)
{
	unsigned int ms = EGM_DMA_OWNERS_WAIT_FIRST_MS << min(tries, 5U);

	if (nonblock)
		return -EAGAIN;
	ms = min(ms, EGM_DMA_OWNERS_WAIT_LAST_MS);
	if (schedule_timeout_killable(msecs_to_jiffies(ms)) &&
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
	/* Empty means the module is free to go too: drop the gone now. */
	egm_dma_owners_free_gone();
	list_for_each_entry(owner, &egm_dma_owners, node) {
		if (owner->base != region->pdata->base)
			continue;
		if (len > PAGE_SIZE - 32)
			break;
		len += sysfs_emit_at(buf, len, "%d %s\n", owner->leader->tgid,
				     egm_dma_owner_runs(owner) ? "live" : "exited");
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
