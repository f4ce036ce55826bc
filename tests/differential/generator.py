"""Random SPARQL 1.1 queries in the shapes users write, built from a data set's own statements.

Every basic graph pattern is a walk through the data: it starts at a statement (or at a value an outer
variable takes), follows real edges, and turns some of the nodes it meets into variables, so the queries
return rows. Constants in filters, VALUES and IN lists are values the variables take.

What the specification leaves to the implementation is never generated (SPARQL 1.1 section in brackets):
RAND, NOW, UUID, STRUUID and BNODE (§17.4); SAMPLE (§18.5.1.8); LIMIT/OFFSET unless the ORDER BY keys cover
every projected variable and are of one comparable kind (§15.1 orders only some terms, e.g. not a string
against a number, nor two blank nodes); MIN/MAX over values of mixed kinds (§18.5.1.5 uses that ordering).
GROUP_CONCAT's order is left open (§18.5.1.7): such a column is named ?gcN and compared as a multiset.
Because Oxigraph rewrites some literals on load (see compare.py), functions that read a lexical form (STR,
STRLEN, REGEX, CONCAT, ...) are applied only to variables whose values Oxigraph keeps as written, and LANG()
only under LCASE (RDF 1.1 lets tags be lower-cased).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pyoxigraph as ox

from datasets import NUMERIC, Dataset, category, sparql

XSD = "http://www.w3.org/2001/XMLSchema#"
ALL = frozenset({"*"})  # a variable that may take any term
HUB_DEGREE = 40


@dataclass
class Var:
    name: str
    kinds: frozenset  # categories of the terms it can take (datasets.category), or ALL
    samples: list = field(default_factory=list)  # terms it takes in the data
    lexical_safe: bool = True  # Oxigraph keeps its literals as written
    maybe_unbound: bool = False

    def has(self, *kinds) -> bool:
        return self.kinds == ALL or any(k in self.kinds for k in kinds)

    def only(self, kinds) -> bool:
        return self.kinds != ALL and bool(self.kinds) and self.kinds <= set(kinds)


@dataclass
class Query:
    text: str
    ordered: bool  # the solution sequence is fully determined by ORDER BY


def _orderable(v: Var) -> bool:
    """ORDER BY on v gives one order whatever the engine: its terms are of one comparable kind."""
    if v.only({"iri"}) or v.only(NUMERIC) or v.only({"date"}):
        return True
    return v.only({"string"}) and v.lexical_safe


def _merge(a: Var, b: Var) -> Var:
    """The same variable bound in two places: it takes only values both allow."""
    kinds = a.kinds if b.kinds == ALL else b.kinds if a.kinds == ALL else a.kinds & b.kinds
    return Var(a.name, frozenset(kinds), a.samples or b.samples, a.lexical_safe or b.lexical_safe,
               a.maybe_unbound and b.maybe_unbound)


class Scope(dict):
    """Variable name -> Var, for what a group pattern binds."""

    def bind(self, v: Var) -> None:
        self[v.name] = _merge(self[v.name], v) if v.name in self else v


class Generator:
    def __init__(self, data: Dataset, rng: random.Random):
        self.data = data
        self.rng = rng
        self.counter = 0
        self.in_graph = 0  # how many GRAPH patterns the element being built is in

    # ---- names and constants -------------------------------------------------------------------------
    def fresh(self, prefix="v") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def object_var(self, name: str, graphs, p, samples) -> Var:
        kinds = set()
        for g in graphs:
            kinds |= self.data.object_kinds.get((g, p), set())
        return Var(name, frozenset(kinds), samples, p not in self.data.rewritten_preds)

    # ---- basic graph patterns: walks through the data ------------------------------------------------
    def edges(self, graphs, node, outgoing: bool):
        index = self.data.out_edges if outgoing else self.data.in_edges
        return [e for g in graphs for e in index.get((g, node), [])]

    def degree(self, graphs, node) -> int:
        return sum(len(self.data.out_edges.get((g, node), ())) + len(self.data.in_edges.get((g, node), ()))
                   for g in graphs)

    def bgp(self, graphs, scope: Scope, start: Var | None = None, steps: int | None = None) -> list[str]:
        """A connected pattern of 1-4 edges (or `steps`) in `graphs`; binds its variables in scope. Starts at
        a value of `start` when given (so the pattern joins with it), else at a random statement."""
        rng = self.rng
        names = {}  # node -> the variable or constant standing for it in this pattern
        if start is not None:
            nodes = [t for t in start.samples if 0 < self.degree(graphs, t) <= HUB_DEGREE]
            if not nodes:
                start = None
        if start is not None:
            node = rng.choice(nodes)
            names[node] = "?" + start.name
        else:
            pool = [q for q in self.data.quads if q.graph_name in graphs]
            node = rng.choice(pool).subject
            names[node] = self.name_for(node, scope, graphs, None)
        triples = []
        visited = [node]
        for _ in range(steps or rng.choice([1, 1, 2, 2, 3])):
            outgoing = self.chance(0.75)
            edges = self.edges(graphs, node, outgoing) or self.edges(graphs, node, not outgoing)
            if not edges:
                break
            if not self.edges(graphs, node, outgoing):
                outgoing = not outgoing
            p, other = rng.choice(edges)
            here = names[node]
            path, end, end_var, flip = self.path(graphs, node, p, other, outgoing)
            hub = self.degree(graphs, end) > HUB_DEGREE
            if end in names and self.chance(0.7):
                there = names[end]  # a node met before: a join, or a cycle
            elif hub and not isinstance(end, ox.BlankNode):
                # A class or another node with many edges stays a constant: two patterns joined on a
                # variable there (?a a ?t . ?b a ?t) make millions of rows on the clinical graph.
                there = names.setdefault(end, sparql(end))
            else:
                there = self.name_for(end, scope, graphs, end_var, p if outgoing and path is None else None)
                names.setdefault(end, there)
            if self.chance(0.08) and path is None:
                pv = self.fresh("p")
                scope.bind(Var(pv, frozenset({"iri"}), [p]))
                pred = "?" + pv
            else:
                pred = path or sparql(p)
            if path is not None and path[-1] in "*?" and here.startswith("?") and there.startswith("?"):
                # A zero-length path binds both ends to any node of the graph, literals included (§18.4):
                # their Vars may take any term, whatever node the walk started from.
                for name in (here[1:], there[1:]):
                    scope[name].kinds = ALL
                    scope[name].lexical_safe = scope[name].lexical_safe and not self.data.any_rewritten
            triple = f"{here} {pred} {there} ." if outgoing != flip else f"{there} {pred} {here} ."
            if triple not in triples:
                triples.append(triple)
            visited.append(end)
            if self.chance(0.6) and not hub:  # a chain moves on; otherwise a star stays at the node
                node = end
        return triples

    def name_for(self, node, scope: Scope, graphs, end_var: Var | None, pred=None) -> str:
        """A variable for a node (always for blank nodes, usually otherwise), or the node as a constant."""
        if isinstance(node, ox.BlankNode) or self.chance(0.75):
            name = self.fresh()
            if end_var is not None:
                v = Var(name, end_var.kinds, [node], end_var.lexical_safe)
            elif pred is not None:
                v = self.object_var(name, graphs, pred, [node])
            else:
                v = Var(name, frozenset({category(node)}) if not isinstance(node, ox.Literal) else ALL, [node],
                        not isinstance(node, ox.Literal) or not self.data.any_rewritten)
            scope.bind(v)
            return "?" + name
        return sparql(node)

    def path(self, graphs, node, p, other, outgoing):
        """Sometimes a property path instead of the edge p. Returns (path text or None, the node it reaches,
        a Var describing the reached node or None, whether the triple is to be written the other way round).
        The path's end may be any term (zero-length paths reach the start), so its Var takes ALL."""
        if self.chance(0.7):
            return None, other, None, False
        rng = self.rng
        end_var = Var("", ALL, [], not self.data.any_rewritten)
        shape = rng.choice(["inverse", "seq", "alt", "star", "plus", "opt"])
        if shape == "inverse":  # the same edge, written from its other end
            return f"^{sparql(p)}", other, end_var, True
        if shape == "seq":
            nxt = self.edges(graphs, other, outgoing)
            if not nxt:
                return None, other, None, False
            q, end = rng.choice(nxt)
            # Written `here p/q end` when the walk follows edges forward, `end q/p here` when backwards.
            return (f"{sparql(p)}/{sparql(q)}" if outgoing else f"{sparql(q)}/{sparql(p)}"), end, end_var, False
        if shape == "alt":
            # Oxigraph answers p|q as a set, where SPARQL 1.1 §18.4 makes it the Union of p's and q's
            # solutions (a pair both link is there twice). So q links no pair that p links.
            pairs = {pair for g in graphs for pair in self.data.by_pred.get((g, p), [])}
            preds = sorted((q for q in {q for g in graphs for q in self.data.preds.get(g, [])}
                            if q != p and not pairs & {pair for g in graphs for pair in self.data.by_pred.get((g, q), [])}),
                           key=str)
            if not preds:
                return None, other, None, False
            return f"({sparql(p)}|{sparql(rng.choice(preds))})", other, end_var, False
        mod = {"star": "*", "plus": "+", "opt": "?"}[shape]
        return f"{sparql(p)}{mod}", other, end_var, False

    # ---- expressions ---------------------------------------------------------------------------------
    def constants(self, v: Var) -> list:
        """The values v takes that can be written in a query (a blank node in a query is a variable)."""
        return [t for t in v.samples if not isinstance(t, ox.BlankNode)]

    def any_constant(self) -> str:
        return sparql(self.rng.choice([q.object for q in self.data.quads
                                       if not isinstance(q.object, ox.BlankNode)]))

    def constant_like(self, v: Var, kind: str | None = None) -> str | None:
        samples = [t for t in self.constants(v) if kind is None or category(t) == kind]
        if not samples:
            return None
        return sparql(self.rng.choice(samples))

    def literal_samples(self, v: Var, kinds) -> list:
        return [t for t in v.samples if isinstance(t, ox.Literal) and category(t) in kinds]

    def filter_expr(self, scope: Scope, depth: int = 0) -> str:
        rng = self.rng
        if depth < 1 and self.chance(0.2):
            a, b = self.filter_expr(scope, depth + 1), self.filter_expr(scope, depth + 1)
            return rng.choice([f"({a} && {b})", f"({a} || {b})", f"!({a})"])
        if not scope:
            return "true"
        v = scope[rng.choice(sorted(scope))]
        x = "?" + v.name
        options = []
        if v.maybe_unbound or self.chance(0.1):
            options += [f"BOUND({x})", f"!BOUND({x})"]
        c = self.constant_like(v)
        if c is not None:
            options += [f"{x} = {c}", f"{x} != {c}", f"sameTerm({x}, {c})"]
            consts = self.constants(v)
            ins = ", ".join(sparql(t) for t in rng.sample(consts, min(len(consts), 2)))
            options += [f"{x} IN ({ins}, {self.any_constant()})", f"{x} NOT IN ({ins})"]
        options += [f"isIRI({x})", f"isLiteral({x})", f"isBlank({x})", f"isNumeric({x})"]
        nums = self.literal_samples(v, NUMERIC)
        if v.has(*NUMERIC):
            n = sparql(rng.choice(nums)) if nums else str(rng.randint(-5, 100))
            op = rng.choice(["<", "<=", ">", ">=", "=", "!="])
            options += [f"{x} {op} {n}", f"({x} + {rng.randint(1, 9)}) {op} {n}",
                        f"({x} * {rng.choice(['2', '0.5', '1.5e0', '-3'])}) {op} {n}",
                        f"({x} - {rng.choice(['1', '0.1', '2.5'])}) {op} {n}", f"ABS({x}) {op} {n}",
                        f"({x} / {rng.choice(['2', '4', '0.5'])}) {op} {n}",
                        f"ROUND({x}) = {n}", f"CEIL({x}) >= {n}", f"FLOOR({x}) <= {n}",
                        f"DATATYPE({x}) = <{XSD}{rng.choice(['integer', 'decimal', 'double', 'float'])}>"]
        if v.has("string", "lang") and v.lexical_safe:
            strs = self.literal_samples(v, {"string", "lang"})
            s = rng.choice(strs).value if strs else "a"
            prefix = s[: rng.randint(1, 3)] if s else "a"
            lit = ox.Literal(prefix).__str__()
            options += [f"STRSTARTS({x}, {lit})", f"CONTAINS(LCASE({x}), {ox.Literal(prefix.lower())})",
                        f"STRLEN({x}) > {rng.randint(0, 8)}", f"REGEX({x}, {ox.Literal('^' + _regex_escape(prefix))}, \"i\")",
                        f"STRENDS({x}, {ox.Literal(s[-2:])})", f"UCASE({x}) = {ox.Literal(s.upper())}",
                        f"SUBSTR({x}, 2, 3) = {ox.Literal(s[1:4])}", f"STR({x}) < {lit}",
                        f"STRBEFORE({x}, \" \") != \"\""]
        if v.has("lang"):
            range_ = rng.choice(['"en"', '"*"', '"fr"', '"de"', '"en-us"'])
            tag = rng.choice(['"en-us"', '"fr"', '"es"', '"en"'])
            options += [f"LANGMATCHES(LANG({x}), {range_})", f"LCASE(LANG({x})) = {tag}", f"LANG({x}) = \"\""]
        if v.has("iri") and v.lexical_safe:
            iris = [t for t in v.samples if isinstance(t, ox.NamedNode)]
            if iris:
                s = rng.choice(iris).value
                options += [f"STRSTARTS(STR({x}), {ox.Literal(s[: len(s) - 2])})",
                            f"CONTAINS(STR({x}), {ox.Literal(s[-3:])})"]
        # YEAR/MONTH/DAY take an xsd:dateTime (§17.4.5): Quiver makes them an error on an xsd:date, Oxigraph
        # answers them on dates, gYears and the other date types: only variables holding dateTimes.
        if v.only({"date", "dateTime"}):
            dates = self.literal_samples(v, {"date", "dateTime"})
            year = int(dates[0].value[:4]) if dates else 2000
            if v.only({"dateTime"}):
                options += [f"YEAR({x}) >= {year}", f"MONTH({x}) = {rng.randint(1, 12)}", f"DAY({x}) < 15"]
            if dates:
                options += [f"{x} < {sparql(rng.choice(dates))}", f"{x} >= {sparql(rng.choice(dates))}"]
        # TZ and the time functions take an xsd:dateTime only (§17.4.5): Oxigraph also answers them for
        # other date types (TZ("1999"^^xsd:gYear) = ""), and TZ reads the zone as written.
        if v.only({"dateTime"}) and v.lexical_safe:
            options += [f"HOURS({x}) > 5", f"MINUTES({x}) = 30", f"SECONDS({x}) < 10", f"STRLEN(TZ({x})) > 0",
                        f"TZ({x}) = \"Z\""]
        if v.has("boolean"):
            options += [f"{x} = true"]
        # A bare variable as a condition is only tried on booleans: SPARQL 1.1 §17.2.2 gives a
        # language-tagged literal ("plain literal") an effective boolean value, Oxigraph an error.
        if v.only({"boolean"}):
            options += [f"!{x}", f"{x}"]
        if len(scope) > 1:
            w = scope[rng.choice(sorted(scope))]
            options += [f"{x} = ?{w.name}", f"sameTerm({x}, ?{w.name})", f"COALESCE({x}, ?{w.name}) = {c or '1'}"]
            if v.has(*NUMERIC) and w.has(*NUMERIC):
                options += [f"{x} < ?{w.name}", f"({x} + ?{w.name}) > {rng.randint(0, 50)}"]
        return rng.choice(options)

    def value_expr(self, scope: Scope) -> tuple[str, Var]:
        """An expression for BIND or a projection, and the Var it makes (name filled in by the caller)."""
        rng = self.rng
        v = scope[rng.choice(sorted(scope))]
        x = "?" + v.name
        options = [(f"IF(BOUND({x}), 1, 0)", frozenset({"integer"}), True),
                   (f"COALESCE({x}, \"none\")", ALL, v.lexical_safe),
                   (f"IF({self.filter_expr(scope, 1)}, \"yes\", \"no\")", frozenset({"string"}), True),
                   (f"DATATYPE({x})", frozenset({"iri"}), True),
                   (x, v.kinds, v.lexical_safe)]
        if v.has(*NUMERIC):
            # Computed numbers are spelled differently by the engines (see compare.py): not lexically safe.
            options += [(f"({x} + {rng.choice(['1', '2.5', '1e0'])})", frozenset(NUMERIC), False),
                        (f"({x} * {rng.choice(['2', '-1', '0.5'])})", frozenset(NUMERIC), False),
                        (f"ABS({x})", frozenset(NUMERIC), False), (f"ROUND({x})", frozenset(NUMERIC), False),
                        (f"({x} / 4)", frozenset(NUMERIC), False), (f"-{x}", frozenset(NUMERIC), False)]
        if v.has("string", "lang") and v.lexical_safe:
            options += [(f"UCASE({x})", frozenset({"string", "lang"}), True),
                        (f"STRLEN({x})", frozenset({"integer"}), True),
                        (f"CONCAT({x}, \"-\", {x})", frozenset({"string", "lang"}), True),
                        (f"SUBSTR({x}, 1, 3)", frozenset({"string", "lang"}), True),
                        (f"STR({x})", frozenset({"string"}), True),
                        (f"REPLACE({x}, \"[aeiou]\", \"_\")", frozenset({"string", "lang"}), True),
                        (f"STRAFTER({x}, \"a\")", frozenset({"string", "lang"}), True),
                        (f"ENCODE_FOR_URI({x})", frozenset({"string"}), True),
                        (f"LCASE(LANG({x}))", frozenset({"string"}), True)]
        if v.has("iri") and v.lexical_safe:
            options += [(f"STR({x})", frozenset({"string"}), True),
                        (f"STRAFTER(STR({x}), \"example.org/\")", frozenset({"string"}), True)]
        if v.only({"dateTime"}):  # not on xsd:date: see filter_expr
            options += [(f"YEAR({x})", frozenset({"integer"}), True), (f"MONTH({x})", frozenset({"integer"}), True),
                        (f"DAY({x})", frozenset({"integer"}), True)]
        if v.only({"dateTime"}) and v.lexical_safe:
            options += [(f"HOURS({x})", frozenset({"integer"}), True), (f"TZ({x})", frozenset({"string"}), True)]
        text, kinds, safe = rng.choice(options)
        return text, Var("", kinds, [], safe, True)

    # ---- group patterns ------------------------------------------------------------------------------
    def group(self, graphs, scope: Scope, depth: int, start: Var | None = None) -> list[str]:
        rng = self.rng
        parts = self.bgp(graphs, scope, start)
        for _ in range(rng.choice([0, 1, 1, 2, 2]) if depth < 2 else 0):
            kind = rng.choices(
                ["optional", "union", "minus", "filter", "bind", "values", "graph", "subselect", "exists"],
                weights=[5, 3, 2, 6, 3, 2, 2 if self.data.named_graphs else 0, 2, 2])[0]
            parts += getattr(self, "element_" + kind)(graphs, scope, depth)
        return parts

    def link(self, scope: Scope) -> Var | None:
        """An outer variable to start an inner pattern from, so that the two share it."""
        linked = [v for v in scope.values() if v.samples]
        return scope[self.rng.choice(sorted(v.name for v in linked))] if linked else None

    def element_optional(self, graphs, scope, depth):
        inner = Scope()
        start = self.link(scope)
        if start:
            inner[start.name] = start
        parts = self.bgp(graphs, inner, start)
        if self.chance(0.3):  # a FILTER inside the OPTIONAL, which may read outer variables (§18.2.2.6)
            both = Scope({**scope, **inner})
            parts.append(f"FILTER({self.filter_expr(both)})")
        if self.chance(0.25) and depth < 2:  # a chain of OPTIONALs
            parts += self.element_optional(graphs, inner, depth + 1)
        for name, v in inner.items():
            if name not in scope:
                v.maybe_unbound = True
                scope[name] = v
        return [f"OPTIONAL {{ {' '.join(parts)} }}"]

    def element_union(self, graphs, scope, depth):
        start = self.link(scope)
        sides, bound = [], []
        for _ in range(2):
            inner = Scope()
            if start:
                inner[start.name] = start
            sides.append(" ".join(self.group(graphs, inner, depth + 1, start)))
            bound.append(inner)
        for name in set(bound[0]) | set(bound[1]):
            if name in scope:
                continue
            vs = [b[name] for b in bound if name in b]
            v = vs[0] if len(vs) == 1 else Var(name, vs[0].kinds | vs[1].kinds if ALL not in (vs[0].kinds, vs[1].kinds)
                                                else ALL, vs[0].samples + vs[1].samples,
                                                vs[0].lexical_safe and vs[1].lexical_safe)
            v.maybe_unbound = len(vs) == 1 or any(x.maybe_unbound for x in vs)
            scope[name] = v
        return [f"{{ {sides[0]} }} UNION {{ {sides[1]} }}"]

    def element_minus(self, graphs, scope, depth):
        inner = Scope()
        start = self.link(scope)
        if start:
            inner[start.name] = start
        parts = self.bgp(graphs, inner, start, steps=self.rng.choice([1, 1, 2]))
        if self.in_graph and not any(n in scope for n in inner if n != (start.name if start else None)) \
                and not (start and any(f"?{start.name} " in p for p in parts)):
            return []  # no shared variable (see element_graph)
        if self.chance(0.3):
            parts.append(f"FILTER({self.filter_expr(inner)})")
        return [f"MINUS {{ {' '.join(parts)} }}"]

    def element_filter(self, graphs, scope, depth):
        return [f"FILTER({self.filter_expr(scope)})"]

    def element_bind(self, graphs, scope, depth):
        if not scope:
            return []
        text, v = self.value_expr(scope)
        v.name = self.fresh("b")
        scope[v.name] = v
        return [f"BIND({text} AS ?{v.name})"]

    def element_values(self, graphs, scope, depth):
        candidates = [v for v in scope.values() if self.constants(v)]
        if not candidates:
            return []
        v = self.rng.choice(sorted(candidates, key=lambda v: v.name))
        consts = self.constants(v)
        rows = [sparql(t) for t in self.rng.sample(consts, min(2, len(consts)))]
        rows.append(self.any_constant())
        if self.chance(0.3):
            rows.append("UNDEF")
        return [f"VALUES ?{v.name} {{ {' '.join(rows)} }}"]

    def element_graph(self, graphs, scope, depth):
        named = [g for g in self.named_in_dataset if g in self.data.named_graphs]
        if not named:
            return []
        g = self.rng.choice(named)
        inner = Scope()
        start = self.link(scope)
        if start:
            inner[start.name] = start
        # Inside GRAPH, Oxigraph 0.5.13 evaluates a sub-SELECT against other graphs too, and lets a MINUS
        # that shares no variable remove solutions (§18.5: it removes nothing): neither is generated there.
        self.in_graph += 1
        parts = self.group([g], inner, depth + 1, start)
        self.in_graph -= 1
        if self.chance(0.5):
            name = self.fresh("g")
            label = "?" + name
            scope.bind(Var(name, frozenset({"iri"}), list(named)))
        else:
            label = sparql(g)
        for n, v in inner.items():
            scope.bind(v)
        return [f"GRAPH {label} {{ {' '.join(parts)} }}"]

    def element_exists(self, graphs, scope, depth):
        inner = Scope()
        start = self.link(scope)
        if start:
            inner[start.name] = start
        parts = self.bgp(graphs, inner, start, steps=self.rng.choice([1, 2]))
        if self.chance(0.3):  # a FILTER inside EXISTS that reads an outer variable (§17.4.1.4: substituted)
            parts.append(f"FILTER({self.filter_expr(Scope({**scope, **inner}))})")
        neg = "NOT " if self.chance(0.5) else ""
        return [f"FILTER({neg}EXISTS {{ {' '.join(parts)} }})"]

    def element_subselect(self, graphs, scope, depth):
        if self.in_graph:
            return []  # see element_graph
        inner = Scope()
        start = self.link(scope)
        if start:
            inner[start.name] = start
        parts = self.group(graphs, inner, depth + 1, start)
        names = sorted(inner)
        if not names:
            return []
        if self.chance(0.35):
            key = start.name if start else self.rng.choice(names)
            agg, agg_var = self.aggregate(inner)
            scope.bind(Var(key, inner[key].kinds, inner[key].samples, inner[key].lexical_safe))
            scope[agg_var.name] = agg_var
            return [f"{{ SELECT ?{key} {agg} WHERE {{ {' '.join(parts)} }} GROUP BY ?{key} }}"]
        chosen = sorted(set(self.rng.sample(names, min(len(names), self.rng.randint(1, 3))))
                        | ({start.name} if start else set()))
        modifier = ""
        if all(_orderable(inner[n]) for n in chosen) and self.chance(0.7):
            keys = " ".join(f"{self.rng.choice(['ASC', 'DESC', ''])}(?{n})" for n in chosen)
            modifier = f" ORDER BY {keys} LIMIT {self.rng.randint(1, 4)}"
        distinct = "DISTINCT " if self.chance(0.3) else ""
        for n in chosen:
            scope.bind(inner[n])
        return [f"{{ SELECT {distinct}{' '.join('?' + n for n in chosen)} WHERE {{ {' '.join(parts)} }}{modifier} }}"]

    def aggregate(self, scope: Scope) -> tuple[str, Var]:
        rng = self.rng
        v = scope[rng.choice(sorted(scope))]
        x = "?" + v.name
        options = [("COUNT(*)", "integer"), (f"COUNT({x})", "integer"), (f"COUNT(DISTINCT {x})", "integer")]
        if v.has(*NUMERIC):
            options += [(f"SUM({x})", "num"), (f"AVG({x})", "num")]
        if _orderable(v):
            options += [(f"MIN({x})", "same"), (f"MAX({x})", "same")]
        # Simple literals only: whether GROUP_CONCAT keeps a common language tag is read differently (Oxigraph
        # keeps it, Quiver gives a simple literal; §18.5.1.7 defines the result through string concatenation).
        if v.only({"string"}) and v.lexical_safe and self.chance(0.5):
            name = self.fresh("gc")
            return f"(GROUP_CONCAT({x}; separator=\"|\") AS ?{name})", Var(name, frozenset({"string"}), [], True, True)
        text, kind = rng.choice(options)
        name = self.fresh("a")
        kinds = frozenset({"integer"}) if kind == "integer" else frozenset(NUMERIC) if kind == "num" else v.kinds
        return f"({text} AS ?{name})", Var(name, kinds, [], kind == "integer" or (kind == "same" and v.lexical_safe), True)

    # ---- whole queries -------------------------------------------------------------------------------
    def dataset_clause(self) -> tuple[str, list, list]:
        """FROM / FROM NAMED (§13.2), or none: returns the clause, the graphs the default graph merges and
        the named graphs GRAPH can reach."""
        named = self.data.named_graphs
        default = ox.DefaultGraph()
        if not named or self.chance(0.75):
            return "", [default], list(named)
        rng = self.rng
        shape = rng.choice(["from", "from", "named", "both"])
        froms = rng.sample(named, rng.randint(1, min(2, len(named))))
        # The default graph is the RDF merge of the FROM graphs (§13.2), where a statement in two of them is
        # one statement; Oxigraph counts it twice. So FROM graphs with a statement in common are not merged.
        if len(froms) == 2 and self.shared_statement(*froms):
            froms = froms[:1]
        nameds = rng.sample(named, rng.randint(1, len(named)))
        if shape == "from":
            return " ".join(f"FROM {sparql(g)}" for g in froms), froms, []
        if shape == "named":
            return " ".join(f"FROM NAMED {sparql(g)}" for g in nameds), [], nameds
        return (" ".join(f"FROM {sparql(g)}" for g in froms) + " " +
                " ".join(f"FROM NAMED {sparql(g)}" for g in nameds)), froms, nameds

    def shared_statement(self, g1, g2) -> bool:
        return bool({(s, p, o) for (g, p), pairs in self.data.by_pred.items() if g == g1 for s, o in pairs}
                    & {(s, p, o) for (g, p), pairs in self.data.by_pred.items() if g == g2 for s, o in pairs})

    def trailing_values(self, scope: Scope) -> str:
        """Sometimes a VALUES block after a grouped query: it joins the groups, not the solutions grouped."""
        if not self.chance(0.2):
            return ""
        block = self.element_values(None, scope, 0)
        return f" {block[0]}" if block else ""

    def query(self) -> Query:
        rng = self.rng
        self.counter = 0
        self.in_graph = 0
        clause, default_graphs, self.named_in_dataset = self.dataset_clause()
        scope = Scope()
        if default_graphs:
            body = self.group(default_graphs, scope, 0)
        else:  # FROM NAMED only: the default graph is empty, so everything is under GRAPH
            body = self.element_graph(default_graphs, scope, 0) or ["?s ?p ?o ."]
        where = f"{clause} WHERE {{ {' '.join(body)} }}".strip()
        names = sorted(scope)
        form = rng.choices(["select", "aggregate", "count", "ask", "ordered"], weights=[6, 2, 1, 1, 2])[0]
        if not names or form == "ask":
            return Query(f"ASK {where}", False)
        if form == "count":
            count = rng.choice(['*', 'DISTINCT ?' + rng.choice(names)])
            return Query(f"SELECT (COUNT({count}) AS ?n) {where}{self.trailing_values(scope)}", False)
        if form == "aggregate":
            key = rng.choice(names)
            aggs, having = [], ""
            for _ in range(rng.randint(1, 3)):
                aggs.append(self.aggregate(scope)[0])
            if self.chance(0.3):
                having = f" HAVING (COUNT(*) {rng.choice(['>', '>=', '='])} {rng.randint(1, 3)})"
            values = self.trailing_values(scope)
            return Query(f"SELECT ?{key} {' '.join(aggs)} {where} GROUP BY ?{key}{having}{values}", False)
        chosen = sorted(rng.sample(names, rng.randint(1, min(4, len(names)))))
        projection = " ".join("?" + n for n in chosen)
        if self.chance(0.15):
            text, _ = self.value_expr(Scope({n: scope[n] for n in names}))
            projection += f" ({text} AS ?x{self.fresh('e')})"
        elif self.chance(0.1):
            projection = "*"
        distinct = rng.choice(["", "", "DISTINCT "])
        if form == "ordered" and projection != "*" and all(_orderable(scope[n]) for n in chosen) \
                and "(" not in projection:
            keys = " ".join(f"{rng.choice(['ASC', 'DESC', ''])}(?{n})" for n in rng.sample(chosen, len(chosen)))
            limit = f" LIMIT {rng.randint(1, 6)}" + (f" OFFSET {rng.randint(1, 3)}" if self.chance(0.3) else "")
            return Query(f"SELECT {distinct}{projection} {where} ORDER BY {keys}{limit}", True)
        # ORDER BY without LIMIT is compared as a multiset, but only on sortable kinds: Oxigraph 0.5.13 panics
        # ("comparison function does not correctly implement a total order") sorting mixed literals.
        sortable = [n for n in names if _orderable(scope[n]) or scope[n].only({"iri", "bnode"})]
        order = f" ORDER BY ?{rng.choice(sortable)}" if sortable and self.chance(0.15) else ""
        return Query(f"SELECT {distinct}{projection} {where}{order}", False)


def _regex_escape(s: str) -> str:
    return "".join("\\\\" + c if c in ".^$*+?()[]{}|\\" else c for c in s)
