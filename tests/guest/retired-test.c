// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-guest tests of retired memory: EGM_RETIRED_PAGES_LIST, SIGBUS on
 * retired blocks, entry sizes around them, runtime retirement.
 *
 *   egm-retired-test list DEV          the ioctl's list, one range a line
 *   egm-retired-test ioctl-input DEV   bad arguments get errors, nothing else
 *   egm-retired-test faults DEV SIZE BASE huge|4k
 *   egm-retired-test runtime DEV SIZE OFFSET huge|4k [PHYS]
 *                      retires the block at OFFSET under a live mapping:
 *                      through debugfs, or by a memory error at PHYS (as
 *                      inject makes it)
 *   egm-retired-test touch DEV OFFSET  reads a byte there and says what happened
 *   egm-retired-test inject PHYS [corrected]
 *   egm-retired-test inject-many PHYS STEP COUNT   COUNT errors, STEP apart
 *                                      an uncorrected (or corrected) memory
 *                                      error there: a
 *                                      firmware (GHES) record through QEMU on
 *                                      platforms with ras (arm64), else a
 *                                      machine check (mce-inject, x86)
 *   egm-retired-test memory-failure DEV SIZE OFFSET PHYS
 *                      the kernel's memory-failure handling of that page, as
 *                      an early-kill process that maps it meets it
 *   egm-retired-test fill-phys PHYS LEN   writes the pattern through /dev/mem
 *   egm-retired-test phys-state PHYS LEN  prints pattern, zero or mixed
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/egm.h>

#include "entry-sizes.h"
#include "mapping-cost.h"
#include "pattern.h"
#include "tap.h"
#include "test-files.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

struct retired_list {
	uint32_t count;
	struct egm_retired_pages_info *ranges;
};

/* The vfio convention: ask with the header, then with the size it says. */
static int get_list(int fd, struct retired_list *list)
{
	struct egm_retired_pages_list hdr = { .argsz = sizeof(hdr) };
	struct egm_retired_pages_list *full;

	if (ioctl(fd, EGM_RETIRED_PAGES_LIST, &hdr))
		return -errno;
	full = calloc(1, hdr.argsz);
	if (!full)
		return -ENOMEM;
	full->argsz = hdr.argsz;
	if (ioctl(fd, EGM_RETIRED_PAGES_LIST, full)) {
		free(full);
		return -errno;
	}
	list->count = full->count;
	list->ranges = malloc(full->count * sizeof(*list->ranges) + 1);
	memcpy(list->ranges, full->retired_pages,
	       full->count * sizeof(*list->ranges));
	free(full);
	return 0;
}

static int open_dev(const char *dev)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0)
		fprintf(stderr, "open %s: %s\n", dev, strerror(errno));
	return fd;
}

static int print_list(const char *dev)
{
	struct retired_list list;
	int fd = open_dev(dev), ret;

	if (fd < 0)
		return 1;
	ret = get_list(fd, &list);
	close(fd);
	if (ret) {
		fprintf(stderr, "EGM_RETIRED_PAGES_LIST: %s\n", strerror(-ret));
		return 1;
	}
	for (uint32_t i = 0; i < list.count; i++)
		printf("0x%016" PRIx64 " 0x%016" PRIx64 "\n",
		       (uint64_t)list.ranges[i].offset,
		       (uint64_t)list.ranges[i].size);
	return 0;
}

static bool same_list(const struct retired_list *a,
		      const struct retired_list *b)
{
	return a->count == b->count &&
	       !memcmp(a->ranges, b->ranges, a->count * sizeof(*a->ranges));
}

