// SPDX-License-Identifier: GPL-2.0-only
/* Host unit tests of the platform-file parser and layout (sim/builder). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "platform.h"

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)

static struct platform plat;
static char err[256];

static int parse(const char *text)
{
	err[0] = '\0';
	if (plat_parse(&plat, text, strlen(text), err, sizeof(err)))
		return -1;
	return plat_layout(&plat, err, sizeof(err));
}

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(plat_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(plat_parse_size("0x1000", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(plat_parse_size("2G", &v), 0);
	assert_int_equal(v, 2 * GIB);
	assert_int_equal(plat_parse_size("256M", &v), 0);
	assert_int_equal(v, 256 * MIB);
	assert_int_equal(plat_parse_size("1T", &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(plat_parse_size("", &v), -1);
	assert_int_equal(plat_parse_size("-1", &v), -1);
	assert_int_equal(plat_parse_size("2GB", &v), -1);
	assert_int_equal(plat_parse_size("2X", &v), -1);
	assert_int_equal(plat_parse_size("0x", &v), -1);
	assert_int_equal(plat_parse_size("99999999999999999999", &v), -1);
	assert_int_equal(plat_parse_size("17179869184G", &v), -1);
}

static void test_two_socket_layout(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse("# two sockets\n"
			       "name t\nram 3G\n"
			       "socket pxm=5 size=2G\ngpu slot=5\n"
			       "socket pxm=4 size=2G\ngpu slot=3\ngpu slot=4\n"
			       "retired 0x10000 0x20000\n"), 0);
	assert_string_equal(plat.name, "t");
	assert_int_equal(plat.nr_sockets, 2);
	/* Sorted by PXM; EGM starts after 3 GiB of RAM (2 low, 1 high). */
	assert_int_equal(plat.sockets[0].pxm, 4);
	assert_int_equal(plat.sockets[0].base, 5 * GIB);
	assert_int_equal(plat.sockets[1].pxm, 5);
	assert_int_equal(plat.sockets[1].base, 7 * GIB);
	assert_int_equal(plat.sockets[0].nr_retired, 2);
	assert_int_equal(plat.firmware_area, 5 * GIB - MIB);
	/* GPU 0 (slot 5) followed its socket through the sort. */
	assert_int_equal(plat.gpus[0].socket, 1);
	assert_int_equal(plat.gpus[1].socket, 0);
	assert_true(plat_gpu_prop(&plat, 0, PLAT_PROP_EGM_BASE, &v));
	assert_int_equal(v, 7 * GIB);
	assert_true(plat_gpu_prop(&plat, 1, PLAT_PROP_EGM_PXM, &v));
	assert_int_equal(v, 4);
	assert_true(plat_gpu_prop(&plat, 1, PLAT_PROP_EGM_RETIRED, &v));
	assert_int_equal(v, plat.firmware_area);
	assert_string_equal(plat.expect_devices, "egm4 egm5");
}

static void test_overrides_and_omissions(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse("socket pxm=4 size=1G egm-size=0\n"
			       "gpu slot=3 -egm-pxm\n"
			       "gpu slot=4 egm-base-pa=0x1234 egm-size=4K\n"
			       "expect-devices none\n"
			       "expect-log \"PXM 4: refused\"\n"), 0);
	assert_false(plat_gpu_prop(&plat, 0, PLAT_PROP_EGM_PXM, &v));
	assert_true(plat_gpu_prop(&plat, 0, PLAT_PROP_EGM_SIZE, &v));
	assert_int_equal(v, 0);
	assert_true(plat_gpu_prop(&plat, 1, PLAT_PROP_EGM_BASE, &v));
	assert_int_equal(v, 0x1234);
	assert_true(plat_gpu_prop(&plat, 1, PLAT_PROP_EGM_SIZE, &v));
	assert_int_equal(v, 4096);
	assert_string_equal(plat.expect_devices, "");
	assert_int_equal(plat.nr_expect_logs, 1);
	assert_string_equal(plat.expect_logs[0], "PXM 4: refused");
}

static void expect_error(const char *text, const char *message)
{
	assert_int_equal(parse(text), -1);
	if (!strstr(err, message))
		fail_msg("error '%s' lacks '%s'", err, message);
}

