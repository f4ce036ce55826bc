// Test support: the W3C SPARQL suites as gtest parameters. Cases come from manifests; each result is checked
// against the suite's list of known failures (a listed test must still fail) and tallied per folder.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "loader/loader.h"
#include "tests/support/manifest.h"
#include "tests/support/suite_tally.h"

namespace quiver::testing {

struct W3cCase {
  std::string suite;  // the folder of the entry's manifest, relative to sparql/
  ManifestEntry entry;
  std::string problem;  // why the suite could not be read, when it could not
};

inline void PrintTo(const W3cCase& c, std::ostream* os) {
  *os << c.suite << "/" << c.entry.name;
}

// The approved cases of the manifests (paths relative to sparql/) and of the manifests they include.
inline std::vector<W3cCase> w3c_cases(const std::vector<std::string>& manifests) {
  std::vector<W3cCase> cases;
  std::function<void(const std::filesystem::path&)> collect = [&](const std::filesystem::path& manifest) {
    Manifest m = read_manifest(manifest);
    const std::string suite = std::filesystem::relative(m.dir, w3c_dir() / "sparql").string();
    for (auto& e : m.entries)
      if (e.approval != "Withdrawn" && e.approval != "NotClassified") cases.push_back({suite, e, {}});
    for (auto& inc : m.includes) collect(inc);
  };
  for (const std::string& manifest : manifests) {
    try {
      collect(w3c_dir() / "sparql" / manifest);
    } catch (const std::exception& e) {
      cases.push_back({manifest, {}, e.what()});
    }
  }
  return cases;
}

inline std::string w3c_case_name(const ::testing::TestParamInfo<W3cCase>& info) {
  return test_name(info.param.suite, info.param.entry.name, info.index);
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string file_iri(const std::filesystem::path& p) {
  return "file://" + p.string();
}

// The syntax of a test document, from its extension.
inline RdfFormat document_format(const std::filesystem::path& p) {
  return p.extension() == ".nt"    ? RdfFormat::NTriples
         : p.extension() == ".rdf" ? RdfFormat::RdfXml
                                   : RdfFormat::Turtle;
}

// A syntax test: `parse` (which throws on invalid text) must accept a positive test and reject a negative
// one.
template <class Parse>
bool run_syntax_case(const ManifestEntry& e, Parse parse, std::string& why) {
  const bool negative = e.type.find("Negative") != std::string::npos;
  try {
    parse(read_text(e.action), file_iri(e.action));
    why = negative ? "invalid text accepted" : "";
    return !negative;
  } catch (const std::exception& err) {
    why = negative ? "" : std::string("rejected: ") + err.what();
    return negative;
  }
}

// Loads one of a test's documents into `graph` ("" for the default graph), with the document as base IRI.
inline void load_test_document(Store& store, const std::filesystem::path& file, const std::string& graph) {
  if (std::filesystem::file_size(file) == 0)
    return;  // an empty document adds nothing (the loader refuses it)
  LoadOptions options;
  options.inputs = {file};
  options.graph_iri = graph;
  options.base_iri = file_iri(file);
  options.threads = 1;
  options.memory_mib = 16;
  load(store, options);
}

// Runs one case with `run` (true when it conforms; `why` says what went wrong) and checks the outcome.
// `route` (" over HTTP", say) tells apart the tallies of one suite run two ways.
inline void check_w3c_case(const W3cCase& c, const std::map<std::string, std::string>& known_failures,
                           const std::function<bool(const W3cCase&, std::string&)>& run,
                           const std::string& route = "") {
  ASSERT_TRUE(c.problem.empty()) << "W3C suite unavailable: " << c.problem
                                 << "\nSet QUIVER_W3C_DIR to the folder holding rdf/ and sparql/.";
  std::string why;
  const bool ok = run(c, why);
  const std::string key = c.suite + "/" + c.entry.name;
  auto known = known_failures.find(key);
  if (known != known_failures.end()) {
    EXPECT_FALSE(ok) << key << " is listed as failing (" << known->second
                     << ") but passes: remove it from the list";
    SuiteTally::instance().known_failure(c.suite + route);
    return;
  }
  EXPECT_TRUE(ok) << key << " (" << c.entry.type << "): " << why;
  if (ok) SuiteTally::instance().passed(c.suite + route);
}

}  // namespace quiver::testing
