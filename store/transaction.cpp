#include "store/transaction.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <set>

#include "store/bulk_ingest.h"
#include "store/change_log.h"
#include "store/external_sort.h"
#include "store/keys.h"

namespace quiver {
namespace {

constexpr uint32_t kMaxProbes = 64;

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw StoreError(std::string(what) + ": " + s.ToString());
}

// Copies a WriteBatch's entries into an indexed batch, column family by column family.
class Replay : public rocksdb::WriteBatch::Handler {
 public:
  Replay(rocksdb::WriteBatchWithIndex& out, const std::map<uint32_t, rocksdb::ColumnFamilyHandle*>& cfs)
      : out_(out), cfs_(cfs) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return out_.Put(cfs_.at(cf), key, value);
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return out_.Delete(cfs_.at(cf), key);
  }

 private:
  rocksdb::WriteBatchWithIndex& out_;
  const std::map<uint32_t, rocksdb::ColumnFamilyHandle*>& cfs_;
};

struct Change {
  Quad q;
  bool present;  // staged: an insert (else a delete); once settled: whether the quad is there afterwards
};

// Changes in an index's order; for the same quad, a delete before an insert.
template <IndexOrder order>
struct ChangeLess {
  bool operator()(const Change& a, const Change& b) const {
    if (a.q == b.q) return a.present < b.present;
    return IndexLess<order>()(a.q, b.q);
  }
};

template <IndexOrder order>
using ChangeSorter = ExternalSorter<Change, ChangeLess<order>>;

// Past this many changes a commit ingests SST files instead of writing a batch: nothing to hold in memory,
// no write-ahead log to fill.
constexpr uint64_t kIngestAbove = 20'000;

struct PredicateDelta {
  int64_t triples = 0, subjects = 0, objects = 0;
};

// Settles how predicates' distinct subjects (SPOG pairs s,p) or distinct objects (POSG pairs p,o) change,
// from the net changes in that index's order. A pair exists before if the store has it; after if a change
// inserts it or a stored quad with it survives the deletes (every net delete removes a stored quad).
class DistinctPairs {
 public:
  // `new_terms`: ids the store does not hold yet, so no stored pair has them.
  DistinctPairs(IndexProbe probe, IndexOrder order, const std::unordered_map<TermId, std::string>& new_terms,
                std::map<TermId, PredicateDelta>& out, int64_t PredicateDelta::*count)
      : probe_(std::move(probe)), order_(order), new_terms_(new_terms), out_(out), count_(count) {}
  void add(const Quad& q, bool present) {
    if (open_ && !same_pair(q)) settle();
    if (!open_) {
      first_ = q;
      open_ = true;
      inserts_ = deletes_ = 0;
    }
    ++(present ? inserts_ : deletes_);
  }
  void finish() {
    if (open_) settle();
  }

 private:
  bool same_pair(const Quad& q) const {
    const auto a = permute(first_, order_), b = permute(q, order_);
    return a[0] == b[0] && a[1] == b[1];
  }
  void settle() {
    const auto ids = permute(first_, order_);
    const bool new_pair = new_terms_.count(ids[0]) || new_terms_.count(ids[1]);
    const uint64_t stored = new_pair ? 0 : probe_.count_prefix(first_, 2, deletes_ + 1);
    out_[first_.p].*count_ += int64_t{inserts_ > 0 || stored > deletes_} - int64_t{stored > 0};
    open_ = false;
  }

  IndexProbe probe_;
  IndexOrder order_;
  const std::unordered_map<TermId, std::string>& new_terms_;
  std::map<TermId, PredicateDelta>& out_;
  int64_t PredicateDelta::*count_;
  Quad first_;
  bool open_ = false;
  uint64_t inserts_ = 0, deletes_ = 0;
};

}  // namespace

struct Transaction::Staged : ChangeSorter<IndexOrder::SPOG> {
  using ExternalSorter::ExternalSorter;
};

// Where a commit writes, atomically either way.
class Transaction::Writer {
 public:
  virtual ~Writer() = default;
  virtual void quad(IndexOrder order, const Quad& q, bool present) = 0;
  virtual void meta(const std::string& key, const std::optional<std::string>& value) = 0;
  virtual void finish() = 0;
};

