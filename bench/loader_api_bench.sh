#!/usr/bin/env bash
# A load job through the HTTP loader API against `quiver load`: the same clinical N-Triples file of TRIPLES
# triples into an empty store, one after the other in one run, RUNS times each alternately (the machine's
# noise is large):
#   quiver load   the command, timed whole (the store's open and close included)
#   /loader       POST /loader to a `quiver serve` on an empty store (--data-root the file's folder), timed
#                 from the POST until GET /loader/ID says LOAD_COMPLETED (polled every 100 ms)
# Prints each run's seconds and triples/s, the medians, and /loader's time over quiver load's.
#   bench/loader_api_bench.sh [TRIPLES] [WORK_DIR] [RUNS]   (defaults 5000000, ./bench-work, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
runs=${3:-3}
bash scripts/install-deps.sh
bash scripts/build.sh build >/dev/null
build=$(pwd)/build
data=$work/clinical-part0.nt
[[ -f $data ]] || "$build/bench/quiver-gen" --triples "$triples" --part 0 --out "$data"
port=13205
server=""
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$work/loader-bench-db"' EXIT

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Each run sets `took` (run in this shell, not a subshell: the EXIT trap must see the server it starts).
cli_run() {
  rm -rf "$work/loader-bench-db"
  local start
  start=$(now)
  "$build/quiver" load -q --db "$work/loader-bench-db" "$data" >/dev/null
  took=$(seconds_since "$start")
}

api_run() {
  rm -rf "$work/loader-bench-db"
  "$build/quiver" serve --db "$work/loader-bench-db" --port "$port" --data-root "$work" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
  local start id status
  start=$(now)
  id=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"source\": \"$(basename "$data")\", \"format\": \"ntriples\"}" "http://127.0.0.1:$port/loader" |
    grep -o '"loadId": *"[^"]*"' | cut -d'"' -f4)
  while :; do
    status=$(curl -s "http://127.0.0.1:$port/loader/$id" | grep -o '"status": *"LOAD_[A-Z_]*"' | head -1 | cut -d'"' -f4)
    [[ $status == LOAD_COMPLETED ]] && break
    [[ $status == LOAD_IN_PROGRESS || $status == LOAD_IN_QUEUE ]] || { echo "the load job ended $status" >&2; exit 1; }
    sleep 0.1
  done
  took=$(seconds_since "$start")
  kill "$server"; wait "$server" 2>/dev/null || true
  server=""
}

cli=() api=()
printf '%-6s %14s %14s\n' run "quiver load s" "/loader s"
for i in $(seq 1 "$runs"); do
  cli_run
  cli+=("$took")
  api_run
  api+=("$took")
  printf '%-6s %14s %14s\n' "$i" "${cli[-1]}" "${api[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
c=$(median "${cli[@]}") a=$(median "${api[@]}")
printf '%-6s %14s %14s\n' median "$c" "$a"
awk -v n="$triples" -v c="$c" -v a="$a" 'BEGIN {
  printf "quiver load %.0f triples/s, /loader %.0f triples/s: /loader takes %.2fx the time of quiver load\n", n / c, n / a, a / c }'
