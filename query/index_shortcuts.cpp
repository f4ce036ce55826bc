#include "query/index_shortcuts.h"

#include <algorithm>

namespace quiver::query {
namespace {

// The scan for `?s <p> ?o` when `node` is exactly that (two distinct variables the input leaves unbound)
// and the active graph is one graph: the pattern with p and g set, and the two variables.
struct ObjectScan {
  QuadPattern pattern;
  VarId subject, object;
};

// The pattern `?s <p> ?o` when `node` is exactly that: two distinct variables and a constant predicate.
const TriplePattern* object_pattern(const Node& node) {
  if (node.kind != Node::Kind::Bgp || node.triples.size() != 1) return nullptr;
  const TriplePattern& t = node.triples[0];
  if (!t.s.var || !t.o.var || t.p.var || *t.s.var == *t.o.var) return nullptr;
  return &t;
}

std::optional<ObjectScan> object_scan(Executor& ex, const Node& node, const Row& input,
                                      std::optional<TermId> graph) {
  const TriplePattern* t = object_pattern(node);
  if (!t || input[*t->s.var] != kUnbound || input[*t->o.var] != kUnbound) return std::nullopt;
  QueryContext& ctx = ex.context();
  const std::optional<TermId> g = ctx.single_graph(graph);
  if (!g) return std::nullopt;
  auto p = ctx.constant_id(t->p);
  if (!p) return std::nullopt;  // the general path answers "nothing" as well
  return ObjectScan{{std::nullopt, *p, std::nullopt, *g}, *t->s.var, *t->o.var};
}

bool plain_count(const Expr& e, VarId s, VarId o) {
  return e.op == Op::Count && !e.distinct &&
         (e.args.empty() || (e.args[0]->op == Op::Variable && (e.args[0]->var == s || e.args[0]->var == o)));
}

class DistinctObjectsStream : public RowStream {
 public:
  DistinctObjectsStream(QueryContext& ctx, const ObjectScan& scan, Row input)
      : ctx_(ctx), scan_(scan), input_(std::move(input)) {}
  ~DistinctObjectsStream() override {
    if (cursor_) ctx_.release_cursor(std::move(*cursor_));
  }
  bool next(Row& out) override {
    if (done_) return false;
    ctx_.check_deadline();
    QuadPattern p = scan_.pattern;
    p.o_range = std::make_pair(next_, kUnbound - 1);
    ctx_.seek(cursor_, p);
    if (!cursor_->valid()) {
      done_ = true;
      return false;
    }
    const TermId o = cursor_->quad().o;
    done_ = o >= kUnbound - 1;
    next_ = o + 1;
    out = input_;
    out[scan_.object] = o;
    return true;
  }

 private:
  QueryContext& ctx_;
  ObjectScan scan_;
  Row input_;
  std::optional<QuadCursor> cursor_;
  TermId next_ = 0;
  bool done_ = false;
};

// Joins the rest of a BGP to each match of one of its patterns, read in the index's order.
class OrderedObjectsStream : public RowStream {
 public:
  OrderedObjectsStream(Executor& ex, QuadCursor cursor, const TriplePattern& ordered, const Node& rest,
                       Row input, std::optional<TermId> graph)
      : ex_(ex),
        cursor_(std::move(cursor)),
        ordered_(ordered),
        rest_(rest),
        input_(std::move(input)),
        graph_(graph) {}
  ~OrderedObjectsStream() override { ex_.context().release_cursor(std::move(cursor_)); }

  bool next(Row& out) override {
    for (;;) {
      if (joined_ && joined_->next(out)) return true;
      if (!cursor_.valid()) return false;
      ex_.context().check_deadline();
      Row row = input_;
      const Quad& q = cursor_.quad();
      if (ordered_.s.var) row[*ordered_.s.var] = q.s;
      row[*ordered_.o.var] = q.o;
      joined_ = ex_.open(rest_, row, graph_);
      cursor_.next();
    }
  }

