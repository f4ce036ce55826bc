// The W3C SPARQL 1.0 and 1.1 query suites, driven from their manifests: syntax tests through the front end,
// evaluation tests against a fresh store loaded with the test's data.
#include <gtest/gtest.h>
#include <rasqal.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "loader/loader.h"
#include "query/query.h"
#include "tests/support/manifest.h"
#include "tests/support/memory_file.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/temp_dir.h"
#include "tests/support/w3c_cases.h"

namespace quiver::testing {
namespace {

const char* const kManifests[] = {
    "sparql10/manifest-evaluation.ttl",     "sparql10/manifest-syntax.ttl",
    "sparql11/manifest-sparql11-query.ttl", "sparql11/csv-tsv-res/manifest.ttl",
    "sparql11/json-res/manifest.ttl",
};

// Tests Quiver does not pass yet, with the reason; each is still run and must still fail.
const std::map<std::string, std::string>& known_failures() {
  static const std::map<std::string, std::string> known = {
#include "w3c_sparql_known_failures.inc"
  };
  return known;
}

std::vector<W3cCase> all_cases() {
  return w3c_cases(std::vector<std::string>(std::begin(kManifests), std::end(kManifests)));
}

// ---- results --------------------------------------------------------------------------------------------

struct Results {
  std::vector<std::map<std::string, Term>> solutions;
  std::optional<bool> boolean;
  std::vector<TermQuad> graph;
};

class Capture : public query::ResultSink {
 public:
  explicit Capture(Results& r) : r_(r) {}
  void start_solutions(const std::vector<std::string>& vars) override { vars_ = vars; }
  void start_graph() override {}
  void solution(const std::vector<std::optional<Term>>& values) override {
    std::map<std::string, Term> s;
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i]) s[vars_[i]] = *values[i];
    r_.solutions.push_back(std::move(s));
  }
  void boolean(bool v) override { r_.boolean = v; }
  void triple(const Term& s, const Term& p, const Term& o) override {
    r_.graph.push_back({s, p, o, Term::iri("")});
  }
  void finish() override {}

 private:
  Results& r_;
  std::vector<std::string> vars_;
};

Term from_rasqal(rasqal_literal* l) {
  auto str = [](const unsigned char* s) { return std::string(reinterpret_cast<const char*>(s)); };
  switch (l->type) {
    case RASQAL_LITERAL_URI:
      return Term::iri(str(raptor_uri_as_string(l->value.uri)));
    case RASQAL_LITERAL_BLANK:
      return Term::blank(str(l->string));
    default: {
      std::string lexical(reinterpret_cast<const char*>(l->string), l->string_len);
      if (l->language) return Term::lang(lexical, l->language);
      raptor_uri* dt = l->datatype ? l->datatype : rasqal_literal_datatype(l);
      return dt ? Term::typed(lexical, str(raptor_uri_as_string(dt))) : Term::literal(lexical);
    }
  }
}

// Reads results written as an RDF graph in the DAWG result-set vocabulary (rs:boolean, or rs:solution nodes
// with rs:binding nodes of rs:variable and rs:value).
std::optional<Results> read_result_graph(const std::filesystem::path& path, std::string& why) {
  const std::string rs = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#";
  ParsedDocument doc = parse_document(
      path, path.extension() == ".rdf" ? RdfFormat::RdfXml : RdfFormat::Turtle, file_iri(path));
  if (!doc.errors.empty()) {
    why = "cannot read the expected results: " + doc.errors[0].to_string();
    return std::nullopt;
  }
  std::multimap<std::string, std::pair<std::string, Term>> by_subject;
  for (const auto& q : doc.quads) by_subject.emplace(to_ntriples(q[0]), std::make_pair(q[1].value, q[2]));
  auto objects = [&](const Term& node, const std::string& pred) {
    std::vector<Term> out;
    auto [b, e] = by_subject.equal_range(to_ntriples(node));
    for (auto it = b; it != e; ++it)
      if (it->second.first == pred) out.push_back(it->second.second);
    return out;
  };
  Results r;
  for (const auto& q : doc.quads) {
    if (q[1].value == rs + "boolean") r.boolean = q[2].value == "true";
    if (q[1].value != rs + "solution") continue;
    std::map<std::string, Term> solution;
    for (const Term& binding : objects(q[2], rs + "binding")) {
      auto var = objects(binding, rs + "variable");
      auto value = objects(binding, rs + "value");
      if (!var.empty() && !value.empty()) solution[var[0].value] = value[0];
    }
    r.solutions.push_back(std::move(solution));
  }
  return r;
}

