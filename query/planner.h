// Cardinality estimates from the store's statistics, and the choices made with them: the order in which a
// basic graph pattern's triples are scanned, and whether a correlated pattern is cheaper to evaluate once
// and hash than to re-run per input row.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "query/context.h"
#include "query/object_ranges.h"

namespace quiver::query {

// Estimated matches of one triple pattern per binding of its already bound positions. `bound[v]` says
// whether variable v is bound when the pattern runs (its value is not known at planning time). `ranges`,
// when given, are a FILTER's id intervals for some variables: an unbound object in them counts only the
// predicate's objects there.
double estimate_pattern(QueryContext& ctx, const TriplePattern& t, const std::vector<bool>& bound,
                        const ObjectRanges* ranges = nullptr);

// The order of `n` join operands with the least estimated work: the sum, over the steps, of the rows going
// in and the rows coming out (each input row costs a probe or a seek, each output row its making).
// `rows(i, bound)` estimates operand i's rows per binding of the variables `bound` marks (independence
// assumed); `vars(i)` marks the variables it binds. Exact by dynamic programming over the subsets of
// operands up to a dozen of them; beyond, greedily the fewest rows next. `estimate`, when given, receives
// the estimated rows of the whole join.
struct JoinOrderInputs {
  size_t n = 0;
  std::vector<bool> bound;  // bound before the first operand
  std::function<double(size_t, const std::vector<bool>&)> rows;
  std::function<const std::vector<bool>&(size_t)> vars;
};
std::vector<size_t> cheapest_order(const JoinOrderInputs& in, double* estimate = nullptr);

// The scan order of a BGP: cheapest_order() over its patterns. `estimate`, when given, receives the
// estimated row count.
std::vector<const TriplePattern*> order_patterns(QueryContext& ctx, const std::vector<TriplePattern>& triples,
                                                 std::vector<bool> bound, double* estimate = nullptr,
                                                 const ObjectRanges* ranges = nullptr);

// A basic graph pattern evaluated on its own, split where a hash join beats index nested loops (scanning
// the next pattern's matches once and hashing them costs less than seeking them once per row so far), and
// where the next pattern can be looked up in its predicate's quads in memory (a probe of an array costs
// less than a seek, or a read of the subject's quads for a star). The result is a left-deep chain of Join
// nodes over BGP segments (the executor's rent-or-buy choice then hashes or looks up the single-pattern
// right sides); `estimates` receives the estimated rows of every node made. Null when the BGP is best run
// as it is.
NodePtr split_bgp(QueryContext& ctx, const Node& bgp, std::map<const Node*, double>& estimates);

// How a pattern with a constant predicate is looked up in its predicate's quads in memory once the
// variables for which `is_bound(v)` holds are bound: by its subject variable if bound (true), else by its
// object variable if bound (false); nullopt when neither is, or the predicate is a variable.
template <class IsBound>
std::optional<bool> lookup_by_subject(const TriplePattern& t, IsBound is_bound) {
  if (t.p.var) return std::nullopt;
  if (t.s.var && is_bound(*t.s.var)) return true;
  if (t.o.var && is_bound(*t.o.var)) return false;
  return std::nullopt;
}

// The variable a lookup of `t` with `input`'s bindings goes by, and whether by subject (lookup_by_subject()).
struct LookupLead {
  bool by_subject;
  VarId var;
};
inline std::optional<LookupLead> lookup_lead(const TriplePattern& t, std::span<const TermId> input) {
  const auto by_subject = lookup_by_subject(t, [&](VarId v) { return input[v] != kUnbound; });
  if (!by_subject) return std::nullopt;
  return LookupLead{*by_subject, *(*by_subject ? t.s : t.o).var};
}

// Estimated solutions of `node` evaluated on its own.
double estimate_rows(QueryContext& ctx, const Node& node);
// Estimated solutions of `node` per binding of the variables for which `bound[v]` holds (a correlated
// evaluation: the operand of a join evaluated with the bindings of those before it).
double estimate_rows(QueryContext& ctx, const Node& node, const std::vector<bool>& bound);

// Relative costs behind the correlated-evaluation choice: a re-seek of a pattern for one input row versus
// producing and hashing one row of the pattern evaluated alone.
inline constexpr double kProbeCost = 8.0;
inline constexpr double kMaterializedRowCost = 1.0;

}  // namespace quiver::query
