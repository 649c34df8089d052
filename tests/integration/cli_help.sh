#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every command's help (`CMD --help`, `CMD -h`, `hrun help CMD`: one text
# from its option table), its options in man/hrun.8, and the one line for an
# unknown option or a missing argument. Runs no container.
. "$(dirname "$0")/lib.sh"
MAN=$HRUN_SRC/man/hrun.8
H() { "$HRUN" --root "$ROOT" "$@"; }

H --help >"$T/top" 2>"$T/top.err"
expect_eq "hrun --help exits 0, nothing on stderr" "0:" "$?:$(cat "$T/top.err")"
H help >"$T/help"
expect_eq "hrun help is hrun --help" "$(cat "$T/top")" "$(cat "$T/help")"
cmds=$(sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}' "$T/top")
expect_eq "hrun --help lists the 17 commands" 17 "$(printf '%s\n' $cmds | wc -l)"

# option names of a help text: "  -x, --name ARG  text" / "      --name ..."
help_opts() { sed -nE 's/^  (-[a-zA-Z], |    )--([a-z][a-z0-9-]*).*/\2/p' "$1"; }
roff() { printf '%s' "$1" | sed 's/-/\\-/g'; }

for cmd in $cmds; do
	bad=
	H "$cmd" --help >"$T/a" 2>"$T/a.err"; ra=$?
	H "$cmd" -h >"$T/b" 2>"$T/b.err"; rb=$?
	H help "$cmd" >"$T/c" 2>"$T/c.err"; rc=$?
	[ "$ra$rb$rc" = 000 ] || bad="$bad exit=$ra/$rb/$rc"
	[ -n "$(cat "$T/a.err" "$T/b.err" "$T/c.err")" ] && bad="$bad stderr"
	head -n1 "$T/a" | grep -q "^Usage: hrun $cmd\b" || bad="$bad synopsis=[$(head -n1 "$T/a")]"
	cmp -s "$T/a" "$T/b" || bad="$bad --help!=-h"
	cmp -s "$T/a" "$T/c" || bad="$bad --help!=help"
	grep -q -- '^  -h, --help ' "$T/a" || bad="$bad no-help-line"
	for o in $(help_opts "$T/a"); do
		[ "$o" = help ] || grep -qF -- "\\-\\-$(roff "$o")" "$MAN" || bad="$bad --$o-not-in-hrun.8"
	done
	[ -z "$bad" ] && ok "$cmd: --help, -h and help $cmd print the same usage, options in hrun.8" ||
		not_ok "$cmd: help:$bad"
done

# the options that used to be parsed apart show in the help
expect_match "exec's help lists --pid-file with its argument" '^      --pid-file FILE ' "$(H exec --help)"
expect_eq "update lists --cpu-share and --cpu-shares" 2 "$(H update --help | grep -c -- '--cpu-shares\? ')"
expect_match "check's help lists --fail-on" '^      --fail-on ' "$(H check --help)"
expect_match "spec's help lists -b, --bundle DIR" '^  -b, --bundle DIR ' "$(H spec --help)"

# unknown options: one line naming it and pointing at the help, exit 1
# (spec and check exit 2 on usage errors, as scanners: hrun-check(1);
# sandbox 125, as podman run: hrun-sandbox(1))
unknown() { # unknown CMD WORD EXPECTED-LINE ARGS...
	local cmd=$1 word=$2 want=$3 out rc st=1
	shift 3
	case $cmd in spec | check) st=2 ;; sandbox) st=125 ;; esac
	out=$(H "$@" 2>&1 >/dev/null); rc=$?
	expect_eq "$cmd $word: exit $st and one line" "$st|$want" "$rc|$out"
}
for cmd in $cmds; do
	unknown "$cmd" --bogus "hrun: $cmd: unknown option \`--bogus\` (see \`hrun $cmd --help\`)" "$cmd" --bogus x
done
unknown exec -Z 'hrun: exec: unknown option `-Z` (see `hrun exec --help`)' exec -Z x
unknown delete --bogus=1 'hrun: delete: unknown option `--bogus` (see `hrun delete --help`)' delete --bogus=1 x
unknown create --pid-file 'hrun: create: option `--pid-file` needs an argument (see `hrun create --help`)' create x --pid-file
unknown exec -e 'hrun: exec: option `-e` needs an argument (see `hrun exec --help`)' exec -e
unknown update --memory 'hrun: update: option `--memory` needs an argument (see `hrun update --help`)' update --memory
unknown exec -dZ 'hrun: exec: unknown option `-Z` (see `hrun exec --help`)' exec --env=A=1 -dZ x
unknown exec --no-new-privs=1 'hrun: exec: option `--no-new-privs` takes no argument (see `hrun exec --help`)' exec --no-new-privs=1 x
unknown kill --all=1 'hrun: kill: option `--all` takes no argument (see `hrun kill --help`)' kill --all=1 x
unknown global --bogus 'hrun: unknown option `--bogus` (see `hrun --help`)' --bogus list
unknown global --root 'hrun: option `--root` needs an argument (see `hrun --help`)' --root
unknown help nope 'hrun: help: unknown command `nope` (see `hrun --help`)' help nope
unknown hrun nope 'hrun: unknown command `nope` (see `hrun --help`)' nope

# options stop where they must: after exec's id the flags are the command's
# (sh -h is sh's, not hrun's help), ps(1)'s after ps's id; run/create still
# take options after the id
out=$(H exec nope-$$ sh -h 2>&1); rc=$?
expect_eq "exec ID sh -h: -h goes to the command (no help, the id is looked up)" "1" "$rc"
expect_match "exec ID sh -h: the error is about the container" "nope-$$" "$out"
out=$(H ps nope-$$ -h 2>&1)
expect_match "ps ID -h: ps(1)'s option, the id is looked up" "nope-$$" "$out"
out=$(H create nope-$$ --bundle /nonexistent-$$ 2>&1)
expect_match "create ID --bundle DIR: option after the id is parsed" "nonexistent-$$" "$out"
check "create with a bad bundle leaves no state dir" [ ! -e "$ROOT/nope-$$" ]
finish
