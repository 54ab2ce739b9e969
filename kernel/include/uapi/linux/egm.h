/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * nvgrace-egm: the ioctl interface of /dev/egmN, the Extended GPU Memory
 * regions of NVIDIA Grace hosts. Documented in docs/userspace-api/egm.rst.
 *
 * Binary compatible with the interface NVIDIA's RFC posted and NVIDIA's QEMU
 * uses (there under the names EGM_BAD_PAGES_LIST and egm_bad_pages_*).
 */
#ifndef _UAPI_LINUX_EGM_H
#define _UAPI_LINUX_EGM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define EGM_TYPE 'E'
#define EGM_BASE 100

/* One retired range: an offset into the region and a length, in bytes. */
struct egm_retired_pages_info {
	__aligned_u64 offset;
	__aligned_u64 size;
};

/*
 * EGM_RETIRED_PAGES_LIST - _IO(EGM_TYPE, EGM_BASE + 0)
 *
 * Lists the region's retired memory: the blocks firmware retired before boot
 * and those retired since, sorted by offset, neighbours merged. The caller
 * sets @argsz to the size of its buffer, header included. When the list
 * does not fit, the driver sets @argsz to the size it needs and @count to 0,
 * and returns 0; otherwise it fills @retired_pages, sets @count, and leaves
 * @argsz alone.
 *
 * Return: 0, or -1 with errno EFAULT (unreadable or unwritable argument),
 * EINVAL (@argsz smaller than the header) or ENOMEM.
 */
struct egm_retired_pages_list {
	__u32 argsz;
	__u32 count;
	struct egm_retired_pages_info retired_pages[];
};

#define EGM_RETIRED_PAGES_LIST _IO(EGM_TYPE, EGM_BASE + 0)

#endif /* _UAPI_LINUX_EGM_H */
