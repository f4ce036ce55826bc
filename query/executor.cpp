#include "query/executor.h"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_set>

#include "query/index_shortcuts.h"
#include "query/planner.h"

namespace quiver::query {
namespace {

struct RowHash {
  size_t operator()(const Row& r) const {
    size_t h = 0;
    for (TermId id : r) h = h * 1000003 ^ std::hash<TermId>()(id);
    return h;
  }
};

// ---- range filters: comparisons of a variable with an inline constant narrow the object scan -------------

using ObjectRanges = std::map<VarId, std::vector<std::pair<TermId, TermId>>>;

// Id intervals that hold every value that could satisfy the FILTER's range comparisons on a variable: the
// constant's own type narrowed to the range, plus, unnarrowed, the dictionary literals and the other numeric
// types (values that may still compare true). The FILTER itself still runs on every row.
ObjectRanges object_ranges(const std::vector<ExprPtr>& conjuncts) {
  struct Bound {
    IdTag tag;
    TermId lo, hi;
    bool valid = true;
  };
  std::map<VarId, Bound> bounds;
  std::function<void(const Expr&)> visit = [&](const Expr& e) {
    if (e.op == Op::And) {
      for (auto& a : e.args) visit(*a);
      return;
    }
    if (e.op < Op::Equal || e.op > Op::GreaterEqual || e.op == Op::NotEqual || e.args.size() != 2) return;
    const Expr *var = e.args[0].get(), *constant = e.args[1].get();
    Op op = e.op;
    if (var->op == Op::Constant && constant->op == Op::Variable) {
      std::swap(var, constant);
      op = op == Op::Less           ? Op::Greater
           : op == Op::Greater      ? Op::Less
           : op == Op::LessEqual    ? Op::GreaterEqual
           : op == Op::GreaterEqual ? Op::LessEqual
                                    : op;
    }
    if (var->op != Op::Variable || constant->op != Op::Constant) return;
    auto id = inline_id(constant->constant.view());
    if (!id || !ordered_by_id(*id)) return;
    const IdTag tag = id_tag(*id);
    const bool zoned =
        tag == IdTag::Date || tag == IdTag::DateTime;  // instant in the high bits, zone in the low 8
    const TermId first = zoned ? *id & ~TermId{0xFF} : *id, last = zoned ? *id | 0xFF : *id;
    auto [it, fresh] = bounds.try_emplace(var->var, Bound{tag, make_id(tag, 0), make_id(tag, kPayloadMask)});
    Bound& b = it->second;
    if (b.tag != tag) b.valid = false;
    if (op == Op::Greater) b.lo = std::max(b.lo, last + 1);
    if (op == Op::GreaterEqual || op == Op::Equal) b.lo = std::max(b.lo, first);
    if (op == Op::Less) b.hi = std::min(b.hi, first - 1);
    if (op == Op::LessEqual || op == Op::Equal) b.hi = std::min(b.hi, last);
  };
  for (const auto& c : conjuncts) visit(*c);
  ObjectRanges out;
  for (auto& [var, b] : bounds) {
    if (!b.valid) continue;
    auto whole = [](IdTag t) { return std::make_pair(make_id(t, 0), make_id(t, kPayloadMask)); };
    std::vector<std::pair<TermId, TermId>> intervals = {whole(IdTag::Literal)};
    const bool numeric = b.tag == IdTag::Integer || b.tag == IdTag::Decimal;
    for (IdTag t : {IdTag::Integer, IdTag::Decimal, IdTag::Double}) {
      if (t == b.tag) continue;
      if (numeric) intervals.push_back(whole(t));
    }
    if (b.lo <= b.hi) intervals.emplace_back(b.lo, b.hi);
    std::sort(intervals.begin(), intervals.end());
    out[var] = std::move(intervals);
  }
  return out;
}

// ---- basic graph patterns: nested index scans with the bindings so far substituted
// -------------------------

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

class BgpStream : public RowStream {
 public:
  BgpStream(Executor& ex, const Node& node, const Row& input, std::optional<TermId> graph,
            const ObjectRanges* ranges = nullptr)
      : ctx_(ex.context()),
        graph_(graph),
        ranges_(ranges),
        input_(input),
        plan_(ex.scan_plan(node, input)),
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
    find_stars();
    const auto in_memory =
        std::count_if(levels_.begin(), levels_.end(), [](const Level& l) { return l.in_memory.has_value(); });
    if (in_memory) ex.note(node, std::to_string(in_memory) + " star patterns looked up in memory");
    if (!impossible_) {
      if (order_.empty()) {
        single_ = true;
      } else {
        start_level(0, input_);
      }
    }
  }

  ~BgpStream() override {
    for (Level& level : levels_)
      if (level.cursor) ctx_.release_cursor(std::move(*level.cursor));
  }

  // A single pattern read from memory appends its solutions in loops over the cached quads, a batch at a
  // time: the consumer's buffer stays small however large the range.
  size_t next_rows(std::vector<TermId>& cells, size_t width) override {
    const size_t before = cells.size();
    while (cells.size() == before) {
      if (taken_.empty()) {
        if (!one_pattern_in_memory() || (taken_ = levels_[0].cursor->take_in_memory()).empty())
          return RowStream::next_rows(cells, width);  // not from memory, or on to the next range or graph
      }
      const size_t n = std::min(taken_.size(), kBatchQuads);
      append_matches(taken_.first(n), cells, width);
      taken_ = taken_.subspan(n);
    }
    return (cells.size() - before) / width;
  }

  bool next(Row& out) override {
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
  };

  static constexpr size_t kBatchQuads = 1024;

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

