// SPDX-License-Identifier: GPL-2.0-only
/*
 * egm-platform: turns a platform file into the firmware view of a simulated
 * Grace host.
 *
 *   egm-platform check FILE           parse and print the layout
 *   egm-platform build FILE OUTDIR [arm64]
 *                                     QEMU arguments, kernel command line,
 *                                     retired-pages tables, test expectations,
 *                                     and the ACPI sources acpi-sources lists
 *                                     (GPU nodes, SRAT, SLIT where QEMU's
 *                                     own tables lack them)
 *   egm-platform dsdt FILE QEMU.dsl   (x86) QEMU's disassembled DSDT, made
 *                                     revision 2, with the GPU nodes' EGM _DSD
 */
#include "platform.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DSD_UUID "daffd814-6eba-4d8c-8a91-bc9bbf4aa301"
/* QEMU virt: the second flash bank, UEFI's variables. */
#define VIRT_FLASH1_BASE ((uint64_t)0x04000000)
#define VIRT_FLASH1_SIZE ((uint64_t)0x04000000)
#define RETIRED_TABLE_ENTRIES 4096
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DSDT_REV1 "DefinitionBlock (\"\", \"DSDT\", 1,"
#define DSDT_REV2 "DefinitionBlock (\"\", \"DSDT\", 2,"

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "egm-platform: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *buf;

	if (!f)
		die("cannot open %s", path);
	buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap + 1);
	}
	if (!buf || ferror(f))
		die("cannot read %s", path);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void load_platform(const char *path, struct platform *plat,
			  enum plat_arch arch)
{
	char err[256];
	size_t len;
	char *text = read_file(path, &len);
	int ret = plat_parse(plat, text, len, err, sizeof(err));

	plat->arch = arch;
	if (ret || plat_layout(plat, err, sizeof(err))) {
		fprintf(stderr, "egm-platform: %s: %s\n", path, err);
		exit(1);
	}
	free(text);
	if (!plat->name[0]) {
		const char *base = strrchr(path, '/');
		char *dot;

		snprintf(plat->name, sizeof(plat->name), "%s",
			 base ? base + 1 : path);
		dot = strrchr(plat->name, '.');
		if (dot)
			*dot = '\0';
	}
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		die("cannot write %s", path);
	return f;
}

static void close_out(FILE *f)
{
	if (fclose(f))
		die("write failed: %s", strerror(errno));
}

static unsigned int max_pxm(const struct platform *plat)
{
	unsigned int max = 0;

	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		if (plat->sockets[i].pxm > max)
			max = plat->sockets[i].pxm;
	return max;
}

/* A socket's DRAM node after the first (grace), by its PXM = socket. */
static const struct plat_socket *socket_with_dram(const struct platform *plat,
						  unsigned int pxm)
{
	if (plat->topology != PLAT_GRACE || pxm == 0 || pxm >= plat->nr_sockets)
		return NULL;
	return &plat->sockets[pxm];
}

static const struct plat_socket *socket_with_egm(const struct platform *plat,
						 unsigned int pxm)
{
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		if (plat->sockets[i].pxm == pxm)
			return &plat->sockets[i];
	return NULL;
}

/* grace: socket i's CPU is vCPU i; one socket has both. */
static void print_node0_cpus(FILE *f, const struct platform *plat)
{
	fprintf(f, "cpus=%s", plat->topology == PLAT_GRACE &&
		plat->nr_sockets > 1 ? "0" : "0-1");
}

static void write_gpu_devices(FILE *f, const struct platform *plat)
{
	for (unsigned int g = 0; g < plat->nr_gpus; g++) {
		const struct plat_gpu *gpu = &plat->gpus[g];

		/* QEMU's edu device stands in for each GPU's PCI function. */
		if (plat->topology != PLAT_GRACE) {
			/* QEMU reads the slot of addr= in hex. */
			fprintf(f, "-device\nedu,addr=%x.0\n", gpu->slot);
			continue;
		}
		/* A root bridge with the socket's PXM, root port RP00, GPU0. */
		fprintf(f, "-device\npxb-pcie,id=pxb%u,bus_nr=%u,bus=pcie.0", g, gpu->bus);
		if (!plat->no_bridge_pxm)
			fprintf(f, ",numa_node=%u", gpu->socket);
		fprintf(f, "\n");
		/*
		 * No I/O window: QEMU would give each expander bridge a
		 * sliver of virt's I/O space that Linux cannot map with
		 * 16 KiB pages (BUG in vmap_range_noflush); GPUs need none.
		 */
		fprintf(f, "-device\npcie-root-port,id=rp%u,bus=pxb%u,chassis=%u,%s\n",
			g, g, g + 1, "addr=0.0,io-reserve=0");
		fprintf(f, "-device\nedu,bus=rp%u,addr=0.0\n", g);
	}
}

