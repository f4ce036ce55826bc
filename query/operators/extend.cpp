// BIND: each row with the expression's value, or unchanged when it is an error.
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class ExtendStream : public RowStream {
 public:
  ExtendStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child, std::optional<TermId> graph)
      : ex_(ex), node_(node), child_(std::move(child)), graph_(graph) {}
  bool next(Row& out) override {
    if (!child_->next(out)) return false;
    // The innermost of a chain of BINDs (or SELECT expressions) sees each solution first.
    if (node_.left->kind != Node::Kind::Extend) ex_.evaluator().new_solution();
    if (out[node_.var] != kUnbound) return true;
    if (node_.expr->op == Op::Variable)  // (?x AS ?y): the id itself, not its term decoded and found again
      out[node_.var] = out[node_.expr->var];
    else if (auto v = ex_.eval(*node_.expr, out, graph_))
      out[node_.var] = ex_.context().intern(*v);
    return true;
  }

 private:
  Executor& ex_;
  const Node& node_;
  std::unique_ptr<RowStream> child_;
  std::optional<TermId> graph_;
};

}  // namespace

std::unique_ptr<RowStream> extend_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph) {
  return std::make_unique<ExtendStream>(ex, node, std::move(child), graph);
}

std::string BindOperator::describe(const PlanNames& names) const {
  return "Bind " + names.var(node_.var);
}

std::unique_ptr<RowStream> BindOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  return extend_rows(ex_, node_, ex_.open(*node_.left, input, graph), graph);
}

}  // namespace quiver::query
