/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing one value to a sysfs, debugfs or procfs file, as the tests do. */
#ifndef EGM_TEST_WRITE_FILE_H
#define EGM_TEST_WRITE_FILE_H

#include <fcntl.h>
#include <stdbool.h>
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

#endif
