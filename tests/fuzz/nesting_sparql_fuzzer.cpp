// Structure-aware: the fuzz bytes drive a generator of SPARQL with deep nesting and long chains: groups,
// OPTIONAL/UNION/MINUS, subqueries, GRAPH, EXISTS, parenthesised and nested function calls, long && / || /
// + chains, chained BINDs and property paths. Each pair of bytes is one construct and its repeat count (up
// to ~16k), so short inputs reach large depths. The text goes through the query front end, the update front
// end or (small enough) the whole engine on an empty store; anything may be refused with a QueryError, but
// nothing may crash.
#include "query/query.h"
#include "query/update.h"
#include "tests/fuzz/fuzz_store.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

enum class Where { Pattern, Expression, Path };

struct Construct {
  Where in;      // where the construct can be written
  Where inside;  // what its inside is
  const char* open;
  const char* close;
};

constexpr Construct kConstructs[] = {
    {Where::Pattern, Where::Pattern, "{ ", "} "},
    {Where::Pattern, Where::Pattern, "OPTIONAL { ?s ?p ?o ", "} "},
    {Where::Pattern, Where::Pattern, "{ ?s ?p ?o } UNION { ", "} "},
    {Where::Pattern, Where::Pattern, "?s ?p ?o MINUS { ", "} "},
    {Where::Pattern, Where::Pattern, "{ SELECT * { ", "} } "},
    {Where::Pattern, Where::Pattern, "GRAPH ?g { ", "} "},
    {Where::Pattern, Where::Pattern, "FILTER EXISTS { ", "} "},
    {Where::Pattern, Where::Expression, "FILTER (", ") "},
    {Where::Pattern, Where::Path, "?s ", " ?o . "},
    {Where::Expression, Where::Expression, "(", ")"},
    {Where::Expression, Where::Expression, "CONCAT(", ", \"x\")"},
    {Where::Expression, Where::Expression, "?o && ", ""},
    {Where::Expression, Where::Expression, "?o || ", ""},
    {Where::Expression, Where::Expression, "1 + ", ""},
    {Where::Expression, Where::Expression, "!", ""},
    {Where::Expression, Where::Expression, "IF(", ", 1, 2)"},
    {Where::Expression, Where::Expression, "COALESCE(?u, ", ")"},
    {Where::Expression, Where::Pattern, "EXISTS { ", "} "},
    {Where::Path, Where::Path, "(", ")"},
    {Where::Path, Where::Path, "ex:p/", ""},
    {Where::Path, Where::Path, "ex:p|", ""},
    {Where::Path, Where::Path, "^", ""},
    {Where::Path, Where::Path, "(", ")*"},
};

const char* innermost(Where w) {
  switch (w) {
    case Where::Pattern:
      return "?s ?p ?o ";
    case Where::Expression:
      return "?o";
    case Where::Path:
      return "ex:p";
  }
  return "";
}

}  // namespace

QUIVER_FUZZ_TARGET(nesting_sparql) {
  if (size < 1) return 0;
  const uint8_t mode = data[0] % 3;
  std::string opens, closes;
  Where where = Where::Pattern;
  size_t total = 0, binds = 0;
  for (size_t i = 1; i + 1 < size && total < 40000; i += 2) {
    const size_t count = 1 + data[i + 1] * data[i + 1] / 4;
    if (data[i] % (std::size(kConstructs) + 1) == std::size(kConstructs)) {
      if (where != Where::Pattern) continue;
      for (size_t k = 0; k < count; ++k, ++binds)  // chained BINDs, each from the one before
        opens += "BIND(" + (binds ? "?b" + std::to_string(binds - 1) : std::string("?o")) + " + 1 AS ?b" +
                 std::to_string(binds) + ") ";
      total += count;
      continue;
    }
    const Construct& c = kConstructs[data[i] % std::size(kConstructs)];
    if (c.in != where) continue;
    for (size_t k = 0; k < count; ++k) opens += c.open;
    std::string close;
    for (size_t k = 0; k < count; ++k) close += c.close;
    closes = close + closes;
    where = c.inside;
    total += count;
  }
  const std::string body = opens + innermost(where) + closes;
  const std::string prefix = "PREFIX ex: <http://example.org/>\n";
  try {
    if (mode == 0) {
      quiver::query::parse_query(prefix + "SELECT * WHERE { " + body + "}");
    } else if (mode == 1) {
      quiver::query::parse_update(prefix + "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { " + body + "}");
    } else {
      quiver::query::QueryOptions options;
      options.timeout = std::chrono::seconds(2);
      options.memory_limit = size_t{256} << 20;
      quiver::query::CountingSink sink;
      quiver::query::run_query(quiver::fuzz::empty_store(), prefix + "SELECT * WHERE { " + body + "}",
                               options, sink);
    }
  } catch (const quiver::query::QueryError&) {
  }
  return 0;
}
