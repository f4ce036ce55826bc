#!/usr/bin/env python3
"""Differential test: random SPARQL queries on Quiver and on Oxigraph (pyoxigraph), answers compared.

    python3 tests/differential/difftest.py --seed 1 --count 300          # what ctest runs (see docs)
    python3 tests/differential/difftest.py --seed 7 --count 2000 -v      # a longer run, by hand
    python3 tests/differential/difftest.py --dataset literals --seed 7 --only 123   # one query again

Query i of data set D under seed S is always the same text (its random generator is seeded with "S:D:i"),
so a disagreement is reproduced by its seed, data set and number. A disagreement fails the run unless its
query is listed in the known-differences file (known_differences.toml); every entry there is also run on
its own, and an entry whose query now agrees fails the run too, so the list cannot rot.

Each query is also asked three times of `quiver serve`, whose third answer comes from the template of the
query's shape (query/query_templates.h): an answer that differs from the first fails the run.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

try:
    import pyoxigraph  # noqa: F401
except ImportError:
    sys.exit("\n*** differential test: pyoxigraph is not installed for " + sys.executable + ".\n"
             "*** Run scripts/install-deps.sh: it makes the project's .venv/ with the pinned pyoxigraph.\n")

import tomllib  # noqa: E402

import datasets  # noqa: E402
from compare import Normaliser, compare  # noqa: E402
from engines import OxigraphEngine, QuiverEngine, QuiverServerEngine  # noqa: E402
from generator import Generator  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def normalise_text(query: str) -> str:
    return re.sub(r"\s+", " ", query).strip()


def load_known(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, "rb") as f:
        entries = tomllib.load(f).get("difference", [])
    for e in entries:
        missing = {"dataset", "kind", "spec", "why", "query"} - set(e)
        if missing:
            sys.exit(f"{path}: an entry lacks {sorted(missing)}: {e.get('query', '')[:80]}")
        if e["kind"] not in ("quiver-bug", "oxigraph-differs", "spec-allows-both"):
            sys.exit(f"{path}: unknown kind {e['kind']!r}")
    return entries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quiver", type=Path, default=ROOT / "build" / "quiver")
    ap.add_argument("--gen", type=Path, default=ROOT / "build" / "bench" / "quiver-gen",
                    help="the clinical data generator (quiver-gen)")
    ap.add_argument("--dataset", action="append", choices=["literals", "clinical"],
                    help="data sets to run on (default: both)")
    ap.add_argument("--clinical-triples", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=100, help="queries per data set")
    ap.add_argument("--only", type=int, action="append", help="run only query number N (repeatable)")
    ap.add_argument("--query", help="run this query text (on the first --dataset) and print both answers")
    ap.add_argument("--known", type=Path, default=HERE / "known_differences.toml")
    ap.add_argument("--no-known-check", action="store_true", help="do not re-run the known differences")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per query and engine")
    ap.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    ap.add_argument("--report", type=Path, help="write every disagreement there, as known-differences entries")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every query and verdict")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="quiver-differential-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        return run(args, work)


def run(args, work: Path) -> int:
    known = load_known(args.known)
    known_by_text = {(e["dataset"], normalise_text(e["query"])): e for e in known}
    counts = {"queries": 0, "agree": 0, "both errors": 0, "timeout": 0, "known": 0, "new": 0, "templated": 0}
    by_kind: dict[str, int] = {}
    new, stale, report, template_mismatches = [], [], [], []
    started = time.monotonic()
    for name in args.dataset or ["literals", "clinical"]:
        data = (datasets.literals_dataset() if name == "literals"
                else datasets.clinical_dataset(args.gen, work, args.clinical_triples))
        quiver = QuiverEngine(args.quiver, work, name, data.files, args.timeout)
        oxigraph = OxigraphEngine(data.files, args.timeout)
        served = QuiverServerEngine(args.quiver, quiver.db, args.timeout)
        normaliser = Normaliser(data.rewrites)
        as_is = Normaliser({})

        def check_template(label: str, text: str, ordered: bool) -> None:
            first = served.run(text)
            if first.kind == "error" and "timeout" in first.payload:
                return
            served.run(text)
            verdict = compare(first, served.run(text), as_is, ordered)  # Quiver's on both sides
            counts["templated"] += 1
            if not verdict.agree and verdict.kind != "timeout":
                template_mismatches.append((label, text, verdict))

        def check(text: str, ordered: bool):
            return compare(quiver.run(text), oxigraph.run(text), normaliser, ordered)

        if args.query:  # for minimising a disagreement by hand
            print(f"quiver:   {quiver.run(args.query).payload}\noxigraph: {oxigraph.run(args.query).payload}\n"
                  f"verdict:  {check(args.query, False)}")
            oxigraph.close()
            return 0

        numbers = args.only or range(args.count)
        for i in numbers:
            q = Generator(data, __import__("random").Random(f"{args.seed}:{name}:{i}")).query()
            verdict = check(q.text, q.ordered)
            counts["queries"] += 1
            label = f"{name} seed {args.seed} #{i}"
            check_template(label, q.text, q.ordered)
            if args.verbose:
                print(f"-- {label}: {verdict.kind}\n{q.text}")
            if verdict.agree:
                counts["timeout" if verdict.kind == "timeout" else
                       "both errors" if verdict.detail == "both errors" else "agree"] += 1
                continue
            entry = known_by_text.get((name, normalise_text(q.text)))
            by_kind[verdict.kind] = by_kind.get(verdict.kind, 0) + 1
            report.append((label, name, q.text, verdict))
            if entry:
                counts["known"] += 1
            else:
                counts["new"] += 1
                new.append((label, q.text, verdict))

        # Every known difference of this data set must still disagree.
        if not args.no_known_check and not args.only:
            for e in known:
                if e["dataset"] == name:
                    verdict = check(e["query"], e.get("ordered", False))
                    if verdict.agree and verdict.kind != "timeout":
                        stale.append(e)
        oxigraph.close()
        counts["from templates"] = counts.get("from templates", 0) + served.answered_from_templates()
        served.close()

    for label, text, verdict in new:
        print(f"\n== DISAGREEMENT ({verdict.kind}) {label}\n{text}\n  {verdict.detail}")
    for label, text, verdict in template_mismatches:
        print(f"\n== TEMPLATE ANSWER DIFFERS from the query's own ({verdict.kind}) {label}\n{text}\n"
              f"  (first answer as 'quiver', third as 'oxigraph') {verdict.detail}")
    for e in stale:
        print(f"\n== STALE known difference (the engines now agree; remove it from {args.known.name}):\n"
              f"{e['dataset']}: {e['why']}\n{e['query']}")
    if args.report:
        with open(args.report, "w") as f:
            for label, name, text, verdict in report:
                f.write(f"# {label}: {verdict.kind}\n# " + verdict.detail.replace("\n", "\n# ") + "\n")
                f.write(f'[[difference]]\ndataset = "{name}"\nkind = ""\nspec = ""\nwhy = ""\n'
                        f"query = '''\n{text}\n'''\n\n")
    elapsed = time.monotonic() - started
    print(f"\ndifferential: {counts['queries']} queries in {elapsed:.0f} s: {counts['agree']} agree, "
          f"{counts['both errors']} errors on both sides, {counts['timeout']} timed out, "
          f"{counts['known'] + counts['new']} disagree ({counts['known']} known, {counts['new']} new"
          f"{', by kind ' + str(by_kind) if by_kind else ''}); {len(stale)} stale known differences; "
          f"{counts['templated']} asked three times of quiver serve ({counts.get('from templates', 0)} answers "
          f"from a template), {len(template_mismatches)} answered differently the third time")
    # Queries with constants in their patterns are most of them: none answered from a template would mean the
    # comparison tested nothing.
    untested = counts["templated"] > 0 and counts.get("from templates", 0) == 0
    if untested:
        print("\n== quiver serve answered no query from a template: the third answers were not from templates")
    failed = counts["new"] + len(stale) + len(template_mismatches) + untested
    print(f"{counts['queries'] - counts['new']} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
