// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a udev rule sees on ADD: loads the module and, the moment each
 * region's ADD uevent arrives, reads its retired_pages, gpu_devices and GPU
 * links, then checks that they already were what they are once the load is
 * done.
 *
 *   egm-uevent-test MODULE.ko NR_REGIONS [PARAMS]
 *
 * The listener runs at real-time priority on the CPU the load runs on, so
 * it reads before the load goes on past the uevent: whatever the driver
 * adds after the uevent is missing from its snapshot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define MAX_REGIONS 16
#define TEXT_MAX 65536

struct snapshot {
	char name[32];
	char retired[TEXT_MAX];
	char gpus[1024];
	char links[1024];
};

static struct snapshot at_add[MAX_REGIONS];
static struct snapshot now;
static unsigned int nr_added;

/* The file's text, or "(missing)" when it cannot be opened. */
static void read_text(const char *dir, const char *file, char *buf, size_t len)
{
	char path[256];
	ssize_t n, done = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(buf, len, "(missing: %s)", strerror(errno));
		return;
	}
	while ((n = read(fd, buf + done, len - 1 - done)) > 0)
		done += n;
	buf[done] = '\0';
	close(fd);
}

/* The links to PCI functions ("dddd:bb:dd.f"), sorted, one per line. */
static void read_links(const char *dir, char *buf, size_t len)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t done = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		unsigned int d, b, s, f;
		char end;

		if (sscanf(names[i]->d_name, "%x:%x:%x.%x%c", &d, &b, &s, &f,
			   &end) == 4 && done < len)
			done += snprintf(buf + done, len - done, "%s\n",
					 names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void take_snapshot(const char *name, struct snapshot *snap)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "/sys/class/egm/%s", name);
	snprintf(snap->name, sizeof(snap->name), "%s", name);
	read_text(dir, "retired_pages", snap->retired, sizeof(snap->retired));
	read_text(dir, "gpu_devices", snap->gpus, sizeof(snap->gpus));
	read_links(dir, snap->links, sizeof(snap->links));
}

/* The egm device an "add@" message announces, or NULL. */
static const char *added_region(const char *msg, size_t len)
{
	const char *p, *subsystem = NULL, *devname = NULL;

	if (strncmp(msg, "add@", 4))
		return NULL;
	for (p = msg; p < msg + len; p += strlen(p) + 1) {
		if (!strncmp(p, "SUBSYSTEM=", 10))
			subsystem = p + 10;
		else if (!strncmp(p, "DEVNAME=", 8))
			devname = p + 8;
	}
	return subsystem && devname && !strcmp(subsystem, "egm") ? devname : NULL;
}

static void pin_to_cpu0(void)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		tap_note("sched_setaffinity: %s", strerror(errno));
}

static pid_t start_load(const char *module, const char *params)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sched_param normal = { .sched_priority = 0 };
		int fd = open(module, O_RDONLY | O_CLOEXEC);

		/* Below the listener, which preempts it at the uevent. */
		sched_setscheduler(0, SCHED_OTHER, &normal);
		pin_to_cpu0();
		if (fd < 0 || syscall(SYS_finit_module, fd, params, 0)) {
			perror(module);
			_exit(1);
		}
		_exit(0);
	}
	return pid;
}

static int open_uevents(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			NETLINK_KOBJECT_UEVENT);
	int size = 4 << 20;

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		tap_note("uevent socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

int main(int argc, char **argv)
{
	struct sched_param rt = { .sched_priority = 50 };
	unsigned int want;
	char msg[8192];
	int fd, status;
	pid_t loader;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s MODULE.ko NR_REGIONS [PARAMS]\n", argv[0]);
		return 2;
	}
	want = strtoul(argv[2], NULL, 0);
	fd = open_uevents();
	if (!tap_ok(fd >= 0, "listen to kernel uevents"))
		return 1;
	pin_to_cpu0();
	if (sched_setscheduler(0, SCHED_FIFO, &rt))
		tap_note("SCHED_FIFO: %s", strerror(errno));

	loader = start_load(argv[1], argc == 4 ? argv[3] : "");
	while (nr_added < want && nr_added < MAX_REGIONS) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const char *name;
		ssize_t len;

		if (poll(&pfd, 1, 60000) <= 0)
			break;
		len = recv(fd, msg, sizeof(msg) - 1, 0);
		if (len <= 0)
			break;
		msg[len] = '\0';
		name = added_region(msg, len);
		if (name)
			take_snapshot(name, &at_add[nr_added++]);
	}
	rt.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &rt);
	tap_ok(waitpid(loader, &status, 0) == loader && WIFEXITED(status) &&
	       !WEXITSTATUS(status), "the module loads");
	tap_ok(nr_added == want, "%u ADD uevents of egm devices, %u expected",
	       nr_added, want);

	for (unsigned int i = 0; i < nr_added; i++) {
		const struct snapshot *add = &at_add[i];

		take_snapshot(add->name, &now);
		tap_ok(!strcmp(add->retired, now.retired),
		       "%s: retired_pages on ADD is what it is after the load (%zu and %zu bytes%s%s)",
		       add->name, strlen(add->retired), strlen(now.retired),
		       add->retired[0] == '(' ? ", on ADD " : "",
		       add->retired[0] == '(' ? add->retired : "");
		tap_ok(!strcmp(add->gpus, now.gpus),
		       "%s: gpu_devices on ADD lists its GPUs (%zu and %zu bytes)",
		       add->name, strlen(add->gpus), strlen(now.gpus));
		tap_ok(!strcmp(add->links, now.links),
		       "%s: the GPU links exist on ADD (%zu and %zu bytes)",
		       add->name, strlen(add->links), strlen(now.links));
	}
	close(fd);
	return tap_exit_status();
}
