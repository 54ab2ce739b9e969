/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * nvgrace-egm: the ioctl interface of /dev/egmN, the Extended GPU Memory
 * regions of NVIDIA Grace hosts. Documented in docs/userspace-api/egm.rst.
 *
 * EGM_BAD_PAGES_LIST and struct egm_bad_pages_* are other names for
 * EGM_RETIRED_PAGES_LIST and its structures, with the same numbers and
 * layout, for user space (QEMU) written against those names.
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

/* Other names for EGM_RETIRED_PAGES_LIST and its argument: same layout. */
struct egm_bad_pages_info {
	__aligned_u64 offset;
	__aligned_u64 size;
};

struct egm_bad_pages_list {
	__u32 argsz;
	__u32 count;
	struct egm_bad_pages_info bad_pages[];
};

#define EGM_BAD_PAGES_LIST EGM_RETIRED_PAGES_LIST

/*
 * EGM_DMABUF_EXPORT - _IO(EGM_TYPE, EGM_BASE + 1)
 *
 * Exports [@offset, @offset + @length) of the open region as a dma-buf for
 * in-kernel peer-to-peer importers that can be told to unmap (RDMA's
 * dma-buf umem); returns its fd (O_CLOEXEC) in @fd.
 * @argsz is sizeof(struct egm_dmabuf_export); @flags and @pad are 0;
 * @offset and @length are page-aligned and inside the region. The dma-buf
 * keeps the region held; it is revoked (importers get move_notify, maps
 * fail) when the region is unbound or a block inside the range is retired.
 *
 * Return: 0, or -1 with errno EINVAL (bad argsz, flags or range), EACCES
 * (the fd is not open for writing), EIO (the range holds retired memory),
 * ENODEV (the region is going away), EOPNOTSUPP (the kernel can map it for
 * a device only as MMIO: before dma_map_phys() with
 * DMA_ATTR_REQUIRE_COHERENT), EFAULT, EMFILE or ENOMEM.
 */
struct egm_dmabuf_export {
	__u32 argsz;
	__u32 flags;
	__aligned_u64 offset;
	__aligned_u64 length;
	__s32 fd;
	__u32 pad;
};

#define EGM_DMABUF_EXPORT _IO(EGM_TYPE, EGM_BASE + 1)

#endif /* _UAPI_LINUX_EGM_H */
