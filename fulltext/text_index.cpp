// Keeping the index in step with the store: open, catch_up (the change log), rebuild (a snapshot).
#include "fulltext/text_index.h"

#include <xapian.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "fulltext/documents.h"
#include "store/work_queue.h"

namespace quiver::fulltext {
namespace fs = std::filesystem;

namespace {

constexpr const char* kConsumer = "fulltext";
// The index is not synced to disk: the store's change log is, and the index is made again from it. (A kill
// loses nothing the operating system holds; after a power loss an index that cannot be opened is rebuilt.)
constexpr int kNoSync = Xapian::DB_NO_SYNC;
// Changes of more subjects than this (and than half the index) rebuild the index instead.
constexpr size_t kRebuildAbove = 10'000;

// Writes subjects' documents as a ValueReader hands them over, then commits them with the sequence they
// reflect and the fields (predicates) they use.
class DocumentWriter {
 public:
  DocumentWriter(Xapian::WritableDatabase& db, const std::function<void(uint64_t)>& progress)
      : db_(db), progress_(progress) {
    for (TermId p : indexed_fields(db)) fields_.insert(p);
  }

  void write(ValueReader& reader) {
    reader.flush([&](TermId subject, const std::vector<TextValue>& values) {
      for (const TextValue& v : values) fields_.insert(v.predicate);
      if (values.empty())
        db_.delete_document(subject_term(subject));
      else
        db_.replace_document(subject_term(subject), make_document(subject, values));
      ++done_;
    });
    if (progress_) progress_(done_);
  }

  void commit(uint64_t sequence) {
    record_fields(db_, {fields_.begin(), fields_.end()});
    db_.set_metadata(kAppliedSequenceKey, std::to_string(sequence));
    db_.commit();
  }

 private:
  Xapian::WritableDatabase& db_;
  const std::function<void(uint64_t)>& progress_;
  std::set<TermId> fields_;
  uint64_t done_ = 0;
};

// The documents of every subject of a snapshot of the store, made into a new database at `path`: one
// thread reads the store while the others make and add documents, each into a database of its own, which
// are then merged. Xapian adds documents to one database on one thread only, and adding is most of the
// work. Returns the fields (predicates) the documents use.
std::vector<TermId> build_in_parallel(const Store& store, const fs::path& path,
                                      const std::function<void(uint64_t)>& progress) {
  using Batch = std::vector<std::pair<TermId, std::vector<TextValue>>>;
  // Threads and a merge pay off for large stores only.
  const size_t builders = store.statistics().quads < 1'000'000
                              ? 1
                              : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  WorkQueue<Batch> queue(2 * builders);
  std::vector<std::set<TermId>> fields(builders);
  std::vector<fs::path> parts;
  std::mutex failure_mutex;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < builders; ++i) {
    parts.push_back(builders == 1 ? path : fs::path(path.string() + "." + std::to_string(i)));
    threads.emplace_back([&, i] {
      try {
        Xapian::WritableDatabase db(parts[i].string(), Xapian::DB_CREATE_OR_OVERWRITE | kNoSync);
        while (auto batch = queue.pop())
          for (const auto& [subject, values] : *batch) {
            if (values.empty()) continue;  // literals, none of them strings: no document
            for (const TextValue& v : values) fields[i].insert(v.predicate);
            db.add_document(make_document(subject, values));
          }
        db.commit();
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        queue.close(true);
      }
    });
  }
  auto finish = [&] {
    queue.close();
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
  };
  try {
    const ReadView view(store);
    ValueReader reader(store);
    uint64_t done = 0;
    auto hand_over = [&] {
      Batch batch;
      reader.flush(
          [&](TermId subject, const std::vector<TextValue>& values) { batch.emplace_back(subject, values); });
      done += batch.size();
      queue.push(std::move(batch));
      if (progress) progress(done);
    };
    TermId current = 0;
    for (QuadCursor cursor = view.scan({}); cursor.valid(); cursor.next()) {
      const Quad& q = cursor.quad();
      if (!may_be_text(q.o)) continue;
      if (q.s != current) {
        if (reader.full()) hand_over();
        reader.begin_subject(q.s);
        current = q.s;
      }
      reader.add(q);
    }
    hand_over();
  } catch (...) {
    queue.close(true);
    for (auto& t : threads) t.join();
    throw;
  }
  finish();
  if (builders > 1) {
    Xapian::Database all;
    for (const fs::path& part : parts) all.add_database(Xapian::Database(part.string()));
    all.compact(path.string());
    for (const fs::path& part : parts) fs::remove_all(part);
  }
  std::set<TermId> used;
  for (const auto& f : fields) used.insert(f.begin(), f.end());
  return {used.begin(), used.end()};
}

}  // namespace

