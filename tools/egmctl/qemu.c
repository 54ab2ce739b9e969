// SPDX-License-Identifier: GPL-2.0-only
/*
 * egmctl qemu-args and libvirt-xml: a VM whose RAM is an EGM region.
 *
 * A region without retired memory is one memory-backend-file over
 * /dev/egmN. With retired memory, QEMU must never touch a retired block:
 * not to load firmware, not to preallocate, and neither may the guest
 * (KVM reports a guest access to poisoned PFN-map memory as EFAULT and
 * QEMU stops). So the RAM is assembled from the usable stretches, each a
 * memory-backend-file with offset= (QEMU 8.2 and later) over the same
 * device, which the driver lets one process open several times, and each
 * its own NUMA node: the guest never sees a retired block.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "egmctl.h"

#define MIB (1ULL << 20)
#define PIECE_ALIGN (2 * MIB)	/* pieces keep 2 MiB entries possible */
#define MAX_PIECES 64

struct piece {
	uint64_t offset;
	uint64_t size;
	uint64_t align;
};

#define MAX_CPUS 4096		/* more vCPUs than QEMU takes */

struct vm_request {
	struct egm_region *region;
	const char *gpus;	/* "all", "none" or a BDF list */
	unsigned int nr_cpus;	/* vCPUs on the region's node (0: not given) */
	const char *qemu;	/* the QEMU binary whose version matters */
	unsigned int max_pieces;
	unsigned int nr_pieces;
	struct piece pieces[MAX_PIECES];
};

static uint64_t largest_pow2_dividing(uint64_t v, uint64_t cap)
{
	uint64_t a = v ? v & -v : cap;

	return a < cap ? a : cap;
}

