// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-guest tests of /dev/egmN: open, llseek, mmap and revocation.
 *
 *   egm-test basics DEV SIZE BASE
 *   egm-test unbind-mapped DEV PLATFORM-DEVICE
 *   egm-test show-pattern DEV SIZE BASE   (for the demo: explains itself)
 *   egm-test peek-words PHYS COUNT   prints COUNT 32-bit words (/dev/mem)
 *   egm-test mapping DEV SIZE BASE huge|4k
 *                       entry sizes, fault and page-table costs, boundaries,
 *                       mprotect, fork, mremap, madvise
 *   egm-test split-race DEV SECONDS   splits a 1 GiB block being faulted in
 *   egm-test one-mapper DEV   one process maps a holding at a time
 *   egm-test scrub DEV SIZE [OPEN-LIMIT-MS]   no data survives a tenant; open waits, or not
 *   egm-test scrub-pattern DEV SIZE   just the first part of that
 *   egm-test open DEV [nonblock]   exit 0 if open() works, else print errno
 *   egm-test open-unload DEV   open, close, and remove the module at once
 *   egm-test map-exit-unload DEV...   a mapper exits; the module goes soon after
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mapping-cost.h"
#include "entry-sizes.h"
#include "pattern.h"
#include "test-files.h"
#include "tap.h"

#define DRIVER_DIR "/sys/bus/platform/drivers/nvgrace-egm"

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_signal;

static void on_fault(int sig)
{
	fault_signal = sig;
	siglongjmp(fault_jmp, 1);
}

/* Reads one 64-bit word; returns the signal it raised, or 0. */
static int probe_read(volatile uint64_t *addr, uint64_t *value)
{
	struct sigaction sa = { .sa_handler = on_fault };

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	fault_signal = 0;
	if (!sigsetjmp(fault_jmp, 1))
		*value = *addr;
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	return fault_signal;
}

static bool mmap_fails(int fd, size_t len, int flags, off_t off, int *err)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return false;
	}
	*err = errno;
	return true;
}

/*
 * An independent view of physical memory. x86 serves read() of /dev/mem only
 * below the end of RAM, so map it (needs iomem=relaxed on the guest).
 */
static bool physical_page_matches(uint64_t phys, uint64_t offset)
{
	int fd = open("/dev/mem", O_RDONLY);
	void *page;
	bool ok;

	if (fd < 0)
		return false;
	page = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, phys);
	close(fd);
	if (page == MAP_FAILED) {
		tap_note("mmap of /dev/mem at %#" PRIx64 ": %s", phys,
			 strerror(errno));
		return false;
	}
	ok = page_matches(page, offset);
	munmap(page, PAGE);
	return ok;
}

static void test_llseek(int fd, uint64_t size)
{
	tap_ok((uint64_t)lseek(fd, 0, SEEK_END) == size,
	       "SEEK_END reports the region size %" PRIu64, size);
	tap_ok(lseek(fd, 8192, SEEK_SET) == 8192 &&
	       lseek(fd, 16, SEEK_CUR) == 8208, "SEEK_SET and SEEK_CUR move");
	errno = 0;
	tap_ok(lseek(fd, 1, SEEK_END) < 0 && errno == EINVAL,
	       "seeking past the end is EINVAL");
	errno = 0;
	tap_ok(lseek(fd, -1, SEEK_SET) < 0 && errno == EINVAL,
	       "seeking before the start is EINVAL");
}

