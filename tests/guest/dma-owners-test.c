// SPDX-License-Identifier: GPL-2.0-only
/*
 * DMA that outlives a holding: tenant A maps /dev/egmN, gives its mapping to
 * a device through a VFIO type1 container, and closes the region but keeps
 * the container. Another tenant must not get the region while A's IOMMU
 * entries can still reach it.
 *
 *   egm-dma-owners-test /dev/egmN GPU   (GPU: an edu device on vfio-pci)
 *
 * The device reads EGM the only way edu can be read: a DMA from EGM into
 * edu's buffer, then from there into a bounce buffer A maps for it too.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "tap.h"
#include "test-files.h"

#define MIB (1UL << 20)
#define EGM_MAP_LEN (2 * MIB)
#define EGM_IOVA (2 * MIB)		/* edu reaches 28 bits of IOVA */
#define BOUNCE_IOVA 0x10000UL
#define BOUNCE_LEN 4096UL
#define COPY_LEN 256U
#define NR_WORDS (COPY_LEN / 4)

#define EDU_BUFFER 0x40000
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START 1
#define EDU_DMA_TO_RAM 2

#define PATTERN_A 0xa0a00000U
#define PATTERN_B 0x42420000U

static const char *dev_path, *gpu;
static char region_name[64];

struct tenant_a {
	int container, group, device;
	volatile uint32_t *bar;
	uint32_t *bounce;
};

static void fill(uint32_t *words, uint32_t pattern)
{
	for (unsigned int i = 0; i < NR_WORDS; i++)
		words[i] = pattern + i;
}

/* How many of the words carry @pattern. */
static unsigned int count_pattern(const uint32_t *words, uint32_t pattern)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NR_WORDS; i++)
		n += words[i] == pattern + i;
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Until the region's scrub_state is "clean", 2 minutes at most. */
static bool wait_clean(void)
{
	char state[32];

	for (int i = 0; i < 1200; i++) {
		if (!strcmp(read_region_attr(region_name, "scrub_state", state,
					     sizeof(state)), "clean"))
			return true;
		usleep(100000);
	}
	return false;
}

/* Does dma_owners have a line for @pid (in @state, if not NULL)? */
static bool dma_owners_name(pid_t pid, const char *state)
{
	char buf[4096], name[16];
	bool found = false;
	int owner;

	read_region_attr(region_name, "dma_owners", buf, sizeof(buf));
	tap_note("dma_owners: \"%s\"", buf);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "%d %15s", &owner, name) == 2 && owner == pid &&
		    (!state || !strcmp(name, state)))
			found = true;
	return found;
}

static bool vfio_dma_map(int container, void *vaddr, uint64_t iova,
			 uint64_t size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return !ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
}

static bool vfio_dma_unmap(int container, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	return !ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap);
}

