#!/bin/sh
# Does every patch of the series build?  Unpacks linux-source-6.12 into
# BUILD_DIR/series-check/src/linux, applies the patches of kernel/series
# one at a time and builds the main kernel's configuration after each
# (kernel/config.base and kernel/config; options a prefix does not define
# yet are reported, not fatal), incrementally, through ccache.  The layout
# mirrors BUILD_DIR's, so files the series does not touch come from the
# cache.  One line per patch; exit status 1 if any prefix fails to build
# or its build warns.
#
# usage: scripts/check-series.sh [BUILD_DIR]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$top/build}")
work=$build/series-check
src=$work/src/linux
tarball=/usr/src/linux-source-6.12.tar.xz

say() { echo "check-series: $*"; }

[ -f "$tarball" ] || {
	say "missing $tarball; install linux-source-6.12 (scripts/install-deps.sh)"
	exit 1
}
say "unpacking $tarball into $work/src"
rm -rf "$work/src"
mkdir -p "$work/src"
tar -C "$work/src" -xf "$tarball"
mv "$work/src/linux-source-6.12" "$src"

failed=0
n=0
for p in $(grep -v -e '^#' -e '^[[:space:]]*$' "$top/kernel/series"); do
	n=$((n + 1))
	if ! patch -s -p1 -N -d "$src" <"$top/kernel/patches/$p"; then
		say "$p: does not apply"
		exit 1
	fi
	start=$(date +%s)
	# Configure again each time: an option the last prefix lacked may
	# exist now.
	rm -f "$work/main/wanted.config"
	if out=$(KHIB_OPTIONS_MAY_BE_MISSING=1 "$top/scripts/build-kernel.sh" \
		 "$src" "$work/main" "$top/kernel/config.base" \
		 "$top/kernel/config" 2>&1); then
		# The build is incremental: what it compiled is what the patch
		# touched, so a warning here is the patch's.
		warnings=$(grep -c ': warning:' "$work/main/build.log" || true)
		if [ "$warnings" = 0 ]; then
			result="builds"
		else
			result="builds with $warnings compiler warnings"
			grep ': warning:' "$work/main/build.log" | sed 's/^/    /'
			failed=1
		fi
	else
		result="FAILS to build"
		failed=1
	fi
	missing=$(echo "$out" | sed -n 's/.*: \(CONFIG_[A-Z0-9_]*\)=.* did not stick.*/\1/p' |
		  tr '\n' ' ')
	say "$p: $result in $(($(date +%s) - start)) s${missing:+ (not defined yet: $missing)}"
	case $result in
	"FAILS to build")
		echo "$out" | grep -E 'error|Error' | tail -n 10 | sed 's/^/    /' ;;
	esac
done
[ "$failed" = 0 ] && say "all $n prefixes of the series build"
exit $failed
