#!/bin/bash
# Boots the simulated Grace host and runs one in-guest test script.
#
#   sim/run-guest.sh -k 6.12 -p gb200-2s -t discovery.sh [-o DIR] [-T SECONDS]
#                    [-a "extra kernel args"] [-m MODULE.ko]
#
# -k  kernel series from the project cache (6.12, 6.1, 6.12-debug; 6.12-arm64,
#     6.12-arm64-16k and 6.12-arm64-64k boot the arm64 host:
#     bookworm-backports' qemu-system-aarch64 -M virt with EL2 and UEFI, see
#     docs/simulated-host.rst)
# -p  platform name (sim/platforms/NAME.platform) or path
# -t  script in tests/guest/, or a path, to run inside the guest (TAP on
#     ttyS1)
# -o  output directory (default build/runs/KERNEL-PLATFORM-TEST)
# -T  guest timeout in seconds (default 600; 1800 on the debug kernel)
# -a  extra kernel command line
# -m  the nvgrace-egm.ko to test (default: build/kernel/KERNEL/), e.g. one
#     that DKMS built
# -q  quiet: print only the verdict line and failures
#
# The host's root is shared read-only over 9p (tag hostroot, on the root
# bus: expander bridges take bridges only): tests that
# need real programs, such as QEMU itself, chroot into it (lib.sh).
#
# The run fails on a guest timeout, a missing or failing TAP result, and on
# any oops, BUG, WARN, lockdep, KASAN or UBSAN report in the kernel log.
# Prerequisites are built by `make guest-prereqs KSERIES=...`.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
series=6.12 platform= test= out= timeout_s= extra= quiet= module=
while getopts "k:p:t:o:T:a:m:q" opt; do
	case $opt in
	k) series=$OPTARG ;;
	p) platform=$OPTARG ;;
	t) test=$OPTARG ;;
	o) out=$OPTARG ;;
	T) timeout_s=$OPTARG ;;
	a) extra=$OPTARG ;;
	m) module=$(realpath "$OPTARG") ;;
	q) quiet=1 ;;
	*) sed -n '2,20p' "$0" >&2; exit 2 ;;
	esac
done
die() { echo "run-guest: $*" >&2; exit 1; }
say() { [ -n "$quiet" ] || echo "$@"; }
[ -n "$platform" ] && [ -n "$test" ] || die "need -p PLATFORM and -t TEST (see -h)"
# A KASAN and lockdep kernel runs the same test several times slower.
case $series in
*-debug) timeout_s=${timeout_s:-1800} ;;
*) timeout_s=${timeout_s:-600} ;;
esac
case $platform in */*) pfile=$platform ;; *) pfile=$top/sim/platforms/$platform.platform ;; esac
[ -f "$pfile" ] || die "no platform file $pfile"
pname=$(basename "$pfile" .platform)
case $test in */*) tfile=$test ;; *) tfile=$top/tests/guest/$test ;; esac
[ -f "$tfile" ] || die "no test script $tfile"
test=$(basename "$tfile")

build=$top/build
arch=x86_64
case $series in *arm64*) arch=arm64 ;; esac
kdir=$("$top/sim/fetch-kernel.sh" "$series")
kver=$(cat "$kdir/kver")
module=${module:-$build/kernel/$series/nvgrace-egm.ko}
builder=$build/sim/egm-platform
for f in "$module" "$builder"; do
	[ -f "$f" ] || die "$f is missing: run 'make guest-prereqs KSERIES=$series'"
done

out=${out:-$build/runs/$series-$pname-${test%.*}}
rm -rf "$out"
mkdir -p "$out/platform"
out=$(cd "$out" && pwd)
"$builder" build "$pfile" "$out/platform" $([ "$arch" = x86_64 ] || echo "$arch")
mapfile -t qemu_platform_args <"$out/platform/qemu-args"

