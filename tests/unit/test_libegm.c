// SPDX-License-Identifier: GPL-2.0-only
/* Host unit tests of libegm against a fake sysfs tree built here. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <egm/libegm.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void link_to(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void region(const char *name, const char *pxm, const char *size,
		   const char *retired)
{
	char base[64], path[96];
	const char *attrs[][2] = {
		{ "size", size }, { "align", "1073741824\n" }, { "pxm", pxm },
		{ "numa_node", "1\n" }, { "scrub_state", "clean\n" },
		{ "scrub_progress", size }, { "retired_pages", retired },
		{ "base", "0x140000000\n" }, { "egm_size", "0x80000000\n" },
		{ "scrub_last_duration_us", "250000\n" },
		{ "scrub_last_throughput", "8192\n" },
		{ "scrub_last_threads", "2\n" },
		{ "retired_block_size", "65536\n" },
	};

	snprintf(base, sizeof(base), "sys/class/egm/%s", name);
	dir(base);
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, attrs[i][0]);
		put(path, attrs[i][1]);
	}
	snprintf(path, sizeof(path), "dev/%s", name);
	put(path, "");
}

/* Two regions, listed out of PXM order; egm4 has two GPUs. */
static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/test_libegm.XXXXXX");
	assert_non_null(mkdtemp(root));
	dir("sys");
	dir("sys/class");
	dir("sys/class/egm");
	dir("sys/devices");
	dir("dev");
	region("egm5", "5\n", "2147483648\n",
	       "0x0000000000000000 0x0000000000010000\n"
	       "0x0000000040200000 0x0000000000020000\n");
	region("egm4", "4\n", "2147483648\n", "");
	link_to("../../../devices", "sys/class/egm/egm4/0000:00:04.0");
	link_to("../../../devices", "sys/class/egm/egm4/0000:00:03.0");
	link_to("../../../devices", "sys/class/egm/egm4/subsystem");
	link_to("../../../devices", "sys/class/egm/egm4/device");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static struct egm_ctx *open_ctx(void)
{
	char sys[96], dev[96];
	struct egm_ctx *ctx;

	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	assert_int_equal(egm_new_at(&ctx, sys, dev), 0);
	return ctx;
}

static void test_regions_in_pxm_order_with_attributes(void **state)
{
	struct egm_ctx *ctx = open_ctx();
	struct egm_region *r;
	uint64_t base;

	(void)state;
	assert_int_equal(egm_region_count(ctx), 2);
	r = egm_region_at(ctx, 0);
	assert_string_equal(egm_region_name(r), "egm4");
	assert_non_null(strstr(egm_region_devnode(r), "/dev/egm4"));
	assert_int_equal(egm_region_size(r), 2147483648ULL);
	assert_int_equal(egm_region_pxm(r), 4);
	assert_int_equal(egm_region_numa_node(r), 1);
	assert_int_equal(egm_region_align(r), 1ULL << 30);
	assert_int_equal(egm_region_base(r, &base), 0);
	assert_int_equal(base, 0x140000000ULL);
	assert_int_equal(egm_region_scrub_state(r), EGM_SCRUB_CLEAN);
	assert_string_equal(egm_scrub_state_name(EGM_SCRUB_IN_USE), "in_use");
	assert_string_equal(egm_region_name(egm_region_at(ctx, 1)), "egm5");
	assert_null(egm_region_at(ctx, 2));
	egm_free(ctx);
}

static void test_gpus_are_the_pci_links_sorted(void **state)
{
	struct egm_ctx *ctx = open_ctx();
	struct egm_region *r = egm_region_get(ctx, "egm4");

	(void)state;
	assert_int_equal(egm_region_gpu_count(r), 2);
	assert_string_equal(egm_region_gpu(r, 0), "0000:00:03.0");
	assert_string_equal(egm_region_gpu(r, 1), "0000:00:04.0");
	assert_null(egm_region_gpu(r, 2));
	assert_int_equal(egm_region_gpu_count(egm_region_get(ctx, "egm5")), 0);
	egm_free(ctx);
}

static void test_lookup_by_name_path_or_number(void **state)
{
	struct egm_ctx *ctx = open_ctx();

	(void)state;
	assert_ptr_equal(egm_region_get(ctx, "egm5"), egm_region_at(ctx, 1));
	assert_ptr_equal(egm_region_get(ctx, "/dev/egm5"), egm_region_at(ctx, 1));
	assert_ptr_equal(egm_region_get(ctx, "4"), egm_region_at(ctx, 0));
	assert_null(egm_region_get(ctx, "egm9"));
	assert_string_equal(egm_last_error(ctx), "no EGM region egm9 (regions: egm4 egm5)");
	egm_free(ctx);
}

static void test_retired_list_from_sysfs(void **state)
{
	struct egm_ctx *ctx = open_ctx();
	struct egm_retired_range *r;
	unsigned int n;

	(void)state;
	assert_int_equal(egm_region_retired(egm_region_get(ctx, "egm5"), &r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].size, 0x10000);
	assert_int_equal(r[1].offset, 0x40200000);
	assert_int_equal(r[1].size, 0x20000);
	free(r);
	assert_int_equal(egm_region_retired(egm_region_get(ctx, "egm4"), &r, &n), 0);
	assert_int_equal(n, 0);
	free(r);
	egm_free(ctx);
}