static void write_qemu_args(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "qemu-args");
	uint64_t total = plat->ram;
	unsigned int top = max_pxm(plat);

	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		total += plat->sockets[i].size + plat->sockets[i].dram_size;
	if (plat->arch == PLAT_ARM64)
		total += PLAT_FIRMWARE_NODE_SIZE;
	/* grace: one vCPU per socket, each its own package and cache. */
	fprintf(f, "-machine\n%s\n-smp\n%s\n-m\n%" PRIu64 "M\n",
		plat->arch == PLAT_ARM64 ? "virt" : "q35",
		plat->topology == PLAT_GRACE && plat->nr_sockets > 1 ?
		"2,sockets=2,cores=1,threads=1" : "2", total >> 20);
	/* HEST and GHES, for firmware-first error records (sim/run-guest.sh). */
	if (plat->ras)
		fprintf(f, "-machine\nras=on\n");
	/* Before any PCI device, which it then translates for. */
	if (plat->iommu)
		fprintf(f, "-device\nintel-iommu,intremap=on\n");
	fprintf(f, "-object\nmemory-backend-ram,id=ram0,size=%" PRIu64 "M\n",
		plat->ram >> 20);
	fprintf(f, "-numa\nnode,nodeid=0,");
	print_node0_cpus(f, plat);
	fprintf(f, ",memdev=ram0\n");
	/* QEMU wants node ids without holes: the empty nodes fill them. */
	for (unsigned int pxm = 1; pxm <= top; pxm++) {
		const struct plat_socket *s = socket_with_egm(plat, pxm);
		const struct plat_socket *dram = socket_with_dram(plat, pxm);

		if (dram) {
			fprintf(f, "-object\nmemory-backend-ram,id=dram%u,size=%" PRIu64 "M\n",
				pxm, dram->dram_size >> 20);
			fprintf(f, "-numa\nnode,nodeid=%u,cpus=%u,memdev=dram%u\n",
				pxm, pxm, pxm);
		} else if (!s && plat->arch == PLAT_ARM64 &&
			   pxm == PLAT_ARM64_FIRMWARE_PXM(plat)) {
			fprintf(f, "-object\nmemory-backend-ram,id=firmware,size=%" PRIu64 "M\n",
				PLAT_FIRMWARE_NODE_SIZE >> 20);
			fprintf(f, "-numa\nnode,nodeid=%u,memdev=firmware\n", pxm);
		} else if (!s) {
			fprintf(f, "-numa\nnode,nodeid=%u\n", pxm);
		} else {
			/* Untouched EGM costs the host nothing, at any size. */
			fprintf(f, "-object\nmemory-backend-ram,id=egm%u,size=%" PRIu64
				"M,reserve=off\n", pxm, s->size >> 20);
			fprintf(f, "-numa\nnode,nodeid=%u,memdev=egm%u\n", pxm, pxm);
		}
	}
	write_gpu_devices(f, plat);
	for (unsigned int i = 0; plat->topology != PLAT_GRACE && i < plat->nr_sockets; i++)
		fprintf(f, "-device\nloader,file=%s/retired-pxm%u.bin,addr=%#" PRIx64
			",force-raw=on\n", dir, plat->sockets[i].pxm,
			plat->sockets[i].retired_table);
	for (unsigned int g = 0; plat->topology == PLAT_GRACE && g < plat->nr_gpus; g++)
		fprintf(f, "-device\nloader,file=%s/retired-gpu%u.bin,addr=%#" PRIx64
			",force-raw=on\n", dir, g, plat->gpus[g].retired_table);
	close_out(f);
}

/*
 * What arm64 lets the kernel see: node 0 but its last 64 MiB (mem= counts
 * usable memory only; UEFI's runtime areas near the top are kept, mapped
 * as they are, so the cut lands a few MiB higher than 64 MiB below the
 * top). The firmware and EGM nodes above are left out, as real firmware
 * leaves EGM out of the host's memory map.
 */
#define ARM64_HIDDEN_TOP_OF_RAM ((uint64_t)64 << 20)