/* A type1 container with @gpu in it, its BAR 0 mapped and bus master on. */
static bool vfio_open(struct tenant_a *a)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_region_info bar = { .argsz = sizeof(bar),
					.index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info config = { .argsz = sizeof(config),
					   .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t command;
	ssize_t n;
	void *map;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", gpu);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
	a->container = open("/dev/vfio/vfio", O_RDWR);
	a->group = open(path, O_RDWR);
	if (a->container < 0 || a->group < 0 ||
	    ioctl(a->group, VFIO_GROUP_SET_CONTAINER, &a->container) ||
	    ioctl(a->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return false;
	a->device = ioctl(a->group, VFIO_GROUP_GET_DEVICE_FD, gpu);
	if (a->device < 0 ||
	    ioctl(a->device, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    ioctl(a->device, VFIO_DEVICE_GET_REGION_INFO, &config))
		return false;
	map = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   a->device, bar.offset);
	if (map == MAP_FAILED)
		return false;
	a->bar = map;
	if (pread(a->device, &command, 2, config.offset + 4) != 2)
		return false;
	command |= 4;	/* bus master */
	return pwrite(a->device, &command, 2, config.offset + 4) == 2;
}

static bool edu_dma(volatile uint32_t *bar, uint64_t src, uint64_t dst,
		    uint32_t cmd)
{
	bar[EDU_DMA_SRC / 4] = src;
	bar[EDU_DMA_DST / 4] = dst;
	bar[EDU_DMA_COUNT / 4] = COPY_LEN;
	bar[EDU_DMA_CMD / 4] = cmd;
	for (int i = 0; i < 100000; i++) {
		if (!(bar[EDU_DMA_CMD / 4] & EDU_DMA_START))
			return true;
		usleep(10);
	}
	return false;
}

/* What A's device reads at EGM_IOVA, into A's bounce buffer. */
static bool device_reads_egm(struct tenant_a *a)
{
	memset(a->bounce, 0, COPY_LEN);
	return edu_dma(a->bar, EGM_IOVA, EDU_BUFFER, EDU_DMA_START) &&
	       edu_dma(a->bar, EDU_BUFFER, BOUNCE_IOVA,
		       EDU_DMA_START | EDU_DMA_TO_RAM);
}

/* A's device writes the bounce buffer's words at EGM_IOVA. */
static bool device_writes_egm(struct tenant_a *a)
{
	return edu_dma(a->bar, BOUNCE_IOVA, EDU_BUFFER, EDU_DMA_START) &&
	       edu_dma(a->bar, EDU_BUFFER, EGM_IOVA,
		       EDU_DMA_START | EDU_DMA_TO_RAM);
}

/* Is @pid a zombie: exited, not yet reaped ("Z" in /proc/PID/stat)? */
static bool is_zombie(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z';
}

static char wait_for(int fd)
{
	char c = 0;

	return read(fd, &c, 1) == 1 ? c : 0;
}

static void say(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(3);
}

/*
 * Tenant B: opens the region; if it gets it, writes PATTERN_B, lets A's
 * device try, and reports whether its memory kept the pattern. Writes its
 * open errno to @report first.
 */
static void tenant_b(int go, int report)
{
	uint32_t *map;
	int fd, err;

	fd = open(dev_path, O_RDWR);
	err = fd < 0 ? errno : 0;
	if (write(report, &err, sizeof(err)) != sizeof(err) || fd < 0)
		_exit(0);
	map = mmap(NULL, EGM_MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		_exit(1);
	fill(map, PATTERN_B);
	say(report, 'w');
	wait_for(go);
	say(report, count_pattern(map, PATTERN_B) == NR_WORDS ? 'k' : 'x');
	_exit(0);
}

/* Maps the region, writes to it, closes it, and lives on until told. */
static void mapper_without_dma(int cmd, int ans)
{
	int fd = open(dev_path, O_RDWR);
	uint32_t *map = fd < 0 ? MAP_FAILED :
			mmap(NULL, EGM_MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (map == MAP_FAILED) {
		say(ans, 'n');
		_exit(1);
	}
	fill(map, PATTERN_A);
	munmap(map, EGM_MAP_LEN);
	close(fd);
	say(ans, 'y');
	wait_for(cmd);
	_exit(0);
}

/*
 * Tenant A, a process of its own: maps the region, hands it to its device,
 * closes it, and follows the commands on @cmd ('r': device reads EGM, 'w':
 * device writes it, 'o': open the region again, 'f': fork a child that
 * keeps the container and exit, 'u': unmap the DMA, 'q': quit), answering
 * on @ans.
 */
static void tenant_a(int cmd, int ans)
{
	struct tenant_a a = { 0 };
	uint32_t *egm;
	bool ok;
	int fd;
	char c;

	fd = open(dev_path, O_RDWR);
	egm = fd < 0 ? MAP_FAILED :
	      mmap(NULL, EGM_MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	a.bounce = mmap(NULL, BOUNCE_LEN, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (egm == MAP_FAILED || a.bounce == MAP_FAILED || !vfio_open(&a) ||
	    !vfio_dma_map(a.container, egm, EGM_IOVA, EGM_MAP_LEN) ||
	    !vfio_dma_map(a.container, a.bounce, BOUNCE_IOVA, BOUNCE_LEN)) {
		say(ans, 'n');
		_exit(1);
	}
	fill(egm, PATTERN_A);
	ok = device_reads_egm(&a) &&
	     count_pattern(a.bounce, PATTERN_A) == NR_WORDS;
	say(ans, ok ? 'y' : 'n');
	/* Gone from A's address space and files, not from its container. */
	munmap(egm, EGM_MAP_LEN);
	close(fd);
	for (;;) {
		switch (c = wait_for(cmd)) {
		case 'r':
			say(ans, device_reads_egm(&a) ?
				 (char)count_pattern(a.bounce, PATTERN_B) : -1);
			break;
		case 'w':
			fill(a.bounce, PATTERN_A);
			say(ans, device_writes_egm(&a) ? 'y' : 'n');
			break;
		case 'o':
			say(ans, open_errno(dev_path, 0));
			break;
		case 'f':
			/* The child keeps the container; A exits. */
			if (fork())
				_exit(0);
			say(ans, 'y');
			break;
		case 'u':
			ok = vfio_dma_unmap(a.container, EGM_IOVA, EGM_MAP_LEN) &&
			     vfio_dma_unmap(a.container, BOUNCE_IOVA, BOUNCE_LEN);
			say(ans, ok ? 'y' : 'n');
			break;
		default:
			_exit(c == 'q' ? 0 : 2);
		}
	}
}

static pid_t start(void (*fn)(int, int), int *to, int *from)
{
	int down[2], up[2];
	pid_t pid;

	if (pipe(down) || pipe(up))
		exit(2);
	pid = fork();
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		fn(down[0], up[1]);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	*to = down[1];
	*from = up[0];
	return pid;
}

static char ask(int to, int from, char c)
{
	say(to, c);
	return wait_for(from);
}

struct tenant_b {
	pid_t pid;
	int report, go;
};

/* B's open: 0 or its errno, or -1 while it still waits after @timeout_ms. */
static int tenant_b_opened(struct tenant_b *b, int timeout_ms)
{
	struct pollfd pfd = { .fd = b->report, .events = POLLIN };
	int err = -1;

	if (poll(&pfd, 1, timeout_ms) == 1 &&
	    read(b->report, &err, sizeof(err)) != sizeof(err))
		err = -2;
	return err;
}

/* B got the region while A's device had its IOMMU entries: look. */
static void tenant_b_meets_a(struct tenant_b *b, int a_to, int a_from)
{
	char c;

	if (wait_for(b->report) != 'w')
		return;
	c = ask(a_to, a_from, 'r');
	tap_ok(c == 0, "A's device reads none of B's words (%d of %u)",
	       (int)(signed char)c, NR_WORDS);
	tap_ok(ask(a_to, a_from, 'w') == 'y', "A's device writes at B's memory");
	say(b->go, 'g');
	tap_ok(wait_for(b->report) == 'k', "B's memory keeps what B wrote");
}

static void tenant_b_done(struct tenant_b *b)
{
	close(b->go);
	close(b->report);
	waitpid(b->pid, NULL, 0);
}

int main(int argc, char **argv)
{
	struct tenant_b b;
	int a_to, a_from, status, err;
	double t0, waited;
	char *slash;
	pid_t a;

	if (argc != 3) {
		fprintf(stderr, "usage: %s /dev/egmN PCI-ADDRESS\n", argv[0]);
		return 2;
	}
	dev_path = argv[1];
	gpu = argv[2];
	slash = strrchr(dev_path, '/');
	snprintf(region_name, sizeof(region_name), "%s",
		 slash ? slash + 1 : dev_path);

	/* Only DMA mappings keep a region: mapping it does not, for itself. */
	a = start(mapper_without_dma, &a_to, &a_from);
	tap_ok(wait_for(a_from) == 'y', "a process maps %s and closes it", dev_path);
	err = open_errno(dev_path, 0);
	tap_ok(err == 0,
	       "while it runs, without DMA mappings, another process gets the region (%s)",
	       strerror(err));
	tap_ok(!dma_owners_name(a, NULL), "and dma_owners forgets it");
	say(a_to, 'q');
	close(a_to);
	close(a_from);
	waitpid(a, NULL, 0);

	/* Nor does a mapper that exited and was not reaped (a zombie). */
	a = start(mapper_without_dma, &a_to, &a_from);
	tap_ok(wait_for(a_from) == 'y', "a process maps %s and closes it", dev_path);
	say(a_to, 'q');
	tap_ok(!waitid(P_PID, a, &(siginfo_t){}, WEXITED | WNOWAIT) && is_zombie(a),
	       "it exits and stays unreaped (a zombie)");
	tap_ok(wait_clean(), "the region is scrubbed after its close");
	err = open_errno(dev_path, O_NONBLOCK);
	tap_ok(err == 0, "another process gets the region at once (%s)",
	       strerror(err));
	tap_ok(!dma_owners_name(a, NULL), "and dma_owners forgets the zombie");
	close(a_to);
	close(a_from);
	waitpid(a, NULL, 0);

	a = start(tenant_a, &a_to, &a_from);
	if (!tap_ok(wait_for(a_from) == 'y',
		    "A maps %s, DMA-maps it for %s and its device reads what A wrote",
		    dev_path, gpu))
		return 1;
	tap_ok(dma_owners_name(a, "live"), "dma_owners names A (%d), live", a);

	b.pid = start(tenant_b, &b.go, &b.report);
	err = tenant_b_opened(&b, 60000);
	tap_ok(err == EBUSY, "while A lives, B's open() gets EBUSY (%s)",
	       err > 0 ? strerror(err) : err ? "no answer" : "B got the region");
	if (!err)
		tenant_b_meets_a(&b, a_to, a_from);
	tenant_b_done(&b);
	tap_ok(ask(a_to, a_from, 'o') == 0, "A itself opens the region again");
	/* From here on, only A's DMA mappings can make an open wait. */
	tap_ok(wait_clean(), "the region is scrubbed after A's close");

	/* A exits; a child of A keeps the container, so A's task is held. */
	tap_ok(ask(a_to, a_from, 'f') == 'y', "A forks a child that keeps the container");
	waitpid(a, &status, 0);
	tap_ok(dma_owners_name(a, "exited"), "dma_owners says A (%d) exited", a);
	err = open_errno(dev_path, O_NONBLOCK);
	tap_ok(err == EAGAIN,
	       "while its container holds A, an O_NONBLOCK open gets EAGAIN (%s)",
	       strerror(err));
	b.pid = start(tenant_b, &b.go, &b.report);
	err = tenant_b_opened(&b, 500);
	tap_ok(err == -1, "B's blocking open waits (%s)",
	       err > 0 ? strerror(err) : err == -1 ? "still waiting" : "B got the region");
	if (!err) {
		tenant_b_meets_a(&b, a_to, a_from);
	} else if (err == -1) {
		t0 = now_s();
		tap_ok(ask(a_to, a_from, 'u') == 'y',
		       "the child unmaps its DMA and keeps the container open");
		/* The unmap's own time is the emulated IOMMU's, not ours. */
		tap_note("the unmap took %.3f s", now_s() - t0);
		t0 = now_s();
		err = tenant_b_opened(&b, 10000);
		waited = now_s() - t0;
		tap_ok(err == 0, "then B gets the region (%s), %.3f s after the unmap",
		       err > 0 ? strerror(err) : err ? "no answer" : "ok", waited);
		tap_ok(waited < 1, "within a second of it");
		tap_ok(!dma_owners_name(a, NULL), "and dma_owners no longer names A");
		if (!err && wait_for(b.report) == 'w') {
			say(b.go, 'g');
			wait_for(b.report);
		}
	}
	tenant_b_done(&b);
	say(a_to, 'q');
	close(a_to);
	close(a_from);
	while (wait(NULL) > 0)
		;
	return tap_exit_status();
}
