// Join by nested loops: the right side opened with each row of the left (substituted, or probed in its hash).
#include <functional>
#include "query/operators/operators.h"

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

}  // namespace

std::unique_ptr<RowStream> nested_join(std::unique_ptr<RowStream> left, RowOpener right) {
  return std::make_unique<NestedStream>(std::move(left), std::move(right));
}

}  // namespace quiver::query