/* Exits 0 when an open of @dev from another process gets EBUSY. */
static bool busy_for_others(const char *dev)
{
	pid_t child = fork();
	int status;

	if (child == 0)
		_exit(open_errno(dev, 0) == EBUSY ? 0 : 1);
	waitpid(child, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_exclusive_open(const char *dev)
{
	tap_ok(busy_for_others(dev), "an open from another process gets EBUSY");
	tap_ok(open_errno(dev, 0) == 0,
	       "the holding process may open it again (QEMU: one open per backend)");
	tap_ok(busy_for_others(dev), "still EBUSY for others after that close");
}

static void test_bad_mmaps(int fd, uint64_t size)
{
	int err = 0;

	tap_ok(mmap_fails(fd, PAGE, MAP_PRIVATE, 0, &err) && err == EINVAL,
	       "MAP_PRIVATE is refused with EINVAL");
	tap_ok(mmap_fails(fd, size + PAGE, MAP_SHARED, 0, &err) && err == EINVAL,
	       "a mapping longer than the region is EINVAL");
	tap_ok(mmap_fails(fd, PAGE, MAP_SHARED, size, &err) && err == EINVAL,
	       "a mapping at the end offset is EINVAL");
	tap_ok(mmap_fails(fd, 2 * PAGE, MAP_SHARED, size - PAGE, &err) &&
	       err == EINVAL, "a mapping straddling the end is EINVAL");
	tap_ok(mmap_fails(fd, PAGE, MAP_SHARED, (off_t)1 << 62, &err),
	       "a huge offset is refused (errno %d)", err);
	tap_ok(mmap_fails(fd, PAGE, MAP_SHARED, INT64_MAX & ~(PAGE - 1), &err),
	       "an offset that overflows with the length is refused (errno %d)",
	       err);
}

/*
 * Whether the platform runs the testing build with regions handed out
 * unzeroed (lib.sh exports it): then nothing may expect a clean region.
 */
static bool contents_unknown(void)
{
	const char *v = getenv("EGM_CONTENTS_UNKNOWN");

	return v && !strcmp(v, "1");
}

/*
 * A read-only fd maps MAP_SHARED for reading, and not for writing. What it
 * reads is zero: the region was scrubbed after the last writer closed it.
 */
static void test_read_only_open(const char *dev, uint64_t last)
{
	static const uint8_t zero[PAGE_MAX];
	int fd = open(dev, O_RDONLY);
	uint8_t *map;

	if (!tap_ok(fd >= 0, "open read-only"))
		return;
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, last);
	if (contents_unknown())
		tap_ok(map != MAP_FAILED,
		       "a read-only fd maps MAP_SHARED, PROT_READ (contents unknown: zeros not checked)");
	else
		tap_ok(map != MAP_FAILED && !memcmp(map, zero, PAGE),
		       "a read-only fd maps MAP_SHARED, PROT_READ and reads zeros (scrubbed)");
	if (map != MAP_FAILED)
		munmap(map, PAGE);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_ok(map == MAP_FAILED && errno == EACCES,
	       "a read-only fd cannot map PROT_WRITE (EACCES)");
	close(fd);
}

static int test_basics(const char *dev, uint64_t size, uint64_t base)
{
	uint64_t last = size - PAGE;
	uint8_t *whole, *tail, *head;
	int fd, err;

	fd = open(dev, O_RDWR);
	if (!tap_ok(fd >= 0, "open %s", dev))
		return 1;
	test_llseek(fd, size);
	test_exclusive_open(dev);
	test_bad_mmaps(fd, size);

	whole = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(whole != MAP_FAILED, "MAP_SHARED of the whole region"))
		return 1;
	fill_page(whole, 0);
	fill_page(whole + last, last);

	tail = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, size - 2 * PAGE);
	head = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	tap_ok(tail != MAP_FAILED && head != MAP_FAILED,
	       "partial mappings at both ends");
	tap_ok(head != MAP_FAILED && page_matches(head, 0),
	       "first page reads back through a second mapping");
	tap_ok(tail != MAP_FAILED && page_matches(tail + PAGE, last),
	       "last page reads back through a third mapping");
	tap_ok(physical_page_matches(base, 0),
	       "first page is at the region's physical base (/dev/mem)");
	tap_ok(physical_page_matches(base + last, last),
	       "last page is at base + size - 4K (/dev/mem)");

	tap_ok(mremap(whole, size, size + PAGE, 0) == MAP_FAILED,
	       "mremap cannot grow a mapping");
	tap_ok(munmap(whole + PAGE, PAGE) == 0 && page_matches(whole, 0) &&
	       page_matches(whole + last, last),
	       "partial munmap leaves the rest mapped and correct");

	close(fd);
	tap_ok(busy_for_others(dev),
	       "the region stays busy while a mapping outlives its fd");
	munmap(whole, PAGE);
	munmap(whole + 2 * PAGE, size - 2 * PAGE);
	munmap(tail, 2 * PAGE);
	munmap(head, PAGE);
	err = open_errno(dev, 0);
	tap_ok(err == 0, "open succeeds once the last mapping is gone (%s)",
	       strerror(err));
	test_read_only_open(dev, last);
	return tap_exit_status();
}

