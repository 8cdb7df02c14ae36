#!/bin/sh
# Run checkpatch.pl --strict on every patch of kernel/series, from inside
# the unpacked kernel tree.  (Run from a git work tree such as this
# project's, checkpatch takes tracked .patch files for source files and
# reports their blank context lines as trailing whitespace.)
#
# usage: scripts/check-patches.sh BUILD_DIR
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
src=$(realpath "$1")/src/linux
failed=0

cd "$src"
for p in $(grep -v -e '^#' -e '^[[:space:]]*$' "$top/kernel/series"); do
	findings=$(perl scripts/checkpatch.pl --strict -q "$top/kernel/patches/$p" 2>/dev/null |
		   grep -E '^(ERROR|WARNING|CHECK)' || true)
	if [ -n "$findings" ]; then
		echo "check-patches: $p:"
		echo "$findings"
		failed=1
	else
		echo "check-patches: $p: clean"
	fi
done
exit $failed
