#!/bin/sh
# Keep build/src/linux equal to Debian's linux-source-6.12 plus the patch
# series in kernel/.  Touches only the files the series changes, so kernel
# builds stay incremental.  Updates build/src/series.stamp when the tree
# changed.
#
# usage: scripts/kernel-tree.sh BUILD_DIR
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
tarball=/usr/src/linux-source-6.12.tar.xz
src=$build/src/linux
applied=$build/src/applied
stamp=$build/src/series.stamp

say() { echo "kernel-tree: $*"; }

series_files() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$1/series"
}

unpack() {
	[ -f "$tarball" ] || {
		say "missing $tarball; install linux-source-6.12 (scripts/install-deps.sh)"
		exit 1
	}
	say "unpacking $tarball"
	rm -rf "$build/src/linux-source-6.12" "$src" "$applied"
	mkdir -p "$build/src"
	tar -C "$build/src" -xf "$tarball"
	mv "$build/src/linux-source-6.12" "$src"
	mkdir -p "$applied/patches"
	: >"$applied/series"
}

# Same series, same patch contents?
series_matches() {
	cmp -s "$top/kernel/series" "$applied/series" || return 1
	for p in $(series_files "$top/kernel"); do
		cmp -s "$top/kernel/patches/$p" "$applied/patches/$p" || return 1
	done
}

[ -d "$src" ] && [ -f "$applied/series" ] || unpack
if series_matches && [ -f "$stamp" ]; then
	exit 0
fi

# Take the old series off, newest first; start over if that fails.
for p in $(series_files "$applied" | sed '1!G;h;$!d'); do
	if ! patch -s -R -p1 -d "$src" <"$applied/patches/$p" >/dev/null; then
		say "cannot reverse $p; starting from a fresh tree"
		unpack
		break
	fi
done
rm -f "$applied/patches/"*
: >"$applied/series"

for p in $(series_files "$top/kernel"); do
	say "applying $p"
	if ! patch -s -p1 -N -d "$src" <"$top/kernel/patches/$p"; then
		say "$p does not apply to linux-source-6.12"
		exit 1
	fi
	cp "$top/kernel/patches/$p" "$applied/patches/$p"
	echo "$p" >>"$applied/series"
done
cp "$top/kernel/series" "$applied/series"
touch "$stamp"
