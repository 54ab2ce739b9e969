/* SPDX-License-Identifier: GPL-2.0-only */
/* egmctl: the commands, each in its own file, over libegm. */
#ifndef EGMCTL_H
#define EGMCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <egm/libegm.h>
#include <json-c/json.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses: 0 ok, 1 the request failed, 2 bad usage. */
#define EGMCTL_FAILED 1
#define EGMCTL_USAGE 2

struct egmctl {
	struct egm_ctx *ctx;
	bool json;
	const char *sysfs_root;	/* /sys, or EGMCTL_SYSFS_ROOT */
	const char *dev_root;	/* /dev, or EGMCTL_DEV_ROOT */
};

int egmctl_fail(struct egmctl *ctl, const char *what);
int egmctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void egmctl_print_json(struct json_object *obj);
const char *egmctl_human_size(uint64_t bytes, char *buf, size_t len);

/*
 * How this host's GPUs can DMA into EGM: the VFIO type1 container maps
 * PFN-mapped memory; iommufd pins pages, which EGM has none of.
 */
enum egmctl_dma_backend {
	EGMCTL_DMA_TYPE1,		/* the type1 container is there */
	EGMCTL_DMA_IOMMUFD_ONLY,	/* only iommufd: EGM cannot be mapped */
	EGMCTL_DMA_NONE,		/* no VFIO at all */
};

enum egmctl_dma_backend egmctl_dma_backend(const struct egmctl *ctl,
					   bool *have_iommufd);

/* qemu-probe.c: what a QEMU binary can do, asked of it. */
struct egmctl_qemu_objects {
	bool listed;			/* it answered "-object help" */
	bool generic_initiator;		/* acpi-generic-initiator (QEMU 9.0) */
	bool egm_memory;		/* acpi-egm-memory (NVIDIA's QEMU) */
};

int egmctl_qemu_version(const char *binary);
int egmctl_qemu_objects(const char *binary, struct egmctl_qemu_objects *objects);

int cmd_list(struct egmctl *ctl, int argc, char **argv);
int cmd_show(struct egmctl *ctl, int argc, char **argv);
int cmd_retired(struct egmctl *ctl, int argc, char **argv);
int cmd_retired_save(struct egmctl *ctl, int argc, char **argv);
int cmd_wait(struct egmctl *ctl, int argc, char **argv);
int cmd_qemu_args(struct egmctl *ctl, int argc, char **argv);
int cmd_libvirt_xml(struct egmctl *ctl, int argc, char **argv);
int cmd_check(struct egmctl *ctl, int argc, char **argv);

#endif
