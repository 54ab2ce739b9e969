// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/class/egm/egmN attributes. Documented in
 * docs/ABI/testing/sysfs-class-egm.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "egm.h"
#include "egm_compat.h"
#include "egm_regions.h"

static struct egm_region *egm_region(struct device *dev)
{
	return container_of(dev, struct egm_region, dev);
}

static const struct egm_platform_data *egm_pdata(struct device *dev)
{
	return egm_region(dev)->pdata;
}

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", egm_pdata(dev)->size);
}
static DEVICE_ATTR_RO(size);

/* The size in hexadecimal, under the name KubeVirt reads. */
static ssize_t egm_size_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%#llx\n", egm_pdata(dev)->size);
}
static DEVICE_ATTR_RO(egm_size);

static ssize_t pxm_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%u\n", egm_pdata(dev)->pxm);
}
static DEVICE_ATTR_RO(pxm);

static ssize_t numa_node_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", egm_region(dev)->numa_node);
}
static DEVICE_ATTR_RO(numa_node);

static ssize_t scrub_node_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", egm_region(dev)->scrub_node);
}
static DEVICE_ATTR_RO(scrub_node);

/* The format KubeVirt and libvirt parse: one PCI address per line. */
static ssize_t gpu_devices_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return egm_gpu_devices_show(egm_region(dev), buf);
}
static DEVICE_ATTR_RO(gpu_devices);

/*
 * The processes whose DMA mappings may still reach it (egm_dma_owners.c).
 * Root only: the PIDs are the initial namespace's.
 */
static ssize_t dma_owners_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return egm_dma_owners_show(egm_region(dev), buf);
}
static DEVICE_ATTR_ADMIN_RO(dma_owners);

/* A physical address: for root only, like /proc/iomem's real values. */
static ssize_t base_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%#llx\n", egm_pdata(dev)->base);
}
static DEVICE_ATTR_ADMIN_RO(base);

static ssize_t align_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	const struct egm_platform_data *pdata = egm_pdata(dev);

	return sysfs_emit(buf, "%llu\n", egm_alignment(pdata->base, pdata->size));
}
static DEVICE_ATTR_RO(align);

static ssize_t scrub_state_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  egm_scrub_state_name(READ_ONCE(egm_region(dev)->scrub_state)));
}
static DEVICE_ATTR_RO(scrub_state);

/* Bytes zeroed by the running scrub, or by the last one. */
static ssize_t scrub_progress_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&egm_region(dev)->scrub_done));
}
static DEVICE_ATTR_RO(scrub_progress);

/* The last complete scrub, read consistently under the region's lock. */
struct egm_last_scrub {
	u64 duration_us;
	u64 mib_per_s;
	unsigned int threads;
};

static struct egm_last_scrub egm_last_scrub(struct device *dev)
{
	struct egm_region *region = egm_region(dev);
	struct egm_last_scrub last;

	down_read(&region->lock);
	last.duration_us = region->scrub_last_ns / NSEC_PER_USEC;
	last.mib_per_s = egm_scrub_throughput_mib(region);
	last.threads = region->scrub_last_threads;
	up_read(&region->lock);
	return last;
}

static ssize_t scrub_last_duration_us_show(struct device *dev,
					   struct device_attribute *attr,
					   char *buf)
{
	return sysfs_emit(buf, "%llu\n", egm_last_scrub(dev).duration_us);
}
static DEVICE_ATTR_RO(scrub_last_duration_us);

static ssize_t scrub_last_throughput_show(struct device *dev,
					  struct device_attribute *attr,
					  char *buf)
{
	return sysfs_emit(buf, "%llu\n", egm_last_scrub(dev).mib_per_s);
}
static DEVICE_ATTR_RO(scrub_last_throughput);

static ssize_t scrub_last_threads_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", egm_last_scrub(dev).threads);
}
static DEVICE_ATTR_RO(scrub_last_threads);

/* Entries EGM_RETIRED_PAGES_LIST returns: merged ranges, not pages. */
static ssize_t retired_pages_count_show(struct device *dev,
					struct device_attribute *attr,
					char *buf)
{
	struct egm_region *region = egm_region(dev);
	u32 n;

	down_read(&region->lock);
	n = region->nr_retired;
	up_read(&region->lock);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(retired_pages_count);

static ssize_t retired_bytes_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct egm_region *region = egm_region(dev);
	u64 bytes = 0;
	u32 i;

	down_read(&region->lock);
	for (i = 0; i < region->nr_retired; i++)
		bytes += region->retired[i].size;
	up_read(&region->lock);
	return sysfs_emit(buf, "%llu\n", bytes);
}
static DEVICE_ATTR_RO(retired_bytes);

static ssize_t retired_block_size_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "%llu\n", egm_region(dev)->retired_block_size);
}
static DEVICE_ATTR_RO(retired_block_size);

/*
 * retired_pages: one "OFFSET SIZE" line per range, in fixed-width hex, so
 * that a read at any offset finds its line without formatting the others.
 * A binary attribute, as 4096 lines do not fit in a page.
 */
#define EGM_RETIRED_LINE_LEN (2 * 18 + 2)

static ssize_t egm_retired_pages_read(struct file *file, struct kobject *kobj,
				      egm_bin_attr_t *attr, char *buf,
				      loff_t off, size_t count)
{
	struct egm_region *region = egm_region(kobj_to_dev(kobj));
	char line[EGM_RETIRED_LINE_LEN + 1];
	u64 i = div_u64(off, EGM_RETIRED_LINE_LEN);
	size_t skip = off - i * EGM_RETIRED_LINE_LEN, done = 0;

	down_read(&region->lock);
	for (; i < region->nr_retired && done < count; i++, skip = 0) {
		size_t len;

		snprintf(line, sizeof(line), "0x%016llx 0x%016llx\n",
			 region->retired[i].offset, region->retired[i].size);
		len = min(EGM_RETIRED_LINE_LEN - skip, count - done);
		memcpy(buf + done, line + skip, len);
		done += len;
	}
	up_read(&region->lock);
	return done;
}

static egm_bin_attr_t egm_retired_pages_attr = {
	.attr = { .name = "retired_pages", .mode = 0444 },
	.read = egm_retired_pages_read,
};

static egm_bin_attr_t *egm_region_bin_attrs[] = {
	&egm_retired_pages_attr,
	NULL,
};

static struct attribute *egm_region_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_egm_size.attr,
	&dev_attr_pxm.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_scrub_node.attr,
	&dev_attr_gpu_devices.attr,
	&dev_attr_dma_owners.attr,
	&dev_attr_base.attr,
	&dev_attr_align.attr,
	&dev_attr_scrub_state.attr,
	&dev_attr_scrub_progress.attr,
	&dev_attr_scrub_last_duration_us.attr,
	&dev_attr_scrub_last_throughput.attr,
	&dev_attr_scrub_last_threads.attr,
	&dev_attr_retired_pages_count.attr,
	&dev_attr_retired_bytes.attr,
	&dev_attr_retired_block_size.attr,
	NULL,
};

static const struct attribute_group egm_region_group = {
	.attrs = egm_region_attrs,
	.bin_attrs = egm_region_bin_attrs,
};

const struct attribute_group *egm_region_groups[] = {
	&egm_region_group,
	NULL,
};
