/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel types the module's pure-logic files use, for host builds. */
#ifndef EGM_HOST_LINUX_TYPES_H
#define EGM_HOST_LINUX_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;

#endif
