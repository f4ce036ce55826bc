// Commands that read a store: stats and dump.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "parser/rdf_writer.h"
#include "store/store.h"

namespace quiver::cli {
namespace {

std::string show(const Store& store, TermId id) {
  if (id == kDefaultGraph) return "(default graph)";
  auto term = store.term(id);
  return term ? to_ntriples(*term) : "(unknown term)";
}

// Read-only: statistics and dumps run beside a load, and on stores the user may not write.
std::unique_ptr<Store> open_existing(const std::string& db) {
  StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return Store::open(db, options);
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
  auto store = open_existing(db);
  Statistics stats = store->statistics();
  std::printf("quads: %lu\ngraphs: %zu\npredicates: %zu\n\n", static_cast<unsigned long>(stats.quads),
              stats.graphs.size(), stats.predicates.size());
  std::printf("%12s  %s\n", "quads", "graph");
  for (auto& [g, count] : stats.graphs)
    std::printf("%12lu  %s\n", static_cast<unsigned long>(count), show(*store, g).c_str());

  std::vector<std::pair<TermId, PredicateStats>> preds(stats.predicates.begin(), stats.predicates.end());
  std::sort(preds.begin(), preds.end(), [](auto& a, auto& b) { return a.second.triples > b.second.triples; });
  if (preds.size() > top) preds.resize(top);
  std::printf("\n%12s  %12s  %12s  %s\n", "triples", "subjects", "objects", "predicate");
  for (auto& [p, ps] : preds)
    std::printf("%12lu  %12lu  %12lu  %s\n", static_cast<unsigned long>(ps.triples),
                static_cast<unsigned long>(ps.distinct_subjects),
                static_cast<unsigned long>(ps.distinct_objects), show(*store, p).c_str());
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
  auto store = open_existing(db);

  QuadPattern pattern;
  if (graph == "default") {
    pattern.g = kDefaultGraph;
  } else if (!graph.empty()) {
    auto id = store->find(Term::iri(graph));
    if (!id) throw std::runtime_error("the store has no graph <" + graph + ">");
    pattern.g = *id;
  } else if (!has_graphs(*fmt)) {
    pattern.g = kDefaultGraph;
    const auto graphs = store->statistics().graphs;
    if (graphs.size() > graphs.count(kDefaultGraph))
      throw UsageError(std::string(format_name(*fmt)) +
                       " holds one graph but the store has named graphs: use "
                       "--format nquads or --graph");
  }

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  std::FILE* out = stdout;
  if (!output.empty()) {
    file.reset(std::fopen(output.c_str(), "wb"));
    if (!file) throw std::runtime_error("cannot write " + output);
    out = file.get();
  }
  RdfWriter writer(*fmt, out);
  const bool with_graph = has_graphs(*fmt);
  for (QuadCursor c = store->scan(pattern); c.valid(); c.next()) {
    const Quad& q = c.quad();
    auto s = store->term(q.s), p = store->term(q.p), o = store->term(q.o);
    if (!s || !p || !o) throw std::runtime_error("the store references a term missing from its dictionary");
    std::optional<Term> g;
    if (with_graph && q.g != kDefaultGraph) g = store->term(q.g);
    writer.write(*s, *p, *o, g ? &*g : nullptr);
  }
  writer.finish();
  if (std::ferror(out)) throw std::runtime_error("writing the dump failed (is the disk full?)");
  return kOk;
}

}  // namespace quiver::cli
