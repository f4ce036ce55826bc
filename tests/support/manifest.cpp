#include "tests/support/manifest.h"

#include <cstdlib>
#include <map>
#include <stdexcept>

#include "tests/support/rdf_graph.h"

namespace quiver::testing {
namespace {

constexpr const char* kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr const char* kMf = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
constexpr const char* kRdft = "http://www.w3.org/ns/rdftest#";

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

  Manifest m;
  m.dir = abs.parent_path();
  for (const auto& q : doc.quads) {
    if (q[1].value == std::string(kRdf) + "type" && q[2].value == std::string(kMf) + "Manifest") {
      const std::string manifest = node_key(q[0]);
      if (const Term* base = first(manifest, std::string(kMf) + "assumedTestBase"))
        m.assumed_base = base->value;
      const Term* list = first(manifest, std::string(kMf) + "entries");
      while (list && !(list->kind == TermKind::Iri && list->value == std::string(kRdf) + "nil")) {
        const std::string cell = node_key(*list);
        if (const Term* item = first(cell, std::string(kRdf) + "first")) {
          const std::string e = node_key(*item);
          ManifestEntry entry;
          entry.id = item->value;
          if (const Term* t = first(e, std::string(kRdf) + "type")) entry.type = local_name(t->value);
          if (const Term* t = first(e, std::string(kMf) + "name")) entry.name = t->value;
          if (const Term* t = first(e, std::string(kRdft) + "approval"))
            entry.approval = local_name(t->value);
          if (const Term* t = first(e, std::string(kMf) + "action")) entry.action = file_of(*t);
          if (const Term* t = first(e, std::string(kMf) + "result")) entry.result = file_of(*t);
          m.entries.push_back(std::move(entry));
        }
        list = first(cell, std::string(kRdf) + "rest");
      }
    }
  }
  if (m.entries.empty()) throw std::runtime_error("manifest has no entries: " + path.string());
  return m;
}

}  // namespace quiver::testing
