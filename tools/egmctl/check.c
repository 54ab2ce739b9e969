// SPDX-License-Identifier: GPL-2.0-only
/*
 * egmctl check: is this host ready to run VMs on EGM? Each finding says
 * what to do about it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "egmctl.h"

#include <linux/kvm.h>

/* Linux 6.17's, named here for older headers. */
#define EGMCTL_KVM_CAP_ARM_CACHEABLE_PFNMAP 243

enum verdict { OK, WARN, FAIL, NA };
static const char *const verdict_names[] = { "ok", "warn", "fail", "n/a" };

struct report {
	bool json;
	struct json_object *findings;
	unsigned int failures;
};

__attribute__((format(printf, 4, 5)))
static void finding(struct report *r, enum verdict v, const char *topic,
		    const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->failures += v == FAIL;
	if (r->json) {
		struct json_object *f = json_object_new_object();

		json_object_object_add(f, "check", json_object_new_string(topic));
		json_object_object_add(f, "verdict", json_object_new_string(verdict_names[v]));
		json_object_object_add(f, "detail", json_object_new_string(text));
		json_object_array_add(r->findings, f);
	} else {
		printf("%-4s  %-14s %s\n", verdict_names[v], topic, text);
	}
}

static bool exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* @rel under @root ("/sys", or the test's EGMCTL_SYSFS_ROOT). */
static const char *at(const char *root, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", root, rel);
	return buf;
}

static bool exists_at(const char *root, const char *rel)
{
	char path[PATH_MAX];

	return exists(at(root, rel, path, sizeof(path)));
}

/* Does a line of @path contain @text? */
static bool file_mentions(const char *path, const char *text)
{
	char *line = NULL;
	size_t len = 0;
	bool found = false;
	FILE *f = fopen(path, "re");

	while (f && !found && getline(&line, &len, f) >= 0)
		found = strstr(line, text);
	free(line);
	if (f)
		fclose(f);
	return found;
}

/* "6.12.57+deb13-arm64" -> 6012 */
static int kernel_version(const struct utsname *u)
{
	int major = 0, minor = 0;

	if (sscanf(u->release, "%d.%d", &major, &minor) < 1)
		return 0;
	return major * 1000 + minor;
}

/*
 * The name /etc/group gives @gid, else the number. Read directly: NSS does
 * not work in the static egmctl of minimal systems.
 */
static const char *group_name(gid_t gid, char *buf, size_t size)
{
	char line[1024], name[64];
	unsigned int id;
	FILE *f = fopen("/etc/group", "re");

	snprintf(buf, size, "%u", (unsigned int)gid);
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]:%*[^:]:%u:", name, &id) == 2 && id == gid) {
			snprintf(buf, size, "%s", name);
			break;
		}
	fclose(f);
	return buf;
}

/* Who may open the device: the udev rule's group, never everyone. */
static void check_access(struct report *r, const char *path)
{
	char group[64];
	struct stat st;

	if (stat(path, &st)) {
		finding(r, FAIL, "access", "%s is missing: is devtmpfs mounted on /dev?", path);
		return;
	}
	if (st.st_mode & 0006) {
		finding(r, FAIL, "access",
			"%s is mode %03o: anyone may take the socket's memory; chmod 0660 and fix the udev rule",
			path, st.st_mode & 0777);
		return;
	}
	if (!st.st_gid || !(st.st_mode & 0060)) {
		finding(r, WARN, "access",
			"%s: root only (mode %03o); to run the VMM unprivileged: make udev-install EGM_GROUP=<its group>",
			path, st.st_mode & 0777);
		return;
	}
	finding(r, OK, "access", "%s: root and group %s (mode %03o)", path,
		group_name(st.st_gid, group, sizeof(group)), st.st_mode & 0777);
}

