// The SPARQL front end: Rasqal parses the text (SPARQL 1.1, prefixes and base honoured) and the parse tree
// is translated into Quiver's algebra following SPARQL 1.1 section 18.2.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "query/algebra.h"
#include "store/cancellation.h"

namespace quiver::query {

// Invalid SPARQL, or SPARQL this engine does not run yet; `what()` says where and why.
class QueryError : public std::runtime_error {
 public:
  // What went wrong, for a caller that answers differently (the HTTP endpoint's status codes): the request
  // itself (invalid, asking for what Quiver does not do, for what it may not read, or for a graph or file
  // that does not exist), or the resources it was given.
  enum class Kind { Invalid, Unsupported, Forbidden, NotFound, Timeout, Cancelled, ResourceExhausted };
  QueryError(const std::string& message, int line = 0, int column = 0)
      : QueryError(Kind::Invalid, message, line, column) {}
  QueryError(Kind kind, const std::string& message, int line = 0, int column = 0)
      : std::runtime_error(line
                               ? "line " + std::to_string(line) +
                                     (column > 0 ? ", column " + std::to_string(column) : "") + ": " + message
                               : message),
        kind(kind),
        line(line),
        column(column) {}
  Kind kind;
  int line, column;
};

// The error of `what` ("the query", "the update") stopped for `reason`: a timeout, or a cancellation.
QueryError stop_error(StopReason reason, const std::string& what);

Query parse_query(std::string_view text, const std::string& base_iri = "http://quiver.local/");
// Parses a whole update request before anything runs: an error in any operation rejects them all.
Update parse_update(std::string_view text, const std::string& base_iri = "http://quiver.local/");

}  // namespace quiver::query
