// The empty group pattern: one solution, the input row.
#include "query/operators/operators.h"

namespace quiver::query {

std::string UnitOperator::describe(const PlanNames&) const {
  return "Unit";
}

std::unique_ptr<RowStream> UnitOperator::open_rows(const Row& input, std::optional<TermId>) {
  return std::make_unique<OwnedRowsStream>(std::vector<Row>{input});
}

}  // namespace quiver::query
