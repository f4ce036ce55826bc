// The engine as a library (engine/): one store and what every request against it shares, for the CLI (one
// request per process) and the server (many at once, on many threads). The only public header of engine/;
// the CLI and server/ reach the store, the query engine and the loader through it alone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fulltext/text_index.h"
#include "loader/loader.h"
#include "parser/rdf_format.h"
#include "query/query.h"
#include "query/query_templates.h"
#include "query/update.h"
#include "store/cancellation.h"
#include "store/store.h"

namespace quiver {

struct DatabaseOptions {
  enum class Mode {
    Create,     // open the store, or create an empty one on a new path
    ReadWrite,  // open an existing store for reading and writing
    ReadOnly,   // open an existing store without its lock: runs beside a writer, sees the store as it opened
  };
  Mode mode = Mode::Create;
  StoreOptions store;  // its create_if_missing and read_only follow `mode`
  // How long an update or a load waits for the writer before it (in this process) before it gives up with
  // DatabaseError::Kind::Busy. Readers never wait for writers.
  std::chrono::milliseconds write_wait = std::chrono::milliseconds::max();

  static DatabaseOptions read_only() {
    DatabaseOptions options;
    options.mode = Mode::ReadOnly;
    return options;
  }
};

// A request the database refuses as a whole: the kinds a server answers with distinct statuses. Errors of
// the request's text and of its run are query::QueryError, LoadError and Stopped.
class DatabaseError : public std::runtime_error {
 public:
  enum class Kind {
    Busy,      // another writer held the store longer than the request may wait
    NotFound,  // what the request names (a graph) is not in the store
    Invalid,   // the request asks for what cannot be (one graph's format for a store of several)
  };
  DatabaseError(Kind kind, const std::string& message) : std::runtime_error(message), kind(kind) {}
  Kind kind;
};

// What export() writes: every quad, or one graph's.
struct ExportOptions {
  RdfFormat format = RdfFormat::NQuads;
  // An IRI, or "default" for the default graph. Empty: every graph (a one-graph format then needs a store
  // without named graphs).
  std::string graph;
};

class Database {
 public:
  // Throws StoreError with one clear sentence (missing, locked, not a store, unknown format version).
  static std::unique_ptr<Database> open(const std::filesystem::path& dir,
                                        const DatabaseOptions& options = {});
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& dir() const { return store_->dir(); }
  // Whether open() made a new, empty store.
  bool created() const { return created_; }
  bool empty() const { return store_->empty(); }

  // Queries prepare() answered from the parse of an earlier query of the same shape (query_templates.h).
  uint64_t queries_from_templates() const { return templates_.reused(); }
  // Parses a query (throws QueryError with its position); execute() may then run it many times.
  query::Query prepare(std::string_view text,
                       const std::string& base_iri = query::QueryOptions().base_iri) const;
  // Runs a prepared query into `sink`, over one snapshot of the store. `start`: when the request began (its
  // timeout counts from there).
  void execute(const query::Query& query, const query::QueryOptions& options, query::ResultSink& sink,
               std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now()) const;
  // prepare() and execute() in one.
  void query(std::string_view text, const query::QueryOptions& options, query::ResultSink& sink) const;

  // Writers take turns; each waits for the writer before it at most DatabaseOptions::write_wait (a queued
  // job, TurnWait::Unbounded, as long as it takes), and no longer than its cancellation allows.
  enum class TurnWait { Bounded, Unbounded };
  // Applies an update request atomically.
  query::UpdateReport update(std::string_view text, const query::UpdateOptions& options);
  // Loads RDF files atomically, with progress.
  LoadReport load(const LoadOptions& options, const ProgressCallback& progress = {},
                  TurnWait wait = TurnWait::Bounded);

  // Writes the store's quads (or one graph's) in `options.format`, read through one snapshot. Throws
  // DatabaseError (no such graph; named graphs for a one-graph format), and std::runtime_error when
  // writing fails.
  // With `stop`, the export ends with Stopped once it says so.
  void export_quads(const ExportOptions& options, std::FILE* out, const Cancellation* stop = nullptr) const;

