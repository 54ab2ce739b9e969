/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel APIs nvgrace-egm uses that changed between the kernels it
 * supports (6.1 to current). Everything version-dependent lives here.
 */
#ifndef EGM_COMPAT_H
#define EGM_COMPAT_H

#include <linux/mm.h>
#include <linux/platform_device.h>
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

#endif /* EGM_COMPAT_H */
