// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libegm: opening and mapping a region, and waiting for its scrub on the
 * driver's uevent.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "private.h"

int egm_region_open(struct egm_region *region, bool nonblock)
{
	int fd = open(region->devnode,
		      O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
	int err = errno;

	if (fd >= 0)
		return fd;
	switch (err) {
	case EBUSY:
		return egm_fail(region->ctx, err,
				"%s is in use by another process, or one that mapped it still runs (a region goes to one VM at a time; see its dma_owners)",
				region->devnode);
	case EACCES:
	case EPERM:
		return egm_fail(region->ctx, err,
				"permission denied opening %s (mode 0600: run as root, or have the device node given to you)",
				region->devnode);
	case EAGAIN:
		return egm_fail(region->ctx, err,
				"%s is being scrubbed, or the DMA mappings of a process that mapped it are not gone yet (its dma_owners); open it without O_NONBLOCK to wait, or run 'egmctl wait %s'",
				region->devnode, region->name);
	case ENOENT:
		return egm_fail(region->ctx, err,
				"%s does not exist (is devtmpfs mounted on /dev?)",
				region->devnode);
	case ENODEV:
		return egm_fail(region->ctx, err,
				"%s is going away (its driver was unbound)",
				region->devnode);
	default:
		return egm_fail(region->ctx, err, "cannot open %s: %s",
				region->devnode, strerror(err));
	}
}

void *egm_region_map(struct egm_region *region, int fd, uint64_t offset,
		     uint64_t len)
{
	void *map;

	if (offset > region->size || len > region->size - offset || !len) {
		egm_fail(region->ctx, EINVAL,
			 "cannot map [%#llx, +%#llx) of %s: it has %#llx bytes",
			 (unsigned long long)offset, (unsigned long long)len,
			 region->name, (unsigned long long)region->size);
		return NULL;
	}
	/* No MAP_FIXED: the driver picks an address aligned like the memory. */
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	if (map == MAP_FAILED) {
		egm_fail(region->ctx, errno, "cannot map %s: %s", region->name,
			 strerror(errno));
		return NULL;
	}
	return map;
}

/* A socket that receives the kernel's uevents. */
static int uevent_socket(struct egm_ctx *ctx)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return egm_fail(ctx, errno, "cannot listen for uevents: %s",
				strerror(errno));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = errno;

		close(fd);
		return egm_fail(ctx, err, "cannot listen for uevents: %s",
				strerror(err));
	}
	return fd;
}

/* Drains the socket; true when one of them says @name is clean. */
static bool got_clean_uevent(int fd, const char *name)
{
	char msg[4096], suffix[48];
	bool clean = false;
	ssize_t n;

	snprintf(suffix, sizeof(suffix), "/%s", name);
	while ((n = recv(fd, msg, sizeof(msg) - 1, 0)) > 0) {
		bool ours = false, says_clean = false;

		msg[n] = '\0';
		for (char *p = msg; p < msg + n; p += strlen(p) + 1) {
			size_t len = strlen(p);

			if (!strncmp(p, "DEVPATH=", 8) && len >= strlen(suffix) &&
			    !strcmp(p + len - strlen(suffix), suffix))
				ours = true;
			if (!strcmp(p, "EGM_SCRUB_STATE=clean"))
				says_clean = true;
		}
		clean |= ours && says_clean;
	}
	return clean;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int egm_region_wait_clean(struct egm_region *region, int timeout_ms,
			  int tick_ms, egm_progress_fn progress, void *arg)
{
	long long deadline = now_ms() + timeout_ms;
	enum egm_scrub_state state;
	uint64_t done = 0;
	bool kicked = false;
	int sock, ret = 0;

	/* Listen first, so that the uevent cannot slip by. */
	sock = uevent_socket(region->ctx);
	if (sock < 0)
		return sock;
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int wait_ms = tick_ms > 0 ? tick_ms : -1;

		state = egm_region_scrub_state(region);
		if (state == EGM_SCRUB_CLEAN)
			break;
		if (state == EGM_SCRUB_UNKNOWN) {
			char raw[64];

			/* A read error has said why already; a new state has not. */
			ret = egm_read_attr(region, "scrub_state", raw, sizeof(raw));
			if (!ret)
				ret = egm_fail(region->ctx, EIO,
					       "%s/scrub_state: '%s' is not a state this libegm knows",
					       region->sysfs, raw);
			break;
		}
		if (state == EGM_SCRUB_DIRTY && !kicked) {
			/* Nothing zeroes it until someone opens it. */
			int fd = egm_region_open(region, true);

			if (fd >= 0) {
				close(fd);
			} else if (fd != -EAGAIN && fd != -EBUSY) {
				ret = fd;
				break;
			}
			kicked = true;
		}
		if (progress) {
			egm_region_scrub_progress(region, &done);
			progress(region, state, done, region->size, arg);
		}
		if (timeout_ms >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				ret = egm_fail(region->ctx, ETIMEDOUT,
					       "%s is still %s after %d ms",
					       region->name,
					       egm_scrub_state_name(state), timeout_ms);
				break;
			}
			if (wait_ms < 0 || wait_ms > left)
				wait_ms = left;
		}
		if (poll(&pfd, 1, wait_ms) > 0 && got_clean_uevent(sock, region->name))
			continue;	/* the loop re-reads the state */
	}
	close(sock);
	if (!ret && progress)
		progress(region, EGM_SCRUB_CLEAN, region->size, region->size, arg);
	return ret;
}