static int by_offset(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Keeps @p if it is among the @max largest seen so far in @kept[*@n]. */
static void keep_if_large(struct piece *kept, unsigned int *n, unsigned int max,
			  struct piece p)
{
	unsigned int smallest = 0;

	if (*n < max) {
		kept[(*n)++] = p;
		return;
	}
	for (unsigned int i = 1; i < *n; i++)
		if (kept[i].size < kept[smallest].size)
			smallest = i;
	if (p.size > kept[smallest].size)
		kept[smallest] = p;
}

/*
 * The usable stretches between retired ranges, trimmed to 2 MiB: the
 * largest max_pieces of all of them, in region order. Returns the bytes
 * left out.
 */
static uint64_t plan_pieces(struct vm_request *req,
			    const struct egm_retired_range *retired,
			    unsigned int n)
{
	uint64_t size = egm_region_size(req->region), at = 0, usable = 0, kept = 0;
	uint64_t align = egm_region_align(req->region);

	req->nr_pieces = 0;
	for (unsigned int i = 0; i <= n; i++) {
		uint64_t end = i < n ? retired[i].offset : size;
		uint64_t start = (at + PIECE_ALIGN - 1) & ~(PIECE_ALIGN - 1);

		end &= ~(PIECE_ALIGN - 1);
		if (end > start)
			keep_if_large(req->pieces, &req->nr_pieces, req->max_pieces,
				      (struct piece){ start, end - start, 0 });
		usable += (i < n ? retired[i].offset : size) - at;
		if (i < n)
			at = retired[i].offset + retired[i].size;
	}
	qsort(req->pieces, req->nr_pieces, sizeof(req->pieces[0]), by_offset);
	for (unsigned int i = 0; i < req->nr_pieces; i++) {
		struct piece *p = &req->pieces[i];

		/* The virtual alignment that keeps the largest entries. */
		p->align = largest_pow2_dividing(p->offset, 1ULL << 30);
		if (p->align > align)
			p->align = align;
		kept += p->size;
	}
	return usable - kept;
}

/*
 * "QEMU emulator version 7.2.22" -> 7002. The binary is run directly, never
 * through a shell: its name is the user's text.
 */
static int qemu_version(const char *binary)
{
	int major = 0, minor = 0, pipefd[2], devnull;
	char line[256];
	pid_t pid;
	FILE *p;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(pipefd[1], STDOUT_FILENO);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		close(pipefd[0]);
		execlp(binary, binary, "--version", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return -1;
	}
	p = fdopen(pipefd[0], "r");
	while (p && fgets(line, sizeof(line), p))
		if (!major && sscanf(line, "QEMU emulator version %d.%d", &major, &minor) != 2)
			major = 0;
	if (p)
		fclose(p);
	else
		close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return major > 0 ? major * 1000 + minor : -1;
}

static const char *default_qemu(void)
{
	struct utsname u;

	uname(&u);
	return strcmp(u.machine, "aarch64") ? "qemu-system-x86_64" :
					      "qemu-system-aarch64";
}

/* All GPUs of the region, or none: never some. */
static int check_gpus(const struct vm_request *req)
{
	struct egm_region *region = req->region;
	unsigned int n = egm_region_gpu_count(region);

	if (!strcmp(req->gpus, "all") || !strcmp(req->gpus, "none"))
		return 0;
	/* Nothing that is not the region's, and none of it left out. */
	for (const char *p = req->gpus; *p;) {
		size_t len = strcspn(p, ",");
		bool known = false;

		for (unsigned int i = 0; i < n; i++)
			known |= strlen(egm_region_gpu(region, i)) == len &&
				 !strncmp(egm_region_gpu(region, i), p, len);
		if (!known) {
			fprintf(stderr, "egmctl: %.*s is not a GPU of %s\n",
				(int)len, p, egm_region_name(region));
			return EGMCTL_FAILED;
		}
		p += len + (p[len] == ',');
	}
	for (unsigned int i = 0; i < n; i++) {
		const char *gpu = egm_region_gpu(region, i);
		const char *hit = strstr(req->gpus, gpu);

		if (!hit || (hit != req->gpus && hit[-1] != ',') ||
		    (hit[strlen(gpu)] && hit[strlen(gpu)] != ',')) {
			fprintf(stderr,
				"egmctl: --gpus leaves out %s: every GPU of %s goes to the same VM (use --gpus all)\n",
				gpu, egm_region_name(region));
			return EGMCTL_FAILED;
		}
	}
	return 0;
}

/* The GPUs reach EGM through the type1 container, QEMU's default backend. */
static int check_dma_backend(const struct egmctl *ctl,
			     const struct vm_request *req)
{
	bool iommufd;

	switch (egmctl_dma_backend(ctl, &iommufd)) {
	case EGMCTL_DMA_TYPE1:
		if (iommufd)
			fprintf(stderr,
				"egmctl: note: the GPUs use the VFIO type1 container (QEMU's default), not iommufd, which cannot map %s for DMA\n",
				egm_region_name(req->region));
		return 0;
	case EGMCTL_DMA_IOMMUFD_ONLY:
		fprintf(stderr,
			"egmctl: this host has only iommufd, which cannot map %s for GPU DMA (EGM has no struct pages to pin): enable CONFIG_VFIO_CONTAINER and CONFIG_VFIO_IOMMU_TYPE1, or use --gpus none\n",
			egm_region_name(req->region));
		return EGMCTL_FAILED;
	case EGMCTL_DMA_NONE:
		fprintf(stderr,
			"egmctl: note: no VFIO on this host yet: bind the GPUs to vfio-pci before starting QEMU\n");
		return 0;
	}
	return 0;
}

static int check_qemu(const struct vm_request *req);

static bool parse_cpu_number(const char **p, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (**p < '0' || **p > '9')
		return false;
	v = strtoul(*p, &end, 10);
	if (v >= MAX_CPUS)
		return false;
	*out = v;
	*p = end;
	return true;
}

/*
 * The number of vCPUs in "0-3,4-7" (0 if it is not a list of them): ranges
 * ascending, each vCPU once, together 0 to the highest, as all vCPUs go on
 * the region's node and none may be on no node.
 */
static unsigned int parse_cpus(const char *list)
{
	unsigned int first, last, next = 0;

	for (const char *p = list;; p++) {
		if (!parse_cpu_number(&p, &first))
			return 0;
		last = first;
		if (*p == '-' && (p++, !parse_cpu_number(&p, &last)))
			return 0;
		if (first != next || last < first)
			return 0;
		next = last + 1;
		if (!*p)
			return next;
		if (*p != ',')
			return 0;
	}
}

static const char *cpus_example(const char *given)
{
	static char text[128];

	snprintf(text, sizeof(text), "such as 0-7 or 0-3,4-7, not '%.60s'", given);
	return text;
}

static int parse_vm_request(struct egmctl *ctl, int argc, char **argv,
			    struct vm_request *req)
{
	static const struct option opts[] = {
		{ "gpus", required_argument, NULL, 'g' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "max-pieces", required_argument, NULL, 'p' },
		{ "qemu", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct egm_retired_range *retired;
	unsigned int n;
	uint64_t dropped;
	char *end;
	int c, ret;

	*req = (struct vm_request){ .gpus = "all", .max_pieces = 8 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			req->gpus = optarg;
			break;
		case 'c':
			req->nr_cpus = parse_cpus(optarg);
			if (!req->nr_cpus)
				return egmctl_usage("%s: --cpus takes vCPUs 0 to N (N < %d), %s",
						    argv[0], MAX_CPUS, cpus_example(optarg));
			break;
		case 'p':
			req->max_pieces = strtoul(optarg, &end, 10);
			if (*end || !req->max_pieces || req->max_pieces > MAX_PIECES)
				return egmctl_usage("%s: --max-pieces takes 1 to %d",
						    argv[0], MAX_PIECES);
			break;
		case 'q':
			req->qemu = optarg;
			break;
		default:
			return egmctl_usage("%s: unknown option", argv[0]);
		}
	}
	if (optind != argc - 1)
		return egmctl_usage("%s needs one region, such as egm4", argv[0]);
	req->region = egm_region_get(ctl->ctx, argv[optind]);
	if (!req->region)
		return egmctl_fail(ctl, "");
	ret = check_gpus(req);
	if (!ret && strcmp(req->gpus, "none"))
		ret = check_dma_backend(ctl, req);
	if (ret)
		return ret;
	if (egm_region_retired(req->region, &retired, &n))
		return egmctl_fail(ctl, "");
	dropped = plan_pieces(req, retired, n);
	free(retired);
	if (!req->nr_pieces) {
		fprintf(stderr, "egmctl: %s has no usable 2 MiB stretch\n",
			egm_region_name(req->region));
		return EGMCTL_FAILED;
	}
	if (n)
		fprintf(stderr,
			"egmctl: %s has %u retired range(s): guest RAM is %u piece(s) around them, %"
			PRIu64 " MiB left out\n",
			egm_region_name(req->region), n, req->nr_pieces,
			dropped >> 20);
	return check_qemu(req);
}

/* Whether the plan needs offset=, which QEMU has from 8.2. */
static bool needs_offset(const struct vm_request *req)
{
	return req->nr_pieces > 1 || req->pieces[0].offset;
}

static int check_qemu(const struct vm_request *req)
{
	const char *qemu = req->qemu ? req->qemu : default_qemu();
	int version;

	if (!needs_offset(req))
		return 0;
	version = qemu_version(qemu);
	if (version < 0) {
		fprintf(stderr,
			"egmctl: note: cannot run %s to check its version; these arguments need QEMU 8.2 or later (memory-backend-file offset=)\n",
			qemu);
		return 0;
	}
	if (version < 8002) {
		fprintf(stderr,
			"egmctl: %s is QEMU %d.%d, which cannot map part of a file (memory-backend-file offset= needs 8.2): with retired memory in %s use a newer QEMU (--qemu BINARY)\n",
			qemu, version / 1000, version % 1000,
			egm_region_name(req->region));
		return EGMCTL_FAILED;
	}
	return 0;
}

/* The arguments, one per element, for printing or for libvirt. */
static unsigned int build_args(const struct vm_request *req, char args[][256],
			       unsigned int max)
{
	const char *name = egm_region_name(req->region);
	char cpus[32] = "";
	uint64_t total = 0;
	unsigned int n = 0;

#define ARG(...) snprintf(args[n < max ? n++ : n], 256, __VA_ARGS__)
	for (unsigned int i = 0; i < req->nr_pieces; i++)
		total += req->pieces[i].size;
	ARG("-m");
	ARG("%" PRIu64 "M", total >> 20);
	if (req->nr_cpus) {
		ARG("-smp");
		ARG("%u", req->nr_cpus);
		snprintf(cpus, sizeof(cpus), req->nr_cpus == 1 ? ",cpus=0" : ",cpus=0-%u",
			 req->nr_cpus - 1);
	}
	for (unsigned int i = 0; i < req->nr_pieces; i++) {
		const struct piece *p = &req->pieces[i];
		char offset[48] = "";

		if (needs_offset(req))
			snprintf(offset, sizeof(offset), ",offset=%" PRIu64, p->offset);
		ARG("-object");
		ARG("memory-backend-file,id=%s-%u,mem-path=%s,size=%" PRIu64
		    "%s,share=on,prealloc=on,align=%" PRIu64,
		    name, i, egm_region_devnode(req->region), p->size, offset,
		    p->align);
		ARG("-numa");
		ARG("node,nodeid=%u,memdev=%s-%u%s", i, name, i, i ? "" : cpus);
	}
	if (strcmp(req->gpus, "none")) {
		for (unsigned int i = 0; i < egm_region_gpu_count(req->region); i++) {
			ARG("-device");
			ARG("vfio-pci,host=%s,id=%s-gpu%u", egm_region_gpu(req->region, i),
			    name, i);
		}
	}
#undef ARG
	return n;
}

int cmd_qemu_args(struct egmctl *ctl, int argc, char **argv)
{
	static char args[8 + 4 * MAX_PIECES + 2 * 16][256];
	struct vm_request req;
	unsigned int n;
	int ret = parse_vm_request(ctl, argc, argv, &req);

	if (ret)
		return ret;
	n = build_args(&req, args, ARRAY_SIZE(args));
	for (unsigned int i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", args[i]);
	printf("\n");
	return 0;
}

/* @text as the value of an XML attribute in single quotes. */
static void print_xml_escaped(const char *text)
{
	for (; *text; text++) {
		switch (*text) {
		case '&':
			fputs("&amp;", stdout);
			break;
		case '<':
			fputs("&lt;", stdout);
			break;
		case '>':
			fputs("&gt;", stdout);
			break;
		case '\'':
			fputs("&apos;", stdout);
			break;
		case '"':
			fputs("&quot;", stdout);
			break;
		default:
			putchar(*text);
		}
	}
}

/* 0000:00:03.0 -> the <address> of a libvirt hostdev. */
static void print_hostdev(const char *bdf)
{
	unsigned int dom, bus, slot, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return;
	printf("    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	       "      <source>\n"
	       "        <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
	       "      </source>\n"
	       "    </hostdev>\n", dom, bus, slot, fn);
}

int cmd_libvirt_xml(struct egmctl *ctl, int argc, char **argv)
{
	static char args[8 + 4 * MAX_PIECES + 2 * 16][256];
	const char *saved_gpus;
	struct vm_request req;
	uint64_t total = 0;
	unsigned int n;
	int ret = parse_vm_request(ctl, argc, argv, &req);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < req.nr_pieces; i++)
		total += req.pieces[i].size;
	/*
	 * GPUs become hostdevs and vCPUs are the domain's own; the memory
	 * goes through qemu:commandline.
	 */
	saved_gpus = req.gpus;
	req.gpus = "none";
	req.nr_cpus = 0;
	n = build_args(&req, args, ARRAY_SIZE(args));
	req.gpus = saved_gpus;
	printf("<!-- egmctl libvirt-xml %s: merge into a domain with no <numa> of its own;\n"
	       "     the VM's whole RAM is the EGM region, so <memory> is its size. -->\n"
	       "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
	       "  <memory unit='KiB'>%" PRIu64 "</memory>\n"
	       "  <devices>\n", egm_region_name(req.region), total >> 10);
	if (strcmp(req.gpus, "none"))
		for (unsigned int i = 0; i < egm_region_gpu_count(req.region); i++)
			print_hostdev(egm_region_gpu(req.region, i));
	printf("  </devices>\n  <qemu:commandline>\n");
	/* -m comes from <memory>; the rest as arguments. */
	for (unsigned int i = 2; i < n; i++) {
		fputs("    <qemu:arg value='", stdout);
		print_xml_escaped(args[i]);
		fputs("'/>\n", stdout);
	}
	printf("  </qemu:commandline>\n</domain>\n");
	return 0;
}
