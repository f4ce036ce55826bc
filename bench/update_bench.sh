#!/usr/bin/env bash
# Update benchmark: on the generated 5M-triple clinical graph, in Quiver and in Virtuoso in the same run:
#   - INSERT DATA of 100k new triples in one request;
#   - a DELETE/INSERT WHERE rewriting three predicates (1.13M triples deleted, 1.13M inserted);
#   - 1,000 single-triple INSERT DATA requests in a row (latency per commit; Quiver with and without WAL sync).
# Quiver runs in process (bench/quiver-update-bench) on a copy of the query benchmark's store; Virtuoso runs
# server-side through stored procedures timing exec() plus the commit, on the query benchmark's database
# (the rewrite is undone afterwards, untimed). Both use their default durability settings.
#   bench/update_bench.sh [WORK_DIR]     (default ./bench-work; run bench/query_bench.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mkdir -p "${1:-bench-work}" && cd "${1:-bench-work}" && pwd)
bash scripts/install-deps.sh --bench
bash scripts/build.sh build >/dev/null
source bench/virtuoso.sh
[[ -d $work/quiver-query-db ]] || { echo "run bench/query_bench.sh first (it loads the 5M graph)" >&2; exit 1; }
graph=http://bench.quiver/

# The requests, for Quiver (default graph) and for Virtuoso (the benchmark graph).
python3 - "$work" "$graph" <<'PY'
import sys
work, graph = sys.argv[1], sys.argv[2]
triples = ''.join('<http://bench.quiver/new/%d> <http://bench.quiver/value> "value %d" .\n' % (i, i) for i in range(100000))
open(f'{work}/insert100k.ru', 'w').write('INSERT DATA {\n' + triples + '}\n')
open(f'{work}/insert100k-virtuoso.ru', 'w').write('INSERT DATA { GRAPH <%s> {\n%s} }\n' % (graph, triples))
pairs = ['(ex:confidence ex:confidenceScore)', '(ex:order ex:position)', '(ex:sectionTitle ex:heading)']
def rewrite(with_graph, forward=True):
    values = ' '.join(p if forward else '(%s %s)' % tuple(reversed(p[1:-1].split())) for p in pairs)
    return ('PREFIX ex: <http://example.org/clinical/>\n' + (f'WITH <{graph}>\n' if with_graph else '') +
            'DELETE { ?s ?p ?o } INSERT { ?s ?q ?o }\n'
            'WHERE { VALUES (?p ?q) { %s } ?s ?p ?o }\n' % values)
open(f'{work}/rewrite.ru', 'w').write(rewrite(False))
open(f'{work}/rewrite-virtuoso.ru', 'w').write(rewrite(True))
open(f'{work}/rewrite-back-virtuoso.ru', 'w').write(rewrite(True, False))
# What Virtuoso accepts: the same work split into requests under its parser and vector limits.
lines = triples.splitlines(keepends=True)
for i in range(100):
    open(f'{work}/insert100k-virtuoso-{i}.ru', 'w').write(
        'INSERT DATA { GRAPH <%s> {\n%s} }\n' % (graph, ''.join(lines[i * 1000:(i + 1) * 1000])))
for i, p in enumerate(pairs):
    for name, forward in (('rewrite-virtuoso', True), ('rewrite-back-virtuoso', False)):
        v = p if forward else '(%s %s)' % tuple(reversed(p[1:-1].split()))
        open(f'{work}/{name}-{i}.ru', 'w').write(
            'PREFIX ex: <http://example.org/clinical/>\nWITH <%s>\nDELETE { ?s ?p ?o } INSERT { ?s ?q ?o }\n'
            'WHERE { VALUES (?p ?q) { %s } ?s ?p ?o }\n' % (graph, v))
PY

copy=$work/quiver-update-db
fresh_copy() { rm -rf "$copy"; cp -r "$work/quiver-query-db" "$copy"; }
fresh_copy
read -r q_insert q_ins_n _ q_insert_rss < <(build/bench/quiver-update-bench "$copy" request "$work/insert100k.ru")
fresh_copy
read -r q_rewrite q_rw_ins q_rw_del q_rewrite_rss < <(build/bench/quiver-update-bench "$copy" request "$work/rewrite.ru")
fresh_copy  # the same with a 256 MiB memory limit: the changes spill to disk
read -r q_rewrite_256 _ _ q_rewrite_256_rss < <(build/bench/quiver-update-bench "$copy" request "$work/rewrite.ru" memory=256)
fresh_copy
read -r q_small_sync q_small_sync_p99 < <(build/bench/quiver-update-bench "$copy" small 1000)
read -r q_small_nosync q_small_nosync_p99 < <(build/bench/quiver-update-bench "$copy" small 1000 nosync)
rm -rf "$copy"

