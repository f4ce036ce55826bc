// Per-query state shared by the operators: the store snapshot, the dataset, terms computed during the query,
// the deadline, and a cache of decoded terms. Rows hold ids only; a term is decoded when an expression or
// the output needs it (late materialisation).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "query/algebra.h"
#include "query/frontend.h"
#include "store/store.h"
#include "store/term_table.h"

namespace quiver::query {

inline constexpr TermId kUnbound = ~TermId{0};
using Row = std::vector<TermId>;

// Whether two short vectors of ids (a group's key, a probe's key variables: an id or two) are equal, in an
// inline loop: operator== calls memcmp, which costs more than the comparison on a per-row path.
template <class Id>
bool same_ids(const std::vector<Id>& a, const std::vector<Id>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

struct Dataset {
  // The default graph: these graphs merged; empty with union_default means every graph.
  std::vector<TermId> default_graphs = {kDefaultGraph};
  bool union_default = false;
  // Graphs GRAPH ?g ranges over; nullopt: every named graph in the store.
  std::optional<std::vector<TermId>> named_graphs;
};

class QueryContext {
 public:
  // `stop`: the query's deadline and cancellation (the view's walks check the same one).
  QueryContext(const ReadView& store, size_t variables, const Cancellation& stop,
               size_t memory_limit = size_t{1} << 30)
      : store_(store), variables_(variables), stop_(stop), memory_limit_(memory_limit) {}

  const ReadView& store() const { return store_; }
  size_t variables() const { return variables_; }
  Dataset& dataset() { return dataset_; }
  Row empty_row() const { return Row(variables_, kUnbound); }

  // The id of a term: the store's when it has one (inline literals always do), else a query-local id.
  TermId intern(const Term& term);
  // The id of an xsd:integer count.
  TermId count_id(uint64_t n);
  // The id of a term if the store has it; nullopt otherwise (a pattern with it matches nothing).
  std::optional<TermId> stored_id(const Term& term);
  // stored_id() of a pattern's constant, looked up once per query: correlated patterns run once per row.
  std::optional<TermId> constant_id(const PatternTerm& constant);
  const Term& term(TermId id);
  // Decodes the dictionary terms among `ids` in one batched read (far cheaper than one read per term), so
  // that the term() calls that follow find them cached.
  void prefetch_terms(const std::vector<TermId>& ids);

  // A cursor positioned on `pattern`, taken from the query's pool: making a RocksDB iterator costs far more
  // than re-seeking one, and correlated patterns scan once per row. Give it back with release_cursor().
  QuadCursor acquire_cursor(const QuadPattern& pattern);
  void release_cursor(QuadCursor cursor) { free_cursors_.push_back(std::move(cursor)); }
  // Positions `cursor` on `pattern`: re-seeks the one an operator keeps between rows, or acquires it.
  void seek(std::optional<QuadCursor>& cursor, const QuadPattern& pattern);

  // Predicate `p`'s quads in memory by subject (or by object): QuadCursor::lookup_predicate().
  std::optional<PredicateLookup> predicate_lookup(TermId p, bool by_subject, bool make);
  // A lookup of `p` by subject (or object) served without a seek: counted towards keeping the predicate in
  // memory (QuadCursor::count_predicate_lookups), in rounds so that the store's lock is rarely taken.
  void count_lookup(TermId p, bool by_subject);
  // Counts the lookups of this query not counted yet: once its rows are out.
  void hand_over_lookups();

  // The active graph when it is one graph: `graph` inside GRAPH, else the dataset's default graph when it
  // is a single graph (a union of several has no single index range). Nullopt otherwise.
  std::optional<TermId> single_graph(std::optional<TermId> graph) const;

  // Store::estimate_matches() of a pattern of constants, asked once per query.
  uint64_t estimate_matches(const QuadPattern& pattern);

  // The full-text index SERVICE neptune-fts:search reads (null: the store has none open), and the store's
  // change sequence when the query's view was taken: an index that has applied later commits may name
  // subjects the view does not have yet.
  void set_text_index(const fulltext::TextIndex* index, uint64_t view_sequence) {
    text_index_ = index;
    view_sequence_ = view_sequence;
  }
  // The hits of a search, searched once per query: the planner counts them, the operator binds them. A
  // failed search throws QueryError, or gives no hits under SERVICE SILENT.
  const std::vector<fulltext::Hit>& text_hits(const TextSearchCall& call);

  // The store's statistics, read once per query (the planner consults them for every pattern).
  const Statistics& statistics();

  // Throws QueryError once the deadline has passed or the query was cancelled. Cheap: reads the clock every
  // 1024 calls, which is often enough for rows that cost microseconds each (a REGEX over long texts) to stop
  // within about ten milliseconds, and a clock read (tens of nanoseconds) spread thin over cheap rows.
  void check_deadline() {
    if (++ticks_ % 1024 == 0) check_clock();
  }

  // Accounts for memory the query holds on to (materialized, sorted, grouped or de-duplicated rows); throws
  // QueryError once the total passes the query's limit, so a runaway query stops instead of exhausting the
  // machine.
  void charge_memory(size_t bytes);
  void release_memory(size_t bytes) { memory_used_ -= std::min(bytes, memory_used_); }
  // What one row held in memory costs: its ids plus the container's overhead.
  size_t row_bytes() const { return variables_ * sizeof(TermId) + 48; }

 private:
  // Calls `use` with a pooled cursor, for a call about predicate `p` that needs a cursor but no scan.
  template <class Use>
  auto with_cursor_on(TermId p, Use use);
  void hand_over_lookups(TermId p, bool by_subject, uint64_t& n);
  void check_clock() const;

  static constexpr TermId kLocalTag = TermId{0xF} << kPayloadBits;
  const ReadView& store_;
  size_t variables_;
  Dataset dataset_;
  std::vector<Term> local_terms_;
  std::unordered_map<std::string, TermId> local_ids_;
  // References term() returned stay valid across many more decodes (DESCRIBE holds one while it decodes
  // the others of its triple); memory stays bounded however many terms a query decodes. A generation holds
  // a large result's repeated terms (its classes, the courses of many students); smaller ones made such
  // results slower, larger ones only grew the memory of a result streaming millions of distinct terms.
  TermGenerations decoded_{size_t{1} << 17};
  std::unordered_map<const PatternTerm*, std::pair<Term, std::optional<TermId>>> constant_ids_;
  std::vector<QuadCursor> free_cursors_;
  std::map<std::array<TermId, 5>, uint64_t> estimates_;
  std::map<std::pair<TermId, bool>, uint64_t> uncounted_lookups_;
  static constexpr uint64_t kLookupRound = 256;
  const Cancellation& stop_;
  const fulltext::TextIndex* text_index_ = nullptr;
  uint64_t view_sequence_ = 0;
  std::map<const TextSearchCall*, std::vector<fulltext::Hit>> text_hits_;
  uint32_t ticks_ = 0;
  size_t memory_limit_, memory_used_ = 0;
};

// Memory one structure of a query holds: charged to the query as the structure grows, released when it goes.
class ChargedMemory {
 public:
  // About what one entry of a node-based set or map costs beyond its value: the node and its bucket.
  static constexpr size_t kSetEntryBytes = 48;
  explicit ChargedMemory(QueryContext& ctx) : ctx_(ctx) {}
  ChargedMemory(const ChargedMemory&) = delete;
  ChargedMemory& operator=(const ChargedMemory&) = delete;
  ~ChargedMemory() { ctx_.release_memory(bytes_); }
  void charge(size_t bytes) {
    ctx_.charge_memory(bytes);
    bytes_ += bytes;
  }

 private:
  QueryContext& ctx_;
  size_t bytes_ = 0;
};

}  // namespace quiver::query
