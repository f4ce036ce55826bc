// Commands that read a store: stats and dump.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "engine/database.h"
#include "parser/rdf_writer.h"

namespace quiver::cli {
namespace {

std::string show(const Database& database, TermId id) {
  if (id == kDefaultGraph) return "(default graph)";
  auto term = database.term(id);
  return term ? to_ntriples(*term) : "(unknown term)";
}

// Read-only: statistics and dumps run beside a load, and on stores the user may not write.
std::unique_ptr<Database> open_existing(const std::string& db) {
  return Database::open(db, DatabaseOptions::read_only());
}

}  // namespace

int stats_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db;
  size_t top = 20;
  options.add_options()("db", po::value(&db)->required(), "store directory")(
      "top", in_range<size_t>(&top, 0, 1000000, "top"), "how many predicates to list");
  po::variables_map vm;
  if (!parse_command_line(args, "quiver stats --db DIR [--top N]",
                          "Shows the number of quads, the quads per graph, and the predicates with the most\n"
                          "triples with their distinct subjects and objects.",
                          options, vm))
    return kOk;
  auto database = open_existing(db);
  Statistics stats = database->statistics();
  std::printf("quads: %lu\ngraphs: %zu\npredicates: %zu\n\n", static_cast<unsigned long>(stats.quads),
              stats.graphs.size(), stats.predicates.size());
  std::printf("%12s  %s\n", "quads", "graph");
  for (auto& [g, count] : stats.graphs)
    std::printf("%12lu  %s\n", static_cast<unsigned long>(count), show(*database, g).c_str());

  std::vector<std::pair<TermId, PredicateStats>> preds(stats.predicates.begin(), stats.predicates.end());
  std::sort(preds.begin(), preds.end(), [](auto& a, auto& b) { return a.second.triples > b.second.triples; });
  if (preds.size() > top) preds.resize(top);
  std::printf("\n%12s  %12s  %12s  %s\n", "triples", "subjects", "objects", "predicate");
  for (auto& [p, ps] : preds)
    std::printf("%12lu  %12lu  %12lu  %s\n", static_cast<unsigned long>(ps.triples),
                static_cast<unsigned long>(ps.distinct_subjects),
                static_cast<unsigned long>(ps.distinct_objects), show(*database, p).c_str());
  return kOk;
}

int dump_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db, format, graph, output;
  options.add_options()("db", po::value(&db)->required(), "store directory")(
      "format", po::value(&format)->default_value("nquads"), "nquads|ntriples|turtle|trig|rdfxml")(
      "graph", po::value(&graph), "only this graph (an IRI, or 'default' for the default graph)")(
      "output,o", po::value(&output), "write to this file instead of standard output");
  po::variables_map vm;
  if (!parse_command_line(
          args, "quiver dump --db DIR [--format F] [--graph IRI|default] [-o FILE]",
          "Writes the store's quads. N-Triples, Turtle and RDF/XML hold one graph: pick it with\n"
          "--graph (the default graph when the store has no named graphs).",
          options, vm))
    return kOk;
  auto fmt = format_from_name(format);
  if (!fmt) throw UsageError("unknown --format '" + format + "'");
  auto database = open_existing(db);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  std::FILE* out = stdout;
  if (!output.empty()) {
    file.reset(std::fopen(output.c_str(), "wb"));
    if (!file) throw std::runtime_error("cannot write " + output);
    out = file.get();
  }
  try {
    database->export_quads({.format = *fmt, .graph = graph}, out);
  } catch (const DatabaseError& e) {
    if (e.kind != DatabaseError::Kind::Invalid) throw;
    throw UsageError(std::string(e.what()) + " (--format nquads, or --graph)");
  }
  return kOk;
}

}  // namespace quiver::cli
