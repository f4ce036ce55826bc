#include "store/transaction.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <set>

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

}  // namespace

std::unique_ptr<Transaction> Store::begin_transaction() {
  if (options_.read_only) throw StoreError("the store at " + dir_.string() + " was opened read-only");
  return std::unique_ptr<Transaction>(new Transaction(*this));
}

Transaction::Transaction(Store& store)
    : store_(store),
      lock_(store.writer_mutex_),
      batch_(std::make_unique<rocksdb::WriteBatch>()),
      statistics_(store.statistics()) {}

Transaction::~Transaction() = default;

const ReadView& Transaction::view() {
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
    view_->statistics_ = statistics_;
    view_stale_ = false;
  }
  return *view_;
}

size_t Transaction::pending_bytes() const {
  return batch_->GetDataSize() + pending_.size() * 80 + pending_terms_.size() * 96 +
         (touched_sp_.size() + touched_po_.size()) * 16;
}

TermId Transaction::intern(const Term& term) {
  std::string encoded;
  const TermId id = store_.encoder().encode(term.view(), encoded);
  if (encoded.empty()) return id;  // inline literal
  if (auto it = new_collisions_.find(encoded); it != new_collisions_.end()) return it->second;
  for (uint32_t probe = 0; probe < kMaxProbes; ++probe) {
    const TermId candidate =
        probe == 0 ? id : hashed_id(term.kind, std::string_view(encoded), store_.hash_bits(), probe);
    std::string stored;
    if (auto it = pending_terms_.find(candidate); it != pending_terms_.end()) {
      if (it->second == encoded) return candidate;
      continue;
    }
    if (store_.get(store_.terms_, keys::id_key(candidate), &stored, {})) {
      if (stored == encoded) return candidate;
      continue;  // another term holds this id: a collision, try the next probe
    }
    check(batch_->Put(store_.terms_, keys::id_key(candidate), encoded), "adding a term failed");
    pending_terms_.emplace(candidate, encoded);
    if (probe > 0) {
      new_collisions_[encoded] = candidate;
      check(batch_->Put(store_.meta_, keys::kCollisionPrefix + encoded, keys::id_key(candidate)),
            "recording a term collision failed");
    }
    view_stale_ = true;
    return candidate;
  }
  throw StoreError("no free term id left for a term (the term hash space is exhausted)");
}

void Transaction::count(const Quad& q, int delta) {
  triples_delta_[q.p] += delta;
  graph_delta_[q.g] += delta;
  touched_sp_.emplace_back(q.s, q.p);
  touched_po_.emplace_back(q.p, q.o);
  (delta > 0 ? changes_[q.g].inserted : changes_[q.g].deleted) += 1;
  statistics_.quads += delta;
  statistics_.graphs[q.g] += delta;
  statistics_.predicates[q.p].triples += delta;
  view_stale_ = true;
}

Transaction::Presence& Transaction::presence(const Quad& q) {
  auto [it, fresh] = pending_.try_emplace(q, Presence{false, false});
  if (fresh) it->second.before = it->second.after = store_.contains(q, {});
  return it->second;
}

