#include "store/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/metadata.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>

#include <rocksdb/utilities/write_batch_with_index.h>
#include "store/bulk_ingest.h"

#include "store/keys.h"
#include "store/radix_sort.h"
#include "store/scan_cache.h"
#include "store/term_cache.h"

namespace quiver {
namespace fs = std::filesystem;

const char* index_name(IndexOrder order) {
  static constexpr const char* kNames[] = {"spog", "posg", "ospg", "gspo"};
  return kNames[static_cast<int>(order)];
}

std::array<TermId, 4> permute(const Quad& q, IndexOrder order) {
  switch (order) {
    case IndexOrder::SPOG:
      return {q.s, q.p, q.o, q.g};
    case IndexOrder::POSG:
      return {q.p, q.o, q.s, q.g};
    case IndexOrder::OSPG:
      return {q.o, q.s, q.p, q.g};
    case IndexOrder::GSPO:
      return {q.g, q.s, q.p, q.o};
  }
  return {};
}

Quad unpermute(const std::array<TermId, 4>& k, IndexOrder order) {
  switch (order) {
    case IndexOrder::SPOG:
      return {k[0], k[1], k[2], k[3]};
    case IndexOrder::POSG:
      return {k[2], k[0], k[1], k[3]};
    case IndexOrder::OSPG:
      return {k[1], k[2], k[0], k[3]};
    case IndexOrder::GSPO:
      return {k[1], k[2], k[3], k[0]};
  }
  return {};
}

bool index_less(const Quad& a, const Quad& b, IndexOrder order) {
  return permute(a, order) < permute(b, order);
}

TermId TermEncoder::encode(const TermView& term, std::string& encoded, uint64_t* fingerprint) const {
  encoded.clear();
  if (auto id = inline_id(term)) return *id;
  encode_term(term, encoded);
  std::string scratch;
  const std::string_view identity = term_identity(encoded, scratch);
  TermId id = hashed_id(term.kind, identity, hash_bits_, 0, fingerprint);
  if (!collisions_->empty()) {
    if (auto it = collisions_->find(std::string(identity)); it != collisions_->end()) return it->second;
  }
  return id;
}

// ---------------------------------------------------------------------------------------------------------

struct QuadCursor::UpperBound {
  std::string key;
  rocksdb::Slice slice;
};

// A scan served from a range kept in memory, or one recording its whole prefix for the cache.
struct QuadCursor::Memory {
  std::shared_ptr<const CachedRange> range;     // set: the scan reads this array
  std::shared_ptr<const CachedRange> previous;  // during a seek: the range read before, if any
  size_t pos = 0, begin = 0, end = 0;           // current entry: quads[pos] (descending: quads[pos - 1])
  // Every key under the prefix so far, while `recording`. The buffer is reused across seeks: correlated
  // patterns re-seek once per row, and only a range that reaches the cache takes it away.
  bool recording = false;
  uint64_t recording_sequence = 0;
  std::vector<Quad> recorded;
  // Narrows [begin, end), ordered by object there, to the objects from `lo` to `hi`.
  void narrow_to_objects(TermId lo, TermId hi) {
    const auto& quads = range->quads;
    const auto first = quads.begin() + begin, last = quads.begin() + end;
    begin =
        std::lower_bound(first, last, lo, [](const Quad& q, TermId o) { return q.o < o; }) - quads.begin();
    end = std::upper_bound(quads.begin() + begin, last, hi, [](TermId o, const Quad& q) { return o < q.o; }) -
          quads.begin();
  }
  // The predicate range of the last lookup served from one (seek_in_predicate): a correlated pattern looks
  // up the same predicate once per row, and finding it again need not ask the shared cache.
  struct {
    TermId p = 0;
    bool by_subject = false;
    std::shared_ptr<const CachedRange> range;
  } predicate;
  // A lookup that went to RocksDB for want of its predicate's range, and the quads it has read so far: at
  // the next seek they count towards keeping the range (count_unserved_quads).
  struct {
    TermId p = 0;
    bool by_subject = false, active = false;
    uint64_t quads = 0;
  } unserved;
};

QuadCursor::QuadCursor(const Store& store, ReadSource source)
    : store_(&store),
      source_(source),
      upper_(std::make_unique<UpperBound>()),
      memory_(std::make_unique<Memory>()),
      cache_sequence_(find_cache_sequence()) {}
QuadCursor::QuadCursor(QuadCursor&&) noexcept = default;
QuadCursor& QuadCursor::operator=(QuadCursor&&) noexcept = default;
QuadCursor::~QuadCursor() = default;

void QuadCursor::seek(const QuadPattern& pattern) {
  // Pick the index whose leading positions are bound the longest (GSPO lacks the default graph).
  const std::array<bool, 4> bound = {pattern.s.has_value(), pattern.p.has_value(), pattern.o.has_value(),
                                     pattern.g.has_value()};
  IndexOrder best = IndexOrder::SPOG;
  size_t best_len = 0;
  for (IndexOrder order : kIndexOrders) {
    if (order == IndexOrder::GSPO && pattern.g == kDefaultGraph) continue;
    const std::array<TermId, 4> b = permute({bound[0], bound[1], bound[2], bound[3]}, order);
    size_t len = 0;
    while (len < 4 && b[len]) ++len;
    if (len > best_len) best_len = len, best = order;
  }
  const bool range = pattern.o_range && !pattern.o && pattern.p && !pattern.s;
  if (range) best = IndexOrder::POSG, best_len = 1;
  const Quad values{pattern.s.value_or(0), pattern.p.value_or(0), pattern.o.value_or(0),
                    pattern.g.value_or(0)};
  prefix_.clear();
  auto ids = permute(values, best);
  for (size_t i = 0; i < best_len; ++i) keys::put_u64(prefix_, ids[i]);
  order_ = best;
  pattern_ = pattern;
  Memory& memory = *memory_;
  count_unserved_quads();
  memory.previous = std::move(memory.range);
  memory.recording = false;
  memory.recorded.clear();
  if (const auto sequence = cache_sequence_) {
    if (!range && pattern.p && (pattern.s || pattern.o) && seek_in_predicate(*sequence)) return;
    memory.previous.reset();
    memory.range = store_->scan_cache_->find(best, prefix_, *sequence);
    if (!memory.range && range && store_->scan_cache_->seen_before(best, prefix_))
      cache_whole_prefix(*sequence);
    if (memory.range) {
      memory.begin = 0;
      memory.end = memory.range->quads.size();
      if (range) memory.narrow_to_objects(pattern.o_range->first, pattern.o_range->second);  // POSG under p
      start_in_memory();
      return;
    }
    if (!range && !pattern.descending && !prefix_.empty()) {  // reads a prefix from its start: may record it
      memory.recording = true;
      memory.recording_sequence = *sequence;
    }
  }
  it_ = &bounded_iterator(best, prefix_);
  std::string start = prefix_;
  if (range) keys::put_u64(start, pattern.descending ? pattern.o_range->second : pattern.o_range->first);
  if (pattern.descending)
    it_->SeekForPrev(keys::prefix_end(start));  // the last key at or below the start's end
  else
    it_->Seek(start);
  settle();
}

rocksdb::Iterator& QuadCursor::bounded_iterator(IndexOrder order, const std::string& prefix) {
  auto& iterator = iterators_[static_cast<int>(order)];
  upper_->key = keys::prefix_end(prefix);
  upper_->slice = rocksdb::Slice(upper_->key);
  if (!iterator)
    iterator = store_->new_iterator(store_->indexes_[static_cast<int>(order)], source_, &upper_->slice);
  return *iterator;
}

bool QuadCursor::read_prefix(IndexOrder order, const std::string& prefix, std::vector<Quad>& out,
                             uint64_t expected) {
  // Growing by doubling would fault in (and have the kernel zero) about twice the final size in fresh pages
  // and copy it; room a little past the estimate costs nothing where it is not written.
  out.reserve(std::min<uint64_t>(expected + expected / 8, store_->scan_cache_->max_quads()));
  rocksdb::Iterator& it = bounded_iterator(order, prefix);
  for (it.Seek(prefix); it.Valid() && it.key().starts_with(prefix); it.Next()) {
    if (!store_->scan_cache_->fits(out.size() + 1)) return false;
    if (out.size() % kKeysBetweenChecks == 0) check_stop();
    out.push_back(keys::parse_quad_key(std::string_view(it.key().data(), it.key().size()), order));
  }
  if (!it.status().ok()) throw StoreError("reading the store failed: " + it.status().ToString());
  return true;
}

bool QuadCursor::cache_whole_prefix(uint64_t sequence) {
  auto range = std::make_shared<CachedRange>();
  range->sequence = sequence;
  if (!read_prefix(order_, prefix_, range->quads)) return false;
  store_->scan_cache_->add(order_, prefix_, range);
  memory_->range = std::move(range);
  return true;
}

bool QuadCursor::seek_in_predicate(uint64_t sequence) {
  const QuadPattern& pattern = pattern_;
  const bool by_subject = pattern.s.has_value();
  Memory& m = *memory_;
  auto& memo = m.predicate;
  if (memo.range && memo.p == *pattern.p && memo.by_subject == by_subject &&
      memo.range->sequence == sequence) {
    m.range = m.previous == memo.range ? std::move(m.previous) : memo.range;
    search_predicate_range();
    return true;
  }
  m.previous.reset();
  m.range = counted_predicate_range(*pattern.p, by_subject, sequence, 1);
  if (!m.range) {
    m.unserved = {*pattern.p, by_subject, true, 0};
    return false;
  }
  memo = {*pattern.p, by_subject, m.range};
  search_predicate_range();
  return true;
}

std::shared_ptr<const CachedRange> QuadCursor::counted_predicate_range(TermId p, bool by_subject,
                                                                       uint64_t sequence, uint64_t lookups) {
  auto found = store_->scan_cache_->find_predicate(
      p, ScanCache::lookup_by(by_subject), sequence, [&] { return predicate_quads(p); }, lookups);
  if (!found.range && found.worth_making) {
    struct Made {  // however making it ends
      ScanCache& cache;
      TermId p;
      ScanCache::Lookup lookup;
      ~Made() { cache.made_predicate(p, lookup); }
    } made{*store_->scan_cache_, p, ScanCache::lookup_by(by_subject)};
    return make_predicate_range(p, by_subject, sequence, found.predicate_quads);
  }
  return found.range;
}

uint64_t QuadCursor::predicate_quads(TermId p) const {
  return store_->estimate_matches(QuadPattern{std::nullopt, p, std::nullopt, std::nullopt}, source_);
}

void QuadCursor::count_unserved_quads() {
  // A lookup that reads many quads (every student of a department) costs as many point lookups: when such
  // lookups read a good share of the predicate, keeping it in memory pays as it does for point lookups.
  auto& unserved = memory_->unserved;
  if (unserved.active && unserved.quads > 1 && cache_sequence_)
    counted_predicate_range(unserved.p, unserved.by_subject, *cache_sequence_, unserved.quads - 1);
  unserved.active = false;
}

void QuadCursor::count_predicate_lookups(TermId p, bool by_subject, uint64_t lookups) {
  if (cache_sequence_) counted_predicate_range(p, by_subject, *cache_sequence_, lookups);
}

std::shared_ptr<const CachedRange> QuadCursor::make_predicate_range(TermId p, bool by_subject,
                                                                    uint64_t sequence, uint64_t expected) {
  const std::string prefix = keys::id_key(p);
  auto made = std::make_shared<CachedRange>();
  made->sequence = sequence;
  ScanCache& cache = *store_->scan_cache_;
  if (auto by_object = cache.find(IndexOrder::POSG, prefix, sequence))
    made->quads = by_object->quads;
  else if (!read_prefix(IndexOrder::POSG, prefix, made->quads, expected))
    return nullptr;
  check_stop();  // the sort below takes a while for a large predicate
  if (by_subject) radix_sort<IndexOrder::SPOG>(made->quads.data(), made->quads.data() + made->quads.size());
  made->leads.build(made->quads, by_subject ? &Quad::s : &Quad::o);
  cache.add_predicate(p, ScanCache::lookup_by(by_subject), made);
  return made;
}

std::optional<PredicateLookup> QuadCursor::lookup_predicate(TermId p, bool by_subject, bool make) {
  if (!cache_sequence_) return std::nullopt;
  const auto lookup = ScanCache::lookup_by(by_subject);
  auto range = store_->scan_cache_->kept_predicate(p, lookup, *cache_sequence_);
  if (!range && make) range = make_predicate_range(p, by_subject, *cache_sequence_, predicate_quads(p));
  if (!range) return std::nullopt;
  return PredicateLookup(std::move(range), by_subject);
}

PredicateLookup::PredicateLookup(std::shared_ptr<const CachedRange> range, bool by_subject)
    : range_(std::move(range)),
      lead_(by_subject ? &Quad::s : &Quad::o),
      large_(range_->larger_than_caches()) {}

std::span<const Quad> PredicateLookup::find(TermId lead) {
  const std::vector<Quad>& quads = range_->quads;
  const std::span<const Quad> all(quads);
  if (lead > last_ || next_ == 0) {  // a run of `lead` starts at next_ or later
    const size_t limit = std::min(quads.size(), next_ + kForwardSteps);
    size_t begin = next_;
    while (begin < limit && quads[begin].*lead_ < lead) ++begin;
    if (begin == quads.size() || (begin < limit && quads[begin].*lead_ > lead)) {  // absent
      next_ = begin, last_ = lead, stepping_ = true;
      return {};
    }
    size_t end = begin;
    while (end < limit && quads[end].*lead_ == lead) ++end;
    if (end < limit || end == quads.size()) {
      next_ = end, last_ = lead, stepping_ = true;
      return all.subspan(begin, end - begin);
    }
  }
  stepping_ = false;
  const auto [begin, end] = range_->leads.find(lead);
  if (begin == end) return {};
  if (lead > last_) next_ = end, last_ = lead;
  return all.subspan(begin, end - begin);
}

void PredicateLookup::prefetch(TermId lead, bool deep) const {
  range_->prefetch_lookup(lead, deep);
}

void QuadCursor::search_predicate_range() {
  const QuadPattern& pattern = pattern_;
  Memory& m = *memory_;
  std::tie(m.begin, m.end) = m.range->leads.find(pattern.s ? *pattern.s : *pattern.o);
  if (pattern.s && pattern.o) m.narrow_to_objects(*pattern.o, *pattern.o);  // by subject, then object
  start_in_memory();
}

void QuadCursor::next() {
  if (memory_->range) {
    pattern_.descending ? --memory_->pos : ++memory_->pos;
    settle_in_memory();
    return;
  }
  step();
  settle();
  if (memory_->unserved.active && valid()) ++memory_->unserved.quads;
}

std::optional<uint64_t> QuadCursor::find_cache_sequence() const {
  if (source_.batch || !store_->scan_cache_) return std::nullopt;  // a transaction's own view
  if (source_.snapshot) return source_.snapshot->GetSequenceNumber();
  if (store_->options_.read_only) return store_->db_->GetLatestSequenceNumber();  // never changes
  return std::nullopt;  // the latest state, which may change while the scan runs
}

bool QuadCursor::matches(const Quad& q) const {
  if (pattern_.o_range && !pattern_.o && (q.o < pattern_.o_range->first || q.o > pattern_.o_range->second))
    return false;
  return (!pattern_.s || *pattern_.s == q.s) && (!pattern_.p || *pattern_.p == q.p) &&
         (!pattern_.o || *pattern_.o == q.o) && (!pattern_.g || *pattern_.g == q.g);
}

std::span<const Quad> QuadCursor::take_in_memory() {
  Memory& m = *memory_;
  if (!m.range || pattern_.descending || !valid_) return {};
  std::span<const Quad> rest(m.range->quads.data() + m.pos, m.end - m.pos);
  m.pos = m.end;
  valid_ = false;
  return rest;
}

std::span<const Quad> QuadCursor::ahead_in_memory() const {
  const Memory& m = *memory_;
  if (!m.range || pattern_.descending || !valid_) return {};
  return {m.range->quads.data() + m.pos + 1, m.end - m.pos - 1};
}

void QuadCursor::prefetch_lookup(TermId p, bool by_subject, TermId lead, bool deep) const {
  const auto& memo = memory_->predicate;
  if (memo.range && memo.p == p && memo.by_subject == by_subject && memo.range->larger_than_caches())
    memo.range->prefetch_lookup(lead, deep);
}

std::span<const Quad> QuadCursor::lookup_in_memory(TermId p, bool by_subject, TermId lead) const {
  const auto& memo = memory_->predicate;
  if (!memo.range || memo.p != p || memo.by_subject != by_subject) return {};
  const auto [begin, end] = memo.range->leads.find(lead);
  return std::span<const Quad>(memo.range->quads).subspan(begin, end - begin);
}

void QuadCursor::start_in_memory() {
  memory_->pos = pattern_.descending ? memory_->end : memory_->begin;
  settle_in_memory();
}

void QuadCursor::settle_in_memory() {
  Memory& m = *memory_;
  const auto& quads = m.range->quads;
  for (uint32_t walked = 0; pattern_.descending ? m.pos > m.begin : m.pos < m.end;
       pattern_.descending ? --m.pos : ++m.pos) {
    if (++walked % kKeysBetweenChecks == 0) check_stop();
    const Quad& q = quads[pattern_.descending ? m.pos - 1 : m.pos];
    if (matches(q)) {
      quad_ = q;
      valid_ = true;
      return;
    }
  }
  valid_ = false;
}

// The scan read its whole prefix: what it recorded goes to the cache, if it is worth a range.
void QuadCursor::finish_recording() {
  Memory& m = *memory_;
  if (m.recording && m.recorded.size() >= ScanCache::kMinQuads) {
    auto range = std::make_shared<CachedRange>();
    range->sequence = m.recording_sequence;
    range->quads = std::move(m.recorded);
    store_->scan_cache_->add(order_, prefix_, std::move(range));
  }
  m.recording = false;
  m.recorded.clear();
}

void QuadCursor::step() {
  if (pattern_.descending)
    it_->Prev();
  else
    it_->Next();
}

// Moves to the first entry from the iterator on (in the scan's direction) that matches the non-prefix bound
// positions.
void QuadCursor::settle() {
  for (uint32_t walked = 0; it_->Valid(); step()) {
    if (++walked % kKeysBetweenChecks == 0) check_stop();
    rocksdb::Slice key = it_->key();
    if (!key.starts_with(prefix_)) break;
    quad_ = keys::parse_quad_key(std::string_view(key.data(), key.size()), order_);
    if (Memory& m = *memory_; m.recording) {
      m.recorded.push_back(quad_);
      if (!store_->scan_cache_->fits(m.recorded.size())) {  // too large to keep
        m.recording = false;
        std::vector<Quad>().swap(m.recorded);
      }
    }
    if (pattern_.o_range && !pattern_.o && order_ == IndexOrder::POSG &&
        (pattern_.descending ? quad_.o < pattern_.o_range->first : quad_.o > pattern_.o_range->second))
      break;  // past the range
    if (matches(quad_)) {
      valid_ = true;
      return;
    }
  }
  if (!it_->status().ok()) throw StoreError("reading the store failed: " + it_->status().ToString());
  finish_recording();
  valid_ = false;
}

// ---------------------------------------------------------------------------------------------------------

IndexProbe::IndexProbe(std::unique_ptr<rocksdb::Iterator> it, IndexOrder order)
    : it_(std::move(it)), order_(order) {}
IndexProbe::IndexProbe(IndexProbe&&) noexcept = default;
IndexProbe::~IndexProbe() = default;

void IndexProbe::advance_to(const std::string& target) {
  // Nearby targets are cheaper to reach with a few Next() calls than with a fresh Seek().
  if (started_) {
    for (int steps = 0; steps < 8 && it_->Valid() && it_->key().compare(target) < 0; ++steps) it_->Next();
    if (!it_->Valid() || it_->key().compare(target) >= 0) {
      if (!it_->status().ok()) throw StoreError("reading the store failed: " + it_->status().ToString());
      return;
    }
  }
  started_ = true;
  it_->Seek(target);
  if (!it_->status().ok()) throw StoreError("reading the store failed: " + it_->status().ToString());
}

bool IndexProbe::contains(const Quad& q) {
  keys::quad_key(q, order_, key_);
  advance_to(key_);
  return it_->Valid() && it_->key() == key_;
}

bool IndexProbe::has_prefix(const Quad& q, size_t positions) {
  keys::quad_key(q, order_, key_);
  key_.resize(positions * 8);
  advance_to(key_);
  return it_->Valid() && it_->key().starts_with(key_);
}

uint64_t IndexProbe::count_prefix(const Quad& q, size_t positions, uint64_t limit) {
  if (!has_prefix(q, positions)) return 0;
  uint64_t n = 0;
  for (; n < limit && it_->Valid() && it_->key().starts_with(key_); ++n) it_->Next();
  if (!it_->status().ok()) throw StoreError("reading the store failed: " + it_->status().ToString());
  return n;
}

// ---------------------------------------------------------------------------------------------------------

namespace {

rocksdb::ColumnFamilyOptions index_cf_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = 32 * 1024;  // index keys are scanned, not probed: larger blocks compress better
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  return cf;
}

rocksdb::ColumnFamilyOptions terms_cf_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf = index_cf_options(cache);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = 16 * 1024;
  table.format_version = 5;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // collision checks probe absent ids
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

bool is_nonempty_directory(const fs::path& dir) {
  std::error_code ec;
  return fs::directory_iterator(dir, ec) != fs::directory_iterator();
}

constexpr const char* kChangesFamily = "changes";

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw StoreError(std::string(what) + ": " + s.ToString());
}

