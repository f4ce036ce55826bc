#include "query/executor.h"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_set>

namespace quiver::query {
namespace {

constexpr size_t kMaxMaterializedCells = 200'000'000;  // about 1.6 GB of ids

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

class BgpStream : public RowStream {
 public:
  BgpStream(Executor& ex, const Node& node, const Row& input, std::optional<TermId> graph,
            const ObjectRanges* ranges = nullptr)
      : ctx_(ex.context()), graph_(graph), ranges_(ranges) {
    // Bound positions first: each pattern is scanned with what the earlier ones bound.
    std::vector<const TriplePattern*> left;
    for (const auto& t : node.triples) left.push_back(&t);
    std::vector<bool> bound(ctx_.variables(), false);
    for (size_t v = 0; v < input.size(); ++v) bound[v] = input[v] != kUnbound;
    while (!left.empty()) {
      auto score = [&](const TriplePattern* t) {
        int s = 0;
        for (const PatternTerm* p : {&t->s, &t->p, &t->o})
          s += (!p->var || bound[*p->var]) ? (p == &t->p ? 1 : 3) : 0;
        return s;
      };
      auto best =
          std::max_element(left.begin(), left.end(), [&](auto a, auto b) { return score(a) < score(b); });
      for (const PatternTerm* p : {&(*best)->s, &(*best)->p, &(*best)->o})
        if (p->var) bound[*p->var] = true;
      order_.push_back(*best);
      left.erase(best);
    }
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
    if (!impossible_) {
      if (order_.empty()) {
        single_ = input;
      } else {
        start_level(0, input);
      }
    }
  }

  bool next(Row& out) override {
    if (impossible_) return false;
    if (order_.empty()) {
      if (!single_) return false;
      out = *single_;
      single_.reset();
      return true;
    }
    while (depth_ >= 0) {
      ctx_.check_deadline();
      Level& level = levels_[depth_];
      if (!advance(level)) {
        --depth_;
        continue;
      }
      if (depth_ + 1 == static_cast<int>(order_.size())) {
        out = level.result;
        return true;
      }
      start_level(depth_ + 1, level.result);
    }
    return false;
  }

 private:
  struct Level {
    Row row;     // bindings before this pattern
    Row result;  // bindings after the current match
    QuadPattern pattern;
    std::optional<QuadCursor> cursor;  // kept between rows and re-seeked: iterators are costly to make
    bool open = false;
    size_t graph_index = 0;
    const std::vector<std::pair<TermId, TermId>>* ranges = nullptr;  // object id intervals to scan, if any
    size_t range_index = 0;
    Quad last{~0ULL, ~0ULL, ~0ULL, ~0ULL};
  };

  TermId resolve(const PatternTerm& p, const Row& row) const {
    if (p.var) return row[*p.var];
    return ids_.at(&p);
  }

  void start_level(size_t i, const Row& row) {
    depth_ = static_cast<int>(i);
    Level& level = levels_[i];
    level.row = row;
    const TriplePattern& t = *order_[i];
    auto pos = [&](const PatternTerm& p) -> std::optional<TermId> {
      TermId id = resolve(p, row);
      return id == kUnbound ? std::nullopt : std::optional<TermId>(id);
    };
    level.pattern = {pos(t.s), pos(t.p), pos(t.o), std::nullopt, std::nullopt};
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
    if (level.cursor)
      level.cursor->seek(p);
    else
      level.cursor.emplace(ctx_.store().scan(p));
    level.open = true;
  }

  bool advance(Level& level) {
    const Dataset& ds = ctx_.dataset();
    const TriplePattern& t = *order_[&level - levels_.data()];
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
      level.result = level.row;
      if (bind(t.s, q.s, level.result) && bind(t.p, q.p, level.result) && bind(t.o, q.o, level.result))
        return true;
    }
    return false;
  }

  bool seen_in_earlier_graph(const Quad& q, size_t index) const {
    for (size_t i = 0; i < index; ++i)
      if (ctx_.store().contains({q.s, q.p, q.o, ctx_.dataset().default_graphs[i]})) return true;
    return false;
  }

