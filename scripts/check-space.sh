#!/bin/sh
# Refuse to start the tests when the build directory's file system cannot
# hold them: a full disk makes QEMU pause its guests (werror=enospc), and
# the tests then fail by timing out, an hour later, far from the cause.
set -eu

build=${1:-build}
# A clean clone grows to about 12 GiB: the kernel trees, the Debian
# guest and one disk image per test.
need_kib=$((12 * 1024 * 1024))

mkdir -p "$build"
have_kib=$(du -sk "$build" | cut -f1)
free_kib=$(df -Pk "$build" | awk 'NR == 2 { print $4 }')
short_kib=$((need_kib - have_kib - free_kib))
if [ "$short_kib" -gt 0 ]; then
	echo "check-space: $((free_kib / 1024)) MiB free beside $build, the tests need $(((short_kib + free_kib) / 1024)) MiB more;" \
	     "free $(((short_kib + 1023) / 1024)) MiB on $(df -P "$build" | awk 'NR == 2 { print $6 }') (old clones, old build directories) and run again" >&2
	exit 1
fi
