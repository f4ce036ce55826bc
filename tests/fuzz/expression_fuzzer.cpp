// The expression evaluator: the input is an expression, run as SELECT (input AS ?x) over a few rows of
// VALUES against an empty store opened once per process. Every value it gives is a well-formed term.
#include "parser/utf8.h"
#include "query/query.h"
#include "tests/fuzz/fuzz_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace quiver;

class CheckingSink : public query::ResultSink {
 public:
  void start_solutions(const std::vector<std::string>&) override {}
  void start_graph() override {}
  void solution(const std::vector<std::optional<Term>>& values) override {
    for (const auto& v : values)
      if (v) check(*v);
  }
  void boolean(bool) override {}
  void triple(const Term& s, const Term& p, const Term& o) override {
    check(s);
    check(p);
    check(o);
  }
  void finish() override {}

 private:
  static void check(const Term& t) {
    QUIVER_FUZZ_CHECK(!find_invalid_utf8(t.value), "a value with invalid UTF-8");
    QUIVER_FUZZ_CHECK(!find_invalid_utf8(t.datatype) && !find_invalid_utf8(t.language),
                      "a datatype or language with invalid UTF-8");
    QUIVER_FUZZ_CHECK(t.language.empty() || t.datatype.empty(), "a literal with language and datatype");
    QUIVER_FUZZ_CHECK(t.kind == TermKind::Literal || (t.language.empty() && t.datatype.empty()),
                      "a datatype on an IRI or blank node");
    QUIVER_FUZZ_CHECK(t.datatype != xsd::kString, "xsd:string not folded into the simple literal");
  }
};

}  // namespace

QUIVER_FUZZ_TARGET(expression) {
  // Raw bytes are sparql_query's business; here only text that can be a query (valid UTF-8, no NUL).
  if (quiver::find_invalid_utf8(quiver::fuzz::as_text(data, size), false)) return 0;
  const std::string text =
      "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX ex: <http://example.org/>\n"
      "SELECT ?a ?b ?c (" +
      std::string(quiver::fuzz::as_text(data, size)) +
      "\n AS ?x) { VALUES (?a ?b ?c) { (1 \"x\"@en ex:i) (\"2.5\"^^xsd:decimal \"y\" UNDEF) "
      "(\"2020-01-02T03:04:05Z\"^^xsd:dateTime -0.0e0 \"\") } }";
  query::QueryOptions options;
  options.timeout = std::chrono::seconds(2);
  options.memory_limit = size_t{256} << 20;
  CheckingSink sink;
  try {
    query::run_query(quiver::fuzz::empty_store(), text, options, sink);
  } catch (const query::QueryError&) {
  }
  return 0;
}