  static bool bind(const PatternTerm& p, TermId value, Row& row) {
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
  std::vector<const TriplePattern*> order_;
  std::map<const PatternTerm*, TermId> ids_;
  std::vector<Level> levels_;
  int depth_ = -1;
  bool impossible_ = false;
  std::optional<Row> single_;
};

// ---- generic streams --------------------------------------------------------------------------------------

class VectorStream : public RowStream {
 public:
  VectorStream(const std::vector<Row>& rows, Row input) : rows_(rows), input_(std::move(input)) {}
  bool next(Row& out) override {
    while (i_ < rows_.size()) {
      out = input_;
      if (merge_compatible(out, rows_[i_++])) return true;
    }
    return false;
  }

 private:
  const std::vector<Row>& rows_;
  Row input_;
  size_t i_ = 0;
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
      if (inner_) {
        while (inner_->next(out)) {
          if (passes(out)) {
            matched_ = true;
            return true;
          }
        }
        inner_.reset();
        if (!matched_) {
          out = row_;
          return true;
        }
      }
      if (!left_->next(row_)) return false;
      inner_ = ex_.open(*node_.right, row_, graph_);
      matched_ = false;
    }
  }

 private:
  bool passes(const Row& r) {
    for (const auto& e : node_.exprs) {
      auto b = ex_.evaluator().ebv(*e, r);
      if (!b || !*b) return false;
    }
    return true;
  }
  Executor& ex_;
  const Node& node_;
  std::unique_ptr<RowStream> left_;
  std::optional<TermId> graph_;
  std::unique_ptr<RowStream> inner_;
  Row row_;
  bool matched_ = false;
};

