#!/usr/bin/env bash
# Query benchmark: the query mix in bench/queries over the generated 5M-triple clinical graph, in Quiver and in
# Virtuoso (Debian's virtuoso-opensource) in the same run. Both are timed in the server/process (Quiver by
# quiver-query-bench in process; Virtuoso by a stored procedure around exec()), the same way: a sample runs the
# query back to back until 50 ms have passed and gives the mean time per run (Virtuoso's clock counts whole
# milliseconds, too coarse for one run of a 0.2 ms query); the figure is the median of RUNS samples taken
# after a second of uncounted warm-up runs, when each system's caches hold what the query reads.
# Row counts (and single values) must agree. Prints a table with the ratio Quiver/Virtuoso.
#   bench/query_bench.sh [TRIPLES] [WORK_DIR] [RUNS]     (defaults 5000000, ./bench-work, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
runs=${3:-5}
bash scripts/install-deps.sh --bench
bash scripts/build.sh build >/dev/null
source bench/virtuoso.sh

data=$work/clinical-part0.nt
[[ -f $data ]] || build/bench/quiver-gen --triples "$triples" --part 0 --out "$data"
if [[ ! -d $work/quiver-query-db ]]; then
  build/quiver load -q --db "$work/quiver-query-db" "$data"
fi

virtuoso_start "$work/virtuoso-query" 13112 "$work" keep
trap virtuoso_stop EXIT
graph=http://bench.quiver/
if [[ "$(virtuoso_sql "SPARQL SELECT COUNT(*) FROM <$graph> WHERE { ?s ?p ?o };" | grep -Eo '^[0-9]+' | head -1)" != "$triples" ]]; then
  echo "== loading $data into Virtuoso"
  virtuoso_sql "ld_dir('$work', 'clinical-part0.nt', '$graph'); rdf_loader_run(); checkpoint;" >/dev/null
fi
# isql takes a procedure body from standard input (its exec= option splits statements at every ';').
isql-vt "$VIRTUOSO_PORT" dba dba >/dev/null <<'SQL'
create procedure quiver_bench (in q varchar, in ms integer) {
  declare t, n, elapsed, st, msg, meta, rows any;
  n := 0;
  elapsed := 0;
  t := msec_time();
  while (elapsed < ms) {
    st := '00000';
    exec (q, st, msg, vector(), 0, meta, rows);
    if (st <> '00000') return sprintf('error %s', msg);
    n := n + 1;
    elapsed := msec_time() - t;
  }
  return sprintf('%.3f %d %s', cast(elapsed as double precision) / n, length(rows),
                 case when length(rows) = 1 and length(rows[0]) = 1 then cast(rows[0][0] as varchar) else '' end);
};
SQL

# Virtuoso's side: the same query with its default graph set to the loaded graph.
virtuoso_time() {
  local q sql times=() out rows value
  q=$(sed "1i DEFINE input:default-graph-uri <$graph>" "$1" | tr '\n' ' ' | sed "s/'/''/g")
  for i in $(seq 0 "$runs"); do
    out=$(virtuoso_sql "select quiver_bench('SPARQL $q', $([[ $i == 0 ]] && echo 1000 || echo 50));" |
      grep -E '^(error|[0-9.]+ [0-9]+)' | head -1)
    [[ $out == error* ]] && { echo "error"; return; }
    read -r ms rows value <<<"$out"
    times+=("$ms")
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${times[@]:1}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$rows" "${value:-}"
}

printf '\n%-26s %12s %12s %8s %10s %s\n' "query ($triples triples)" "quiver ms" "virtuoso ms" "ratio" "rows" "agree"
product=1
count=0
# One query at a time, Quiver then Virtuoso, so both run on an otherwise idle machine in the same phase of
# its (noisy) speed; each Quiver run opens the store and warms it up first, as Virtuoso is.
for file in bench/queries/*.rq; do
  read -r _ q_ms q_rows q_value < <(build/bench/quiver-query-bench "$work/quiver-query-db" "$runs" "$file")
  name=$(basename "$file" .rq)
  if [[ $q_ms == error ]]; then
    printf '%-26s %12s\n' "$name" "quiver error: $q_rows $q_value"
    continue
  fi
  read -r v_ms v_rows v_value < <(virtuoso_time "$file")
  agree=yes
  [[ "$q_rows" != "$v_rows" || "$q_value" != "$v_value" ]] && agree="NO (virtuoso: $v_rows rows ${v_value})"
  ratio=$(awk -v q="$q_ms" -v v="$v_ms" 'BEGIN { printf "%.2f", q / v }')
  product=$(awk -v p="$product" -v r="$ratio" 'BEGIN { print p * (r > 0 ? r : 0.01) }')
  count=$((count + 1))
  printf '%-26s %12.3f %12.3f %8s %10s %s\n' "$name" "$q_ms" "$v_ms" "$ratio" "$q_rows" "$agree"
done
awk -v p="$product" -v n="$count" 'BEGIN { printf "\ngeometric mean of quiver/virtuoso ratios: %.2f\n", p ^ (1 / n) }'