// The index's one writable handle, held while the store is open read-write.
class TextIndex::Writer {
 public:
  explicit Writer(const fs::path& dir) : db(dir.string(), Xapian::DB_CREATE_OR_OPEN | kNoSync) {}
  Xapian::WritableDatabase db;
};

std::unique_ptr<TextIndex> TextIndex::open(Store& store, const fs::path& dir) {
  std::unique_ptr<TextIndex> index(new TextIndex(store, dir));
  if (store.read_only()) return index;
  if (!fs::exists(dir)) {
    // Made when the first text arrives (catch_up), so that an empty store costs nothing. A store that has
    // data already (made before the index was, or whose index was removed) starts the index from its
    // state: the change log may not reach back to its first statement.
    if (!store.empty()) index->rebuild();
    return index;
  }
  try {
    index->catch_up();
  } catch (const Xapian::DatabaseCorruptError&) {  // the index is derived data: made again
    index->rebuild();
  }
  return index;
}

TextIndex::TextIndex(Store& store, fs::path dir) : store_(store), dir_(std::move(dir)) {}

TextIndex::~TextIndex() = default;

void TextIndex::catch_up(const std::function<void(uint64_t)>& progress) {
  std::lock_guard lock(writer_mutex_);
  if (store_.read_only() || (!writer_ && !fs::exists(dir_) && store_.change_sequence() == 0)) return;
  Xapian::WritableDatabase& db = writer().db;
  const uint64_t applied = applied_sequence(db);
  const uint64_t target = store_.change_sequence();
  if (target == applied) return;
  std::vector<TermId> subjects;
  uint64_t last = applied;
  const bool reaches = store_.read_changes(applied, [&](uint64_t sequence, TermId subject) {
    subjects.push_back(subject);
    last = sequence;
  });
  if (!reaches) return rebuild_in_turn(progress);
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  // Replacing a document looks its subject up first, and each subject is sought in the store: past about
  // half the index (a first load, say), making it again from one walk of the store is the faster way.
  if (subjects.size() > kRebuildAbove && subjects.size() > db.get_doccount() / 2)
    return rebuild_in_turn(progress);
  ValueReader reader(store_);
  DocumentWriter out(db, progress);
  QuadPattern by_subject;
  by_subject.s = subjects.empty() ? TermId{0} : subjects.front();
  QuadCursor cursor = store_.scan(by_subject);  // one cursor, sought again for each subject
  for (TermId subject : subjects) {
    reader.begin_subject(subject);
    by_subject.s = subject;
    for (cursor.seek(by_subject); cursor.valid(); cursor.next())
      if (may_be_text(cursor.quad().o)) reader.add(cursor.quad());
    if (reader.full()) out.write(reader);
  }
  out.write(reader);
  out.commit(last);
  store_.set_change_checkpoint(kConsumer, last);
}

TextIndex::Writer& TextIndex::writer() {
  if (!writer_) {
    try {
      writer_ = std::make_unique<Writer>(dir_);
    } catch (const Xapian::DatabaseCorruptError&) {
      throw;
    } catch (const Xapian::Error& e) {
      throw StoreError("cannot open the full-text index at " + dir_.string() + ": " + e.get_description());
    }
  }
  return *writer_;
}

void TextIndex::rebuild(const std::function<void(uint64_t)>& progress) {
  std::lock_guard lock(writer_mutex_);
  if (store_.read_only())
    throw SearchError("the store is open read-only: its full-text index cannot be rebuilt");
  rebuild_in_turn(progress);
}

void TextIndex::rebuild_in_turn(const std::function<void(uint64_t)>& progress) {
  // Every commit up to `sequence` is in the snapshot read below (it is taken after).
  const uint64_t sequence = store_.change_sequence();
  const fs::path fresh = fs::path(dir_.string() + ".new"), old = fs::path(dir_.string() + ".old");
  fs::remove_all(fresh);
  const std::vector<TermId> fields = build_in_parallel(store_, fresh, progress);
  {
    Xapian::WritableDatabase db(fresh.string(), Xapian::DB_OPEN | kNoSync);
    record_fields(db, fields);
    db.set_metadata(kAppliedSequenceKey, std::to_string(sequence));
    db.commit();
  }
  // Swapped in by renames: a reader opening meanwhile retries (search()).
  writer_.reset();
  fs::remove_all(old);
  if (fs::exists(dir_)) fs::rename(dir_, old);
  fs::rename(fresh, dir_);
  fs::remove_all(old);
  store_.set_change_checkpoint(kConsumer, sequence);
}

IndexStatus TextIndex::status() const {
  IndexStatus status;
  status.store_sequence = store_.change_sequence();
  try {
    Xapian::Database db(dir_.string());
    status.documents = db.get_doccount();
    status.applied_sequence = applied_sequence(db);
  } catch (const Xapian::DatabaseOpeningError&) {  // none yet (a read-only store)
  }
  return status;
}

}  // namespace quiver::fulltext
