// SPDX-License-Identifier: GPL-2.0-only
/*
 * Retired and poisoned memory: never mapped, never scrubbed, always reported.
 *
 * At probe the firmware's retired-pages table (u64 count; u64 addr[4096])
 * becomes a sorted, merged set of retired blocks of the region
 * (egm_retired.c), each entry rounded to its retired block.
 * The region's lock protects the set: faults and readers take it shared,
 * retirement takes it exclusive. A fault on a retired block answers
 * VM_FAULT_HWPOISON, so the task gets SIGBUS with BUS_MCEERR_AR, which QEMU
 * turns into a machine check inside the guest; huge entries are used only
 * where no retired block lies inside them.
 *
 * Memory found bad after boot is retired at run time: by the platform's
 * memory error reports (egm_hwerror.c), and on every kernel by a root-only
 * debugfs control that takes the same path. The block joins the set first,
 * so that no fault maps it again, then egm_region_revoke_range() takes it
 * from every mapping and dma-buf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "egm.h"
#include <linux/egm.h>

/* Runtime retirement may grow a region's set up to this many ranges. */
#define EGM_RETIRED_MAX_RANGES (16 * EGM_RETIRED_MAX_ENTRIES)

/*
 * Grace firmware retires memory in 64 KiB blocks: each table entry takes
 * the block that holds it out of use (a whole page where pages are larger).
 */
#define EGM_RETIRED_BLOCK_SIZE SZ_64K

static struct dentry *egm_debugfs_root;

static u64 egm_block_size(void)
{
	return egm_retired_block_bytes(EGM_RETIRED_BLOCK_SIZE, PAGE_SIZE);
}

/*
 * Memory that holds the table must be firmware's: never System RAM, never a
 * device's window or another driver's claim. A claim of exactly its bytes,
 * held while they are read, finds any busy resource in the way, and its
 * parents must all be reserved memory, as for the region itself.
 */
static struct resource *egm_claim_table(struct device *dev, u64 table, u64 len)
{
	struct resource *claim;

