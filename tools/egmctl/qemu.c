// SPDX-License-Identifier: GPL-2.0-only
/*
 * egmctl qemu-args and libvirt-xml: a VM whose RAM is an EGM region.
 *
 * The region is the guest's one NUMA node, as NVIDIA's stack gives a Grace
 * VM its EGM: one memory-backend-file over /dev/egmN. QEMU must never touch
 * a retired block (not to load firmware, not to preallocate), and neither
 * may the guest (KVM reports a guest access to retired PFN-map memory as
 * EFAULT and QEMU stops). With retired memory the one node is therefore
 * the largest usable stretch, a memory-backend-file with offset= (QEMU
 * 8.2); --layout nodes keeps more of the region, each stretch a node of
 * its own (the driver lets one process open the device several times),
 * at distance 11 from one another, as the firmware's SLIT puts one
 * socket's memory. With the socket's GPUs, a QEMU that has them gets
 * acpi-generic-initiator nodes for each GPU's memory (8 a GPU, as on the
 * host) and NVIDIA's acpi-egm-memory, which tells the guest's GPU driver
 * which node is its EGM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
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
#define GPU_NODES 8		/* generic-initiator nodes a GPU has, as on the host */
/* NUMA distances, as the host firmware's SLIT: one socket's memory, a GPU's. */
#define DISTANCE_SOCKET 11
#define DISTANCE_LOCAL_GPU 80
#define DISTANCE_OTHER_GPU 120

enum vm_layout {
	LAYOUT_ONE_NODE,	/* the region's largest usable stretch, one node */
	LAYOUT_NODES,		/* up to max_pieces stretches, a node each */
};

enum vm_output {
	OUTPUT_QEMU_ARGS,
	OUTPUT_LIBVIRT_COMMANDLINE,	/* released libvirt: <qemu:commandline> */
	OUTPUT_LIBVIRT_MEMORY_EGM,	/* NVIDIA's series: <memory model='egm'> */
};

struct vm_request {
	struct egm_region *region;
	const char *gpus;	/* "all", "none" or a BDF list */
	unsigned int nr_cpus;	/* vCPUs on the region's node (0: not given) */
	const char *qemu;	/* the QEMU binary the arguments are for */
	enum vm_layout layout;
	enum vm_output output;
	struct egmctl_qemu_objects objects;
	unsigned int max_pieces;
	unsigned int nr_pieces;
	struct piece pieces[MAX_PIECES];
};

