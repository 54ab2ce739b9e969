// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-guest tests of EGM_DMABUF_EXPORT with the test importer module
 * (tests/kmod): bad arguments, the importer's DMA ranges, the region held
 * by the dma-buf, revocation on retirement and on unbind.
 *
 *   egm-dmabuf-test DEV BASE PLATFORM-DEVICE [RETIRED-OFFSET]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/egm.h>

#include "tap.h"
#include "test-files.h"

#define MIB ((uint64_t)1 << 20)
#define CTL "/sys/kernel/debug/egm_dmabuf_importer/ctl"

static int export(int fd, uint64_t offset, uint64_t length, int *out)
{
	struct egm_dmabuf_export req = {
		.argsz = sizeof(req), .offset = offset, .length = length,
	};

	if (ioctl(fd, EGM_DMABUF_EXPORT, &req))
		return errno;
	*out = req.fd;
	return 0;
}

static int export_errno(int fd, struct egm_dmabuf_export req)
{
	return ioctl(fd, EGM_DMABUF_EXPORT, &req) ? errno : 0;
}

static void importer_state(char *buf, size_t len)
{
	int fd = open(CTL, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static bool importer_says(const char *want)
{
	char state[512];

	importer_state(state, sizeof(state));
	if (!strstr(state, want))
		tap_note("importer: %s", state);
	return strstr(state, want);
}

static void importer_cmd(const char *cmd)
{
	if (!write_file(CTL, cmd))
		tap_note("cannot write '%s' to %s", cmd, CTL);
}

static void test_bad_requests(int fd, uint64_t size, uint64_t retired)
{
	struct egm_dmabuf_export ok = { .argsz = sizeof(ok), .length = 2 * MIB };
	struct egm_dmabuf_export r;

	r = ok;
	r.argsz = sizeof(r) - 1;
	tap_ok(export_errno(fd, r) == EINVAL, "argsz too small: EINVAL");
	r = ok;
	r.flags = 1;
	tap_ok(export_errno(fd, r) == EINVAL, "unknown flags: EINVAL");
	r = ok;
	r.offset = 4096 + 1;
	tap_ok(export_errno(fd, r) == EINVAL, "unaligned offset: EINVAL");
	r = ok;
	r.length = 0;
	tap_ok(export_errno(fd, r) == EINVAL, "zero length: EINVAL");
	r = ok;
	r.offset = size - MIB;
	tap_ok(export_errno(fd, r) == EINVAL, "a range past the end: EINVAL");
	r = ok;
	r.offset = UINT64_MAX & ~4095ULL;
	tap_ok(export_errno(fd, r) == EINVAL, "an overflowing range: EINVAL");
	tap_ok(ioctl(fd, EGM_DMABUF_EXPORT, NULL) && errno == EFAULT, "NULL: EFAULT");
	if (retired != UINT64_MAX) {
		r = ok;
		r.offset = retired & ~(2 * MIB - 1);
		tap_ok(export_errno(fd, r) == EIO,
		       "a range holding retired memory: EIO");
	}
}

int main(int argc, char **argv)
{
	const char *dev, *name, *pdev;
	uint64_t base, size, retired = UINT64_MAX;
	char want[128], state[32], path[160];
	int fd, buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "hold")) {
		/* Exports, has the importer map and stall its revocations. */
		char cmd[32];

		fd = open(argv[2], O_RDWR);
		if (fd < 0 || export(fd, strtoull(argv[3], NULL, 0),
				     strtoull(argv[4], NULL, 0), &buf))
			return 1;
		snprintf(cmd, sizeof(cmd), "import %d", buf);
		importer_cmd(cmd);
		importer_cmd("stall");
		if (!importer_says("mapped 1:"))
			return 1;
		printf("held\n");
		pause();
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "refused")) {
		/* Kernels that can map EGM for a device only as MMIO. */
		fd = open(argv[2], O_RDWR);
		tap_ok(fd >= 0 && export(fd, 0, 2 * MIB, &buf) == EOPNOTSUPP,
		       "%s: export is refused (EOPNOTSUPP)", argv[2]);
		return tap_exit_status();
	}
	if (argc != 4 && argc != 5) {
		fprintf(stderr,
			"usage: egm-dmabuf-test DEV BASE PLATFORM-DEVICE [RETIRED-OFFSET]\n"
			"       egm-dmabuf-test refused DEV\n"
			"       egm-dmabuf-test hold DEV OFFSET LENGTH\n");
		return 2;
	}
	dev = argv[1];
	name = strrchr(dev, '/') + 1;
	base = strtoull(argv[2], NULL, 0);
	pdev = argv[3];
	if (argc == 5)
		retired = strtoull(argv[4], NULL, 0);
	fd = open(dev, O_RDWR);
	if (!tap_ok(fd >= 0, "open %s", dev))
		return 1;
	size = lseek(fd, 0, SEEK_END);
	test_bad_requests(fd, size, retired);
	{
		int ro = open(dev, O_RDONLY);

		tap_ok(ro >= 0 && export(ro, 2 * MIB, 2 * MIB, &buf) == EACCES,
		       "a read-only fd exports nothing (EACCES)");
		if (ro >= 0)
			close(ro);
	}

	/* Export 4 MiB at 2 MiB; the importer maps it at its physical address. */
	if (!tap_ok(!export(fd, 2 * MIB, 4 * MIB, &buf), "export [2 MiB, +4 MiB)"))
		return 1;
	snprintf(want, sizeof(want), "mapped 1: %#" PRIx64 "+%#x", (uint64_t)(base + 2 * MIB),
		 (unsigned int)(4 * MIB));
	snprintf(path, sizeof(path), "static %d", buf);
	importer_cmd(path);
	tap_ok(importer_says("last_error -95"),
	       "a static importer, which could not be revoked, is refused (EOPNOTSUPP)");
	snprintf(path, sizeof(path), "import %d", buf);
	importer_cmd(path);
	tap_ok(importer_says(want), "the importer maps it: %s", want);
	close(buf);
	close(fd);
	read_region_attr(name, "scrub_state", state, sizeof(state));
	tap_ok(!strcmp(state, "in_use"),
	       "the dma-buf keeps the region held after its fd closes (%s)", state);

	/* A block retired inside the range revokes the dma-buf. */
	snprintf(path, sizeof(path), "/sys/kernel/debug/nvgrace-egm/%s/retire", name);
	tap_ok(write_file(path, "0x300000"), "retire the block at 3 MiB");
	tap_ok(importer_says("mapped 0:") && importer_says("revoked 1"),
	       "the importer was told (move_notify) and unmapped");
	importer_cmd("remap");
	tap_ok(importer_says("last_error -19"), "it cannot map the revoked dma-buf (ENODEV)");
	importer_cmd("release");
	read_region_attr(name, "scrub_state", state, sizeof(state));
	tap_ok(strcmp(state, "in_use"),
	       "releasing the dma-buf releases the region (%s)", state);

	/* Unbinding revokes too. */
	fd = open(dev, O_RDWR);
	while (fd < 0 && errno == EAGAIN)
		fd = open(dev, O_RDWR);
	if (!tap_ok(fd >= 0 && !export(fd, 64 * MIB, 2 * MIB, &buf),
		    "export [64 MiB, +2 MiB)"))
		return 1;
	snprintf(path, sizeof(path), "import %d", buf);
	importer_cmd(path);
	tap_ok(importer_says("mapped 1:"), "imported and mapped");
	close(buf);
	close(fd);
	tap_ok(write_file("/sys/bus/platform/drivers/nvgrace-egm/unbind", pdev),
	       "unbind %s while the dma-buf is mapped", pdev);
	tap_ok(importer_says("mapped 0:") && importer_says("revoked 1"),
	       "unbind revoked it");
	importer_cmd("remap");
	tap_ok(importer_says("last_error -19"), "it cannot be mapped again");
	tap_ok(!write_file("/sys/bus/platform/drivers/nvgrace-egm/bind", pdev),
	       "%s cannot be bound again while the dma-buf lives (its range stays claimed)",
	       pdev);
	importer_cmd("release");
	tap_ok(write_file("/sys/bus/platform/drivers/nvgrace-egm/bind", pdev),
	       "once it is released, %s binds again", pdev);
	return tap_exit_status();
}