if [ "$arch" = arm64 ]; then
	# UEFI (Debian's AAVMF) gives the kernel QEMU's ACPI tables; the test's
	# TAP goes out through a virtio console, as virt has one UART.
	cp /usr/share/AAVMF/AAVMF_VARS.fd "$out/efi-vars.fd"
	# bookworm-backports' QEMU (sim/fetch-qemu.sh): its max CPU has
	# stage-2 forced write-back and DIC, as Grace's cores; EL2 lets the
	# guest run KVM, as a Grace host does.
	qemu_base=("$("$top/sim/fetch-qemu.sh")/bin/qemu-system-aarch64" -accel tcg
		   -machine virtualization=on -nodefaults -display none -no-reboot
		   -cpu max -kernel "$kdir/root/boot/vmlinuz-$kver"
		   -drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd
		   -drive "if=pflash,format=raw,file=$out/efi-vars.fd")
	tap_args=(-device virtio-serial-pci,bus=pcie.0,addr=1f.0 -chardev "file,id=tap,path=$out/result.raw"
		  -device virtconsole,chardev=tap)
	# Platforms with firmware error records (ras): trixie-backports'
	# QEMU 11.1, whose QMP injects them (inject-ghes-v2-error), and a
	# port (egm.ras) that socket-relay joins to that QMP monitor for the
	# test inside.
	if grep -qx 'ras=on' "$out/platform/qemu-args"; then
		qemu_base[0]=$(dirname "$("$top/sim/fetch-qemu-newest.sh")")/bin/qemu-system-aarch64
		tap_args+=(-qmp "unix:$out/qmp.sock,server=on,wait=off"
			   -chardev "socket,id=ras,path=$out/ras.sock,server=on,wait=off"
			   -device virtserialport,chardev=ras,name=egm.ras)
		relay=$build/sim/socket-relay
	fi
	console=ttyAMA0 tap=hvc0
	busybox=$("$top/sim/fetch-arm64-guest.sh")/root/bin/busybox
	guest_programs=$build/guest-arm64
else
	qemu_base=(qemu-system-x86_64 -accel tcg -nodefaults -display none -no-reboot
		   -cpu max -kernel "$kdir/root/boot/vmlinuz-$kver")
	tap_args=(-serial "file:$out/result.raw")
	console=ttyS0 tap=ttyS1
	busybox=/bin/busybox
	guest_programs=$build/guest
fi

# QEMU's own DSDT for this machine: read once from a booted guest, cached
# per QEMU version and machine configuration: everything but the loader
# devices (their file paths differ per run), as the DSDT's PCI windows
# depend on the memory layout too.
# (x86: q35's DSDT is revision 1, too narrow for 64-bit _DSD values, and has
# the root bus's slot nodes, where the flat topology puts its GPUs. arm64:
# virt's is revision 2. The grace topology's GPU nodes come in SSDTs.)
dsdt_key=$( { qemu-system-x86_64 --version | head -n1; grep -v '^loader,' \
	"$out/platform/qemu-args"; } | sha256sum | cut -c1-16)
qemu_dsl=${EGM_DSDT_CACHE:-$top/.cache/dsdt}/$dsdt_key.dsl
if [ "$arch" = x86_64 ] && [ ! -f "$qemu_dsl" ]; then
	say "run-guest: reading QEMU's DSDT for this device set"
	d=$(mktemp -d)
	mkdir -p "$d/root/bin" "$d/root/proc" "$d/root/sys"
	cp /bin/busybox "$d/root/bin/"
	cat >"$d/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t sysfs sysfs /sys
echo DSDT-BEGIN; /bin/busybox base64 /sys/firmware/acpi/tables/DSDT; echo DSDT-END
/bin/busybox poweroff -f
INIT
	chmod +x "$d/root/init"
	(cd "$d/root" && find . | cpio -o -H newc --quiet) >"$d/initrd"
	# QEMU's DSDT does not depend on the kernel: probe with Debian's 6.12
	# when it is cached, which boots faster than the debug kernel.
	probe_kernel=$kdir/root/boot/vmlinuz-$kver
	plain=$top/.cache/kernels/6.12
	[ ! -f "$plain/ready" ] || probe_kernel=$plain/root/boot/vmlinuz-$(cat "$plain/kver")
	# The kernel stays quiet on the console, where its messages would land
	# inside the base64. Retried like a test's boot: one boot in about 30
	# dies early under multi-threaded TCG, and a fresh machine probes a
	# dozen device sets.
	for probe in 1 2 3; do
		rm -f "$d/console" "$d/dsdt.aml" "$d/dsdt.dsl"
		timeout 300 qemu-system-x86_64 -accel tcg -nodefaults -display none -no-reboot \
			-cpu max -kernel "$probe_kernel" "${qemu_platform_args[@]}" -initrd "$d/initrd" \
			-append "console=ttyS0 panic=-1 loglevel=1" -serial "file:$d/console" \
			>/dev/null 2>&1 &&
			sed -n '/^DSDT-BEGIN/,/^DSDT-END/p' "$d/console" | tr -d '\r' | sed '1d;$d' |
			base64 -d >"$d/dsdt.aml" 2>/dev/null &&
			(cd "$d" && iasl -d dsdt.aml >/dev/null 2>&1) && break
		cp "$d/console" "$out/dsdt-probe.attempt$probe.log" 2>/dev/null || true
		[ "$probe" -lt 3 ] ||
			die "no DSDT from 3 probe boots (their consoles: $out/dsdt-probe.attempt*.log)"
		say "run-guest: DSDT probe boot $probe gave no DSDT; retrying"
	done
	mkdir -p "$(dirname "$qemu_dsl")"
	mv "$d/dsdt.dsl" "$qemu_dsl"
	rm -rf "$d"
