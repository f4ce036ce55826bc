# The four HTTP servers of the HTTP benchmarks, each on the same clinical graph ($data, of $triples triples),
# its store made on first use in $work:
#   quiver     quiver serve (its store made by quiver load), read-only
#   oxigraph   Oxigraph's server, read-only (PyPI oxigraph, in .venv/)
#   fuseki     Apache Jena Fuseki 5.6.0 over TDB2 (Maven Central, bench/http/fuseki/pom.xml; Java 17)
#   virtuoso   Debian's Virtuoso, its SPARQL endpoint (the graph <http://bench.quiver/>)
# Sourced by bench/http_bench.sh and its siblings, which set `work` and `triples` first; it installs what the
# benchmarks need, builds, makes the data when missing, and sets `build` and `data`.
# start_server NAME sets `url` (its query URL), `server_pid`, and `dataset` (a default-graph-uri the queries
# must name, or empty); stop_server NAME stops it; every server still running is stopped on exit.
bash scripts/install-deps.sh --bench
bash scripts/build.sh build >/dev/null
build=$(pwd)/build
data=$work/clinical-part0.nt
[[ -f $data ]] || "$build/bench/quiver-gen" --triples "$triples" --part 0 --out "$data"
source bench/virtuoso.sh

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

start_server() {
  dataset=""
  case $1 in
    quiver)
      [[ -d $work/quiver-query-db ]] || "$build/quiver" load -q --db "$work/quiver-query-db" "$data"
      "$build/quiver" serve --db "$work/quiver-query-db" --read-only --port 13201 \
        >"$work/quiver-serve.log" 2>&1 &
      pids+=($!)
      server_pid=$!
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
      server_pid=$!
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
      server_pid=$!
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
      server_pid=$(pgrep -f "virtuoso-t.*$work/virtuoso-query" | head -1 || true)
      url=http://127.0.0.1:13204/sparql
      # Its endpoint's default graph is the union of every graph, and the query bench's graphs share the
      # database: queries that must see this graph alone name it.
      dataset=http://bench.quiver/
      ;;
  esac
}

stop_server() {
  case $1 in
    virtuoso) virtuoso_stop ;;
    *) kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true ;;
  esac
}

