#!/bin/bash
# Puts the kernel's checkpatch.pl (with the data files it reads) into the
# project cache, taken from Debian's linux-source-6.12. Prints its path.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/checkpatch
if [ -x "$dest/scripts/checkpatch.pl" ]; then
	echo "$dest/scripts/checkpatch.pl"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q linux-source-6.12 >/dev/null 2>&1) ||
	{ echo "fetch-checkpatch: cannot download linux-source-6.12" >&2; exit 1; }
dpkg-deb --fsys-tarfile "$tmp"/linux-source-6.12_*.deb |
	tar -x -C "$tmp" --wildcards './usr/src/linux-source-6.12.tar.xz'
mkdir -p "$tmp/src"
tar -xJf "$tmp/usr/src/linux-source-6.12.tar.xz" -C "$tmp/src" --strip-components=1 \
	--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
	'*/scripts/const_structs.checkpatch'
mkdir -p "$dest/scripts"
cp "$tmp"/src/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$dest/scripts/"
echo "$dest/scripts/checkpatch.pl"
