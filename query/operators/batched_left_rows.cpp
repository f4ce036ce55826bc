// Left rows a batch at a time for Join and OPTIONAL (batched_left_rows.h).
#include "query/operators/batched_left_rows.h"

#include "query/operators/lookup_chain.h"

namespace quiver::query {

size_t BatchedLeftRows::next_batch(std::vector<TermId>& cells, size_t width) {
  if (row_in_progress()) return one_at_a_time(cells, width);
  batched_ = true;
  return join_batch(cells, width);
}

bool BatchedLeftRows::next_of_batches(Row& out) {
  if (pending_pos_ == pending_.size()) {
    pending_.clear();
    pending_pos_ = 0;
    if (!join_batch(pending_, out.size())) return false;
  }
  const auto row = pending_.begin() + static_cast<ptrdiff_t>(pending_pos_);
  out.assign(row, row + static_cast<ptrdiff_t>(out.size()));
  pending_pos_ += out.size();
  return true;
}

size_t BatchedLeftRows::join_batch(std::vector<TermId>& cells, size_t width) {
  constexpr size_t kBatch = 1024;  // output rows per call, about
  constexpr size_t kAhead = 8;     // rows between a probe's prefetch and the probe
  const size_t start = cells.size(), enough = start + kBatch * width;
  while (cells.size() < enough) {
    if (chain_running_) {
      step_chain(cells, width);
      continue;
    }
    if (left_pos_ == left_cells_.size()) {
      left_cells_.clear();
      left_pos_ = 0;
      if (!left_->next_rows(left_cells_, width)) break;
      if (chained(width)) {
        chain_->start(
            left_cells_, width, [this](const TermId* row) { return feeds(row); }, fed_);
        chain_running_ = true;
        current_ = 0;
        row_.assign(left_cells_.begin(), left_cells_.begin() + static_cast<ptrdiff_t>(width));
        begin_left_row();
        continue;
      }
    }
    for (; left_pos_ < left_cells_.size() && cells.size() < enough; left_pos_ += width) {
      auto ahead = [&](size_t rows) {
        return row_ahead(left_cells_, left_pos_, rows, width, left_cells_.size());
      };
      ex_.prefetch_probes(*node_.right, graph_, ahead(kAhead), ahead(kAhead / 2));
      row_.assign(left_cells_.begin() + left_pos_, left_cells_.begin() + left_pos_ + width);
      join_row(cells);
    }
  }
  return (cells.size() - start) / width;
}

void BatchedLeftRows::step_chain(std::vector<TermId>& cells, size_t width) {
  joined_.clear();
  const size_t got = chain_->append(joined_, LookupChain::kBatchRows), wide = width + 1;
  for (size_t o = 0; o < got * wide; o += wide) {
    ex_.context().check_deadline();
    end_left_rows_before(joined_[o + width], cells, width);
    out_.assign(joined_.begin() + static_cast<ptrdiff_t>(o),
                joined_.begin() + static_cast<ptrdiff_t>(o + width));
    joined_row(cells);
  }
  if (got > 0) return;
  end_left_rows_before(fed_.size(), cells, width);
  chain_running_ = false;
  left_pos_ = left_cells_.size();
}

void BatchedLeftRows::end_left_rows_before(size_t next, std::vector<TermId>& cells, size_t width) {
  while (current_ < next) {
    left_row_done(cells, fed_[current_]);
    if (++current_ == fed_.size()) break;
    const auto row = left_cells_.begin() + static_cast<ptrdiff_t>(current_ * width);
    row_.assign(row, row + static_cast<ptrdiff_t>(width));
    begin_left_row();
  }
}

bool BatchedLeftRows::chained(size_t width) {
  if (!chain_asked_) {
    chain_asked_ = true;
    chain_ = BatchedBindJoin::make(ex_, *node_.right, std::span(left_cells_).first(width), graph_,
                                   ex_.estimate(*node_.left));
    if (chain_) ex_.note(*node_.right, "looked up in memory for a batch of left rows at a time");
  }
  return chain_ != nullptr;
}

}  // namespace quiver::query
