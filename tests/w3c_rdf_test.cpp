// The W3C RDF 1.1 syntax suites (N-Triples, N-Quads, Turtle, TriG, RDF/XML), driven from their manifests.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "tests/support/manifest.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/suite_tally.h"

namespace quiver::testing {
namespace {

const char* const kSuites[] = {"rdf-n-triples", "rdf-n-quads", "rdf-turtle", "rdf-trig", "rdf-xml"};

// Tests Raptor 2.0.15 itself gets wrong. Each one is still run and must still fail, so that a fixed Raptor
// shows up here instead of hiding behind the list.
const std::map<std::string, std::string>& raptor_known_failures() {
  static const std::map<std::string, std::string> known = {
#include "w3c_rdf_known_failures.inc"
  };
  return known;
}

struct Case {
  std::string suite;
  ManifestEntry entry;
  std::string base;
  std::string problem;  // set when the suite could not be read at all
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.suite << "/" << c.entry.name;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  const auto root = w3c_dir() / "rdf" / "rdf11";
  for (const char* suite : kSuites) {
    try {
      Manifest m = read_manifest(root / suite / "manifest.ttl");
      for (auto& e : m.entries) {
        if (e.approval == "Withdrawn" || e.approval == "NotClassified") continue;
        std::string base = m.assumed_base.empty()
                               ? "file://" + e.action.string()
                               : m.assumed_base + std::filesystem::relative(e.action, m.dir).string();
        cases.push_back({suite, e, base, {}});
      }
    } catch (const std::exception& ex) {
      cases.push_back({suite, {}, {}, ex.what()});
    }
  }
  return cases;
}

RdfFormat format_of_type(const std::string& type) {
  if (type.find("NTriples") != std::string::npos) return RdfFormat::NTriples;
  if (type.find("NQuads") != std::string::npos) return RdfFormat::NQuads;
  if (type.find("Turtle") != std::string::npos) return RdfFormat::Turtle;
  if (type.find("Trig") != std::string::npos) return RdfFormat::TriG;
  return RdfFormat::RdfXml;
}

// Whether Quiver's reader does what the test expects; `why` explains a mismatch.
bool conforms(const Case& c, std::string& why) {
  const ManifestEntry& e = c.entry;
  const RdfFormat format = format_of_type(e.type);
  ParsedDocument doc = parse_document(e.action, format, c.base);
  const bool negative = e.type.find("Negative") != std::string::npos;
  if (negative) {
    why = "expected a syntax error, got none";
    return !doc.errors.empty();
  }
  if (!doc.errors.empty()) {
    why = "unexpected error: " + doc.errors[0].to_string();
    return false;
  }
  if (e.type.find("Eval") == std::string::npos) return true;
  const RdfFormat result_format = e.result.extension() == ".nq" ? RdfFormat::NQuads : RdfFormat::NTriples;
  ParsedDocument expected = parse_document(e.result, result_format, c.base);
  if (!expected.errors.empty()) {
    why = "cannot read the expected result: " + expected.errors[0].to_string();
    return false;
  }
  why = "graphs differ.\nexpected:\n" + describe(expected.quads) + "got:\n" + describe(doc.quads);
  return isomorphic(doc.quads, expected.quads);
}

class W3cRdfSuite : public ::testing::TestWithParam<Case> {};

TEST_P(W3cRdfSuite, Conforms) {
  const Case& c = GetParam();
  ASSERT_TRUE(c.problem.empty()) << "W3C suite " << c.suite << " unavailable: " << c.problem
                                 << "\nSet QUIVER_W3C_DIR to the folder holding rdf/ and sparql/.";
  std::string why;
  const bool ok = conforms(c, why);
  auto known = raptor_known_failures().find(c.suite + "/" + c.entry.name);
  if (known != raptor_known_failures().end()) {
    EXPECT_FALSE(ok) << c.entry.name << " is listed as a Raptor failure (" << known->second
                     << ") but now passes: remove it from the list";
    SuiteTally::instance().known_failure(c.suite);
    return;
  }
  EXPECT_TRUE(ok) << c.entry.name << " (" << c.entry.type << ", " << c.entry.action.string() << "): " << why;
  if (ok) SuiteTally::instance().passed(c.suite);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return test_name(info.param.suite, info.param.entry.name, info.index);
}

INSTANTIATE_TEST_SUITE_P(Rdf11, W3cRdfSuite, ::testing::ValuesIn(all_cases()), case_name);

const SuiteTally& kTally = SuiteTally::instance();  // registered before the tests run

}  // namespace
}  // namespace quiver::testing
