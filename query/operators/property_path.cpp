// Property paths (SPARQL 1.1 section 9.3): links, sequences and alternatives keep duplicates; the ?, * and +
// closures are sets, computed breadth-first so cycles end.
#include "query/operators/operators.h"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_set>

namespace quiver::query {
namespace {

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
      case Path::Kind::Sequence:
      case Path::Kind::ZeroOrOne:
      case Path::Kind::ZeroOrMore:
      case Path::Kind::OneOrMore:
      case Path::Kind::Negated:
        return false;
    }
    return false;
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

}  // namespace

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

std::string PathOperator::describe(const PlanNames& names) const {
  return "Path " + names.term(node_.triples[0].s) + " ... " + names.term(node_.triples[0].o);
}

std::unique_ptr<RowStream> PathOperator::open_rows(const Row& input, std::optional<TermId> graph) {
  return std::make_unique<OwnedRowsStream>(path_rows(ex_, node_, input, graph));
}

}  // namespace quiver::query
