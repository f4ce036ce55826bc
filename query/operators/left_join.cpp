// OPTIONAL: each left row with its compatible right rows that pass the condition, or alone.
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class LeftJoinStream : public RowStream {
 public:
  LeftJoinStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> left, std::optional<TermId> graph)
      : ex_(ex), node_(node), left_(std::move(left)), graph_(graph) {}
  bool next(Row& out) override {
    for (;;) {
      if (right_rows_.is_open()) {
        if (next_joined(out)) return true;
        end_row();
        if (!matched_) {
          out = row_;
          return true;
        }
      }
      if (!next_left(out.size())) return false;
      if (!start_row()) {
        out = row_;
        return true;
      }
    }
  }
  // For consumers that take every row: left rows come in batches and are joined in one loop each, until
  // about a batch of output rows is made.
  size_t next_rows(std::vector<TermId>& cells, size_t width) override {
    constexpr size_t kBatch = 1024;
    constexpr size_t kAhead = 8;  // rows between a probe's prefetch and the probe
    if (right_rows_.is_open()) return RowStream::next_rows(cells, width);  // next() left a row half done
    const size_t start = cells.size(), enough = start + kBatch * width;
    while (cells.size() < enough) {
      if (left_pos_ == left_cells_.size()) {
        left_cells_.clear();
        left_pos_ = 0;
        if (!left_->next_rows(left_cells_, width)) break;
      }
      for (; left_pos_ < left_cells_.size() && cells.size() < enough; left_pos_ += width) {
        auto ahead = [&](size_t rows) {
          return row_ahead(left_cells_, left_pos_, rows, width, left_cells_.size());
        };
        ex_.prefetch_probes(*node_.right, graph_, ahead(kAhead), ahead(kAhead / 2));
        row_.assign(left_cells_.begin() + left_pos_, left_cells_.begin() + left_pos_ + width);
        if (start_row()) {
          while (next_joined(out_)) cells.insert(cells.end(), out_.begin(), out_.end());
          end_row();
        }
        if (!matched_) cells.insert(cells.end(), row_.begin(), row_.end());
      }
    }
    return (cells.size() - start) / width;
  }

 private:
  // The next left row into row_: what is left of next_rows()'s last batch first.
  bool next_left(size_t width) {
    if (left_pos_ == left_cells_.size()) return left_->next(row_);
    row_.assign(left_cells_.begin() + left_pos_, left_cells_.begin() + left_pos_ + width);
    left_pos_ += width;
    return true;
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
  Executor& ex_;
  const Node& node_;
  std::unique_ptr<RowStream> left_;
  std::optional<TermId> graph_;
  RightRows right_rows_;
  Row row_, out_;
  std::vector<TermId> left_cells_;  // a batch of left rows (next_rows), used up to left_pos_
  size_t left_pos_ = 0;
  bool matched_ = false;
};

}  // namespace

std::unique_ptr<RowStream> left_join(Executor& ex, const Node& node, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph) {
  return std::make_unique<LeftJoinStream>(ex, node, std::move(left), graph);
}

}  // namespace quiver::query
