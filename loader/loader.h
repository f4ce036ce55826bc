// Bulk loading: parse RDF files in parallel, encode terms to ids, sort per index with bounded memory, write
// SST files and ingest them into the store in one atomic step. A load that fails or is killed changes
// nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "parser/rdf_format.h"
#include "parser/rdf_reader.h"
#include "store/store.h"

namespace quiver {

enum class OnError { Abort, Skip };

struct LoadOptions {
  std::vector<std::filesystem::path> inputs;  // files, or directories walked for RDF files
  std::optional<RdfFormat> format;            // otherwise from each file's extension
  std::string base_iri;                       // otherwise file:// of each file
  std::string graph_iri;                      // graph for triples (not quads); empty: the default graph
  OnError on_error = OnError::Abort;
  std::filesystem::path rejects_path;  // where skip mode writes rejected lines
  unsigned threads = 0;                // 0: all cores
  size_t memory_mib = 2048;            // budget for sort buffers
  // Stops the load (nothing is loaded) when it says so: load() then throws Stopped.
  const Cancellation* cancellation = nullptr;
};

// What the loader is doing, for progress display.
struct LoadProgress {
  // TextIndexing: the load is in the store; the full-text index takes in its subjects.
  enum class Phase { Parsing, Indexing, Ingesting, TextIndexing } phase = Phase::Parsing;
  uint64_t bytes_done = 0, bytes_total = 0;  // input bytes (compressed size for .gz)
  uint64_t triples = 0;
  uint64_t subjects = 0;  // TextIndexing: subjects indexed so far
  std::string file;       // file being read
};
using ProgressCallback = std::function<void(const LoadProgress&)>;

inline constexpr size_t kReportedRejects = 10000;

struct LoadReport {
  uint64_t files = 0;
  uint64_t triples_read = 0;  // statements parsed: triples_added + duplicates
  uint64_t triples_added = 0;
  uint64_t duplicates = 0;  // read but already present (in the store or earlier in the input)
  uint64_t rejected = 0;    // lines rejected in skip mode (in Turtle, TriG and RDF/XML: a file's rest)
  uint64_t terms_added = 0;
  uint64_t bytes_ingested = 0;
  double seconds = 0;
  std::vector<std::pair<std::string, double>> phases;  // seconds per phase of the load
  double text_index_seconds = 0;                       // bringing the full-text index up to date after it
  std::filesystem::path rejects_path;                  // set when something was rejected
  std::vector<SyntaxError> first_rejects;              // the first kReportedRejects of them
  // Valid inputs with no statement at all (empty, or only comments and prefixes): worth a notice.
  std::vector<std::filesystem::path> files_without_statements;
};

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The files a load would read, in order: directories are walked (sorted) for files with an RDF extension.
// Throws LoadError for a missing path or a file whose format cannot be told.
std::vector<std::filesystem::path> expand_inputs(const LoadOptions& options);

// Loads the inputs into `store`. Throws LoadError (syntax error in abort mode, unreadable input, I/O
// failure) or Stopped (options.cancellation); the store is then unchanged.
LoadReport load(Store& store, const LoadOptions& options, const ProgressCallback& progress = {});

}  // namespace quiver
