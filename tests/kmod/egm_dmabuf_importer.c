// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test importer of nvgrace-egm's dma-bufs: attaches dynamically (with
 * peer-to-peer, as iommufd or RDMA would) from a platform device of its
 * own, maps, and reports the DMA ranges and revocations through debugfs:
 *
 *   echo import FD  > /sys/kernel/debug/egm_dmabuf_importer/ctl
 *   echo static FD  > ...      a static attach, which must be refused
 *   echo remap      > ...      map again (after a revocation it must fail)
 *   echo release    > ...
 *   echo stall      > ...      the next revocations wait until "unstall"
 *   echo unstall    > ...      (at most 2 minutes), as a slow device would
 *   cat .../ctl     "mapped N: ADDR+LEN ...", "revoked R", "last_error E"
 */
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>

#include "egm_compat.h"

EGM_IMPORT_NS_DMA_BUF;

static struct platform_device *importer_pdev;
static struct dentry *importer_dir;
static DEFINE_MUTEX(importer_lock);
static struct dma_buf *importer_buf;
static struct dma_buf_attachment *importer_attach;
static struct sg_table *importer_sgt;
static int importer_revoked;
static int importer_last_error;
static bool importer_stalled;
static DECLARE_COMPLETION(importer_unstall);

static void importer_unmap_locked(void)
{
	if (importer_sgt) {
		dma_buf_unmap_attachment(importer_attach, importer_sgt,
					 DMA_BIDIRECTIONAL);
		importer_sgt = NULL;
	}
}

/* Called with the dma-buf's reservation lock held. */
static void importer_move_notify(struct dma_buf_attachment *attach)
{
	if (READ_ONCE(importer_stalled))
		wait_for_completion_timeout(&importer_unstall, 120 * HZ);
	importer_revoked++;
	importer_unmap_locked();
}

static const struct dma_buf_attach_ops importer_ops = {
	.allow_peer2peer = true,
	.EGM_DMABUF_INVALIDATE_OP = importer_move_notify,
};

static int importer_map(void)
{
	struct sg_table *sgt;

	dma_resv_lock(importer_buf->resv, NULL);
	sgt = dma_buf_map_attachment(importer_attach, DMA_BIDIRECTIONAL);
	if (!IS_ERR(sgt))
		importer_sgt = sgt;
	dma_resv_unlock(importer_buf->resv);
	return PTR_ERR_OR_ZERO(sgt);
}

static void importer_release(void)
{
	if (!importer_buf)
		return;
	dma_resv_lock(importer_buf->resv, NULL);
	importer_unmap_locked();
	dma_resv_unlock(importer_buf->resv);
	dma_buf_detach(importer_buf, importer_attach);
	dma_buf_put(importer_buf);
	importer_buf = NULL;
	importer_attach = NULL;
}

static int importer_import(int fd)
{
	struct dma_buf *buf = dma_buf_get(fd);

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	importer_release();
	importer_buf = buf;
	importer_revoked = 0;
	importer_attach = dma_buf_dynamic_attach(buf, &importer_pdev->dev,
						 &importer_ops, NULL);
	if (IS_ERR(importer_attach)) {
		int ret = PTR_ERR(importer_attach);

		importer_attach = NULL;
		dma_buf_put(buf);
		importer_buf = NULL;
		return ret;
	}
	return importer_map();
}

/* A static (pinning) importer, which cannot be revoked: must be refused. */
static int importer_attach_static(int fd)
{
	struct dma_buf *buf = dma_buf_get(fd);
	struct dma_buf_attachment *attach;

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	attach = dma_buf_attach(buf, &importer_pdev->dev);
	if (!IS_ERR(attach))
		dma_buf_detach(buf, attach);
	dma_buf_put(buf);
	return PTR_ERR_OR_ZERO(attach);
}

static ssize_t importer_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char cmd[32];
	int fd, ret = -EINVAL;

	if (len >= sizeof(cmd) || copy_from_user(cmd, ubuf, len))
		return -EINVAL;
	cmd[len] = '\0';
	mutex_lock(&importer_lock);
	if (sscanf(cmd, "import %d", &fd) == 1) {
		ret = importer_import(fd);
	} else if (sscanf(cmd, "static %d", &fd) == 1) {
		ret = importer_attach_static(fd);
	} else if (!strncmp(cmd, "remap", 5)) {
		ret = importer_buf ? importer_map() : -ENOENT;
	} else if (!strncmp(cmd, "release", 7)) {
		importer_release();
		ret = 0;
	} else if (!strncmp(cmd, "unstall", 7)) {
		WRITE_ONCE(importer_stalled, false);
		complete_all(&importer_unstall);
		ret = 0;
	} else if (!strncmp(cmd, "stall", 5)) {
		reinit_completion(&importer_unstall);
		WRITE_ONCE(importer_stalled, true);
		ret = 0;
	}
	importer_last_error = ret;
	mutex_unlock(&importer_lock);
	return len;
}

static int importer_show(struct seq_file *m, void *v)
{
	struct scatterlist *sg;
	unsigned int i;

	mutex_lock(&importer_lock);
	if (importer_buf)
		dma_resv_lock(importer_buf->resv, NULL);
	seq_printf(m, "mapped %u:", importer_sgt ? importer_sgt->nents : 0);
	if (importer_sgt)
		for_each_sgtable_dma_sg(importer_sgt, sg, i)
			seq_printf(m, " %#llx+%#x",
				   (unsigned long long)sg_dma_address(sg),
				   sg_dma_len(sg));
	seq_printf(m, "\nrevoked %d\nlast_error %d\n", importer_revoked,
		   importer_last_error);
	if (importer_buf)
		dma_resv_unlock(importer_buf->resv);
	mutex_unlock(&importer_lock);
	return 0;
}

static int importer_open(struct inode *inode, struct file *file)
{
	return single_open(file, importer_show, NULL);
}

static const struct file_operations importer_fops = {
	.owner = THIS_MODULE,
	.open = importer_open,
	.read = seq_read,
	.write = importer_write,
	.release = single_release,
};

static int __init importer_init(void)
{
	importer_pdev = platform_device_register_simple("egm_dmabuf_importer",
							-1, NULL, 0);
	if (IS_ERR(importer_pdev))
		return PTR_ERR(importer_pdev);
	dma_coerce_mask_and_coherent(&importer_pdev->dev, DMA_BIT_MASK(64));
	importer_dir = debugfs_create_dir("egm_dmabuf_importer", NULL);
	debugfs_create_file("ctl", 0600, importer_dir, NULL, &importer_fops);
	return 0;
}

static void __exit importer_exit(void)
{
	debugfs_remove(importer_dir);
	mutex_lock(&importer_lock);
	importer_release();
	mutex_unlock(&importer_lock);
	platform_device_unregister(importer_pdev);
}

module_init(importer_init);
module_exit(importer_exit);
MODULE_DESCRIPTION("Test importer of nvgrace-egm dma-bufs");
MODULE_LICENSE("GPL");
