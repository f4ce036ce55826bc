// A physical operator: one node of the plan the planner builds from the algebra before a query runs
// (query/physical_plan.cpp chooses each node's operator; the classes are declared in
// query/operators/operators.h, one per file of this folder). The base keeps what every operator has: its
// children, its estimates, its profile for EXPLAIN, the deadline check at each opening, and its state as the
// right side of bind joins.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/executor.h"

namespace quiver::query {

// How EXPLAIN names a query's variables and constants.
class PlanNames {
 public:
  explicit PlanNames(const Variables& variables) : variables_(variables) {}
  std::string var(VarId v) const;
  std::string term(const PatternTerm& p) const;
  std::string vars(const std::vector<VarId>& vs) const;  // each with a space before it

 private:
  const Variables& variables_;
};

class Operator {
 public:
  Operator(Executor& ex, const Node& node);
  virtual ~Operator() = default;
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  const Node& node() const { return node_; }
  // The operators below this one, in EXPLAIN's order, each with the part it plays: empty for an operand,
  // else what EXPLAIN prints above it ("EXISTS", an alternative the operator may take).
  struct Child {
    Operator* op;
    std::string role;
  };
  const std::vector<Child>& children() const { return children_; }

  // EXPLAIN's line for this operator: what it is and what the planner chose for it.
  virtual std::string describe(const PlanNames& names) const = 0;
  // Lines printed under it before its children (a BGP's patterns).
  virtual std::vector<std::string> details(const PlanNames&) const { return {}; }
  // The children EXPLAIN prints, after a run: those of the alternative the operator took.
  virtual std::vector<Child> children_run() const { return children_; }
  // Plans the alternatives an operator makes only when an opening first needs one (planning them costs
  // reads of the statistics that a short query would feel): EXPLAIN without running shows them all.
  virtual void plan_alternatives() {}
  // The ranges that narrow the scan of its BGP operand, for a FILTER over one: an EXISTS pattern of that
  // shape is scanned per row under them.
  virtual const ObjectRanges* scan_ranges() const { return nullptr; }

  // Rows expected when opened alone, and when opened with the bindings of `input` (worked out once per
  // set of bound variables: a correlated operator opens once per input row).
  double estimated_rows();
  double estimated_rows(const Row& input);
  void set_estimate(double rows) { estimate_ = rows; }
  // The work expected of an opening alone, in the planner's units (join_order.h): a row made costs one, a
  // seek or probe for an input row kProbeCost. The operator's rows plus its operands' costs, by default.
  virtual double estimated_cost();

  // The solutions compatible with `input` (substituted) in active graph `graph`, nullopt for the default
  // graph: checks the deadline, and counts the opening, the rows and their time when profiling.
  std::unique_ptr<RowStream> open(const Row& input, std::optional<TermId> graph);
  // The same, not counted: rows evaluated once for probes, which count their own output.
  std::unique_ptr<RowStream> rows(const Row& input, std::optional<TermId> graph) {
    return open_rows(input, graph);
  }
  // `stream` counted as one more opening of this operator, when profiling.
  std::unique_ptr<RowStream> counted(std::unique_ptr<RowStream> stream);

  // EXPLAIN with running: what this operator did, summed over its openings.
  struct Profile {
    uint64_t rows = 0, opens = 0;
    std::chrono::nanoseconds time{0};  // in its streams, its children's included
    std::string how;                   // the alternative taken at run time, when there was one
  };
  Profile& profile() { return profile_; }
  const Profile& profile() const { return profile_; }

  // This operator as the right side of bind joins in one active graph (Executor::probed()).
  using Correlated = query::Correlated;
  // Asked once or twice per probe, so the last one is kept at hand.
  Correlated& correlated(std::optional<TermId> graph) {
    const TermId key = graph.value_or(kUnbound);
    if (last_correlated_ && last_correlated_->first == key) return last_correlated_->second;
    return correlated_of(key);
  }
  // For OPTIONAL, MINUS, FILTER and BIND: the variables an input row must leave unbound to be substituted
  // (Executor::takes_input()), worked out at the first ask.
  std::optional<std::vector<VarId>>& uncertain_inputs() { return uncertain_inputs_; }

 protected:
  virtual std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) = 0;
  // Plans `child` and puts it below this operator.
  Operator& add_child(const Node& child, std::string role = {});
  // The operands: the node's left and right sides, after the patterns of the EXISTS in its expressions.
  void add_operands();

  Executor& ex_;
  const Node& node_;

 private:
  std::vector<Child> children_;
  std::optional<double> estimate_;
  std::map<std::vector<bool>, double> bound_estimates_;
  struct LastEstimate {
    std::vector<bool> bound;
    double rows = 0;
  };
  LastEstimate last_estimate_;
  Profile profile_;
  std::map<TermId, Correlated> correlated_;  // per active graph (kUnbound: the default graph)
  std::pair<const TermId, Correlated>* last_correlated_ = nullptr;
  std::optional<std::vector<VarId>> uncertain_inputs_;
  Correlated& correlated_of(TermId graph);
};

// Whether `input` binds exactly the variables `bound` marks; when not, `bound` becomes its bound set. The
// answers asked at every correlated opening are kept per set of bound variables: a set is made, and a map
// searched, only when the bound variables change.
bool same_bound_set(std::vector<bool>& bound, const Row& input);

}  // namespace quiver::query
