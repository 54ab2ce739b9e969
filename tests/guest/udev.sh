# The project's udev rule, installed by `make udev-install EGM_GROUP=...`,
# applied by Debian's udevd (sim/fetch-udev.sh) when the driver creates its
# devices: /dev/egmN belongs to root and the chosen group, mode 0660; a
# member of the group opens it, anyone else is refused.
. ./lib.sh

udev=$HOST_TOP/.cache/udev/bin
group=users
gid=100

check "the host's root is mounted" mount_host_root
check "a tmpfs for udev's /run" mount -t tmpfs tmpfs /host/run
check "make udev-install EGM_GROUP=$group renders the rule" \
	chroot /host make -s -C "$HOST_TOP" udev-install EGM_GROUP=$group \
	DESTDIR=/tmp/udev-root UDEV_RULES_DIR=/rules
mkdir -p /host/run/udev/rules.d
cp /tmp/udev-root/rules/60-nvgrace-egm.rules /host/run/udev/rules.d/
is "the rule names the group" \
	"$(grep -c "GROUP=\"$group\", MODE=\"0660\"" /host/run/udev/rules.d/60-nvgrace-egm.rules)" 1
check "udevd starts" chroot /host "$udev/udevd" --daemon
check "nvgrace-egm loads" load_egm
check "udevd settles" chroot /host "$udev/udevadm" settle --timeout=60
# udevd handles the add events the module raised; trigger in case it was
# not listening yet.
chroot /host "$udev/udevadm" trigger --action=add --subsystem-match=egm
chroot /host "$udev/udevadm" settle --timeout=60
for dev in $EXPECT_DEVICES; do
	is "$dev: owned by root and group $group, mode 0660" \
		"$(stat -c '%u %g %a' /dev/$dev)" "0 $gid 660"
	check "$dev: a member of $group opens it" as-nobody -g $gid egm-test open /dev/$dev
	is "$dev: someone outside $group is refused" \
		"$(as-nobody egm-test open /dev/$dev)" EACCES
done
check "egmctl check finds the devices given to group $group" \
	sh -c "egmctl check | grep -q 'ok    access         /dev/${EXPECT_DEVICES%% *}: root and group $gid (mode 660)'"
chroot /host "$udev/udevadm" control --exit
check "nvgrace-egm unloads" unload_egm
