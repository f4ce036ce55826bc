// UNION: the rows of the first branch, then those of the second (opened only once the first is done).
#include "query/operators/operators.h"

#include <functional>

namespace quiver::query {
namespace {

class ConcatStream : public RowStream {
 public:
  ConcatStream(std::unique_ptr<RowStream> a, std::function<std::unique_ptr<RowStream>()> b)
      : a_(std::move(a)), b_(std::move(b)) {}
  bool next(Row& out) override {
    if (a_ && a_->next(out)) return true;
    a_.reset();
    if (!second_) second_ = b_();
    return second_->next(out);
  }

 private:
  std::unique_ptr<RowStream> a_;
  std::function<std::unique_ptr<RowStream>()> b_;
  std::unique_ptr<RowStream> second_;
};

}  // namespace

std::unique_ptr<RowStream> concatenate(std::unique_ptr<RowStream> first,
                                       std::function<std::unique_ptr<RowStream>()> second) {
  return std::make_unique<ConcatStream>(std::move(first), std::move(second));
}

std::string UnionOperator::describe(const PlanNames&) const {
  return "Union";
}

std::unique_ptr<RowStream> UnionOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  return concatenate(ex_.open(*node_.left, input, graph),
                     [this, input, graph] { return ex_.open(*node_.right, input, graph); });
}

}  // namespace quiver::query
