#include "query/planner.h"

#include <algorithm>
#include <limits>

namespace quiver::query {
namespace {

// Matches of a pattern whose predicate is unknown at planning time, per bound subject or object: a
// resource has a handful of properties, and a value is shared by a handful of resources.
constexpr double kPerResource = 10.0;

bool is_bound(const PatternTerm& p, const std::vector<bool>& bound) {
  return !p.var || bound[*p.var];
}

}  // namespace

namespace {
// The share of a predicate's quads whose object is in `intervals`.
double range_share(QueryContext& ctx, TermId predicate, double triples,
                   const std::vector<std::pair<TermId, TermId>>& intervals) {
  double in_range = 0;
  for (const auto& interval : intervals)
    in_range += static_cast<double>(
        ctx.estimate_matches({std::nullopt, predicate, std::nullopt, std::nullopt, interval}));
  return std::min(1.0, in_range / std::max(1.0, triples));
}
}  // namespace

double estimate_pattern(QueryContext& ctx, const TriplePattern& t, const std::vector<bool>& bound,
                        const ObjectRanges* ranges) {
  const Statistics& stats = ctx.statistics();
  const bool s = is_bound(t.s, bound), o = is_bound(t.o, bound);
  if (t.p.var) {  // predicate a variable (bound or not): whole-store averages
    const double all = std::max<double>(1, stats.quads);
    if (s && o) return 1;
    if (s || o) return std::min(all, kPerResource);
    return all;
  }
  auto id = ctx.constant_id(t.p);
  if (!id) return 0;
  if (!t.s.var || !t.o.var) {  // a constant besides the predicate: ask the index, values are skewed
    auto constant = [&](const PatternTerm& p) { return p.var ? std::nullopt : ctx.constant_id(p); };
    if ((!t.s.var && !constant(t.s)) || (!t.o.var && !constant(t.o))) return 0;
    double n = static_cast<double>(ctx.estimate_matches({constant(t.s), id, constant(t.o), std::nullopt}));
    const bool variable_end_bound = (t.s.var && s) || (t.o.var && o);
    return variable_end_bound ? std::min(n, 1.0) : n;
  }
  auto it = stats.predicates.find(*id);
  if (it == stats.predicates.end()) return 0;
  const PredicateStats& p = it->second;
  const double n = static_cast<double>(p.triples);
  if (s && o) return std::min(1.0, n);
  if (o) return n / std::max<double>(1, p.distinct_objects);
  double share = 1;
  if (ranges)
    if (auto range = ranges->find(*t.o.var); range != ranges->end())
      share = range_share(ctx, *id, n, range->second);
  if (s) return share * n / std::max<double>(1, p.distinct_subjects);
  return share * n;
}

namespace {

// Among equal estimates prefer an operand joined to what is already bound: it filters, where a
// disconnected one multiplies.
bool connected(const std::vector<bool>& vars, const std::vector<bool>& bound) {
  for (size_t v = 0; v < vars.size(); ++v)
    if (vars[v] && bound[v]) return true;
  return false;
}

std::vector<size_t> greedy_order(const JoinOrderInputs& in, double* estimate) {
  std::vector<size_t> left(in.n), order;
  for (size_t i = 0; i < in.n; ++i) left[i] = i;
  std::vector<bool> bound = in.bound;
  double rows = 1;
  while (!left.empty()) {
    auto cost = [&](size_t i) { return std::make_pair(in.rows(i, bound), !connected(in.vars(i), bound)); };
    auto best =
        std::min_element(left.begin(), left.end(), [&](size_t a, size_t b) { return cost(a) < cost(b); });
    rows *= in.rows(*best, bound);
    const std::vector<bool>& vars = in.vars(*best);
    for (size_t v = 0; v < vars.size(); ++v) bound[v] = bound[v] || vars[v];
    order.push_back(*best);
    left.erase(best);
  }
  if (estimate) *estimate = rows;
  return order;
}

}  // namespace

std::vector<size_t> cheapest_order(const JoinOrderInputs& in, double* estimate) {
  constexpr size_t kMaxExact = 12;
  if (in.n > kMaxExact || in.n < 2) return greedy_order(in, estimate);
  // best[s]: the cheapest order found of the operands in set s (a bit per operand), extended one operand at
  // a time; every subset of s is numerically smaller than s, so s is final when reached.
  struct Plan {
    double cost = std::numeric_limits<double>::infinity(), rows = 1;
    size_t last = 0;
    bool disconnected = false;  // steps that joined nothing bound: the tie-breaker
  };
  const size_t sets = size_t{1} << in.n;
  std::vector<Plan> best(sets);
  best[0].cost = 0;
  std::vector<bool> bound;
  for (size_t s = 0; s + 1 < sets; ++s) {
    if (best[s].cost == std::numeric_limits<double>::infinity()) continue;
    bound = in.bound;
    for (size_t i = 0; i < in.n; ++i)
      if (s >> i & 1)
        for (size_t v = 0; v < bound.size(); ++v) bound[v] = bound[v] || in.vars(i)[v];
    for (size_t i = 0; i < in.n; ++i) {
      if (s >> i & 1) continue;
      Plan next;
      next.rows = best[s].rows * in.rows(i, bound);
      next.cost = best[s].cost + best[s].rows + next.rows;
      next.last = i;
      next.disconnected = best[s].disconnected || (s != 0 && !connected(in.vars(i), bound));
      Plan& to = best[s | size_t{1} << i];
      if (std::make_pair(next.cost, next.disconnected) < std::make_pair(to.cost, to.disconnected)) to = next;
    }
  }
  std::vector<size_t> order(in.n);
  for (size_t s = sets - 1, k = in.n; k-- > 0; s &= ~(size_t{1} << order[k])) order[k] = best[s].last;
  if (estimate) *estimate = best[sets - 1].rows;
  return order;
}

std::vector<const TriplePattern*> order_patterns(QueryContext& ctx, const std::vector<TriplePattern>& triples,
                                                 std::vector<bool> bound, double* estimate,
                                                 const ObjectRanges* ranges) {
  std::vector<std::vector<bool>> vars(triples.size(), std::vector<bool>(bound.size(), false));
  for (size_t i = 0; i < triples.size(); ++i)
    for (const PatternTerm* p : {&triples[i].s, &triples[i].p, &triples[i].o})
      if (p->var) vars[i][*p->var] = true;
  JoinOrderInputs in;
  in.n = triples.size();
  in.bound = std::move(bound);
  in.rows = [&](size_t i, const std::vector<bool>& b) {
    return estimate_pattern(ctx, triples[i], b, ranges);
  };
  in.vars = [&](size_t i) -> const std::vector<bool>& { return vars[i]; };
  std::vector<const TriplePattern*> order;
  for (size_t i : cheapest_order(in, estimate)) order.push_back(&triples[i]);
  return order;
}

NodePtr split_bgp(QueryContext& ctx, const Node& bgp, std::map<const Node*, double>& estimates) {
  const std::vector<bool> none(ctx.variables(), false);
  std::vector<bool> bound = none;
  std::shared_ptr<Node> current, segment;
  bool segment_alone = false, split = false;
  double rows = 1;
  for (const TriplePattern* t : order_patterns(ctx, bgp.triples, bound)) {
    const bool hash = current && rows * kProbeCost > estimate_pattern(ctx, *t, none) * kMaterializedRowCost;
    if (!current || hash || segment_alone) {  // a new segment, joined to what comes before
      segment = std::make_shared<Node>();
      segment->kind = Node::Kind::Bgp;
      if (current) {
        auto join = std::make_shared<Node>();
        join->kind = Node::Kind::Join;
        join->left = current;
        join->right = segment;
        current = join;
      } else {
        current = segment;
      }
      segment_alone = hash;
      split |= hash;
    }
    segment->triples.push_back(*t);
    rows *= estimate_pattern(ctx, *t, bound);
    estimates[current.get()] = rows;
    for (const PatternTerm* p : {&t->s, &t->p, &t->o})
      if (p->var) bound[*p->var] = true;
  }
  return split ? current : nullptr;
}

double estimate_rows(QueryContext& ctx, const Node& node) {
  return estimate_rows(ctx, node, std::vector<bool>(ctx.variables(), false));
}

double estimate_rows(QueryContext& ctx, const Node& node, const std::vector<bool>& bound) {
  auto child = [&](const NodePtr& n) { return n ? estimate_rows(ctx, *n, bound) : 1.0; };
  switch (node.kind) {
    case Node::Kind::Unit:
      return 1;
    case Node::Kind::Bgp: {
      double rows = 1;
      order_patterns(ctx, node.triples, bound, &rows);
      return rows;
    }
    case Node::Kind::Values: {
      // A row per binding of a bound variable, at most.
      const bool correlated =
          std::any_of(node.vars.begin(), node.vars.end(), [&](VarId v) { return bound[v]; });
      return correlated ? std::min<double>(1, node.rows.size()) : static_cast<double>(node.rows.size());
    }
    case Node::Kind::TextSearch:
      // Probed with a bound subject: one hit at most; alone: as many as the index finds.
      return bound[node.text_search->subject] ? 1
                                              : static_cast<double>(ctx.text_hits(*node.text_search).size());
    case Node::Kind::PathMatch: {
      // A closure from a fixed end reaches part of the graph; with both ends open it may reach all.
      const TriplePattern& t = node.triples[0];
      const int fixed = is_bound(t.s, bound) + is_bound(t.o, bound);
      const double all = std::max<double>(1, ctx.statistics().quads);
      return fixed == 2 ? 1 : fixed == 1 ? std::min(all, 1000.0) : all;
    }
    case Node::Kind::Join: {  // the right side per row of the left, with the left's variables bound
      std::vector<bool> after = bound;
      for (VarId v : pattern_variables(*node.left)) after[v] = true;
      return child(node.left) * estimate_rows(ctx, *node.right, after);
    }
    case Node::Kind::LeftJoin: {  // every left row, extended by its matches if any
      std::vector<bool> after = bound;
      for (VarId v : pattern_variables(*node.left)) after[v] = true;
      return child(node.left) * std::max(1.0, estimate_rows(ctx, *node.right, after));
    }
    case Node::Kind::Union:
      return child(node.left) + child(node.right);
    case Node::Kind::Slice:
      return node.limit >= 0 ? std::min<double>(child(node.left), node.limit) : child(node.left);
    case Node::Kind::Filter:
      if (node.left->kind == Node::Kind::Bgp) {  // range comparisons narrow its scans
        const ObjectRanges ranges = object_ranges(node.exprs);
        double rows = 1;
        order_patterns(ctx, node.left->triples, bound, &rows, &ranges);
        return rows;
      }
      return child(node.left);
    case Node::Kind::Group:  // with no GROUP BY, one group even of no rows
      return node.group_keys.empty() ? 1 : child(node.left);
    case Node::Kind::Minus:
    case Node::Kind::Graph:
    case Node::Kind::Extend:
    case Node::Kind::OrderBy:
    case Node::Kind::Project:
    case Node::Kind::Distinct:
    case Node::Kind::Reduced:  // these keep or shrink their input's rows
      return child(node.left);
  }
  return child(node.left);
}

}  // namespace quiver::query
