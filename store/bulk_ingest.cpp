#include "store/bulk_ingest.h"

#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>

#include <map>
#include <mutex>

#include "store/change_log.h"
#include "store/keys.h"

namespace quiver {
namespace fs = std::filesystem;

namespace {
constexpr size_t kTermSlot = 4;
constexpr size_t kMetaSlot = 5;
constexpr size_t kChangeSlot = 6;

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw StoreError(std::string(what) + ": " + s.ToString());
}
}  // namespace

struct BulkIngest::Slot {
  rocksdb::ColumnFamilyHandle* cf;
  fs::path path;
  std::unique_ptr<rocksdb::SstFileWriter> writer;
  uint64_t entries = 0;
  std::string key;  // per slot, so that different files can be written from different threads
};

BulkIngest::BulkIngest(Store& store, fs::path staging, bool take_writer_turn)
    : store_(store), staging_(std::move(staging)), lock_(store.writer_mutex_, std::defer_lock), log_(0) {
  if (take_writer_turn) lock_.lock();
  log_ = ChangeLogKeys(store_.change_sequence() + 1);  // in the writer's turn
  std::error_code ec;
  fs::create_directories(staging_, ec);
  if (ec) throw StoreError("cannot create the staging folder " + staging_.string() + ": " + ec.message());
  for (size_t i = 0; i < 7; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->cf = i < 4              ? store_.indexes_[i]
               : i == kTermSlot   ? store_.terms_
               : i == kChangeSlot ? store_.changes_
                                  : store_.meta_;
    slot->path = staging_ / (std::to_string(i) + ".sst");
    slots_.push_back(std::move(slot));
  }
}

BulkIngest::~BulkIngest() {
  for (auto& slot : slots_) slot->writer.reset();
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

rocksdb::SstFileWriter& BulkIngest::writer(size_t i) {
  Slot& slot = *slots_[i];
  if (!slot.writer) {
    rocksdb::Options options(rocksdb::DBOptions(), store_.db_->GetOptions(slot.cf));
    // Ingested files land in the bottom level when they overlap nothing, so give them its compression, at the
    // fastest ZSTD level: loading is CPU-bound, and compaction later rewrites at the column family's level.
    options.compression = options.bottommost_compression;
    options.bottommost_compression_opts.enabled = true;
    options.bottommost_compression_opts.level = 1;
    slot.writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options, slot.cf);
    check(slot.writer->Open(slot.path.string()), "cannot create a staging file for the load");
  }
  return *slot.writer;
}

void BulkIngest::add_term(TermId id, std::string_view encoded) {
  check(writer(kTermSlot).Put(keys::id_key(id), rocksdb::Slice(encoded.data(), encoded.size())),
        "writing the term dictionary failed");
  ++slots_[kTermSlot]->entries;
}

void BulkIngest::add_quad(IndexOrder order, const Quad& q) {
  write_quad(order, q, true);
}

void BulkIngest::remove_quad(IndexOrder order, const Quad& q) {
  write_quad(order, q, false);
}

void BulkIngest::write_quad(IndexOrder order, const Quad& q, bool present) {
  Slot& slot = *slots_[static_cast<size_t>(order)];
  keys::quad_key(q, order, slot.key);
  rocksdb::SstFileWriter& out = writer(static_cast<size_t>(order));
  check(present ? out.Put(slot.key, rocksdb::Slice()) : out.Delete(slot.key), "writing an index failed");
  ++slot.entries;
  if (order != IndexOrder::SPOG) return;
  if (const std::string* logged = log_.note(q)) {
    check(writer(kChangeSlot).Put(*logged, rocksdb::Slice()), "writing the change log failed");
    ++slots_[kChangeSlot]->entries;
  }
}

void BulkIngest::add_collision(std::string_view encoded, TermId id) {
  collisions_[std::string(encoded)] = id;
}

void BulkIngest::set_meta(const std::string& key, std::optional<std::string> value) {
  meta_[key] = std::move(value);
}

uint64_t BulkIngest::commit() {
  // Merge the delta into the current statistics; the meta file carries every changed value whole.
  Statistics current = store_.statistics();
  for (auto& [encoded, id] : collisions_) meta_[keys::kCollisionPrefix + encoded] = keys::id_key(id);
  for (auto& [g, count] : delta_.graphs)
    meta_[keys::stat_key(keys::kGraphStatPrefix, g)] = keys::id_key(current.graphs[g] + count);
  for (auto& [p, d] : delta_.predicates) {
    PredicateStats& c = current.predicates[p];
    std::string v = keys::id_key(c.triples + d.triples);
    keys::put_u64(v, c.distinct_subjects + d.distinct_subjects);
    keys::put_u64(v, c.distinct_objects + d.distinct_objects);
    meta_[keys::stat_key(keys::kPredicateStatPrefix, p)] = std::move(v);
  }
  if (log_.any()) meta_[std::string(keys::kChangeSequenceKey)] = keys::id_key(log_.sequence());
  for (auto& [k, v] : meta_)
    check(v ? writer(kMetaSlot).Put(k, *v) : writer(kMetaSlot).Delete(k), "writing statistics failed");
  if (!meta_.empty()) ++slots_[kMetaSlot]->entries;

  std::vector<rocksdb::IngestExternalFileArg> args;
  uint64_t bytes = 0;
  for (auto& slot : slots_) {
    if (!slot->writer) continue;
    rocksdb::ExternalSstFileInfo info;
    if (slot->entries == 0) continue;
    check(slot->writer->Finish(&info), "finishing a staging file failed");
    bytes += info.file_size;
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = slot->cf;
    arg.external_files = {slot->path.string()};
    arg.options.move_files = true;
    arg.options.snapshot_consistency = true;
    arg.options.allow_global_seqno = true;
    arg.options.allow_blocking_flush = true;
    args.push_back(std::move(arg));
  }
  if (!args.empty()) {
    const Store::StatisticsChange change(store_);
    check(store_.db_->IngestExternalFiles(args), "ingesting the load into the store failed");
  }
  if (!collisions_.empty()) store_.load_collisions();
  if (log_.any()) store_.change_sequence_.store(log_.sequence(), std::memory_order_release);
  return bytes;
}

}  // namespace quiver
