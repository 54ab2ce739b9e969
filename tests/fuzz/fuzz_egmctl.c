// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: egmctl's command line, whole, over a fake sysfs tree
 * with two regions (egm4 with retired ranges and a GPU, egm5). The input
 * is split at newlines into arguments. Programs egmctl would run (QEMU for
 * its version, grep for module lists) are out of reach: PATH is empty and
 * --qemu, which names a binary, is dropped; "check" is replaced by "list"
 * (it looks at the real host).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egmctl-main.h"
#include "fake-sysfs.h"

#define MAX_ARGS 24

static char buf[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	char *argv[MAX_ARGS + 1], *p = buf, *end;
	bool drop_next = false;
	int argc = 0;

	if (!ready) {
		char path[160];

		fake_init();
		fake_region("egm4", NULL, NULL);
		fake_region("egm5", NULL, NULL);
		snprintf(path, sizeof(path), "%s/sys", fake_root);
		setenv("EGMCTL_SYSFS_ROOT", path, 1);
		snprintf(path, sizeof(path), "%s/dev", fake_root);
		setenv("EGMCTL_DEV_ROOT", path, 1);
		setenv("PATH", "/nonexistent", 1);
		/* egmctl's output to /dev/null; the sanitizers' reports still on fd 2. */
		stdout = fopen("/dev/null", "w");
		stderr = fopen("/dev/null", "w");
		if (!stdout || !stderr)
			abort();
		ready = true;
	}
	if (size >= sizeof(buf))
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (strlen(buf) != size)
		return 0;	/* a NUL cannot be in an argument */

	argv[argc++] = "egmctl";
	while (argc < MAX_ARGS && p) {
		end = strchr(p, '\n');
		if (end)
			*end++ = '\0';
		/* --qemu BINARY, --qemu=BINARY, or an abbreviation of it. */
		if (drop_next || !strncmp(p, "--q", 3)) {
			drop_next = !drop_next && !strchr(p, '=');
			p = end;
			continue;
		}
		argv[argc++] = strcmp(p, "check") ? p : "list";
		p = end;
	}
	argv[argc] = NULL;
	egmctl_main(argc, argv);
	return 0;
}
