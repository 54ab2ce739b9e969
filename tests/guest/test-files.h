/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The files the guest tests read and write: sysfs, debugfs and procfs
 * values, the region attributes under /sys/class/egm, and device nodes.
 */
#ifndef EGM_TEST_FILES_H
#define EGM_TEST_FILES_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* True when all of @text was written to @path in one write(). */
static inline bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/*
 * The region attribute /sys/class/egm/@region/@attr into @buf, without its
 * last newline; "" when it cannot be read. Returns @buf.
 */
static inline char *read_region_attr(const char *region, const char *attr,
				     char *buf, size_t len)
{
	char path[128];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/egm/%s/%s", region, attr);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return buf;
}

/* 0 when @path opens read-write with @flags (and is closed again), or errno. */
static inline int open_errno(const char *path, int flags)
{
	int fd = open(path, O_RDWR | flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

#endif
