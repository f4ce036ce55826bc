#!/usr/bin/env bash
# The query mix over HTTP: every query of bench/queries/*.rq sent to each of the four servers of
# bench/http/servers.sh (Quiver, Oxigraph, Fuseki, Virtuoso) holding the same clinical graph of TRIPLES
# triples, by GET, answers as SPARQL CSV, one after the other in one run. For each server, started afresh
# and left two seconds to settle (a server's first requests may wait for its start-up to end):
#   cold ms   the query's first run after the server's start (the operating system's page cache is warm)
#   warm ms   the median of RUNS runs after it
# A run is stopped after QUERY_TIMEOUT seconds (default 120) and shown as "timeout"; a non-2xx answer shows
# as "error". Last columns: Quiver's rows, whether the row counts of the servers that answered agree, and
# quiver/best peer (warm), whose geometric mean closes the table.
#   bench/http_mix_bench.sh [TRIPLES] [WORK_DIR] [RUNS]   (defaults 5000000, ./bench-work, 5)
#   env: SERVERS="quiver oxigraph fuseki virtuoso", QUERY_TIMEOUT=SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
runs=${3:-5}
limit=${QUERY_TIMEOUT:-120}
servers=${SERVERS:-quiver oxigraph fuseki virtuoso}
source bench/http/servers.sh  # installs, builds, and makes the data when missing

queries=(bench/queries/*.rq)
results=$work/http-mix
rm -rf "$results" && mkdir -p "$results"

# run_once QUERY_FILE: prints "MS ROWS", or "timeout -" / "error -".
run_once() {
  local out status
  out=$(curl -s -G -o "$results/answer.csv" -w '%{http_code} %{time_total}' --max-time "$limit" \
    -H 'Accept: text/csv' ${dataset:+--data-urlencode "default-graph-uri=$dataset"} \
    --data-urlencode "query@$1" "$url") || { echo "timeout -"; return; }
  status=${out%% *}
  [[ $status == 2* ]] || { echo "error -"; return; }
  echo "$(awk -v t="${out#* }" 'BEGIN { printf "%.2f", t * 1000 }') $(($(wc -l <"$results/answer.csv") - 1))"
}

for server in $servers; do
  echo "== $server" >&2
  start_server "$server"
  sleep 2
  for q in "${queries[@]}"; do
    name=$(basename "$q" .rq)
    read -r cold rows < <(run_once "$q")
    samples=()
    if [[ $cold != timeout && $cold != error ]]; then
      for _ in $(seq 1 "$runs"); do
        read -r ms _ < <(run_once "$q")
        samples+=("$ms")
      done
    fi
    warm=$(printf '%s\n' "${samples[@]:-$cold}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$name $cold $warm $rows" >>"$results/$server"
  done
  stop_server "$server"
done

# The table: a row per query, cold and warm per server.
{
  printf '%-44s' query
  for s in $servers; do printf ' %10s %10s' "$s cold" "$s warm"; done
  printf ' %8s %6s %9s\n' rows agree quiver/best
  for q in "${queries[@]}"; do
    name=$(basename "$q" .rq)
    printf '%-44s' "$name"
    best="" quiver_warm="" counts=()
    for s in $servers; do
      read -r _ cold warm rows < <(grep "^$name " "$results/$s")
      printf ' %10s %10s' "$cold" "$warm"
      counts+=("$rows")
      if [[ $s == quiver ]]; then
        quiver_warm=$warm
      elif [[ $warm =~ ^[0-9.]+$ ]] && { [[ -z $best ]] || awk -v a="$warm" -v b="$best" 'BEGIN { exit !(a < b) }'; }; then
        best=$warm
      fi
    done
    agree=yes
    for c in "${counts[@]}"; do [[ $c =~ ^[0-9]+$ && $c != "${counts[0]}" ]] && agree=NO; done
    # Three significant digits: a ratio rounded to 0.00 would sink the geometric mean.
    ratio=$(awk -v a="$quiver_warm" -v b="$best" 'BEGIN { if (a ~ /^[0-9.]+$/ && b > 0) printf "%.3g", a / b; else print "-" }')
    printf ' %8s %6s %9s\n' "${counts[0]}" "$agree" "$ratio"
  done
} | tee "$work/http-mix.table"
awk 'NR > 1 && $NF ~ /^[0-9.]+$/ { p += log($NF); n++ } END { if (n) printf "\ngeometric mean of quiver/best peer (warm): %.2f over %d queries\n", exp(p / n), n }' \
  "$work/http-mix.table"
echo "Query mix over HTTP: $triples triples, warm = median of $runs runs after the first (cold) one"
