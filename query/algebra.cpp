#include "query/algebra.h"

#include <algorithm>

namespace quiver::query {

VarId Variables::id(const std::string& name) {
  if (auto v = find(name)) return *v;
  names_.push_back(name);
  return static_cast<VarId>(names_.size() - 1);
}

std::optional<VarId> Variables::find(const std::string& name) const {
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return static_cast<VarId>(it - names_.begin());
}

namespace {
void collect(const Node& n, std::vector<VarId>& out) {
  auto add = [&](VarId v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  auto add_term = [&](const PatternTerm& t) {
    if (t.var) add(*t.var);
  };
  switch (n.kind) {
    case Node::Kind::Bgp:
    case Node::Kind::PathMatch:
      for (const auto& t : n.triples) add_term(t.s), add_term(t.p), add_term(t.o);
      return;
    case Node::Kind::Graph:
      add_term(n.graph);
      break;
    case Node::Kind::Extend:
      if (n.left) collect(*n.left, out);
      add(n.var);
      return;
    case Node::Kind::Values:
    case Node::Kind::TextSearch:
    case Node::Kind::Project:
      for (VarId v : n.vars) add(v);
      return;
    case Node::Kind::Group:
      for (auto& [v, e] : n.group_keys) add(v);
      for (auto& a : n.aggregates) add(a.var);
      return;
    case Node::Kind::Minus:
      if (n.left) collect(*n.left, out);
      return;
    case Node::Kind::Unit:
    case Node::Kind::Join:
    case Node::Kind::LeftJoin:
    case Node::Kind::Filter:
    case Node::Kind::Union:
    case Node::Kind::OrderBy:
    case Node::Kind::Distinct:
    case Node::Kind::Reduced:
    case Node::Kind::Slice:
      break;
  }
  if (n.left) collect(*n.left, out);
  if (n.right) collect(*n.right, out);
}
}  // namespace

std::vector<VarId> pattern_variables(const Node& node) {
  std::vector<VarId> out;
  collect(node, out);
  return out;
}

namespace {
bool contains(const std::vector<VarId>& vars, VarId v) {
  return std::find(vars.begin(), vars.end(), v) != vars.end();
}

std::vector<VarId> intersection(const std::vector<VarId>& a, const std::vector<VarId>& b) {
  std::vector<VarId> out;
  for (VarId v : a)
    if (contains(b, v)) out.push_back(v);
  return out;
}

void collect(const Expr& e, std::vector<VarId>& out);

// Every variable a pattern names, its expressions' included: an EXISTS pattern sees the row's bindings at
// every depth (SPARQL 1.1 section 18.6, substitute), its FILTERs' and BINDs' too.
void collect_mentioned(const Node& n, std::vector<VarId>& out) {
  for (VarId v : pattern_variables(n))
    if (!contains(out, v)) out.push_back(v);
  for (const auto& e : n.exprs) collect(*e, out);
  if (n.expr) collect(*n.expr, out);
  for (const auto& [v, e] : n.group_keys) collect(*e, out);
  for (const auto& a : n.aggregates) collect(*a.expr, out);
  for (const auto& k : n.order) collect(*k.expr, out);
  if (n.left) collect_mentioned(*n.left, out);
  if (n.right) collect_mentioned(*n.right, out);
}

void collect(const Expr& e, std::vector<VarId>& out) {
  if (e.op == Op::Variable && !contains(out, e.var)) out.push_back(e.var);
  if (e.pattern) collect_mentioned(*e.pattern, out);
  for (const auto& a : e.args) collect(*a, out);
}
}  // namespace

std::vector<VarId> certain_variables(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Bgp:
    case Node::Kind::PathMatch:
      return pattern_variables(n);
    case Node::Kind::Join: {
      auto out = certain_variables(*n.left);
      for (VarId v : certain_variables(*n.right))
        if (!contains(out, v)) out.push_back(v);
      return out;
    }
    case Node::Kind::Union:
      return intersection(certain_variables(*n.left), certain_variables(*n.right));
    case Node::Kind::Graph: {
      auto out = certain_variables(*n.left);
      if (n.graph.var && !contains(out, *n.graph.var)) out.push_back(*n.graph.var);
      return out;
    }
    case Node::Kind::Values: {
      std::vector<VarId> out;
      for (size_t i = 0; i < n.vars.size(); ++i)
        if (std::all_of(n.rows.begin(), n.rows.end(), [&](const auto& row) { return row[i].has_value(); }))
          out.push_back(n.vars[i]);
      return out;
    }
    case Node::Kind::TextSearch:
      return n.vars;
    case Node::Kind::Project:
      return intersection(certain_variables(*n.left), n.vars);
    case Node::Kind::Group: {  // a key that is a variable bound in every input row; aggregates may fail
      const auto below = certain_variables(*n.left);
      std::vector<VarId> out;
      for (const auto& [v, e] : n.group_keys)
        if (e->op == Op::Variable && contains(below, e->var)) out.push_back(v);
      return out;
    }
    case Node::Kind::Unit:
      return {};
    case Node::Kind::LeftJoin:
    case Node::Kind::Filter:
    case Node::Kind::Minus:
    case Node::Kind::Extend:  // its expression may fail and leave the variable unbound
    case Node::Kind::OrderBy:
    case Node::Kind::Distinct:
    case Node::Kind::Reduced:
    case Node::Kind::Slice:
      return certain_variables(*n.left);
  }
  return {};
}

std::vector<VarId> expression_variables(const Expr& expr) {
  std::vector<VarId> out;
  collect(expr, out);
  return out;
}

}  // namespace quiver::query
