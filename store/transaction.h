// An update transaction. Quad changes collect in a hash map (quad -> present before, present after), new
// terms and metadata in a plain RocksDB WriteBatch. An operation too large for memory streams its changes
// instead: they are staged in a sorter that spills to disk. commit() merges both in SPOG order against the
// store, settles the statistics from the net changes, and writes them, sorted per index, in one atomic step:
// one WriteBatch when they are few, SST files ingested at once when they are many. Until then the store is
// untouched: an error, a timeout or a kill leaves no trace. The request's later operations read the earlier
// ones' changes through view(): an overlay (a WriteBatchWithIndex) rebuilt when reads follow writes. Writers
// take turns (bulk ingestions included); readers are never blocked and keep their snapshots.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/store.h"

namespace rocksdb {
class WriteBatch;
}

namespace quiver {

struct QuadHash {
  size_t operator()(const Quad& q) const {
    uint64_t h = q.s * 0x9E3779B97F4A7C15ULL;
    h = (h ^ q.p) * 0xFF51AFD7ED558CCDULL;
    h = (h ^ q.o) * 0xC4CEB9FE1A85EC53ULL;
    return static_cast<size_t>((h ^ q.g) * 0x9E3779B97F4A7C15ULL >> 7);
  }
};

class Transaction {
 public:
  ~Transaction();  // without commit(), nothing reaches the store

  // The store with this transaction's changes so far. Call it again after writing: the view it returned
  // before does not see later writes.
  const ReadView& view();

  // The id of `term`, added to the dictionary when new (a hash collision gets a probed id).
  TermId intern(const Term& term);
  // The id of `term` if the store or this transaction has it (no read view needed).
  std::optional<TermId> find(const Term& term) const;
  // Adds a quad; false when it is there already.
  bool insert(const Quad& q);
  // Removes a quad; false when it is not there.
  bool remove(const Quad& q);
  // Many at once: whether each is stored is read in one sorted pass over the index, not one lookup each.
  void insert(std::vector<Quad> quads);
  void remove(std::vector<Quad> quads);

  // One operation's changes, streamed: staged (spilling to disk past the memory budget), then applied by
  // apply_staged(), deletes before inserts. When the operation is the request's last (`last`), they stay
  // staged and commit() merges them in; no quad may be read or written after that.
  void stage_remove(const Quad& q) { stage(q, false); }
  void stage_insert(const Quad& q) { stage(q, true); }
  void apply_staged(bool last);
  // Bytes the transaction may use to stage and sort changes before it spills them to disk.
  void set_memory_budget(size_t bytes) { memory_budget_ = bytes; }
  // The views this transaction hands out stop their long walks once `stop` says so.
  void set_cancellation(const Cancellation* stop) { stop_ = stop; }

  // The default graph always exists; a named graph while it has quads, or since CREATE GRAPH made it.
  bool graph_exists(TermId g);
  void create_graph(TermId g);
  void forget_graph(TermId g);                 // DROP: no longer exists once empty
  std::vector<TermId> created_graphs() const;  // graphs CREATE GRAPH made, empty or not

  struct GraphChange {
    uint64_t inserted = 0, deleted = 0;
  };
  // What commit() changed, per graph: net (a quad inserted and deleted again counts for nothing).
  const std::map<TermId, GraphChange>& changes() const { return changes_; }
  // Bytes of pending changes held in memory.
  size_t pending_bytes() const;

  // Applies everything atomically; with `sync`, the write-ahead log is on disk before this returns.
  // `stage`, when given, hears which step a long commit is at.
  void commit(bool sync, const std::function<void(const std::string&)>& stage = {});

 private:
  friend class Store;
  explicit Transaction(Store& store);
  void count(const Quad& q, int delta);
  void put_meta(const std::string& key, const std::string* value);
  void stage(const Quad& q, bool insert);
  bool has_new_term(const Quad& q) const;
  bool spilled() const;  // whether staged changes went to disk
  void check_open() const;
  class Writer;
  class BatchWriter;
  class IngestWriter;
  std::unique_ptr<Writer> writer(bool sync);
  // Calls `emit` with every quad whose presence the transaction changes, in SPOG order.
  void net_changes(const std::function<void(const Quad&, bool present)>& emit);
  void write_changes(Writer& out, const std::function<void(const std::string&)>& tell);

  Store& store_;
  std::unique_lock<std::mutex> lock_;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
  struct Presence {
    bool before, after;
  };
  Presence& presence(const Quad& q);       // looked up in the store on first touch
  void look_up(std::vector<Quad>& quads);  // sorts `quads` and records the stored presence of new ones
  std::unordered_map<Quad, Presence, QuadHash> pending_;  // quads touched by the transaction
  std::unordered_map<TermId, std::string> pending_terms_;
  std::map<std::string, std::optional<std::string>> pending_meta_;  // created-graph markers; nullopt: deleted
  std::map<std::string, TermId> new_collisions_;
  Statistics statistics_;  // the store's, with the changes so far (distinct counts settle at commit)
  std::map<TermId, GraphChange> changes_;  // net, settled at commit
  struct Staged;
  std::unique_ptr<Staged> staged_;
  bool sealed_ = false;  // the last operation's changes are staged
  size_t memory_budget_ = size_t{256} << 20;
  std::filesystem::path staging_;  // temporary files, made when first needed
  std::unique_ptr<rocksdb::WriteBatchWithIndex> overlay_;
  std::unique_ptr<ReadView> view_;
  const Cancellation* stop_ = nullptr;
  bool view_stale_ = true;
  bool committed_ = false;
};

}  // namespace quiver
