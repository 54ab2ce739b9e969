# Runs inside the simulated host (make bench, platform bench-1s):
# 1. the mapping costs of one EGM region through nvgrace-egm ("egm"), through
#    the RFC's design on the same memory (bench/kmod/egm_rfc_baseline.ko,
#    "rfc": 4 KiB entries filled at mmap()), and of the same amount of
#    memory exposed through device-dax (legacy pmem made a 1 GiB-aligned
#    devdax namespace) as the upstream reference;
# 2. the scrub throughput at every worker count, against user-space memset
#    of ordinary RAM and the RFC's zeroing (one thread, 1 GiB memsets), and
#    the time open() takes on a scrubbed region.
# The two modules take turns on the region, after a warm-up; the median of
# the rounds is reported.
. ./lib.sh

rounds=$(sed -n 's/.*egm\.bench_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=${rounds:-5}
dev=/dev/$(echo $EXPECT_DEVICES | cut -d' ' -f1)
raw=/tmp/bench.raw
rfc_dev=/dev/egm_rfc_baseline
rfc_params=/sys/module/egm_rfc_baseline/parameters
sys=/sys/class/egm/${dev#/dev/}

# Every close starts a scrub: let it finish before the next measurement
# (nothing to wait for while the RFC baseline holds the region).
wait_clean() {
	i=0
	[ -e $sys ] || return 0
	while [ "$(cat $sys/scrub_state)" != clean ] && [ $i -lt 3000 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

check "nvgrace-egm loads" load_egm
base=$(cat $sys/base)
egm_bytes=$(cat $sys/size)

# The region goes to the RFC baseline and back: one module holds it at a
# time (each claims it).
use_rfc_baseline() {
	[ -e $rfc_dev ] && return
	wait_clean
	unload_egm || fail "nvgrace-egm unloads for the RFC baseline"
	insmod /egm/egm_rfc_baseline.ko base="$base" size="$egm_bytes" ||
		fail "egm_rfc_baseline loads on [$base +$egm_bytes]"
}
use_egm() {
	[ -e "$dev" ] && return
	rmmod egm_rfc_baseline || fail "egm_rfc_baseline unloads"
	load_egm || fail "nvgrace-egm loads again"
	wait_clean
}

# The baseline is test-only, but it must not zero what it should not.
check_fails "the RFC baseline refuses System RAM" \
	insmod /egm/egm_rfc_baseline.ko base=0x1000000 size=0x1000000
check "the log says why" sh -c "dmesg | grep -q 'egm_rfc_baseline: .* intersects System RAM'"
check_fails "and the region while nvgrace-egm holds it" \
	insmod /egm/egm_rfc_baseline.ko base="$base" size="$egm_bytes"
unload_egm
check_fails "and zero= before its claim (as a load parameter)" \
	insmod /egm/egm_rfc_baseline.ko base="$base" size="$egm_bytes" zero=1
load_egm && wait_clean
check "the host's root is mounted over 9p" mount_host_root
for m in nd_e820 nd_pmem dax_pmem device_dax; do
	modprobe $m
done
check "ndctl turns the legacy pmem into a devdax namespace, align 1 GiB" \
	chroot /host ndctl create-namespace -f -e namespace0.0 -m devdax -a 1G -M mem
dax=$(ls /sys/bus/dax/devices | head -n1)
is "device-dax uses 1 GiB alignment" "$(cat /sys/bus/dax/devices/$dax/align 2>/dev/null)" 1073741824
egm_size=$(cat /sys/class/egm/${dev#/dev/}/size)
dax_size=$(cat /sys/bus/dax/devices/$dax/size 2>/dev/null || echo 0)
size=$((egm_size < dax_size ? egm_size : dax_size))
size=$((size / 1073741824 * 1073741824))
check "both expose at least 1 GiB ($((size >> 20)) MiB compared)" test "$size" -ge 1073741824

# measure LABEL ACTION SIZE: one egm-bench run, appended to $raw.
measure() {
	case $1 in
	devdax) device=/dev/$dax ;;
	rfc) device=$rfc_dev; use_rfc_baseline ;;
	egm) device=$dev; use_egm ;;
	esac
	wait_clean
	out=$(egm-bench "$2" "$device" "$3") || { fail "egm-bench $2 $1 $3"; return; }
	echo "$1 $2 $out" | sed 's/[a-z_]*=//g' >>"$raw"
}

# median_of LABEL ACTION SIZE_MIB COLUMN: columns are 4 mmap_us, 5 touch_ms,
# 6 faults, 7 pte_kb.
median_of() {
	grep "^$1 $2 $3 " "$raw" | awk '{ print $'"$4"' }' | median
}

labels="egm devdax rfc"
rm -f "$raw"
for label in $labels; do
	measure $label touch $size
done
check "the RFC baseline took the region" test -c $rfc_dev
rm -f "$raw"
for round in $(seq "$rounds"); do
	for label in $labels; do
		measure $label touch $size
		# device-dax maps only whole multiples of its 1 GiB alignment.
		[ $label = devdax ] || measure $label map 268435456
		measure $label map 1073741824
		measure $label map $size
	done
done
use_egm

mib=$((size >> 20))
gib=$((size >> 30))
note "bench: $rounds rounds, medians; touch = one write per 4 KiB page of $mib MiB"
note "bench: device   mmap(256M) mmap(1G) mmap(${gib}G) | touch    faults   page tables"
for label in $labels; do
	note "$(printf 'bench: %-8s %8s us %6s us %6s us | %7s ms %8s %8s kB' $label \
		"$(median_of $label map 256 4)" "$(median_of $label map 1024 4)" \
		"$(median_of $label map $mib 4)" "$(median_of $label touch $mib 5)" \
		"$(median_of $label touch $mib 6)" "$(median_of $label touch $mib 7)")"
done
sed 's/^/# raw: /' "$raw"

# The targets of the mapping work, checked on these numbers.
faults=$(median_of egm touch $mib 6)
check "egm: touching $gib GiB took at most $gib+2 faults ($faults)" \
	test "$faults" -le $((gib + 2))
pte=$(median_of egm touch $mib 7)
check "egm: at most 16 kB of page tables per GiB ($pte kB)" \
	test "$pte" -le $((16 * gib))
rfc_small=$(median_of rfc map 256 4)
rfc_big=$(median_of rfc map $mib 4)
check "rfc: mmap() time grows with the size (${rfc_small} us for 256 MiB, ${rfc_big} us for $mib MiB)" \
	test "$rfc_big" -gt $((rfc_small * 3))
egm_small=$(median_of egm map 256 4)
egm_big=$(median_of egm map $mib 4)
check "egm: mmap() time does not grow with the size (${egm_small} us, ${egm_big} us)" \
	test "$egm_big" -le $((egm_small * 2 + 50))
touch_egm=$(median_of egm touch $mib 5)
for other in rfc devdax; do
	touch_other=$(median_of $other touch $mib 5)
	check "egm touches no slower than $other (${touch_egm} ms vs ${touch_other} ms)" \
		awk "BEGIN { exit !($touch_egm <= $touch_other * 1.10) }"
done

# Scrub throughput: the driver's scrub with 1..all CPUs as workers, the
# RFC's zeroing (one thread, 1 GiB memsets) of the same memory, and
# user-space memset of as much ordinary RAM on as many threads (the memory
# bandwidth reference), alternating; medians in GiB/s.
params=/sys/module/nvgrace_egm/parameters
sraw=/tmp/scrub.raw
ncpu=$(grep -c ^processor /proc/cpuinfo)

# CPU time of the whole guest so far, in USER_HZ ticks (user, nice,
# system, irq, softirq of every CPU).
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# Each scrub's throughput, its workers, and the CPU time it took per GiB
# ("cpu" lines: ms of CPU per GiB zeroed, whatever the number of workers):
# on TCG the wall clock of several workers measures the emulator's threads
# competing for this machine's two cores as much as the scrub.
scrub_once() { # scrub_once THREADS
	use_egm
	echo "$1" >$params/scrub_threads
	wait_clean
	ticks=$(cpu_ticks)
	egm-test open "$dev" || fail "open $dev"
	wait_clean
	ticks=$(($(cpu_ticks) - ticks))
	echo "egm $1 $(cat $sys/scrub_last_throughput)" >>"$sraw"
	echo "workers $1 $(cat $sys/scrub_last_threads)" >>"$sraw"
	echo "cpuegm $1 $((ticks * 10 * 1024 / mib))" >>"$sraw"
}

rfc_zero_once() {
	use_rfc_baseline
	ticks=$(cpu_ticks)
	echo 1 >$rfc_params/zero || { fail "the RFC baseline's zeroing"; return; }
	ticks=$(($(cpu_ticks) - ticks))
	echo "rfc 1 $((egm_bytes * 1000 / $(cat $rfc_params/zero_ns) * 1000000 / 1048576))" >>"$sraw"
	echo "cpurfc 1 $((ticks * 10 * 1024 / (egm_bytes >> 20)))" >>"$sraw"
}

ram_once() { # ram_once THREADS glibc|stosb
	out=$(egm-bench memset "$size" "$1" "$2") || { fail "egm-bench memset $1 $2"; return; }
	echo "$2 $1 ${out##*mib_s=}" >>"$sraw"
}

# The same EGM memory zeroed from user space through 1 GiB entries: under
# TCG the entry size, not the memory, sets the speed (see the report).
egm_user_once() { # egm_user_once THREADS
	use_egm
	wait_clean
	out=$(egm-bench memset "$size" "$1" stosb "$dev") || { fail "egm-bench memset $1 on $dev"; return; }
	echo "egmuser $1 ${out##*mib_s=}" >>"$sraw"
}

gib_s() { # gib_s LABEL THREADS: median MiB/s of the rounds, as GiB/s
	mib_s=$(grep "^$1 $2 " "$sraw" | awk '{ print $3 }' | median)
	[ "$mib_s" = - ] && echo - || awk "BEGIN { printf \"%.2f\", $mib_s / 1024 }"
}

rm -f "$sraw"
for round in $(seq "$rounds"); do
	for t in $(seq "$ncpu"); do
		scrub_once $t
		ram_once $t glibc
		ram_once $t stosb
		egm_user_once $t
	done
	rfc_zero_once
done
use_egm

# Time to VM start: open() of a region that was scrubbed in the background.
for round in $(seq "$rounds"); do
	wait_clean
	echo "open $(egm-bench open "$dev" | sed 's/open_us=//')" >>"$sraw"
done
wait_clean
echo 0 >$params/scrub_threads

note "bench: scrub of $mib MiB, $rounds rounds, medians in GiB/s"
note "bench: threads | driver scrub | user, RAM: glibc memset  rep stosb | user, EGM: rep stosb"
for t in $(seq "$ncpu"); do
	note "bench: $(printf '%-7s | %-12s |             %-13s %-9s| %s' "$t" \
		"$(gib_s egm $t)" "$(gib_s glibc $t)" "$(gib_s stosb $t)" "$(gib_s egmuser $t)")"
done
rfc=$(gib_s rfc 1)
open_us=$(grep '^open ' "$sraw" | awk '{ print $2 }' | median)
rfc_open_ms=$(awk "BEGIN { printf \"%.0f\", $mib / 1024 / $rfc * 1000 }")
note "bench: the RFC's zeroing (1 thread, 1 GiB memsets, bench/kmod/egm_rfc_baseline.ko): $rfc GiB/s"
note "bench: open() of a scrubbed region: $open_us us; the RFC's open() zeroes first: $rfc_open_ms ms for $mib MiB"
sed 's/^/# raw scrub: /' "$sraw"

# The reference is the faster of the two user-space ways at each count.
for t in $(seq "$ncpu"); do
	ours=$(gib_s egm $t)
	user=$(printf '%s\n%s\n' "$(gib_s glibc $t)" "$(gib_s stosb $t)" | sort -n | tail -n1)
	check "scrub ($t threads): at least 0.9x the faster user-space zeroing of RAM ($ours vs $user GiB/s)" \
		awk "BEGIN { exit !($ours >= 0.9 * $user) }"
done
one=$(gib_s egm 1)
all=$(gib_s egm "$ncpu")
# Thread scaling, as far as this host shows it: the wall-clock ratio, and
# the CPU time per GiB on 1 and on all workers with its spread (the same
# cost per GiB on every worker count is what scaling on a real host needs).
cpu_spread() { # cpu_spread LABEL THREADS: median, min and max ms of CPU per GiB
	grep "^cpu$1 $2 " "$sraw" | awk '{ print $3 }' | sort -n |
		awk '{ v[NR] = $1 } END { printf "%d ms (%d-%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
note "bench: scrub scaling: $one GiB/s on 1 worker, $all on $ncpu ($(awk "BEGIN { printf \"%.2f\", $all / $one }")x wall clock)"
for t in $(seq "$ncpu"); do
	note "bench: scrub CPU time per GiB on $t worker(s): $(cpu_spread egm $t), median (min-max) of $rounds"
done
note "bench: the RFC's zeroing, CPU time per GiB on its 1 thread: $(cpu_spread rfc 1)"
check "every scrub ran on the workers asked for (scrub_last_threads)" \
	sh -c "! grep '^workers ' '$sraw' | awk '\$2 != \$3' | grep -q ."
check "open() of a scrubbed region takes under 10 ms ($open_us us)" \
	awk "BEGIN { exit !($open_us < 10000) }"
check "the driver's default scrub beats the RFC's zeroing on $ncpu threads ($all vs $rfc GiB/s)" \
	awk "BEGIN { exit !($all > $rfc) }"
check "nvgrace-egm unloads" unload_egm
