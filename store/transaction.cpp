#include "store/transaction.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <algorithm>

#include "store/keys.h"

namespace quiver {
namespace {

constexpr uint32_t kMaxProbes = 64;

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw StoreError(std::string(what) + ": " + s.ToString());
}

}  // namespace

std::unique_ptr<Transaction> Store::begin_transaction() {
  if (options_.read_only) throw StoreError("the store at " + dir_.string() + " was opened read-only");
  return std::unique_ptr<Transaction>(new Transaction(*this));
}

Transaction::Transaction(Store& store)
    : store_(store),
      lock_(store.writer_mutex_),
      batch_(std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0, true)),
      view_(new ReadView(store, batch_.get())) {}

Transaction::~Transaction() = default;

size_t Transaction::pending_bytes() const {
  // The batch's bytes plus its index: a skip-list node per entry.
  return batch_->GetWriteBatch()->GetDataSize() + batch_->GetWriteBatch()->Count() * 64;
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
    if (store_.get(store_.terms_, keys::id_key(candidate), &stored, view_->source_)) {
      if (stored == encoded) return candidate;
      continue;  // another term holds this id: a collision, try the next probe
    }
    check(batch_->Put(store_.terms_, keys::id_key(candidate), encoded), "adding a term failed");
    if (probe > 0) {
      new_collisions_[encoded] = candidate;
      check(batch_->Put(store_.meta_, keys::kCollisionPrefix + encoded, keys::id_key(candidate)),
            "recording a term collision failed");
    }
    return candidate;
  }
  throw StoreError("no free term id left for a term (the term hash space is exhausted)");
}

void Transaction::put_index_keys(const Quad& q, bool erase) {
  std::string key;
  for (IndexOrder order : kIndexOrders) {
    if (order == IndexOrder::GSPO && q.g == kDefaultGraph) continue;  // GSPO holds named graphs only
    keys::quad_key(q, order, key);
    rocksdb::ColumnFamilyHandle* cf = store_.indexes_[static_cast<int>(order)];
    check(erase ? batch_->Delete(cf, key) : batch_->Put(cf, key, rocksdb::Slice()),
          "writing an index failed");
  }
}

void Transaction::count(const Quad& q, int delta) {
  triples_delta_[q.p] += delta;
  graph_delta_[q.g] += delta;
  touched_sp_.emplace_back(q.s, q.p);
  touched_po_.emplace_back(q.p, q.o);
  (delta > 0 ? changes_[q.g].inserted : changes_[q.g].deleted) += 1;
  // Keep the view's statistics current: GRAPH ?g ranges over the graphs they list.
  Statistics& stats = const_cast<Statistics&>(view_->statistics());
  stats.quads += delta;
  stats.graphs[q.g] += delta;
  stats.predicates[q.p].triples += delta;
}

bool Transaction::insert(const Quad& q) {
  if (view_->contains(q)) return false;
  put_index_keys(q, false);
  count(q, +1);
  return true;
}

bool Transaction::remove(const Quad& q) {
  if (!view_->contains(q)) return false;
  put_index_keys(q, true);
  count(q, -1);
  return true;
}

bool Transaction::graph_exists(TermId g) const {
  if (g == kDefaultGraph) return true;
  auto it = view_->statistics().graphs.find(g);
  if (it != view_->statistics().graphs.end() && it->second > 0) return true;
  std::string value;
  return store_.get(store_.meta_, keys::stat_key(keys::kCreatedGraphPrefix, g), &value, view_->source_);
}

void Transaction::create_graph(TermId g) {
  check(batch_->Put(store_.meta_, keys::stat_key(keys::kCreatedGraphPrefix, g), ""),
        "creating a graph failed");
}

void Transaction::forget_graph(TermId g) {
  check(batch_->Delete(store_.meta_, keys::stat_key(keys::kCreatedGraphPrefix, g)),
        "dropping a graph failed");
}

// Per predicate: the change in distinct subjects and in distinct objects. A pair counts before if the
// store had it, after if the store with the pending writes has it: exact whatever the mix of changes.
std::map<TermId, std::pair<int64_t, int64_t>> Transaction::distinct_deltas() const {
  std::map<TermId, std::pair<int64_t, int64_t>> out;
  auto measure = [&](std::vector<std::pair<TermId, TermId>> pairs, IndexOrder order, bool subjects) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    rocksdb::ColumnFamilyHandle* cf = store_.indexes_[static_cast<int>(order)];
    auto before = store_.new_iterator(cf, {});
    auto after = store_.new_iterator(cf, view_->source_);
    std::string prefix;
    for (auto [a, b] : pairs) {
      prefix.clear();
      keys::put_u64(prefix, a);
      keys::put_u64(prefix, b);
      auto has = [&](rocksdb::Iterator& it) {
        it.Seek(prefix);
        return it.Valid() && it.key().starts_with(prefix);
      };
      const int64_t change = int64_t{has(*after)} - int64_t{has(*before)};
      const TermId p = subjects ? b : a;
      (subjects ? out[p].first : out[p].second) += change;
    }
  };
  measure(touched_sp_, IndexOrder::SPOG, true);
  measure(touched_po_, IndexOrder::POSG, false);
  return out;
}

void Transaction::commit(bool sync) {
  if (committed_) throw StoreError("the transaction was committed already");
  const Statistics base = store_.statistics();
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
      check(batch_->Delete(store_.meta_, key), "writing statistics failed");
      continue;
    }
    std::string value = keys::id_key(s.triples);
    keys::put_u64(value, s.distinct_subjects);
    keys::put_u64(value, s.distinct_objects);
    check(batch_->Put(store_.meta_, key, value), "writing statistics failed");
  }
  for (auto& [g, delta] : graph_delta_) {
    uint64_t n = 0;
    if (auto it = base.graphs.find(g); it != base.graphs.end()) n = it->second;
    n += delta;
    const std::string key = keys::stat_key(keys::kGraphStatPrefix, g);
    check(n == 0 ? batch_->Delete(store_.meta_, key) : batch_->Put(store_.meta_, key, keys::id_key(n)),
          "writing statistics failed");
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  check(store_.db_->Write(options, batch_->GetWriteBatch()), "committing the update failed");
  committed_ = true;
  if (!new_collisions_.empty()) store_.load_collisions();
}

}  // namespace quiver
