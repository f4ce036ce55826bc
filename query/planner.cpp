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

double estimate_pattern(QueryContext& ctx, const TriplePattern& t, const std::vector<bool>& bound) {
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
  if (s) return n / std::max<double>(1, p.distinct_subjects);
  if (o) return n / std::max<double>(1, p.distinct_objects);
  return n;
}

std::vector<const TriplePattern*> order_patterns(QueryContext& ctx, const std::vector<TriplePattern>& triples,
                                                 std::vector<bool> bound, double* estimate) {
  std::vector<const TriplePattern*> left, order;
  for (const auto& t : triples) left.push_back(&t);
  double rows = 1;
  while (!left.empty()) {
    // Among equal estimates prefer a pattern joined to what is already bound: it filters, where a
    // disconnected one multiplies.
    auto cost = [&](const TriplePattern* t) {
      bool connected = false;
      for (const PatternTerm* p : {&t->s, &t->p, &t->o}) connected |= p->var && bound[*p->var];
      return std::make_pair(estimate_pattern(ctx, *t, bound), !connected);
    };
    auto best = std::min_element(left.begin(), left.end(), [&](auto a, auto b) { return cost(a) < cost(b); });
    rows *= estimate_pattern(ctx, **best, bound);
    for (const PatternTerm* p : {&(*best)->s, &(*best)->p, &(*best)->o})
      if (p->var) bound[*p->var] = true;
    order.push_back(*best);
    left.erase(best);
  }
  if (estimate) *estimate = rows;
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
    case Node::Kind::Minus:
    case Node::Kind::Graph:
    case Node::Kind::Extend:
    case Node::Kind::Group:
    case Node::Kind::OrderBy:
    case Node::Kind::Project:
    case Node::Kind::Distinct:
    case Node::Kind::Reduced:  // these keep or shrink their input's rows
      return child(node.left);
  }
  return child(node.left);
}

}  // namespace quiver::query