static int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static void test_bad_ioctls(int fd, const struct retired_list *before)
{
	struct egm_retired_pages_list hdr;
	uint32_t needed = sizeof(hdr) + before->count * sizeof(before->ranges[0]);
	struct retired_list after = { 0 };
	uint8_t *buf;
	long page = sysconf(_SC_PAGESIZE);

	tap_ok(ioctl_errno(fd, EGM_RETIRED_PAGES_LIST, NULL) == EFAULT,
	       "NULL argument: EFAULT");
	for (uint32_t argsz = 0; argsz < sizeof(hdr); argsz++) {
		hdr = (struct egm_retired_pages_list){ .argsz = argsz, .count = 77 };
		if (ioctl_errno(fd, EGM_RETIRED_PAGES_LIST, &hdr) != EINVAL ||
		    hdr.count != 77)
			break;
		if (argsz == sizeof(hdr) - 1)
			tap_ok(true, "argsz 0..%u: EINVAL, header untouched", argsz);
	}
	hdr = (struct egm_retired_pages_list){ .argsz = needed - 1, .count = 77 };
	if (before->count) {
		int err = ioctl_errno(fd, EGM_RETIRED_PAGES_LIST, &hdr);

		tap_ok(!err && hdr.argsz == needed && hdr.count == 0,
		       "argsz one byte short: 0, argsz = %u needed, count 0 (got %u, %u)",
		       needed, hdr.argsz, hdr.count);
	}
	tap_ok(ioctl_errno(fd, _IO(EGM_TYPE, EGM_BASE + 50), &hdr) == ENOTTY,
	       "unknown command: ENOTTY");
	tap_ok(ioctl_errno(fd, _IOR(EGM_TYPE, EGM_BASE, uint64_t), &hdr) == ENOTTY,
	       "the list's number with a size and direction: ENOTTY");
	tap_ok(ioctl_errno(fd, _IOWR(EGM_TYPE, EGM_BASE,
				     struct egm_retired_pages_list), &hdr) == ENOTTY,
	       "the list's number as _IOWR: ENOTTY");

	/* A huge argsz is only the room the caller claims: no more is written. */
	buf = mmap(NULL, 2 * page + needed, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf != MAP_FAILED) {
		/* The list ends exactly at an inaccessible page. */
		uint8_t *end = buf + page + needed;
		struct egm_retired_pages_list *at;

		end = (uint8_t *)(((uintptr_t)end + page - 1) & ~(page - 1));
		mprotect(end, page, PROT_NONE);
		at = (void *)(end - needed);
		at->argsz = UINT32_MAX;
		tap_ok(!ioctl_errno(fd, EGM_RETIRED_PAGES_LIST, at) &&
		       at->count == before->count && at->argsz == UINT32_MAX,
		       "argsz UINT32_MAX: the list, in exactly the bytes it needs");
		/* One entry more than the buffer holds: EFAULT, nothing else. */
		if (before->count) {
			at = (void *)(end - needed + sizeof(before->ranges[0]));
			at->argsz = needed;
			tap_ok(ioctl_errno(fd, EGM_RETIRED_PAGES_LIST, at) == EFAULT,
			       "a buffer shorter than argsz says: EFAULT");
		}
		munmap(buf, 2 * page + needed);
	}
	tap_ok(!get_list(fd, &after) && same_list(before, &after),
	       "after all that the list is unchanged (%u ranges)", after.count);
}

/* The list read into EGM memory itself: the driver copies out of its lock. */
static void test_list_into_egm(int fd, const struct retired_list *before)
{
	size_t len = 64 * MIB;
	struct egm_retired_pages_list *at;
	uint64_t off = 0;

	/* A stretch free of retired memory. */
	for (uint32_t i = 0; i < before->count; i++)
		if (before->ranges[i].offset < off + len &&
		    before->ranges[i].offset + before->ranges[i].size > off)
			off = (before->ranges[i].offset + before->ranges[i].size +
			       huge_pmd_size() - 1) & ~(huge_pmd_size() - 1);
	at = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (!tap_ok(at != MAP_FAILED, "map 64 MiB at offset %#" PRIx64, off))
		return;
	at->argsz = len;
	tap_ok(!ioctl_errno(fd, EGM_RETIRED_PAGES_LIST, at) &&
	       at->count == before->count &&
	       !memcmp(at->retired_pages, before->ranges,
		       before->count * sizeof(before->ranges[0])),
	       "the list written into a mapping of the region itself");
	munmap(at, len);
}

/* Code written against NVIDIA's header: its names, the same list. */
static void test_nvidia_names(int fd, const struct retired_list *before)
{
	size_t len = sizeof(struct egm_bad_pages_list) +
		     before->count * sizeof(struct egm_bad_pages_info);
	struct egm_bad_pages_list *list = calloc(1, len);
	bool same = false;

	_Static_assert(sizeof(struct egm_bad_pages_list) ==
		       sizeof(struct egm_retired_pages_list) &&
		       sizeof(struct egm_bad_pages_info) ==
		       sizeof(struct egm_retired_pages_info),
		       "NVIDIA's structs have our layout");
	if (!list)
		return;
	list->argsz = len;
	if (!ioctl_errno(fd, EGM_BAD_PAGES_LIST, list) &&
	    list->count == before->count) {
		same = true;
		for (uint32_t i = 0; i < list->count; i++)
			same &= list->bad_pages[i].offset == before->ranges[i].offset &&
				list->bad_pages[i].size == before->ranges[i].size;
	}
	tap_ok(same, "EGM_BAD_PAGES_LIST into struct egm_bad_pages_list gives the same %u ranges",
	       before->count);
	free(list);
}

