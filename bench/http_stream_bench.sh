#!/usr/bin/env bash
# A large result over HTTP: SELECT ?s ?p ?o { ?s ?p ?o } LIMIT ROWS from each server of
# bench/http/servers.sh (Quiver, Oxigraph, Fuseki, Virtuoso) on the same clinical graph of TRIPLES triples,
# as SPARQL JSON, by curl, twice: the first run fills the server's caches (block cache, dictionary); the
# second is measured. Columns: time to the first byte and to the last, bytes, and the server's resident
# memory before the measured run and at its peak while the answer streamed (sampled every 10 ms): a
# streaming server's stays flat whatever the result's size.
#   bench/http_stream_bench.sh [TRIPLES] [WORK_DIR] [ROWS]   (defaults 5000000, ./bench-work, 1000000)
#   env: SERVERS="quiver oxigraph fuseki virtuoso"
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
rows=${3:-1000000}
servers=${SERVERS:-quiver oxigraph fuseki virtuoso}
source bench/http/servers.sh  # installs, builds, and makes the data when missing

rss_mib() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

printf '%-10s %10s %10s %12s %12s %12s\n' server "ttfb ms" "total ms" bytes "rss MiB" "peak MiB" | tee "$work/http-stream.table"
for server in $servers; do
  start_server "$server"
  query="SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT $rows"
  curl -s -o /dev/null -G -H 'Accept: application/sparql-results+json' \
    ${dataset:+--data-urlencode "default-graph-uri=$dataset"} --data-urlencode "query=$query" "$url"
  before=$(rss_mib "$server_pid")
  peak_file=$work/http-stream.peak
  echo "$before" >"$peak_file"
  (while kill -0 "$server_pid" 2>/dev/null; do
     r=$(rss_mib "$server_pid"); (( r > $(cat "$peak_file") )) && echo "$r" >"$peak_file"; sleep 0.01
   done) &
  sampler=$!
  out=$(curl -s -o /dev/null -G -w '%{time_starttransfer} %{time_total} %{size_download}' \
    -H 'Accept: application/sparql-results+json' ${dataset:+--data-urlencode "default-graph-uri=$dataset"} \
    --data-urlencode "query=$query" "$url")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  read -r first total bytes <<<"$out"
  printf '%-10s %10.1f %10.1f %12s %12s %12s\n' "$server" "$(awk -v t="$first" 'BEGIN { print t * 1000 }')" \
    "$(awk -v t="$total" 'BEGIN { print t * 1000 }')" "$bytes" "$before" "$(cat "$peak_file")" | tee -a "$work/http-stream.table"
  stop_server "$server"
done
echo "A $rows-row SELECT over HTTP (SPARQL JSON), $triples triples"
