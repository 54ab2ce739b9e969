# NUMA placement on the grace topology, as NVIDIA's firmware describes a
# host: each region's node is its EGM PXM's, with neither memory nor CPUs;
# its GPUs sit under root bridges of their socket's node; the scrub runs on
# that socket's CPUs only (which CPUs ran the workers is read from the
# workqueue tracepoint), never on the other socket's. Without the root
# bridges' _PXM (gb200-2s-nopxm) the SLIT's distances must find the socket.
. ./lib.sh

[ "$TOPOLOGY" = grace ] || { fail "platform $PLATFORM is not of the grace topology"; exit 1; }

cpu_node() { # the node of CPU $1
	basename "$(ls -d /sys/devices/system/cpu/cpu$1/node* 2>/dev/null)" | sed 's/^node//'
}

list_count() { # the number of ids in a list such as 0-3,8
	echo "$1" | tr ',' '\n' | awk -F- 'NF { n += ($NF - $1 + 1) } END { print n + 0 }'
}

in_list() { # in_list ID LIST
	echo "$2" | tr ',' '\n' | awk -F- -v id="$1" 'NF && id >= $1 && id <= $NF { found = 1 } END { exit !found }'
}

nodes=/sys/devices/system/node
if srat_ignored; then
	# Linux ignored the SRAT: no node, and every online CPU scrubs.
	note "the kernel ignored the SRAT (too many proximity domains for its nodes)"
	check "nvgrace-egm loads" load_egm
	for dev in $EXPECT_DEVICES; do
		sys=/sys/class/egm/$dev
		is "$dev: no NUMA node" "$(cat $sys/numa_node)" -1
		is "$dev: no scrub node" "$(cat $sys/scrub_node)" -1
		check "$dev: the log says the region has no NUMA affinity" \
			sh -c "dmesg | grep -q 'PXM ${dev#egm}: no NUMA node has this proximity domain'"
	done
	check "nvgrace-egm unloads" unload_egm
	exit 0
fi
nr_gpus=0
for pxm in $REGIONS; do
	nr_gpus=$((nr_gpus + $(region_var "$pxm" GPUS | wc -w)))
done
nr_sockets=$(echo $REGIONS | wc -w)
nr_cpu_nodes=$(list_count "$(cat $nodes/has_cpu)")
# Per socket a CPU node and an EGM node, per GPU 8 Generic Initiator nodes.
is "the kernel has the firmware's nodes: $nr_cpu_nodes with CPUs, $nr_sockets EGM, $((8 * nr_gpus)) GPU" \
	"$(list_count "$(cat $nodes/possible)")" "$((nr_cpu_nodes + nr_sockets + 8 * nr_gpus))"
is "the nodes with CPUs are those with memory" "$(cat $nodes/has_memory)" "$(cat $nodes/has_cpu)"
is "each socket's CPUs have a node of their own" "$nr_cpu_nodes" "$nr_sockets"

mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
trace=/sys/kernel/tracing
check "tracefs is there" test -f $trace/events/workqueue/workqueue_execute_start/enable

check "nvgrace-egm loads" load_egm
for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	sys=/sys/class/egm/$dev
	node=$(cat $sys/numa_node)
	cpus=$(region_var "$pxm" CPUS)
	socket_node=$(cpu_node "${cpus%% *}")

	check "$dev: numa_node $node is a node the firmware described" \
		in_list "$node" "$(cat $nodes/possible)"
	check_fails "$dev: node $node has no CPUs" in_list "$node" "$(cat $nodes/has_cpu)"
	check_fails "$dev: node $node has no memory" in_list "$node" "$(cat $nodes/has_memory)"
	for cpu in $cpus; do
		is "$dev: CPU $cpu is on its socket's node" "$(cpu_node $cpu)" "$socket_node"
	done
	for gpu in $(region_var "$pxm" GPUS); do
		[ "$BRIDGE_PXM" = 1 ] || continue
		is "$dev: GPU $gpu is on its socket's node (root bridge _PXM)" \
			"$(cat /sys/bus/pci/devices/$gpu/numa_node)" "$socket_node"
	done
	is "$dev: scrub_node is its socket's node" "$(cat $sys/scrub_node)" "$socket_node"
	check "$dev: the log names the scrub's node" \
		sh -c "dmesg | grep -q '$dev: .* node $node (scrubbed from node $socket_node)'"
done

# One region at a time: its last close starts a scrub; the trace shows
# where each worker ran.
for dev in $EXPECT_DEVICES; do
	pxm=${dev#egm}
	sys=/sys/class/egm/$dev
	cpus=$(region_var "$pxm" CPUS)
	i=0
	while [ "$(cat $sys/scrub_state)" != clean ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	is "$dev: clean before the traced scrub" "$(cat $sys/scrub_state)" clean
	echo 0 >$trace/tracing_on
	echo >$trace/trace
	echo 1 >$trace/events/workqueue/workqueue_execute_start/enable
	echo 1 >$trace/tracing_on
	exec 3<>/dev/$dev
	exec 3>&-
	i=0
	while [ "$(cat $sys/scrub_state)" != clean ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo 0 >$trace/tracing_on
	ran=$(grep 'egm_scrub_work' $trace/trace | sed 's/.*\[\([0-9]*\)\].*/\1/' |
		sed 's/^0*\([0-9]\)/\1/' | sort -un | tr '\n' ' ' | sed 's/ $//')
	note "$dev: scrub workers ran on CPU(s) '$ran'; its socket has '$cpus'"
	is "$dev: the scrub ended clean" "$(cat $sys/scrub_state)" clean
	is "$dev: one worker per CPU of its socket" "$(cat $sys/scrub_last_threads)" \
		"$(echo $cpus | wc -w)"
	is "$dev: every worker ran on its socket's CPUs, each of them" "$ran" "$cpus"
done
echo 0 >$trace/events/workqueue/workqueue_execute_start/enable

check "nvgrace-egm unloads" unload_egm