static void write_cmdline(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "cmdline");

	if (plat->arch == PLAT_ARM64) {
		uint64_t visible = plat->ram;

		for (unsigned int i = 0; i < plat->nr_sockets; i++)
			visible += plat->sockets[i].dram_size;
		fprintf(f, "mem=%" PRIu64 "M\n",
			(visible - ARM64_HIDDEN_TOP_OF_RAM) >> 20);
		close_out(f);
		return;
	}

	/* Firmware hides EGM and its tables from the host's memory map. */
	fprintf(f, "memmap=%" PRIu64 "K$%#" PRIx64,
		plat->firmware_area_size >> 10, plat->firmware_area);
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		const struct plat_socket *s = &plat->sockets[i];

		if (!s->visible)
			fprintf(f, " memmap=%" PRIu64 "M$%#" PRIx64, s->size >> 20,
				s->base);
	}
	if (plat->iommu)
		fprintf(f, " intel_iommu=on");
	fputc('\n', f);
	close_out(f);
}

static void write_table(const char *dir, const char *name, uint64_t count,
			const uint64_t *entries, unsigned int nr)
{
	FILE *f = open_out(dir, name);

	/*
	 * Firmware's table is little-endian, like the hosts we build on.
	 * Only the entries are written: the rest of the firmware area is
	 * zero, as is all of the guest's memory at start.
	 */
	if (fwrite(&count, sizeof(count), 1, f) != 1 ||
	    fwrite(entries, sizeof(entries[0]), nr, f) != nr)
		die("cannot write %s", name);
	close_out(f);
}

static void write_retired_tables(const struct platform *plat, const char *dir)
{
	static uint64_t table[RETIRED_TABLE_ENTRIES];
	char name[64];

	if (plat->topology == PLAT_GRACE) {
		for (unsigned int g = 0; g < plat->nr_gpus; g++) {
			const struct plat_socket *s = &plat->sockets[plat->gpus[g].socket];
			unsigned int n = plat_gpu_retired_table(plat, g, table,
								RETIRED_TABLE_ENTRIES);

			snprintf(name, sizeof(name), "retired-gpu%u.bin", g);
			write_table(dir, name, s->retired_count_set ? s->retired_count : n,
				    table, n);
		}
		return;
	}
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		const struct plat_socket *s = &plat->sockets[i];

		for (unsigned int r = 0; r < s->nr_retired; r++)
			table[r] = plat_retired_address(s, r);
		snprintf(name, sizeof(name), "retired-pxm%u.bin", s->pxm);
		write_table(dir, name,
			    s->retired_count_set ? s->retired_count : s->nr_retired,
			    table, s->nr_retired);
	}
}

/* A socket's region as its first GPU's properties describe it. */
struct region_view {
	uint64_t pxm;
	uint64_t base;
	uint64_t size;
};

static struct region_view region_as_firmware_says(const struct platform *plat,
						  unsigned int socket)
{
	const struct plat_socket *s = &plat->sockets[socket];
	struct region_view r = { .pxm = s->pxm, .base = s->base, .size = s->size };

	for (unsigned int g = 0; g < plat->nr_gpus; g++) {
		if (plat->gpus[g].socket != socket)
			continue;
		plat_gpu_prop(plat, g, PLAT_PROP_EGM_PXM, &r.pxm);
		plat_gpu_prop(plat, g, PLAT_PROP_EGM_BASE, &r.base);
		plat_gpu_prop(plat, g, PLAT_PROP_EGM_SIZE, &r.size);
		break;
	}
	return r;
}

static int pxm_in_srat(const struct platform *plat, uint64_t pxm)
{
	return !!socket_with_egm(plat, pxm);
}

/* Every address any of the socket's tables lists, each once. */
static void print_region_entries(FILE *f, const struct platform *plat,
				 unsigned int socket)
{
	static uint64_t table[RETIRED_TABLE_ENTRIES], seen[2 * RETIRED_TABLE_ENTRIES];
	unsigned int nr_seen = 0;

	for (unsigned int g = 0; g < plat->nr_gpus; g++) {
		unsigned int n;

		if (plat->gpus[g].socket != socket)
			continue;
		n = plat_gpu_retired_table(plat, g, table, RETIRED_TABLE_ENTRIES);
		for (unsigned int e = 0; e < n; e++) {
			unsigned int k = 0;

			while (k < nr_seen && seen[k] != table[e])
				k++;
			if (k < nr_seen || nr_seen == ARRAY_LEN(seen))
				continue;
			seen[nr_seen++] = table[e];
			fprintf(f, "%s%#" PRIx64, nr_seen > 1 ? " " : "", table[e]);
		}
	}
}

