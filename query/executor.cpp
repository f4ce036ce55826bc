#include "query/executor.h"

#include <algorithm>
#include <functional>

#include "query/index_shortcuts.h"
#include "query/operators/lookup_chain.h"
#include "query/operators/operators.h"
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
  Correlated& c = correlated(node, graph);
  if (c.rows) return *c.rows;
  SubstitutionDepth alone(substituting_, 0);  // a MINUS's right side or a sub-SELECT, even inside EXISTS
  auto stream = build(node, ctx_.empty_row(), graph);  // not counted: the probes' output is
  return c.rows.emplace(*stream, ctx_, pattern_variables(node));
}

namespace {
std::vector<std::optional<VarId>> star_subjects(const std::vector<const TriplePattern*>& order,
                                                std::vector<bool> bound) {
  std::vector<std::optional<VarId>> star(order.size());
  std::map<VarId, int> members;
  for (size_t i = 0; i < order.size(); ++i) {
    const TriplePattern& t = *order[i];
    if (t.s.var && bound[*t.s.var] && !t.p.var) ++members[*(star[i] = t.s.var)];
    for (const PatternTerm* p : {&t.s, &t.p, &t.o})
      if (p->var) bound[*p->var] = true;
  }
  for (auto& var : star)
    if (var && members[*var] < 2) var.reset();
  return star;
}

std::vector<Executor::ScanPlan::LeadFromPrevious> leads_from_previous(
    const std::vector<const TriplePattern*>& order, const std::vector<bool>& bound) {
  constexpr int kInput = -1, kNever = -2;
  std::vector<int> bound_at(bound.size(), kNever);  // the pattern that binds each variable first
  for (size_t v = 0; v < bound.size(); ++v)
    if (bound[v]) bound_at[v] = kInput;
  std::vector<Executor::ScanPlan::LeadFromPrevious> leads(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const TriplePattern& t = *order[i];
    auto bound_by_previous = [&](const PatternTerm& x) {
      return i > 0 && x.var && bound_at[*x.var] == static_cast<int>(i) - 1;
    };
    auto position_in_previous = [&](VarId v) -> TermId Quad::* {
      const TriplePattern& previous = *order[i - 1];
      return previous.s.var == v ? &Quad::s : previous.o.var == v ? &Quad::o : nullptr;
    };
    if (!t.p.var && bound_by_previous(t.s))
      leads[i] = {position_in_previous(*t.s.var), true};
    else if (!t.p.var && t.s.var && bound_at[*t.s.var] == kNever && bound_by_previous(t.o))
      leads[i] = {position_in_previous(*t.o.var), false};
    for (const PatternTerm* p : {&t.s, &t.p, &t.o})
      if (p->var && bound_at[*p->var] == kNever) bound_at[*p->var] = static_cast<int>(i);
  }
  return leads;
}

// Whether `input` binds exactly the variables `bound` marks; when not, `bound` becomes its bound set. The
// answers asked at every correlated opening are kept per node with the bound set they were made for:
// a set is made, and a map searched, only when the bound variables change.
bool same_bound_set(std::vector<bool>& bound, const Row& input) {
  bool same = bound.size() == input.size();
  for (size_t v = 0; same && v < input.size(); ++v) same = bound[v] == (input[v] != kUnbound);
  if (!same) {
    bound.assign(input.size(), false);
    for (size_t v = 0; v < input.size(); ++v) bound[v] = input[v] != kUnbound;
  }
  return same;
}
}  // namespace

const Executor::ScanPlan& Executor::scan_plan(const Node& bgp, const Row& input, const ObjectRanges* ranges) {
  LastPlan& last = last_plans_[&bgp];
  if (same_bound_set(last.bound, input) && last.plan) return *last.plan;
  auto [it, fresh] = scan_plans_.try_emplace(std::make_pair(&bgp, last.bound));
  if (fresh) {
    it->second.order = order_patterns(ctx_, bgp.triples, last.bound, nullptr, ranges);
    it->second.star = star_subjects(it->second.order, last.bound);
    it->second.lead_from_previous = leads_from_previous(it->second.order, last.bound);
  }
  last.plan = &it->second;
  return it->second;
}

