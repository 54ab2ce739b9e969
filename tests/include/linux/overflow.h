/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's check_add_overflow(), for host builds. */
#ifndef EGM_HOST_LINUX_OVERFLOW_H
#define EGM_HOST_LINUX_OVERFLOW_H

#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)

#endif
