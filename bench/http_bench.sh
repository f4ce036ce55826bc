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
source bench/http/servers.sh  # installs, builds, and makes the data when missing
subjects=$work/http-subjects.txt
[[ -f $subjects ]] || awk '$1 ~ /^</ { s = substr($1, 2, length($1) - 2); if (!(s in seen)) { seen[s] = 1; print s } }' "$data" |
  shuf -n 10000 --random-source=<(yes) >"$subjects"
probe_subject=$(head -1 "$subjects")

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
