// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping a region into user space.
 *
 * Pages are inserted on demand, in the largest entries the kernel and the
 * alignment allow: 1 GiB (PUD) where the virtual address, the file offset
 * and the physical address are all 1 GiB aligned and the block lies inside
 * the VMA, 2 MiB (PMD) likewise, else 4 KiB. Kernels without huge PFN maps
 * (before 6.12) use 4 KiB entries.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "egm.h"
#include "egm_compat.h"
#include "egm_regions.h"

static unsigned long egm_region_pfn(const struct egm_region *region)
{
	return PHYS_PFN(region->pdata->base);
}

static u64 egm_region_pages(const struct egm_region *region)
{
	return region->pdata->size >> PAGE_SHIFT;
}

static vm_fault_t egm_insert(struct vm_fault *vmf, unsigned long addr,
			     unsigned long pfn, unsigned int order)
{
	switch (order) {
	case 0:
		return vmf_insert_pfn(vmf->vma, addr, pfn);
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	case PMD_ORDER:
		return egm_vmf_insert_pfn_pmd(vmf, pfn,
					      vmf->flags & FAULT_FLAG_WRITE);
#endif
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	case PUD_ORDER:
		return egm_vmf_insert_pfn_pud(vmf, pfn,
					      vmf->flags & FAULT_FLAG_WRITE);
#endif
	default:
		return VM_FAULT_FALLBACK;
	}
}

/*
 * The core tries PUD, then PMD, then 4 KiB: answering VM_FAULT_FALLBACK
 * sends it one step down. The block's address, offset and pfn are derived
 * from the block's own start, so every fault in one block maps it alike.
 */
static vm_fault_t egm_huge_fault(struct vm_fault *vmf, unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct egm_region *region = vma->vm_private_data;
	unsigned long block = PAGE_SIZE << order;
	unsigned long addr = ALIGN_DOWN(vmf->address, block);
	u64 pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	unsigned long pfn = egm_region_pfn(region) + pgoff;
	vm_fault_t ret;

	if (order && (addr < vma->vm_start || addr + block > vma->vm_end ||
		      !IS_ALIGNED(pfn, 1UL << order)))
		return VM_FAULT_FALLBACK;

	down_read(&region->lock);
	if (region->revoked || pgoff + (1UL << order) > egm_region_pages(region))
		ret = VM_FAULT_SIGBUS;
	else if (egm_is_retired_locked(region, pgoff << PAGE_SHIFT, block))
		/* A smaller entry may fit around it; a page cannot. */
		ret = order ? VM_FAULT_FALLBACK : VM_FAULT_HWPOISON;
	else
		ret = egm_insert(vmf, addr, pfn, order);
	up_read(&region->lock);
	return ret;
}

static vm_fault_t egm_fault(struct vm_fault *vmf)
{
	return egm_huge_fault(vmf, 0);
}

/*
 * The memory of a holding is mapped by one process at a time: a broker that
 * holds the region cannot give it to two VMs at once, and a fork does not
 * copy a mapping (VM_DONTCOPY). Once that process has unmapped all of it,
 * another process of the holding may map it, as when a VMM hands its guest
 * memory to its successor (QEMU's CPR). Under the region's lock, for
 * writing.
 */
static int egm_mapper_add_vma(struct egm_region *region, struct mm_struct *mm)
{
	if (region->mapper && region->mapper != mm) {
		dev_warn_ratelimited(&region->dev,
				     "mmap by %s[%d] refused: another process maps the region\n",
				     current->comm, task_tgid_nr(current));
		return -EBUSY;
	}
	if (!region->mapper) {
		mmgrab(mm);
		region->mapper = mm;
	}
	region->nr_mapper_vmas++;
	return 0;
}

/* One VMA fewer; the mapper's mm to drop when it was its last, else NULL. */
static struct mm_struct *egm_mapper_del_vma(struct egm_region *region)
{
	struct mm_struct *done = NULL;

	lockdep_assert_held_write(&region->lock);
	if (!--region->nr_mapper_vmas) {
		done = region->mapper;
		region->mapper = NULL;
	}
	return done;
}

static void egm_vma_close(struct vm_area_struct *vma)
{
	struct egm_region *region = vma->vm_private_data;
	struct mm_struct *done;

	down_write(&region->lock);
	done = egm_mapper_del_vma(region);
	up_write(&region->lock);
	if (done)
		mmdrop(done);
}

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
/* Drop the 1 GiB entries of @vma that cover file pages [@first, @last]. */
static void egm_drop_pud_blocks(struct vm_area_struct *vma, pgoff_t first,
				pgoff_t last)
{
	pgoff_t vma_last = vma->vm_pgoff + vma_pages(vma) - 1;
	unsigned long start, end, block;

	if (last < vma->vm_pgoff || first > vma_last)
		return;
	first = max(first, vma->vm_pgoff);
	last = min(last, vma_last);
	start = vma->vm_start + ((first - vma->vm_pgoff) << PAGE_SHIFT);
	end = vma->vm_start + ((last - vma->vm_pgoff) << PAGE_SHIFT) + PAGE_SIZE;

	/* No fault, per-VMA lock or not, may bring them back now. */
	vma_start_write(vma);
	for (block = ALIGN_DOWN(start, PUD_SIZE); block < end; block += PUD_SIZE)
		if (block >= vma->vm_start && block + PUD_SIZE <= vma->vm_end)
			egm_zap_pfnmap_range(vma, block, PUD_SIZE);
}