static void check_driver(struct egmctl *ctl, struct report *r)
{
	struct egm_region *region;
	unsigned int i;

	for (i = 0; ctl->ctx && i < egm_unreadable_count(ctl->ctx); i++)
		finding(r, FAIL, "regions", "%s cannot be read: %s",
			egm_unreadable_name(ctl->ctx, i),
			egm_unreadable_error(ctl->ctx, i));
	if (!exists_at(ctl->sysfs_root, "module/nvgrace_egm")) {
		finding(r, FAIL, "driver",
			"nvgrace-egm is not loaded: modprobe nvgrace-egm (make dkms-install installs it; udev loads it for known Grace GPUs, else: echo nvgrace-egm >/etc/modules-load.d/nvgrace-egm.conf)");
		return;
	}
	finding(r, OK, "driver", "nvgrace-egm is loaded");
	if (!ctl->ctx || !egm_region_count(ctl->ctx)) {
		finding(r, FAIL, "regions",
			"no EGM regions: enable EGM in the firmware (BIOS setup) and see dmesg | grep nvgrace-egm for refused regions");
		return;
	}
	for (i = 0; (region = egm_region_at(ctl->ctx, i)); i++) {
		enum egm_scrub_state s = egm_region_scrub_state(region);
		char human[32];

		finding(r, OK, "regions", "%s: %s, PXM %u, %u GPU(s), %s",
			egm_region_name(region),
			egmctl_human_size(egm_region_size(region), human, sizeof(human)),
			egm_region_pxm(region), egm_region_gpu_count(region),
			egm_scrub_state_name(s));
		if (!egm_region_gpu_count(region))
			finding(r, WARN, "gpus",
				"%s has no GPU link: its GPUs' PCI functions are missing or hidden",
				egm_region_name(region));
		check_access(r, egm_region_devnode(region));
	}
}

/*
 * KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED, a VM's capability: 1 when KVM
 * maps PFN-map memory cacheable in stage 2 (the kernel has it and the CPUs
 * have FWB and DIC), 0 when not, or -errno when KVM cannot be asked.
 */
static int kvm_cacheable_pfnmap(const char *dev_root)
{
	char path[PATH_MAX];
	int kvm = open(at(dev_root, "kvm", path, sizeof(path)), O_RDWR | O_CLOEXEC);
	int vm, ret;

	if (kvm < 0)
		return -errno;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		ret = -errno;
		close(kvm);
		return ret;
	}
	ret = ioctl(vm, KVM_CHECK_EXTENSION, EGMCTL_KVM_CAP_ARM_CACHEABLE_PFNMAP);
	ret = ret < 0 ? -errno : ret > 0;
	close(vm);
	close(kvm);
	return ret;
}

static void check_kvm_stage2(const struct egmctl *ctl, struct report *r,
			     const struct utsname *u, int version)
{
	int cacheable = kvm_cacheable_pfnmap(ctl->dev_root);

	if (cacheable > 0)
		finding(r, OK, "kvm-stage2",
			"KVM maps EGM cacheable in stage 2 (Linux %s, KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED)",
			u->release);
	else if (cacheable < 0)
		finding(r, WARN, "kvm-stage2",
			"cannot ask KVM whether it maps EGM cacheable in stage 2 (/dev/kvm: %s)",
			strerror(-cacheable));
	else if (version < 6017)
		finding(r, FAIL, "kvm-stage2",
			"KVM of Linux %s maps PFN-mapped memory non-cacheable in stage 2 (it has no KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED): slow, and atomics fail; use Linux 6.17 or later",
			u->release);
	else
		finding(r, FAIL, "kvm-stage2",
			"KVM of Linux %s maps PFN-mapped memory non-cacheable in stage 2: the CPUs lack stage-2 forced write-back (FWB) or DIC",
			u->release);
}

/*
 * The largest entry a PFN map can have: x86-64 has 1 GiB (PUD) ones, arm64
 * only PMD ones, a page of 8-byte entries each mapping a page (2 MiB with
 * 4 KiB pages, 32 MiB with 16 KiB, 512 MiB with 64 KiB).
 */
static uint64_t largest_pfnmap_entry(const struct utsname *u)
{
	uint64_t page = sysconf(_SC_PAGESIZE);

	if (!strcmp(u->machine, "x86_64"))
		return 1ULL << 30;
	return page * (page / 8);
}

