#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "query/query.h"

namespace quiver::cli {

int query_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db, file, format, text;
  double timeout = 300;
  options.add_options()("db", po::value(&db)->required(), "store directory")(
      "file,f", po::value(&file), "read the query from this file ('-' for standard input)")(
      "format", po::value(&format)->default_value("table"),
      "table|json|xml|csv|tsv for solutions, ntriples|turtle|rdfxml for graphs")(
      "timeout", po::value(&timeout)->default_value(300), "seconds before the query is stopped")(
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
  if (!file.empty() == !text.empty()) throw UsageError("give the query either as text or with --file");
  if (!file.empty()) {
    std::stringstream buf;
    if (file == "-") {
      buf << std::cin.rdbuf();
    } else {
      std::ifstream in(file);
      if (!in) throw std::runtime_error("cannot read " + file);
      buf << in.rdbuf();
    }
    text = buf.str();
  }
  auto fmt = query::result_format_from_name(format);
  if (!fmt) throw UsageError("unknown --format '" + format + "'");
  if (timeout <= 0) throw UsageError("--timeout must be positive");

  StoreOptions store_options;
  store_options.create_if_missing = false;
  store_options.read_only = true;  // queries run beside a load and see the store as it was when they started
  auto store = Store::open(db, store_options);
  query::QueryOptions q;
  q.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  q.union_default_graph = vm.count("union-default-graph") > 0;
  if (vm.count("base")) q.base_iri = vm["base"].as<std::string>();
  auto writer = query::make_result_writer(*fmt, stdout);
  query::run_query(*store, text, q, *writer);
  return kOk;
}

}  // namespace quiver::cli
