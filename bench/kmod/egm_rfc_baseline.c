// SPDX-License-Identifier: GPL-2.0-only
/*
 * The RFC's way with an EGM region, for make bench only: mmap() fills the
 * whole mapping with 4 KiB entries (remap_pfn_range), and one thread zeroes
 * the region in 1 GiB memsets. It is loaded on a region's memory after
 * nvgrace-egm has let go of it, and is never installed:
 *
 *   rmmod nvgrace_egm
 *   insmod egm_rfc_baseline.ko base=0x... size=0x...
 *   /dev/egm_rfc_baseline                  mmap (shared), llseek
 *   echo 1 >/sys/module/egm_rfc_baseline/parameters/zero     zero it now
 *   cat /sys/module/egm_rfc_baseline/parameters/zero_ns      how long it took
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>

static unsigned long long base;
module_param(base, ullong, 0444);
MODULE_PARM_DESC(base, "the region's physical address");

static unsigned long long size;
module_param(size, ullong, 0444);
MODULE_PARM_DESC(size, "the region's size in bytes");

static unsigned long long zero_ns;
module_param(zero_ns, ullong, 0444);
MODULE_PARM_DESC(zero_ns, "how long the last zeroing took");

/* Zeroing only between a checked claim at init and its release at exit. */
static DEFINE_MUTEX(egm_rfc_zero_lock);
static bool egm_rfc_claimed;

static int egm_rfc_zero(void)
{
	ktime_t start = ktime_get();
	u64 off, len;
	void *kaddr;

	for (off = 0; off < size; off += len) {
		len = min_t(u64, size - off, SZ_1G);
		kaddr = memremap(base + off, len, MEMREMAP_WB);
		if (!kaddr)
			return -ENOMEM;
		memset(kaddr, 0, len);
		memunmap(kaddr);
		cond_resched();
	}
	zero_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	return 0;
}

static int egm_rfc_zero_set(const char *val, const struct kernel_param *kp)
{
	bool now;
	int ret = kstrtobool(val, &now);

	if (ret || !now)
		return ret;
	mutex_lock(&egm_rfc_zero_lock);
	ret = egm_rfc_claimed ? egm_rfc_zero() : -EBUSY;
	mutex_unlock(&egm_rfc_zero_lock);
	return ret;
}

static const struct kernel_param_ops egm_rfc_zero_ops = {
	.set = egm_rfc_zero_set,
};
module_param_cb(zero, &egm_rfc_zero_ops, NULL, 0200);
MODULE_PARM_DESC(zero, "write 1: zero the region on one thread, 1 GiB at a time");

static int egm_rfc_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 pages = size >> PAGE_SHIFT;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start,
			       PHYS_PFN(base) + vma->vm_pgoff,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

/* QEMU sizes a character device backend with lseek(fd, 0, SEEK_END). */
static loff_t egm_rfc_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence, size);
}

static const struct file_operations egm_rfc_fops = {
	.owner = THIS_MODULE,
	.mmap = egm_rfc_mmap,
	.llseek = egm_rfc_llseek,
};

static struct miscdevice egm_rfc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "egm_rfc_baseline",
	.fops = &egm_rfc_fops,
	.mode = 0600,
};

/* Firmware-reserved memory only, as nvgrace-egm requires of a region. */
static bool egm_rfc_in_reserved_memory(const struct resource *claim)
{
	const struct resource *p;

	for (p = claim->parent; p && p != &iomem_resource; p = p->parent)
		if (p->desc != IORES_DESC_RESERVED || (p->flags & IORESOURCE_SYSRAM))
			return false;
	return true;
}

static int __init egm_rfc_init(void)
{
	struct resource *claim;
	int ret;

	if (!size || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) ||
	    base + size < base) {
		pr_err("base= and size= must give a page-aligned range\n");
		return -EINVAL;
	}
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("[%#llx-%#llx] intersects System RAM\n", base,
		       base + size - 1);
		return -EINVAL;
	}
	claim = request_mem_region(base, size, KBUILD_MODNAME);
	if (!claim) {
		pr_err("[%#llx-%#llx] is claimed (is nvgrace-egm loaded?)\n",
		       base, base + size - 1);
		return -EBUSY;
	}
	if (!egm_rfc_in_reserved_memory(claim)) {
		pr_err("[%#llx-%#llx] is not in firmware-reserved memory\n",
		       base, base + size - 1);
		ret = -EINVAL;
		goto release;
	}
	ret = misc_register(&egm_rfc_misc);
	if (ret)
		goto release;
	mutex_lock(&egm_rfc_zero_lock);
	egm_rfc_claimed = true;
	mutex_unlock(&egm_rfc_zero_lock);
	return 0;
release:
	release_mem_region(base, size);
	return ret;
}

static void __exit egm_rfc_exit(void)
{
	mutex_lock(&egm_rfc_zero_lock);
	egm_rfc_claimed = false;
	mutex_unlock(&egm_rfc_zero_lock);
	misc_deregister(&egm_rfc_misc);
	release_mem_region(base, size);
}

module_init(egm_rfc_init);
module_exit(egm_rfc_exit);
MODULE_DESCRIPTION("nvgrace-egm benchmark baseline: the RFC's mapping and zeroing");
MODULE_LICENSE("GPL");
