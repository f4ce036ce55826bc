// SERVICE neptune-fts:search: the full-text index's hits, each a row binding the subject (and the score),
// merged with the input row; with the subject bound already, only that subject's hit.
#include <unordered_map>

#include "query/functions/values.h"
#include "query/operators/operators.h"

namespace quiver::query {

std::string TextSearchOperator::describe(const PlanNames& names) const {
  const TextSearchCall& call = *node_.text_search;
  return "TextSearch" + names.vars(node_.vars) + " '" + call.request.text + "'";
}

std::unique_ptr<RowStream> TextSearchOperator::open_rows(const Row& input, std::optional<TermId>) {
  QueryContext& ctx = ex_.context();
  const TextSearchCall& call = *node_.text_search;
  if (!hits_) {
    hits_.emplace();
    for (const fulltext::Hit& hit : ctx.text_hits(call)) {
      Row r = ctx.empty_row();
      r[call.subject] = hit.subject;
      if (call.score)
        r[*call.score] = ctx.intern(functions::make_number(functions::NumType::Double, hit.score));
      hits_->push_back(std::move(r));
    }
  }
  std::vector<Row> rows;
  for (const Row& hit : *hits_) {
    Row r = input;
    bool compatible = true;
    for (VarId v : node_.vars) {
      TermId& slot = r[v];
      if (slot == kUnbound)
        slot = hit[v];
      else
        compatible &= slot == hit[v];
    }
    if (compatible) rows.push_back(std::move(r));
  }
  return std::make_unique<OwnedRowsStream>(std::move(rows));
}

}  // namespace quiver::query
