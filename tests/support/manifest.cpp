#include "tests/support/manifest.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "tests/support/rdf_graph.h"

namespace quiver::testing {
namespace {

constexpr const char* kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr const char* kMf = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
constexpr const char* kRdft = "http://www.w3.org/ns/rdftest#";
constexpr const char* kQt = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#";
constexpr const char* kUt = "http://www.w3.org/2009/sparql/tests/test-update#";
constexpr const char* kRdfs = "http://www.w3.org/2000/01/rdf-schema#";
constexpr const char* kDawgt = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#";

std::string local_name(const std::string& iri) {
  auto pos = iri.find_last_of("#/");
  return pos == std::string::npos ? iri : iri.substr(pos + 1);
}

std::filesystem::path file_of(const Term& t) {
  const std::string prefix = "file://";
  if (t.kind != TermKind::Iri || t.value.compare(0, prefix.size(), prefix) != 0) return {};
  return t.value.substr(prefix.size());
}

}  // namespace

std::string test_name(const std::string& suite, const std::string& name, size_t index) {
  std::string out = suite + "_" + (name.empty() ? "manifest" : name);
  for (char& ch : out)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return out + "_" + std::to_string(index);
}

std::filesystem::path w3c_dir() {
  if (const char* env = std::getenv("QUIVER_W3C_DIR")) return env;
  return QUIVER_DEFAULT_W3C_DIR;
}

Manifest read_manifest(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error("W3C manifest not found: " + path.string());
  const auto abs = std::filesystem::absolute(path);
  ParsedDocument doc = parse_document(abs, RdfFormat::Turtle, "file://" + abs.string());
  if (!doc.errors.empty()) throw std::runtime_error("cannot parse manifest: " + doc.errors[0].to_string());

  // subject -> predicate -> objects
  std::map<std::string, std::multimap<std::string, Term>> props;
  auto node_key = [](const Term& t) { return to_ntriples(t); };
  for (const auto& q : doc.quads) props[node_key(q[0])].emplace(q[1].value, q[2]);
  auto first = [&](const std::string& node, const std::string& pred) -> const Term* {
    auto it = props.find(node);
    if (it == props.end()) return nullptr;
    auto p = it->second.find(pred);
    return p == it->second.end() ? nullptr : &p->second;
  };
  auto all = [&](const std::string& node, const std::string& pred) {
    std::vector<const Term*> out;
    auto it = props.find(node);
    if (it == props.end()) return out;
    auto [b, e] = it->second.equal_range(pred);
    for (auto p = b; p != e; ++p) out.push_back(&p->second);
    return out;
  };
  // The items of an RDF collection.
  auto list = [&](const Term* head) {
    std::vector<const Term*> out;
    while (head && !(head->kind == TermKind::Iri && head->value == std::string(kRdf) + "nil")) {
      const std::string cell = node_key(*head);
      if (const Term* item = first(cell, std::string(kRdf) + "first")) out.push_back(item);
      head = first(cell, std::string(kRdf) + "rest");
    }
    return out;
  };

  Manifest m;
  m.dir = abs.parent_path();
  for (const auto& q : doc.quads) {
    if (q[1].value == std::string(kRdf) + "type" && q[2].value == std::string(kMf) + "Manifest") {
      const std::string manifest = node_key(q[0]);
      if (const Term* base = first(manifest, std::string(kMf) + "assumedTestBase"))
        m.assumed_base = base->value;
      for (const Term* inc : list(first(manifest, std::string(kMf) + "include")))
        m.includes.push_back(file_of(*inc));
      for (const Term* item : list(first(manifest, std::string(kMf) + "entries"))) {
        const std::string e = node_key(*item);
        ManifestEntry entry;
        entry.id = item->value;
        if (const Term* t = first(e, std::string(kRdf) + "type")) entry.type = local_name(t->value);
        if (const Term* t = first(e, std::string(kMf) + "name")) entry.name = t->value;
        if (const Term* t = first(e, std::string(kRdft) + "approval")) entry.approval = local_name(t->value);
        if (const Term* t = first(e, std::string(kDawgt) + "approval")) entry.approval = local_name(t->value);
        // An update test's store state: ut:data for the default graph, ut:graphData [ut:graph; rdfs:label].
        auto state = [&](const Term* node) {
          ManifestEntry::StoreState s;
          if (!node) return s;
          const std::string n = node_key(*node);
          for (const Term* d : all(n, std::string(kUt) + "data")) s.data.push_back(file_of(*d));
          for (const Term* g : all(n, std::string(kUt) + "graphData")) {
            const std::string gn = node_key(*g);
            const Term* file = first(gn, std::string(kUt) + "graph");
            const Term* label = first(gn, std::string(kRdfs) + "label");
            if (file && label) s.graphs.push_back({file_of(*file), label->value});
          }
          return s;
        };
        if (const Term* t = first(e, std::string(kMf) + "result")) {
          entry.result = file_of(*t);
          entry.after = state(t);
        }
        if (const Term* action = first(e, std::string(kMf) + "action")) {
          entry.action = file_of(*action);
          const std::string a = node_key(*action);
          if (const Term* q = first(a, std::string(kQt) + "query")) entry.query = file_of(*q);
          if (const Term* r = first(a, std::string(kUt) + "request")) entry.request = file_of(*r);
          entry.before = state(action);
          for (const Term* d : all(a, std::string(kQt) + "data")) entry.data.push_back(file_of(*d));
          for (const Term* g : all(a, std::string(kQt) + "graphData"))
            entry.graph_data.push_back(file_of(*g));
        }
        m.entries.push_back(std::move(entry));
      }
    }
  }
  if (m.entries.empty() && m.includes.empty())
    throw std::runtime_error("manifest has no entries: " + path.string());
  return m;
}

}  // namespace quiver::testing