// Into the transaction's WriteBatch (which holds its terms and metadata already), written in one step.
class Transaction::BatchWriter : public Transaction::Writer {
 public:
  BatchWriter(Transaction& txn, bool sync) : txn_(txn), sync_(sync), log_(txn.store_.change_sequence() + 1) {}
  void quad(IndexOrder order, const Quad& q, bool present) override {
    keys::quad_key(q, order, key_);
    rocksdb::ColumnFamilyHandle* cf = txn_.store_.indexes_[static_cast<int>(order)];
    check(present ? txn_.batch_->Put(cf, key_, rocksdb::Slice()) : txn_.batch_->Delete(cf, key_),
          "writing an index failed");
    if (order != IndexOrder::SPOG) return;
    if (const std::string* logged = log_.note(q))
      check(txn_.batch_->Put(txn_.store_.changes_, *logged, rocksdb::Slice()),
            "writing the change log failed");
  }
  void meta(const std::string& key, const std::optional<std::string>& value) override {
    txn_.put_meta(key, value ? &*value : nullptr);
  }
  void finish() override {
    if (log_.any()) {
      const std::string sequence = keys::id_key(log_.sequence());
      txn_.put_meta(std::string(keys::kChangeSequenceKey), &sequence);
    }
    rocksdb::WriteOptions options;
    options.sync = sync_;
    options.memtable_insert_hint_per_batch = true;  // keys arrive sorted per index
    const Store::StatisticsChange change(txn_.store_);
    check(txn_.store_.db_->Write(options, txn_.batch_.get()), "writing the batch failed");
    if (log_.any()) txn_.store_.change_sequence_.store(log_.sequence(), std::memory_order_release);
  }

 private:
  Transaction& txn_;
  bool sync_;
  std::string key_;
  ChangeLogKeys log_;
};

// Into SST files ingested in one call; the ingestion is durable by itself.
class Transaction::IngestWriter : public Transaction::Writer {
 public:
  explicit IngestWriter(Transaction& txn) : ingest_(txn.store_, txn.staging_ / "ingest", false) {
    std::vector<std::pair<TermId, const std::string*>> terms;
    for (auto& [id, encoded] : txn.pending_terms_) terms.emplace_back(id, &encoded);
    std::sort(terms.begin(), terms.end());
    for (auto& [id, encoded] : terms) ingest_.add_term(id, *encoded);
    for (auto& [encoded, id] : txn.new_collisions_) ingest_.add_collision(encoded, id);
    for (auto& [key, value] : txn.pending_meta_) ingest_.set_meta(key, value);
  }
  void quad(IndexOrder order, const Quad& q, bool present) override {
    present ? ingest_.add_quad(order, q) : ingest_.remove_quad(order, q);
  }
  void meta(const std::string& key, const std::optional<std::string>& value) override {
    ingest_.set_meta(key, value);
  }
  void finish() override { ingest_.commit(); }

 private:
  BulkIngest ingest_;
};

std::unique_ptr<Transaction> Store::begin_transaction() {
  if (options_.read_only) throw StoreError("the store at " + dir_.string() + " was opened read-only");
  return std::unique_ptr<Transaction>(new Transaction(*this));
}

Transaction::Transaction(Store& store)
    : store_(store),
      lock_(store.writer_mutex_),
      batch_(std::make_unique<rocksdb::WriteBatch>()),
      statistics_(store.statistics()),
      staging_(store.new_staging_folder()) {}

Transaction::~Transaction() {
  staged_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(staging_, ignored);
}

void Transaction::check_open() const {
  if (sealed_)
    throw std::logic_error("the transaction's quads were read or written after its last operation");
}

const ReadView& Transaction::view() {
  check_open();
  if (view_stale_) {
    // Rebuilt from the batch only when reads follow writes: a request's operations read before they write.
    overlay_ = std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0, true);
    std::map<uint32_t, rocksdb::ColumnFamilyHandle*> cfs;
    for (auto* h : store_.handles_) cfs[h->GetID()] = h;
    Replay replay(*overlay_, cfs);
    check(batch_->Iterate(&replay), "reading back the pending changes failed");
    std::string key;
    for (auto& [q, presence] : pending_) {
      if (presence.before == presence.after) continue;
      for (IndexOrder order : kIndexOrders) {
        if (order == IndexOrder::GSPO && q.g == kDefaultGraph) continue;
        keys::quad_key(q, order, key);
        rocksdb::ColumnFamilyHandle* cf = store_.indexes_[static_cast<int>(order)];
        check(presence.after ? overlay_->Put(cf, key, rocksdb::Slice()) : overlay_->Delete(cf, key),
              "reading back the pending changes failed");
      }
    }
    view_.reset(new ReadView(store_, overlay_.get()));
    view_->source_.stop = stop_;
    view_->statistics_ = std::make_shared<const Statistics>(statistics_);
    view_stale_ = false;
  }
  return *view_;
}

