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

/* .remove returns void from 6.11; .remove_new carried that before. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
#define EGM_PLATFORM_REMOVE remove_new
#else
#define EGM_PLATFORM_REMOVE remove
#endif

/* class callbacks take a const device from 6.2. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define egm_class_dev_t struct device
#else
#define egm_class_dev_t const struct device
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

/* The mm's own placement of a mapping, which egm_get_unmapped_area aligns. */
static inline unsigned long
egm_default_get_unmapped_area(struct file *file, unsigned long addr,
			      unsigned long len, unsigned long pgoff,
			      unsigned long flags)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
#else
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
#endif
}

#endif /* EGM_COMPAT_H */
