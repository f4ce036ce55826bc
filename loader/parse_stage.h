// Stage one of a bulk load (internal to loader/): parse every input in parallel and turn statements into id
// quads and dictionary entries, both handed to external sorters.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "loader/loader.h"
#include "store/work_queue.h"
#include "store/external_sort.h"

namespace quiver {

// A dictionary entry: the term's bytes sit at `offset` in the term spool file.
struct TermRecord {
  TermId id;
  uint64_t fingerprint;
  uint64_t offset;
  uint64_t length;
};
struct TermRecordLess {
  bool operator()(const TermRecord& a, const TermRecord& b) const {
    return a.id != b.id ? a.id < b.id : a.fingerprint < b.fingerprint;
  }
};

using QuadSorter = ExternalSorter<Quad, IndexLess<IndexOrder::SPOG>>;
using TermSorter = ExternalSorter<TermRecord, TermRecordLess>;

// One unit of parsing work: a line-aligned chunk of a line-based file, or a whole file of another format.
struct WorkItem {
  size_t file = 0;
  bool whole_file = false;
  std::string data;
  uint64_t first_line = 1;
};

// Counters the progress display reads while the stage runs.
struct ParseCounters {
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> triples{0};
  std::atomic<size_t> file_index{0};
};

class ParseStage {
 public:
  ParseStage(const LoadOptions& options, const std::vector<std::filesystem::path>& files, TermEncoder encoder,
             const std::filesystem::path& work_dir, ParseCounters& counters);
  ~ParseStage();

  // Parses everything. Throws LoadError on the first syntax error in abort mode or on unreadable input.
  void run();

  QuadSorter& quads() { return quads_; }
  TermSorter& terms() { return terms_; }
  // The spool file holding every TermRecord's bytes (complete once run() returned).
  const std::filesystem::path& spool_path() const { return spool_path_; }
  uint64_t triples_read() const { return counters_.triples; }
  std::vector<SyntaxError>& rejects() { return rejects_; }
  // Inputs that held no statement and no error (empty, or only comments and prefixes).
  std::vector<std::filesystem::path> files_without_statements() const;

 private:
  class Worker;
  friend class Worker;
  void read_inputs();
  // In abort mode an error fails the load, but the other files are still parsed so that the report can
  // name the first error of every failing file.
  void record_error(const SyntaxError& e, size_t file);
  // True when a line of `file` before `from_line` failed (abort mode): what follows need not be parsed.
  bool file_failed(size_t file, uint64_t from_line = UINT64_MAX);
  std::string first_error_of_each_file() const;
  void append(std::vector<Quad>& quads, std::vector<TermRecord>& terms, std::string& term_bytes);

  const LoadOptions& options_;
  const std::vector<std::filesystem::path>& files_;
  TermEncoder encoder_;
  ParseCounters& counters_;
  std::string blank_prefix_;  // makes blank node labels unique to this load and file

  std::mutex sink_mutex_;
  QuadSorter quads_;
  TermSorter terms_;
  std::filesystem::path spool_path_;
  std::FILE* spool_ = nullptr;
  uint64_t spool_size_ = 0;

  std::mutex error_mutex_;
  std::vector<SyntaxError> rejects_;
  std::map<size_t, uint64_t> first_failing_line_;  // abort mode: per file
  std::map<size_t, uint64_t> statements_per_file_;
  std::atomic<bool> aborting_{false};  // a syntax error in abort mode: no more statements are kept
  std::atomic<bool> failed_{false};    // an I/O error or exception: everything stops
  WorkQueue<WorkItem>* queue_ = nullptr;
};

}  // namespace quiver