size_t Transaction::pending_bytes() const {
  return batch_->GetDataSize() + pending_.size() * 80 + pending_terms_.size() * 96 +
         (staged_ ? staged_->memory_bytes() : 0);
}

bool Transaction::spilled() const {
  return staged_ && staged_->runs() > 0;
}

void Transaction::stage(const Quad& q, bool insert) {
  check_open();
  if (!staged_) staged_ = std::make_unique<Staged>(staging_, "staged", memory_budget_ / 2);
  staged_->add({q, insert});
}

void Transaction::apply_staged(bool last) {
  if (!staged_ || staged_->size() == 0) return;
  if (last) {
    sealed_ = true;
    return;
  }
  std::vector<Quad> deletes, inserts;
  staged_->drain([&](const Change& c) { (c.present ? inserts : deletes).push_back(c.q); });
  remove(std::move(deletes));
  insert(std::move(inserts));
}

TermId Transaction::intern(const Term& term) {
  std::string encoded;
  const TermId id = store_.encoder().encode(term.view(), encoded);
  if (encoded.empty()) return id;  // inline literal
  std::string scratch;
  const std::string identity(term_identity(encoded, scratch));
  if (auto it = new_collisions_.find(identity); it != new_collisions_.end()) return it->second;
  for (uint32_t probe = 0; probe < kMaxProbes; ++probe) {
    const TermId candidate = probe == 0 ? id : hashed_id(term.kind, identity, store_.hash_bits(), probe);
    std::string stored;
    if (auto it = pending_terms_.find(candidate); it != pending_terms_.end()) {
      if (same_term(it->second, encoded)) return candidate;
      continue;
    }
    if (store_.get(store_.terms_, keys::id_key(candidate), &stored, {})) {
      if (same_term(stored, encoded)) return candidate;
      continue;  // another term holds this id: a collision, try the next probe
    }
    check(batch_->Put(store_.terms_, keys::id_key(candidate), encoded), "adding a term failed");
    pending_terms_.emplace(candidate, encoded);
    if (probe > 0) {
      new_collisions_[identity] = candidate;
      check(batch_->Put(store_.meta_, keys::kCollisionPrefix + identity, keys::id_key(candidate)),
            "recording a term collision failed");
    }
    view_stale_ = true;
    return candidate;
  }
  throw StoreError("no free term id left for a term (the term hash space is exhausted)");
}

void Transaction::count(const Quad& q, int delta) {
  statistics_.quads += delta;
  statistics_.graphs[q.g] += delta;
  statistics_.predicates[q.p].triples += delta;
  view_stale_ = true;
}

// A quad with a term the store does not hold yet cannot be stored: no need to look.
bool Transaction::has_new_term(const Quad& q) const {
  for (TermId id : {q.s, q.p, q.o, q.g})
    if (pending_terms_.count(id)) return true;
  return false;
}

Transaction::Presence& Transaction::presence(const Quad& q) {
  auto [it, fresh] = pending_.try_emplace(q, Presence{false, false});
  if (fresh) it->second.before = it->second.after = !has_new_term(q) && store_.contains(q, {});
  return it->second;
}

void Transaction::look_up(std::vector<Quad>& quads) {
  std::sort(quads.begin(), quads.end(),
            [](const Quad& a, const Quad& b) { return index_less(a, b, IndexOrder::SPOG); });
  quads.erase(std::unique(quads.begin(), quads.end()), quads.end());
  IndexProbe probe = store_.probe(IndexOrder::SPOG);
  for (const Quad& q : quads) {
    if (pending_.count(q)) continue;
    const bool stored = !has_new_term(q) && probe.contains(q);
    pending_.emplace(q, Presence{stored, stored});
  }
}