// Reads an expected SPARQL XML results file through Rasqal's reader.
// SPARQL 1.1 Query Results JSON (Rasqal reads only the XML format), through Boost's JSON parser.
std::optional<Results> read_json_results(const std::filesystem::path& path, std::string& why) {
  namespace pt = boost::property_tree;
  pt::ptree doc;
  try {
    pt::read_json(path.string(), doc);
  } catch (const pt::json_parser_error& e) {
    why = std::string("cannot read the expected results: ") + e.what();
    return std::nullopt;
  }
  Results r;
  if (auto b = doc.get_optional<std::string>("boolean")) {
    r.boolean = *b == "true";
    return r;
  }
  const auto bindings = doc.get_child_optional("results.bindings");
  if (!bindings) {
    why = "the expected results have neither a boolean nor bindings";
    return std::nullopt;
  }
  for (const auto& [unused, binding] : *bindings) {
    std::map<std::string, Term> s;
    for (const auto& [var, value] : binding) {
      const std::string type = value.get<std::string>("type", ""), text = value.get<std::string>("value", "");
      if (type == "uri") {
        s[var] = Term::iri(text);
      } else if (type == "bnode") {
        s[var] = Term::blank(text);
      } else if (auto lang = value.get_optional<std::string>("xml:lang")) {
        s[var] = Term::lang(text, *lang);
      } else if (auto dt = value.get_optional<std::string>("datatype")) {
        s[var] = Term::typed(text, *dt);
      } else {
        s[var] = Term::literal(text);
      }
    }
    r.solutions.push_back(std::move(s));
  }
  return r;
}

std::optional<Results> read_expected_solutions(const std::filesystem::path& path, bool ask,
                                               std::string& why) {
  const std::string ext = path.extension().string();
  if (ext == ".ttl" || ext == ".rdf") return read_result_graph(path, why);
  if (ext == ".srj") return read_json_results(path, why);
  const char* format = ext == ".srx" ? "xml" : ext == ".tsv" ? "tsv" : nullptr;
  if (!format) {
    why = "reading " + ext + " result files is not supported by the test driver";
    return std::nullopt;
  }
  rasqal_world* w = rasqal_new_world();
  rasqal_world_open(w);
  raptor_world* rw = rasqal_world_get_raptor(w);
  raptor_uri* base = raptor_new_uri(rw, reinterpret_cast<const unsigned char*>(file_iri(path).c_str()));
  rasqal_query_results* qr = rasqal_new_query_results2(
      w, nullptr, ask ? RASQAL_QUERY_RESULTS_BOOLEAN : RASQAL_QUERY_RESULTS_BINDINGS);
  rasqal_query_results_formatter* fmt = rasqal_new_query_results_formatter(w, format, nullptr, nullptr);
  raptor_iostream* in = raptor_new_iostream_from_filename(rw, path.c_str());
  Results r;
  bool ok = fmt && in && rasqal_query_results_formatter_read(w, in, fmt, qr, base) == 0;
  if (ok && ask) {
    int b = rasqal_query_results_get_boolean(qr);
    if (b >= 0) r.boolean = b > 0;
  } else if (ok) {
    while (!rasqal_query_results_finished(qr)) {
      std::map<std::string, Term> s;
      for (int i = 0, n = rasqal_query_results_get_bindings_count(qr); i < n; ++i)
        if (rasqal_literal* l = rasqal_query_results_get_binding_value(qr, i))
          s[reinterpret_cast<const char*>(rasqal_query_results_get_binding_name(qr, i))] = from_rasqal(l);
      r.solutions.push_back(std::move(s));
      rasqal_query_results_next(qr);
    }
  }
  if (in) raptor_free_iostream(in);
  if (fmt) rasqal_free_query_results_formatter(fmt);
  rasqal_free_query_results(qr);
  raptor_free_uri(base);
  rasqal_free_world(w);
  if (!ok) {
    why = "cannot read the expected results " + path.string();
    return std::nullopt;
  }
  return r;
}

