// Arithmetic (exact on integers and decimals, XSD's type promotion otherwise) and the numeric functions.
#include <cmath>
#include <random>

#include "query/functions/values.h"

namespace quiver::query::functions {
namespace {

// op:numeric-add, -subtract, -multiply and -divide on two integers or decimals: exact, but for a quotient's
// rounding (Decimal::kDivisionDigits); an integer quotient is a decimal.
std::optional<Term> exact_arithmetic(Op op, const Number& x, const Number& y) {
  const NumType type = std::max(x.type, y.type);
  switch (op) {
    case Op::Add:
      return make_exact(type, *x.exact + *y.exact);
    case Op::Subtract:
      return make_exact(type, *x.exact - *y.exact);
    case Op::Multiply:
      return make_exact(type, *x.exact * *y.exact);
    default: {
      auto quotient = x.exact->divided_by(*y.exact);
      if (!quotient) return std::nullopt;  // division by zero
      return make_exact(NumType::Decimal, *quotient);
    }
  }
}

}  // namespace

std::optional<Term> apply_numeric(Op op, std::vector<Term>& a) {
  auto num = [&](size_t i) { return number(a[i]); };
  switch (op) {
    case Op::Add:
    case Op::Subtract:
    case Op::Multiply:
    case Op::Divide: {
      auto x = num(0), y = num(1);
      if (!x || !y) return std::nullopt;
      if (x->exact && y->exact) return exact_arithmetic(op, *x, *y);
      NumType t = std::max(x->type, y->type);
      long double r;
      switch (op) {
        case Op::Add:
          r = x->value + y->value;
          break;
        case Op::Subtract:
          r = x->value - y->value;
          break;
        case Op::Multiply:
          r = x->value * y->value;
          break;
        default:
          if (t <= NumType::Decimal && y->value == 0) return std::nullopt;
          if (t == NumType::Integer) t = NumType::Decimal;
          r = x->value / y->value;
      }
      return make_number(t, r);
    }
    case Op::Negate:
    case Op::Plus: {
      auto x = num(0);
      if (!x) return std::nullopt;
      if (op == Op::Negate && x->exact) x->exact = -*x->exact;
      return make_number(x->type, op == Op::Negate ? -x->value : x->value, x->exact);
    }
    case Op::Abs:
    case Op::Round:
    case Op::Ceil:
    case Op::Floor: {
      auto x = num(0);
      if (!x) return std::nullopt;
      if (x->exact)
        return make_exact(x->type, op == Op::Abs     ? x->exact->abs()
                                   : op == Op::Ceil  ? x->exact->ceil()
                                   : op == Op::Floor ? x->exact->floor()
                                                     : x->exact->round());
      long double v = x->value;
      v = op == Op::Abs     ? std::fabs(v)
          : op == Op::Ceil  ? std::ceil(v)
          : op == Op::Floor ? std::floor(v)
                            : std::floor(v + 0.5L);
      return make_number(x->type, v);
    }
    case Op::Rand: {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      return make_number(NumType::Double, std::uniform_real_distribution<double>(0, 1)(rng));
    }
    default:
      throw QueryError("internal error: not a numeric function");
  }
}

}  // namespace quiver::query::functions