  QueryContext& ctx_;
  std::optional<TermId> graph_;
  const ObjectRanges* ranges_;
  Row input_;
  const Executor::ScanPlan& plan_;
  const std::vector<const TriplePattern*>& order_;
  std::map<const PatternTerm*, TermId> ids_;
  std::vector<Level> levels_;
  std::map<VarId, std::unique_ptr<SubjectQuads>> stars_;  // one per star's subject variable
  TermId star_graph_ = kUnbound;
  int depth_ = -1;
  bool impossible_ = false;
  bool single_ = false;          // an empty BGP: its one solution, the input, is still to come
  std::span<const Quad> taken_;  // next_rows(): quads taken from the cursor, not yet turned into rows
};

// ---- generic streams --------------------------------------------------------------------------------------

// A probe's matches: the rows of a right side evaluated once that are compatible with an input row.
class CandidateStream : public RowStream {
 public:
  CandidateStream(QueryContext& ctx, Matches matches, Row input)
      : ctx_(ctx), matches_(matches), input_(std::move(input)) {}
  bool next(Row& out) override {
    ctx_.check_deadline();
    return matches_.next(input_, out);
  }

 private:
  QueryContext& ctx_;
  Matches matches_;
  Row input_;
};

class OwnedRowsStream : public RowStream {
 public:
  explicit OwnedRowsStream(std::vector<Row> rows) : rows_(std::move(rows)) {}
  bool next(Row& out) override {
    if (i_ >= rows_.size()) return false;
    out = std::move(rows_[i_++]);
    return true;
  }

 private:
  std::vector<Row> rows_;
  size_t i_ = 0;
};

// For each row of `left`, the rows of `right` opened with it.
class NestedStream : public RowStream {
 public:
  using Opener = std::function<std::unique_ptr<RowStream>(const Row&)>;
  NestedStream(std::unique_ptr<RowStream> left, Opener right)
      : left_(std::move(left)), right_(std::move(right)) {}
  bool next(Row& out) override {
    for (;;) {
      if (inner_ && inner_->next(out)) return true;
      if (!left_->next(row_)) return false;
      inner_ = right_(row_);
    }
  }

 private:
  std::unique_ptr<RowStream> left_;
  Opener right_;
  std::unique_ptr<RowStream> inner_;
  Row row_;
};

class LeftJoinStream : public RowStream {
 public:
  LeftJoinStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> left, std::optional<TermId> graph)
      : ex_(ex), node_(node), left_(std::move(left)), graph_(graph) {}
  bool next(Row& out) override {
    for (;;) {
      if (matches_ || inner_) {
        if (next_joined(out)) return true;
        end_row();
        if (!matched_) {
          out = row_;
          return true;
        }
      }
      if (!next_left(out.size())) return false;
      start_row();
    }
  }
  // For consumers that take every row: left rows come in batches and are joined in one loop each, until
  // about a batch of output rows is made.
  size_t next_rows(std::vector<TermId>& cells, size_t width) override {
    constexpr size_t kBatch = 1024;
    if (matches_ || inner_) return RowStream::next_rows(cells, width);  // next() left a row half done
    const size_t start = cells.size(), enough = start + kBatch * width;
    while (cells.size() < enough) {
      if (left_pos_ == left_cells_.size()) {
        left_cells_.clear();
        left_pos_ = 0;
        if (!left_->next_rows(left_cells_, width)) break;
      }
      for (; left_pos_ < left_cells_.size() && cells.size() < enough; left_pos_ += width) {
        row_.assign(left_cells_.begin() + left_pos_, left_cells_.begin() + left_pos_ + width);
        start_row();
        while (next_joined(out_)) cells.insert(cells.end(), out_.begin(), out_.end());
        end_row();
        if (!matched_) cells.insert(cells.end(), row_.begin(), row_.end());
      }
    }
    return (cells.size() - start) / width;
  }

 private:
  // The next left row into row_: what is left of next_rows()'s last batch first.
  bool next_left(size_t width) {
    if (left_pos_ == left_cells_.size()) return left_->next(row_);
    row_.assign(left_cells_.begin() + left_pos_, left_cells_.begin() + left_pos_ + width);
    left_pos_ += width;
    return true;
  }
  void start_row() {
    matched_ = false;
    // A right side evaluated once is probed here rather than through a stream per left row.
    if (!(matches_ = ex_.probed(*node_.right, row_, graph_))) inner_ = ex_.open(*node_.right, row_, graph_);
  }
  void end_row() {
    matches_.reset();
    inner_.reset();
  }
  // The current left row joined with the right side's next row that passes the condition.
  bool next_joined(Row& out) {
    if (matches_) {
      ex_.context().check_deadline();
      while (matches_->next(row_, out)) {
        if (ex_.holds(node_.exprs, out, graph_)) {
          ex_.count_row(*node_.right);
          return matched_ = true;
        }
      }
      return false;
    }
    while (inner_->next(out))
      if (ex_.holds(node_.exprs, out, graph_)) return matched_ = true;
    return false;
  }
  Executor& ex_;
  const Node& node_;
  std::unique_ptr<RowStream> left_;
  std::optional<TermId> graph_;
  std::unique_ptr<RowStream> inner_;
  std::optional<Matches> matches_;
  Row row_, out_;
  std::vector<TermId> left_cells_;  // a batch of left rows (next_rows), used up to left_pos_
  size_t left_pos_ = 0;
  bool matched_ = false;
};

class FilterStream : public RowStream {
 public:
  FilterStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child, std::optional<TermId> graph,
               std::shared_ptr<const void> keep_alive = nullptr)
      : ex_(ex), node_(node), graph_(graph), keep_alive_(std::move(keep_alive)), child_(std::move(child)) {}
  bool next(Row& out) override {
    while (child_->next(out))
      if (ex_.holds(node_.exprs, out, graph_)) return true;
    return false;
  }
  // The child's batch, with the rows that fail the filter taken out in place.
  size_t next_rows(std::vector<TermId>& cells, size_t width) override {
    const size_t start = cells.size();
    while (size_t n = child_->next_rows(cells, width)) {
      size_t kept = start;
      for (size_t from = start; from < start + n * width; from += width) {
        row_.assign(cells.begin() + from, cells.begin() + from + width);
        if (!ex_.holds(node_.exprs, row_, graph_)) continue;
        std::copy(row_.begin(), row_.end(), cells.begin() + kept);
        kept += width;
      }
      cells.resize(kept);
      if (kept > start) return (kept - start) / width;
    }
    return 0;
  }

 private:
  Executor& ex_;
  const Node& node_;
  std::optional<TermId> graph_;
  std::shared_ptr<const void> keep_alive_;  // data the child reads (declared first: outlives the child)
  std::unique_ptr<RowStream> child_;
  Row row_;
};

