// Atomic bulk ingestion: the loader writes sorted dictionary entries and sorted index keys into SST files,
// then commit() ingests all of them, with the updated statistics, in one RocksDB IngestExternalFiles call.
// Different files (index orders, terms) may be written from different threads at once. Until commit() the
// store is untouched; a failure or a kill leaves only a staging folder that the next
// open removes.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "store/change_log.h"
#include "store/store.h"

namespace rocksdb {
class SstFileWriter;
}

namespace quiver {

class BulkIngest {
 public:
  ~BulkIngest();  // removes the staging folder; without commit() nothing reaches the store

  // A folder for the loader's temporary files, removed with the ingestion.
  const std::filesystem::path& staging() const { return staging_; }

  // Entries must arrive in strictly increasing id order.
  void add_term(TermId id, std::string_view encoded);
  // Quads must arrive in strictly increasing order of that index.
  void add_quad(IndexOrder order, const Quad& q);
  // Quads must arrive in strictly increasing order of that index, mixed with add_quad's.
  void remove_quad(IndexOrder order, const Quad& q);
  // A term that collided under the hash, with the probed id it gets instead.
  void add_collision(std::string_view encoded, TermId id);
  // A metadata entry to write (nullopt: to delete), in any order.
  void set_meta(const std::string& key, std::optional<std::string> value);

  // Statistics of what this ingestion adds (new quads only), merged into the store's by commit().
  Statistics& delta() { return delta_; }

  // Ingests everything atomically and returns the number of bytes ingested.
  uint64_t commit();

 private:
  friend class Store;
  friend class Transaction;  // ingests its large change sets, holding the writer's turn already
  BulkIngest(Store& store, std::filesystem::path staging, bool take_writer_turn = true);
  rocksdb::SstFileWriter& writer(size_t slot);
  void write_quad(IndexOrder order, const Quad& q, bool present);

  Store& store_;
  std::filesystem::path staging_;
  struct Slot;
  std::vector<std::unique_ptr<Slot>> slots_;  // 0..3 indexes, 4 terms, 5 meta (collisions), 6 change log
  Statistics delta_;
  std::map<std::string, TermId> collisions_;
  std::map<std::string, std::optional<std::string>> meta_;
  std::unique_lock<std::mutex> lock_;
  ChangeLogKeys log_;  // the subjects of changed SPOG entries
};

}  // namespace quiver
