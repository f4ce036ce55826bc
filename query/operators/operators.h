// The physical operators, one per file in this folder: the planner (query/physical_plan.h) makes one
// per node of the algebra before the query runs, choosing among them by its rules; each opens into the
// RowStream (query/executor.h) that the function beside it makes, which tests also drive on their own.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "query/object_ranges.h"
#include "query/operators/operator.h"
#include "query/operators/row_streams.h"

namespace quiver::query {

// Each operator class below opens into the stream of the function beside it. Its constructor plans its
// operands (Operator::add_child()); describe() is its EXPLAIN line.

// A BGP's solutions compatible with `input`, by nested index scans (bgp_scan); `ranges` narrows the object
// scans of the variables it names.
std::unique_ptr<RestartableScan> scan_bgp(Executor& ex, const Node& bgp, const Row& input,
                                          std::optional<TermId> graph, const ObjectRanges* ranges = nullptr);
// A BGP: nested index scans; opened alone, hash joins of its runs of patterns where the planner split it
// (split_bgp()), unless its patterns after the first are looked up in memory as a chain.
class BgpOperator : public Operator {
 public:
  using Operator::Operator;
  double estimated_cost() override;
  // How the BGP opened with the bound variables of `input` is scanned, worked out once per set of bound
  // variables: a correlated pattern opens once per input row.
  struct ScanPlan {
    std::vector<const TriplePattern*> order;  // order_patterns()
    // Per pattern in that order: the subject variable of the star it belongs to, if any. A star is two or
    // more patterns with constant predicates on a subject variable bound before they start; its subject's
    // quads are read once for all of them.
    std::vector<std::optional<VarId>> star;
    // Per pattern: where the lead it is looked up by lies in the previous pattern's quads (Quad::s or
    // Quad::o), when that pattern binds it, and whether the lookup is by subject (else by object). The scan
    // starts such lookups a few quads ahead of the previous pattern.
    struct LeadFromPrevious {
      TermId Quad::*position = nullptr;
      bool by_subject = false;
    };
    std::vector<LeadFromPrevious> lead_from_previous;
  };
  // `ranges` are those of the FILTER the BGP is always scanned under, if any.
  const ScanPlan& scan_plan(const Row& input, const ObjectRanges* ranges);
  std::string describe(const PlanNames& names) const override;
  std::vector<std::string> details(const PlanNames& names) const override;
  std::vector<Child> children_run() const override;
  void plan_alternatives() override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
  // Whether a scan with `input` looks every pattern after its first up in memory (chain_lookups()): then
  // the BGP is not split into lookup joins, which open a stream per row where the chain takes batches.
  bool chains_in_memory(const Row& input, std::optional<TermId> graph);
  std::map<std::vector<bool>, ScanPlan> scan_plans_;  // per set of bound variables
  struct LastPlan {
    std::vector<bool> bound;
    const ScanPlan* plan = nullptr;
  };
  LastPlan last_plan_;  // the last scan_plan(), usually asked again
  NodePtr split_;       // the hash joins, when the planner split the BGP
  bool split_planned_ = false;
  bool split_taken_ = false;  // whether an opening took them
};

// The scan plan of BGP `bgp` (its BgpOperator's).
const BgpOperator::ScanPlan& scan_plan(Executor& ex, const Node& bgp, const Row& input,
                                       const ObjectRanges* ranges);

// The empty group: one row, the input.
class UnitOperator : public Operator {
 public:
  using Operator::Operator;
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// VALUES: its rows compatible with the input.
class ValuesOperator : public Operator {
 public:
  using Operator::Operator;
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// SERVICE neptune-fts:search: the full-text index's hits compatible with the input (text_search.cpp).
class TextSearchOperator : public Operator {
 public:
  using Operator::Operator;
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
  void add_matched_values(const fulltext::Hit& hit, const Row& row);
  std::optional<std::vector<Row>> hits_;  // searched once per query, at the first open
};

// Join `join` over the rows of its left side: each row's matches in the right side (nested_join).
std::unique_ptr<RowStream> join_rows(Executor& ex, const Node& join, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph);
// The cost of a join of `left` and `right` producing `rows`: the right side probed per left row, or
// evaluated once and hashed, whichever costs less (the executor's rent-or-buy choice).
double join_cost(Operator& left, Operator& right, double rows);
// For each row of `left`, the rows `right` opens with it (nested_join).
using RowOpener = std::function<std::unique_ptr<RowStream>(const Row&)>;
std::unique_ptr<RowStream> nested_join(std::unique_ptr<RowStream> left, RowOpener right);
class JoinOperator : public Operator {
 public:
  JoinOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;
  double estimated_cost() override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// OPTIONAL `node` over the rows of its left side (left_join).
std::unique_ptr<RowStream> left_join(Executor& ex, const Node& node, std::unique_ptr<RowStream> left,
                                     std::optional<TermId> graph);
class OptionalOperator : public Operator {
 public:
  OptionalOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;
  double estimated_cost() override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// The rows of `child` for which every condition of FILTER `node` holds (filter).
std::unique_ptr<RowStream> filter_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph);
// Over a BGP, the range comparisons among its conditions narrow the BGP's scans.
class FilterOperator : public Operator {
 public:
  FilterOperator(Executor& ex, const Node& node);
  std::string describe(const PlanNames& names) const override;
  const ObjectRanges* scan_ranges() const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
  ObjectRanges ranges_;
};

// The rows of `first`, then those of `second()` (union).
std::unique_ptr<RowStream> concatenate(std::unique_ptr<RowStream> first,
                                       std::function<std::unique_ptr<RowStream>()> second);
class UnionOperator : public Operator {
 public:
  UnionOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// The rows of `left` that no row of `right` removes (minus).
std::unique_ptr<RowStream> minus_rows(std::unique_ptr<RowStream> left, MaterializedRows& right);
// Its right side evaluated alone, once, and hashed.
class MinusOperator : public Operator {
 public:
  MinusOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// GRAPH: its pattern in a named graph, or in each of the dataset's named graphs in turn.
class GraphOperator : public Operator {
 public:
  GraphOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// The rows of `child` with BIND `node`'s variable set (extend).
std::unique_ptr<RowStream> extend_rows(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
                                       std::optional<TermId> graph);
class BindOperator : public Operator {
 public:
  BindOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// The rows of `child` with only the variables of projection `node` (project).
std::unique_ptr<RowStream> project_rows(const Node& node, std::unique_ptr<RowStream> child, size_t width);
class ProjectOperator : public Operator {
 public:
  ProjectOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// The rows of `child` without repeats (distinct).
std::unique_ptr<RowStream> distinct_rows(QueryContext& ctx, std::unique_ptr<RowStream> child);
// Over the objects of one pattern, a skip-scan of the index when the active graph is one graph
// (index_shortcuts.h).
class DistinctOperator : public Operator {
 public:
  DistinctOperator(Executor& ex, const Node& node, bool skip_scan);
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
  bool skip_scan_;
};
// REDUCED permits, but does not require, removing duplicates: its operand's rows.
class ReducedOperator : public Operator {
 public:
  ReducedOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// The rows of `child` within slice `node`'s OFFSET and LIMIT (slice).
std::unique_ptr<RowStream> slice_rows(const Node& node, std::unique_ptr<RowStream> child);
class SliceOperator : public Operator {
 public:
  SliceOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// LIMIT over ORDER BY, a projection and DISTINCT between them (they change no order): only the top rows
// are kept, distinct ones under a DISTINCT; or, where one pattern's objects are ordered by their ids, the
// rows are read in the index's order and the read stops at the limit (index_shortcuts.h).
class TopKOperator : public Operator {
 public:
  TopKOperator(Executor& ex, const Node& node);
  std::string describe(const PlanNames& names) const override;
  std::vector<Child> children_run() const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
  const Node* distinct_ = nullptr;
  const Node* project_ = nullptr;
  const Node* order_ = nullptr;
  bool read_in_order_ = false;  // whether an opening read the index in order
};

// The solutions of path pattern `node` compatible with `input` (property_path).
std::vector<Row> path_rows(Executor& ex, const Node& node, const Row& input, std::optional<TermId> graph);
class PathOperator : public Operator {
 public:
  using Operator::Operator;
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// The rows of `input` in ORDER BY `node`'s order; with `keep`, only the first `keep` of them; with
// `distinct_on`, only the first row of those equal on these variables (a DISTINCT projection after the
// sort, done before top-k drops rows) (order_by).
std::vector<Row> order_rows(Executor& ex, const Node& node, RowStream& input,
                            std::optional<size_t> keep = std::nullopt,
                            const std::vector<VarId>* distinct_on = nullptr);
class OrderByOperator : public Operator {
 public:
  OrderByOperator(Executor& ex, const Node& node) : Operator(ex, node) { add_operands(); }
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
};

// One row per group of GROUP BY `node` with its aggregates (group_by).
std::vector<Row> group_rows(Executor& ex, const Node& node, RowStream& input);
// Counts grouped by the object of one pattern: counted from the index's runs of equal objects when the
// active graph is one graph (index_shortcuts.h).
class GroupOperator : public Operator {
 public:
  GroupOperator(Executor& ex, const Node& node, bool counts_runs);
  std::string describe(const PlanNames& names) const override;

 private:
  std::unique_ptr<RowStream> open_rows(const Row& input, std::optional<TermId> graph) override;
  bool counts_runs_;
};

}  // namespace quiver::query