static int test_ioctl_input(const char *dev)
{
	struct retired_list list;
	int fd = open_dev(dev);

	if (fd < 0)
		return 1;
	if (!tap_ok(!get_list(fd, &list), "read the list"))
		return 1;
	test_bad_ioctls(fd, &list);
	test_list_into_egm(fd, &list);
	test_nvidia_names(fd, &list);
	close(fd);
	return tap_exit_status();
}

static sigjmp_buf fault_jmp;
static volatile siginfo_t fault_info;

static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	fault_info = *info;
	siglongjmp(fault_jmp, 1);
}

/* Reads one byte: 0, or the SIGBUS it raised (with *info filled in). */
static int touch(volatile uint8_t *addr, siginfo_t *info, uint8_t *value)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO };
	int sig = 0;

	sigaction(SIGBUS, &sa, NULL);
	if (!sigsetjmp(fault_jmp, 1))
		*value = *addr;
	else
		sig = SIGBUS;
	signal(SIGBUS, SIG_DFL);
	if (sig)
		*info = *(siginfo_t *)&fault_info;
	return sig;
}

static bool poisoned_at(volatile uint8_t *addr, const char *what)
{
	siginfo_t info;
	uint8_t value = 0xa5;
	int sig = touch(addr, &info, &value);

	return tap_ok(sig == SIGBUS && info.si_code == BUS_MCEERR_AR &&
		      info.si_addr == (void *)addr && info.si_addr_lsb >= 12 &&
		      value == 0xa5,
		      "%s: SIGBUS BUS_MCEERR_AR at %p, no data (sig %d code %d addr %p lsb %d)",
		      what, (void *)addr, sig, sig ? info.si_code : 0,
		      sig ? info.si_addr : NULL, sig ? info.si_addr_lsb : 0);
}

/* The first and last byte of ranges @first.. fault alike; one line for all. */
static void test_quietly_poisoned(uint8_t *map, const struct retired_list *list,
				  uint32_t first)
{
	unsigned int bad = 0;

	for (uint32_t i = first; i < list->count; i++) {
		uint64_t ends[2] = {
			list->ranges[i].offset,
			list->ranges[i].offset + list->ranges[i].size - 1,
		};

		for (int e = 0; e < 2; e++) {
			siginfo_t info;
			uint8_t value;

			bad += touch(map + ends[e], &info, &value) != SIGBUS ||
			       info.si_code != BUS_MCEERR_AR ||
			       info.si_addr != (void *)(map + ends[e]);
		}
	}
	tap_ok(!bad, "first and last bytes of %u more ranges: SIGBUS BUS_MCEERR_AR (%u bad)",
	       list->count - first, bad);
}

static bool is_retired(const struct retired_list *list, uint64_t off,
		       uint64_t len)
{
	for (uint32_t i = 0; i < list->count; i++)
		if (list->ranges[i].offset < off + len &&
		    off < list->ranges[i].offset + list->ranges[i].size)
			return true;
	return false;
}

static void *map_region(int fd, uint64_t size)
{
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return map == MAP_FAILED ? NULL : map;
}

/* The neighbour pages of every retired range map and keep data. */
static void test_neighbours(uint8_t *map, uint64_t size,
			    const struct retired_list *list)
{
	unsigned int bad = 0, checked = 0;

	for (uint32_t i = 0; i < list->count; i++) {
		uint64_t before = list->ranges[i].offset - PAGE;
		uint64_t after = list->ranges[i].offset + list->ranges[i].size;

		if (list->ranges[i].offset >= PAGE) {
			fill_page(map + before, before);
			bad += !page_matches(map + before, before);
			checked++;
		}
		if (after < size) {
			fill_page(map + after, after);
			bad += !page_matches(map + after, after);
			checked++;
		}
	}
	tap_ok(!bad, "%u neighbour pages of retired ranges map and hold data (%u bad)",
	       checked, bad);
}

/* Faults that touching every usable page of a 1 GiB block should take. */
static long expected_faults(const struct retired_list *list, uint64_t block,
			    const char *mode)
{
	uint64_t pmd_size = huge_pmd_size();
	long faults = 0;

	if (!strcmp(mode, "huge") && huge_pud_size() && !is_retired(list, block, GIB))
		return 1;
	for (uint64_t pmd = block; pmd < block + GIB; pmd += pmd_size) {
		if (!strcmp(mode, "huge") && !is_retired(list, pmd, pmd_size)) {
			faults++;
			continue;
		}
		for (uint64_t p = pmd; p < pmd + pmd_size; p += PAGE)
			faults += !is_retired(list, p, PAGE);
	}
	return faults;
}

