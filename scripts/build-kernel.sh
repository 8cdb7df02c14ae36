#!/bin/sh
# Configure and build one kernel from build/src/linux: "make tinyconfig",
# the given fragments and option lines merged in, "make olddefconfig",
# then bzImage.  The configuration is redone only when the fragments or
# lines changed; the build itself is the kernel's own incremental one,
# through ccache when available.
#
# usage: scripts/build-kernel.sh SRC OUT FRAGMENT_OR_CONFIG_LINE...
set -eu

src=$(realpath "$1")
out=$(realpath -m "$2")
shift 2

name=$(basename "$out")
log=$out/build.log
mkdir -p "$out"

wanted=$out/wanted.config
for arg in "$@"; do
	if [ -f "$arg" ]; then
		cat "$arg"
	else
		echo "$arg"
	fi
done >"$wanted.new"

make_k() {
	make -C "$src" O="$out" CC="$cc" HOSTCC="$hostcc" "$@"
}

cc=gcc
hostcc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache gcc"
	hostcc="ccache gcc"
	# Paths under the checkout hash as relative ones, so that another
	# clone of it (CI's, for one) finds these objects in the cache.
	CCACHE_BASEDIR=$(cd "$(dirname "$0")/.." && pwd)
	export CCACHE_BASEDIR
fi

if ! cmp -s "$wanted.new" "$wanted" || [ ! -f "$out/.config" ]; then
	echo "build-kernel: configuring $name"
	make_k -s tinyconfig >"$log" 2>&1
	# From $out: merge_config.sh leaves its temporary files in the
	# current directory while it runs.
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$wanted.new") >>"$log" 2>&1
	make_k -s olddefconfig >>"$log" 2>&1
	# Every requested option must have survived olddefconfig.
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$out/.config" || {
				echo "build-kernel: $name: $line did not stick (unmet dependency?)"
				missing=1
			}
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% is not set}
			if grep -q "^$opt=" "$out/.config"; then
				echo "build-kernel: $name: $opt is still set"
				missing=1
			fi
			;;
		esac
	done <"$wanted.new"
	# scripts/check-series.sh builds series prefixes that do not define
	# every option yet: it only wants to hear about them.
	[ "$missing" = 0 ] || [ -n "${KHIB_OPTIONS_MAY_BE_MISSING:-}" ] || exit 1
	mv "$wanted.new" "$wanted"
else
	rm -f "$wanted.new"
fi

jobs=$(($(nproc) + 1))
echo "build-kernel: building $name bzImage with $jobs jobs (log: $log)"
start=$(date +%s)
if ! make_k -j"$jobs" bzImage >>"$log" 2>&1; then
	grep -E 'error|Error' "$log" | tail -n 20
	echo "build-kernel: $name failed; see $log"
	exit 1
fi
echo "build-kernel: $name done in $(($(date +%s) - start)) s"