/* mmap() of @fd in a child: 0 or its errno; the child writes a byte. */
static int child_mmap_errno(int fd)
{
	pid_t child = fork();
	int status;

	if (child == 0) {
		uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				  fd, 0);

		if (p == MAP_FAILED)
			_exit(errno);
		p[0] = 0x5a;
		_exit(0);
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/*
 * One process maps a holding at a time: a broker that opened the region
 * and passes the file (here by fork, as SCM_RIGHTS would) to two VMs can
 * give it to one only while that one maps it.
 */
static int test_one_mapper(const char *dev)
{
	int fd = open(dev, O_RDWR), err;
	uint8_t *map, *again;
	pid_t vm;
	int to_vm[2], from_vm[2], status;
	char c = 0;

	if (!tap_ok(fd >= 0, "the broker opens %s", dev))
		return 1;
	if (pipe(to_vm) || pipe(from_vm))
		return 1;
	vm = fork();
	if (vm == 0) {
		/* VM A: maps, says so, keeps the mapping until told. */
		map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		c = map == MAP_FAILED ? 'n' : 'y';
		if (write(from_vm[1], &c, 1) != 1 || read(to_vm[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	tap_ok(read(from_vm[0], &c, 1) == 1 && c == 'y',
	       "VM A maps the broker's file");
	err = child_mmap_errno(fd);
	tap_ok(err == EBUSY, "VM B's mmap() of the same file gets EBUSY (%s)",
	       strerror(err));
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_ok(map == MAP_FAILED && errno == EBUSY,
	       "so does the broker's own (%s)",
	       map == MAP_FAILED ? strerror(errno) : "mapped");
	if (map != MAP_FAILED)
		munmap(map, PAGE);
	tap_ok(write(to_vm[1], "x", 1) == 1 && waitpid(vm, &status, 0) == vm,
	       "VM A exits");

	/* Handed on once A no longer maps it (a VMM's successor, CPR). */
	err = child_mmap_errno(fd);
	tap_ok(!err, "then another process of the holding maps it (%s)",
	       strerror(err));
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	again = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	tap_ok(map != MAP_FAILED && again != MAP_FAILED && map[0] == 0x5a,
	       "and the broker maps it twice, seeing what it wrote");
	err = child_mmap_errno(fd);
	tap_ok(err == EBUSY,
	       "while the broker maps it, a child's mmap() gets EBUSY (%s)",
	       strerror(err));
	if (map != MAP_FAILED)
		munmap(map, 2 * PAGE);
	if (again != MAP_FAILED)
		munmap(again, PAGE);
	close(fd);
	close(to_vm[0]);
	close(to_vm[1]);
	close(from_vm[0]);
	close(from_vm[1]);
	return tap_exit_status();
}

static int test_unbind_mapped(const char *dev, const char *pdev)
{
	uint64_t value = 0;
	volatile uint64_t *map;
	struct stat st;
	int fd, err = 0;

	fd = open(dev, O_RDWR);
	if (!tap_ok(fd >= 0, "open %s", dev))
		return 1;
	map = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "map 16 pages"))
		return 1;
	map[0] = 0x1234;
	tap_ok(probe_read(map, &value) == 0 && value == 0x1234,
	       "the mapping works before unbind");

	tap_ok(write_file(DRIVER_DIR "/unbind", pdev),
	       "unbind %s while it is mapped", pdev);
	tap_ok(stat(dev, &st) < 0 && errno == ENOENT, "%s is gone", dev);
	tap_ok(probe_read(map, &value) == SIGBUS,
	       "touching a revoked page raises SIGBUS");
	tap_ok(probe_read(map + 8 * PAGE / 8, &value) == SIGBUS,
	       "touching a page never faulted in raises SIGBUS too");
	tap_ok(mmap_fails(fd, PAGE, MAP_SHARED, 0, &err) && err == ENODEV,
	       "a new mmap of the revoked file is ENODEV");

	munmap((void *)map, 16 * PAGE);
	close(fd);
	tap_ok(write_file(DRIVER_DIR "/bind", pdev), "bind %s again", pdev);
	err = open_errno(dev, 0);
	tap_ok(err == 0, "%s opens after rebinding (%s)", dev, strerror(err));
	return tap_exit_status();
}

/* Reads a message back through /dev/mem at a physical address. */
static bool physical_text_matches(uint64_t phys, const char *text)
{
	int fd = open("/dev/mem", O_RDONLY);
	char *page;
	bool ok;

	if (fd < 0)
		return false;
	page = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, phys & ~(PAGE - 1));
	close(fd);
	if (page == MAP_FAILED)
		return false;
	ok = !strcmp(page + (phys & (PAGE - 1)), text);
	tap_note("  /dev/mem at %#" PRIx64 " reads: \"%s\"", phys,
		 page + (phys & (PAGE - 1)));
	munmap(page, PAGE);
	return ok;
}

static int show_pattern(const char *dev, uint64_t size, uint64_t base)
{
	static const char first[] = "hello from the first byte of EGM";
	static const char last[] = "hello from the last page of EGM";
	uint64_t last_off = size - PAGE;
	char *map;
	int fd;

	fd = open(dev, O_RDWR);
	if (!tap_ok(fd >= 0, "open %s", dev))
		return 1;
	tap_note("lseek(fd, 0, SEEK_END) = %lld bytes (how QEMU sizes it)",
		 (long long)lseek(fd, 0, SEEK_END));
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "mmap(MAP_SHARED) of all %" PRIu64
		    " MiB", size >> 20))
		return 1;
	tap_note("writing two messages through the mapping at offsets 0 and %#"
		 PRIx64, last_off);
	strcpy(map, first);
	strcpy(map + last_off, last);
	tap_note("reading them back through /dev/mem, at the physical addresses:");
	tap_ok(physical_text_matches(base, first),
	       "offset 0 is physical address %#" PRIx64, base);
	tap_ok(physical_text_matches(base + last_off, last),
	       "offset %#" PRIx64 " is physical address %#" PRIx64, last_off,
	       base + last_off);
	munmap(map, size);
	close(fd);
	return tap_exit_status();
}

#define MIB (1UL << 20)
#define GIB (1UL << 30)

static uint8_t boundary_byte(uint64_t offset)
{
	return (uint8_t)(pattern_word(offset) | 1);
}

/* First and last byte of every 1 GiB and 2 MiB block, and of 4 KiB pages
 * around them: where entry sizes change, data must not shift.
 */
static unsigned int boundary_offsets(uint64_t size, uint64_t *out,
				     unsigned int max)
{
	static const uint64_t steps[] = { GIB, 2 * MIB };
	unsigned int n = 0;

	for (unsigned int s = 0; s < 2; s++) {
		for (uint64_t block = 0; block < size && n + 6 <= max;
		     block += steps[s]) {
			uint64_t end = block + steps[s] < size ? block + steps[s] : size;

			out[n++] = block;
			out[n++] = block + PAGE - 1;
			out[n++] = block + PAGE;
			out[n++] = end - PAGE - 1;
			out[n++] = end - PAGE;
			out[n++] = end - 1;
			if (steps[s] == 2 * MIB && block >= 8 * MIB)
				break;	/* the first few 2 MiB blocks suffice */
		}
	}
	return n;
}

/* What touching a mapping cost: its faults and new page tables. */
struct touch_cost {
	long faults;
	long pte_kb;
	uint64_t entries;	/* largest huge entries touched */
	uint64_t gibs;		/* GiBs touched */
};

/*
 * Touches a byte every @step of [@start, @end) of @map, writing or only
 * reading (the simulated host backs what is written, not what is read).
 */
static struct touch_cost touch_range(volatile uint8_t *map, uint64_t start,
				     uint64_t end, uint64_t step, bool write)
{
	uint64_t entry = largest_huge_entry();
	uint64_t last_entry = UINT64_MAX, last_gib = UINT64_MAX;
	struct touch_cost c = { minor_faults(), page_table_kb(), 0, 0 };

	for (uint64_t off = start; off < end; off += step) {
		if (write)
			map[off] = 1;
		else
			(void)map[off];
		c.entries += off / entry != last_entry;
		c.gibs += off / GIB != last_gib;
		last_entry = off / entry;
		last_gib = off / GIB;
	}
	c.faults = minor_faults() - c.faults;
	c.pte_kb = page_table_kb() - c.pte_kb;
	return c;
}

