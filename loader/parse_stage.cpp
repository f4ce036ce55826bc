#include "loader/parse_stage.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <thread>
#include <tuple>

#include "store/work_queue.h"

namespace quiver {
namespace fs = std::filesystem;

namespace {

constexpr size_t kChunkBytes = 4 << 20;
constexpr size_t kFlushQuads = 1 << 16;
constexpr size_t kFlushTermBytes = 4 << 20;

// Which (id, fingerprint) pairs a worker already sent to the dictionary sorter, so frequent terms are sent
// once per worker instead of once per statement. Open addressing; forgets everything when half full.
class SeenTerms {
 public:
  SeenTerms() : slots_(kSlots) {}
  // True when the pair was not seen before (and is now).
  bool insert(TermId id, uint64_t fingerprint) {
    if (used_ * 2 > kSlots) {
      std::fill(slots_.begin(), slots_.end(), Slot{});
      used_ = 0;
    }
    size_t i = (id ^ (fingerprint * 0x9E3779B97F4A7C15ULL)) & (kSlots - 1);
    for (;; i = (i + 1) & (kSlots - 1)) {
      Slot& s = slots_[i];
      if (s.id == 0) {
        s = {id, fingerprint};
        ++used_;
        return true;
      }
      if (s.id == id && s.fingerprint == fingerprint) return false;
    }
  }

 private:
  static constexpr size_t kSlots = 1 << 16;  // 1 MiB: stays in cache
  struct Slot {
    TermId id = 0;  // 0 is the default graph, never a dictionary id
    uint64_t fingerprint = 0;
  };
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

}  // namespace

class ParseStage::Worker {
 public:
  Worker(ParseStage& stage) : stage_(stage), encoder_(stage.encoder_) {
    if (!stage_.options_.graph_iri.empty())
      default_graph_ = encode(Term::iri(stage_.options_.graph_iri).view());
  }

  void run(WorkQueue<WorkItem>& queue) {
    while (auto item = queue.pop()) {
      // Drain the queue so the reader never blocks; a file with an error in abort mode is not read further.
      if (stage_.failed_ || stage_.file_failed(item->file, item->first_line)) continue;
      if (stage_.options_.cancellation) stage_.options_.cancellation->check();
      parse(*item);
    }
    flush();
    std::lock_guard lock(stage_.error_mutex_);
    for (auto [file, count] : statements_per_file_) stage_.statements_per_file_[file] += count;
  }

 private:
  RdfReader& reader_for(RdfFormat format) {
    auto& r = readers_[format];
    if (!r) r = std::make_unique<RdfReader>(format, stage_.options_.base_iri);
    return *r;
  }

  void parse(const WorkItem& item) {
    const fs::path& path = stage_.files_[item.file];
    const RdfFormat format = stage_.options_.format ? *stage_.options_.format : *format_from_path(path);
    blank_prefix_ = stage_.blank_prefix_ + std::to_string(item.file) + "_";
    RdfReader& reader = reader_for(format);
    uint64_t& statements = statements_per_file_[item.file];
    auto on_statement = [&](const TermView& s, const TermView& p, const TermView& o, const TermView* g) {
      // After a syntax error in abort mode the load will fail: parsing goes on only to find each file's
      // first error.
      if (stage_.failed_ || stage_.aborting_) return;
      ++statements;
      quads_.push_back({encode(s), encode(p), encode(o), g ? encode(*g) : default_graph_});
      ++stage_.counters_.triples;
      if (quads_.size() >= kFlushQuads || term_bytes_.size() >= kFlushTermBytes) flush();
    };
    auto on_error = [&](const SyntaxError& e) { stage_.record_error(e, item.file); };
    if (item.whole_file) {
      reader.parse_file(path, on_statement, on_error);
    } else {
      reader.parse(item.data, path.string(), item.first_line, on_statement, on_error);
      stage_.counters_.bytes += item.data.size();
    }
  }

  TermId encode(TermView term) {
    if (term.kind == TermKind::Blank) {
      blank_label_.assign(blank_prefix_).append(term.value);
      term.value = blank_label_;
    }
    uint64_t fingerprint = 0;
    TermId id = encoder_.encode(term, encoded_, &fingerprint);
    if (!encoded_.empty() && seen_.insert(id, fingerprint)) {
      terms_.push_back({id, fingerprint, term_bytes_.size(), encoded_.size()});
      term_bytes_ += encoded_;
    }
    return id;
  }

  void flush() {
    if (!quads_.empty() || !terms_.empty()) stage_.append(quads_, terms_, term_bytes_);
  }

