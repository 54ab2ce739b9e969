# TAP helpers for in-guest test scripts (busybox sh). Results go to stdout,
# which the guest's init sends to the host over the second serial port.
. /egm/platform.env

MODULE=/egm/nvgrace-egm.ko
# Platforms larger than the host can back: the testing build, unzeroed.
LOAD_PARAMS=
if [ "${CONTENTS_UNKNOWN:-0}" = 1 ]; then
	MODULE=/egm/nvgrace-egm-testing.ko
	LOAD_PARAMS=testing_contents_unknown=1
	export EGM_CONTENTS_UNKNOWN=1
fi
DRIVER_DIR=/sys/bus/platform/drivers/nvgrace-egm

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
note() { echo "# $*"; }

# check DESCRIPTION COMMAND [ARGS...]: passes when the command succeeds.
check() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		pass "$desc"
	else
		fail "$desc"
		sed 's/^/#   /' /tmp/check.out
	fi
}

# check_fails DESCRIPTION COMMAND [ARGS...]: passes when the command fails.
check_fails() {
	desc=$1
	shift
	check "$desc" fails "$@"
}

fails() {
	! "$@"
}

uptime_cs() { # centiseconds since boot
	sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime
}

# median: the median of the numbers on stdin, one a line ("-" for none).
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

# is DESCRIPTION GOT EXPECTED
is() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

# Runs a C test program; its own TAP lines pass through. A crash or a
# non-zero exit is a failure of its own.
run_tap() {
	"$@"
	status=$?
	[ $status -eq 0 ] || fail "$* exited with status $status"
}

load_egm() {
	# shellcheck disable=SC2086
	insmod "$MODULE" $LOAD_PARAMS "$@"
}

# load_egm_dirty [PARAMS...]: the testing build, its regions left dirty at
# probe (the shipped module always scrubs at probe), for tests of what
# comes before a scrub.
load_egm_dirty() {
	# shellcheck disable=SC2086
	insmod /egm/nvgrace-egm-testing.ko $LOAD_PARAMS testing_no_probe_scrub=1 "$@"
}

# The module stays while a process that mapped a region may still have DMA
# mappings of it (dma_owners): give exited ones up to 10 s to be let go.
unload_egm() {
	wait_no_dma_owners
	rmmod nvgrace_egm
}

wait_no_dma_owners() {
	unload_tries=0
	while cat /sys/class/egm/*/dma_owners 2>/dev/null | grep -q . &&
		[ $unload_tries -lt 100 ]; do
		sleep 0.1
		unload_tries=$((unload_tries + 1))
	done
	[ $unload_tries -eq 0 ] ||
		note "unload waited $unload_tries x 0.1 s for dma_owners:" \
			"$(grep . /sys/class/egm/*/dma_owners 2>/dev/null | tr '\n' ' ')"
}

# wait_clean [SYSDIR]: until the region's scrub ends clean, 2 minutes at
# most (SYSDIR: /sys/class/egm/egmN, by default $sys).
wait_clean() {
	i=0
	while [ "$(cat "${1:-$sys}"/scrub_state)" != clean ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(cat "${1:-$sys}"/scrub_state)" = clean ]
}

egm_devices() {
	ls /dev | grep '^egm' | sort | tr '\n' ' ' | sed 's/ $//'
}

sorted_words() {
	echo "$@" | tr ' ' '\n' | grep . | sort | tr '\n' ' ' | sed 's/ $//'
}

# Linux ignored the SRAT: more proximity domains than the kernel's nodes
# (Debian's arm64 kernels have 16; a GB200's firmware describes 36).
srat_ignored() {
	dmesg | grep -q 'SRAT: SRAT not used'
}

region_var() {
	eval echo "\$REGION_$1_$2"
}

# Every line this test expects in the kernel log, from the platform file.
check_expected_logs() {
	i=0
	while [ "$i" -lt "$EXPECT_LOGS" ]; do
		text=$(eval echo "\"\$EXPECT_LOG_$i\"")
		if dmesg | grep -qF -- "$text"; then
			pass "kernel log has: $text"
		else
			fail "kernel log lacks: $text"
		fi
		i=$((i + 1))
	done
	unexpected=$(dmesg | grep 'nvgrace.*refused' | while read -r line; do
		i=0 known=
		while [ "$i" -lt "$EXPECT_LOGS" ]; do
			text=$(eval echo "\"\$EXPECT_LOG_$i\"")
			case $line in *"$text"*) known=1 ;; esac
			i=$((i + 1))
		done
		[ -n "$known" ] || echo "$line"
	done)
	is "no refusal the platform does not expect" "$unexpected" ""
}

