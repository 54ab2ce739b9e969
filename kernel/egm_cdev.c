// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/egmN: exclusive open, size through llseek, mappings (egm_mmap.c),
 * the ioctls, and revocation: egm_region_revoke_range() takes a range from
 * a region's users, mappings and dma-bufs alike, for unbind and for
 * retirement. Every open file uses the region's own inode's mapping,
 * whatever device node it was opened through, so one unmap_mapping_range()
 * reaches every user mapping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pid.h>
#include <linux/pseudo_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "egm.h"
#include "egm_compat.h"
#include <linux/egm.h>

/* The set's ranges are what the uAPI lists, byte for byte. */
static_assert(sizeof(struct egm_retired_range) ==
	      sizeof(struct egm_retired_pages_info));
static_assert(offsetof(struct egm_retired_range, size) ==
	      offsetof(struct egm_retired_pages_info, size));

#define EGM_FS_MAGIC 0x45474d46	/* "EGMF" */

static dev_t egm_devt;
static struct vfsmount *egm_mnt;
static DEFINE_IDA(egm_minor_ida);

static struct class egm_class = {
	.name = "egm",
};

static int egm_open(struct inode *inode, struct file *file)
{
	struct egm_region *region =
		container_of(inode->i_cdev, struct egm_region, cdev);
	bool nonblock = file->f_flags & O_NONBLOCK;
	unsigned int owner_waits = 0;
	bool scrubbed;
	int ret;

	/*
	 * One process holds a region at a time; it may open it again (QEMU
	 * opens the file once per memory backend). Only a clean region is
	 * handed to a new holder: wait for its scrub, and for the DMA
	 * mappings of whoever mapped it before (egm_dma_owners.c).
	 */
	for (;;) {
		down_write(&region->lock);
		scrubbed = region->scrub_state == EGM_SCRUB_CLEAN;
		if (region->revoked) {
			ret = -ENODEV;
		} else if (region->nr_files) {
			ret = region->holder == task_tgid(current) ? 0 : -EBUSY;
			if (!ret)
				region->nr_files++;
		} else if (scrubbed) {
			ret = egm_dma_owners_admit(region);
			if (!ret) {
				region->scrub_state = EGM_SCRUB_IN_USE;
				region->holder = get_pid(task_tgid(current));
				region->nr_files = 1;
			}
		} else {
			ret = -EAGAIN;
		}
		up_write(&region->lock);
		if (ret != -EAGAIN)
			break;
		if (scrubbed)
			ret = egm_dma_owners_wait(nonblock, owner_waits++);
		else
			ret = egm_scrub_wait_clean(region, nonblock);
		if (ret)
			return ret;
	}
	if (ret)
		return ret;

	get_device(&region->dev);
	file->private_data = region;
	file->f_mapping = region->inode->i_mapping;
	return 0;
}

static int egm_release(struct inode *inode, struct file *file)
{
	struct egm_region *region = file->private_data;
	bool last;

	down_write(&region->lock);
	last = !--region->nr_files;
	if (last) {
		put_pid(region->holder);
		region->holder = NULL;
		region->scrub_state = EGM_SCRUB_DIRTY;
		egm_scrub_start_locked(region);
	}
	up_write(&region->lock);
	put_device(&region->dev);
	return 0;
}

static long egm_ioctl_retired_pages_list(struct egm_region *region,
					 void __user *arg)
{
	struct egm_retired_pages_list hdr;
	size_t minsz = offsetofend(struct egm_retired_pages_list, count);
	struct egm_retired_range *copy = NULL;
	u64 needed;
	u32 n;
	int ret = 0;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;

	/* Copied out of the lock: the user buffer may be EGM memory itself. */
	down_read(&region->lock);
	n = region->nr_retired;
	needed = minsz + (u64)n * sizeof(struct egm_retired_pages_info);
	if (hdr.argsz >= needed && n) {
		copy = kvmalloc_array(n, sizeof(*copy), GFP_KERNEL);
		if (copy)
			memcpy(copy, region->retired, n * sizeof(*copy));
		else
			ret = -ENOMEM;
	}
	up_read(&region->lock);
	if (ret)
		return ret;

	if (hdr.argsz < needed) {
		hdr.argsz = needed;
		hdr.count = 0;
	} else {
		struct egm_retired_pages_list __user *list = arg;

		if (n && copy_to_user(list->retired_pages, copy,
				      n * sizeof(*copy)))
			ret = -EFAULT;
		hdr.count = n;
	}
	kvfree(copy);
	if (!ret && copy_to_user(arg, &hdr, minsz))
		ret = -EFAULT;
	return ret;
}

/* QEMU sizes a character device backend with lseek(fd, 0, SEEK_END). */
static loff_t egm_llseek(struct file *file, loff_t offset, int whence)
{
	struct egm_region *region = file->private_data;

	return fixed_size_llseek(file, offset, whence, region->pdata->size);
}

