// Keeping the index in step with the store: open, catch_up (the change log), rebuild (a snapshot).
#include "fulltext/text_index.h"

#include <xapian.h>

#include "fulltext/documents.h"

namespace quiver::fulltext {
namespace fs = std::filesystem;

namespace {

constexpr const char* kConsumer = "fulltext";

uint64_t applied_sequence(const Xapian::Database& db) {
  const std::string value = db.get_metadata(kAppliedSequenceKey);
  return value.empty() ? 0 : std::stoull(value);
}

// Writes the documents of subjects as a ValueReader hands them over.
void write_documents(Xapian::WritableDatabase& db, ValueReader& reader, uint64_t& done,
                     const std::function<void(uint64_t)>& progress) {
  reader.flush([&](TermId subject, const std::vector<TextValue>& values) {
    if (values.empty())
      db.delete_document(subject_term(subject));
    else
      db.replace_document(subject_term(subject), make_document(subject, values));
    ++done;
  });
  if (progress) progress(done);
}

}  // namespace

// The index's one writable handle, held while the store is open read-write.
class TextIndex::Writer {
 public:
  explicit Writer(const fs::path& dir) : db(dir.string(), Xapian::DB_CREATE_OR_OPEN) {}
  Xapian::WritableDatabase db;
};

std::unique_ptr<TextIndex> TextIndex::open(Store& store, const fs::path& dir) {
  std::unique_ptr<TextIndex> index(new TextIndex(store, dir));
  if (store.read_only()) return index;
  const bool fresh = !fs::exists(dir);
  try {
    index->writer_ = std::make_unique<Writer>(dir);
  } catch (const Xapian::Error& e) {
    throw StoreError("cannot open the full-text index at " + dir.string() + ": " + e.get_description());
  }
  // A new index of a store that has data (made before the index was, or the index was removed) starts
  // from the store's state: the change log may not reach back to the store's first statement.
  if (fresh && !store.empty())
    index->rebuild();
  else
    index->catch_up();
  return index;
}

TextIndex::TextIndex(Store& store, fs::path dir) : store_(store), dir_(std::move(dir)) {}

TextIndex::~TextIndex() = default;

void TextIndex::catch_up(const std::function<void(uint64_t)>& progress) {
  std::lock_guard lock(writer_mutex_);
  if (!writer_) return;
  Xapian::WritableDatabase& db = writer_->db;
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
  ValueReader reader(store_);
  QuadPattern by_subject;
  by_subject.s = subjects.empty() ? TermId{0} : subjects.front();
  QuadCursor cursor = store_.scan(by_subject);  // one cursor, sought again for each subject
  uint64_t done = 0;
  for (TermId subject : subjects) {
    reader.begin_subject(subject);
    by_subject.s = subject;
    for (cursor.seek(by_subject); cursor.valid(); cursor.next())
      if (may_be_text(cursor.quad().o)) reader.add(cursor.quad());
    if (reader.full()) write_documents(db, reader, done, progress);
  }
  write_documents(db, reader, done, progress);
  db.set_metadata(kAppliedSequenceKey, std::to_string(last));
  db.commit();
  store_.set_change_checkpoint(kConsumer, last);
}

void TextIndex::rebuild(const std::function<void(uint64_t)>& progress) {
  std::lock_guard lock(writer_mutex_);
  if (!writer_) throw SearchError("the store is open read-only: its full-text index cannot be rebuilt");
  rebuild_in_turn(progress);
}

void TextIndex::rebuild_in_turn(const std::function<void(uint64_t)>& progress) {
  // Every commit up to `sequence` is in the snapshot read below (it is taken after).
  const uint64_t sequence = store_.change_sequence();
  const fs::path fresh = fs::path(dir_.string() + ".new"), old = fs::path(dir_.string() + ".old");
  fs::remove_all(fresh);
  {
    Xapian::WritableDatabase db(fresh.string(), Xapian::DB_CREATE_OR_OVERWRITE);
    const ReadView view(store_);
    ValueReader reader(store_);
    uint64_t done = 0;
    TermId current = 0;
    for (QuadCursor cursor = view.scan({}); cursor.valid(); cursor.next()) {
      const Quad& q = cursor.quad();
      if (!may_be_text(q.o)) continue;
      if (q.s != current) {
        if (reader.full()) write_documents(db, reader, done, progress);
        reader.begin_subject(q.s);
        current = q.s;
      }
      reader.add(q);
    }
    write_documents(db, reader, done, progress);
    db.set_metadata(kAppliedSequenceKey, std::to_string(sequence));
    db.commit();
  }
  // Swapped in by renames: a reader opening meanwhile retries (search()).
  writer_.reset();
  fs::remove_all(old);
  if (fs::exists(dir_)) fs::rename(dir_, old);
  fs::rename(fresh, dir_);
  fs::remove_all(old);
  writer_ = std::make_unique<Writer>(dir_);
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