class ConcatStream : public RowStream {
 public:
  ConcatStream(std::unique_ptr<RowStream> a, std::function<std::unique_ptr<RowStream>()> b)
      : a_(std::move(a)), b_(std::move(b)) {}
  bool next(Row& out) override {
    if (a_ && a_->next(out)) return true;
    a_.reset();
    if (!second_) second_ = b_();
    return second_->next(out);
  }

 private:
  std::unique_ptr<RowStream> a_;
  std::function<std::unique_ptr<RowStream>()> b_;
  std::unique_ptr<RowStream> second_;
};

class MinusStream : public RowStream {
 public:
  MinusStream(std::unique_ptr<RowStream> left, MaterializedRows& right)
      : left_(std::move(left)), right_(right) {}
  bool next(Row& out) override {
    while (left_->next(out)) {
      bool removed = false;
      for (uint32_t i : right_.candidates(out)) {
        bool shared = false;
        if (compatible(out, right_.row(i), &shared) && shared) {
          removed = true;
          break;
        }
      }
      if (!removed) return true;
    }
    return false;
  }

 private:
  std::unique_ptr<RowStream> left_;
  MaterializedRows& right_;
};

class ExtendStream : public RowStream {
 public:
  ExtendStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child, std::optional<TermId> graph)
      : ex_(ex), node_(node), child_(std::move(child)), graph_(graph) {}
  bool next(Row& out) override {
    if (!child_->next(out)) return false;
    // The innermost of a chain of BINDs (or SELECT expressions) sees each solution first.
    if (node_.left->kind != Node::Kind::Extend) ex_.evaluator().new_solution();
    if (out[node_.var] != kUnbound) return true;
    if (node_.expr->op == Op::Variable)  // (?x AS ?y): the id itself, not its term decoded and found again
      out[node_.var] = out[node_.expr->var];
    else if (auto v = ex_.eval(*node_.expr, out, graph_))
      out[node_.var] = ex_.context().intern(*v);
    return true;
  }

 private:
  Executor& ex_;
  const Node& node_;
  std::unique_ptr<RowStream> child_;
  std::optional<TermId> graph_;
};

class ProjectStream : public RowStream {
 public:
  ProjectStream(const Node& node, std::unique_ptr<RowStream> child, size_t width)
      : child_(std::move(child)), keep_(width, false) {
    for (VarId v : node.vars) keep_[v] = true;
  }
  bool next(Row& out) override {
    if (!child_->next(out)) return false;
    for (size_t v = 0; v < out.size(); ++v)
      if (!keep_[v]) out[v] = kUnbound;
    return true;
  }

 private:
  std::unique_ptr<RowStream> child_;
  std::vector<bool> keep_;
};

class DistinctStream : public RowStream {
 public:
  DistinctStream(QueryContext& ctx, std::unique_ptr<RowStream> child) : ctx_(ctx), child_(std::move(child)) {}
  bool next(Row& out) override {
    while (child_->next(out))
      if (seen_.insert(out).second) {
        ctx_.charge_memory(ctx_.row_bytes());
        return true;
      }
    return false;
  }

 private:
  QueryContext& ctx_;
  std::unique_ptr<RowStream> child_;
  std::unordered_set<Row, RowHash> seen_;
};

class SliceStream : public RowStream {
 public:
  SliceStream(const Node& node, std::unique_ptr<RowStream> child)
      : child_(std::move(child)), skip_(node.offset), limit_(node.limit) {}
  bool next(Row& out) override {
    if (limit_ == 0) return false;
    while (skip_ > 0) {
      if (!child_->next(out)) return false;
      --skip_;
    }
    if (!child_->next(out)) return false;
    if (limit_ > 0) --limit_;
    return true;
  }

 private:
  std::unique_ptr<RowStream> child_;
  int64_t skip_, limit_;
};

// ---- property paths (SPARQL 1.1 section 9.3): links, sequences and alternatives keep duplicates; the
// ?, * and + closures are sets, computed breadth-first so cycles end
// ------------------------------------------

class PathWalker {
 public:
  PathWalker(QueryContext& ctx, std::optional<TermId> graph) : ctx_(ctx), graph_(graph) {}

