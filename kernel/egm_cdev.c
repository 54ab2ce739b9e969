// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/egmN: exclusive open, size through llseek, shared mappings of the
 * region's memory. Pages are inserted on fault, under the region lock, so
 * revocation cannot race with a mapping being set up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "egm.h"
#include "egm_compat.h"

static dev_t egm_devt;
static DEFINE_IDA(egm_minor_ida);

static struct class egm_class = {
	.name = "egm",
};

static vm_fault_t egm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct egm_region *region = vma->vm_private_data;
	u64 nr_pages = region->pdata->size >> PAGE_SHIFT;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	down_read(&region->lock);
	if (!region->revoked && vmf->pgoff < nr_pages)
		ret = vmf_insert_pfn(vma, vmf->address & PAGE_MASK,
				     PHYS_PFN(region->pdata->base) + vmf->pgoff);
	up_read(&region->lock);
	return ret;
}

static const struct vm_operations_struct egm_vm_ops = {
	.fault = egm_fault,
};

static int egm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct egm_region *region = file->private_data;
	u64 nr_pages = region->pdata->size >> PAGE_SHIFT;

	/* A private (copy-on-write) map of memory without struct pages. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= nr_pages ||
	    vma_pages(vma) > nr_pages - vma->vm_pgoff)
		return -EINVAL;
	if (READ_ONCE(region->revoked))
		return -ENODEV;

	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &egm_vm_ops;
	vma->vm_private_data = region;
	return 0;
}

static int egm_open(struct inode *inode, struct file *file)
{
	struct egm_region *region =
		container_of(inode->i_cdev, struct egm_region, cdev);
	int ret = 0;

	down_write(&region->lock);
	if (region->revoked)
		ret = -ENODEV;
	else if (region->file)
		ret = -EBUSY;
	else
		region->file = file;
	up_write(&region->lock);
	if (ret)
		return ret;

	get_device(&region->dev);
	file->private_data = region;
	return 0;
}

static int egm_release(struct inode *inode, struct file *file)
{
	struct egm_region *region = file->private_data;

	down_write(&region->lock);
	region->file = NULL;
	up_write(&region->lock);
	put_device(&region->dev);
	return 0;
}

/* QEMU sizes a character device backend with lseek(fd, 0, SEEK_END). */
static loff_t egm_llseek(struct file *file, loff_t offset, int whence)
{
	struct egm_region *region = file->private_data;

	return fixed_size_llseek(file, offset, whence, region->pdata->size);
}

static const struct file_operations egm_fops = {
	.owner = THIS_MODULE,
	.open = egm_open,
	.release = egm_release,
	.llseek = egm_llseek,
	.mmap = egm_mmap,
};

static void egm_region_release(struct device *dev)
{
	struct egm_region *region = container_of(dev, struct egm_region, dev);

	kfree(region);
}

/*
 * Makes /dev/egmN. On failure the region has been freed. On success the
 * region lives until egm_region_del_cdev() and the last open file are gone.
 */
int egm_region_add_cdev(struct egm_region *region, struct device *parent)
{
	int ret;

	device_initialize(&region->dev);
	region->dev.class = &egm_class;
	region->dev.parent = parent;
	region->dev.groups = egm_region_groups;
	region->dev.release = egm_region_release;
	ret = dev_set_name(&region->dev, "egm%u", region->pdata->pxm);
	if (ret)
		goto err_put;

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

/* Zaps every user mapping; later faults get SIGBUS, new opens -ENODEV. */
void egm_region_revoke(struct egm_region *region)
{
	down_write(&region->lock);
	region->revoked = true;
	if (region->file)
		unmap_mapping_range(region->file->f_mapping, 0, 0, 1);
	up_write(&region->lock);
}

void egm_region_del_cdev(struct egm_region *region)
{
	cdev_device_del(&region->cdev, &region->dev);
	ida_free(&egm_minor_ida, region->minor);
	put_device(&region->dev);
}

int egm_cdev_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&egm_devt, 0, EGM_MAX_REGIONS, "egm");
	if (ret)
		return ret;
	ret = class_register(&egm_class);
	if (ret)
		unregister_chrdev_region(egm_devt, EGM_MAX_REGIONS);
	return ret;
}

void egm_cdev_exit(void)
{
	class_unregister(&egm_class);
	unregister_chrdev_region(egm_devt, EGM_MAX_REGIONS);
	ida_destroy(&egm_minor_ida);
}