// Numbers and zero time zones compare by value: both sides are rewritten to one canonical spelling.
Term canonical(Term t) {
  if (t.kind != TermKind::Literal || t.datatype.empty()) return t;
  const std::string& dt = t.datatype;
  if (dt == xsd::kDate || dt == xsd::kDateTime || dt == std::string(xsd::kNs) + "time") {
    for (const char* zero : {"+00:00", "-00:00"})
      if (t.value.size() > 6 && t.value.compare(t.value.size() - 6, 6, zero) == 0)
        t.value.replace(t.value.size() - 6, 6, "Z");
    return t;
  }
  if (dt == xsd::kInteger || dt == xsd::kDecimal || dt == xsd::kDouble ||
      dt == std::string(xsd::kNs) + "float") {
    char* end = nullptr;
    long double v = std::strtold(t.value.c_str(), &end);
    if (end && *end == '\0' && !t.value.empty()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.12Lg", v);
      t.value = buf;
    }
  }
  return t;
}

// Solutions as a graph (one blank node per solution) so the blank-node isomorphism check compares them.
std::vector<TermQuad> as_graph(const std::vector<std::map<std::string, Term>>& solutions) {
  std::vector<TermQuad> g;
  for (size_t i = 0; i < solutions.size(); ++i) {
    Term row = Term::blank("row" + std::to_string(i));
    g.push_back({row, Term::iri("urn:solution"), Term::literal("x"), Term::iri("")});
    for (auto& [var, value] : solutions[i])
      g.push_back({row, Term::iri("urn:var:" + var), canonical(value), Term::iri("")});
  }
  return g;
}

std::string describe_solutions(const std::vector<std::map<std::string, Term>>& solutions) {
  std::string out;
  for (size_t i = 0; i < solutions.size() && i < 20; ++i) {
    for (auto& [var, value] : solutions[i]) out += "?" + var + "=" + to_ntriples(value) + " ";
    out += "\n";
  }
  if (solutions.size() > 20) out += "... (" + std::to_string(solutions.size()) + " solutions)\n";
  return out;
}

// ---- running one test -----------------------------------------------------------------------------------

bool is_syntax_test(const std::string& type) {
  return type.find("SyntaxTest") != std::string::npos;
}

