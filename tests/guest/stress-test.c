// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile user space against /dev/egmN, for a bounded time.
 *
 *   egm-stress race DEV ROUNDS
 *	Threads of several processes open a clean region at the same instant,
 *	ROUNDS times: exactly one process may win, every other gets EBUSY.
 *   egm-stress abuse DEV SIZE SECONDS WORKERS MODULE
 *	WORKERS processes of two threads each run random operations (open,
 *	mmap, partial munmap, mremap, mprotect, madvise, MAP_PRIVATE,
 *	MAP_FIXED, bad offsets and lengths, fork and exit in every order,
 *	SIGKILL with a mapping, random ioctls, sysfs reads) while one tenant
 *	process checks that no data survives from one holder to the next and a
 *	controller unbinds and binds the region, removes and reloads MODULE and
 *	rewrites the module's parameters. Prints "# ops KIND N" per kind.
 *
 * An unexpected errno, a word that does not read back, a tenant that sees
 * a previous holder's data or a crash is a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/egm.h>

#include "tap.h"

#define PAGE ((uint64_t)sysconf(_SC_PAGESIZE))
#define MIB (1ULL << 20)
#define GIB (1ULL << 30)
#define DIRTY_SLOTS 4096
#define MARK 0xe6e6000000000000ULL

enum op_kind {
	OP_open,
	OP_tenant,
	OP_map_touch,
	OP_munmap_part,
	OP_mremap,
	OP_mprotect,
	OP_madvise,
	OP_map_private,
	OP_map_fixed,
	OP_bad_mmap,
	OP_fork,
	OP_kill_holder,
	OP_ioctl,
	OP_sysfs_read,
	OP_unbind_bind,
	OP_rmmod_insmod,
	OP_param_write,
	OP_sigbus_revoked,
	OP_tenant_tries,
	OP_open_busy,
	OP_open_again,
	OP_open_gone,
	NR_OPS,
};

static const char *const op_names[] = {
	[OP_open] = "open",
	[OP_tenant] = "tenant",
	[OP_map_touch] = "map_touch",
	[OP_munmap_part] = "munmap_part",
	[OP_mremap] = "mremap",
	[OP_mprotect] = "mprotect",
	[OP_madvise] = "madvise",
	[OP_map_private] = "map_private",
	[OP_map_fixed] = "map_fixed",
	[OP_bad_mmap] = "bad_mmap",
	[OP_fork] = "fork",
	[OP_kill_holder] = "kill_holder",
	[OP_ioctl] = "ioctl",
	[OP_sysfs_read] = "sysfs_read",
	[OP_unbind_bind] = "unbind_bind",
	[OP_rmmod_insmod] = "rmmod_insmod",
	[OP_param_write] = "param_write",
	[OP_sigbus_revoked] = "sigbus_revoked",
	[OP_tenant_tries] = "tenant_tries",
	[OP_open_busy] = "open_busy",
	[OP_open_again] = "open_again",
	[OP_open_gone] = "open_gone",
};

/* Shared by every process of a run (MAP_SHARED anonymous memory). */
struct shared {
	atomic_ulong ops[NR_OPS];
	atomic_ulong failures;
	atomic_ulong leaks;
	atomic_uint dirty_next;
	atomic_ullong dirty[DIRTY_SLOTS];	/* offset + 1 of a written word */
	atomic_int stop;
	atomic_int quiet;	/* the controller wants the module unused */
	atomic_int ready;
	atomic_int tried;
	atomic_int go;
	atomic_int winners;
	atomic_int wrong_errno;
	char first_failure[256];
	atomic_flag failure_noted;
};

static struct shared *sh;
static const char *dev_path;
static uint64_t region_size;
static char pdev_name[64];

static __thread sigjmp_buf fault_jmp;
static __thread volatile sig_atomic_t fault_armed;
static __thread uint64_t rng_state;
static __thread bool revoked_seen;	/* this session's mapping got SIGBUS */