void Transaction::insert(std::vector<Quad> quads) {
  look_up(quads);
  for (const Quad& q : quads) insert(q);
}

void Transaction::remove(std::vector<Quad> quads) {
  look_up(quads);
  for (const Quad& q : quads) remove(q);
}

std::optional<TermId> Transaction::find(const Term& term) const {
  std::string encoded;
  const TermId id = store_.encoder().encode(term.view(), encoded);
  if (encoded.empty()) return id;
  std::string scratch;
  if (auto it = new_collisions_.find(std::string(term_identity(encoded, scratch)));
      it != new_collisions_.end())
    return it->second;
  if (auto it = pending_terms_.find(id); it != pending_terms_.end() && same_term(it->second, encoded))
    return id;
  return store_.find(term, {});
}

bool Transaction::insert(const Quad& q) {
  check_open();
  Presence& p = presence(q);
  if (p.after) return false;
  p.after = true;
  count(q, +1);
  return true;
}

bool Transaction::remove(const Quad& q) {
  check_open();
  Presence& p = presence(q);
  if (!p.after) return false;
  p.after = false;
  count(q, -1);
  return true;
}

void Transaction::put_meta(const std::string& key, const std::string* value) {
  check(value ? batch_->Put(store_.meta_, key, *value) : batch_->Delete(store_.meta_, key),
        "writing the store's metadata failed");
  pending_meta_[key] = value ? std::optional<std::string>(*value) : std::nullopt;
  view_stale_ = true;
}

bool Transaction::graph_exists(TermId g) {
  if (statistics_.graph_holds_quads_or_is_default(g)) return true;
  const std::string key = keys::stat_key(keys::kCreatedGraphPrefix, g);
  if (auto m = pending_meta_.find(key); m != pending_meta_.end()) return m->second.has_value();
  return store_.graph_created(g, {});
}

std::vector<TermId> Transaction::created_graphs() const {
  std::set<TermId> out;
  const std::string prefix(1, keys::kCreatedGraphPrefix);
  auto it = store_.new_iterator(store_.meta_, {});
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    if (it->key().size() == 9) out.insert(keys::get_u64(it->key().ToStringView(), 1));
  for (auto& [key, value] : pending_meta_) {
    if (key.size() != 9 || key[0] != keys::kCreatedGraphPrefix) continue;
    const TermId g = keys::get_u64(key, 1);
    if (value)
      out.insert(g);
    else
      out.erase(g);
  }
  return {out.begin(), out.end()};
}

void Transaction::create_graph(TermId g) {
  const std::string empty;
  put_meta(keys::stat_key(keys::kCreatedGraphPrefix, g), &empty);
}

void Transaction::forget_graph(TermId g) {
  put_meta(keys::stat_key(keys::kCreatedGraphPrefix, g), nullptr);
}

void Transaction::net_changes(const std::function<void(const Quad&, bool present)>& emit) {
  // Earlier operations' changes, from the hash map, sorted; the last operation's, staged, merge in.
  std::vector<std::pair<Quad, Presence>> pending(pending_.begin(), pending_.end());
  decltype(pending_)().swap(pending_);
  std::sort(pending.begin(), pending.end(),
            [](const auto& a, const auto& b) { return IndexLess<IndexOrder::SPOG>()(a.first, b.first); });
  size_t next = 0;
  auto pending_until = [&](const Quad* q) {  // the pending changes before `q` (all, without one)
    for (; next < pending.size() && (!q || IndexLess<IndexOrder::SPOG>()(pending[next].first, *q)); ++next)
      if (pending[next].second.before != pending[next].second.after)
        emit(pending[next].first, pending[next].second.after);
  };
  if (staged_) {
    IndexProbe stored = store_.probe(IndexOrder::SPOG);
    std::optional<Quad> quad;
    bool deleted = false, inserted = false;
    auto settle = [&] {
      pending_until(&*quad);
      Presence presence;
      if (next < pending.size() && pending[next].first == *quad)
        presence = pending[next++].second;
      else
        presence.before = presence.after = !has_new_term(*quad) && stored.contains(*quad);
      const bool after = inserted || (presence.after && !deleted);  // deletes apply before inserts
      if (after != presence.before) emit(*quad, after);
    };
    staged_->drain([&](const Change& c) {
      if (quad && !(*quad == c.q)) {
        settle();
        deleted = inserted = false;
      }
      quad = c.q;
      (c.present ? inserted : deleted) = true;
    });
    if (quad) settle();
  }
  pending_until(nullptr);
}