static void test_errors_name_the_problem(void **state)
{
	(void)state;
	expect_error("bogus 1\n", "line 1: unknown keyword 'bogus'");
	expect_error("gpu slot=3\n", "line 1: gpu before any socket");
	expect_error("socket pxm=4\n", "line 1: socket needs pxm= and size=");
	expect_error("socket pxm=4 size=3K\ngpu slot=3\n", "multiple of 2M");
	expect_error("socket pxm=0 size=1G\n", "pxm 0 is the host");
	expect_error("socket pxm=200 size=1G\n", "pxm must be 0..127");
	expect_error("socket pxm=4 size=1G\n", "socket with pxm 4 has no gpu");
	expect_error("socket pxm=4 size=1G\ngpu slot=3\ngpu slot=3\n",
		     "line 3: slot 3 used twice");
	expect_error("socket pxm=4 size=1G\ngpu slot=3\nsocket pxm=4 size=1G\n",
		     "line 3: pxm 4 used twice");
	expect_error("socket pxm=4 size=1G\ngpu slot=31\n", "slot must be 2..30");
	expect_error("socket pxm=4 size=1G bad-prop=1\n", "unknown key 'bad-prop'");
	expect_error("socket pxm=4 size=1G egm-size=x\n", "bad number 'x'");
	expect_error("socket pxm=4 size=1G\ngpu slot=3\nretired 2G\n",
		     "beyond the region");
	expect_error("ram 2G\nsocket pxm=4 size=1G\ngpu slot=3\n", "ram must be");
	expect_error("expect-log \"open\n", "unterminated quote");
	expect_error("", "no socket described");
	expect_error("ras 1\n", "line 1: ras takes nothing");
	expect_error("contents-unknown yes\n", "line 1: contents-unknown takes nothing");
	expect_error("ras\nsocket pxm=4 size=1G\ngpu slot=3\n",
		     "ras is the arm64 host's");
}

/* A GB200 socket's size, 1 GiB-aligned above the host's RAM. */
static void test_gb200_sized_regions(void **state)
{
	(void)state;
	assert_int_equal(parse("topology grace\ncontents-unknown\nram 4G\n"
			       "socket pxm=4 size=447G\ngpu\ngpu\n"
			       "socket pxm=5 size=447G\ngpu\ngpu\n"
			       "retired-range 0x100000000 0x6e00000 4096\n"), 0);
	assert_true(plat.contents_unknown);
	assert_int_equal(plat.sockets[0].size, 0x6fc0000000ULL);
	assert_int_equal(plat.sockets[0].base % GIB, 0);
	assert_int_equal(plat.sockets[1].base, plat.sockets[0].base + plat.sockets[0].size);
	assert_int_equal(plat.sockets[1].nr_retired, 4096);
	assert_false(parse("socket pxm=4 size=1G\ngpu slot=3\n") || plat.contents_unknown);
}

static void test_retired_table_statements(void **state)
{
	(void)state;
	assert_int_equal(parse("socket pxm=4 size=1G\ngpu slot=3\n"
			       "retired 0x10000\n"
			       "retired-range 1M 128K 3\n"
			       "retired-address 0x1000\n"
			       "retired-count 5000\n"
			       "retired-table-offset 0xfffc0\n"), 0);
	assert_int_equal(plat.sockets[0].nr_retired, 5);
	assert_int_equal(plat_retired_address(&plat.sockets[0], 0),
			 5 * GIB + 0x10000);
	assert_int_equal(plat_retired_address(&plat.sockets[0], 3),
			 5 * GIB + MIB + 256 * 1024);
	assert_int_equal(plat_retired_address(&plat.sockets[0], 4), 0x1000);
	assert_int_equal(plat.sockets[0].retired_count, 5000);
	assert_int_equal(plat.sockets[0].retired_table,
			 plat.firmware_area + 0xfffc0);
	expect_error("socket pxm=4 size=1G\ngpu slot=3\nretired-range 0 64K\n",
		     "retired-range takes FIRST STEP COUNT");
	expect_error("socket pxm=4 size=1G\ngpu slot=3\nretired-range 0 64K 4097\n",
		     "more than 4096 retired pages");
	expect_error("socket pxm=4 size=1G\ngpu slot=3\nretired 1\n"
		     "retired-table-offset 0xffff8\n",
		     "does not fit in the firmware area");
}

