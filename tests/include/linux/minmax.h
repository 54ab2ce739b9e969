/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's min() and max(), for host builds. */
#ifndef EGM_HOST_LINUX_MINMAX_H
#define EGM_HOST_LINUX_MINMAX_H

#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })

#endif