	if (region_intersects(table, len, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		dev_err(dev, "retired-pages table [%#llx-%#llx] lies in System RAM: refused\n",
			table, table + len - 1);
		return NULL;
	}
	claim = request_mem_region(table, len, "nvgrace-egm retired-pages table");
	if (!claim) {
		dev_err(dev, "retired-pages table [%#llx-%#llx] is claimed by another driver: refused\n",
			table, table + len - 1);
		return NULL;
	}
	if (!egm_claim_is_in_reserved_memory(dev, claim)) {
		release_mem_region(table, len);
		return NULL;
	}
	return claim;
}

/* Reads @len bytes of the table at @phys, mapping exactly those. */
static int egm_read_firmware(struct device *dev, u64 phys, void *buf, u64 len)
{
	void *p;

	if (!egm_claim_table(dev, phys, len))
		return -EINVAL;
	p = memremap(phys, len, MEMREMAP_WB);
	if (p) {
		memcpy(buf, p, len);
		memunmap(p);
	} else {
		dev_err(dev, "cannot map the retired-pages table [%#llx-%#llx]\n",
			phys, phys + len - 1);
	}
	release_mem_region(phys, len);
	return p ? 0 : -ENOMEM;
}

/*
 * Adds [@offset, @offset + @size) to the sorted, merged set *@set of *@nr
 * ranges with room for *@capacity, which doubles when a new range needs it,
 * up to EGM_RETIRED_MAX_RANGES.
 */
static int egm_retired_set_add(struct egm_retired_range **set, u32 *nr,
			       u32 *capacity, u64 offset, u64 size)
{
	struct egm_retired_range *bigger;
	u32 room;
	int n;

	n = egm_retired_insert(*set, *nr, *capacity, offset, size);
	if (n >= 0) {
		*nr = n;
		return 0;
	}
	if (*capacity >= EGM_RETIRED_MAX_RANGES)
		return -ENOSPC;
	room = clamp_t(u32, 2 * *capacity, 16, EGM_RETIRED_MAX_RANGES);
	bigger = kvmalloc_array(room, sizeof(*bigger), GFP_KERNEL);
	if (!bigger)
		return -ENOMEM;
	if (*nr)
		memcpy(bigger, *set, *nr * sizeof(*bigger));
	kvfree(*set);
	*set = bigger;
	*capacity = room;
	*nr = egm_retired_insert(*set, *nr, *capacity, offset, size);
	return 0;
}

/*
 * Ranges retired before this load, from the "retired" parameter, by
 * physical address: egmctl saves a host's retirements for the next load,
 * as the module forgets them when it is unloaded.
 */
static struct egm_retired_range *egm_load_retired;
static u32 egm_nr_load_retired, egm_load_retired_capacity;

/* "PHYS[+LEN]": the range from PHYS, LEN bytes (default 1). */
static int egm_parse_load_range(char *text, u64 *phys, u64 *len)
{
	char *plus = strchr(text, '+');
	u64 last;
	int ret = 0;

	*len = 1;
	if (plus) {
		*plus = '\0';
		ret = kstrtou64(plus + 1, 0, len);
	}
	if (!ret)
		ret = kstrtou64(text, 0, phys);
	if (plus)
		*plus = '+';
	if (!ret && (!*len || check_add_overflow(*phys, *len - 1, &last)))
		ret = -EINVAL;
	return ret;
}

static int egm_load_retired_set(const char *val, const struct kernel_param *kp)
{
	char *copy = kstrdup(val, GFP_KERNEL), *rest = copy, *item;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	while (!ret && (item = strsep(&rest, ",\n"))) {
		u64 phys, len;

		if (!*item)
			continue;
		ret = egm_parse_load_range(item, &phys, &len);
		if (ret)
			pr_err("retired: '%s' is not PHYS or PHYS+LEN (hexadecimal or decimal, LEN above 0)\n",
			       item);
		else
			ret = egm_retired_set_add(&egm_load_retired,
						  &egm_nr_load_retired,
						  &egm_load_retired_capacity,
						  phys, len);
	}
	kfree(copy);
	return ret;
}

static void egm_load_retired_free(void *arg)
{
	kvfree(egm_load_retired);
	egm_load_retired = NULL;
	egm_nr_load_retired = 0;
	egm_load_retired_capacity = 0;
}

static const struct kernel_param_ops egm_load_retired_ops = {
	.set = egm_load_retired_set,
	.free = egm_load_retired_free,
};
module_param_cb(retired, &egm_load_retired_ops, NULL, 0);
MODULE_PARM_DESC(retired,
		 "memory retired before this load, kept out of use and out of the scrub: PHYS[+LEN],... (egmctl retired-save writes it)");

/*
 * Blocks retired at run time in one discovered region, as offsets into it.
 * They outlive an unbind, so that the next binding keeps them out of use
 * and out of its scrub, up to the region's own limit of ranges.
 */
struct egm_remembered {
	struct list_head node;
	u64 base;
	struct egm_retired_range *ranges;
	u32 nr, capacity;
};

static LIST_HEAD(egm_remembered_regions);
static DEFINE_MUTEX(egm_remembered_lock);

/* The region's remembered blocks, made when @create. Under the lock. */
static struct egm_remembered *egm_remembered_of(u64 base, bool create)
{
	struct egm_remembered *r;

	lockdep_assert_held(&egm_remembered_lock);
	list_for_each_entry(r, &egm_remembered_regions, node)
		if (r->base == base)
			return r;
	if (!create)
		return NULL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (r) {
		r->base = base;
		list_add(&r->node, &egm_remembered_regions);
	}
	return r;
}

static bool egm_remember_retirement(const struct egm_platform_data *pdata,
				    u64 offset, u64 len)
{
	struct egm_remembered *r;
	int ret = -ENOMEM;

	mutex_lock(&egm_remembered_lock);
	r = egm_remembered_of(pdata->base, true);
	if (r)
		ret = egm_retired_set_add(&r->ranges, &r->nr, &r->capacity,
					  offset, len);
	mutex_unlock(&egm_remembered_lock);
	if (ret)
		pr_warn("egm%u: [%#llx-%#llx] cannot be remembered (%d): it will not outlive an unbind\n",
			pdata->pxm, offset, offset + len - 1, ret);
	return !ret;
}

/*
 * The blocks of the load's ranges that lie in the region, into its
 * remembered ones. Under egm_remembered_lock.
 */
static int egm_adopt_load_retired(const struct egm_platform_data *pdata,
				  struct egm_remembered *r, u64 block_size)
{
	u64 base = pdata->base, end = pdata->base + pdata->size;
	int ret = 0;
	u32 i;