bool has_column_family(const fs::path& dir, const std::string& name) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names).ok()) return false;
  return std::find(names.begin(), names.end(), name) != names.end();
}

[[noreturn]] void fail_open(const fs::path& dir, const rocksdb::Status& s) {
  const std::string text = s.ToString();
  if (text.find("lock") != std::string::npos ||
      text.find("Resource temporarily unavailable") != std::string::npos)
    throw StoreError(
        "the store at " + dir.string() +
        " is in use by another process (it is locked): wait for that load or update to end; a "
        "quiver serve of it takes updates and loads over HTTP (quiver update --url, quiver load --url)");
  if (text.find("Permission denied") != std::string::npos)
    throw StoreError("cannot open the store at " + dir.string() + ": permission denied");
  throw StoreError("cannot open the store at " + dir.string() + ": " + text);
}

void check_dir(const fs::path& dir, bool create_if_missing, bool read_only) {
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      throw StoreError("cannot open the store at " + dir.string() + ": it is a file, not a directory");
    // Reading needs no write permission: a store shipped read-only can still be queried.
    if (access(dir.c_str(), read_only ? R_OK | X_OK : R_OK | W_OK | X_OK) != 0)
      throw StoreError("cannot open the store at " + dir.string() + ": permission denied" +
                       (read_only ? "" : " (writing needs write permission on the directory)"));
    if (!fs::exists(dir / "CURRENT") && is_nonempty_directory(dir))
      throw StoreError("cannot open the store at " + dir.string() +
                       ": the directory is not empty and holds no Quiver store");
  } else if (!create_if_missing) {
    throw StoreError("no store at " + dir.string() + " (the directory does not exist)");
  } else {
    fs::create_directories(dir, ec);
    if (ec) throw StoreError("cannot create the store directory " + dir.string() + ": " + ec.message());
  }
}

}  // namespace

