#include "query/executor.h"

#include <algorithm>
#include <functional>

#include "query/operators/lookup_chain.h"
#include "query/operators/operators.h"
#include "query/physical_plan.h"
#include "query/planner.h"

namespace quiver::query {

bool passes_input_on(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Filter:
    case Node::Kind::Join:
    case Node::Kind::LeftJoin:
    case Node::Kind::Union:
    case Node::Kind::Minus:
    case Node::Kind::Graph:
    case Node::Kind::Extend:
      return true;
    // A sub-SELECT's operators: its variables are its own. A basic pattern, a path or VALUES is a leaf.
    case Node::Kind::Unit:
    case Node::Kind::Bgp:
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
  return false;
}

bool substitution_safe(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Unit:
    case Node::Kind::Bgp:
    case Node::Kind::Values:
    case Node::Kind::TextSearch:
    case Node::Kind::PathMatch:
      return true;
    case Node::Kind::Join:
    case Node::Kind::Union:
      return substitution_safe(*n.left) && substitution_safe(*n.right);
    case Node::Kind::Graph:
      return substitution_safe(*n.left);
    case Node::Kind::LeftJoin:
    case Node::Kind::Filter:
    case Node::Kind::Minus:
    case Node::Kind::Extend:
    case Node::Kind::Group:
    case Node::Kind::OrderBy:
    case Node::Kind::Project:
    case Node::Kind::Distinct:
    case Node::Kind::Reduced:
    case Node::Kind::Slice:
      return false;
  }
  return false;
}

size_t RowStream::one_at_a_time(std::vector<TermId>& cells, size_t width) {
  constexpr size_t kBatch = 256;  // rows per call: one scratch row for all of them
  Row r(width);
  size_t n = 0;
  for (; n < kBatch && next(r); ++n) cells.insert(cells.end(), r.begin(), r.end());
  return n;
}

Executor::Executor(QueryContext& ctx)
    : ctx_(ctx), evaluator_(ctx, [this](const Node& pattern, const Row& row) {
        return exists(pattern, row, active_graph_);
      }) {}

Executor::~Executor() = default;

Operator& Executor::plan(const Node& node) {
  if (&node == last_node_) return *last_operator_;
  auto it = operator_of_.find(&node);
  if (it == operator_of_.end()) {
    auto op = make_operator(*this, node);
    it = operator_of_.emplace(&node, op.get()).first;
    operators_.push_back(std::move(op));
  }
  last_node_ = &node;
  return *(last_operator_ = it->second);
}

namespace {
// Sets the active graph for the expressions evaluated in its lifetime, then restores the previous one.
class ActiveGraph {
 public:
  ActiveGraph(std::optional<TermId>& slot, std::optional<TermId> graph) : slot_(slot), saved_(slot) {
    slot_ = graph;
  }
  ~ActiveGraph() { slot_ = saved_; }

 private:
  std::optional<TermId>& slot_;
  std::optional<TermId> saved_;
};

// Sets the EXISTS substitution depth for its lifetime, then restores the previous one.
class SubstitutionDepth {
 public:
  SubstitutionDepth(int& slot, int depth) : slot_(slot), saved_(slot) { slot_ = depth; }
  ~SubstitutionDepth() { slot_ = saved_; }

 private:
  int& slot_;
  int saved_;
};
}  // namespace

std::optional<bool> Executor::ebv(const Expr& e, const Row& row, std::optional<TermId> graph) {
  ActiveGraph active(active_graph_, graph);
  return evaluator_.ebv(e, row);
}

bool Executor::holds(const std::vector<ExprPtr>& conjuncts, const Row& row, std::optional<TermId> graph) {
  for (const auto& e : conjuncts) {
    auto b = ebv(*e, row, graph);
    if (!b || !*b) return false;
  }
  return true;
}

std::optional<Term> Executor::eval(const Expr& e, const Row& row, std::optional<TermId> graph) {
  ActiveGraph active(active_graph_, graph);
  return evaluator_.eval(e, row);
}