/* The shape NVIDIA's firmware gives a GB200 host (docs/simulated-host.rst). */
static void test_grace_topology(void **state)
{
	uint64_t v, table[8];
	char pci[32];

	(void)state;
	assert_int_equal(parse("topology grace\n"
			       "socket pxm=4 size=2G\ngpu\ngpu\n"
			       "socket pxm=5 size=2G\ngpu\ngpu-retired 0x7ff00000\ngpu\n"
			       "retired 0x12345000\n"), 0);
	/* Socket 1's DRAM follows node 0, then the regions. */
	assert_int_equal(plat.sockets[0].dram_size, 0);
	assert_int_equal(plat.sockets[1].dram_base, 5 * GIB);
	assert_int_equal(plat.sockets[1].dram_size, GIB);
	assert_int_equal(plat.sockets[0].base, 6 * GIB);
	assert_int_equal(plat.sockets[1].base, 8 * GIB);
	/*
	 * A table per GPU from the top of the firmware area down: one page
	 * when empty, nine when not; the first ends where System RAM begins.
	 */
	assert_int_equal(plat.gpus[0].retired_table, 5 * GIB - 4096);
	assert_int_equal(plat.gpus[0].retired_table_size, 4096);
	assert_int_equal(plat.gpus[1].retired_table, 5 * GIB - 2 * 4096);
	assert_int_equal(plat.gpus[2].retired_table, 5 * GIB - 11 * 4096);
	assert_int_equal(plat.gpus[2].retired_table_size, 9 * 4096);
	assert_int_equal(plat.gpus[3].retired_table, 5 * GIB - 20 * 4096);
	assert_true(plat_gpu_prop(&plat, 3, PLAT_PROP_EGM_RETIRED, &v));
	assert_int_equal(v, plat.gpus[3].retired_table);
	/* Same base, size and PXM on a socket's GPUs; each its own table. */
	assert_true(plat_gpu_prop(&plat, 2, PLAT_PROP_EGM_BASE, &v));
	assert_int_equal(v, 8 * GIB);
	assert_int_equal(plat_gpu_retired_table(&plat, 2, table, 8), 2);
	assert_int_equal(table[1], 8 * GIB + 0x7ff00000);
	assert_int_equal(plat_gpu_retired_table(&plat, 3, table, 8), 1);
	assert_int_equal(table[0], 8 * GIB + 0x12345000);
	/* A root bridge per GPU, 8 GPU PXMs each from 8. */
	plat_gpu_pci_name(&plat, 0, pci, sizeof(pci));
	assert_string_equal(pci, "0000:11:00.0");
	plat_gpu_pci_name(&plat, 3, pci, sizeof(pci));
	assert_string_equal(pci, "0000:41:00.0");
	assert_true(plat_gpu_prop(&plat, 3, PLAT_PROP_GPU_MEM_PXM_START, &v));
	assert_int_equal(v, 32);

	expect_error("topology grace\nsocket pxm=4 size=1G\ngpu slot=3\n",
		     "has no slot=");
	expect_error("topology grace\nsocket pxm=5 size=1G\ngpu\n",
		     "socket 0 of the grace topology has EGM pxm 4");
	expect_error("socket pxm=4 size=1G\ngpu slot=3\ngpu-retired 0\n",
		     "gpu-retired follows a gpu of the grace topology");
	expect_error("socket pxm=4 size=1G\ntopology grace\n",
		     "topology comes before any socket");
	expect_error("topology grace\nsocket pxm=4 size=1G\ngpu\ngpu-retired 1G\n",
		     "gpu-retired offset 0x40000000 is beyond the region");
	expect_error("topology mesh\n", "topology is grace or flat");
}

static void test_nul_byte_is_refused(void **state)
{
	static const char text[] = "socket pxm=4 size=1G\0\ngpu slot=3\n";

	(void)state;
	assert_int_equal(plat_parse(&plat, text, sizeof(text) - 1, err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL byte"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_two_socket_layout),
		cmocka_unit_test(test_gb200_sized_regions),
		cmocka_unit_test(test_overrides_and_omissions),
		cmocka_unit_test(test_errors_name_the_problem),
		cmocka_unit_test(test_nul_byte_is_refused),
		cmocka_unit_test(test_grace_topology),
		cmocka_unit_test(test_retired_table_statements),
	};

	return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}