std::string_view store_format_version() {
  return keys::kFormatVersion;
}

std::unique_ptr<Store> Store::open(const fs::path& dir, const StoreOptions& options) {
  check_dir(dir, options.create_if_missing && !options.read_only, options.read_only);
  const bool fresh = !fs::exists(dir / "CURRENT");

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 2;
  db_options.max_file_opening_threads =
      1;  // a pool of 16 threads per open cost more than the few files it opens

  auto cache = rocksdb::NewLRUCache(options.block_cache_mib << 20);
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, index_cf_options(cache));
  cfs.emplace_back("terms", terms_cf_options(cache));
  for (IndexOrder order : kIndexOrders) cfs.emplace_back(index_name(order), index_cf_options(cache));
  // A store made before the change log gets it at its next read-write open; read-only, it has none yet.
  if (!options.read_only || fresh || has_column_family(dir, kChangesFamily))
    cfs.emplace_back(kChangesFamily, index_cf_options(cache));

  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->options_ = options;
  store->term_cache_ = std::make_unique<TermCache>(options.term_cache_entries);
  if (options.scan_cache_mib) store->scan_cache_ = std::make_unique<ScanCache>(options.scan_cache_mib << 20);
  rocksdb::DB* db = nullptr;
  if (options.read_only && fresh) throw StoreError("no store at " + dir.string());
  rocksdb::Status s = options.read_only
                          ? rocksdb::DB::OpenForReadOnly(db_options, dir.string(), cfs, &store->handles_, &db)
                          : rocksdb::DB::Open(db_options, dir.string(), cfs, &store->handles_, &db);
  if (!s.ok()) fail_open(dir, s);
  store->db_.reset(db);
  store->meta_ = store->handles_[0];
  store->terms_ = store->handles_[1];
  for (size_t i = 0; i < 4; ++i) store->indexes_[i] = store->handles_[2 + i];
  if (store->handles_.size() > 6) store->changes_ = store->handles_[6];

  std::string version, bits;
  if (fresh) {
    store->hash_bits_ = options.hash_bits;
    rocksdb::WriteOptions w;
    w.sync = true;
    rocksdb::WriteBatch batch;
    batch.Put(store->meta_, keys::kFormatKey, keys::kFormatVersion);
    batch.Put(store->meta_, keys::kHashBitsKey, std::to_string(options.hash_bits));
    s = db->Write(w, &batch);
    if (!s.ok()) fail_open(dir, s);
  } else {
    s = db->Get({}, store->meta_, keys::kFormatKey, &version);
    if (!s.ok() || version != keys::kFormatVersion)
      throw StoreError("the store at " + dir.string() + " has format '" + (s.ok() ? version : "unknown") +
                       "'; this quiver reads '" + std::string(keys::kFormatVersion) + "'");
    db->Get({}, store->meta_, keys::kHashBitsKey, &bits);
    store->hash_bits_ = std::stoi(bits);
  }
  store->load_collisions();
  if (std::string sequence; db->Get({}, store->meta_, keys::kChangeSequenceKey, &sequence).ok())
    store->change_sequence_ = keys::get_u64(sequence);

  // Staging folders of bulk loads that never committed (killed or failed) are garbage now that we hold the
  // lock.
  if (options.read_only) return store;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().starts_with("staging-")) fs::remove_all(entry.path());
  return store;
}

