// One probe's matches: the rows of a hashed right side, or the quads of a predicate kept in memory, that are
// compatible with the probing row.
#include "query/operators/operators.h"

namespace quiver::query {

bool PatternLookup::matches(const Quad& q, std::span<const TermId> probe) const {
  // The lead is bound in the probe and equal to the candidate's: only the other position is left to check.
  const TermId value = by_subject_ ? q.o : q.s;
  if (q.g != graph_) return false;
  if (!other_.var) return other_.id == value;
  return probe[*other_.var] == kUnbound || probe[*other_.var] == value;
}

bool PatternLookup::merge(const Quad& q, std::span<TermId> out) const {
  if (!matches(q, out)) return false;
  if (other_.var) out[*other_.var] = by_subject_ ? q.o : q.s;
  return true;
}

bool Matches::any(const Row& probe) const {
  for (uint32_t i : candidates_.rows.subspan(next_))
    if (candidates_.exact || rows_->compatible_with(probe, i)) return true;
  for (const Quad& q : quads_)
    if (lookup_->matches(q, probe)) return true;
  return false;
}

bool Matches::next(const Row& probe, Row& out) {
  while (next_ < candidates_.rows.size()) {
    out = probe;
    const uint32_t i = candidates_.rows[next_++];
    if (candidates_.exact || rows_->merge_into(out, i)) return true;
  }
  for (; !quads_.empty(); quads_ = quads_.subspan(1)) {
    out = probe;
    if (lookup_->merge(quads_.front(), out)) {
      quads_ = quads_.subspan(1);
      return true;
    }
  }
  return false;
}

}  // namespace quiver::query
