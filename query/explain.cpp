#include "query/explain.h"

#include <cmath>
#include <functional>
#include <sstream>

namespace quiver::query {
namespace {

class PlanPrinter {
 public:
  PlanPrinter(Executor& ex, const Variables& variables) : ex_(ex), variables_(variables) {}

  void print(const Node& node, int depth) {
    line(depth, label(node), &node);
    if (node.kind == Node::Kind::Bgp) {
      const Executor::Profile* p = ex_.profile(node);
      if (p && p->how == "split into hash joins") {
        print(*ex_.split(node), depth + 1);
        return;
      }
      for (const auto& t : node.triples)
        line(depth + 1, term(t.s) + " " + term(t.p) + " " + term(t.o), nullptr);
      return;
    }
    for (const auto& e : node.exprs) print_exists(*e, depth + 1);
    if (node.kind == Node::Kind::Extend && node.expr) print_exists(*node.expr, depth + 1);
    if (node.left) print(*node.left, depth + 1);
    if (node.right) print(*node.right, depth + 1);
  }

  std::string text() const { return out_.str(); }

 private:
  void print_exists(const Expr& e, int depth) {
    if (e.pattern) {
      line(depth, e.op == Op::Exists ? "EXISTS" : "NOT EXISTS", nullptr);
      print(*e.pattern, depth + 1);
    }
    for (const auto& a : e.args) print_exists(*a, depth);
  }

  void line(int depth, const std::string& text, const Node* node) {
    std::string head = std::string(2 * depth, ' ') + text;
    out_ << head;
    if (node) {
      out_ << std::string(head.size() < 56 ? 56 - head.size() : 1, ' ');
      out_ << "est " << count(ex_.estimate(*node));
      const Executor::Profile* p = ex_.profile(*node);
      if (p) {
        out_ << "  rows " << p->rows;
        if (p->opens > 1) out_ << " (opened " << p->opens << "x)";
        if (!p->how.empty()) out_ << "  [" << p->how << "]";
      } else if (ex_.profiling()) {
        out_ << "  not run";
      }
    }
    out_ << "\n";
  }

  static std::string count(double n) {
    if (n >= 1e6)
      return std::to_string(static_cast<long long>(std::llround(n / 1e5)) / 10.0).substr(0, 5) + "M";
    return std::to_string(static_cast<long long>(std::llround(n)));
  }

  std::string var(VarId v) const {
    const std::string& name = variables_.name(v);
    return name.empty() || name[0] != '.' ? "?" + name : "?" + name.substr(1);
  }

  std::string term(const PatternTerm& p) const { return p.var ? var(*p.var) : to_ntriples(p.constant); }

  std::string vars(const std::vector<VarId>& vs) const {
    std::string s;
    for (VarId v : vs) s += " " + var(v);
    return s;
  }

  std::string label(const Node& n) const {
    switch (n.kind) {
      case Node::Kind::Unit:
        return "Unit";
      case Node::Kind::Bgp:
        return n.triples.size() == 1 ? "BGP" : "BGP (" + std::to_string(n.triples.size()) + " patterns)";
      case Node::Kind::Join:
        return "Join";
      case Node::Kind::LeftJoin:
        return n.extends_only_binding ? "Optional (of rows binding " + var(*n.extends_only_binding) + ")"
                                      : "Optional";
      case Node::Kind::Filter:
        return "Filter (" + std::to_string(n.exprs.size()) + " conditions)";
      case Node::Kind::Union:
        return "Union";
      case Node::Kind::Minus:
        return "Minus";
      case Node::Kind::Graph:
        return "Graph " + term(n.graph);
      case Node::Kind::Extend:
        return "Bind " + var(n.var);
      case Node::Kind::Values:
        return "Values" + vars(n.vars) + " (" + std::to_string(n.rows.size()) + " rows)";
      case Node::Kind::Group: {
        std::string s = n.group_keys.empty() ? "Group" : "Group by";
        for (const auto& [v, e] : n.group_keys) s += " " + var(v);
        return s + " (" + std::to_string(n.aggregates.size()) + " aggregates)";
      }
      case Node::Kind::OrderBy:
        return "Order by (" + std::to_string(n.order.size()) + " keys)";
      case Node::Kind::Project:
        return "Project" + vars(n.vars);
      case Node::Kind::Distinct:
        return "Distinct";
      case Node::Kind::Reduced:
        return "Reduced";
      case Node::Kind::Slice:
        return "Slice offset " + std::to_string(n.offset) + " limit " + std::to_string(n.limit);
      case Node::Kind::PathMatch:
        return "Path " + term(n.triples[0].s) + " ... " + term(n.triples[0].o);
    }
    return "?";
  }

  Executor& ex_;
  const Variables& variables_;
  std::ostringstream out_;
};

}  // namespace

std::string explain_plan(Executor& ex, const Node& root, const Variables& variables) {
  PlanPrinter printer(ex, variables);
  printer.print(root, 0);
  return printer.text();
}

}  // namespace quiver::query