bool run_case(const W3cCase& c, std::string& why) {
  const ManifestEntry& e = c.entry;
  if (is_syntax_test(e.type))
    return run_syntax_case(
        e, [](const std::string& text, const std::string& base) { query::parse_query(text, base); }, why);
  if (e.query.empty()) {
    why = "not a query evaluation test (" + e.type + ")";
    return false;
  }
  TempDir dir;
  auto store = Store::open(dir / "db");
  auto load_into = [&](const std::filesystem::path& file, const std::string& graph) {
    load_test_document(*store, file, graph);
  };
  const std::string text = read_text(e.query);
  try {
    for (auto& d : e.data) load_into(d, "");
    for (auto& g : e.graph_data) load_into(g, file_iri(g));
    // Datasets named only in the query (FROM / FROM NAMED) are documents the runner loads under their IRIs.
    query::Query parsed = query::parse_query(text, file_iri(e.query));
    std::set<std::string> named(parsed.from.begin(), parsed.from.end());
    named.insert(parsed.from_named.begin(), parsed.from_named.end());
    for (const auto& iri : named)
      if (iri.rfind("file://", 0) == 0 && std::filesystem::exists(iri.substr(7)))
        load_into(iri.substr(7), iri);
  } catch (const query::QueryError&) {
    // Reported below when the query runs.
  } catch (const std::exception& err) {
    why = std::string("cannot load the test data: ") + err.what();
    return false;
  }
  query::QueryOptions options;
  options.base_iri = file_iri(e.query);
  options.timeout = std::chrono::seconds(20);
  const std::string result_ext = e.result.extension().string();
  if (result_ext == ".csv" || result_ext == ".tsv") {
    // These tests check the result format itself: the query's results go through the writer.
    MemoryFile out;
    try {
      auto writer = query::make_result_writer(
          result_ext == ".csv" ? query::ResultFormat::Csv : query::ResultFormat::Tsv, out.get());
      query::run_query(*store, text, options, *writer);
    } catch (const std::exception& err) {
      why = std::string("query failed: ") + err.what();
    }
    std::string produced = out.text();
    std::string expected = read_text(e.result);
    why = "expected:\n" + expected + "got:\n" + produced;
    if (e.type.find("QueryEvaluationTest") != std::string::npos) {
      // TSV keeps the terms: read back, the written results must equal the expected ones as result sets,
      // literals compared by value like every other evaluation test (1.0E6 and 1.0e6 are one double).
      auto got = read_expected_solutions(write_file(dir / "produced.tsv", produced), false, why);
      auto want = read_expected_solutions(e.result, false, why);
      return got && want && isomorphic(as_graph(got->solutions), as_graph(want->solutions));
    }
    // CSV loses types and kinds: its tests compare the writer's text.
    // Solutions may come in any order: compare the header, then the sorted rows. Blank node labels are not
    // significant: they are numbered in order of first appearance (the queries order their rows).
    auto lines = [](const std::string& text) {
      std::map<std::string, std::string> numbers;
      std::string t;
      for (size_t i = 0; i < text.size();) {
        if (text.compare(i, 2, "_:") != 0) {
          t += text[i++];
          continue;
        }
        size_t end = i + 2;
        while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                     (text[end] != '\0' && std::strchr("_.-", text[end]))))
          ++end;
        const std::string label = text.substr(i, end - i);
        t += numbers.try_emplace(label, "_:b" + std::to_string(numbers.size())).first->second;
        i = end;
      }
      std::vector<std::string> v;
      std::stringstream ss(t);
      for (std::string l; std::getline(ss, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        v.push_back(l);
      }
      if (!v.empty()) std::sort(v.begin() + 1, v.end());
      return v;
    };
    return lines(produced) == lines(expected);
  }
  Results got;
  Capture sink(got);
  try {
    query::run_query(*store, text, options, sink);
  } catch (const std::exception& err) {
    why = std::string("query failed: ") + err.what();
    return false;
  }
  const bool is_graph =
      !got.graph.empty() ||
      (got.solutions.empty() && !got.boolean &&
       (e.result.extension() == ".ttl" || e.result.extension() == ".nt" || e.result.extension() == ".rdf") &&
       text.find("SELECT") == std::string::npos && text.find("select") == std::string::npos &&
       text.find("ASK") == std::string::npos && text.find("ask") == std::string::npos);
  if (is_graph) {
    const std::string ext = e.result.extension().string();
    RdfFormat format = ext == ".rdf"  ? RdfFormat::RdfXml
                       : ext == ".nt" ? RdfFormat::NTriples
                                      : RdfFormat::Turtle;
    ParsedDocument expected = parse_document(e.result, format, file_iri(e.result));
    why = "graphs differ.\nexpected:\n" + describe(expected.quads) + "got:\n" + describe(got.graph);
    return expected.errors.empty() && isomorphic(got.graph, expected.quads);
  }
  auto expected = read_expected_solutions(e.result, got.boolean.has_value(), why);
  if (!expected) return false;
  if (got.boolean) {
    why = "ASK gave " + std::string(*got.boolean ? "true" : "false");
    return expected->boolean == got.boolean;
  }
  why = "solutions differ.\nexpected:\n" + describe_solutions(expected->solutions) + "got:\n" +
        describe_solutions(got.solutions);
  return isomorphic(as_graph(got.solutions), as_graph(expected->solutions));
}

class W3cSparqlSuite : public ::testing::TestWithParam<W3cCase> {};

TEST_P(W3cSparqlSuite, Conforms) {
  check_w3c_case(GetParam(), known_failures(), run_case);
}

INSTANTIATE_TEST_SUITE_P(Sparql, W3cSparqlSuite, ::testing::ValuesIn(all_cases()), w3c_case_name);

const SuiteTally& kTally = SuiteTally::instance();  // registered before the tests run

}  // namespace
}  // namespace quiver::testing
