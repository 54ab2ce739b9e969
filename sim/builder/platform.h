/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Platform files: the text description of a simulated Grace host (sockets,
 * their EGM regions, GPUs, retired pages and deliberate firmware defects).
 * The format is documented in sim/platforms/README.md.
 */
#ifndef EGM_SIM_PLATFORM_H
#define EGM_SIM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAT_MAX_SOCKETS 20	/* above the driver's 16 regions */
#define PLAT_MAX_GPUS 32
#define PLAT_MAX_RETIRED 4096	/* the firmware table's size */
#define PLAT_MAX_EXPECT 16
#define PLAT_MAX_TEXT 200
#define PLAT_MAX_PXM 127	/* QEMU's limit on NUMA node ids */

enum plat_prop {
	PLAT_PROP_EGM_BASE,
	PLAT_PROP_EGM_SIZE,
	PLAT_PROP_EGM_PXM,
	PLAT_PROP_EGM_RETIRED,
	PLAT_PROP_GPU_MEM_BASE,
	PLAT_PROP_GPU_MEM_SIZE,
	PLAT_PROP_GPU_MEM_PXM_START,
	PLAT_PROP_GPU_MEM_PXM_COUNT,
	PLAT_NR_PROPS,
};

extern const char *const plat_prop_names[PLAT_NR_PROPS];

/* Deviations from what correct firmware would say, per property. */
struct plat_overrides {
	uint32_t set;		/* bit per property: value replaced */
	uint32_t omit;		/* bit per property: property left out */
	uint64_t value[PLAT_NR_PROPS];
};

struct plat_gpu {
	unsigned int slot;	/* PCI device number on the root bus */
	unsigned int socket;
	struct plat_overrides ovr;
};

struct plat_socket {
	unsigned int pxm;
	uint64_t size;
	bool visible;		/* defect: region left in System RAM */
	struct plat_overrides ovr;
	/* Table entries, in order: offsets into the region or, as a defect, raw addresses. */
	unsigned int nr_retired;
	uint64_t retired[PLAT_MAX_RETIRED];
	bool retired_is_address[PLAT_MAX_RETIRED];
	bool retired_count_set;
	uint64_t retired_count;	/* defect: count field overridden */
	bool retired_table_offset_set;
	uint64_t retired_table_offset;	/* in the firmware area */
	/* Computed by plat_layout(). */
	uint64_t base;
	uint64_t retired_table;
};

/* The physical address a socket's retired-table entry holds. */
uint64_t plat_retired_address(const struct plat_socket *s, unsigned int r);

/* arm64 (QEMU virt): RAM starts at 1 GiB; the firmware node is 1 GiB. */
#define PLAT_VIRT_RAM_START ((uint64_t)1 << 30)
#define PLAT_FIRMWARE_NODE_SIZE ((uint64_t)1 << 30)

/* The simulated host's architecture: q35 (x86-64) or virt (arm64). */
enum plat_arch { PLAT_X86_64, PLAT_ARM64 };

struct platform {
	char name[64];
	enum plat_arch arch;	/* set before plat_layout() */
	uint64_t ram;
	bool iommu;		/* an emulated Intel IOMMU, for VFIO */
	unsigned int nr_sockets;
	struct plat_socket sockets[PLAT_MAX_SOCKETS];
	unsigned int nr_gpus;
	struct plat_gpu gpus[PLAT_MAX_GPUS];
	bool expect_devices_set;
	char expect_devices[PLAT_MAX_TEXT];
	unsigned int nr_expect_logs;
	char expect_logs[PLAT_MAX_EXPECT][PLAT_MAX_TEXT];
	/* Computed by plat_layout(). */
	uint64_t firmware_area;
	uint64_t firmware_area_size;
	uint64_t firmware_node;	/* arm64: the node holding the firmware area */
	uint64_t ram_end;
};

/*
 * Parses a platform file held in memory. On error returns -1 and writes a
 * message naming the line into err.
 */
int plat_parse(struct platform *plat, const char *text, size_t len,
	       char *err, size_t err_len);

/* Places node memory, regions and tables; -1 with a message on error. */
int plat_layout(struct platform *plat, char *err, size_t err_len);

/* The value firmware gives for a property of a GPU, or false if omitted. */
bool plat_gpu_prop(const struct platform *plat, unsigned int gpu,
		   enum plat_prop prop, uint64_t *value);

/* Parses 123, 0x7b, 4K, 2M, 1G, 1T. Returns -1 on bad or overflowing text. */
int plat_parse_size(const char *text, uint64_t *value);

#endif
