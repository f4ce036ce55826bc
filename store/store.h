// Quiver's quad store: a term dictionary and four quad indexes (SPOG, POSG, OSPG, GSPO) in RocksDB column
// families, plus exact statistics. Keys are ids only, big-endian, so a prefix scan answers any pattern.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/cancellation.h"
#include "store/statistics_cache.h"
#include "store/term.h"
#include "store/term_id.h"

namespace rocksdb {
class DB;
class Iterator;
class ColumnFamilyHandle;
class Snapshot;
class WriteBatchWithIndex;
class Slice;
}  // namespace rocksdb

namespace quiver {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Quad {
  TermId s = 0, p = 0, o = 0, g = kDefaultGraph;
  bool operator==(const Quad&) const = default;
};

// The four index orders; the order's name lists the quad positions from most to least significant.
// GSPO holds named-graph quads only: for the default graph (id 0) its entries would repeat SPOG's in the same
// order, so default-graph scans read SPOG and filter on the graph.
enum class IndexOrder : uint8_t { SPOG = 0, POSG = 1, OSPG = 2, GSPO = 3 };
inline constexpr std::array<IndexOrder, 4> kIndexOrders = {IndexOrder::SPOG, IndexOrder::POSG,
                                                           IndexOrder::OSPG, IndexOrder::GSPO};
const char* index_name(IndexOrder order);

// The quad's ids in the order's sequence, and back.
std::array<TermId, 4> permute(const Quad& q, IndexOrder order);
Quad unpermute(const std::array<TermId, 4>& ids, IndexOrder order);
// Strict weak order of quads as the index stores them.
bool index_less(const Quad& a, const Quad& b, IndexOrder order);
// The same order as a function object fixed at compile time, for sorting.
template <IndexOrder order>
struct IndexLess {
  bool operator()(const Quad& a, const Quad& b) const {
    constexpr TermId Quad::*fields[4][4] = {{&Quad::s, &Quad::p, &Quad::o, &Quad::g},
                                            {&Quad::p, &Quad::o, &Quad::s, &Quad::g},
                                            {&Quad::o, &Quad::s, &Quad::p, &Quad::g},
                                            {&Quad::g, &Quad::s, &Quad::p, &Quad::o}};
    for (auto field : fields[static_cast<int>(order)])
      if (a.*field != b.*field) return a.*field < b.*field;
    return false;
  }
};

// A quad pattern: an unset position matches anything (for `g`, any graph including the default one).
// `o_range` (inclusive) narrows an unset object to an id interval: with `p` set, a POSG range scan.
// `descending` reads the index chosen for the pattern backwards: with `p` set (and `s`, or nothing else),
// the objects from the highest id down.
struct QuadPattern {
  std::optional<TermId> s, p, o, g;
  std::optional<std::pair<TermId, TermId>> o_range = std::nullopt;
  bool descending = false;
};

struct PredicateStats {
  uint64_t triples = 0;
  uint64_t distinct_subjects = 0;
  uint64_t distinct_objects = 0;
};

struct Statistics {
  uint64_t quads = 0;
  std::map<TermId, PredicateStats> predicates;
  std::map<TermId, uint64_t> graphs;  // quads per graph; kDefaultGraph for the default graph

