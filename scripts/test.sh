#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite: once in a normal build and once under
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included), then the concurrency tests under
# ThreadSanitizer, then every fuzz target for a short while (scripts/fuzz.sh, clang). Exits non-zero on any
# failure.
#   scripts/test.sh              all four
#   scripts/test.sh --fast       the normal build only
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

export QUIVER_W3C_DIR=${QUIVER_W3C_DIR:-$(cd .. && pwd)/shared/w3c}
if [[ ! -d "$QUIVER_W3C_DIR/rdf" ]]; then
  echo "WARNING: the W3C test suites are not at $QUIVER_W3C_DIR; the conformance tests will fail." >&2
  echo "         Set QUIVER_W3C_DIR to the folder holding rdf/ and sparql/." >&2
fi

run_suite() {
  local dir=$1
  shift
  bash scripts/build.sh "$dir" "$@"
  (cd "$dir" && ctest --output-on-failure -j 2)
}

echo "== tests (RelWithDebInfo)"
run_suite build
if [[ "${1:-}" != "--fast" ]]; then
  echo "== tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
    run_suite build-asan -DQUIVER_SANITIZE=ON -DQUIVER_BUILD_BENCH=OFF
  echo "== concurrency tests under ThreadSanitizer"
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIVER_SANITIZE_THREAD=ON \
    -DQUIVER_BUILD_BENCH=OFF >/dev/null
  cmake --build build-tsan -j "$(nproc)" --target concurrency_test
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
    build-tsan/tests/concurrency_test
  echo "== fuzzing (scripts/fuzz.sh, ${QUIVER_FUZZ_SECONDS:-30} s per target)"
  QUIVER_FUZZ_SEED=${QUIVER_FUZZ_SEED:-1} QUIVER_FUZZ_RUNS=${QUIVER_FUZZ_RUNS:-20000} \
    bash scripts/fuzz.sh "${QUIVER_FUZZ_SECONDS:-30}"
fi
