#!/usr/bin/env bash
# Full-text search on the generated clinical graph of TRIPLES triples (its titles, abstracts and labels):
# Quiver's embedded index through SERVICE neptune-fts:search beside Virtuoso's bif:contains over its
# free-text index of the same literals, the same words, in one run, both over HTTP (bench/fts/: each
# query's Quiver and Virtuoso forms; the fuzzy query has no Virtuoso form). Every query joins the 100 best
# hits to a 2-pattern graph query. Per query: the median of RUNS runs after one warm-up, in milliseconds,
# and quiver/virtuoso. Also what the index costs: the load's time with and without bringing the index up
# to date, and the time Virtuoso takes to build its free-text index.
#   bench/fts_bench.sh [TRIPLES] [WORK_DIR] [RUNS]   (defaults 5000000, ./bench-work, 9)
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
runs=${3:-9}
source bench/http/servers.sh  # installs, builds, and makes the data when missing

# The index's cost at load time, measured on a fresh store (the query store is kept for the servers).
rm -rf "$work/quiver-fts-load"
load_out=$("$build/quiver" load --db "$work/quiver-fts-load" "$data" 2>/dev/null)
rm -rf "$work/quiver-fts-load"
load_s=$(sed -n 's/^loaded .* in \([0-9.]*\) s:.*/\1/p' <<<"$load_out")
index_s=$(sed -n 's/^full-text index brought up to date in \([0-9.]*\) s/\1/p' <<<"$load_out")

# median_ms QUERY_FILE: the median time of `runs` runs after one warm-up; "error" for a non-2xx answer.
median_ms() {
  local samples=() out
  for i in $(seq 0 "$runs"); do
    out=$(curl -s -G -o "$work/fts-answer.csv" -w '%{http_code} %{time_total}' --max-time 120 \
      -H 'Accept: text/csv' ${dataset:+--data-urlencode "default-graph-uri=$dataset"} \
      --data-urlencode "query@$1" "$url") || { echo timeout; return; }
    [[ ${out%% *} == 2* ]] || { echo error; return; }
    ((i == 0)) || samples+=("$(awk -v t="${out#* }" 'BEGIN { printf "%.2f", t * 1000 }')")
  done
  printf '%s\n' "${samples[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A quiver_ms virtuoso_ms quiver_rows
queries=(bench/fts/*.quiver.rq)
start_server quiver
for q in "${queries[@]}"; do
  name=$(basename "$q" .quiver.rq)
  quiver_ms[$name]=$(median_ms "$q")
  quiver_rows[$name]=$(($(wc -l <"$work/fts-answer.csv") - 1))
done
stop_server quiver

start_server virtuoso
# Virtuoso indexes the literals it is told to: every literal of the graph, built once and kept (a marker
# file beside its database says so).
if [[ ! -f $work/virtuoso-query/fts-built ]]; then
  ft_start=$(date +%s.%N)
  virtuoso_sql "DB.DBA.RDF_OBJ_FT_RULE_ADD (null, null, 'quiver_fts_bench'); DB.DBA.VT_INC_INDEX_DB_DBA_RDF_OBJ (); checkpoint;" >/dev/null
  virtuoso_ft_s=$(awk -v a="$ft_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')
  touch "$work/virtuoso-query/fts-built"
else
  virtuoso_ft_s="built in an earlier run, not measured"
fi
for q in "${queries[@]}"; do
  name=$(basename "$q" .quiver.rq)
  v=bench/fts/$name.virtuoso.rq
  virtuoso_ms[$name]=$([[ -f $v ]] && median_ms "$v" || echo "-")
done
stop_server virtuoso

echo
echo "Load of $triples triples: ${load_s} s into the store, then ${index_s} s bringing the full-text index up to date" \
  "($(awk -v l="$load_s" -v i="$index_s" 'BEGIN { printf "%.0f", 100 * i / l }')% extra)."
echo "Virtuoso's free-text index of the same literals: ${virtuoso_ft_s}."
echo
printf '%-28s %12s %12s %14s %8s\n' query "quiver ms" "virtuoso ms" quiver/virtuoso rows
for q in "${queries[@]}"; do
  name=$(basename "$q" .quiver.rq)
  a=${quiver_ms[$name]}
  b=${virtuoso_ms[$name]}
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }')
  printf '%-28s %12s %12s %14s %8s\n' "$name" "$a" "$b" "$ratio" "${quiver_rows[$name]}"
done