MaterializedRows& Executor::materialize(const Node& node, std::optional<TermId> graph) {
  Operator& op = plan(node);
  Operator::Correlated& c = op.correlated(graph);
  if (c.rows) return *c.rows;
  SubstitutionDepth alone(substituting_, 0);  // a MINUS's right side or a sub-SELECT, even inside EXISTS
  return evaluate_once(op, graph);
}

MaterializedRows& Executor::evaluate_once(Operator& op, std::optional<TermId> graph) {
  const auto start = std::chrono::steady_clock::now();
  auto stream = op.rows(ctx_.empty_row(), graph);  // not counted: the probes' output is
  MaterializedRows& rows = op.correlated(graph).rows.emplace(*stream, ctx_, pattern_variables(op.node()));
  if (profiling_) op.profile().time += std::chrono::steady_clock::now() - start;
  return rows;
}

const Node& Executor::without_pattern(const Node& bgp, size_t index) {
  NodePtr& out = reduced_bgps_[std::make_pair(&bgp, index)];
  if (!out) {
    auto node = std::make_shared<Node>();
    node->kind = bgp.triples.size() > 1 ? Node::Kind::Bgp : Node::Kind::Unit;
    for (size_t i = 0; i < bgp.triples.size(); ++i)
      if (i != index) node->triples.push_back(bgp.triples[i]);
    out = std::move(node);
  }
  return *out;
}

double Executor::estimate(const Node& node) {
  return plan(node).estimated_rows();
}

double Executor::estimate(const Node& node, const Row& input) {
  return plan(node).estimated_rows(input);
}

std::optional<Matches> Executor::probed_if_cheaper(Operator& op, const Node& node, const Row& input,
                                                   std::optional<TermId> graph) {
  Operator::Correlated& c = op.correlated(graph);
  if (PatternLookup* lookup = pattern_lookup(op, node, input, graph, false)) return Matches(*lookup, input);
  if (!c.rows) {
    // Rent or buy with a forecast: buy once the probes still expected cost more than evaluating the node
    // alone. Past the forecast, as many probes again are expected as have come (so that, with no forecast,
    // buying waits until the probes made have cost what buying does: at most twice the better choice).
    c.probes += 1;
    const double remaining = c.expected > c.probes ? c.expected - c.probes : c.probes;
    if (remaining * kProbeCost < op.estimated_rows() * kMaterializedRowCost) return std::nullopt;
    if (PatternLookup* lookup = pattern_lookup(op, node, input, graph, true)) return Matches(*lookup, input);
    evaluate_once(op, graph);
    c.substitution_safe = substitution_safe(node);
  }
  count_lookup(node, input);
  return Matches(*c.rows, input);
}

namespace {
// How a probe with `input` would look `node` up: when `node` is one pattern that lookup_lead() allows,
// that pattern and its lead.
struct ProbeLead {
  const TriplePattern& pattern;
  bool by_subject;
  VarId var;
};
std::optional<ProbeLead> probe_lead(const Node& node, const Row& input) {
  if (node.kind != Node::Kind::Bgp || node.triples.size() != 1) return std::nullopt;
  const auto lead = lookup_lead(node.triples[0], input);
  if (!lead) return std::nullopt;
  return ProbeLead{node.triples[0], lead->by_subject, lead->var};
}
}  // namespace

PatternLookup* Executor::pattern_lookup(Operator& op, const Node& node, const Row& input,
                                        std::optional<TermId> graph, bool make) {
  Operator::Correlated& c = op.correlated(graph);
  if (c.lookup) return c.lookup->applies(input) ? &*c.lookup : nullptr;
  if (c.lookup_asked && !make) return nullptr;
  c.lookup_asked = true;
  const auto lead = probe_lead(node, input);
  const std::optional<TermId> g = ctx_.single_graph(graph);
  if (!lead || !g) return nullptr;
  // Making the predicate's lookup reads all of it: worth it when the pattern reads all of it anyway.
  if (make && !(lead->by_subject ? lead->pattern.o : lead->pattern.s).var) return nullptr;
  std::vector<bool> bound(input.size());
  for (size_t v = 0; v < input.size(); ++v) bound[v] = input[v] != kUnbound;
  const TriplePattern* pattern = &lead->pattern;
  auto lookups = lookups_in_memory(ctx_, {&pattern, 1}, std::move(bound), *g, make);
  if (!lookups) return nullptr;
  c.lookup.emplace(std::move(lookups->front()));
  return &*c.lookup;
}