/*
 * Linux 6.12 walks into a huge PUD PFN entry as if it were a PMD table when
 * a VMA boundary moves inside it (vma_adjust_trans_huge) or when mremap
 * moves it by less than 1 GiB (move_page_tables). The core calls ->open for
 * the new VMA of a split or a move before either, with this mm's mmap_lock
 * held for writing and the new VMA not yet visible: drop this file's 1 GiB
 * entries in this mm over the new VMA's file range, and they fault back in
 * at a size that fits the new layout. A fork copies no VMA of the region
 * (VM_DONTCOPY).
 */
static void egm_drop_pud_entries(struct vm_area_struct *new)
{
	struct mm_struct *mm = new->vm_mm;
	pgoff_t last = new->vm_pgoff + vma_pages(new) - 1;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;

	if (mm != current->mm)
		return;
	mmap_assert_write_locked(mm);
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma)
		if (vma->vm_file == new->vm_file)
			egm_drop_pud_blocks(vma, new->vm_pgoff, last);
}
#else
static void egm_drop_pud_entries(struct vm_area_struct *new)
{
}
#endif

/* A split or a move: one more VMA of the same mm (forks copy none). */
static void egm_vma_open(struct vm_area_struct *new)
{
	struct egm_region *region = new->vm_private_data;

	down_write(&region->lock);
	region->nr_mapper_vmas++;
	up_write(&region->lock);
	egm_drop_pud_entries(new);
}

static const struct vm_operations_struct egm_vm_ops = {
	.fault = egm_fault,
#ifdef EGM_HAVE_HUGE_PFNMAP
	.huge_fault = egm_huge_fault,
#endif
	.open = egm_vma_open,
	.close = egm_vma_close,
};

int egm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct egm_region *region = file->private_data;
	u64 nr_pages = egm_region_pages(region);
	struct mm_struct *done = NULL;
	int ret = 0;

	/*
	 * A private (copy-on-write) map of memory without struct pages.
	 * VM_MAYSHARE, not VM_SHARED: a MAP_SHARED map of a read-only fd
	 * lacks the latter.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= nr_pages ||
	    vma_pages(vma) > nr_pages - vma->vm_pgoff)
		return -EINVAL;

	vm_flags_set(vma, VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP |
			  VM_DONTCOPY);
	vma->vm_private_data = region;

	down_write(&region->lock);
	if (region->revoked)
		ret = -ENODEV;
	else
		ret = egm_mapper_add_vma(region, vma->vm_mm);
	if (ret)
		goto out;
	ret = egm_dma_owner_add(region);
	if (ret) {
		/* A failed mmap() closes nothing: take the VMA back. */
		done = egm_mapper_del_vma(region);
		goto out;
	}
#ifdef EGM_HAVE_HUGE_PFNMAP
	/* Huge faults also when THP is in madvise mode. */
	vm_flags_set(vma, VM_HUGEPAGE);
#endif
	vma->vm_ops = &egm_vm_ops;
out:
	up_write(&region->lock);
	if (done)
		mmdrop(done);
	return ret;
}

/* The huge entry sizes a fault of this kernel can insert, largest first. */
static unsigned int egm_huge_entry_sizes(u64 *sizes)
{
	unsigned int n = 0;

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	BUILD_BUG_ON(egm_table_entry_size(PAGE_SHIFT, 2) != PUD_SIZE);
	sizes[n++] = PUD_SIZE;
#endif
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
	BUILD_BUG_ON(egm_table_entry_size(PAGE_SHIFT, 1) != PMD_SIZE);
	sizes[n++] = PMD_SIZE;
#endif
	return n;
}

/* The largest page-table entry a fault of this kernel can insert. */
u64 egm_largest_entry_size(void)
{
	u64 sizes[2];

	return egm_huge_entry_sizes(sizes) ? sizes[0] : PAGE_SIZE;
}

/*
 * Place a mapping so that its virtual address is congruent to its physical
 * address modulo the largest entry size that has at least one whole,
 * aligned block inside the requested range.
 */
unsigned long egm_get_unmapped_area(struct file *file, unsigned long addr,
				    unsigned long len, unsigned long pgoff,
				    unsigned long flags)
{
	struct egm_region *region = file->private_data;
	unsigned long area;
	u64 sizes[2], align, phys;

	if (flags & MAP_FIXED || pgoff >= egm_region_pages(region))
		goto plain;
	phys = region->pdata->base + ((u64)pgoff << PAGE_SHIFT);
	align = egm_placement_alignment(phys, len, sizes, egm_huge_entry_sizes(sizes));
	if (!align)
		goto plain;

	area = egm_default_get_unmapped_area(file, addr, len + align, pgoff,
					     flags);
	if (IS_ERR_VALUE(area))
		goto plain;
	return area + ((phys - area) & (align - 1));

plain:
	return egm_default_get_unmapped_area(file, addr, len, pgoff, flags);
}