class FilterStream : public RowStream {
 public:
  FilterStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child,
               std::shared_ptr<const void> keep_alive = nullptr)
      : ex_(ex), node_(node), keep_alive_(std::move(keep_alive)), child_(std::move(child)) {}
  bool next(Row& out) override {
    while (child_->next(out)) {
      bool ok = true;
      for (const auto& e : node_.exprs) {
        auto b = ex_.evaluator().ebv(*e, out);
        if (!b || !*b) {
          ok = false;
          break;
        }
      }
      if (ok) return true;
    }
    return false;
  }

 private:
  Executor& ex_;
  const Node& node_;
  std::shared_ptr<const void> keep_alive_;  // data the child reads (declared first: outlives the child)
  std::unique_ptr<RowStream> child_;
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
  MinusStream(std::unique_ptr<RowStream> left, const std::vector<Row>& right)
      : left_(std::move(left)), right_(right) {}
  bool next(Row& out) override {
    while (left_->next(out)) {
      bool removed = false;
      for (const Row& r : right_) {
        bool shared = false, compatible = true;
        for (size_t v = 0; v < out.size() && compatible; ++v) {
          if (out[v] == kUnbound || r[v] == kUnbound) continue;
          shared = true;
          compatible = out[v] == r[v];
        }
        if (shared && compatible) {
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
  const std::vector<Row>& right_;
};

class ExtendStream : public RowStream {
 public:
  ExtendStream(Executor& ex, const Node& node, std::unique_ptr<RowStream> child)
      : ex_(ex), node_(node), child_(std::move(child)) {}
  bool next(Row& out) override {
    if (!child_->next(out)) return false;
    if (out[node_.var] == kUnbound)
      if (auto v = ex_.evaluator().eval(*node_.expr, out)) out[node_.var] = ex_.context().intern(*v);
    return true;
  }

 private:
  Executor& ex_;
  const Node& node_;
  std::unique_ptr<RowStream> child_;
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
  explicit DistinctStream(std::unique_ptr<RowStream> child) : child_(std::move(child)) {}
  bool next(Row& out) override {
    while (child_->next(out))
      if (seen_.insert(out).second) return true;
    return false;
  }

 private:
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
        std::vector<TermId> frontier;
        if (path.kind == Path::Kind::ZeroOrMore) {
          seen.insert(from);
          out.push_back(from);
          frontier.push_back(from);
        } else {
          walk(path.args[0], from, backward, frontier);
          std::vector<TermId> first;
          for (TermId x : frontier)
            if (seen.insert(x).second) first.push_back(x), out.push_back(x);
          frontier = std::move(first);
        }
        while (!frontier.empty()) {
          std::vector<TermId> next;
          for (TermId x : frontier) {
            std::vector<TermId> step;
            walk(path.args[0], x, backward, step);
            for (TermId y : step)
              if (seen.insert(y).second) next.push_back(y), out.push_back(y);
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

  // Every node of the active graph (subjects and objects), for paths with both ends open.
  std::vector<TermId> nodes() {
    std::set<TermId> all;
    edges({}, [&](const Quad& q) {
      all.insert(q.s);
      all.insert(q.o);
    });
    return {all.begin(), all.end()};
  }

 private:
  void edges(QuadPattern pattern, const std::function<void(const Quad&)>& f) {
    const Dataset& ds = ctx_.dataset();
    if (graph_) {
      pattern.g = *graph_;
      for (auto c = ctx_.store().scan(pattern); c.valid(); c.next()) f(c.quad());
      return;
    }
    if (ds.union_default) {
      for (auto c = ctx_.store().scan(pattern); c.valid(); c.next()) f(c.quad());
      return;
    }
    for (TermId g : ds.default_graphs) {
      pattern.g = g;
      for (auto c = ctx_.store().scan(pattern); c.valid(); c.next()) f(c.quad());
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
    if (bind(t.s, a) && bind(t.o, b)) rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<Row> drain(RowStream& s, QueryContext& ctx) {
  std::vector<Row> rows;
  Row r;
  while (s.next(r)) {
    ctx.check_deadline();
    rows.push_back(r);
  }
  return rows;
}

// An ORDER BY key: the id when that alone decides the order (same inline type), else the decoded term.
struct OrderValue {
  TermId id = kUnbound;
  std::optional<Term> term;
};

std::vector<Row> order_rows(Executor& ex, const Node& node, std::vector<Row> rows) {
  QueryContext& ctx = ex.context();
  std::vector<std::pair<std::vector<OrderValue>, size_t>> keyed;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<OrderValue> keys;
    for (const auto& k : node.order) {
      OrderValue v;
      if (k.expr->op == Op::Variable && ordered_by_id(rows[i][k.expr->var]))
        v.id = rows[i][k.expr->var];
      else
        v.term = ex.evaluator().eval(*k.expr, rows[i]);
      keys.push_back(std::move(v));
    }
    keyed.emplace_back(std::move(keys), i);
  }
  auto compare = [&](const OrderValue& a, const OrderValue& b) {
    if (a.id != kUnbound && b.id != kUnbound && id_tag(a.id) == id_tag(b.id))
      return (a.id > b.id) - (a.id < b.id);
    auto term = [&](const OrderValue& v) {
      return v.id != kUnbound ? std::optional<Term>(ctx.term(v.id)) : v.term;
    };
    return order_compare(term(a), term(b));
  };
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    for (size_t k = 0; k < node.order.size(); ++k) {
      int c = compare(a.first[k], b.first[k]);
      if (c) return node.order[k].descending ? c > 0 : c < 0;
    }
    return false;
  });
  std::vector<Row> out;
  out.reserve(rows.size());
  for (auto& [keys, i] : keyed) out.push_back(std::move(rows[i]));
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
  // Keys that are plain variables group on the row's ids: no decoding, no dictionary lookups.
  auto key_id = [&](const ExprPtr& e, const Row& r) {
    if (e->op == Op::Variable) return r[e->var];
    auto v = ex.evaluator().eval(*e, r);
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
  Row r;
  std::vector<TermId> key;
  while (input.next(r)) {
    ctx.check_deadline();
    key.clear();
    for (const auto& [var, e] : node.group_keys) key.push_back(key_id(e, r));
    auto it = groups.find(key);
    if (it == groups.end()) {
      it = groups.emplace(key, new_group()).first;
      order.push_back(key);
    }
    Group& g = it->second;
    for (size_t i = 0; i < node.aggregates.size(); ++i) {
      const Expr& e = *node.aggregates[i].expr;
      if (!g.states[i])
        g.counts[i] += e.args.empty() || r[e.args[0]->var] != kUnbound;
      else
        g.states[i]->add(e.args.empty() ? std::optional<Term>(Term()) : ex.evaluator().eval(*e.args[0], r));
    }
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
      std::optional<Term> v =
          g.states[i] ? g.states[i]->result() : Term::typed(std::to_string(g.counts[i]), xsd::kInteger);
      if (v) row[node.aggregates[i].var] = ctx.intern(*v);
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

bool merge_compatible(Row& a, const Row& b) {
  for (size_t v = 0; v < a.size(); ++v) {
    if (b[v] == kUnbound) continue;
    if (a[v] == kUnbound)
      a[v] = b[v];
    else if (a[v] != b[v])
      return false;
  }
  return true;
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

Executor::Executor(QueryContext& ctx)
    : ctx_(ctx), evaluator_(ctx, [this](const Node& pattern, const Row& row) {
        Row out;
        return direct(pattern, row, std::nullopt)->next(out);
      }) {}

const std::vector<Row>& Executor::materialize(const Node& node, std::optional<TermId> graph) {
  auto key = std::make_pair(&node, graph.value_or(kUnbound));
  auto it = materialized_.find(key);
  if (it != materialized_.end()) return it->second;
  auto stream = direct(node, ctx_.empty_row(), graph);
  std::vector<Row> rows = drain(*stream, ctx_);
  materialized_cells_ += rows.size() * ctx_.variables();
  if (materialized_cells_ > kMaxMaterializedCells)
    throw QueryError("the query needs more intermediate results than its memory limit allows");
  return materialized_.emplace(key, std::move(rows)).first->second;
}

std::unique_ptr<RowStream> Executor::open(const Node& node, const Row& input, std::optional<TermId> graph) {
  bool empty = std::all_of(input.begin(), input.end(), [](TermId id) { return id == kUnbound; });
  if (empty || substitution_safe(node)) return direct(node, input, graph);
  return std::make_unique<VectorStream>(materialize(node, graph), input);
}

std::unique_ptr<RowStream> Executor::direct(const Node& node, const Row& input, std::optional<TermId> graph) {
  switch (node.kind) {
    case Node::Kind::Unit:
      return std::make_unique<OwnedRowsStream>(std::vector<Row>{input});
    case Node::Kind::Bgp:
      return std::make_unique<BgpStream>(*this, node, input, graph);
    case Node::Kind::PathMatch:
      return std::make_unique<OwnedRowsStream>(path_rows(*this, node, input, graph));
    case Node::Kind::Join:
      return std::make_unique<NestedStream>(
          open(*node.left, input, graph),
          [this, &node, graph](const Row& l) { return open(*node.right, l, graph); });
    case Node::Kind::LeftJoin:
      return std::make_unique<LeftJoinStream>(*this, node, open(*node.left, input, graph), graph);
    case Node::Kind::Filter:
      if (node.left->kind == Node::Kind::Bgp) {
        // Range comparisons narrow the scans; the stream owns the ranges the BGP reads.
        auto ranges = std::make_shared<ObjectRanges>(object_ranges(node.exprs));
        if (!ranges->empty())
          return std::make_unique<FilterStream>(
              *this, node, std::make_unique<BgpStream>(*this, *node.left, input, graph, ranges.get()),
              ranges);
      }
      return std::make_unique<FilterStream>(*this, node, open(*node.left, input, graph));
    case Node::Kind::Union:
      return std::make_unique<ConcatStream>(open(*node.left, input, graph), [this, &node, input, graph] {
        return open(*node.right, input, graph);
      });
    case Node::Kind::Minus:
      return std::make_unique<MinusStream>(open(*node.left, input, graph), materialize(*node.right, graph));
    case Node::Kind::Graph: {
      const PatternTerm& g = node.graph;
      if (!g.var) {
        auto id = ctx_.stored_id(g.constant);
        return open(*node.left, input, id.value_or(kUnbound));
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
      return std::make_unique<NestedStream>(
          std::move(graph_rows), [this, inner, var](const Row& r) { return open(*inner, r, r[var]); });
    }
    case Node::Kind::Extend:
      return std::make_unique<ExtendStream>(*this, node, open(*node.left, input, graph));
    case Node::Kind::Values: {
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
    case Node::Kind::Group: {
      auto child = open(*node.left, input, graph);
      return std::make_unique<OwnedRowsStream>(group_rows(*this, node, *child));
    }
    case Node::Kind::OrderBy: {
      auto child = open(*node.left, input, graph);
      return std::make_unique<OwnedRowsStream>(order_rows(*this, node, drain(*child, ctx_)));
    }
    case Node::Kind::Project:
      return std::make_unique<ProjectStream>(node, open(*node.left, input, graph), ctx_.variables());
    case Node::Kind::Distinct:
      return std::make_unique<DistinctStream>(open(*node.left, input, graph));
    case Node::Kind::Reduced:  // REDUCED permits, but does not require, removing duplicates
      return open(*node.left, input, graph);
    case Node::Kind::Slice:
      return std::make_unique<SliceStream>(node, open(*node.left, input, graph));
  }
  throw QueryError("unknown algebra node");
}

}  // namespace quiver::query