static uint64_t rnd(void)
{
	/* xorshift64*: cheap, per thread, seeded from the pid and thread. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static void seed(uint64_t salt)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	rng_state = (uint64_t)getpid() << 32 ^ (uint64_t)gettid() ^
		    (uint64_t)ts.tv_nsec ^ salt ^ 0x9e3779b97f4a7c15ULL;
	if (!rng_state)
		rng_state = 1;
}

__attribute__((format(printf, 1, 2)))
static void failure(const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&sh->failures, 1);
	if (atomic_flag_test_and_set(&sh->failure_noted))
		return;
	va_start(ap, fmt);
	vsnprintf(sh->first_failure, sizeof(sh->first_failure), fmt, ap);
	va_end(ap);
}

static void count(enum op_kind kind)
{
	atomic_fetch_add(&sh->ops[kind], 1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

static void on_fault(int sig)
{
	if (!fault_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(fault_jmp, sig);
}

/*
 * Touches one word with SIGBUS/SIGSEGV caught: returns the signal, or 0.
 * A SIGBUS means the region was revoked (unbound) under the mapping.
 */
static int guarded_access(volatile uint64_t *addr, uint64_t *value, bool write)
{
	int sig = sigsetjmp(fault_jmp, 1);

	if (sig) {
		fault_armed = 0;
		return sig;
	}
	fault_armed = 1;
	if (write)
		*addr = *value;
	else
		*value = *addr;
	fault_armed = 0;
	return 0;
}

static void note_signal(int sig, const char *what)
{
	revoked_seen = true;
	if (sig == SIGBUS)
		count(OP_sigbus_revoked);
	else
		failure("%s: signal %d", what, sig);
}

/* Errnos a hostile but legal sequence may meet: busy, scrubbing, revoked, unloaded. */
static bool expected_open_errno(int err)
{
	return err == EBUSY || err == EAGAIN || err == ENODEV || err == ENXIO ||
	       err == ENOENT || err == EINTR;
}

static int open_region(int flags)
{
	int fd = open(dev_path, flags | O_CLOEXEC);

	if (fd < 0)
		count(errno == EBUSY ? OP_open_busy : errno == EAGAIN ?
		      OP_open_again : OP_open_gone);
	if (fd < 0 && !expected_open_errno(errno))
		failure("open(%s, %#x): %s", dev_path, flags, strerror(errno));
	return fd;
}

static void log_dirty(uint64_t offset)
{
	unsigned int slot = atomic_fetch_add(&sh->dirty_next, 1) % DIRTY_SLOTS;

	atomic_store(&sh->dirty[slot], offset + 1);
}

static uint64_t marker(uint64_t offset)
{
	return MARK | (offset >> 12);
}

/* One shared mapping of the region with a written word in each page it checks. */
struct egm_map {
	uint8_t *addr;
	uint64_t offset;
	uint64_t len;
};

static uint64_t random_length(void)
{
	const uint64_t lengths[] = { PAGE, 2 * MIB, 4 * MIB, GIB };
	uint64_t len;

	switch (rnd_below(4)) {
	case 0:
		len = lengths[rnd_below(4)];
		break;
	case 1:
		len = region_size;
		break;
	default:
		len = (1 + rnd_below(1024)) * PAGE;
	}
	return len > region_size ? region_size : len;
}

static bool map_region(int fd, struct egm_map *m)
{
	m->len = random_length();
	m->offset = rnd_below((region_size - m->len) / PAGE + 1) * PAGE;
	/* Aligned offsets give the driver its huge entries to split. */
	if (rnd_below(2))
		m->offset &= ~(2 * MIB - 1);
	m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       m->offset);
	count(OP_map_touch);
	if (m->addr == MAP_FAILED) {
		if (errno != ENODEV && errno != ENXIO && errno != ENOMEM)
			failure("mmap(len %#" PRIx64 ", offset %#" PRIx64 "): %s",
				m->len, m->offset, strerror(errno));
		return false;
	}
	return true;
}

/* Writes a marker at a random page of [start, start + len) of the mapping. */
static int write_marker(struct egm_map *m, uint64_t start, uint64_t len,
			uint64_t *where)
{
	uint64_t at = start + rnd_below(len / PAGE) * PAGE + 8 * rnd_below(512);
	uint64_t value = marker(m->offset + at);
	int sig = guarded_access((uint64_t *)(m->addr + at), &value, true);

	if (!sig)
		log_dirty(m->offset + at);
	*where = at;
	return sig;
}

/* The marker at @at must still be there through @addr (same file offset). */
static int check_marker(uint8_t *addr, uint64_t at, uint64_t file_offset,
			const char *after)
{
	uint64_t value = 0;
	int sig = guarded_access((uint64_t *)(addr + at), &value, false);

	if (!sig && value != marker(file_offset))
		failure("after %s: word at offset %#" PRIx64 " reads %#" PRIx64
			", wrote %#" PRIx64, after, file_offset, value,
			marker(file_offset));
	return sig;
}

static int touch_and_verify(struct egm_map *m, const char *after)
{
	uint64_t at;
	int sig = write_marker(m, 0, m->len, &at);

	return sig ? sig : check_marker(m->addr, at, m->offset + at, after);
}

