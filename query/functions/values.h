// The values expressions compute with, read from terms and made into terms: numbers with their XSD type
// (and, for integers and decimals, their exact value), booleans, strings, and dates as points in time; and
// the function families (a file each) that the evaluator applies to its arguments' values.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/algebra.h"
#include "query/decimal.h"
#include "query/frontend.h"
#include "query/regex.h"

namespace quiver::query::functions {

inline const std::string kXsd(xsd::kNs);
inline const std::string kFloat = kXsd + "float";
inline const std::string kLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

enum class NumType { Integer = 0, Decimal = 1, Float = 2, Double = 3 };

// An integer or decimal has its exact value too: their arithmetic and comparisons are exact.
struct Number {
  NumType type;
  long double value;
  std::optional<Decimal> exact;  // Integer and Decimal
  bool is_zero() const { return exact ? exact->is_zero() : value == 0; }
};

bool is_integer_type(const std::string& dt);
// The number a literal of a numeric datatype holds; nullopt for any other term or an invalid lexical form.
std::optional<Number> number(const Term& t);
Term make_number(NumType type, long double v);
// An integer or decimal result, in its canonical lexical form.
Term make_exact(NumType type, const Decimal& d);
// A numeric result: exact when the type is an integer or a decimal and the exact value is known.
Term make_number(NumType type, long double approximate, const std::optional<Decimal>& exact);

Term boolean(bool b);
bool is_simple_or_string(const Term& t);
// A simple literal, an xsd:string or a language-tagged string.
bool is_string_like(const Term& t);

// An xsd:dateTime or xsd:date as a point in time (a date is its first instant): seconds from 0000-03-01,
// in UTC when the literal has a time zone, local otherwise. Nullopt for an invalid lexical form.
struct Instant {
  long double seconds;
  bool zoned;
};
std::optional<Instant> instant(const Term& t);
// XSD's order of two dates or two dateTimes (XML Schema 1.1 part 2, D.2.4); nullopt when indeterminate.
std::optional<int> instant_compare(const Term& a, const Term& b);

// Arithmetic and the numeric functions (SPARQL 1.1 sections 17.3, 17.4.4).
std::optional<Term> apply_numeric(Op op, std::vector<Term>& a);
// The string functions (section 17.4.3) and the hash functions (17.4.6).
std::optional<Term> apply_string(Op op, std::vector<Term>& a, RegexCache& regexes);
// The functions on dates and times (section 17.4.5).
std::optional<Term> apply_datetime(Op op, std::vector<Term>& a);
// The functions on RDF terms (section 17.4.2); `solution_bnodes` holds BNODE(str)'s blank nodes of the
// current solution.
std::optional<Term> apply_term(Op op, std::vector<Term>& a,
                               std::unordered_map<std::string, Term>& solution_bnodes);
// An XSD constructor function (section 17.5): `v` cast to the datatype `to`.
std::optional<Term> cast(const std::string& to, const Term& v);

}  // namespace quiver::query::functions
