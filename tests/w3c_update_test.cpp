// The W3C SPARQL 1.1 Update suites, driven from their manifests: syntax tests through the front end;
// evaluation tests load the "before" store, apply the request and compare every graph with the "after" one.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "loader/loader.h"
#include "query/update.h"
#include "tests/support/manifest.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/temp_dir.h"
#include "tests/support/w3c_cases.h"

namespace quiver::testing {
namespace {

// Tests Quiver does not pass yet, with the reason; each is still run and must still fail.
const std::map<std::string, std::string>& known_failures() {
  static const std::map<std::string, std::string> known = {
#include "w3c_update_known_failures.inc"
  };
  return known;
}

std::vector<W3cCase> all_cases() {
  return w3c_cases({"sparql11/manifest-sparql11-update.ttl"});
}

RdfFormat format_of(const std::filesystem::path& p) {
  return p.extension() == ".nt"    ? RdfFormat::NTriples
         : p.extension() == ".rdf" ? RdfFormat::RdfXml
                                   : RdfFormat::Turtle;
}

// The expected store: every graph's triples, in the graph the manifest names.
std::vector<TermQuad> expected_quads(const ManifestEntry::StoreState& state, std::string& why) {
  std::vector<TermQuad> out;
  auto add = [&](const std::filesystem::path& file, const std::string& graph) {
    ParsedDocument doc = parse_document(file, format_of(file), file_iri(file));
    if (!doc.errors.empty()) why = "cannot read " + file.string() + ": " + doc.errors[0].to_string();
    for (TermQuad q : doc.quads) {
      q[3] = Term::iri(graph);
      out.push_back(std::move(q));
    }
  };
  for (const auto& d : state.data) add(d, "");
  for (const auto& g : state.graphs) add(g.file, g.iri);
  return out;
}

std::vector<TermQuad> stored_quads(const Store& store) {
  std::vector<TermQuad> out;
  for (QuadCursor c = store.scan({}); c.valid(); c.next()) {
    const Quad& q = c.quad();
    out.push_back({*store.term(q.s), *store.term(q.p), *store.term(q.o),
                   q.g == kDefaultGraph ? Term::iri("") : *store.term(q.g)});
  }
  return out;
}

bool run_case(const W3cCase& c, std::string& why) {
  const ManifestEntry& e = c.entry;
  if (e.type.find("SyntaxTest") != std::string::npos)
    return run_syntax_case(
        e, [](const std::string& text, const std::string& base) { query::parse_update(text, base); }, why);
  if (e.request.empty()) {
    why = "not an update evaluation test (" + e.type + ")";
    return false;
  }
  TempDir dir;
  auto store = Store::open(dir / "db");
  try {
    for (const auto& d : e.before.data) load_test_document(*store, d, "");
    for (const auto& g : e.before.graphs) load_test_document(*store, g.file, g.iri);
  } catch (const std::exception& err) {
    why = std::string("cannot load the test data: ") + err.what();
    return false;
  }
  query::UpdateOptions options;
  options.base_iri = file_iri(e.request);
  options.timeout = std::chrono::seconds(20);
  options.data_root = w3c_dir();
  options.sync = false;
  try {
    query::run_update(*store, read_text(e.request), options);
  } catch (const std::exception& err) {
    why = std::string("update failed: ") + err.what();
    return false;
  }
  std::vector<TermQuad> expected = expected_quads(e.after, why);
  if (!why.empty()) return false;
  std::vector<TermQuad> got = stored_quads(*store);
  why = "stores differ.\nexpected:\n" + describe(expected) + "got:\n" + describe(got);
  return isomorphic(got, expected);
}

class W3cUpdateSuite : public ::testing::TestWithParam<W3cCase> {};

TEST_P(W3cUpdateSuite, Conforms) {
  check_w3c_case(GetParam(), known_failures(), run_case);
}

INSTANTIATE_TEST_SUITE_P(Update, W3cUpdateSuite, ::testing::ValuesIn(all_cases()), w3c_case_name);

const SuiteTally& kTally = SuiteTally::instance();  // registered before the tests run

}  // namespace
}  // namespace quiver::testing