/*
 * Huge entries: one fault per largest entry touched (four more allowed:
 * this code's own pages and its stack may fault in on the first call), at
 * most 16 kB of page tables per GiB touched.
 */
static void check_huge_cost(const struct touch_cost *c, const char *what)
{
	tap_ok(c->faults >= (long)c->entries && c->faults <= (long)c->entries + 4,
	       "%s: %ld faults for %" PRIu64 " entries of %" PRIu64 " MiB touched",
	       what, c->faults, c->entries, largest_huge_entry() / MIB);
	tap_ok(c->pte_kb <= 16 * (long)c->gibs,
	       "%s: %ld kB of page tables for %" PRIu64 " GiB touched (16 kB a GiB at most)",
	       what, c->pte_kb, c->gibs);
}

static void test_entry_costs(int fd, uint64_t size, uint64_t base,
			     const char *expect)
{
	uint64_t entry = largest_huge_entry(), pages = size / PAGE;
	/* A page-table page of 8-byte entries per PAGE * PAGE / 8 bytes. */
	long pte_kb_per_mib = (long)(MIB / PAGE * 8 / 1024);
	long faults, pte_kb, pte_before = page_table_kb();
	struct touch_cost cost;
	volatile uint8_t *map;

	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "map the whole region with mmap(NULL)"))
		return;
	if (!strcmp(expect, "huge"))
		tap_ok(((uintptr_t)map - base) % entry == 0,
		       "get_unmapped_area placed it congruent to %" PRIu64 " MiB (%p)",
		       entry / MIB, (void *)map);
	pte_kb = page_table_kb() - pte_before;
	cost = touch_range(map, 0, size, PAGE, true);
	faults = cost.faults;
	pte_kb += cost.pte_kb;
	tap_note("%s: touching %" PRIu64 " MiB took %ld faults and added %ld kB of page tables",
		 expect, size / MIB, faults, pte_kb);
	if (!strcmp(expect, "huge")) {
		check_huge_cost(&cost, "huge: every page written");
	} else {
		tap_ok(faults >= (long)pages, "4k: a fault per page (%ld)", faults);
		tap_ok(pte_kb >= (long)(size / MIB) * pte_kb_per_mib * 9 / 10,
		       "4k: about %ld kB of page tables per MiB (%ld kB)",
		       pte_kb_per_mib, pte_kb);
	}
	munmap((void *)map, size);
}

static void test_boundaries(int fd, uint64_t size, uint64_t base)
{
	static uint64_t offs[512];
	unsigned int n = boundary_offsets(size, offs, 512), bad = 0, phys_bad = 0;
	uint64_t skew = 2 * MIB + PAGE, skew_len = size - 2 * skew;
	uint8_t *whole, *skewed;
	int mem = open("/dev/mem", O_RDONLY);

	whole = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	skewed = mmap(NULL, skew_len, PROT_READ, MAP_SHARED, fd, skew);
	if (!tap_ok(whole != MAP_FAILED && skewed != MAP_FAILED,
		    "an aligned and a skewed (offset 2M+4K) mapping"))
		return;
	for (unsigned int i = 0; i < n; i++)
		whole[offs[i]] = boundary_byte(offs[i]);
	for (unsigned int i = 0; i < n; i++) {
		if (whole[offs[i]] != boundary_byte(offs[i]))
			bad++;
		if (offs[i] >= skew && offs[i] < skew + skew_len &&
		    skewed[offs[i] - skew] != boundary_byte(offs[i]))
			bad++;
	}
	/* /dev/mem read() stops at the end of RAM on x86: map each page. */
	for (unsigned int i = 0; i < n; i += 7) {
		uint64_t page = (base + offs[i]) & ~(PAGE - 1);
		uint8_t *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, mem, page);

		if (p == MAP_FAILED || p[(base + offs[i]) - page] !=
		    boundary_byte(offs[i]))
			phys_bad++;
		if (p != MAP_FAILED)
			munmap(p, PAGE);
	}
	tap_ok(!bad, "%u boundary bytes (4K, 2M, 1G blocks) agree in both mappings (%u bad)",
	       n, bad);
	tap_ok(!phys_bad, "boundary bytes sit at base + offset (/dev/mem, %u bad)",
	       phys_bad);
	if (mem >= 0)
		close(mem);
	munmap(skewed, skew_len);
	munmap(whole, size);
}

/* Split a huge block at an address that is not even 2 MiB aligned. */
static void test_split_huge_block(uint8_t *map)
{
	struct sigaction sa = { .sa_handler = on_fault };
	uint64_t value = 0;

	tap_ok(mprotect(map + GIB / 2 + PAGE, PAGE, PROT_READ) == 0,
	       "mprotect one page inside a 1 GiB block read-only");
	tap_ok(probe_read((uint64_t *)(map + GIB / 2), &value) == 0 &&
	       value == pattern_word(GIB / 2), "data around it is intact");
	sigaction(SIGSEGV, &sa, NULL);
	fault_signal = 0;
	if (!sigsetjmp(fault_jmp, 1))
		map[GIB / 2 + PAGE] = 1;
	signal(SIGSEGV, SIG_DFL);
	tap_ok(fault_signal == SIGSEGV,
	       "writing the read-only page raises SIGSEGV");
	tap_ok(mprotect(map + GIB / 2 + PAGE, PAGE, PROT_READ | PROT_WRITE) == 0,
	       "mprotect it writable again");
}