  // The default graph always exists; a named graph exists while it holds quads, or when created empty
  // (CREATE GRAPH), which only the created-graph record tells.
  bool graph_holds_quads_or_is_default(TermId g) const {
    if (g == kDefaultGraph) return true;
    const auto it = graphs.find(g);
    return it != graphs.end() && it->second > 0;
  }
};

// The on-disk format this build reads and writes; a store of another format is refused at open.
std::string_view store_format_version();

struct StoreOptions {
  bool create_if_missing = true;
  // Open without taking the store's lock: queries run beside a load (they see the state when they opened)
  // and open faster (no log or options files are written). Writes are refused.
  bool read_only = false;
  bool sync_writes = true;  // fsync the WAL on every committed update
  // Decompressed blocks kept in memory, shared by all column families. Index and dictionary blocks are
  // ZSTD-compressed, so without a cache every lookup decompresses a block again.
  size_t block_cache_mib = 1024;
  // Decoded dictionary terms kept in memory across queries (half of them recently used ones).
  size_t term_cache_entries = 1 << 18;
  // Whole index ranges (a predicate's quads, a class's members...) that a query read from start to end,
  // kept as arrays for the next queries over the same state of the store; 0 turns this off.
  size_t scan_cache_mib = 256;
  // Width of the term hash in bits. Fixed when the store is created; tests narrow it to force collisions.
  int hash_bits = kPayloadBits;
};

// Terms that collided with an earlier term under the hash: their identity bytes (term_identity) and the
// probed id they got.
using CollisionTable = std::unordered_map<std::string, TermId>;

// What a store takes on disk and in memory, for monitoring.
struct StorageFigures {
  uint64_t disk_bytes = 0;         // index and dictionary files
  uint64_t memtable_bytes = 0;     // writes not yet flushed to files
  uint64_t block_cache_bytes = 0;  // decompressed blocks kept for reading
  uint64_t scan_cache_bytes = 0;   // index ranges kept as arrays (ScanCache)
};

// Turns terms into ids exactly as the store does. Copyable; each thread uses its own copy.
class TermEncoder {
 public:
  TermEncoder(int hash_bits, std::shared_ptr<const CollisionTable> collisions)
      : hash_bits_(hash_bits), collisions_(std::move(collisions)) {}
  // The id of `term`. When the term lives in the dictionary, `encoded` receives its dictionary bytes and the
  // result has a dictionary tag; for inline literals `encoded` is left empty. `fingerprint` as in
  // hashed_id().
  TermId encode(const TermView& term, std::string& encoded, uint64_t* fingerprint = nullptr) const;

 private:
  int hash_bits_;
  std::shared_ptr<const CollisionTable> collisions_;
};

// Where reads go: the store's latest state, or a snapshot of it, with a transaction's pending writes on top
// when `batch` is set.
struct ReadSource {
  const rocksdb::Snapshot* snapshot = nullptr;
  rocksdb::WriteBatchWithIndex* batch = nullptr;
  const Cancellation* stop = nullptr;  // long walks throw Stopped once it says so
};

struct CachedRange;

// One predicate's quads in memory, found by subject (or by object): for an operator that looks a pattern
// up once per row of a large input, where a seek per row costs more than reading the predicate once. Holds
// the state of the store the cursor that made it reads.
class PredicateLookup {
 public:
  PredicateLookup(std::shared_ptr<const CachedRange> range, bool by_subject);
  // The quads with this subject, in SPOG order (with this object, in POSG order). Leads asked in
  // increasing order (an input sorted by them: a merge join) are found by stepping forward from the
  // previous one, through quads still in the processor's caches; others through the range's lead index.
  std::span<const Quad> find(TermId lead);
  // Starts fetching what find(lead) reads when it goes through the lead index.
  // First the lead index's slot; `deep`, once that is at hand, the lead's first quads.
  void prefetch(TermId lead, bool deep) const;
  // Whether prefetch() may save anything: not when the quads fit in the processor's caches, nor when leads
  // come in order (found by stepping forward from the last).
  bool worth_prefetching() const { return large_ && !stepping_; }
  static constexpr size_t kCacheBytes = size_t{1} << 20;

 private:
  static constexpr size_t kForwardSteps = 16;
  std::shared_ptr<const CachedRange> range_;
  TermId Quad::*lead_;
  // Every quad before `next_` has a lead at most `last_`, the lead last found.
  size_t next_ = 0;
  TermId last_ = 0;
  bool large_;
  bool stepping_ = false;  // whether the last lead was found by stepping forward
};

// Iterates the quads matching a pattern in the order of the index chosen for it. seek() starts over with
// another pattern on the same cursor, reusing its RocksDB iterators: joins re-seek one cursor per pattern
// instead of opening an iterator per row.
class Store;

class QuadCursor {
 public:
  QuadCursor(QuadCursor&&) noexcept;
  QuadCursor& operator=(QuadCursor&&) noexcept;
  ~QuadCursor();

