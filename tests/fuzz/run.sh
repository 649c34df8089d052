#!/bin/bash
# tests/fuzz/run.sh [TARGET...]: build the libFuzzer targets with clang
# (build-fuzz/, -Dfuzz=true) and run each for FUZZ_SECONDS (default 60).
# Targets: spec (config.json), process (exec --process), resources
# (update --resources), state (state.json); default all.
# The seeds in tests/fuzz/corpus/TARGET/ are read, never rewritten; new
# coverage goes to a scratch dir. Any crash, leak, timeout or out-of-memory
# fails the run, and the input is copied to tests/fuzz/corpus/TARGET/ (and
# printed) so that it joins the corpus: commit it with the fix, and the
# replay test (meson test --suite fuzz-corpus) keeps it fixed.
#   FUZZ_SECONDS  time per target      FUZZ_BUILD  build dir (build-fuzz)
#   FUZZ_RSS_MB   -rss_limit_mb (2048) FUZZ_TIMEOUT  -timeout per input (10 s)
#   FUZZ_MERGE=1  after a clean run, add the inputs that reached new code
#                 to tests/fuzz/corpus/TARGET/ (libFuzzer -merge=1)
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD:-$SRC/build-fuzz}
CC=${FUZZ_CC:-clang}
TARGETS=${*:-spec process resources state}

if [ -f "$BUILD/build.ninja" ]; then
	meson configure "$BUILD" -Dfuzz=true >/dev/null || exit 1
else
	CC=$CC meson setup "$BUILD" "$SRC" -Dfuzz=true -Dunit_tests=disabled >/dev/null || exit 1
fi
for t in $TARGETS; do targets+=("tests/fuzz/fuzz_$t"); done
ninja -C "$BUILD" "${targets[@]}" >/dev/null || { ninja -C "$BUILD" "${targets[@]}"; exit 1; }

W=$(mktemp -d /tmp/hrun-fuzz.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail=0
for t in $TARGETS; do
	seeds=$SRC/tests/fuzz/corpus/$t
	mkdir -p "$W/$t/corpus" "$W/$t/artifacts"
	# -max_len: the seeds hold a few large configs; the mutations that
	# matter are in the structure, not in 200 KB inputs
	"$BUILD/tests/fuzz/fuzz_$t" \
		-max_total_time="$SECONDS_EACH" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
		-timeout="${FUZZ_TIMEOUT:-10}" -max_len=65536 -print_final_stats=1 \
		-dict="$SRC/tests/fuzz/json.dict" -artifact_prefix="$W/$t/artifacts/" \
		"$W/$t/corpus" "$seeds" >"$W/$t/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$t/log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$W/$t/log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9/]+[a-zA-Z]*' "$W/$t/log" | tail -1)
	echo "fuzz_$t: ${execs:-?} executions in ${SECONDS_EACH} s (${rate:-?}/s), $cov, exit $rc"
	found=0
	for a in "$W/$t/artifacts"/*; do
		[ -f "$a" ] || continue
		found=1
		dest=$seeds/$(basename "$a")
		cp "$a" "$dest"
		echo "fuzz_$t: $(basename "$a" | cut -d- -f1) input saved as ${dest#"$SRC"/} ($(stat -c %s "$a") bytes):"
		head -c 2048 "$a" | od -A d -c | head -20
	done
	if [ "$rc" != 0 ] || [ "$found" = 1 ]; then
		fail=1
		echo "--- fuzz_$t log (last 60 lines)"
		tail -60 "$W/$t/log"
	elif [ "${FUZZ_MERGE:-0}" = 1 ]; then
		n=$(find "$seeds" -type f | wc -l)
		"$BUILD/tests/fuzz/fuzz_$t" -merge=1 -max_len=65536 "$seeds" "$W/$t/corpus" >/dev/null 2>&1 || fail=1
		echo "fuzz_$t: corpus $n -> $(find "$seeds" -type f | wc -l) files"
	fi
done
[ "$fail" = 0 ] && echo "fuzz: no crash, leak or timeout" || echo "fuzz: FAILED (inputs saved under tests/fuzz/corpus/)"
exit "$fail"