void Executor::count_lookup(const Node& node, const Row& input) {
  if (const auto lead = probe_lead(node, input))
    if (const auto p = ctx_.constant_id(lead->pattern.p)) ctx_.count_lookup(*p, lead->by_subject);
}

void Executor::expect_probes(const Node& node, std::optional<TermId> graph, double rows) {
  Operator::Correlated& c = plan(node).correlated(graph);
  c.expected = std::max(c.expected, rows);
}

void Executor::expect_exists_probes(const std::vector<ExprPtr>& exprs, double rows) {
  std::function<void(const Expr&)> visit = [&](const Expr& e) {
    if (e.pattern) expect_probes(*e.pattern, std::nullopt, rows);
    for (const auto& a : e.args) visit(*a);
  };
  for (const auto& e : exprs) visit(*e);
}

std::optional<Matches> Executor::probed(const Node& node, const Row& input, std::optional<TermId> graph) {
  Operator& op = plan(node);
  Operator::Correlated& c = op.correlated(graph);
  if (auto matches = through_chosen_lookup(op, c, input)) return matches;
  if (c.rows && c.substitution_safe && !substituting_) {  // bought: every later probe goes to the rows
    count_lookup(node, input);
    if (profiling_) note_probed(op, c);
    return Matches(*c.rows, input);
  }
  bool empty = std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; });
  if (empty) return std::nullopt;
  if (substituting_ && !substitution_safe(node) && passes_input_on(node)) return std::nullopt;
  // A bind join where the input may be substituted, rent or buy; else the node evaluated alone, hashed.
  auto matches = substitution_safe(node) || takes_input(op, input) ? probed_if_cheaper(op, node, input, graph)
                                                                   : Matches(materialize(node, graph), input);
  if (matches) note_probed(op, c);
  return matches;
}

void Executor::prefetch_probes(const Node& node, std::optional<TermId> graph, std::span<const TermId> far,
                               std::span<const TermId> near) {
  const Operator::Correlated& c = plan(node).correlated(graph);
  if (c.lookup ? !c.lookup->worth_prefetching() : !c.rows || !c.rows->worth_prefetching()) return;
  for (const bool deep : {false, true}) {
    const std::span<const TermId> input = deep ? near : far;
    if (input.empty()) continue;
    if (!c.lookup)
      c.rows->prefetch(input, deep);
    else if (input[c.lookup->lead()] != kUnbound)
      c.lookup->prefetch(input, deep);
  }
}

std::shared_ptr<const RestartableScan> Executor::exists_scan(const Node& node, std::optional<TermId> graph) {
  return plan(node).correlated(graph).scan;
}

void Executor::note_probed(Operator& op, const Operator::Correlated& c) {
  if (!profiling_) return;
  op.profile().how = c.lookup ? "lookup join: the predicate's quads in memory, looked up per input row"
                              : "hash join: evaluated once (" + std::to_string(c.rows->size()) +
                                    " rows), probed per input row";
  ++op.profile().opens;
}

std::unique_ptr<RowStream> Executor::open(const Node& node, const Row& input, std::optional<TermId> graph) {
  if (auto matches = probed(node, input, graph)) {
    auto stream = std::make_unique<CandidateStream>(ctx_, *matches, input);
    if (!profiling_) return stream;
    return std::make_unique<ProfiledStream>(std::move(stream), plan(node).profile());
  }
  return direct(node, input, graph);
}

std::unique_ptr<RowStream> Executor::direct(const Node& node, const Row& input, std::optional<TermId> graph) {
  return plan(node).open(input, graph);
}

std::optional<Matches> Executor::through_chosen_lookup(Operator& op, Operator::Correlated& c,
                                                       const Row& input) {
  if (!c.lookup || !c.lookup->applies(input)) return std::nullopt;
  note_probed(op, c);
  return Matches(*c.lookup, input);
}