static void check_kernel(const struct egmctl *ctl, struct report *r,
			 const struct utsname *u)
{
	int version = kernel_version(u);
	bool arm64 = !strcmp(u->machine, "aarch64");
	uint64_t entry = largest_pfnmap_entry(u);
	char size[32];

	egmctl_human_size(entry, size, sizeof(size));
	if (version >= 6012)
		finding(r, OK, "huge-pfnmap",
			"Linux %s on %s maps EGM with entries of up to %s: %llu faults per GiB",
			u->release, u->machine, size,
			(unsigned long long)((1ULL << 30) / entry ?: 1));
	else
		finding(r, WARN, "huge-pfnmap",
			"Linux %s maps EGM with 4 KiB entries only (a VM start faults once per 4 KiB): use Linux 6.12 or later",
			u->release);
	if (!arm64)
		finding(r, NA, "kvm-stage2",
			"%s: cacheable KVM stage-2 mappings of PFN maps are an arm64 question",
			u->machine);
	else
		check_kvm_stage2(ctl, r, u, version);
	if (exists_at(ctl->dev_root, "kvm"))
		finding(r, OK, "kvm", "%s/kvm is present", ctl->dev_root);
	else
		finding(r, WARN, "kvm",
			"%s/kvm is missing: load kvm (and enable virtualization in the firmware), or VMs run emulated",
			ctl->dev_root);
}

/*
 * The type1 backend proper, not iommufd's emulation of /dev/vfio/vfio
 * (which cannot map PFN maps either): its module is loaded, or loadable.
 */
static bool have_type1_backend(const struct egmctl *ctl)
{
	char path[PATH_MAX];
	struct utsname u;

	if (exists_at(ctl->sysfs_root, "module/vfio_iommu_type1"))
		return true;
	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
	if (file_mentions(path, "/vfio_iommu_type1.ko"))
		return true;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", u.release);
	return file_mentions(path, "/vfio_iommu_type1.ko");
}

enum egmctl_dma_backend egmctl_dma_backend(const struct egmctl *ctl,
					   bool *have_iommufd)
{
	*have_iommufd = exists_at(ctl->dev_root, "iommu");
	if (exists_at(ctl->dev_root, "vfio/vfio") && have_type1_backend(ctl))
		return EGMCTL_DMA_TYPE1;
	return *have_iommufd ? EGMCTL_DMA_IOMMUFD_ONLY : EGMCTL_DMA_NONE;
}

static void check_iommu(const struct egmctl *ctl, struct report *r)
{
	bool iommufd;

	switch (egmctl_dma_backend(ctl, &iommufd)) {
	case EGMCTL_DMA_TYPE1:
		finding(r, OK, "iommu",
			"the VFIO type1 container (/dev/vfio/vfio) maps PFN-mapped EGM for GPU DMA%s",
			iommufd ? "; iommufd (/dev/iommu) cannot, so VMs use the container" : "");
		break;
	case EGMCTL_DMA_IOMMUFD_ONLY:
		finding(r, FAIL, "iommu",
			"only iommufd (/dev/iommu): it pins pages and EGM has none, so QEMU cannot map EGM-backed guest RAM for GPU DMA; enable CONFIG_VFIO_CONTAINER and CONFIG_VFIO_IOMMU_TYPE1");
		break;
	case EGMCTL_DMA_NONE:
		finding(r, WARN, "iommu",
			"no VFIO: modprobe vfio-pci vfio_iommu_type1, and enable the IOMMU (intel_iommu=on on x86; arm64 SMMU: iommu.passthrough=0)");
		break;
	}
}

int cmd_check(struct egmctl *ctl, int argc, char **argv)
{
	struct report r = { .json = ctl->json };
	struct utsname u;

	if (argc == 2 && (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json")))
		r.json = true;
	else if (argc != 1)
		return egmctl_usage("check takes no arguments but -j");
	if (r.json)
		r.findings = json_object_new_array();
	uname(&u);
	check_driver(ctl, &r);
	check_kernel(ctl, &r, &u);
	check_iommu(ctl, &r);
	if (r.json) {
		struct json_object *top = json_object_new_object();

		json_object_object_add(top, "findings", r.findings);
		json_object_object_add(top, "ready", json_object_new_boolean(!r.failures));
		egmctl_print_json(top);
	} else {
		printf("%s\n", r.failures ? "not ready: fix the 'fail' lines" : "ready");
	}
	return r.failures ? EGMCTL_FAILED : 0;
}