const ObjectRanges& Executor::filter_ranges(const Node& filter) {
  auto [it, fresh] = filter_ranges_.try_emplace(&filter);
  if (fresh) it->second = object_ranges(filter.exprs);
  return it->second;
}

const Node* Executor::split(const Node& bgp) {
  auto [it, fresh] = splits_.try_emplace(&bgp);
  if (fresh) it->second = split_bgp(ctx_, bgp, estimates_);
  return it->second.get();
}

bool Executor::chains_in_memory(const Node& bgp, const Row& input, std::optional<TermId> graph) {
  const std::optional<TermId> g = ctx_.single_graph(graph);
  return g && chain_lookups(ctx_, scan_plan(bgp, input, nullptr).order, input, *g).has_value();
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
  auto [it, fresh] = estimates_.try_emplace(&node, 0);
  if (fresh) it->second = estimate_rows(ctx_, node);
  return it->second;
}

double Executor::estimate(const Node& node, const Row& input) {
  if (std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; }))
    return estimate(node);
  LastEstimate& last = last_estimates_[&node];
  if (same_bound_set(last.bound, input)) return last.rows;
  auto [it, fresh] = bound_estimates_.try_emplace({&node, last.bound}, 0);
  if (fresh) it->second = estimate_rows(ctx_, node, it->first.second);
  return last.rows = it->second;
}

std::optional<Matches> Executor::probed_if_cheaper(Correlated& c, const Node& node, const Row& input,
                                                   std::optional<TermId> graph) {
  if (PatternLookup* lookup = pattern_lookup(c, node, input, graph, false)) return Matches(*lookup, input);
  if (!c.rows) {
    // Rent or buy with a forecast: buy once the probes still expected cost more than evaluating the node
    // alone. Past the forecast, as many probes again are expected as have come (so that, with no forecast,
    // buying waits until the probes made have cost what buying does: at most twice the better choice).
    c.probes += 1;
    const double remaining = c.expected > c.probes ? c.expected - c.probes : c.probes;
    if (remaining * kProbeCost < estimate(node) * kMaterializedRowCost) return std::nullopt;
    if (PatternLookup* lookup = pattern_lookup(c, node, input, graph, true)) return Matches(*lookup, input);
    auto stream = build(node, ctx_.empty_row(), graph);  // not counted: the probes' output is
    c.rows.emplace(*stream, ctx_, pattern_variables(node));
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

PatternLookup* Executor::pattern_lookup(Correlated& c, const Node& node, const Row& input,
                                        std::optional<TermId> graph, bool make) {
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
  Correlated& c = correlated(node, graph);
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
  Correlated& c = correlated(node, graph);
  if (auto matches = through_chosen_lookup(node, c, input)) return matches;
  if (c.rows && c.substitution_safe && !substituting_) {  // bought: every later probe goes to the rows
    count_lookup(node, input);
    if (profiling_) note_probed(node, c);
    return Matches(*c.rows, input);
  }
  bool empty = std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; });
  if (empty) return std::nullopt;
  if (substituting_ && !substitution_safe(node) && passes_input_on(node)) return std::nullopt;
  // A bind join where the input may be substituted, rent or buy; else the node evaluated alone, hashed.
  auto matches = substitution_safe(node) || takes_input(node, input)
                     ? probed_if_cheaper(c, node, input, graph)
                     : Matches(materialize(node, graph), input);
  if (matches) note_probed(node, c);
  return matches;
}

void Executor::prefetch_probes(const Node& node, std::optional<TermId> graph, std::span<const TermId> far,
                               std::span<const TermId> near) {
  const Correlated& c = correlated(node, graph);
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
  return correlated(node, graph).scan;
}

void Executor::note_probed(const Node& node, const Correlated& c) {
  if (!profiling_) return;
  note(node, c.lookup ? "lookup join: the predicate's quads in memory, looked up per input row"
                      : "hash join: evaluated once (" + std::to_string(c.rows->size()) +
                            " rows), probed per input row");
  ++profiles_[&node].opens;
}

