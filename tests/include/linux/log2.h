/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's <linux/log2.h> helpers the module's pure-logic files use. */
#ifndef EGM_HOST_LINUX_LOG2_H
#define EGM_HOST_LINUX_LOG2_H

#include <linux/types.h>

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

#endif