  void seek(const QuadPattern& pattern);
  bool valid() const { return valid_; }
  const Quad& quad() const { return quad_; }
  void next();
  IndexOrder order() const { return order_; }
  // For tight loops: the quads from the current one to the end of a forward scan served from memory, in
  // one piece, after which the cursor is at its end; empty otherwise (the scan goes on with next()). Only
  // those that matches() are the pattern's.
  std::span<const Quad> take_in_memory();
  bool matches(const Quad& q) const;  // the pattern's positions outside the prefix
  // The quads a forward scan served from memory reads after the current one (some may not match); empty
  // otherwise. A join looks ahead in them to prefetch what the rows to come will look up.
  std::span<const Quad> ahead_in_memory() const;
  // Starts fetching what a lookup of `p` by subject (or object) `lead` reads, when this cursor's last lookup
  // of `p` was served from the predicate's range and that range is larger than the processor's caches.
  void prefetch_lookup(TermId p, bool by_subject, TermId lead, bool deep) const;
  // The quads such a lookup would read (some may not match), when served from that range; empty otherwise.
  std::span<const Quad> lookup_in_memory(TermId p, bool by_subject, TermId lead) const;
  // Predicate `p`'s quads by subject (or by object) from the scan cache, where the cursor's reads may use
  // it (not in a transaction's view). `make`: read and sort the predicate now when it is not there yet;
  // nullopt when it is too large to keep.
  std::optional<PredicateLookup> lookup_predicate(TermId p, bool by_subject, bool make);
  // Counts lookups of `p` by subject (or by object) made without a seek of this cursor (reads of a
  // subject's quads, probes of hashed rows) towards keeping the predicate in memory, as a seek's lookup
  // counts; makes the lookup once they add up.
  void count_predicate_lookups(TermId p, bool by_subject, uint64_t lookups);

 private:
  friend class Store;
  QuadCursor(const Store& store, ReadSource source);
  void step();  // one entry on, in the scan's direction
  void settle();
  // Walks check their source's Cancellation every so many keys: often enough to stop within milliseconds,
  // rarely enough that the clock read costs nothing.
  static constexpr uint32_t kKeysBetweenChecks = 4096;
  void check_stop() const {
    if (source_.stop) source_.stop->check();
  }
  // Ranges kept in memory (ScanCache): the state this cursor reads, when it may use them.
  std::optional<uint64_t> find_cache_sequence() const;
  void start_in_memory();  // at the first entry of [begin, end) in the scan's direction
  void settle_in_memory();
  void finish_recording();
  // The iterator over `order`'s index, bounded by `prefix`.
  rocksdb::Iterator& bounded_iterator(IndexOrder order, const std::string& prefix);
  // Every quad under `prefix` in `order`; false (and `out` partial) past what the scan cache could keep.
  // `expected`: about how many quads the prefix holds (room is made for them at once).
  bool read_prefix(IndexOrder order, const std::string& prefix, std::vector<Quad>& out,
                   uint64_t expected = 0);
  // Reads the whole current prefix into the scan cache and serves the scan from it; false when it is too
  // large to keep.
  bool cache_whole_prefix(uint64_t sequence);
  // Serves a lookup with p and the subject or the object bound from the predicate's quads in memory
  // (ScanCache::find_predicate); false when it goes to RocksDB.
  bool seek_in_predicate(uint64_t sequence);
  void count_unserved_quads();
  // Predicate `p`'s range for lookups by subject (or by object): kept, or made now that the lookups counted
  // (`lookups` more) make it worth keeping; else null.
  std::shared_ptr<const CachedRange> counted_predicate_range(TermId p, bool by_subject, uint64_t sequence,
                                                             uint64_t lookups);
  // Reads predicate `p`'s quads for lookups by subject (or by object) and hands them to the scan cache;
  // null when they are too many to keep. `expected`: about how many there are.
  std::shared_ptr<const CachedRange> make_predicate_range(TermId p, bool by_subject, uint64_t sequence,
                                                          uint64_t expected);
  void search_predicate_range();             // positions the cursor on the lookup's quads in the range
  uint64_t predicate_quads(TermId p) const;  // about how many quads predicate `p` has, in this cursor's view