static void write_env(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "platform.env");

	fprintf(f, "PLATFORM=%s\n", plat->name);
	fprintf(f, "TOPOLOGY=%s\n", plat->topology == PLAT_GRACE ? "grace" : "flat");
	fprintf(f, "BRIDGE_PXM=%d\n", plat->topology == PLAT_GRACE && !plat->no_bridge_pxm);
	fprintf(f, "EXPECT_DEVICES=\"%s\"\n", plat->expect_devices);
	fprintf(f, "CONTENTS_UNKNOWN=%d\n", plat->contents_unknown);
	fprintf(f, "EXPECT_LOGS=%u\n", plat->nr_expect_logs);
	for (unsigned int i = 0; i < plat->nr_expect_logs; i++)
		fprintf(f, "EXPECT_LOG_%u='%s'\n", i, plat->expect_logs[i]);
	fprintf(f, "REGIONS=\"");
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		fprintf(f, "%s%u", i ? " " : "", plat->sockets[i].pxm);
	fprintf(f, "\"\n");
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		struct region_view r = region_as_firmware_says(plat, i);

		fprintf(f, "REGION_%" PRIu64 "_BASE=%#" PRIx64 "\n", r.pxm, r.base);
		fprintf(f, "REGION_%" PRIu64 "_SIZE=%" PRIu64 "\n", r.pxm, r.size);
		/* Whether SRAT has this PXM, so that the region has a NUMA node. */
		fprintf(f, "REGION_%" PRIu64 "_IN_SRAT=%d\n", r.pxm,
			pxm_in_srat(plat, r.pxm));
		/* What the tables list, for the tests' own computation. */
		fprintf(f, "REGION_%" PRIu64 "_RETIRED_ENTRIES=\"", r.pxm);
		print_region_entries(f, plat, i);
		fprintf(f, "\"\n");
		fprintf(f, "REGION_%" PRIu64 "_GPUS=\"", r.pxm);
		for (unsigned int g = 0, n = 0; g < plat->nr_gpus; g++) {
			char pci[32];

			if (plat->gpus[g].socket != i)
				continue;
			plat_gpu_pci_name(plat, g, pci, sizeof(pci));
			fprintf(f, "%s%s", n++ ? " " : "", pci);
		}
		fprintf(f, "\"\n");
		/* The CPUs of its socket (grace), where its scrub must run. */
		fprintf(f, "REGION_%" PRIu64 "_CPUS=\"%s\"\n", r.pxm,
			plat->topology != PLAT_GRACE ? "" :
			plat->nr_sockets == 1 ? "0 1" : i ? "1" : "0");
	}
	close_out(f);
}

static void print_layout(const struct platform *plat)
{
	printf("platform %s: %" PRIu64 " MiB host RAM, firmware area %#" PRIx64 "\n",
	       plat->name, plat->ram >> 20, plat->firmware_area);
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		const struct plat_socket *s = &plat->sockets[i];

		printf("  PXM %u: EGM [%#" PRIx64 "-%#" PRIx64 "] %" PRIu64
		       " MiB%s, %u retired, GPUs:", s->pxm, s->base,
		       s->base + s->size - 1, s->size >> 20,
		       s->visible ? " (left in System RAM)" : "", s->nr_retired);
		for (unsigned int g = 0; g < plat->nr_gpus; g++) {
			char pci[32];

			if (plat->gpus[g].socket != i)
				continue;
			plat_gpu_pci_name(plat, g, pci, sizeof(pci));
			printf(" %s", pci);
			if (plat->topology == PLAT_GRACE)
				printf(" (table %#" PRIx64 ")", plat->gpus[g].retired_table);
		}
		printf("\n");
	}
	printf("  expected devices: %s\n",
	       plat->expect_devices[0] ? plat->expect_devices : "none");
}

/* The order firmware writes the properties in (GpuDsdAmlGeneration.c). */
static const enum plat_prop firmware_prop_order[PLAT_NR_PROPS] = {
	PLAT_PROP_GPU_MEM_BASE, PLAT_PROP_GPU_MEM_PXM_START,
	PLAT_PROP_GPU_MEM_PXM_COUNT, PLAT_PROP_GPU_MEM_SIZE,
	PLAT_PROP_EGM_BASE, PLAT_PROP_EGM_SIZE, PLAT_PROP_EGM_PXM,
	PLAT_PROP_EGM_RETIRED,
};

