// FILTER: the rows whose conditions all hold, a batch at a time where the child gives batches.
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class FilterStream : public RowStream {
 public:
  FilterStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child, std::optional<TermId> graph)
      : ex_(ex), node_(node), graph_(graph), child_(std::move(child)) {
    for (const auto& e : node.exprs) collect_exists_patterns(*e);
  }
  bool next(Row& out) override {
    while (child_->next(out))
      if (ex_.holds(node_.exprs, out, graph_)) return true;
    return false;
  }
  // The child's batch, with the rows that fail the filter taken out in place. The lookups of EXISTS
  // patterns are started a few rows ahead, so that their cache misses overlap.
  size_t next_rows(std::vector<TermId>& cells, size_t width) override {
    constexpr size_t kAhead = 8;  // rows between a lookup's prefetch and the lookup
    const size_t start = cells.size();
    while (size_t n = child_->next_rows(cells, width)) {
      size_t kept = start;
      const size_t end = start + n * width;
      scans_.clear();
      for (const Node* pattern : exists_patterns_)
        if (auto scan = ex_.exists_scan(*pattern, graph_)) scans_.push_back(std::move(scan));
      for (size_t from = start; from < end; from += width) {
        auto ahead = [&](size_t rows) { return row_ahead(cells, from, rows, width, end); };
        for (const auto& scan : scans_) {
          if (const auto far = ahead(kAhead); !far.empty()) scan->prefetch(far, false);
          if (const auto near = ahead(kAhead / 2); !near.empty()) scan->prefetch(near, true);
        }
        row_.assign(cells.begin() + from, cells.begin() + from + width);
        if (!ex_.holds(node_.exprs, row_, graph_)) continue;
        std::copy(row_.begin(), row_.end(), cells.begin() + kept);
        kept += width;
      }
      cells.resize(kept);
      if (kept > start) return (kept - start) / width;
    }
    return 0;
  }

 private:
  void collect_exists_patterns(const Expr& e) {
    if (e.pattern) exists_patterns_.push_back(e.pattern.get());
    for (const auto& a : e.args) collect_exists_patterns(*a);
  }

  Executor& ex_;
  const Node& node_;
  std::optional<TermId> graph_;
  std::unique_ptr<RowStream> child_;
  Row row_;
  std::vector<const Node*> exists_patterns_;  // of the conditions, not those nested in the patterns
  std::vector<std::shared_ptr<const RestartableScan>> scans_;  // those scanned per row, for this batch
};

}  // namespace

std::unique_ptr<RowStream> filter_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph) {
  return std::make_unique<FilterStream>(ex, node, std::move(child), graph);
}

}  // namespace quiver::query
