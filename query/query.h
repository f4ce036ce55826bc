// Quiver's SPARQL query engine: the public entry point of query/.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/frontend.h"
#include "store/store.h"

namespace quiver::query {

struct QueryOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::string base_iri = "http://quiver.local/";
  // The default graph is the union of all graphs (as in Neptune) instead of the store's default graph.
  bool union_default_graph = false;
  // Stops the query when the caller says so (a cancel by id, a client gone); its deadline is moved to the
  // query's timeout if that comes first. Without it the query stops only at its timeout.
  Cancellation* cancellation = nullptr;
  // Bytes of intermediate results (hash tables, sorts, groups, DISTINCT) one query may hold.
  size_t memory_limit = size_t{1} << 30;
  // When set, the query is profiled and, once it has run, its plan with estimated and actual rows per
  // operator is written here (EXPLAIN).
  std::string* plan = nullptr;
  // With `plan`: the query is planned but not run, and the plan shows the estimates only (the sink
  // receives nothing).
  bool plan_only = false;
  // The full-text index SERVICE neptune-fts:search reads (the store's, opened by the engine).
  const fulltext::TextIndex* text_index = nullptr;
};

// Receives results as they are produced.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // Exactly one start call comes first, before anything is written: solutions (SELECT), a boolean (ASK,
  // which calls boolean() directly) or a graph (CONSTRUCT, DESCRIBE).
  virtual void start_solutions(const std::vector<std::string>& variables) = 0;
  virtual void start_graph() = 0;
  virtual void solution(const std::vector<std::optional<Term>>& values) = 0;
  virtual void boolean(bool value) = 0;
  virtual void triple(const Term& s, const Term& p, const Term& o) = 0;
  virtual void finish() = 0;
};

// Counts what a query gives and keeps none of it: for a query run for its plan, its time or its effects.
class CountingSink : public ResultSink {
 public:
  void start_solutions(const std::vector<std::string>&) override {}
  void start_graph() override {}
  void solution(const std::vector<std::optional<Term>>&) override { ++rows; }
  void boolean(bool) override { ++rows; }
  void triple(const Term&, const Term&, const Term&) override { ++rows; }
  void finish() override {}
  uint64_t rows = 0;  // solutions, triples, or 1 for ASK's boolean
};

enum class ResultFormat { Table, Json, Xml, Csv, Tsv, NTriples, Turtle, RdfXml };
std::optional<ResultFormat> result_format_from_name(std::string_view name);
// The format's media type (without parameters), and the format of a media type (nullopt: none of ours).
// Table is plain text for people; "text/plain" asked for names N-Triples, as in earlier RDF specs.
std::string_view media_type(ResultFormat format);
std::optional<ResultFormat> result_format_from_media_type(std::string_view type);
// `s` escaped for the inside of a JSON string.
std::string json_escape(const std::string& s);
// Whether the format writes graphs (CONSTRUCT, DESCRIBE) rather than solutions (SELECT, ASK).
bool writes_graphs(ResultFormat format);
// A sink writing the format to `out`. Solution formats reject graphs and vice versa with a QueryError.
std::unique_ptr<ResultSink> make_result_writer(ResultFormat format, std::FILE* out);

// Parses and runs one query against the store. Throws QueryError for invalid SPARQL, a timeout, a
// cancellation or a query over its memory limit.
void run_query(const Store& store, std::string_view text, const QueryOptions& options, ResultSink& sink);
// Runs a query parsed beforehand (parse_query(): a caller that answers a syntax error apart, before any
// result is written); its timeout counts from `start`.
void run_query(const Store& store, const Query& query, const QueryOptions& options, ResultSink& sink,
               std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now());

}  // namespace quiver::query
