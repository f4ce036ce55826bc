#!/usr/bin/env bash
# Installs what is needed, builds Quiver, generates a sample clinical knowledge graph, bulk-loads it, shows
# the store's statistics and runs a SPARQL query.
#   scripts/quickstart.sh [TRIPLES]     (default 1,000,000)
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
echo "The store is in data/store. Try: build/quiver query --db data/store 'SELECT * WHERE { ?s ?p ?o } LIMIT 5'"
