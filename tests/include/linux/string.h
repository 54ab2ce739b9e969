/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's <linux/string.h>, for host builds: the C library's. */
#ifndef EGM_HOST_LINUX_STRING_H
#define EGM_HOST_LINUX_STRING_H

#include <string.h>

#endif