  const Store* store_;
  ReadSource source_;
  std::array<std::unique_ptr<rocksdb::Iterator>, 4> iterators_;  // one per index order, made on first use
  // The end of the current prefix, read by the iterators: they stop there instead of stepping over the
  // deletion markers a large update leaves behind the prefix. On the heap: the iterators keep its address.
  struct UpperBound;
  std::unique_ptr<UpperBound> upper_;
  struct Memory;
  std::unique_ptr<Memory> memory_;
  rocksdb::Iterator* it_ = nullptr;
  IndexOrder order_ = IndexOrder::SPOG;
  std::string prefix_;
  QuadPattern pattern_;
  Quad quad_;
  bool valid_ = false;
  std::optional<uint64_t> cache_sequence_;  // find_cache_sequence(): a cursor's source never changes
};

// Answers membership questions about one index asked in increasing key order, with one iterator that steps
// forward before it seeks. Used to tell new quads from existing ones during a bulk load.
class IndexProbe {
 public:
  IndexProbe(IndexProbe&&) noexcept;
  ~IndexProbe();
  bool contains(const Quad& q);
  // Whether any quad shares the first `positions` ids of `q` in the index's order.
  bool has_prefix(const Quad& q, size_t positions);
  // How many quads share them, counting no further than `limit`. Steps past what it counts: the next
  // question must be about a later prefix.
  uint64_t count_prefix(const Quad& q, size_t positions, uint64_t limit);

 private:
  friend class Store;
  IndexProbe(std::unique_ptr<rocksdb::Iterator> it, IndexOrder order);
  // Positions the iterator at the first key >= target.
  void advance_to(const std::string& target);

