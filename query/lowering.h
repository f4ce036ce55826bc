// Lowering of the SPARQL 1.1 constructs Rasqal 0.9.33 cannot parse (property paths, EXISTS / NOT EXISTS) into
// text it does parse. A path verb becomes the reserved predicate <urn:quiver:path:N>; EXISTS { P } becomes a
// call to <urn:quiver:exists>(N, ?__quiver_exists). The path's IRIs and the EXISTS pattern move, still as
// SPARQL, into blocks GRAPH <urn:quiver:path:N> { ... } and GRAPH <urn:quiver:exists:N> { P } at the end of
// the WHERE clause, so Rasqal resolves their prefixed names and variables with the rest of the query; the
// front end then lifts those blocks out and rebuilds the real operators.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quiver::query {

inline constexpr std::string_view kPathPrefix = "urn:quiver:path:";
inline constexpr std::string_view kExistsPrefix = "urn:quiver:exists:";
inline constexpr std::string_view kExistsFunction = "urn:quiver:exists";
inline constexpr std::string_view kPathIri = "urn:quiver:iri";
inline constexpr std::string_view kExistsVariable = "__quiver_exists";

// A property path as written. Link and Negated members refer to IRIs by position in the path's IRI list.
struct PathExpr {
  enum class Kind { Link, Inverse, Sequence, Alternative, ZeroOrOne, ZeroOrMore, OneOrMore, Negated } kind;
  size_t iri = 0;                                // Link
  std::vector<PathExpr> args;                    // Inverse (1), Sequence, Alternative, modifiers (1)
  std::vector<std::pair<size_t, bool>> negated;  // Negated: (IRI index, inverse)
};

struct LoweredQuery {
  std::string text;
  std::vector<PathExpr> paths;  // by N
};

// Rewrites the query text; text without paths or EXISTS comes back unchanged. Malformed text is left for
// Rasqal to report.
LoweredQuery lower(std::string_view text);

}  // namespace quiver::query