static long egm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct egm_region *region = file->private_data;

	switch (cmd) {
	case EGM_RETIRED_PAGES_LIST:
		return egm_ioctl_retired_pages_list(region, (void __user *)arg);
	case EGM_DMABUF_EXPORT:
		return egm_ioctl_dmabuf_export(region, file, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations egm_fops = {
	.owner = THIS_MODULE,
	.open = egm_open,
	.release = egm_release,
	.llseek = egm_llseek,
	.unlocked_ioctl = egm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = egm_mmap,
	.get_unmapped_area = egm_get_unmapped_area,
};

static void egm_region_release(struct device *dev)
{
	struct egm_region *region = container_of(dev, struct egm_region, dev);

	kvfree(region->retired);
	egm_unmap_region_wb(region);
	if (region->claim) {
		release_mem_region(region->claim->start,
				   resource_size(region->claim));
		kfree(region->claim_name);
	}
	kvfree(region->scrub_workers);
	if (region->inode)
		iput(region->inode);
	kfree(region);
}

/*
 * Makes /dev/egmN. On failure the region has been freed. On success the
 * region lives until egm_region_del_cdev() and the last open file are gone.
 */
int egm_region_add_cdev(struct egm_region *region, struct device *parent)
{
	int ret;

	init_rwsem(&region->lock);
	mutex_init(&region->dmabufs_lock);
	INIT_LIST_HEAD(&region->dmabufs);
	device_initialize(&region->dev);
	region->dev.class = &egm_class;
	region->dev.parent = parent;
	region->dev.groups = egm_region_groups;
	region->dev.release = egm_region_release;
	set_dev_node(&region->dev, region->numa_node);
	ret = dev_set_name(&region->dev, "egm%u", region->pdata->pxm);
	if (ret)
		goto err_put;
	ret = egm_scrub_init_region(region);
	if (ret)
		goto err_put;
	region->inode = alloc_anon_inode(egm_mnt->mnt_sb);
	if (IS_ERR(region->inode)) {
		ret = PTR_ERR(region->inode);
		region->inode = NULL;
		goto err_put;
	}

	ret = ida_alloc_max(&egm_minor_ida, EGM_MAX_REGIONS - 1, GFP_KERNEL);
	if (ret < 0) {
		dev_err(parent, "no free minor for egm%u: %d\n",
			region->pdata->pxm, ret);
		goto err_put;
	}
	region->minor = ret;
	region->dev.devt = MKDEV(MAJOR(egm_devt), region->minor);

	cdev_init(&region->cdev, &egm_fops);
	region->cdev.owner = THIS_MODULE;
	/* Announced once its GPU links exist too: egm_region_announce(). */
	dev_set_uevent_suppress(&region->dev, true);
	ret = cdev_device_add(&region->cdev, &region->dev);
	if (ret) {
		dev_err(parent, "cannot add /dev/egm%u: %d\n",
			region->pdata->pxm, ret);
		ida_free(&egm_minor_ida, region->minor);
		goto err_put;
	}
	return 0;

err_put:
	put_device(&region->dev);
	return ret;
}

/*
 * The ADD uevent, sent when every attribute and link of the region is in
 * place, so that a udev rule reads them all on ADD.
 */
void egm_region_announce(struct egm_region *region)
{
	dev_set_uevent_suppress(&region->dev, false);
	kobject_uevent(&region->dev.kobj, KOBJ_ADD);
}

/**
 * egm_region_revoke_range() - take a range of the region from its users
 * @region: the region
 * @offset: the range's first byte
 * @len: its length; 0 for the whole region
 *
 * Zaps the range from every user mapping, with the whole of any huge entry
 * that may cover it (splitting one needs the mapping's mmap_lock, which
 * this path does not hold: the rest faults back in), and revokes every
 * dma-buf that covers any of it. The caller has made sure, under the
 * region's lock, that no fault or export hands the range out again.
 */
void egm_region_revoke_range(struct egm_region *region, u64 offset, u64 len)
{
	u64 base = region->pdata->base, entry = egm_largest_entry_size();
	u64 first, last;

	if (len) {
		first = max(ALIGN_DOWN(base + offset, entry), base) - base;
		last = min(ALIGN(base + offset + len, entry) - base,
			   region->pdata->size);
		unmap_mapping_range(region->inode->i_mapping, first,
				    last - first, 1);
	} else {
		unmap_mapping_range(region->inode->i_mapping, 0, 0, 1);
	}
	egm_dmabuf_revoke(region, offset, len);
}

/* Later faults get SIGBUS, new opens -ENODEV, dma-bufs are revoked. */
void egm_region_revoke(struct egm_region *region)
{
	down_write(&region->lock);
	region->revoked = true;
	up_write(&region->lock);
	egm_region_revoke_range(region, 0, 0);
	egm_scrub_stop(region);
}

void egm_region_del_cdev(struct egm_region *region)
{
	cdev_device_del(&region->cdev, &region->dev);
	ida_free(&egm_minor_ida, region->minor);
	put_device(&region->dev);
}

static int egm_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, EGM_FS_MAGIC) ? 0 : -ENOMEM;
}

/* Holds the regions' inodes; never mounted in user space. */
static struct file_system_type egm_fs_type = {
	.name = "nvgrace-egm",
	.init_fs_context = egm_init_fs_context,
	.kill_sb = kill_anon_super,
};

int egm_cdev_init(void)
{
	int ret;

	egm_mnt = kern_mount(&egm_fs_type);
	if (IS_ERR(egm_mnt))
		return PTR_ERR(egm_mnt);
	ret = alloc_chrdev_region(&egm_devt, 0, EGM_MAX_REGIONS, "egm");
	if (ret)
		goto err_mount;
	ret = class_register(&egm_class);
	if (ret)
		goto err_chrdev;
	return 0;

err_chrdev:
	unregister_chrdev_region(egm_devt, EGM_MAX_REGIONS);
err_mount:
	kern_unmount(egm_mnt);
	return ret;
}

void egm_cdev_exit(void)
{
	class_unregister(&egm_class);
	unregister_chrdev_region(egm_devt, EGM_MAX_REGIONS);
	ida_destroy(&egm_minor_ida);
	kern_unmount(egm_mnt);
}
