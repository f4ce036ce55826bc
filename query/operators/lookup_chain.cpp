// Patterns looked up in memory, breadth-first a batch of rows at a time (lookup_chain.h).
#include "query/operators/lookup_chain.h"

#include "query/operators/row_streams.h"
#include "query/planner.h"

namespace quiver::query {

namespace {
constexpr size_t kAhead = 8;  // rows between a lookup's prefetch and the lookup
}  // namespace

LookupChain::LookupChain(std::vector<PatternLookup> lookups, size_t width, FirstRows first)
    : width_(width), first_(std::move(first)) {
  for (PatternLookup& lookup : lookups) steps_.push_back(Step{std::move(lookup), {}, 0, 0, {}});
}

void LookupChain::reset() {
  for (Step& s : steps_) {
    s.in.clear();
    s.next = s.current = 0;
    s.candidates = {};
  }
}

size_t LookupChain::append(std::vector<TermId>& out, size_t rows) {
  return append(steps_.size() - 1, out, rows);
}

size_t LookupChain::append(size_t step, std::vector<TermId>& out, size_t rows) {
  Step& s = steps_[step];
  const size_t start = out.size(), end = start + rows * width_;
  while (out.size() < end) {
    if (!s.candidates.empty()) {
      const Quad& q = s.candidates.front();
      s.candidates = s.candidates.subspan(1);
      const auto row = s.in.begin() + static_cast<ptrdiff_t>(s.current);
      out.insert(out.end(), row, row + static_cast<ptrdiff_t>(width_));
      if (!s.lookup.merge(q, std::span<TermId>(out).subspan(out.size() - width_)))
        out.resize(out.size() - width_);
      continue;
    }
    if (s.next == s.in.size() && !refill(step)) break;
    if (s.lookup.worth_prefetching()) {
      auto ahead = [&](size_t n) { return row_ahead(s.in, s.next, n, width_, s.in.size()); };
      if (const auto far = ahead(kAhead); !far.empty()) s.lookup.prefetch(far, false);
      if (const auto near = ahead(kAhead / 2); !near.empty()) s.lookup.prefetch(near, true);
    }
    s.current = s.next;
    s.next += width_;
    s.candidates = s.lookup.candidates(std::span<const TermId>(s.in).subspan(s.current, width_));
  }
  return (out.size() - start) / width_;
}

namespace {
void bind_variables(const TriplePattern& t, std::vector<bool>& bound) {
  for (const PatternTerm* p : {&t.s, &t.p, &t.o})
    if (p->var) bound[*p->var] = true;
}
}  // namespace

std::optional<std::vector<PatternLookup>> lookups_in_memory(QueryContext& ctx,
                                                            std::span<const TriplePattern* const> patterns,
                                                            std::vector<bool> bound, TermId graph,
                                                            bool make) {
  std::vector<PatternLookup> lookups;
  for (const TriplePattern* t : patterns) {
    const auto by_subject = lookup_by_subject(*t, [&](VarId v) { return bound[v]; });
    if (!by_subject) return std::nullopt;
    const auto p = ctx.constant_id(t->p);
    auto quads = p ? ctx.predicate_lookup(*p, *by_subject, make) : std::nullopt;
    if (!quads) return std::nullopt;
    const PatternTerm& other = *by_subject ? t->o : t->s;
    PatternLookup::Position position{other.var};
    if (!other.var) {
      const auto id = ctx.constant_id(other);
      if (!id) return std::nullopt;
      position.id = *id;
    }
    lookups.emplace_back(std::move(*quads), *(*by_subject ? t->s : t->o).var, position, *by_subject, graph);
    bind_variables(*t, bound);
  }
  return lookups;
}

std::optional<std::vector<PatternLookup>> chain_lookups(QueryContext& ctx,
                                                        std::span<const TriplePattern* const> order,
                                                        const Row& input, TermId graph) {
  if (order.size() < 2) return std::nullopt;
  std::vector<bool> bound(input.size());
  for (size_t v = 0; v < input.size(); ++v) bound[v] = input[v] != kUnbound;
  bind_variables(*order[0], bound);
  return lookups_in_memory(ctx, order.subspan(1), std::move(bound), graph);
}

bool LookupChain::refill(size_t step) {
  Step& s = steps_[step];
  s.in.clear();
  s.next = s.current = 0;
  return step == 0 ? first_(s.in) : append(step - 1, s.in, kBatchRows) > 0;
}

}  // namespace quiver::query
