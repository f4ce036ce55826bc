// Joins by nested loops: the right side opened with each row of the left (substituted, or probed in its
// hash).
#include "query/operators/batched_left_rows.h"
#include "query/operators/operators.h"
#include "query/planner.h"

#include <functional>

namespace quiver::query {
namespace {

// For each row of `left`, the rows of `right` opened with it.
class NestedStream : public RowStream {
 public:
  NestedStream(std::unique_ptr<RowStream> left, RowOpener right)
      : left_(std::move(left)), right_(std::move(right)) {}
  bool next(Row& out) override {
    for (;;) {
      if (inner_ && inner_->next(out)) return true;
      if (!left_->next(row_)) return false;
      inner_ = right_(row_);
    }
  }

 private:
  std::unique_ptr<RowStream> left_;
  RowOpener right_;
  std::unique_ptr<RowStream> inner_;
  Row row_;
};

// A Join: for each left row, the right side's matches found by probing it (evaluated once and hashed, or
// looked up) without a stream per row, or else the right side opened with the row substituted. Taken a row
// at a time, left rows are read a few ahead so that the memory of their probes is fetched together; taken
// in batches (BatchedLeftRows), a right side looked up in memory joins a whole batch at once.
class JoinStream : public BatchedLeftRows {
 public:
  JoinStream(Executor& ex, const Node& join, std::unique_ptr<RowStream> left, std::optional<TermId> graph)
      : BatchedLeftRows(ex, join, std::move(left), graph), ahead_(kAhead) {}
  bool next(Row& out) override {
    if (batched()) return next_of_batches(out);
    for (;;) {
      if (right_rows_.next(row_, out)) {
        if (right_rows_.probed()) ex_.count_row(*node_.right);
        return true;
      }
      if (!next_left()) return false;
      ex_.context().check_deadline();
      right_rows_.open(ex_, *node_.right, row_, graph_);
    }
  }

 private:
  bool row_in_progress() const override { return started_; }  // next() has its ring of rows ahead
  void join_row(std::vector<TermId>& cells) override {
    ex_.context().check_deadline();
    right_rows_.open(ex_, *node_.right, row_, graph_);
    while (right_rows_.next(row_, out_)) {
      if (right_rows_.probed()) ex_.count_row(*node_.right);
      cells.insert(cells.end(), out_.begin(), out_.end());
    }
    right_rows_.close();
  }
  void joined_row(std::vector<TermId>& cells) override {
    ex_.count_row(*node_.right);
    cells.insert(cells.end(), out_.begin(), out_.end());
  }
  void left_row_done(std::vector<TermId>& cells, bool fed) override {
    if (!fed) join_row(cells);
  }
  // Left rows are read kAhead rows before they are probed: the memory of a probe is fetched first when a
  // row is read, then what it leads to when the row is halfway to its probe.
  static constexpr size_t kAhead = 16;
  bool next_left() {
    if (!started_) {
      started_ = true;
      while (count_ < kAhead && read_one()) ex_.prefetch_probes(*node_.right, graph_, ahead_[count_ - 1], {});
    }
    if (count_ == 0) return false;
    std::swap(row_, ahead_[head_]);
    head_ = (head_ + 1) % kAhead;
    --count_;
    const bool read = read_one();
    const Row& far = ahead_[(head_ + count_ - 1) % kAhead];
    const Row& near = ahead_[(head_ + kAhead / 2) % kAhead];
    ex_.prefetch_probes(*node_.right, graph_, read ? std::span<const TermId>(far) : std::span<const TermId>(),
                        count_ > kAhead / 2 ? std::span<const TermId>(near) : std::span<const TermId>());
    return true;
  }
  // Reads the next left row into the ring; false at the end.
  bool read_one() {
    if (left_done_) return false;
    if (!left_->next(ahead_[(head_ + count_) % kAhead])) return !(left_done_ = true);
    ++count_;
    return true;
  }

  std::vector<Row> ahead_;  // a ring of the left rows read and not yet probed: count_ of them from head_
  size_t head_ = 0, count_ = 0;
  bool started_ = false, left_done_ = false;
};

}  // namespace

std::unique_ptr<RowStream> join_rows(Executor& ex, const Node& join, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph) {
  return std::make_unique<JoinStream>(ex, join, std::move(left), graph);
}

std::unique_ptr<RowStream> nested_join(std::unique_ptr<RowStream> left, RowOpener right) {
  return std::make_unique<NestedStream>(std::move(left), std::move(right));
}

double join_cost(Operator& left, Operator& right, double rows) {
  return left.estimated_cost() + std::min(left.estimated_rows() * kProbeCost, right.estimated_cost()) + rows;
}

std::string JoinOperator::describe(const PlanNames&) const {
  return "Join";
}

double JoinOperator::estimated_cost() {
  return join_cost(ex_.plan(*node_.left), ex_.plan(*node_.right), estimated_rows());
}

std::unique_ptr<RowStream> JoinOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  ex_.expect_probes(*node_.right, graph, ex_.estimate(*node_.left, input));
  return join_rows(ex_, node_, ex_.open(*node_.left, input, graph), graph);
}

}  // namespace quiver::query
