#!/usr/bin/env bash
# Query benchmark: the query mixes over two generated graphs of TRIPLES triples each, in Quiver and in
# Virtuoso (Debian's virtuoso-opensource) in the same run:
#   clinical    bench/queries/*.rq             over quiver-gen's clinical knowledge graph (one deep hierarchy)
#   university  bench/queries/university/*.rq  over quiver-gen-university's graph (LUBM-like hubs and cycles)
# Each shape has its own Quiver store and its own Virtuoso graph (one Virtuoso database holds both).
#
# Columns, per query:
#   quiver ms    in process (quiver-query-bench): a sample runs the query back to back until 50 ms have passed
#                and gives the mean time per run; the figure is the median of RUNS samples taken after a
#                second (and at least ten runs, unless they take ten seconds) of uncounted warm-up runs,
#                when the caches hold what the query reads (bench/query_bench.cpp has these figures);
#   cli ms       `quiver query` as a new process, the store's open included: the whole command timed, median
#                of RUNS runs after one uncounted run (the operating system's page cache is warm, the
#                process's caches are not);
#   base ms, base cli ms, quiver/base   the same two figures for a second build when QUIVER_BASELINE_BUILD
#                names its build directory (its bench/quiver-query-bench and quiver, on the same stores), for
#                before/after figures in one run;
#   virtuoso ms  server-side, sampled as Quiver in process (a stored procedure around exec(); its clock counts
#                whole milliseconds, too coarse for one run of a 0.2 ms query);
#   ratio        quiver ms / virtuoso ms;  rows: Quiver's row count; agree: row counts (and single values)
#                agree with Virtuoso's, and with the CLI's and the baseline's.
# Each measurement (all runs of one query by one system) is stopped after QUERY_TIMEOUT seconds (default 300)
# and shown as "timeout"; errors show as "error". Neither stops the run; such queries are left out of the
# geometric means, which say how many were left out.
#   bench/query_bench.sh [TRIPLES] [WORK_DIR] [RUNS]     (defaults 5000000, ./bench-work, 5)
#   env: QUIVER_BASELINE_BUILD=DIR, QUERY_TIMEOUT=SECONDS, SHAPES="clinical university"
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
runs=${3:-5}
limit=${QUERY_TIMEOUT:-300}
port=13112
shapes=${SHAPES:-clinical university}
baseline=""
if [[ -n "${QUIVER_BASELINE_BUILD:-}" ]]; then
  baseline=$(cd "$QUIVER_BASELINE_BUILD" && pwd)
  [[ -x $baseline/quiver && -x $baseline/bench/quiver-query-bench ]] ||
    { echo "QUIVER_BASELINE_BUILD: no quiver and bench/quiver-query-bench in $baseline" >&2; exit 1; }
fi
bash scripts/install-deps.sh --bench
bash scripts/build.sh build >/dev/null
build=$(pwd)/build
# Virtuoso is sampled as Quiver in process is: the same uncounted warm-up, the same sample length.
read -r warm_up_ms warm_up_runs warm_up_max_ms sample_ms < <("$build/bench/quiver-query-bench" --sampling)
source bench/virtuoso.sh

