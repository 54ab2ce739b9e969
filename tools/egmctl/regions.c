// SPDX-License-Identifier: GPL-2.0-only
/* egmctl list, show, retired and wait. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "egmctl.h"

/* -j and a region name, the shape of show and retired. */
static int parse_region_args(struct egmctl *ctl, int argc, char **argv,
			     bool want_region, struct egm_region **region)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return egmctl_usage("%s: unknown option", argv[0]);
		ctl->json = true;
	}
	if (!want_region)
		return optind == argc ? 0 :
		       egmctl_usage("%s takes no region", argv[0]);
	if (optind != argc - 1)
		return egmctl_usage("%s needs one region, such as egm4", argv[0]);
	*region = egm_region_get(ctl->ctx, argv[optind]);
	return *region ? 0 : egmctl_fail(ctl, "");
}

static uint64_t retired_bytes(const struct egm_retired_range *r, unsigned int n)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += r[i].size;
	return sum;
}

/* "dma_owners": [{"pid": N, "state": "live"|"exited"}], when readable. */
static void add_dma_owners(struct json_object *obj, struct egm_region *region)
{
	struct egm_dma_owner *owners;
	struct json_object *list;
	unsigned int n;

	if (egm_region_dma_owners(region, &owners, &n))
		return;
	list = json_object_new_array();
	for (unsigned int i = 0; i < n; i++) {
		struct json_object *owner = json_object_new_object();

		json_object_object_add(owner, "pid", json_object_new_int(owners[i].pid));
		json_object_object_add(owner, "state",
				       json_object_new_string(owners[i].live ? "live" : "exited"));
		json_object_array_add(list, owner);
	}
	free(owners);
	json_object_object_add(obj, "dma_owners", list);
}

/* The last scrub's figures, once one has ended. */
static void add_scrub_last(struct json_object *obj, struct egm_region *region)
{
	struct egm_scrub_last last;

	if (egm_region_scrub_last(region, &last) || !last.duration_us)
		return;
	json_object_object_add(obj, "scrub_last_duration_us",
			       json_object_new_uint64(last.duration_us));
	json_object_object_add(obj, "scrub_last_throughput",
			       json_object_new_uint64(last.mib_per_s));
	json_object_object_add(obj, "scrub_last_threads",
			       json_object_new_int(last.threads));
}

static struct json_object *region_json(struct egm_region *region,
				       bool detail)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *gpus = json_object_new_array();
	struct egm_retired_range *retired = NULL;
	const char *state;
	unsigned int n = 0;
	uint64_t value;
	char human[32];

	json_object_object_add(obj, "device", json_object_new_string(egm_region_name(region)));
	json_object_object_add(obj, "path", json_object_new_string(egm_region_devnode(region)));
	json_object_object_add(obj, "size", json_object_new_uint64(egm_region_size(region)));
	egmctl_human_size(egm_region_size(region), human, sizeof(human));
	json_object_object_add(obj, "size_human", json_object_new_string(human));
	json_object_object_add(obj, "pxm", json_object_new_int(egm_region_pxm(region)));
	json_object_object_add(obj, "numa_node", json_object_new_int(egm_region_numa_node(region)));
	json_object_object_add(obj, "align", json_object_new_uint64(egm_region_align(region)));
	for (unsigned int i = 0; i < egm_region_gpu_count(region); i++)
		json_object_array_add(gpus, json_object_new_string(egm_region_gpu(region, i)));
	json_object_object_add(obj, "gpus", gpus);
	if (!egm_region_retired(region, &retired, &n)) {
		json_object_object_add(obj, "retired_count", json_object_new_int(n));
		json_object_object_add(obj, "retired_bytes",
				       json_object_new_uint64(retired_bytes(retired, n)));
	}
	free(retired);
	state = egm_scrub_state_name(egm_region_scrub_state(region));
	json_object_object_add(obj, "scrub_state", json_object_new_string(state));
	add_dma_owners(obj, region);
	if (detail) {
		if (!egm_region_scrub_progress(region, &value))
			json_object_object_add(obj, "scrub_progress",
					       json_object_new_uint64(value));
		/* Root only; absent otherwise. */
		if (!egm_region_base(region, &value))
			json_object_object_add(obj, "base", json_object_new_uint64(value));
		if (!egm_region_retired_block_size(region, &value))
			json_object_object_add(obj, "retired_block_size",
					       json_object_new_uint64(value));
		add_scrub_last(obj, region);
	}
	return obj;
}

