#!/bin/bash
# Debian's linux-source-6.12, unpacked once into .cache/linux-source-6.12
# (pristine: whoever needs to change it works on a copy). Prints the tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top/.cache/linux-source-6.12
if [ -f "$dest/.complete" ]; then
	echo "$dest"
	exit 0
fi
rm -rf "$dest" "$dest.tmp"
mkdir -p "$dest.tmp"
(cd "$dest.tmp" && apt-get download -q linux-source-6.12 >/dev/null 2>&1) ||
	{ echo "fetch-linux-source: cannot download linux-source-6.12" >&2; exit 1; }
dpkg-deb --fsys-tarfile "$dest.tmp"/linux-source-6.12_*.deb |
	tar -xO --wildcards './usr/src/linux-source-6.12.tar.xz' |
	tar -xJ -C "$dest.tmp" --strip-components=1
rm -f "$dest.tmp"/linux-source-6.12_*.deb
touch "$dest.tmp/.complete"
mv "$dest.tmp" "$dest"
echo "$dest"
