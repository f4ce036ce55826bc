// Test support: reading W3C test manifests (Turtle, mf:entries lists) so suites run from their manifests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace quiver::testing {

struct ManifestEntry {
  std::string id;    // the entry's IRI
  std::string name;  // mf:name
  std::string type;  // rdf:type, without the namespace (e.g. "TestTurtleEval")
  std::string approval;
  std::filesystem::path action;  // mf:action as a local file, when it is one
  std::filesystem::path result;  // mf:result as a local file, when it is one
  // SPARQL tests: the action is a node with the query, the default graph's data and named graphs' data.
  std::filesystem::path query;
  std::vector<std::filesystem::path> data, graph_data;
  // SPARQL Update tests: the request, and the store before (action) and after (result): default graph data
  // and named graphs with their IRIs.
  struct GraphFile {
    std::filesystem::path file;
    std::string iri;
  };
  struct StoreState {
    std::vector<std::filesystem::path> data;
    std::vector<GraphFile> graphs;
  };
  std::filesystem::path request;
  StoreState before, after;
};

struct Manifest {
  std::filesystem::path dir;
  std::string assumed_base;  // mf:assumedTestBase, or empty
  std::vector<ManifestEntry> entries;
  std::vector<std::filesystem::path> includes;  // mf:include: further manifests
};

// Where the W3C suites are: $QUIVER_W3C_DIR, else the shared folder beside the source tree.
std::filesystem::path w3c_dir();

// A gtest-safe test name: `suite`, `name` and a running index, with every other character turned into '_'.
std::string test_name(const std::string& suite, const std::string& name, size_t index);

// Reads a manifest (its own entries; `includes` lists the manifests it includes). Throws std::runtime_error
// naming the file when it is missing or malformed.
Manifest read_manifest(const std::filesystem::path& path);

}  // namespace quiver::testing
