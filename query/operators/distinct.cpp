// DISTINCT: each row the first time it comes, the rows seen so far hashed (and charged to the query).
#include "query/operators/operators.h"

#include <unordered_set>
#include "query/index_shortcuts.h"

namespace quiver::query {
namespace {

class DistinctStream : public RowStream {
 public:
  DistinctStream(QueryContext& ctx, std::unique_ptr<RowStream> child) : ctx_(ctx), child_(std::move(child)) {}
  bool next(Row& out) override {
    while (child_->next(out))
      if (seen_.insert(out).second) {
        ctx_.charge_memory(ctx_.row_bytes());
        return true;
      }
    return false;
  }

 private:
  QueryContext& ctx_;
  std::unique_ptr<RowStream> child_;
  std::unordered_set<Row, RowHash> seen_;
};

}  // namespace

std::unique_ptr<RowStream> distinct_rows(QueryContext& ctx, std::unique_ptr<RowStream> child) {
  return std::make_unique<DistinctStream>(ctx, std::move(child));
}

DistinctOperator::DistinctOperator(Executor& ex, const Node& node, bool skip_scan)
    : Operator(ex, node), skip_scan_(skip_scan) {
  add_operands();
}

std::string DistinctOperator::describe(const PlanNames&) const {
  return skip_scan_ ? "Distinct, by an index skip-scan in one graph" : "Distinct";
}

std::unique_ptr<RowStream> DistinctOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  if (skip_scan_)
    if (auto objects = distinct_objects(ex_, node_, input, graph)) {
      ex_.note(node_, "index skip-scan: one seek per distinct object");
      return objects;
    }
  return distinct_rows(ex_.context(), ex_.open(*node_.left, input, graph));
}

std::string ReducedOperator::describe(const PlanNames&) const {
  return "Reduced";
}

std::unique_ptr<RowStream> ReducedOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  return ex_.open(*node_.left, input, graph);
}

}  // namespace quiver::query