/*
 * Values are written as plain numbers: iasl encodes each in its smallest
 * AML form (Zero, One, Byte... QWord), as firmware's generator does.
 */
static void print_dsd(FILE *f, const struct platform *plat, unsigned int gpu,
		      const char *indent)
{
	fprintf(f, "%sName (_DSD, Package ()\n%s{\n", indent, indent);
	fprintf(f, "%s    ToUUID (\"" DSD_UUID "\"),\n", indent);
	fprintf(f, "%s    Package ()\n%s    {\n", indent, indent);
	for (int i = 0; i < PLAT_NR_PROPS; i++) {
		enum plat_prop p = plat->topology == PLAT_GRACE ?
				   firmware_prop_order[i] : (enum plat_prop)i;
		uint64_t value;

		if (plat_gpu_prop(plat, gpu, p, &value))
			fprintf(f, "%s        Package () { \"nvidia,%s\", 0x%" PRIX64
			       " },\n", indent, plat_prop_names[p], value);
	}
	fprintf(f, "%s    }\n%s})\n", indent, indent);
}

/*
 * Revision 2 gives 64-bit integers for the _DSD values; Linux replaces a
 * table from the initrd only when its OEM revision is higher.
 */
static void print_definition_block(const char *ids)
{
	const char *rev = strrchr(ids, ',');
	unsigned long oem_revision;

	if (!rev || sscanf(rev, ", 0x%lx)", &oem_revision) != 1)
		die("cannot read the DSDT's OEM revision in '%s'", ids);
	printf("%s%.*s, 0x%08lX)\n", DSDT_REV2, (int)(rev - ids), ids,
	       oem_revision + 1);
}

/* ACPI names have 4 characters: GPU0..GPU9, GU10..GU31. */
static void print_gpu_device_line(FILE *f, const char *indent, unsigned int gpu)
{
	fprintf(f, gpu < 10 ? "%sDevice (GPU%u)\n" : "%sDevice (GU%u)\n", indent, gpu);
}

/*
 * arm64: QEMU's virt DSDT (revision 2 already) has no nodes for the devices
 * on its PCI root bus, so the GPUs' nodes, with _ADR and the EGM _DSD, come
 * in an SSDT that the kernel adds from the initrd.
 */
static void write_gpu_ssdt(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "gpus-ssdt.asl");

	fprintf(f, "DefinitionBlock (\"\", \"SSDT\", 2, \"NVIDIA\", \"EGMGPUS\", 0x00000001)\n{\n");
	fprintf(f, "    External (\\_SB.PCI0, DeviceObj)\n\n    Scope (\\_SB.PCI0)\n    {\n");
	for (unsigned int g = 0; g < plat->nr_gpus; g++) {
		print_gpu_device_line(f, "        ", g);
		fprintf(f, "        {\n            Name (_ADR, 0x%08X)\n",
			plat->gpus[g].slot << 16);
		print_dsd(f, plat, g, "            ");
		fprintf(f, "        }\n");
	}
	fprintf(f, "    }\n}\n");
	close_out(f);
}

static void print_srat_memory(FILE *f, uint64_t pxm, uint64_t base, uint64_t len)
{
	fprintf(f, "Subtable Type : 01\nLength : 28\nProximity Domain : %08" PRIX64 "\n"
		"Reserved1 : 0000\nBase Address : %016" PRIX64 "\nAddress Length : %016" PRIX64 "\n"
		"Reserved2 : 00000000\nFlags (decoded below) : 00000001\n"
		"Enabled : 1\nHot Pluggable : 0\nNon-Volatile : 0\nReserved3 : 0000000000000000\n\n",
		pxm, base, len);
}

/*
 * grace: one SSDT per GPU root bridge, as firmware has one per PCIe root
 * bridge: root port RP00 (_ADR 0) and under it GPU0 (_ADR 0) with the
 * _DSD. QEMU names an expander bridge PC<bus> and gives it _PXM from its
 * numa_node (firmware: PCI<ctrl>/PC<socket><ctrl>, _SEG per controller).
 */