static void test_entry_sizes(uint8_t *map, uint64_t size,
			     const struct retired_list *list, const char *mode)
{
	for (uint64_t block = 0; block + GIB <= size; block += GIB) {
		long want = expected_faults(list, block, mode), got;

		got = minor_faults();
		for (uint64_t p = block; p < block + GIB; p += PAGE)
			if (!is_retired(list, p, PAGE))
				map[p] = 1;
		got = minor_faults() - got;
		/* The test's own stack and data may fault once or twice. */
		tap_ok(got >= want && got <= want + 2,
		       "%s: 1 GiB block %#" PRIx64 " with%s retired memory: %ld faults, %ld wanted",
		       mode, block, is_retired(list, block, GIB) ? "" : "out",
		       got, want);
	}
}

static int test_faults(const char *dev, uint64_t size, uint64_t base,
		       const char *mode)
{
	struct retired_list list;
	int fd = open_dev(dev);
	uint8_t *map;

	if (fd < 0)
		return 1;
	if (!tap_ok(!get_list(fd, &list) && list.count, "the region has retired ranges"))
		return 1;
	map = map_region(fd, size);
	if (!tap_ok(map, "map the whole region"))
		return 1;
	if (strcmp(mode, "4k"))
		tap_note("mapping at %p, base %#" PRIx64, (void *)map, base);
	test_entry_sizes(map, size, &list, mode);
	for (uint32_t i = 0; i < list.count && i < 8; i++) {
		uint64_t off = list.ranges[i].offset;
		char what[64];

		snprintf(what, sizeof(what), "first byte of retired %#" PRIx64, off);
		poisoned_at(map + off, what);
		snprintf(what, sizeof(what), "last byte of retired %#" PRIx64, off);
		poisoned_at(map + off + list.ranges[i].size - 1, what);
	}
	if (list.count > 8)
		test_quietly_poisoned(map, &list, 8);
	test_neighbours(map, size, &list);
	munmap(map, size);
	close(fd);
	return tap_exit_status();
}

static bool retire_through_debugfs(const char *dev, uint64_t offset)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), "/sys/kernel/debug/nvgrace-egm/%s/retire",
		 strrchr(dev, '/') + 1);
	snprintf(text, sizeof(text), "%#" PRIx64 "\n", offset);
	if (write_file(path, text))
		return true;
	tap_note("write %s to %s: %s", text, path, strerror(errno));
	return false;
}

/*
 * An uncorrected memory error at @phys, as the CPU's machine check logs it
 * (mce-inject's software injection: the kernel decodes it as it would a
 * real one, and calls its decoders, which do not run memory_failure()).
 * QEMU's vCPUs are AMD's or, with vendor=GenuineIntel, Intel's: each has
 * its own encoding of a memory error.
 */
static bool cpu_is_intel(void)
{
	FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
	char line[256] = "";

	while (cpuinfo && fgets(line, sizeof(line), cpuinfo) &&
	       strncmp(line, "vendor_id", 9))
		;
	if (cpuinfo)
		fclose(cpuinfo);
	return strstr(line, "GenuineIntel");
}

static bool inject_machine_check(uint64_t phys, bool corrected)
{
	bool intel = cpu_is_intel();
	/* Intel: memory scrub; AMD: DRAM ECC (XEC 8); UC (bit 61) or not. */
	const char *status = intel ?
		(corrected ? "0x9c000000000000c0" : "0xbd000000000000c0") :
		(corrected ? "0x9c00000000080000" : "0xbc00000000080000");
	char path[128], addr[32];
	const char *files[][2] = {
		{ "flags", "sw" },
		{ "status", status },
		{ "misc", "0x86" },	/* a physical address, 64-byte grain */
		{ "addr", addr },
		{ "cpu", "0" },
		{ "bank", intel ? "1" : "4" },	/* last: it injects */
	};

	snprintf(addr, sizeof(addr), "%#" PRIx64, phys);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char text[32];

		/* flags wants the line as echo writes it. */
		snprintf(path, sizeof(path), "/sys/kernel/debug/mce-inject/%s",
			 files[i][0]);
		snprintf(text, sizeof(text), "%s\n", files[i][1]);
		if (!write_file(path, text)) {
			tap_note("write %s to %s: %s", files[i][1], path,
				 strerror(errno));
			return false;
		}
	}
	return true;
}

