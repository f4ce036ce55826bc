#include "query/context.h"

#include <algorithm>

namespace quiver::query {

std::optional<TermId> QueryContext::stored_id(const Term& term) {
  return store_.find(term);
}

std::optional<TermId> QueryContext::constant_id(const PatternTerm& constant) {
  // Keyed by address for speed, but a pattern the planner made and dropped may leave its address to
  // another: the entry is for the same term only if it still holds it.
  auto [it, inserted] = constant_ids_.try_emplace(&constant);
  if (inserted || !(it->second.first == constant.constant))
    it->second = {constant.constant, stored_id(constant.constant)};
  return it->second.second;
}

TermId QueryContext::intern(const Term& term) {
  if (auto id = store_.find(term)) return *id;
  std::string key = identity_key(term);
  if (auto it = local_ids_.find(key); it != local_ids_.end()) return it->second;
  // Computed terms live as long as the query: charged like its other intermediate results.
  charge_memory(2 * key.size() + sizeof(Term) + 64);
  TermId id = kLocalTag | local_terms_.size();
  local_terms_.push_back(term);
  local_ids_.emplace(std::move(key), id);
  return id;
}

TermId QueryContext::count_id(uint64_t n) {
  if (auto id = integer_id(static_cast<int64_t>(n))) return *id;
  return intern(Term::typed(std::to_string(n), xsd::kInteger));
}

const Term& QueryContext::term(TermId id) {
  if ((id & kLocalTag) == kLocalTag && id != kUnbound) return local_terms_.at(id & kPayloadMask);
  if (const Term* cached = decoded_.hold(id)) return *cached;
  auto t = store_.term(id);
  if (!t) throw QueryError("the store references a term missing from its dictionary");
  return decoded_.insert(id, std::move(*t));
}

QuadCursor QueryContext::acquire_cursor(const QuadPattern& pattern) {
  if (free_cursors_.empty()) return store_.scan(pattern);
  QuadCursor cursor = std::move(free_cursors_.back());
  free_cursors_.pop_back();
  cursor.seek(pattern);
  return cursor;
}

void QueryContext::seek(std::optional<QuadCursor>& cursor, const QuadPattern& pattern) {
  if (cursor)
    cursor->seek(pattern);
  else
    cursor.emplace(acquire_cursor(pattern));
}

template <class Use>
auto QueryContext::with_cursor_on(TermId p, Use use) {
  // Any pooled cursor will do, wherever it stands: the calls read no position. Only a new one seeks.
  if (free_cursors_.empty())
    free_cursors_.push_back(
        store_.scan(QuadPattern{std::nullopt, p, std::nullopt, std::nullopt, std::nullopt}));
  QuadCursor cursor = std::move(free_cursors_.back());
  free_cursors_.pop_back();
  auto result = use(cursor);
  release_cursor(std::move(cursor));
  return result;
}

std::optional<PredicateLookup> QueryContext::predicate_lookup(TermId p, bool by_subject, bool make) {
  return with_cursor_on(p, [&](QuadCursor& c) { return c.lookup_predicate(p, by_subject, make); });
}

void QueryContext::count_lookup(TermId p, bool by_subject) {
  uint64_t& n = uncounted_lookups_[{p, by_subject}];
  if (++n == kLookupRound) hand_over_lookups(p, by_subject, n);
}

void QueryContext::hand_over_lookups() {
  for (auto& [key, n] : uncounted_lookups_)
    if (n) hand_over_lookups(key.first, key.second, n);
}

void QueryContext::hand_over_lookups(TermId p, bool by_subject, uint64_t& n) {
  with_cursor_on(p, [&](QuadCursor& c) {
    c.count_predicate_lookups(p, by_subject, n);
    return true;
  });
  n = 0;
}

std::optional<TermId> QueryContext::single_graph(std::optional<TermId> graph) const {
  if (graph) return graph;
  if (dataset_.union_default || dataset_.default_graphs.size() != 1) return std::nullopt;
  return dataset_.default_graphs[0];
}

uint64_t QueryContext::estimate_matches(const QuadPattern& pattern) {
  const auto range = pattern.o_range.value_or(std::make_pair(kUnbound, kUnbound));
  std::array<TermId, 5> key = {pattern.s.value_or(kUnbound), pattern.p.value_or(kUnbound),
                               pattern.o.value_or(kUnbound), range.first, range.second};
  auto [it, fresh] = estimates_.try_emplace(key, 0);
  if (fresh) it->second = store_.estimate_matches(pattern);
  return it->second;
}

const Statistics& QueryContext::statistics() {
  return store_.statistics();
}

void QueryContext::charge_memory(size_t bytes) {
  memory_used_ += bytes;
  if (memory_used_ > memory_limit_)
    throw QueryError(QueryError::Kind::ResourceExhausted,
                     "the query needs more than its memory limit of " + std::to_string(memory_limit_ >> 20) +
                         " MiB for intermediate results (raise it with --memory-limit, or narrow the query)");
}

void QueryContext::prefetch_terms(const std::vector<TermId>& ids) {
  std::vector<TermId> wanted;
  for (TermId id : ids)
    if (id != kUnbound && (id & kLocalTag) != kLocalTag && !is_inline(id) && !decoded_.find(id))
      wanted.push_back(id);
  if (wanted.empty()) return;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  auto terms = store_.terms(wanted);
  for (size_t i = 0; i < wanted.size(); ++i)
    if (terms[i]) decoded_.insert(wanted[i], std::move(*terms[i]));
}

void QueryContext::check_clock() const {
  if (const StopReason r = stop_.reason(); r != StopReason::Running) throw stop_error(r, "the query");
}

const std::vector<fulltext::Hit>& QueryContext::text_hits(const TextSearchCall& call) {
  auto [at, added] = text_hits_.try_emplace(&call);
  if (!added) return at->second;
  try {
    if (!text_index_) throw fulltext::SearchError("this store has no full-text index open");
    uint64_t applied = 0;
    at->second = text_index_->search(call.request, &stop_, &applied);
    if (applied > view_sequence_) {  // commits after the view: keep the subjects the view has
      std::erase_if(at->second, [&](const fulltext::Hit& hit) {
        QuadPattern of_subject;
        of_subject.s = hit.subject;
        QuadCursor cursor = acquire_cursor(of_subject);
        const bool present = cursor.valid();
        release_cursor(std::move(cursor));
        return !present;
      });
    }
  } catch (const fulltext::SearchError& e) {
    if (!call.silent) throw QueryError(std::string("the full-text search failed: ") + e.what());
  }
  return at->second;
}

}  // namespace quiver::query
