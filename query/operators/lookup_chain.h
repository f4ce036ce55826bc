// The patterns of a scan after its first, when each is looked up in its predicate's quads in memory by a
// variable bound before it: evaluated breadth-first, a batch of rows at a time.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "query/executor.h"

namespace quiver::query {

// A depth-first scan waits for each lookup's cache misses in turn, as the next lookup's key comes from the
// last one's quads; over a batch of rows, the lookups of the rows a few ahead are started while a row is
// joined, so that their misses overlap. Rows come out in the depth-first order all the same: each pattern
// takes its input rows in order and appends each row's matches in the order of its quads.
class LookupChain {
 public:
  // Appends the first pattern's next rows to `cells` (about a batch); false when there are no more.
  using FirstRows = std::function<bool(std::vector<TermId>& cells)>;
  static constexpr size_t kBatchRows = 512;
  LookupChain(std::vector<PatternLookup> lookups, size_t width, FirstRows first);
  // Appends up to `rows` rows of the last pattern to `out`; how many (none at the end).
  size_t append(std::vector<TermId>& out, size_t rows);
  // Forgets the rows in flight: the scan starts over.
  void reset();

 private:
  struct Step {
    PatternLookup lookup;
    std::vector<TermId> in;  // rows of the pattern before, joined up to `next`
    size_t next = 0;
    size_t current = 0;                // the row whose candidates are being joined
    std::span<const Quad> candidates;  // what is left of them
  };
  size_t append(size_t step, std::vector<TermId>& out, size_t rows);
  bool refill(size_t step);

  std::vector<Step> steps_;
  size_t width_;
  FirstRows first_;
};

// The lookups of `patterns`, in order, each in its predicate's quads in memory by a variable that `bound`
// marks or a pattern before it binds, in graph `graph`; nullopt when one cannot be looked up so (the
// predicate is a variable, or not kept in memory by that position, or no variable leads).
std::optional<std::vector<PatternLookup>> lookups_in_memory(QueryContext& ctx,
                                                            std::span<const TriplePattern* const> patterns,
                                                            std::vector<bool> bound, TermId graph,
                                                            bool make = false);
// Those of the patterns after the first of a scan in `order`, with `input`'s bindings.
std::optional<std::vector<PatternLookup>> chain_lookups(QueryContext& ctx,
                                                        std::span<const TriplePattern* const> order,
                                                        const Row& input, TermId graph);

}  // namespace quiver::query
