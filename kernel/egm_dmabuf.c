// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-buf export of a range of a region, for in-kernel importers that
 * cannot map a PFN map from a process (RDMA's ib_umem_dmabuf; iommufd
 * imports only vfio-pci's dma-bufs): EGM_DMABUF_EXPORT.
 *
 * A dma-buf holds the exporter's file, so the region stays held (and is
 * not scrubbed) while any importer may still DMA into it. It is revoked,
 * and dynamic importers told through move_notify, when the region is
 * unbound or a block inside its range is retired; a revoked dma-buf maps
 * nothing. The scatterlist has DMA addresses only (there are no struct
 * pages), made per importer device with dma_map_phys().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "egm.h"
#include "egm_compat.h"
#include <linux/egm.h>

EGM_IMPORT_NS_DMA_BUF;

/* One scatterlist entry covers at most this much (its length is 32-bit). */
#define EGM_DMABUF_CHUNK SZ_1G

/*
 * EGM is cacheable DRAM: a device must see it as memory, snooping the
 * CPUs' caches and snooped by them. dma_map_phys() maps a physical range
 * as memory (cacheable in the IOMMU), and DMA_ATTR_REQUIRE_COHERENT makes
 * it fail for a device that is not coherent, or rather than bounce through
 * swiotlb, which copies through the linear map that EGM is not in. Earlier
 * kernels can map memory without struct pages only as MMIO
 * (dma_map_resource: uncached and unsnooped on SMMUv3): no export there.
 */
#if defined(DMA_ATTR_MMIO) && defined(DMA_ATTR_REQUIRE_COHERENT)
#define EGM_DMABUF_ATTRS (DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_REQUIRE_COHERENT)
#define EGM_DMABUF_EXPORTS true
#define egm_dma_map_memory(dev, phys, len, dir) \
	dma_map_phys(dev, phys, len, dir, EGM_DMABUF_ATTRS)
#define egm_dma_unmap_memory(dev, addr, len, dir) \
	dma_unmap_phys(dev, addr, len, dir, EGM_DMABUF_ATTRS)
#else
#define EGM_DMABUF_EXPORTS false
static inline dma_addr_t egm_dma_map_memory(struct device *dev,
					    phys_addr_t phys, size_t len,
					    enum dma_data_direction dir)
{
	return DMA_MAPPING_ERROR;
}

static inline void egm_dma_unmap_memory(struct device *dev, dma_addr_t addr,
					size_t len,
					enum dma_data_direction dir)
{
}
#endif

struct egm_dmabuf {
	struct list_head node;		/* on region->dmabufs */
	struct egm_region *region;
	struct file *file;		/* the exporter's, held */
	struct dma_buf *dmabuf;
	u64 offset;
	u64 length;
	bool revoked;			/* under the dma-buf's reservation lock */
};

/*
 * Only importers that can be told to unmap (invalidate_mappings, called
 * move_notify before 7.1) may attach: a region that goes away must take
 * its memory back. And only peer-to-peer ones: this is memory without
 * struct pages.
 */
static int egm_dmabuf_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	struct egm_dmabuf *priv = dmabuf->priv;

	if (!egm_dma_buf_attach_revocable(attach) || !attach->peer2peer)
		return -EOPNOTSUPP;
	return READ_ONCE(priv->revoked) ? -ENODEV : 0;
}

/*
 * Having pin makes this a dynamic exporter, so that the core calls
 * map_dma_buf at each map rather than caching one mapping. Kernels built
 * without CONFIG_DMABUF_MOVE_NOTIFY pin around each map: allowed until the
 * dma-buf is revoked.
 */
static int egm_dmabuf_pin(struct dma_buf_attachment *attach)
{
	struct egm_dmabuf *priv = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	return priv->revoked ? -ENODEV : 0;
}

static void egm_dmabuf_unpin(struct dma_buf_attachment *attach)
{
}

static struct sg_table *egm_dmabuf_map(struct dma_buf_attachment *attach,
				       enum dma_data_direction dir)
{
	struct egm_dmabuf *priv = attach->dmabuf->priv;
	phys_addr_t phys = priv->region->pdata->base + priv->offset;
	unsigned int nents = DIV_ROUND_UP(priv->length, EGM_DMABUF_CHUNK);
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (priv->revoked)
		return ERR_PTR(-ENODEV);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, nents, GFP_KERNEL);
	if (ret)
		goto err_free;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		u64 done = (u64)i * EGM_DMABUF_CHUNK;
		u32 len = min_t(u64, priv->length - done, EGM_DMABUF_CHUNK);
		dma_addr_t addr = egm_dma_map_memory(attach->dev, phys + done,
						     len, dir);

		ret = dma_mapping_error(attach->dev, addr);
		if (ret) {
			sgt->nents = i;
			goto err_unmap;
		}
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = len;
	}
	return sgt;

