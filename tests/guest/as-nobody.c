// SPDX-License-Identifier: GPL-2.0-only
/*
 * as-nobody [-g GID] COMMAND [ARGS...]: runs COMMAND as uid/gid 65534, with
 * GID as its one supplementary group if given.
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	gid_t groups[1];
	size_t ngroups = 0;

	if (argc > 3 && !strcmp(argv[1], "-g")) {
		groups[ngroups++] = (gid_t)strtoul(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: as-nobody [-g GID] COMMAND [ARGS...]\n");
		return 2;
	}
	if (setgroups(ngroups, groups) || setgid(65534) || setuid(65534)) {
		perror("as-nobody");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
