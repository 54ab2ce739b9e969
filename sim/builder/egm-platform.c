// SPDX-License-Identifier: GPL-2.0-only
/*
 * egm-platform: turns a platform file into the firmware view of a simulated
 * Grace host.
 *
 *   egm-platform check FILE           parse and print the layout
 *   egm-platform build FILE OUTDIR    QEMU arguments, kernel command line,
 *                                     retired-pages tables, test expectations
 *   egm-platform dsdt FILE QEMU.dsl   QEMU's disassembled DSDT, made revision
 *                                     2, with the GPU nodes' EGM _DSD added
 */
#include "platform.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DSD_UUID "daffd814-6eba-4d8c-8a91-bc9bbf4aa301"
#define RETIRED_TABLE_ENTRIES 4096
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

static void load_platform(const char *path, struct platform *plat)
{
	char err[256];
	size_t len;
	char *text = read_file(path, &len);

	if (plat_parse(plat, text, len, err, sizeof(err)) ||
	    plat_layout(plat, err, sizeof(err))) {
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

static void write_qemu_args(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "qemu-args");
	uint64_t total = plat->ram;
	unsigned int top = max_pxm(plat);

	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		total += plat->sockets[i].size;
	fprintf(f, "-machine\nq35\n-smp\n2\n-m\n%" PRIu64 "M\n", total >> 20);
	/* Before any PCI device, which it then translates for. */
	if (plat->iommu)
		fprintf(f, "-device\nintel-iommu,intremap=on\n");
	fprintf(f, "-object\nmemory-backend-ram,id=ram0,size=%" PRIu64 "M\n",
		plat->ram >> 20);
	fprintf(f, "-numa\nnode,nodeid=0,cpus=0-1,memdev=ram0\n");
	/* QEMU wants node ids without holes: the empty nodes fill them. */
	for (unsigned int pxm = 1; pxm <= top; pxm++) {
		const struct plat_socket *s = NULL;

		for (unsigned int i = 0; i < plat->nr_sockets; i++)
			if (plat->sockets[i].pxm == pxm)
				s = &plat->sockets[i];
		if (!s) {
			fprintf(f, "-numa\nnode,nodeid=%u\n", pxm);
			continue;
		}
		fprintf(f, "-object\nmemory-backend-ram,id=egm%u,size=%" PRIu64 "M\n",
			pxm, s->size >> 20);
		fprintf(f, "-numa\nnode,nodeid=%u,memdev=egm%u\n", pxm, pxm);
	}
	/* QEMU's edu device stands in for each GPU's PCI function. */
	for (unsigned int g = 0; g < plat->nr_gpus; g++)
		/* QEMU reads the slot of addr= in hex. */
		fprintf(f, "-device\nedu,addr=%x.0\n", plat->gpus[g].slot);
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		fprintf(f, "-device\nloader,file=%s/retired-pxm%u.bin,addr=%#" PRIx64
			",force-raw=on\n", dir, plat->sockets[i].pxm,
			plat->sockets[i].retired_table);
	close_out(f);
}

static void write_cmdline(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "cmdline");

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

static void write_retired_tables(const struct platform *plat, const char *dir)
{
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		const struct plat_socket *s = &plat->sockets[i];
		static uint64_t table[1 + RETIRED_TABLE_ENTRIES];
		char name[64];
		FILE *f;

		table[0] = s->retired_count_set ? s->retired_count : s->nr_retired;
		for (unsigned int r = 0; r < s->nr_retired; r++)
			table[1 + r] = plat_retired_address(s, r);
		snprintf(name, sizeof(name), "retired-pxm%u.bin", s->pxm);
		f = open_out(dir, name);
		/*
		 * Firmware's table is little-endian, like the hosts we build
		 * on. Only the entries are written: the rest of the firmware
		 * area is zero, as is all of the guest's memory at start.
		 */
		if (fwrite(table, sizeof(table[0]), 1 + s->nr_retired, f) !=
		    1 + s->nr_retired)
			die("cannot write %s", name);
		close_out(f);
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
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		if (plat->sockets[i].pxm == pxm)
			return 1;
	return 0;
}

static void write_env(const struct platform *plat, const char *dir)
{
	FILE *f = open_out(dir, "platform.env");

	fprintf(f, "PLATFORM=%s\n", plat->name);
	fprintf(f, "EXPECT_DEVICES=\"%s\"\n", plat->expect_devices);
	fprintf(f, "EXPECT_LOGS=%u\n", plat->nr_expect_logs);
	for (unsigned int i = 0; i < plat->nr_expect_logs; i++)
		fprintf(f, "EXPECT_LOG_%u='%s'\n", i, plat->expect_logs[i]);
	fprintf(f, "REGIONS=\"");
	for (unsigned int i = 0; i < plat->nr_sockets; i++)
		fprintf(f, "%s%u", i ? " " : "", plat->sockets[i].pxm);
	fprintf(f, "\"\n");
	for (unsigned int i = 0; i < plat->nr_sockets; i++) {
		const struct plat_socket *s = &plat->sockets[i];
		struct region_view r = region_as_firmware_says(plat, i);

		fprintf(f, "REGION_%" PRIu64 "_BASE=%#" PRIx64 "\n", r.pxm, r.base);
		fprintf(f, "REGION_%" PRIu64 "_SIZE=%" PRIu64 "\n", r.pxm, r.size);
		/* Whether SRAT has this PXM, so that the region has a NUMA node. */
		fprintf(f, "REGION_%" PRIu64 "_IN_SRAT=%d\n", r.pxm,
			pxm_in_srat(plat, r.pxm));
		fprintf(f, "REGION_%" PRIu64 "_RETIRED_TABLE=%#" PRIx64 "\n", r.pxm,
			s->retired_table);
		/* What the table lists, for the tests' own computation. */
		fprintf(f, "REGION_%" PRIu64 "_RETIRED_ENTRIES=\"", r.pxm);
		for (unsigned int e = 0; e < s->nr_retired; e++)
			fprintf(f, "%s%#" PRIx64, e ? " " : "",
				plat_retired_address(s, e));
		fprintf(f, "\"\n");
		fprintf(f, "REGION_%" PRIu64 "_GPUS=\"", r.pxm);
		for (unsigned int g = 0, n = 0; g < plat->nr_gpus; g++)
			if (plat->gpus[g].socket == i)
				fprintf(f, "%s0000:00:%02x.0", n++ ? " " : "",
					plat->gpus[g].slot);
		fprintf(f, "\"\n");
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
		for (unsigned int g = 0; g < plat->nr_gpus; g++)
			if (plat->gpus[g].socket == i)
				printf(" 00:%02x.0", plat->gpus[g].slot);
		printf("\n");
	}
	printf("  expected devices: %s\n",
	       plat->expect_devices[0] ? plat->expect_devices : "none");
}

static void print_dsd(const struct platform *plat, unsigned int gpu,
		      const char *indent)
{
	printf("%sName (_DSD, Package ()\n%s{\n", indent, indent);
	printf("%s    ToUUID (\"" DSD_UUID "\"),\n", indent);
	printf("%s    Package ()\n%s    {\n", indent, indent);
	for (int p = 0; p < PLAT_NR_PROPS; p++) {
		uint64_t value;

		if (plat_gpu_prop(plat, gpu, p, &value))
			printf("%s        Package () { \"nvidia,%s\", 0x%016" PRIX64
			       " },\n", indent, plat_prop_names[p], value);
	}
	printf("%s    }\n%s})\n", indent, indent);
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
		int gpu = gpu_for_device_line(plat, line);

		if (gpu >= 0) {
			/* ACPI names have 4 characters: GPU0..GPU9, GU10..GU31. */
			printf(gpu < 10 ? "%.*sDevice (GPU%d)\n" : "%.*sDevice (GU%d)\n",
			       (int)strcspn(line, "D"), line, gpu);
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
			print_dsd(plat, pending, indent);
			pending = -1;
		}
	}
	if (!revised)
		die("%s: no revision-1 DSDT DefinitionBlock line", dsl_path);
	if (found != plat->nr_gpus)
		die("%s: a GPU slot has no device node (was QEMU started with every GPU?)",
		    dsl_path);
	free(text);
}

int main(int argc, char **argv)
{
	struct platform plat;

	if (argc == 3 && !strcmp(argv[1], "check")) {
		load_platform(argv[2], &plat);
		print_layout(&plat);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "build")) {
		load_platform(argv[2], &plat);
		write_qemu_args(&plat, argv[3]);
		write_cmdline(&plat, argv[3]);
		write_retired_tables(&plat, argv[3]);
		write_env(&plat, argv[3]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "dsdt")) {
		load_platform(argv[2], &plat);
		patch_dsdt(&plat, argv[3]);
		return 0;
	}
	fprintf(stderr,
		"usage: egm-platform check FILE\n"
		"       egm-platform build FILE OUTDIR\n"
		"       egm-platform dsdt FILE QEMU-DSDT.dsl\n");
	return 2;
}
