// The executor: each algebra node becomes a stream of rows (ids per variable, kUnbound where unbound).
// Streams are pulled, so the first rows leave before the last are computed.
#pragma once

#include <map>
#include <memory>

#include "query/context.h"
#include "query/expression.h"

namespace quiver::query {

class RowStream {
 public:
  virtual ~RowStream() = default;
  // Writes the next solution to `out`; false at the end.
  virtual bool next(Row& out) = 0;
};

class Executor {
 public:
  explicit Executor(QueryContext& ctx);

  // Solutions of `node` merged with `input` (SPARQL Join semantics): only operators for which substituting
  // the input is equivalent receive it; the others run alone, once per graph scope, and are merged.
  // `graph` is the active graph: nullopt for the default graph, else a named graph's id.
  std::unique_ptr<RowStream> open(const Node& node, const Row& input,
                                  std::optional<TermId> graph = std::nullopt);

  ExpressionEvaluator& evaluator() { return evaluator_; }
  QueryContext& context() { return ctx_; }

  // Rows of `node` evaluated alone in `graph`, computed once.
  const std::vector<Row>& materialize(const Node& node, std::optional<TermId> graph);

  std::unique_ptr<RowStream> direct(const Node& node, const Row& input, std::optional<TermId> graph);

 private:
  QueryContext& ctx_;
  ExpressionEvaluator evaluator_;
  std::map<std::pair<const Node*, TermId>, std::vector<Row>> materialized_;
  size_t materialized_cells_ = 0;
};

// Whether substituting an input row into `node` gives the same solutions as joining with it.
bool substitution_safe(const Node& node);
// Merges `b` into `a` when they agree on shared variables; false when they conflict.
bool merge_compatible(Row& a, const Row& b);

}  // namespace quiver::query