fi
stage=$out/initramfs
mkdir -p "$stage/acpi/kernel/firmware/acpi" "$stage/root"/{bin,proc,sys,dev,tmp,egm/tests}
acpi_sources=$(cat "$out/platform/acpi-sources")
if [ "$arch" = x86_64 ]; then
	"$builder" dsdt "$pfile" "$qemu_dsl" >"$out/platform/dsdt.dsl"
	acpi_sources="dsdt.dsl $acpi_sources"
fi
for src in $acpi_sources; do
	(cd "$out/platform" && iasl "$src" >>iasl.log 2>&1) ||
		{ cat "$out/platform/iasl.log" >&2; die "iasl failed on $src"; }
	cp "$out/platform/${src%.*}.aml" "$stage/acpi/kernel/firmware/acpi/"
done

# The initramfs: the ACPI table upgrade in an uncompressed cpio first, then
# the guest's root with busybox, our module, the tests and their
# expectations.
cp "$busybox" "$stage/root/bin/"
cp "$top/sim/guest/init" "$stage/root/init"
case $module in
*.xz) xz -dc "$module" >"$stage/root/egm/nvgrace-egm.ko" ;; # as DKMS installs it
*) cp "$module" "$stage/root/egm/nvgrace-egm.ko" ;;
esac
cp "$build/kmod/$series/"*.ko "$stage/root/egm/" 2>/dev/null || true
cp "$out/platform/platform.env" "$stage/root/egm/"
cp "$top"/tests/guest/*.sh "$stage/root/egm/tests/"
cp "$tfile" "$stage/root/egm/tests/$test"
if [ -d "$guest_programs" ]; then cp "$guest_programs"/* "$stage/root/egm/tests/"; fi
echo "KSERIES=$series" >>"$stage/root/egm/platform.env"
echo "KVER=$kver" >>"$stage/root/egm/platform.env"
echo "HOST_TOP=$top" >>"$stage/root/egm/platform.env"
# Kernel modules the tests may load, with what they depend on.
modroot=$kdir/root/lib/modules/$kver
mkdir -p "$stage/root/lib/modules/$kver"
for m in $(cat "$top/sim/guest/modules"); do
	for dep in $(modprobe -C /dev/null -d "$kdir/root" -S "$kver" --show-depends "$m" 2>/dev/null |
		     awk '$1 == "insmod" { print $2 }'); do
		rel=${dep#"$kdir/root/lib/modules/$kver/"}
		mkdir -p "$stage/root/lib/modules/$kver/$(dirname "$rel")"
		cp "$dep" "$stage/root/lib/modules/$kver/$rel"
	done
done
cp "$modroot"/modules.{dep,alias,symbols,builtin,order,builtin.modinfo} "$stage/root/lib/modules/$kver/" 2>/dev/null || true
(cd "$stage/acpi" && find . | cpio -o -H newc --quiet) >"$out/initrd"
(cd "$stage/root" && find . | cpio -o -H newc --quiet | gzip -1) >>"$out/initrd"

# nokaslr: the x86 decompressor avoids only the first four memmap= ranges
# when it picks a random physical address, so with more carve-outs the
# kernel image could land inside an EGM range.
cmdline="console=$console panic=-1 oops=panic iomem=relaxed nokaslr $(cat "$out/platform/cmdline") egm.test=$test egm.tap=$tap $extra"
echo "$cmdline" >"$out/kernel-cmdline"

# Oops, BUG, WARN, lockdep, KASAN, kmemleak... reports in a kernel log.
kernel_reports() {
	grep -E -n 'BUG:|Oops|WARNING:|Call Trace|general protection fault|Kernel panic|kernel BUG|KASAN|UBSAN|KFENCE|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|irq lock inversion|DEBUG_LOCKS_WARN_ON|locking correctness validator|INFO: task .* blocked|rcu_.*stall|unreferenced object|refcount_t:|list_(add|del) corruption|invalid memtype' "$1" |
		grep -v 'egm.test=' || true
}

# An early-boot crash under multi-threaded TCG (QEMU racing the kernel's
# text patching) happens about once in 30 boots, and the KASAN kernel once
# reported a wild access in an interrupt during CPU setup: retry a boot that
# died or reported a problem before the test started (before any of our
# code ran; its log is kept as console.attemptN.log), never a later one.
# A boot that hangs before the test starts (seen once in the 6.1 kernel's
# early init under TCG) is stopped after EGM_BOOT_TIMEOUT seconds (default
# 300) and retried the same way.
boot_timeout_s=${EGM_BOOT_TIMEOUT:-300}
# The guest's init says so on the TAP port, which only it writes: on the
# console a kernel message may cut into its line.
test_started() { grep -a -q 'egm-guest: started' "$out/result.raw" 2>/dev/null; }
[ "$boot_timeout_s" -le "$timeout_s" ] || boot_timeout_s=$timeout_s
for attempt in 1 2 3; do
	started_s=$SECONDS
	rm -f "$out/console.log" "$out/result.raw"
	set +e
	timeout "$timeout_s" "${qemu_base[@]}" "${qemu_platform_args[@]}" \
		-initrd "$out/initrd" -append "$cmdline" \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,bus=pcie.0 \
		-serial "file:$out/console.log" "${tap_args[@]}" \
		>"$out/qemu.log" 2>&1 &
	qemu_pid=$!
	relay_pid=
	if [ -n "${relay:-}" ]; then
		"$relay" "$out/ras.sock" "$out/qmp.sock" 2>>"$out/qemu.log" &
		relay_pid=$!
	fi
	hung=
	waited=0
	while kill -0 "$qemu_pid" 2>/dev/null &&
	      ! test_started; do
		if [ "$waited" -ge "$boot_timeout_s" ]; then
			hung=1
			kill "$qemu_pid" 2>/dev/null
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qemu_pid"
	status=$?
	[ -z "$relay_pid" ] || { kill "$relay_pid" 2>/dev/null; wait "$relay_pid"; }
	set -e
	if [ -n "$hung" ] && [ $attempt -lt 3 ]; then
		say "run-guest: boot $attempt hung for ${boot_timeout_s}s before the test started; retrying"
		cp "$out/console.log" "$out/console.attempt$attempt.log" 2>/dev/null || true
		continue
	fi
	[ -z "$hung" ] || break
	[ "$status" -eq 124 ] && break
	if test_started; then
		# (nothing when a kernel message cut into the marker: a
		# report after it may be the test's own and is never retried)
		awk '{ boot = boot $0 "\n" } /EGM-GUEST-READY/ { printf "%s", boot; exit }' \
			"$out/console.log" >"$out/boot.log"
		[ -n "$(kernel_reports "$out/boot.log")" ] && [ $attempt -lt 3 ] || break
		say "run-guest: boot $attempt reported a kernel problem before the test started; retrying"
	else
		say "run-guest: boot $attempt died before the test started; retrying"
	fi
	cp "$out/console.log" "$out/console.attempt$attempt.log" 2>/dev/null || true
done
# A serial port may deliver a stray byte before the first line.
tr -d '\r' <"$out/result.raw" 2>/dev/null | LC_ALL=C sed 's/^[^ -~]*//' >"$out/result.tap" || true

