#include "engine/database.h"

namespace quiver {

std::unique_ptr<Database> Database::open(const std::filesystem::path& dir, const DatabaseOptions& options) {
  StoreOptions store_options = options.store;
  store_options.create_if_missing = options.mode == DatabaseOptions::Mode::Create;
  store_options.read_only = options.mode == DatabaseOptions::Mode::ReadOnly;
  const bool existed = std::filesystem::exists(dir / "CURRENT");
  auto store = Store::open(dir, store_options);
  return std::unique_ptr<Database>(new Database(std::move(store), options, !existed));
}

Database::Database(std::unique_ptr<Store> store, const DatabaseOptions& options, bool created)
    : store_(std::move(store)),
      options_(options),
      created_(created),
      text_index_(fulltext::TextIndex::open(*store_, store_->dir() / "fulltext")) {}

void Database::catch_up_text_index(const std::function<void(uint64_t)>& progress) noexcept {
  std::string error;
  try {
    text_index_->catch_up(progress);
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "an unknown error";
  }
  std::lock_guard lock(text_index_error_mutex_);
  text_index_error_ = std::move(error);
}

Database::TextIndexStatus Database::text_index_status() const {
  TextIndexStatus status;
  static_cast<fulltext::IndexStatus&>(status) = text_index_->status();
  std::lock_guard lock(text_index_error_mutex_);
  status.error = text_index_error_;
  return status;
}

void Database::rebuild_text_index(const std::function<void(uint64_t)>& progress) {
  const auto writer = admit_writer();  // the store does not change meanwhile
  text_index_->rebuild(progress);
}

query::Query Database::prepare(std::string_view text, const std::string& base_iri) const {
  return templates_.parse(text, base_iri);
}

void Database::execute(const query::Query& query, const query::QueryOptions& options, query::ResultSink& sink,
                       std::chrono::steady_clock::time_point start) const {
  query::QueryOptions with_index = options;
  with_index.text_index = text_index_.get();
  query::run_query(*store_, query, with_index, sink, start);
}

void Database::query(std::string_view text, const query::QueryOptions& options,
                     query::ResultSink& sink) const {
  const auto start = std::chrono::steady_clock::now();  // the timeout covers parsing too
  execute(prepare(text, options.base_iri), options, sink, start);
}

Database::WriterTurn::~WriterTurn() {
  database_.catch_up_text_index();  // in the writer's turn: the index applies commits as they came
  {
    std::lock_guard lock(database_.writer_mutex_);
    database_.writing_ = false;
  }
  database_.writer_done_.notify_one();
}

Database::WriterTurn Database::admit_writer(const Cancellation* stop, TurnWait wait) {
  const bool bounded = wait == TurnWait::Bounded && options_.write_wait != std::chrono::milliseconds::max();
  const auto give_up = bounded ? std::chrono::steady_clock::now() + options_.write_wait
                               : std::chrono::steady_clock::time_point::max();
  std::unique_lock lock(writer_mutex_);
  if (!wait_heeding(writer_done_, lock, give_up, stop, [&] { return !writing_; })) {
    if (stop) stop->check();  // stopped: says why
    throw DatabaseError(DatabaseError::Kind::Busy,
                        "the store is busy: another update or load has been running longer than this one may "
                        "wait");
  }
  writing_ = true;
  return WriterTurn(*this);
}

query::UpdateReport Database::update(std::string_view text, const query::UpdateOptions& options) {
  const auto writer = [&] {
    try {
      return admit_writer(options.cancellation);
    } catch (const Stopped& s) {  // an update's stops are told as its other errors are
      throw query::stop_error(s.reason, "the update");
    }
  }();
  return update_in_turn(text, options);
}

LoadReport Database::load(const LoadOptions& options, const ProgressCallback& progress, TurnWait wait) {
  const auto writer = admit_writer(options.cancellation, wait);
  return load_in_turn(options, progress);
}

query::UpdateReport Database::update_in_turn(std::string_view text, const query::UpdateOptions& options) {
  query::UpdateOptions with_index = options;
  with_index.text_index = text_index_.get();
  return query::run_update(*store_, text, with_index);
}

LoadReport Database::load_in_turn(const LoadOptions& options, const ProgressCallback& progress) {
  LoadReport report = quiver::load(*store_, options, progress);
  // Here rather than at the end of the turn: a large load's text takes a while, and is told.
  const auto start = std::chrono::steady_clock::now();
  LoadProgress indexing;
  indexing.phase = LoadProgress::Phase::TextIndexing;
  indexing.triples = report.triples_read;
  catch_up_text_index([&](uint64_t subjects) {
    indexing.subjects = subjects;
    if (progress) progress(indexing);
  });
  report.text_index_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace quiver
