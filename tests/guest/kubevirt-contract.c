// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVIDIA's KubeVirt fork and its device plugin, as they use EGM, against
 * this driver: for each /sys/class/egm/egmN they read egm_size ("0x%lx")
 * and gpu_devices (one "%04x:%02x:%02x.%x" PCI address per line), find the
 * region of a GPU through gpu_devices, require /dev/egmN, put all the
 * socket's GPUs in one VM and split egm_size evenly between them, MiB
 * aligned: one memory device per GPU, each a file of its own on /dev/egmN
 * at its share's offset, all opened by the one VMM process.
 *
 *   egm-kubevirt-contract   (TAP; exits 1 if any check fails)
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "test-files.h"

#define MIB ((uint64_t)1 << 20)
#define MAX_GPUS 16
#define MAX_REGIONS 16

struct region {
	char name[32];
	uint64_t egm_size;
	unsigned int nr_gpus;
	char gpus[MAX_GPUS][16];
};

static struct region regions[MAX_REGIONS];
static unsigned int nr_regions;

/* "%04x:%02x:%02x.%x": the form KubeVirt compares PCI addresses in. */
static bool is_pci_address(const char *s)
{
	static const char form[] = "hhhh:hh:hh.h";

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (unsigned int i = 0; form[i]; i++) {
		bool lower_hex = isxdigit((unsigned char)s[i]) &&
				 !isupper((unsigned char)s[i]);

		if (form[i] == 'h' ? !lower_hex : s[i] != form[i])
			return false;
	}
	return s[11] <= '7';
}

static void read_region(struct region *r)
{
	char buf[4096], *end, path[128];
	struct stat st;
	bool ok = true;

	read_region_attr(r->name, "egm_size", buf, sizeof(buf));
	errno = 0;
	r->egm_size = strtoull(buf, &end, 16);
	tap_ok(!strncmp(buf, "0x", 2) && !*end && !errno && r->egm_size,
	       "%s: egm_size \"%s\" is 0x%%lx", r->name, buf);

	read_region_attr(r->name, "gpu_devices", buf, sizeof(buf));
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", line);
		if (!is_pci_address(line) || stat(path, &st) ||
		    r->nr_gpus == MAX_GPUS) {
			tap_note("%s: gpu_devices line \"%s\"", r->name, line);
			ok = false;
			continue;
		}
		snprintf(r->gpus[r->nr_gpus++], sizeof(r->gpus[0]), "%s", line);
	}
	tap_ok(ok && r->nr_gpus,
	       "%s: gpu_devices lists %u GPUs, each a PCI device of this host",
	       r->name, r->nr_gpus);

	snprintf(path, sizeof(path), "/dev/%s", r->name);
	tap_ok(!stat(path, &st) && S_ISCHR(st.st_mode),
	       "%s is the character device the pod is given", path);
}

/* The device plugin: the one region whose gpu_devices names @gpu. */
static const struct region *region_of_gpu(const char *gpu)
{
	const struct region *found = NULL;
	unsigned int matches = 0;

	for (unsigned int i = 0; i < nr_regions; i++)
		for (unsigned int g = 0; g < regions[i].nr_gpus; g++)
			if (!strcmp(regions[i].gpus[g], gpu)) {
				found = &regions[i];
				matches++;
			}
	return matches == 1 ? found : NULL;
}

/*
 * The VM with all of @r's GPUs: a file per GPU share, each opened and
 * mapped by this one process, written through its own mapping and found
 * at its offset through a mapping of the whole region.
 */
static void start_vm(const struct region *r)
{
	uint64_t share = r->egm_size / r->nr_gpus & ~(MIB - 1);
	char path[64];
	uint64_t *whole, *maps[MAX_GPUS] = { NULL };
	int fds[MAX_GPUS], whole_fd;
	unsigned int opened = 0, right = 0;

	snprintf(path, sizeof(path), "/dev/%.31s", r->name);
	for (unsigned int g = 0; g < r->nr_gpus; g++) {
		fds[g] = open(path, O_RDWR);
		if (fds[g] < 0)
			continue;
		opened++;
		maps[g] = mmap(NULL, share, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fds[g], g * share);
		if (maps[g] == MAP_FAILED) {
			tap_note("mmap of share %u: %s", g, strerror(errno));
			maps[g] = NULL;
			continue;
		}
		maps[g][0] = 0xe6e0000000000000ULL | g;
		maps[g][share / 8 - 1] = 0xe6e1000000000000ULL | g;
	}
	tap_ok(opened == r->nr_gpus,
	       "%s: one process opens it once per GPU (%u of %u)", r->name,
	       opened, r->nr_gpus);

	whole_fd = open(path, O_RDWR);
	whole = whole_fd < 0 ? MAP_FAILED :
		mmap(NULL, share * r->nr_gpus, PROT_READ, MAP_SHARED, whole_fd, 0);
	for (unsigned int g = 0; whole != MAP_FAILED && g < r->nr_gpus; g++)
		right += maps[g] && whole[g * share / 8] == (0xe6e0000000000000ULL | g) &&
			 whole[(g + 1) * share / 8 - 1] == (0xe6e1000000000000ULL | g);
	tap_ok(right == r->nr_gpus,
	       "%s: each GPU's %" PRIu64 " MiB share is at its own offset (%u of %u)",
	       r->name, share / MIB, right, r->nr_gpus);

	if (whole != MAP_FAILED)
		munmap(whole, share * r->nr_gpus);
	if (whole_fd >= 0)
		close(whole_fd);
	for (unsigned int g = 0; g < r->nr_gpus; g++) {
		if (maps[g])
			munmap(maps[g], share);
		if (fds[g] >= 0)
			close(fds[g]);
	}
}

int main(void)
{
	DIR *dir = opendir("/sys/class/egm");
	struct dirent *d;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!tap_ok(dir, "/sys/class/egm exists"))
		return 1;
	while ((d = readdir(dir)) && nr_regions < MAX_REGIONS)
		if (!strncmp(d->d_name, "egm", 3))
			snprintf(regions[nr_regions++].name,
				 sizeof(regions[0].name), "%.31s", d->d_name);
	closedir(dir);
	if (!tap_ok(nr_regions, "%u regions", nr_regions))
		return 1;

	for (unsigned int i = 0; i < nr_regions; i++)
		read_region(&regions[i]);
	for (unsigned int i = 0; i < nr_regions; i++) {
		unsigned int found = 0;

		for (unsigned int g = 0; g < regions[i].nr_gpus; g++)
			found += region_of_gpu(regions[i].gpus[g]) == &regions[i];
		tap_ok(found == regions[i].nr_gpus,
		       "%s: the device plugin finds it from each of its GPUs, and only it",
		       regions[i].name);
		start_vm(&regions[i]);
	}
	return tap_exit_status();
}
