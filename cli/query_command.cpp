#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "engine/database.h"

namespace quiver::cli {
namespace {

// --explain runs the query for its profile; the results are only counted.
class CountingSink : public query::ResultSink {
 public:
  void start_solutions(const std::vector<std::string>&) override { unit_ = "solutions"; }
  void start_graph() override { unit_ = "triples"; }
  void solution(const std::vector<std::optional<Term>>&) override { ++count_; }
  void boolean(bool value) override { unit_ = value ? "true" : "false"; }
  void triple(const Term&, const Term&, const Term&) override { ++count_; }
  void finish() override {}
  std::string summary() const {
    return unit_ == "true" || unit_ == "false" ? "answer: " + unit_ : std::to_string(count_) + " " + unit_;
  }

 private:
  uint64_t count_ = 0;
  std::string unit_;
};

// Without --format the query's kind picks the format: a table for solutions and booleans, Turtle for the
// graphs of CONSTRUCT and DESCRIBE.
class DefaultFormatSink : public query::ResultSink {
 public:
  void start_solutions(const std::vector<std::string>& variables) override {
    writer(query::ResultFormat::Table).start_solutions(variables);
  }
  void start_graph() override { writer(query::ResultFormat::Turtle).start_graph(); }
  void solution(const std::vector<std::optional<Term>>& values) override { writer_->solution(values); }
  void boolean(bool value) override { writer(query::ResultFormat::Table).boolean(value); }
  void triple(const Term& s, const Term& p, const Term& o) override { writer_->triple(s, p, o); }
  void finish() override {
    if (writer_) writer_->finish();
  }

 private:
  query::ResultSink& writer(query::ResultFormat format) {
    if (!writer_) writer_ = query::make_result_writer(format, stdout);
    return *writer_;
  }
  std::unique_ptr<query::ResultSink> writer_;
};

}  // namespace

std::string request_text(const std::string& file, const std::string& text) {
  if (!file.empty() == !text.empty()) throw UsageError("give the request either as text or with --file");
  if (file.empty()) return text;
  std::stringstream buf;
  if (file == "-") {
    buf << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);
    buf << in.rdbuf();
  }
  return buf.str();
}

int query_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db, file, format, text;
  double timeout = 300;
  size_t memory_mib = 1024;
  options.add_options()("db", po::value(&db)->required(), "store directory")(
      "file,f", po::value(&file), "read the query from this file ('-' for standard input)")(
      "format", po::value(&format),
      "table|json|xml|csv|tsv for solutions, ntriples|turtle|rdfxml for graphs (default: table for\n"
      "solutions and booleans, turtle for graphs)")("timeout", in_range(&timeout, 0.001, 1e6, "timeout"),
                                                    "seconds before the query is stopped")(
      "memory-limit", in_range<size_t>(&memory_mib, 1, size_t{1} << 24, "memory-limit"),
      "MiB of intermediate results (hash tables, sorts, groups) the query may hold")(
      "explain",
      "run the query and print its plan with estimated and actual rows per operator instead of "
      "the results")("explain-static",
                     "print the query's plan with estimated rows per operator, without running it")(
      "union-default-graph", "make the default graph the union of all graphs (as Neptune does)")(
      "base", po::value<std::string>(), "base IRI for relative IRIs in the query")(
      "query", po::value(&text), "the query text (or use --file)");
  po::variables_map vm;
  if (!parse_command_line(
          args, "quiver query --db DIR [--format F] (--file Q.rq | 'QUERY')",
          "Runs a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) and writes the results.\n"
          "Without FROM, the default graph is the store's default graph; named graphs are\n"
          "reached with GRAPH.",
          options, vm, "query"))
    return kOk;
  text = request_text(file, text);
  std::optional<query::ResultFormat> fmt;
  if (!format.empty()) {
    fmt = query::result_format_from_name(format);
    if (!fmt) throw UsageError("unknown --format '" + format + "'");
  }

  // Read-only: queries run beside a load and see the store as it was when they started.
  auto database = Database::open(db, DatabaseOptions::read_only());
  query::QueryOptions q;
  q.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  q.union_default_graph = vm.count("union-default-graph") > 0;
  if (vm.count("base")) q.base_iri = vm["base"].as<std::string>();
  q.memory_limit = memory_mib << 20;
  if (vm.count("explain") || vm.count("explain-static")) {
    std::string plan;
    q.plan = &plan;
    q.plan_only = vm.count("explain-static") > 0;
    CountingSink sink;
    const auto start = std::chrono::steady_clock::now();
    database->query(text, q, sink);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (q.plan_only)
      std::printf("%s", plan.c_str());
    else
      std::printf("%s\n%s in %.1f ms\n", plan.c_str(), sink.summary().c_str(), took.count());
    return kOk;
  }
  std::unique_ptr<query::ResultSink> writer =
      fmt ? query::make_result_writer(*fmt, stdout) : std::make_unique<DefaultFormatSink>();
  database->query(text, q, *writer);
  return kOk;
}

}  // namespace quiver::cli
