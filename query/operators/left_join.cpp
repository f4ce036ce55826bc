// OPTIONAL: each left row with its compatible right rows that pass the condition, or alone.
#include "query/operators/lookup_chain.h"
#include "query/operators/operators.h"
#include "query/planner.h"

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
        if (chained(width)) {
          join_batch(cells, width);
          left_pos_ = left_cells_.size();
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

 private:
  // Whether the right side runs as a lookup chain fed a batch of left rows at a time (a batched bind join):
  // when it is a BGP whose every pattern is looked up in memory, led by variables the first left row binds
  // (decided once; a later row that leaves a lead unbound is joined on its own). Rows come out in the left
  // rows' order.
  bool chained(size_t width) {
    if (!chain_asked_) {
      chain_asked_ = true;
      make_chain(width);
    }
    return chain_.has_value();
  }
  void make_chain(size_t width) {
    const Node& right = *node_.right;
    QueryContext& ctx = ex_.context();
    const std::optional<TermId> g = ctx.single_graph(graph_);
    if (right.kind != Node::Kind::Bgp || !g || left_cells_.size() < width) return;
    const Row first(left_cells_.begin(), left_cells_.begin() + static_cast<ptrdiff_t>(width));
    std::vector<bool> bound(width);
    for (size_t v = 0; v < width; ++v) bound[v] = first[v] != kUnbound;
    // Predicates not yet in memory are read in when the right side would be evaluated alone (bought): that
    // reads all of it too, and the ranges stay for the queries after.
    const bool make = ex_.estimate(*node_.left) * kProbeCost >= ex_.estimate(right) * kMaterializedRowCost;
    auto lookups = lookups_in_memory(ctx, ex_.scan_plan(right, first, nullptr).order, bound, *g, make);
    if (!lookups) return;
    for (const PatternLookup& l : *lookups)
      if (bound[l.lead()]) left_leads_.push_back(l.lead());
    // Each row fed carries its left row's number in one more column, to tell which left rows matched.
    chain_.emplace(std::move(*lookups), width + 1, [this](std::vector<TermId>& in) {
      in = std::move(feed_);
      feed_.clear();
      return !in.empty();
    });
    ex_.note(right, "looked up in memory for a batch of left rows at a time");
  }
  // Joins the batch of left rows: those the chain takes through it, the others on their own, in order.
  void join_batch(std::vector<TermId>& cells, size_t width) {
    const size_t n = left_cells_.size() / width;
    std::vector<bool> fed(n, false);
    feed_.clear();
    for (size_t i = 0; i < n; ++i) {
      const auto row = left_cells_.begin() + static_cast<ptrdiff_t>(i * width);
      const auto guard = node_.extends_only_binding;
      if ((guard && row[*guard] == kUnbound) ||
          std::any_of(left_leads_.begin(), left_leads_.end(), [&](VarId v) { return row[v] == kUnbound; }))
        continue;
      feed_.insert(feed_.end(), row, row + static_cast<ptrdiff_t>(width));
      feed_.push_back(i);
      fed[i] = true;
    }
    chain_->reset();
    joined_.clear();
    while (chain_->append(joined_, LookupChain::kBatchRows) > 0) ex_.context().check_deadline();
    const size_t wide = width + 1;
    size_t o = 0;
    for (size_t i = 0; i < n; ++i) {
      row_.assign(left_cells_.begin() + static_cast<ptrdiff_t>(i * width),
                  left_cells_.begin() + static_cast<ptrdiff_t>((i + 1) * width));
      if (!fed[i]) {
        join_row(cells);
        continue;
      }
      matched_ = false;
      for (; o * wide < joined_.size() && joined_[o * wide + width] == i; ++o) {
        out_.assign(joined_.begin() + static_cast<ptrdiff_t>(o * wide),
                    joined_.begin() + static_cast<ptrdiff_t>(o * wide + width));
        if (!ex_.holds(node_.exprs, out_, graph_)) continue;
        ex_.count_row(*node_.right);
        cells.insert(cells.end(), out_.begin(), out_.end());
        matched_ = true;
      }
      if (!matched_) cells.insert(cells.end(), row_.begin(), row_.end());
    }
  }

  // Appends row_ joined with the right side opened for it, or alone.
  void join_row(std::vector<TermId>& cells) {
    if (start_row()) {
      while (next_joined(out_)) cells.insert(cells.end(), out_.begin(), out_.end());
      end_row();
    }
    if (!matched_) cells.insert(cells.end(), row_.begin(), row_.end());
  }

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
  std::optional<LookupChain> chain_;
  bool chain_asked_ = false;
  std::vector<VarId> left_leads_;  // the chain's leads that the left rows bind
  std::vector<TermId> feed_;       // the left rows the chain takes next, each with its number
  std::vector<TermId> joined_;     // the chain's rows for a batch, each with its left row's number
};

}  // namespace

std::unique_ptr<RowStream> left_join(Executor& ex, const Node& node, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph) {
  return std::make_unique<LeftJoinStream>(ex, node, std::move(left), graph);
}

}  // namespace quiver::query
