#!/bin/sh
# Check the kernel series as a maintainer's tools would:
#  - checkpatch.pl --strict on every patch of kernel/series, from inside
#    the unpacked kernel tree (run from a git work tree such as this
#    project's, checkpatch takes tracked .patch files for source files and
#    reports their blank context lines as trailing whitespace);
#  - scripts/kernel-doc -none -Wall over every C file the series touches:
#    no warning the pristine file does not have already;
#  - with W=1 if the main kernel is built (BUILD_DIR/main): the objects of
#    the touched C files compile without a compiler warning;
#  - series-git.sh submit: every patch of the submission carries the one
#    identity given, in From: and Signed-off-by:, and the cover letter
#    the base-commit given.
#
# usage: scripts/check-patches.sh BUILD_DIR
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "$1")
src=$build/src/linux
tarball=/usr/src/linux-source-6.12.tar.xz
series=$(grep -v -e '^#' -e '^[[:space:]]*$' "$top/kernel/series")
failed=0

say() { echo "check-patches: $*"; }

cd "$src"
for p in $series; do
	findings=$(perl scripts/checkpatch.pl --strict -q "$top/kernel/patches/$p" 2>/dev/null |
		   grep -E '^(ERROR|WARNING|CHECK)' || true)
	if [ -n "$findings" ]; then
		say "$p:"
		echo "$findings"
		failed=1
	else
		say "$p: clean"
	fi
done

# The C sources and headers the series touches, as they are after it.
touched=$(for p in $series; do
		sed -n 's|^diff --git a/\([^ ]*\.[ch]\) b/.*|\1|p' "$top/kernel/patches/$p"
	done | sort -u)

# kernel-doc: compare with the pristine files, line numbers left out.
pristine=$(mktemp -d)
trap 'rm -rf "$pristine"' EXIT
# shellcheck disable=SC2086
tar -C "$pristine" -xJf "$tarball" --strip-components=1 --wildcards \
	$(for f in $touched; do printf 'linux-source-6.12/%s ' "$f"; done) \
	2>/dev/null || true
kdoc_warnings() {
	(cd "$1" && [ -f "$2" ] && perl "$src/scripts/kernel-doc" -none -Wall "$2" 2>&1 |
		sed 's/:[0-9]*: / /' | sort) || true
}
for f in $touched; do
	kdoc_warnings "$pristine" "$f" >"$pristine/.before"
	new=$(kdoc_warnings "$src" "$f" | comm -23 - "$pristine/.before")
	if [ -n "$new" ]; then
		say "kernel-doc: $f:"
		echo "$new"
		failed=1
	fi
done
say "kernel-doc: $(echo "$touched" | wc -w) touched files checked"

# W=1: only where the main kernel is configured and built already.
if [ -f "$build/main/.config" ] && [ -f "$build/main/vmlinux" ]; then
	objs=$(for f in $touched; do
			case $f in
			*.c) [ -f "$build/main/${f%.c}.o" ] && echo "${f%.c}.o" ;;
			esac
		done)
	cc=gcc
	command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
	# Touch them so that W=1 really compiles each one.
	# shellcheck disable=SC2086
	(cd "$build/main" && rm -f $objs)
	# shellcheck disable=SC2086
	out=$(make -C "$src" O="$build/main" CC="$cc" HOSTCC="$cc" W=1 $objs 2>&1) || {
		echo "$out" | tail -n 20
		failed=1
	}
	# Compiler diagnostics only (file:line:column): W=1 also runs
	# kernel-doc, whose findings the check above has compared already.
	warnings=$(echo "$out" | grep -E ':[0-9]+:[0-9]+: (warning|error):' || true)
	if [ -n "$warnings" ]; then
		say "W=1:"
		echo "$warnings"
		failed=1
	else
		say "W=1: $(echo "$objs" | wc -w) objects compile without a warning"
	fi
	# Put back the objects of the normal build, which the link expects.
	# shellcheck disable=SC2086
	make -C "$src" O="$build/main" CC="$cc" HOSTCC="$cc" $objs >/dev/null 2>&1 || true
else
	say "W=1: skipped, the main kernel is not built yet ($build/main)"
fi
# A submission made with a given identity and base carries them
# everywhere, and none of the project's placeholder.
sub=$(mktemp -d)
zero=0000000000000000000000000000000000000000
if KHIB_SIGNOFF="Check Patches <check@localhost>" KHIB_BASE_COMMIT=$zero \
	"$top/scripts/series-git.sh" submit "$sub/out" >/dev/null; then
	n=$(echo "$series" | wc -w)
	from=$(grep -lx 'From: Check Patches <check@localhost>' "$sub"/out/*.patch | wc -l)
	sob=$(grep -lx 'Signed-off-by: Check Patches <check@localhost>' "$sub"/out/*.patch | wc -l)
	if [ "$from" = $((n + 1)) ] && [ "$sob" = "$n" ] &&
	   grep -qx "base-commit: $zero" "$sub/out/0000-cover-letter.patch" &&
	   ! grep -q 'khib@example.org' "$sub"/out/*.patch; then
		say "submission: $n patches and the cover letter from one identity, with base-commit"
	else
		say "submission: From: in $from, Signed-off-by: in $sob of $n patches, or no base-commit"
		failed=1
	fi
else
	say "submission: series-git.sh submit failed"
	failed=1
fi
rm -rf "$sub"
exit $failed
