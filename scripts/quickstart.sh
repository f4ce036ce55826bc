#!/usr/bin/env bash
# Installs what is needed, builds Quiver, generates a sample clinical knowledge graph, bulk-loads it, shows
# the store's statistics, runs a SPARQL query, then serves the store over HTTP (Ctrl-C stops the server).
#   scripts/quickstart.sh [TRIPLES]     (default 1,000,000; QUIVER_PORT sets the port, default 7878)
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-1000000}
bash scripts/install-deps.sh
bash scripts/build.sh build

mkdir -p data
echo "== generating $triples triples of sample data into data/sample.nt"
build/bench/quiver-gen --triples "$triples" --out data/sample.nt
rm -rf data/store
echo "== loading into data/store"
build/quiver load --db data/store data/sample.nt
echo "== statistics"
build/quiver stats --db data/store --top 10
echo "== the most mentioned concepts (SPARQL)"
build/quiver query --db data/store '
  PREFIX ex: <http://example.org/clinical/>
  SELECT ?concept (COUNT(*) AS ?mentions) WHERE { ?m ex:refersTo ?concept }
  GROUP BY ?concept ORDER BY DESC(?mentions) LIMIT 5'
echo
port=${QUIVER_PORT:-7878}
echo "== serving data/store over HTTP (Ctrl-C stops it). From another shell, try:"
echo "   curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5' http://127.0.0.1:$port/sparql"
exec build/quiver serve --db data/store --port "$port"
