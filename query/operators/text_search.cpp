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

// A row per value of the hit's matched fields that holds a matched term (in the query's view of the store).
void TextSearchOperator::add_matched_values(const fulltext::Hit& hit, const Row& row) {
  QueryContext& ctx = ex_.context();
  const TextSearchCall& call = *node_.text_search;
  for (const fulltext::FieldMatch& field : hit.matches) {
    QuadPattern values;
    values.s = hit.subject;
    values.p = field.predicate;
    QuadCursor cursor = ctx.acquire_cursor(values);
    for (; cursor.valid(); cursor.next()) {
      const TermId o = cursor.quad().o;
      if (id_tag(o) != IdTag::Literal || !fulltext::value_matches(ctx.term(o), field)) continue;
      Row r = row;
      if (call.matched) r[*call.matched] = o;
      if (call.predicate) r[*call.predicate] = field.predicate;
      hits_->push_back(std::move(r));
    }
    ctx.release_cursor(std::move(cursor));
  }
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
      if (call.matched || call.predicate)
        add_matched_values(hit, r);
      else
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