void Transaction::look_up(std::vector<Quad>& quads) {
  std::sort(quads.begin(), quads.end(),
            [](const Quad& a, const Quad& b) { return index_less(a, b, IndexOrder::SPOG); });
  quads.erase(std::unique(quads.begin(), quads.end()), quads.end());
  IndexProbe probe = store_.probe(IndexOrder::SPOG);
  for (const Quad& q : quads) {
    if (pending_.count(q)) continue;
    const bool stored = probe.contains(q);
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
  if (auto it = new_collisions_.find(encoded); it != new_collisions_.end()) return it->second;
  if (auto it = pending_terms_.find(id); it != pending_terms_.end() && it->second == encoded) return id;
  return store_.find(term, {});
}

bool Transaction::insert(const Quad& q) {
  Presence& p = presence(q);
  if (p.after) return false;
  p.after = true;
  count(q, +1);
  return true;
}

bool Transaction::remove(const Quad& q) {
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
  if (g == kDefaultGraph) return true;
  auto it = statistics_.graphs.find(g);
  if (it != statistics_.graphs.end() && it->second > 0) return true;
  const std::string key = keys::stat_key(keys::kCreatedGraphPrefix, g);
  if (auto m = pending_meta_.find(key); m != pending_meta_.end()) return m->second.has_value();
  std::string value;
  return store_.get(store_.meta_, key, &value, {});
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

// Per predicate: the change in distinct subjects and in distinct objects. A pair counts before if the
// store has it, after if a pending insert has it or a stored quad with it survives the pending deletes.
std::map<TermId, std::pair<int64_t, int64_t>> Transaction::distinct_deltas() const {
  using Pair = std::pair<TermId, TermId>;
  struct PairHash {
    size_t operator()(const Pair& p) const { return QuadHash()({p.first, p.second, 0, 0}); }
  };
  std::unordered_set<Pair, PairHash> inserted_sp, inserted_po;
  for (auto& [q, p] : pending_)
    if (p.after) inserted_sp.insert({q.s, q.p}), inserted_po.insert({q.p, q.o});

  std::map<TermId, std::pair<int64_t, int64_t>> out;
  auto measure = [&](std::vector<Pair> pairs, IndexOrder order, const auto& inserted, bool subjects) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    std::string prefix, end;
    rocksdb::Slice upper;  // the iterator stops at the pair's end: no walking over deletion markers
    auto it = store_.new_iterator(store_.indexes_[static_cast<int>(order)], {}, &upper);
    for (const Pair& pair : pairs) {
      prefix.clear();
      keys::put_u64(prefix, pair.first);
      keys::put_u64(prefix, pair.second);
      end = keys::prefix_end(prefix);
      upper = rocksdb::Slice(end);
      bool before = false, after = inserted.count(pair) > 0;
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        before = true;
        if (after) break;
        const Quad q = keys::parse_quad_key(it->key().ToStringView(), order);
        auto p = pending_.find(q);
        if (p == pending_.end() || p->second.after) {
          after = true;
          break;
        }
      }
      const TermId predicate = subjects ? pair.second : pair.first;
      (subjects ? out[predicate].first : out[predicate].second) += int64_t{after} - int64_t{before};
    }
  };
  measure(touched_sp_, IndexOrder::SPOG, inserted_sp, true);
  measure(touched_po_, IndexOrder::POSG, inserted_po, false);
  return out;
}

void Transaction::commit(bool sync, const std::function<void(const std::string&)>& stage) {
  if (committed_) throw StoreError("the transaction was committed already");
  auto tell = [&](const std::string& what) {
    if (stage) stage(what);
  };
  const Statistics base = store_.statistics();
  tell("settling statistics");
  const auto distinct = distinct_deltas();
  for (auto& [p, delta] : triples_delta_) {
    PredicateStats s;
    if (auto it = base.predicates.find(p); it != base.predicates.end()) s = it->second;
    const auto [subjects, objects] =
        distinct.count(p) ? distinct.at(p) : std::make_pair(int64_t{0}, int64_t{0});
    s.triples += delta;
    s.distinct_subjects += subjects;
    s.distinct_objects += objects;
    const std::string key = keys::stat_key(keys::kPredicateStatPrefix, p);
    if (s.triples == 0) {
      put_meta(key, nullptr);
      continue;
    }
    std::string value = keys::id_key(s.triples);
    keys::put_u64(value, s.distinct_subjects);
    keys::put_u64(value, s.distinct_objects);
    put_meta(key, &value);
  }
  for (auto& [g, delta] : graph_delta_) {
    uint64_t n = 0;
    if (auto it = base.graphs.find(g); it != base.graphs.end()) n = it->second;
    n += delta;
    const std::string key = keys::stat_key(keys::kGraphStatPrefix, g), value = keys::id_key(n);
    put_meta(key, n == 0 ? nullptr : &value);
  }
  // The net quad changes, index by index in key order: RocksDB's memtable inserts sorted keys far faster.
  std::vector<std::pair<Quad, bool>> changed;  // quad, present afterwards
  for (auto& [q, p] : pending_)
    if (p.before != p.after) changed.emplace_back(q, p.after);
  tell("writing " + std::to_string(changed.size()) + " quad changes to the indexes");
  std::string key;
  for (IndexOrder order : kIndexOrders) {
    std::sort(changed.begin(), changed.end(),
              [order](const auto& a, const auto& b) { return index_less(a.first, b.first, order); });
    rocksdb::ColumnFamilyHandle* cf = store_.indexes_[static_cast<int>(order)];
    for (const auto& [q, after] : changed) {
      if (order == IndexOrder::GSPO && q.g == kDefaultGraph) continue;  // GSPO holds named graphs only
      keys::quad_key(q, order, key);
      check(after ? batch_->Put(cf, key, rocksdb::Slice()) : batch_->Delete(cf, key),
            "writing an index failed");
    }
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  options.memtable_insert_hint_per_batch = true;
  tell("committing");
  check(store_.db_->Write(options, batch_.get()), "committing the update failed, so nothing was changed");
  committed_ = true;
  if (!new_collisions_.empty()) store_.load_collisions();
}

}  // namespace quiver
