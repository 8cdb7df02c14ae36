#!/bin/sh
# khib-restore --conf KEY from the shell, as khib-load and the
# initramfs-tools hook ask it: values, defaults, and refusals with the
# file's line; and khib-load stopping on an invalid file or a bad number.
# TAP.  The Makefile installs it beside the khib-restore it builds, with
# @TOP@ the source tree.
# shellcheck disable=SC2317 # query and load run through expect
set -u
dir=$(cd "$(dirname "$0")" && pwd)
top=@TOP@
conf=$(mktemp)
err=$(mktemp)
trap 'rm -f "$conf" "$err"' EXIT
n=0
failed=0

# expect STATUS OUTPUT ERROR TEST CMD...: CMD exits STATUS, prints OUTPUT,
# and its stderr holds ERROR (fixed text), or nothing if ERROR is "".
expect() {
	want_status=$1 want_out=$2 want_err=$3 test=$4
	shift 4
	out=$("$@" 2>"$err")
	status=$?
	if [ "$status" = "$want_status" ] && [ "$out" = "$want_out" ] &&
	   { if [ -z "$want_err" ]; then [ ! -s "$err" ]; else
		grep -qF -- "$want_err" "$err"; fi; }; then
		echo "ok $((n += 1)) - $test"
	else
		echo "not ok $((n += 1)) - $test: status $status, output '$out', stderr '$(cat "$err")'"
		failed=1
	fi
}

query() {
	KHIB_CONF=$conf "$dir/khib-restore" --conf "$1"
}

load() {
	KHIB_CONF=$conf PATH="$dir:$PATH" sh "$top/initramfs/khib-load" "$@"
}

printf '%s\n' '# khib.conf' '' 'lend_mib = 48' "kernel='/boot/my kernel'" \
	'compress="off"' 'lend_mib=64' >"$conf"
expect 0 64 "" "the last setting wins" query lend_mib
expect 0 "/boot/my kernel" "" "a quoted path keeps its blanks" query kernel
expect 0 off "" "double quotes go" query compress
expect 0 1 "" "a key not set prints its default" query level
expect 0 "" "" "a key not set that has no default prints nothing" query target
expect 2 "" 'unknown key "bogus"; the keys are target, kernel' \
	"an unknown key asked for is refused" query bogus

rm -f "$conf"
expect 0 "" "" "a missing file sets nothing" query target
expect 0 /etc/khib/keys "" "and every default holds" query key_store

printf '%s\n' 'target=/dev/vdb' '# lend' 'lend_mib=32 # x' >"$conf"
expect 2 "" "$conf:3: lend_mib: a comment after the value" \
	"a trailing comment is refused with its line" query target
printf '%s\n' 'cpus=2' 'lend_mib=032' >"$conf"
expect 2 "" "$conf:2: lend_mib=032: a leading zero" \
	"032 is refused, not read as octal" query cpus
printf '%s\n' 'kernel="/boot/x' >"$conf"
expect 2 "" "$conf:1: kernel: unmatched \" quote" \
	"an unmatched quote is refused" query kernel
{ printf '#%0598d' 0; printf 'target=/dev/x\n'; } >"$conf"
expect 2 "" "$conf:1: the line is 612 bytes long" \
	"an over-long line is refused, its tail not read" query target

# khib-load reads the file through it, and stops on an invalid one.
printf '%s\n' 'compress=auto' 'level=abc' >"$conf"
expect 2 "" "$conf:2: level=abc: not a decimal number" \
	"khib-load stops on an invalid khib.conf, naming the line" load -d
: >"$conf"
expect 2 "" "khib-load: -l wants a whole number from 0 to 19, not '032'" \
	"khib-load refuses -l 032" load -l 032 -d
expect 2 "" "khib-load: -C wants a whole number from 1 to 512, not '4294967297'" \
	"khib-load refuses -C past the range" load -C 4294967297 -d
expect 2 "" "khib-load: -m wants a whole number from 1 to 4096, not '-5'" \
	"khib-load refuses -m -5" load -m -5 -d

echo "1..$n"
exit "$failed"