/* The arguments, one per element, for printing or for libvirt. */
struct arg_list {
	char **v;
	unsigned int n, cap;
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

static const char *default_qemu(void)
{
	struct utsname u;

	uname(&u);
	return strcmp(u.machine, "aarch64") ? "qemu-system-x86_64" :
					      "qemu-system-aarch64";
}

static bool passes_gpus(const struct vm_request *req)
{
	return strcmp(req->gpus, "none");
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

static int check_qemu(struct vm_request *req);

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

/* How much of the region the plan leaves out, and what --layout nodes would. */
static void say_left_out(const struct vm_request *req,
			 const struct egm_retired_range *retired, unsigned int n,
			 uint64_t dropped)
{
	const char *name = egm_region_name(req->region);
	struct vm_request most = *req;
	uint64_t most_dropped;

	if (req->layout == LAYOUT_NODES) {
		fprintf(stderr,
			"egmctl: %s has %u retired range(s): guest RAM is %u node(s) around them, %"
			PRIu64 " MiB left out\n", name, n, req->nr_pieces, dropped >> 20);
		return;
	}
	most.max_pieces = MAX_PIECES;
	most_dropped = plan_pieces(&most, retired, n);
	fprintf(stderr,
		"egmctl: %s has %u retired range(s): its one NUMA node is the largest stretch without any, %"
		PRIu64 " MiB left out", name, n, dropped >> 20);
	if (most_dropped < dropped)
		fprintf(stderr, " (--layout nodes --max-pieces %u: %u nodes, %" PRIu64
			" MiB left out)", MAX_PIECES, most.nr_pieces, most_dropped >> 20);
	fputc('\n', stderr);
}

static int parse_form(const char *form, struct vm_request *req,
		      const char *cmd)
{
	if (req->output == OUTPUT_QEMU_ARGS)
		return egmctl_usage("%s: --form goes with libvirt-xml", cmd);
	if (!strcmp(form, "commandline"))
		req->output = OUTPUT_LIBVIRT_COMMANDLINE;
	else if (!strcmp(form, "memory-egm"))
		req->output = OUTPUT_LIBVIRT_MEMORY_EGM;
	else
		return egmctl_usage("%s: --form takes %s, not '%.60s'", cmd,
				    "commandline or memory-egm", form);
	return 0;
}

/* What each output can express of the request. */
static int check_output(const struct vm_request *req, const char *cmd)
{
	if (req->output != OUTPUT_QEMU_ARGS && req->layout != LAYOUT_ONE_NODE)
		return egmctl_usage("%s: libvirt's RAM is one backend: --layout one-node only",
				    cmd);
	if (req->output == OUTPUT_LIBVIRT_COMMANDLINE && req->nr_cpus)
		return egmctl_usage("%s: the domain's <vcpu> gives the vCPUs, not --cpus",
				    cmd);
	if (req->output != OUTPUT_LIBVIRT_MEMORY_EGM)
		return 0;
	if (!req->nr_cpus)
		return egmctl_usage("%s: --form memory-egm needs --cpus (its <cell>'s vCPUs)",
				    cmd);
	if (!passes_gpus(req))
		return egmctl_usage("%s: --form memory-egm needs the GPUs, not --gpus none",
				    cmd);
	return 0;
}

static int parse_vm_request(struct egmctl *ctl, int argc, char **argv,
			    struct vm_request *req, enum vm_output output)
{
	static const struct option opts[] = {
		{ "gpus", required_argument, NULL, 'g' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "max-pieces", required_argument, NULL, 'p' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "layout", required_argument, NULL, 'l' },
		{ "form", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct egm_retired_range *retired;
	unsigned int n, max_pieces = 0;
	uint64_t dropped;
	char *end;
	int c, ret;

	*req = (struct vm_request){ .gpus = "all", .layout = LAYOUT_ONE_NODE,
				    .output = output };
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
		case 'p': {
			unsigned long pieces = strtoul(optarg, &end, 10);

			if (*end || !pieces || pieces > MAX_PIECES)
				return egmctl_usage("%s: --max-pieces takes 1 to %d",
						    argv[0], MAX_PIECES);
			max_pieces = pieces;
			break;
		}
		case 'l':
			if (!strcmp(optarg, "one-node"))
				req->layout = LAYOUT_ONE_NODE;
			else if (!strcmp(optarg, "nodes"))
				req->layout = LAYOUT_NODES;
			else
				return egmctl_usage("%s: --layout takes %s, not '%.60s'",
						    argv[0], "one-node or nodes", optarg);
			break;
		case 'q':
			req->qemu = optarg;
			break;
		case 'f':
			ret = parse_form(optarg, req, argv[0]);
			if (ret)
				return ret;
			break;
		default:
			return egmctl_usage("%s: unknown option", argv[0]);
		}
	}
	if (optind != argc - 1)
		return egmctl_usage("%s needs one region, such as egm4", argv[0]);
	if (max_pieces && req->layout != LAYOUT_NODES)
		return egmctl_usage("%s: --max-pieces goes with --layout nodes", argv[0]);
	ret = check_output(req, argv[0]);
	if (ret)
		return ret;
	req->max_pieces = req->layout == LAYOUT_NODES ? max_pieces ?: 8 : 1;
	req->qemu = req->qemu ?: default_qemu();
	req->region = egm_region_get(ctl->ctx, argv[optind]);
	if (!req->region)
		return egmctl_fail(ctl, "");
	ret = check_gpus(req);
	if (!ret && passes_gpus(req))
		ret = check_dma_backend(ctl, req);
	if (ret)
		return ret;
	if (egm_region_retired(req->region, &retired, &n))
		return egmctl_fail(ctl, "");
	if (req->output == OUTPUT_LIBVIRT_MEMORY_EGM &&
	    !egm_region_gpu_count(req->region)) {
		free(retired);
		fprintf(stderr,
			"egmctl: %s has no GPU, and <memory model='egm'> belongs to one: use --form commandline\n",
			egm_region_name(req->region));
		return EGMCTL_FAILED;
	}
	if (n && req->output == OUTPUT_LIBVIRT_MEMORY_EGM) {
		free(retired);
		fprintf(stderr,
			"egmctl: %s has %u retired range(s) and <memory model='egm'> maps the whole region: use --form commandline, which keeps the guest off them\n",
			egm_region_name(req->region), n);
		return EGMCTL_FAILED;
	}
	dropped = plan_pieces(req, retired, n);
	if (n)
		say_left_out(req, retired, n, dropped);
	free(retired);
	if (!req->nr_pieces) {
		fprintf(stderr, "egmctl: %s has no usable 2 MiB stretch\n",
			egm_region_name(req->region));
		return EGMCTL_FAILED;
	}
	return check_qemu(req);
}

/* Whether the plan needs offset=, which QEMU has from 8.2. */
static bool needs_offset(const struct vm_request *req)
{
	return req->nr_pieces > 1 || req->pieces[0].offset;
}

#define QEMU_MAX_NODES 128

static unsigned int gpu_node_count(const struct vm_request *req);

static int check_qemu(struct vm_request *req)
{
	int version;

	/* The socket's GPUs get the nodes and tables this QEMU can make. */
	if (req->output == OUTPUT_QEMU_ARGS && passes_gpus(req) &&
	    egmctl_qemu_objects(req->qemu, &req->objects))
		fprintf(stderr,
			"egmctl: note: cannot ask %s which objects it has: the GPUs get no acpi-generic-initiator nodes\n",
			req->qemu);
	if (req->nr_pieces + gpu_node_count(req) > QEMU_MAX_NODES) {
		fprintf(stderr,
			"egmctl: %u nodes for %s and %u for its GPUs are more than QEMU's %d: use a smaller --max-pieces\n",
			req->nr_pieces, egm_region_name(req->region), gpu_node_count(req),
			QEMU_MAX_NODES);
		return EGMCTL_FAILED;
	}
	if (!needs_offset(req))
		return 0;
	version = egmctl_qemu_version(req->qemu);
	if (version < 0) {
		fprintf(stderr,
			"egmctl: note: cannot run %s to check its version; these arguments need QEMU 8.2 or later (memory-backend-file offset=)\n",
			req->qemu);
		return 0;
	}
	if (version < 8002) {
		fprintf(stderr,
			"egmctl: %s is QEMU %d.%d, which cannot map part of a file (memory-backend-file offset= needs 8.2): with retired memory in %s use a newer QEMU (--qemu BINARY)\n",
			req->qemu, version / 1000, version % 1000,
			egm_region_name(req->region));
		return EGMCTL_FAILED;
	}
	return 0;
}

__attribute__((format(printf, 2, 3)))
static void arg_add(struct arg_list *args, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (args->n == args->cap) {
		args->cap = args->cap ? 2 * args->cap : 64;
		args->v = realloc(args->v, args->cap * sizeof(*args->v));
	}
	if (!text || !args->v) {
		fputs("egmctl: out of memory\n", stderr);
		exit(EGMCTL_FAILED);
	}
	args->v[args->n++] = text;
}

static void args_free(struct arg_list *args)
{
	for (unsigned int i = 0; i < args->n; i++)
		free(args->v[i]);
	free(args->v);
}

static unsigned int gpu_node_count(const struct vm_request *req)
{
	return passes_gpus(req) && req->objects.generic_initiator ?
	       GPU_NODES * egm_region_gpu_count(req->region) : 0;
}

/*
 * Nodes 0 to nr_pieces - 1 are EGM; then GPU_NODES for each GPU. As the
 * host's SLIT: one socket's memory 11 apart, a GPU's nodes 11 from each
 * other, 80 from its socket's memory and 120 from another GPU's.
 */
static unsigned int node_distance(const struct vm_request *req, unsigned int a,
				  unsigned int b)
{
	bool a_gpu = a >= req->nr_pieces, b_gpu = b >= req->nr_pieces;

	if (!a_gpu && !b_gpu)
		return DISTANCE_SOCKET;
	if (a_gpu != b_gpu)
		return DISTANCE_LOCAL_GPU;
	return (a - req->nr_pieces) / GPU_NODES == (b - req->nr_pieces) / GPU_NODES ?
	       DISTANCE_SOCKET : DISTANCE_OTHER_GPU;
}

static void add_gpus(const struct vm_request *req, struct arg_list *args)
{
	const char *name = egm_region_name(req->region);
	unsigned int node = req->nr_pieces;

	for (unsigned int i = 0; i < egm_region_gpu_count(req->region); i++) {
		arg_add(args, "-device");
		arg_add(args, "vfio-pci,host=%s,id=%s-gpu%u",
			egm_region_gpu(req->region, i), name, i);
		for (unsigned int j = 0; req->objects.generic_initiator && j < GPU_NODES; j++) {
			arg_add(args, "-numa");
			arg_add(args, "node,nodeid=%u", node);
			arg_add(args, "-object");
			arg_add(args, "acpi-generic-initiator,id=%s-gpu%u-gi%u,%s=%s-gpu%u,node=%u",
				name, i, j, "pci-dev", name, i, node++);
		}
		if (req->objects.egm_memory) {
			arg_add(args, "-object");
			arg_add(args, "acpi-egm-memory,id=%s-gpu%u-egm,pci-dev=%s-gpu%u,node=0",
				name, i, name, i);
		}
	}
}

static void build_args(const struct vm_request *req, struct arg_list *args)
{
	const char *name = egm_region_name(req->region);
	unsigned int nodes = req->nr_pieces + gpu_node_count(req);
	char cpus[32] = "";
	uint64_t total = 0;

	for (unsigned int i = 0; i < req->nr_pieces; i++)
		total += req->pieces[i].size;
	arg_add(args, "-m");
	arg_add(args, "%" PRIu64 "M", total >> 20);
	if (req->nr_cpus) {
		arg_add(args, "-smp");
		arg_add(args, "%u", req->nr_cpus);
		snprintf(cpus, sizeof(cpus), ",cpus=0-%u", req->nr_cpus - 1);
	}
	for (unsigned int i = 0; i < req->nr_pieces; i++) {
		const struct piece *p = &req->pieces[i];
		char offset[48] = "";

		if (needs_offset(req))
			snprintf(offset, sizeof(offset), ",offset=%" PRIu64, p->offset);
		arg_add(args, "-object");
		arg_add(args, "memory-backend-file,id=%s-%u,mem-path=%s,size=%" PRIu64
			"%s,share=on,prealloc=on,align=%" PRIu64,
			name, i, egm_region_devnode(req->region), p->size, offset,
			p->align);
		arg_add(args, "-numa");
		arg_add(args, "node,nodeid=%u,memdev=%s-%u%s", i, name, i, i ? "" : cpus);
	}
	if (passes_gpus(req))
		add_gpus(req, args);
	for (unsigned int a = 0; nodes > 1 && a < nodes; a++)
		for (unsigned int b = a + 1; b < nodes; b++) {
			arg_add(args, "-numa");
			arg_add(args, "dist,src=%u,dst=%u,val=%u", a, b,
				node_distance(req, a, b));
		}
}

int cmd_qemu_args(struct egmctl *ctl, int argc, char **argv)
{
	struct arg_list args = { 0 };
	struct vm_request req;
	int ret = parse_vm_request(ctl, argc, argv, &req, OUTPUT_QEMU_ARGS);

	if (ret)
		return ret;
	build_args(&req, &args);
	for (unsigned int i = 0; i < args.n; i++)
		printf("%s%s", i ? " " : "", args.v[i]);
	printf("\n");
	args_free(&args);
	return 0;
}

/* @text as XML character data or a value in single quotes. */
static void print_xml_escaped(const char *text)
{
	static const char *const entity[256] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
		['\''] = "&apos;", ['"'] = "&quot;",
	};

	for (; *text; text++) {
		const char *e = entity[(unsigned char)*text];

		if (e)
			fputs(e, stdout);
		else
			putchar(*text);
	}
}

/* 0000:00:03.0 -> a libvirt hostdev, with user alias @alias if given. */
static void print_hostdev(const char *bdf, const char *alias)
{
	unsigned int dom, bus, slot, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return;
	printf("    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
	       "      <source>\n"
	       "        <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
	       "      </source>\n", dom, bus, slot, fn);
	if (alias)
		printf("      <alias name='%s'/>\n", alias);
	printf("    </hostdev>\n");
}

/*
 * Released libvirt cannot name a device as guest RAM: the backend goes on
 * <qemu:commandline>. libvirt (5.0 and later, with QEMU 5.0 and later)
 * gives the machine its own RAM object, pc.ram, with -machine
 * memory-backend, and -numa memdev is refused beside it; so the fragment
 * names the region's backend as the machine's RAM in its place.
 */
static void print_libvirt_commandline(struct vm_request *req)
{
	const char *name = egm_region_name(req->region);
	struct arg_list args = { 0 };

	printf("<!-- egmctl libvirt-xml %s: merge into a domain with no <numa> of its own;\n"
	       "     the VM's whole RAM is the EGM region, so <memory> is its size.\n"
	       "     libvirt does not know the device: in qemu.conf, namespaces = [ ] (else\n"
	       "     QEMU's private /dev lacks it) and the device in cgroup_device_acl. -->\n"
	       "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
	       "  <memory unit='KiB'>%" PRIu64 "</memory>\n"
	       "  <devices>\n", name, req->pieces[0].size >> 10);
	if (passes_gpus(req))
		for (unsigned int i = 0; i < egm_region_gpu_count(req->region); i++)
			print_hostdev(egm_region_gpu(req->region, i), NULL);
	printf("  </devices>\n  <qemu:commandline>\n");
	/* The backend as build_args() makes it; the machine takes it as RAM. */
	req->gpus = "none";
	build_args(req, &args);
	arg_add(&args, "-machine");
	arg_add(&args, "memory-backend=%s-0", name);
	for (unsigned int i = 0; i < args.n; i++) {
		if (!strcmp(args.v[i], "-m") || !strcmp(args.v[i], "-numa")) {
			i++;	/* -m is <memory>; the one node is the machine's */
			continue;
		}
		fputs("    <qemu:arg value='", stdout);
		print_xml_escaped(args.v[i]);
		fputs("'/>\n", stdout);
	}
	printf("  </qemu:commandline>\n</domain>\n");
	args_free(&args);
}

/*
 * NVIDIA's libvirt series (not merged) as NVIDIA's KubeVirt writes it: the
 * guest's RAM file-backed and shared, one <memory model='egm'> a GPU that
 * names the GPU's hostdev by alias, the region split evenly between the
 * GPUs in MiB, all on guest node 0. The series gives QEMU the device
 * (cgroup, namespace, labels) and the guest's GPU driver its EGM table.
 */
static void print_libvirt_memory_egm(const struct vm_request *req)
{
	const char *name = egm_region_name(req->region);
	unsigned int gpus = egm_region_gpu_count(req->region);
	uint64_t size = egm_region_size(req->region);
	uint64_t per_gpu_mib = size / gpus >> 20;
	uint64_t total_kib = per_gpu_mib * gpus << 10;
	char alias[64];

	if (total_kib << 10 != size)
		fprintf(stderr,
			"egmctl: note: %s split in whole MiB between %u GPUs leaves %" PRIu64
			" KiB out\n", name, gpus, (size >> 10) - total_kib);
	printf("<!-- egmctl libvirt-xml %s, form memory-egm: for a libvirt with NVIDIA's\n"
	       "     EGM series (<memory model='egm'>); released libvirt rejects it.\n"
	       "     Merge into a domain with no <numa> of its own. -->\n"
	       "<domain type='kvm'>\n"
	       "  <vcpu placement='static'>%u</vcpu>\n"
	       "  <memory unit='KiB'>%" PRIu64 "</memory>\n"
	       "  <memoryBacking>\n"
	       "    <source type='file'/>\n"
	       "    <access mode='shared'/>\n"
	       "    <allocation mode='immediate'/>\n"
	       "  </memoryBacking>\n"
	       "  <cpu>\n"
	       "    <numa>\n"
	       "      <cell id='0' cpus='0-%u' memory='%" PRIu64 "' unit='KiB'/>\n"
	       "    </numa>\n"
	       "  </cpu>\n"
	       "  <devices>\n", name, req->nr_cpus, total_kib, req->nr_cpus - 1,
	       total_kib);
	for (unsigned int i = 0; i < gpus; i++) {
		snprintf(alias, sizeof(alias), "ua-%s-gpu%u", name, i);
		print_hostdev(egm_region_gpu(req->region, i), alias);
		printf("    <memory model='egm' access='shared'>\n"
		       "      <source>\n"
		       "        <path>");
		print_xml_escaped(egm_region_devnode(req->region));
		printf("</path>\n"
		       "      </source>\n"
		       "      <target>\n"
		       "        <size unit='MiB'>%" PRIu64 "</size>\n"
		       "        <node>0</node>\n"
		       "        <pciDev>%s</pciDev>\n"
		       "      </target>\n"
		       "    </memory>\n", per_gpu_mib, alias);
	}
	printf("  </devices>\n</domain>\n");
}

int cmd_libvirt_xml(struct egmctl *ctl, int argc, char **argv)
{
	struct vm_request req;
	int ret = parse_vm_request(ctl, argc, argv, &req,
				   OUTPUT_LIBVIRT_COMMANDLINE);

	if (ret)
		return ret;
	if (req.output == OUTPUT_LIBVIRT_MEMORY_EGM)
		print_libvirt_memory_egm(&req);
	else
		print_libvirt_commandline(&req);
	return 0;
}
