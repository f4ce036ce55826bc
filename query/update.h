// SPARQL 1.1 Update: a request (one or more operations separated by ';') runs as one transaction. Each
// operation's WHERE clause is evaluated once, against the state before that operation (earlier operations of
// the request included); deletes apply before inserts; everything commits atomically at the end, or nothing
// does.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "query/frontend.h"
#include "store/store.h"

namespace quiver::query {

struct UpdateOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  // Bytes the request may hold: its queries' working memory and the changes it keeps in memory. The last
  // operation's changes spill to disk past a quarter of it, so it is not a limit on the request's size.
  size_t memory_limit = size_t{2} << 30;
  bool sync = true;  // the write-ahead log reaches the disk before the update is acknowledged
  std::string base_iri = "http://quiver.local/";
  // LOAD reads file: IRIs under this folder only; empty refuses LOAD.
  std::filesystem::path data_root;
  // The base IRI of the documents LOAD reads, when not their own file: IRI (a Graph Store request's body,
  // staged in a file, resolves against the request's graph).
  std::string document_base_iri;
  // As QueryOptions::cancellation.
  Cancellation* cancellation = nullptr;
  // The SPARQL protocol's using-graph-uri and using-named-graph-uri: the dataset of every operation's WHERE
  // clause, as if each had these USING and USING NAMED (an operation with its own USING or WITH is refused).
  std::vector<std::string> using_graphs, using_named_graphs;
  // Told what a long request is doing: a phase and how far it got (solutions matched, changes to apply).
  std::function<void(const std::string& phase, uint64_t count)> progress;
  // The full-text index a WHERE clause's SERVICE neptune-fts:search reads: as of the request's start (the
  // request's own earlier operations are not in it yet).
  const fulltext::TextIndex* text_index = nullptr;
};

struct UpdateReport {
  struct GraphChange {
    std::string graph;  // IRI; empty for the default graph
    uint64_t inserted = 0, deleted = 0;
  };
  std::vector<GraphChange> graphs;
  uint64_t inserted = 0, deleted = 0;
  size_t operations = 0;
};

// Parses and applies an update request. Throws QueryError (invalid SPARQL, a failed operation, a timeout, a
// memory limit) or StoreError; either way the store is unchanged.
UpdateReport run_update(Store& store, std::string_view text, const UpdateOptions& options);

}  // namespace quiver::query
