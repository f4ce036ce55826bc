// The expression evaluator: variables and constants, the logical operators with SPARQL's error rules,
// comparisons (on ids where the ids tell), IN, EXISTS; the functions it applies live in query/functions/.
#include "query/expression.h"

#include <algorithm>
#include <cmath>

#include "query/functions/values.h"

namespace quiver::query {

using namespace functions;

bool ordered_by_id(TermId id) {
  if (id == kUnbound || !is_inline(id)) return false;
  const IdTag tag = id_tag(id);
  // Doubles are left out: NaN has no place in the order. Dates and dateTimes with and without a time zone
  // are not comparable, and their time-zone code sits in the low bits, so only one kind may meet another.
  return tag == IdTag::Integer || tag == IdTag::Decimal || tag == IdTag::Boolean || tag == IdTag::Date ||
         tag == IdTag::DateTime;
}

// Whether a comparison operator holds for a three-way comparison result.
static bool holds(Op op, int c) {
  switch (op) {
    case Op::Equal:
      return c == 0;
    case Op::NotEqual:
      return c != 0;
    case Op::Less:
      return c < 0;
    case Op::Greater:
      return c > 0;
    case Op::LessEqual:
      return c <= 0;
    default:
      return c >= 0;
  }
}

static bool same_zone_kind(TermId a, TermId b) {
  if (id_tag(a) != IdTag::Date && id_tag(a) != IdTag::DateTime) return true;
  return ((a & 0xFF) == 0) == ((b & 0xFF) == 0);
}

std::optional<bool> effective_boolean(const Term& t) {
  if (t.kind != TermKind::Literal) return std::nullopt;
  if (t.datatype == xsd::kBoolean) {
    if (t.value == "true" || t.value == "1") return true;
    if (t.value == "false" || t.value == "0") return false;
    return false;  // an invalid boolean has EBV false
  }
  if (t.datatype.empty()) return !t.value.empty();
  if (auto n = number(t)) return !(n->is_zero() || std::isnan(n->value));
  if (is_integer_type(t.datatype) || t.datatype == xsd::kDecimal || t.datatype == kFloat ||
      t.datatype == xsd::kDouble)
    return false;  // ill-typed numeric
  return std::nullopt;
}

// <0, 0, >0, or nullopt when the two cannot be ordered by value.
static std::optional<int> value_compare(const Term& a, const Term& b) {
  auto na = number(a), nb = number(b);
  if (na && nb) {
    if (na->exact && nb->exact) return na->exact->compare(*nb->exact);
    if (std::isnan(na->value) || std::isnan(nb->value)) return std::nullopt;
    return (na->value > nb->value) - (na->value < nb->value);
  }
  if (is_simple_or_string(a) && is_simple_or_string(b))
    return a.value.compare(b.value) < 0 ? -1 : a.value == b.value ? 0 : 1;
  if (a.kind == TermKind::Literal && b.kind == TermKind::Literal && a.datatype == b.datatype) {
    if (a.datatype == xsd::kBoolean) {
      // Only valid lexical forms have a value: "TRUE"^^xsd:boolean (EBV false) does not equal false.
      auto valid = [](const Term& t) {
        return t.value == "true" || t.value == "1" || t.value == "false" || t.value == "0";
      };
      if (!valid(a) || !valid(b)) return std::nullopt;
      auto ea = effective_boolean(a), eb = effective_boolean(b);
      return (*ea > *eb) - (*ea < *eb);
    }
    if (a.datatype == xsd::kDateTime || a.datatype == xsd::kDate) return instant_compare(a, b);
  }
  return std::nullopt;
}

std::optional<bool> terms_equal(const Term& a, const Term& b) {
  if (auto c = value_compare(a, b)) return *c == 0;
  if (a.datatype == b.datatype && instant(a) && instant(b)) return std::nullopt;  // indeterminate
  auto na = number(a), nb = number(b);
  if (na && nb) return false;  // NaN
  if (a == b) return true;
  if (!a.language.empty() || !b.language.empty())
    return false;  // a language-tagged literal equals only itself
  if (a.kind == TermKind::Literal && b.kind == TermKind::Literal) {
    // Literals of datatypes we cannot compare by value: unequal only if both are known types.
    auto known = [](const Term& t) {
      return t.datatype.empty() || t.datatype == xsd::kBoolean || t.datatype == xsd::kDateTime ||
             t.datatype == xsd::kDate || number(t);
    };
    if (!known(a) || !known(b)) return std::nullopt;
  }
  return false;
}

int order_compare(const std::optional<Term>& a, const std::optional<Term>& b) {
  if (!a || !b) return !!a - !!b;
  auto rank = [](const Term& t) { return t.kind == TermKind::Blank ? 0 : t.kind == TermKind::Iri ? 1 : 2; };
  if (rank(*a) != rank(*b)) return rank(*a) - rank(*b);
  if (a->kind == TermKind::Literal)
    if (auto c = value_compare(*a, *b)) return *c;
  if (int c = a->value.compare(b->value)) return c;
  if (int c = a->datatype.compare(b->datatype)) return c;
  return a->language.compare(b->language);
}

// IN / NOT IN, apart from eval(): its locals would otherwise be in the stack once per level of nesting.
__attribute__((noinline)) std::optional<Term> ExpressionEvaluator::in_list(const Expr& e, const Row& row) {
  auto v = eval(*e.args[0], row);
  if (!v) return std::nullopt;
  bool error = false;
  for (size_t i = 1; i < e.args.size(); ++i) {
    ctx_.check_deadline();  // a list may be long (hundreds of thousands of values)
    auto x = eval(*e.args[i], row);
    auto eq = x ? terms_equal(*v, *x) : std::nullopt;
    if (eq && *eq) return boolean(e.op == Op::In);
    if (!eq) error = true;
  }
  if (error) return std::nullopt;
  return boolean(e.op == Op::NotIn);
}

std::optional<Term> ExpressionEvaluator::eval(const Expr& e, const Row& row) {
  switch (e.op) {
    case Op::Constant:
      return e.constant;
    case Op::Variable:
      if (row[e.var] == kUnbound) return std::nullopt;
      return ctx_.term(row[e.var]);
    case Op::Bound:
      return boolean(e.args[0]->op == Op::Variable && row[e.args[0]->var] != kUnbound);
    case Op::Or:
    case Op::And: {
      auto b = ebv(e, row);
      return b ? std::optional<Term>(boolean(*b)) : std::nullopt;
    }
    case Op::If: {
      auto c = ebv(*e.args[0], row);
      if (!c) return std::nullopt;
      return eval(*e.args[*c ? 1 : 2], row);
    }
    case Op::Coalesce:
      for (auto& a : e.args)
        if (auto v = eval(*a, row)) return v;
      return std::nullopt;
    case Op::In:
    case Op::NotIn:
      return in_list(e, row);
    case Op::Exists:
    case Op::NotExists:
      return boolean(exists_(*e.pattern, row) == (e.op == Op::Exists));
    default:
      return call(e, row);
  }
}

std::optional<bool> ExpressionEvaluator::ebv(const Expr& e, const Row& row) {
  if (e.op >= Op::Equal && e.op <= Op::GreaterEqual && e.args.size() == 2)
    if (auto c = compare_ids(e.op, *e.args[0], *e.args[1], row)) return *c;
  // The logical operators and BOUND without building boolean terms (errors as in eval): filters call this
  // per row.
  if (e.op == Op::And) {
    auto a = ebv(*e.args[0], row);
    if (a && !*a) return false;
    auto b = ebv(*e.args[1], row);
    if (b && !*b) return false;
    if (a && b) return true;
    return std::nullopt;
  }
  if (e.op == Op::Or) {
    auto a = ebv(*e.args[0], row);
    if (a && *a) return true;
    auto b = ebv(*e.args[1], row);
    if (b && *b) return true;
    if (a && b) return false;
    return std::nullopt;
  }
  if (e.op == Op::Not && e.args.size() == 1) {
    auto a = ebv(*e.args[0], row);
    if (!a) return std::nullopt;
    return !*a;
  }
  if (e.op == Op::Exists || e.op == Op::NotExists) return exists_(*e.pattern, row) == (e.op == Op::Exists);
  if (e.op == Op::Bound) return e.args[0]->op == Op::Variable && row[e.args[0]->var] != kUnbound;
  if (e.op == Op::Regex && e.args[0]->op == Op::Variable)
    if (const Regex* re = constant_regex(e)) {
      const TermId id = row[e.args[0]->var];
      if (id == kUnbound) return std::nullopt;
      const Term& text = ctx_.term(id);
      if (!is_string_like(text)) return std::nullopt;
      return re->search(text.value);
    }
  auto v = eval(e, row);
  if (!v) return std::nullopt;
  return effective_boolean(*v);
}

const Regex* ExpressionEvaluator::constant_regex(const Expr& e) {
  auto [it, fresh] = constant_regexes_.try_emplace(&e);
  if (fresh) {
    const bool constant = std::all_of(e.args.begin() + 1, e.args.end(), [](const ExprPtr& a) {
      return a->op == Op::Constant && is_simple_or_string(a->constant);
    });
    if (constant && e.args.size() >= 2)
      it->second =
          Regex::compile(e.args[1]->constant.value, e.args.size() > 2 ? e.args[2]->constant.value : "");
  }
  return it->second ? &*it->second : nullptr;
}

TermId ExpressionEvaluator::operand_id(const Expr& e, const Row& row) {
  if (e.op == Op::Variable) return row[e.var];
  if (e.op == Op::Add || e.op == Op::Subtract || e.op == Op::Multiply) return integer_arithmetic_id(e, row);
  if (e.op != Op::Constant) return kUnbound;
  auto [it, inserted] = constant_ids_.try_emplace(&e, kUnbound);
  if (inserted) {
    // An IRI constant gets the query's one id for it (the store's, else a local one); a literal its
    // inline id, if it has one.
    it->second = e.constant.kind == TermKind::Iri ? ctx_.intern(e.constant)
                                                  : inline_id(e.constant.view()).value_or(kUnbound);
  }
  return it->second;
}

// Integer arithmetic gives an integer (op:numeric-add, -subtract, -multiply on xsd:integer): on ids, no
// operand is decoded and no term built per row.
TermId ExpressionEvaluator::integer_arithmetic_id(const Expr& e, const Row& row) {
  if (e.args.size() != 2) return kUnbound;
  const auto x = integer_value(operand_id(*e.args[0], row));
  if (!x) return kUnbound;
  const auto y = integer_value(operand_id(*e.args[1], row));
  if (!y) return kUnbound;
  int64_t r;
  const bool overflow = e.op == Op::Add        ? __builtin_add_overflow(*x, *y, &r)
                        : e.op == Op::Subtract ? __builtin_sub_overflow(*x, *y, &r)
                                               : __builtin_mul_overflow(*x, *y, &r);
  return overflow ? kUnbound : integer_id(r).value_or(kUnbound);
}

namespace {
// Whether an operand's id is an IRI's or a blank node's, known from the id alone.
bool resource_id(TermId id, const Expr& operand) {
  if (operand.op == Op::Constant) return operand.constant.kind == TermKind::Iri;
  return id != kUnbound && (id_tag(id) == IdTag::Iri || id_tag(id) == IdTag::Blank);
}
}  // namespace

std::optional<bool> ExpressionEvaluator::compare_ids(Op op, const Expr& a, const Expr& b, const Row& row) {
  TermId x = operand_id(a, row), y = operand_id(b, row);
  if (x == kUnbound || y == kUnbound) return std::nullopt;
  if (ordered_by_id(x) && ordered_by_id(y) && id_tag(x) == id_tag(y) && same_zone_kind(x, y)) {
    if (id_tag(x) == IdTag::Date || id_tag(x) == IdTag::DateTime)
      x >>= 8, y >>= 8;  // the instant, not the zone
    return holds(op, (x > y) - (x < y));
  }
  // A term has one id in a query: with an IRI or a blank node on one side, "=" is sameTerm (RDFterm-equal
  // is false, not an error, for different terms unless both are literals).
  if ((op == Op::Equal || op == Op::NotEqual) && (resource_id(x, a) || resource_id(y, b)))
    return (x == y) == (op == Op::Equal);
  return std::nullopt;
}

std::optional<Term> ExpressionEvaluator::call(const Expr& e, const Row& row) {
  // Comparisons of inline values of one type, and of IRIs, are decided on the ids.
  if (e.op >= Op::Equal && e.op <= Op::GreaterEqual && e.args.size() == 2) {
    if (auto c = compare_ids(e.op, *e.args[0], *e.args[1], row)) return boolean(*c);
  }
  // Only on two leaves here: a nested operand is evaluated below anyway, and trying the ids of a whole
  // subtree at every level would take time quadratic in its depth where an operand is not an integer.
  const auto leaf = [](const ExprPtr& a) { return a->op == Op::Variable || a->op == Op::Constant; };
  if ((e.op == Op::Add || e.op == Op::Subtract || e.op == Op::Multiply) && e.args.size() == 2 &&
      leaf(e.args[0]) && leaf(e.args[1])) {
    if (TermId id = integer_arithmetic_id(e, row); id != kUnbound) return decode_inline(id);
  }
  std::vector<Term> a;
  a.reserve(e.args.size());
  for (auto& arg : e.args) {
    if (e.args.size() > 64) ctx_.check_deadline();
    auto v = eval(*arg, row);
    if (!v) return std::nullopt;
    a.push_back(std::move(*v));
  }
  return apply(e, a);
}

// The operators' bodies hold many locals; apart from call() they take no stack in a nested evaluation.
__attribute__((noinline)) std::optional<Term> ExpressionEvaluator::apply(const Expr& e,
                                                                         std::vector<Term>& a) {
  switch (e.op) {
    case Op::Not: {
      auto b = effective_boolean(a[0]);
      return b ? std::optional<Term>(boolean(!*b)) : std::nullopt;
    }
    case Op::Equal:
    case Op::NotEqual: {
      auto eq = terms_equal(a[0], a[1]);
      if (!eq) return std::nullopt;
      return boolean(*eq == (e.op == Op::Equal));
    }
    case Op::Less:
    case Op::Greater:
    case Op::LessEqual:
    case Op::GreaterEqual: {
      auto c = value_compare(a[0], a[1]);
      if (!c) return std::nullopt;
      bool r = e.op == Op::Less        ? *c < 0
               : e.op == Op::Greater   ? *c > 0
               : e.op == Op::LessEqual ? *c <= 0
                                       : *c >= 0;
      return boolean(r);
    }
    case Op::Add:
    case Op::Subtract:
    case Op::Multiply:
    case Op::Divide:
    case Op::Negate:
    case Op::Plus:
    case Op::Abs:
    case Op::Round:
    case Op::Ceil:
    case Op::Floor:
    case Op::Rand:
      return apply_numeric(e.op, a);
    case Op::StrLen:
    case Op::SubStr:
    case Op::UCase:
    case Op::LCase:
    case Op::StrStarts:
    case Op::StrEnds:
    case Op::Contains:
    case Op::StrBefore:
    case Op::StrAfter:
    case Op::EncodeForUri:
    case Op::Concat:
    case Op::LangMatches:
    case Op::Regex:
    case Op::Replace:
    case Op::Md5:
    case Op::Sha1:
    case Op::Sha256:
    case Op::Sha384:
    case Op::Sha512:
      return apply_string(e.op, a, regexes_);
    case Op::Now:
    case Op::Year:
    case Op::Month:
    case Op::Day:
    case Op::Hours:
    case Op::Minutes:
    case Op::Seconds:
    case Op::Timezone:
    case Op::Tz:
      return apply_datetime(e.op, a);
    case Op::SameTerm:
    case Op::IsIri:
    case Op::IsBlank:
    case Op::IsLiteral:
    case Op::IsNumeric:
    case Op::Str:
    case Op::Lang:
    case Op::Datatype:
    case Op::Iri:
    case Op::Bnode:
    case Op::StrDt:
    case Op::StrLang:
    case Op::Uuid:
    case Op::StrUuid:
      return apply_term(e.op, a, solution_bnodes_);
    case Op::Cast:
      return cast(e.function_iri, a[0]);
    case Op::Unknown:
      return std::nullopt;
    // Evaluated by eval() before their arguments, or aggregates (AggregateState).
    case Op::Constant:
    case Op::Variable:
    case Op::Or:
    case Op::And:
    case Op::Bound:
    case Op::If:
    case Op::Coalesce:
    case Op::In:
    case Op::NotIn:
    case Op::Exists:
    case Op::NotExists:
    case Op::Count:
    case Op::Sum:
    case Op::Avg:
    case Op::Min:
    case Op::Max:
    case Op::Sample:
    case Op::GroupConcat:
      break;
  }
  throw QueryError("internal error: an operator applied out of place");
}

}  // namespace quiver::query
