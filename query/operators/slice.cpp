// OFFSET and LIMIT: rows skipped, then rows passed on until the limit, when the child is no longer pulled.
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class SliceStream : public RowStream {
 public:
  SliceStream(const Node& node, std::unique_ptr<RowStream> child)
      : child_(std::move(child)), skip_(node.offset), limit_(node.limit) {}
  bool next(Row& out) override {
    if (limit_ == 0) return false;
    while (skip_ > 0) {
      if (!child_->next(out)) return false;
      --skip_;
    }
    if (!child_->next(out)) return false;
    if (limit_ > 0) --limit_;
    return true;
  }

 private:
  std::unique_ptr<RowStream> child_;
  int64_t skip_, limit_;
};

}  // namespace

std::unique_ptr<RowStream> slice_rows(const Node& node, std::unique_ptr<RowStream> child) {
  return std::make_unique<SliceStream>(node, std::move(child));
}

std::string SliceOperator::describe(const PlanNames&) const {
  return "Slice offset " + std::to_string(node_.offset) + " limit " + std::to_string(node_.limit);
}

std::unique_ptr<RowStream> SliceOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  return slice_rows(node_, ex_.open(*node_.left, input, graph));
}

}  // namespace quiver::query