# The host's root (shared read-only over 9p) at /host, with this guest's
# /dev, /proc, /sys and a writable /tmp, and /egm at /host/mnt: programs of
# the host such as qemu-system-x86_64 run there with chroot.
mount_host_root() {
	[ -d /host/usr ] && return 0
	for m in virtio_pci 9pnet_virtio 9p; do
		modprobe $m 2>/dev/null
	done
	mkdir -p /host
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host ||
		return 1
	# A checkout under the host's /tmp would be hidden by the guest's.
	case $HOST_TOP in
	/tmp/*) mkdir -p /host-top && mount --bind "/host$HOST_TOP" /host-top || return 1 ;;
	esac
	for d in dev proc sys tmp; do
		mount --bind /$d /host/$d || return 1
	done
	case $HOST_TOP in
	/tmp/*) mkdir -p "/host$HOST_TOP" && mount --bind /host-top "/host$HOST_TOP" || return 1 ;;
	esac
	mount --bind /egm /host/mnt
}

# The newest QEMU in Debian's archive (trixie-backports', in a trixie root
# of its own: sim/fetch-qemu-newest.sh), set up like /host; start_payload_vm
# runs QEMU there from then on.
mount_newest_qemu_root() {
	mount_host_root || return 1
	root=/host$HOST_TOP/.cache/qemu-newest/root
	[ -x $root/usr/bin/qemu-system-x86_64 ] || return 1
	for d in dev proc sys tmp; do
		mount --bind /$d $root/$d || return 1
	done
	mount --bind /egm $root/mnt || return 1
	NESTED_ROOT=$root
}

# With NESTED_QEMU=newest (the *-qemu-newest.sh tests), the newest QEMU;
# else the host's own.
mount_nested_qemu_root() {
	if [ "${NESTED_QEMU:-}" = newest ]; then
		mount_newest_qemu_root
	else
		mount_host_root
	fi
}

# check_unload_stops_scrub DEV SIZE: one process closes the region and
# removes the module at once (a process start between the two can outlast
# a scrub on a slow guest); the unload must stop the scrub, not wait for it.
check_unload_stops_scrub() {
	before=$(scrub_stopped_at "$1" "$2" | wc -l)
	wait_no_dma_owners
	progress=$(egm-test open-unload /dev/$1)
	check "unload right after a close of $1 ($progress of $2 bytes scrubbed at the close)" \
		test "$(lsmod | grep -c '^nvgrace_egm ')" -eq 0
	stopped=
	[ "$(scrub_stopped_at "$1" "$2" | wc -l)" -eq "$before" ] ||
		stopped=$(scrub_stopped_at "$1" "$2" | tail -n1)
	check "the unload stopped the scrub (after ${stopped:-?} of $2 bytes), not waited for it" \
		test -n "$stopped" -a "${stopped:-0}" -lt "$2"
}
scrub_stopped_at() {
	dmesg | sed -n "s/.*$1: scrub stopped after \([0-9]*\) of $2 bytes/\1/p"
}

# bind_gpus_to_vfio PXM: the socket's GPU stand-ins to vfio-pci, each
# checked with its IOMMU group's /dev/vfio node.
bind_gpus_to_vfio() {
	# Modules on Debian's kernels, built in on the debug kernel.
	check "vfio-pci and the type1 IOMMU backend are there" sh -c \
		"{ modprobe vfio-pci && modprobe vfio_iommu_type1; } || test -d /sys/bus/pci/drivers/vfio-pci"
	check "the IOMMU made groups" sh -c "ls /sys/kernel/iommu_groups | grep -q ."
	for gpu in $(region_var "$1" GPUS); do
		echo vfio-pci >/sys/bus/pci/devices/$gpu/driver_override
		echo $gpu >/sys/bus/pci/drivers_probe
		is "$gpu is bound to vfio-pci" \
			"$(basename "$(readlink /sys/bus/pci/devices/$gpu/driver)")" vfio-pci
		group=$(basename "$(readlink /sys/bus/pci/devices/$gpu/iommu_group)")
		check "its IOMMU group $group is /dev/vfio/$group" test -c /dev/vfio/$group
	done
}

# expected_retired_list PXM BLOCK: the table's entries inside the region, rounded
# to their physical BLOCK, sorted, neighbours merged; "OFFSET SIZE" lines as
# sysfs has them.
expected_retired_list() {
	base=$(region_var "$1" BASE)
	size=$(region_var "$1" SIZE)
	for a in $(region_var "$1" RETIRED_ENTRIES); do
		printf '%d\n' "$a"
	done | awk -v base="$base" -v size="$size" -v block="$2" '
		$1 >= base && $1 < base + size {
			b = $1 - $1 % block; print (b < base ? base : b) - base
		}' | sort -n -u | awk -v base="$base" -v size="$size" -v block="$2" '
		# busybox awk prints %x through a 32-bit int: 16 bits at a time.
		function hex(v) {
			return sprintf("0x%04x%04x%04x%04x", int(v / 281474976710656),
				int(v / 4294967296) % 65536, int(v / 65536) % 65536, v % 65536)
		}
		function emit() { if (n) print hex(start), hex(end - start) }
		{
			# Blocks are aligned in physical memory, clipped to the region.
			len = block - (base + $1) % block
			if (size - $1 < len) len = size - $1
			if (n && $1 <= end) { if ($1 + len > end) end = $1 + len; next }
			emit(); start = $1; end = $1 + len; n = 1
		}
		END { emit() }'
}

# start_payload_vm QEMU ARGS...: starts QEMU from the host's root (or the
# newest QEMU's, see mount_newest_qemu_root), in the
# background, with a payload as its kernel ($PAYLOAD, by default
# tests/guest/nested-payload.S) and ARGS for the machine and memory; waits
# up to 3 minutes for the payload's report ("!", or "?" for a failure) on
# its serial port (/tmp/vm-serial.log). Sets $vm, and $vm_start_cs to the
# centiseconds from QEMU's start to the report; QEMU's own output goes to
# /tmp/qemu.log.
start_payload_vm() {
	qemu=$1
	shift
	rm -f /tmp/vm-serial.log /tmp/qemu.pid
	t0=$(uptime_cs)
	chroot "${NESTED_ROOT:-/host}" "$qemu" -accel tcg -nodefaults -display none -no-reboot \
		"$@" -kernel "/mnt/tests/${PAYLOAD:-nested-payload.elf}" \
		-serial file:/tmp/vm-serial.log -pidfile /tmp/qemu.pid \
		>/tmp/qemu.log 2>&1 &
	vm=$!
	i=0
	while [ $i -lt 1800 ] && ! grep -q '[!?]' /tmp/vm-serial.log 2>/dev/null; do
		kill -0 $vm 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	vm_start_cs=$(($(uptime_cs) - t0))
}

stop_payload_vm() {
	kill "$(cat /tmp/qemu.pid)" 2>/dev/null
	wait $vm
}
