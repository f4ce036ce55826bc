// A batched bind join: a BGP looked up in memory for a batch of left rows at a time through a lookup chain,
// each joined row tagged with the number of its left row. An OPTIONAL's right side and an EXISTS pattern
// are joined so when each of their patterns can be looked up from the left rows' bindings.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "query/operators/lookup_chain.h"

namespace quiver::query {

class BatchedBindJoin {
 public:
  // The join of `bgp` with rows binding what `first` binds (rows of `first.size()` ids), when every pattern
  // of `bgp` is looked up in memory, led by a variable such a row or a pattern before it binds; null
  // otherwise. Predicates not yet in memory are read in when the `left_rows` expected would cost more as
  // probes than evaluating `bgp` whole (bought): that reads all of it too, and the lookups stay for the
  // queries after.
  static std::unique_ptr<BatchedBindJoin> make(Executor& ex, const Node& bgp, std::span<const TermId> first,
                                               std::optional<TermId> graph, double left_rows);

  // Starts joining the rows of `left` (rows of `width` ids) that bind every lead the chain takes from a
  // left row and that `takes` accepts; `fed[i]` tells whether row i was.
  void start(std::span<const TermId> left, size_t width, const std::function<bool(const TermId*)>& takes,
             std::vector<bool>& fed);
  // Appends up to `rows` of the joined rows to `joined`, in the order of their left rows, each with one
  // more column: the number of its left row; how many, 0 once all are through. In pieces, so that a left
  // row with millions of matches is never held whole.
  size_t append(std::vector<TermId>& joined, size_t rows) { return chain_.append(joined, rows); }

 private:
  BatchedBindJoin(std::vector<PatternLookup> lookups, std::vector<VarId> left_leads, size_t width);

  std::vector<VarId> left_leads_;  // the chain's leads that the left rows bind
  std::vector<TermId> feed_;       // the left rows the chain takes next, each with its number
  LookupChain chain_;
};

}  // namespace quiver::query
