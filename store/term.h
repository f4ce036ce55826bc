// RDF terms as the store sees them, and their exact byte encoding in the dictionary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace quiver {

enum class TermKind : uint8_t { Iri, Blank, Literal };

struct Term;

// A term borrowed from someone else's buffers (a parser's, during its callback): no copies on hot paths.
// Same conventions as Term.
struct TermView {
  TermKind kind = TermKind::Iri;
  std::string_view value, datatype, language;
  Term to_term() const;
};

// One RDF term. For literals `datatype` is empty for simple literals (xsd:string is folded into that, as
// RDF 1.1 makes them the same term) and rdf:langString is implied by a non-empty `language`.
struct Term {
  TermKind kind = TermKind::Iri;
  std::string value;     // IRI, blank node label, or literal lexical form
  std::string datatype;  // literal datatype IRI; empty for simple and language-tagged literals
  std::string language;  // literal language tag as written (compared case-insensitively); empty otherwise

  static Term iri(std::string_view v) { return {TermKind::Iri, std::string(v), {}, {}}; }
  static Term blank(std::string_view v) { return {TermKind::Blank, std::string(v), {}, {}}; }
  static Term literal(std::string_view v) { return {TermKind::Literal, std::string(v), {}, {}}; }
  static Term typed(std::string_view v, std::string_view dt);
  static Term lang(std::string_view v, std::string_view tag);

  TermView view() const { return {kind, value, datatype, language}; }
  // RDF term equality: language tags compare case-insensitively.
  bool operator==(const Term& other) const;
};

// Language tags are equal ignoring ASCII case (RDF 1.1).
bool same_language(std::string_view a, std::string_view b);

inline Term TermView::to_term() const {
  return {kind, std::string(value), std::string(datatype), std::string(language)};
}

namespace xsd {
inline constexpr std::string_view kNs = "http://www.w3.org/2001/XMLSchema#";
inline constexpr std::string_view kString = "http://www.w3.org/2001/XMLSchema#string";
inline constexpr std::string_view kInteger = "http://www.w3.org/2001/XMLSchema#integer";
inline constexpr std::string_view kDecimal = "http://www.w3.org/2001/XMLSchema#decimal";
inline constexpr std::string_view kDouble = "http://www.w3.org/2001/XMLSchema#double";
inline constexpr std::string_view kBoolean = "http://www.w3.org/2001/XMLSchema#boolean";
inline constexpr std::string_view kDate = "http://www.w3.org/2001/XMLSchema#date";
inline constexpr std::string_view kDateTime = "http://www.w3.org/2001/XMLSchema#dateTime";
}  // namespace xsd

// Dictionary encoding: one kind byte, then the parts, the language tag as written.
//   'I' iri | 'B' label | 'L' lexical | 'G' lang '\0' lexical | 'T' datatype '\0' lexical
void encode_term(const TermView& term, std::string& out);
std::string encode_term(const Term& term);
// The bytes that decide which term an encoding stands for: the encoding with its language tag in lower
// case, since RDF 1.1 compares tags case-insensitively. Ids hash these bytes and collision tables are keyed
// by them, so "x"@en-GB and "x"@en-gb are one term, stored as first written. Returns `encoded` itself, or
// the lowered copy made in `scratch`.
std::string_view term_identity(std::string_view encoded, std::string& scratch);
// The identity bytes of a term, for sets and maps of terms.
std::string identity_key(const Term& term);
bool same_term(std::string_view encoded_a, std::string_view encoded_b);
// Returns false when `bytes` is not a valid encoding.
bool decode_term(std::string_view bytes, Term& out);

// N-Triples / N-Quads syntax of a term (with the escapes N-Triples requires).
void append_ntriples(const Term& term, std::string& out);
std::string to_ntriples(const Term& term);

// A blank node label prefix no other load or update uses: blank nodes of different documents (and of
// different solutions of an INSERT) are different nodes (RDF merge), so their labels must not meet.
std::string unique_blank_prefix();

}  // namespace quiver