static void op_munmap_part(struct egm_map *m)
{
	uint64_t pages = m->len / PAGE, first, n, at_left, at_right;
	int sig;

	count(OP_munmap_part);
	if (pages < 3)
		return;
	first = 1 + rnd_below(pages - 2);
	n = 1 + rnd_below(pages - first - 1);
	sig = write_marker(m, 0, first * PAGE, &at_left);
	if (!sig)
		sig = write_marker(m, (first + n) * PAGE,
				   m->len - (first + n) * PAGE, &at_right);
	if (sig) {
		note_signal(sig, "munmap_part write");
		return;
	}
	/* Remap mode refuses to split a VMA (x86 PAT): EINVAL. */
	if (munmap(m->addr + first * PAGE, n * PAGE)) {
		if (errno != EINVAL)
			failure("munmap of a part: %s", strerror(errno));
		return;
	}
	sig = check_marker(m->addr, at_left, m->offset + at_left, "munmap_part");
	if (!sig)
		sig = check_marker(m->addr, at_right, m->offset + at_right,
				   "munmap_part");
	if (sig)
		note_signal(sig, "munmap_part read");
	/* What is left: the tail as its own mapping, the head kept in @m. */
	munmap(m->addr + (first + n) * PAGE, m->len - (first + n) * PAGE);
	m->len = first * PAGE;
}

static void op_mremap(struct egm_map *m)
{
	uint64_t at, new_len;
	void *moved;
	int sig;

	count(OP_mremap);
	sig = write_marker(m, 0, m->len, &at);
	if (sig) {
		note_signal(sig, "mremap write");
		return;
	}
	switch (rnd_below(3)) {
	case 0:	/* grow: a PFN map cannot, the kernel says EFAULT or EINVAL */
		new_len = m->len + PAGE * (1 + rnd_below(512));
		break;
	case 1:	/* shrink */
		new_len = m->len > PAGE ? PAGE * (1 + rnd_below(m->len / PAGE - 1)) : m->len;
		break;
	default: /* move */
		new_len = m->len;
	}
	moved = mremap(m->addr, m->len, new_len, MREMAP_MAYMOVE);
	if (moved == MAP_FAILED) {
		if (errno != EFAULT && errno != EINVAL && errno != ENOMEM)
			failure("mremap %#" PRIx64 " -> %#" PRIx64 ": %s",
				m->len, new_len, strerror(errno));
		return;
	}
	m->addr = moved;
	m->len = new_len;
	if (at < new_len) {
		sig = check_marker(m->addr, at, m->offset + at, "mremap");
		if (sig)
			note_signal(sig, "mremap read");
	}
}

static void op_mprotect(struct egm_map *m)
{
	uint64_t at, value;
	int sig;

	count(OP_mprotect);
	sig = write_marker(m, 0, m->len, &at);
	if (sig) {
		note_signal(sig, "mprotect write");
		return;
	}
	if (mprotect(m->addr, m->len, PROT_READ)) {
		failure("mprotect read-only: %s", strerror(errno));
		return;
	}
	sig = check_marker(m->addr, at, m->offset + at, "mprotect(PROT_READ)");
	if (sig) {
		note_signal(sig, "mprotect read");
	} else {
		value = 1;
		sig = guarded_access((uint64_t *)(m->addr + at), &value, true);
		if (sig != SIGSEGV)
			failure("a write through a read-only mapping was not refused (signal %d)",
				sig);
	}
	/* A part only: splits the VMA. */
	if (m->len > PAGE && mprotect(m->addr, PAGE, PROT_NONE) && errno != EINVAL)
		failure("mprotect(PROT_NONE) of a part: %s", strerror(errno));
	if (mprotect(m->addr, m->len, PROT_READ | PROT_WRITE))
		failure("mprotect back to read-write: %s", strerror(errno));
	if (revoked_seen)
		return;
	sig = check_marker(m->addr, at, m->offset + at, "mprotect");
	if (sig)
		note_signal(sig, "mprotect read back");
}

static void op_madvise(struct egm_map *m)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
		MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE,
		MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_COLD,
		MADV_PAGEOUT, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
		MADV_WIPEONFORK, MADV_KEEPONFORK, 25 /* MADV_COLLAPSE */,
	};
	uint64_t at;
	unsigned int i;
	int sig;

	count(OP_madvise);
	sig = write_marker(m, 0, m->len, &at);
	if (sig) {
		note_signal(sig, "madvise write");
		return;
	}
	/* Any return is acceptable; losing the data is not. */
	i = rnd_below(ARRAY_SIZE(advice));
	madvise(m->addr, m->len, advice[i]);
	sig = check_marker(m->addr, at, m->offset + at, "madvise");
	if (sig)
		note_signal(sig, "madvise read");
}

