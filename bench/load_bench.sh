#!/usr/bin/env bash
# Load benchmark: generates two 5M-triple clinical N-Triples files, then on the same files in one run
# measures the parse-only rate of serdi and rapper, quiver load into an empty store and of the second file
# into the non-empty store (rate, peak RSS, bytes on disk per triple), and Virtuoso's bulk loader
# (ld_dir + rdf_loader_run + checkpoint). Prints a table with ratios.
#   bench/load_bench.sh [TRIPLES] [WORK_DIR]      (defaults 5000000, ./bench-work)
set -euo pipefail
cd "$(dirname "$0")/.."
triples=${1:-5000000}
work=$(mkdir -p "${2:-bench-work}" && cd "${2:-bench-work}" && pwd)
bash scripts/install-deps.sh --bench
bash scripts/build.sh build >/dev/null
source bench/virtuoso.sh

first=$work/clinical-part0.nt
second=$work/clinical-part1.nt
[[ -f $first ]] || build/bench/quiver-gen --triples "$triples" --part 0 --out "$first"
[[ -f $second ]] || build/bench/quiver-gen --triples "$triples" --part 1 --out "$second"

# Runs a command, prints "seconds peak_rss_kib".
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
rate() { awk -v n="$triples" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

echo "== serdi (parse + write to /dev/null)"
read -r serdi_s _ < <(measure serdi -b -i ntriples -o ntriples "$first")
echo "== rapper (parse and count)"
read -r rapper_s _ < <(measure rapper -q -i ntriples -c "$first")

echo "== quiver load, empty store"
rm -rf "$work/quiver-db"
read -r q1_s q1_rss < <(measure build/quiver load -q --db "$work/quiver-db" --memory 1024 "$first")
q1_bytes=$(du -sb "$work/quiver-db" | cut -f1)
echo "== quiver load, second file into the non-empty store"
read -r q2_s q2_rss < <(measure build/quiver load -q --db "$work/quiver-db" --memory 1024 "$second")
q2_bytes=$(du -sb "$work/quiver-db" | cut -f1)

echo "== Virtuoso bulk load (empty database)"
virtuoso_start "$work/virtuoso" 13111 "$work"
trap virtuoso_stop EXIT
start=$(date +%s.%N)
virtuoso_sql "ld_dir('$work', 'clinical-part0.nt', 'http://bench.quiver/'); rdf_loader_run(); checkpoint;" >/dev/null
end=$(date +%s.%N)
v_s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
v_count=$(virtuoso_sql "SPARQL SELECT COUNT(*) FROM <http://bench.quiver/> WHERE { ?s ?p ?o };" | grep -Eo '^[0-9]+' | head -1)
virtuoso_stop
trap - EXIT
v_bytes=$(du -sb "$work/virtuoso/virtuoso.db" | cut -f1)

q1_rate=$(rate "$q1_s")
printf '\n%-44s %9s %12s %10s %10s %12s\n' "run ($triples triples, $(nproc) cores)" seconds "triples/s" "quiver÷it" "peak RSS" "bytes/triple"
row() { # name seconds rss_kib bytes
  local r; r=$(rate "$2")
  printf '%-44s %9.2f %12s %10.2f %10s %12s\n' "$1" "$2" "$r" "$(awk -v a="$q1_rate" -v b="$r" 'BEGIN { print a / b }')" \
    "${3:+$(( $3 / 1024 )) MiB}" "${4:+$(awk -v b="$4" -v n="$5" 'BEGIN { printf "%.1f", b / n }')}"
}
row "quiver load, empty store" "$q1_s" "$q1_rss" "$q1_bytes" "$triples"
row "quiver load, 2nd file into non-empty store" "$q2_s" "$q2_rss" "$q2_bytes" "$((2 * triples))"
row "Virtuoso 7 bulk load (ld_dir, $v_count loaded)" "$v_s" "" "$v_bytes" "$triples"
row "serdi parse + write to /dev/null" "$serdi_s" "" "" ""
row "rapper parse-only (-c)" "$rapper_s" "" "" ""
awk -v a="$q2_s" -v b="$q1_s" 'BEGIN { printf "\nsecond-file rate / empty-store rate: %.0f%%\n", 100 * b / a }'
