#include "loader/loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <thread>

#include "loader/parse_stage.h"
#include "store/bulk_ingest.h"

namespace quiver {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxCollisionRounds = 8;
constexpr uint32_t kMaxProbes = 1024;

// A read-only memory map of the term spool (RAII).
class MappedFile {
 public:
  explicit MappedFile(const fs::path& path) {
    size_ = fs::file_size(path);
    if (size_ == 0) return;
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw LoadError("cannot read the temporary file " + path.string());
    data_ = static_cast<const char*>(::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0));
    ::close(fd);
    if (data_ == MAP_FAILED) throw LoadError("cannot map the temporary file " + path.string());
  }
  ~MappedFile() {
    if (size_ && data_ != MAP_FAILED) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view view(uint64_t offset, uint64_t length) const { return {data_ + offset, length}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// Calls progress() every 250 ms from its own thread while alive.
class ProgressTicker {
 public:
  ProgressTicker(const ProgressCallback& callback, std::function<LoadProgress()> snapshot)
      : callback_(callback), snapshot_(std::move(snapshot)) {
    if (callback_) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressTicker() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stop_; })) callback_(snapshot_());
  }
  const ProgressCallback& callback_;
  std::function<LoadProgress()> snapshot_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Runs the tasks on their own threads and rethrows the first failure once all have ended.
void run_parallel(std::vector<std::function<void()>> tasks) {
  std::vector<std::exception_ptr> errors(tasks.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tasks.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        tasks[i]();
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Records how long each phase of a load took.
class Stopwatch {
 public:
  explicit Stopwatch(LoadReport& report) : report_(report), last_(std::chrono::steady_clock::now()) {}
  void lap(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    report_.phases.emplace_back(phase, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  LoadReport& report_;
  std::chrono::steady_clock::time_point last_;
};

// One attempt at a load. Returns false when terms collided under the hash: the colliding terms were given
// probed ids in `collisions`, and the caller parses again with them.
class LoadAttempt {
 public:
  LoadAttempt(Store& store, const LoadOptions& options, const std::vector<fs::path>& files,
              std::shared_ptr<CollisionTable> collisions, LoadProgress& progress, std::mutex& progress_mutex,
              ParseCounters& counters)
      : store_(store),
        options_(options),
        files_(files),
        collisions_(std::move(collisions)),
        progress_(progress),
        progress_mutex_(progress_mutex),
        counters_(counters),
        store_empty_(store.empty()) {}

  bool run(LoadReport& report, std::vector<SyntaxError>& rejects) {
    ingest_ = store_.begin_bulk_ingest();
    ParseStage parse(options_, files_, TermEncoder(store_.hash_bits(), collisions_), ingest_->staging(),
                     counters_);
    Stopwatch watch(report);
    parse.run();
    report.triples_read = parse.triples_read();
    report.files_without_statements = parse.files_without_statements();  // reads the rejects
    rejects = std::move(parse.rejects());
    watch.lap("parse");

    set_phase(LoadProgress::Phase::Indexing);
    // The first pass over SPOG order keeps only new quads and counts statistics; every index file is then
    // written from its own sorter, all side by side (SPOG's input arrives sorted, so its sort is a scan).
    const size_t budget = options_.memory_mib * (1 << 20) / 100 * 60 / 4;
    ExternalSorter<Quad, IndexLess<IndexOrder::SPOG>> spog(ingest_->staging(), "spog", budget);
    ExternalSorter<Quad, IndexLess<IndexOrder::POSG>> posg(ingest_->staging(), "posg", budget);
    ExternalSorter<Quad, IndexLess<IndexOrder::OSPG>> ospg(ingest_->staging(), "ospg", budget);
    ExternalSorter<Quad, IndexLess<IndexOrder::GSPO>> gspo(ingest_->staging(), "gspo", budget);
    bool dictionary_ok = true;
    run_parallel({[&] { dictionary_ok = write_dictionary(parse, report); },
                  [&] {
                    select_new_quads(parse.quads(), report, [&](const Quad& q) {
                      spog.add(q);
                      posg.add(q);
                      ospg.add(q);
                      if (q.g != kDefaultGraph) gspo.add(q);  // see IndexOrder::GSPO
                    });
                  }});
    if (!dictionary_ok) return false;
    watch.lap("dictionary + new quads");
    run_parallel({[&] { write_sorted(IndexOrder::SPOG, spog); }, [&] { write_posg(posg); },
                  [&] { write_sorted(IndexOrder::OSPG, ospg); },
                  [&] { write_sorted(IndexOrder::GSPO, gspo); }});
    watch.lap("index files");

    set_phase(LoadProgress::Phase::Ingesting);
    // Probed ids found in earlier rounds of this load are new to the store too.
    for (auto& [bytes, id] : *collisions_)
      if (!store_.collision_table()->count(bytes)) ingest_->add_collision(bytes, id);
    report.bytes_ingested = ingest_->commit();
    watch.lap("ingest");
    return true;
  }

 private:
  void set_phase(LoadProgress::Phase phase) {
    check_stop();
    std::lock_guard lock(progress_mutex_);
    progress_.phase = phase;
  }
  static constexpr uint64_t kQuadsBetweenChecks = 1 << 16;
  void check_stop() const {
    if (options_.cancellation) options_.cancellation->check();
  }

  // Sorted dictionary entries, deduplicated, checked for collisions, new ones written to the ingestion.
  bool write_dictionary(ParseStage& parse, LoadReport& report) {
    MappedFile spool(parse.spool_path());
    std::vector<std::pair<TermId, std::string_view>> batch;
    bool collided = false;
    TermId prev_id = 0;
    std::string_view prev_bytes;
    auto flush = [&] {
      std::vector<std::optional<std::string>> existing;
      if (!store_empty_) {
        std::vector<TermId> ids;
        for (auto& [id, bytes] : batch) ids.push_back(id);
        existing = store_.dictionary_bytes(ids);
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        auto [id, bytes] = batch[i];
        if (!existing.empty() && existing[i]) {
          if (!same_term(*existing[i], bytes)) collided |= resolve_collision(bytes);
          continue;
        }
        if (!collided) ingest_->add_term(id, bytes);
        ++report.terms_added;
      }
      batch.clear();
    };
    parse.terms().drain([&](const TermRecord& r) {
      std::string_view bytes = spool.view(r.offset, r.length);
      if (r.id == prev_id) {
        if (!same_term(bytes, prev_bytes)) collided |= resolve_collision(loser(prev_bytes, bytes));
        return;
      }
      prev_id = r.id;
      prev_bytes = bytes;
      batch.emplace_back(r.id, bytes);
      if (batch.size() == 4096) flush();
    });
    flush();
    return !collided;
  }

  // Of two terms with one id, the one that keeps it is the one already holding a probed id, else the first.
  std::string_view loser(std::string_view first, std::string_view second) const {
    std::string scratch;
    return collisions_->count(std::string(term_identity(second, scratch))) ? first : second;
  }

  // Gives the losing term of a collision a probed id that no stored term has. A term that already holds a
  // probed id never loses again, so rounds converge.
  bool resolve_collision(std::string_view loser) {
    std::string scratch;
    const std::string bytes(term_identity(loser, scratch));
    if (collisions_->count(bytes)) return false;
    Term term;
    decode_term(bytes, term);
    for (uint32_t probe = 1; probe < kMaxProbes; ++probe) {
      TermId id = hashed_id(term.kind, bytes, store_.hash_bits(), probe);
      auto stored = store_.dictionary_bytes({id});
      bool taken = stored[0].has_value();
      for (auto& [b, other] : *collisions_) taken |= other == id;
      if (!taken) {
        (*collisions_)[bytes] = id;
        return true;
      }
    }
    throw LoadError("no free term id left for " + bytes.substr(1) + " (the term hash space is exhausted)");
  }

  // New quads, in SPOG order, go on to `forward`; duplicates and stored quads stop here.
  void select_new_quads(QuadSorter& spog, LoadReport& report,
                        const std::function<void(const Quad&)>& forward) {
    Statistics& delta = ingest_->delta();
    std::optional<IndexProbe> probe;
    if (!store_empty_) probe.emplace(store_.probe(IndexOrder::SPOG));
    bool first = true, have_new = false;
    Quad prev, prev_new;
    uint64_t walked = 0;
    spog.drain([&](const Quad& q) {
      if (++walked % kQuadsBetweenChecks == 0) check_stop();
      if (!first && q == prev) return;
      first = false;
      prev = q;
      if (probe && probe->contains(q)) return;
      ++report.triples_added;
      PredicateStats& ps = delta.predicates[q.p];
      ++ps.triples;
      ++delta.graphs[q.g];
      const bool new_pair = !have_new || q.s != prev_new.s || q.p != prev_new.p;
      if (new_pair && (!probe || !probe->has_prefix(q, 2))) ++ps.distinct_subjects;
      have_new = true;
      prev_new = q;
      forward(q);
    });
    report.duplicates = report.triples_read - report.triples_added;
  }

  template <class Sorter>
  void write_posg(Sorter& posg) {
    Statistics& delta = ingest_->delta();
    std::optional<IndexProbe> probe;
    if (!store_empty_) probe.emplace(store_.probe(IndexOrder::POSG));
    bool have_new = false;
    Quad prev_new;
    posg.drain([&](const Quad& q) {
      ingest_->add_quad(IndexOrder::POSG, q);
      const bool new_pair = !have_new || q.p != prev_new.p || q.o != prev_new.o;
      if (new_pair && (!probe || !probe->has_prefix(q, 2))) ++delta.predicates[q.p].distinct_objects;
      have_new = true;
      prev_new = q;
    });
  }

  template <class Sorter>
  void write_sorted(IndexOrder order, Sorter& sorter) {
    sorter.drain([&](const Quad& q) { ingest_->add_quad(order, q); });
  }

  Store& store_;
  const LoadOptions& options_;
  const std::vector<fs::path>& files_;
  std::shared_ptr<CollisionTable> collisions_;
  LoadProgress& progress_;
  std::mutex& progress_mutex_;
  ParseCounters& counters_;
  bool store_empty_;
  std::unique_ptr<BulkIngest> ingest_;
};

void write_rejects(const fs::path& path, const std::vector<SyntaxError>& rejects) {
  std::ofstream out(path);
  for (const SyntaxError& e : rejects) out << e.to_string() << "\n";
  if (!out)
    throw LoadError("the data was loaded, but the rejects report could not be written to " + path.string());
}

}  // namespace

std::vector<fs::path> expand_inputs(const LoadOptions& options) {
  std::vector<fs::path> files;
  for (const fs::path& input : options.inputs) {
    std::error_code ec;
    auto status = fs::status(input, ec);
    if (!fs::exists(status)) throw LoadError("no such file or directory: " + input.string());
    if (fs::is_directory(status)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(input, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && format_from_path(it->path())) found.push_back(it->path());
      if (ec) throw LoadError("cannot read the directory " + input.string() + ": " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
      continue;
    }
    if (!options.format && !format_from_path(input))
      throw LoadError("cannot tell the RDF format of " + input.string() +
                      " from its extension; name it with --format (ntriples, nquads, turtle, trig, rdfxml)");
    if (access(input.c_str(), R_OK) != 0)
      throw LoadError("cannot read " + input.string() + ": permission denied");
    files.push_back(input);
  }
  if (files.empty()) throw LoadError("no RDF files to load");
  return files;
}

LoadReport load(Store& store, const LoadOptions& options, const ProgressCallback& progress_callback) {
  const auto start = std::chrono::steady_clock::now();
  if (!options.graph_iri.empty() && options.graph_iri.find(':') == std::string::npos)
    throw LoadError("--graph needs an absolute IRI, got '" + options.graph_iri + "'");
  const std::vector<fs::path> files = expand_inputs(options);

  LoadProgress progress;
  std::mutex progress_mutex;
  ParseCounters counters;
  for (const auto& f : files) {
    std::error_code ec;
    progress.bytes_total += fs::file_size(f, ec);
  }
  ProgressTicker ticker(progress_callback, [&] {
    std::lock_guard lock(progress_mutex);
    LoadProgress p = progress;
    p.bytes_done = counters.bytes;
    p.triples = counters.triples;
    p.file = files[std::min(counters.file_index.load(), files.size() - 1)].string();
    return p;
  });

  // The rejects report must be writable before anything is committed: a load that succeeded but could not
  // say what it skipped would look failed, and be run again.
  const fs::path rejects_path =
      options.rejects_path.empty() ? fs::path("quiver-rejects.txt") : options.rejects_path;
  const bool rejects_existed = fs::exists(rejects_path);
  if (options.on_error == OnError::Skip && !std::ofstream(rejects_path, std::ios::app))
    throw LoadError("cannot write the rejects report " + rejects_path.string() + "\nnothing was loaded");

  LoadReport report;
  std::vector<SyntaxError> rejects;
  auto collisions = std::make_shared<CollisionTable>(*store.collision_table());
  try {
    for (int round = 0;; ++round) {
      if (round == kMaxCollisionRounds) throw LoadError("could not resolve hash collisions between terms");
      counters.triples = 0;
      counters.bytes = 0;
      report = LoadReport{};
      LoadAttempt attempt(store, options, files, collisions, progress, progress_mutex, counters);
      if (attempt.run(report, rejects)) break;
    }
  } catch (const Stopped&) {
    throw;  // the caller that stopped it knows why
  } catch (const std::exception& e) {
    // Whatever failed, the ingestion never happened: say so, so nobody has to wonder.
    throw LoadError(std::string(e.what()) + "\nnothing was loaded");
  }
  report.files = files.size();
  report.rejected = rejects.size();
  if (!rejects.empty()) {
    report.rejects_path = rejects_path;
    write_rejects(report.rejects_path, rejects);
    rejects.resize(std::min(rejects.size(), kReportedRejects));
    report.first_rejects = std::move(rejects);
  } else if (options.on_error == OnError::Skip && !rejects_existed) {
    std::error_code ec;
    fs::remove(rejects_path, ec);  // made only to check it could be written
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace quiver