virtuoso_start "$work/virtuoso-query" 13112 "$work" keep
trap virtuoso_stop EXIT
isql-vt "$VIRTUOSO_PORT" dba dba >/dev/null <<'SQL'
create procedure quiver_bench_file (in path varchar) {
  declare t, st, msg, meta, rows any;
  t := msec_time();
  st := '00000';
  exec (concat('SPARQL ', file_to_string(path)), st, msg, vector(), 0, meta, rows);
  if (st <> '00000') return sprintf('error %s', msg);
  commit work;
  return sprintf('%d', msec_time() - t);
};
create procedure quiver_bench_files (in prefix varchar, in n integer) {
  declare t, i, st, msg, meta, rows any;
  t := msec_time();
  for (i := 0; i < n; i := i + 1) {
    st := '00000';
    exec (concat('SPARQL ', file_to_string(sprintf('%s-%d.ru', prefix, i))), st, msg, vector(), 0, meta, rows);
    if (st <> '00000') return sprintf('error %s', msg);
    commit work;
  }
  return sprintf('%d', msec_time() - t);
};
create procedure quiver_bench_small (in n integer) {
  declare t, i, st, msg, meta, rows any;
  t := msec_time();
  for (i := 0; i < n; i := i + 1) {
    st := '00000';
    exec (sprintf('SPARQL INSERT DATA { GRAPH <http://bench.quiver/small> { <http://bench.quiver/small/%d> <http://bench.quiver/p> "%d" } }', i, i), st, msg, vector(), 0, meta, rows);
    if (st <> '00000') return sprintf('error %s', msg);
    commit work;
  }
  return sprintf('%d', msec_time() - t);
};
SQL
v_result() { virtuoso_sql "select $1;" | grep -E '^(error|[0-9]+$)' | head -1; }
v_insert=$(v_result "quiver_bench_file('$work/insert100k-virtuoso.ru')")
v_insert_split=$(v_result "quiver_bench_files('$work/insert100k-virtuoso', 100)")
virtuoso_sql "SPARQL DELETE WHERE { GRAPH <$graph> { ?s <http://bench.quiver/value> ?o } };" >/dev/null
v_rewrite=$(v_result "quiver_bench_file('$work/rewrite-virtuoso.ru')")
v_rewrite_split=$(v_result "quiver_bench_files('$work/rewrite-virtuoso', 3)")
v_result "quiver_bench_files('$work/rewrite-back-virtuoso', 3)" >/dev/null
v_small=$(v_result "quiver_bench_small(1000)")
virtuoso_sql "SPARQL CLEAR GRAPH <http://bench.quiver/small>;" >/dev/null

ratio() { awk -v q="$1" -v v="$2" 'BEGIN { if (v !~ /^[0-9.]+$/) { print "-"; exit } if (v == 0) v = 0.5; printf "%.2f", q / v }'; }
printf '\n%-44s %12s %12s %8s\n' "operation (5M-triple graph)" "quiver ms" "virtuoso ms" "ratio"
short() { [[ $1 == error* ]] && echo "fails" || echo "$1"; }
printf '%-44s %12.1f %12s %8s\n' "INSERT DATA, 100k triples, one request" "$q_insert" "$(short "$v_insert")" "$(ratio "$q_insert" "$v_insert")"
printf '%-44s %12s %12s %8s\n' "  Virtuoso: as 100 requests of 1,000" "" "$v_insert_split" "$(ratio "$q_insert" "$v_insert_split")"
printf '%-44s %12.1f %12s %8s\n' "DELETE/INSERT WHERE, 1.13M triples rewritten" "$q_rewrite" "$(short "$v_rewrite")" "$(ratio "$q_rewrite" "$v_rewrite")"
printf '%-44s %12s %12s %8s\n' "  Virtuoso: as 3 requests, one per predicate" "" "$(short "$v_rewrite_split")" "$(ratio "$q_rewrite" "$v_rewrite_split")"
printf '%-44s %12.1f %12s %8s\n' "  Quiver: with --memory-limit 256 (spilling)" "$q_rewrite_256" "" "$(ratio "$q_rewrite_256" "$v_rewrite_split")"
v_per=$(awk -v t="$v_small" 'BEGIN { if (t ~ /^[0-9]+$/) printf "%.3f", t / 1000; else print t }')
printf '%-44s %12.3f %12s %8s\n' "1,000 single INSERT DATA, per commit (sync)" "$q_small_sync" "$v_per" "$(ratio "$q_small_sync" "$v_per")"
printf '%-44s %12.3f %12s %8s\n' "  the same without WAL sync" "$q_small_nosync" "$v_per" "$(ratio "$q_small_nosync" "$v_per")"
printf '\nQuiver: %s and %s triples inserted/deleted by the rewrite; peak RSS %s MiB (rewrite), %s MiB with a\n' \
  "$q_rw_ins" "$q_rw_del" "$q_rewrite_rss" "$q_rewrite_256_rss"
printf '256 MiB memory limit, %s MiB (insert);\n' "$q_insert_rss"
printf 'single-triple commit latency p99: %s ms synced, %s ms unsynced.\n' "$q_small_sync_p99" "$q_small_nosync_p99"
[[ $v_insert == error* ]] && printf 'Virtuoso, 100k INSERT DATA in one request: %s\n' "$v_insert"
[[ $v_rewrite == error* ]] && printf 'Virtuoso, the rewrite in one request: %s\n' "$v_rewrite"
[[ $v_rewrite_split == error* ]] && printf 'Virtuoso, the rewrite as 3 requests: %s\n' "$v_rewrite_split"
true