# Per shape: data file, Quiver store, Virtuoso graph and queries. The clinical names are the ones
# bench/update_bench.sh reuses.
shape_data() { case $1 in clinical) echo clinical-part0.nt ;; university) echo university.nt ;; esac; }
shape_store() { case $1 in clinical) echo "$work/quiver-query-db" ;; university) echo "$work/quiver-university-db" ;; esac; }
shape_graph() { case $1 in clinical) echo http://bench.quiver/ ;; university) echo http://bench.quiver/university/ ;; esac; }
shape_queries() { case $1 in clinical) echo bench/queries/*.rq ;; university) echo bench/queries/university/*.rq ;; esac; }
generate() {
  case $1 in
    clinical) "$build/bench/quiver-gen" --triples "$triples" --part 0 --out "$2" ;;
    university) "$build/bench/quiver-gen-university" --triples "$triples" --out "$2" ;;
  esac
}

for shape in $shapes; do
  data=$work/$(shape_data "$shape")
  [[ -f $data ]] || generate "$shape" "$data"
  [[ -d $(shape_store "$shape") ]] || "$build/quiver" load -q --db "$(shape_store "$shape")" "$data"
done

virtuoso_start "$work/virtuoso-query" "$port" "$work" keep
trap virtuoso_stop EXIT
load_virtuoso() {
  local graph file
  for shape in $shapes; do
    graph=$(shape_graph "$shape")
    file=$(shape_data "$shape")
    if [[ "$(virtuoso_sql "SPARQL SELECT COUNT(*) FROM <$graph> WHERE { ?s ?p ?o };" | grep -Eo '^[0-9]+' | head -1)" != "$triples" ]]; then
      echo "== loading $file into Virtuoso"
      virtuoso_sql "ld_dir('$work', '$file', '$graph'); rdf_loader_run(); checkpoint;" >/dev/null
    fi
  done
  # isql takes a procedure body from standard input (its exec= option splits statements at every ';').
  isql-vt "$VIRTUOSO_PORT" dba dba >/dev/null <<'SQL'
create procedure quiver_bench (in q varchar, in ms integer, in min_runs integer, in max_ms integer) {
  declare t, n, elapsed, st, msg, meta, rows any;
  n := 0;
  elapsed := 0;
  t := msec_time();
  while (elapsed < ms or (n < min_runs and elapsed < max_ms)) {
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
}
load_virtuoso

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Virtuoso's side: "MS ROWS [VALUE]", "timeout" or "error", for query file $1 over graph $2. A query that
# runs past the limit cannot be cancelled from isql, so the server is killed and restarted (the database
# is only read after its load and checkpoint).
virtuoso_time() {
  local q times=() out ms rows value deadline=$((SECONDS + limit))
  # Comment lines are dropped: the query is sent on one line.
  q=$(sed -e '/^[[:space:]]*#/d' -e "1i DEFINE input:default-graph-uri <$2>" "$1" | tr '\n' ' ' | sed "s/'/''/g")
  for i in $(seq 0 "$runs"); do
    if ! out=$(timeout $((deadline - SECONDS > 1 ? deadline - SECONDS : 1)) isql-vt "$VIRTUOSO_PORT" dba dba \
      exec="select quiver_bench('SPARQL $q', $([[ $i == 0 ]] && echo "$warm_up_ms, $warm_up_runs, $warm_up_max_ms" || echo "$sample_ms, 1, 0"));" 2>&1); then
      if [[ $SECONDS -ge $deadline ]]; then
        # Restarted before the answer is printed: the caller reads it as soon as it is, and goes on.
        virtuoso_kill
        virtuoso_start "$work/virtuoso-query" "$port" "$work" keep
        load_virtuoso >/dev/null
        echo timeout
        return
      fi
    fi
    out=$(grep -E '^(error|[0-9.]+ [0-9]+)' <<<"$out" | head -1)
    [[ -z $out || $out == error* ]] && { echo error; return; }
    read -r ms rows value <<<"$out"
    times+=("$ms")
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${times[@]:1}" | median)" "$rows" "${value:-}"
}

# In process: "MS ROWS [VALUE]", "timeout" or "error MESSAGE", for build dir $1, store $2, query $3.
inprocess_time() {
  local out status=0
  out=$(timeout "$limit" "$1/bench/quiver-query-bench" "$2" "$runs" "$3" 2>&1) || status=$?
  if [[ $status == 124 ]]; then echo timeout; return; fi
  out=$(grep -F "$3 " <<<"$out" | head -1)
  [[ -n $out ]] || { echo "error exit status $status"; return; }
  cut -d' ' -f2- <<<"$out"
}

# `quiver query` as a new process: "MS ROWS [VALUE]", "timeout" or "error", for build dir $1, store $2,
# query $3. The first, uncounted run gives the rows; the others go to /dev/null.
cli_time() {
  local out err times=() start status=0 deadline=$((SECONDS + limit)) rows value=""
  out=$(mktemp)
  err=$(mktemp)
  timeout "$limit" "$1/quiver" query --db "$2" --timeout "$limit" --format tsv --file "$3" >"$out" 2>"$err" ||
    status=$?
  rows=$(($(wc -l <"$out") - 1))  # less the header line
  # A single number: TSV writes xsd:integer bare and other literals in full; compare the lexical form.
  [[ $rows == 1 ]] && value=$(sed -n '2p' "$out" | awk -F'\t' 'NF == 1 { print $1 }' | sed 's/^"\(.*\)"^^.*$/\1/')
  rm -f "$out"
  if [[ $status != 0 ]]; then
    if [[ $status == 124 ]] || grep -q timeout "$err"; then echo timeout; else echo error; fi
    rm -f "$err"
    return
  fi
  rm -f "$err"
  for _ in $(seq 1 "$runs"); do
    [[ $SECONDS -lt $deadline ]] || { echo timeout; return; }
    start=$(date +%s%N)
    "$1/quiver" query --db "$2" --timeout "$limit" --format tsv --file "$3" >/dev/null 2>&1 || { echo error; return; }
    times+=("$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.3f", ns / 1e6 }')")
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${times[@]}" | median)" "$rows" "$value"
}

# A timing's first word when it is a number, else what went wrong.
fmt() { [[ $1 =~ ^[0-9.]+$ ]] && printf '%.3f' "$1" || printf '%s' "$1"; }
ratio() { [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }' || echo -; }

all_product=1
all_count=0
all_failed=0
for shape in $shapes; do
  store=$(shape_store "$shape")
  graph=$(shape_graph "$shape")
  printf '\n== %s (%s triples)\n%-44s %10s %10s' "$shape" "$triples" query "quiver ms" "cli ms"
  [[ -n $baseline ]] && printf ' %10s %12s %8s' "base ms" "base cli ms" "q/base"
  printf ' %12s %8s %10s %s\n' "virtuoso ms" ratio rows agree
  product=1
  count=0
  failed=0
  base_product=1
  base_count=0
  # One query at a time, each system in turn, so all run on an otherwise idle machine in the same phase of
  # its (noisy) speed; each in-process run opens the store and warms it up first, as Virtuoso is.
  for file in $(shape_queries "$shape"); do
    name=$(basename "$file" .rq)
    read -r q_ms q_rows q_value < <(inprocess_time "$build" "$store" "$file")
    read -r c_ms c_rows c_value < <(cli_time "$build" "$store" "$file")
    if [[ -n $baseline ]]; then
      read -r b_ms b_rows b_value < <(inprocess_time "$baseline" "$store" "$file")
      read -r bc_ms _ _ < <(cli_time "$baseline" "$store" "$file")
    fi
    read -r v_ms v_rows v_value < <(virtuoso_time "$file" "$graph")
    agree=yes
    if [[ $q_ms =~ ^[0-9.]+$ ]]; then
      [[ $v_ms =~ ^[0-9.]+$ && ("$q_rows" != "$v_rows" || "$q_value" != "$v_value") ]] &&
        agree="NO (virtuoso: $v_rows rows ${v_value})"
      [[ $c_ms =~ ^[0-9.]+$ && "$q_rows" != "$c_rows" ]] && agree="NO (cli: $c_rows rows)"
      [[ -n $baseline && $b_ms =~ ^[0-9.]+$ && ("$q_rows" != "$b_rows" || "$q_value" != "$b_value") ]] &&
        agree="NO (baseline: $b_rows rows ${b_value})"
    else
      agree="- (quiver: $q_ms $q_rows $q_value)"
    fi
    r=$(ratio "$q_ms" "$v_ms")
    if [[ $r == - ]]; then
      failed=$((failed + 1))
    else
      product=$(awk -v p="$product" -v a="$q_ms" -v b="$v_ms" 'BEGIN { print p * a / b }')  # unrounded
      count=$((count + 1))
    fi
    printf '%-44s %10s %10s' "$name" "$(fmt "$q_ms")" "$(fmt "$c_ms")"
    if [[ -n $baseline ]]; then
      br=$(ratio "$q_ms" "$b_ms")
      if [[ $br != - ]]; then
        base_product=$(awk -v p="$base_product" -v a="$q_ms" -v b="$b_ms" 'BEGIN { print p * a / b }')
        base_count=$((base_count + 1))
      fi
      printf ' %10s %12s %8s' "$(fmt "$b_ms")" "$(fmt "$bc_ms")" "$br"
    fi
    printf ' %12s %8s %10s %s\n' "$(fmt "$v_ms")" "$r" "${q_rows:-}" "$agree"
  done
  awk -v p="$product" -v n="$count" -v f="$failed" -v s="$shape" \
    'BEGIN { printf "%s: geometric mean of quiver/virtuoso ratios: %.2f over %d queries (%d left out)\n", s, n ? p ^ (1 / n) : 0, n, f }'
  [[ -n $baseline ]] && awk -v p="$base_product" -v n="$base_count" -v s="$shape" \
    'BEGIN { printf "%s: geometric mean of quiver/baseline ratios (in process): %.2f over %d queries\n", s, n ? p ^ (1 / n) : 0, n }'
  all_product=$(awk -v a="$all_product" -v p="$product" 'BEGIN { print a * p }')
  all_count=$((all_count + count))
  all_failed=$((all_failed + failed))
done
awk -v p="$all_product" -v n="$all_count" -v f="$all_failed" \
  'BEGIN { printf "\noverall geometric mean of quiver/virtuoso ratios: %.2f over %d queries (%d left out)\n", n ? p ^ (1 / n) : 0, n, f }'
