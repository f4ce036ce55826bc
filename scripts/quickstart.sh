#!/usr/bin/env bash
# Installs what is needed, builds Quiver, generates a sample clinical knowledge graph, bulk-loads it and
# shows the store's statistics.
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
echo
echo "The store is in data/store. Try: build/quiver dump --db data/store | head"
