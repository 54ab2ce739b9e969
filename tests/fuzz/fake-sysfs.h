/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake sysfs and /dev under a temporary directory, for the fuzzers of
 * libegm's readers and of egmctl: /sys/class/egm/<name>/<attribute> files
 * and GPU links, as the driver makes them.
 */
#ifndef EGM_FAKE_SYSFS_H
#define EGM_FAKE_SYSFS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fake_root[64];

static void fake_path(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", fake_root, rel);
}

static void fake_put(const char *rel, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	fake_path(path, sizeof(path), rel);
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, len, f);
	fclose(f);
}

static void fake_dir(const char *rel)
{
	char path[256];

	fake_path(path, sizeof(path), rel);
	mkdir(path, 0755);
}

static const char *const fake_attrs[] = {
	"size", "align", "pxm", "numa_node", "scrub_state", "scrub_progress",
	"retired_pages", "base", "egm_size",
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define FAKE_NR_ATTRS ARRAY_SIZE(fake_attrs)

/* A region with the given attribute texts (NULL: a sound default) and a GPU link. */
static void fake_region(const char *name, const char *const *texts,
			const size_t *lens)
{
	static const char *const sound[FAKE_NR_ATTRS] = {
		"2147483648\n", "1073741824\n", "4\n", "1\n", "clean\n",
		"2147483648\n",
		"0x0000000000010000 0x0000000000010000\n0x0000000001000000 0x0000000000200000\n",
		"0x140000000\n", "0x80000000\n",
	};
	char rel[128], link[256];

	snprintf(rel, sizeof(rel), "sys/class/egm/%s", name);
	fake_dir(rel);
	for (size_t i = 0; i < FAKE_NR_ATTRS; i++) {
		const char *text = texts && texts[i] ? texts[i] : sound[i];
		size_t len = texts && texts[i] ? lens[i] : strlen(sound[i]);

		snprintf(rel, sizeof(rel), "sys/class/egm/%s/%s", name, fake_attrs[i]);
		fake_put(rel, text, len);
	}
	snprintf(rel, sizeof(rel), "sys/class/egm/%s/0000:00:03.0", name);
	fake_path(link, sizeof(link), rel);
	symlink("../../../devices/pci0000:00/0000:00:03.0", link);
	snprintf(rel, sizeof(rel), "dev/%s", name);
	fake_put(rel, "", 0);
}

/* The tree's skeleton, in memory-backed /dev/shm when there is one. */
static void fake_init(void)
{
	strcpy(fake_root, access("/dev/shm", W_OK) ? "/tmp/egm-fuzz.XXXXXX" :
						     "/dev/shm/egm-fuzz.XXXXXX");
	if (!mkdtemp(fake_root))
		abort();
	fake_dir("sys");
	fake_dir("sys/class");
	fake_dir("sys/class/egm");
	fake_dir("sys/devices");
	fake_dir("sys/devices/pci0000:00");
	fake_dir("sys/devices/pci0000:00/0000:00:03.0");
	fake_dir("dev");
}

#endif