static void test_dma_owners(void **state)
{
	struct egm_ctx *ctx = open_ctx();
	struct egm_region *r = egm_region_get(ctx, "egm4");
	struct egm_dma_owner *o;
	unsigned int n;

	(void)state;
	put("sys/class/egm/egm4/dma_owners", "");
	assert_int_equal(egm_region_dma_owners(r, &o, &n), 0);
	assert_int_equal(n, 0);
	assert_null(o);
	put("sys/class/egm/egm4/dma_owners", "213 live\n4194304 exited\n");
	assert_int_equal(egm_region_dma_owners(r, &o, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(o[0].pid, 213);
	assert_true(o[0].live);
	assert_int_equal(o[1].pid, 4194304);
	assert_false(o[1].live);
	free(o);
	put("sys/class/egm/egm4/dma_owners", "213 live\n77 asleep\n");
	assert_int_equal(egm_region_dma_owners(r, &o, &n), -EINVAL);
	assert_non_null(strstr(egm_last_error(ctx), "cannot parse '77 asleep'"));
	assert_null(o);
	/* Drivers before dma_owners: the attribute is missing. */
	assert_int_equal(egm_region_dma_owners(egm_region_get(ctx, "egm5"), &o, &n),
			 -ENOENT);
	egm_free(ctx);
}

static void test_missing_driver_and_no_regions(void **state)
{
	struct egm_ctx *ctx;
	char empty[96];

	(void)state;
	assert_int_equal(egm_new_at(&ctx, "/nonexistent", "/dev"), -ENODEV);
	assert_non_null(strstr(egm_last_error(ctx), "driver is not loaded"));
	egm_free(ctx);

	snprintf(empty, sizeof(empty), "%s/empty", root);
	dir("empty");
	dir("empty/class");
	dir("empty/class/egm");
	assert_int_equal(egm_new_at(&ctx, empty, "/dev"), 0);
	assert_int_equal(egm_region_count(ctx), 0);
	assert_null(egm_region_get(ctx, "egm4"));
	assert_non_null(strstr(egm_last_error(ctx), "found no regions"));
	egm_free(ctx);
}

static void test_bad_attribute_and_missing_node(void **state)
{
	struct egm_ctx *ctx;
	struct egm_region *r;
	uint64_t v;
	char path[128];

	(void)state;
	ctx = open_ctx();
	r = egm_region_get(ctx, "egm5");
	put("sys/class/egm/egm5/scrub_progress", "lots\n");
	assert_int_equal(egm_region_scrub_progress(r, &v), -EINVAL);
	assert_non_null(strstr(egm_last_error(ctx), "'lots' is not a number"));
	put("sys/class/egm/egm5/scrub_state", "melting\n");
	assert_int_equal(egm_region_scrub_state(r), EGM_SCRUB_UNKNOWN);
	snprintf(path, sizeof(path), "%s/dev/egm5", root);
	unlink(path);
	assert_int_equal(egm_region_open(r, false), -ENOENT);
	assert_non_null(strstr(egm_last_error(ctx), "does not exist"));
	assert_null(egm_region_map(r, -1, 1ULL << 31, 4096));
	assert_non_null(strstr(egm_last_error(ctx), "cannot map"));
	egm_free(ctx);
}

static void test_scrub_figures_and_block_size(void **state)
{
	struct egm_ctx *ctx = open_ctx();
	struct egm_region *r = egm_region_get(ctx, "egm4");
	struct egm_scrub_last last;
	uint64_t block;

	(void)state;
	assert_int_equal(egm_region_scrub_last(r, &last), 0);
	assert_int_equal(last.duration_us, 250000);
	assert_int_equal(last.mib_per_s, 8192);
	assert_int_equal(last.threads, 2);
	assert_int_equal(egm_region_retired_block_size(r, &block), 0);
	assert_int_equal(block, 65536);
	put("sys/class/egm/egm4/scrub_last_threads", "two\n");
	assert_int_equal(egm_region_scrub_last(r, &last), -EINVAL);
	put("sys/class/egm/egm4/scrub_last_threads", "2\n");
	egm_free(ctx);
}

/* A region that cannot be read spoils neither the context nor the others. */
static void test_unreadable_region_left_out(void **state)
{
	struct egm_ctx *ctx;

	(void)state;
	put("sys/class/egm/egm5/size", "gone\n");
	ctx = open_ctx();
	assert_int_equal(egm_region_count(ctx), 1);
	assert_string_equal(egm_region_name(egm_region_at(ctx, 0)), "egm4");
	assert_non_null(egm_region_get(ctx, "egm4"));
	assert_int_equal(egm_unreadable_count(ctx), 1);
	assert_string_equal(egm_unreadable_name(ctx, 0), "egm5");
	assert_non_null(strstr(egm_unreadable_error(ctx, 0), "'gone' is not a number"));
	assert_null(egm_unreadable_name(ctx, 1));
	assert_null(egm_region_get(ctx, "egm5"));
	assert_non_null(strstr(egm_last_error(ctx), "egm5/size: 'gone' is not a number"));
	put("sys/class/egm/egm5/size", "2147483648\n");
	egm_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regions_in_pxm_order_with_attributes),
		cmocka_unit_test(test_gpus_are_the_pci_links_sorted),
		cmocka_unit_test(test_lookup_by_name_path_or_number),
		cmocka_unit_test(test_retired_list_from_sysfs),
		cmocka_unit_test(test_dma_owners),
		cmocka_unit_test(test_missing_driver_and_no_regions),
		cmocka_unit_test(test_bad_attribute_and_missing_node),
		cmocka_unit_test(test_scrub_figures_and_block_size),
		cmocka_unit_test(test_unreadable_region_left_out),
	};

	return cmocka_run_group_tests_name("libegm", tests, setup, teardown);
}