static void op_map_private(int fd)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);

	count(OP_map_private);
	if (p != MAP_FAILED) {
		failure("MAP_PRIVATE was accepted");
		munmap(p, PAGE);
	} else if (errno != EINVAL && errno != ENODEV) {
		failure("MAP_PRIVATE: %s, not EINVAL", strerror(errno));
	}
}

/* MAP_FIXED of the region over an anonymous mapping and over itself. */
static void op_map_fixed(int fd, struct egm_map *m)
{
	uint64_t at, other, delta;
	uint8_t *anon, *p;
	int sig;

	count(OP_map_fixed);
	sig = write_marker(m, 0, m->len, &at);
	if (sig) {
		note_signal(sig, "map_fixed write");
		return;
	}
	anon = mmap(NULL, m->len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		return;
	p = mmap(anon, m->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, m->offset);
	if (p == MAP_FAILED) {
		if (errno != ENODEV && errno != ENXIO)
			failure("MAP_FIXED over anonymous memory: %s", strerror(errno));
		munmap(anon, m->len);
		return;
	}
	sig = check_marker(p, at, m->offset + at, "MAP_FIXED over anonymous memory");
	munmap(p, m->len);
	if (sig) {
		note_signal(sig, "map_fixed read");
		return;
	}
	/* Over our own mapping, one page further into the file. */
	other = m->offset + m->len + PAGE <= region_size ? m->offset + PAGE : m->offset;
	if (mmap(m->addr, m->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, other) == MAP_FAILED) {
		/* A failed MAP_FIXED may have unmapped the range already. */
		if (errno != ENODEV && errno != ENXIO)
			failure("MAP_FIXED over itself: %s", strerror(errno));
		munmap(m->addr, m->len);
		m->addr = NULL;
		return;
	}
	delta = other - m->offset;
	if (at >= delta) {
		sig = check_marker(m->addr, at - delta, m->offset + at,
				   "MAP_FIXED over itself");
		if (sig)
			note_signal(sig, "map_fixed read");
	}
	m->offset = other;
}

static void op_bad_mmap(int fd)
{
	struct {
		uint64_t len;
		uint64_t offset;
	} bad[] = {
		{ 0, 0 },
		{ region_size + PAGE, 0 },
		{ PAGE, region_size },
		{ 2 * PAGE, region_size - PAGE },
		{ PAGE, 1ULL << 62 },
		{ PAGE, INT64_MAX & ~(PAGE - 1) },
		{ PAGE, (uint64_t)-PAGE },
		{ PAGE, 123 },
		{ SIZE_MAX & ~(PAGE - 1), 0 },
		{ region_size, PAGE },
	};
	unsigned int i = rnd_below(ARRAY_SIZE(bad));
	void *p;

	count(OP_bad_mmap);
	p = mmap(NULL, bad[i].len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)bad[i].offset);
	if (p != MAP_FAILED) {
		failure("mmap(len %#" PRIx64 ", offset %#" PRIx64 ") was accepted",
			bad[i].len, bad[i].offset);
		munmap(p, bad[i].len);
	}
}

static void op_ioctl(int fd)
{
	uint64_t buf[32];
	unsigned long arg;
	unsigned int cmd;
	void *no_access;

	count(OP_ioctl);
	for (unsigned int i = 0; i < 32; i++)
		buf[i] = rnd();
	/* Often a plausible argsz, so that the handlers get past it. */
	if (rnd_below(2))
		buf[0] = (buf[0] & ~0xffffffffULL) | (8 * rnd_below(32));
	if (rnd_below(2))
		cmd = rnd();
	else
		cmd = _IOC(rnd_below(4), 'E', rnd_below(2) ? 100 + rnd_below(2) :
			   rnd_below(256), rnd_below(128));
	if (rnd_below(4) == 0)
		cmd = rnd_below(2) ? EGM_RETIRED_PAGES_LIST : EGM_DMABUF_EXPORT;
	no_access = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	switch (rnd_below(5)) {
	case 0:
		arg = 0;
		break;
	case 1:
		arg = rnd();
		break;
	case 2:
		arg = (unsigned long)no_access;
		break;
	case 3:
		arg = 0xffff888000000000UL + rnd_below(1 << 20) * 8;
		break;
	default:
		arg = (unsigned long)buf;
	}
	if (!ioctl(fd, cmd, arg) && cmd == EGM_DMABUF_EXPORT &&
	    arg == (unsigned long)buf) {
		struct egm_dmabuf_export *exp = (void *)buf;

		close(exp->fd);
	}
	munmap(no_access, PAGE);
}