static void print_region_line(struct egm_region *region)
{
	struct egm_retired_range *retired = NULL;
	char human[32], gpus[160] = "", count[16] = "?";
	unsigned int n = 0;

	if (!egm_region_retired(region, &retired, &n))
		snprintf(count, sizeof(count), "%u", n);
	free(retired);
	for (unsigned int i = 0; i < egm_region_gpu_count(region); i++)
		snprintf(gpus + strlen(gpus), sizeof(gpus) - strlen(gpus), "%s%s",
			 i ? "," : "", egm_region_gpu(region, i));
	printf("%-8s %10s %14" PRIu64 " %4u %4d %7s %-9s %s\n",
	       egm_region_name(region),
	       egmctl_human_size(egm_region_size(region), human, sizeof(human)),
	       egm_region_size(region), egm_region_pxm(region),
	       egm_region_numa_node(region), count,
	       egm_scrub_state_name(egm_region_scrub_state(region)),
	       *gpus ? gpus : "-");
}

/* "unreadable": [{"device": "egm5", "error": "..."}], when there are any. */
static void add_unreadable(struct json_object *top, struct egm_ctx *ctx)
{
	struct json_object *list;

	if (!egm_unreadable_count(ctx))
		return;
	list = json_object_new_array();
	for (unsigned int i = 0; i < egm_unreadable_count(ctx); i++) {
		struct json_object *bad = json_object_new_object();

		json_object_object_add(bad, "device",
				       json_object_new_string(egm_unreadable_name(ctx, i)));
		json_object_object_add(bad, "error",
				       json_object_new_string(egm_unreadable_error(ctx, i)));
		json_object_array_add(list, bad);
	}
	json_object_object_add(top, "unreadable", list);
}

int cmd_list(struct egmctl *ctl, int argc, char **argv)
{
	struct egm_region *region;
	unsigned int i;
	int ret = parse_region_args(ctl, argc, argv, false, NULL);

	if (ret)
		return ret;
	if (ctl->json) {
		struct json_object *top = json_object_new_object();
		struct json_object *list = json_object_new_array();

		for (i = 0; (region = egm_region_at(ctl->ctx, i)); i++)
			json_object_array_add(list, region_json(region, false));
		json_object_object_add(top, "regions", list);
		add_unreadable(top, ctl->ctx);
		egmctl_print_json(top);
		return 0;
	}
	for (i = 0; i < egm_unreadable_count(ctl->ctx); i++)
		fprintf(stderr, "egmctl: %s left out: %s\n",
			egm_unreadable_name(ctl->ctx, i),
			egm_unreadable_error(ctl->ctx, i));
	if (!egm_region_count(ctl->ctx) && egm_unreadable_count(ctl->ctx))
		return EGMCTL_FAILED;
	if (!egm_region_count(ctl->ctx)) {
		fprintf(stderr,
			"egmctl: nvgrace-egm is loaded but found no EGM regions (see dmesg | grep nvgrace-egm)\n");
		return 0;
	}
	printf("%-8s %10s %14s %4s %4s %7s %-9s %s\n", "DEVICE", "SIZE",
	       "BYTES", "PXM", "NODE", "RETIRED", "STATE", "GPUS");
	for (i = 0; (region = egm_region_at(ctl->ctx, i)); i++)
		print_region_line(region);
	return 0;
}

/* One item of a list in show's text form: a GPU, or "PID (state)". */
static void print_show_item(struct json_object *item)
{
	struct json_object *pid, *state;

	if (json_object_object_get_ex(item, "pid", &pid) &&
	    json_object_object_get_ex(item, "state", &state))
		printf(" %d (%s)", json_object_get_int(pid),
		       json_object_get_string(state));
	else
		printf(" %s", json_object_get_string(item));
}

int cmd_show(struct egmctl *ctl, int argc, char **argv)
{
	struct egm_region *region;
	struct json_object *obj;
	int ret = parse_region_args(ctl, argc, argv, true, &region);

	if (ret)
		return ret;
	obj = region_json(region, true);
	if (ctl->json) {
		egmctl_print_json(obj);
		return 0;
	}
	json_object_object_foreach(obj, key, val) {
		if (json_object_is_type(val, json_type_array)) {
			printf("%-23s", key);
			for (size_t i = 0; i < json_object_array_length(val); i++)
				print_show_item(json_object_array_get_idx(val, i));
			printf("\n");
		} else if (!strcmp(key, "base")) {
			printf("%-23s %#" PRIx64 "\n", key,
			       (uint64_t)json_object_get_uint64(val));
		} else {
			printf("%-23s %s\n", key, json_object_get_string(val));
		}
	}
	json_object_put(obj);
	return 0;
}