Store::~Store() {
  if (db_) {
    if (!options_.read_only) merge_small_level0_files();
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

// A process that opens the store for one small update flushes what the previous one left in the log into
// a new level-0 file per column family, and exits before background compaction runs: level 0 would grow
// by a few files per update, and every read looks into each of them. So a closing writer merges a column
// family's small level-0 files into one once there are as many as would start a compaction. Large files
// (ingested change sets) are left to the regular compactions.
void Store::merge_small_level0_files() {
  constexpr uint64_t kSmallFile = 4 << 20;
  for (auto* cf : handles_) {
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(cf, &meta);
    if (meta.levels.empty()) continue;
    std::vector<std::string> small;
    for (const auto& file : meta.levels[0].files)
      if (file.size < kSmallFile && !file.being_compacted) small.push_back(file.db_path + file.name);
    const auto trigger = static_cast<size_t>(db_->GetOptions(cf).level0_file_num_compaction_trigger);
    if (small.size() < std::max<size_t>(trigger, 2)) continue;
    // Best effort: a failure leaves the files as they were, which is correct, only slower to read.
    (void)db_->CompactFiles(rocksdb::CompactionOptions(), cf, small, 0);
  }
}

void Store::load_collisions() {
  auto table = std::make_shared<CollisionTable>();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, meta_));
  const std::string prefix(1, keys::kCollisionPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    rocksdb::Slice k = it->key();
    (*table)[std::string(k.data() + 1, k.size() - 1)] = keys::get_u64(it->value().ToStringView());
  }
  std::lock_guard lock(collisions_mutex_);
  collisions_ = std::move(table);
}

