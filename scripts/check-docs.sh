#!/bin/bash
# Every reStructuredText file in docs/ through docutils (Debian's
# python3-docutils): any warning or error fails. Sphinx's :doc: and :ref:
# roles, unknown to plain docutils, become literals, and each :doc: target
# must exist.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
failed=0
while read -r f; do
	dir=$(dirname "$f")
	for target in $(grep -o ':doc:`[^`]*`' "$f" | sed 's/:doc:`\([^`<]*<\)\?\([^`>]*\)>\?`/\2/'); do
		case $target in
		/*) path=docs$target.rst ;;
		*) path=$dir/$target.rst ;;
		esac
		# Sphinx resolves relative names from the document's directory,
		# then from the top.
		[ -f "$path" ] || [ -f "docs/$target.rst" ] || {
			echo "$f: :doc: target '$target' does not exist"
			failed=1
		}
	done
	report=$(sed 's/:doc:`\([^`]*\)`/``\1``/g; s/:ref:`\([^`]*\)`/``\1``/g' "$f" |
		sed '/^\.\. toctree::/,/^$/d' |
		/usr/bin/python3 -c 'import sys, docutils.core
docutils.core.publish_string(sys.stdin.read(), writer_name="null",
	settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": sys.stdout})' 2>&1 || true)
	if [ -n "$report" ]; then
		echo "$report" | sed "s|^<string>|$f|"
		failed=1
	fi
done < <(find docs -name '*.rst' | sort)
for doc in $(sed -n '/^\.\. toctree::/,/^[^ ]/s/^   \([a-z].*\)$/\1/p' docs/index.rst); do
	[ -f "docs/$doc.rst" ] || { echo "docs/index.rst: no docs/$doc.rst"; failed=1; }
done
[ "$failed" -eq 0 ] && echo "check-docs: docutils clean"
exit "$failed"