	for (i = 0; i < egm_nr_load_retired && !ret; i++) {
		u64 first = max(egm_load_retired[i].offset, base);
		u64 last = min(egm_load_retired[i].offset +
			       egm_load_retired[i].size, end);
		struct egm_retired_range a, b;

		if (first >= last)
			continue;
		a = egm_retired_block_of(first, base, pdata->size, block_size);
		b = egm_retired_block_of(last - 1, base, pdata->size, block_size);
		ret = egm_retired_set_add(&r->ranges, &r->nr, &r->capacity,
					  a.offset, b.offset + b.size - a.offset);
	}
	return ret;
}

/**
 * egm_retire_unbound() - retire a block of a region that is not bound
 * @phys: the physical address of a memory error
 *
 * Remembers the block, if it lies in a discovered EGM region, so that the
 * region's next binding keeps it out of use and out of its scrub.
 */
void egm_retire_unbound(u64 phys)
{
	const struct egm_platform_data *pdata = egm_acpi_find_region(phys);
	struct egm_retired_range block;

	if (!pdata)
		return;
	block = egm_retired_block_of(phys, pdata->base, pdata->size,
				     egm_block_size());
	if (egm_remember_retirement(pdata, block.offset, block.size))
		pr_warn("egm%u: retired [%#llx-%#llx] while unbound (memory error)\n",
			pdata->pxm, block.offset,
			block.offset + block.size - 1);
}

/*
 * The first byte of a remembered retirement that the region's set does not
 * cover: one reported while the region was being bound.
 */
bool egm_find_unapplied_retirement(struct egm_region *region, u64 *offset)
{
	struct egm_remembered *r;
	bool found = false;
	u32 i;

	mutex_lock(&egm_remembered_lock);
	r = egm_remembered_of(region->pdata->base, false);
	down_read(&region->lock);
	for (i = 0; r && i < r->nr && !found; i++) {
		u64 end = r->ranges[i].offset + r->ranges[i].size, stretch_end;
		u64 start = egm_retired_usable_stretch(region->retired,
						       region->nr_retired,
						       r->ranges[i].offset,
						       end, &stretch_end);

		if (start < end) {
			*offset = start;
			found = true;
		}
	}
	up_read(&region->lock);
	mutex_unlock(&egm_remembered_lock);
	return found;
}

static void egm_retired_free(struct egm_region *region)
{
	kvfree(region->retired);
	region->retired = NULL;
}

/*
 * Adds the blocks retired before this binding: at run time, or before the
 * module's load (the "retired" parameter).
 */
static int egm_restore_retirements(struct device *dev, struct egm_region *region)
{
	const struct egm_platform_data *pdata = region->pdata;
	struct egm_remembered *r;
	int ret = 0;
	u32 i;

	mutex_lock(&egm_remembered_lock);
	r = egm_remembered_of(pdata->base, egm_nr_load_retired);
	if (r)
		ret = egm_adopt_load_retired(pdata, r, region->retired_block_size);
	else if (egm_nr_load_retired)
		ret = -ENOMEM;
	for (i = 0; r && i < r->nr && !ret; i++)
		ret = egm_retired_set_add(&region->retired, &region->nr_retired,
					  &region->retired_capacity,
					  r->ranges[i].offset,
					  r->ranges[i].size);
	mutex_unlock(&egm_remembered_lock);
	if (ret)
		dev_err(dev, "cannot keep the ranges retired before this binding: %d\n",
			ret);
	else if (r && r->nr)
		dev_info(dev, "kept %u range(s) retired before this binding\n",
			 r->nr);
	return ret;
}

static void egm_forget_retirements(void)
{
	struct egm_remembered *r, *next;

	list_for_each_entry_safe(r, next, &egm_remembered_regions, node) {
		list_del(&r->node);
		kvfree(r->ranges);
		kfree(r);
	}
}

/*
 * Reads one GPU's table, header first, then as many entries as its count
 * says and no byte more (an empty table may be a single page), into the
 * sorted set @set of that table's blocks.
 */
static int egm_read_gpu_table(struct device *dev, struct egm_region *region,
			      const struct egm_gpu_info *gpu, u64 *addrs,
			      struct egm_retired_range *set,
			      struct egm_retired_stats *stats)
{
	const struct egm_platform_data *pdata = region->pdata;
	u64 table = gpu->retired_table, count, len;
	int ret;

