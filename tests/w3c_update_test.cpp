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
#include "tests/support/suite_tally.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

// Tests Quiver does not pass yet, with the reason; each is still run and must still fail.
const std::map<std::string, std::string>& known_failures() {
  static const std::map<std::string, std::string> known = {
#include "w3c_update_known_failures.inc"
  };
  return known;
}

struct Case {
  std::string suite;
  ManifestEntry entry;
  std::string problem;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.suite << "/" << c.entry.name;
}

void collect(const std::filesystem::path& manifest, std::vector<Case>& cases) {
  Manifest m = read_manifest(manifest);
  const std::string suite = std::filesystem::relative(m.dir, w3c_dir() / "sparql").string();
  for (auto& e : m.entries)
    if (e.approval != "Withdrawn" && e.approval != "NotClassified") cases.push_back({suite, e, {}});
  for (auto& inc : m.includes) collect(inc, cases);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  try {
    collect(w3c_dir() / "sparql/sparql11/manifest-sparql11-update.ttl", cases);
  } catch (const std::exception& e) {
    cases.push_back({"sparql11", {}, e.what()});
  }
  return cases;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string file_iri(const std::filesystem::path& p) {
  return "file://" + p.string();
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

bool run_case(const Case& c, std::string& why) {
  const ManifestEntry& e = c.entry;
  if (e.type.find("SyntaxTest") != std::string::npos) {
    const bool negative = e.type.find("Negative") != std::string::npos;
    try {
      query::parse_update(read_text(e.action), file_iri(e.action));
      why = negative ? "invalid update accepted" : "";
      return !negative;
    } catch (const query::QueryError& err) {
      why = negative ? "" : std::string("rejected: ") + err.what();
      return negative;
    }
  }
  if (e.request.empty()) {
    why = "not an update evaluation test (" + e.type + ")";
    return false;
  }
  TempDir dir;
  auto store = Store::open(dir / "db");
  try {
    auto load_into = [&](const std::filesystem::path& file, const std::string& graph) {
      if (std::filesystem::file_size(file) == 0) return;  // an empty document adds nothing
      LoadOptions options;
      options.inputs = {file};
      options.graph_iri = graph;
      options.base_iri = file_iri(file);
      options.threads = 1;
      options.memory_mib = 16;
      load(*store, options);
    };
    for (const auto& d : e.before.data) load_into(d, "");
    for (const auto& g : e.before.graphs) load_into(g.file, g.iri);
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

class W3cUpdateSuite : public ::testing::TestWithParam<Case> {};

TEST_P(W3cUpdateSuite, Conforms) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.problem.empty()) << "W3C suite unavailable: " << c.problem
                                 << "\nSet QUIVER_W3C_DIR to the folder holding rdf/ and sparql/.";
  std::string why;
  const bool ok = run_case(c, why);
  const std::string key = c.suite + "/" + c.entry.name;
  auto known = known_failures().find(key);
  if (known != known_failures().end()) {
    EXPECT_FALSE(ok) << key << " is listed as failing (" << known->second
                     << ") but passes: remove it from the list";
    SuiteTally::instance().known_failure(c.suite);
    return;
  }
  EXPECT_TRUE(ok) << key << " (" << c.entry.type << "): " << why;
  if (ok) SuiteTally::instance().passed(c.suite);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return test_name(info.param.suite, info.param.entry.name, info.index);
}

INSTANTIATE_TEST_SUITE_P(Update, W3cUpdateSuite, ::testing::ValuesIn(all_cases()), case_name);

const SuiteTally& kTally = SuiteTally::instance();  // registered before the tests run

}  // namespace
}  // namespace quiver::testing
