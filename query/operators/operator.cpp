#include "query/operators/operator.h"

#include <algorithm>
#include <functional>

#include "query/operators/row_streams.h"
#include "query/planner.h"

namespace quiver::query {

std::string PlanNames::var(VarId v) const {
  const std::string& name = variables_.name(v);
  return name.empty() || name[0] != '.' ? "?" + name : "?" + name.substr(1);
}

std::string PlanNames::term(const PatternTerm& p) const {
  return p.var ? var(*p.var) : to_ntriples(p.constant);
}

std::string PlanNames::vars(const std::vector<VarId>& vs) const {
  std::string s;
  for (VarId v : vs) s += " " + var(v);
  return s;
}

bool same_bound_set(std::vector<bool>& bound, const Row& input) {
  bool same = bound.size() == input.size();
  for (size_t v = 0; same && v < input.size(); ++v) same = bound[v] == (input[v] != kUnbound);
  if (!same) {
    bound.assign(input.size(), false);
    for (size_t v = 0; v < input.size(); ++v) bound[v] = input[v] != kUnbound;
  }
  return same;
}

Operator::Operator(Executor& ex, const Node& node) : ex_(ex), node_(node) {}

Operator& Operator::add_child(const Node& child, std::string role) {
  Operator& op = ex_.plan(child);
  children_.push_back({&op, std::move(role)});
  return op;
}

void Operator::add_operands() {
  // `negated`: under a `!` (how NOT EXISTS comes out of the front end), an odd number of them.
  std::function<void(const Expr&, bool)> exists = [&](const Expr& e, bool negated) {
    if (e.pattern) add_child(*e.pattern, (e.op == Op::Exists) != negated ? "EXISTS" : "NOT EXISTS");
    for (const auto& a : e.args) exists(*a, negated != (e.op == Op::Not));
  };
  for (const auto& e : node_.exprs) exists(*e, false);
  if (node_.expr) exists(*node_.expr, false);
  if (node_.left) add_child(*node_.left);
  if (node_.right) add_child(*node_.right);
}

double Operator::estimated_rows() {
  if (!estimate_) estimate_ = estimate_rows(ex_.context(), node_);
  return *estimate_;
}

double Operator::estimated_rows(const Row& input) {
  if (std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; }))
    return estimated_rows();
  if (same_bound_set(last_estimate_.bound, input)) return last_estimate_.rows;
  auto [it, fresh] = bound_estimates_.try_emplace(last_estimate_.bound, 0);
  if (fresh) it->second = estimate_rows(ex_.context(), node_, it->first);
  return last_estimate_.rows = it->second;
}

double Operator::estimated_cost() {
  double cost = estimated_rows();
  for (const Child& child : children_)
    if (child.role.empty()) cost += child.op->estimated_cost();
  return cost;
}

std::unique_ptr<RowStream> Operator::open(const Row& input, std::optional<TermId> graph) {
  ex_.context().check_deadline();
  if (!ex_.profiling()) return open_rows(input, graph);
  // An operator that sorts or groups does its work here, before its first row.
  const auto start = std::chrono::steady_clock::now();
  auto stream = open_rows(input, graph);
  profile_.time += std::chrono::steady_clock::now() - start;
  return counted(std::move(stream));
}

std::unique_ptr<RowStream> Operator::counted(std::unique_ptr<RowStream> stream) {
  if (!ex_.profiling()) return stream;
  ++profile_.opens;
  return std::make_unique<ProfiledStream>(std::move(stream), profile_);
}

Operator::Correlated& Operator::correlated_of(TermId graph) {
  last_correlated_ = &*correlated_.try_emplace(graph).first;
  return last_correlated_->second;
}

}  // namespace quiver::query
