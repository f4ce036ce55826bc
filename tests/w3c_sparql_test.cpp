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
#include "query/query_templates.h"
#include "tests/support/manifest.h"
#include "tests/support/memory_file.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/suite_server.h"
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
  ParsedDocument doc = parse_document(path, document_format(path), file_iri(path));
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

// ---- where a test runs ----------------------------------------------------------------------------------

// A fresh dataset that takes a test's documents and answers its query: a store in process, or the HTTP
// endpoint. Each call throws when the query (or loading) fails.
class Target {
 public:
  virtual ~Target() = default;
  virtual void add(const std::filesystem::path& file, const std::string& graph) = 0;
  // The results as a solutions document in `format` (the CSV and TSV tests check the format itself).
  virtual std::string formatted(const std::string& text, const std::string& base,
                                query::ResultFormat format) = 0;
  virtual Results results(const std::string& text, const std::string& base) = 0;
  // A folder for the files the case writes.
  virtual const std::filesystem::path& scratch() const = 0;
};

class InProcess : public Target {
 public:
  InProcess() : store_(Store::open(dir_ / "db")) {}
  void add(const std::filesystem::path& file, const std::string& graph) override {
    load_test_document(*store_, file, graph);
  }
  std::string formatted(const std::string& text, const std::string& base,
                        query::ResultFormat format) override {
    MemoryFile out;
    auto writer = query::make_result_writer(format, out.get());
    query::run_query(*store_, instantiated(text, base), options(base), *writer);
    return out.text();
  }
  Results results(const std::string& text, const std::string& base) override {
    Results got;
    Capture sink(got);
    query::run_query(*store_, instantiated(text, base), options(base), sink);
    return got;
  }
  const std::filesystem::path& scratch() const override { return dir_.path(); }
  static void check_syntax(const std::string& text, const std::string& base) {
    query::parse_query(text, base);
  }

 private:
  // The query as the server runs one whose shape it has seen before (query/query_templates.h): a template
  // parsed once, with the IRIs of this query put back. (Over HTTP each query is parsed afresh.)
  query::Query instantiated(const std::string& text, const std::string& base) {
    for (int sighting = 0; sighting < 2; ++sighting) templates_.parse(text, base);
    return templates_.parse(text, base);
  }
  query::QueryTemplates templates_;

