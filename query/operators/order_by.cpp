// ORDER BY: the rows sorted by their keys, decided on ids where one inline type orders them; top-k under
// LIMIT.
#include "query/operators/operators.h"

#include <algorithm>
#include <unordered_map>

namespace quiver::query {
namespace {

// An ORDER BY key: the id when that alone decides the order (same inline type), else the decoded term.
struct OrderValue {
  TermId id = kUnbound;
  std::optional<Term> term;
};

}  // namespace

// The rows of `input` in ORDER BY order; with `keep`, only the first `keep` of them (top-k: memory and
// sorting bounded by k, not by the input). Ties keep input order.
std::vector<Row> order_rows(Executor& ex, const Node& node, RowStream& input, std::optional<size_t> keep,
                            const std::vector<VarId>* distinct_on) {
  QueryContext& ctx = ex.context();
  struct Keyed {
    std::vector<OrderValue> keys;
    size_t index;
    Row row;
  };
  auto compare_values = [&](const OrderValue& a, const OrderValue& b) {
    if (a.id != kUnbound && b.id != kUnbound && id_tag(a.id) == id_tag(b.id))
      return (a.id > b.id) - (a.id < b.id);
    auto term = [&](const OrderValue& v) {
      return v.id != kUnbound ? std::optional<Term>(ctx.term(v.id)) : v.term;
    };
    return order_compare(term(a), term(b));
  };
  auto before = [&](const Keyed& a, const Keyed& b) {
    for (size_t k = 0; k < node.order.size(); ++k) {
      ctx.check_deadline();  // sorting on many keys takes long too
      int c = compare_values(a.keys[k], b.keys[k]);
      if (c) return node.order[k].descending ? c > 0 : c < 0;
    }
    return a.index < b.index;
  };
  std::vector<Keyed> keyed;
  const size_t row_bytes = ctx.row_bytes() + node.order.size() * sizeof(OrderValue);
  // With `distinct_on`: the kept row of each combination of those variables' values. A row whose
  // combination is kept replaces that row when it comes first in the order, else is dropped; one whose kept
  // row was dropped to stay within `keep` is behind `keep` others already, as the new row then is too.
  std::unordered_map<Row, size_t, RowHash> kept_of;
  auto on = [&](const Row& row) {
    Row values;
    for (VarId v : *distinct_on) values.push_back(row[v]);
    return values;
  };
  auto index_kept = [&] {
    kept_of.clear();
    for (size_t i = 0; i < keyed.size(); ++i) kept_of.emplace(on(keyed[i].row), i);
  };
  Row r;
  for (size_t i = 0; input.next(r); ++i) {
    ctx.check_deadline();
    Keyed k{{}, i, r};
    for (const auto& key : node.order) {
      ctx.check_deadline();
      OrderValue v;
      if (key.expr->op == Op::Variable && ordered_by_id(r[key.expr->var]))
        v.id = r[key.expr->var];
      else
        v.term = ex.evaluator().eval(*key.expr, r);
      k.keys.push_back(std::move(v));
    }
    if (distinct_on) {
      auto [it, fresh] = kept_of.emplace(on(r), keyed.size());
      if (!fresh) {
        if (before(k, keyed[it->second])) keyed[it->second] = std::move(k);
        continue;
      }
    }
    keyed.push_back(std::move(k));
    ctx.charge_memory(row_bytes);
    if (keep && keyed.size() >= 2 * *keep + 64) {  // drop what can no longer make the first `keep`
      std::nth_element(keyed.begin(), keyed.begin() + *keep, keyed.end(), before);
      ctx.release_memory((keyed.size() - *keep) * row_bytes);
      keyed.resize(*keep);
      if (distinct_on) index_kept();
    }
  }
  std::sort(keyed.begin(), keyed.end(), before);
  if (keep && keyed.size() > *keep) keyed.resize(*keep);
  std::vector<Row> out;
  out.reserve(keyed.size());
  for (auto& k : keyed) out.push_back(std::move(k.row));
  return out;
}

std::string OrderByOperator::describe(const PlanNames&) const {
  return "Order by (" + std::to_string(node_.order.size()) + " keys)";
}

std::unique_ptr<RowStream> OrderByOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  auto child = ex_.open(*node_.left, input, graph);
  return std::make_unique<OwnedRowsStream>(order_rows(ex_, node_, *child));
}

}  // namespace quiver::query
