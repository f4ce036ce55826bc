// The Graph Store operations of Database: what the server's /store does to one graph.
#include <algorithm>

#include "engine/database.h"

namespace quiver {
namespace {

// A graph name checked for use inside a request's text: "default", or an absolute IRI with none of the
// characters an IRI reference may not hold.
void check_graph_name(const std::string& graph) {
  if (graph == "default") return;
  const bool clean = std::none_of(graph.begin(), graph.end(), [](unsigned char c) {
    return c <= 0x20 || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' ||
           c == '`' || c == '\\';
  });
  if (!clean || graph.find(':') == std::string::npos)
    throw DatabaseError(DatabaseError::Kind::Invalid,
                        "a graph is named by an absolute IRI, not '" + graph + "'");
}

std::string graph_ref(const std::string& graph) {
  return graph == "default" ? "DEFAULT" : "GRAPH <" + graph + ">";
}

}  // namespace

uint64_t Database::graph_quads(const std::string& graph) const {
  check_graph_name(graph);
  const ReadView view(*store_);
  const auto id = graph == "default" ? std::optional<TermId>(kDefaultGraph) : view.find(Term::iri(graph));
  if (!id) return 0;
  const auto& graphs = view.statistics().graphs;
  const auto it = graphs.find(*id);
  return it == graphs.end() ? 0 : it->second;
}

bool Database::graph_exists(const std::string& graph) const {
  check_graph_name(graph);
  if (graph == "default") return true;
  const ReadView view(*store_);
  const auto id = view.find(Term::iri(graph));
  return id && view.graph_exists(*id);
}

uint64_t Database::write_graph(const std::string& graph, const std::vector<std::filesystem::path>& files,
                               bool replace, const std::string& base_iri, Cancellation* stop) {
  if (files.empty()) throw DatabaseError(DatabaseError::Kind::Invalid, "no RDF was given to write");
  // The graph is looked at and written in one writer's turn: a PUT and a POST at once must not both find it
  // empty and both append.
  // A named graph written exists afterwards, even when the body held nothing (as CREATE GRAPH makes one).
  const std::string create = graph == "default" ? "" : "CREATE SILENT GRAPH <" + graph + ">";
  const auto turn = admit_writer(stop);
  if (!replace || graph_quads(graph) == 0) {
    // Nothing to take out: the bulk path, which never holds the statements in memory.
    LoadOptions load;
    load.inputs = files;
    load.graph_iri = graph == "default" ? "" : graph;
    load.base_iri = base_iri;
    load.cancellation = stop;
    const uint64_t added = load_in_turn(load).triples_added;
    // Still one change: a load that leaves the graph missing committed nothing.
    if (!create.empty() && !graph_exists(graph)) {
      query::UpdateOptions update;
      update.cancellation = stop;
      update_in_turn(create, update);
    }
    return added;
  }
  // Out with the old and in with the new in one transaction, which spills to disk past its budget.
  query::UpdateOptions update;
  update.data_root = files.front().parent_path();
  update.document_base_iri = base_iri;
  update.cancellation = stop;
  const std::string into = graph == "default" ? "" : " INTO GRAPH <" + graph + ">";
  std::string request = "CLEAR SILENT " + graph_ref(graph);
  for (const auto& file : files) request += " ; LOAD <file:" + file.filename().string() + ">" + into;
  if (!create.empty()) request += " ; " + create;
  return update_in_turn(request, update).inserted;
}

bool Database::drop_graph(const std::string& graph, Cancellation* stop) {
  const auto turn = admit_writer(stop);  // looked at and dropped in one turn
  if (!graph_exists(graph)) return false;
  query::UpdateOptions update;
  update.cancellation = stop;
  update_in_turn((graph == "default" ? "CLEAR " : "DROP ") + graph_ref(graph), update);
  return true;
}

}  // namespace quiver
