// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module load under fault injection (a kernel with CONFIG_FAULT_INJECTION,
 * FAILSLAB and FAIL_PAGE_ALLOC): fails, one load at a time, every STEP-th
 * of the last POINTS allocations of the load (the module's init, as the
 * load's own come first; from a random start, printed, so that runs cover
 * different points), while another thread keeps opening DEV.
 *
 *   egm-load-faults MODULE DEV POINTS STEP [PARAMS]
 *
 * A load that fails never showed a region (no ADD uevent of one): once a
 * region exists, a file opened on it would outlive the module. A load that
 * succeeds has every region it shows working, and unloads. KASAN and
 * lockdep watch the rest.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "test-files.h"

static const char *dev_path;
static atomic_bool loading;
static int held_fd = -1;

/* Opens DEV as soon as it appears, and keeps it until the load is over. */
static void *holder(void *arg)
{
	(void)arg;
	while (atomic_load(&loading) && held_fd < 0)
		held_fd = open(dev_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return NULL;
}

static long fail_nth(long n)
{
	char path[64], text[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/thread-self/fail-nth");
	if (n >= 0) {
		snprintf(text, sizeof(text), "%ld", n);
		if (!write_file(path, text))
			return -1;
		return n;
	}
	f = fopen(path, "r");
	if (!f || !fgets(text, sizeof(text), f))
		n = -1;
	else
		n = strtol(text, NULL, 10);
	if (f)
		fclose(f);
	return n;
}

static int load(int module_fd, const char *params)
{
	return syscall(SYS_finit_module, module_fd, params, 0) ? errno : 0;
}

/* 0, or the errno of the last attempt. */
static int unload(void)
{
	int err = 0;

	for (int i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, "nvgrace_egm", O_NONBLOCK))
			return 0;
		err = errno;
		if (err != EAGAIN && err != EBUSY)
			break;
		usleep(20000);
	}
	return err;
}

static unsigned int count_regions(void)
{
	DIR *d = opendir("/sys/class/egm");
	struct dirent *e;
	unsigned int n = 0;

	while (d && (e = readdir(d)))
		n += !strncmp(e->d_name, "egm", 3);
	if (d)
		closedir(d);
	return n;
}

/* Every region the load shows opens and has its size. */
static bool regions_work(void)
{
	DIR *d = opendir("/sys/class/egm");
	struct dirent *e;
	bool ok = true;

	while (d && (e = readdir(d))) {
		char path[300], size_text[32] = "";
		FILE *f;
		int fd;

		if (strncmp(e->d_name, "egm", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/class/egm/%s/size", e->d_name);
		f = fopen(path, "r");
		if (!f || !fgets(size_text, sizeof(size_text), f))
			ok = false;
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno != EBUSY) {
			tap_note("open %s: %s", path, strerror(errno));
			ok = false;
		} else if (fd >= 0) {
			if ((unsigned long long)lseek(fd, 0, SEEK_END) !=
			    strtoull(size_text, NULL, 0))
				ok = false;
			close(fd);
		}
	}
	if (d)
		closedir(d);
	return ok;
}

static int open_uevents(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);
	int size = 4 << 20;

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* ADD uevents of egm devices queued on @fd since the last call. */
static unsigned int egm_adds(int fd)
{
	unsigned int adds = 0;
	char msg[8192];
	ssize_t len;

	while ((len = recv(fd, msg, sizeof(msg) - 1, 0)) > 0) {
		msg[len] = '\0';
		adds += !strncmp(msg, "add@", 4) && strstr(msg, "/egm/egm");
	}
	return adds;
}

/* The fault-injection knobs: fail sleeping allocations too, quietly. */
static bool setup_fault_injection(void)
{
	static const char *const knobs[][2] = {
		{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/failslab/verbose", "0" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (!write_file(knobs[i][0], knobs[i][1])) {
			tap_note("%s: %s", knobs[i][0], strerror(errno));
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned int failed_clean = 0, loaded_working = 0, bad = 0, injected = 0;
	const char *params;
	long total, points, step, start, n, left;
	int module_fd, uevents, err;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: %s MODULE DEV POINTS STEP [PARAMS]\n",
			argv[0]);
		return 2;
	}
	dev_path = argv[2];
	points = strtol(argv[3], NULL, 0);
	step = strtol(argv[4], NULL, 0);
	params = argc == 6 ? argv[5] : "";
	if (step < 1)
		step = 1;
	start = time(NULL) % step;
	module_fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	uevents = open_uevents();
	if (!tap_ok(module_fd >= 0, "open %s", argv[1]) ||
	    !tap_ok(uevents >= 0, "listen to uevents") ||
	    !tap_ok(setup_fault_injection(), "fault injection set up"))
		return 1;

	/* Count the fault points of one whole load. */
	fail_nth(1000000);
	err = load(module_fd, params);
	left = fail_nth(-1);
	fail_nth(0);
	total = 1000000 - left;
	if (!tap_ok(!err && left > 0, "a load without a fault works: %ld fault points (%s)",
		    total, strerror(err)) ||
	    !tap_ok(!unload(), "and unloads"))
		return 1;

	tap_note("fault points %ld down to %ld, every %ld-th", total - start,
		 total - points + 1, step);
	for (n = total - start; n > 0 && n > total - points; n -= step) {
		pthread_t thread;
		unsigned int regions;

		egm_adds(uevents);
		atomic_store(&loading, true);
		held_fd = -1;
		pthread_create(&thread, NULL, holder, NULL);
		fail_nth(n);
		err = load(module_fd, params);
		left = fail_nth(-1);
		fail_nth(0);
		atomic_store(&loading, false);
		pthread_join(thread, NULL);
		injected += left == 0;
		regions = count_regions();
		if (held_fd >= 0) {
			/* The file outlives whatever the load did. */
			lseek(held_fd, 0, SEEK_END);
			close(held_fd);
		}
		if (err) {
			unsigned int adds = egm_adds(uevents);

			if (regions || adds) {
				bad++;
				tap_note("fault point %ld: failed (%s) after %u ADD(s), %u left",
					 n, strerror(err), adds, regions);
			} else {
				failed_clean++;
			}
			continue;
		}
		if (!regions_work()) {
			bad++;
			tap_note("fault point %ld: a region of the load does not work", n);
		} else {
			loaded_working++;
		}
		err = unload();
		if (err) {
			tap_note("fault point %ld: unload: %s", n, strerror(err));
			return 1;
		}
	}
	tap_ok(injected > 0, "%u of %ld loads had their fault injected", injected,
	       (points + step - 1) / step);
	tap_ok(!bad,
	       "each load with a fault failed before any region existed (%u) or loaded with its regions working (%u); %u did neither",
	       failed_clean, loaded_working, bad);
	return tap_exit_status();
}
