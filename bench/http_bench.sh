#!/usr/bin/env bash
# HTTP benchmark: point queries (every triple of one random subject, SPARQL JSON) from CONNECTIONS concurrent
# clients (wrk, bench/http/point_query.lua) for SECONDS, against four servers holding the same clinical graph
# of TRIPLES triples, one after the other in one run:
#   quiver     quiver serve (its store made by quiver load)
#   oxigraph   Oxigraph's server, read-only (PyPI oxigraph, in .venv/)
#   fuseki     Apache Jena Fuseki 5.6.0 over TDB2 (Maven Central, bench/http/fuseki/pom.xml; Java 17)
#   virtuoso   Debian's Virtuoso, its SPARQL endpoint
# Each server gets an uncounted warm-up of WARMUP seconds first. Columns: queries/s, p50 and p99 latency (wrk's
# own figures), errors (non-2xx answers and socket errors: a run with any is marked), and quiver's queries/s
# over the server's. Every server is also asked one subject's triples, and the row counts must agree.
#   bench/http_bench.sh [TRIPLES] [WORK_DIR] [SECONDS] [CONNECTIONS]   (defaults 5000000, ./bench-work, 30, 32)
#   env: WARMUP=SECONDS (10), SERVERS="quiver oxigraph fuseki virtuoso", THREADS=N (wrk threads, 2)
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
seconds=${3:-30}
connections=${4:-32}
warmup=${WARMUP:-10}
servers=${SERVERS:-quiver oxigraph fuseki virtuoso}
wrk_threads=${THREADS:-2}
bash scripts/install-deps.sh --bench
bash scripts/build.sh build >/dev/null
build=$(pwd)/build
source bench/virtuoso.sh

data=$work/clinical-part0.nt
[[ -f $data ]] || "$build/bench/quiver-gen" --triples "$triples" --part 0 --out "$data"
subjects=$work/http-subjects.txt
[[ -f $subjects ]] || awk '$1 ~ /^</ { s = substr($1, 2, length($1) - 2); if (!(s in seen)) { seen[s] = 1; print s } }' "$data" |
  shuf -n 10000 --random-source=<(yes) >"$subjects"
probe_subject=$(head -1 "$subjects")

pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  virtuoso_stop
}
trap stop_servers EXIT

wait_for() {  # URL: until it answers
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "$1" && return 0
    sleep 1
  done
  echo "no answer from $1" >&2
  return 1
}

# Starts the server NAME and sets `url` to its query URL.
start_server() {
  case $1 in
    quiver)
      [[ -d $work/quiver-query-db ]] || "$build/quiver" load -q --db "$work/quiver-query-db" "$data"
      "$build/quiver" serve --db "$work/quiver-query-db" --read-only --port 13201 \
        >"$work/quiver-serve.log" 2>&1 &
      pids+=($!)
      wait_for http://127.0.0.1:13201/health
      url=http://127.0.0.1:13201/sparql
      ;;
    oxigraph)
      if [[ ! -d $work/oxigraph-db ]]; then
        echo "== loading Oxigraph" >&2
        .venv/bin/oxigraph load --location "$work/oxigraph-db" --file "$data" >&2
        .venv/bin/oxigraph optimize --location "$work/oxigraph-db" >&2  # as its loader advises for reading
      fi
      .venv/bin/oxigraph serve-read-only --location "$work/oxigraph-db" --bind 127.0.0.1:13202 \
        >"$work/oxigraph.log" 2>&1 &
      pids+=($!)
      wait_for http://127.0.0.1:13202/
      url=http://127.0.0.1:13202/query
      ;;
    fuseki)
      local cp=$work/fuseki-classpath.txt
      [[ -f $cp ]] || mvn -q -B -f bench/http/fuseki/pom.xml dependency:build-classpath -Dmdep.outputFile="$cp" >&2
      if [[ ! -d $work/fuseki-tdb2 ]]; then
        echo "== loading Fuseki's TDB2" >&2
        java -cp "$(cat "$cp")" tdb2.tdbloader --loc "$work/fuseki-tdb2" "$data" >&2
      fi
      java -Xmx4g -cp "$(cat "$cp")" org.apache.jena.fuseki.main.cmds.FusekiMainCmd --loc="$work/fuseki-tdb2" \
        --port=13203 /ds >"$work/fuseki.log" 2>&1 &
      pids+=($!)
      wait_for http://127.0.0.1:13203/\$/ping
      url=http://127.0.0.1:13203/ds/query
      ;;
    virtuoso)
      VIRTUOSO_HTTP_PORT=13204 virtuoso_start "$work/virtuoso-query" 13112 "$work" keep >&2
      if [[ "$(virtuoso_sql "SPARQL SELECT COUNT(*) FROM <http://bench.quiver/> WHERE { ?s ?p ?o };" | grep -Eo '^[0-9]+' | head -1)" != "$triples" ]]; then
        echo "== loading Virtuoso" >&2
        virtuoso_sql "ld_dir('$work', 'clinical-part0.nt', 'http://bench.quiver/'); rdf_loader_run(); checkpoint;" >&2
      fi
      wait_for http://127.0.0.1:13204/sparql
      url=http://127.0.0.1:13204/sparql
      ;;
  esac
}

stop_server() {
  case $1 in
    virtuoso) virtuoso_stop ;;
    *) kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true ;;
  esac
}

rows_of() {  # URL: the probe subject's triples, counted from the JSON answer
  curl -s -G -H 'Accept: application/sparql-results+json' --data-urlencode \
    "query=SELECT ?p ?o WHERE { <$probe_subject> ?p ?o }" "$1" | grep -o '"p"' | wc -l
}

# wrk's latency figure ("1.23ms", "850.00us", "1.02s") in milliseconds.
to_ms() {
  awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) v /= 1000; else if (t ~ /ms$/) v += 0; else if (t ~ /s$/) v *= 1000; printf "%.2f", v }'
}

printf "%-10s %12s %9s %9s %8s %6s %14s\n" server queries/s "p50 ms" "p99 ms" errors rows "quiver/server" >"$work/http-bench.table"
first_qps=""
for server in $servers; do
  start_server "$server"
  rows=$(rows_of "$url")
  base=${url%/*}
  path=/${url#http://*/}
  wrk -t "$wrk_threads" -c "$connections" -d "${warmup}s" -s bench/http/point_query.lua "$base" -- "$subjects" "$path" >/dev/null
  out=$(wrk -t "$wrk_threads" -c "$connections" -d "${seconds}s" --latency -s bench/http/point_query.lua "$base" -- "$subjects" "$path")
  stop_server "$server"
  qps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  errors=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out")
  [[ $server == quiver ]] && first_qps=$qps
  ratio=$(awk -v a="${first_qps:-0}" -v b="$qps" 'BEGIN { printf (a > 0 && b > 0 ? "%.2f" : "-"), a / b }')
  # Each row as it is measured: a peer that fails to start later leaves the rows before it.
  printf "%-10s %12s %9s %9s %8s %6s %14s\n" "$server" "$qps" "$p50" "$p99" "$errors" "$rows" "$ratio" |
    tee -a "$work/http-bench.table"
done

echo
echo "Point queries over HTTP: $connections connections, ${seconds} s each after ${warmup} s of warm-up, $triples triples"
cat "$work/http-bench.table"