static void write_root_bridge_ssdts(const struct platform *plat, const char *dir,
				    FILE *sources)
{
	for (unsigned int g = 0; g < plat->nr_gpus; g++) {
		unsigned int bus = plat->gpus[g].bus;
		char name[64];
		FILE *f;

		snprintf(name, sizeof(name), "ssdt-pc%02x.asl", bus);
		fprintf(sources, "%s\n", name);
		f = open_out(dir, name);
		fprintf(f, "DefinitionBlock (\"\", \"SSDT\", 2, \"NVIDIA\", \"EGMPC%02X\", 1)\n{\n",
			bus);
		fprintf(f, "    External (\\_SB.PC%02X, DeviceObj)\n\n", bus);
		fprintf(f, "    Scope (\\_SB.PC%02X)\n    {\n", bus);
		fprintf(f, "        Device (RP00)\n        {\n");
		fprintf(f, "            Name (_ADR, Zero)\n");
		fprintf(f, "            Device (GPU0)\n            {\n");
		fprintf(f, "                Name (_ADR, Zero)\n");
		print_dsd(f, plat, g, "                ");
		fprintf(f, "            }\n        }\n    }\n}\n");
		close_out(f);
	}
}

static void print_table_header(FILE *f, const char *sig, unsigned int revision)
{
	/* QEMU's OEM IDs and a higher OEM revision: the initrd's copy wins. */
	fprintf(f, "Signature : \"%s\"\nTable Length : 00000000\nRevision : %02X\n"
		"Checksum : 00\nOem ID : \"BOCHS \"\nOem Table ID : \"BXPC    \"\n"
		"Oem Revision : 00000002\nAsl Compiler ID : \"INTL\"\n"
		"Asl Compiler Revision : 00000000\n\n", sig, revision);
}

/* A zero-length affinity entry: a node with neither memory nor CPUs. */
static void print_srat_hotplug_node(FILE *f, uint64_t pxm)
{
	fprintf(f, "Subtable Type : 01\nLength : 28\nProximity Domain : %08" PRIX64 "\n"
		"Reserved1 : 0000\nBase Address : 0000000000000000\n"
		"Address Length : 0000000000000000\nReserved2 : 00000000\n"
		"Flags (decoded below) : 00000003\nEnabled : 1\nHot Pluggable : 1\n"
		"Non-Volatile : 0\nReserved3 : 0000000000000000\n\n", pxm);
}

static void print_srat_cpu(FILE *f, const struct platform *plat, unsigned int cpu,
			   unsigned int pxm)
{
	if (plat->arch == PLAT_ARM64)
		fprintf(f, "Subtable Type : 03\nLength : 12\nProximity Domain : %08X\n"
			"Acpi Processor UID : %08X\nFlags (decoded below) : 00000001\n"
			"Enabled : 1\nClock Domain : 00000000\n\n", pxm, cpu);
	else
		fprintf(f, "Subtable Type : 00\nLength : 10\nProximity Domain Low(8) : %02X\n"
			"Apic ID : %02X\nFlags (decoded below) : 00000001\nEnabled : 1\n"
			"Local Sapic EID : 00\nProximity Domain High(24) : 000000\n"
			"Clock Domain : 00000000\n\n", pxm, cpu);
}

/*
 * grace: SRAT as firmware's SratParser and GicCParser write it: each CPU
 * in its socket's PXM, each socket's DRAM there too, every EGM and GPU PXM
 * a zero-length hot-pluggable entry, and each GPU PXM a Generic Initiator
 * naming the GPU's PCI function.
 */
static void write_grace_srat(const struct platform *plat, FILE *f)
{
	for (unsigned int cpu = 0; cpu < 2; cpu++)
		print_srat_cpu(f, plat, cpu, plat->nr_sockets > 1 ? cpu : 0);
	if (plat->arch == PLAT_ARM64) {
		print_srat_memory(f, 0, VIRT_FLASH1_BASE, VIRT_FLASH1_SIZE);
		print_srat_memory(f, 0, PLAT_VIRT_RAM_START, plat->ram);
	} else {
		/* q35: 640 KiB, then up to 2 GiB, then the rest from 4 GiB. */
		print_srat_memory(f, 0, 0, 0xa0000);
		print_srat_memory(f, 0, 0x100000, (2ULL << 30) - 0x100000);
		print_srat_memory(f, 0, 4ULL << 30, plat->ram - (2ULL << 30));
	}
	for (unsigned int i = 1; i < plat->nr_sockets; i++)
		print_srat_memory(f, i, plat->sockets[i].dram_base,
				  plat->sockets[i].dram_size);
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		print_srat_hotplug_node(f, plat->sockets[i].pxm);
	for (unsigned int g = 0; g < plat->nr_gpus; g++) {
		for (unsigned int k = 0; k < PLAT_GPU_PXMS; k++) {
			unsigned int pxm = plat_gpu_pxm_start(plat, g) + k;

			print_srat_hotplug_node(f, pxm);
			/* PCI handle: segment 0, then bus << 8 | devfn. */
			fprintf(f, "Subtable Type : 05\nLength : 20\nReserved1 : 00\n"
				"Device Handle Type : 01\nProximity Domain : %08X\n"
				"Device Handle : 00 00 00 %02X 00 00 00 00 00 00 00 00 00 00 00 00\n"
				"Flags (decoded below) : 00000003\nEnabled : 1\n"
				"Reserved2 : 00000000\n\n", pxm, plat->gpus[g].bus + 1);
		}
	}
}