/* Little-endian fields of the firmware records, as ACPI and UEFI lay them out. */
static uint8_t *put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*p++ = v >> (8 * i);
	return p;
}

static void base64(const uint8_t *in, size_t len, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);

		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		*out++ = i + 1 < len ? abc[v >> 6 & 63] : '=';
		*out++ = i + 2 < len ? abc[v & 63] : '=';
	}
	*out = 0;
}

/*
 * What firmware writes for a memory error at @phys, recoverable or
 * @corrected: a Generic
 * Error Status Block (ACPI 18.3.2.7.1) holding one Generic Error Data Entry
 * (revision 3) whose section is a UEFI platform memory error (CPER, N.2.5)
 * with a valid physical address. Returns its length.
 */
static size_t memory_error_record(uint64_t phys, bool corrected, uint8_t *rec)
{
	/* a5bc1114-6f64-4ede-b863-3e83ed7c83b1, as the GUID is stored */
	static const uint8_t platform_memory[16] = {
		0x14, 0x11, 0xbc, 0xa5, 0x64, 0x6f, 0xde, 0x4e,
		0xb8, 0x63, 0x3e, 0x83, 0xed, 0x7c, 0x83, 0xb1,
	};
	enum { STATUS = 20, ENTRY = 72, SECTION = 80 };
	/* CPER severities: recoverable 0, corrected 2 */
	uint32_t severity = corrected ? 2 : 0;
	uint8_t *p = rec;

	memset(rec, 0, STATUS + ENTRY + SECTION);
	p = put_le(p, corrected ? 2 : 1, 4);	/* (un)correctable error valid */
	p = put_le(p, 0, 4);			/* no raw data */
	p = put_le(p, 0, 4);
	p = put_le(p, ENTRY + SECTION, 4);	/* data length */
	p = put_le(p, severity, 4);
	memcpy(p, platform_memory, 16);
	p = put_le(p + 16, severity, 4);
	p = put_le(p, 0x300, 2);		/* revision 3 */
	p = put_le(p, 0, 2);			/* validation bits, flags */
	p = put_le(p, SECTION, 4);
	p += 16 + 20 + 8;			/* FRU id, FRU text, time stamp */
	p = put_le(p, 1 << 1, 8);		/* physical address valid */
	p = put_le(p + 8, phys, 8);		/* after the error status */
	return STATUS + ENTRY + SECTION;
}

/* The guest's end of sim/run-guest.sh's QMP relay (platform statement ras). */
static int open_ras_port(void)
{
	char path[128], name[32];

	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 4; j++) {
			FILE *f;

			snprintf(path, sizeof(path),
				 "/sys/class/virtio-ports/vport%dp%d/name", i, j);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f) &&
			    !strncmp(name, "egm.ras", 7)) {
				fclose(f);
				snprintf(path, sizeof(path), "/dev/vport%dp%d", i, j);
				return open(path, O_RDWR | O_CLOEXEC);
			}
			fclose(f);
		}
	}
	errno = ENOENT;
	return -1;
}

