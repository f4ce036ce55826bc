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
#include "tests/support/suite_server.h"
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

// The expected store: every graph's triples, in the graph the manifest names.
std::vector<TermQuad> expected_quads(const ManifestEntry::StoreState& state, std::string& why) {
  std::vector<TermQuad> out;
  auto add = [&](const std::filesystem::path& file, const std::string& graph) {
    ParsedDocument doc = parse_document(file, document_format(file), file_iri(file));
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

// Where a test's "before" documents go, its request runs and the "after" dataset is read: a store in process,
// or the HTTP endpoint. Each call throws when the request (or loading) fails.
class InProcess {
 public:
  InProcess() : store_(Store::open(dir_ / "db")) {}
  static void check_syntax(const std::string& text, const std::string& base) {
    query::parse_update(text, base);
  }
  void add(const std::filesystem::path& file, const std::string& graph) {
    load_test_document(*store_, file, graph);
  }
  void update(const std::string& text, const std::string& base) {
    query::UpdateOptions options;
    options.base_iri = base;
    options.timeout = std::chrono::seconds(20);
    options.data_root = w3c_dir();
    options.sync = false;
    query::run_update(*store_, text, options);
  }
  std::vector<TermQuad> dataset() const {
    std::vector<TermQuad> out;
    for (QuadCursor c = store_->scan({}); c.valid(); c.next()) {
      const Quad& q = c.quad();
      out.push_back({*store_->term(q.s), *store_->term(q.p), *store_->term(q.o),
                     q.g == kDefaultGraph ? Term::iri("") : *store_->term(q.g)});
    }
    return out;
  }

 private:
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Documents through the Graph Store Protocol, the request through POST /sparql, the dataset from GET /store.
class OverHttp {
 public:
  OverHttp() : server_(SuiteServer::instance()) { server_.reset(); }
  // Refused with 400 is a syntax error; any other answer parsed the request.
  static void check_syntax(const std::string& text, const std::string& base) {
    try {
      SuiteServer::instance().update(text, base);
    } catch (const std::exception& err) {
      if (std::string(err.what()).find(": 400 ") != std::string::npos) throw;
    }
  }
  void add(const std::filesystem::path& file, const std::string& graph) { server_.add(file, graph); }
  void update(const std::string& text, const std::string& base) { server_.update(text, base); }
  std::vector<TermQuad> dataset() const { return server_.dataset(); }

 private:
  SuiteServer& server_;
};

template <class Target>
bool run_case(const W3cCase& c, std::string& why) {
  const ManifestEntry& e = c.entry;
  if (e.type.find("SyntaxTest") != std::string::npos) return run_syntax_case(e, Target::check_syntax, why);
  if (e.request.empty()) {
    why = "not an update evaluation test (" + e.type + ")";
    return false;
  }
  Target target;
  try {
    for (const auto& d : e.before.data) target.add(d, "");
    for (const auto& g : e.before.graphs) target.add(g.file, g.iri);
  } catch (const std::exception& err) {
    why = std::string("cannot load the test data: ") + err.what();
    return false;
  }
  try {
    target.update(read_text(e.request), file_iri(e.request));
  } catch (const std::exception& err) {
    why = std::string("update failed: ") + err.what();
    return false;
  }
  std::vector<TermQuad> expected = expected_quads(e.after, why);
  if (!why.empty()) return false;
  std::vector<TermQuad> got = target.dataset();
  why = "stores differ.\nexpected:\n" + describe(expected) + "got:\n" + describe(got);
  return isomorphic(got, expected);
}

class W3cUpdateSuite : public ::testing::TestWithParam<W3cCase> {};

TEST_P(W3cUpdateSuite, Conforms) {
  check_w3c_case(GetParam(), known_failures(), run_case<InProcess>);
}

INSTANTIATE_TEST_SUITE_P(Update, W3cUpdateSuite, ::testing::ValuesIn(all_cases()), w3c_case_name);

// The same cases through the SPARQL protocol and the Graph Store Protocol.
class W3cUpdateSuiteOverHttp : public ::testing::TestWithParam<W3cCase> {};

TEST_P(W3cUpdateSuiteOverHttp, Conforms) {
  check_w3c_case(GetParam(), known_failures(), run_case<OverHttp>, " over HTTP");
}

INSTANTIATE_TEST_SUITE_P(UpdateOverHttp, W3cUpdateSuiteOverHttp, ::testing::ValuesIn(all_cases()),
                         w3c_case_name);

const SuiteTally& kTally = SuiteTally::instance();  // registered before the tests run

}  // namespace
}  // namespace quiver::testing
