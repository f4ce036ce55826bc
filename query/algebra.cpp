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
    default:
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

}  // namespace quiver::query
