// SPDX-License-Identifier: GPL-2.0-only
/*
 * socket-relay A B: connects to the Unix sockets A and B (waiting up to a
 * minute for each to appear) and copies bytes both ways until either side
 * closes. sim/run-guest.sh joins the guest's error-injection port to
 * QEMU's QMP monitor with it, so that a test inside the simulated host can
 * have QEMU inject a firmware error record.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "socket-relay: %s: path too long\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	for (int i = 0; i < 600; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			return fd;
		close(fd);
		usleep(100000);
	}
	fprintf(stderr, "socket-relay: cannot connect to %s: %s\n", path,
		strerror(errno));
	return -1;
}

/* Copies what is readable on @from to @to; false once @from has closed. */
static int copy_once(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	for (ssize_t done = 0; n > 0 && done < n;) {
		ssize_t w = write(to, buf + done, n - done);

		if (w <= 0)
			return 0;
		done += w;
	}
	return n > 0;
}

int main(int argc, char **argv)
{
	struct pollfd fds[2];
	int a, b;

	if (argc != 3) {
		fprintf(stderr, "usage: socket-relay SOCKET-A SOCKET-B\n");
		return 2;
	}
	a = connect_to(argv[1]);
	b = a < 0 ? -1 : connect_to(argv[2]);
	if (b < 0)
		return 1;
	fds[0] = (struct pollfd){ .fd = a, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = b, .events = POLLIN };
	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (fds[0].revents && !copy_once(a, b))
			return 0;
		if (fds[1].revents && !copy_once(b, a))
			return 0;
	}
}
