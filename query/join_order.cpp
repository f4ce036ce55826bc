#include "query/join_order.h"

#include <algorithm>

#include "query/planner.h"

namespace quiver::query {
namespace {

using VarSet = std::vector<bool>;

// One operand of a group's join, with the variables it may bind and those it always binds.
struct Operand {
  NodePtr node;
  VarSet vars, certain;
  bool is_pattern() const { return node->kind == Node::Kind::Bgp && node->triples.size() == 1; }
};

VarSet as_set(const std::vector<VarId>& vars, size_t width) {
  VarSet out(width, false);
  for (VarId v : vars) out[v] = true;
  return out;
}

void add(VarSet& to, const VarSet& from) {
  for (size_t v = 0; v < to.size(); ++v) to[v] = to[v] || from[v];
}

// Whether every variable in `needed` that `others` may bind is in `certain`: then the operands `others`
// cannot change what an expression or pattern reading `needed` sees, once `certain` is bound.
bool decided_by(const VarSet& needed, const VarSet& others, const VarSet& certain) {
  for (size_t v = 0; v < needed.size(); ++v)
    if (needed[v] && others[v] && !certain[v]) return false;
  return true;
}

std::shared_ptr<Node> make_node(Node::Kind kind, NodePtr left, NodePtr right = nullptr) {
  auto n = std::make_shared<Node>();
  n->kind = kind;
  n->left = std::move(left);
  n->right = std::move(right);
  return n;
}

class JoinOrderPlanner {
 public:
  explicit JoinOrderPlanner(QueryContext& ctx) : ctx_(ctx), width_(ctx.variables()) {}

  NodePtr plan(const NodePtr& node) {
    switch (node->kind) {
      case Node::Kind::Join:
      case Node::Kind::LeftJoin:
      case Node::Kind::Minus:
      case Node::Kind::Extend:
        return plan_group(node, {});
      case Node::Kind::Filter:
        return plan_group(node->left, node->exprs);
      case Node::Kind::Unit:
      case Node::Kind::Bgp:
      case Node::Kind::Values:
      case Node::Kind::TextSearch:
      case Node::Kind::PathMatch:
        return node;
      case Node::Kind::Union:
      case Node::Kind::Graph:
      case Node::Kind::Group:
      case Node::Kind::OrderBy:
      case Node::Kind::Project:
      case Node::Kind::Distinct:
      case Node::Kind::Reduced:
      case Node::Kind::Slice:
        return with_children(node);
    }
    return node;
  }

 private:
  // `node` with its children planned.
  NodePtr with_children(const NodePtr& node) {
    NodePtr left = node->left ? plan(node->left) : nullptr;
    NodePtr right = node->right ? plan(node->right) : nullptr;
    if (left == node->left && right == node->right) return node;
    auto copy = std::make_shared<Node>(*node);
    copy->left = std::move(left);
    copy->right = std::move(right);
    return copy;
  }

  Operand operand(NodePtr node) {
    Operand o{std::move(node), {}, {}};
    o.vars = as_set(pattern_variables(*o.node), width_);
    o.certain = as_set(certain_variables(*o.node), width_);
    return o;
  }

  // The operands of a join tree: its BGPs cut into single patterns, everything else as it is (planned once
  // it is known not to be lifted, plan_group()).
  void collect(const NodePtr& node, std::vector<Operand>& out) {
    if (node->kind == Node::Kind::Join) {
      collect(node->left, out);
      collect(node->right, out);
    } else if (node->kind == Node::Kind::Bgp) {
      for (const TriplePattern& t : node->triples) {
        auto single = std::make_shared<Node>();
        single->kind = Node::Kind::Bgp;
        single->triples = {t};
        out.push_back(operand(std::move(single)));
      }
    } else if (node->kind != Node::Kind::Unit) {
      out.push_back(operand(node));
    }
  }

  // The variables the operands other than `skip` may bind.
  VarSet others_vars(const std::vector<Operand>& ops, size_t skip) const {
    VarSet out(width_, false);
    for (size_t i = 0; i < ops.size(); ++i)
      if (i != skip) add(out, ops[i].vars);
    return out;
  }

  VarSet expression_vars(const std::vector<ExprPtr>& exprs) const {
    VarSet out(width_, false);
    for (const auto& e : exprs)
      for (VarId v : expression_variables(*e)) out[v] = true;
    return out;
  }

