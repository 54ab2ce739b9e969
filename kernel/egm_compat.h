/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel APIs nvgrace-egm uses that changed between the kernels it
 * supports (6.1 to current). Everything version-dependent lives here.
 */
#ifndef EGM_COMPAT_H
#define EGM_COMPAT_H

#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/sched/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/* GHES passes its memory error records on to a notifier chain from 6.2. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define EGM_HAVE_GHES_REPORT_CHAIN 0
#else
#define EGM_HAVE_GHES_REPORT_CHAIN 1
#endif

/* .remove returns void from 6.11; .remove_new carried that before. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
#define EGM_PLATFORM_REMOVE remove_new
#else
#define EGM_PLATFORM_REMOVE remove
#endif

/* Symbol namespaces are string literals from 6.13. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define EGM_IMPORT_NS_DMA_BUF MODULE_IMPORT_NS(DMA_BUF)
#else
#define EGM_IMPORT_NS_DMA_BUF MODULE_IMPORT_NS("DMA_BUF")
#endif

/* bin_attribute callbacks take a const attribute from 6.16. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define egm_bin_attr_t struct bin_attribute
#else
#define egm_bin_attr_t const struct bin_attribute
#endif

/*
 * Huge PFN maps (PMD, and PUD where the architecture has them) arrived in
 * 6.12 together with huge_fault(vmf, order); earlier kernels map 4 KiB
 * entries only, so the driver registers no huge_fault there and the older
 * huge_fault(vmf, enum page_entry_size) signature never matters.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define EGM_HAVE_HUGE_PFNMAP
#endif

/* pfn_t was removed in 6.17: the insert helpers take plain pfns since. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
#include <linux/pfn_t.h>
#define egm_pfn_arg(pfn) __pfn_to_pfn_t(pfn, PFN_DEV)
#else
#define egm_pfn_arg(pfn) (pfn)
#endif

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
static inline vm_fault_t egm_vmf_insert_pfn_pmd(struct vm_fault *vmf,
						unsigned long pfn, bool write)
{
	return vmf_insert_pfn_pmd(vmf, egm_pfn_arg(pfn), write);
}
#endif

#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
static inline vm_fault_t egm_vmf_insert_pfn_pud(struct vm_fault *vmf,
						unsigned long pfn, bool write)
{
	return vmf_insert_pfn_pud(vmf, egm_pfn_arg(pfn), write);
}
#endif

/*
 * The mm's own placement of a mapping, which egm_get_unmapped_area aligns.
 * From 6.19 mm_get_unmapped_area() always works on current->mm.
 */
static inline unsigned long
egm_default_get_unmapped_area(struct file *file, unsigned long addr,
			      unsigned long len, unsigned long pgoff,
			      unsigned long flags)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
#else
	return mm_get_unmapped_area(file, addr, len, pgoff, flags);
#endif
}

/*
 * Zaps a range of a VM_PFNMAP VMA, with its mmap_lock held. 7.1 renamed
 * zap_vma_ptes() to zap_special_vma_range(), same semantics: a range not
 * wholly inside the VMA, or a VMA that is not a PFN map, is left alone.
 */
static inline void egm_zap_pfnmap_range(struct vm_area_struct *vma,
					unsigned long addr, unsigned long size)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 1, 0)
	zap_vma_ptes(vma, addr, size);
#else
	zap_special_vma_range(vma, addr, size);
#endif
}

/*
 * dma-buf importers learn that their mappings must go through a callback
 * that 7.1 renamed from move_notify to invalidate_mappings, and made
 * optional: from 7.1 the core says whether an importer can give its
 * mappings back (dma_buf_attach_revocable); before, every importer with
 * importer_ops had move_notify. Both are called with the reservation lock.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 1, 0)
#define EGM_DMABUF_INVALIDATE_OP move_notify
#define egm_dma_buf_invalidate_mappings(dmabuf) dma_buf_move_notify(dmabuf)
#define egm_dma_buf_attach_revocable(attach) (!!(attach)->importer_ops)
#else
#define EGM_DMABUF_INVALIDATE_OP invalidate_mappings
#define egm_dma_buf_invalidate_mappings(dmabuf) dma_buf_invalidate_mappings(dmabuf)
#define egm_dma_buf_attach_revocable(attach) dma_buf_attach_revocable(attach)
#endif

/*
 * Per-CPU workqueues say so from 6.17 (WQ_PERCPU); from 7.2 one that says
 * neither WQ_PERCPU nor WQ_UNBOUND draws a warning.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
#define EGM_WQ_PERCPU 0
#else
#define EGM_WQ_PERCPU WQ_PERCPU
#endif

/*
 * A machine check's physical address: from 6.2 the bits above the CPU's
 * address width are masked out with MCI_ADDR_PHYSADDR; before, the bank's
 * address is the address.
 */
#ifdef CONFIG_X86_MCE
#include <asm/mce.h>
#ifdef MCI_ADDR_PHYSADDR
#define egm_mce_phys_addr(m) ((m)->addr & MCI_ADDR_PHYSADDR)
#else
#define egm_mce_phys_addr(m) ((m)->addr)
#endif
#endif

#endif /* EGM_COMPAT_H */
