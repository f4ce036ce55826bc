// MINUS: the left rows that no compatible right row shares a variable with.
#include "query/operators/operators.h"

namespace quiver::query {
namespace {

class MinusStream : public RowStream {
 public:
  MinusStream(std::unique_ptr<RowStream> left, MaterializedRows& right)
      : left_(std::move(left)), right_(right) {}
  bool next(Row& out) override {
    while (left_->next(out)) {
      const MaterializedRows::Candidates candidates = right_.candidates(out);
      // Exact candidates share their one variable with the row and are compatible with it.
      bool removed = candidates.exact && !candidates.rows.empty();
      for (uint32_t i : candidates.exact ? std::span<const uint32_t>() : candidates.rows) {
        bool shared = false;
        if (right_.compatible_with(out, i, &shared) && shared) {
          removed = true;
          break;
        }
      }
      if (!removed) return true;
    }
    return false;
  }

 private:
  std::unique_ptr<RowStream> left_;
  MaterializedRows& right_;
};

}  // namespace

std::unique_ptr<RowStream> minus_rows(std::unique_ptr<RowStream> left, MaterializedRows& right) {
  return std::make_unique<MinusStream>(std::move(left), right);
}

std::string MinusOperator::describe(const PlanNames&) const {
  return "Minus";
}

std::unique_ptr<RowStream> MinusOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  ex_.note(node_, "right side evaluated once and hashed");
  return minus_rows(ex_.open(*node_.left, input, graph), ex_.materialize(*node_.right, graph));
}

}  // namespace quiver::query
