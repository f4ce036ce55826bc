// XSD constructor functions (casts) between strings, numbers, booleans and dateTimes.
#include <cmath>

#include "query/functions/values.h"

namespace quiver::query::functions {

std::optional<Term> cast(const std::string& to, const Term& v) {
  if (v.kind == TermKind::Blank) return std::nullopt;
  if (to == xsd::kString) return Term::literal(v.value);
  if (v.kind == TermKind::Iri) return std::nullopt;
  if (to == xsd::kDateTime) {
    const Term cast = Term::typed(v.value, xsd::kDateTime);
    if ((v.datatype == xsd::kDateTime || is_simple_or_string(v)) && instant(cast)) return cast;
    return std::nullopt;
  }
  auto n = number(v);
  if (to == xsd::kBoolean) {
    if (n) return boolean(!(n->is_zero() || std::isnan(n->value)));
    if (v.datatype == xsd::kBoolean || is_simple_or_string(v)) {
      if (v.value == "true" || v.value == "1") return boolean(true);
      if (v.value == "false" || v.value == "0") return boolean(false);
    }
    return std::nullopt;
  }
  long double value;
  std::optional<Decimal> exact;
  if (n) {
    value = n->value;
    exact = n->exact;
  } else if (v.datatype == xsd::kBoolean) {
    value = v.value == "true" || v.value == "1";
  } else if (is_simple_or_string(v)) {
    NumType guess = to == xsd::kDecimal   ? NumType::Decimal
                    : is_integer_type(to) ? NumType::Integer
                                          : NumType::Double;
    auto parsed = number(Term::typed(v.value, guess == NumType::Integer   ? std::string(xsd::kInteger)
                                              : guess == NumType::Decimal ? std::string(xsd::kDecimal)
                                                                          : std::string(xsd::kDouble)));
    if (!parsed) return std::nullopt;
    value = parsed->value;
    exact = parsed->exact;
  } else {
    return std::nullopt;
  }
  if (is_integer_type(to)) {
    if (exact) return Term::typed(exact->truncated().integer_text(), to);
    if (std::isnan(value) || std::isinf(value)) return std::nullopt;
    return Term::typed(make_number(NumType::Integer, std::trunc(value)).value, to);
  }
  if (to == xsd::kDecimal) {
    if (exact) return make_exact(NumType::Decimal, *exact);
    if (std::isnan(value) || std::isinf(value)) return std::nullopt;
    return make_number(NumType::Decimal, value);
  }
  if (to == kFloat) return make_number(NumType::Float, value);
  if (to == xsd::kDouble) return make_number(NumType::Double, value);
  return std::nullopt;
}

}  // namespace quiver::query::functions
