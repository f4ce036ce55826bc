// Streams every operator uses: rows held in memory, a probe's matches, and the row count EXPLAIN reports.
#pragma once

#include "query/executor.h"

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

class CountingStream : public RowStream {
 public:
  CountingStream(std::unique_ptr<RowStream> child, uint64_t& rows) : child_(std::move(child)), rows_(rows) {}
  bool next(Row& out) override {
    if (!child_->next(out)) return false;
    ++rows_;
    return true;
  }

 private:
  std::unique_ptr<RowStream> child_;
  uint64_t& rows_;
};

struct RowHash {
  size_t operator()(const Row& r) const {
    size_t h = 0;
    for (TermId id : r) h = h * 1000003 ^ std::hash<TermId>()(id);
    return h;
  }
};

}  // namespace quiver::query