  static query::QueryOptions options(const std::string& base) {
    query::QueryOptions options;
    options.base_iri = base;
    options.timeout = std::chrono::seconds(20);
    return options;
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Through POST /sparql; solutions come back as SPARQL Results JSON, graphs as N-Triples, and are read here.
class OverHttp : public Target {
 public:
  OverHttp() : server_(SuiteServer::instance()) { server_.reset(); }
  void add(const std::filesystem::path& file, const std::string& graph) override { server_.add(file, graph); }
  std::string formatted(const std::string& text, const std::string& base,
                        query::ResultFormat format) override {
    return answer(text, base, std::string(query::media_type(format)))->body;
  }
  Results results(const std::string& text, const std::string& base) override {
    auto got = answer(text, base, "application/sparql-results+json, application/n-triples;q=0.9");
    std::string why;
    if (got->get_header_value("Content-Type").starts_with("application/n-triples")) {
      ParsedDocument doc =
          parse_document(write_file(scratch() / "answer.nt", got->body), RdfFormat::NTriples, "");
      if (!doc.errors.empty()) throw std::runtime_error("unreadable answer: " + doc.errors[0].to_string());
      return Results{{}, std::nullopt, std::move(doc.quads)};
    }
    auto results = read_json_results(write_file(scratch() / "answer.srj", got->body), why);
    if (!results) throw std::runtime_error(why + "\n" + got->body.substr(0, 500));
    return *results;
  }
  const std::filesystem::path& scratch() const override { return server_.scratch(); }
  // Refused with 400 is a syntax error; any other answer (501 for a SERVICE call, say) parsed the query.
  static void check_syntax(const std::string& text, const std::string& base) {
    auto got = SuiteServer::instance().query(text, base, "application/sparql-results+json");
    if (!got) throw std::runtime_error("no answer: " + httplib::to_string(got.error()));
    if (got->status == 400) throw std::runtime_error(got->body);
  }

 private:
  httplib::Result answer(const std::string& text, const std::string& base, const std::string& accept) {
    auto got = server_.query(text, base, accept);
    if (!got) throw std::runtime_error("no answer: " + httplib::to_string(got.error()));
    if (got->status != 200) throw std::runtime_error(std::to_string(got->status) + " " + got->body);
    return got;
  }
  SuiteServer& server_;
};

// ---- running one test -----------------------------------------------------------------------------------

bool is_syntax_test(const std::string& type) {
  return type.find("SyntaxTest") != std::string::npos;
}

// Solutions may come in any order: compare the header, then the sorted rows. Blank node labels are not
// significant: they are numbered in order of first appearance (the queries order their rows).
std::vector<std::string> csv_lines(const std::string& text) {
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
}

// The CSV and TSV tests check the result format itself: the query's results go through the writer.
bool check_formatted(Target& target, const ManifestEntry& e, const std::string& text, std::string& why) {
  const bool csv = e.result.extension() == ".csv";
  std::string produced;
  try {
    produced =
        target.formatted(text, file_iri(e.query), csv ? query::ResultFormat::Csv : query::ResultFormat::Tsv);
  } catch (const std::exception& err) {
    why = std::string("query failed: ") + err.what();
    return false;
  }
  std::string expected = read_text(e.result);
  why = "expected:\n" + expected + "got:\n" + produced;
  if (e.type.find("QueryEvaluationTest") != std::string::npos) {
    // TSV keeps the terms: read back, the written results must equal the expected ones as result sets,
    // literals compared by value like every other evaluation test (1.0E6 and 1.0e6 are one double).
    auto got = read_expected_solutions(write_file(target.scratch() / "produced.tsv", produced), false, why);
    auto want = read_expected_solutions(e.result, false, why);
    return got && want && isomorphic(as_graph(got->solutions), as_graph(want->solutions));
  }
  return csv_lines(produced) == csv_lines(expected);  // CSV loses types and kinds: compare the text
}

// The test's documents, and the documents named only in the query (FROM / FROM NAMED) under their IRIs.
void add_documents(Target& target, const ManifestEntry& e, const std::string& text) {
  for (auto& d : e.data) target.add(d, "");
  for (auto& g : e.graph_data) target.add(g, file_iri(g));
  try {
    query::Query parsed = query::parse_query(text, file_iri(e.query));
    std::set<std::string> named(parsed.from.begin(), parsed.from.end());
    named.insert(parsed.from_named.begin(), parsed.from_named.end());
    for (const auto& iri : named)
      if (iri.rfind("file://", 0) == 0 && std::filesystem::exists(iri.substr(7)))
        target.add(iri.substr(7), iri);
  } catch (const query::QueryError&) {
    // Reported when the query runs.
  }
}

bool is_graph_result(const Results& got, const ManifestEntry& e, const std::string& text) {
  const std::string ext = e.result.extension().string();
  return !got.graph.empty() ||
         (got.solutions.empty() && !got.boolean && (ext == ".ttl" || ext == ".nt" || ext == ".rdf") &&
          text.find("SELECT") == std::string::npos && text.find("select") == std::string::npos &&
          text.find("ASK") == std::string::npos && text.find("ask") == std::string::npos);
}

bool run_case(Target& target, const W3cCase& c, std::string& why) {
  const ManifestEntry& e = c.entry;
  if (e.query.empty()) {
    why = "not a query evaluation test (" + e.type + ")";
    return false;
  }
  const std::string text = read_text(e.query);
  try {
    add_documents(target, e, text);
  } catch (const std::exception& err) {
    why = std::string("cannot load the test data: ") + err.what();
    return false;
  }
  const std::string result_ext = e.result.extension().string();
  if (result_ext == ".csv" || result_ext == ".tsv") return check_formatted(target, e, text, why);
  Results got;
  try {
    got = target.results(text, file_iri(e.query));
  } catch (const std::exception& err) {
    why = std::string("query failed: ") + err.what();
    return false;
  }
  if (is_graph_result(got, e, text)) {
    ParsedDocument expected = parse_document(e.result, document_format(e.result), file_iri(e.result));
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

template <class T>
bool run_on(const W3cCase& c, std::string& why) {
  const ManifestEntry& e = c.entry;
  if (is_syntax_test(e.type))
    return run_syntax_case(
        e, [](const std::string& text, const std::string& base) { T::check_syntax(text, base); }, why);
  T target;
  return run_case(target, c, why);
}

class W3cSparqlSuite : public ::testing::TestWithParam<W3cCase> {};

TEST_P(W3cSparqlSuite, Conforms) {
  check_w3c_case(GetParam(), known_failures(), run_on<InProcess>);
}

INSTANTIATE_TEST_SUITE_P(Sparql, W3cSparqlSuite, ::testing::ValuesIn(all_cases()), w3c_case_name);

// The same cases through the SPARQL protocol: a syntax test's query must be answered (positive) or refused
// with 400 (negative), and every evaluation test must give the same results as in process.
class W3cSparqlSuiteOverHttp : public ::testing::TestWithParam<W3cCase> {};

TEST_P(W3cSparqlSuiteOverHttp, Conforms) {
  check_w3c_case(GetParam(), known_failures(), run_on<OverHttp>, " over HTTP");
}

INSTANTIATE_TEST_SUITE_P(SparqlOverHttp, W3cSparqlSuiteOverHttp, ::testing::ValuesIn(all_cases()),
                         w3c_case_name);

const SuiteTally& kTally = SuiteTally::instance();  // registered before the tests run

}  // namespace
}  // namespace quiver::testing
