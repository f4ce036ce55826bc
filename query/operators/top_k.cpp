// LIMIT over ORDER BY (a projection and DISTINCT between them change no order): the top rows kept while
// sorting, or the index read in order where one pattern's objects are ordered by their ids.
#include "query/index_shortcuts.h"
#include "query/operators/operators.h"

namespace quiver::query {

TopKOperator::TopKOperator(Executor& ex, const Node& node) : Operator(ex, node) {
  add_operands();
  const Node* below = node.left.get();
  if (below->kind == Node::Kind::Distinct) distinct_ = below, below = below->left.get();
  if (below->kind == Node::Kind::Project) project_ = below, below = below->left.get();
  order_ = below;
  for (size_t i : patterns_in_object_order(*order_))
    add_child(ex.without_pattern(*order_->left, i),
              "read in the index's order of one pattern: the rest per row");
}

std::string TopKOperator::describe(const PlanNames&) const {
  return "Slice offset " + std::to_string(node_.offset) + " limit " + std::to_string(node_.limit) +
         ", the top rows of its order";
}

std::vector<Operator::Child> TopKOperator::children_run() const {
  std::vector<Child> run = children();
  if (!read_in_order_) run.resize(1);  // the sort's operands
  return run;
}

std::unique_ptr<RowStream> TopKOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  std::unique_ptr<RowStream> top = ordered_by_object(ex_, *order_, input, graph);
  if (top) {
    read_in_order_ = true;
    ex_.note(*order_, "read in order from the index, stopping at the limit");
  } else {
    const size_t keep = node_.offset + node_.limit;
    std::vector<VarId> distinct_on;
    if (distinct_ && project_) distinct_on = project_->vars;
    for (VarId v = 0; distinct_ && !project_ && v < ex_.context().variables(); ++v) distinct_on.push_back(v);
    ex_.note(*order_, "top-k: keeps " + std::to_string(keep) + (distinct_ ? " distinct rows" : " rows"));
    auto child = ex_.open(*order_->left, input, graph);
    top = std::make_unique<OwnedRowsStream>(
        order_rows(ex_, *order_, *child, keep, distinct_ ? &distinct_on : nullptr));
  }
  top = ex_.plan(*order_).counted(std::move(top));
  if (project_)
    top = ex_.plan(*project_).counted(project_rows(*project_, std::move(top), ex_.context().variables()));
  if (distinct_) top = ex_.plan(*distinct_).counted(distinct_rows(ex_.context(), std::move(top)));
  return slice_rows(node_, std::move(top));
}

}  // namespace quiver::query