failures=()
[ "$status" -ne 124 ] || failures+=("guest timed out after ${timeout_s}s")
[ -z "$hung" ] || failures+=("guest hung before the test started, ${boot_timeout_s}s on each of 3 boots")
test_started || failures+=("guest never reached the test")
grep -q '^# egm-guest: done' "$out/result.tap" || failures+=("result incomplete (no end marker)")
passed=$(grep -c '^ok ' "$out/result.tap" || true)
failed=$(grep -c '^not ok ' "$out/result.tap" || true)
[ "$passed" -gt 0 ] || failures+=("no test passed")
[ "$failed" -eq 0 ] || failures+=("$failed test(s) failed")
grep -q '^# egm-guest: script exit status 0$' "$out/result.tap" || failures+=("test script did not exit 0")
reports=$(kernel_reports "$out/console.log" | head -n 20)
[ -z "$reports" ] || failures+=("kernel log has reports")

label="$series/$pname/${test%.*}"
# The boot's time against its limit, so that the margin shows.
took="$((SECONDS - started_s)) s of ${timeout_s} s"
if [ ${#failures[@]} -eq 0 ]; then
	echo "PASS $label: $passed passed, $failed failed ($took)"
	[ -n "$quiet" ] || grep '^ok ' "$out/result.tap" | sed 's/^/    /'
	exit 0
fi
echo "FAIL $label: $passed passed, $failed failed ($took)"
for f in "${failures[@]}"; do echo "    - $f"; done
grep -E '^not ok |^# ' "$out/result.tap" | grep -v '^# egm-guest' | sed 's/^/    /' | head -n 40 || true
[ -z "$reports" ] || { echo "    kernel log reports:"; echo "$reports" | sed 's/^/      /'; }
# A guest that did not finish: how its console ended says why.
grep -q '^# egm-guest: done' "$out/result.tap" || {
	echo "    console tail:"
	tail -n 8 "$out/console.log" | tr -d '\r' | LC_ALL=C tr -c '\n -~' '?' | cut -c1-160 | sed 's/^/      /'
}
echo "    logs: $out/console.log, $out/result.tap"
exit 1
