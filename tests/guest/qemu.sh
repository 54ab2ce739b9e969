# Unmodified QEMU (the host's own) inside the simulated host starts a VM
# whose RAM is /dev/egmN, the way QEMU's users configure it, and the VM's
# memory lands in the EGM region.
. ./lib.sh

dev=$(echo $EXPECT_DEVICES | cut -d' ' -f1)
pxm=${dev#egm}
base=$(region_var "$pxm" BASE)
payload=/mnt/tests/nested-payload.elf

check "nvgrace-egm loads" load_egm
check "the host's root is mounted over 9p" mount_host_root
note "$(chroot /host qemu-system-x86_64 --version | head -n1)"

# A private (share=off) mapping of the region: QEMU must refuse to start.
qemu_private() {
	chroot /host qemu-system-x86_64 -accel tcg -nodefaults -display none \
		-no-reboot -M microvm,memory-backend=m0 -m 1G \
		-object memory-backend-file,id=m0,mem-path=/dev/$dev,size=1G,share=off,align=1G,prealloc=on \
		-kernel $payload -serial null >/tmp/qemu-private.log 2>&1
}

# The payload writes word i = 0x45474d00 + i at guest-physical 2 MiB.
pattern_in_egm() {
	egm-test peek-words "$((base + 0x200000))" 4 | grep -q '45474d00 45474d01 45474d02 45474d03'
}

start_payload_vm qemu-system-x86_64 -M microvm,memory-backend=m0 -m 1G \
	-object memory-backend-file,id=m0,mem-path=/dev/$dev,size=1G,share=on,align=1G,prealloc=on
check "QEMU starts with share=on,align=1G,prealloc=on and its guest runs" \
	grep -q '!' /tmp/vm-serial.log
sed 's/^/# qemu: /' /tmp/qemu.log
check "the guest's RAM at 2 MiB is EGM at base + 2 MiB" pattern_in_egm
check "/dev/$dev is busy while QEMU holds it" sh -c "! cat /dev/$dev"
stop_payload_vm
check "QEMU's exit releases /dev/$dev" sh -c "exec 3<>/dev/$dev"

qemu_private
check_fails "QEMU with share=off does not start" test $? -eq 0
sed 's/^/# qemu: /' /tmp/qemu-private.log
check "it says it cannot map the backing store" \
	grep -q 'unable to map backing store for guest RAM: Invalid argument' /tmp/qemu-private.log

check "nvgrace-egm unloads" unload_egm
