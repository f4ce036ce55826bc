// FILTER: the rows whose conditions all hold, a batch at a time where the child gives batches.
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class FilterStream : public RowStream {
 public:
  FilterStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child, std::optional<TermId> graph)
      : ex_(ex), node_(node), graph_(graph), child_(std::move(child)) {}
  bool next(Row& out) override {
    while (child_->next(out))
      if (ex_.holds(node_.exprs, out, graph_)) return true;
    return false;
  }
  // The child's batch, with the rows that fail the filter taken out in place.
  size_t next_rows(std::vector<TermId>& cells, size_t width) override {
    const size_t start = cells.size();
    while (size_t n = child_->next_rows(cells, width)) {
      size_t kept = start;
      for (size_t from = start; from < start + n * width; from += width) {
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
  Executor& ex_;
  const Node& node_;
  std::optional<TermId> graph_;
  std::unique_ptr<RowStream> child_;
  Row row_;
};

}  // namespace

std::unique_ptr<RowStream> filter_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph) {
  return std::make_unique<FilterStream>(ex, node, std::move(child), graph);
}

}  // namespace quiver::query
