#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ (clang, ASan + UBSan, in build-fuzz/) and runs each for a fixed
# time with its seed corpus and dictionary. Exits non-zero on any crash, leak, timeout or out-of-memory,
# printing where the reproducer was saved. See docs/reliability.md.
#   scripts/fuzz.sh                      every target for 30 s (the test suite's run: about 3 minutes on 2 cores)
#   scripts/fuzz.sh 3600                 every target for an hour (the long run)
#   scripts/fuzz.sh 300 ntriples turtle  some targets only
#   scripts/fuzz.sh --keep-going 3600    fork mode: go on past crashes and collect every reproducer
# Environment: QUIVER_W3C_DIR (seed corpora; default ../shared/w3c), QUIVER_FUZZ_PARALLEL (targets at once;
# default 2), QUIVER_FUZZ_BUILD (build folder; default build-fuzz), QUIVER_FUZZ_SEED (libFuzzer's random
# seed: with a fresh corpus, the same seed replays the same inputs; the test suite fixes it so that a
# passing commit passes again, and new ground is covered by the long runs), QUIVER_FUZZ_RUNS (stop a target
# after this many inputs, before its time is up: with the seed, the run is then the same on any machine).
# The corpus each target grows is kept in build-fuzz/fuzz/corpus/<target>/ and reused by the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

keep_going=0
seconds=30
targets=()
for arg in "$@"; do
  case $arg in
    --keep-going) keep_going=1 ;;
    [0-9]*) seconds=$arg ;;
    *) targets+=("$arg") ;;
  esac
done
all_targets=(ntriples nquads turtle trig rdfxml sparql_query sparql_update expression result_writers
  nesting_turtle nesting_sparql http_request)
((${#targets[@]})) || targets=("${all_targets[@]}")

w3c=${QUIVER_W3C_DIR:-$(cd .. && pwd)/shared/w3c}
build=${QUIVER_FUZZ_BUILD:-build-fuzz}
parallel=${QUIVER_FUZZ_PARALLEL:-2}
if [[ ! -d "$w3c/rdf" ]]; then
  echo "WARNING: no W3C test suites at $w3c: the targets start without seed corpora." >&2
fi

echo "== building the fuzz targets in $build"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIVER_FUZZ=ON \
  -DQUIVER_BUILD_TESTS=OFF -DQUIVER_BUILD_BENCH=OFF >/dev/null
nice -n 10 cmake --build "$build" -j 2 --target quiver_fuzz_targets

work=$repo/$build/fuzz
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$repo/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Seeds are copied from the W3C suites at run time (never into the repository), plus the saved regressions.
seed() {
  local target=$1 dir=$work/seeds/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  # Sorted, so that the copies (and their numbered names) are the same on every machine.
  copy() { find "$@" -type f -print0 2>/dev/null | sort -z | xargs -0 -r cp -t "$dir" --backup=numbered; }
  case $target in
    ntriples) copy "$w3c/rdf/rdf11/rdf-n-triples" -name '*.nt' ;;
    nquads) copy "$w3c/rdf/rdf11/rdf-n-quads" -name '*.nq' ;;
    turtle) copy "$w3c/rdf/rdf11/rdf-turtle" -name '*.ttl' ;;
    trig) copy "$w3c/rdf/rdf11/rdf-trig" -name '*.trig' ;;
    rdfxml) copy "$w3c/rdf/rdf11/rdf-xml" -name '*.rdf' ;;
    sparql_query) copy "$w3c/sparql/sparql11" "$w3c/sparql/sparql10" -name '*.rq' ;;
    sparql_update) copy "$w3c/sparql/sparql11" -name '*.ru' ;;
    expression)  # the FILTER and BIND expressions of the query suites, one per file
      local n=0
      while IFS= read -r e; do
        printf '%s' "$e" >"$dir/e$((n++))"
      done < <(grep -rhoE '(FILTER|BIND) *\(.*\)' --include='*.rq' "$w3c/sparql" 2>/dev/null |
        sed -E 's/^(FILTER|BIND) *//; s/ AS \?[A-Za-z0-9_]+\)$/)/' | sort -u)
      ;;
  esac
  # Saved regressions too, except the known open ones: a seed that crashes stops the run before it starts.
  local file
  for file in tests/fuzz/regressions/"$target"/*; do
    [[ -f $file ]] || continue
    grep -q "^$target/$(basename "$file") " tests/fuzz/regressions/known_open.txt || cp "$file" "$dir"/
  done
}

dictionary() {
  case $1 in
    ntriples | nquads | turtle | trig | nesting_turtle) echo "-dict=$repo/tests/fuzz/turtle.dict" ;;
    rdfxml) echo "-dict=$repo/tests/fuzz/rdfxml.dict" ;;
    sparql_query | sparql_update | expression) echo "-dict=$repo/tests/fuzz/sparql.dict" ;;
    http_request) echo "-dict=$repo/tests/fuzz/http.dict" ;;
  esac
}

run() {
  local target=$1
  mkdir -p "$work/corpus/$target" "$work/artifacts/$target" "$work/logs"
  seed "$target"
  local options=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
    -artifact_prefix="$work/artifacts/$target/" $(dictionary "$target"))
  ((keep_going)) && options+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  [[ -n ${QUIVER_FUZZ_SEED:-} ]] && options+=(-seed="$QUIVER_FUZZ_SEED")
  [[ -n ${QUIVER_FUZZ_RUNS:-} ]] && options+=(-runs="$QUIVER_FUZZ_RUNS")
  local before
  before=$(find "$work/artifacts/$target" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
  local status=0
  (cd "$work" && nice -n 10 "$repo/$build/tests/fuzz/fuzz_$target" "${options[@]}" \
    "$work/corpus/$target" "$work/seeds/$target" >"$work/logs/$target.log" 2>&1) || status=$?
  local found
  found=$(find "$work/artifacts/$target" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
  local stats
  stats=$(grep -E '^#[0-9]+.*(cov|ft):' "$work/logs/$target.log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+|corp: [0-9]+' | tr '\n' ' ' || true)
  local execs
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$work/logs/$target.log" | tail -1 | grep -oE '[0-9]+$' || true)
  if ((status != 0 || found > before)); then
    echo "FAIL $target (exit $status) -- log $work/logs/$target.log"
    grep -E 'ERROR: |INVARIANT VIOLATED|SUMMARY' "$work/logs/$target.log" | head -5 | sed 's/^/    /'
    find "$work/artifacts/$target" -type f -newer "$work/logs/.start" ! -name 'slow-unit-*' | sed 's/^/    reproducer: /'
    return 1
  fi
  echo "ok   $target: ${execs:-?} runs in ${seconds}s, $stats"
}

mkdir -p "$work/logs"
touch "$work/logs/.start"
echo "== fuzzing ${#targets[@]} targets for ${seconds}s each, $parallel at a time"
failed=0
running=0
for target in "${targets[@]}"; do
  if ((running >= parallel)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run "$target" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
if ((failed)); then
  echo "fuzzing found problems: replay a reproducer with $build/tests/fuzz/fuzz_<target> <file>; save it under" \
    "tests/fuzz/regressions/<target>/ once understood"
  exit 1
fi
echo "fuzzing found nothing"