err_unmap:
	for_each_sgtable_dma_sg(sgt, sg, i)
		egm_dma_unmap_memory(attach->dev, sg_dma_address(sg),
				     sg_dma_len(sg), dir);
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void egm_dmabuf_unmap(struct dma_buf_attachment *attach,
			     struct sg_table *sgt, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i)
		egm_dma_unmap_memory(attach->dev, sg_dma_address(sg),
				     sg_dma_len(sg), dir);
	sg_free_table(sgt);
	kfree(sgt);
}

static void egm_dmabuf_release(struct dma_buf *dmabuf)
{
	struct egm_dmabuf *priv = dmabuf->priv;
	struct egm_region *region = priv->region;

	mutex_lock(&region->dmabufs_lock);
	list_del(&priv->node);
	mutex_unlock(&region->dmabufs_lock);
	fput(priv->file);
	kfree(priv);
}

static const struct dma_buf_ops egm_dmabuf_ops = {
	.attach = egm_dmabuf_attach,
	.pin = egm_dmabuf_pin,
	.unpin = egm_dmabuf_unpin,
	.map_dma_buf = egm_dmabuf_map,
	.unmap_dma_buf = egm_dmabuf_unmap,
	.release = egm_dmabuf_release,
};

static void egm_dmabuf_revoke_one(struct egm_dmabuf *priv)
{
	dma_resv_lock(priv->dmabuf->resv, NULL);
	if (!priv->revoked) {
		priv->revoked = true;
		egm_dma_buf_invalidate_mappings(priv->dmabuf);
		/* Mappings stay valid until the importers' fences signal. */
		dma_resv_wait_timeout(priv->dmabuf->resv, DMA_RESV_USAGE_BOOKKEEP,
				      false, MAX_SCHEDULE_TIMEOUT);
	}
	dma_resv_unlock(priv->dmabuf->resv);
}

/*
 * Revokes the region's dma-bufs that overlap [@offset, @offset + @len), or
 * all of them when @len is 0. Importers unmap on move_notify; a revoked
 * dma-buf maps nothing again.
 */
void egm_dmabuf_revoke(struct egm_region *region, u64 offset, u64 len)
{
	struct egm_dmabuf *priv;

	mutex_lock(&region->dmabufs_lock);
	list_for_each_entry(priv, &region->dmabufs, node)
		if (!len || (priv->offset < offset + len &&
			     offset < priv->offset + priv->length))
			egm_dmabuf_revoke_one(priv);
	mutex_unlock(&region->dmabufs_lock);
}

long egm_ioctl_dmabuf_export(struct egm_region *region, struct file *file,
			     void __user *arg)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct egm_dmabuf_export req;
	struct egm_dmabuf *priv;
	struct dma_buf *dmabuf;
	u64 size = region->pdata->size;
	bool stale;
	int fd, ret;

	if (!EGM_DMABUF_EXPORTS) {
		dev_warn_once(&region->dev, "dma-buf export needs dma_map_phys() with DMA_ATTR_REQUIRE_COHERENT, which this kernel lacks: devices would map EGM as MMIO\n");
		return -EOPNOTSUPP;
	}
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.argsz < sizeof(req) || req.flags || req.pad)
		return -EINVAL;
	/* Device writes need what CPU writes need: a writable open. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EACCES;
	if (!req.length || !PAGE_ALIGNED(req.offset | req.length) ||
	    req.offset >= size || req.length > size - req.offset)
		return -EINVAL;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->region = region;
	priv->offset = req.offset;
	priv->length = req.length;
	priv->file = get_file(file);
	info.ops = &egm_dmabuf_ops;
	info.size = req.length;
	info.flags = O_RDWR | O_CLOEXEC;
	info.priv = priv;

	down_read(&region->lock);
	if (region->revoked)
		ret = -ENODEV;
	else if (egm_is_retired_locked(region, req.offset, req.length))
		ret = -EIO;	/* retired memory is never handed out */
	else
		ret = 0;
	up_read(&region->lock);
	if (ret)
		goto err_free;

	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free;
	}
	priv->dmabuf = dmabuf;
	mutex_lock(&region->dmabufs_lock);
	list_add(&priv->node, &region->dmabufs);
	mutex_unlock(&region->dmabufs_lock);
	/*
	 * A retirement or revocation may have raced the checks above, before
	 * the list had this dma-buf. Revoked outside the region's lock, which
	 * is never held around the reservation lock.
	 */
	down_read(&region->lock);
	stale = region->revoked ||
		egm_is_retired_locked(region, req.offset, req.length);
	up_read(&region->lock);
	if (stale)
		egm_dmabuf_revoke_one(priv);

	/* The fd goes live only once the caller has been told its number. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	req.fd = fd;
	if (fd < 0 || copy_to_user(arg, &req, sizeof(req))) {
		if (fd >= 0)
			put_unused_fd(fd);
		dma_buf_put(dmabuf);	/* releases priv and the file */
		return fd < 0 ? fd : -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;

err_free:
	fput(priv->file);
	kfree(priv);
	return ret;
}