	if (gpu->retired_table_room < sizeof(count)) {
		dev_err(dev, "retired-pages table at %#llx: no room for its header: refused\n",
			table);
		return -EINVAL;
	}
	ret = egm_read_firmware(dev, table, &count, sizeof(count));
	if (ret)
		return ret;
	if (count > EGM_RETIRED_MAX_ENTRIES) {
		dev_err(dev, "retired-pages table at %#llx: count %llu is above the firmware maximum %u: refused\n",
			table, count, EGM_RETIRED_MAX_ENTRIES);
		return -EINVAL;
	}
	len = count * sizeof(u64);
	if (sizeof(count) + len > gpu->retired_table_room) {
		dev_err(dev, "retired-pages table at %#llx: %llu entries need %llu bytes but only %llu lie before EGM memory: refused\n",
			table, count, sizeof(count) + len,
			gpu->retired_table_room);
		return -EINVAL;
	}
	if (count) {
		ret = egm_read_firmware(dev, table + sizeof(count), addrs, len);
		if (ret)
			return ret;
	}
	if (egm_retired_build(addrs, count, pdata->base, pdata->size,
			      region->retired_block_size, set, stats))
		return -EINVAL;
	if (stats->outside)
		dev_warn(dev, "retired-pages table at %#llx: %u of %u entries lie outside [%#llx-%#llx] and are ignored (first: %#llx)\n",
			 table, stats->outside, stats->entries, pdata->base,
			 pdata->base + pdata->size - 1, stats->first_outside);
	return 0;
}

static bool egm_retired_sets_equal(const struct egm_retired_range *a, u32 na,
				   const struct egm_retired_range *b, u32 nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

/*
 * Builds the region's set from every GPU's table: firmware fills each from
 * the socket's one list, so they should agree; where they do not, a block
 * any of them lists stays out of use. A table that cannot be read or
 * trusted refuses the region: the memory it lists cannot be known.
 */
int egm_retired_init_region(struct device *dev, struct egm_region *region)
{
	const struct egm_platform_data *pdata = region->pdata;
	struct egm_retired_range *first, *table_set, *set = NULL, *united;
	struct egm_retired_stats stats;
	u32 nr_first = 0, nr_set = 0, entries = 0, capacity;
	unsigned int i;
	u64 *addrs;
	int ret = -ENOMEM;

	region->retired_block_size = egm_block_size();
	addrs = kvmalloc_array(EGM_RETIRED_MAX_ENTRIES, sizeof(*addrs), GFP_KERNEL);
	first = kvmalloc_array(EGM_RETIRED_MAX_ENTRIES, sizeof(*first), GFP_KERNEL);
	table_set = kvmalloc_array(EGM_RETIRED_MAX_ENTRIES, sizeof(*table_set),
				   GFP_KERNEL);
	if (!addrs || !first || !table_set)
		goto out;

	for (i = 0; i < pdata->nr_gpus; i++) {
		const struct egm_gpu_info *gpu = &pdata->gpus[i];

		ret = egm_read_gpu_table(dev, region, gpu, addrs, table_set,
					 &stats);
		if (ret)
			goto out;
		entries = max(entries, stats.entries);
		if (!i) {
			memcpy(first, table_set, stats.ranges * sizeof(*first));
			nr_first = stats.ranges;
		} else if (!egm_retired_sets_equal(first, nr_first, table_set,
						   stats.ranges)) {
			dev_warn(dev, "retired-pages tables at %#llx and %#llx differ (%u and %u retired ranges): every block either lists stays retired\n",
				 pdata->gpus[0].retired_table, gpu->retired_table,
				 nr_first, stats.ranges);
		}
		capacity = max_t(u32, nr_set + stats.ranges, 16);
		united = kvmalloc_array(capacity, sizeof(*united), GFP_KERNEL);
		ret = -ENOMEM;
		if (!united)
			goto out;
		nr_set = egm_retired_unite(set, nr_set, table_set, stats.ranges,
					   united);
		kvfree(set);
		set = united;
		region->retired_capacity = capacity;
	}
	region->retired = set;
	region->nr_retired = nr_set;
	region->retired_table_entries = entries;
	set = NULL;
	ret = egm_restore_retirements(dev, region);
	if (ret)
		egm_retired_free(region);
out:
	kvfree(addrs);
	kvfree(first);
	kvfree(table_set);
	kvfree(set);
	return ret;
}

/**
 * egm_retire() - take a block out of use at run time
 * @region: the region
 * @offset: any offset inside the block, in bytes
 * @why: for the log
 *
 * Adds the block to the set, so that no fault maps it again, then takes it
 * from every mapping and dma-buf: the next access gets SIGBUS with
 * BUS_MCEERR_AR. A block in the set already is taken from them again, as
 * its first retirement may still be doing so: either way it is gone from
 * every user when this returns.
 *
 * Return: 0, -EINVAL for an offset beyond the region, -ENODEV once the
 * region is revoked, -ENOSPC or -ENOMEM when the set cannot grow.
 */
int egm_retire(struct egm_region *region, u64 offset, const char *why)
{
	const struct egm_platform_data *pdata = region->pdata;
	struct egm_retired_range range;
	bool already = false;
	u64 block, end;
	int ret = 0;

	if (offset >= pdata->size)
		return -EINVAL;
	range = egm_retired_block_of(pdata->base + offset, pdata->base,
				     pdata->size, region->retired_block_size);
	offset = range.offset;
	block = range.size;

	down_write(&region->lock);
	if (region->revoked) {
		ret = -ENODEV;
		goto out;
	}
	if (egm_retired_usable_stretch(region->retired, region->nr_retired,
				       offset, offset + block, &end) ==
	    offset + block) {
		already = true;
		goto out;
	}
	ret = egm_retired_set_add(&region->retired, &region->nr_retired,
				  &region->retired_capacity, offset, block);
out:
	up_write(&region->lock);
	/* No fault maps the block now: take it from those that mapped it. */
	if (!ret)
		egm_region_revoke_range(region, offset, block);
	if (!ret && !already)
		egm_remember_retirement(pdata, offset, block);
	if (ret) {
		dev_err(&region->dev, "cannot retire [%#llx-%#llx] (%s): %d\n",
			offset, offset + block - 1, why, ret);
		return ret;
	}
	if (already)
		dev_info(&region->dev, "[%#llx-%#llx] is retired already (%s)\n",
			 offset, offset + block - 1, why);
	else
		dev_warn(&region->dev, "retired [%#llx-%#llx] (%s)\n", offset,
			 offset + block - 1, why);
	return 0;
}

static ssize_t egm_debugfs_retire_write(struct file *file,
					const char __user *ubuf, size_t len,
					loff_t *ppos)
{
	struct egm_region *region = file->private_data;
	u64 offset;
	int ret;

	ret = kstrtou64_from_user(ubuf, len, 0, &offset);
	if (ret)
		return ret;
	if (offset >= region->pdata->size) {
		dev_err(&region->dev, "retire: offset %#llx is beyond the region's %#llx bytes\n",
			offset, region->pdata->size);
		return -EINVAL;
	}
	ret = egm_retire(region, offset, "debugfs");
	return ret ? ret : len;
}

static const struct file_operations egm_debugfs_retire_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = egm_debugfs_retire_write,
};

/* Runtime retirement for a region that has its device. */
void egm_poison_region_added(struct egm_region *region)
{
	if (!egm_debugfs_root)
		return;
	region->debugfs = debugfs_create_dir(dev_name(&region->dev),
					     egm_debugfs_root);
	debugfs_create_file("retire", 0200, region->debugfs, region,
			    &egm_debugfs_retire_fops);
}

/* Before revocation: no retirement may run on a region going away. */
void egm_poison_region_removed(struct egm_region *region)
{
	debugfs_remove(region->debugfs);
	region->debugfs = NULL;
}

void egm_poison_init(void)
{
	struct dentry *root = debugfs_create_dir(EGM_DRIVER_NAME, NULL);

	egm_debugfs_root = IS_ERR(root) ? NULL : root;
}

void egm_poison_exit(void)
{
	debugfs_remove(egm_debugfs_root);
	egm_debugfs_root = NULL;
	egm_forget_retirements();
}