static void op_sysfs_read(void)
{
	static const char *const names[] = {
		"size", "egm_size", "pxm", "numa_node", "base", "align",
		"scrub_state", "scrub_progress", "scrub_last_duration_us",
		"scrub_last_throughput", "scrub_last_threads", "retired_pages",
		"retired_pages_count", "retired_bytes", "retired_block_size",
		"uevent",
	};
	char path[256], buf[8192];
	int fd;

	count(OP_sysfs_read);
	snprintf(path, sizeof(path), "/sys/class/egm/%s/%s",
		 strrchr(dev_path, '/') + 1,
		 names[rnd_below(ARRAY_SIZE(names))]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;	/* unbound or unloaded just now */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/*
 * A child, in one of the orders of close and exit, has the file but never
 * a copy of the mapping (one process maps a holding at a time).
 */
static void op_fork(int *fd, struct egm_map *m)
{
	uint64_t at;
	pid_t child;
	int sig, status;

	count(OP_fork);
	sig = write_marker(m, 0, m->len, &at);
	if (sig) {
		note_signal(sig, "fork write");
		return;
	}
	child = fork();
	if (child < 0)
		return;
	if (child == 0) {
		unsigned int order = rnd_below(3);

		seed(1);
		if (order == 0)
			_exit(0);	/* exit holding the fd */
		if (order == 1)
			close(*fd);
		if (order == 2)
			sleep_us(rnd_below(20000));	/* outlive the parent's close */
		sig = check_marker(m->addr, at, m->offset + at, "fork");
		if (sig != SIGSEGV)
			failure("a mapping is in the forked child (signal %d)", sig);
		_exit(0);
	}
	if (rnd_below(2)) {
		/* The parent lets go first; the child keeps the region held. */
		munmap(m->addr, m->len);
		m->addr = NULL;
		close(*fd);
		*fd = -1;
	}
	waitpid(child, &status, 0);
	if (!WIFEXITED(status))
		failure("fork child died of signal %d", WTERMSIG(status));
}

/* A holder killed at a random point of its work. */
static void op_kill_holder(void)
{
	pid_t child = fork();

	count(OP_kill_holder);
	if (child < 0)
		return;
	if (child == 0) {
		struct egm_map m;
		int fd;

		seed(2);
		count(OP_tenant_tries);
		fd = open_region(O_RDWR | O_NONBLOCK);
		if (fd < 0 || !map_region(fd, &m))
			_exit(0);
		for (;;) {
			uint64_t at;

			if (write_marker(&m, 0, m.len, &at))
				_exit(0);
		}
	}
	sleep_us(rnd_below(30000));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* A read-only file maps for reading only. */
static void read_only_session(int fd)
{
	uint64_t value;
	uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int sig;

	count(OP_map_touch);
	if (p != MAP_FAILED) {
		failure("a writable mapping of a read-only file was accepted");
		munmap(p, PAGE);
	} else if (errno != EACCES && errno != ENODEV) {
		failure("a writable mapping of a read-only file: %s, not EACCES",
			strerror(errno));
	}
	p = mmap(NULL, 2 * MIB, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		if (errno != ENODEV && errno != ENXIO)
			failure("a read-only mapping: %s", strerror(errno));
		return;
	}
	sig = guarded_access((uint64_t *)(p + rnd_below(2 * MIB / 8) * 8), &value,
			     false);
	if (sig)
		note_signal(sig, "read-only read");
	munmap(p, 2 * MIB);
}

/* One session: an open file and a few random operations on mappings of it. */
static void session(void)
{
	struct egm_map m = { 0 };
	int fd, sig, flags = rnd_below(8) ? O_RDWR : O_RDONLY;
	unsigned int ops;

	if (atomic_load(&sh->quiet)) {
		sleep_us(5000);
		return;
	}
	count(OP_open);
	fd = open_region(flags | (rnd_below(4) ? O_NONBLOCK : 0));
	if (fd < 0) {
		/* Someone holds it: do not starve the holder of CPU. */
		sleep_us(1000 + rnd_below(4000));
		return;
	}
	if (lseek(fd, 0, SEEK_END) != (off_t)region_size)
		failure("lseek(SEEK_END) is not the region size");
	if (flags == O_RDONLY) {
		read_only_session(fd);
		close(fd);
		return;
	}
	ops = 4 + rnd_below(40);
	revoked_seen = false;
	for (unsigned int i = 0; i < ops && fd >= 0 && !revoked_seen; i++) {
		if (!m.addr) {
			if (!map_region(fd, &m)) {
				m.addr = NULL;
				break;
			}
			sig = touch_and_verify(&m, "mmap");
			if (sig) {
				note_signal(sig, "first touch");
				break;
			}
		}
		switch (rnd_below(11)) {
		case 0:
			op_munmap_part(&m);
			break;
		case 1:
			op_mremap(&m);
			break;
		case 2:
			op_mprotect(&m);
			break;
		case 3:
			op_madvise(&m);
			break;
		case 4:
			op_map_private(fd);
			break;
		case 5:
			op_map_fixed(fd, &m);
			break;
		case 6:
			op_bad_mmap(fd);
			break;
		case 7:
			op_fork(&fd, &m);
			break;
		case 8:
			op_ioctl(fd);
			break;
		case 9:
			op_sysfs_read();
			break;
		default:
			if (m.addr)
				munmap(m.addr, m.len);
			m.addr = NULL;
		}
	}
	/* Sometimes the mapping outlives the fd for a while. */
	if (fd >= 0)
		close(fd);
	if (m.addr) {
		if (rnd_below(2) && !revoked_seen)
			touch_and_verify(&m, "after close");
		munmap(m.addr, m.len);
	}
	/* Give the tenant and the controller a chance at the region. */
	sleep_us(rnd_below(10000));
}

/* A quick open and close, racing the other thread's last close. */
static void op_open_close(void)
{
	static const int flags[] = { O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_NONBLOCK };
	int fd;

	if (atomic_load(&sh->quiet))
		return;
	count(OP_open);
	fd = open_region(flags[rnd_below(4)]);
	if (fd >= 0)
		close(fd);
	sleep_us(rnd_below(5000));
}

/*
 * Thread 0 of a worker runs sessions; thread 1 forks holders to kill, reads
 * sysfs and opens and closes. Two session threads would keep their process
 * the holder for good (a holder may reopen), and the region would never
 * change hands.
 */
static void *worker_thread(void *arg)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };
	bool sessions = !arg;

	seed((uintptr_t)&sa);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	while (!atomic_load(&sh->stop)) {
		if (sessions) {
			session();
			continue;
		}
		switch (rnd_below(4)) {
		case 0:
			op_kill_holder();
			break;
		case 1:
			op_sysfs_read();
			break;
		default:
			op_open_close();
		}
	}
	return NULL;
}

static void worker(void)
{
	pthread_t other;

	pthread_create(&other, NULL, worker_thread, (void *)1);
	worker_thread(NULL);
	pthread_join(other, NULL);
}

/*
 * The tenant: whenever it gets the region (so nobody else holds it), every
 * word a previous holder wrote must read zero; then it writes its own.
 */
static void tenant(void)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };

	seed(3);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	while (!atomic_load(&sh->stop)) {
		struct egm_map m = { .offset = 0, .len = region_size };
		uint64_t value, at;
		int fd, sig = 0;

		if (atomic_load(&sh->quiet)) {
			sleep_us(5000);
			continue;
		}
		count(OP_tenant_tries);
		fd = open_region(O_RDWR | O_NONBLOCK);

		if (fd < 0) {
			sleep_us(500);
			continue;
		}
		count(OP_tenant);
		m.addr = mmap(NULL, region_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd, 0);
		if (m.addr == MAP_FAILED) {
			close(fd);
			continue;
		}
		for (unsigned int i = 0; i < DIRTY_SLOTS + 64 && !sig; i++) {
			uint64_t off = i < DIRTY_SLOTS ? atomic_load(&sh->dirty[i]) :
				rnd_below(region_size / 8) * 8 + 1;

			if (!off--)
				continue;
			sig = guarded_access((uint64_t *)(m.addr + off), &value, false);
			if (!sig && value) {
				atomic_fetch_add(&sh->leaks, 1);
				failure("a new holder reads %#" PRIx64
					" at offset %#" PRIx64 ", written by a previous one",
					value, off);
			}
		}
		for (unsigned int i = 0; i < 16 && !sig; i++)
			sig = write_marker(&m, 0, m.len, &at);
		if (sig)
			note_signal(sig, "tenant");
		munmap(m.addr, region_size);
		close(fd);
	}
}