// The net changes go to every index, sorted for each, and the statistics follow from them.
void Transaction::write_changes(Writer& out, const std::function<void(const std::string&)>& tell) {
  std::map<TermId, PredicateDelta> predicates;
  std::map<TermId, int64_t> graphs;
  DistinctPairs subjects(store_.probe(IndexOrder::SPOG), IndexOrder::SPOG, pending_terms_, predicates,
                         &PredicateDelta::subjects);
  DistinctPairs objects(store_.probe(IndexOrder::POSG), IndexOrder::POSG, pending_terms_, predicates,
                        &PredicateDelta::objects);
  const size_t sort_budget = memory_budget_ / 6;
  ChangeSorter<IndexOrder::POSG> posg(staging_, "posg", sort_budget);
  ChangeSorter<IndexOrder::OSPG> ospg(staging_, "ospg", sort_budget);
  ChangeSorter<IndexOrder::GSPO> gspo(staging_, "gspo", sort_budget);
  uint64_t changed = 0;
  tell("merging the changes");
  net_changes([&](const Quad& q, bool present) {
    const int delta = present ? 1 : -1;
    predicates[q.p].triples += delta;
    graphs[q.g] += delta;
    ++(present ? changes_[q.g].inserted : changes_[q.g].deleted);
    out.quad(IndexOrder::SPOG, q, present);
    subjects.add(q, present);
    posg.add({q, present});
    ospg.add({q, present});
    if (q.g != kDefaultGraph) gspo.add({q, present});  // GSPO holds named graphs only
    ++changed;
  });
  subjects.finish();
  tell("writing " + std::to_string(changed) + " quad changes to the indexes");
  posg.drain([&](const Change& c) {
    out.quad(IndexOrder::POSG, c.q, c.present);
    objects.add(c.q, c.present);
  });
  objects.finish();
  ospg.drain([&](const Change& c) { out.quad(IndexOrder::OSPG, c.q, c.present); });
  gspo.drain([&](const Change& c) { out.quad(IndexOrder::GSPO, c.q, c.present); });

  const Statistics base = store_.statistics();
  for (auto& [p, delta] : predicates) {
    PredicateStats s;
    if (auto it = base.predicates.find(p); it != base.predicates.end()) s = it->second;
    s.triples += delta.triples;
    s.distinct_subjects += delta.subjects;
    s.distinct_objects += delta.objects;
    std::string value = keys::id_key(s.triples);
    keys::put_u64(value, s.distinct_subjects);
    keys::put_u64(value, s.distinct_objects);
    out.meta(keys::stat_key(keys::kPredicateStatPrefix, p),
             s.triples == 0 ? std::nullopt : std::optional<std::string>(value));
  }
  for (auto& [g, delta] : graphs) {
    uint64_t n = delta;
    if (auto it = base.graphs.find(g); it != base.graphs.end()) n += it->second;
    out.meta(keys::stat_key(keys::kGraphStatPrefix, g),
             n == 0 ? std::nullopt : std::optional<std::string>(keys::id_key(n)));
  }
}

std::unique_ptr<Transaction::Writer> Transaction::writer(bool sync) {
  const uint64_t estimate = pending_.size() + (staged_ ? staged_->size() : 0);
  if (spilled() || estimate > kIngestAbove) return std::make_unique<IngestWriter>(*this);
  return std::make_unique<BatchWriter>(*this, sync);
}

void Transaction::commit(bool sync, const std::function<void(const std::string&)>& stage) {
  if (committed_) throw StoreError("the transaction was committed already");
  auto tell = [&](const std::string& what) {
    if (stage) stage(what);
  };
  try {
    std::unique_ptr<Writer> out = writer(sync);
    write_changes(*out, tell);
    tell("committing");
    out->finish();
  } catch (const std::exception& e) {
    throw StoreError(std::string("committing the update failed, so nothing was changed: ") + e.what());
  }
  committed_ = true;
  if (!new_collisions_.empty()) store_.load_collisions();
}

}  // namespace quiver