bool Store::read_changes(uint64_t after, const std::function<void(uint64_t, TermId)>& each,
                         const Cancellation* stop) const {
  std::string trimmed;
  if (get(meta_, std::string(keys::kChangesTrimmedKey), &trimmed, {}) && keys::get_u64(trimmed) > after)
    return false;
  if (!changes_) return true;
  std::unique_ptr<rocksdb::Iterator> it(new_iterator(changes_, {}));
  uint32_t until_check = 0;
  for (it->Seek(keys::change_key(after + 1, 0)); it->Valid(); it->Next()) {
    if (stop && ++until_check % QuadCursor::kKeysBetweenChecks == 0) stop->check();
    const std::string_view key = it->key().ToStringView();
    each(keys::get_u64(key, 0), keys::get_u64(key, 8));
  }
  if (!it->status().ok()) throw StoreError("reading the change log failed: " + it->status().ToString());
  return true;
}

void Store::set_change_checkpoint(std::string_view consumer, uint64_t sequence) {
  if (options_.read_only) return;
  std::lock_guard lock(checkpoint_mutex_);
  std::string key(1, keys::kChangeCheckpointPrefix);
  key += consumer;
  check(db_->Put({}, meta_, key, keys::id_key(sequence)), "recording a change log checkpoint failed");
  // Entries up to the slowest consumer's checkpoint have been applied by everyone.
  uint64_t applied = sequence;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, meta_));
  const std::string prefix(1, keys::kChangeCheckpointPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    applied = std::min(applied, keys::get_u64(it->value().ToStringView()));
  std::string trimmed;
  if (get(meta_, std::string(keys::kChangesTrimmedKey), &trimmed, {}) && keys::get_u64(trimmed) >= applied)
    return;
  rocksdb::WriteBatch batch;
  check(batch.DeleteRange(changes_, keys::change_key(0, 0), keys::change_key(applied + 1, 0)),
        "trimming the change log failed");
  check(batch.Put(meta_, keys::kChangesTrimmedKey, keys::id_key(applied)), "trimming the change log failed");
  check(db_->Write({}, &batch), "trimming the change log failed");
}

