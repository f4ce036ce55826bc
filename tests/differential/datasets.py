"""The data sets the queries run on, and what the generator and the comparator need to know about them.

A Dataset reads its files with pyoxigraph's parser (which keeps every literal as written) and indexes the
statements by graph, predicate and node, so that the generator can build patterns that match. It also
records how Oxigraph's store rewrites each literal on load (see compare.py) and checks that the rewriting
is one-to-one on this data.
"""

from __future__ import annotations

import random
import subprocess
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from compare import literal_key

XSD = "http://www.w3.org/2001/XMLSchema#"
HERE = Path(__file__).resolve().parent
FORMATS = {".trig": ox.RdfFormat.TRIG, ".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
           ".nq": ox.RdfFormat.N_QUADS}


def category(term) -> str:
    """The kind of a term, as far as the generator cares: 'iri', 'bnode', 'lang', or a literal's XSD type."""
    if isinstance(term, ox.NamedNode):
        return "iri"
    if isinstance(term, ox.BlankNode):
        return "bnode"
    if term.language:
        return "lang"
    dt = term.datatype.value
    return dt[len(XSD):] if dt.startswith(XSD) else "other"


NUMERIC = {"integer", "decimal", "double", "float"}


def sparql(term) -> str:
    """A term as a SPARQL constant (N-Triples syntax is valid SPARQL for IRIs and literals)."""
    if isinstance(term, ox.Literal) and term.datatype.value == XSD + "string" and not term.language:
        return ox.Literal(term.value).__str__()
    return str(term)


class Dataset:
    def __init__(self, name: str, files: list[Path]):
        self.name = name
        self.files = files
        self.quads = []
        for f in files:
            self.quads.extend(ox.parse(path=str(f), format=FORMATS[f.suffix]))
        self.graphs = sorted({q.graph_name for q in self.quads}, key=str)
        self.named_graphs = [g for g in self.graphs if not isinstance(g, ox.DefaultGraph)]
        self.by_pred = defaultdict(list)  # (graph, predicate) -> [(s, o)]
        self.out_edges = defaultdict(list)  # (graph, node) -> [(p, o)]
        self.in_edges = defaultdict(list)  # (graph, node) -> [(p, s)]
        self.preds = defaultdict(list)  # graph -> predicates
        self.object_kinds = defaultdict(set)  # (graph, predicate) -> categories of its objects
        for q in self.quads:
            g, s, p, o = q.graph_name, q.subject, q.predicate, q.object
            if p not in self.preds[g]:
                self.preds[g].append(p)
            self.by_pred[(g, p)].append((s, o))
            self.out_edges[(g, s)].append((p, o))
            self.in_edges[(g, o)].append((p, s))
            self.object_kinds[(g, p)].add(category(o))
        self.all_kinds = {category(q.object) for q in self.quads} | {"iri", "bnode"}
        self.rewrites = self._oxigraph_rewrites()
        # Predicates with an object that Oxigraph stores in another lexical form: a function that reads the
        # lexical form (STR, STRLEN, REGEX...) would see different strings in the two engines.
        rewritten = {raw for raw, stored in self.rewrites.items() if raw != stored}
        self.rewritten_preds = {p for (g, p), pairs in self.by_pred.items()
                                if any(isinstance(o, ox.Literal) and _key(o) in rewritten for _, o in pairs)}
        self.any_rewritten = bool(rewritten)

    def _oxigraph_rewrites(self) -> dict[tuple, tuple]:
        """Loads every literal of the data into an Oxigraph store, under a subject of its own, and reads
        back the form Oxigraph keeps."""
        literals = sorted({q.object for q in self.quads if isinstance(q.object, ox.Literal)}, key=str)
        store = ox.Store()
        pred = ox.NamedNode("urn:quiver-differential:p")
        store.extend(ox.Quad(ox.NamedNode(f"urn:quiver-differential:{i}"), pred, lit)
                     for i, lit in enumerate(literals))
        stored = {q.subject.value: q.object for q in store.quads_for_pattern(None, pred, None)}
        rewrites, seen = {}, {}
        for i, lit in enumerate(literals):
            raw, kept = _key(lit), _key(stored[f"urn:quiver-differential:{i}"])
            if raw in rewrites:
                continue  # the same term spelled with another language-tag case
            if kept in seen and seen[kept] != raw:
                raise SystemExit(f"data set {self.name}: Oxigraph stores {seen[kept]} and {raw} as the same "
                                 f"literal {kept}; keep only one of them so the rewriting stays one-to-one")
            seen[kept] = raw
            rewrites[raw] = kept
        return rewrites

    # Helpers for the generator.
    def random_quad(self, rng: random.Random, graph=None):
        pool = [q for q in self.quads if graph is None or q.graph_name == graph] if graph is not None else self.quads
        return rng.choice(pool)


def _key(lit) -> tuple:
    return literal_key(lit.value, lit.datatype.value if not lit.language else None, lit.language)


def literals_dataset() -> Dataset:
    return Dataset("literals", [HERE / "data" / "literals.trig"])


def clinical_dataset(generator: Path, work: Path, triples: int) -> Dataset:
    out = work / f"clinical-{triples}.nt"
    if not out.exists():
        subprocess.run([str(generator), "--triples", str(triples), "--part", "0", "--out", str(out)], check=True)
    return Dataset("clinical", [out])