  // Nodes reached from `from` along `path` (against the direction of the edges when `backward`).
  void walk(const Path& path, TermId from, bool backward, std::vector<TermId>& out) {
    ctx_.check_deadline();
    switch (path.kind) {
      case Path::Kind::Link: {
        auto p = ctx_.stored_id(path.iri);
        if (!p) return;
        edges(backward ? QuadPattern{std::nullopt, *p, from, std::nullopt}
                       : QuadPattern{from, *p, std::nullopt, std::nullopt},
              [&](const Quad& q) { out.push_back(backward ? q.s : q.o); });
        return;
      }
      case Path::Kind::Inverse:
        walk(path.args[0], from, !backward, out);
        return;
      case Path::Kind::Sequence: {
        std::vector<TermId> frontier{from};
        const size_t n = path.args.size();
        for (size_t k = 0; k < n; ++k) {
          const Path& step = path.args[backward ? n - 1 - k : k];
          std::vector<TermId> next;
          for (TermId x : frontier) walk(step, x, backward, next);
          frontier = std::move(next);
        }
        out.insert(out.end(), frontier.begin(), frontier.end());
        return;
      }
      case Path::Kind::Alternative:
        for (const Path& alt : path.args) walk(alt, from, backward, out);
        return;
      case Path::Kind::ZeroOrOne: {
        std::vector<TermId> reached{from};
        walk(path.args[0], from, backward, reached);
        std::sort(reached.begin(), reached.end());
        reached.erase(std::unique(reached.begin(), reached.end()), reached.end());
        out.insert(out.end(), reached.begin(), reached.end());
        return;
      }
      case Path::Kind::ZeroOrMore:
      case Path::Kind::OneOrMore: {
        std::unordered_set<TermId> seen;
        ChargedMemory held(ctx_);  // the nodes seen, and what they add to `out`
        auto first_visit = [&](TermId x) {
          if (!seen.insert(x).second) return false;
          held.charge(2 * sizeof(TermId) + ChargedMemory::kSetEntryBytes);
          return true;
        };
        std::vector<TermId> frontier;
        if (path.kind == Path::Kind::ZeroOrMore) {
          first_visit(from);
          out.push_back(from);
          frontier.push_back(from);
        } else {
          walk(path.args[0], from, backward, frontier);
          std::vector<TermId> first;
          for (TermId x : frontier)
            if (first_visit(x)) first.push_back(x), out.push_back(x);
          frontier = std::move(first);
        }
        while (!frontier.empty()) {
          std::vector<TermId> next;
          for (TermId x : frontier) {
            std::vector<TermId> step;
            walk(path.args[0], x, backward, step);
            for (TermId y : step)
              if (first_visit(y)) next.push_back(y), out.push_back(y);
          }
          frontier = std::move(next);
        }
        return;
      }
      case Path::Kind::Negated: {
        // !(a|^b): forward edges whose predicate is not a forward member, and reversed edges whose predicate
        // is not an inverse member; a side with no members contributes nothing.
        std::set<TermId> forward_excluded, inverse_excluded;
        bool has_forward = false, has_inverse = false;
        for (const auto& [iri, inverse] : path.negated) {
          (inverse ? has_inverse : has_forward) = true;
          if (auto id = ctx_.stored_id(iri)) (inverse ? inverse_excluded : forward_excluded).insert(*id);
        }
        if (has_forward)
          edges(backward ? QuadPattern{std::nullopt, std::nullopt, from, std::nullopt}
                         : QuadPattern{from, std::nullopt, std::nullopt, std::nullopt},
                [&](const Quad& q) {
                  if (!forward_excluded.count(q.p)) out.push_back(backward ? q.s : q.o);
                });
        if (has_inverse)
          edges(backward ? QuadPattern{from, std::nullopt, std::nullopt, std::nullopt}
                         : QuadPattern{std::nullopt, std::nullopt, from, std::nullopt},
                [&](const Quad& q) {
                  if (!inverse_excluded.count(q.p)) out.push_back(backward ? q.o : q.s);
                });
        return;
      }
    }
  }

  // Whether `id` is a subject or object in the active graph.
  bool is_node(TermId id) {
    bool found = false;
    for (QuadPattern p : {QuadPattern{id, std::nullopt, std::nullopt, std::nullopt},
                          QuadPattern{std::nullopt, std::nullopt, id, std::nullopt}})
      per_graph(p, [&](const QuadPattern& q) {
        if (found) return;
        QuadCursor c = ctx_.acquire_cursor(q);
        found = c.valid();
        ctx_.release_cursor(std::move(c));
      });
    return found;
  }

  // Whether the pairs of `path` can be read from its predicates' quads: a link, an inverse one, or an
  // alternative of those.
  static bool reads_links(const Path& path) {
    switch (path.kind) {
      case Path::Kind::Link:
        return true;
      case Path::Kind::Inverse:
        return reads_links(path.args[0]);
      case Path::Kind::Alternative:
        return std::all_of(path.args.begin(), path.args.end(), reads_links);
      default:
        return false;
    }
  }

  // The (start, end) pairs of a path that reads_links(), with both ends open: one scan per predicate
  // instead of a walk from every node of the graph.
  void link_pairs(const Path& path, bool backward, std::vector<std::pair<TermId, TermId>>& out) {
    ctx_.check_deadline();
    if (path.kind == Path::Kind::Inverse) return link_pairs(path.args[0], !backward, out);
    if (path.kind == Path::Kind::Alternative) {
      for (const Path& alt : path.args) link_pairs(alt, backward, out);
      return;
    }
    auto p = ctx_.stored_id(path.iri);
    if (!p) return;
    edges({std::nullopt, *p, std::nullopt, std::nullopt},
          [&](const Quad& q) { out.emplace_back(backward ? q.o : q.s, backward ? q.s : q.o); });
  }

  // Every node of the active graph (subjects and objects), for paths with both ends open.
  std::vector<TermId> nodes() {
    std::set<TermId> all;
    ChargedMemory held(ctx_);
    edges({}, [&](const Quad& q) {
      for (TermId node : {q.s, q.o})
        if (all.insert(node).second) held.charge(sizeof(TermId) + ChargedMemory::kSetEntryBytes);
    });
    return {all.begin(), all.end()};
  }

 private:
  // The one-step matches of `pattern` in the active graph. A default graph of several graphs is their merge:
  // a triple in more than one of them matches once, as in a basic graph pattern.
  void edges(const QuadPattern& pattern, const std::function<void(const Quad&)>& f) {
    const Dataset& ds = ctx_.dataset();
    size_t graph_index = 0;
    per_graph(pattern, [&](const QuadPattern& p) {
      QuadCursor c = ctx_.acquire_cursor(p);
      Quad last{~0ULL, ~0ULL, ~0ULL, ~0ULL};
      for (; c.valid(); c.next()) {
        const Quad q = c.quad();
        if (!graph_ && ds.union_default) {  // all graphs at once: a triple's quads are adjacent
          if (q.s == last.s && q.p == last.p && q.o == last.o) continue;
          last = q;
        } else if (!graph_ && graph_index > 0 && in_earlier_default_graph(q, graph_index)) {
          continue;
        }
        f(q);
      }
      ctx_.release_cursor(std::move(c));
      ++graph_index;
    });
  }

  bool in_earlier_default_graph(const Quad& q, size_t index) const {
    for (size_t i = 0; i < index; ++i)
      if (ctx_.store().contains({q.s, q.p, q.o, ctx_.dataset().default_graphs[i]})) return true;
    return false;
  }

  // Calls f with `pattern` narrowed to each graph that makes up the active graph.
  void per_graph(QuadPattern pattern, const std::function<void(const QuadPattern&)>& f) {
    const Dataset& ds = ctx_.dataset();
    if (graph_ || ds.union_default) {
      if (graph_) pattern.g = *graph_;
      f(pattern);
      return;
    }
    for (TermId g : ds.default_graphs) {
      pattern.g = g;
      f(pattern);
    }
  }

