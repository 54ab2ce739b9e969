# What a Linux guest sees of the EGM `egmctl qemu-args` gives it: this
# kernel boots in a nested q35 VM of the newest QEMU (trixie-backports'
# 11.1), started with exactly egmctl's arguments and the socket's GPU
# stand-ins on vfio-pci, and prints its NUMA nodes, their distances, its
# PCI devices' nodes and /proc/iomem (nested-guest-init.sh). The test
# checks them against the region and the plan.
. ./lib.sh

NESTED_QEMU=newest
dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
gpus=$(region_var "$pxm" GPUS)
nr_gpus=$(echo $gpus | wc -w)

check "nvgrace-egm loads" load_egm
check "the newest QEMU's root is mounted" mount_nested_qemu_root
root=$NESTED_ROOT
bind_gpus_to_vfio "$pxm"

args=$(chroot $root /mnt/tests/egmctl qemu-args $dev --cpus 0 2>/tmp/args.err)
note "qemu-args: $args"
sed 's/^/# egmctl: /' /tmp/args.err
size_mib=$(($(cat /sys/class/egm/$dev/size) >> 20))
is "the plan is the whole region" "$(echo "$args" | sed -n 's/^-m \([0-9]*\)M .*/\1/p')" $size_mib
check "the QEMU has acpi-generic-initiator, so the GPUs get initiator nodes" \
	sh -c "echo '$args' | grep -q acpi-generic-initiator"

# The guest: this kernel, with busybox and nested-guest-init.sh as /init.
nl=/tmp/nested-linux
mkdir -p $nl/root/bin
cp /bin/busybox $nl/root/bin/
cp nested-guest-init.sh $nl/root/init
cp /host"$HOST_TOP"/.cache/kernels/"$KSERIES"/root/boot/vmlinuz-* $nl/vmlinuz
(cd $nl/root && find . | cpio -o -H newc 2>/dev/null) | gzip -1 >$nl/initrd
rm -f /tmp/nested-serial.log
start=$(date +%s)
# qboot: SeaBIOS takes minutes under nested TCG; qboot loads the ACPI
# tables and the kernel from fw_cfg in moments.
# shellcheck disable=SC2086
timeout 900 chroot $root qemu-system-x86_64 -accel tcg -nodefaults -display none \
	-no-reboot -M q35 -bios /usr/share/qemu/qboot.rom $args \
	-kernel $nl/vmlinuz -initrd $nl/initrd \
	-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init" \
	-serial file:/tmp/nested-serial.log >/tmp/qemu.log 2>&1
note "the nested guest ran $(($(date +%s) - start)) s; QEMU said: $(head -c 300 /tmp/qemu.log)"
sed -n '/VIEW-BEGIN/,/VIEW-END/p' /tmp/nested-serial.log | tr -d '\r' >/tmp/view
sed 's/^/# nested: /' /tmp/view
check "the nested Linux booted and printed its view" grep -q VIEW-END /tmp/view
if ! grep -q VIEW-END /tmp/view; then
	tail -n 30 /tmp/nested-serial.log | sed 's/^/# serial: /'
fi
check "and no oops, BUG, WARNING, lockdep, KASAN or panic in its log" sh -c \
	"! grep -Eq 'Oops|BUG:|WARNING:|Kernel panic|Call Trace|KASAN|possible circular locking' /tmp/nested-serial.log"

# One node with memory and the vCPU: the EGM region.
is "one node has memory" "$(sed -n 's/^state has_memory //p' /tmp/view)" 0
is "and the vCPU" "$(sed -n 's/^state has_cpu //p' /tmp/view)" 0
ram_kib=0
for r in $(sed -n 's/^iomem \([0-9a-f]*-[0-9a-f]*\) : System RAM$/\1/p' /tmp/view); do
	ram_kib=$((ram_kib + (0x${r#*-} - 0x${r%-*} + 1) / 1024))
done
note "System RAM in the guest's /proc/iomem: $ram_kib KiB of $((size_mib * 1024))"
check "its System RAM is the region, less the legacy hole below 1 MiB" \
	test "$ram_kib" -le $((size_mib * 1024)) -a "$ram_kib" -ge $((size_mib * 1024 - 1024))
node0_kb=$(sed -n 's/^node 0 memtotal_kb \([0-9]*\) .*/\1/p' /tmp/view)
check "node 0 holds it ($node0_kb kB MemTotal)" \
	test "${node0_kb:-0}" -gt $((size_mib * 1024 * 9 / 10))
# 8 memoryless generic-initiator nodes per GPU, at the host SLIT's distances.
is "the GPUs' generic-initiator nodes" \
	"$(sed -n 's/^state has_generic_initiator //p' /tmp/view)" "1-$((8 * nr_gpus))"
is "nodes possible: the region's and the GPUs'" \
	"$(sed -n 's/^state possible //p' /tmp/view)" "0-$((8 * nr_gpus))"
d0=$(sed -n 's/^node 0 .* distance //p' /tmp/view)
check "from node 0: 10 to itself, 80 to every GPU node ($d0)" \
	sh -c "[ '$d0' = '10$(printf ' 80%.0s' $(seq $((8 * nr_gpus))))' ]"
# Linux numbers the proximity domains in the order of the SRAT's entries,
# so a GPU's nodes need not be QEMU's consecutive nodeids: each initiator
# node's row is checked, and the rows must group into one set of 8 a GPU.
groups=$(sed -n 's/^node \([1-9][0-9]*\) .* distance /\1 /p' /tmp/view |
	awk -v gpus=$nr_gpus '{
		near = 0; far = 0; group = ""
		for (i = 2; i <= NF; i++) {
			if ($i == 11) near++
			if ($i == 120) far++
			if ($i <= 11) group = group " " i - 2
		}
		if ($2 != 80 || near != 7 || far != 8 * (gpus - 1)) print "bad row of node " $1
		else print "group" group
	}' | sort -u)
echo "$groups" | sed 's/^/# /'
check "each initiator node: 80 from node 0, 11 from 7 others, 120 from the other GPU's" \
	sh -c "! echo '$groups' | grep -q 'bad row'"
is "they form one group of 8 a GPU" "$(echo "$groups" | grep -c '^group\( [0-9]*\)\{8\}$')" $nr_gpus
is "the GPU stand-ins are in the guest" \
	"$(grep -c '^pci .* 0x1234:0x11e8 ' /tmp/view)" $nr_gpus

check "nvgrace-egm unloads" unload_egm