static void test_vma_operations(int fd, uint64_t size)
{
	uint64_t value = 0, len = size < 2 * GIB ? size : 2 * GIB;
	uint8_t *map, *moved, *hole;
	pid_t child;
	int status;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "map %" PRIu64 " MiB for VMA operations",
		    len / MIB))
		return;
	for (uint64_t off = 0; off < len; off += 2 * MIB)
		*(uint64_t *)(map + off) = pattern_word(off);

	test_split_huge_block(map);

	child = fork();
	if (child == 0)
		_exit(probe_read((uint64_t *)(map + 6 * MIB), &value) == SIGSEGV ?
		      0 : 1);
	waitpid(child, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "a forked child has no copy of the mapping (SIGSEGV)");
	tap_ok(*(uint64_t *)(map + 6 * MIB) == pattern_word(6 * MIB),
	       "the parent's mapping is intact after the fork");

	errno = 0;
	status = madvise(map, 4 * MIB, MADV_DONTNEED);
	tap_ok((status == 0 || errno == EINVAL) &&
	       *(uint64_t *)(map + 2 * MIB) == pattern_word(2 * MIB),
	       "MADV_DONTNEED %s and the data is still there",
	       status ? "is refused (EINVAL)" : "drops entries");

	/*
	 * Move a fresh, huge-mapped 1 GiB to an address that is not 2 MiB
	 * aligned (the mapping above was split by mprotect: VM_PFNMAP areas
	 * never merge again).
	 */
	moved = mmap(NULL, GIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_ok(moved != MAP_FAILED &&
	       *(uint64_t *)(moved + 10 * MIB) == pattern_word(10 * MIB),
	       "a fresh 1 GiB mapping faults in");
	hole = mmap(NULL, GIB + 4 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	moved = mremap(moved, GIB, GIB, MREMAP_MAYMOVE | MREMAP_FIXED,
		       hole + PAGE);
	tap_ok(moved != MAP_FAILED, "mremap moves it to an unaligned address (%s)",
	       moved == MAP_FAILED ? strerror(errno) : "moved");
	if (moved != MAP_FAILED) {
		tap_ok(*(uint64_t *)(moved + 10 * MIB) == pattern_word(10 * MIB) &&
		       *(uint64_t *)(moved + GIB - 2 * MIB) ==
		       pattern_word(GIB - 2 * MIB),
		       "the moved mapping shows the same data");
		munmap(moved, GIB);
	}
	munmap(hole, GIB + 4 * MIB);
	munmap(map, len);
}

static int test_mapping(const char *dev, uint64_t size, uint64_t base,
			const char *expect)
{
	int fd = open(dev, O_RDWR);

	if (!tap_ok(fd >= 0, "open %s", dev))
		return 1;
	test_entry_costs(fd, size, base, expect);
	test_boundaries(fd, size, base);
	test_vma_operations(fd, size);
	close(fd);
	return tap_exit_status();
}

static int peek_words(uint64_t phys, unsigned int count)
{
	int fd = open("/dev/mem", O_RDONLY);
	uint64_t page = phys & ~(PAGE - 1);
	uint32_t *words;
	uint8_t *map;

	if (fd < 0 || count > (PAGE - (phys - page)) / 4)
		return 1;
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, page);
	close(fd);
	if (map == MAP_FAILED)
		return 1;
	words = (uint32_t *)(map + (phys - page));
	for (unsigned int i = 0; i < count; i++)
		printf("%s%08x", i ? " " : "", words[i]);
	printf("\n");
	munmap(map, PAGE);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The region's scrub state from sysfs ("clean", "scrubbing", ...). */
static const char *read_scrub_state(const char *name)
{
	static char state[32];

	return read_region_attr(name, "scrub_state", state, sizeof(state));
}

static bool wait_for_state(const char *name, const char *want, double ms)
{
	double end = now_ms() + ms;

	while (strcmp(read_scrub_state(name), want)) {
		if (now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* Offsets of the first and last byte of every 1 GiB and 2 MiB block. */
static unsigned int edge_offsets(uint64_t size, uint64_t *out, unsigned int max)
{
	unsigned int n = 0;

	for (uint64_t block = 0; block < size && n + 2 <= max; block += 2 * MIB) {
		out[n++] = block;
		out[n++] = (block + 2 * MIB < size ? block + 2 * MIB : size) - 1;
	}
	return n;
}

/* Counts the nonzero 64-bit words of the whole mapping. */
static uint64_t nonzero_words(const uint8_t *map, uint64_t size)
{
	const uint64_t *w = (const uint64_t *)map;
	uint64_t bad = 0;

	for (uint64_t i = 0; i < size / 8; i++)
		bad += w[i] != 0;
	return bad;
}

/*
 * One tenant fills the region; the next one finds every byte zero, at
 * every block edge too.
 */
static void test_pattern_is_gone(const char *dev, const char *name,
				 uint64_t size)
{
	static uint64_t edges[4096];
	unsigned int n = edge_offsets(size, edges, 4096), bad_edges = 0;
	double waited;
	uint8_t *map;
	int fd = open(dev, O_RDWR);

	if (!tap_ok(fd >= 0, "the first tenant opens %s", dev))
		return;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "and maps all of it"))
		return;
	memset(map, 0xa5, size);
	munmap(map, size);
	close(fd);
	tap_ok(!strcmp(read_scrub_state(name), "scrubbing"),
	       "its close starts a scrub right away (state %s)",
	       read_scrub_state(name));

	waited = now_ms();
	fd = open(dev, O_RDWR);
	waited = now_ms() - waited;
	if (!tap_ok(fd >= 0, "the next tenant's open waits for the scrub, then succeeds (%.0f ms)",
		    waited))
		return;
	tap_ok(!strcmp(read_scrub_state(name), "in_use"), "the state is in_use");
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "the next tenant maps all of it"))
		return;
	for (unsigned int i = 0; i < n; i++)
		bad_edges += map[edges[i]] != 0;
	tap_ok(!bad_edges, "the first and last byte of every 2 MiB block are zero (%u of %u not)",
	       bad_edges, n);
	tap_ok(nonzero_words(map, size) == 0,
	       "every byte of the %" PRIu64 " MiB is zero", size / MIB);
	munmap(map, size);
	close(fd);
}

