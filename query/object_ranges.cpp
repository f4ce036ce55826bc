#include "query/object_ranges.h"

#include "query/expression.h"

#include <algorithm>
#include <functional>

namespace quiver::query {

// Id intervals that hold every value that could satisfy the FILTER's range comparisons on a variable: the
// constant's own type narrowed to the range, plus, unnarrowed, the dictionary literals and the other numeric
// types (values that may still compare true). The FILTER itself still runs on every row.
ObjectRanges object_ranges(const std::vector<ExprPtr>& conjuncts) {
  struct Bound {
    IdTag tag;
    TermId lo, hi;
    bool valid = true;
  };
  std::map<VarId, Bound> bounds;
  std::function<void(const Expr&)> visit = [&](const Expr& e) {
    if (e.op == Op::And) {
      for (auto& a : e.args) visit(*a);
      return;
    }
    if (e.op < Op::Equal || e.op > Op::GreaterEqual || e.op == Op::NotEqual || e.args.size() != 2) return;
    const Expr *var = e.args[0].get(), *constant = e.args[1].get();
    Op op = e.op;
    if (var->op == Op::Constant && constant->op == Op::Variable) {
      std::swap(var, constant);
      op = op == Op::Less           ? Op::Greater
           : op == Op::Greater      ? Op::Less
           : op == Op::LessEqual    ? Op::GreaterEqual
           : op == Op::GreaterEqual ? Op::LessEqual
                                    : op;
    }
    if (var->op != Op::Variable || constant->op != Op::Constant) return;
    auto id = inline_id(constant->constant.view());
    if (!id || !ordered_by_id(*id)) return;
    const IdTag tag = id_tag(*id);
    const bool zoned =
        tag == IdTag::Date || tag == IdTag::DateTime;  // instant in the high bits, zone in the low 8
    const TermId first = zoned ? *id & ~TermId{0xFF} : *id, last = zoned ? *id | 0xFF : *id;
    auto [it, fresh] = bounds.try_emplace(var->var, Bound{tag, make_id(tag, 0), make_id(tag, kPayloadMask)});
    Bound& b = it->second;
    if (b.tag != tag) b.valid = false;
    if (op == Op::Greater) b.lo = std::max(b.lo, last + 1);
    if (op == Op::GreaterEqual || op == Op::Equal) b.lo = std::max(b.lo, first);
    if (op == Op::Less) b.hi = std::min(b.hi, first - 1);
    if (op == Op::LessEqual || op == Op::Equal) b.hi = std::min(b.hi, last);
  };
  for (const auto& c : conjuncts) visit(*c);
  ObjectRanges out;
  for (auto& [var, b] : bounds) {
    if (!b.valid) continue;
    auto whole = [](IdTag t) { return std::make_pair(make_id(t, 0), make_id(t, kPayloadMask)); };
    std::vector<std::pair<TermId, TermId>> intervals = {whole(IdTag::Literal)};
    const bool numeric = b.tag == IdTag::Integer || b.tag == IdTag::Decimal;
    for (IdTag t : {IdTag::Integer, IdTag::Decimal, IdTag::Double}) {
      if (t == b.tag) continue;
      if (numeric) intervals.push_back(whole(t));
    }
    if (b.lo <= b.hi) intervals.emplace_back(b.lo, b.hi);
    std::sort(intervals.begin(), intervals.end());
    out[var] = std::move(intervals);
  }
  return out;
}

}  // namespace quiver::query
