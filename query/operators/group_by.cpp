// GROUP BY: rows streamed into per-group aggregate states, keyed by their group keys' ids.
#include "query/operators/operators.h"

#include <unordered_map>
#include <unordered_set>
#include "query/index_shortcuts.h"

namespace quiver::query {

namespace {
constexpr size_t kDistinctIdBytes = 32;  // an id in a hash set, with its node and bucket
}  // namespace

std::vector<Row> group_rows(Executor& ex, const Node& node, RowStream& input) {
  QueryContext& ctx = ex.context();
  // Rows come in batches; an expression is evaluated on a copy of its row in `scratch`.
  Row scratch;
  auto as_row = [&](std::span<const TermId> r) -> const Row& {
    scratch.assign(r.begin(), r.end());
    return scratch;
  };
  // Keys that are plain variables group on the row's ids: no decoding, no dictionary lookups.
  auto key_id = [&](const ExprPtr& e, std::span<const TermId> r) {
    if (e->op == Op::Variable) return r[e->var];
    auto v = ex.evaluator().eval(*e, as_row(r));
    return v ? ctx.intern(*v) : kUnbound;
  };
  // COUNT(*), COUNT(?v) and COUNT(DISTINCT ?v) count rows, bound ids and distinct ids without decoding
  // anything: equal terms have equal ids, and DISTINCT compares terms (sameTerm).
  auto plain_count = [](const Expr& e) {
    return e.op == Op::Count && (e.args.empty() ? !e.distinct : e.args[0]->op == Op::Variable);
  };
  struct Group {
    std::vector<uint64_t> counts;
    std::vector<std::unique_ptr<AggregateState>> states;
    std::vector<std::unordered_set<TermId>> distinct;  // per COUNT(DISTINCT ?v): the ids counted
  };
  auto new_group = [&] {
    Group g;
    for (const Aggregate& agg : node.aggregates) {
      g.counts.push_back(0);
      g.states.push_back(plain_count(*agg.expr) ? nullptr : std::make_unique<AggregateState>(*agg.expr));
      g.distinct.emplace_back();
    }
    return g;
  };
  std::unordered_map<std::vector<TermId>, Group, RowHash> groups;
  std::vector<std::vector<TermId>> order;  // first-seen order of the groups
  std::vector<TermId> key, last_key;
  Group* last = nullptr;  // rows often come in runs of one group (always, without keys): skip the lookup
  auto add = [&](std::span<const TermId> r) {
    ctx.check_deadline();  // per row: it reads the clock every few thousand calls
    key.clear();
    for (const auto& [var, e] : node.group_keys) key.push_back(key_id(e, r));
    if (!last || !same_ids(key, last_key)) {
      auto it = groups.find(key);
      if (it == groups.end()) {
        it = groups.emplace(key, new_group()).first;
        ctx.charge_memory(ctx.row_bytes() + node.aggregates.size() * 64);
        order.push_back(key);
      }
      last = &it->second;  // stable: the map's nodes never move
      last_key = key;
    }
    Group& g = *last;
    for (size_t a = 0; a < node.aggregates.size(); ++a) {
      const Expr& e = *node.aggregates[a].expr;
      if (!g.states[a] && e.distinct) {
        if (const TermId id = r[e.args[0]->var]; id != kUnbound && g.distinct[a].insert(id).second) {
          ++g.counts[a];
          ctx.charge_memory(kDistinctIdBytes);
        }
      } else if (!g.states[a]) {
        g.counts[a] += e.args.empty() || r[e.args[0]->var] != kUnbound;
      } else {
        // GROUP_CONCAT and DISTINCT aggregates grow with their group: charged as they do.
        const size_t before = g.states[a]->bytes();
        g.states[a]->add(e.args.empty() ? std::optional<Term>(Term())
                                        : ex.evaluator().eval(*e.args[0], as_row(r)));
        if (const size_t after = g.states[a]->bytes(); after > before) ctx.charge_memory(after - before);
      }
    }
  };
  const size_t width = ctx.variables();
  std::vector<TermId> cells;
  for (size_t n; (n = input.next_rows(cells, width)) > 0; cells.clear()) {
    for (size_t i = 0; i < n; ++i) add({cells.data() + i * width, width});
  }
  if (groups.empty() && node.group_keys.empty()) {  // aggregates over no solutions: one group
    groups.emplace(std::vector<TermId>{}, new_group());
    order.emplace_back();
  }
  std::vector<Row> out;
  for (const auto& k : order) {
    const Group& g = groups.at(k);
    Row row = ctx.empty_row();
    for (size_t i = 0; i < k.size(); ++i) row[node.group_keys[i].first] = k[i];
    for (size_t i = 0; i < node.aggregates.size(); ++i) {
      if (!g.states[i]) {
        row[node.aggregates[i].var] = ctx.count_id(g.counts[i]);
        continue;
      }
      if (std::optional<Term> v = g.states[i]->result()) row[node.aggregates[i].var] = ctx.intern(*v);
    }
    out.push_back(std::move(row));
  }
  return out;
}

GroupOperator::GroupOperator(Executor& ex, const Node& node, bool counts_runs)
    : Operator(ex, node), counts_runs_(counts_runs) {
  add_operands();
}

std::string GroupOperator::describe(const PlanNames& names) const {
  std::string s = node_.group_keys.empty() ? "Group" : "Group by";
  for (const auto& [v, e] : node_.group_keys) s += " " + names.var(v);
  s += " (" + std::to_string(node_.aggregates.size()) + " aggregates)";
  if (counts_runs_) s += ", counting the index's runs in one graph";
  return s;
}

std::unique_ptr<RowStream> GroupOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  if (counts_runs_)
    if (auto counts = counts_by_object(ex_, node_, input, graph)) {
      ex_.note(node_, "counted from the index's runs of equal objects");
      return std::make_unique<OwnedRowsStream>(std::move(*counts));
    }
  auto child = ex_.open(*node_.left, input, graph);
  return std::make_unique<OwnedRowsStream>(group_rows(ex_, node_, *child));
}

}  // namespace quiver::query
