#!/usr/bin/env bash
# Compares two builds' in-process query times, alternating them so that the machine's drift falls on both:
# per query, the mean over PAIRS of each build's median of 5 runs (ms), and new/old.
#   bench/ab.sh OLD_QUERY_BENCH NEW_QUERY_BENCH WORK [PAIRS]
# OLD_/NEW_QUERY_BENCH: two builds' bench/quiver-query-bench; WORK: the folder bench/query_bench.sh loaded
# the stores into (quiver-query-db, quiver-university-db). PAIRS defaults to 2.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 work=$3 pairs=${4:-2}
for shape in clinical university; do
  if [[ $shape == clinical ]]; then
    db=$work/quiver-query-db
    queries=(bench/queries/*.rq)
  else
    db=$work/quiver-university-db
    queries=(bench/queries/university/*.rq)
  fi
  for _ in $(seq "$pairs"); do
    "$old" "$db" 5 "${queries[@]}" 2>/dev/null | grep '\.rq' | sed 's/^/old /'
    "$new" "$db" 5 "${queries[@]}" 2>/dev/null | grep '\.rq' | sed 's/^/new /'
  done
done | awk '{k = $2; s[$1, k] += $3; n[$1, k]++; r[$1, k] = $4; keys[k] = 1}
  END {
    for (k in keys) {
      o = s["old", k] / n["old", k]; w = s["new", k] / n["new", k]
      printf "%-70s %10.3f %10.3f %6.2f %s\n", k, o, w, w / o, (r["old", k] == r["new", k] ? "" : "ROWS DIFFER")
    }
  }' | sort