/* open() of a clean region does not wait, whatever its size. */
static void test_clean_open_is_instant(const char *dev, const char *name,
				       double limit_ms)
{
	double worst = 0;

	for (int i = 0; i < 3; i++) {
		double t;
		int fd;

		if (!wait_for_state(name, "clean", 120000))
			break;
		t = now_ms();
		fd = open(dev, O_RDWR);
		t = now_ms() - t;
		if (fd < 0)
			break;
		worst = t > worst ? t : worst;
		close(fd);
	}
	tap_ok(worst > 0 && worst < limit_ms,
	       "open() of a clean region takes under %g ms (worst of 3: %.3f ms)",
	       limit_ms, worst);
}

/* Opens and closes, so that a scrub starts; returns false on failure. */
static bool start_scrub(const char *dev, const char *name)
{
	int fd;

	if (!wait_for_state(name, "clean", 120000))
		return false;
	fd = open(dev, O_RDWR);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void test_nonblocking_open(const char *dev, const char *name)
{
	int fd, err;

	if (!tap_ok(start_scrub(dev, name), "a scrub is started"))
		return;
	fd = open(dev, O_RDWR | O_NONBLOCK);
	err = fd < 0 ? errno : 0;
	tap_ok(err == EAGAIN, "O_NONBLOCK open during the scrub gets EAGAIN (%s, state %s)",
	       strerror(err), read_scrub_state(name));
	if (fd >= 0)
		close(fd);
	tap_ok(wait_for_state(name, "clean", 120000), "the scrub still ends clean");
}

/* Where a task sleeps, from /proc/PID/wchan. */
static void task_wchan(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	buf[0] = 0;
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = 0;
		fclose(f);
	}
}

/*
 * A waiter killed in open() dies at once (the kernel's wait returns
 * -EINTR; a killed task cannot report it) and the scrub goes on.
 */
static void test_killed_waiter(const char *dev, const char *name)
{
	char wchan[64] = "";
	double killed_at, died_in;
	pid_t child;
	int status;

	if (!tap_ok(start_scrub(dev, name), "a scrub is started"))
		return;
	child = fork();
	if (child == 0) {
		int fd = open(dev, O_RDWR);

		_exit(fd >= 0 ? 0 : 1);
	}
	for (int i = 0; i < 200 && !strstr(wchan, "egm"); i++) {
		usleep(1000);
		task_wchan(child, wchan, sizeof(wchan));
	}
	tap_ok(strstr(wchan, "egm"),
	       "a second process sleeps in open() during the scrub (wchan %s, state %s)",
	       wchan, read_scrub_state(name));
	killed_at = now_ms();
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	died_in = now_ms() - killed_at;
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "SIGKILL ends it in open()");
	tap_ok(died_in < 100, "at once (%.1f ms), not at the end of the scrub",
	       died_in);
	tap_ok(!strcmp(read_scrub_state(name), "scrubbing") ||
	       !strcmp(read_scrub_state(name), "clean"),
	       "the scrub goes on (state %s)", read_scrub_state(name));
	tap_ok(wait_for_state(name, "clean", 120000), "and ends clean");
}

/* Does this uevent say that region @name became clean? */
static bool is_clean_uevent(const char *msg, size_t len, const char *name)
{
	bool ours = false, clean = false;
	size_t name_len = strlen(name);

	for (size_t i = 0; i < len; i += strlen(msg + i) + 1) {
		const char *field = msg + i;
		size_t flen = strlen(field);

		if (!strncmp(field, "DEVPATH=", 8) && flen > name_len &&
		    !strcmp(field + flen - name_len, name) &&
		    field[flen - name_len - 1] == '/')
			ours = true;
		if (!strcmp(field, "EGM_SCRUB_STATE=clean"))
			clean = true;
	}
	return ours && clean;
}

/* Tools can wait for a clean region without polling: a change uevent. */
static void test_clean_uevent(const char *dev, const char *name)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timeval timeout = { .tv_sec = 120 };
	char msg[4096];
	bool seen = false;
	unsigned int earlier = 0;
	int sock = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);

	if (!tap_ok(sock >= 0 && !bind(sock, (struct sockaddr *)&addr, sizeof(addr)),
		    "listen to kernel uevents"))
		return;
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (!tap_ok(start_scrub(dev, name), "a scrub is started")) {
		close(sock);
		return;
	}
	/*
	 * The scrub before ours (start_scrub waits for it) may have sent
	 * its clean event after the socket was bound: that one arrives while
	 * ours runs, and does not count.
	 */
	while (!seen) {
		ssize_t len = recv(sock, msg, sizeof(msg) - 1, 0);

		if (len <= 0)
			break;
		msg[len] = 0;
		if (!is_clean_uevent(msg, len, name))
			continue;
		seen = !strcmp(read_scrub_state(name), "clean");
		if (!seen)
			earlier++;
	}
	tap_ok(seen, "a clean uevent arrives for %s, the state clean then (%u before it)",
	       name, earlier);
	close(sock);
}

/*
 * egm-test open-unload DEV: opens and closes DEV (starting a scrub), then
 * removes the module at once, with no process start between the two that
 * a slow guest could let the scrub outlast. Prints the scrub's progress
 * at the close; exits 0 if the module went.
 */
static int open_then_unload(const char *dev)
{
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	char progress[32];
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	read_region_attr(name, "scrub_progress", progress, sizeof(progress));
	if (syscall(SYS_delete_module, "nvgrace_egm", O_NONBLOCK)) {
		printf("%s delete_module: %s\n", progress, strerror(errno));
		return 1;
	}
	printf("%s\n", progress);
	return 0;
}