  ParseStage& stage_;
  TermEncoder encoder_;
  std::map<RdfFormat, std::unique_ptr<RdfReader>> readers_;
  TermId default_graph_ = kDefaultGraph;
  std::string blank_prefix_;
  std::string blank_label_;
  std::string encoded_;
  SeenTerms seen_;
  std::vector<Quad> quads_;
  std::vector<TermRecord> terms_;
  std::string term_bytes_;
  std::map<size_t, uint64_t> statements_per_file_;
};

ParseStage::ParseStage(const LoadOptions& options, const std::vector<fs::path>& files, TermEncoder encoder,
                       const fs::path& work_dir, ParseCounters& counters)
    : options_(options),
      files_(files),
      encoder_(std::move(encoder)),
      counters_(counters),
      blank_prefix_(unique_blank_prefix()),
      quads_(work_dir, "quads", options.memory_mib * (1 << 20) / 100 * 60),
      terms_(work_dir, "terms", options.memory_mib * (1 << 20) / 100 * 15),
      spool_path_(work_dir / "terms.spool") {
  spool_ = std::fopen(spool_path_.c_str(), "wb");
  if (!spool_) throw LoadError("cannot create the temporary file " + spool_path_.string());
}

ParseStage::~ParseStage() {
  if (spool_) std::fclose(spool_);
}

void ParseStage::record_error(const SyntaxError& e, size_t file) {
  std::lock_guard lock(error_mutex_);
  rejects_.push_back(e);
  if (options_.on_error == OnError::Abort) {
    aborting_ = true;
    auto [it, inserted] = first_failing_line_.emplace(file, e.line);
    if (!inserted) it->second = std::min(it->second, e.line);
  }
}

bool ParseStage::file_failed(size_t file, uint64_t from_line) {
  if (!aborting_) return false;
  std::lock_guard lock(error_mutex_);
  auto it = first_failing_line_.find(file);
  return it != first_failing_line_.end() && from_line > it->second;
}

std::vector<std::filesystem::path> ParseStage::files_without_statements() const {
  std::vector<std::filesystem::path> out;
  for (size_t i = 0; i < files_.size(); ++i)
    if (!statements_per_file_.count(i) || statements_per_file_.at(i) == 0) {
      const bool rejected = std::any_of(rejects_.begin(), rejects_.end(),
                                        [&](const SyntaxError& e) { return e.file == files_[i].string(); });
      if (!rejected) out.push_back(files_[i]);
    }
  return out;
}

void ParseStage::append(std::vector<Quad>& quads, std::vector<TermRecord>& terms, std::string& term_bytes) {
  std::lock_guard lock(sink_mutex_);
  if (!term_bytes.empty() &&
      std::fwrite(term_bytes.data(), 1, term_bytes.size(), spool_) != term_bytes.size())
    throw LoadError("writing the temporary file " + spool_path_.string() + " failed (is the disk full?)");
  for (TermRecord& r : terms) r.offset += spool_size_;
  spool_size_ += term_bytes.size();
  terms_.add(terms.data(), terms.size());
  quads_.add(quads.data(), quads.size());
  quads.clear();
  terms.clear();
  term_bytes.clear();
}

// Feeds the queue: line-based files as line-aligned chunks, other files whole.
void ParseStage::read_inputs() {
  for (size_t i = 0; i < files_.size() && !failed_; ++i) {
    counters_.file_index = i;
    const fs::path& path = files_[i];
    const RdfFormat format = options_.format ? *options_.format : *format_from_path(path);
    if (!is_line_based(format)) {
      queue_->push({i, true, {}, 1});
      continue;
    }
    std::string carry;
    uint64_t line = 1;
    auto emit = [&](std::string chunk) {
      uint64_t lines = std::count(chunk.begin(), chunk.end(), '\n');
      queue_->push({i, false, std::move(chunk), line});
      line += lines;
    };
    try {
      read_file_blocks(path, kChunkBytes, [&](std::string_view block) {
        if (failed_ || file_failed(i)) return;
        if (options_.cancellation) options_.cancellation->check();
        size_t last_nl = block.rfind('\n');
        if (last_nl == std::string_view::npos) {
          carry.append(block);
          return;
        }
        std::string chunk = std::move(carry);
        chunk.append(block.substr(0, last_nl + 1));
        carry.assign(block.substr(last_nl + 1));
        emit(std::move(chunk));
      });
      if (!carry.empty()) emit(std::move(carry));
    } catch (const ParseError& e) {
      if (!carry.empty()) emit(std::move(carry));
      record_error(e.error, i);
    }
  }
}

void ParseStage::run() {
  const unsigned threads =
      options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  WorkQueue<WorkItem> queue(2 * threads);
  queue_ = &queue;
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto guarded = [&](auto&& body) {
    try {
      body();
    } catch (...) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      failed_ = true;
      queue.close(true);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      guarded([&] {
        Worker worker(*this);
        worker.run(queue);
      });
    });
  guarded([&] { read_inputs(); });
  queue.close();
  for (auto& w : workers) w.join();
  queue_ = nullptr;
  if (failure) std::rethrow_exception(failure);
  if (std::fflush(spool_) != 0)
    throw LoadError("writing the temporary file " + spool_path_.string() + " failed");
  // Files in the order given, lines in order within a file.
  std::map<std::string, size_t> file_order;
  for (size_t i = 0; i < files_.size(); ++i) file_order.emplace(files_[i].string(), i);
  std::sort(rejects_.begin(), rejects_.end(), [&](const SyntaxError& a, const SyntaxError& b) {
    return std::tuple(file_order[a.file], a.line, a.column) <
           std::tuple(file_order[b.file], b.line, b.column);
  });
  if (options_.on_error == OnError::Abort && !rejects_.empty()) throw LoadError(first_error_of_each_file());
}

std::string ParseStage::first_error_of_each_file() const {
  std::string message;
  size_t files = 0;
  for (size_t i = 0; i < rejects_.size(); ++i) {
    if (i > 0 && rejects_[i].file == rejects_[i - 1].file) continue;
    message += "\n  " + rejects_[i].to_string();
    ++files;
  }
  return (files == 1 ? "syntax error:"
                     : "syntax errors in " + std::to_string(files) + " files (the first of each):") +
         message;
}

}  // namespace quiver