/* Sends one QMP command and waits for its answer: true on "return". */
static bool qmp(int port, const char *command)
{
	char answer[4096];
	size_t len = 0;

	if (write(port, command, strlen(command)) != (ssize_t)strlen(command))
		return false;
	for (int i = 0; i < 100; i++) {
		struct pollfd pfd = { .fd = port, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(port, answer + len, sizeof(answer) - 1 - len);
		if (n <= 0)
			continue;
		len += n;
		answer[len] = 0;
		/* The monitor stays connected across injections. */
		if (strstr(answer, "negotiation is already complete"))
			return true;
		if (strstr(answer, "\"error\"")) {
			tap_note("QMP: %s", answer);
			return false;
		}
		if (strstr(answer, "\"return\""))
			return true;
		if (len > sizeof(answer) / 2)
			len = 0;	/* greetings and events */
	}
	tap_note("QMP: no answer to %s", command);
	return false;
}

/* A firmware error record for a memory error at @phys, through QEMU. */
static bool inject_ghes(uint64_t phys, bool corrected)
{
	uint8_t rec[256];
	char command[512], b64[400];
	int port = open_ras_port();
	bool ok;

	if (port < 0) {
		tap_note("no egm.ras port (platform statement ras): %s",
			 strerror(errno));
		return false;
	}
	base64(rec, memory_error_record(phys, corrected, rec), b64);
	snprintf(command, sizeof(command),
		 "{\"execute\": \"inject-ghes-v2-error\", \"arguments\": {\"cper\": \"%s\"}}\n",
		 b64);
	ok = qmp(port, "{\"execute\": \"qmp_capabilities\"}\n") &&
	     qmp(port, command);
	close(port);
	return ok;
}

/*
 * A memory error at @phys, uncorrected or @corrected, as this simulated
 * host reports one: a firmware record where the platform has the port for
 * it (arm64, ras), else a machine check.
 */
static bool inject_memory_error(uint64_t phys, bool corrected)
{
	int port = open_ras_port();

	if (port < 0)
		return inject_machine_check(phys, corrected);
	close(port);
	return inject_ghes(phys, corrected);
}

/* Memory errors are retired by a work item: wait for it, 10 s at most. */
static bool wait_retired(int fd, uint64_t offset, uint64_t len)
{
	struct retired_list list;

	for (int i = 0; i < 1000; i++) {
		if (!get_list(fd, &list) && is_retired(&list, offset, len))
			return true;
		usleep(10000);
	}
	return false;
}

static uint64_t region_base(const char *dev)
{
	char path[128], text[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/egm/%s/base",
		 strrchr(dev, '/') + 1);
	f = fopen(path, "r");
	if (!f || !fgets(text, sizeof(text), f))
		tap_note("cannot read %s", path);
	if (f)
		fclose(f);
	return strtoull(text, NULL, 0);
}

/*
 * One page in each @stride of the mapping within 2 GiB of [@skip_start,
 * @skip_end) but outside it and outside retired memory (all of a small
 * region; at a GB200's size the simulated host would have to back every
 * page touched): a byte of each is read; returns the faults that took.
 */
static long touch_strided(uint8_t *map, uint64_t size, uint64_t stride,
			  uint64_t skip_start, uint64_t skip_end,
			  const struct retired_list *list, unsigned int *touched)
{
	uint64_t reach = 2ULL << 30;
	uint64_t from = skip_start > reach ? (skip_start - reach) / stride * stride : 0;
	uint64_t to = size - skip_end > reach ? skip_end + reach : size;
	long faults = minor_faults();

	*touched = 0;
	for (uint64_t p = from; p < to; p += stride) {
		if ((p >= skip_start && p < skip_end) || is_retired(list, p, PAGE))
			continue;
		(void)*(volatile uint8_t *)(map + p);
		(*touched)++;
	}
	return minor_faults() - faults;
}

/*
 * Retires the block at @offset under a live mapping: through debugfs
 * (@phys 0) or by a memory error at @phys.
 */
static int test_runtime(const char *dev, uint64_t size, uint64_t offset,
			const char *mode, uint64_t phys)
{
	uint64_t block = 64 * 1024, first = offset & ~(block - 1);
	uint64_t before = first - PAGE, after = first + block;
	uint64_t base = region_base(dev), entry, stride, span_start, span_end;
	struct retired_list list;
	int fd = open_dev(dev);
	unsigned int touched;
	uint8_t *map;
	long faults;

	if (fd < 0)
		return 1;
	map = map_region(fd, size);
	if (!tap_ok(map, "map the whole region"))
		return 1;
	fill_page(map + before, before);
	fill_page(map + offset, offset);
	fill_page(map + after, after);
	tap_ok(!get_list(fd, &list) && !is_retired(&list, first, block),
	       "block %#" PRIx64 " is not retired yet", first);
	/*
	 * The retirement may zap the largest entry that can hold the block,
	 * and nothing beyond it: memory elsewhere stays mapped.
	 */
	entry = strcmp(mode, "4k") ? largest_huge_entry() : PAGE;
	stride = entry > huge_pmd_size() ? entry : huge_pmd_size();
	span_start = ((base + first) & ~(entry - 1)) < base ? 0 :
		     ((base + first) & ~(entry - 1)) - base;
	span_end = ((base + first + block + entry - 1) & ~(entry - 1)) - base;
	touch_strided(map, size, stride, span_start, span_end, &list, &touched);

	if (phys) {
		tap_ok(inject_memory_error(phys, false),
		       "a memory error at %#" PRIx64 " (offset %#" PRIx64 ")",
		       phys, offset);
		tap_ok(wait_retired(fd, first, block),
		       "the driver retires its block");
	} else {
		tap_ok(retire_through_debugfs(dev, offset),
		       "retire offset %#" PRIx64 " through debugfs", offset);
	}
	faults = touch_strided(map, size, stride, span_start, span_end, &list,
			       &touched);
	tap_ok(faults <= 2,
	       "%u pages outside the %#" PRIx64 "-byte entry of the block stay mapped (%ld faults)",
	       touched, entry, faults);
	poisoned_at(map + offset, "the retired block, under a live mapping");
	poisoned_at(map + first, "its first byte");
	faults = minor_faults();
	tap_ok(page_matches(map + before, before) &&
	       page_matches(map + after, after),
	       "the pages around it fault back in with their data");
	faults = minor_faults() - faults;
	if (strcmp(mode, "4k"))
		tap_note("%s: %ld faults to reach both neighbours again", mode,
			 faults);
	tap_ok(!get_list(fd, &list) && is_retired(&list, first, block) &&
	       !is_retired(&list, before, PAGE) && !is_retired(&list, after, PAGE),
	       "the list has [%#" PRIx64 ", +64 KiB) and not its neighbours",
	       first);
	if (phys)
		tap_ok(inject_memory_error(phys ^ PAGE, false) &&
		       wait_retired(fd, first, block) && !get_list(fd, &list) &&
		       is_retired(&list, first, block),
		       "a second error in the block is harmless");
	else
		tap_ok(retire_through_debugfs(dev, offset + 1),
		       "retiring it again is harmless");
	munmap(map, size);

	/* A new mapping has the hole too. */
	map = map_region(fd, size);
	if (tap_ok(map, "map the region again")) {
		poisoned_at(map + first + block - 1, "the retired block in a new mapping");
		tap_ok(page_matches(map + after, after), "its neighbour in a new mapping");
		munmap(map, size);
	}
	close(fd);
	return tap_exit_status();
}

static volatile sig_atomic_t ao_count;
static siginfo_t ao_info;

static void on_sigbus_ao(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	ao_info = *info;
	ao_count++;
}

/*
 * The kernel's memory-failure handling of a page of the region at @offset,
 * as an early-kill process that maps it (QEMU is one) meets it: a child
 * reports the page through /sys/devices/system/memory/hard_offline_page
 * (memory_failure() with MF_SW_SIMULATED); this process gets SIGBUS with
 * BUS_MCEERR_AO at its address, the driver retires the block, and a touch
 * gets BUS_MCEERR_AR.
 */
static int test_memory_failure(const char *dev, uint64_t size, uint64_t offset,
			       uint64_t phys)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus_ao,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	uint64_t block = 64 * 1024, first = offset & ~(block - 1);
	uint64_t page = offset & ~(PAGE - 1), after = first + block;
	int fd = open_dev(dev), status;
	uint8_t *map;
	pid_t child;

	if (fd < 0)
		return 1;
	tap_ok(!prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0),
	       "this process asks for early kill, as QEMU does");
	map = map_region(fd, size);
	if (!tap_ok(map, "map the whole region"))
		return 1;
	fill_page(map + page, page);
	fill_page(map + after, after);
	sigaction(SIGBUS, &sa, NULL);
	/* A program of its own, so that it does not map the region too. */
	child = fork();
	if (!child) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd),
			 "echo %#" PRIx64 " >/sys/devices/system/memory/hard_offline_page",
			 phys);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	tap_ok(child > 0 && waitpid(child, &status, 0) == child &&
	       WIFEXITED(status) && !WEXITSTATUS(status),
	       "another process reports a memory failure at %#" PRIx64, phys);
	for (int i = 0; i < 500 && !ao_count; i++)
		usleep(10000);
	signal(SIGBUS, SIG_DFL);
	tap_ok(ao_count == 1 && ao_info.si_code == BUS_MCEERR_AO &&
	       ao_info.si_addr == (void *)(map + page) &&
	       ao_info.si_addr_lsb == __builtin_ctzll(PAGE),
	       "SIGBUS BUS_MCEERR_AO at %p, the page (%d signal(s), code %d addr %p lsb %d)",
	       (void *)(map + page), (int)ao_count, ao_count ? ao_info.si_code : 0,
	       ao_count ? ao_info.si_addr : NULL,
	       ao_count ? ao_info.si_addr_lsb : 0);
	tap_ok(wait_retired(fd, first, block), "the driver retires its block");
	poisoned_at(map + offset, "then a touch of it");
	tap_ok(page_matches(map + after, after),
	       "the next block faults back in with its data");
	munmap(map, size);
	close(fd);
	return tap_exit_status();
}