bool Executor::takes_input(Operator& op, const Row& input) {
  const Node& node = op.node();
  switch (node.kind) {
    case Node::Kind::Unit:
    case Node::Kind::Bgp:
    case Node::Kind::Values:
    case Node::Kind::TextSearch:
    case Node::Kind::PathMatch:
      return true;
    case Node::Kind::Join:  // each operand is opened through open(), which decides for itself
    case Node::Kind::Union:
    case Node::Kind::Graph:
      return true;
    case Node::Kind::LeftJoin:
    case Node::Kind::Minus:
    case Node::Kind::Filter:
    case Node::Kind::Extend: {
      std::optional<std::vector<VarId>>& uncertain = op.uncertain_inputs();
      if (!uncertain) {
        std::vector<VarId> read = node.right ? pattern_variables(*node.right) : std::vector<VarId>{};
        for (const auto& e : node.exprs) {
          const auto vars = expression_variables(*e);
          read.insert(read.end(), vars.begin(), vars.end());
        }
        if (node.extends_only_binding) read.push_back(*node.extends_only_binding);
        if (node.kind == Node::Kind::Extend) {
          read = expression_variables(*node.expr);
          read.push_back(node.var);  // bound by the input, the BIND's variable is never certain below
        }
        const auto certain = certain_variables(*node.left);
        uncertain.emplace();
        for (VarId v : read)
          if (std::find(certain.begin(), certain.end(), v) == certain.end()) uncertain->push_back(v);
      }
      return std::all_of(uncertain->begin(), uncertain->end(), [&](VarId v) { return input[v] == kUnbound; });
    }
    case Node::Kind::Group:
    case Node::Kind::OrderBy:
    case Node::Kind::Project:
    case Node::Kind::Distinct:
    case Node::Kind::Reduced:
    case Node::Kind::Slice:
      return false;  // a sub-SELECT: its variables are its own, and its input is none
  }
  return false;
}

bool Executor::exists(const Node& node, const Row& row, std::optional<TermId> graph) {
  Operator& op = plan(node);
  Operator::Correlated& c = op.correlated(graph);
  if (auto matches = through_chosen_lookup(op, c, row)) return matches->any(row);
  if (substitution_safe(node)) {
    if (auto matches = probed_if_cheaper(op, node, row, graph)) {
      note_probed(op, c);
      return matches->any(row);
    }
  }
  Row out;
  SubstitutionDepth substituted(substituting_, substituting_ + (passes_input_on(node) ? 1 : 0));
  if (RestartableScan* scan = restarted_scan(op, node, row, graph)) {
    while (scan->next(out))
      if (node.kind != Node::Kind::Filter || holds(node.exprs, out, graph)) return true;
    return false;
  }
  return direct(node, row, graph)->next(out);
}

RestartableScan* Executor::restarted_scan(Operator& op, const Node& node, const Row& row,
                                          std::optional<TermId> graph) {
  const bool filtered = node.kind == Node::Kind::Filter && node.left->kind == Node::Kind::Bgp;
  if (profiling_ || (node.kind != Node::Kind::Bgp && !filtered)) return nullptr;
  // A row binding nothing is better served by the BGP's hash joins (BgpOperator).
  if (std::all_of(row.begin(), row.end(), [](TermId id) { return id == kUnbound; })) return nullptr;
  Operator::Correlated& c = op.correlated(graph);
  if (c.scan && c.scan->restart(row)) return c.scan.get();
  const ObjectRanges* ranges = nullptr;
  if (filtered) {
    expect_exists_probes(node.exprs, estimate(*node.left));
    if (const ObjectRanges* r = op.scan_ranges(); r && !r->empty()) ranges = r;
  }
  c.scan = scan_bgp(*this, filtered ? *node.left : node, row, graph, ranges);
  return c.scan.get();
}

void Executor::count_row(const Node& node) {
  if (profiling_) ++plan(node).profile().rows;
}

void Executor::note(const Node& node, std::string how) {
  if (profiling_) plan(node).profile().how = std::move(how);
}

}  // namespace quiver::query
