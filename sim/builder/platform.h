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
#define PLAT_MAX_GPU_RETIRED 64	/* entries only one GPU's table lists */
/* The Grace shape: one vCPU per socket (the simulated host has two). */
#define PLAT_GRACE_MAX_SOCKETS 2
/* GPU PXMs per GPU, as firmware gives them (Generic Initiators). */
#define PLAT_GPU_PXMS 8

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
	unsigned int slot;	/* flat: PCI device number on the root bus */
	unsigned int socket;
	struct plat_overrides ovr;
	/* Entries its own table lists besides the socket's, as offsets. */
	unsigned int nr_own_retired;
	uint64_t own_retired[PLAT_MAX_GPU_RETIRED];
	/* Computed by plat_layout(). */
	unsigned int bus;	/* grace: its root bridge's bus; it sits on bus + 1 */
	uint64_t retired_table;	/* grace: its own table */
	uint64_t retired_table_size;
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
	uint64_t retired_table;	/* flat: the socket's one table */
	uint64_t dram_base;	/* grace: the socket's own DRAM (socket 1 on) */
	uint64_t dram_size;
};

/* The physical address a socket's retired-table entry holds. */
uint64_t plat_retired_address(const struct plat_socket *s, unsigned int r);

/* arm64 (QEMU virt): RAM starts at 1 GiB; the firmware node is 1 GiB. */
#define PLAT_VIRT_RAM_START ((uint64_t)1 << 30)
#define PLAT_FIRMWARE_NODE_SIZE ((uint64_t)1 << 30)
/* Its PXM: 1 on the flat topology, 2 on grace (where 1 is socket 1). */
#define PLAT_ARM64_FIRMWARE_PXM(plat) ((plat)->topology == PLAT_GRACE ? 2u : 1u)

/* The simulated host's architecture: q35 (x86-64) or virt (arm64). */
enum plat_arch { PLAT_X86_64, PLAT_ARM64 };

/*
 * How the firmware tables are shaped. flat: every GPU on the root bus, one
 * retired table per socket, one NUMA node per region. grace: as NVIDIA's
 * firmware builds them (docs/simulated-host.rst): a root bridge per GPU
 * with _PXM = socket, GPU0 under root port RP00, a table per GPU, CPU and
 * DRAM nodes per socket, zero-length EGM nodes, Generic Initiator GPU
 * nodes, a SLIT.
 */
enum plat_topology { PLAT_FLAT, PLAT_GRACE };

/* The socket index is its CPU and DRAM PXM in the grace topology. */
#define PLAT_GRACE_EGM_PXM_MIN 4

struct platform {
	char name[64];
	enum plat_arch arch;	/* set before plat_layout() */
	enum plat_topology topology;
	bool no_bridge_pxm;	/* grace defect: root bridges without _PXM */
	uint64_t ram;
	bool iommu;		/* an emulated Intel IOMMU, for VFIO */
	bool ras;		/* arm64: firmware error records (GHES) */
	bool contents_unknown;	/* regions handed out unscrubbed (testing build) */
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

/*
 * The first of a GPU's PLAT_GPU_PXMS PXMs. grace: 4 + 4 (TH500's maximum
 * sockets) + 8 per GPU, as firmware numbers them (its default is per
 * socket; GB200's two GPUs of a socket get distinct ranges). flat: 16 on.
 */
static inline unsigned int plat_gpu_pxm_start(const struct platform *plat,
					      unsigned int gpu)
{
	return (plat->topology == PLAT_GRACE ? 8 : 16) + PLAT_GPU_PXMS * gpu;
}

/*
 * A GPU's retired-pages table: the socket's entries, then its own. Writes
 * up to @max addresses into @out and returns how many the table holds.
 */
unsigned int plat_gpu_retired_table(const struct platform *plat,
				    unsigned int gpu, uint64_t *out,
				    unsigned int max);

/* The PCI address of a GPU, "0000:BB:DD.F". */
void plat_gpu_pci_name(const struct platform *plat, unsigned int gpu,
		       char *buf, size_t len);

/* Parses 123, 0x7b, 4K, 2M, 1G, 1T. Returns -1 on bad or overflowing text. */
int plat_parse_size(const char *text, uint64_t *value);

#endif
