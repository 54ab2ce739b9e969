// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/class/egm/egmN attributes. Documented in
 * docs/ABI/testing/sysfs-class-egm.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "egm.h"
#include "egm_regions.h"

static const struct egm_platform_data *egm_pdata(struct device *dev)
{
	return container_of(dev, struct egm_region, dev)->pdata;
}

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", egm_pdata(dev)->size);
}
static DEVICE_ATTR_RO(size);

/* The RFC's spelling of the size, which KubeVirt reads. */
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
	struct egm_region *region = container_of(dev, struct egm_region, dev);

	return sysfs_emit(buf, "%d\n", region->numa_node);
}
static DEVICE_ATTR_RO(numa_node);

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

static struct attribute *egm_region_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_egm_size.attr,
	&dev_attr_pxm.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_base.attr,
	&dev_attr_align.attr,
	NULL,
};

static const struct attribute_group egm_region_group = {
	.attrs = egm_region_attrs,
};

const struct attribute_group *egm_region_groups[] = {
	&egm_region_group,
	NULL,
};