bool Store::empty() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, indexes_[0]));
  it->SeekToFirst();
  return !it->Valid();
}

std::unique_ptr<rocksdb::Iterator> Store::new_iterator(rocksdb::ColumnFamilyHandle* cf, ReadSource source,
                                                       const rocksdb::Slice* upper_bound) const {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  ro.snapshot = source.snapshot;
  ro.iterate_upper_bound = upper_bound;
  std::unique_ptr<rocksdb::Iterator> base(db_->NewIterator(ro, cf));
  if (!source.batch) return base;
  return std::unique_ptr<rocksdb::Iterator>(source.batch->NewIteratorWithBase(cf, base.release()));
}

bool Store::get(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string* value,
                ReadSource source) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = source.snapshot;
  rocksdb::Status s = source.batch ? source.batch->GetFromBatchAndDB(db_.get(), ro, cf, key, value)
                                   : db_->Get(ro, cf, key, value);
  if (!s.ok() && !s.IsNotFound()) throw StoreError("reading the store failed: " + s.ToString());
  return s.ok();
}

QuadCursor Store::scan(const QuadPattern& pattern) const {
  return scan(pattern, {});
}

QuadCursor Store::scan(const QuadPattern& pattern, ReadSource source) const {
  QuadCursor cursor(*this, source);
  cursor.seek(pattern);
  return cursor;
}