/* For the demo: what a VMM sees when it reads the byte at @offset. */
static int touch_offset(const char *dev, uint64_t offset)
{
	uint64_t start = offset & ~(PAGE - 1);
	int fd = open_dev(dev);
	siginfo_t info;
	uint8_t *map, value;

	if (fd < 0)
		return 1;
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, start);
	close(fd);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (touch(map + (offset - start), &info, &value) != SIGBUS)
		printf("offset %#" PRIx64 ": read %#x\n", offset, value);
	else
		printf("offset %#" PRIx64 ": SIGBUS, si_code %s, si_addr %p = the byte read\n",
		       offset, info.si_code == BUS_MCEERR_AR ? "BUS_MCEERR_AR" : "other",
		       info.si_addr);
	munmap(map, PAGE);
	return 0;
}

static int with_dev_mem(uint64_t phys, uint64_t len, int (*fn)(uint8_t *, uint64_t, uint64_t))
{
	int fd = open("/dev/mem", O_RDWR);
	uint8_t *map;
	int ret;

	if (fd < 0) {
		perror("/dev/mem");
		return 1;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, phys);
	close(fd);
	if (map == MAP_FAILED) {
		perror("mmap /dev/mem");
		return 1;
	}
	ret = fn(map, phys, len);
	munmap(map, len);
	return ret;
}