int cmd_retired(struct egmctl *ctl, int argc, char **argv)
{
	struct egm_retired_range *ranges;
	struct egm_region *region;
	unsigned int n;
	int ret = parse_region_args(ctl, argc, argv, true, &region);

	if (ret)
		return ret;
	if (egm_region_retired(region, &ranges, &n))
		return egmctl_fail(ctl, "");
	if (ctl->json) {
		struct json_object *top = json_object_new_object();
		struct json_object *list = json_object_new_array();

		for (unsigned int i = 0; i < n; i++) {
			struct json_object *r = json_object_new_object();

			json_object_object_add(r, "offset",
					       json_object_new_uint64(ranges[i].offset));
			json_object_object_add(r, "size", json_object_new_uint64(ranges[i].size));
			json_object_array_add(list, r);
		}
		json_object_object_add(top, "device",
				       json_object_new_string(egm_region_name(region)));
		json_object_object_add(top, "retired_bytes",
				       json_object_new_uint64(retired_bytes(ranges, n)));
		json_object_object_add(top, "retired", list);
		egmctl_print_json(top);
	} else if (!n) {
		printf("%s: no retired memory\n", egm_region_name(region));
	} else {
		printf("%-18s %s\n", "OFFSET", "SIZE");
		for (unsigned int i = 0; i < n; i++)
			printf("0x%016" PRIx64 " 0x%016" PRIx64 "\n", ranges[i].offset,
			       ranges[i].size);
	}
	free(ranges);
	return 0;
}

/*
 * Every region's retired memory as the module's "retired" parameter, a
 * modprobe.d line: the module forgets what it retired at run time when it
 * is unloaded, and takes this at its next load.
 */
int cmd_retired_save(struct egmctl *ctl, int argc, char **argv)
{
	struct egm_region *region;
	const char *sep = "=";
	bool any = false;

	if (argc != 1)
		return egmctl_usage("%s takes no arguments", argv[0]);
	if (ctl->json)
		return egmctl_usage("%s prints a modprobe.d line, which has no JSON form %s",
				    argv[0], "(drop -j; 'retired -j' lists a region's ranges)");
	for (unsigned int i = 0; (region = egm_region_at(ctl->ctx, i)); i++) {
		struct egm_retired_range *ranges;
		unsigned int n;
		uint64_t base;

		if (egm_region_base(region, &base) ||
		    egm_region_retired(region, &ranges, &n))
			return egmctl_fail(ctl, egm_region_name(region));
		for (unsigned int r = 0; r < n; r++) {
			if (!any)
				printf("options nvgrace_egm retired");
			printf("%s%#" PRIx64 "+%#" PRIx64, sep,
			       base + ranges[r].offset, ranges[r].size);
			sep = ",";
			any = true;
		}
		free(ranges);
	}
	if (any)
		printf("\n");
	else
		printf("# nvgrace_egm: no retired memory\n");
	return 0;
}

struct wait_display {
	bool tty;
};

static void show_progress(struct egm_region *region, enum egm_scrub_state state,
			  uint64_t done, uint64_t size, void *arg)
{
	struct wait_display *display = arg;
	unsigned int pct = size ? (unsigned int)(done * 100 / size) : 100;

	if (display->tty) {
		char bar[41];
		unsigned int fill = pct * 40 / 100;

		memset(bar, '#', fill);
		memset(bar + fill, '.', 40 - fill);
		bar[40] = '\0';
		fprintf(stderr, "\r%s: [%s] %3u%% %-9s", egm_region_name(region),
			bar, pct, egm_scrub_state_name(state));
		if (state == EGM_SCRUB_CLEAN)
			fputc('\n', stderr);
	} else {
		printf("%s: %s %u%%\n", egm_region_name(region),
		       egm_scrub_state_name(state), pct);
		fflush(stdout);
	}
}

int cmd_wait(struct egmctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct wait_display display = { .tty = isatty(STDERR_FILENO) };
	struct egm_region *region;
	long timeout_s = -1;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return egmctl_usage("wait: unknown option");
		errno = 0;
		timeout_s = strtol(optarg, &end, 10);
		if (!*optarg || *end || errno || timeout_s < 0)
			return egmctl_usage("wait: --timeout takes whole seconds, not '%s'",
					    optarg);
		/* libegm waits in milliseconds, an int. */
		if (timeout_s > INT_MAX / 1000)
			return egmctl_usage("wait: --timeout is at most %d seconds, not '%s'",
					    INT_MAX / 1000, optarg);
	}
	if (optind != argc - 1)
		return egmctl_usage("wait needs one region, such as egm4");
	region = egm_region_get(ctl->ctx, argv[optind]);
	if (!region)
		return egmctl_fail(ctl, "");
	if (egm_region_wait_clean(region, timeout_s < 0 ? -1 : (int)timeout_s * 1000,
				  display.tty ? 200 : 1000, show_progress, &display))
		return egmctl_fail(ctl, "");
	return 0;
}