uint64_t Store::estimate_matches(const QuadPattern& pattern) const {
  return estimate_matches(pattern, {});
}

uint64_t Store::estimate_matches(const QuadPattern& pattern, ReadSource source) const {
  constexpr uint64_t kExactUpTo = 1000;
  QuadCursor cursor = scan(pattern, source);
  uint64_t n = 0;
  for (; cursor.valid() && n < kExactUpTo; cursor.next()) ++n;
  if (!cursor.valid()) return n;
  rocksdb::ColumnFamilyHandle* cf = indexes_[static_cast<int>(cursor.order())];
  std::string lo = cursor.prefix_, hi = keys::prefix_end(lo);
  if (pattern.o_range && !pattern.o && pattern.p && !pattern.s) {  // the object interval's keys under p
    const auto [first, last] = *pattern.o_range;
    keys::put_u64(lo, first);
    if (last != ~TermId{0}) {
      hi = cursor.prefix_;
      keys::put_u64(hi, last + 1);
    }
  }
  const std::string everything_hi(keys::kQuadKeySize + 1, '\xff');
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  rocksdb::Range ranges[2] = {{lo, hi}, {"", everything_hi}};
  uint64_t sizes[2] = {0, 0}, keys_in_index = 0;
  if (!db_->GetApproximateSizes(options, cf, ranges, 2, sizes).ok() || sizes[1] == 0 ||
      !db_->GetIntProperty(cf, "rocksdb.estimate-num-keys", &keys_in_index))
    return n;
  const double share = static_cast<double>(sizes[0]) / static_cast<double>(sizes[1]);
  return std::max<uint64_t>(n, static_cast<uint64_t>(share * static_cast<double>(keys_in_index)));
}

bool Store::contains(const Quad& q) const {
  return contains(q, {});
}

bool Store::contains(const Quad& q, ReadSource source) const {
  std::string key, value;
  keys::quad_key(q, IndexOrder::SPOG, key);
  return get(indexes_[0], key, &value, source);
}

bool Store::graph_created(TermId g, ReadSource source) const {
  std::string value;
  return get(meta_, keys::stat_key(keys::kCreatedGraphPrefix, g), &value, source);
}

IndexProbe Store::probe(IndexOrder order) const {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  return IndexProbe(
      std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro, indexes_[static_cast<int>(order)])), order);
}

std::optional<TermId> Store::find(const Term& term) const {
  return find(term, {});
}

std::optional<TermId> Store::find(const Term& term, ReadSource source) const {
  if (auto id = inline_id(term.view())) return id;  // without the encoder's copy of the collision table
  std::string encoded;
  TermId id = encoder().encode(term.view(), encoded);
  if (encoded.empty()) return id;
  std::string stored;
  if (get(terms_, keys::id_key(id), &stored, source) && same_term(stored, encoded)) return id;
  return std::nullopt;
}

std::optional<Term> Store::term(TermId id) const {
  return term(id, {});
}

// The shared term cache holds committed terms only: a transaction's new terms may yet be rolled back.
std::optional<Term> Store::term(TermId id, ReadSource source) const {
  if (is_inline(id)) return decode_inline(id);
  if (auto cached = term_cache_->find(id)) return cached;
  std::string stored;
  Term t;
  if (!get(terms_, keys::id_key(id), &stored, source) || !decode_term(stored, t)) return std::nullopt;
  if (!source.batch) term_cache_->insert(id, t);
  return t;
}

std::vector<std::optional<Term>> Store::terms(const std::vector<TermId>& ids) const {
  return terms(ids, {});
}

std::vector<std::optional<Term>> Store::terms(const std::vector<TermId>& ids, ReadSource source) const {
  std::vector<std::optional<Term>> out(ids.size());
  std::vector<TermId> missing;
  std::vector<size_t> where;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (is_inline(ids[i])) {
      out[i] = decode_inline(ids[i]);
    } else if (!(out[i] = term_cache_->find(ids[i]))) {
      missing.push_back(ids[i]);
      where.push_back(i);
    }
  }
  if (missing.empty()) return out;
  auto bytes = dictionary_bytes(missing, source);
  for (size_t k = 0; k < missing.size(); ++k) {
    Term t;
    if (!bytes[k] || !decode_term(*bytes[k], t)) continue;
    if (!source.batch) term_cache_->insert(missing[k], t);
    out[where[k]] = std::move(t);
  }
  return out;
}

