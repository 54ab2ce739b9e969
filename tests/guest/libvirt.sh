# A VM on EGM through Debian's libvirt daemon (trixie's, in the newest QEMU's
# root: sim/fetch-qemu-newest.sh): the domain is a plain one merged with
# exactly what `egmctl libvirt-xml` prints, libvirt configured as
# docs/operator-guide.rst says (no private /dev for QEMU, /dev/egmN in
# cgroup_device_acl); virsh define and start it, find what the guest wrote
# in EGM, destroy it. First with libvirt's default private /dev, where the
# start fails as the guide says.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
NESTED_QEMU=newest

check "nvgrace-egm loads" load_egm
check "the newest QEMU's root is mounted" mount_nested_qemu_root
root=$NESTED_ROOT
check "it has libvirtd (sim/fetch-qemu-newest.sh)" test -x $root/usr/sbin/libvirtd
note "$(chroot $root libvirtd --version)"

# The root a mount of its own, as libvirt makes QEMU's /dev private from it.
mount --rbind $root $root
# libvirt's state, logs and configuration, writable over the read-only root.
for d in run var/lib/libvirt var/cache/libvirt var/log/libvirt; do
	mount -t tmpfs tmpfs $root/$d
done
mkdir -p /tmp/libvirt-etc
cp -a $root/etc/libvirt/. /tmp/libvirt-etc/
mount --bind /tmp/libvirt-etc $root/etc/libvirt
# QEMU runs as root here (the simulated host has no libvirt-qemu user's
# udev rule), its output to files rather than virtlogd. libvirt does not
# know the device named on the command line: a private /dev would lack it.
# write_qemu_conf NAMESPACES: qemu.conf with that namespaces setting.
write_qemu_conf() {
	cat >/tmp/libvirt-etc/qemu.conf <<EOF
user = "root"
group = "root"
stdio_handler = "file"
$1
cgroup_device_acl = [
	"/dev/null", "/dev/full", "/dev/zero",
	"/dev/random", "/dev/urandom",
	"/dev/ptmx", "/dev/kvm", "/dev/userfaultfd",
	"/dev/$dev"
]
EOF
}
start_libvirtd() {
	rm -f $root/run/libvirt/libvirt-sock
	chroot $root libvirtd -d || return 1
	i=0
	while [ $i -lt 60 ] && ! [ -S $root/run/libvirt/libvirt-sock ]; do
		sleep 1
		i=$((i + 1))
	done
	[ -S $root/run/libvirt/libvirt-sock ]
}
stop_libvirtd() {
	pid=$(cat $root/run/libvirtd.pid 2>/dev/null)
	[ -n "$pid" ] || return 1
	kill "$pid"
	i=0
	while [ $i -lt 30 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
	! kill -0 "$pid" 2>/dev/null
}
virsh() { chroot $root virsh -q -c qemu:///system "$@"; }

egmctl libvirt-xml $dev --gpus none >/tmp/fragment.xml 2>/tmp/fragment.err
sed 's/^/# egmctl: /' /tmp/fragment.err
{
	echo "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
	echo "  <name>egm-vm</name>"
	grep '<memory ' /tmp/fragment.xml
	echo "  <vcpu>1</vcpu>"
	echo "  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>/mnt/tests/nested-payload.elf</kernel></os>"
	echo "  <devices>"
	echo "    <serial type='file'><source path='/tmp/vm-serial.log'/></serial>"
	echo "    <memballoon model='none'/>"
	echo "  </devices>"
	sed -n '/<qemu:commandline>/,/<\/qemu:commandline>/p' /tmp/fragment.xml
	echo "</domain>"
} >/tmp/domain.xml
sed 's/^/# /' /tmp/domain.xml
log=$root/var/log/libvirt/qemu/egm-vm.log

# libvirt's default: QEMU in a private /dev that lacks /dev/$dev, where
# QEMU creates a plain file of that name and cannot preallocate it.
write_qemu_conf ""
check "libvirtd starts with its default namespaces" start_libvirtd
check "virsh define takes the domain" virsh define /tmp/domain.xml
check_fails "without namespaces = [ ], virsh start fails" virsh start egm-vm
sed -n "s/^/# qemu: /p" $log | tail -n 5
check "QEMU could not preallocate what it found at /dev/$dev" \
	grep -q "preallocat" $log
virsh undefine egm-vm >/dev/null
check "libvirtd stops" stop_libvirtd
: >$log

write_qemu_conf "namespaces = [ ]"
check "libvirtd starts with namespaces = [ ]" start_libvirtd
rm -f /tmp/vm-serial.log
check "virsh define takes the domain with egmctl's fragment" virsh define /tmp/domain.xml
check "virsh start starts it" virsh start egm-vm
i=0
while [ $i -lt 180 ] && ! grep -q '[!?]' /tmp/vm-serial.log 2>/dev/null; do
	sleep 1
	i=$((i + 1))
done
sed -n "s/^/# qemu: /p" $log | tail -n 20
check "QEMU takes the EGM backend as the machine's RAM" \
	grep -q "memory-backend=$dev-0" $log
check "the guest runs and reports that it wrote its pattern" grep -q '!' /tmp/vm-serial.log
check "guest RAM at 2 MiB is $dev at offset 2 MiB" sh -c \
	"egm-peek $dev 0x200000 4 | grep -q '45474d00 45474d01 45474d02 45474d03'"
note "$(egm-peek $dev 0x200000 4)"
check "no other process may open $dev while the VM holds it" sh -c "! cat /dev/$dev"
check "virsh destroy stops it" virsh destroy egm-vm
check "virsh undefine" virsh undefine egm-vm
check "libvirtd stops" stop_libvirtd
check "$dev is scrubbed and clean again" wait_clean /sys/class/egm/$dev
check "nvgrace-egm unloads" unload_egm