static int fill_phys(uint8_t *map, uint64_t phys, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE)
		fill_page(map + off, phys + off);
	return 0;
}

static int print_phys_state(uint8_t *map, uint64_t phys, uint64_t len)
{
	uint64_t pattern = 0, zero = 0;

	for (uint64_t off = 0; off < len; off += PAGE) {
		static const uint8_t zeroes[PAGE_MAX];

		pattern += page_matches(map + off, phys + off);
		zero += !memcmp(map + off, zeroes, PAGE);
	}
	printf("%s\n", pattern == len / PAGE ? "pattern" :
	       zero == len / PAGE ? "zero" : "mixed");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "list"))
		return print_list(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "page-size"))
		return printf("%" PRIu64 "\n", PAGE) < 0;
	if (argc == 3 && !strcmp(argv[1], "ioctl-input"))
		return test_ioctl_input(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "faults"))
		return test_faults(argv[2], strtoull(argv[3], NULL, 0),
				   strtoull(argv[4], NULL, 0), argv[5]);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "runtime"))
		return test_runtime(argv[2], strtoull(argv[3], NULL, 0),
				    strtoull(argv[4], NULL, 0), argv[5],
				    argc == 7 ? strtoull(argv[6], NULL, 0) : 0);
	if (argc == 6 && !strcmp(argv[1], "memory-failure"))
		return test_memory_failure(argv[2], strtoull(argv[3], NULL, 0),
					   strtoull(argv[4], NULL, 0),
					   strtoull(argv[5], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "inject-many")) {
		uint64_t phys = strtoull(argv[2], NULL, 0);
		uint64_t step = strtoull(argv[3], NULL, 0);
		unsigned long n = strtoul(argv[4], NULL, 0);

		for (unsigned long i = 0; i < n; i++)
			if (!inject_memory_error(phys + i * step, false))
				return 1;
		return 0;
	}
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "corrected"))) &&
	    !strcmp(argv[1], "inject"))
		return !inject_memory_error(strtoull(argv[2], NULL, 0),
					    argc == 4);
	if (argc == 4 && !strcmp(argv[1], "touch"))
		return touch_offset(argv[2], strtoull(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "fill-phys"))
		return with_dev_mem(strtoull(argv[2], NULL, 0),
				    strtoull(argv[3], NULL, 0), fill_phys);
	if (argc == 4 && !strcmp(argv[1], "phys-state"))
		return with_dev_mem(strtoull(argv[2], NULL, 0),
				    strtoull(argv[3], NULL, 0), print_phys_state);
	fprintf(stderr, "usage: egm-retired-test list|ioctl-input DEV\n"
			"       egm-retired-test page-size\n"
			"       egm-retired-test faults DEV SIZE BASE huge|4k\n"
			"       egm-retired-test runtime DEV SIZE OFFSET huge|4k [PHYS]\n"
			"       egm-retired-test touch DEV OFFSET\n"
			"       egm-retired-test inject PHYS [corrected]\n"
			"       egm-retired-test inject-many PHYS STEP COUNT\n"
			"       egm-retired-test memory-failure DEV SIZE OFFSET PHYS\n"
			"       egm-retired-test fill-phys|phys-state PHYS LEN\n");
	return 2;
}
