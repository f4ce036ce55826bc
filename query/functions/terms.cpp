// The functions on RDF terms: tests of a term's kind, its parts, and new IRIs, literals and blank nodes.
#include <cstdio>
#include <random>

#include "parser/iri.h"
#include "query/functions/values.h"

namespace quiver::query::functions {

std::optional<Term> apply_term(Op op, std::vector<Term>& a,
                               std::unordered_map<std::string, Term>& solution_bnodes) {
  switch (op) {
    case Op::SameTerm:
      return boolean(a[0] == a[1]);
    case Op::IsIri:
      return boolean(a[0].kind == TermKind::Iri);
    case Op::IsBlank:
      return boolean(a[0].kind == TermKind::Blank);
    case Op::IsLiteral:
      return boolean(a[0].kind == TermKind::Literal);
    case Op::IsNumeric:
      return boolean(number(a[0]).has_value());
    case Op::Str:
      if (a[0].kind == TermKind::Blank) return std::nullopt;
      return Term::literal(a[0].value);
    case Op::Lang:
      if (a[0].kind != TermKind::Literal) return std::nullopt;
      return Term::literal(a[0].language);
    case Op::Datatype:
      if (a[0].kind != TermKind::Literal) return std::nullopt;
      return Term::iri(!a[0].language.empty()  ? kLangString
                       : a[0].datatype.empty() ? std::string(xsd::kString)
                                               : a[0].datatype);
    case Op::Iri:  // a[1]: the query's base IRI
      if (a[0].kind == TermKind::Iri) return a[0];
      if (!is_simple_or_string(a[0])) return std::nullopt;
      return Term::iri(a.size() > 1 ? resolve_iri(a[1].value, a[0].value) : a[0].value);
    case Op::Bnode: {  // fresh per call; BNODE(str) the same for one string within a solution
      thread_local uint64_t counter = 0;
      if (a.empty()) return Term::blank("q" + std::to_string(++counter));
      if (!is_simple_or_string(a[0])) return std::nullopt;
      auto [it, fresh] = solution_bnodes.try_emplace(a[0].value);
      if (fresh) it->second = Term::blank("q" + std::to_string(++counter));
      return it->second;
    }
    case Op::StrDt:
      if (!is_simple_or_string(a[0]) || a[1].kind != TermKind::Iri) return std::nullopt;
      return Term::typed(a[0].value, a[1].value);
    case Op::StrLang:
      if (!is_simple_or_string(a[0]) || !is_simple_or_string(a[1]) || a[1].value.empty()) return std::nullopt;
      return Term::lang(a[0].value, a[1].value);
    case Op::Uuid:
    case Op::StrUuid: {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      uint64_t hi = rng(), lo = rng();
      char buf[40];
      std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                    static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFF),
                    static_cast<unsigned>(((lo >> 48) & 0x3FFF) | 0x8000),
                    static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
      if (op == Op::Uuid) return Term::iri(std::string("urn:uuid:") + buf);
      return Term::literal(buf);
    }
    default:
      throw QueryError("internal error: not a term function");
  }
}

}  // namespace quiver::query::functions