std::unique_ptr<RowStream> Executor::open(const Node& node, const Row& input, std::optional<TermId> graph) {
  if (auto matches = probed(node, input, graph)) {
    auto stream = std::make_unique<CandidateStream>(ctx_, *matches, input);
    if (!profiling_) return stream;
    return std::make_unique<CountingStream>(std::move(stream), profiles_[&node].rows);
  }
  return direct(node, input, graph);
}

std::optional<Matches> Executor::through_chosen_lookup(const Node& node, Correlated& c, const Row& input) {
  if (!c.lookup || !c.lookup->applies(input)) return std::nullopt;
  note_probed(node, c);
  return Matches(*c.lookup, input);
}

bool Executor::takes_input(const Node& node, const Row& input) {
  switch (node.kind) {
    case Node::Kind::Unit:
    case Node::Kind::Bgp:
    case Node::Kind::Values:
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
      auto [it, fresh] = input_checks_.try_emplace(&node);
      InputCheck& check = it->second;
      if (fresh) {
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
        for (VarId v : read)
          if (std::find(certain.begin(), certain.end(), v) == certain.end()) check.uncertain.push_back(v);
      }
      return std::all_of(check.uncertain.begin(), check.uncertain.end(),
                         [&](VarId v) { return input[v] == kUnbound; });
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
  Correlated& c = correlated(node, graph);
  if (auto matches = through_chosen_lookup(node, c, row)) return matches->any(row);
  if (substitution_safe(node)) {
    if (auto matches = probed_if_cheaper(c, node, row, graph)) {
      note_probed(node, c);
      return matches->any(row);
    }
  }
  Row out;
  SubstitutionDepth substituted(substituting_, substituting_ + (passes_input_on(node) ? 1 : 0));
  if (RestartableScan* scan = restarted_scan(c, node, row, graph)) {
    while (scan->next(out))
      if (node.kind != Node::Kind::Filter || holds(node.exprs, out, graph)) return true;
    return false;
  }
  return direct(node, row, graph)->next(out);
}

RestartableScan* Executor::restarted_scan(Correlated& c, const Node& node, const Row& row,
                                          std::optional<TermId> graph) {
  const bool filtered = node.kind == Node::Kind::Filter && node.left->kind == Node::Kind::Bgp;
  if (profiling_ || (node.kind != Node::Kind::Bgp && !filtered)) return nullptr;
  // A row binding nothing is better served by the BGP's hash joins (build()).
  if (std::all_of(row.begin(), row.end(), [](TermId id) { return id == kUnbound; })) return nullptr;
  if (c.scan && c.scan->restart(row)) return c.scan.get();
  const ObjectRanges* ranges = nullptr;
  if (filtered) {
    expect_exists_probes(node.exprs, estimate(*node.left));
    if (const ObjectRanges& r = filter_ranges(node); !r.empty()) ranges = &r;
  }
  c.scan = scan_bgp(*this, filtered ? *node.left : node, row, graph, ranges);
  return c.scan.get();
}

const Executor::Profile* Executor::profile(const Node& node) const {
  auto it = profiles_.find(&node);
  return it == profiles_.end() ? nullptr : &it->second;
}

void Executor::note(const Node& node, std::string how) {
  if (profiling_) profiles_[&node].how = std::move(how);
}

std::unique_ptr<RowStream> Executor::counted(const Node& node, std::unique_ptr<RowStream> stream) {
  if (!profiling_) return stream;
  Profile& p = profiles_[&node];
  ++p.opens;
  return std::make_unique<CountingStream>(std::move(stream), p.rows);
}

std::unique_ptr<RowStream> Executor::direct(const Node& node, const Row& input, std::optional<TermId> graph) {
  return counted(node, build(node, input, graph));
}

std::unique_ptr<RowStream> Executor::build(const Node& node, const Row& input, std::optional<TermId> graph) {
  switch (node.kind) {
    case Node::Kind::Join:
      expect_probes(*node.right, graph, estimate(*node.left, input));
      return join_rows(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::LeftJoin:
      expect_probes(*node.right, graph, estimate(*node.left, input));
      return left_join(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::Union:
      return concatenate(open(*node.left, input, graph),
                         [this, &node, input, graph] { return open(*node.right, input, graph); });
    case Node::Kind::Extend:
      return extend_rows(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::Project:
      return project_rows(node, open(*node.left, input, graph), ctx_.variables());
    case Node::Kind::Reduced:  // REDUCED permits, but does not require, removing duplicates
      return open(*node.left, input, graph);
    case Node::Kind::Unit:
    case Node::Kind::Bgp:
    case Node::Kind::PathMatch:
    case Node::Kind::Filter:
    case Node::Kind::Minus:
    case Node::Kind::Graph:
    case Node::Kind::Values:
    case Node::Kind::Group:
    case Node::Kind::OrderBy:
    case Node::Kind::Distinct:
    case Node::Kind::Slice:
      break;
  }
  return build_other(node, input, graph);
}

// The other cases, apart: they hold more locals, and build() is in the stack once per level of the algebra.
__attribute__((noinline)) std::unique_ptr<RowStream> Executor::build_other(const Node& node, const Row& input,
                                                                           std::optional<TermId> graph) {
  switch (node.kind) {
    case Node::Kind::Unit:
      return std::make_unique<OwnedRowsStream>(std::vector<Row>{input});
    case Node::Kind::Bgp:
      if (std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; }))
        if (const Node* joins = split(node); joins && !chains_in_memory(node, input, graph)) {
          note(node, "split into hash joins");
          return direct(*joins, input, graph);
        }
      return scan_bgp(*this, node, input, graph);
    case Node::Kind::PathMatch:
      return std::make_unique<OwnedRowsStream>(path_rows(*this, node, input, graph));
    case Node::Kind::Filter:
      expect_exists_probes(node.exprs, estimate(*node.left));
      if (node.left->kind == Node::Kind::Bgp) {
        // Range comparisons narrow the scans (worked out once per FILTER: a correlated one opens per row).
        const ObjectRanges& ranges = filter_ranges(node);
        if (!ranges.empty())
          return filter_rows(*this, node,
                             counted(*node.left, scan_bgp(*this, *node.left, input, graph, &ranges)), graph);
      }
      return filter_rows(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::Minus:
      note(node, "right side evaluated once and hashed");
      return minus_rows(open(*node.left, input, graph), materialize(*node.right, graph));
    case Node::Kind::Graph:
      return build_graph(node, input);
    case Node::Kind::Values:
      return build_values(node, input);
    case Node::Kind::Group: {
      if (auto counts = counts_by_object(*this, node, input, graph)) {
        note(node, "counted from the index's runs of equal objects");
        return std::make_unique<OwnedRowsStream>(std::move(*counts));
      }
      auto child = open(*node.left, input, graph);
      return std::make_unique<OwnedRowsStream>(group_rows(*this, node, *child));
    }
    case Node::Kind::OrderBy: {
      auto child = open(*node.left, input, graph);
      return std::make_unique<OwnedRowsStream>(order_rows(*this, node, *child));
    }
    case Node::Kind::Distinct:
      if (auto objects = distinct_objects(*this, node, input, graph)) {
        note(node, "index skip-scan: one seek per distinct object");
        return objects;
      }
      return distinct_rows(ctx_, open(*node.left, input, graph));
    case Node::Kind::Slice:
      return build_slice(node, input, graph);
    case Node::Kind::Join:
    case Node::Kind::LeftJoin:
    case Node::Kind::Union:
    case Node::Kind::Extend:
    case Node::Kind::Project:
    case Node::Kind::Reduced:
      break;  // build() makes these
  }
  throw QueryError("unknown algebra node");
}

// The cases of build() with many locals, apart: build() recurses once per level of the algebra, and its
// frame is what a deeply nested query pays per level.
__attribute__((noinline)) std::unique_ptr<RowStream> Executor::build_graph(const Node& node,
                                                                           const Row& input) {
  const PatternTerm& g = node.graph;
  if (!g.var) {
    auto id = ctx_.stored_id(g.constant);
    const auto& named = ctx_.dataset().named_graphs;  // FROM NAMED / USING NAMED restrict GRAPH <g> too
    if (id && named && std::find(named->begin(), named->end(), *id) == named->end()) id.reset();
    if (id && !named) {  // the dataset's named graphs are the store's, those that have quads
      const auto& graphs = ctx_.store().statistics().graphs;
      if (auto it = graphs.find(*id); it == graphs.end() || it->second == 0) id.reset();
    }
    if (!id) return std::make_unique<OwnedRowsStream>(std::vector<Row>{});  // no such graph: no solution
    return open(*node.left, input, *id);
  }
  if (input[*g.var] != kUnbound) return open(*node.left, input, input[*g.var]);
  std::vector<TermId> graphs;
  if (ctx_.dataset().named_graphs) {
    graphs = *ctx_.dataset().named_graphs;
  } else {
    for (const auto& [id, count] : ctx_.store().statistics().graphs)
      if (id != kDefaultGraph) graphs.push_back(id);
  }
  auto graph_rows = std::make_unique<OwnedRowsStream>([&] {
    std::vector<Row> rows;
    for (TermId id : graphs) {
      Row r = input;
      r[*g.var] = id;
      rows.push_back(std::move(r));
    }
    return rows;
  }());
  const Node* inner = node.left.get();
  VarId var = *g.var;
  return nested_join(std::move(graph_rows),
                     [this, inner, var](const Row& r) { return open(*inner, r, r[var]); });
}

__attribute__((noinline)) std::unique_ptr<RowStream> Executor::build_values(const Node& node,
                                                                            const Row& input) {
  std::vector<Row> rows;
  for (const auto& data : node.rows) {
    Row r = input;
    bool ok = true;
    for (size_t i = 0; i < node.vars.size() && ok; ++i) {
      if (!data[i]) continue;
      TermId id = ctx_.intern(*data[i]);
      TermId& slot = r[node.vars[i]];
      if (slot == kUnbound)
        slot = id;
      else
        ok = slot == id;
    }
    if (ok) rows.push_back(std::move(r));
  }
  return std::make_unique<OwnedRowsStream>(std::move(rows));
}

__attribute__((noinline)) std::unique_ptr<RowStream> Executor::build_slice(const Node& node, const Row& input,
                                                                           std::optional<TermId> graph) {
  // ORDER BY under LIMIT (projection and DISTINCT between them change no order): keep only the top rows,
  // distinct ones under a DISTINCT.
  const Node* below = node.left.get();
  const Node* distinct = below->kind == Node::Kind::Distinct ? below : nullptr;
  if (distinct) below = distinct->left.get();
  const Node* project = below->kind == Node::Kind::Project ? below : nullptr;
  const Node* order = project ? project->left.get() : below;
  if (node.limit >= 0 && order->kind == Node::Kind::OrderBy) {
    std::unique_ptr<RowStream> top = ordered_by_object(*this, *order, input, graph);
    if (top) {
      note(*order, "read in order from the index, stopping at the limit");
    } else {
      const size_t keep = node.offset + node.limit;
      std::vector<VarId> distinct_on;
      if (distinct && project) distinct_on = project->vars;
      for (VarId v = 0; distinct && !project && v < ctx_.variables(); ++v) distinct_on.push_back(v);
      note(*order, "top-k: keeps " + std::to_string(keep) + (distinct ? " distinct rows" : " rows"));
      auto child = open(*order->left, input, graph);
      top = std::make_unique<OwnedRowsStream>(
          order_rows(*this, *order, *child, keep, distinct ? &distinct_on : nullptr));
    }
    top = counted(*order, std::move(top));
    if (project) top = counted(*project, project_rows(*project, std::move(top), ctx_.variables()));
    if (distinct) top = counted(*distinct, distinct_rows(ctx_, std::move(top)));
    return slice_rows(node, std::move(top));
  }
  return slice_rows(node, open(*node.left, input, graph));
}

}  // namespace quiver::query
