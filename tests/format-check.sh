#!/bin/bash
# format-check.sh [FILE...]: do the C sources follow .clang-format?
# Default: src/ include/ tests/unit tests/fuzz. Prints clang-format's
# complaints and how many lines would change; exits non-zero if any.
# Fix a file with: clang-format -i FILE
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
command -v "$CLANG_FORMAT" >/dev/null || { echo "format-check: $CLANG_FORMAT not found (tests/deps.sh --test)" >&2; exit 2; }
if [ $# -gt 0 ]; then files=("$@")
else mapfile -t files < <(find src include tests/unit tests/fuzz -name '*.[ch]' | sort)
fi
# the verdict: clang-format's own check
"$CLANG_FORMAT" --dry-run -Werror "${files[@]}" >/dev/null 2>&1
rc=$?
# the distance: lines that would change, per file
lines=0
bad=0
for f in "${files[@]}"; do
	n=$("$CLANG_FORMAT" "$f" | diff "$f" - | grep -c '^<')
	[ "$n" -gt 0 ] || continue
	echo "$n $f"
	bad=$((bad + 1))
	lines=$((lines + n))
done
echo "format-check: $lines lines in $bad of ${#files[@]} files differ from .clang-format"
[ "$rc" = 0 ] && [ "$lines" = 0 ]
