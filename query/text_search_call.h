// SERVICE neptune-fts:search { neptune-fts:config neptune-fts:<parameter> <value> . ... }: Amazon Neptune's
// full-text search call (also under Quiver's own namespace), read from its configuration triples.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "query/algebra.h"

namespace quiver::query {

inline constexpr std::string_view kNeptuneFtsNamespace =
    "http://aws.amazon.com/neptune/vocab/v01/services/fts#";
inline constexpr std::string_view kQuiverFtsNamespace = "urn:quiver:fts#";

// Whether a SERVICE address is the full-text search (`search` in either namespace).
bool is_text_search_service(std::string_view iri);

// The call that configuration triples describe; throws QueryError for a parameter it does not know, a value
// of the wrong kind, or a search without `query` or `return`.
TextSearchCall read_text_search_call(const std::vector<TriplePattern>& config, bool silent);

}  // namespace quiver::query
