#!/bin/bash
# coverage.sh BUILD_DIR: line coverage of src/ as a text summary, from a
# build configured with -Dcoverage=true after its tests ran
# (`ninja -C BUILD coverage-summary` runs this). gcovr when installed, else
# gcov's own per-file summary.
set -eu
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
if ! find "$BUILD" -name '*.gcda' | grep -q .; then
	echo "coverage: no .gcda files in $BUILD: configure with -Dcoverage=true and run the tests first" >&2
	exit 1
fi
if command -v gcovr >/dev/null; then
	exec gcovr -r "$SRC" --object-directory "$BUILD" --filter "$SRC/src/" --print-summary
fi
cd "$BUILD"
find . -path '*libhrun.a.p/*.gcda' -o -path '*hrun.p/*.gcda' | sort | while read -r f; do
	gcov -n -o "$(dirname "$f")" "$f" 2>/dev/null
done | awk -v src="$SRC/" '
	/^File / { f = $2; gsub("\047", "", f); sub("^(\\.\\./)+", "", f); if (index(f, src) == 1) f = substr(f, length(src) + 1) }
	/^Lines executed:/ && index(f, "src/") == 1 && !(f in seen) {
		seen[f] = 1
		split($2, a, ":"); pct = a[2]; sub("%", "", pct); n = $4
		hit = pct * n / 100; th += hit; tn += n
		printf "%-28s %6.2f%% of %5d lines\n", f, pct, n
	}
	END { if (tn) printf "%-28s %6.2f%% of %5d lines\n", "TOTAL", 100 * th / tn, tn }'