  std::unique_ptr<rocksdb::Iterator> it_;
  IndexOrder order_;
  std::string key_;
  bool started_ = false;
};

class BulkIngest;
class ScanCache;
class TermCache;
class Transaction;

class Store {
 public:
  // Opens (or creates) the store in `dir`. Throws StoreError with one clear sentence when the directory is
  // not a store, is locked by another process, unreadable, or of an unknown format version.
  static std::unique_ptr<Store> open(const std::filesystem::path& dir, const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  bool read_only() const { return options_.read_only; }
  bool empty() const;

  QuadCursor scan(const QuadPattern& pattern) const;
  bool contains(const Quad& q) const;
  // How many quads match `pattern`: exact up to a thousand, beyond that estimated from the share of the
  // index's bytes its key range holds. For planning: cheap whatever the count.
  uint64_t estimate_matches(const QuadPattern& pattern) const;
  IndexProbe probe(IndexOrder order) const;

  TermEncoder encoder() const { return TermEncoder(hash_bits_, collision_table()); }
  std::shared_ptr<const CollisionTable> collision_table() const {
    std::lock_guard lock(collisions_mutex_);
    return collisions_;
  }
  // The id of a term if the store knows it (inline literals always have one).
  std::optional<TermId> find(const Term& term) const;
  // The term behind an id; nullopt for an id the dictionary does not hold.
  std::optional<Term> term(TermId id) const;
  // The terms behind a batch of ids in one read of the dictionary (nullopt where absent).
  std::vector<std::optional<Term>> terms(const std::vector<TermId>& ids) const;
  // Dictionary bytes for a batch of ids (nullopt where absent), for collision checks.
  std::vector<std::optional<std::string>> dictionary_bytes(const std::vector<TermId>& ids) const;

  Statistics statistics() const;
  StorageFigures storage_figures() const;
  int hash_bits() const { return hash_bits_; }
  // A fresh path for a folder of temporary files (a load's, an update's, an uploaded body), made by whoever
  // needs it; the next open removes any left behind.
  std::filesystem::path new_staging_folder() const;

  // The change log: every commit that adds or removes statements with a literal object takes the next
  // sequence number and logs, in the same atomic write, the subjects of those statements. A consumer that
  // keeps text of the store elsewhere (the full-text index) applies the log in order and records how far it
  // got; entries every consumer has applied are dropped.
  // The last sequence a commit took (0 before the first).
  uint64_t change_sequence() const { return change_sequence_.load(std::memory_order_acquire); }
  // Calls `each(sequence, subject)` for every entry after `after`, in order (a subject once per sequence).
  // False, with no call, when entries after `after` were dropped already: the consumer must start over
  // from the store's state.
  bool read_changes(uint64_t after, const std::function<void(uint64_t, TermId)>& each,
                    const Cancellation* stop = nullptr) const;
  // Records that `consumer` has applied the log up to `sequence`, and drops the entries every consumer
  // has applied.
  void set_change_checkpoint(std::string_view consumer, uint64_t sequence);

  // Starts an atomic bulk ingestion; at most one runs at a time (the call waits for the previous one).
  std::unique_ptr<BulkIngest> begin_bulk_ingest();
  // Starts an update transaction. Writers take turns (bulk ingestions included): the call waits for the
  // previous one; readers are never blocked.
  std::unique_ptr<Transaction> begin_transaction();

 private:
  friend class BulkIngest;
  friend class QuadCursor;
  friend class ReadView;
  friend class Transaction;
  QuadCursor scan(const QuadPattern& pattern, ReadSource source) const;
  bool contains(const Quad& q, ReadSource source) const;
  // Whether CREATE GRAPH (or a Graph Store write) recorded the named graph, which then exists while empty.
  bool graph_created(TermId g, ReadSource source) const;
  uint64_t estimate_matches(const QuadPattern& pattern, ReadSource source) const;
  std::optional<TermId> find(const Term& term, ReadSource source) const;
  std::optional<Term> term(TermId id, ReadSource source) const;
  std::vector<std::optional<Term>> terms(const std::vector<TermId>& ids, ReadSource source) const;
  std::vector<std::optional<std::string>> dictionary_bytes(const std::vector<TermId>& ids,
                                                           ReadSource source) const;
  Statistics statistics(ReadSource source) const;
  // As statistics(source), shared with the other readers of the same state where it can be.
  std::shared_ptr<const Statistics> shared_statistics(ReadSource source) const;
  // Brackets a write that may change the statistics (a transaction's or a bulk ingestion's).
  class StatisticsChange {
   public:
    explicit StatisticsChange(const Store& store);
    ~StatisticsChange();
    StatisticsChange(const StatisticsChange&) = delete;
    StatisticsChange& operator=(const StatisticsChange&) = delete;

   private:
    const Store& store_;
  };
  bool get(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string* value,
           ReadSource source) const;
  std::unique_ptr<rocksdb::Iterator> new_iterator(rocksdb::ColumnFamilyHandle* cf, ReadSource source,
                                                  const rocksdb::Slice* upper_bound = nullptr) const;
  Store() = default;
  void load_collisions();
  void merge_small_level0_files();

  std::filesystem::path dir_;
  StoreOptions options_;
  int hash_bits_ = kPayloadBits;
  // Replaced whole after a commit that added collisions, while readers copy it: hence the lock. (Not
  // std::atomic<std::shared_ptr>: libstdc++'s lock bit inside it is invisible to ThreadSanitizer.)
  mutable std::mutex collisions_mutex_;
  std::shared_ptr<const CollisionTable> collisions_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* terms_ = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, 4> indexes_{};
  rocksdb::ColumnFamilyHandle* changes_ = nullptr;  // null in a read-only store made before the log
  std::atomic<uint64_t> change_sequence_ = 0;       // changed by writers only, in their turn
  std::mutex checkpoint_mutex_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::mutex writer_mutex_;  // one writer at a time
  std::unique_ptr<TermCache> term_cache_;
  std::unique_ptr<ScanCache> scan_cache_;  // null when turned off
  mutable StatisticsCache statistics_cache_;
};

// A consistent view of a store for one reader (a query): every scan and lookup sees the store as it was
// when the view was made, whatever commits meanwhile. A transaction's view adds its own pending writes.
class ReadView {
 public:
  // With `stop`, scans that walk far (past many non-matching keys, or a whole range read for the scan
  // cache) throw Stopped once it says so.
  explicit ReadView(const Store& store, const Cancellation* stop = nullptr);
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  const Store& store() const { return store_; }
  QuadCursor scan(const QuadPattern& pattern) const { return store_.scan(pattern, source_); }
  bool contains(const Quad& q) const { return store_.contains(q, source_); }
  // The default graph always; a named graph while it has quads or since it was created (CREATE GRAPH).
  bool graph_exists(TermId g) const;
  uint64_t estimate_matches(const QuadPattern& pattern) const {
    return store_.estimate_matches(pattern, source_);
  }
  std::optional<TermId> find(const Term& term) const { return store_.find(term, source_); }
  std::optional<Term> term(TermId id) const { return store_.term(id, source_); }
  std::vector<std::optional<Term>> terms(const std::vector<TermId>& ids) const {
    return store_.terms(ids, source_);
  }
  // As of the view (for a transaction, with its changes so far; distinct counts are settled at commit).
  const Statistics& statistics() const;

 private:
  friend class Transaction;
  ReadView(const Store& store, rocksdb::WriteBatchWithIndex* batch);

  const Store& store_;
  ReadSource source_;
  mutable std::shared_ptr<const Statistics> statistics_;
};

}  // namespace quiver