std::vector<std::optional<std::string>> Store::dictionary_bytes(const std::vector<TermId>& ids) const {
  return dictionary_bytes(ids, {});
}

std::vector<std::optional<std::string>> Store::dictionary_bytes(const std::vector<TermId>& ids,
                                                                ReadSource source) const {
  std::vector<std::string> key_storage;
  key_storage.reserve(ids.size());
  for (TermId id : ids) key_storage.push_back(keys::id_key(id));
  std::vector<rocksdb::Slice> key_slices(key_storage.begin(), key_storage.end());
  std::vector<rocksdb::PinnableSlice> values(ids.size());
  std::vector<rocksdb::Status> statuses(ids.size());
  rocksdb::ReadOptions ro;
  ro.snapshot = source.snapshot;
  if (source.batch)
    source.batch->MultiGetFromBatchAndDB(db_.get(), ro, terms_, ids.size(), key_slices.data(), values.data(),
                                         statuses.data(), false);
  else
    db_->MultiGet(ro, terms_, ids.size(), key_slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (statuses[i].ok())
      out[i] = values[i].ToString();
    else if (!statuses[i].IsNotFound())
      throw StoreError("reading the term dictionary failed: " + statuses[i].ToString());
  }
  return out;
}

Statistics Store::statistics() const {
  return statistics({});
}

Statistics Store::statistics(ReadSource source) const {
  Statistics stats;
  std::unique_ptr<rocksdb::Iterator> it = new_iterator(meta_, source);
  for (char prefix : {keys::kGraphStatPrefix, keys::kPredicateStatPrefix}) {
    const std::string p(1, prefix);
    for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
      std::string_view k = it->key().ToStringView(), v = it->value().ToStringView();
      if (k.size() != 9) continue;
      TermId id = keys::get_u64(k, 1);
      if (prefix == keys::kGraphStatPrefix) {
        stats.graphs[id] = keys::get_u64(v);
        stats.quads += keys::get_u64(v);
      } else {
        stats.predicates[id] = {keys::get_u64(v, 0), keys::get_u64(v, 8), keys::get_u64(v, 16)};
      }
    }
  }
  return stats;
}

Store::StatisticsChange::StatisticsChange(const Store& store) : store_(store) {
  store_.statistics_cache_.begin_change();
}

Store::StatisticsChange::~StatisticsChange() {
  store_.statistics_cache_.end_change(store_.db_->GetLatestSequenceNumber());
}

std::shared_ptr<const Statistics> Store::shared_statistics(ReadSource source) const {
  // A read-only store never changes; otherwise the snapshot says which state the reader sees.
  const bool shareable = !source.batch && (options_.read_only || source.snapshot);
  if (!shareable) return std::make_shared<const Statistics>(statistics(source));
  const uint64_t sequence = source.snapshot ? source.snapshot->GetSequenceNumber() : 0;
  if (auto known = statistics_cache_.find(sequence)) return known;
  auto read = std::make_shared<const Statistics>(statistics(source));
  statistics_cache_.offer(sequence, read);
  return read;
}

StorageFigures Store::storage_figures() const {
  StorageFigures figures;
  uint64_t value = 0;
  for (rocksdb::ColumnFamilyHandle* cf : handles_) {
    if (db_->GetIntProperty(cf, rocksdb::DB::Properties::kTotalSstFilesSize, &value))
      figures.disk_bytes += value;
    if (db_->GetIntProperty(cf, rocksdb::DB::Properties::kCurSizeAllMemTables, &value))
      figures.memtable_bytes += value;
  }
  if (db_->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &value))
    figures.block_cache_bytes = value;
  if (scan_cache_) figures.scan_cache_bytes = scan_cache_->used_bytes();
  return figures;
}

ReadView::ReadView(const Store& store, const Cancellation* stop) : store_(store) {
  // A store opened read-only never changes under its readers: no snapshot to hold.
  if (!store.options_.read_only) source_.snapshot = store.db_->GetSnapshot();
  source_.stop = stop;
}

ReadView::ReadView(const Store& store, rocksdb::WriteBatchWithIndex* batch) : store_(store) {
  source_.batch = batch;
}

ReadView::~ReadView() {
  if (source_.snapshot) store_.db_->ReleaseSnapshot(source_.snapshot);
}

const Statistics& ReadView::statistics() const {
  if (!statistics_) statistics_ = store_.shared_statistics(source_);
  return *statistics_;
}

bool ReadView::graph_exists(TermId g) const {
  return statistics().graph_holds_quads_or_is_default(g) || store_.graph_created(g, source_);
}

std::unique_ptr<BulkIngest> Store::begin_bulk_ingest() {
  if (options_.read_only) throw StoreError("the store at " + dir_.string() + " was opened read-only");
  return std::unique_ptr<BulkIngest>(new BulkIngest(*this, new_staging_folder()));
}

fs::path Store::new_staging_folder() const {
  static std::atomic<uint64_t> counter{0};
  return dir_ / ("staging-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
}

}  // namespace quiver
