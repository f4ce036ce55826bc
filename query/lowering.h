// Lowering of the SPARQL 1.1 constructs Rasqal 0.9.33 cannot parse (property paths, EXISTS / NOT EXISTS) into
// text it does parse. A path verb becomes the reserved predicate <urn:quiver:path:N>; EXISTS { P } becomes a
// call to <urn:quiver:exists>(N, ?__quiver_exists). The path's IRIs and the EXISTS pattern move, still as
// SPARQL, into blocks GRAPH <urn:quiver:path:N> { ... } and GRAPH <urn:quiver:exists:N> { P } at the end of
// the WHERE clause, so Rasqal resolves their prefixed names and variables with the rest of the query; the
// front end then lifts those blocks out and rebuilds the real operators. A FILTER of a nested group reaches
// Rasqal as a BIND to a reserved variable, which the front end turns back into the filter: Rasqal would
// otherwise replace some of them by false.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quiver::query {

inline constexpr std::string_view kPathPrefix = "urn:quiver:path:";
inline constexpr std::string_view kExistsPrefix = "urn:quiver:exists:";
inline constexpr std::string_view kExistsFunction = "urn:quiver:exists";
inline constexpr std::string_view kPathIri = "urn:quiver:iri";
inline constexpr std::string_view kExistsVariable = "__quiver_exists";
// BIND(constraint AS ?__quiver_filterN) stands for a FILTER of a nested group (see disguise_nested_filter).
inline constexpr std::string_view kFilterVariable = "__quiver_filter";
// BIND(true AS ?__quiver_group) keeps a group holding only such a BIND a group (see keep_group).
inline constexpr std::string_view kGroupKeeperVariable = "__quiver_group";
// (constant AS ?__quiver_keyN) names a constant GROUP BY condition (see name_constant_group_keys).
inline constexpr std::string_view kGroupKeyVariable = "__quiver_key";
inline constexpr std::string_view kDatatypePrefix = "urn:quiver:datatype:";
// <urn:quiver:literal>("lexical", <datatype>, ?__quiver_exists) stands for a literal Rasqal gets wrong, in an
// expression (see disguised_literal).
inline constexpr std::string_view kLiteralFunction = "urn:quiver:literal";

// A property path as written. Link and Negated members refer to IRIs by position in the path's IRI list.
struct PathExpr {
  enum class Kind { Link, Inverse, Sequence, Alternative, ZeroOrOne, ZeroOrMore, OneOrMore, Negated } kind;
  size_t iri = 0;                                // Link
  std::vector<PathExpr> args;                    // Inverse (1), Sequence, Alternative, modifiers (1)
  std::vector<std::pair<size_t, bool>> negated;  // Negated: (IRI index, inverse)
};

struct LoweredQuery {
  std::string text;
  std::vector<PathExpr> paths;      // by N
  std::optional<std::string> base;  // the prologue's BASE IRI as written (maybe relative)
  // The query's trailing VALUES block, when its rows hold no values (which Rasqal loses): this many empty
  // solutions are joined with the WHERE clause's (none when the block had no rows).
  std::optional<size_t> trailing_empty_rows;
};

// How deeply groups and expressions may nest, counting chains that make left-deep trees (a || b || c, a
// group's OPTIONALs or BINDs) as nesting. Parsing and running a query recurses about once per level, with
// frames of up to about 500 bytes (the executor, the expression evaluator): a thousand levels fit in a 1 MiB
// thread stack with room to spare.
inline constexpr int kMaxNesting = 1000;
// Rasqal prepares a query in time exponential in the nesting of OPTIONAL, UNION and MINUS: a level of
// OPTIONAL costs 3, of UNION or MINUS 2, and nesting may cost at most 30 (10 OPTIONALs, about 0.2 s).
inline constexpr int kOptionalCost = 3, kUnionCost = 2, kMaxOptionalNesting = 30;

// Rejects, with a line and column, text that is not UTF-8, holds a NUL byte, has a string escape SPARQL does
// not have, brackets that do not pair up, or nesting deeper than kMaxNesting.
// Rewrites the query text; text without paths, EXISTS or nested FILTERs comes back unchanged. Malformed text
// is left for Rasqal to report.
LoweredQuery lower(std::string_view text);

// A query's text with the constants of its triple patterns (and GRAPH names, VALUES rows of one variable,
// CONSTRUCT templates) replaced by parameters: an IRI by <urn:quiver:parameter:N>, a string literal's
// characters by "urn:quiver:parameter:N" (its language tag stays), the same N for the same constant. The
// queries that differ only in those constants share the text, and a parse of it stands for each of them once
// the values are put back (query_templates.h). Nullopt when there is no such constant.
inline constexpr std::string_view kParameterPrefix = "urn:quiver:parameter:";
struct LiftedQuery {
  std::string text;
  std::vector<std::string> values;  // by N: an IRI, or a literal's characters
};
std::optional<LiftedQuery> lift_pattern_constants(std::string_view text);

// One operation of an update request as text Rasqal parses on its own. Rasqal 0.9.33 parses one update
// operation at a time well, but rejects INSERT DATA mixing triples with GRAPH blocks, USING clauses and the
// combined DELETE { } INSERT { } WHERE { }. So each operation is the request's prologue so far (on the first
// line) and the operation's own text, from the second line, at its column, with its USING clauses and (for
// the combined form) the other half blanked out, and INSERT DATA { Q } becomes INSERT { Q } WHERE { }:
// columns stay where the user wrote them, lines are line_offset away.
struct LoweredOperation {
  std::string text;
  bool data = false;                   // INSERT DATA / DELETE DATA
  bool shares_previous_where = false;  // the INSERT half of a combined DELETE/INSERT: same WHERE, once
  bool drop = false;                   // DROP, handed to Rasqal as CLEAR (it loses DROP DEFAULT/NAMED/ALL)
  bool continues_previous = false;     // a further chunk of the previous operation's large data block
  bool silent = false;                 // LOAD/CLEAR/DROP/CREATE/ADD/MOVE/COPY SILENT
  std::optional<std::string> with;     // WITH IRI (Rasqal drops it for the WHERE clause)
  std::vector<std::string> using_graphs, using_named;  // USING [NAMED] IRIs (prefixed names resolved)
  // The text's first line is the request's prologue; its line L > 1 is the request's line L + line_offset.
  int line_offset = 0;
};
std::vector<LoweredOperation> split_update(std::string_view text);

}  // namespace quiver::query
