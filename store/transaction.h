// An update transaction. Changes collect in a RocksDB WriteBatchWithIndex; the transaction's own later
// operations read them back through view() (the store with the pending writes on top), and commit() applies
// them in one atomic write together with the statistics they change. Until commit() the store is untouched:
// an error, a timeout or a kill leaves no trace. Writers take turns (bulk ingestions included); readers are
// never blocked and keep their snapshots.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace quiver {

class Transaction {
 public:
  ~Transaction();  // without commit(), nothing reaches the store

  const ReadView& view() const { return *view_; }

  // The id of `term`, added to the dictionary when new (a hash collision gets a probed id).
  TermId intern(const Term& term);
  // Adds a quad; false when it is there already.
  bool insert(const Quad& q);
  // Removes a quad; false when it is not there.
  bool remove(const Quad& q);

  // The default graph always exists; a named graph while it has quads, or since CREATE GRAPH made it.
  bool graph_exists(TermId g) const;
  void create_graph(TermId g);
  void forget_graph(TermId g);  // DROP: no longer exists once empty

  struct GraphChange {
    uint64_t inserted = 0, deleted = 0;
  };
  const std::map<TermId, GraphChange>& changes() const { return changes_; }
  // Bytes of pending writes held in memory.
  size_t pending_bytes() const;

  // Applies everything atomically; with `sync`, the write-ahead log is on disk before this returns.
  void commit(bool sync);

 private:
  friend class Store;
  explicit Transaction(Store& store);
  void put_index_keys(const Quad& q, bool erase);
  void count(const Quad& q, int delta);
  std::map<TermId, std::pair<int64_t, int64_t>> distinct_deltas() const;

  Store& store_;
  std::unique_lock<std::mutex> lock_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  std::unique_ptr<ReadView> view_;
  std::map<TermId, int64_t> triples_delta_, graph_delta_;
  std::vector<std::pair<TermId, TermId>> touched_sp_, touched_po_;  // pairs whose distinct counts may change
  std::map<std::string, TermId> new_collisions_;
  std::map<TermId, GraphChange> changes_;
  bool committed_ = false;
};

}  // namespace quiver
