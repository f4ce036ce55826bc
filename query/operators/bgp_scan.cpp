// Basic graph patterns: nested index scans with the bindings so far substituted; stars read their subject's
// quads once.
#include "query/operators/operators.h"

#include <algorithm>
#include <map>

#include "query/operators/lookup_chain.h"
#include "query/planner.h"

namespace quiver::query {
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

std::vector<BgpOperator::ScanPlan::LeadFromPrevious> leads_from_previous(
    const std::vector<const TriplePattern*>& order, const std::vector<bool>& bound) {
  constexpr int kInput = -1, kNever = -2;
  std::vector<int> bound_at(bound.size(), kNever);  // the pattern that binds each variable first
  for (size_t v = 0; v < bound.size(); ++v)
    if (bound[v]) bound_at[v] = kInput;
  std::vector<BgpOperator::ScanPlan::LeadFromPrevious> leads(order.size());
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

// The quads of one subject in one graph, read with a single seek. The patterns of a star on a bound
// subject are matched against them instead of each seeking the index: a seek costs about a microsecond, a
// subject's next few keys far less.
class SubjectQuads {
 public:
  // A subject with more quads than this (a hub) is better served by a seek per pattern.
  static constexpr size_t kMaxQuads = 256;
  explicit SubjectQuads(QueryContext& ctx) : ctx_(ctx) {}
  ~SubjectQuads() {
    if (cursor_) ctx_.release_cursor(std::move(*cursor_));
  }
  // Reads the quads of `s` in graph `g` (once for a run of loads of the same subject); false when there
  // are too many to hold.
  bool load(TermId s, TermId g) {
    if (s == subject_ && g == graph_) return complete_;
    subject_ = s, graph_ = g;
    quads_.clear();
    ctx_.seek(cursor_, QuadPattern{s, std::nullopt, std::nullopt, g, std::nullopt});
    for (; cursor_->valid() && quads_.size() <= kMaxQuads; cursor_->next()) quads_.push_back(cursor_->quad());
    complete_ = quads_.size() <= kMaxQuads;
    return complete_;
  }
  const std::vector<Quad>& quads() const { return quads_; }

 private:
  QueryContext& ctx_;
  std::optional<QuadCursor> cursor_;
  TermId subject_ = kUnbound, graph_ = kUnbound;
  bool complete_ = false;
  std::vector<Quad> quads_;
};

class BgpStream : public RestartableScan {
 public:
  BgpStream(Executor& ex, const Node& node, const Row& input, std::optional<TermId> graph,
            const ObjectRanges* ranges = nullptr)
      : ex_(ex),
        node_(node),
        ctx_(ex.context()),
        graph_(graph),
        ranges_(ranges),
        input_(input),
        plan_(scan_plan(ex, node, input, ranges)),
        order_(plan_.order) {
    // Constants resolve once; one the store lacks means no solutions at all.
    for (const TriplePattern* t : order_)
      for (const PatternTerm* p : {&t->s, &t->p, &t->o})
        if (!p->var && !ids_.count(p)) {
          auto id = ctx_.constant_id(*p);
          if (!id) impossible_ = true;
          ids_[p] = id.value_or(0);
        }
    if (graph_ && *graph_ == kUnbound) impossible_ = true;
    levels_.resize(order_.size());
    for (size_t i = 0; i < order_.size(); ++i)
      if (!order_[i]->p.var) levels_[i].predicate = ids_.at(&order_[i]->p);
    find_stars();
    const auto in_memory =
        std::count_if(levels_.begin(), levels_.end(), [](const Level& l) { return l.in_memory.has_value(); });
    if (in_memory) ex.note(node, std::to_string(in_memory) + " star patterns looked up in memory");
    start();
  }

  bool restart(const Row& input) override {
    if (&scan_plan(ex_, node_, input, ranges_) != &plan_) return false;
    input_ = input;
    taken_ = {};
    pending_.clear();
    pending_pos_ = 0;
    stepped_ = false;
    if (chain_) chain_->reset();
    start();
    return true;
  }

  void prefetch(std::span<const TermId> input, bool deep) const override {
    if (impossible_ || order_.empty() || !levels_[0].cursor) return;
    if (const auto lead = lookup_lead(*order_[0], input))
      levels_[0].cursor->prefetch_lookup(levels_[0].predicate, lead->by_subject, input[lead->var], deep);
  }

  ~BgpStream() override {
    for (Level& level : levels_)
      if (level.cursor) ctx_.release_cursor(std::move(*level.cursor));
  }

  // A single pattern read from memory appends its solutions in loops over the cached quads, a batch at a
  // time: the consumer's buffer stays small however large the range.
  size_t next_batch(std::vector<TermId>& cells, size_t width) override {
    if (chained()) {
      if (pending_pos_ == pending_.size()) return chain_->append(cells, LookupChain::kBatchRows);
      cells.insert(cells.end(), pending_.begin() + static_cast<ptrdiff_t>(pending_pos_), pending_.end());
      const size_t rows = (pending_.size() - pending_pos_) / width;
      pending_.clear();
      pending_pos_ = 0;
      return rows;
    }
    const size_t before = cells.size();
    while (cells.size() == before) {
      if (taken_.empty()) {
        if (!one_pattern_in_memory() || (taken_ = levels_[0].cursor->take_in_memory()).empty())
          return one_at_a_time(cells, width);  // not from memory, or on to the next range or graph
      }
      const size_t n = std::min(taken_.size(), kBatchQuads);
      append_matches(taken_.first(n), cells, width);
      taken_ = taken_.subspan(n);
    }
    return (cells.size() - before) / width;
  }

  bool next(Row& out) override {
    if (chain_) return next_chained(out);
    stepped_ = true;
    if (impossible_) return false;
    if (order_.empty()) {
      if (!single_) return false;
      out = input_;
      single_ = false;
      return true;
    }
    while (depth_ >= 0) {
      ctx_.check_deadline();
      Level& level = levels_[depth_];
      // The last pattern's bindings go straight to `out`; the others' feed the next pattern in place.
      const bool last = depth_ + 1 == static_cast<int>(order_.size());
      if (!advance(level, last ? out : level.result)) {
        --depth_;
        continue;
      }
      if (last) return true;
      start_level(depth_ + 1, level.result);
    }
    return false;
  }

 private:
  struct Level {
    const Row* row = nullptr;  // bindings before this pattern: the input or the previous level's result
    Row result;                // bindings after the current match (unused by the last level)
    QuadPattern pattern;
    SubjectQuads* star = nullptr;  // set: the pattern is matched against its bound subject's quads...
    bool from_star = false;        // ...and is, for the current subject (not a hub)
    // A star pattern whose predicate the store keeps in memory by subject is looked up there instead.
    std::optional<PredicateLookup> in_memory;
    std::span<const Quad> star_quads;  // the quads a star pattern matches against, for the current subject
    size_t star_pos = 0;
    std::optional<QuadCursor> cursor;  // kept between rows and re-seeked: iterators are costly to make
    bool open = false;
    size_t graph_index = 0;
    const std::vector<std::pair<TermId, TermId>>* ranges = nullptr;  // object id intervals to scan, if any
    size_t range_index = 0;
    Quad last{~0ULL, ~0ULL, ~0ULL, ~0ULL};
    TermId predicate = 0;  // the pattern's constant predicate, if it has one
  };
  // Whether next_rows() runs the patterns after the first as a lookup chain: decided on its first call,
  // unless next() has started the scan depth-first.
  bool chained() {
    if (!chain_asked_ && !stepped_) {
      chain_asked_ = true;
      make_chain();
    }
    return chain_.has_value();
  }

  // The lookup chain, when every pattern after the first is looked up in its predicate's quads in memory by
  // a variable bound before it, in a single graph.
  void make_chain() {
    const std::optional<TermId> g = ctx_.single_graph(graph_);
    if (impossible_ || !g) return;
    auto lookups = chain_lookups(ctx_, order_, input_, *g);
    if (!lookups) return;
    chain_.emplace(std::move(*lookups), input_.size(), [this](std::vector<TermId>& cells) {
      const size_t start = cells.size();
      for (size_t n = 0; n < LookupChain::kBatchRows && advance(levels_[0], first_row_); ++n) {
        ctx_.check_deadline();
        cells.insert(cells.end(), first_row_.begin(), first_row_.end());
      }
      return cells.size() > start;
    });
    ex_.note(node_,
             std::to_string(order_.size() - 1) + " patterns looked up in memory, a batch of rows at a time");
  }

  // next() once next_rows() has made the chain: its rows a batch at a time.
  bool next_chained(Row& out) {
    const size_t width = input_.size();
    if (pending_pos_ == pending_.size()) {
      pending_.clear();
      pending_pos_ = 0;
      if (!chain_->append(pending_, LookupChain::kBatchRows)) return false;
    }
    const auto row = pending_.begin() + static_cast<ptrdiff_t>(pending_pos_);
    out.assign(row, row + static_cast<ptrdiff_t>(width));
    pending_pos_ += width;
    return true;
  }

  // A pattern's lookups are started this many quads of the previous pattern ahead (their lead index slot),
  // and half as many ahead once the slot is at hand (the quads it points to): their cache misses overlap
  // instead of following one another.
  static constexpr size_t kLookAhead = 8;

  static constexpr size_t kBatchQuads = 1024;

  void start() {
    depth_ = -1;
    single_ = false;
    if (impossible_) return;
    if (order_.empty())
      single_ = true;
    else
      start_level(0, input_);
  }

  bool one_pattern_in_memory() const {
    if (impossible_ || order_.size() != 1) return false;
    const Level& level = levels_[0];
    return level.open && level.cursor && !level.from_star && (graph_ || !ctx_.dataset().union_default);
  }

  void append_matches(std::span<const Quad> quads, std::vector<TermId>& cells, size_t width) {
    const Level& level = levels_[0];
    const TriplePattern& t = *order_[0];
    const QuadCursor& cursor = *level.cursor;
    for (const Quad& q : quads) {
      if (!cursor.matches(q) || (level.graph_index > 0 && seen_in_earlier_graph(q, level.graph_index)))
        continue;
      cells.insert(cells.end(), level.row->begin(), level.row->end());
      std::span<TermId> row(cells.data() + cells.size() - width, width);
      if (!bind(t.s, q.s, row) || !bind(t.p, q.p, row) || !bind(t.o, q.o, row))
        cells.resize(cells.size() - width);
    }
  }

  TermId resolve(const PatternTerm& p, const Row& row) const {
    if (p.var) return row[*p.var];
    return ids_.at(&p);
  }

  // The plan's stars read their subject's quads once: only where one graph is read.
  void find_stars() {
    const std::optional<TermId> g = ctx_.single_graph(graph_);
    if (!g) return;
    star_graph_ = *g;
    for (size_t i = 0; i < order_.size(); ++i)
      if (const auto& var = plan_.star[i]) {
        auto [it, fresh] = stars_.try_emplace(*var, nullptr);
        if (fresh) it->second = std::make_unique<SubjectQuads>(ctx_);
        levels_[i].star = it->second.get();
        if (auto p = ctx_.constant_id(order_[i]->p))
          levels_[i].in_memory = ctx_.predicate_lookup(*p, true, false);
      }
  }

  // Starts the lookups of the pattern after `level` for the quads `level` reads a few steps ahead. When
  // the pattern after that is looked up by what the next one's lookup binds, its lookups are started too,
  // closer ahead, from the next pattern's quads (fetched by then).
  void prefetch_next_lookups(const Level& level) {
    const size_t i = &level - levels_.data();
    if (i + 1 >= levels_.size()) return;
    const BgpOperator::ScanPlan::LeadFromPrevious& lead = plan_.lead_from_previous[i + 1];
    if (!lead.position) return;
    const std::span<const Quad> ahead = level.cursor->ahead_in_memory();
    if (ahead.size() <= kLookAhead / 2) return;
    const Level& next = levels_[i + 1];
    for (const bool deep : {false, true}) {
      const size_t k = deep ? kLookAhead / 2 : kLookAhead;
      if (ahead.size() > k) prefetch_lookup(next, lead.by_subject, ahead[k].*lead.position, deep);
    }
    if (i + 2 >= levels_.size() || next.in_memory || !next.cursor) return;
    const BgpOperator::ScanPlan::LeadFromPrevious& lead2 = plan_.lead_from_previous[i + 2];
    if (!lead2.position) return;
    for (const bool deep : {false, true}) {
      const size_t k = deep ? kLookAhead / 8 : kLookAhead / 4;
      const auto middle =
          next.cursor->lookup_in_memory(next.predicate, lead.by_subject, ahead[k].*lead.position);
      for (const Quad& q : middle.first(std::min<size_t>(middle.size(), 2)))
        prefetch_lookup(levels_[i + 2], lead2.by_subject, q.*lead2.position, deep);
    }
  }

  // Starts a lookup of `level`'s pattern by `lead`: the lead's slot, or `deep` the quads it points to.
  static void prefetch_lookup(const Level& level, bool by_subject, TermId lead, bool deep) {
    if (level.in_memory) {
      if (level.in_memory->worth_prefetching()) level.in_memory->prefetch(lead, deep);
    } else if (level.cursor) {
      level.cursor->prefetch_lookup(level.predicate, by_subject, lead, deep);
    }
  }

  void start_level(size_t i, const Row& row) {
    depth_ = static_cast<int>(i);
    Level& level = levels_[i];
    level.row = &row;
    const TriplePattern& t = *order_[i];
    auto pos = [&](const PatternTerm& p) -> std::optional<TermId> {
      TermId id = resolve(p, row);
      return id == kUnbound ? std::nullopt : std::optional<TermId>(id);
    };
    level.pattern = {pos(t.s), pos(t.p), pos(t.o), std::nullopt, std::nullopt};
    level.from_star =
        level.star && level.pattern.s && (level.in_memory || level.star->load(*level.pattern.s, star_graph_));
    if (level.from_star) {
      level.star_quads = level.in_memory ? level.in_memory->find(*level.pattern.s) : level.star->quads();
      ctx_.count_lookup(*level.pattern.p, true);  // towards keeping the predicate in memory
      level.star_pos = 0;
      level.open = true;
      return;
    }
    level.graph_index = 0;
    level.range_index = 0;
    level.ranges = nullptr;
    if (ranges_ && t.o.var && !level.pattern.o && level.pattern.p && !level.pattern.s)
      if (auto it = ranges_->find(*t.o.var); it != ranges_->end()) level.ranges = &it->second;
    level.last = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
    open_cursor(level);
  }

  // Default graph: each of the dataset's graphs in turn (or all at once for the union default graph).
  void open_cursor(Level& level) {
    const Dataset& ds = ctx_.dataset();
    QuadPattern p = level.pattern;
    if (level.ranges) p.o_range = (*level.ranges)[level.range_index];
    if (graph_) {
      p.g = *graph_;
    } else if (!ds.union_default) {
      if (level.graph_index >= ds.default_graphs.size()) {
        level.open = false;
        return;
      }
      p.g = ds.default_graphs[level.graph_index];
    }
    ctx_.seek(level.cursor, p);
    level.open = true;
  }

  bool advance(Level& level, Row& result) {
    const Dataset& ds = ctx_.dataset();
    const TriplePattern& t = *order_[&level - levels_.data()];
    if (level.from_star) {
      const std::span<const Quad> quads = level.star_quads;
      while (level.star_pos < quads.size()) {
        const Quad& q = quads[level.star_pos++];
        if (q.p != *level.pattern.p || q.g != star_graph_ || (level.pattern.o && q.o != *level.pattern.o))
          continue;
        result = *level.row;
        if (bind(t.o, q.o, result)) return true;
      }
      return level.open = false;
    }
    while (level.open) {
      if (!level.cursor->valid()) {
        if (level.ranges && ++level.range_index < level.ranges->size()) {
          open_cursor(level);
          continue;
        }
        level.range_index = 0;
        if (graph_ || ds.union_default || ++level.graph_index >= ds.default_graphs.size()) {
          level.open = false;
          return false;
        }
        open_cursor(level);
        continue;
      }
      Quad q = level.cursor->quad();
      level.cursor->next();
      prefetch_next_lookups(level);
      if (!graph_) {
        // The default graph is a merge: a triple in several of its graphs counts once.
        if (ds.union_default) {
          if (q.s == level.last.s && q.p == level.last.p && q.o == level.last.o) continue;
          level.last = q;
        } else if (level.graph_index > 0 && seen_in_earlier_graph(q, level.graph_index)) {
          continue;
        }
      }
      result = *level.row;
      if (bind(t.s, q.s, result) && bind(t.p, q.p, result) && bind(t.o, q.o, result)) return true;
    }
    return false;
  }

  bool seen_in_earlier_graph(const Quad& q, size_t index) const {
    for (size_t i = 0; i < index; ++i)
      if (ctx_.store().contains({q.s, q.p, q.o, ctx_.dataset().default_graphs[i]})) return true;
    return false;
  }

  static bool bind(const PatternTerm& p, TermId value, std::span<TermId> row) {
    if (!p.var) return true;
    TermId& slot = row[*p.var];
    if (slot == kUnbound) {
      slot = value;
      return true;
    }
    return slot == value;
  }

  Executor& ex_;
  const Node& node_;
  QueryContext& ctx_;
  std::optional<TermId> graph_;
  const ObjectRanges* ranges_;
  Row input_;
  const BgpOperator::ScanPlan& plan_;
  const std::vector<const TriplePattern*>& order_;
  std::map<const PatternTerm*, TermId> ids_;
  std::vector<Level> levels_;
  std::map<VarId, std::unique_ptr<SubjectQuads>> stars_;  // one per star's subject variable
  TermId star_graph_ = kUnbound;
  int depth_ = -1;
  bool impossible_ = false;
  bool single_ = false;          // an empty BGP: its one solution, the input, is still to come
  std::span<const Quad> taken_;  // next_rows(): quads taken from the cursor, not yet turned into rows
  std::optional<LookupChain> chain_;
  bool chain_asked_ = false;
  bool stepped_ = false;         // whether next() has started the scan depth-first
  Row first_row_;                // the chain's scratch row of the first pattern
  std::vector<TermId> pending_;  // rows of the chain that next() has not yet returned
  size_t pending_pos_ = 0;
};

}  // namespace

std::unique_ptr<RestartableScan> scan_bgp(Executor& ex, const Node& bgp, const Row& input,
                                          std::optional<TermId> graph, const ObjectRanges* ranges) {
  return std::make_unique<BgpStream>(ex, bgp, input, graph, ranges);
}

void BgpOperator::plan_alternatives() {
  if (split_planned_) return;
  split_planned_ = true;
  std::map<const Node*, double> estimates;
  split_ = split_bgp(ex_.context(), node_, estimates);
  if (!split_) return;
  add_child(*split_, "opened alone: hash joins of its runs of patterns");
  for (const auto& [joined, rows] : estimates) ex_.plan(*joined).set_estimate(rows);
}

const BgpOperator::ScanPlan& BgpOperator::scan_plan(const Row& input, const ObjectRanges* ranges) {
  if (same_bound_set(last_plan_.bound, input) && last_plan_.plan) return *last_plan_.plan;
  auto [it, fresh] = scan_plans_.try_emplace(last_plan_.bound);
  if (fresh) {
    it->second.order = order_patterns(ex_.context(), node_.triples, last_plan_.bound, nullptr, ranges);
    it->second.star = star_subjects(it->second.order, last_plan_.bound);
    it->second.lead_from_previous = leads_from_previous(it->second.order, last_plan_.bound);
  }
  last_plan_.plan = &it->second;
  return it->second;
}

const BgpOperator::ScanPlan& scan_plan(Executor& ex, const Node& bgp, const Row& input,
                                       const ObjectRanges* ranges) {
  // The planner makes a BgpOperator for every BGP node (physical_plan.cpp).
  return static_cast<BgpOperator&>(ex.plan(bgp)).scan_plan(input, ranges);
}

double BgpOperator::estimated_cost() {
  // Nested index scans: a seek per pattern for each row of the patterns before it, a row made per match.
  // The order worked out here, not kept as a scan plan: a BGP under a FILTER is scanned under its ranges.
  std::vector<bool> bound(ex_.context().variables(), false);
  double rows = 1, cost = 0;
  for (const TriplePattern* t : order_patterns(ex_.context(), node_.triples, bound)) {
    cost += rows * kProbeCost;
    rows *= estimate_pattern(ex_.context(), *t, bound);
    cost += rows;
    for (const PatternTerm* p : {&t->s, &t->p, &t->o})
      if (p->var) bound[*p->var] = true;
  }
  return cost;
}

std::string BgpOperator::describe(const PlanNames&) const {
  const size_t n = node_.triples.size();
  return n == 1 ? "BGP" : "BGP (" + std::to_string(n) + " patterns)";
}

std::vector<std::string> BgpOperator::details(const PlanNames& names) const {
  std::vector<std::string> lines;
  if (split_taken_) return lines;  // its joins' operators list them
  for (const auto& t : node_.triples)
    lines.push_back(names.term(t.s) + " " + names.term(t.p) + " " + names.term(t.o));
  return lines;
}

std::vector<Operator::Child> BgpOperator::children_run() const {
  if (!split_taken_) return {};
  return {{children().front().op, ""}};
}

std::unique_ptr<RowStream> BgpOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  const bool alone = std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; });
  if (alone) plan_alternatives();
  if (alone && split_ && !chains_in_memory(input, graph)) {
    split_taken_ = true;
    ex_.note(node_, "split into hash joins");
    return children().front().op->open(input, graph);
  }
  return scan_bgp(ex_, node_, input, graph);
}

bool BgpOperator::chains_in_memory(const Row& input, std::optional<TermId> graph) {
  const std::optional<TermId> g = ex_.context().single_graph(graph);
  return g && chain_lookups(ex_.context(), scan_plan(input, nullptr).order, input, *g).has_value();
}

}  // namespace quiver::query
