// Streams every operator uses: rows held in memory, a probe's matches, and the profile EXPLAIN reports.
#pragma once

#include "query/executor.h"
#include "query/operators/operator.h"

namespace quiver::query {

// A probe's matches: the rows of a right side evaluated once that are compatible with an input row.
class CandidateStream : public RowStream {
 public:
  CandidateStream(QueryContext& ctx, Matches matches, Row input)
      : ctx_(ctx), matches_(matches), input_(std::move(input)) {}
  bool next(Row& out) override {
    ctx_.check_deadline();
    return matches_.next(input_, out);
  }

 private:
  QueryContext& ctx_;
  Matches matches_;
  Row input_;
};

// The right side of a join or OPTIONAL for one left row: its matches found by probing it (evaluated once
// and hashed, or looked up), without a stream per row, or else the right side opened with the row
// substituted.
class RightRows {
 public:
  void open(Executor& ex, const Node& right, const Row& row, std::optional<TermId> graph) {
    ctx_ = &ex.context();
    inner_.reset();
    if (!(matches_ = ex.probed(right, row, graph))) inner_ = ex.direct(right, row, graph);
  }
  // The next right row merged with `row`, the left row it was opened with; false when none is left.
  // Checks the deadline per row: one left row may meet millions of right rows.
  bool next(const Row& row, Row& out) {
    if (!is_open()) return false;
    ctx_->check_deadline();
    return matches_ ? matches_->next(row, out) : inner_->next(out);
  }
  // Whether the rows come from a probe: EXPLAIN counts those rows itself (count_row()).
  bool probed() const { return matches_.has_value(); }
  bool is_open() const { return matches_ || inner_; }
  void close() {
    matches_.reset();
    inner_.reset();
  }

 private:
  QueryContext* ctx_ = nullptr;
  std::optional<Matches> matches_;
  std::unique_ptr<RowStream> inner_;
};

class OwnedRowsStream : public RowStream {
 public:
  explicit OwnedRowsStream(std::vector<Row> rows) : rows_(std::move(rows)) {}
  bool next(Row& out) override {
    if (i_ >= rows_.size()) return false;
    out = std::move(rows_[i_++]);
    return true;
  }

 private:
  std::vector<Row> rows_;
  size_t i_ = 0;
};

// EXPLAIN with running: an operator's stream, its rows counted and the time spent in it summed.
class ProfiledStream : public RowStream {
 public:
  ProfiledStream(std::unique_ptr<RowStream> child, Operator::Profile& profile)
      : child_(std::move(child)), profile_(profile) {}
  bool next(Row& out) override {
    const auto start = std::chrono::steady_clock::now();
    const bool more = child_->next(out);
    profile_.time += std::chrono::steady_clock::now() - start;
    profile_.rows += more;
    return more;
  }
  // Batches pass through: EXPLAIN runs the plan as a query does.
  size_t next_batch(std::vector<TermId>& cells, size_t width) override {
    const auto start = std::chrono::steady_clock::now();
    const size_t rows = child_->next_rows(cells, width);
    profile_.time += std::chrono::steady_clock::now() - start;
    profile_.rows += rows;
    return rows;
  }

 private:
  std::unique_ptr<RowStream> child_;
  Operator::Profile& profile_;
};

// In a batch of rows of `width` ids that ends at `end`, the row `rows` rows after the one starting at `at`;
// empty past the end. A batched operator prefetches for the rows a few ahead of the one it works on.
inline std::span<const TermId> row_ahead(const std::vector<TermId>& cells, size_t at, size_t rows,
                                         size_t width, size_t end) {
  const size_t ahead = at + rows * width;
  return ahead < end ? std::span<const TermId>(cells).subspan(ahead, width) : std::span<const TermId>();
}

struct RowHash {
  size_t operator()(const Row& r) const {
    size_t h = 0;
    for (TermId id : r) h = h * 1000003 ^ std::hash<TermId>()(id);
    return h;
  }
};

}  // namespace quiver::query
