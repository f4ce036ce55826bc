// Joins by nested loops: the right side opened with each row of the left (substituted, or probed in its
// hash).
#include "query/operators/operators.h"

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
// looked up) without a stream per row, or else the right side opened with the row substituted. Left rows
// are read a few at a time so that the memory of their probes is fetched together.
class JoinStream : public RowStream {
 public:
  JoinStream(Executor& ex, const Node& right, std::unique_ptr<RowStream> left, std::optional<TermId> graph)
      : ex_(ex), right_(right), left_(std::move(left)), graph_(graph), ahead_(kAhead) {}
  bool next(Row& out) override {
    for (;;) {
      if (right_rows_.next(row_, out)) {
        if (right_rows_.probed()) ex_.count_row(right_);
        return true;
      }
      if (!next_left()) return false;
      ex_.context().check_deadline();
      right_rows_.open(ex_, right_, row_, graph_);
    }
  }

 private:
  // Left rows are read kAhead rows before they are probed: the memory of a probe is fetched first when a
  // row is read, then what it leads to when the row is halfway to its probe.
  static constexpr size_t kAhead = 16;
  bool next_left() {
    if (!started_) {
      started_ = true;
      while (count_ < kAhead && read_one()) ex_.prefetch_probes(right_, graph_, ahead_[count_ - 1], {});
    }
    if (count_ == 0) return false;
    std::swap(row_, ahead_[head_]);
    head_ = (head_ + 1) % kAhead;
    --count_;
    const bool read = read_one();
    const Row& far = ahead_[(head_ + count_ - 1) % kAhead];
    const Row& near = ahead_[(head_ + kAhead / 2) % kAhead];
    ex_.prefetch_probes(right_, graph_, read ? std::span<const TermId>(far) : std::span<const TermId>(),
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

  Executor& ex_;
  const Node& right_;
  std::unique_ptr<RowStream> left_;
  std::optional<TermId> graph_;
  RightRows right_rows_;
  Row row_;
  std::vector<Row> ahead_;  // a ring of the left rows read and not yet probed: count_ of them from head_
  size_t head_ = 0, count_ = 0;
  bool started_ = false, left_done_ = false;
};

}  // namespace

std::unique_ptr<RowStream> join_rows(Executor& ex, const Node& join, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph) {
  return std::make_unique<JoinStream>(ex, *join.right, std::move(left), graph);
}

std::unique_ptr<RowStream> nested_join(std::unique_ptr<RowStream> left, RowOpener right) {
  return std::make_unique<NestedStream>(std::move(left), std::move(right));
}

}  // namespace quiver::query