  // Whether operand `w`, an OPTIONAL, MINUS, BIND or FILTER over a pattern L, may take the rest R of the
  // group into L: (L op X) join R = (L join R) op X when every variable X or the expression reads that R
  // may bind is bound by every solution of L (SPARQL's join is commutative and associative; this is the
  // condition under which the other operator commutes with it).
  bool can_lift(const Operand& w, const VarSet& rest) const {
    const Node& n = *w.node;
    VarSet needed(width_, false);
    switch (n.kind) {
      case Node::Kind::LeftJoin:
      case Node::Kind::Minus:
        needed = as_set(pattern_variables(*n.right), width_);
        add(needed, expression_vars(n.exprs));
        break;
      case Node::Kind::Filter:
        needed = expression_vars(n.exprs);
        break;
      case Node::Kind::Extend:
        if (rest[n.var]) return false;
        needed = expression_vars({n.expr});
        break;
      case Node::Kind::Unit:
      case Node::Kind::Bgp:
      case Node::Kind::Join:
      case Node::Kind::Union:
      case Node::Kind::Graph:
      case Node::Kind::Values:
      case Node::Kind::TextSearch:
      case Node::Kind::Group:
      case Node::Kind::OrderBy:
      case Node::Kind::Project:
      case Node::Kind::Distinct:
      case Node::Kind::Reduced:
      case Node::Kind::Slice:
      case Node::Kind::PathMatch:
        return false;
    }
    return decided_by(needed, rest, as_set(certain_variables(*n.left), width_));
  }

  // The variables an operator lifted above a join binds besides its left side's.
  VarSet added_vars(const Node& w) const {
    VarSet out(width_, false);
    if (w.kind == Node::Kind::LeftJoin) out = as_set(pattern_variables(*w.right), width_);
    if (w.kind == Node::Kind::Extend) out[w.var] = true;
    return out;
  }

  // Sequential OPTIONALs commute when neither reads a variable the other binds that the rows below them do
  // not always bind: the one adding the fewest rows per row goes first (innermost), so fewer rows reach the
  // others. One with filters placed right above it stays where it is.
  void order_optionals(std::vector<NodePtr>& wrappers, const std::vector<std::vector<ExprPtr>>& above,
                       const VarSet& below) {
    auto movable = [&](size_t j) { return wrappers[j]->kind == Node::Kind::LeftJoin && above[j].empty(); };
    auto reads = [&](const Node& w) {
      VarSet r = as_set(pattern_variables(*w.right), width_);
      add(r, expression_vars(w.exprs));
      return r;
    };
    auto fan_out = [&](const Node& w) { return estimate_rows(ctx_, *w.right, below); };
    for (bool swapped = true; swapped;) {
      swapped = false;
      for (size_t j = 0; j + 1 < wrappers.size(); ++j) {
        if (!movable(j) || !movable(j + 1)) continue;
        const Node &outer = *wrappers[j], &inner = *wrappers[j + 1];
        if (fan_out(inner) <= fan_out(outer) || !decided_by(reads(outer), reads(inner), below)) continue;
        std::swap(wrappers[j], wrappers[j + 1]);
        swapped = true;
      }
    }
  }

  // A group: its join operands and the FILTERs scoped over it, planned as one.
  NodePtr plan_group(const NodePtr& join, const std::vector<ExprPtr>& group_filters) {
    std::vector<Operand> ops;
    collect(join, ops);
    // Operators lifted above the join, outermost first, and the filters found on the way, each with the
    // number of operators lifted before it: those it was inside of.
    std::vector<NodePtr> wrappers;
    std::vector<std::pair<ExprPtr, size_t>> filters;
    for (const auto& f : group_filters) filters.emplace_back(f, 0);
    for (bool lifted = true; lifted && !ops.empty();) {
      lifted = false;
      for (size_t i = 0; i < ops.size() && !lifted; ++i) {
        if (!can_lift(ops[i], others_vars(ops, i))) continue;
        NodePtr w = ops[i].node;
        ops.erase(ops.begin() + static_cast<ptrdiff_t>(i));
        if (w->kind == Node::Kind::Filter)
          for (const auto& f : w->exprs) filters.emplace_back(f, wrappers.size());
        else
          wrappers.push_back(w);
        collect(w->left, ops);
        lifted = true;
      }
    }
    // A filter stays above the outermost operator lifted from below it whose bindings it reads (so that it
    // sees them, and still does not see those of the ones it was inside of); the others join the chain.
    std::vector<ExprPtr> in_chain;
    std::vector<std::vector<ExprPtr>> above(wrappers.size());
    for (auto& [f, level] : filters) {
      const VarSet reads = expression_vars({f});
      size_t j = level;
      while (j < wrappers.size() && decided_by(reads, added_vars(*wrappers[j]), VarSet(width_, false))) ++j;
      (j < wrappers.size() ? above[j] : in_chain).push_back(f);
    }
    VarSet below(width_, false);  // bound by every row the lifted operators see
    for (Operand& o : ops) {
      add(below, o.certain);
      if (!o.is_pattern()) o.node = plan(o.node);
    }
    order_optionals(wrappers, above, below);
    NodePtr chain = order(std::move(ops), std::move(in_chain));
    for (size_t j = wrappers.size(); j-- > 0;) {
      auto copy = std::make_shared<Node>(*wrappers[j]);
      copy->left = chain;
      if (copy->right) copy->right = plan(copy->right);
      chain = copy->kind == Node::Kind::LeftJoin ? flattened_optional(copy) : copy;
      if (!above[j].empty()) {
        auto f = make_node(Node::Kind::Filter, chain);
        f->exprs = std::move(above[j]);
        chain = f;
      }
    }
    return chain;
  }