 private:
  Executor& ex_;
  QuadCursor cursor_;
  const TriplePattern& ordered_;
  const Node& rest_;
  Row input_;
  std::optional<TermId> graph_;
  std::unique_ptr<RowStream> joined_;
};

}  // namespace

std::vector<size_t> patterns_in_object_order(const Node& order) {
  const Node& bgp = *order.left;
  std::vector<size_t> out;
  if (order.order.size() != 1 || order.order[0].expr->op != Op::Variable || bgp.kind != Node::Kind::Bgp)
    return out;
  const VarId v = order.order[0].expr->var;
  for (size_t i = 0; i < bgp.triples.size(); ++i) {
    const TriplePattern& t = bgp.triples[i];
    if (!t.p.var && t.o.var == v && t.s.var != v) out.push_back(i);
  }
  return out;
}

std::unique_ptr<RowStream> ordered_by_object(Executor& ex, const Node& order, const Row& input,
                                             std::optional<TermId> graph) {
  const std::vector<size_t> candidates = patterns_in_object_order(order);
  if (candidates.empty() || input[order.order[0].expr->var] != kUnbound) return nullptr;
  QueryContext& ctx = ex.context();
  const std::optional<TermId> g = ctx.single_graph(graph);
  if (!g) return nullptr;
  const Node& bgp = *order.left;
  for (size_t i : candidates) {
    const TriplePattern& t = bgp.triples[i];
    if (t.s.var && input[*t.s.var] != kUnbound) continue;
    auto p = ctx.constant_id(t.p);
    auto s = t.s.var ? std::optional<TermId>() : ctx.constant_id(t.s);
    if (!p || (!t.s.var && !s)) return nullptr;  // no such term: the general path answers "nothing"
    // The lowest and highest objects: of one inline type, every object between them is of that type too.
    QuadPattern pattern{s, *p, std::nullopt, *g};
    QuadCursor cursor = ctx.acquire_cursor(pattern);
    const bool any = cursor.valid();
    const TermId lowest = any ? cursor.quad().o : kUnbound;
    pattern.descending = true;
    cursor.seek(pattern);
    const TermId highest = cursor.valid() ? cursor.quad().o : kUnbound;
    if (any && !(ordered_by_id(lowest) && ordered_by_id(highest) && id_tag(lowest) == id_tag(highest))) {
      ctx.release_cursor(std::move(cursor));
      return nullptr;
    }
    pattern.descending = order.order[0].descending;
    cursor.seek(pattern);
    return std::make_unique<OrderedObjectsStream>(ex, std::move(cursor), t, ex.without_pattern(bgp, i), input,
                                                  graph);
  }
  return nullptr;
}

bool may_read_distinct_objects(const Node& distinct) {
  const Node* project = distinct.left.get();
  if (project->kind != Node::Kind::Project || project->vars.size() != 1) return false;
  const TriplePattern* t = object_pattern(*project->left);
  return t && project->vars[0] == *t->o.var;
}

bool may_count_by_object(const Node& group) {
  const TriplePattern* t = object_pattern(*group.left);
  if (!t || group.group_keys.size() != 1 || group.aggregates.empty()) return false;
  const Expr& key = *group.group_keys[0].second;
  if (key.op != Op::Variable || key.var != *t->o.var) return false;
  return std::all_of(group.aggregates.begin(), group.aggregates.end(),
                     [&](const Aggregate& a) { return plain_count(*a.expr, *t->s.var, *t->o.var); });
}

std::unique_ptr<RowStream> distinct_objects(Executor& ex, const Node& distinct, const Row& input,
                                            std::optional<TermId> graph) {
  auto scan = object_scan(ex, *distinct.left->left, input, graph);
  if (!scan) return nullptr;
  return std::make_unique<DistinctObjectsStream>(ex.context(), *scan, input);
}

std::optional<std::vector<Row>> counts_by_object(Executor& ex, const Node& group, const Row& input,
                                                 std::optional<TermId> graph) {
  auto scan = object_scan(ex, *group.left, input, graph);
  if (!scan) return std::nullopt;
  QueryContext& ctx = ex.context();
  std::vector<Row> out;
  auto emit = [&](TermId object, uint64_t count) {
    Row row = input;
    row[group.group_keys[0].first] = object;
    const TermId n = ctx.count_id(count);
    for (const Aggregate& a : group.aggregates) row[a.var] = n;
    out.push_back(std::move(row));
  };
  QuadCursor cursor = ctx.acquire_cursor(scan->pattern);  // POSG: equal objects are adjacent
  TermId current = kUnbound;
  uint64_t count = 0;
  for (; cursor.valid(); cursor.next()) {
    ctx.check_deadline();
    const TermId o = cursor.quad().o;
    if (o != current && count) emit(current, count), count = 0;
    current = o;
    ++count;
  }
  ctx.release_cursor(std::move(cursor));
  if (count) emit(current, count);
  return out;
}

}  // namespace quiver::query
