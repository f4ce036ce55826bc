// OPTIONAL: each left row with its compatible right rows that pass the condition, or alone.
#include "query/operators/batched_left_rows.h"
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class LeftJoinStream : public BatchedLeftRows {
 public:
  LeftJoinStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> left, std::optional<TermId> graph)
      : BatchedLeftRows(ex, node, std::move(left), graph) {}
  bool next(Row& out) override {
    if (batched()) return next_of_batches(out);
    for (;;) {
      if (right_rows_.is_open()) {
        if (next_joined(out)) return true;
        end_row();
        if (!matched_) {
          out = row_;
          return true;
        }
      }
      if (!left_->next(row_)) return false;
      if (!start_row()) {
        out = row_;
        return true;
      }
    }
  }

 private:
  bool row_in_progress() const override { return right_rows_.is_open(); }
  bool feeds(const TermId* row) const override {
    return !node_.extends_only_binding || row[*node_.extends_only_binding] != kUnbound;
  }
  void begin_left_row() override { matched_ = false; }
  void joined_row(std::vector<TermId>& cells) override {
    if (!ex_.holds(node_.exprs, out_, graph_)) return;
    ex_.count_row(*node_.right);
    cells.insert(cells.end(), out_.begin(), out_.end());
    matched_ = true;
  }
  void left_row_done(std::vector<TermId>& cells, bool fed) override {
    if (!fed)
      join_row(cells);
    else if (!matched_)
      cells.insert(cells.end(), row_.begin(), row_.end());
  }
  void join_row(std::vector<TermId>& cells) override {
    if (start_row()) {
      while (next_joined(out_)) cells.insert(cells.end(), out_.begin(), out_.end());
      end_row();
    }
    if (!matched_) cells.insert(cells.end(), row_.begin(), row_.end());
  }

  // Opens the right side for row_; false when row_ is one the node passes unchanged.
  bool start_row() {
    matched_ = false;
    if (node_.extends_only_binding && row_[*node_.extends_only_binding] == kUnbound) return false;
    right_rows_.open(ex_, *node_.right, row_, graph_);
    return true;
  }
  void end_row() { right_rows_.close(); }
  // The current left row joined with the right side's next row that passes the condition.
  bool next_joined(Row& out) {
    ex_.context().check_deadline();
    while (right_rows_.next(row_, out)) {
      if (!ex_.holds(node_.exprs, out, graph_)) continue;
      if (right_rows_.probed()) ex_.count_row(*node_.right);
      return matched_ = true;
    }
    return false;
  }

  bool matched_ = false;
};

}  // namespace

std::unique_ptr<RowStream> left_join(Executor& ex, const Node& node, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph) {
  return std::make_unique<LeftJoinStream>(ex, node, std::move(left), graph);
}

std::string OptionalOperator::describe(const PlanNames& names) const {
  if (!node_.extends_only_binding) return "Optional";
  return "Optional (of rows binding " + names.var(*node_.extends_only_binding) + ")";
}

double OptionalOperator::estimated_cost() {
  return join_cost(ex_.plan(*node_.left), ex_.plan(*node_.right), estimated_rows());
}

std::unique_ptr<RowStream> OptionalOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  ex_.expect_probes(*node_.right, graph, ex_.estimate(*node_.left, input));
  return left_join(ex_, node_, ex_.open(*node_.left, input, graph), graph);
}

}  // namespace quiver::query