/*
 * grace: the SLIT as firmware's SlitParser fills it: 10 to itself, 11
 * between PXMs of one socket's CPU and its EGM or one GPU's partitions,
 * 0xFF from what is no initiator (EGM) and for unused PXMs. Firmware takes
 * the remote distances from the board's device tree; these are ours.
 */
enum { SLIT_REMOTE_CPU = 40, SLIT_LOCAL_GPU = 80, SLIT_REMOTE_GPU = 120 };

struct pxm_role {
	enum { PXM_UNUSED, PXM_CPU, PXM_EGM, PXM_GPU } kind;
	unsigned int socket;
	unsigned int gpu;
};

static struct pxm_role pxm_role(const struct platform *plat, unsigned int pxm)
{
	struct pxm_role r = { PXM_UNUSED, 0, 0 };

	if (pxm < plat->nr_sockets)
		return (struct pxm_role){ PXM_CPU, pxm, 0 };
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		if (plat->sockets[i].pxm == pxm)
			return (struct pxm_role){ PXM_EGM, i, 0 };
	for (unsigned int g = 0; g < plat->nr_gpus; g++)
		if (pxm - plat_gpu_pxm_start(plat, g) < PLAT_GPU_PXMS)
			return (struct pxm_role){ PXM_GPU, plat->gpus[g].socket, g };
	return r;
}

static unsigned int slit_distance(const struct platform *plat, unsigned int from,
				  unsigned int to)
{
	struct pxm_role a = pxm_role(plat, from), b = pxm_role(plat, to);
	bool local = a.socket == b.socket;

	if (from == to)
		return 10;
	if (a.kind == PXM_UNUSED || b.kind == PXM_UNUSED || a.kind == PXM_EGM)
		return 0xff;
	if (a.kind == PXM_GPU && b.kind == PXM_GPU)
		return a.gpu == b.gpu ? 11 : SLIT_REMOTE_GPU;
	if (a.kind == PXM_GPU || b.kind == PXM_GPU)
		return local ? SLIT_LOCAL_GPU : SLIT_REMOTE_GPU;
	return local ? 11 : SLIT_REMOTE_CPU;
}

static void write_grace_slit(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "slit.dsl");
	unsigned int n = plat_gpu_pxm_start(plat, plat->nr_gpus);

	print_table_header(f, "SLIT", 1);
	fprintf(f, "Localities : %016X\n", n);
	for (unsigned int from = 0; from < n; from++) {
		fprintf(f, "Locality %3u :", from);
		for (unsigned int to = 0; to < n; to++)
			fprintf(f, " %02X", slit_distance(plat, from, to));
		fprintf(f, "\n");
	}
	close_out(f);
}

/*
 * arm64 (flat): QEMU's SRAT as it is, plus the flash that holds UEFI's
 * variables: UEFI maps it for its runtime services with a cacheable
 * attribute, which Linux counts as memory, and memory that no SRAT entry
 * covers makes Linux give up on NUMA. grace, both hosts: firmware's shape.
 */
static void write_srat(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "srat.dsl");
	unsigned int top = max_pxm(plat);
	uint64_t at = plat->firmware_node + PLAT_FIRMWARE_NODE_SIZE;

	print_table_header(f, "SRAT", 3);
	fprintf(f, "Table Revision : 00000001\nReserved : 0000000000000000\n\n");
	if (plat->topology == PLAT_GRACE) {
		write_grace_srat(plat, f);
		close_out(f);
		return;
	}
	for (unsigned int cpu = 0; cpu < 2; cpu++)
		print_srat_cpu(f, plat, cpu, 0);
	print_srat_memory(f, 0, VIRT_FLASH1_BASE, VIRT_FLASH1_SIZE);
	print_srat_memory(f, 0, PLAT_VIRT_RAM_START, plat->ram);
	print_srat_memory(f, 1, plat->firmware_node, PLAT_FIRMWARE_NODE_SIZE);
	for (unsigned int pxm = 2; pxm <= top; pxm++)
		for (unsigned int i = 0; i < plat->nr_sockets; i++)
			if (plat->sockets[i].pxm == pxm) {
				print_srat_memory(f, pxm, at, plat->sockets[i].size);
				at += plat->sockets[i].size;
			}
	close_out(f);
}

