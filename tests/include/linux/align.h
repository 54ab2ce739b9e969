/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's <linux/align.h>, for host builds. */
#ifndef EGM_HOST_LINUX_ALIGN_H
#define EGM_HOST_LINUX_ALIGN_H

#define ALIGN(x, a)		({ __typeof__(x) __mask = (__typeof__(x))(a) - 1;	\
				   ((x) + __mask) & ~__mask; })
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

#endif
