#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# man_render.sh [--hrun BIN] [--src FILE]... PAGE...
#
# TAP test of the man pages:
#  - every PAGE renders with man-db (or groff when man is missing) with
#    NOTHING on stderr, all troff warnings enabled. `man --warnings=all`
#    is NOT enough: groff's "all" excludes the `mac` category, so an
#    undefined macro would pass; "w" enables every category.
#  - with --hrun BIN: every command listed by `BIN --help` has a `.SS`
#    section in hrun.8 (one of the PAGEs);
#  - with --hrun BIN: every long option in `BIN help CMD` of every command
#    appears in hrun.8 as \-\-name (roff-escaped), and those of `spec`
#    and `check` also in hrun-check.1, those of `sandbox` in
#    hrun-sandbox.1 (when it is among the PAGEs);
#  - with --src FILE: every long option of the option tables (struct
#    cli_opt, src/cli/options.h: {"name", KEY, ...}) in FILE appears in
#    hrun.8, so a flag added to the code without documentation fails.
# No man and no groff: the whole test is skipped (tests/deps.sh --test
# installs groff and man-db).
set -u

hrun_bin=
srcs=()
pages=()
while [ $# -gt 0 ]; do
	case $1 in
	--hrun) hrun_bin=${2:?--hrun needs a path}; shift 2 ;;
	--src) srcs+=("${2:?--src needs a path}"); shift 2 ;;
	--) shift; pages+=("$@"); break ;;
	*) pages+=("$1"); shift ;;
	esac
done
if [ ${#pages[@]} -eq 0 ]; then
	echo "usage: man_render.sh [--hrun BIN] [--src FILE]... PAGE..." >&2
	exit 2
fi

if command -v man >/dev/null 2>&1; then
	renderer="man"
elif command -v groff >/dev/null 2>&1; then
	renderer="groff"
else
	echo "1..0 # SKIP neither man nor groff is installed"
	exit 0
fi

# The pages named hrun.8, hrun-check.1 and hrun-sandbox.1, for the
# consistency checks.
main_page=
check_page=
sandbox_page=
for p in "${pages[@]}"; do
	[ "$(basename "$p")" = hrun.8 ] && main_page=$p
	[ "$(basename "$p")" = hrun-check.1 ] && check_page=$p
	[ "$(basename "$p")" = hrun-sandbox.1 ] && sandbox_page=$p
done

n_tests=${#pages[@]}
[ -n "$hrun_bin" ] && n_tests=$((n_tests + 2))
n_tests=$((n_tests + ${#srcs[@]}))
echo "1..$n_tests"

failed=0
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ok|not ok NAME, with the lines of FILE (if any) as TAP diagnostics.
report() {
	local status=$1 name=$2 diag=${3:-}

	n=$((n + 1))
	if [ "$status" = 0 ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		failed=1
		[ -n "$diag" ] && [ -s "$diag" ] && sed 's/^/# /' "$diag"
	fi
}

render() {
	local page=$1

	if [ $renderer = man ]; then
		LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING="" MANPAGER=cat PAGER=cat \
			man --warnings=w -l "$page"
	else
		LC_ALL=C.UTF-8 groff -man -ww -Tutf8 -rLL=80n "$page"
	fi
}

for page in "${pages[@]}"; do
	name="$(basename "$page") renders without warnings ($renderer)"
	if [ ! -r "$page" ]; then
		echo "cannot read $page" >"$tmp/err"
		report 1 "$name" "$tmp/err"
		continue
	fi
	render "$page" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "exit status $rc" >>"$tmp/err"
	elif [ ! -s "$tmp/out" ]; then
		echo "rendered to nothing" >>"$tmp/err"
	fi
	[ -s "$tmp/err" ]
	report $((1 - $?)) "$name" "$tmp/err"
done

# Escape a command-line word the way the page writes it: - -> \-
roff_word() {
	printf '%s' "$1" | sed 's/-/\\-/g'
}

if [ -n "$hrun_bin" ]; then
	: >"$tmp/err"
	if [ -z "$main_page" ]; then
		echo "hrun.8 is not among the pages" >"$tmp/err"
	elif ! "$hrun_bin" --help >"$tmp/help" 2>&1; then
		echo "\`$hrun_bin --help\` failed" >"$tmp/err"
	else
		# the "Commands:" block: "  name   summary" lines up to a blank line
		sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}' "$tmp/help" >"$tmp/cmds"
		[ -s "$tmp/cmds" ] || echo "no command found in \`hrun --help\`" >"$tmp/err"
		while read -r cmd; do
			grep -qxF ".SS $cmd" "$main_page" ||
				echo "command \`$cmd\` has no .SS section in hrun.8" >>"$tmp/err"
		done <"$tmp/cmds"
	fi
	[ -s "$tmp/err" ]
	report $((1 - $?)) "every command of \`hrun --help\` is documented in hrun.8" "$tmp/err"

	# every option of every command's help, in hrun.8 (spec, check: and
	# in hrun-check.1)
	: >"$tmp/err"
	[ -s "$tmp/cmds" ] || echo "no command found in \`hrun --help\`" >"$tmp/err"
	while read -r cmd; do
		if ! "$hrun_bin" help "$cmd" >"$tmp/chelp" 2>&1; then
			echo "\`hrun help $cmd\` failed" >>"$tmp/err"
			continue
		fi
		# option lines: "  -x, --name ARG  help" or "      --name ARG  help"
		sed -nE 's/^  (-[a-zA-Z], |    )--([a-z][a-z0-9-]*).*/\2/p' "$tmp/chelp" |
			grep -vx help >"$tmp/copts"
		while read -r opt; do
			w="\\-\\-$(roff_word "$opt")"
			grep -qF -- "$w" "$main_page" ||
				echo "option --$opt of \`hrun $cmd\` is not in hrun.8" >>"$tmp/err"
			case $cmd in spec | check)
				[ -z "$check_page" ] || grep -qF -- "$w" "$check_page" ||
					echo "option --$opt of \`hrun $cmd\` is not in hrun-check.1" >>"$tmp/err" ;;
			sandbox)
				[ -z "$sandbox_page" ] || grep -qF -- "$w" "$sandbox_page" ||
					echo "option --$opt of \`hrun $cmd\` is not in hrun-sandbox.1" >>"$tmp/err"
			esac
		done <"$tmp/copts"
	done <"$tmp/cmds"
	[ -s "$tmp/err" ]
	report $((1 - $?)) "every option of every \`hrun help CMD\` is in the man pages" "$tmp/err"
fi

for src in "${srcs[@]}"; do
	: >"$tmp/err"
	if [ -z "$main_page" ]; then
		echo "hrun.8 is not among the pages" >"$tmp/err"
	elif [ ! -r "$src" ]; then
		echo "cannot read $src" >"$tmp/err"
	else
		# {"name", KEY, "ARG"|NULL, ...}: an option table's line
		grep -oE "\{ *\"[a-z][a-z0-9-]*\", *('.'|[A-Za-z_0-9]+), *(NULL|\")" "$src" |
			sed -E 's/^\{ *"([^"]*)".*/\1/' | sort -u >"$tmp/opts"
		[ -s "$tmp/opts" ] || echo "no long option found in $src" >"$tmp/err"
		while read -r opt; do
			grep -qF -- "\\-\\-$(roff_word "$opt")" "$main_page" ||
				echo "option --$opt of $(basename "$src") is not in hrun.8" >>"$tmp/err"
		done <"$tmp/opts"
	fi
	[ -s "$tmp/err" ]
	report $((1 - $?)) "every long option of $(basename "$src") is in hrun.8" "$tmp/err"
done

exit $failed
