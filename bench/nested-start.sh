# Runs inside the simulated host (make bench, platform gb200-2s-full): a
# nested VM's start, from QEMU's start to its payload's report, on a 1 GiB
# window of a 447 GiB region (egmctl qemu-args with size= cut to 1 GiB),
# against the same VM on the RFC's 4 KiB mapping of that window
# (bench/kmod/egm_rfc_baseline.ko on the same memory) and on a 1 GiB
# hugetlbfs page (what a user would pick instead), alternating,
# medians of the rounds.
. ./lib.sh

rounds=$(sed -n 's/.*egm\.bench_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=${rounds:-5}
dev=egm4
raw=/tmp/nested.raw
gib=$((1 << 30))
hugepages=/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages

# vm_start_cs ARGS...: centiseconds from QEMU's start to the payload's "!".
vm_start_cs() {
	start_payload_vm qemu-system-x86_64 -M microvm "$@"
	stop_payload_vm
	grep -q '!' /tmp/vm-serial.log || { sed 's/^/# qemu: /' /tmp/qemu.log; return 1; }
	echo $vm_start_cs
}

check "nvgrace-egm (the testing build) loads" load_egm
check "the host's root is mounted over 9p" mount_host_root
is "$dev is a GB200 socket's size" "$(cat /sys/class/egm/$dev/egm_size)" 0x6fc0000000
args=$(chroot /host /mnt/tests/egmctl qemu-args $dev --gpus none 2>/dev/null |
	sed "s/^-m [0-9]*M/-m 1024M/; s/size=[0-9]*/size=$gib/")
note "EGM: $args"
check "egmctl's plan, cut to a 1 GiB window" sh -c "echo '$args' | grep -q 'mem-path=/dev/$dev,size=$gib,'"
check "one 1 GiB huge page for the hugetlbfs VM (hugepages=1 at boot)" \
	test "$(cat $hugepages)" = 1
mkdir -p /tmp/huge
check "hugetlbfs with 1 GiB pages" mount -t hugetlbfs -o pagesize=1G none /tmp/huge
base=$(cat /sys/class/egm/$dev/base)
egm_bytes=$(cat /sys/class/egm/$dev/size)
rfc_args=$(echo "$args" | sed "s|mem-path=/dev/$dev,|mem-path=/dev/egm_rfc_baseline,|")

# One module holds the region at a time.
use_rfc_baseline() {
	[ -e /dev/egm_rfc_baseline ] && return
	unload_egm || fail "nvgrace-egm unloads for the RFC baseline"
	insmod /egm/egm_rfc_baseline.ko base="$base" size="$egm_bytes" ||
		fail "egm_rfc_baseline loads on [$base +$egm_bytes]"
}
use_egm() {
	[ -e /dev/$dev ] && return
	rmmod egm_rfc_baseline || fail "egm_rfc_baseline unloads"
	load_egm || fail "nvgrace-egm loads again"
}

huge="-m 1024M -object memory-backend-file,id=h0,mem-path=/tmp/huge/vm,size=$gib,share=on,prealloc=on,align=$gib -numa node,nodeid=0,memdev=h0"

rm -f $raw
for round in $(seq 0 "$rounds"); do
	for mode in egm rfc hugetlbfs; do
		case $mode in
		egm) use_egm; a=$args ;;
		rfc) use_rfc_baseline; a=$rfc_args ;;
		hugetlbfs) a=$huge; rm -f /tmp/huge/vm ;;
		esac
		# shellcheck disable=SC2086
		cs=$(vm_start_cs $a) || { fail "$mode: the nested VM did not start"; continue; }
		# Round 0 warms QEMU's binary and the host's backing.
		[ "$round" -eq 0 ] || echo "$mode $cs" >>$raw
	done
done
use_egm
sed 's/^/# raw nested start (cs): /' $raw
median_ms() { grep "^$1 " $raw | awk '{ print $2 * 10 }' | median; }
note "bench: nested VM start, 1 GiB of guest RAM, medians of $rounds (ms): EGM window of 447 GiB $(median_ms egm), RFC baseline $(median_ms rfc), hugetlbfs 1 GiB page $(median_ms hugetlbfs)"
is "every start was measured" "$(wc -l <$raw)" $((3 * rounds))
check "nvgrace-egm unloads" unload_egm