/*
 * The ACPI tables the kernel takes from the initrd, besides x86's DSDT,
 * and the list of their sources for the runner.
 */
static void write_acpi_tables(const struct platform *plat, const char *dir)
{
	FILE *sources = open_out(dir, "acpi-sources");

	if (plat->topology == PLAT_GRACE) {
		write_root_bridge_ssdts(plat, dir, sources);
		write_grace_slit(plat, dir);
		fprintf(sources, "slit.dsl\n");
	} else if (plat->arch == PLAT_ARM64) {
		write_gpu_ssdt(plat, dir);
		fprintf(sources, "gpus-ssdt.asl\n");
	}
	if (plat->topology == PLAT_GRACE || plat->arch == PLAT_ARM64) {
		write_srat(plat, dir);
		fprintf(sources, "srat.dsl\n");
	}
	close_out(sources);
}

/* The GPU in a slot, from the name QEMU gives root-bus devices: S<devfn>. */
static int gpu_for_device_line(const struct platform *plat, const char *line)
{
	unsigned int devfn;
	char close;

	if (sscanf(line, " Device (S%2X%c", &devfn, &close) != 2 || close != ')')
		return -1;
	for (unsigned int g = 0; g < plat->nr_gpus; g++)
		if (plat->gpus[g].slot << 3 == devfn)
			return g;
	return -1;
}

static void patch_dsdt(const struct platform *plat, const char *dsl_path)
{
	size_t len;
	char *text = read_file(dsl_path, &len), *line, *next;
	unsigned int found = 0;
	bool revised = false;
	int pending = -1;

	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';

		if (!strncmp(line, DSDT_REV1, strlen(DSDT_REV1))) {
			print_definition_block(line + strlen(DSDT_REV1));
			revised = true;
			continue;
		}
		int gpu = plat->topology == PLAT_GRACE ? -1 :
			  gpu_for_device_line(plat, line);

		if (gpu >= 0) {
			char indent[64];

			snprintf(indent, sizeof(indent), "%.*s",
				 (int)strcspn(line, "D"), line);
			print_gpu_device_line(stdout, indent, gpu);
			pending = gpu;
			found++;
			continue;
		}
		printf("%s\n", line);
		if (pending >= 0 && strstr(line, "Name (_ADR,")) {
			char indent[64];
			unsigned long adr;
			const char *p = strstr(line, "Name (_ADR,");

			if (sscanf(p, "Name (_ADR, %lx", &adr) != 1 ||
			    adr != (unsigned long)plat->gpus[pending].slot << 16)
				die("unexpected _ADR for a GPU slot: %s", line);
			snprintf(indent, sizeof(indent), "%.*s",
				 (int)(p - line), line);
			print_dsd(stdout, plat, pending, indent);
			pending = -1;
		}
	}
	if (!revised)
		die("%s: no revision-1 DSDT DefinitionBlock line", dsl_path);
	if (plat->topology != PLAT_GRACE && found != plat->nr_gpus)
		die("%s: a GPU slot has no device node (was QEMU started with every GPU?)",
		    dsl_path);
	free(text);
}

int main(int argc, char **argv)
{
	struct platform plat;

	if (argc == 3 && !strcmp(argv[1], "check")) {
		load_platform(argv[2], &plat, PLAT_X86_64);
		print_layout(&plat);
		return 0;
	}
	if ((argc == 4 || (argc == 5 && !strcmp(argv[4], "arm64"))) &&
	    !strcmp(argv[1], "build")) {
		load_platform(argv[2], &plat, argc == 5 ? PLAT_ARM64 : PLAT_X86_64);
		write_qemu_args(&plat, argv[3]);
		write_cmdline(&plat, argv[3]);
		write_retired_tables(&plat, argv[3]);
		write_env(&plat, argv[3]);
		write_acpi_tables(&plat, argv[3]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "dsdt")) {
		load_platform(argv[2], &plat, PLAT_X86_64);
		patch_dsdt(&plat, argv[3]);
		return 0;
	}
	fprintf(stderr,
		"usage: egm-platform check FILE\n"
		"       egm-platform build FILE OUTDIR [arm64]\n"
		"       egm-platform dsdt FILE QEMU-DSDT.dsl\n");
	return 2;
}