/* Writes a sysfs file that may refuse or be gone; true if it took the text. */
static bool write_sysfs_quietly(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool took;

	if (fd < 0)
		return false;
	took = write(fd, text, strlen(text)) >= 0;
	if (!took && errno != EINVAL && errno != ENODEV && errno != EBUSY &&
	    errno != ENOENT && errno != EEXIST)
		failure("write %s to %s: %s", text, path, strerror(errno));
	close(fd);
	return took;
}

static bool module_loaded(void)
{
	return access("/sys/module/nvgrace_egm/initstate", F_OK) == 0;
}

static void load_module(const char *module)
{
	static const char *const params[] = {
		"", "scrub_threads=1", "scrub_threads=2",
	};
	const char *param = params[rnd_below(ARRAY_SIZE(params))];
	int fd = open(module, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		failure("open %s: %s", module, strerror(errno));
		return;
	}
	if (syscall(SYS_finit_module, fd, param, 0) && errno != EEXIST)
		failure("loading %s: %s", module, strerror(errno));
	close(fd);
}

static bool region_bound(void)
{
	char link[300];

	snprintf(link, sizeof(link), "/sys/bus/platform/drivers/nvgrace-egm/%s",
		 pdev_name);
	return !access(link, F_OK);
}

/* Unbinds and binds, removes and reloads, rewrites parameters. */
static void controller(const char *module)
{
	static const char *const params[][2] = {
		{ "scrub_threads", "0" }, { "scrub_threads", "1" },
		{ "scrub_threads", "2" }, { "scrub_threads", "99999" },
		{ "scrub_threads", "-1" }, { "scrub_threads", "" },
		{ "scrub_threads", "two" },
	};

	seed(4);
	while (!atomic_load(&sh->stop)) {
		char path[256];
		unsigned int p;

		sleep_us(200000 + rnd_below(800000));
		switch (rnd_below(8)) {
		case 0:
			/*
			 * Fails with EAGAIN while a file is open: ask the
			 * workers to let go, and try for a while.
			 */
			atomic_store(&sh->quiet, 1);
			for (int i = 0; i < 50; i++) {
				if (!syscall(SYS_delete_module, "nvgrace_egm", O_NONBLOCK)) {
					count(OP_rmmod_insmod);
					load_module(module);
					break;
				}
				sleep_us(10000);
			}
			atomic_store(&sh->quiet, 0);
			break;
		case 1:
		case 2:
			if (write_sysfs_quietly("/sys/bus/platform/drivers/nvgrace-egm/unbind",
						pdev_name))
				count(OP_unbind_bind);
			sleep_us(rnd_below(50000));
			write_sysfs_quietly("/sys/bus/platform/drivers/nvgrace-egm/bind",
					    pdev_name);
			break;
		default:
			count(OP_param_write);
			p = rnd_below(ARRAY_SIZE(params));
			snprintf(path, sizeof(path),
				 "/sys/module/nvgrace_egm/parameters/%s", params[p][0]);
			write_sysfs_quietly(path, params[p][1]);
		}
		if (!module_loaded())
			load_module(module);
		/* A bind fails while the last binding's files live: retry. */
		if (!region_bound())
			write_sysfs_quietly("/sys/bus/platform/drivers/nvgrace-egm/bind",
					    pdev_name);
	}
	/* Leave it loaded and bound, with its defaults, for the checks after. */
	if (!module_loaded())
		load_module(module);
	write_sysfs_quietly("/sys/module/nvgrace_egm/parameters/scrub_threads", "0");
	for (int i = 0; i < 200 && !region_bound(); i++) {
		write_sysfs_quietly("/sys/bus/platform/drivers/nvgrace-egm/bind",
				    pdev_name);
		sleep_us(50000);
	}
}