/*
 * egm-test map-exit-unload DEV...: a child maps each DEV and exits; the
 * module must come out within 3 s, without anything reading dma_owners
 * (which drops gone owners itself): the child's exit alone must make the
 * driver let go of it, sooner than its 10 s look at live owners, however
 * many regions it mapped. Prints how long it took.
 */
static int map_exit_then_unload(char **devs, int nr_devs)
{
	double start;
	pid_t child;
	int status;

	child = fork();
	if (child == 0) {
		for (int i = 0; i < nr_devs; i++) {
			int fd = open(devs[i], O_RDWR);
			char *map = fd < 0 ? MAP_FAILED :
				    mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					 MAP_SHARED, fd, 0);

			if (map == MAP_FAILED)
				_exit(1);
			map[0] = 1;
		}
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("the child could not map the regions\n");
		return 1;
	}
	start = now_ms();
	while (syscall(SYS_delete_module, "nvgrace_egm", O_NONBLOCK)) {
		if (errno != EWOULDBLOCK || now_ms() - start > 3000) {
			printf("still in use after %.0f ms: %s\n",
			       now_ms() - start, strerror(errno));
			return 1;
		}
		usleep(10000);
	}
	printf("%.0f ms\n", now_ms() - start);
	return 0;
}

/* egm-test open DEV [nonblock]: exit 0 if open() succeeds, else print errno. */
static int try_open(const char *dev, bool nonblock)
{
	int fd = open(dev, O_RDWR | (nonblock ? O_NONBLOCK : 0));

	if (fd < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	close(fd);
	return 0;
}

/* The scrub starts when the last mapping goes, not when the fd closes. */
static void test_scrub_waits_for_mappings(const char *dev, const char *name)
{
	uint8_t *map;
	int fd;

	if (!tap_ok(wait_for_state(name, "clean", 120000), "%s is clean", name))
		return;
	fd = open(dev, O_RDWR);
	if (!tap_ok(fd >= 0, "open %s", dev))
		return;
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (!tap_ok(map != MAP_FAILED, "a mapping outlives its fd"))
		return;
	map[0] = 0x5a;
	tap_ok(!strcmp(read_scrub_state(name), "in_use"),
	       "no scrub while it is mapped (state %s)", read_scrub_state(name));
	tap_ok(map[0] == 0x5a, "the mapping keeps its data");
	munmap(map, PAGE);
	tap_ok(!strcmp(read_scrub_state(name), "scrubbing"),
	       "the scrub starts when the mapping goes (state %s)",
	       read_scrub_state(name));
}

/* Two waiters: one gets the clean region, the other EBUSY. */
static void test_two_waiters(const char *dev, const char *name)
{
	pid_t children[2];
	int got = 0, busy = 0, status;

	if (!tap_ok(start_scrub(dev, name), "a scrub is started"))
		return;
	for (int i = 0; i < 2; i++) {
		children[i] = fork();
		if (children[i] == 0) {
			int fd = open(dev, O_RDWR);

			if (fd < 0)
				_exit(errno == EBUSY ? 16 : 1);
			usleep(500000);
			_exit(0);
		}
	}
	for (int i = 0; i < 2; i++) {
		waitpid(children[i], &status, 0);
		got += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		busy += WIFEXITED(status) && WEXITSTATUS(status) == 16;
	}
	tap_ok(got == 1 && busy == 1,
	       "two openers waiting for a scrub: one gets the region, the other EBUSY (%d, %d)",
	       got, busy);
}

static int test_scrub(const char *dev, uint64_t size, double open_limit_ms)
{
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;

	tap_ok(wait_for_state(name, "clean", 120000),
	       "%s is clean after the probe's scrub", name);
	test_pattern_is_gone(dev, name, size);
	test_clean_open_is_instant(dev, name, open_limit_ms);
	test_nonblocking_open(dev, name);
	test_killed_waiter(dev, name);
	test_clean_uevent(dev, name);
	test_scrub_waits_for_mappings(dev, name);
	test_two_waiters(dev, name);
	return tap_exit_status();
}

struct toucher {
	volatile uint8_t *block;
	volatile bool stop;
	unsigned long reads, bad;
};

/* Faults 2 MiB-strided words of the block in, as fast as it can. */
static void *touch_block(void *arg)
{
	struct toucher *t = arg;
	unsigned int seed = 1;

	while (!t->stop) {
		uint64_t off = (uint64_t)(rand_r(&seed) % 512) * 2 * MIB;

		if (*(volatile uint64_t *)(t->block + off) != pattern_word(off))
			t->bad++;
		t->reads++;
	}
	return NULL;
}

/*
 * Splits a freshly faulted 1 GiB block again and again while another
 * thread faults it in: the split must never race with a huge entry coming
 * back (per-VMA-lock faults).
 */
static int test_split_race(const char *dev, unsigned int seconds)
{
	struct toucher t = { 0 };
	unsigned long rounds = 0, failed = 0;
	pthread_t thread;
	uint8_t *area, *block;
	time_t end;
	int fd = open(dev, O_RDWR);

	if (!tap_ok(fd >= 0, "open %s", dev))
		return 1;
	area = mmap(NULL, 2 * GIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(area != MAP_FAILED, "map 2 GiB"))
		return 1;
	block = (uint8_t *)(((uintptr_t)area + GIB - 1) & ~(GIB - 1));
	munmap(area, 2 * GIB);
	block = mmap(block, GIB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		     fd, 0);
	if (!tap_ok(block != MAP_FAILED, "map 1 GiB at a 1 GiB-aligned address"))
		return 1;
	for (uint64_t off = 0; off < GIB; off += 2 * MIB)
		*(uint64_t *)(block + off) = pattern_word(off);
	t.block = block;
	pthread_create(&thread, NULL, touch_block, &t);
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		if (mmap(block, GIB, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
		    mprotect(block + GIB / 2 + PAGE, PAGE, PROT_READ))
			failed++;
		rounds++;
	}
	t.stop = true;
	pthread_join(thread, NULL);
	tap_ok(!failed && rounds > 10 && t.reads > rounds,
	       "%lu rounds of map, fault and split while another thread read %lu times (%lu failed)",
	       rounds, t.reads, failed);
	tap_ok(!t.bad, "every read saw the right data (%lu bad)", t.bad);
	munmap(block, GIB);
	close(fd);
	return tap_exit_status();
}

/* The fastest of 20 mmap() calls of @len, which populate nothing. */
static double best_mmap_ms(int fd, uint64_t len)
{
	double best = -1;

	for (int i = 0; i < 20; i++) {
		double t = now_ms();
		void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		t = now_ms() - t;
		if (map == MAP_FAILED)
			return -1;
		munmap(map, len);
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/*
 * A GB200-sized region (gb200-2s-full): seeking to its end, mapping all of
 * it as fast as 1 GiB, touching a 4 GiB window at its far end and one byte
 * every 16 GiB across it, then unbinding @pdev with all of it mapped.
 */
static int test_at_size(const char *dev, uint64_t size, const char *pdev)
{
	int fd = open(dev, O_RDWR);
	double whole_ms, gib_ms;
	struct touch_cost cost;
	volatile uint8_t *map;
	uint64_t value;

	if (!tap_ok(fd >= 0, "open %s", dev))
		return 1;
	tap_ok(lseek(fd, 0, SEEK_END) == (off_t)size, "SEEK_END is the size (%" PRIu64 ")",
	       size);
	tap_ok(lseek(fd, size - 1, SEEK_SET) == (off_t)(size - 1), "SEEK_SET to the last byte");
	whole_ms = best_mmap_ms(fd, size);
	gib_ms = best_mmap_ms(fd, GIB);
	tap_ok(whole_ms >= 0 && gib_ms >= 0 && whole_ms <= 2 * gib_ms + 0.05,
	       "mmap() of all %" PRIu64 " GiB takes %.3f ms, of 1 GiB %.3f ms (within 2x)",
	       size / GIB, whole_ms, gib_ms);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "map the whole region"))
		return 1;
	cost = touch_range(map, size - 4 * GIB, size, 2 * MIB, false);
	check_huge_cost(&cost, "the last 4 GiB, every 2 MiB");
	cost = touch_range(map, 0, size, 16 * GIB, false);
	check_huge_cost(&cost, "every 16 GiB of the region");
	tap_ok(write_file(DRIVER_DIR "/unbind", pdev),
	       "unbind %s with all of it mapped", pdev);
	tap_ok(probe_read((volatile uint64_t *)(map + size - 8), &value) == SIGBUS,
	       "its last word, touched before, is revoked (SIGBUS)");
	munmap((void *)map, size);
	close(fd);
	tap_ok(write_file(DRIVER_DIR "/bind", pdev), "bind %s again", pdev);
	tap_ok(open_errno(dev, 0) == 0, "%s opens again", dev);
	return tap_exit_status();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "basics"))
		return test_basics(argv[2], strtoull(argv[3], NULL, 0),
				   strtoull(argv[4], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "at-size"))
		return test_at_size(argv[2], strtoull(argv[3], NULL, 0), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "unbind-mapped"))
		return test_unbind_mapped(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "peek-words"))
		return peek_words(strtoull(argv[2], NULL, 0),
				  strtoul(argv[3], NULL, 0));
	if (argc == 6 && !strcmp(argv[1], "mapping"))
		return test_mapping(argv[2], strtoull(argv[3], NULL, 0),
				    strtoull(argv[4], NULL, 0), argv[5]);
	if (argc == 3 && !strcmp(argv[1], "open-unload"))
		return open_then_unload(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "map-exit-unload"))
		return map_exit_then_unload(argv + 2, argc - 2);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "open"))
		return try_open(argv[2], argc == 4 && !strcmp(argv[3], "nonblock"));
	if (argc == 4 && !strcmp(argv[1], "scrub-pattern")) {
		test_pattern_is_gone(argv[2], strrchr(argv[2], '/') + 1,
				     strtoull(argv[3], NULL, 0));
		return tap_exit_status();
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "scrub"))
		return test_scrub(argv[2], strtoull(argv[3], NULL, 0),
				  argc == 5 ? strtod(argv[4], NULL) : 10);
	if (argc == 3 && !strcmp(argv[1], "one-mapper"))
		return test_one_mapper(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "split-race"))
		return test_split_race(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "show-pattern"))
		return show_pattern(argv[2], strtoull(argv[3], NULL, 0),
				    strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: egm-test basics DEV SIZE BASE\n"
			"       egm-test unbind-mapped DEV PLATFORM-DEVICE\n"
			"       egm-test at-size DEV SIZE PLATFORM-DEVICE\n"
			"       egm-test show-pattern DEV SIZE BASE\n"
			"       egm-test peek-words PHYS COUNT\n"
			"       egm-test mapping DEV SIZE BASE huge|4k\n"
			"       egm-test split-race DEV SECONDS\n"
			"       egm-test one-mapper DEV\n"
			"       egm-test scrub DEV SIZE [OPEN-LIMIT-MS]\n"
			"       egm-test scrub-pattern DEV SIZE\n"
			"       egm-test open DEV [nonblock]\n");
	return 2;
}