  QueryContext& ctx_;
  std::optional<TermId> graph_;
};

std::vector<Row> path_rows(Executor& ex, const Node& node, const Row& input, std::optional<TermId> graph) {
  QueryContext& ctx = ex.context();
  const TriplePattern& t = node.triples[0];
  auto end_id = [&](const PatternTerm& p) -> std::optional<TermId> {
    if (p.var) return input[*p.var] == kUnbound ? std::nullopt : std::optional<TermId>(input[*p.var]);
    return ctx.intern(p.constant);  // a constant the store lacks still matches itself by a zero-length path
  };
  std::optional<TermId> s = end_id(t.s), o = end_id(t.o);
  PathWalker walker(ctx, graph);
  // A variable ranges over the graph's nodes only: bound by the input to a term the graph lacks, it has no
  // path at all, not even one of length zero (a constant does have that one).
  for (const PatternTerm* end : {&t.s, &t.o})
    if (end->var && input[*end->var] != kUnbound && !walker.is_node(input[*end->var])) return {};
  std::vector<std::pair<TermId, TermId>> pairs;
  if (s) {
    std::vector<TermId> reached;
    walker.walk(*node.path, *s, false, reached);
    for (TermId x : reached)
      if (!o || x == *o) pairs.emplace_back(*s, x);
  } else if (o) {
    std::vector<TermId> reached;
    walker.walk(*node.path, *o, true, reached);
    for (TermId x : reached) pairs.emplace_back(x, *o);
  } else if (PathWalker::reads_links(*node.path)) {
    walker.link_pairs(*node.path, false, pairs);
  } else {
    for (TermId start : walker.nodes()) {
      std::vector<TermId> reached;
      walker.walk(*node.path, start, false, reached);
      for (TermId x : reached) pairs.emplace_back(start, x);
    }
  }
  std::vector<Row> rows;
  for (auto [a, b] : pairs) {
    Row r = input;
    auto bind = [&](const PatternTerm& p, TermId v) {
      if (!p.var) return true;
      if (r[*p.var] == kUnbound) r[*p.var] = v;
      return r[*p.var] == v;
    };
    if (bind(t.s, a) && bind(t.o, b)) {
      ctx.charge_memory(ctx.row_bytes());
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

// An ORDER BY key: the id when that alone decides the order (same inline type), else the decoded term.
struct OrderValue {
  TermId id = kUnbound;
  std::optional<Term> term;
};

// The rows of `input` in ORDER BY order; with `keep`, only the first `keep` of them (top-k: memory and
// sorting bounded by k, not by the input). Ties keep input order.
std::vector<Row> order_rows(Executor& ex, const Node& node, RowStream& input,
                            std::optional<size_t> keep = std::nullopt) {
  QueryContext& ctx = ex.context();
  struct Keyed {
    std::vector<OrderValue> keys;
    size_t index;
    Row row;
  };
  auto compare_values = [&](const OrderValue& a, const OrderValue& b) {
    if (a.id != kUnbound && b.id != kUnbound && id_tag(a.id) == id_tag(b.id))
      return (a.id > b.id) - (a.id < b.id);
    auto term = [&](const OrderValue& v) {
      return v.id != kUnbound ? std::optional<Term>(ctx.term(v.id)) : v.term;
    };
    return order_compare(term(a), term(b));
  };
  auto before = [&](const Keyed& a, const Keyed& b) {
    for (size_t k = 0; k < node.order.size(); ++k) {
      ctx.check_deadline();  // sorting on many keys takes long too
      int c = compare_values(a.keys[k], b.keys[k]);
      if (c) return node.order[k].descending ? c > 0 : c < 0;
    }
    return a.index < b.index;
  };
  std::vector<Keyed> keyed;
  const size_t row_bytes = ctx.row_bytes() + node.order.size() * sizeof(OrderValue);
  Row r;
  for (size_t i = 0; input.next(r); ++i) {
    ctx.check_deadline();
    Keyed k{{}, i, r};
    for (const auto& key : node.order) {
      ctx.check_deadline();
      OrderValue v;
      if (key.expr->op == Op::Variable && ordered_by_id(r[key.expr->var]))
        v.id = r[key.expr->var];
      else
        v.term = ex.evaluator().eval(*key.expr, r);
      k.keys.push_back(std::move(v));
    }
    keyed.push_back(std::move(k));
    ctx.charge_memory(row_bytes);
    if (keep && keyed.size() >= 2 * *keep + 64) {  // drop what can no longer make the first `keep`
      std::nth_element(keyed.begin(), keyed.begin() + *keep, keyed.end(), before);
      ctx.release_memory((keyed.size() - *keep) * row_bytes);
      keyed.resize(*keep);
    }
  }
  std::sort(keyed.begin(), keyed.end(), before);
  if (keep && keyed.size() > *keep) keyed.resize(*keep);
  std::vector<Row> out;
  out.reserve(keyed.size());
  for (auto& k : keyed) out.push_back(std::move(k.row));
  return out;
}

struct IdsHash {
  size_t operator()(const std::vector<TermId>& v) const {
    size_t h = 0;
    for (TermId id : v) h = h * 1000003 ^ std::hash<TermId>()(id);
    return h;
  }
};

// GROUP BY streams: each group keeps its aggregates' running states, not its rows.
std::vector<Row> group_rows(Executor& ex, const Node& node, RowStream& input) {
  QueryContext& ctx = ex.context();
  // Rows come in batches; an expression is evaluated on a copy of its row in `scratch`.
  Row scratch;
  auto as_row = [&](std::span<const TermId> r) -> const Row& {
    scratch.assign(r.begin(), r.end());
    return scratch;
  };
  // Keys that are plain variables group on the row's ids: no decoding, no dictionary lookups.
  auto key_id = [&](const ExprPtr& e, std::span<const TermId> r) {
    if (e->op == Op::Variable) return r[e->var];
    auto v = ex.evaluator().eval(*e, as_row(r));
    return v ? ctx.intern(*v) : kUnbound;
  };
  // COUNT(*) and COUNT(?v) count rows and bound ids without decoding anything.
  auto plain_count = [](const Expr& e) {
    return e.op == Op::Count && !e.distinct && (e.args.empty() || e.args[0]->op == Op::Variable);
  };
  struct Group {
    std::vector<uint64_t> counts;
    std::vector<std::unique_ptr<AggregateState>> states;
  };
  auto new_group = [&] {
    Group g;
    for (const Aggregate& agg : node.aggregates) {
      g.counts.push_back(0);
      g.states.push_back(plain_count(*agg.expr) ? nullptr : std::make_unique<AggregateState>(*agg.expr));
    }
    return g;
  };
  std::unordered_map<std::vector<TermId>, Group, IdsHash> groups;
  std::vector<std::vector<TermId>> order;  // first-seen order of the groups
  std::vector<TermId> key, last_key;
  Group* last = nullptr;  // rows often come in runs of one group (always, without keys): skip the lookup
  auto add = [&](std::span<const TermId> r) {
    ctx.check_deadline();  // per row: it reads the clock every few thousand calls
    key.clear();
    for (const auto& [var, e] : node.group_keys) key.push_back(key_id(e, r));
    if (!last || key != last_key) {
      auto it = groups.find(key);
      if (it == groups.end()) {
        it = groups.emplace(key, new_group()).first;
        ctx.charge_memory(ctx.row_bytes() + node.aggregates.size() * 64);
        order.push_back(key);
      }
      last = &it->second;  // stable: the map's nodes never move
      last_key = key;
    }
    Group& g = *last;
    for (size_t a = 0; a < node.aggregates.size(); ++a) {
      const Expr& e = *node.aggregates[a].expr;
      if (!g.states[a])
        g.counts[a] += e.args.empty() || r[e.args[0]->var] != kUnbound;
      else {
        // GROUP_CONCAT and DISTINCT aggregates grow with their group: charged as they do.
        const size_t before = g.states[a]->bytes();
        g.states[a]->add(e.args.empty() ? std::optional<Term>(Term())
                                        : ex.evaluator().eval(*e.args[0], as_row(r)));
        if (const size_t after = g.states[a]->bytes(); after > before) ctx.charge_memory(after - before);
      }
    }
  };
  const size_t width = ctx.variables();
  std::vector<TermId> cells;
  for (size_t n; (n = input.next_rows(cells, width)) > 0; cells.clear()) {
    for (size_t i = 0; i < n; ++i) add({cells.data() + i * width, width});
  }
  if (groups.empty() && node.group_keys.empty()) {  // aggregates over no solutions: one group
    groups.emplace(std::vector<TermId>{}, new_group());
    order.emplace_back();
  }
  std::vector<Row> out;
  for (const auto& k : order) {
    const Group& g = groups.at(k);
    Row row = ctx.empty_row();
    for (size_t i = 0; i < k.size(); ++i) row[node.group_keys[i].first] = k[i];
    for (size_t i = 0; i < node.aggregates.size(); ++i) {
      if (!g.states[i]) {
        row[node.aggregates[i].var] = ctx.count_id(g.counts[i]);
        continue;
      }
      if (std::optional<Term> v = g.states[i]->result()) row[node.aggregates[i].var] = ctx.intern(*v);
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

bool compatible(std::span<const TermId> a, std::span<const TermId> b, bool* shared) {
  bool any = false;
  for (size_t v = 0; v < a.size(); ++v) {
    if (a[v] == kUnbound || b[v] == kUnbound) continue;
    if (a[v] != b[v]) return false;
    any = true;
  }
  if (shared) *shared = any;
  return true;
}

bool merge_compatible(Row& a, std::span<const TermId> b) {
  for (size_t v = 0; v < a.size(); ++v) {
    if (b[v] == kUnbound) continue;
    if (a[v] == kUnbound)
      a[v] = b[v];
    else if (a[v] != b[v])
      return false;
  }
  return true;
}

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
    default:  // a sub-SELECT's operators: its variables are its own
      return false;
  }
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
    default:
      return false;
  }
}

size_t RowStream::next_rows(std::vector<TermId>& cells, size_t width) {
  constexpr size_t kBatch = 256;  // rows per call: one scratch row for all of them
  Row r(width);
  size_t n = 0;
  for (; n < kBatch && next(r); ++n) cells.insert(cells.end(), r.begin(), r.end());
  return n;
}

MaterializedRows::MaterializedRows(RowStream& rows, QueryContext& ctx)
    : width_(ctx.variables()), always_bound_(width_, true) {
  while (size_t n = rows.next_rows(cells_, width_)) {
    ctx.check_deadline();
    ctx.charge_memory(
        n * (width_ * sizeof(TermId) + sizeof(uint32_t) * 3));  // the rows, their slots in all_ and an index
    for (size_t i = count_; i < count_ + n; ++i)
      for (size_t v = 0; v < width_; ++v)
        always_bound_[v] = always_bound_[v] && cells_[i * width_ + v] != kUnbound;
    count_ += n;
  }
  all_.resize(count_);
  for (uint32_t i = 0; i < count_; ++i) all_[i] = i;
}

uint64_t MaterializedRows::key_hash(std::span<const TermId> row, const std::vector<VarId>& keys) {
  uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (VarId v : keys) h = (h ^ row[v]) * 0xFF51AFD7ED558CCDULL;
  return h ^ (h >> 29);
}

MaterializedRows::HashIndex MaterializedRows::build_index(const std::vector<VarId>& keys) const {
  // A counting sort by bucket: two passes, no comparisons, each bucket's rows contiguous.
  HashIndex index;
  uint64_t buckets = 1;
  while (buckets < count_) buckets <<= 1;
  index.mask = buckets - 1;
  index.offsets.assign(buckets + 1, 0);
  std::vector<uint32_t> bucket_of(count_);
  for (uint32_t i = 0; i < count_; ++i) {
    bucket_of[i] = static_cast<uint32_t>(key_hash(row(i), keys) & index.mask);
    ++index.offsets[bucket_of[i] + 1];
  }
  for (uint64_t b = 0; b < buckets; ++b) index.offsets[b + 1] += index.offsets[b];
  index.rows.resize(count_);
  std::vector<uint32_t> fill(index.offsets.begin(), index.offsets.end() - 1);
  for (uint32_t i = 0; i < count_; ++i) index.rows[fill[bucket_of[i]]++] = i;
  return index;
}

std::span<const uint32_t> MaterializedRows::candidates(const Row& probe, bool* shared) {
  keys_.clear();
  for (VarId v = 0; v < probe.size(); ++v)
    if (probe[v] != kUnbound && always_bound_[v]) keys_.push_back(v);
  if (shared) *shared = !keys_.empty();
  if (keys_.empty() || count_ == 0) return all_;
  if (!last_index_ || keys_ != last_keys_) {
    auto it = indexes_.find(keys_);
    if (it == indexes_.end()) it = indexes_.emplace(keys_, build_index(keys_)).first;
    last_index_ = &it->second;
    last_keys_ = keys_;
  }
  const HashIndex& index = *last_index_;
  const uint64_t b = key_hash(probe, keys_) & index.mask;
  return std::span<const uint32_t>(index.rows)
      .subspan(index.offsets[b], index.offsets[b + 1] - index.offsets[b]);
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
  return c.rows.emplace(*stream, ctx_);
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
}  // namespace

const Executor::ScanPlan& Executor::scan_plan(const Node& bgp, const Row& input) {
  std::vector<bool> bound(input.size());
  for (size_t v = 0; v < input.size(); ++v) bound[v] = input[v] != kUnbound;
  auto [it, fresh] = scan_plans_.try_emplace(std::make_pair(&bgp, bound));
  if (fresh) {
    it->second.order = order_patterns(ctx_, bgp.triples, bound);
    it->second.star = star_subjects(it->second.order, std::move(bound));
  }
  return it->second;
}

const Node* Executor::split(const Node& bgp) {
  auto [it, fresh] = splits_.try_emplace(&bgp);
  if (fresh) it->second = split_bgp(ctx_, bgp, estimates_);
  return it->second.get();
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
  std::vector<bool> bound(input.size());
  for (size_t v = 0; v < input.size(); ++v) bound[v] = input[v] != kUnbound;
  if (std::find(bound.begin(), bound.end(), true) == bound.end()) return estimate(node);
  auto [it, fresh] = bound_estimates_.try_emplace({&node, std::move(bound)}, 0);
  if (fresh) it->second = estimate_rows(ctx_, node, it->first.second);
  return it->second;
}

std::optional<Matches> Executor::probed_if_cheaper(Correlated& c, const Node& node, const Row& input,
                                                   std::optional<TermId> graph) {
  if (PatternLookup* lookup = pattern_lookup(c, node, input, graph, false)) return Matches(*lookup, input);
  if (!c.rows) {
    c.probes += 1;
    if (c.probes * kProbeCost < estimate(node) * kMaterializedRowCost) return std::nullopt;
    if (PatternLookup* lookup = pattern_lookup(c, node, input, graph, true)) return Matches(*lookup, input);
    auto stream = build(node, ctx_.empty_row(), graph);  // not counted: the probes' output is
    c.rows.emplace(*stream, ctx_);
  }
  count_lookup(node, input);
  return Matches(*c.rows, input);
}

Executor::Correlated& Executor::correlated(const Node& node, std::optional<TermId> graph) {
  const auto key = std::make_pair(&node, graph.value_or(kUnbound));
  if (!last_correlated_ || last_correlated_->first != key)
    last_correlated_ = &*correlated_.try_emplace(key).first;
  return last_correlated_->second;
}

namespace {
// How a probe with `input` would look `node` up: when `node` is one pattern that lookup_by_subject() allows,
// that pattern and its lead.
struct ProbeLead {
  const TriplePattern& pattern;
  bool by_subject;
  VarId var;
};
std::optional<ProbeLead> probe_lead(const Node& node, const Row& input) {
  if (node.kind != Node::Kind::Bgp || node.triples.size() != 1) return std::nullopt;
  const TriplePattern& t = node.triples[0];
  const auto by_subject = lookup_by_subject(t, [&](VarId v) { return input[v] != kUnbound; });
  if (!by_subject) return std::nullopt;
  return ProbeLead{t, *by_subject, *(*by_subject ? t.s : t.o).var};
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
  const PatternTerm& other = lead->by_subject ? lead->pattern.o : lead->pattern.s;
  PatternLookup::Position position{other.var};
  if (!other.var) {
    auto id = ctx_.constant_id(other);
    if (!id) return nullptr;
    position.id = *id;
  }
  // Making the predicate's lookup reads all of it: worth it when the pattern reads all of it anyway.
  if (make && !other.var) return nullptr;
  const auto p = ctx_.constant_id(lead->pattern.p);
  if (!p) return nullptr;
  auto quads = ctx_.predicate_lookup(*p, lead->by_subject, make);
  if (!quads) return nullptr;
  c.lookup.emplace(std::move(*quads), lead->var, position, lead->by_subject, *g);
  return &*c.lookup;
}

void Executor::count_lookup(const Node& node, const Row& input) {
  if (const auto lead = probe_lead(node, input))
    if (const auto p = ctx_.constant_id(lead->pattern.p)) ctx_.count_lookup(*p, lead->by_subject);
}

bool PatternLookup::matches(const Quad& q, const Row& probe) const {
  // The lead is bound in the probe and equal to the candidate's: only the other position is left to check.
  const TermId value = by_subject_ ? q.o : q.s;
  if (q.g != graph_) return false;
  if (!other_.var) return other_.id == value;
  return probe[*other_.var] == kUnbound || probe[*other_.var] == value;
}

bool PatternLookup::merge(const Quad& q, Row& out) const {
  if (!matches(q, out)) return false;
  if (other_.var) out[*other_.var] = by_subject_ ? q.o : q.s;
  return true;
}

bool Matches::any(const Row& probe) const {
  for (uint32_t i : indexes_)
    if (compatible(probe, rows_->row(i))) return true;
  for (const Quad& q : quads_)
    if (lookup_->matches(q, probe)) return true;
  return false;
}

bool Matches::next(const Row& probe, Row& out) {
  for (; !indexes_.empty(); indexes_ = indexes_.subspan(1)) {
    out = probe;
    if (merge_compatible(out, rows_->row(indexes_.front()))) {
      indexes_ = indexes_.subspan(1);
      return true;
    }
  }
  for (; !quads_.empty(); quads_ = quads_.subspan(1)) {
    out = probe;
    if (lookup_->merge(quads_.front(), out)) {
      quads_ = quads_.subspan(1);
      return true;
    }
  }
  return false;
}

void Executor::expect_probes(const Node& node, std::optional<TermId> graph, double rows) {
  Correlated& c = correlated(node, graph);
  c.probes = std::max(c.probes, rows);
}

void Executor::expect_exists_probes(const std::vector<ExprPtr>& exprs, double rows) {
  std::function<void(const Expr&)> visit = [&](const Expr& e) {
    if (e.pattern) expect_probes(*e.pattern, std::nullopt, rows);
    for (const auto& a : e.args) visit(*a);
  };
  for (const auto& e : exprs) visit(*e);
}

namespace {

class CountingStream : public RowStream {
 public:
  CountingStream(std::unique_ptr<RowStream> child, uint64_t& rows) : child_(std::move(child)), rows_(rows) {}
  bool next(Row& out) override {
    if (!child_->next(out)) return false;
    ++rows_;
    return true;
  }

 private:
  std::unique_ptr<RowStream> child_;
  uint64_t& rows_;
};

}  // namespace

std::optional<Matches> Executor::probed(const Node& node, const Row& input, std::optional<TermId> graph) {
  Correlated& c = correlated(node, graph);
  if (auto matches = through_chosen_lookup(node, c, input)) return matches;
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
    case Node::Kind::Join:  // the right side is opened with each left row, and decides for itself
    case Node::Kind::Graph:
      return takes_input(*node.left, input);
    case Node::Kind::Union:
      return takes_input(*node.left, input) && takes_input(*node.right, input);
    case Node::Kind::LeftJoin:
    case Node::Kind::Minus:
    case Node::Kind::Filter:
    case Node::Kind::Extend: {
      if (!takes_input(*node.left, input)) return false;
      auto [it, fresh] = input_checks_.try_emplace(&node);
      InputCheck& check = it->second;
      if (fresh) {
        std::vector<VarId> read = node.right ? pattern_variables(*node.right) : std::vector<VarId>{};
        for (const auto& e : node.exprs) {
          const auto vars = expression_variables(*e);
          read.insert(read.end(), vars.begin(), vars.end());
        }
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
  return direct(node, row, graph)->next(out);
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
      return std::make_unique<NestedStream>(
          open(*node.left, input, graph),
          [this, &node, graph](const Row& l) { return open(*node.right, l, graph); });
    case Node::Kind::LeftJoin:
      expect_probes(*node.right, graph, estimate(*node.left, input));
      return std::make_unique<LeftJoinStream>(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::Union:
      return std::make_unique<ConcatStream>(open(*node.left, input, graph), [this, &node, input, graph] {
        return open(*node.right, input, graph);
      });
    case Node::Kind::Extend:
      return std::make_unique<ExtendStream>(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::Project:
      return std::make_unique<ProjectStream>(node, open(*node.left, input, graph), ctx_.variables());
    case Node::Kind::Reduced:  // REDUCED permits, but does not require, removing duplicates
      return open(*node.left, input, graph);
    default:
      return build_other(node, input, graph);
  }
}

// The other cases, apart: they hold more locals, and build() is in the stack once per level of the algebra.
__attribute__((noinline)) std::unique_ptr<RowStream> Executor::build_other(const Node& node, const Row& input,
                                                                           std::optional<TermId> graph) {
  switch (node.kind) {
    case Node::Kind::Unit:
      return std::make_unique<OwnedRowsStream>(std::vector<Row>{input});
    case Node::Kind::Bgp:
      if (std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; }))
        if (const Node* joins = split(node)) {
          note(node, "split into hash joins");
          return direct(*joins, input, graph);
        }
      return std::make_unique<BgpStream>(*this, node, input, graph);
    case Node::Kind::PathMatch:
      return std::make_unique<OwnedRowsStream>(path_rows(*this, node, input, graph));
    case Node::Kind::Filter:
      expect_exists_probes(node.exprs, estimate(*node.left));
      if (node.left->kind == Node::Kind::Bgp) {
        // Range comparisons narrow the scans; the stream owns the ranges the BGP reads.
        auto ranges = std::make_shared<ObjectRanges>(object_ranges(node.exprs));
        if (!ranges->empty())
          return std::make_unique<FilterStream>(
              *this, node, std::make_unique<BgpStream>(*this, *node.left, input, graph, ranges.get()), graph,
              ranges);
      }
      return std::make_unique<FilterStream>(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::Minus:
      note(node, "right side evaluated once and hashed");
      return std::make_unique<MinusStream>(open(*node.left, input, graph), materialize(*node.right, graph));
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
      return std::make_unique<DistinctStream>(ctx_, open(*node.left, input, graph));
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
  return std::make_unique<NestedStream>(std::move(graph_rows),
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
  // ORDER BY under LIMIT (projection between them changes no order): keep only the top rows.
  const Node* below = node.left.get();
  const Node* project = below->kind == Node::Kind::Project ? below : nullptr;
  const Node* order = project ? project->left.get() : below;
  if (node.limit >= 0 && order->kind == Node::Kind::OrderBy) {
    std::unique_ptr<RowStream> top = ordered_by_object(*this, *order, input, graph);
    if (top) {
      note(*order, "read in order from the index, stopping at the limit");
    } else {
      note(*order, "top-k: keeps " + std::to_string(node.offset + node.limit) + " rows");
      auto child = open(*order->left, input, graph);
      top = std::make_unique<OwnedRowsStream>(order_rows(*this, *order, *child, node.offset + node.limit));
    }
    top = counted(*order, std::move(top));
    if (project)
      top = counted(*project, std::make_unique<ProjectStream>(*project, std::move(top), ctx_.variables()));
    return std::make_unique<SliceStream>(node, std::move(top));
  }
  return std::make_unique<SliceStream>(node, open(*node.left, input, graph));
}

}  // namespace quiver::query
