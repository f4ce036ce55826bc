// GRAPH: the pattern matched in one named graph, or in each of the dataset's named graphs in turn with the
// graph's variable bound.
#include <algorithm>

#include "query/operators/operators.h"

namespace quiver::query {

std::string GraphOperator::describe(const PlanNames& names) const {
  return "Graph " + names.term(node_.graph);
}

std::unique_ptr<RowStream> GraphOperator::open_rows(const Row& input, std::optional<TermId>) {
  QueryContext& ctx = ex_.context();
  const PatternTerm& g = node_.graph;
  if (!g.var) {
    auto id = ctx.stored_id(g.constant);
    const auto& named = ctx.dataset().named_graphs;  // FROM NAMED / USING NAMED restrict GRAPH <g> too
    if (id && named && std::find(named->begin(), named->end(), *id) == named->end()) id.reset();
    if (id && !named) {  // the dataset's named graphs are the store's, those that have quads
      const auto& graphs = ctx.store().statistics().graphs;
      if (auto it = graphs.find(*id); it == graphs.end() || it->second == 0) id.reset();
    }
    if (!id) return std::make_unique<OwnedRowsStream>(std::vector<Row>{});  // no such graph: no solution
    return ex_.open(*node_.left, input, *id);
  }
  if (input[*g.var] != kUnbound) return ex_.open(*node_.left, input, input[*g.var]);
  std::vector<TermId> graphs;
  if (ctx.dataset().named_graphs) {
    graphs = *ctx.dataset().named_graphs;
  } else {
    for (const auto& [id, count] : ctx.store().statistics().graphs)
      if (id != kDefaultGraph) graphs.push_back(id);
  }
  std::vector<Row> rows;
  for (TermId id : graphs) {
    Row r = input;
    r[*g.var] = id;
    rows.push_back(std::move(r));
  }
  const Node* inner = node_.left.get();
  const VarId var = *g.var;
  Executor* ex = &ex_;
  return nested_join(std::make_unique<OwnedRowsStream>(std::move(rows)),
                     [ex, inner, var](const Row& r) { return ex->open(*inner, r, r[var]); });
}

}  // namespace quiver::query