static pid_t spawn(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

static const char *module_path;

static void run_controller(void)
{
	controller(module_path);
}

static const char *region_scrub_state(void)
{
	static char state[32];
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/egm/%s/scrub_state",
		 strrchr(dev_path, '/') + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	strcpy(state, "(none)");
	if (fd >= 0) {
		n = read(fd, state, sizeof(state) - 1);
		state[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	return state;
}

static int abuse(unsigned int seconds, unsigned int workers)
{
	pid_t pids[64];
	unsigned int n = 0, crashed = 0;
	double start = now_s();

	if (workers > 60)
		workers = 60;
	pids[n++] = spawn(tenant);
	pids[n++] = spawn(run_controller);
	for (unsigned int i = 0; i < workers; i++)
		pids[n++] = spawn(worker);
	while (now_s() - start < seconds) {
		sleep(5);
		tap_note("%.0f s: %lu tenants, %lu opens, scrub_state %s", now_s() - start,
			 atomic_load(&sh->ops[OP_tenant]), atomic_load(&sh->ops[OP_open]),
			 region_scrub_state());
	}
	atomic_store(&sh->stop, 1);
	for (unsigned int i = 0; i < n; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) == pids[i] &&
		    (!WIFEXITED(status) || WEXITSTATUS(status))) {
			crashed++;
			tap_note("process %u ended with status %#x", i, status);
		}
	}
	tap_note("%.0f s, %u worker processes of 2 threads, a tenant and a controller",
		 now_s() - start, workers);
	for (unsigned int k = 0; k < NR_OPS; k++)
		tap_note("ops %s %lu", op_names[k], atomic_load(&sh->ops[k]));
	tap_ok(!crashed, "no process crashed or hung (%u did)", crashed);
	tap_ok(atomic_load(&sh->ops[OP_tenant]) > 1,
	       "the region changed hands (%lu tenants)",
	       atomic_load(&sh->ops[OP_tenant]));
	tap_ok(!atomic_load(&sh->leaks),
	       "no holder saw a previous holder's data (%lu leaks)",
	       atomic_load(&sh->leaks));
	tap_ok(!atomic_load(&sh->failures), "no unexpected result (%lu; first: %s)",
	       atomic_load(&sh->failures), sh->first_failure);
	return tap_exit_status();
}

static const char *wait_clean_state_path(void)
{
	static char path[256];

	snprintf(path, sizeof(path), "/sys/class/egm/%s/scrub_state",
		 strrchr(dev_path, '/') + 1);
	return path;
}

static bool wait_clean(void)
{
	for (int i = 0; i < 3000; i++) {
		char state[32] = "";
		int fd = open(wait_clean_state_path(), O_RDONLY);

		if (fd >= 0) {
			ssize_t n = read(fd, state, sizeof(state) - 1);

			close(fd);
			if (n > 0 && !strncmp(state, "clean", 5))
				return true;
		}
		sleep_us(10000);
	}
	return false;
}

#define RACE_PROCS 6
#define RACE_THREADS 4

static void *race_thread(void *arg)
{
	atomic_int *won = arg;
	int fd;

	while (!atomic_load(&sh->go))
		sched_yield();
	fd = open(dev_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		atomic_fetch_add(won, 1);
	else if (errno != EBUSY)
		atomic_fetch_add(&sh->wrong_errno, 1);
	/* Hold it until every thread of every process has tried. */
	atomic_fetch_add(&sh->tried, 1);
	while (atomic_load(&sh->tried) < RACE_PROCS * RACE_THREADS)
		sched_yield();
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void race_process(void)
{
	pthread_t threads[RACE_THREADS];
	atomic_int won = 0;

	atomic_fetch_add(&sh->ready, 1);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_create(&threads[i], NULL, race_thread, &won);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(threads[i], NULL);
	if (atomic_load(&won))
		atomic_fetch_add(&sh->winners, 1);
}

static int race(unsigned int rounds)
{
	unsigned int bad_rounds = 0, wrong = 0;

	for (unsigned int r = 0; r < rounds; r++) {
		pid_t pids[RACE_PROCS];

		if (!wait_clean()) {
			tap_ok(false, "the region became clean before round %u", r);
			break;
		}
		atomic_store(&sh->ready, 0);
		atomic_store(&sh->tried, 0);
		atomic_store(&sh->go, 0);
		atomic_store(&sh->winners, 0);
		atomic_store(&sh->wrong_errno, 0);
		for (int i = 0; i < RACE_PROCS; i++)
			pids[i] = spawn(race_process);
		while (atomic_load(&sh->ready) < RACE_PROCS)
			sched_yield();
		atomic_store(&sh->go, 1);
		for (int i = 0; i < RACE_PROCS; i++)
			waitpid(pids[i], NULL, 0);
		if (atomic_load(&sh->winners) != 1)
			bad_rounds++;
		wrong += atomic_load(&sh->wrong_errno);
	}
	tap_ok(!bad_rounds,
	       "%u rounds of %u processes x %u threads opening at once: one process wins each (%u rounds did not)",
	       rounds, RACE_PROCS, RACE_THREADS, bad_rounds);
	tap_ok(!wrong, "every loser gets EBUSY (%u other errors)", wrong);
	return tap_exit_status();
}

int main(int argc, char **argv)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "race")) {
		dev_path = argv[2];
		return race(strtoul(argv[3], NULL, 0));
	}
	if (argc == 7 && !strcmp(argv[1], "abuse")) {
		dev_path = argv[2];
		region_size = strtoull(argv[3], NULL, 0);
		module_path = argv[6];
		snprintf(pdev_name, sizeof(pdev_name), "nvgrace-egm.%s",
			 strrchr(dev_path, '/') + 4);
		return abuse(strtoul(argv[4], NULL, 0), strtoul(argv[5], NULL, 0));
	}
	fprintf(stderr, "usage: egm-stress race DEV ROUNDS\n"
		"       egm-stress abuse DEV SIZE SECONDS WORKERS MODULE\n");
	return 2;
}