  // L OPTIONAL { A OPTIONAL { B } } as (L OPTIONAL { A }) OPTIONAL { B }, where the second OPTIONAL extends
  // only the rows A matched (those binding a variable every solution of A binds and L never does): B is then
  // probed by all of those rows in one stream, not by each left row's few matches apart, nor by all of A's
  // solutions when A is evaluated alone and hashed. Equivalent when the outer OPTIONAL has no condition and
  // every variable that B or its condition reads and L may bind is bound by every solution of A; chosen when
  // L's rows with their matches in A are estimated at no more than A's solutions.
  NodePtr flattened_optional(const NodePtr& outer) {
    if (!outer->exprs.empty() || outer->extends_only_binding) return outer;
    const Node& inner = *outer->right;
    if (inner.kind != Node::Kind::LeftJoin || inner.extends_only_binding) return outer;
    const VarSet left = as_set(pattern_variables(*outer->left), width_);
    const std::vector<VarId> certain = certain_variables(*inner.left);
    VarSet reads = as_set(pattern_variables(*inner.right), width_);
    add(reads, expression_vars(inner.exprs));
    if (!decided_by(reads, left, as_set(certain, width_))) return outer;
    auto matched = std::find_if(certain.begin(), certain.end(), [&](VarId v) { return !left[v]; });
    if (matched == certain.end()) return outer;
    auto upper = make_node(Node::Kind::LeftJoin, outer->left, inner.left);
    if (estimate_rows(ctx_, *upper) > estimate_rows(ctx_, *inner.left)) return outer;
    auto lower = std::make_shared<Node>(inner);
    lower->left = flattened_optional(upper);
    lower->extends_only_binding = *matched;
    return lower;
  }

  // Whether a filter other than a range comparison is decided once the patterns picked so far are bound:
  // the BGP ends there, so that the filter runs on its rows before the rest of the group multiplies them.
  // Range comparisons need no cut: a scan reads only the ranges they leave.
  bool decided_here(const std::vector<ExprPtr>& filters, const VarSet& rest, const VarSet& certain) const {
    return std::any_of(filters.begin(), filters.end(), [&](const ExprPtr& f) {
      return object_ranges({f}).empty() && decided_by(expression_vars({f}), rest, certain);
    });
  }

  // The operands in the order of least estimated work (cheapest_order(); a pattern counts only its objects
  // in the ranges the filters' comparisons leave). Consecutive patterns form one BGP; a filter follows the
  // BGP or operand after which the rest of the group cannot change its value.
  NodePtr order(std::vector<Operand> operands, std::vector<ExprPtr> filters) {
    const ObjectRanges ranges = object_ranges(filters);
    JoinOrderInputs in;
    in.n = operands.size();
    in.bound = VarSet(width_, false);
    in.rows = [&](size_t i, const VarSet& bound) {
      const Operand& o = operands[i];
      return o.is_pattern() ? estimate_pattern(ctx_, o.node->triples[0], bound, &ranges)
                            : estimate_rows(ctx_, *o.node, bound);
    };
    in.vars = [&](size_t i) -> const VarSet& { return operands[i].vars; };
    std::vector<Operand> ops;
    for (size_t i : cheapest_order(in)) ops.push_back(std::move(operands[i]));
    VarSet certain(width_, false);
    NodePtr chain;
    std::shared_ptr<Node> segment;  // the BGP the last patterns picked form, not yet in the chain
    auto place_filters = [&](const VarSet& rest) {
      std::vector<ExprPtr> ready, waiting;
      for (auto& f : filters)
        (decided_by(expression_vars({f}), rest, certain) ? ready : waiting).push_back(f);
      filters = std::move(waiting);
      if (ready.empty()) return;
      auto f = make_node(Node::Kind::Filter, chain);
      f->exprs = std::move(ready);
      chain = std::move(f);
    };
    auto append = [&](NodePtr node, const VarSet& rest) {
      chain = chain ? make_node(Node::Kind::Join, chain, std::move(node)) : std::move(node);
      place_filters(rest);
    };
    auto close_segment = [&](const VarSet& rest) {
      if (segment) append(std::move(segment), rest);
      segment = nullptr;
    };
    while (!ops.empty()) {
      Operand picked = std::move(ops.front());
      ops.erase(ops.begin());
      const VarSet rest = others_vars(ops, ops.size());
      if (picked.is_pattern()) {
        if (!segment) {
          segment = std::make_shared<Node>();
          segment->kind = Node::Kind::Bgp;
        }
        segment->triples.push_back(picked.node->triples[0]);
        add(certain, picked.certain);
        if (decided_here(filters, rest, certain)) close_segment(rest);
        continue;
      }
      VarSet rest_and_picked = rest;
      add(rest_and_picked, picked.vars);
      close_segment(rest_and_picked);
      add(certain, picked.certain);
      append(picked.node, rest);
    }
    close_segment(VarSet(width_, false));
    if (!chain) chain = std::make_shared<Node>();
    place_filters(VarSet(width_, false));
    return chain;
  }

  QueryContext& ctx_;
  size_t width_;
};

}  // namespace

NodePtr plan_join_order(QueryContext& ctx, const NodePtr& root) {
  return JoinOrderPlanner(ctx).plan(root);
}

}  // namespace quiver::query
