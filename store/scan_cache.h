// Whole index ranges kept in memory (internal to store/). A cursor that reads every key under a prefix from
// its start records them; later cursors over the same prefix, reading the same state of the store, walk
// the array instead of RocksDB (an iterator step costs about 100 ns, an array step a few). A range is
// tagged with the sequence number of the state it was read from and serves only cursors of that state, so
// any write retires it. The least recently used ranges go first when the budget is full.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "store/store.h"

namespace quiver {

// Where each value of a range's leading position (its lead: a predicate range's subject or object) starts
// and how many quads have it. Open addressing on the id: a lookup reads one slot, usually, where a binary
// search over a large range would miss the processor's caches a dozen times.
struct LeadIndex {
  struct Slot {
    TermId lead = 0;
    uint32_t begin = 0, count = 0;  // count 0: a free slot
  };
  std::vector<Slot> slots;
  int shift = 64;
  void build(const std::vector<Quad>& quads, TermId Quad::*lead);
  std::pair<size_t, size_t> find(TermId lead) const;  // the run's [begin, end); empty when absent
  // Starts fetching the slot find(lead) reads first.
  void prefetch(TermId lead) const {
    if (!slots.empty()) __builtin_prefetch(&slots[(lead * kMultiplier) >> shift]);
  }
  static constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;
};

// The quads under one prefix of one index, in that index's order, as of one sequence number.
struct CachedRange {
  uint64_t sequence = 0;
  std::vector<Quad> quads;
  LeadIndex leads;  // predicate ranges only
  // Whether the quads are more than the processor's caches hold: then prefetching their lookups pays.
  bool larger_than_caches() const { return quads.size() * sizeof(Quad) > PredicateLookup::kCacheBytes; }
  // Starts fetching what a lookup of `lead` in a predicate range reads: first the lead index's slot;
  // `deep`, once that is at hand, the lead's first quads.
  void prefetch_lookup(TermId lead, bool deep) const {
    if (!deep) return leads.prefetch(lead);
    const auto [begin, end] = leads.find(lead);
    if (begin != end) __builtin_prefetch(&quads[begin]);
  }
};

class ScanCache {
 public:
  // Ranges smaller than this are not worth an entry: a seek reads them as fast.
  static constexpr size_t kMinQuads = 4096;

  explicit ScanCache(size_t budget_bytes) : budget_(budget_bytes) {}

  std::shared_ptr<const CachedRange> find(IndexOrder order, const std::string& prefix, uint64_t sequence);
  void add(IndexOrder order, const std::string& prefix, std::shared_ptr<const CachedRange> range);
  size_t used_bytes() const { return used_; }
  // Whether a range of this many quads could be kept at all (recording stops past it).
  bool fits(size_t quads) const { return quads <= max_quads(); }
  size_t max_quads() const {
    return std::min<size_t>(budget_ / 4 / sizeof(Quad), UINT32_MAX);  // LeadIndex counts in 32 bits
  }
  // Admission for scans of an interval of a prefix (a FILTER range): they never read the whole prefix on
  // their own, so the second one of a prefix reads it whole for the cache. True from the second call for
  // the same prefix on: a one-off range query does not pay for reading the prefix.
  bool seen_before(IndexOrder order, const std::string& prefix);

  // A predicate's quads sorted for lookups with p and the subject bound (as SPOG orders them: s, o, g) or
  // p and the object bound (POSG's range under p: o, s, g). A predicate looked up often is then searched in
  // memory instead of sought in RocksDB, a seek costing about as much as reading ten quads: the range is
  // worth making once the lookups counted since the last one add up to a tenth of its quads.
  enum class Lookup : uint8_t { BySubject, ByObject };
  static Lookup lookup_by(bool by_subject) { return by_subject ? Lookup::BySubject : Lookup::ByObject; }
  struct PredicateRange {
    std::shared_ptr<const CachedRange> range;  // null: not kept
    // Then the caller should make it (add_predicate) and call made_predicate() when done, made or not: until
    // then no other caller is told to make it (concurrent queries would each sort the same predicate).
    bool worth_making = false;
    uint64_t predicate_quads = 0;  // when worth making: about how many quads it holds
  };
  // Counts `lookups` (one, or those made otherwise since the caller last counted); `predicate_quads` tells
  // the size of the predicate, asked once per round of lookups.
  PredicateRange find_predicate(TermId p, Lookup lookup, uint64_t sequence,
                                const std::function<uint64_t()>& predicate_quads, uint64_t lookups = 1);
  // The predicate range if kept, without counting a lookup.
  std::shared_ptr<const CachedRange> kept_predicate(TermId p, Lookup lookup, uint64_t sequence);
  void add_predicate(TermId p, Lookup lookup, std::shared_ptr<const CachedRange> range);
  // The caller told to make the range is done with it (added, too large, or stopped).
  void made_predicate(TermId p, Lookup lookup);

 private:
  struct Slot {
    std::shared_ptr<const CachedRange> range;
    uint64_t last_use = 0;
  };
  // An index's range under a prefix (no lookup), or a predicate range (with its lead index) under POSG's
  // prefix p.
  using Key = std::tuple<IndexOrder, std::string, std::optional<Lookup>>;
  static Key predicate_key(TermId p, Lookup lookup);
  // Every seek asks the cache: the ranges are spread over shards, each with its own lock, so that concurrent
  // readers rarely wait for one another. The budget and the recency clock are shared.
  struct Shard {
    std::mutex mutex;
    std::map<Key, Slot> slots;
  };
  static constexpr size_t kShards = 16;
  Shard& shard(const Key& key);
  std::shared_ptr<const CachedRange> find(const Key& key, uint64_t sequence);
  void add(const Key& key, std::shared_ptr<const CachedRange> range);
  // Drops least recently used ranges, from any shard, until `incoming` more bytes fit the budget.
  void make_room(size_t incoming);
  static size_t bytes(const CachedRange& r) {
    return r.quads.size() * sizeof(Quad) + r.leads.slots.size() * sizeof(LeadIndex::Slot);
  }

  std::array<Shard, kShards> shards_;
  size_t budget_;
  std::atomic<size_t> used_ = 0;
  std::atomic<uint64_t> clock_ = 0;

  // Admission and lookup counting: asked far less often than find(), under a lock of their own.
  std::mutex counting_mutex_;
  std::set<Key> seen_;  // seen_before(); forgotten wholesale past kMaxSeen
  static constexpr size_t kMaxSeen = 4096;
  struct Lookups {
    uint64_t count = 0;
    uint64_t predicate_quads = 0;  // asked when the count reaches kMinLookups
  };
  static constexpr uint64_t kMinLookups = 1024;
  std::map<std::pair<TermId, Lookup>, Lookups> lookups_;  // forgotten wholesale past kMaxSeen too
  std::set<std::pair<TermId, Lookup>> making_;            // ranges a caller was told to make
};

}  // namespace quiver