  // The Graph Store operations (the server's /store). A graph is named by its IRI, or "default".
  // Whether the graph exists (the default graph always does; a named one while it holds quads).
  bool graph_exists(const std::string& graph) const;
  // How many quads the graph holds (0 when it does not exist).
  uint64_t graph_quads(const std::string& graph) const;
  // Adds the statements of RDF files (in one folder) to `graph`, or with `replace` puts them in place of
  // what it held, in one atomic step and bounded memory. The files' triples go to `graph`; a quad's own
  // graph is kept; relative IRIs in them resolve against `base_iri`. Returns how many statements were added.
  uint64_t write_graph(const std::string& graph, const std::vector<std::filesystem::path>& files,
                       bool replace, const std::string& base_iri, Cancellation* stop = nullptr);
  // Drops a named graph, or empties the default graph; false when the graph did not exist.
  bool drop_graph(const std::string& graph, Cancellation* stop = nullptr);
  // A fresh folder path for temporary files (an uploaded body) inside the store: the next open removes what
  // is left behind.
  std::filesystem::path new_staging_folder() const { return store_->new_staging_folder(); }

  Statistics statistics() const { return store_->statistics(); }
  StorageFigures storage_figures() const { return store_->storage_figures(); }
  // The full-text index (fulltext/), which every write brings up to date before it returns.
  // Its state; `error` tells why it lags behind the store (the next write tries again).
  struct TextIndexStatus : fulltext::IndexStatus {
    std::string error;
  };
  TextIndexStatus text_index_status() const;
  std::vector<fulltext::Hit> text_search(const fulltext::SearchRequest& request) const {
    return text_index_->search(request);
  }
  // Recreates the index from the store (`quiver fts rebuild`); `progress` hears the subjects done.
  void rebuild_text_index(const std::function<void(uint64_t)>& progress = {});

  // The term behind an id (statistics name predicates and graphs by id).
  std::optional<Term> term(TermId id) const { return store_->term(id); }

 private:
  Database(std::unique_ptr<Store> store, const DatabaseOptions& options, bool created);
  // Applies the last writes to the full-text index; a failure is kept for text_index_status(), not thrown:
  // the writes are committed, and the index catches up at the next write or open.
  void catch_up_text_index(const std::function<void(uint64_t)>& progress = {}) noexcept;
  // The turn of one writer: taken by admit_writer(), given back when it goes.
  class WriterTurn {
   public:
    explicit WriterTurn(Database& database) : database_(database) {}
    WriterTurn(const WriterTurn&) = delete;
    WriterTurn& operator=(const WriterTurn&) = delete;
    ~WriterTurn();

   private:
    Database& database_;
  };
  // Waits for the writer before at most write_wait (Bounded; throws DatabaseError busy past it), while
  // `stop` allows (throws Stopped once it says stop).
  [[nodiscard]] WriterTurn admit_writer(const Cancellation* stop = nullptr,
                                        TurnWait wait = TurnWait::Bounded);
  // update() and load() for a caller that holds the writer's turn already (it checked the store first).
  query::UpdateReport update_in_turn(std::string_view text, const query::UpdateOptions& options);
  LoadReport load_in_turn(const LoadOptions& options, const ProgressCallback& progress = {});

  std::unique_ptr<Store> store_;
  DatabaseOptions options_;
  bool created_;
  std::unique_ptr<fulltext::TextIndex> text_index_;
  mutable std::mutex text_index_error_mutex_;
  std::string text_index_error_;
  mutable query::QueryTemplates templates_;  // what prepare() parsed, for queries of the same shape
  // Writers' turns (a flag under a mutex rather than a timed mutex, whose timed wait ThreadSanitizer cannot
  // follow).
  std::mutex writer_mutex_;
  std::condition_variable writer_done_;
  bool writing_ = false;
};

}  // namespace quiver
