// VALUES: the rows of the data block that agree with the input row, merged with it.
#include "query/operators/operators.h"

namespace quiver::query {

std::string ValuesOperator::describe(const PlanNames& names) const {
  return "Values" + names.vars(node_.vars) + " (" + std::to_string(node_.rows.size()) + " rows)";
}

std::unique_ptr<RowStream> ValuesOperator::open_rows(const Row& input, std::optional<TermId>) {
  QueryContext& ctx = ex_.context();
  std::vector<Row> rows;
  for (const auto& data : node_.rows) {
    Row r = input;
    bool ok = true;
    for (size_t i = 0; i < node_.vars.size() && ok; ++i) {
      if (!data[i]) continue;
      const TermId id = ctx.intern(*data[i]);
      TermId& slot = r[node_.vars[i]];
      if (slot == kUnbound)
        slot = id;
      else
        ok = slot == id;
    }
    if (ok) rows.push_back(std::move(r));
  }
  return std::make_unique<OwnedRowsStream>(std::move(rows));
}

}  // namespace quiver::query
