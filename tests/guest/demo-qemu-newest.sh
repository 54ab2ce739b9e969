# demo.sh with the newest QEMU in Debian's archive (trixie-backports' 11.1,
# sim/fetch-qemu-newest.sh) in place of the host's.
NESTED_QEMU=newest
. ./demo.sh
