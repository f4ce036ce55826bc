"""Normalises the two engines' answers and compares them.

Every normalisation below exists because the SPARQL 1.1 specification, or RDF 1.1, allows both engines'
answers, or because Oxigraph rewrites the data when it loads it; each says which.

* Solutions are compared as multisets (SPARQL 1.1 §18.5: without ORDER BY a solution sequence has no defined
  order). Where the generator marks a query as totally ordered (ORDER BY over every projected variable, with
  comparable keys), the sequences are compared in order.
* Blank nodes are compared as "some blank node": labels are local to a result set (SPARQL 1.1 Query Results
  JSON §3.2.2), and the data's blank nodes are few, so a full isomorphism check would add little.
* Language tags are compared in lower case: RDF 1.1 Concepts §3.3 says tags are compared case-insensitively
  and lets an implementation lower-case them (Oxigraph does, Quiver keeps the spelling it loaded).
* Oxigraph canonicalises typed literals when it loads them ("007"^^xsd:integer becomes "7", "0"^^xsd:boolean
  "false", "+00:00" "Z"). Quiver is right to keep the lexical form (RDF term equality is lexical, RDF 1.1
  Concepts §3.3), so a literal of the data that Quiver returns is compared with the form Oxigraph made of it
  (the `rewrites` map, built by loading each literal into Oxigraph). The data sets keep this rewriting
  one-to-one, so joins, DISTINCT and GROUP BY mean the same in both engines.
* Numeric literals (xsd:integer, decimal, float, double) are compared by datatype and value: their lexical
  form is exact for the data (the rewrites map) but for computed values the engines pick different
  spellings (Oxigraph writes the double 1000 as "1000", XSD's canonical form is "1.0E3"), which SPARQL 1.1
  §17.4 does not fix. The datatype must match.
* A decimal whose digits run out (1/3, an AVG) has an implementation-defined precision (XPath F&O 3.1 §4.2,
  XSD 1.1 §3.3.3: at least 16 digits): two decimals that both have 16 or more significant digits are equal
  when they agree to 15. Doubles are equal within a relative 1e-12 (aggregates may add in another order).
* GROUP_CONCAT's order is not defined (SPARQL 1.1 §18.5.1.7): a variable whose name starts with "gc" holds
  a GROUP_CONCAT with the separator "|" and is compared as the multiset of its parts.
* An error on both sides is agreement (the messages differ); a timeout on either side is not compared.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from engines import Answer

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
EXACT_NUMERIC = {XSD + "integer", XSD + "decimal"}
FLOATING = {XSD + "double", XSD + "float"}
GROUP_CONCAT_SEPARATOR = "|"


@dataclass(frozen=True)
class Verdict:
    agree: bool
    kind: str  # "agree", "timeout", or what differs: "error", "rows", "order", "boolean", "variables"
    detail: str = ""


def literal_key(lex: str, datatype: str | None, lang: str | None) -> tuple:
    """A literal as a hashable tuple, xsd:string folded into simple literals (RDF 1.1 Concepts §3.3)."""
    if lang:
        return ("L", lex, RDF_LANG_STRING, lang.lower())
    return ("L", lex, datatype or XSD_STRING, None)


def _json_term(t: dict) -> tuple:
    if t["type"] == "uri":
        return ("I", t["value"])
    if t["type"] == "bnode":
        return ("B",)
    return literal_key(t["value"], t.get("datatype"), t.get("xml:lang"))


def _numeric_value(lex: str, datatype: str):
    try:
        if datatype in EXACT_NUMERIC:
            return Decimal(lex.strip())
        v = float(lex.strip().replace("INF", "inf"))
        return "NaN" if math.isnan(v) else v
    except (ValueError, InvalidOperation):
        return None  # ill-typed: compared by its lexical form


class Normaliser:
    def __init__(self, rewrites: dict[tuple, tuple]):
        self.rewrites = rewrites  # literal of the data -> the literal Oxigraph stored for it

    def term(self, t: tuple, var: str, from_quiver: bool) -> tuple:
        if t[0] != "L":
            return t
        if from_quiver:
            t = self.rewrites.get(t, t)
        _, lex, datatype, lang = t
        if var.startswith("gc"):
            return ("GC", datatype, lang, tuple(sorted(lex.split(GROUP_CONCAT_SEPARATOR))))
        if datatype in EXACT_NUMERIC or datatype in FLOATING:
            value = _numeric_value(lex, datatype)
            if value is not None:
                return ("N", datatype, value)
        return t

    def rows(self, answer: Answer, from_quiver: bool) -> tuple[list[str], list[tuple]]:
        doc = answer.payload
        variables = list(doc["head"].get("vars", []))
        rows = []
        for binding in doc["results"]["bindings"]:
            rows.append(tuple(
                self.term(_json_term(binding[v]), v, from_quiver) if v in binding else ("U",)
                for v in variables))
        return variables, rows


def _significant_digits(d: Decimal) -> int:
    return len(d.normalize().as_tuple().digits)


def _close(a: tuple, b: tuple) -> bool:
    """Terms equal up to the precision the specification leaves open (see the module's comment)."""
    if a == b:
        return True
    if a[0] != "N" or b[0] != "N" or a[1] != b[1]:
        return False
    x, y = a[2], b[2]
    if isinstance(x, Decimal) and isinstance(y, Decimal):
        if _significant_digits(x) < 16 or _significant_digits(y) < 16:
            return False
        return abs(x - y) <= Decimal("1e-15") * max(Decimal(1), abs(x))
    if isinstance(x, float) and isinstance(y, float):
        if math.isinf(x) or math.isinf(y):
            return x == y
        return abs(x - y) <= 1e-12 * max(1.0, abs(x), abs(y))
    return False


def _rows_close(r: tuple, s: tuple) -> bool:
    return len(r) == len(s) and all(_close(a, b) for a, b in zip(r, s))


def _show(rows) -> str:
    return "\n".join("    " + " ".join(str(t) for t in r) for r in list(rows)[:8]) + (
        f"\n    ... {len(rows) - 8} more" if len(rows) > 8 else "")


def compare(quiver: Answer, oxigraph: Answer, normaliser: Normaliser, ordered: bool) -> Verdict:
    if quiver.kind == "crash" or oxigraph.kind == "crash":
        return Verdict(False, "crash", f"quiver: {quiver.payload if quiver.kind != 'solutions' else 'an answer'}\n"
                       f"oxigraph: {oxigraph.payload if oxigraph.kind != 'solutions' else 'an answer'}")
    if "timeout" in (quiver.payload if quiver.kind == "error" else "") or (
            oxigraph.kind == "error" and oxigraph.payload == "timeout"):
        return Verdict(True, "timeout")
    if quiver.kind == "error" or oxigraph.kind == "error":
        if quiver.kind == oxigraph.kind:
            return Verdict(True, "agree", "both errors")
        return Verdict(False, "error", f"quiver: {quiver.payload if quiver.kind == 'error' else 'an answer'}\n"
                       f"oxigraph: {oxigraph.payload if oxigraph.kind == 'error' else 'an answer'}")
    if quiver.kind != oxigraph.kind:
        return Verdict(False, "kind", f"quiver {quiver.kind}, oxigraph {oxigraph.kind}")
    if quiver.kind == "boolean":
        q, o = quiver.payload["boolean"], oxigraph.payload["boolean"]
        return Verdict(q == o, "agree" if q == o else "boolean", f"quiver {q}, oxigraph {o}")

    qvars, qrows = normaliser.rows(quiver, True)
    ovars, orows = normaliser.rows(oxigraph, False)
    if set(qvars) != set(ovars):
        return Verdict(False, "variables", f"quiver {qvars}, oxigraph {ovars}")
    # Same column order on both sides.
    orows = [tuple(r[ovars.index(v)] for v in qvars) for r in orows]
    if ordered:
        if len(qrows) == len(orows) and all(_rows_close(a, b) for a, b in zip(qrows, orows)):
            return Verdict(True, "agree")
        if Counter(qrows) == Counter(orows):
            return Verdict(False, "order", f"same rows in another order; quiver:\n{_show(qrows)}\n"
                           f"  oxigraph:\n{_show(orows)}")
    only_q = Counter(qrows) - Counter(orows)
    only_o = Counter(orows) - Counter(qrows)
    # Pair what is left under the tolerances of _close.
    left_o = list(only_o.elements())
    unmatched_q = []
    for r in only_q.elements():
        for i, s in enumerate(left_o):
            if _rows_close(r, s):
                del left_o[i]
                break
        else:
            unmatched_q.append(r)
    if not unmatched_q and not left_o:
        return Verdict(True, "agree")
    return Verdict(False, "rows", f"{len(qrows)} rows from quiver, {len(orows)} from oxigraph; "
                   f"vars {qvars}\n  only quiver:\n{_show(unmatched_q)}\n  only oxigraph:\n{_show(left_o)}")
